// SPDX-License-Identifier: MIT
// keel/regime.hpp: market regimes as the hidden states of a Gaussian hidden Markov model.
//
// Synopsis
//   hmm_fit(observations, hmm_options{.states, .covariance, .restarts, .seed})
//       -> hmm_model<Real>{start_probabilities, transition, means, covariances, log_likelihood,
//          converged, iterations, aic, bic, ...}
//   log_likelihood(model, observations)          log p(y_1..T)
//   filtered_probabilities(model, observations)  T x K: P(s_t = k | y_1..t), real time
//   smoothed_probabilities(model, observations)  T x K: P(s_t = k | y_1..T), hindsight
//   viterbi(model, observations)                 -> viterbi_path{states, log_probability}
//   predict_proba(model, observations, h = 1)    K: P(s_{T+h} = k | y_1..T)
//   regime_features(returns, {.volatility_window})  T - w + 1 x 3: the return, its realised
//                                                volatility and drawdown, each known on its date
//   regime_moments(returns, probabilities)       each regime's probability-weighted mean and
//                                                covariance of a returns panel
//   regime_covariance(moments, probabilities)    the mixture covariance under given regime
//                                                probabilities (e.g. predict_proba's)
//
// Model
//   s_1 ~ start_probabilities, P(s_t = k | s_{t-1} = j) = transition(j, k), y_t | s_t = k ~ N(mu_k, S_k),
//   y_t in R^D one row of `observations` (T x D; a Series is D = 1). S_k full or diagonal.
//
// Conventions
//   - Observations are the caller's features, in any units (returns, realised volatility,
//     drawdown, ...); rows are dates in time order. Nothing is annualised.
//   - States are ordered by ascending total variance tr(S_k) (ties: ascending mean of the first
//     feature), so that for returns state 0 is the calmest regime in every fit and on every
//     machine, whatever order EM found them in.
//   - Fitting is Baum-Welch (EM) with Rabiner's scaled forward-backward recursions, from
//     `restarts` deterministic starts: restart r runs k-means++ (Arthur and Vassilvitskii 2007)
//     then Lloyd's iterations on the features as given (hmmlearn's choice: the distances are in
//     the features' units, so put features on comparable scales when none should dominate),
//     drawing from stream (seed, r) of keel's counter-based generator; its clusters give the means and covariances,
//     start_probabilities uniform and transition 0.9 I + 0.1 / K. The restart of the largest log-likelihood is kept
//     (the lowest index on a tie), so the result does not depend on the order in which restarts
//     run or on options.threads.
//   - Covariance floor: every M-step adds covariance_floor x var_d (the d-th feature's variance
//     over all T observations) to S_k(d, d), so each S_k stays positive definite (hmmlearn's
//     min_covar, made scale-free).
//   - Converged when an iteration raises the log-likelihood by at most tolerance x (1 + |LL|).
//   - log_likelihood includes every constant; aic = 2p - 2LL, bic = p log T - 2LL with p =
//     (K - 1) + K (K - 1) + K D + K D (D + 1) / 2 (full) or + K D (diagonal).
//
// References
//   L. R. Rabiner, "A tutorial on hidden Markov models and selected applications in speech
//   recognition", Proc. IEEE 77 (1989) 257-286 (scaling, sections V.A; Viterbi, III.B).
//   J. D. Hamilton, "A new approach to the economic analysis of nonstationary time series and
//   the business cycle", Econometrica 57 (1989) 357-384 (regime filtering). D. Arthur and S.
//   Vassilvitskii, "k-means++: the advantages of careful seeding", SODA (2007).
/// \file
/// Gaussian hidden Markov models of market regimes: hmm_fit, log_likelihood,
/// filtered_probabilities, smoothed_probabilities, viterbi, predict_proba, regime_moments,
/// regime_covariance.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// The form of each state's covariance.
enum class hmm_covariance {
  full,     ///< a full D x D matrix per state
  diagonal  ///< independent features within a state (D variances)
};

/// Options of hmm_fit.
struct hmm_options {
  /// K, the number of hidden states (regimes), at least 1.
  std::ptrdiff_t states = 2;
  /// Full or diagonal state covariances.
  hmm_covariance covariance = hmm_covariance::full;
  /// Deterministic starts (k-means++ streams 0..restarts-1 of `seed`), at least 1.
  int restarts = 10;
  /// Seed of the starts.
  std::uint64_t seed = 1;
  /// Converged when an EM iteration raises the log-likelihood by at most tolerance (1 + |LL|).
  double tolerance = 1e-9;
  /// EM iterations per restart before it counts as unconverged, at least 1.
  int max_iterations = 1000;
  /// Added to each state's variance of feature d, times that feature's variance over all
  /// observations: keeps every covariance positive definite. Positive and below 1.
  double covariance_floor = 1e-6;
  /// Throw keel::not_converged when the best restart did not converge (default); false
  /// returns it with converged = false.
  bool require_convergence = true;
  /// Worker threads over the restarts (0: all cores); the result does not depend on it.
  int threads = 1;
};

/// A Gaussian HMM: hmm_fit's result, or filled by hand (a published model: the first four
/// fields; the rest describe a fit and stay at their defaults).
template <class Real = double>
struct hmm_model {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< matrices of Real
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;               ///< vectors of Real
  vector start_probabilities;                                          ///< K: P(s_1 = k), sums to 1
  matrix transition;                ///< K x K: row j is P(s_t = . | s_{t-1} = j), rows sum to 1
  matrix means;                     ///< K x D: mu_k as row k
  std::vector<matrix> covariances;  ///< K of D x D, symmetric positive definite (diagonal ones too)
  Real log_likelihood = 0;          ///< of the fitted observations, constants included
  bool converged = false;           ///< the kept restart converged
  int iterations = 0;               ///< EM iterations of the kept restart
  Real aic = 0;                     ///< 2p - 2 log_likelihood
  Real bic = 0;                     ///< p log T - 2 log_likelihood
  std::ptrdiff_t parameters = 0;    ///< p, the free parameters
  std::ptrdiff_t n = 0;             ///< T, the observations fitted
  int restart = 0;                  ///< the kept restart's index
  /// Every restart's final log-likelihood by index (-infinity for one whose EM failed).
  std::vector<Real> restart_log_likelihoods;
};

/// viterbi's result.
template <class Real = double>
struct viterbi_path {
  std::vector<std::ptrdiff_t> states;  ///< the most likely state of each observation
  Real log_probability = 0;            ///< log p(states, y_1..T), the path's joint log density
};

/// regime_moments' result: per regime, probability-weighted moments of a returns panel.
template <class Real = double>
struct regime_statistics {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< matrices of Real
  matrix means;                                                        ///< K x N: row k the regime's mean returns
  std::vector<matrix> covariances;  ///< K of N x N: each regime's covariance (weights summing to 1)
  std::vector<Real> weights;        ///< K: sum_t P(s_t = k), each regime's effective dates
};

namespace detail {

/// The double kernels of regime.hpp (detail/regime-inl.hpp; compiled once in keel::compiled).
KEEL_DECL [[nodiscard]] hmm_model<double> hmm_fit_double(const Eigen::MatrixXd& y, const hmm_options& o);
KEEL_DECL void check_hmm_model(std::string_view fn, const hmm_model<double>& m, Eigen::Index d);
/// Scaled forward (and backward when `smoothed`): returns log p(y); filtered and smoothed T x K.
KEEL_DECL [[nodiscard]] double hmm_forward_backward(std::string_view fn, const hmm_model<double>& m,
                                                    const Eigen::MatrixXd& y, Eigen::MatrixXd* filtered,
                                                    Eigen::MatrixXd* smoothed);
KEEL_DECL [[nodiscard]] viterbi_path<double> hmm_viterbi(std::string_view fn, const hmm_model<double>& m,
                                                         const Eigen::MatrixXd& y);
KEEL_DECL [[nodiscard]] std::ptrdiff_t hmm_parameter_count(std::ptrdiff_t k, std::ptrdiff_t d, hmm_covariance c);

/// Observations as a T x D double matrix: a panel as is, a Series as one column.
template <class O>
[[nodiscard]] Eigen::MatrixXd hmm_observations(std::string_view fn, const O& obs) {
  if constexpr (Series<O>) {
    require_finite(fn, "observations", obs);
    Eigen::MatrixXd y(ssize(obs), 1);
    convert_into(obs, y.data());
    return y;
  } else {
    require_finite_cells(fn, "observations", obs);
    return obs.template cast<double>();
  }
}

/// A model's four defining fields in double (the fit's description is not needed to use it).
template <class Real>
[[nodiscard]] hmm_model<double> model_to_double(const hmm_model<Real>& m) {
  hmm_model<double> out;
  out.start_probabilities = m.start_probabilities.template cast<double>();
  out.transition = m.transition.template cast<double>();
  out.means = m.means.template cast<double>();
  for (const auto& c : m.covariances) out.covariances.push_back(c.template cast<double>());
  return out;
}

/// A model function's inputs, converted and checked once: the observations as T x D doubles
/// and the model's four defining fields in double.
struct hmm_call {
  Eigen::MatrixXd y;    ///< the observations
  hmm_model<double> m;  ///< the model
};

template <class Real, class O>
[[nodiscard]] hmm_call hmm_checked(std::string_view fn, const hmm_model<Real>& model, const O& observations) {
  hmm_call c{hmm_observations(fn, observations), model_to_double(model)};
  check_hmm_model(fn, c.m, c.y.cols());
  return c;
}

/// What hmm functions take as observations: a T x D panel or a Series (D = 1).
template <class O>
concept hmm_input = Series<O> ||(std::derived_from<O, Eigen::MatrixBase<O>>&& panel<O>);

template <class O>
struct hmm_scalar {
  using type = range_result_t<O>;
};
template <class O>
  requires(!Series<O>)
struct hmm_scalar<O> {
  using type = typename O::Scalar;
};

}  // namespace detail

/// Fits a K-state Gaussian HMM to T observations by Baum-Welch from `restarts` deterministic
/// k-means++ starts, keeping the most likely (file comment: ordering, floor, convergence).
/// \pre observations finite, T x D (or a Series); T >= 5 per free parameter; no constant feature.
/// \throws invalid_input (non-finite cell, bad option), insufficient_data (T below 5 per
///   parameter, naming both), singular_problem (a constant feature), not_converged (unless
///   options.require_convergence is false).
/// \returns hmm_model with its fit fields; the same bits for any options.threads and on every run.
/// Rabiner (1989); Hamilton (1989).
template <class O>
  requires detail::hmm_input<O>
[[nodiscard]] hmm_model<typename detail::hmm_scalar<O>::type> hmm_fit(const O& observations,
                                                                      const hmm_options& options = {}) {
  using Real = typename detail::hmm_scalar<O>::type;
  const Eigen::MatrixXd y = detail::hmm_observations("hmm_fit", observations);
  const hmm_model<double> f = detail::hmm_fit_double(y, options);
  if constexpr (std::same_as<Real, double>) {
    return f;
  } else {
    hmm_model<Real> r;
    r.start_probabilities = f.start_probabilities.template cast<Real>();
    r.transition = f.transition.template cast<Real>();
    r.means = f.means.template cast<Real>();
    for (const auto& c : f.covariances) r.covariances.push_back(c.template cast<Real>());
    r.log_likelihood = static_cast<Real>(f.log_likelihood);
    r.converged = f.converged;
    r.iterations = f.iterations;
    r.aic = static_cast<Real>(f.aic);
    r.bic = static_cast<Real>(f.bic);
    r.parameters = f.parameters;
    r.n = f.n;
    r.restart = f.restart;
    for (const double v : f.restart_log_likelihoods) r.restart_log_likelihoods.push_back(static_cast<Real>(v));
    return r;
  }
}

/// log p(y_1..T) under a model (scaled forward recursion, constants included).
/// \throws invalid_input for a malformed model (sizes, probabilities that do not sum to 1, a
///   covariance that is not symmetric positive definite, naming the field) or observations;
///   singular_problem when an observation is impossible under the model (every state's
///   density underflows).
template <class Real, class O>
  requires detail::hmm_input<O>
[[nodiscard]] Real log_likelihood(const hmm_model<Real>& model, const O& observations) {
  constexpr std::string_view fn = "log_likelihood";
  const detail::hmm_call c = detail::hmm_checked(fn, model, observations);
  return static_cast<Real>(detail::hmm_forward_backward(fn, c.m, c.y, nullptr, nullptr));
}

/// Filtered state probabilities P(s_t = k | y_1..t), T x K: what an investor could know on
/// date t (Hamilton's filter; no observation after t enters row t).
/// \throws as log_likelihood.
template <class Real, class O>
  requires detail::hmm_input<O>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> filtered_probabilities(const hmm_model<Real>& model,
                                                                                         const O& observations) {
  constexpr std::string_view fn = "filtered_probabilities";
  const detail::hmm_call c = detail::hmm_checked(fn, model, observations);
  Eigen::MatrixXd filtered;
  (void)detail::hmm_forward_backward(fn, c.m, c.y, &filtered, nullptr);
  return filtered.template cast<Real>();
}

/// Smoothed state probabilities P(s_t = k | y_1..T), T x K (forward-backward): hindsight, for
/// describing the past, never for a decision on date t. \throws as log_likelihood.
template <class Real, class O>
  requires detail::hmm_input<O>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> smoothed_probabilities(const hmm_model<Real>& model,
                                                                                         const O& observations) {
  constexpr std::string_view fn = "smoothed_probabilities";
  const detail::hmm_call c = detail::hmm_checked(fn, model, observations);
  Eigen::MatrixXd smoothed;
  (void)detail::hmm_forward_backward(fn, c.m, c.y, nullptr, &smoothed);
  return smoothed.template cast<Real>();
}

/// The most likely state path argmax_s p(s_1..T, y_1..T) and its joint log density (Viterbi,
/// in log space; ties to the lower state). \throws as log_likelihood.
template <class Real, class O>
  requires detail::hmm_input<O>
[[nodiscard]] viterbi_path<Real> viterbi(const hmm_model<Real>& model, const O& observations) {
  constexpr std::string_view fn = "viterbi";
  const detail::hmm_call c = detail::hmm_checked(fn, model, observations);
  viterbi_path<double> v = detail::hmm_viterbi(fn, c.m, c.y);
  return {std::move(v.states), static_cast<Real>(v.log_probability)};
}

/// P(s_{T+h} = k | y_1..T) = filtered_T' A^h, the regime probabilities h periods ahead.
/// \throws as log_likelihood; invalid_input unless h >= 1.
template <class Real, class O>
  requires detail::hmm_input<O>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, 1> predict_proba(const hmm_model<Real>& model, const O& observations,
                                                                   std::ptrdiff_t h = 1) {
  constexpr std::string_view fn = "predict_proba";
  if (h < 1) detail::throw_bad_option(fn, "h", static_cast<double>(h), "at least 1");
  const detail::hmm_call c = detail::hmm_checked(fn, model, observations);
  Eigen::MatrixXd filtered;
  (void)detail::hmm_forward_backward(fn, c.m, c.y, &filtered, nullptr);
  Eigen::RowVectorXd p = filtered.row(filtered.rows() - 1);
  for (std::ptrdiff_t s = 0; s < h; ++s) p = (p * c.m.transition).eval();
  return p.transpose().template cast<Real>();
}

/// Options of regime_features.
struct regime_feature_options {
  /// Returns in each realised volatility, at least 2.
  std::ptrdiff_t volatility_window = 21;
};

/// The usual regime features of one return series, each known on its date (no look-ahead):
/// row i (date t = i + w - 1, w the volatility window) holds r_t, the sample standard deviation
/// (n - 1) of r_{t-w+1..t}, and the drawdown at t, W_t / max_{s<=t} W_s - 1 with W_t =
/// prod_{s<=t} (1 + r_s) (from the series' start, W = 1 before it). Per period; not annualised.
/// \throws invalid_input for a non-finite return, one below -1, a window below 2, or returns
///   whose squared deviations overflow; insufficient_data for fewer returns than the window.
template <Series S>
[[nodiscard]] Eigen::Matrix<detail::range_result_t<S>, Eigen::Dynamic, Eigen::Dynamic> regime_features(
    const S& returns, const regime_feature_options& options = {}) {
  using Real = detail::range_result_t<S>;
  constexpr std::string_view fn = "regime_features";
  const std::ptrdiff_t w = options.volatility_window;
  if (w < 2) detail::throw_bad_option(fn, "volatility_window", static_cast<double>(w), "at least 2");
  detail::require_finite(fn, "returns", returns);
  const std::ptrdiff_t n = detail::ssize(returns);
  detail::require_observations(fn, w, n, "returns", "regime_feature_options::volatility_window");
  std::vector<double> r(detail::uz(n));
  detail::convert_into(returns, r.data());
  for (std::ptrdiff_t t = 0; t < n; ++t)
    if (r[detail::uz(t)] < -1)
      detail::throw_below(fn, detail::element_text("returns", t), r[detail::uz(t)], -1, "a loss of more than 100%");
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> out(n - w + 1, 3);
  double log_wealth = 0, peak = 0;  // in logs: no overflow of the wealth over long series
  for (std::ptrdiff_t t = 0; t < n; ++t) {
    log_wealth += std::log1p(r[detail::uz(t)]);
    peak = std::max(peak, log_wealth);
    if (t < w - 1) continue;
    double mean = 0;
    for (std::ptrdiff_t s = t - w + 1; s <= t; ++s) mean += r[detail::uz(s)];
    mean /= static_cast<double>(w);
    double ss = 0;
    for (std::ptrdiff_t s = t - w + 1; s <= t; ++s) ss += (r[detail::uz(s)] - mean) * (r[detail::uz(s)] - mean);
    if (!std::isfinite(ss))
      detail::throw_overflow(fn, "the squared deviations of the returns ending at returns[" + std::to_string(t) + "]");
    const Eigen::Index i = t - w + 1;
    out(i, 0) = static_cast<Real>(r[detail::uz(t)]);
    out(i, 1) = static_cast<Real>(std::sqrt(ss / static_cast<double>(w - 1)));
    out(i, 2) = static_cast<Real>(std::expm1(log_wealth - peak));
  }
  return out;
}

/// Each regime's probability-weighted mean and covariance of a T x N returns panel, from T x K
/// state probabilities (smoothed_probabilities', for a description of the past; filtered_probabilities', for what was
/// known): w_tk = p_tk / sum_t p_tk, mu_k = sum_t w_tk r_t, S_k = sum_t w_tk (r_t - mu_k)(r_t - mu_k)'.
/// \throws invalid_input for sizes, non-finite cells or negative probabilities;
///   singular_problem for a regime with no probability on any date.
template <class DR, class DP>
  requires detail::panel<DR> && detail::panel<DP>
[[nodiscard]] regime_statistics<typename DR::Scalar> regime_moments(const Eigen::MatrixBase<DR>& returns,
                                                                    const Eigen::MatrixBase<DP>& probabilities) {
  using Real = typename DR::Scalar;
  constexpr std::string_view fn = "regime_moments";
  detail::require_same_size(fn, "probabilities' rows", probabilities.rows(), "returns' rows", returns.rows());
  detail::require_finite_cells(fn, "returns", returns);
  detail::require_finite_cells(fn, "probabilities", probabilities);
  const Eigen::MatrixXd r = returns.template cast<double>(), p = probabilities.template cast<double>();
  if ((p.array() < 0).any()) throw invalid_input(detail::message(fn, "probabilities has a negative entry"));
  regime_statistics<Real> out;
  out.means.resize(p.cols(), r.cols());
  for (Eigen::Index k = 0; k < p.cols(); ++k) {
    const double total = p.col(k).sum();
    if (!(total > 0))
      throw singular_problem(detail::message(fn, "regime " + std::to_string(k) + " has probability 0 on every date"));
    const Eigen::VectorXd w = p.col(k) / total;
    const Eigen::RowVectorXd mu = w.transpose() * r;
    const Eigen::MatrixXd c = r.rowwise() - mu;
    Eigen::MatrixXd s = c.transpose() * w.asDiagonal() * c;
    s = (0.5 * (s + s.transpose())).eval();
    out.means.row(k) = mu.template cast<Real>();
    out.covariances.push_back(s.template cast<Real>());
    out.weights.push_back(static_cast<Real>(total));
  }
  return out;
}

/// The covariance of returns under a mixture of regimes with probabilities p (K, summing to 1):
/// sum_k p_k (S_k + mu_k mu_k') - mu mu', mu = sum_k p_k mu_k (the law of total variance). With
/// predict_proba's p it is the regime-weighted covariance forecast for the next period.
/// \throws invalid_input unless p has one probability per regime, each >= 0, summing to 1 (1e-9).
template <class Real, class S>
  requires Series<S>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> regime_covariance(
    const regime_statistics<Real>& moments, const S& probabilities) {
  constexpr std::string_view fn = "regime_covariance";
  const auto k = static_cast<Eigen::Index>(moments.covariances.size());
  detail::require_same_size(fn, "probabilities", detail::ssize(probabilities), "regimes", k);
  detail::require_finite(fn, "probabilities", probabilities);
  Eigen::VectorXd p(k);
  detail::convert_into(probabilities, p.data());
  if ((p.array() < 0).any() || std::abs(p.sum() - 1) > 1e-9)
    throw invalid_input(
        detail::message(fn, "probabilities must be >= 0 and sum to 1; they sum to " + detail::number_text(p.sum())));
  const Eigen::Index n = moments.means.cols();
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd mu = Eigen::VectorXd::Zero(n);
  for (Eigen::Index j = 0; j < k; ++j) {
    const Eigen::VectorXd m = moments.means.row(j).transpose().template cast<double>();
    second += p(j) * (moments.covariances[detail::uz(j)].template cast<double>() + m * m.transpose());
    mu += p(j) * m;
  }
  Eigen::MatrixXd c = second - mu * mu.transpose();
  c = (0.5 * (c + c.transpose())).eval();
  return c.template cast<Real>();
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/regime-inl.hpp>
#endif
