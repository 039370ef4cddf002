// SPDX-License-Identifier: MIT
// Part of har_test (tests/har_test.cpp describes the whole test): har_fit over the storage
// checklist against the reference OLS, and the errors of bad input.
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/har.hpp>

#include "support/har_test_fixtures.hpp"
#include "support/storage.hpp"

using namespace keel_test::har_test;

namespace {

using Catch::Matchers::Contains;

}  // namespace

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
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r, {.periods_per_year = 0}),
                    Contains("har_volatility_forecast: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r, {.periods_per_year = -1}),
                    Contains("har_volatility_forecast: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r, {.periods_per_year = std::nan("")}),
                    Contains("har_volatility_forecast: periods_per_year = NaN must be positive and finite"));
  CHECK_THROWS_WITH(keel::har_volatility_forecast(r, {.periods_per_year = std::numeric_limits<double>::infinity()}),
                    Contains("har_volatility_forecast: periods_per_year = inf must be positive and finite"));
  CHECK_THROWS_AS(keel::har_volatility_forecast(std::vector<double>(100, 0.01)), keel::singular_problem);
}
