// SPDX-License-Identifier: MIT
// keel/detail/traits.hpp: type helpers shared by keel's algorithm headers.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <cstddef>
#include <iterator>
#include <ranges>
#include <type_traits>

namespace keel::detail {

/// The element type of a range, without cv or reference.
template <class R>
using value_t = std::remove_cvref_t<std::ranges::range_value_t<R>>;

/// The type sums are accumulated in. `float` input accumulates in `double`: a float running
/// sum of a million returns keeps about three correct digits, a double one keeps twelve.
template <class Real>
using accum_t = std::conditional_t<(sizeof(Real) < sizeof(double)), double, Real>;

/// Signed element count. Sizes are signed everywhere in keel (Eigen's Index is signed and
/// std::vector's size is not; mixing them trips -Wsign-compare). A function object rather than
/// a function so that an unqualified call never meets std::ssize through ADL.
struct ssize_fn {
  template <class R>
  [[nodiscard]] constexpr std::ptrdiff_t operator()(const R& r) const {
    return static_cast<std::ptrdiff_t>(std::ranges::size(r));
  }
};
inline constexpr ssize_fn ssize{};

}  // namespace keel::detail
