// SPDX-License-Identifier: MIT
// prices_summary: what a prices CSV holds, per symbol: observations, first and last date,
// total and mean daily simple return.
//
//   prices_summary [--prices FILE]      (default: the bundled Dow Jones 30 file)
#include <cmath>
#include <iostream>

#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/example.hpp"

int main(int argc, char** argv) {
  const keel_example::spec spec{
      "prices_summary",
      "Per symbol of a prices CSV (wide date,SYM1,SYM2,... or long date,symbol,close): the number\n"
      "of prices, the first and last date with a price, the total simple return from the first\n"
      "to the last price, and the mean daily simple return (days with both prices only).",
      {{"prices", "FILE", "prices CSV (default: the bundled Dow Jones 30, 1991-2000)"}}};
  return keel_example::run(argc, argv, spec, [](const keel_example::args& args) {
    const keel::price_table prices = keel_example::load_prices(args);
    std::cout << "prices: " << args.get("prices").value_or(keel_example::bundled_prices().filename().string())
              << " (" << prices.dates.size() << " dates x " << prices.symbols.size() << " symbols)\n\n";
    keel_example::table out({"symbol", "obs", "first", "last", "total return", "mean daily return"});
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
      std::ptrdiff_t days = 0;
      for (double r : returns.values())
        if (!std::isnan(r)) {
          sum += r;
          ++days;
        }
      const auto f = static_cast<std::size_t>(first), l = static_cast<std::size_t>(last);
      out.add({symbol, std::to_string(count), keel::detail::date_text(dates[f]),
               keel::detail::date_text(dates[l]), keel_example::percent(values[l] / values[f] - 1),
               days > 0 ? keel_example::percent(sum / static_cast<double>(days), 4) : "-"});
    }
    out.print(std::cout);
  });
}
