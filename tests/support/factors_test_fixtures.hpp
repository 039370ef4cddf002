// SPDX-License-Identifier: MIT
// Test support: the helpers factors_test's parts share (tests/factors_test.cpp,
// factors_test_storage.cpp, factors_test_edge.cpp): the NaN check of a fit, a relative
// comparison, long-double Eigen types, and random factor data with a fixed seed.
#pragma once

#include <cmath>
#include <random>

#include <Eigen/Core>

#include <keel/factors.hpp>

namespace keel_test::factors_test {

/// Every field of a fit is free of NaN (t may be +-inf for an exact fit, never NaN).
template <class Real>
bool no_nan(const keel::factor_fit<Real>& f) {
  const auto clean = [](const auto& v) { return !v.array().isNaN().any(); };
  return clean(f.coefficients) && clean(f.std_errors) && clean(f.t_stats) && clean(f.p_values) && clean(f.vifs) &&
         !std::isnan(f.r_squared) && !std::isnan(f.adj_r_squared) && !std::isnan(f.residual_stddev) &&
         !std::isnan(f.condition_number);
}

/// |a - b| <= tol * |b| (tol absolute when b = 0).
inline bool close_rel(long double a, long double b, long double tol) {
  return std::fabs(a - b) <= tol * (b == 0 ? 1.0L : std::fabs(b));
}

using ld_matrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using ld_vector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

struct panel {
  Eigen::VectorXd y;
  Eigen::MatrixXd x;
};

/// T observations of K mildly correlated factors and y = 0.3 + x b + noise.
inline panel random_panel(Eigen::Index t, Eigen::Index k, unsigned seed, double noise = 0.5, double correlation = 0.3) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  panel d;
  d.x.resize(t, k);
  d.y.resize(t);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double common = z(gen);
    for (Eigen::Index j = 0; j < k; ++j) d.x(i, j) = 0.2 * static_cast<double>(j) + correlation * common + z(gen);
  }
  for (Eigen::Index i = 0; i < t; ++i) {
    double v = 0.3 + noise * z(gen);
    for (Eigen::Index j = 0; j < k; ++j) v += (1.0 + 0.5 * static_cast<double>(j)) * d.x(i, j);
    d.y(i) = v;
  }
  return d;
}

}  // namespace keel_test::factors_test
