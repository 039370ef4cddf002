// SPDX-License-Identifier: MIT
// Tests of the hedge plan's execution schedules and risk reduction (keel/hedge.hpp): each order's
// schedule against keel::almgren_chriss called here on the order's contracts and against Almgren
// and Chriss's closed form (2001, eqs. (15)-(20)) written here in long double; the plan's effect
// against hedge_effect and against the one-factor volatility and Boost.Math's normal VaR; errors.
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>

#include <keel/costs.hpp>
#include <keel/hedge.hpp>

using Catch::Matchers::Contains;

namespace {

// An E-mini-like future worked over a day in 10 periods (Almgren-Chriss in contracts: 250,000 of
// notional a contract at 1.2% daily volatility is 3,000 currency per contract per sqrt(day)),
// and an ETF on the same index without an execution. Both have square-root impact, so the
// min-cost hedge trades both (see hedge_test_costs.cpp).
std::vector<keel::hedge_instrument> instruments() {
  keel::hedge_instrument future{.symbol = "ES",
                                .beta = 1,
                                .price = 5000,
                                .multiplier = 50,
                                .costs = {.half_spread = 5e-5, .impact = 1, .volatility = 0.012, .daily_volume = 2e5}};
  future.execution = keel::hedge_execution{.parameters = {.horizon = 1,
                                                          .volatility = 3000,
                                                          .permanent_impact = 0.025,
                                                          .temporary_impact = 0.25,
                                                          .fixed_cost = 12.5,
                                                          .risk_aversion = 1e-6},
                                           .periods = 10};
  const keel::hedge_instrument etf{
      .symbol = "SPY",
      .beta = 1,
      .price = 500,
      .multiplier = 1,
      .costs = {.half_spread = 1e-4, .impact = 1, .volatility = 0.012, .daily_volume = 5e7}};
  return {etf, future};
}

// Almgren and Chriss's optimal schedule for selling X over T in N periods, written from the
// paper in long double: x_j = X sinh(kappa (T - t_j)) / sinh(kappa T), cosh(kappa tau) = 1 +
// tau^2 lambda sigma^2 / (2 eta~), E = gamma X^2 / 2 + epsilon sum |n| + (eta~ / tau) sum n^2,
// V = sigma^2 tau sum_{k=1}^{N-1} x_k^2.
struct reference_schedule {
  std::vector<long double> trades;
  long double expected_cost = 0, cost_variance = 0;
};

reference_schedule almgren_chriss_by_hand(long double x, std::size_t periods, const keel::ac_parameters& p) {
  const auto n = static_cast<long double>(periods);
  const long double big_t = p.horizon, tau = big_t / n;
  const long double eta_tilde = p.temporary_impact - 0.5L * p.permanent_impact * tau;
  const long double sigma = p.volatility, lambda = p.risk_aversion;
  const long double kappa = std::acosh(1 + tau * tau * lambda * sigma * sigma / (2 * eta_tilde)) / tau;
  std::vector<long double> holdings(periods + 1);
  for (std::size_t j = 0; j <= periods; ++j) {
    const long double t = static_cast<long double>(j) * tau;
    holdings[j] = kappa == 0 ? x * (n - static_cast<long double>(j)) / n
                             : x * std::sinh(kappa * (big_t - t)) / std::sinh(kappa * big_t);
  }
  reference_schedule out;
  long double abs_sum = 0, square_sum = 0, hold_sum = 0;
  for (std::size_t j = 1; j <= periods; ++j) {
    const long double trade = holdings[j - 1] - holdings[j];
    out.trades.push_back(trade);
    abs_sum += std::fabs(trade);
    square_sum += trade * trade;
    if (j < periods) hold_sum += holdings[j] * holdings[j];
  }
  out.expected_cost = 0.5L * p.permanent_impact * x * x + p.fixed_cost * abs_sum + eta_tilde / tau * square_sum;
  out.cost_variance = sigma * sigma * tau * hold_sum;
  return out;
}

const keel::hedge_order* order_of(const keel::hedge_plan& plan, const std::string& symbol) {
  for (const auto& o : plan.orders)
    if (o.symbol == symbol) return &o;
  return nullptr;
}

// Checks the future's schedule in `plan` (instrument 1 of instruments()) against almgren_chriss
// and the closed form, and the ETF's (instrument 0, no execution) is empty.
void check_schedules(const keel::hedge_plan& plan, const std::vector<keel::hedge_instrument>& ins) {
  const keel::hedge_order* future = order_of(plan, "ES");
  const keel::hedge_order* etf = order_of(plan, "SPY");
  REQUIRE(future != nullptr);
  REQUIRE(etf != nullptr);
  const double q = plan.quantities[1];  // signed contracts bought (negative: sold)
  REQUIRE(q != 0);
  CHECK(future->quantity == std::fabs(q));
  CHECK(future->side == (q > 0 ? keel::order_side::buy : keel::order_side::sell));

  const keel::hedge_execution& e = *ins[1].execution;
  const keel::execution_schedule direct = keel::almgren_chriss(-q, e.periods, e.parameters);
  const keel::execution_schedule& s = future->schedule;
  CHECK(s.trades == direct.trades);
  CHECK(s.holdings == direct.holdings);
  CHECK(s.times == direct.times);
  CHECK(s.expected_cost == direct.expected_cost);
  CHECK(s.cost_variance == direct.cost_variance);
  CHECK(s.kappa == direct.kappa);
  CHECK(s.kappa > 0);  // not TWAP: the risk aversion front-loads the schedule

  // The trades work the whole order, each the way the order goes (almgren_chriss's sign: a
  // sale is positive), and agree with the closed form.
  REQUIRE(s.trades.size() == e.periods);
  long double sum = 0;
  for (double t : s.trades) {
    sum += t;
    CHECK((q > 0 ? t < 0 : t > 0));
  }
  CHECK(std::fabs(sum + q) <= 1e-12L * std::fabs(q));
  const reference_schedule ref = almgren_chriss_by_hand(-q, e.periods, e.parameters);
  for (std::size_t k = 0; k < e.periods; ++k) CHECK(std::fabs(s.trades[k] - ref.trades[k]) <= 1e-12L * std::fabs(q));
  CHECK(std::fabs(s.expected_cost - ref.expected_cost) <= 1e-12L * ref.expected_cost);
  CHECK(std::fabs(s.cost_variance - ref.cost_variance) <= 1e-12L * ref.cost_variance);

  // An instrument without an execution: no schedule.
  CHECK(etf->schedule.trades.empty());
  CHECK(etf->schedule.holdings.empty());
  CHECK(etf->schedule.times.empty());
  CHECK(etf->schedule.expected_cost == 0);
  CHECK(plan.execution_cost == future->schedule.expected_cost + etf->schedule.expected_cost);
}

}  // namespace

TEST_CASE("hedge execution: each order's schedule is Almgren-Chriss on its contracts", "[hedge][execution]") {
  const auto ins = instruments();
  SECTION("a sale (beta down), whole contracts") {
    const keel::hedge_plan plan = keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2);
    CHECK(plan.quantities[1] < 0);
    check_schedules(plan, ins);
  }
  SECTION("a purchase (beta up), continuous quantities") {
    const keel::hedge_plan plan = keel::hedge_to_target_beta(2e8, -0.5, ins, 0.5, {.round_to_contracts = false});
    CHECK(plan.quantities[1] > 0);
    check_schedules(plan, ins);
  }
  SECTION("with both instruments' executions the cost is their sum") {
    auto both = ins;
    both[0].execution = keel::hedge_execution{
        .parameters = {.horizon = 0.5, .volatility = 6, .temporary_impact = 1e-4, .fixed_cost = 0.05}, .periods = 4};
    const keel::hedge_plan plan = keel::hedge_to_target_beta(2e8, 1.2, both, 0.2);
    REQUIRE(plan.orders.size() == 2);
    const keel::execution_schedule twap = keel::almgren_chriss(-plan.quantities[0], 4, both[0].execution->parameters);
    CHECK(order_of(plan, "SPY")->schedule.trades == twap.trades);
    CHECK(twap.kappa == 0);  // risk aversion 0: TWAP, equal trades
    CHECK(twap.trades[0] == Approx(-plan.quantities[0] / 4).epsilon(1e-14));
    const double sum = order_of(plan, "SPY")->schedule.expected_cost + order_of(plan, "ES")->schedule.expected_cost;
    CHECK(plan.execution_cost == Approx(sum).epsilon(1e-15));
    CHECK(plan.execution_cost > order_of(plan, "ES")->schedule.expected_cost);
  }
  SECTION("the schedules do not change the hedge") {
    auto bare = ins;
    bare[1].execution.reset();
    const keel::hedge_plan with = keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2);
    const keel::hedge_plan without = keel::hedge_to_target_beta(2e8, 1.2, bare, 0.2);
    CHECK(with.quantities == without.quantities);
    CHECK(with.total_cost == without.total_cost);
    CHECK(with.beta_after == without.beta_after);
    CHECK(without.execution_cost == 0);
    for (const auto& o : without.orders) CHECK(o.schedule.trades.empty());
  }
  SECTION("an instrument the hedge does not trade has no order and adds nothing") {
    auto idle = ins;
    idle[1].max_quantity = 0.0;
    idle[1].min_quantity = 0.0;
    const keel::hedge_plan plan = keel::hedge_to_target_beta(2e8, 1.2, idle, 0.2);
    CHECK(order_of(plan, "ES") == nullptr);
    CHECK(plan.execution_cost == 0);
  }
}

TEST_CASE("hedge execution: the plan's effect is hedge_effect's one-factor risk reduction", "[hedge][execution]") {
  const auto ins = instruments();
  const double sm = 0.012, se = 0.004;
  const keel::hedge_plan plan =
      keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = sm, .residual_volatility = se});
  REQUIRE(plan.effect.has_value());
  const keel::hedge_effect_result& e = *plan.effect;
  const keel::hedge_effect_result direct = keel::hedge_effect(plan, sm, se);
  CHECK(e.beta_before == direct.beta_before);
  CHECK(e.beta_after == direct.beta_after);
  CHECK(e.volatility_before == direct.volatility_before);
  CHECK(e.volatility_after == direct.volatility_after);
  CHECK(e.var_before == direct.var_before);
  CHECK(e.var_after == direct.var_after);

  // By hand: sigma = sqrt(beta^2 sigma_m^2 + sigma_e^2) and the zero-mean normal VaR z_0.95 sigma.
  const double z = boost::math::quantile(boost::math::normal(), 0.95);
  const double before = std::sqrt(1.2 * 1.2 * sm * sm + se * se);
  const double after = std::sqrt(plan.beta_after * plan.beta_after * sm * sm + se * se);
  CHECK(e.beta_before == 1.2);
  CHECK(e.beta_after == plan.beta_after);
  CHECK(e.volatility_before == Approx(before).epsilon(1e-14));
  CHECK(e.volatility_after == Approx(after).epsilon(1e-14));
  CHECK(e.var_before == Approx(z * before).epsilon(1e-13));
  CHECK(e.var_after == Approx(z * after).epsilon(1e-13));
  CHECK(e.var_after < e.var_before);  // the hedge reduces the risk

  // The market term vanishes at beta 0 (continuous quantities reach it): only the residual is left.
  const keel::hedge_plan flat = keel::hedge_to_target_beta(
      2e8, 1.2, ins, 0.0, {.round_to_contracts = false, .market_volatility = sm, .residual_volatility = se});
  REQUIRE(flat.effect.has_value());
  CHECK(flat.effect->volatility_after == Approx(se).epsilon(1e-6));

  // No volatilities, no effect; zero volatilities are a valid (riskless) effect.
  CHECK_FALSE(keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2).effect.has_value());
  const keel::hedge_plan riskless =
      keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = 0.0, .residual_volatility = 0.0});
  REQUIRE(riskless.effect.has_value());
  CHECK(riskless.effect->volatility_before == 0);
  CHECK(riskless.effect->var_after == 0);
}

TEST_CASE("hedge execution: errors", "[hedge][execution][errors]") {
  const auto ins = instruments();
  SECTION("one volatility without the other") {
    CHECK_THROWS_AS(keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = 0.01}), keel::invalid_input);
    CHECK_THROWS_WITH(keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = 0.01}),
                      Contains("market_volatility is given without residual_volatility"));
    CHECK_THROWS_AS(keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.residual_volatility = 0.01}), keel::invalid_input);
  }
  SECTION("a negative or non-finite volatility") {
    CHECK_THROWS_AS(
        keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = 0.01, .residual_volatility = -0.01}),
        keel::invalid_input);
    CHECK_THROWS_WITH(
        keel::hedge_to_target_beta(2e8, 1.2, ins, 0.2, {.market_volatility = 0.01, .residual_volatility = -0.01}),
        Contains("hedge_to_target_beta: residual_volatility = -0.01 must be non-negative"));
    CHECK_THROWS_AS(keel::hedge_to_target_beta(
                        2e8, 1.2, ins, 0.2,
                        {.market_volatility = std::numeric_limits<double>::quiet_NaN(), .residual_volatility = 0.01}),
                    keel::invalid_input);
  }
  SECTION("periods = 0") {
    auto bad = ins;
    bad[1].execution->periods = 0;
    CHECK_THROWS_AS(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2), keel::invalid_input);
    CHECK_THROWS_WITH(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2),
                      Contains("hedge_to_target_beta: instruments[1] (ES).execution: periods = 0"));
  }
  SECTION("a zero horizon, named by the instrument's symbol") {
    auto bad = ins;
    bad[1].execution->parameters.horizon = 0;
    CHECK_THROWS_AS(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2), keel::invalid_input);
    CHECK_THROWS_WITH(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2),
                      Contains("instruments[1] (ES).execution: parameters.horizon = 0 must be > 0"));
  }
  SECTION("a non-convex impact, even on an instrument that does not trade") {
    auto bad = ins;
    bad[1].execution->parameters.temporary_impact = 0.001;  // below gamma tau / 2 = 0.00125
    bad[1].min_quantity = 0.0;
    bad[1].max_quantity = 0.0;
    CHECK_THROWS_AS(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2), keel::invalid_input);
    CHECK_THROWS_WITH(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2),
                      Contains("instruments[1] (ES).execution: parameters.temporary_impact"));
  }
  SECTION("an unnamed instrument is named by its index") {
    auto bad = ins;
    bad[1].symbol.clear();
    bad[1].execution->parameters.risk_aversion = -1;
    CHECK_THROWS_WITH(keel::hedge_to_target_beta(2e8, 1.2, bad, 0.2),
                      Contains("instruments[1].execution: parameters.risk_aversion = -1"));
  }
}
