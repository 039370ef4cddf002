// SPDX-License-Identifier: MIT
// Tests of keel/markowitz.hpp.
//
// Independent references: closed forms written here from the textbook formulas (two-asset
// minimum variance and tangency, Merton's two-fund quantities A, B, C, D, the unconstrained
// tangency and utility optimum by explicit solves); the brute force over active sets and the
// KKT checker of tests/support/qp_reference.hpp; a dense grid search for the two-asset case;
// PyPortfolioOpt's published results on stock_prices.csv (tests/test_efficient_frontier.py).
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>
#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/qp_reference.hpp"
#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
constexpr double inf = std::numeric_limits<double>::infinity();

struct problem {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
};

problem five_assets() {
  problem p;
  p.mu.resize(5);
  p.mu << 0.06, 0.09, 0.11, 0.14, 0.07;
  const Eigen::VectorXd sd = (Eigen::VectorXd(5) << 0.12, 0.18, 0.22, 0.30, 0.15).finished();
  Eigen::MatrixXd corr = Eigen::MatrixXd::Constant(5, 5, 0.3);
  corr.diagonal().setOnes();
  corr(0, 4) = corr(4, 0) = -0.2;
  p.cov = sd.asDiagonal() * corr * sd.asDiagonal();
  return p;
}

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
  const auto t = keel::two_asset_tangency(m1, m2, s1, s2, rho, rf);
  const auto sharpe = [&](double a) { return (a * m1 + (1 - a) * m2 - rf) / std::sqrt(var(a)); };
  for (int i = 0; i <= 3000; ++i) CHECK(sharpe(-1 + i / 1000.0) <= t.sharpe + 1e-12);
  CHECK(t.sharpe == Approx(sharpe(t.weights(0))).epsilon(1e-14));
  // The same as keel's unconstrained max_sharpe on the 2 x 2 problem.
  Eigen::Vector2d mu(m1, m2);
  Eigen::Matrix2d cov;
  cov << s1 * s1, rho * s1 * s2, rho * s1 * s2, s2 * s2;
  const auto ms = keel::max_sharpe(mu, cov, rf, keel::weight_bounds::unbounded());
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
  CHECK_THROWS_AS(keel::two_asset_tangency(0.01, 0.015, 0.1, 0.2, 0.0, 0.05), keel::infeasible);
  CHECK_THROWS_AS(keel::two_asset_tangency(0.1, 0.2, 0.1, 0.2, -1.0, 0.0), keel::singular_problem);
  CHECK_THROWS_WITH(keel::two_asset_tangency(0.1, std::nan(""), 0.1, 0.2, 0.0, 0.0),
                    Contains("mu2 = NaN must be finite"));
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
  const auto ms = keel::max_sharpe(p.mu, p.cov, rf, none);
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

TEST_CASE("markowitz group and linear constraints", "[markowitz]") {
  const problem p = five_assets();
  keel::portfolio_constraints pc;
  pc.groups = {"Tech", "Tech", "Energy", "Tech", "Bonds"};
  pc.group_limits = {{"Tech", 0.2, 0.5}, {"Bonds", 0.0, 0.1}};
  keel::linear_constraint beta{Eigen::VectorXd((Eigen::VectorXd(5) << 0.6, 1.1, 1.2, 1.5, 0.1).finished()),
                               keel::constraint_relation::less_equal, 0.9, "beta"};
  pc.linear.push_back(beta);
  const auto ms = keel::max_sharpe(p.mu, p.cov, 0.02, pc);
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

TEST_CASE("markowitz portfolio_performance", "[markowitz]") {
  const problem p = five_assets();
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(5, 0.2);
  const auto perf = keel::portfolio_performance(w, p.mu, p.cov, 0.02);
  CHECK(perf.expected_return == Approx(p.mu.mean()).epsilon(1e-15));
  CHECK(perf.volatility == Approx(std::sqrt(w.dot(p.cov * w))).epsilon(1e-15));
  CHECK(perf.sharpe == Approx((p.mu.mean() - 0.02) / perf.volatility).epsilon(1e-14));
  // Zero volatility: +inf when the return beats rf, 0 when it equals it.
  const Eigen::MatrixXd zero = Eigen::MatrixXd::Zero(5, 5);
  CHECK(keel::portfolio_performance(w, p.mu, zero, 0.02).sharpe == inf);
  CHECK(keel::portfolio_performance(w, Eigen::VectorXd::Constant(5, 0.02), zero, 0.02).sharpe == 0);
  CHECK_THROWS_WITH(keel::portfolio_performance(Eigen::VectorXd::Ones(4), p.mu, p.cov),
                    Contains("weights has 4 values but cov has 5"));
  Eigen::MatrixXd bad = p.cov;
  bad(1, 2) = std::nan("");
  CHECK_THROWS_WITH(keel::portfolio_performance(w, p.mu, bad), Contains("cov(1, 2) is NaN"));
  // float and long double follow their inputs.
  const auto pf = keel::portfolio_performance(w.cast<float>(), p.mu.cast<float>(), p.cov.cast<float>());
  STATIC_REQUIRE(std::is_same_v<decltype(pf.sharpe), float>);
  CHECK(pf.volatility == Approx(perf.volatility).epsilon(1e-6));
  const auto pl = keel::max_sharpe(p.mu.cast<long double>(), p.cov.cast<long double>(), 0.02);
  STATIC_REQUIRE(std::is_same_v<decltype(pl.sharpe), long double>);
  const auto pd = keel::max_sharpe(p.mu, p.cov, 0.02);
  CHECK((pl.weights.cast<double>() - pd.weights).lpNorm<Eigen::Infinity>() <= 1e-12);
  const auto mf = keel::max_sharpe(p.mu.cast<float>(), p.cov.cast<float>(), 0.02);
  STATIC_REQUIRE(std::is_same_v<decltype(mf.sharpe), float>);
  CHECK((mf.weights.cast<double>() - pd.weights).lpNorm<Eigen::Infinity>() <= 1e-5);
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
  CHECK_THROWS_WITH(keel::max_sharpe(p.mu, p.cov, 0.2),
                    Contains("no portfolio the constraints allow earns more than risk_free = 0.2"));
  CHECK_THROWS_AS(keel::max_sharpe(p.mu, p.cov, 0.2, weight_bounds::unbounded()), keel::infeasible);
  CHECK_THROWS_WITH(keel::max_quadratic_utility(p.mu, p.cov, 0.0),
                    Contains("risk_aversion = 0 must be finite and > 0"));
  CHECK_THROWS_WITH(keel::max_sharpe(Eigen::VectorXd(Eigen::VectorXd::Zero(4)), p.cov, 0.0),
                    Contains("mu has 4 values but cov has 5"));
  Eigen::VectorXd nan_mu = p.mu;
  nan_mu(2) = std::nan("");
  CHECK_THROWS_WITH(keel::max_sharpe(nan_mu, p.cov, 0.0), Contains("mu[2] is NaN"));
  keel::portfolio_constraints lin{.linear = {{Eigen::VectorXd::Ones(3), keel::constraint_relation::equal, 1, "beta"}}};
  CHECK_THROWS_WITH(keel::min_variance(p.cov, lin), Contains("beta has 3 coefficients but there are 5 assets"));
  // A riskless asset earning more than rf makes the Sharpe ratio unbounded.
  Eigen::MatrixXd with_cash = Eigen::MatrixXd::Zero(3, 3);
  with_cash(1, 1) = 0.04;
  with_cash(2, 2) = 0.09;
  CHECK_THROWS_AS(keel::max_sharpe(Eigen::Vector3d(0.03, 0.08, 0.1), with_cash, 0.01), keel::singular_problem);
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
                                           {.annualization = 252, .missing = keel::missing_data::pairwise});
  REQUIRE(est.positive_semidefinite);
  const Eigen::MatrixXd& cov = est.covariance;
  const auto check = [](const keel::portfolio<double>& p, double r, double v, double s) {
    CHECK(p.expected_return == Approx(r).epsilon(1e-12));
    CHECK(p.volatility == Approx(v).epsilon(1e-12));
    CHECK(p.sharpe == Approx(s).epsilon(1e-12));
  };
  // test_min_volatility
  check(keel::portfolio_performance(keel::min_variance(cov).weights, mu, cov, 0.02), 0.15056821399482578,
        0.15915084514118694, 0.8204054077060996);
  // test_min_volatility_short (weight_bounds = (None, None))
  check(keel::portfolio_performance(keel::min_variance(cov, keel::weight_bounds::unbounded()).weights, mu, cov, 0.02),
        0.1516319319875544, 0.1555915367269669, 0.8460095886741129);
  // test_max_sharpe_long_only
  check(keel::max_sharpe(mu, cov, 0.02), 0.3047768672819914, 0.22165566922402932, 1.2847714127003216);
  // test_max_sharpe_short
  check(keel::max_sharpe(mu, cov, 0.02, keel::weight_bounds::unbounded()), 0.4937195216716211, 0.29516576454651955,
        1.6049270564945908);
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
