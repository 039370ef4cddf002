// SPDX-License-Identifier: MIT
// Tests of keel/construction.hpp's constrained risk budgeting (issue 19): bounds, group limits
// and linear constraints on Spinu's problem, homogenised as skfolio and Riskfolio-Lib do.
//
// Independent references: the KKT conditions of min 1/2 x'Sx - b'log x over the cone
// {x : (a - beta 1)'x <= 0} checked here from the weights alone (x = w / sigma(w), the
// multipliers recomputed by least squares on the active rows); a log-barrier interior-point
// method written here (a different algorithm: no working set, Newton on the barrier problem
// with mu -> 1e-14); the two-asset closed form with a binding bound; the unconstrained answer
// where nothing binds. Covariances come from random factor models (seeded std::mt19937_64).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/construction.hpp>
#include <keel/volatility.hpp>

#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;

Eigen::MatrixXd factor_covariance(Eigen::Index n, Eigen::Index k, std::mt19937_64& rng) {
  std::normal_distribution<double> loading(0.0, 0.2);
  std::uniform_real_distribution<double> specific(0.01, 0.05);
  Eigen::MatrixXd b(n, k);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < k; ++j) b(i, j) = loading(rng);
  Eigen::MatrixXd s = b * b.transpose();
  for (Eigen::Index i = 0; i < n; ++i) s(i, i) += specific(rng);
  return s;
}

std::vector<double> random_budgets(Eigen::Index n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.1, 1.0);
  std::vector<double> b(static_cast<std::size_t>(n));
  for (auto& x : b) x = u(rng);
  return b;
}

Eigen::VectorXd normalised(const std::vector<double>& b, Eigen::Index n) {
  if (b.empty()) return Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  Eigen::VectorXd v = Eigen::Map<const Eigen::VectorXd>(b.data(), static_cast<Eigen::Index>(b.size()));
  return v / v.sum();
}

/// A constraint r'w <= 0 on the weights' cone (r = a - beta 1, or its negative for >=), or
/// r'w = 0.
struct cone_row {
  Eigen::VectorXd r;
  bool equality = false;
};

/// The rows of portfolio_constraints, written here from the caller's terms.
std::vector<cone_row> cone_rows(const keel::portfolio_constraints& pc, Eigen::Index n) {
  std::vector<cone_row> rows;
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
  const auto add = [&](const Eigen::VectorXd& a, double lo, double hi) {
    if (lo == hi) {
      rows.push_back({a - lo * ones, true});
      return;
    }
    if (std::isfinite(hi)) rows.push_back({a - hi * ones, false});
    if (std::isfinite(lo)) rows.push_back({lo * ones - a, false});
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    const double lo = pc.bounds.lower.size() == 1 ? pc.bounds.lower(0) : pc.bounds.lower(i);
    const double hi = pc.bounds.upper.size() == 1 ? pc.bounds.upper(0) : pc.bounds.upper(i);
    add(Eigen::VectorXd::Unit(n, i), lo, hi);
  }
  for (const auto& g : pc.group_limits) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
    for (Eigen::Index i = 0; i < n; ++i)
      if (pc.groups[static_cast<std::size_t>(i)] == g.group) a(i) = 1;
    add(a, g.lower, g.upper);
  }
  for (const auto& l : pc.linear) {
    const double inf = std::numeric_limits<double>::infinity();
    add(l.coefficients, l.relation == keel::constraint_relation::less_equal ? -inf : l.bound,
        l.relation == keel::constraint_relation::greater_equal ? inf : l.bound);
  }
  return rows;
}

/// The KKT conditions of min 1/2 x'Sx - b'log x over the cone, at x = w / sigma(w) (the
/// optimal point of w's ray), on the assets of positive budget: feasibility r'x <= tol,
/// stationarity g + sum lambda_k r_k = 0 with g = Sx - b / x and the multipliers recomputed
/// by least squares on the active rows, lambda >= 0 for inequalities, lambda_k r_k'x = 0.
/// Returns the largest violation.
double kkt_violation(const Eigen::VectorXd& w, const Eigen::MatrixXd& s, const Eigen::VectorXd& b,
                     const std::vector<cone_row>& rows) {
  std::vector<Eigen::Index> held;
  for (Eigen::Index i = 0; i < b.size(); ++i)
    if (b(i) > 0) held.push_back(i);
  const Eigen::VectorXd x = w / std::sqrt(w.dot(s * w));
  const Eigen::VectorXd sx = s * x;
  Eigen::VectorXd g(static_cast<Eigen::Index>(held.size()));
  for (std::size_t j = 0; j < held.size(); ++j) g(static_cast<Eigen::Index>(j)) = sx(held[j]) - b(held[j]) / x(held[j]);
  double worst = 0;
  std::vector<std::size_t> active;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const double v = rows[k].r.dot(x) / (1 + rows[k].r.cwiseAbs().dot(x.cwiseAbs()));
    worst = std::max(worst, rows[k].equality ? std::fabs(v) : v);  // feasibility
    if (rows[k].equality || v >= -1e-9) active.push_back(k);
  }
  for (const auto i : held) worst = std::max(worst, -x(i));
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (b(i) == 0) worst = std::max(worst, std::fabs(w(i)));
  Eigen::MatrixXd a(g.size(), static_cast<Eigen::Index>(active.size()));
  for (std::size_t k = 0; k < active.size(); ++k)
    for (std::size_t j = 0; j < held.size(); ++j)
      a(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(k)) = rows[active[k]].r(held[j]);
  Eigen::VectorXd lambda = Eigen::VectorXd::Zero(a.cols());
  if (a.cols() > 0) lambda = a.completeOrthogonalDecomposition().solve(-g);
  const Eigen::VectorXd residual = g + a * lambda;
  worst = std::max(worst, residual.cwiseAbs().maxCoeff() / (1 + g.cwiseAbs().maxCoeff()));
  for (std::size_t k = 0; k < active.size(); ++k) {
    if (!rows[active[k]].equality) worst = std::max(worst, -lambda(static_cast<Eigen::Index>(k)));
    worst = std::max(worst, std::fabs(lambda(static_cast<Eigen::Index>(k)) * rows[active[k]].r.dot(x)));
  }
  return worst;
}

/// An independent solver: the log-barrier method on min 1/2 x'Sx - b'log x - mu sum_k
/// log(-r_k'x) (inequality rows only), Newton with backtracking, mu from 1e-2 down to 1e-15,
/// from a strictly feasible x0 > 0. Returns w = x / 1'x.
Eigen::VectorXd barrier_risk_budgeting(const Eigen::MatrixXd& s, const Eigen::VectorXd& b,
                                       const std::vector<cone_row>& rows, Eigen::VectorXd x) {
  const Eigen::Index n = s.rows();
  const auto m = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd r(m, n);
  for (Eigen::Index k = 0; k < m; ++k) r.row(k) = rows[static_cast<std::size_t>(k)].r.transpose();
  const auto inside = [&](const Eigen::VectorXd& y) { return (y.array() > 0).all() && ((r * y).array() < 0).all(); };
  REQUIRE(inside(x));
  for (double mu = 1e-2; mu >= 1e-15; mu /= 10) {
    const auto f = [&](const Eigen::VectorXd& y) {
      return y.dot(s * y) / 2 - (b.array() * y.array().log()).sum() - mu * (-(r * y).array()).log().sum();
    };
    for (int it = 0; it < 100; ++it) {
      const Eigen::VectorXd slack = -(r * x);
      const Eigen::VectorXd g = s * x - b.cwiseQuotient(x) + mu * r.transpose() * slack.cwiseInverse();
      Eigen::MatrixXd h = s;
      h.diagonal() += b.cwiseQuotient(x.cwiseAbs2());
      h += mu * r.transpose() * slack.cwiseAbs2().cwiseInverse().asDiagonal() * r;
      const Eigen::VectorXd dx = -h.ldlt().solve(g);
      const double decrement = -g.dot(dx);
      if (decrement < 1e-30) break;
      double t = 1;
      while (!inside(x + t * dx) || f(x + t * dx) > f(x) - 0.25 * t * decrement) {
        t /= 2;
        if (t < 1e-20) break;
      }
      if (t < 1e-20) break;
      x += t * dx;
    }
  }
  return x / x.sum();
}

double contribution_error(const Eigen::VectorXd& w, const Eigen::MatrixXd& s, const Eigen::VectorXd& b) {
  return (keel::risk_contributions(w, s).fractions - b).cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("risk_budgeting constraints: the default and slack constraints give the unconstrained answer, bit for bit",
          "[construction]") {
  std::mt19937_64 rng(19);
  const Eigen::MatrixXd s = factor_covariance(20, 3, rng);
  const std::vector<double> budgets = random_budgets(20, rng);
  const auto p = keel::risk_budgeting(s, {.budgets = budgets});
  const auto q = keel::risk_budgeting(s, {.budgets = budgets, .constraints = keel::weight_bounds::long_only()});
  CHECK(p.weights == q.weights);
  // Bounds, a group limit and a linear constraint that the solution already keeps.
  keel::portfolio_constraints pc{keel::weight_bounds(-1.0, p.weights.maxCoeff() + 1e-3)};
  pc.groups.assign(20, "b");
  for (std::size_t i = 0; i < 10; ++i) pc.groups[i] = "a";
  pc.group_limits = {{"a", 0.0, p.weights.head(10).sum() + 1e-3}};
  pc.linear = {{Eigen::VectorXd::LinSpaced(20, 0.5, 1.5), keel::constraint_relation::greater_equal,
                Eigen::VectorXd::LinSpaced(20, 0.5, 1.5).dot(p.weights) - 1e-3, "beta"}};
  const auto r = keel::risk_budgeting(s, {.budgets = budgets, .constraints = pc});
  CHECK(r.weights == p.weights);
  CHECK(contribution_error(r.weights, s, normalised(budgets, 20)) <= 1e-10);
}

TEST_CASE("risk_budgeting constraints: two assets with a binding upper bound (closed form)", "[construction]") {
  // ERC gives w1 = s2 / (s1 + s2) = 5/7; with w1 <= u1 = 0.6 the answer is (u1, 1 - u1) and
  // the bound's multiplier on the cone x1 - u1 (x1 + x2) <= 0 is lambda = ((Sx)_2 - b2 / x2) / u1
  // at x = w / sigma(w).
  const double s1 = 0.12, s2 = 0.3, rho = 0.3, u1 = 0.6;
  Eigen::Matrix2d cov;
  cov << s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2;
  const keel::weight_bounds bounds(0.0, 1.0);
  const keel::risk_budgeting_options options{
      .constraints = {bounds,
                      keel::budget_rule::fully_invested,
                      {},
                      {},
                      {{Eigen::VectorXd::Unit(2, 0), keel::constraint_relation::less_equal, u1, "w1 cap"}}}};
  const auto p = keel::risk_budgeting(cov, options);
  CHECK(std::fabs(p.weights(0) - u1) <= 1e-15);
  CHECK(std::fabs(p.weights(1) - (1 - u1)) <= 1e-15);
  const Eigen::VectorXd x = p.weights / std::sqrt(p.weights.dot(cov * p.weights));
  const Eigen::VectorXd sx = cov * x;
  const double lambda = (sx(1) - 0.5 / x(1)) / u1;
  CHECK(lambda > 0);
  // Stationarity of the first coordinate with that multiplier: (Sx)_1 - b1 / x1 + lambda (1 - u1) = 0.
  CHECK(std::fabs(sx(0) - 0.5 / x(0) + lambda * (1 - u1)) <= 1e-14);
  // The attained contributions: asset 1 carries less than its budget.
  const auto rc = keel::risk_contributions(p.weights, cov);
  CHECK(rc.fractions(0) < 0.5);
  CHECK(p.volatility == Approx(std::sqrt(p.weights.dot(cov * p.weights))).epsilon(1e-15));
}

TEST_CASE("risk_budgeting constraints: random bounds, KKT to 1e-10 and an interior-point solver agree",
          "[construction]") {
  std::mt19937_64 rng(2019);
  int binding = 0;
  for (const Eigen::Index n : {Eigen::Index{3}, Eigen::Index{8}, Eigen::Index{30}}) {
    for (int trial = 0; trial < 6; ++trial) {
      const Eigen::MatrixXd s = factor_covariance(n, 3, rng);
      const std::vector<double> budgets = random_budgets(n, rng);
      const Eigen::VectorXd b = normalised(budgets, n);
      const auto free = keel::risk_budgeting(s, {.budgets = budgets});
      // Upper bounds below the free weights of a third of the assets, lower bounds above
      // some others: strictly feasible for equal weights 1 / N.
      std::uniform_real_distribution<double> u(0.0, 1.0);
      Eigen::VectorXd lo = Eigen::VectorXd::Zero(n), hi = Eigen::VectorXd::Ones(n);
      const double eq = 1.0 / static_cast<double>(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        const double wi = free.weights(i), pick = u(rng);
        if (pick < 0.33 && wi > 1.2 * eq) hi(i) = eq + (wi - eq) * (0.2 + 0.6 * u(rng));
        if (pick > 0.67 && wi < 0.8 * eq) lo(i) = wi + (eq - wi) * (0.2 + 0.6 * u(rng));
      }
      const keel::portfolio_constraints pc{keel::weight_bounds(lo, hi)};
      const auto p = keel::risk_budgeting(s, {.budgets = budgets, .constraints = pc});
      INFO("N = " << n << ", trial " << trial);
      REQUIRE(p.weights.size() == n);
      CHECK(std::fabs(p.weights.sum() - 1) <= 1e-14);
      CHECK((p.weights - hi).maxCoeff() <= 1e-15);
      CHECK((lo - p.weights).maxCoeff() <= 1e-15);
      const auto rows = cone_rows(pc, n);
      CHECK(kkt_violation(p.weights, s, b, rows) <= 1e-10);
      const Eigen::VectorXd w = barrier_risk_budgeting(s, b, rows, Eigen::VectorXd::Constant(n, eq));
      CHECK((p.weights - w).cwiseAbs().maxCoeff() <= 1e-10);
      if (contribution_error(p.weights, s, b) > 1e-6) ++binding;
    }
  }
  CHECK(binding >= 12);  // the constraints did bind
}

TEST_CASE("risk_budgeting constraints: group limits and a linear constraint", "[construction]") {
  std::mt19937_64 rng(77);
  const Eigen::Index n = 12;
  const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
  const Eigen::VectorXd b = normalised({}, n);
  const auto free = keel::risk_budgeting(s);
  keel::portfolio_constraints pc;
  pc.groups = {"a", "a", "a", "a", "b", "b", "b", "b", "c", "c", "c", "c"};
  const double a_free = free.weights.head(4).sum();
  pc.group_limits = {{"a", 0.0, 0.8 * a_free}, {"c", 0.3, 0.5}};
  const auto p = keel::risk_budgeting(s, {.constraints = pc});
  const auto rows = cone_rows(pc, n);
  CHECK(kkt_violation(p.weights, s, b, rows) <= 1e-10);
  CHECK(p.weights.head(4).sum() <= pc.group_limits[0].upper + 1e-15);
  CHECK(std::fabs(p.weights.head(4).sum() - pc.group_limits[0].upper) <= 1e-15);  // it binds
  // A strictly feasible start for the barrier: group a at 90% of its limit, c at 0.4.
  Eigen::VectorXd start(n);
  start << Eigen::VectorXd::Constant(4, 0.9 * pc.group_limits[0].upper / 4),
      Eigen::VectorXd::Constant(4, (0.6 - 0.9 * pc.group_limits[0].upper) / 4), Eigen::VectorXd::Constant(4, 0.1);
  const Eigen::VectorXd w = barrier_risk_budgeting(s, b, rows, start);
  CHECK((p.weights - w).cwiseAbs().maxCoeff() <= 1e-10);
  // An equality (a "beta" exactly 1.1) and a zero budget.
  keel::portfolio_constraints eq;
  eq.linear = {{Eigen::VectorXd::LinSpaced(n, 0.6, 1.6), keel::constraint_relation::equal, 1.2, "beta"}};
  std::vector<double> budgets(static_cast<std::size_t>(n), 1.0);
  budgets[3] = 0;
  const auto q = keel::risk_budgeting(s, {.budgets = budgets, .constraints = eq});
  CHECK(std::fabs(Eigen::VectorXd::LinSpaced(n, 0.6, 1.6).dot(q.weights) - 1.2) <= 1e-14);
  CHECK(q.weights(3) == 0);
  CHECK(kkt_violation(q.weights, s, normalised(budgets, n), cone_rows(eq, n)) <= 1e-10);
}

TEST_CASE("risk_budgeting constraints: permuting the assets permutes the constrained weights", "[construction]") {
  std::mt19937_64 rng(5);
  const Eigen::Index n = 10;
  const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
  const std::vector<double> budgets = random_budgets(n, rng);
  const auto free = keel::risk_budgeting(s, {.budgets = budgets});
  const Eigen::VectorXd hi = Eigen::VectorXd::Constant(n, 0.95 * free.weights.maxCoeff());
  const auto p =
      keel::risk_budgeting(s, {.budgets = budgets, .constraints = keel::weight_bounds(Eigen::VectorXd::Zero(n), hi)});
  std::vector<Eigen::Index> order{3, 7, 0, 9, 1, 5, 2, 8, 6, 4};
  std::vector<double> bp;
  for (const auto i : order) bp.push_back(budgets[static_cast<std::size_t>(i)]);
  const Eigen::MatrixXd sp = s(order, order);
  const auto q =
      keel::risk_budgeting(sp, {.budgets = bp, .constraints = keel::weight_bounds(Eigen::VectorXd::Zero(n), hi)});
  const Eigen::VectorXd permuted = p.weights(order);
  CHECK((q.weights - permuted).cwiseAbs().maxCoeff() <= 1e-13);
}

TEST_CASE("risk_budgeting constraints: errors", "[construction]") {
  Eigen::Matrix3d cov;
  cov << 0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16;
  keel::portfolio_constraints neutral{keel::weight_bounds(-1.0, 1.0), keel::budget_rule::market_neutral};
  CHECK_THROWS_AS(keel::risk_budgeting(cov, {.constraints = neutral}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.constraints = neutral}),
                    Contains("risk_budgeting: constraints.budget is market_neutral"));
  keel::portfolio_constraints none{keel::weight_bounds(0.0, 1.0), keel::budget_rule::none};
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.constraints = none}), Contains("constraints.budget is none"));
  // Upper bounds that sum below 1 (markowitz.hpp's loader names them).
  CHECK_THROWS_AS(keel::risk_budgeting(cov, {.constraints = keel::weight_bounds(0.0, 0.25)}), keel::infeasible);
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.constraints = keel::weight_bounds(0.0, 0.25)}),
                    Contains("upper bounds sum to 0.75"));
  // An asset of positive budget that may not be held.
  Eigen::VectorXd shut_hi(3);
  shut_hi << 1, 0, 1;
  const keel::weight_bounds shut(Eigen::VectorXd::Zero(3), shut_hi);
  CHECK_THROWS_AS(keel::risk_budgeting(cov, {.constraints = shut}), keel::infeasible);
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.constraints = shut}),
                    Contains("leave no portfolio that holds every asset of positive budget") && Contains("w[1] = 0") &&
                        Contains("w[1] > 0"));
  // Groups that cannot both hold.
  keel::portfolio_constraints groups;
  groups.groups = {"a", "b", "b"};
  groups.group_limits = {{"a", 0.6, 1.0}, {"b", 0.5, 1.0}};
  CHECK_THROWS_AS(keel::risk_budgeting(cov, {.constraints = groups}), keel::infeasible);
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.constraints = groups}), Contains("group a") && Contains("group b"));
  // A zero budget with a positive lower bound.
  Eigen::VectorXd held_lo(3);
  held_lo << 0, 0.1, 0;
  const keel::weight_bounds held(held_lo, Eigen::VectorXd::Ones(3));
  CHECK_THROWS_AS(keel::risk_budgeting(cov, {.budgets = {1, 0, 1}, .constraints = held}), keel::infeasible);
  CHECK_THROWS_WITH(keel::risk_budgeting(cov, {.budgets = {1, 0, 1}, .constraints = held}),
                    Contains("budgets[1] is 0, which gives w[1] = 0, but its bounds are [0.1, 1]"));
  // Bounds of the wrong size.
  CHECK_THROWS_AS(keel::risk_budgeting(
                      cov, {.constraints = keel::weight_bounds(Eigen::VectorXd::Zero(2), Eigen::VectorXd::Ones(2))}),
                  keel::invalid_input);
}

TEST_CASE("risk_budgeting: two assets with budgets b, 1 - b (Roncalli's closed form)", "[construction]") {
  // Roncalli (2013), sec. 2.2.1 (after Maillard, Roncalli and Teiletche 2010): w1 =
  // [(b - 1/2) rho s1 s2 - b s2^2 + s1 s2 sqrt((b - 1/2)^2 rho^2 + b (1 - b))] /
  // [(1 - b) s1^2 - b s2^2 + 2 (b - 1/2) rho s1 s2].
  const double s1 = 0.2, s2 = 0.1;
  for (const double b : {0.1, 0.3, 0.7, 0.9}) {
    for (const double rho : {-0.8, -0.2, 0.0, 0.5, 0.95}) {
      Eigen::Matrix2d cov;
      cov << s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2;
      const double w1 = ((b - 0.5) * rho * s1 * s2 - b * s2 * s2 +
                         s1 * s2 * std::sqrt((b - 0.5) * (b - 0.5) * rho * rho + b * (1 - b))) /
                        ((1 - b) * s1 * s1 - b * s2 * s2 + 2 * (b - 0.5) * rho * s1 * s2);
      const auto p = keel::risk_budgeting(cov, {.budgets = {b, 1 - b}});
      INFO("b = " << b << ", rho = " << rho);
      CHECK(std::fabs(p.weights(0) - w1) <= 1e-14);
      CHECK(std::fabs(p.weights(1) - (1 - w1)) <= 1e-14);
    }
  }
}

TEST_CASE("risk_budgeting: ERC of the sample covariance of stock_prices.csv (peers' convention)", "[construction]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  // Daily simple returns of the dates on which every asset has a price, and the one before
  // (pandas' prices.pct_change().dropna(), riskParityPortfolio's and skfolio's input); the
  // sample covariance (n - 1) of those returns.
  std::ifstream in(*path);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<double>> rows;
  std::vector<bool> complete;
  Eigen::Index n = 0;
  while (std::getline(in, line)) {
    std::stringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');  // the date
    std::vector<double> prices;
    bool all = true;
    while (std::getline(cells, cell, ',')) {
      prices.push_back(cell.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(cell));
      all = all && !cell.empty();
    }
    if (!line.empty() && line.back() == ',') {
      prices.push_back(std::numeric_limits<double>::quiet_NaN());
      all = false;
    }
    n = static_cast<Eigen::Index>(prices.size());
    rows.push_back(prices);
    complete.push_back(all);
  }
  std::vector<Eigen::VectorXd> returns;
  for (std::size_t t = 1; t < rows.size(); ++t) {
    if (!complete[t] || !complete[t - 1]) continue;
    Eigen::VectorXd r(n);
    for (Eigen::Index i = 0; i < n; ++i)
      r(i) = rows[t][static_cast<std::size_t>(i)] / rows[t - 1][static_cast<std::size_t>(i)] - 1;
    returns.push_back(r);
  }
  REQUIRE(n == 20);
  REQUIRE(returns.size() > 800);  // from BABA's listing (2014-09-19)
  Eigen::MatrixXd r(static_cast<Eigen::Index>(returns.size()), n);
  for (std::size_t t = 0; t < returns.size(); ++t) r.row(static_cast<Eigen::Index>(t)) = returns[t].transpose();
  const Eigen::MatrixXd centred = r.rowwise() - r.colwise().mean();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(r.rows() - 1);
  const auto p = keel::risk_budgeting(cov);
  const Eigen::VectorXd equal = Eigen::VectorXd::Constant(n, 1.0 / 20);
  CHECK(contribution_error(p.weights, cov, equal) <= 1e-10);
  CHECK(std::fabs(p.weights.sum() - 1) <= 1e-14);
  // Permuting the assets permutes the weights.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  std::iota(order.rbegin(), order.rend(), Eigen::Index{0});
  std::swap(order[3], order[11]);
  const Eigen::MatrixXd permuted = cov(order, order);
  const auto q = keel::risk_budgeting(permuted);
  const Eigen::VectorXd expected = p.weights(order);
  CHECK((q.weights - expected).cwiseAbs().maxCoeff() <= 1e-13);
  // Capped at 8% a name: the constrained problem, checked by its KKT conditions.
  const keel::portfolio_constraints capped{keel::weight_bounds(0.0, 0.08)};
  const auto c = keel::risk_budgeting(cov, {.constraints = capped});
  CHECK(c.weights.maxCoeff() <= 0.08 + 1e-15);
  CHECK(kkt_violation(c.weights, cov, equal, cone_rows(capped, n)) <= 1e-10);
}

TEST_CASE("risk_budgeting constraints: float, long double and the out form agree with double", "[construction]") {
  std::mt19937_64 rng(31);
  const Eigen::Index n = 9;
  const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
  const auto free = keel::risk_budgeting(s);
  const keel::risk_budgeting_options options{.constraints = keel::weight_bounds(0.0, 0.9 * free.weights.maxCoeff())};
  const auto pd = keel::risk_budgeting(s, options);
  CHECK(pd.weights.maxCoeff() <= 0.9 * free.weights.maxCoeff() + 1e-15);
  using matrix_ld = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  const auto pl = keel::risk_budgeting(matrix_ld(s.cast<long double>()), options);
  CHECK((pl.weights.cast<double>() - pd.weights).cwiseAbs().maxCoeff() <= 1e-14);
  const auto pf = keel::risk_budgeting(Eigen::MatrixXf(s.cast<float>()), options);
  CHECK((pf.weights.cast<double>() - pd.weights).cwiseAbs().maxCoeff() <= 1e-6);
  // The out form, reused across problems of different sizes and constraints.
  keel::portfolio<double> out;
  keel::risk_budgeting_workspace<double> ws;
  keel::risk_budgeting(Eigen::MatrixXd(s.topLeftCorner(4, 4)), out, ws);
  CHECK(out.weights.size() == 4);
  keel::risk_budgeting(s, out, ws, options);
  CHECK(out.weights == pd.weights);
  CHECK(out.volatility == pd.volatility);
  // A failed call leaves out as it was.
  CHECK_THROWS_AS(keel::risk_budgeting(s, out, ws, {.budgets = {1, 2}}), keel::invalid_input);
  CHECK(out.weights == pd.weights);
}
