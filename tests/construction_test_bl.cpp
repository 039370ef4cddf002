// SPDX-License-Identifier: MIT
// Tests of keel/construction.hpp's maximum diversification, minimum tracking error and
// Black-Litterman sections.
//
// Independent references, written here another way:
//   - max_diversification: the closed form w ~ Sigma^-1 sigma; a brute force over every
//     support set S (w_S ~ Sigma_SS^-1 sigma_S, kept when positive; the best ratio); the KKT
//     conditions of the ratio itself (its gradient sigma / s_p - D Sigma w / s_p^2 equal on the
//     free assets, no larger at a lower bound, no smaller at an upper one).
//   - min_tracking_error: the closed form under a budget alone; a brute force over every
//     assignment of the assets to {lower, upper, free}, each an equality-constrained QP solved
//     by its full KKT system (LU); the KKT conditions of (w - b)'Sigma(w - b).
//   - black_litterman: the information (precision) form of He and Litterman, mu_BL =
//     [(tau Sigma)^-1 + P'Omega^-1 P]^-1 [(tau Sigma)^-1 mu0 + P'Omega^-1 Q] and Sigma_BL =
//     Sigma + [(tau Sigma)^-1 + P'Omega^-1 P]^-1, by explicit inverses in long double; the
//     limits (no views, certain views, Idzorek 0% and 100%); Idzorek's defining property
//     (confidence c moves the posterior c of the way to the certain view); and
//     PyPortfolioOpt's formulae re-implemented with numpy/pandas (python3) on
//     ../shared/data/etf_multi_asset_daily_2018_2026.csv, printed to 17 digits as fixtures.
//   - market_implied_*: the formulae in long double over the same file.
// Covariances come from random factor models (seeded std::mt19937_64).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/volatility.hpp>

#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
using ld_matrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using ld_vector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

/// S = B B' + diag(d): k factors with loadings N(0, 0.2^2), specific variances in [0.01, 0.05].
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

Eigen::VectorXd vols(const Eigen::MatrixXd& s) { return s.diagonal().cwiseSqrt(); }

double ratio(const Eigen::VectorXd& w, const Eigen::MatrixXd& s) { return vols(s).dot(w) / std::sqrt(w.dot(s * w)); }

/// The best diversification ratio over every support set (long-only, fully invested).
double brute_force_max_ratio(const Eigen::MatrixXd& s, Eigen::VectorXd& best_w) {
  const Eigen::Index n = s.rows();
  double best = -1;
  for (unsigned mask = 1; mask < (1U << n); ++mask) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index i = 0; i < n; ++i)
      if ((mask >> i) & 1U) idx.push_back(i);
    const Eigen::MatrixXd sub = s(idx, idx);
    const Eigen::VectorXd sig = vols(s)(idx);
    const Eigen::VectorXd y = sub.ldlt().solve(sig);
    if (y.minCoeff() <= 0) continue;
    Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
    w(idx) = y / y.sum();
    const double r = ratio(w, s);
    if (r > best) {
      best = r;
      best_w = w;
    }
  }
  return best;
}

/// The least (w - b)'S(w - b) over every assignment of the assets to lower (lo), upper (hi)
/// or free, under sum w = 1: each a KKT system [S_FF 1; 1' 0][w_F; nu] = [(S(b - w_fixed))_F; 1 - sum fixed].
double brute_force_tracking(const Eigen::MatrixXd& s, const Eigen::VectorXd& b, double lo, double hi,
                            Eigen::VectorXd& best_w) {
  const Eigen::Index n = s.rows();
  double best = std::numeric_limits<double>::infinity();
  int total = 1;
  for (Eigen::Index i = 0; i < n; ++i) total *= 3;
  for (int code = 0; code < total; ++code) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
    std::vector<Eigen::Index> free;
    int c = code;
    for (Eigen::Index i = 0; i < n; ++i, c /= 3) {
      if (c % 3 == 0) w(i) = lo;
      if (c % 3 == 1) w(i) = hi;
      if (c % 3 == 2) free.push_back(i);
    }
    const auto f = static_cast<Eigen::Index>(free.size());
    if (f == 0) {
      if (std::fabs(w.sum() - 1) > 1e-12) continue;
    } else {
      Eigen::MatrixXd kkt = Eigen::MatrixXd::Zero(f + 1, f + 1);
      kkt.topLeftCorner(f, f) = s(free, free);
      kkt.block(0, f, f, 1).setOnes();
      kkt.block(f, 0, 1, f).setOnes();
      Eigen::VectorXd rhs(f + 1);
      const Eigen::VectorXd g = s * (b - w);  // w holds the fixed values, 0 on free
      rhs.head(f) = g(free);
      rhs(f) = 1 - w.sum();
      const Eigen::VectorXd x = kkt.fullPivLu().solve(rhs);
      for (Eigen::Index a = 0; a < f; ++a) w(free[static_cast<std::size_t>(a)]) = x(a);
      if (w.minCoeff() < lo - 1e-12 || w.maxCoeff() > hi + 1e-12) continue;
    }
    const double v = (w - b).dot(s * (w - b));
    if (v < best) {
      best = v;
      best_w = w;
    }
  }
  return best;
}

/// He and Litterman's information form, by explicit inverses in long double.
struct info_form {
  Eigen::VectorXd mean;
  Eigen::MatrixXd covariance;
};
info_form bl_information_form(const Eigen::VectorXd& mu0, const Eigen::MatrixXd& s, const Eigen::MatrixXd& p,
                              const Eigen::VectorXd& q, const Eigen::MatrixXd& omega, double tau) {
  const ld_matrix ts_inv = (static_cast<long double>(tau) * s.cast<long double>()).inverse();
  const ld_matrix om_inv = omega.cast<long double>().inverse();
  const ld_matrix pl = p.cast<long double>();
  const ld_matrix h = ts_inv + pl.transpose() * om_inv * pl;
  const ld_matrix h_inv = h.inverse();
  const ld_vector rhs = ts_inv * mu0.cast<long double>() + pl.transpose() * om_inv * q.cast<long double>();
  return {(h_inv * rhs).cast<double>(), (s.cast<long double>() + h_inv).cast<double>()};
}

double max_abs(const Eigen::MatrixXd& m) { return m.cwiseAbs().maxCoeff(); }

}  // namespace

// ---- max_diversification ----

TEST_CASE("max_diversification: unbounded, w is proportional to Sigma^-1 sigma", "[construction][maxdiv]") {
  std::mt19937_64 rng(2008);
  for (const Eigen::Index n : {Eigen::Index{2}, Eigen::Index{7}, Eigen::Index{40}}) {
    const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
    const auto p = keel::max_diversification(s, keel::weight_bounds::unbounded());
    const Eigen::VectorXd y = s.llt().solve(vols(s));
    INFO("N = " << n);
    REQUIRE(y.sum() > 0);
    CHECK(max_abs(p.weights - y / y.sum()) <= 1e-12);
    // The largest ratio is sqrt(sigma'Sigma^-1 sigma).
    CHECK(p.diversification_ratio == Approx(std::sqrt(vols(s).dot(y))).epsilon(1e-13));
    CHECK(p.volatility == Approx(std::sqrt(p.weights.dot(s * p.weights))).epsilon(1e-13));
    CHECK(p.expected_return == 0);
    CHECK(p.sharpe == 0);
  }
}

TEST_CASE("max_diversification: long-only equals a brute force over support sets, with KKT to 1e-12",
          "[construction][maxdiv]") {
  std::mt19937_64 rng(40);
  for (int trial = 0; trial < 40; ++trial) {
    const Eigen::Index n = 2 + trial % 6;
    const Eigen::MatrixXd s = factor_covariance(n, 1 + trial % 3, rng);
    const auto p = keel::max_diversification(s);
    Eigen::VectorXd bw;
    const double best = brute_force_max_ratio(s, bw);
    INFO("trial " << trial << ", N = " << n);
    CHECK(ratio(p.weights, s) == Approx(best).epsilon(1e-12));
    CHECK(max_abs(p.weights - bw) <= 1e-10);
    CHECK(p.weights.minCoeff() >= -1e-15);  // a weight at its bound carries the path's rounding
    CHECK(std::fabs(p.weights.sum() - 1) <= 1e-14);
    // KKT of the ratio D(w) = sigma'w / s_p: its gradient sigma / s_p - D Sigma w / s_p^2 is 0
    // on the held assets (the budget's multiplier is 0: D is scale-free) and <= 0 off them.
    const double sp = std::sqrt(p.weights.dot(s * p.weights)), d = ratio(p.weights, s);
    const Eigen::VectorXd grad = vols(s) / sp - d * (s * p.weights) / (sp * sp);
    for (Eigen::Index i = 0; i < n; ++i) {
      INFO("w[" << i << "] = " << p.weights(i));
      if (p.weights(i) > 1e-13)
        CHECK(std::fabs(grad(i)) <= 1e-12 * vols(s).maxCoeff() / sp);
      else
        CHECK(grad(i) <= 1e-12 * vols(s).maxCoeff() / sp);
    }
    // The reported ratio is volatility.hpp's.
    CHECK(p.diversification_ratio == Approx(keel::diversification_ratio(p.weights, s)).epsilon(1e-14));
  }
}

TEST_CASE("max_diversification: KKT to 1e-12 with upper bounds, groups and a linear constraint",
          "[construction][maxdiv]") {
  std::mt19937_64 rng(77);
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::Index n = 6;
    const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
    keel::portfolio_constraints pc{.bounds = keel::weight_bounds(0.0, 0.3)};
    const auto p = keel::max_diversification(s, pc);
    const Eigen::VectorXd& w = p.weights;
    const double sp = std::sqrt(w.dot(s * w)), d = ratio(w, s);
    const Eigen::VectorXd grad = vols(s) / sp - d * (s * w) / (sp * sp);
    // The budget's multiplier nu: grad_i = nu on free assets, <= nu at 0, >= nu at 0.3.
    double nu = 0;
    int free = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (w(i) > 1e-12 && w(i) < 0.3 - 1e-12) {
        nu += grad(i);
        ++free;
      }
    INFO("trial " << trial << ", " << free << " free");
    REQUIRE(free > 0);
    nu /= free;
    const double tol = 1e-12 * vols(s).maxCoeff() / sp;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (w(i) > 1e-12 && w(i) < 0.3 - 1e-12) CHECK(std::fabs(grad(i) - nu) <= tol);
      if (w(i) <= 1e-12) CHECK(grad(i) <= nu + tol);
      if (w(i) >= 0.3 - 1e-12) CHECK(grad(i) >= nu - tol);
    }
    CHECK(w.maxCoeff() <= 0.3 + 1e-15);
    CHECK(std::fabs(w.sum() - 1) <= 1e-14);
  }
  // Group and linear constraints hold.
  const Eigen::MatrixXd s = factor_covariance(5, 2, rng);
  keel::portfolio_constraints pc;
  pc.groups = {"A", "A", "B", "B", "B"};
  pc.group_limits = {{"A", 0.5, 0.7}};
  pc.linear = {{Eigen::VectorXd::LinSpaced(5, 0.5, 1.5), keel::constraint_relation::greater_equal, 1.1, "beta"}};
  const auto p = keel::max_diversification(s, pc);
  CHECK(p.weights(0) + p.weights(1) >= 0.5 - 1e-14);
  CHECK(p.weights(0) + p.weights(1) <= 0.7 + 1e-14);
  CHECK(Eigen::VectorXd::LinSpaced(5, 0.5, 1.5).dot(p.weights) >= 1.1 - 1e-14);
  CHECK(ratio(p.weights, s) <= ratio(keel::max_diversification(s).weights, s) + 1e-15);
}

TEST_CASE("max_diversification: no expected returns enter the weights, whatever their sign", "[construction][maxdiv]") {
  std::mt19937_64 rng(5);
  const Eigen::MatrixXd s = factor_covariance(6, 2, rng);
  const std::vector<double> mu{0.05, 0.1, -0.02, 0.07, 0.03, 0.01};
  std::vector<double> negative(mu);
  for (double& x : negative) x = -x - 0.2;  // every expected return negative
  const auto a = keel::max_diversification(s);
  const auto b = keel::max_diversification(s, {}, {.expected_returns = mu, .risk_free = 0.01});
  const auto c = keel::max_diversification(s, {}, {.expected_returns = negative});
  CHECK(a.weights == b.weights);
  CHECK(a.weights == c.weights);
  const Eigen::VectorXd m = Eigen::Map<const Eigen::VectorXd>(mu.data(), 6);
  CHECK(b.expected_return == Approx(m.dot(b.weights)).epsilon(1e-14));
  CHECK(b.sharpe == Approx((b.expected_return - 0.01) / b.volatility).epsilon(1e-14));
  CHECK(c.expected_return < 0);
  // The diversified_portfolio is a portfolio: it slices to one.
  const keel::portfolio<double>& base = a;
  CHECK(base.weights == a.weights);
  // float in, float out, computed in double.
  const auto f = keel::max_diversification(Eigen::MatrixXf(s.cast<float>()));
  CHECK(max_abs(f.weights.cast<double>() - a.weights) <= 1e-6);
}

TEST_CASE("max_diversification: errors", "[construction][maxdiv][errors]") {
  const Eigen::Matrix2d s{{0.04, -0.04}, {-0.04, 0.04}};  // perfectly offsetting: a riskless mix
  CHECK_THROWS_AS(keel::max_diversification(s), keel::singular_problem);
  CHECK_THROWS_WITH(keel::max_diversification(s), Contains("diversification ratio is unbounded"));
  const Eigen::Matrix2d ok{{0.04, 0.01}, {0.01, 0.09}};
  CHECK_THROWS_AS(keel::max_diversification(ok, keel::weight_bounds(-1.0, 0.0)), keel::infeasible);
  CHECK_THROWS_WITH(keel::max_diversification(ok, keel::portfolio_constraints{.bounds = keel::weight_bounds(-1.0, 0.0),
                                                                              .budget = keel::budget_rule::none}),
                    Contains("no portfolio the constraints allow has a positive volatility-weighted sum"));
  // Unbounded, 1'Sigma^-1 sigma < 0: the ratio's supremum is not attained under the budget.
  const Eigen::Vector3d sig(0.45, 0.46, 0.06);
  Eigen::Matrix3d corr{{1, -0.67, 0.9}, {-0.67, 1, -0.45}, {0.9, -0.45, 1}};
  const Eigen::Matrix3d neg = sig.asDiagonal() * corr * sig.asDiagonal();
  const Eigen::Vector3d y = neg.llt().solve(sig);
  REQUIRE(y.sum() < 0);
  CHECK_THROWS_WITH(keel::max_diversification(neg, keel::weight_bounds::unbounded()),
                    Contains("without reaching it along the unbounded weights"));
  CHECK_THROWS_WITH(keel::max_diversification(Eigen::MatrixXd(Eigen::MatrixXd::Ones(2, 3))),
                    Contains("cov is 2 x 3, not square"));
  CHECK_THROWS_WITH(keel::max_diversification(ok, {}, {.expected_returns = {0.1}}),
                    Contains("expected_returns has 1 values but cov has 2"));
  CHECK_THROWS_WITH(keel::max_diversification(ok, {}, {.expected_returns = {0.1, std::nan("")}}),
                    Contains("expected_returns[1] is NaN"));
  CHECK_THROWS_WITH(keel::max_diversification(ok, {}, {.risk_free = std::nan("")}),
                    Contains("risk_free = NaN must be finite"));
  const Eigen::Matrix2d indefinite{{0.04, 0.1}, {0.1, 0.09}};
  CHECK_THROWS_WITH(keel::max_diversification(indefinite), Contains("cov is not positive semi-definite"));
}

// ---- min_tracking_error ----

TEST_CASE("min_tracking_error: a feasible benchmark is returned exactly, with tracking error 0",
          "[construction][tracking]") {
  std::mt19937_64 rng(11);
  const Eigen::MatrixXd s = factor_covariance(5, 2, rng);
  const Eigen::VectorXd b = (Eigen::VectorXd(5) << 0.1, 0.2, 0.3, 0.15, 0.25).finished();
  const auto p = keel::min_tracking_error(s, b);
  CHECK(p.weights == b);
  CHECK(p.tracking_error == 0);
  CHECK(p.volatility == Approx(std::sqrt(b.dot(s * b))).epsilon(1e-14));
  // Any Series: a std::vector gives the same.
  const std::vector<double> bv(b.data(), b.data() + 5);
  CHECK(keel::min_tracking_error(s, bv).weights == b);
}

TEST_CASE("min_tracking_error: unbounded, the closed form b + Sigma^-1 1 (1 - 1'b) / 1'Sigma^-1 1",
          "[construction][tracking]") {
  std::mt19937_64 rng(12);
  const Eigen::MatrixXd s = factor_covariance(8, 3, rng);
  Eigen::VectorXd b = Eigen::VectorXd::Constant(8, 0.1);  // sums to 0.8: 20% cash in the benchmark
  b(3) = -0.05;
  const auto p = keel::min_tracking_error(s, b, keel::weight_bounds::unbounded());
  const Eigen::VectorXd y = s.llt().solve(Eigen::VectorXd::Ones(8));
  const Eigen::VectorXd expected = b + y * (1 - b.sum()) / y.sum();
  CHECK(max_abs(p.weights - expected) <= 1e-13);
  // TE^2 = (1 - 1'b)^2 / 1'Sigma^-1 1.
  CHECK(p.tracking_error == Approx(std::fabs(1 - b.sum()) / std::sqrt(y.sum())).epsilon(1e-12));
}

TEST_CASE("min_tracking_error: bounded, a brute force over active sets and KKT to 1e-12", "[construction][tracking]") {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> u(-0.2, 0.5);
  for (int trial = 0; trial < 30; ++trial) {
    const Eigen::Index n = 2 + trial % 4;
    const Eigen::MatrixXd s = factor_covariance(n, 2, rng);
    Eigen::VectorXd b(n);
    for (Eigen::Index i = 0; i < n; ++i) b(i) = u(rng);  // some negative, sums anywhere
    const double hi = trial % 2 == 0 ? 1.0 : std::max(0.45, 1.2 / static_cast<double>(n));
    const auto p = keel::min_tracking_error(s, b, keel::weight_bounds(0.0, hi));
    Eigen::VectorXd bw;
    const double best = brute_force_tracking(s, b, 0.0, hi, bw);
    INFO("trial " << trial << ", N = " << n << ", upper " << hi);
    CHECK(p.tracking_error * p.tracking_error == Approx(best).epsilon(1e-11).margin(1e-15));
    CHECK(max_abs(p.weights - bw) <= 1e-10);
    CHECK(p.tracking_error == Approx(std::sqrt((p.weights - b).dot(s * (p.weights - b)))).epsilon(1e-13));
    // KKT: g = Sigma (w - b) equals -nu on free assets, >= -nu at 0, <= -nu at the upper bound.
    const Eigen::VectorXd g = s * (p.weights - b);
    double nu = 0;
    int free = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (p.weights(i) > 1e-13 && p.weights(i) < hi - 1e-13) {
        nu -= g(i);
        ++free;
      }
    if (free > 0) {
      nu /= free;
      const double tol = 1e-12 * s.cwiseAbs().maxCoeff();
      for (Eigen::Index i = 0; i < n; ++i) {
        if (p.weights(i) > 1e-13 && p.weights(i) < hi - 1e-13) CHECK(std::fabs(g(i) + nu) <= tol);
        if (p.weights(i) <= 1e-13) CHECK(g(i) + nu >= -tol);
        if (p.weights(i) >= hi - 1e-13) CHECK(g(i) + nu <= tol);
      }
    }
  }
}

TEST_CASE("min_tracking_error: groups and linear constraints hold; the result is a portfolio",
          "[construction][tracking]") {
  std::mt19937_64 rng(14);
  const Eigen::MatrixXd s = factor_covariance(6, 2, rng);
  const Eigen::VectorXd b = Eigen::VectorXd::Constant(6, 1.0 / 6);
  keel::portfolio_constraints pc;
  pc.groups = {"A", "A", "A", "B", "B", "B"};
  pc.group_limits = {{"A", 0.0, 0.3}};
  const Eigen::VectorXd beta = Eigen::VectorXd::LinSpaced(6, 0.6, 1.4);
  pc.linear = {{beta, keel::constraint_relation::equal, 1.05, "beta"}};
  const auto p = keel::min_tracking_error(s, b, pc, {.expected_returns = {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}});
  CHECK(p.weights.head(3).sum() <= 0.3 + 1e-14);
  CHECK(beta.dot(p.weights) == Approx(1.05).epsilon(1e-14));
  CHECK(p.expected_return == Approx(0.1).epsilon(1e-14));
  CHECK(p.tracking_error > 0);
  // A nearby feasible point (along the constraints' null space) tracks no better.
  Eigen::MatrixXd a(3, 6);
  a.row(0).setOnes();
  a.row(1) << 1, 1, 1, 0, 0, 0;
  a.row(2) = beta.transpose();
  const Eigen::MatrixXd null = a.fullPivLu().kernel();
  REQUIRE(null.cols() == 3);
  int checked = 0;  // the null space keeps every equality and the group's sum: only w >= 0 can fail
  for (Eigen::Index j = 0; j < null.cols(); ++j)
    for (const double t : {-1e-3, 1e-3}) {
      const Eigen::VectorXd w = p.weights + t * null.col(j);
      if (w.minCoeff() < 0) continue;
      ++checked;
      CHECK((w - b).dot(s * (w - b)) >= p.tracking_error * p.tracking_error * (1 - 1e-12));
    }
  CHECK(checked > 0);
}

TEST_CASE("min_tracking_error: errors", "[construction][tracking][errors]") {
  const Eigen::Matrix2d s{{0.04, 0.01}, {0.01, 0.09}};
  CHECK_THROWS_WITH(keel::min_tracking_error(s, Eigen::Vector3d(0.3, 0.3, 0.4)),
                    Contains("benchmark_weights has 3 values but cov has 2"));
  CHECK_THROWS_WITH(keel::min_tracking_error(s, Eigen::Vector2d(0.5, std::nan(""))),
                    Contains("benchmark_weights[1] is NaN"));
  CHECK_THROWS_WITH(keel::min_tracking_error(s, Eigen::Vector2d(0.5, 1e200)),
                    Contains("benchmark_weights[1] = 1e+200 is outside the range keel solves in"));
  CHECK_THROWS_AS(keel::min_tracking_error(s, Eigen::Vector2d(0.5, 0.5), keel::weight_bounds(0.6, 1.0)),
                  keel::infeasible);
  CHECK_THROWS_WITH(keel::min_tracking_error(s, Eigen::Vector2d(0.5, 0.5), {}, {.expected_returns = {1, 2, 3}}),
                    Contains("expected_returns has 3 values but cov has 2"));
  const Eigen::Matrix2d singular{{0.04, 0.04}, {0.04, 0.04}};
  CHECK_THROWS_AS(keel::min_tracking_error(singular, Eigen::Vector2d(0.2, 0.3), keel::weight_bounds::unbounded()),
                  keel::singular_problem);
}

// ---- Black-Litterman ----

namespace {
struct bl_problem {
  Eigen::MatrixXd s;
  Eigen::VectorXd prior;
  keel::bl_views views;
};
bl_problem three_assets() {
  bl_problem b;
  b.s = Eigen::Matrix3d{{0.04, 0.006, 0.01}, {0.006, 0.0225, 0.0045}, {0.01, 0.0045, 0.09}};
  const Eigen::Vector3d w(0.5, 0.3, 0.2);
  b.prior = 2.5 * b.s * w;
  b.views.P = Eigen::MatrixXd{{1, 0, 0}, {0, 1, -1}};  // absolute on asset 0; asset 1 beats asset 2
  b.views.Q = Eigen::Vector2d(0.10, 0.02);
  return b;
}
}  // namespace

TEST_CASE("black_litterman: no views give the prior and (1 + tau) Sigma", "[construction][bl]") {
  const bl_problem b = three_assets();
  for (const keel::bl_views& none : {keel::bl_views{}, keel::bl_views{Eigen::MatrixXd(0, 3), Eigen::VectorXd(0)}}) {
    const auto r = keel::black_litterman(b.prior, b.s, none);
    CHECK(r.posterior_returns == b.prior);
    CHECK(max_abs(r.posterior_covariance - 1.05 * b.s) == 0);
    CHECK(r.omega.size() == 0);
  }
  // The market prior gives back the market weights.
  const auto r = keel::black_litterman(b.prior, b.s, {});
  CHECK(max_abs(r.weights - Eigen::Vector3d(0.5, 0.3, 0.2)) <= 1e-14);
  // With a risk-free rate in the prior, options.risk_free takes it out again.
  const Eigen::VectorXd with_rf = b.prior.array() + 0.03;
  const auto rf = keel::black_litterman(with_rf, b.s, {}, {.risk_free = 0.03});
  CHECK(max_abs(rf.weights - Eigen::Vector3d(0.5, 0.3, 0.2)) <= 1e-14);
}

TEST_CASE("black_litterman: the information form of He and Litterman, computed independently", "[construction][bl]") {
  const bl_problem b = three_assets();
  for (const double tau : {0.05, 0.3, 1.0}) {
    // Default Omega, Idzorek's and a given full one.
    const Eigen::MatrixXd given{{0.001, 0.0002}, {0.0002, 0.003}};
    for (int kind = 0; kind < 3; ++kind) {
      keel::bl_options o{.tau = tau};
      if (kind == 1) o.confidences = {0.7, 0.25};
      if (kind == 2) o.omega = given;
      const auto r = keel::black_litterman(b.prior, b.s, b.views, o);
      Eigen::MatrixXd omega(2, 2);
      if (kind == 0) omega = (tau * b.views.P * b.s * b.views.P.transpose()).diagonal().asDiagonal();
      if (kind == 1) {
        omega.setZero();
        for (int k = 0; k < 2; ++k) {
          const double c = o.confidences[static_cast<std::size_t>(k)];
          omega(k, k) = tau * (1 - c) / c * b.views.P.row(k).dot(b.s * b.views.P.row(k).transpose());
        }
      }
      if (kind == 2) omega = given;
      INFO("tau = " << tau << ", omega kind " << kind);
      CHECK(max_abs(r.omega - omega) <= 1e-16);
      const info_form ref = bl_information_form(b.prior, b.s, b.views.P, b.views.Q, omega, tau);
      CHECK(max_abs(r.posterior_returns - ref.mean) <= 1e-15);
      CHECK(max_abs(r.posterior_covariance - ref.covariance) <= 1e-15);
      // weights: (delta Sigma)^-1 mu_BL normalised, with the prior Sigma.
      const Eigen::VectorXd raw = b.s.inverse() * ref.mean;
      CHECK(max_abs(r.weights - raw / raw.sum()) <= 1e-13);
    }
  }
}

TEST_CASE("black_litterman: with the default Omega tau cancels in the mean (not the covariance)",
          "[construction][bl]") {
  const bl_problem b = three_assets();
  const auto a = keel::black_litterman(b.prior, b.s, b.views, {.tau = 0.05});
  const auto c = keel::black_litterman(b.prior, b.s, b.views, {.tau = 0.8});
  CHECK(max_abs(a.posterior_returns - c.posterior_returns) <= 1e-15);
  CHECK(max_abs(a.weights - c.weights) <= 1e-14);
  CHECK(max_abs(a.posterior_covariance - c.posterior_covariance) > 1e-3);
}

TEST_CASE("black_litterman: certain views hold exactly; Idzorek 100% and 0% are the limits", "[construction][bl]") {
  std::mt19937_64 rng(1999);
  const Eigen::MatrixXd s = factor_covariance(10, 3, rng);
  const Eigen::VectorXd prior = 2.0 * s * Eigen::VectorXd::Constant(10, 0.1);
  keel::bl_views v;
  v.P = Eigen::MatrixXd::Zero(3, 10);
  v.P(0, 2) = 1;
  v.P(1, 4) = 1;
  v.P(1, 7) = -1;
  v.P.row(2).setConstant(0.1);
  v.Q = Eigen::Vector3d(0.2, -0.05, 0.08);
  const auto certain = keel::black_litterman(prior, s, v, {.omega = Eigen::MatrixXd::Zero(3, 3)});
  CHECK(max_abs(v.P * certain.posterior_returns - v.Q) <= 1e-15);
  // Confidence 1 is Omega = 0 exactly.
  const auto full = keel::black_litterman(prior, s, v, {.confidences = {1, 1, 1}});
  CHECK(full.omega == Eigen::MatrixXd::Zero(3, 3));
  CHECK(full.posterior_returns == certain.posterior_returns);
  // Omega -> 0 approaches the certain posterior.
  const auto near = keel::black_litterman(prior, s, v, {.omega = 1e-12 * Eigen::MatrixXd::Identity(3, 3)});
  CHECK(max_abs(near.posterior_returns - certain.posterior_returns) <= 1e-9);
  // Confidence 0 ignores the view: all at 0 is the prior; one at 0 is the other two alone.
  const auto none = keel::black_litterman(prior, s, v, {.confidences = {0, 0, 0}});
  CHECK(none.posterior_returns == prior);
  CHECK(max_abs(none.posterior_covariance - 1.05 * s) == 0);
  CHECK(std::isinf(none.omega(0, 0)));
  const auto two = keel::black_litterman(prior, s, v, {.confidences = {0.5, 0, 0.9}});
  keel::bl_views kept;
  kept.P = v.P({0, 2}, Eigen::all);
  kept.Q = v.Q({0, 2});
  const auto alone = keel::black_litterman(prior, s, kept, {.confidences = {0.5, 0.9}});
  CHECK(max_abs(two.posterior_returns - alone.posterior_returns) <= 1e-16);
  // Idzorek's property, one view: confidence c moves the posterior c of the way to certainty.
  keel::bl_views one{v.P.topRows(1), v.Q.head(1)};
  const auto sure = keel::black_litterman(prior, s, one, {.confidences = {1}});
  for (const double c : {0.1, 0.5, 0.9}) {
    const auto r = keel::black_litterman(prior, s, one, {.confidences = {c}});
    CHECK(max_abs((r.posterior_returns - prior) - c * (sure.posterior_returns - prior)) <= 1e-15);
  }
}

TEST_CASE("market_implied_returns and market_implied_risk_aversion: the formulae", "[construction][bl]") {
  const bl_problem b = three_assets();
  const std::vector<double> caps{500, 300, 200};  // capitalisations, normalised
  const auto pi = keel::market_implied_returns(b.s, caps, 2.5, {.risk_free = 0.02});
  CHECK(max_abs(pi - (b.prior.array() + 0.02).matrix()) <= 1e-16);
  CHECK(max_abs(keel::market_implied_returns(b.s, caps, 2.5) - b.prior) <= 1e-16);
  // Prices 100, 110, 99: returns 0.1 and -0.1, mean 0, sample variance 0.02.
  const std::vector<double> prices{100, 110, 99};
  CHECK(keel::market_implied_risk_aversion(prices, {.risk_free = 0.02}) == Approx(-0.02 / (0.02 * 252)).epsilon(1e-12));
  const std::vector<double> rets{0.1, -0.1, 0.04};
  const double m = 0.04 / 3, v = ((0.1 - m) * (0.1 - m) + (0.1 + m) * (0.1 + m) + (0.04 - m) * (0.04 - m)) / 2;
  CHECK(keel::market_implied_risk_aversion(rets, {.periods_per_year = 12, .returns_data = true}) ==
        Approx(m / v).epsilon(1e-13));
  CHECK(keel::market_implied_risk_aversion(std::vector<float>{100.f, 101.f, 99.f, 102.f}) > 0);
  // DESIGN.md's positional risk_free: the same numbers as the options forms, and it replaces
  // options.risk_free.
  CHECK(keel::market_implied_returns(b.s, caps, 2.5, 0.02) == pi);
  CHECK(keel::market_implied_risk_aversion(prices, 0.02) ==
        keel::market_implied_risk_aversion(prices, {.risk_free = 0.02}));
  CHECK(keel::market_implied_risk_aversion(rets, 0.01,
                                           {.risk_free = 0.5, .periods_per_year = 12, .returns_data = true}) ==
        keel::market_implied_risk_aversion(rets, {.risk_free = 0.01, .periods_per_year = 12, .returns_data = true}));
  CHECK(keel::market_implied_risk_aversion(prices, 0.02) != keel::market_implied_risk_aversion(prices));
}

TEST_CASE("black_litterman on etf_multi_asset_daily equals PyPortfolioOpt's formulae", "[construction][bl][data]") {
  // Reference: PyPortfolioOpt's market_implied_risk_aversion, market_implied_prior_returns,
  // BlackLittermanModel.bl_returns / bl_cov / bl_weights, re-implemented with numpy 1.24 and
  // pandas 1.5 (pypfopt is not installed here) on the same file: S = pct_change().cov() * 252,
  // rf = 0.02 in the prior (so bl_weights keep it: options.risk_free = 0), delta from SPY.
  const auto file = keel_test::shared_file("data/etf_multi_asset_daily_2018_2026.csv");
  if (!file) return;
  const keel::price_table table = keel::read_prices_csv(*file);
  std::vector<Eigen::Index> cols;
  for (const char* sym : {"SPY", "QQQ", "TLT", "GLD", "UUP", "XLE", "XLF", "XLK"})
    cols.push_back(std::find(table.symbols.begin(), table.symbols.end(), sym) - table.symbols.begin());
  const Eigen::MatrixXd prices = table.prices(Eigen::all, cols);
  const Eigen::MatrixXd rets =
      (prices.bottomRows(prices.rows() - 1).array() / prices.topRows(prices.rows() - 1).array()) - 1;
  const Eigen::MatrixXd s = keel::sample_covariance(rets, {.periods_per_year = 252}).covariance;
  const Eigen::VectorXd spy = prices.col(0);
  const double delta = keel::market_implied_risk_aversion(spy, {.risk_free = 0.02});
  // An independent computation: long double, one pass of Welford's recurrences.
  long double mean = 0, m2 = 0;
  for (Eigen::Index t = 1; t < spy.size(); ++t) {
    const long double r = static_cast<long double>(spy(t)) / spy(t - 1) - 1, d = r - mean;
    mean += d / t;
    m2 += d * (r - mean);
  }
  const long double var = m2 / (spy.size() - 2);
  CHECK(delta == Approx(static_cast<double>((mean * 252 - 0.02L) / (var * 252))).epsilon(1e-13));
  CHECK(delta == Approx(3.2871379601192263).epsilon(1e-12));  // pandas
  const std::vector<double> caps{500, 250, 60, 70, 10, 40, 45, 120};
  const Eigen::VectorXd pi = keel::market_implied_returns(s, caps, delta, {.risk_free = 0.02});
  const Eigen::VectorXd pi_ref =
      (Eigen::VectorXd(8) << 0.13496941825639483, 0.15892111054947278, 0.01192284891327568, 0.03677785068394394,
       0.0133885131549405, 0.129653021875902, 0.13197790534959195, 0.17175423897692088)
          .finished();
  CHECK(max_abs(pi - pi_ref) <= 1e-12);
  keel::bl_views v;
  v.P = Eigen::MatrixXd::Zero(2, 8);
  v.P(0, 0) = 1;
  v.P(1, 1) = 1;
  v.P(1, 2) = -1;
  v.Q = Eigen::Vector2d(0.10, 0.05);
  const auto def = keel::black_litterman(pi, s, v);
  const Eigen::VectorXd mu_def =
      (Eigen::VectorXd(8) << 0.1053751291514169, 0.12184176651145799, 0.02677608202326643, 0.03709449167717304,
       0.01344539078311782, 0.10254368759794762, 0.10290923275752836, 0.13141982834370614)
          .finished();
  const Eigen::VectorXd w_def = (Eigen::VectorXd(8) << 2.4269670742031604e-01, 3.9650337997021973e-02,
                                 1.4039945139271315e-01, 1.3323870256086265e-01, 4.8689324366642311e-01,
                                 3.7212138539567354e-04, 2.3225548405319530e-02, -6.6476112828052061e-02)
                                    .finished();
  CHECK(max_abs(def.posterior_returns - mu_def) <= 1e-12);
  CHECK(max_abs(def.weights - w_def) <= 1e-10);
  CHECK(def.posterior_covariance(0, 0) == Approx(0.03806578742286423).epsilon(1e-12));
  CHECK(def.posterior_covariance(1, 2) == Approx(-0.0033957437093035895).epsilon(1e-11));
  const auto idz = keel::black_litterman(pi, s, v, {.confidences = {0.6, 0.3}});
  const Eigen::VectorXd mu_idz =
      (Eigen::VectorXd(8) << 0.10882264555704071, 0.12712336833800764, 0.02105934603740277, 0.03606335581038234,
       0.01391260828124643, 0.10501094124496549, 0.10585507688899004, 0.13710310425914699)
          .finished();
  const Eigen::VectorXd w_idz = (Eigen::VectorXd(8) << 2.3121504841821439e-01, 5.7325187825955332e-02,
                                 1.2545438011542337e-01, 1.3525876686492122e-01, 4.9427515029350505e-01,
                                 3.7776320802656812e-04, 2.3577676581097360e-02, -6.7483973307143355e-02)
                                    .finished();
  CHECK(max_abs(idz.posterior_returns - mu_idz) <= 1e-12);
  CHECK(max_abs(idz.weights - w_idz) <= 1e-10);
  CHECK(idz.posterior_covariance(0, 0) == Approx(0.038002336395526304).epsilon(1e-12));
  CHECK(idz.posterior_covariance(1, 2) == Approx(-0.0035229039632094588).epsilon(1e-11));
}

TEST_CASE("black_litterman and market_implied_*: errors", "[construction][bl][errors]") {
  const bl_problem b = three_assets();
  keel::bl_views v = b.views;
  v.Q = Eigen::Vector3d(0.1, 0.02, 0.03);
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, v),
                    Contains("views.P has 2 rows (views) but views.Q has 3 values"));
  v = b.views;
  v.P = Eigen::MatrixXd::Ones(2, 4);
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, v), Contains("views.P has 4 columns but cov has 3 assets"));
  v = b.views;
  v.P.row(1).setZero();
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, v), Contains("view 1 (row 1 of views.P) has no asset"));
  v = b.views;
  v.Q(0) = std::nan("");
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, v), Contains("views.Q[0] is NaN"));
  v = b.views;
  v.P(1, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, v), Contains("views.P(1, 2)"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.tau = -0.05}),
                    Contains("tau = -0.05 must be finite and > 0"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.tau = 0}), Contains("tau = 0 must be"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.confidences = {0.5, 1.2}}),
                    Contains("confidences[1] = 1.2 must be in [0, 1]"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.confidences = {-0.1, 0.5}}),
                    Contains("confidences[0] = -0.1 must be in [0, 1]"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.confidences = {0.5}}),
                    Contains("confidences has 1 values but views.Q has 2"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.omega = Eigen::MatrixXd::Identity(3, 3)}),
                    Contains("omega is 3 x 3 but there are 2 views"));
  CHECK_THROWS_WITH(
      keel::black_litterman(b.prior, b.s, b.views, {.omega = Eigen::Matrix2d{{0.01, 0.02}, {0.02, 0.01}}}),
      Contains("omega is not positive semi-definite: its smallest eigenvalue is -0.0099"));
  CHECK_THROWS_WITH(
      keel::black_litterman(b.prior, b.s, b.views, {.omega = Eigen::Matrix2d{{0.01, 0.0}, {0.005, 0.01}}}),
      Contains("omega(1, 0) = 0.005 but omega(0, 1) = 0: not symmetric"));
  CHECK_THROWS_WITH(
      keel::black_litterman(b.prior, b.s, b.views, {.omega = Eigen::Matrix2d::Identity(), .confidences = {0.5, 0.5}}),
      Contains("give omega or confidences, not both"));
  CHECK_THROWS_WITH(keel::black_litterman(Eigen::Vector2d(0.1, 0.1), b.s, b.views),
                    Contains("prior has 2 values but cov has 3"));
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, b.views, {.risk_free = std::nan("")}),
                    Contains("risk_free = NaN must be finite"));
  // Dependent certain views: P tau Sigma P' + Omega is singular.
  keel::bl_views dep;
  dep.P = Eigen::MatrixXd{{1, 0, 0}, {2, 0, 0}};
  dep.Q = Eigen::Vector2d(0.1, 0.2);
  CHECK_THROWS_AS(keel::black_litterman(b.prior, b.s, dep, {.confidences = {1, 1}}), keel::singular_problem);
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, b.s, dep, {.confidences = {1, 1}}),
                    Contains("P tau Sigma P' + Omega is singular"));
  // ... but uncertain ones are fine.
  CHECK(keel::black_litterman(b.prior, b.s, dep).posterior_returns.allFinite());
  const Eigen::Matrix3d singular{{0.04, 0.04, 0.0}, {0.04, 0.04, 0.0}, {0.0, 0.0, 0.09}};
  CHECK_THROWS_AS(keel::black_litterman(b.prior, singular, b.views), keel::singular_problem);
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, singular, b.views),
                    Contains("cov is not positive definite (its smallest eigenvalue is"));
  const Eigen::Matrix3d indefinite{
      {0.04, 0.05, 0.0}, {0.05, 0.04, 0.0}, {0.0, 0.0, 0.09}};  // eigenvalues -0.01, 0.09, 0.09
  CHECK_THROWS_WITH(keel::black_litterman(b.prior, indefinite, b.views),
                    Contains("cov is not positive definite (its smallest eigenvalue is -0.0099"));
  CHECK_THROWS_WITH(keel::black_litterman(Eigen::Vector3d(-0.1, -0.2, -0.1), b.s, {}),
                    Contains("not a positive number: no fully invested portfolio is the tangency"));
  // market_implied_returns
  CHECK_THROWS_WITH(keel::market_implied_returns(b.s, std::vector<double>{0.5, 0.5}, 2.5),
                    Contains("market_weights has 2 values but cov has 3"));
  CHECK_THROWS_WITH(keel::market_implied_returns(b.s, std::vector<double>{0.5, -0.5, 0.0}, 2.5),
                    Contains("market_weights sum to 0: need a positive sum"));
  CHECK_THROWS_WITH(keel::market_implied_returns(b.s, std::vector<double>{0.5, 0.5, std::nan("")}, 2.5),
                    Contains("market_weights[2] is NaN"));
  CHECK_THROWS_WITH(keel::market_implied_returns(b.s, std::vector<double>{0.5, 0.3, 0.2}, std::nan("")),
                    Contains("risk_aversion = NaN must be finite"));
  CHECK_THROWS_WITH(
      keel::market_implied_returns(Eigen::MatrixXd(Eigen::MatrixXd::Ones(3, 2)), std::vector<double>{0.5, 0.5}, 2.5),
      Contains("cov is 3 x 2, not square"));
  // market_implied_risk_aversion
  CHECK_THROWS_AS(keel::market_implied_risk_aversion(std::vector<double>{100, 101}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, 101}),
                    Contains("needs at least 3 prices, got 2"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{0.1}, {.returns_data = true}),
                    Contains("needs at least 2 returns, got 1"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, 0, 101}),
                    Contains("market_prices[1] = 0 is not a positive price"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, -3, 101}),
                    Contains("market_prices[1] = -3 is not a positive price"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, std::nan(""), 101}),
                    Contains("market_prices[1] is NaN"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, 100, 100}),
                    Contains("the market's returns are constant"));
  CHECK_THROWS_WITH(keel::market_implied_risk_aversion(std::vector<double>{100, 101, 102}, {.periods_per_year = 0}),
                    Contains("periods_per_year = 0 must be positive and finite"));
}

TEST_CASE("black_litterman and min_tracking_error: float and long double inputs", "[construction][bl]") {
  const bl_problem b = three_assets();
  const auto d = keel::black_litterman(b.prior, b.s, b.views, {.confidences = {0.5, 0.8}});
  // long double is computed in long double: the same posterior to double's rounding.
  const auto l = keel::black_litterman(ld_vector(b.prior.cast<long double>()), ld_matrix(b.s.cast<long double>()),
                                       b.views, {.confidences = {0.5, 0.8}});
  CHECK(max_abs(l.posterior_returns.cast<double>() - d.posterior_returns) <= 1e-16);
  CHECK(max_abs(l.weights.cast<double>() - d.weights) <= 1e-15);
  // float is computed in double and rounded once.
  const auto f = keel::black_litterman(Eigen::VectorXf(b.prior.cast<float>()), Eigen::MatrixXf(b.s.cast<float>()),
                                       b.views, {.confidences = {0.5, 0.8}});
  CHECK(max_abs(f.posterior_returns.cast<double>() - d.posterior_returns) <= 1e-7);
  const Eigen::Vector3d bench(0.6, 0.5, -0.1);
  const auto td = keel::min_tracking_error(b.s, bench);
  const auto tl = keel::min_tracking_error(ld_matrix(b.s.cast<long double>()), ld_vector(bench.cast<long double>()));
  CHECK(max_abs(tl.weights.cast<double>() - td.weights) <= 1e-15);
  CHECK(static_cast<double>(tl.tracking_error) == Approx(td.tracking_error).epsilon(1e-14));
}
