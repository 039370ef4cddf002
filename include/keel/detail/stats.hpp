// SPDX-License-Identifier: MIT
// keel/detail/stats.hpp: the one place keel calls Boost.Math's distributions (quantiles, tails
// and densities of the normal, Student-t, chi-squared and binomial laws), and the significance
// tests shared by the regression headers (beta, factors, HAR, performance). The definitions are
// in stats-inl.hpp: compiled once into keel::compiled, or (header-only) instantiated only in a
// translation unit that calls them, so that including a header costs no Boost instantiation.
// IWYU pragma: private, include <keel/beta.hpp>
#pragma once

#include <keel/detail/config.hpp>

namespace keel::detail {

/// t statistic and two-sided p-value of a coefficient against zero.
struct t_test_result {
  double t;
  double p;
};

/// Two-sided p-value of a t statistic with `dof` degrees of freedom: 2 * P(T > |t|).
/// Computed from the upper tail directly (Boost's complement), so a p-value of 1e-300 keeps
/// its digits instead of cancelling in 1 - cdf. An infinite |t| (a perfect fit) gives 0.
KEEL_DECL [[nodiscard]] double two_sided_p_value(double t, double dof);

/// t = coef / stderr and its two-sided p-value. A zero standard error is an exact fit:
/// t = +-inf and p = 0 for a nonzero coefficient, and, for a zero coefficient (a constant
/// response), t = 0 and p = 1 as scipy.stats.linregress reports it, never 0/0.
KEEL_DECL [[nodiscard]] t_test_result t_test(double coef, double stderr_, double dof);

/// Standard normal quantile z with P(Z <= z) = p, 0 < p < 1, computed from the upper tail when
/// p >= 0.5 (where that is the accurate side).
KEEL_DECL [[nodiscard]] double normal_quantile(double p);

/// Standard normal density.
KEEL_DECL [[nodiscard]] double normal_pdf(double x);

/// Standard normal CDF P(Z <= x).
KEEL_DECL [[nodiscard]] double normal_cdf(double x);

/// Student-t (nu degrees of freedom, nu > 0) quantile with P(T <= q) = p, 0 < p < 1, from the
/// upper tail when p >= 0.5.
KEEL_DECL [[nodiscard]] double students_t_quantile(double p, double nu);

/// Student-t density.
KEEL_DECL [[nodiscard]] double students_t_pdf(double x, double nu);

/// Upper tail P(X > x) of chi-squared(dof); 1 for x <= 0, 0 for x = +inf.
KEEL_DECL [[nodiscard]] double chi_squared_upper(double x, double dof);

/// Binomial CDF P(X <= x) of `trials` trials with success probability p.
KEEL_DECL [[nodiscard]] double binomial_cdf(double x, double trials, double p);

}  // namespace keel::detail

#if KEEL_HEADER_ONLY
#include <keel/detail/stats-inl.hpp>
#endif
