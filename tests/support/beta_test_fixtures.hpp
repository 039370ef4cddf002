// SPDX-License-Identifier: MIT
// Test support: the helpers beta_test's parts share (tests/beta_test.cpp, beta_test_errors.cpp,
// beta_test_collinear.cpp, beta_test_rolling.cpp): the long-double two-pass OLS reference, a
// relative difference with a floor, random market and asset returns, and the NaN check of a fit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/beta.hpp>

namespace keel_test::beta_test {

/// Textbook OLS in long double with an explicit two-pass centring.
struct reference_fit {
  long double beta, alpha, r2, beta_se, alpha_se, resid_sd;
};

inline reference_fit ols_reference(const std::vector<double>& y, const std::vector<double>& x) {
  const auto n = static_cast<long double>(x.size());
  long double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  long double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const long double beta = sxy / sxx;
  const long double alpha = my - beta * mx;
  long double rss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const long double e = y[i] - alpha - beta * x[i];
    rss += e * e;
  }
  const long double s2 = rss / (n - 2);
  return {beta, alpha, 1 - rss / syy, std::sqrt(s2 / sxx), std::sqrt(s2 * (1 / n + mx * mx / sxx)), std::sqrt(s2)};
}

/// Relative difference with a floor, so that a value near zero is compared absolutely.
inline double rel_diff(double a, long double b, double floor = 1e-300) {
  return static_cast<double>(std::fabs(static_cast<long double>(a) - b) /
                             std::max(std::fabs(b), static_cast<long double>(floor)));
}

struct sample {
  std::vector<double> asset, market;
};

/// Daily-return-like data: market ~ N(mu, sd), asset = a + b * market + noise.
inline sample make_sample(std::size_t n, unsigned seed, double beta = 1.3, double noise = 0.01, double mu = 0.0004,
                          double sd = 0.012) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> m(mu, sd), e(0.0, noise);
  sample s;
  s.asset.resize(n);
  s.market.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    s.market[i] = m(gen);
    s.asset[i] = 0.0002 + beta * s.market[i] + e(gen);
  }
  return s;
}

inline void require_no_nan(const keel::beta_fit<double>& f) {
  for (double v : {f.beta, f.alpha, f.r_squared, f.beta_stderr, f.alpha_stderr, f.t_stat, f.p_value, f.residual_stddev,
                   f.raw_beta})
    REQUIRE_FALSE(std::isnan(v));
}

}  // namespace keel_test::beta_test
