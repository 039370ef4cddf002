// SPDX-License-Identifier: MIT
// keel/beta.hpp: single-factor market beta by ordinary least squares.
//
// Synopsis
//   market_beta(asset_returns, market_returns, beta_options{})  -> beta_fit<Real>
//   market_beta(dated_asset, dated_market, beta_options{})      aligns on dates first
//   rolling_beta(asset_returns, market_returns, window)         -> vector<rolling_beta_fit<Real>>
//   rolling_beta(dated_asset, dated_market, window)             -> dated_rolling_beta<Key, Real>
//   rolling_beta(assets /* T x N Eigen */, market_returns, window, rolling_beta_options{})
//                                                               -> rolling_beta_panel<Real>
//   rolling_beta(assets, market_returns, window, panel&, opts)  the same into reused storage
//   portfolio_beta(weights, betas)                              sum_i w_i beta_i
//   portfolio_beta(market_values, betas, equity)                sum_i (v_i / equity) beta_i
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
//   - float input is accumulated in double and the results rounded to float once.
//
// Numerics
//   market_beta makes one fused pass over the data: sums of deviations from a shift (a data
//   value near the mean of the first few observations), in independent two-lane vector
//   accumulators for contiguous doubles, with the finiteness check folded into the sums (a NaN
//   or infinity poisons them and is then located). The centred sums follow as S_xx = sum d^2 - (sum d)^2 / n. When that subtraction
//   would cancel more than four bits (a shift far from the mean) a second, exactly centred pass
//   with the corrected two-pass formula replaces them (Chan, Golub and LeVeque 1983); when R^2
//   is so close to 1 that RSS = S_yy (1 - R^2) would cancel, RSS is summed from the residuals.
//   No allocation on plain series. rolling_beta is O(n) whatever the window: sums are updated
//   as a window slides and recomputed exactly, around a fresh shift, every four windows, so
//   rounding accumulates over a bounded number of updates; a window whose variance collapsed
//   below what the running sums can resolve (a run of stale prices) is recomputed from the data,
//   and where the market's collapses (a calm spell after a crash) so is every asset's S_xy.
//   Range: sums of squares must stay finite and above the subnormal range, which holds for any
//   returns between about 1e-146 and 1e150 in size; outside it the functions throw
//   invalid_input (rescale the data) rather than return a digit-less or infinite fit.
//
// References
//   Sharpe, "Capital asset prices", J. Finance 19 (1964); Greene, "Econometric Analysis", 8th
//   ed., ch. 4 (OLS and its standard errors); Chan, Golub and LeVeque, "Algorithms for
//   computing the sample variance", Am. Stat. 37 (1983).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <limits>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
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
    if (!(level > 0 && level < 1)) detail::throw_bad_option("beta_fit::significant", "level", level, "in (0, 1)");
    return static_cast<double>(p_value) < level;
  }
};

/// One window of rolling_beta: the fit over the `window` observations ending at that point.
template <class Real = double>
struct rolling_beta_fit {
  Real beta{};       ///< slope over the window
  Real alpha{};      ///< intercept over the window, per period
  Real r_squared{};  ///< in [0, 1]; 0 when the asset is constant over the window
};

/// rolling_beta of dated series: one fit per window, keyed by the window's last date.
template <class Key, class Real = double>
struct dated_rolling_beta {
  std::vector<Key> keys;                     ///< the last key of each window
  std::vector<rolling_beta_fit<Real>> fits;  ///< fits[i] is the window ending at keys[i]
};

/// rolling_beta of a T x N panel: (T - window + 1) x N matrices, row i for the window that
/// ends at row i + window - 1 of the input, column j for asset j.
template <class Real = double>
struct rolling_beta_panel {
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> beta;       ///< slopes
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> alpha;      ///< intercepts, per period
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> r_squared;  ///< in [0, 1]
};

/// Options of the panel rolling_beta: which statistics besides beta to compute. Writing the
/// result matrices is most of the panel's cost, so a caller who needs only betas saves half
/// the time (benchmarks/beta_bench). A statistic not asked for is left as a 0 x 0 matrix.
struct rolling_beta_options {
  bool alpha = true;      ///< fill rolling_beta_panel::alpha
  bool r_squared = true;  ///< fill rolling_beta_panel::r_squared
};

namespace detail {

/// Centred moments of a pair of series: means and S_xx, S_yy, S_xy.
struct pair_moments {
  double mean_x;
  double mean_y;
  double sxx;
  double syy;
  double sxy;
};

/// The memory of `r` as contiguous doubles when it has some: a contiguous range of double, or
/// an Eigen object with direct access and unit inner stride; nullptr otherwise.
template <class R>
[[nodiscard]] const double* direct_doubles(const R& r) {
  if constexpr (std::same_as<value_t<R>, double>) {
    if constexpr (std::ranges::contiguous_range<const R&>) {
      return std::ranges::data(r);
    } else if constexpr (requires {
                           { r.data() } -> std::convertible_to<const double*>;
                           { r.innerStride() } -> std::convertible_to<std::ptrdiff_t>;
                         }) {
      if (r.innerStride() == 1) return r.data();
    }
  }
  return nullptr;
}

/// The elements of `r` as contiguous doubles: its own memory (direct_doubles), otherwise a
/// converted copy in `scratch`. The rolling kernels read through plain pointers.
template <class R>
[[nodiscard]] const double* contiguous_doubles(const R& r, std::vector<double>& scratch) {
  if (const double* p = direct_doubles(r)) return p;
  auto f = std::ranges::begin(r);
  scratch.resize(static_cast<std::size_t>(ssize(r)));
  for (std::ptrdiff_t i = 0; i < ssize(r); ++i) scratch[static_cast<std::size_t>(i)] = static_cast<double>(f[i]);
  return scratch.data();
}

/// Sums of deviations from two shifts over a range of indices: of dx, dy, dx^2, dy^2, dx dy.
/// The kernels below add in a fixed order, so results are reproducible.
struct shifted_sums {
  double x = 0, y = 0, xx = 0, yy = 0, xy = 0;

  [[nodiscard]] bool finite() const {
    return std::isfinite(x) && std::isfinite(y) && std::isfinite(xx) && std::isfinite(yy) &&
           std::isfinite(xy);
  }
};

// The streaming kernels are written over a "lane pack" V: plain double, or, with GCC and Clang,
// a vector of two doubles so that two elements (or two assets) share every instruction. SSE2 is
// part of x86-64, and other targets lower the vector to scalar code; other compilers use the
// scalar forms. Measured: the pair forms run 1.3-1.6x faster than scalar code the compiler
// vectorises itself, and, unlike it, equally fast with GCC and Clang at -O2 and -O3.
#if defined(__GNUC__)
#define KEEL_HAS_VECTOR_EXTENSIONS 1
using double2 = double __attribute__((vector_size(16)));
#endif

template <class V>
inline constexpr std::size_t pack_width = 1;
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
template <>
inline constexpr std::size_t pack_width<double2> = 2;
#endif

template <class V>
[[nodiscard]] V splat(double a) {
  if constexpr (std::same_as<V, double>)
    return a;
  else
    return V{a, a};
}

#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
/// Two consecutive doubles from any address (an unaligned vector load).
[[nodiscard]] inline double2 load2(const double* p) {
  double2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
#endif

template <class V>
[[nodiscard]] V gather(const double* const* y, std::ptrdiff_t i) {
  if constexpr (std::same_as<V, double>)
    return y[0][i];
  else
    return V{y[0][i], y[1][i]};
}

template <class V>
[[nodiscard]] V from_lanes(const double* a) {
  if constexpr (std::same_as<V, double>)
    return a[0];
  else
    return V{a[0], a[1]};
}

template <class V>
[[nodiscard]] double lane(const V& v, std::size_t l) {
  if constexpr (std::same_as<V, double>)
    return v;
  else
    return v[l];
}

/// Sums of deviations from the shifts over [lo, hi), any random-access iterators (float data,
/// strided Eigen views, user containers): two interleaved scalar lanes.
template <class XIt, class YIt>
[[nodiscard]] shifted_sums sum_deviations(XIt xf, YIt yf, std::ptrdiff_t lo, std::ptrdiff_t hi,
                                          double shift_x, double shift_y) {
  shifted_sums a, b;
  auto add = [&](shifted_sums& acc, std::ptrdiff_t i) {
    const double dx = static_cast<double>(xf[i]) - shift_x;
    const double dy = static_cast<double>(yf[i]) - shift_y;
    acc.x += dx;
    acc.y += dy;
    acc.xx += dx * dx;
    acc.yy += dy * dy;
    acc.xy += dx * dy;
  };
  std::ptrdiff_t i = lo;
  for (; i + 2 <= hi; i += 2) {
    add(a, i);
    add(b, i + 1);
  }
  if (i < hi) add(a, i);
  return {a.x + b.x, a.y + b.y, a.xx + b.xx, a.yy + b.yy, a.xy + b.xy};
}

/// Sums of deviations over [lo, hi) of contiguous doubles: with vector extensions, two
/// accumulators of two lanes per sum (four independent chains, all in registers).
[[nodiscard]] inline shifted_sums sum_deviations(const double* xf, const double* yf, std::ptrdiff_t lo,
                                                 std::ptrdiff_t hi, double shift_x, double shift_y) {
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
  const double2 mx = splat<double2>(shift_x), my = splat<double2>(shift_y);
  double2 sx[2] = {}, sy[2] = {}, sxx[2] = {}, syy[2] = {}, sxy[2] = {};
  std::ptrdiff_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    for (int l = 0; l < 2; ++l) {
      const double2 dx = load2(xf + i + 2 * l) - mx;
      const double2 dy = load2(yf + i + 2 * l) - my;
      sx[l] += dx;
      sy[l] += dy;
      sxx[l] += dx * dx;
      syy[l] += dy * dy;
      sxy[l] += dx * dy;
    }
  }
  const auto total = [](const double2 (&v)[2]) { return (v[0][0] + v[1][0]) + (v[0][1] + v[1][1]); };
  shifted_sums out{total(sx), total(sy), total(sxx), total(syy), total(sxy)};
  if (i < hi) {
    const shifted_sums tail = sum_deviations<const double*, const double*>(xf, yf, i, hi, shift_x, shift_y);
    out = {out.x + tail.x, out.y + tail.y, out.xx + tail.xx, out.yy + tail.yy, out.xy + tail.xy};
  }
  return out;
#else
  return sum_deviations<const double*, const double*>(xf, yf, lo, hi, shift_x, shift_y);
#endif
}

/// A data value near the mean of the first few observations: the shift for the one-pass sums.
/// It is a data value so that a constant series gives deviations of exactly zero.
template <class It>
[[nodiscard]] double pick_shift(It f, std::ptrdiff_t n) {
  const std::ptrdiff_t k = std::min<std::ptrdiff_t>(n, 16);
  double mean = 0;
  for (std::ptrdiff_t i = 0; i < k; ++i) mean += static_cast<double>(f[i]);
  mean /= static_cast<double>(k);
  double best = static_cast<double>(f[0]);
  for (std::ptrdiff_t i = 1; i < k; ++i)
    if (std::fabs(static_cast<double>(f[i]) - mean) < std::fabs(best - mean)) best = static_cast<double>(f[i]);
  return std::isfinite(best) ? best : 0.0;
}

/// Throws invalid_input for the first NaN or infinity in either series; if there is none the
/// sums overflowed, which is invalid_input too.
template <class Y, class X>
[[noreturn]] void throw_non_finite_pair(std::string_view fn, const Y& y, const X& x,
                                        std::ptrdiff_t lo, std::ptrdiff_t hi) {
  auto yf = std::ranges::begin(y);
  auto xf = std::ranges::begin(x);
  for (std::ptrdiff_t i = lo; i < hi; ++i) {
    if (!std::isfinite(yf[i])) throw_non_finite(fn, "asset_returns", i, static_cast<double>(yf[i]));
    if (!std::isfinite(xf[i])) throw_non_finite(fn, "market_returns", i, static_cast<double>(xf[i]));
  }
  throw invalid_input(message(fn, "sums of squares overflow between index " + std::to_string(lo) +
                                      " and " + std::to_string(hi - 1) +
                                      ": the values are too large to be returns"));
}

/// The deviation sums are accurate when the shift is within a few standard deviations of the
/// mean: the centring subtraction then cancels at most four bits.
[[nodiscard]] inline bool well_centred(double sum_d, double sum_dd, double n) {
  return sum_d * sum_d <= (15.0 / 16.0) * n * sum_dd;
}

/// Centred moments over [lo, hi) from deviations about (mx, my), close to the means: the
/// corrected two-pass formula S_xx = sum d^2 - (sum d)^2 / n, whose correction term would be
/// zero in exact arithmetic and removes most of the error of the means (Chan, Golub, LeVeque).
template <class XIt, class YIt>
[[nodiscard]] pair_moments centred_about(XIt xf, YIt yf, std::ptrdiff_t lo, std::ptrdiff_t hi,
                                         double mx, double my) {
  const double n = static_cast<double>(hi - lo);
  const shifted_sums c = sum_deviations(xf, yf, lo, hi, mx, my);
  return {mx + c.x / n, my + c.y / n, c.xx - c.x * c.x / n, c.yy - c.y * c.y / n,
          c.xy - c.x * c.y / n};
}

/// Centred moments of y on x over all n pairs from random-access iterators (see "Numerics").
template <class YIt, class XIt, class Y, class X>
[[nodiscard]] pair_moments centred_moments(std::string_view fn, YIt yf, XIt xf, const Y& y, const X& x) {
  const std::ptrdiff_t n = ssize(x);
  const double dn = static_cast<double>(n);
  const double shift_x = pick_shift(xf, n);
  const double shift_y = pick_shift(yf, n);
  const shifted_sums s = sum_deviations(xf, yf, 0, n, shift_x, shift_y);
  if (!s.finite()) throw_non_finite_pair(fn, y, x, 0, n);
  if (well_centred(s.x, s.xx, dn) && well_centred(s.y, s.yy, dn))
    return {shift_x + s.x / dn, shift_y + s.y / dn, s.xx - s.x * s.x / dn,
            s.yy - s.y * s.y / dn, s.xy - s.x * s.y / dn};
  // Shift far from the mean (trending data, an outlier first): centre exactly.
  return centred_about(xf, yf, 0, n, shift_x + s.x / dn, shift_y + s.y / dn);
}

/// Centred moments of y on x, allocation-free, through raw pointers when both are contiguous
/// doubles (the vectorised kernel) and through their iterators otherwise.
template <class Y, class X>
[[nodiscard]] pair_moments centred_moments(std::string_view fn, const Y& y, const X& x) {
  const double* yp = direct_doubles(y);
  const double* xp = direct_doubles(x);
  if (yp != nullptr && xp != nullptr) return centred_moments(fn, yp, xp, y, x);
  return centred_moments(fn, std::ranges::begin(y), std::ranges::begin(x), y, x);
}

/// A variance indistinguishable from rounding: every value equal to the mean within a few ulps.
[[nodiscard]] inline bool numerically_zero_variance(double s, double mean, double n) {
  const double ulp = 4 * std::numeric_limits<double>::epsilon() * std::fabs(mean);
  return !(s > n * ulp * ulp);
}

[[noreturn]] inline void throw_constant_market(std::string_view fn, double mean, std::ptrdiff_t lo,
                                               std::ptrdiff_t hi) {
  throw singular_problem(message(fn, "market_returns[" + std::to_string(lo) + ".." +
                                         std::to_string(hi) + "] have zero variance (all " +
                                         number_text(mean) + "): beta is undefined"));
}

/// Whether a sum of n squared deviations is too small for double: its terms are subnormal
/// (digits lost to gradual underflow) and 1 / S overflows. Returns near 1e-146 or below, which
/// no price series produces; rescaled data (percent, basis points) fits easily.
[[nodiscard]] inline bool underflows(double s, double n) {
  return s < n * (std::numeric_limits<double>::min() / std::numeric_limits<double>::epsilon());
}


template <class Y, class X>
[[nodiscard]] auto fit_market_beta(const Y& y, const X& x, const beta_options& options) {
  using real = std::common_type_t<value_t<Y>, value_t<X>>;
  constexpr std::string_view fn = "market_beta";
  const std::ptrdiff_t n = ssize(y);
  require_same_size(fn, "asset_returns", n, "market_returns", ssize(x));
  if (options.min_observations < 3)
    throw_bad_option(fn, "min_observations", static_cast<double>(options.min_observations), "at least 3");
  if (options.cap && !(*options.cap > 0 && std::isfinite(*options.cap)))
    throw_bad_option(fn, "cap", *options.cap, "positive and finite");
  require_observations(fn, options.min_observations, n);

  const pair_moments m = centred_moments(fn, y, x);
  const double dn = static_cast<double>(n);
  if (numerically_zero_variance(m.sxx, m.mean_x, dn)) throw_constant_market(fn, m.mean_x, 0, n - 1);
  if (underflows(m.sxx, dn)) throw_underflow(fn, range_text("market_returns", 0, n - 1), m.sxx);
  // S_yy = S_xy = 0 exactly is a constant asset (beta 0); anything else this small has lost
  // the digits R^2 and the standard errors need.
  if ((m.syy > 0 || m.sxy != 0) && underflows(m.syy, dn)) throw_underflow(fn, range_text("asset_returns", 0, n - 1), m.syy);

  const double beta = m.sxy / m.sxx;
  const double alpha = m.mean_y - beta * m.mean_x;
  double rss = 0;
  double r2 = 0;
  if (m.syy > 0) {
    r2 = std::min(1.0, (m.sxy / m.sxx) * (m.sxy / m.syy));
    if (1 - r2 >= 1.0 / 16) {
      rss = std::max(0.0, m.syy - beta * m.sxy);
    } else {
      // R^2 near 1: S_yy (1 - R^2) would cancel; sum the residuals themselves.
      auto yf = std::ranges::begin(y);
      auto xf = std::ranges::begin(x);
      double acc[4] = {};
      for (std::ptrdiff_t i = 0; i < n; ++i) {
        const double e = (static_cast<double>(yf[i]) - m.mean_y) - beta * (static_cast<double>(xf[i]) - m.mean_x);
        acc[i & 3] += e * e;
      }
      rss = (acc[0] + acc[1]) + (acc[2] + acc[3]);
      r2 = 1 - rss / m.syy;
    }
  }
  const double dof = dn - 2;
  const double s2 = rss / dof;
  // As products of square roots, so that no intermediate square overflows.
  const double root_sxx = std::sqrt(m.sxx);
  const double beta_se = std::sqrt(s2) / root_sxx;
  const double alpha_se = std::sqrt(s2) * std::hypot(1 / std::sqrt(dn), m.mean_x / root_sxx);
  if (!(std::isfinite(beta) && std::isfinite(alpha) && std::isfinite(beta_se) && std::isfinite(alpha_se)))
    throw invalid_input(message(fn, "the fit overflows double (beta = " + number_text(beta) +
                                        ", standard error " + number_text(beta_se) +
                                        "): asset and market returns differ too much in scale; "
                                        "rescale them"));
  const t_test_result t = t_test(beta, beta_se, dof);

  beta_fit<real> fit;
  fit.raw_beta = rounded<real>(fn, "beta", beta);
  fit.beta = fit.raw_beta;
  if (options.cap && std::fabs(beta) > *options.cap) {
    fit.beta = rounded<real>(fn, "cap", std::copysign(*options.cap, beta));
    fit.capped = true;
  }
  fit.alpha = rounded<real>(fn, "alpha", alpha);
  fit.r_squared = static_cast<real>(r2);
  fit.beta_stderr = rounded<real>(fn, "beta_stderr", beta_se);
  fit.alpha_stderr = rounded<real>(fn, "alpha_stderr", alpha_se);
  fit.t_stat = static_cast<real>(t.t);  // +-inf is the documented t of an (almost) exact fit
  fit.p_value = static_cast<real>(t.p);
  fit.residual_stddev = rounded<real>(fn, "residual_stddev", std::sqrt(s2));
  fit.n = n;
  return fit;
}

/// Mean of f[lo, hi) (the shift for one block); 0 if not finite (the sums then report it).
template <class It>
[[nodiscard]] double window_mean(It f, std::ptrdiff_t lo, std::ptrdiff_t hi) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::ptrdiff_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    a0 += static_cast<double>(f[i]);
    a1 += static_cast<double>(f[i + 1]);
    a2 += static_cast<double>(f[i + 2]);
    a3 += static_cast<double>(f[i + 3]);
  }
  for (; i < hi; ++i) a0 += static_cast<double>(f[i]);
  const double mean = ((a0 + a1) + (a2 + a3)) / static_cast<double>(hi - lo);
  return std::isfinite(mean) ? mean : 0.0;
}

/// Throws for a rolling window whose running sums were poisoned: invalid_input naming the
/// first NaN or infinity of `r`, or, if every value is finite, an overflow.
template <class R>
[[noreturn]] void throw_poisoned(std::string_view fn, std::string_view name, const R& r) {
  if (const std::ptrdiff_t i = first_non_finite(r); i >= 0)
    throw_non_finite(fn, name, i, static_cast<double>(std::ranges::begin(r)[i]));
  throw invalid_input(message(fn, std::string(name) + ": sums of squares overflow; the values are too large to be returns"));
}

/// Running sums updated over many steps carry a rounding error of a few ulps of everything
/// added and removed (`magnitude`). When a centred sum falls far below that magnitude (a
/// variance that collapsed within the block, a stale price run) the window is recomputed
/// exactly instead of trusting the difference.
[[nodiscard]] inline bool needs_exact(double centred, double magnitude) {
  return !(centred > 1e-3 * magnitude);
}

/// Rolling statistics of the market, computed once and shared by every asset. Windows are
/// processed in blocks of `block` = 4 x `window` consecutive windows, each block starting from
/// exact sums about a fresh shift (so rounding accumulates over at most 8 windows' worth of
/// updates); window k covers x[k, k + window).
/// Per window k: the deviations about the block's shift of the value entering (x_in) and
/// leaving (x_out) when the window slides to k, the shifted sum divided by the window
/// (sum_dx_w), the mean and 1 / S_xx; and whether the window was recomputed exactly (`exact`),
/// in which case each asset's running cross sum S_xy carries the same cancelled error and is
/// recomputed too.
struct market_windows {
  std::ptrdiff_t window = 0;
  std::ptrdiff_t block = 0;
  std::vector<double> block_shift;
  std::vector<double> x_in, x_out, sum_dx_w, mean, inv_sxx;
  std::vector<unsigned char> exact;        ///< per window
  std::vector<unsigned char> block_exact;  ///< per block: whether any of its windows is exact
};

[[nodiscard]] inline market_windows rolling_market(std::string_view fn, const double* x,
                                                   std::ptrdiff_t n, std::ptrdiff_t w) {
  const std::ptrdiff_t ends = n - w + 1;
  const double dw = static_cast<double>(w);
  market_windows mw;
  mw.window = w;
  mw.block = 4 * w;
  mw.block_shift.resize(static_cast<std::size_t>((ends + mw.block - 1) / mw.block));
  for (auto* v : {&mw.x_in, &mw.x_out, &mw.sum_dx_w, &mw.mean, &mw.inv_sxx}) v->resize(static_cast<std::size_t>(ends));
  mw.exact.assign(static_cast<std::size_t>(ends), 0);
  mw.block_exact.assign(mw.block_shift.size(), 0);
  for (std::ptrdiff_t b0 = 0; b0 < ends; b0 += mw.block) {
    const std::ptrdiff_t b1 = std::min(ends, b0 + mw.block);
    const double shift = window_mean(x, b0, b0 + w);
    mw.block_shift[static_cast<std::size_t>(b0 / mw.block)] = shift;
    const shifted_sums first = sum_deviations(x, x, b0, b0 + w, shift, shift);
    double s = first.x, ss = first.xx, magnitude = first.xx;
    for (std::ptrdiff_t k = b0; k < b1; ++k) {
      const auto u = static_cast<std::size_t>(k);
      if (k > b0) {
        const double dn = x[k + w - 1] - shift;
        const double dold = x[k - 1] - shift;
        mw.x_in[u] = dn;
        mw.x_out[u] = dold;
        s += dn - dold;
        ss += dn * dn - dold * dold;
        magnitude += dn * dn + dold * dold;
      }
      double sxx = ss - s * s / dw;
      double mean = shift + s / dw;
      if (!std::isfinite(sxx) || !std::isfinite(mean)) return {};
      if (needs_exact(sxx, magnitude)) {
        const pair_moments m = centred_about(x, x, k, k + w, pick_shift(x + k, w), 0.0);
        sxx = m.sxx;
        mean = m.mean_x;
        mw.exact[u] = 1;
        mw.block_exact[static_cast<std::size_t>(b0 / mw.block)] = 1;
      }
      if (numerically_zero_variance(sxx, mean, dw)) throw_constant_market(fn, mean, k, k + w - 1);
      if (underflows(sxx, dw)) throw_underflow(fn, range_text("market_returns", k, k + w - 1), sxx);
      mw.sum_dx_w[u] = mean - shift;  // the shifted sum over w, consistent with `mean`
      mw.mean[u] = mean;
      mw.inv_sxx[u] = 1 / sxx;
    }
  }
  return mw;
}

/// R^2 from beta * S_xy / S_yy: clamped to 1 against rounding, and 0 for a constant asset
/// (S_yy = 0, where the quotient is 0/0).
template <class V>
[[nodiscard]] V clamp_r2(V q, V cyy) {
  if constexpr (std::same_as<V, double>) {
    return cyy > 0 ? std::min(q, 1.0) : 0.0;
  } else {
    const V one = splat<V>(1.0);
    const auto big = q > one;  // all-ones lanes where true
    using mask = decltype(big);
    const mask clamped = (std::bit_cast<mask>(q) & ~big) | (std::bit_cast<mask>(one) & big);
    return std::bit_cast<V>(clamped & (cyy > splat<V>(0.0)));
  }
}

/// Whether no lane needs_exact(): one vector comparison on the hot path.
template <class V>
[[nodiscard]] bool all_accurate(V cyy, V magnitude) {
  if constexpr (std::same_as<V, double>) {
    return !needs_exact(cyy, magnitude);
  } else {
    const auto ok = cyy > splat<V>(1e-3) * magnitude;
    return (ok[0] & ok[1]) != 0;
  }
}

/// Rolls pack_width<V> assets at once against the market windows, calling
/// sink(k, lane, beta, alpha, r2) for window k of the asset in `lane` (alpha and r2 are 0 when
/// !Stats, and not computed; a window whose sums
/// collapsed is recomputed exactly and passed to the sink a second time). Returns the first
/// lane whose running sums a NaN, an infinity or an overflow poisoned (the caller locates it
/// and throws), or -1.
template <class V, bool Stats = true, class Sink>
[[nodiscard]] std::ptrdiff_t rolling_assets(const double* const* y, const double* x,
                                            const market_windows& mw, Sink&& sink) {
  constexpr std::size_t width = pack_width<V>;
  const std::ptrdiff_t w = mw.window;
  const std::ptrdiff_t ends = std::ssize(mw.mean);
  const V inv_w = splat<V>(1 / static_cast<double>(w));
  V shift{}, sy{}, syy{}, sxy{}, magnitude{};
  bool market_exact = false;  // whether the current block has exact market windows
  auto emit = [&](std::ptrdiff_t k) {
    const auto u = static_cast<std::size_t>(k);
    const V cxy = sxy - splat<V>(mw.sum_dx_w[u]) * sy;
    const V cyy = syy - sy * sy * inv_w;
    const V beta = cxy * splat<V>(mw.inv_sxx[u]);
    if constexpr (Stats) {
      const V alpha = shift + sy * inv_w - beta * splat<V>(mw.mean[u]);
      const V r2 = clamp_r2<V>(beta * cxy / cyy, cyy);
      for (std::size_t l = 0; l < width; ++l) sink(k, l, lane(beta, l), lane(alpha, l), lane(r2, l));
    } else {
      for (std::size_t l = 0; l < width; ++l) sink(k, l, lane(beta, l), 0.0, 0.0);
    }
    if (all_accurate<V>(cyy, magnitude) && !(market_exact && mw.exact[u] != 0)) return;
    for (std::size_t l = 0; l < width; ++l) {
      // Rare: the asset's or the market's running sums collapsed (a stale price run, a calm
      // spell after a crash): S_xy lost digits with them, so recompute from the data.
      if ((mw.exact[u] != 0 || needs_exact(lane(cyy, l), lane(magnitude, l))) && std::isfinite(lane(cyy, l))) {
        const pair_moments m = centred_about(x, y[l], k, k + w, mw.mean[u], pick_shift(y[l] + k, w));
        const double b = m.sxy * mw.inv_sxx[u];
        sink(k, l, b, m.mean_y - b * mw.mean[u], m.syy > 0 ? std::min(1.0, b * m.sxy / m.syy) : 0.0);
      }
    }
  };
  for (std::ptrdiff_t b0 = 0; b0 < ends; b0 += mw.block) {
    const std::ptrdiff_t b1 = std::min(ends, b0 + mw.block);
    const double x_shift = mw.block_shift[static_cast<std::size_t>(b0 / mw.block)];
    market_exact = mw.block_exact[static_cast<std::size_t>(b0 / mw.block)] != 0;
    double lane_shift[width], lane_sy[width], lane_syy[width], lane_sxy[width];
    for (std::size_t l = 0; l < width; ++l) {
      lane_shift[l] = window_mean(y[l], b0, b0 + w);
      const shifted_sums first = sum_deviations(x, y[l], b0, b0 + w, x_shift, lane_shift[l]);
      lane_sy[l] = first.y;
      lane_syy[l] = first.yy;
      lane_sxy[l] = first.xy;
    }
    shift = from_lanes<V>(lane_shift);
    sy = from_lanes<V>(lane_sy);
    syy = from_lanes<V>(lane_syy);
    sxy = from_lanes<V>(lane_sxy);
    magnitude = syy;
    emit(b0);
    for (std::ptrdiff_t k = b0 + 1; k < b1; ++k) {
      const auto u = static_cast<std::size_t>(k);
      const V dyn = gather<V>(y, k + w - 1) - shift;
      const V dyo = gather<V>(y, k - 1) - shift;
      const V qn = dyn * dyn, qo = dyo * dyo;
      sy += dyn - dyo;
      syy += qn - qo;
      sxy += splat<V>(mw.x_in[u]) * dyn - splat<V>(mw.x_out[u]) * dyo;
      magnitude += qn + qo;
      emit(k);
    }
    // A NaN or infinity that entered any window of this block has poisoned the running sums
    // (NaN stays NaN as it leaves the window: NaN - NaN is NaN); the next block starts afresh.
    for (std::size_t l = 0; l < width; ++l)
      if (!(std::isfinite(lane(sy, l)) && std::isfinite(lane(syy, l)) && std::isfinite(lane(sxy, l))))
        return static_cast<std::ptrdiff_t>(l);
  }
  return -1;
}

/// sum_i w_i beta_i / equity in double (long double for long double input), after checking
/// sizes and finiteness; `name` is how messages call the weights.
template <class W, class B>
[[nodiscard]] auto exposure_sum(std::string_view name, const W& weights, const B& betas, double equity = 1) {
  using acc = accum_t<std::common_type_t<value_t<W>, value_t<B>>>;
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
    throw invalid_input(message(fn, "sum_i " + std::string(name) + "[i] x betas[i]" +
                                        (equity == 1 ? "" : " / equity") + " overflows"));
  return sum;
}

inline void check_window(std::string_view fn, std::ptrdiff_t window, std::ptrdiff_t n) {
  if (window < 3) throw_bad_option(fn, "window", static_cast<double>(window), "at least 3");
  require_observations(fn, window, n, "observations for one window");
}

/// The market windows of `market_returns`, or the located error if a value is not finite.
template <class S>
[[nodiscard]] market_windows market_windows_of(std::string_view fn, const S& market_returns, const double* x,
                                               std::ptrdiff_t window) {
  market_windows mw = rolling_market(fn, x, ssize(market_returns), window);
  if (mw.window == 0) throw_poisoned(fn, "market_returns", market_returns);
  return mw;
}

}  // namespace detail

/// Market beta of an asset by OLS with an intercept: beta = S_xy / S_xx (see the synopsis).
///
/// \param asset_returns  the asset's returns y_t (any Series)
/// \param market_returns the market's returns x_t over the same periods (any Series)
/// \returns beta_fit: beta, alpha (per period), r_squared, standard errors, t_stat, two-sided
///          p_value with n - 2 dof, residual_stddev, n; capped / raw_beta when options.cap.
/// \throws invalid_input for series of different lengths, a NaN or infinity (naming the series
///         and index), min_observations < 3 or a cap that is not positive and finite; for
///         returns so large that sums of squares overflow or so small (|r| near 1e-146 or
///         below) that they underflow; for float data whose fit does not fit in float;
///         insufficient_data when n < options.min_observations;
///         singular_problem when the market returns have zero variance.
/// No allocation; O(n), usually one pass. Ref: Greene, Econometric Analysis, 8th ed., ch. 4.
template <Series S1, Series S2>
[[nodiscard]] auto market_beta(const S1& asset_returns, const S2& market_returns, beta_options options = {}) {
  return detail::fit_market_beta(asset_returns, market_returns, options);
}

/// Market beta of two dated return series, aligned on their keys first (align(): inner join,
/// rows with a NaN dropped); n is the number of common keys kept.
/// \throws as market_beta, and invalid_input for keys that are not strictly increasing.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto market_beta(const D1& asset_returns, const D2& market_returns, beta_options options = {}) {
  const auto aligned = align(asset_returns, market_returns);
  return detail::fit_market_beta(aligned.first, aligned.second, options);
}

/// Rolling market beta: the OLS fit over each window of `window` consecutive observations.
///
/// Element i of the result is the fit over observations [i, i + window), so there are
/// n - window + 1 of them. O(n) whatever the window; each agrees with market_beta on its
/// window to about 1e-13 relative on daily returns (a window whose variance collapsed, such as
/// a run of stale prices, is recomputed exactly).
/// \throws invalid_input for different lengths, a NaN or infinity (naming the index),
///         window < 3, or values out of double's range as market_beta (naming the window);
///         insufficient_data when n < window; singular_problem when the market is constant
///         over some window (naming it).
template <Series S1, Series S2>
[[nodiscard]] auto rolling_beta(const S1& asset_returns, const S2& market_returns, std::ptrdiff_t window) {
  using real = std::common_type_t<detail::value_t<S1>, detail::value_t<S2>>;
  constexpr std::string_view fn = "rolling_beta";
  const std::ptrdiff_t n = detail::ssize(asset_returns);
  detail::require_same_size(fn, "asset_returns", n, "market_returns", detail::ssize(market_returns));
  detail::check_window(fn, window, n);
  std::vector<double> x_scratch, y_scratch;
  const double* x = detail::contiguous_doubles(market_returns, x_scratch);
  const double* const y[1] = {detail::contiguous_doubles(asset_returns, y_scratch)};
  const detail::market_windows mw = detail::market_windows_of(fn, market_returns, x, window);
  std::vector<rolling_beta_fit<real>> out(static_cast<std::size_t>(n - window + 1));
  const std::ptrdiff_t bad = detail::rolling_assets<double>(y, x, mw, [&](std::ptrdiff_t k, std::size_t, double b, double a, double r2) {
    out[static_cast<std::size_t>(k)] = {detail::rounded<real>(fn, "beta", b), detail::rounded<real>(fn, "alpha", a), static_cast<real>(r2)};
  });
  if (bad >= 0) detail::throw_poisoned(fn, "asset_returns", asset_returns);
  return out;
}

/// Rolling market beta of two dated return series, aligned on their keys first; each fit is
/// keyed by the last key of its window.
/// \throws as rolling_beta, and invalid_input for keys that are not strictly increasing.
template <DatedSeries D1, DatedSeries D2>
[[nodiscard]] auto rolling_beta(const D1& asset_returns, const D2& market_returns, std::ptrdiff_t window) {
  using key = std::common_type_t<key_type_t<D1>, key_type_t<D2>>;
  using real = std::common_type_t<value_type_t<D1>, value_type_t<D2>>;
  const auto aligned = align(asset_returns, market_returns);
  dated_rolling_beta<key, real> out;
  out.fits = rolling_beta(aligned.first, aligned.second, window);
  out.keys.assign(aligned.keys.begin() + (window - 1), aligned.keys.end());
  return out;
}

/// Rolling market beta of every column of a T x N panel of asset returns against one market
/// series, written into `out`: (T - window + 1) x N matrices, resized only when their shape
/// differs, so a reused `out` costs no allocation beyond O(T) market statistics (a panel that
/// is not column-major double is read through an O(4T) converted copy). The market's window
/// statistics are computed once and shared by all assets, which are rolled four (then two,
/// then one) at a time. `options` can skip alpha and R^2 (left 0 x 0).
/// \throws as the single-series rolling_beta; a NaN names its row and column.
template <class Derived, Series S, class Real>
void rolling_beta(const Eigen::MatrixBase<Derived>& assets, const S& market_returns,
                  std::ptrdiff_t window, rolling_beta_panel<Real>& out,
                  rolling_beta_options options = {}) {
  static_assert(std::floating_point<typename Derived::Scalar>, "rolling_beta: assets must be floating-point");
  constexpr std::string_view fn = "rolling_beta";
  const std::ptrdiff_t t = assets.rows();
  const std::ptrdiff_t cols = assets.cols();
  detail::require_same_size(fn, "assets (rows)", t, "market_returns", detail::ssize(market_returns));
  detail::check_window(fn, window, t);
  std::vector<double> x_scratch;
  const double* x = detail::contiguous_doubles(market_returns, x_scratch);
  const detail::market_windows mw = detail::market_windows_of(fn, market_returns, x, window);
  const Eigen::Index rows = t - window + 1;
  const auto shape = [&](auto& m, bool wanted) {
    const Eigen::Index r = wanted ? rows : 0, c = wanted ? cols : 0;
    if (m.rows() != r || m.cols() != c) m.resize(r, c);
  };
  shape(out.beta, true);
  shape(out.alpha, options.alpha);
  shape(out.r_squared, options.r_squared);
  const bool stats = options.alpha || options.r_squared;
  std::vector<double> scratch[2];
  for (std::ptrdiff_t j0 = 0; j0 < cols;) {
    // Two assets at a time where the compiler has vector extensions, else one.
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
    const std::ptrdiff_t width = j0 + 1 < cols ? 2 : 1;
#else
    const std::ptrdiff_t width = 1;
#endif
    const double* y[2] = {};
    Real* beta[2] = {};
    Real* alpha[2] = {};
    Real* r2[2] = {};
    for (std::ptrdiff_t g = 0; g < width; ++g) {
      const auto u = static_cast<std::size_t>(g);
      y[u] = detail::contiguous_doubles(assets.col(j0 + g), scratch[u]);
      beta[u] = out.beta.col(j0 + g).data();
      if (options.alpha) alpha[u] = out.alpha.col(j0 + g).data();
      if (options.r_squared) r2[u] = out.r_squared.col(j0 + g).data();
    }
    auto sink = [&](std::ptrdiff_t k, std::size_t l, double b, double a, double r) {
      beta[l][k] = detail::rounded<Real>(fn, "beta", b);
      if (alpha[l] != nullptr) alpha[l][k] = detail::rounded<Real>(fn, "alpha", a);
      if (r2[l] != nullptr) r2[l][k] = static_cast<Real>(r);
    };
    const auto roll = [&]<class V>() {
      return stats ? detail::rolling_assets<V, true>(y, x, mw, sink) : detail::rolling_assets<V, false>(y, x, mw, sink);
    };
    std::ptrdiff_t bad = -1;
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
    if (width == 2) bad = roll.template operator()<detail::double2>();
#endif
    if (width == 1) bad = roll.template operator()<double>();
    if (bad >= 0) {
      const auto column = assets.col(j0 + bad);
      if (const std::ptrdiff_t i = detail::first_non_finite(column); i >= 0)
        throw invalid_input(detail::message(fn, "assets(" + std::to_string(i) + ", " + std::to_string(j0 + bad) +
                                                    ") is " + detail::number_text(static_cast<double>(column(i)))));
      detail::throw_poisoned(fn, "assets column " + std::to_string(j0 + bad), column);
    }
    j0 += width;
  }
}

/// Rolling market beta of every column of a T x N panel: a new rolling_beta_panel (see the
/// form above; in a loop, reuse one panel with that form to avoid touching fresh memory).
/// \throws as the single-series rolling_beta.
template <class Derived, Series S>
[[nodiscard]] auto rolling_beta(const Eigen::MatrixBase<Derived>& assets, const S& market_returns,
                                std::ptrdiff_t window, rolling_beta_options options = {}) {
  using real = std::common_type_t<typename Derived::Scalar, detail::value_t<S>>;
  rolling_beta_panel<real> out;
  rolling_beta(assets, market_returns, window, out, options);
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
  using real = std::common_type_t<detail::value_t<S1>, detail::value_t<S2>>;
  return detail::rounded<real>("portfolio_beta", "portfolio beta", detail::exposure_sum("weights", weights, betas));
}

/// Beta of a portfolio from positions' signed market values: sum_i (v_i / equity) beta_i.
/// \throws invalid_input for different lengths, a NaN or infinity, an equity that is not
///         positive and finite, or a result that overflows.
template <Series S1, Series S2>
[[nodiscard]] auto portfolio_beta(const S1& market_values, const S2& betas, double equity) {
  using real = std::common_type_t<detail::value_t<S1>, detail::value_t<S2>>;
  if (!(equity > 0 && std::isfinite(equity)))
    detail::throw_bad_option("portfolio_beta", "equity", equity, "positive and finite");
  return detail::rounded<real>("portfolio_beta", "portfolio beta",
                               detail::exposure_sum("market_values", market_values, betas, equity));
}

}  // namespace keel
