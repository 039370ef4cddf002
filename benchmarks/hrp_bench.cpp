// SPDX-License-Identifier: MIT
// Benchmarks of keel/construction.hpp's hierarchical risk parity and HERC beside their limit
// kernel, on 2,520 daily returns of 500 assets (ten years; a one-factor panel).
//
//   hierarchical_risk_parity (single, from returns)  O(T N^2): the centred Gram matrix (a
//                                                     symmetric rank-k update), the correlation,
//                                                     the MST linkage (O(N^2)), the bisection
//                                                     (O(N^2) in all)
//   the same into a warm workspace (the out form); with optimal leaf ordering (SciPy's, O(N^3)
//   at worst, pruned); with Ward linkage; HERC (Ward, gap statistic)
//   hierarchical_risk_parity from (cov, corr)       the clustering and bisection alone
//   limit: the Gram matrix X'X of the centred panel (Eigen's symmetric rank-k update), which
//          every HRP from returns must compute
//
// Read the ratios from one run:
//   build/bench/benchmarks/hrp_bench --benchmark_min_time=0.5
// Issue 19's target: HRP at 500 x 2,520 from returns in at most 20 ms on one core.
#include <cstddef>
#include <random>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/construction.hpp>

namespace {

const Eigen::MatrixXd& returns_panel() {
  static const Eigen::MatrixXd data = [] {
    const Eigen::Index t = 2520, n = 500;
    std::mt19937_64 gen(3);
    std::normal_distribution<double> f(0.0, 0.01), e(0.0, 0.015), b(1.0, 0.4);
    Eigen::MatrixXd x(t, n);
    Eigen::VectorXd beta(n);
    for (Eigen::Index j = 0; j < n; ++j) beta(j) = b(gen);
    for (Eigen::Index i = 0; i < t; ++i) {
      const double m = f(gen);
      for (Eigen::Index j = 0; j < n; ++j) x(i, j) = 0.0004 + beta(j) * m + e(gen);
    }
    return x;
  }();
  return data;
}

// Limit kernel: the centred panel's Gram matrix by a symmetric rank-k update (one triangle).
void BM_limit_centred_gram(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd gram(x.cols(), x.cols());
  for (auto _ : state) {
    gram.setZero();
    gram.selfadjointView<Eigen::Lower>().rankUpdate(centred.transpose());
    benchmark::DoNotOptimize(gram.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_limit_centred_gram)->Unit(benchmark::kMillisecond);

void BM_hrp_single(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    auto r = keel::hierarchical_risk_parity(x);
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_hrp_single)->Unit(benchmark::kMillisecond);

// The out form with a warm workspace: the centred panel, Gram, covariance, correlation and
// distances are reused, so the call does not allocate or page-fault ~12 MB again.
void BM_hrp_single_warm(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  keel::hierarchical_result<double> out;
  keel::hierarchical_result<double>::workspace ws;
  for (auto _ : state) {
    keel::hierarchical_risk_parity(x, out, ws);
    benchmark::DoNotOptimize(out.weights.data());
  }
}
BENCHMARK(BM_hrp_single_warm)->Unit(benchmark::kMillisecond);

// With SciPy's optimal leaf ordering (skfolio's default): the pruned O(N^3) programme on top.
void BM_hrp_single_olo(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    auto r = keel::hierarchical_risk_parity(x, {.optimal_leaf_ordering = true});
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_hrp_single_olo)->Unit(benchmark::kMillisecond);

void BM_hrp_ward(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    auto r = keel::hierarchical_risk_parity(x, {.linkage = keel::linkage_method::ward});
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_hrp_ward)->Unit(benchmark::kMillisecond);

void BM_herc_ward_gap(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    auto r = keel::hierarchical_equal_risk_contribution(x);
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_herc_ward_gap)->Unit(benchmark::kMillisecond);

void BM_hrp_from_cov_corr(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(x.rows() - 1);
  const Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
  const Eigen::MatrixXd corr = sd.cwiseInverse().asDiagonal() * cov * sd.cwiseInverse().asDiagonal();
  for (auto _ : state) {
    auto r = keel::hierarchical_risk_parity(cov, corr);
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_hrp_from_cov_corr)->Unit(benchmark::kMillisecond);

}  // namespace
