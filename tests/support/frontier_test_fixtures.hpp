// SPDX-License-Identifier: MIT
// Test support for frontier_test (tests/frontier_test.cpp and tests/frontier_test_data.cpp): a
// Markowitz problem with its constraints, its translation to the reference's qp_data
// (tests/support/qp_reference.hpp) and the risk tolerance of a frontier's corner.
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/qp_reference.hpp"

namespace keel_test::frontier_test {

inline constexpr double inf = std::numeric_limits<double>::infinity();

/// A random Markowitz problem: N assets, a covariance from T factor-like observations
/// (singular when T < N), bounds, optionally a sector group and a linear constraint.
struct random_case {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
  keel::portfolio_constraints constraints;
};

/// The problem as test-side QP data (variance objective), written from the public
/// constraints independently of keel's own translation.
inline keel_test::qp_data data_of(const random_case& c) {
  const auto n = c.mu.size();
  keel_test::qp_data d;
  d.q = c.cov;
  d.c = Eigen::VectorXd::Zero(n);
  const auto& b = c.constraints.bounds;
  d.lower = b.lower.size() == 1 ? Eigen::VectorXd::Constant(n, b.lower(0)) : b.lower;
  d.upper = b.upper.size() == 1 ? Eigen::VectorXd::Constant(n, b.upper(0)) : b.upper;
  std::vector<Eigen::VectorXd> rows;
  std::vector<double> lo, hi;
  rows.push_back(Eigen::VectorXd::Ones(n));
  lo.push_back(1);
  hi.push_back(1);
  for (const auto& g : c.constraints.group_limits) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
    for (Eigen::Index j = 0; j < n; ++j) a(j) = c.constraints.groups[static_cast<std::size_t>(j)] == g.group ? 1 : 0;
    rows.push_back(a);
    lo.push_back(g.lower);
    hi.push_back(g.upper);
  }
  for (const auto& l : c.constraints.linear) {
    rows.push_back(l.coefficients);
    lo.push_back(l.relation == keel::constraint_relation::less_equal ? -inf : l.bound);
    hi.push_back(l.relation == keel::constraint_relation::greater_equal ? inf : l.bound);
  }
  d.a.resize(static_cast<Eigen::Index>(rows.size()), n);
  d.row_lower.resize(d.a.rows());
  d.row_upper.resize(d.a.rows());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    d.a.row(static_cast<Eigen::Index>(r)) = rows[r].transpose();
    d.row_lower(static_cast<Eigen::Index>(r)) = lo[r];
    d.row_upper(static_cast<Eigen::Index>(r)) = hi[r];
  }
  return d;
}

/// The risk tolerance of corner k.
inline double lambda_of(const keel::frontier<double>& f, std::size_t k) {
  if (f.segments.empty()) return 0;
  return k < f.segments.size() ? f.segments[k].lambda_begin : f.segments.back().lambda_end;
}

}  // namespace keel_test::frontier_test
