// SPDX-License-Identifier: MIT
// beta: market beta of each symbol of a price file, by OLS on simple returns.
//
//   beta [--prices PATH]... [--delimiter C] [--price-column NAME] [--market SYMBOL]
//        [--symbols A,B,...] [--window N] [--min-observations N] [--periods-per-year N]
//
// Without --market the market is the equal-weighted average return of all the symbols (the
// bundled Dow Jones 30 file has no index column). --window N fits the last N common dates.
#include <cstddef>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Market beta of each symbol by OLS with an intercept on simple returns: beta, alpha\n"
      "(annualised: x periods per year), R^2, standard error of beta, two-sided p-value and\n"
      "the number of returns.",
      "beta"};
  keel_example::price_source source;
  std::string market;
  std::vector<std::string> symbols;
  std::ptrdiff_t window = 0;
  std::ptrdiff_t min_observations = keel::beta_options{}.min_observations;
  int periods_per_year = 252;
  keel_example::add_price_options(app, source);
  app.add_option("--market", market, "the market's symbol (default: the equal-weighted average of all symbols)")
      ->type_name("SYMBOL");
  app.add_option("--symbols", symbols, "the symbols to fit (default: all but the market)")
      ->type_name("A,B,...")
      ->delimiter(',');
  auto* window_option = app.add_option("--window", window, "fit the last N >= 1 common returns only (default: all)")
                            ->type_name("N")
                            ->check(keel_example::at_least(1));
  app.add_option("--min-observations", min_observations,
                 "fewer common returns than this (at least 3) is an error "
                 "(beta_options::min_observations)")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(3));
  keel_example::add_periods_per_year(app, periods_per_year);

  return keel_example::run(app, argc, argv, [&] {
    const bool has_market = !market.empty();
    for (const auto& s : symbols)
      if (has_market && s == market)
        throw keel_example::usage_error("--symbols lists the market " + market +
                                        ": a symbol regressed on itself has beta 1 by definition");
    if (app.count("--symbols") > 0 && symbols.empty()) throw keel_example::usage_error("--symbols lists no symbols");

    const keel::price_table prices = keel_example::load_prices(source);
    const auto market_returns =
        has_market ? keel_example::returns_of(prices, market) : keel::equal_weighted_returns(prices);
    if (symbols.empty())
      for (const auto& s : prices.symbols)
        if (!has_market || s != market) symbols.push_back(s);

    const bool windowed = window_option->count() > 0;
    const keel::beta_options options{.min_observations = min_observations};
    keel_example::table out({"symbol", "beta", "alpha/yr", "R^2", "se(beta)", "p-value", "n"});
    for (const auto& symbol : symbols) {
      const auto aligned = keel::align(keel_example::returns_of(prices, symbol), market_returns);
      const auto n = static_cast<std::ptrdiff_t>(aligned.keys.size());
      if (windowed && n < window)
        throw keel::insufficient_data(symbol + " has " + std::to_string(n) +
                                          " returns in common with the market, fewer than "
                                          "--window " +
                                          std::to_string(window),
                                      window, n);
      const auto offset = static_cast<std::size_t>(windowed ? n - window : 0);
      const auto fit = [&] {
        try {
          return keel::market_beta(std::span(aligned.first).subspan(offset), std::span(aligned.second).subspan(offset),
                                   options);
        } catch (const keel::insufficient_data& e) {  // say which symbol, and which option
          throw keel::insufficient_data(
              symbol + ": " + e.what() + "; --min-observations is " + std::to_string(min_observations), e.required(),
              e.actual());
        }
      }();
      out.add({symbol, keel_example::fixed(fit.beta, 3), keel_example::percent(periods_per_year * fit.alpha),
               keel_example::fixed(fit.r_squared, 3), keel_example::fixed(fit.beta_stderr, 3),
               keel_example::fixed(fit.p_value, 3, 1e-3), std::to_string(fit.n)});
    }
    std::ostringstream report;  // printed whole, so that an error leaves stdout empty
    report << "market: "
           << (has_market ? market : "equal-weighted average of " + std::to_string(prices.symbols.size()) + " symbols")
           << (windowed ? ", last " + std::to_string(window) + " returns" : std::string(", all returns"))
           << "; alpha x " << periods_per_year << " per year\n\n";
    out.print(report);
    std::cout << report.str();
  });
}
