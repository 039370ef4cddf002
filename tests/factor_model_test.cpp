// SPDX-License-Identifier: MIT
// Tests of keel/factor_model.hpp. References are computed independently in each test:
//   - time-series model: keel::factor_regression per asset (a QR per asset, not the shared one);
//   - cross-sectional model: the weighted normal equations in long double, and numpy's lstsq;
//   - statistical model: Eigen's full SelfAdjointEigenSolver on the long-double sample
//     covariance, and numpy's eigh (tests/data/factor_model_oracle.py);
//   - decomposition: w' S w with S formed in long double, closed forms of a one-factor model,
//     Boost's normal quantile for the VaR.
// Properties: S = B F B' + D, sum rules, permutation and scaling invariance, out forms bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/factor_model.hpp>
#include <keel/factors.hpp>
#include <keel/stress.hpp>

#include "support/shared_data.hpp"

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using matrix_ld = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

/// A T x N panel from K factors: x = f B' + noise (specific sd per asset), plus small means.
struct panel {
  MatrixXd factors, exposures, returns;
};

panel make_panel(Index t, Index n, Index k, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 1.0);
  panel p{MatrixXd(t, k), MatrixXd(n, k), MatrixXd(t, n)};
  for (Index i = 0; i < t; ++i)
    for (Index j = 0; j < k; ++j) p.factors(i, j) = 0.0002 + 0.01 * z(gen) / static_cast<double>(j + 1);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < k; ++j) p.exposures(i, j) = (j == 0 ? 1.0 : 0.0) + 0.5 * z(gen);
  p.returns = p.factors * p.exposures.transpose();
  for (Index i = 0; i < t; ++i)
    for (Index j = 0; j < n; ++j) p.returns(i, j) += 0.0001 + 0.004 * (1.0 + static_cast<double>(j % 5)) * z(gen);
  return p;
}

double rel_diff(const MatrixXd& a, const MatrixXd& b) {
  const double scale = std::max(a.cwiseAbs().maxCoeff(), b.cwiseAbs().maxCoeff());
  return scale > 0 ? (a - b).cwiseAbs().maxCoeff() / scale : 0.0;
}

/// The sample covariance (n - 1) in long double, by the textbook two-pass sums (plain loops:
/// no long-double Eigen products to compile).
matrix_ld sample_cov_ld(const MatrixXd& x) {
  const Index t = x.rows(), n = x.cols();
  std::vector<long double> mean(static_cast<std::size_t>(n), 0.0L);
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < t; ++i) mean[static_cast<std::size_t>(j)] += x(i, j);
    mean[static_cast<std::size_t>(j)] /= static_cast<long double>(t);
  }
  matrix_ld c(n, n);
  for (Index a = 0; a < n; ++a)
    for (Index b = 0; b <= a; ++b) {
      long double sum = 0;
      for (Index i = 0; i < t; ++i)
        sum += (x(i, a) - mean[static_cast<std::size_t>(a)]) * (x(i, b) - mean[static_cast<std::size_t>(b)]);
      c(a, b) = c(b, a) = sum / static_cast<long double>(t - 1);
    }
  return c;
}

/// B F B' + D in long double by plain loops.
matrix_ld model_cov_ld(const keel::factor_model<double>& m) {
  const Index n = m.exposures.rows(), k = m.exposures.cols();
  matrix_ld s(n, n);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < n; ++j) {
      long double sum = i == j ? static_cast<long double>(m.specific_variances(i)) : 0.0L;
      for (Index a = 0; a < k; ++a)
        for (Index b = 0; b < k; ++b)
          sum += static_cast<long double>(m.exposures(i, a)) * m.factor_covariance(a, b) * m.exposures(j, b);
      s(i, j) = sum;
    }
  return s;
}

template <class E>
void require_message(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    FAIL("no exception; expected one containing: " << part);
  } catch (const E& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(part) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("model_covariance is B F B' + D and every model satisfies it", "[factor_model]") {
  const panel p = make_panel(300, 14, 3, 1);
  std::vector<keel::factor_model<double>> models{
      keel::time_series_factor_model(p.returns, p.factors), keel::cross_sectional_factor_model(p.returns, p.exposures),
      keel::statistical_factor_model(p.returns, 4),
      keel::statistical_factor_model(p.returns, 4, {.matrix = keel::pca_matrix::correlation})};
  for (const auto& m : models) {
    const matrix_ld s = model_cov_ld(m);
    const MatrixXd got = keel::model_covariance(m);
    CHECK(rel_diff(got, s.cast<double>()) < 1e-15);
    CHECK(got == got.transpose());
    CHECK((m.specific_variances.array() >= 0).all());
    const long double factor_trace = (s.trace() - m.specific_variances.cast<long double>().sum());
    CHECK(std::fabs(m.explained_variance - static_cast<double>(factor_trace / s.trace())) < 1e-14);
    CHECK(m.observations == 300);
  }
}

TEST_CASE("time-series model: B and D are factor_regression's slopes and s^2 per asset", "[factor_model][ts]") {
  const panel p = make_panel(250, 9, 3, 2);
  const auto m = keel::time_series_factor_model(p.returns, p.factors);
  REQUIRE(m.exposures.rows() == 9);
  REQUIRE(m.exposures.cols() == 3);
  for (Index i = 0; i < 9; ++i) {
    const VectorXd y = p.returns.col(i);
    const auto fit = keel::factor_regression(y, p.factors);
    for (Index j = 0; j < 3; ++j) CHECK(std::fabs(m.exposures(i, j) - fit.coefficients(1 + j)) <= 1e-12);
    CHECK(std::fabs(m.specific_variances(i) / (fit.residual_stddev * fit.residual_stddev) - 1) <= 1e-12);
  }
  const MatrixXd f = keel::sample_covariance(p.factors, {.periods_per_year = 1}).covariance;
  CHECK(m.factor_covariance == f);
  CHECK(m.factor_returns == p.factors);
  const auto ewma = keel::time_series_factor_model(
      p.returns, p.factors, {.factor_covariance = keel::factor_covariance_method::ewma, .half_life = 20});
  const MatrixXd fe =
      keel::ewma_covariance(p.factors, {.lambda = std::pow(0.5, 1.0 / 20), .periods_per_year = 1, .demean = true})
          .covariance;
  CHECK(ewma.factor_covariance == fe);
  CHECK(ewma.exposures == m.exposures);
  const auto lw = keel::time_series_factor_model(p.returns, p.factors,
                                                 {.factor_covariance = keel::factor_covariance_method::ledoit_wolf});
  CHECK(lw.factor_covariance == keel::ledoit_wolf(p.factors, {.periods_per_year = 1}).covariance);
}

TEST_CASE("cross-sectional model: factor returns are each date's WLS, by the normal equations in long double",
          "[factor_model][cs]") {
  const Index t = 40, n = 25, k = 4;
  const panel p = make_panel(t, n, k, 3);
  std::mt19937_64 gen(33);
  std::uniform_real_distribution<double> u(0.5, 3.0);
  std::normal_distribution<double> z(0.0, 1.0);
  // Time-varying exposures (a market column of ones, two sector dummies, a style score) and
  // per-date weights.
  std::vector<MatrixXd> x(static_cast<std::size_t>(t), MatrixXd(n, k));
  MatrixXd w(t, n);
  for (Index s = 0; s < t; ++s) {
    auto& xs = x[static_cast<std::size_t>(s)];
    for (Index i = 0; i < n; ++i) {
      xs(i, 0) = 1;
      xs(i, 1) = (i + s) % 3 == 0 ? 1 : 0;
      xs(i, 2) = (i + s) % 3 == 1 ? 1 : 0;
      xs(i, 3) = z(gen);
      w(s, i) = u(gen);
    }
  }
  const auto m = keel::cross_sectional_factor_model(p.returns, x, {.weights = w});
  matrix_ld resid(t, n);
  for (Index s = 0; s < t; ++s) {
    const MatrixXd& xs = x[static_cast<std::size_t>(s)];
    // The normal equations X'WX f = X'W r, summed in long double, solved by Gaussian elimination
    // with partial pivoting (K = 4).
    long double a[4][5] = {};
    for (Index i = 0; i < n; ++i)
      for (Index p1 = 0; p1 < k; ++p1) {
        for (Index p2 = 0; p2 < k; ++p2) a[p1][p2] += static_cast<long double>(w(s, i)) * xs(i, p1) * xs(i, p2);
        a[p1][k] += static_cast<long double>(w(s, i)) * xs(i, p1) * p.returns(s, i);
      }
    for (int c = 0; c < 4; ++c) {
      int piv = c;
      for (int r2 = c + 1; r2 < 4; ++r2)
        if (std::fabs(a[r2][c]) > std::fabs(a[piv][c])) piv = r2;
      std::swap(a[c], a[piv]);
      for (int r2 = c + 1; r2 < 4; ++r2) {
        const long double g = a[r2][c] / a[c][c];
        for (int c2 = c; c2 < 5; ++c2) a[r2][c2] -= g * a[c][c2];
      }
    }
    long double f[4];
    for (int c = 3; c >= 0; --c) {
      long double sum = a[c][4];
      for (int c2 = c + 1; c2 < 4; ++c2) sum -= a[c][c2] * f[c2];
      f[c] = sum / a[c][c];
    }
    for (Index j = 0; j < k; ++j)
      CHECK(std::fabs(m.factor_returns(s, j) - static_cast<double>(f[j])) <= 1e-13 * (1 + std::fabs(double(f[j]))));
    for (Index i = 0; i < n; ++i) {
      long double fit = 0;
      for (Index j = 0; j < k; ++j) fit += xs(i, j) * f[j];
      resid(s, i) = p.returns(s, i) - fit;
    }
  }
  CHECK(m.exposures == x.back());
  // D: each asset's residual variance (n - 1); F: the factor returns' sample covariance.
  for (Index i = 0; i < n; ++i) {
    long double mean = 0, var = 0;
    for (Index s = 0; s < t; ++s) mean += resid(s, i);
    mean /= t;
    for (Index s = 0; s < t; ++s) var += (resid(s, i) - mean) * (resid(s, i) - mean);
    var /= (t - 1);
    CHECK(std::fabs(m.specific_variances(i) / static_cast<double>(var) - 1) < 1e-9);
  }
  CHECK(rel_diff(m.factor_covariance, sample_cov_ld(m.factor_returns).cast<double>()) < 1e-14);

  // Constant exposures (one matrix) and the same weights every date: the shared-QR path agrees
  // with the per-date path given the same matrix T times.
  const MatrixXd w1 = w.row(0);
  const auto one = keel::cross_sectional_factor_model(p.returns, x[0], {.weights = w1});
  const std::vector<MatrixXd> same(static_cast<std::size_t>(t), x[0]);
  const auto many = keel::cross_sectional_factor_model(p.returns, same, {.weights = MatrixXd(w1.replicate(t, 1))});
  CHECK(rel_diff(one.factor_returns, many.factor_returns) < 1e-14);
  CHECK(rel_diff(one.specific_variances, many.specific_variances) < 1e-13);
  // EWMA specific variances: the normalised weighted variance of the residuals about their mean.
  const auto e = keel::cross_sectional_factor_model(p.returns, x[0], {.specific_half_life = 10});
  const auto plain = keel::cross_sectional_factor_model(p.returns, x[0]);
  const MatrixXd res = p.returns - plain.factor_returns * x[0].transpose();
  VectorXd wt(t);
  for (Index s = 0; s < t; ++s) wt(s) = std::pow(0.5, static_cast<double>(t - 1 - s) / 10.0);
  wt /= wt.sum();
  for (Index i = 0; i < n; ++i) {
    const double mean = res.col(i).mean();
    CHECK(std::fabs(e.specific_variances(i) - (res.col(i).array() - mean).square().matrix().dot(wt)) <=
          1e-12 * e.specific_variances(i));
  }
}

TEST_CASE("statistical model with K = N reproduces the sample covariance; its components are eigenpairs",
          "[factor_model][pca]") {
  const panel p = make_panel(120, 16, 3, 4);
  const matrix_ld s = sample_cov_ld(p.returns);
  for (const auto kind : {keel::pca_matrix::covariance, keel::pca_matrix::correlation}) {
    const auto full = keel::statistical_factor_model(p.returns, 16, {.matrix = kind});
    CHECK(rel_diff(keel::model_covariance(full), s.cast<double>()) < 1e-12);
  }
  // k = 3 < N / 4 takes the partial solver: the same eigenpairs as the full solver, signs by rule.
  // The reference: Eigen's full symmetric QR solver (not the partial inverse-iteration path).
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(s.cast<double>());
  const auto m = keel::statistical_factor_model(p.returns, 3);
  for (Index c = 0; c < 3; ++c) {
    const double lambda = es.eigenvalues()(15 - c);
    CHECK(std::fabs(m.factor_covariance(c, c) / lambda - 1) < 1e-12);
    VectorXd v = es.eigenvectors().col(15 - c);
    Index at = 0;
    v.cwiseAbs().maxCoeff(&at);
    if (v(at) < 0) v = -v;
    CHECK((m.exposures.col(c) - v).cwiseAbs().maxCoeff() < 1e-10);
  }
  CHECK(m.factor_covariance.isDiagonal(0.0));
  {
    // That result came from the partial solver (inverse iteration passed its own check), and
    // the full solver serves 4k > N.
    keel::detail::eigen_top_workspace<double> ews;
    VectorXd values;
    MatrixXd vectors;
    const MatrixXd sd = s.cast<double>();
    keel::detail::top_eigenpairs(sd, 3, values, vectors, ews);
    CHECK(ews.partial);
    keel::detail::top_eigenpairs(sd, 5, values, vectors, ews);
    CHECK(!ews.partial);
  }
  // The scores' sample covariance is F.
  CHECK(rel_diff(sample_cov_ld(m.factor_returns).cast<double>(), m.factor_covariance) < 1e-12);
  for (Index i = 0; i < 16; ++i) {
    const long double explained =
        (m.exposures.row(i).array().square() * m.factor_covariance.diagonal().transpose().array()).sum();
    CHECK(std::fabs(m.specific_variances(i) - static_cast<double>(s(i, i) - explained)) < 1e-15);
  }
  // Degenerate spectra: T < N (zero eigenvalues) and two identical columns; the result is a
  // valid model with orthonormal loadings.
  const panel q = make_panel(10, 40, 2, 5);
  MatrixXd dup = q.returns;
  dup.col(7) = dup.col(3);
  for (const MatrixXd* x : std::vector<const MatrixXd*>{&q.returns, &dup})
    for (const Index k : {Index(1), Index(5), Index(10), Index(12), Index(40)}) {
      const auto d = keel::statistical_factor_model(*x, k);
      CHECK((d.exposures.transpose() * d.exposures - MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff() < 1e-12);
      CHECK((d.specific_variances.array() >= 0).all());
      CHECK(rel_diff(keel::sample_covariance(*x, {.periods_per_year = 1}).covariance * d.exposures,
                     d.exposures * d.factor_covariance) < 1e-11);
    }
}

TEST_CASE("cross-sectional model with Barra's constraint: market and every sector, by the KKT system in long double",
          "[factor_model][cs][constraint]") {
  const Index t = 30, n = 24, k = 5;  // market, three sectors, one style
  const panel p = make_panel(t, n, 2, 5);
  std::mt19937_64 gen(55);
  std::uniform_real_distribution<double> u(0.5, 3.0);
  std::normal_distribution<double> z(0.0, 1.0);
  MatrixXd x(n, k);
  VectorXd cap(n);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = 1;
    for (Index j = 1; j <= 3; ++j) x(i, j) = i % 3 == j - 1 ? 1 : 0;
    x(i, 4) = z(gen);
    cap(i) = u(gen);
  }
  MatrixXd c = MatrixXd::Zero(1, k);  // each sector's capitalisation weight
  for (Index i = 0; i < n; ++i) c(0, 1 + i % 3) += cap(i) / cap.sum();
  const MatrixXd w = cap.cwiseSqrt().transpose();  // sqrt of market value, Barra's weights
  // Without the constraint the design is singular; with it the model fits.
  CHECK_THROWS_AS(keel::cross_sectional_factor_model(p.returns, x, {.weights = w}), keel::singular_problem);
  const auto one = keel::cross_sectional_factor_model(p.returns, x, {.weights = w, .constraint = c});
  // The same constraint given per date and exposures per date: the per-date path, same numbers.
  std::vector<MatrixXd> xs(static_cast<std::size_t>(t), x);
  const auto many = keel::cross_sectional_factor_model(
      p.returns, xs, {.weights = MatrixXd(w.replicate(t, 1)), .constraint = MatrixXd(c.replicate(t, 1))});
  for (Index s = 0; s < t; ++s) {
    // KKT: [X'WX c; c' 0] [f; l] = [X'W r; 0], in long double by Gaussian elimination.
    long double a[6][7] = {};
    for (Index i = 0; i < n; ++i)
      for (Index p1 = 0; p1 < k; ++p1) {
        for (Index p2 = 0; p2 < k; ++p2) a[p1][p2] += static_cast<long double>(w(0, i)) * x(i, p1) * x(i, p2);
        a[p1][6] += static_cast<long double>(w(0, i)) * x(i, p1) * p.returns(s, i);
      }
    for (Index j = 0; j < k; ++j) a[j][5] = a[5][j] = c(0, j);
    for (int col = 0; col < 6; ++col) {
      int piv = col;
      for (int r2 = col + 1; r2 < 6; ++r2)
        if (std::fabs(a[r2][col]) > std::fabs(a[piv][col])) piv = r2;
      std::swap(a[col], a[piv]);
      for (int r2 = col + 1; r2 < 6; ++r2) {
        const long double g = a[r2][col] / a[col][col];
        for (int c2 = col; c2 < 7; ++c2) a[r2][c2] -= g * a[col][c2];
      }
    }
    long double f[6];
    for (int r2 = 5; r2 >= 0; --r2) {
      long double acc = a[r2][6];
      for (int c2 = r2 + 1; c2 < 6; ++c2) acc -= a[r2][c2] * f[c2];
      f[r2] = acc / a[r2][r2];
    }
    long double cf = 0, scale = 0;
    for (Index j = 0; j < k; ++j) {
      CHECK(one.factor_returns(s, j) == Approx(static_cast<double>(f[j])).margin(1e-12));
      CHECK(many.factor_returns(s, j) == Approx(static_cast<double>(f[j])).margin(1e-12));
      cf += c(0, j) * one.factor_returns(s, j);
      scale += std::fabs(c(0, j) * one.factor_returns(s, j));
    }
    CHECK(std::fabs(cf) <= 1e-14 * scale + 1e-300);
  }
  // The constrained direction only reparametrises: the fitted values, so the residuals and D,
  // are those of the design without one sector dummy.
  MatrixXd dropped(n, k - 1);
  dropped << x.leftCols(3), x.col(4);
  const auto plain = keel::cross_sectional_factor_model(p.returns, dropped, {.weights = w});
  for (Index i = 0; i < n; ++i) CHECK(one.specific_variances(i) == Approx(plain.specific_variances(i)).epsilon(1e-10));
  // With regression weights equal to the constraint's (cap weights both), the market factor is
  // the cap-weighted average return net of the style's part.
  const auto capped = keel::cross_sectional_factor_model(p.returns, x, {.weights = cap.transpose(), .constraint = c});
  for (Index s = 0; s < t; ++s) {
    double weighted = 0, style = 0;
    for (Index i = 0; i < n; ++i) {
      weighted += cap(i) * p.returns(s, i);
      style += cap(i) * x(i, 4);
    }
    const double resid_sum = [&] {
      double r = 0;
      for (Index i = 0; i < n; ++i) {
        double fitted = 0;
        for (Index j = 0; j < k; ++j) fitted += x(i, j) * capped.factor_returns(s, j);
        r += cap(i) * (p.returns(s, i) - fitted);
      }
      return r;
    }();
    // WLS residuals are W-orthogonal to the market column of ones: sum_i cap_i e_i = 0.
    CHECK(std::fabs(resid_sum) <= 1e-12 * cap.sum() * p.returns.cwiseAbs().maxCoeff());
    CHECK(capped.factor_returns(s, 0) ==
          Approx((weighted - style * capped.factor_returns(s, 4)) / cap.sum()).margin(1e-12));
  }
  // Errors name the option.
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(keel::cross_sectional_factor_model(p.returns, x, {.constraint = MatrixXd::Ones(2, k)}),
                    Contains("options.constraint is 2 x 5"));
  CHECK_THROWS_WITH(keel::cross_sectional_factor_model(p.returns, x, {.constraint = MatrixXd::Zero(1, k)}),
                    Contains("all 0"));
  MatrixXd bad = c;
  bad(0, 2) = std::nan("");
  CHECK_THROWS_AS(keel::cross_sectional_factor_model(p.returns, x, {.constraint = bad}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::cross_sectional_factor_model(p.returns, x, {.weights = w}),
                    Contains("cross_sectional_factor_options::constraint"));
}

TEST_CASE("numpy oracle: eigh for the statistical model, lstsq for the cross-sectional WLS", "[factor_model][numpy]") {
  const std::string python = KEEL_PYTHON3_SCIPY;
  if (python.empty())
    FAIL(
        "python3 with numpy was not found when configuring: apt-get install python3-scipy (scripts/install-deps "
        "does), then re-run cmake");
  const std::filesystem::path script = std::filesystem::path(KEEL_TEST_DATA_DIR) / "factor_model_oracle.py";
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(std::random_device{}() % 1000000);
  const panel p = make_panel(200, 30, 3, 6);
  const auto eig_in = dir / ("keel_fm_oracle_" + tag + "_eigh.in");
  const auto wls_in = dir / ("keel_fm_oracle_" + tag + "_wls.in");
  VectorXd w(30), r = p.returns.row(17).transpose();
  for (Index i = 0; i < 30; ++i) w(i) = 1.0 + static_cast<double>(i % 7);
  {
    std::ofstream f(eig_in);
    f.precision(17);
    f << "eigh 200 30\n" << p.returns.format(Eigen::IOFormat(17, Eigen::DontAlignCols, " ", "\n")) << "\n";
    std::ofstream g(wls_in);
    g.precision(17);
    g << "wls 30 3\n";
    for (Index i = 0; i < 30; ++i)
      g << p.exposures(i, 0) << " " << p.exposures(i, 1) << " " << p.exposures(i, 2) << " " << r(i) << " " << w(i)
        << "\n";
  }
  REQUIRE(std::system((python + " " + script.string() + " " + eig_in.string() + " " + wls_in.string()).c_str()) == 0);
  auto read_rows = [](const std::filesystem::path& path) {
    std::vector<std::vector<double>> rows;
    std::ifstream f(path);
    for (std::string line; std::getline(f, line);) {
      std::istringstream s(line);
      std::vector<double> row;
      for (double v = 0; s >> v;) row.push_back(v);
      rows.push_back(row);
    }
    return rows;
  };
  const auto eig = read_rows(eig_in.string() + ".out");
  REQUIRE(eig.size() == 31);
  for (const Index k : {Index(5), Index(30)}) {
    const auto m = keel::statistical_factor_model(p.returns, k);
    for (Index c = 0; c < k; ++c) {
      CHECK(std::fabs(m.factor_covariance(c, c) / eig[0][static_cast<std::size_t>(c)] - 1) < 1e-10);
      // Well separated components only: the oracle's vectors of the noise bulk may rotate.
      if (c < 3)
        for (Index i = 0; i < 30; ++i)
          CHECK(std::fabs(m.exposures(i, c) - eig[static_cast<std::size_t>(1 + c)][static_cast<std::size_t>(i)]) <
                1e-9);
    }
  }
  const auto ls = read_rows(wls_in.string() + ".out");
  REQUIRE(ls.size() == 1);
  REQUIRE(ls[0].size() == 3);
  MatrixXd one_date = p.returns.topRows(2);
  one_date.row(0) = r.transpose();
  one_date.row(1) = r.transpose();
  const auto cs = keel::cross_sectional_factor_model(one_date, p.exposures, {.weights = MatrixXd(w.transpose())});
  for (Index j = 0; j < 3; ++j)
    CHECK(std::fabs(cs.factor_returns(0, j) - ls[0][static_cast<std::size_t>(j)]) <=
          1e-12 * (1 + std::fabs(ls[0][static_cast<std::size_t>(j)])));
  for (const auto& f : {eig_in, wls_in}) {
    std::filesystem::remove(f);
    std::filesystem::remove(f.string() + ".out");
  }
}

TEST_CASE("risk decomposition: sum rules, a one-factor closed form, active risk and VaR", "[factor_model][risk]") {
  const panel p = make_panel(260, 12, 3, 7);
  const auto m = keel::time_series_factor_model(p.returns, p.factors);
  VectorXd w(12);
  for (Index i = 0; i < 12; ++i) w(i) = (1.0 + static_cast<double>(i % 4)) / 30.0 - (i == 5 ? 0.2 : 0.0);
  const auto r = keel::factor_risk_decomposition(m, w);
  const matrix_ld s = model_cov_ld(m);
  long double total = 0;
  for (Index i = 0; i < 12; ++i)
    for (Index j = 0; j < 12; ++j) total += w(i) * s(i, j) * w(j);
  CHECK(std::fabs(r.total_variance / static_cast<double>(total) - 1) < 1e-14);
  CHECK(std::fabs((r.contributions.sum() + r.specific_variance) / r.total_variance - 1) < 1e-14);
  CHECK(std::fabs(r.contributions.sum() / r.factor_variance - 1) < 1e-14);
  CHECK(std::fabs(r.specific_contributions.sum() / r.specific_variance - 1) < 1e-14);
  CHECK(std::fabs(r.asset_contributions.sum() / r.total_variance - 1) < 1e-14);
  CHECK(r.volatility == std::sqrt(r.total_variance));
  CHECK((r.exposures - m.exposures.transpose() * w).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((r.contributions - r.exposures.cwiseProduct(r.marginal_contributions)).cwiseAbs().maxCoeff() < 1e-18);
  const double z95 = boost::math::quantile(boost::math::normal(), 0.95);
  CHECK(std::fabs(r.value_at_risk - z95 * r.volatility) < 1e-16);
  const auto r99 = keel::factor_risk_decomposition(m, w, {.confidence = 0.99, .expected_return = 0.001});
  CHECK(std::fabs(r99.value_at_risk - (boost::math::quantile(boost::math::normal(), 0.99) * r.volatility - 0.001)) <
        1e-15);

  // A one-factor (Sharpe) model: sigma^2 = (beta'w)^2 var_m + sum w_i^2 d_i.
  keel::factor_model<double> single;
  single.exposures = MatrixXd(4, 1);
  single.exposures << 0.8, 1.1, 1.3, 0.5;
  single.factor_covariance = MatrixXd::Constant(1, 1, 0.0004);
  single.specific_variances = VectorXd(4);
  single.specific_variances << 0.0001, 0.0002, 0.00015, 0.00005;
  const std::vector<double> ws{0.1, 0.2, 0.3, 0.4};
  const auto one = keel::factor_risk_decomposition(single, ws);
  const double beta = 0.8 * 0.1 + 1.1 * 0.2 + 1.3 * 0.3 + 0.5 * 0.4;
  const double specific = 0.01 * 0.0001 + 0.04 * 0.0002 + 0.09 * 0.00015 + 0.16 * 0.00005;
  CHECK(std::fabs(one.factor_variance - beta * beta * 0.0004) < 1e-18);
  CHECK(std::fabs(one.specific_variance - specific) < 1e-18);
  CHECK(std::fabs(one.marginal_contributions(0) - beta * 0.0004) < 1e-18);
  CHECK(one.exposures(0) == Approx(beta).epsilon(1e-15));

  // Active risk: the decomposition of w - w_b.
  VectorXd wb = VectorXd::Constant(12, 1.0 / 12.0);
  const auto active = keel::factor_risk_decomposition(m, w, {.benchmark_weights = wb});
  const VectorXd diff = w - wb;
  const auto direct = keel::factor_risk_decomposition(m, diff);
  CHECK(std::fabs(active.total_variance - direct.total_variance) <= 1e-15 * direct.total_variance);
  CHECK((active.contributions - direct.contributions).cwiseAbs().maxCoeff() <= 1e-18);

  // The out form gives the plain form's numbers.
  keel::factor_risk<double> out;
  keel::factor_risk_decomposition(m, w, out);
  CHECK(out.total_variance == r.total_variance);
  CHECK(out.asset_contributions == r.asset_contributions);
}

TEST_CASE("invariances: permuting assets permutes B and D; scaling returns by c scales F and D by c^2",
          "[factor_model][properties]") {
  const panel p = make_panel(150, 10, 2, 8);
  Eigen::PermutationMatrix<Eigen::Dynamic> perm(10);
  perm.setIdentity();
  std::mt19937_64 gen(88);
  std::shuffle(perm.indices().data(), perm.indices().data() + 10, gen);
  const MatrixXd permuted = p.returns * perm;  // column j of the result is column perm(j)^-1 ...
  const auto ts = keel::time_series_factor_model(p.returns, p.factors);
  const auto tsp = keel::time_series_factor_model(permuted, p.factors);
  CHECK(rel_diff(perm.transpose() * ts.exposures, tsp.exposures) < 1e-13);
  CHECK(rel_diff(perm.transpose() * ts.specific_variances, tsp.specific_variances) < 1e-13);
  const auto st = keel::statistical_factor_model(p.returns, 2);
  const auto stp = keel::statistical_factor_model(permuted, 2);
  CHECK(rel_diff(perm.transpose() * st.exposures, stp.exposures) < 1e-11);
  CHECK(rel_diff(perm.transpose() * st.specific_variances, stp.specific_variances) < 1e-11);
  const auto cs = keel::cross_sectional_factor_model(p.returns, p.exposures);
  const auto csp = keel::cross_sectional_factor_model(permuted, MatrixXd(perm.transpose() * p.exposures));
  CHECK(rel_diff(cs.factor_returns, csp.factor_returns) < 1e-13);
  CHECK(rel_diff(perm.transpose() * cs.specific_variances, csp.specific_variances) < 1e-12);

  const double c = 3.5;
  const auto ts_c = keel::time_series_factor_model(MatrixXd(c * p.returns), MatrixXd(c * p.factors));
  CHECK(rel_diff(ts_c.exposures, ts.exposures) < 1e-13);
  CHECK(rel_diff(ts_c.factor_covariance, c * c * ts.factor_covariance) < 1e-14);
  CHECK(rel_diff(ts_c.specific_variances, c * c * ts.specific_variances) < 1e-13);
  const auto st_c = keel::statistical_factor_model(MatrixXd(c * p.returns), 2);
  CHECK(rel_diff(st_c.factor_covariance, c * c * st.factor_covariance) < 1e-13);
  CHECK(rel_diff(st_c.specific_variances, c * c * st.specific_variances) < 1e-11);
  CHECK(rel_diff(st_c.exposures, st.exposures) < 1e-12);
  const auto cs_c = keel::cross_sectional_factor_model(MatrixXd(c * p.returns), p.exposures);
  CHECK(rel_diff(cs_c.factor_covariance, c * c * cs.factor_covariance) < 1e-13);
  CHECK(rel_diff(cs_c.specific_variances, c * c * cs.specific_variances) < 1e-13);
}

TEST_CASE("out forms: a reused model and workspace give the plain form's bits, across shapes",
          "[factor_model][workspace]") {
  keel::factor_model<double> out;
  keel::factor_model<double>::workspace ws;
  for (const Index n : {Index(20), Index(8), Index(20)}) {
    const panel p = make_panel(90, n, 2, static_cast<unsigned>(n));
    keel::time_series_factor_model(p.returns, p.factors, out, ws);
    const auto ts = keel::time_series_factor_model(p.returns, p.factors);
    CHECK(out.exposures == ts.exposures);
    CHECK(out.specific_variances == ts.specific_variances);
    CHECK(out.factor_covariance == ts.factor_covariance);
    keel::statistical_factor_model(p.returns, 3, out, ws);
    const auto st = keel::statistical_factor_model(p.returns, 3);
    CHECK(out.exposures == st.exposures);
    CHECK(out.specific_variances == st.specific_variances);
    CHECK(out.factor_returns == st.factor_returns);
    keel::cross_sectional_factor_model(p.returns, p.exposures, out, ws);
    const auto cs = keel::cross_sectional_factor_model(p.returns, p.exposures);
    CHECK(out.factor_returns == cs.factor_returns);
    CHECK(out.specific_variances == cs.specific_variances);
    CHECK(out.explained_variance == cs.explained_variance);
  }
}

TEST_CASE("float panels are computed in double and rounded once", "[factor_model][float]") {
  const panel p = make_panel(100, 8, 2, 9);
  const Eigen::MatrixXf xf = p.returns.cast<float>(), ff = p.factors.cast<float>();
  const auto mf = keel::time_series_factor_model(xf, ff);
  const auto md = keel::time_series_factor_model(MatrixXd(xf.cast<double>()), MatrixXd(ff.cast<double>()));
  STATIC_REQUIRE(std::is_same_v<decltype(mf), const keel::factor_model<float>>);
  CHECK(mf.exposures == md.exposures.cast<float>());
  const auto sf = keel::statistical_factor_model(xf, 2);
  const auto sd = keel::statistical_factor_model(MatrixXd(xf.cast<double>()), 2);
  CHECK(sf.factor_covariance == sd.factor_covariance.cast<float>());
}

TEST_CASE("stress factor shocks apply through the model's exposures", "[factor_model][stress]") {
  const panel p = make_panel(120, 3, 2, 10);
  const auto m = keel::time_series_factor_model(p.returns, p.factors);
  std::vector<keel::position> book{{"A", 100.0, 1.0, {}}, {"B", -50.0, 1.0, {}}, {"C", 25.0, 1.0, {}}};
  const auto positions = keel::with_factor_exposures(book, m);
  REQUIRE(positions.size() == 3);
  keel::scenario shock{"factor shock", std::nullopt, std::nullopt, 0.0, {-0.1, 0.05}, "test"};
  const auto result = keel::stress_test(positions, std::vector<keel::scenario>{shock});
  for (Index i = 0; i < 3; ++i) {
    const double expected =
        book[static_cast<std::size_t>(i)].value * (m.exposures(i, 0) * -0.1 + m.exposures(i, 1) * 0.05);
    CHECK(std::fabs(result.pnls(0, i) - expected) < 1e-12);
  }
  book.pop_back();
  require_message<keel::invalid_input>([&] { (void)keel::with_factor_exposures(book, m); }, "positions has 2 values");
}

TEST_CASE("errors: each type and what it names", "[factor_model][errors]") {
  const panel p = make_panel(30, 6, 2, 11);
  using keel::insufficient_data;
  using keel::invalid_input;
  using keel::singular_problem;
  // time series
  require_message<invalid_input>(
      [&] { (void)keel::time_series_factor_model(p.returns, MatrixXd(p.factors.topRows(29))); },
      "asset_returns has 30 rows but factor_returns has 29");
  require_message<insufficient_data>(
      [&] { (void)keel::time_series_factor_model(MatrixXd(p.returns.topRows(3)), MatrixXd(p.factors.topRows(3))); },
      "needs at least 4 dates for 2 factors and an intercept, got 3");
  MatrixXd bad = p.returns;
  bad(4, 2) = std::nan("");
  require_message<invalid_input>([&] { (void)keel::time_series_factor_model(bad, p.factors); },
                                 "asset_returns(4, 2) is NaN");
  MatrixXd fconst = p.factors;
  fconst.col(1).setConstant(0.01);
  require_message<singular_problem>([&] { (void)keel::time_series_factor_model(p.returns, fconst); },
                                    "factor 1 is constant");
  MatrixXd fdup(30, 3);
  fdup << p.factors, p.factors.col(0) * 2 - p.factors.col(1);
  require_message<singular_problem>([&] { (void)keel::time_series_factor_model(p.returns, fdup); }, "rank 2 < 3");
  require_message<invalid_input>(
      [&] {
        (void)keel::time_series_factor_model(
            p.returns, p.factors, {.factor_covariance = keel::factor_covariance_method::ewma, .half_life = 0});
      },
      "half_life = 0 must be positive and finite");
  // cross section
  MatrixXd sectors(6, 3);
  sectors << 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1;
  require_message<singular_problem>([&] { (void)keel::cross_sectional_factor_model(p.returns, sectors); },
                                    "X has rank 2 < 3 columns");
  require_message<singular_problem>([&] { (void)keel::cross_sectional_factor_model(p.returns, sectors); },
                                    "market column of ones");
  require_message<insufficient_data>(
      [&] { (void)keel::cross_sectional_factor_model(p.returns, MatrixXd::Random(6, 6).eval()); },
      "needs at least 7 assets for 6 factors, got 6");
  require_message<invalid_input>(
      [&] { (void)keel::cross_sectional_factor_model(p.returns, MatrixXd(p.exposures.topRows(5))); },
      "exposures is 5 x 2 but must be 6 x 2");
  std::vector<MatrixXd> few(29, p.exposures);
  require_message<invalid_input>([&] { (void)keel::cross_sectional_factor_model(p.returns, few); },
                                 "exposures has 29 matrices");
  few.push_back(p.exposures);
  few[12](3, 1) = std::numeric_limits<double>::infinity();
  require_message<invalid_input>([&] { (void)keel::cross_sectional_factor_model(p.returns, few); },
                                 "exposures[12](3, 1) is inf");
  MatrixXd wneg = MatrixXd::Ones(1, 6);
  wneg(0, 4) = -1;
  require_message<invalid_input>(
      [&] { (void)keel::cross_sectional_factor_model(p.returns, p.exposures, {.weights = wneg}); },
      "options.weights(0, 4) = -1 must be positive");
  require_message<invalid_input>(
      [&] { (void)keel::cross_sectional_factor_model(p.returns, p.exposures, {.weights = MatrixXd::Ones(2, 6)}); },
      "options.weights is 2 x 6");
  MatrixXd zero_factor = p.exposures;
  zero_factor.col(1).setZero();
  require_message<singular_problem>([&] { (void)keel::cross_sectional_factor_model(p.returns, zero_factor); },
                                    "factor 1 zero for every asset");
  require_message<insufficient_data>(
      [&] { (void)keel::cross_sectional_factor_model(MatrixXd(p.returns.topRows(1)), p.exposures); },
      "needs at least 2 dates, got 1");
  // statistical
  require_message<invalid_input>([&] { (void)keel::statistical_factor_model(p.returns, 0); },
                                 "factors = 0 must be in [1, 6]");
  require_message<invalid_input>([&] { (void)keel::statistical_factor_model(p.returns, 7); },
                                 "factors = 7 must be in [1, 6]");
  require_message<insufficient_data>([&] { (void)keel::statistical_factor_model(MatrixXd(p.returns.topRows(1)), 1); },
                                     "needs at least 2 rows, got 1");
  require_message<invalid_input>([&] { (void)keel::statistical_factor_model(bad, 2); }, "returns(4, 2) is NaN");
  MatrixXd xconst = p.returns;
  xconst.col(3).setConstant(0.001);
  require_message<singular_problem>(
      [&] { (void)keel::statistical_factor_model(xconst, 2, {.matrix = keel::pca_matrix::correlation}); },
      "returns column 3 is constant");
  CHECK(keel::statistical_factor_model(xconst, 2).specific_variances(3) == 0);  // fine for the covariance
  // a model filled by hand
  auto m = keel::time_series_factor_model(p.returns, p.factors);
  const VectorXd w = VectorXd::Constant(6, 1.0 / 6);
  auto broken = m;
  broken.specific_variances(2) = -0.5;
  require_message<invalid_input>([&] { (void)keel::factor_risk_decomposition(broken, w); },
                                 "model.specific_variances[2] = -0.5 is negative");
  broken = m;
  broken.factor_covariance(0, 1) += 1;
  require_message<invalid_input>([&] { (void)keel::model_covariance(broken); }, "not symmetric");
  broken = m;
  broken.exposures(5, 1) = std::nan("");
  require_message<invalid_input>([&] { (void)keel::factor_risk_decomposition(broken, w); },
                                 "model.exposures(5, 1) is NaN");
  broken = m;
  broken.factor_covariance = MatrixXd::Identity(3, 3);
  require_message<invalid_input>([&] { (void)keel::factor_risk_decomposition(broken, w); },
                                 "model.factor_covariance is 3 x 3 but model.exposures has 2 factor columns");
  broken = m;
  broken.specific_variances.conservativeResize(5);
  require_message<invalid_input>([&] { (void)keel::model_covariance(broken); },
                                 "model.specific_variances has 5 values");
  broken = m;
  broken.factor_covariance << 1, 2, 2, 1;  // eigenvalues 3 and -1
  broken.specific_variances.setZero();
  broken.exposures.setZero();
  broken.exposures(0, 0) = 1;
  broken.exposures(0, 1) = -1;
  require_message<singular_problem>(
      [&] {
        (void)keel::factor_risk_decomposition(broken, std::vector<double>{1, 0, 0, 0, 0, 0});
      },
      "is negative: model.factor_covariance is not positive semi-definite");
  require_message<invalid_input>(
      [&] {
        (void)keel::factor_risk_decomposition(m, std::vector<double>{1, 2});
      },
      "weights has 2 values but model.exposures' rows (assets) has 6");
  require_message<invalid_input>([&] { (void)keel::factor_risk_decomposition(m, w, {.confidence = 1}); },
                                 "confidence = 1 must be in (0, 1)");
  require_message<invalid_input>(
      [&] { (void)keel::factor_risk_decomposition(m, w, {.benchmark_weights = VectorXd::Ones(3)}); },
      "options.benchmark_weights has 3 values");
  std::vector<double> wnan(6, 0.1);
  wnan[3] = std::nan("");
  require_message<invalid_input>([&] { (void)keel::factor_risk_decomposition(m, wnan); }, "weights[3] is NaN");
}

TEST_CASE("real data: the Dow 30 1991-2000 under the three models", "[factor_model][data]") {
  const auto path = keel_test::shared_file("data/dowjones30_daily_1991_2000_fBasics.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const auto returns = keel::simple_returns(table);
  const MatrixXd x = returns.returns;
  REQUIRE(x.allFinite());
  const auto st = keel::statistical_factor_model(x, 3);
  const VectorXd w = VectorXd::Constant(x.cols(), 1.0 / static_cast<double>(x.cols()));
  const auto r = keel::factor_risk_decomposition(st, w);
  // The market component dominates an equal-weighted Dow portfolio: three components carry
  // over 90% of its model variance. The model keeps each asset's sample variance exactly (D is
  // the residual diagonal); the portfolio's variance differs from the sample's by the residual
  // covariances the model drops (about 8% here).
  const MatrixXd s = keel::sample_covariance(x, {.periods_per_year = 1}).covariance;
  CHECK(r.factor_variance / r.total_variance > 0.9);
  CHECK(rel_diff(keel::model_covariance(st).diagonal(), s.diagonal()) < 1e-13);
  const double sample = w.dot(s * w);
  INFO("model / sample variance of the equal-weighted portfolio: " << r.total_variance / sample);
  CHECK(std::fabs(r.total_variance / sample - 1) < 0.15);
  MatrixXd market(x.rows(), 1);
  market.col(0) = x.rowwise().mean();
  const auto ts = keel::time_series_factor_model(x, market);
  CHECK(ts.exposures.mean() == Approx(1.0).epsilon(1e-12));  // the average beta on the average is 1
}
