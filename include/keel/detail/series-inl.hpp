// SPDX-License-Identifier: MIT
// keel/detail/series-inl.hpp: the definitions of keel/series.hpp that are not templates over
// the caller's types (price_table and return_table columns, the returns of a price_table).
// Included by series.hpp in header-only mode and by src/series.cpp in the compiled library.
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

#include <keel/series.hpp>

namespace keel {

KEEL_DEF price_table::column_view price_table::column(std::string_view symbol) const {
  return column_at("price_table::column", detail::find_symbol("price_table::column", symbols, symbol));
}

KEEL_DEF price_table::column_view price_table::column(std::ptrdiff_t j) const {
  if (j < 0 || j >= detail::ssize(symbols))
    throw invalid_input(detail::message("price_table::column", "index " + std::to_string(j) +
                                                                   " is out of range for a table of " +
                                                                   std::to_string(symbols.size()) + " symbols"));
  return column_at("price_table::column", j);
}

KEEL_DEF bool price_table::contains(std::string_view symbol) const {
  return std::find(symbols.begin(), symbols.end(), symbol) != symbols.end();
}

KEEL_DEF std::ptrdiff_t price_table::index_of(std::string_view symbol) const {
  return detail::find_symbol("price_table::index_of", symbols, symbol);
}

KEEL_DEF price_table::column_view price_table::column_at(std::string_view fn, std::ptrdiff_t j) const {
  const std::ptrdiff_t rows = prices.rows();
  detail::check_table_shape(fn, "prices", detail::ssize(dates), detail::ssize(symbols), rows, prices.cols());
  const double* first = rows > 0 ? prices.data() + j * rows : nullptr;
  return column_view(std::span<const std::chrono::year_month_day>(dates),
                     std::span<const double>(first, detail::uz(rows)), symbols[detail::uz(j)]);
}

KEEL_DEF price_table::column_view return_table::column(std::string_view symbol) const {
  const std::ptrdiff_t j = detail::find_symbol("return_table::column", symbols, symbol);
  detail::check_table_shape("return_table::column", "returns", detail::ssize(dates), detail::ssize(symbols),
                            returns.rows(), returns.cols());
  const double* first = returns.rows() > 0 ? returns.data() + j * returns.rows() : nullptr;
  return {std::span<const std::chrono::year_month_day>(dates), std::span<const double>(first, dates.size()),
          symbols[detail::uz(j)]};
}

namespace detail {
template <bool Log>
[[nodiscard]] return_table table_returns(std::string_view fn, const price_table& prices) {
  const std::ptrdiff_t t = ssize(prices.dates);
  const std::ptrdiff_t n = ssize(prices.symbols);
  check_table_shape(fn, "prices", t, n, prices.prices.rows(), prices.prices.cols());
  return_table out;
  out.symbols = prices.symbols;
  if (t > 1) out.dates.assign(prices.dates.begin() + 1, prices.dates.end());
  out.returns.resize(std::max<std::ptrdiff_t>(t - 1, 0), n);
  std::vector<std::chrono::year_month_day> keys;
  std::vector<double> values;
  for (std::ptrdiff_t j = 0; j < n; ++j) {
    dated_returns_into<Log>(fn, prices.column(j), keys, values);
    std::copy(values.begin(), values.end(), out.returns.col(j).data());
  }
  return out;
}
}  // namespace detail

KEEL_DEF return_table simple_returns(const price_table& prices) {
  return detail::table_returns<false>("simple_returns", prices);
}

KEEL_DEF return_table log_returns(const price_table& prices) {
  return detail::table_returns<true>("log_returns", prices);
}

}  // namespace keel
