// SPDX-License-Identifier: MIT
// Tests of the option hedges and compare_hedges (keel/options.hpp). References written here:
// the hedged book's value at expiry from the payoff formulas; put-call parity for the collar's
// zero cost; ordinary least squares by Eigen's QR for the minimum-variance and minimum
// tracking-error hedge ratios; sample variances of the hedged rows; the normal VaR of the
// unhedged book against its Monte Carlo; and the floor and cap that full revaluation must
// respect at expiry (a delta approximation would not).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/options.hpp>

using Catch::Matchers::Contains;

namespace {

keel::index_option_terms spx(double half_spread = 0.02) {
  return {.symbol = "SPX",
          .market = {.spot = 5000, .rate = 0.04, .dividend_yield = 0.015, .volatility = 0.18},
          .maturity = 0.25,
          .multiplier = 100,
          .half_spread = half_spread};
}

// The book plus the legs at expiry, as a fraction of V, written from the payoffs.
double at_expiry(const keel::option_hedge& h, double value, double beta, const keel::index_option_terms& t,
                 double s_t) {
  double change = beta * (s_t / t.market.spot - 1) * value;
  for (const auto& l : h.legs) {
    const double k = l.option.strike;
    const double payoff = l.option.type == keel::option_type::put ? std::max(k - s_t, 0.0) : std::max(s_t - k, 0.0);
    change += l.quantity * t.multiplier * (payoff - l.valuation.price);
  }
  for (const auto& l : h.legs) change -= std::abs(l.quantity) * t.multiplier * l.valuation.price * t.half_spread;
  return change / value;
}

struct market_data {
  Eigen::VectorXd book, market, bench;
  Eigen::MatrixXd instruments;
};

// A book with beta 1.1 to the market and residual noise, a future (the market plus basis noise)
// and a second index; daily rows.
market_data simulate(int rows, double residual, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 1);
  market_data d;
  d.book.resize(rows);
  d.market.resize(rows);
  d.bench.resize(rows);
  d.instruments.resize(rows, 2);
  for (int t = 0; t < rows; ++t) {
    d.market(t) = 0.0003 + 0.011 * z(gen);
    d.book(t) = 0.0002 + 1.1 * d.market(t) + residual * z(gen);
    d.instruments(t, 0) = d.market(t) + 0.0005 * z(gen);
    d.instruments(t, 1) = 0.0004 + 1.2 * d.market(t) + 0.006 * z(gen);
    d.bench(t) = 0.9 * d.market(t) + 0.3 * d.instruments(t, 1) + 0.002 * z(gen);
  }
  return d;
}

std::vector<keel::hedge_instrument> futures_and_etf() {
  return {{.symbol = "ES",
           .price = 5000,
           .multiplier = 50,
           .costs = {.half_spread = 1e-4, .impact = 1, .volatility = 0.011, .daily_volume = 2e6}},
          {.symbol = "QQQ",
           .price = 450,
           .multiplier = 1,
           .costs = {.half_spread = 1e-4, .impact = 1, .volatility = 0.014, .daily_volume = 4e7}}};
}

double sample_sd(const Eigen::VectorXd& x) {
  const double m = x.mean();
  return std::sqrt((x.array() - m).square().sum() / static_cast<double>(x.size() - 1));
}

}  // namespace

TEST_CASE("protective_put: the strike gives the floor, and the payoff at expiry respects it", "[options][hedges]") {
  const auto t = spx();
  for (const double floor : {0.03, 0.08, 0.15, 0.3}) {
    INFO("floor " << floor);
    const auto h = keel::protective_put(1e8, 1.1, t, floor, {.round_to_contracts = false});
    REQUIRE(h.legs.size() == 1);
    CHECK(h.contracts == Approx(1.1 * 1e8 / (5000 * 100)).epsilon(1e-15));
    CHECK(h.floor <= floor + 1e-12);
    CHECK(h.floor == Approx(floor).margin(1e-12));
    CHECK_FALSE(h.cap.has_value());
    // The loss at expiry over a grid of index levels never exceeds the floor, and reaches it
    // below the strike.
    double worst = -1e300;
    for (double s_t = 0; s_t <= 10000; s_t += 25) worst = std::max(worst, -at_expiry(h, 1e8, 1.1, t, s_t));
    CHECK(worst == Approx(floor).margin(1e-9));
    CHECK(-at_expiry(h, 1e8, 1.1, t, 0.5 * h.legs[0].option.strike) == Approx(floor).margin(1e-9));
    // Premium and delta from black_scholes on the leg.
    const auto v = keel::black_scholes(h.legs[0].option, t.market);
    CHECK(h.premium == Approx(h.contracts * 100 * v.price).epsilon(1e-14));
    CHECK(h.cost == Approx(h.premium * 0.02).epsilon(1e-14));
    CHECK(h.beta_after == Approx(1.1 + h.contracts * 100 * v.delta * 5000 / 1e8).epsilon(1e-14));
  }
  // Whole contracts: an integer number, the floor measured for it.
  const auto whole = keel::protective_put(1e8, 1.1, t, 0.1);
  CHECK(whole.contracts == std::round(1.1 * 1e8 / (5000 * 100)));
  CHECK(whole.floor <= 0.1 + 1e-12);
}

TEST_CASE("zero_cost_collar: the call pays for the put and its spreads; floor and cap hold", "[options][hedges]") {
  const auto t = spx();
  for (const double floor : {0.05, 0.1, 0.2}) {
    INFO("floor " << floor);
    const auto h = keel::zero_cost_collar(1e8, 1.1, t, floor, {.round_to_contracts = false});
    REQUIRE(h.legs.size() == 2);
    const auto& put = h.legs[0];
    const auto& call = h.legs[1];
    CHECK(put.option.type == keel::option_type::put);
    CHECK(call.option.type == keel::option_type::call);
    CHECK(call.quantity == -put.quantity);
    CHECK(call.option.strike > put.option.strike);
    // Zero cost: premium paid + half spreads = 0, to the bisection's last digits.
    CHECK(std::abs(h.premium + h.cost) <= 1e-9 * h.contracts * 100 * 5000);
    // The floor is the put's strike distance: beta (1 - K_p / S).
    CHECK(put.option.strike == Approx(5000 * (1 - floor / 1.1)).epsilon(1e-12));
    CHECK(h.floor == Approx(floor).margin(1e-9));
    REQUIRE(h.cap.has_value());
    CHECK(*h.cap == Approx(1.1 * (call.option.strike / 5000 - 1)).margin(1e-9));
    for (double s_t = 0; s_t <= 10000; s_t += 25) {
      const double change = at_expiry(h, 1e8, 1.1, t, s_t);
      CHECK(change >= -floor - 1e-9);
      CHECK(change <= *h.cap + 1e-9);
    }
    // The call's price against put-call parity of the same strike, an independent route.
    const double forward_pv = 5000 * std::exp(-0.015 * 0.25);
    const double strike_pv = call.option.strike * std::exp(-0.04 * 0.25);
    const auto put_same = keel::black_scholes({keel::option_type::put, call.option.strike, 0.25}, t.market);
    CHECK(call.valuation.price == Approx(put_same.price + forward_pv - strike_pv).epsilon(1e-11));
  }
}

TEST_CASE("option hedges: unreachable floors and small books are infeasible, bad terms invalid", "[options][hedges]") {
  const auto t = spx();
  CHECK_THROWS_AS(keel::protective_put(1e8, 1.1, t, -0.5), keel::infeasible);
  CHECK_THROWS_WITH(keel::protective_put(1e8, 1.1, t, -0.5), Contains("floors the SPX puts can give"));
  CHECK_THROWS_AS(keel::protective_put(1e8, 1.1, t, 5.0), keel::infeasible);
  CHECK_THROWS_AS(keel::protective_put(1e5, 1.1, t, 0.1), keel::infeasible);  // under half a contract
  CHECK_THROWS_AS(keel::protective_put(1e8, -0.5, t, 0.1), keel::invalid_input);
  auto bad = t;
  bad.maturity = 0;
  CHECK_THROWS_WITH(keel::zero_cost_collar(1e8, 1.1, bad, 0.1), Contains("index.maturity"));
  bad = t;
  bad.half_spread = 1;
  CHECK_THROWS_AS(keel::zero_cost_collar(1e8, 1.1, bad, 0.1), keel::invalid_input);
  bad = t;
  bad.market.volatility = -0.1;
  CHECK_THROWS_AS(keel::protective_put(1e8, 1.1, bad, 0.1), keel::invalid_input);
}

TEST_CASE("compare_hedges: the linear strategies against OLS and the rows' own variances", "[options][hedges]") {
  const auto d = simulate(750, 0.006, 7);
  const auto ins = futures_and_etf();
  const double value = 1e8;
  const auto r = keel::compare_hedges(d.book, d.market, d.instruments, ins, spx(), value,
                                      {.paths = 2000, .round_to_contracts = false});
  REQUIRE(r.strategies.size() == 6);
  CHECK(r.strategies[0].name == "unhedged");
  CHECK(r.strategies[2].name == "minimum variance");
  // Betas: OLS slopes on the market, by QR here.
  const auto slope = [&](const Eigen::VectorXd& y) {
    Eigen::MatrixXd x(y.size(), 2);
    x.col(0).setOnes();
    x.col(1) = d.market;
    return Eigen::VectorXd(x.colPivHouseholderQr().solve(y))(1);
  };
  CHECK(r.beta == Approx(slope(d.book)).epsilon(1e-10));
  CHECK(r.betas[0] == Approx(slope(d.instruments.col(0))).epsilon(1e-10));
  CHECK(r.betas[1] == Approx(slope(d.instruments.col(1))).epsilon(1e-10));
  // Minimum variance: the regression of the book on the instruments (with an intercept).
  Eigen::MatrixXd x(d.book.size(), 3);
  x.col(0).setOnes();
  x.rightCols(2) = d.instruments;
  const Eigen::VectorXd coef = x.colPivHouseholderQr().solve(d.book);
  const auto& mv = r.strategies[2];
  REQUIRE(mv.reason.empty());
  for (int i = 0; i < 2; ++i) {
    const double fraction = mv.quantities[static_cast<std::size_t>(i)] * ins[static_cast<std::size_t>(i)].price *
                            ins[static_cast<std::size_t>(i)].multiplier / value;
    CHECK(fraction == Approx(-coef(i + 1)).epsilon(1e-9));
  }
  // Minimum tracking error: the same regression of book minus benchmark (the market here).
  const Eigen::VectorXd active = d.book - d.market;
  const Eigen::VectorXd coef_te = x.colPivHouseholderQr().solve(active);
  const auto& te = r.strategies[3];
  for (int i = 0; i < 2; ++i) {
    const double fraction = te.quantities[static_cast<std::size_t>(i)] * ins[static_cast<std::size_t>(i)].price *
                            ins[static_cast<std::size_t>(i)].multiplier / value;
    CHECK(fraction == Approx(-coef_te(i + 1)).epsilon(1e-9));
  }
  // Every linear strategy's volatility and tracking error are the hedged rows' sample ones.
  for (std::size_t s = 0; s < 4; ++s) {
    const auto& a = r.strategies[s];
    INFO(a.name);
    Eigen::VectorXd hedged = d.book;
    for (std::size_t i = 0; i < a.quantities.size(); ++i)
      hedged +=
          a.quantities[i] * ins[i].price * ins[i].multiplier / value * d.instruments.col(static_cast<Eigen::Index>(i));
    CHECK(a.volatility == Approx(sample_sd(hedged)).epsilon(1e-10));
    CHECK(a.tracking_error == Approx(sample_sd(hedged - d.market)).epsilon(1e-10));
  }
  // Minimum variance has the least volatility of the linear hedges, and minimum tracking error
  // the least tracking error.
  for (std::size_t s = 0; s < 4; ++s) {
    CHECK(mv.volatility <= r.strategies[s].volatility * (1 + 1e-12));
    CHECK(te.tracking_error <= r.strategies[s].tracking_error * (1 + 1e-12));
  }
  // Target beta: hedge_to_target_beta with the estimated betas.
  auto with_betas = ins;
  with_betas[0].beta = r.betas[0];
  with_betas[1].beta = r.betas[1];
  const auto plan = keel::hedge_to_target_beta(value, r.beta, with_betas, 0.0, {.round_to_contracts = false});
  CHECK(r.strategies[1].quantities == plan.quantities);
  CHECK(r.strategies[1].cost == Approx(plan.total_cost).epsilon(1e-14));
  CHECK(std::abs(r.strategies[1].beta) <= 1e-12);
  // Orders' costs come from each instrument's cost model.
  for (const auto& o : mv.orders) {
    const auto& h = o.symbol == "ES" ? ins[0] : ins[1];
    CHECK(o.cost == Approx(keel::order_cost(o.quantity, h.price * h.multiplier, h.costs).total).epsilon(1e-13));
  }
}

TEST_CASE("compare_hedges: full revaluation keeps the option hedges' losses at expiry within the floor",
          "[options][hedges]") {
  // No residual risk (the book is 1.1 x the market) and a horizon equal to the options' life:
  // at expiry the puts floor the loss, whatever the path, and the collar caps the gain. A delta
  // approximation of the options would breach both.
  std::mt19937_64 gen(11);
  std::normal_distribution<double> z(0, 1);
  const int rows = 500;
  Eigen::VectorXd market(rows), book(rows);
  Eigen::MatrixXd none(rows, 0);
  for (int t = 0; t < rows; ++t) {
    market(t) = 0.0002 + 0.012 * z(gen);
    book(t) = 1.1 * market(t);
  }
  const auto t = spx(0.0);
  const double floor = 0.06;
  const auto r = keel::compare_hedges(book, market, none, {}, t, 1e8,
                                      {.floor = floor,
                                       .confidence = {0.95, 0.99, 0.999},
                                       .horizon = 0.25 * 252,
                                       .paths = 20000,
                                       .seed = 3,
                                       .round_to_contracts = false});
  const auto& put = r.strategies[4];
  const auto& collar = r.strategies[5];
  REQUIRE(put.reason.empty());
  REQUIRE(collar.reason.empty());
  for (std::size_t j = 0; j < 3; ++j) {
    CHECK(put.vars[j] <= floor + 1e-9);
    CHECK(put.cvars[j] <= floor + 1e-9);
    CHECK(collar.cvars[j] <= floor + 1e-9);
  }
  // Unhedged, the 99.9% loss of 1.1 x the market over a quarter is far beyond the floor.
  CHECK(r.strategies[0].vars[2] > 2 * floor);
  // The linear strategies have no instruments: a reason each, and zero figures.
  for (std::size_t s = 1; s <= 3; ++s) {
    CHECK_THAT(r.strategies[s].reason, Contains("no linear instruments"));
    CHECK(r.strategies[s].vars == std::vector<double>(3, 0.0));
  }
  // The payoff chart: the put's curve is flat at -floor below the strike.
  const auto k = put.options[0].option.strike;
  for (std::size_t j = 0; j < r.payoff_moves.size(); ++j) {
    const double s_t = 5000 * (1 + r.payoff_moves[j]);
    if (s_t < k) CHECK(put.payoffs[j] == Approx(-floor).margin(1e-9));
    CHECK(r.strategies[0].payoffs[j] == Approx(r.beta * r.payoff_moves[j]).margin(1e-15));
  }
}

TEST_CASE("compare_hedges: the unhedged Monte Carlo VaR is the normal one; seeds repeat", "[options][hedges]") {
  const auto d = simulate(1000, 0.006, 21);
  const auto run = [&](std::uint64_t seed) {
    return keel::compare_hedges(d.book, d.market, d.instruments, futures_and_etf(), spx(), 1e8,
                                {.paths = 200000, .seed = seed});
  };
  const auto a = run(1);
  const double mu = d.book.mean(), sd = sample_sd(d.book);
  // Normal quantiles of 0.95 and 0.99.
  const double z95 = 1.6448536269514722, z99 = 2.3263478740408408;
  CHECK(a.strategies[0].vars[0] == Approx(z95 * sd - mu).epsilon(0.01));
  CHECK(a.strategies[0].vars[1] == Approx(z99 * sd - mu).epsilon(0.015));
  const auto b = run(1);
  CHECK(a.strategies[4].vars == b.strategies[4].vars);
  const auto c = run(2);
  CHECK(a.strategies[4].vars != c.strategies[4].vars);
}

TEST_CASE("compare_hedges: the pre-trade check and a strategy without an answer", "[options][hedges]") {
  const auto d = simulate(500, 0.006, 5);
  auto ins = futures_and_etf();
  ins[0].max_quantity = 0;    // the future may only be sold...
  ins[0].min_quantity = -10;  // ...and only 10 of them: the target beta is out of reach
  ins[1].max_quantity = 0;
  ins[1].min_quantity = -100;
  const std::vector<keel::risk_limit> limits{{keel::limit_metric::max_beta, 0.5},
                                             {keel::limit_metric::max_var_99_1d, 0.5, keel::limit_severity::warning}};
  const auto r =
      keel::compare_hedges(d.book, d.market, d.instruments, ins, spx(), 1e8, {.paths = 1000, .limits = limits});
  CHECK_THAT(r.strategies[1].reason, Contains("reachable range"));
  CHECK(r.strategies[1].orders.empty());
  // Unhedged: beta 1.1 breaches the hard beta limit.
  const auto& u = r.strategies[0];
  REQUIRE(u.limits.size() == 2);
  CHECK(u.limits[0].value == Approx(r.beta));
  CHECK(u.limits[0].breached);
  CHECK_FALSE(u.within_limits);
  CHECK(u.limits[1].value == u.vars[1]);  // the 99% Monte Carlo VaR
  // The collar brings beta down by its delta; the check follows the strategy's beta.
  const auto& c = r.strategies[5];
  CHECK(c.limits[0].value == Approx(std::abs(c.beta)));
  CHECK(c.within_limits == !(std::abs(c.beta) > 0.5));
}

TEST_CASE("compare_hedges: bad input is invalid_input naming it", "[options][hedges]") {
  const auto d = simulate(100, 0.006, 1);
  const auto ins = futures_and_etf();
  const Eigen::VectorXd short_market = d.market.head(50);
  CHECK_THROWS_AS(keel::compare_hedges(d.book, short_market, d.instruments, ins, spx(), 1e8), keel::invalid_input);
  CHECK_THROWS_AS(keel::compare_hedges(d.book, d.market, d.instruments, std::span(ins.data(), 1), spx(), 1e8),
                  keel::invalid_input);
  Eigen::VectorXd nan_book = d.book;
  nan_book(7) = std::nan("");
  CHECK_THROWS_WITH(keel::compare_hedges(nan_book, d.market, d.instruments, ins, spx(), 1e8),
                    Contains("book_returns[7]"));
  CHECK_THROWS_AS(keel::compare_hedges(d.book, d.market, d.instruments, ins, spx(), -1.0), keel::invalid_input);
  CHECK_THROWS_AS(keel::compare_hedges(d.book, d.market, d.instruments, ins, spx(), 1e8, {.paths = 10}),
                  keel::invalid_input);
  CHECK_THROWS_AS(keel::compare_hedges(d.book, d.market, d.instruments, ins, spx(), 1e8, {.confidence = {1.5}}),
                  keel::invalid_input);
  auto bad = spx();
  bad.multiplier = 0;
  CHECK_THROWS_WITH(keel::compare_hedges(d.book, d.market, d.instruments, ins, bad, 1e8), Contains("multiplier"));
  const Eigen::VectorXd flat = Eigen::VectorXd::Constant(100, 0.001);
  CHECK_THROWS_AS(keel::compare_hedges(d.book, flat, d.instruments, ins, spx(), 1e8), keel::singular_problem);
}
