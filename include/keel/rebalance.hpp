// SPDX-License-Identifier: MIT
// keel/rebalance.hpp: from drifted holdings or new money to whole-lot orders.
//
// Synopsis
//   rebalance_orders(holdings, prices, target_weights,
//                    rebalance_options{band, to, cash, min_trade_value, lot_size, cost_bps,
//                                      allow_short, symbols, costs})
//                                        -> rebalance_plan{needed, drifts, orders, cash_after,
//                                           weights_after, turnover, total_cost, reason,
//                                           residual_drifts, impact_cost}
//   rebalance_order{symbol, side, quantity, value, cost, position, impact}
//   discrete_allocation(weights, latest_prices, total_value,
//                       allocation_options{method, lot_size, max_nodes})
//                                        -> allocation{quantities, leftover, l1_error, optimal,
//                                           nodes}
//   drift_band{width, kind}: absolute (drift_band(0.05) or drift_band::absolute(0.05)) or
//   relative (drift_band::relative(0.25)); order_side{buy, sell}
//
// The rebalancing rules
//   - Value V = sum_i h_i p_i + cash; weight w_i = h_i p_i / V; drift d_i = w_i - target_i.
//   - Band: position i is inside when |d_i| <= tol_i, tol_i = width (absolute: 0.05 is five
//     percentage points) or width x |target_i| (relative: 0.25 is a quarter of the target; a
//     zero target then has no tolerance). needed = some position outside; otherwise no orders.
//   - to = target: every position trades to the whole lot nearest its target value (a full
//     rebalance); to = band_edge: only positions outside their bands trade, the fewest lots that
//     bring them inside (the nearest edge), with the least turnover.
//   - Orders are whole lots of lot_size shares, each worth at least min_trade_value and costing
//     cost_bps / 10^4 of its value (paid from the cash); sells come first, so the cash never
//     goes negative: when the buys need more than the cash and the sales provide, band_edge sells
//     more of positions that stay inside their bands, and what is still missing is cut from the
//     buys. Weights after are fractions of the value after trading, V - costs.
//   - Cost models (rebalance_options::costs, costs.hpp; in shares: daily_volume is shares a
//     day): an order of s shares of value t costs rate_i t + c_i sigma_i t (s / ADV_i)^(e_i - 1),
//     rate_i = cost_bps / 10^4 + half_spread_i + commission_i (< 1), the impact term only when
//     the model has impact (the square-root law for e = 1.5). order.impact and
//     plan.impact_cost report the impact part. The cost increases with s, so band_edge's trade
//     of a position (the fewest lots that bring it inside its band at the value V' the plan
//     leaves) is also its cheapest: the plan is cost-minimal position by position; the extra
//     sales that raise cash are the least value, not the least cost. With impact the cash a
//     sale raises is not linear in it: the funding search reruns with the deficit added (at
//     most 8 rounds) before any buy is cut.
//   - The volume rule: a position whose model has a daily_volume trades at most
//     max_participation x daily_volume shares, rounded down to whole lots, either way (the
//     extra sales for cash too). One the cap stops short of its band (band_edge) or its target
//     (to = target) trades the cap, and reason names it ("the volume rule caps the order at N
//     shares"). A bound, not an error: the plan is what can be done today.
//   - A position that cannot be brought inside its band (a lot wider than the band, a minimum
//     trade that would overshoot it, cash) keeps its residual drift, and reason says which.
//
// Discrete allocation
//   Whole lots q_i of lot_size shares for a budget V and target weights w_i: greedy is
//   PyPortfolioOpt's DiscreteAllocation.greedy_portfolio (floor of each target, then one lot at
//   a time to the largest weight deficit); exact minimises the L1 error sum_i |w_i V - q_i p_i|
//   subject to sum_i q_i p_i <= V by branch and bound (greedy as the incumbent, an exact
//   fractional-knapsack bound). PyPortfolioOpt's lp_portfolio minimises that error plus the
//   leftover cash instead.
//
// Conventions
//   Holdings and quantities are shares; prices are per share; weights are fractions of value
//   (shorts negative, allowed only with allow_short); cash and values are currency. turnover is
//   sum |order value| / V (buys and sells). float inputs are computed in double and rounded
//   once; long double stays long double.
//
// References
//   R. Arnott and R. Lovell, "Rebalancing: why? when? how often?", J. Investing 2 (1993);
//   C. Jaconetti, F. Kinniry and Y. Zilbering, "Best practices for portfolio rebalancing",
//   Vanguard (2010) (bands, to target or to the band's edge); G. B. Dantzig, "Discrete-variable
//   extremum problems", Oper. Res. 5 (1957); A. H. Land and A. G. Doig, "An automatic method of
//   solving discrete programming problems", Econometrica 28 (1960) (branch and bound);
//   R. A. Martin, "PyPortfolioOpt", J. Open Source Softw. 6 (2021) (discrete allocation);
//   N. Torre, "BARRA Market Impact Model Handbook" (1997) (the square-root impact law, costs.hpp).
/// \file
/// Rebalancing and discrete allocation: rebalance_orders, discrete_allocation.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <keel/costs.hpp>  // cost_model
#include <keel/detail/allocation.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/rebalance_solver.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/trade_cost.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Direction of an order.
enum class order_side {
  buy,  ///< a purchase (or a short cover): the quantity held rises
  sell  ///< a sale (or a short sale): the quantity held falls
};

/// How a drift band's width is measured.
enum class band_kind {
  absolute,  ///< |drift| <= width (0.05: five percentage points of weight)
  relative   ///< |drift| <= width x |target| (0.25: a quarter of the target weight)
};

/// The drift a position may have before it must trade: absolute or relative to its target.
/// A number converts to an absolute band: `.band = 0.05`.
struct drift_band {
  double width = 0;                      ///< >= 0 and finite
  band_kind kind = band_kind::absolute;  ///< absolute or relative

  /// No tolerance: every drift triggers a rebalance.
  drift_band() = default;
  /// An absolute band of `absolute_width` (a weight: 0.05 is five percentage points).
  drift_band(double absolute_width) : width(absolute_width) {}  // NOLINT: converts by design
  /// A band of `band_width` measured as `band_kind`.
  drift_band(double band_width, band_kind band_kind_) : width(band_width), kind(band_kind_) {}
  /// |drift| <= width.
  [[nodiscard]] static drift_band absolute(double band_width) { return {band_width, band_kind::absolute}; }
  /// |drift| <= width x |target|.
  [[nodiscard]] static drift_band relative(double fraction) { return {fraction, band_kind::relative}; }
};

/// Where rebalance_orders takes the positions.
enum class rebalance_to {
  target,    ///< every position to its target weight (a full rebalance)
  band_edge  ///< positions outside their bands to the nearest edge (least turnover)
};

/// Options of rebalance_orders.
struct rebalance_options {
  drift_band band{};                       ///< the band that triggers a trade (default: none)
  rebalance_to to = rebalance_to::target;  ///< target or band_edge
  double cash = 0;                         ///< cash held (currency), >= 0; part of the value
  double min_trade_value = 0;              ///< least value of an order (currency), >= 0
  std::int64_t lot_size = 1;               ///< shares per lot, >= 1: orders are whole lots
  double cost_bps = 0;                     ///< cost of an order, basis points of its value, in [0, 10^4)
  bool allow_short = false;                ///< allow negative holdings and targets
  std::vector<std::string> symbols{};      ///< a name per position for the orders and reason (empty: none)
  /// Cost models (costs.hpp) in shares (daily_volume is shares a day): empty none, one for
  /// every position, else one per position. half_spread and commission add to cost_bps; impact
  /// adds c sigma |value| (shares / ADV)^(exponent - 1); a daily_volume caps each order at
  /// max_participation x daily_volume shares (the volume rule, a bound: see the synopsis).
  std::vector<cost_model> costs{};
};

/// One order of a rebalance plan.
template <class Real = double>
struct rebalance_order {
  std::string symbol;                 ///< rebalance_options::symbols[position], or empty
  order_side side = order_side::buy;  ///< buy or sell
  Real quantity{};                    ///< shares traded (> 0, a whole number of lots)
  Real value{};                       ///< quantity x price (> 0)
  Real cost{};                        ///< value x (cost_bps / 10^4 + half_spread + commission) + impact
  std::ptrdiff_t position = 0;        ///< index of the position in the inputs
  Real impact{};                      ///< the market-impact part of cost (0 without a model with impact)
};

/// The result of rebalance_orders.
template <class Real = double>
struct rebalance_plan {
  bool needed = false;                        ///< some position was outside its band
  std::vector<Real> drifts;                   ///< weight - target per position, before trading
  std::vector<rebalance_order<Real>> orders;  ///< sells first, then buys, each in position order
  Real cash_after{};                          ///< cash after every order and its cost, >= 0
  std::vector<Real> weights_after;            ///< weights after, fractions of the value after trading
  Real turnover{};                            ///< sum of order values / the value before trading
  Real total_cost{};                          ///< sum of the orders' costs (currency)
  std::string reason;                         ///< why no orders, or which positions stay outside their bands and why
  std::vector<Real> residual_drifts;          ///< weights_after - target per position
  Real impact_cost{};                         ///< sum of the orders' impact (part of total_cost)
};

/// How discrete_allocation rounds.
enum class allocation_method {
  greedy,  ///< PyPortfolioOpt's greedy_portfolio rule
  exact    ///< least L1 error within the budget (branch and bound)
};

/// Options of discrete_allocation.
struct allocation_options {
  allocation_method method = allocation_method::greedy;  ///< greedy or exact
  std::int64_t lot_size = 1;                             ///< shares per lot, >= 1
  /// Nodes the exact search may explore, >= 1 (a few tens of nanoseconds each); past it the
  /// best allocation found is returned with optimal = false. 30 positions rarely need 10^5.
  std::int64_t max_nodes = 10'000'000;
};

/// The result of discrete_allocation.
template <class Real = double>
struct allocation {
  std::vector<std::int64_t> quantities;  ///< shares per position (multiples of lot_size)
  Real leftover{};                       ///< total_value - sum_i quantities_i p_i, >= 0
  Real l1_error{};                       ///< sum_i |w_i total_value - quantities_i p_i|
  bool optimal = false;                  ///< exact: the search finished (least error to rounding)
  std::int64_t nodes = 0;                ///< nodes the exact search explored (0 for greedy)
};

namespace detail {

/// Elements of a series in the accumulation type.
template <class Acc, class S>
[[nodiscard]] std::vector<Acc> to_accumulation(const S& s) {
  std::vector<Acc> out(uz(ssize(s)));
  convert_into(s, out.data());
  return out;
}

/// 2^52: the most lots of one position; counts up to it stay whole numbers in double.
inline constexpr double max_lots = 4503599627370496.0;

/// prices[i] > 0 for every i, and no more than 2^52 lots of any price in `value`.
template <class Acc>
void require_prices(std::string_view fn, const std::vector<Acc>& prices, Acc value, std::int64_t lot) {
  for (std::size_t i = 0; i < prices.size(); ++i) {
    const auto at = static_cast<std::ptrdiff_t>(i);
    if (!(prices[i] > 0)) throw_bad_option(fn, element_text("prices", at), static_cast<double>(prices[i]), "positive");
    if (!std::isfinite(prices[i] * static_cast<Acc>(lot)))  // a lot's value, which the solvers divide by
      throw_overflow(fn, element_text("prices", at) + " x lot_size");
    if (!(std::fabs(value) / (prices[i] * static_cast<Acc>(lot)) < Acc(max_lots)))
      throw invalid_input(message(fn, element_text("prices", at) + " = " + number_text(static_cast<double>(prices[i])) +
                                          " is too small beside the value " + number_text(static_cast<double>(value)) +
                                          ": more than 2^52 lots; rescale the prices"));
  }
}

/// Checks the cost models and converts them to the book's per-position costs (see the
/// synopsis): rates, impact coefficients and the volume rule's lots.
template <class Acc>
void add_costs(std::string_view fn, const rebalance_options& o, rebalance_book<Acc>& b) {
  const std::size_t n = b.holdings.size();
  if (o.costs.size() > 1) require_same_size(fn, "costs", ssize(o.costs), "holdings", static_cast<std::ptrdiff_t>(n));
  for (std::size_t i = 0; i < o.costs.size(); ++i) {
    const std::string where = element_text("costs", static_cast<std::ptrdiff_t>(i));
    const cost_model& m = o.costs[i];
    costs::check_model(fn, where, m);
    const double rate = o.cost_bps / 1e4 + m.half_spread + m.commission;
    if (!(rate < 1))
      throw invalid_input(message(fn, where + ": cost_bps / 10^4 + half_spread + commission = " + number_text(rate) +
                                          " must be below 1 (100% of the trade)"));
    // A sale must raise cash: the dearest order the volume rule allows costs less than its value.
    if (m.impact > 0 && m.volatility > 0) {
      const double dearest = rate + m.impact * m.volatility * std::pow(m.max_participation, m.exponent - 1);
      if (!(dearest < 1))
        throw invalid_input(message(fn, where + ": an order of max_participation x daily_volume shares would cost " +
                                            number_text(dearest) +
                                            " of its value (cost_bps / 10^4 + half_spread + commission + impact x "
                                            "volatility x max_participation^(exponent - 1)); it must be below 1"));
    }
  }
  if (o.costs.empty()) return;
  b.costs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const cost_model& m = costs::model_at(o.costs, i);
    position_cost<Acc> c;
    c.rate = b.rate + static_cast<Acc>(m.half_spread) + static_cast<Acc>(m.commission);
    if (m.impact > 0 && m.volatility > 0) {
      c.impact = static_cast<Acc>(m.impact) * static_cast<Acc>(m.volatility);
      c.volume = static_cast<Acc>(m.daily_volume);
      c.exponent = static_cast<Acc>(m.exponent);
      b.impact = true;
    }
    if (m.daily_volume > 0) {
      // Whole lots of at most max_participation x ADV shares; beyond 2^62 lots no trade reaches it.
      const double lots = std::floor(m.max_participation * m.daily_volume / static_cast<double>(b.lot));
      if (lots < 4.6e18) c.cap = static_cast<std::int64_t>(lots);
    }
    b.costs.push_back(c);
  }
}

/// Checks rebalance_orders' arguments and builds the book.
template <class Acc, class H, class P, class W>
[[nodiscard]] rebalance_book<Acc> make_book(std::string_view fn, const H& holdings, const P& prices, const W& targets,
                                            const rebalance_options& o) {
  const std::ptrdiff_t n = ssize(holdings);
  require_same_size(fn, "holdings", n, "prices", ssize(prices));
  require_same_size(fn, "holdings", n, "target_weights", ssize(targets));
  require_observations(fn, 1, n, "positions");
  require_finite(fn, "holdings", holdings);
  require_finite(fn, "prices", prices);
  require_finite(fn, "target_weights", targets);
  constexpr double big = std::numeric_limits<double>::max();
  require_option_in(fn, "band.width", o.band.width, 0, big, "non-negative and finite");
  require_option_in(fn, "cash", o.cash, 0, big, "non-negative and finite");
  require_option_in(fn, "min_trade_value", o.min_trade_value, 0, big, "non-negative and finite");
  if (o.lot_size < 1) throw_bad_option(fn, "lot_size", static_cast<double>(o.lot_size), "at least 1");
  if (!(o.cost_bps >= 0 && o.cost_bps < 1e4)) throw_bad_option(fn, "cost_bps", o.cost_bps, "in [0, 10000)");
  if (!o.symbols.empty()) require_same_size(fn, "symbols", ssize(o.symbols), "holdings", n);
  rebalance_book<Acc> b{to_accumulation<Acc>(holdings),
                        to_accumulation<Acc>(prices),
                        to_accumulation<Acc>(targets),
                        {},
                        static_cast<Acc>(o.cash),
                        0,
                        o.lot_size,
                        static_cast<Acc>(o.min_trade_value),
                        static_cast<Acc>(o.cost_bps) / Acc(10000),
                        o.to == rebalance_to::band_edge,
                        o.allow_short};
  Acc value = b.cash, weight_sum = 0;
  for (std::size_t i = 0; i < b.holdings.size(); ++i) {
    const auto at = static_cast<std::ptrdiff_t>(i);
    if (!o.allow_short && b.holdings[i] < 0)
      throw_bad_option(fn, element_text("holdings", at), static_cast<double>(b.holdings[i]),
                       "non-negative (set rebalance_options::allow_short for short positions)");
    if (!o.allow_short && b.targets[i] < 0)
      throw_bad_option(fn, element_text("target_weights", at), static_cast<double>(b.targets[i]),
                       "non-negative (set rebalance_options::allow_short for short targets)");
    value += b.holdings[i] * b.prices[i];
    weight_sum += b.targets[i];
    const Acc width = static_cast<Acc>(o.band.width);
    b.tolerances.push_back(o.band.kind == band_kind::absolute ? width : width * std::fabs(b.targets[i]));
  }
  if (!std::isfinite(value)) throw_overflow(fn, "the book's value (holdings x prices + cash)");
  if (!(value > 0))
    throw invalid_input(message(fn, "the book's value (holdings x prices + cash) = " +
                                        number_text(static_cast<double>(value)) + " must be positive"));
  if (!o.allow_short && weight_sum > 1 + 1e-9)
    throw_bad_option(fn, "the sum of target_weights", static_cast<double>(weight_sum), "at most 1 (the rest is cash)");
  require_prices(fn, b.prices, value, o.lot_size);
  // Short targets are unbounded, and so is the minimum trade: a target's lots (w_i V / lot value)
  // and the minimum trade's must stay whole numbers in double, as the holdings' lots do.
  for (std::size_t i = 0; i < b.targets.size(); ++i) {
    const auto at = static_cast<std::ptrdiff_t>(i);
    const Acc lot_value = b.prices[i] * static_cast<Acc>(o.lot_size);
    if (!(std::fabs(b.targets[i]) * value / lot_value < Acc(max_lots)))
      throw invalid_input(
          message(fn, element_text("target_weights", at) + " = " + number_text(static_cast<double>(b.targets[i])) +
                          " asks for more than 2^52 lots of price " + number_text(static_cast<double>(b.prices[i])) +
                          " out of the value " + number_text(static_cast<double>(value)) + "; rescale the weights"));
    if (!(b.min_trade / lot_value < Acc(max_lots)))
      throw invalid_input(message(fn, "min_trade_value = " + number_text(o.min_trade_value) +
                                          " is more than 2^52 lots of " + element_text("prices", at) + " = " +
                                          number_text(static_cast<double>(b.prices[i])) + "; rescale it"));
  }
  b.value = value;
  add_costs(fn, o, b);
  return b;
}

[[nodiscard]] inline std::string position_name(const rebalance_options& o, std::size_t i) {
  if (!o.symbols.empty()) return o.symbols[i];
  std::string out = "position ";  // appended: GCC 12 -Wrestrict false positive on "..." + string&& (PR 105329)
  out += std::to_string(i);
  return out;
}

/// The reason of a plan: each position left outside its band, its drift and the cause.
template <class Acc>
[[nodiscard]] std::string band_reason(const rebalance_book<Acc>& b, const rebalance_options& o,
                                      const rebalance_trades& t, const std::vector<Acc>& residual) {
  std::string out;
  for (std::size_t i = 0; i < residual.size(); ++i) {
    const bool outside = std::fabs(residual[i]) > b.tolerances[i];
    // A trade the volume rule cut is named even inside the band: to = target stops short of it.
    if (!outside && t.causes[i] != band_cause::volume) continue;
    const Acc lot_value = static_cast<Acc>(b.lot) * b.prices[i];
    std::string why;
    switch (t.causes[i]) {
      case band_cause::lot:
        why = std::string("a lot of ") + std::to_string(b.lot) + " shares (value " +
              rounded_text(static_cast<double>(lot_value), 6) + ") does not land inside the band";
        break;
      case band_cause::min_trade:
        why = "the minimum trade value " + rounded_text(static_cast<double>(b.min_trade), 6) +
              " does not land inside the band";
        break;
      case band_cause::cash:
        why = "the cash and the sales do not pay for the buy";
        break;
      case band_cause::volume: {
        const cost_model& m = costs::model_at(o.costs, i);
        why = "the volume rule caps the order at " +
              number_text(static_cast<double>(b.costs[i].cap) * static_cast<double>(b.lot)) +
              " shares (max_participation x daily volume = " + number_text(m.max_participation) + " x " +
              number_text(m.daily_volume) + ")";
        break;
      }
      case band_cause::none:
        why = b.to_edge ? "the trading costs moved its band" : "to = target leaves it at the nearest whole lot";
        break;
    }
    if (!out.empty()) out += "; ";
    out += position_name(o, i) + " stays at drift " + rounded_text(static_cast<double>(residual[i])) +
           (outside ? ", outside its band of " : ", inside its band of ") +
           rounded_text(static_cast<double>(b.tolerances[i])) + (outside ? ": " : " but short of its target: ") + why;
  }
  return out;
}

/// The plan of trades t on book b, rounded to Real.
template <class Real, class Acc>
[[nodiscard]] rebalance_plan<Real> rebalance_plan_of(std::string_view fn, const rebalance_book<Acc>& b,
                                                     const rebalance_options& o, const rebalance_trades& t,
                                                     rebalance_plan<Real> plan) {
  const rebalance_planner<Acc> planner(b);
  const std::size_t n = b.holdings.size();
  Acc traded = 0, cost = 0, impact = 0;
  // One allocation of the exact size: growing a vector of a thousand orders by doubling
  // touches fresh pages each time (benchmarks/rebalance_bench).
  plan.orders.reserve(uz(std::count_if(t.lots.begin(), t.lots.end(), [](std::int64_t k) { return k != 0; })));
  plan.weights_after.reserve(n);
  plan.residual_drifts.reserve(n);
  for (const bool sells : {true, false}) {
    for (std::size_t i = 0; i < n; ++i) {
      if (t.lots[i] == 0 || (t.lots[i] < 0) != sells) continue;
      const Acc value = std::fabs(planner.trade_value(i, t.lots[i]));
      const Acc shares = std::fabs(static_cast<Acc>(t.lots[i]) * static_cast<Acc>(b.lot));
      const Acc order_impact = planner.impact_cost(i, t.lots[i]);
      const Acc order_cost = planner.rate(i) * value + order_impact;
      plan.orders.push_back({o.symbols.empty() ? std::string() : o.symbols[i],
                             sells ? order_side::sell : order_side::buy, rounded<Real>(fn, "quantity", shares),
                             rounded<Real>(fn, "value", value), rounded<Real>(fn, "cost", order_cost),
                             static_cast<std::ptrdiff_t>(i), rounded<Real>(fn, "impact", order_impact)});
      traded += value;
      cost += order_cost;
      impact += order_impact;
    }
  }
  const Acc after = planner.value_after(t.lots);
  // Costs can eat a leveraged book, and positions 1e81 times its value cancel to nothing in
  // double: either way there are no weights after.
  if (!(after > 0))
    throw invalid_input(message(fn, "the book's value after the orders = " + number_text(static_cast<double>(after)) +
                                        " is not positive (value " + number_text(static_cast<double>(b.value)) +
                                        ", costs " + number_text(static_cast<double>(cost)) + ", traded " +
                                        number_text(static_cast<double>(traded)) +
                                        "): lower the short targets or the costs, or rescale"));
  std::vector<Acc> residual(n);
  for (std::size_t i = 0; i < n; ++i) {
    residual[i] = planner.position_value(i, t.lots[i]) / after - b.targets[i];
    plan.weights_after.push_back(rounded<Real>(fn, "weights_after", planner.position_value(i, t.lots[i]) / after));
    plan.residual_drifts.push_back(static_cast<Real>(residual[i]));
  }
  plan.cash_after = rounded<Real>(fn, "cash_after", std::max(planner.cash_after(t.lots), Acc(0)));
  plan.turnover = rounded<Real>(fn, "turnover", traded / b.value);
  plan.total_cost = rounded<Real>(fn, "total_cost", cost);
  plan.impact_cost = rounded<Real>(fn, "impact_cost", impact);
  plan.reason = band_reason(b, o, t, residual);
  return plan;
}

}  // namespace detail

/// Orders that bring a drifted book back inside its bands: drift d_i = h_i p_i / V - target_i
/// (V = sum h_i p_i + cash); no orders when every |d_i| <= tol_i; otherwise whole-lot orders to
/// the targets (to = target) or the nearest band edges (to = band_edge, least turnover), sells
/// first so that the cash never goes negative, each at least min_trade_value, costs in bps of
/// value plus the cost models' spread, commission and market impact, each order within its
/// model's volume rule (see the synopsis for the rules).
/// \pre holdings, prices and target_weights of one length n >= 1 (invalid_input,
///      insufficient_data for n = 0), finite; prices > 0; holdings and targets >= 0 and targets
///      summing to at most 1 unless allow_short; options in their domains; V > 0; a lot's
///      value (price x lot_size) finite and every position's lots, held, targeted or in the
///      minimum trade, at most 2^52 (invalid_input: rescale); the book's value after the
///      orders and their costs positive (invalid_input); costs empty, of one model or of n
///      (invalid_input naming both sizes), each model valid as costs.hpp documents
///      (invalid_input naming costs[i]) with cost_bps / 10^4 + half_spread + commission < 1 and,
///      with impact, an order of max_participation x daily_volume shares costing less than
///      its value (invalid_input).
/// \returns rebalance_plan: needed, drifts, orders, cash_after, weights_after, turnover,
///          total_cost, reason, residual_drifts, impact_cost.
/// Ref: Jaconetti, Kinniry and Zilbering, "Best practices for portfolio rebalancing" (2010).
template <Series H, Series P, Series W>
[[nodiscard]] auto rebalance_orders(const H& holdings, const P& prices, const W& target_weights,
                                    const rebalance_options& options = {}) {
  using real = detail::range_result_t<H, P, W>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "rebalance_orders";
  const detail::rebalance_book<acc> b = detail::make_book<acc>(fn, holdings, prices, target_weights, options);
  rebalance_plan<real> plan;
  plan.drifts.reserve(b.holdings.size());
  bool needed = false;
  for (std::size_t i = 0; i < b.holdings.size(); ++i) {
    const acc drift = b.holdings[i] * b.prices[i] / b.value - b.targets[i];
    plan.drifts.push_back(static_cast<real>(drift));
    needed = needed || std::fabs(drift) > b.tolerances[i];
  }
  plan.needed = needed;
  detail::rebalance_trades trades{std::vector<std::int64_t>(b.holdings.size(), 0),
                                  std::vector<detail::band_cause>(b.holdings.size(), detail::band_cause::none)};
  if (needed) trades = detail::plan_rebalance(b);
  plan = detail::rebalance_plan_of<real>(fn, b, options, trades, std::move(plan));
  if (!needed) plan.reason = "every weight is inside its band: no orders";
  return plan;
}

/// Whole-lot quantities for a budget: greedy (PyPortfolioOpt's greedy_portfolio) or exact,
/// min sum_i |w_i V - q_i p_i| subject to sum_i q_i p_i <= V (V = total_value), by branch and
/// bound from the greedy allocation; exact to rounding when optimal is true (it is whenever the
/// search ends within max_nodes, as it does on 30 positions; beyond that the best allocation
/// found is the documented fallback).
/// \pre weights and latest_prices of one length n >= 1 (invalid_input, insufficient_data for
///      n = 0), finite; weights >= 0, not all zero; prices > 0; total_value > 0 and finite;
///      lot_size and max_nodes >= 1; price x lot_size finite and each target at most 2^52 lots
///      (invalid_input).
/// \returns allocation: quantities (shares), leftover, l1_error, optimal, nodes.
/// Ref: Martin, PyPortfolioOpt (2021); Land and Doig (1960); Dantzig (1957).
template <Series W, Series P>
[[nodiscard]] auto discrete_allocation(const W& weights, const P& latest_prices, double total_value,
                                       allocation_options options = {}) {
  using real = detail::range_result_t<W, P>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "discrete_allocation";
  const std::ptrdiff_t n = detail::ssize(weights);
  detail::require_same_size(fn, "weights", n, "latest_prices", detail::ssize(latest_prices));
  detail::require_observations(fn, 1, n, "positions");
  detail::require_finite(fn, "weights", weights);
  detail::require_finite(fn, "latest_prices", latest_prices);
  detail::require_positive_option(fn, "total_value", total_value);
  if (options.lot_size < 1)
    detail::throw_bad_option(fn, "lot_size", static_cast<double>(options.lot_size), "at least 1");
  if (options.max_nodes < 1)
    detail::throw_bad_option(fn, "max_nodes", static_cast<double>(options.max_nodes), "at least 1");
  detail::allocation_problem<acc> p{detail::to_accumulation<acc>(weights), {}, {}, static_cast<acc>(total_value)};
  const std::vector<acc> prices = detail::to_accumulation<acc>(latest_prices);
  detail::require_prices(fn, prices, p.budget, options.lot_size);
  for (std::size_t i = 0; i < prices.size(); ++i) {
    if (p.weights[i] < 0)
      detail::throw_bad_option(fn, detail::element_text("weights", static_cast<std::ptrdiff_t>(i)),
                               static_cast<double>(p.weights[i]), "non-negative (a long-only allocation)");
    p.target.push_back(p.weights[i] * p.budget);
    p.lot_cost.push_back(prices[i] * static_cast<acc>(options.lot_size));
    if (!(p.target.back() / p.lot_cost.back() < acc(detail::max_lots)))
      detail::throw_bad_option(fn, detail::element_text("weights", static_cast<std::ptrdiff_t>(i)),
                               static_cast<double>(p.weights[i]),
                               "small enough that its target holds at most 2^52 lots");
  }
  if (std::all_of(p.weights.begin(), p.weights.end(), [](acc w) { return w == 0; }))
    throw invalid_input(detail::message(fn, "the weights are all zero"));
  allocation<real> out;
  std::vector<std::int64_t> lots = detail::greedy_lots(p);
  if (options.method == allocation_method::exact) {
    detail::allocation_search<acc> search(p, options.max_nodes);
    lots = search.run(lots);
    out.optimal = search.finished();
    out.nodes = search.nodes();
  }
  for (const std::int64_t q : lots) out.quantities.push_back(q * options.lot_size);
  out.leftover = static_cast<real>(p.budget - detail::allocation_spent(p, lots));
  out.l1_error = static_cast<real>(detail::allocation_error(p, lots));
  return out;
}

}  // namespace keel
