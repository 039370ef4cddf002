// SPDX-License-Identifier: MIT
// prices_summary: what a price file holds, per symbol: observations, first and last date,
// total and mean simple return per period.
//
//   prices_summary [--prices PATH]... [--delimiter C] [--price-column NAME]
//                  (default: the bundled Dow Jones 30 file)
#include <cmath>
#include <cstddef>
#include <iostream>
#include <sstream>

#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Per symbol of price files (wide date,SYM1,SYM2,..., long date,symbol,close or one\n"
      "symbol per OHLCV file, several merged on their dates): the number of prices, the first\n"
      "and last date with a price, the total simple return from the first to the last price,\n"
      "and the mean simple return per period (periods with both prices only).",
      "prices_summary"};
  keel_example::price_source source;
  keel_example::add_price_options(app, source);

  return keel_example::run(app, argc, argv, [&] {
    const keel::price_table prices = keel_example::load_prices(source);
    keel_example::table out({"symbol", "obs", "first", "last", "total return", "mean return"});
    for (const auto& symbol : prices.symbols) {
      const auto column = prices.column(symbol);
      const auto& values = keel::values(column);
      const auto& dates = keel::keys(column);
      std::ptrdiff_t first = -1, last = -1, count = 0;
      for (std::size_t i = 0; i < values.size(); ++i)
        if (!std::isnan(values[i])) {
          if (first < 0) first = static_cast<std::ptrdiff_t>(i);
          last = static_cast<std::ptrdiff_t>(i);
          ++count;
        }
      if (count == 0) {
        out.add({symbol, "0", "-", "-", "-", "-"});
        continue;
      }
      const auto returns = keel::simple_returns(column);
      double sum = 0;
      std::ptrdiff_t periods = 0;
      for (double r : returns.values())
        if (!std::isnan(r)) {
          sum += r;
          ++periods;
        }
      const auto f = static_cast<std::size_t>(first), l = static_cast<std::size_t>(last);
      out.add({symbol, std::to_string(count), keel::format_date(dates[f]), keel::format_date(dates[l]),
               keel_example::percent(values[l] / values[f] - 1),
               periods > 0 ? keel_example::percent(sum / static_cast<double>(periods), 4) : "-"});
    }
    std::ostringstream report;  // printed whole, so that an error leaves stdout empty
    report << "prices: " << keel_example::describe(source) << " (" << prices.dates.size() << " dates x "
           << prices.symbols.size() << " symbols)\n\n";
    out.print(report);
    std::cout << report.str();
  });
}
