// SPDX-License-Identifier: MIT
// Part of markowitz_test (tests/markowitz_test.cpp describes the whole test): group and linear
// constraints, kelly_weights, the errors, PyPortfolioOpt's published results on
// stock_prices.csv and a regression found by markowitz_fuzz.
#include <cmath>
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>
#include <keel/markowitz.hpp>

#include "support/markowitz_test_fixtures.hpp"
#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
using keel_test::markowitz_test::five_assets;
using keel_test::markowitz_test::problem;

}  // namespace

TEST_CASE("markowitz group and linear constraints", "[markowitz]") {
  const problem p = five_assets();
  keel::portfolio_constraints pc;
  pc.groups = {"Tech", "Tech", "Energy", "Tech", "Bonds"};
  pc.group_limits = {{"Tech", 0.2, 0.5}, {"Bonds", 0.0, 0.1}};
  keel::linear_constraint beta{Eigen::VectorXd((Eigen::VectorXd(5) << 0.6, 1.1, 1.2, 1.5, 0.1).finished()),
                               keel::constraint_relation::less_equal, 0.9, "beta"};
  pc.linear.push_back(beta);
  const auto ms = keel::max_sharpe(p.mu, p.cov, pc, {.risk_free = 0.02});
  const double tech = ms.weights(0) + ms.weights(1) + ms.weights(3);
  CHECK(tech <= 0.5 + 1e-12);
  CHECK(tech >= 0.2 - 1e-12);
  CHECK(ms.weights(4) <= 0.1 + 1e-12);
  CHECK(beta.coefficients.dot(ms.weights) <= 0.9 + 1e-12);
  CHECK(ms.weights.sum() == Approx(1).epsilon(1e-14));
  CHECK(ms.weights.minCoeff() >= -1e-15);
  // An equality beta of 1.0, as a hedge mandate would.
  pc.linear[0].relation = keel::constraint_relation::equal;
  pc.linear[0].bound = 1.0;
  const auto mv = keel::min_variance(p.cov, pc);
  CHECK(beta.coefficients.dot(mv.weights) == Approx(1.0).epsilon(1e-13));
  // >= works too, and a greater-equal constraint that binds is active.
  pc.linear[0].relation = keel::constraint_relation::greater_equal;
  pc.linear[0].bound = 1.2;
  const auto mv2 = keel::min_variance(p.cov, pc);
  CHECK(beta.coefficients.dot(mv2.weights) == Approx(1.2).epsilon(1e-13));
}

TEST_CASE("markowitz kelly_weights", "[markowitz]") {
  const problem p = five_assets();
  const double rf = 0.03;
  const auto k = keel::kelly_weights(p.mu, p.cov, {.fraction = 1, .risk_free = rf});
  const Eigen::VectorXd full = p.cov.llt().solve((p.mu.array() - rf).matrix());
  CHECK((k.weights - full).lpNorm<Eigen::Infinity>() <= 1e-12);
  const auto half = keel::kelly_weights(p.mu, p.cov, {.fraction = 0.5, .risk_free = rf});
  CHECK((half.weights - 0.5 * full).lpNorm<Eigen::Infinity>() <= 1e-12);
  CHECK(half.expected_return == Approx(rf + 0.5 * (p.mu.array() - rf).matrix().dot(full)).epsilon(1e-13));
  // Long-only and fully invested: argmax (mu - rf)'w - 1/(2 f) w'Sw = the utility optimum
  // with risk aversion 1 / f (rf drops out under a budget).
  const auto kc =
      keel::kelly_weights(p.mu, p.cov, {.fraction = 0.5, .bounds = keel::weight_bounds::long_only(), .risk_free = rf});
  const auto u = keel::max_quadratic_utility(p.mu, p.cov, 2.0, keel::weight_bounds::long_only());
  CHECK((kc.weights - u.weights).lpNorm<Eigen::Infinity>() <= 1e-12);
  CHECK_THROWS_WITH(keel::kelly_weights(p.mu, p.cov, {.fraction = 0}), Contains("fraction = 0 must be in (0, 100]"));
}

TEST_CASE("markowitz errors name what, where and how big", "[markowitz]") {
  const problem p = five_assets();
  using keel::weight_bounds;
  CHECK_THROWS_WITH(keel::min_variance(Eigen::MatrixXd(Eigen::MatrixXd::Ones(2, 3))),
                    Contains("cov is 2 x 3, not square"));
  Eigen::MatrixXd asym = p.cov;
  asym(0, 1) += 0.01;
  CHECK_THROWS_WITH(keel::min_variance(asym), Contains("cov is not symmetric: cov(1, 0)"));
  Eigen::MatrixXd indefinite = p.cov;
  indefinite(0, 3) = indefinite(3, 0) = 0.2;  // correlation > 1
  CHECK_THROWS_AS(keel::min_variance(indefinite), keel::singular_problem);
  CHECK_THROWS_WITH(keel::min_variance(indefinite), Contains("not positive semi-definite") && Contains("ledoit_wolf"));
  Eigen::MatrixXd singular = Eigen::MatrixXd::Constant(3, 3, 0.04);
  CHECK_THROWS_WITH(keel::min_variance(singular, weight_bounds::unbounded()),
                    Contains("cov is singular") && Contains("ledoit_wolf"));
  CHECK(keel::min_variance(singular).volatility == Approx(0.2).epsilon(1e-14));  // bounds make it unique in variance
  CHECK_THROWS_WITH(keel::min_variance(p.cov, weight_bounds(0.3, 1.0)),
                    Contains("the weights must sum to 1 (fully invested), but their lower bounds sum to 1.5"));
  CHECK_THROWS_WITH(keel::min_variance(p.cov, weight_bounds(0.0, 0.15)), Contains("their upper bounds sum to 0.75"));
  CHECK_THROWS_WITH(keel::min_variance(p.cov, weight_bounds(0.5, 0.2)), Contains("the bounds of w[0] are [0.5, 0.2]"));
  CHECK_THROWS_WITH(keel::min_variance(p.cov, weight_bounds(Eigen::VectorXd::Zero(3), Eigen::VectorXd::Ones(3))),
                    Contains("bounds.lower has 3 values but there are 5 assets"));
  keel::portfolio_constraints g{.groups = {"A", "A"}, .group_limits = {{"A", 0, 0.5}}};
  CHECK_THROWS_WITH(keel::min_variance(p.cov, g), Contains("groups has 2 labels but there are 5 assets"));
  g.groups = {"A", "A", "B", "B", "B"};
  g.group_limits = {{"C", 0, 0.5}};
  CHECK_THROWS_WITH(keel::min_variance(p.cov, g), Contains("group C has no assets"));
  g.group_limits = {{"A", 0.9, 1.0}, {"B", 0.2, 1.0}};
  CHECK_THROWS_AS(keel::min_variance(p.cov, g), keel::infeasible);
  CHECK_THROWS_WITH(keel::min_variance(p.cov, g), Contains("cannot all hold") && Contains("group A >= 0.9") &&
                                                      Contains("group B >= 0.2") && Contains("sum of weights = 1"));
  CHECK_THROWS_WITH(keel::efficient_return(p.mu, p.cov, 0.5),
                    Contains("target_return = 0.5 is above the largest return the constraints allow, 0.14"));
  CHECK_THROWS_WITH(keel::efficient_risk(p.mu, p.cov, 0.01),
                    Contains("target_volatility = 0.01 is below the minimum volatility"));
  CHECK_THROWS_WITH(keel::max_sharpe(p.mu, p.cov, {}, {.risk_free = 0.2}),
                    Contains("no portfolio the constraints allow earns more than risk_free = 0.2"));
  CHECK_THROWS_AS(keel::max_sharpe(p.mu, p.cov, weight_bounds::unbounded(), {.risk_free = 0.2}), keel::infeasible);
  CHECK_THROWS_WITH(keel::max_quadratic_utility(p.mu, p.cov, 0.0),
                    Contains("risk_aversion = 0 must be finite and > 0"));
  CHECK_THROWS_WITH(keel::max_sharpe(Eigen::VectorXd(Eigen::VectorXd::Zero(4)), p.cov),
                    Contains("mu has 4 values but cov has 5"));
  Eigen::VectorXd nan_mu = p.mu;
  nan_mu(2) = std::nan("");
  CHECK_THROWS_WITH(keel::max_sharpe(nan_mu, p.cov), Contains("mu[2] is NaN"));
  keel::portfolio_constraints lin{.linear = {{Eigen::VectorXd::Ones(3), keel::constraint_relation::equal, 1, "beta"}}};
  CHECK_THROWS_WITH(keel::min_variance(p.cov, lin), Contains("beta has 3 coefficients but there are 5 assets"));
  // A riskless asset earning more than rf makes the Sharpe ratio unbounded.
  Eigen::MatrixXd with_cash = Eigen::MatrixXd::Zero(3, 3);
  with_cash(1, 1) = 0.04;
  with_cash(2, 2) = 0.09;
  CHECK_THROWS_AS(keel::max_sharpe(Eigen::Vector3d(0.03, 0.08, 0.1), with_cash, {}, {.risk_free = 0.01}),
                  keel::singular_problem);
}

TEST_CASE("markowitz on stock_prices.csv equals PyPortfolioOpt's published results", "[markowitz][data]") {
  // PyPortfolioOpt's setup_efficient_frontier: mu = mean_historical_return, S = sample_cov
  // (pandas' pairwise covariance x 252), rf = 0.02 in portfolio_performance. Its values come
  // from cvxpy solvers and are compared with assert_allclose (rtol 1e-7); keel's exact
  // solution agrees to 1e-12 relative (measured: 1e-15).
  const auto file = keel_test::shared_file("data/stock_prices.csv");
  if (!file) return;
  const keel::price_table prices = keel::read_prices_csv(*file);
  const Eigen::VectorXd mu = keel::mean_historical_return(prices);
  const auto est = keel::sample_covariance(keel::simple_returns(prices).returns,
                                           {.periods_per_year = 252, .missing = keel::missing_data::pairwise});
  REQUIRE(est.positive_semidefinite);
  const Eigen::MatrixXd& cov = est.covariance;
  const auto check = [](const keel::portfolio<double>& p, double r, double v, double s) {
    CHECK(p.expected_return == Approx(r).epsilon(1e-12));
    CHECK(p.volatility == Approx(v).epsilon(1e-12));
    CHECK(p.sharpe == Approx(s).epsilon(1e-12));
  };
  // test_min_volatility
  check(keel::portfolio_performance(keel::min_variance(cov).weights, mu, cov, {.risk_free = 0.02}), 0.15056821399482578,
        0.15915084514118694, 0.8204054077060996);
  // test_min_volatility_short (weight_bounds = (None, None))
  check(keel::portfolio_performance(keel::min_variance(cov, keel::weight_bounds::unbounded()).weights, mu, cov,
                                    {.risk_free = 0.02}),
        0.1516319319875544, 0.1555915367269669, 0.8460095886741129);
  // test_max_sharpe_long_only
  check(keel::max_sharpe(mu, cov, {}, {.risk_free = 0.02}), 0.3047768672819914, 0.22165566922402932,
        1.2847714127003216);
  // test_max_sharpe_short
  check(keel::max_sharpe(mu, cov, keel::weight_bounds::unbounded(), {.risk_free = 0.02}), 0.4937195216716211,
        0.29516576454651955, 1.6049270564945908);
  // test_ef_example: efficient_return(0.2) earns 0.2.
  CHECK(keel::efficient_return(mu, cov, 0.2).expected_return == Approx(0.2).epsilon(1e-14));
}

TEST_CASE("markowitz regression: a zero covariance (a linear programme) with a large mu", "[markowitz]") {
  // Found by markowitz_fuzz: every asset riskless, mu(0) = 4.4e101, a group limit. The engine's
  // tolerances once used a scale of 1 for Q = 0 and let the weights run off to -1e86.
  Eigen::VectorXd mu = Eigen::VectorXd::Zero(6);
  mu(0) = 4.4e101;
  const Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(6, 6);
  keel::portfolio_constraints pc{.groups = {"A", "B", "A", "B", "A", "B"}, .group_limits = {{"A", 0.0, 0.5}}};
  const auto u = keel::max_quadratic_utility(mu, cov, 0.5, pc);
  CHECK(u.weights(0) == Approx(0.5).margin(1e-15));
  CHECK(u.weights.sum() == Approx(1).epsilon(1e-15));
  CHECK(u.weights.minCoeff() >= 0);
  CHECK(u.expected_return == Approx(2.2e101).epsilon(1e-15));
}

TEST_CASE("targets at the attainable ends of the frontier are attained", "[markowitz][frontier][ends]") {
  // Tried as a new user would: efficient_return(mu, cov, max mu) threw infeasible on 11 of
  // these 300 long-only problems (the top corner's mu'w came out an ulp or two below max mu),
  // and efficient_risk at min_variance's own volatility on 2. Every peer solves both.
  std::mt19937_64 gen(3);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0.01, 0.2);
  for (int trial = 0; trial < 300; ++trial) {
    const Eigen::Index n = 2 + trial % 12;
    Eigen::MatrixXd a(n + 5, n);
    for (Eigen::Index i = 0; i < a.rows(); ++i)
      for (Eigen::Index j = 0; j < n; ++j) a(i, j) = 0.1 * z(gen);
    Eigen::MatrixXd cov = a.transpose() * a / static_cast<double>(n + 5);
    cov.diagonal().array() += 0.001;
    Eigen::VectorXd mu(n);
    for (Eigen::Index i = 0; i < n; ++i) mu(i) = u(gen);
    INFO("trial " << trial << ", n = " << n);
    Eigen::Index best = 0;
    const double top = mu.maxCoeff(&best);
    const auto p = keel::efficient_return(mu, cov, top);
    CHECK(p.expected_return == Approx(top).epsilon(1e-14));
    CHECK(p.weights(best) == Approx(1).margin(1e-12));
    CHECK_THROWS_AS(keel::efficient_return(mu, cov, top * (1 + 1e-9)), keel::infeasible);
    const auto mv = keel::min_variance(cov);
    const auto q = keel::efficient_risk(mu, cov, mv.volatility);
    CHECK(q.volatility == Approx(mv.volatility).epsilon(1e-14));
    CHECK((q.weights - mv.weights).cwiseAbs().maxCoeff() <= 1e-9);
    CHECK_THROWS_AS(keel::efficient_risk(mu, cov, mv.volatility * (1 - 1e-9)), keel::infeasible);
  }
}
