// SPDX-License-Identifier: MIT
// keel/detail/gram.hpp: centred Gram matrices of T x N panels (rows = dates, columns = assets)
// with missing values, the kernel of every covariance estimator. Owned by keel/covariance.hpp;
// used by it, Markowitz and VaR through it.
//
// Method. The complete form is the two-pass algorithm in matrix form: column means by two
// passes (the corrected two-pass mean of detail/ols.hpp), the centred panel Xc copied once into
// the accumulation type, then Xc'Xc by Eigen's symmetric rank-k update (SYRK: half the flops of
// the general product X'X, blocked and vectorised by Eigen). Centring first means no variance
// is ever formed as sum x^2 - n xbar^2, so a price-like offset costs no digits.
//
// Pairwise (pandas' DataFrame.cov): pair (i, j) uses the rows where both values exist, with the
// pair's own means. With each column centred about its own mean (over its own rows) and zeroed
// where missing (Xd), and the presence mask M, four products give every pair's sums at once:
//   n_ij = (M'M)_ij,  P_ij = (Xd'Xd)_ij,  S_ij = (Xd'M)_ij = sum of x_i over the pair's rows,
//   Q_ij = ((Xd.Xd)'M)_ij = sum of x_i^2 over the pair's rows,
// and the pair's centred cross sum is P_ij - S_ij S_ji / n_ij: the shifted-sums formula of
// detail/moments.hpp with each column's mean as its shift. Where a shift is far from the pair's
// own mean (S_ij^2 > 15/16 n_ij Q_ij: more than four bits would cancel) that pair is recomputed
// exactly by two passes over its common rows. Cost: four T x N x N products instead of one.
//
// Positive semi-definiteness. A pairwise matrix need not be PSD. Its eigenvalues come from
// Eigen's SelfAdjointEigenSolver; it is PSD when the smallest is >= -N eps max|lambda| (what
// rounding alone can produce). The optional repair is Higham's nearest correlation matrix
// (alternating projections with Dykstra's correction, unit weights), rescaled by the original
// standard deviations.
//
// Refs: Chan, Golub and LeVeque, Amer. Statist. 37 (1983) (two-pass and shifted sums); N. J.
// Higham, "Computing the nearest correlation matrix: a problem from finance", IMA J. Numer.
// Anal. 22 (2002) 329-343.
// IWYU pragma: private, include <keel/covariance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/ols.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// Scratch of the covariance estimators: the `workspace` of covariance_estimate and
/// shrinkage_estimate, passed to their out forms so that a warm call reallocates nothing of
/// keel's own, and never part of a result (a plain call frees it on return).
template <class Acc>
struct gram_workspace {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  matrix centred;                               ///< the used rows, centred (weighted, clipped), T x N
  matrix gram;                                  ///< N x N products
  vector means;                                 ///< per column: its mean over its rows
  vector row_weights;                           ///< per row (EWMA): sqrt of the weight
  matrix mask, squares, sums, square_sums;      ///< pairwise: M, Xd.Xd, Xd'M, (Xd.Xd)'M
  matrix counts;                                ///< pairwise: common observations per pair
  std::vector<Eigen::Index> rows;               ///< complete_rows: the rows kept
  Eigen::SelfAdjointEigenSolver<matrix> eigen;  ///< PSD check and repair
  matrix corr, delta, projected, residual;      ///< Higham's iteration
  matrix target;                                ///< Ledoit-Wolf: the shrinkage target
  vector scratch_a, scratch_b, scratch_c;       ///< per-row and per-column sums (Ledoit-Wolf)
  vector scratch_d;                             ///< single-factor Ledoit-Wolf: S beta
};

/// Throws invalid_input for an infinite cell (earliest row first); when `reject_nan`, for a NaN
/// cell too, saying how to skip it. Otherwise NaN cells are missing values.
template <class Derived>
void check_cells(std::string_view fn, const Eigen::MatrixBase<Derived>& x, bool reject_nan) {
  if (x.allFinite()) return;
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const auto v = x(i, j);
      if (std::isinf(v)) throw_non_finite_cell(fn, "panel", i, j, static_cast<double>(v));
      if (std::isnan(v) && reject_nan) throw_missing_cell(fn, "panel", i, j);
    }
}

/// Copies the rows to use into ws.centred (as Acc): every row, or (`complete_rows`) those
/// without a NaN, listed in ws.rows. Returns the number of rows used.
template <class Acc, class Derived>
Eigen::Index gather_rows(const Eigen::MatrixBase<Derived>& x, bool complete_rows, gram_workspace<Acc>& ws) {
  const Eigen::Index t = x.rows(), n = x.cols();
  if (!complete_rows || !x.hasNaN()) {
    if (ws.centred.rows() != t || ws.centred.cols() != n) ws.centred.resize(t, n);
    ws.centred = x.template cast<Acc>();
    return t;
  }
  ws.rows.clear();
  for (Eigen::Index i = 0; i < t; ++i)
    if (!x.row(i).hasNaN()) ws.rows.push_back(i);
  const auto kept = static_cast<Eigen::Index>(ws.rows.size());
  if (ws.centred.rows() != kept || ws.centred.cols() != n) ws.centred.resize(kept, n);
  for (Eigen::Index k = 0; k < kept; ++k) ws.centred.row(k) = x.row(ws.rows[uz(k)]).template cast<Acc>();
  return kept;
}

/// Subtracts each column's two-pass mean from ws.centred, keeping the means in ws.means.
template <class Acc>
void centre_columns(gram_workspace<Acc>& ws) {
  const Eigen::Index n = ws.centred.cols();
  ws.means.resize(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    ws.means(j) = ws.centred.rows() > 0 ? two_pass_mean(ws.centred.col(j)) : Acc(0);
    ws.centred.col(j).array() -= ws.means(j);
  }
}

/// ws.gram = ws.centred' ws.centred (both triangles), by a symmetric rank-k update.
template <class Acc>
void gram_of_centred(gram_workspace<Acc>& ws) {
  const Eigen::Index n = ws.centred.cols();
  ws.gram.setZero(n, n);
  ws.gram.template selfadjointView<Eigen::Lower>().rankUpdate(ws.centred.transpose());
  ws.gram.template triangularView<Eigen::StrictlyUpper>() = ws.gram.transpose();
}

/// Throws invalid_input when the products overflowed (finite data too large) or a column's sum
/// of squares underflows (data too small to keep digits); `rows` is the number of rows summed.
template <class Acc>
void check_gram_range(std::string_view fn, const typename gram_workspace<Acc>::matrix& gram, Acc rows) {
  if (!gram.allFinite()) throw_overflow(fn, "the sums of products of the panel's columns");
  for (Eigen::Index j = 0; j < gram.cols(); ++j)
    if (gram(j, j) > 0 && underflows(gram(j, j), rows))
      throw_underflow(fn, "panel column " + std::to_string(j), static_cast<double>(gram(j, j)));
}

/// The pair (i, j)'s centred cross sum by two passes over its common rows (the exact fallback).
template <class Derived, class Acc>
[[nodiscard]] Acc pair_cross_exact(const Eigen::MatrixBase<Derived>& x, Eigen::Index i, Eigen::Index j) {
  Acc mi = 0, mj = 0, count = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
      mi += static_cast<Acc>(x(t, i));
      mj += static_cast<Acc>(x(t, j));
      count += 1;
    }
  mi /= count;
  mj /= count;
  Acc sxy = 0, si = 0, sj = 0;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
      const Acc di = static_cast<Acc>(x(t, i)) - mi, dj = static_cast<Acc>(x(t, j)) - mj;
      sxy += di * dj;
      si += di;
      sj += dj;
    }
  return sxy - si * sj / count;
}

/// Pairwise sums (see the file comment): fills ws.counts with n_ij and ws.gram with each pair's
/// centred cross sum about the pair's own means. `x` may hold NaN (missing), no infinity.
template <class Acc, class Derived>
void pairwise_gram(const Eigen::MatrixBase<Derived>& x, gram_workspace<Acc>& ws) {
  const Eigen::Index t = x.rows(), n = x.cols();
  auto& xd = ws.centred;
  if (xd.rows() != t || xd.cols() != n) xd.resize(t, n);
  ws.mask.resize(t, n);
  ws.means.resize(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    Acc sum = 0, count = 0;
    for (Eigen::Index i = 0; i < t; ++i)
      if (!std::isnan(x(i, j))) {
        sum += static_cast<Acc>(x(i, j));
        count += 1;
      }
    Acc m = count > 0 ? sum / count : Acc(0);
    Acc correction = 0;
    for (Eigen::Index i = 0; i < t; ++i)
      if (!std::isnan(x(i, j))) correction += static_cast<Acc>(x(i, j)) - m;
    if (count > 0) m += correction / count;
    ws.means(j) = m;
    for (Eigen::Index i = 0; i < t; ++i) {
      const bool present = !std::isnan(x(i, j));
      ws.mask(i, j) = present ? Acc(1) : Acc(0);
      xd(i, j) = present ? static_cast<Acc>(x(i, j)) - m : Acc(0);
    }
  }
  ws.squares = xd.cwiseProduct(xd);
  ws.counts.setZero(n, n);
  ws.counts.template selfadjointView<Eigen::Lower>().rankUpdate(ws.mask.transpose());
  ws.gram.setZero(n, n);
  ws.gram.template selfadjointView<Eigen::Lower>().rankUpdate(xd.transpose());
  ws.sums.noalias() = xd.transpose() * ws.mask;
  ws.square_sums.noalias() = ws.squares.transpose() * ws.mask;
  constexpr Acc keep = Acc(15) / Acc(16);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j; i < n; ++i) {
      const Acc c = ws.counts(i, j);
      if (c < 1) {
        ws.gram(i, j) = 0;
        continue;
      }
      const Acc sij = ws.sums(i, j), sji = ws.sums(j, i);
      const bool centred = sij * sij <= keep * c * ws.square_sums(i, j) && sji * sji <= keep * c * ws.square_sums(j, i);
      ws.gram(i, j) = centred ? ws.gram(i, j) - sij * sji / c : pair_cross_exact<Derived, Acc>(x, i, j);
    }
  ws.counts.template triangularView<Eigen::StrictlyUpper>() = ws.counts.transpose();
  ws.gram.template triangularView<Eigen::StrictlyUpper>() = ws.gram.transpose();
}

/// The smallest eigenvalue of the symmetric `m`, and whether `m` is positive semi-definite: the
/// smallest eigenvalue is >= -N eps max|lambda| (rounding alone).
template <class Acc>
struct psd_check {
  Acc min_eigenvalue = 0;
  bool positive_semidefinite = true;
};

template <class Acc>
[[nodiscard]] psd_check<Acc> check_psd(const typename gram_workspace<Acc>::matrix& m, gram_workspace<Acc>& ws) {
  if (m.rows() == 0) return {};
  ws.eigen.compute(m, Eigen::EigenvaluesOnly);
  const auto& ev = ws.eigen.eigenvalues();  // ascending
  const Acc tol = static_cast<Acc>(m.rows()) * std::numeric_limits<Acc>::epsilon() * ev.cwiseAbs().maxCoeff();
  return {ev(0), ev(0) >= -tol};
}

/// Replaces the symmetric `cov` by D R D, R the nearest correlation matrix (Higham 2002,
/// alternating projections with Dykstra's correction) to its correlation matrix and D its
/// standard deviations; a zero-variance column keeps zero entries. Stops when successive
/// iterates and the two projections agree to 1e-10 relative (Frobenius), or after 100
/// iterations; the PSD projection is then rescaled to a unit diagonal, so the result is
/// positive semi-definite whether or not the iteration converged.
template <class Acc>
void repair_nearest_correlation(typename gram_workspace<Acc>::matrix& cov, gram_workspace<Acc>& ws) {
  const Eigen::Index n = cov.rows();
  auto& sd = ws.scratch_a;
  sd = cov.diagonal().cwiseMax(Acc(0)).cwiseSqrt();
  auto& y = ws.corr;       // Y: the unit-diagonal iterate
  auto& ds = ws.delta;     // Dykstra's correction
  auto& x = ws.projected;  // X: the PSD iterate
  auto& r = ws.residual;
  y.resize(n, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i)
      y(i, j) = i == j ? Acc(1) : (sd(i) > 0 && sd(j) > 0 ? cov(i, j) / (sd(i) * sd(j)) : Acc(0));
  ds.setZero(n, n);
  const Acc tol = Acc(1e-10);
  for (int iter = 0; iter < 100; ++iter) {
    r = y - ds;
    ws.eigen.compute(r);
    const auto& v = ws.eigen.eigenvectors();
    x.noalias() = v * ws.eigen.eigenvalues().cwiseMax(Acc(0)).asDiagonal() * v.transpose();
    ds = x - r;
    r = y;  // the previous Y
    y = x;
    y.diagonal().setOnes();
    const Acc size = y.norm();
    if ((y - x).norm() <= tol * size && (y - r).norm() <= tol * size) break;
  }
  for (Eigen::Index i = 0; i < n; ++i) sd(i) = x(i, i) > 0 ? sd(i) / std::sqrt(x(i, i)) : Acc(0);
  cov = sd.asDiagonal() * x * sd.asDiagonal();
  cov.template triangularView<Eigen::StrictlyUpper>() = cov.transpose();  // exactly symmetric
}

/// The Acc matrix `m` scaled by `factor` into `out`, rounded to Real; invalid_input when a finite
/// value does not fit Real (float results of data near float's limits).
template <class Real, class Acc>
void store_scaled(std::string_view fn, std::string_view field,
                  const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& m, Acc factor,
                  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>& out) {
  if (out.rows() != m.rows() || out.cols() != m.cols()) out.resize(m.rows(), m.cols());
  out = (m * factor).template cast<Real>();
  if (!out.allFinite()) {
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      for (Eigen::Index i = 0; i < m.rows(); ++i)
        if (!std::isfinite(out(i, j))) (void)rounded<Real>(fn, cell_text(field, i, j), m(i, j) * factor);
    throw_overflow(fn, std::string(field) + " (annualised)");
  }
}

// Instantiated once in keel::compiled (src/covariance.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(psd_check<double> check_psd<double>(const gram_workspace<double>::matrix&,
                                                         gram_workspace<double>&))
KEEL_EXTERN_TEMPLATE(psd_check<long double> check_psd<long double>(const gram_workspace<long double>::matrix&,
                                                                   gram_workspace<long double>&))
KEEL_EXTERN_TEMPLATE(void repair_nearest_correlation<double>(gram_workspace<double>::matrix&, gram_workspace<double>&))
KEEL_EXTERN_TEMPLATE(void repair_nearest_correlation<long double>(gram_workspace<long double>::matrix&,
                                                                  gram_workspace<long double>&))

}  // namespace keel::detail
