// SPDX-License-Identifier: MIT
// rebalance: the drift of each position from its target weight and the whole-lot orders that
// bring the book back inside its bands; with --new-value, the whole-share allocation of a new
// portfolio of that value to the same targets (greedy and exact).
//
//   rebalance [--prices PATH]... [--delimiter C] [--price-column NAME] [--portfolio FILE]
//             [--targets FILE] [--band W] [--relative] [--to target|band-edge] [--cash X]
//             [--min-trade X] [--lot-size N] [--cost-bps X] [--allow-short] [--new-value X]
//
// The portfolio file is `symbol,quantity[,sector]` (default: examples/data/dow30_portfolio.csv)
// and the targets file `symbol,weight` (default: examples/data/dow30_targets.csv); a symbol in
// one and not the other has quantity or target 0. Positions are priced at the last prices.
#include <cstddef>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/portfolio.hpp>
#include <keel/rebalance.hpp>
#include <keel/series.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "The drift of each position from its target weight and the whole-lot orders (sells first, within\n"
      "the cash, above a minimum trade, at a cost) that bring the book back inside its bands.",
      "rebalance"};
  keel_example::price_source source;
  std::string portfolio_path = keel_example::bundled_file("dow30_portfolio.csv").string();
  std::string targets_path = keel_example::bundled_file("dow30_targets.csv").string();
  std::string to = "target";
  double band = 0.01, cash = 0, min_trade = 0, cost_bps = 5;
  std::int64_t lot_size = 1;
  bool relative = false, allow_short = false;
  std::optional<double> new_value;
  keel_example::add_price_options(app, source);
  app.add_option("--portfolio", portfolio_path, "the portfolio file: symbol,quantity[,sector] (default: bundled)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--targets", targets_path, "the target weights file: symbol,weight (default: bundled)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--band", band, "the drift that triggers a trade: a weight (0.01 = one percentage point)")
      ->type_name("W")
      ->capture_default_str();
  app.add_flag("--relative", relative, "--band is a fraction of each target weight (0.25 = a quarter of it)");
  app.add_option("--to", to, "target (every position to its target) or band-edge (least turnover)")
      ->capture_default_str()
      ->check(CLI::IsMember({"target", "band-edge"}));
  app.add_option("--cash", cash, "cash held beside the positions")->type_name("X")->capture_default_str();
  app.add_option("--min-trade", min_trade, "least value of an order")->type_name("X")->capture_default_str();
  app.add_option("--lot-size", lot_size, "shares per lot, at least 1")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  app.add_option("--cost-bps", cost_bps, "cost of an order, basis points of its value")
      ->type_name("X")
      ->capture_default_str();
  app.add_flag("--allow-short", allow_short, "allow short positions and negative targets");
  app.add_option("--new-value", new_value, "also allocate a new portfolio of this value to the targets")
      ->type_name("X");

  return keel_example::run(app, argc, argv, [&] {
    const std::vector<keel::holding> book = keel::read_holdings(std::filesystem::path(portfolio_path));
    const std::vector<keel_example::target_weight> targets = keel_example::read_targets(targets_path);
    const keel::price_table prices = keel_example::load_prices(source);
    // The union of the two files' symbols, in the portfolio's order then the targets'.
    std::vector<std::string> symbols;
    std::vector<double> quantities, weights, last;
    const auto position = [&](const std::string& s) {
      for (std::size_t i = 0; i < symbols.size(); ++i)
        if (symbols[i] == s) return i;
      symbols.push_back(s);
      quantities.push_back(0);
      weights.push_back(0);
      last.push_back(prices.prices(prices.prices.rows() - 1, prices.index_of(s)));
      return symbols.size() - 1;
    };
    for (const auto& h : book) quantities[position(h.symbol)] += h.quantity;
    for (const auto& w : targets) weights[position(w.symbol)] += w.weight;
    const keel::rebalance_options options{
        .band = relative ? keel::drift_band::relative(band) : keel::drift_band(band),
        .to = to == "band-edge" ? keel::rebalance_to::band_edge : keel::rebalance_to::target,
        .cash = cash,
        .min_trade_value = min_trade,
        .lot_size = lot_size,
        .cost_bps = cost_bps,
        .allow_short = allow_short,
        .symbols = symbols};
    const keel::rebalance_plan<double> plan = keel::rebalance_orders(quantities, last, weights, options);

    std::ostringstream out;  // printed whole, so that an error leaves stdout empty
    double value = cash;
    for (std::size_t i = 0; i < symbols.size(); ++i) value += quantities[i] * last[i];
    out << symbols.size() << " positions, value " << keel_example::fixed(value, 0) << " on "
        << keel::format_date(prices.dates.back()) << "; band "
        << (relative ? keel_example::fixed(100 * band, 1) + "% of each target"
                     : keel_example::fixed(100 * band, 2) + " points")
        << ", to " << to << "\n\n";
    keel_example::table drift({"symbol", "quantity", "price", "weight", "target", "drift", ""});
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const double tolerance = relative ? band * std::abs(weights[i]) : band;
      drift.add({symbols[i], keel_example::fixed(quantities[i], 0), keel_example::fixed(last[i], 2),
                 keel_example::fixed(100 * (plan.drifts[i] + weights[i]), 2) + "%",
                 keel_example::fixed(100 * weights[i], 2) + "%", keel_example::percent(plan.drifts[i]),
                 std::abs(plan.drifts[i]) > tolerance ? "outside" : ""});
    }
    drift.print(out);
    if (!plan.needed) {
      out << "\n" << plan.reason << "\n";
    } else {
      out << "\nOrders (sells first):\n";
      keel_example::table orders({"symbol", "side", "quantity", "value", "cost", "weight after"});
      for (const auto& o : plan.orders)
        orders.add({o.symbol, o.side == keel::order_side::buy ? "buy" : "sell", keel_example::fixed(o.quantity, 0),
                    keel_example::fixed(o.value, 2), keel_example::fixed(o.cost, 2),
                    keel_example::fixed(100 * plan.weights_after[static_cast<std::size_t>(o.position)], 2) + "%"});
      orders.print(out);
      out << plan.orders.size() << " orders, turnover " << keel_example::fixed(100 * plan.turnover, 2) << "%, cost "
          << keel_example::fixed(plan.total_cost, 2) << ", cash after " << keel_example::fixed(plan.cash_after, 2)
          << "\n";
      if (!plan.reason.empty()) out << "outside their bands after trading: " << plan.reason << "\n";
    }
    if (new_value) {
      const auto greedy = keel::discrete_allocation(weights, last, *new_value, {.lot_size = lot_size});
      const auto exact = keel::discrete_allocation(weights, last, *new_value,
                                                   {.method = keel::allocation_method::exact, .lot_size = lot_size});
      out << "\nA new portfolio of " << keel_example::fixed(*new_value, 0) << " in whole lots:\n";
      keel_example::table alloc({"symbol", "target", "greedy", "exact"});
      for (std::size_t i = 0; i < symbols.size(); ++i)
        alloc.add({symbols[i], keel_example::fixed(*new_value * weights[i], 2), std::to_string(greedy.quantities[i]),
                   std::to_string(exact.quantities[i])});
      alloc.print(out);
      out << "L1 error: greedy " << keel_example::fixed(greedy.l1_error, 2) << ", exact "
          << keel_example::fixed(exact.l1_error, 2) << (exact.optimal ? " (optimal)" : " (best found)")
          << "; leftover: greedy " << keel_example::fixed(greedy.leftover, 2) << ", exact "
          << keel_example::fixed(exact.leftover, 2) << "\n";
    }
    std::cout << out.str();
  });
}
