// SPDX-License-Identifier: MIT
// Tests of hedge_to_target_beta with cost models (keel/hedge.hpp, keel/costs.hpp): the
// impact-aware min-cost hedge against a nested ternary search of the same convex problem in long
// double (written here from the cost formula, not from keel's solver), its Karush-Kuhn-Tucker
// conditions, the naive single-instrument hedges it must never cost more than, each order's cost
// against keel::order_cost, the budget, the volume rule and the errors.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/costs.hpp>
#include <keel/hedge.hpp>

using Catch::Matchers::Contains;

namespace {

// The cost of q contracts as costs.hpp states it, in long double: (cost_bps / 10^4 +
// half_spread + commission) |n| + c sigma |n| (|q| / ADV)^(e - 1), n = q price multiplier.
long double cost_of(const keel::hedge_instrument& h, long double q) {
  const long double a = std::fabs(q);
  const long double n = a * h.price * h.multiplier;
  long double c = n * (h.cost_bps / 1e4L + h.costs.half_spread + h.costs.commission);
  if (h.costs.impact > 0 && a > 0)
    c += h.costs.impact * static_cast<long double>(h.costs.volatility) * n *
         std::pow(a / h.costs.daily_volume, static_cast<long double>(h.costs.exponent) - 1);
  return c;
}

long double total_cost(const std::vector<keel::hedge_instrument>& ins, const std::vector<long double>& q) {
  long double sum = 0;
  for (std::size_t i = 0; i < ins.size(); ++i) sum += cost_of(ins[i], q[i]);
  return sum;
}

// Minimum of a convex function on [lo, hi] by ternary search (long double; 200 steps shrink
// the interval by (2/3)^200, far below rounding).
long double ternary_min(long double lo, long double hi, const std::function<long double(long double)>& f,
                        long double* at = nullptr) {
  for (int it = 0; it < 200; ++it) {
    const long double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    if (f(m1) < f(m2))
      hi = m2;
    else
      lo = m1;
  }
  if (at) *at = 0.5L * (lo + hi);
  return f(0.5L * (lo + hi));
}

// The cheapest way to move the beta-notional by goal with two or three unbounded instruments:
// every quantity moves toward the goal, so q_i lies between 0 and goal / a_i; the last is fixed
// by the target, the others found by (nested) ternary search of the convex cost.
long double reference_min_cost(const std::vector<keel::hedge_instrument>& ins, long double goal) {
  std::vector<long double> a(ins.size());
  for (std::size_t i = 0; i < ins.size(); ++i)
    a[i] = static_cast<long double>(ins[i].price) * ins[i].multiplier * ins[i].beta;
  if (ins.size() == 2) {
    return ternary_min(std::min(0.0L, goal / a[0]), std::max(0.0L, goal / a[0]), [&](long double q0) {
      return total_cost(ins, {q0, (goal - a[0] * q0) / a[1]});
    });
  }
  return ternary_min(std::min(0.0L, goal / a[0]), std::max(0.0L, goal / a[0]), [&](long double q0) {
    const long double rest = goal - a[0] * q0;
    return ternary_min(std::min(0.0L, rest / a[1]), std::max(0.0L, rest / a[1]), [&](long double q1) {
      return total_cost(ins, {q0, q1, (rest - a[1] * q1) / a[2]});
    });
  });
}

// An index future, its ETF and a second index's ETF, with spreads, commissions and
// square-root impact (Barra's c = 1; daily volumes of the order of the real ones).
std::vector<keel::hedge_instrument> instruments() {
  return {
      {.symbol = "ES",
       .beta = 1.0,
       .price = 5000,
       .multiplier = 50,
       .costs = {.half_spread = 1e-4, .commission = 2e-5, .impact = 1, .volatility = 0.012, .daily_volume = 2e6}},
      {.symbol = "SPY",
       .beta = 1.0,
       .price = 500,
       .multiplier = 1,
       .costs = {.half_spread = 5e-5, .impact = 1, .volatility = 0.012, .daily_volume = 8e7}},
      {.symbol = "QQQ",
       .beta = 1.2,
       .price = 450,
       .multiplier = 1,
       .costs = {.half_spread = 1e-4, .impact = 0.8, .volatility = 0.015, .daily_volume = 4e7}},
  };
}

}  // namespace

TEST_CASE("hedge with impact: the least cost, as a nested ternary search finds it", "[hedge][costs]") {
  const auto ins = instruments();
  for (const double value : {1e7, 1e9, 3e10}) {
    INFO("portfolio value " << value);
    const auto plan = keel::hedge_to_target_beta(value, 1.1, ins, 0.0, {.round_to_contracts = false});
    CHECK(plan.fully_hedged);
    CHECK(std::abs(plan.beta_after) <= 1e-12);
    const long double reference = reference_min_cost(ins, -1.1L * value);
    // keel's optimum is at least as cheap (to rounding) and the search cannot beat it.
    CHECK(static_cast<long double>(plan.total_cost) <= reference * (1 + 1e-12L));
    CHECK(static_cast<long double>(plan.total_cost) >= reference * (1 - 1e-9L));
    // Two instruments: the same against a one-dimensional search.
    const std::vector<keel::hedge_instrument> two(ins.begin(), ins.begin() + 2);
    const auto plan2 = keel::hedge_to_target_beta(value, 1.1, two, 0.0, {.round_to_contracts = false});
    const long double reference2 = reference_min_cost(two, -1.1L * value);
    CHECK(std::fabs(static_cast<long double>(plan2.total_cost) / reference2 - 1) <= 1e-10L);
  }
}

TEST_CASE("hedge with impact: the Karush-Kuhn-Tucker conditions hold", "[hedge][costs]") {
  // At the optimum every instrument traded strictly inside its bounds has the same marginal
  // cost per unit of beta-notional, and one not traded has a linear cost above it.
  std::mt19937_64 gen(20261207);
  std::uniform_real_distribution<double> u(0, 1);
  int solved = 0, interior = 0;  // problems that reached the KKT checks, and those with a common mu
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<keel::hedge_instrument> ins;
    const int k = 2 + trial % 4;
    for (int i = 0; i < k; ++i) {
      keel::hedge_instrument h;
      h.symbol = "H" + std::to_string(i);
      h.beta = (i % 3 == 2 ? -1 : 1) * (0.3 + 1.7 * u(gen));
      h.price = 10 + 990 * u(gen);
      h.multiplier = i % 2 == 0 ? 1 : 50;
      h.cost_bps = 5 * u(gen);
      h.costs = {.half_spread = 5e-4 * u(gen),
                 .commission = 1e-4 * u(gen),
                 .impact = 2 * u(gen),
                 .volatility = 0.005 + 0.03 * u(gen),
                 .daily_volume = 1e5 + 1e7 * u(gen),
                 .exponent = trial % 3 == 0 ? 1.6 : 1.5};
      if (trial % 5 == 1) h.max_quantity = 10 + 1e3 * u(gen);
      if (trial % 5 == 1) h.min_quantity = -(10 + 1e3 * u(gen));
      ins.push_back(h);
    }
    const double value = 1e6 * std::pow(10.0, 3 * u(gen));
    const double target = trial % 5 == 1 ? 0.9 : -0.5 + 2 * u(gen);
    INFO("trial " << trial);
    keel::hedge_plan plan;
    try {
      plan = keel::hedge_to_target_beta(value, 1.0, ins, target, {.round_to_contracts = false});
    } catch (const keel::infeasible&) {
      continue;  // bounds that cannot reach the target
    }
    REQUIRE(plan.fully_hedged);
    ++solved;
    double mu = 0;
    bool have_mu = false;
    std::vector<double> marginal(ins.size());
    for (std::size_t i = 0; i < ins.size(); ++i) {
      const auto& h = ins[i];
      const double q = plan.quantities[i];
      const double a = h.price * h.multiplier * h.beta;
      const double linear = h.price * h.multiplier * (h.cost_bps / 1e4 + h.costs.half_spread + h.costs.commission);
      const double k_i = h.costs.impact * h.costs.volatility * h.price * h.multiplier /
                         std::pow(h.costs.daily_volume, h.costs.exponent - 1);
      if (q == 0) {
        marginal[i] = linear / std::abs(a);  // the least |mu| that would trade it
        continue;
      }
      const double d = (linear + h.costs.exponent * k_i * std::pow(std::abs(q), h.costs.exponent - 1)) / std::abs(a);
      marginal[i] = d;
      const double cap = h.costs.max_participation * h.costs.daily_volume;  // the volume rule
      const bool at_bound = (h.max_quantity && q >= *h.max_quantity * (1 - 1e-12)) ||
                            (h.min_quantity && q <= *h.min_quantity * (1 - 1e-12)) || std::abs(q) >= cap * (1 - 1e-12);
      if (at_bound) continue;
      if (!have_mu) {
        mu = d;
        have_mu = true;
      } else {
        CHECK(d == Approx(mu).epsilon(1e-9));
      }
    }
    if (have_mu) {
      ++interior;
      for (std::size_t i = 0; i < ins.size(); ++i)
        if (plan.quantities[i] == 0) CHECK(marginal[i] >= mu * (1 - 1e-9));
    }
  }
  // The checks above ran on most of the problems (the bounded ones may be infeasible).
  CHECK(solved >= 40);
  CHECK(interior >= 30);
}

TEST_CASE("hedge with impact: never dearer than a naive single-instrument hedge", "[hedge][costs]") {
  const auto ins = instruments();
  for (const double value : {1e6, 1e8, 1e10}) {
    for (const double target : {0.0, 0.5, 1.5}) {
      INFO("value " << value << ", target " << target);
      const auto plan = keel::hedge_to_target_beta(value, 1.1, ins, target, {.round_to_contracts = false});
      for (std::size_t j = 0; j < ins.size(); ++j) {
        const auto one =
            keel::hedge_to_target_beta(value, 1.1, std::span(&ins[j], 1), target, {.round_to_contracts = false});
        CHECK(plan.total_cost <= one.total_cost * (1 + 1e-12));
      }
    }
  }
}

TEST_CASE("hedge with impact: each order's cost is keel::order_cost of it", "[hedge][costs]") {
  auto ins = instruments();
  ins[1].cost_bps = 0.7;  // cost_bps adds to the model's linear rate
  const auto plan = keel::hedge_to_target_beta(2e9, 1.1, ins, 0.2);
  REQUIRE(plan.orders.size() == 3);
  double total = 0, impact = 0;
  for (std::size_t i = 0; i < plan.orders.size(); ++i) {
    const auto& o = plan.orders[i];
    const auto& h = ins[i];
    const auto c = keel::order_cost(o.quantity, h.price * h.multiplier, h.costs);
    CHECK(o.impact == Approx(c.impact).epsilon(1e-13));
    CHECK(o.cost == Approx(c.total + o.notional * h.cost_bps / 1e4).epsilon(1e-13));
    CHECK(o.quantity == std::round(o.quantity));  // whole contracts by default
    total += o.cost;
    impact += o.impact;
  }
  CHECK(plan.total_cost == Approx(total).epsilon(1e-14));
  CHECK(plan.impact_cost == Approx(impact).epsilon(1e-14));
  CHECK(plan.impact_cost > 0);
}

TEST_CASE("hedge with impact: a budget buys the furthest beta it can pay for", "[hedge][costs]") {
  const auto ins = instruments();
  const double value = 1e9;
  const auto full = keel::hedge_to_target_beta(value, 1.1, ins, 0.0, {.round_to_contracts = false});
  for (const double share : {0.1, 0.5, 0.9}) {
    INFO("budget " << share << " of the full cost");
    const double budget = share * full.total_cost;
    const auto plan =
        keel::hedge_to_target_beta(value, 1.1, ins, 0.0, {.budget = budget / value, .round_to_contracts = false});
    CHECK_FALSE(plan.fully_hedged);
    CHECK_THAT(plan.reason, Contains("budget"));
    CHECK(plan.total_cost <= budget * (1 + 1e-12));
    CHECK(plan.total_cost >= budget * (1 - 1e-9));  // it spends what it has
    CHECK(plan.beta_after < 1.1);
    CHECK(plan.beta_after > 0.0);
    // Going a little further costs more than the budget, as the cheapest hedge to there shows.
    const double further = plan.beta_after - 1e-6 * (1.1 - plan.beta_after);
    const auto next = keel::hedge_to_target_beta(value, 1.1, ins, further, {.round_to_contracts = false});
    CHECK(next.total_cost > budget);
  }
}

TEST_CASE("hedge with impact: the volume rule bounds each instrument", "[hedge][costs]") {
  auto ins = instruments();
  ins[0].costs.daily_volume = 100;  // ES: at most 100 contracts
  ins[0].costs.max_participation = 0.5;
  const auto plan = keel::hedge_to_target_beta(1e10, 1.1, ins, 0.0, {.round_to_contracts = false});
  CHECK(std::abs(plan.quantities[0]) <= 50);
  CHECK(std::abs(plan.beta_after) <= 1e-12);
  // With ES alone the target is out of reach: the range is named.
  CHECK_THROWS_AS(keel::hedge_to_target_beta(1e10, 1.1, std::span(&ins[0], 1), 0.0), keel::infeasible);
  auto forced = ins;
  forced[0].min_quantity = 60;  // above the volume rule's 50
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e10, 1.1, forced, 0.0), Contains("volume rule"));
}

TEST_CASE("hedge with impact: linear costs alone keep the exact LP's answer", "[hedge][costs]") {
  // half_spread + commission without impact is the linear model: the same plan as cost_bps.
  auto with_model = instruments();
  auto with_bps = instruments();
  for (std::size_t i = 0; i < with_model.size(); ++i) {
    with_model[i].costs.impact = 0;
    with_bps[i].cost_bps = 1e4 * (with_bps[i].costs.half_spread + with_bps[i].costs.commission);
    with_bps[i].costs = {};
  }
  const auto a = keel::hedge_to_target_beta(1e9, 1.1, with_model, 0.0);
  const auto b = keel::hedge_to_target_beta(1e9, 1.1, with_bps, 0.0);
  CHECK(a.quantities == b.quantities);
  CHECK(a.total_cost == Approx(b.total_cost).epsilon(1e-12));
  CHECK(a.impact_cost == 0);
}

TEST_CASE("hedge with impact: a bad cost model is invalid_input naming the instrument", "[hedge][costs]") {
  auto ins = instruments();
  ins[1].costs.daily_volume = 0;  // impact without a volume
  CHECK_THROWS_AS(keel::hedge_to_target_beta(1e9, 1.1, ins, 0.0), keel::invalid_input);
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e9, 1.1, ins, 0.0), Contains("instruments[1].costs"));
  ins = instruments();
  ins[2].costs.exponent = 2.5;
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e9, 1.1, ins, 0.0), Contains("exponent"));
  ins = instruments();
  ins[0].costs.half_spread = -1e-4;
  CHECK_THROWS_AS(keel::hedge_to_target_beta(1e9, 1.1, ins, 0.0), keel::invalid_input);
}
