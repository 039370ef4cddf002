// SPDX-License-Identifier: MIT
// Tests of keel/frontier.hpp: efficient_frontier.
//
// Independent references (tests/support/qp_reference.hpp): a brute force over every active
// set (each weight free or at a bound, each group and linear row inactive or at a side) that
// minimises the variance at each target return, or the mean-variance objective at each
// corner's risk tolerance, and a KKT checker that recovers multipliers by sign-constrained
// least squares. Neither shares code with keel's engine. Real data: ../shared/data
// stock_prices.csv (PyPortfolioOpt's test prices) and us_stocks_etfs_daily_2020_2026.csv, with
// a pairwise sample covariance written in this file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>
#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/qp_reference.hpp"
#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
constexpr double inf = std::numeric_limits<double>::infinity();

/// A random Markowitz problem: N assets, a covariance from T factor-like observations
/// (singular when T < N), bounds, optionally a sector group and a linear constraint.
struct random_case {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
  keel::portfolio_constraints constraints;
};

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

/// The problem as test-side QP data (variance objective), written from the public
/// constraints independently of keel's own translation.
keel_test::qp_data data_of(const random_case& c) {
  const auto n = c.mu.size();
  keel_test::qp_data d;
  d.q = c.cov;
  d.c = Eigen::VectorXd::Zero(n);
  const auto& b = c.constraints.bounds;
  d.lower = b.lower.size() == 1 ? Eigen::VectorXd::Constant(n, b.lower(0)) : b.lower;
  d.upper = b.upper.size() == 1 ? Eigen::VectorXd::Constant(n, b.upper(0)) : b.upper;
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> lo, hi;
  rows.push_back(Eigen::VectorXd::Ones(n));
  lo.push_back(1);
  hi.push_back(1);
  for (const auto& g : c.constraints.group_limits) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
    for (Eigen::Index j = 0; j < n; ++j) a(j) = c.constraints.groups[static_cast<std::size_t>(j)] == g.group ? 1 : 0;
    rows.push_back(a);
    lo.push_back(g.lower);
    hi.push_back(g.upper);
  }
  for (const auto& l : c.constraints.linear) {
    rows.push_back(l.coefficients);
    lo.push_back(l.relation == keel::constraint_relation::less_equal ? -inf : l.bound);
    hi.push_back(l.relation == keel::constraint_relation::greater_equal ? inf : l.bound);
  }
  d.a.resize(static_cast<Eigen::Index>(rows.size()), n);
  d.row_lower.resize(d.a.rows());
  d.row_upper.resize(d.a.rows());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    d.a.row(static_cast<Eigen::Index>(r)) = rows[r].transpose();
    d.row_lower(static_cast<Eigen::Index>(r)) = lo[r];
    d.row_upper(static_cast<Eigen::Index>(r)) = hi[r];
  }
  return d;
}

/// Pairwise sample covariance (n - 1) of simple returns, annualised x252, and the column
/// returns: the test's own estimator (each pair over the dates both are observed).
Eigen::MatrixXd pairwise_covariance(const Eigen::MatrixXd& prices) {
  const auto t = prices.rows() - 1, n = prices.cols();
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < t; ++i) r(i, j) = prices(i + 1, j) / prices(i, j) - 1;
  Eigen::MatrixXd cov(n, n);
  for (Eigen::Index a = 0; a < n; ++a)
    for (Eigen::Index b = a; b < n; ++b) {
      long double sa = 0, sb = 0, k = 0;
      for (Eigen::Index i = 0; i < t; ++i)
        if (!std::isnan(r(i, a)) && !std::isnan(r(i, b))) {
          sa += r(i, a);
          sb += r(i, b);
          ++k;
        }
      const long double ma = sa / k, mb = sb / k;
      long double s = 0;
      for (Eigen::Index i = 0; i < t; ++i)
        if (!std::isnan(r(i, a)) && !std::isnan(r(i, b))) s += (r(i, a) - ma) * (r(i, b) - mb);
      cov(a, b) = cov(b, a) = static_cast<double>(252 * s / (k - 1));
    }
  return cov;
}

/// The risk tolerance of corner k.
double lambda_of(const keel::frontier<double>& f, std::size_t k) {
  if (f.segments.empty()) return 0;
  return k < f.segments.size() ? f.segments[k].lambda_begin : f.segments.back().lambda_end;
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
      const auto direct = keel::max_sharpe(c.mu, c.cov, 0.0, c.constraints);
      CHECK((direct.weights - ms.weights).lpNorm<Eigen::Infinity>() <= 1e-12);
    }
  }
}

TEST_CASE("efficient_frontier unbounded equals the two-fund closed form", "[frontier]") {
  // Merton (1972): v(r) = (A r^2 - 2 B r + C) / D with A = 1'S^-1 1, B = 1'S^-1 mu,
  // C = mu'S^-1 mu, D = AC - B^2, computed here by explicit solves.
  Eigen::VectorXd mu(4);
  mu << 0.08, 0.12, 0.10, 0.15;
  Eigen::MatrixXd cov(4, 4);
  cov << 0.040, 0.006, 0.012, 0.010, 0.006, 0.090, 0.018, 0.024, 0.012, 0.018, 0.0625, 0.015, 0.010, 0.024, 0.015,
      0.1225;
  const auto f =
      keel::efficient_frontier(mu, cov, {.points = 9, .bounds = keel::weight_bounds::unbounded(), .risk_free = 0.03});
  CHECK(f.unbounded);
  CHECK(f.corners.size() == 1);
  const Eigen::VectorXd s1 = cov.fullPivLu().solve(Eigen::VectorXd::Ones(4));
  const Eigen::VectorXd sm = cov.fullPivLu().solve(mu);
  const double a = s1.sum(), b = sm.sum(), cc = mu.dot(sm), d = a * cc - b * b;
  CHECK(f.min_variance.expected_return == Approx(b / a).epsilon(1e-14));
  CHECK(f.min_variance.volatility == Approx(std::sqrt(1 / a)).epsilon(1e-14));
  for (const auto& p : f.points) {
    const double r = p.expected_return;
    CHECK(p.volatility * p.volatility == Approx((a * r * r - 2 * b * r + cc) / d).epsilon(1e-13));
    const Eigen::VectorXd w = ((cc - b * r) * s1 + (a * r - b) * sm) / d;
    CHECK((p.weights - w).lpNorm<Eigen::Infinity>() <= 1e-13);
  }
  // Points end at the largest asset return.
  CHECK(f.points.back().expected_return == Approx(0.15).epsilon(1e-14));
  REQUIRE(f.max_sharpe);
  const Eigen::VectorXd tangency = cov.fullPivLu().solve((mu.array() - 0.03).matrix());
  CHECK((f.max_sharpe->weights - tangency / tangency.sum()).lpNorm<Eigen::Infinity>() <= 1e-13);
}

TEST_CASE("efficient_frontier degenerate families", "[frontier]") {
  SECTION("equal expected returns: one point, the minimum-variance portfolio") {
    Eigen::VectorXd mu = Eigen::VectorXd::Constant(3, 0.1);
    Eigen::MatrixXd cov(3, 3);
    cov << 0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16;
    const auto f = keel::efficient_frontier(mu, cov, {.points = 10});
    CHECK(f.points.size() == 1);
    CHECK(f.corners.size() == 1);
    const auto mv = keel::min_variance(cov);
    CHECK((f.points[0].weights - mv.weights).lpNorm<Eigen::Infinity>() <= 1e-14);
    CHECK(f.points[0].expected_return == Approx(0.1).epsilon(1e-14));
  }
  SECTION("duplicated assets: the frontier of the distinct assets") {
    Eigen::VectorXd mu(4);
    mu << 0.06, 0.10, 0.10, 0.14;  // assets 1 and 2 identical
    Eigen::MatrixXd cov(4, 4);
    cov << 0.04, 0.01, 0.01, 0.0, 0.01, 0.09, 0.09, 0.02, 0.01, 0.09, 0.09, 0.02, 0.0, 0.02, 0.02, 0.16;
    Eigen::VectorXd mu3(3);
    mu3 << 0.06, 0.10, 0.14;
    Eigen::MatrixXd cov3(3, 3);
    cov3 << 0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16;
    const auto f = keel::efficient_frontier(mu, cov, {.points = 12, .bounds = keel::weight_bounds(0, 0.4)});
    const auto g = keel::efficient_frontier(
        mu3, cov3,
        {.points = 12, .bounds = keel::weight_bounds(Eigen::Vector3d(0, 0, 0), Eigen::Vector3d(0.4, 0.8, 0.4))});
    REQUIRE(f.points.size() == g.points.size());
    for (std::size_t i = 0; i < f.points.size(); ++i) {
      CHECK(f.points[i].expected_return == Approx(g.points[i].expected_return).epsilon(1e-13));
      CHECK(f.points[i].volatility == Approx(g.points[i].volatility).epsilon(1e-12));
      CHECK(f.points[i].weights(1) + f.points[i].weights(2) == Approx(g.points[i].weights(1)).margin(1e-12));
    }
  }
  SECTION("a riskless asset: the frontier starts at it and rises along a straight line") {
    Eigen::VectorXd mu(3);
    mu << 0.02, 0.08, 0.12;
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(3, 3);
    cov.bottomRightCorner(2, 2) << 0.04, 0.012, 0.012, 0.09;
    const auto f = keel::efficient_frontier(mu, cov, {.points = 8, .risk_free = 0.02});
    CHECK(f.min_variance.volatility == Approx(0).margin(1e-15));
    CHECK(f.min_variance.weights(0) == Approx(1).margin(1e-14));
    // Until the riskless weight reaches 0 the points lie on one line through (0, rf).
    REQUIRE(f.max_sharpe);
    const double slope = f.max_sharpe->sharpe;
    for (const auto& p : f.points)
      if (p.weights(0) > 1e-9 && p.volatility > 0)
        CHECK((p.expected_return - 0.02) / p.volatility == Approx(slope).epsilon(1e-10));
    // max_sharpe is the far end of that line: the tangency portfolio of the risky assets.
    CHECK(f.max_sharpe->weights(0) == Approx(0).margin(1e-12));
    const auto risky = keel::two_asset_tangency(0.08, 0.12, 0.2, 0.3, 0.2, 0.02);
    CHECK(f.max_sharpe->weights(1) == Approx(risky.weights(0)).epsilon(1e-12));
  }
  SECTION("two assets, long-only: the analytic minimum variance and a straight corner list") {
    Eigen::Vector2d mu(0.07, 0.11);
    Eigen::Matrix2d cov;
    cov << 0.0225, 0.3 * 0.15 * 0.25, 0.3 * 0.15 * 0.25, 0.0625;
    const auto f = keel::efficient_frontier(mu, cov, {.points = 5});
    const auto mv = keel::two_asset_min_variance(0.15, 0.25, 0.3);
    CHECK((f.min_variance.weights - mv.weights).lpNorm<Eigen::Infinity>() <= 1e-14);
    REQUIRE(f.corners.size() == 2);
    CHECK(f.corners.back().weights(1) == Approx(1).margin(1e-15));
  }
}

TEST_CASE("efficient_frontier options and errors", "[frontier]") {
  Eigen::Vector3d mu(0.05, 0.08, 0.12);
  Eigen::Matrix3d cov;
  cov << 0.04, 0.01, 0.0, 0.01, 0.09, 0.02, 0.0, 0.02, 0.16;
  CHECK_THROWS_WITH(keel::efficient_frontier(mu, cov, {.points = 0}),
                    Contains("efficient_frontier: points = 0 must be at least 1"));
  CHECK_THROWS_AS(keel::efficient_frontier(mu, cov, {.risk_free = inf}), keel::invalid_input);
  const Eigen::Vector2d short_mu(0.1, 0.2);
  CHECK_THROWS_WITH(keel::efficient_frontier(short_mu, cov), Contains("mu has 2 values but cov has 3"));
  keel::portfolio_constraints sectors{.bounds = keel::weight_bounds(0.15, 1.0),
                                      .groups = {"Technology", "Technology", "Energy"},
                                      .group_limits = {{"Technology", 0.0, 0.2}}};
  CHECK_THROWS_AS(keel::efficient_frontier(mu, cov, {.bounds = sectors}), keel::infeasible);
  CHECK_THROWS_WITH(keel::efficient_frontier(mu, cov, {.bounds = sectors}),
                    Contains("group Technology max 0.2, but the lower bounds of its members sum to 0.3"));
  const auto one = keel::efficient_frontier(mu, cov, {.points = 1});
  CHECK(one.points.size() == 1);
  CHECK(one.points[0].volatility == Approx(one.min_variance.volatility).epsilon(1e-14));
  // Segments name their active constraints; the first (long-only) segment has the budget.
  const auto f = keel::efficient_frontier(mu, cov);
  REQUIRE_FALSE(f.segments.empty());
  CHECK(std::find(f.segments[0].active.begin(), f.segments[0].active.end(),
                  keel::active_constraint{keel::constraint_kind::budget, 0}) != f.segments[0].active.end());
  CHECK(f.segments.size() + 1 == f.corners.size());
  CHECK(f.points.size() == 50);
  CHECK(f.corners.back().weights(2) == Approx(1).margin(1e-15));  // the largest return, all in
}

TEST_CASE("efficient_frontier on real prices: long-only and sector-limited, KKT at every corner", "[frontier][data]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto other = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!other) return;
  for (const auto& file : {*path, *other}) {
    const keel::price_table prices = keel::read_prices_csv(file);
    const Eigen::VectorXd mu = keel::mean_historical_return(prices);
    const Eigen::MatrixXd cov = pairwise_covariance(prices.prices);
    const auto n = mu.size();
    std::vector<keel::portfolio_constraints> cases;
    cases.push_back({});  // long-only, fully invested
    keel::portfolio_constraints sectors{.bounds = keel::weight_bounds(0.0, 0.3)};
    for (Eigen::Index j = 0; j < n; ++j) sectors.groups.push_back(j % 3 == 0 ? "A" : j % 3 == 1 ? "B" : "C");
    sectors.group_limits = {{"A", 0.1, 0.4}, {"B", 0.0, 0.35}};
    cases.push_back(sectors);
    for (const auto& constraints : cases) {
      const auto f = keel::efficient_frontier(mu, cov, {.points = 20, .bounds = constraints, .risk_free = 0.02});
      random_case c{mu, cov, constraints};
      const auto d = data_of(c);
      INFO(file.filename().string() << " corners " << f.corners.size());
      CHECK(f.corners.size() >= 2);
      for (std::size_t k = 0; k < f.corners.size(); ++k) {
        const double lambda = lambda_of(f, k);
        auto dl = d;
        dl.c = lambda * mu;
        CHECK(keel_test::kkt_residual(dl, f.corners[k].weights).worst() <= 1e-9);
      }
      CHECK(keel_test::kkt_residual(d, f.min_variance.weights).worst() <= 1e-9);
      REQUIRE(f.max_sharpe);
      const auto ms = keel::max_sharpe(mu, cov, 0.02, constraints);
      CHECK(ms.sharpe == Approx(f.max_sharpe->sharpe).epsilon(1e-12));
      auto dr = d;
      dr.extra_equality = std::make_pair(mu, ms.expected_return);
      CHECK(keel_test::kkt_residual(dr, ms.weights).worst() <= 1e-9);
      for (const auto& p : f.points) CHECK(p.sharpe <= ms.sharpe + 1e-12);
    }
  }
}
