// SPDX-License-Identifier: MIT
// Benchmarks of keel/volatility.hpp beside their limit kernel.
//
//   rolling_volatility, 1,000,000 daily returns,   O(n) whatever the window (sliding moments
//   windows 20, 90 and 252                          with exact restarts, detail/window.hpp);
//                                                   limit: one streaming pass that sums the
//                                                   squares (four accumulators) and writes n
//                                                   results, the least any rolling form must do
//   realized_volatility of all 1,000,000 returns    one pass; limit: the sum of squares alone
//   ewma_volatility, 1,000,000 returns (the path)   one recursion per return
//
//   build/default/benchmarks/volatility_bench --benchmark_min_time=0.5
#include <cstddef>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include <keel/volatility.hpp>

namespace {

const std::vector<double>& returns() {
  static const std::vector<double> data = [] {
    std::mt19937_64 gen(5);
    std::normal_distribution<double> z(0.0004, 0.012);
    std::vector<double> r(1'000'000);
    for (auto& v : r) v = z(gen);
    return r;
  }();
  return data;
}

void counters(benchmark::State& state, std::size_t n) {
  state.SetItemsProcessed(state.iterations() * static_cast<long>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<long>(n * sizeof(double)));
}

// Limit kernel of the rolling forms: read every return once, write one value per window end.
void BM_limit_sliding_sum(benchmark::State& state) {
  const std::vector<double>& r = returns();
  const auto w = static_cast<std::size_t>(state.range(0));
  std::vector<double> out(r.size() - w + 1);
  for (auto _ : state) {
    double s = 0;
    for (std::size_t i = 0; i < w; ++i) s += r[i] * r[i];
    out[0] = s;
    for (std::size_t k = 1; k < out.size(); ++k) {
      s += r[k + w - 1] * r[k + w - 1] - r[k - 1] * r[k - 1];
      out[k] = s;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  counters(state, r.size());
}
BENCHMARK(BM_limit_sliding_sum)->Arg(20)->Arg(90)->Arg(252)->Unit(benchmark::kMicrosecond);

void BM_rolling_volatility(benchmark::State& state) {
  const std::vector<double>& r = returns();
  const std::ptrdiff_t window = state.range(0);
  keel::rolling_volatility_result<double> out;
  keel::rolling_volatility_result<double>::workspace ws;
  keel::rolling_volatility(r, window, out, ws);  // sized once: the timed calls reuse both
  for (auto _ : state) {
    keel::rolling_volatility(r, window, out, ws);
    benchmark::DoNotOptimize(out.volatilities.data());
    benchmark::ClobberMemory();
  }
  counters(state, r.size());
}
BENCHMARK(BM_rolling_volatility)->Arg(20)->Arg(90)->Arg(252)->Unit(benchmark::kMicrosecond);

void BM_rolling_volatility_fresh(benchmark::State& state) {
  const std::vector<double>& r = returns();
  for (auto _ : state) {
    auto out = keel::rolling_volatility(r, 90);
    benchmark::DoNotOptimize(out.volatilities.data());
  }
  counters(state, r.size());
}
BENCHMARK(BM_rolling_volatility_fresh)->Unit(benchmark::kMicrosecond);

// Limit kernel of the one-window forms: the sum of squares, four accumulators.
void BM_limit_sum_of_squares(benchmark::State& state) {
  const std::vector<double>& r = returns();
  for (auto _ : state) {
    double a[4] = {};
    std::size_t i = 0;
    for (; i + 4 <= r.size(); i += 4)
      for (std::size_t l = 0; l < 4; ++l) a[l] += r[i + l] * r[i + l];
    double s = (a[0] + a[1]) + (a[2] + a[3]);
    benchmark::DoNotOptimize(s);
  }
  counters(state, r.size());
}
BENCHMARK(BM_limit_sum_of_squares)->Unit(benchmark::kMicrosecond);

void BM_realized_volatility(benchmark::State& state) {
  const std::vector<double>& r = returns();
  const bool demean = state.range(0) != 0;
  for (auto _ : state) {
    double v = keel::realized_volatility(r, static_cast<std::ptrdiff_t>(r.size()), {.demean = demean});
    benchmark::DoNotOptimize(v);
  }
  counters(state, r.size());
}
BENCHMARK(BM_realized_volatility)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_ewma_volatility(benchmark::State& state) {
  const std::vector<double>& r = returns();
  keel::ewma_volatility_result<double> out;
  keel::ewma_volatility(r, out);
  for (auto _ : state) {
    keel::ewma_volatility(r, out);
    benchmark::DoNotOptimize(out.volatilities.data());
    benchmark::ClobberMemory();
  }
  counters(state, r.size());
}
BENCHMARK(BM_ewma_volatility)->Unit(benchmark::kMicrosecond);

}  // namespace
