// SPDX-License-Identifier: MIT
// keel/detail/compound.hpp: compounding simple returns without overflow, underflow or the
// cancellation of 1 + r - 1. Owned by keel/performance.hpp (annual_return, capture_ratios,
// treynor_ratio, calmar_ratio); used by keel/attribution.hpp (compounded period returns).
//
// Method. Growth G = prod (1 + r_i) is kept as a mantissa in [2^-500, 2^500] and a binary
// exponent: each factor is multiplied in (a factor outside that range is split by frexp first,
// so no product leaves double's range) and the mantissa is renormalised only when it leaves the
// range, which daily returns never make it do. The relative error is at most n ulps, as for the
// plain product numpy's cumprod takes, with no overflow after a million +100% returns and no
// underflow after a wipe-out short of -100%. log G = log(m) + e ln 2 and annualised growth
// G^(p / n) - 1 = expm1(log G * p / n) keep full relative precision when G is close to 1.
// IWYU pragma: private, include <keel/performance.hpp>
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>

#include <keel/detail/config.hpp>

namespace keel::detail {

/// The running product of growth factors 1 + r as mantissa x 2^exponent (see the file comment).
/// A factor of exactly 0 (a return of -100%) makes the growth 0 for good: `wiped`.
template <class Acc>
struct growth {
  Acc mantissa = 1;          ///< in [2^-500, 2^500] unless wiped
  long long exponent = 0;    ///< binary exponent
  std::ptrdiff_t count = 0;  ///< factors multiplied in
  bool wiped = false;        ///< a factor was 0: the growth is 0

  /// Multiplies in the factor 1 + r, r > -1 or r == -1 (the caller checked r >= -1).
  void add(Acc r) {
    ++count;
    Acc f = 1 + r;
    if (wiped) return;
    if (!(f >= Acc(0x1p-500) && f <= Acc(0x1p500))) [[unlikely]] {
      if (!(f > 0)) {
        wiped = true;
        return;
      }
      int k = 0;
      f = std::frexp(f, &k);
      exponent += k;
    }
    mantissa *= f;
    if (!(mantissa >= Acc(0x1p-500) && mantissa <= Acc(0x1p500))) [[unlikely]] {
      int k = 0;
      mantissa = std::frexp(mantissa, &k);
      exponent += k;
    }
  }

  /// log G; -inf when wiped.
  [[nodiscard]] Acc log() const {
    if (wiped) return -std::numeric_limits<Acc>::infinity();
    return std::log(mantissa) + static_cast<Acc>(exponent) * std::numbers::ln2_v<Acc>;
  }

  /// G - 1, the total return (inf when G overflows Acc, -1 when wiped).
  [[nodiscard]] Acc total_return() const { return std::expm1(log()); }

  /// G^(periods / count) - 1, the compound annual growth rate over count periods (-1 when
  /// wiped; inf when it overflows Acc, which the caller reports). count > 0.
  [[nodiscard]] Acc annualised(Acc periods) const {
    if (wiped) return Acc(-1);
    return std::expm1(log() * (periods / static_cast<Acc>(count)));
  }
};

}  // namespace keel::detail
