// SPDX-License-Identifier: MIT
// libFuzzer target for keel/regime.hpp: hmm_fit (full and diagonal, 1-3 states, 1-3 features,
// small restart and iteration limits), the model functions on the fit and on a model filled by
// hand from the bytes, regime_features, regime_moments and regime_covariance.
//
// The first byte picks T (0..127) and D (1..3); the second K (1..3), the covariance form and
// whether the numbers are raw doubles (NaN, infinities, subnormals and 1e308 reach every check)
// or small integers scaled to returns with regime-like bursts; the third the restarts, the
// iteration limit and the feature window. Every call must throw a keel::error or return:
// probabilities in [0, 1] whose rows sum to 1 (1e-9), symmetric positive definite covariances,
// a finite log-likelihood that log_likelihood reproduces, a Viterbi path of valid states whose
// log-probability is at most the log-likelihood, features whose drawdown is in [-1, 0], and a
// mixture covariance that is symmetric. Anything else traps. Run it as numeric_fuzz.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <keel/regime.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

/// Raw doubles, or bytes scaled to daily returns with a burst of larger moves every few bytes'
/// worth (regimes for the fit to find).
struct reader {
  keel_fuzz::byte_reader bytes;
  bool raw = false;
  double next() {
    if (raw) return bytes.raw_double();
    const int b = bytes.next_byte();
    return (b - 128) / 2560.0 * ((bytes.at / 16) % 3 == 2 ? 5.0 : 1.0);
  }
};

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

void check_probabilities(const Eigen::MatrixXd& p) {
  require(p.allFinite() && (p.array() >= -1e-15).all() && (p.array() <= 1 + 1e-12).all());
  for (Eigen::Index t = 0; t < p.rows(); ++t) require(std::fabs(p.row(t).sum() - 1) <= 1e-9);
}

void use_model(const keel::hmm_model<double>& m, const Eigen::MatrixXd& y) {
  const double ll = keel::log_likelihood(m, y);
  require(std::isfinite(ll));
  check_probabilities(keel::filtered_probabilities(m, y));
  check_probabilities(keel::smoothed_probabilities(m, y));
  const auto v = keel::viterbi(m, y);
  require(static_cast<Eigen::Index>(v.states.size()) == y.rows());
  for (const auto s : v.states) require(s >= 0 && s < m.start_probabilities.size());
  require(v.log_probability <= ll + 1e-9 * (1 + std::fabs(ll)));
  const Eigen::VectorXd next = keel::predict_proba(m, y, 2);
  require(next.allFinite() && std::fabs(next.sum() - 1) <= 1e-9);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const Eigen::Index t = data[0] % 128, d = 1 + data[0] / 128 + (data[1] & 1);
  const std::ptrdiff_t k = 1 + data[1] / 2 % 3;
  const auto form = (data[1] & 8) ? keel::hmm_covariance::diagonal : keel::hmm_covariance::full;
  reader in{{data + 3, size - 3, 0, 131}, data[1] % 32 >= 28};
  Eigen::MatrixXd y(t, d);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < d; ++j) y(i, j) = in.next();
  const keel::hmm_options o{.states = k,
                            .covariance = form,
                            .restarts = 1 + data[2] % 3,
                            .seed = data[2],
                            .max_iterations = 1 + data[2] / 3 % 40,
                            .require_convergence = (data[2] & 128) != 0};
  guarded([&] {
    const auto m = keel::hmm_fit(y, o);
    require(m.start_probabilities.size() == k && m.means.rows() == k && m.means.cols() == d);
    require(std::isfinite(m.log_likelihood) && std::isfinite(m.bic));
    for (const auto& c : m.covariances)
      require(c.allFinite() && c.isApprox(c.transpose()) && Eigen::LLT<Eigen::MatrixXd>(c).info() == Eigen::Success);
    for (std::size_t s = 1; s < m.covariances.size(); ++s)
      require(m.covariances[s - 1].trace() <= m.covariances[s].trace());
    require(std::fabs(keel::log_likelihood(m, y) - m.log_likelihood) <= 1e-8 * (1 + std::fabs(m.log_likelihood)));
    use_model(m, y);
  });
  // A model filled by hand: probabilities and covariances from the bytes (often malformed).
  keel::hmm_model<double> hand;
  hand.start_probabilities = Eigen::VectorXd(k);
  hand.transition = Eigen::MatrixXd(k, k);
  hand.means = Eigen::MatrixXd(k, d);
  for (Eigen::Index i = 0; i < k; ++i) {
    hand.start_probabilities(i) = std::fabs(in.next()) + (in.raw ? 0 : 0.1);
    for (Eigen::Index j = 0; j < k; ++j) hand.transition(i, j) = std::fabs(in.next()) + (in.raw ? 0 : 0.1);
    if (!in.raw) hand.transition.row(i) /= hand.transition.row(i).sum();
    for (Eigen::Index j = 0; j < d; ++j) hand.means(i, j) = in.next();
    Eigen::MatrixXd a(d, d);
    for (Eigen::Index p = 0; p < d; ++p)
      for (Eigen::Index q = 0; q < d; ++q) a(p, q) = in.next();
    hand.covariances.push_back(in.raw ? a
                                      : Eigen::MatrixXd(a * a.transpose() + 1e-4 * Eigen::MatrixXd::Identity(d, d)));
  }
  if (!in.raw) hand.start_probabilities /= hand.start_probabilities.sum();
  guarded([&] { use_model(hand, y); });
  // Features of the first column and the moments under the smoothed probabilities.
  std::vector<double> r(static_cast<std::size_t>(t));
  for (Eigen::Index i = 0; i < t; ++i) r[static_cast<std::size_t>(i)] = t > 0 && d > 0 ? y(i, 0) : 0.0;
  guarded([&] {
    const Eigen::MatrixXd f = keel::regime_features(r, {.volatility_window = 2 + data[2] % 20});
    require(f.allFinite() && (f.col(1).array() >= 0).all() && (f.col(2).array() <= 0).all() &&
            (f.col(2).array() >= -1).all());
  });
  guarded([&] {
    const Eigen::MatrixXd p = keel::smoothed_probabilities(hand, y);
    const auto mom = keel::regime_moments(y, p);
    std::vector<double> w(static_cast<std::size_t>(k), 1.0 / static_cast<double>(k));
    const Eigen::MatrixXd c = keel::regime_covariance(mom, w);
    require(c.allFinite() && c == c.transpose());
  });
  return 0;
}
