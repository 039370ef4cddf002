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
// Method. Only the diagonal is needed. With a_j the j-th column of (X'X)^-1 and the scores
// z_jt = e_t (a_j . x_t), V_jj = c sum_{t,s} w(|t - s|) z_jt z_js. Bartlett's weight
// (L + 1 - l) / (L + 1) counts the windows of L + 1 consecutive days that hold both t and s, so
//   V_jj = c / (L + 1) sum_u B_ju^2,  B_ju = sum of z_jt over the window [u, u + L]
// (zero outside [0, n), u = -L .. n - 1): a sum of squares (no cancellation, >= 0 as Newey and
// West prove) in O(n p) for any L, not O(n p L). The window sums run with exact restarts every
// 64 scores (bartlett_window), so they keep full precision.
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

/// The Bartlett-weighted long-run sum of squares of each component of a stream of score
/// vectors z_0 .. z_{n-1}: sum_{t,s} (1 - |t - s| / (L + 1))+ z_jt z_js, by the window-sum
/// identity above. start(), push() each score in order, then finish(). The state is small (a
/// fixed-size P keeps it in registers in a caller's loop); `ring`, the caller's P x (L + 1)
/// storage of the last L + 1 scores, is passed in. P = Eigen::Dynamic for a run-time length.
template <class Acc, int P>
struct bartlett_window {
  using vector = Eigen::Matrix<Acc, P, 1>;
  using ring_type = Eigen::Matrix<Acc, P, Eigen::Dynamic>;
  vector window, sums;
  std::ptrdiff_t slot = 0, since_restart = 0;

  void start(ring_type& ring, std::ptrdiff_t lags, Eigen::Index p) {
    ring.setZero(p, lags + 1);  // zeros before the first score: the leading windows are partial
    window.setZero(p);
    sums.setZero(p);
    slot = 0;
    since_restart = 0;
  }
  /// Adds z_t: the window then ends at t.
  void push(ring_type& ring, const vector& z) {
    window += z - ring.col(slot);
    ring.col(slot) = z;
    if (++slot == ring.cols()) slot = 0;
    if (++since_restart == restart_every) {  // exact again: the running sum's rounding does not build up
      window = ring.rowwise().sum();
      since_restart = 0;
    }
    sums += window.cwiseAbs2();
  }
  /// The windows that run past the last score (the last L scores leave one by one); returns
  /// the weighted sums, (1 / (L + 1)) sum_u B_u^2 per component.
  const vector& finish(ring_type& ring) {
    for (Eigen::Index k = 1; k < ring.cols(); ++k) {  // slot holds the oldest score
      window -= ring.col(slot);
      ring.col(slot).setZero();
      if (++slot == ring.cols()) slot = 0;
      sums += window.cwiseAbs2();
    }
    sums /= static_cast<Acc>(ring.cols());
    return sums;
  }

 private:
  static constexpr std::ptrdiff_t restart_every = 64;
};

/// Scratch of the HAC computation (reused: no allocation for problems of one shape).
template <class Acc>
struct hac_workspace {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  matrix scores;                                            ///< n x p: z_jt = e_t (a_j . x_t)
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> variances;          ///< p: the diagonal of the HAC covariance
  bartlett_window<Acc, Eigen::Dynamic> bartlett;            ///< its window sums
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> ring;  ///< the last L + 1 scores
};

/// The diagonal of the HAC covariance (the squared standard errors) into ws.variances.
/// `regressors` is the n x k design without its intercept column, `intercept` whether the
/// design has one (first), `xtx_inverse` (X'X)^-1 of the whole design (p = k + intercept).
/// V_jj = c / (L + 1) sum_u B_ju^2 over the scores z_jt = e_t (a_j . x_t), formed through
/// one n x k x p product: O(n p^2) for any L.
template <class Acc, class Regressors, class Residuals, class Inverse>
void newey_west_variances(const Regressors& regressors, bool intercept, const Residuals& residuals,
                          const Inverse& xtx_inverse, std::ptrdiff_t lags, bool small_sample, hac_workspace<Acc>& ws) {
  const std::ptrdiff_t n = regressors.rows(), k = regressors.cols(), p = k + (intercept ? 1 : 0);
  ws.scores.resize(n, p);
  ws.scores.noalias() = regressors * xtx_inverse.bottomRows(k);
  if (intercept) ws.scores.rowwise() += xtx_inverse.row(0);
  ws.scores = residuals.asDiagonal() * ws.scores;
  ws.bartlett.start(ws.ring, lags, p);
  for (std::ptrdiff_t t = 0; t < n; ++t) ws.bartlett.push(ws.ring, ws.scores.row(t).transpose());
  const Acc factor = small_sample ? static_cast<Acc>(n) / static_cast<Acc>(n - p) : Acc(1);
  ws.variances = factor * ws.bartlett.finish(ws.ring);
}

}  // namespace keel::detail
