// SPDX-License-Identifier: MIT
// keel/construction.hpp: portfolio construction beyond mean-variance.
//
// Synopsis
//   risk_budgeting_options{budgets, constraints}
//                                     the risk budgets b (empty: equal risk contribution) and
//                                     portfolio_constraints (bounds, groups, linear; long-only)
//   risk_budgeting(cov, risk_budgeting_options{})   -> portfolio<Real>
//                                     the long-only, fully invested portfolio whose relative
//                                     risk contributions w_i (Sigma w)_i / w'Sigma w equal b;
//                                     under binding constraints, skfolio's and Riskfolio's
//                                     constrained risk budgeting (attained contributions:
//                                     risk_contributions(weights, cov), volatility.hpp)
//
// Conventions
//   - cov (N x N) is an Eigen matrix expression, positive definite; it is read in its own
//     units (annualised or not: the weights do not depend on its scale).
//   - Budgets are shares of risk: non-negative, at least one positive; they are normalised to
//     sum to 1. A zero budget gives a zero weight (the asset is left out of the solve, but
//     cov as a whole must still be positive definite).
//   - The result is keel's portfolio: weights summing to 1, expected_return 0 (no mu is given;
//     see portfolio_performance), volatility sqrt(w'Sigma w), sharpe 0.
//   - Constraints (risk budgeting): min 1/2 x'Sigma x - b'log x over the cone of allowed
//     portfolios {x > 0 : (a - beta 1)'x <= 0 for each a'w <= beta}, w = x / 1'x: the problem
//     skfolio (RiskBudgeting, `factor`) and Riskfolio-Lib (rp_optimization, `k`) solve as min
//     risk s.t. b'log w >= c; the same weights (detail/risk_budgeting.hpp shows why). Budget
//     rules other than fully_invested are invalid_input. The default (long-only) never binds.
//   - float inputs are computed in double and rounded once; long double stays long double.
//
// References
//   F. Spinu, "An algorithm for computing risk parity weights", SSRN 2297383 (2013).
//   S. Maillard, T. Roncalli and J. Teiletche, "The properties of equally weighted risk
//   contribution portfolios", J. Portfolio Management 36 (2010) 60-70.
//   T. Roncalli, Introduction to Risk Parity and Budgeting, Chapman & Hall (2013), ch. 2.
//   S. Boyd and L. Vandenberghe, Convex Optimization (2004), sec. 9.5 (Newton's method).
//   F. Griveau-Billion, J.-C. Richard and T. Roncalli, "A fast algorithm for computing high-
//   dimensional risk parity portfolios", SSRN 2325255 (2013) (cyclical coordinate descent).
//   J.-C. Richard and T. Roncalli, "Constrained risk budgeting portfolios: theory, algorithms,
//   applications", J. Portfolio Management 45 (2019) (the constrained problem).
/// \file
/// Portfolio construction: risk budgeting (equal risk contribution).
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/risk_budgeting.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>

namespace keel {

/// Options of risk_budgeting.
struct risk_budgeting_options {
  /// The risk budget of each asset (N values, >= 0, at least one > 0; normalised to sum to 1).
  /// Empty: equal risk contribution, b_i = 1 / N.
  std::vector<double> budgets{};
  /// Bounds, group limits and linear constraints on the weights (fully invested; the
  /// default, long-only [0, 1], never binds). Where they bind, the budgets are not all
  /// attained: see risk_budgeting.
  portfolio_constraints constraints{};
};


/// The risk-budgeting portfolio: long-only, fully invested weights whose relative risk
/// contributions equal the budgets, w_i (Sigma w)_i / w'Sigma w = b_i (equal risk
/// contribution when options.budgets is empty), under options.constraints. Spinu's strictly
/// convex problem on the cone K of portfolios the constraints allow (scaled: a'w <= beta as
/// (a - beta 1)'x <= 0; Richard and Roncalli 2019, skfolio's and Riskfolio's `k`):
/// \f[ x^* = \arg\min_{x > 0,\ x \in K} \tfrac12 x'\Sigma x - \textstyle\sum_i b_i \log x_i,\quad w = x^* / 1'x^* \f]
/// Where the unconstrained solution is allowed it is the answer (coordinate descent, then
/// Newton; contributions within 1e-12 of the budgets, about cond(cov) x 1e-16 when larger);
/// otherwise an active-set Newton method solves the constrained problem to KKT residuals at
/// rounding level, and the contributions are not the budgets: read the attained ones with
/// risk_contributions(p.weights, cov).fractions (volatility.hpp). Solved on the correlation
/// form D^-1/2 cov D^-1/2 (D = diag cov). A zero budget gives a zero weight.
/// \pre cov square, finite, symmetric; budgets empty or N values, finite, >= 0, with a
///      positive sum; constraints sized to N, budget rule fully_invested (market-neutral
///      budgets have no log-barrier form); else invalid_input naming the index and value.
/// \throws singular_problem when cov is not positive definite (naming its smallest eigenvalue)
///         or Newton's method does not converge; infeasible naming the constraints when none
///         allows a portfolio holding every asset of positive budget (or a zero-budget asset
///         must be held).
/// \returns portfolio{weights, expected_return 0, volatility sqrt(w'Sigma w), sharpe 0}.
/// Ref: Spinu (2013); Griveau-Billion, Richard and Roncalli (2013); Maillard, Roncalli and
/// Teiletche (2010); Richard and Roncalli (2019).
template <class DCov>
  requires std::floating_point<typename DCov::Scalar>
[[nodiscard]] portfolio<typename DCov::Scalar> risk_budgeting(const Eigen::MatrixBase<DCov>& cov,
                                                              const risk_budgeting_options& options = {}) {
  using real = typename DCov::Scalar;
  using acc = detail::accum_t<real>;
  using vector = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  using matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr std::string_view fn = "risk_budgeting";
  matrix q;
  detail::load_covariance(fn, cov, q);
  const Eigen::Index n = q.rows();
  const vector b = detail::normalised_budgets<acc>(fn, options.budgets, n);
  const detail::markowitz_model<acc> model = detail::budgeting_model<acc>(fn, options.constraints, n);
  std::vector<Eigen::Index> held;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (b(i) > 0) {
      held.push_back(i);
    } else if (model.qp.lower(i) > 0 || model.qp.upper(i) < 0) {
      throw infeasible(detail::message(
          fn, detail::element_text("budgets", i) + " is 0, which gives " + detail::element_text("w", i) +
                  " = 0, but its bounds are [" + detail::number_text(static_cast<double>(model.qp.lower(i))) + ", " +
                  detail::number_text(static_cast<double>(model.qp.upper(i))) + "]"));
    }
  }
  // The weights of D S D are D^-1 times those of S (D diagonal, positive): solve on the
  // correlation form, better conditioned, and scale back.
  const vector scale = detail::require_positive_definite(fn, q);
  const matrix c = detail::scaled_both_sides(q, scale);
  const bool all_held = static_cast<Eigen::Index>(held.size()) == n;
  const matrix sub = all_held ? matrix() : matrix(c(held, held));
  const matrix& s = all_held ? c : sub;
  const vector bh = b(held);
  const vector sh = scale(held);
  vector w = vector::Zero(n);
  w(held) = detail::solve_risk_budgeting(fn, s, bh).cwiseProduct(sh);
  w /= w.sum();
  if (!detail::budgeting_feasible(model, w)) {
    // The constraints bind: K does not hold the unconstrained solution.
    const detail::budgeting_rows<acc> rows = detail::homogeneous_rows(model, held, scale);
    const vector x0 = detail::interior_point(fn, model, s, rows, held, w, scale);
    w.setZero();
    w(held) = detail::solve_constrained_risk_budgeting(fn, s, bh, rows, x0).cwiseProduct(sh);
    w /= w.sum();
  }
  const acc variance = w.dot(q * w);
  return detail::make_portfolio<real>(fn, w, acc(0), variance, acc(0));
}

}  // namespace keel
