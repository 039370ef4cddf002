// SPDX-License-Identifier: MIT
// Tests of keel/factors.hpp: factor_regression, a multi-factor OLS fit with VIFs and the
// condition number.
//
// This file holds the contract of the template, the certified accuracy, the independent
// formulation and the p-values; factors_test_storage.cpp holds the storage checklist and the
// Eigen expressions; factors_test_edge.cpp the collinearity, properties, edge cases, bad input
// and allocation. Their shared helpers are in support/factors_test_fixtures.hpp.
//
// Reference values and tolerances (across the parts):
//   - NIST StRD Longley and Norris (../shared/reference/nist; skipped when absent): certified
//     coefficients, standard errors, residual SD and R^2 to LRE >= 9 (Longley, a condition number
//     of 5e9) and >= 11 (Norris). LRE = -log10(|computed - certified| / |certified|).
//   - Longley's VIFs and condition number, computed once at 50 digits with mpmath (the inverse
//     correlation matrix and the singular values of [1 X]).
//   - An independent OLS in this file: the normal equations of the raw design [1 X], formed and
//     inverted (Gauss-Jordan, partial pivoting) in long double. On well-conditioned random data
//     it agrees with keel's centred, scaled, pivoted QR in double to 1e-12 relative.
//   - VIFs from literally running the auxiliary regressions with that OLS: 1e-10 relative.
//   - p-values from an independent series for the Student t tail (I_x(nu/2, 1/2) as a
//     hypergeometric series in long double), itself checked against the closed forms for one and
//     two degrees of freedom.
//   - float results: 4 * FLT_EPSILON relative to the double fit on the same (float-rounded) data,
//     since keel computes in double and rounds once.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/factors.hpp>

#include "support/factors_test_fixtures.hpp"
#include "support/nist.hpp"
#include "support/shared_data.hpp"

using namespace keel_test::factors_test;

namespace {

/// One certified value of a NIST dataset (certified.csv: dataset,quantity,certified_value).
double certified_value(const std::filesystem::path& path, const std::string& dataset, const std::string& quantity) {
  const auto values = keel_test::read_nist_certified(path, dataset);
  const auto it = values.find(quantity);
  if (it == values.end()) FAIL("certified value " << dataset << "/" << quantity << " not found");
  return it->second;
}

/// Columns 1.. of a column list as a T x K matrix (column 0 is y).
Eigen::MatrixXd regressors(const std::vector<std::vector<double>>& cols) {
  const auto t = static_cast<Eigen::Index>(cols[0].size());
  Eigen::MatrixXd x(t, static_cast<Eigen::Index>(cols.size() - 1));
  for (std::size_t j = 1; j < cols.size(); ++j)
    for (Eigen::Index i = 0; i < t; ++i) x(i, static_cast<Eigen::Index>(j - 1)) = cols[j][static_cast<std::size_t>(i)];
  return x;
}

// ---------------------------------------------------------------------------------------------
// The independent OLS: normal equations of the raw design, inverted in long double.

struct reference_fit {
  ld_vector coefficients;
  ld_vector std_errors;
  long double r_squared;
  long double residual_stddev;
};

/// Gauss-Jordan inverse with partial pivoting.
ld_matrix gauss_jordan_inverse(ld_matrix a) {
  const Eigen::Index n = a.rows();
  ld_matrix inv = ld_matrix::Identity(n, n);
  for (Eigen::Index c = 0; c < n; ++c) {
    Eigen::Index piv = c;
    for (Eigen::Index r = c + 1; r < n; ++r)
      if (std::fabs(a(r, c)) > std::fabs(a(piv, c))) piv = r;
    a.row(c).swap(a.row(piv));
    inv.row(c).swap(inv.row(piv));
    const long double d = a(c, c);
    a.row(c) /= d;
    inv.row(c) /= d;
    for (Eigen::Index r = 0; r < n; ++r) {
      if (r == c) continue;
      const long double f = a(r, c);
      a.row(r) -= f * a.row(c);
      inv.row(r) -= f * inv.row(c);
    }
  }
  return inv;
}

reference_fit reference_ols(const Eigen::VectorXd& y, const Eigen::MatrixXd& x, bool intercept) {
  const Eigen::Index n = x.rows();
  const Eigen::Index p = x.cols() + (intercept ? 1 : 0);
  ld_matrix a(n, p);
  if (intercept) a.col(0).setOnes();
  a.rightCols(x.cols()) = x.cast<long double>();
  const ld_vector yl = y.cast<long double>();
  const ld_matrix g_inv = gauss_jordan_inverse(a.transpose() * a);
  reference_fit f;
  f.coefficients = g_inv * (a.transpose() * yl);
  const ld_vector r = yl - a * f.coefficients;
  const long double rss = r.squaredNorm();
  const long double s2 = rss / static_cast<long double>(n - p);
  f.std_errors = (s2 * g_inv.diagonal().array()).sqrt().matrix();
  const long double tss = intercept ? (yl.array() - yl.mean()).square().sum() : yl.squaredNorm();
  f.r_squared = 1 - rss / tss;
  f.residual_stddev = std::sqrt(s2);
  return f;
}

/// VIF of factor k by running its auxiliary regression on the other factors.
long double auxiliary_vif(const Eigen::MatrixXd& x, Eigen::Index k, bool intercept) {
  Eigen::MatrixXd others(x.rows(), x.cols() - 1);
  for (Eigen::Index j = 0, c = 0; j < x.cols(); ++j)
    if (j != k) others.col(c++) = x.col(j);
  return 1 / (1 - reference_ols(x.col(k), others, intercept).r_squared);
}

// ---------------------------------------------------------------------------------------------
// The independent Student t tail: P(|T| > t) = I_x(nu/2, 1/2), x = nu/(nu + t^2), as
// x^a / B(a, 1/2) * sum_k (1/2)_k / k! * x^k / (a + k)  (DLMF 8.17.7), in long double. The terms
// are positive, so a tail of 1e-200 has full relative accuracy (no 1 - cdf).
long double student_two_sided_p(long double t, int dof) {
  if (t == 0) return 1;
  const long double nu = dof;
  const long double x = nu / (nu + t * t);
  const long double a = nu / 2;
  long double c = 1;
  long double sum = 1 / a;
  for (int k = 1; k < 200000; ++k) {
    c *= (static_cast<long double>(k) - 0.5L) / static_cast<long double>(k);
    const long double term = c * std::pow(x, static_cast<long double>(k)) / (a + k);
    sum += term;
    if (term < 1e-22L * sum) break;
  }
  const long double log_beta = std::lgamma(a) + std::lgamma(0.5L) - std::lgamma(a + 0.5L);
  return std::exp(a * std::log(x) - log_beta + std::log(sum));
}

/// Closed forms: dof 1 (Cauchy) and dof 2, written without cancellation for large |t|.
double closed_form_p(double t, int dof) {
  const double at = std::fabs(t);
  if (dof == 1) return at > 1 ? 2 / std::numbers::pi * std::atan(1 / at) : 1 - 2 / std::numbers::pi * std::atan(at);
  const double r = std::sqrt(2 + t * t);
  return 2 / (r * (r + at));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The contract of the template

template <class Y, class X>
concept regressable = requires(const Y& y, const X& x) {
  keel::factor_regression(y, x);
};

TEST_CASE("factor_regression: accepted types and result types", "[factors][static]") {
  STATIC_REQUIRE(regressable<std::vector<double>, Eigen::MatrixXd>);
  STATIC_REQUIRE(regressable<Eigen::VectorXf, Eigen::MatrixXf>);
  STATIC_REQUIRE(regressable<std::vector<double>, Eigen::Map<const Eigen::MatrixXd>>);
  STATIC_REQUIRE_FALSE(regressable<std::vector<double>, Eigen::MatrixXi>);  // integer factors
  STATIC_REQUIRE_FALSE(regressable<std::vector<int>, Eigen::MatrixXd>);     // integer y
  using fit_ff = decltype(keel::factor_regression(std::vector<float>{}, Eigen::MatrixXf{}));
  using fit_fd = decltype(keel::factor_regression(std::vector<float>{}, Eigen::MatrixXd{}));
  using fit_df = decltype(keel::factor_regression(std::vector<double>{}, Eigen::MatrixXf{}));
  STATIC_REQUIRE(std::is_same_v<fit_ff, keel::factor_fit<float>>);
  STATIC_REQUIRE(std::is_same_v<fit_fd, keel::factor_fit<double>>);
  STATIC_REQUIRE(std::is_same_v<fit_df, keel::factor_fit<double>>);
  STATIC_REQUIRE(std::is_aggregate_v<keel::factor_options>);
  STATIC_REQUIRE(std::is_aggregate_v<keel::factor_fit<double>>);
}

// ---------------------------------------------------------------------------------------------
// Certified accuracy

TEST_CASE("factor_regression: NIST StRD Longley to at least 13 digits", "[factors][nist]") {
  const auto data = keel_test::shared_file("reference/nist/Longley.csv");
  const auto cert = keel_test::shared_file("reference/nist/certified.csv");
  if (!data || !cert) return;
  const auto cols = keel_test::read_nist_dataset(*data).columns;
  REQUIRE(cols.size() == 7);
  REQUIRE(cols[0].size() == 16);
  const Eigen::MatrixXd x = regressors(cols);

  const auto fit = keel::factor_regression(cols[0], x);
  REQUIRE(fit.coefficients.size() == 7);
  REQUIRE(fit.intercept);
  REQUIRE(fit.n == 16);
  REQUIRE(no_nan(fit));

  double min_coef = 16;
  double min_se = 16;
  for (Eigen::Index j = 0; j < 7; ++j) {
    const std::string name = "params[" + std::to_string(j) + "]";
    const double lb = keel_test::lre(fit.coefficients(j), certified_value(*cert, "Longley", name + ".estimate"));
    const double ls = keel_test::lre(fit.std_errors(j), certified_value(*cert, "Longley", name + ".sd"));
    INFO("B" << j << ": coefficient LRE " << lb << ", std error LRE " << ls);
    CHECK(lb >= 13);
    CHECK(ls >= 13);
    min_coef = std::min(min_coef, lb);
    min_se = std::min(min_se, ls);
    std::cout << "Longley B" << j << ": coefficient LRE " << lb << ", std error LRE " << ls << '\n';
  }
  const double l_sd = keel_test::lre(fit.residual_stddev, certified_value(*cert, "Longley", "residual_sd"));
  const double l_r2 = keel_test::lre(fit.r_squared, certified_value(*cert, "Longley", "r_squared"));
  std::cout << "Longley: min LRE coefficients " << min_coef << ", std errors " << min_se << ", residual SD " << l_sd
            << ", R^2 " << l_r2 << '\n';
  REQUIRE(min_coef >= 13);  // the accuracy factor_regression's documentation states
  REQUIRE(min_se >= 13);
  REQUIRE(l_sd >= 13);
  REQUIRE(l_r2 >= 13);

  // Adjusted R^2 from the certified R^2: 1 - (1 - R^2)(n - 1)/(n - p).
  const double r2 = certified_value(*cert, "Longley", "r_squared");
  REQUIRE(keel_test::lre(fit.adj_r_squared, 1 - (1 - r2) * 15.0 / 9.0) >= 9);

  // The diagnostics: VIFs (the diagonal of the inverse correlation matrix) and the condition
  // number of [1 X] (statsmodels prints 4.86e+09), both computed at 50 digits with mpmath.
  const std::array<double, 6> vif = {135.53243828000319, 1788.5134827181773, 33.618890596049879,
                                     3.5889301934455432, 399.15102231263956, 758.98059740689449};
  for (Eigen::Index j = 0; j < 6; ++j) {
    INFO("VIF of x" << j + 1 << " = " << fit.vifs(j));
    CHECK(keel_test::lre(fit.vifs(j), vif[static_cast<std::size_t>(j)]) >= 10);
  }
  const double cond = 4859257015.4550261981;
  std::cout << "Longley: condition number " << fit.condition_number << ", LRE "
            << keel_test::lre(fit.condition_number, cond) << '\n';
  REQUIRE(keel_test::lre(fit.condition_number, cond) >= 6);
}

TEST_CASE("factor_regression: NIST StRD Norris to at least 11 digits", "[factors][nist]") {
  const auto data = keel_test::shared_file("reference/nist/Norris.csv");
  const auto cert = keel_test::shared_file("reference/nist/certified.csv");
  if (!data || !cert) return;
  const auto cols = keel_test::read_nist_dataset(*data).columns;
  REQUIRE(cols.size() == 2);
  REQUIRE(cols[0].size() == 36);
  const auto fit = keel::factor_regression(cols[0], regressors(cols));
  REQUIRE(no_nan(fit));
  double min_lre = 16;
  for (Eigen::Index j = 0; j < 2; ++j) {
    const std::string name = "params[" + std::to_string(j) + "]";
    const double lb = keel_test::lre(fit.coefficients(j), certified_value(*cert, "Norris", name + ".estimate"));
    const double ls = keel_test::lre(fit.std_errors(j), certified_value(*cert, "Norris", name + ".sd"));
    std::cout << "Norris B" << j << ": coefficient LRE " << lb << ", std error LRE " << ls << '\n';
    CHECK(lb >= 11);
    CHECK(ls >= 11);
    min_lre = std::min({min_lre, lb, ls});
  }
  const double l_sd = keel_test::lre(fit.residual_stddev, certified_value(*cert, "Norris", "residual_sd"));
  const double l_r2 = keel_test::lre(fit.r_squared, certified_value(*cert, "Norris", "r_squared"));
  std::cout << "Norris: min LRE coefficients and std errors " << min_lre << ", residual SD " << l_sd << ", R^2 " << l_r2
            << '\n';
  REQUIRE(min_lre >= 11);
  REQUIRE(l_sd >= 11);
  REQUIRE(l_r2 >= 12);
  // One factor: nothing to be collinear with.
  REQUIRE(fit.vifs(0) == Approx(1.0).epsilon(1e-14));
}

// ---------------------------------------------------------------------------------------------
// An independent formulation

TEST_CASE("factor_regression agrees with long double normal equations on random data", "[factors][reference]") {
  const bool intercept = GENERATE(true, false);
  const Eigen::Index k = GENERATE(1, 3, 6);
  const panel d = random_panel(200, k, 20240611u + static_cast<unsigned>(k));
  INFO("intercept " << intercept << ", K = " << k);
  const auto fit = keel::factor_regression(d.y, d.x, {.intercept = intercept});
  const reference_fit ref = reference_ols(d.y, d.x, intercept);
  REQUIRE(no_nan(fit));
  REQUIRE(fit.coefficients.size() == ref.coefficients.size());
  for (Eigen::Index j = 0; j < ref.coefficients.size(); ++j) {
    INFO("coefficient " << j << ": " << fit.coefficients(j) << " vs " << static_cast<double>(ref.coefficients(j)));
    CHECK(close_rel(fit.coefficients(j), ref.coefficients(j), 1e-12L));
    CHECK(close_rel(fit.std_errors(j), ref.std_errors(j), 1e-12L));
  }
  CHECK(close_rel(fit.r_squared, ref.r_squared, 1e-12L));
  CHECK(close_rel(fit.residual_stddev, ref.residual_stddev, 1e-12L));
  const auto n = static_cast<long double>(d.y.size());
  const auto p = static_cast<long double>(ref.coefficients.size());
  const long double adj =
      intercept ? 1 - (1 - ref.r_squared) * (n - 1) / (n - p) : 1 - (1 - ref.r_squared) * n / (n - p);
  CHECK(close_rel(fit.adj_r_squared, adj, 1e-12L));
  for (Eigen::Index j = 0; j < ref.coefficients.size(); ++j)
    CHECK(fit.t_stats(j) == Approx(fit.coefficients(j) / fit.std_errors(j)).epsilon(1e-15));
}

TEST_CASE("factor_regression: VIF is 1/(1 - R_k^2) of the auxiliary regressions", "[factors][vif]") {
  const bool intercept = GENERATE(true, false);
  // Strongly correlated factors (VIFs of a few) with nonzero means, so that centred and
  // uncentred auxiliary R^2 differ.
  const panel d = random_panel(300, 5, 777u, 0.5, 1.5);
  const auto fit = keel::factor_regression(d.y, d.x, {.intercept = intercept});
  REQUIRE(fit.vifs.size() == 5);
  for (Eigen::Index j = 0; j < 5; ++j) {
    const long double aux = auxiliary_vif(d.x, j, intercept);
    INFO("intercept " << intercept << ", factor " << j << ": " << fit.vifs(j) << " vs " << static_cast<double>(aux));
    CHECK(aux > 1.5L);
    CHECK(close_rel(fit.vifs(j), aux, 1e-10L));
  }
}

TEST_CASE("factor_regression: exact recovery on noiseless data", "[factors][property]") {
  const bool intercept = GENERATE(true, false);
  const panel d = random_panel(60, 4, 99u);
  const Eigen::Vector4d b(1.5, -0.25, 2.0, 0.75);
  const Eigen::VectorXd y = ((intercept ? 0.5 : 0.0) + (d.x * b).array()).matrix();
  const auto fit = keel::factor_regression(y, d.x, {.intercept = intercept});
  REQUIRE(no_nan(fit));
  const Eigen::Index off = intercept ? 1 : 0;
  if (intercept) CHECK(fit.coefficients(0) == Approx(0.5).margin(1e-12));
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(fit.coefficients(off + j) == Approx(b(j)).margin(1e-12));
  CHECK(fit.r_squared == Approx(1.0).margin(1e-14));
  CHECK(fit.residual_stddev < 1e-13);
  CHECK(fit.std_errors.maxCoeff() < 1e-13);
  for (Eigen::Index j = 0; j < fit.p_values.size(); ++j) {
    CHECK(std::fabs(fit.t_stats(j)) > 1e10);
    CHECK(fit.p_values(j) < 1e-100);
  }
}

// ---------------------------------------------------------------------------------------------
// p-values

TEST_CASE("factor_regression: p-values match closed forms and keep tiny tails", "[factors][pvalue]") {
  // The reference series itself against the closed forms for 1 and 2 degrees of freedom.
  for (const double t : {0.0, 0.3, 1.0, 2.5, 40.0, 1e6, 1e12}) {
    for (const int dof : {1, 2}) {
      INFO("t = " << t << ", dof = " << dof);
      CHECK(close_rel(student_two_sided_p(t, dof), closed_form_p(t, dof), 1e-13L));
    }
  }

  SECTION("one degree of freedom: n = p + 1") {
    const Eigen::Vector3d x(0.0, 1.0, 2.5);
    for (const Eigen::Vector3d& y :
         {Eigen::Vector3d(0.1, 1.3, 1.9), Eigen::Vector3d(1, 2, 3.51), Eigen::Vector3d(1, 2 + 1e-9, 3.5)}) {
      const auto fit = keel::factor_regression(y, x);
      REQUIRE(no_nan(fit));
      for (Eigen::Index j = 0; j < 2; ++j) {
        INFO("y = " << y.transpose() << ", t = " << fit.t_stats(j));
        CHECK(close_rel(fit.p_values(j), closed_form_p(fit.t_stats(j), 1), 1e-12L));
      }
    }
  }
  SECTION("two degrees of freedom: n = p + 2") {
    const panel d = random_panel(5, 2, 12u);
    for (const double noise : {1.0, 1e-3, 1e-9}) {
      Eigen::VectorXd y = d.y;
      y(2) += noise;
      const auto fit = keel::factor_regression(y, d.x);
      REQUIRE(no_nan(fit));
      for (Eigen::Index j = 0; j < 3; ++j) {
        INFO("noise " << noise << ", t = " << fit.t_stats(j));
        CHECK(close_rel(fit.p_values(j), closed_form_p(fit.t_stats(j), 2), 1e-12L));
      }
    }
  }
  SECTION("tiny p-values are positive and accurate, not 1 - cdf") {
    const panel d = random_panel(42, 1, 3u, 1e-5);  // dof = 40
    const auto fit = keel::factor_regression(d.y, d.x);
    INFO("t = " << fit.t_stats.transpose() << ", p = " << fit.p_values.transpose());
    REQUIRE(fit.p_values(1) > 0);
    REQUIRE(fit.p_values(1) < 1e-100);
    for (Eigen::Index j = 0; j < 2; ++j)
      CHECK(close_rel(fit.p_values(j), student_two_sided_p(fit.t_stats(j), 40), 1e-10L));
  }
}
