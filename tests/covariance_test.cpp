// SPDX-License-Identifier: MIT
// Tests of keel/covariance.hpp: sample_covariance (reject, pairwise, complete_rows), ewma_covariance,
// semicovariance, ledoit_wolf (three targets), correlation.
//
// This file holds sample_covariance (reject, pairwise, complete_rows); covariance_test_estimators.cpp
// holds ewma_covariance, semicovariance, ledoit_wolf and correlation; covariance_test_storage.cpp the
// input forms and floating types; covariance_test_errors.cpp bad input, allocation and the
// regressions found by fuzzing. Their shared helpers are in support/covariance_test_fixtures.hpp.
//
// Independent references written in these files, each a different formulation from keel's:
//   - entry-by-entry long-double two-pass covariances (sample, pairwise per pair, semicovariance);
//   - EWMA by pandas' own recursions (running numerator and denominator for adjust=True, the
//     RiskMetrics recursion for adjust=False), not keel's closed-form weights;
//   - Ledoit-Wolf intensities from each paper's definitions as explicit sums over observations
//     and pairs (O(T N^2) asymptotic variances and covariances), not keel's row-sum folding;
//   - Eigen's SelfAdjointEigenSolver for the PSD checks;
//   - real data: the bundled Dow 30 and the S&P 500 2023-24 file with its late-listed VLTO.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>

#include "support/covariance_test_fixtures.hpp"
#include "support/shared_data.hpp"

using namespace keel_test::covariance_test;

namespace {

using Catch::Matchers::Contains;

lmatrix reference_cov(const matrix& x, int ddof = 1) {
  lmatrix c(x.cols(), x.cols());
  for (Eigen::Index i = 0; i < x.cols(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) c(i, j) = pair_cov(x, i, j, ddof);
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// sample_covariance

TEST_CASE("sample_covariance equals a long-double two-pass covariance entry by entry", "[covariance][sample]") {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const matrix x = make_panel(200 + 50 * seed, 3 + 2 * seed, seed);
    const auto est = keel::sample_covariance(x, {.periods_per_year = 1});
    INFO("seed " << seed);
    CHECK(worst_scaled_error(est.covariance, reference_cov(x)) < 1e-14);
    CHECK(symmetric(est.covariance));
    CHECK(est.observations == x.rows());
    CHECK(est.positive_semidefinite);
    CHECK_FALSE(est.min_eigenvalue.has_value());
    CHECK(est.pair_counts.size() == 0);
  }
}

TEST_CASE("sample_covariance keeps its digits for price-like offsets", "[covariance][sample][numerics]") {
  // Centring first: an offset of 1e6 standard deviations costs no digits (the one-pass formula
  // sum xy - n xbar ybar would lose twelve of them).
  const matrix x = make_panel(500, 4, 11, 1e4);
  const auto est = keel::sample_covariance(x, {.periods_per_year = 1});
  CHECK(worst_scaled_error(est.covariance, reference_cov(x)) < 1e-12);
}

TEST_CASE("sample_covariance annualises linearly and is PSD on the Dow 30", "[covariance][sample][real]") {
  const matrix r = dow_returns();
  REQUIRE(r.rows() == 2528);
  const auto daily = keel::sample_covariance(r, {.periods_per_year = 1});
  const auto annual = keel::sample_covariance(r, {.periods_per_year = 252});
  CHECK((annual.covariance - 252 * daily.covariance).cwiseAbs().maxCoeff() <=
        1e-15 * annual.covariance.cwiseAbs().maxCoeff());
  CHECK(symmetric(daily.covariance));
  CHECK(min_eigenvalue(daily.covariance) > 0);
  CHECK(worst_scaled_error(daily.covariance, reference_cov(r)) < 1e-13);
  // Annualised volatilities of the Dow stocks in the 1990s: between 15% and 60%.
  for (Eigen::Index j = 0; j < r.cols(); ++j) {
    const double vol = std::sqrt(annual.covariance(j, j));
    CHECK(vol > 0.15);
    CHECK(vol < 0.6);
  }
}

TEST_CASE("sample_covariance pairwise equals the complete-pair formula per pair", "[covariance][pairwise]") {
  matrix x = make_panel(300, 6, 3);
  // Late starters and scattered holes, as in real price files.
  for (Eigen::Index i = 0; i < 80; ++i) x(i, 2) = std::nan("");
  for (Eigen::Index i = 0; i < 150; ++i) x(i, 4) = std::nan("");
  for (Eigen::Index i = 7; i < 300; i += 13) x(i, 0) = std::nan("");
  x(299, 5) = std::nan("");
  const auto est = keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise});
  CHECK(worst_scaled_error(est.covariance, reference_cov(x)) < 1e-14);
  CHECK(symmetric(est.covariance));
  CHECK(est.pair_counts(2, 4) == 150);
  CHECK(est.pair_counts(1, 1) == 300);
  CHECK(est.pair_counts(0, 2) == 220 - 17);  // rows 80..299 minus the holes of column 0 among them
  CHECK(est.observations == est.pair_counts.minCoeff());
  REQUIRE(est.min_eigenvalue.has_value());
  CHECK(*est.min_eigenvalue == Approx(min_eigenvalue(est.covariance)).epsilon(1e-9));
  CHECK(est.positive_semidefinite == (*est.min_eigenvalue >= -1e-15));
  // Without NaN, pairwise is the complete form.
  const matrix full = make_panel(200, 5, 4);
  const auto a = keel::sample_covariance(full, {.periods_per_year = 1, .missing = keel::missing_data::pairwise});
  const auto b = keel::sample_covariance(full, {.periods_per_year = 1});
  CHECK((a.covariance - b.covariance).cwiseAbs().maxCoeff() < 1e-15 * b.covariance.cwiseAbs().maxCoeff());
}

TEST_CASE("sample_covariance pairwise falls back to exact sums where a pair's mean is far off",
          "[covariance][pairwise][numerics]") {
  // Column 1 trends strongly where column 0 is missing, so its overall mean is far from its mean
  // over the rows it shares with column 0: the shifted sums would cancel; the exact pass does not.
  matrix x = make_panel(400, 2, 5);
  for (Eigen::Index i = 0; i < 200; ++i) {
    x(i, 0) = std::nan("");
    x(i, 1) += 50.0;
  }
  const auto est = keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise});
  CHECK(worst_scaled_error(est.covariance, reference_cov(x)) < 1e-13);
}

TEST_CASE("sample_covariance pairwise reports and repairs a matrix that is not PSD", "[covariance][pairwise][psd]") {
  // Three assets observed in overlapping halves: pairwise correlations (+,+,-) that no joint
  // distribution has.
  std::mt19937_64 gen(9);
  std::normal_distribution<double> z(0.0, 0.01);
  matrix x(300, 3);
  x.setConstant(std::nan(""));
  for (Eigen::Index i = 0; i < 300; ++i) {
    const double a = z(gen), b = z(gen);
    if (i < 100) {
      x(i, 0) = a;
      x(i, 1) = a + 0.1 * b;
    } else if (i < 200) {
      x(i, 1) = a;
      x(i, 2) = a + 0.1 * b;
    } else {
      x(i, 0) = a;
      x(i, 2) = -a + 0.1 * b;
    }
  }
  const auto raw = keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise});
  REQUIRE(raw.min_eigenvalue.has_value());
  CHECK_FALSE(raw.positive_semidefinite);
  CHECK(*raw.min_eigenvalue < 0);
  CHECK(*raw.min_eigenvalue == Approx(min_eigenvalue(raw.covariance)).epsilon(1e-9));
  CHECK_FALSE(raw.repaired);
  const auto fixed =
      keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise, .repair = true});
  CHECK(fixed.repaired);
  CHECK(fixed.positive_semidefinite);
  CHECK(min_eigenvalue(fixed.covariance) >= -1e-15 * fixed.covariance.diagonal().maxCoeff());
  // The repair keeps the variances (the diagonal) to rounding and the sign pattern's spirit.
  for (Eigen::Index i = 0; i < 3; ++i) CHECK(fixed.covariance(i, i) == Approx(raw.covariance(i, i)).epsilon(1e-9));
  CHECK(symmetric(fixed.covariance));
  // A PSD pairwise matrix is left alone by the repair option.
  const matrix ok = make_panel(200, 4, 6);
  const auto same =
      keel::sample_covariance(ok, {.periods_per_year = 1, .missing = keel::missing_data::pairwise, .repair = true});
  CHECK_FALSE(same.repaired);
}

TEST_CASE("sample_covariance complete_rows equals the covariance of the complete rows", "[covariance][complete_rows]") {
  matrix x = make_panel(250, 4, 7);
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    if (i % 9 == 3)
      x(i, i % 4) = std::nan("");
    else
      keep.push_back(i);
  }
  matrix kept(static_cast<Eigen::Index>(keep.size()), 4);
  for (std::size_t k = 0; k < keep.size(); ++k) kept.row(static_cast<Eigen::Index>(k)) = x.row(keep[k]);
  const auto est = keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::complete_rows});
  CHECK(est.observations == static_cast<std::ptrdiff_t>(keep.size()));
  CHECK(worst_scaled_error(est.covariance, reference_cov(kept)) < 1e-14);
}

TEST_CASE("sample_covariance pairwise on real prices with a late listing (VLTO)", "[covariance][pairwise][real]") {
  const auto path = keel_test::shared_file("data/sp500_stocks_daily_2023-06_2024-06.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const auto returns = keel::simple_returns(table);
  const std::vector<std::string> names{"AAPL", "MSFT", "VLTO", "NVDA", "JPM", "XOM"};
  matrix x(returns.returns.rows(), static_cast<Eigen::Index>(names.size()));
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto j = static_cast<Eigen::Index>(std::find(returns.symbols.begin(), returns.symbols.end(), names[k]) -
                                             returns.symbols.begin());
    REQUIRE(j < static_cast<Eigen::Index>(returns.symbols.size()));
    x.col(static_cast<Eigen::Index>(k)) = returns.returns.col(j);
  }
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1}), Contains("panel(0, 2) is NaN; set .missing"));
  const auto est = keel::sample_covariance(x, {.periods_per_year = 252, .missing = keel::missing_data::pairwise});
  CHECK(est.pair_counts(2, 2) < est.pair_counts(0, 0));
  CHECK(est.pair_counts(0, 0) == 251);
  CHECK(worst_scaled_error(est.covariance / 252, reference_cov(x)) < 1e-13);
  CHECK(est.positive_semidefinite);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    CHECK(std::sqrt(est.covariance(j, j)) > 0.05);
    CHECK(std::sqrt(est.covariance(j, j)) < 1.0);
  }
  // Every column of the table: ABBV, GEV and SOLV have no returns at all.
  CHECK_THROWS_AS(
      keel::sample_covariance(returns.returns, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
      keel::insufficient_data);
}
