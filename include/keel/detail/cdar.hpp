// SPDX-License-Identifier: MIT
// keel/detail/cdar.hpp: CDaR optimisation (Chekhlov, Uryasev and Zabarankin 2005) as a linear
// program solved exactly on detail/lp.hpp. Owned by keel/construction.hpp.
//
// Convention (PyPortfolioOpt's EfficientCDaR)
//   Scenarios r_t (t = 1..T, the rows of the returns panel, in time order), cumulative
//   UNcompounded portfolio returns c_t = sum_{s <= t} r_s'w with c_0 = 0 (the initial wealth
//   level), drawdowns d_t = max_{0 <= s <= t} c_s - c_t >= 0 (the running maximum starts at
//   0), tail share p = 1 - confidence, cap c = 1 / (p T). Then
//     CDaR(w) = min_alpha alpha + c sum_t max(d_t - alpha, 0),
//   the exact discrete CVaR of the T drawdowns (the mean of the floor(pT) largest plus the
//   fraction pT - floor(pT) of the next, over pT), and DaR(w) = the (floor(pT) + 1)-th
//   largest drawdown, where alpha is. As the confidence tends to 1 (pT < 1), CDaR is the
//   maximum drawdown of the uncompounded path.
//
// Formulation
//   PyPortfolioOpt's LP, with its running-maximum variables u_t (u_0 = 0):
//     P:  min  alpha + c sum_t z_t
//         s.t. u_t - u_{t-1} + r_t'w >= 0   (T rows: u_t >= u_{t-1} - r_t'w, drawdown recursion)
//              z_t - u_t + alpha >= 0       (T rows: z_t >= u_t - alpha)
//              u_t >= 0, z_t >= 0, alpha free, w in W.
//   Every feasible u has u_t >= d_t (by induction: d_t = max(0, d_{t-1} - r_t'w) is the
//   recursion's least solution), u = d is feasible, and the objective only grows with u, so
//   P's value is min over W of CDaR(w).
//   P has 2T + N + 1 columns and 2T + (rows of W) rows. Its dual has one row per column of
//   P, 2T + N + 1, so it is no smaller (unlike CVaR's, whose dual has N + 1 rows): P is solved
//   as it stands by detail/lp.hpp's dense revised simplex. The basis is (2T + k) x (2T + k):
//   a factor costs O(T^3) (every max(64, m / 2) pivots, about T), a pivot O(T^2),
//   and the simplex takes O(T) pivots, so a solve is O(T^3) time and O(T^2 + TN) memory,
//   about what T = 1,000 allows (see the README's measured times).
//   Phase 1 is skipped: crash_cdar builds a primal feasible first basis from a vertex of W
//   (phase 1 from 2T artificials took about 30 times as long at T = 500; it remains only the
//   fallback, and is tested on this LP in construction_test_cdar).
//   efficient_cdar_return adds the row mu'w >= target; efficient_cdar_risk is one LP, max
//   mu'w subject to alpha + c sum z <= target_cdar (PyPortfolioOpt's efficient_risk), started
//   from the least-CDaR LP's optimal basis, then, when that row does not bind, the least CDaR
//   at the return found.
//   The answer is verified independently of the simplex: w within W to 1e-9, CDaR(w)
//   recomputed from w's drawdown path by selection (cdar_of), and equal to P's objective to
//   1e-9 relative (or within target_cdar); the reported CDaR and DaR are the recomputed ones.
//
// References
//   A. Chekhlov, S. Uryasev and M. Zabarankin, "Drawdown measure in portfolio optimization",
//   Int. J. Theoretical and Applied Finance 8 (2005) 13-58. R. T. Rockafellar and S. Uryasev,
//   J. Risk 2 (2000) 21-41. R. A. Martin, "PyPortfolioOpt", J. Open Source Software 6 (2021)
//   3066 (EfficientCDaR).
// IWYU pragma: private, include <keel/construction.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/cvar.hpp>
#include <keel/detail/lp.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The CDaR and DaR of w's drawdown path (the model's panel in time order; see the file comment).
template <class Acc>
struct cdar_figures {
  Acc cdar = 0;
  Acc dar = 0;
};

template <class Acc>
[[nodiscard]] cdar_figures<Acc> cdar_of(const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  const Eigen::Index t = m.rt.cols();
  const Eigen::Matrix<Acc, Eigen::Dynamic, 1> r = m.rt.transpose() * w;
  std::vector<Acc> d(static_cast<std::size_t>(t));
  Acc c = 0, peak = 0;
  for (Eigen::Index i = 0; i < t; ++i) {
    c += r(i);
    peak = std::max(peak, c);
    d[static_cast<std::size_t>(i)] = peak - c;
  }
  const std::vector<Acc> drawdowns = d;
  const auto k = std::min<Eigen::Index>(static_cast<Eigen::Index>(std::floor(m.tail)), t - 1);
  std::nth_element(d.begin(), d.begin() + k, d.end(), std::greater<Acc>());
  const Acc alpha = d[static_cast<std::size_t>(k)];
  Acc excess = 0;
  for (const Acc x : drawdowns) excess += std::max(Acc(0), x - alpha);
  return {alpha + m.cap * excess, alpha};
}

/// What P optimises: the least CDaR (with mu'w >= target when mu is given), or the largest
/// mu'w with CDaR <= target (risk form).
enum class cdar_goal : unsigned char { least_cdar, largest_return };

/// P of the file comment. Columns: w (N), alpha, u (T), z (T); rows: the T recursion rows,
/// the T tail rows, W's rows, then the target row (mu'w >= target or the CDaR row <= target).
template <class Acc>
[[nodiscard]] lp_problem<Acc> make_cdar_lp(const cvar_model<Acc>& m, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>* mu,
                                           Acc target, cdar_goal goal) {
  constexpr Acc inf = std::numeric_limits<Acc>::infinity();
  const Eigen::Index n = m.rt.rows(), t = m.rt.cols(), k = m.w.qp.a.rows(), alpha = n, u0 = n + 1, z0 = n + 1 + t;
  const Eigen::Index rows = 2 * t + k + (mu != nullptr ? 1 : 0), cols = n + 1 + 2 * t;
  lp_problem<Acc> p;
  p.a.setZero(rows, cols);
  p.row_lower.setZero(rows);
  p.row_upper.setConstant(rows, inf);
  p.lower.setZero(cols);
  p.upper.setConstant(cols, inf);
  p.lower.head(n) = m.w.qp.lower;
  p.upper.head(n) = m.w.qp.upper;
  p.lower(alpha) = -inf;
  p.cost.setZero(cols);
  Eigen::Matrix<Acc, 1, Eigen::Dynamic> risk = Eigen::Matrix<Acc, 1, Eigen::Dynamic>::Zero(cols);
  risk(alpha) = 1;
  risk.tail(t).setConstant(m.cap);
  for (Eigen::Index i = 0; i < t; ++i) {
    p.a.row(i).head(n) = m.rt.col(i).transpose();
    p.a(i, u0 + i) = 1;
    if (i > 0) p.a(i, u0 + i - 1) = -1;
    p.a(t + i, z0 + i) = 1;
    p.a(t + i, u0 + i) = -1;
    p.a(t + i, alpha) = 1;
  }
  p.row_names.resize(static_cast<std::size_t>(rows));
  for (Eigen::Index i = 0; i < k; ++i) {
    p.a.row(2 * t + i).head(n) = m.w.qp.a.row(i);
    p.row_lower(2 * t + i) = m.w.qp.row_lower(i);
    p.row_upper(2 * t + i) = m.w.qp.row_upper(i);
    p.row_names[static_cast<std::size_t>(2 * t + i)] = m.w.qp.row_names[static_cast<std::size_t>(i)];
  }
  if (goal == cdar_goal::least_cdar) {
    p.cost = risk.transpose();
    if (mu != nullptr) {
      p.a.row(rows - 1).head(n) = mu->transpose();
      p.row_lower(rows - 1) = target;
      p.row_names.back() = "the return target";
    }
  } else {
    p.cost.head(n) = -*mu;
    p.a.row(rows - 1) = risk;
    p.row_lower(rows - 1) = -inf;
    p.row_upper(rows - 1) = target;
    p.row_names.back() = "the CDaR target";
  }
  return p;
}

/// A primal feasible first basis of P (so that phase 1, slow on P's 2T chained rows, is
/// skipped): a vertex w0 of W (and of mu'w >= target) from a small LP over the weights alone,
/// whose basis is kept; alpha = 0 (nonbasic, free); per period, u_t basic at the drawdown
/// recursion's value u_{t-1} - r_t'w0 when that is >= 0 (the recursion row tight), else u_t = 0
/// and the recursion row's slack basic; z_t = u_t basic (the tail row tight). The 2T rows then
/// have a triangular basis. In the risk form the CDaR row's slack is basic, and start_from
/// falls back to phase 1 when CDaR(w0) is above the target (or the basis is singular).
template <class Acc>
void crash_cdar(std::string_view fn, const cvar_model<Acc>& m, const lp_problem<Acc>& p, cdar_goal goal,
                lp_simplex<Acc>& s) {
  const Eigen::Index n = m.rt.rows(), t = m.rt.cols(), rows = p.a.rows(), cols = p.a.cols(), u0 = n + 1, z0 = n + 1 + t;
  // The rows over the weights alone: all after the 2T, less the CDaR row of the risk form.
  const Eigen::Index k = rows - 2 * t - (goal == cdar_goal::largest_return ? 1 : 0);
  lp_problem<Acc> f;
  f.cost.setZero(n);
  f.a = p.a.block(2 * t, 0, k, n);
  f.row_lower = p.row_lower.segment(2 * t, k);
  f.row_upper = p.row_upper.segment(2 * t, k);
  f.lower = p.lower.head(n);
  f.upper = p.upper.head(n);
  lp_simplex<Acc> fs(fn, std::move(f));
  if (fs.solve() != lp_status::optimal) return;
  std::vector<Eigen::Index> basis;
  std::vector<bool> upper(static_cast<std::size_t>(cols + rows), false);
  const auto slack = [&](Eigen::Index row) { return cols + row; };
  for (const Eigen::Index j : fs.basis()) {
    if (j >= n + k) return;  // an artificial left in the basis (degenerate): use phase 1
    basis.push_back(j < n ? j : slack(2 * t + (j - n)));
  }
  for (Eigen::Index j = 0; j < n; ++j) upper[static_cast<std::size_t>(j)] = fs.at_upper_bound(j);
  for (Eigen::Index i = 0; i < k; ++i) upper[static_cast<std::size_t>(slack(2 * t + i))] = fs.at_upper_bound(n + i);
  if (goal == cdar_goal::largest_return) basis.push_back(slack(rows - 1));
  const Eigen::Matrix<Acc, Eigen::Dynamic, 1> r = m.rt.transpose() * fs.x();
  Acc u = 0;
  for (Eigen::Index i = 0; i < t; ++i) {
    const Acc next = u - r(i);
    if (next >= 0) {
      basis.push_back(u0 + i);
      u = next;
    } else {
      basis.push_back(slack(i));
      u = 0;
    }
    basis.push_back(z0 + i);
  }
  (void)s.start_from(basis, upper);
}

/// A solution of P: weights, their figures (recomputed from the drawdown path), P's value.
template <class Acc>
struct cdar_solution {
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> weights;
  cdar_figures<Acc> figures;
  Acc objective = 0;
  std::ptrdiff_t iterations = 0;
};

/// Reads and verifies P's solution (see the file comment) from a solver that ended optimal.
template <class Acc>
void read_cdar_solution(std::string_view fn, const cvar_model<Acc>& m, const lp_simplex<Acc>& s, cdar_goal goal,
                        Acc target, cdar_solution<Acc>& out) {
  const Eigen::Index n = m.rt.rows();
  out.weights = s.x().head(n);
  // Basic weights at a bound carry the rounding of B^-1: snap them (within 64 eps of the
  // bound's size), so that a long-only weight is never -1e-17.
  for (Eigen::Index j = 0; j < n; ++j)
    for (const Acc b : {m.w.qp.lower(j), m.w.qp.upper(j)})
      if (std::isfinite(b) &&
          std::fabs(out.weights(j) - b) <= 64 * std::numeric_limits<Acc>::epsilon() * (1 + std::fabs(b)))
        out.weights(j) = b;
  out.figures = cdar_of(m, out.weights);
  out.objective = s.objective();
  out.iterations = s.iterations();
  require_within(fn, m, out.weights);
  if (goal == cdar_goal::least_cdar) {
    const Acc scale = 1 + std::fabs(out.figures.cdar);
    if (!(std::fabs(out.figures.cdar - out.objective) <= Acc(1e-9) * scale))
      throw singular_problem(message(fn, "the simplex method stopped with the CDaR of its weights " +
                                             number_text(static_cast<double>(out.figures.cdar - out.objective)) +
                                             " from its objective (the returns are badly scaled)"));
  } else if (!(out.figures.cdar <= target + Acc(1e-9) * (1 + std::fabs(target)))) {
    throw singular_problem(message(fn, "the simplex method lost the CDaR target to rounding (CDaR " +
                                           number_text(static_cast<double>(out.figures.cdar)) + ")"));
  }
}

/// min CDaR over W (and mu'w >= target when mu is given; W checked non-empty first, and the
/// target at most the largest return): P is then feasible and bounded (CDaR >= 0).
template <class Acc>
[[nodiscard]] cdar_solution<Acc> solve_min_cdar(std::string_view fn, const cvar_model<Acc>& m,
                                                const Eigen::Matrix<Acc, Eigen::Dynamic, 1>* mu, Acc target) {
  const lp_problem<Acc> p = make_cdar_lp(m, mu, target, cdar_goal::least_cdar);
  lp_simplex<Acc> s(fn, p);
  crash_cdar(fn, m, p, cdar_goal::least_cdar, s);
  if (s.solve() != lp_status::optimal)
    throw singular_problem(message(fn,
                                   "the simplex method could not solve a feasible, bounded CDaR problem "
                                   "(the returns or the constraints are badly scaled)"));
  cdar_solution<Acc> out;
  read_cdar_solution(fn, m, s, cdar_goal::least_cdar, target, out);
  return out;
}

/// max mu'w over W with CDaR(w) <= kappa (W checked non-empty first). The least CDaR is
/// solved first: below it kappa is unreachable (infeasible, naming the range); otherwise its
/// optimal basis, with the CDaR row's slack added, is a primal feasible first basis of the
/// risk form (no phase 1). When the CDaR row does not bind at the answer, the least CDaR at
/// the return found (the least-CDaR largest-return portfolio) is returned. singular_problem
/// when the return is unbounded.
template <class Acc>
[[nodiscard]] cdar_solution<Acc> solve_cdar_at_risk(std::string_view fn, const cvar_model<Acc>& m,
                                                    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu, Acc kappa,
                                                    Acc t_max) {
  const lp_problem<Acc> p0 = make_cdar_lp<Acc>(m, nullptr, Acc(0), cdar_goal::least_cdar);
  lp_simplex<Acc> s0(fn, p0);
  crash_cdar(fn, m, p0, cdar_goal::least_cdar, s0);
  if (s0.solve() != lp_status::optimal)
    throw singular_problem(message(fn,
                                   "the simplex method could not solve a feasible, bounded CDaR problem "
                                   "(the returns or the constraints are badly scaled)"));
  cdar_solution<Acc> low;
  read_cdar_solution(fn, m, s0, cdar_goal::least_cdar, Acc(0), low);
  const Acc tol = Acc(1e-12) * (1 + std::fabs(low.figures.cdar));
  if (kappa < low.figures.cdar - tol) {
    const Acc high =
        std::isfinite(t_max) ? solve_min_cdar(fn, m, &mu, t_max).figures.cdar : std::numeric_limits<Acc>::infinity();
    throw_unreachable(fn, "target_cdar", static_cast<double>(kappa), static_cast<double>(low.figures.cdar),
                      static_cast<double>(high),
                      "the constraints: the least CDaR they allow, and the CDaR of their largest return");
  }
  // kappa within rounding below the least CDaR is that CDaR.
  const lp_problem<Acc> p = make_cdar_lp(m, &mu, std::max(kappa, low.objective), cdar_goal::largest_return);
  lp_simplex<Acc> s(fn, p);
  const Eigen::Index cols = p.a.cols(), rows0 = p0.a.rows();
  std::vector<Eigen::Index> basis;
  std::vector<bool> upper(static_cast<std::size_t>(cols + rows0 + 1), false);
  bool warm = true;
  for (const Eigen::Index j : s0.basis()) {
    warm = warm && j < cols + rows0;  // no artificial left in the basis
    basis.push_back(j);
  }
  for (Eigen::Index j = 0; j < cols + rows0; ++j) upper[static_cast<std::size_t>(j)] = s0.at_upper_bound(j);
  basis.push_back(cols + rows0);  // the CDaR row's slack
  if (!(warm && s.start_from(basis, upper))) crash_cdar(fn, m, p, cdar_goal::largest_return, s);
  const lp_status st = s.solve();
  if (st == lp_status::unbounded)
    throw singular_problem(message(fn,
                                   "the return is unbounded at target_cdar: some allowed direction of the "
                                   "weights gains without deepening any drawdown; bound the weights"));
  if (st != lp_status::optimal)
    throw singular_problem(message(fn,
                                   "the simplex method could not solve a feasible CDaR problem "
                                   "(the returns or the constraints are badly scaled)"));
  cdar_solution<Acc> out;
  read_cdar_solution(fn, m, s, cdar_goal::largest_return, p.row_upper(p.a.rows() - 1), out);
  const Acc r = mu.dot(out.weights);
  if (out.figures.cdar < kappa - Acc(1e-9) * (1 + std::fabs(kappa))) {
    // The CDaR row is slack: r is the largest return; among its portfolios take the least CDaR.
    cdar_solution<Acc> least = solve_min_cdar(fn, m, &mu, std::min(r, t_max));
    if (least.figures.cdar <= out.figures.cdar) return least;
  }
  return out;
}

// Instantiated once in keel::compiled (src/construction_cvar.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(cdar_solution<double> solve_min_cdar<double>(std::string_view, const cvar_model<double>&,
                                                                  const Eigen::VectorXd*, double))
KEEL_EXTERN_TEMPLATE(cdar_solution<long double> solve_min_cdar<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>*,
    long double))
KEEL_EXTERN_TEMPLATE(cdar_solution<double> solve_cdar_at_risk<double>(std::string_view, const cvar_model<double>&,
                                                                      const Eigen::VectorXd&, double, double))
KEEL_EXTERN_TEMPLATE(cdar_solution<long double> solve_cdar_at_risk<long double>(
    std::string_view, const cvar_model<long double>&, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double,
    long double))

}  // namespace keel::detail
