// SPDX-License-Identifier: MIT
// keel/factors.hpp: multi-factor OLS regression that reports, rather than hides, collinearity.
//
// Synopsis
//   factor_options{intercept}       fit an intercept (default) or regress through the origin
//   factor_fit<Real>                coefficients, std_errors, t_stats, p_values, r_squared,
//                                   adj_r_squared, residual_stddev, vifs, condition_number, n,
//                                   intercept
//   factor_regression(y, X, opts)   y (a Series of T observations) on the K columns of X (a T x K
//                                   Eigen expression: a matrix, a Map, a block) -> factor_fit
//   factor_regression(y, X, out, ws, opts)  into a reused `out`, with the scratch in a reused
//                                   `ws` (factor_fit<Real>::workspace) that keeps every buffer
//                                   of keel's; (y, X, out, opts) without `ws` is deprecated
//
// Conventions
//   - coefficients[0] is the intercept when options.intercept, then one coefficient per column
//     of X in X's order. Messages number factors from 0, as X's columns.
//   - Classical OLS errors: Var(b) = s^2 (X'X)^-1 with s^2 = RSS / (n - p), p = K + intercept;
//     two-sided p-values from Student's t with n - p degrees of freedom.
//   - R^2 is centred with an intercept and uncentred (1 - RSS / sum y^2) without one, as R's lm
//     and statsmodels report it. R^2 = 0 when there is nothing to explain (sum of squares 0).
//   - Collinearity is reported, not hidden: a variance inflation factor per factor and the
//     condition number of the design. Only an exactly (numerically) rank-deficient design throws,
//     and the message names the factors that are combinations of the others.
//   - float input is computed in double and rounded once at the end.
//
// Method
//   Householder QR with column pivoting on centred, unit-norm columns (detail/ols.hpp, shared
//   with HAR and alpha_beta), never the normal equations; on NIST's Longley data every
//   coefficient and standard error keeps 13 or more significant digits.
//
// References
//   W. H. Greene, Econometric Analysis, 8th ed. (2018), ch. 4: OLS, its standard errors and R^2.
//   D. A. Belsley, E. Kuh and R. E. Welsch, Regression Diagnostics (1980), ch. 3: VIF and
//   condition numbers. G. H. Golub and C. F. Van Loan, Matrix Computations, 4th ed. (2013),
//   sec. 5.4: QR with column pivoting and numerical rank. NIST StRD, Longley (1967) and Norris
//   linear regression datasets: the accuracy tests.
/// \file
/// Multi-factor OLS regression with VIF diagnostics: factor_regression.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/SVD>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/ols.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of factor_regression.
struct factor_options {
  /// Fit an intercept (a column of ones ahead of X). Without one the regression goes through
  /// the origin and R^2 is uncentred.
  bool intercept = true;
};

namespace detail {
/// Scratch of factor_regression's out form (factor_fit<Real>::workspace), never part of a result.
template <class Acc>
struct factor_scratch {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  ols_workspace<Acc> ols;        ///< the design, centred and scaled, and its QR
  ols_fit<Acc> fit;              ///< the fit in the accumulation type
  matrix small;                  ///< the p x p matrix with the design's singular values
  Eigen::JacobiSVD<matrix> svd;  ///< its singular values
};
}  // namespace detail

/// The result of factor_regression: an OLS fit of y on the factors with its diagnostics.
///
/// Coefficient-shaped fields (coefficients, std_errors, t_stats, p_values) have p = K +
/// intercept entries, the intercept first when there is one; `vifs` has one entry per factor.
/// These eleven fields are the whole result: the out form's scratch is the separate `workspace`.
template <class Real = double>
struct factor_fit {
  /// reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call (it keeps the design, its QR and the SVD of the small R factor).
  using workspace = detail::factor_scratch<detail::accum_t<Real>>;
  /// Least-squares coefficients: the intercept first (when `intercept`), then one per column of X.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> coefficients;
  /// Classical OLS standard errors, sqrt(diag(s^2 (X'X)^-1)) with s^2 = RSS / (n - p).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> std_errors;
  /// coefficient / std_error; +-inf for a nonzero coefficient of an exact fit, 0 for a zero one.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> t_stats;
  /// Two-sided p-value of t against Student's t with n - p degrees of freedom.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> p_values;
  /// 1 - RSS/TSS: TSS centred with an intercept, sum y^2 without; 0 when TSS = 0.
  Real r_squared{};
  /// 1 - (1 - R^2)(n - 1)/(n - p) with an intercept, 1 - (1 - R^2) n/(n - p) without.
  Real adj_r_squared{};
  /// s = sqrt(RSS / (n - p)).
  Real residual_stddev{};
  /// Variance inflation factor of each factor, 1 / (1 - R_k^2), R_k^2 from regressing factor k
  /// on the other factors (and the intercept when there is one). 1 means uncorrelated with the
  /// others; the usual rule of thumb flags VIFs above 10 (Belsley, Kuh & Welsch 1980).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> vifs;
  /// Largest over smallest singular value of the design as given (with the column of ones when
  /// there is an intercept; unscaled, as statsmodels' condition_number).
  Real condition_number{};
  /// Number of observations.
  std::ptrdiff_t n = 0;
  /// Whether coefficients[0] is the intercept.
  bool intercept = true;
};

namespace detail {

/// The floating type of factor_regression's results: float when y and X are both float.
template <class S, class Derived>
using factor_real_t = result_t<value_t<S>, typename Derived::Scalar>;

/// Checks factor_regression's arguments (sizes, counts, finiteness), naming the offender.
template <class S, class Derived>
void check_factor_input(std::string_view fn, const S& y, const Eigen::MatrixBase<Derived>& X, bool intercept) {
  const std::ptrdiff_t n = ssize(y);
  const std::ptrdiff_t p = X.cols() + (intercept ? 1 : 0);
  if (X.cols() == 0 && !intercept)
    throw invalid_input(message(fn, "X has no columns and options.intercept is false: nothing to fit"));
  if (n != X.rows())
    throw invalid_input(
        message(fn, "y has " + std::to_string(n) + " values but X has " + std::to_string(X.rows()) + " rows"));
  if (n < p + 1)  // the message is built only when it is needed: a warm call allocates nothing
    require_observations(fn, p + 1, n, "observations for " + std::to_string(p) + " coefficients");
  require_finite(fn, "y", y);
  if (!X.allFinite())
    for (Eigen::Index i = 0; i < n; ++i)  // row by row: report the earliest bad row
      for (Eigen::Index j = 0; j < X.cols(); ++j)
        if (!std::isfinite(X(i, j)))
          throw invalid_input(message(fn, cell_text("X", i, j) + " is " + number_text(static_cast<double>(X(i, j))) +
                                              " (row " + std::to_string(i) + ", factor " + std::to_string(j) + ")"));
}

/// Largest over smallest singular value of the design [1 X] (or X), as statsmodels'
/// condition_number, from the OLS core's QR of the centred, scaled factors rather than an SVD
/// of the whole T x p design: with q0 = 1/sqrt(n) orthogonal to the centred columns Xc = Q R
/// P' D, [1 X] = [q0 Q] M with M = [[sqrt(n), sqrt(n) xbar'], [0, R P' D]], so the design and
/// the small p x p matrix M have the same singular values.
template <class Acc>
[[nodiscard]] Acc design_condition_number(factor_scratch<Acc>& scratch, bool intercept) {
  const ols_workspace<Acc>& ws = scratch.ols;
  const Eigen::Index n = ws.x.rows(), k = ws.x.cols(), o = intercept ? 1 : 0;
  if (k == 0) return Acc(1);
  auto& m = scratch.small;
  m.setZero(k + o, k + o);
  const auto& perm = ws.qr.colsPermutation().indices();
  const auto& qr = ws.qr.matrixQR();  // R is its upper triangle
  // M divided by its largest scale c: the ratio of singular values is unchanged, and no entry
  // overflows (a column of norm 1.8e308 times an R entry of -1 was -inf, whose SVD is garbage).
  const Acc root_n = std::sqrt(static_cast<Acc>(n));
  Acc c = ws.scale.maxCoeff();
  if (intercept) c = std::max({c, root_n, ws.xbar.cwiseAbs().maxCoeff()});
  for (Eigen::Index i = 0; i < k; ++i)
    for (Eigen::Index r = 0; r <= i; ++r) m(o + r, o + perm(i)) = qr(r, i) * (ws.scale(perm(i)) / c);
  if (intercept) {
    m(0, 0) = root_n / c;
    m.row(0).tail(k) = root_n * (ws.xbar.transpose() / c);
  }
  scratch.svd.compute(m);  // singular values only; reuses its storage for the same p
  const auto& sv = scratch.svd.singularValues();
  const Acc smallest = sv(sv.size() - 1);
  return smallest > 0 ? sv(0) / smallest : std::numeric_limits<Acc>::infinity();
}

// Instantiated once in keel::compiled (src/factors.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(double design_condition_number<double>(factor_scratch<double>&, bool))
KEEL_EXTERN_TEMPLATE(long double design_condition_number<long double>(factor_scratch<long double>&, bool))

/// factor_fit from the OLS core's fit in the workspace: rounded to Real (invalid_input where a
/// finite value does not fit), with t statistics and p-values.
template <class Real>
void to_factor_fit(std::string_view fn, factor_fit<Real>& fit, factor_scratch<accum_t<Real>>& scratch) {
  using Acc = accum_t<Real>;
  const ols_fit<Acc>& f = scratch.fit;
  fit.n = f.n;
  fit.intercept = f.intercept;
  fit.coefficients = f.coefficients.template cast<Real>();
  fit.std_errors = f.std_errors.template cast<Real>();
  // Only data near the limits of the floating type (say y ~ 1e30 on X ~ 1e-30 in float) get a
  // coefficient or standard error that does not fit in `Real`.
  for (Eigen::Index j = 0; j < f.p; ++j)
    if (!std::isfinite(fit.coefficients(j)) || !std::isfinite(fit.std_errors(j)))
      throw invalid_input(
          message(fn, "coefficient " + std::to_string(j) + " = " + number_text(static_cast<double>(f.coefficients(j))) +
                          " with standard error " + number_text(static_cast<double>(f.std_errors(j))) +
                          " overflows the result type: y and X differ too much in scale, rescale them"));
  fit.t_stats.resize(f.p);
  fit.p_values.resize(f.p);
  for (Eigen::Index j = 0; j < f.p; ++j) {
    const t_test_result test = t_test(static_cast<double>(f.coefficients(j)), static_cast<double>(f.std_errors(j)),
                                      static_cast<double>(f.dof));
    fit.t_stats(j) = static_cast<Real>(test.t);
    fit.p_values(j) = static_cast<Real>(test.p);
  }
  const Acc adj_factor = static_cast<Acc>(f.intercept ? f.n - 1 : f.n) / static_cast<Acc>(f.dof);
  fit.r_squared = static_cast<Real>(f.r_squared);
  fit.adj_r_squared = static_cast<Real>(Acc(1) - (Acc(1) - f.r_squared) * adj_factor);
  fit.residual_stddev = static_cast<Real>(f.sigma);
  // sigma = s ||y|| with s ~ 1 overflows only for y near the largest double (numeric_fuzz).
  if (!std::isfinite(fit.residual_stddev))
    throw invalid_input(message(fn,
                                "the residual standard deviation overflows the result type: y is too close to "
                                "the largest value it can hold; rescale y"));
  fit.vifs = f.vif.template cast<Real>();
  fit.condition_number = static_cast<Real>(design_condition_number(scratch, f.intercept));
}

/// factor_regression's kernel: the design into the workspace, the OLS core, then the result.
template <class S, class Derived, class Real>
void factor_regression_into(const S& y, const Eigen::MatrixBase<Derived>& X, factor_fit<Real>& out,
                            factor_scratch<accum_t<Real>>& ws, const factor_options& options) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "factor_regression";
  check_factor_input(fn, y, X, options.intercept);
  auto& design = ws.ols;
  design.resize(X.rows(), X.cols());
  design.x = X.template cast<acc>();
  auto yf = std::ranges::begin(y);
  for (Eigen::Index i = 0; i < X.rows(); ++i) design.y(i) = static_cast<acc>(yf[i]);
  const auto data_epsilon = static_cast<double>(std::numeric_limits<typename Derived::Scalar>::epsilon());
  ols(fn, design, options.intercept, data_epsilon, ws.fit);
  to_factor_fit(fn, out, ws);
}

}  // namespace detail

/// Ordinary least squares of y on the K factors in the columns of X, with an intercept by
/// default, and the diagnostics that say whether the coefficients can be trusted.
///
/// \f[ y = a + X b + e,\quad \mathrm{Var}(\hat b) = s^2 (X'X)^{-1},\ s^2 = \mathrm{RSS}/(n-p),\ p = K + 1 \f]
/// (without an intercept drop a and p = K). t = coefficient / std_error; p-values two-sided
/// Student t, n - p dof, from the upper tail. VIF_k = 1 / (1 - R_k^2) of factor k on the others
/// (uncentred without an intercept, as statsmodels); high VIFs are returned, not errors.
/// Edge cases: a constant y (with an intercept) gives R^2 = 0, zero standard errors, factor
/// coefficients 0 with t = 0 and p = 1; an exact fit gives t = +-inf, p = 0. Never NaN.
/// \pre y.size() == X.rows(); all values finite; n >= K + intercept + 1; X of full column rank.
/// \returns factor_fit{coefficients, std_errors, t_stats, p_values, r_squared, adj_r_squared,
///          residual_stddev, vifs, condition_number, n, intercept}, in float only when y and X
///          are both float (computed in double then), else in the common type.
/// \throws invalid_input for sizes that differ, a NaN or infinity (naming y[i] or X(i, j)), K = 0
///         without an intercept, or a fit that overflows; insufficient_data unless n >= p + 1;
///         singular_problem for a constant (zero) factor or a rank-deficient X, naming the factors.
/// Accuracy: NIST StRD Longley (condition number 5e9) to 13 or more digits. Cost O(n K^2).
/// Ref: Greene, Econometric Analysis, 8th ed., ch. 4; Belsley, Kuh & Welsch (1980), ch. 3.
template <Series S, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] factor_fit<detail::factor_real_t<S, Derived>> factor_regression(const S& y,
                                                                              const Eigen::MatrixBase<Derived>& X,
                                                                              factor_options options = {}) {
  using real = detail::factor_real_t<S, Derived>;
  factor_fit<real> out;
  typename factor_fit<real>::workspace ws;
  detail::factor_regression_into(y, X, out, ws, options);
  return out;
}

/// factor_regression into a reused `out`, with its scratch (the design, its QR, the SVD of the
/// small R factor) in a reused `ws` (factor_fit<Real>::workspace): a caller fitting many
/// regressions of one shape allocates nothing once warm, Eigen included (eigen_alloc_test).
/// Bit for bit the plain form's result.
/// \throws as the plain form.
template <Series S, class Derived, class Real>
  requires std::floating_point<typename Derived::Scalar> && std::same_as<Real, detail::factor_real_t<S, Derived>>
void factor_regression(const S& y, const Eigen::MatrixBase<Derived>& X, factor_fit<Real>& out,
                       typename factor_fit<Real>::workspace& ws, factor_options options = {}) {
  detail::factor_regression_into(y, X, out, ws, options);
}

/// The out form without a workspace, kept for one release: a local workspace each call.
template <Series S, class Derived, class Real>
  requires std::floating_point<typename Derived::Scalar> && std::same_as<Real, detail::factor_real_t<S, Derived>>
[[deprecated("pass a workspace: factor_regression(y, X, out, ws, options)")]] void factor_regression(
    const S& y, const Eigen::MatrixBase<Derived>& X, factor_fit<Real>& out, factor_options options = {}) {
  typename factor_fit<Real>::workspace ws;
  detail::factor_regression_into(y, X, out, ws, options);
}

}  // namespace keel
