// SPDX-License-Identifier: MIT
// Tests of keel/har.hpp: har_fit (series and panel), har_model::forecast,
// har_volatility_forecast. This file holds the fits against the reference OLS; har_test_ols.cpp
// the OLS core's two solvers side by side; har_test_forecast.cpp the simulation, the forecasts,
// the real-data and panel cases; har_test_storage.cpp the storage checklist and the bad input;
// har_test_workspace.cpp the results-are-values checks (nested workspace types, out forms with
// a reused workspace and the deprecated ones equal to the plain forms). Their shared helpers
// are in support/har_test_fixtures.hpp.
//
// Independent references used across the parts:
//   - the HAR design built explicitly row by row (each average summed directly) and solved by
//     long-double normal equations (Eigen LDLT), not keel's running sums and pivoted QR;
//   - the Newey-West sandwich written out as sums over observations and lags in long double;
//   - the iterated forecast recursion written by hand;
//   - a long simulated log-HAR process with known coefficients;
//   - real prices (the bundled Dow 30).
#include <cmath>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/har.hpp>

#include "support/har_test_fixtures.hpp"

using namespace keel_test::har_test;

namespace {

/// OLS by long-double pivoted QR, for designs too ill-conditioned for `solve`'s normal
/// equations; (X'X)^-1 = P R^-1 R^-T P'.
reference_ols solve_qr(const design& d) {
  const Eigen::ColPivHouseholderQR<lmatrix> qr(d.x);
  reference_ols out;
  out.b = qr.solve(d.y);
  out.e = d.y - d.x * out.b;
  const lmatrix r_inv = qr.matrixR().topLeftCorner(4, 4).triangularView<Eigen::Upper>().solve(lmatrix::Identity(4, 4));
  out.xtx_inv = qr.colsPermutation() * (r_inv * r_inv.transpose()) * qr.colsPermutation().transpose();
  return out;
}

/// The 2-norm condition number of the correlation matrix of the design's three regressors.
long double correlation_condition(const design& d) {
  const lmatrix c = d.x.rightCols(3).rowwise() - d.x.rightCols(3).colwise().mean();
  const lvector norms = c.colwise().norm().transpose();
  const lmatrix corr = norms.asDiagonal().inverse() * (c.transpose() * c) * norms.asDiagonal().inverse();
  const Eigen::SelfAdjointEigenSolver<lmatrix> eig(corr);
  return eig.eigenvalues().maxCoeff() / eig.eigenvalues().minCoeff();
}

/// Newey-West with Bartlett weights and the n/(n-k) factor, as sums over observations.
lvector newey_west_reference(const design& d, const reference_ols& o, long lags) {
  const long n = d.x.rows();
  lmatrix s = lmatrix::Zero(4, 4);
  for (long t = 0; t < n; ++t) s += o.e(t) * o.e(t) * d.x.row(t).transpose() * d.x.row(t);
  for (long l = 1; l <= lags; ++l) {
    const long double w = 1.0L - static_cast<long double>(l) / (lags + 1);
    for (long t = l; t < n; ++t) {
      const lmatrix g = o.e(t) * o.e(t - l) * d.x.row(t).transpose() * d.x.row(t - l);
      s += w * (g + g.transpose());
    }
  }
  const lmatrix v = o.xtx_inv * s * o.xtx_inv * (static_cast<long double>(n) / (n - 4));
  return v.diagonal().cwiseSqrt();
}

}  // namespace

TEST_CASE("har_fit equals OLS on the explicitly built design to 1e-10", "[har][fit]") {
  const std::vector<double> rv = simulate_rv(1500, 1);
  for (const auto scale : {keel::har_scale::variance, keel::har_scale::volatility, keel::har_scale::log_variance})
    for (long h : {1L, 5L, 22L}) {
      const auto model = keel::har_fit(rv, {.horizon = h, .scale = scale});
      const design d = build_design(rv, h, scale);
      const reference_ols ref = solve(d);
      INFO("scale " << static_cast<int>(scale) << " horizon " << h);
      CHECK(model.n == 1500 - 22 - h + 1);
      CHECK(rel(model.intercept, ref.b(0)) < 1e-10);
      CHECK(rel(model.beta_daily, ref.b(1)) < 1e-10);
      CHECK(rel(model.beta_weekly, ref.b(2)) < 1e-10);
      CHECK(rel(model.beta_monthly, ref.b(3)) < 1e-10);
      const long double tss = (d.y.array() - d.y.mean()).square().sum();
      CHECK(rel(model.r_squared, 1 - ref.e.squaredNorm() / tss) < 1e-10);
      // Corsi's Newey-West lags (5, 10, 44) and the direct sandwich.
      const long lags = h == 1 ? 5 : 2 * h;
      CHECK(model.options.newey_west_lags == lags);
      const lvector se = newey_west_reference(d, ref, lags);
      for (Eigen::Index j = 0; j < 4; ++j) {
        CHECK(rel(model.std_errors(j), se(j)) < 1e-10);
        CHECK(model.t_stats(j) == Approx(static_cast<double>(ref.b(j) / se(j))).epsilon(1e-10));
      }
    }
}

TEST_CASE("har_fit with newey_west_lags = 0 gives classical OLS errors", "[har][fit]") {
  const std::vector<double> rv = simulate_rv(800, 2);
  const auto model = keel::har_fit(rv, {.newey_west_lags = 0});
  const design d = build_design(rv, 1, keel::har_scale::variance);
  const reference_ols ref = solve(d);
  const long double s2 = ref.e.squaredNorm() / (d.x.rows() - 4);
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(rel(model.std_errors(j), std::sqrt(s2 * ref.xtx_inv(j, j))) < 1e-10);
  CHECK(model.options.newey_west_lags == 0);
  // Other lags: the sandwich again.
  const auto m3 = keel::har_fit(rv, {.newey_west_lags = 3});
  const lvector se3 = newey_west_reference(d, ref, 3);
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(rel(m3.std_errors(j), se3(j)) < 1e-10);
}

// har_fit solves from centred cross-products when it safely can; these inputs take its other
// branches: exact centring when the shift (the mean of x) is far from a column's mean, and
// pivoted QR when the regressors' correlation matrix is ill-conditioned.
TEST_CASE("har_fit equals the reference where its moments solve hands over", "[har][fit]") {
  const auto check_fit = [](const std::vector<double>& rv, double tol, double se_tol) {
    const design d = build_design(rv, 1, keel::har_scale::variance);
    const reference_ols ref = solve_qr(d);
    for (const long lags : {0L, 5L}) {
      INFO("newey_west_lags " << lags);
      const auto model = keel::har_fit(rv, {.newey_west_lags = lags});
      CHECK(rel(model.intercept, ref.b(0)) < tol);
      CHECK(rel(model.beta_daily, ref.b(1)) < tol);
      CHECK(rel(model.beta_weekly, ref.b(2)) < tol);
      CHECK(rel(model.beta_monthly, ref.b(3)) < tol);
      const long double tss = (d.y.array() - d.y.mean()).square().sum();
      CHECK(rel(model.r_squared, 1 - ref.e.squaredNorm() / tss) < tol);
      const long rows = d.x.rows();
      const lvector se = lags == 0 ? lvector((ref.xtx_inv.diagonal() * (ref.e.squaredNorm() / (rows - 4))).cwiseSqrt())
                                   : newey_west_reference(d, ref, lags);
      for (Eigen::Index j = 0; j < 4; ++j) CHECK(rel(model.std_errors(j), se(j)) < se_tol);
    }
  };
  SECTION("the first 21 days a million times the rest: the daily column's mean is far from the mean of x") {
    std::vector<double> rv = simulate_rv(600, 5);
    for (std::size_t i = 0; i < 21; ++i) rv[i] *= 1e6;
    check_fit(rv, 1e-10, 1e-10);
  }
  SECTION("a smooth series: its daily, weekly and monthly means are nearly collinear") {
    std::mt19937_64 gen(6);
    std::normal_distribution<double> z(0.0, 1.0);
    std::vector<double> rv(800);
    for (std::size_t t = 0; t < rv.size(); ++t)
      rv[t] = 1e-4 * (2 + std::sin(static_cast<double>(t) / 60)) * (1 + 1e-4 * z(gen));
    const long double condition = correlation_condition(build_design(rv, 1, keel::har_scale::variance));
    INFO("condition " << static_cast<double>(condition));
    REQUIRE(condition > 1e4);  // beyond the Cholesky path's rcond >= 1e-3: pivoted QR solves it
    // Coefficients keep 1e-10; the Newey-West errors of this design were measured 3e-10 from
    // the long-double sandwich (its scores multiply residuals by rows of an ill-conditioned
    // (X'X)^-1), so the standard errors are held to 1e-9.
    check_fit(rv, 1e-10, 1e-9);
  }
}
