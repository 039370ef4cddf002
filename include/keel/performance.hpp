// SPDX-License-Identifier: MIT
// keel/performance.hpp: the performance ratios of a return series, with empyrical's definitions.
//
// Synopsis
//   max_drawdown(returns)                    -> drawdown{depth, peak, trough, recovery, duration, recovery_length}
//   max_drawdown_from_values(values)         the same from a value (price, NAV) path
//   drawdown_series(returns)                 the underwater curve: depth below the running peak per period
//   top_drawdowns(returns, count)            the `count` deepest non-overlapping drawdowns, deepest first
//   annual_return(returns, annual_options)   CAGR: prod(1 + r)^(p / n) - 1
//   annual_volatility(returns, ...)          sample standard deviation x sqrt(p)
//   sharpe_ratio(returns, ratio_options)     mean(r - rf) / sd(r) x sqrt(p)
//   downside_risk(returns, sortino_options)  sqrt(mean(min(r - mar, 0)^2)) x sqrt(p)
//   sortino_ratio(returns, sortino_options)  mean(r - mar) x p / downside_risk
//   calmar_ratio(returns, annual_options)    annual_return / max drawdown depth
//   omega_ratio(returns, omega_options)      sum (r - t)+ / sum (t - r)+
//   tail_ratio(returns)                      |95th percentile| / |5th percentile|
//   stability(returns)                       R^2 of cumulative log returns on time
//   treynor_ratio(returns, market, ratio_options)        annual_return(r - rf) / beta
//   tracking_error(returns, benchmark, ...)              sd(r - b) x sqrt(p)
//   information_ratio(returns, benchmark, ...)           mean(r - b) / sd(r - b) x sqrt(p)
//   capture_ratios(returns, market, annual_options)      -> capture{up, down, ratio}
//   alpha_beta(returns, market, ratio_options)           -> alpha_beta_fit{alpha, beta, period_alpha, r_squared, n}
//   rolling_sharpe(returns, window[, out, ws], ratio_options) -> rolling_sharpe_result{sharpe_ratios}
//   rolling_max_drawdown(returns, window[, out, ws])          -> rolling_drawdown_result{depths}
//   (an `out` form fills a reused result with a reused R::workspace, the scratch a warm call
//   needs to allocate nothing; results hold only what they document)
//   (rolling beta is keel::rolling_beta in keel/beta.hpp)
//   Every function that takes a series also takes a dated series (DatedSeries): two series are
//   aligned on their keys first (align); one series is its observed values (NaN rows skipped),
//   a bad value named by its key; results keep the keys (drawdown peak, trough and recovery as
//   keys; rolling results keyed by window end).
//
// Conventions
//   - Simple returns per period. The risk-free rate (`risk_free`) and the minimum acceptable
//     return of Sortino (`required_return`) are per period, in the units of the returns;
//     omega_ratio's `required_return` is annual and converted as empyrical does. `p` is the
//     options' `periods_per_year` (252 daily, 52 weekly, 12 monthly; 1 gives per-period
//     figures); every function that annualises takes it, and the others say they do not.
//   - Losses are positive: a drawdown depth of 0.35 is 35% below the peak (empyrical returns
//     -0.35). Wealth starts at 1 before the first return.
//   - Sample standard deviations use n - 1 (numpy ddof = 1), as empyrical's.
//   - Degenerate inputs never give NaN: too few observations is insufficient_data; a ratio with
//     a zero denominator and a nonzero numerator is +-inf (mathematically infinite: a Sortino
//     ratio with no losing period); 0 / 0 is singular_problem; a return below -1 (a loss of
//     more than 100%) is invalid_input wherever returns are compounded; NaN and infinities are
//     invalid_input naming their index, except that in a dated series NaN means missing and
//     the row is skipped (as align does).
//   - Sums accumulate in accum_t (double for float); results are in the inputs' common type.
//
// References
//   W. F. Sharpe, "The Sharpe ratio", J. Portfolio Management 21 (1994); F. A. Sortino and
//   L. N. Price, "Performance measurement in a downside risk framework", J. Investing 3 (1994);
//   T. W. Young, "Calmar ratio", Futures (1991); C. Keating and W. F. Shadwick, "A universal
//   performance measure", J. Performance Measurement 6 (2002) (omega); J. L. Treynor, "How to
//   rate management of investment funds", Harvard Business Review 43 (1965); R. C. Grinold and
//   R. N. Kahn, Active Portfolio Management, 2nd ed. (2000), ch. 5 (information ratio); C. Bacon,
//   Practical Portfolio Performance Measurement and Attribution, 2nd ed. (2008), ch. 4;
//   empyrical 0.5.5 (quantopian/empyrical, stats.py), whose numbers keel reproduces.
/// \file
/// Drawdowns and risk-adjusted performance ratios (empyrical conventions).
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

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/compound.hpp>
#include <keel/detail/drawdown.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/present.hpp>
#include <keel/detail/quantile.hpp>
#include <keel/detail/traits.hpp>
#include <keel/detail/window.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of annual_return, annual_volatility, calmar_ratio and capture_ratios.
struct annual_options {
  double periods_per_year = 252;  ///< 252 daily, 52 weekly, 12 monthly; positive and finite
};

/// Options of sharpe_ratio, rolling_sharpe, treynor_ratio and alpha_beta.
struct ratio_options {
  double risk_free = 0;           ///< risk-free rate per period, in the units of the returns
  double periods_per_year = 252;  ///< positive and finite; 1 gives the per-period ratio
};

/// Options of sortino_ratio and downside_risk.
struct sortino_options {
  double required_return = 0;     ///< minimum acceptable return per period (empyrical's required_return)
  double periods_per_year = 252;  ///< positive and finite; 1 gives the per-period figure
};

/// Options of omega_ratio (empyrical's conventions: a per-period risk-free rate and an annual
/// threshold converted to (1 + required_return)^(1 / periods_per_year) - 1 per period).
struct omega_options {
  double risk_free = 0;           ///< risk-free rate per period, subtracted from every return
  double required_return = 0;     ///< annual threshold, > -1 (used as is when periods_per_year = 1)
  double periods_per_year = 252;  ///< positive and finite
};

/// Options of tracking_error: always annualised, sd(r - b) x sqrt(periods_per_year)
/// (PerformanceAnalytics' TrackingError); periods_per_year = 1 gives the per-period figure.
struct tracking_error_options {
  double periods_per_year = 252;  ///< positive and finite
};

/// Options of information_ratio: always annualised, mean / sd of r - b x sqrt(periods_per_year)
/// (Grinold and Kahn's annual IR); periods_per_year = 1 gives empyrical's excess_sharpe.
struct information_ratio_options {
  double periods_per_year = 252;  ///< positive and finite
};

/// A drawdown of a series: how far wealth fell below a peak, and when. Indices count periods of
/// the input: for returns, index i is the wealth just after returns[i] and -1 the starting
/// wealth of 1; for values, index i is values[i].
template <class Real = double>
struct drawdown {
  Real depth{};                            ///< 1 - trough / peak, in [0, 1]: 0.35 = 35% below the peak
  std::ptrdiff_t peak = -1;                ///< the peak (-1: the starting wealth, or no drawdown)
  std::ptrdiff_t trough = -1;              ///< the lowest point (-1 only when depth = 0)
  std::optional<std::ptrdiff_t> recovery;  ///< first point back at or above the peak; empty if none yet
  std::ptrdiff_t duration = 0;             ///< periods from peak to trough
  std::ptrdiff_t recovery_length = 0;      ///< periods from trough to recovery, or to the last point if none
};

/// A drawdown of a dated series: the same, with keys for points (an empty key is the starting
/// wealth before the first return, or no drawdown at all).
template <class Key, class Real = double>
struct dated_drawdown {
  Real depth{};                        ///< 1 - trough / peak, in [0, 1]
  std::optional<Key> peak;             ///< key of the peak; empty: the starting wealth (or no drawdown)
  std::optional<Key> trough;           ///< key of the lowest point; empty when depth = 0
  std::optional<Key> recovery;         ///< key of the first point back at the peak; empty if none yet
  std::ptrdiff_t duration = 0;         ///< periods (observed rows) from peak to trough
  std::ptrdiff_t recovery_length = 0;  ///< periods from trough to recovery, or to the last row if none
};

/// Up- and down-market capture (empyrical's up_capture, down_capture, up_down_capture).
template <class Real = double>
struct capture {
  Real up{};     ///< annual_return(r | m > 0) / annual_return(m | m > 0)
  Real down{};   ///< annual_return(r | m < 0) / annual_return(m | m < 0)
  Real ratio{};  ///< up / down
};

/// Alpha and beta against a market (empyrical's alpha_beta, plus the period alpha and R^2).
template <class Real = double>
struct alpha_beta_fit {
  Real alpha{};         ///< annualised as empyrical compounds it: (1 + period_alpha)^periods_per_year - 1
  Real beta{};          ///< cov(r, m) / var(m), the OLS slope
  Real period_alpha{};  ///< OLS intercept of r - rf on m - rf, per period
  Real r_squared{};     ///< share of the returns' variance the market explains, in [0, 1]
  std::ptrdiff_t n{};   ///< observations used (common keys for dated series)
};

namespace detail {
/// Scratch of rolling_sharpe's `out` forms (rolling_sharpe_result::workspace).
template <class Acc>
struct rolling_sharpe_workspace {
  window_moments<Acc> moments;  ///< each window's mean and centred sum of squares
  std::vector<Acc> scratch;     ///< the returns as contiguous Acc, when they are not
};

}  // namespace detail

/// rolling_sharpe of a series: element k is the Sharpe ratio of the window [k, k + window).
template <class Real = double>
struct rolling_sharpe_result {
  std::vector<Real> sharpe_ratios;  ///< annualised Sharpe ratio per window
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::rolling_sharpe_workspace<detail::accum_t<Real>>;
};

/// rolling_sharpe of a dated series: keyed by each window's last key.
template <class Key, class Real = double>
struct dated_rolling_sharpe {
  dated_series<Key, Real> sharpe_ratios;  ///< annualised Sharpe ratio per window
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::dated_rolling_workspace<Key, Real, rolling_sharpe_result<Real>>;
};

/// rolling_max_drawdown of a series: element k is the maximum drawdown depth of the window of
/// returns [k, k + window), wealth starting at 1 before returns[k].
template <class Real = double>
struct rolling_drawdown_result {
  std::vector<Real> depths;  ///< maximum drawdown depth per window, in [0, 1]
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::window_drawdown_workspace<detail::accum_t<Real>>;
};

/// rolling_max_drawdown of a dated series: keyed by each window's last key.
template <class Key, class Real = double>
struct dated_rolling_drawdown {
  dated_series<Key, Real> depths;  ///< maximum drawdown depth per window
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call
  using workspace = detail::dated_rolling_workspace<Key, Real, rolling_drawdown_result<Real>>;
};

namespace detail::perf {

/// Throws invalid_input unless an option that is a rate is finite.
inline void check_rate(std::string_view fn, std::string_view option, double rate) {
  if (!std::isfinite(rate)) throw_bad_option(fn, option, rate, "finite");
}

/// Throws invalid_input naming the first NaN or infinity of `r`, or the first return below -1.
template <class R>
void check_compoundable(std::string_view fn, std::string_view name, const R& r) {
  auto f = std::ranges::begin(r);
  for (std::ptrdiff_t i = 0; i < ssize(r); ++i) {
    const auto v = f[i];
    if (!std::isfinite(v)) throw_non_finite(fn, name, i, static_cast<double>(v));
    if (v < -1) throw_below(fn, element_text(name, i), static_cast<double>(v), -1, compounding_rule);
  }
}

/// Observed rows of a dated series, owned (the dated drawdown forms).
template <class D>
struct rows {
  std::vector<key_type_t<D>> keys;
  std::vector<value_type_t<D>> values;
};

template <class D>
[[nodiscard]] rows<D> observed(std::string_view fn, const D& d, bool compounding,
                               std::string_view fallback = "returns") {
  rows<D> out;
  observed_rows(fn, d, &out.keys, out.values, compounding, fallback);
  return out;
}

/// Runs the episodes of a return series (start at -1) or of a value path (start at 0).
template <bool Values, class Acc, class R, class Point, class Close>
void path_episodes(const R& r, Point&& point, Close&& close) {
  auto f = std::ranges::begin(r);
  const std::ptrdiff_t n = ssize(r);
  if constexpr (Values) {
    Acc peak = static_cast<Acc>(f[0]);
    point(0, Acc(0));
    const auto step = [&](std::ptrdiff_t t, Acc) {
      const Acc v = static_cast<Acc>(f[t]);
      const Acc u = (v - peak) / peak;
      if (u >= 0) peak = v;
      return u;
    };
    (void)walk_episodes<Acc>(0, n, step, point, close);
  } else {
    const auto step = [&](std::ptrdiff_t t, Acc u) { return u + static_cast<Acc>(f[t]) * (1 + u); };
    (void)walk_episodes<Acc>(-1, n, step, point, close);
  }
}

template <class Real, class Acc>
[[nodiscard]] drawdown<Real> to_drawdown(const episode<Acc>& e, std::ptrdiff_t n) {
  drawdown<Real> d;
  d.depth = static_cast<Real>(e.depth);
  d.peak = e.peak;
  d.trough = e.trough;
  if (e.trough < 0) return d;  // no drawdown: peak = trough = -1, durations 0
  if (e.recovery >= 0) d.recovery = e.recovery;
  d.duration = e.trough - e.peak;
  d.recovery_length = (e.recovery >= 0 ? e.recovery : n - 1) - e.trough;
  return d;
}

/// The deepest drawdown (the earliest of equal depths) of returns or values.
template <bool Values, class R>
[[nodiscard]] auto deepest(std::string_view fn, const R& r) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  require_observations(fn, 1, ssize(r));
  if constexpr (Values) {
    auto f = std::ranges::begin(r);
    for (std::ptrdiff_t i = 0; i < ssize(r); ++i) {
      if (!std::isfinite(f[i])) throw_non_finite(fn, "values", i, static_cast<double>(f[i]));
      if (!(f[i] > 0))
        throw invalid_input(message(
            fn, element_text("values", i) + " = " + number_text(static_cast<double>(f[i])) + " is not positive"));
    }
  } else {
    check_compoundable(fn, "returns", r);
  }
  episode<acc> best;
  path_episodes<Values, acc>(
      r, [](std::ptrdiff_t, acc) {},
      [&](const episode<acc>& e) {
        if (e.depth > best.depth) best = e;
      });
  return to_drawdown<real>(best, ssize(r));
}

template <class Key, class Real>
[[nodiscard]] dated_drawdown<Key, Real> to_dated(const drawdown<Real>& d, const std::vector<Key>& keys) {
  dated_drawdown<Key, Real> out;
  out.depth = d.depth;
  if (d.peak >= 0) out.peak = keys[uz(d.peak)];
  if (d.trough >= 0) out.trough = keys[uz(d.trough)];
  if (d.recovery) out.recovery = keys[uz(*d.recovery)];
  out.duration = d.duration;
  out.recovery_length = d.recovery_length;
  return out;
}

/// The underwater curve of returns into out[0, n) (checked by the caller).
template <class R, class O>
void underwater(const R& r, O out) {
  using acc = accum_t<value_t<R>>;
  using out_t = std::remove_cvref_t<decltype(out[0])>;
  path_episodes<false, acc>(
      r, [&](std::ptrdiff_t t, acc u) { out[t] = u < 0 ? static_cast<out_t>(-u) : out_t(0); },
      [](const episode<acc>&) {});
}

template <class R>
[[nodiscard]] auto all_episodes(std::string_view fn, const R& r, std::ptrdiff_t count) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  if (count < 0) throw_bad_option(fn, "count", static_cast<double>(count), "at least 0");
  require_observations(fn, 1, ssize(r));
  check_compoundable(fn, "returns", r);
  std::vector<episode<acc>> found;
  path_episodes<false, acc>(
      r, [](std::ptrdiff_t, acc) {}, [&](const episode<acc>& e) { found.push_back(e); });
  const auto keep = std::min<std::size_t>(found.size(), uz(count));
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const episode<acc>& a, const episode<acc>& b) {
                      return a.depth > b.depth || (a.depth == b.depth && a.peak < b.peak);
                    });
  std::vector<drawdown<real>> out;
  out.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i) out.push_back(to_drawdown<real>(found[i], ssize(r)));
  return out;
}

/// mean and S_xx of returns with at least `least` observations, named "returns".
template <class Acc, class R>
[[nodiscard]] moments<Acc> return_moments(std::string_view fn, const R& r, std::ptrdiff_t least) {
  require_observations(fn, least, ssize(r));
  const moments<Acc> m = centred_moments<Acc>(fn, r, "returns");
  const Acc n = static_cast<Acc>(ssize(r));
  if (!numerically_zero_variance(m.sxx, m.mean, n) && underflows(m.sxx, n))
    throw_underflow(fn, range_text("returns", 0, ssize(r) - 1), static_cast<double>(m.sxx));
  return m;
}

/// numerator / denominator for a ratio that is +-inf when only the denominator is 0 and
/// singular_problem when both are (`what` and `why` name it).
template <class Acc>
[[nodiscard]] Acc ratio_or_inf(std::string_view fn, Acc numerator, Acc denominator, std::string_view what,
                               std::string_view why) {
  if (denominator != 0) {
    const Acc q = numerator / denominator;
    if (!std::isfinite(q))
      throw_overflow(fn, std::string(what) + " (" + number_text(static_cast<double>(numerator)) + " / " +
                             number_text(static_cast<double>(denominator)) + ")");
    return q;
  }
  if (numerator == 0) throw_zero_over_zero(fn, what, why);
  return std::copysign(std::numeric_limits<Acc>::infinity(), numerator);
}

/// Sample standard deviation from moments, 0 when the variance is numerically zero.
template <class Acc>
[[nodiscard]] Acc sample_sd(const moments<Acc>& m, std::ptrdiff_t n) {
  if (numerically_zero_variance(m.sxx, m.mean, static_cast<Acc>(n))) return Acc(0);
  return std::sqrt(m.sxx / static_cast<Acc>(n - 1));
}

template <class R>
[[nodiscard]] auto sharpe_of(std::string_view fn, const R& r, const ratio_options& o) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  check_rate(fn, "risk_free", o.risk_free);
  check_periods_per_year(fn, o.periods_per_year);
  const moments<acc> m = return_moments<acc>(fn, r, 2);
  const acc excess = m.mean - static_cast<acc>(o.risk_free);
  const acc sd = sample_sd(m, ssize(r));
  const acc q =
      ratio_or_inf(fn, excess, sd, "the Sharpe ratio", "the returns are constant and equal the risk-free rate");
  return rounded<real>(fn, "sharpe_ratio", q * std::sqrt(static_cast<acc>(o.periods_per_year)));
}

/// Root mean square of min(r - mar, 0) over all n returns, per period.
template <class Acc, class R>
[[nodiscard]] Acc downside_rms(std::string_view fn, const R& r, Acc mar) {
  auto f = std::ranges::begin(r);
  const std::ptrdiff_t n = ssize(r);
  Acc s[2] = {};
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const Acc d = std::min(static_cast<Acc>(f[i]) - mar, Acc(0));
    s[i & 1] += d * d;
  }
  const Acc ss = s[0] + s[1];
  if (!std::isfinite(ss)) throw_overflow(fn, "the sum of squared shortfalls");
  if (ss > 0 && underflows(ss, static_cast<Acc>(n)))
    throw_underflow(fn, range_text("returns", 0, n - 1), static_cast<double>(ss));
  return std::sqrt(ss / static_cast<Acc>(n));
}

template <class R>
[[nodiscard]] auto sortino_of(std::string_view fn, const R& r, const sortino_options& o, bool ratio) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  check_rate(fn, "required_return", o.required_return);
  check_periods_per_year(fn, o.periods_per_year);
  require_observations(fn, ratio ? 2 : 1, ssize(r));
  require_finite(fn, "returns", r);
  const acc mar = static_cast<acc>(o.required_return);
  const acc dd = downside_rms<acc>(fn, r, mar);
  const acc root_p = std::sqrt(static_cast<acc>(o.periods_per_year));
  if (!ratio) return rounded<real>(fn, "downside_risk", dd * root_p);
  const acc mean = centred_moments<acc>(fn, r, "returns").mean - mar;
  const acc q = ratio_or_inf(fn, mean, dd, "the Sortino ratio", "every return equals required_return");
  return rounded<real>(fn, "sortino_ratio", q * root_p);
}

template <class R>
[[nodiscard]] auto growth_of(std::string_view fn, const R& r) {
  using acc = accum_t<value_t<R>>;
  check_compoundable(fn, "returns", r);
  growth<acc> g;
  auto f = std::ranges::begin(r);
  for (std::ptrdiff_t i = 0; i < ssize(r); ++i) g.add(static_cast<acc>(f[i]));
  return g;
}

/// CAGR of a growth, or invalid_input when it overflows (absurd growth for one year).
template <class Acc>
[[nodiscard]] Acc cagr(std::string_view fn, const growth<Acc>& g, double periods) {
  const Acc a = g.annualised(static_cast<Acc>(periods));
  if (!std::isfinite(a))
    throw_overflow(fn, "the annualised growth (" + number_text(static_cast<double>(g.log())) + " log-growth over " +
                           std::to_string(g.count) + " periods)");
  return a;
}

template <class R>
[[nodiscard]] auto annual_return_of(std::string_view fn, const R& r, const annual_options& o) {
  using real = value_t<R>;
  check_periods_per_year(fn, o.periods_per_year);
  require_observations(fn, 1, ssize(r));
  return rounded<real>(fn, "annual_return", cagr(fn, growth_of(fn, r), o.periods_per_year));
}

template <class R>
[[nodiscard]] auto annual_volatility_of(std::string_view fn, const R& r, const annual_options& o) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  check_periods_per_year(fn, o.periods_per_year);
  const auto m = return_moments<acc>(fn, r, 2);
  return rounded<real>(fn, "annual_volatility",
                       sample_sd(m, ssize(r)) * std::sqrt(static_cast<acc>(o.periods_per_year)));
}

template <class R>
[[nodiscard]] auto calmar_of(std::string_view fn, const R& r, const annual_options& o) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  check_periods_per_year(fn, o.periods_per_year);
  const auto dd = deepest<false>(fn, r);
  const acc cagr_value = cagr(fn, growth_of(fn, r), o.periods_per_year);
  const acc q = ratio_or_inf(fn, cagr_value, static_cast<acc>(dd.depth), "the Calmar ratio",
                             "no drawdown and no growth: every return is 0");
  return rounded<real>(fn, "calmar_ratio", q);
}

template <class R>
[[nodiscard]] auto omega_of(std::string_view fn, const R& r, const omega_options& o) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  check_rate(fn, "risk_free", o.risk_free);
  check_rate(fn, "required_return", o.required_return);
  check_periods_per_year(fn, o.periods_per_year);
  if (o.periods_per_year != 1 && !(o.required_return > -1))
    throw_bad_option(fn, "required_return", o.required_return, "above -1 (an annual loss of less than 100%)");
  require_observations(fn, 2, ssize(r));
  require_finite(fn, "returns", r);
  const acc threshold =
      o.periods_per_year == 1
          ? static_cast<acc>(o.required_return)
          : std::expm1(std::log1p(static_cast<acc>(o.required_return)) / static_cast<acc>(o.periods_per_year));
  const acc shift = static_cast<acc>(o.risk_free) + threshold;
  auto f = std::ranges::begin(r);
  acc gains = 0, losses = 0;
  for (std::ptrdiff_t i = 0; i < ssize(r); ++i) {
    const acc x = static_cast<acc>(f[i]) - shift;
    if (x > 0) gains += x;
    if (x < 0) losses -= x;
  }
  if (!std::isfinite(gains) || !std::isfinite(losses)) throw_overflow(fn, "the sums of gains and losses");
  return rounded<real>(fn, "omega_ratio",
                       ratio_or_inf(fn, gains, losses, "the omega ratio", "every return equals the threshold"));
}

template <class R>
[[nodiscard]] auto tail_of(std::string_view fn, const R& r) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  require_observations(fn, 1, ssize(r));
  require_finite(fn, "returns", r);
  auto f = std::ranges::begin(r);
  std::vector<acc> x(uz(ssize(r)));
  for (std::ptrdiff_t i = 0; i < ssize(r); ++i) x[uz(i)] = static_cast<acc>(f[i]);
  const acc upper = std::fabs(linear_quantile(x.begin(), x.end(), 0.95));
  const acc lower = std::fabs(linear_quantile(x.begin(), x.end(), 0.05));
  return rounded<real>(fn, "tail_ratio",
                       ratio_or_inf(fn, upper, lower, "the tail ratio", "both the 95th and the 5th percentile are 0"));
}

template <class R>
[[nodiscard]] auto stability_of(std::string_view fn, const R& r) {
  using real = value_t<R>;
  using acc = accum_t<real>;
  require_observations(fn, 2, ssize(r));
  auto f = std::ranges::begin(r);
  const std::ptrdiff_t n = ssize(r);
  std::vector<acc> y(uz(n)), t(uz(n));
  acc cum = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto v = f[i];
    if (!std::isfinite(v)) throw_non_finite(fn, "returns", i, static_cast<double>(v));
    if (!(v > -1))
      throw_below(fn, element_text("returns", i), static_cast<double>(v), -1,
                  "a loss of 100% or more has no log return");
    cum += std::log1p(static_cast<acc>(v));
    y[uz(i)] = cum;
    t[uz(i)] = static_cast<acc>(i);
  }
  const pair_moments<acc> m = centred_moments<acc>(fn, y, "cumulative log returns", t, "time");
  if (!(m.syy > 0)) return real(0);  // flat cumulative returns: nothing to explain (as beta's R^2)
  return static_cast<real>(std::min(acc(1), (m.sxy / m.sxx) * (m.sxy / m.syy)));
}

/// Pair moments of (returns, market) for the regression functions, with market checks.
template <class Acc, class Y, class X>
[[nodiscard]] pair_moments<Acc> market_moments(std::string_view fn, const Y& y, const X& x, std::string_view market) {
  const std::ptrdiff_t n = ssize(y);
  require_same_size(fn, "returns", n, market, ssize(x));
  require_observations(fn, 2, n);
  const pair_moments<Acc> m = centred_moments<Acc>(fn, y, "returns", x, market);
  const Acc dn = static_cast<Acc>(n);
  if (numerically_zero_variance(m.sxx, m.mean_x, dn))
    throw singular_problem(message(fn, range_text(market, 0, n - 1) + " have zero variance (all " +
                                           number_text(static_cast<double>(m.mean_x)) + "): beta is undefined"));
  if (underflows(m.sxx, dn)) throw_underflow(fn, range_text(market, 0, n - 1), static_cast<double>(m.sxx));
  return m;
}

template <class Y, class X>
[[nodiscard]] auto alpha_beta_of(std::string_view fn, const Y& y, const X& x, const ratio_options& o) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  check_rate(fn, "risk_free", o.risk_free);
  check_periods_per_year(fn, o.periods_per_year);
  const pair_moments<acc> m = market_moments<acc>(fn, y, x, "market_returns");
  const acc rf = static_cast<acc>(o.risk_free);
  const acc beta = m.sxy / m.sxx;
  const acc period_alpha = (m.mean_y - rf) - beta * (m.mean_x - rf);
  if (!(period_alpha > -1))
    throw invalid_input(message(fn, "the period alpha " + number_text(static_cast<double>(period_alpha)) +
                                        " is a loss of 100% or more per period and cannot be compounded"));
  const acc alpha = std::expm1(static_cast<acc>(o.periods_per_year) * std::log1p(period_alpha));
  if (!std::isfinite(alpha))
    throw_overflow(
        fn, "the annualised alpha (1 + " + number_text(static_cast<double>(period_alpha)) + ")^periods_per_year");
  alpha_beta_fit<real> fit;
  fit.alpha = rounded<real>(fn, "alpha", alpha);
  fit.beta = rounded<real>(fn, "beta", beta);
  fit.period_alpha = rounded<real>(fn, "period_alpha", period_alpha);
  fit.r_squared = static_cast<real>(m.syy > 0 ? std::min(acc(1), (m.sxy / m.sxx) * (m.sxy / m.syy)) : acc(0));
  fit.n = ssize(y);
  return fit;
}

template <class Y, class X>
[[nodiscard]] auto treynor_of(std::string_view fn, const Y& y, const X& x, const ratio_options& o) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  check_rate(fn, "risk_free", o.risk_free);
  check_periods_per_year(fn, o.periods_per_year);
  const pair_moments<acc> m = market_moments<acc>(fn, y, x, "market_returns");
  const acc rf = static_cast<acc>(o.risk_free);
  auto f = std::ranges::begin(y);
  growth<acc> g;
  for (std::ptrdiff_t i = 0; i < ssize(y); ++i) {
    const acc excess = static_cast<acc>(f[i]) - rf;
    if (excess < -1)
      throw_below(fn, "returns - risk_free at index " + std::to_string(i), static_cast<double>(excess), -1,
                  compounding_rule);
    g.add(excess);
  }
  const acc q = ratio_or_inf(fn, cagr(fn, g, o.periods_per_year), m.sxy / m.sxx, "the Treynor ratio",
                             "beta is 0 and the excess returns do not grow");
  return rounded<real>(fn, "treynor_ratio", q);
}

/// Moments of the active returns r - b (materialised: a difference of moments would cancel
/// when the tracking error is small against the volatility).
template <class Acc, class Y, class X>
[[nodiscard]] moments<Acc> active_moments(std::string_view fn, const Y& y, const X& x) {
  const std::ptrdiff_t n = ssize(y);
  require_same_size(fn, "returns", n, "benchmark_returns", ssize(x));
  require_observations(fn, 2, n);
  require_finite(fn, "returns", y);
  require_finite(fn, "benchmark_returns", x);
  auto yf = std::ranges::begin(y);
  auto xf = std::ranges::begin(x);
  std::vector<Acc> active(uz(n));
  for (std::ptrdiff_t i = 0; i < n; ++i) active[uz(i)] = static_cast<Acc>(yf[i]) - static_cast<Acc>(xf[i]);
  return return_moments<Acc>(fn, active, 2);
}

template <class Y, class X>
[[nodiscard]] auto tracking_error_of(std::string_view fn, const Y& y, const X& x, const tracking_error_options& o) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  check_periods_per_year(fn, o.periods_per_year);
  const moments<acc> m = active_moments<acc>(fn, y, x);
  return rounded<real>(fn, "tracking_error", sample_sd(m, ssize(y)) * std::sqrt(static_cast<acc>(o.periods_per_year)));
}

template <class Y, class X>
[[nodiscard]] auto information_of(std::string_view fn, const Y& y, const X& x, const information_ratio_options& o) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  check_periods_per_year(fn, o.periods_per_year);
  const moments<acc> m = active_moments<acc>(fn, y, x);
  const acc q =
      ratio_or_inf(fn, m.mean, sample_sd(m, ssize(y)), "the information ratio", "the returns equal the benchmark's");
  return rounded<real>(fn, "information_ratio", q * std::sqrt(static_cast<acc>(o.periods_per_year)));
}

template <class Y, class X>
[[nodiscard]] auto capture_of(std::string_view fn, const Y& y, const X& x, const annual_options& o) {
  using real = range_result_t<Y, X>;
  using acc = accum_t<real>;
  check_periods_per_year(fn, o.periods_per_year);
  const std::ptrdiff_t n = ssize(y);
  require_same_size(fn, "returns", n, "market_returns", ssize(x));
  check_compoundable(fn, "returns", y);
  check_compoundable(fn, "market_returns", x);
  auto yf = std::ranges::begin(y);
  auto xf = std::ranges::begin(x);
  growth<acc> up_r, up_m, down_r, down_m;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const acc m = static_cast<acc>(xf[i]);
    if (m > 0) {
      up_r.add(static_cast<acc>(yf[i]));
      up_m.add(m);
    } else if (m < 0) {
      down_r.add(static_cast<acc>(yf[i]));
      down_m.add(m);
    }
  }
  require_observations(fn, 1, up_m.count, "periods with market_returns > 0 (up markets)");
  require_observations(fn, 1, down_m.count, "periods with market_returns < 0 (down markets)");
  const auto side = [&](const growth<acc>& r, const growth<acc>& m, std::string_view what) {
    const acc market = cagr(fn, m, o.periods_per_year);
    if (market == 0) throw_zero_over_zero(fn, what, "the market's compounded return rounds to 0");
    return ratio_or_inf(fn, cagr(fn, r, o.periods_per_year), market, what, "");
  };
  capture<real> out;
  const acc up = side(up_r, up_m, "the up capture");
  const acc down = side(down_r, down_m, "the down capture");
  out.up = rounded<real>(fn, "up", up);
  out.down = rounded<real>(fn, "down", down);
  out.ratio = rounded<real>(fn, "ratio",
                            ratio_or_inf(fn, up, down, "the up/down capture ratio", "up and down capture are both 0"));
  return out;
}

inline void check_window(std::string_view fn, std::ptrdiff_t window, std::ptrdiff_t least, std::ptrdiff_t n) {
  if (window < least) throw_bad_option(fn, "window", static_cast<double>(window), "at least " + std::to_string(least));
  require_observations(fn, window, n, "observations for one window");
}

template <class S, class Real>
void rolling_sharpe_into(const S& returns, std::ptrdiff_t window, rolling_sharpe_result<Real>& out,
                         typename rolling_sharpe_result<Real>::workspace& ws, const ratio_options& o) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "rolling_sharpe";
  check_rate(fn, "risk_free", o.risk_free);
  check_periods_per_year(fn, o.periods_per_year);
  const std::ptrdiff_t n = ssize(returns);
  check_window(fn, window, 2, n);
  const acc* x = contiguous_data<acc>(returns, ws.scratch);
  if (!rolling_moments(x, n, window, ws.moments))
    throw_non_finite_or_overflow(fn, 0, n, std::pair{std::string_view("returns"), &returns});
  const acc rf = static_cast<acc>(o.risk_free);
  const acc root_p = std::sqrt(static_cast<acc>(o.periods_per_year));
  const acc dw = static_cast<acc>(window);
  out.sharpe_ratios.resize(uz(ws.moments.size()));
  for (std::ptrdiff_t k = 0; k < ws.moments.size(); ++k) {
    const acc mean = ws.moments.mean[uz(k)], sxx = ws.moments.sxx[uz(k)];
    acc sd = 0;
    if (!numerically_zero_variance(sxx, mean, dw)) {
      if (underflows(sxx, dw)) throw_underflow(fn, range_text("returns", k, k + window - 1), static_cast<double>(sxx));
      sd = std::sqrt(sxx / (dw - 1));
    }
    const acc excess = mean - rf;
    if (sd == 0 && excess == 0)
      throw_zero_over_zero(fn, "the Sharpe ratio of " + range_text("returns", k, k + window - 1),
                           "the returns are constant and equal the risk-free rate");
    out.sharpe_ratios[uz(k)] =
        rounded<Real>(fn, "sharpe_ratio", ratio_or_inf(fn, excess, sd, "the Sharpe ratio", "") * root_p);
  }
}

template <class S, class Real>
void rolling_drawdown_into(const S& returns, std::ptrdiff_t window, rolling_drawdown_result<Real>& out,
                           typename rolling_drawdown_result<Real>::workspace& ws) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "rolling_max_drawdown";
  const std::ptrdiff_t n = ssize(returns);
  check_window(fn, window, 1, n);
  check_compoundable(fn, "returns", returns);
  auto f = std::ranges::begin(returns);
  out.depths.resize(uz(n - window + 1));
  const bool ok = rolling_window_drawdowns<acc>(
      n, window, [&](std::ptrdiff_t i) { return 1 + static_cast<acc>(f[i]); },
      [&](std::ptrdiff_t k, acc depth) { out.depths[uz(k)] = static_cast<Real>(depth); }, ws);
  if (!ok) throw_overflow(fn, "the compounded growth over a window");
}

/// Keys of the windows' last rows: keys[window - 1 ..].
template <class Key, class Real>
void fill_dated(dated_series<Key, Real>& d, const std::vector<Key>& keys, const std::vector<Real>& values,
                std::ptrdiff_t window) {
  auto& k = dated_series_access::keys(d);
  k.clear();
  if (!values.empty()) k.assign(keys.begin() + (window - 1), keys.end());
  dated_series_access::values(d) = values;
}

}  // namespace detail::perf

// ---------------------------------------------------------------------------------------------
// Drawdowns.

/// Maximum drawdown of a return series: the largest fall of wealth W_t = prod_{i<=t} (1 + r_i)
/// (W = 1 before the first return) below its running peak, as a positive depth.
/// \f[ \mathrm{depth} = \max_t \left(1 - W_t / \max_{s \le t} W_s\right) \f]
/// Depth 0.35 is 35% below the peak (empyrical's max_drawdown returns -0.35). The deepest of
/// equal drawdowns is the earliest. O(n), no allocation; accurate to about n ulps.
/// \returns drawdown{depth, peak, trough, recovery, duration, recovery_length}; with no drawdown
///          (wealth never fell) depth 0 and peak = trough = -1.
/// Not annualised (a depth needs no periods per year).
/// \throws insufficient_data for an empty series; invalid_input for a NaN or infinity, or a
///         return below -1 (naming its index). A return of exactly -1 is a depth of 1.
/// Ref: Magdon-Ismail and Atiya, "Maximum drawdown", Risk 17 (2004); Bacon (2008) ch. 4.
template <PlainSeries S>
[[nodiscard]] auto max_drawdown(const S& returns) {
  return detail::perf::deepest<false>("max_drawdown", returns);
}

/// Maximum drawdown of a dated return series: rows with a NaN (missing) return are skipped;
/// the peak, trough and recovery are keys (an empty peak is the starting wealth).
/// \throws as max_drawdown, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto max_drawdown(const D& returns) {
  constexpr std::string_view fn = "max_drawdown";
  const auto rows = detail::perf::observed(fn, returns, true);
  return detail::perf::to_dated(detail::perf::deepest<false>(fn, rows.values), rows.keys);
}

/// Maximum drawdown of a value path (prices, NAV): max_t (1 - v_t / max_{s<=t} v_s); indices
/// are those of the values (peak >= 0 whenever depth > 0). Not annualised.
/// \returns drawdown (see max_drawdown); depth 0 with peak = trough = -1 when values never fall.
/// \throws insufficient_data for no values; invalid_input for a NaN, infinite, zero or negative value.
/// Ref: Bacon (2008) ch. 4.
template <PlainSeries S>
[[nodiscard]] auto max_drawdown_from_values(const S& value_path) {
  return detail::perf::deepest<true>("max_drawdown_from_values", value_path);
}

/// Maximum drawdown of a dated value path (NaN rows skipped: a missing price is bridged by
/// comparing the prices either side), with keys.
/// \throws as max_drawdown_from_values, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto max_drawdown_from_values(const D& value_path) {
  constexpr std::string_view fn = "max_drawdown_from_values";
  const auto rows = detail::perf::observed(fn, value_path, false, "values");
  return detail::perf::to_dated(detail::perf::deepest<true>(fn, rows.values), rows.keys);
}

/// The underwater curve into `out` (n elements, allocation-free): out[t] = 1 - W_t / peak_t,
/// 0 at every new peak, positive below it (empyrical's drawdown_series with the sign flipped).
/// Not annualised.
/// \throws invalid_input if `out` has not n elements, or as max_drawdown (an empty series gives
///         an empty curve).
template <PlainSeries S, class Out>
  requires std::ranges::random_access_range<Out> && std::ranges::sized_range<Out> &&
      std::floating_point<std::ranges::range_value_t<Out>>
void drawdown_series(const S& returns, Out&& out) {
  constexpr std::string_view fn = "drawdown_series";
  detail::require_same_size(fn, "out", detail::ssize(out), "returns", detail::ssize(returns));
  detail::perf::check_compoundable(fn, "returns", returns);
  detail::perf::underwater(returns, std::ranges::begin(out));
}

/// The underwater curve of a return series: one depth per return (see the `out` form).
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] std::vector<detail::value_t<S>> drawdown_series(const S& returns) {
  std::vector<detail::value_t<S>> out(detail::uz(detail::ssize(returns)));
  drawdown_series(returns, out);
  return out;
}

/// The underwater curve of a dated return series, keyed as the input (NaN rows skipped).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto drawdown_series(const D& returns) {
  auto rows = detail::perf::observed("drawdown_series", returns, true);
  std::vector<value_type_t<D>> depths(rows.values.size());
  detail::perf::underwater(rows.values, depths.begin());
  dated_series<key_type_t<D>, value_type_t<D>> out;
  detail::dated_series_access::keys(out) = std::move(rows.keys);
  detail::dated_series_access::values(out) = std::move(depths);
  return out;
}

/// The `count` deepest drawdowns that do not overlap, deepest first (equal depths: earliest
/// first): the underwater episodes from a peak to its recovery, ranked by depth (pyfolio's
/// drawdown table). Fewer are returned when there are fewer episodes. O(n + e log count).
/// Not annualised.
/// \throws invalid_input for count < 0, or as max_drawdown.
/// Ref: pyfolio, timeseries.gen_drawdown_table.
template <PlainSeries S>
[[nodiscard]] auto top_drawdowns(const S& returns, std::ptrdiff_t count) {
  return detail::perf::all_episodes("top_drawdowns", returns, count);
}

/// top_drawdowns of a dated return series, with keys (NaN rows skipped).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto top_drawdowns(const D& returns, std::ptrdiff_t count) {
  constexpr std::string_view fn = "top_drawdowns";
  const auto rows = detail::perf::observed(fn, returns, true);
  std::vector<dated_drawdown<key_type_t<D>, value_type_t<D>>> out;
  for (const auto& d : detail::perf::all_episodes(fn, rows.values, count))
    out.push_back(detail::perf::to_dated(d, rows.keys));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Returns and ratios of one series.

/// Compound annual growth rate, empyrical's annual_return (and cagr): n returns span
/// n / periods_per_year years.
/// \f[ \mathrm{CAGR} = \Big(\prod_{i=1}^{n} (1 + r_i)\Big)^{p/n} - 1 \f]
/// Computed without overflow or underflow (detail/compound.hpp). A return of -1 gives -1.
/// \throws insufficient_data for an empty series; invalid_input for a NaN, infinity or return
///         below -1, periods_per_year not positive and finite, or a result that overflows.
/// Ref: Bacon (2008) ch. 2 (annualised return).
template <PlainSeries S>
[[nodiscard]] auto annual_return(const S& returns, annual_options options = {}) {
  return detail::perf::annual_return_of("annual_return", returns, options);
}

/// annual_return of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto annual_return(const D& returns, annual_options options = {}) {
  constexpr std::string_view fn = "annual_return";
  const auto kept = detail::present_values(fn, returns, true);
  return detail::perf::annual_return_of(fn, kept, options);
}

/// Annualised volatility, empyrical's annual_volatility: the sample standard deviation (n - 1)
/// times sqrt(periods_per_year). Constant returns give 0.
/// \throws insufficient_data for n < 2; invalid_input for a NaN or infinity, bad periods_per_year, or
///         returns whose squares overflow or whose deviations underflow.
/// Ref: Bacon (2008) ch. 4.
template <PlainSeries S>
[[nodiscard]] auto annual_volatility(const S& returns, annual_options options = {}) {
  return detail::perf::annual_volatility_of("annual_volatility", returns, options);
}

/// annual_volatility of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto annual_volatility(const D& returns, annual_options options = {}) {
  constexpr std::string_view fn = "annual_volatility";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::annual_volatility_of(fn, kept, options);
}

/// Annualised Sharpe ratio, empyrical's sharpe_ratio: mean excess return over the sample
/// standard deviation, times sqrt(periods_per_year); risk_free is per period.
/// \f[ S = \frac{\overline{r - r_f}}{s_r}\sqrt{p}, \quad s_r^2 = \frac{\sum (r - \bar r)^2}{n - 1} \f]
/// Constant returns give +-inf (0 / 0 when they equal risk_free: singular_problem).
/// \throws insufficient_data for n < 2; invalid_input for a NaN or infinity, a non-finite
///         risk_free or bad periods_per_year; singular_problem for 0 / 0.
/// Ref: Sharpe, J. Portfolio Management 21 (1994).
template <PlainSeries S>
[[nodiscard]] auto sharpe_ratio(const S& returns, ratio_options options = {}) {
  return detail::perf::sharpe_of("sharpe_ratio", returns, options);
}

/// sharpe_ratio of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto sharpe_ratio(const D& returns, ratio_options options = {}) {
  constexpr std::string_view fn = "sharpe_ratio";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::sharpe_of(fn, kept, options);
}

/// Annualised downside deviation below required_return (per period), empyrical's
/// downside_risk, over all n returns (a return above the target counts as 0, not dropped).
/// \f[ DD = \sqrt{\tfrac{1}{n}\sum_i \min(r_i - \mathrm{mar}, 0)^2}\,\sqrt{p} \f]
/// \throws insufficient_data for an empty series; invalid_input for a NaN or infinity, bad
///         options, or squares that overflow or underflow.
/// Ref: Sortino and Price, J. Investing 3 (1994).
template <PlainSeries S>
[[nodiscard]] auto downside_risk(const S& returns, sortino_options options = {}) {
  return detail::perf::sortino_of("downside_risk", returns, options, false);
}

/// downside_risk of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto downside_risk(const D& returns, sortino_options options = {}) {
  constexpr std::string_view fn = "downside_risk";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::sortino_of(fn, kept, options, false);
}

/// Annualised Sortino ratio, empyrical's sortino_ratio: mean(r - mar) x periods_per_year over
/// downside_risk, i.e. mean(r - mar) / DD_period x sqrt(periods_per_year). No return below the target
/// gives +inf (every return equal to it: singular_problem).
/// \throws insufficient_data for n < 2; invalid_input for a NaN or infinity or bad options;
///         singular_problem for 0 / 0.
/// Ref: Sortino and Price, J. Investing 3 (1994).
template <PlainSeries S>
[[nodiscard]] auto sortino_ratio(const S& returns, sortino_options options = {}) {
  return detail::perf::sortino_of("sortino_ratio", returns, options, true);
}

/// sortino_ratio of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto sortino_ratio(const D& returns, sortino_options options = {}) {
  constexpr std::string_view fn = "sortino_ratio";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::sortino_of(fn, kept, options, true);
}

/// Calmar ratio, empyrical's calmar_ratio: annual_return over the maximum drawdown depth. With
/// no drawdown it is +inf where empyrical returns NaN (0 / 0, all returns 0: singular_problem).
/// \throws as annual_return and max_drawdown; singular_problem for 0 / 0.
/// Ref: Young, "Calmar ratio: a smoother tool", Futures 20 (1991).
template <PlainSeries S>
[[nodiscard]] auto calmar_ratio(const S& returns, annual_options options = {}) {
  return detail::perf::calmar_of("calmar_ratio", returns, options);
}

/// calmar_ratio of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto calmar_ratio(const D& returns, annual_options options = {}) {
  constexpr std::string_view fn = "calmar_ratio";
  const auto kept = detail::present_values(fn, returns, true);
  return detail::perf::calmar_of(fn, kept, options);
}

/// Omega ratio, empyrical's omega_ratio: with x = r - risk_free - t and the per-period
/// threshold t = (1 + required_return)^(1/periods_per_year) - 1 (t = required_return when periods_per_year = 1),
/// \f[ \Omega = \sum_i \max(x_i, 0) \Big/ \sum_i \max(-x_i, 0) \f]
/// No return below the threshold gives +inf (all equal to it: singular_problem). The ratio is
/// not annualised: periods_per_year only converts the annual threshold.
/// \throws insufficient_data for n < 2; invalid_input for a NaN or infinity, non-finite rates,
///         required_return <= -1 (unless periods_per_year = 1) or bad periods_per_year; singular_problem for 0 / 0.
/// Ref: Keating and Shadwick, J. Performance Measurement 6 (2002).
template <PlainSeries S>
[[nodiscard]] auto omega_ratio(const S& returns, omega_options options = {}) {
  return detail::perf::omega_of("omega_ratio", returns, options);
}

/// omega_ratio of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto omega_ratio(const D& returns, omega_options options = {}) {
  constexpr std::string_view fn = "omega_ratio";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::omega_of(fn, kept, options);
}

/// Tail ratio, empyrical's tail_ratio: |95th percentile| / |5th percentile| with numpy's
/// default (linear, type 7) percentiles. A 5th percentile of 0 gives +inf (both 0: singular).
/// Not annualised (a ratio of quantiles has no time unit).
/// O(n) on average (selection on a copy: one allocation).
/// \throws insufficient_data for an empty series; invalid_input for a NaN or infinity;
///         singular_problem for 0 / 0.
/// Ref: Hyndman and Fan, Amer. Statist. 50 (1996) (type 7 quantile).
template <PlainSeries S>
[[nodiscard]] auto tail_ratio(const S& returns) {
  return detail::perf::tail_of("tail_ratio", returns);
}

/// tail_ratio of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto tail_ratio(const D& returns) {
  constexpr std::string_view fn = "tail_ratio";
  const auto kept = detail::present_values(fn, returns, false);
  return detail::perf::tail_of(fn, kept);
}

/// Stability, empyrical's stability_of_timeseries: R^2 of the OLS fit of the cumulative log
/// returns y_t = sum_{i<=t} log(1 + r_i) on t = 0..n-1. Flat y (all returns 0) gives 0.
/// Not annualised (an R^2 has no time unit).
/// \throws insufficient_data for n < 2; invalid_input for a NaN, infinity or return <= -1.
/// Ref: empyrical, stats.stability_of_timeseries.
template <PlainSeries S>
[[nodiscard]] auto stability(const S& returns) {
  return detail::perf::stability_of("stability", returns);
}

/// stability of a dated return series: the same on its values, NaN rows skipped as missing.
/// \throws as the series form, naming a bad value by its key; invalid_input for keys that do
///         not strictly increase.
template <DatedSeries D>
[[nodiscard]] auto stability(const D& returns) {
  constexpr std::string_view fn = "stability";
  const auto kept = detail::present_values(fn, returns, true);
  return detail::perf::stability_of(fn, kept);
}

// ---------------------------------------------------------------------------------------------
// Against a market or benchmark.

/// Treynor ratio (PerformanceAnalytics' TreynorRatio; empyrical has none): the annual return
/// of the excess returns over beta, beta = cov(r, m) / var(m).
/// \f[ T = \Big(\big(\prod (1 + r_i - r_f)\big)^{p/n} - 1\Big) / \beta \f]
/// beta = 0 gives +-inf (with no excess growth: singular_problem).
/// \throws invalid_input for different lengths, NaN or infinity, excess returns below -1, bad
///         options; insufficient_data for n < 2; singular_problem for a constant market or 0 / 0.
/// Ref: Treynor, Harvard Business Review 43 (1965); Bacon (2008) ch. 4.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto treynor_ratio(const S1& returns, const S2& market_returns, ratio_options options = {}) {
  return detail::perf::treynor_of("treynor_ratio", returns, market_returns, options);
}

/// Treynor ratio of dated series, aligned on their keys first (NaN rows dropped).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto treynor_ratio(const D1& returns, const D2& market_returns, ratio_options options = {}) {
  const auto a = align(returns, market_returns);
  return detail::perf::treynor_of("treynor_ratio", a.first, a.second, options);
}

/// Tracking error: the sample standard deviation of the active returns r - b, annualised by
/// sqrt(periods_per_year), always (1 gives the per-period figure) (PerformanceAnalytics' TrackingError).
/// \throws invalid_input for different lengths, NaN or infinity, bad periods_per_year; insufficient_data
///         for n < 2. Allocates the n active returns.
/// Ref: Grinold and Kahn, Active Portfolio Management (2000), ch. 5.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto tracking_error(const S1& returns, const S2& benchmark_returns, tracking_error_options options = {}) {
  return detail::perf::tracking_error_of("tracking_error", returns, benchmark_returns, options);
}

/// Tracking error of dated series, aligned on their keys first.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto tracking_error(const D1& returns, const D2& benchmark_returns, tracking_error_options options = {}) {
  const auto a = align(returns, benchmark_returns);
  return detail::perf::tracking_error_of("tracking_error", a.first, a.second, options);
}

/// Information ratio, annualised (empyrical's excess_sharpe x sqrt(periods_per_year)): mean active return over its
/// sample standard deviation, times sqrt(periods_per_year); periods_per_year = 1 gives excess_sharpe. Active returns
/// with no dispersion give +-inf (all zero: singular_problem). \throws as tracking_error; singular_problem for 0 / 0.
/// Ref: Grinold and Kahn (2000), ch. 5; empyrical, stats.excess_sharpe.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto information_ratio(const S1& returns, const S2& benchmark_returns,
                                     information_ratio_options options = {}) {
  return detail::perf::information_of("information_ratio", returns, benchmark_returns, options);
}

/// Information ratio of dated series, aligned on their keys first.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto information_ratio(const D1& returns, const D2& benchmark_returns,
                                     information_ratio_options options = {}) {
  const auto a = align(returns, benchmark_returns);
  return detail::perf::information_of("information_ratio", a.first, a.second, options);
}

/// Up and down capture, as empyrical computes them: the annual_return of the returns over the
/// periods with market_returns > 0 (< 0) over the market's annual_return on the same periods,
/// each subset of k periods spanning k / periods_per_year years; ratio = up / down.
/// \returns capture{up, down, ratio}; ratio +-inf when down is 0 (both 0: singular_problem).
/// \throws invalid_input for different lengths, NaN, infinity or returns below -1, bad periods_per_year;
///         insufficient_data with no up-market or no down-market period; singular_problem for 0 / 0.
/// Ref: Bacon (2008) ch. 4; empyrical, stats.up_capture and down_capture.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto capture_ratios(const S1& returns, const S2& market_returns, annual_options options = {}) {
  return detail::perf::capture_of("capture_ratios", returns, market_returns, options);
}

/// Capture ratios of dated series, aligned on their keys first.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto capture_ratios(const D1& returns, const D2& market_returns, annual_options options = {}) {
  const auto a = align(returns, market_returns);
  return detail::perf::capture_of("capture_ratios", a.first, a.second, options);
}

/// Alpha and beta, empyrical's alpha_beta: beta = cov(r, m) / var(m) (the OLS slope) and the
/// period alpha a = mean(r - rf) - beta mean(m - rf) (the OLS intercept on excess returns),
/// annualised by compounding: alpha = (1 + a)^periods_per_year - 1.
/// \returns alpha_beta_fit{alpha, beta, period_alpha, r_squared, n}.
/// \throws invalid_input for different lengths, NaN or infinity, bad options, a period alpha
///         <= -1; insufficient_data for n < 2; singular_problem for a constant market.
/// Ref: Jensen, J. Finance 23 (1968); empyrical, stats.alpha_beta.
template <PlainSeries S1, PlainSeries S2>
[[nodiscard]] auto alpha_beta(const S1& returns, const S2& market_returns, ratio_options options = {}) {
  return detail::perf::alpha_beta_of("alpha_beta", returns, market_returns, options);
}

/// Alpha and beta of dated series, aligned on their keys first (n = common keys).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto alpha_beta(const D1& returns, const D2& market_returns, ratio_options options = {}) {
  const auto a = align(returns, market_returns);
  return detail::perf::alpha_beta_of("alpha_beta", a.first, a.second, options);
}

// ---------------------------------------------------------------------------------------------
// Rolling forms.

/// Rolling Sharpe ratio into `out`: element k is sharpe_ratio of the window [k, k + window), on
/// the shared sliding-window kernel (O(n) whatever the window). `ws` is reusable scratch: a warm
/// call (same sizes, `out` and `ws` reused) allocates nothing. Each window agrees with
/// sharpe_ratio on it to 1e-12 relative (tests check every window).
/// \throws invalid_input for window < 2, NaN or infinity, bad options; insufficient_data for
///         n < window; singular_problem for a window of constant returns equal to risk_free.
template <PlainSeries S, class Real>
void rolling_sharpe(const S& returns, std::ptrdiff_t window, rolling_sharpe_result<Real>& out,
                    typename rolling_sharpe_result<Real>::workspace& ws, ratio_options options = {}) {
  detail::perf::rolling_sharpe_into(returns, window, out, ws, options);
}

/// Deprecated `out` form without a workspace: makes a local one (so it allocates every call).
template <PlainSeries S, class Real>
[[deprecated("pass a workspace: rolling_sharpe(returns, window, out, ws, options)")]] void rolling_sharpe(
    const S& returns, std::ptrdiff_t window, rolling_sharpe_result<Real>& out, ratio_options options = {}) {
  typename rolling_sharpe_result<Real>::workspace ws;
  detail::perf::rolling_sharpe_into(returns, window, out, ws, options);
}

/// Rolling Sharpe ratio -> rolling_sharpe_result{sharpe_ratios} (n - window + 1 values).
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] auto rolling_sharpe(const S& returns, std::ptrdiff_t window, ratio_options options = {}) {
  rolling_sharpe_result<detail::value_t<S>> out;
  typename rolling_sharpe_result<detail::value_t<S>>::workspace ws;
  detail::perf::rolling_sharpe_into(returns, window, out, ws, options);
  return out;
}

/// Rolling Sharpe ratio of a dated series into `out`, keyed by each window's last key (NaN rows
/// skipped; with `ws` reused, a warm call allocates nothing).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D, class Key, class Real>
void rolling_sharpe(const D& returns, std::ptrdiff_t window, dated_rolling_sharpe<Key, Real>& out,
                    typename dated_rolling_sharpe<Key, Real>::workspace& ws, ratio_options options = {}) {
  detail::observed_rows("rolling_sharpe", returns, &ws.keys, ws.values);
  detail::perf::rolling_sharpe_into(ws.values, window, ws.rolled, ws.rolled_ws, options);
  detail::perf::fill_dated(out.sharpe_ratios, ws.keys, ws.rolled.sharpe_ratios, window);
}

/// Deprecated dated `out` form without a workspace: makes a local one.
template <DatedSeries D, class Key, class Real>
[[deprecated("pass a workspace: rolling_sharpe(returns, window, out, ws, options)")]] void rolling_sharpe(
    const D& returns, std::ptrdiff_t window, dated_rolling_sharpe<Key, Real>& out, ratio_options options = {}) {
  typename dated_rolling_sharpe<Key, Real>::workspace ws;
  rolling_sharpe(returns, window, out, ws, options);
}

/// Rolling Sharpe ratio of a dated series -> dated_rolling_sharpe (see the `out` form).
/// \throws as the `out` form.
template <DatedSeries D>
[[nodiscard]] auto rolling_sharpe(const D& returns, std::ptrdiff_t window, ratio_options options = {}) {
  dated_rolling_sharpe<key_type_t<D>, value_type_t<D>> out;
  typename dated_rolling_sharpe<key_type_t<D>, value_type_t<D>>::workspace ws;
  rolling_sharpe(returns, window, out, ws, options);
  return out;
}

/// Rolling maximum drawdown into `out`: element k is the max_drawdown depth of the returns
/// [k, k + window) compounded from 1, in O(n) whatever the window (a monoid fold over blocks,
/// detail/drawdown.hpp); accurate to about 2 window ulps. `ws` is reusable scratch: a warm call
/// allocates nothing. Not annualised.
/// \throws invalid_input for window < 1, NaN, infinity or a return below -1, or growth that
///         overflows; insufficient_data for n < window.
/// Ref: van Herk (1992), Gil and Werman (1993): sliding-window folds.
template <PlainSeries S, class Real>
void rolling_max_drawdown(const S& returns, std::ptrdiff_t window, rolling_drawdown_result<Real>& out,
                          typename rolling_drawdown_result<Real>::workspace& ws) {
  detail::perf::rolling_drawdown_into(returns, window, out, ws);
}

/// Deprecated `out` form without a workspace: makes a local one (so it allocates every call).
template <PlainSeries S, class Real>
[[deprecated("pass a workspace: rolling_max_drawdown(returns, window, out, ws)")]] void rolling_max_drawdown(
    const S& returns, std::ptrdiff_t window, rolling_drawdown_result<Real>& out) {
  typename rolling_drawdown_result<Real>::workspace ws;
  detail::perf::rolling_drawdown_into(returns, window, out, ws);
}

/// Rolling maximum drawdown -> rolling_drawdown_result{depths} (n - window + 1 values).
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] auto rolling_max_drawdown(const S& returns, std::ptrdiff_t window) {
  rolling_drawdown_result<detail::value_t<S>> out;
  typename rolling_drawdown_result<detail::value_t<S>>::workspace ws;
  detail::perf::rolling_drawdown_into(returns, window, out, ws);
  return out;
}

/// Rolling maximum drawdown of a dated series into `out`, keyed by each window's last key (NaN
/// rows skipped; with `ws` reused, a warm call allocates nothing).
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D, class Key, class Real>
void rolling_max_drawdown(const D& returns, std::ptrdiff_t window, dated_rolling_drawdown<Key, Real>& out,
                          typename dated_rolling_drawdown<Key, Real>::workspace& ws) {
  detail::observed_rows("rolling_max_drawdown", returns, &ws.keys, ws.values, true);
  detail::perf::rolling_drawdown_into(ws.values, window, ws.rolled, ws.rolled_ws);
  detail::perf::fill_dated(out.depths, ws.keys, ws.rolled.depths, window);
}

/// Deprecated dated `out` form without a workspace: makes a local one.
template <DatedSeries D, class Key, class Real>
[[deprecated("pass a workspace: rolling_max_drawdown(returns, window, out, ws)")]] void rolling_max_drawdown(
    const D& returns, std::ptrdiff_t window, dated_rolling_drawdown<Key, Real>& out) {
  typename dated_rolling_drawdown<Key, Real>::workspace ws;
  rolling_max_drawdown(returns, window, out, ws);
}

/// Rolling maximum drawdown of a dated series -> dated_rolling_drawdown (see the `out` form).
/// \throws as the `out` form.
template <DatedSeries D>
[[nodiscard]] auto rolling_max_drawdown(const D& returns, std::ptrdiff_t window) {
  dated_rolling_drawdown<key_type_t<D>, value_type_t<D>> out;
  typename dated_rolling_drawdown<key_type_t<D>, value_type_t<D>>::workspace ws;
  rolling_max_drawdown(returns, window, out, ws);
  return out;
}

}  // namespace keel
