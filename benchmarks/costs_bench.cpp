// SPDX-License-Identifier: MIT
// Benchmarks of keel/costs.hpp beside their limit kernels.
//
//   almgren_chriss, N = 10, 100, 1000   O(N): checks, kappa (one acosh), N + 1 holdings of
//                                       e^{-kappa t} expm1(-2 kappa (T - t)) / expm1(-2 kappa T),
//                                       the trades and E, V; three vectors allocated per call
//                                       (costs.hpp has no out form). Limit: a plain loop
//                                       writing the N + 1 holdings of that formula into a
//                                       buffer allocated once. Peers: twap_schedule and
//                                       schedule_cost of the same N.
//   1,000 orders, square-root law       order_cost per order, and estimate_costs of the list
//                                       (it allocates its result and names each order for its
//                                       errors). Limit: a plain loop computing (a + c sigma
//                                       sqrt(|x| / ADV)) P |x| over arrays and summing.
//
// Read the ratios from one run:
//   build/bench/benchmarks/costs_bench --benchmark_min_time=0.2
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <keel/costs.hpp>

namespace {

// The paper's example (Almgren and Chriss 2001): 10^6 shares over 5 days.
keel::ac_parameters paper() {
  keel::ac_parameters p;
  p.horizon = 5;
  p.volatility = 0.95;
  p.permanent_impact = 2.5e-7;
  p.temporary_impact = 2.5e-6;
  p.fixed_cost = 0.0625;
  p.risk_aversion = 1e-6;
  return p;
}

void BM_almgren_chriss(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  keel::ac_parameters p = paper();
  for (auto _ : state) {
    auto s = keel::almgren_chriss(1e6, n, p);
    benchmark::DoNotOptimize(s.holdings.data());
    p.risk_aversion += 1e-18;  // a fresh kappa every call
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_almgren_chriss)->Arg(10)->Arg(100)->Arg(1000);

void BM_limit_sinh_holdings(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const double big_t = 5, tau = big_t / static_cast<double>(n);
  double lambda = 1e-6;
  std::vector<double> x(n + 1);
  for (auto _ : state) {
    const double eta_tilde = 2.5e-6 - 0.5 * 2.5e-7 * tau;
    const double kappa = std::acosh(1 + tau * tau * lambda * 0.95 * 0.95 / (2 * eta_tilde)) / tau;
    const double d = std::expm1(-2 * kappa * big_t);
    for (std::size_t k = 0; k <= n; ++k) {
      const double t = static_cast<double>(k) * tau;
      x[k] = 1e6 * std::exp(-kappa * t) * std::expm1(-2 * kappa * (big_t - t)) / d;
    }
    benchmark::DoNotOptimize(x.data());
    benchmark::ClobberMemory();
    lambda += 1e-18;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_limit_sinh_holdings)->Arg(10)->Arg(100)->Arg(1000);

void BM_twap_schedule(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const keel::ac_parameters p = paper();
  double shares = 1e6;
  for (auto _ : state) {
    auto s = keel::twap_schedule(shares, n, p);
    benchmark::DoNotOptimize(s.holdings.data());
    shares += 1;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_twap_schedule)->Arg(10)->Arg(100)->Arg(1000);

void BM_schedule_cost(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  keel::ac_parameters p = paper();
  const std::vector<double> trades = keel::almgren_chriss(1e6, n, p).trades;
  for (auto _ : state) {
    auto s = keel::schedule_cost(trades, p);
    benchmark::DoNotOptimize(s.holdings.data());
    p.risk_aversion += 1e-18;
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_schedule_cost)->Arg(10)->Arg(100)->Arg(1000);

// 1,000 orders under the square-root law, each within its day's volume.
const std::vector<keel::cost_order>& orders() {
  static const std::vector<keel::cost_order> list = [] {
    std::mt19937_64 gen(22);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<keel::cost_order> out;
    for (int i = 0; i < 1000; ++i) {
      keel::cost_model m{1e-4 + 1e-3 * u(gen), 1e-4, 0.5 + u(gen), 0.01 + 0.03 * u(gen), 1e5 + 1e7 * u(gen)};
      const double x = (u(gen) < 0.5 ? -1 : 1) * 0.2 * m.daily_volume * u(gen);
      // Not "S" + std::to_string(i): g++ 12's -Wrestrict misfires on it.
      out.push_back({std::string(1, 'S') += std::to_string(i), x, 5 + 500 * u(gen), m});
    }
    return out;
  }();
  return list;
}

void BM_order_cost_1000(benchmark::State& state) {
  const auto& list = orders();
  for (auto _ : state) {
    double total = 0;
    for (const auto& o : list) total += keel::order_cost(o.quantity, o.price, o.model).total;
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_order_cost_1000);

void BM_estimate_costs_1000(benchmark::State& state) {
  const auto& list = orders();
  for (auto _ : state) {
    auto e = keel::estimate_costs(list);
    benchmark::DoNotOptimize(e.total);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_estimate_costs_1000);

void BM_limit_cost_formula_1000(benchmark::State& state) {
  const auto& list = orders();
  // Structure of arrays: the formula's inputs, nothing else.
  std::vector<double> x, price, a, c_sigma, adv;
  for (const auto& o : list) {
    x.push_back(o.quantity);
    price.push_back(o.price);
    a.push_back(o.model.half_spread + o.model.commission);
    c_sigma.push_back(o.model.impact * o.model.volatility);
    adv.push_back(o.model.daily_volume);
  }
  for (auto _ : state) {
    double total = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double size = std::fabs(x[i]);
      total += (a[i] + c_sigma[i] * std::sqrt(size / adv[i])) * price[i] * size;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_limit_cost_formula_1000);

}  // namespace
