// SPDX-License-Identifier: MIT
// Part of markowitz_test (tests/markowitz_test.cpp describes the whole test): every vector
// input of markowitz.hpp (mu, weights) is a Series, so each public function taking one gives
// exactly (==) the result of an Eigen vector holding the same numbers for every storage of the
// checklist (std::vector, std::span, Eigen vectors and Eigen::Map, the user containers) and for
// Eigen expressions; the risk-free rate is an options field; the deprecated positional forms
// still compile and equal the new ones.
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/markowitz.hpp>

#include "support/markowitz_test_fixtures.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
using keel_test::markowitz_test::five_assets;
using keel_test::markowitz_test::problem;

template <class A, class B>
void require_same(const keel::portfolio<A>& a, const keel::portfolio<B>& b) {
  STATIC_REQUIRE(std::is_same_v<A, B>);
  REQUIRE(a.weights.size() == b.weights.size());
  CHECK(a.weights == b.weights);
  CHECK(a.expected_return == b.expected_return);
  CHECK(a.volatility == b.volatility);
  CHECK(a.sharpe == b.sharpe);
}

std::vector<double> as_std(const Eigen::VectorXd& v) { return {v.begin(), v.end()}; }

/// max_sharpe accepts M as mu.
template <class M>
concept mu_of_max_sharpe = requires(const M& m, const Eigen::MatrixXd& cov) {
  keel::max_sharpe(m, cov);
};

keel::portfolio_constraints capped_constraints() {
  keel::portfolio_constraints pc{keel::weight_bounds(0, 0.4)};
  pc.groups = {"a", "a", "b", "b", "c"};
  pc.group_limits = {{"a", 0.1, 0.5}};
  return pc;
}

}  // namespace

TEMPLATE_TEST_CASE("markowitz functions take mu and weights as any Series, with Eigen's numbers", "[markowitz]",
                   KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  using vector = Eigen::Matrix<real, Eigen::Dynamic, 1>;
  const problem p = five_assets();
  const TestType mu(as_std(p.mu));
  const vector mu_eigen = p.mu.cast<real>();  // the reference: an Eigen vector of the same numbers
  const auto pc = capped_constraints();
  const auto unbounded = keel::weight_bounds::unbounded();
  const keel::markowitz_options rf{.risk_free = 0.02};

  require_same(keel::max_sharpe(mu.series(), p.cov), keel::max_sharpe(mu_eigen, p.cov));
  require_same(keel::max_sharpe(mu.series(), p.cov, pc, rf), keel::max_sharpe(mu_eigen, p.cov, pc, rf));
  require_same(keel::max_sharpe(mu.series(), p.cov, unbounded, rf), keel::max_sharpe(mu_eigen, p.cov, unbounded, rf));
  require_same(keel::efficient_return(mu.series(), p.cov, 0.1, pc, rf),
               keel::efficient_return(mu_eigen, p.cov, 0.1, pc, rf));
  require_same(keel::efficient_return(mu.series(), p.cov, 0.1, unbounded),
               keel::efficient_return(mu_eigen, p.cov, 0.1, unbounded));
  require_same(keel::efficient_risk(mu.series(), p.cov, 0.15, pc, rf),
               keel::efficient_risk(mu_eigen, p.cov, 0.15, pc, rf));
  require_same(keel::max_quadratic_utility(mu.series(), p.cov, 2.0, pc, rf),
               keel::max_quadratic_utility(mu_eigen, p.cov, 2.0, pc, rf));
  const keel::kelly_options half{.fraction = 0.5, .risk_free = 0.02};
  require_same(keel::kelly_weights(mu.series(), p.cov, half), keel::kelly_weights(mu_eigen, p.cov, half));

  const TestType w(std::vector<double>{0.1, 0.3, 0.2, 0.25, 0.15});
  vector w_eigen(5);
  w_eigen << real(0.1), real(0.3), real(0.2), real(0.25), real(0.15);
  require_same(keel::portfolio_performance(w.series(), mu.series(), p.cov, rf),
               keel::portfolio_performance(w_eigen, mu_eigen, p.cov, rf));
  require_same(keel::portfolio_performance(w.series(), mu_eigen, p.cov),
               keel::portfolio_performance(w_eigen, mu_eigen, p.cov));

  // The errors name the same things as with Eigen input.
  const TestType short_mu(std::vector<double>{0.1, 0.2});
  CHECK_THROWS_WITH(keel::max_sharpe(short_mu.series(), p.cov), Contains("mu has 2 values but cov has 5"));
  CHECK_THROWS_WITH(keel::portfolio_performance(short_mu.series(), mu.series(), p.cov),
                    Contains("weights has 2 values but cov has 5"));
  const TestType nan_mu(std::vector<double>{0.1, 0.2, std::nan(""), 0.1, 0.1});
  CHECK_THROWS_WITH(keel::kelly_weights(nan_mu.series(), p.cov), Contains("kelly_weights: mu[2] is NaN"));
}

TEST_CASE("markowitz takes Eigen expressions, row vectors and std::array as mu", "[markowitz]") {
  const problem p = five_assets();
  const auto ref = keel::max_sharpe(p.mu, p.cov, {}, {.risk_free = 0.01});
  require_same(keel::max_sharpe(p.mu * 1.0, p.cov, {}, {.risk_free = 0.01}), ref);
  require_same(keel::max_sharpe(p.mu.transpose(), p.cov, {}, {.risk_free = 0.01}), ref);
  require_same(keel::max_sharpe(p.mu.head(5), p.cov, {}, {.risk_free = 0.01}), ref);
  const std::array<double, 5> fixed{0.06, 0.09, 0.11, 0.14, 0.07};
  require_same(keel::max_sharpe(fixed, p.cov, {}, {.risk_free = 0.01}), ref);
  const Eigen::MatrixXd panel = p.mu.replicate(1, 2);  // a column of a panel is a Series
  require_same(keel::max_sharpe(panel.col(1), p.cov, {}, {.risk_free = 0.01}), ref);
  // Integer ranges and matrices are not Series, so they do not compile as mu.
  STATIC_REQUIRE(mu_of_max_sharpe<std::span<const float>>);
  STATIC_REQUIRE_FALSE(mu_of_max_sharpe<std::vector<int>>);
  STATIC_REQUIRE_FALSE(mu_of_max_sharpe<Eigen::MatrixXd>);
}

TEST_CASE("markowitz risk_free is an options field: the Sharpe ratio moves, the weights do not", "[markowitz]") {
  const problem p = five_assets();
  const auto pc = capped_constraints();
  const keel::markowitz_options rf{.risk_free = 0.03};
  const auto check = [&](const keel::portfolio<double>& at_zero, const keel::portfolio<double>& at_rf) {
    CHECK(at_rf.weights == at_zero.weights);
    CHECK(at_rf.expected_return == at_zero.expected_return);
    CHECK(at_rf.sharpe == Approx((at_rf.expected_return - 0.03) / at_rf.volatility).epsilon(1e-15));
  };
  check(keel::efficient_return(p.mu, p.cov, 0.1, pc), keel::efficient_return(p.mu, p.cov, 0.1, pc, rf));
  check(keel::efficient_risk(p.mu, p.cov, 0.15, pc), keel::efficient_risk(p.mu, p.cov, 0.15, pc, rf));
  check(keel::max_quadratic_utility(p.mu, p.cov, 2.0, pc), keel::max_quadratic_utility(p.mu, p.cov, 2.0, pc, rf));
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  check(keel::portfolio_performance(w, p.mu, p.cov), keel::portfolio_performance(w, p.mu, p.cov, rf));
  // max_sharpe's tangency depends on the rate.
  const auto ms = keel::max_sharpe(p.mu, p.cov, pc, rf);
  CHECK(ms.sharpe == Approx((ms.expected_return - 0.03) / ms.volatility).epsilon(1e-15));
  CHECK(ms.weights != keel::max_sharpe(p.mu, p.cov, pc).weights);
  // A rate that is not finite is named, in every function that takes one.
  const keel::markowitz_options bad{.risk_free = std::numeric_limits<double>::infinity()};
  CHECK_THROWS_WITH(keel::max_sharpe(p.mu, p.cov, pc, bad), Contains("max_sharpe: risk_free = inf must be finite"));
  CHECK_THROWS_WITH(keel::efficient_return(p.mu, p.cov, 0.1, pc, bad),
                    Contains("efficient_return: risk_free = inf must be finite"));
  CHECK_THROWS_WITH(keel::efficient_risk(p.mu, p.cov, 0.15, pc, bad),
                    Contains("efficient_risk: risk_free = inf must be finite"));
  CHECK_THROWS_WITH(keel::max_quadratic_utility(p.mu, p.cov, 2.0, pc, bad),
                    Contains("max_quadratic_utility: risk_free = inf must be finite"));
  CHECK_THROWS_WITH(keel::portfolio_performance(w, p.mu, p.cov, bad),
                    Contains("portfolio_performance: risk_free = inf must be finite"));
  CHECK_THROWS_WITH(keel::two_asset_tangency(0.08, 0.12, 0.2, 0.3, 0.2, bad),
                    Contains("two_asset_tangency: risk_free = inf must be finite"));
}

// The positional risk_free forms stay for one release, deprecated; the warning is silenced
// here only, to check that they still compile and give the new forms' numbers.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
TEST_CASE("markowitz deprecated positional risk_free forms equal the options forms", "[markowitz]") {
  const problem p = five_assets();
  const auto pc = capped_constraints();
  require_same(keel::max_sharpe(p.mu, p.cov, 0.02), keel::max_sharpe(p.mu, p.cov, {}, {.risk_free = 0.02}));
  require_same(keel::max_sharpe(p.mu, p.cov, 0.02, pc), keel::max_sharpe(p.mu, p.cov, pc, {.risk_free = 0.02}));
  require_same(keel::max_sharpe(p.mu, p.cov, 0, pc), keel::max_sharpe(p.mu, p.cov, pc));  // an int rate too
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  require_same(keel::portfolio_performance(w, p.mu, p.cov, 0.02),
               keel::portfolio_performance(w, p.mu, p.cov, {.risk_free = 0.02}));
  require_same(keel::two_asset_tangency(0.08, 0.12, 0.2, 0.3, 0.2, 0.02),
               keel::two_asset_tangency(0.08, 0.12, 0.2, 0.3, 0.2, {.risk_free = 0.02}));
  // float keeps reading the rate at float precision, as before.
  require_same(keel::two_asset_tangency(0.08f, 0.12f, 0.2f, 0.3f, 0.2f, 0.02f),
               keel::two_asset_tangency(0.08f, 0.12f, 0.2f, 0.3f, 0.2f, {.risk_free = static_cast<double>(0.02f)}));
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
