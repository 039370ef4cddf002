// SPDX-License-Identifier: MIT
// keel/detail/hac.hpp: Newey-West heteroskedasticity- and autocorrelation-consistent (HAC)
// covariance of OLS coefficients, after a fit by the shared core (detail/ols.hpp). Owned by
// keel/har.hpp; usable by any regression on time series (alpha_beta, factor models).
//
//   V = c (X'X)^-1 S (X'X)^-1,  S = G_0 + sum_{l=1..L} (1 - l / (L + 1)) (G_l + G_l'),
//   G_l = sum_{t=l}^{n-1} e_t e_{t-l} x_t x_{t-l}',   c = n / (n - p) (or 1),
// with x_t the row of the design [1 X] and e the residuals: Bartlett weights (Newey and West
// 1987), and the small-sample factor of statsmodels' cov_hac (use_correction=True, its
// default). L = 0 with c = n / (n - p) is White's HC1.
//
// Ref: W. K. Newey and K. D. West, "A simple, positive semi-definite, heteroskedasticity and
// autocorrelation consistent covariance matrix", Econometrica 55 (1987) 703-708.
// IWYU pragma: private, include <keel/har.hpp>
#pragma once

#include <cmath>
#include <cstddef>

#include <Eigen/Core>

#include <keel/detail/config.hpp>

namespace keel::detail {

/// Scratch of the HAC computation (reused: no allocation for problems of one shape).
template <class Acc>
struct hac_workspace {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  matrix scores;                                    ///< n x p: z_jt = e_t (a_j . x_t)
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> variances;  ///< p: the diagonal of the HAC covariance
};

/// The diagonal of the HAC covariance (the squared standard errors) into ws.variances.
/// `regressors` is the n x k design without its intercept column, `intercept` whether the
/// design has one (first), `xtx_inverse` (X'X)^-1 of the whole design (p = k + intercept).
/// With a_j the j-th column of A = (X'X)^-1 and z_jt = e_t (a_j . x_t):
///   V_jj = c (sum_t z_jt^2 + 2 sum_l w_l sum_t z_jt z_j,t-l),
/// O(n p^2 + n p L) through one n x k x p product, instead of forming S in O(n p^2 L).
template <class Acc, class Regressors, class Residuals, class Inverse>
void newey_west_variances(const Regressors& regressors, bool intercept, const Residuals& residuals,
                          const Inverse& xtx_inverse, std::ptrdiff_t lags, bool small_sample, hac_workspace<Acc>& ws) {
  const std::ptrdiff_t n = regressors.rows(), k = regressors.cols(), p = k + (intercept ? 1 : 0);
  ws.scores.resize(n, p);
  ws.scores.noalias() = regressors * xtx_inverse.bottomRows(k);
  if (intercept) ws.scores.rowwise() += xtx_inverse.row(0);
  ws.scores = residuals.asDiagonal() * ws.scores;
  ws.variances.resize(p);
  const Acc factor = small_sample ? static_cast<Acc>(n) / static_cast<Acc>(n - p) : Acc(1);
  for (std::ptrdiff_t j = 0; j < p; ++j) {
    const auto z = ws.scores.col(j);
    Acc v = z.squaredNorm();
    for (std::ptrdiff_t l = 1; l <= lags && l < n; ++l) {
      const Acc weight = Acc(1) - static_cast<Acc>(l) / static_cast<Acc>(lags + 1);
      v += 2 * weight * z.segment(l, n - l).dot(z.segment(0, n - l));
    }
    ws.variances(j) = factor * v;
  }
}

}  // namespace keel::detail
