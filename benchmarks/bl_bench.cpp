// SPDX-License-Identifier: MIT
// Benchmarks of keel/construction.hpp's Black-Litterman, maximum diversification and minimum
// tracking error beside their limit kernel, one Eigen LLT factorisation and solve of the same
// N x N covariance (black_litterman's weights need exactly that; every exact long-only
// optimiser factorises at least once): the ratio reads from one run.
//   build/bench/benchmarks/bl_bench --benchmark_min_time=0.2
// Black-Litterman at N = 500, K = 10 views costs one LLT (N^3 / 3) plus O(K N^2) for P Sigma and
// the posterior covariance; the long-only optimisers walk their active sets (rank-one updates).
#include <random>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/construction.hpp>

namespace {

/// A factor covariance B F B' + D (3 factors), annualised scale, and market weights. Seeded.
Eigen::MatrixXd factor_covariance(Eigen::Index n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::MatrixXd b(n, 3);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) b(i, j) = (j == 0 ? 0.2 : 0.06) * z(rng);
  Eigen::MatrixXd cov = b * b.transpose();
  for (Eigen::Index i = 0; i < n; ++i) cov(i, i) += 0.01 + 0.05 * u(rng);
  return cov;
}

keel::bl_views views_of(Eigen::Index n, Eigen::Index k) {
  keel::bl_views v;
  v.P = Eigen::MatrixXd::Zero(k, n);
  v.Q.resize(k);
  for (Eigen::Index r = 0; r < k; ++r) {
    v.P(r, (7 * r) % n) = 1;  // half absolute, half relative views
    if (r % 2 == 1) v.P(r, (7 * r + 3) % n) = -1;
    v.Q(r) = 0.02 + 0.01 * static_cast<double>(r % 3);
  }
  return v;
}

void BM_limit_llt_solve(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXd cov = factor_covariance(n, 1);
  const Eigen::VectorXd rhs = Eigen::VectorXd::Ones(n);
  for (auto _ : state) {
    const Eigen::LLT<Eigen::MatrixXd> llt(cov);
    Eigen::VectorXd x = llt.solve(rhs);
    benchmark::DoNotOptimize(x.data());
  }
}
BENCHMARK(BM_limit_llt_solve)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_black_litterman(benchmark::State& state) {
  const Eigen::Index n = state.range(0), k = state.range(1);
  const Eigen::MatrixXd cov = factor_covariance(n, 1);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  const Eigen::VectorXd prior = keel::market_implied_returns(cov, w, 2.5);
  const keel::bl_views v = views_of(n, k);
  for (auto _ : state) {
    auto r = keel::black_litterman(prior, cov, v);
    benchmark::DoNotOptimize(r.weights.data());
  }
}
BENCHMARK(BM_black_litterman)->Args({100, 10})->Args({500, 10})->Unit(benchmark::kMicrosecond);

void BM_max_diversification(benchmark::State& state) {
  const Eigen::MatrixXd cov = factor_covariance(state.range(0), 2);
  for (auto _ : state) {
    auto p = keel::max_diversification(cov);
    benchmark::DoNotOptimize(p.weights.data());
  }
}
BENCHMARK(BM_max_diversification)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_min_tracking_error(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXd cov = factor_covariance(n, 3);
  // A benchmark outside the long-only set (10% short in every tenth asset), so the QP runs.
  Eigen::VectorXd b = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  for (Eigen::Index i = 0; i < n; i += 10) b(i) = -0.1 / static_cast<double>(n);
  for (auto _ : state) {
    auto p = keel::min_tracking_error(cov, b);
    benchmark::DoNotOptimize(p.weights.data());
  }
}
BENCHMARK(BM_min_tracking_error)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace
