// SPDX-License-Identifier: MIT
// Tests of keel/detail/qp.hpp, the exact active-set QP engine behind Markowitz and the hedge.
//
// Independent references (tests/support/qp_reference.hpp): a brute force over every active
// set, and a KKT checker that recovers multipliers by least squares. Neither
// shares code or logic with the engine.
//
// The test is split over two files of one executable (each translation unit stays small to
// compile): this one holds the random problems checked against the brute force (solve_qp,
// trace_qp_path and its first segment); tests/qp_test_problems.cpp holds the hand-written
// problems (the hedge shape, the errors). Shared helpers: tests/support/qp_test_fixtures.hpp.
#include <cmath>
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/detail/qp.hpp>
#include <keel/error.hpp>

#include "support/qp_reference.hpp"
#include "support/qp_test_fixtures.hpp"

namespace {

using keel::detail::qp_problem;
using keel_test::qp_test::data_of;
using keel_test::qp_test::inf;

/// A random problem of the Markowitz/hedge shape: a PSD Q (singular when T < n), a budget
/// row, sometimes a two-sided group row and a one-sided linear row, box bounds.
qp_problem<double> random_problem(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const int n = 2 + static_cast<int>(seed % 5);
  const int t = seed % 5 == 0 ? n - 1 : 3 * n;
  Eigen::MatrixXd x(t, n);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < n; ++j) x(i, j) = 0.2 * u(rng);
  qp_problem<double> p;
  p.q = x.transpose() * x / t;
  p.c = 0.1 * Eigen::VectorXd::NullaryExpr(n, [&] { return u(rng); });
  p.lower = Eigen::VectorXd::Constant(n, seed % 3 == 0 ? -0.5 : 0.0);
  p.upper = Eigen::VectorXd::Constant(n, 0.6);
  const int m = 1 + (seed % 4 == 1 ? 1 : 0) + static_cast<int>(seed % 2);
  p.a.setZero(m, n);
  p.row_lower.resize(m);
  p.row_upper.resize(m);
  p.a.row(0).setOnes();
  p.row_lower(0) = p.row_upper(0) = 1;
  int r = 1;
  if (seed % 4 == 1) {
    for (int j = 0; j < n; j += 2) p.a(r, j) = 1;
    p.row_lower(r) = 0.1;
    p.row_upper(r) = 0.5;
    ++r;
  }
  if (seed % 2 == 1) {
    for (int j = 0; j < n; ++j) p.a(r, j) = 0.5 + u(rng);
    p.row_lower(r) = -inf;
    p.row_upper(r) = 1.0;
  }
  return p;
}

}  // namespace

TEST_CASE("qp solve_qp equals a brute force over all active sets", "[qp]") {
  // 200 random problems, n from 2 to 6, Q singular in a fifth of them. Objectives agree to
  // 1e-9 (they are O(0.1)); the KKT conditions hold to 1e-9.
  int solved = 0, infeasible = 0;
  for (unsigned seed = 0; seed < 200; ++seed) {
    const auto p = random_problem(seed);
    const auto d = data_of(p);
    const auto bf = keel_test::brute_force_qp(d);
    INFO("seed " << seed);
    if (!bf.feasible) {
      REQUIRE_THROWS_AS(keel::detail::solve_qp("t", p), keel::infeasible);
      ++infeasible;
      continue;
    }
    const auto s = keel::detail::solve_qp("t", p);
    CHECK(s.objective == Approx(bf.objective).margin(1e-9));
    CHECK(keel_test::kkt_residual(d, s.x).worst() <= 1e-9);
    // The engine's own multipliers satisfy stationarity: Qx - c + A'nu = bound multipliers.
    const Eigen::VectorXd stat = p.q * s.x - p.c + p.a.transpose() * s.row_multipliers - s.bound_multipliers;
    CHECK(stat.lpNorm<Eigen::Infinity>() <= 1e-12);
    ++solved;
  }
  CHECK(solved > 150);
  CHECK(infeasible < 20);
}

TEST_CASE("qp trace_qp_path segments are optimal along their whole length", "[qp]") {
  // Each segment is checked at its midpoint (and the unbounded last one beyond its start)
  // against the brute force for that t; consecutive segments join continuously.
  for (unsigned seed = 0; seed < 60; ++seed) {
    const auto p = random_problem(seed);
    const auto d = data_of(p);
    if (!keel_test::brute_force_qp(d).feasible) continue;
    INFO("seed " << seed);
    Eigen::VectorXd previous_end;
    double previous_t = 0;
    int segments = 0;
    const auto end = keel::detail::trace_qp_path<double>("t", p, inf, [&](const keel::detail::qp_segment<double>& s) {
      const Eigen::VectorXd start = *s.x0 + s.t_begin * *s.x1;
      if (segments > 0) {
        CHECK(s.t_begin >= previous_t);
        CHECK((start - previous_end).lpNorm<Eigen::Infinity>() <= 1e-10);
      }
      const double t = std::isfinite(s.t_end) ? 0.5 * (s.t_begin + s.t_end) : 2 * s.t_begin + 1;
      const Eigen::VectorXd x = *s.x0 + t * *s.x1;
      auto dt = d;
      dt.c = t * p.c;
      const auto bf = keel_test::brute_force_qp(dt);
      CHECK(0.5 * x.dot(p.q * x) - t * p.c.dot(x) == Approx(bf.objective).margin(1e-9 * (1 + t)));
      CHECK(keel_test::kkt_residual(dt, x).worst() <= 1e-9);
      CHECK((*s.g0 + t * *s.g1 - p.q * x).lpNorm<Eigen::Infinity>() <= 1e-12);
      if (std::isfinite(s.t_end)) previous_end = *s.x0 + s.t_end * *s.x1;
      previous_t = s.t_end;
      ++segments;
      return true;
    });
    CHECK_FALSE(end.unbounded);  // every problem here is bounded
    CHECK(segments >= 1);
  }
}

TEST_CASE("qp the first path segment starts at the minimiser of x'Qx with the largest c'x", "[qp]") {
  // Two riskless assets (zero variance) and one risky asset, budget 1, long-only: every mix of
  // the riskless assets has variance 0; the path starts at the one with the larger return.
  qp_problem<double> p;
  p.q = Eigen::Matrix3d::Zero();
  p.q(2, 2) = 0.04;
  p.c = Eigen::Vector3d(0.02, 0.03, 0.10);
  p.lower = Eigen::Vector3d::Zero();
  p.upper = Eigen::Vector3d::Ones();
  p.a = Eigen::RowVector3d::Ones();
  p.row_lower = p.row_upper = Eigen::VectorXd::Ones(1);
  Eigen::VectorXd first;
  (void)keel::detail::trace_qp_path<double>("t", p, inf, [&](const keel::detail::qp_segment<double>& s) {
    if (first.size() == 0) first = *s.x0 + s.t_begin * *s.x1;
    return true;
  });
  REQUIRE(first.size() == 3);
  CHECK(first(0) == Approx(0).margin(1e-12));
  CHECK(first(1) == Approx(1).margin(1e-12));
  CHECK(first(2) == Approx(0).margin(1e-12));
}
