// SPDX-License-Identifier: MIT
// keel/construction.hpp: portfolio construction beyond mean-variance.
//
// Synopsis
//   risk_budgeting_options{budgets}   the risk budgets b (empty: equal risk contribution)
//   risk_budgeting(cov, risk_budgeting_options{})   -> portfolio<Real>
//                                     the long-only, fully invested portfolio whose relative
//                                     risk contributions w_i (Sigma w)_i / w'Sigma w equal b
//   cvar_options{confidence, constraints}    the CVaR level (0.95) and portfolio_constraints
//   cvar_result<Real>{portfolio, cvar, var}  the optimum and its tail figures
//   min_cvar(returns, cvar_options{})        least CVaR over the scenarios of a T x N panel
//   efficient_cvar_return(mu, returns, target_return, cvar_options{})
//                                            least CVaR with mu'w >= target_return
//   efficient_cvar_risk(mu, returns, target_cvar, cvar_options{})
//                                            largest mu'w with CVaR <= target_cvar
//   cdar_options{confidence, constraints}    the CDaR level (0.95) and portfolio_constraints
//   cdar_result<Real>{portfolio, cdar, dar}  the optimum and its drawdown figures
//   min_cdar(returns, cdar_options{})        least CDaR over the drawdown path of a T x N panel
//   efficient_cdar_return(mu, returns, target_return, cdar_options{})
//                                            least CDaR with mu'w >= target_return
//   efficient_cdar_risk(mu, returns, target_cdar, cdar_options{})
//                                            largest mu'w with CDaR <= target_cdar
//
// Conventions
//   - cov (N x N) is an Eigen matrix expression, positive definite; it is read in its own
//     units (annualised or not: the weights do not depend on its scale).
//   - Budgets are shares of risk: non-negative, at least one positive; they are normalised to
//     sum to 1. A zero budget gives a zero weight (the asset is left out of the solve, but
//     cov as a whole must still be positive definite).
//   - The result is keel's portfolio: weights summing to 1, expected_return 0 (no mu is given;
//     see portfolio_performance), volatility sqrt(w'Sigma w), sharpe 0.
//   - Not yet: per-asset bounds and group limits (issue 19's constrained risk budgeting); the
//     options have no constraints field until they are solved.
//   - float inputs are computed in double and rounded once; long double stays long double.
//   - CVaR optimisation (Rockafellar and Uryasev 2000; PyPortfolioOpt's EfficientCVaR, beta =
//     confidence): returns are per-period simple returns, one scenario per row, equally likely;
//     losses are -r_t'w; CVaR = min_zeta zeta + sum_t max(-r_t'w - zeta, 0) / ((1 - a) T), the
//     exact discrete CVaR (the floor((1 - a) T) worst losses and a fraction (1 - a) T -
//     floor((1 - a) T) of the next, over (1 - a) T). It equals var.hpp's historical_cvar of the
//     portfolio's returns whenever (1 - a) T is a whole number (historical_cvar averages the
//     floor((T - 1)(1 - a)) + 1 worst, empyrical's rule; otherwise the two differ by the
//     boundary scenario's weight). Solved exactly: a simplex method on the LP's dual
//     (detail/cvar.hpp, detail/lp.hpp), verified by strong duality; no solver tolerance shows
//     in the answer. mu is in any units (annual, as PyPortfolioOpt's); it only ranks returns.
//   - CDaR optimisation (Chekhlov, Uryasev and Zabarankin 2005; PyPortfolioOpt's
//     EfficientCDaR, beta = confidence): the rows of returns are periods in time order;
//     cumulative UNcompounded returns c_t = sum_{s<=t} r_s'w from c_0 = 0, drawdowns d_t =
//     max_{0<=s<=t} c_s - c_t (the running maximum starts at 0, the initial wealth level);
//     CDaR = min_alpha alpha + sum_t max(d_t - alpha, 0) / ((1 - a) T), the exact discrete
//     CVaR of the T drawdowns (the maximum drawdown when (1 - a) T < 1); DaR the alpha there.
//     Solved exactly: PyPortfolioOpt's LP (2T rows) by the simplex method (detail/cdar.hpp),
//     verified against the CDaR recomputed from the weights' drawdown path.
//
// References
//   F. Spinu, "An algorithm for computing risk parity weights", SSRN 2297383 (2013).
//   S. Maillard, T. Roncalli and J. Teiletche, "The properties of equally weighted risk
//   contribution portfolios", J. Portfolio Management 36 (2010) 60-70.
//   T. Roncalli, Introduction to Risk Parity and Budgeting, Chapman & Hall (2013), ch. 2.
//   S. Boyd and L. Vandenberghe, Convex Optimization (2004), sec. 9.5 (Newton's method).
//   F. Griveau-Billion, J.-C. Richard and T. Roncalli, "A fast algorithm for computing high-
//   dimensional risk parity portfolios", SSRN 2325255 (2013) (cyclical coordinate descent).
//   R. T. Rockafellar and S. Uryasev, "Optimization of conditional value-at-risk", J. Risk 2
//   (2000) 21-41. C. Acerbi and D. Tasche, "On the coherence of expected shortfall", J. Banking
//   Finance 26 (2002) 1487-1503. P. Krokhmal, J. Palmquist and S. Uryasev, J. Risk 4 (2002)
//   (mean-CVaR frontiers). G. B. Dantzig, Linear Programming and Extensions (1963).
//   A. Chekhlov, S. Uryasev and M. Zabarankin, "Drawdown measure in portfolio optimization",
//   Int. J. Theoretical and Applied Finance 8 (2005) 13-58 (CDaR).
/// \file
/// Portfolio construction: risk budgeting (equal risk contribution), CVaR and CDaR optimisation.
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

#include <keel/detail/cdar.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/cvar.hpp>
#include <keel/detail/lp.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>

namespace keel {

/// Options of risk_budgeting.
struct risk_budgeting_options {
  /// The risk budget of each asset (N values, >= 0, at least one > 0; normalised to sum to 1).
  /// Empty: equal risk contribution, b_i = 1 / N.
  std::vector<double> budgets{};
};

namespace detail {

/// Checks the budgets against N assets and returns them normalised to sum to 1 (1 / N each
/// when none are given).
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> normalised_budgets(std::string_view fn,
                                                                       const std::vector<double>& budgets,
                                                                       Eigen::Index n) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  if (budgets.empty()) return vector::Constant(n, Acc(1) / static_cast<Acc>(n));
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
  vector b(n);
  for (Eigen::Index i = 0; i < n; ++i) b(i) = static_cast<Acc>(budgets[static_cast<std::size_t>(i)] / sum);
  return b;
}

/// D q D for a diagonal D = diag(d), coefficient by coefficient.
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> scaled_both_sides(
    const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& d) {
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> out(q.rows(), q.cols());
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    for (Eigen::Index i = 0; i < q.rows(); ++i) out(i, j) = d(i) * q(i, j) * d(j);
  return out;
}

/// Throws singular_problem unless q is positive definite, naming q's smallest eigenvalue; the
/// test is on the correlation form D^-1/2 q D^-1/2 (D = diag q), which must have a Cholesky
/// factor whose smallest pivot is above rounding, so that assets of very different variances
/// are judged alike. Returns D^-1/2 (the scale of the correlation form).
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> require_positive_definite(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q) {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  if ((q.diagonal().array() > 0).all()) {
    const Eigen::Matrix<Acc, Eigen::Dynamic, 1> scale = q.diagonal().cwiseSqrt().cwiseInverse();
    const Eigen::LLT<matrix> llt(scaled_both_sides(q, scale));
    if (llt.info() == Eigen::Success && llt.matrixLLT().diagonal().cwiseAbs2().minCoeff() >
                                            64 * static_cast<Acc>(q.rows()) * std::numeric_limits<Acc>::epsilon())
      return scale;
  }
  const Eigen::SelfAdjointEigenSolver<matrix> eig(q, Eigen::EigenvaluesOnly);
  throw singular_problem(message(fn, "cov is not positive definite: its smallest eigenvalue is " +
                                         number_text(static_cast<double>(eig.eigenvalues().minCoeff())) +
                                         "; estimate it with ledoit_wolf, or repair it"));
}

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
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> solve_risk_budgeting(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& s,
    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  constexpr Acc tolerance = Acc(1e-12);
  constexpr int max_iterations = 200;
  const Eigen::Index n = s.rows();
  // Start on the ellipsoid x'Sx = 1 = sum b, where the solution lies.
  vector x = b / std::sqrt(b.dot(s * b));
  vector sx = s * x, g(n), dx(n), trial(n);
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
    if (error <= rounding) return x;
    for (Eigen::Index i = 0; i < n; ++i) {
      const Acc c = sx(i) - s(i, i) * x(i);
      const Acc xi = 2 * b(i) / (c + std::sqrt(c * c + 4 * s(i, i) * b(i)));  // the root, without cancellation
      sx += s.col(i) * (xi - x(i));
      x(i) = xi;
    }
  }
  matrix h(n, n);
  Eigen::LLT<matrix> llt(n);
  const auto objective = [&](const vector& y) { return y.dot(s * y) / 2 - b.dot(y.array().log().matrix()); };
  bool polished = false;
  vector best = x;  // the iterate of least contribution error, and that error
  Acc best_error = std::numeric_limits<Acc>::infinity();
  int stalls = 0;  // full steps at rounding level that did not improve on best
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    sx.noalias() = s * x;
    error = contribution_error();
    if (error <= rounding || (error <= tolerance && polished)) return x;
    if (error <= tolerance) polished = true;  // one more (full, quadratic) step takes x to rounding level
    const bool improved = error < best_error;
    if (improved) {
      best_error = error;
      best = x;
    } else if (stalls >= 3) {
      return best;  // rounding, not the method, limits the accuracy (cov is ill-conditioned)
    }
    g = sx - b.cwiseQuotient(x);
    h = s;
    h.diagonal() += b.cwiseQuotient(x.cwiseAbs2());
    llt.compute(h);
    if (llt.info() != Eigen::Success) break;
    dx = -llt.solve(g);
    const Acc decrement = -g.dot(dx);  // lambda^2 = g'H^-1 g
    if (!(decrement > 0) || !std::isfinite(decrement)) break;
    if (decrement <= 1e4 * static_cast<Acc>(n) * eps * eps) return x;  // at rounding level
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

}  // namespace detail

/// The risk-budgeting portfolio: long-only, fully invested weights whose relative risk
/// contributions equal the budgets, w_i (Sigma w)_i / w'Sigma w = b_i (equal risk
/// contribution when options.budgets is empty). Solved as Spinu's strictly convex problem
/// \f[ x^* = \arg\min_{x > 0} \tfrac12 x'\Sigma x - \textstyle\sum_i b_i \log x_i,\quad w = x^* / 1'x^* \f]
/// by cyclical coordinate descent finished by Newton's method with a backtracking line
/// search, to contributions within 1e-12 of the budgets (at rounding level when cov is well
/// conditioned; within about cond(cov) x 1e-16 when that is larger). It is solved on the
/// correlation form D^-1/2 cov D^-1/2 (D = diag cov) and scaled back. A zero budget gives a
/// zero weight; the other assets solve the sub-problem.
/// \pre cov square, finite, symmetric; budgets empty or N values, finite, >= 0, with a
///      positive sum; else invalid_input naming the index and value.
/// \throws singular_problem when cov is not positive definite (naming its smallest eigenvalue)
///         or Newton's method does not converge.
/// \returns portfolio{weights, expected_return 0, volatility sqrt(w'Sigma w), sharpe 0}.
/// Ref: Spinu (2013); Griveau-Billion, Richard and Roncalli (2013); Maillard, Roncalli and
/// Teiletche (2010).
template <class DCov>
  requires std::floating_point<typename DCov::Scalar>
[[nodiscard]] portfolio<typename DCov::Scalar> risk_budgeting(const Eigen::MatrixBase<DCov>& cov,
                                                              const risk_budgeting_options& options = {}) {
  using real = typename DCov::Scalar;
  using acc = detail::accum_t<real>;
  using vector = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  constexpr std::string_view fn = "risk_budgeting";
  Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> q;
  detail::load_covariance(fn, cov, q);
  const Eigen::Index n = q.rows();
  const vector b = detail::normalised_budgets<acc>(fn, options.budgets, n);
  // The weights of D S D are D^-1 times those of S (D diagonal, positive): solve on the
  // correlation form, better conditioned, and scale back.
  const vector scale = detail::require_positive_definite(fn, q);
  const Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> c = detail::scaled_both_sides(q, scale);
  std::vector<Eigen::Index> held;
  for (Eigen::Index i = 0; i < n; ++i)
    if (b(i) > 0) held.push_back(i);
  vector w = vector::Zero(n);
  if (static_cast<Eigen::Index>(held.size()) == n) {
    w = detail::solve_risk_budgeting(fn, c, b).cwiseProduct(scale);
  } else {
    const Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> sub = c(held, held);
    const vector x = detail::solve_risk_budgeting(fn, sub, vector(b(held)));
    w(held) = x.cwiseProduct(vector(scale(held)));
  }
  w /= w.sum();
  const acc variance = w.dot(q * w);
  return detail::make_portfolio<real>(fn, w, acc(0), variance, acc(0));
}

// ---- CVaR optimisation ----

/// Options of min_cvar, efficient_cvar_return and efficient_cvar_risk, in the order.
struct cvar_options {
  /// The CVaR's confidence level a in (0, 1): the tail is the worst share 1 - a of the
  /// scenarios (PyPortfolioOpt's beta, 0.95 by default).
  double confidence = 0.95;
  /// Bounds (long-only by default), budget (fully invested, market_neutral or none), group
  /// limits and linear constraints, as markowitz.hpp's.
  portfolio_constraints constraints{};
};

/// A CVaR-optimal portfolio and its tail figures (losses positive, per period of the returns).
template <class Real = double>
struct cvar_result {
  /// weights; expected_return mu'w (0 for min_cvar, which has no mu); volatility the sample
  /// standard deviation (n - 1) of the portfolio's scenario returns R w, per period; sharpe 0
  /// (mu and the scenarios need not share units: see portfolio_performance).
  ::keel::portfolio<Real> portfolio;
  /// CVaR of the scenario losses -R w at the confidence: the optimised objective, which is
  /// historical_cvar of R w whenever (1 - a) T is a whole number (see the header comment).
  Real cvar{};
  /// VaR of the scenario losses: the smallest zeta with a share >= a of the losses <= zeta
  /// (the (floor((1 - a) T) + 1)-th largest loss), where Rockafellar and Uryasev's zeta is.
  Real var{};
};

namespace detail {

/// The result from a checked solution: figures rounded once to Real.
template <class Real, class Acc>
[[nodiscard]] cvar_result<Real> make_cvar_result(std::string_view fn, const cvar_model<Acc>& m,
                                                 const cvar_solution<Acc>& s, Acc expected_return) {
  const Eigen::Matrix<Acc, Eigen::Dynamic, 1> r = m.rt.transpose() * s.weights;
  const Acc mean = r.mean();
  const Acc variance = (r.array() - mean).square().sum() / static_cast<Acc>(r.size() - 1);
  cvar_result<Real> out;
  out.portfolio = make_portfolio<Real>(fn, s.weights, expected_return, variance, expected_return);
  out.portfolio.sharpe = 0;
  out.cvar = rounded<Real>(fn, "cvar", s.figures.cvar);
  out.var = rounded<Real>(fn, "var", s.figures.var);
  return out;
}

/// Checks W's feasibility (naming a conflict) with the phase 1 of a zero-cost LP.
template <class Acc>
void require_feasible_constraints(std::string_view fn, const cvar_model<Acc>& m) {
  const lp_problem<Acc> p =
      w_problem(m, Eigen::Matrix<Acc, Eigen::Dynamic, 1>(Eigen::Matrix<Acc, Eigen::Dynamic, 1>::Zero(m.rt.rows())));
  lp_simplex<Acc> s(fn, p);
  if (s.solve() == lp_status::infeasible) throw_conflict(fn, s);
}

/// mu as an Acc vector of N values, checked.
template <class Acc, class M>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> cvar_mu(std::string_view fn, const M& mu, Eigen::Index n) {
  require_same_size(fn, "mu", ssize(mu), "the columns of returns", n);
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> out = vector_of<Acc>(mu);
  require_finite(fn, "mu", out);
  require_scale(fn, "mu", out, 1e-150, 1e150);
  return out;
}

}  // namespace detail

/// The minimum-CVaR portfolio over the historical (or simulated) scenarios of a returns panel:
/// \f[ \min_{w \in W,\ \zeta} \ \zeta + \frac{1}{(1-a)T} \sum_t \max(-r_t'w - \zeta, 0) \f]
/// (Rockafellar and Uryasev's LP; a = options.confidence, W = options.constraints), solved
/// exactly by the simplex method on its dual (detail/cvar.hpp), as PyPortfolioOpt's
/// EfficientCVaR.min_cvar (beta = a, returns per period).
/// \pre returns T x N, T >= 2, finite (invalid_input naming the cell; insufficient_data);
///      0 < confidence < 1; constraints sized to N (invalid_input).
/// \throws infeasible when the constraints cannot all hold (naming a conflicting set);
///         singular_problem when the CVaR is unbounded below (unbounded weights and a
///         direction that gains in every scenario).
/// \returns cvar_result{portfolio{weights, 0, volatility, 0}, cvar, var}.
/// Ref: Rockafellar and Uryasev (2000); Acerbi and Tasche (2002).
template <class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cvar_result<typename Derived::Scalar> min_cvar(const Eigen::MatrixBase<Derived>& returns,
                                                             const cvar_options& options = {}) {
  using real = typename Derived::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "min_cvar";
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  detail::require_feasible_constraints(fn, m);
  return detail::make_cvar_result<real>(fn, m, detail::solve_min_cvar(fn, m), acc(0));
}

/// The minimum-CVaR portfolio earning at least a target: min CVaR(w) subject to mu'w >=
/// target_return and w in W (PyPortfolioOpt's EfficientCVaR.efficient_return); a target at or
/// below the minimum-CVaR portfolio's return gives that portfolio.
/// \pre mu (N values, any Series) and target_return finite; returns and options as min_cvar.
///      A target within rounding (16 N eps relative) of the largest return is that return.
/// \throws infeasible when target_return is above the largest return the constraints allow
///         (the message gives the attainable range); as min_cvar.
/// \returns cvar_result{portfolio{weights, mu'w, volatility, 0}, cvar, var}.
/// Ref: Rockafellar and Uryasev (2000); Krokhmal, Palmquist and Uryasev, J. Risk 4 (2002).
template <Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cvar_result<detail::result_t<typename Derived::Scalar, detail::value_t<M>>> efficient_cvar_return(
    const M& mu, const Eigen::MatrixBase<Derived>& returns, double target_return, const cvar_options& options = {}) {
  using real = detail::result_t<typename Derived::Scalar, detail::value_t<M>>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_cvar_return";
  detail::require_rate(fn, "target_return", target_return);
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  const auto mu_acc = detail::cvar_mu<acc>(fn, mu, m.rt.rows());
  const acc t_max = detail::largest_return(fn, m, mu_acc);
  acc target = static_cast<acc>(target_return);
  const acc slack = 16 * static_cast<acc>(m.rt.rows()) * std::numeric_limits<acc>::epsilon() *
                    (std::fabs(t_max) + mu_acc.cwiseAbs().maxCoeff());
  if (target > t_max) {
    if (!(target <= t_max + slack)) {
      const acc t_low = mu_acc.dot(detail::solve_min_cvar(fn, m).weights);
      detail::throw_unreachable(fn, "target_return", target_return, static_cast<double>(std::min(t_low, t_max)),
                                static_cast<double>(t_max),
                                "the constraints: from the minimum-CVaR portfolio's return to the largest they "
                                "allow; a lower target gives the minimum-CVaR portfolio");
    }
    target = t_max;
  }
  const auto sol = detail::solve_cvar_at_return(fn, m, mu_acc, target);
  const acc r = mu_acc.dot(sol.weights);
  if (!(r >= target - acc(1e-9) * (1 + std::fabs(target))))
    throw singular_problem(detail::message(fn, "the simplex method lost the return target to rounding"));
  return detail::make_cvar_result<real>(fn, m, sol, r);
}

/// The largest expected return at a CVaR: max mu'w subject to CVaR(w) <= target_cvar and w in
/// W (PyPortfolioOpt's EfficientCVaR.efficient_risk), exactly: the mean-CVaR frontier is
/// piecewise linear, and Newton's method on it lands on the target's piece in finitely many
/// warm-started LPs (detail::solve_cvar_at_risk). A target at or above the CVaR of the
/// largest-return portfolio gives that portfolio (the least CVaR among the largest returns).
/// \pre target_cvar finite; mu, returns and options as efficient_cvar_return.
/// \throws infeasible when target_cvar is below the least CVaR the constraints allow (the
///         message gives the range); as min_cvar.
/// \returns cvar_result{portfolio{weights, mu'w, volatility, 0}, cvar (<= target_cvar), var}.
/// Ref: Rockafellar and Uryasev (2000); Krokhmal, Palmquist and Uryasev (2002).
template <Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cvar_result<detail::result_t<typename Derived::Scalar, detail::value_t<M>>> efficient_cvar_risk(
    const M& mu, const Eigen::MatrixBase<Derived>& returns, double target_cvar, const cvar_options& options = {}) {
  using real = detail::result_t<typename Derived::Scalar, detail::value_t<M>>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_cvar_risk";
  detail::require_rate(fn, "target_cvar", target_cvar);
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  const auto mu_acc = detail::cvar_mu<acc>(fn, mu, m.rt.rows());
  const acc t_max = detail::largest_return(fn, m, mu_acc);
  const auto sol = detail::solve_cvar_at_risk(fn, m, mu_acc, static_cast<acc>(target_cvar), t_max);
  return detail::make_cvar_result<real>(fn, m, sol, mu_acc.dot(sol.weights));
}

// ---- CDaR optimisation ----

/// Options of min_cdar, efficient_cdar_return and efficient_cdar_risk, in the order
/// (cvar_options' fields, with the drawdowns in place of the losses).
struct cdar_options {
  /// The CDaR's confidence level a in (0, 1): the tail is the deepest share 1 - a of the T
  /// drawdowns (PyPortfolioOpt's beta, 0.95 by default).
  double confidence = 0.95;
  /// Bounds (long-only by default), budget (fully invested, market_neutral or none), group
  /// limits and linear constraints, as markowitz.hpp's.
  portfolio_constraints constraints{};
};

/// A CDaR-optimal portfolio and its drawdown figures (drawdowns positive, in the units of the
/// returns' cumulative sum), the shape of cvar_result.
template <class Real = double>
struct cdar_result {
  /// weights; expected_return mu'w (0 for min_cdar, which has no mu); volatility the sample
  /// standard deviation (n - 1) of the portfolio's scenario returns R w, per period; sharpe 0.
  ::keel::portfolio<Real> portfolio;
  /// CDaR at the confidence of the weights' drawdown path (the optimised objective, recomputed
  /// from the path): the exact discrete CVaR of the T drawdowns.
  Real cdar{};
  /// DaR, drawdown at risk: the (floor((1 - a) T) + 1)-th largest drawdown, where Chekhlov,
  /// Uryasev and Zabarankin's alpha is (cvar_result's var).
  Real dar{};
};

namespace detail {

/// The result from a checked solution: figures rounded once to Real.
template <class Real, class Acc>
[[nodiscard]] cdar_result<Real> make_cdar_result(std::string_view fn, const cvar_model<Acc>& m,
                                                 const cdar_solution<Acc>& s, Acc expected_return) {
  const Eigen::Matrix<Acc, Eigen::Dynamic, 1> r = m.rt.transpose() * s.weights;
  const Acc mean = r.mean();
  const Acc variance = (r.array() - mean).square().sum() / static_cast<Acc>(r.size() - 1);
  cdar_result<Real> out;
  out.portfolio = make_portfolio<Real>(fn, s.weights, expected_return, variance, expected_return);
  out.portfolio.sharpe = 0;
  out.cdar = rounded<Real>(fn, "cdar", s.figures.cdar);
  out.dar = rounded<Real>(fn, "dar", s.figures.dar);
  return out;
}

}  // namespace detail

/// The minimum-CDaR portfolio over a returns panel in time order (Chekhlov, Uryasev and
/// Zabarankin 2005, PyPortfolioOpt's EfficientCDaR.min_cdar with beta = a):
/// \f[ \min_{w \in W,\ \alpha} \ \alpha + \frac{1}{(1-a)T} \sum_t \max(d_t(w) - \alpha, 0),\quad
///     d_t(w) = \max_{0 \le s \le t} c_s - c_t,\ c_t = \sum_{s \le t} r_s'w,\ c_0 = 0 \f]
/// drawdowns of the UNcompounded cumulative return from its running maximum, which starts at
/// 0 (the initial wealth level); a = options.confidence, W = options.constraints. Solved
/// exactly as PyPortfolioOpt's LP (running-maximum variables u_t) by the simplex method
/// (detail/cdar.hpp): O(T^3) time, O(T^2) memory, for T up to about 1,000.
/// \pre returns T x N, T >= 2, finite (invalid_input naming the cell; insufficient_data);
///      0 < confidence < 1; constraints sized to N (invalid_input).
/// \throws infeasible when the constraints cannot all hold (naming a conflicting set).
/// \returns cdar_result{portfolio{weights, 0, volatility, 0}, cdar, dar}; as a -> 1
///          ((1 - a) T < 1) the cdar is the maximum drawdown of the uncompounded path.
/// Ref: Chekhlov, Uryasev and Zabarankin (2005); Rockafellar and Uryasev (2000).
template <class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cdar_result<typename Derived::Scalar> min_cdar(const Eigen::MatrixBase<Derived>& returns,
                                                             const cdar_options& options = {}) {
  using real = typename Derived::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "min_cdar";
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  detail::require_feasible_constraints(fn, m);
  return detail::make_cdar_result<real>(fn, m, detail::solve_min_cdar<acc>(fn, m, nullptr, acc(0)), acc(0));
}

/// The minimum-CDaR portfolio earning at least a target: min CDaR(w) subject to mu'w >=
/// target_return and w in W (PyPortfolioOpt's EfficientCDaR.efficient_return); a target at or
/// below the minimum-CDaR portfolio's return gives that portfolio.
/// \pre mu (N values, any Series) and target_return finite; returns and options as min_cdar.
///      A target within rounding (16 N eps relative) of the largest return is that return.
/// \throws infeasible when target_return is above the largest return the constraints allow
///         (the message gives the attainable range); as min_cdar.
/// \returns cdar_result{portfolio{weights, mu'w, volatility, 0}, cdar, dar}.
/// Ref: Chekhlov, Uryasev and Zabarankin (2005).
template <Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cdar_result<detail::result_t<typename Derived::Scalar, detail::value_t<M>>> efficient_cdar_return(
    const M& mu, const Eigen::MatrixBase<Derived>& returns, double target_return, const cdar_options& options = {}) {
  using real = detail::result_t<typename Derived::Scalar, detail::value_t<M>>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_cdar_return";
  detail::require_rate(fn, "target_return", target_return);
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  const auto mu_acc = detail::cvar_mu<acc>(fn, mu, m.rt.rows());
  const acc t_max = detail::largest_return(fn, m, mu_acc);
  acc target = static_cast<acc>(target_return);
  const acc slack = 16 * static_cast<acc>(m.rt.rows()) * std::numeric_limits<acc>::epsilon() *
                    (std::fabs(t_max) + mu_acc.cwiseAbs().maxCoeff());
  if (target > t_max) {
    if (!(target <= t_max + slack)) {
      const acc t_low = mu_acc.dot(detail::solve_min_cdar<acc>(fn, m, nullptr, acc(0)).weights);
      detail::throw_unreachable(fn, "target_return", target_return, static_cast<double>(std::min(t_low, t_max)),
                                static_cast<double>(t_max),
                                "the constraints: from the minimum-CDaR portfolio's return to the largest they "
                                "allow; a lower target gives the minimum-CDaR portfolio");
    }
    target = t_max;
  }
  const auto sol = detail::solve_min_cdar(fn, m, &mu_acc, target);
  const acc r = mu_acc.dot(sol.weights);
  if (!(r >= target - acc(1e-9) * (1 + std::fabs(target))))
    throw singular_problem(detail::message(fn, "the simplex method lost the return target to rounding"));
  return detail::make_cdar_result<real>(fn, m, sol, r);
}

/// The largest expected return at a CDaR: max mu'w subject to CDaR(w) <= target_cdar and w in
/// W (PyPortfolioOpt's EfficientCDaR.efficient_risk), one LP (the CDaR as a row). A target at
/// or above the CDaR of the largest-return portfolio gives that portfolio (the least CDaR among
/// the largest returns, by a second LP).
/// \pre target_cdar finite; mu, returns and options as efficient_cdar_return.
/// \throws infeasible when target_cdar is below the least CDaR the constraints allow (the
///         message gives the range); singular_problem when the return is unbounded (unbounded
///         weights); as min_cdar.
/// \returns cdar_result{portfolio{weights, mu'w, volatility, 0}, cdar (<= target_cdar to
///          rounding), dar}.
/// Ref: Chekhlov, Uryasev and Zabarankin (2005).
template <Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] cdar_result<detail::result_t<typename Derived::Scalar, detail::value_t<M>>> efficient_cdar_risk(
    const M& mu, const Eigen::MatrixBase<Derived>& returns, double target_cdar, const cdar_options& options = {}) {
  using real = detail::result_t<typename Derived::Scalar, detail::value_t<M>>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_cdar_risk";
  detail::require_rate(fn, "target_cdar", target_cdar);
  const auto m = detail::make_cvar_model<acc>(fn, returns, options.confidence, options.constraints);
  const auto mu_acc = detail::cvar_mu<acc>(fn, mu, m.rt.rows());
  const acc t_max = detail::largest_return(fn, m, mu_acc);
  const auto sol = detail::solve_cdar_at_risk(fn, m, mu_acc, static_cast<acc>(target_cdar), t_max);
  return detail::make_cdar_result<real>(fn, m, sol, mu_acc.dot(sol.weights));
}

}  // namespace keel
