// SPDX-License-Identifier: MIT
// keel/construction.hpp: portfolio construction beyond mean-variance.
//
// Synopsis
//   risk_budgeting_options{budgets, constraints}
//                                     the risk budgets b (empty: equal risk contribution) and
//                                     portfolio_constraints (bounds, groups, linear; long-only)
//   risk_budgeting(cov, risk_budgeting_options{})   -> portfolio<Real>
//   risk_budgeting(cov, out, ws, risk_budgeting_options{})
//                                     into a reused portfolio, scratch in a
//                                     risk_budgeting_workspace<Real>; a warm call allocates
//                                     nothing (positive budgets, constraints that never bind)
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

/// Reusable scratch of risk_budgeting's out form (opaque; not part of the result);
/// default-constructible, reused by a warm call.
template <class Real = double>
struct risk_budgeting_workspace {
  detail::budgeting_scratch<detail::accum_t<Real>> scratch;  ///< the buffers (opaque)
};

/// risk_budgeting into a reused portfolio, its scratch in ws: the same weights, bit for bit.
/// A warm call (same N) allocates nothing when every budget is positive and the constraints
/// never bind (lower bounds <= 0, upper bounds >= 1, no groups or linear constraints: the
/// default); zero budgets and binding constraints use buffers of their own.
/// \pre, \throws as risk_budgeting; out keeps its previous content when it throws.
template <class DCov>
  requires std::floating_point<typename DCov::Scalar>
void risk_budgeting(const Eigen::MatrixBase<DCov>& cov, portfolio<typename DCov::Scalar>& out,
                    risk_budgeting_workspace<typename DCov::Scalar>& ws, const risk_budgeting_options& options = {}) {
  using real = typename DCov::Scalar;
  using acc = detail::accum_t<real>;
  using vector = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  using matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr std::string_view fn = "risk_budgeting";
  detail::budgeting_scratch<acc>& s = ws.scratch;
  detail::load_covariance_into(fn, cov, s.q);
  const Eigen::Index n = s.q.rows();
  detail::normalised_budgets_into(fn, options.budgets, n, s.b);
  const bool slack = detail::never_binds(options.constraints, n);
  detail::markowitz_model<acc> model;
  if (!slack) model = detail::budgeting_model<acc>(fn, options.constraints, n);
  s.held.clear();
  for (Eigen::Index i = 0; i < n; ++i) {
    if (s.b(i) > 0) {
      s.held.push_back(i);
    } else if (!slack && (model.qp.lower(i) > 0 || model.qp.upper(i) < 0)) {
      throw infeasible(detail::message(fn, detail::element_text("budgets", i) + " is 0, which gives " +
                                               detail::element_text("w", i) + " = 0, but its bounds are [" +
                                               detail::number_text(static_cast<double>(model.qp.lower(i))) + ", " +
                                               detail::number_text(static_cast<double>(model.qp.upper(i))) + "]"));
    }
  }
  // The weights of D S D are D^-1 times those of S (D diagonal, positive): solve on the
  // correlation form, better conditioned, and scale back.
  detail::correlation_form_into(fn, s);
  vector& w = s.w;
  w.resize(n);
  const bool all_held = static_cast<Eigen::Index>(s.held.size()) == n;
  if (all_held) {
    detail::solve_risk_budgeting_into(fn, s.c, s.b, s);
    w = s.x.cwiseProduct(s.scale);
  } else {
    const matrix sub = s.c(s.held, s.held);
    const vector bh = s.b(s.held);
    detail::solve_risk_budgeting_into(fn, sub, bh, s);
    w.setZero();
    w(s.held) = s.x.cwiseProduct(vector(s.scale(s.held)));
  }
  w /= w.sum();
  if (!slack && !detail::budgeting_feasible(model, w)) {
    // The constraints bind: K does not hold the unconstrained solution.
    const matrix sub = all_held ? matrix() : matrix(s.c(s.held, s.held));
    const matrix& c = all_held ? s.c : sub;
    const vector bh = s.b(s.held);
    const detail::budgeting_rows<acc> rows = detail::homogeneous_rows(model, s.held, s.scale);
    const vector x0 = detail::interior_point(fn, model, c, rows, s.held, w, s.scale);
    const vector x = detail::solve_constrained_risk_budgeting(fn, c, bh, rows, x0);
    w.setZero();
    w(s.held) = x.cwiseProduct(vector(s.scale(s.held)));
    w /= w.sum();
  }
  s.sy.noalias() = s.q * w;
  const acc variance = w.dot(s.sy);
  if (!std::isfinite(variance) || !w.allFinite())
    detail::throw_overflow(fn, "the portfolio's variance (" + detail::number_text(static_cast<double>(variance)) + ")");
  for (Eigen::Index i = 0; i < n; ++i) (void)detail::rounded<real>(fn, "a weight", w(i));
  const real volatility = detail::rounded<real>(fn, "volatility", std::sqrt(std::max(acc(0), variance)));
  out.weights.resize(n);
  out.weights = w.template cast<real>();
  out.expected_return = real(0);
  out.volatility = volatility;
  out.sharpe = real(0);
}

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
  portfolio<typename DCov::Scalar> out;
  risk_budgeting_workspace<typename DCov::Scalar> ws;
  risk_budgeting(cov, out, ws, options);
  return out;
}

}  // namespace keel
