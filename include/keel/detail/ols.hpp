// SPDX-License-Identifier: MIT
// keel/detail/ols.hpp: the ordinary-least-squares core shared by factor_regression, HAR and
// alpha_beta: pivoted QR on centred, unit-norm columns, never the normal equations. Owned by
// keel/factors.hpp.
//
// Method. With an intercept, y and the columns of X are centred (two-pass means) and the
// intercept is recovered as ybar - xbar'b. Each column is scaled to unit Euclidean norm, which
// makes the rank decision scale-free, and y is scaled by its norm so that no sum of squares
// over- or underflows. The problem is solved by Householder QR with column pivoting (the
// normal equations square the condition number: on NIST's Longley data they keep about 7
// digits, this keeps 13 or more). Residuals are computed directly as y - Xb; (X'X)^-1 is only
// ever formed from the triangular factor R. A caller that fits many problems of one shape
// (HAR on every column of a panel) reuses one workspace and one result: no allocation then.
//
// A second path serves callers that stream a few regressors through one pass (HAR on every
// column of a panel): ols_from_moments solves from the centred cross-products by Cholesky of the
// regressors' correlation matrix, but only when that matrix is well conditioned (its reciprocal
// condition at least moments_rcond_min, so the squared condition costs at most 3 of 16 digits)
// and every sum of squares is far from both ends of the range; otherwise it declines and the
// caller falls back to ols() (which also names collinear regressors).
//
// Rank decision: a pivot of R at most max(n, k) eps times the largest means rank deficiency
// (numpy's matrix_rank rule), eps the machine epsilon of the data's type (float data is known
// only to float precision).
//
// Ref: Greene, Econometric Analysis, 8th ed., ch. 4; Golub and Van Loan, Matrix Computations,
// 4th ed., sec. 5.4 (QR with column pivoting, numerical rank).
// IWYU pragma: private, include <keel/factors.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The inputs and scratch of one OLS problem. The caller writes the n x k regressors (without
/// the intercept column) into `x` and the response into `y` (both are overwritten by ols()).
/// Reused for problems of the same shape, nothing is reallocated.
template <class Acc>
struct ols_workspace {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  matrix x;  ///< n x k regressors; centred and scaled in place
  vector y;  ///< n responses; centred and scaled in place
  Eigen::ColPivHouseholderQR<matrix> qr;
  vector xbar, scale, qty, beta, lever;
  matrix r_inv;

  /// Shapes the inputs for n observations of k regressors (no reallocation when unchanged).
  void resize(Eigen::Index n, Eigen::Index k) {
    if (x.rows() != n || x.cols() != k) x.resize(n, k);
    if (y.size() != n) y.resize(n);
  }
};

/// An OLS fit: coefficient-shaped fields have p = k + intercept entries, the intercept first.
template <class Acc>
struct ols_fit {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  vector coefficients;  ///< least-squares coefficients
  matrix xtx_inverse;   ///< (X'X)^-1 of the design as given ([1 X] with an intercept), p x p
  vector std_errors;    ///< classical: sqrt(diag(s^2 (X'X)^-1))
  vector vif;           ///< per regressor: diag of the inverse correlation matrix (>= 1)
  vector residuals;     ///< y - X b, n values
  Acc rss = 0;          ///< residual sum of squares
  Acc tss = 0;          ///< total sum of squares: centred with an intercept, sum y^2 without
  Acc sigma = 0;        ///< s = sqrt(rss / (n - p))
  Acc r_squared = 0;    ///< 1 - rss / tss, clamped to [0, 1]; 0 when tss = 0
  std::ptrdiff_t n = 0, p = 0, dof = 0;
  bool intercept = true;
};

/// "factor 3" or "factors 1, 4" (with names when the caller has them: "factor 3 (monthly)").
[[nodiscard]] inline std::string factor_list(const std::vector<std::ptrdiff_t>& ids,
                                             const std::vector<std::string>* names = nullptr) {
  std::string out = ids.size() == 1 ? "factor " : "factors ";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(ids[i]);
    if (names != nullptr && uz(ids[i]) < names->size()) out += " (" + (*names)[uz(ids[i])] + ")";
  }
  return out;
}

/// The message for a rank-deficient (scaled, centred) design: which regressors the pivoted QR
/// left for last, and for each the regressors its column is a combination of (the entries of
/// R11^-1 R12 above sqrt(data_epsilon) times the largest).
template <class QR>
[[nodiscard]] std::string rank_deficiency_message(std::string_view fn, const QR& qr, Eigen::Index rank, bool intercept,
                                                  double data_epsilon, const std::vector<std::string>* names) {
  using Scalar = typename QR::MatrixType::Scalar;
  const Eigen::Index k = qr.cols();
  const auto& perm = qr.colsPermutation().indices();
  std::vector<std::ptrdiff_t> dependent;
  for (Eigen::Index i = rank; i < k; ++i) dependent.push_back(perm(i));
  std::sort(dependent.begin(), dependent.end());
  // Column j >= rank of the pivoted design is R11^-1 R12(:, j) in terms of the first `rank`
  // pivoted columns (exactly so when R22 = 0).
  const auto r = qr.matrixR();
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> comb = r.topRightCorner(rank, k - rank);
  r.topLeftCorner(rank, rank).template triangularView<Eigen::Upper>().solveInPlace(comb);
  std::vector<std::string> spans(uz(k));
  for (Eigen::Index j = 0; j < k - rank; ++j) {
    const Scalar big = rank > 0 ? comb.col(j).cwiseAbs().maxCoeff() : Scalar(0);
    std::vector<std::ptrdiff_t> ids;
    for (Eigen::Index i = 0; i < rank; ++i)
      if (std::abs(comb(i, j)) > static_cast<Scalar>(std::sqrt(data_epsilon)) * big) ids.push_back(perm(i));
    std::sort(ids.begin(), ids.end());
    std::string span = ids.empty() ? std::string("zero") : factor_list(ids, names);
    if (intercept) span += ids.empty() ? " (a constant)" : " and the intercept";
    spans[uz(perm(rank + j))] = span;
  }
  std::string text =
      "X has rank " + std::to_string(rank) + " < " + std::to_string(k) + " columns; " + factor_list(dependent, names);
  if (dependent.size() == 1) {
    text += " is a linear combination of " + spans[uz(dependent[0])] + "; drop one of them";
  } else {
    text += " are linear combinations of the others (";
    for (std::size_t i = 0; i < dependent.size(); ++i) {
      if (i > 0) text += "; ";
      text += "factor " + std::to_string(dependent[i]) + " of " + spans[uz(dependent[i])];
    }
    text += ")";
  }
  return message(fn, text);
}

/// Mean by two passes: the plain mean, then the mean of the deviations from it added back
/// (the correction term of the corrected two-pass algorithm, Chan, Golub and LeVeque 1983).
template <class Derived>
[[nodiscard]] typename Derived::Scalar two_pass_mean(const Eigen::MatrixBase<Derived>& v) {
  using T = typename Derived::Scalar;
  const T count = static_cast<T>(v.size());
  const T m = v.sum() / count;
  return m + (v.array() - m).sum() / count;
}

/// Throws singular_problem for regressors that are constant (with an intercept) or zero in
/// every row (without one): they carry nothing the intercept does not, or nothing at all.
template <class Acc>
void check_degenerate_regressors(std::string_view fn, const ols_workspace<Acc>& ws, bool intercept,
                                 const std::vector<std::string>* names) {
  std::vector<std::ptrdiff_t> degenerate;
  for (Eigen::Index j = 0; j < ws.x.cols(); ++j)
    if (intercept ? (ws.x.col(j).array() == ws.x(0, j)).all() : (ws.x.col(j).array() == 0).all())
      degenerate.push_back(j);
  if (degenerate.empty()) return;
  throw singular_problem(message(
      fn, factor_list(degenerate, names) + (degenerate.size() == 1 ? " is " : " are ") +
              (intercept ? "constant (collinear with the intercept)" : "zero in every row (nothing to regress on)")));
}

/// Euclidean norm, by the plain sum of squares when that is safely in range and by Eigen's
/// overflow- and underflow-safe stableNorm (five times slower) otherwise.
template <class Derived>
[[nodiscard]] typename Derived::Scalar safe_norm(const Eigen::MatrixBase<Derived>& v) {
  using T = typename Derived::Scalar;
  const T ss = v.squaredNorm();
  // Far from both ends of the range every square and partial sum is exact to rounding.
  if (ss > std::sqrt(std::numeric_limits<T>::min()) && ss < std::sqrt(std::numeric_limits<T>::max()))
    return std::sqrt(ss);
  return v.stableNorm();
}

/// Centres (with an intercept) and scales the workspace's columns; returns ybar and the
/// scale of y.
template <class Acc>
void centre_and_scale(ols_workspace<Acc>& ws, bool intercept, Acc& ybar, Acc& y_scale) {
  const Eigen::Index k = ws.x.cols();
  ws.xbar.setZero(k);
  ws.scale.resize(k);
  ybar = 0;
  if (intercept) {
    ybar = two_pass_mean(ws.y);
    ws.y.array() -= ybar;
    for (Eigen::Index j = 0; j < k; ++j) {
      ws.xbar(j) = two_pass_mean(ws.x.col(j));
      ws.x.col(j).array() -= ws.xbar(j);
    }
  }
  for (Eigen::Index j = 0; j < k; ++j) {
    ws.scale(j) = safe_norm(ws.x.col(j));  // > 0: the column is neither constant nor zero
    KEEL_ASSERT(ws.scale(j) > 0);
    ws.x.col(j) /= ws.scale(j);
  }
  const Acc y_norm = safe_norm(ws.y);
  y_scale = y_norm > 0 ? y_norm : Acc(1);
  ws.y /= y_scale;
}

/// Fills out.xtx_inverse, out.vif and the intercept's leverage from the scaled problem's R^-1
/// (ws.r_inv, pivoted order): A = D^-1 P R^-1 R^-T P' D^-1 is the slope block of (X'X)^-1; with
/// an intercept the block inverse of [[n, n xbar'], [n xbar, X'X]] adds -A xbar and
/// 1/n + xbar'A xbar, the latter as 1/n + ||R^-T P' D^-1 xbar||^2 (a norm: no cancellation).
/// Returns that leverage xbar'A xbar (0 without an intercept).
template <class Acc>
[[nodiscard]] Acc assemble_inverse(ols_workspace<Acc>& ws, bool intercept, std::ptrdiff_t n, ols_fit<Acc>& out) {
  const Eigen::Index k = ws.x.cols();
  const Eigen::Index o = intercept ? 1 : 0;
  const auto& perm = ws.qr.colsPermutation().indices();
  out.xtx_inverse.resize(k + o, k + o);
  for (Eigen::Index a = 0; a < k; ++a) {
    out.vif(perm(a)) = ws.r_inv.row(a).squaredNorm();  // diag of (Xs'Xs)^-1 before the floor below
    for (Eigen::Index b = a; b < k; ++b) {
      const Acc v = ws.r_inv.row(a).tail(k - b).dot(ws.r_inv.row(b).tail(k - b));
      const Eigen::Index i = perm(a), j = perm(b);
      out.xtx_inverse(o + i, o + j) = out.xtx_inverse(o + j, o + i) = v / (ws.scale(i) * ws.scale(j));
    }
  }
  if (!intercept) return Acc(0);
  ws.lever.resize(k);
  for (Eigen::Index i = 0; i < k; ++i) ws.lever(i) = ws.xbar(perm(i)) / ws.scale(perm(i));
  ws.qr.matrixR().topLeftCorner(k, k).template triangularView<Eigen::Upper>().transpose().solveInPlace(ws.lever);
  const Acc leverage = ws.lever.squaredNorm();
  for (Eigen::Index i = 0; i < k; ++i)
    out.xtx_inverse(0, 1 + i) = out.xtx_inverse(1 + i, 0) = -out.xtx_inverse.row(1 + i).tail(k).dot(ws.xbar);
  out.xtx_inverse(0, 0) = Acc(1) / static_cast<Acc>(n) + leverage;
  return leverage;
}

/// Solves the scaled problem by pivoted QR: ws.beta (original column order), ws.r_inv, and the
/// scaled residuals in out.residuals (which holds the scaled y on entry).
/// \throws singular_problem for a rank-deficient design, naming the regressors.
template <class Acc>
void solve_scaled(std::string_view fn, ols_workspace<Acc>& ws, bool intercept, double data_epsilon, ols_fit<Acc>& out,
                  const std::vector<std::string>* names) {
  const Eigen::Index n = ws.x.rows(), k = ws.x.cols();
  ws.qr.setThreshold(static_cast<Acc>(std::max<Eigen::Index>(n, k)) * static_cast<Acc>(data_epsilon));
  ws.qr.compute(ws.x);
  const Eigen::Index rank = ws.qr.rank();
  if (rank < k) throw singular_problem(rank_deficiency_message(fn, ws.qr, rank, intercept, data_epsilon, names));
  // b = P R^-1 (Q'y)[0:k]. Q' = H_{k-1} ... H_0 is applied one reflector at a time, as Eigen's
  // applyHouseholderOnTheLeft does, but without its temporary for tau v (a heap allocation
  // per reflector): H_j y = y - tau_j v_j (v_j' y) on rows j.., v_j = (1, essential_j).
  ws.qty = ws.y;
  for (Eigen::Index j = 0; j < ws.qr.hCoeffs().size(); ++j) {
    const Acc tau = ws.qr.hCoeffs()(j);
    if (tau == Acc(0)) continue;
    auto head = ws.qty.segment(j, n - j);
    if (n - j == 1) {
      head(0) *= Acc(1) - tau;
      continue;
    }
    const auto essential = ws.qr.matrixQR().col(j).tail(n - j - 1);
    auto bottom = head.tail(n - j - 1);
    const Acc w = essential.dot(bottom) + head(0);
    head(0) -= tau * w;
    for (Eigen::Index i = 0; i < n - j - 1; ++i) bottom(i) -= (tau * essential(i)) * w;
  }
  const auto r = ws.qr.matrixR().topLeftCorner(k, k).template triangularView<Eigen::Upper>();
  r.solveInPlace(ws.qty.head(k));
  const auto& perm = ws.qr.colsPermutation().indices();
  for (Eigen::Index i = 0; i < k; ++i) ws.beta(perm(i)) = ws.qty(i);
  ws.r_inv.setIdentity(k, k);
  r.solveInPlace(ws.r_inv);
  out.residuals.noalias() -= ws.x * ws.beta;  // directly, never as TSS minus explained
}

/// Ordinary least squares of ws.y on ws.x (with an intercept when asked) into `out`.
/// \pre the caller checked sizes (n >= p + 1) and finiteness; `names` (optional) names the
///      regressors in messages.
/// \throws singular_problem for a constant (zero) regressor or a rank-deficient design,
///         naming the regressors involved.
template <class Acc>
void ols(std::string_view fn, ols_workspace<Acc>& ws, bool intercept, double data_epsilon, ols_fit<Acc>& out,
         const std::vector<std::string>* names = nullptr) {
  const Eigen::Index n = ws.x.rows(), k = ws.x.cols();
  const Eigen::Index p = k + (intercept ? 1 : 0);
  KEEL_ASSERT(ws.y.size() == n && n >= p + 1);
  check_degenerate_regressors(fn, ws, intercept, names);
  Acc ybar = 0, y_scale = 1;
  centre_and_scale(ws, intercept, ybar, y_scale);
  out.n = n;
  out.p = p;
  out.dof = n - p;
  out.intercept = intercept;
  out.coefficients.resize(p);
  out.std_errors.resize(p);
  out.vif.resize(k);
  ws.beta.setZero(k);
  out.residuals = ws.y;
  if (k > 0) solve_scaled(fn, ws, intercept, data_epsilon, out, names);
  const Acc rss = out.residuals.squaredNorm();  // of the scaled problem: RSS / ||y||^2
  const Acc tss = ws.y.squaredNorm();           // 1, or 0 when y is constant (zero without intercept)
  const Acc s = std::sqrt(rss / static_cast<Acc>(n - p));
  // RSS <= TSS in exact arithmetic; clamp the rounding that could push R^2 a hair outside [0, 1].
  out.r_squared = tss > 0 ? std::clamp(Acc(1) - rss / tss, Acc(0), Acc(1)) : Acc(0);
  out.residuals *= y_scale;
  out.rss = rss * y_scale * y_scale;
  out.tss = tss * y_scale * y_scale;
  out.sigma = s * y_scale;
  const Acc leverage = k > 0 ? assemble_inverse(ws, intercept, n, out) : Acc(0);
  if (k == 0) out.xtx_inverse.setConstant(p, p, Acc(1) / static_cast<Acc>(n));
  const Eigen::Index o = p - k;
  for (Eigen::Index j = 0; j < k; ++j) {
    const Acc unscale = y_scale / ws.scale(j);  // kept apart so that no intermediate square overflows
    out.coefficients(o + j) = ws.beta(j) * unscale;
    out.std_errors(o + j) = s * std::sqrt(out.vif(j)) * unscale;
  }
  // VIF >= 1 in exact arithmetic (R_k^2 >= 0); a hair below is rounding.
  out.vif = out.vif.cwiseMax(Acc(1));
  if (intercept) {
    out.coefficients(0) = ybar - ws.xbar.dot(out.coefficients.tail(k));
    out.std_errors(0) = y_scale * s * std::sqrt(Acc(1) / static_cast<Acc>(n) + leverage);
  }
}

/// The smallest reciprocal condition number (1-norm, LLT's estimate) of the regressors'
/// correlation matrix that ols_from_moments accepts: the normal equations lose about
/// log10(1 / rcond) digits more than QR, so at 1e-3 the coefficients keep 12 or more.
inline constexpr double moments_rcond_min = 1e-3;

/// OLS with an intercept from centred moments of n rows of [X y] (K regressors, y last):
/// `xbar`, `ybar` the means and `cross` = sum_t (r_t - rbar)(r_t - rbar)'. With D the centred
/// column norms and C = D^-1 Sxx D^-1 the correlation matrix, b = D^-1 C^-1 D^-1 Sxy,
/// c = ybar - xbar'b, and (X'X)^-1 of [1 X] by the block inverse (as assemble_inverse, the
/// intercept's leverage as a norm, ||L^-1 D^-1 xbar||^2).
/// Fills out's coefficients, xtx_inverse, vif, tss, n, p, dof and intercept and returns true;
/// the caller's residual pass then calls finish_moments_ols. Returns false, leaving `out` to
/// ols(), for a correlation matrix that is not positive definite or has rcond below
/// moments_rcond_min, and for sums of squares near either end of the range (or not finite).
template <int K, class Acc>
[[nodiscard]] bool ols_from_moments(const Eigen::Matrix<Acc, K, 1>& xbar, Acc ybar,
                                    const Eigen::Matrix<Acc, K + 1, K + 1>& cross, std::ptrdiff_t n,
                                    ols_fit<Acc>& out) {
  using vec = Eigen::Matrix<Acc, K, 1>;
  using mat = Eigen::Matrix<Acc, K, K>;
  const Acc lo = std::sqrt(std::numeric_limits<Acc>::min()), hi = std::sqrt(std::numeric_limits<Acc>::max());
  if (!cross.allFinite() || !xbar.allFinite() || !std::isfinite(ybar)) return false;
  for (int j = 0; j <= K; ++j)
    if (!(cross(j, j) > lo && cross(j, j) < hi)) return false;  // also a constant column or response
  const vec d = cross.diagonal().template head<K>().cwiseSqrt();
  const mat c = d.asDiagonal().inverse() * cross.template topLeftCorner<K, K>() * d.asDiagonal().inverse();
  const Eigen::LLT<mat> llt(c);
  if (llt.info() != Eigen::Success || !(llt.rcond() >= static_cast<Acc>(moments_rcond_min))) return false;
  const mat c_inv = llt.solve(mat::Identity());
  const vec b = (llt.solve(cross.col(K).template head<K>().cwiseQuotient(d))).cwiseQuotient(d);
  out.n = n;
  out.p = K + 1;
  out.dof = n - K - 1;
  out.intercept = true;
  const mat a = d.asDiagonal().inverse() * c_inv * d.asDiagonal().inverse();
  const vec a_xbar = a * xbar;
  // Element by element into the dynamic results: Eigen's packet copy of a K-vector into a
  // dynamic block trips g++ 12's -Warray-bounds under AVX-512 (a dead 8-wide path).
  out.coefficients.resize(K + 1);
  out.coefficients(0) = ybar - xbar.dot(b);
  out.vif.resize(K);
  out.xtx_inverse.resize(K + 1, K + 1);
  for (Eigen::Index i = 0; i < K; ++i) {
    out.coefficients(1 + i) = b(i);
    out.vif(i) = std::max(c_inv(i, i), Acc(1));  // >= 1 in exact arithmetic; a hair below is rounding
    out.xtx_inverse(0, 1 + i) = out.xtx_inverse(1 + i, 0) = -a_xbar(i);
    for (Eigen::Index j = 0; j < K; ++j) out.xtx_inverse(1 + i, 1 + j) = a(i, j);
  }
  const vec lever = llt.matrixL().solve(xbar.cwiseQuotient(d));
  out.xtx_inverse(0, 0) = Acc(1) / static_cast<Acc>(n) + lever.squaredNorm();
  out.tss = cross(K, K);
  return true;
}

/// Completes a fit by ols_from_moments from the residual sum of squares of the caller's pass:
/// rss, sigma = sqrt(rss / dof), R^2 = 1 - rss / tss (clamped to [0, 1]) and the classical
/// standard errors sigma sqrt(diag (X'X)^-1).
template <class Acc>
void finish_moments_ols(ols_fit<Acc>& out, Acc rss) {
  out.rss = rss;
  out.sigma = std::sqrt(rss / static_cast<Acc>(out.dof));
  out.r_squared = std::clamp(Acc(1) - rss / out.tss, Acc(0), Acc(1));
  out.std_errors.resize(out.p);
  for (Eigen::Index j = 0; j < out.p; ++j) out.std_errors(j) = out.sigma * std::sqrt(out.xtx_inverse(j, j));
}

// Instantiated once in keel::compiled (src/ols.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(void ols<double>(std::string_view, ols_workspace<double>&, bool, double, ols_fit<double>&,
                                      const std::vector<std::string>*))
KEEL_EXTERN_TEMPLATE(void ols<long double>(std::string_view, ols_workspace<long double>&, bool, double,
                                           ols_fit<long double>&, const std::vector<std::string>*))

}  // namespace keel::detail
