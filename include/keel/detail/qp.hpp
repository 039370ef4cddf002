// SPDX-License-Identifier: MIT
// keel/detail/qp.hpp: the exact active-set quadratic programming engine shared by Markowitz
// (markowitz.hpp, frontier.hpp) and the min-variance hedge (hedge.hpp). Owned by
// keel/markowitz.hpp.
//
// Interface
//   qp_problem<Real>{q, c, lower, upper, a, row_lower, row_upper, variable_names, row_names}
//       minimise 1/2 x'Qx - c'x  subject to  lower <= x <= upper  and  row_lower <= A x <= row_upper
//       Q symmetric positive semi-definite (n x n); bounds may be +-inf; a row with
//       row_lower == row_upper is an equality (a budget, a beta target), one with an infinite
//       side a one-sided inequality (a'x <= b), one with both finite a two-sided limit (a
//       group's minimum and maximum). A is m x n (m = 0: bounds only).
//   solve_qp(fn, problem) -> qp_solution<Real>{x, gradient, bound_multipliers, row_multipliers,
//       row_values, objective, breakpoints}
//       the exact minimiser. Stationarity: Qx - c + A'row_multipliers = bound_multipliers, with
//       bound_multipliers >= 0 at a lower bound, <= 0 at an upper bound, 0 off them;
//       row_multipliers <= 0 at a row's lower side, >= 0 at its upper side, 0 when inactive.
//   trace_qp_path(fn, problem, t_max, on_segment) -> qp_path_end<Real>
//       the parametric path x(t) = argmin 1/2 x'Qx - t c'x for t from 0 to t_max: piecewise
//       linear in t (Markowitz's critical lines generalised to linear inequality constraints),
//       reported one segment at a time to on_segment(const qp_segment<Real>&), which returns
//       false to stop early. The first segment starts at t = 0 with the minimiser of 1/2 x'Qx
//       that maximises c'x among the minimisers (the limit t -> 0+).
//   Errors: infeasible naming a conflicting set of constraints (from the phase-1 certificate);
//   singular_problem when Q is singular along a direction no constraint bounds (the problem
//   is unbounded below or has no unique answer) or the path does not terminate.
//
// Method
//   Phase 1 is a bounded-variable primal simplex on [A -I][x; s] = 0 that minimises the sum of
//   infeasibilities with Bland's rule (no cycling); it yields a vertex, or a Farkas certificate
//   naming the constraints that conflict. From the vertex a homotopy in the linear term,
//   c(t) = c0 + t (c - c0) with c0 chosen so that the vertex is optimal with strictly signed
//   multipliers, reaches the requested problem; the parametric path uses the same machinery
//   with c(t) = t c. On a segment the working set (variables held at a bound, rows held at a
//   side) is fixed and x(t), the multipliers and the gradient are linear in t; a segment ends
//   when a free variable or an inactive row reaches a bound (it joins the working set) or a
//   multiplier reaches zero (its constraint leaves). Ties go to the lowest index (variables
//   before rows), so degenerate problems are solved deterministically.
//
//   The KKT system of a working set is solved by the range-space method on the free variables
//   S with H = Q_SS + rho A_GS'A_GS (G the active rows): adding rho A'(Ax - b) = 0 to the
//   stationarity rows changes neither x nor the multipliers, and makes H positive definite
//   exactly when Q is positive definite on the null space of the active rows, so a positive
//   semi-definite Q (a riskless asset, duplicated assets) is handled exactly. The Cholesky
//   factor of H is updated, never recomputed, inside the loop: a row or column appended or
//   deleted, a row added or removed by a rank-one update or downdate, each O(|S|^2). When an
//   update finds H singular the released constraint opens a direction z of zero curvature
//   (Qz = 0); the iterate moves along z to the nearest blocking constraint at the same t
//   (objective and, on the frontier, variance unchanged). Each solve is followed by one step of
//   iterative refinement against Q itself, so update rounding does not accumulate. A segment
//   costs O(n |S| + |S|^2 |G| + m n); the gradient Qx is kept as Q_{:,S} x_S plus the fixed
//   variables' contribution, updated column by column as variables are fixed or released.
//
// References
//   H. M. Markowitz, "The optimization of a quadratic function subject to linear constraints",
//   Naval Res. Logist. Q. 3 (1956) 111-133 (the critical line algorithm). M. J. Best, "An
//   algorithm for the solution of the parametric quadratic programming problem", in Applied
//   Mathematics and Parallel Computing (1996) 57-76. P. E. Gill, W. Murray and M. H. Wright,
//   Practical Optimization (1981), sec. 5.3 (active sets, range-space method) and 4.4.2
//   (Cholesky updating). R. G. Bland, "New finite pivoting rules for the simplex method", Math.
//   Oper. Res. 2 (1977) 103-107.
// IWYU pragma: private, include <keel/markowitz.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// minimise 1/2 x'Qx - c'x subject to lower <= x <= upper, row_lower <= A x <= row_upper.
template <class Real>
struct qp_problem {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
  matrix q;                                 ///< n x n symmetric positive semi-definite
  vector c;                                 ///< n: the linear term (maximised)
  vector lower, upper;                      ///< n bounds, +-inf allowed
  matrix a;                                 ///< m x n constraint rows (0 x n: none)
  vector row_lower, row_upper;              ///< m: equal for an equality
  std::vector<std::string> variable_names;  ///< optional (n): messages say "x[3]" without
  std::vector<std::string> row_names;       ///< optional (m): messages say "row 2" without
  /// The infeasibility message's opening, before "; these conflict: " and the list.
  std::string conflict_text = "the constraints cannot all hold";
  /// true: the conflict list gives the names alone, for names that already state their
  /// constraint in the caller's terms (the solver's bound and side would be the model's).
  bool names_only = false;
};

/// Where a constraint of the working set holds: a variable at a bound, a row at a side.
enum class qp_side : unsigned char { none, lower, upper };

/// One constraint of a working set: variable `index` (is_row false) or row `index`.
struct qp_active {
  bool is_row = false;
  std::ptrdiff_t index = 0;
  qp_side side = qp_side::lower;  ///< lower or upper (both for an equality: lower)
};

/// One segment of the parametric path: x(t) = x0 + t x1 for t in [t_begin, t_end] with the
/// working set `active`; gradient Qx(t) = g0 + t g1. On the last segment (`last`) t_end is
/// t_max (+inf when the path was traced to the end).
template <class Real>
struct qp_segment {
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
  Real t_begin{}, t_end{};
  const vector* x0 = nullptr;  ///< n
  const vector* x1 = nullptr;  ///< n (0 on the working set's variables)
  const vector* g0 = nullptr;  ///< n: Q x0
  const vector* g1 = nullptr;  ///< n: Q x1
  const std::vector<qp_active>* active = nullptr;
  bool last = false;  ///< no event follows: t_end is t_max, or +inf
};

/// The exact minimiser of a qp_problem, with its multipliers (signs in the file comment).
template <class Real>
struct qp_solution {
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
  vector x;                        ///< the minimiser
  vector gradient;                 ///< Qx - c
  vector bound_multipliers;        ///< gradient + A'row_multipliers: >= 0 at lower, <= 0 at upper
  vector row_multipliers;          ///< m
  vector row_values;               ///< A x
  Real objective{};                ///< 1/2 x'Qx - c'x
  std::ptrdiff_t breakpoints = 0;  ///< working-set changes on the way (a cost measure)
  std::vector<qp_active> active;   ///< the final working set
};

/// How a traced path ended (see trace_qp_path).
template <class Real>
struct qp_path_end {
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
  bool stopped = false;    ///< on_segment returned false
  bool unbounded = false;  ///< x(t) grows without bound as t -> inf (direction x1 != 0)
  std::ptrdiff_t breakpoints = 0;
};

/// Throws singular_problem unless x keeps every bound and row of the problem to 1e-7 (relative
/// to the bound): the last guard against returning a point that a numerically singular working
/// set (nearly dependent constraints, a covariance singular to rounding) corrupted.
template <class Real>
void require_qp_feasible(std::string_view fn, const qp_problem<Real>& p,
                         const Eigen::Matrix<Real, Eigen::Dynamic, 1>& x) {
  const auto bad = [](Real v, Real lo, Real hi) {
    return !(v >= lo - Real(1e-7) * (1 + std::fabs(lo)) && v <= hi + Real(1e-7) * (1 + std::fabs(hi)));
  };
  bool ok = x.allFinite();
  for (Eigen::Index i = 0; i < x.size() && ok; ++i) ok = !bad(x(i), p.lower(i), p.upper(i));
  for (Eigen::Index r = 0; r < p.a.rows() && ok; ++r) ok = !bad(p.a.row(r).dot(x), p.row_lower(r), p.row_upper(r));
  if (!ok)
    throw singular_problem(message(fn,
                                   "the active-set solution lost feasibility on a numerically singular working "
                                   "set; regularise the covariance (ledoit_wolf) or remove redundant constraints"));
}

template <class Real>
class qp_engine {
 public:
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;

  qp_engine(std::string_view fn, const qp_problem<Real>& p) : fn_(fn), p_(p) { setup(); }

  /// Phase 1 (a vertex), then the homotopy from c0 to c_target: the minimiser for c_target.
  void solve_for(const vector& c_target) {
    if (interior_start(c_target)) return;
    phase_one();
    start_homotopy(c_target);
    run(Real(1), nullptr);
  }

  /// Traces t -> argmin 1/2 x'Qx - t c'x from t = 0 (the minimiser of 1/2 x'Qx reached by
  /// solve_for(0)) to t_max, reporting segments.
  qp_path_end<Real> trace(Real t_max, const std::function<bool(const qp_segment<Real>&)>& on_segment) {
    solve_for(vector::Zero(n_));
    ca_.setZero(n_);
    cb_ = p_.c;
    t_ = 0;
    const std::ptrdiff_t before = breakpoints_;
    qp_path_end<Real> end;
    end.stopped = !run(t_max, &on_segment);
    end.unbounded = unbounded_;
    end.breakpoints = breakpoints_ - before;
    return end;
  }

  [[nodiscard]] qp_solution<Real> solution() const {
    qp_solution<Real> s;
    s.x = w0_ + t_ * w1_;
    verify_feasible(s.x);
    const vector g = g0_ + t_ * g1_;
    const vector cc = ca_ + t_ * cb_;
    s.gradient = g - cc;
    s.row_multipliers = nu0_ + t_ * nu1_;
    s.bound_multipliers = s.gradient;
    if (m_ > 0) s.bound_multipliers.noalias() += p_.a.transpose() * s.row_multipliers;
    for (std::ptrdiff_t i = 0; i < n_; ++i)
      if (var_[uz(i)] == qp_side::none) s.bound_multipliers(i) = 0;
    s.row_values = m_ > 0 ? vector(p_.a * s.x) : vector(0);
    s.objective = Real(0.5) * s.x.dot(g) - cc.dot(s.x);
    s.breakpoints = breakpoints_;
    s.active = active_list();
    return s;
  }

 private:
  using index = std::ptrdiff_t;

  // ---- problem data and scales ----------------------------------------------------------
  std::string_view fn_;
  const qp_problem<Real>& p_;
  index n_ = 0, m_ = 0;
  Real qscale_ = 1, rho_ = 1;
  static constexpr Real eps_ = std::numeric_limits<Real>::epsilon();
  static constexpr Real inf_ = std::numeric_limits<Real>::infinity();

  // ---- working set ----------------------------------------------------------------------
  std::vector<qp_side> var_, row_;  // var_: none = free; row_: none = inactive
  std::vector<index> free_, pos_;   // free variables in factor order; position or -1
  std::vector<index> rows_;         // active rows, in order of activation
  matrix l_;                        // Cholesky factor of H, leading |S| x |S| block used
  vector fixed_grad_;               // Q_{:,F} x_F

  // ---- current segment: x = w0 + t w1, gradient g0 + t g1, linear term ca + t cb ---------
  vector ca_, cb_, w0_, w1_, g0_, g1_, nu0_, nu1_, m0_, m1_;
  Real t_ = 0;
  bool unbounded_ = false;
  index breakpoints_ = 0;

  void setup() {
    n_ = p_.q.rows();
    m_ = p_.a.rows();
    KEEL_ASSERT(p_.q.cols() == n_ && p_.c.size() == n_ && p_.lower.size() == n_ && p_.upper.size() == n_);
    KEEL_ASSERT(p_.a.cols() == n_ || m_ == 0);
    KEEL_ASSERT(p_.row_lower.size() == m_ && p_.row_upper.size() == m_);
    Real diag = 0;
    for (index i = 0; i < n_; ++i) diag = std::max(diag, std::fabs(p_.q(i, i)));
    // Q = 0 (every asset riskless: a linear programme) takes the linear term's scale, so that
    // the slope and multiplier tolerances stay relative to the data.
    const Real cmax = p_.c.template lpNorm<Eigen::Infinity>();
    qscale_ = diag > 0 ? diag : (cmax > 0 ? cmax : Real(1));
    Real arow = 0;
    for (index r = 0; r < m_; ++r) arow = std::max(arow, p_.a.row(r).squaredNorm());
    rho_ = arow > 0 ? qscale_ / arow * static_cast<Real>(std::max<index>(1, n_)) : qscale_;
    var_.assign(uz(n_), qp_side::none);
    row_.assign(uz(m_), qp_side::none);
    pos_.assign(uz(n_), -1);
    l_.resize(n_, n_);
    fixed_grad_.setZero(n_);
    w0_.setZero(n_);
    w1_.setZero(n_);
    g0_.setZero(n_);
    g1_.setZero(n_);
    m0_.setZero(n_);
    m1_.setZero(n_);
    nu0_.setZero(m_);
    nu1_.setZero(m_);
  }

  [[nodiscard]] Real bound_of(index i, qp_side s) const { return s == qp_side::upper ? p_.upper(i) : p_.lower(i); }
  [[nodiscard]] Real row_bound(index r, qp_side s) const {
    return s == qp_side::upper ? p_.row_upper(r) : p_.row_lower(r);
  }
  [[nodiscard]] bool fixed_var(index i) const { return p_.lower(i) == p_.upper(i); }
  [[nodiscard]] bool equality_row(index r) const { return p_.row_lower(r) == p_.row_upper(r); }

  [[nodiscard]] std::string var_name(index i) const {
    if (uz(i) < p_.variable_names.size()) return p_.variable_names[uz(i)];
    return element_text("x", i);
  }
  [[nodiscard]] std::string row_name(index r) const {
    if (uz(r) < p_.row_names.size()) return p_.row_names[uz(r)];
    return "row " + std::to_string(r);
  }

  [[nodiscard]] std::vector<qp_active> active_list() const {
    std::vector<qp_active> out;
    for (index i = 0; i < n_; ++i)
      if (var_[uz(i)] != qp_side::none) out.push_back({false, i, var_[uz(i)]});
    for (index r = 0; r < m_; ++r)
      if (row_[uz(r)] != qp_side::none) out.push_back({true, r, row_[uz(r)]});
    return out;
  }

  // ======================================================================================
  // Phase 1: bounded-variable simplex on [A -I][x; s] = 0, minimising the sum of bound
  // violations of the basic variables (Bland's rule). Column j < n is x_j, column n + r the
  // row activity s_r = a_r'x with bounds [row_lower, row_upper].
  // ======================================================================================
  struct simplex {
    std::vector<index> basic;  // m columns
    std::vector<index> where;  // column -> basis position or -1
    std::vector<qp_side> at;   // nonbasic column: lower, upper, or none (free at 0)
    vector value;              // n + m
    matrix binv;               // m x m
  };

  [[nodiscard]] Real col_lower(index j) const { return j < n_ ? p_.lower(j) : p_.row_lower(j - n_); }
  [[nodiscard]] Real col_upper(index j) const { return j < n_ ? p_.upper(j) : p_.row_upper(j - n_); }
  [[nodiscard]] Real feas_tol(Real bound) const { return Real(1e-10) * (1 + std::fabs(bound)); }

  /// binv * column j of [A -I].
  [[nodiscard]] vector basis_solve(const simplex& sx, index j) const {
    if (j < n_) return sx.binv * p_.a.col(j);
    return -sx.binv.col(j - n_);
  }

  void phase_one() {
    simplex sx;
    const index total = n_ + m_;
    sx.where.assign(uz(total), -1);
    sx.at.assign(uz(total), qp_side::none);
    sx.value.setZero(total);
    for (index j = 0; j < n_; ++j) {
      if (std::isfinite(p_.lower(j))) {
        sx.at[uz(j)] = qp_side::lower;
        sx.value(j) = p_.lower(j);
      } else if (std::isfinite(p_.upper(j))) {
        sx.at[uz(j)] = qp_side::upper;
        sx.value(j) = p_.upper(j);
      }
    }
    for (index r = 0; r < m_; ++r) {
      sx.basic.push_back(n_ + r);
      sx.where[uz(n_ + r)] = r;
      sx.value(n_ + r) = p_.a.row(r).dot(sx.value.head(n_));
    }
    sx.binv = -matrix::Identity(m_, m_);
    const index limit = 50 * (total + 10);
    for (index iter = 0;; ++iter) {
      if (iter > limit) throw singular_problem(message(fn_, "the feasibility search did not terminate"));
      vector cost(m_);
      bool feasible = true;
      for (index i = 0; i < m_; ++i) {
        const index j = sx.basic[uz(i)];
        const Real v = sx.value(j);
        cost(i) = v < col_lower(j) - feas_tol(col_lower(j))   ? Real(-1)
                  : v > col_upper(j) + feas_tol(col_upper(j)) ? Real(1)
                                                              : Real(0);
        if (cost(i) != 0) feasible = false;
      }
      if (feasible) break;
      const vector y = sx.binv.transpose() * cost;  // y' = cost' B^-1
      // Bland: the lowest eligible column. Reduced cost d_j = -y'a_j.
      index enter = -1;
      Real dir = 0;
      for (index j = 0; j < total && enter < 0; ++j) {
        if (sx.where[uz(j)] >= 0 || col_lower(j) == col_upper(j)) continue;
        const Real d = j < n_ ? -y.dot(p_.a.col(j)) : y(j - n_);
        const Real tol = Real(1e-11) * (1 + (j < n_ ? p_.a.col(j).template lpNorm<Eigen::Infinity>() : Real(1)));
        const bool can_up = sx.at[uz(j)] != qp_side::upper, can_down = sx.at[uz(j)] != qp_side::lower;
        if (d < -tol && can_up) {
          enter = j;
          dir = 1;
        } else if (d > tol && can_down) {
          enter = j;
          dir = -1;
        }
      }
      if (enter < 0) throw_infeasible(sx, y);
      pivot(sx, enter, dir);
    }
    // Equality rows whose activity is basic: pivot a structural column in where possible, so
    // that the equality is in the working set (a degenerate pivot: no value changes).
    for (index i = 0; i < m_; ++i) {
      const index j = sx.basic[uz(i)];
      if (j < n_ || !equality_row(j - n_)) continue;
      for (index k = 0; k < n_; ++k) {
        if (sx.where[uz(k)] >= 0 || fixed_var(k)) continue;
        const vector u = basis_solve(sx, k);
        if (std::fabs(u(i)) > Real(1e-9) * (1 + u.template lpNorm<Eigen::Infinity>())) {
          exchange(sx, k, i, u);
          break;
        }
      }
    }
    load_vertex(sx);
  }

  /// Enters column `enter` moving in direction dir (+1 up, -1 down); phase 1 lets infeasible
  /// basic variables move to (not past) the bound they violate.
  void pivot(simplex& sx, index enter, Real dir) {
    const vector u = basis_solve(sx, enter);
    Real best = col_upper(enter) - col_lower(enter);  // bound flip
    index leave = -1;
    qp_side leave_side = qp_side::none;
    for (index i = 0; i < m_; ++i) {
      const Real change = -dir * u(i);
      if (std::fabs(change) <= Real(1e-12) * (1 + u.template lpNorm<Eigen::Infinity>())) continue;
      const index j = sx.basic[uz(i)];
      const Real v = sx.value(j), lo = col_lower(j), hi = col_upper(j);
      Real limit = inf_;
      qp_side side = qp_side::none;
      if (change < 0) {
        if (v >= lo - feas_tol(lo)) {
          limit = std::max(Real(0), (v - lo) / -change);
          side = qp_side::lower;
        }
        if (v > hi + feas_tol(hi)) {
          limit = (v - hi) / -change;
          side = qp_side::upper;
        }
      } else {
        if (v <= hi + feas_tol(hi)) {
          limit = std::max(Real(0), (hi - v) / change);
          side = qp_side::upper;
        }
        if (v < lo - feas_tol(lo)) {
          limit = (lo - v) / change;
          side = qp_side::lower;
        }
      }
      if (!std::isfinite(limit)) continue;
      // Ties: a basic variable leaves rather than the entering one flipping; among basic
      // variables the lowest column (Bland).
      if (limit < best || (limit == best && (leave < 0 || j < sx.basic[uz(leave)]))) {
        best = limit;
        leave = i;
        leave_side = side;
      }
    }
    KEEL_ASSERT(std::isfinite(best));
    const Real step = dir * best;
    for (index b = 0; b < m_; ++b) sx.value(sx.basic[uz(b)]) -= step * u(b);
    sx.value(enter) += step;
    if (leave < 0) {  // bound flip
      sx.at[uz(enter)] = dir > 0 ? qp_side::upper : qp_side::lower;
      sx.value(enter) = dir > 0 ? col_upper(enter) : col_lower(enter);
      return;
    }
    const index out = sx.basic[uz(leave)];
    sx.value(out) = leave_side == qp_side::upper ? col_upper(out) : col_lower(out);
    exchange(sx, enter, leave, u);
    sx.at[uz(out)] = leave_side;
  }

  /// Column `enter` replaces the basic column at position `leave` (u = binv * a_enter).
  void exchange(simplex& sx, index enter, index leave, const vector& u) {
    const index out = sx.basic[uz(leave)];
    const Real piv = u(leave);
    const Eigen::Matrix<Real, 1, Eigen::Dynamic> pivot_row = sx.binv.row(leave) / piv;
    for (index i = 0; i < m_; ++i)
      if (i != leave) sx.binv.row(i) -= u(i) * pivot_row;
    sx.binv.row(leave) = pivot_row;
    sx.basic[uz(leave)] = enter;
    sx.where[uz(enter)] = leave;
    sx.where[uz(out)] = -1;
    sx.at[uz(enter)] = qp_side::none;
    if (sx.at[uz(out)] == qp_side::none) sx.at[uz(out)] = qp_side::lower;
  }

  [[noreturn]] void throw_infeasible(const simplex& sx, const vector& y) const {
    // Farkas certificate: the violated bounds of basic variables, and the bounds of nonbasic
    // columns with a nonzero reduced cost, cannot hold together.
    std::vector<std::string> parts;
    const auto describe = [&](index j, qp_side s) {
      const Real b = s == qp_side::upper ? col_upper(j) : col_lower(j);
      const bool eq = col_lower(j) == col_upper(j);
      const std::string rel = eq ? " = " : s == qp_side::upper ? " <= " : " >= ";
      const std::string name = j < n_ ? var_name(j) : row_name(j - n_);
      parts.push_back(p_.names_only ? name : name + rel + number_text(static_cast<double>(b)));
    };
    for (index i = 0; i < m_; ++i) {
      const index j = sx.basic[uz(i)];
      const Real v = sx.value(j);
      if (v < col_lower(j) - feas_tol(col_lower(j))) describe(j, qp_side::lower);
      if (v > col_upper(j) + feas_tol(col_upper(j))) describe(j, qp_side::upper);
    }
    for (index j = 0; j < n_ + m_; ++j) {
      if (sx.where[uz(j)] >= 0) continue;
      const Real d = j < n_ ? -y.dot(p_.a.col(j)) : y(j - n_);
      if (std::fabs(d) > Real(1e-11) && sx.at[uz(j)] != qp_side::none) describe(j, sx.at[uz(j)]);
    }
    std::string text = p_.conflict_text + "; these conflict: ";
    for (std::size_t k = 0; k < parts.size(); ++k) text += (k > 0 ? ", " : "") + parts[k];
    throw infeasible(message(fn_, text));
  }

  /// The working set of a simplex vertex: nonbasic variables at their bounds, rows whose
  /// activity is nonbasic at their sides; the basic (and free nonbasic) variables are free.
  void load_vertex(const simplex& sx) {
    free_.clear();
    rows_.clear();
    std::fill(pos_.begin(), pos_.end(), -1);
    for (index j = 0; j < n_; ++j) {
      const bool basic = sx.where[uz(j)] >= 0;
      var_[uz(j)] = basic ? qp_side::none : sx.at[uz(j)];
      w0_(j) = basic || sx.at[uz(j)] == qp_side::none ? sx.value(j) : bound_of(j, sx.at[uz(j)]);
      if (var_[uz(j)] == qp_side::none) {
        pos_[uz(j)] = static_cast<index>(free_.size());
        free_.push_back(j);
      }
    }
    for (index r = 0; r < m_; ++r) {
      const index j = n_ + r;
      row_[uz(r)] = sx.where[uz(j)] >= 0 ? qp_side::none : sx.at[uz(j)];
      if (row_[uz(r)] != qp_side::none) rows_.push_back(r);
    }
    fixed_grad_.setZero(n_);
    for (index j = 0; j < n_; ++j)
      if (var_[uz(j)] != qp_side::none && w0_(j) != 0) fixed_grad_.noalias() += p_.q.col(j) * w0_(j);
    factor_from_scratch();
  }

  // ======================================================================================
  // The factor of H = Q_SS + rho A_GS'A_GS and its updates.
  // ======================================================================================
  [[nodiscard]] index k() const { return static_cast<index>(free_.size()); }

  /// H(i, j) for free variables i, j.
  [[nodiscard]] Real h_entry(index i, index j) const {
    Real v = p_.q(i, j);
    for (index r : rows_) v += rho_ * p_.a(r, i) * p_.a(r, j);
    return v;
  }

  /// The minimiser under the equality rows alone (every variable with a range free, one
  /// blocked Cholesky factorisation): when it satisfies every bound and inequality row it is
  /// the answer, and no vertex or homotopy is needed (a minimum-variance portfolio that holds
  /// every asset, say). Returns false, leaving nothing behind, otherwise.
  bool interior_start(const vector& c_target) {
    free_.clear();
    rows_.clear();
    std::fill(pos_.begin(), pos_.end(), -1);
    fixed_grad_.setZero(n_);
    for (index i = 0; i < n_; ++i) {
      var_[uz(i)] = fixed_var(i) ? qp_side::lower : qp_side::none;
      w0_(i) = fixed_var(i) ? p_.lower(i) : Real(0);
      if (fixed_var(i)) {
        if (w0_(i) != 0) fixed_grad_.noalias() += p_.q.col(i) * w0_(i);
      } else {
        pos_[uz(i)] = k();
        free_.push_back(i);
      }
    }
    for (index r = 0; r < m_; ++r) {
      row_[uz(r)] = equality_row(r) ? qp_side::lower : qp_side::none;
      if (equality_row(r)) rows_.push_back(r);
    }
    if (static_cast<index>(rows_.size()) > k() || !try_factor()) return false;
    ca_ = c_target;
    cb_.setZero(n_);
    t_ = 0;
    solve_segment();
    for (index i = 0; i < n_; ++i)
      if (w0_(i) < p_.lower(i) - feas_tol(p_.lower(i)) || w0_(i) > p_.upper(i) + feas_tol(p_.upper(i))) return false;
    for (index r = 0; r < m_; ++r) {
      const Real v = p_.a.row(r).dot(w0_);
      if (v < p_.row_lower(r) - feas_tol(p_.row_lower(r)) || v > p_.row_upper(r) + feas_tol(p_.row_upper(r)))
        return false;
    }
    return true;
  }

  void factor_from_scratch() {
    if (!try_factor())
      throw singular_problem(message(fn_,
                                     "the quadratic term is singular on the directions the constraints leave "
                                     "free (add bounds, or regularise it: ledoit_wolf for a covariance)"));
  }

  [[nodiscard]] bool try_factor() {
    const index s = k();
    matrix h(s, s);
    for (index b = 0; b < s; ++b)
      for (index a = b; a < s; ++a) h(a, b) = p_.q(free_[uz(a)], free_[uz(b)]);
    for (index r : rows_) {
      const vector v = row_on_free(r);  // sqrt(rho) a_{r,S}
      h.template selfadjointView<Eigen::Lower>().rankUpdate(v);
    }
    Eigen::LLT<matrix> llt(h);
    bool ok = llt.info() == Eigen::Success;
    if (ok) {
      l_.topLeftCorner(s, s) = llt.matrixL();
      for (index i = 0; i < s; ++i)
        if (!(l_(i, i) * l_(i, i) > singular_tol() * std::max(h(i, i), qscale_))) ok = false;
    }
    return ok;
  }

  [[nodiscard]] Real singular_tol() const { return std::max(Real(1e-13), 64 * static_cast<Real>(n_) * eps_); }

  void solve_h(Eigen::Ref<vector> x) const {
    const index s = k();
    if (s == 0) return;
    l_.topLeftCorner(s, s).template triangularView<Eigen::Lower>().solveInPlace(x);
    l_.topLeftCorner(s, s).template triangularView<Eigen::Lower>().transpose().solveInPlace(x);
  }

  /// Appends free variable j. Returns false (and leaves the factor unchanged) when H would be
  /// singular; z then holds the direction of zero curvature on S + {j}, z_j = 1.
  bool append(index j, vector& z) {
    const index s = k();
    vector h(s);
    for (index a = 0; a < s; ++a) h(a) = h_entry(free_[uz(a)], j);
    const Real hjj = h_entry(j, j);
    if (s > 0) l_.topLeftCorner(s, s).template triangularView<Eigen::Lower>().solveInPlace(h);
    const Real d2 = hjj - h.squaredNorm();
    if (!(d2 > singular_tol() * std::max(hjj, qscale_))) {
      z.setZero(n_);
      if (s > 0) l_.topLeftCorner(s, s).template triangularView<Eigen::Lower>().transpose().solveInPlace(h);
      for (index a = 0; a < s; ++a) z(free_[uz(a)]) = -h(a);
      z(j) = 1;
      return false;
    }
    l_.row(s).head(s) = h.transpose();
    l_(s, s) = std::sqrt(d2);
    pos_[uz(j)] = s;
    free_.push_back(j);
    return true;
  }

  /// Removes free variable at factor position p (O(|S|^2): a rank-one update of the trailing
  /// block, then a shift).
  void remove_at(index p) {
    const index s = k();
    if (p < s - 1) {
      vector v = l_.col(p).segment(p + 1, s - p - 1);
      rank_one(p + 1, s, v, Real(1));
      for (index i = p; i < s - 1; ++i) {
        l_.row(i).head(p) = l_.row(i + 1).head(p);
        l_.row(i).segment(p, i - p + 1) = l_.row(i + 1).segment(p + 1, i - p + 1);
      }
    }
    const index j = free_[uz(p)];
    free_.erase(free_.begin() + p);
    pos_[uz(j)] = -1;
    for (index a = p; a < k(); ++a) pos_[uz(free_[uz(a)])] = a;
  }

  /// L L' + sigma v v' on the block [from, to) (v indexed from `from`); sigma = +1 or -1.
  /// Returns false when a downdate would lose positive definiteness.
  bool rank_one(index from, index to, vector& v, Real sigma) {
    for (index j = from; j < to; ++j) {
      const Real ljj = l_(j, j), vj = v(j - from);
      const Real r2 = ljj * ljj + sigma * vj * vj;
      if (!(r2 > 0)) return false;
      const Real r = std::sqrt(r2), c = r / ljj, s = vj / ljj;
      l_(j, j) = r;
      const index rest = to - j - 1;
      if (rest > 0) {
        auto col = l_.col(j).segment(j + 1, rest);
        auto tail = v.segment(j - from + 1, rest);
        col = (col + sigma * s * tail) / c;
        tail = c * tail - s * col;
      }
    }
    return true;
  }

  /// sqrt(rho) a_{r,S}.
  [[nodiscard]] vector row_on_free(index r) const {
    vector v(k());
    const Real sr = std::sqrt(rho_);
    for (index a = 0; a < k(); ++a) v(a) = sr * p_.a(r, free_[uz(a)]);
    return v;
  }

  /// Adds row r to the working set (rank-one update of H).
  void add_row(index r, qp_side side) {
    vector v = row_on_free(r);
    if (k() > 0) rank_one(0, k(), v, Real(1));
    rows_.push_back(r);
    row_[uz(r)] = side;
  }

  /// Removes row r (rank-one downdate). Returns false when H would be singular; z then holds
  /// the direction of zero curvature, H^-1 a_r scaled to a_r'z = 1.
  bool remove_row(index r, vector& z) {
    vector v = row_on_free(r);
    vector pv = v;
    if (k() > 0) l_.topLeftCorner(k(), k()).template triangularView<Eigen::Lower>().solveInPlace(pv);
    if (!(1 - pv.squaredNorm() > singular_tol())) {
      solve_h(v);  // H^-1 sqrt(rho) a_r
      z.setZero(n_);
      for (index a = 0; a < k(); ++a) z(free_[uz(a)]) = v(a);
      const Real az = p_.a.row(r).dot(z);
      if (az != 0) z /= az;
      return false;
    }
    rank_one(0, k(), v, Real(-1));
    rows_.erase(std::find(rows_.begin(), rows_.end(), r));
    row_[uz(r)] = qp_side::none;
    return true;
  }

  // ======================================================================================
  // A segment: solve the KKT system of the working set for ca and cb.
  // ======================================================================================
  // Per segment: A_GS' (|S| x |G|), Y = H^-1 A_GS' and the factor of K = A_GS Y, shared by
  // every solve of the segment.
  matrix at_, y_;
  Eigen::LDLT<matrix> kfac_;

  void prepare_kkt() {
    const index s = k(), mg = static_cast<index>(rows_.size());
    at_.resize(s, mg);
    for (index c = 0; c < mg; ++c)
      for (index a = 0; a < s; ++a) at_(a, c) = p_.a(rows_[uz(c)], free_[uz(a)]);
    y_ = at_;
    for (index c = 0; c < mg; ++c) solve_h(y_.col(c));
    if (mg > 0) kfac_.compute(at_.transpose() * y_);
  }

  /// Solves H x + A'nu = f + rho A'g, A x = g on the working set (A = A_GS); x, nu out.
  void kkt(const vector& f, const vector& g, vector& x, vector& nu) const {
    const index mg = static_cast<index>(rows_.size());
    x = f;
    if (mg > 0) x.noalias() += rho_ * (at_ * g);
    solve_h(x);
    nu.setZero(mg);
    if (mg > 0) {
      nu = kfac_.solve(at_.transpose() * x - g);
      x.noalias() -= y_ * nu;
    }
  }

  /// The right-hand sides of the segment for linear term `cterm`: f on the free variables,
  /// rg on the active rows (fixed variables at their bounds when with_fixed, else 0).
  void segment_rhs(const vector& cterm, bool with_fixed, vector& f, vector& rg) const {
    const index s = k(), mg = static_cast<index>(rows_.size());
    f.resize(s);
    rg.resize(mg);
    for (index a = 0; a < s; ++a) f(a) = cterm(free_[uz(a)]) - (with_fixed ? fixed_grad_(free_[uz(a)]) : Real(0));
    for (index c = 0; c < mg; ++c) {
      const index r = rows_[uz(c)];
      Real v = with_fixed ? row_bound(r, row_[uz(r)]) : Real(0);
      if (with_fixed)
        for (index i = 0; i < n_; ++i)
          if (var_[uz(i)] != qp_side::none) v -= p_.a(r, i) * w0_(i);
      rg(c) = v;
    }
  }

  /// Q_{:,S} x_S for two vectors in one pass over the columns (the segment's memory traffic).
  void gradient2(const vector& a, const vector& b, vector& ga, vector& gb) const {
    ga.setZero(n_);
    gb.setZero(n_);
    for (index j : free_) {
      const Real wa = a(j), wb = b(j);
      if (wa == 0 && wb == 0) continue;
      const auto col = p_.q.col(j);
      ga.noalias() += wa * col;
      gb.noalias() += wb * col;
    }
  }

  /// True when (xs, nus) leaves a KKT residual above rounding against Q and A themselves (the
  /// updated factor has drifted); r1, r2 receive the residual. g = Q_{:,S} x_S.
  bool drifted(const vector& f, const vector& rg, const vector& xs, const vector& nus, const vector& g, vector& r1,
               vector& r2) const {
    const index s = k(), mg = static_cast<index>(rows_.size());
    r1.resize(s);
    for (index a = 0; a < s; ++a) r1(a) = f(a) - g(free_[uz(a)]);
    r2.resize(mg);
    if (mg > 0) {
      r1.noalias() -= at_ * nus;
      r2.noalias() = rg - at_.transpose() * xs;
    }
    const Real scale = f.template lpNorm<Eigen::Infinity>() + qscale_ * xs.template lpNorm<Eigen::Infinity>();
    const Real resid =
        std::max(r1.template lpNorm<Eigen::Infinity>(), mg > 0 ? r2.template lpNorm<Eigen::Infinity>() : Real(0));
    // A backward-stable solve leaves about sqrt(|S|) eps; more is drift of the updates.
    return resid > 1024 * eps_ * std::max(scale, std::numeric_limits<Real>::min());
  }

  /// One step of iterative refinement of (w, nu) with its gradient g (free part).
  void refine(const vector& r1, const vector& r2, vector& xs, vector& nus, vector& w, vector& g) const {
    vector dx, dnu;
    kkt(r1, r2, dx, dnu);
    xs += dx;
    nus += dnu;
    for (index a = 0; a < k(); ++a) w(free_[uz(a)]) = xs(a);
    g.setZero(n_);
    for (index j : free_)
      if (w(j) != 0) g.noalias() += p_.q.col(j) * w(j);
  }

  /// A working set whose KKT system is numerically singular (dependent rows, a covariance
  /// singular to rounding) leaves a residual refinement cannot remove: never return its answer.
  void verify_residual(const vector& f, const vector& xs, const vector& r1, const vector& r2) const {
    const Real scale = f.template lpNorm<Eigen::Infinity>() + qscale_ * xs.template lpNorm<Eigen::Infinity>();
    const Real resid = std::max(r1.template lpNorm<Eigen::Infinity>(),
                                r2.size() > 0 ? r2.template lpNorm<Eigen::Infinity>() : Real(0));
    if (resid > Real(1e-8) * std::max(scale, std::numeric_limits<Real>::min()) || !xs.allFinite())
      throw singular_problem(message(fn_,
                                     "the optimality conditions are numerically singular (constraints that are "
                                     "nearly dependent, or a covariance singular to rounding); regularise the "
                                     "covariance (ledoit_wolf) or remove redundant constraints"));
  }

  void verify_feasible(const vector& x) const { require_qp_feasible(fn_, p_, x); }

  void solve_segment() {
    prepare_kkt();
    for (index i = 0; i < n_; ++i) {
      if (var_[uz(i)] != qp_side::none) {
        w0_(i) = bound_of(i, var_[uz(i)]);
        w1_(i) = 0;
      }
    }
    const index s = k(), mg = static_cast<index>(rows_.size());
    vector f0, rg0, f1, rg1, xs0, nus0, xs1, nus1, r1, r2;
    segment_rhs(ca_, true, f0, rg0);
    segment_rhs(cb_, false, f1, rg1);
    kkt(f0, rg0, xs0, nus0);
    kkt(f1, rg1, xs1, nus1);
    for (index a = 0; a < s; ++a) {
      w0_(free_[uz(a)]) = xs0(a);
      w1_(free_[uz(a)]) = xs1(a);
    }
    gradient2(w0_, w1_, g0_, g1_);
    if (drifted(f0, rg0, xs0, nus0, g0_, r1, r2)) {
      refine(r1, r2, xs0, nus0, w0_, g0_);
      if (drifted(f0, rg0, xs0, nus0, g0_, r1, r2)) verify_residual(f0, xs0, r1, r2);
    }
    if (drifted(f1, rg1, xs1, nus1, g1_, r1, r2)) {
      refine(r1, r2, xs1, nus1, w1_, g1_);
      if (drifted(f1, rg1, xs1, nus1, g1_, r1, r2)) verify_residual(f1, xs1, r1, r2);
    }
    g0_ += fixed_grad_;
    nu0_.setZero(m_);
    nu1_.setZero(m_);
    for (index c = 0; c < mg; ++c) {
      nu0_(rows_[uz(c)]) = nus0(c);
      nu1_(rows_[uz(c)]) = nus1(c);
    }
    // Multipliers of the fixed variables: (Qw - c + A'nu)_i, linear in t.
    m0_ = g0_ - ca_;
    m1_ = g1_ - cb_;
    if (m_ > 0) {
      m0_.noalias() += p_.a.transpose() * nu0_;
      m1_.noalias() += p_.a.transpose() * nu1_;
    }
  }

  // ======================================================================================
  // Events and the loop.
  // ======================================================================================
  enum class event_kind : unsigned char { none, var_hits, row_hits, var_leaves, row_leaves };
  struct event {
    event_kind kind = event_kind::none;
    index i = -1;
    qp_side side = qp_side::none;
    Real t = std::numeric_limits<Real>::infinity();
    [[nodiscard]] bool kind_is_row() const { return kind == event_kind::row_hits || kind == event_kind::row_leaves; }
  };

  /// A t-scale for the zero tests of slopes: the t at which the linear term is as large as
  /// the quadratic one.
  [[nodiscard]] Real t_scale() const {
    const Real cn = cb_.template lpNorm<Eigen::Infinity>();
    return cn > 0 ? qscale_ / cn : Real(1);
  }

  void consider(event& best, event_kind kind, index i, qp_side side, Real t, Real t_cur, Real tol) const {
    t = std::max(t, t_cur);
    if (t < best.t - tol) best = {kind, i, side, t};  // otherwise the earlier (lower) index stays
  }

  [[nodiscard]] event next_event(Real t_cur) const {
    event best;
    const Real ts = t_scale();
    const Real wscale =
        1 + w0_.template lpNorm<Eigen::Infinity>() + std::fabs(t_cur) * w1_.template lpNorm<Eigen::Infinity>();
    const Real slope_tol = Real(1e-11) * wscale / ts;
    const Real cscale = cb_.template lpNorm<Eigen::Infinity>() + qscale_ * w1_.template lpNorm<Eigen::Infinity>();
    const Real dual_tol = Real(1e-11) * (cscale > 0 ? cscale : Real(1));
    const Real ttol = Real(1e-12) * (std::fabs(t_cur) + ts);
    // Ties within ttol keep the first found: variables (primal then dual), then rows.
    for (index i = 0; i < n_; ++i) {
      if (var_[uz(i)] == qp_side::none) {
        const Real d = w1_(i);
        if (d < -slope_tol && std::isfinite(p_.lower(i)))
          consider(best, event_kind::var_hits, i, qp_side::lower, (p_.lower(i) - w0_(i)) / d, t_cur, ttol);
        else if (d > slope_tol && std::isfinite(p_.upper(i)))
          consider(best, event_kind::var_hits, i, qp_side::upper, (p_.upper(i) - w0_(i)) / d, t_cur, ttol);
      } else if (!fixed_var(i)) {
        const Real d = m1_(i);
        if (var_[uz(i)] == qp_side::lower && d < -dual_tol)
          consider(best, event_kind::var_leaves, i, qp_side::lower, -m0_(i) / d, t_cur, ttol);
        else if (var_[uz(i)] == qp_side::upper && d > dual_tol)
          consider(best, event_kind::var_leaves, i, qp_side::upper, -m0_(i) / d, t_cur, ttol);
      }
    }
    for (index r = 0; r < m_; ++r) {
      const Real anorm = p_.a.row(r).template lpNorm<1>();
      if (row_[uz(r)] == qp_side::none) {
        const Real d = p_.a.row(r).dot(w1_), v = p_.a.row(r).dot(w0_);
        if (d < -slope_tol * anorm && std::isfinite(p_.row_lower(r)))
          consider(best, event_kind::row_hits, r, qp_side::lower, (p_.row_lower(r) - v) / d, t_cur, ttol);
        else if (d > slope_tol * anorm && std::isfinite(p_.row_upper(r)))
          consider(best, event_kind::row_hits, r, qp_side::upper, (p_.row_upper(r) - v) / d, t_cur, ttol);
      } else if (!equality_row(r)) {
        const Real d = nu1_(r), tol = dual_tol / std::max(anorm, Real(1e-300));
        if (row_[uz(r)] == qp_side::upper && d < -tol)
          consider(best, event_kind::row_leaves, r, qp_side::upper, -nu0_(r) / d, t_cur, ttol);
        else if (row_[uz(r)] == qp_side::lower && d > tol)
          consider(best, event_kind::row_leaves, r, qp_side::lower, -nu0_(r) / d, t_cur, ttol);
      }
    }
    return best;
  }

  void fix_variable(index i, qp_side side, Real value) {
    remove_at(pos_[uz(i)]);
    var_[uz(i)] = side;
    w0_(i) = value;
    if (value != 0) fixed_grad_.noalias() += p_.q.col(i) * value;
  }

  void release_variable(index i) {
    if (w0_(i) != 0) fixed_grad_.noalias() -= p_.q.col(i) * w0_(i);
    var_[uz(i)] = qp_side::none;
  }

  /// Applies event e at t = e.t; x is the current point (continuous in t).
  void apply(const event& e, const vector& x) {
    ++breakpoints_;
    vector z;
    switch (e.kind) {
      case event_kind::var_hits:
        fix_variable(e.i, e.side, bound_of(e.i, e.side));
        return;
      case event_kind::row_hits:
        add_row(e.i, e.side);
        return;
      case event_kind::var_leaves: {
        const Real value = w0_(e.i);
        if (append(e.i, z)) {
          release_variable(e.i);
          w0_(e.i) = value;
          return;
        }
        if (e.side == qp_side::upper) z = -z;
        jump(x, z, e);
        return;
      }
      case event_kind::row_leaves:
        if (remove_row(e.i, z)) return;
        if (e.side == qp_side::upper) z = -z;
        jump(x, z, e);
        return;
      case event_kind::none:
        return;
    }
  }

  /// Releasing e's constraint opened the zero-curvature direction z (Qz = 0, feasible side):
  /// the objective is linear along z, so the iterate moves to the nearest blocking constraint.
  void jump(const vector& x, const vector& z, const event& e) {
    Real best = inf_;
    event block;
    const Real ztol = Real(1e-12) * (1 + z.template lpNorm<Eigen::Infinity>());
    const auto try_var = [&](index i) {
      const Real d = z(i);
      if (d < -ztol && std::isfinite(p_.lower(i))) {
        const Real s = std::max(Real(0), (p_.lower(i) - x(i)) / d);
        if (s < best) {
          best = s;
          block = {event_kind::var_hits, i, qp_side::lower, s};
        }
      } else if (d > ztol && std::isfinite(p_.upper(i))) {
        const Real s = std::max(Real(0), (p_.upper(i) - x(i)) / d);
        if (s < best) {
          best = s;
          block = {event_kind::var_hits, i, qp_side::upper, s};
        }
      }
    };
    for (index j : free_) try_var(j);
    if (!e.kind_is_row()) try_var(e.i);
    for (index r = 0; r < m_; ++r) {
      if (row_[uz(r)] != qp_side::none && !(e.kind_is_row() && r == e.i)) continue;
      const Real d = p_.a.row(r).dot(z), v = p_.a.row(r).dot(x);
      const Real tol = ztol * p_.a.row(r).template lpNorm<1>();
      if (d < -tol && std::isfinite(p_.row_lower(r))) {
        const Real s = std::max(Real(0), (p_.row_lower(r) - v) / d);
        if (s < best) {
          best = s;
          block = {event_kind::row_hits, r, qp_side::lower, s};
        }
      } else if (d > tol && std::isfinite(p_.row_upper(r))) {
        const Real s = std::max(Real(0), (p_.row_upper(r) - v) / d);
        if (s < best) {
          best = s;
          block = {event_kind::row_hits, r, qp_side::upper, s};
        }
      }
    }
    if (!std::isfinite(best))
      throw singular_problem(message(fn_,
                                     "the objective decreases without bound along a direction of zero variance "
                                     "that no constraint limits (bound the weights, or regularise the covariance: "
                                     "ledoit_wolf)"));
    // Move: the released constraint leaves, the blocking one joins.
    vector moved = x + best * z;
    for (index i = 0; i < n_; ++i) w0_(i) = moved(i);
    const bool var_released = !e.kind_is_row();
    if (var_released)
      release_variable(e.i);  // fixed_grad_ still used w0_ = moved: rebuild below
    else {
      rows_.erase(std::find(rows_.begin(), rows_.end(), e.i));
      row_[uz(e.i)] = qp_side::none;
    }
    if (block.kind == event_kind::var_hits && var_released && block.i == e.i) {
      var_[uz(e.i)] = block.side;  // the released variable crosses to its other bound
      w0_(e.i) = bound_of(e.i, block.side);
    } else if (block.kind == event_kind::var_hits) {
      var_[uz(block.i)] = block.side;
      w0_(block.i) = bound_of(block.i, block.side);
      if (pos_[uz(block.i)] >= 0) remove_at(pos_[uz(block.i)]);
      if (var_released) {
        pos_[uz(e.i)] = k();
        free_.push_back(e.i);
      }
    } else {
      row_[uz(block.i)] = block.side;
      rows_.push_back(block.i);
      if (var_released) {
        pos_[uz(e.i)] = k();
        free_.push_back(e.i);
      }
    }
    fixed_grad_.setZero(n_);
    for (index i = 0; i < n_; ++i)
      if (var_[uz(i)] != qp_side::none && w0_(i) != 0) fixed_grad_.noalias() += p_.q.col(i) * w0_(i);
    factor_from_scratch();  // a jump happens at most at degenerate breakpoints (t = 0 on a frontier)
  }

  /// Runs from t_ to t_end. Returns false when on_segment asked to stop.
  bool run(Real t_end, const std::function<bool(const qp_segment<Real>&)>* on_segment) {
    const index limit = 30 * (n_ + m_) + 200;
    unbounded_ = false;
    std::vector<qp_active> active;
    for (index count = 0;; ++count) {
      if (count > limit)
        throw singular_problem(message(fn_, "the active-set path did not terminate after " + std::to_string(limit) +
                                                " working-set changes (a degenerate problem)"));
      solve_segment();
      verify_feasible(w0_ + t_ * w1_);
      const event e = next_event(t_);
      const bool last = !(e.t < t_end);
      // A segment of zero length (several events at one t, a jump) is not reported.
      if (on_segment != nullptr && (last || e.t > t_)) {
        active = active_list();
        qp_segment<Real> seg{t_, last ? t_end : e.t, &w0_, &w1_, &g0_, &g1_, &active, last};
        if (!(*on_segment)(seg)) return false;
      }
      if (last) {
        if (!std::isfinite(t_end)) {
          const Real ts = t_scale();
          unbounded_ =
              w1_.template lpNorm<Eigen::Infinity>() * ts > Real(1e-11) * (1 + w0_.template lpNorm<Eigen::Infinity>());
        } else {
          t_ = t_end;
        }
        return true;
      }
      const vector x = w0_ + e.t * w1_;
      t_ = e.t;
      // Re-express the segment's fixed values at the breakpoint: w0 holds x(t) - t w1 for the
      // free variables, and exact bounds for the fixed ones.
      apply(e, x);
      for (index i = 0; i < n_; ++i)
        if (var_[uz(i)] == qp_side::none) w0_(i) = x(i);  // refreshed by the next solve anyway
    }
  }

  void start_homotopy(const vector& c_target) {
    // c0 makes the vertex optimal with strictly signed multipliers of size s.
    vector x = w0_;
    vector g = fixed_grad_;
    for (index j : free_)
      if (x(j) != 0) g.noalias() += p_.q.col(j) * x(j);
    const Real s =
        std::max({c_target.template lpNorm<Eigen::Infinity>(), g.template lpNorm<Eigen::Infinity>(), qscale_});
    vector nu = vector::Zero(m_);
    for (index r : rows_)
      if (!equality_row(r)) nu(r) = row_[uz(r)] == qp_side::upper ? s : -s;
    vector c0 = g;
    if (m_ > 0) c0.noalias() += p_.a.transpose() * nu;
    for (index i = 0; i < n_; ++i)
      if (var_[uz(i)] != qp_side::none && !fixed_var(i)) c0(i) -= var_[uz(i)] == qp_side::lower ? s : -s;
    ca_ = c0;
    cb_ = c_target - c0;
    t_ = 0;
  }
};

/// The exact minimiser of 1/2 x'Qx - c'x under the problem's bounds and rows.
/// \throws infeasible naming a conflicting set; singular_problem (see the file comment).
template <class Real>
[[nodiscard]] qp_solution<Real> solve_qp(std::string_view fn, const qp_problem<Real>& problem) {
  qp_engine<Real> engine(fn, problem);
  engine.solve_for(problem.c);
  return engine.solution();
}

/// The parametric path t -> argmin 1/2 x'Qx - t c'x, t in [0, t_max], one segment at a time.
template <class Real>
qp_path_end<Real> trace_qp_path(std::string_view fn, const qp_problem<Real>& problem, Real t_max,
                                const std::function<bool(const qp_segment<Real>&)>& on_segment) {
  qp_engine<Real> engine(fn, problem);
  return engine.trace(t_max, on_segment);
}

// Instantiated once in keel::compiled (src/qp.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(qp_solution<double> solve_qp<double>(std::string_view, const qp_problem<double>&))
KEEL_EXTERN_TEMPLATE(qp_solution<long double> solve_qp<long double>(std::string_view, const qp_problem<long double>&))
KEEL_EXTERN_TEMPLATE(qp_path_end<double> trace_qp_path<double>(std::string_view, const qp_problem<double>&, double,
                                                               const std::function<bool(const qp_segment<double>&)>&))
KEEL_EXTERN_TEMPLATE(
    qp_path_end<long double> trace_qp_path<long double>(std::string_view, const qp_problem<long double>&, long double,
                                                        const std::function<bool(const qp_segment<long double>&)>&))

}  // namespace keel::detail
