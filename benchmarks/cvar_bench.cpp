// SPDX-License-Identifier: MIT
// Benchmarks of keel/construction.hpp's CVaR and CDaR optimisation beside their limit kernel, one pass
// over the scenarios (the T portfolio losses R w, a T x N matrix-vector product: what any
// method must do at least once, and what each simplex pricing pass costs): the ratio reads
// from one run.
//   build/bench/benchmarks/cvar_bench --benchmark_min_time=0.5
// Counter: simplex_iterations (pivots and bound flips of the dual LP, each one pricing pass or
// less; for CDaR, of the primal LP with 2T rows, each pivot O(T^2) and a new factor O(T^3)).
// Peer figure (issue 19, measured in the same session on these machines; README): SciPy 1.10
// linprog(method='highs') on the primal LP of the same T = 2,520 x N = 50 long-only problem.
#include <random>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/construction.hpp>

namespace {

/// T x N daily-like returns: a common factor, asset betas, means and idiosyncratic
/// volatilities (seeded).
Eigen::MatrixXd panel(Eigen::Index t, Eigen::Index n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  Eigen::VectorXd mean(n), vol(n), beta(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    mean(j) = 0.002 * (u(gen) - 0.3);
    vol(j) = 0.005 + 0.02 * u(gen);
    beta(j) = 0.5 + u(gen);
  }
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double f = 0.01 * z(gen);
    for (Eigen::Index j = 0; j < n; ++j) r(i, j) = mean(j) + beta(j) * f + vol(j) * z(gen);
  }
  return r;
}

/// T x N independent normal returns, asset j with mean 0.0005 j and volatility 0.02 (1 + 0.1 j):
/// no common factor, so the minimum-CVaR portfolio spreads over many assets (a harder LP:
/// about four times the simplex iterations of the factor panel at T = 2,520, N = 50).
Eigen::MatrixXd spread_panel(Eigen::Index t, Eigen::Index n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 0.02);
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      r(i, j) = 0.0005 * static_cast<double>(j) + z(gen) * (1 + 0.1 * static_cast<double>(j));
  return r;
}

void limit_kernel(benchmark::State& state) {
  const Eigen::MatrixXd r = panel(state.range(0), state.range(1), 7);
  Eigen::VectorXd w = Eigen::VectorXd::Constant(r.cols(), 1.0 / static_cast<double>(r.cols()));
  Eigen::VectorXd loss(r.rows());
  for (auto _ : state) {
    loss.noalias() = -(r * w);
    benchmark::DoNotOptimize(loss.data());
    benchmark::ClobberMemory();
  }
}

void min_cvar(benchmark::State& state) {
  const Eigen::MatrixXd r = panel(state.range(0), state.range(1), 7);
  for (auto _ : state) {
    auto result = keel::min_cvar(r, {.confidence = 0.95});
    benchmark::DoNotOptimize(result.cvar);
  }
  // The simplex's work, from the detail layer (the public result holds no solver counters).
  const auto m = keel::detail::make_cvar_model<double>("min_cvar", r, 0.95, keel::portfolio_constraints{});
  state.counters["simplex_iterations"] = static_cast<double>(keel::detail::solve_min_cvar("min_cvar", m).iterations);
}

void min_cvar_spread(benchmark::State& state) {
  const Eigen::MatrixXd r = spread_panel(state.range(0), state.range(1), 7);
  for (auto _ : state) {
    auto result = keel::min_cvar(r, {.confidence = 0.95});
    benchmark::DoNotOptimize(result.cvar);
  }
  const auto m = keel::detail::make_cvar_model<double>("min_cvar", r, 0.95, keel::portfolio_constraints{});
  state.counters["simplex_iterations"] = static_cast<double>(keel::detail::solve_min_cvar("min_cvar", m).iterations);
}

void efficient_cvar_return(benchmark::State& state) {
  const Eigen::MatrixXd r = panel(state.range(0), state.range(1), 7);
  const Eigen::VectorXd mu = r.colwise().mean().transpose() * 252;
  const auto low = keel::min_cvar(r);
  const double target = (mu.dot(low.portfolio.weights) + mu.maxCoeff()) / 2;
  for (auto _ : state) {
    auto result = keel::efficient_cvar_return(mu, r, target);
    benchmark::DoNotOptimize(result.cvar);
  }
}

void efficient_cvar_risk(benchmark::State& state) {
  const Eigen::MatrixXd r = panel(state.range(0), state.range(1), 7);
  const Eigen::VectorXd mu = r.colwise().mean().transpose() * 252;
  const auto low = keel::min_cvar(r);
  const double target = low.cvar * 1.2;
  for (auto _ : state) {
    auto result = keel::efficient_cvar_risk(mu, r, target);
    benchmark::DoNotOptimize(result.portfolio.expected_return);
  }
}

void min_cdar(benchmark::State& state) {
  const Eigen::MatrixXd r = panel(state.range(0), state.range(1), 7);
  for (auto _ : state) {
    auto result = keel::min_cdar(r, {.confidence = 0.95});
    benchmark::DoNotOptimize(result.cdar);
  }
  const auto m = keel::detail::make_cvar_model<double>("min_cdar", r, 0.95, keel::portfolio_constraints{});
  state.counters["simplex_iterations"] =
      static_cast<double>(keel::detail::solve_min_cdar<double>("min_cdar", m, nullptr, 0).iterations);
}

}  // namespace

BENCHMARK(limit_kernel)
    ->Args({2520, 50})
    ->Args({2520, 20})
    ->Args({1000, 20})
    ->Args({500, 20})
    ->Args({250, 20})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(min_cvar)->Args({2520, 50})->Args({2520, 20})->Args({1000, 20})->Unit(benchmark::kMillisecond);
BENCHMARK(min_cvar_spread)->Args({2520, 50})->Unit(benchmark::kMillisecond);
BENCHMARK(efficient_cvar_return)->Args({2520, 50})->Unit(benchmark::kMillisecond);
BENCHMARK(efficient_cvar_risk)->Args({2520, 50})->Unit(benchmark::kMillisecond);
BENCHMARK(min_cdar)->Args({250, 20})->Args({500, 20})->Unit(benchmark::kMillisecond);
