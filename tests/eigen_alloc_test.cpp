// SPDX-License-Identifier: MIT
// Tests that the warm out forms of keel/covariance.hpp, keel/factors.hpp, keel/har.hpp and
// keel/construction.hpp (risk_budgeting)
// allocate nothing through Eigen either.
// Eigen allocates with std::malloc, which support/allocations.cpp (a replaced operator new)
// does not see, so covariance_test's allocation test covers only keel's own containers. Here
// EIGEN_RUNTIME_NO_MALLOC makes every Eigen heap allocation call eigen_assert, defined below to
// count instead of aborting. The file is its own header-only executable (keel::keel, no
// precompiled header), so that every Eigen call it reaches is compiled with the counter.
// Products small enough for Eigen's stack buffers (here 400 x 12) are used: larger GEMM and
// SYRK products allocate Eigen's own blocking buffers, which no workspace of keel's can hold.
#define EIGEN_RUNTIME_NO_MALLOC

namespace keel_test {
inline long eigen_mallocs = 0;  // eigen_assert failures: only the malloc check fails here
}  // namespace keel_test
#define eigen_assert(x) ((x) ? void(0) : void(++keel_test::eigen_mallocs))

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/factors.hpp>
#include <keel/har.hpp>

namespace {

Eigen::MatrixXd panel(Eigen::Index t, Eigen::Index n, unsigned seed, bool gaps) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 0.01);
  Eigen::MatrixXd x(t, n);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double m = z(gen);
    for (Eigen::Index j = 0; j < n; ++j)
      x(i, j) = gaps && i > 2 && (5 * i + 11 * j) % 23 == 0 ? std::nan("") : m + z(gen);
  }
  return x;
}

/// Eigen heap allocations made by f() once it has run twice on the same shapes.
template <class F>
long warm_mallocs(F f) {
  f();
  f();
  const long before = keel_test::eigen_mallocs;
  Eigen::internal::set_is_malloc_allowed(false);
  f();
  Eigen::internal::set_is_malloc_allowed(true);
  return keel_test::eigen_mallocs - before;
}

}  // namespace

TEST_CASE("the counter sees Eigen's allocations", "[covariance][allocation]") {
  // Without this, a counter that never fires would pass every check below.
  CHECK(warm_mallocs([] { (void)keel::sample_covariance(panel(40, 3, 1, false)); }) > 0);
}

TEST_CASE("warm covariance out forms make no Eigen allocation", "[covariance][allocation]") {
  using keel::missing_data;
  const Eigen::MatrixXd x = panel(400, 12, 2, false);
  const Eigen::MatrixXd g = panel(400, 12, 3, true);
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  keel::shrinkage_estimate<double> shrunk;
  keel::shrinkage_estimate<double>::workspace sws;
  CHECK(warm_mallocs([&] { keel::sample_covariance(x, out, ws); }) == 0);
  CHECK(warm_mallocs([&] { keel::sample_covariance(g, out, ws, {.missing = missing_data::complete_rows}); }) == 0);
  // pairwise once emptied pair_counts before refilling it: one N x N allocation per warm call.
  CHECK(warm_mallocs([&] { keel::sample_covariance(g, out, ws, {.missing = missing_data::pairwise}); }) == 0);
  CHECK(warm_mallocs(
            [&] { keel::sample_covariance(g, out, ws, {.missing = missing_data::pairwise, .repair = true}); }) == 0);
  CHECK(warm_mallocs([&] { keel::ewma_covariance(x, out, ws, {.demean = true}); }) == 0);
  CHECK(warm_mallocs([&] { keel::semicovariance(x, out, ws); }) == 0);
  CHECK(warm_mallocs([&] { keel::semicovariance(g, out, ws, {.missing = missing_data::pairwise}); }) == 0);
  CHECK(warm_mallocs([&] { keel::ledoit_wolf(x, shrunk, sws); }) == 0);
  CHECK(warm_mallocs(
            [&] { keel::ledoit_wolf(x, shrunk, sws, {.target = keel::shrinkage_target::constant_correlation}); }) == 0);
  // The single-factor target once formed two temporaries a call (x' m / t and S beta).
  CHECK(warm_mallocs([&] { keel::ledoit_wolf(x, shrunk, sws, {.target = keel::shrinkage_target::single_factor}); }) ==
        0);
}

TEST_CASE("warm factor_regression and HAR out forms make no Eigen allocation", "[factors][har][allocation]") {
  // The OLS core applies Q' one reflector at a time: Eigen's applyHouseholderOnTheLeft formed
  // tau v on the heap for each one (three per warm factor_regression of three factors).
  const Eigen::MatrixXd x = panel(300, 3, 4, false);
  Eigen::VectorXd y = 0.5 * x.col(0) - 0.2 * x.col(2);
  const Eigen::MatrixXd noise = panel(300, 1, 5, false);
  y += noise.col(0);
  keel::factor_fit<double> fit;
  keel::factor_fit<double>::workspace fws;
  CHECK(warm_mallocs([&] { keel::factor_regression(y, x, fit, fws); }) == 0);
  CHECK(warm_mallocs([&] { keel::factor_regression(y, x, fit, fws, {.intercept = false}); }) == 0);
  std::vector<double> rv(600);
  for (std::size_t i = 0; i < rv.size(); ++i) {
    const double r = noise(static_cast<Eigen::Index>(i % 300), 0) * (1.0 + 0.001 * static_cast<double>(i));
    rv[i] = r * r + 1e-6;
  }
  keel::har_model<double> model;
  keel::har_model<double>::workspace hws;
  CHECK(warm_mallocs([&] { keel::har_fit(rv, model, hws); }) == 0);
  CHECK(warm_mallocs([&] { keel::har_fit(rv, model, hws, {.scale = keel::har_scale::log_variance}); }) == 0);
  keel::har_forecast<double> forecast;
  keel::har_forecast<double>::workspace forecast_ws;
  CHECK(warm_mallocs([&] { model.forecast(rv, 10, forecast, forecast_ws); }) == 0);
}

TEST_CASE("risk_budgeting's warm out form allocates nothing", "[construction][allocation]") {
  // A factor covariance that coordinate descent solves alone, and an ill-conditioned one that
  // needs Newton's method (the LLT of the Hessian, the backtracking line search).
  std::mt19937_64 gen(19);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index n = 12;
  Eigen::MatrixXd f(n, 2);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < 2; ++j) f(i, j) = z(gen);
  Eigen::MatrixXd easy = 0.04 * f * f.transpose();
  easy.diagonal().array() += 0.02;
  Eigen::MatrixXd hard = f * f.transpose();
  hard.diagonal().array() += 1e-6;
  std::vector<double> budgets(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < budgets.size(); ++i) budgets[i] = 1.0 + static_cast<double>(i);
  // The options are built outside the counted call: a weight_bounds holds Eigen vectors.
  const keel::risk_budgeting_options equal{}, given{.budgets = budgets};
  for (const Eigen::MatrixXd* cov : {&easy, &hard}) {
    keel::portfolio<double> out;
    keel::risk_budgeting_workspace<double> ws;
    CHECK(warm_mallocs([&] { keel::risk_budgeting(*cov, out, ws, equal); }) == 0);
    CHECK(warm_mallocs([&] { keel::risk_budgeting(*cov, out, ws, given); }) == 0);
    // The out form gives the value form's weights, bit for bit.
    const auto p = keel::risk_budgeting(*cov, {.budgets = budgets});
    CHECK(out.weights == p.weights);
    CHECK(out.volatility == p.volatility);
  }
}
