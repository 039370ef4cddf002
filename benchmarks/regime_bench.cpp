// SPDX-License-Identifier: MIT
// Benchmarks of keel/regime.hpp beside their limit kernel.
//
//   hmm_fit, 3 states, 2,520 observations of 3 features (return, realised volatility, drawdown
//   of a simulated three-regime series), 10 restarts, full covariances, one thread (issue 21's
//   bar: at most 50 ms). Each EM iteration is one pass: the T x K log densities (a triangular
//   solve per state), the scaled forward and backward recursions O(T K^2) and the M-step
//   O(T K D^2). Limit: one such pass (log_likelihood plus smoothed_probabilities on the fitted
//   model: two forward passes and one backward). Each of those calls also converts and checks
//   its inputs and sizes fresh scratch (page faults and zeroing, most of its time), while
//   hmm_fit's EM passes reuse one workspace, so the ratio is now about half the EM passes
//   (iterations x restarts: 228 here) rather than their count.
//   viterbi on the same model and data.
//
// Read the ratio from one run:
//   build/bench/benchmarks/regime_bench --benchmark_min_time=0.5
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/regime.hpp>

namespace {

const Eigen::MatrixXd& features() {
  static const Eigen::MatrixXd f = [] {
    std::mt19937_64 gen(21);
    std::normal_distribution<double> z(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double vol[3] = {0.006, 0.012, 0.03}, drift[3] = {0.0006, 0.0002, -0.002};
    std::vector<double> r(2540);
    int s = 0;
    for (auto& x : r) {
      if (u(gen) < 0.02) s = static_cast<int>(u(gen) * 3) % 3;
      x = drift[s] + vol[s] * z(gen);
    }
    return Eigen::MatrixXd(keel::regime_features(r).bottomRows(2520));
  }();
  return f;
}

void BM_hmm_fit(benchmark::State& state) {
  const Eigen::MatrixXd& y = features();
  int iterations = 0;
  for (auto _ : state) {
    const auto m = keel::hmm_fit(y, {.states = 3, .restarts = 10, .require_convergence = false});
    iterations = m.iterations;
    benchmark::DoNotOptimize(m.log_likelihood);
  }
  state.counters["kept_restart_iterations"] = iterations;
}
BENCHMARK(BM_hmm_fit)->Unit(benchmark::kMillisecond);

// Limit kernel: one EM pass's recursions on the fitted model.
void BM_limit_one_pass(benchmark::State& state) {
  const Eigen::MatrixXd& y = features();
  const auto m = keel::hmm_fit(y, {.states = 3, .restarts = 1, .require_convergence = false});
  for (auto _ : state) {
    benchmark::DoNotOptimize(keel::log_likelihood(m, y));
    const Eigen::MatrixXd p = keel::smoothed_probabilities(m, y);
    benchmark::DoNotOptimize(p.data());
  }
}
BENCHMARK(BM_limit_one_pass)->Unit(benchmark::kMicrosecond);

void BM_viterbi(benchmark::State& state) {
  const Eigen::MatrixXd& y = features();
  const auto m = keel::hmm_fit(y, {.states = 3, .restarts = 1, .require_convergence = false});
  for (auto _ : state) {
    const auto v = keel::viterbi(m, y);
    benchmark::DoNotOptimize(v.log_probability);
  }
}
BENCHMARK(BM_viterbi)->Unit(benchmark::kMicrosecond);

}  // namespace
