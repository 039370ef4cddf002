// SPDX-License-Identifier: MIT
// A downstream program: keel found through find_package(keel) or add_subdirectory(keel),
// used on the caller's own containers, header-only (keel::keel).
#ifdef KEEL_COMPILED_LIB
#error "keel::keel is header-only: KEEL_COMPILED_LIB comes only with keel::compiled"
#endif
#include <chrono>
#include <iostream>
#include <vector>

#include <keel/keel.hpp>

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "keel/keel.hpp includes nlohmann/json: the JSON add-on (keel/json.hpp, keel::json) must stay optional"
#endif

int main() {
  using namespace std::chrono;
  std::vector<year_month_day> days;
  std::vector<double> stock, market;
  double ps = 100, pm = 50;
  for (int i = 0; i < 40; ++i) {
    days.push_back(year_month_day{sys_days{2024y / January / 1} + std::chrono::days{i}});
    const double rm = 0.01 * ((i * 7) % 5 - 2);
    pm *= 1 + rm;
    ps *= 1 + 1.5 * rm + 0.001 * ((i * 3) % 4 - 1.5);
    stock.push_back(ps);
    market.push_back(pm);
  }
  const auto fit = keel::market_beta(keel::simple_returns(keel::dated_view(days, stock)),
                                     keel::simple_returns(keel::dated_view(days, market)));
  std::cout << "keel " << KEEL_VERSION_MAJOR << "." << KEEL_VERSION_MINOR << ": beta " << fit.beta << " over " << fit.n
            << " days\n";
  return fit.n == 39 && fit.beta > 1.4 && fit.beta < 1.6 ? 0 : 1;
}
