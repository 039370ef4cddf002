// SPDX-License-Identifier: MIT
// keel/detail/shrinkage.hpp: Ledoit-Wolf shrinkage intensities for three targets, as the peers
// compute them, in O(T N + N^2) after the one Gram product. Owned by keel/covariance.hpp.
//
// Every kernel reads the centred panel Xm (T x N, rows = dates) and G = Xm'Xm, and writes the
// sample matrix S it shrinks (in place of G), the target F and returns the intensity delta;
// the estimate is delta F + (1 - delta) S. Sums over all N^2 entries of products such as
// (Xm.^2)'(Xm.^2) are folded through per-row sums, e.g. sum_ij sum_t y_ti y_tj =
// sum_t (sum_i y_ti)^2, so no second T x N x N product is formed.
//
//   scaled identity (scikit-learn's ledoit_wolf_shrinkage, assume_centered = False): S = G / T,
//     mu = tr S / N, d^2 = ||S - mu I||^2 / N, b^2 = min(d^2, sum_t ||x_t x_t' - S||^2 / (N T^2)),
//     delta = b^2 / d^2 (0 when b^2 = 0). Ledoit & Wolf (2004), JMVA, lemma 3.2-3.4.
//   single factor (PyPortfolioOpt's _ledoit_wolf_single_factor, after Ledoit & Wolf's covMarket):
//     S = G / T; the market is the cross-sectional mean of Xm; F = b b' / var_m with diag(S) on
//     its diagonal; delta = clamp((pi - rho) / gamma / T, 0, 1) with pi, rho, gamma of Ledoit &
//     Wolf (2003), appendix B.
//   constant correlation (PyPortfolioOpt's _ledoit_wolf_constant_correlation): S = G / (T - 1)
//     (pandas' cov, where Ledoit & Wolf's covCor uses 1/T); F_ij = rbar s_i s_j, F_ii = S_ii;
//     pi, rho and gamma of Ledoit & Wolf (2004), JPM, appendix, in PyPortfolioOpt's arrangement
//     (its pi mixes 1/T and 1/(T-1) terms; kept, so that results match it).
// IWYU pragma: private, include <keel/covariance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/gram.hpp>

namespace keel::detail {

/// delta clamped to [0, 1], 0 when the target equals the sample (gamma = 0: nothing to shrink).
template <class Acc>
[[nodiscard]] Acc clamp_intensity(Acc kappa_over_t, Acc gamma) {
  if (!(gamma > 0) || !std::isfinite(kappa_over_t)) return Acc(0);
  return std::clamp(kappa_over_t, Acc(0), Acc(1));
}

/// Scaled identity target (see the file comment). ws.gram becomes S = G / T.
template <class Acc>
[[nodiscard]] Acc shrink_scaled_identity(gram_workspace<Acc>& ws) {
  const auto& x = ws.centred;
  const auto t = static_cast<Acc>(x.rows());
  const Eigen::Index n = x.cols();
  const auto p = static_cast<Acc>(n);
  auto& s = ws.gram;
  s /= t;
  const Acc trace = s.trace();
  const Acc mu = trace / p;
  ws.target.setZero(n, n);
  ws.target.diagonal().setConstant(mu);
  ws.scratch_b = x.cwiseProduct(x).rowwise().sum();  // per row: sum_i x_ti^2
  const Acc s_norm2 = s.squaredNorm();
  const Acc beta = (ws.scratch_b.squaredNorm() / t - s_norm2) / (p * t);
  const Acc delta = (s_norm2 - 2 * mu * trace + p * mu * mu) / p;
  if (!(delta > 0)) return Acc(0);
  return std::clamp(std::min(beta, delta) / delta, Acc(0), Acc(1));
}

/// Single-factor target (see the file comment). ws.gram becomes S = G / T.
template <class Acc>
[[nodiscard]] Acc shrink_single_factor(gram_workspace<Acc>& ws) {
  const auto& x = ws.centred;
  const Eigen::Index rows = x.rows(), n = x.cols();
  const auto t = static_cast<Acc>(rows);
  auto& s = ws.gram;
  s /= t;
  auto& market = ws.scratch_a;  // per row: the equal-weighted market's (centred) return
  market = x.rowwise().mean();
  const Acc var_m = market.squaredNorm() / t;
  if (!(var_m > 0)) {  // a market with no variance: F = diag(S) (every beta 0), nothing to estimate
    ws.target.setZero(n, n);
    ws.target.diagonal() = s.diagonal();
    return Acc(0);
  }
  auto& beta = ws.scratch_c;                // per asset: cov(x_i, market)
  beta.noalias() = x.transpose() * market;  // the product in place, then / t: no temporary
  beta /= t;
  ws.target.resize(n, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j; i < n; ++i)
      ws.target(i, j) = ws.target(j, i) = i == j ? s(i, i) : beta(i) * beta(j) / var_m;
  const Acc gamma = (s - ws.target).squaredNorm();
  ws.scratch_b = x.cwiseProduct(x).rowwise().sum();  // per row: sum_i y_ti, y = x^2
  const Acc s_norm2 = s.squaredNorm();
  const Acc pi = ws.scratch_b.squaredNorm() / t - s_norm2;
  const Acc r_diag = x.array().square().square().sum() / t - s.diagonal().squaredNorm();
  ws.scratch_d.noalias() = s * beta;  // in the workspace: beta.dot(s * beta) formed a temporary
  const Acc bsb = beta.dot(ws.scratch_d);
  Acc sum_v1 = 0, sum_v3 = 0, diag_v1 = 0, diag_v3 = 0;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Acc zb = market(r) * x.row(r).dot(beta);  // sum_j z_rj beta_j, z = x .* market
    sum_v1 += ws.scratch_b(r) * zb;
    sum_v3 += zb * zb;
  }
  sum_v1 = sum_v1 / t - bsb;
  sum_v3 = sum_v3 / t - var_m * bsb;
  for (Eigen::Index i = 0; i < n; ++i) {
    Acc cube = 0, square = 0;
    for (Eigen::Index r = 0; r < rows; ++r) {
      const Acc v = x(r, i), m = market(r);
      cube += v * v * v * m;
      square += v * v * m * m;
    }
    diag_v1 += (cube / t - beta(i) * s(i, i)) * beta(i);
    diag_v3 += (square / t - var_m * s(i, i)) * beta(i) * beta(i);
  }
  const Acc r_off1 = (sum_v1 - diag_v1) / var_m;
  const Acc r_off3 = (sum_v3 - diag_v3) / (var_m * var_m);
  const Acc rho = r_diag + 2 * r_off1 - r_off3;
  return clamp_intensity((pi - rho) / gamma / t, gamma);
}

/// Constant-correlation target (see the file comment). ws.gram becomes S = G / (T - 1); the
/// caller has checked that every variance is positive.
template <class Acc>
[[nodiscard]] Acc shrink_constant_correlation(gram_workspace<Acc>& ws) {
  const auto& x = ws.centred;
  const Eigen::Index rows = x.rows(), n = x.cols();
  const auto t = static_cast<Acc>(rows);
  auto& s = ws.gram;                                   // G on entry
  const Acc g_dot_s_over = s.squaredNorm() / (t - 1);  // sum_ij G_ij S_ij = ||G||^2 / (T - 1)
  s /= (t - 1);
  auto& sd = ws.scratch_a;
  sd = s.diagonal().cwiseSqrt();
  ws.target.resize(n, n);
  if (n < 2) {
    ws.target = s;
    return Acc(0);
  }
  Acc corr_sum = 0;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) corr_sum += s(i, j) / (sd(i) * sd(j));
  const auto dn = static_cast<Acc>(n);
  const Acc r_bar = (corr_sum - dn) / (dn * (dn - 1));
  for (Eigen::Index j = 0; j < n; ++j)  // one product per pair, mirrored: exactly symmetric
    for (Eigen::Index i = j; i < n; ++i) ws.target(i, j) = ws.target(j, i) = i == j ? s(i, i) : r_bar * (sd(i) * sd(j));
  // pi = sum(y'y)/T - 2 sum(G .* S)/T + sum(S .* S), y = x.^2
  ws.scratch_b = x.cwiseProduct(x).rowwise().sum();
  const Acc s_norm2 = s.squaredNorm();
  const Acc pi = ws.scratch_b.squaredNorm() / t - 2 * g_dot_s_over / t + s_norm2;
  // diagonal of pi_mat: sum_t x^4 / T - 2 G_ii S_ii / T + S_ii^2, with G_ii = (T - 1) S_ii
  Acc pi_diag = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Acc sii = s(i, i);
    pi_diag += x.col(i).array().square().square().sum() / t - 2 * (t - 1) * sii * sii / t + sii * sii;
  }
  // sum_{i != j} (sd_j / sd_i) theta_ij, theta_ij = (1/T) sum_t x_ti^3 x_tj - h_ii S_ij - h_ij v_i
  // + v_i S_ij with h = G / T and v = diag(S); the first term through per-row sums.
  Acc term1 = 0;
  for (Eigen::Index r = 0; r < rows; ++r) {
    Acc a = 0, b = 0, ab = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const Acc v = x(r, i);
      a += v * v * v / sd(i);
      b += v * sd(i);
      ab += v * v * v * v;
    }
    term1 += a * b - ab;
  }
  term1 /= t;
  Acc rest = 0;
  const Acc h_over_s = (t - 1) / t;  // h = G / T = S (T - 1) / T
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i == j) continue;
      const Acc vi = s(i, i), hii = h_over_s * vi, hij = h_over_s * s(i, j);
      rest += (sd(j) / sd(i)) * (-hii * s(i, j) - hij * vi + vi * s(i, j));
    }
  const Acc rho = pi_diag + r_bar * (term1 + rest);
  const Acc gamma = (s - ws.target).squaredNorm();
  return clamp_intensity((pi - rho) / gamma / t, gamma);
}

// Instantiated once in keel::compiled (src/covariance.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(double shrink_scaled_identity<double>(gram_workspace<double>&))
KEEL_EXTERN_TEMPLATE(long double shrink_scaled_identity<long double>(gram_workspace<long double>&))
KEEL_EXTERN_TEMPLATE(double shrink_single_factor<double>(gram_workspace<double>&))
KEEL_EXTERN_TEMPLATE(long double shrink_single_factor<long double>(gram_workspace<long double>&))
KEEL_EXTERN_TEMPLATE(double shrink_constant_correlation<double>(gram_workspace<double>&))
KEEL_EXTERN_TEMPLATE(long double shrink_constant_correlation<long double>(gram_workspace<long double>&))

}  // namespace keel::detail
