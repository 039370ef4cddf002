// SPDX-License-Identifier: MIT
// keel/factors.hpp: multi-factor OLS regression that reports, rather than hides, collinearity.
//
// Synopsis
//   factor_options{intercept}       fit an intercept (default) or regress through the origin
//   factor_fit<Real>                coefficients, std_errors, t_stat, p_value, r_squared,
//                                   adj_r_squared, residual_stddev, vif, condition_number, n,
//                                   intercept
//   factor_regression(y, X, opts)   y (a Series of T observations) on the K columns of X (a T x K
//                                   Eigen expression: a matrix, a Map, a block) -> factor_fit
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
//   With an intercept, y and the columns of X are centred (two-pass means) and the intercept is
//   recovered as ybar - xbar'b. Each column is scaled to unit Euclidean norm, which makes the rank
//   decision scale-free, and the least-squares problem is solved by Householder QR with column
//   pivoting, never through the normal equations (which square the condition number: on NIST's
//   Longley data they keep about 7 digits, this keeps 13 or more). Residuals are computed
//   directly as y - Xb; (X'X)^-1 is only ever formed from the triangular factor R.
//
// References
//   W. H. Greene, Econometric Analysis, 8th ed. (2018), ch. 4: OLS, its standard errors and R^2.
//   D. A. Belsley, E. Kuh and R. E. Welsch, Regression Diagnostics (1980), ch. 3: VIF and
//   condition numbers. G. H. Golub and C. F. Van Loan, Matrix Computations, 4th ed. (2013),
//   sec. 5.4: QR with column pivoting and numerical rank. NIST StRD, Longley (1967) and Norris
//   linear regression datasets: the accuracy tests.
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
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>
#include <Eigen/SVD>

#include <keel/detail/check.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/text.hpp>
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

/// The result of factor_regression: an OLS fit of y on the factors with its diagnostics.
///
/// Coefficient-shaped fields (coefficients, std_errors, t_stat, p_value) have p = K + intercept
/// entries, the intercept first when there is one; `vif` has one entry per factor (K).
template <class Real = double>
struct factor_fit {
  /// Least-squares coefficients: the intercept first (when `intercept`), then one per column of X.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> coefficients;
  /// Classical OLS standard errors, sqrt(diag(s^2 (X'X)^-1)) with s^2 = RSS / (n - p).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> std_errors;
  /// coefficient / std_error; +-inf for a nonzero coefficient of an exact fit, 0 for a zero one.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> t_stat;
  /// Two-sided p-value of t against Student's t with n - p degrees of freedom.
  Eigen::Matrix<Real, Eigen::Dynamic, 1> p_value;
  /// 1 - RSS/TSS: TSS centred with an intercept, sum y^2 without; 0 when TSS = 0.
  Real r_squared{};
  /// 1 - (1 - R^2)(n - 1)/(n - p) with an intercept, 1 - (1 - R^2) n/(n - p) without.
  Real adj_r_squared{};
  /// s = sqrt(RSS / (n - p)).
  Real residual_stddev{};
  /// Variance inflation factor of each factor, 1 / (1 - R_k^2), R_k^2 from regressing factor k
  /// on the other factors (and the intercept when there is one). 1 means uncorrelated with the
  /// others; the usual rule of thumb flags VIFs above 10 (Belsley, Kuh & Welsch 1980).
  Eigen::Matrix<Real, Eigen::Dynamic, 1> vif;
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
using factor_real_t = std::common_type_t<value_t<S>, typename Derived::Scalar>;

/// Mean by two passes: the plain mean, then the mean of the deviations from it added back, which
/// removes most of the first pass's rounding error (the correction term of the corrected
/// two-pass algorithm: Chan, Golub and LeVeque, Amer. Statist. 37 (1983) 242-247).
template <class Derived>
[[nodiscard]] typename Derived::Scalar two_pass_mean(const Eigen::MatrixBase<Derived>& v) {
  using T = typename Derived::Scalar;
  const T count = static_cast<T>(v.size());
  const T m = v.sum() / count;
  return m + (v.array() - m).sum() / count;
}

/// "factor 3" or "factors 1, 4".
[[nodiscard]] inline std::string factor_list(const std::vector<std::ptrdiff_t>& ids) {
  return (ids.size() == 1 ? "factor " : "factors ") + index_list(ids);
}

/// The message for a rank-deficient (scaled, centred) design: which factors the pivoted QR left
/// for last, and for each the factors its column is a combination of (the entries of R11^-1 R12
/// above sqrt(data_epsilon) times the largest; data_epsilon is the precision of X's type).
template <class QR>
[[nodiscard]] std::string rank_deficiency_message(std::string_view fn, const QR& qr,
                                                  Eigen::Index rank, bool intercept,
                                                  double data_epsilon) {
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
  std::vector<std::string> spans(static_cast<std::size_t>(k));
  for (Eigen::Index j = 0; j < k - rank; ++j) {
    const Scalar big = rank > 0 ? comb.col(j).cwiseAbs().maxCoeff() : Scalar(0);
    std::vector<std::ptrdiff_t> ids;
    for (Eigen::Index i = 0; i < rank; ++i)
      if (std::abs(comb(i, j)) > static_cast<Scalar>(std::sqrt(data_epsilon)) * big)
        ids.push_back(perm(i));
    std::sort(ids.begin(), ids.end());
    std::string span = ids.empty() ? std::string("zero") : factor_list(ids);
    if (intercept) span += ids.empty() ? " (a constant)" : " and the intercept";
    spans[static_cast<std::size_t>(perm(rank + j))] = span;
  }

  std::string text = "X has rank " + std::to_string(rank) + " < " + std::to_string(k) +
                     " columns; " + factor_list(dependent);
  if (dependent.size() == 1) {
    text += " is a linear combination of " + spans[static_cast<std::size_t>(dependent[0])] +
            "; drop one of them";
  } else {
    text += " are linear combinations of the others (";
    for (std::size_t i = 0; i < dependent.size(); ++i) {
      if (i > 0) text += "; ";
      text += "factor " + std::to_string(dependent[i]) + " of " +
              spans[static_cast<std::size_t>(dependent[i])];
    }
    text += ")";
  }
  return message(fn, text);
}

}  // namespace detail

/// Ordinary least squares of y on the K factors in the columns of X, with an intercept by
/// default, and the diagnostics that say whether the coefficients can be trusted.
///
/// \f[ y = a + X b + e, \qquad \hat b = \arg\min \|y - a - X b\|_2, \qquad
///     \mathrm{Var}(\hat b) = s^2 (X'X)^{-1},\ s^2 = \mathrm{RSS}/(n-p),\ p = K + 1 \f]
/// (without an intercept drop a and p = K). t = coefficient / std_error, p-values are two-sided
/// Student t with n - p degrees of freedom (from the upper tail, so 1e-200 keeps its digits).
/// VIF_k = 1 / (1 - R_k^2), where R_k^2 comes from regressing factor k on the other factors
/// (with an intercept when `options.intercept`, uncentred without, as statsmodels'
/// variance_inflation_factor on the same design); it is read off the diagonal of the inverse
/// correlation matrix (R^-1 R^-T of the QR of the centred, unit-norm factors). High VIFs are
/// returned, not treated as errors: with VIFs in the hundreds, single coefficients can have the
/// wrong sign even though their sum (the total exposure) is well determined.
///
/// Computation: centring (with an intercept), unit-norm column scaling, Householder QR with
/// column pivoting in double (in long double for long double input); never the normal
/// equations. On NIST StRD Longley (condition number 5e9) every coefficient and standard error
/// matches the certified value to 13 or more significant digits (tests/factors_test.cpp prints
/// them). Cost O(T K^2) time, O(T K) memory.
///
/// Edge cases: a constant y (with an intercept) or an all-zero y (without) has RSS = TSS = 0:
/// R^2 = 0, standard errors 0, and the factor coefficients are 0 with t = 0 and p = 1 (a nonzero
/// intercept ybar gets t = +-inf and p = 0, as detail::t_test treats an exact fit). An exact
/// fit (RSS = 0) gives t = +-inf and p = 0 for nonzero coefficients. K = 0 with an intercept
/// fits the mean. No field is ever NaN.
///
/// Rank decision: with the factors centred and scaled to unit norm, the design is rank-deficient
/// when a pivot of R is at most max(T, K) eps times the largest (numpy's matrix_rank rule), eps
/// being the machine epsilon of X's scalar type (float data is known only to float precision).
///
/// \pre y.size() == X.rows(); every value of y and X finite; T >= K + intercept + 1; K >= 1 or
///      an intercept; no constant factor (with an intercept) or zero factor (without); X of full
///      column rank. Each is checked in every build and throws as listed below.
/// \param y        the dependent series, T values (any keel::Series).
/// \param X        the factors, a T x K Eigen expression of floating type (one column per factor).
/// \param options  `.intercept` (default true).
/// \returns factor_fit{coefficients, std_errors, t_stat, p_value, r_squared, adj_r_squared,
///          residual_stddev, vif, condition_number, n, intercept}, in float when y and X are
///          both float, else in the common floating type (double for float and double).
/// \throws invalid_input if y has a different length than X has rows, if a value of y or X is
///         NaN or infinite (naming y[i] or X(row, column)), if K = 0 without an intercept, or
///         if the data are so large or small that the fit overflows.
/// \throws insufficient_data unless T >= p + 1 (at least one residual degree of freedom).
/// \throws singular_problem if a factor is constant (collinear with the intercept) or, without
///         an intercept, identically zero; or if X is rank-deficient: the message names the
///         factors that are linear combinations of the others, and those they combine.
///
/// Ref: Greene, Econometric Analysis, 8th ed., ch. 4; Belsley, Kuh & Welsch (1980), ch. 3;
/// Golub & Van Loan, Matrix Computations, 4th ed., sec. 5.4.
template <Series S, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] factor_fit<detail::factor_real_t<S, Derived>> factor_regression(
    const S& y, const Eigen::MatrixBase<Derived>& X, factor_options options = {}) {
  using real = detail::factor_real_t<S, Derived>;
  using acc = detail::accum_t<real>;
  using matrix = Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<acc, Eigen::Dynamic, 1>;
  using out_vector = Eigen::Matrix<real, Eigen::Dynamic, 1>;
  constexpr std::string_view fn = "factor_regression";

  // --- Validation (every build) ---
  const std::ptrdiff_t n = detail::ssize(y);
  const Eigen::Index k = X.cols();
  const bool with_intercept = options.intercept;
  const std::ptrdiff_t p = k + (with_intercept ? 1 : 0);
  if (k == 0 && !with_intercept)
    throw invalid_input(
        detail::message(fn, "X has no columns and options.intercept is false: nothing to fit"));
  if (n != X.rows())
    throw invalid_input(detail::message(fn, "y has " + std::to_string(n) + " values but X has " +
                                                std::to_string(X.rows()) + " rows"));
  detail::require_observations(fn, p + 1, n,
                               "observations for " + std::to_string(p) + " coefficients");
  detail::require_finite(fn, "y", y);

  // The design as given, [1 X] or X, in the accumulation type.
  matrix design(n, p);
  if (with_intercept) design.col(0).setOnes();
  design.rightCols(k) = X.template cast<acc>();
  for (Eigen::Index i = 0; i < n; ++i)  // row by row: report the earliest bad row
    for (Eigen::Index j = 0; j < k; ++j)
      if (const acc v = design(i, p - k + j); !std::isfinite(v))
        throw invalid_input(
            detail::message(fn, "X(" + std::to_string(i) + ", " + std::to_string(j) + ") is " +
                                    detail::number_text(static_cast<double>(v)) + " (row " +
                                    std::to_string(i) + ", factor " + std::to_string(j) + ")"));

  vector ys(n);
  {
    auto yf = std::ranges::begin(y);
    for (Eigen::Index i = 0; i < n; ++i) ys(i) = static_cast<acc>(yf[i]);
  }
  matrix xs = design.rightCols(k);

  // A constant factor duplicates the intercept; an all-zero one carries nothing.
  {
    std::vector<std::ptrdiff_t> degenerate;
    for (Eigen::Index j = 0; j < k; ++j)
      if (with_intercept ? (xs.col(j).array() == xs(0, j)).all() : (xs.col(j).array() == 0).all())
        degenerate.push_back(j);
    if (!degenerate.empty()) {
      const bool one = degenerate.size() == 1;
      throw singular_problem(
          detail::message(fn, detail::factor_list(degenerate) + (one ? " is " : " are ") +
                                  (with_intercept ? "constant (collinear with the intercept)"
                                                  : "zero in every row (nothing to regress on)")));
    }
  }

  // --- Centre (with an intercept) and scale to unit norm ---
  acc ybar = 0;
  vector xbar = vector::Zero(k);
  if (with_intercept) {
    ybar = detail::two_pass_mean(ys);
    ys.array() -= ybar;
    for (Eigen::Index j = 0; j < k; ++j) {
      xbar(j) = detail::two_pass_mean(xs.col(j));
      xs.col(j).array() -= xbar(j);
    }
  }
  vector scale(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    scale(j) = xs.col(j).stableNorm();  // > 0: the column is neither constant nor zero
    KEEL_ASSERT(scale(j) > 0);
    xs.col(j) /= scale(j);
  }
  // y is scaled too, so that no sum of squares over- or underflows: RSS and TSS are computed for
  // y / ||y|| and only square roots are scaled back.
  const acc y_norm = ys.stableNorm();
  const acc y_scale = y_norm > 0 ? y_norm : acc(1);
  ys /= y_scale;

  // --- Solve by pivoted QR ---
  vector beta = vector::Zero(k);  // coefficients of the scaled problem
  vector h = vector::Zero(k);     // diag((Xs'Xs)^-1), the VIFs with an intercept
  acc lever = 0;                  // xbar' (Xc'Xc)^-1 xbar, for the intercept's variance
  if (k > 0) {
    Eigen::ColPivHouseholderQR<matrix> qr(n, k);
    const auto data_epsilon = std::numeric_limits<typename Derived::Scalar>::epsilon();
    qr.setThreshold(static_cast<acc>(std::max<std::ptrdiff_t>(n, k)) *
                    static_cast<acc>(data_epsilon));
    qr.compute(xs);
    const Eigen::Index rank = qr.rank();
    if (rank < k)
      throw singular_problem(detail::rank_deficiency_message(fn, qr, rank, with_intercept,
                                                             static_cast<double>(data_epsilon)));
    beta = qr.solve(ys);

    // Xs P = Q R, so (Xs'Xs)^-1 = P R^-1 R^-T P': its diagonal is the squared row norms of R^-1.
    const auto r = qr.matrixR().topLeftCorner(k, k).template triangularView<Eigen::Upper>();
    matrix r_inv = matrix::Identity(k, k);
    r.solveInPlace(r_inv);
    const auto& perm = qr.colsPermutation().indices();
    for (Eigen::Index i = 0; i < k; ++i) h(perm(i)) = r_inv.row(i).squaredNorm();
    if (with_intercept) {
      // xbar' (Xc'Xc)^-1 xbar = || R^-T P' D^-1 xbar ||^2, D = diag(scale).
      vector w(k);
      for (Eigen::Index i = 0; i < k; ++i) w(i) = xbar(perm(i)) / scale(perm(i));
      r.transpose().solveInPlace(w);
      lever = w.squaredNorm();
    }
  }
  const vector resid = ys - xs * beta;  // directly, never as TSS minus explained
  const acc rss = resid.squaredNorm();  // of the scaled problem: RSS / ||y||^2
  const acc tss = ys.squaredNorm();     // 1, or 0 when y is constant (zero without intercept)

  // --- Scale back and assemble ---
  const acc dof = static_cast<acc>(n - p);
  const acc s = std::sqrt(rss / dof);  // residual SD of the scaled problem
  vector coef(p);
  vector se(p);
  for (Eigen::Index j = 0; j < k; ++j) {
    const acc unscale = y_scale / scale(j);
    coef(p - k + j) = beta(j) * unscale;
    se(p - k + j) = s * std::sqrt(h(j)) * unscale;
  }
  if (with_intercept) {
    coef(0) = ybar - xbar.dot(coef.tail(k));
    se(0) = y_scale * s * std::sqrt(acc(1) / static_cast<acc>(n) + lever);
  }

  factor_fit<real> fit;
  fit.n = n;
  fit.intercept = with_intercept;
  fit.coefficients = coef.template cast<real>();
  fit.std_errors = se.template cast<real>();
  // Only data near the limits of the floating type (say y ~ 1e30 on X ~ 1e-30 in float) get a
  // coefficient or standard error that does not fit in `real`.
  for (Eigen::Index j = 0; j < p; ++j)
    if (!std::isfinite(fit.coefficients(j)) || !std::isfinite(fit.std_errors(j)))
      throw invalid_input(detail::message(
          fn, "coefficient " + std::to_string(j) + " = " +
                  detail::number_text(static_cast<double>(coef(j))) + " with standard error " +
                  detail::number_text(static_cast<double>(se(j))) +
                  " overflows the result type: y and X differ too much in scale, rescale them"));
  fit.t_stat = out_vector(p);
  fit.p_value = out_vector(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const detail::t_test_result test = detail::t_test(
        static_cast<double>(coef(j)), static_cast<double>(se(j)), static_cast<double>(dof));
    fit.t_stat(j) = static_cast<real>(test.t);
    fit.p_value(j) = static_cast<real>(test.p);
  }
  // RSS <= TSS in exact arithmetic; clamp the rounding that could push R^2 a hair outside [0, 1].
  const acc r2 = tss > 0 ? std::clamp(acc(1) - rss / tss, acc(0), acc(1)) : acc(0);
  const acc adj_factor = static_cast<acc>(with_intercept ? n - 1 : n) / dof;
  fit.r_squared = static_cast<real>(r2);
  fit.adj_r_squared = static_cast<real>(acc(1) - (acc(1) - r2) * adj_factor);
  fit.residual_stddev = static_cast<real>(y_scale * s);
  // VIF >= 1 in exact arithmetic (R_k^2 >= 0); a hair below is rounding.
  fit.vif = h.cwiseMax(acc(1)).template cast<real>();

  const Eigen::JacobiSVD<matrix> svd(design);  // singular values only
  const auto& sv = svd.singularValues();
  const acc smallest = sv(sv.size() - 1);
  fit.condition_number =
      static_cast<real>(smallest > 0 ? sv(0) / smallest : std::numeric_limits<acc>::infinity());

  return fit;
}

}  // namespace keel
