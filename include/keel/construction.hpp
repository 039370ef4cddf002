// SPDX-License-Identifier: MIT
// keel/construction.hpp: portfolio construction beyond mean-variance.
//
// Synopsis
//   risk_budgeting_options{budgets}   the risk budgets b (empty: equal risk contribution)
//   risk_budgeting(cov, risk_budgeting_options{})   -> portfolio<Real>
//                                     the long-only, fully invested portfolio whose relative
//                                     risk contributions w_i (Sigma w)_i / w'Sigma w equal b
//   hierarchical_risk_parity(returns, hrp_options{linkage, risk_measure, bounds, missing})
//   hierarchical_risk_parity(cov, corr, hrp_options{})    -> hierarchical_result<Real>
//                                     Lopez de Prado's HRP: clustering, quasi-diagonal order,
//                                     recursive bisection by inverse risk
//   hierarchical_equal_risk_contribution(returns or cov, corr,
//       herc_options{clusters, linkage, risk_measure, bounds, missing}) -> hierarchical_result<Real>
//                                     Raffinot's HERC on the same tree, cut into k clusters
//   hierarchical_result{weights, order, linkage, labels}; enums linkage_method {single,
//   complete, average, ward}, cluster_risk_measure {variance, standard_deviation}
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
//   - HRP and HERC (detail/cluster.hpp) follow the Python stack step by step: pandas' .cov()
//     (n - 1) and .corr() (pairwise over common rows with `missing_data::pairwise`), distances
//     sqrt(clip((1 - rho) / 2, 0, 1)) passed condensed to SciPy's linkage (PyPortfolioOpt's
//     HRPOpt; not the paper's Euclidean distances between rows of the distance matrix), SciPy's
//     linkage algorithms, tie rules and labels (Z is scipy.cluster.hierarchy.linkage's, the
//     order to_tree(Z).pre_order()), no optimal leaf ordering. HRP bisects the ordered list in
//     halves (first len / 2 left, PyPortfolioOpt and skfolio), not the tree's children; HERC
//     splits by the tree (skfolio). The weights do not depend on cov's scale.
//
// References
//   F. Spinu, "An algorithm for computing risk parity weights", SSRN 2297383 (2013).
//   S. Maillard, T. Roncalli and J. Teiletche, "The properties of equally weighted risk
//   contribution portfolios", J. Portfolio Management 36 (2010) 60-70.
//   T. Roncalli, Introduction to Risk Parity and Budgeting, Chapman & Hall (2013), ch. 2.
//   S. Boyd and L. Vandenberghe, Convex Optimization (2004), sec. 9.5 (Newton's method).
//   F. Griveau-Billion, J.-C. Richard and T. Roncalli, "A fast algorithm for computing high-
//   dimensional risk parity portfolios", SSRN 2325255 (2013) (cyclical coordinate descent).
//   M. Lopez de Prado, "Building diversified portfolios that outperform out of sample", J.
//   Portfolio Management 42 (2016) 59-69. T. Raffinot, "Hierarchical clustering-based asset
//   allocation", J. Portfolio Management 44 (2017) 89-99; "The hierarchical equal risk
//   contribution portfolio", SSRN 3237540 (2018). D. Mullner, "Modern hierarchical,
//   agglomerative clustering algorithms", arXiv:1109.2378 (2011). M. Yue, J. Wang and Z. Wei,
//   "Application of two-order difference to gap statistic", Trans. Tianjin Univ. 15 (2009).
/// \file
/// Portfolio construction: risk budgeting (equal risk contribution), hierarchical risk parity, HERC.
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
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/cluster.hpp>
#include <keel/detail/gram.hpp>
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
};

/// The result of hierarchical_risk_parity and hierarchical_equal_risk_contribution.
template <class Real = double>
struct hierarchical_result {
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

/// The covariance and correlation matrices HRP and HERC work from.
template <class Acc>
struct hierarchical_moments {
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> cov, corr;
};

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
[[nodiscard]] hierarchical_moments<Acc> moments_of_returns(std::string_view fn, const Eigen::MatrixBase<Derived>& x,
                                                           missing_data missing) {
  const Eigen::Index n = x.cols();
  require_observations(fn, 2, n, "assets");
  gram_workspace<Acc> ws;
  hierarchical_moments<Acc> m;
  m.cov.resize(n, n);
  m.corr.resize(n, n);
  if (missing != missing_data::pairwise) {
    const Eigen::Index rows = used_rows(fn, x, missing, 2, {}, ws);
    centre_columns(ws);
    gram_of_centred(ws);
    check_gram_range(fn, ws.gram, static_cast<Acc>(rows));
    for (Eigen::Index j = 0; j < n; ++j)
      if (!(ws.gram(j, j) > 0)) throw_zero_variance(fn, j, "");
    m.cov = ws.gram / static_cast<Acc>(rows - 1);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = j; i < n; ++i)
        m.corr(i, j) = m.corr(j, i) =
            i == j ? Acc(1) : std::clamp(ws.gram(i, j) / std::sqrt(ws.gram(i, i) * ws.gram(j, j)), Acc(-1), Acc(1));
    return m;
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
  return m;
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
[[nodiscard]] std::vector<Acc> correlation_distances(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& corr) {
  const Eigen::Index n = corr.rows();
  std::vector<Acc> d;
  d.reserve(uz(n * (n - 1) / 2));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) d.push_back(std::sqrt(std::clamp((1 - corr(i, j)) / 2, Acc(0), Acc(1))));
  return d;
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

/// The common tail of HRP and HERC: distances, tree, order.
template <class Acc>
struct hierarchical_tree {
  std::vector<Acc> distances;
  linkage_matrix<Acc> z;
  std::vector<std::ptrdiff_t> order;
};

template <class Acc>
[[nodiscard]] hierarchical_tree<Acc> build_tree(const hierarchical_moments<Acc>& m, linkage_method method) {
  static_assert(static_cast<int>(linkage_method::ward) == static_cast<int>(merge_rule::ward));
  hierarchical_tree<Acc> t;
  t.distances = correlation_distances(m.corr);
  t.z = hierarchical_linkage(t.distances, m.corr.rows(), static_cast<merge_rule>(method));
  t.order = leaf_order(t.z);
  return t;
}

template <class Real, class Acc>
[[nodiscard]] hierarchical_result<Real> hierarchical_hrp(std::string_view fn, const hierarchical_moments<Acc>& m,
                                                         const hrp_options& options) {
  const Eigen::Index n = m.cov.rows();
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> lower, upper, w;
  load_hierarchical_bounds(fn, options.bounds, n, lower, upper);
  hierarchical_tree<Acc> t = build_tree(m, options.linkage);
  const cluster_risk<Acc> risk{m.cov, options.risk_measure == cluster_risk_measure::standard_deviation, fn};
  hrp_bisection(risk, t.order, lower, upper, w);
  return {w.template cast<Real>(), std::move(t.order), t.z.template cast<Real>(), {}};
}

template <class Real, class Acc>
[[nodiscard]] hierarchical_result<Real> hierarchical_herc(std::string_view fn, const hierarchical_moments<Acc>& m,
                                                          const herc_options& options) {
  const Eigen::Index n = m.cov.rows();
  if (options.clusters < 0 || options.clusters > n)
    throw_bad_option(fn, "clusters", static_cast<double>(options.clusters),
                     "in [1, " + std::to_string(n) + "] (the number of assets), or 0 to choose it");
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> lower, upper, w;
  load_hierarchical_bounds(fn, options.bounds, n, lower, upper);
  hierarchical_tree<Acc> t = build_tree(m, options.linkage);
  const std::ptrdiff_t k = options.clusters > 0 ? options.clusters : gap_cluster_count(t.z, t.distances, t.order);
  std::vector<std::ptrdiff_t> labels = flat_clusters(t.z, k, t.order);
  const cluster_risk<Acc> risk{m.cov, options.risk_measure == cluster_risk_measure::standard_deviation, fn};
  herc_weights(risk, t.z, labels, w);
  bounded_relative_projection(fn, w, lower, upper);
  return {w.template cast<Real>(), std::move(t.order), t.z.template cast<Real>(), std::move(labels)};
}

}  // namespace detail

/// Hierarchical risk parity (Lopez de Prado 2016) of a T x N returns panel: the sample
/// covariance and Pearson correlation (pandas' .cov() / .corr()), distances sqrt((1 - rho) /
/// 2) clustered by `linkage` (SciPy's linkage on the condensed distances, as PyPortfolioOpt's
/// HRPOpt), the leaves in the dendrogram's order, then recursive bisection of that ordered
/// list in halves: the left half gets alpha = 1 - r_L / (r_L + r_R), r the risk of each half's
/// inverse-risk portfolio. Ties and labels follow SciPy, so the data gives PyPortfolioOpt's
/// order and weights; no optimal leaf ordering (skfolio applies it: its order can differ).
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
  using acc = detail::accum_t<typename Derived::Scalar>;
  constexpr std::string_view fn = "hierarchical_risk_parity";
  return detail::hierarchical_hrp<typename Derived::Scalar>(
      fn, detail::moments_of_returns<acc>(fn, returns, options.missing), options);
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
  return detail::hierarchical_hrp<typename DCov::Scalar>(fn, detail::moments_of<acc>(fn, cov, corr), options);
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
  using acc = detail::accum_t<typename Derived::Scalar>;
  constexpr std::string_view fn = "hierarchical_equal_risk_contribution";
  return detail::hierarchical_herc<typename Derived::Scalar>(
      fn, detail::moments_of_returns<acc>(fn, returns, options.missing), options);
}

/// HERC from a covariance and its correlation matrix (as the cov form of hierarchical_risk_parity).
template <class DCov, class DCorr>
  requires std::floating_point<typename DCov::Scalar> && std::floating_point<typename DCorr::Scalar>
[[nodiscard]] hierarchical_result<typename DCov::Scalar> hierarchical_equal_risk_contribution(
    const Eigen::MatrixBase<DCov>& cov, const Eigen::MatrixBase<DCorr>& corr, const herc_options& options = {}) {
  using acc = detail::accum_t<typename DCov::Scalar>;
  constexpr std::string_view fn = "hierarchical_equal_risk_contribution";
  return detail::hierarchical_herc<typename DCov::Scalar>(fn, detail::moments_of<acc>(fn, cov, corr), options);
}

}  // namespace keel
