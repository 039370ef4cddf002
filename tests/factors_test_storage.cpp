// SPDX-License-Identifier: MIT
// Part of factors_test (tests/factors_test.cpp describes the whole test): factor_regression over
// the storage checklist, through Eigen expressions of X, and in long double.
#include <cfloat>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/factors.hpp>

#include "support/factors_test_fixtures.hpp"
#include "support/storage.hpp"

using namespace keel_test::factors_test;

namespace {

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
