// SPDX-License-Identifier: MIT
// Part of markowitz_test (tests/markowitz_test.cpp describes the whole test):
// portfolio_performance, and max_sharpe in float and long double against double.
#include <cmath>
#include <limits>
#include <type_traits>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/markowitz.hpp>

#include "support/markowitz_test_fixtures.hpp"

namespace {

using Catch::Matchers::Contains;
using keel_test::markowitz_test::five_assets;
using keel_test::markowitz_test::problem;
constexpr double inf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("markowitz portfolio_performance", "[markowitz]") {
  const problem p = five_assets();
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  const auto perf = keel::portfolio_performance(w, p.mu, p.cov, {.risk_free = 0.02});
  CHECK(perf.expected_return == Approx(p.mu.mean()).epsilon(1e-15));
  CHECK(perf.volatility == Approx(std::sqrt(w.dot(p.cov * w))).epsilon(1e-15));
  CHECK(perf.sharpe == Approx((p.mu.mean() - 0.02) / perf.volatility).epsilon(1e-14));
  // Zero volatility: +inf when the return beats rf, 0 when it equals it.
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(5, 5);
  CHECK(keel::portfolio_performance(w, p.mu, zero, {.risk_free = 0.02}).sharpe == inf);
  CHECK(keel::portfolio_performance(w, Eigen::VectorXd::Constant(5, 0.02), zero, {.risk_free = 0.02}).sharpe == 0);
  CHECK_THROWS_WITH(keel::portfolio_performance(Eigen::VectorXd::Ones(4), p.mu, p.cov),
                    Contains("weights has 4 values but cov has 5"));
  Eigen::MatrixXd bad = p.cov;
  bad(1, 2) = std::nan("");
  CHECK_THROWS_WITH(keel::portfolio_performance(w, p.mu, bad), Contains("cov(1, 2) is NaN"));
  // float and long double follow their inputs.
  const auto pf = keel::portfolio_performance(w.cast<float>(), p.mu.cast<float>(), p.cov.cast<float>());
  STATIC_REQUIRE(std::is_same_v<decltype(pf.sharpe), float>);
  CHECK(pf.volatility == Approx(perf.volatility).epsilon(1e-6));
  const auto pl = keel::max_sharpe(p.mu.cast<long double>(), p.cov.cast<long double>(), {}, {.risk_free = 0.02});
  STATIC_REQUIRE(std::is_same_v<decltype(pl.sharpe), long double>);
  const auto pd = keel::max_sharpe(p.mu, p.cov, {}, {.risk_free = 0.02});
  CHECK((pl.weights.cast<double>() - pd.weights).lpNorm<Eigen::Infinity>() <= 1e-12);
  const auto mf = keel::max_sharpe(p.mu.cast<float>(), p.cov.cast<float>(), {}, {.risk_free = 0.02});
  STATIC_REQUIRE(std::is_same_v<decltype(mf.sharpe), float>);
  CHECK((mf.weights.cast<double>() - pd.weights).lpNorm<Eigen::Infinity>() <= 1e-5);
}
