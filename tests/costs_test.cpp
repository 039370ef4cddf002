// SPDX-License-Identifier: MIT
// Tests of keel/costs.hpp against references written here in long double: the cost formula
// (powl) and cvxportfolio's currency form; Almgren and Chriss's eqs. (3)-(5), a tridiagonal
// solve of E + lambda V's first-order conditions, their eq. (20) and TWAP forms, kappa by
// acoshl; Perold's shortfall from the fills' average price.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/costs.hpp>

using Catch::Matchers::Contains;

namespace {

using ld = long double;

// |a - b| <= tol max(|b|, floor): a relative check that does not demand digits of a zero.
bool close(ld a, ld b, ld tol, ld floor = 0) { return std::fabs(a - b) <= tol * std::max(std::fabs(b), floor); }

// ---------------------------------------------------------------------------------------------
// The cost model, written from the header's formula in long double with powl.

ld model_impact(double x, double price, const keel::cost_model& m) {
  const ld size = std::fabs(static_cast<ld>(x));
  if (!(m.impact > 0) || size == 0) return 0;
  return static_cast<ld>(m.impact) * m.volatility * price * size * std::pow(size / m.daily_volume, m.exponent - 1.0L);
}
ld model_cost(double x, double price, const keel::cost_model& m) {
  return (static_cast<ld>(m.half_spread) + m.commission) * price * std::fabs(static_cast<ld>(x)) +
         model_impact(x, price, m);
}

// ---------------------------------------------------------------------------------------------
// Almgren and Chriss.

struct ac_problem {
  double shares;
  std::size_t periods;
  keel::ac_parameters p;
};

// The paper's worked example: 10^6 shares at S0 = 50 over 5 days in 5 periods, sigma = 0.95
// $/share/day^(1/2) (30% a year), epsilon = 1/16, eta = 2.5e-6, gamma = 2.5e-7, lambda = 1e-6.
keel::ac_parameters paper_parameters() {
  keel::ac_parameters p;
  p.horizon = 5;
  p.volatility = 0.95;
  p.permanent_impact = 2.5e-7;
  p.temporary_impact = 2.5e-6;
  p.fixed_cost = 0.0625;
  p.risk_aversion = 1e-6;
  return p;
}

ld tau_of(const keel::ac_parameters& p, std::size_t n) { return static_cast<ld>(p.horizon) / static_cast<ld>(n); }
ld eta_tilde_of(const keel::ac_parameters& p, std::size_t n) {
  return p.temporary_impact - 0.5L * p.permanent_impact * tau_of(p, n);
}

// kappa from cosh(kappa tau) = 1 + z, z = tau^2 lambda sigma^2 / (2 eta~) (eq. (18)), as
// kappa tau = 2 asinh(sqrt(z / 2)) (cosh 2a = 1 + 2 sinh^2 a), which keeps a tiny z's digits
// that 1 + z would round away.
ld kappa_of(const keel::ac_parameters& p, std::size_t n) {
  const ld tau = tau_of(p, n);
  const ld z = tau * tau * p.risk_aversion * static_cast<ld>(p.volatility) * p.volatility / (2 * eta_tilde_of(p, n));
  return 2 * std::asinh(std::sqrt(z / 2)) / tau;
}

// Holdings from trades: x_0 = sum, x_k = x_{k-1} - n_k (forward, the other way from keel).
std::vector<ld> holdings_from(std::span<const double> trades) {
  std::vector<ld> x(trades.size() + 1);
  x[0] = 0;
  for (double t : trades) x[0] += t;
  for (std::size_t k = 1; k <= trades.size(); ++k) x[k] = x[k - 1] - trades[k - 1];
  x.back() = 0;
  return x;
}

// E from eq. (3) with linear impact, not the simplified eq. (4): the permanent impact's cost
// is gamma sum_k x_k n_k (x_k held after trade k), the temporary eps |n_k| + (eta / tau) n_k^2.
ld paper_e(std::span<const ld> x, const keel::ac_parameters& p) {
  const std::size_t n = x.size() - 1;
  const ld tau = tau_of(p, n);
  ld permanent = 0, temporary = 0;
  for (std::size_t k = 1; k <= n; ++k) {
    const ld trade = x[k - 1] - x[k];
    permanent += x[k] * trade;
    temporary += p.fixed_cost * std::fabs(trade) + p.temporary_impact / tau * trade * trade;
  }
  return p.permanent_impact * permanent + temporary;
}

// V from eq. (5): sigma^2 sum_k tau x_k^2.
ld paper_v(std::span<const ld> x, const keel::ac_parameters& p) {
  const std::size_t n = x.size() - 1;
  ld sum = 0;
  for (std::size_t k = 1; k <= n; ++k) sum += tau_of(p, n) * x[k] * x[k];
  return static_cast<ld>(p.volatility) * p.volatility * sum;
}

std::vector<ld> widen(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// The minimiser of E + lambda V over x_1..x_{N-1} with x_0 = X, x_N = 0 and trades of one
// sign, where E + lambda V is the quadratic const + (eta~ / tau) sum (x_{k-1} - x_k)^2 +
// lambda sigma^2 tau sum x_k^2: its gradient is the tridiagonal system
//   -(eta~ / tau) x_{j-1} + (2 eta~ / tau + lambda sigma^2 tau) x_j - (eta~ / tau) x_{j+1} = 0,
// solved by Thomas's algorithm (the system is diagonally dominant).
std::vector<ld> direct_minimum(double shares, std::size_t n, const keel::ac_parameters& p) {
  const ld tau = tau_of(p, n), et = eta_tilde_of(p, n);
  const ld off = -et / tau;
  const ld diag = 2 * et / tau + static_cast<ld>(p.risk_aversion) * p.volatility * p.volatility * tau;
  std::vector<ld> x(n + 1, 0);
  x[0] = shares;
  if (n == 1) return x;
  const std::size_t m = n - 1;  // unknowns x_1..x_{N-1}
  std::vector<ld> c(m), d(m);
  std::vector<ld> rhs(m, 0);
  rhs[0] = -off * x[0];
  c[0] = off / diag;
  d[0] = rhs[0] / diag;
  for (std::size_t i = 1; i < m; ++i) {
    const ld denom = diag - off * c[i - 1];
    c[i] = off / denom;
    d[i] = (rhs[i] - off * d[i - 1]) / denom;
  }
  x[m] = d[m - 1];
  for (std::size_t i = m - 1; i-- > 0;) x[i + 1] = d[i] - c[i] * x[i + 2];
  return x;
}

// The paper's eq. (20): E and V of the optimal trajectory in closed form (checked here against
// the sums as well, before it is used on keel's numbers).
ld closed_form_e(double shares, std::size_t n, const keel::ac_parameters& p) {
  const ld x = std::fabs(static_cast<ld>(shares)), tau = tau_of(p, n), t = p.horizon, k = kappa_of(p, n);
  const ld s = std::sinh(k * t);
  return 0.5L * p.permanent_impact * x * x + p.fixed_cost * x +
         eta_tilde_of(p, n) * x * x * std::tanh(0.5L * k * tau) *
             (tau * std::sinh(2 * k * t) + 2 * t * std::sinh(k * tau)) / (2 * tau * tau * s * s);
}
ld closed_form_v(double shares, std::size_t n, const keel::ac_parameters& p) {
  const ld x = shares, tau = tau_of(p, n), t = p.horizon, k = kappa_of(p, n);
  const ld s = std::sinh(k * t);
  return 0.5L * p.volatility * p.volatility * x * x * (tau * s * std::cosh(k * (t - tau)) - t * std::sinh(k * tau)) /
         (s * s * std::sinh(k * tau));
}

// A few random problems around the paper's scales (buys and sells, long and short periods).
std::vector<ac_problem> random_problems() {
  std::mt19937_64 gen(2001);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<ac_problem> out;
  const std::size_t periods[] = {2, 3, 5, 8, 13, 40, 100};
  for (std::size_t i = 0; i < 14; ++i) {
    keel::ac_parameters p;
    p.horizon = 0.5 + 9.5 * u(gen);
    p.volatility = 0.1 + 2 * u(gen);
    p.permanent_impact = 1e-7 * u(gen);
    p.temporary_impact = 1e-6 + 5e-6 * u(gen);
    p.fixed_cost = 0.1 * u(gen);
    p.risk_aversion = std::pow(10.0, -8 + 4 * u(gen));
    const double shares = (u(gen) < 0.5 ? -1 : 1) * (1e4 + 2e6 * u(gen));
    out.push_back({shares, periods[i % 7], p});
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Perold's shortfall, from the fills' average price and the paper portfolio's gain.

struct perold {
  ld filled = 0, average = 0, execution = 0, opportunity = 0, fees = 0, total = 0, bps = 0, execution_bps = 0;
};

perold perold_of(std::span<const keel::execution_fill> fills, double q, double pd, double final_price) {
  perold r;
  ld value = 0;
  for (const auto& f : fills) {
    r.filled += f.quantity;
    value += static_cast<ld>(f.quantity) * f.price;
    r.fees += f.fees;
  }
  r.average = r.filled != 0 ? value / r.filled : pd;
  // What was done cost the average's distance from the decision price on the filled shares.
  r.execution = r.filled * (r.average - pd);
  r.opportunity = (q - r.filled) * (final_price - pd);
  r.total = r.execution + r.opportunity + r.fees;
  r.bps = 1e4L * r.total / (std::fabs(static_cast<ld>(q)) * pd);
  r.execution_bps = r.filled != 0 ? 1e4L * (r.execution + r.fees) / (std::fabs(r.filled) * pd) : 0;
  return r;
}

}  // namespace

// =============================================================================================
// Cost model

TEST_CASE("order_cost: the cost formula for every exponent, buys and sells alike", "[costs]") {
  const double exponents[] = {1, 1.25, 1.5, 1.6, 2};
  const double quantities[] = {1, 250, 12345.5, 1e5, 4.9e5};
  const double prices[] = {0.37, 50, 1234.5};
  for (double e : exponents)
    for (double x : quantities)
      for (double price : prices) {
        keel::cost_model m;
        m.half_spread = 0.0004;
        m.commission = 0.0001;
        m.impact = 0.7;
        m.volatility = 0.021;
        m.daily_volume = 5e5;
        m.exponent = e;
        CAPTURE(e, x, price);
        const keel::trade_cost buy = keel::order_cost(x, price, m);
        const keel::trade_cost sell = keel::order_cost(-x, price, m);
        const ld notional = static_cast<ld>(x) * price;
        CHECK(close(buy.notional, notional, 1e-15L));
        CHECK(close(buy.spread, 0.0004L * notional, 1e-15L));
        CHECK(close(buy.commission, 0.0001L * notional, 1e-15L));
        CHECK(close(buy.impact, model_impact(x, price, m), 1e-14L));
        CHECK(close(buy.total, model_cost(x, price, m), 1e-14L));
        CHECK(buy.total == buy.spread + buy.commission + buy.impact);
        CHECK(close(buy.bps, 1e4L * buy.total / buy.notional, 1e-15L));
        // A sale costs what a purchase does.
        CHECK(sell.notional == buy.notional);
        CHECK(sell.impact == buy.impact);
        CHECK(sell.total == buy.total);
        CHECK(sell.bps == buy.bps);
      }
}

TEST_CASE("order_cost: exponent 1 is linear, 2 quadratic, and the law's scaling holds", "[costs]") {
  keel::cost_model m;
  m.impact = 0.5;
  m.volatility = 0.02;
  m.daily_volume = 1e6;
  // Doubling the order multiplies the impact by 2^exponent.
  for (double e : {1.0, 1.5, 1.6, 2.0}) {
    m.exponent = e;
    const double a = keel::order_cost(1e4, 30, m).impact, b = keel::order_cost(2e4, 30, m).impact;
    CHECK(close(b / a, std::pow(2.0L, e), 1e-14L));
  }
  m.exponent = 1;  // impact sigma P |x|: a proportional cost of c sigma
  CHECK(close(keel::order_cost(1e4, 30, m).impact, 0.5L * 0.02L * 30 * 1e4L, 1e-15L));
  m.exponent = 2;  // c sigma P x^2 / ADV
  CHECK(close(keel::order_cost(1e4, 30, m).impact, 0.5L * 0.02L * 30 * 1e8L / 1e6L, 1e-15L));
}

TEST_CASE("order_cost: zero quantity costs nothing; impact 0 is the proportional model", "[costs]") {
  keel::cost_model m;
  m.half_spread = 0.0005;
  m.commission = 0.0002;
  m.impact = 0.9;
  m.volatility = 0.03;
  m.daily_volume = 1e6;
  const keel::trade_cost zero = keel::order_cost(0, 42, m);
  CHECK(zero.notional == 0);
  CHECK(zero.spread == 0);
  CHECK(zero.commission == 0);
  CHECK(zero.impact == 0);
  CHECK(zero.total == 0);
  CHECK(zero.bps == 0);

  keel::cost_model prop;
  prop.half_spread = 0.0005;
  prop.commission = 0.0002;
  for (double x : {-3e7, -1.0, 17.0, 8e9}) {
    const keel::trade_cost c = keel::order_cost(x, 42, prop);
    CHECK(c.impact == 0);
    CHECK(close(c.total, 0.0007L * 42 * std::fabs(static_cast<ld>(x)), 1e-15L));
    CHECK(close(c.bps, 7, 1e-12L));  // half spread 5 bps + commission 2 bps
  }
  // A daily volume without impact still applies the volume rule, and adds no cost.
  prop.daily_volume = 1e6;
  CHECK(keel::order_cost(5e5, 42, prop).total == keel::order_cost(5e5, 42, keel::cost_model{0.0005, 0.0002}).total);
  CHECK_THROWS_AS(keel::order_cost(2e6, 42, prop), keel::invalid_input);
}

TEST_CASE("order_cost: the square-root law is cvxportfolio's a|z| + b sigma |z|^(3/2) / V^(1/2)", "[costs]") {
  // Boyd et al. (2017), 2.3: z = P x and V = P ADV in currency; a = half_spread + commission,
  // b = impact. The same number as order_cost with exponent 1.5.
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 200; ++i) {
    keel::cost_model m;
    m.half_spread = 1e-3 * u(gen);
    m.commission = 5e-4 * u(gen);
    m.impact = 2 * u(gen);
    m.volatility = 0.05 * u(gen);
    m.daily_volume = 1e4 + 1e7 * u(gen);
    const double price = 1 + 500 * u(gen);
    const double x = (u(gen) < 0.5 ? -1 : 1) * m.daily_volume * u(gen);
    const ld z = static_cast<ld>(price) * x, v = static_cast<ld>(price) * m.daily_volume;
    const ld a = static_cast<ld>(m.half_spread) + m.commission;
    const ld cvx =
        a * std::fabs(z) + m.impact * static_cast<ld>(m.volatility) * std::pow(std::fabs(z), 1.5L) / std::sqrt(v);
    CAPTURE(i);
    CHECK(close(keel::order_cost(x, price, m).total, cvx, 1e-14L));
  }
}

TEST_CASE("square_root_impact: c sigma P |x| sqrt(|x| / ADV), order_cost's impact with exponent 1.5", "[costs]") {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 200; ++i) {
    const double c = 3 * u(gen), sigma = 0.06 * u(gen), adv = 1e3 + 1e8 * u(gen), price = 0.5 + 900 * u(gen);
    const double x = (u(gen) < 0.5 ? -1 : 1) * adv * u(gen);
    const double keel_impact = keel::square_root_impact(x, price, sigma, adv, c);
    CAPTURE(i);
    // |x|^(3/2) P / sqrt(ADV), arranged differently from keel.
    CHECK(close(keel_impact,
                static_cast<ld>(c) * sigma * price * std::pow(std::fabs(static_cast<ld>(x)), 1.5L) /
                    std::sqrt(static_cast<ld>(adv)),
                1e-14L));
    keel::cost_model m;
    m.impact = c;
    m.volatility = sigma;
    m.daily_volume = adv;
    CHECK(close(keel_impact, keel::order_cost(x, price, m).impact, 1e-15L));
  }
  CHECK(keel::square_root_impact(0, 10, 0.02, 1e6) == 0);
  // The default coefficient is 1: 1e4 shares of 1e6 ADV at 2% vol and $10 is 0.02 x 1e5 x 0.1.
  CHECK(close(keel::square_root_impact(-1e4, 10, 0.02, 1e6), 0.02L * 1e5L * 0.1L, 1e-15L));
}

TEST_CASE("order_cost: the volume rule refuses orders above max_participation x ADV", "[costs]") {
  keel::cost_model m;
  m.impact = 1;
  m.volatility = 0.02;
  m.daily_volume = 1e6;
  CHECK_NOTHROW(keel::order_cost(1e6, 10, m));  // exactly one day's volume: allowed
  CHECK_THROWS_AS(keel::order_cost(1.5e6, 10, m), keel::invalid_input);
  CHECK_THROWS_WITH(keel::order_cost(-1.5e6, 10, m),
                    Contains("1.5 x the daily volume") && Contains("max_participation = 1"));
  m.max_participation = 0.1;
  CHECK_NOTHROW(keel::order_cost(1e5, 10, m));
  CHECK_THROWS_WITH(keel::order_cost(1.2e5, 10, m), Contains("0.12 x the daily volume") && Contains("0.1"));
}

TEST_CASE("estimate_costs: the sum of independent orders, errors naming the order", "[costs]") {
  keel::cost_model spy{0.00005, 0.0001, 0.3, 0.012, 8e7};
  keel::cost_model small{0.001, 0.0003, 0.9, 0.035, 2e5, 1.6};
  keel::cost_model flat{0.0002};
  const std::vector<keel::cost_order> orders{
      {"SPY", 25000, 512.4, spy}, {"XYZ", -15000, 18.3, small}, {"CASHLIKE", 1e6, 1.0, flat}, {"NONE", 0, 20, small}};
  const keel::cost_estimate e = keel::estimate_costs(orders);
  REQUIRE(e.orders.size() == orders.size());
  ld notional = 0, spread = 0, commission = 0, impact = 0;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const keel::trade_cost one = keel::order_cost(orders[i].quantity, orders[i].price, orders[i].model);
    CHECK(e.orders[i].total == one.total);
    CHECK(e.orders[i].impact == one.impact);
    CHECK(e.orders[i].bps == one.bps);
    CHECK(close(one.total, model_cost(orders[i].quantity, orders[i].price, orders[i].model), 1e-14L));
    notional += one.notional;
    spread += one.spread;
    commission += one.commission;
    impact += one.impact;
  }
  CHECK(close(e.notional, notional, 1e-15L));
  CHECK(close(e.spread, spread, 1e-15L));
  CHECK(close(e.commission, commission, 1e-15L));
  CHECK(close(e.impact, impact, 1e-15L));
  CHECK(close(e.total, spread + commission + impact, 1e-15L));
  CHECK(close(e.bps, 1e4L * (spread + commission + impact) / notional, 1e-14L));

  const keel::cost_estimate none = keel::estimate_costs({});
  CHECK(none.orders.empty());
  CHECK(none.total == 0);
  CHECK(none.bps == 0);

  std::vector<keel::cost_order> bad = orders;
  bad[1].price = 0;
  CHECK_THROWS_AS(keel::estimate_costs(bad), keel::invalid_input);
  CHECK_THROWS_WITH(keel::estimate_costs(bad), Contains("orders[1] 'XYZ'") && Contains("price"));
  bad = orders;
  bad[1].quantity = -3e5;  // 1.5 x its ADV of 2e5
  CHECK_THROWS_WITH(keel::estimate_costs(bad), Contains("orders[1] 'XYZ'") && Contains("1.5 x the daily volume"));
  bad = orders;
  bad[2].model.exponent = 3;
  CHECK_THROWS_WITH(keel::estimate_costs(bad), Contains("orders[2] 'CASHLIKE'") && Contains("model.exponent"));
}

// =============================================================================================
// Almgren and Chriss

TEST_CASE("almgren_chriss: the closed form is the direct minimiser of E + lambda V", "[costs][almgren_chriss]") {
  std::vector<ac_problem> problems = random_problems();
  problems.push_back({1e6, 5, paper_parameters()});
  problems.push_back({-1e6, 5, paper_parameters()});
  auto p50 = paper_parameters();
  p50.risk_aversion = 2e-6;
  problems.push_back({1e6, 50, p50});
  for (const auto& [shares, n, p] : problems) {
    CAPTURE(shares, n, p.risk_aversion);
    const keel::execution_schedule s = keel::almgren_chriss(shares, n, p);
    const std::vector<ld> direct = direct_minimum(shares, n, p);
    REQUIRE(s.holdings.size() == n + 1);
    for (std::size_t k = 0; k <= n; ++k) CHECK(close(s.holdings[k], direct[k], 1e-10L, std::fabs(shares)));
  }
}

TEST_CASE("almgren_chriss: any perturbed holding raises E + lambda V (the test's own E and V)",
          "[costs][almgren_chriss]") {
  std::vector<ac_problem> problems = random_problems();
  problems.push_back({1e6, 5, paper_parameters()});
  for (const auto& [shares, n, p] : problems) {
    CAPTURE(shares, n, p.risk_aversion);
    const keel::execution_schedule s = keel::almgren_chriss(shares, n, p);
    const std::vector<ld> x = widen(s.holdings);
    const ld best = paper_e(x, p) + p.risk_aversion * paper_v(x, p);
    for (std::size_t k = 1; k < n; ++k)
      for (const ld delta : {1e-3L, -1e-3L, 1e-6L, -1e-6L}) {
        std::vector<ld> y = x;
        y[k] += delta * shares;
        CHECK(paper_e(y, p) + p.risk_aversion * paper_v(y, p) > best);
      }
  }
}

TEST_CASE("almgren_chriss: E and V are the paper's eqs. (3)-(5) on the trades and its closed forms eq. (20)",
          "[costs][almgren_chriss]") {
  std::vector<ac_problem> problems = random_problems();
  problems.push_back({1e6, 5, paper_parameters()});
  for (const auto& [shares, n, p] : problems) {
    CAPTURE(shares, n, p.risk_aversion);
    const keel::execution_schedule s = keel::almgren_chriss(shares, n, p);
    const std::vector<ld> x = holdings_from(s.trades);
    const ld e = paper_e(x, p), v = paper_v(x, p);
    CHECK(close(s.expected_cost, e, 1e-12L));
    CHECK(close(s.cost_variance, v, 1e-12L));
    CHECK(close(s.utility, e + p.risk_aversion * v, 1e-12L));
    // eq. (20), first against the sums on the exact trajectory (long double), then keel.
    std::vector<ld> exact(n + 1);
    const ld k = kappa_of(p, n);
    for (std::size_t j = 0; j <= n; ++j)
      exact[j] = shares * std::sinh(k * (p.horizon - static_cast<ld>(j) * tau_of(p, n))) / std::sinh(k * p.horizon);
    REQUIRE(close(closed_form_e(shares, n, p), paper_e(exact, p), 1e-14L));
    REQUIRE(close(closed_form_v(shares, n, p), paper_v(exact, p), 1e-14L));
    CHECK(close(s.expected_cost, closed_form_e(shares, n, p), 1e-12L));
    CHECK(close(s.cost_variance, closed_form_v(shares, n, p), 1e-11L));
    CHECK(close(s.kappa, k, 1e-13L));
  }
}

TEST_CASE("almgren_chriss: the paper's example", "[costs][almgren_chriss]") {
  // X = 10^6 shares, T = 5 days, N = 5, sigma = 0.95, eps = 0.0625, eta = 2.5e-6,
  // gamma = 2.5e-7, lambda = 1e-6 (Almgren and Chriss 2001, their worked example).
  const keel::ac_parameters p = paper_parameters();
  const keel::execution_schedule s = keel::almgren_chriss(1e6, 5, p);
  // tau = 1 day, eta~ = 2.5e-6 - 2.5e-7 / 2 = 2.375e-6; cosh(kappa) = 1 + 0.95^2 1e-6 / (2 eta~).
  const ld kappa = std::acosh(1 + 0.95L * 0.95L * 1e-6L / (2 * 2.375e-6L));
  CHECK(close(s.kappa, kappa, 1e-14L));
  for (std::size_t j = 0; j <= 5; ++j) {
    const ld t = static_cast<ld>(j);
    CHECK(close(s.holdings[j], 1e6L * std::sinh(kappa * (5 - t)) / std::sinh(kappa * 5), 1e-14L, 1e6L));
    CHECK(close(s.times[j], t, 1e-15L, 1));
  }
  CHECK(close(s.expected_cost, closed_form_e(1e6, 5, p), 1e-13L));
  CHECK(close(s.cost_variance, closed_form_v(1e6, 5, p), 1e-13L));
  // The urgent schedule costs more and risks less than the naive TWAP.
  const keel::execution_schedule twap = keel::twap_schedule(1e6, 5, p);
  CHECK(s.expected_cost > twap.expected_cost);
  CHECK(s.cost_variance < twap.cost_variance);
  CHECK(s.utility < twap.utility);
}

TEST_CASE("almgren_chriss: lambda = 0 is TWAP", "[costs][almgren_chriss]") {
  for (const auto& [shares, n, base] : random_problems()) {
    auto p = base;
    p.risk_aversion = 0;
    const keel::execution_schedule a = keel::almgren_chriss(shares, n, p);
    const keel::execution_schedule t = keel::twap_schedule(shares, n, p);
    CAPTURE(shares, n);
    CHECK(a.kappa == 0);
    // twap_schedule sums its trades back from the end: up to N roundings of X / N.
    for (std::size_t k = 0; k <= n; ++k)
      CHECK(close(a.holdings[k], t.holdings[k], 2.3e-16L * static_cast<ld>(n), std::fabs(shares)));
    for (std::size_t k = 0; k < n; ++k) CHECK(close(a.trades[k], t.trades[k], 1e-15L, std::fabs(shares)));
    CHECK(close(a.expected_cost, t.expected_cost, 1e-14L));
    CHECK(close(a.cost_variance, t.cost_variance, 1e-14L));
  }
  // A horizon so long that tau^2 overflows double: still TWAP, not 0 x inf.
  keel::ac_parameters longest{1e200, 0, 0, 1, 0, 0};
  const keel::execution_schedule a = keel::almgren_chriss(1e6, 2, longest);
  CHECK(a.kappa == 0);
  CHECK(a.holdings[1] == 5e5);
  CHECK(a.expected_cost == keel::twap_schedule(1e6, 2, longest).expected_cost);
}

TEST_CASE("almgren_chriss: a tiny lambda agrees with TWAP (the expm1 path)", "[costs][almgren_chriss]") {
  for (const auto& [shares, n, base] : random_problems()) {
    auto p = base;
    p.risk_aversion = 1e-20;
    const keel::execution_schedule a = keel::almgren_chriss(shares, n, p);
    const keel::execution_schedule t = keel::twap_schedule(shares, n, p);
    CAPTURE(shares, n);
    CHECK(a.kappa > 0);
    CHECK(close(a.kappa, kappa_of(p, n), 1e-9L));
    for (std::size_t k = 0; k <= n; ++k) CHECK(close(a.holdings[k], t.holdings[k], 1e-12L, std::fabs(shares)));
    CHECK(close(a.expected_cost, t.expected_cost, 1e-12L));
  }
}

TEST_CASE("almgren_chriss: a huge lambda trades almost everything at once, finite", "[costs][almgren_chriss]") {
  for (const std::size_t n : {std::size_t{3}, std::size_t{5}, std::size_t{8}})  // tau = 5/3, 1, 5/8 days
    for (const double lambda : {1e3, 1e8, 1e100, 1e200, 1e300}) {
      auto p = paper_parameters();
      p.risk_aversion = lambda;
      CAPTURE(n, lambda);
      const keel::execution_schedule s = keel::almgren_chriss(1e6, n, p);
      // kappa from acoshl: long double holds z up to 1e4932.
      const ld tau = tau_of(p, n), et = eta_tilde_of(p, n);
      const ld kappa_tau = std::acosh(1 + tau * tau * 0.95L * 0.95L * lambda / (2 * et));
      CHECK(std::isfinite(s.kappa));
      CHECK(close(s.kappa, kappa_tau / tau, 1e-14L));
      CHECK(s.trades[0] > 1e6 * (1 - 1e-2));
      // x_1 / X = sinh(kappa (T - tau)) / sinh(kappa T) -> e^{-kappa tau}.
      CHECK(close(s.holdings[1], 1e6L * std::exp(-kappa_tau), 1e-12L));
      for (double h : s.holdings) CHECK(std::isfinite(h));
      CHECK(std::isfinite(s.expected_cost));
      CHECK(std::isfinite(s.cost_variance));
      // The expected cost tends to the immediate sale's: 1/2 gamma X^2 + eps X + eta~ X^2 / tau.
      CHECK(close(s.expected_cost, 0.5L * 2.5e-7L * 1e12L + 0.0625L * 1e6L + et * 1e12L / tau, 1e-2L));
    }
}

TEST_CASE("almgren_chriss: kappa where tau^2 or lambda sigma^2 alone leaves double's range",
          "[costs][almgren_chriss]") {
  // Each z = tau^2 lambda sigma^2 / (2 eta~) is moderate, but a partial product overflows or
  // underflows in double (found by costs_fuzz); long double holds them all.
  struct units {
    double horizon, volatility, risk_aversion, temporary_impact;
  };
  for (const units& u :
       {units{2e200, 1e-200, 1, 1}, units{2e200, 1e-200, 3e-3, 1e-5}, units{2e-150, 1e150, 1e-200, 1e-201},
        units{2e-150, 1e100, 1e-50, 1e-151}, units{2e154, 1e-158, 1e5, 1e-2}}) {
    keel::ac_parameters p;
    p.horizon = u.horizon;
    p.volatility = u.volatility;
    p.risk_aversion = u.risk_aversion;
    p.temporary_impact = u.temporary_impact;
    CAPTURE(u.horizon, u.volatility, u.risk_aversion, u.temporary_impact);
    const keel::execution_schedule s = keel::almgren_chriss(1e6, 4, p);
    const ld tau = static_cast<ld>(u.horizon) / 4;
    const ld z = tau * tau * u.risk_aversion * static_cast<ld>(u.volatility) * u.volatility / (2 * u.temporary_impact);
    REQUIRE(z > 1e-3L);
    REQUIRE(z < 1e3L);
    CHECK(close(s.kappa * tau, std::acosh(1 + z), 1e-14L));
    const ld k = std::acosh(1 + z);  // kappa tau; t_j = j tau
    for (std::size_t j = 0; j <= 4; ++j)
      CHECK(close(s.holdings[j], 1e6L * std::sinh(k * (4 - static_cast<ld>(j))) / std::sinh(4 * k), 1e-14L, 1e6L));
  }
}

TEST_CASE("almgren_chriss: sells and buys are symmetric; one period; endpoints exact", "[costs][almgren_chriss]") {
  for (const auto& [shares, n, p] : random_problems()) {
    const keel::execution_schedule sell = keel::almgren_chriss(std::fabs(shares), n, p);
    const keel::execution_schedule buy = keel::almgren_chriss(-std::fabs(shares), n, p);
    CAPTURE(shares, n);
    for (std::size_t k = 0; k <= n; ++k) CHECK(buy.holdings[k] == -sell.holdings[k]);
    for (std::size_t k = 0; k < n; ++k) {
      CHECK(buy.trades[k] == -sell.trades[k]);
      CHECK(sell.trades[k] >= 0);
    }
    CHECK(buy.expected_cost == sell.expected_cost);
    CHECK(buy.cost_variance == sell.cost_variance);
    // x_0 = X and x_N = 0 exactly; times 0..T.
    for (const auto* s : {&sell, &buy}) {
      REQUIRE(s->times.size() == n + 1);
      REQUIRE(s->trades.size() == n);
      CHECK(s->holdings.front() == (s == &sell ? std::fabs(shares) : -std::fabs(shares)));
      CHECK(s->holdings.back() == 0);
      CHECK(s->times.front() == 0);
      CHECK(s->times.back() == p.horizon);
      for (std::size_t k = 1; k <= n; ++k) CHECK(s->times[k] > s->times[k - 1]);
      for (std::size_t k = 0; k <= n; ++k)
        CHECK(close(s->times[k], static_cast<ld>(k) * p.horizon / static_cast<ld>(n), 1e-15L, p.horizon));
    }
  }
  // One period: everything at once, no variance; E = 1/2 gamma X^2 + eps |X| + eta~ X^2 / T.
  const keel::ac_parameters p = paper_parameters();
  for (double x : {1e6, -3e5}) {
    const keel::execution_schedule one = keel::almgren_chriss(x, 1, p);
    REQUIRE(one.holdings.size() == 2);
    CHECK(one.holdings[0] == x);
    CHECK(one.holdings[1] == 0);
    CHECK(one.trades[0] == x);
    CHECK(one.cost_variance == 0);
    const ld eta_tilde = 2.5e-6L - 0.5L * 2.5e-7L * 5;
    CHECK(close(one.expected_cost, 0.5L * 2.5e-7L * x * x + 0.0625L * std::fabs(x) + eta_tilde * x * x / 5, 1e-14L));
  }
}

TEST_CASE("almgren_chriss_frontier: E rises and V falls with lambda, each point optimal, convex",
          "[costs][almgren_chriss]") {
  const keel::ac_parameters p = paper_parameters();
  const std::vector<double> lambdas{0, 1e-8, 3e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5, 1e-4, 1e-3};
  for (const std::size_t n : {std::size_t{5}, std::size_t{20}}) {
    const std::vector<keel::execution_schedule> f = keel::almgren_chriss_frontier(1e6, n, lambdas, p);
    REQUIRE(f.size() == lambdas.size());
    CAPTURE(n);
    for (std::size_t i = 0; i < f.size(); ++i) {
      auto q = p;
      q.risk_aversion = lambdas[i];
      const keel::execution_schedule one = keel::almgren_chriss(1e6, n, q);
      CHECK(f[i].holdings == one.holdings);
      CHECK(f[i].expected_cost == one.expected_cost);
      if (i > 0) {
        CHECK(f[i].expected_cost > f[i - 1].expected_cost);
        CHECK(f[i].cost_variance < f[i - 1].cost_variance);
      }
      // No other point of the frontier has a lower E + lambda_i V.
      const ld own = f[i].expected_cost + static_cast<ld>(lambdas[i]) * f[i].cost_variance;
      CHECK(close(f[i].utility, own, 1e-14L));
      for (const auto& other : f)
        CHECK(other.expected_cost + static_cast<ld>(lambdas[i]) * other.cost_variance >= own * (1 - 1e-14L));
    }
    // Convex in (V, E): each point lies on or below the chord of its neighbours.
    for (std::size_t i = 1; i + 1 < f.size(); ++i) {
      const ld v0 = f[i - 1].cost_variance, v1 = f[i].cost_variance, v2 = f[i + 1].cost_variance;
      const ld e0 = f[i - 1].expected_cost, e1 = f[i].expected_cost, e2 = f[i + 1].expected_cost;
      const ld chord = e0 + (e2 - e0) * (v1 - v0) / (v2 - v0);
      CHECK(e1 <= chord * (1 + 1e-14L));
    }
  }
  CHECK(keel::almgren_chriss_frontier(1e6, 5, {}, p).empty());
}

TEST_CASE("schedule_cost, twap_schedule, vwap_schedule: E and V of any schedule", "[costs][almgren_chriss]") {
  for (const auto& [shares, n, p] : random_problems()) {
    CAPTURE(shares, n);
    // schedule_cost of the optimal trades reproduces the optimum's E and V.
    const keel::execution_schedule s = keel::almgren_chriss(shares, n, p);
    const keel::execution_schedule c = keel::schedule_cost(s.trades, p);
    CHECK(c.kappa == 0);
    CHECK(close(c.expected_cost, s.expected_cost, 1e-13L));
    CHECK(close(c.cost_variance, s.cost_variance, 1e-12L));
    CHECK(close(c.utility, s.utility, 1e-13L));
    CHECK(c.holdings.back() == 0);
    CHECK(close(c.holdings.front(), shares, 1e-14L));

    // TWAP by hand (the paper's minimum-impact strategy): E = 1/2 gamma X^2 + eps |X| + eta~ X^2 / T,
    // V = 1/3 sigma^2 X^2 T (1 - 1/N)(1 - 1/(2N)).
    const keel::execution_schedule t = keel::twap_schedule(shares, n, p);
    const ld x = shares, big_n = static_cast<ld>(n);
    CHECK(t.holdings.front() == shares);
    CHECK(t.holdings.back() == 0);
    CHECK(t.times.back() == p.horizon);
    CHECK(
        close(t.expected_cost,
              0.5L * p.permanent_impact * x * x + p.fixed_cost * std::fabs(x) + eta_tilde_of(p, n) * x * x / p.horizon,
              1e-14L));
    CHECK(close(
        t.cost_variance,
        static_cast<ld>(p.volatility) * p.volatility * x * x * p.horizon * (1 - 1 / big_n) * (1 - 1 / (2 * big_n)) / 3,
        1e-13L));
    const std::vector<ld> tx = holdings_from(t.trades);
    CHECK(close(t.expected_cost, paper_e(tx, p), 1e-13L));
    CHECK(close(t.cost_variance, paper_v(tx, p), 1e-13L));

    // VWAP on a flat profile is TWAP.
    const std::vector<double> flat(n, 3.5);
    const keel::execution_schedule w = keel::vwap_schedule(shares, flat, p);
    for (std::size_t k = 0; k < n; ++k) CHECK(close(w.trades[k], t.trades[k], 1e-15L));
    for (std::size_t k = 0; k <= n; ++k) CHECK(close(w.holdings[k], t.holdings[k], 1e-14L, std::fabs(shares)));
    CHECK(close(w.expected_cost, t.expected_cost, 1e-14L));
    CHECK(close(w.cost_variance, t.cost_variance, 1e-13L));

    // A U-shaped intraday profile: trades proportional to it, costed by the paper's sums.
    std::vector<double> u(n);
    for (std::size_t k = 0; k < n; ++k) {
      const double mid = (static_cast<double>(k) + 0.5) / static_cast<double>(n) - 0.5;
      u[k] = 1 + 8 * mid * mid;
    }
    const keel::execution_schedule uw = keel::vwap_schedule(shares, u, p);
    const ld total = std::accumulate(u.begin(), u.end(), 0.0L);
    for (std::size_t k = 0; k < n; ++k) CHECK(close(uw.trades[k], x * u[k] / total, 2e-15L));
    CHECK(uw.holdings.front() == shares);
    CHECK(uw.holdings.back() == 0);
    const std::vector<ld> ux = holdings_from(uw.trades);
    CHECK(close(uw.expected_cost, paper_e(ux, p), 1e-13L));
    CHECK(close(uw.cost_variance, paper_v(ux, p), 1e-13L));
    // Not optimal: above the optimum's utility at the same lambda.
    CHECK(uw.utility >= s.utility);
  }
  // x_0 = X exactly even where X / N x N rounds away from X.
  const keel::ac_parameters p = paper_parameters();
  CHECK(keel::twap_schedule(1e6, 3, p).holdings[0] == 1e6);
  CHECK(keel::vwap_schedule(999.9, std::vector<double>{3, 1, 0.7, 1, 2.9}, p).holdings[0] == 999.9);
  // Zero trades within a schedule are allowed: sells with a pause.
  const std::vector<double> paused{4e5, 0, 6e5};
  const keel::execution_schedule ps = keel::schedule_cost(paused, p);
  CHECK(ps.holdings == std::vector<double>{1e6, 6e5, 6e5, 0});
  CHECK(close(ps.expected_cost, paper_e(holdings_from(paused), p), 1e-14L));
}

// =============================================================================================
// Implementation shortfall

TEST_CASE("implementation_shortfall: a partly filled buy", "[costs][shortfall]") {
  // 10,000 shares decided at $50.00; three fills, the rest valued at the close of $50.80.
  const std::vector<keel::execution_fill> fills{{4000, 50.10, 20}, {3000, 50.25, 15}, {1000, 50.40, 5}};
  const keel::shortfall s = keel::implementation_shortfall(fills, 10000, 50, {.final_price = 50.80});
  const perold r = perold_of(fills, 10000, 50, 50.80);
  CHECK(s.filled == 8000);
  CHECK(s.unfilled == 2000);
  CHECK(close(s.average_price, r.average, 1e-15L));
  CHECK(close(s.execution_cost, r.execution, 1e-12L));
  CHECK(close(s.opportunity_cost, r.opportunity, 1e-14L));
  CHECK(close(s.fees, r.fees, 1e-15L));
  CHECK(close(s.total, r.total, 1e-13L));
  CHECK(close(s.paper_notional, 500000, 1e-15L));
  CHECK(close(s.bps, r.bps, 1e-13L));
  CHECK(close(s.execution_bps, r.execution_bps, 1e-13L));
  CHECK(s.total == s.execution_cost + s.opportunity_cost + s.fees);
  // Bought above the decision price and missed a rise: a cost on both counts.
  CHECK(s.execution_cost > 0);
  CHECK(s.opportunity_cost > 0);
}

TEST_CASE("implementation_shortfall: sells below the decision price are a positive shortfall", "[costs][shortfall]") {
  // A complete sale of 5,000 shares decided at $20: no final price needed.
  const std::vector<keel::execution_fill> fills{{-3000, 19.90, 6}, {-2000, 19.80, 4}};
  const keel::shortfall s = keel::implementation_shortfall(fills, -5000, 20);
  const perold r = perold_of(fills, -5000, 20, 20);
  CHECK(s.filled == -5000);
  CHECK(s.unfilled == 0);
  CHECK(s.opportunity_cost == 0);
  CHECK(s.execution_cost > 0);
  CHECK(close(s.execution_cost, r.execution, 1e-12L));
  CHECK(close(s.average_price, r.average, 1e-15L));
  CHECK(close(s.total, r.total, 1e-12L));
  CHECK(close(s.bps, r.bps, 1e-12L));
  CHECK(close(s.execution_bps, s.bps, 1e-15L));  // all filled: the two measures agree
  CHECK(s.total == s.execution_cost + s.opportunity_cost + s.fees);

  // Part unfilled while the price rose: the unsold shares gained, a negative opportunity cost.
  const std::vector<keel::execution_fill> part{{-3000, 19.90, 6}};
  const keel::shortfall q = keel::implementation_shortfall(part, -5000, 20, {.final_price = 20.50});
  const perold rq = perold_of(part, -5000, 20, 20.50);
  CHECK(q.unfilled == -2000);
  CHECK(q.opportunity_cost < 0);
  CHECK(close(q.opportunity_cost, rq.opportunity, 1e-14L));
  CHECK(close(q.total, rq.total, 1e-12L));
  CHECK(close(q.bps, rq.bps, 1e-12L));
  CHECK(close(q.execution_bps, rq.execution_bps, 1e-12L));
}

TEST_CASE("implementation_shortfall: identities on random orders", "[costs][shortfall]") {
  std::mt19937_64 gen(1988);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 300; ++i) {
    const double sign = u(gen) < 0.5 ? -1 : 1;
    const double q = sign * std::round(100 + 1e5 * u(gen));
    const double pd = 5 + 200 * u(gen);
    std::vector<keel::execution_fill> fills;
    double left = std::fabs(q);
    const bool complete = u(gen) < 0.5;
    const int count = 1 + static_cast<int>(6 * u(gen));
    for (int j = 0; j < count && left > 0; ++j) {
      const double take = j + 1 == count && complete ? left : std::min(left, std::round(left * u(gen)));
      left -= take;
      fills.push_back({sign * take, pd * (1 + 0.02 * (u(gen) - 0.5)), 0.005 * take * u(gen)});
    }
    const double final_price = pd * (1 + 0.05 * (u(gen) - 0.5));
    const keel::shortfall s = keel::implementation_shortfall(fills, q, pd, {.final_price = final_price});
    const perold r = perold_of(fills, q, pd, final_price);
    CAPTURE(i);
    CHECK(s.total == s.execution_cost + s.opportunity_cost + s.fees);
    CHECK(s.unfilled == q - s.filled);
    CHECK(close(s.total, r.total, 1e-9L, std::fabs(q) * pd * 1e-3L));
    CHECK(close(s.execution_cost, r.execution, 1e-9L, std::fabs(q) * pd * 1e-3L));
    CHECK(close(s.bps, r.bps, 1e-9L, 1e-3L));
    CHECK(close(s.average_price, r.average, 1e-14L));

    // Every fill at the decision price with no fees: no shortfall, whatever the quantities.
    std::vector<keel::execution_fill> at_decision = fills;
    double filled = 0;
    for (auto& f : at_decision) {
      f.price = pd;
      f.fees = 0;
      filled += f.quantity;
    }
    at_decision.push_back({q - filled, pd, 0});
    const keel::shortfall z = keel::implementation_shortfall(at_decision, q, pd);
    CHECK(z.total == 0);
    CHECK(z.bps == 0);
    CHECK(z.execution_bps == 0);
    CHECK(close(z.average_price, pd, 1e-15L));
  }
  // Nothing filled: all opportunity, the average price is the decision price.
  const keel::shortfall none = keel::implementation_shortfall({}, 1000, 10, {.final_price = 11});
  CHECK(none.execution_cost == 0);
  CHECK(none.execution_bps == 0);
  CHECK(none.average_price == 10);
  CHECK(close(none.total, 1000, 1e-15L));
  CHECK(close(none.bps, 1000, 1e-12L));
  // A huge order's basis points are finite (10^4 total would overflow before the division).
  const std::vector<keel::execution_fill> huge{{1e300, 2e5, 0}};
  const keel::shortfall h = keel::implementation_shortfall(huge, 1e300, 1e5);
  CHECK(close(h.bps, 1e4, 1e-15L));
  CHECK(close(h.execution_bps, 1e4, 1e-15L));
}

// =============================================================================================
// Errors

TEST_CASE("costs: every documented bad input throws invalid_input or insufficient_data", "[costs][errors]") {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  constexpr double inf = std::numeric_limits<double>::infinity();
  const keel::cost_model good{0.0005, 0.0001, 0.8, 0.02, 1e6};

  SECTION("cost_model fields and order arguments") {
    const auto with = [&](auto change) {
      keel::cost_model m = good;
      change(m);
      return m;
    };
    for (double bad : {-1e-9, nan, inf}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.half_spread = bad; })), keel::invalid_input);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.commission = bad; })), keel::invalid_input);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.impact = bad; })), keel::invalid_input);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.volatility = bad; })), keel::invalid_input);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.daily_volume = bad; })), keel::invalid_input);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.max_participation = bad; })),
                      keel::invalid_input);
    }
    CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([](auto& m) { m.max_participation = 0; })), keel::invalid_input);
    for (double e : {0.999, 2.001, 0.5, 3.0, nan, inf}) {
      CAPTURE(e);
      CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([&](auto& m) { m.exponent = e; })), keel::invalid_input);
    }
    CHECK_THROWS_WITH(keel::order_cost(1e3, 10, with([](auto& m) { m.exponent = 2.5; })),
                      Contains("model.exponent = 2.5") && Contains("in [1, 2]"));
    CHECK_NOTHROW(keel::order_cost(1e3, 10, with([](auto& m) { m.exponent = 1; })));
    CHECK_NOTHROW(keel::order_cost(1e3, 10, with([](auto& m) { m.exponent = 2; })));
    // Impact needs a daily volume to measure participation.
    CHECK_THROWS_AS(keel::order_cost(1e3, 10, with([](auto& m) { m.daily_volume = 0; })), keel::invalid_input);
    CHECK_THROWS_WITH(keel::order_cost(1e3, 10, with([](auto& m) { m.daily_volume = 0; })),
                      Contains("daily_volume") && Contains("impact"));
    for (double price : {0.0, -5.0, nan, inf}) CHECK_THROWS_AS(keel::order_cost(1e3, price, good), keel::invalid_input);
    for (double q : {nan, inf, -inf}) CHECK_THROWS_AS(keel::order_cost(q, 10, good), keel::invalid_input);
  }

  SECTION("square_root_impact") {
    CHECK_THROWS_AS(keel::square_root_impact(nan, 10, 0.02, 1e6), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 0, 0.02, 1e6), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 10, -0.02, 1e6), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 10, nan, 1e6), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 10, 0.02, 0), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 10, 0.02, inf), keel::invalid_input);
    CHECK_THROWS_AS(keel::square_root_impact(1e3, 10, 0.02, 1e6, -1), keel::invalid_input);
    CHECK_THROWS_WITH(keel::square_root_impact(1e3, 10, 0.02, 0), Contains("daily_volume = 0"));
  }

  SECTION("almgren_chriss and its relatives") {
    const keel::ac_parameters p = paper_parameters();
    const auto with = [&](auto change) {
      keel::ac_parameters q = p;
      change(q);
      return q;
    };
    const std::vector<keel::ac_parameters> bad{
        with([](auto& q) { q.horizon = 0; }), with([](auto& q) { q.horizon = -1; }),
        with([&](auto& q) { q.horizon = inf; }), with([](auto& q) { q.volatility = -0.1; }),
        with([&](auto& q) { q.volatility = nan; }), with([](auto& q) { q.permanent_impact = -1e-9; }),
        with([](auto& q) { q.fixed_cost = -0.01; }), with([](auto& q) { q.risk_aversion = -1e-6; }),
        with([&](auto& q) { q.risk_aversion = inf; }), with([&](auto& q) { q.temporary_impact = nan; }),
        with([](auto& q) { q.temporary_impact = 0; }), with([](auto& q) { q.temporary_impact = -1e-6; }),
        // eta~ = eta - gamma tau / 2 <= 0: 1.25e-7 - 2.5e-7 x 1 / 2 = 0, and below.
        with([](auto& q) { q.temporary_impact = 1.25e-7; }), with([](auto& q) { q.temporary_impact = 1e-7; })};
    const std::vector<double> one_trade{1e6};
    for (std::size_t i = 0; i < bad.size(); ++i) {
      CAPTURE(i);
      CHECK_THROWS_AS(keel::almgren_chriss(1e6, 5, bad[i]), keel::invalid_input);
      CHECK_THROWS_AS(keel::twap_schedule(1e6, 5, bad[i]), keel::invalid_input);
      CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>(5, 1.0), bad[i]), keel::invalid_input);
      CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>(5, 2e5), bad[i]), keel::invalid_input);
      CHECK_THROWS_AS(keel::almgren_chriss_frontier(1e6, 5, std::vector<double>{1e-6}, bad[i]), keel::invalid_input);
    }
    CHECK_THROWS_WITH(keel::almgren_chriss(1e6, 5, bad.back()),
                      Contains("temporary_impact") && Contains("permanent_impact x tau / 2"));
    CHECK_THROWS_WITH(keel::almgren_chriss(1e6, 5, bad[7]), Contains("parameters.risk_aversion"));
    // eta~ depends on tau: the same eta is fine over shorter periods.
    CHECK_NOTHROW(keel::almgren_chriss(1e6, 10, with([](auto& q) { q.temporary_impact = 1.25e-7; })));
    for (double s : {nan, inf}) {
      CHECK_THROWS_AS(keel::almgren_chriss(s, 5, p), keel::invalid_input);
      CHECK_THROWS_AS(keel::twap_schedule(s, 5, p), keel::invalid_input);
      CHECK_THROWS_AS(keel::vwap_schedule(s, std::vector<double>{1, 2}, p), keel::invalid_input);
    }
    // A subnormal period: k tau would pass T (found by costs_fuzz).
    const auto tiny = with([](auto& q) { q.horizon = 7.4e-323; });
    CHECK_THROWS_WITH(keel::almgren_chriss(1e6, 22, tiny), Contains("underflows"));
    CHECK_THROWS_AS(keel::twap_schedule(1e6, 22, tiny), keel::invalid_input);
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>(22, 1.0), tiny), keel::invalid_input);
    CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>{1e5}, with([](auto& q) { q.horizon = 1e-310; })),
                    keel::invalid_input);
    CHECK_THROWS_AS(keel::almgren_chriss(1e6, 0, p), keel::invalid_input);
    CHECK_THROWS_WITH(keel::almgren_chriss(1e6, 0, p), Contains("periods = 0"));
    CHECK_THROWS_AS(keel::twap_schedule(1e6, 0, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::almgren_chriss_frontier(1e6, 0, std::vector<double>{1e-6}, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::almgren_chriss_frontier(1e6, 5, std::vector<double>{1e-6, -1e-6}, p), keel::invalid_input);
    CHECK_THROWS_WITH(keel::almgren_chriss_frontier(1e6, 5, std::vector<double>{1e-6, nan}, p),
                      Contains("risk_aversions[1]"));

    // schedule_cost: empty, mixed signs, non-finite.
    CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>{}, p), keel::insufficient_data);
    CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>{1e5, 2e5, -1e4}, p), keel::invalid_input);
    CHECK_THROWS_WITH(keel::schedule_cost(std::vector<double>{-1e5, 0, 2e5}, p),
                      Contains("trades[2]") && Contains("other way"));
    CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>{1e5, nan}, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::schedule_cost(std::vector<double>{1e5, inf}, p), keel::invalid_input);

    // vwap_schedule: empty, negative or non-finite volume, zero total.
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{}, p), keel::insufficient_data);
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{0, 0, 0}, p), keel::invalid_input);
    CHECK_THROWS_WITH(keel::vwap_schedule(1e6, std::vector<double>{0, 0}, p), Contains("sums to 0"));
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{1, -1, 1}, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{1, nan}, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{1, inf}, p), keel::invalid_input);
    CHECK_THROWS_AS(keel::vwap_schedule(1e6, std::vector<double>{1e308, 1e308}, p), keel::invalid_input);
  }

  SECTION("implementation_shortfall") {
    const std::vector<keel::execution_fill> fills{{600, 10.1, 1}};
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 0, 10), keel::invalid_input);
    CHECK_THROWS_WITH(keel::implementation_shortfall(fills, 0, 10), Contains("order_quantity = 0"));
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, nan, 10), keel::invalid_input);
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 1000, 0, {.final_price = 11}), keel::invalid_input);
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 1000, nan, {.final_price = 11}), keel::invalid_input);
    // Fills of the wrong sign.
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, -1000, 10, {.final_price = 11}), keel::invalid_input);
    CHECK_THROWS_WITH(keel::implementation_shortfall(std::vector<keel::execution_fill>{{300, 10, 0}, {-100, 10, 0}},
                                                     1000, 10, {.final_price = 11}),
                      Contains("fills[1]") && Contains("opposite sign"));
    // Overfill.
    CHECK_THROWS_AS(
        keel::implementation_shortfall(std::vector<keel::execution_fill>{{600, 10, 0}, {500, 10, 0}}, 1000, 10),
        keel::invalid_input);
    CHECK_THROWS_WITH(keel::implementation_shortfall(std::vector<keel::execution_fill>{{-1001, 10, 0}}, -1000, 10),
                      Contains("more than order_quantity"));
    // An incomplete order needs a final price, a positive one.
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 1000, 10), keel::invalid_input);
    CHECK_THROWS_WITH(keel::implementation_shortfall(fills, 1000, 10), Contains("final_price"));
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 1000, 10, {.final_price = 0}), keel::invalid_input);
    CHECK_THROWS_AS(keel::implementation_shortfall(fills, 1000, 10, {.final_price = nan}), keel::invalid_input);
    // Bad fills.
    for (const keel::execution_fill& f :
         {keel::execution_fill{100, 0, 0}, keel::execution_fill{100, -1, 0}, keel::execution_fill{100, 10, -0.01},
          keel::execution_fill{nan, 10, 0}, keel::execution_fill{100, inf, 0}, keel::execution_fill{100, 10, nan}}) {
      CHECK_THROWS_AS(
          keel::implementation_shortfall(std::vector<keel::execution_fill>{f}, 1000, 10, {.final_price = 11}),
          keel::invalid_input);
    }
    // A complete order needs no final price.
    CHECK_NOTHROW(keel::implementation_shortfall(std::vector<keel::execution_fill>{{1000, 10, 0}}, 1000, 10));
  }
}
