// SPDX-License-Identifier: MIT
// keel/detail/eigen_top.hpp: the k largest eigenpairs of a symmetric matrix, for the
// statistical factor model. Owned by keel/factor_model.hpp.
//
// Method. A full symmetric eigensolver (Eigen's SelfAdjointEigenSolver: tridiagonalisation,
// then implicit QR accumulating every Givens rotation into the N x N eigenvector matrix) takes
// about 2.5x the time of the covariance SYRK it follows at N = 500 (T = 2,520); most of it is
// the accumulation of N eigenvectors that the model throws away. For k much smaller than N this file instead
//   1. reduces M = Q T Q' to tridiagonal T by Householder (Eigen's Tridiagonalization, 4/3 N^3),
//   2. takes every eigenvalue of T by implicit QR without vectors (O(N^2)),
//   3. computes the k eigenvectors of T by inverse iteration: (T - lambda I) y = x solved by
//      LU with partial pivoting of the tridiagonal (LAPACK's dgttrf/dgttrs; a pivot below
//      eps ||T|| is replaced by eps ||T||, as dlagts does), three steps per vector, each step
//      orthogonalised against the vectors already found (LAPACK's dstein reorthogonalises within
//      clusters; with k small, against all is as cheap and covers every cluster),
//   4. maps them back, V = Q Z, by the Householder reflectors (O(N^2 k)).
// The result is checked, not trusted: each residual ||M v - lambda v|| must be at most
// 64 N eps max|lambda| and V'V within 64 N eps of I; otherwise (and whenever 4k > N, where the
// full solver is as cheap) the full solver is used. Both paths give eigenvalues in descending
// order and the sign rule below.
//
// Sign rule (deterministic, scikit-learn's svd_flip): each eigenvector is negated if needed so
// that its entry of largest magnitude (the first such on ties) is positive.
//
// Ref: Golub and Van Loan, Matrix Computations, 4th ed. (2013), secs. 8.3 (tridiagonalisation,
// symmetric QR) and 8.2.2 (inverse iteration); LAPACK Users' Guide, 3rd ed., dstein.
// IWYU pragma: private, include <keel/factor_model.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

/// Scratch of top_eigenpairs, reused across calls of one size.
template <class Acc>
struct eigen_top_workspace {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  Eigen::Tridiagonalization<matrix> tridiagonal;
  Eigen::SelfAdjointEigenSolver<matrix> solver;
  vector diag, sub, all_values;
  vector d, dl, du, du2, x;  ///< the tridiagonal LU and the iterate
  std::vector<char> swapped;
  matrix z, check;
  bool partial = false;  ///< whether the last call's result came from the partial path (tests read it)
};

/// The k largest eigenvalues of the symmetric n x n `m` (lower triangle read; both triangles
/// must hold it for the check) in descending order into `values`, their unit eigenvectors into
/// the columns of `vectors` (n x k), with the sign rule of the file's comment.
template <class Acc>
void top_eigenpairs(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& m, Eigen::Index k,
                    Eigen::Matrix<Acc, Eigen::Dynamic, 1>& values,
                    Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& vectors, eigen_top_workspace<Acc>& ws) {
  const Eigen::Index n = m.rows();
  values.resize(k);
  vectors.resize(n, k);
  const Acc eps = std::numeric_limits<Acc>::epsilon();
  bool done = false;
  if (4 * k <= n) {
    ws.tridiagonal.compute(m);
    ws.diag = ws.tridiagonal.diagonal();
    ws.sub = ws.tridiagonal.subDiagonal();
    ws.solver.computeFromTridiagonal(ws.diag, ws.sub, Eigen::EigenvaluesOnly);
    done = ws.solver.info() == Eigen::Success;
    if (done) {
      ws.all_values = ws.solver.eigenvalues();  // ascending
      Acc norm = 0;                             // ||T||_1, the scale of "negligible" pivots
      for (Eigen::Index i = 0; i < n; ++i)
        norm = std::max(norm, std::abs(ws.diag(i)) + (i > 0 ? std::abs(ws.sub(i - 1)) : Acc(0)) +
                                  (i + 1 < n ? std::abs(ws.sub(i)) : Acc(0)));
      const Acc tiny = norm > 0 ? eps * norm : std::numeric_limits<Acc>::min();
      ws.z.setZero(n, k);
      ws.swapped.assign(uz(n), 0);
      for (Eigen::Index c = 0; c < k && done; ++c) {
        const Acc lambda = ws.all_values(n - 1 - c);
        values(c) = lambda;
        // LU with partial pivoting of T - lambda I (dgttrf): L unit lower bidiagonal (dl),
        // U upper with two superdiagonals (du, du2).
        ws.d = ws.diag.array() - lambda;
        ws.dl = ws.sub;
        ws.du = ws.sub;
        ws.du2.setZero(std::max<Eigen::Index>(n - 2, 0));
        for (Eigen::Index i = 0; i + 1 < n; ++i) {
          if (std::abs(ws.d(i)) >= std::abs(ws.dl(i))) {
            ws.swapped[uz(i)] = 0;
            if (ws.d(i) != 0) {
              const Acc f = ws.dl(i) / ws.d(i);
              ws.dl(i) = f;
              ws.d(i + 1) -= f * ws.du(i);
            }
          } else {
            ws.swapped[uz(i)] = 1;
            const Acc f = ws.d(i) / ws.dl(i);
            ws.d(i) = ws.dl(i);
            ws.dl(i) = f;
            const Acc t = ws.du(i);
            ws.du(i) = ws.d(i + 1);
            ws.d(i + 1) = t - f * ws.d(i + 1);
            if (i + 2 < n) {
              ws.du2(i) = ws.du(i + 1);
              ws.du(i + 1) = -f * ws.du(i + 1);
            }
          }
        }
        for (Eigen::Index i = 0; i < n; ++i)
          if (std::abs(ws.d(i)) < tiny) ws.d(i) = ws.d(i) < 0 ? -tiny : tiny;
        // A start vector with no special structure (so not orthogonal to the eigenvector).
        ws.x.resize(n);
        for (Eigen::Index i = 0; i < n; ++i)
          ws.x(i) = Acc(1) + static_cast<Acc>((i * 7919 + c * 104729) % 1009) / Acc(1009);
        for (int step = 0; step < 3; ++step) {
          auto& b = ws.x;
          for (Eigen::Index i = 0; i + 1 < n; ++i) {  // L y = P b
            if (ws.swapped[uz(i)] == 0) {
              b(i + 1) -= ws.dl(i) * b(i);
            } else {
              const Acc t = b(i);
              b(i) = b(i + 1);
              b(i + 1) = t - ws.dl(i) * b(i);
            }
          }
          b(n - 1) /= ws.d(n - 1);  // U x = y
          if (n > 1) b(n - 2) = (b(n - 2) - ws.du(n - 2) * b(n - 1)) / ws.d(n - 2);
          for (Eigen::Index i = n - 3; i >= 0; --i)
            b(i) = (b(i) - ws.du(i) * b(i + 1) - ws.du2(i) * b(i + 2)) / ws.d(i);
          for (Eigen::Index p = 0; p < c; ++p) b -= ws.z.col(p).dot(b) * ws.z.col(p);  // twice is enough
          for (Eigen::Index p = 0; p < c; ++p) b -= ws.z.col(p).dot(b) * ws.z.col(p);
          const Acc norm_b = b.norm();
          if (!(norm_b > 0) || !std::isfinite(norm_b)) {
            done = false;
            break;
          }
          b /= norm_b;
        }
        if (done) ws.z.col(c) = ws.x;
      }
      if (done) {
        vectors = ws.tridiagonal.matrixQ() * ws.z;
        // The check: residuals and orthogonality against the original matrix.
        const Acc scale = std::max(std::abs(ws.all_values(0)), std::abs(ws.all_values(n - 1)));
        const Acc tol = Acc(64) * static_cast<Acc>(n) * eps;
        ws.check.noalias() = m.template selfadjointView<Eigen::Lower>() * vectors;
        ws.check -= vectors * values.asDiagonal();
        for (Eigen::Index c = 0; c < k && done; ++c)
          if (!(ws.check.col(c).norm() <= tol * scale)) done = false;
        if (done) {
          ws.check.noalias() = vectors.transpose() * vectors;
          ws.check.diagonal().array() -= Acc(1);
          if (!(ws.check.cwiseAbs().maxCoeff() <= tol)) done = false;
        }
      }
    }
  }
  ws.partial = done;
  if (!done) {
    ws.solver.compute(m);  // reads the lower triangle
    const auto& all = ws.solver.eigenvalues();
    for (Eigen::Index c = 0; c < k; ++c) {
      values(c) = all(n - 1 - c);
      vectors.col(c) = ws.solver.eigenvectors().col(n - 1 - c);
    }
  }
  for (Eigen::Index c = 0; c < k; ++c) {
    Eigen::Index at = 0;
    for (Eigen::Index i = 1; i < n; ++i)
      if (std::abs(vectors(i, c)) > std::abs(vectors(at, c))) at = i;
    if (vectors(at, c) < 0) vectors.col(c) = -vectors.col(c);
  }
}

// Instantiated once in keel::compiled (src/factor_model.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(void top_eigenpairs<double>(const Eigen::MatrixXd&, Eigen::Index, Eigen::VectorXd&,
                                                 Eigen::MatrixXd&, eigen_top_workspace<double>&))
KEEL_EXTERN_TEMPLATE(void top_eigenpairs<long double>(const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                                      Eigen::Index, Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
                                                      Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
                                                      eigen_top_workspace<long double>&))

}  // namespace keel::detail
