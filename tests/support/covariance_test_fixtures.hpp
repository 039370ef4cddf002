// SPDX-License-Identifier: MIT
// Test support: the helpers covariance_test's parts share (tests/covariance_test.cpp,
// covariance_test_estimators.cpp, covariance_test_storage.cpp, covariance_test_errors.cpp): the
// panel types, a random return panel with a common factor, the long-double two-pass covariance
// of one pair, the scaled error of a covariance matrix, the symmetry and smallest-eigenvalue
// checks, and the Dow 30 returns.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include <keel/csv.hpp>
#include <keel/series.hpp>

namespace keel_test::covariance_test {

using matrix = Eigen::MatrixXd;
using lmatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

/// Daily-return-like panel with a common factor (so correlations are real) and an offset.
inline matrix make_panel(Eigen::Index t, Eigen::Index n, unsigned seed, double offset = 0.0004) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> f(0.0, 0.01), e(0.0, 0.012), b(1.0, 0.4);
  matrix x(t, n);
  std::vector<double> beta(static_cast<std::size_t>(n));
  for (auto& v : beta) v = b(gen);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double m = f(gen);
    for (Eigen::Index j = 0; j < n; ++j) x(i, j) = offset + beta[static_cast<std::size_t>(j)] * m + e(gen);
  }
  return x;
}

/// Entry (i, j) of the sample covariance by two passes in long double, over rows where both
/// exist, with the pair's means (pandas' pairwise definition), divided by n - ddof.
inline long double pair_cov(const matrix& x, Eigen::Index i, Eigen::Index j, int ddof = 1) {
  long double mi = 0, mj = 0, n = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
      mi += x(t, i);
      mj += x(t, j);
      n += 1;
    }
  mi /= n;
  mj /= n;
  long double s = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) s += (x(t, i) - mi) * (x(t, j) - mj);
  return s / (n - ddof);
}

/// Largest |a_ij - b_ij| / sqrt(b_ii b_jj): the error relative to the entry's natural scale.
inline double worst_scaled_error(const matrix& a, const lmatrix& b) {
  double worst = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const long double scale = std::sqrt(std::fabs(b(i, i) * b(j, j)));
      worst = std::max(worst, static_cast<double>(std::fabs(a(i, j) - b(i, j)) / scale));
    }
  return worst;
}

inline bool symmetric(const matrix& m) { return (m - m.transpose()).cwiseAbs().maxCoeff() == 0; }

inline double min_eigenvalue(const matrix& m) {
  return Eigen::SelfAdjointEigenSolver<matrix>(m, Eigen::EigenvaluesOnly).eigenvalues()(0);
}

/// Daily simple returns of the bundled Dow 30 prices, 1991-2000.
inline matrix dow_returns() {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  return keel::simple_returns(table).returns;
}

}  // namespace keel_test::covariance_test
