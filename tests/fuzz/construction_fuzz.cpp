// SPDX-License-Identifier: MIT
// libFuzzer target for keel/construction.hpp's risk_budgeting: budgets, constraints and the
// covariance decoded from bytes.
//
// The first byte picks N (1..8) and the constraint shape (long-only, bounds from bytes, a
// group limit, a linear constraint, a budget rule that is not fully invested); the second how
// the rest become numbers: raw doubles (NaN, infinities, 1e308 reach every check) or small
// integers scaled to budgets and covariances (B B' + D, so that the solvers run on most
// inputs, sometimes singular). Every call must throw a keel::error or return weights that are
// finite, sum to 1, keep the constraints (to 1e-7), are zero where the budget is zero and
// positive elsewhere, with a finite volatility equal to sqrt(w'Sigma w); where nothing binds
// the contributions equal the budgets (to 1e-6). Anything else traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/construction.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

struct reader {
  const std::uint8_t* data;
  std::size_t size, at = 0;
  bool raw = false;
  double next() {
    if (raw) {
      double v = 0;
      if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
      at += sizeof v;
      return v;
    }
    const int b = at < size ? static_cast<int>(data[at]) : 7;
    ++at;
    return (b - 128) / 256.0;
  }
};

/// The weights keep the constraints (to 1e-7), sum to 1, are finite.
void check_weights(const Eigen::VectorXd& w, const keel::portfolio_constraints& pc) {
  const auto n = w.size();
  require(w.allFinite());
  const double tol = 1e-7;
  require(std::fabs(w.sum() - 1) <= tol);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double lo = pc.bounds.lower.size() == 1 ? pc.bounds.lower(0) : pc.bounds.lower(i);
    const double hi = pc.bounds.upper.size() == 1 ? pc.bounds.upper(0) : pc.bounds.upper(i);
    require(w(i) >= lo - tol && w(i) <= hi + tol);
  }
  for (const auto& g : pc.group_limits) {
    double s = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (pc.groups[static_cast<std::size_t>(i)] == g.group) s += w(i);
    require(s >= g.lower - tol && s <= g.upper + tol);
  }
  for (const auto& l : pc.linear) {
    const double v = l.coefficients.dot(w), t = tol * (1 + l.coefficients.cwiseAbs().sum());
    if (l.relation != keel::constraint_relation::greater_equal) require(v <= l.bound + t);
    if (l.relation != keel::constraint_relation::less_equal) require(v >= l.bound - t);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int n = 1 + data[0] % 8;
  const int shape = data[0] / 8;
  reader in{data + 2, size - 2, 0, data[1] % 4 == 0};
  Eigen::MatrixXd cov(n, n);
  if (in.raw) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) cov(i, j) = in.next();
  } else {
    const int k = 1 + data[1] % 3;
    Eigen::MatrixXd b(n, k);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) b(i, j) = in.next();
    cov = b * b.transpose();
    for (int i = 0; i < n; ++i) cov(i, i) += data[1] % 8 < 2 ? 0.0 : 0.01 + std::fabs(in.next()) * 0.1;
  }
  std::vector<double> budgets;
  if (shape % 2 == 1) {
    for (int i = 0; i < n; ++i) {
      const double v = in.next();
      budgets.push_back(in.raw ? v : (v < -0.3 ? 0.0 : std::fabs(v)));
    }
  }
  keel::portfolio_constraints pc;
  switch (shape / 2 % 4) {
    case 0:
      break;
    case 1: {
      Eigen::VectorXd lo(n), hi(n);
      for (int i = 0; i < n; ++i) {
        lo(i) = in.raw ? in.next() : std::max(0.0, in.next()) * 0.5;
        hi(i) = in.raw ? in.next() : 0.1 + std::fabs(in.next()) * 2;
      }
      pc.bounds = keel::weight_bounds(lo, hi);
      break;
    }
    case 2:
      pc.bounds = keel::weight_bounds(0.0, 1.2 / n + std::fabs(in.next()));
      break;
    default:
      pc.budget = data[1] % 2 == 0 ? keel::budget_rule::market_neutral : keel::budget_rule::none;
      break;
  }
  if (shape / 8 % 2 == 1 && n >= 2) {
    for (int i = 0; i < n; ++i) pc.groups.push_back(i % 2 == 0 ? "A" : "B");
    pc.group_limits.push_back({"A", in.next(), 0.5 + in.next()});
  }
  if (shape / 16 % 2 == 1) {
    keel::linear_constraint lc;
    lc.coefficients.resize(n);
    for (int i = 0; i < n; ++i) lc.coefficients(i) = 1 + in.next();
    lc.relation = static_cast<keel::constraint_relation>(data[1] / 4 % 3);
    lc.bound = 1 + in.next();
    pc.linear.push_back(lc);
  }
  try {
    const auto p = keel::risk_budgeting(cov, {.budgets = budgets, .constraints = pc});
    check_weights(p.weights, pc);
    require(std::isfinite(p.volatility) && p.volatility >= 0);
    require(p.expected_return == 0 && p.sharpe == 0);
    const double v = p.weights.dot(cov * p.weights);
    require(std::fabs(p.volatility * p.volatility - v) <= 1e-9 * (1 + std::fabs(v)));
    for (int i = 0; i < n; ++i) {
      const bool zero = !budgets.empty() && budgets[static_cast<std::size_t>(i)] == 0;
      require(zero ? p.weights(i) == 0 : p.weights(i) > 0);
    }
  } catch (const keel::error&) {
  }
  return 0;
}
