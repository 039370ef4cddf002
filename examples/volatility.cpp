// SPDX-License-Identifier: MIT
// volatility: how volatile each symbol of a price file is now, whether that is rising, how
// unusual it is, and what the HAR model expects over the coming month.
//
//   volatility [--prices PATH]... [--delimiter C] [--price-column NAME] [--symbols A,B,...]
//              [--horizon N] [--periods-per-year N]
//
// Per symbol, on its simple returns (missing prices skipped): realised volatility over the last
// 30, 60 and 90 returns, RiskMetrics EWMA volatility (lambda 0.94), the 30-vs-90-day trend and
// its strength, the percentile of the current 30-day volatility among the last 252, and the HAR
// forecast of the average volatility over the next --horizon days with the model's R^2. All
// volatilities are annualised (x sqrt(periods per year)).
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/har.hpp>
#include <keel/series.hpp>
#include <keel/volatility.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

namespace {

/// A volatility as an unsigned percentage with one decimal ("23.4%").
std::string vol_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * v);
  return buf;
}

std::string direction_text(keel::trend_direction d) {
  switch (d) {
    case keel::trend_direction::increasing:
      return "increasing";
    case keel::trend_direction::decreasing:
      return "decreasing";
    case keel::trend_direction::stable:
      return "stable";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Volatility of each symbol on its simple returns: realised over the last 30/60/90\n"
      "returns, RiskMetrics EWMA (lambda 0.94), the 30-vs-90-day trend, the percentile of\n"
      "the current 30-day volatility among the last 252, and the HAR forecast of the\n"
      "average volatility over the next --horizon days with its R^2. Annualised.",
      "volatility"};
  keel_example::price_source source;
  std::vector<std::string> symbols;
  std::ptrdiff_t horizon = 30;
  int periods_per_year = 252;
  keel_example::add_price_options(app, source);
  app.add_option("--symbols", symbols, "the symbols to report (default: all)")->type_name("A,B,...")->delimiter(',');
  app.add_option("--horizon", horizon, "days ahead of the HAR forecast, at least 1")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  keel_example::add_periods_per_year(app, periods_per_year);

  return keel_example::run(app, argc, argv, [&] {
    if (app.count("--symbols") > 0 && symbols.empty()) throw keel_example::usage_error("--symbols lists no symbols");
    const keel::price_table prices = keel_example::load_prices(source);
    if (symbols.empty()) symbols = prices.symbols;
    const double a = periods_per_year;
    const keel::realized_volatility_options realized{.periods_per_year = a};
    keel_example::table out({"symbol", "vol30", "vol60", "vol90", "ewma", "trend", "strength", "pctile",
                             "har" + std::to_string(horizon), "har R^2", "n"});
    for (const auto& symbol : symbols) {
      const auto returns = keel_example::returns_of(prices, symbol);
      try {
        const auto trend = keel::volatility_trend(returns, {.periods_per_year = a});
        const auto har = keel::har_volatility_forecast(returns, {.horizon = horizon, .periods_per_year = a});
        // The returns the daily model used: its n regression rows follow the first month.
        const std::ptrdiff_t present = har.model.n + har.model.options.monthly;
        out.add({symbol, vol_text(keel::realized_volatility(returns, 30, realized)),
                 vol_text(keel::realized_volatility(returns, 60, realized)),
                 vol_text(keel::realized_volatility(returns, 90, realized)),
                 vol_text(keel::ewma_volatility(returns, {.periods_per_year = a}).volatility),
                 direction_text(trend.direction), keel_example::fixed(trend.strength, 2),
                 keel_example::fixed(keel::volatility_percentile(returns, 30), 2), vol_text(har.volatility),
                 keel_example::fixed(har.model.r_squared, 3), std::to_string(present)});
      } catch (const keel::error& e) {  // say which symbol
        throw keel::invalid_input(symbol + ": " + e.what());
      }
    }
    std::ostringstream report;  // printed whole, so that an error leaves stdout empty
    report << "volatility of " << keel_example::describe(source) << ", annualised x sqrt(" << periods_per_year
           << "); trend: last 30 vs last 90 returns (10% threshold); pctile: current 30-day volatility among the "
              "last 252; har"
           << horizon << ": HAR-RV forecast of the next " << horizon << " days\n\n";
    out.print(report);
    std::cout << report.str();
  });
}
