// SPDX-License-Identifier: MIT
// Tests of keel/regime.hpp. The reference for the likelihood, the filtered and smoothed
// probabilities, the one-step prediction and the Viterbi path is the definition itself: every
// one of the K^T state paths of a short series enumerated in long double, with the Gaussian
// densities written out here (explicit inverse and determinant). Fits: recovery of simulated
// two- and three-regime parameters, EM's non-decreasing likelihood, the state order rule, and the
// same bits on any thread count. Moments: long-double sums and the law of total variance.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/regime.hpp>

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using ld = long double;

/// N(y; mu, S) for D = 1 or 2, written out.
ld density(const Eigen::RowVectorXd& y, const Eigen::RowVectorXd& mu, const MatrixXd& s) {
  const ld pi = 3.141592653589793238462643383279503L;
  if (y.size() == 1) {
    const ld v = s(0, 0), e = static_cast<ld>(y(0)) - mu(0);
    return std::exp(-e * e / (2 * v)) / std::sqrt(2 * pi * v);
  }
  const ld a = s(0, 0), b = s(0, 1), d = s(1, 1), det = a * d - b * b;
  const ld e0 = static_cast<ld>(y(0)) - mu(0), e1 = static_cast<ld>(y(1)) - mu(1);
  const ld q = (d * e0 * e0 - 2 * b * e0 * e1 + a * e1 * e1) / det;
  return std::exp(-q / 2) / (2 * pi * std::sqrt(det));
}

struct brute {
  ld likelihood = 0;
  std::vector<std::vector<ld>> filtered, smoothed;  // T x K
  std::vector<Index> best_path;
  ld best = -1;          // the most likely path's joint density
  std::vector<ld> next;  // P(s_{T+1})
};

/// Every path of the first `upto` observations, enumerated.
brute enumerate(const keel::hmm_model<double>& m, const MatrixXd& y) {
  const Index t_count = y.rows(), k = m.start_probabilities.size();
  brute out;
  out.filtered.assign(static_cast<std::size_t>(t_count), std::vector<ld>(static_cast<std::size_t>(k), 0));
  out.smoothed = out.filtered;
  out.next.assign(static_cast<std::size_t>(k), 0);
  for (Index upto = 1; upto <= t_count; ++upto) {
    Index paths = 1;
    for (Index t = 0; t < upto; ++t) paths *= k;
    ld total = 0;
    std::vector<ld> last(static_cast<std::size_t>(k), 0);
    std::vector<std::vector<ld>> marg(static_cast<std::size_t>(upto), std::vector<ld>(static_cast<std::size_t>(k), 0));
    for (Index code = 0; code < paths; ++code) {
      std::vector<Index> s(static_cast<std::size_t>(upto));
      Index c = code;
      for (Index t = 0; t < upto; ++t) {
        s[static_cast<std::size_t>(t)] = c % k;
        c /= k;
      }
      ld p = m.start_probabilities(s[0]) *
             density(y.row(0), m.means.row(s[0]), m.covariances[static_cast<std::size_t>(s[0])]);
      for (Index t = 1; t < upto; ++t) {
        const Index a = s[static_cast<std::size_t>(t - 1)], b = s[static_cast<std::size_t>(t)];
        p *= m.transition(a, b) * density(y.row(t), m.means.row(b), m.covariances[static_cast<std::size_t>(b)]);
      }
      total += p;
      last[static_cast<std::size_t>(s.back())] += p;
      for (Index t = 0; t < upto; ++t)
        marg[static_cast<std::size_t>(t)][static_cast<std::size_t>(s[static_cast<std::size_t>(t)])] += p;
      if (upto == t_count && p > out.best) {
        out.best = p;
        out.best_path = s;
      }
    }
    for (Index j = 0; j < k; ++j)
      out.filtered[static_cast<std::size_t>(upto - 1)][static_cast<std::size_t>(j)] =
          last[static_cast<std::size_t>(j)] / total;
    if (upto == t_count) {
      out.likelihood = total;
      for (Index t = 0; t < t_count; ++t)
        for (Index j = 0; j < k; ++j)
          out.smoothed[static_cast<std::size_t>(t)][static_cast<std::size_t>(j)] =
              marg[static_cast<std::size_t>(t)][static_cast<std::size_t>(j)] / total;
      for (Index j = 0; j < k; ++j)
        for (Index i = 0; i < k; ++i)
          out.next[static_cast<std::size_t>(j)] += last[static_cast<std::size_t>(i)] / total * m.transition(i, j);
    }
  }
  return out;
}

void check_against_enumeration(const keel::hmm_model<double>& m, const MatrixXd& y) {
  const brute b = enumerate(m, y);
  CHECK(keel::log_likelihood(m, y) == Approx(static_cast<double>(std::log(b.likelihood))).epsilon(1e-13));
  const MatrixXd f = keel::filtered_probabilities(m, y), s = keel::smoothed_probabilities(m, y);
  for (Index t = 0; t < y.rows(); ++t)
    for (Index j = 0; j < m.start_probabilities.size(); ++j) {
      CHECK(f(t, j) == Approx(static_cast<double>(b.filtered[static_cast<std::size_t>(t)][static_cast<std::size_t>(j)]))
                           .margin(1e-13));
      CHECK(s(t, j) == Approx(static_cast<double>(b.smoothed[static_cast<std::size_t>(t)][static_cast<std::size_t>(j)]))
                           .margin(1e-13));
    }
  const auto v = keel::viterbi(m, y);
  REQUIRE(v.states.size() == b.best_path.size());
  for (std::size_t t = 0; t < v.states.size(); ++t) CHECK(v.states[t] == b.best_path[t]);
  CHECK(v.log_probability == Approx(static_cast<double>(std::log(b.best))).epsilon(1e-13));
  const VectorXd next = keel::predict_proba(m, y);
  for (Index j = 0; j < m.start_probabilities.size(); ++j)
    CHECK(next(j) == Approx(static_cast<double>(b.next[static_cast<std::size_t>(j)])).margin(1e-13));
}

/// T draws of a K-regime Markov chain with Gaussian rows; the states into `states`.
MatrixXd simulate(const keel::hmm_model<double>& m, Index t_count, unsigned seed, std::vector<Index>& states) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> z(0, 1);
  const Index k = m.start_probabilities.size(), d = m.means.cols();
  MatrixXd y(t_count, d);
  states.assign(static_cast<std::size_t>(t_count), 0);
  Index s = 0;
  for (Index t = 0; t < t_count; ++t) {
    const VectorXd p = t == 0 ? m.start_probabilities : VectorXd(m.transition.row(s).transpose());
    double x = u(gen);
    s = k - 1;
    for (Index j = 0; j < k; ++j) {
      x -= p(j);
      if (x < 0) {
        s = j;
        break;
      }
    }
    states[static_cast<std::size_t>(t)] = s;
    const MatrixXd l = m.covariances[static_cast<std::size_t>(s)].llt().matrixL();
    VectorXd e(d);
    for (Index i = 0; i < d; ++i) e(i) = z(gen);
    y.row(t) = m.means.row(s) + (l * e).transpose();
  }
  return y;
}

keel::hmm_model<double> two_regimes() {
  keel::hmm_model<double> m;
  m.start_probabilities = VectorXd(2);
  m.start_probabilities << 0.6, 0.4;
  m.transition = MatrixXd(2, 2);
  m.transition << 0.97, 0.03, 0.06, 0.94;
  m.means = MatrixXd(2, 1);
  m.means << 0.0006, -0.0015;
  m.covariances = {MatrixXd::Constant(1, 1, 0.006 * 0.006), MatrixXd::Constant(1, 1, 0.022 * 0.022)};
  return m;
}

}  // namespace

TEST_CASE("likelihood, filter, smoother, Viterbi and prediction equal the enumeration of every path", "[regime][hmm]") {
  SECTION("two states, two features, full covariances, seven observations") {
    keel::hmm_model<double> m;
    m.start_probabilities = VectorXd(2);
    m.start_probabilities << 0.3, 0.7;
    m.transition = MatrixXd(2, 2);
    m.transition << 0.8, 0.2, 0.35, 0.65;
    m.means = MatrixXd(2, 2);
    m.means << 0.5, -0.2, -1.0, 0.8;
    MatrixXd s0(2, 2), s1(2, 2);
    s0 << 0.4, 0.1, 0.1, 0.3;
    s1 << 1.5, -0.6, -0.6, 0.9;
    m.covariances = {s0, s1};
    MatrixXd y(7, 2);
    y << 0.3, 0.1, -0.9, 1.2, 0.6, -0.4, 1.1, 0.2, -1.8, 0.3, 0.2, -0.1, -0.5, 0.9;
    check_against_enumeration(m, y);
  }
  SECTION("three states, one feature (a Series), six observations") {
    keel::hmm_model<double> m;
    m.start_probabilities = VectorXd(3);
    m.start_probabilities << 0.5, 0.3, 0.2;
    m.transition = MatrixXd(3, 3);
    m.transition << 0.7, 0.2, 0.1, 0.25, 0.5, 0.25, 0.05, 0.15, 0.8;
    m.means = MatrixXd(3, 1);
    m.means << 0.01, 0.0, -0.02;
    m.covariances = {MatrixXd::Constant(1, 1, 1e-4), MatrixXd::Constant(1, 1, 4e-4), MatrixXd::Constant(1, 1, 25e-4)};
    const std::vector<double> r{0.012, -0.004, 0.03, -0.061, -0.02, 0.005};
    const MatrixXd y = Eigen::Map<const VectorXd>(r.data(), 6);
    check_against_enumeration(m, y);
    CHECK(keel::log_likelihood(m, r) == keel::log_likelihood(m, y));
    CHECK(keel::viterbi(m, r).states == keel::viterbi(m, y).states);
  }
}

TEST_CASE("the textbook two-state example: forward, backward and Viterbi to the published numbers", "[regime][hmm]") {
  // Wikipedia's Viterbi example (Healthy / Fever; observations normal, cold, dizzy; start 0.6,
  // 0.4; transitions 0.7 0.3 / 0.4 0.6; emissions 0.5 0.4 0.1 / 0.1 0.3 0.6), whose published
  // results are P(normal, cold, dizzy) = 0.03628 and the most likely path Healthy, Healthy,
  // Fever with probability 0.01512. keel's emissions are Gaussian: with unit variances and means
  // 0 and 1 the log density ratio of the two states at y is y - 1/2, so y_o = log(b_F(o) /
  // b_H(o)) + 1/2 gives every observation the textbook's emission ratio. Each observation's
  // densities are then its discrete emissions over one common factor c_t = b_H(o_t) /
  // phi(y_t), which changes no posterior and no path, and shifts log-probabilities by
  // sum_t log c_t.
  keel::hmm_model<double> m;
  m.start_probabilities = VectorXd(2);
  m.start_probabilities << 0.6, 0.4;
  m.transition = MatrixXd(2, 2);
  m.transition << 0.7, 0.3, 0.4, 0.6;
  m.means = MatrixXd(2, 1);
  m.means << 0, 1;
  m.covariances = {MatrixXd::Constant(1, 1, 1), MatrixXd::Constant(1, 1, 1)};
  const double healthy[3] = {0.5, 0.4, 0.1}, fever[3] = {0.1, 0.3, 0.6};
  std::vector<double> y(3);
  double shift = 0;  // sum_t log c_t
  for (std::size_t o = 0; o < 3; ++o) {
    y[o] = std::log(fever[o] / healthy[o]) + 0.5;
    const double phi = std::exp(-0.5 * y[o] * y[o]) / std::sqrt(2 * 3.14159265358979323846);
    shift += std::log(healthy[o] / phi);
  }
  // Published: the forward probability and the Viterbi path and probability.
  CHECK(keel::log_likelihood(m, y) + shift == Approx(std::log(0.03628)).epsilon(1e-12));
  const auto path = keel::viterbi(m, y);
  CHECK(path.states == std::vector<std::ptrdiff_t>{0, 0, 1});
  CHECK(path.log_probability + shift == Approx(std::log(0.01512)).epsilon(1e-12));
  // The forward and backward variables of the example worked by hand in exact decimals:
  // alpha = (0.3, 0.04), (0.0904, 0.0342), (0.007696, 0.028584); beta = (0.106, 0.112),
  // (0.25, 0.40), (1, 1).
  const double p = 0.03628;
  const MatrixXd filtered = keel::filtered_probabilities(m, y), smoothed = keel::smoothed_probabilities(m, y);
  const double alpha[3][2] = {{0.3, 0.04}, {0.0904, 0.0342}, {0.007696, 0.028584}};
  const double beta[3][2] = {{0.106, 0.112}, {0.25, 0.40}, {1, 1}};
  for (Index t = 0; t < 3; ++t)
    for (Index k = 0; k < 2; ++k) {
      const auto tt = static_cast<std::size_t>(t);
      const auto kk = static_cast<std::size_t>(k);
      CHECK(filtered(t, k) == Approx(alpha[tt][kk] / (alpha[tt][0] + alpha[tt][1])).margin(1e-12));
      CHECK(smoothed(t, k) == Approx(alpha[tt][kk] * beta[tt][kk] / p).margin(1e-12));
    }
}

TEST_CASE("hmm_fit recovers simulated regimes, orders them by variance and does not depend on threads",
          "[regime][hmm][fit]") {
  const keel::hmm_model<double> truth = two_regimes();
  std::vector<Index> states;
  const MatrixXd y = simulate(truth, 4000, 7, states);
  keel::hmm_options o{.states = 2, .restarts = 4};
  const auto fit = keel::hmm_fit(y, o);
  CHECK(fit.converged);
  const auto& m = fit;
  // State 0 the calm regime, whatever the start found first.
  CHECK(m.covariances[0](0, 0) < m.covariances[1](0, 0));
  CHECK(std::sqrt(m.covariances[0](0, 0)) == Approx(0.006).epsilon(0.08));
  CHECK(std::sqrt(m.covariances[1](0, 0)) == Approx(0.022).epsilon(0.08));
  CHECK(m.transition(0, 0) == Approx(0.97).margin(0.015));
  CHECK(m.transition(1, 1) == Approx(0.94).margin(0.03));
  CHECK(m.means(0, 0) == Approx(0.0006).margin(0.0005));
  // The fitted model's most likely path agrees with the true states on most dates.
  const auto path = keel::viterbi(m, y).states;
  Index agree = 0;
  for (std::size_t t = 0; t < path.size(); ++t) agree += path[t] == states[t];
  CHECK(static_cast<double>(agree) / static_cast<double>(path.size()) > 0.9);
  // The kept restart is the most likely one, and the result is the same bits on 3 threads.
  CHECK(fit.log_likelihood ==
        *std::max_element(fit.restart_log_likelihoods.begin(), fit.restart_log_likelihoods.end()));
  CHECK(fit.log_likelihood == Approx(keel::log_likelihood(m, y)).epsilon(1e-12));
  o.threads = 3;
  const auto threaded = keel::hmm_fit(y, o);
  CHECK(threaded.transition == m.transition);
  CHECK(threaded.means == m.means);
  CHECK(threaded.log_likelihood == fit.log_likelihood);
  CHECK(threaded.restart_log_likelihoods == fit.restart_log_likelihoods);
  // AIC and BIC by their definitions: p = 1 + 2 + 2 + 2 = 7.
  CHECK(fit.parameters == 7);
  CHECK(fit.bic == Approx(7 * std::log(4000.0) - 2 * fit.log_likelihood).epsilon(1e-14));
  CHECK(fit.aic == Approx(14 - 2 * fit.log_likelihood).epsilon(1e-14));
}

TEST_CASE("hmm_fit: three regimes of two features, full and diagonal", "[regime][hmm][fit]") {
  keel::hmm_model<double> truth;
  truth.start_probabilities = VectorXd::Constant(3, 1.0 / 3);
  truth.transition = MatrixXd(3, 3);
  truth.transition << 0.95, 0.04, 0.01, 0.03, 0.94, 0.03, 0.02, 0.08, 0.90;
  truth.means = MatrixXd(3, 2);
  truth.means << 0.001, 0.1, 0.0, 0.2, -0.003, 0.4;
  MatrixXd a(2, 2), b(2, 2), c(2, 2);
  a << 1e-5, 1e-5 * 0.3 * 0.1, 1e-5 * 0.3 * 0.1, 1e-4;
  b << 1e-4, 0, 0, 4e-4;
  c << 9e-4, -0.5 * 0.03 * 0.04, -0.5 * 0.03 * 0.04, 16e-4;
  truth.covariances = {a, b, c};
  std::vector<Index> states;
  const MatrixXd y = simulate(truth, 5000, 11, states);
  const auto fit = keel::hmm_fit(y, {.states = 3, .restarts = 6});
  for (Index s = 0; s < 3; ++s) {
    CAPTURE(s);
    CHECK(fit.means(s, 1) == Approx(truth.means(s, 1)).margin(0.01));
    CHECK(fit.covariances[static_cast<std::size_t>(s)](1, 1) ==
          Approx(truth.covariances[static_cast<std::size_t>(s)](1, 1)).epsilon(0.15));
    CHECK(fit.transition(s, s) == Approx(truth.transition(s, s)).margin(0.03));
  }
  const auto diag = keel::hmm_fit(y, {.states = 3, .covariance = keel::hmm_covariance::diagonal, .restarts = 6});
  for (const auto& s : diag.covariances) CHECK(s(0, 1) == 0);
  CHECK(diag.parameters == 2 + 6 + 6 + 6);
  CHECK(diag.log_likelihood <= fit.log_likelihood + 1e-9 * std::abs(fit.log_likelihood));
}

TEST_CASE("EM never lowers the likelihood", "[regime][hmm][fit]") {
  std::vector<Index> states;
  const MatrixXd y = simulate(two_regimes(), 1500, 21, states);
  double previous = -std::numeric_limits<double>::infinity();
  for (int it = 1; it <= 40; ++it) {
    const auto f = keel::hmm_fit(y, {.states = 2, .restarts = 1, .max_iterations = it, .require_convergence = false});
    CAPTURE(it);
    CHECK(f.log_likelihood >= previous - 1e-10 * std::abs(previous));
    previous = f.log_likelihood;
  }
}

TEST_CASE("regime moments and the mixture covariance", "[regime][moments]") {
  std::mt19937_64 gen(5);
  std::normal_distribution<double> z(0, 0.01);
  std::uniform_real_distribution<double> u(0, 1);
  const Index t = 300, n = 3, k = 2;
  MatrixXd r(t, n), p(t, k);
  for (Index s = 0; s < t; ++s) {
    for (Index j = 0; j < n; ++j) r(s, j) = z(gen) + 0.001 * static_cast<double>(j);
    p(s, 0) = u(gen);
    p(s, 1) = 1 - p(s, 0);
  }
  const auto m = keel::regime_moments(r, p);
  for (Index j = 0; j < k; ++j) {
    ld total = 0;
    for (Index s = 0; s < t; ++s) total += p(s, j);
    for (Index a = 0; a < n; ++a) {
      ld mu = 0;
      for (Index s = 0; s < t; ++s) mu += p(s, j) * static_cast<ld>(r(s, a));
      mu /= total;
      CHECK(m.means(j, a) == Approx(static_cast<double>(mu)).epsilon(1e-13));
      for (Index b = 0; b < n; ++b) {
        ld mb = 0, c = 0;
        for (Index s = 0; s < t; ++s) mb += p(s, j) * static_cast<ld>(r(s, b));
        mb /= total;
        for (Index s = 0; s < t; ++s) c += p(s, j) * (r(s, a) - mu) * (r(s, b) - mb);
        CHECK(m.covariances[static_cast<std::size_t>(j)](a, b) ==
              Approx(static_cast<double>(c / total)).epsilon(1e-12));
      }
    }
    CHECK(m.weights[static_cast<std::size_t>(j)] == Approx(static_cast<double>(total)).epsilon(1e-14));
  }
  // Law of total variance: with each regime weighted by its share of the dates, the mixture is
  // the whole sample's population covariance.
  const std::vector<double> share{m.weights[0] / static_cast<double>(t), m.weights[1] / static_cast<double>(t)};
  const MatrixXd mix = keel::regime_covariance(m, share);
  const MatrixXd c = r.rowwise() - r.colwise().mean();
  const MatrixXd population = c.transpose() * c / static_cast<double>(t);
  CHECK((mix - population).cwiseAbs().maxCoeff() <= 1e-14);
  // A certain regime gives its own covariance.
  CHECK(keel::regime_covariance(m, std::vector<double>{0.0, 1.0}).isApprox(m.covariances[1], 1e-14));
}

TEST_CASE("regime.hpp's errors name what is wrong", "[regime][errors]") {
  using Catch::Matchers::Contains;
  std::vector<Index> states;
  const MatrixXd y = simulate(two_regimes(), 200, 3, states);
  CHECK_THROWS_AS(keel::hmm_fit(MatrixXd(y.topRows(30)), {.states = 2}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::hmm_fit(MatrixXd(y.topRows(30)), {.states = 2}),
                    Contains("needs at least 35") && Contains("got 30"));
  MatrixXd flat(200, 2);
  flat << y, MatrixXd::Constant(200, 1, 0.5);
  CHECK_THROWS_WITH(keel::hmm_fit(flat, {.states = 2}), Contains("column 1 is constant"));
  MatrixXd bad = y;
  bad(17, 0) = std::nan("");
  CHECK_THROWS_AS(keel::hmm_fit(bad), keel::invalid_input);
  CHECK_THROWS_WITH(keel::hmm_fit(y, {.states = 0}), Contains("states"));
  CHECK_THROWS_WITH(keel::hmm_fit(y, {.covariance_floor = 0}), Contains("covariance_floor"));
  CHECK_THROWS_AS(keel::hmm_fit(y, {.max_iterations = 1}), keel::not_converged);
  keel::hmm_model<double> m = two_regimes();
  m.transition(1, 1) = 0.5;
  CHECK_THROWS_WITH(keel::filtered_probabilities(m, y), Contains("model.transition row 1"));
  m = two_regimes();
  m.covariances[1](0, 0) = -1;
  CHECK_THROWS_WITH(keel::viterbi(m, y), Contains("model.covariances[1]"));
  m = two_regimes();
  CHECK_THROWS_WITH(keel::smoothed_probabilities(m, MatrixXd(y.rows(), 2)), Contains("model.means is 2 x 1"));
  // An observation no reachable state can produce.
  m.start_probabilities << 1, 0;
  m.transition << 1, 0, 0, 1;
  m.covariances[0](0, 0) = 1e-8;
  const std::vector<double> far{0.0, 1.0};
  CHECK_THROWS_AS(keel::log_likelihood(m, far), keel::singular_problem);
  CHECK_THROWS_WITH(keel::predict_proba(two_regimes(), y, 0), Contains("h"));
  CHECK_THROWS_WITH(
      keel::regime_covariance(keel::regime_moments(y, MatrixXd::Constant(200, 2, 0.5)), std::vector<double>{0.5, 0.6}),
      Contains("sum to 1"));
}

TEST_CASE("regime_features: return, realised volatility and drawdown known on each date", "[regime][features]") {
  std::mt19937_64 gen(9);
  std::normal_distribution<double> z(0.0003, 0.015);
  std::vector<double> r(400);
  for (auto& x : r) x = z(gen);
  r[200] = -0.25;  // a crash
  const Index w = 21;
  const MatrixXd f = keel::regime_features(r, {.volatility_window = w});
  REQUIRE(f.rows() == 400 - w + 1);
  REQUIRE(f.cols() == 3);
  ld wealth = 1, peak = 1;
  for (Index t = 0; t < 400; ++t) {
    wealth *= 1 + static_cast<ld>(r[static_cast<std::size_t>(t)]);
    peak = std::max(peak, wealth);
    if (t < w - 1) continue;
    ld m = 0, ss = 0;
    for (Index s = t - w + 1; s <= t; ++s) m += r[static_cast<std::size_t>(s)];
    m /= w;
    for (Index s = t - w + 1; s <= t; ++s)
      ss += (r[static_cast<std::size_t>(s)] - m) * (r[static_cast<std::size_t>(s)] - m);
    const Index i = t - w + 1;
    CHECK(f(i, 0) == r[static_cast<std::size_t>(t)]);
    CHECK(f(i, 1) == Approx(static_cast<double>(std::sqrt(ss / (w - 1)))).epsilon(1e-12));
    CHECK(f(i, 2) == Approx(static_cast<double>(wealth / peak - 1)).margin(1e-13));
  }
  // Each row depends only on returns up to its date: changing a later return leaves it alone.
  std::vector<double> later = r;
  later[300] = 0.1;
  const MatrixXd g = keel::regime_features(later, {.volatility_window = w});
  CHECK(g.topRows(300 - w + 1) == f.topRows(300 - w + 1));
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(keel::regime_features(std::vector<double>(10, 0.01)), Contains("needs at least 21"));
  CHECK_THROWS_WITH(keel::regime_features(r, {.volatility_window = 1}), Contains("volatility_window"));
  std::vector<double> bad = r;
  bad[5] = -1.5;
  CHECK_THROWS_WITH(keel::regime_features(bad), Contains("returns[5]"));
  std::vector<double> huge(30, 0.0);
  huge[3] = 1e200;
  CHECK_THROWS_AS(keel::regime_features(huge), keel::invalid_input);
  CHECK_THROWS_WITH(keel::regime_features(huge), Contains("overflow"));
}
