// SPDX-License-Identifier: MIT
// keel/volatility.hpp: how volatile a position is now, whether that is rising, how unusual it
// is, and how a portfolio's volatility splits across its positions.
//
// Synopsis
//   realized_volatility(returns, window, realized_volatility_options{})   -> Real
//   rolling_volatility(returns, window, opts)        -> rolling_volatility_result<Real>{volatilities}
//   rolling_volatility(dated, window, opts)          -> dated_rolling_volatility<Key, Real>{volatilities}
//   ewma_volatility(returns, ewma_volatility_options{})  -> ewma_volatility_result<Real>
//   volatility_trend(returns, volatility_trend_options{}) -> volatility_trend_result<Real>
//   volatility_percentile(returns, window, volatility_percentile_options{}) -> Real in (0, 1]
//   portfolio_volatility(weights, cov)               sqrt(w' Sigma w)
//   diversification_ratio(weights, cov)              sum_i |w_i| sigma_i / sigma_p
//   risk_contributions(weights, cov)                 -> risk_contributions_result<Real>
//   rolling_volatility(..., window, out, ws, opts)   into a reused result, its scratch in ws
//                                                    (R::workspace); a warm call allocates nothing
//   ewma_volatility(returns, out, opts)              into a reused result (it needs no scratch)
//   dated forms of the single-series functions drop missing (NaN) values first
//
// Conventions
//   - returns are simple per-period returns; volatilities are annualised by
//     sqrt(periods_per_year) (default 252: daily data; 1 gives per-period volatilities), in the
//     returns' units (0.2 = 20% a year). volatility_percentile and the portfolio functions do
//     not annualise (a rank has no unit; the portfolio functions keep cov's units).
//   - Realised volatility is the root mean square of the window (zero mean, the convention for
//     daily returns: RiskMetrics; Andersen, Bollerslev, Diebold and Labys 2001), or with
//     `demean` the sample standard deviation (n - 1; pandas' rolling std, empyrical's
//     annual_volatility).
//   - EWMA volatility follows RiskMetrics (1996): zero mean, lambda = 0.94 for daily data,
//     sigma^2_t = lambda sigma^2_{t-1} + (1 - lambda) r_t^2 seeded with sigma^2_0 = r_0^2;
//     element t uses returns up to t (RiskMetrics' forecast for t + 1).
//   - Weights are fractions of equity (shorts negative); cov is in the returns' units per
//     period (or annualised: results are in the same units as cov).
//
// Numerics: one fused shifted-sums pass with an exact two-pass fallback (detail/moments.hpp),
// never the one-pass sum-of-squares formula (NIST StRD: 13+ digits on Lew and PiDigits);
// rolling windows in O(n) on detail/window.hpp's sliding moments with exact restarts.
//
// References
//   J.P. Morgan/Reuters, RiskMetrics Technical Document, 4th ed. (1996), sec. 5.2; T. Andersen,
//   T. Bollerslev, F. Diebold and P. Labys, "The distribution of realized exchange rate
//   volatility", JASA 96 (2001); Y. Choueifaty and Y. Coignard, "Toward maximum
//   diversification", J. Portfolio Management 35 (2008); E. Qian, "Risk parity portfolios",
//   PanAgora (2005) and R. Litterman, "Hot spots and hedges" (1996) for Euler risk contributions.
/// \file
/// Realised and EWMA volatility, trend, percentile, portfolio volatility and risk contributions.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/present.hpp>
#include <keel/detail/traits.hpp>
#include <keel/detail/window.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of realized_volatility and rolling_volatility.
struct realized_volatility_options {
  /// The volatility is multiplied by sqrt(periods_per_year) (252: daily data); positive and finite.
  double periods_per_year = 252;
  /// false: root mean square (zero mean); true: sample standard deviation with n - 1.
  bool demean = false;
};

/// Options of ewma_volatility (RiskMetrics 1996).
struct ewma_volatility_options {
  /// Decay per period in (0, 1); RiskMetrics' 0.94 for daily, 0.97 for monthly data. A pandas
  /// span s is lambda = (s - 1) / (s + 1).
  double lambda = 0.94;
  /// Volatilities are multiplied by sqrt(periods_per_year); positive and finite.
  double periods_per_year = 252;
  /// recursive (default): the RiskMetrics recursion seeded with r_0^2 (pandas ewm(alpha = 1 -
  /// lambda, adjust=False) of r^2); normalized: weights lambda^(t-s) / sum over s <= t (pandas
  /// adjust=True; its first value is r_0^2 as well).
  ewma_weighting weighting = ewma_weighting::recursive;
};

/// Options of volatility_trend.
struct volatility_trend_options {
  /// Returns in the recent window (fewer than long_window).
  std::ptrdiff_t short_window = 30;
  /// Returns in the long window (the last long_window returns, which include the short window).
  std::ptrdiff_t long_window = 90;
  /// Relative gap that counts as a trend: increasing when short > long (1 + threshold),
  /// decreasing when short < long (1 - threshold); >= 0.
  double threshold = 0.1;
  /// Scales both volatilities by its square root (the direction does not depend on it).
  double periods_per_year = 252;
  /// Volatilities as sample standard deviations (true) or root mean squares (false).
  bool demean = false;
};

/// Options of volatility_percentile (the window is a positional argument).
struct volatility_percentile_options {
  /// Number of rolling volatilities ranked: those of the windows ending at the last `lookback`
  /// returns, the current one included.
  std::ptrdiff_t lookback = 252;
  /// Volatilities as sample standard deviations (true) or root mean squares (false).
  bool demean = false;
};

/// Direction of a volatility trend.
enum class trend_direction {
  decreasing,  ///< the recent window is calmer than the long one by more than the threshold
  stable,      ///< within the threshold
  increasing   ///< the recent window is more volatile than the long one by more than the threshold
};

/// The result of volatility_trend.
template <class Real = double>
struct volatility_trend_result {
  trend_direction direction = trend_direction::stable;  ///< see trend_direction
  /// |short - long| / max(short, long), in [0, 1]: 0 for equal volatilities, towards 1 as one
  /// dominates (0 when both are zero).
  Real strength{};
  Real short_volatility{};  ///< annualised volatility of the last short_window returns
  Real long_volatility{};   ///< annualised volatility of the last long_window returns
};

namespace detail {
/// Scratch of rolling_volatility's out form (its `workspace`): the sliding moments and the
/// returns converted to contiguous Acc, reused so that a warm call allocates nothing.
template <class Acc>
struct volatility_workspace {
  window_moments<Acc> windows;  ///< the sliding moments
  std::vector<Acc> scratch;     ///< the returns as contiguous Acc, when they are not
};
}  // namespace detail

/// Rolling volatilities: element k of `volatilities` is the annualised volatility of returns
/// [k, k + window) (n - window + 1 values, a Series).
template <class Real = double>
struct rolling_volatility_result {
  std::vector<Real> volatilities;  ///< annualised volatility per window
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::volatility_workspace<detail::accum_t<Real>>;
};

/// Rolling volatilities of a dated series: `volatilities` keyed by each window's last key
/// (missing values dropped first), a DatedSeries named like the input.
template <class Key, class Real = double>
struct dated_rolling_volatility {
  dated_series<Key, Real> volatilities;  ///< annualised volatility per window, keyed by window end
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::dated_rolling_workspace<Key, Real, rolling_volatility_result<Real>>;
};

/// The result of ewma_volatility.
template <class Real = double>
struct ewma_volatility_result {
  Real volatility{};               ///< the last (current) annualised EWMA volatility
  std::vector<Real> volatilities;  ///< the whole path: element t uses returns 0..t
};

/// The result of ewma_volatility on a dated series: the path keyed by date.
template <class Key, class Real = double>
struct dated_ewma_volatility {
  Real volatility{};                     ///< the last (current) annualised EWMA volatility
  dated_series<Key, Real> volatilities;  ///< the path, keyed like the (present) returns
};

/// The result of risk_contributions.
template <class Real = double>
struct risk_contributions_result {
  /// Euler contributions w_i (Sigma w)_i / sigma_p; they sum to `volatility`.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> contributions;
  /// contributions / volatility; they sum to 1 (a hedge has a negative fraction).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> fractions;
  /// The portfolio volatility sigma_p = sqrt(w' Sigma w).
  Real volatility{};
};

namespace detail {

/// Throws invalid_input unless window is at least 1 (2 with demean) and insufficient_data
/// unless n >= window.
inline void check_vol_window(std::string_view fn, std::string_view option, std::ptrdiff_t window, std::ptrdiff_t n,
                             bool demean) {
  const std::ptrdiff_t least = demean ? 2 : 1;
  if (window < least)
    throw_bad_option(fn, option, static_cast<double>(window), demean ? "at least 2 with demean" : "at least 1");
  require_observations(fn, window, n, "returns for one window");
}

/// Second moment of `window` values from f[lo]: the centred sum S (demean) or the sum of
/// squares; locates a non-finite value (by its index in the whole series) or an overflow.
template <class Acc, class R>
[[nodiscard]] Acc window_second_moment(std::string_view fn, const R& returns, std::ptrdiff_t lo, std::ptrdiff_t w,
                                       bool demean) {
  const auto run = [&](auto f) -> Acc {
    if (!demean) return sum_of_squares<Acc>(f, lo, lo + w);
    const Acc shift = pick_shift<Acc>(f + lo, w);
    const shifted_sum<Acc> s = sum_deviations<Acc>(f, lo, lo + w, shift);
    const auto dw = static_cast<Acc>(w);
    if (!s.finite()) return std::numeric_limits<Acc>::infinity();
    if (well_centred(s.x, s.xx, dw)) return s.xx - s.x * s.x / dw;
    return centred_about<Acc>(f, lo, lo + w, shift + s.x / dw).sxx;
  };
  const Acc* p = direct_data<Acc>(returns);
  const Acc m = p != nullptr ? run(p) : run(std::ranges::begin(returns));
  if (!std::isfinite(m)) throw_non_finite_or_overflow(fn, lo, lo + w, std::pair{std::string_view("returns"), &returns});
  return m;
}

/// An annualised volatility rounded to Real; invalid_input when it overflows (returns near the
/// top of the range times a large periods_per_year), never an infinity.
template <class Real, class Acc>
[[nodiscard]] Real finite_volatility(std::string_view fn, Acc v) {
  if (!std::isfinite(v)) throw_overflow(fn, "the annualised volatility");
  return rounded<Real>(fn, "volatility", v);
}

/// sqrt(periods_per_year * m / divisor) after the range checks: m a sum of squares over a window.
template <class Real, class Acc>
[[nodiscard]] Real annualised_vol(std::string_view fn, Acc m, std::ptrdiff_t lo, std::ptrdiff_t w, bool demean,
                                  double periods_per_year) {
  const auto dw = static_cast<Acc>(w);
  if (m > 0 && underflows(m, dw)) throw_underflow(fn, range_text("returns", lo, lo + w - 1), static_cast<double>(m));
  const Acc variance = std::max(m, Acc(0)) / (demean ? dw - 1 : dw);
  return finite_volatility<Real>(fn, std::sqrt(variance) * std::sqrt(static_cast<Acc>(periods_per_year)));
}

template <class Real, class S>
[[nodiscard]] Real realized_of(std::string_view fn, const S& returns, std::ptrdiff_t window, bool demean,
                               double periods_per_year, std::string_view window_option) {
  using acc = accum_t<Real>;
  check_periods_per_year(fn, periods_per_year);
  const std::ptrdiff_t n = ssize(returns);
  check_vol_window(fn, window_option, window, n, demean);
  const std::ptrdiff_t lo = n - window;
  return annualised_vol<Real>(fn, window_second_moment<acc>(fn, returns, lo, window, demean), lo, window, demean,
                              periods_per_year);
}

/// Every window's volatility into out (resized); the sliding moments of window.hpp give the
/// mean and centred S_xx of each window, so the mean square is S_xx / w + mean^2 (two positive
/// terms: no cancellation).
template <class S, class Real>
void rolling_volatility_into(std::string_view fn, const S& returns, std::ptrdiff_t window, std::vector<Real>& out,
                             volatility_workspace<accum_t<Real>>& ws, const realized_volatility_options& options) {
  using acc = accum_t<Real>;
  check_periods_per_year(fn, options.periods_per_year);
  const std::ptrdiff_t n = ssize(returns);
  check_vol_window(fn, "window", window, n, options.demean);
  const acc* x = contiguous_data<acc>(returns, ws.scratch);
  if (!rolling_moments(x, n, window, ws.windows))
    throw_non_finite_or_overflow(fn, 0, n, std::pair{std::string_view("returns"), &returns});
  const std::ptrdiff_t ends = ws.windows.size();
  out.resize(uz(ends));
  const auto dw = static_cast<acc>(window);
  const acc root_a = std::sqrt(static_cast<acc>(options.periods_per_year));  // sqrt(v) sqrt(a): no overflow of v a
  for (std::ptrdiff_t k = 0; k < ends; ++k) {
    const acc sxx = std::max(ws.windows.sxx[uz(k)], acc(0));
    const acc mean = ws.windows.mean[uz(k)];
    const acc m = options.demean ? sxx : sxx + dw * mean * mean;
    if (!std::isfinite(m)) throw_overflow(fn, "the sum of squares of " + range_text("returns", k, k + window - 1));
    if (m > 0 && underflows(m, dw))
      throw_underflow(fn, range_text("returns", k, k + window - 1), static_cast<double>(m));
    out[uz(k)] = finite_volatility<Real>(fn, std::sqrt(m / (options.demean ? dw - 1 : dw)) * root_a);
  }
}

/// The running EWMA variance of RiskMetrics (zero mean), one squared return at a time: shared by
/// ewma_volatility's path and online.hpp's streaming_ewma_volatility, so both give the same bits.
template <class Acc>
struct ewma_variance {
  Acc num = 0;               ///< normalized: sum lambda^(t-s) r_s^2
  Acc den = 0;               ///< normalized: sum lambda^(t-s)
  Acc var = 0;               ///< the current variance
  std::ptrdiff_t count = 0;  ///< squared returns added

  /// Adds r^2 = q with decay lambda; returns the new variance.
  Acc add(Acc q, Acc lambda, ewma_weighting weighting) {
    if (weighting == ewma_weighting::normalized) {
      num = lambda * num + q;
      den = lambda * den + 1;
      var = num / den;
    } else {
      var = count == 0 ? q : lambda * var + (1 - lambda) * q;
    }
    ++count;
    return var;
  }
};

/// Checks ewma_volatility_options.
inline void check_ewma_options(std::string_view fn, const ewma_volatility_options& options) {
  check_periods_per_year(fn, options.periods_per_year);
  if (!(options.lambda > 0 && options.lambda < 1)) throw_bad_option(fn, "lambda", options.lambda, "in (0, 1)");
}

/// The EWMA variance path of `returns` into out (volatilities), RiskMetrics zero mean.
template <class S, class Real>
void ewma_path(std::string_view fn, const S& returns, std::vector<Real>& out, const ewma_volatility_options& options) {
  using acc = accum_t<Real>;
  check_ewma_options(fn, options);
  const std::ptrdiff_t n = ssize(returns);
  require_observations(fn, 1, n, "returns");
  const auto lambda = static_cast<acc>(options.lambda);
  const acc root_a = std::sqrt(static_cast<acc>(options.periods_per_year));
  out.resize(uz(n));
  auto f = std::ranges::begin(returns);
  ewma_variance<acc> ewma;
  for (std::ptrdiff_t t = 0; t < n; ++t) {
    const auto r = static_cast<acc>(f[t]);
    if (!std::isfinite(r)) throw_non_finite(fn, "returns", t, static_cast<double>(f[t]));
    const acc var = ewma.add(r * r, lambda, options.weighting);
    if (!std::isfinite(var)) throw_overflow(fn, "the square of returns[" + std::to_string(t) + "]");
    out[uz(t)] = finite_volatility<Real>(fn, std::sqrt(var) * root_a);
  }
}

/// Checks weights against cov: sizes, finiteness; returns w and Sigma w in Acc.
template <class Acc, class W, class Derived>
void weights_and_product(std::string_view fn, const W& weights, const Eigen::MatrixBase<Derived>& cov,
                         Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& sw) {
  const std::ptrdiff_t n = ssize(weights);
  if (cov.rows() != cov.cols())
    throw invalid_input(
        message(fn, "cov is " + std::to_string(cov.rows()) + " x " + std::to_string(cov.cols()) + ", not square"));
  require_same_size(fn, "weights", n, "cov (rows)", cov.rows());
  require_finite(fn, "weights", weights);
  require_finite_cells(fn, "cov", cov);
  w.resize(n);
  auto f = std::ranges::begin(weights);
  for (std::ptrdiff_t i = 0; i < n; ++i) w(i) = static_cast<Acc>(f[i]);
  sw.noalias() = cov.template cast<Acc>() * w;
  if (!sw.allFinite()) throw_overflow(fn, "cov x weights");
}

/// w' Sigma w. A value within rounding of zero, |w' Sigma w| <= 8 (N + 1) eps sum |w_i|
/// |Sigma_ij| |w_j| (a hedged book on a singular PSD Sigma), is 0; a clearly negative value (Sigma
/// not PSD along w) is invalid_input.
template <class Acc, class Derived>
[[nodiscard]] Acc quadratic_form(std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w,
                                 const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& sw,
                                 const Eigen::MatrixBase<Derived>& cov) {
  const Acc q = w.dot(sw);
  if (!std::isfinite(q)) throw_overflow(fn, "w' cov w");
  const Acc scale = w.cwiseAbs().dot(cov.template cast<Acc>().cwiseAbs() * w.cwiseAbs());
  if (std::fabs(q) <= 8 * static_cast<Acc>(w.size() + 1) * std::numeric_limits<Acc>::epsilon() * scale) return Acc(0);
  if (q > 0) return q;
  throw invalid_input(
      message(fn, "w' cov w = " + number_text(static_cast<double>(q)) + " < 0: cov is not positive semi-definite"));
}

}  // namespace detail

/// Realised volatility of the last `window` returns, annualised.
///
/// \f[ \sigma = \sqrt{a \frac{1}{w}\sum r_t^2}\quad\text{or, with demean,}\quad
///     \sqrt{a \frac{1}{w-1}\sum (r_t - \bar r)^2} \f]
/// over the last w = window returns, a = periods_per_year. An all-zero window gives 0.
/// \pre window >= 1 (>= 2 with demean) and window <= n; finite returns; periods_per_year > 0.
/// \returns the volatility in the returns' floating type (float computed in double).
/// \throws invalid_input for a bad option, a NaN or infinity (naming returns[i]) or values out
///         of range (sums that overflow or underflow); insufficient_data when n < window.
/// Accuracy: NIST StRD sample standard deviations (demean, a = 1) to 13+ digits on Lew and
/// PiDigits, 8 on NumAcc4. Ref: Andersen, Bollerslev, Diebold & Labys, JASA 96 (2001).
template <PlainSeries S>
[[nodiscard]] auto realized_volatility(const S& returns, std::ptrdiff_t window,
                                       realized_volatility_options options = {}) {
  return detail::realized_of<detail::value_t<S>>("realized_volatility", returns, window, options.demean,
                                                 options.periods_per_year, "window");
}

/// Realised volatility of a dated series: its last `window` present (non-NaN) returns.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto realized_volatility(const D& returns, std::ptrdiff_t window,
                                       realized_volatility_options options = {}) {
  std::vector<key_type_t<D>> kept_keys;
  std::vector<value_type_t<D>> kept;
  detail::present_values("realized_volatility", returns, kept_keys, kept);
  return realized_volatility(kept, window, options);
}

/// Rolling realised volatility into a reused result, its scratch in `ws` (a warm call
/// allocates nothing): element k of out.volatilities is realized_volatility of returns
/// [k, k + window), every one in O(1) after an O(n) pass on the shared sliding-window kernel,
/// O(n) whatever the window. Each equals realized_volatility of its window to 1e-12 relative
/// (the tests check every window of real data).
/// \throws as realized_volatility (naming the window for out-of-range values).
template <PlainSeries S, class Real>
void rolling_volatility(const S& returns, std::ptrdiff_t window, rolling_volatility_result<Real>& out,
                        typename rolling_volatility_result<Real>::workspace& ws,
                        realized_volatility_options options = {}) {
  detail::rolling_volatility_into("rolling_volatility", returns, window, out.volatilities, ws, options);
}

/// The `out` form without a workspace (the signature before issue 18): a local workspace, so
/// it allocates on every call.
template <PlainSeries S, class Real>
[[deprecated("pass a workspace: rolling_volatility(returns, window, out, ws, options)")]] void rolling_volatility(
    const S& returns, std::ptrdiff_t window, rolling_volatility_result<Real>& out,
    realized_volatility_options options = {}) {
  typename rolling_volatility_result<Real>::workspace ws;
  rolling_volatility(returns, window, out, ws, options);
}

/// Rolling realised volatility -> rolling_volatility_result{volatilities}: n - window + 1
/// volatilities (a Series). See the `out` form.
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] auto rolling_volatility(const S& returns, std::ptrdiff_t window,
                                      realized_volatility_options options = {}) {
  using result = rolling_volatility_result<detail::value_t<S>>;
  result out;
  typename result::workspace ws;
  rolling_volatility(returns, window, out, ws, options);
  return out;
}

/// Rolling realised volatility of a dated series into a reused result, its scratch in `ws`:
/// missing (NaN) values dropped, each volatility keyed by its window's last key, the series
/// named like the input (a warm call allocates nothing; `out` is left as it was when the call
/// throws).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D, class Key, class Real>
void rolling_volatility(const D& returns, std::ptrdiff_t window, dated_rolling_volatility<Key, Real>& out,
                        typename dated_rolling_volatility<Key, Real>::workspace& ws,
                        realized_volatility_options options = {}) {
  detail::present_values("rolling_volatility", returns, ws.keys, ws.values);
  rolling_volatility(ws.values, window, ws.rolled, ws.rolled_ws, options);
  detail::dated_series_access::keys(out.volatilities).assign(ws.keys.begin() + (window - 1), ws.keys.end());
  detail::dated_series_access::values(out.volatilities) = ws.rolled.volatilities;
  detail::dated_series_access::name(out.volatilities) = detail::series_name(returns, {});
}

/// The dated `out` form without a workspace (the signature before issue 18): a local
/// workspace, so it allocates on every call.
template <DatedSeries D, class Key, class Real>
[[deprecated("pass a workspace: rolling_volatility(returns, window, out, ws, options)")]] void rolling_volatility(
    const D& returns, std::ptrdiff_t window, dated_rolling_volatility<Key, Real>& out,
    realized_volatility_options options = {}) {
  typename dated_rolling_volatility<Key, Real>::workspace ws;
  rolling_volatility(returns, window, out, ws, options);
}

/// Rolling realised volatility of a dated series -> dated_rolling_volatility{volatilities}
/// (see the `out` form).
/// \throws as the `out` form.
template <DatedSeries D>
[[nodiscard]] auto rolling_volatility(const D& returns, std::ptrdiff_t window,
                                      realized_volatility_options options = {}) {
  using result = dated_rolling_volatility<key_type_t<D>, value_type_t<D>>;
  result out;
  typename result::workspace ws;
  rolling_volatility(returns, window, out, ws, options);
  return out;
}

/// RiskMetrics EWMA volatility and its whole path, into a reused result.
///
/// \f[ \sigma^2_0 = r_0^2,\quad \sigma^2_t = \lambda \sigma^2_{t-1} + (1-\lambda) r_t^2,\quad
///     \text{vol}_t = \sqrt{a\,\sigma^2_t} \f]
/// (weighting = normalized: sigma^2_t = sum_{s<=t} lambda^(t-s) r_s^2 / sum_{s<=t} lambda^(t-s)).
/// Element t uses returns 0..t: RiskMetrics' forecast for t + 1. Zero mean.
/// \pre 0 < lambda < 1; periods_per_year > 0; n >= 1; finite returns.
/// Fills `out` with ewma_volatility_result{volatility (the last), volatilities (the path, n values)}.
/// \throws invalid_input for a bad option, a NaN or infinity (naming returns[i]) or a square
///         that overflows; insufficient_data for no returns.
/// Ref: RiskMetrics Technical Document, 4th ed. (1996), sec. 5.2.1, eq. 5.3.
template <PlainSeries S, class Real>
void ewma_volatility(const S& returns, ewma_volatility_result<Real>& out, ewma_volatility_options options = {}) {
  detail::ewma_path("ewma_volatility", returns, out.volatilities, options);
  out.volatility = out.volatilities.back();
}

/// RiskMetrics EWMA volatility -> ewma_volatility_result (see the `out` form).
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] auto ewma_volatility(const S& returns, ewma_volatility_options options = {}) {
  ewma_volatility_result<detail::value_t<S>> out;
  ewma_volatility(returns, out, options);
  return out;
}

/// RiskMetrics EWMA volatility of a dated series: missing (NaN) values dropped, the path keyed
/// by the dates of the present returns.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto ewma_volatility(const D& returns, ewma_volatility_options options = {}) {
  using real = value_type_t<D>;
  std::vector<key_type_t<D>> kept_keys;
  std::vector<real> kept, path;
  detail::present_values("ewma_volatility", returns, kept_keys, kept);
  detail::ewma_path("ewma_volatility", kept, path, options);
  dated_ewma_volatility<key_type_t<D>, real> out;
  out.volatility = path.back();
  out.volatilities = dated_series<key_type_t<D>, real>(std::move(kept_keys), std::move(path),
                                                       std::string(detail::series_name(returns, {})));
  return out;
}

/// Whether volatility is rising or falling: the last short_window returns against the last
/// long_window (realized_volatility of each).
///
/// increasing when s > l (1 + threshold), decreasing when s < l (1 - threshold), else stable
/// (both zero: stable); strength = |s - l| / max(s, l) in [0, 1].
/// \pre 1 <= short_window < long_window <= n (2 <= with demean); threshold >= 0, finite.
/// \returns volatility_trend_result{direction, strength, short_volatility, long_volatility}.
/// \throws invalid_input for bad options or returns as realized_volatility; insufficient_data
///         when n < long_window.
/// Ref: volatility regimes as ratios of short to long realised volatility (e.g. Sinclair,
/// Volatility Trading, 2nd ed., ch. 2).
template <PlainSeries S>
[[nodiscard]] auto volatility_trend(const S& returns, volatility_trend_options options = {}) {
  using real = detail::value_t<S>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "volatility_trend";
  if (!(options.short_window < options.long_window))
    detail::throw_bad_option(fn, "short_window", static_cast<double>(options.short_window),
                             "less than long_window = " + std::to_string(options.long_window));
  if (!(options.threshold >= 0 && std::isfinite(options.threshold)))
    detail::throw_bad_option(fn, "threshold", options.threshold, "finite and >= 0");
  volatility_trend_result<real> out;
  const auto s = static_cast<acc>(detail::realized_of<real>(fn, returns, options.short_window, options.demean,
                                                            options.periods_per_year, "short_window"));
  const auto l = static_cast<acc>(detail::realized_of<real>(fn, returns, options.long_window, options.demean,
                                                            options.periods_per_year, "long_window"));
  const auto h = static_cast<acc>(options.threshold);
  out.short_volatility = static_cast<real>(s);
  out.long_volatility = static_cast<real>(l);
  out.direction = s > l * (1 + h)   ? trend_direction::increasing
                  : s < l * (1 - h) ? trend_direction::decreasing
                                    : trend_direction::stable;
  const acc top = std::max(s, l);
  out.strength = top > 0 ? static_cast<real>(std::fabs(s - l) / top) : real(0);
  return out;
}

/// volatility_trend of a dated series (missing values dropped first).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto volatility_trend(const D& returns, volatility_trend_options options = {}) {
  std::vector<key_type_t<D>> kept_keys;
  std::vector<value_type_t<D>> kept;
  detail::present_values("volatility_trend", returns, kept_keys, kept);
  return volatility_trend(kept, options);
}

/// How unusual the current volatility is: the share of the last `lookback` rolling
/// volatilities (window `window`, the current one included) at or below the current one.
///
/// percentile = #{k : vol_k <= vol_now} / lookback, in [1 / lookback, 1]. Not annualised (a
/// rank does not depend on the scale).
/// \pre window >= 1 (2 with demean), lookback >= 1, n >= window + lookback - 1; finite returns.
/// \returns the percentile in the returns' floating type.
/// \throws invalid_input for bad options or returns (as rolling_volatility);
///         insufficient_data when n < window + lookback - 1.
/// Ref: empirical CDF rank of the current value (Hyndman & Fan 1996, the ECDF at x).
template <PlainSeries S>
[[nodiscard]] auto volatility_percentile(const S& returns, std::ptrdiff_t window,
                                         volatility_percentile_options options = {}) {
  using real = detail::value_t<S>;
  constexpr std::string_view fn = "volatility_percentile";
  if (options.lookback < 1)
    detail::throw_bad_option(fn, "lookback", static_cast<double>(options.lookback), "at least 1");
  const std::ptrdiff_t n = detail::ssize(returns);
  const std::ptrdiff_t need = window + options.lookback - 1;
  if (window >= 1 && n < need) detail::require_observations(fn, need, n, "returns (window + lookback - 1)");
  std::vector<real> path;
  detail::volatility_workspace<detail::accum_t<real>> ws;
  detail::rolling_volatility_into(fn, returns, window, path, ws,
                                  realized_volatility_options{.periods_per_year = 1, .demean = options.demean});
  const real now = path.back();
  std::ptrdiff_t at_or_below = 0;
  for (std::ptrdiff_t k = detail::ssize(path) - options.lookback; k < detail::ssize(path); ++k)
    if (path[detail::uz(k)] <= now) ++at_or_below;
  return static_cast<real>(static_cast<double>(at_or_below) / static_cast<double>(options.lookback));
}

/// volatility_percentile of a dated series (missing values dropped first).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto volatility_percentile(const D& returns, std::ptrdiff_t window,
                                         volatility_percentile_options options = {}) {
  std::vector<key_type_t<D>> kept_keys;
  std::vector<value_type_t<D>> kept;
  detail::present_values("volatility_percentile", returns, kept_keys, kept);
  return volatility_percentile(kept, window, options);
}

/// Portfolio volatility sqrt(w' Sigma w), in the units of cov (per period or annualised): it
/// does not annualise itself.
/// w' Sigma w within rounding of zero (|q| <= 8 (N + 1) eps sum |w_i| |Sigma_ij| |w_j|: a perfect
/// hedge on a singular Sigma) gives exactly 0, not the square root of a rounding error.
/// \pre cov square N x N, weights of N values, all finite; Sigma PSD along w.
/// \returns sigma_p in the common floating type of weights and cov.
/// \throws invalid_input for sizes that differ, a NaN or infinity (naming weights[i] or cov(i,
///         j)), an overflow, or w' Sigma w clearly negative (cov not PSD).
/// Ref: Markowitz, "Portfolio selection", J. Finance 7 (1952).
template <Series S, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto portfolio_volatility(const S& weights, const Eigen::MatrixBase<Derived>& cov) {
  using real = detail::result_t<detail::value_t<S>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "portfolio_volatility";
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w, sw;
  detail::weights_and_product(fn, weights, cov, w, sw);
  return detail::rounded<real>(fn, "volatility", std::sqrt(detail::quadratic_form(fn, w, sw, cov)));
}

/// Diversification ratio sum_i |w_i| sigma_i / sigma_p (Choueifaty & Coignard 2008): 1 for a
/// single asset or perfectly correlated ones, larger the more the positions offset. A
/// perfectly hedged book (sigma_p = 0 with risky positions) has ratio +inf, documented.
/// Not annualised (a ratio of volatilities has no time unit).
/// \pre as portfolio_volatility; cov's diagonal >= 0.
/// \returns the ratio (>= 1 for long-only weights).
/// \throws as portfolio_volatility; invalid_input for a negative variance; singular_problem when
///         numerator and sigma_p are both 0 (no risk at all: the ratio is undefined).
/// Ref: Choueifaty & Coignard, J. Portfolio Management 35 (2008) 40-51.
template <Series S, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto diversification_ratio(const S& weights, const Eigen::MatrixBase<Derived>& cov) {
  using real = detail::result_t<detail::value_t<S>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "diversification_ratio";
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w, sw;
  detail::weights_and_product(fn, weights, cov, w, sw);
  acc numerator = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const auto v = static_cast<acc>(cov(i, i));
    if (v < 0)
      throw invalid_input(detail::message(fn, detail::cell_text("cov", i, i) + " = " +
                                                  detail::number_text(static_cast<double>(v)) +
                                                  " is a negative variance"));
    numerator += std::fabs(w(i)) * std::sqrt(v);
  }
  const acc sigma = std::sqrt(detail::quadratic_form(fn, w, sw, cov));
  if (sigma == 0) {
    if (numerator == 0)
      throw singular_problem(
          detail::message(fn, "the portfolio and its positions have zero volatility: the ratio is 0 / 0"));
    return std::numeric_limits<real>::infinity();
  }
  return detail::rounded<real>(fn, "diversification ratio", numerator / sigma);
}

/// Euler risk contributions RC_i = w_i (Sigma w)_i / sigma_p, which sum to sigma_p, and their
/// fractions RC_i / sigma_p, which sum to 1 (volatility is homogeneous of degree one in w).
/// In the units of cov: it does not annualise itself.
/// \pre as portfolio_volatility; sigma_p > 0.
/// \returns risk_contributions_result{contributions, fractions, volatility}.
/// \throws as portfolio_volatility; singular_problem when sigma_p = 0 (no risk to split).
/// Ref: Litterman, "Hot spots and hedges", Goldman Sachs (1996); Qian, PanAgora (2005).
template <Series S, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto risk_contributions(const S& weights, const Eigen::MatrixBase<Derived>& cov) {
  using real = detail::result_t<detail::value_t<S>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "risk_contributions";
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w, sw;
  detail::weights_and_product(fn, weights, cov, w, sw);
  const acc sigma = std::sqrt(detail::quadratic_form(fn, w, sw, cov));
  if (!(sigma > 0))
    throw singular_problem(detail::message(fn, "the portfolio volatility is 0: there is no risk to split"));
  risk_contributions_result<real> out;
  const Eigen::Matrix<acc, Eigen::Dynamic, 1> rc = w.cwiseProduct(sw) / sigma;
  out.contributions = rc.template cast<real>();
  out.fractions = (rc / sigma).template cast<real>();
  out.volatility = detail::rounded<real>(fn, "volatility", sigma);
  return out;
}

}  // namespace keel
