// SPDX-License-Identifier: MIT
// Benchmarks of keel/covariance.hpp beside their limit kernel.
//
//   sample_covariance, 2,520 x 500 daily returns   O(T N^2): centring (O(T N)) and a symmetric
//                                                  rank-k update; limit: Eigen's Xc' Xc of the
//                                                  already centred data (a general product, the
//                                                  operation numpy's X.T @ X performs)
//   the same, pairwise with 10% of assets listed   four products instead of one
//   late (missing cells)
//   ledoit_wolf (each target), ewma_covariance     one product plus O(T N + N^2)
//
// Read the ratios from one run:
//   build/default/benchmarks/covariance_bench --benchmark_min_time=0.5
// Reference points from the issue (one core of these machines): numpy with OpenBLAS takes
// about 20 ms for the sample covariance of 2,520 x 500.
#include <cmath>
#include <cstddef>
#include <random>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/covariance.hpp>

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

/// The panel with 50 of its 500 assets listed late (NaN for their first 100..1080 days).
const Eigen::MatrixXd& panel_with_gaps() {
  static const Eigen::MatrixXd data = [] {
    Eigen::MatrixXd x = returns_panel();
    for (Eigen::Index j = 0; j < x.cols(); j += 10)
      for (Eigen::Index i = 0; i < 100 + 2 * j; ++i) x(i, j) = std::nan("");
    return x;
  }();
  return data;
}

void set_counters(benchmark::State& state, const Eigen::MatrixXd& x) {
  state.SetItemsProcessed(state.iterations() * x.size());
  state.SetBytesProcessed(state.iterations() * x.size() * static_cast<long>(sizeof(double)));
}

// Limit kernel: the Gram matrix of the centred data, Eigen's general product (both triangles).
void BM_limit_eigen_xtx(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const Eigen::MatrixXd xc = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd g(x.cols(), x.cols());
  for (auto _ : state) {
    g.noalias() = xc.transpose() * xc;
    benchmark::DoNotOptimize(g.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_limit_eigen_xtx)->Unit(benchmark::kMillisecond);

void BM_sample_covariance(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  keel::sample_covariance(x, out, ws);  // sized once: the timed calls reuse out and ws
  for (auto _ : state) {
    keel::sample_covariance(x, out, ws);
    benchmark::DoNotOptimize(out.covariance.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_sample_covariance)->Unit(benchmark::kMillisecond);

void BM_sample_covariance_fresh(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    auto out = keel::sample_covariance(x);
    benchmark::DoNotOptimize(out.covariance.data());
  }
  set_counters(state, x);
}
BENCHMARK(BM_sample_covariance_fresh)->Unit(benchmark::kMillisecond);

void BM_sample_covariance_pairwise(benchmark::State& state) {
  const Eigen::MatrixXd& x = panel_with_gaps();
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  const keel::covariance_options options{.missing = keel::missing_data::pairwise};
  keel::sample_covariance(x, out, ws, options);
  for (auto _ : state) {
    keel::sample_covariance(x, out, ws, options);
    benchmark::DoNotOptimize(out.covariance.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_sample_covariance_pairwise)->Unit(benchmark::kMillisecond);

void BM_sample_covariance_complete_rows(benchmark::State& state) {
  const Eigen::MatrixXd& x = panel_with_gaps();
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  const keel::covariance_options options{.missing = keel::missing_data::complete_rows};
  keel::sample_covariance(x, out, ws, options);
  for (auto _ : state) {
    keel::sample_covariance(x, out, ws, options);
    benchmark::DoNotOptimize(out.covariance.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_sample_covariance_complete_rows)->Unit(benchmark::kMillisecond);

void BM_ledoit_wolf(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const auto target = static_cast<keel::shrinkage_target>(state.range(0));
  keel::shrinkage_estimate<double> out;
  keel::shrinkage_estimate<double>::workspace ws;
  keel::ledoit_wolf(x, out, ws, {.target = target});
  for (auto _ : state) {
    keel::ledoit_wolf(x, out, ws, {.target = target});
    benchmark::DoNotOptimize(out.covariance.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_ledoit_wolf)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

void BM_ewma_covariance(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  keel::ewma_covariance(x, out, ws);
  for (auto _ : state) {
    keel::ewma_covariance(x, out, ws);
    benchmark::DoNotOptimize(out.covariance.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, x);
}
BENCHMARK(BM_ewma_covariance)->Unit(benchmark::kMillisecond);

}  // namespace
