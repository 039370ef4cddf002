// SPDX-License-Identifier: MIT
// keel/beta.hpp: single-factor market beta by ordinary least squares.
//
// Synopsis
//   market_beta(asset_returns, market_returns, beta_options{})   -> beta_fit<Real>
//   market_beta(dated_asset, dated_market, beta_options{})       aligns on keys first
//   rolling_beta(asset_returns, market_returns, window, rolling_beta_options{})
//                                                                -> rolling_beta_result<Real>
//   rolling_beta(dated_asset, dated_market, window, opts)        -> dated_rolling_beta<Key, Real>
//   rolling_beta(assets /* T x N Eigen */, market_returns, window, opts)
//                                                                -> rolling_beta_panel<Real>
//   rolling_beta(..., window, out, ws, opts)                     each form into a reused result, its
//                                                                scratch in ws (R::workspace)
//   portfolio_beta(weights, betas)                               sum_i w_i beta_i
//   portfolio_beta(market_values, betas, equity)                 sum_i (v_i / equity) beta_i
//
// The model is r_asset,t = alpha + beta * r_market,t + e_t, fitted by OLS with an intercept:
//   beta = S_xy / S_xx,  alpha = ybar - beta * xbar,  R^2 = S_xy^2 / (S_xx S_yy),
//   s^2 = RSS / (n - 2),  se(beta) = s / sqrt(S_xx),  se(alpha) = s sqrt(1/n + xbar^2 / S_xx),
// with x the market, y the asset, S_xy = sum (x - xbar)(y - ybar).
//
// Conventions
//   - Returns are simple returns per period (see series.hpp); alpha is per period, not
//     annualised (multiply by 252 for daily data).
//   - Classical (homoskedastic) OLS standard errors, n - 2 degrees of freedom; p_value is the
//     two-sided Student-t tail of t = beta / se(beta).
//   - A constant market is singular_problem. A constant asset gives beta = 0, r_squared = 0,
//     t_stat = 0 and p_value = 1 (scipy.stats.linregress's convention); a perfect fit gives
//     r_squared = 1, zero standard errors, t_stat = +-inf and p_value = 0. Never NaN.
//   - Sums accumulate in accum_t of the inputs (double for float, long double stays long
//     double) and results are rounded to the inputs' common type once.
//   - Range: returns between about 1e-146 and 1e150 in size; outside it sums of squares
//     underflow or overflow and the functions throw invalid_input (rescale the data).
//   - Rolling statistics return one vector per statistic (betas, alphas, r_squareds), each a
//     Series (a DatedSeries keyed by each window's last key in the dated form), or one matrix
//     per statistic for a panel.
//
// Numerics (detail/moments.hpp, detail/window.hpp): one fused pass of shifted sums with an
// exact second pass when the shift is far from the mean; rolling windows slide in O(1) each
// with exact restarts every four windows and exact recomputation where a variance collapsed.
//
// References
//   Sharpe, "Capital asset prices", J. Finance 19 (1964); Greene, "Econometric Analysis", 8th
//   ed., ch. 4 (OLS and its standard errors); Chan, Golub and LeVeque, "Algorithms for
//   computing the sample variance", Am. Stat. 37 (1983).
/// \file
/// Market beta by OLS: market_beta, rolling_beta, portfolio_beta.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
#include <keel/detail/window.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of market_beta.
struct beta_options {
  /// Fewer common observations than this is insufficient_data; at least 3 (n - 2 > 0).
  std::ptrdiff_t min_observations = 20;
  /// If set, |beta| is clamped to this positive bound and beta_fit::capped says so; a guard
  /// for hedging on a noisy estimate. The other statistics remain those of the OLS fit.
  std::optional<double> cap = std::nullopt;
};

/// An OLS fit of asset returns on market returns (see the synopsis for the formulas).
template <class Real = double>
struct beta_fit {
  Real beta{};             ///< slope: the asset's sensitivity to the market (capped if asked)
  Real alpha{};            ///< intercept, per period (not annualised)
  Real r_squared{};        ///< share of the asset's variance the market explains, in [0, 1]
  Real beta_stderr{};      ///< classical OLS standard error of the (uncapped) slope
  Real alpha_stderr{};     ///< classical OLS standard error of the intercept
  Real t_stat{};           ///< raw_beta / beta_stderr
  Real p_value{};          ///< two-sided, Student t with n - 2 degrees of freedom
  Real residual_stddev{};  ///< sqrt(RSS / (n - 2))
  std::ptrdiff_t n{};      ///< observations used (common dates for dated series)
  bool capped = false;     ///< true when |raw_beta| exceeded beta_options::cap
  Real raw_beta{};         ///< the OLS slope before any cap (equal to beta when not capped)

  /// Whether the slope differs from zero at significance `level` (p_value < level).
  /// \throws invalid_input unless 0 < level < 1.
  [[nodiscard]] bool significant(double level = 0.05) const {
    detail::require_probability("beta_fit::significant", "level", level);
    return static_cast<double>(p_value) < level;
  }
};

/// Options of rolling_beta: which statistics besides beta to compute. Writing results is most
/// of a rolling panel's cost, so a caller who needs only betas saves half the time
/// (benchmarks/beta_bench). A statistic not asked for is left empty.
struct rolling_beta_options {
  bool alpha = true;      ///< fill `alphas`
  bool r_squared = true;  ///< fill `r_squareds`
};

namespace detail {
/// Scratch of rolling_beta's series and panel out forms (their `workspace`): the market's
/// window moments and the inputs converted to contiguous Acc, reused so that a warm call
/// allocates nothing.
template <class Acc>
struct rolling_beta_workspace {
  window_moments<Acc> market;     ///< the market's window moments
  std::vector<Acc> inv_sxx;       ///< 1 / S_xx per window
  std::vector<Acc> x_scratch;     ///< the market as contiguous Acc, when it is not
  std::vector<Acc> y_scratch[2];  ///< up to two assets as contiguous Acc
};
}  // namespace detail

/// rolling_beta of two series: element k of each vector is the fit over the window of
/// observations [k, k + window), so each has n - window + 1 elements (and is itself a Series).
template <class Real = double>
struct rolling_beta_result {
  std::vector<Real> betas;       ///< slope per window
  std::vector<Real> alphas;      ///< intercept per window, per period (empty if not asked for)
  std::vector<Real> r_squareds;  ///< R^2 per window, in [0, 1]; 0 for a constant asset (empty if not asked for)
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::rolling_beta_workspace<detail::accum_t<Real>>;
};

namespace detail {
/// Scratch of the dated rolling_beta out form: the aligned inputs, the plain rolling result and
/// its workspace.
template <class Key, class Real>
struct dated_rolling_beta_workspace {
  aligned_series<Key, Real> aligned;                      ///< the inputs joined on their keys
  rolling_beta_result<Real> rolled;                       ///< the rolling fit of the joined series
  typename rolling_beta_result<Real>::workspace rolling;  ///< the scratch of that fit
};
}  // namespace detail

/// rolling_beta of dated series: each statistic a dated series keyed by each window's last key.
template <class Key, class Real = double>
struct dated_rolling_beta {
  dated_series<Key, Real> betas;       ///< slope per window
  dated_series<Key, Real> alphas;      ///< intercept per window, per period (empty if not asked for)
  dated_series<Key, Real> r_squareds;  ///< R^2 per window (empty if not asked for)
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::dated_rolling_beta_workspace<Key, Real>;
};

/// rolling_beta of a T x N panel: (T - window + 1) x N matrices, row k for the window that
/// ends at row k + window - 1 of the input, column j for asset j.
template <class Real = double>
struct rolling_beta_panel {
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> betas;       ///< slopes
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> alphas;      ///< intercepts, per period (0 x 0 if not asked for)
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> r_squareds;  ///< in [0, 1] (0 x 0 if not asked for)
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call (the market's window moments and up to two assets' converted columns)
  using workspace = detail::rolling_beta_workspace<detail::accum_t<Real>>;
};

namespace detail {

/// The names messages use for the two series (plain: asset_returns and market_returns).
struct beta_labels {
  series_label asset{"asset_returns"};
  series_label market{"market_returns"};
};

[[noreturn]] inline void throw_constant_market(std::string_view fn, const series_label& market, double mean,
                                               std::ptrdiff_t lo, std::ptrdiff_t hi) {
  throw singular_problem(
      message(fn, market.range(lo, hi) + " have zero variance (all " + number_text(mean) + "): beta is undefined"));
}

/// RSS of the fit, summing the residuals themselves where R^2 is so close to 1 that
/// S_yy (1 - R^2) would cancel; returns R^2 alongside.
template <class Acc, class Y, class X>
[[nodiscard]] std::pair<Acc, Acc> beta_rss(const Y& y, const X& x, const pair_moments<Acc>& m, Acc beta) {
  if (!(m.syy > 0)) return {Acc(0), Acc(0)};
  const Acc r2 = std::min(Acc(1), (m.sxy / m.sxx) * (m.sxy / m.syy));
  if (1 - r2 >= Acc(1) / 16) return {std::max(Acc(0), m.syy - beta * m.sxy), r2};
  auto yf = std::ranges::begin(y);
  auto xf = std::ranges::begin(x);
  Acc acc[4] = {};
  for (std::ptrdiff_t i = 0; i < ssize(x); ++i) {
    const Acc e = (static_cast<Acc>(yf[i]) - m.mean_y) - beta * (static_cast<Acc>(xf[i]) - m.mean_x);
    acc[i & 3] += e * e;
  }
  const Acc rss = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  return {rss, 1 - rss / m.syy};
}

/// The beta_fit of the moments (see the synopsis for the formulas), rounded to Real.
template <class Real, class Acc>
[[nodiscard]] beta_fit<Real> to_beta_fit(std::string_view fn, const pair_moments<Acc>& m, Acc beta, Acc rss, Acc r2,
                                         std::ptrdiff_t n, const beta_options& options) {
  const Acc dn = static_cast<Acc>(n);
  const Acc alpha = m.mean_y - beta * m.mean_x;
  const Acc s = std::sqrt(rss / (dn - 2));
  // As products of square roots, so that no intermediate square overflows.
  const Acc root_sxx = std::sqrt(m.sxx);
  const Acc beta_se = s / root_sxx;
  const Acc alpha_se = s * std::hypot(1 / std::sqrt(dn), m.mean_x / root_sxx);
  if (!(std::isfinite(beta) && std::isfinite(alpha) && std::isfinite(beta_se) && std::isfinite(alpha_se)))
    throw_overflow(fn, "the fit (beta = " + number_text(static_cast<double>(beta)) + ", standard error " +
                           number_text(static_cast<double>(beta_se)) +
                           ") of asset and market returns of different scales");
  const t_test_result t = t_test(static_cast<double>(beta), static_cast<double>(beta_se), static_cast<double>(dn - 2));
  beta_fit<Real> fit;
  fit.raw_beta = rounded<Real>(fn, "beta", beta);
  fit.beta = fit.raw_beta;
  if (options.cap && std::fabs(static_cast<double>(beta)) > *options.cap) {
    fit.beta = rounded<Real>(fn, "cap", std::copysign(*options.cap, static_cast<double>(beta)));
    fit.capped = true;
  }
  fit.alpha = rounded<Real>(fn, "alpha", alpha);
  fit.r_squared = static_cast<Real>(r2);
  fit.beta_stderr = rounded<Real>(fn, "beta_stderr", beta_se);
  fit.alpha_stderr = rounded<Real>(fn, "alpha_stderr", alpha_se);
  fit.t_stat = static_cast<Real>(t.t);  // +-inf is the documented t of an (almost) exact fit
  fit.p_value = static_cast<Real>(t.p);
  fit.residual_stddev = rounded<Real>(fn, "residual_stddev", s);
  fit.n = n;
  return fit;
}

/// Checks beta_options (min_observations >= 3, a positive finite cap) and the count n.
inline void check_beta_options(std::string_view fn, const beta_options& options, std::ptrdiff_t n) {
  if (options.min_observations < 3)
    throw_bad_option(fn, "min_observations", static_cast<double>(options.min_observations), "at least 3");
  if (options.cap && !(*options.cap > 0 && std::isfinite(*options.cap)))
    throw_bad_option(fn, "cap", *options.cap, "positive and finite");
  require_observations(fn, options.min_observations, n, "observations", "beta_options::min_observations");
}

/// The beta_fit of centred moments of n pairs, after the range checks: a constant market is
/// singular_problem, squared deviations that underflow are invalid_input. `rss_of(beta)`
/// returns {RSS, R^2} (beta_rss for data in memory; the streaming estimators compute it from
/// their exact sums). Shared by market_beta and online.hpp's streaming_beta.
template <class Real, class Acc, class RssOf>
[[nodiscard]] beta_fit<Real> beta_from_moments(std::string_view fn, const pair_moments<Acc>& m, std::ptrdiff_t n,
                                               const beta_options& options, const beta_labels& labels, RssOf&& rss_of) {
  const Acc dn = static_cast<Acc>(n);
  if (numerically_zero_variance(m.sxx, m.mean_x, dn))
    throw_constant_market(fn, labels.market, static_cast<double>(m.mean_x), 0, n - 1);
  if (underflows(m.sxx, dn)) throw_underflow(fn, labels.market.range(0, n - 1), static_cast<double>(m.sxx));
  // S_yy = S_xy = 0 exactly is a constant asset (beta 0); anything else this small has lost
  // the digits R^2 and the standard errors need.
  if ((m.syy > 0 || m.sxy != 0) && underflows(m.syy, dn))
    throw_underflow(fn, labels.asset.range(0, n - 1), static_cast<double>(m.syy));
  const Acc beta = m.sxy / m.sxx;
  const auto [rss, r2] = rss_of(beta);
  return to_beta_fit<Real>(fn, m, beta, rss, r2, n, options);
}

template <class Y, class X>
[[nodiscard]] auto fit_market_beta(const Y& y, const X& x, const beta_options& options,
                                   const beta_labels& labels = {}) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  constexpr std::string_view fn = "market_beta";
  const std::ptrdiff_t n = ssize(y);
  require_same_size(fn, "asset_returns", n, "market_returns", ssize(x));
  check_beta_options(fn, options, n);
  const pair_moments<acc> m = centred_moments<acc>(fn, y, "asset_returns", x, "market_returns");
  return beta_from_moments<real>(fn, m, n, options, labels, [&](acc beta) { return beta_rss(y, x, m, beta); });
}

inline void check_window(std::string_view fn, std::ptrdiff_t window, std::ptrdiff_t n) {
  if (window < 3) throw_bad_option(fn, "window", static_cast<double>(window), "at least 3");
  require_observations(fn, window, n, "observations for one window");
}

/// The market's window moments into ws (and 1 / S_xx per window), or the located error: a
/// NaN or infinity, a constant window (singular_problem) or one whose variance underflows.
template <class Acc, class S>
void market_windows(std::string_view fn, const S& market, std::ptrdiff_t window, rolling_beta_workspace<Acc>& ws,
                    const Acc* x, const series_label& label) {
  if (!rolling_moments(x, ssize(market), window, ws.market))
    throw_non_finite_or_overflow(fn, 0, ssize(market), std::pair{label.name, &market});
  const Acc dw = static_cast<Acc>(window);
  ws.inv_sxx.resize(uz(ws.market.size()));
  for (std::ptrdiff_t k = 0; k < ws.market.size(); ++k) {
    const Acc sxx = ws.market.sxx[uz(k)];
    if (numerically_zero_variance(sxx, ws.market.mean[uz(k)], dw))
      throw_constant_market(fn, label, static_cast<double>(ws.market.mean[uz(k)]), k, k + window - 1);
    if (underflows(sxx, dw)) throw_underflow(fn, label.range(k, k + window - 1), static_cast<double>(sxx));
    ws.inv_sxx[uz(k)] = 1 / sxx;
  }
}

/// Where rolling_beta writes lane l's statistics (nullptr: not asked for).
template <class Real>
struct beta_sinks {
  Real* betas[2] = {};
  Real* alphas[2] = {};
  Real* r_squareds[2] = {};
};

/// Rolls up to two assets (lanes) against the market windows in ws, writing into `sinks`.
/// Returns the first lane whose sums a NaN, infinity or overflow poisoned, or -1.
template <class V, class Real, class Acc>
[[nodiscard]] std::ptrdiff_t roll_assets(std::string_view fn, const Acc* const* y, const Acc* x,
                                         const rolling_beta_workspace<Acc>& ws, const beta_sinks<Real>& out) {
  const auto sink = [&]<class W>(std::ptrdiff_t k, std::size_t lane0, W cxy, W cyy, W mean_y) {
    const auto u = uz(k);
    const W beta = cxy * splat<W>(ws.inv_sxx[u]);
    const W alpha = mean_y - beta * splat<W>(ws.market.mean[u]);
    const W q = beta * cxy / cyy;
    for (std::size_t l = 0; l < pack_width<W>; ++l) {
      out.betas[lane0 + l][k] = rounded<Real>(fn, "beta", lane(beta, l));
      if (out.alphas[lane0 + l] != nullptr) out.alphas[lane0 + l][k] = rounded<Real>(fn, "alpha", lane(alpha, l));
      // R^2 = beta S_xy / S_yy, clamped to 1 against rounding; 0 for a constant asset (0/0).
      if (out.r_squareds[lane0 + l] != nullptr)
        out.r_squareds[lane0 + l][k] = static_cast<Real>(lane(cyy, l) > 0 ? std::min(lane(q, l), Acc(1)) : Acc(0));
    }
  };
  return rolling_cross<V>(y, x, ws.market, sink);
}

/// The single-series rolling fit into `out` (vectors resized, capacity kept).
template <class S1, class S2, class Real>
void rolling_beta_into(const S1& asset, const S2& market, std::ptrdiff_t window, rolling_beta_result<Real>& out,
                       rolling_beta_workspace<accum_t<Real>>& ws, const rolling_beta_options& options,
                       const beta_labels& labels = {}) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "rolling_beta";
  const std::ptrdiff_t n = ssize(asset);
  require_same_size(fn, "asset_returns", n, "market_returns", ssize(market));
  check_window(fn, window, n);
  const acc* x = contiguous_data<acc>(market, ws.x_scratch);
  const acc* const y[1] = {contiguous_data<acc>(asset, ws.y_scratch[0])};
  market_windows(fn, market, window, ws, x, labels.market);
  const auto ends = uz(n - window + 1);
  out.betas.resize(ends);
  out.alphas.resize(options.alpha ? ends : 0);
  out.r_squareds.resize(options.r_squared ? ends : 0);
  beta_sinks<Real> sinks;
  sinks.betas[0] = out.betas.data();
  sinks.alphas[0] = options.alpha ? out.alphas.data() : nullptr;
  sinks.r_squareds[0] = options.r_squared ? out.r_squareds.data() : nullptr;
  if (roll_assets<acc>(fn, y, x, ws, sinks) >= 0)
    throw_non_finite_or_overflow(fn, 0, n, std::pair{labels.asset.name, &asset});
}

/// The panel rolling fit into `out`; assets are rolled two at a time where there are vector
/// lanes for the accumulation type, else one at a time.
template <class Derived, class S, class Real>
void rolling_panel_into(const Eigen::MatrixBase<Derived>& assets, const S& market, std::ptrdiff_t window,
                        rolling_beta_panel<Real>& out, rolling_beta_workspace<accum_t<Real>>& ws,
                        const rolling_beta_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "rolling_beta";
  const std::ptrdiff_t t = assets.rows(), cols = assets.cols();
  require_same_size(fn, "assets (rows)", t, "market_returns", ssize(market));
  check_window(fn, window, t);
  const acc* x = contiguous_data<acc>(market, ws.x_scratch);
  market_windows(fn, market, window, ws, x, series_label{"market_returns"});
  const Eigen::Index rows = t - window + 1;
  const auto shape = [&](auto& m, bool wanted) {
    if (m.rows() != (wanted ? rows : 0) || m.cols() != (wanted ? cols : 0))
      m.resize(wanted ? rows : 0, wanted ? cols : 0);
  };
  shape(out.betas, true);
  shape(out.alphas, options.alpha);
  shape(out.r_squareds, options.r_squared);
  for (std::ptrdiff_t j0 = 0; j0 < cols;) {
    using pack = wide_pack_t<acc>;
    const std::ptrdiff_t width = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(pack_width<pack>), cols - j0);
    const acc* y[2] = {};
    beta_sinks<Real> sinks;
    for (std::ptrdiff_t g = 0; g < width; ++g) {
      const auto u = uz(g);
      y[u] = contiguous_data<acc>(assets.col(j0 + g), ws.y_scratch[u]);
      sinks.betas[u] = out.betas.col(j0 + g).data();
      if (options.alpha) sinks.alphas[u] = out.alphas.col(j0 + g).data();
      if (options.r_squared) sinks.r_squareds[u] = out.r_squareds.col(j0 + g).data();
    }
    const std::ptrdiff_t bad =
        width == 2 ? roll_assets<pack>(fn, y, x, ws, sinks) : roll_assets<acc>(fn, y, x, ws, sinks);
    if (bad >= 0) {
      const auto column = assets.col(j0 + bad);
      if (const std::ptrdiff_t i = first_non_finite(column); i >= 0)
        throw_non_finite_cell(fn, "assets", i, j0 + bad, static_cast<double>(column(i)));
      throw_overflow(fn, "the sums of squares of assets column " + std::to_string(j0 + bad));
    }
    j0 += width;
  }
}

/// sum_i w_i beta_i / equity in accum_t, after checking sizes and finiteness; `name` is how
/// messages call the weights.
template <class W, class B>
[[nodiscard]] auto exposure_sum(std::string_view name, const W& weights, const B& betas, double equity = 1) {
  using acc = accum_t<range_result_t<W, B>>;
  constexpr std::string_view fn = "portfolio_beta";
  require_same_size(fn, name, ssize(weights), "betas", ssize(betas));
  require_finite(fn, name, weights);
  require_finite(fn, "betas", betas);
  auto wf = std::ranges::begin(weights);
  auto bf = std::ranges::begin(betas);
  acc sum = 0;
  for (std::ptrdiff_t i = 0; i < ssize(weights); ++i) sum += static_cast<acc>(wf[i]) * static_cast<acc>(bf[i]);
  sum /= static_cast<acc>(equity);
  if (!std::isfinite(sum))  // finite inputs: an overflow, which would otherwise pass as a beta
    throw_overflow(fn, "sum_i " + std::string(name) + "[i] x betas[i]" + (equity == 1 ? "" : " / equity"));
  return sum;
}

}  // namespace detail

/// Market beta of an asset by OLS with an intercept: beta = S_xy / S_xx (see the synopsis).
///
/// \returns beta_fit: beta, alpha (per period), r_squared, standard errors, t_stat, two-sided
///          p_value with n - 2 dof, residual_stddev, n; capped / raw_beta when options.cap.
/// \throws invalid_input for series of different lengths, a NaN or infinity (naming the series
///         and index), min_observations < 3, a cap that is not positive and finite, or returns
///         out of range (sums of squares that overflow or underflow, a float fit that does not
///         fit in float); insufficient_data when n < options.min_observations;
///         singular_problem when the market returns have zero variance.
/// No allocation; O(n), usually one pass. Ref: Greene, Econometric Analysis, 8th ed., ch. 4.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto market_beta(const S1& asset_returns, const S2& market_returns, beta_options options = {}) {
  return detail::fit_market_beta(asset_returns, market_returns, options);
}

/// Market beta of two dated return series, aligned on their keys first (align(): inner join,
/// rows with a NaN dropped); n is the number of common keys kept. Errors name the series (its
/// name, a symbol, when it has one) and the keys: "SPY[0..89] (2024-01-02 to 2024-05-10)".
/// \throws as market_beta, and invalid_input for keys that are not strictly increasing.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto market_beta(const D1& asset_returns, const D2& market_returns, beta_options options = {}) {
  const auto aligned = align(asset_returns, market_returns);
  const detail::beta_labels labels{
      detail::keyed_label(detail::series_name(asset_returns, "asset_returns"), aligned.keys),
      detail::keyed_label(detail::series_name(market_returns, "market_returns"), aligned.keys)};
  return detail::fit_market_beta(aligned.first, aligned.second, options, labels);
}

/// Rolling market beta: the OLS fit over each window of `window` consecutive observations,
/// written into `out` with the scratch in `ws` (both keep their capacity: a warm call
/// allocates nothing). Element k is the fit over [k, k + window); O(n) whatever the window.
/// Each window agrees with market_beta on it to 1e-12 relative (absolute below 0.01 for beta
/// and R^2 and 1e-4 for alpha; tests check every window of random and real daily data).
/// \throws invalid_input for different lengths, a NaN or infinity (naming the index),
///         window < 3, or values out of range as market_beta (naming the window);
///         insufficient_data when n < window; singular_problem when the market is constant
///         over some window (naming it).
template <PlainSeries S1, PlainSeries S2, class Real>
void rolling_beta(const S1& asset_returns, const S2& market_returns, std::ptrdiff_t window,
                  rolling_beta_result<Real>& out, typename rolling_beta_result<Real>::workspace& ws,
                  rolling_beta_options options = {}) {
  detail::rolling_beta_into(asset_returns, market_returns, window, out, ws, options);
}

/// The `out` form without a workspace (the signature before issue 18): a local workspace, so
/// it allocates on every call.
template <PlainSeries S1, PlainSeries S2, class Real>
[[deprecated("pass a workspace: rolling_beta(asset, market, window, out, ws, options)")]] void rolling_beta(
    const S1& asset_returns, const S2& market_returns, std::ptrdiff_t window, rolling_beta_result<Real>& out,
    rolling_beta_options options = {}) {
  typename rolling_beta_result<Real>::workspace ws;
  rolling_beta(asset_returns, market_returns, window, out, ws, options);
}

/// Rolling market beta of two series -> rolling_beta_result{betas, alphas, r_squareds}, each
/// of n - window + 1 elements (see the `out` form for the rules and errors).
/// \throws as the `out` form.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto rolling_beta(const S1& asset_returns, const S2& market_returns, std::ptrdiff_t window,
                                rolling_beta_options options = {}) {
  using result = rolling_beta_result<detail::range_result_t<S1, S2>>;
  result out;
  typename result::workspace ws;
  detail::rolling_beta_into(asset_returns, market_returns, window, out, ws, options);
  return out;
}

/// Rolling market beta of two dated return series, aligned on their keys first, into `out`
/// with the scratch (the aligned inputs and the plain fit) in `ws`: betas, alphas and
/// r_squareds are dated series keyed by each window's last key (a warm call allocates
/// nothing; `out` is left as it was when the call throws).
/// \throws as the series form, and invalid_input for keys that are not strictly increasing.
template <DatedSeries D1, DatedSeries D2, class Key, class Real>
void rolling_beta(const D1& asset_returns, const D2& market_returns, std::ptrdiff_t window,
                  dated_rolling_beta<Key, Real>& out, typename dated_rolling_beta<Key, Real>::workspace& ws,
                  rolling_beta_options options = {}) {
  align(asset_returns, market_returns, ws.aligned);
  const detail::beta_labels labels{
      detail::keyed_label(detail::series_name(asset_returns, "asset_returns"), ws.aligned.keys),
      detail::keyed_label(detail::series_name(market_returns, "market_returns"), ws.aligned.keys)};
  detail::rolling_beta_into(ws.aligned.first, ws.aligned.second, window, ws.rolled, ws.rolling, options, labels);
  // (parameter names differ from keel::keys / keel::values: clang's -Wshadow)
  const auto fill = [&](dated_series<Key, Real>& d, const std::vector<Real>& stats) {
    auto& window_keys = detail::dated_series_access::keys(d);
    window_keys.clear();
    if (!stats.empty()) window_keys.assign(ws.aligned.keys.begin() + (window - 1), ws.aligned.keys.end());
    detail::dated_series_access::values(d) = stats;
  };
  fill(out.betas, ws.rolled.betas);
  fill(out.alphas, ws.rolled.alphas);
  fill(out.r_squareds, ws.rolled.r_squareds);
}

/// The dated `out` form without a workspace (the signature before issue 18): a local
/// workspace, so it allocates on every call.
template <DatedSeries D1, DatedSeries D2, class Key, class Real>
[[deprecated("pass a workspace: rolling_beta(asset, market, window, out, ws, options)")]] void rolling_beta(
    const D1& asset_returns, const D2& market_returns, std::ptrdiff_t window, dated_rolling_beta<Key, Real>& out,
    rolling_beta_options options = {}) {
  typename dated_rolling_beta<Key, Real>::workspace ws;
  rolling_beta(asset_returns, market_returns, window, out, ws, options);
}

/// Rolling market beta of two dated return series -> dated_rolling_beta (see the `out` form).
/// \throws as the `out` form.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto rolling_beta(const D1& asset_returns, const D2& market_returns, std::ptrdiff_t window,
                                rolling_beta_options options = {}) {
  using result = dated_rolling_beta<std::common_type_t<key_type_t<D1>, key_type_t<D2>>,
                                    detail::result_t<value_type_t<D1>, value_type_t<D2>>>;
  result out;
  typename result::workspace ws;
  rolling_beta(asset_returns, market_returns, window, out, ws, options);
  return out;
}

/// Rolling market beta of every column of a T x N panel against one market series, into
/// `out` with the scratch (the market's window moments, converted columns) in `ws`:
/// (T - window + 1) x N matrices, resized only when their shape differs, so a warm call
/// allocates nothing. The market's window moments are computed once for all assets.
/// A column vector is a Series and takes the series form, never this one.
/// \throws as the single-series rolling_beta; a NaN names its cell as assets(row, column).
template <class Derived, Series S, class Real>
  requires detail::panel<Derived>
void rolling_beta(const Eigen::MatrixBase<Derived>& assets, const S& market_returns, std::ptrdiff_t window,
                  rolling_beta_panel<Real>& out, typename rolling_beta_panel<Real>::workspace& ws,
                  rolling_beta_options options = {}) {
  detail::rolling_panel_into(assets, market_returns, window, out, ws, options);
}

/// The panel `out` form without a workspace (the signature before issue 18): a local
/// workspace, so it allocates on every call.
template <class Derived, Series S, class Real>
  requires detail::panel<Derived>
[[deprecated("pass a workspace: rolling_beta(assets, market, window, out, ws, options)")]] void rolling_beta(
    const Eigen::MatrixBase<Derived>& assets, const S& market_returns, std::ptrdiff_t window,
    rolling_beta_panel<Real>& out, rolling_beta_options options = {}) {
  typename rolling_beta_panel<Real>::workspace ws;
  rolling_beta(assets, market_returns, window, out, ws, options);
}

/// Rolling market beta of every column of a T x N panel -> rolling_beta_panel (see the `out`
/// form; in a loop, reuse one panel and workspace with that form to avoid touching fresh
/// memory).
/// \throws as the single-series rolling_beta.
template <class Derived, Series S>
  requires detail::panel<Derived>
[[nodiscard]] auto rolling_beta(const Eigen::MatrixBase<Derived>& assets, const S& market_returns,
                                std::ptrdiff_t window, rolling_beta_options options = {}) {
  using result = rolling_beta_panel<detail::result_t<typename Derived::Scalar, detail::value_t<S>>>;
  result out;
  typename result::workspace ws;
  detail::rolling_panel_into(assets, market_returns, window, out, ws, options);
  return out;
}

/// Beta of a portfolio: sum_i w_i beta_i, with w_i the positions' weights as fractions of
/// equity (negative for shorts; they need not sum to one when the book is levered or holds
/// cash). An empty portfolio has beta 0.
/// \throws invalid_input for different lengths, a NaN or infinity (naming the index), or a sum
///         that overflows.
/// Ref: Sharpe (1964); beta is linear in the weights.
template <Series S1, Series S2>
[[nodiscard]] auto portfolio_beta(const S1& weights, const S2& betas) {
  using real = detail::range_result_t<S1, S2>;
  return detail::rounded<real>("portfolio_beta", "portfolio beta", detail::exposure_sum("weights", weights, betas));
}

/// Beta of a portfolio from positions' signed market values: sum_i (v_i / equity) beta_i.
/// \throws invalid_input for different lengths, a NaN or infinity, an equity that is not
///         positive and finite, or a result that overflows.
/// Ref: Sharpe (1964).
template <Series S1, Series S2>
[[nodiscard]] auto portfolio_beta(const S1& market_values, const S2& betas, double equity) {
  using real = detail::range_result_t<S1, S2>;
  if (!(equity > 0 && std::isfinite(equity)))
    detail::throw_bad_option("portfolio_beta", "equity", equity, "positive and finite");
  return detail::rounded<real>("portfolio_beta", "portfolio beta",
                               detail::exposure_sum("market_values", market_values, betas, equity));
}

}  // namespace keel
