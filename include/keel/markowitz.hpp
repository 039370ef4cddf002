// SPDX-License-Identifier: MIT
// keel/markowitz.hpp: mean-variance portfolios, solved exactly, with the constraints real
// mandates carry.
//
// Synopsis
//   weight_bounds{lower, upper}       per-asset bounds: long_only() = [0, 1] (the default),
//                                     unbounded(), a scalar pair (-1, 1), per-asset vectors
//   portfolio_constraints{bounds, budget, groups, group_limits, linear}
//                                     bounds, a budget (sum w = 1 by default, market_neutral
//                                     sum w = 0, or none), group limits on sums of weights by
//                                     label (sectors), linear constraints a'w <= b, = b, >= b;
//                                     a weight_bounds converts to it
//   portfolio<Real>{weights, expected_return, volatility, sharpe}
//   markowitz_options{risk_free}      the annual risk-free rate of the Sharpe ratios (0)
//   two_asset_min_variance(sigma1, sigma2, rho)                  the analytic two-asset forms
//   two_asset_tangency(mu1, mu2, sigma1, sigma2, rho, markowitz_options{})
//   min_variance(cov, constraints)                               least variance
//   max_sharpe(mu, cov, constraints, markowitz_options{})        largest (mu'w - rf) / sigma
//   efficient_return(mu, cov, target_return, constraints, markowitz_options{})
//                                                                least variance, mu'w >= target
//   efficient_risk(mu, cov, target_volatility, constraints, markowitz_options{})
//                                                                largest return, sigma <= target
//   max_quadratic_utility(mu, cov, risk_aversion, constraints, markowitz_options{})
//                                                                largest mu'w - delta/2 w'Sigma w
//   kelly_weights(mu, cov, kelly_options{fraction, bounds, risk_free})
//                                                                growth-optimal (quadratic) weights
//   portfolio_performance(weights, mu, cov, markowitz_options{}) return, volatility, Sharpe
//
// Conventions
//   - mu (N, annualised expected returns) and weights (N) are any Series (std::vector,
//     std::span, Eigen vectors and expressions, Eigen::Map, the caller's containers); cov (N x
//     N, annualised covariance) is an Eigen matrix expression (covariance.hpp and
//     expected_returns.hpp estimate them). The risk-free rate is an options field, annual
//     beside them. Sharpe = (mu'w - rf) / sqrt(w'Sigma w), PyPortfolioOpt's definition; a
//     portfolio of zero volatility has Sharpe +-inf (0 when it earns rf).
//   - Weights are fractions of the budget; without bounds (unbounded()) the problems have the
//     two-fund closed forms (Merton 1972) solved by Cholesky. Otherwise they are solved
//     exactly, to rounding, by the parametric active-set method (detail/qp.hpp): the whole
//     efficient frontier is a finite list of corner portfolios, and each function reads its
//     answer off the right segment in closed form (no root finder, no tolerance to tune).
//   - efficient_return is min w'Sigma w subject to mu'w >= target (the minimum-variance
//     portfolio when it already earns the target); efficient_risk is max mu'w subject to
//     sqrt(w'Sigma w) <= target; both as PyPortfolioOpt. max_quadratic_utility(delta) is the
//     frontier point at risk tolerance 1 / delta.
//   - A singular covariance is allowed where the constraints make the answer unique (a
//     riskless asset, more assets than observations with bounds); where several portfolios
//     are optimal one is returned, deterministically (efficient_frontier's minimum-variance
//     portfolio is the one of largest return among them).
//   - float inputs are computed in double and rounded once; long double stays long double.
//
// References
//   H. Markowitz, "Portfolio selection", J. Finance 7 (1952) 77-91; "The optimization of a
//   quadratic function subject to linear constraints", Naval Res. Logist. Q. 3 (1956). R. C.
//   Merton, "An analytic derivation of the efficient portfolio frontier", J. Financ. Quant.
//   Anal. 7 (1972) 1851-1872. M. J. Best, "An algorithm for the solution of the parametric
//   quadratic programming problem" (1996). J. L. Kelly, "A new interpretation of information
//   rate", Bell Syst. Tech. J. 35 (1956); E. O. Thorp, "The Kelly criterion in blackjack,
//   sports betting and the stock market" (2006), sec. 7 (the quadratic approximation).
/// \file
/// Markowitz portfolios: two-asset closed forms, min_variance, max_sharpe, efficient_return, efficient_risk, Kelly.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
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

#include <keel/detail/check.hpp>
#include <keel/detail/frontier_path.hpp>
#include <keel/detail/qp.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

struct portfolio_constraints;

/// Lower and upper bounds on each asset's weight. One value applies to every asset; a vector
/// gives one per asset. Infinite bounds are allowed (unbounded() has no bounds at all).
class weight_bounds {
 public:
  Eigen::VectorXd lower;  ///< 1 value (every asset) or N values
  Eigen::VectorXd upper;  ///< 1 value (every asset) or N values

  /// Long-only, [0, 1] for every asset (PyPortfolioOpt's default).
  weight_bounds() : weight_bounds(0.0, 1.0) {}
  /// The same [lower, upper] for every asset, e.g. weight_bounds(-1, 1).
  weight_bounds(double lower_bound, double upper_bound)
      : lower(Eigen::VectorXd::Constant(1, lower_bound)), upper(Eigen::VectorXd::Constant(1, upper_bound)) {}
  /// Per-asset bounds (each of size N, or 1 for every asset).
  weight_bounds(Eigen::VectorXd lower_bounds, Eigen::VectorXd upper_bounds)
      : lower(std::move(lower_bounds)), upper(std::move(upper_bounds)) {}

  /// [0, 1] for every asset: no short sales, no leverage of one asset.
  [[nodiscard]] static weight_bounds long_only() { return {0.0, 1.0}; }
  /// No bounds: the closed forms apply when nothing else constrains the weights.
  [[nodiscard]] static weight_bounds unbounded() {
    return {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  }
  /// These bounds with the default budget (fully invested) and nothing else.
  operator portfolio_constraints() const;  // NOLINT: converts implicitly by design
};

/// What the weights sum to.
enum class budget_rule {
  fully_invested,  ///< sum w = 1
  market_neutral,  ///< sum w = 0 (a long-short book; needs negative lower bounds)
  none             ///< no budget constraint (cash absorbs the rest: Kelly)
};

/// Relation of a linear constraint a'w (relation) bound.
enum class constraint_relation {
  less_equal,    ///< a'w <= bound
  equal,         ///< a'w = bound
  greater_equal  ///< a'w >= bound
};

/// A limit on the total weight of the assets labelled `group` (e.g. a sector).
struct group_limit {
  std::string group;                                        ///< the label, as in portfolio_constraints::groups
  double lower = -std::numeric_limits<double>::infinity();  ///< minimum total weight
  double upper = std::numeric_limits<double>::infinity();   ///< maximum total weight
};

/// A general linear constraint a'w (relation) bound, e.g. a portfolio beta of at most 0.8.
struct linear_constraint {
  Eigen::VectorXd coefficients;                                    ///< a, one per asset
  constraint_relation relation = constraint_relation::less_equal;  ///< <=, = or >=
  double bound = 0;                                                ///< b
  std::string name{};                                              ///< used in messages ("beta")
};

/// Every constraint of a Markowitz problem. Fields in the order the issue lists them; a
/// weight_bounds converts to it (budget 1, no groups, no linear constraints).
struct portfolio_constraints {
  weight_bounds bounds{};                            ///< per-asset bounds (long-only default)
  budget_rule budget = budget_rule::fully_invested;  ///< sum of weights: 1, 0 or free
  std::vector<std::string> groups{};                 ///< a label per asset (empty: no groups)
  std::vector<group_limit> group_limits{};           ///< limits on labelled totals
  std::vector<linear_constraint> linear{};           ///< a'w <= b, = b, >= b
};

inline weight_bounds::operator portfolio_constraints() const { return portfolio_constraints{*this}; }

/// A portfolio and its performance: weights (fractions of the budget), expected return mu'w,
/// volatility sqrt(w'Sigma w) and Sharpe ratio (mu'w - rf) / volatility (units of mu, cov).
template <class Real = double>
struct portfolio {
  Eigen::Matrix<Real, Eigen::Dynamic, 1> weights;  ///< one per asset
  Real expected_return{};                          ///< mu'w (0 where no mu was given)
  Real volatility{};                               ///< sqrt(w'Sigma w)
  Real sharpe{};                                   ///< (expected_return - rf) / volatility
};

/// Which constraint holds with equality on a frontier segment.
enum class constraint_kind {
  lower_bound,  ///< w_index at its lower bound
  upper_bound,  ///< w_index at its upper bound
  budget,       ///< the budget row
  group_lower,  ///< group_limits[index] at its minimum (or an equality limit)
  group_upper,  ///< group_limits[index] at its maximum
  linear        ///< linear[index] holds with equality
};

/// One constraint of a working set: its kind and the asset, group limit or linear constraint.
struct active_constraint {
  constraint_kind kind = constraint_kind::lower_bound;  ///< what holds
  std::ptrdiff_t index = 0;                             ///< asset / group limit / linear index (0 for the budget)
  friend bool operator==(const active_constraint&, const active_constraint&) = default;
};

/// Options of kelly_weights.
struct kelly_options {
  /// Fraction of the full Kelly bet: w = fraction * Sigma^-1 (mu - rf) without constraints
  /// (0.5 = half Kelly); with constraints the risk aversion is 1 / fraction.
  double fraction = 1;
  /// Constraints; by default none at all (no bounds, no budget: cash at rf absorbs the rest).
  portfolio_constraints bounds{weight_bounds::unbounded(), budget_rule::none};
  /// Annual risk-free rate earned (or paid) by the cash 1 - sum w.
  double risk_free = 0;
};

/// Options of two_asset_tangency, max_sharpe, efficient_return, efficient_risk,
/// max_quadratic_utility and portfolio_performance.
struct markowitz_options {
  /// Annual risk-free rate (the units of mu): the Sharpe ratio of the result is (mu'w - rf) /
  /// sigma; max_sharpe and two_asset_tangency maximise that ratio.
  double risk_free = 0;
};

namespace detail {

/// The result type of a cov expression and Series (mu, weights).
template <class DCov, class... S>
using markowitz_real_t = result_t<typename DCov::Scalar, value_t<S>...>;

/// A Series as an Eigen vector of Acc (a copy: the QP and the closed forms work on it).
template <class Acc, class S>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> vector_of(const S& s) {
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> out(ssize(s));
  convert_into(s, out.data());
  return out;
}

/// A Markowitz problem in the accumulation type: the QP (q = Sigma, c = mu), how its rows map
/// to the caller's constraints, and whether the closed forms apply.
template <class Acc>
struct markowitz_model {
  qp_problem<Acc> qp;
  std::vector<active_constraint> row_kinds;  ///< per QP row (group rows: group_lower; see active_of)
  bool closed_form = false;                  ///< no bounds, groups or linear constraints
  Acc budget = 1;                            ///< the budget value when there is one
  bool has_budget = true;
};

/// Copies and checks cov (square, finite, symmetric) into q; returns N.
template <class Acc, class Derived>
void load_covariance(std::string_view fn, const Eigen::MatrixBase<Derived>& cov,
                     Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q) {
  if (cov.rows() != cov.cols())
    throw invalid_input(
        message(fn, "cov is " + std::to_string(cov.rows()) + " x " + std::to_string(cov.cols()) + ", not square"));
  if (cov.rows() == 0) throw invalid_input(message(fn, "cov has no assets"));
  require_finite_cells(fn, "cov", cov);
  require_scale(fn, "cov", cov, 1e-150, 1e150);
  q = cov.template cast<Acc>();
  const Acc scale = q.cwiseAbs().maxCoeff();
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    for (Eigen::Index i = j + 1; i < q.rows(); ++i)
      if (std::fabs(q(i, j) - q(j, i)) > Acc(1e-10) * scale)
        throw invalid_input(message(
            fn, "cov is not symmetric: " + cell_text("cov", i, j) + " = " + number_text(static_cast<double>(q(i, j))) +
                    " but " + cell_text("cov", j, i) + " = " + number_text(static_cast<double>(q(j, i)))));
  // (q + q') / 2 in place, cell for cell the same numbers without an N x N temporary (whose
  // fresh pages cost more than the arithmetic at N = 500).
  for (Eigen::Index j = 0; j < q.cols(); ++j)
    for (Eigen::Index i = j + 1; i < q.rows(); ++i) q(i, j) = q(j, i) = (q(i, j) + q(j, i)) / 2;
}

/// Throws singular_problem unless q is positive semi-definite (to rounding).
template <class Acc>
void require_psd(std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q) {
  Eigen::LLT<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>> llt(q);
  if (llt.info() == Eigen::Success) return;
  Eigen::LDLT<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>> ldlt(q);
  // A rank-deficient PSD matrix (fewer observations than assets) has pivots of rounding size
  // either side of 0; a matrix that is not PSD has a pivot well below.
  const Acc tol = Acc(1e-11) * static_cast<Acc>(q.rows()) * q.diagonal().cwiseAbs().maxCoeff();
  const auto d = ldlt.vectorD();
  if (d.allFinite() && d.minCoeff() >= -tol) return;
  throw singular_problem(message(fn, "cov is not positive semi-definite (a pivot of its LDL' factorisation is " +
                                         number_text(static_cast<double>(d.minCoeff())) +
                                         "); estimate it with ledoit_wolf, or repair it"));
}

/// Per-asset bounds of size N from a weight_bounds (one value broadcast).
[[nodiscard]] inline Eigen::VectorXd expand_bound(std::string_view fn, const Eigen::VectorXd& b, Eigen::Index n,
                                                  std::string_view name) {
  if (b.size() == 1) return Eigen::VectorXd::Constant(n, b(0));
  if (b.size() != n)
    throw invalid_input(message(fn, "bounds." + std::string(name) + " has " + std::to_string(b.size()) +
                                        " values but there are " + std::to_string(n) + " assets"));
  return b;
}

/// Checks the bounds and budget and builds them into the model.
template <class Acc>
void load_bounds(std::string_view fn, const portfolio_constraints& pc, Eigen::Index n, markowitz_model<Acc>& m) {
  const Eigen::VectorXd lo = expand_bound(fn, pc.bounds.lower, n, "lower");
  const Eigen::VectorXd hi = expand_bound(fn, pc.bounds.upper, n, "upper");
  for (Eigen::Index i = 0; i < n; ++i) {
    if (std::isnan(lo(i)) || std::isnan(hi(i)) || lo(i) > hi(i) || lo(i) == std::numeric_limits<double>::infinity() ||
        hi(i) == -std::numeric_limits<double>::infinity())
      throw invalid_input(message(fn, "the bounds of " + element_text("w", i) + " are [" + number_text(lo(i)) + ", " +
                                          number_text(hi(i)) + "]: need lower <= upper, neither NaN"));
  }
  // Weights are fractions of the budget: finite bounds beyond 1e9 in size are a unit error.
  const auto finite_part = [](const Eigen::VectorXd& b) {
    return Eigen::VectorXd(b.unaryExpr([](double x) { return std::isfinite(x) ? x : 0.0; }));
  };
  require_scale(fn, "bounds.lower", finite_part(lo), 1e-150, 1e9);
  require_scale(fn, "bounds.upper", finite_part(hi), 1e-150, 1e9);
  m.qp.lower = lo.cast<Acc>();
  m.qp.upper = hi.cast<Acc>();
  m.has_budget = pc.budget != budget_rule::none;
  m.budget = pc.budget == budget_rule::market_neutral ? Acc(0) : Acc(1);
  if (!m.has_budget) return;
  const double sum_lo = lo.sum(), sum_hi = hi.sum(), b = static_cast<double>(m.budget);
  const std::string what = pc.budget == budget_rule::market_neutral ? "0 (market neutral)" : "1 (fully invested)";
  if (sum_lo > b + 1e-12 * (1 + std::fabs(sum_lo)))
    throw infeasible(
        message(fn, "the weights must sum to " + what + ", but their lower bounds sum to " + number_text(sum_lo)));
  if (sum_hi < b - 1e-12 * (1 + std::fabs(sum_hi)))
    throw infeasible(
        message(fn, "the weights must sum to " + what + ", but their upper bounds sum to " + number_text(sum_hi)));
}

/// Adds a QP row lo <= a'w <= hi.
template <class Acc>
void add_row(markowitz_model<Acc>& m, const Eigen::VectorXd& a, double lo, double hi, std::string name,
             active_constraint kind) {
  const Eigen::Index r = m.qp.a.rows();
  m.qp.a.conservativeResize(r + 1, Eigen::NoChange);
  m.qp.a.row(r) = a.transpose().cast<Acc>();
  m.qp.row_lower.conservativeResize(r + 1);
  m.qp.row_upper.conservativeResize(r + 1);
  m.qp.row_lower(r) = static_cast<Acc>(lo);
  m.qp.row_upper(r) = static_cast<Acc>(hi);
  m.qp.row_names.push_back(std::move(name));
  m.row_kinds.push_back(kind);
}

/// Checks the group limits (labels, members' bounds) and adds one two-sided row per limit.
template <class Acc>
void load_groups(std::string_view fn, const portfolio_constraints& pc, Eigen::Index n, markowitz_model<Acc>& m) {
  if (pc.group_limits.empty()) return;
  if (static_cast<Eigen::Index>(pc.groups.size()) != n)
    throw invalid_input(message(fn, "groups has " + std::to_string(pc.groups.size()) + " labels but there are " +
                                        std::to_string(n) + " assets (group_limits need a label per asset)"));
  for (std::size_t g = 0; g < pc.group_limits.size(); ++g) {
    const group_limit& gl = pc.group_limits[g];
    const std::string name = "group " + printable(gl.group);
    if (std::isnan(gl.lower) || std::isnan(gl.upper) || gl.lower > gl.upper ||
        (std::fabs(gl.lower) > 1e9 && std::isfinite(gl.lower)) ||
        (std::fabs(gl.upper) > 1e9 && std::isfinite(gl.upper)))
      throw invalid_input(message(fn, name + " has limits [" + number_text(gl.lower) + ", " + number_text(gl.upper) +
                                          "]: need min <= max, neither NaN, finite ones within 1e9"));
    Eigen::VectorXd a = Eigen::VectorXd::Zero(n);
    double lo_sum = 0, hi_sum = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (pc.groups[static_cast<std::size_t>(i)] == gl.group) {
        a(i) = 1;
        lo_sum += static_cast<double>(m.qp.lower(i));
        hi_sum += static_cast<double>(m.qp.upper(i));
      }
    if (a.sum() == 0) throw invalid_input(message(fn, name + " has no assets (no label in groups matches it)"));
    if (lo_sum > gl.upper + 1e-12 * (1 + std::fabs(lo_sum)))
      throw infeasible(message(fn, name + " max " + number_text(gl.upper) +
                                       ", but the lower bounds of its members sum to " + number_text(lo_sum)));
    if (hi_sum < gl.lower - 1e-12 * (1 + std::fabs(hi_sum)))
      throw infeasible(message(fn, name + " min " + number_text(gl.lower) +
                                       ", but the upper bounds of its members sum to " + number_text(hi_sum)));
    add_row(m, a, gl.lower, gl.upper, name, {constraint_kind::group_lower, static_cast<std::ptrdiff_t>(g)});
  }
}

/// Checks the linear constraints and adds their rows.
template <class Acc>
void load_linear(std::string_view fn, const portfolio_constraints& pc, Eigen::Index n, markowitz_model<Acc>& m) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < pc.linear.size(); ++k) {
    const linear_constraint& lc = pc.linear[k];
    const std::string name = lc.name.empty() ? "linear constraint " + std::to_string(k) : printable(lc.name);
    if (lc.coefficients.size() != n)
      throw invalid_input(message(fn, name + " has " + std::to_string(lc.coefficients.size()) +
                                          " coefficients but there are " + std::to_string(n) + " assets"));
    require_finite(fn, name + " coefficients", lc.coefficients);
    require_scale(fn, name + " coefficients", lc.coefficients, 1e-150, 1e150);
    if (!std::isfinite(lc.bound) || std::fabs(lc.bound) > 1e150)
      throw_bad_option(fn, name + " bound", lc.bound, "finite, within 1e150");
    const double lo = lc.relation == constraint_relation::less_equal ? -inf : lc.bound;
    const double hi = lc.relation == constraint_relation::greater_equal ? inf : lc.bound;
    add_row(m, lc.coefficients, lo, hi, name, {constraint_kind::linear, static_cast<std::ptrdiff_t>(k)});
  }
}

/// The model of a problem: checked covariance (PSD), expected returns (a Series, or none:
/// nullptr), constraints.
template <class Acc, class M, class DCov>
[[nodiscard]] markowitz_model<Acc> make_model(std::string_view fn, const M* mu, const Eigen::MatrixBase<DCov>& cov,
                                              const portfolio_constraints& pc) {
  markowitz_model<Acc> m;
  load_covariance(fn, cov, m.qp.q);
  const Eigen::Index n = m.qp.q.rows();
  if (mu != nullptr) {
    require_same_size(fn, "mu", ssize(*mu), "cov", n);
    m.qp.c = vector_of<Acc>(*mu);
    require_finite(fn, "mu", m.qp.c);
    require_scale(fn, "mu", m.qp.c, 1e-150, 1e150);
  } else {
    m.qp.c.setZero(n);
  }
  require_psd(fn, m.qp.q);
  load_bounds(fn, pc, n, m);
  m.qp.a.resize(0, n);
  if (m.has_budget)
    add_row(m, Eigen::VectorXd::Ones(n), static_cast<double>(m.budget), static_cast<double>(m.budget), "sum of weights",
            {constraint_kind::budget, 0});
  load_groups(fn, pc, n, m);
  load_linear(fn, pc, n, m);
  m.closed_form = pc.group_limits.empty() && pc.linear.empty() &&
                  (m.qp.lower.array() == -std::numeric_limits<Acc>::infinity()).all() &&
                  (m.qp.upper.array() == std::numeric_limits<Acc>::infinity()).all();
  for (Eigen::Index i = 0; i < n; ++i) m.qp.variable_names.push_back(element_text("w", i));
  return m;
}

/// The two-fund closed form (Merton 1972): with Sigma = L L', w(lambda) = b Sigma^-1 1 / A +
/// lambda (Sigma^-1 mu - (B / A) Sigma^-1 1) under a budget b, lambda Sigma^-1 mu without one;
/// A = 1'Sigma^-1 1, B = 1'Sigma^-1 mu.
template <class Acc>
[[nodiscard]] frontier_path<Acc> closed_form_path(std::string_view fn, const markowitz_model<Acc>& m) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  const Eigen::Index n = m.qp.q.rows();
  Eigen::LLT<Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>> llt(m.qp.q);
  const auto diag = llt.matrixLLT().diagonal();
  if (llt.info() != Eigen::Success || diag.cwiseAbs2().minCoeff() <= 64 * static_cast<Acc>(n) *
                                                                         std::numeric_limits<Acc>::epsilon() *
                                                                         m.qp.q.diagonal().maxCoeff())
    throw singular_problem(message(fn,
                                   "cov is singular, so with unbounded weights the optimum is not unique or not "
                                   "finite; bound the weights, or estimate cov with ledoit_wolf"));
  frontier_path<Acc> path;
  vector x1 = llt.solve(m.qp.c);
  vector w0 = vector::Zero(n);
  std::vector<qp_active> act;
  if (m.has_budget) {
    const vector s1 = llt.solve(vector::Ones(n));
    const Acc a = s1.sum(), b = x1.sum();
    w0 = (m.budget / a) * s1;
    x1 -= (b / a) * s1;
    act.push_back({true, 0, qp_side::lower});
  }
  const vector g0 = m.qp.q * w0, g1 = m.qp.q * x1;
  push_corner(path, Acc(0), w0, m.qp.c.dot(w0), w0.dot(g0));
  path.actives.push_back(act);
  // The direction vanishes when mu is constant (under a budget): the frontier is one point.
  const Acc scale = m.qp.c.cwiseAbs().maxCoeff();
  path.unbounded =
      x1.dot(g1) > 64 * std::numeric_limits<Acc>::epsilon() * scale * x1.cwiseAbs().maxCoeff() && m.qp.c.dot(x1) > 0;
  if (path.unbounded) {
    path.ray = x1;
    path.ray_return = m.qp.c.dot(x1);
    path.ray_cross = w0.dot(g1);
    path.ray_curvature = x1.dot(g1);
  } else {
    path.actives.clear();
  }
  return path;
}

/// The frontier of a model up to lambda_max: closed form or parametric QP.
template <class Acc>
[[nodiscard]] frontier_path<Acc> model_path(std::string_view fn, const markowitz_model<Acc>& m, Acc lambda_max) {
  if (m.closed_form) return closed_form_path(fn, m);
  return trace_frontier(fn, m.qp, lambda_max);
}

/// A portfolio from weights in the accumulation type, rounded once to Real.
template <class Real, class Acc>
[[nodiscard]] portfolio<Real> make_portfolio(std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w, Acc r,
                                             Acc variance, Acc rf) {
  if (!std::isfinite(r) || !std::isfinite(variance) || !w.allFinite())
    throw_overflow(fn, "the portfolio's expected return or variance (" + number_text(static_cast<double>(r)) + ", " +
                           number_text(static_cast<double>(variance)) + ")");
  portfolio<Real> out;
  out.weights = w.template cast<Real>();
  for (Eigen::Index i = 0; i < w.size(); ++i) (void)rounded<Real>(fn, "a weight", w(i));
  out.expected_return = rounded<Real>(fn, "expected_return", r);
  out.volatility = rounded<Real>(fn, "volatility", std::sqrt(std::max(Acc(0), variance)));
  out.sharpe = static_cast<Real>(sharpe_of(r, variance, rf));  // +-inf only at zero volatility
  return out;
}

template <class Real, class Acc>
[[nodiscard]] portfolio<Real> make_portfolio(std::string_view fn, const path_point<Acc>& p, Acc rf) {
  return make_portfolio<Real>(fn, p.weights, p.expected_return, p.variance, rf);
}

/// The point, checked against the model's constraints (require_qp_feasible) first.
template <class Acc>
[[nodiscard]] const path_point<Acc>& checked(std::string_view fn, const markowitz_model<Acc>& m,
                                             const path_point<Acc>& p) {
  require_qp_feasible(fn, m.qp, p.weights);
  return p;
}

inline void require_rate(std::string_view fn, std::string_view name, double value) {
  if (!(std::fabs(value) <= 1e150)) throw_bad_option(fn, name, value, "finite (within 1e150)");
}

/// The public constraint of a QP working-set entry.
template <class Acc>
[[nodiscard]] active_constraint active_of(const markowitz_model<Acc>& m, const qp_active& a) {
  if (!a.is_row)
    return {a.side == qp_side::upper ? constraint_kind::upper_bound : constraint_kind::lower_bound, a.index};
  active_constraint k = m.row_kinds[static_cast<std::size_t>(a.index)];
  if (k.kind == constraint_kind::group_lower && a.side == qp_side::upper) k.kind = constraint_kind::group_upper;
  return k;
}

// Instantiated once in keel::compiled (src/markowitz.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(void require_psd<double>(std::string_view, const Eigen::MatrixXd&))
KEEL_EXTERN_TEMPLATE(void require_psd<long double>(std::string_view,
                                                   const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&))
KEEL_EXTERN_TEMPLATE(frontier_path<double> closed_form_path<double>(std::string_view, const markowitz_model<double>&))
KEEL_EXTERN_TEMPLATE(frontier_path<long double> closed_form_path<long double>(std::string_view,
                                                                              const markowitz_model<long double>&))

}  // namespace detail

/// Weights of the minimum-variance portfolio of two assets (Markowitz 1952), fully invested,
/// no bounds: w1 = (s2^2 - rho s1 s2) / (s1^2 + s2^2 - 2 rho s1 s2), w2 = 1 - w1.
/// \pre sigma1, sigma2 >= 0 and finite, -1 <= rho <= 1; else invalid_input.
/// \throws singular_problem when s1^2 + s2^2 - 2 rho s1 s2 = 0 (identical assets).
/// \returns portfolio{weights (2), expected_return 0 (no returns given), volatility, sharpe 0}.
/// Ref: Markowitz (1952); Elton, Gruber et al., Modern Portfolio Theory, 9th ed., ch. 5.
template <std::floating_point T>
[[nodiscard]] portfolio<T> two_asset_min_variance(T sigma1, T sigma2, T rho) {
  constexpr std::string_view fn = "two_asset_min_variance";
  using acc = detail::accum_t<T>;
  detail::require_option_in(fn, "sigma1", static_cast<double>(sigma1), 0, 1e150, "finite and >= 0 (within 1e150)");
  detail::require_option_in(fn, "sigma2", static_cast<double>(sigma2), 0, 1e150, "finite and >= 0 (within 1e150)");
  detail::require_option_in(fn, "rho", static_cast<double>(rho), -1, 1, "in [-1, 1]");
  const acc s1 = sigma1, s2 = sigma2, c = static_cast<acc>(rho) * s1 * s2;
  const acc den = (s1 - s2) * (s1 - s2) + 2 * (s1 * s2 - c);  // s1^2 + s2^2 - 2 rho s1 s2, without cancellation
  if (!(den > 0))
    throw singular_problem(detail::message(
        fn, "the two assets are identical (sigma1 = sigma2, rho = 1): every mix has the same variance"));
  const acc w1 = (s2 * s2 - c) / den;
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w(2);
  w << w1, 1 - w1;
  const acc v = w1 * w1 * s1 * s1 + w(1) * w(1) * s2 * s2 + 2 * w1 * w(1) * c;
  return detail::make_portfolio<T>(fn, w, acc(0), v, acc(0));
}

namespace detail {

/// two_asset_tangency with the rate in the accumulation type (the deprecated form passes a T).
template <std::floating_point T>
[[nodiscard]] portfolio<T> two_asset_tangency_at(T mu1, T mu2, T sigma1, T sigma2, T rho, accum_t<T> risk_free) {
  constexpr std::string_view fn = "two_asset_tangency";
  using acc = accum_t<T>;
  for (const auto& [name, v] :
       {std::pair{"mu1", acc(mu1)}, std::pair{"mu2", acc(mu2)}, std::pair{"risk_free", risk_free}})
    require_rate(fn, name, static_cast<double>(v));
  require_option_in(fn, "sigma1", static_cast<double>(sigma1), 1e-150, 1e150, "in [1e-150, 1e150]");
  require_option_in(fn, "sigma2", static_cast<double>(sigma2), 1e-150, 1e150, "in [1e-150, 1e150]");
  require_option_in(fn, "rho", static_cast<double>(rho), -1, 1, "in [-1, 1]");
  if (std::fabs(static_cast<double>(rho)) == 1)
    throw singular_problem(message(fn, "rho = " + number_text(static_cast<double>(rho)) +
                                           ": the covariance is singular and a riskless mix exists"));
  const acc e1 = acc(mu1) - risk_free, e2 = acc(mu2) - risk_free, s1 = sigma1, s2 = sigma2;
  const acc c = static_cast<acc>(rho) * s1 * s2;
  const acc den = e1 * s2 * s2 + e2 * s1 * s1 - (e1 + e2) * c;
  if (!(den > 0))
    throw infeasible(message(
        fn, "no fully invested portfolio has a maximum Sharpe ratio above risk_free = " +
                number_text(static_cast<double>(risk_free)) +
                " (e1 s2^2 + e2 s1^2 - (e1 + e2) rho s1 s2 = " + number_text(static_cast<double>(den)) + " <= 0)"));
  const acc w1 = (e1 * s2 * s2 - e2 * c) / den;
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w(2);
  w << w1, 1 - w1;
  const acc r = w1 * acc(mu1) + w(1) * acc(mu2);
  const acc v = w1 * w1 * s1 * s1 + w(1) * w(1) * s2 * s2 + 2 * w1 * w(1) * c;
  return make_portfolio<T>(fn, w, r, v, risk_free);
}

}  // namespace detail

/// The tangency (maximum-Sharpe) portfolio of two risky assets, fully invested, no bounds:
/// with excess returns e_i = mu_i - rf, w1 = (e1 s2^2 - e2 rho s1 s2) / (e1 s2^2 + e2 s1^2 -
/// (e1 + e2) rho s1 s2), w2 = 1 - w1; rf = options.risk_free (annual, as mu1 and mu2).
/// \pre finite arguments and risk_free, sigmas > 0, -1 <= rho <= 1; else invalid_input.
/// \throws infeasible when the denominator is <= 0 (no portfolio of positive excess return on
///         the upper branch: the maximum Sharpe ratio is not attained); singular_problem for a
///         singular 2 x 2 covariance (|rho| = 1).
/// \returns portfolio{weights (2), expected_return, volatility, sharpe}.
/// Ref: Tobin (1958); Elton, Gruber et al., Modern Portfolio Theory, 9th ed., ch. 6.
template <std::floating_point T>
[[nodiscard]] portfolio<T> two_asset_tangency(T mu1, T mu2, T sigma1, T sigma2, T rho,
                                              const markowitz_options& options = {}) {
  return detail::two_asset_tangency_at(mu1, mu2, sigma1, sigma2, rho,
                                       static_cast<detail::accum_t<T>>(options.risk_free));
}

/// Deprecated for one release: the risk-free rate is an options field.
template <std::floating_point T>
[[deprecated("use two_asset_tangency(mu1, mu2, sigma1, sigma2, rho, {.risk_free = r})")]] [[nodiscard]] portfolio<T>
two_asset_tangency(T mu1, T mu2, T sigma1, T sigma2, T rho, T risk_free) {
  return detail::two_asset_tangency_at(mu1, mu2, sigma1, sigma2, rho, static_cast<detail::accum_t<T>>(risk_free));
}

/// Expected return, volatility and Sharpe ratio of given weights; rf = options.risk_free.
/// \f[ r = \mu'w,\ \sigma = \sqrt{w'\Sigma w},\ S = (r - r_f)/\sigma \f] (S = +-inf at sigma = 0
/// unless r = rf, then 0).
/// \pre weights and mu of size N, cov N x N, all finite, risk_free finite; else invalid_input.
/// \throws singular_problem when w'Sigma w < 0 beyond rounding (cov not PSD).
/// \returns portfolio{weights (a copy), expected_return, volatility, sharpe}.
/// Ref: Sharpe, "The Sharpe ratio", J. Portfolio Management 21 (1994).
template <Series W, Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, W, M>> portfolio_performance(
    const W& weights, const M& mu, const Eigen::MatrixBase<DCov>& cov, const markowitz_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, W, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "portfolio_performance";
  const double risk_free = options.risk_free;
  detail::require_rate(fn, "risk_free", risk_free);
  Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> q;
  detail::load_covariance(fn, cov, q);
  detail::require_same_size(fn, "weights", detail::ssize(weights), "cov", q.rows());
  detail::require_same_size(fn, "mu", detail::ssize(mu), "cov", q.rows());
  const auto w = detail::vector_of<acc>(weights);
  const auto m = detail::vector_of<acc>(mu);
  detail::require_finite(fn, "weights", w);
  detail::require_finite(fn, "mu", m);
  detail::require_scale(fn, "weights", w, 1e-150, 1e150);
  detail::require_scale(fn, "mu", m, 1e-150, 1e150);
  const acc v = w.dot(q * w);
  const acc scale = (w.cwiseAbs().transpose() * q.cwiseAbs() * w.cwiseAbs()).value();
  if (v < -64 * std::numeric_limits<acc>::epsilon() * scale)
    throw singular_problem(detail::message(fn, "w'cov w = " + detail::number_text(static_cast<double>(v)) +
                                                   " < 0: cov is not positive semi-definite (use ledoit_wolf)"));
  return detail::make_portfolio<real>(fn, w, m.dot(w), v, static_cast<acc>(risk_free));
}

/// Deprecated for one release: the risk-free rate is an options field.
template <Series W, Series M, class DCov, class R>
  requires std::is_arithmetic_v<R>
[[deprecated("use portfolio_performance(weights, mu, cov, {.risk_free = r})")]] [[nodiscard]] portfolio<
    detail::markowitz_real_t<DCov, W, M>>
portfolio_performance(const W& weights, const M& mu, const Eigen::MatrixBase<DCov>& cov, R risk_free) {
  return portfolio_performance(weights, mu, cov, markowitz_options{.risk_free = static_cast<double>(risk_free)});
}

/// The minimum-variance portfolio: argmin w'Sigma w under the constraints.
/// Unbounded and fully invested: w = Sigma^-1 1 / (1'Sigma^-1 1) (Merton 1972).
/// \pre cov square, finite, symmetric; constraints sized to N (invalid_input).
/// \throws singular_problem for a cov that is not PSD, or singular with no bounds to make the
///         answer unique; infeasible when the constraints cannot all hold (naming them).
/// \returns portfolio{weights, expected_return 0 (no mu: see portfolio_performance),
///          volatility, sharpe 0}. Where several portfolios have the least variance, one.
/// Ref: Markowitz (1952); Merton (1972).
template <class DCov>
  requires std::floating_point<typename DCov::Scalar>
[[nodiscard]] portfolio<typename DCov::Scalar> min_variance(const Eigen::MatrixBase<DCov>& cov,
                                                            const portfolio_constraints& constraints = {}) {
  using real = typename DCov::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "min_variance";
  const auto m =
      detail::make_model<acc>(fn, static_cast<const Eigen::Matrix<acc, Eigen::Dynamic, 1>*>(nullptr), cov, constraints);
  Eigen::Matrix<acc, Eigen::Dynamic, 1> w;
  if (m.closed_form) {
    w = detail::closed_form_path(fn, m).weights.front();
  } else {
    w = detail::solve_qp<acc>(fn, m.qp).x;
  }
  const acc v = w.dot(m.qp.q * w);
  return detail::make_portfolio<real>(fn, w, acc(0), v, acc(0));
}

/// The tangency portfolio: argmax (mu'w - rf) / sqrt(w'Sigma w) under the constraints, found
/// exactly on the frontier's segments (the ratio's stationary point on each is a closed form).
/// Unbounded and fully invested: w = Sigma^-1 (mu - rf 1) / 1'Sigma^-1 (mu - rf 1); rf =
/// options.risk_free.
/// \pre mu (N values, any Series), cov (N x N) finite; risk_free finite (invalid_input).
/// \throws infeasible when no allowed portfolio earns more than rf, or the maximum is not
///         attained (unbounded weights with rf at or above the minimum-variance return);
///         singular_problem when a zero-volatility portfolio earns more than rf, or as
///         min_variance.
/// \returns portfolio{weights, expected_return, volatility, sharpe}; among equal ratios the
///          largest return.
/// Ref: Tobin (1958); Sharpe (1964); Merton (1972).
template <Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, M>> max_sharpe(const M& mu, const Eigen::MatrixBase<DCov>& cov,
                                                                      const portfolio_constraints& constraints = {},
                                                                      const markowitz_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "max_sharpe";
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto m = detail::make_model<acc>(fn, &mu, cov, constraints);
  const auto path = detail::model_path(fn, m, std::numeric_limits<acc>::infinity());
  const acc rf = static_cast<acc>(options.risk_free);
  return detail::make_portfolio<real>(fn, detail::checked(fn, m, detail::max_sharpe_point(fn, path, rf)), rf);
}

/// Deprecated for one release: the risk-free rate is an options field, after the constraints.
template <Series M, class DCov, class R>
  requires std::is_arithmetic_v<R>
[[deprecated("use max_sharpe(mu, cov, constraints, {.risk_free = r})")]] [[nodiscard]] portfolio<
    detail::markowitz_real_t<DCov, M>>
max_sharpe(const M& mu, const Eigen::MatrixBase<DCov>& cov, R risk_free,
           const portfolio_constraints& constraints = {}) {
  return max_sharpe(mu, cov, constraints, markowitz_options{.risk_free = static_cast<double>(risk_free)});
}

/// The efficient portfolio for a return: argmin w'Sigma w subject to mu'w >= target_return
/// and the constraints (PyPortfolioOpt's semantics), exactly: linear interpolation between
/// the two frontier corners around the target.
/// \pre finite target_return; mu, cov, risk_free as max_sharpe.
/// A target within rounding (16 n eps relative) of the largest attainable return, such as
/// max mu for a long-only budget, is attained by the top corner.
/// \throws infeasible when target_return is above the largest return the constraints allow
///         (the message gives the frontier's range); singular_problem as min_variance.
/// \returns portfolio{weights, expected_return, volatility, sharpe (rf = options.risk_free,
///          which does not move the weights)}.
/// Ref: Markowitz (1956); Merton (1972).
template <Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, M>> efficient_return(
    const M& mu, const Eigen::MatrixBase<DCov>& cov, double target_return,
    const portfolio_constraints& constraints = {}, const markowitz_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_return";
  detail::require_rate(fn, "target_return", target_return);
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto m = detail::make_model<acc>(fn, &mu, cov, constraints);
  const auto path = detail::model_path(fn, m, std::numeric_limits<acc>::infinity());
  return detail::make_portfolio<real>(
      fn, detail::checked(fn, m, detail::at_return(fn, path, static_cast<acc>(target_return))),
      static_cast<acc>(options.risk_free));
}

/// The efficient portfolio for a risk: argmax mu'w subject to sqrt(w'Sigma w) <=
/// target_volatility and the constraints, exactly: on the frontier segment that reaches the
/// target the variance is a quadratic in the position, solved in closed form.
/// \pre target_volatility finite and >= 0; mu, cov, risk_free as max_sharpe.
/// A target within rounding (16 n eps relative, in variance) of the minimum volatility, such
/// as min_variance's own volatility, gives the minimum-variance portfolio itself.
/// \throws infeasible when target_volatility is below the minimum volatility (named in the
///         message); a target above the largest volatility gives the maximum-return portfolio.
/// \returns portfolio{weights, expected_return, volatility, sharpe (rf = options.risk_free,
///          which does not move the weights)}.
/// Ref: Markowitz (1956); Merton (1972).
template <Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, M>> efficient_risk(const M& mu,
                                                                          const Eigen::MatrixBase<DCov>& cov,
                                                                          double target_volatility,
                                                                          const portfolio_constraints& constraints = {},
                                                                          const markowitz_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_risk";
  detail::require_option_in(fn, "target_volatility", target_volatility, 0, std::numeric_limits<double>::max(),
                            "finite and >= 0");
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto m = detail::make_model<acc>(fn, &mu, cov, constraints);
  const auto path = detail::model_path(fn, m, std::numeric_limits<acc>::infinity());
  return detail::make_portfolio<real>(
      fn, detail::checked(fn, m, detail::at_volatility(fn, path, static_cast<acc>(target_volatility))),
      static_cast<acc>(options.risk_free));
}

/// The mean-variance utility optimum: argmax mu'w - (delta / 2) w'Sigma w under the
/// constraints, delta = risk_aversion: the frontier point at risk tolerance 1 / delta.
/// \pre risk_aversion finite and > 0 (invalid_input); mu, cov, risk_free as max_sharpe.
/// \throws as min_variance.
/// \returns portfolio{weights, expected_return, volatility, sharpe (rf = options.risk_free,
///          which does not move the weights)}.
/// Ref: Markowitz (1959), ch. 9; PyPortfolioOpt's max_quadratic_utility.
template <Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, M>> max_quadratic_utility(
    const M& mu, const Eigen::MatrixBase<DCov>& cov, double risk_aversion,
    const portfolio_constraints& constraints = {}, const markowitz_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "max_quadratic_utility";
  detail::require_option_in(fn, "risk_aversion", risk_aversion, std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::max(), "finite and > 0");
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto m = detail::make_model<acc>(fn, &mu, cov, constraints);
  const acc lambda = 1 / static_cast<acc>(risk_aversion);
  const auto path = detail::model_path(fn, m, m.closed_form ? std::numeric_limits<acc>::infinity() : lambda);
  return detail::make_portfolio<real>(fn, detail::checked(fn, m, detail::at_lambda(path, lambda)),
                                      static_cast<acc>(options.risk_free));
}

/// Growth-optimal (Kelly) weights under the quadratic approximation of log growth,
/// g(w) = rf + (mu - rf)'w - 1/2 w'Sigma w: without constraints w = fraction Sigma^-1 (mu -
/// rf 1); with constraints argmax (mu - rf)'w - 1/(2 fraction) w'Sigma w (fractional Kelly as
/// a scale of the risk tolerance).
/// \pre 0 < fraction <= 100, finite risk_free (invalid_input); mu, cov as max_sharpe.
/// \throws singular_problem for a singular cov without bounds; as min_variance.
/// \returns portfolio{weights, expected_return = rf + (mu - rf)'w (cash at rf), volatility,
///          sharpe = (mu - rf)'w / volatility}.
/// Ref: Kelly (1956); Thorp (2006), sec. 7.
template <Series M, class DCov>
[[nodiscard]] portfolio<detail::markowitz_real_t<DCov, M>> kelly_weights(const M& mu,
                                                                         const Eigen::MatrixBase<DCov>& cov,
                                                                         const kelly_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "kelly_weights";
  detail::require_option_in(fn, "fraction", options.fraction, std::numeric_limits<double>::min(), 100, "in (0, 100]");
  detail::require_rate(fn, "risk_free", options.risk_free);
  auto m = detail::make_model<acc>(fn, &mu, cov, options.bounds);
  const acc rf = static_cast<acc>(options.risk_free), f = static_cast<acc>(options.fraction);
  m.qp.c.array() -= rf;
  const auto path = detail::model_path(fn, m, m.closed_form ? std::numeric_limits<acc>::infinity() : f);
  const detail::path_point<acc> p = detail::checked(fn, m, detail::at_lambda(path, f));
  const acc excess = m.qp.c.dot(p.weights);
  return detail::make_portfolio<real>(fn, p.weights, rf + excess, p.variance, rf);
}

}  // namespace keel
