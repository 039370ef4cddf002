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
  matrix scores;  ///< n x p: e_t x_t
  matrix meat;    ///< p x p: S
  matrix half;    ///< p x p: (X'X)^-1 S
  matrix cov;     ///< p x p: the HAC covariance
};

/// The HAC covariance of the coefficients into ws.cov. `design(t, j)` is column j of row t of the
/// design with the intercept first (j = 0 is 1), `residuals` the OLS residuals, `xtx_inverse`
/// (X'X)^-1 of that design.
template <class Acc, class Design, class Residuals, class Inverse>
void newey_west(const Design& design, std::ptrdiff_t n, std::ptrdiff_t p, const Residuals& residuals,
                const Inverse& xtx_inverse, std::ptrdiff_t lags, bool small_sample, hac_workspace<Acc>& ws) {
  ws.scores.resize(n, p);
  for (std::ptrdiff_t t = 0; t < n; ++t)
    for (std::ptrdiff_t j = 0; j < p; ++j) ws.scores(t, j) = residuals(t) * design(t, j);
  ws.meat.noalias() = ws.scores.transpose() * ws.scores;
  for (std::ptrdiff_t l = 1; l <= lags && l < n; ++l) {
    const Acc weight = Acc(1) - static_cast<Acc>(l) / static_cast<Acc>(lags + 1);
    for (std::ptrdiff_t a = 0; a < p; ++a)
      for (std::ptrdiff_t b = 0; b < p; ++b) {
        // G_l(a, b) = sum_t u_t(a) u_{t-l}(b): a dot product of two shifted columns.
        const Acc g = ws.scores.col(a).segment(l, n - l).dot(ws.scores.col(b).segment(0, n - l));
        ws.meat(a, b) += weight * g;
        ws.meat(b, a) += weight * g;
      }
  }
  ws.half.noalias() = xtx_inverse * ws.meat;
  ws.cov.noalias() = ws.half * xtx_inverse;
  if (small_sample) ws.cov *= static_cast<Acc>(n) / static_cast<Acc>(n - p);
}

}  // namespace keel::detail
