// SPDX-License-Identifier: MIT
// Tests of keel/frontier.hpp: efficient_frontier.
//
// Independent references (tests/support/qp_reference.hpp): a brute force over every active
// set (each weight free or at a bound, each group and linear row inactive or at a side) that
// minimises the variance at each target return, or the mean-variance objective at each
// corner's risk tolerance, and a KKT checker that recovers multipliers by sign-constrained
// least squares. Neither shares code with keel's engine. Real data: ../shared/data
// stock_prices.csv (PyPortfolioOpt's test prices) and us_stocks_etfs_daily_2020_2026.csv, with
// a pairwise sample covariance written in tests/frontier_test_data.cpp.
//
// The test is split over three files of one executable (each translation unit stays small to
// compile): this one holds the random problems (against the brute force, regression seeds,
// monotonicity and convexity); tests/frontier_test_families.cpp holds the closed form, the
// degenerate families, the options and the errors; tests/frontier_test_data.cpp holds the real
// prices. Shared helpers: tests/support/frontier_test_fixtures.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/frontier_test_fixtures.hpp"
#include "support/qp_reference.hpp"

namespace {

using keel_test::frontier_test::data_of;
using keel_test::frontier_test::lambda_of;
using keel_test::frontier_test::random_case;

random_case make_case(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  // N = 2..8, fewer of the largest (the brute force is 3^N).
  static constexpr int sizes[] = {2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6, 7, 8, 3, 4};
  const int n = sizes[seed % 20];
  const int t = seed % 7 == 0 ? std::max(1, n - 1) : 2 * n + 3;
  Eigen::MatrixXd x(t, n);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < n; ++j) x(i, j) = 0.3 * u(rng);
  random_case c;
  c.cov = x.transpose() * x / t;
  c.mu = Eigen::VectorXd::NullaryExpr(n, [&] { return 0.05 + 0.1 * u(rng); });
  const int shape = static_cast<int>((seed / 20) % 4);
  if (shape == 0) c.constraints.bounds = keel::weight_bounds::long_only();
  if (shape == 1) c.constraints.bounds = keel::weight_bounds(-0.3, 0.8);
  if (shape == 2) c.constraints.bounds = keel::weight_bounds(0.0, 0.6);
  if (shape == 3) {
    Eigen::VectorXd lo(n), hi(n);
    for (int j = 0; j < n; ++j) {
      lo(j) = j % 3 == 0 ? -0.2 : 0.0;
      hi(j) = 0.5 + 0.5 * (u(rng) + 1) / 2;
    }
    c.constraints.bounds = keel::weight_bounds(lo, hi);
  }
  if (seed % 3 != 0 && n >= 3) {  // a sector of the even assets with both limits
    for (int j = 0; j < n; ++j) c.constraints.groups.push_back(j % 2 == 0 ? "Tech" : "Other");
    c.constraints.group_limits.push_back({"Tech", 0.1, 0.55});
  }
  if (seed % 2 == 1) {  // a beta-like limit
    keel::linear_constraint lc;
    lc.coefficients = Eigen::VectorXd::NullaryExpr(n, [&] { return 1 + 0.5 * u(rng); });
    lc.relation = keel::constraint_relation::less_equal;
    lc.bound = 1.05;
    lc.name = "beta";
    c.constraints.linear.push_back(lc);
  }
  return c;
}

/// Checks one frontier against the brute force: every corner (at its risk tolerance) and
/// every point (at its return). Returns the number of failures.
int check_against_brute_force(const random_case& c, const keel::frontier<double>& f, double& worst) {
  const auto d = data_of(c);
  int failures = 0;
  const auto record = [&](double diff, double tol) {
    worst = std::max(worst, diff / tol * 1e-9);
    if (!(diff <= tol)) ++failures;
  };
  for (std::size_t k = 0; k < f.corners.size(); ++k) {
    const double lambda = lambda_of(f, k);
    auto dl = d;
    dl.c = lambda * c.mu;
    const auto bf = keel_test::brute_force_qp(dl);
    const Eigen::VectorXd& w = f.corners[k].weights;
    const double obj = 0.5 * w.dot(c.cov * w) - lambda * c.mu.dot(w);
    if (!bf.feasible) {
      ++failures;
      continue;
    }
    record(std::fabs(obj - bf.objective), 1e-9 * (1 + std::fabs(bf.objective)));
    record(keel_test::kkt_residual(dl, w).worst(), 1e-9);
  }
  for (const auto& p : f.points) {
    auto dr = d;
    dr.extra_equality = std::make_pair(c.mu, p.expected_return);
    const auto bf = keel_test::brute_force_qp(dr);
    if (!bf.feasible) {
      ++failures;
      continue;
    }
    // Variances are O(0.01-0.1); 1e-9 absolute (relative 1e-9 below 1).
    record(std::fabs(p.volatility * p.volatility - 2 * bf.objective), 1e-9);
    record(std::fabs(p.weights.dot(c.cov * p.weights) - p.volatility * p.volatility), 1e-12);
    record(keel_test::kkt_residual(dr, p.weights).worst(), 1e-9);
  }
  return failures;
}

}  // namespace

TEST_CASE("efficient_frontier corners and points equal a brute force over all active sets", "[frontier]") {
  // The accuracy test: >= 1,000 random problems with N <= 8 assets, bounds (long-only,
  // a scalar pair with shorts, per-asset vectors), a sector group with both limits and a
  // beta-like linear constraint; a seventh of the covariances singular (T < N). Every corner
  // and every point must equal the brute-force optimum (objective to 1e-9) and satisfy KKT to
  // 1e-9. Problems whose constraints cannot hold must throw infeasible, and the brute force
  // must agree that they are infeasible. The seeds of any failure would be kept below.
#ifdef NDEBUG
  const unsigned problems = 1200;
#else
  const unsigned problems = 150;  // Debug/sanitizer builds: the same code, fewer seeds
#endif
  int failures = 0, infeasible = 0, solved = 0, corners = 0;
  double worst = 0;
  for (unsigned seed = 0; seed < problems; ++seed) {
    const random_case c = make_case(seed);
    INFO("seed " << seed);
    try {
      const auto f = keel::efficient_frontier(c.mu, c.cov, {.points = 4, .bounds = c.constraints, .risk_free = 0.01});
      const int fails = check_against_brute_force(c, f, worst);
      if (fails > 0) {
        UNSCOPED_INFO("seed " << seed << " failed " << fails << " checks");
        failures += fails;
      }
      corners += static_cast<int>(f.corners.size());
      ++solved;
    } catch (const keel::infeasible&) {
      CHECK_FALSE(keel_test::brute_force_qp(data_of(c)).feasible);
      ++infeasible;
    }
  }
  CHECK(failures == 0);
  CHECK(solved >= static_cast<int>(problems) * 9 / 10);
  std::printf("efficient_frontier brute force: %u problems, %d solved (%d corners), %d infeasible, worst %.2e\n",
              problems, solved, corners, infeasible, worst);
}

TEST_CASE("efficient_frontier regression seeds", "[frontier]") {
  // Seeds that once failed during development (a degenerate corner where a bound and a group
  // limit become active at once; a singular covariance), checked always.
  for (unsigned seed : {57u, 247u, 0u, 7u, 14u}) {
    const random_case c = make_case(seed);
    INFO("seed " << seed);
    double worst = 0;
    try {
      const auto f = keel::efficient_frontier(c.mu, c.cov, {.points = 6, .bounds = c.constraints});
      CHECK(check_against_brute_force(c, f, worst) == 0);
    } catch (const keel::infeasible&) {
      CHECK_FALSE(keel_test::brute_force_qp(data_of(c)).feasible);
    }
  }
}

TEST_CASE("efficient_frontier is monotone, piecewise quadratic and convex, with max_sharpe on it", "[frontier]") {
  for (unsigned seed = 1; seed < 120; seed += 3) {
    const random_case c = make_case(seed);
    INFO("seed " << seed);
    keel::frontier<double> f;
    try {
      f = keel::efficient_frontier(c.mu, c.cov, {.points = 40, .bounds = c.constraints, .risk_free = 0.0});
    } catch (const keel::infeasible&) {
      continue;
    }
    for (std::size_t k = 1; k < f.corners.size(); ++k) {
      CHECK(f.corners[k].expected_return >= f.corners[k - 1].expected_return - 1e-12);
      CHECK(f.corners[k].volatility >= f.corners[k - 1].volatility - 1e-12);
    }
    for (std::size_t i = 1; i < f.points.size(); ++i) {
      CHECK(f.points[i].expected_return > f.points[i - 1].expected_return);
      CHECK(f.points[i].volatility >= f.points[i - 1].volatility - 1e-12);
    }
    // Convexity of the variance in the return: second differences of evenly spaced points.
    for (std::size_t i = 2; i < f.points.size(); ++i) {
      const double v0 = f.points[i - 2].volatility * f.points[i - 2].volatility;
      const double v1 = f.points[i - 1].volatility * f.points[i - 1].volatility;
      const double v2 = f.points[i].volatility * f.points[i].volatility;
      CHECK(v0 - 2 * v1 + v2 >= -1e-12);
    }
    // Piecewise quadratic: on each segment the variance at the midpoint return equals the
    // quadratic through the segment's ends with the curvature of the weights' difference.
    for (std::size_t k = 0; k + 1 < f.corners.size(); ++k) {
      const auto& a = f.corners[k];
      const auto& b = f.corners[k + 1];
      if (!(b.expected_return - a.expected_return > 1e-9)) continue;
      const auto mid =
          keel::efficient_return(c.mu, c.cov, 0.5 * (a.expected_return + b.expected_return), c.constraints);
      const Eigen::VectorXd wm = 0.5 * (a.weights + b.weights);
      CHECK((mid.weights - wm).lpNorm<Eigen::Infinity>() <= 1e-9);
      const Eigen::VectorXd dw = b.weights - a.weights;
      const double quad = 0.5 * (a.volatility * a.volatility + b.volatility * b.volatility) - 0.25 * dw.dot(c.cov * dw);
      CHECK(mid.volatility * mid.volatility == Approx(quad).margin(1e-12));
    }
    // max_sharpe is a frontier portfolio (on a segment between corners) and beats every point.
    if (f.max_sharpe) {
      const auto& ms = *f.max_sharpe;
      const auto on = keel::efficient_return(c.mu, c.cov, ms.expected_return, c.constraints);
      CHECK(on.volatility == Approx(ms.volatility).margin(1e-10));
      for (const auto& p : f.points) CHECK(p.sharpe <= ms.sharpe + 1e-10);
      const auto direct = keel::max_sharpe(c.mu, c.cov, c.constraints);
      CHECK((direct.weights - ms.weights).lpNorm<Eigen::Infinity>() <= 1e-12);
    }
  }
}
