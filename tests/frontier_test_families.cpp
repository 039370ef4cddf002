// SPDX-License-Identifier: MIT
// Part of frontier_test (tests/frontier_test.cpp describes the whole test): the unbounded
// frontier against Merton's two-fund closed form, the degenerate families (equal returns,
// duplicated assets, a riskless asset, two assets), the options and the errors, and mu as any
// Series.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
constexpr double inf = std::numeric_limits<double>::infinity();

}  // namespace

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
    const auto risky = keel::two_asset_tangency(0.08, 0.12, 0.2, 0.3, 0.2, {.risk_free = 0.02});
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

TEMPLATE_TEST_CASE("efficient_frontier takes mu as any Series, with Eigen's numbers", "[frontier]",
                   KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const std::vector<double> values{0.08, 0.12, 0.10, 0.15};
  Eigen::MatrixXd cov(4, 4);
  cov << 0.040, 0.006, 0.012, 0.010, 0.006, 0.090, 0.018, 0.024, 0.012, 0.018, 0.0625, 0.015, 0.010, 0.024, 0.015,
      0.1225;
  const TestType mu(values);
  const Eigen::Matrix<real, Eigen::Dynamic, 1> mu_eigen =
      Eigen::Map<const Eigen::VectorXd>(values.data(), 4).template cast<real>();
  const auto same = [](const auto& a, const auto& b) {
    CHECK(a.weights == b.weights);
    CHECK(a.expected_return == b.expected_return);
    CHECK(a.volatility == b.volatility);
    CHECK(a.sharpe == b.sharpe);
  };
  for (const keel::portfolio_constraints& pc :
       {keel::portfolio_constraints{}, keel::portfolio_constraints{keel::weight_bounds::unbounded()},
        keel::portfolio_constraints{keel::weight_bounds(0, 0.4)}}) {
    const keel::frontier_options o{.points = 7, .bounds = pc, .risk_free = 0.02};
    const auto f = keel::efficient_frontier(mu.series(), cov, o);
    const auto g = keel::efficient_frontier(mu_eigen, cov, o);
    STATIC_REQUIRE(std::is_same_v<decltype(f), decltype(g)>);
    CHECK(f.unbounded == g.unbounded);
    REQUIRE(f.points.size() == g.points.size());
    for (std::size_t i = 0; i < f.points.size(); ++i) same(f.points[i], g.points[i]);
    REQUIRE(f.corners.size() == g.corners.size());
    for (std::size_t i = 0; i < f.corners.size(); ++i) same(f.corners[i], g.corners[i]);
    REQUIRE(f.segments.size() == g.segments.size());
    for (std::size_t i = 0; i < f.segments.size(); ++i) {
      CHECK(f.segments[i].lambda_begin == g.segments[i].lambda_begin);
      CHECK(f.segments[i].lambda_end == g.segments[i].lambda_end);
      CHECK(f.segments[i].active == g.segments[i].active);
    }
    same(f.min_variance, g.min_variance);
    REQUIRE(f.max_sharpe.has_value() == g.max_sharpe.has_value());
    if (f.max_sharpe) same(*f.max_sharpe, *g.max_sharpe);
  }
  const TestType short_mu(std::vector<double>{0.1, 0.2});
  CHECK_THROWS_WITH(keel::efficient_frontier(short_mu.series(), cov), Contains("mu has 2 values but cov has 4"));
}
