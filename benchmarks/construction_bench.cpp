// SPDX-License-Identifier: MIT
// Benchmarks of keel/construction.hpp's risk budgeting beside its limit kernels, in one run:
// one N x N matrix-vector product (reading the covariance once: any method, a coordinate
// descent sweep included, does at least that) and one N x N Cholesky factorisation (the cost
// of one Newton step).
//   cmake --preset bench && cmake --build build/bench --target construction_bench
//   build/bench/benchmarks/construction_bench --benchmark_min_time=0.5
// Inputs: the sample covariance of T = 1260 daily returns of N assets (three factors plus
// noise, seeded). Issue 19's target: equal risk contribution at N = 500 in at most 10 ms on one
// core. Peer figure measured on this machine (README): SciPy's SLSQP on the same ERC problem.
#include <random>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/construction.hpp>

namespace {

/// The sample covariance (n - 1) of T x N simulated daily returns: three factors with loadings
/// N(1, 0.3^2), N(0, 0.5^2), N(0, 0.5^2) and vol 1%, 0.5%, 0.5%, idiosyncratic vol 1% to 3%.
Eigen::MatrixXd sample_covariance(Eigen::Index n, Eigen::Index t, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0.01, 0.03);
  Eigen::MatrixXd loadings(n, 3);
  Eigen::VectorXd specific(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    loadings(i, 0) = 1 + 0.3 * z(rng);
    loadings(i, 1) = 0.5 * z(rng);
    loadings(i, 2) = 0.5 * z(rng);
    specific(i) = u(rng);
  }
  const Eigen::Vector3d factor_vol(0.01, 0.005, 0.005);
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index k = 0; k < t; ++k) {
    Eigen::Vector3d f;
    for (Eigen::Index j = 0; j < 3; ++j) f(j) = factor_vol(j) * z(rng);
    for (Eigen::Index i = 0; i < n; ++i) r(k, i) = loadings.row(i).dot(f) + specific(i) * z(rng);
  }
  const Eigen::MatrixXd centred = r.rowwise() - r.colwise().mean();
  return centred.transpose() * centred / static_cast<double>(t - 1);
}

void erc(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd cov = sample_covariance(n, 1260, 19);
  for (auto _ : state) {
    auto p = keel::risk_budgeting(cov);
    benchmark::DoNotOptimize(p.weights.data());
  }
}

/// ERC with every weight capped at 1.5 / N: the active-set Newton method (binding bounds).
void erc_capped(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd cov = sample_covariance(n, 1260, 19);
  const keel::risk_budgeting_options options{.constraints = keel::weight_bounds(0.0, 1.5 / static_cast<double>(n))};
  for (auto _ : state) {
    auto p = keel::risk_budgeting(cov, options);
    benchmark::DoNotOptimize(p.weights.data());
  }
}

/// Limit kernel: one N x N matrix-vector product.
void matvec(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd cov = sample_covariance(n, 1260, 19);
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  Eigen::VectorXd y(n);
  for (auto _ : state) {
    y.noalias() = cov * x;
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

/// Limit kernel of one Newton step: an N x N Cholesky factorisation.
void cholesky(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd cov = sample_covariance(n, 1260, 19);
  Eigen::LLT<Eigen::MatrixXd> llt(n);
  for (auto _ : state) {
    llt.compute(cov);
    benchmark::DoNotOptimize(llt.matrixLLT().data());
  }
}

}  // namespace

BENCHMARK(erc)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(erc_capped)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(matvec)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);
BENCHMARK(cholesky)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);
