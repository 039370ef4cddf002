// SPDX-License-Identifier: MIT
// Benchmarks of keel/backtest.hpp beside their limit kernels (issue 21's speed bars).
//
//   BM_backtest_min_variance: 10 years (2,520 rows after a 252-row warm-up) of 500 assets,
//   monthly rebalancing to the long-only minimum-variance portfolio on a 252-day sample
//   covariance (120 decisions). Limit: BM_limit_optimisations, the same 120 windows' covariance
//   and min_variance called directly, nothing else. Bar: the backtest at most 1.5x its limit.
//   BM_backtest_constant_weight: the same table, daily rebalancing to fixed weights (every row a
//   decision and a trade). Limit: BM_limit_plain_loop, the compounded weighted returns of the
//   same weights, one pass over the returns.
//
// Read the ratios from one run:
//   build/bench/benchmarks/backtest_bench --benchmark_min_time=0.5
#include <chrono>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/backtest.hpp>
#include <keel/covariance.hpp>
#include <keel/markowitz.hpp>

namespace {

constexpr Eigen::Index assets = 500, years = 10, window = 252;

/// Prices of a five-factor model with idiosyncratic noise (a well-conditioned covariance).
const keel::price_table& table() {
  static const keel::price_table cached = [] {
    keel::price_table p;
    const Eigen::Index rows = window + 252 * years + 1;
    std::mt19937_64 gen(21);
    std::normal_distribution<double> z(0.0, 1.0);
    Eigen::MatrixXd loadings(assets, 5);
    for (Eigen::Index i = 0; i < loadings.size(); ++i) loadings(i) = 0.5 + 0.5 * z(gen);
    p.prices.resize(rows, assets);
    p.prices.row(0).setConstant(100);
    std::chrono::sys_days day = std::chrono::sys_days(std::chrono::year(2010) / 1 / 4);
    for (Eigen::Index t = 0; t < rows; ++t) {
      while (std::chrono::weekday(day).iso_encoding() > 5) day += std::chrono::days(1);
      p.dates.emplace_back(day);
      day += std::chrono::days(1);
      if (t == 0) continue;
      Eigen::VectorXd f(5);
      for (auto& x : f) x = 0.006 * z(gen);
      for (Eigen::Index i = 0; i < assets; ++i)
        p.prices(t, i) = p.prices(t - 1, i) * (1 + 0.0003 + loadings.row(i).dot(f) + 0.012 * z(gen));
    }
    for (Eigen::Index i = 0; i < assets; ++i) p.symbols.push_back(std::to_string(i).insert(0, 1, 'A'));
    return p;
  }();
  return cached;
}

/// Before timing, both min-variance benchmarks run a cheap backtest of the table: glibc's malloc
/// serves large buffers with fresh mmaps (a page fault per page), and trims the heap, until
/// frees of such buffers raise its thresholds. The first large run in a process pays that
/// (about 2.5 s here on top of 1.5 s: the optimiser's N x N buffers); the benchmarks compare
/// steady states, as a process running many backtests sees.
void warm_up();

const keel::backtest_options& monthly() {
  static const keel::backtest_options o{.start = table().dates[window]};
  return o;
}

void warm_up() {
  benchmark::DoNotOptimize(keel::backtest(table(), keel::equal_weight_strategy(), monthly()).values.back());
}

void BM_backtest_min_variance(benchmark::State& state) {
  const auto& p = table();  // built outside the timing
  warm_up();
  const auto s = keel::min_variance_strategy({.window = window});
  std::ptrdiff_t decisions = 0;
  for (auto _ : state) {
    const auto r = keel::backtest(p, s, monthly());
    decisions = r.decisions;
    benchmark::DoNotOptimize(r.values.back());
  }
  state.counters["decisions"] = static_cast<double>(decisions);
}
BENCHMARK(BM_backtest_min_variance)->Unit(benchmark::kMillisecond)->Iterations(1);

// Limit kernel: the same decisions' estimation and optimisation, found by a first backtest.
void BM_limit_optimisations(benchmark::State& state) {
  const auto& p = table();
  warm_up();
  const auto r = keel::backtest(p, keel::equal_weight_strategy(), monthly());
  std::vector<Eigen::Index> rows;
  for (const auto& e : r.rebalances) rows.push_back(e.row + window);
  Eigen::MatrixXd returns =
      (p.prices.bottomRows(p.prices.rows() - 1).array() / p.prices.topRows(p.prices.rows() - 1).array() - 1).matrix();
  for (auto _ : state) {
    for (const Eigen::Index t : rows) {
      const Eigen::MatrixXd x = returns.middleRows(t - window, window);
      const auto w = keel::min_variance(keel::sample_covariance(x).covariance, keel::weight_bounds::long_only());
      benchmark::DoNotOptimize(w.weights.data());
    }
  }
  state.counters["decisions"] = static_cast<double>(rows.size());
}
BENCHMARK(BM_limit_optimisations)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_backtest_constant_weight(benchmark::State& state) {
  std::vector<double> w(static_cast<std::size_t>(assets), 0.5 / assets);
  w[0] += 0.5;
  const auto s = keel::constant_weight_strategy(w);
  keel::backtest_options o = monthly();
  o.frequency = keel::rebalance_frequency::daily;
  for (auto _ : state) {
    const auto r = keel::backtest(table(), s, o);
    benchmark::DoNotOptimize(r.values.back());
  }
}
BENCHMARK(BM_backtest_constant_weight)->Unit(benchmark::kMillisecond);

// Limit kernel: prod_t (1 + sum_i w_i r_ti) over the same rows, the returns formed in the loop.
void BM_limit_plain_loop(benchmark::State& state) {
  const auto& p = table();
  Eigen::VectorXd w = Eigen::VectorXd::Constant(assets, 0.5 / assets);
  w(0) += 0.5;
  for (auto _ : state) {
    double v = 1;
    for (Eigen::Index t = window + 1; t < p.prices.rows(); ++t) {
      double r = 0;
      for (Eigen::Index i = 0; i < assets; ++i) r += w(i) * (p.prices(t, i) / p.prices(t - 1, i) - 1);
      v *= 1 + r;
    }
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_limit_plain_loop)->Unit(benchmark::kMillisecond);

}  // namespace
