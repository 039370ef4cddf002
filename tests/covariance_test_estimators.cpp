// SPDX-License-Identifier: MIT
// Part of covariance_test (tests/covariance_test.cpp describes the whole test): ewma_covariance
// against pandas' recursions, semicovariance, ledoit_wolf's three targets against each paper's
// definitions, and correlation.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>

#include "support/covariance_test_fixtures.hpp"

using namespace keel_test::covariance_test;

namespace {

/// Centred copy of a panel (long double), for the Ledoit-Wolf references.
lmatrix centred(const matrix& x) {
  lmatrix c = x.cast<long double>();
  for (Eigen::Index j = 0; j < c.cols(); ++j) c.col(j).array() -= c.col(j).mean();
  return c;
}

/// scikit-learn / Ledoit & Wolf (2004 JMVA) by their definitions: m = <S, I>, d^2 = ||S - mI||^2,
/// bbar^2 = (1/T^2) sum_t ||x_t x_t' - S||^2 (norm ||A||^2 = tr(AA')/N), delta = min(bbar^2, d^2)/d^2.
long double lw_identity_reference(const matrix& x, lmatrix& target) {
  const lmatrix xc = centred(x);
  const auto t = static_cast<long double>(x.rows());
  const Eigen::Index n = x.cols();
  const lmatrix s = xc.transpose() * xc / t;
  const long double m = s.trace() / n;
  target = m * lmatrix::Identity(n, n);
  const long double d2 = (s - target).squaredNorm() / n;
  long double b2 = 0;
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    const lmatrix outer = xc.row(r).transpose() * xc.row(r);
    b2 += (outer - s).squaredNorm() / n;
  }
  b2 /= t * t;
  return d2 > 0 ? std::min(b2, d2) / d2 : 0.0L;
}

/// AsyCov(s_ab, s_cd) = (1/T) sum_t (x_ta x_tb - s_ab)(x_tc x_td - s_cd), columns of an augmented
/// centred matrix (the market as the last column).
long double asy_cov(const lmatrix& z, const lmatrix& s, Eigen::Index a, Eigen::Index b, Eigen::Index c,
                    Eigen::Index d) {
  long double sum = 0;
  for (Eigen::Index r = 0; r < z.rows(); ++r) sum += (z(r, a) * z(r, b) - s(a, b)) * (z(r, c) * z(r, d) - s(c, d));
  return sum / static_cast<long double>(z.rows());
}

/// Ledoit & Wolf (2003) single-factor intensity from the delta method: f_ij = s_im s_jm / s_mm,
/// rho_ij = (s_jm/s_mm) AC(s_im, s_ij) + (s_im/s_mm) AC(s_jm, s_ij) - (s_im s_jm/s_mm^2) AC(s_mm, s_ij).
long double lw_single_factor_reference(const matrix& x, lmatrix& target) {
  const lmatrix xc = centred(x);
  const Eigen::Index t = x.rows(), n = x.cols();
  lmatrix z(t, n + 1);
  z.leftCols(n) = xc;
  z.col(n) = xc.rowwise().mean();
  const lmatrix s = z.transpose() * z / static_cast<long double>(t);
  const Eigen::Index m = n;
  target.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) target(i, j) = i == j ? s(i, i) : s(i, m) * s(j, m) / s(m, m);
  long double pi = 0, rho = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      const long double pij = asy_cov(z, s, i, j, i, j);
      pi += pij;
      if (i == j) {
        rho += pij;
      } else {
        rho += s(j, m) / s(m, m) * asy_cov(z, s, i, m, i, j) + s(i, m) / s(m, m) * asy_cov(z, s, j, m, i, j) -
               s(i, m) * s(j, m) / (s(m, m) * s(m, m)) * asy_cov(z, s, m, m, i, j);
      }
    }
  const long double gamma = (s.topLeftCorner(n, n) - target).squaredNorm();
  return std::clamp((pi - rho) / gamma / static_cast<long double>(t), 0.0L, 1.0L);
}

/// Ledoit & Wolf (2004 JPM) constant-correlation intensity with PyPortfolioOpt's S (n - 1):
/// pi_ij = (1/T) sum_t (x_ti x_tj - S_ij)^2, theta_ij = (1/T) sum_t (x_ti^2 - S_ii)(x_ti x_tj - S_ij),
/// rho = sum_i pi_ii + rbar sum_{i != j} sqrt(S_jj / S_ii) theta_ij, gamma = ||S - F||^2.
long double lw_constant_correlation_reference(const matrix& x, lmatrix& target, lmatrix& sample) {
  const lmatrix xc = centred(x);
  const Eigen::Index t = x.rows(), n = x.cols();
  const auto dt = static_cast<long double>(t);
  sample = xc.transpose() * xc / (dt - 1);
  const lmatrix& s = sample;
  long double rbar = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (i != j) rbar += s(i, j) / std::sqrt(s(i, i) * s(j, j));
  rbar /= static_cast<long double>(n * (n - 1));
  target.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) target(i, j) = i == j ? s(i, i) : rbar * std::sqrt(s(i, i) * s(j, j));
  long double pi = 0, rho = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      long double pij = 0, theta = 0;
      for (Eigen::Index r = 0; r < t; ++r) {
        const long double d = xc(r, i) * xc(r, j) - s(i, j);
        pij += d * d;
        theta += (xc(r, i) * xc(r, i) - s(i, i)) * d;
      }
      pi += pij / dt;
      if (i == j)
        rho += pij / dt;
      else
        rho += rbar * std::sqrt(s(j, j) / s(i, i)) * theta / dt;
    }
  const long double gamma = (s - target).squaredNorm();
  return std::clamp((pi - rho) / gamma / dt, 0.0L, 1.0L);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ewma_covariance

TEST_CASE("ewma_covariance equals pandas' ewm recursions (PyPortfolioOpt exp_cov)", "[covariance][ewma]") {
  const matrix x = make_panel(400, 4, 12);
  const double span = 60;
  const double lambda = (span - 1) / (span + 1);
  const Eigen::Index n = x.cols();
  // pandas ewm(span).mean(), adjust=True: running numerator and denominator, of the products of
  // deviations from the plain full-sample means (PyPortfolioOpt's _pair_exp_cov), x frequency.
  const Eigen::RowVectorXd mean = x.colwise().mean();
  lmatrix num = lmatrix::Zero(n, n);
  long double den = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t) {
    const Eigen::RowVectorXd d = x.row(t) - mean;
    num = lambda * num + (d.transpose() * d).cast<long double>();
    den = lambda * den + 1;
  }
  const lmatrix expected = 252 * num / den;
  const auto est = keel::ewma_covariance(x, {.lambda = lambda, .periods_per_year = 252, .demean = true});
  CHECK(worst_scaled_error(est.covariance, expected) < 1e-13);
  CHECK(symmetric(est.covariance));
  // RiskMetrics: zero mean, the recursion S_t = lambda S_{t-1} + (1 - lambda) r_t r_t' from S_0 = r_0 r_0'.
  lmatrix rm = (x.row(0).transpose() * x.row(0)).cast<long double>();
  for (Eigen::Index t = 1; t < x.rows(); ++t)
    rm = 0.94L * rm + 0.06L * (x.row(t).transpose() * x.row(t)).cast<long double>();
  const auto rec = keel::ewma_covariance(x, {.periods_per_year = 1, .weighting = keel::ewma_weighting::recursive});
  CHECK(worst_scaled_error(rec.covariance, rm) < 1e-13);
  CHECK(min_eigenvalue(rec.covariance) > 0);
}

// ---------------------------------------------------------------------------------------------
// semicovariance

TEST_CASE("semicovariance equals the mean product of shortfalls (PyPortfolioOpt)", "[covariance][semi]") {
  matrix x = make_panel(300, 5, 13);
  const double b = 0.000079;
  const auto est = keel::semicovariance(x, {.benchmark = b, .periods_per_year = 252});
  lmatrix expected(5, 5);
  for (Eigen::Index i = 0; i < 5; ++i)
    for (Eigen::Index j = 0; j < 5; ++j) {
      long double s = 0;
      for (Eigen::Index t = 0; t < x.rows(); ++t) s += std::min(x(t, i) - b, 0.0) * std::min(x(t, j) - b, 0.0);
      expected(i, j) = 252 * s / x.rows();
    }
  CHECK(worst_scaled_error(est.covariance, expected) < 1e-14);
  CHECK(min_eigenvalue(est.covariance) > 0);
  // Pairwise: each pair over its common rows.
  for (Eigen::Index i = 0; i < 60; ++i) x(i, 1) = std::nan("");
  const auto pw = keel::semicovariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise});
  long double s01 = 0;
  for (Eigen::Index t = 60; t < x.rows(); ++t) s01 += std::min(x(t, 0), 0.0) * std::min(x(t, 1), 0.0);
  CHECK(pw.covariance(0, 1) == Approx(static_cast<double>(s01 / 240)).epsilon(1e-13));
  CHECK(pw.pair_counts(0, 1) == 240);
}

// ---------------------------------------------------------------------------------------------
// ledoit_wolf

TEST_CASE("ledoit_wolf scaled identity matches Ledoit & Wolf (2004) / scikit-learn", "[covariance][ledoit_wolf]") {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const matrix x = make_panel(60 + 40 * seed, 10 + 5 * seed, 20 + seed);
    lmatrix target;
    const long double delta = lw_identity_reference(x, target);
    const auto est = keel::ledoit_wolf(x, {.periods_per_year = 1});
    INFO("seed " << seed << " delta " << static_cast<double>(delta));
    CHECK(std::fabs(est.shrinkage - delta) < 1e-12 * delta);
    const lmatrix xc = centred(x);
    const lmatrix s = xc.transpose() * xc / static_cast<long double>(x.rows());
    CHECK(worst_scaled_error(est.covariance, delta * target + (1 - delta) * s) < 1e-13);
    CHECK(worst_scaled_error(est.target_covariance, target) < 1e-13);
    CHECK(symmetric(est.covariance));
    CHECK(min_eigenvalue(est.covariance) > 0);
  }
  // One asset: nothing to shrink (scikit-learn returns 0 and the 1/n variance).
  const matrix one = make_panel(100, 1, 30);
  const auto est1 = keel::ledoit_wolf(one, {.periods_per_year = 1});
  CHECK(est1.shrinkage == 0);
  CHECK(est1.covariance(0, 0) == Approx(static_cast<double>(pair_cov(one, 0, 0, 0))).epsilon(1e-13));
}

TEST_CASE("ledoit_wolf single factor matches Ledoit & Wolf (2003) by the delta method", "[covariance][ledoit_wolf]") {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const matrix x = make_panel(80 + 60 * seed, 8 + 4 * seed, 40 + seed);
    lmatrix target;
    const long double delta = lw_single_factor_reference(x, target);
    const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 252});
    INFO("seed " << seed << " delta " << static_cast<double>(delta));
    REQUIRE(delta > 0);
    REQUIRE(delta < 1);
    CHECK(std::fabs(est.shrinkage - delta) < 1e-11 * delta);
    CHECK(worst_scaled_error(est.target_covariance / 252, target) < 1e-13);
    const lmatrix xc = centred(x);
    const lmatrix s = xc.transpose() * xc / static_cast<long double>(x.rows());
    CHECK(worst_scaled_error(est.covariance / 252, delta * target + (1 - delta) * s) < 1e-12);
    CHECK(min_eigenvalue(est.covariance) > 0);
  }
}

TEST_CASE("ledoit_wolf constant correlation matches Ledoit & Wolf (2004 JPM) with PyPortfolioOpt's S",
          "[covariance][ledoit_wolf]") {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const matrix x = make_panel(80 + 60 * seed, 8 + 4 * seed, 60 + seed);
    lmatrix target, sample;
    const long double delta = lw_constant_correlation_reference(x, target, sample);
    const auto est =
        keel::ledoit_wolf(x, {.target = keel::shrinkage_target::constant_correlation, .periods_per_year = 1});
    INFO("seed " << seed << " delta " << static_cast<double>(delta));
    REQUIRE(delta > 0);
    REQUIRE(delta < 1);
    CHECK(std::fabs(est.shrinkage - delta) < 1e-11 * delta);
    CHECK(worst_scaled_error(est.target_covariance, target) < 1e-13);
    CHECK(worst_scaled_error(est.covariance, delta * target + (1 - delta) * sample) < 1e-12);
    // The target's correlations are all the average correlation.
    const matrix r = keel::correlation(est.target_covariance);
    CHECK((r.array() - r(0, 1)).matrix().triangularView<Eigen::StrictlyUpper>().toDenseMatrix().cwiseAbs().maxCoeff() <
          1e-12);
  }
}

TEST_CASE("ledoit_wolf on the Dow 30: every target is PSD, shrinks, and improves conditioning",
          "[covariance][ledoit_wolf][real]") {
  const matrix r = dow_returns().bottomRows(120);  // 120 days for 30 assets: badly conditioned
  const auto sample = keel::sample_covariance(r, {.periods_per_year = 1});
  const auto cond = [](const matrix& m) {
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<matrix>(m, Eigen::EigenvaluesOnly).eigenvalues();
    return ev(ev.size() - 1) / ev(0);
  };
  for (const auto target : {keel::shrinkage_target::scaled_identity, keel::shrinkage_target::single_factor,
                            keel::shrinkage_target::constant_correlation}) {
    const auto est = keel::ledoit_wolf(r, {.target = target, .periods_per_year = 1});
    INFO("target " << static_cast<int>(target) << " shrinkage " << est.shrinkage);
    CHECK(est.shrinkage > 0);
    CHECK(est.shrinkage < 1);
    CHECK(symmetric(est.covariance));
    CHECK(min_eigenvalue(est.covariance) > 0);
    CHECK(cond(est.covariance) < cond(sample.covariance));
    CHECK(est.observations == 120);
  }
}

// ---------------------------------------------------------------------------------------------
// correlation

TEST_CASE("correlation divides by the standard deviations and has a unit diagonal", "[covariance][correlation]") {
  const matrix x = make_panel(300, 5, 70);
  const matrix c = keel::sample_covariance(x, {.periods_per_year = 1}).covariance;
  const matrix r = keel::correlation(c);
  for (Eigen::Index i = 0; i < 5; ++i) {
    CHECK(r(i, i) == 1.0);
    for (Eigen::Index j = 0; j < 5; ++j) {
      CHECK(r(i, j) == Approx(c(i, j) / std::sqrt(c(i, i) * c(j, j))).epsilon(1e-15));
      CHECK(std::fabs(r(i, j)) <= 1.0);
    }
  }
  CHECK(symmetric(r));
  // Correlation is scale-free: annualised or not, the same.
  const matrix ra = keel::correlation(keel::sample_covariance(x, {.periods_per_year = 252}).covariance);
  CHECK((ra - r).cwiseAbs().maxCoeff() < 1e-15);
}
