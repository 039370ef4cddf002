// SPDX-License-Identifier: MIT
// performance: the performance report of each symbol of a price file, against a market.
//
//   performance [--prices PATH]... [--delimiter C] [--price-column NAME] [--market SYMBOL]
//               [--symbols A,B,...] [--risk-free R] [--periods-per-year N]
//
// Per symbol, on the dates it shares with the market: annual return (CAGR), annual volatility,
// Sharpe and Sortino ratios, maximum drawdown with its peak, trough and recovery dates, Calmar
// ratio, and up / down capture against the market. Without --market the market is the
// equal-weighted average return of all symbols (the bundled Dow 30 file has no index column).
#include <chrono>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/performance.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

namespace {

std::string date_or(const std::optional<std::chrono::year_month_day>& d, const char* none) {
  return d ? keel::format_date(*d) : std::string(none);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Performance of each symbol against a market, with empyrical's definitions: annual\n"
      "return (CAGR), annual volatility, Sharpe, Sortino, maximum drawdown and its dates,\n"
      "Calmar, and up/down capture (see the README's performance table).",
      "performance"};
  keel_example::price_source source;
  std::string market;
  std::vector<std::string> symbols;
  double risk_free = 0;
  int periods_per_year = 252;
  keel_example::add_price_options(app, source);
  app.add_option("--market", market, "the market's symbol (default: the equal-weighted average of all symbols)")
      ->type_name("SYMBOL");
  app.add_option("--symbols", symbols, "the symbols to report (default: all but the market)")
      ->type_name("A,B,...")
      ->delimiter(',');
  app.add_option("--risk-free", risk_free, "risk-free rate per period, as the returns (0.0001 is 1 basis point a day)")
      ->type_name("R")
      ->capture_default_str();
  keel_example::add_periods_per_year(app, periods_per_year);

  return keel_example::run(app, argc, argv, [&] {
    const bool has_market = !market.empty();
    if (app.count("--symbols") > 0 && symbols.empty()) throw keel_example::usage_error("--symbols lists no symbols");
    const keel::price_table prices = keel_example::load_prices(source);
    const auto market_returns =
        has_market ? keel_example::returns_of(prices, market) : keel::equal_weighted_returns(prices);
    if (symbols.empty())
      for (const auto& s : prices.symbols)
        if (!has_market || s != market) symbols.push_back(s);

    const auto periods = static_cast<double>(periods_per_year);
    keel_example::table out({"symbol", "return/yr", "vol/yr", "Sharpe", "Sortino", "max DD", "peak", "trough",
                             "recovery", "Calmar", "up cap", "down cap", "n"});
    for (const auto& symbol : symbols) {
      const auto aligned = keel::align(keel_example::returns_of(prices, symbol), market_returns);
      const std::vector<double>& r = aligned.first;
      const keel::dated_view returns(aligned.keys, r, symbol);
      const auto dd = keel::max_drawdown(returns);
      const auto capture = keel::capture_ratios(r, aligned.second, {.periods_per_year = periods});
      out.add(
          {symbol, keel_example::percent(keel::annual_return(r, {.periods_per_year = periods})),
           keel_example::fixed(100 * keel::annual_volatility(r, {.periods_per_year = periods}), 2) + "%",
           keel_example::fixed(keel::sharpe_ratio(r, {.risk_free = risk_free, .periods_per_year = periods}), 2),
           keel_example::fixed(keel::sortino_ratio(r, {.required_return = risk_free, .periods_per_year = periods}), 2),
           keel_example::fixed(100 * dd.depth, 2) + "%", date_or(dd.peak, "start"), date_or(dd.trough, "-"),
           date_or(dd.recovery, "not yet"),
           keel_example::fixed(keel::calmar_ratio(r, {.periods_per_year = periods}), 2),
           keel_example::fixed(capture.up, 2), keel_example::fixed(capture.down, 2),
           std::to_string(aligned.keys.size())});
    }
    std::ostringstream report;  // printed whole, so that an error leaves stdout empty
    report << "market: "
           << (has_market ? market : "equal-weighted average of " + std::to_string(prices.symbols.size()) + " symbols")
           << "; " << periods_per_year << " periods per year; risk-free " << risk_free
           << " per period; max DD is the fall from peak to trough\n\n";
    out.print(report);
    std::cout << report.str();
  });
}
