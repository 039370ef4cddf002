// SPDX-License-Identifier: MIT
// keel/factor_model.hpp: factor risk models, S = B F B' + D, fitted three ways, and the risk
// decomposition of a portfolio under any of them.
//
// Synopsis
//   time_series_factor_model(asset_returns, factor_returns, options)   OLS of each asset on given
//                                                  factor returns -> factor_model<Real>
//   cross_sectional_factor_model(asset_returns, exposures, options)    WLS of each date's returns
//                                                  on the assets' exposures (Fama-MacBeth) ->
//                                                  factor_model<Real>; `exposures` one N x K
//                                                  matrix, or a range of T of them (one a date)
//   statistical_factor_model(returns, factors, options)                the `factors` largest
//                                                  principal components -> factor_model<Real>
//   each also as (..., out, ws, options): into a reused `out` with the scratch in a reused `ws`
//   (factor_model<Real>::workspace), for refits on rolling windows
//   model_covariance(model)                        S = B F B' + D (N x N)
//   factor_risk_decomposition(model, weights, options) -> factor_risk<Real>
//   with_factor_exposures(positions, model)        stress.hpp positions carrying B's rows
//
// Conventions
//   - Panels are T rows of dates by N columns of assets (factor panels: T x K), simple returns
//     per period, both panels in one floating type. Nothing is annualised: every variance,
//     covariance and volatility is per period (multiply by periods per year yourself).
//   - A factor_model is a plain aggregate: fill exposures, factor_covariance and
//     specific_variances from a vendor's file and every function here accepts it (it is
//     checked: sizes, finite values, F symmetric, D >= 0; errors name the field and index).
//   - Sample statistics use n - 1. Time-series specific variances are the classical OLS s^2 =
//     RSS / (T - K - 1), factor_regression's residual_stddev squared (to rounding).
//   - Exact collinearity is reported, not patched: a cross-sectional design of rank < K (sector
//     dummies that sum to a market column of ones) is singular_problem naming the factors that
//     are combinations of the others; drop one of them (or the market column), or keep them all
//     under Barra's constraint (cross_sectional_factor_options::constraint: cap-weighted
//     industry returns summing to 0).
//   - VaR is a positive loss as a fraction of value, Gaussian, at `confidence` (default 0.95).
//
// References
//   W. F. Sharpe, "A simplified model for portfolio analysis", Management Science 9 (1963).
//   E. F. Fama and J. D. MacBeth, "Risk, return, and equilibrium: empirical tests", J. Political
//   Economy 81 (1973) 607-636. G. Connor and R. A. Korajczyk, "Performance measurement with the
//   arbitrage pricing theory", J. Financial Economics 15 (1986) 373-394. J. Menchero, D. J. Orr
//   and J. Wang, "The Barra US Equity Model (USE4), Methodology Notes" (MSCI, 2011). R. Grinold
//   and R. Kahn, Active Portfolio Management, 2nd ed. (2000), chs. 3 and 14 (risk models and
//   their decomposition). Golub and Van Loan, Matrix Computations, 4th ed. (2013), ch. 8.
/// \file
/// Factor risk models: time_series_factor_model, cross_sectional_factor_model,
/// statistical_factor_model, model_covariance, factor_risk_decomposition.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>

#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/eigen_top.hpp>
#include <keel/detail/gram.hpp>
#include <keel/detail/ols.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/garch.hpp>
#include <keel/series.hpp>
#include <keel/stress.hpp>

namespace keel {

/// Which covariance.hpp estimator forms a model's factor covariance F from the factor returns.
enum class factor_covariance_method {
  sample,      ///< sample_covariance, n - 1 (the default)
  ewma,        ///< ewma_covariance with lambda = 0.5^(1 / half_life), demeaned, weights summing to 1
  ledoit_wolf  ///< ledoit_wolf towards the scaled identity (scikit-learn's 1/T normalisation)
};

/// What the statistical model decomposes.
enum class pca_matrix {
  covariance,  ///< the sample covariance (n - 1): components of the largest variance
  correlation  ///< the sample correlation: each asset standardised first
};

/// Options of time_series_factor_model.
struct time_series_factor_options {
  /// The estimator of F from the factor returns.
  factor_covariance_method factor_covariance = factor_covariance_method::sample;
  /// With `ewma`: the half-life in periods (weight 1/2 at that age), positive and finite.
  double half_life = 90;
};

/// Options of cross_sectional_factor_model.
struct cross_sectional_factor_options {
  /// Regression weights per asset (e.g. sqrt of market value, Barra's choice): empty for equal
  /// weights, 1 x N for the same weights every date, or T x N for one row a date; each > 0.
  Eigen::MatrixXd weights = {};
  /// The estimator of F from the estimated factor returns (ledoit_wolf is not offered: USE4
  /// does not shrink F).
  factor_covariance_method factor_covariance = factor_covariance_method::sample;
  /// With `ewma`: the factor half-life in periods, positive and finite.
  double half_life = 90;
  /// The specific variances' half-life in periods: 0 weighs every date equally (n - 1), a
  /// positive value as `ewma` (USE4 uses a shorter one for specific risk than for correlations).
  double specific_half_life = 0;
  /// A linear constraint c' f_t = 0 on each date's factor returns: empty for none, 1 x K for the
  /// same c every date, or T x K for one row a date; each row finite and not all 0. Barra's
  /// USE4 regresses on a market column of ones beside a full set of industry dummies (collinear
  /// on their own) with c = 0 for the market and each industry's capitalisation weight: the
  /// cap-weighted industry returns sum to 0, so the market factor carries what they share (with
  /// cap weights as regression weights too, it is exactly the cap-weighted average return net of
  /// the style factors' part). The fit is the WLS on X N, N an orthonormal basis of c's null
  /// space, mapped back by f = N g.
  Eigen::MatrixXd constraint = {};
};

/// Options of statistical_factor_model.
struct statistical_factor_options {
  /// The matrix whose principal components are the factors.
  pca_matrix matrix = pca_matrix::covariance;
};

/// Options of factor_risk_decomposition.
struct factor_risk_options {
  /// Benchmark weights (N, or empty for none): with them every figure is of the active
  /// portfolio w - w_b, and the volatility is the (ex-ante) active risk.
  Eigen::VectorXd benchmark_weights = {};
  /// VaR confidence level, in (0, 1).
  double confidence = 0.95;
  /// The portfolio's (active) expected return per period, subtracted from the VaR loss.
  double expected_return = 0;
};

namespace detail {
template <class Real>
struct factor_model_scratch;
}  // namespace detail

/// A factor risk model of N assets on K factors: S = B F B' + D.
///
/// The first three fields are the model; a user may fill them alone (a vendor's model) and the
/// others stay empty. The fitting functions also fill the history and diagnostics below.
template <class Real = double>
struct factor_model {
  /// reusable scratch of the out forms (opaque; not part of the model).
  using workspace = detail::factor_model_scratch<Real>;
  /// B, N x K: asset i's exposure (loading, beta) to factor k.
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> exposures;
  /// F, K x K, symmetric: the factor returns' covariance, per period.
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> factor_covariance;
  /// D, N entries >= 0: each asset's specific (idiosyncratic) variance, per period.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> specific_variances;
  /// T x K factor returns the model was fitted on (given, estimated by WLS, or the principal
  /// component scores); empty for a model filled by hand.
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> factor_returns;
  /// Share of the model's total variance that the factors explain, tr(B F B') / tr(S), in
  /// [0, 1]; 0 when tr(S) = 0.
  Real explained_variance{};
  /// Number of dates fitted on (0 for a model filled by hand).
  std::ptrdiff_t observations = 0;
};

/// The risk decomposition of a portfolio (or an active portfolio) under a factor model.
/// Variances are per period; total_variance = factor_variance + specific_variance, the
/// factors' contributions sum to factor_variance and the assets' to total_variance.
template <class Real = double>
struct factor_risk {
  /// w' S w = x' F x + w' D w.
  Real total_variance{};
  /// x' F x with x = B' w.
  Real factor_variance{};
  /// w' D w = sum_i w_i^2 D_i.
  Real specific_variance{};
  /// sqrt(total_variance): the volatility, or the active risk (tracking error) with a benchmark.
  Real volatility{};
  /// x = B' w: the portfolio's exposure to each factor (K).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> exposures;
  /// (F x)_k = half the derivative of the variance in x_k: each factor's marginal contribution (K).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> marginal_contributions;
  /// Euler contribution x_k (F x)_k of each factor to the variance (K); sums to factor_variance.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> contributions;
  /// w_i^2 D_i: each asset's specific variance (N); sums to specific_variance.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> specific_contributions;
  /// w_i (S w)_i: each asset's Euler contribution to the total variance (N).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> asset_contributions;
  /// Gaussian VaR z_c volatility - expected_return, a positive loss as a fraction of value.
  Real value_at_risk{};
};

namespace detail {

/// Scratch of the fitting functions' out forms (factor_model<Real>::workspace).
template <class Real>
struct factor_model_scratch {
  using acc = accum_t<Real>;
  using matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  ols_workspace<acc> ols;                 ///< the factor design and its QR (time series)
  gram_workspace<acc> gram;               ///< covariance estimators
  covariance_estimate<Real> covariance;   ///< F's estimate
  shrinkage_estimate<Real> shrinkage;     ///< F's Ledoit-Wolf estimate
  eigen_top_workspace<acc> eigen;         ///< the statistical model's eigenpairs
  matrix y, a, b;                         ///< panels and products
  matrix rhs, coef;                       ///< the cross section's right-hand sides and coefficients
  vector u, v, w;                         ///< per-column sums, weights
  Eigen::ColPivHouseholderQR<matrix> qr;  ///< each date's weighted design (cross section)
};

/// Throws invalid_input naming the first non-finite cell of a panel.
template <class Derived>
void check_panel(std::string_view fn, std::string_view name, const Eigen::MatrixBase<Derived>& x) {
  require_finite_cells(fn, name, x);
}

/// F from the T x K factor returns in `f` by the chosen estimator, per period.
template <class Real, class Derived>
void estimate_factor_covariance(std::string_view fn, const Eigen::MatrixBase<Derived>& f,
                                factor_covariance_method method, double half_life, factor_model_scratch<Real>& ws,
                                Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>& out) {
  switch (method) {
    case factor_covariance_method::sample:
      sample_covariance_into(f, ws.covariance, ws.gram, covariance_options{.periods_per_year = 1});
      out = ws.covariance.covariance;
      break;
    case factor_covariance_method::ewma:
      require_positive_option(fn, "half_life", half_life);
      ewma_covariance_into(
          f, ws.covariance, ws.gram,
          ewma_covariance_options{.lambda = std::pow(0.5, 1.0 / half_life), .periods_per_year = 1, .demean = true});
      out = ws.covariance.covariance;
      break;
    case factor_covariance_method::ledoit_wolf:
      ledoit_wolf_into(f, ws.shrinkage, ws.gram, ledoit_wolf_options{.periods_per_year = 1});
      out = ws.shrinkage.covariance;
      break;
  }
}

/// tr(B F B') / tr(B F B' + D), the model's explained share (0 when the total is 0).
/// \throws invalid_input when B F B' + D overflows (finite fits of data near the range's ends).
template <class Real>
[[nodiscard]] Real explained_share(std::string_view fn, const factor_model<Real>& m) {
  using acc = accum_t<Real>;
  acc factor = 0;
  for (Eigen::Index i = 0; i < m.exposures.rows(); ++i) {
    const auto row = m.exposures.row(i).template cast<acc>();
    factor += (row * m.factor_covariance.template cast<acc>() * row.transpose())(0, 0);
  }
  factor = std::max(factor, acc(0));
  const acc total = factor + m.specific_variances.template cast<acc>().sum();
  if (!std::isfinite(total)) throw_overflow(fn, "the model's variances B F B' + D");
  return total > 0 ? static_cast<Real>(std::clamp(factor / total, acc(0), acc(1))) : Real(0);
}

/// Checks a model's three fields: sizes, finite values, F symmetric, D >= 0.
template <class Real>
void check_model(std::string_view fn, const factor_model<Real>& m) {
  const Eigen::Index n = m.exposures.rows(), k = m.exposures.cols();
  if (m.factor_covariance.rows() != k || m.factor_covariance.cols() != k)
    throw invalid_input(message(fn, "model.factor_covariance is " + std::to_string(m.factor_covariance.rows()) + " x " +
                                        std::to_string(m.factor_covariance.cols()) + " but model.exposures has " +
                                        std::to_string(k) + " factor columns"));
  require_same_size(fn, "model.specific_variances", m.specific_variances.size(), "model.exposures' rows", n);
  require_finite_cells(fn, "model.exposures", m.exposures);
  require_finite_cells(fn, "model.factor_covariance", m.factor_covariance);
  require_finite(fn, "model.specific_variances", m.specific_variances);
  require_symmetric(fn, "model.factor_covariance", m.factor_covariance);
  for (Eigen::Index i = 0; i < n; ++i)
    if (m.specific_variances(i) < 0)
      throw invalid_input(message(fn, element_text("model.specific_variances", i) + " = " +
                                          number_text(static_cast<double>(m.specific_variances(i))) +
                                          " is negative (a variance)"));
}

/// Per-row weights of an EWMA with the given half-life over t dates, normalised to sum 1
/// (0: equal weights 1/(t-1) for the n - 1 sample variance), into w.
template <class Acc>
void history_weights(Eigen::Index t, double half_life, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  w.resize(t);
  if (half_life == 0) {
    w.setConstant(Acc(1) / static_cast<Acc>(t - 1));
    return;
  }
  const Acc lambda = std::pow(Acc(0.5), Acc(1) / static_cast<Acc>(half_life));
  Acc power = 1, total = 0;
  for (Eigen::Index s = 0; s < t; ++s) {
    w(t - 1 - s) = power;
    total += power;
    power *= lambda;
  }
  w /= total;
}

/// The time-series regressions of every column of y (T x N) on the factors in d.x (T x K),
/// with an intercept. One pivoted QR of the centred, unit-norm factors serves every asset (the
/// design is shared): B' = (R^-1 (Q' Yc)[0:K]) unpermuted and unscaled into `coef` (K x N),
/// s^2 = ||(Q' Yc)[K:T]||^2 / (T - K - 1) into `s2` (the residuals' coordinates in Q's basis:
/// never TSS minus explained). y is overwritten.
/// \throws singular_problem for a constant or collinear factor, naming it.
template <class Acc>
void time_series_fit(std::string_view fn, ols_workspace<Acc>& d, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& y,
                     Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& coef,
                     Eigen::Matrix<Acc, Eigen::Dynamic, 1>& s2, double data_epsilon) {
  const Eigen::Index t = d.x.rows(), k = d.x.cols(), n = y.cols();
  d.y.setZero(t);
  check_degenerate_regressors(fn, d, true, nullptr);
  Acc ybar = 0, yscale = 1;
  centre_and_scale(d, true, ybar, yscale);
  d.qr.setThreshold(static_cast<Acc>(std::max(t, k)) * static_cast<Acc>(data_epsilon));
  d.qr.compute(d.x);
  if (d.qr.rank() < k)
    throw singular_problem(rank_deficiency_message(fn, d.qr, d.qr.rank(), true, data_epsilon, nullptr));
  for (Eigen::Index j = 0; j < n; ++j) y.col(j).array() -= two_pass_mean(y.col(j));
  y.applyOnTheLeft(d.qr.householderQ().adjoint());
  coef.resize(k, n);
  coef = y.topRows(k);
  d.qr.matrixR().topLeftCorner(k, k).template triangularView<Eigen::Upper>().solveInPlace(coef);
  const auto& perm = d.qr.colsPermutation().indices();
  d.beta.resize(k);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index p = 0; p < k; ++p) d.beta(perm(p)) = coef(p, i) / d.scale(perm(p));
    coef.col(i) = d.beta;
  }
  s2.resize(n);
  const auto dof = static_cast<Acc>(t - k - 1);
  for (Eigen::Index i = 0; i < n; ++i) s2(i) = y.col(i).tail(t - k).squaredNorm() / dof;
}

/// Factorises one date's weighted design sqrt(W) X (x: N x K, overwritten by its unit-norm
/// columns, their norms in `scale`) by pivoted QR.
/// \throws singular_problem for a zero factor or a design of rank < K, naming the factors.
template <class Acc>
void wls_factorise(std::string_view fn, std::string_view name, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& x,
                   const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& root_weights,
                   Eigen::Matrix<Acc, Eigen::Dynamic, 1>& scale,
                   Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>& qr,
                   double data_epsilon) {
  const Eigen::Index n = x.rows(), k = x.cols();
  x = root_weights.asDiagonal() * x;
  scale.resize(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    scale(j) = safe_norm(x.col(j));
    if (!(scale(j) > 0))
      throw singular_problem(message(fn, std::string(name) + " has factor " + std::to_string(j) +
                                             " zero for every asset: its return is undefined"));
    x.col(j) /= scale(j);
  }
  qr.setThreshold(static_cast<Acc>(std::max(n, k)) * static_cast<Acc>(data_epsilon));
  qr.compute(x);
  if (qr.rank() < k)
    throw singular_problem(rank_deficiency_message(fn, qr, qr.rank(), false, data_epsilon, nullptr) + " (in " +
                           std::string(name) +
                           "; a market column of ones with a full set of sector dummies is collinear: drop one, or "
                           "constrain their returns with cross_sectional_factor_options::constraint)");
}

/// The WLS coefficients f = argmin ||sqrt(W) (r - X f)|| from wls_factorise's QR, for each
/// column of `rhs` (N x m: sqrt(W) r per column on entry, overwritten); f into `f` (K x m).
template <class Acc>
void wls_solve(const Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>& qr,
               const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& scale,
               Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& rhs,
               Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& f) {
  const Eigen::Index k = scale.size(), m = rhs.cols();
  rhs.applyOnTheLeft(qr.householderQ().adjoint());
  qr.matrixR().topLeftCorner(k, k).template triangularView<Eigen::Upper>().solveInPlace(rhs.topRows(k));
  f.resize(k, m);
  const auto& perm = qr.colsPermutation().indices();
  for (Eigen::Index p = 0; p < k; ++p) f.row(perm(p)) = rhs.row(p) / scale(perm(p));
}

/// The statistical model's numerics on the rows gathered in g.centred (T x N): the sample
/// covariance S (n - 1), optionally its correlation, the k largest eigenpairs, B (N x k, back
/// in return units), the eigenvalues (clamped at 0), D = diag(S - B F B') clamped at 0, and the
/// scores (T x k).
/// \throws invalid_input for sums out of range; singular_problem for a constant column under
///         `correlation`.
template <class Acc>
void principal_components(std::string_view fn, gram_workspace<Acc>& g, bool correlation, Eigen::Index k,
                          eigen_top_workspace<Acc>& eig, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& work,
                          Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& loadings,
                          Eigen::Matrix<Acc, Eigen::Dynamic, 1>& values,
                          Eigen::Matrix<Acc, Eigen::Dynamic, 1>& specific, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& sd,
                          Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& scores) {
  const Eigen::Index rows = g.centred.rows(), n = g.centred.cols();
  centre_columns(g);
  gram_of_centred(g);
  check_gram_range(fn, g.gram, static_cast<Acc>(rows));
  g.gram /= static_cast<Acc>(rows - 1);  // S, per period
  const auto& s = g.gram;
  sd.setOnes(n);  // each asset's scale in the decomposed matrix
  if (correlation) {
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!(s(j, j) > 0))
        throw singular_problem(
            message(fn, "returns column " + std::to_string(j) +
                            " is constant: its correlations are undefined (use pca_matrix::covariance)"));
      sd(j) = std::sqrt(s(j, j));
    }
    work = sd.cwiseInverse().asDiagonal() * s * sd.cwiseInverse().asDiagonal();
  } else {
    work = s;
  }
  // Scaled by its largest diagonal so that the eigensolver works near 1 whatever the units.
  const Acc top = work.diagonal().maxCoeff();
  const Acc unit = top > 0 ? top : Acc(1);
  work /= unit;
  top_eigenpairs(work, k, values, loadings, eig);
  // S is PSD: an eigenvalue below zero is rounding, and a component's variance is at least 0.
  values = (values * unit).cwiseMax(Acc(0));
  // Scores f_t = V' s^-1 (x_t - xbar), whose sample covariance is diag(lambda).
  scores.noalias() = g.centred * (sd.cwiseInverse().asDiagonal() * loadings);
  loadings = sd.asDiagonal() * loadings;
  specific.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Acc explained = loadings.row(i).transpose().cwiseAbs2().dot(values);
    // S_ii - (B F B')_ii >= 0 exactly; a hair below is rounding
    specific(i) = std::max(s(i, i) - explained, Acc(0));
  }
}

/// The kernels instantiated once in keel::compiled (src/factor_model.cpp); see KEEL_EXTERN_TEMPLATE.
#define KEEL_FACTOR_MODEL_KERNELS(Acc)                                                                          \
  KEEL_EXTERN_TEMPLATE(void time_series_fit<Acc>(                                                               \
      std::string_view, ols_workspace<Acc>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,               \
      Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, double))     \
  KEEL_EXTERN_TEMPLATE(void wls_factorise<Acc>(                                                                 \
      std::string_view, std::string_view, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,                  \
      const Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&,                     \
      Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>&, double))                 \
  KEEL_EXTERN_TEMPLATE(void wls_solve<Acc>(                                                                     \
      const Eigen::ColPivHouseholderQR<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>>&,                    \
      const Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&,        \
      Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&))                                                     \
  KEEL_EXTERN_TEMPLATE(void principal_components<Acc>(                                                          \
      std::string_view, gram_workspace<Acc>&, bool, Eigen::Index, eigen_top_workspace<Acc>&,                    \
      Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&, \
      Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, 1>&,                           \
      Eigen::Matrix<Acc, Eigen::Dynamic, 1>&, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>&))
KEEL_FACTOR_MODEL_KERNELS(double)
KEEL_FACTOR_MODEL_KERNELS(long double)
#undef KEEL_FACTOR_MODEL_KERNELS

template <class DA, class DF, class Real>
void time_series_into(const Eigen::MatrixBase<DA>& asset_returns, const Eigen::MatrixBase<DF>& factor_returns,
                      factor_model<Real>& out, factor_model_scratch<Real>& ws,
                      const time_series_factor_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "time_series_factor_model";
  const Eigen::Index t = asset_returns.rows(), n = asset_returns.cols(), k = factor_returns.cols();
  if (factor_returns.rows() != t)
    throw invalid_input(message(fn, "asset_returns has " + std::to_string(t) + " rows but factor_returns has " +
                                        std::to_string(factor_returns.rows())));
  if (n == 0) throw invalid_input(message(fn, "asset_returns has no columns"));
  if (k == 0) throw invalid_input(message(fn, "factor_returns has no columns"));
  require_observations(fn, k + 2, t, "dates for " + std::to_string(k) + " factors and an intercept");
  check_panel(fn, "asset_returns", asset_returns);
  check_panel(fn, "factor_returns", factor_returns);
  if (options.factor_covariance == factor_covariance_method::ewma)
    require_positive_option(fn, "half_life", options.half_life);
  ws.ols.resize(t, k);
  ws.ols.x = factor_returns.template cast<acc>();
  ws.y = asset_returns.template cast<acc>();
  time_series_fit(fn, ws.ols, ws.y, ws.a, ws.u,
                  static_cast<double>(std::numeric_limits<typename DF::Scalar>::epsilon()));
  out.exposures.resize(n, k);
  for (Eigen::Index j = 0; j < k; ++j)
    for (Eigen::Index i = 0; i < n; ++i) out.exposures(i, j) = rounded<Real>(fn, "exposures", ws.a(j, i));
  if (!out.exposures.allFinite()) throw_overflow(fn, "the regression of asset_returns on factor_returns");
  out.specific_variances.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) out.specific_variances(i) = rounded<Real>(fn, "specific_variances", ws.u(i));
  if (!out.specific_variances.allFinite()) throw_overflow(fn, "the residual sums of squares");
  estimate_factor_covariance(fn, factor_returns, options.factor_covariance, options.half_life, ws,
                             out.factor_covariance);
  out.factor_returns = factor_returns;
  out.observations = t;
  out.explained_variance = explained_share(fn, out);
}

/// The exposures of date `s`: the one matrix, or element s of the range.
template <class E>
[[nodiscard]] decltype(auto) exposures_at(const E& exposures, Eigen::Index s) {
  if constexpr (std::derived_from<E, Eigen::EigenBase<E>>)
    return (exposures);
  else
    return std::ranges::begin(exposures)[s];
}

template <class DA, class E, class Real>
void cross_sectional_into(const Eigen::MatrixBase<DA>& asset_returns, const E& exposures, factor_model<Real>& out,
                          factor_model_scratch<Real>& ws, const cross_sectional_factor_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "cross_sectional_factor_model";
  constexpr bool constant = std::derived_from<E, Eigen::EigenBase<E>>;
  const Eigen::Index t = asset_returns.rows(), n = asset_returns.cols();
  if constexpr (!constant)
    if (ssize(exposures) != t)
      throw invalid_input(message(fn, "asset_returns has " + std::to_string(t) + " rows (dates) but exposures has " +
                                          std::to_string(ssize(exposures)) + " matrices"));
  const Eigen::Index k = t > 0 || constant ? exposures_at(exposures, 0).cols() : 0;
  require_observations(fn, 2, t, "dates");
  if (k == 0) throw invalid_input(message(fn, "exposures has no factor columns"));
  for (Eigen::Index s = 0; s < (constant ? 1 : t); ++s) {
    const auto& x = exposures_at(exposures, s);
    const std::string name = constant ? std::string("exposures") : element_text("exposures", s);
    if (x.rows() != n || x.cols() != k)
      throw invalid_input(message(fn, name + " is " + std::to_string(x.rows()) + " x " + std::to_string(x.cols()) +
                                          " but must be " + std::to_string(n) + " x " + std::to_string(k) +
                                          " (assets x factors)"));
    check_panel(fn, name, x);
  }
  require_observations(fn, k + 1, n, "assets for " + std::to_string(k) + " factors");
  check_panel(fn, "asset_returns", asset_returns);
  const Eigen::MatrixXd& wt = options.weights;
  if (wt.size() > 0) {
    if (!(wt.cols() == n && (wt.rows() == 1 || wt.rows() == t)))
      throw invalid_input(message(fn, "options.weights is " + std::to_string(wt.rows()) + " x " +
                                          std::to_string(wt.cols()) + " but must be 1 x " + std::to_string(n) + " or " +
                                          std::to_string(t) + " x " + std::to_string(n)));
    for (Eigen::Index i = 0; i < wt.rows(); ++i)
      for (Eigen::Index j = 0; j < n; ++j)
        if (!(wt(i, j) > 0 && std::isfinite(wt(i, j))))
          throw invalid_input(message(
              fn, cell_text("options.weights", i, j) + " = " + number_text(wt(i, j)) + " must be positive and finite"));
  }
  const Eigen::MatrixXd& ct = options.constraint;
  if (ct.size() > 0) {
    if (!(ct.cols() == k && (ct.rows() == 1 || ct.rows() == t)))
      throw invalid_input(message(fn, "options.constraint is " + std::to_string(ct.rows()) + " x " +
                                          std::to_string(ct.cols()) + " but must be 1 x " + std::to_string(k) + " or " +
                                          std::to_string(t) + " x " + std::to_string(k)));
    check_panel(fn, "options.constraint", ct);
    for (Eigen::Index i = 0; i < ct.rows(); ++i)
      if ((ct.row(i).array() == 0).all())
        throw invalid_input(message(fn, "options.constraint row " + std::to_string(i) + " is all 0 (no constraint)"));
    if (k < 2) throw invalid_input(message(fn, "options.constraint on a single factor would fix its return at 0"));
  }
  if (options.factor_covariance == factor_covariance_method::ewma)
    require_positive_option(fn, "half_life", options.half_life);
  if (options.factor_covariance == factor_covariance_method::ledoit_wolf)
    throw_unsupported_option(fn, "factor_covariance", "ledoit_wolf", "use sample or ewma");
  if (!(options.specific_half_life >= 0 && std::isfinite(options.specific_half_life)))
    throw_bad_option(fn, "specific_half_life", options.specific_half_life, "0 (equal weights) or positive and finite");
  const auto data_epsilon = static_cast<double>(std::numeric_limits<typename DA::Scalar>::epsilon());
  // Each date: f_t = argmin sum_i w_i (r_ti - X_t(i, :) f)^2 by pivoted QR of sqrt(W) X_t with
  // unit-norm columns (the rank decision scale-free, as the OLS core). With constant exposures
  // and weights the QR is computed once.
  ws.a.resize(t, k);  // factor returns
  ws.y.resize(t, n);  // residuals
  ws.w.resize(n);     // sqrt(w)
  // With a constraint c' f = 0, f = N g for N (K x K-1) an orthonormal basis of c's null
  // space (the last K - 1 columns of c's Householder QR), and g is the WLS fit on X N: the
  // same solver on a design without the constrained direction.
  const bool constrained = ct.size() > 0;
  using acc_matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  acc_matrix null_space;
  const auto constraint_basis = [&](Eigen::Index s) {
    const Eigen::HouseholderQR<acc_matrix> qr(ct.row(ct.rows() == 1 ? 0 : s).transpose().template cast<acc>());
    null_space = (qr.householderQ() * acc_matrix::Identity(k, k)).rightCols(k - 1);
  };
  const auto design = [&](const auto& x) {
    if (constrained)
      ws.b.noalias() = x.template cast<acc>() * null_space;
    else
      ws.b = x.template cast<acc>();
  };
  const auto design_name = [&](std::string name) {
    return constrained ? name +
                             " (times the null space of options.constraint, whose columns the factor numbers "
                             "count)"
                       : name;
  };
  const bool one_design = constant && wt.rows() <= 1 && ct.rows() <= 1;
  if (one_design) {
    // One QR; every date's right-hand side at once (N x T), and the residuals by one product.
    const auto& x = exposures_at(exposures, 0);
    for (Eigen::Index i = 0; i < n; ++i) ws.w(i) = wt.size() == 0 ? acc(1) : std::sqrt(static_cast<acc>(wt(0, i)));
    if (constrained) constraint_basis(0);
    design(x);
    wls_factorise(fn, design_name("exposures"), ws.b, ws.w, ws.v, ws.qr, data_epsilon);
    ws.rhs = ws.w.asDiagonal() * asset_returns.transpose().template cast<acc>();
    wls_solve(ws.qr, ws.v, ws.rhs, ws.coef);
    if (constrained) ws.coef = (null_space * ws.coef).eval();
    ws.a = ws.coef.transpose();
    ws.y = asset_returns.template cast<acc>();
    ws.y.noalias() -= ws.a * x.template cast<acc>().transpose();
  }
  for (Eigen::Index s = 0; s < t && !one_design; ++s) {
    const auto& x = exposures_at(exposures, constant ? 0 : s);
    for (Eigen::Index i = 0; i < n; ++i)
      ws.w(i) = wt.size() == 0 ? acc(1) : std::sqrt(static_cast<acc>(wt(wt.rows() == 1 ? 0 : s, i)));
    if (constrained && (s == 0 || ct.rows() > 1)) constraint_basis(s);
    design(x);
    wls_factorise(fn, design_name(constant ? std::string("exposures") : element_text("exposures", s)), ws.b, ws.w, ws.v,
                  ws.qr, data_epsilon);
    ws.rhs = ws.w.cwiseProduct(asset_returns.row(s).transpose().template cast<acc>());
    wls_solve(ws.qr, ws.v, ws.rhs, ws.coef);
    if (constrained) ws.coef = (null_space * ws.coef).eval();
    ws.a.row(s) = ws.coef.transpose();
    ws.y.row(s) = asset_returns.row(s).template cast<acc>();
    ws.y.row(s).noalias() -= ws.coef.transpose() * x.template cast<acc>().transpose();
  }
  out.exposures = exposures_at(exposures, t - 1).template cast<Real>();
  out.factor_returns.resize(t, k);
  for (Eigen::Index s = 0; s < t; ++s)
    for (Eigen::Index j = 0; j < k; ++j) out.factor_returns(s, j) = rounded<Real>(fn, "factor_returns", ws.a(s, j));
  if (!out.factor_returns.allFinite()) throw_overflow(fn, "the factor returns");
  estimate_factor_covariance(fn, out.factor_returns, options.factor_covariance, options.half_life, ws,
                             out.factor_covariance);
  // D: each asset's residual variance about its own mean, equally (n - 1) or EWMA weighted.
  history_weights(t, options.specific_half_life, ws.u);
  out.specific_variances.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const acc mean = two_pass_mean(ws.y.col(i));
    out.specific_variances(i) =
        rounded<Real>(fn, "specific_variances", (ws.y.col(i).array() - mean).square().matrix().dot(ws.u));
  }
  if (!out.specific_variances.allFinite()) throw_overflow(fn, "the residual sums of squares");
  out.observations = t;
  out.explained_variance = explained_share(fn, out);
}

template <class Derived, class Real>
void statistical_into(const Eigen::MatrixBase<Derived>& returns, std::ptrdiff_t factors, factor_model<Real>& out,
                      factor_model_scratch<Real>& ws, const statistical_factor_options& options) {
  constexpr std::string_view fn = "statistical_factor_model";
  const Eigen::Index n = returns.cols();
  if (n == 0) throw invalid_input(message(fn, "returns has no columns"));
  if (!(factors >= 1 && factors <= n))
    throw_bad_option(fn, "factors", static_cast<double>(factors), "in [1, " + std::to_string(n) + "] (the assets)");
  check_panel(fn, "returns", returns);
  const Eigen::Index rows = used_rows(fn, returns, missing_data::reject, 2, {}, ws.gram);
  principal_components(fn, ws.gram, options.matrix == pca_matrix::correlation, factors, ws.eigen, ws.a, ws.b, ws.u,
                       ws.w, ws.v, ws.y);
  out.exposures = ws.b.template cast<Real>();
  out.factor_covariance = ws.u.template cast<Real>().asDiagonal();
  out.specific_variances = ws.w.template cast<Real>();
  out.factor_returns = ws.y.template cast<Real>();
  out.observations = rows;
  out.explained_variance = explained_share(fn, out);
}

template <class S, class Real>
void decompose_into(const factor_model<Real>& model, const S& weights, factor_risk<Real>& out,
                    const factor_risk_options& options) {
  using acc = accum_t<Real>;
  using vec = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  constexpr std::string_view fn = "factor_risk_decomposition";
  check_model(fn, model);
  const Eigen::Index n = model.exposures.rows();
  require_same_size(fn, "weights", ssize(weights), "model.exposures' rows (assets)", n);
  require_finite(fn, "weights", weights);
  require_probability(fn, "confidence", options.confidence);
  if (!std::isfinite(options.expected_return))
    throw_bad_option(fn, "expected_return", options.expected_return, "finite");
  vec w(n);
  convert_into(weights, w.data());
  if (options.benchmark_weights.size() > 0) {
    require_same_size(fn, "options.benchmark_weights", options.benchmark_weights.size(),
                      "model.exposures' rows (assets)", n);
    require_finite(fn, "options.benchmark_weights", options.benchmark_weights);
    w -= options.benchmark_weights.template cast<acc>();
  }
  const auto b = model.exposures.template cast<acc>();
  const auto f = model.factor_covariance.template cast<acc>();
  const vec d = model.specific_variances.template cast<acc>();
  const vec x = b.transpose() * w;
  const vec fx = f * x;
  const vec contributions = x.cwiseProduct(fx);
  const vec specific = w.cwiseAbs2().cwiseProduct(d);
  const acc factor_variance = contributions.sum(), specific_variance = specific.sum();
  const acc total = factor_variance + specific_variance;
  if (!std::isfinite(total)) throw_overflow(fn, "the portfolio variance");
  const acc scale = x.cwiseAbs().dot(f.cwiseAbs() * x.cwiseAbs()) + specific_variance;
  if (total < -acc(64) * std::numeric_limits<acc>::epsilon() * scale)
    throw singular_problem(
        message(fn, "the portfolio variance x' F x + w' D w = " + number_text(static_cast<double>(total)) +
                        " is negative: model.factor_covariance is not positive semi-definite"));
  const acc variance = std::max(total, acc(0));
  out.total_variance = static_cast<Real>(variance);
  out.factor_variance = static_cast<Real>(factor_variance);
  out.specific_variance = static_cast<Real>(specific_variance);
  const acc volatility = std::sqrt(variance);
  out.volatility = static_cast<Real>(volatility);
  out.exposures = x.template cast<Real>();
  out.marginal_contributions = fx.template cast<Real>();
  out.contributions = contributions.template cast<Real>();
  out.specific_contributions = specific.template cast<Real>();
  // (w_i B_i) (F x): scaling the row first keeps a huge B_i with a tiny w_i in range.
  out.asset_contributions = ((w.asDiagonal() * b) * fx + specific).template cast<Real>();
  out.value_at_risk = static_cast<Real>(static_cast<acc>(normal_quantile(options.confidence)) * volatility -
                                        static_cast<acc>(options.expected_return));
  if (!out.exposures.allFinite() || !out.marginal_contributions.allFinite() || !out.contributions.allFinite() ||
      !out.asset_contributions.allFinite() || !std::isfinite(out.total_variance) || !std::isfinite(out.value_at_risk))
    throw_overflow(fn, "the risk decomposition");
}

/// A range of T exposure matrices (N x K each, one a date).
template <class R>
concept exposure_range = std::ranges::random_access_range<R> && std::ranges::sized_range<R> &&
    std::derived_from<std::ranges::range_value_t<R>, Eigen::MatrixBase<std::ranges::range_value_t<R>>> &&
    !std::derived_from<R, Eigen::EigenBase<R>>;

/// What cross_sectional_factor_model takes as exposures for returns of type Real: one N x K
/// Eigen matrix of Real for every date, or a range of T of them.
template <class E, class Real>
concept exposures_of =
    (std::derived_from<E, Eigen::MatrixBase<E>> && std::same_as<typename E::Scalar, Real>) || exposure_range<E>;

}  // namespace detail

/// Time-series factor model: each asset's returns regressed on the given factor returns, with an
/// intercept, by OLS (the shared pivoted-QR core, one factorisation for all assets).
///
/// r_it = a_i + B_i' f_t + e_it; B = the slopes (N x K), D_i = RSS_i / (T - K - 1) (the classical
/// s^2: factor_regression's residual_stddev^2 to rounding), F from the factor returns by
/// options.factor_covariance (per period). S = B F B' + D (Sharpe 1963; Grinold and Kahn ch. 3).
/// \pre equal row counts; T >= K + 2; finite cells; no constant or collinear factor.
/// \returns factor_model{exposures, factor_covariance, specific_variances, factor_returns (the
///          input), explained_variance, observations = T}.
/// \throws invalid_input for sizes, a non-finite cell (naming panel(i, j)) or a bad option;
///         insufficient_data for T < K + 2; singular_problem for a constant factor or factors that
///         are linear combinations of others, naming them.
template <class DA, class DF>
  requires detail::panel<DA> && detail::panel<DF> && std::same_as<typename DA::Scalar, typename DF::Scalar>
[[nodiscard]] factor_model<typename DA::Scalar> time_series_factor_model(const Eigen::MatrixBase<DA>& asset_returns,
                                                                         const Eigen::MatrixBase<DF>& factor_returns,
                                                                         time_series_factor_options options = {}) {
  factor_model<typename DA::Scalar> out;
  typename factor_model<typename DA::Scalar>::workspace ws;
  detail::time_series_into(asset_returns, factor_returns, out, ws, options);
  return out;
}

/// time_series_factor_model into a reused `out` with its scratch in a reused `ws`: a rolling
/// refit of one shape reuses keel's buffers (Eigen's Householder and blocked products still allocate
/// their own scratch). Bit for bit the plain form's result.
/// \throws as the plain form.
template <class DA, class DF, class Real>
  requires detail::panel_of<DA, Real> && detail::panel_of<DF, Real>
void time_series_factor_model(const Eigen::MatrixBase<DA>& asset_returns, const Eigen::MatrixBase<DF>& factor_returns,
                              factor_model<Real>& out, typename factor_model<Real>::workspace& ws,
                              time_series_factor_options options = {}) {
  detail::time_series_into(asset_returns, factor_returns, out, ws, options);
}

/// Cross-sectional (fundamental, Barra-style) factor model: each date's asset returns regressed
/// on the assets' exposures by weighted least squares, giving that date's factor returns
/// (Fama and MacBeth 1973; Menchero, Orr and Wang, USE4 2011).
///
/// f_t = argmin_f sum_i w_ti (r_ti - X_t(i, :) f)^2 (no intercept is added: include a column of
/// ones for a market factor), u_t = r_t - X_t f_t; F from the T x K history of f by
/// options.factor_covariance; D_i the variance of asset i's residuals about their mean (n - 1,
/// or EWMA with specific_half_life). B = the last date's exposures (the model's "now").
/// `exposures`: one N x K matrix for every date, or a range (std::vector, std::span) of T.
/// \pre T >= 2; N >= K + 1; every X_t N x K, finite, of full column rank; weights > 0.
/// \returns factor_model{exposures, factor_covariance, specific_variances, factor_returns
///          (estimated), explained_variance, observations = T}.
/// \throws invalid_input for shapes, non-finite cells, bad weights or options; insufficient_data;
///         singular_problem for a zero factor or collinear exposures, naming the factors and date.
template <class DA, class E>
  requires detail::panel<DA> && detail::exposures_of<E, typename DA::Scalar>
[[nodiscard]] factor_model<typename DA::Scalar> cross_sectional_factor_model(
    const Eigen::MatrixBase<DA>& asset_returns, const E& exposures, cross_sectional_factor_options options = {}) {
  factor_model<typename DA::Scalar> out;
  typename factor_model<typename DA::Scalar>::workspace ws;
  detail::cross_sectional_into(asset_returns, exposures, out, ws, options);
  return out;
}

/// cross_sectional_factor_model into a reused `out` with its scratch in a reused `ws`.
/// Bit for bit the plain form's result. \throws as the plain form.
template <class DA, class E, class Real>
  requires detail::panel_of<DA, Real> && detail::exposures_of<E, Real>
void cross_sectional_factor_model(const Eigen::MatrixBase<DA>& asset_returns, const E& exposures,
                                  factor_model<Real>& out, typename factor_model<Real>::workspace& ws,
                                  cross_sectional_factor_options options = {}) {
  detail::cross_sectional_into(asset_returns, exposures, out, ws, options);
}

/// Statistical factor model: the `factors` largest principal components of the sample
/// covariance (or correlation) of the returns (Connor and Korajczyk 1986).
///
/// Covariance: S = V L V', B = V_k (unit columns), F = diag(l_1..l_k). Correlation: C = V L V'
/// with C = s^-1 S s^-1, B = diag(s) V_k (back in return units), F = diag(l). Either way
/// D_i = S_ii - (B F B')_ii, set to 0 where rounding makes it negative, and with factors = N the
/// model is S itself. Sign: each column of V has its largest-magnitude entry positive (the
/// first on ties; scikit-learn's svd_flip). factor_returns: the scores (x_t - xbar)' s^-1 V_k.
/// \pre T >= 2; 1 <= factors <= N; finite cells; no constant column for `correlation`.
/// \returns factor_model{exposures, factor_covariance, specific_variances, factor_returns,
///          explained_variance (the k components' share), observations = T}.
/// \throws invalid_input for factors out of range or a non-finite cell; insufficient_data for
///         T < 2; singular_problem for a constant column with `correlation`.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] factor_model<typename Derived::Scalar> statistical_factor_model(const Eigen::MatrixBase<Derived>& returns,
                                                                              std::ptrdiff_t factors,
                                                                              statistical_factor_options options = {}) {
  factor_model<typename Derived::Scalar> out;
  typename factor_model<typename Derived::Scalar>::workspace ws;
  detail::statistical_into(returns, factors, out, ws, options);
  return out;
}

/// statistical_factor_model into a reused `out` with its scratch in a reused `ws` (Eigen's
/// products and Householder application still allocate their own blocks). Bit for bit the plain
/// form's result. \throws as the plain form.
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void statistical_factor_model(const Eigen::MatrixBase<Derived>& returns, std::ptrdiff_t factors,
                              factor_model<Real>& out, typename factor_model<Real>::workspace& ws,
                              statistical_factor_options options = {}) {
  detail::statistical_into(returns, factors, out, ws, options);
}

/// The model's N x N covariance S = B F B' + D (per period), exactly symmetric.
/// \throws invalid_input for a malformed model (sizes, non-finite values, F not symmetric,
///         D < 0), naming the field and index.
template <class Real>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> model_covariance(const factor_model<Real>& model) {
  using acc = detail::accum_t<Real>;
  detail::check_model("model_covariance", model);
  const auto b = model.exposures.template cast<acc>();
  // F symmetrised (a user's F is symmetric only to rounding), then the lower triangle mirrored:
  // S is exactly symmetric, and no sum of S and S' can overflow.
  const Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> f =
      model.factor_covariance.template cast<acc>() / acc(2) +
      model.factor_covariance.transpose().template cast<acc>() / acc(2);
  Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> s = b * f * b.transpose();
  s.template triangularView<Eigen::StrictlyUpper>() = s.transpose();
  s.diagonal() += model.specific_variances.template cast<acc>();
  return s.template cast<Real>();
}

/// A portfolio's risk under a factor model, split into factor and specific parts and by factor.
///
/// x = B'w, factor variance x'Fx = sum_k x_k (F x)_k (Euler contributions), specific variance
/// sum_i w_i^2 D_i, total = their sum = w'Sw; asset i's Euler contribution w_i (S w)_i. With
/// options.benchmark_weights everything is of w - w_b (active risk). VaR = z_c sigma - mu,
/// Gaussian, positive loss (z_c the standard normal quantile at `confidence`). Per period.
/// Ref: Grinold and Kahn, Active Portfolio Management, 2nd ed., ch. 3 and 14.
/// \pre weights (a Series) of N finite values; a valid model; 0 < confidence < 1.
/// \returns factor_risk{total_variance, factor_variance, specific_variance, volatility,
///          exposures, marginal_contributions, contributions, specific_contributions,
///          asset_contributions, value_at_risk}.
/// \throws invalid_input for sizes, non-finite values, a malformed model or a bad option;
///         singular_problem for a negative variance (F not positive semi-definite).
template <class Real, Series S>
[[nodiscard]] factor_risk<Real> factor_risk_decomposition(const factor_model<Real>& model, const S& weights,
                                                          factor_risk_options options = {}) {
  factor_risk<Real> out;
  detail::decompose_into(model, weights, out, options);
  return out;
}

/// factor_risk_decomposition into a reused `out`. \throws as the plain form.
template <class Real, Series S>
void factor_risk_decomposition(const factor_model<Real>& model, const S& weights, factor_risk<Real>& out,
                               factor_risk_options options = {}) {
  detail::decompose_into(model, weights, out, options);
}

/// stress.hpp positions whose factor_exposures are the model's exposures (position i gets row i
/// of B), so that a scenario's factor_shocks move each position by B_i' shock.
/// \throws invalid_input unless there is one position per asset of a valid model.
template <class Real>
[[nodiscard]] std::vector<position> with_factor_exposures(std::vector<position> positions,
                                                          const factor_model<Real>& model) {
  constexpr std::string_view fn = "with_factor_exposures";
  detail::check_model(fn, model);
  detail::require_same_size(fn, "positions", detail::ssize(positions), "model.exposures' rows (assets)",
                            model.exposures.rows());
  const Eigen::Index k = model.exposures.cols();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    auto& e = positions[i].factor_exposures;
    e.resize(detail::uz(k));
    for (Eigen::Index j = 0; j < k; ++j)
      e[detail::uz(j)] = static_cast<double>(model.exposures(static_cast<Eigen::Index>(i), j));
  }
  return positions;
}

/// The covariance forecasts risk_model_backtest compares (each refitted on every window).
enum class risk_model {
  sample,              ///< sample_covariance (n - 1) x h
  ewma,                ///< ewma_covariance, RiskMetrics (zero mean, weights summing to 1, lambda) x h
  ledoit_wolf,         ///< ledoit_wolf towards the scaled identity x h
  garch,               ///< constant conditional correlation (Bollerslev 1990): a GARCH per asset, whose
                       ///< h-day variance term structure scales the standardised residuals' correlation
  dcc,                 ///< dcc_fit's h-day covariance forecast
  statistical_factor,  ///< statistical_factor_model with `factors` components (covariance) x h
  time_series_factor   ///< time_series_factor_model on options.factor_returns x h
};

/// Options of risk_model_backtest.
struct risk_model_backtest_options {
  /// Returns in each estimation window (the rows up to and including the forecast origin).
  std::ptrdiff_t window = 504;
  /// Periods each forecast covers (21: a month of trading days).
  std::ptrdiff_t horizon = 21;
  /// Periods between forecast origins; step < horizon overlaps the realised windows (the bias
  /// statistic's band then understates its spread).
  std::ptrdiff_t step = 21;
  /// Coverage of the bias statistic's band, in (0, 1).
  double confidence = 0.95;
  /// With risk_model::ewma: the decay per period, in (0, 1).
  double ewma_lambda = 0.94;
  /// With risk_model::statistical_factor: the principal components, 1..N.
  std::ptrdiff_t factors = 5;
  /// With risk_model::time_series_factor: T x K factor returns, row t the same period as the
  /// returns' row t (other models ignore it).
  Eigen::MatrixXd factor_returns = {};
  /// With risk_model::garch: each asset's fit (its `threads` is ignored: origins run in parallel).
  garch_options garch = {};
  /// With risk_model::dcc: the fit (its and its univariate fits' `threads` are ignored).
  dcc_options dcc = {};
  /// Worker threads over the forecast origins (0: all cores); results are bit-identical for any
  /// count.
  int threads = 1;
};

/// Out-of-sample accuracy of a risk model's portfolio volatility forecasts: O origins by P
/// portfolios, and per-portfolio statistics (see risk_model_backtest).
template <class Real = double>
struct risk_model_backtest_result {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< O x P
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;               ///< P
  /// Row of the returns at which each forecast is made (the last row of its window).
  std::vector<std::ptrdiff_t> origins;
  /// sigma: the forecast volatility of the sum of the next `horizon` returns, sqrt(w' S_h w).
  matrix predicted_volatilities;
  /// R: the realised sum of the portfolio's next `horizon` returns, sum_s w' r_s.
  matrix realised_returns;
  /// The realised variance sum_s (w' r_s)^2 over the same periods (the variance proxy).
  matrix realised_variances;
  /// Bias statistic per portfolio: the sample standard deviation (n - 1) of z = R / sigma over
  /// the origins; 1 for a well-calibrated model, above 1 when risk is under-forecast.
  vector bias_statistics;
  /// The band 1 -+ z_c / sqrt(2 O) that a calibrated model's bias statistic falls in with
  /// probability `confidence` (normal z; Barra's 1 -+ sqrt(2 / O) at about 95%).
  Real bias_band_lower{};
  Real bias_band_upper{};  ///< upper end of the band
  /// Share of the portfolios whose bias statistic lies inside the band, in [0, 1].
  Real share_in_band{};
  /// Q-statistic per portfolio: the mean over origins of z^2 - ln z^2, minus 2 log-likelihood
  /// of R under N(0, sigma^2) relative to the forecast sigma^2 = R^2 (at least 1; smaller is better).
  vector q_statistics;
  /// Pearson correlation over the origins of predicted variance sigma^2 and realised variance.
  vector variance_correlations;
  /// The same correlation over every (origin, portfolio) pair together.
  Real pooled_variance_correlation{};
};

namespace detail {

/// risk_model_backtest in double (the public form converts), defined in
/// detail/factor_model-inl.hpp.
KEEL_DECL [[nodiscard]] risk_model_backtest_result<double> risk_model_backtest_double(
    const Eigen::MatrixXd& returns, const Eigen::MatrixXd& portfolios, risk_model model,
    const risk_model_backtest_options& options);

}  // namespace detail

/// Rolling out-of-sample test of a risk model: at each origin o (every `step` rows from
/// window - 1 while o + horizon < T) the model is fitted on rows o - window + 1..o and forecasts
/// the covariance S_h of the sum of the next `horizon` returns; for each portfolio w (a column of
/// `portfolios`, N x P, fixed weights, i.e. rebalanced each period) sigma = sqrt(w' S_h w) is set
/// against R = sum_{s=o+1..o+h} w' r_s and the realised variance sum_s (w' r_s)^2.
/// Statistics (risk_model_backtest_result): Barra's bias statistic std(R / sigma) and its band,
/// the Q-statistic mean(z^2 - ln z^2) (Menchero, Wang and Orr 2012), and the correlation of
/// predicted and realised variance per portfolio and pooled.
/// Forecasts: sample, EWMA, Ledoit-Wolf and the factor models scale the one-period covariance by
/// h (i.i.d.); GARCH (CCC) and DCC sum their h-period term structures. Computed in double.
/// Refs: Menchero, Orr and Wang, USE4 Methodology Notes (MSCI 2011), section 5 (bias statistics);
/// J. Menchero, J. Wang and D. J. Orr, "Improving risk forecasts for optimized portfolios",
/// Financial Analysts Journal 68 (2012) 40-50; Bollerslev (1990) (CCC).
/// \pre returns T x N finite; portfolios N x P finite, no column all zero; T >= window +
///      horizon + step (two origins); window large enough for the model.
/// \throws invalid_input (shapes, non-finite cells, options, a zero portfolio, missing factor
///   returns), insufficient_data (fewer than two origins), singular_problem (a zero forecast
///   volatility, a realised sum of exactly 0 in the Q-statistic, or variances that do not vary
///   across origins, naming the portfolio and origin), and the model's own errors with the
///   origin named (e.g. not_converged from GARCH unless its require_convergence is false).
/// \returns risk_model_backtest_result<Real>; bit-identical for any options.threads.
template <class DR, class DP>
  requires detail::panel<DR> && detail::panel_of<DP, typename DR::Scalar>
[[nodiscard]] risk_model_backtest_result<typename DR::Scalar> risk_model_backtest(
    const Eigen::MatrixBase<DR>& returns, const Eigen::MatrixBase<DP>& portfolios, risk_model model,
    const risk_model_backtest_options& options = {}) {
  using Real = typename DR::Scalar;
  const Eigen::MatrixXd r = returns.template cast<double>(), p = portfolios.template cast<double>();
  risk_model_backtest_result<double> d = detail::risk_model_backtest_double(r, p, model, options);
  if constexpr (std::same_as<Real, double>) {
    return d;
  } else {
    risk_model_backtest_result<Real> out;
    out.origins = std::move(d.origins);
    out.predicted_volatilities = d.predicted_volatilities.template cast<Real>();
    out.realised_returns = d.realised_returns.template cast<Real>();
    out.realised_variances = d.realised_variances.template cast<Real>();
    out.bias_statistics = d.bias_statistics.template cast<Real>();
    out.bias_band_lower = static_cast<Real>(d.bias_band_lower);
    out.bias_band_upper = static_cast<Real>(d.bias_band_upper);
    out.share_in_band = static_cast<Real>(d.share_in_band);
    out.q_statistics = d.q_statistics.template cast<Real>();
    out.variance_correlations = d.variance_correlations.template cast<Real>();
    out.pooled_variance_correlation = static_cast<Real>(d.pooled_variance_correlation);
    return out;
  }
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/factor_model-inl.hpp>
#endif
