// SPDX-License-Identifier: MIT
// keel/covariance.hpp: covariance estimators of a T x N returns panel (rows = dates, columns =
// assets), for risk and portfolio construction.
//
// Synopsis
//   sample_covariance(panel, covariance_options{})          -> covariance_estimate<Real>
//   ewma_covariance(panel, ewma_covariance_options{})       -> covariance_estimate<Real>
//   semicovariance(panel, semicovariance_options{})         -> covariance_estimate<Real>
//   ledoit_wolf(panel, ledoit_wolf_options{})               -> shrinkage_estimate<Real>
//   correlation(cov)                                        -> the correlation matrix
//   each estimator also as (panel, out, ws, options): into a reused result `out`, with the
//   scratch in a reused `ws` (covariance_estimate<Real>::workspace,
//   shrinkage_estimate<Real>::workspace); a warm call allocates nothing. A result holds only
//   its documented fields; (panel, out, options) without `ws` is deprecated.
//   enums missing_data {reject, pairwise, complete_rows}, shrinkage_target, ewma_weighting
//
// Conventions
//   - panel is any Eigen expression (a matrix, a Map over the caller's memory, a block), T rows
//     of dates by N columns of assets; a return_table's `returns` (series.hpp) is one. NaN marks
//     a missing value and is handled by the `.missing` policy; an infinity is invalid_input.
//   - `covariance` is N x N, symmetric, in the panel's floating type (float input is computed in
//     double), multiplied by the option `periods_per_year` (default 252: annual units from daily
//     returns, as PyPortfolioOpt's `frequency = 252` and keel's mean_historical_return, so that
//     Markowitz inputs agree by default; 1 keeps per-period units).
//   - Normalisations follow the peer each estimator reproduces, and differ: sample covariance
//     n - 1 (pandas, numpy); Ledoit-Wolf with the scaled identity and single-factor targets 1/n
//     (scikit-learn, PyPortfolioOpt), with the constant-correlation target n - 1 (PyPortfolioOpt);
//     EWMA weights summing to one; semicovariance 1/T (PyPortfolioOpt, Estrada).
//   - A pairwise-missing matrix need not be positive semi-definite: the result says so
//     (positive_semidefinite, min_eigenvalue) and, on request, repairs it (Higham 2002).
//
// Numerics (detail/gram.hpp): two-pass centring then a symmetric rank-k update (Xc'Xc), never
// sum x y - n xbar ybar; pairwise sums by four products with an exact per-pair fallback.
//
// References
//   O. Ledoit and M. Wolf, "A well-conditioned estimator for large-dimensional covariance
//   matrices", J. Multivariate Anal. 88 (2004) 365-411; "Improved estimation of the covariance
//   matrix of stock returns with an application to portfolio selection", J. Empirical Finance 10
//   (2003) 603-621; "Honey, I shrunk the sample covariance matrix", J. Portfolio Management 30
//   (2004) 110-119. J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed. (1996), sec. 5.2.
//   J. Estrada, "Mean-semivariance behavior: downside risk and capital asset pricing", Int. Rev.
//   Econ. Finance 16 (2007) 169-185. N. J. Higham, IMA J. Numer. Anal. 22 (2002) 329-343.
/// \file
/// Covariance estimators: sample_covariance, ewma_covariance, ledoit_wolf, correlation.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/gram.hpp>
#include <keel/detail/shrinkage.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// How the panel estimators treat NaN cells (missing values: an asset that starts trading later,
/// a holiday on one exchange). An infinity is invalid_input whatever the policy.
enum class missing_data {
  reject,        ///< a NaN is invalid_input naming its cell (the default)
  pairwise,      ///< each pair of assets uses the rows where both exist (pandas DataFrame.cov)
  complete_rows  ///< only the rows where every asset has a value are used (pandas dropna())
};

/// The structured target a Ledoit-Wolf estimate shrinks the sample covariance towards
/// (PyPortfolioOpt's `shrinkage_target` names in brackets).
enum class shrinkage_target {
  scaled_identity,      ///< mu I, mu the mean variance (Ledoit & Wolf 2004 JMVA; "constant_variance")
  single_factor,        ///< Sharpe's single-index model on the equal-weighted market (Ledoit & Wolf 2003)
  constant_correlation  ///< sample variances with one average correlation (Ledoit & Wolf 2004 JPM)
};

/// How EWMA weights are normalised over a finite history of T returns, newest t = T-1.
enum class ewma_weighting {
  /// w_t = lambda^(T-1-t) / sum_s lambda^s: exact weights summing to one (pandas
  /// ewm(adjust=True), PyPortfolioOpt exp_cov).
  normalized,
  /// the RiskMetrics recursion s_t = lambda s_{t-1} + (1 - lambda) x_t seeded with s_0 = x_0:
  /// w_0 = lambda^(T-1), w_t = (1 - lambda) lambda^(T-1-t) (pandas ewm(adjust=False)).
  recursive
};

/// Options of sample_covariance.
struct covariance_options {
  /// Multiplies the result: 252 annualises daily returns (the default, as PyPortfolioOpt's
  /// frequency), 1 keeps per-period units; positive and finite.
  double periods_per_year = 252;
  /// NaN policy (see missing_data).
  missing_data missing = missing_data::reject;
  /// Fewer rows (with `pairwise`: fewer common rows for some pair) is insufficient_data; at least 2.
  std::ptrdiff_t min_observations = 2;
  /// With `pairwise`, replace a matrix that is not positive semi-definite by the nearest one
  /// with the same variances (Higham 2002 on its correlation matrix); `repaired` says so.
  bool repair = false;
};

/// Options of ewma_covariance.
struct ewma_covariance_options {
  /// Decay per period, in (0, 1); RiskMetrics' daily 0.94. A pandas / PyPortfolioOpt span s is
  /// lambda = (s - 1) / (s + 1) (alpha = 2 / (s + 1) = 1 - lambda).
  double lambda = 0.94;
  /// Multiplies the result (PyPortfolioOpt's exp_cov frequency = 252); 1: per-period units.
  double periods_per_year = 252;
  /// Subtract each column's plain sample mean first (PyPortfolioOpt); false: RiskMetrics' zero mean.
  bool demean = false;
  /// Weight normalisation over the finite history (see ewma_weighting).
  ewma_weighting weighting = ewma_weighting::normalized;
  /// NaN policy: reject or complete_rows (pairwise is not supported: the weights follow dates).
  missing_data missing = missing_data::reject;
};

/// Options of semicovariance.
struct semicovariance_options {
  /// Per-period benchmark return B: only shortfalls below it count.
  double benchmark = 0;
  /// Multiplies the result (PyPortfolioOpt's frequency = 252); 1: per-period units.
  double periods_per_year = 252;
  /// NaN policy; pairwise divides each pair's sum by its common rows.
  missing_data missing = missing_data::reject;
  /// With `pairwise`, repair a matrix that is not positive semi-definite (as covariance_options).
  bool repair = false;
};

/// Options of ledoit_wolf.
struct ledoit_wolf_options {
  /// The shrinkage target (default: the scaled identity, scikit-learn's LedoitWolf).
  shrinkage_target target = shrinkage_target::scaled_identity;
  /// Multiplies the result (PyPortfolioOpt's frequency = 252); 1: per-period units.
  double periods_per_year = 252;
  /// NaN policy: reject or complete_rows (pairwise is not supported: one sample is needed).
  missing_data missing = missing_data::reject;
};

/// A covariance estimate: the matrix and what was used to build it (these six fields, nothing
/// else: the out forms' scratch is the separate `workspace`).
template <class Real = double>
struct covariance_estimate {
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call. It holds T x N and N x N buffers, so a plain call frees it on return.
  using workspace = detail::gram_workspace<detail::accum_t<Real>>;
  /// The N x N estimate, symmetric, multiplied by the options' periods_per_year.
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> covariance;
  /// Rows used: all T (reject), the complete rows (complete_rows), or the smallest pair's
  /// common rows (pairwise; see pair_counts).
  std::ptrdiff_t observations = 0;
  /// pairwise only: common rows of each pair (N x N, the diagonal each asset's own); else 0 x 0.
  Eigen::Matrix<std::ptrdiff_t, Eigen::Dynamic, Eigen::Dynamic> pair_counts;
  /// Whether `covariance` is positive semi-definite: by construction unless pairwise, checked
  /// by its eigenvalues for pairwise (after the repair when one was made).
  bool positive_semidefinite = true;
  /// pairwise only: the smallest eigenvalue of `covariance` (annualised); empty otherwise.
  std::optional<Real> min_eigenvalue;
  /// Whether the nearest-correlation repair replaced a matrix that was not PSD.
  bool repaired = false;
};

/// A Ledoit-Wolf shrinkage estimate: delta F + (1 - delta) S (these four fields, nothing else).
template <class Real = double>
struct shrinkage_estimate {
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call.
  using workspace = detail::gram_workspace<detail::accum_t<Real>>;
  /// The shrunk N x N covariance, multiplied by the options' periods_per_year.
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> covariance;
  /// The shrinkage intensity delta in [0, 1] (0: the sample covariance, 1: the target).
  Real shrinkage{};
  /// The target F (annualised like `covariance`).
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> target_covariance;
  /// Rows used (all T, or the complete rows).
  std::ptrdiff_t observations = 0;
};

namespace detail {

/// The floating type of an estimate of a panel.
template <class Derived>
using panel_real_t = typename Derived::Scalar;

/// Checks cells and gathers the rows to use into ws.centred; returns their number, at least
/// `min_rows` (insufficient_data otherwise, saying how many rows had every value).
template <class Acc, class Derived>
Eigen::Index used_rows(std::string_view fn, const Eigen::MatrixBase<Derived>& panel, missing_data missing,
                       std::ptrdiff_t min_rows, std::string_view option, gram_workspace<Acc>& ws) {
  check_cells(fn, panel, missing == missing_data::reject);
  const Eigen::Index rows = gather_rows(panel, missing == missing_data::complete_rows, ws);
  if (rows < min_rows)
    require_observations(fn, min_rows, rows, missing == missing_data::complete_rows ? "complete rows" : "rows", option);
  return rows;
}

/// The pairwise path shared by sample_covariance and semicovariance: counts, PSD check, repair.
template <class Real, class Acc>
void finish_pairwise(std::string_view fn, gram_workspace<Acc>& ws, Acc factor, bool repair, std::ptrdiff_t min_pair,
                     std::string_view option, bool minus_one, covariance_estimate<Real>& out) {
  const Eigen::Index n = ws.gram.cols();
  out.pair_counts.resize(n, n);
  std::ptrdiff_t least = n > 0 ? std::numeric_limits<std::ptrdiff_t>::max() : 0;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto c = static_cast<std::ptrdiff_t>(ws.counts(i, j));
      out.pair_counts(i, j) = c;
      least = std::min(least, c);
      if (c < min_pair)
        require_observations(fn, min_pair, c,
                             i == j ? "values in column " + std::to_string(i)
                                    : "common rows of columns " + std::to_string(std::min(i, j)) + " and " +
                                          std::to_string(std::max(i, j)),
                             option);
      ws.gram(i, j) /= (ws.counts(i, j) - (minus_one ? Acc(1) : Acc(0)));
    }
  out.observations = least;
  check_gram_range(fn, ws.gram, Acc(1));
  ws.gram *= factor;
  psd_check<Acc> psd = check_psd(ws.gram, ws);
  out.repaired = false;
  if (!psd.positive_semidefinite && repair) {
    repair_nearest_correlation(ws.gram, ws);
    psd = check_psd(ws.gram, ws);
    out.repaired = true;
  }
  out.positive_semidefinite = psd.positive_semidefinite;
  out.min_eigenvalue = static_cast<Real>(psd.min_eigenvalue);
  store_scaled<Real>(fn, "covariance", ws.gram, Acc(1), out.covariance);
}

template <class Derived, class Real>
void sample_covariance_into(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                            gram_workspace<accum_t<Real>>& ws, const covariance_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "sample_covariance";
  check_periods_per_year(fn, options.periods_per_year);
  if (options.min_observations < 2)
    throw_bad_option(fn, "min_observations", static_cast<double>(options.min_observations), "at least 2");
  const auto factor = static_cast<acc>(options.periods_per_year);
  // pairwise resizes pair_counts in place (finish_pairwise): emptying it first would free and
  // reallocate its N x N buffer on every warm call.
  if (options.missing != missing_data::pairwise) out.pair_counts.resize(0, 0);
  out.min_eigenvalue.reset();
  out.repaired = false;
  out.positive_semidefinite = true;
  if (options.missing == missing_data::pairwise) {
    check_cells(fn, panel, false);
    pairwise_gram(panel, ws);
    finish_pairwise(fn, ws, factor, options.repair, options.min_observations, "covariance_options::min_observations",
                    true, out);
    return;
  }
  const Eigen::Index rows =
      used_rows(fn, panel, options.missing, options.min_observations, "covariance_options::min_observations", ws);
  centre_columns(ws);
  gram_of_centred(ws);
  check_gram_range(fn, ws.gram, static_cast<acc>(rows));
  out.observations = rows;
  store_scaled<Real>(fn, "covariance", ws.gram, factor / static_cast<acc>(rows - 1), out.covariance);
}

/// EWMA weights of T rows (normalized or recursive), as square roots, into ws.row_weights.
template <class Acc>
void ewma_root_weights(Eigen::Index t, Acc lambda, ewma_weighting weighting, gram_workspace<Acc>& ws) {
  ws.row_weights.resize(t);
  if (t == 0) return;
  // lambda^k by repeated multiplication from the newest row: exact to a few ulps, and a weight
  // that underflows is simply zero (its row then contributes nothing, as it should).
  Acc power = 1, total = 0;
  for (Eigen::Index k = 0; k < t; ++k) {
    ws.row_weights(t - 1 - k) = power;
    total += power;
    power *= lambda;
  }
  if (weighting == ewma_weighting::normalized) {
    ws.row_weights /= total;
  } else {
    ws.row_weights *= (1 - lambda);
    ws.row_weights(0) /= (1 - lambda);  // the seed carries lambda^(T-1), not (1 - lambda) lambda^(T-1)
  }
  ws.row_weights = ws.row_weights.cwiseSqrt();
}

template <class Derived, class Real>
void ewma_covariance_into(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                          gram_workspace<accum_t<Real>>& ws, const ewma_covariance_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "ewma_covariance";
  check_periods_per_year(fn, options.periods_per_year);
  if (!(options.lambda > 0 && options.lambda < 1)) throw_bad_option(fn, "lambda", options.lambda, "in (0, 1)");
  if (options.missing == missing_data::pairwise)
    throw_unsupported_option(fn, "missing", "missing_data::pairwise",
                             "EWMA weights follow the dates, so every asset needs the same rows; use complete_rows");
  const Eigen::Index rows = used_rows(fn, panel, options.missing, 1, {}, ws);
  if (options.demean) centre_columns(ws);
  ewma_root_weights(rows, static_cast<acc>(options.lambda), options.weighting, ws);
  ws.centred = ws.row_weights.asDiagonal() * ws.centred;
  const Eigen::Index n = ws.centred.cols();
  ws.gram.setZero(n, n);
  ws.gram.template selfadjointView<Eigen::Lower>().rankUpdate(ws.centred.transpose());
  ws.gram.template triangularView<Eigen::StrictlyUpper>() = ws.gram.transpose();
  if (!ws.gram.allFinite()) throw_overflow(fn, "the weighted sums of products of the panel's columns");
  out.observations = rows;
  out.pair_counts.resize(0, 0);
  out.min_eigenvalue.reset();
  out.repaired = false;
  out.positive_semidefinite = true;
  store_scaled<Real>(fn, "covariance", ws.gram, static_cast<acc>(options.periods_per_year), out.covariance);
}

template <class Derived, class Real>
void semicovariance_into(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                         gram_workspace<accum_t<Real>>& ws, const semicovariance_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "semicovariance";
  check_periods_per_year(fn, options.periods_per_year);
  if (!std::isfinite(options.benchmark)) throw_bad_option(fn, "benchmark", options.benchmark, "finite");
  const auto b = static_cast<acc>(options.benchmark);
  const auto factor = static_cast<acc>(options.periods_per_year);
  // pairwise resizes pair_counts in place (finish_pairwise): emptying it first would free and
  // reallocate its N x N buffer on every warm call.
  if (options.missing != missing_data::pairwise) out.pair_counts.resize(0, 0);
  out.min_eigenvalue.reset();
  out.repaired = false;
  out.positive_semidefinite = true;
  if (options.missing == missing_data::pairwise) {
    check_cells(fn, panel, false);
    const Eigen::Index t = panel.rows(), n = panel.cols();
    ws.centred.resize(t, n);
    ws.mask.resize(t, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < t; ++i) {
        const bool present = !std::isnan(panel(i, j));
        ws.mask(i, j) = present ? acc(1) : acc(0);
        ws.centred(i, j) = present ? std::min(static_cast<acc>(panel(i, j)) - b, acc(0)) : acc(0);
      }
    ws.counts.setZero(n, n);
    ws.counts.template selfadjointView<Eigen::Lower>().rankUpdate(ws.mask.transpose());
    ws.counts.template triangularView<Eigen::StrictlyUpper>() = ws.counts.transpose();
    ws.gram.setZero(n, n);
    ws.gram.template selfadjointView<Eigen::Lower>().rankUpdate(ws.centred.transpose());
    ws.gram.template triangularView<Eigen::StrictlyUpper>() = ws.gram.transpose();
    finish_pairwise(fn, ws, factor, options.repair, 1, {}, false, out);
    return;
  }
  const Eigen::Index rows = used_rows(fn, panel, options.missing, 1, {}, ws);
  ws.centred = (ws.centred.array() - b).cwiseMin(acc(0)).matrix();
  const Eigen::Index n = ws.centred.cols();
  ws.gram.setZero(n, n);
  ws.gram.template selfadjointView<Eigen::Lower>().rankUpdate(ws.centred.transpose());
  ws.gram.template triangularView<Eigen::StrictlyUpper>() = ws.gram.transpose();
  if (!ws.gram.allFinite()) throw_overflow(fn, "the sums of products of the shortfalls");
  out.observations = rows;
  store_scaled<Real>(fn, "covariance", ws.gram, factor / static_cast<acc>(rows), out.covariance);
}

template <class Derived, class Real>
void ledoit_wolf_into(const Eigen::MatrixBase<Derived>& panel, shrinkage_estimate<Real>& out,
                      gram_workspace<accum_t<Real>>& ws, const ledoit_wolf_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "ledoit_wolf";
  check_periods_per_year(fn, options.periods_per_year);
  if (options.missing == missing_data::pairwise)
    throw_unsupported_option(fn, "missing", "missing_data::pairwise",
                             "the shrinkage intensity needs one sample of complete rows; use complete_rows");
  const Eigen::Index rows = used_rows(fn, panel, options.missing, 2, {}, ws);
  centre_columns(ws);
  gram_of_centred(ws);
  check_gram_range(fn, ws.gram, static_cast<acc>(rows));
  acc delta = 0;
  switch (options.target) {
    case shrinkage_target::scaled_identity:
      delta = shrink_scaled_identity(ws);
      break;
    case shrinkage_target::single_factor:
      delta = shrink_single_factor(ws);
      break;
    case shrinkage_target::constant_correlation:
      for (Eigen::Index j = 0; j < ws.gram.cols(); ++j)
        if (!(ws.gram(j, j) > 0))
          throw singular_problem(message(fn, "panel column " + std::to_string(j) +
                                                 " is constant: its correlations, and so the constant-correlation "
                                                 "target, are undefined"));
      delta = shrink_constant_correlation(ws);
      break;
  }
  ws.gram = delta * ws.target + (1 - delta) * ws.gram;
  const auto factor = static_cast<acc>(options.periods_per_year);
  store_scaled<Real>(fn, "covariance", ws.gram, factor, out.covariance);
  store_scaled<Real>(fn, "target_covariance", ws.target, factor, out.target_covariance);
  out.shrinkage = static_cast<Real>(delta);
  out.observations = rows;
}

}  // namespace detail

/// Sample covariance of the columns of a T x N returns panel, with n - 1.
///
/// \f[ \hat\Sigma_{ij} = a \frac{1}{n-1} \sum_t (x_{ti} - \bar x_i)(x_{tj} - \bar x_j) \f]
/// with a = options.periods_per_year. `missing`: reject (NaN is invalid_input), complete_rows (the
/// rows with every value), or pairwise: each pair over its common rows with the pair's own
/// means, exactly pandas' DataFrame.cov (min_periods = min_observations, ddof 1); then the
/// result reports positive_semidefinite and min_eigenvalue and, with `repair`, the nearest
/// PSD matrix with the same variances. PyPortfolioOpt's sample_cov is periods_per_year = 252 (keel's default).
/// \pre finite cells (NaN allowed by pairwise and complete_rows); periods_per_year > 0, finite;
///      min_observations >= 2.
/// \returns covariance_estimate{covariance, observations, pair_counts, positive_semidefinite,
///          min_eigenvalue, repaired}.
/// \throws invalid_input for an infinite cell, a NaN under reject (naming panel(i, j)), a bad
///         option or sums that overflow; insufficient_data for fewer rows (or common rows of a
///         pair) than min_observations, naming the pair.
/// Ref: Greene, Econometric Analysis, 8th ed., app. D; pandas DataFrame.cov.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto sample_covariance(const Eigen::MatrixBase<Derived>& panel, covariance_options options = {}) {
  covariance_estimate<typename Derived::Scalar> out;
  typename covariance_estimate<typename Derived::Scalar>::workspace ws;
  detail::sample_covariance_into(panel, out, ws, options);
  return out;
}

/// sample_covariance into a reused `out`, with its scratch in a reused `ws` (covariance_estimate<Real>::workspace):
/// a warm call (same shapes) allocates nothing of keel's (Eigen's blocked products on large
/// panels allocate their packing buffers). Bit for bit the plain form's result.
/// \throws as the plain form.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void sample_covariance(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                       typename covariance_estimate<Real>::workspace& ws, covariance_options options = {}) {
  detail::sample_covariance_into(panel, out, ws, options);
}

/// The out form without a workspace, kept for one release: a local workspace each call.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: sample_covariance(panel, out, ws, options)")]] void sample_covariance(
    const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out, covariance_options options = {}) {
  typename covariance_estimate<Real>::workspace ws;
  detail::sample_covariance_into(panel, out, ws, options);
}

/// Exponentially weighted covariance (RiskMetrics): recent returns weigh more.
///
/// \f[ \hat\Sigma = a \sum_t w_t (x_t - \mu)(x_t - \mu)', \quad \sum_t w_t = 1 \f]
/// with w_t from `weighting` (normalized: lambda^(T-1-t) / sum lambda^s; recursive: the
/// RiskMetrics recursion seeded with the first outer product), mu = 0 (RiskMetrics) or, with
/// `demean`, each column's plain sample mean. PyPortfolioOpt's exp_cov(span = s) is lambda =
/// (s-1)/(s+1), demean = true, normalized, periods_per_year = 252 (the default; pandas ewm(span).mean() of the
/// products of deviations from the full-sample means, last row).
/// \pre 0 < lambda < 1; periods_per_year > 0 and finite; finite cells (NaN allowed by complete_rows); T >= 1.
/// \returns covariance_estimate{covariance, observations, ...} (PSD by construction).
/// \throws invalid_input for a bad option, missing_data::pairwise, an infinite cell or a NaN
///         under reject; insufficient_data for no (complete) rows.
/// Ref: RiskMetrics Technical Document, 4th ed. (1996), sec. 5.2.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto ewma_covariance(const Eigen::MatrixBase<Derived>& panel, ewma_covariance_options options = {}) {
  covariance_estimate<typename Derived::Scalar> out;
  typename covariance_estimate<typename Derived::Scalar>::workspace ws;
  detail::ewma_covariance_into(panel, out, ws, options);
  return out;
}

/// ewma_covariance into a reused `out`, with its scratch in a reused `ws` (covariance_estimate<Real>::workspace):
/// a warm call (same shapes) allocates nothing of keel's (Eigen's blocked products on large
/// panels allocate their packing buffers). Bit for bit the plain form's result.
/// \throws as the plain form.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void ewma_covariance(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                     typename covariance_estimate<Real>::workspace& ws, ewma_covariance_options options = {}) {
  detail::ewma_covariance_into(panel, out, ws, options);
}

/// The out form without a workspace, kept for one release: a local workspace each call.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: ewma_covariance(panel, out, ws, options)")]] void ewma_covariance(
    const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out, ewma_covariance_options options = {}) {
  typename covariance_estimate<Real>::workspace ws;
  detail::ewma_covariance_into(panel, out, ws, options);
}

/// Semicovariance: co-movement of shortfalls below a benchmark (downside risk).
///
/// \f[ \hat\Sigma^-_{ij} = a \frac{1}{T} \sum_t \min(x_{ti} - B, 0) \min(x_{tj} - B, 0) \f]
/// (not demeaned; divided by T, as PyPortfolioOpt's semicovariance, whose default benchmark is
/// 0.000079 per day and frequency 252). pairwise divides each pair by its common rows.
/// \pre benchmark finite; periods_per_year > 0 and finite; finite cells (NaN allowed by pairwise and
///      complete_rows).
/// \returns covariance_estimate{covariance, observations, pair_counts, positive_semidefinite,
///          min_eigenvalue, repaired}.
/// \throws invalid_input for a bad option, an infinite cell or a NaN under reject;
///         insufficient_data for no (complete) rows or a pair without common rows.
/// Ref: Estrada, Int. Rev. Econ. Finance 16 (2007) 169-185.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto semicovariance(const Eigen::MatrixBase<Derived>& panel, semicovariance_options options = {}) {
  covariance_estimate<typename Derived::Scalar> out;
  typename covariance_estimate<typename Derived::Scalar>::workspace ws;
  detail::semicovariance_into(panel, out, ws, options);
  return out;
}

/// semicovariance into a reused `out`, with its scratch in a reused `ws` (covariance_estimate<Real>::workspace):
/// a warm call (same shapes) allocates nothing of keel's (Eigen's blocked products on large
/// panels allocate their packing buffers). Bit for bit the plain form's result.
/// \throws as the plain form.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void semicovariance(const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out,
                    typename covariance_estimate<Real>::workspace& ws, semicovariance_options options = {}) {
  detail::semicovariance_into(panel, out, ws, options);
}

/// The out form without a workspace, kept for one release: a local workspace each call.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: semicovariance(panel, out, ws, options)")]] void semicovariance(
    const Eigen::MatrixBase<Derived>& panel, covariance_estimate<Real>& out, semicovariance_options options = {}) {
  typename covariance_estimate<Real>::workspace ws;
  detail::semicovariance_into(panel, out, ws, options);
}

/// Ledoit-Wolf shrinkage covariance: delta F + (1 - delta) S with the intensity delta that
/// minimises the expected Frobenius loss, for one of three targets F (shrinkage_target).
///
/// scaled_identity reproduces scikit-learn's ledoit_wolf / LedoitWolf(assume_centered=False)
/// (and PyPortfolioOpt's default "constant_variance"): columns centred, S the 1/T empirical
/// covariance, F = (tr S / N) I. single_factor and constant_correlation reproduce
/// PyPortfolioOpt's own implementations: S = 1/T covariance with the equal-weighted market's
/// Sharpe model as F (Ledoit & Wolf 2003), and S = the n - 1 sample covariance with sample
/// variances and their average correlation as F (Ledoit & Wolf 2004 JPM). delta is clamped to
/// [0, 1] and is 0 when F = S. PyPortfolioOpt is periods_per_year = 252 (keel's default); it replaces NaN by 0,
/// keel rejects it or (complete_rows) drops its row.
/// \pre T >= 2 (complete) rows; finite cells; periods_per_year > 0 and finite; for constant_correlation no
///      constant column.
/// \returns shrinkage_estimate{covariance, shrinkage, target_covariance, observations}.
/// \throws invalid_input for a bad option, pairwise, an infinite cell or a NaN under reject;
///         insufficient_data for fewer than 2 rows; singular_problem for a constant column with
///         constant_correlation.
/// Ref: Ledoit & Wolf, J. Multivariate Anal. 88 (2004); J. Empirical Finance 10 (2003); J.
/// Portfolio Management 30 (2004).
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto ledoit_wolf(const Eigen::MatrixBase<Derived>& panel, ledoit_wolf_options options = {}) {
  shrinkage_estimate<typename Derived::Scalar> out;
  typename shrinkage_estimate<typename Derived::Scalar>::workspace ws;
  detail::ledoit_wolf_into(panel, out, ws, options);
  return out;
}

/// ledoit_wolf into a reused `out`, with its scratch in a reused `ws` (shrinkage_estimate<Real>::workspace):
/// a warm call (same shapes) allocates nothing of keel's (Eigen's blocked products on large
/// panels allocate their packing buffers). Bit for bit the plain form's result.
/// \throws as the plain form.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void ledoit_wolf(const Eigen::MatrixBase<Derived>& panel, shrinkage_estimate<Real>& out,
                 typename shrinkage_estimate<Real>::workspace& ws, ledoit_wolf_options options = {}) {
  detail::ledoit_wolf_into(panel, out, ws, options);
}

/// The out form without a workspace, kept for one release: a local workspace each call.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: ledoit_wolf(panel, out, ws, options)")]] void ledoit_wolf(
    const Eigen::MatrixBase<Derived>& panel, shrinkage_estimate<Real>& out, ledoit_wolf_options options = {}) {
  typename shrinkage_estimate<Real>::workspace ws;
  detail::ledoit_wolf_into(panel, out, ws, options);
}

/// Correlation matrix of a covariance matrix: R_ij = C_ij / sqrt(C_ii C_jj), unit diagonal,
/// entries clamped to [-1, 1] against rounding (PyPortfolioOpt's cov_to_corr); the lower
/// triangle is read and mirrored, so the result is exactly symmetric. Not annualised (a
/// correlation has no time unit, whatever cov's periods_per_year).
/// \pre cov square, symmetric to rounding, finite, with a positive diagonal.
/// \returns the N x N correlation matrix in cov's floating type.
/// \throws invalid_input for a non-square or non-finite matrix (naming cov(i, j)) or a negative
///         variance; singular_problem for a zero variance (its correlations are undefined).
/// Ref: Greene, Econometric Analysis, 8th ed., app. D.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic> correlation(
    const Eigen::MatrixBase<Derived>& cov) {
  using real = typename Derived::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "correlation";
  if (cov.rows() != cov.cols())
    throw invalid_input(detail::message(
        fn, "cov is " + std::to_string(cov.rows()) + " x " + std::to_string(cov.cols()) + ", not square"));
  detail::require_finite_cells(fn, "cov", cov);
  const Eigen::Index n = cov.rows();
  Eigen::Matrix<acc, Eigen::Dynamic, 1> sd(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto v = static_cast<acc>(cov(i, i));
    if (v < 0)
      throw invalid_input(detail::message(fn, detail::cell_text("cov", i, i) + " = " +
                                                  detail::number_text(static_cast<double>(v)) +
                                                  " is a negative variance"));
    if (v == 0)
      throw singular_problem(detail::message(fn, detail::cell_text("cov", i, i) + " = 0: asset " + std::to_string(i) +
                                                     " has zero variance, so its correlations are undefined"));
    sd(i) = std::sqrt(v);
  }
  Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic> out(n, n);
  for (Eigen::Index j = 0; j < n; ++j)  // the lower triangle mirrored: exactly symmetric
    for (Eigen::Index i = j; i < n; ++i)
      out(i, j) = out(j, i) =
          i == j ? real(1)
                 : static_cast<real>(std::clamp(static_cast<acc>(cov(i, j)) / (sd(i) * sd(j)), acc(-1), acc(1)));
  return out;
}

}  // namespace keel
