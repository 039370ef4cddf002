// SPDX-License-Identifier: MIT
// Benchmarks of keel/frontier.hpp and keel/markowitz.hpp beside their limit kernel, an Eigen
// LDLT factorisation and solve of the same N x N covariance (what one closed-form
// mean-variance solve costs): the ratio reads from one run.
//   build/default/benchmarks/frontier_bench --benchmark_min_time=0.2
// Counters: corners (turning points of the whole frontier), ns_per_corner_per_n2 (time per
// corner over N^2: flat or falling as N grows means the cost per corner grows no faster than
// N^2, the claim of rank-one updates over refactorisation).
// Peer figures (issue 10, one core of these machines): long-only frontier, N = 50, 100
// points: R quadprog per point ~68 ms, cvxopt ~237 ms, per-point SLSQP ~254 ms.
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

namespace {

struct inputs {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
  std::vector<std::string> sectors;
};

/// "S3": appended, not "S" + to_string (GCC 12's false -Wrestrict, PR 105329).
std::string sector_name(Eigen::Index s) {
  std::string out = "S";
  out += std::to_string(s);
  return out;
}

/// A factor-structured covariance B F B' + D (K factors, diagonal idiosyncratic risk) and
/// expected returns that reward factor exposure, as estimated models look. Seeded.
inputs factor_model(Eigen::Index n, Eigen::Index k, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::MatrixXd b(n, k);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < k; ++j) b(i, j) = (j == 0 ? 1.0 : 0.3) * z(rng);
  Eigen::VectorXd f = Eigen::VectorXd::Constant(k, 0.02);
  f(0) = 0.04;
  inputs in;
  in.cov = b * f.asDiagonal() * b.transpose();
  for (Eigen::Index i = 0; i < n; ++i) in.cov(i, i) += 0.01 + 0.05 * u(rng);
  in.mu.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) in.mu(i) = 0.03 + 0.02 * b(i, 0) + 0.04 * u(rng);
  for (Eigen::Index i = 0; i < n; ++i) in.sectors.push_back(sector_name(i % 11));
  return in;
}

/// A sample covariance of T x N random daily returns, annualised (N = 50 case).
inputs sample_model(Eigen::Index n, Eigen::Index t, unsigned seed) {
  inputs in = factor_model(n, 3, seed);
  const Eigen::LLT<Eigen::MatrixXd> llt(in.cov / 252);
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<double> z(0, 1);
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) r(i, j) = z(rng);
  r = r * llt.matrixU();
  const Eigen::MatrixXd centred = r.rowwise() - r.colwise().mean();
  in.cov = 252 * centred.transpose() * centred / static_cast<double>(t - 1);
  return in;
}

void report_corners(benchmark::State& state, std::size_t corners, Eigen::Index n) {
  state.counters["corners"] = static_cast<double>(corners);
  // (seconds per iteration) / (corners N^2 1e-9): nanoseconds per corner per N^2.
  state.counters["ns_per_corner_per_n2"] =
      benchmark::Counter(static_cast<double>(corners) * static_cast<double>(n) * static_cast<double>(n) * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_frontier_long_only_50_points_100(benchmark::State& state) {
  const inputs in = sample_model(50, 750, 1);
  std::size_t corners = 0;
  for (auto _ : state) {
    const auto f = keel::efficient_frontier(in.mu, in.cov, {.points = 100});
    corners = f.corners.size();
    benchmark::DoNotOptimize(f.points.back().volatility);
  }
  report_corners(state, corners, 50);
}
BENCHMARK(BM_frontier_long_only_50_points_100)->Unit(benchmark::kMicrosecond);

void BM_max_sharpe_long_only_50(benchmark::State& state) {
  const inputs in = sample_model(50, 750, 1);
  for (auto _ : state) benchmark::DoNotOptimize(keel::max_sharpe(in.mu, in.cov, {}, {.risk_free = 0.02}).sharpe);
}
BENCHMARK(BM_max_sharpe_long_only_50)->Unit(benchmark::kMicrosecond);

void BM_frontier_whole_long_only(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const inputs in = factor_model(n, 10, 2);
  std::size_t corners = 0;
  for (auto _ : state) {
    const auto f = keel::efficient_frontier(in.mu, in.cov, {.points = 1});
    corners = f.corners.size();
    benchmark::DoNotOptimize(f.corners.back().volatility);
  }
  report_corners(state, corners, n);
}
BENCHMARK(BM_frontier_whole_long_only)->Arg(500)->Arg(2000)->Unit(benchmark::kMillisecond);

void BM_frontier_whole_11_sectors_500(benchmark::State& state) {
  const Eigen::Index n = 500;
  const inputs in = factor_model(n, 10, 3);
  keel::portfolio_constraints pc{.bounds = keel::weight_bounds(0.0, 0.05), .groups = in.sectors};
  for (int s = 0; s < 11; ++s) pc.group_limits.push_back({sector_name(s), 0.02, 0.15});
  std::size_t corners = 0;
  for (auto _ : state) {
    const auto f = keel::efficient_frontier(in.mu, in.cov, {.points = 1, .bounds = pc});
    corners = f.corners.size();
    benchmark::DoNotOptimize(f.corners.back().volatility);
  }
  report_corners(state, corners, n);
}
BENCHMARK(BM_frontier_whole_11_sectors_500)->Unit(benchmark::kMillisecond);

// The limit kernel: factor and solve the same covariance once (Eigen LDLT).
void BM_eigen_ldlt_solve(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const inputs in = n == 50 ? sample_model(50, 750, 1) : factor_model(n, 10, 2);
  for (auto _ : state) {
    Eigen::LDLT<Eigen::MatrixXd> ldlt(in.cov);
    const Eigen::VectorXd w = ldlt.solve(in.mu);
    benchmark::DoNotOptimize(w.data());
  }
}
BENCHMARK(BM_eigen_ldlt_solve)->Arg(50)->Arg(500)->Arg(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
