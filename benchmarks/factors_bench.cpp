// SPDX-License-Identifier: MIT
// Benchmarks of keel/factors.hpp beside their limit kernel.
//
//   factor_regression, T = 2,520 days,   O(T K^2): centring, scaling, pivoted QR, the diagnostics
//   K = 7 factors                        (VIFs, condition number by SVD); limit: Eigen's
//                                        ColPivHouseholderQR solve of the same [1 X] design
//                                        (coefficients only, no standard errors or diagnostics)
//
// Read the ratio keel / limit from one run:
//   build/default/benchmarks/factors_bench --benchmark_min_time=0.5
#include <random>

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <keel/factors.hpp>

namespace {

struct design {
  Eigen::VectorXd y;
  Eigen::MatrixXd x;
};

const design& data() {
  static const design d = [] {
    design out;
    const Eigen::Index t = 2520, k = 7;
    std::mt19937_64 gen(7);
    std::normal_distribution<double> z(0.0, 0.01);
    out.x.resize(t, k);
    out.y.resize(t);
    for (Eigen::Index i = 0; i < t; ++i) {
      double y = 0.0002;
      for (Eigen::Index j = 0; j < k; ++j) {
        out.x(i, j) = z(gen) + (j > 0 ? 0.3 * out.x(i, 0) : 0.0);  // correlated, as real factors are
        y += 0.2 * static_cast<double>(j + 1) * out.x(i, j);
      }
      out.y(i) = y + z(gen);
    }
    return out;
  }();
  return d;
}

void BM_factor_regression(benchmark::State& state) {
  const design& d = data();
  for (auto _ : state) {
    auto fit = keel::factor_regression(d.y, d.x);
    benchmark::DoNotOptimize(fit.coefficients.data());
  }
  state.SetItemsProcessed(state.iterations() * d.x.size());
}
BENCHMARK(BM_factor_regression)->Unit(benchmark::kMicrosecond);

// Into a reused factor_fit and workspace: no allocation (the design copy and its QR stay in the
// workspace).
// The allocating form above also pays for fresh 140 kB buffers, which glibc maps and unmaps
// (page faults); that cost depends on the allocator, not on keel.
void BM_factor_regression_reused(benchmark::State& state) {
  const design& d = data();
  keel::factor_fit<double> fit;
  keel::factor_fit<double>::workspace ws;
  keel::factor_regression(d.y, d.x, fit, ws);
  for (auto _ : state) {
    keel::factor_regression(d.y, d.x, fit, ws);
    benchmark::DoNotOptimize(fit.coefficients.data());
  }
  state.SetItemsProcessed(state.iterations() * d.x.size());
}
BENCHMARK(BM_factor_regression_reused)->Unit(benchmark::kMicrosecond);

// Limit kernel: the least-squares solve of the same design by Eigen's pivoted QR.
void BM_limit_eigen_qr(benchmark::State& state) {
  const design& d = data();
  Eigen::MatrixXd full(d.x.rows(), d.x.cols() + 1);
  full.col(0).setOnes();
  full.rightCols(d.x.cols()) = d.x;
  for (auto _ : state) {
    const Eigen::VectorXd b = full.colPivHouseholderQr().solve(d.y);
    benchmark::DoNotOptimize(b.data());
  }
  state.SetItemsProcessed(state.iterations() * d.x.size());
}
BENCHMARK(BM_limit_eigen_qr)->Unit(benchmark::kMicrosecond);

}  // namespace
