// SPDX-License-Identifier: MIT
// Tests of keel/hedge.hpp. Independent references written here: the analytic one-instrument
// hedge; a vertex enumeration of the min-cost LP (every quantity but one at a breakpoint of its
// cost or bounds) and a bisection on it for the budget; an enumeration of the active sets of the
// min-variance QP (each quantity free or at a bound, orthant signs and the budget row for the
// budgeted problem), each solved as an equality-constrained QP by LU in long double; every
// corner of the whole-contract box; the one-factor volatility and normal VaR by hand; and a
// monthly hedge backtest on real prices, its betas by a two-pass OLS slope in long double.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/hedge.hpp>

#include "support/shared_data.hpp"

using Catch::Matchers::Contains;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

struct random_problem {
  double value = 0, beta = 0, target = 0;
  std::vector<keel::hedge_instrument> instruments;
};

// 2 to 4 instruments with betas in [0.3, 2] (some negative), prices, multipliers, costs and,
// when `bounds`, integer quantity bounds wide enough that the target is usually reachable.
random_problem make_problem(std::mt19937_64& gen, std::size_t k, bool bounds) {
  std::uniform_real_distribution<double> u(0, 1);
  random_problem p;
  p.value = 1e5 + 1e7 * u(gen);
  p.beta = 0.5 + 1.5 * u(gen);
  p.target = -0.5 + 1.5 * u(gen);
  for (std::size_t i = 0; i < k; ++i) {
    keel::hedge_instrument h;
    h.symbol = std::string(1, 'H') += std::to_string(i);
    h.beta = (0.3 + 1.7 * u(gen)) * (u(gen) < 0.2 ? -1 : 1);
    h.price = 20 + 480 * u(gen);
    h.multiplier = u(gen) < 0.5 ? 1 : 10;
    h.cost_bps = 0.5 + 10 * u(gen);
    if (bounds) {
      const double scale = p.value / (h.price * h.multiplier);
      const double lo = -std::floor(scale * (0.1 + 1.5 * u(gen))), hi = std::floor(scale * (0.1 + 1.5 * u(gen)));
      if (u(gen) < 0.8) h.min_quantity = lo;
      if (u(gen) < 0.8) h.max_quantity = hi;
      if (u(gen) < 0.1) h.min_quantity = std::floor(scale * 0.05 * u(gen));  // forced long
    }
    p.instruments.push_back(h);
  }
  return p;
}

double unit(const keel::hedge_instrument& h) { return h.price * h.multiplier; }
double lower(const keel::hedge_instrument& h) { return h.min_quantity.value_or(-inf); }
double upper(const keel::hedge_instrument& h) { return h.max_quantity.value_or(inf); }

long double beta_of(const random_problem& p, const std::vector<double>& q) {
  long double sum = 0;
  for (std::size_t i = 0; i < q.size(); ++i)
    sum +=
        static_cast<long double>(q[i]) * p.instruments[i].price * p.instruments[i].multiplier * p.instruments[i].beta;
  return p.beta + sum / p.value;
}

long double cost_of(const random_problem& p, const std::vector<double>& q) {
  long double sum = 0;
  for (std::size_t i = 0; i < q.size(); ++i)
    sum += std::fabs(static_cast<long double>(q[i])) * unit(p.instruments[i]) * p.instruments[i].cost_bps / 1e4L;
  return sum;
}

// The beta the orders give, read back from the orders alone (side, quantity).
long double beta_from_orders(const random_problem& p, const keel::hedge_plan& plan) {
  long double sum = 0;
  for (const auto& o : plan.orders) {
    const auto it =
        std::find_if(p.instruments.begin(), p.instruments.end(), [&](const auto& h) { return h.symbol == o.symbol; });
    REQUIRE(it != p.instruments.end());
    const long double signed_quantity =
        o.side == keel::order_side::buy ? o.quantity : -static_cast<long double>(o.quantity);
    sum += signed_quantity * it->price * it->multiplier * it->beta;
  }
  return p.beta + sum / p.value;
}

// The min-cost LP by vertex enumeration: all quantities but one (f) at a breakpoint of cost
// and bounds, {lower, 0, upper} within the bounds; q_f from the beta equation. Returns the
// least cost for target beta `target` (inf if none).
long double brute_min_cost(const random_problem& p, double target, std::vector<double>* best_q = nullptr) {
  const std::size_t k = p.instruments.size();
  std::vector<std::vector<double>> points(k);
  for (std::size_t i = 0; i < k; ++i) {
    for (const double v : {lower(p.instruments[i]), 0.0, upper(p.instruments[i])})
      if (std::isfinite(v) && v >= lower(p.instruments[i]) && v <= upper(p.instruments[i])) points[i].push_back(v);
  }
  long double best = inf;
  for (std::size_t f = 0; f < k; ++f) {
    std::vector<std::size_t> at(k, 0);
    for (;;) {
      std::vector<double> q(k, 0);
      bool ok = true;
      long double rest = (static_cast<long double>(target) - p.beta) * p.value;
      for (std::size_t i = 0; i < k; ++i) {
        if (i == f) continue;
        if (points[i].empty()) {
          ok = false;
          break;
        }
        q[i] = points[i][at[i]];
        rest -= static_cast<long double>(q[i]) * unit(p.instruments[i]) * p.instruments[i].beta;
      }
      if (ok && p.instruments[f].beta != 0) {
        const long double qf = rest / (static_cast<long double>(unit(p.instruments[f])) * p.instruments[f].beta);
        const long double slack = 1e-9L * (1 + std::fabs(qf));
        if (qf >= lower(p.instruments[f]) - slack && qf <= upper(p.instruments[f]) + slack) {
          q[f] = static_cast<double>(qf);
          const long double c = cost_of(p, q);
          if (c < best) {
            best = c;
            if (best_q) *best_q = q;
          }
        }
      }
      std::size_t i = 0;
      for (; i < k; ++i) {
        if (i == f || points[i].empty()) continue;
        if (++at[i] < points[i].size()) break;
        at[i] = 0;
      }
      if (i == k) break;
    }
  }
  return best;
}

keel::hedge_options fractional(keel::hedge_objective objective = keel::hedge_objective::min_cost) {
  keel::hedge_options o;
  o.objective = objective;
  o.round_to_contracts = false;
  return o;
}

// A random covariance of k instruments and the portfolio (last), daily-sized: B B' / m plus a
// diagonal, so that it is positive definite.
Eigen::MatrixXd random_covariance(std::mt19937_64& gen, std::size_t k) {
  std::normal_distribution<double> z(0, 0.01);
  const auto n = static_cast<Eigen::Index>(k + 1);
  Eigen::MatrixXd b(n, n + 2);
  for (Eigen::Index i = 0; i < b.rows(); ++i)
    for (Eigen::Index j = 0; j < b.cols(); ++j) b(i, j) = z(gen);
  Eigen::MatrixXd c = b * b.transpose() / static_cast<double>(n + 2);
  c.diagonal().array() += 1e-6;
  return c;
}

// Variance of the hedged return per unit of value: x = q u / V.
long double hedged_variance(const random_problem& p, const Eigen::MatrixXd& cov, const std::vector<double>& q) {
  const auto k = static_cast<Eigen::Index>(q.size());
  Eigen::Matrix<long double, Eigen::Dynamic, 1> w(k + 1);
  for (Eigen::Index i = 0; i < k; ++i)
    w(i) = static_cast<long double>(q[static_cast<std::size_t>(i)]) * unit(p.instruments[static_cast<std::size_t>(i)]) /
           p.value;
  w(k) = 1;
  return w.dot(cov.cast<long double>() * w);
}

// The min-variance QP in x by enumeration of active sets: each x_i free, at a finite bound or
// (with `orthants`) at 0 with a sign constraint; with a budget row sum rate_i |x_i| <= budget,
// active or not. Each candidate is an equality-constrained QP solved by LU in long double.
struct qp_brute {
  long double objective = inf;
  std::vector<double> q;
};

qp_brute brute_min_variance(const random_problem& p, const Eigen::MatrixXd& cov, std::optional<double> budget) {
  using lmat = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  using lvec = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
  const std::size_t k = p.instruments.size();
  const auto n = static_cast<Eigen::Index>(k);
  const lmat s = cov.topLeftCorner(n, n).cast<long double>();
  const lvec c = cov.col(n).head(n).cast<long double>();
  std::vector<long double> lo(k), hi(k), rate(k);
  for (std::size_t i = 0; i < k; ++i) {
    lo[i] = lower(p.instruments[i]) * unit(p.instruments[i]) / p.value;
    hi[i] = upper(p.instruments[i]) * unit(p.instruments[i]) / p.value;
    rate[i] = p.instruments[i].cost_bps / 1e4L;
  }
  qp_brute best;
  const std::size_t signs = budget ? (std::size_t{1} << k) : 1;
  for (std::size_t sg = 0; sg < signs; ++sg) {
    // state per variable: 0 free, 1 lower, 2 upper, 3 zero (orthant boundary)
    std::vector<int> state(k, 0);
    for (;;) {
      for (int row_active = 0; row_active < (budget ? 2 : 1); ++row_active) {
        std::vector<lvec> rows;
        std::vector<long double> rhs;
        lvec b(n);
        for (std::size_t i = 0; i < k; ++i) b(static_cast<Eigen::Index>(i)) = p.instruments[i].beta;
        rows.push_back(b);
        rhs.push_back(static_cast<long double>(p.target) - p.beta);
        bool ok = true;
        for (std::size_t i = 0; i < k; ++i) {
          if (state[i] == 0) continue;
          const long double v = state[i] == 1 ? lo[i] : state[i] == 2 ? hi[i] : 0;
          if (!std::isfinite(v)) ok = false;
          lvec e = lvec::Zero(n);
          e(static_cast<Eigen::Index>(i)) = 1;
          rows.push_back(e);
          rhs.push_back(v);
        }
        if (!ok) continue;
        if (row_active) {
          lvec r(n);
          for (std::size_t i = 0; i < k; ++i) r(static_cast<Eigen::Index>(i)) = ((sg >> i) & 1U) ? -rate[i] : rate[i];
          rows.push_back(r);
          rhs.push_back(*budget / p.value);
        }
        const auto m = static_cast<Eigen::Index>(rows.size());
        lmat kkt = lmat::Zero(n + m, n + m);
        lvec f = lvec::Zero(n + m);
        kkt.topLeftCorner(n, n) = s;
        f.head(n) = -c;
        for (Eigen::Index r = 0; r < m; ++r) {
          kkt.block(n + r, 0, 1, n) = rows[static_cast<std::size_t>(r)].transpose();
          kkt.block(0, n + r, n, 1) = rows[static_cast<std::size_t>(r)];
          f(n + r) = rhs[static_cast<std::size_t>(r)];
        }
        Eigen::FullPivLU<lmat> lu(kkt);
        if (lu.rank() < n + m) continue;
        const lvec x = lu.solve(f).head(n);
        // Feasibility: bounds, orthant, budget row, with a small slack for rounding.
        bool feasible = true;
        long double spent = 0;
        for (std::size_t i = 0; i < k; ++i) {
          const long double xi = x(static_cast<Eigen::Index>(i)), tol = 1e-12L;
          feasible = feasible && xi >= lo[i] - tol && xi <= hi[i] + tol;
          if (budget) feasible = feasible && (((sg >> i) & 1U) ? xi <= tol : xi >= -tol);
          spent += rate[i] * std::fabs(xi);
        }
        if (budget) feasible = feasible && spent <= *budget / p.value * (1 + 1e-12L) + 1e-18L;
        if (!feasible) continue;
        const long double objective = 0.5L * x.dot(s * x) + c.dot(x);
        if (objective < best.objective) {
          best.objective = objective;
          best.q.assign(k, 0);
          for (std::size_t i = 0; i < k; ++i)
            best.q[i] = static_cast<double>(x(static_cast<Eigen::Index>(i)) * p.value / unit(p.instruments[i]));
        }
      }
      std::size_t i = 0;
      for (; i < k; ++i) {
        if (++state[i] < (budget ? 4 : 3)) break;
        state[i] = 0;
      }
      if (i == k) break;
    }
  }
  return best;
}

// OLS slope of y on x, two passes in long double.
double ols_beta(std::span<const double> y, std::span<const double> x) {
  long double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<long double>(x.size());
  my /= static_cast<long double>(x.size());
  long double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return static_cast<double>(sxy / sxx);
}

bool reachable(const random_problem& p) {
  long double lo = p.beta, hi = p.beta;
  for (const auto& h : p.instruments) {
    const long double per = unit(h) * h.beta / p.value;
    const long double a = lower(h) * per, b = upper(h) * per;
    lo += std::min(a, b);
    hi += std::max(a, b);
  }
  return p.target >= lo && p.target <= hi;
}

}  // namespace

// ------------------------------------------------------------------ one instrument

TEST_CASE("hedge_to_target_beta: one instrument is the analytic hedge, beta_after read from the orders", "[hedge]") {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    random_problem p;
    p.value = 1e4 + 1e8 * u(gen);
    p.beta = -1 + 3 * u(gen);
    p.target = -1 + 3 * u(gen);
    p.instruments = {{"ES", 0.5 + u(gen), 1000 + 4000 * u(gen), trial % 2 == 0 ? 50.0 : 1.0, 2 * u(gen)}};
    const auto& h = p.instruments[0];
    // The formula of the issue: notional = (target - current) x value / instrument beta.
    const double notional = (p.target - p.beta) * p.value / h.beta;
    const double contracts = notional / (h.price * h.multiplier);
    const keel::hedge_plan exact = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, fractional());
    REQUIRE(exact.quantities.size() == 1);
    CHECK(exact.quantities[0] == contracts);  // the same expression: bit for bit
    REQUIRE(exact.orders.size() == 1);
    CHECK(exact.orders[0].side == (contracts > 0 ? keel::order_side::buy : keel::order_side::sell));
    CHECK(exact.orders[0].notional == std::fabs(contracts) * (h.price * h.multiplier));
    CHECK(exact.orders[0].cost == exact.orders[0].notional * (h.cost_bps * 1e-4));
    // beta_after is computed from the quantities: equal to the target only to rounding, and
    // equal to the beta read back from the orders (long double) to 1e-14 relative to the move.
    const long double from_orders = beta_from_orders(p, exact);
    const double move = std::fabs(p.target - p.beta) + 1;
    CHECK(std::fabs(exact.beta_after - static_cast<double>(from_orders)) <= 1e-14 * move);
    CHECK(std::fabs(exact.beta_after - p.target) <= 1e-14 * move);
    CHECK(exact.beta_residual == exact.beta_after - p.target);
    CHECK(exact.fully_hedged);
    CHECK(exact.reason.empty());

    // Whole contracts: the nearest integer (least miss), and the residual it leaves.
    const keel::hedge_plan whole = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target);
    const double nearest =
        std::fabs(contracts - std::floor(contracts)) <= 0.5 ? std::floor(contracts) : std::ceil(contracts);
    CHECK(whole.quantities[0] == nearest);
    const long double whole_beta = beta_from_orders(p, whole);
    CHECK(std::fabs(whole.beta_after - static_cast<double>(whole_beta)) <= 1e-14 * move);
    CHECK(std::fabs(whole.beta_residual - static_cast<double>(whole_beta - p.target)) <= 1e-14 * move);
    // Half a contract's beta at most: |residual| <= u beta / (2 V).
    CHECK(std::fabs(whole.beta_residual) <= h.price * h.multiplier * h.beta / (2 * p.value) * (1 + 1e-12));
  }
}

TEST_CASE("hedge_to_target_beta: a worked example, SPY shares and E-mini contracts", "[hedge]") {
  // $10m at beta 1.2 to beta 0.2 with SPY at 500 (beta 1): sell $10m of SPY, 20,000 shares.
  const keel::hedge_plan spy = keel::hedge_to_target_beta(1e7, 1.2, {{"SPY", 1.0, 500.0, 1, 0.5}}, 0.2);
  REQUIRE(spy.orders.size() == 1);
  CHECK(spy.orders[0].symbol == "SPY");
  CHECK(spy.orders[0].side == keel::order_side::sell);
  CHECK(spy.orders[0].quantity == 20000);
  CHECK(spy.orders[0].notional == 1e7);
  CHECK(spy.orders[0].cost == Approx(500).epsilon(1e-15));  // 0.5 bp of $10m
  CHECK(spy.beta_after == Approx(0.2).margin(1e-15));
  CHECK(spy.cost_fraction == Approx(5e-5).epsilon(1e-15));
  // E-mini S&P 500 at 5000 x 50 = $250,000 a contract: 40 contracts exactly; at 5100 the
  // exact hedge is 39.2 contracts and the nearest, 39, leaves 55,000 of beta-notional: 0.0055.
  const keel::hedge_plan es = keel::hedge_to_target_beta(1e7, 1.2, {{"ES", 1.0, 5100.0, 50}}, 0.2);
  CHECK(es.quantities[0] == -39);
  CHECK(es.beta_residual == Approx(55000 / 1e7).epsilon(1e-12));
  CHECK(es.fully_hedged);
}

// ------------------------------------------------------------------ several instruments

TEST_CASE("hedge_to_target_beta: min_cost equals a vertex enumeration of the LP", "[hedge]") {
  std::mt19937_64 gen(5);
  double worst = 0;
  int solved = 0;
  for (int trial = 0; trial < 600; ++trial) {
    const std::size_t k = 2 + static_cast<std::size_t>(trial % 3);
    random_problem p = make_problem(gen, k, true);
    if (!reachable(p)) {
      CHECK_THROWS_AS(keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, fractional()),
                      keel::infeasible);
      continue;
    }
    const keel::hedge_plan plan = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, fractional());
    const long double want = brute_min_cost(p, p.target);
    REQUIRE(std::isfinite(want));
    const long double got = cost_of(p, plan.quantities);
    CHECK(std::fabs(got - want) <= 1e-12L * (want + 1));
    worst = std::max(worst, static_cast<double>(std::fabs(got - want) / (want + 1)));
    CHECK(std::fabs(plan.total_cost - static_cast<double>(got)) <= 1e-12 * (plan.total_cost + 1));
    CHECK(std::fabs(static_cast<double>(beta_of(p, plan.quantities)) - p.target) <= 1e-12 * (1 + std::fabs(p.beta)));
    for (std::size_t i = 0; i < k; ++i) {
      CHECK(plan.quantities[i] >= lower(p.instruments[i]));
      CHECK(plan.quantities[i] <= upper(p.instruments[i]));
    }
    ++solved;
  }
  CHECK(solved > 300);
  std::cout << "min_cost against the vertex enumeration: worst cost difference " << worst << " relative\n";
}

TEST_CASE("hedge_to_target_beta: min_cost ties go to the first instrument", "[hedge]") {
  // Equal cost per unit of beta (1 bp at beta 1, 2 bp at beta 2): every split costs the same.
  const std::vector<keel::hedge_instrument> ins{{"A", 1.0, 100.0, 1, 1.0}, {"B", 2.0, 100.0, 1, 2.0}};
  const keel::hedge_plan plan = keel::hedge_to_target_beta(1e6, 1.0, ins, 0.0, fractional());
  CHECK(plan.quantities[0] == -10000);
  CHECK(plan.quantities[1] == 0);
  const std::vector<keel::hedge_instrument> swapped{ins[1], ins[0]};
  const keel::hedge_plan other = keel::hedge_to_target_beta(1e6, 1.0, swapped, 0.0, fractional());
  CHECK(other.quantities[0] == -5000);
  CHECK(other.quantities[1] == 0);
  CHECK(other.total_cost == Approx(plan.total_cost).epsilon(1e-15));
}

TEST_CASE("hedge_to_target_beta: min_variance equals an active-set enumeration of the QP", "[hedge]") {
  std::mt19937_64 gen(7);
  double worst = 0;
  int solved = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t k = 2 + static_cast<std::size_t>(trial % 3);
    random_problem p = make_problem(gen, k, trial % 3 != 0);  // a third without bounds: the closed form
    if (!reachable(p)) continue;
    keel::hedge_options o = fractional(keel::hedge_objective::min_variance);
    o.covariance = random_covariance(gen, k);
    const keel::hedge_plan plan = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, o);
    const qp_brute want = brute_min_variance(p, o.covariance, std::nullopt);
    REQUIRE(std::isfinite(want.objective));
    const long double got = hedged_variance(p, o.covariance, plan.quantities);
    const long double best = hedged_variance(p, o.covariance, want.q);
    // Variances agree to 1e-12 of the unhedged variance (the scale of the objective).
    CHECK(std::fabs(got - best) <= 1e-12L * o.covariance(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)));
    worst = std::max(worst, static_cast<double>(std::fabs(got - best) / o.covariance(static_cast<Eigen::Index>(k),
                                                                                     static_cast<Eigen::Index>(k))));
    for (std::size_t i = 0; i < k; ++i) {
      const double scale = p.value / unit(p.instruments[i]);
      CHECK(std::fabs(plan.quantities[i] - want.q[i]) <= 1e-7 * scale);
    }
    CHECK(std::fabs(static_cast<double>(beta_of(p, plan.quantities)) - p.target) <= 1e-11 * (1 + std::fabs(p.beta)));
    ++solved;
  }
  CHECK(solved > 200);
  std::cout << "min_variance against the active-set enumeration: worst variance difference " << worst
            << " of the unhedged variance\n";
}

TEST_CASE("hedge_to_target_beta: min_variance within a budget equals the enumeration with the budget row", "[hedge]") {
  std::mt19937_64 gen(9);
  double worst = 0;
  int budgeted = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t k = 2 + static_cast<std::size_t>(trial % 2);
    random_problem p = make_problem(gen, k, false);
    keel::hedge_options o = fractional(keel::hedge_objective::min_variance);
    o.covariance = random_covariance(gen, k);
    const keel::hedge_plan free = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, o);
    const long double cheapest = brute_min_cost(p, p.target);
    if (!(free.total_cost > cheapest * 1.01L)) continue;
    // A budget between the cheapest full hedge and the minimum-variance one.
    std::uniform_real_distribution<double> u(0, 1);
    const double budget = static_cast<double>(cheapest) + u(gen) * (free.total_cost - static_cast<double>(cheapest));
    o.budget = budget / p.value;
    const keel::hedge_plan plan = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, o);
    CHECK(plan.fully_hedged);
    CHECK(plan.total_cost <= *o.budget * p.value);
    const qp_brute want = brute_min_variance(p, o.covariance, *o.budget * p.value);
    REQUIRE(std::isfinite(want.objective));
    const long double got = hedged_variance(p, o.covariance, plan.quantities);
    const long double best = hedged_variance(p, o.covariance, want.q);
    CHECK(std::fabs(got - best) <= 1e-11L * o.covariance(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)));
    worst = std::max(worst, static_cast<double>(std::fabs(got - best) / o.covariance(static_cast<Eigen::Index>(k),
                                                                                     static_cast<Eigen::Index>(k))));
    CHECK(std::fabs(static_cast<double>(beta_of(p, plan.quantities)) - p.target) <= 1e-10 * (1 + std::fabs(p.beta)));
    ++budgeted;
  }
  CHECK(budgeted > 50);
  std::cout << "budgeted min_variance against the enumeration: worst variance difference " << worst
            << " of the unhedged variance\n";
}

TEST_CASE("hedge_to_target_beta: a budget is never exceeded and stops the hedge as far as it pays for", "[hedge]") {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(0, 1);
  int limited = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t k = 1 + static_cast<std::size_t>(trial % 4);
    random_problem p = make_problem(gen, k, trial % 2 == 0);
    if (!reachable(p)) continue;
    const long double full = brute_min_cost(p, p.target);
    keel::hedge_options o;
    o.budget = static_cast<double>(full) * (0.2 + u(gen)) / p.value;
    o.round_to_contracts = trial % 3 != 0;
    if (trial % 5 == 0 && k > 1) {
      o.objective = keel::hedge_objective::min_variance;
      o.covariance = random_covariance(gen, k);
    }
    keel::hedge_plan plan;
    try {
      plan = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, o);
    } catch (const keel::infeasible& e) {  // bounds forcing a position that costs more than the budget
      CHECK_THAT(e.what(), Contains("force a cost of"));
      continue;
    }
    CHECK(plan.total_cost <= *o.budget * p.value);
    double sum = 0;
    for (const auto& order : plan.orders) sum += order.cost;
    CHECK(plan.total_cost == sum);
    if (plan.fully_hedged) continue;
    ++limited;
    CHECK_THAT(plan.reason, Contains("budget"));
    if (o.round_to_contracts) continue;
    // Continuous: the furthest beta the budget reaches, found by bisection on the brute-force
    // least cost of each intermediate target (convex and monotone along the way).
    double lo = p.beta, hi = p.target;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (brute_min_cost(p, mid) <= *o.budget * p.value ? lo : hi) = mid;
    }
    CHECK(plan.beta_after == Approx(lo).margin(1e-9));
  }
  CHECK(limited > 50);
}

TEST_CASE("hedge_to_target_beta: whole contracts are the best neighbouring integer point", "[hedge]") {
  std::mt19937_64 gen(13);
  int checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t k = 1 + static_cast<std::size_t>(trial % 4);
    random_problem p = make_problem(gen, k, trial % 2 == 0);
    for (auto& h : p.instruments) h.price *= 50;  // big contracts: rounding matters
    if (!reachable(p)) continue;
    keel::hedge_options o;
    if (trial % 4 == 1) o.budget = static_cast<double>(brute_min_cost(p, p.target)) * 0.9 / p.value;
    keel::hedge_plan plan;
    std::vector<double> q;
    try {
      plan = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, o);
      keel::hedge_options c = o;
      c.round_to_contracts = false;
      q = keel::hedge_to_target_beta(p.value, p.beta, p.instruments, p.target, c).quantities;
    } catch (const keel::infeasible&) {
      continue;
    }
    // Every corner of [floor q, ceil q] within the bounds and the budget.
    long double best_miss = inf, best_cost = inf;
    for (std::uint32_t mask = 0; mask < (1U << k); ++mask) {
      std::vector<double> corner(k);
      bool ok = true;
      for (std::size_t i = 0; i < k; ++i) {
        corner[i] = ((mask >> i) & 1U) ? std::ceil(q[i]) : std::floor(q[i]);
        ok = ok && corner[i] >= lower(p.instruments[i]) && corner[i] <= upper(p.instruments[i]);
      }
      const long double cost = cost_of(p, corner);
      if (!ok || (o.budget && cost > *o.budget * p.value)) continue;
      const long double miss = std::fabs(beta_of(p, corner) - p.target);
      if (miss < best_miss - 1e-13L || (miss <= best_miss + 1e-13L && cost < best_cost)) {
        best_miss = miss;
        best_cost = cost;
      }
    }
    if (!std::isfinite(best_miss)) continue;
    for (std::size_t i = 0; i < k; ++i) CHECK(plan.quantities[i] == std::round(plan.quantities[i]));
    CHECK(std::fabs(plan.beta_residual) <= best_miss + 1e-13L);
    CHECK(std::fabs(plan.beta_residual - static_cast<double>(beta_from_orders(p, plan) - p.target)) <= 1e-13);
    ++checked;
  }
  CHECK(checked > 200);
}

// ------------------------------------------------------------------ infeasible targets, errors

TEST_CASE("hedge_to_target_beta: a target the bounds cannot reach is infeasible, naming the range", "[hedge]") {
  // At most 100 shares short of a $100 instrument: beta can fall by 100 x 100 / 10^6 = 0.01.
  const std::vector<keel::hedge_instrument> ins{{"SPY", 1.0, 100.0, 1, 1.0, -100.0, 50.0}};
  CHECK_THROWS_AS(keel::hedge_to_target_beta(1e6, 1.0, ins, 0.5), keel::infeasible);
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e6, 1.0, ins, 0.5),
                    Contains("hedge_to_target_beta: target_beta = 0.5 is outside the reachable range [0.99, 1.005]"));
  // A zero-beta instrument reaches only the current beta.
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e6, 1.0, {{"CASH", 0.0, 1.0}}, 0.5),
                    Contains("reachable range [1, 1]"));
  CHECK(keel::hedge_to_target_beta(1e6, 1.0, {{"CASH", 0.0, 1.0}}, 1.0).orders.empty());
  // Bounds that force a position costing more than the budget.
  const std::vector<keel::hedge_instrument> forced{{"F", 1.0, 100.0, 1, 10.0, 1000.0, 2000.0}};
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e6, 0.8, forced, 0.9, {.budget = 1e-5}),
                    Contains("the quantity bounds force a cost of 100, above the budget of 10"));
  // Bounds with no whole contract between them.
  const std::vector<keel::hedge_instrument> narrow{{"N", 1.0, 100.0, 1, 0.0, 2.25, 2.75}};
  CHECK_THROWS_AS(keel::hedge_to_target_beta(1e6, 1.0, narrow, 1.0), keel::infeasible);
  CHECK_THROWS_WITH(keel::hedge_to_target_beta(1e6, 1.0, narrow, 1.0), Contains("hold no whole contract"));
  CHECK(keel::hedge_to_target_beta(1e6, 1.0, narrow, 1.00025, fractional()).quantities[0] ==
        Approx(2.5).epsilon(1e-12));
}

TEST_CASE("hedge_to_target_beta: bad arguments are invalid_input naming them", "[hedge]") {
  const std::vector<keel::hedge_instrument> ok{{"SPY", 1.0, 500.0}};
  const auto call = [&](double v, double b, std::vector<keel::hedge_instrument> ins, double t,
                        keel::hedge_options o = {}) { return keel::hedge_to_target_beta(v, b, ins, t, o); };
  CHECK_THROWS_WITH(call(0, 1, ok, 0),
                    Contains("hedge_to_target_beta: portfolio_value = 0 must be positive and finite"));
  CHECK_THROWS_WITH(call(inf, 1, ok, 0), Contains("portfolio_value = inf"));
  CHECK_THROWS_WITH(call(1e6, std::nan(""), ok, 0), Contains("portfolio_beta is NaN"));
  CHECK_THROWS_WITH(call(1e6, 1, ok, inf), Contains("target_beta is inf"));
  CHECK_THROWS_AS(call(1e6, 1, {}, 0), keel::insufficient_data);
  CHECK_THROWS_WITH(call(1e6, 1, {}, 0), Contains("needs at least 1 instruments, got 0"));
  CHECK_THROWS_WITH(call(1e6, 1, {{"X", std::nan(""), 1.0}}, 0), Contains("instruments[0].beta is NaN"));
  CHECK_THROWS_WITH(call(1e6, 1, {ok[0], {"X", 1.0, -2.0}}, 0), Contains("instruments[1].price = -2 must be positive"));
  CHECK_THROWS_WITH(call(1e6, 1, {{"X", 1.0, 2.0, 0}}, 0), Contains("instruments[0].multiplier = 0 must be positive"));
  CHECK_THROWS_WITH(call(1e6, 1, {{"X", 1.0, 2.0, 1, -1}}, 0),
                    Contains("instruments[0].cost_bps = -1 must be non-negative and finite"));
  CHECK_THROWS_WITH(call(1e6, 1, {{"X", 1.0, 2.0, 1, 0, 5.0, 3.0}}, 0),
                    Contains("instruments[0].min_quantity = 5 must be at most max_quantity = 3"));
  CHECK_THROWS_WITH(call(1e6, 1, {{"X", 1.0, 2.0, 1, 0, std::nan("")}}, 0),
                    Contains("instruments[0].min_quantity is NaN"));
  CHECK_THROWS_WITH(call(1e6, 1, ok, 0, {.budget = -0.1}), Contains("budget = -0.1 must be non-negative and finite"));
  // min_variance with two instruments needs a (k + 1) x (k + 1) PSD covariance.
  const std::vector<keel::hedge_instrument> two{{"A", 1.0, 100.0}, {"B", 1.2, 100.0}};
  keel::hedge_options mv{.objective = keel::hedge_objective::min_variance};
  CHECK_THROWS_WITH(call(1e6, 1, two, 0, mv), Contains("hedge_options::covariance is empty"));
  mv.covariance = Eigen::MatrixXd::Identity(2, 2);
  CHECK_THROWS_WITH(call(1e6, 1, two, 0, mv),
                    Contains("covariance (rows) has 2 values but instruments + portfolio has 3"));
  mv.covariance = Eigen::MatrixXd::Identity(3, 3);
  mv.covariance(0, 1) = 0.5;
  CHECK_THROWS_WITH(call(1e6, 1, two, 0, mv), Contains("not symmetric"));
  mv.covariance(1, 0) = 0.5;
  mv.covariance(2, 2) = -1;
  CHECK_THROWS_AS(call(1e6, 1, two, 0, mv), keel::singular_problem);
  CHECK_THROWS_WITH(call(1e6, 1, two, 0, mv), Contains("covariance is not positive semi-definite"));
  mv.covariance(2, 2) = std::nan("");
  CHECK_THROWS_WITH(call(1e6, 1, two, 0, mv), Contains("covariance(2, 2) is NaN"));
  // Two identical instruments: the minimum-variance split between them is not unique.
  const std::vector<keel::hedge_instrument> twins{{"A", 1.0, 100.0}, {"B", 1.0, 100.0}};
  mv.covariance = Eigen::MatrixXd::Constant(3, 3, 1e-4);
  CHECK_THROWS_AS(call(1e6, 1, twins, 0, mv), keel::singular_problem);
  CHECK_THROWS_WITH(call(1e6, 1, twins, 0, mv), Contains("not unique"));
  // A zero covariance: every hedge has the same variance, with or without bounds (found by
  // orders_fuzz: the QP engine then returned a point off the beta row, which keel rejects).
  mv.covariance = Eigen::MatrixXd::Zero(3, 3);
  CHECK_THROWS_AS(call(1e6, 1, two, 0, mv), keel::singular_problem);
  const std::vector<keel::hedge_instrument> capped{{"A", 1.0, 100.0, 1, 1, std::nullopt, 100.0},
                                                   {"B", 1.2, 100.0, 1, 1}};
  CHECK_THROWS_WITH(call(1e6, 1, capped, 0, mv), Contains("not unique"));
  // A hedge whose quantities underflow (found by orders_fuzz: 1e-195 of notional over a contract
  // of 1e216 is 0 contracts) would leave beta where it was while claiming to be full.
  CHECK_THROWS_AS(call(3.4e-203, 7e221, {{"X", 1.9e214, 1.9e214, 50}}, 0, {.round_to_contracts = false}),
                  keel::invalid_input);
  CHECK_THROWS_WITH(call(3.4e-203, 7e221, {{"X", 1.9e214, 1.9e214, 50}}, 0, {.round_to_contracts = false}),
                    Contains("leaves beta 7e+221") && Contains("rescale the values"));
  // The same when the move asked for is a millionth of beta: 1e-406 contracts underflow to none.
  CHECK_THROWS_WITH(call(1e-300, 1e200, {{"X", 1e150, 1e150}}, 1.000001e200, {.round_to_contracts = false}),
                    Contains("leaves beta 1e+200"));
  // One whole contract's cost over a portfolio value of 1e-300 overflows cost_fraction (found by
  // orders_fuzz).
  CHECK_THROWS_WITH(call(1e-300, 1, {{"X", 1e-300, 1.0, 1, 1e14}}, 0),
                    Contains("cost / portfolio_value inf") && Contains("overflows"));
  // A budget of 1e-300 at a cost rate of 1e30 buys 1e-270 contracts of 1e-60: a notional of
  // 1e-330, below double's least (found by orders_fuzz as an order of zero notional).
  CHECK_THROWS_WITH(call(1, 1, {{"X", 1.0, 1e-60, 1, 1e34}}, 0, {.budget = 1e-300, .round_to_contracts = false}),
                    Contains("has a notional (x beta) that underflows double"));
  // A subnormal notional keeps a few bits only: beta_after was off by 3e-8 of itself (orders_fuzz).
  CHECK_THROWS_WITH(call(1e-300, 0, {{"X", 1e10, 1.0}}, 1, {.round_to_contracts = false}),
                    Contains("the quantity 1e-310 of X has a notional (x beta) that underflows double"));
  // A covariance is not needed, and ignored, with one instrument or min_cost.
  CHECK_NOTHROW(call(1e6, 1, ok, 0, {.objective = keel::hedge_objective::min_variance}));
}

TEST_CASE("hedge_to_target_beta: min_variance uses the second instrument to cut risk at the target beta", "[hedge]") {
  // Portfolio = 0.9 QQQ-like + noise. Hedging to beta 0 with SPY alone leaves the QQQ-SPY
  // spread; with QQQ available the minimum-variance hedge shorts mostly QQQ.
  const double sm = 0.01, sq = 0.013, rho = 0.9;
  Eigen::MatrixXd cov(3, 3);
  const double cqs = rho * sm * sq;
  // instruments SPY (beta 1), QQQ (beta cqs / sm^2); portfolio = 0.9 QQQ + e (var 1e-5).
  cov << sm * sm, cqs, 0.9 * cqs, cqs, sq * sq, 0.9 * sq * sq, 0.9 * cqs, 0.9 * sq * sq, 0.81 * sq * sq + 1e-5;
  const double beta_q = cqs / (sm * sm), beta_p = 0.9 * beta_q;
  const std::vector<keel::hedge_instrument> ins{{"SPY", 1.0, 500.0}, {"QQQ", beta_q, 400.0}};
  keel::hedge_options o = fractional(keel::hedge_objective::min_variance);
  o.covariance = cov;
  const keel::hedge_plan plan = keel::hedge_to_target_beta(1e6, beta_p, ins, 0.0, o);
  // The exact answer: x_QQQ = -0.9 and x_SPY = 0 zero the portfolio's market and QQQ exposure.
  CHECK(plan.quantities[0] * 500 / 1e6 == Approx(0.0).margin(1e-12));
  CHECK(plan.quantities[1] * 400 / 1e6 == Approx(-0.9).epsilon(1e-12));
  CHECK(plan.beta_after == Approx(0.0).margin(1e-12));
}

// ------------------------------------------------------------------ hedge_effect

TEST_CASE("hedge_effect: one-factor volatility and VaR before and after", "[hedge]") {
  const keel::hedge_plan plan = keel::hedge_to_target_beta(1e6, 1.5, {{"SPY", 1.0, 500.0}}, 0.5);
  const double sm = 0.012, se = 0.008;
  const keel::hedge_effect_result e = keel::hedge_effect(plan, sm, se);
  CHECK(e.beta_before == 1.5);
  CHECK(e.beta_after == plan.beta_after);
  CHECK(e.volatility_before == Approx(std::sqrt(1.5 * 1.5 * sm * sm + se * se)).epsilon(1e-15));
  CHECK(e.volatility_after == Approx(std::sqrt(plan.beta_after * plan.beta_after * sm * sm + se * se)).epsilon(1e-15));
  // z_0.95 = 1.6448536269514722 (Abramowitz and Stegun 26.2), zero mean.
  CHECK(e.var_before == Approx(1.6448536269514722 * e.volatility_before).epsilon(1e-14));
  CHECK(e.var_after == Approx(1.6448536269514722 * e.volatility_after).epsilon(1e-14));
  const keel::hedge_effect_result e99 =
      keel::hedge_effect(plan, sm, se, {.confidence = 0.99, .horizon = 10, .value = 1e6});
  CHECK(e99.var_after == Approx(2.3263478740408408 * e.volatility_after * std::sqrt(10.0) * 1e6).epsilon(1e-14));
  // A full hedge to beta 0 leaves the residual risk only.
  const keel::hedge_plan zero = keel::hedge_to_target_beta(1e6, 1.5, {{"SPY", 1.0, 500.0}}, 0.0, fractional());
  CHECK(keel::hedge_effect(zero, sm, se).volatility_after == Approx(se).epsilon(1e-13));
  CHECK_THROWS_WITH(keel::hedge_effect(plan, -0.1, se),
                    Contains("hedge_effect: market_volatility = -0.1 must be non-negative"));
  CHECK_THROWS_WITH(keel::hedge_effect(plan, sm, inf), Contains("residual_volatility = inf"));
  CHECK_THROWS_WITH(keel::hedge_effect(plan, sm, se, {.confidence = 1.5}),
                    Contains("confidence = 1.5 must be in (0, 1)"));
}

// ------------------------------------------------------------------ real data

TEST_CASE("hedge_to_target_beta: a monthly hedge to a quarter of the beta cuts the realised beta by 75%",
          "[hedge][data]") {
  const auto path = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!path) return;
  const keel::price_table prices = keel::read_prices_csv(*path);
  const keel::return_table r = keel::simple_returns(prices);
  const std::vector<std::string> stocks{"AAPL", "AMD", "MSFT", "NVDA", "TSLA"};
  const auto t = static_cast<Eigen::Index>(r.dates.size());
  std::vector<double> portfolio(static_cast<std::size_t>(t)), spy(static_cast<std::size_t>(t));
  for (Eigen::Index i = 0; i < t; ++i) {
    double sum = 0;
    for (const auto& s : stocks) sum += r.returns(i, prices.index_of(s));
    portfolio[static_cast<std::size_t>(i)] = sum / 5;  // equal weights, rebalanced daily
    spy[static_cast<std::size_t>(i)] = r.returns(i, prices.index_of("SPY"));
  }
  const auto spy_price = prices.column("SPY");
  // Each month from January 2021: beta from the prior 90 days, SPY shares held to a quarter
  // of it, the book's value and the hedge's P&L tracked day by day.
  std::vector<double> hedged, unhedged, market;
  double value = 1e6;
  Eigen::Index i = 0;
  while (i < t && r.dates[static_cast<std::size_t>(i)] < std::chrono::year_month_day{std::chrono::year(2021) / 1 / 1})
    ++i;
  int months = 0;
  while (i < t) {
    const auto month = r.dates[static_cast<std::size_t>(i)].year() / r.dates[static_cast<std::size_t>(i)].month();
    const std::span<const double> pw(portfolio.data() + (i - 90), 90), mw(spy.data() + (i - 90), 90);
    const double beta = ols_beta(pw, mw);
    // Yesterday's SPY close prices the hedge (prices row i is the day before returns row i + 1).
    const double spy_close = keel::values(spy_price)[static_cast<std::size_t>(i)];
    const keel::hedge_plan plan = keel::hedge_to_target_beta(value, beta, {{"SPY", 1.0, spy_close, 1, 0.5}}, beta / 4);
    const double shares = plan.quantities[0];
    double price = spy_close;
    for (; i < t && r.dates[static_cast<std::size_t>(i)].year() / r.dates[static_cast<std::size_t>(i)].month() == month;
         ++i) {
      const double rp = portfolio[static_cast<std::size_t>(i)], rm = spy[static_cast<std::size_t>(i)];
      const double pnl = value * rp + shares * price * rm;
      hedged.push_back(pnl / value);
      unhedged.push_back(rp);
      market.push_back(rm);
      value += value * rp;  // the hedge is an overlay: its P&L is booked apart from the book's value
      price *= 1 + rm;
    }
    ++months;
  }
  const double beta_unhedged = ols_beta(unhedged, market);
  const double beta_hedged = ols_beta(hedged, market);
  const double reduction = 1 - beta_hedged / beta_unhedged;
  INFO("months " << months << ", realised beta unhedged " << beta_unhedged << ", hedged " << beta_hedged
                 << ", reduction " << 100 * reduction << "%");
  std::cout << "hedge backtest 2021-2026 (" << months << " monthly hedges, " << hedged.size()
            << " days): realised beta unhedged " << beta_unhedged << ", hedged " << beta_hedged << " ("
            << 100 * reduction << "% lower)\n";
  CHECK(months >= 60);
  CHECK(reduction >= 0.75);
}
