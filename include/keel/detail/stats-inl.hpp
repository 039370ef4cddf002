// SPDX-License-Identifier: MIT
// keel/detail/stats-inl.hpp: the definitions of detail/stats.hpp (Boost.Math's distributions).
// Included by stats.hpp in header-only mode and by src/stats.cpp in the compiled library.
// IWYU pragma: private, include <keel/beta.hpp>
#pragma once

#include <cmath>
#include <limits>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/policies/policy.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <keel/detail/config.hpp>
#include <keel/detail/stats.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The policy of every Boost.Math call in keel: computed in the argument's own precision
/// (Boost's default promotes double to long double, which is x87 arithmetic and costs 12x for
/// a Student-t tail, for digits double results cannot keep). Arguments are checked by keel
/// before they reach Boost, so Boost's error policies never fire.
using math_policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;

KEEL_DEF double two_sided_p_value(double t, double dof) {
  KEEL_ASSERT(dof > 0 && !std::isnan(t));
  if (std::isinf(t)) return 0.0;
  const boost::math::students_t_distribution<double, math_policy> dist(dof);
  return 2.0 * boost::math::cdf(boost::math::complement(dist, std::fabs(t)));
}

KEEL_DEF t_test_result t_test(double coef, double stderr_, double dof) {
  double t = 0.0;
  if (stderr_ > 0)
    t = coef / stderr_;
  else if (coef != 0)
    t = std::copysign(std::numeric_limits<double>::infinity(), coef);
  return {t, two_sided_p_value(t, dof)};
}

KEEL_DEF double normal_quantile(double p) {
  const boost::math::normal_distribution<double, math_policy> n;
  return p >= 0.5 ? boost::math::quantile(boost::math::complement(n, 1 - p)) : boost::math::quantile(n, p);
}

KEEL_DEF double normal_pdf(double x) {
  const boost::math::normal_distribution<double, math_policy> n;
  return boost::math::pdf(n, x);
}

KEEL_DEF double normal_cdf(double x) {
  const boost::math::normal_distribution<double, math_policy> n;
  return boost::math::cdf(n, x);
}

KEEL_DEF double students_t_quantile(double p, double nu) {
  const boost::math::students_t_distribution<double, math_policy> d(nu);
  return p >= 0.5 ? boost::math::quantile(boost::math::complement(d, 1 - p)) : boost::math::quantile(d, p);
}

KEEL_DEF double students_t_pdf(double x, double nu) {
  const boost::math::students_t_distribution<double, math_policy> d(nu);
  return boost::math::pdf(d, x);
}

// The chi-squared and binomial laws through the special functions their Boost distributions
// call (chi_squared.hpp's cdf complement and binomial.hpp's cdf, Boost 1.74 to 1.83), with the
// same arguments and policy, so the results are the same bits. The special functions come with
// the normal and Student-t headers every keel user includes; the two distribution headers would
// add 0.1 to 0.4 s of g++ CPU to every header-only translation unit (issue 17, "Build cost").
KEEL_DEF double chi_squared_upper(double x, double dof) {
  KEEL_ASSERT(dof > 0 && !std::isnan(x));
  if (!(x > 0)) return 1.0;
  if (std::isinf(x)) return 0.0;
  return boost::math::gamma_q(dof / 2, x / 2, math_policy());
}

KEEL_DEF double binomial_cdf(double x, double trials, double p) {
  KEEL_ASSERT(trials >= 0 && x >= 0 && x <= trials && p >= 0 && p <= 1);
  if (x == trials || p == 0) return 1.0;
  if (p == 1) return 0.0;
  return boost::math::ibetac(x + 1, trials - x, p, math_policy());
}

}  // namespace keel::detail
