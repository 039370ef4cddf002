// SPDX-License-Identifier: MIT
// Test support: the helpers har_test's parts share (tests/har_test.cpp, har_test_forecast.cpp,
// har_test_storage.cpp): a simulated realised-variance series and the independent reference
// fit, the HAR design built row by row and solved by long-double normal equations.
#pragma once

#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include <keel/har.hpp>

namespace keel_test::har_test {

using lmatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using lvector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

/// A realised-variance-like series: a log-HAR process (positive, persistent, clustered).
inline std::vector<double> simulate_rv(std::size_t n, unsigned seed, double c = -0.6, double bd = 0.35, double bw = 0.3,
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

inline double transform(double v, keel::har_scale s) {
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

inline design build_design(const std::vector<double>& rv, long h, keel::har_scale s, long weekly = 5,
                           long monthly = 22) {
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

inline reference_ols solve(const design& d) {
  const lmatrix xtx = d.x.transpose() * d.x;
  reference_ols out;
  out.b = xtx.ldlt().solve(d.x.transpose() * d.y);
  out.e = d.y - d.x * out.b;
  out.xtx_inv = xtx.ldlt().solve(lmatrix::Identity(4, 4));
  return out;
}

inline double rel(double a, long double b) { return static_cast<double>(std::fabs(a - b) / std::fabs(b)); }

}  // namespace keel_test::har_test
