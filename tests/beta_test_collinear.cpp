// SPDX-License-Identifier: MIT
// Part of beta_test (tests/beta_test.cpp describes the whole test): market_beta against a
// factor_regression whose factors are collinear.
#include <cmath>
#include <random>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/factors.hpp>

#include "support/beta_test_fixtures.hpp"

using namespace keel_test::beta_test;

TEST_CASE("collinear factors mislead a factor model, market_beta stays right", "[beta][collinear]") {
  // The failure from the issue: seven factors that are each the market plus a little noise
  // (VIFs in the hundreds) give individual betas that swing wildly, even to the wrong sign,
  // while the single-factor market beta is the true 1.9 within its standard error.
  std::mt19937_64 gen(2024);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index t = 90, k = 7;
  Eigen::VectorXd market(t), asset(t);
  Eigen::MatrixXd factors(t, k);
  for (Eigen::Index i = 0; i < t; ++i) {
    market(i) = 0.012 * z(gen);
    for (Eigen::Index j = 0; j < k; ++j) factors(i, j) = market(i) + 0.03 * 0.012 * z(gen);
    asset(i) = 0.0003 + 1.9 * market(i) + 0.02 * z(gen);
  }
  const auto multi = keel::factor_regression(asset, factors);
  for (Eigen::Index j = 0; j < k; ++j) CHECK(multi.vifs(j) > 100);
  const auto coefs = multi.coefficients.tail(k);
  INFO("factor betas " << coefs.transpose());
  CHECK(coefs.minCoeff() < 0);    // a factor "beta" with the wrong sign
  CHECK(coefs.maxCoeff() > 1.9);  // and one larger than the whole exposure

  const auto fit = keel::market_beta(asset, market);
  CHECK(std::fabs(fit.beta - 1.9) < 3 * fit.beta_stderr);
  CHECK(fit.significant(1e-6));
  // Two independent implementations of the same single-factor OLS agree.
  const auto one = keel::factor_regression(asset, market);
  CHECK(rel_diff(fit.beta, one.coefficients(1)) < 1e-12);
  CHECK(rel_diff(fit.beta_stderr, one.std_errors(1)) < 1e-12);
  CHECK(rel_diff(fit.alpha_stderr, one.std_errors(0)) < 1e-12);
  CHECK(rel_diff(fit.r_squared, one.r_squared) < 1e-12);
  CHECK(rel_diff(fit.p_value, one.p_values(1)) < 1e-9);
}
