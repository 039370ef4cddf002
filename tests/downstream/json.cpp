// SPDX-License-Identifier: MIT
// A downstream program linking keel::json (found through find_package(keel COMPONENTS json)),
// beside keel::compiled when the install has it: a risk snapshot written as JSON with
// keel::to_json and through nlohmann's conversion hooks.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <keel/json.hpp>
#include <keel/snapshot.hpp>

int main() {
  using namespace std::chrono;
  // 300 days of a market and two stocks (compiled.cpp's pseudo-random walk).
  keel::price_table prices;
  prices.symbols = {"MKT", "AAA", "BBB"};
  const int days_n = 300;
  prices.prices.resize(days_n, 3);
  std::uint32_t state = 12345;
  const auto noise = [&state] {
    state = state * 1664525u + 1013904223u;
    return (static_cast<double>(state >> 8) / 16777216.0 - 0.5) * 0.02;
  };
  double m = 100, a = 50, b = 20;
  for (int t = 0; t < days_n; ++t) {
    prices.dates.push_back(year_month_day{sys_days{2023y / January / 2} + days{t}});
    if (t > 0) {
      const double rm = noise();
      m *= 1 + rm;
      a *= 1 + 1.2 * rm + noise() / 4;
      b *= 1 + 0.7 * rm + noise() / 4;
    }
    prices.prices(t, 0) = m;
    prices.prices(t, 1) = a;
    prices.prices(t, 2) = b;
  }
  const std::vector<keel::holding> book = {{"AAA", 100, "Technology"}, {"BBB", 250, "Utilities"}};
  const keel::snapshot s = keel::risk_snapshot(book, prices, {.market = "MKT", .mc_paths = 1000});

  const nlohmann::ordered_json doc = keel::to_json(s);
  const nlohmann::ordered_json summary = s.summary;  // nlohmann's hook: to_json(summary)
  const nlohmann::json sorted = s;                   // the same document, keys sorted
  std::cout << "keel::json schema_version " << doc.at("schema_version") << ": " << doc.at("positions").size()
            << " positions, beta " << doc.at("summary").at("beta") << "\nsummary " << summary.dump() << "\n";
  // Compared as text: a document may hold a NaN (written as null), and NaN != NaN.
  return doc.at("schema_version") == keel::json_schema_version && doc.at("summary").dump() == summary.dump() &&
                 sorted.dump() == nlohmann::json(doc).dump() && doc.at("positions").size() == 2 &&
                 doc.at("summary").at("beta").get<double>() == s.summary.beta
             ? 0
             : 1;
}
