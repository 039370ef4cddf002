// SPDX-License-Identifier: MIT
// keel/detail/present.hpp: the present (non-missing) observations of a dated series, for the
// single-series functions whose dated forms skip missing values (volatility, HAR). Owned by
// keel/volatility.hpp.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <cmath>
#include <cstddef>
#include <ranges>
#include <string_view>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>
#include <keel/series.hpp>

namespace keel::detail {

/// The present (non-NaN) values of a dated series and their keys, into kept / kept_keys (cleared;
/// capacity kept). An infinity is invalid_input (as everywhere).
template <class D, class Key, class Real>
void present_values(std::string_view fn, const D& d, std::vector<Key>& kept_keys, std::vector<Real>& kept) {
  const auto& k = keel::keys(d);
  const auto& v = keel::values(d);
  check_dated(fn, series_name(d, "returns"), k, v);
  kept_keys.clear();
  kept.clear();
  auto kf = std::ranges::begin(k);
  auto vf = std::ranges::begin(v);
  for (std::ptrdiff_t i = 0; i < ssize(v); ++i)
    if (!std::isnan(vf[i])) {
      kept_keys.push_back(static_cast<Key>(kf[i]));
      kept.push_back(static_cast<Real>(vf[i]));
    }
}

}  // namespace keel::detail
