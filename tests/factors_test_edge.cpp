// SPDX-License-Identifier: MIT
// Part of factors_test (tests/factors_test.cpp describes the whole test): factor_regression's
// collinear factors (VIFs and singular_problem), properties and edge cases, bad input, the
// reused factor_fit and workspace that allocate nothing, and the result as a value (no scratch
// in factor_fit; the out form with a reused workspace and the deprecated one equal the plain
// form bit for bit).
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SVD>
#include <catch2/catch.hpp>

#include <keel/factors.hpp>

#include "support/allocations.hpp"
#include "support/factors_test_fixtures.hpp"

using namespace keel_test::factors_test;

namespace {

using Catch::Contains;
using Catch::Matches;

}  // namespace

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
  SECTION("a column near the largest double: the condition number does not overflow") {
    // numeric_fuzz's finding: a column of norm ~1.8e308 times R's -1 was -inf in the small
    // matrix, whose SVD then gave 1 or inf from one call to the next.
    const std::vector<double> y{1.7669277223541518e-284, 1.766927440712025e-284, -6.980623869826514e-309};
    Eigen::MatrixXd x(3, 1);
    x << -1.7976931348623157e+308, 1.1945305291614955e+103, 1.1945302777380218e+103;
    const auto one = keel::factor_regression(y, x, {.intercept = false});
    CHECK(one.condition_number == 1);  // one column: a single singular value
    // numeric_fuzz's second finding: a residual of about -DBL_MAX whose standard deviation
    // rounds past the largest double is an error, not an infinite residual_stddev.
    const std::vector<double> big{1.766927440712025e-284, -1.7976931348623157e+308};
    Eigen::MatrixXd small(2, 1);
    small << 1.1945081680463984e+103, 3.059468585785226e-183;
    CHECK_THROWS_AS(keel::factor_regression(big, small, {.intercept = false}), keel::invalid_input);
    // Two columns, one of norm DBL_MAX, no intercept: as an SVD of X / 1e308, where the
    // test's own SVD sees no entry near overflow.
    Eigen::MatrixXd two(3, 2);
    two << -std::numeric_limits<double>::max(), 1e307, 1e150, 1e308, 1e150, -1e307;
    const auto fit = keel::factor_regression(y, two, {.intercept = false});
    REQUIRE(std::isfinite(fit.condition_number));
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(two / 1e308);
    const auto& sv = svd.singularValues();
    CHECK(fit.condition_number == Approx(sv(0) / sv(sv.size() - 1)).epsilon(1e-12));
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
  // The counter sees operator new only; Eigen's own allocations (std::malloc) are counted by
  // eigen_alloc_test.
  const panel d = random_panel(300, 4, 99u);
  keel::factor_fit<double> out;
  keel::factor_fit<double>::workspace ws;
  keel::factor_regression(d.y, d.x, out, ws);
  const auto fresh = keel::factor_regression(d.y, d.x);
  const panel other = random_panel(300, 4, 100u);
  const long before = keel_test::allocation_count();
  keel::factor_regression(other.y, other.x, out, ws);
  keel::factor_regression(d.y, d.x, out, ws);
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

// ---------------------------------------------------------------------------------------------
// Results are values: factor_fit holds only what it documents; the scratch is its workspace.

// The brief's checks, `requires { typename R::workspace; }` and `!requires(R r) { r.workspace; }`,
// as concepts: outside a template an invalid expression in a requires-expression is an error,
// not false.
template <class R>
concept has_workspace_type = requires {
  typename R::workspace;
};
template <class R>
concept has_workspace_member = requires(R r) {
  r.workspace;
};
struct scratch_in_result {  // what the checks must reject: the old layout
  int workspace;
};
static_assert(has_workspace_member<scratch_in_result> && !has_workspace_type<scratch_in_result>);

static_assert(has_workspace_type<keel::factor_fit<double>>);
static_assert(has_workspace_type<keel::factor_fit<float>>);
static_assert(!has_workspace_member<keel::factor_fit<double>>);
static_assert(!has_workspace_member<keel::factor_fit<float>>);
static_assert(std::is_default_constructible_v<keel::factor_fit<double>::workspace>);

namespace {

/// Every field equal, bit for bit (sizes first: Eigen's == needs equal shapes).
template <class Real>
bool same_fit(const keel::factor_fit<Real>& a, const keel::factor_fit<Real>& b) {
  const auto eq = [](const auto& u, const auto& v) { return u.size() == v.size() && u == v; };
  return eq(a.coefficients, b.coefficients) && eq(a.std_errors, b.std_errors) && eq(a.t_stats, b.t_stats) &&
         eq(a.p_values, b.p_values) && a.r_squared == b.r_squared && a.adj_r_squared == b.adj_r_squared &&
         a.residual_stddev == b.residual_stddev && eq(a.vifs, b.vifs) && a.condition_number == b.condition_number &&
         a.n == b.n && a.intercept == b.intercept;
}

}  // namespace

TEST_CASE("factor_fit holds its eleven documented fields and nothing else", "[factors][values]") {
  const panel d = random_panel(120, 3, 7u);
  // A structured binding compiles only when the names match the non-static data members one
  // for one: a twelfth member (say, scratch) breaks this line.
  const auto [coefficients, std_errors, t_stats, p_values, r_squared, adj_r_squared, residual_stddev, vifs,
              condition_number, n, intercept] = keel::factor_regression(d.y, d.x);
  CHECK(coefficients.size() == 4);
  CHECK(std_errors.size() == 4);
  CHECK(t_stats.size() == 4);
  CHECK(p_values.size() == 4);
  CHECK(r_squared > 0.5);
  CHECK(adj_r_squared < r_squared);
  CHECK(residual_stddev > 0);
  CHECK(vifs.size() == 3);
  CHECK(condition_number >= 1);
  CHECK(n == 120);
  CHECK(intercept);
}

TEST_CASE("factor_regression's out form with a reused workspace equals the plain form bit for bit",
          "[factors][values]") {
  // Two different inputs in a row, then other shapes and no intercept: stale scratch would show.
  keel::factor_fit<double> out;
  keel::factor_fit<double>::workspace ws;
  for (const auto& [t, k, seed, intercept] : {std::tuple{200, 4, 1u, true}, std::tuple{200, 4, 2u, true},
                                              std::tuple{90, 2, 3u, false}, std::tuple{300, 6, 4u, true}}) {
    const panel d = random_panel(t, k, seed);
    keel::factor_regression(d.y, d.x, out, ws, {.intercept = intercept});
    INFO("T = " << t << ", K = " << k << ", intercept " << intercept);
    CHECK(same_fit(out, keel::factor_regression(d.y, d.x, {.intercept = intercept})));
  }
  // float data: computed in double, rounded once, the same in both forms.
  keel::factor_fit<float> fout;
  keel::factor_fit<float>::workspace fws;
  for (const unsigned seed : {5u, 6u}) {
    const panel d = random_panel(150, 3, seed);
    const Eigen::VectorXf y = d.y.cast<float>();
    const Eigen::MatrixXf x = d.x.cast<float>();
    keel::factor_regression(y, x, fout, fws);
    CHECK(same_fit(fout, keel::factor_regression(y, x)));
  }
  // A failed call leaves a workspace that the next call still uses correctly.
  const panel bad = random_panel(50, 2, 8u);
  Eigen::MatrixXd collinear(50, 2);
  collinear.col(0) = bad.x.col(0);
  collinear.col(1) = 2 * bad.x.col(0);
  CHECK_THROWS_AS(keel::factor_regression(bad.y, collinear, out, ws), keel::singular_problem);
  const panel d = random_panel(200, 4, 1u);
  keel::factor_regression(d.y, d.x, out, ws);
  CHECK(same_fit(out, keel::factor_regression(d.y, d.x)));
}

TEST_CASE("factor_regression's deprecated out form without a workspace equals the new one", "[factors][values]") {
  const panel d = random_panel(150, 3, 11u);
  keel::factor_fit<double> with_ws;
  keel::factor_fit<double>::workspace ws;
  keel::factor_regression(d.y, d.x, with_ws, ws, {.intercept = false});
  keel::factor_fit<double> old;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  keel::factor_regression(d.y, d.x, old, {.intercept = false});
  CHECK(same_fit(old, with_ws));
  keel::factor_regression(d.y, d.x, old);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  CHECK(same_fit(old, keel::factor_regression(d.y, d.x)));
}
