// SPDX-License-Identifier: MIT
// A downstream program linking keel::compiled (found through find_package(keel COMPONENTS
// compiled) or add_subdirectory(keel) with KEEL_BUILD_LIBRARY on): the same headers, with the
// snapshot pipeline's definitions taken from the compiled library instead of compiled here.
#ifndef KEEL_COMPILED_LIB
#error "linking keel::compiled defines KEEL_COMPILED_LIB"
#endif

#include <chrono>
#include <cstdint>
#include <iostream>
#include <vector>

#include <keel/keel.hpp>

int main() {
  using namespace std::chrono;
  // 300 days of a market and two stocks with betas near 1.2 and 0.7 (a fixed pseudo-random walk).
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
  std::cout << "keel::compiled " << KEEL_VERSION_MAJOR << "." << KEEL_VERSION_MINOR << ": " << s.positions.size()
            << " positions, value " << s.value << ", beta " << s.summary.beta << ", 1-day 99% VaR " << s.summary.var_99
            << " over " << s.summary.n << " days\n";
  return s.positions.size() == 2 && s.summary.n == 252 && s.summary.beta > 0.7 && s.summary.beta < 1.2 &&
                 s.summary.var_99 > 0
             ? 0
             : 1;
}
