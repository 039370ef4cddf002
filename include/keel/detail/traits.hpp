// SPDX-License-Identifier: MIT
// keel/detail/traits.hpp: type helpers shared by keel's algorithm headers: element types, the
// floating-point rule (accum_t, result_t) and signed sizes. Owned by keel/series.hpp.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <concepts>
#include <cstddef>
#include <iterator>
#include <ranges>
#include <type_traits>

#include <keel/detail/config.hpp>

namespace keel::detail {

/// The element type of a range, without cv or reference.
template <class R>
using value_t = std::remove_cvref_t<std::ranges::range_value_t<R>>;

/// The type sums are accumulated in: double for float input (a float running sum of a million
/// returns keeps about three correct digits, a double one twelve); double and long double stay
/// themselves. Every keel kernel accumulates in accum_t of its result type.
template <class Real>
using accum_t = std::conditional_t<(sizeof(Real) < sizeof(double)), double, Real>;

/// The floating type of a result computed from inputs of the given floating types: their
/// common type (float only when every input is float; long double when any is).
template <std::floating_point... Reals>
using result_t = std::common_type_t<Reals...>;

/// result_t of the element types of ranges (Series) and the scalars of Eigen expressions.
template <class... Rs>
using range_result_t = result_t<value_t<Rs>...>;

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

/// std::size_t of a signed index known to be non-negative (for std::vector's operator[]).
[[nodiscard]] constexpr std::size_t uz(std::ptrdiff_t i) noexcept { return static_cast<std::size_t>(i); }

/// The elements of a series converted to T, written to out[0..n): the one loop that copies a
/// Series (any storage, any iterator) into owned storage, a std::vector or an Eigen vector.
template <class T, class S>
void convert_into(const S& s, T* out) {
  auto f = std::ranges::begin(s);
  const std::ptrdiff_t n = ssize(s);
  for (std::ptrdiff_t i = 0; i < n; ++i) out[i] = static_cast<T>(f[i]);
}

}  // namespace keel::detail
