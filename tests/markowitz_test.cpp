// SPDX-License-Identifier: MIT
// Tests of keel/markowitz.hpp.
//
// Independent references: closed forms written here from the textbook formulas (two-asset
// minimum variance and tangency, Merton's two-fund quantities A, B, C, D, the unconstrained
// tangency and utility optimum by explicit solves); the brute force over active sets and the
// KKT checker of tests/support/qp_reference.hpp; a dense grid search for the two-asset case;
// PyPortfolioOpt's published results on stock_prices.csv (tests/test_efficient_frontier.py).
//
// The test is split over four files of one executable (each translation unit stays small to
// compile): this one holds the two-asset formulas, Merton's closed forms and the brute force;
// tests/markowitz_test_constraints.cpp holds group and linear constraints, kelly_weights, the
// errors, PyPortfolioOpt's results and a regression; tests/markowitz_test_types.cpp holds
// portfolio_performance and the float and long double instantiations;
// tests/markowitz_test_series.cpp holds mu and weights as any Series, the risk_free option and
// the deprecated positional forms. Shared helpers:
// tests/support/markowitz_test_fixtures.hpp.
#include <cmath>
#include <type_traits>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/markowitz.hpp>

#include "support/markowitz_test_fixtures.hpp"
#include "support/qp_reference.hpp"

namespace {

using Catch::Matchers::Contains;
using keel_test::markowitz_test::five_assets;
using keel_test::markowitz_test::problem;

keel_test::qp_data long_only_data(const problem& p, double upper = 1.0) {
  const auto n = p.mu.size();
  keel_test::qp_data d;
  d.q = p.cov;
  d.c = Eigen::VectorXd::Zero(n);
  d.lower = Eigen::VectorXd::Zero(n);
  d.upper = Eigen::VectorXd::Constant(n, upper);
  d.a = Eigen::MatrixXd::Ones(1, n);
  d.row_lower = d.row_upper = Eigen::VectorXd::Ones(1);
  return d;
}

}  // namespace

TEST_CASE("two_asset_min_variance and two_asset_tangency equal their formulas and a grid search", "[markowitz]") {
  const double s1 = 0.15, s2 = 0.25, rho = 0.3;
  const auto mv = keel::two_asset_min_variance(s1, s2, rho);
  const double w1 = (s2 * s2 - rho * s1 * s2) / (s1 * s1 + s2 * s2 - 2 * rho * s1 * s2);
  CHECK(mv.weights(0) == Approx(w1).epsilon(1e-15));
  CHECK(mv.weights(0) + mv.weights(1) == Approx(1).epsilon(1e-15));
  const auto var = [&](double a) {
    return a * a * s1 * s1 + (1 - a) * (1 - a) * s2 * s2 + 2 * a * (1 - a) * rho * s1 * s2;
  };
  CHECK(mv.volatility == Approx(std::sqrt(var(w1))).epsilon(1e-14));
  // A grid over w1 in [-1, 2] finds nothing lower.
  for (int i = 0; i <= 3000; ++i) CHECK(var(-1 + i / 1000.0) >= mv.volatility * mv.volatility - 1e-15);
  const double m1 = 0.07, m2 = 0.11, rf = 0.02;
  const auto t = keel::two_asset_tangency(m1, m2, s1, s2, rho, {.risk_free = rf});
  const auto sharpe = [&](double a) { return (a * m1 + (1 - a) * m2 - rf) / std::sqrt(var(a)); };
  for (int i = 0; i <= 3000; ++i) CHECK(sharpe(-1 + i / 1000.0) <= t.sharpe + 1e-12);
  CHECK(t.sharpe == Approx(sharpe(t.weights(0))).epsilon(1e-14));
  // The same as keel's unconstrained max_sharpe on the 2 x 2 problem.
  Eigen::Vector2d mu(m1, m2);
  Eigen::Matrix2d cov;
  cov << s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2;
  const auto ms = keel::max_sharpe(mu, cov, keel::weight_bounds::unbounded(), {.risk_free = rf});
  CHECK((ms.weights - t.weights).lpNorm<Eigen::Infinity>() <= 1e-14);
  const auto mvq = keel::min_variance(cov, keel::weight_bounds::unbounded());
  CHECK((mvq.weights - mv.weights).lpNorm<Eigen::Infinity>() <= 1e-14);
  // float in, float out.
  const auto mvf = keel::two_asset_min_variance(0.15f, 0.25f, 0.3f);
  STATIC_REQUIRE(std::is_same_v<decltype(mvf.volatility), float>);
  CHECK(mvf.weights(0) == Approx(w1).epsilon(1e-6));
}

TEST_CASE("two_asset errors", "[markowitz]") {
  CHECK_THROWS_WITH(keel::two_asset_min_variance(0.2, 0.2, 1.0), Contains("identical"));
  CHECK_THROWS_AS(keel::two_asset_min_variance(0.2, 0.2, 1.0), keel::singular_problem);
  CHECK_THROWS_WITH(keel::two_asset_min_variance(-0.1, 0.2, 0.0),
                    Contains("sigma1 = -0.1 must be finite and >= 0 (within 1e150)"));
  CHECK_THROWS_WITH(keel::two_asset_min_variance(0.1, 0.2, 1.5), Contains("rho = 1.5 must be in [-1, 1]"));
  CHECK_THROWS_AS(keel::two_asset_tangency(0.01, 0.015, 0.1, 0.2, 0.0, {.risk_free = 0.05}), keel::infeasible);
  CHECK_THROWS_AS(keel::two_asset_tangency(0.1, 0.2, 0.1, 0.2, -1.0), keel::singular_problem);
  CHECK_THROWS_WITH(keel::two_asset_tangency(0.1, std::nan(""), 0.1, 0.2, 0.0), Contains("mu2 = NaN must be finite"));
}

TEST_CASE("markowitz unbounded problems equal Merton's closed forms", "[markowitz]") {
  const problem p = five_assets();
  const auto none = keel::weight_bounds::unbounded();
  const Eigen::VectorXd s1 = p.cov.fullPivLu().solve(Eigen::VectorXd::Ones(5));
  const Eigen::VectorXd sm = p.cov.fullPivLu().solve(p.mu);
  const double a = s1.sum(), b = sm.sum(), c = p.mu.dot(sm), d = a * c - b * b;
  const auto mv = keel::min_variance(p.cov, none);
  CHECK((mv.weights - s1 / a).lpNorm<Eigen::Infinity>() <= 1e-14);
  CHECK(mv.volatility == Approx(std::sqrt(1 / a)).epsilon(1e-14));
  const double rf = 0.025;
  const auto ms = keel::max_sharpe(p.mu, p.cov, none, {.risk_free = rf});
  const Eigen::VectorXd t = p.cov.fullPivLu().solve((p.mu.array() - rf).matrix());
  CHECK((ms.weights - t / t.sum()).lpNorm<Eigen::Infinity>() <= 1e-14);
  CHECK(ms.sharpe == Approx(std::sqrt(c - 2 * b * rf + a * rf * rf)).epsilon(1e-13));
  const double target = 0.12;
  const auto er = keel::efficient_return(p.mu, p.cov, target, none);
  CHECK(er.expected_return == Approx(target).epsilon(1e-14));
  CHECK(er.volatility * er.volatility == Approx((a * target * target - 2 * b * target + c) / d).epsilon(1e-13));
  const double sigma = 0.2;
  const auto ek = keel::efficient_risk(p.mu, p.cov, sigma, none);
  CHECK(ek.volatility == Approx(sigma).epsilon(1e-13));
  CHECK(ek.expected_return == Approx(b / a + std::sqrt(d / a * (sigma * sigma - 1 / a))).epsilon(1e-13));
  const double delta = 3;
  const auto u = keel::max_quadratic_utility(p.mu, p.cov, delta, none);
  const Eigen::VectorXd wu = (sm - (b - delta) / a * s1) / delta;
  CHECK((u.weights - wu).lpNorm<Eigen::Infinity>() <= 1e-13);
  // Market neutral: sum 0; the frontier direction is S^-1 (mu - (B/A) 1).
  const auto mn =
      keel::efficient_return(p.mu, p.cov, 0.05, {.bounds = none, .budget = keel::budget_rule::market_neutral});
  CHECK(mn.weights.sum() == Approx(0).margin(1e-14));
  const Eigen::VectorXd dir = sm - (b / a) * s1;
  CHECK((mn.weights - 0.05 / p.mu.dot(dir) * dir).lpNorm<Eigen::Infinity>() <= 1e-13);
}

TEST_CASE("markowitz constrained solutions satisfy KKT and equal the brute force", "[markowitz]") {
  const problem p = five_assets();
  const auto d = long_only_data(p, 0.4);
  const keel::weight_bounds capped(0.0, 0.4);
  // min_variance
  const auto mv = keel::min_variance(p.cov, capped);
  CHECK(0.5 * mv.volatility * mv.volatility == Approx(keel_test::brute_force_qp(d).objective).margin(1e-14));
  CHECK(keel_test::kkt_residual(d, mv.weights).worst() <= 1e-12);
  // max_quadratic_utility: the brute force of 1/2 w'Sw - (1/delta) mu'w.
  for (double delta : {0.5, 2.0, 10.0}) {
    auto du = d;
    du.c = p.mu / delta;
    const auto u = keel::max_quadratic_utility(p.mu, p.cov, delta, capped);
    const double obj = 0.5 * u.weights.dot(p.cov * u.weights) - du.c.dot(u.weights);
    CHECK(obj == Approx(keel_test::brute_force_qp(du).objective).margin(1e-14));
    CHECK(keel_test::kkt_residual(du, u.weights).worst() <= 1e-12);
  }
  // efficient_return: min variance at return = target (active) by the brute force.
  for (double target : {0.08, 0.10, 0.115}) {
    auto dr = d;
    dr.extra_equality = std::make_pair(p.mu, target);
    const auto er = keel::efficient_return(p.mu, p.cov, target, capped);
    CHECK(er.expected_return == Approx(target).epsilon(1e-13));
    CHECK(0.5 * er.volatility * er.volatility == Approx(keel_test::brute_force_qp(dr).objective).margin(1e-14));
    CHECK(keel_test::kkt_residual(dr, er.weights).worst() <= 1e-12);
  }
  // efficient_risk: the return at a volatility equals efficient_return's inverse.
  const auto er = keel::efficient_return(p.mu, p.cov, 0.105, capped);
  const auto ek = keel::efficient_risk(p.mu, p.cov, er.volatility, capped);
  CHECK(ek.expected_return == Approx(0.105).epsilon(1e-12));
  CHECK((ek.weights - er.weights).lpNorm<Eigen::Infinity>() <= 1e-10);
  // Below the minimum-variance return efficient_return gives the minimum-variance portfolio.
  const auto low = keel::efficient_return(p.mu, p.cov, 0.0, capped);
  CHECK(low.volatility == Approx(mv.volatility).epsilon(1e-13));
  // Above the largest volatility efficient_risk gives the maximum-return portfolio.
  const auto high = keel::efficient_risk(p.mu, p.cov, 5.0, capped);
  CHECK(high.expected_return == Approx(0.4 * 0.14 + 0.4 * 0.11 + 0.2 * 0.09).epsilon(1e-14));
}
