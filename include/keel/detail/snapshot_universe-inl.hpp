// SPDX-License-Identifier: MIT
// keel/detail/snapshot_universe-inl.hpp: the definition of prepare_universe (keel/snapshot.hpp). Included by
// detail/snapshot-inl.hpp in header-only mode and by src/snapshot_universe.cpp in the compiled library.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/snapshot_sections.hpp>
#include <keel/snapshot.hpp>

namespace keel {

KEEL_DEF snapshot_universe prepare_universe(const price_table& prices, const snapshot_options& options) {
  constexpr std::string_view fn = "prepare_universe";
  detail::snap::check_options(fn, options);
  detail::check_table_shape(fn, "prices", detail::ssize(prices.dates), detail::ssize(prices.symbols),
                            prices.prices.rows(), prices.prices.cols());
  const std::ptrdiff_t m = detail::find_symbol(fn, prices.symbols, options.market);
  const std::ptrdiff_t end = detail::snap::as_of_row(fn, prices, options);
  const std::ptrdiff_t t = options.window;
  if (end < t)
    throw insufficient_data(
        detail::message(fn, "a window of " + std::to_string(t) + " returns needs " + std::to_string(t + 1) +
                                " prices up to as_of " + detail::date_text(prices.dates[detail::uz(end)]) +
                                "; the prices have " + std::to_string(end + 1) + " from " +
                                detail::date_text(prices.dates.front()) + " (set by window)"),
        t + 1, end + 1);
  snapshot_universe u;
  u.market = options.market;
  u.as_of = prices.dates[detail::uz(end)];
  u.periods_per_year = options.periods_per_year;
  const std::ptrdiff_t first = end - t + 1;
  u.dates.assign(prices.dates.begin() + first, prices.dates.begin() + end + 1);
  u.symbols = prices.symbols;
  const auto n = detail::ssize(u.symbols);
  u.returns.resize(t, n);
  // The returns before the window (up to backtest_days rows) for the VaR backtest, from the
  // same pass over each column as the window's.
  const std::ptrdiff_t start = std::max<std::ptrdiff_t>(1, first - options.backtest_days);
  const std::ptrdiff_t history_rows = first - start;
  u.history_returns.resize(history_rows, n);
  u.history_dates.assign(prices.dates.begin() + start, prices.dates.begin() + first);
  std::vector<std::string> bad(detail::uz(n));
  for (std::ptrdiff_t j = 0; j < n; ++j) {
    bad[detail::uz(j)] = detail::snap::column_pass(prices, j, start, first, end, u.returns.data() + j * t,
                                                   u.history_returns.data() + j * history_rows);
    if (!bad[detail::uz(j)].empty() && options.bad_prices == bad_price_rule::reject)
      throw invalid_input(detail::message(fn, bad[detail::uz(j)]));
  }
  u.last_prices.assign(detail::uz(n), 0.0);
  u.usable.assign(detail::uz(n), false);
  u.reasons.assign(detail::uz(n), std::string());
  u.betas.assign(detail::uz(n), beta_fit<double>{});
  detail::snap::mark_usable(u, prices, end, bad);
  if (!bad[detail::uz(m)].empty()) throw invalid_input(detail::message(fn, "the market: " + bad[detail::uz(m)]));
  if (!u.usable[detail::uz(m)])
    throw insufficient_data(detail::message(fn, "the market: " + u.reasons[detail::uz(m)]), t, 0);
  const auto mk = detail::snap::column(u, m);
  u.market_returns.assign(mk.begin(), mk.end());
  detail::snap::asset_statistics(u);
  return u;
}

}  // namespace keel
