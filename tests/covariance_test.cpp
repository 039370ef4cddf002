// SPDX-License-Identifier: MIT
// Tests of keel/covariance.hpp: sample_covariance (reject, pairwise, complete_rows), ewma_covariance,
// semicovariance, ledoit_wolf (three targets), correlation.
//
// Independent references written here, each a different formulation from keel's:
//   - entry-by-entry long-double two-pass covariances (sample, pairwise per pair, semicovariance);
//   - EWMA by pandas' own recursions (running numerator and denominator for adjust=True, the
//     RiskMetrics recursion for adjust=False), not keel's closed-form weights;
//   - Ledoit-Wolf intensities from each paper's definitions as explicit sums over observations
//     and pairs (O(T N^2) asymptotic variances and covariances), not keel's row-sum folding;
//   - Eigen's SelfAdjointEigenSolver for the PSD checks;
//   - real data: the bundled Dow 30 and the S&P 500 2023-24 file with its late-listed VLTO.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>

#include "support/allocations.hpp"
#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
using matrix = Eigen::MatrixXd;
using lmatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

/// Daily-return-like panel with a common factor (so correlations are real) and an offset.
matrix make_panel(Eigen::Index t, Eigen::Index n, unsigned seed, double offset = 0.0004) {
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
long double pair_cov(const matrix& x, Eigen::Index i, Eigen::Index j, int ddof = 1) {
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

lmatrix reference_cov(const matrix& x, int ddof = 1) {
  lmatrix c(x.cols(), x.cols());
  for (Eigen::Index i = 0; i < x.cols(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) c(i, j) = pair_cov(x, i, j, ddof);
  return c;
}

/// Largest |a_ij - b_ij| / sqrt(b_ii b_jj): the error relative to the entry's natural scale.
double worst_scaled_error(const matrix& a, const lmatrix& b) {
  double worst = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const long double scale = std::sqrt(std::fabs(b(i, i) * b(j, j)));
      worst = std::max(worst, static_cast<double>(std::fabs(a(i, j) - b(i, j)) / scale));
    }
  return worst;
}

bool symmetric(const matrix& m) { return (m - m.transpose()).cwiseAbs().maxCoeff() == 0; }

double min_eigenvalue(const matrix& m) {
  return Eigen::SelfAdjointEigenSolver<matrix>(m, Eigen::EigenvaluesOnly).eigenvalues()(0);
}

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

template <class T>
concept covariance_callable = requires(const T& v) {
  keel::sample_covariance(v);
};
template <class T>
concept shrinkage_callable = requires(const T& v) {
  keel::ledoit_wolf(v);
};

matrix dow_returns() {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  return keel::simple_returns(table).returns;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// sample_covariance

TEST_CASE("sample_covariance equals a long-double two-pass covariance entry by entry", "[covariance][sample]") {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const matrix x = make_panel(200 + 50 * seed, 3 + 2 * seed, seed);
    const auto est = keel::sample_covariance(x);
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
  const auto est = keel::sample_covariance(x);
  CHECK(worst_scaled_error(est.covariance, reference_cov(x)) < 1e-12);
}

TEST_CASE("sample_covariance annualises linearly and is PSD on the Dow 30", "[covariance][sample][real]") {
  const matrix r = dow_returns();
  REQUIRE(r.rows() == 2528);
  const auto daily = keel::sample_covariance(r);
  const auto annual = keel::sample_covariance(r, {.annualization = 252});
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
  const auto est = keel::sample_covariance(x, {.missing = keel::missing_data::pairwise});
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
  const auto a = keel::sample_covariance(full, {.missing = keel::missing_data::pairwise});
  const auto b = keel::sample_covariance(full);
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
  const auto est = keel::sample_covariance(x, {.missing = keel::missing_data::pairwise});
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
  const auto raw = keel::sample_covariance(x, {.missing = keel::missing_data::pairwise});
  REQUIRE(raw.min_eigenvalue.has_value());
  CHECK_FALSE(raw.positive_semidefinite);
  CHECK(*raw.min_eigenvalue < 0);
  CHECK(*raw.min_eigenvalue == Approx(min_eigenvalue(raw.covariance)).epsilon(1e-9));
  CHECK_FALSE(raw.repaired);
  const auto fixed = keel::sample_covariance(x, {.missing = keel::missing_data::pairwise, .repair = true});
  CHECK(fixed.repaired);
  CHECK(fixed.positive_semidefinite);
  CHECK(min_eigenvalue(fixed.covariance) >= -1e-15 * fixed.covariance.diagonal().maxCoeff());
  // The repair keeps the variances (the diagonal) to rounding and the sign pattern's spirit.
  for (Eigen::Index i = 0; i < 3; ++i) CHECK(fixed.covariance(i, i) == Approx(raw.covariance(i, i)).epsilon(1e-9));
  CHECK(symmetric(fixed.covariance));
  // A PSD pairwise matrix is left alone by the repair option.
  const matrix ok = make_panel(200, 4, 6);
  const auto same = keel::sample_covariance(ok, {.missing = keel::missing_data::pairwise, .repair = true});
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
  const auto est = keel::sample_covariance(x, {.missing = keel::missing_data::complete_rows});
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
  CHECK_THROWS_WITH(keel::sample_covariance(x), Contains("panel(0, 2) is NaN; set .missing"));
  const auto est = keel::sample_covariance(x, {.annualization = 252, .missing = keel::missing_data::pairwise});
  CHECK(est.pair_counts(2, 2) < est.pair_counts(0, 0));
  CHECK(est.pair_counts(0, 0) == 251);
  CHECK(worst_scaled_error(est.covariance / 252, reference_cov(x)) < 1e-13);
  CHECK(est.positive_semidefinite);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    CHECK(std::sqrt(est.covariance(j, j)) > 0.05);
    CHECK(std::sqrt(est.covariance(j, j)) < 1.0);
  }
  // Every column of the table: ABBV, GEV and SOLV have no returns at all.
  CHECK_THROWS_AS(keel::sample_covariance(returns.returns, {.missing = keel::missing_data::pairwise}),
                  keel::insufficient_data);
}

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
  const auto est = keel::ewma_covariance(x, {.lambda = lambda, .annualization = 252, .demean = true});
  CHECK(worst_scaled_error(est.covariance, expected) < 1e-13);
  CHECK(symmetric(est.covariance));
  // RiskMetrics: zero mean, the recursion S_t = lambda S_{t-1} + (1 - lambda) r_t r_t' from S_0 = r_0 r_0'.
  lmatrix rm = (x.row(0).transpose() * x.row(0)).cast<long double>();
  for (Eigen::Index t = 1; t < x.rows(); ++t)
    rm = 0.94L * rm + 0.06L * (x.row(t).transpose() * x.row(t)).cast<long double>();
  const auto rec = keel::ewma_covariance(x, {.weighting = keel::ewma_weighting::recursive});
  CHECK(worst_scaled_error(rec.covariance, rm) < 1e-13);
  CHECK(min_eigenvalue(rec.covariance) > 0);
}

// ---------------------------------------------------------------------------------------------
// semicovariance

TEST_CASE("semicovariance equals the mean product of shortfalls (PyPortfolioOpt)", "[covariance][semi]") {
  matrix x = make_panel(300, 5, 13);
  const double b = 0.000079;
  const auto est = keel::semicovariance(x, {.benchmark = b, .annualization = 252});
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
  const auto pw = keel::semicovariance(x, {.missing = keel::missing_data::pairwise});
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
    const auto est = keel::ledoit_wolf(x);
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
  const auto est1 = keel::ledoit_wolf(one);
  CHECK(est1.shrinkage == 0);
  CHECK(est1.covariance(0, 0) == Approx(static_cast<double>(pair_cov(one, 0, 0, 0))).epsilon(1e-13));
}

TEST_CASE("ledoit_wolf single factor matches Ledoit & Wolf (2003) by the delta method", "[covariance][ledoit_wolf]") {
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const matrix x = make_panel(80 + 60 * seed, 8 + 4 * seed, 40 + seed);
    lmatrix target;
    const long double delta = lw_single_factor_reference(x, target);
    const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .annualization = 252});
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
    const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::constant_correlation});
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
  const auto sample = keel::sample_covariance(r);
  const auto cond = [](const matrix& m) {
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<matrix>(m, Eigen::EigenvaluesOnly).eigenvalues();
    return ev(ev.size() - 1) / ev(0);
  };
  for (const auto target : {keel::shrinkage_target::scaled_identity, keel::shrinkage_target::single_factor,
                            keel::shrinkage_target::constant_correlation}) {
    const auto est = keel::ledoit_wolf(r, {.target = target});
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
  const matrix c = keel::sample_covariance(x).covariance;
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
  const matrix ra = keel::correlation(keel::sample_covariance(x, {.annualization = 252}).covariance);
  CHECK((ra - r).cwiseAbs().maxCoeff() < 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Input forms, floating types, errors, allocation.

TEST_CASE("covariance estimators read any Eigen expression and follow the floating type", "[covariance][storage]") {
  const matrix x = make_panel(150, 4, 80);
  const auto ref = keel::sample_covariance(x);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = x;
  CHECK((keel::sample_covariance(rm).covariance - ref.covariance).cwiseAbs().maxCoeff() < 1e-18);
  const Eigen::Map<const matrix> map(x.data(), x.rows(), x.cols());
  CHECK(keel::sample_covariance(map).covariance == ref.covariance);
  matrix wide(150, 6);
  wide.leftCols(4) = x;
  wide.rightCols(2).setRandom();
  CHECK((keel::sample_covariance(wide.leftCols(4)).covariance - ref.covariance).cwiseAbs().maxCoeff() < 1e-18);
  // float in, float out, computed in double: equal to the double result rounded once.
  const Eigen::MatrixXf xf = x.cast<float>();
  const auto f = keel::sample_covariance(xf);
  STATIC_REQUIRE(std::is_same_v<decltype(f.covariance), Eigen::MatrixXf>);
  const auto fd = keel::sample_covariance(xf.cast<double>().eval());
  CHECK((f.covariance - fd.covariance.cast<float>()).cwiseAbs().maxCoeff() == 0);
  const auto lwf = keel::ledoit_wolf(xf);
  STATIC_REQUIRE(std::is_same_v<decltype(lwf.shrinkage), float>);
  // long double stays long double.
  const lmatrix xl = x.cast<long double>();
  const auto l = keel::sample_covariance(xl);
  STATIC_REQUIRE(std::is_same_v<decltype(l.covariance), lmatrix>);
  CHECK(std::fabs(l.covariance(1, 2) - pair_cov(x, 1, 2)) < 1e-18L);
  // A vector is a Series, never a panel.
  STATIC_REQUIRE_FALSE(covariance_callable<Eigen::VectorXd>);
  STATIC_REQUIRE_FALSE(shrinkage_callable<std::vector<double>>);
  STATIC_REQUIRE(covariance_callable<Eigen::MatrixXd>);
  STATIC_REQUIRE(shrinkage_callable<Eigen::MatrixXf>);
}

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
