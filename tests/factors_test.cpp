// SPDX-License-Identifier: MIT
// Tests of keel/factors.hpp: factor_regression, a multi-factor OLS fit with VIFs and the
// condition number.
//
// Reference values and tolerances:
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
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/factors.hpp>

#include "support/allocations.hpp"
#include "support/nist.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Contains;
using Catch::Matches;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Every field of a fit is free of NaN (t may be +-inf for an exact fit, never NaN).
template <class Real>
bool no_nan(const keel::factor_fit<Real>& f) {
  const auto clean = [](const auto& v) { return !v.array().isNaN().any(); };
  return clean(f.coefficients) && clean(f.std_errors) && clean(f.t_stats) && clean(f.p_values) && clean(f.vifs) &&
         !std::isnan(f.r_squared) && !std::isnan(f.adj_r_squared) && !std::isnan(f.residual_stddev) &&
         !std::isnan(f.condition_number);
}

/// |a - b| <= tol * |b| (tol absolute when b = 0).
bool close_rel(long double a, long double b, long double tol) {
  return std::fabs(a - b) <= tol * (b == 0 ? 1.0L : std::fabs(b));
}

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

using ld_matrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using ld_vector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

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

// ---------------------------------------------------------------------------------------------
// Random data with a fixed seed.

struct panel {
  Eigen::VectorXd y;
  Eigen::MatrixXd x;
};

/// T observations of K mildly correlated factors and y = 0.3 + x b + noise.
panel random_panel(Eigen::Index t, Eigen::Index k, unsigned seed, double noise = 0.5, double correlation = 0.3) {
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

std::vector<double> as_std(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

template <class Real>
void require_same_fit(const keel::factor_fit<Real>& a, const keel::factor_fit<Real>& b) {
  REQUIRE(a.coefficients == b.coefficients);
  REQUIRE(a.std_errors == b.std_errors);
  REQUIRE(a.t_stats == b.t_stats);
  REQUIRE(a.p_values == b.p_values);
  REQUIRE(a.vifs == b.vifs);
  REQUIRE(a.r_squared == b.r_squared);
  REQUIRE(a.adj_r_squared == b.adj_r_squared);
  REQUIRE(a.residual_stddev == b.residual_stddev);
  REQUIRE(a.condition_number == b.condition_number);
  REQUIRE(a.n == b.n);
  REQUIRE(a.intercept == b.intercept);
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
// Collinearity

TEST_CASE("factor_regression reports collinear factors through their VIFs", "[factors][collinear]") {
  // Seven "factors" that are all the market plus 5% independent noise; y = 1.9 market + noise.
  std::mt19937_64 gen(1906u);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index t = 250;
  const Eigen::Index k = 7;
  Eigen::VectorXd market(t);
  Eigen::MatrixXd x(t, k);
  Eigen::VectorXd y(t);
  for (Eigen::Index i = 0; i < t; ++i) {
    market(i) = 0.01 * z(gen);
    for (Eigen::Index j = 0; j < k; ++j) x(i, j) = market(i) + 0.05 * 0.01 * z(gen);
    y(i) = 1.9 * market(i) + 0.01 * z(gen);
  }
  keel::factor_fit<double> fit;
  REQUIRE_NOTHROW(fit = keel::factor_regression(y, x));
  REQUIRE(no_nan(fit));
  INFO("VIFs " << fit.vifs.transpose());
  for (Eigen::Index j = 0; j < k; ++j) CHECK(fit.vifs(j) > 100);
  CHECK(fit.condition_number > 100);

  // The single-factor beta is well determined; the seven collinear betas are not, but their sum
  // (the total market exposure) is: it is the single-factor beta up to sampling noise.
  const auto single = keel::factor_regression(y, market);
  CHECK(single.coefficients(1) == Approx(1.9).margin(0.2));
  const double total = fit.coefficients.tail(k).sum();
  CHECK(total == Approx(single.coefficients(1)).margin(0.1));
  for (Eigen::Index j = 1; j <= k; ++j) CHECK(fit.std_errors(j) > 5 * single.std_errors(1));
}

TEST_CASE("factor_regression: an exact linear combination is a singular_problem naming it",
          "[factors][collinear][errors]") {
  const panel d = random_panel(80, 5, 31u);
  SECTION("f3 = f1 + 2 f2, with an intercept") {
    Eigen::MatrixXd x = d.x;
    x.col(3) = x.col(1) + 2 * x.col(2);
    REQUIRE_THROWS_AS(keel::factor_regression(d.y, x), keel::singular_problem);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x), Contains("factor_regression: X has rank 4 < 5 columns"));
    // The pivoting decides which of the three is named as the combination of the other two.
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x),
                        Matches(".*factor [123] is a linear combination of factors [123], [123] and the "
                                "intercept.*"));
  }
  SECTION("f3 = f1 + 2 f2, through the origin") {
    Eigen::MatrixXd x = d.x;
    x.col(3) = x.col(1) + 2 * x.col(2);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x, {.intercept = false}),
                        Matches(".*rank 4 < 5.*factor [123] is a linear combination of factors "
                                "[123], [123]; drop one of them"));
  }
  SECTION("a factor that is another plus a constant is collinear through the intercept") {
    Eigen::MatrixXd x = d.x;
    x.col(4) = x.col(0).array() + 3.0;
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x),
                        Matches(".*factor [04] is a linear combination of factor [04] and the "
                                "intercept.*"));
    // Without an intercept the two columns are independent.
    REQUIRE_NOTHROW(keel::factor_regression(d.y, x, {.intercept = false}));
  }
  SECTION("two separate dependencies name both") {
    Eigen::MatrixXd x(80, 6);
    x.leftCols(5) = d.x;
    x.col(2) = d.x.col(0) - d.x.col(1);
    x.col(5) = 0.5 * d.x.col(3);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x),
                        Matches(".*rank 4 < 6 columns; factors [012], [35] are linear combinations of the others "
                                "\\(.*"));
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x),
                        Matches(".*factor [012] of factors [012], [012] and the intercept.*"));
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x), Matches(".*factor [35] of factor [35] and the intercept.*"));
  }
  SECTION("float data: a combination within float rounding is a combination") {
    Eigen::MatrixXf x = d.x.cast<float>();
    x.col(3) = x.col(1) + 2 * x.col(2);  // rounded to float: not exact in double
    const Eigen::VectorXf y = d.y.cast<float>();
    REQUIRE_THROWS_AS(keel::factor_regression(y, x), keel::singular_problem);
    REQUIRE_THROWS_WITH(keel::factor_regression(y, x),
                        Matches(".*factor [123] is a linear combination of factors [123], [123] and the "
                                "intercept; drop one of them"));
    // The same numbers given as double are full rank, with the collinearity in the VIFs.
    const auto fit = keel::factor_regression(d.y, Eigen::MatrixXd(x.cast<double>()));
    CHECK(fit.vifs(3) > 1e10);
    CHECK(fit.vifs(0) < 10);
  }
}

TEST_CASE("factor_regression: a constant factor is a singular_problem with an intercept",
          "[factors][collinear][errors]") {
  const panel d = random_panel(40, 3, 5u);
  Eigen::MatrixXd x = d.x;
  x.col(1).setConstant(0.1);
  REQUIRE_THROWS_AS(keel::factor_regression(d.y, x), keel::singular_problem);
  REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x),
                      Contains("factor_regression: factor 1 is constant (collinear with the "
                               "intercept)"));
  x.col(2).setConstant(-3.0);
  REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x), Contains("factors 1, 2 are constant"));

  // Through the origin a constant factor is the intercept, and legitimate; a zero one is not.
  Eigen::MatrixXd with_const = d.x;
  with_const.col(0).setOnes();
  const auto through_origin = keel::factor_regression(d.y, with_const, {.intercept = false});
  const auto with_intercept = keel::factor_regression(d.y, Eigen::MatrixXd(d.x.rightCols(2)));
  for (Eigen::Index j = 0; j < 3; ++j)
    CHECK(through_origin.coefficients(j) == Approx(with_intercept.coefficients(j)).epsilon(1e-12));
  Eigen::MatrixXd with_zero = d.x;
  with_zero.col(2).setZero();
  REQUIRE_THROWS_AS(keel::factor_regression(d.y, with_zero, {.intercept = false}), keel::singular_problem);
  REQUIRE_THROWS_WITH(keel::factor_regression(d.y, with_zero, {.intercept = false}),
                      Contains("factor 2 is zero in every row"));
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

// ---------------------------------------------------------------------------------------------
// Storage checklist and Eigen expressions

/// The storage checklist body: TestType is one of KEEL_STORAGE_TYPES (float, double, long double).
template <class TestType>
void regression_over_storage() {
  using real = typename TestType::real;
  using real_matrix = Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic>;
  const panel d = random_panel(120, 3, 4242u);
  const TestType y(as_std(d.y));
  const real_matrix x = d.x.cast<real>();

  const auto fit = keel::factor_regression(y.series(), x);
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::factor_fit<real>>);
  REQUIRE(no_nan(fit));

  // The double fit of the same (rounded) data: keel computes in double and rounds once, so the
  // float fit is within a few float ulps of it (4 * FLT_EPSILON), and the double fit is equal.
  const Eigen::VectorXd y_rounded = d.y.cast<real>().template cast<double>();
  const Eigen::MatrixXd x_rounded = x.template cast<double>();
  const auto ref = keel::factor_regression(y_rounded, x_rounded);
  // long double input is computed in long double: within 1e-12 of the double fit.
  const long double tol = std::is_same_v<real, float> ? 4 * FLT_EPSILON : std::is_same_v<real, double> ? 0 : 1e-12L;
  for (Eigen::Index j = 0; j < 4; ++j) {
    CHECK(close_rel(fit.coefficients(j), ref.coefficients(j), tol));
    CHECK(close_rel(fit.std_errors(j), ref.std_errors(j), tol));
    CHECK(close_rel(fit.t_stats(j), ref.t_stats(j), tol));
    // A p-value below float's smallest normal number (t of 50 or so) cannot keep its digits.
    const auto p_rounded = static_cast<real>(ref.p_values(j));
    CHECK((close_rel(fit.p_values(j), p_rounded, tol) ||
           std::fabs(fit.p_values(j) - p_rounded) <= std::numeric_limits<real>::min()));
  }
  for (Eigen::Index j = 0; j < 3; ++j) CHECK(close_rel(fit.vifs(j), ref.vifs(j), tol));
  CHECK(close_rel(fit.r_squared, ref.r_squared, tol));
  CHECK(close_rel(fit.adj_r_squared, ref.adj_r_squared, tol));
  CHECK(close_rel(fit.residual_stddev, ref.residual_stddev, tol));
  CHECK(close_rel(fit.condition_number, ref.condition_number, tol));
  CHECK(fit.n == 120);

  // Against the unrounded double data, float input costs about 1e-7 relative in the data and a
  // few times that in the fit (the factors are well conditioned): 1e-5 relative.
  const auto exact = keel::factor_regression(d.y, d.x);
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(close_rel(fit.coefficients(j), exact.coefficients(j), 1e-5L));
  CHECK(close_rel(fit.r_squared, exact.r_squared, 1e-5L));
}

TEMPLATE_TEST_CASE("factor_regression over the storage checklist", "[factors][storage]", KEEL_STORAGE_TYPES) {
  regression_over_storage<TestType>();
}

TEST_CASE("factor_regression reads X through any Eigen expression", "[factors][storage]") {
  const panel d = random_panel(90, 3, 8u);
  const auto ref = keel::factor_regression(d.y, d.x);

  SECTION("Eigen::Map over raw memory") {
    std::vector<double> raw(d.x.data(), d.x.data() + d.x.size());  // column-major
    const Eigen::Map<const Eigen::MatrixXd> x(raw.data(), 90, 3);
    require_same_fit(keel::factor_regression(d.y, x), ref);
  }
  SECTION("a block of a wider matrix") {
    Eigen::MatrixXd big = Eigen::MatrixXd::Random(90, 5);
    big.leftCols(3) = d.x;
    require_same_fit(keel::factor_regression(d.y, big.leftCols(3)), ref);
    Eigen::MatrixXd mid = Eigen::MatrixXd::Random(90, 5);
    mid.middleCols(1, 3) = d.x;
    require_same_fit(keel::factor_regression(d.y, mid.middleCols(1, 3)), ref);
  }
  SECTION("a row-major matrix and a strided map") {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = d.x;
    require_same_fit(keel::factor_regression(d.y, rm), ref);
    std::vector<double> padded(100 * 3, -1.0);  // column stride 100 > 90 rows
    for (Eigen::Index j = 0; j < 3; ++j)
      for (Eigen::Index i = 0; i < 90; ++i) padded[static_cast<std::size_t>(j * 100 + i)] = d.x(i, j);
    const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> strided(padded.data(), 90, 3,
                                                                             Eigen::OuterStride<>(100));
    require_same_fit(keel::factor_regression(d.y, strided), ref);
  }
  SECTION("an expression, and y as a column of the same matrix") {
    Eigen::MatrixXd both(90, 4);
    both.col(0) = d.y;
    both.rightCols(3) = d.x;
    require_same_fit(keel::factor_regression(both.col(0), both.rightCols(3)), ref);
    const auto doubled = keel::factor_regression(d.y, 2.0 * d.x);
    for (Eigen::Index j = 1; j < 4; ++j)
      CHECK(doubled.coefficients(j) == Approx(ref.coefficients(j) / 2).epsilon(1e-13));
  }
  SECTION("float X with double y, and the reverse, give double results") {
    const Eigen::MatrixXf xf = d.x.cast<float>();
    const auto a = keel::factor_regression(d.y, xf);
    const auto b = keel::factor_regression(as_std(d.y), Eigen::MatrixXd(xf.cast<double>()));
    require_same_fit(a, b);
    const Eigen::VectorXf yf = d.y.cast<float>();
    const auto c = keel::factor_regression(yf, d.x);
    const auto e = keel::factor_regression(Eigen::VectorXd(yf.cast<double>()), d.x);
    require_same_fit(c, e);
  }
}

TEST_CASE("factor_regression computes long double input in long double", "[factors][storage]") {
  const panel d = random_panel(100, 3, 1234u);
  const ld_vector y = d.y.cast<long double>();
  const ld_matrix x = d.x.cast<long double>();
  const auto fit = keel::factor_regression(y, x);
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::factor_fit<long double>>);
  REQUIRE(no_nan(fit));
  const auto ref = keel::factor_regression(d.y, d.x);
  for (Eigen::Index j = 0; j < 4; ++j) {
    CHECK(close_rel(fit.coefficients(j), ref.coefficients(j), 1e-13L));
    CHECK(close_rel(fit.std_errors(j), ref.std_errors(j), 1e-13L));
  }
  CHECK(close_rel(fit.condition_number, ref.condition_number, 1e-13L));
}

// ---------------------------------------------------------------------------------------------
// Properties and edge cases

TEST_CASE("factor_regression: permutation and scaling of the factors", "[factors][property]") {
  const panel d = random_panel(150, 4, 2718u, 0.5, 1.0);
  const auto fit = keel::factor_regression(d.y, d.x);
  // Reversing the columns reverses the factor coefficients and VIFs.
  const Eigen::MatrixXd rev = d.x.rowwise().reverse();
  const auto fit_rev = keel::factor_regression(d.y, rev);
  CHECK(fit_rev.coefficients(0) == Approx(fit.coefficients(0)).epsilon(1e-13));
  for (Eigen::Index j = 0; j < 4; ++j) {
    CHECK(fit_rev.coefficients(1 + j) == Approx(fit.coefficients(4 - j)).epsilon(1e-13));
    CHECK(fit_rev.std_errors(1 + j) == Approx(fit.std_errors(4 - j)).epsilon(1e-13));
    CHECK(fit_rev.vifs(j) == Approx(fit.vifs(3 - j)).epsilon(1e-13));
  }
  // Scaling factor 2 by 1e6 divides its coefficient and std error by 1e6 and leaves t, VIF,
  // R^2 alone: the rank decision and the diagnostics are scale-free.
  Eigen::MatrixXd scaled = d.x;
  scaled.col(2) *= 1e6;
  const auto fit_s = keel::factor_regression(d.y, scaled);
  CHECK(fit_s.coefficients(3) == Approx(fit.coefficients(3) / 1e6).epsilon(1e-13));
  CHECK(fit_s.std_errors(3) == Approx(fit.std_errors(3) / 1e6).epsilon(1e-13));
  for (Eigen::Index j = 0; j < 5; ++j) CHECK(fit_s.t_stats(j) == Approx(fit.t_stats(j)).epsilon(1e-12));
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(fit_s.vifs(j) == Approx(fit.vifs(j)).epsilon(1e-12));
  CHECK(fit_s.r_squared == Approx(fit.r_squared).epsilon(1e-14));
  // Scaling y scales coefficients, errors and residual SD, not t or R^2; extreme scales do not
  // overflow (sums of squares are formed for y / ||y||).
  for (const double c : {1e-150, 1e150}) {
    const auto fit_y = keel::factor_regression(Eigen::VectorXd(c * d.y), d.x);
    REQUIRE(no_nan(fit_y));
    for (Eigen::Index j = 0; j < 5; ++j) {
      CHECK(fit_y.coefficients(j) / c == Approx(fit.coefficients(j)).epsilon(1e-13));
      CHECK(fit_y.t_stats(j) == Approx(fit.t_stats(j)).epsilon(1e-12));
    }
    CHECK(fit_y.residual_stddev / c == Approx(fit.residual_stddev).epsilon(1e-13));
    CHECK(fit_y.r_squared == Approx(fit.r_squared).epsilon(1e-14));
  }
}

TEST_CASE("factor_regression: degenerate but valid inputs give no NaN", "[factors][edge]") {
  const panel d = random_panel(30, 2, 61u);
  SECTION("a constant y: R^2 = 0, factor coefficients 0 with t = 0 and p = 1") {
    const Eigen::VectorXd y = Eigen::VectorXd::Constant(30, 0.02);
    const auto fit = keel::factor_regression(y, d.x);
    REQUIRE(no_nan(fit));
    CHECK(fit.coefficients(0) == 0.02);
    CHECK(fit.std_errors(0) == 0);
    CHECK(fit.p_values(0) == 0);  // exact fit of a nonzero intercept
    for (Eigen::Index j = 1; j < 3; ++j) {
      CHECK(fit.coefficients(j) == 0);
      CHECK(fit.std_errors(j) == 0);
      CHECK(fit.t_stats(j) == 0);
      CHECK(fit.p_values(j) == 1);
    }
    CHECK(fit.r_squared == 0);
    CHECK(fit.residual_stddev == 0);
    const auto origin = keel::factor_regression(Eigen::VectorXd(Eigen::VectorXd::Zero(30)), d.x, {.intercept = false});
    REQUIRE(no_nan(origin));
    CHECK(origin.r_squared == 0);
    CHECK(origin.p_values(0) == 1);
  }
  SECTION("K = 0 with an intercept fits the mean") {
    const Eigen::MatrixXd none(30, 0);
    const auto fit = keel::factor_regression(d.y, none);
    REQUIRE(no_nan(fit));
    REQUIRE(fit.coefficients.size() == 1);
    REQUIRE(fit.vifs.size() == 0);
    CHECK(fit.coefficients(0) == Approx(d.y.mean()).epsilon(1e-14));
    const double sd = std::sqrt((d.y.array() - d.y.mean()).square().sum() / 29);
    CHECK(fit.residual_stddev == Approx(sd).epsilon(1e-14));
    CHECK(fit.std_errors(0) == Approx(sd / std::sqrt(30.0)).epsilon(1e-14));
    CHECK(fit.r_squared == 0);
    CHECK(fit.adj_r_squared == 0);
    CHECK(fit.condition_number == Approx(1.0).epsilon(1e-14));
  }
  SECTION("the fewest observations: n = p + 1") {
    const auto fit = keel::factor_regression(d.y.head(4), d.x.topRows(4));
    REQUIRE(no_nan(fit));
    CHECK(fit.residual_stddev > 0);
  }
  SECTION("an orthonormal design has condition number 1 and VIFs 1") {
    Eigen::MatrixXd q(4, 2);
    q << 1, 1, 1, -1, -1, 1, -1, -1;  // centred and orthogonal, as is the ones column to them
    const Eigen::Vector4d y(1, 2, 4, 3);
    const auto fit = keel::factor_regression(y, q);
    CHECK(fit.condition_number == Approx(1.0).epsilon(1e-14));
    CHECK(fit.vifs(0) == 1);
    CHECK(fit.vifs(1) == 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input

TEST_CASE("factor_regression: bad input throws the matching keel::error", "[factors][errors]") {
  const panel d = random_panel(20, 2, 1u);
  SECTION("length mismatch") {
    const Eigen::VectorXd y = d.y.head(19);
    REQUIRE_THROWS_AS(keel::factor_regression(y, d.x), keel::invalid_input);
    REQUIRE_THROWS_WITH(keel::factor_regression(y, d.x),
                        Contains("factor_regression: y has 19 values but X has 20 rows"));
  }
  SECTION("NaN or infinity in y names its index") {
    Eigen::VectorXd y = d.y;
    y(7) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(keel::factor_regression(y, d.x), keel::invalid_input);
    REQUIRE_THROWS_WITH(keel::factor_regression(y, d.x), Contains("y[7] is NaN"));
    y(7) = 1;
    y(19) = -std::numeric_limits<double>::infinity();
    REQUIRE_THROWS_WITH(keel::factor_regression(y, d.x), Contains("y[19] is -inf"));
  }
  SECTION("NaN or infinity in X names its row and column") {
    Eigen::MatrixXd x = d.x;
    x(11, 1) = std::numeric_limits<double>::infinity();
    x(15, 0) = std::numeric_limits<double>::quiet_NaN();
    REQUIRE_THROWS_AS(keel::factor_regression(d.y, x), keel::invalid_input);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, x), Contains("X(11, 1) is inf (row 11, factor 1)"));
    const Eigen::MatrixXf xf = x.cast<float>();
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, xf), Contains("X(11, 1) is inf"));
  }
  SECTION("too few observations") {
    REQUIRE_THROWS_AS(keel::factor_regression(d.y.head(3), d.x.topRows(3)), keel::insufficient_data);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y.head(3), d.x.topRows(3)),
                        Contains("needs at least 4 observations for 3 coefficients, got 3"));
    try {
      (void)keel::factor_regression(d.y.head(2), d.x.topRows(2), {.intercept = false});
      FAIL("no throw");
    } catch (const keel::insufficient_data& e) {
      CHECK(e.required() == 3);
      CHECK(e.actual() == 2);
    }
    const std::vector<double> empty;
    REQUIRE_THROWS_AS(keel::factor_regression(empty, Eigen::MatrixXd(0, 2)), keel::insufficient_data);
  }
  SECTION("no factors and no intercept") {
    REQUIRE_THROWS_AS(keel::factor_regression(d.y, Eigen::MatrixXd(20, 0), {.intercept = false}), keel::invalid_input);
    REQUIRE_THROWS_WITH(keel::factor_regression(d.y, Eigen::MatrixXd(20, 0), {.intercept = false}),
                        Contains("X has no columns"));
  }
  SECTION("a result that overflows float") {
    const Eigen::VectorXf y = (d.y * 1e30).cast<float>();
    const Eigen::MatrixXf x = (d.x * 1e-30).cast<float>();
    REQUIRE_THROWS_AS(keel::factor_regression(y, x), keel::invalid_input);
    REQUIRE_THROWS_WITH(keel::factor_regression(y, x), Contains("overflows the result type"));
  }
}

TEST_CASE("factor_regression into a reused factor_fit allocates nothing once warm", "[factors][allocation]") {
  const panel d = random_panel(300, 4, 99u);
  keel::factor_fit<double> out;
  keel::factor_regression(d.y, d.x, out);
  const auto fresh = keel::factor_regression(d.y, d.x);
  const panel other = random_panel(300, 4, 100u);
  const long before = keel_test::allocation_count();
  keel::factor_regression(other.y, other.x, out);
  keel::factor_regression(d.y, d.x, out);
  CHECK(keel_test::allocation_count() == before);
  CHECK(out.coefficients == fresh.coefficients);
  CHECK(out.std_errors == fresh.std_errors);
  CHECK(out.p_values == fresh.p_values);
  CHECK(out.vifs == fresh.vifs);
  CHECK(out.condition_number == fresh.condition_number);
  // The condition number from the small matrix equals an SVD of the whole design.
  Eigen::MatrixXd design(300, 5);
  design.col(0).setOnes();
  design.rightCols(4) = d.x;
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(design);
  const auto& sv = svd.singularValues();
  CHECK(out.condition_number == Approx(sv(0) / sv(sv.size() - 1)).epsilon(1e-12));
}
