// SPDX-License-Identifier: MIT
// keel/detail/present.hpp: the present (non-missing) observations of a dated series, for the
// single-series functions whose dated forms skip missing values (performance, VaR, volatility,
// HAR): one rule, written once.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <cmath>
#include <cstddef>
#include <ranges>
#include <string_view>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/traits.hpp>
#include <keel/series.hpp>

namespace keel::detail {

/// Why a return below -1 is refused where returns are compounded.
inline constexpr std::string_view compounding_rule = "a loss of more than 100% cannot be compounded";

/// The one missing-day rule of the dated forms (README, Conventions): the rows of a dated series
/// with a value, into `values` and, unless null, `keys` (cleared; capacity kept). Keys must
/// increase strictly and an infinity is invalid_input naming its key (check_dated); NaN rows
/// are missing days, skipped; with `compounding`, a value below -1 is invalid_input naming its
/// key (a compounded loss beyond everything). `fallback` names an unnamed series in messages.
template <class Key, class Real, class D>
void observed_rows(std::string_view fn, const D& d, std::vector<Key>* keys, std::vector<Real>& values,
                   bool compounding = false, std::string_view fallback = "returns") {
  const auto& k = keel::keys(d);
  const auto& v = keel::values(d);
  const std::string_view name = series_name(d, fallback);
  check_dated(fn, name, k, v);
  if (keys) keys->clear();
  values.clear();
  auto kf = std::ranges::begin(k);
  auto vf = std::ranges::begin(v);
  for (std::ptrdiff_t i = 0; i < ssize(v); ++i) {
    if (std::isnan(vf[i])) continue;
    if (compounding && vf[i] < -1)
      throw_below(fn, dated_element_text(name, i, kf[i]), static_cast<double>(vf[i]), -1, compounding_rule);
    if (keys) keys->push_back(static_cast<Key>(kf[i]));
    values.push_back(static_cast<Real>(vf[i]));
  }
}

/// Scratch of a dated rolling form (performance.hpp, volatility.hpp)'s `out` form: the observed rows, the series result
/// and its workspace (so a warm call allocates nothing).
template <class Key, class Real, class Rolled>
struct dated_rolling_workspace {
  std::vector<Key> keys;                 ///< keys of the rows kept (NaN rows skipped)
  std::vector<Real> values;              ///< their values
  Rolled rolled;                         ///< the series result
  typename Rolled::workspace rolled_ws;  ///< the series form's workspace
};

/// The present (non-NaN) values of a dated series and their keys (observed_rows).
template <class D, class Key, class Real>
void present_values(std::string_view fn, const D& d, std::vector<Key>& kept_keys, std::vector<Real>& kept) {
  observed_rows(fn, d, &kept_keys, kept);
}

/// The present values of a dated series, owned (observed_rows without the keys).
template <class D>
[[nodiscard]] std::vector<value_type_t<D>> present_values(std::string_view fn, const D& d, bool compounding = false) {
  std::vector<value_type_t<D>> out;
  observed_rows<key_type_t<D>>(fn, d, nullptr, out, compounding);
  return out;
}

}  // namespace keel::detail
