// SPDX-License-Identifier: MIT
// keel/detail/frontier_path.hpp: the exact mean-variance frontier as a list of corner
// portfolios, built from the parametric QP (detail/qp.hpp) or, without inequality
// constraints, from the two-fund closed form; and the exact queries on it (a target return,
// a target volatility, a risk tolerance, the maximum Sharpe ratio). Owned by
// keel/markowitz.hpp; used by markowitz.hpp and frontier.hpp.
//
// The path is w(lambda) = argmin 1/2 w'Sigma w - lambda mu'w under the constraints, for lambda
// from 0 (minimum variance) upward. Between consecutive corners k and k+1 the weights are
// linear in lambda and therefore in the expected return r; the variance is the quadratic
//   v(s) = v_k + 2 s p_k + s^2 q_k,  s in [0, 1],  p_k = w_k'Sigma d_k,  q_k = d_k'Sigma d_k,
// d_k = w_{k+1} - w_k, r(s) = r_k + s (r_{k+1} - r_k). An unbounded frontier (weights without
// bounds) ends in a ray w_K + s x1, s >= 0, with the same quadratic in s. Every query is a
// closed form on one segment: linear for a return or a risk tolerance, a quadratic root for a
// volatility, and for the Sharpe ratio (r - rf) / sqrt(v) the stationary point
//   s* = ((r_k - rf) p_k - dr v_k) / (dr p_k - (r_k - rf) q_k),
// so no root finder is involved.
// Ref: Markowitz (1956); Merton, "An analytic derivation of the efficient portfolio frontier",
// J. Financ. Quant. Anal. 7 (1972) 1851-1872 (the two-fund closed form).
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
#include <keel/detail/qp.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The frontier: corners (lambda, weights, return, variance) in order of increasing lambda,
/// the segment quadratics between them, each segment's working set and an optional final ray.
template <class Acc>
struct frontier_path {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  std::vector<Acc> lambdas, returns, variances;
  std::vector<vector> weights;
  std::vector<Acc> cross, curvature;                     ///< p_k, q_k of segment k (corner k to k + 1)
  std::vector<std::vector<qp_active>> actives;           ///< working set of segment k (and of the ray)
  bool unbounded = false;                                ///< the last corner is followed by a ray
  vector ray;                                            ///< dw/dlambda on the ray
  Acc ray_return = 0, ray_cross = 0, ray_curvature = 0;  ///< mu'x1, w_K'Sigma x1, x1'Sigma x1
  std::ptrdiff_t breakpoints = 0;

  [[nodiscard]] std::ptrdiff_t corners() const { return static_cast<std::ptrdiff_t>(lambdas.size()); }
};

/// A point of the path: its weights, return and variance, and where it lies (segment k and
/// the position s on it; k = corners() - 1 with s > 0 is on the ray).
template <class Acc>
struct path_point {
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> weights;
  Acc expected_return = 0, variance = 0;
};

template <class Acc>
void push_corner(frontier_path<Acc>& path, Acc lambda, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w, Acc r, Acc v) {
  path.lambdas.push_back(lambda);
  path.weights.push_back(w);
  path.returns.push_back(r);
  path.variances.push_back(std::max(Acc(0), v));
}

/// Builds the path from the parametric QP, tracing lambda from 0 to lambda_max.
template <class Acc>
[[nodiscard]] frontier_path<Acc> trace_frontier(std::string_view fn, const qp_problem<Acc>& problem, Acc lambda_max) {
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  frontier_path<Acc> path;
  const auto on_segment = [&](const qp_segment<Acc>& s) {
    const vector w = *s.x0 + s.t_begin * *s.x1;
    const vector g = *s.g0 + s.t_begin * *s.g1;
    const Acc r = problem.c.dot(w), v = w.dot(g);
    // A jump (a degenerate start) can leave the new segment off the last corner.
    if (path.weights.empty() || (w - path.weights.back()).template lpNorm<Eigen::Infinity>() > Acc(1e-13)) {
      if (!path.weights.empty()) {
        const vector d = w - path.weights.back();
        path.cross.push_back(path.weights.back().dot(problem.q * d));
        path.curvature.push_back(d.dot(problem.q * d));
        path.actives.push_back(*s.active);
      }
      push_corner(path, s.t_begin, w, r, v);
    } else {
      // The same corner, now with the new working set's exact bound values.
      path.weights.back() = w;
      path.returns.back() = r;
      path.variances.back() = std::max(Acc(0), v);
    }
    const Acc x1_norm = s.x1->template lpNorm<Eigen::Infinity>();
    if (std::isfinite(s.t_end)) {
      if (s.last && !(s.t_end > s.t_begin)) return true;
      const Acc dt = s.t_end - s.t_begin;
      const vector we = w + dt * *s.x1;
      path.cross.push_back(dt * w.dot(*s.g1));
      path.curvature.push_back(dt * dt * s.x1->dot(*s.g1));
      path.actives.push_back(*s.active);
      push_corner(path, s.t_end, we, problem.c.dot(we), we.dot(g + dt * *s.g1));
    } else if (x1_norm > 0) {
      path.ray = *s.x1;
      path.ray_return = problem.c.dot(*s.x1);
      path.ray_cross = w.dot(*s.g1);
      path.ray_curvature = s.x1->dot(*s.g1);
      path.actives.push_back(*s.active);
    }
    return true;
  };
  const qp_path_end<Acc> end = trace_qp_path<Acc>(fn, problem, lambda_max, on_segment);
  path.unbounded = end.unbounded && !std::isfinite(lambda_max);
  if (!path.unbounded) {
    path.ray.resize(0);
    if (path.actives.size() > path.cross.size()) path.actives.pop_back();
  }
  path.breakpoints = end.breakpoints;
  return path;
}

/// The point at position s of segment k (the ray when k is the last corner).
template <class Acc>
[[nodiscard]] path_point<Acc> point_on(const frontier_path<Acc>& path, std::ptrdiff_t k, Acc s) {
  path_point<Acc> out;
  const auto K = path.corners() - 1;
  const auto uk = static_cast<std::size_t>(k);
  if (k >= K) {
    out.weights = path.weights.back();
    out.expected_return = path.returns.back();
    out.variance = path.variances.back();
    if (s > 0 && path.unbounded) {
      out.weights += s * path.ray;
      out.expected_return += s * path.ray_return;
      out.variance += 2 * s * path.ray_cross + s * s * path.ray_curvature;
    }
  } else {
    out.weights = path.weights[uk] + s * (path.weights[uk + 1] - path.weights[uk]);
    out.expected_return = path.returns[uk] + s * (path.returns[uk + 1] - path.returns[uk]);
    out.variance = path.variances[uk] + 2 * s * path.cross[uk] + s * s * path.curvature[uk];
  }
  out.variance = std::max(Acc(0), out.variance);
  return out;
}

/// The largest return on the frontier, or +inf when it is unbounded.
template <class Acc>
[[nodiscard]] Acc max_return(const frontier_path<Acc>& path) {
  return path.unbounded && path.ray_return > 0 ? std::numeric_limits<Acc>::infinity() : path.returns.back();
}

/// The relative rounding of a sum of n products over the frontier's weights, with a margin
/// for the path's own rounding: 16 n eps (n the number of assets). Targets this close to an
/// attainable end of the frontier are that end.
template <class Acc>
[[nodiscard]] Acc end_tolerance(const frontier_path<Acc>& path) {
  return 16 * static_cast<Acc>(std::max<Eigen::Index>(1, path.weights.front().size())) *
         std::numeric_limits<Acc>::epsilon();
}

/// The scale of the returns' rounding: the largest |return| on the path.
template <class Acc>
[[nodiscard]] Acc return_scale(const frontier_path<Acc>& path) {
  Acc scale = 0;
  for (const Acc r : path.returns) scale = std::max(scale, std::abs(r));
  return scale;
}

/// The efficient portfolio of least variance with return >= target (the minimum-variance
/// portfolio when it already earns the target).
/// \throws infeasible when the target is above the largest return on the frontier.
template <class Acc>
[[nodiscard]] path_point<Acc> at_return(std::string_view fn, const frontier_path<Acc>& path, Acc target) {
  if (target <= path.returns.front()) return point_on(path, 0, Acc(0));
  const auto K = path.corners() - 1;
  for (std::ptrdiff_t k = 0; k < K; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    if (target <= path.returns[uk + 1]) {
      const Acc dr = path.returns[uk + 1] - path.returns[uk];
      const Acc s = dr > 0 ? std::clamp((target - path.returns[uk]) / dr, Acc(0), Acc(1)) : Acc(1);
      return point_on(path, k, s);
    }
  }
  if (path.unbounded && path.ray_return > 0) return point_on(path, K, (target - path.returns.back()) / path.ray_return);
  // The top corner's return mu'w is a rounded sum of n products (and its weights carry the
  // path's rounding), so the largest attainable return, max mu itself for a long-only budget,
  // can come out a few ulps below the target that names it: within that rounding the target
  // is attained, by the top corner (every peer solves it: 100% in the best asset).
  if (target - path.returns.back() <= end_tolerance(path) * return_scale(path)) return point_on(path, K, Acc(0));
  throw infeasible(message(fn, "target_return = " + number_text(static_cast<double>(target)) +
                                   " is above the largest return the constraints allow, " +
                                   number_text(static_cast<double>(path.returns.back())) +
                                   " (the efficient frontier spans returns " +
                                   number_text(static_cast<double>(path.returns.front())) + " to " +
                                   number_text(static_cast<double>(path.returns.back())) + ")"));
}

/// The root s in [0, hi] of v_k + 2 s p + s^2 q = target_v (v increasing in s), stably.
template <class Acc>
[[nodiscard]] Acc variance_root(Acc v0, Acc p, Acc q, Acc target_v, Acc hi) {
  const Acc c = v0 - target_v;  // <= 0
  if (!(q > 0)) return p > 0 ? std::clamp(-c / (2 * p), Acc(0), hi) : hi;
  const Acc disc = std::max(Acc(0), p * p - q * c);
  // s = (-p + sqrt(disc)) / q, written without cancellation when p > 0.
  const Acc root = p > 0 ? -c / (p + std::sqrt(disc)) : (-p + std::sqrt(disc)) / q;
  return std::clamp(root, Acc(0), hi);
}

/// The efficient portfolio of largest return with volatility <= target.
/// \throws infeasible when the target is below the minimum volatility.
template <class Acc>
[[nodiscard]] path_point<Acc> at_volatility(std::string_view fn, const frontier_path<Acc>& path, Acc target) {
  const Acc v_target = target * target;
  const Acc v_min = path.variances.front();
  // Within the rounding of w'Sigma w the minimum volatility itself (min_variance's, computed
  // in another order) is attained, by the first corner: exactly, since near the minimum the
  // variance is flat in the weights and a rounding above it would move them by its root.
  const Acc tol = end_tolerance(path);
  if (v_target >= v_min * (1 - tol) && v_target <= v_min * (1 + tol)) return point_on(path, 0, Acc(0));
  if (v_target < v_min * (1 - tol))
    throw infeasible(message(fn, "target_volatility = " + number_text(static_cast<double>(target)) +
                                     " is below the minimum volatility the constraints allow, " +
                                     number_text(static_cast<double>(std::sqrt(v_min)))));
  const auto K = path.corners() - 1;
  for (std::ptrdiff_t k = 0; k < K; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    if (v_target < path.variances[uk + 1])
      return point_on(path, k, variance_root(path.variances[uk], path.cross[uk], path.curvature[uk], v_target, Acc(1)));
  }
  if (path.unbounded && path.ray_return > 0)
    return point_on(path, K,
                    variance_root(path.variances.back(), path.ray_cross, path.ray_curvature, v_target,
                                  std::numeric_limits<Acc>::infinity()));
  return point_on(path, K, Acc(0));  // the target is at or above the largest volatility
}

/// The point at risk tolerance lambda (1 / risk aversion).
template <class Acc>
[[nodiscard]] path_point<Acc> at_lambda(const frontier_path<Acc>& path, Acc lambda) {
  const auto K = path.corners() - 1;
  for (std::ptrdiff_t k = 0; k < K; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    if (lambda <= path.lambdas[uk + 1]) {
      const Acc dl = path.lambdas[uk + 1] - path.lambdas[uk];
      return point_on(path, k, dl > 0 ? std::clamp((lambda - path.lambdas[uk]) / dl, Acc(0), Acc(1)) : Acc(1));
    }
  }
  return point_on(path, K, path.unbounded ? lambda - path.lambdas.back() : Acc(0));
}

/// Position of the largest Sharpe ratio on one segment (dr, v0, p, q as in the file comment),
/// s in [0, hi]: an endpoint or the stationary point.
template <class Acc>
[[nodiscard]] Acc sharpe_argmax(Acc excess0, Acc dr, Acc v0, Acc p, Acc q, Acc hi) {
  const Acc den = dr * p - excess0 * q;
  if (den == 0) return hi;
  const Acc s = (excess0 * p - dr * v0) / den;
  return std::isfinite(s) ? std::clamp(s, Acc(0), hi) : hi;
}

template <class Acc>
[[nodiscard]] Acc sharpe_of(Acc r, Acc v, Acc rf) {
  if (v > 0) return (r - rf) / std::sqrt(v);
  return r > rf ? std::numeric_limits<Acc>::infinity() : r < rf ? -std::numeric_limits<Acc>::infinity() : Acc(0);
}

/// The frontier portfolio of largest Sharpe ratio (r - rf) / sigma; among equal ratios (a
/// straight piece through (0, rf), as with a riskless asset earning rf) the largest return.
/// \throws infeasible when no frontier portfolio earns more than rf, or the supremum is not
///         attained (an unbounded frontier whose ratio rises to an asymptote);
///         singular_problem when a zero-volatility portfolio earns more than rf (unbounded).
template <class Acc>
[[nodiscard]] path_point<Acc> max_sharpe_point(std::string_view fn, const frontier_path<Acc>& path, Acc rf) {
  const Acc top = max_return(path);
  if (!(top > rf))
    throw infeasible(message(
        fn, "no portfolio the constraints allow earns more than risk_free = " + number_text(static_cast<double>(rf)) +
                " (the largest expected return is " + number_text(static_cast<double>(top)) + ")"));
  const auto K = path.corners() - 1;
  std::ptrdiff_t best_k = -1;
  Acc best_s = 0, best = -std::numeric_limits<Acc>::infinity();
  const auto offer = [&](std::ptrdiff_t k, Acc s) {
    const path_point<Acc> pt = point_on(path, k, s);
    if (!(pt.variance > 0)) {
      if (pt.expected_return > rf)
        throw singular_problem(message(
            fn, "a portfolio with zero volatility earns " + number_text(static_cast<double>(pt.expected_return)) +
                    " > risk_free = " + number_text(static_cast<double>(rf)) + ": the Sharpe ratio is unbounded"));
      return;
    }
    const Acc sr = sharpe_of(pt.expected_return, pt.variance, rf);
    if (sr >= best - Acc(1e-12) * std::fabs(best) || best_k < 0) {
      best = std::max(best, sr);
      best_k = k;
      best_s = s;
    }
  };
  for (std::ptrdiff_t k = 0; k <= K; ++k) {
    const auto uk = static_cast<std::size_t>(k);
    offer(k, Acc(0));
    if (k < K) {
      const Acc dr = path.returns[uk + 1] - path.returns[uk];
      offer(k,
            sharpe_argmax(path.returns[uk] - rf, dr, path.variances[uk], path.cross[uk], path.curvature[uk], Acc(1)));
    }
  }
  if (path.unbounded && path.ray_return > 0) {
    const Acc s = sharpe_argmax(path.returns.back() - rf, path.ray_return, path.variances.back(), path.ray_cross,
                                path.ray_curvature, std::numeric_limits<Acc>::infinity());
    if (std::isfinite(s)) offer(K, s);
    // Far along the ray the ratio tends to mu'x1 / sqrt(x1'Sigma x1); above every attained
    // value, the supremum is not a maximum.
    const Acc asymptote =
        path.ray_curvature > 0 ? path.ray_return / std::sqrt(path.ray_curvature) : std::numeric_limits<Acc>::infinity();
    if (best_k < 0 || asymptote > best + Acc(1e-12) * std::fabs(best))
      throw infeasible(message(fn, "the Sharpe ratio rises towards " + number_text(static_cast<double>(asymptote)) +
                                       " without reaching it along the unbounded frontier (risk_free = " +
                                       number_text(static_cast<double>(rf)) + ", minimum-variance return " +
                                       number_text(static_cast<double>(path.returns.front())) +
                                       "); bound the weights"));
  }
  return point_on(path, best_k, best_s);
}

// Instantiated once in keel::compiled (src/markowitz.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(frontier_path<double> trace_frontier<double>(std::string_view, const qp_problem<double>&, double))
KEEL_EXTERN_TEMPLATE(frontier_path<long double> trace_frontier<long double>(std::string_view,
                                                                            const qp_problem<long double>&,
                                                                            long double))

}  // namespace keel::detail
