// SPDX-License-Identifier: MIT
// keel/detail/cvar.hpp: CVaR optimisation (Rockafellar and Uryasev 2000) as a linear program
// solved exactly through its dual on detail/lp.hpp. Owned by keel/construction.hpp.
//
// Formulation
//   Scenarios r_t (t = 1..T, the rows of the returns panel), losses L_t = -r_t'w, tail share
//   p = 1 - confidence, cap c = 1 / (p T). The primal (Rockafellar and Uryasev's LP) is
//     P:  min  zeta + c sum_t u_t   s.t.  u_t + r_t'w + zeta >= 0,  u_t >= 0,  w in W,
//   where W = {l <= w <= h, L_i <= a_i'w <= U_i} holds the bounds and the rows of the budget,
//   group limits, linear constraints and (efficient_cvar_return) mu'w >= target. Its optimal
//   value is min over W of CVaR(w) = min_zeta zeta + c sum_t (L_t - zeta)^+, the exact discrete
//   CVaR: the mean of the floor(pT) largest losses plus the fraction pT - floor(pT) of the
//   next one, divided by pT (Acerbi and Tasche 2002). P has T + N + 1 variables and T rows.
//   Its dual has N + 1 rows:
//     D:  max  sum_i (L_i pi+_i - U_i pi-_i) + sum_j (l_j s+_j - h_j s-_j)
//         s.t. R'q + A'(pi+ - pi-) + s+ - s- = 0   (N rows, one per asset)
//              1'q = 1                              (1 row, zeta's)
//              0 <= q_t <= c,  pi+, pi-, s+, s- >= 0 (only for finite sides; one free column
//                                                    for an equality or a fixed weight)
//   q is a probability on the scenarios with no mass above c: CVaR's risk envelope. D's basis
//   is (N + 1) x (N + 1) whatever T is, and a pricing pass over its T scenario columns is one
//   pass over the panel (R y), so T = 2,520 costs what N does. When every weight is bounded,
//   a primal feasible first basis is built (cvar_solver::crash: q the tail vertex of the
//   equally weighted book, one bound column per asset), so phase 1 is skipped. P's answer is
//   read off D's multipliers: w = -y_w, zeta = -y_zeta (D's rows are P's stationarity
//   conditions). It is then verified independently of the simplex: w within W to 1e-9,
//   CVaR(w) recomputed from the losses by selection, and equal to D's objective (strong
//   duality) to 1e-9 relative; the reported CVaR is the recomputed one, so it is the exact
//   CVaR of the returned weights.
//   Target returns (efficient_cvar_return) are one more row of W, mu'w >= target, whose
//   column's value in D is the slope of the least CVaR in the target; efficient_cvar_risk
//   uses that slope for Newton's method on the piecewise-linear frontier (solve_cvar_at_risk).
//
// References
//   R. T. Rockafellar and S. Uryasev, "Optimization of conditional value-at-risk", J. Risk 2
//   (2000) 21-41; "Conditional value-at-risk for general loss distributions", J. Banking
//   Finance 26 (2002) 1443-1471. P. Krokhmal, J. Palmquist and S. Uryasev, "Portfolio
//   optimization with conditional value-at-risk objective and constraints", J. Risk 4 (2002).
//   C. Acerbi and D. Tasche, "On the coherence of expected shortfall", J. Banking Finance 26
//   (2002) 1487-1503.
// IWYU pragma: private, include <keel/construction.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/lp.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>

namespace keel::detail {

/// A CVaR problem in the accumulation type: the panel (transposed: N x T, so that a scenario
/// is a contiguous column of D), the constraint set W (in a markowitz_model's qp fields: lower,
/// upper, a, row_lower, row_upper, row_names) and the tail.
template <class Acc>
struct cvar_model {
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> rt;  ///< N x T: column t is r_t
  markowitz_model<Acc> w;                                 ///< W (qp.q and qp.c unused)
  Acc tail = 0;                                           ///< p T
  Acc cap = 0;                                            ///< c = 1 / (p T)
};

/// The tail p T of T scenarios at a confidence, in Acc.
template <class Acc>
[[nodiscard]] Acc cvar_tail(double confidence, Eigen::Index t) {
  const Acc tail = (1 - static_cast<Acc>(confidence)) * static_cast<Acc>(t);
  // (1 - 0.9) x 200 is 19.999999999999996 in double: a tail within 1e-9 of a whole number is
  // that number (quantile.hpp's type7_position rule), so that the VaR is the documented order
  // statistic and the CVaR weighs no boundary scenario by a rounding residue.
  if (const Acc whole = std::round(tail); std::fabs(tail - whole) < Acc(1e-9) * std::max(Acc(1), whole)) return whole;
  return tail;
}

/// Checks the panel, confidence and constraints, and builds the model.
template <class Acc, class Derived>
[[nodiscard]] cvar_model<Acc> make_cvar_model(std::string_view fn, const Eigen::MatrixBase<Derived>& returns,
                                              double confidence, const portfolio_constraints& pc) {
  require_probability(fn, "confidence", confidence);
  const Eigen::Index t = returns.rows(), n = returns.cols();
  if (n == 0) throw invalid_input(message(fn, "returns has no assets (0 columns)"));
  require_observations(fn, 2, t, "scenarios (rows of returns)");
  require_finite_cells(fn, "returns", returns);
  require_scale(fn, "returns", returns, 1e-150, 1e150);
  cvar_model<Acc> m;
  m.rt = returns.transpose().template cast<Acc>();
  m.tail = cvar_tail<Acc>(confidence, t);
  m.cap = 1 / m.tail;
  load_bounds(fn, pc, n, m.w);
  m.w.qp.a.resize(0, n);
  if (m.w.has_budget)
    add_row(m.w, Eigen::VectorXd::Ones(n), static_cast<double>(m.w.budget), static_cast<double>(m.w.budget),
            "sum of weights", {constraint_kind::budget, 0});
  load_groups(fn, pc, n, m.w);
  load_linear(fn, pc, n, m.w);
  return m;
}

/// The LP over W alone: minimise cost'w (cost 0: a feasibility check). Throws infeasible
/// naming a conflicting set of W's rows when W is empty.
template <class Acc>
[[nodiscard]] lp_problem<Acc> w_problem(const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& cost) {
  lp_problem<Acc> p;
  p.cost = cost;
  p.a = m.w.qp.a;
  p.row_lower = m.w.qp.row_lower;
  p.row_upper = m.w.qp.row_upper;
  p.lower = m.w.qp.lower;
  p.upper = m.w.qp.upper;
  p.row_names = m.w.qp.row_names;
  return p;
}

template <class Acc>
[[noreturn]] void throw_conflict(std::string_view fn, const lp_simplex<Acc>& s) {
  const std::string rows = s.conflict_text();
  // The wording of markowitz.hpp's QP ("...; these conflict: ..."), so that one set of
  // constraints fails alike in min_variance and min_cvar.
  throw infeasible(message(
      fn, "the constraints cannot all hold; these conflict: " +
              (rows.empty() ? std::string("the weight bounds and the rows") : rows + " (with the weight bounds)")));
}

/// The largest mu'w over W (+inf when unbounded); throws infeasible when W is empty.
template <class Acc>
[[nodiscard]] Acc largest_return(std::string_view fn, const cvar_model<Acc>& m,
                                 const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu) {
  const lp_problem<Acc> p = w_problem(m, Eigen::Matrix<Acc, Eigen::Dynamic, 1>(-mu));
  lp_simplex<Acc> s(fn, p);
  const lp_status st = s.solve();
  if (st == lp_status::infeasible) throw_conflict(fn, s);
  if (st == lp_status::unbounded) return std::numeric_limits<Acc>::infinity();
  return mu.dot(s.x());
}

/// D of the file comment; `target_row` >= 0 when the last row of W is mu'w >= target (its pi+
/// column is then D's column `target_column`).
template <class Acc>
struct cvar_dual {
  lp_problem<Acc> lp;
  Eigen::Index target_column = -1;
  std::vector<Eigen::Index> lower_columns,
      upper_columns;  ///< per asset: s+ and s- (-1: none; both the free column of a fixed weight)
};

template <class Acc>
[[nodiscard]] cvar_dual<Acc> make_cvar_dual(const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>* mu,
                                            Acc target, bool scenarios) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  const Eigen::Index n = m.rt.rows(), t = scenarios ? m.rt.cols() : 0, rows = m.w.qp.a.rows() + (mu != nullptr ? 1 : 0);
  const auto& lo = m.w.qp.lower;
  const auto& hi = m.w.qp.upper;
  // Count D's columns: q, then one or two per row of W, then one or two per weight.
  Eigen::Index cols = t;
  const auto sides = [](Acc l, Acc u) -> Eigen::Index {
    if (l == u) return 1;
    return (std::isfinite(l) ? 1 : 0) + (std::isfinite(u) ? 1 : 0);
  };
  const auto row_side = [&](Eigen::Index i, bool upper) -> Acc {
    if (i < m.w.qp.a.rows()) return upper ? m.w.qp.row_upper(i) : m.w.qp.row_lower(i);
    return upper ? std::numeric_limits<Acc>::infinity() : target;
  };
  for (Eigen::Index i = 0; i < rows; ++i) cols += sides(row_side(i, false), row_side(i, true));
  for (Eigen::Index j = 0; j < n; ++j) cols += sides(lo(j), hi(j));
  cvar_dual<Acc> d;
  auto& p = d.lp;
  p.a.setZero(n + 1, cols);
  p.cost.setZero(cols);
  p.lower.setZero(cols);
  p.upper.setConstant(cols, std::numeric_limits<Acc>::infinity());
  p.row_lower.setZero(n + 1);
  p.row_lower(n) = 1;
  p.row_upper = p.row_lower;
  if (t > 0) p.a.topLeftCorner(n, t) = m.rt;
  p.a.row(n).head(t).setOnes();
  p.upper.head(t).setConstant(m.cap);
  Eigen::Index c = t;
  // A column with coefficients `a` (in the N asset rows) for side value b of a constraint
  // a'w >= b (sign +1) or a'w <= b (sign -1); free for an equality.
  const auto add = [&](const auto& a, Acc b, int sign, bool free) {
    p.a.col(c).head(n) = static_cast<Acc>(sign) * a;
    p.cost(c) = -static_cast<Acc>(sign) * b;
    if (free) p.lower(c) = -std::numeric_limits<Acc>::infinity();
    ++c;
  };
  for (Eigen::Index i = 0; i < rows; ++i) {
    const vector a = i < m.w.qp.a.rows() ? vector(m.w.qp.a.row(i).transpose()) : *mu;
    const Acc l = row_side(i, false), u = row_side(i, true);
    if (i == m.w.qp.a.rows()) d.target_column = c;
    if (l == u) {
      add(a, l, 1, true);
      continue;
    }
    if (std::isfinite(l)) add(a, l, 1, false);
    if (std::isfinite(u)) add(a, u, -1, false);
  }
  d.lower_columns.assign(static_cast<std::size_t>(n), -1);
  d.upper_columns.assign(static_cast<std::size_t>(n), -1);
  for (Eigen::Index j = 0; j < n; ++j) {
    const vector e = vector::Unit(n, j);
    const auto sj = static_cast<std::size_t>(j);
    if (lo(j) == hi(j)) {
      d.lower_columns[sj] = d.upper_columns[sj] = c;
      add(e, lo(j), 1, true);
      continue;
    }
    if (std::isfinite(lo(j))) {
      d.lower_columns[sj] = c;
      add(e, lo(j), 1, false);
    }
    if (std::isfinite(hi(j))) {
      d.upper_columns[sj] = c;
      add(e, hi(j), -1, false);
    }
  }
  return d;
}

/// The RU CVaR and VaR of losses -R w (the exact discrete CVaR; see the file comment).
template <class Acc>
struct cvar_figures {
  Acc cvar = 0;
  Acc var = 0;
};

/// The figures of T losses with tail p T (cvar_tail): zeta + (1 / (p T)) sum (L - zeta)^+.
template <class Acc>
[[nodiscard]] cvar_figures<Acc> cvar_of_losses(const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& loss, Acc tail) {
  const Eigen::Index t = loss.size();
  std::vector<Acc> sorted(loss.data(), loss.data() + t);
  // zeta = the (floor(pT) + 1)-th largest loss minimises zeta + c sum (L - zeta)^+.
  const auto k = std::min<Eigen::Index>(static_cast<Eigen::Index>(std::floor(tail)), t - 1);
  std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end(), std::greater<Acc>());
  const Acc zeta = sorted[static_cast<std::size_t>(k)];
  Acc excess = 0;
  for (Eigen::Index i = 0; i < t; ++i) excess += std::max(Acc(0), loss(i) - zeta);
  return {zeta + (1 / tail) * excess, zeta};
}

template <class Acc>
[[nodiscard]] cvar_figures<Acc> cvar_of(const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  return cvar_of_losses<Acc>(-(m.rt.transpose() * w), m.tail);
}

/// A solution of P: weights, their figures, D's value and the target column's value (a
/// subgradient of the least CVaR in the target return), and the simplex iterations spent.
template <class Acc>
struct cvar_solution {
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> weights;
  cvar_figures<Acc> figures;
  Acc dual_value = 0;
  Acc target_slope = 0;
  std::ptrdiff_t iterations = 0;
};

/// Throws singular_problem unless w keeps W's bounds and rows to 1e-9 (relative to the side).
template <class Acc>
void require_within(std::string_view fn, const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  const auto bad = [](Acc v, Acc lo, Acc hi) {
    return !(v >= lo - Acc(1e-9) * (1 + std::fabs(lo)) && v <= hi + Acc(1e-9) * (1 + std::fabs(hi)));
  };
  bool ok = w.allFinite();
  for (Eigen::Index i = 0; i < w.size() && ok; ++i) ok = !bad(w(i), m.w.qp.lower(i), m.w.qp.upper(i));
  for (Eigen::Index r = 0; r < m.w.qp.a.rows() && ok; ++r)
    ok = !bad(m.w.qp.a.row(r).dot(w), m.w.qp.row_lower(r), m.w.qp.row_upper(r));
  if (!ok)
    throw singular_problem(message(fn,
                                   "the simplex method lost feasibility to rounding (the returns or the "
                                   "constraints are badly scaled, or nearly dependent)"));
}

/// Solves D by the simplex method (detail/lp.hpp) and reads P's answer off its multipliers.
/// D has N + 1 rows and T + (bound and row columns) columns; each iteration prices the
/// candidates (a full pass over the panel, R'y, when they run out) and updates an (N + 1)^2
/// basis inverse. When every weight is bounded a primal feasible first basis is built (crash:
/// below) and phase 1 is skipped; otherwise phase 1 starts from artificials.
template <class Acc>
class cvar_solver {
 public:
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;

  cvar_solver(std::string_view fn, const cvar_model<Acc>& m, const vector* mu, Acc target)
      : fn_(fn), m_(m), d_(make_cvar_dual<Acc>(m, mu, target, true)), s_(fn, std::move(d_.lp)) {
    crash();
  }

  /// The target return of the last row of W (for efficient_cvar_risk's warm re-solves).
  void set_target(Acc t) { s_.set_cost(d_.target_column, -t); }

  [[nodiscard]] cvar_solution<Acc> solve() {
    const Eigen::Index n = m_.rt.rows();
    cvar_solution<Acc> out;
    const lp_status st = s_.solve();
    // D infeasible: P unbounded (W is not empty, checked first); D unbounded: P infeasible.
    if (st == lp_status::infeasible)
      throw singular_problem(message(fn_,
                                     "the CVaR is unbounded below: some allowed direction of the weights "
                                     "gains in every scenario; bound the weights"));
    if (st == lp_status::unbounded)
      throw infeasible(message(fn_, "the constraints cannot all hold together with the return target"));
    out.weights = -s_.row_duals().head(n);
    // A weight at a bound is read off the multipliers with rounding either side of it: snap
    // it (within 64 eps of the bound's size) so that a long-only weight is never -1e-17.
    for (Eigen::Index j = 0; j < n; ++j)
      for (const Acc b : {m_.w.qp.lower(j), m_.w.qp.upper(j)})
        if (std::isfinite(b) &&
            std::fabs(out.weights(j) - b) <= 64 * std::numeric_limits<Acc>::epsilon() * (1 + std::fabs(b)))
          out.weights(j) = b;
    out.figures = cvar_of(m_, out.weights);
    out.dual_value = -s_.objective();
    out.iterations = s_.iterations();
    if (d_.target_column >= 0) out.target_slope = s_.x()(d_.target_column);
    require_within(fn_, m_, out.weights);
    const Acc scale = 1 + std::fabs(out.figures.cvar);
    if (!(std::fabs(out.figures.cvar - out.dual_value) <= Acc(1e-9) * scale))
      throw singular_problem(message(fn_, "the simplex method stopped with a duality gap of " +
                                              number_text(static_cast<double>(out.figures.cvar - out.dual_value)) +
                                              " (the returns are badly scaled)"));
    return out;
  }

 private:
  // A primal feasible first basis of D, so that phase 1 is not needed: q the tail vertex of an
  // equally weighted book (c on the floor(pT) largest losses, the rest on the next, basic),
  // and per asset the bound column s+ or s- that absorbs -(R'q)_j, basic. It exists when every
  // weight has the bound that sign needs; otherwise phase 1 starts from artificials.
  void crash() {
    const Eigen::Index n = m_.rt.rows(), t = m_.rt.cols();
    const vector w = vector::Constant(n, Acc(1) / static_cast<Acc>(n));
    loss_.noalias() = -(m_.rt.transpose() * w);
    order_.resize(static_cast<std::size_t>(t));
    for (Eigen::Index i = 0; i < t; ++i) order_[static_cast<std::size_t>(i)] = i;
    const auto k = std::min<Eigen::Index>(static_cast<Eigen::Index>(std::floor(m_.tail)), t - 1);
    std::nth_element(order_.begin(), order_.begin() + k, order_.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return loss_(a) > loss_(b); });
    std::vector<bool> upper(static_cast<std::size_t>(s_.columns()), false);
    vector g = vector::Zero(n);
    for (Eigen::Index i = 0; i < k; ++i) {
      upper[static_cast<std::size_t>(order_[static_cast<std::size_t>(i)])] = true;
      g += m_.cap * m_.rt.col(order_[static_cast<std::size_t>(i)]);
    }
    const Eigen::Index b = order_[static_cast<std::size_t>(k)];
    g += (1 - static_cast<Acc>(k) * m_.cap) * m_.rt.col(b);
    std::vector<Eigen::Index> basic;
    for (Eigen::Index j = 0; j < n; ++j) {
      const auto sj = static_cast<std::size_t>(j);
      const Eigen::Index col = -g(j) >= 0 ? d_.lower_columns[sj] : d_.upper_columns[sj];
      if (col < 0) return;
      basic.push_back(col);
    }
    basic.push_back(b);
    (void)s_.start_from(basic, upper);
  }

  std::string_view fn_;
  const cvar_model<Acc>& m_;
  cvar_dual<Acc> d_;
  lp_simplex<Acc> s_;
  vector loss_;
  std::vector<Eigen::Index> order_;
};

/// min CVaR over W: D without a target row.
template <class Acc>
[[nodiscard]] cvar_solution<Acc> solve_min_cvar(std::string_view fn, const cvar_model<Acc>& m) {
  cvar_solver<Acc> s(fn, m, nullptr, Acc(0));
  return s.solve();
}

/// min CVaR over W and mu'w >= target (target at most the largest return, checked first).
template <class Acc>
[[nodiscard]] cvar_solution<Acc> solve_cvar_at_return(std::string_view fn, const cvar_model<Acc>& m,
                                                      const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu, Acc target) {
  cvar_solver<Acc> s(fn, m, &mu, target);
  return s.solve();
}

/// efficient_cvar_risk's search: the largest t with phi(t) = min {CVaR(w): w in W, mu'w >= t}
/// <= kappa. phi is convex, piecewise linear and nondecreasing; D's target column is a
/// subgradient g of phi at t, and Newton's step t - (phi(t) - kappa) / g from the right of
/// the answer stays on its right (the tangent lies below phi) and lands on the answer's linear
/// piece after finitely many steps (each step leaves a piece for good), each a warm re-solve of
/// D with the target's cost changed.
template <class Acc>
[[nodiscard]] cvar_solution<Acc> solve_cvar_at_risk(std::string_view fn, const cvar_model<Acc>& m,
                                                    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu, Acc kappa,
                                                    Acc t_max) {
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  const Acc tol = 256 * eps * (1 + std::fabs(kappa));
  Acc t = t_max, phi_top = std::numeric_limits<Acc>::infinity();
  if (!std::isfinite(t_max)) {
    // Bracket from the minimum-CVaR portfolio's return by doubling steps.
    const cvar_solution<Acc> low = solve_min_cvar(fn, m);
    if (low.figures.cvar > kappa + tol)
      throw_unreachable(fn, "target_cvar", static_cast<double>(kappa), static_cast<double>(low.figures.cvar),
                        std::numeric_limits<double>::infinity(),
                        "the constraints: the least CVaR they allow, with no largest return");
    const Acc t0 = mu.dot(low.weights);
    Acc delta = std::max(Acc(1), std::fabs(t0));
    for (int k = 0;; ++k, delta *= 2) {
      if (k == 200) throw singular_problem(message(fn, "no return found whose least CVaR reaches target_cvar"));
      t = t0 + delta;
      if (solve_cvar_at_return(fn, m, mu, t).figures.cvar >= kappa) break;
    }
  }
  cvar_solver<Acc> s(fn, m, &mu, t);
  for (int step = 0; step < 200; ++step) {
    cvar_solution<Acc> sol = s.solve();
    const Acc phi = sol.figures.cvar;
    if (step == 0) phi_top = phi;
    if (phi <= kappa + tol) return sol;
    const Acc g = sol.target_slope;
    if (!(g > 0))  // phi is flat here: its least value, phi, is above the target
      throw_unreachable(fn, "target_cvar", static_cast<double>(kappa), static_cast<double>(phi),
                        static_cast<double>(phi_top),
                        "the constraints: the least CVaR they allow, and the CVaR of their largest return");
    const Acc next = t - (phi - kappa) / g;
    if (!(next < t)) {
      if (phi <= kappa + Acc(1e-10) * (1 + std::fabs(kappa))) return sol;  // rounding stops the steps
      break;
    }
    t = next;
    s.set_target(t);
  }
  throw singular_problem(message(fn, "Newton's method on the CVaR frontier did not reach target_cvar"));
}

// Instantiated once in keel::compiled (src/construction_cvar.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(cvar_solution<double> solve_min_cvar<double>(std::string_view, const cvar_model<double>&))
KEEL_EXTERN_TEMPLATE(cvar_solution<long double> solve_min_cvar<long double>(std::string_view,
                                                                            const cvar_model<long double>&))
KEEL_EXTERN_TEMPLATE(cvar_solution<double> solve_cvar_at_return<double>(std::string_view, const cvar_model<double>&,
                                                                        const Eigen::VectorXd&, double))
KEEL_EXTERN_TEMPLATE(cvar_solution<long double> solve_cvar_at_return<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    long double))
KEEL_EXTERN_TEMPLATE(cvar_solution<double> solve_cvar_at_risk<double>(std::string_view, const cvar_model<double>&,
                                                                      const Eigen::VectorXd&, double, double))
KEEL_EXTERN_TEMPLATE(cvar_solution<long double> solve_cvar_at_risk<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double,
    long double))

}  // namespace keel::detail
