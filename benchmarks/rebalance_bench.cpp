// SPDX-License-Identifier: MIT
// Benchmarks of keel/rebalance.hpp beside their limit kernels.
//
//   rebalance_orders, 1,000 positions   O(n) a round (two rounds: the plan, then its check at
//   to = target, to = band_edge         the value it leaves), plus the funding search when the
//                                       buys need more than the cash; limit: one pass over the
//                                       book computing every weight and drift
//   the same, square-root impact models  each order's cost adds a sqrt (and the funding search
//   (one per position)                  reruns if the cash falls short); same limit kernel
//   discrete_allocation, 30 positions   greedy: O(n) a lot of the second round; exact: branch
//                                       and bound from the greedy incumbent; limit: one pass
//                                       computing floor(w_i V / p_i)
//
//   build/default/benchmarks/rebalance_bench --benchmark_min_time=0.5
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include <keel/costs.hpp>
#include <keel/rebalance.hpp>

namespace {

struct book {
  std::vector<double> holdings, prices, targets;
  double cash = 0;
};

// A drifted book: equal targets, holdings that moved by up to +-40% from them.
const book& thousand() {
  static const book b = [] {
    book out;
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> u(0, 1);
    const std::size_t n = 1000;
    const double value = 1e8;
    for (std::size_t i = 0; i < n; ++i) {
      out.prices.push_back(5 + 495 * u(gen));
      out.targets.push_back(0.99 / static_cast<double>(n));
      out.holdings.push_back(std::floor(value * out.targets.back() * (0.6 + 0.8 * u(gen)) / out.prices.back()));
    }
    out.cash = 0.01 * value;
    return out;
  }();
  return b;
}

void BM_rebalance_1000_target(benchmark::State& state) {
  const book& b = thousand();
  const keel::rebalance_options o{.band = 0.0002, .cash = b.cash, .min_trade_value = 100, .cost_bps = 5};
  for (auto _ : state) {
    auto plan = keel::rebalance_orders(b.holdings, b.prices, b.targets, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_rebalance_1000_target)->Unit(benchmark::kMicrosecond);

void BM_rebalance_1000_band_edge(benchmark::State& state) {
  const book& b = thousand();
  const keel::rebalance_options o{.band = keel::drift_band::relative(0.2),
                                  .to = keel::rebalance_to::band_edge,
                                  .cash = b.cash,
                                  .min_trade_value = 100,
                                  .cost_bps = 5};
  for (auto _ : state) {
    auto plan = keel::rebalance_orders(b.holdings, b.prices, b.targets, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_rebalance_1000_band_edge)->Unit(benchmark::kMicrosecond);

// Square-root impact per position: spreads of 1-5 bps, Barra's c = 1, daily volatility 2%,
// daily volumes of 20x-200x the position (the volume rule never binds).
const std::vector<keel::cost_model>& thousand_models() {
  static const std::vector<keel::cost_model> models = [] {
    const book& b = thousand();
    std::vector<keel::cost_model> out;
    std::mt19937_64 gen(11);
    std::uniform_real_distribution<double> u(0, 1);
    for (std::size_t i = 0; i < b.holdings.size(); ++i)
      out.push_back({.half_spread = 1e-4 + 4e-4 * u(gen),
                     .impact = 1,
                     .volatility = 0.02,
                     .daily_volume = (20 + 180 * u(gen)) * (b.holdings[i] + 1)});
    return out;
  }();
  return models;
}

void BM_rebalance_1000_target_impact(benchmark::State& state) {
  const book& b = thousand();
  keel::rebalance_options o{.band = 0.0002, .cash = b.cash, .min_trade_value = 100, .cost_bps = 5};
  o.costs = thousand_models();
  for (auto _ : state) {
    auto plan = keel::rebalance_orders(b.holdings, b.prices, b.targets, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_rebalance_1000_target_impact)->Unit(benchmark::kMicrosecond);

void BM_rebalance_1000_band_edge_impact(benchmark::State& state) {
  const book& b = thousand();
  keel::rebalance_options o{.band = keel::drift_band::relative(0.2),
                            .to = keel::rebalance_to::band_edge,
                            .cash = b.cash,
                            .min_trade_value = 100,
                            .cost_bps = 5};
  o.costs = thousand_models();
  for (auto _ : state) {
    auto plan = keel::rebalance_orders(b.holdings, b.prices, b.targets, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_rebalance_1000_band_edge_impact)->Unit(benchmark::kMicrosecond);

void BM_limit_book_pass(benchmark::State& state) {
  const book& b = thousand();
  std::vector<double> drift(b.holdings.size());
  for (auto _ : state) {
    double value = b.cash;
    for (std::size_t i = 0; i < b.holdings.size(); ++i) value += b.holdings[i] * b.prices[i];
    for (std::size_t i = 0; i < b.holdings.size(); ++i) drift[i] = b.holdings[i] * b.prices[i] / value - b.targets[i];
    benchmark::DoNotOptimize(drift.data());
  }
}
BENCHMARK(BM_limit_book_pass)->Unit(benchmark::kMicrosecond);

struct allocation_data {
  std::vector<double> weights, prices;
  double value = 0;
};

const allocation_data& thirty() {
  static const allocation_data d = [] {
    allocation_data out;
    std::mt19937_64 gen(9);
    std::uniform_real_distribution<double> u(0, 1);
    double sum = 0;
    for (int i = 0; i < 30; ++i) {
      out.weights.push_back(u(gen));
      sum += out.weights.back();
      out.prices.push_back(10 + 490 * u(gen));
    }
    for (double& w : out.weights) w /= sum;
    out.value = 50'000;
    return out;
  }();
  return d;
}

void BM_discrete_allocation_30_exact(benchmark::State& state) {
  const allocation_data& d = thirty();
  for (auto _ : state) {
    auto a = keel::discrete_allocation(d.weights, d.prices, d.value, {.method = keel::allocation_method::exact});
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_discrete_allocation_30_exact);

void BM_discrete_allocation_30_greedy(benchmark::State& state) {
  const allocation_data& d = thirty();
  for (auto _ : state) {
    auto a = keel::discrete_allocation(d.weights, d.prices, d.value);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_discrete_allocation_30_greedy);

void BM_limit_allocation_pass(benchmark::State& state) {
  const allocation_data& d = thirty();
  std::vector<double> q(d.weights.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = std::floor(d.weights[i] * d.value / d.prices[i]);
    benchmark::DoNotOptimize(q.data());
  }
}
BENCHMARK(BM_limit_allocation_pass);

}  // namespace
