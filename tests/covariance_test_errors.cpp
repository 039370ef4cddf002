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
using Catch::Matchers::Equals;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Errors and allocation.

TEST_CASE("covariance estimators reject bad input with located messages", "[covariance][errors]") {
  matrix x = make_panel(50, 3, 90);
  x(7, 1) = std::nan("");
  CHECK_THROWS_AS(keel::sample_covariance(x, {.periods_per_year = 1}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1}),
                    Contains("sample_covariance: panel(7, 1) is NaN; set .missing = missing_data::pairwise"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(x, {.periods_per_year = 1}), Contains("ledoit_wolf: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::ewma_covariance(x, {.periods_per_year = 1}), Contains("ewma_covariance: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::semicovariance(x, {.periods_per_year = 1}), Contains("semicovariance: panel(7, 1) is NaN"));
  x(3, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("panel(3, 2) is inf"));
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::complete_rows}),
                    Contains("panel(3, 2) is inf"));
  const matrix ok = make_panel(50, 3, 91);
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 0}),
                    Contains("sample_covariance: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 1, .min_observations = 1}),
                    Contains("min_observations = 1 must be at least 2"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.lambda = 1, .periods_per_year = 1}),
                    Contains("lambda = 1 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(ok, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::semicovariance(ok, {.benchmark = std::nan(""), .periods_per_year = 1}),
                    Contains("benchmark = NaN must be finite"));
  // Too few rows.
  const matrix one_row = ok.topRows(1);
  CHECK_THROWS_AS(keel::sample_covariance(one_row, {.periods_per_year = 1}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::sample_covariance(one_row, {.periods_per_year = 1}),
                    Contains("needs at least 2 rows, got 1"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 1, .min_observations = 60}),
                    Contains("needs at least 60 rows, got 50 (set by covariance_options::min_observations)"));
  CHECK_THROWS_AS(keel::ledoit_wolf(one_row, {.periods_per_year = 1}), keel::insufficient_data);
  matrix holes = ok;
  for (Eigen::Index i = 0; i < 50; ++i) holes(i, i % 2 == 0 ? 0 : 2) = std::nan("");
  CHECK_THROWS_WITH(
      keel::sample_covariance(holes, {.periods_per_year = 1, .missing = keel::missing_data::complete_rows}),
      Contains("needs at least 2 complete rows, got 0"));
  CHECK_THROWS_WITH(keel::sample_covariance(holes, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("common rows of columns 0 and 2"));
  // Constant columns: fine for a covariance (zero variance), singular for correlations.
  matrix flat = ok;
  flat.col(1).setConstant(0.01);
  const auto est = keel::sample_covariance(flat, {.periods_per_year = 1});
  CHECK(est.covariance(1, 1) == 0);
  CHECK(est.covariance(0, 1) == 0);
  CHECK_THROWS_AS(keel::correlation(est.covariance), keel::singular_problem);
  CHECK_THROWS_WITH(keel::correlation(est.covariance), Contains("cov(1, 1) = 0: asset 1 has zero variance"));
  CHECK_THROWS_AS(
      keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::constant_correlation, .periods_per_year = 1}),
      keel::singular_problem);
  CHECK_NOTHROW(keel::ledoit_wolf(flat, {.periods_per_year = 1}));
  CHECK_NOTHROW(keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1}));
  CHECK_THROWS_WITH(keel::correlation(matrix(2, 3)), Contains("cov is 2 x 3, not square"));
  matrix neg = matrix::Identity(2, 2);
  neg(1, 1) = -1;
  CHECK_THROWS_WITH(keel::correlation(neg), Contains("cov(1, 1) = -1 is a negative variance"));
  // Out of range.
  const matrix huge = ok * 1e160;
  CHECK_THROWS_WITH(keel::sample_covariance(huge, {.periods_per_year = 1}), Contains("overflows"));
  const matrix tiny = ok * 1e-160;
  CHECK_THROWS_WITH(keel::sample_covariance(tiny, {.periods_per_year = 1}), Contains("vary too little for double"));
  const Eigen::MatrixXf big = (ok * 3e20).cast<float>();  // fits float; its covariance x 252 does not
  CHECK_THROWS_WITH(keel::sample_covariance(big, {.periods_per_year = 252}), Contains("overflows the result type"));
}

TEST_CASE("covariance out forms reuse their buffers", "[covariance][allocation]") {
  const matrix x = make_panel(400, 20, 100);
  keel::covariance_estimate<double> c;
  keel::shrinkage_estimate<double> s;
  keel::covariance_estimate<double> e;
  const auto all = [&] {
    keel::sample_covariance(x, c, {.periods_per_year = 1});
    keel::ledoit_wolf(x, s, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1});
    keel::ewma_covariance(x, e, {.periods_per_year = 1});
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  // Products this small use Eigen's stack buffers: nothing is allocated at all.
  CHECK(keel_test::allocation_count() == before);
  CHECK(c.covariance == keel::sample_covariance(x, {.periods_per_year = 1}).covariance);
  CHECK(s.shrinkage ==
        keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1}).shrinkage);
}

TEST_CASE("ledoit_wolf single factor with a market of zero variance shrinks nothing",
          "[covariance][ledoit_wolf][degenerate]") {
  // Found by volatility_fuzz: x and -x have an equal-weighted market that is identically zero,
  // so every beta is 0 and the target is diag(S).
  const matrix base = make_panel(100, 1, 110);
  matrix x(100, 2);
  x.col(0) = base.col(0);
  x.col(1) = -base.col(0);
  const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1});
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
  const auto est =
      keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise, .repair = true});
  CHECK(symmetric(est.covariance));
  CHECK(est.positive_semidefinite);
}

TEST_CASE("periods_per_year is checked by one validator with one message", "[covariance][errors][periods]") {
  const matrix ok = make_panel(50, 3, 10);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 0}),
                    Equals("sample_covariance: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.periods_per_year = -1}),
                    Equals("ewma_covariance: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::semicovariance(ok, {.periods_per_year = std::nan("")}),
                    Equals("semicovariance: periods_per_year = NaN must be positive and finite"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(ok, {.periods_per_year = inf}),
                    Equals("ledoit_wolf: periods_per_year = inf must be positive and finite"));
  CHECK_THROWS_AS(keel::sample_covariance(ok, {.periods_per_year = inf}), keel::invalid_input);
}

TEST_CASE("the covariance estimators annualise by default: 252 x the per-period estimate", "[covariance][periods]") {
  const matrix x = make_panel(120, 4, 7);
  const auto close = [](const matrix& a, const matrix& b) {
    return (a - b).cwiseAbs().maxCoeff() <= 1e-15 * b.cwiseAbs().maxCoeff();
  };
  CHECK(close(keel::sample_covariance(x).covariance,
              252 * keel::sample_covariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::ewma_covariance(x).covariance, 252 * keel::ewma_covariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::semicovariance(x).covariance, 252 * keel::semicovariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::ledoit_wolf(x).covariance, 252 * keel::ledoit_wolf(x, {.periods_per_year = 1}).covariance));
}

// The signature rule: every options aggregate takes designated initialisers in declared order.
static_assert(
    sizeof(keel::covariance_options{
        .periods_per_year = 252, .missing = keel::missing_data::reject, .min_observations = 2, .repair = false}) > 0);
static_assert(sizeof(keel::ewma_covariance_options{.lambda = 0.94,
                                                   .periods_per_year = 252,
                                                   .demean = false,
                                                   .weighting = keel::ewma_weighting::normalized,
                                                   .missing = keel::missing_data::reject}) > 0);
static_assert(sizeof(keel::semicovariance_options{
                  .benchmark = 0, .periods_per_year = 252, .missing = keel::missing_data::reject, .repair = false}) >
              0);
static_assert(sizeof(keel::ledoit_wolf_options{.target = keel::shrinkage_target::scaled_identity,
                                               .periods_per_year = 252,
                                               .missing = keel::missing_data::reject}) > 0);
