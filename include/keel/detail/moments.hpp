// SPDX-License-Identifier: MIT
// keel/detail/moments.hpp: centred first and second moments of one series or a pair, the one
// mean kernel and the one accumulation idiom every keel statistic uses. Owned by
// keel/series.hpp's numerical conventions; used by beta, volatility, covariance, performance.
//
// Method. One fused pass sums deviations from a shift (a data value near the mean of the first
// few observations), in independent accumulators (two-lane vectors for contiguous doubles), in
// accum_t of the data (double for float). The centred sums follow as
// S_xx = sum d^2 - (sum d)^2 / n. When that subtraction would cancel more than four bits (a
// shift far from the mean: trending data, an outlier first) a second pass about the mean from
// the first pass replaces it, with the correction term of the corrected two-pass algorithm
// (Chan, Golub and LeVeque 1983), so variances are accurate to a few ulps whatever the data's
// offset, never computed by the textbook one-pass formula. A NaN or infinity poisons the sums
// and is then located; sums that overflow or squared deviations that underflow are reported
// by the callers (check.hpp phrases), never returned as inf or a digit-less result.
//
// Ref: T. F. Chan, G. H. Golub and R. J. LeVeque, "Algorithms for computing the sample
// variance: analysis and recommendations", Amer. Statist. 37 (1983) 242-247.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

/// Mean and centred sum of squares of one series: S_xx = sum (x - xbar)^2.
template <class Acc>
struct moments {
  Acc mean{};
  Acc sxx{};
};

/// Centred moments of a pair of series: means and S_xx, S_yy, S_xy.
template <class Acc>
struct pair_moments {
  Acc mean_x{};
  Acc mean_y{};
  Acc sxx{};
  Acc syy{};
  Acc sxy{};
};

/// Sums of deviations from a shift over a range of indices: of d and d^2.
template <class Acc>
struct shifted_sum {
  Acc x = 0, xx = 0;
  [[nodiscard]] bool finite() const { return std::isfinite(x) && std::isfinite(xx); }
  friend shifted_sum operator+(const shifted_sum& a, const shifted_sum& b) { return {a.x + b.x, a.xx + b.xx}; }
};

/// Sums of deviations from two shifts over a range of indices: of dx, dy, dx^2, dy^2, dx dy.
/// The kernels add in a fixed order, so results are reproducible.
template <class Acc>
struct shifted_sums {
  Acc x = 0, y = 0, xx = 0, yy = 0, xy = 0;
  [[nodiscard]] bool finite() const {
    return std::isfinite(x) && std::isfinite(y) && std::isfinite(xx) && std::isfinite(yy) && std::isfinite(xy);
  }
  friend shifted_sums operator+(const shifted_sums& a, const shifted_sums& b) {
    return {a.x + b.x, a.y + b.y, a.xx + b.xx, a.yy + b.yy, a.xy + b.xy};
  }
};

/// The accumulation idiom of every scalar kernel: add(acc, i) for i in [lo, hi), alternating
/// two accumulators (two independent dependency chains, a fixed order of additions), summed at
/// the end.
template <class Sums, class Add>
[[nodiscard]] Sums two_chains(std::ptrdiff_t lo, std::ptrdiff_t hi, Add add) {
  Sums a{}, b{};
  std::ptrdiff_t i = lo;
  for (; i + 2 <= hi; i += 2) {
    add(a, i);
    add(b, i + 1);
  }
  if (i < hi) add(a, i);
  return a + b;
}

/// Sums of deviations from `shift` over f[lo, hi) through any random-access iterator (float
/// data, strided Eigen views, user containers): two interleaved scalar accumulators.
template <class Acc, class It>
[[nodiscard]] shifted_sum<Acc> scalar_sum_deviations(It f, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc shift) {
  return two_chains<shifted_sum<Acc>>(lo, hi, [&](shifted_sum<Acc>& acc, std::ptrdiff_t i) {
    const Acc d = static_cast<Acc>(f[i]) - shift;
    acc.x += d;
    acc.xx += d * d;
  });
}

/// Pair form of scalar_sum_deviations: sums of dx, dy, dx^2, dy^2, dx dy over [lo, hi).
template <class Acc, class XIt, class YIt>
[[nodiscard]] shifted_sums<Acc> scalar_sum_deviations(XIt xf, YIt yf, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc shift_x,
                                                      Acc shift_y) {
  return two_chains<shifted_sums<Acc>>(lo, hi, [&](shifted_sums<Acc>& acc, std::ptrdiff_t i) {
    const Acc dx = static_cast<Acc>(xf[i]) - shift_x;
    const Acc dy = static_cast<Acc>(yf[i]) - shift_y;
    acc.x += dx;
    acc.y += dy;
    acc.xx += dx * dx;
    acc.yy += dy * dy;
    acc.xy += dx * dy;
  });
}

/// Sums of deviations over [lo, hi): for contiguous doubles with vector extensions, two
/// accumulators of two lanes per sum (four independent chains, all in registers); otherwise
/// scalar_sum_deviations.
template <class Acc, class It>
[[nodiscard]] shifted_sum<Acc> sum_deviations(It f, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc shift) {
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
  if constexpr (std::same_as<It, const double*> && std::same_as<Acc, double>) {
    const double2 m = splat<double2>(shift);
    double2 s[2] = {}, ss[2] = {};
    std::ptrdiff_t i = lo;
    for (; i + 4 <= hi; i += 4)
      for (int l = 0; l < 2; ++l) {
        const double2 d = load2(f + i + 2 * l) - m;
        s[l] += d;
        ss[l] += d * d;
      }
    const auto total = [](const double2(&v)[2]) { return (v[0][0] + v[1][0]) + (v[0][1] + v[1][1]); };
    const shifted_sum<double> tail = scalar_sum_deviations<double>(f, i, hi, shift);
    return {total(s) + tail.x, total(ss) + tail.xx};
  }
#endif
  return scalar_sum_deviations<Acc>(f, lo, hi, shift);
}

/// Pair form of sum_deviations.
template <class Acc, class XIt, class YIt>
[[nodiscard]] shifted_sums<Acc> sum_deviations(XIt xf, YIt yf, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc shift_x,
                                               Acc shift_y) {
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
  if constexpr (std::same_as<XIt, const double*> && std::same_as<YIt, const double*> && std::same_as<Acc, double>) {
    const double2 mx = splat<double2>(shift_x), my = splat<double2>(shift_y);
    double2 sx[2] = {}, sy[2] = {}, sxx[2] = {}, syy[2] = {}, sxy[2] = {};
    std::ptrdiff_t i = lo;
    for (; i + 4 <= hi; i += 4)
      for (int l = 0; l < 2; ++l) {
        const double2 dx = load2(xf + i + 2 * l) - mx;
        const double2 dy = load2(yf + i + 2 * l) - my;
        sx[l] += dx;
        sy[l] += dy;
        sxx[l] += dx * dx;
        syy[l] += dy * dy;
        sxy[l] += dx * dy;
      }
    const auto total = [](const double2(&v)[2]) { return (v[0][0] + v[1][0]) + (v[0][1] + v[1][1]); };
    const shifted_sums<double> t = scalar_sum_deviations<double>(xf, yf, i, hi, shift_x, shift_y);
    return {total(sx) + t.x, total(sy) + t.y, total(sxx) + t.xx, total(syy) + t.yy, total(sxy) + t.xy};
  }
#endif
  return scalar_sum_deviations<Acc>(xf, yf, lo, hi, shift_x, shift_y);
}

/// Mean of f[lo, hi), or 0 if it is not finite (the sums that use it then report the cause):
/// the shift of a block of windows. Four independent accumulators.
template <class Acc, class It>
[[nodiscard]] Acc block_mean(It f, std::ptrdiff_t lo, std::ptrdiff_t hi) {
  Acc a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::ptrdiff_t i = lo;
  for (; i + 4 <= hi; i += 4) {
    a0 += static_cast<Acc>(f[i]);
    a1 += static_cast<Acc>(f[i + 1]);
    a2 += static_cast<Acc>(f[i + 2]);
    a3 += static_cast<Acc>(f[i + 3]);
  }
  for (; i < hi; ++i) a0 += static_cast<Acc>(f[i]);
  const Acc mean = ((a0 + a1) + (a2 + a3)) / static_cast<Acc>(hi - lo);
  return std::isfinite(mean) ? mean : Acc(0);
}

/// A data value near the mean of the first few observations: the shift for the one-pass sums.
/// It is a data value so that a constant series gives deviations of exactly zero.
template <class Acc, class It>
[[nodiscard]] Acc pick_shift(It f, std::ptrdiff_t n) {
  const std::ptrdiff_t k = std::min<std::ptrdiff_t>(n, 16);
  if (k <= 0) return 0;
  Acc mean = 0;
  for (std::ptrdiff_t i = 0; i < k; ++i) mean += static_cast<Acc>(f[i]);
  mean /= static_cast<Acc>(k);
  Acc best = static_cast<Acc>(f[0]);
  for (std::ptrdiff_t i = 1; i < k; ++i)
    if (std::fabs(static_cast<Acc>(f[i]) - mean) < std::fabs(best - mean)) best = static_cast<Acc>(f[i]);
  return std::isfinite(best) ? best : Acc(0);
}

/// Whether the shifted sums are accurate: the shift is within a few standard deviations of the
/// mean, so the centring subtraction cancels at most four bits.
template <class Acc>
[[nodiscard]] bool well_centred(Acc sum_d, Acc sum_dd, Acc n) {
  return sum_d * sum_d <= (Acc(15) / Acc(16)) * n * sum_dd;
}

/// Centred moments over f[lo, hi) from deviations about `m`, close to the mean: the corrected
/// two-pass formula S_xx = sum d^2 - (sum d)^2 / n (Chan, Golub and LeVeque).
template <class Acc, class It>
[[nodiscard]] moments<Acc> centred_about(It f, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc m) {
  const Acc n = static_cast<Acc>(hi - lo);
  const shifted_sum<Acc> c = sum_deviations<Acc>(f, lo, hi, m);
  return {m + c.x / n, c.xx - c.x * c.x / n};
}

/// Pair form of centred_about.
template <class Acc, class XIt, class YIt>
[[nodiscard]] pair_moments<Acc> centred_about(XIt xf, YIt yf, std::ptrdiff_t lo, std::ptrdiff_t hi, Acc mx, Acc my) {
  const Acc n = static_cast<Acc>(hi - lo);
  const shifted_sums<Acc> c = sum_deviations<Acc>(xf, yf, lo, hi, mx, my);
  return {mx + c.x / n, my + c.y / n, c.xx - c.x * c.x / n, c.yy - c.y * c.y / n, c.xy - c.x * c.y / n};
}

/// Throws invalid_input for the first NaN or infinity of any of the named ranges in [lo, hi),
/// scanning them index by index (the earliest position first); if there is none the sums
/// overflowed, which is invalid_input too.
template <class... R>
[[noreturn]] void throw_non_finite_or_overflow(std::string_view fn, std::ptrdiff_t lo, std::ptrdiff_t hi,
                                               const std::pair<std::string_view, const R*>&... named) {
  for (std::ptrdiff_t i = lo; i < hi; ++i) {
    const auto check = [&](const auto& nr) {
      const auto v = std::ranges::begin(*nr.second)[i];
      if (!std::isfinite(v)) throw_non_finite(fn, nr.first, i, static_cast<double>(v));
    };
    (check(named), ...);
  }
  throw_overflow(fn, "the sums of squares between index " + std::to_string(lo) + " and " + std::to_string(hi - 1));
}

/// Centred moments of x over all its n elements (see the file comment for the method).
/// \throws invalid_input naming the first NaN or infinity (as name[i]), or an overflow.
template <class Acc, class X>
[[nodiscard]] moments<Acc> centred_moments(std::string_view fn, const X& x, std::string_view name) {
  const std::ptrdiff_t n = ssize(x);
  const Acc dn = static_cast<Acc>(n);
  const auto run = [&](auto xf) -> moments<Acc> {
    const Acc shift = pick_shift<Acc>(xf, n);
    const shifted_sum<Acc> s = sum_deviations<Acc>(xf, 0, n, shift);
    if (!s.finite()) throw_non_finite_or_overflow(fn, 0, n, std::pair{name, &x});
    if (well_centred(s.x, s.xx, dn)) return {shift + s.x / dn, s.xx - s.x * s.x / dn};
    return centred_about<Acc>(xf, 0, n, shift + s.x / dn);
  };
  if (const Acc* p = direct_data<Acc>(x)) return run(p);
  return run(std::ranges::begin(x));
}

/// Centred moments of the pair (x, y) over all n pairs; x and y have the same length.
/// \throws invalid_input naming the first NaN or infinity (as name_y[i] or name_x[i]), or an
///         overflow.
template <class Acc, class Y, class X>
[[nodiscard]] pair_moments<Acc> centred_moments(std::string_view fn, const Y& y, std::string_view name_y, const X& x,
                                                std::string_view name_x) {
  const std::ptrdiff_t n = ssize(x);
  const Acc dn = static_cast<Acc>(n);
  const auto run = [&](auto xf, auto yf) -> pair_moments<Acc> {
    const Acc shift_x = pick_shift<Acc>(xf, n);
    const Acc shift_y = pick_shift<Acc>(yf, n);
    const shifted_sums<Acc> s = sum_deviations<Acc>(xf, yf, 0, n, shift_x, shift_y);
    if (!s.finite()) throw_non_finite_or_overflow(fn, 0, n, std::pair{name_y, &y}, std::pair{name_x, &x});
    if (well_centred(s.x, s.xx, dn) && well_centred(s.y, s.yy, dn))
      return {shift_x + s.x / dn, shift_y + s.y / dn, s.xx - s.x * s.x / dn, s.yy - s.y * s.y / dn,
              s.xy - s.x * s.y / dn};
    return centred_about<Acc>(xf, yf, 0, n, shift_x + s.x / dn, shift_y + s.y / dn);
  };
  const Acc* xp = direct_data<Acc>(x);
  const Acc* yp = direct_data<Acc>(y);
  if (xp != nullptr && yp != nullptr) return run(xp, yp);
  return run(std::ranges::begin(x), std::ranges::begin(y));
}

/// A centred sum of squares indistinguishable from rounding: every value equal to the mean
/// within a few ulps.
template <class Acc>
[[nodiscard]] bool numerically_zero_variance(Acc s, Acc mean, Acc n) {
  const Acc ulp = 4 * std::numeric_limits<Acc>::epsilon() * std::fabs(mean);
  return !(s > n * ulp * ulp);
}

/// Whether a sum of n squared deviations is too small for its type: its terms are subnormal
/// (digits lost to gradual underflow) and 1 / S overflows. For double, returns near 1e-146 or
/// below, which no price series produces; rescaled data (percent, basis points) fits easily.
template <class Acc>
[[nodiscard]] bool underflows(Acc s, Acc n) {
  return s < n * (std::numeric_limits<Acc>::min() / std::numeric_limits<Acc>::epsilon());
}

/// Sum of x[i]^2 with four independent accumulators in Acc (for uncentred second moments,
/// which have no cancellation: every term is positive).
template <class Acc, class It>
[[nodiscard]] Acc sum_of_squares(It f, std::ptrdiff_t lo, std::ptrdiff_t hi) {
  Acc a[4] = {};
  std::ptrdiff_t i = lo;
  for (; i + 4 <= hi; i += 4)
    for (int l = 0; l < 4; ++l) {
      const Acc v = static_cast<Acc>(f[i + l]);
      a[l] += v * v;
    }
  for (; i < hi; ++i) {
    const Acc v = static_cast<Acc>(f[i]);
    a[0] += v * v;
  }
  return (a[0] + a[1]) + (a[2] + a[3]);
}

}  // namespace keel::detail
