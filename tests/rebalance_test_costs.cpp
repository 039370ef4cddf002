// SPDX-License-Identifier: MIT
// Tests of rebalance_orders with cost models (keel/rebalance.hpp, keel/costs.hpp): each order's
// cost and impact against keel::order_cost, the cash and weights after replayed here in long
// double, the linear models against cost_bps, one model against the same model per position,
// band_edge's lot counts against an enumeration of every lot count with the cost written here
// from costs.hpp's formula, the volume rule, the errors and the float / long double paths.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/costs.hpp>
#include <keel/rebalance.hpp>

using Catch::Matchers::Contains;

namespace {

struct book {
  std::vector<double> holdings, prices, targets;
  keel::rebalance_options options;
};

// A drifted book of n positions with square-root (or other power) impact models, one per
// position or one for all; daily volumes large enough that the volume rule rarely binds unless
// `tight`.
book random_book(std::mt19937_64& gen, std::size_t n, bool tight) {
  std::uniform_real_distribution<double> u(0, 1);
  book b;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    b.prices.push_back(10 + std::floor(90 * u(gen)) + 0.25 * std::floor(4 * u(gen)));
    b.holdings.push_back(std::floor(2000 * u(gen)));
    b.targets.push_back(u(gen) < 0.1 ? 0.0 : 0.2 + u(gen));
    sum += b.targets.back();
  }
  const double invested = 0.85 + 0.15 * u(gen);
  for (double& w : b.targets) w *= invested / (sum > 0 ? sum : 1);
  double value = 0;
  for (std::size_t i = 0; i < n; ++i) value += b.holdings[i] * b.prices[i];
  b.options.cash = std::floor(value * 0.2 * u(gen) * u(gen));
  b.options.band =
      u(gen) < 0.5 ? keel::drift_band(0.01 + 0.04 * u(gen)) : keel::drift_band::relative(0.05 + 0.2 * u(gen));
  b.options.lot_size = u(gen) < 0.3 ? 10 : 1;
  b.options.min_trade_value = u(gen) < 0.3 ? std::floor(value * 0.005 * u(gen)) : 0;
  b.options.cost_bps = u(gen) < 0.5 ? 0 : 20 * u(gen);
  const std::size_t models = u(gen) < 0.3 ? 1 : n;
  for (std::size_t i = 0; i < models; ++i) {
    keel::cost_model m;
    m.half_spread = 5e-4 * u(gen);
    m.commission = u(gen) < 0.5 ? 0 : 2e-4 * u(gen);
    m.impact = u(gen) < 0.2 ? 0 : 0.5 + u(gen);
    m.volatility = 0.01 + 0.03 * u(gen);
    m.daily_volume = tight ? 50 + 500 * u(gen) : 2000 + 20000 * u(gen);
    m.exponent = u(gen) < 0.6 ? 1.5 : 1 + u(gen);
    m.max_participation = u(gen) < 0.5 ? 1 : 0.05 + 0.3 * u(gen);
    b.options.costs.push_back(m);
  }
  for (std::size_t i = 0; i < n; ++i) b.options.symbols.push_back("S" + std::to_string(i));
  return b;
}

const keel::cost_model& model(const book& b, std::size_t i) {
  return b.options.costs.size() == 1 ? b.options.costs[0] : b.options.costs[i];
}

double tolerance(const book& b, std::size_t i) {
  return b.options.band.kind == keel::band_kind::absolute ? b.options.band.width
                                                          : b.options.band.width * std::fabs(b.targets[i]);
}

// The cost of trading `shares` (either sign) of position i as costs.hpp states it, in long
// double: (cost_bps / 10^4 + half_spread + commission) |t| + c sigma |t| (|s| / ADV)^(e - 1).
long double cost_of(const book& b, std::size_t i, long double shares) {
  const keel::cost_model& m = model(b, i);
  const long double s = std::fabs(shares), t = s * b.prices[i];
  long double c = t * (b.options.cost_bps / 1e4L + m.half_spread + m.commission);
  if (m.impact > 0 && s > 0)
    c += m.impact * static_cast<long double>(m.volatility) * t *
         std::pow(s / m.daily_volume, static_cast<long double>(m.exponent) - 1);
  return c;
}

// Most shares one order of position i may trade: max_participation x ADV in whole lots.
long double share_cap(const book& b, std::size_t i) {
  const keel::cost_model& m = model(b, i);
  const auto lot = static_cast<long double>(b.options.lot_size);
  if (!(m.daily_volume > 0)) return std::numeric_limits<long double>::infinity();
  return std::floor(m.max_participation * static_cast<long double>(m.daily_volume) / lot) * lot;
}

keel::rebalance_plan<double> run(const book& b) {
  return keel::rebalance_orders(b.holdings, b.prices, b.targets, b.options);
}

// Signed shares traded per position.
std::vector<long double> traded_shares(const book& b, const keel::rebalance_plan<double>& plan) {
  std::vector<long double> k(b.holdings.size(), 0);
  for (const auto& o : plan.orders)
    k[static_cast<std::size_t>(o.position)] += (o.side == keel::order_side::buy ? 1.0L : -1.0L) * o.quantity;
  return k;
}

std::string describe(const book& b, const keel::rebalance_plan<double>& plan) {
  std::ostringstream s;
  s.precision(17);
  for (std::size_t i = 0; i < b.holdings.size(); ++i) {
    const keel::cost_model& m = model(b, i);
    s << "h " << b.holdings[i] << " p " << b.prices[i] << " w " << b.targets[i] << " tol " << tolerance(b, i)
      << " model{hs " << m.half_spread << " c " << m.commission << " k " << m.impact << " sigma " << m.volatility
      << " adv " << m.daily_volume << " e " << m.exponent << " mp " << m.max_participation << "}\n";
  }
  s << "cash " << b.options.cash << " lot " << b.options.lot_size << " min " << b.options.min_trade_value << " bps "
    << b.options.cost_bps << " to " << (b.options.to == keel::rebalance_to::band_edge ? "edge" : "target") << "\n";
  for (const auto& o : plan.orders)
    s << o.position << " " << (o.side == keel::order_side::buy ? "+" : "-") << o.quantity << "\n";
  s << plan.reason;
  return s.str();
}

void check_same_plan(const keel::rebalance_plan<double>& a, const keel::rebalance_plan<double>& b) {
  REQUIRE(a.orders.size() == b.orders.size());
  for (std::size_t k = 0; k < a.orders.size(); ++k) {
    CHECK(a.orders[k].position == b.orders[k].position);
    CHECK(a.orders[k].side == b.orders[k].side);
    CHECK(a.orders[k].quantity == b.orders[k].quantity);
    CHECK(a.orders[k].value == b.orders[k].value);
    CHECK(a.orders[k].cost == b.orders[k].cost);
    CHECK(a.orders[k].impact == b.orders[k].impact);
  }
  CHECK(a.cash_after == b.cash_after);
  CHECK(a.total_cost == b.total_cost);
  CHECK(a.impact_cost == b.impact_cost);
  CHECK(a.weights_after == b.weights_after);
  CHECK(a.reason == b.reason);
}

}  // namespace

TEST_CASE(
    "rebalance_orders with cost models: each order's cost is order_cost's plus cost_bps, the cash and "
    "weights replay",
    "[rebalance][costs]") {
  std::mt19937_64 gen(41);
  int with_impact = 0, short_of_cash = 0;
  for (int trial = 0; trial < 600; ++trial) {
    book b = random_book(gen, 2 + static_cast<std::size_t>(trial % 8), trial % 5 == 0);
    b.options.to = trial % 2 == 0 ? keel::rebalance_to::band_edge : keel::rebalance_to::target;
    if (trial % 7 == 0) b.options.cash = 0;  // the buys must be paid by the sales (funding, cuts)
    const auto plan = run(b);
    INFO(describe(b, plan));
    long double cash = b.options.cash, costs = 0, impacts = 0;
    for (const auto& o : plan.orders) {
      const auto i = static_cast<std::size_t>(o.position);
      // order_cost throws above the volume rule: it also checks every order is within it.
      const keel::trade_cost c = keel::order_cost(o.quantity, b.prices[i], model(b, i));
      CHECK(o.cost == Approx(c.total + b.options.cost_bps / 1e4 * o.value).epsilon(1e-12).margin(1e-300));
      CHECK(o.impact == Approx(c.impact).epsilon(1e-12).margin(1e-300));
      CHECK(o.impact <= o.cost);
      CHECK(o.cost == Approx(static_cast<double>(cost_of(b, i, o.quantity))).epsilon(1e-12).margin(1e-300));
      cash -= (o.side == keel::order_side::buy ? 1.0L : -1.0L) * o.value + o.cost;
      costs += o.cost;
      impacts += o.impact;
      if (o.impact > 0) ++with_impact;
    }
    CHECK(plan.total_cost == Approx(static_cast<double>(costs)).epsilon(1e-12).margin(1e-300));
    CHECK(plan.impact_cost == Approx(static_cast<double>(impacts)).epsilon(1e-12).margin(1e-300));
    CHECK(plan.cash_after >= 0);
    long double scale = b.options.cash;
    for (const auto& o : plan.orders) scale += o.value;
    CHECK(std::fabs(plan.cash_after - cash) <= 1e-12L * (1 + scale));
    // Weights after, from the holdings after and the cash left.
    const std::vector<long double> k = traded_shares(b, plan);
    long double after = plan.cash_after;
    for (std::size_t i = 0; i < b.holdings.size(); ++i) after += (b.holdings[i] + k[i]) * b.prices[i];
    for (std::size_t i = 0; i < b.holdings.size(); ++i) {
      const long double w = (b.holdings[i] + k[i]) * b.prices[i] / after;
      CHECK(plan.weights_after[i] == Approx(static_cast<double>(w)).epsilon(1e-12).margin(1e-15));
      CHECK(std::fabs(k[i]) <= share_cap(b, i));
    }
    if (b.options.cash == 0 && plan.needed) ++short_of_cash;
  }
  CHECK(with_impact > 500);
  CHECK(short_of_cash > 30);
}

TEST_CASE("rebalance_orders: a model of half_spread 0.001 gives the orders of cost_bps = 10", "[rebalance][costs]") {
  std::mt19937_64 gen(43);
  int traded = 0;
  for (int trial = 0; trial < 300; ++trial) {
    book b = random_book(gen, 2 + static_cast<std::size_t>(trial % 6), false);
    b.options.to = trial % 2 == 0 ? keel::rebalance_to::band_edge : keel::rebalance_to::target;
    b.options.costs.clear();
    b.options.cost_bps = 10;
    const auto bps = run(b);
    b.options.cost_bps = 0;
    b.options.costs = {keel::cost_model{.half_spread = 0.001}};
    const auto modelled = run(b);
    check_same_plan(bps, modelled);
    CHECK(modelled.impact_cost == 0);
    traded += bps.orders.empty() ? 0 : 1;
  }
  CHECK(traded > 150);
}

TEST_CASE("rebalance_orders: one model for every position is that model repeated per position", "[rebalance][costs]") {
  std::mt19937_64 gen(47);
  int traded = 0;
  for (int trial = 0; trial < 300; ++trial) {
    book b = random_book(gen, 2 + static_cast<std::size_t>(trial % 6), trial % 3 == 0);
    b.options.to = trial % 2 == 0 ? keel::rebalance_to::band_edge : keel::rebalance_to::target;
    b.options.costs.resize(1);
    const auto one = run(b);
    b.options.costs.assign(b.holdings.size(), b.options.costs[0]);
    const auto repeated = run(b);
    check_same_plan(one, repeated);
    traded += one.orders.empty() ? 0 : 1;
  }
  CHECK(traded > 150);
}

TEST_CASE(
    "rebalance_orders with impact, to = band_edge: each position trades the cheapest lot count inside its "
    "band, by enumeration",
    "[rebalance][costs]") {
  // Three positions, lots of 10: for each position, every lot count from selling all to buying
  // the whole value is tested against the band at the value the plan leaves and costed here;
  // the cheapest inside one must be the plan's (0 for a position already inside; cost rises
  // with |lots|, so it is also the fewest) whenever those counts leave the cash >= 0 (else
  // the plan must sell more for cash: not this test). The one exception is a fixed point that
  // cycles: a lot fewer is inside at the plan's value but not at the larger value it would
  // itself leave (its lower cost), so no plan is the least at its own value; keel's is then
  // inside its band, and the cheaper count must fail at its own value.
  std::mt19937_64 gen(53);
  int checked = 0, traded_with_impact = 0, cycles = 0;
  for (int trial = 0; trial < 400; ++trial) {
    book b = random_book(gen, 3, false);
    b.options.to = keel::rebalance_to::band_edge;
    b.options.lot_size = 10;
    b.options.min_trade_value = 0;
    double positions = 0;
    for (std::size_t i = 0; i < 3; ++i) positions += b.holdings[i] * b.prices[i];
    b.options.cash = std::max(b.options.cash, positions);
    for (auto& m : b.options.costs) {
      m.impact = 1 + 2 * std::fabs(m.impact);
      m.daily_volume = 1e5;  // not binding
      m.max_participation = 1;
    }
    const auto plan = run(b);
    if (!plan.needed || !plan.reason.empty()) continue;
    INFO(describe(b, plan));
    const std::vector<long double> k = traded_shares(b, plan);
    long double costs = 0, before = b.options.cash;
    for (std::size_t i = 0; i < 3; ++i) {
      costs += cost_of(b, i, k[i]);
      before += b.holdings[i] * b.prices[i];
    }
    const long double after = before - costs;  // V' = V - costs
    std::vector<long double> best(3, 0);
    long double cash = b.options.cash;
    const auto inside_at = [&](std::size_t i, long double shares, long double value) {
      return std::fabs((b.holdings[i] + shares) * b.prices[i] / value - b.targets[i]) <= tolerance(b, i);
    };
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(inside_at(i, k[i], after));
      long double best_cost = std::numeric_limits<long double>::infinity();
      const auto sell_all = static_cast<std::int64_t>(std::floor(b.holdings[i] / 10));
      const auto buy_all = static_cast<std::int64_t>(std::ceil(before / (10 * b.prices[i])));
      for (std::int64_t lots = -sell_all; lots <= buy_all; ++lots) {
        const long double s = 10.0L * static_cast<long double>(lots);
        if (b.holdings[i] + s < 0 || !inside_at(i, s, after)) continue;
        const long double c = cost_of(b, i, s);
        if (c < best_cost) {
          best_cost = c;
          best[i] = s;
        }
      }
      REQUIRE(std::isfinite(best_cost));
      cash -= best[i] * b.prices[i] + best_cost;
    }
    if (cash < 0) continue;  // the least lots cannot pay for themselves: extra sales
    for (std::size_t i = 0; i < 3; ++i) {
      if (k[i] != best[i]) {
        CHECK_FALSE(inside_at(i, best[i], after + cost_of(b, i, k[i]) - cost_of(b, i, best[i])));
        CHECK(std::fabs(k[i] - best[i]) == 10);
        ++cycles;
      }
      ++checked;
      if (k[i] != 0) ++traded_with_impact;
    }
  }
  CHECK(checked > 300);
  CHECK(traded_with_impact > 150);
  CHECK(cycles * 20 < checked);
}

TEST_CASE("rebalance_orders: the volume rule caps every order and the reason names it", "[rebalance][costs]") {
  // Position 0 is far below its target; its model allows 0.1 x 3000 = 300 shares a day (30 lots
  // of 10), far short of the 2,500 shares the target or the band asks for.
  const std::vector<double> h{500, 4000, 3000}, p{20, 10, 10}, w{0.6, 0.2, 0.2};
  keel::rebalance_options o{
      .band = 0.02, .cash = 10000, .lot_size = 10, .cost_bps = 2, .symbols = {"AAA", "BBB", "CCC"}};
  o.costs = {keel::cost_model{
                 .half_spread = 2e-4, .impact = 1, .volatility = 0.02, .daily_volume = 3000, .max_participation = 0.1},
             keel::cost_model{.half_spread = 1e-4}, keel::cost_model{.half_spread = 1e-4}};
  for (const auto to : {keel::rebalance_to::target, keel::rebalance_to::band_edge}) {
    o.to = to;
    const auto plan = keel::rebalance_orders(h, p, w, o);
    INFO(plan.reason);
    REQUIRE(plan.needed);
    bool capped = false;
    for (const auto& order : plan.orders) {
      if (order.position != 0) continue;
      CHECK(order.side == keel::order_side::buy);
      CHECK(order.quantity == 300);  // the cap, not less
      CHECK(order.impact > 0);
      capped = true;
    }
    CHECK(capped);
    CHECK_THAT(plan.reason, Contains("AAA stays at drift") && Contains("volume rule caps the order at 300 shares"));
    CHECK(plan.residual_drifts[0] < -0.02);  // still below its band
  }
  // A cap that is not binding leaves the plan of the same book without it.
  o.to = keel::rebalance_to::band_edge;
  o.costs[0].max_participation = 10;
  const auto free = keel::rebalance_orders(h, p, w, o);
  CHECK(free.reason.find("volume rule") == std::string::npos);
}

TEST_CASE(
    "rebalance_orders: random books with tight volume rules keep every order, the extra sales included, "
    "within max_participation x daily_volume",
    "[rebalance][costs]") {
  std::mt19937_64 gen(59);
  int named = 0, orders = 0;
  for (int trial = 0; trial < 600; ++trial) {
    book b = random_book(gen, 2 + static_cast<std::size_t>(trial % 6), true);
    b.options.to = trial % 2 == 0 ? keel::rebalance_to::band_edge : keel::rebalance_to::target;
    if (trial % 3 == 0) b.options.cash = 0;
    const auto plan = run(b);
    INFO(describe(b, plan));
    for (const auto& o : plan.orders) {
      const auto i = static_cast<std::size_t>(o.position);
      const keel::cost_model& m = model(b, i);
      CHECK(o.quantity <= m.max_participation * m.daily_volume);
      ++orders;
    }
    // A position that traded its whole cap and stayed outside its band is named with the rule.
    const std::vector<long double> k = traded_shares(b, plan);
    for (std::size_t i = 0; i < b.holdings.size(); ++i) {
      const bool outside = std::fabs(plan.residual_drifts[i]) > tolerance(b, i) * (1 + 1e-9);
      if (!outside || k[i] == 0 || std::fabs(k[i]) != share_cap(b, i)) continue;
      // This position's part of the reason: from "S<i> stays" to the next "; ".
      const std::size_t at = plan.reason.find(b.options.symbols[i] + " stays");
      REQUIRE(at != std::string::npos);
      const std::string part = plan.reason.substr(at, plan.reason.find("; ", at) - at);
      CHECK_THAT(part, Contains("the volume rule caps the order at"));
      ++named;
    }
  }
  CHECK(orders > 1000);
  CHECK(named > 50);
}

TEST_CASE("rebalance_orders: bad cost models are invalid_input naming the model", "[rebalance][costs][errors]") {
  const std::vector<double> h{100, 50, 20}, p{10, 20, 25}, w{0.3, 0.3, 0.3};
  const keel::cost_model ok{.half_spread = 1e-4};
  keel::rebalance_options o{.band = 0.01};
  o.costs = {ok, ok};
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rebalance_orders(h, p, w, o), Contains("costs has 2 values but holdings has 3"));
  o.costs = {ok, ok, ok};
  o.costs[1].half_spread = -1;
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rebalance_orders(h, p, w, o), Contains("costs[1]") && Contains("half_spread"));
  // The linear rate: cost_bps / 10^4 + half_spread + commission must stay below 1.
  o.costs = {keel::cost_model{.half_spread = 0.5, .commission = 0.49}};
  o.cost_bps = 200;
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rebalance_orders(h, p, w, o), Contains("costs[0]") && Contains("below 1"));
  o.cost_bps = 99;
  CHECK_NOTHROW(keel::rebalance_orders(h, p, w, o));
  o.cost_bps = 0;
  // Impact without a daily volume, a bad exponent, a zero participation.
  o.costs = {keel::cost_model{.impact = 1, .volatility = 0.02}};
  CHECK_THROWS_WITH(keel::rebalance_orders(h, p, w, o), Contains("daily_volume"));
  o.costs = {keel::cost_model{.exponent = 2.5}};
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  o.costs = {keel::cost_model{.daily_volume = 100, .max_participation = 0}};
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  // An order at the volume rule's limit that would cost more than its value (impact 60 x 2%).
  o.costs = {keel::cost_model{.impact = 60, .volatility = 0.02, .daily_volume = 100}};
  CHECK_THROWS_AS(keel::rebalance_orders(h, p, w, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rebalance_orders(h, p, w, o), Contains("max_participation x daily_volume"));
  o.costs[0].max_participation = 0.01;  // at 1% of the volume: 60 x 0.02 x 0.1 = 0.12
  CHECK_NOTHROW(keel::rebalance_orders(h, p, w, o));
}

TEMPLATE_TEST_CASE("rebalance_orders with cost models: float and long double holdings", "[rebalance][costs]", float,
                   long double) {
  const std::vector<double> h{1200, 400, 0, 750}, p{12.5, 30.25, 8, 20}, w{0.2, 0.3, 0.25, 0.15};
  keel::rebalance_options o{.band = 0.02, .cash = 900, .lot_size = 10, .cost_bps = 5};
  o.costs = {keel::cost_model{
      .half_spread = 3e-4, .impact = 1, .volatility = 0.02, .daily_volume = 4000, .max_participation = 0.2}};
  for (const auto to : {keel::rebalance_to::target, keel::rebalance_to::band_edge}) {
    o.to = to;
    const auto want = keel::rebalance_orders(h, p, w, o);
    const std::vector<TestType> hs(h.begin(), h.end()), ps(p.begin(), p.end()), ws(w.begin(), w.end());
    const auto got = keel::rebalance_orders(hs, ps, ws, o);
    STATIC_REQUIRE(std::is_same_v<decltype(got.impact_cost), TestType>);
    REQUIRE(!want.orders.empty());
    REQUIRE(got.orders.size() == want.orders.size());
    // float inputs carry float's rounding; long double computes in long double.
    const double tol = std::is_same_v<TestType, float> ? 1e-6 : 1e-13;
    for (std::size_t k = 0; k < got.orders.size(); ++k) {
      CHECK(got.orders[k].position == want.orders[k].position);
      CHECK(got.orders[k].quantity == static_cast<TestType>(want.orders[k].quantity));
      CHECK(static_cast<double>(got.orders[k].cost) == Approx(want.orders[k].cost).epsilon(tol));
      CHECK(static_cast<double>(got.orders[k].impact) == Approx(want.orders[k].impact).epsilon(tol));
    }
    CHECK(want.impact_cost > 0);
    CHECK(static_cast<double>(got.impact_cost) == Approx(want.impact_cost).epsilon(tol));
    CHECK(static_cast<double>(got.cash_after) == Approx(want.cash_after).epsilon(tol));
    CHECK(static_cast<double>(got.total_cost) == Approx(want.total_cost).epsilon(tol));
  }
}

TEST_CASE(
    "rebalance_orders with impact, to = band_edge: the plan is a fixed point of the value it leaves, or the "
    "better plan of a 2-cycle",
    "[rebalance][costs]") {
  // The plan is recomputed at the value after trading that its predecessor leaves. When that
  // alternates between two plans, the one kept must leave no more positions outside their
  // bands (each at its own value after trading) than the other: checked here on the solver's
  // own rounds, with the band test recomputed from the lots. (Before the rule, 12 of these 47
  // cycles ended on the worse plan, by the parity of the round count.)
  std::mt19937_64 gen(71);
  int fixed = 0, cycles = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    book b = random_book(gen, 3, false);
    b.options.to = keel::rebalance_to::band_edge;
    b.options.lot_size = 10;
    for (auto& m : b.options.costs) {
      m.impact = 2 + 4 * std::fabs(m.impact);
      m.max_participation = 1;
      m.daily_volume = 1e5;
    }
    const auto book_ = keel::detail::make_book<long double>("t", b.holdings, b.prices, b.targets, b.options);
    keel::detail::rebalance_planner<long double> planner(book_);
    const std::vector<std::int64_t> lots = keel::detail::plan_rebalance(book_).lots;
    const auto outside = [&](const std::vector<std::int64_t>& k) {
      const long double after = planner.value_after(k);
      int n = 0;
      for (std::size_t i = 0; i < k.size(); ++i)
        n += std::fabs(planner.position_value(i, k[i]) / after - book_.targets[i]) > book_.tolerances[i] ? 1 : 0;
      return n;
    };
    const std::vector<std::int64_t> next = planner.plan(planner.value_after(lots)).lots;
    if (next == lots) {
      ++fixed;
      continue;
    }
    INFO(describe(b, run(b)));
    // Not a fixed point: the rounds must come back to it (a 2-cycle) and it must be the better.
    CHECK(planner.plan(planner.value_after(next)).lots == lots);
    CHECK(outside(lots) <= outside(next));
    ++cycles;
  }
  CHECK(fixed > 3000);
  INFO("2-cycles: " << cycles);
  CHECK(cycles > 10);  // the rounds do alternate on these books: the rule above is exercised
  CHECK(fixed + cycles == 4000);
}
