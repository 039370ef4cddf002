// SPDX-License-Identifier: MIT
// keel/detail/stats.hpp: the Boost.Math policy keel calls distributions with, and the
// significance tests shared by the regression headers (beta, factors, HAR, performance).
// IWYU pragma: private, include <keel/beta.hpp>
#pragma once

#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>

#include <keel/detail/config.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The policy of every Boost.Math call in keel: computed in the argument's own precision
/// (Boost's default promotes double to long double, which is x87 arithmetic and costs 12x for
/// a Student-t tail, for digits double results cannot keep). Arguments are checked by keel
/// before they reach Boost, so Boost's error policies never fire.
using math_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

/// t statistic and two-sided p-value of a coefficient against zero.
struct t_test_result {
  double t;
  double p;
};

/// Two-sided p-value of a t statistic with `dof` degrees of freedom: 2 * P(T > |t|).
/// Computed from the upper tail directly (Boost's complement), so a p-value of 1e-300 keeps
/// its digits instead of cancelling in 1 - cdf. An infinite |t| (a perfect fit) gives 0.
[[nodiscard]] inline double two_sided_p_value(double t, double dof) {
  KEEL_ASSERT(dof > 0 && !std::isnan(t));
  if (std::isinf(t)) return 0.0;
  const boost::math::students_t_distribution<double, math_policy> dist(dof);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
}

/// t = coef / stderr and its two-sided p-value. A zero standard error is an exact fit:
/// t = +-inf and p = 0 for a nonzero coefficient, and, for a zero coefficient (a constant
/// response), t = 0 and p = 1 as scipy.stats.linregress reports it, never 0/0.
[[nodiscard]] inline t_test_result t_test(double coef, double stderr_, double dof) {
  double t = 0.0;
  if (stderr_ > 0)
    t = coef / stderr_;
  else if (coef != 0)
    t = std::copysign(std::numeric_limits<double>::infinity(), coef);
  return {t, two_sided_p_value(t, dof)};
}

}  // namespace keel::detail
