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
//   risk_budgeting(cov, out, ws, risk_budgeting_options{})
//                                     into a reused portfolio, scratch in a
//                                     risk_budgeting_workspace<Real>; a warm call allocates
//                                     nothing (positive budgets, constraints that never bind)
//   hierarchical_risk_parity(returns, hrp_options{linkage, risk_measure, bounds, missing,
//       optimal_leaf_ordering})
//   hierarchical_risk_parity(cov, corr, hrp_options{})    -> hierarchical_result<Real>
//                                     Lopez de Prado's HRP: clustering, quasi-diagonal order,
//                                     recursive bisection by inverse risk
//   hierarchical_equal_risk_contribution(returns or cov, corr,
//       herc_options{clusters, linkage, risk_measure, bounds, missing, optimal_leaf_ordering})
//                                     -> hierarchical_result<Real>
//                                     Raffinot's HERC on the same tree, cut into k clusters
//   hierarchical_result{weights, order, linkage, labels}; enums linkage_method {single,
//   complete, average, ward}, cluster_risk_measure {variance, standard_deviation}
//   max_diversification(cov, constraints, max_diversification_options{})
//                                     -> diversified_portfolio<Real> (portfolio + diversification_ratio)
//                                     argmax sigma'w / sqrt(w'Sigma w), sigma = sqrt(diag Sigma)
//   min_tracking_error(cov, benchmark_weights, constraints, min_tracking_error_options{})
//                                     -> tracking_portfolio<Real> (portfolio + tracking_error)
//                                     argmin (w - b)'Sigma(w - b)
//   market_implied_risk_aversion(market_prices, implied_risk_aversion_options{risk_free, ...})
//                                     delta = (mean r P - rf) / (var r P), PyPortfolioOpt's
//   market_implied_returns(cov, market_weights, risk_aversion, implied_returns_options{risk_free})
//                                     Pi = delta Sigma w_mkt + rf
//   black_litterman(prior, cov, bl_views{P, Q}, bl_options{tau, omega, confidences, risk_free})
//                                     -> bl_result<Real>{posterior_returns, posterior_covariance,
//                                     weights, omega}
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
//   - Constraints (risk budgeting): min 1/2 x'Sigma x - b'log x over the cone of allowed
//     portfolios {x > 0 : (a - beta 1)'x <= 0 for each a'w <= beta}, w = x / 1'x: the problem
//     skfolio (RiskBudgeting, `factor`) and Riskfolio-Lib (rp_optimization, `k`) solve as min
//     risk s.t. b'log w >= c; the same weights (detail/risk_budgeting.hpp shows why). Budget
//     rules other than fully_invested are invalid_input. The default (long-only) never binds.
//   - HRP and HERC (detail/cluster.hpp) follow the Python stack step by step: pandas' .cov()
//     (n - 1) and .corr() (pairwise over common rows with `missing_data::pairwise`), distances
//     sqrt(clip((1 - rho) / 2, 0, 1)) passed condensed to SciPy's linkage (PyPortfolioOpt's
//     HRPOpt; not the paper's Euclidean distances between rows of the distance matrix), SciPy's
//     linkage algorithms, tie rules and labels (Z is scipy.cluster.hierarchy.linkage's, the
//     order to_tree(Z).pre_order()); optional optimal leaf ordering (options.
//     optimal_leaf_ordering: SciPy's optimal_leaf_ordering bit for bit, as skfolio applies
//     it by default; PyPortfolioOpt does not). HRP bisects the ordered list in
//     halves (first len / 2 left, PyPortfolioOpt and skfolio), not the tree's children; HERC
//     splits by the tree (skfolio). The weights do not depend on cov's scale.
//   - max_diversification and min_tracking_error take markowitz.hpp's portfolio_constraints
//     and are solved exactly on its machinery (the frontier's maximum-Sharpe query with sigma
//     for mu; the active-set QP); their results derive from portfolio, so weights,
//     expected_return, volatility and sharpe keep their names (expected_return and sharpe from
//     options.expected_returns, else 0).
//   - Black-Litterman follows PyPortfolioOpt's documented conventions: tau = 0.05, Omega =
//     diag(tau P Sigma P') by default (tau then cancels in the posterior mean), Idzorek's
//     closed form from confidences, weights (delta Sigma)^-1 mu_BL with the prior Sigma,
//     normalised; risk_free is an options field everywhere (the signature rule), in the
//     position DESIGN.md gives a positional risk_free: f(..., {.risk_free = r}).
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
//   J.-C. Richard and T. Roncalli, "Constrained risk budgeting portfolios: theory, algorithms,
//   applications", J. Portfolio Management 45 (2019) (the constrained problem).
//   M. Lopez de Prado, "Building diversified portfolios that outperform out of sample", J.
//   Portfolio Management 42 (2016) 59-69. T. Raffinot, "Hierarchical clustering-based asset
//   allocation", J. Portfolio Management 44 (2017) 89-99; "The hierarchical equal risk
//   contribution portfolio", SSRN 3237540 (2018). D. Mullner, "Modern hierarchical,
//   agglomerative clustering algorithms", arXiv:1109.2378 (2011). M. Yue, J. Wang and Z. Wei,
//   "Application of two-order difference to gap statistic", Trans. Tianjin Univ. 15 (2009).
//   Y. Choueifaty and Y. Coignard, "Toward maximum diversification", J. Portfolio Management
//   35 (2008) 40-51. R. Roll, "A mean/variance analysis of tracking error", J. Portfolio
//   Management 18 (1992) 13-22. F. Black and R. Litterman, "Global portfolio optimization",
//   Financial Analysts J. 48 (1992) 28-43. G. He and R. Litterman, "The intuition behind
//   Black-Litterman model portfolios", Goldman Sachs (1999). T. Idzorek, "A step-by-step
//   guide to the Black-Litterman model" (2005). J. Walters, "The Black-Litterman model in
//   detail" (2014).
//   R. T. Rockafellar and S. Uryasev, "Optimization of conditional value-at-risk", J. Risk 2
//   (2000) 21-41. C. Acerbi and D. Tasche, "On the coherence of expected shortfall", J. Banking
//   Finance 26 (2002) 1487-1503. P. Krokhmal, J. Palmquist and S. Uryasev, J. Risk 4 (2002)
//   (mean-CVaR frontiers). G. B. Dantzig, Linear Programming and Extensions (1963).
//   A. Chekhlov, S. Uryasev and M. Zabarankin, "Drawdown measure in portfolio optimization",
//   Int. J. Theoretical and Applied Finance 8 (2005) 13-58 (CDaR).
/// \file
/// Portfolio construction: risk budgeting (equal risk contribution), hierarchical risk parity,
/// HERC, maximum diversification, minimum tracking error, Black-Litterman, CVaR and CDaR
/// optimisation.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/covariance.hpp>
#include <keel/detail/cdar.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/cluster.hpp>
#include <keel/detail/construction_bl.hpp>
#include <keel/detail/cvar.hpp>
#include <keel/detail/gram.hpp>
#include <keel/detail/lp.hpp>
#include <keel/detail/risk_budgeting.hpp>
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
  detail::load_covariance(fn, cov, s.q);
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

// ---- hierarchical risk parity and HERC ----

/// The between-cluster distance of the agglomerative clustering (SciPy's linkage methods).
enum class linkage_method {
  single,    ///< nearest points (Lopez de Prado 2016, PyPortfolioOpt's default)
  complete,  ///< farthest points
  average,   ///< mean over the pairs (UPGMA)
  ward       ///< Ward's variance increase (skfolio's and Raffinot's default)
};

/// The risk measure of HRP's and HERC's inverse-risk allocations.
enum class cluster_risk_measure {
  variance,           ///< weights 1 / sigma^2 inside a cluster; cluster risk w'Sigma w (paper, PyPortfolioOpt, skfolio)
  standard_deviation  ///< weights 1 / sigma inside a cluster; cluster risk sqrt(w'Sigma w)
};

/// Options of hierarchical_risk_parity.
struct hrp_options {
  /// The linkage of the clustering (single: the paper's and PyPortfolioOpt's default).
  linkage_method linkage = linkage_method::single;
  /// Variance (the paper's, PyPortfolioOpt's and skfolio's default) or standard deviation.
  cluster_risk_measure risk_measure = cluster_risk_measure::variance;
  /// Per-asset bounds, lower >= 0 (long-only [0, 1] by default, which never binds); each
  /// bisection's split is clipped so that both halves can meet their members' bounds.
  weight_bounds bounds{};
  /// NaN policy of a returns panel: reject, pairwise (pandas' DataFrame.corr / cov, as
  /// PyPortfolioOpt's HRPOpt on a DataFrame with gaps) or complete_rows.
  missing_data missing = missing_data::reject;
  /// Reorder the dendrogram's children by SciPy's optimal_leaf_ordering (Bar-Joseph, Gifford
  /// and Jaakkola 2001: adjacent assets in `order` as close as the tree allows), as skfolio
  /// does by default (linkage(..., optimal_ordering=True)); PyPortfolioOpt does not (false).
  /// The order, and so the bisection's halves and the weights, change; `linkage` is the
  /// reordered Z. SciPy's swaps and ties, in its single precision (detail/cluster.hpp); like
  /// SciPy's, not always the least sum (scipy issue 11227). O(N^3) time at worst (pruned;
  /// about 25 ms for N = 500); its O(N^2) tables are allocated per call, also in the out form.
  bool optimal_leaf_ordering = false;
};

/// Options of hierarchical_equal_risk_contribution.
struct herc_options {
  /// The number of flat clusters, 1..N; 0 chooses it by the two-order-difference gap
  /// statistic (skfolio's default; Yue, Wang and Wei 2009).
  std::ptrdiff_t clusters = 0;
  /// The linkage of the clustering (ward: skfolio's default).
  linkage_method linkage = linkage_method::ward;
  /// Variance (skfolio's default) or standard deviation.
  cluster_risk_measure risk_measure = cluster_risk_measure::variance;
  /// Per-asset bounds, lower >= 0 (long-only [0, 1] by default); applied after the allocation
  /// as skfolio does (the weights nearest the unbounded ones in relative terms), exactly.
  weight_bounds bounds{};
  /// NaN policy of a returns panel (as hrp_options::missing).
  missing_data missing = missing_data::reject;
  /// Reorder the dendrogram's children by SciPy's optimal_leaf_ordering, as skfolio does by
  /// default; PyPortfolioOpt has no HERC (as hrp_options::optimal_leaf_ordering). The flat
  /// clusters for a given k, and so the weights, do not change (up to rounding); `order`,
  /// `linkage` and the left-to-right numbering of `labels` may, and with tied merge heights
  /// so may the gap statistic's k (cut_tree's levels depend on the children's order).
  bool optimal_leaf_ordering = false;
};

namespace detail {

/// The covariance and correlation matrices HRP and HERC work from.
template <class Acc>
struct hierarchical_moments {
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> cov, corr;
};

/// Scratch of the hierarchical out forms: the O(T N) and O(N^2) buffers (the centred panel,
/// its Gram matrix, the covariance and correlation, the condensed distances), kept between
/// calls so that a warm call of one shape neither allocates nor page-faults them again.
template <class Acc>
struct hierarchical_scratch {
  gram_workspace<Acc> gram;           ///< the centred panel and its Gram matrix
  hierarchical_moments<Acc> moments;  ///< covariance and correlation
  std::vector<Acc> distances;         ///< the condensed correlation distances
};

}  // namespace detail

/// The result of hierarchical_risk_parity and hierarchical_equal_risk_contribution.
template <class Real = double>
struct hierarchical_result {
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible.
  using workspace = detail::hierarchical_scratch<detail::accum_t<Real>>;
  /// One per asset, in the input's column order; >= 0, summing to 1.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> weights;
  /// The quasi-diagonal order: asset indices as the dendrogram's leaves, left to right
  /// (scipy.cluster.hierarchy.to_tree(Z).pre_order()).
  std::vector<std::ptrdiff_t> order;
  /// The SciPy-format linkage matrix Z: N - 1 rows [a, b, distance, count], row k forming
  /// cluster N + k (as scipy.cluster.hierarchy.linkage).
  Eigen::Matrix<Real, Eigen::Dynamic, 4> linkage;
  /// HERC: the flat cluster of each asset, 0..k-1 numbered left to right in `order`; HRP: empty.
  std::vector<std::ptrdiff_t> labels;
};

namespace detail {

/// Throws singular_problem for a zero variance: the asset's correlations and inverse-risk
/// weight are undefined.
inline void throw_zero_variance(std::string_view fn, std::ptrdiff_t asset, std::string_view over) {
  throw singular_problem(message(fn, "asset " + std::to_string(asset) + " has zero variance" + std::string(over) +
                                         ": its correlations and inverse-risk weight are undefined; drop it"));
}

/// A pair's centred sums over its common rows by two passes: {xy, xx, yy}.
template <class Acc, class Derived>
[[nodiscard]] std::array<Acc, 3> pair_sums_exact(const Eigen::MatrixBase<Derived>& x, Eigen::Index i, Eigen::Index j) {
  Acc mi = 0, mj = 0, count = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
      mi += static_cast<Acc>(x(t, i));
      mj += static_cast<Acc>(x(t, j));
      count += 1;
    }
  mi /= count;
  mj /= count;
  std::array<Acc, 3> s{0, 0, 0};
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
      const Acc di = static_cast<Acc>(x(t, i)) - mi, dj = static_cast<Acc>(x(t, j)) - mj;
      s[0] += di * dj;
      s[1] += di * di;
      s[2] += dj * dj;
    }
  return s;
}

/// Sample covariance (n - 1) and Pearson correlation of a T x N returns panel, as pandas'
/// DataFrame.cov() and .corr(): complete (reject, complete_rows) by one centred Gram matrix;
/// pairwise each pair over its common rows with the pair's own means and variances.
template <class Acc, class Derived>
void moments_of_returns(std::string_view fn, const Eigen::MatrixBase<Derived>& x, missing_data missing,
                        gram_workspace<Acc>& ws, hierarchical_moments<Acc>& m) {
  const Eigen::Index n = x.cols();
  require_observations(fn, 2, n, "assets");
  m.cov.resize(n, n);
  m.corr.resize(n, n);
  if (missing != missing_data::pairwise) {
    Eigen::Index rows = x.rows();
    if (missing == missing_data::reject || !x.hasNaN()) {
      // Column by column, copied and centred while the column is in cache: one pass over the
      // panel instead of four (copy, two for the mean, subtract), the same arithmetic as
      // gather_rows and centre_columns.
      check_cells(fn, x, missing == missing_data::reject);
      require_observations(fn, 2, rows, missing == missing_data::complete_rows ? "complete rows" : "rows", {});
      ws.centred.resize(rows, n);
      ws.means.resize(n);
      for (Eigen::Index j = 0; j < n; ++j) {
        ws.centred.col(j) = x.col(j).template cast<Acc>();
        ws.means(j) = two_pass_mean(ws.centred.col(j));
        ws.centred.col(j).array() -= ws.means(j);
      }
    } else {
      rows = used_rows(fn, x, missing, 2, {}, ws);
      centre_columns(ws);
    }
    gram_of_centred(ws);
    check_gram_range(fn, ws.gram, static_cast<Acc>(rows));
    for (Eigen::Index j = 0; j < n; ++j)
      if (!(ws.gram(j, j) > 0)) throw_zero_variance(fn, j, "");
    m.cov = ws.gram / static_cast<Acc>(rows - 1);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = j; i < n; ++i)
        m.corr(i, j) = m.corr(j, i) =
            i == j ? Acc(1) : std::clamp(ws.gram(i, j) / std::sqrt(ws.gram(i, i) * ws.gram(j, j)), Acc(-1), Acc(1));
    return;
  }
  check_cells(fn, x, false);
  require_observations(fn, 2, x.rows(), "rows");
  pairwise_gram(x, ws);
  for (Eigen::Index j = 0; j < n; ++j) {  // each column first, then each pair
    const Acc c = ws.counts(j, j);
    if (c < 2) require_observations(fn, 2, static_cast<std::ptrdiff_t>(c), "values in column " + std::to_string(j));
    if (!(ws.gram(j, j) > 0)) throw_zero_variance(fn, j, " over its rows");
    m.cov(j, j) = ws.gram(j, j) / (c - 1);
    m.corr(j, j) = 1;
  }
  constexpr Acc keep = Acc(15) / Acc(16);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i) {
      const Acc c = ws.counts(i, j);
      if (c < 2)
        require_observations(fn, 2, static_cast<std::ptrdiff_t>(c),
                             "common rows of columns " + std::to_string(j) + " and " + std::to_string(i));
      const Acc sij = ws.sums(i, j), sji = ws.sums(j, i), qij = ws.square_sums(i, j), qji = ws.square_sums(j, i);
      Acc xy = ws.gram(i, j), xx = qij - sij * sij / c, yy = qji - sji * sji / c;
      if (!(sij * sij <= keep * c * qij && sji * sji <= keep * c * qji)) {
        const auto s = pair_sums_exact<Acc>(x, i, j);
        xy = s[0];
        xx = s[1];
        yy = s[2];
      }
      if (!(xx > 0)) throw_zero_variance(fn, i, " over its common rows with asset " + std::to_string(j));
      if (!(yy > 0)) throw_zero_variance(fn, j, " over its common rows with asset " + std::to_string(i));
      m.cov(i, j) = m.cov(j, i) = ws.gram(i, j) / (c - 1);
      m.corr(i, j) = m.corr(j, i) = std::clamp(xy / std::sqrt(xx * yy), Acc(-1), Acc(1));
    }
  if (!m.cov.allFinite()) throw_overflow(fn, "the sums of products of the panel's columns");
}

/// Checks a given covariance and correlation pair (square, same size, finite, symmetric,
/// correlations in [-1, 1], variances > 0) and copies them.
template <class Acc, class DCov, class DCorr>
[[nodiscard]] hierarchical_moments<Acc> moments_of(std::string_view fn, const Eigen::MatrixBase<DCov>& cov,
                                                   const Eigen::MatrixBase<DCorr>& corr) {
  hierarchical_moments<Acc> m;
  load_covariance(fn, cov, m.cov);
  const Eigen::Index n = m.cov.rows();
  require_observations(fn, 2, n, "assets");
  if (corr.rows() != n || corr.cols() != n)
    throw invalid_input(message(fn, "corr is " + std::to_string(corr.rows()) + " x " + std::to_string(corr.cols()) +
                                        " but cov is " + std::to_string(n) + " x " + std::to_string(n)));
  require_finite_cells(fn, "corr", corr);
  m.corr = corr.template cast<Acc>();
  for (Eigen::Index j = 0; j < n; ++j) {
    if (m.cov(j, j) < 0)
      throw invalid_input(message(fn, cell_text("cov", j, j) + " = " + number_text(static_cast<double>(m.cov(j, j))) +
                                          " is a negative variance"));
    if (!(m.cov(j, j) > 0)) throw_zero_variance(fn, j, "");
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::fabs(m.corr(i, j)) > 1 + Acc(1e-10))
        throw invalid_input(message(fn, cell_text("corr", i, j) + " = " +
                                            number_text(static_cast<double>(m.corr(i, j))) + " is outside [-1, 1]"));
      if (std::fabs(m.corr(i, j) - m.corr(j, i)) > Acc(1e-10))
        throw invalid_input(message(fn, "corr is not symmetric: " + cell_text("corr", i, j) + " = " +
                                            number_text(static_cast<double>(m.corr(i, j))) + " but " +
                                            cell_text("corr", j, i) + " = " +
                                            number_text(static_cast<double>(m.corr(j, i)))));
    }
  }
  return m;
}

/// PyPortfolioOpt's distances sqrt(clip((1 - rho) / 2, 0, 1)), condensed (upper triangle row
/// by row, SciPy's squareform): the correlation distances themselves go to linkage, not the
/// Euclidean distances between rows of the distance matrix that the paper's code clusters.
template <class Acc>
void correlation_distances(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& corr, std::vector<Acc>& d) {
  const Eigen::Index n = corr.rows();
  d.clear();
  d.reserve(uz(n * (n - 1) / 2));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) d.push_back(std::sqrt(std::clamp((1 - corr(i, j)) / 2, Acc(0), Acc(1))));
}

/// Checks HRP's and HERC's bounds (0 <= lower <= upper, sum lower <= 1 <= sum upper) and
/// expands them to N values each.
template <class Acc>
void load_hierarchical_bounds(std::string_view fn, const weight_bounds& bounds, Eigen::Index n,
                              Eigen::Matrix<Acc, Eigen::Dynamic, 1>& lower,
                              Eigen::Matrix<Acc, Eigen::Dynamic, 1>& upper) {
  const Eigen::VectorXd lo = expand_bound(fn, bounds.lower, n, "lower");
  const Eigen::VectorXd hi = expand_bound(fn, bounds.upper, n, "upper");
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isnan(lo(i)) || std::isnan(hi(i)) || lo(i) > hi(i) || !std::isfinite(lo(i)))
      throw invalid_input(message(fn, "the bounds of " + element_text("w", i) + " are [" + number_text(lo(i)) + ", " +
                                          number_text(hi(i)) + "]: need finite lower <= upper, neither NaN"));
    if (lo(i) < 0)
      throw_below(fn, "bounds.lower[" + std::to_string(i) + "]", lo(i), 0, "hierarchical weights are long-only");
  }
  const double sum_lo = lo.sum(), sum_hi = hi.sum();
  if (sum_lo > 1 + 1e-12)
    throw infeasible(message(fn, "the weights must sum to 1, but their lower bounds sum to " + number_text(sum_lo)));
  if (sum_hi < 1 - 1e-12)
    throw infeasible(message(fn, "the weights must sum to 1, but their upper bounds sum to " + number_text(sum_hi)));
  lower = lo.cast<Acc>();
  upper = hi.cast<Acc>();
}

/// The common tail of HRP and HERC: the tree and its leaf order (the distances stay in the
/// scratch, where HERC's gap statistic reads them).
template <class Acc>
struct hierarchical_tree {
  linkage_matrix<Acc> z;
  std::vector<std::ptrdiff_t> order;
};

template <class Acc>
[[nodiscard]] hierarchical_tree<Acc> build_tree(hierarchical_scratch<Acc>& ws, linkage_method method,
                                                bool reorder_leaves) {
  static_assert(static_cast<int>(linkage_method::ward) == static_cast<int>(merge_rule::ward));
  hierarchical_tree<Acc> t;
  correlation_distances(ws.moments.corr, ws.distances);
  t.z = hierarchical_linkage(ws.distances, ws.moments.corr.rows(), static_cast<merge_rule>(method));
  if (reorder_leaves) t.z = optimal_leaf_ordering(t.z, ws.distances);
  t.order = leaf_order(t.z);
  return t;
}

/// HRP from the moments in ws.moments, into out.
template <class Real, class Acc>
void hierarchical_hrp(std::string_view fn, hierarchical_scratch<Acc>& ws, const hrp_options& options,
                      hierarchical_result<Real>& out) {
  const hierarchical_moments<Acc>& m = ws.moments;
  const Eigen::Index n = m.cov.rows();
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> lower, upper, w;
  load_hierarchical_bounds(fn, options.bounds, n, lower, upper);
  hierarchical_tree<Acc> t = build_tree(ws, options.linkage, options.optimal_leaf_ordering);
  const cluster_risk<Acc> risk{m.cov, options.risk_measure == cluster_risk_measure::standard_deviation, fn};
  hrp_bisection(risk, t.order, lower, upper, w);
  out.weights = w.template cast<Real>();
  out.order = std::move(t.order);
  out.linkage = t.z.template cast<Real>();
  out.labels.clear();
}

/// HERC from the moments in ws.moments, into out.
template <class Real, class Acc>
void hierarchical_herc(std::string_view fn, hierarchical_scratch<Acc>& ws, const herc_options& options,
                       hierarchical_result<Real>& out) {
  const hierarchical_moments<Acc>& m = ws.moments;
  const Eigen::Index n = m.cov.rows();
  if (options.clusters < 0 || options.clusters > n)
    throw_bad_option(fn, "clusters", static_cast<double>(options.clusters),
                     "in [1, " + std::to_string(n) + "] (the number of assets), or 0 to choose it");
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> lower, upper, w;
  load_hierarchical_bounds(fn, options.bounds, n, lower, upper);
  hierarchical_tree<Acc> t = build_tree(ws, options.linkage, options.optimal_leaf_ordering);
  const std::ptrdiff_t k = options.clusters > 0 ? options.clusters : gap_cluster_count(t.z, ws.distances, t.order);
  out.labels = flat_clusters(t.z, k, t.order);
  const cluster_risk<Acc> risk{m.cov, options.risk_measure == cluster_risk_measure::standard_deviation, fn};
  herc_weights(risk, t.z, out.labels, w);
  bounded_relative_projection(fn, w, lower, upper);
  out.weights = w.template cast<Real>();
  out.order = std::move(t.order);
  out.linkage = t.z.template cast<Real>();
}

}  // namespace detail

/// Hierarchical risk parity (Lopez de Prado 2016) of a T x N returns panel: the sample
/// covariance and Pearson correlation (pandas' .cov() / .corr()), distances sqrt((1 - rho) /
/// 2) clustered by `linkage` (SciPy's linkage on the condensed distances, as PyPortfolioOpt's
/// HRPOpt), the leaves in the dendrogram's order, then recursive bisection of that ordered
/// list in halves: the left half gets alpha = 1 - r_L / (r_L + r_R), r the risk of each half's
/// inverse-risk portfolio. Ties and labels follow SciPy, so the data gives PyPortfolioOpt's
/// order and weights; with options.optimal_leaf_ordering, the tree's children are first
/// swapped by SciPy's optimal_leaf_ordering, as skfolio's HRP (whose order it then gives).
/// \pre N >= 2 assets and 2 rows; finite cells (NaN per options.missing); bounds 0 <= lower <=
///      upper; else insufficient_data / invalid_input naming the cell or bound.
/// \throws singular_problem for a zero-variance asset (naming it); infeasible when the lower
///         bounds sum above 1 or the upper below 1.
/// \returns hierarchical_result{weights, order, linkage, labels (empty)}.
/// Ref: Lopez de Prado, J. Portfolio Management 42 (2016) 59-69; PyPortfolioOpt's HRPOpt.
template <class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] hierarchical_result<typename Derived::Scalar> hierarchical_risk_parity(
    const Eigen::MatrixBase<Derived>& returns, const hrp_options& options = {}) {
  constexpr std::string_view fn = "hierarchical_risk_parity";
  hierarchical_result<typename Derived::Scalar> out;
  typename hierarchical_result<typename Derived::Scalar>::workspace ws;
  detail::moments_of_returns(fn, returns, options.missing, ws.gram, ws.moments);
  detail::hierarchical_hrp(fn, ws, options, out);
  return out;
}

/// hierarchical_risk_parity of a returns panel into a reused `out`, with its scratch in a
/// reused `ws` (hierarchical_result<Real>::workspace): a warm call of one shape reuses the
/// centred panel (T x N), the Gram, covariance and correlation matrices and the distances
/// instead of allocating (and page-faulting) them again; the clustering's O(N) scratch is still
/// allocated. Bit for bit the plain form's result.
/// \throws as the plain form.
template <class Derived>
  requires std::floating_point<typename Derived::Scalar>
void hierarchical_risk_parity(const Eigen::MatrixBase<Derived>& returns,
                              hierarchical_result<typename Derived::Scalar>& out,
                              typename hierarchical_result<typename Derived::Scalar>::workspace& ws,
                              const hrp_options& options = {}) {
  constexpr std::string_view fn = "hierarchical_risk_parity";
  detail::moments_of_returns(fn, returns, options.missing, ws.gram, ws.moments);
  detail::hierarchical_hrp(fn, ws, options, out);
}

/// Hierarchical risk parity from a covariance and its correlation matrix (N x N each; corr
/// may come from another estimator): as the returns form, from the clustering on.
/// \pre cov square, finite, symmetric, variances > 0 (singular_problem for a zero one); corr
///      the same size, finite, symmetric, entries in [-1, 1]; else invalid_input.
template <class DCov, class DCorr>
  requires std::floating_point<typename DCov::Scalar> && std::floating_point<typename DCorr::Scalar>
[[nodiscard]] hierarchical_result<typename DCov::Scalar> hierarchical_risk_parity(const Eigen::MatrixBase<DCov>& cov,
                                                                                  const Eigen::MatrixBase<DCorr>& corr,
                                                                                  const hrp_options& options = {}) {
  using acc = detail::accum_t<typename DCov::Scalar>;
  constexpr std::string_view fn = "hierarchical_risk_parity";
  hierarchical_result<typename DCov::Scalar> out;
  typename hierarchical_result<typename DCov::Scalar>::workspace ws;
  ws.moments = detail::moments_of<acc>(fn, cov, corr);
  detail::hierarchical_hrp(fn, ws, options, out);
  return out;
}

/// Hierarchical equal risk contribution (Raffinot 2018) of a T x N returns panel, as skfolio's
/// HierarchicalEqualRiskContribution: the HRP tree (ward linkage by default) cut into k flat
/// clusters (fcluster 'maxclust'; k = options.clusters, or by the two-order-difference gap
/// statistic), inverse-risk weights inside each cluster, and from the root down each node's
/// weight split between its two children by alpha = 1 - R_L / (R_L + R_R), R the sum of the
/// risks of the flat clusters under each child. Bounds, when they bind, give the weights
/// nearest the unbounded ones in relative terms (skfolio's rule, solved exactly).
/// \pre as hierarchical_risk_parity; 0 <= clusters <= N (invalid_input).
/// \returns hierarchical_result{weights, order, linkage, labels (the flat cluster of each asset)}.
/// Ref: Raffinot, SSRN 3237540 (2018); skfolio's HierarchicalEqualRiskContribution.
template <class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] hierarchical_result<typename Derived::Scalar> hierarchical_equal_risk_contribution(
    const Eigen::MatrixBase<Derived>& returns, const herc_options& options = {}) {
  constexpr std::string_view fn = "hierarchical_equal_risk_contribution";
  hierarchical_result<typename Derived::Scalar> out;
  typename hierarchical_result<typename Derived::Scalar>::workspace ws;
  detail::moments_of_returns(fn, returns, options.missing, ws.gram, ws.moments);
  detail::hierarchical_herc(fn, ws, options, out);
  return out;
}

/// HERC from a covariance and its correlation matrix (as the cov form of hierarchical_risk_parity).
template <class DCov, class DCorr>
  requires std::floating_point<typename DCov::Scalar> && std::floating_point<typename DCorr::Scalar>
[[nodiscard]] hierarchical_result<typename DCov::Scalar> hierarchical_equal_risk_contribution(
    const Eigen::MatrixBase<DCov>& cov, const Eigen::MatrixBase<DCorr>& corr, const herc_options& options = {}) {
  using acc = detail::accum_t<typename DCov::Scalar>;
  constexpr std::string_view fn = "hierarchical_equal_risk_contribution";
  hierarchical_result<typename DCov::Scalar> out;
  typename hierarchical_result<typename DCov::Scalar>::workspace ws;
  ws.moments = detail::moments_of<acc>(fn, cov, corr);
  detail::hierarchical_herc(fn, ws, options, out);
  return out;
}

// ---- maximum diversification, minimum tracking error, Black-Litterman ----

/// Options of max_diversification: what to report beside the weights (the weights never
/// depend on them).
struct max_diversification_options {
  /// Expected returns (N values), used only for the result's expected_return and sharpe;
  /// empty: both 0, as min_variance reports.
  std::vector<double> expected_returns{};
  /// Annual risk-free rate of the reported Sharpe ratio.
  double risk_free = 0;
};

/// Options of min_tracking_error (fields as max_diversification_options).
struct min_tracking_error_options {
  /// Expected returns (N values), used only for the result's expected_return and sharpe;
  /// empty: both 0.
  std::vector<double> expected_returns{};
  /// Annual risk-free rate of the reported Sharpe ratio.
  double risk_free = 0;
};

/// max_diversification's result: the portfolio (its fields by their names) and its
/// diversification ratio.
template <class Real = double>
struct diversified_portfolio : portfolio<Real> {
  /// sum_i |w_i| sigma_i / sqrt(w'Sigma w), volatility.hpp's diversification_ratio; equal to
  /// the maximised sigma'w / sqrt(w'Sigma w) when no weight is negative.
  Real diversification_ratio{};
};

/// min_tracking_error's result: the portfolio (its fields by their names) and its ex-ante
/// tracking error.
template <class Real = double>
struct tracking_portfolio : portfolio<Real> {
  /// sqrt((w - b)'Sigma(w - b)), in cov's units (annualised when cov is).
  Real tracking_error{};
};

/// Options of market_implied_risk_aversion.
struct implied_risk_aversion_options {
  double risk_free = 0;           ///< annual risk-free rate R_f
  double periods_per_year = 252;  ///< periods of the prices (252: daily)
  bool returns_data = false;      ///< the series holds simple returns, not prices
};

/// Options of market_implied_returns.
struct implied_returns_options {
  double risk_free = 0;  ///< annual risk-free rate added to the excess returns delta Sigma w
};

/// Views of Black-Litterman: K views P mu = Q, absolute (a row with one 1) or relative (a row
/// summing to 0: "asset i beats asset j by Q_k").
struct bl_views {
  Eigen::MatrixXd P{};  ///< K x N picking matrix (0 rows: no views)
  Eigen::VectorXd Q{};  ///< K expected returns of the view portfolios
};

/// Options of black_litterman. Omega is, by priority: `omega` when given; Idzorek's from
/// `confidences` when given; else He and Litterman's diag(tau P Sigma P').
struct bl_options {
  double tau = 0.05;                  ///< uncertainty of the prior mean, as a multiple of Sigma
  Eigen::MatrixXd omega{};            ///< K x K view uncertainty (empty: from confidences or the default)
  std::vector<double> confidences{};  ///< Idzorek's confidence of each view in [0, 1] (K values)
  double risk_free = 0;               ///< subtracted from mu_BL for the weights (PyPortfolioOpt: 0)
};

/// black_litterman's result.
template <class Real = double>
struct bl_result {
  Eigen::Matrix<Real, Eigen::Dynamic, 1> posterior_returns;                  ///< mu_BL (N)
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> posterior_covariance;  ///< Sigma + M (N x N)
  Eigen::Matrix<Real, Eigen::Dynamic, 1> weights;             ///< Sigma^-1 (mu_BL - rf), normalised to sum to 1
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> omega;  ///< the Omega used (K x K; +inf: an ignored view)
};

namespace detail {

/// Checks options.expected_returns (empty, or N finite values).
inline void check_expected_returns(std::string_view fn, const std::vector<double>& mu, Eigen::Index n) {
  if (mu.empty()) return;
  require_same_size(fn, "expected_returns", static_cast<std::ptrdiff_t>(mu.size()), "cov", n);
  require_finite(fn, "expected_returns", mu);
  for (std::size_t i = 0; i < mu.size(); ++i)
    require_rate(fn, element_text("expected_returns", static_cast<std::ptrdiff_t>(i)), mu[i]);
}

/// The reported expected return (mu'w, 0 without mu) of a construction result.
template <class Acc>
[[nodiscard]] Acc reported_return(const std::vector<double>& mu, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w) {
  if (mu.empty()) return 0;
  Acc r = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) r += static_cast<Acc>(mu[static_cast<std::size_t>(i)]) * w(i);
  return r;
}

/// Checks P (K x N, finite, no zero row) and Q (K, finite) against N assets.
inline void check_views(std::string_view fn, const bl_views& views, Eigen::Index n) {
  const Eigen::Index k = views.P.rows();
  if (views.Q.size() != k)
    throw invalid_input(message(fn, "views.P has " + std::to_string(k) + " rows (views) but views.Q has " +
                                        std::to_string(views.Q.size()) + " values"));
  if (k == 0) return;
  if (views.P.cols() != n)
    throw invalid_input(message(
        fn, "views.P has " + std::to_string(views.P.cols()) + " columns but cov has " + std::to_string(n) + " assets"));
  require_finite_cells(fn, "views.P", views.P);
  require_finite(fn, "views.Q", views.Q);
  require_scale(fn, "views.P", views.P, 1e-150, 1e150);
  require_scale(fn, "views.Q", views.Q, 1e-150, 1e150);
  for (Eigen::Index r = 0; r < k; ++r)
    if ((views.P.row(r).array() == 0).all())
      throw invalid_input(message(fn, "view " + std::to_string(r) + " (row " + std::to_string(r) +
                                          " of views.P) has no asset: every coefficient is 0"));
}

/// The K x K Omega of bl_options: given (checked: finite, symmetric, PSD), Idzorek's
/// tau (1 - c) / c p'Sigma p from confidences (+inf for c = 0), or diag(tau P Sigma P').
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> view_uncertainty(
    std::string_view fn, const bl_options& o, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& p,
    const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& sigma, Acc tau) {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  const Eigen::Index k = p.rows();
  const bool given = o.omega.rows() != 0 || o.omega.cols() != 0;
  if (given && !o.confidences.empty())
    throw invalid_input(message(fn, "give omega or confidences, not both (omega is " + std::to_string(o.omega.rows()) +
                                        " x " + std::to_string(o.omega.cols()) + ", " +
                                        std::to_string(o.confidences.size()) + " confidences)"));
  if (given) {
    if (o.omega.rows() != k || o.omega.cols() != k)
      throw invalid_input(message(fn, "omega is " + std::to_string(o.omega.rows()) + " x " +
                                          std::to_string(o.omega.cols()) + " but there are " + std::to_string(k) +
                                          " views (it must be K x K)"));
    require_finite_cells(fn, "omega", o.omega);
    require_scale(fn, "omega", o.omega, 1e-150, 1e150);
    require_symmetric(fn, "omega", o.omega);
    matrix om = o.omega.template cast<Acc>();
    om = (om + om.transpose()).eval() / 2;
    if (k > 0) {
      const Eigen::SelfAdjointEigenSolver<matrix> eig(om, Eigen::EigenvaluesOnly);
      const Acc smallest = eig.eigenvalues().minCoeff();
      if (smallest < -64 * static_cast<Acc>(k) * std::numeric_limits<Acc>::epsilon() * om.cwiseAbs().maxCoeff())
        throw invalid_input(message(fn, "omega is not positive semi-definite: its smallest eigenvalue is " +
                                            number_text(static_cast<double>(smallest)) +
                                            " (a view uncertainty is a covariance)"));
    }
    return om;
  }
  matrix om = matrix::Zero(k, k);
  if (!o.confidences.empty()) {
    require_same_size(fn, "confidences", static_cast<std::ptrdiff_t>(o.confidences.size()), "views.Q", k);
    for (std::size_t i = 0; i < o.confidences.size(); ++i)
      require_option_in(fn, element_text("confidences", static_cast<std::ptrdiff_t>(i)), o.confidences[i], 0, 1,
                        "in [0, 1]");
  }
  for (Eigen::Index r = 0; r < k; ++r) {
    const Acc variance = std::max(Acc(0), p.row(r).dot(sigma * p.row(r).transpose()));
    if (o.confidences.empty()) {
      om(r, r) = tau * variance;
    } else {
      const Acc c = static_cast<Acc>(o.confidences[static_cast<std::size_t>(r)]);
      om(r, r) = c == 0 ? std::numeric_limits<Acc>::infinity() : tau * ((1 - c) / c) * variance;
    }
  }
  return om;
}

}  // namespace detail

/// The maximum-diversification portfolio (Choueifaty and Coignard 2008):
/// \f[ w^* = \arg\max_w \frac{\sigma' w}{\sqrt{w'\Sigma w}},\quad \sigma_i = \sqrt{\Sigma_{ii}} \f]
/// under the constraints, solved exactly as the maximum-Sharpe portfolio of markowitz.hpp
/// with sigma in place of mu and rf = 0 (the ratio's stationary point on each segment of the
/// exact frontier), so it never depends on expected returns or their sign. Unbounded and fully
/// invested: w = Sigma^-1 sigma / 1'Sigma^-1 sigma. The ratio is scale-free, so without a
/// budget the optimum is a ray and the point of largest sigma'w is returned.
/// \pre cov square, finite, symmetric, PSD; constraints as min_variance; options' sizes (invalid_input).
/// \throws infeasible when no allowed portfolio has sigma'w > 0 or the supremum is not
///         attained (unbounded weights); singular_problem when a zero-volatility portfolio has
///         sigma'w > 0, or as min_variance.
/// \returns diversified_portfolio{weights, expected_return (options.expected_returns'w, or 0),
///          volatility, sharpe, diversification_ratio (volatility.hpp's)}.
/// Ref: Choueifaty and Coignard, J. Portfolio Management 35 (2008) 40-51.
template <class DCov>
  requires std::floating_point<typename DCov::Scalar>
[[nodiscard]] diversified_portfolio<typename DCov::Scalar> max_diversification(
    const Eigen::MatrixBase<DCov>& cov, const portfolio_constraints& constraints = {},
    const max_diversification_options& options = {}) {
  using real = typename DCov::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "max_diversification";
  detail::require_rate(fn, "risk_free", options.risk_free);
  auto m =
      detail::make_model<acc>(fn, static_cast<const Eigen::Matrix<acc, Eigen::Dynamic, 1>*>(nullptr), cov, constraints);
  detail::check_expected_returns(fn, options.expected_returns, m.qp.q.rows());
  const detail::path_point<acc> p = detail::max_diversification_point(fn, m);
  const acc r = detail::reported_return(options.expected_returns, p.weights);
  diversified_portfolio<real> out{
      detail::make_portfolio<real>(fn, p.weights, r, p.variance, static_cast<acc>(options.risk_free)), real(0)};
  // max_diversification_point left sigma in m.qp.c; |w|'sigma / sqrt(w'Sigma w) as volatility.hpp defines it.
  out.diversification_ratio =
      detail::rounded<real>(fn, "diversification_ratio", p.weights.cwiseAbs().dot(m.qp.c) / std::sqrt(p.variance));
  return out;
}

/// The minimum-tracking-error portfolio: the weights closest to the benchmark b in active risk,
/// \f[ w^* = \arg\min_w (w - b)'\Sigma (w - b) \f]
/// under the constraints (bounds, budget, groups, linear), exactly, on detail/qp.hpp's
/// active-set QP (min 1/2 w'Sigma w - (Sigma b)'w). When b itself satisfies the constraints
/// (its rows to the rounding of their sums) it is returned as is, with tracking error 0.
/// Unbounded and fully invested: w = b + Sigma^-1 1 (1 - 1'b) / 1'Sigma^-1 1.
/// \pre cov square, finite, symmetric, PSD; benchmark_weights N finite values (any Series);
///      constraints as min_variance; options' sizes (invalid_input).
/// \throws infeasible when the constraints cannot all hold; singular_problem as min_variance.
/// \returns tracking_portfolio{weights, expected_return, volatility, sharpe, tracking_error
///          sqrt((w - b)'Sigma(w - b)), in cov's units: annualised when cov is}.
/// Ref: Roll, "A mean/variance analysis of tracking error", J. Portfolio Management 18 (1992).
template <Series B, class DCov>
[[nodiscard]] tracking_portfolio<detail::markowitz_real_t<DCov, B>> min_tracking_error(
    const Eigen::MatrixBase<DCov>& cov, const B& benchmark_weights, const portfolio_constraints& constraints = {},
    const min_tracking_error_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, B>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "min_tracking_error";
  detail::require_rate(fn, "risk_free", options.risk_free);
  auto m =
      detail::make_model<acc>(fn, static_cast<const Eigen::Matrix<acc, Eigen::Dynamic, 1>*>(nullptr), cov, constraints);
  detail::require_same_size(fn, "benchmark_weights", detail::ssize(benchmark_weights), "cov", m.qp.q.rows());
  const auto b = detail::vector_of<acc>(benchmark_weights);
  detail::require_finite(fn, "benchmark_weights", b);
  detail::require_scale(fn, "benchmark_weights", b, 1e-150, 1e150);
  detail::check_expected_returns(fn, options.expected_returns, m.qp.q.rows());
  const Eigen::Matrix<acc, Eigen::Dynamic, 1> w = detail::tracking_weights(fn, m, b);
  const acc r = detail::reported_return(options.expected_returns, w);
  tracking_portfolio<real> out{
      detail::make_portfolio<real>(fn, w, r, w.dot(m.qp.q * w), static_cast<acc>(options.risk_free)), real(0)};
  out.tracking_error = detail::rounded<real>(fn, "tracking_error", std::sqrt(detail::active_variance(m.qp.q, w, b)));
  return out;
}

/// The market's implied risk aversion (the market price of risk), PyPortfolioOpt's definition:
/// \f[ \delta = \frac{\bar r \cdot P - R_f}{s^2 \cdot P} \f]
/// from the simple returns r_t = p_t / p_{t-1} - 1 of the market's prices (pandas'
/// pct_change), their mean and sample variance (n - 1), P = options.periods_per_year, R_f =
/// options.risk_free. Negative when the market earned less than R_f (returned as is).
/// \pre market_prices finite and > 0, at least 3 (with returns_data, finite returns, at least
///      2); periods_per_year > 0; risk_free finite (invalid_input, insufficient_data).
/// \throws singular_problem when the returns are constant (zero variance).
/// \returns delta, in the series' floating type.
/// Ref: Black and Litterman (1992); PyPortfolioOpt's market_implied_risk_aversion.
template <Series S>
[[nodiscard]] detail::value_t<S> market_implied_risk_aversion(const S& market_prices,
                                                              const implied_risk_aversion_options& options = {}) {
  using real = detail::value_t<S>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "market_implied_risk_aversion";
  detail::check_periods_per_year(fn, options.periods_per_year);
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto x = detail::vector_of<acc>(market_prices);
  const Eigen::Index n = x.size();
  const char* what = options.returns_data ? "market_prices (returns)" : "market_prices";
  detail::require_finite(fn, what, x);
  Eigen::Matrix<acc, Eigen::Dynamic, 1> r;
  if (options.returns_data) {
    detail::require_observations(fn, 2, n, "returns");
    r = x;
  } else {
    detail::require_observations(fn, 3, n, "prices");
    for (Eigen::Index i = 0; i < n; ++i)
      if (!(x(i) > 0))
        throw invalid_input(detail::message(fn, detail::element_text("market_prices", i) + " = " +
                                                    detail::number_text(static_cast<double>(x(i))) +
                                                    " is not a positive price"));
    r = x.tail(n - 1).cwiseQuotient(x.head(n - 1)).array() - 1;
  }
  const auto t = static_cast<acc>(r.size());
  const acc mean = r.sum() / t;
  const acc variance = (r.array() - mean).square().sum() / (t - 1);  // two-pass, n - 1
  if (!(variance > 0))
    throw singular_problem(
        detail::message(fn, "the market's returns are constant (zero variance): the risk aversion is undefined"));
  const auto ppy = static_cast<acc>(options.periods_per_year);
  const acc delta = (mean * ppy - static_cast<acc>(options.risk_free)) / (variance * ppy);
  if (!std::isfinite(delta)) detail::throw_overflow(fn, "the risk aversion");
  return detail::rounded<real>(fn, "risk aversion", delta);
}

/// DESIGN.md's positional form, market_implied_risk_aversion(market_prices, risk_free,
/// options): the same with options.risk_free replaced by `risk_free`.
/// \throws as the options form.
template <Series S>
[[nodiscard]] detail::value_t<S> market_implied_risk_aversion(const S& market_prices, double risk_free,
                                                              implied_risk_aversion_options options = {}) {
  options.risk_free = risk_free;
  return market_implied_risk_aversion(market_prices, options);
}

/// The market-implied (equilibrium) expected returns, reverse optimisation:
/// \f[ \Pi = \delta \Sigma w_{mkt} + R_f \f]
/// with w_mkt = market_weights / sum(market_weights) (capitalisations may be passed, as
/// PyPortfolioOpt's market_caps), delta = risk_aversion, R_f = options.risk_free (in cov's
/// units). DESIGN.md's positional risk_free is the overload below:
/// market_implied_returns(cov, w, delta, r) is market_implied_returns(cov, w, delta, {.risk_free = r}).
/// \pre cov square, finite, symmetric; market_weights N finite values with a positive sum;
///      risk_aversion and risk_free finite (invalid_input).
/// \returns Pi (N), in the common floating type of cov and market_weights.
/// Ref: Black and Litterman (1992); He and Litterman (1999); PyPortfolioOpt's
/// market_implied_prior_returns.
template <class DCov, Series W>
[[nodiscard]] Eigen::Matrix<detail::markowitz_real_t<DCov, W>, Eigen::Dynamic, 1> market_implied_returns(
    const Eigen::MatrixBase<DCov>& cov, const W& market_weights, double risk_aversion,
    const implied_returns_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, W>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "market_implied_returns";
  detail::require_rate(fn, "risk_aversion", risk_aversion);
  detail::require_rate(fn, "risk_free", options.risk_free);
  Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> q;
  detail::load_covariance(fn, cov, q);
  detail::require_same_size(fn, "market_weights", detail::ssize(market_weights), "cov", q.rows());
  const auto w = detail::vector_of<acc>(market_weights);
  detail::require_finite(fn, "market_weights", w);
  detail::require_scale(fn, "market_weights", w, 1e-150, 1e150);
  const acc sum = w.sum();
  if (!(sum > 0))
    throw invalid_input(detail::message(fn, "market_weights sum to " + detail::number_text(static_cast<double>(sum)) +
                                                ": need a positive sum (they are normalised to sum to 1)"));
  const Eigen::Matrix<acc, Eigen::Dynamic, 1> pi =
      (static_cast<acc>(risk_aversion) * (q * (w / sum))).array() + static_cast<acc>(options.risk_free);
  if (!pi.allFinite()) detail::throw_overflow(fn, "the implied returns");
  return pi.template cast<real>();
}

/// DESIGN.md's positional form, market_implied_returns(cov, market_weights, risk_aversion,
/// risk_free): the options form with {.risk_free = risk_free}.
/// \throws as the options form.
template <class DCov, Series W>
[[nodiscard]] Eigen::Matrix<detail::markowitz_real_t<DCov, W>, Eigen::Dynamic, 1> market_implied_returns(
    const Eigen::MatrixBase<DCov>& cov, const W& market_weights, double risk_aversion, double risk_free) {
  return market_implied_returns(cov, market_weights, risk_aversion, implied_returns_options{.risk_free = risk_free});
}

/// The Black-Litterman posterior of expected returns given a prior and K views P mu = Q + e,
/// e ~ N(0, Omega) (He and Litterman 1999), with A = P tau Sigma P' + Omega:
/// \f[ \mu_{BL} = \mu_0 + \tau\Sigma P' A^{-1} (Q - P\mu_0),\quad
///     \Sigma_{BL} = \Sigma + \tau\Sigma - \tau\Sigma P' A^{-1} P \tau\Sigma \f]
/// by solves with A (no inverse of Omega or Sigma: certain views, Omega = 0, are exact).
/// Omega: options.omega; or Idzorek's (2005) omega_k = tau (1 - c_k) / c_k p_k'Sigma p_k from
/// options.confidences (c = 1: Omega_kk = 0, the view holds exactly; c = 0: the view is
/// ignored, Omega_kk = +inf, where PyPortfolioOpt uses 1e6); else PyPortfolioOpt's default
/// diag(tau P Sigma P'), with which tau cancels in mu_BL (but not in Sigma_BL). No views:
/// mu_BL = mu_0, Sigma_BL = (1 + tau) Sigma. weights are PyPortfolioOpt's bl_weights: (delta
/// Sigma)^-1 (mu_BL - rf) with the PRIOR Sigma, normalised to sum to 1 (delta cancels; rf =
/// options.risk_free, 0 in PyPortfolioOpt): the unconstrained tangency portfolio. For any other
/// optimiser of keel pass posterior_returns with cov (PyPortfolioOpt's usage) or with
/// posterior_covariance (He and Litterman's).
/// \pre prior N finite values; cov N x N finite, symmetric, positive definite; views.P K x N
///      and views.Q K, finite, no zero row of P; 0 < tau finite; omega empty or K x K finite,
///      symmetric, PSD; confidences empty or K values in [0, 1], not both (invalid_input).
/// \throws singular_problem when cov is not positive definite or A is singular (dependent
///         certain views); infeasible when Sigma^-1 (mu_BL - rf) does not sum to a positive number.
/// \returns bl_result{posterior_returns, posterior_covariance, weights, omega}.
/// Ref: Black and Litterman, Financial Analysts J. 48 (1992); He and Litterman, Goldman Sachs
/// (1999); Idzorek, "A step-by-step guide to the Black-Litterman model" (2005).
template <Series M, class DCov>
[[nodiscard]] bl_result<detail::markowitz_real_t<DCov, M>> black_litterman(const M& prior,
                                                                           const Eigen::MatrixBase<DCov>& cov,
                                                                           const bl_views& views,
                                                                           const bl_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  using matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr std::string_view fn = "black_litterman";
  detail::require_option_in(fn, "tau", options.tau, std::numeric_limits<double>::min(), 1e150, "finite and > 0");
  detail::require_rate(fn, "risk_free", options.risk_free);
  matrix q;
  detail::load_covariance(fn, cov, q);
  const Eigen::Index n = q.rows();
  detail::require_same_size(fn, "prior", detail::ssize(prior), "cov", n);
  const auto mu0 = detail::vector_of<acc>(prior);
  detail::require_finite(fn, "prior", mu0);
  detail::require_scale(fn, "prior", mu0, 1e-150, 1e150);
  detail::check_views(fn, views, n);
  const Eigen::Index k = views.P.rows();
  const matrix p = k > 0 ? matrix(views.P.template cast<acc>()) : matrix(0, n);
  const Eigen::Matrix<acc, Eigen::Dynamic, 1> qv = views.Q.template cast<acc>();
  const auto tau = static_cast<acc>(options.tau);
  const matrix omega = detail::view_uncertainty<acc>(fn, options, p, q, tau);
  detail::bl_posterior<acc> post = detail::black_litterman_posterior<acc>(fn, mu0, q, p, qv, omega, tau);
  // q is not needed after this: the weights factorise it in place.
  const Eigen::Matrix<acc, Eigen::Dynamic, 1> w =
      detail::bl_tangency_weights<acc>(fn, q, post.mean, static_cast<acc>(options.risk_free));
  if (!post.mean.allFinite() || !post.covariance.allFinite() || !w.allFinite())
    detail::throw_overflow(fn, "the posterior");
  bl_result<real> out;
  out.posterior_returns = post.mean.template cast<real>();
  if constexpr (std::is_same_v<real, acc>)
    out.posterior_covariance = std::move(post.covariance);  // no N x N copy
  else
    out.posterior_covariance = post.covariance.template cast<real>();
  out.weights = w.template cast<real>();
  out.omega = omega.template cast<real>();
  return out;
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

/// The return target of efficient_cvar_return and efficient_cdar_return: a target within
/// rounding (16 N eps relative) above the largest return t_max is t_max, as every peer solves
/// mu.maxCoeff() long-only; one further above throws infeasible with the attainable range,
/// whose low end (the least-risk portfolio's return, `least_risk_return()`: one more LP) is
/// computed only then.
template <class Acc, class F>
[[nodiscard]] Acc reachable_return_target(std::string_view fn, const cvar_model<Acc>& m,
                                          const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu, double target_return,
                                          Acc t_max, std::string_view measure, F&& least_risk_return) {
  const auto target = static_cast<Acc>(target_return);
  if (target <= t_max) return target;
  const Acc slack = 16 * static_cast<Acc>(m.rt.rows()) * std::numeric_limits<Acc>::epsilon() *
                    (std::fabs(t_max) + mu.cwiseAbs().maxCoeff());
  if (!(target <= t_max + slack)) {
    const Acc t_low = least_risk_return();
    const std::string least = "the minimum-" + std::string(measure) + " portfolio";
    throw_unreachable(
        fn, "target_return", target_return, static_cast<double>(std::min(t_low, t_max)), static_cast<double>(t_max),
        "the constraints: from " + least + "'s return to the largest they allow; a lower target gives " + least);
  }
  return t_max;
}

/// mu'w of a return-targeted LP's solution, checked against the target: the simplex method
/// keeps it to rounding, so a shortfall beyond 1e-9 relative is a numerical failure.
template <class Acc>
[[nodiscard]] Acc kept_return(std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mu,
                              const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w, Acc target) {
  const Acc r = mu.dot(w);
  if (!(r >= target - Acc(1e-9) * (1 + std::fabs(target))))
    throw singular_problem(message(fn, "the simplex method lost the return target to rounding"));
  return r;
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
  const acc target = detail::reachable_return_target(fn, m, mu_acc, target_return, t_max, "CVaR",
                                                     [&] { return mu_acc.dot(detail::solve_min_cvar(fn, m).weights); });
  const auto sol = detail::solve_cvar_at_return(fn, m, mu_acc, target);
  return detail::make_cvar_result<real>(fn, m, sol, detail::kept_return(fn, mu_acc, sol.weights, target));
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
  const acc target = detail::reachable_return_target(fn, m, mu_acc, target_return, t_max, "CDaR", [&] {
    return mu_acc.dot(detail::solve_min_cdar<acc>(fn, m, nullptr, acc(0)).weights);
  });
  const auto sol = detail::solve_min_cdar(fn, m, &mu_acc, target);
  return detail::make_cdar_result<real>(fn, m, sol, detail::kept_return(fn, mu_acc, sol.weights, target));
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
