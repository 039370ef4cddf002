// SPDX-License-Identifier: MIT
// keel/detail/check.hpp: argument checks shared by every algorithm, with keel's message style
// ("function: what[where] is how-big"). Owned by keel/error.hpp's conventions.
// IWYU pragma: private, include <keel/error.hpp>
#pragma once

#include <cmath>
#include <cstddef>
#include <ranges>
#include <string>
#include <string_view>

#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// "fn: " + text, the prefix every keel message starts with.
[[nodiscard]] inline std::string message(std::string_view fn, std::string_view text) {
  std::string out(fn);
  out += ": ";
  out += text;
  return out;
}

/// Index of the first NaN or infinity in `r`, or -1 when every element is finite.
template <class R>
[[nodiscard]] std::ptrdiff_t first_non_finite(const R& r) {
  auto first = std::ranges::begin(r);
  const std::ptrdiff_t n = ssize(r);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (!std::isfinite(first[i])) return i;
  return -1;
}

/// Throws `invalid_input` for element `index` of `name` holding the non-finite `value`.
[[noreturn]] inline void throw_non_finite(std::string_view fn, std::string_view name,
                                          std::ptrdiff_t index, double value) {
  throw invalid_input(message(fn, std::string(name) + "[" + std::to_string(index) + "] is " +
                                      number_text(value)));
}

/// Throws `invalid_input` naming the first NaN or infinity in `r`, if there is one.
template <class R>
void require_finite(std::string_view fn, std::string_view name, const R& r) {
  if (const std::ptrdiff_t i = first_non_finite(r); i >= 0)
    throw_non_finite(fn, name, i, static_cast<double>(std::ranges::begin(r)[i]));
}

/// Throws `invalid_input` unless the two inputs have the same length.
inline void require_same_size(std::string_view fn, std::string_view name_a, std::ptrdiff_t size_a,
                              std::string_view name_b, std::ptrdiff_t size_b) {
  if (size_a != size_b)
    throw invalid_input(message(fn, std::string(name_a) + " has " + std::to_string(size_a) +
                                        " values but " + std::string(name_b) + " has " +
                                        std::to_string(size_b)));
}

/// Throws `insufficient_data` unless `actual >= required`.
inline void require_observations(std::string_view fn, std::ptrdiff_t required,
                                 std::ptrdiff_t actual, std::string_view what = "observations") {
  if (actual < required)
    throw insufficient_data(message(fn, "needs at least " + std::to_string(required) + " " +
                                            std::string(what) + ", got " +
                                            std::to_string(actual)),
                            required, actual);
}

/// Throws `invalid_input` for an option outside its domain: "fn: option = value must be rule".
[[noreturn]] inline void throw_bad_option(std::string_view fn, std::string_view option,
                                          double value, std::string_view rule) {
  throw invalid_input(message(fn, std::string(option) + " = " + number_text(value) + " must be " +
                                      std::string(rule)));
}

}  // namespace keel::detail
