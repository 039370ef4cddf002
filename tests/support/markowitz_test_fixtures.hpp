// SPDX-License-Identifier: MIT
// Test support for markowitz_test (tests/markowitz_test.cpp, markowitz_test_constraints.cpp and
// markowitz_test_types.cpp): the five-asset problem most cases use.
#pragma once

#include <Eigen/Dense>

namespace keel_test::markowitz_test {

struct problem {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
};

inline problem five_assets() {
  problem p;
  p.mu.resize(5);
  p.mu << 0.06, 0.09, 0.11, 0.14, 0.07;
  Eigen::VectorXd sd(5);
  sd << 0.12, 0.18, 0.22, 0.30, 0.15;
  Eigen::MatrixXd corr = Eigen::MatrixXd::Constant(5, 5, 0.3);
  corr.diagonal().setOnes();
  corr(0, 4) = corr(4, 0) = -0.2;
  p.cov = sd.asDiagonal() * corr * sd.asDiagonal();
  return p;
}

}  // namespace keel_test::markowitz_test
