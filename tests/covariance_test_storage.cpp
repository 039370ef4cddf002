// SPDX-License-Identifier: MIT
// Part of covariance_test (tests/covariance_test.cpp describes the whole test): the input forms
// (Eigen expressions) and the floating types.
#include <cmath>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>

#include "support/covariance_test_fixtures.hpp"

using namespace keel_test::covariance_test;

namespace {

template <class T>
concept covariance_callable = requires(const T& v) {
  keel::sample_covariance(v, {.periods_per_year = 1});
};
template <class T>
concept shrinkage_callable = requires(const T& v) {
  keel::ledoit_wolf(v, {.periods_per_year = 1});
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Input forms and floating types.

TEST_CASE("covariance estimators read any Eigen expression and follow the floating type", "[covariance][storage]") {
  const matrix x = make_panel(150, 4, 80);
  const auto ref = keel::sample_covariance(x, {.periods_per_year = 1});
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = x;
  CHECK((keel::sample_covariance(rm, {.periods_per_year = 1}).covariance - ref.covariance).cwiseAbs().maxCoeff() <
        1e-18);
  const Eigen::Map<const matrix> map(x.data(), x.rows(), x.cols());
  CHECK(keel::sample_covariance(map, {.periods_per_year = 1}).covariance == ref.covariance);
  matrix wide(150, 6);
  wide.leftCols(4) = x;
  wide.rightCols(2).setRandom();
  CHECK((keel::sample_covariance(wide.leftCols(4), {.periods_per_year = 1}).covariance - ref.covariance)
            .cwiseAbs()
            .maxCoeff() < 1e-18);
  // float in, float out, computed in double: equal to the double result rounded once.
  const Eigen::MatrixXf xf = x.cast<float>();
  const auto f = keel::sample_covariance(xf, {.periods_per_year = 1});
  STATIC_REQUIRE(std::is_same_v<decltype(f.covariance), Eigen::MatrixXf>);
  const auto fd = keel::sample_covariance(xf.cast<double>().eval(), {.periods_per_year = 1});
  CHECK((f.covariance - fd.covariance.cast<float>()).cwiseAbs().maxCoeff() == 0);
  const auto lwf = keel::ledoit_wolf(xf, {.periods_per_year = 1});
  STATIC_REQUIRE(std::is_same_v<decltype(lwf.shrinkage), float>);
  // long double stays long double.
  const lmatrix xl = x.cast<long double>();
  const auto l = keel::sample_covariance(xl, {.periods_per_year = 1});
  STATIC_REQUIRE(std::is_same_v<decltype(l.covariance), lmatrix>);
  CHECK(std::fabs(l.covariance(1, 2) - pair_cov(x, 1, 2)) < 1e-18L);
  // A vector is a Series, never a panel.
  STATIC_REQUIRE_FALSE(covariance_callable<Eigen::VectorXd>);
  STATIC_REQUIRE_FALSE(shrinkage_callable<std::vector<double>>);
  STATIC_REQUIRE(covariance_callable<Eigen::MatrixXd>);
  STATIC_REQUIRE(shrinkage_callable<Eigen::MatrixXf>);
}
