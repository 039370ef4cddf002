// SPDX-License-Identifier: MIT
// keel/detail/risk_budgeting.hpp: the solvers of risk budgeting (Spinu's log-barrier problem),
// unconstrained and under portfolio_constraints. Owned by keel/construction.hpp.
//
// Interface
//   throw_not_positive_definite(fn, q)             singular_problem naming the least eigenvalue
//   budgeting_scratch<Acc>                         the reused buffers (risk_budgeting_workspace)
//   normalised_budgets_into, correlation_form_into  the checked inputs, into the scratch (cov is
//                                                  markowitz.hpp's load_covariance)
//   solve_risk_budgeting_into(fn, s, b, ws)        argmin_{x > 0} 1/2 x'Sx - b'log x, into ws.x
//   never_binds(constraints, n)                    whether constraints can be skipped
//   budgeting_model(fn, constraints, n)            the checked constraints (markowitz.hpp's loaders)
//   budgeting_feasible(m, w)                       whether w keeps them (to rounding)
//   homogeneous_rows(m, b, scale)                  the constraints as a cone {x : R x <= 0, E x = 0}
//   interior_point(fn, m, s, rows, held, free_weights, scale)
//                                                  a starting point inside the cone, or infeasible
//   solve_constrained_risk_budgeting(fn, s, b, rows, x0)
//                                                  argmin 1/2 x'Sx - b'log x over the cone
//
// The constrained problem (skfolio's RiskBudgeting and Riskfolio-Lib's rp_optimization)
//   min_w w'Sw  subject to  b'log w >= c,  w in F  (bounds, groups, linear rows, 1'w = 1)
// is homogeneous: both peers write it with a scale variable (skfolio's `factor`, Riskfolio's
// `k` = 1'w) and every constraint a'w <= beta of F as a'w <= beta k, i.e. on the cone
// K = {x > 0 : (a - beta 1)'x <= 0}, then report w = x / 1'x. keel minimises
//   f(x) = 1/2 x'Sx - b'log x  over K,  w = x / 1'x.
// The two have the same solution ray: at a KKT point of the peers' problem, 2Sw - mu b / w +
// A'nu = 0 (mu > 0 the multiplier of the log constraint), and x = sqrt(2 / mu) w satisfies
// Sx - b / x + A'(nu / sqrt(2 mu)) = 0, f's KKT conditions on K (the cone's multipliers keep
// their signs); both problems are convex, f strictly, so the solutions coincide. Along a ray
// x = t w (1'w = 1) f is least at t = 1 / sigma(w), where f = 1/2 + log sigma(w) - b'log w:
// keel minimises volatility over the budgets' weighted geometric mean of the weights. When
// the unconstrained solution lies in F it is the answer (K contains it), bit for bit.
//
// Method (constrained): a primal active-set method (Gill, Murray and Wright 1981, sec. 5.2;
// Nocedal and Wright 2006, sec. 16.5, with Newton steps for the non-quadratic objective) on
// the strictly convex, linearly constrained f. Start: the Euclidean projection of the
// unconstrained weights on the allowed portfolios, each held weight kept at >= 1e-3 of its
// free value (an exact QP, detail/qp.hpp, in the weights: near the answer, so that few
// constraints enter or leave); failing that, a point of K with x >= 1 (a QP on the cone, whose
// Farkas certificate names the constraints that leave no portfolio holding every asset of
// positive budget). Each step is Newton's step in the null
// space of the working set W (rows held at 0), by the range-space method: with H = S +
// diag(b / x^2) (positive definite) and A the rows of W, M = A H^-1 A', lambda = M^-1 (A x -
// A H^-1 g), p = -H^-1 (g + A'lambda) (the A x term pulls rounding drift back onto W). The
// step length is 1, cut at the first blocking row (which joins W), kept 1% inside x > 0, with
// Armijo backtracking while the Newton decrement is large. When the decrement is at rounding
// level, an inequality of W whose multiplier is negative (beyond rounding) leaves W; when none
// is, x is optimal: the KKT residual g + A'lambda is at rounding level, lambda >= 0, R x <= 0.
//
// References
//   F. Spinu, "An algorithm for computing risk parity weights", SSRN 2297383 (2013).
//   J.-C. Richard and T. Roncalli, "Constrained risk budgeting portfolios: theory, algorithms,
//   applications", J. Portfolio Management 45 (2019) (the homogenised constrained problem).
//   P. E. Gill, W. Murray and M. H. Wright, Practical Optimization (1981), sec. 5.2 and 5.4.
//   J. Nocedal and S. J. Wright, Numerical Optimization, 2nd ed. (2006), ch. 16.
// IWYU pragma: private, include <keel/construction.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/check.hpp>
#include <keel/detail/qp.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>

namespace keel::detail {

/// Throws singular_problem for a cov that is not positive definite, naming its smallest
/// eigenvalue (the caller's Cholesky test of the correlation form has failed).
template <class Acc>
[[noreturn]] void throw_not_positive_definite(std::string_view fn,
                                              const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q) {
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>> eig(q,
                                                                                              Eigen::EigenvaluesOnly);
  throw singular_problem(message(fn, "cov is not positive definite: its smallest eigenvalue is " +
                                         number_text(static_cast<double>(eig.eigenvalues().minCoeff())) +
                                         "; estimate it with ledoit_wolf, or repair it"));
}

/// Reusable buffers of risk budgeting (risk_budgeting_workspace's content): the covariance,
/// its correlation form and scale, the budgets, the iterates and the Newton system.
template <class Acc>
struct budgeting_scratch {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  matrix q, c, h;
  vector b, scale, x, sx, g, dx, trial, best, sy, w;
  Eigen::LLT<matrix> llt;
  std::vector<Eigen::Index> held;
};

/// Risk budgeting on Spinu's (2013) problem: minimises f(x) = 1/2 x'Sx - sum b_i log x_i over
/// x > 0 (strictly convex for S positive definite, b > 0; its minimiser has x_i (Sx)_i = b_i,
/// so x / sum x has relative risk contributions b). Up to 100 sweeps of cyclical coordinate
/// descent first (below), then Newton's method: gradient Sx - b / x, Hessian S + diag(b / x^2)
/// (positive definite), factorised by one reused LLT; damped steps (backtracking with Armijo's
/// rule, Boyd and Vandenberghe 9.5) while the Newton decrement is large, then full steps, each
/// cut to keep x > 0. Stops when max_i |x_i (Sx)_i / x'Sx - b_i| is at rounding level (64 eps),
/// one Newton step after it is <= 1e-12, or when the squared decrement is at rounding level
/// (below 1e4 N eps^2; or below 1024 eps (1 + |f|) for three full steps that do not improve
/// the contributions: an ill-conditioned S, where about cond(S) eps is all double can attain,
/// and the best iterate is returned); singular_problem after 200 Newton steps.
/// The answer is left in ws.x; ws's buffers are reused (a warm call of the same size
/// allocates nothing). s and b may be ws.c and ws.b.
template <class Acc>
void solve_risk_budgeting_into(std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& s,
                               const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b, budgeting_scratch<Acc>& ws) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  constexpr Acc tolerance = Acc(1e-12);
  constexpr int max_iterations = 200;
  const Eigen::Index n = s.rows();
  vector &x = ws.x, &sx = ws.sx, &g = ws.g, &dx = ws.dx, &trial = ws.trial, &best = ws.best, &sy = ws.sy;
  sx.resize(n);
  g.resize(n);
  dx.resize(n);
  trial.resize(n);
  sy.resize(n);
  // Start on the ellipsoid x'Sx = 1 = sum b, where the solution lies.
  sy.noalias() = s * b;
  x = b / std::sqrt(b.dot(sy));
  sx.noalias() = s * x;
  constexpr Acc rounding = 64 * eps;
  Acc error = std::numeric_limits<Acc>::infinity();
  const auto contribution_error = [&] {  // max_i |x_i (Sx)_i / x'Sx - b_i|, from sx
    return (x.cwiseProduct(sx) / x.dot(sx) - b).cwiseAbs().maxCoeff();
  };
  // Cyclical coordinate descent first (Griveau-Billion, Richard and Roncalli 2013): each
  // coordinate minimises f exactly, at the positive root of S_ii x_i^2 + c_i x_i - b_i = 0 with
  // c_i = (Sx)_i - S_ii x_i; f decreases monotonically. A sweep costs O(N^2) against a Newton
  // step's O(N^3), and on well-conditioned covariances the sweeps reach rounding level alone;
  // Newton finishes (quadratically) what 100 sweeps leave. Sx is recomputed at each sweep's
  // start, so that the rank-one updates do not drift.
  for (int sweep = 0; sweep < 100; ++sweep) {
    sx.noalias() = s * x;
    error = contribution_error();
    if (error <= rounding) return;
    for (Eigen::Index i = 0; i < n; ++i) {
      const Acc c = sx(i) - s(i, i) * x(i);
      const Acc xi = 2 * b(i) / (c + std::sqrt(c * c + 4 * s(i, i) * b(i)));  // the root, without cancellation
      sx += s.col(i) * (xi - x(i));
      x(i) = xi;
    }
  }
  auto& h = ws.h;
  auto& llt = ws.llt;
  h.resize(n, n);
  const auto objective = [&](const vector& y) {
    sy.noalias() = s * y;
    return y.dot(sy) / 2 - b.dot(y.array().log().matrix());
  };
  bool polished = false;
  best = x;  // the iterate of least contribution error, and that error
  Acc best_error = std::numeric_limits<Acc>::infinity();
  int stalls = 0;  // full steps at rounding level that did not improve on best
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    sx.noalias() = s * x;
    error = contribution_error();
    if (error <= rounding || (error <= tolerance && polished)) return;
    if (error <= tolerance) polished = true;  // one more (full, quadratic) step takes x to rounding level
    const bool improved = error < best_error;
    if (improved) {
      best_error = error;
      best = x;
    } else if (stalls >= 3) {
      x = best;  // rounding, not the method, limits the accuracy (cov is ill-conditioned)
      return;
    }
    g = sx - b.cwiseQuotient(x);
    h = s;
    h.diagonal() += b.cwiseQuotient(x.cwiseAbs2());
    llt.compute(h);
    if (llt.info() != Eigen::Success) break;
    dx = llt.solve(g);
    dx = -dx;
    const Acc decrement = -g.dot(dx);  // lambda^2 = g'H^-1 g
    if (!(decrement > 0) || !std::isfinite(decrement)) break;
    if (decrement <= 1e4 * static_cast<Acc>(n) * eps * eps) return;  // at rounding level
    // Largest step in (0, 1] that keeps x > 0 (stopping short of the boundary).
    Acc t = 1;
    for (Eigen::Index i = 0; i < n; ++i)
      if (dx(i) < 0) t = std::min(t, Acc(0.99) * x(i) / -dx(i));
    if (decrement > Acc(1e-6)) {
      const Acc f0 = objective(x);
      int halvings = 0;
      for (; halvings < 64; ++halvings, t /= 2) {
        trial = x + t * dx;
        if (objective(trial) <= f0 - Acc(0.25) * t * decrement) break;
      }
      if (halvings == 64) break;
      x = trial;
    } else {
      // At rounding level (the decrement, about 2 (f - f*), is lost in f's own rounding) a
      // step that does not improve the contributions is a stall.
      if (decrement <= 1024 * eps * (1 + std::fabs(objective(x))) && !improved) ++stalls;
      x += t * dx;
    }
  }
  throw singular_problem(message(fn, "Newton's method stopped with risk contributions " +
                                         number_text(static_cast<double>(error)) +
                                         " from the budgets (more than 1e-12); cov is too ill-conditioned: "
                                         "estimate it with ledoit_wolf"));
}

/// Checks the budgets against N assets and writes them normalised to sum to 1 into a reused b
/// (1 / N each when none are given).
template <class Acc>
void normalised_budgets_into(std::string_view fn, const std::vector<double>& budgets, Eigen::Index n,
                             Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b) {
  b.resize(n);
  if (budgets.empty()) {
    b.setConstant(Acc(1) / static_cast<Acc>(n));
    return;
  }
  require_same_size(fn, "budgets", static_cast<std::ptrdiff_t>(budgets.size()), "cov", n);
  require_finite(fn, "budgets", budgets);
  double sum = 0;
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    if (budgets[i] < 0)
      throw_below(fn, element_text("budgets", static_cast<std::ptrdiff_t>(i)), budgets[i], 0,
                  "a budget is a share of risk");
    sum += budgets[i];
  }
  if (!(sum > 0) || !std::isfinite(sum))
    throw invalid_input(message(fn, "budgets sum to " + number_text(sum) + ": need a positive, finite sum"));
  for (Eigen::Index i = 0; i < n; ++i) b(i) = static_cast<Acc>(budgets[static_cast<std::size_t>(i)] / sum);
}

/// The correlation form into reused buffers: ws.scale = D^-1/2, ws.c = D^-1/2 q D^-1/2 (D =
/// diag q), factorised in ws.llt, whose smallest pivot must be above rounding so that assets of
/// very different variances are judged alike; else singular_problem naming q's smallest
/// eigenvalue.
template <class Acc>
void correlation_form_into(std::string_view fn, budgeting_scratch<Acc>& ws) {
  const Eigen::Index n = ws.q.rows();
  if ((ws.q.diagonal().array() > 0).all()) {
    ws.scale.resize(n);
    ws.scale = ws.q.diagonal().cwiseSqrt().cwiseInverse();
    ws.c.resize(n, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i) ws.c(i, j) = ws.scale(i) * ws.q(i, j) * ws.scale(j);
    ws.llt.compute(ws.c);
    if (ws.llt.info() == Eigen::Success && ws.llt.matrixLLT().diagonal().cwiseAbs2().minCoeff() >
                                               64 * static_cast<Acc>(n) * std::numeric_limits<Acc>::epsilon())
      return;
  }
  throw_not_positive_definite(fn, ws.q);
}

/// Whether the constraints can never bind (no model is then built): fully invested, every
/// lower bound <= 0 and every upper bound >= 1 (one value or N), no group limits or linear
/// constraints. Anything else goes through budgeting_model and its checks.
[[nodiscard]] inline bool never_binds(const portfolio_constraints& pc, Eigen::Index n) {
  const auto sized = [n](const Eigen::VectorXd& v) { return v.size() == 1 || v.size() == n; };
  return pc.budget == budget_rule::fully_invested && pc.group_limits.empty() && pc.linear.empty() &&
         sized(pc.bounds.lower) && sized(pc.bounds.upper) && (pc.bounds.lower.array() <= 0).all() &&
         (pc.bounds.upper.array() >= 1).all();
}

/// The checked constraints of risk budgeting, in markowitz.hpp's model (bounds, then one row
/// per group limit and linear constraint; no budget row: the budget is the homogenisation).
/// \throws invalid_input for a budget rule other than fully_invested; the loaders' errors.
template <class Acc>
[[nodiscard]] markowitz_model<Acc> budgeting_model(std::string_view fn, const portfolio_constraints& pc,
                                                   Eigen::Index n) {
  if (pc.budget != budget_rule::fully_invested)
    throw invalid_input(message(fn, std::string("constraints.budget is ") +
                                        (pc.budget == budget_rule::market_neutral ? "market_neutral" : "none") +
                                        ": risk budgets are shares of the risk of a fully invested, long "
                                        "portfolio (log w needs w > 0); use budget_rule::fully_invested"));
  markowitz_model<Acc> m;
  load_bounds(fn, pc, n, m);
  m.qp.a.resize(0, n);
  load_groups(fn, pc, n, m);
  load_linear(fn, pc, n, m);
  return m;
}

/// Whether w keeps the bounds and rows of m, to rounding (64 eps relative to the terms).
template <class Acc>
[[nodiscard]] bool budgeting_feasible(const markowitz_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const Acc tol = 64 * eps * (1 + std::fabs(w(i)));
    if (w(i) < m.qp.lower(i) - tol || w(i) > m.qp.upper(i) + tol) return false;
  }
  for (Eigen::Index k = 0; k < m.qp.a.rows(); ++k) {
    const Acc v = m.qp.a.row(k).dot(w);
    const Acc tol = 64 * eps * (1 + m.qp.a.row(k).cwiseAbs().dot(w.cwiseAbs()));
    if (v < m.qp.row_lower(k) - tol || v > m.qp.row_upper(k) + tol) return false;
  }
  return true;
}

/// The constraints as a cone in the solver's coordinates: rows r with r'x <= 0 (= 0 where
/// `equality`), x the held assets' (positive budgets) variables of the correlation form.
template <class Acc>
struct budgeting_rows {
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> a;  ///< one row per constraint, max |a_kj| = 1
  std::vector<char> equality;                            ///< per row
  std::vector<std::string> names;                        ///< per row, as the caller wrote it
};

/// Homogenises m: a'w <= beta becomes (a - beta 1)'x <= 0 (w = x / 1'x), then in the
/// coordinates of the solver, x_S = D x (D = diag(scale)) restricted to `held`. Rows that no x
/// > 0 can make active (every coefficient <= 0) or that are empty are left out.
template <class Acc>
[[nodiscard]] budgeting_rows<Acc> homogeneous_rows(const markowitz_model<Acc>& m, const std::vector<Eigen::Index>& held,
                                                   const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& scale) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  constexpr Acc inf = std::numeric_limits<Acc>::infinity();
  const Eigen::Index n = m.qp.lower.size();
  const auto h = static_cast<Eigen::Index>(held.size());
  std::vector<vector> rows;
  budgeting_rows<Acc> out;
  const auto add = [&](const vector& coefficients, Acc bound, int sign, bool equality, std::string name) {
    vector r(h);  // sign (a - bound 1), at the held assets, scaled
    for (Eigen::Index j = 0; j < h; ++j) {
      const Eigen::Index i = held[static_cast<std::size_t>(j)];
      r(j) = static_cast<Acc>(sign) * (coefficients(i) - bound) * scale(i);
    }
    const Acc top = r.cwiseAbs().maxCoeff();
    if (!(top > 0) || (!equality && r.maxCoeff() <= 0)) return;
    rows.push_back(r / top);
    out.equality.push_back(equality ? 1 : 0);
    out.names.push_back(std::move(name));
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    const vector e = vector::Unit(n, i);
    const Acc lo = m.qp.lower(i), hi = m.qp.upper(i);
    const std::string w = element_text("w", i);
    if (lo == hi) {
      add(e, lo, 1, true, w + " = " + number_text(static_cast<double>(lo)));
      continue;
    }
    if (hi < inf) add(e, hi, 1, false, w + " <= " + number_text(static_cast<double>(hi)));
    if (lo > -inf) add(e, lo, -1, false, w + " >= " + number_text(static_cast<double>(lo)));
  }
  for (Eigen::Index k = 0; k < m.qp.a.rows(); ++k) {
    const vector a = m.qp.a.row(k).transpose();
    const Acc lo = m.qp.row_lower(k), hi = m.qp.row_upper(k);
    const std::string& name = m.qp.row_names[static_cast<std::size_t>(k)];
    if (lo == hi) {
      add(a, lo, 1, true, name + " = " + number_text(static_cast<double>(lo)));
      continue;
    }
    if (hi < inf) add(a, hi, 1, false, name + " <= " + number_text(static_cast<double>(hi)));
    if (lo > -inf) add(a, lo, -1, false, name + " >= " + number_text(static_cast<double>(lo)));
  }
  out.a.resize(static_cast<Eigen::Index>(rows.size()), h);
  for (std::size_t k = 0; k < rows.size(); ++k) out.a.row(static_cast<Eigen::Index>(k)) = rows[k].transpose();
  return out;
}

/// A point of the cone with every x_j >= 1: the nearest, in the metric of S, to the
/// unconstrained solution `free` scaled to min x_j = 1 (an exact QP on the cone's rows).
/// Throws infeasible naming the conflicting constraints when the constraints leave no
/// portfolio that holds every asset of positive budget (`held` maps x to the caller's assets).
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> cone_point(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& s, const budgeting_rows<Acc>& rows,
    const std::vector<Eigen::Index>& held, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& free) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  constexpr Acc inf = std::numeric_limits<Acc>::infinity();
  const Eigen::Index h = s.rows(), r = rows.a.rows();
  qp_problem<Acc> p;
  p.q = s;
  p.c = s * (free / free.minCoeff());
  p.lower = vector::Ones(h);
  p.upper = vector::Constant(h, inf);
  p.a = rows.a;
  p.row_lower.resize(r);
  p.row_upper = vector::Zero(r);
  for (Eigen::Index k = 0; k < r; ++k) p.row_lower(k) = rows.equality[static_cast<std::size_t>(k)] ? Acc(0) : -inf;
  p.row_names = rows.names;
  for (const Eigen::Index i : held) p.variable_names.push_back(element_text("w", i) + " > 0");
  // The certificate in the caller's names ("w[2] <= 0.1", "w[0] > 0"), not the cone's scaled
  // bounds and sides.
  p.conflict_text =
      "the constraints leave no portfolio that holds every asset of positive budget (risk budgeting needs w_i > 0 "
      "where b_i > 0)";
  p.names_only = true;
  return solve_qp<Acc>(fn, p).x;
}

/// A starting point of the active-set method, in the solver's coordinates (x = w / scale on
/// the held assets): the Euclidean projection of the unconstrained weights `free_weights` on
/// the allowed portfolios with each held weight at least 1e-3 of its free value (an exact QP in
/// the weights, whose bounds are the solver's variable bounds: fast); where that margin cannot
/// be kept, cone_point (a QP on the dense cone rows: slower, and its certificate names the
/// constraints when there is no point at all).
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> interior_point(
    std::string_view fn, const markowitz_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& s,
    const budgeting_rows<Acc>& rows, const std::vector<Eigen::Index>& held,
    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& free_weights, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& scale) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  const Eigen::Index n = free_weights.size(), r = m.qp.a.rows();
  qp_problem<Acc> p;
  p.q = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>::Identity(n, n);
  p.c = free_weights;
  p.lower = m.qp.lower;
  p.upper = m.qp.upper;
  bool margin = true;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (free_weights(i) > 0) {
      p.lower(i) = std::max(p.lower(i), Acc(1e-3) * free_weights(i));
      margin = margin && p.lower(i) <= p.upper(i);
    } else {
      p.lower(i) = p.upper(i) = 0;
    }
  }
  if (margin) {
    p.a.resize(r + 1, n);
    p.a.row(0).setOnes();
    p.a.bottomRows(r) = m.qp.a;
    p.row_lower.resize(r + 1);
    p.row_upper.resize(r + 1);
    p.row_lower << Acc(1), m.qp.row_lower;
    p.row_upper << Acc(1), m.qp.row_upper;
    try {
      const vector w = solve_qp<Acc>(fn, p).x;
      vector x(static_cast<Eigen::Index>(held.size()));
      for (std::size_t j = 0; j < held.size(); ++j) x(static_cast<Eigen::Index>(j)) = w(held[j]) / scale(held[j]);
      if ((x.array() > 0).all()) return x;
    } catch (const infeasible&) {
      // the margin is too much to ask: the cone's own QP decides
    }
  }
  vector free(static_cast<Eigen::Index>(held.size()));
  for (std::size_t j = 0; j < held.size(); ++j)
    free(static_cast<Eigen::Index>(j)) = free_weights(held[j]) / scale(held[j]);
  return cone_point(fn, s, rows, held, free);
}

/// argmin f(x) = 1/2 x'Sx - b'log x over the cone {x > 0 : R x <= 0, E x = 0} of `rows`, from
/// x0 in it (x0 > 0), by the active-set Newton method of the header comment. Returns x
/// (x'Sx = 1 at the optimum); singular_problem when it does not converge in 1000 steps.
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> solve_constrained_risk_budgeting(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& s,
    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b, const budgeting_rows<Acc>& rows,
    Eigen::Matrix<Acc, Eigen::Dynamic, 1> x) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  const Eigen::Index n = s.rows(), m = rows.a.rows();
  const auto is_equality = [&](Eigen::Index k) { return rows.equality[static_cast<std::size_t>(k)] != 0; };
  // f(t x) is least at t^2 x'Sx = sum b = 1; the cone keeps t x.
  x /= std::sqrt(x.dot(s * x));
  std::vector<Eigen::Index> work;  // the working set: rows held at 0
  std::vector<char> in_work(static_cast<std::size_t>(m), 0);
  matrix basis(n, 0);  // orthonormal basis of the working rows (for independence)
  const auto try_add = [&](Eigen::Index k) {
    vector r = rows.a.row(k).transpose();
    const Acc norm = r.norm();
    if (basis.cols() > 0) r -= basis * (basis.transpose() * r);
    if (r.norm() <= Acc(1e-9) * norm) return false;  // dependent: implied by the working set
    basis.conservativeResize(Eigen::NoChange, basis.cols() + 1);
    basis.col(basis.cols() - 1) = r / r.norm();
    work.push_back(k);
    in_work[static_cast<std::size_t>(k)] = 1;
    return true;
  };
  // Equalities first (they never leave), then the inequalities active at x0.
  for (Eigen::Index k = 0; k < m; ++k)
    if (is_equality(k)) try_add(k);
  for (Eigen::Index k = 0; k < m; ++k)
    if (!is_equality(k) && rows.a.row(k).dot(x) >= -Acc(1e-12) * rows.a.row(k).cwiseAbs().dot(x)) try_add(k);
  const auto objective = [&](const vector& y) { return y.dot(s * y) / 2 - b.dot(y.array().log().matrix()); };
  vector sx(n), g(n), v(n), p(n), lambda, trial(n);
  matrix h(n, n), u, aw;
  Eigen::LLT<matrix> llt(n), mllt;
  int stalls = 0;
  Acc previous = std::numeric_limits<Acc>::infinity();
  for (int iteration = 0; iteration < 1000; ++iteration) {
    sx.noalias() = s * x;
    g = sx - b.cwiseQuotient(x);
    h = s;
    h.diagonal() += b.cwiseQuotient(x.cwiseAbs2());
    llt.compute(h);
    if (llt.info() != Eigen::Success) break;
    const auto r = static_cast<Eigen::Index>(work.size());
    aw.resize(r, n);
    for (Eigen::Index j = 0; j < r; ++j) aw.row(j) = rows.a.row(work[static_cast<std::size_t>(j)]);
    v = llt.solve(g);
    if (r > 0) {
      u = llt.solve(aw.transpose());
      mllt.compute(aw * u);
      if (mllt.info() != Eigen::Success) break;
      lambda = mllt.solve(aw * x - aw * v);
      p = -(v + u * lambda);
    } else {
      lambda.resize(0);
      p = -v;
    }
    const Acc decrement = -(g + aw.transpose() * lambda).dot(p);  // p'Hp
    if (!std::isfinite(decrement)) break;
    if (decrement <= 1e4 * static_cast<Acc>(n) * eps * eps || stalls >= 3) {
      // Optimal on W: an inequality with a negative multiplier (beyond rounding) leaves.
      const Acc tau = 64 * static_cast<Acc>(n) * eps * (1 + g.template lpNorm<Eigen::Infinity>());
      Eigen::Index drop = -1;
      Acc least = -tau;
      for (Eigen::Index j = 0; j < r; ++j)
        if (!is_equality(work[static_cast<std::size_t>(j)]) && lambda(j) < least) {
          least = lambda(j);
          drop = j;
        }
      if (drop < 0) return x;
      in_work[static_cast<std::size_t>(work[static_cast<std::size_t>(drop)])] = 0;
      work.erase(work.begin() + drop);
      const std::vector<Eigen::Index> kept = work;
      work.clear();
      basis.resize(n, 0);
      for (const Eigen::Index k : kept) try_add(k);
      stalls = 0;
      previous = std::numeric_limits<Acc>::infinity();
      continue;
    }
    // The first row outside W that the step would cross, and the room to x > 0.
    Acc alpha = 1;
    Eigen::Index block = -1;
    for (Eigen::Index k = 0; k < m; ++k) {
      if (in_work[static_cast<std::size_t>(k)] || is_equality(k)) continue;
      const Acc ap = rows.a.row(k).dot(p);
      if (!(ap > 0)) continue;
      const Acc room = std::max(Acc(0), -rows.a.row(k).dot(x)) / ap;
      if (room < alpha) {
        alpha = room;
        block = k;
      }
    }
    for (Eigen::Index i = 0; i < n; ++i)
      if (p(i) < 0 && Acc(0.99) * x(i) / -p(i) < alpha) {
        alpha = Acc(0.99) * x(i) / -p(i);
        block = -1;
      }
    if (decrement > Acc(1e-6)) {
      const Acc f0 = objective(x), slope = g.dot(p);
      int halvings = 0;
      for (; halvings < 64; ++halvings, alpha /= 2, block = -1) {
        trial = x + alpha * p;
        if (objective(trial) <= f0 + Acc(0.25) * alpha * slope) break;
      }
      if (halvings == 64) break;
      x = trial;
    } else {
      // Full steps: quadratic convergence, until rounding stops the decrement from falling.
      if (decrement > previous / 4) ++stalls;
      previous = decrement;
      x += alpha * p;
    }
    if (block >= 0) {
      try_add(block);
      stalls = 0;
      previous = std::numeric_limits<Acc>::infinity();
    }
  }
  throw singular_problem(message(fn,
                                 "the active-set Newton method did not converge on the constrained problem; "
                                 "cov is too ill-conditioned: estimate it with ledoit_wolf"));
}

// Instantiated once in keel::compiled (src/construction.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(void solve_risk_budgeting_into<double>(std::string_view, const Eigen::MatrixXd&,
                                                            const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
                                                            budgeting_scratch<double>&))
KEEL_EXTERN_TEMPLATE(Eigen::Matrix<double, Eigen::Dynamic, 1> solve_constrained_risk_budgeting<double>(
    std::string_view, const Eigen::MatrixXd&, const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
    const budgeting_rows<double>&, Eigen::Matrix<double, Eigen::Dynamic, 1>))
KEEL_EXTERN_TEMPLATE(Eigen::Matrix<double, Eigen::Dynamic, 1> interior_point<double>(
    std::string_view, const markowitz_model<double>&, const Eigen::MatrixXd&, const budgeting_rows<double>&,
    const std::vector<Eigen::Index>&, const Eigen::Matrix<double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<double, Eigen::Dynamic, 1>&))

}  // namespace keel::detail
