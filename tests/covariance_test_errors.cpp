// SPDX-License-Identifier: MIT
// Part of covariance_test (tests/covariance_test.cpp describes the whole test): bad input and
// its messages, the out forms that reuse their buffers, and the regressions found by
// volatility_fuzz.
#include <cmath>
#include <limits>
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>

#include "support/allocations.hpp"
#include "support/covariance_test_fixtures.hpp"

using namespace keel_test::covariance_test;

namespace {

using Catch::Matchers::Contains;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Errors and allocation.

TEST_CASE("covariance estimators reject bad input with located messages", "[covariance][errors]") {
  matrix x = make_panel(50, 3, 90);
  x(7, 1) = std::nan("");
  CHECK_THROWS_AS(keel::sample_covariance(x), keel::invalid_input);
  CHECK_THROWS_WITH(keel::sample_covariance(x),
                    Contains("sample_covariance: panel(7, 1) is NaN; set .missing = missing_data::pairwise"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(x), Contains("ledoit_wolf: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::ewma_covariance(x), Contains("ewma_covariance: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::semicovariance(x), Contains("semicovariance: panel(7, 1) is NaN"));
  x(3, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.missing = keel::missing_data::pairwise}),
                    Contains("panel(3, 2) is inf"));
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.missing = keel::missing_data::complete_rows}),
                    Contains("panel(3, 2) is inf"));
  const matrix ok = make_panel(50, 3, 91);
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.annualization = 0}), Contains("annualization = 0 must be positive"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.min_observations = 1}),
                    Contains("min_observations = 1 must be at least 2"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.lambda = 1}), Contains("lambda = 1 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(ok, {.missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::semicovariance(ok, {.benchmark = std::nan("")}), Contains("benchmark = NaN must be finite"));
  // Too few rows.
  const matrix one_row = ok.topRows(1);
  CHECK_THROWS_AS(keel::sample_covariance(one_row), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::sample_covariance(one_row), Contains("needs at least 2 rows, got 1"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.min_observations = 60}),
                    Contains("needs at least 60 rows, got 50 (set by covariance_options::min_observations)"));
  CHECK_THROWS_AS(keel::ledoit_wolf(one_row), keel::insufficient_data);
  matrix holes = ok;
  for (Eigen::Index i = 0; i < 50; ++i) holes(i, i % 2 == 0 ? 0 : 2) = std::nan("");
  CHECK_THROWS_WITH(keel::sample_covariance(holes, {.missing = keel::missing_data::complete_rows}),
                    Contains("needs at least 2 complete rows, got 0"));
  CHECK_THROWS_WITH(keel::sample_covariance(holes, {.missing = keel::missing_data::pairwise}),
                    Contains("common rows of columns 0 and 2"));
  // Constant columns: fine for a covariance (zero variance), singular for correlations.
  matrix flat = ok;
  flat.col(1).setConstant(0.01);
  const auto est = keel::sample_covariance(flat);
  CHECK(est.covariance(1, 1) == 0);
  CHECK(est.covariance(0, 1) == 0);
  CHECK_THROWS_AS(keel::correlation(est.covariance), keel::singular_problem);
  CHECK_THROWS_WITH(keel::correlation(est.covariance), Contains("cov(1, 1) = 0: asset 1 has zero variance"));
  CHECK_THROWS_AS(keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::constant_correlation}),
                  keel::singular_problem);
  CHECK_NOTHROW(keel::ledoit_wolf(flat));
  CHECK_NOTHROW(keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::single_factor}));
  CHECK_THROWS_WITH(keel::correlation(matrix(2, 3)), Contains("cov is 2 x 3, not square"));
  matrix neg = matrix::Identity(2, 2);
  neg(1, 1) = -1;
  CHECK_THROWS_WITH(keel::correlation(neg), Contains("cov(1, 1) = -1 is a negative variance"));
  // Out of range.
  const matrix huge = ok * 1e160;
  CHECK_THROWS_WITH(keel::sample_covariance(huge), Contains("overflows"));
  const matrix tiny = ok * 1e-160;
  CHECK_THROWS_WITH(keel::sample_covariance(tiny), Contains("vary too little for double"));
  const Eigen::MatrixXf big = (ok * 3e20).cast<float>();  // fits float; its covariance x 252 does not
  CHECK_THROWS_WITH(keel::sample_covariance(big, {.annualization = 252}), Contains("overflows the result type"));
}

TEST_CASE("covariance out forms reuse their buffers", "[covariance][allocation]") {
  const matrix x = make_panel(400, 20, 100);
  keel::covariance_estimate<double> c;
  keel::shrinkage_estimate<double> s;
  keel::covariance_estimate<double> e;
  const auto all = [&] {
    keel::sample_covariance(x, c);
    keel::ledoit_wolf(x, s, {.target = keel::shrinkage_target::single_factor});
    keel::ewma_covariance(x, e);
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  // Products this small use Eigen's stack buffers: nothing is allocated at all.
  CHECK(keel_test::allocation_count() == before);
  CHECK(c.covariance == keel::sample_covariance(x).covariance);
  CHECK(s.shrinkage == keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor}).shrinkage);
}

TEST_CASE("ledoit_wolf single factor with a market of zero variance shrinks nothing",
          "[covariance][ledoit_wolf][degenerate]") {
  // Found by volatility_fuzz: x and -x have an equal-weighted market that is identically zero,
  // so every beta is 0 and the target is diag(S).
  const matrix base = make_panel(100, 1, 110);
  matrix x(100, 2);
  x.col(0) = base.col(0);
  x.col(1) = -base.col(0);
  const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor});
  CHECK(est.shrinkage == 0);
  CHECK(est.target_covariance(0, 1) == 0);
  CHECK(est.target_covariance(0, 0) == est.covariance(0, 0));
  CHECK(symmetric(est.covariance));
}

TEST_CASE("the nearest-correlation repair is exactly symmetric on badly scaled data", "[covariance][pairwise][psd]") {
  // Found by volatility_fuzz: the final symmetrisation once read entries it had just written.
  std::mt19937_64 gen(120);
  std::normal_distribution<double> z(0.0, 1.0);
  matrix x(60, 4);
  x.setConstant(std::nan(""));
  for (Eigen::Index i = 0; i < 60; ++i)
    for (Eigen::Index j = 0; j < 4; ++j)
      if ((i + j) % 3 != 0) x(i, j) = z(gen) * std::pow(10.0, 30 * static_cast<double>(j));
  x(0, 1) = 1e40;
  const auto est = keel::sample_covariance(x, {.missing = keel::missing_data::pairwise, .repair = true});
  CHECK(symmetric(est.covariance));
  CHECK(est.positive_semidefinite);
}
