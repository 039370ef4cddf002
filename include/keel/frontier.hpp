// SPDX-License-Identifier: MIT
// keel/frontier.hpp: the exact mean-variance efficient frontier.
//
// Synopsis
//   frontier_options{points, bounds, risk_free}
//   efficient_frontier(mu, cov, frontier_options{}) -> frontier<Real>{points, corners, segments,
//       min_variance, max_sharpe, unbounded}
//
// Conventions
//   - The frontier is traced by the parametric active-set method (detail/qp.hpp; Markowitz's
//     critical lines generalised to linear inequality constraints, Best 1996): corners are the
//     turning points where a constraint enters or leaves the working set, in order of
//     increasing risk tolerance lambda (w = argmin 1/2 w'Sigma w - lambda mu'w), hence of
//     increasing return and volatility. Between two corners the weights are linear in the
//     return and the variance is a quadratic in it; points are computed from the corners in
//     closed form, so every point is exact (to rounding), not the output of a solver run.
//   - points are evenly spaced in expected return from the minimum-variance portfolio to the
//     maximum-return one (both included). Without bounds the return is unbounded (unbounded =
//     true): the points then end at the largest asset return, or at the minimum-variance
//     return plus the assets' return range when that is higher.
//   - mu is any Series (std::vector, std::span, Eigen vectors, Eigen::Map, the caller's
//     containers), cov an Eigen matrix; constraints, units and the Sharpe ratio as in
//     markowitz.hpp.
//
// References
//   H. Markowitz, "The optimization of a quadratic function subject to linear constraints",
//   Naval Res. Logist. Q. 3 (1956); M. J. Best (1996), the parametric QP; A. Niedermayer and
//   D. Niedermayer, "Applying Markowitz's critical line algorithm", in Handbook of Portfolio
//   Construction (2010) (the bounded case); R. C. Merton (1972), the closed form.
/// \file
/// The exact efficient frontier: efficient_frontier (points and turning points).
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/frontier_path.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of efficient_frontier.
struct frontier_options {
  std::ptrdiff_t points = 50;      ///< frontier points, evenly spaced in return (>= 1)
  portfolio_constraints bounds{};  ///< constraints (long-only, fully invested by default)
  double risk_free = 0;            ///< annual risk-free rate for the Sharpe ratios
};

/// One segment of the frontier: between corners[first_corner] and corners[first_corner + 1]
/// (or, for the last segment of an unbounded frontier, the ray beyond the last corner).
template <class Real = double>
struct frontier_segment {
  std::ptrdiff_t first_corner = 0;        ///< index of the corner where it starts
  Real lambda_begin{};                    ///< risk tolerance at its start (1 / risk aversion)
  Real lambda_end{};                      ///< at its end (+inf on the ray)
  std::vector<active_constraint> active;  ///< the constraints that hold with equality on it
};

/// The efficient frontier: points, every corner portfolio and the segments between them.
template <class Real = double>
struct frontier {
  std::vector<portfolio<Real>> points;           ///< evenly spaced in return
  std::vector<portfolio<Real>> corners;          ///< every turning point, by increasing return
  std::vector<frontier_segment<Real>> segments;  ///< corners.size() - 1 (+1 ray when unbounded)
  portfolio<Real> min_variance;                  ///< the first corner
  std::optional<portfolio<Real>> max_sharpe;     ///< empty when not attained (see max_sharpe())
  bool unbounded = false;                        ///< the return is unbounded (no bounds)
};

/// The efficient frontier of mu and cov under the constraints, exactly.
/// \f[ w(\lambda) = \arg\min_w \tfrac12 w'\Sigma w - \lambda \mu'w \ \text{subject to the constraints},\ \lambda \ge 0
/// \f] \pre mu (N, any Series) and cov (N x N) finite, cov symmetric; options.points >= 1; risk_free finite;
///      constraints sized to N (invalid_input).
/// \throws singular_problem when cov is not PSD, or is singular where the constraints leave
///         the answer non-unique (ledoit_wolf is suggested); infeasible when the constraints
///         cannot all hold (a conflicting set is named).
/// \returns frontier{points, corners, segments, min_variance, max_sharpe, unbounded}; the
///          Sharpe ratios use options.risk_free. max_sharpe is empty where max_sharpe()
///          would throw infeasible (no portfolio beats rf, or the maximum is not attained).
/// Ref: Markowitz (1956); Best (1996); Merton (1972).
template <Series M, class DCov>
[[nodiscard]] frontier<detail::markowitz_real_t<DCov, M>> efficient_frontier(const M& mu,
                                                                             const Eigen::MatrixBase<DCov>& cov,
                                                                             const frontier_options& options = {}) {
  using real = detail::markowitz_real_t<DCov, M>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "efficient_frontier";
  if (options.points < 1) detail::throw_bad_option(fn, "points", static_cast<double>(options.points), "at least 1");
  detail::require_rate(fn, "risk_free", options.risk_free);
  const auto m = detail::make_model<acc>(fn, &mu, cov, options.bounds);
  const auto path = detail::model_path(fn, m, std::numeric_limits<acc>::infinity());
  const acc rf = static_cast<acc>(options.risk_free);
  frontier<real> out;
  out.unbounded = path.unbounded;
  for (std::ptrdiff_t k = 0; k < path.corners(); ++k)
    out.corners.push_back(
        detail::make_portfolio<real>(fn, detail::checked(fn, m, detail::point_on(path, k, acc(0))), rf));
  for (std::size_t k = 0; k < path.actives.size(); ++k) {
    frontier_segment<real> seg;
    seg.first_corner = static_cast<std::ptrdiff_t>(k);
    seg.lambda_begin = static_cast<real>(path.lambdas[k]);
    seg.lambda_end =
        k + 1 < path.lambdas.size() ? static_cast<real>(path.lambdas[k + 1]) : std::numeric_limits<real>::infinity();
    for (const auto& a : path.actives[k]) seg.active.push_back(detail::active_of(m, a));
    out.segments.push_back(std::move(seg));
  }
  out.min_variance = out.corners.front();
  try {
    out.max_sharpe =
        detail::make_portfolio<real>(fn, detail::checked(fn, m, detail::max_sharpe_point(fn, path, rf)), rf);
  } catch (const infeasible&) {  // no portfolio beats rf, or the maximum is not attained
    out.max_sharpe.reset();
  } catch (const singular_problem&) {  // a riskless portfolio beats rf: the ratio is unbounded
    out.max_sharpe.reset();
  }
  const acc low = path.returns.front();
  acc high = detail::max_return(path);
  if (!std::isfinite(high)) {
    const acc spread = m.qp.c.maxCoeff() - m.qp.c.minCoeff();
    high = m.qp.c.maxCoeff() > low ? m.qp.c.maxCoeff() : low + spread;
  }
  const std::ptrdiff_t n_points = high > low ? options.points : 1;
  for (std::ptrdiff_t i = 0; i < n_points; ++i) {
    const acc r = n_points == 1 ? low : low + (high - low) * static_cast<acc>(i) / static_cast<acc>(n_points - 1);
    const acc target = n_points > 1 && i + 1 == n_points ? high : r;  // the last point exactly at the top
    out.points.push_back(
        detail::make_portfolio<real>(fn, detail::checked(fn, m, detail::at_return(fn, path, target)), rf));
  }
  return out;
}

}  // namespace keel
