// SPDX-License-Identifier: MIT
// keel/detail/construction_bl.hpp: the numerics of keel/construction.hpp's maximum
// diversification, minimum tracking error and Black-Litterman sections. Owned by
// keel/construction.hpp.
//
// - max_diversification_point: the maximum-Sharpe query of detail/frontier_path.hpp on the
//   frontier of (sigma, Sigma), sigma = sqrt(diag Sigma), at rf = 0; its errors reworded for
//   the diversification ratio.
// - tracking_weights: min 1/2 (w - b)'Sigma(w - b) = 1/2 w'Sigma w - (Sigma b)'w + const on
//   detail/qp.hpp's solve_qp (which minimises 1/2 x'Qx - c'x: c = Sigma b), or b itself when
//   b already satisfies the constraints (then it is the minimiser, with objective 0).
// - bl_posterior: He and Litterman's (1999) posterior in the form that solves with the K x K
//   matrix A = P tau Sigma P' + Omega and never inverts Omega or Sigma, so certain views
//   (Omega = 0) need no special case; views of infinite Omega (Idzorek confidence 0) are left
//   out, which is their exact limit.
// - bl_tangency_weights: (Sigma)^-1 (mu - rf) by one Cholesky factorisation of the
//   correlation form D^-1/2 Sigma D^-1/2 (D = diag Sigma), in place, normalised to sum to 1.
// IWYU pragma: private, include <keel/construction.hpp>
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
#include <Eigen/Eigenvalues>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/frontier_path.hpp>
#include <keel/detail/qp.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>

namespace keel::detail {

/// The maximum-diversification portfolio of a model loaded without mu: sets the linear term
/// to the volatilities sqrt(diag Sigma) and takes the maximum-Sharpe point at rf = 0, where
/// the Sharpe ratio is the ratio sigma'w / sqrt(w'Sigma w) being maximised.
template <class Acc>
[[nodiscard]] path_point<Acc> max_diversification_point(std::string_view fn, markowitz_model<Acc>& m) {
  // make_model checked Sigma PSD, so a negative diagonal is rounding at most.
  m.qp.c = m.qp.q.diagonal().cwiseMax(Acc(0)).cwiseSqrt();
  const frontier_path<Acc> path = model_path(fn, m, std::numeric_limits<Acc>::infinity());
  const Acc top = max_return(path);
  if (!(top > 0))
    throw infeasible(message(fn,
                             "no portfolio the constraints allow has a positive volatility-weighted sum "
                             "sigma'w (the largest is " +
                                 number_text(static_cast<double>(top)) +
                                 "): the diversification ratio has no maximum"));
  path_point<Acc> point;
  try {
    point = max_sharpe_point(fn, path, Acc(0));
  } catch (const singular_problem&) {
    throw singular_problem(message(fn,
                                   "a portfolio of zero volatility has sigma'w > 0 (cov is singular: perfectly "
                                   "offsetting assets), so the diversification ratio is unbounded; bound the "
                                   "weights or estimate cov with ledoit_wolf"));
  } catch (const infeasible&) {
    throw infeasible(message(fn,
                             "the diversification ratio rises towards its supremum without reaching it along the "
                             "unbounded weights (1'Sigma^-1 sigma <= 0 under the budget); bound the weights"));
  }
  require_qp_feasible(fn, m.qp, point.weights);
  return point;
}

/// Whether b satisfies the model's bounds exactly and its rows to the rounding of a'b.
template <class Acc>
[[nodiscard]] bool satisfies(const qp_problem<Acc>& p, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b) {
  if ((b.array() < p.lower.array()).any() || (b.array() > p.upper.array()).any()) return false;
  const Acc eps = std::numeric_limits<Acc>::epsilon();
  for (Eigen::Index r = 0; r < p.a.rows(); ++r) {
    const Acc v = p.a.row(r).dot(b);
    const Acc tol = 4 * static_cast<Acc>(b.size()) * eps * (p.a.row(r).cwiseAbs().dot(b.cwiseAbs()));
    if (v < p.row_lower(r) - tol || v > p.row_upper(r) + tol) return false;
  }
  return true;
}

/// argmin (w - b)'Sigma(w - b) under the model's constraints (m.qp.q = Sigma).
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> tracking_weights(std::string_view fn, markowitz_model<Acc>& m,
                                                                     const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b) {
  if (satisfies(m.qp, b)) return b;  // objective 0, the least a PSD form takes
  m.qp.c.noalias() = m.qp.q * b;
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> w = solve_qp<Acc>(fn, m.qp).x;
  require_qp_feasible(fn, m.qp, w);
  return w;
}

/// (w - b)'Sigma(w - b), with the rounding of a PSD form clamped at 0.
template <class Acc>
[[nodiscard]] Acc active_variance(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& q,
                                  const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w,
                                  const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& b) {
  const Eigen::Matrix<Acc, Eigen::Dynamic, 1> d = w - b;
  return std::max(Acc(0), d.dot(q * d));
}

/// The Black-Litterman posterior (He and Litterman 1999).
template <class Acc>
struct bl_posterior {
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> mean;                     ///< mu_BL (N)
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> covariance;  ///< Sigma + M (N x N)
};

/// mu_BL = mu0 + tau Sigma P'A^-1 (Q - P mu0), Sigma + M with M = tau Sigma - tau Sigma P'A^-1
/// P tau Sigma, A = P tau Sigma P' + Omega. Views whose Omega diagonal is +inf (Idzorek
/// confidence 0) are left out: their exact limit. A is factorised by LDLT (K x K, positive
/// definite unless certain views are linearly dependent).
/// \throws singular_problem when A is singular.
template <class Acc>
[[nodiscard]] bl_posterior<Acc> black_litterman_posterior(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& prior,
    const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& sigma,
    const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& p, const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& q,
    const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& omega, Acc tau) {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  std::vector<Eigen::Index> kept;
  for (Eigen::Index k = 0; k < omega.rows(); ++k)
    if (std::isfinite(omega(k, k))) kept.push_back(k);
  bl_posterior<Acc> out;
  if (kept.empty()) {  // no views: the prior, with the uncertainty tau Sigma of its mean added
    out.mean = prior;
    out.covariance = (1 + tau) * sigma;
    return out;
  }
  const auto k = static_cast<Eigen::Index>(kept.size());
  const matrix pk = p(kept, Eigen::all);
  const matrix b = tau * (pk * sigma);  // P tau Sigma (K x N); tau Sigma P' is its transpose
  matrix a = b * pk.transpose();
  a += omega(kept, kept);
  a = (a + a.transpose()).eval() / 2;
  const Eigen::LDLT<matrix> ldlt(a);
  const Acc scale = a.diagonal().cwiseAbs().maxCoeff();
  const Acc floor = 64 * static_cast<Acc>(k) * std::numeric_limits<Acc>::epsilon() * scale;
  if (ldlt.info() != Eigen::Success || !(scale > 0) || !(ldlt.vectorD().minCoeff() > floor))
    throw singular_problem(
        message(fn, "the views' covariance P tau Sigma P' + Omega is singular (smallest pivot " +
                        number_text(static_cast<double>(ldlt.vectorD().minCoeff())) + " of " +
                        number_text(static_cast<double>(scale)) +
                        "): certain views (Omega = 0 or confidence 1) that are linearly dependent, or views on "
                        "riskless combinations; drop the redundant views or give them some uncertainty"));
  const vector residual = q(kept) - pk * prior;
  out.mean = prior + b.transpose() * ldlt.solve(residual);
  // Sigma + M in place (no N x N temporary): (1 + tau) Sigma - B'A^-1 B, then symmetrised.
  const matrix x = ldlt.solve(b);  // K x N
  out.covariance = (1 + tau) * sigma;
  out.covariance.noalias() -= b.transpose() * x;
  const Eigen::Index n = sigma.rows();
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i)
      out.covariance(j, i) = out.covariance(i, j) = (out.covariance(i, j) + out.covariance(j, i)) / 2;
  return out;
}

/// PyPortfolioOpt's bl_weights with a risk-free rate: w = Sigma^-1 (mu - rf) / 1'Sigma^-1 (mu -
/// rf) (delta cancels in the normalisation), solved on the correlation form C = D^-1/2 Sigma
/// D^-1/2 by one Cholesky factorisation, Sigma^-1 x = D^-1/2 C^-1 D^-1/2 x. `sigma` is the
/// caller's scratch copy: it is scaled and factorised in place (no N x N allocation; at N = 500
/// the fresh pages of one cost as much as the factorisation).
/// \throws singular_problem when Sigma is not positive definite (naming its smallest
///         eigenvalue); infeasible when the unnormalised weights do not sum to a positive number.
template <class Acc>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> bl_tangency_weights(
    std::string_view fn, Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& sigma,
    const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& mean, Acc rf) {
  using matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Acc, Eigen::Dynamic, 1>;
  const Eigen::Index n = sigma.rows();
  constexpr Acc eps = std::numeric_limits<Acc>::epsilon();
  const vector diagonal = sigma.diagonal();
  bool ok = (diagonal.array() > 0).all();
  vector w, s;
  if (ok) {
    s = diagonal.cwiseSqrt().cwiseInverse();
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i) sigma(i, j) = s(i) * sigma(i, j) * s(j);
    // In place: the lower triangle becomes the factor, the strict upper one keeps C.
    const Eigen::LLT<Eigen::Ref<matrix>> llt(sigma);
    ok = llt.info() == Eigen::Success &&
         llt.matrixLLT().diagonal().cwiseAbs2().minCoeff() > 64 * static_cast<Acc>(n) * eps;
    if (ok) {
      w = s.cwiseProduct(llt.solve(s.cwiseProduct((mean.array() - rf).matrix())));
    } else {  // Sigma again, from C's strict upper triangle and the diagonal, for the message
      for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < j; ++i) sigma(i, j) = sigma(j, i) = sigma(i, j) / (s(i) * s(j));
      sigma.diagonal() = diagonal;
    }
  }
  if (!ok) {
    const Eigen::SelfAdjointEigenSolver<matrix> eig(sigma, Eigen::EigenvaluesOnly);
    throw singular_problem(message(fn, "cov is not positive definite (its smallest eigenvalue is " +
                                           number_text(static_cast<double>(eig.eigenvalues().minCoeff())) +
                                           "), so the weights (delta Sigma)^-1 (mu_BL - rf) do not exist; "
                                           "estimate it with ledoit_wolf, or repair it"));
  }
  const Acc sum = w.sum();
  if (!(sum > 64 * static_cast<Acc>(n) * eps * w.cwiseAbs().sum()))
    throw infeasible(message(fn, "the unnormalised weights Sigma^-1 (mu_BL - rf) sum to " +
                                     number_text(static_cast<double>(sum)) +
                                     ", not a positive number: no fully invested portfolio is the tangency "
                                     "(posterior returns at or below risk_free); use posterior_returns with an "
                                     "optimiser instead"));
  return w / sum;
}

// Instantiated once in keel::compiled (src/construction_bl.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(bl_posterior<double> black_litterman_posterior<double>(
    std::string_view, const Eigen::VectorXd&, const Eigen::MatrixXd&, const Eigen::MatrixXd&, const Eigen::VectorXd&,
    const Eigen::MatrixXd&, double))
KEEL_EXTERN_TEMPLATE(bl_posterior<long double> black_litterman_posterior<long double>(
    std::string_view, const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&, long double))
KEEL_EXTERN_TEMPLATE(Eigen::VectorXd bl_tangency_weights<double>(std::string_view, Eigen::MatrixXd&,
                                                                 const Eigen::VectorXd&, double))
KEEL_EXTERN_TEMPLATE(Eigen::Matrix<long double, Eigen::Dynamic, 1> bl_tangency_weights<long double>(
    std::string_view, Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>&,
    const Eigen::Matrix<long double, Eigen::Dynamic, 1>&, long double))

}  // namespace keel::detail
