// SPDX-License-Identifier: MIT
// The README's ten-line program: the beta of one column of a prices CSV to another.
//   quickstart prices.csv NVDA SPY
#include <iostream>
#include <keel/beta.hpp>
#include <keel/csv.hpp>

int main(int argc, char** argv) try {
  if (argc != 4) throw keel::invalid_input("usage: quickstart PRICES.csv STOCK MARKET");
  const keel::price_table prices = keel::read_prices_csv(argv[1]);
  const auto stock = keel::simple_returns(prices.column(argv[2]));  // dated returns
  const auto market = keel::simple_returns(prices.column(argv[3]));
  const auto fit = keel::market_beta(stock, market, {.min_observations = 60});  // aligns dates
  std::cout << "beta " << fit.beta << " (se " << fit.beta_stderr << ", R^2 " << fit.r_squared << ", p " << fit.p_value
            << ", n " << fit.n << ")\n";
} catch (const keel::error& e) {
  std::cerr << e.what() << "\n";
  return 2;
}
