// SPDX-License-Identifier: MIT
// keel/detail/regime-inl.hpp: the definitions of keel/regime.hpp's double kernels (emission
// densities, scaled forward-backward, Viterbi, k-means++ starts, Baum-Welch). Included by
// <keel/regime.hpp> in header-only mode and by src/regime.cpp in the compiled library.
// IWYU pragma: private, include <keel/regime.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/random.hpp>
#include <keel/error.hpp>
#include <keel/regime.hpp>

namespace keel::detail {

namespace hmm {

constexpr double log_two_pi = 1.8378770664093454835606594728112;

/// Scratch of the forward-backward recursions and the M-step, sized on first use and reused over
/// every EM iteration and restart of one thread, so that the EM loop allocates nothing. T x K
/// arrays are either date-major (t * K + k: a date's K values side by side for the recursions'
/// K x K products) or state-major (k * T + t: one state's dates side by side for the sums over
/// dates, and the layout of a column-major T x K Eigen matrix).
struct pass {
  std::vector<double> logb;   ///< state-major: log N(y_t; mu_k, S_k)
  std::vector<double> e;      ///< date-major: exp(logb(t, k) - shift_t)
  std::vector<double> alpha;  ///< date-major: filtered probabilities
  std::vector<double> gamma;  ///< state-major: smoothed probabilities
  std::vector<double> c;      ///< T: the forward scale factors
  std::vector<double> shift;  ///< T: max_k logb(t, k)
  std::vector<double> w;      ///< D x T then T: whitened or centred features, weighted ones, squared norms
  std::vector<double> beta;   ///< 2 K: beta_{t+1} and beta_t (only these two are ever needed)
  std::vector<double> r;      ///< K: e_{t+1} .* beta_{t+1} / c_{t+1}
  std::vector<double> a;      ///< K x K row-major: the transition matrix
  std::vector<double> xi;     ///< K x K row-major: sum_t alpha_t(j) r_t(k), before the factor A(j, k)
  Eigen::LLT<Eigen::MatrixXd> llt;
};

/// log N(y_t; mu_k, S_k) for every t and k into p.logb (state-major). Each S_k must be positive
/// definite. The whitening L^-1 (y_t - mu_k) is a forward substitution written as loops over the
/// dates, one feature at a time: for a handful of features that beats Eigen's blocked solve of a
/// D x T right-hand side, and the loops over t vectorise.
inline void log_emissions(std::string_view fn, const hmm_model<double>& m, const Eigen::MatrixXd& y, pass& p) {
  const Eigen::Index t_count = y.rows(), d = y.cols(), k = m.means.rows();
  const std::size_t tn = uz(t_count);
  p.logb.resize(uz(k) * tn);
  p.w.resize(uz(d + 1) * tn);
  double* const sq = p.w.data() + uz(d) * tn;
  for (Eigen::Index s = 0; s < k; ++s) {
    p.llt.compute(m.covariances[uz(s)]);  // the same size every call: no allocation after the first
    if (p.llt.info() != Eigen::Success)
      throw singular_problem(message(fn, "the covariance of state " + std::to_string(s) + " is not positive definite"));
    const Eigen::MatrixXd& l = p.llt.matrixLLT();  // L in the lower triangle
    double logdet = 0;
    for (Eigen::Index i = 0; i < d; ++i) logdet += 2 * std::log(l(i, i));
    std::fill(sq, sq + tn, 0.0);
    for (Eigen::Index i = 0; i < d; ++i) {
      double* const zi = p.w.data() + uz(i) * tn;
      const double* const yi = y.col(i).data();
      // Times 1 / L(i, i), as Eigen's triangular solve does: a multiplication, not a division, per date.
      const double mu = m.means(s, i), inverse = 1 / l(i, i);
      for (std::size_t t = 0; t < tn; ++t) zi[t] = yi[t] - mu;
      for (Eigen::Index j = 0; j < i; ++j) {
        const double lij = l(i, j);
        const double* const zj = p.w.data() + uz(j) * tn;
        for (std::size_t t = 0; t < tn; ++t) zi[t] -= lij * zj[t];
      }
      for (std::size_t t = 0; t < tn; ++t) {
        zi[t] *= inverse;
        sq[t] += zi[t] * zi[t];
      }
    }
    const double constant = static_cast<double>(d) * log_two_pi + logdet;
    double* const out = p.logb.data() + uz(s) * tn;
    for (std::size_t t = 0; t < tn; ++t) out[t] = -0.5 * (sq[t] + constant);
  }
}

/// f(std::integral_constant<std::size_t, K>{}) for K = 2, 3 or 4 states, f(...<0>) for any
/// other count. The recursions take their state count from it: with a compile-time count their
/// K-loops unroll and their K-vectors stay in registers. Every count runs the same operations in
/// the same order, so the results do not depend on which instance ran.
template <class F>
decltype(auto) with_states(std::size_t k, F&& f) {
  switch (k) {
    case 2:
      return f(std::integral_constant<std::size_t, 2>{});
    case 3:
      return f(std::integral_constant<std::size_t, 3>{});
    case 4:
      return f(std::integral_constant<std::size_t, 4>{});
    default:
      return f(std::integral_constant<std::size_t, 0>{});
  }
}

/// The scaled forward recursion (Rabiner V.A) into p.alpha (filtered probabilities), p.c and
/// p.shift; returns log p(y). e(t, k) = exp(logb(t, k) - shift_t), shift_t = max_k logb(t, k).
inline double forward(std::string_view fn, const hmm_model<double>& m, const Eigen::MatrixXd& y, pass& p) {
  log_emissions(fn, m, y, p);
  const std::size_t tn = uz(y.rows()), k = uz(m.means.rows());
  p.shift.resize(tn);
  p.e.resize(tn * k);
  p.alpha.resize(tn * k);
  p.c.resize(tn);
  return with_states(k, [&](auto fixed) {
    constexpr std::size_t k_fixed = decltype(fixed)::value;
    const std::size_t kn = k_fixed > 0 ? k_fixed : k;
    for (std::size_t t = 0; t < tn; ++t) {
      double top = p.logb[t];
      for (std::size_t s = 1; s < kn; ++s) top = std::max(top, p.logb[s * tn + t]);
      p.shift[t] = top;
      for (std::size_t s = 0; s < kn; ++s) {
        const double x = p.logb[s * tn + t] - top;
        p.e[t * kn + s] = x == 0 ? 1.0 : std::exp(x);  // the most likely state's exp(0) = 1 exactly: one exp fewer
      }
    }
    const double* const a = m.transition.data();  // column-major: column s, the moves into s, is contiguous
    const double* const start = m.start_probabilities.data();
    double ll = 0;
    for (std::size_t t = 0; t < tn; ++t) {
      double* const now = p.alpha.data() + t * kn;
      const double* const et = p.e.data() + t * kn;
      if (t == 0) {
        for (std::size_t s = 0; s < kn; ++s) now[s] = start[s] * et[s];
      } else {
        const double* const before = now - kn;
        for (std::size_t s = 0; s < kn; ++s) {
          double v = 0;
          for (std::size_t j = 0; j < kn; ++j) v += before[j] * a[s * kn + j];
          now[s] = v * et[s];
        }
      }
      double c = 0;
      for (std::size_t s = 0; s < kn; ++s) c += now[s];
      if (!(c > 0) || !std::isfinite(c))
        throw singular_problem(message(fn, "observation " + std::to_string(t) +
                                               " is impossible under the model: every state it can be in gives it "
                                               "density 0 (to double's range)"));
      for (std::size_t s = 0; s < kn; ++s) now[s] /= c;
      p.c[t] = c;
      ll += std::log(c) + p.shift[t];
    }
    return ll;
  });
}

/// The scaled backward recursion after forward(), into p.gamma, the smoothed probabilities
/// alpha_t .* beta_t with each date renormalised against rounding. With `transitions`, also the
/// sums over dates of xi_t(j, k) = alpha_t(j) A(j, k) e_{t+1}(k) beta_{t+1}(k) / c_{t+1} into
/// p.xi, without the factor A(j, k), which is common to every date.
inline void backward(const hmm_model<double>& m, pass& p, bool transitions) {
  const std::size_t k = uz(m.means.rows()), tn = p.c.size();
  p.gamma.resize(tn * k);
  p.beta.assign(2 * k, 1.0);
  p.r.resize(k);
  p.a.resize(k * k);
  p.xi.assign(k * k, 0.0);
  for (std::size_t j = 0; j < k; ++j)
    for (std::size_t s = 0; s < k; ++s)
      p.a[j * k + s] = m.transition(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(s));
  with_states(k, [&](auto fixed) {
    constexpr std::size_t k_fixed = decltype(fixed)::value;
    const std::size_t kn = k_fixed > 0 ? k_fixed : k;
    // With a fixed count, local arrays the compiler can keep in registers; otherwise p's buffers.
    constexpr std::size_t local_size = k_fixed > 0 ? k_fixed : 1;
    double local_beta[2 * local_size] = {}, local_r[local_size] = {}, local_a[local_size * local_size] = {},
                          local_xi[local_size * local_size] = {};
    double* next = k_fixed > 0 ? local_beta : p.beta.data();  // beta_{t+1}
    double* now = next + kn;                                  // beta_t
    double* const r = k_fixed > 0 ? local_r : p.r.data();
    double* const a = k_fixed > 0 ? local_a : p.a.data();
    double* const xi = k_fixed > 0 ? local_xi : p.xi.data();
    if constexpr (k_fixed > 0) {
      std::copy(p.a.begin(), p.a.end(), a);
      std::fill(next, next + kn, 1.0);
    }
    const auto smooth = [&](std::size_t t, const double* beta) {
      const double* const at = p.alpha.data() + t * kn;
      double total = 0;
      for (std::size_t s = 0; s < kn; ++s) total += at[s] * beta[s];
      for (std::size_t s = 0; s < kn; ++s) p.gamma[s * tn + t] = at[s] * beta[s] / total;
    };
    smooth(tn - 1, next);
    for (std::size_t t = tn - 1; t-- > 0;) {
      const double* const en = p.e.data() + (t + 1) * kn;
      const double cn = p.c[t + 1];
      for (std::size_t s = 0; s < kn; ++s) r[s] = en[s] * next[s] / cn;
      for (std::size_t j = 0; j < kn; ++j) {
        double v = 0;
        for (std::size_t s = 0; s < kn; ++s) v += a[j * kn + s] * r[s];
        now[j] = v;
      }
      if (transitions) {
        const double* const at = p.alpha.data() + t * kn;
        for (std::size_t j = 0; j < kn; ++j)
          for (std::size_t s = 0; s < kn; ++s) xi[j * kn + s] += at[j] * r[s];
      }
      smooth(t, now);
      std::swap(next, now);
    }
    if constexpr (k_fixed > 0) std::copy(xi, xi + kn * kn, p.xi.begin());
  });
}

/// One EM iteration: the log-likelihood of `m`, and the re-estimated model in `next`, which must
/// have m's sizes (its old contents are overwritten; no allocation).
inline double em_step(std::string_view fn, const hmm_model<double>& m, const Eigen::MatrixXd& y,
                      const Eigen::VectorXd& floor, bool diagonal, pass& p, hmm_model<double>& next) {
  const double ll = forward(fn, m, y, p);
  backward(m, p, true);
  const Eigen::Index t_count = y.rows(), k = m.means.rows(), d = y.cols();
  const std::size_t tn = uz(t_count), kn = uz(k);
  using column = Eigen::Map<const Eigen::VectorXd>;
  for (Eigen::Index s = 0; s < k; ++s) next.start_probabilities(s) = p.gamma[uz(s) * tn];
  for (Eigen::Index j = 0; j < k; ++j) {
    double row = 0;
    for (Eigen::Index s = 0; s < k; ++s) row += p.xi[uz(j) * kn + uz(s)] * m.transition(j, s);
    if (row > 0)
      for (Eigen::Index s = 0; s < k; ++s) next.transition(j, s) = p.xi[uz(j) * kn + uz(s)] * m.transition(j, s) / row;
    else
      next.transition.row(j) = m.transition.row(j);
  }
  p.w.resize(uz(2 * d) * tn);
  for (Eigen::Index s = 0; s < k; ++s) {
    const column g(p.gamma.data() + uz(s) * tn, t_count);
    const double weight = g.sum();
    auto& cov = next.covariances[uz(s)];
    // A state without probability mass keeps its parameters (its mean would be 0 / 0).
    if (!(weight > 1e-300)) {
      next.means.row(s) = m.means.row(s);
      cov = m.covariances[uz(s)];
      continue;
    }
    // Centred features (first D blocks of T) and the same times gamma (next D blocks): the
    // covariance's cells are then dot products of contiguous arrays.
    for (Eigen::Index i = 0; i < d; ++i) {
      const double mu = g.dot(y.col(i)) / weight;
      next.means(s, i) = mu;
      const double* const yi = y.col(i).data();
      double* const ci = p.w.data() + uz(i) * tn;
      double* const gi = p.w.data() + uz(d + i) * tn;
      for (std::size_t t = 0; t < tn; ++t) {
        ci[t] = yi[t] - mu;
        gi[t] = ci[t] * g(static_cast<Eigen::Index>(t));
      }
    }
    for (Eigen::Index i = 0; i < d; ++i) {
      const column gi(p.w.data() + uz(d + i) * tn, t_count);
      for (Eigen::Index j = 0; j <= i; ++j) {
        // Each off-diagonal cell computed once and mirrored: the matrix is exactly symmetric.
        const double v = (!diagonal || i == j) ? gi.dot(column(p.w.data() + uz(j) * tn, t_count)) / weight : 0.0;
        cov(i, j) = v;
        cov(j, i) = v;
      }
      cov(i, i) += floor(i);
    }
  }
  return ll;
}

/// Population covariance of the rows of y whose label is `cluster` (every row when cluster < 0),
/// plus the floor; the diagonal only when `diagonal`. Their mean into `mean`.
inline Eigen::MatrixXd rows_covariance(const Eigen::MatrixXd& y, const std::vector<Eigen::Index>& label,
                                       Eigen::Index cluster, const Eigen::VectorXd& floor, bool diagonal,
                                       Eigen::RowVectorXd& mean) {
  const Eigen::Index d = y.cols(), t_count = y.rows();
  const auto in = [&](Eigen::Index t) { return cluster < 0 || label[uz(t)] == cluster; };
  mean = Eigen::RowVectorXd::Zero(d);
  Eigen::Index count = 0;
  for (Eigen::Index t = 0; t < t_count; ++t)
    if (in(t)) {
      mean += y.row(t);
      ++count;
    }
  mean /= static_cast<double>(count);
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
  for (Eigen::Index t = 0; t < t_count; ++t)
    if (in(t))
      for (Eigen::Index j = 0; j < d; ++j)
        for (Eigen::Index i = 0; i < d; ++i) cov(i, j) += (y(t, i) - mean(i)) * (y(t, j) - mean(j));
  cov /= static_cast<double>(count);
  if (diagonal) cov = Eigen::MatrixXd(cov.diagonal().asDiagonal());
  cov.diagonal() += floor;
  return cov;
}

/// Restart r's start: k-means++ seeding and Lloyd's iterations on the standardised rows z,
/// drawing from stream (seed, r); each cluster's mean and covariance (the whole data's for a
/// cluster of fewer than two rows), start_probabilities uniform, transition 0.9 I + 0.1 / K.
inline hmm_model<double> kmeans_start(const Eigen::MatrixXd& y, const Eigen::MatrixXd& z, Eigen::Index k,
                                      std::uint64_t seed, int restart, const Eigen::VectorXd& floor, bool diagonal) {
  const Eigen::Index t_count = z.rows(), d = z.cols();
  philox_stream draws(seed, static_cast<std::uint64_t>(restart));
  const auto pick = [&](double total, const Eigen::VectorXd& w) {
    double u = draws.uniform() * total;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      u -= w(t);
      if (u < 0) return t;
    }
    for (Eigen::Index t = t_count - 1; t >= 0; --t)
      if (w(t) > 0) return t;
    return t_count - 1;
  };
  // Squared distance of row t to centre c, summed in feature order.
  Eigen::MatrixXd centers(k, d);
  const auto distance = [&](Eigen::Index t, Eigen::Index c) {
    double v = 0;
    for (Eigen::Index i = 0; i < d; ++i) v += (z(t, i) - centers(c, i)) * (z(t, i) - centers(c, i));
    return v;
  };
  Eigen::VectorXd d2 = Eigen::VectorXd::Constant(t_count, std::numeric_limits<double>::infinity());
  for (Eigen::Index c = 0; c < k; ++c) {
    Eigen::Index chosen;
    const double total = c == 0 ? 0.0 : d2.sum();
    if (c == 0 || !(total > 0))
      chosen = std::min<Eigen::Index>(t_count - 1,
                                      static_cast<Eigen::Index>(draws.uniform() * static_cast<double>(t_count)));
    else
      chosen = pick(total, d2);
    centers.row(c) = z.row(chosen);
    for (Eigen::Index t = 0; t < t_count; ++t) d2(t) = std::min(d2(t), distance(t, c));
  }
  std::vector<Eigen::Index> label(uz(t_count), -1), count(uz(k));
  Eigen::MatrixXd sum(k, d);
  for (int iteration = 0; iteration < 100; ++iteration) {
    bool changed = false;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      Eigen::Index best = 0;
      double nearest = distance(t, 0);
      for (Eigen::Index c = 1; c < k; ++c) {
        const double v = distance(t, c);
        if (v < nearest) {  // ties to the lower centre
          nearest = v;
          best = c;
        }
      }
      if (label[uz(t)] != best) {
        label[uz(t)] = best;
        changed = true;
      }
    }
    if (!changed) break;
    sum.setZero();
    std::fill(count.begin(), count.end(), Eigen::Index{0});
    for (Eigen::Index t = 0; t < t_count; ++t) {
      sum.row(label[uz(t)]) += z.row(t);
      ++count[uz(label[uz(t)])];
    }
    for (Eigen::Index c = 0; c < k; ++c)  // an empty cluster keeps its centre
      if (count[uz(c)] > 0) centers.row(c) = sum.row(c) / static_cast<double>(count[uz(c)]);
  }
  hmm_model<double> m;
  m.start_probabilities = Eigen::VectorXd::Constant(k, 1.0 / static_cast<double>(k));
  m.transition = Eigen::MatrixXd::Constant(k, k, 0.1 / static_cast<double>(k));
  m.transition.diagonal().array() += 0.9;
  m.means.resize(k, y.cols());
  Eigen::RowVectorXd mean;
  for (Eigen::Index c = 0; c < k; ++c) {
    Eigen::Index members = 0, first = -1;
    for (Eigen::Index t = 0; t < t_count; ++t)
      if (label[uz(t)] == c) {
        if (members++ == 0) first = t;
      }
    if (members >= 2) {
      m.covariances.push_back(rows_covariance(y, label, c, floor, diagonal, mean));
      m.means.row(c) = mean;
    } else {
      m.covariances.push_back(rows_covariance(y, label, -1, floor, diagonal, mean));
      m.means.row(c) = members == 0 ? mean : Eigen::RowVectorXd(y.row(first));
    }
  }
  return m;
}

/// The model with its states ordered by ascending tr(S_k), ties by the first feature's mean.
inline hmm_model<double> ordered(const hmm_model<double>& m) {
  const Eigen::Index k = m.means.rows();
  std::vector<Eigen::Index> order(uz(k));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    const double ta = m.covariances[uz(a)].trace(), tb = m.covariances[uz(b)].trace();
    if (ta != tb) return ta < tb;
    return m.means(a, 0) < m.means(b, 0);
  });
  hmm_model<double> out;
  out.start_probabilities.resize(k);
  out.transition.resize(k, k);
  out.means.resize(k, m.means.cols());
  for (Eigen::Index i = 0; i < k; ++i) {
    const Eigen::Index from = order[uz(i)];
    out.start_probabilities(i) = m.start_probabilities(from);
    out.means.row(i) = m.means.row(from);
    out.covariances.push_back(m.covariances[uz(from)]);
    for (Eigen::Index j = 0; j < k; ++j) out.transition(i, j) = m.transition(from, order[uz(j)]);
  }
  return out;
}

}  // namespace hmm

KEEL_DEF std::ptrdiff_t hmm_parameter_count(std::ptrdiff_t k, std::ptrdiff_t d, hmm_covariance c) {
  return (k - 1) + k * (k - 1) + k * d + (c == hmm_covariance::full ? k * d * (d + 1) / 2 : k * d);
}

KEEL_DEF void check_hmm_model(std::string_view fn, const hmm_model<double>& m, Eigen::Index d) {
  const Eigen::Index k = m.start_probabilities.size();
  if (k < 1) throw invalid_input(message(fn, "model.start_probabilities is empty: the model has no states"));
  if (m.transition.rows() != k || m.transition.cols() != k)
    throw invalid_input(message(fn, "model.transition is " + std::to_string(m.transition.rows()) + " x " +
                                        std::to_string(m.transition.cols()) + " but model.start_probabilities has " +
                                        std::to_string(k) + " states"));
  if (m.means.rows() != k || m.means.cols() != d)
    throw invalid_input(message(fn, "model.means is " + std::to_string(m.means.rows()) + " x " +
                                        std::to_string(m.means.cols()) + " but must be " + std::to_string(k) + " x " +
                                        std::to_string(d) + " (states x features of the observations)"));
  require_same_size(fn, "model.covariances", ssize(m.covariances), "states", k);
  require_finite(fn, "model.start_probabilities", m.start_probabilities);
  require_finite_cells(fn, "model.transition", m.transition);
  require_finite_cells(fn, "model.means", m.means);
  const auto probabilities = [&](const Eigen::VectorXd& p, const std::string& name) {
    if ((p.array() < 0).any() || std::abs(p.sum() - 1) > 1e-9)
      throw invalid_input(
          message(fn, name + " must be probabilities (>= 0, summing to 1); they sum to " + number_text(p.sum())));
  };
  probabilities(m.start_probabilities, "model.start_probabilities");
  for (Eigen::Index j = 0; j < k; ++j)
    probabilities(m.transition.row(j).transpose(), "model.transition row " + std::to_string(j));
  for (Eigen::Index s = 0; s < k; ++s) {
    const auto& c = m.covariances[uz(s)];
    const std::string name = "model.covariances[" + std::to_string(s) + "]";
    if (c.rows() != d || c.cols() != d)
      throw invalid_input(message(fn, name + " is " + std::to_string(c.rows()) + " x " + std::to_string(c.cols()) +
                                          " but must be " + std::to_string(d) + " x " + std::to_string(d)));
    require_finite_cells(fn, name, c);
    require_symmetric(fn, name, c);
    if (Eigen::LLT<Eigen::MatrixXd>(c).info() != Eigen::Success)
      throw invalid_input(message(fn, name + " is not positive definite"));
  }
}

KEEL_DEF double hmm_forward_backward(std::string_view fn, const hmm_model<double>& m, const Eigen::MatrixXd& y,
                                     Eigen::MatrixXd* filtered, Eigen::MatrixXd* smoothed) {
  if (y.rows() < 1) throw insufficient_data(message(fn, "observations has no rows"), 1, 0);
  hmm::pass p;
  const double ll = hmm::forward(fn, m, y, p);
  const Eigen::Index t_count = y.rows(), k = m.means.rows();
  if (filtered != nullptr)
    *filtered = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(p.alpha.data(),
                                                                                                         t_count, k);
  if (smoothed != nullptr) {
    hmm::backward(m, p, false);
    *smoothed = Eigen::Map<const Eigen::MatrixXd>(p.gamma.data(), t_count, k);
  }
  return ll;
}

KEEL_DEF viterbi_path<double> hmm_viterbi(std::string_view fn, const hmm_model<double>& m, const Eigen::MatrixXd& y) {
  const Eigen::Index t_count = y.rows(), k = m.means.rows();
  if (t_count < 1) throw insufficient_data(message(fn, "observations has no rows"), 1, 0);
  hmm::pass p;
  hmm::log_emissions(fn, m, y, p);
  const Eigen::Map<const Eigen::MatrixXd> logb(p.logb.data(), t_count, k);
  const Eigen::MatrixXd log_a = m.transition.array().log().matrix();  // log 0 = -inf: a forbidden move
  Eigen::RowVectorXd delta = m.start_probabilities.array().log().matrix().transpose() + logb.row(0);
  std::vector<Eigen::Index> back(uz(t_count * k), 0);
  Eigen::RowVectorXd next(k);
  for (Eigen::Index t = 1; t < t_count; ++t) {
    for (Eigen::Index s = 0; s < k; ++s) {
      Eigen::Index best = 0;
      double value = delta(0) + log_a(0, s);
      for (Eigen::Index j = 1; j < k; ++j)
        if (delta(j) + log_a(j, s) > value) {
          value = delta(j) + log_a(j, s);
          best = j;
        }
      next(s) = value + logb(t, s);
      back[uz(t * k + s)] = best;
    }
    delta = next;
  }
  Eigen::Index last = 0;
  delta.maxCoeff(&last);
  if (!std::isfinite(delta(last)))
    throw singular_problem(message(fn, "no state path has positive probability under the model"));
  viterbi_path<double> out;
  out.log_probability = delta(last);
  out.states.resize(uz(t_count));
  out.states[uz(t_count - 1)] = last;
  for (Eigen::Index t = t_count - 1; t > 0; --t) out.states[uz(t - 1)] = back[uz(t * k + out.states[uz(t)])];
  return out;
}

KEEL_DEF hmm_model<double> hmm_fit_double(const Eigen::MatrixXd& y, const hmm_options& o) {
  constexpr std::string_view fn = "hmm_fit";
  if (o.states < 1) throw_bad_option(fn, "states", static_cast<double>(o.states), "at least 1");
  if (o.restarts < 1) throw_bad_option(fn, "restarts", o.restarts, "at least 1");
  if (!(o.tolerance > 0) || !std::isfinite(o.tolerance))
    throw_bad_option(fn, "tolerance", o.tolerance, "positive and finite");
  if (o.max_iterations < 1) throw_bad_option(fn, "max_iterations", o.max_iterations, "at least 1");
  if (!(o.covariance_floor > 0 && o.covariance_floor < 1))
    throw_bad_option(fn, "covariance_floor", o.covariance_floor, "in (0, 1)");
  if (o.threads < 0) throw_bad_option(fn, "threads", o.threads, "0 (all cores) or more");
  const Eigen::Index t_count = y.rows(), d = y.cols(), k = o.states;
  if (d < 1) throw invalid_input(message(fn, "observations has no columns (features)"));
  const std::ptrdiff_t params = hmm_parameter_count(k, d, o.covariance);
  require_observations(fn, 5 * params, t_count,
                       "observations for " + std::to_string(k) + " states of " + std::to_string(d) + " feature(s) (" +
                           std::to_string(params) + " free parameters, 5 each)");
  const bool diagonal = o.covariance == hmm_covariance::diagonal;
  const Eigen::RowVectorXd mean = y.colwise().mean();
  const Eigen::MatrixXd centred = y.rowwise() - mean;
  const Eigen::VectorXd variance = centred.colwise().squaredNorm().transpose() / static_cast<double>(t_count);
  for (Eigen::Index j = 0; j < d; ++j) {
    if (!std::isfinite(variance(j))) throw_overflow(fn, "observations column " + std::to_string(j) + "'s variance");
    if (!(variance(j) > 0))
      throw singular_problem(message(
          fn, "observations column " + std::to_string(j) + " is constant: it cannot tell regimes apart; drop it"));
  }
  const Eigen::VectorXd floor = o.covariance_floor * variance;
  const Eigen::MatrixXd& z = y;  // k-means on the features as given (hmmlearn's choice)

  struct run {
    hmm_model<double> model;
    double ll = -std::numeric_limits<double>::infinity();
    bool converged = false;
    int iterations = 0;
    std::exception_ptr failure;
  };
  std::vector<run> runs(uz(o.restarts));
  parallel_for<hmm::pass>(o.restarts, resolve_threads(o.threads, o.restarts), [&](std::ptrdiff_t r, hmm::pass& p) {
    run& out = runs[uz(r)];
    try {
      hmm_model<double> m = hmm::kmeans_start(y, z, k, o.seed, static_cast<int>(r), floor, diagonal);
      hmm_model<double> next = m;  // em_step's output, of m's sizes: the loop swaps, never allocates
      double previous = -std::numeric_limits<double>::infinity();
      for (int it = 1; it <= o.max_iterations; ++it) {
        const double ll = hmm::em_step(fn, m, y, floor, diagonal, p, next);
        out.iterations = it;
        if (ll - previous <= o.tolerance * (1 + std::abs(ll))) {
          out.converged = true;
          out.ll = ll;
          break;
        }
        previous = ll;
        std::swap(m, next);
      }
      if (!out.converged) out.ll = hmm::forward(fn, m, y, p);
      out.model = std::move(m);
    } catch (...) {
      out.failure = std::current_exception();
    }
  });
  hmm_model<double> f;
  int best = -1;
  for (int r = 0; r < o.restarts; ++r) {
    f.restart_log_likelihoods.push_back(runs[uz(r)].failure ? -std::numeric_limits<double>::infinity()
                                                            : runs[uz(r)].ll);
    if (!runs[uz(r)].failure && (best < 0 || runs[uz(r)].ll > runs[uz(best)].ll)) best = r;
  }
  if (best < 0) std::rethrow_exception(runs.front().failure);
  const run& chosen = runs[uz(best)];
  if (!chosen.converged && o.require_convergence)
    throw not_converged(message(fn, "the most likely start (restart " + std::to_string(best) +
                                        ") did not converge in " + std::to_string(chosen.iterations) +
                                        " EM iterations; raise max_iterations or set require_convergence = false"));
  const std::vector<double> lls = std::move(f.restart_log_likelihoods);
  f = hmm::ordered(chosen.model);
  f.restart_log_likelihoods = lls;
  f.log_likelihood = chosen.ll;
  f.converged = chosen.converged;
  f.iterations = chosen.iterations;
  f.restart = best;
  f.parameters = params;
  f.n = t_count;
  f.aic = 2 * static_cast<double>(params) - 2 * chosen.ll;
  f.bic = static_cast<double>(params) * std::log(static_cast<double>(t_count)) - 2 * chosen.ll;
  return f;
}

}  // namespace keel::detail
