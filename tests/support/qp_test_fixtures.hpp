// SPDX-License-Identifier: MIT
// Test support for qp_test (tests/qp_test.cpp and tests/qp_test_problems.cpp): the engine's
// problem as the reference's qp_data (tests/support/qp_reference.hpp).
#pragma once

#include <limits>

#include <keel/detail/qp.hpp>

#include "support/qp_reference.hpp"

namespace keel_test::qp_test {

inline constexpr double inf = std::numeric_limits<double>::infinity();

inline keel_test::qp_data data_of(const keel::detail::qp_problem<double>& p) {
  return {p.q, p.c, p.lower, p.upper, p.a, p.row_lower, p.row_upper, {}};
}

}  // namespace keel_test::qp_test
