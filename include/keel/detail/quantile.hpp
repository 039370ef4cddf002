// SPDX-License-Identifier: MIT
// keel/detail/quantile.hpp: empirical quantiles by linear interpolation between order
// statistics (Hyndman and Fan's type 7: numpy.percentile's default "linear", R's quantile
// default, Excel's PERCENTILE.INC). Owned by keel/performance.hpp (tail_ratio); historical VaR
// may reuse it.
//
// Method. h = (n - 1) q; the quantile is x_(floor h) + (h - floor h)(x_(floor h + 1) - x_(floor h))
// on the sorted sample, written as numpy writes it (from the upper order statistic when the
// fraction is at least 1/2) so results agree with numpy to the last bit in the usual cases.
// Selection by nth_element, O(n) on average; the range is reordered.
//
// Ref: R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", Amer. Statist. 50
// (1996) 361-365, definition 7.
// IWYU pragma: private, include <keel/performance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>

#include <keel/detail/config.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The type-7 quantile at level q in [0, 1] of [first, last) (not empty), reordering the range.
template <class It>
[[nodiscard]] auto linear_quantile(It first, It last, double q) {
  using T = typename std::iterator_traits<It>::value_type;
  const std::ptrdiff_t n = last - first;
  KEEL_ASSERT(n > 0 && q >= 0 && q <= 1);
  const T h = static_cast<T>(n - 1) * static_cast<T>(q);
  const auto lo = static_cast<std::ptrdiff_t>(std::floor(h));
  std::nth_element(first, first + lo, last);
  const T a = first[lo];
  if (lo + 1 >= n) return a;
  const T b = *std::min_element(first + lo + 1, last);
  const T t = h - static_cast<T>(lo);
  // numpy's _lerp: a + t (b - a), or b - (1 - t)(b - a) when t >= 1/2 (exact at both ends).
  return t >= T(0.5) ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

}  // namespace keel::detail
