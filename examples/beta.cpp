// SPDX-License-Identifier: MIT
// beta: market beta of each symbol of a prices CSV, by OLS on daily simple returns.
//
//   beta [--prices FILE] [--market SYMBOL] [--window N] [--symbols A,B,...]
//
// Without --market the market is the equal-weighted average return of all the file's symbols
// (the bundled Dow Jones 30 file has no index column). --window N fits the last N common days.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/example.hpp"

int main(int argc, char** argv) {
  const keel_example::spec spec{
      "beta",
      "Market beta of each symbol by OLS with an intercept on daily simple returns: beta, alpha\n"
      "(annualised, x252), R^2, standard error of beta, two-sided p-value and the number of days.",
      {{"prices", "FILE", "prices CSV (default: the bundled Dow Jones 30, 1991-2000)"},
       {"market", "SYMBOL", "the market column (default: equal-weighted average of all symbols)"},
       {"window", "N", "fit the last N common days only (default: all)"},
       {"symbols", "A,B,...", "symbols to fit (default: every symbol but the market)"}}};
  return keel_example::run(argc, argv, spec, [](const keel_example::args& args) {
    const keel::price_table prices = keel_example::load_prices(args);
    const auto market_symbol = args.get("market");
    const auto market = market_symbol ? keel_example::returns_of(prices, *market_symbol)
                                      : keel_example::equal_weighted_returns(prices);
    const auto window = args.get_count("window");
    std::vector<std::string> symbols = args.get_list("symbols");
    if (symbols.empty())
      for (const auto& s : prices.symbols)
        if (!market_symbol || s != *market_symbol) symbols.push_back(s);

    keel_example::table out({"symbol", "beta", "alpha/yr", "R^2", "se(beta)", "p-value", "n"});
    for (const auto& symbol : symbols) {
      const auto aligned = keel::align(keel_example::returns_of(prices, symbol), market);
      const auto n = static_cast<std::ptrdiff_t>(aligned.keys.size());
      if (window && n < *window)
        throw keel::insufficient_data(symbol + " has " + std::to_string(n) +
                                          " days in common with the market, fewer than --window " +
                                          std::to_string(*window),
                                      *window, n);
      const auto offset = static_cast<std::size_t>(window ? n - *window : 0);
      const auto fit = keel::market_beta(std::span(aligned.first).subspan(offset),
                                         std::span(aligned.second).subspan(offset));
      out.add({symbol, keel_example::fixed(fit.beta, 3), keel_example::percent(252 * fit.alpha),
               keel_example::fixed(fit.r_squared, 3), keel_example::fixed(fit.beta_stderr, 3),
               keel_example::fixed(fit.p_value, 3, 1e-3), std::to_string(fit.n)});
    }
    std::cout << "market: "
              << (market_symbol ? *market_symbol
                                : "equal-weighted average of " + std::to_string(prices.symbols.size()) + " symbols")
              << (window ? ", last " + std::to_string(*window) + " days" : std::string(", all days")) << "\n\n";
    out.print(std::cout);
  });
}
