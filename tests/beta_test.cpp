// SPDX-License-Identifier: MIT
// Tests of keel/beta.hpp: market_beta, rolling_beta, portfolio_beta.
//
// This file holds market_beta's correctness; beta_test_errors.cpp holds market_beta's
// conventions, options and errors, the dated overload and portfolio_beta;
// beta_test_collinear.cpp market_beta against a factor model with collinear factors;
// beta_test_rolling.cpp rolling_beta, the real-data tests and the API rules (overload selection,
// out forms, option names in messages, long double). Their shared helpers are in
// support/beta_test_fixtures.hpp.
//
// Independent references used in these files:
//   - a long-double textbook two-pass implementation (ols_reference, in the fixtures);
//   - Eigen's Householder QR of the [1, x] design, a different formulation (qr_reference);
//   - NIST StRD Norris (certified values, ../shared/reference/nist);
//   - published betas of real price files (../shared/data/SOURCES.md);
//   - closed-form Student-t tails for 1 and 2 degrees of freedom.
#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>

#include "support/beta_test_fixtures.hpp"
#include "support/nist.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

using namespace keel_test::beta_test;

namespace {

/// OLS by Householder QR of the design [1, x]; standard errors from R^-1.
reference_fit qr_reference(const std::vector<double>& y, const std::vector<double>& x) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd design(n, 2);
  Eigen::VectorXd yy(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    design(i, 0) = 1.0;
    design(i, 1) = x[static_cast<std::size_t>(i)];
    yy(i) = y[static_cast<std::size_t>(i)];
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(design);
  const Eigen::Vector2d coef = qr.solve(yy);
  const Eigen::VectorXd resid = yy - design * coef;
  const double rss = resid.squaredNorm();
  const double tss = (yy.array() - yy.mean()).matrix().squaredNorm();
  const Eigen::Matrix2d r = qr.matrixQR().topRows(2).triangularView<Eigen::Upper>();
  const Eigen::Matrix2d rinv = r.inverse();  // 2x2 upper-triangular: exact enough for a check
  const Eigen::Matrix2d cov = rinv * rinv.transpose();
  const double s2 = rss / static_cast<double>(n - 2);
  return {coef(1), coef(0), 1 - rss / tss, std::sqrt(s2 * cov(1, 1)), std::sqrt(s2 * cov(0, 0)), std::sqrt(s2)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// market_beta: correctness.

TEMPLATE_TEST_CASE("market_beta agrees with an independent fit over every storage", "[beta][storage]",
                   KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const sample s = make_sample(500, 42);
  // The reference sees exactly the values the storage holds (rounded to float when float).
  std::vector<double> y, x;
  for (double v : s.asset) y.push_back(static_cast<double>(static_cast<real>(v)));
  for (double v : s.market) x.push_back(static_cast<double>(static_cast<real>(v)));
  const reference_fit ref = ols_reference(y, x);

  const TestType asset(s.asset);
  const TestType market(s.market);
  const auto fit = keel::market_beta(asset.series(), market.series());
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::beta_fit<real>>);

  // Accumulation is in double for both types; float results are rounded once at the end.
  const double tol = std::is_same_v<real, float> ? 2e-7 : 1e-12;
  CHECK(rel_diff(static_cast<double>(fit.beta), ref.beta) < tol);
  CHECK(rel_diff(static_cast<double>(fit.alpha), ref.alpha) < (std::is_same_v<real, float> ? 2e-7 : 1e-10));
  CHECK(rel_diff(static_cast<double>(fit.r_squared), ref.r2) < tol);
  CHECK(rel_diff(static_cast<double>(fit.beta_stderr), ref.beta_se) < tol);
  CHECK(rel_diff(static_cast<double>(fit.alpha_stderr), ref.alpha_se) < tol);
  CHECK(rel_diff(static_cast<double>(fit.residual_stddev), ref.resid_sd) < tol);
  CHECK(fit.n == 500);
  CHECK_FALSE(fit.capped);
  CHECK(fit.raw_beta == fit.beta);
}

TEST_CASE("market_beta accepts std::array and a strided Eigen row", "[beta][storage]") {
  const std::array<double, 6> m{0.01, -0.02, 0.015, 0.003, -0.007, 0.012};
  std::array<double, 6> a{};
  for (std::size_t i = 0; i < m.size(); ++i) a[i] = 0.001 + 2.0 * m[i] + (i % 2 ? 1e-4 : -1e-4);
  const auto fit = keel::market_beta(a, m, {.min_observations = 6});
  const reference_fit ref = ols_reference({a.begin(), a.end()}, {m.begin(), m.end()});
  CHECK(rel_diff(fit.beta, ref.beta) < 1e-13);

  Eigen::MatrixXd panel(2, 6);  // rows are series: row(i) is a strided view
  for (Eigen::Index j = 0; j < 6; ++j) {
    panel(0, j) = a[static_cast<std::size_t>(j)];
    panel(1, j) = m[static_cast<std::size_t>(j)];
  }
  const auto fit_rows = keel::market_beta(panel.row(0), panel.row(1), {.min_observations = 6});
  // Strided rows are read through iterators, arrays through the vectorised pointer kernel: the
  // order of additions differs, the result only by rounding.
  CHECK(rel_diff(fit_rows.beta, fit.beta) < 1e-14);
}

TEST_CASE("market_beta agrees with a QR formulation to 1e-12", "[beta][independent]") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const sample s = make_sample(250 + 37 * seed, seed, 0.2 * seed - 1.0, 0.005 * seed);
    const auto fit = keel::market_beta(s.asset, s.market);
    const reference_fit qr = qr_reference(s.asset, s.market);
    INFO("seed " << seed);
    CHECK(rel_diff(fit.beta, qr.beta) < 1e-12);
    CHECK(rel_diff(fit.alpha, qr.alpha, 1e-6) < 1e-12);
    CHECK(rel_diff(fit.r_squared, qr.r2) < 1e-12);
    CHECK(rel_diff(fit.beta_stderr, qr.beta_se) < 1e-12);
    CHECK(rel_diff(fit.alpha_stderr, qr.alpha_se) < 1e-12);
    CHECK(rel_diff(fit.residual_stddev, qr.resid_sd) < 1e-12);
  }
}

TEST_CASE("market_beta is accurate when the first observations are far from the mean", "[beta][numerics]") {
  // The one-pass sums are taken around a shift near the first observations' mean. Here those
  // are 100 standard deviations away, and a trending series drifts far from any early value:
  // both must fall back to the exactly centred pass and stay accurate.
  sample s = make_sample(2000, 7);
  for (std::size_t i = 0; i < 16; ++i) s.market[i] += 1.2;
  const reference_fit ref = ols_reference(s.asset, s.market);
  const auto fit = keel::market_beta(s.asset, s.market);
  CHECK(rel_diff(fit.beta, ref.beta) < 1e-12);
  CHECK(rel_diff(fit.beta_stderr, ref.beta_se) < 1e-12);

  std::vector<double> trend_x(3000), trend_y(3000);
  std::mt19937_64 gen(3);
  std::normal_distribution<double> e(0.0, 1.0);
  for (std::size_t i = 0; i < trend_x.size(); ++i) {
    trend_x[i] = 1e6 + static_cast<double>(i) + e(gen);  // price levels, not returns
    trend_y[i] = 5.0 - 0.75 * trend_x[i] + 3.0 * e(gen);
  }
  const reference_fit tref = ols_reference(trend_y, trend_x);
  const auto tfit = keel::market_beta(trend_y, trend_x);
  CHECK(rel_diff(tfit.beta, tref.beta) < 1e-11);
  CHECK(rel_diff(tfit.alpha, tref.alpha) < 1e-9);
  CHECK(rel_diff(tfit.residual_stddev, tref.resid_sd) < 1e-11);
}

TEST_CASE("market_beta recovers an exact line", "[beta][property]") {
  std::vector<double> x(64), y(64);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::ldexp(static_cast<double>(static_cast<int>(i * 37 % 64) - 32), -8);  // exact binary
    y[i] = 0.25 + 1.5 * x[i];                                                        // exact too
  }
  const auto fit = keel::market_beta(y, x);
  CHECK(fit.beta == Approx(1.5).epsilon(1e-15));
  CHECK(fit.alpha == Approx(0.25).epsilon(1e-15));
  CHECK(fit.r_squared == 1.0);
  CHECK(fit.residual_stddev == Approx(0.0).margin(1e-15));
  CHECK(fit.p_value == Approx(0.0).margin(1e-300));
  require_no_nan(fit);
}

TEST_CASE("market_beta scales and translates as OLS must", "[beta][property]") {
  const sample s = make_sample(400, 11);
  const auto base = keel::market_beta(s.asset, s.market);
  std::vector<double> y2 = s.asset, y_perm = s.asset, x_perm = s.market;
  for (auto& v : y2) v = 3.0 * v + 0.01;  // beta x3, alpha x3 + 0.01
  const auto scaled = keel::market_beta(y2, s.market);
  CHECK(scaled.beta == Approx(3.0 * base.beta).epsilon(1e-12));
  CHECK(scaled.alpha == Approx(3.0 * base.alpha + 0.01).epsilon(1e-10));
  CHECK(scaled.r_squared == Approx(base.r_squared).epsilon(1e-12));
  CHECK(scaled.t_stat == Approx(base.t_stat).epsilon(1e-10));

  std::vector<double> x3 = s.market;
  for (auto& v : x3) v *= 0.5;  // market halved: beta doubles
  CHECK(keel::market_beta(s.asset, x3).beta == Approx(2.0 * base.beta).epsilon(1e-12));

  // Permuting the observations (together) changes nothing but rounding.
  std::mt19937 gen(5);
  std::vector<std::size_t> idx(s.asset.size());
  std::iota(idx.begin(), idx.end(), 0u);
  std::shuffle(idx.begin(), idx.end(), gen);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    y_perm[i] = s.asset[idx[i]];
    x_perm[i] = s.market[idx[i]];
  }
  const auto perm = keel::market_beta(y_perm, x_perm);
  CHECK(perm.beta == Approx(base.beta).epsilon(1e-13));
  CHECK(perm.residual_stddev == Approx(base.residual_stddev).epsilon(1e-13));
}

TEST_CASE("market_beta p-values match closed-form t tails, down to tiny values", "[beta][pvalue]") {
  // dof = 1 (n = 3): P(|T| > t) = (2/pi) atan(1/|t|).
  // dof = 2 (n = 4): P(|T| > t) = 2 / (sqrt(2 + t^2) (sqrt(2 + t^2) + |t|)), cancellation-free.
  const double pi = std::acos(-1.0);
  for (double noise : {0.5, 1e-3, 1e-6, 1e-9}) {
    const std::vector<double> x3{0.0, 1.0, 2.0}, y3{0.0, 1.0 + noise, 2.0};
    const auto f3 = keel::market_beta(y3, x3, {.min_observations = 3});
    const double t3 = f3.t_stat;
    CHECK(f3.p_value == Approx(2 / pi * std::atan(1 / std::fabs(t3))).epsilon(1e-12));

    const std::vector<double> x4{0.0, 1.0, 2.0, 3.0}, y4{0.0, 1.0 + noise, 2.0 - noise, 3.0};
    const auto f4 = keel::market_beta(y4, x4, {.min_observations = 3});
    const double t4 = std::fabs(f4.t_stat);
    const double q = std::sqrt(2 + t4 * t4);
    CHECK(f4.p_value == Approx(2 / (q * (q + t4))).epsilon(1e-12));
  }
  // With many observations and a strong fit the p-value is far below 1e-100 yet positive:
  // it is computed from the upper tail, not as 1 - cdf.
  const sample s = make_sample(150, 9, 1.0, 0.002);  // t near 80 with 148 dof
  const auto fit = keel::market_beta(s.asset, s.market);
  CHECK(fit.p_value > 0.0);
  CHECK(fit.p_value < 1e-100);
  CHECK(fit.significant(1e-50));
}

TEST_CASE("market_beta: NIST StRD Norris to 11 significant digits", "[beta][nist]") {
  const auto data_path = keel_test::shared_file("reference/nist/Norris.csv");
  const auto cert_path = keel_test::shared_file("reference/nist/certified.csv");
  if (!data_path || !cert_path) return;
  const auto data = keel_test::read_nist_dataset(*data_path);
  const auto cert = keel_test::read_nist_certified(*cert_path, "Norris");
  REQUIRE(data.names == std::vector<std::string>{"y", "x"});
  REQUIRE(data.columns[0].size() == 36);

  const auto fit = keel::market_beta(data.columns[0], data.columns[1]);
  const double lre_beta = keel_test::lre(fit.beta, cert.at("params[1].estimate"));
  const double lre_alpha = keel_test::lre(fit.alpha, cert.at("params[0].estimate"));
  const double lre_beta_se = keel_test::lre(fit.beta_stderr, cert.at("params[1].sd"));
  const double lre_alpha_se = keel_test::lre(fit.alpha_stderr, cert.at("params[0].sd"));
  const double lre_resid = keel_test::lre(fit.residual_stddev, cert.at("residual_sd"));
  const double lre_r2 = keel_test::lre(fit.r_squared, cert.at("r_squared"));
  std::cout << "Norris LRE: beta " << lre_beta << ", alpha " << lre_alpha << ", se(beta) " << lre_beta_se
            << ", se(alpha) " << lre_alpha_se << ", residual sd " << lre_resid << ", R2 " << lre_r2 << "\n";
  CHECK(lre_beta >= 11);
  CHECK(lre_alpha >= 11);
  CHECK(lre_beta_se >= 11);
  CHECK(lre_alpha_se >= 11);
  CHECK(lre_resid >= 11);
  CHECK(lre_r2 >= 11);
  CHECK(fit.n == 36);
}
