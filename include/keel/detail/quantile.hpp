// SPDX-License-Identifier: MIT
// keel/detail/quantile.hpp: empirical quantiles and tail means of a sample, by selection
// (O(n), no full sort). Owned by keel/var.hpp (historical and Monte Carlo VaR / CVaR); the
// performance ratios (tail_ratio: linear_quantile) use it too.
//
// Rules (those of numpy and empyrical, which keel's historical VaR matches)
//   quantile at level p of n values: linear interpolation between order statistics at the
//     position h = (n - 1) p (numpy's default, Hyndman and Fan's type 7):
//     q = x_(lo) + (h - lo) (x_(lo+1) - x_(lo)), lo = floor(h), x_(0) the smallest;
//   tail of level p: the k = floor((n - 1) p) + 1 smallest values (empyrical's
//     conditional_value_at_risk), whose mean is the tail mean.
// A position within 1e-9 of a whole number is taken as that number: 1 - 0.9 is
// 0.09999999999999998 in double, and (n - 1)(1 - 0.9) must select the same order statistic as
// empyrical's cutoff 0.1 does (with it (n - 1) 0.1 is a whole number exactly when it should be).
//
// Ref: R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", Amer. Statist.
// 50 (1996) 361-365 (definition 7).
// IWYU pragma: private, include <keel/var.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <iterator>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// Where the type-7 quantile of level p of n values sits: order statistics lo and lo + 1
/// (lo + 1 capped at n - 1) with weight `frac` on the upper one.
struct quantile_position {
  std::ptrdiff_t lo = 0;
  double frac = 0;
};

/// The type-7 position of level p in (0, 1) among n >= 1 values (see the file comment).
[[nodiscard]] inline quantile_position type7_position(std::ptrdiff_t n, double p) {
  const double h = static_cast<double>(n - 1) * p;
  double lo = std::floor(h);
  double frac = h - lo;
  if (1 - frac < 1e-9) {  // just below a whole number: rounding, not data
    lo += 1;
    frac = 0;
  } else if (frac < 1e-9) {
    frac = 0;
  }
  const auto ilo = std::min(static_cast<std::ptrdiff_t>(lo), n - 1);
  return {ilo, ilo == n - 1 ? 0.0 : frac};
}

/// numpy's _lerp: a + t (b - a), or b - (1 - t)(b - a) when t >= 1/2, exact at both ends, so
/// results agree with numpy.percentile to the last bit in the usual cases.
template <class T>
[[nodiscard]] T numpy_lerp(T a, T b, T t) {
  return t >= T(0.5) ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/// Number of values in the tail of level p: floor((n - 1) p) + 1 (empyrical's rule), >= 1.
[[nodiscard]] inline std::ptrdiff_t tail_count(std::ptrdiff_t n, double p) { return type7_position(n, p).lo + 1; }

/// The quantile and the tail mean of level p of x[0, n), reordering x (selection; the set of
/// values is kept). O(n) for the quantile plus O(k log k) to sum the k tail values in sorted
/// order, so the mean does not depend on how the selection permuted them.
template <class Acc>
struct tail_summary {
  Acc quantile{};              ///< type-7 quantile of level p
  Acc tail_mean{};             ///< mean of the k smallest values
  Acc tail_stddev{};           ///< sample standard deviation (k - 1) of the k smallest values (0 for k = 1)
  std::ptrdiff_t tail = 0;     ///< k
  quantile_position position;  ///< where the quantile sits
};

/// See tail_summary. x is reordered: x[0, k) ends sorted ascending.
template <class Acc>
[[nodiscard]] tail_summary<Acc> summarize_tail(Acc* x, std::ptrdiff_t n, double p) {
  tail_summary<Acc> out;
  out.position = type7_position(n, p);
  const std::ptrdiff_t lo = out.position.lo;
  std::nth_element(x, x + lo, x + n);
  const Acc x_lo = x[lo];
  const Acc x_hi = lo + 1 < n ? *std::min_element(x + lo + 1, x + n) : x_lo;
  out.quantile = out.position.frac == 0 ? x_lo : x_lo + static_cast<Acc>(out.position.frac) * (x_hi - x_lo);
  if (!std::isfinite(out.quantile) && std::isfinite(x_lo) && std::isfinite(x_hi))  // x_hi - x_lo overflowed
    out.quantile = numpy_lerp(x_lo, x_hi, static_cast<Acc>(out.position.frac));
  out.tail = lo + 1;
  std::sort(x, x + out.tail);
  Acc sum = 0;
  for (std::ptrdiff_t i = 0; i < out.tail; ++i) sum += x[i];
  out.tail_mean = sum / static_cast<Acc>(out.tail);
  // Deviations scaled by the largest, so that squares of returns near the type's range do not
  // overflow a standard deviation that fits.
  Acc big = 0;
  for (std::ptrdiff_t i = 0; i < out.tail; ++i) big = std::max(big, std::fabs(x[i] - out.tail_mean));
  if (out.tail > 1 && big > 0 && std::isfinite(big)) {
    Acc ss = 0;
    for (std::ptrdiff_t i = 0; i < out.tail; ++i) {
      const Acc d = (x[i] - out.tail_mean) / big;
      ss += d * d;
    }
    out.tail_stddev = big * std::sqrt(ss / static_cast<Acc>(out.tail - 1));
  } else if (!std::isfinite(big)) {
    out.tail_stddev = big;
  }
  return out;
}

/// The type-7 quantile at level q in [0, 1] of [first, last) (not empty), reordering the range
/// (numpy.percentile's "linear").
template <class It>
[[nodiscard]] auto linear_quantile(It first, It last, double q) {
  using T = typename std::iterator_traits<It>::value_type;
  const std::ptrdiff_t n = last - first;
  KEEL_ASSERT(n > 0 && q >= 0 && q <= 1);
  const quantile_position at = type7_position(n, q);
  std::nth_element(first, first + at.lo, last);
  const T a = first[at.lo];
  if (at.lo + 1 >= n || at.frac == 0) return a;
  return numpy_lerp(a, *std::min_element(first + at.lo + 1, last), static_cast<T>(at.frac));
}

/// The order statistic of rank r (0-based) of x[0, n), reordering x.
template <class Acc>
[[nodiscard]] Acc order_statistic(Acc* x, std::ptrdiff_t n, std::ptrdiff_t r) {
  std::nth_element(x, x + r, x + n);
  return x[r];
}

/// Indices 0..n-1 of `x` ordered by (x[i], i), a strict total order (ties by index), with the
/// first `count` of them sorted: the scenarios of a tail, ties broken by the earlier one.
template <class Acc>
void order_tail_indices(const Acc* x, std::ptrdiff_t n, std::ptrdiff_t count, std::vector<std::ptrdiff_t>& idx) {
  idx.resize(uz(n));
  for (std::ptrdiff_t i = 0; i < n; ++i) idx[uz(i)] = i;
  const auto before = [x](std::ptrdiff_t a, std::ptrdiff_t b) { return x[a] < x[b] || (x[a] == x[b] && a < b); };
  count = std::min(count, n);
  if (count < n) std::nth_element(idx.begin(), idx.begin() + (count - 1), idx.end(), before);
  std::sort(idx.begin(), idx.begin() + count, before);
}

}  // namespace keel::detail
