// SPDX-License-Identifier: MIT
// keel/detail/lanes.hpp: the vector lanes of keel's streaming kernels, and contiguous access to
// a caller's data. Owned by detail/moments.hpp and detail/window.hpp.
//
// The kernels are written over a "lane pack" V: the accumulation type itself (one lane), or,
// for double with GCC and Clang, a vector of two doubles so that two elements (or two assets)
// share every instruction (see KEEL_HAS_VECTOR_EXTENSIONS in detail/config.hpp). Measured: the
// pair forms run 1.3-1.6x faster than scalar code the compiler vectorises itself, and, unlike
// it, equally fast with GCC and Clang at -O2 and -O3. float and long double use one lane:
// float data is accumulated in double after conversion, long double has no vector type.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <concepts>
#include <cstddef>
#include <cstring>
#include <ranges>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
using double2 = double __attribute__((vector_size(16)));
#endif

/// Number of lanes of a pack: 1 for a scalar.
template <class V>
inline constexpr std::size_t pack_width = 1;
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
template <>
inline constexpr std::size_t pack_width<double2> = 2;
#endif

/// The scalar type of a pack's lanes.
template <class V>
struct lane_type {
  using type = V;
};
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
template <>
struct lane_type<double2> {
  using type = double;
};
#endif
template <class V>
using lane_t = typename lane_type<V>::type;

/// The widest pack of an accumulation type: two doubles where there are vector extensions,
/// else the type itself (float data accumulates in double; long double has no vector type).
template <class Acc>
struct wide_pack {
  using type = Acc;
};
#if defined(KEEL_HAS_VECTOR_EXTENSIONS)
template <>
struct wide_pack<double> {
  using type = double2;
};
#endif
template <class Acc>
using wide_pack_t = typename wide_pack<Acc>::type;

/// Every lane set to `a`.
template <class V>
[[nodiscard]] V splat(lane_t<V> a) {
  if constexpr (pack_width<V> == 1)
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

/// Element i of each lane's series: y[l][i] in lane l.
template <class V>
[[nodiscard]] V gather(const lane_t<V>* const* y, std::ptrdiff_t i) {
  if constexpr (pack_width<V> == 1)
    return y[0][i];
  else
    return V{y[0][i], y[1][i]};
}

/// A pack from an array of one value per lane.
template <class V>
[[nodiscard]] V from_lanes(const lane_t<V>* a) {
  if constexpr (pack_width<V> == 1)
    return a[0];
  else
    return V{a[0], a[1]};
}

/// Lane l of a pack.
template <class V>
[[nodiscard]] lane_t<V> lane(const V& v, std::size_t l) {
  if constexpr (pack_width<V> == 1)
    return v;
  else
    return v[l];
}

/// The memory of `r` as contiguous `Acc` when it has some: a contiguous range of Acc, or an
/// Eigen object with direct access and unit inner stride; nullptr otherwise.
template <class Acc, class R>
[[nodiscard]] const Acc* direct_data(const R& r) {
  if constexpr (std::same_as<value_t<R>, Acc>) {
    if constexpr (std::ranges::contiguous_range<const R&>) {
      return std::ranges::data(r);
    } else if constexpr (requires {
                           { r.data() } -> std::convertible_to<const Acc*>;
                           { r.innerStride() } -> std::convertible_to<std::ptrdiff_t>;
                         }) {
      if (r.innerStride() == 1) return r.data();
    }
  }
  return nullptr;
}

/// The elements of `r` as contiguous `Acc`: its own memory (direct_data), otherwise a
/// converted copy in `scratch` (resized; its capacity is kept for the next call). The rolling
/// kernels read through plain pointers.
template <class Acc, class R>
[[nodiscard]] const Acc* contiguous_data(const R& r, std::vector<Acc>& scratch) {
  if (const Acc* p = direct_data<Acc>(r)) return p;
  scratch.resize(uz(ssize(r)));
  convert_into(r, scratch.data());
  return scratch.data();
}

}  // namespace keel::detail
