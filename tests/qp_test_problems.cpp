// SPDX-License-Identifier: MIT
// Part of qp_test (tests/qp_test.cpp describes the whole test): hand-written problems of
// keel/detail/qp.hpp's engine, a hedge-shaped problem against the brute force of
// tests/support/qp_reference.hpp and a closed form, and the engine's errors.
#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/detail/qp.hpp>
#include <keel/error.hpp>

#include "support/qp_reference.hpp"
#include "support/qp_test_fixtures.hpp"

namespace {

using Catch::Matchers::Contains;
using keel::detail::qp_problem;
using keel_test::qp_test::data_of;
using keel_test::qp_test::inf;

}  // namespace

TEST_CASE("qp a hedge-shaped problem: a linear term, one equality and bounds", "[qp]") {
  // min 1/2 h'Qh - c'h with a beta equality b'h = -0.4 and |h_i| <= 0.5: the shape of the
  // min-variance hedge (issue 12), with unbounded-below variables elsewhere.
  qp_problem<double> p;
  p.q.resize(3, 3);
  p.q << 0.04, 0.012, 0.006, 0.012, 0.09, 0.009, 0.006, 0.009, 0.0225;
  p.c = Eigen::Vector3d(-0.01, 0.004, 0.002);
  p.lower = Eigen::Vector3d::Constant(-0.5);
  p.upper = Eigen::Vector3d::Constant(0.5);
  p.a = Eigen::RowVector3d(1.0, 1.4, 0.3);
  p.row_lower = p.row_upper = Eigen::VectorXd::Constant(1, -0.4);
  const auto s = keel::detail::solve_qp("hedge", p);
  const auto d = data_of(p);
  CHECK(s.objective == Approx(keel_test::brute_force_qp(d).objective).margin(1e-12));
  CHECK(keel_test::kkt_residual(d, s.x).worst() <= 1e-12);
  CHECK(p.a.row(0).dot(s.x) == Approx(-0.4).margin(1e-14));
  // Without bounds the same problem has the closed form of an equality-constrained QP.
  p.lower.setConstant(-inf);
  p.upper.setConstant(inf);
  const auto free = keel::detail::solve_qp("hedge", p);
  Eigen::Matrix4d kkt = Eigen::Matrix4d::Zero();
  kkt.topLeftCorner(3, 3) = p.q;
  kkt.block(3, 0, 1, 3) = p.a;
  kkt.block(0, 3, 3, 1) = p.a.transpose();
  const Eigen::Vector4d sol = kkt.partialPivLu().solve(Eigen::Vector4d(p.c(0), p.c(1), p.c(2), -0.4));
  CHECK((free.x - sol.head(3)).lpNorm<Eigen::Infinity>() <= 1e-13);
}

TEST_CASE("qp errors: a conflicting set, a direction of unbounded descent", "[qp]") {
  qp_problem<double> p;
  p.q = Eigen::Matrix2d::Identity() * 0.04;
  p.c = Eigen::Vector2d(0.1, 0.2);
  p.lower = Eigen::Vector2d::Zero();
  p.upper = Eigen::Vector2d(0.3, 0.4);
  p.a = Eigen::RowVector2d::Ones();
  p.row_lower = p.row_upper = Eigen::VectorXd::Ones(1);
  p.variable_names = {"AAPL", "MSFT"};
  p.row_names = {"sum of weights"};
  CHECK_THROWS_AS(keel::detail::solve_qp("f", p), keel::infeasible);
  CHECK_THROWS_WITH(keel::detail::solve_qp("f", p), Contains("f: the constraints cannot all hold") &&
                                                        Contains("sum of weights = 1") && Contains("AAPL <= 0.3") &&
                                                        Contains("MSFT <= 0.4"));
  // A zero-variance direction without bounds: x0 - x1 costs nothing and gains c0 - c1.
  p.q = Eigen::Matrix2d::Constant(0.04);
  p.upper.setConstant(inf);
  p.lower.setConstant(-inf);
  CHECK_THROWS_AS(keel::detail::solve_qp("f", p), keel::singular_problem);
}
