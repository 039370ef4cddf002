// SPDX-License-Identifier: MIT
// Tests of keel/har.hpp: har_fit (series and panel), har_model::forecast,
// har_volatility_forecast.
//
// Independent references used here:
//   - the HAR design built explicitly row by row (each average summed directly) and solved by
//     long-double normal equations (Eigen LDLT), not keel's running sums and pivoted QR;
//   - the Newey-West sandwich written out as sums over observations and lags in long double;
//   - the iterated forecast recursion written by hand;
//   - a long simulated log-HAR process with known coefficients;
//   - real prices (the bundled Dow 30).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/har.hpp>

#include "support/allocations.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
using lmatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using lvector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

/// A realised-variance-like series: a log-HAR process (positive, persistent, clustered).
std::vector<double> simulate_rv(std::size_t n, unsigned seed, double c = -0.6, double bd = 0.35, double bw = 0.3,
                                double bm = 0.25, double noise = 0.5) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, noise);
  const double mean = c / (1 - bd - bw - bm);
  std::vector<double> x(n + 200, mean);
  for (std::size_t t = 22; t < x.size(); ++t) {
    double w = 0, m = 0;
    for (std::size_t j = 1; j <= 5; ++j) w += x[t - j];
    for (std::size_t j = 1; j <= 22; ++j) m += x[t - j];
    x[t] = c + bd * x[t - 1] + bw * w / 5 + bm * m / 22 + z(gen);
  }
  std::vector<double> rv(n);
  for (std::size_t t = 0; t < n; ++t) rv[t] = std::exp(x[t + 200]) * 1e-4;  // daily variance ~1e-4 scale
  return rv;
}

double transform(double v, keel::har_scale s) {
  switch (s) {
    case keel::har_scale::variance:
      return v;
    case keel::har_scale::volatility:
      return std::sqrt(v);
    case keel::har_scale::log_variance:
      return std::log(v);
  }
  return v;
}

/// The HAR design [1, daily, weekly, monthly] and response, each average summed directly.
struct design {
  lmatrix x;
  lvector y;
};

design build_design(const std::vector<double>& rv, long h, keel::har_scale s, long weekly = 5, long monthly = 22) {
  const long n = static_cast<long>(rv.size());
  const long rows = n - monthly - h + 1;
  design d{lmatrix(rows, 4), lvector(rows)};
  for (long r = 0; r < rows; ++r) {
    const long t = r + monthly - 1;
    long double w = 0, m = 0, a = 0;
    for (long j = 0; j < weekly; ++j) w += transform(rv[static_cast<std::size_t>(t - j)], s);
    for (long j = 0; j < monthly; ++j) m += transform(rv[static_cast<std::size_t>(t - j)], s);
    for (long j = 1; j <= h; ++j) a += transform(rv[static_cast<std::size_t>(t + j)], s);
    d.x(r, 0) = 1;
    d.x(r, 1) = transform(rv[static_cast<std::size_t>(t)], s);
    d.x(r, 2) = w / weekly;
    d.x(r, 3) = m / monthly;
    d.y(r) = a / h;
  }
  return d;
}

/// OLS by long-double normal equations; the inverse of X'X for the sandwich.
struct reference_ols {
  lvector b, e;
  lmatrix xtx_inv;
};

reference_ols solve(const design& d) {
  const lmatrix xtx = d.x.transpose() * d.x;
  reference_ols out;
  out.b = xtx.ldlt().solve(d.x.transpose() * d.y);
  out.e = d.y - d.x * out.b;
  out.xtx_inv = xtx.ldlt().solve(lmatrix::Identity(4, 4));
  return out;
}

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

double rel(double a, long double b) { return static_cast<double>(std::fabs(a - b) / std::fabs(b)); }

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

// The OLS core's two solvers side by side: centred moments (Cholesky) and pivoted QR agree on
// every field of the fit for a well-conditioned design, and the moments solve declines a
// near-collinear one instead of answering with too few digits.
TEST_CASE("ols_from_moments equals the pivoted-QR core, and declines an ill-conditioned design", "[har][ols]") {
  std::mt19937_64 gen(8);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index n = 300;
  for (const double collinear : {0.0, 1e-4}) {
    INFO("third regressor = first + second + " << collinear << " noise (0: independent)");
    Eigen::MatrixXd x(n, 3);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x(i, 0) = 5 + z(gen);
      x(i, 1) = -2 + 3 * z(gen);
      x(i, 2) = collinear > 0 ? x(i, 0) + x(i, 1) + collinear * z(gen) : 100 + 0.1 * z(gen);
      y(i) = 1 + 0.5 * x(i, 0) - 0.25 * x(i, 1) + 2 * x(i, 2) + z(gen);
    }
    keel::detail::ols_workspace<double> ws;
    ws.resize(n, 3);
    ws.x = x;
    ws.y = y;
    keel::detail::ols_fit<double> qr;
    keel::detail::ols("test", ws, true, 0x1p-52, qr);
    Eigen::Vector4d mean;
    mean << x.colwise().mean().transpose(), y.mean();
    Eigen::MatrixXd centred(n, 4);
    centred << x, y;
    centred.rowwise() -= mean.transpose();
    const Eigen::Matrix4d cross = centred.transpose() * centred;
    keel::detail::ols_fit<double> fit;
    const bool solved = keel::detail::ols_from_moments<3>(Eigen::Vector3d(mean.head<3>()), mean(3), cross, n, fit);
    if (collinear > 0) {
      CHECK_FALSE(solved);
      continue;
    }
    REQUIRE(solved);
    const Eigen::VectorXd residuals =
        y - x * fit.coefficients.tail<3>() - Eigen::VectorXd::Constant(n, fit.coefficients(0));
    keel::detail::finish_moments_ols(fit, residuals.squaredNorm());
    CHECK((fit.coefficients - qr.coefficients).cwiseAbs().maxCoeff() < 1e-12 * qr.coefficients.cwiseAbs().maxCoeff());
    CHECK((fit.xtx_inverse - qr.xtx_inverse).cwiseAbs().maxCoeff() < 1e-12 * qr.xtx_inverse.cwiseAbs().maxCoeff());
    CHECK((fit.std_errors - qr.std_errors).cwiseQuotient(qr.std_errors).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((fit.vif - qr.vif).cwiseQuotient(qr.vif).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(fit.r_squared == Approx(qr.r_squared).epsilon(1e-12));
    CHECK(fit.rss == Approx(qr.rss).epsilon(1e-12));
    CHECK(fit.dof == qr.dof);
  }
}

TEST_CASE("har_fit recovers a long simulated HAR process within its standard errors", "[har][simulation]") {
  // log-HAR with c = -0.6, b = (0.35, 0.3, 0.25); log(1e-4 exp(x)) = x + log(1e-4) shifts only c.
  const std::vector<double> rv = simulate_rv(40000, 3);
  const auto model = keel::har_fit(rv, {.scale = keel::har_scale::log_variance});
  const double c = -0.6 + (1 - 0.35 - 0.3 - 0.25) * std::log(1e-4);
  const double truth[4] = {c, 0.35, 0.3, 0.25};
  const double fitted[4] = {model.intercept, model.beta_daily, model.beta_weekly, model.beta_monthly};
  for (int j = 0; j < 4; ++j) {
    INFO("coefficient " << j << ": " << fitted[j] << " vs " << truth[j] << ", se " << model.std_errors(j));
    CHECK(std::fabs(fitted[j] - truth[j]) < 3 * model.std_errors(j));
    // and the errors are informative: a tenth of the slope, or of the intercept's size
    CHECK(model.std_errors(j) < (j == 0 ? 0.1 * std::fabs(truth[0]) : 0.05));
  }
  CHECK(model.r_squared > 0.3);
  CHECK(model.r_squared < 1);
}

TEST_CASE("har_model::forecast iterates the daily model like the hand recursion", "[har][forecast]") {
  const std::vector<double> rv = simulate_rv(1000, 4);
  for (const auto scale : {keel::har_scale::variance, keel::har_scale::volatility, keel::har_scale::log_variance}) {
    const auto model = keel::har_fit(rv, {.scale = scale});
    const auto f = model.forecast(rv, 30);
    std::vector<long double> x;
    for (double v : rv) x.push_back(transform(v, scale));
    long double total = 0;
    for (int k = 0; k < 30; ++k) {
      long double w = 0, m = 0;
      for (int j = 1; j <= 5; ++j) w += x[x.size() - static_cast<std::size_t>(j)];
      for (int j = 1; j <= 22; ++j) m += x[x.size() - static_cast<std::size_t>(j)];
      const long double next =
          model.intercept + model.beta_daily * x.back() + model.beta_weekly * w / 5 + model.beta_monthly * m / 22;
      x.push_back(next);
      const long double variance = scale == keel::har_scale::variance     ? next
                                   : scale == keel::har_scale::volatility ? next * next
                                                                          : std::exp(next);
      INFO("scale " << static_cast<int>(scale) << " day " << k);
      CHECK(rel(f.variances[static_cast<std::size_t>(k)], variance) < 1e-12);
      total += variance;
    }
    CHECK(rel(f.variance, total / 30) < 1e-12);
    CHECK(f.volatility == Approx(std::sqrt(f.variance)).epsilon(1e-15));
    CHECK_FALSE(f.floored);
    // The forecast mean-reverts towards the unconditional level: between the last month and the
    // long-run mean of the fitted scale.
    CHECK(f.variance > 0);
  }
  // A direct model forecasts its own horizon in one step: c + b'x at the end of the history.
  const auto direct = keel::har_fit(rv, {.horizon = 22});
  const auto fd = direct.forecast(rv, 22);
  long double w = 0, m = 0;
  for (int j = 1; j <= 5; ++j) w += rv[rv.size() - static_cast<std::size_t>(j)];
  for (int j = 1; j <= 22; ++j) m += rv[rv.size() - static_cast<std::size_t>(j)];
  const long double expected =
      direct.intercept + direct.beta_daily * rv.back() + direct.beta_weekly * w / 5 + direct.beta_monthly * m / 22;
  CHECK(rel(fd.variance, expected) < 1e-12);
  CHECK(fd.variances.size() == 22);
  CHECK_THROWS_WITH(direct.forecast(rv, 30), Contains("h = 30 must be the model's horizon 22"));
}

TEST_CASE("har_model::forecast floors negative variances and flags them", "[har][forecast]") {
  keel::har_model<double> model;  // a model whose forecasts go negative: c < 0, no persistence
  model.intercept = -1e-4;
  const std::vector<double> history(22, 1e-4);
  const auto f = model.forecast(history, 10);
  CHECK(f.floored);
  CHECK(f.variance == 0);
  CHECK(f.volatility == 0);
  for (double v : f.variances) CHECK(v == 0);
  model.intercept = 2e-4;
  CHECK_FALSE(model.forecast(history, 10).floored);
  CHECK_THROWS_WITH(model.forecast(std::vector<double>(21, 1e-4), 5),
                    Contains("needs at least 22 values of rv_history"));
  CHECK_THROWS_WITH(model.forecast(history, 0), Contains("h = 0 must be at least 1"));
}

TEST_CASE("har_volatility_forecast fits squared returns and annualises", "[har][volatility][real]") {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto returns = keel::simple_returns(table);
  for (Eigen::Index j = 0; j < returns.returns.cols(); ++j) {
    const std::vector<double> r(returns.returns.col(j).begin(), returns.returns.col(j).end());
    const auto h = keel::har_volatility_forecast(r);
    INFO(returns.symbols[static_cast<std::size_t>(j)]);
    CHECK(h.volatility > 0.05);
    CHECK(h.volatility < 3);
    CHECK(h.model.r_squared >= 0);
    CHECK(h.model.r_squared <= 1);
    // The same by hand: squares, fit, forecast, annualise.
    std::vector<double> sq;
    for (double v : r) sq.push_back(v * v);
    const auto model = keel::har_fit(sq);
    const auto f = model.forecast(sq, 30);
    CHECK(h.model.beta_daily == model.beta_daily);
    CHECK(h.variance == f.variance);
    CHECK(h.volatility == Approx(std::sqrt(252 * f.variance)).epsilon(1e-15));
    CHECK(h.forecast.variances.size() == 30);
  }
  // The dated form skips missing returns (an asset listed later).
  const auto dated = keel::har_volatility_forecast(returns.column("IBM"));
  const std::vector<double> ibm(returns.returns.col(16).begin(), returns.returns.col(16).end());
  REQUIRE(returns.symbols[16] == "IBM");
  CHECK(dated.volatility == keel::har_volatility_forecast(ibm).volatility);
  // The panel form equals the series form column by column.
  const auto panel = keel::har_volatility_forecast(returns.returns, {.horizon = 10});
  for (Eigen::Index j = 0; j < returns.returns.cols(); j += 7) {
    const std::vector<double> r(returns.returns.col(j).begin(), returns.returns.col(j).end());
    CHECK(panel.volatilities(j) == keel::har_volatility_forecast(r, {.horizon = 10}).volatility);
  }
}

TEST_CASE("har_fit of a panel equals the series form column by column, without allocating",
          "[har][panel][allocation]") {
  Eigen::MatrixXd panel(900, 4);
  for (Eigen::Index j = 0; j < 4; ++j) {
    const auto rv = simulate_rv(900, 10 + static_cast<unsigned>(j));
    for (Eigen::Index i = 0; i < 900; ++i) panel(i, j) = rv[static_cast<std::size_t>(i)];
  }
  const auto fits = keel::har_fit(panel, {.scale = keel::har_scale::volatility});
  for (Eigen::Index j = 0; j < 4; ++j) {
    const std::vector<double> col(panel.col(j).begin(), panel.col(j).end());
    const auto m = keel::har_fit(col, {.scale = keel::har_scale::volatility});
    CHECK(fits.betas_daily(j) == m.beta_daily);
    CHECK(fits.intercepts(j) == m.intercept);
    CHECK(fits.std_errors.col(j) == m.std_errors);
    CHECK(fits.r_squareds(j) == m.r_squared);
  }
  keel::har_panel<double> reused;
  keel::har_volatility_panel<double> vols;
  keel::har_model<double> model;
  keel::har_forecast<double> forecast;
  const std::vector<double> rv = simulate_rv(900, 20);
  const auto all = [&] {
    keel::har_fit(panel, reused);
    keel::har_volatility_forecast(panel, vols);
    keel::har_fit(rv, model);
    model.forecast(rv, 30, forecast);
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  CHECK(keel_test::allocation_count() == before);
  CHECK(reused.betas_weekly == keel::har_fit(panel).betas_weekly);
}

TEMPLATE_TEST_CASE("har_fit over every storage", "[har][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const std::vector<double> raw = simulate_rv(600, 30);
  std::vector<double> seen;
  for (double v : raw) seen.push_back(static_cast<double>(static_cast<real>(v)));
  const TestType rv(raw);
  const auto model = keel::har_fit(rv.series());
  STATIC_REQUIRE(std::is_same_v<decltype(model.beta_daily), real>);
  const reference_ols ref = solve(build_design(seen, 1, keel::har_scale::variance));
  const double tol = std::is_same_v<real, float> ? 1e-5 : 1e-10;
  CHECK(rel(static_cast<double>(model.beta_daily), ref.b(1)) < tol);
  CHECK(rel(static_cast<double>(model.beta_monthly), ref.b(3)) < tol);
  const auto f = model.forecast(rv.series(), 5);
  CHECK(f.variance > 0);
  const auto h = keel::har_volatility_forecast(rv.series(), {.horizon = 5});
  CHECK(h.volatility > 0);
}

TEST_CASE("har_fit rejects bad input with the counts and the offending value", "[har][errors]") {
  std::vector<double> rv = simulate_rv(200, 40);
  try {
    (void)keel::har_fit(std::vector<double>(rv.begin(), rv.begin() + 40));
    FAIL("no exception");
  } catch (const keel::insufficient_data& e) {
    CHECK(e.required() == 22 + 1 - 1 + 30);
    CHECK(e.actual() == 40);
    CHECK_THAT(e.what(),
               Contains("har_fit: needs at least 52 values (monthly 22 + horizon 1 - 1 + 30 regression rows), got 40 "
                        "(set by har_options::min_observations)"));
  }
  CHECK_NOTHROW(keel::har_fit(std::vector<double>(rv.begin(), rv.begin() + 40), {.min_observations = 10}));
  CHECK_THROWS_AS(
      keel::har_fit(std::vector<double>(rv.begin(), rv.begin() + 40), {.horizon = 10, .min_observations = 10}),
      keel::insufficient_data);
  CHECK_THROWS_WITH(keel::har_fit(rv, {.horizon = 0}), Contains("horizon = 0 must be at least 1"));
  CHECK_THROWS_WITH(keel::har_fit(rv, {.weekly = 1}), Contains("weekly = 1 must be at least 2"));
  CHECK_THROWS_WITH(keel::har_fit(rv, {.weekly = 22}), Contains("monthly = 22 must be greater than weekly = 22"));
  CHECK_THROWS_WITH(keel::har_fit(rv, {.newey_west_lags = -1}), Contains("newey_west_lags = -1 must be at least 0"));
  CHECK_THROWS_WITH(keel::har_fit(rv, {.min_observations = 4}), Contains("min_observations = 4 must be at least 5"));
  rv[17] = -1e-5;
  CHECK_THROWS_WITH(keel::har_fit(rv), Contains("har_fit: rv[17] = -1e-05 must be >= 0 (a variance)"));
  rv[17] = 0;
  CHECK_NOTHROW(keel::har_fit(rv));
  CHECK_THROWS_WITH(keel::har_fit(rv, {.scale = keel::har_scale::log_variance}),
                    Contains("rv[17] = 0 must be > 0 (log_variance scale)"));
  rv[17] = std::nan("");
  CHECK_THROWS_WITH(keel::har_fit(rv), Contains("har_fit: rv[17] is NaN"));
  Eigen::MatrixXd panel(200, 2);
  panel.setConstant(1e-4);
  panel.col(1) = Eigen::Map<const Eigen::VectorXd>(simulate_rv(200, 41).data(), 200);
  panel(33, 1) = -1;
  CHECK_THROWS_WITH(keel::har_fit(panel.col(0).eval()), Contains("constant"));
  CHECK_THROWS_AS(keel::har_fit(panel.col(0).eval()), keel::singular_problem);
  CHECK_THROWS_WITH(keel::har_fit(panel.rightCols(1).eval()), Contains("har_fit: rv(33, 0) = -1 must be >= 0"));
  // Found by volatility_fuzz: rv near the top of double's range overflows the Newey-West sums.
  std::vector<double> huge = simulate_rv(200, 42);
  for (double& v : huge) v *= 1e300;
  CHECK_THROWS_WITH(keel::har_fit(huge), Contains("overflows"));
  std::vector<double> r(100, 0.01);
  r[50] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r), Contains("har_volatility_forecast: returns[50] is inf"));
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r, {.annualization = 0}),
                    Contains("annualization = 0 must be positive"));
  CHECK_THROWS_AS(keel::har_volatility_forecast(std::vector<double>(100, 0.01)), keel::singular_problem);
}
