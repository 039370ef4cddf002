// SPDX-License-Identifier: MIT
// benchmarks/series_bench.cpp: keel::align and keel::simple_returns beside their limit kernels.
//
// Complexity claims (keel/series.hpp)
//   align(a, b)             O(n + m) time, O(min(n, m)) extra memory. One pass over each series
//                           validates it (lengths, strictly increasing keys, no infinity), then
//                           one merge pass walks both key arrays once; the output is reserved once.
//   align(a, b, out)        the same into a reused result: no allocation.
//   simple_returns(p)       O(n): one pass, one subtraction and one division per price, plus the
//                           allocation of the n-1 results.
//   simple_returns(p, out)  O(n), no allocation: the hot-path form.
//   (log_returns has the same shape; its log1p per element is shown for scale.)
//
// Limit kernels
//   Each keel kernel runs beside a plain std::copy of the same input into a buffer allocated
//   once, outside the timed loop: reading every input byte once and writing it once is the least
//   any O(n) algorithm over that data can do. For align the limit copies both key arrays and both
//   value arrays (all 4 x 1,000,000 x 8 bytes); for the returns it copies the prices.
//
// How to read the output
//   bytes_per_second counts the *input* bytes (keys and values, or prices) for keel and for its
//   limit alike, so the two throughputs compare directly; the ratio time(keel) / time(limit) is
//   what the algorithm costs above touching the data. Both are linear, so the ratio does not grow
//   with n; a sort, a binary search per row or a nested loop would make it grow with log n or n.
//   series_test.cpp checks the linear bound without a clock, by counting key comparisons.
//
//   Measured (g++ 12 -O3, AMD EPYC, 2 shared cores, 1,000,000 rows, median CPU time of 3):
//     align                 12.2 ms   5.2 x  copy of keys+values (2.3 ms)
//     align(a, b, out)       4.9 ms   2.1 x  (output reused)
//     simple_returns         1.40 ms  5.9 x  copy of prices (0.24 ms)
//     simple_returns(p, out) 1.28 ms  5.4 x
//     log_returns(p, out)    5.3 ms    22 x  (log1p per element, and its domain check)
//   The returns are bound by one scalar division per element (~1.3 ns) against a vectorised
//   memcpy from L3; a separate validation pass does not help (measured: slower). About 7 ms of
//   the allocating align is the kernel zero-filling fresh pages for its three 8 MB result
//   vectors, which glibc returns to the OS on every free; align(a, b, out) into a reused
//   result skips that and is within 2.1 x of the copy.
//
// Data (deterministic): align joins two dated_series<std::int64_t, double> of 1,000,000 rows each,
// keyed by minute timestamps. From the run of minutes k = 0, 1, 2, ... the first series leaves
// out k % 10 == 0 and the second k % 10 == 5, so 8 of every 9 rows (89%) of each have a partner.
// The prices are a random walk from std::mt19937_64 with a fixed seed.
//
// Run:  series_bench --benchmark_min_time=0.2
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include <keel/series.hpp>

namespace {

constexpr std::int64_t rows = 1'000'000;

std::vector<double> random_walk(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> step(-0.01, 0.01);
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(n));
  double price = 100.0;
  for (std::int64_t i = 0; i < n; ++i) {
    price *= 1.0 + step(gen);
    out.push_back(price);
  }
  return out;
}

/// Minute timestamps from 2024-01-01T00:00Z, leaving out every minute with k % 10 == skip.
std::vector<std::int64_t> timestamps(std::int64_t n, std::int64_t skip) {
  constexpr std::int64_t epoch = 1'704'067'200;
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; std::ssize(out) < n; ++k)
    if (k % 10 != skip) out.push_back(epoch + 60 * k);
  return out;
}

struct align_data {
  keel::dated_series<std::int64_t, double> a{timestamps(rows, 0), random_walk(rows, 1)};
  keel::dated_series<std::int64_t, double> b{timestamps(rows, 5), random_walk(rows, 2)};
  /// Input bytes of one join: both key arrays and both value arrays.
  std::int64_t bytes = 2 * rows * static_cast<std::int64_t>(sizeof(std::int64_t) + sizeof(double));
};

const align_data& align_fixture() {
  static const align_data data;
  return data;
}

const std::vector<double>& prices() {
  static const std::vector<double> data = random_walk(rows, 3);
  return data;
}

constexpr std::int64_t price_bytes = rows * static_cast<std::int64_t>(sizeof(double));

// ---------------------------------------------------------------------------------------------
// align

void bm_align(benchmark::State& state) {
  const align_data& d = align_fixture();
  std::size_t joined = 0;
  for ([[maybe_unused]] auto _ : state) {
    auto j = keel::align(d.a, d.b);
    benchmark::DoNotOptimize(j.keys.data());
    benchmark::DoNotOptimize(j.first.data());
    benchmark::DoNotOptimize(j.second.data());
    benchmark::ClobberMemory();
    joined = j.keys.size();
  }
  state.SetBytesProcessed(state.iterations() * d.bytes);
  state.counters["rows_joined"] = static_cast<double>(joined);
}
BENCHMARK(bm_align)->Unit(benchmark::kMillisecond);

void bm_align_into(benchmark::State& state) {
  const align_data& d = align_fixture();
  keel::aligned_series<std::int64_t, double> out;
  keel::align(d.a, d.b, out);  // capacity for the join, outside the timed loop
  for ([[maybe_unused]] auto _ : state) {
    keel::align(d.a, d.b, out);
    benchmark::DoNotOptimize(out.keys.data());
    benchmark::DoNotOptimize(out.first.data());
    benchmark::DoNotOptimize(out.second.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * d.bytes);
}
BENCHMARK(bm_align_into)->Unit(benchmark::kMillisecond);

/// Limit: copy every input byte of the join (two key arrays, two value arrays) once.
void bm_align_limit_copy(benchmark::State& state) {
  const align_data& d = align_fixture();
  const auto n = static_cast<std::size_t>(rows);
  std::vector<std::int64_t> keys_a(n), keys_b(n);
  std::vector<double> values_a(n), values_b(n);
  for ([[maybe_unused]] auto _ : state) {
    std::copy(d.a.keys().begin(), d.a.keys().end(), keys_a.begin());
    std::copy(d.a.values().begin(), d.a.values().end(), values_a.begin());
    std::copy(d.b.keys().begin(), d.b.keys().end(), keys_b.begin());
    std::copy(d.b.values().begin(), d.b.values().end(), values_b.begin());
    benchmark::DoNotOptimize(keys_a.data());
    benchmark::DoNotOptimize(values_a.data());
    benchmark::DoNotOptimize(keys_b.data());
    benchmark::DoNotOptimize(values_b.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * d.bytes);
}
BENCHMARK(bm_align_limit_copy)->Unit(benchmark::kMillisecond);

// ---------------------------------------------------------------------------------------------
// simple_returns (and log_returns for scale)

void bm_simple_returns(benchmark::State& state) {
  const std::vector<double>& p = prices();
  for ([[maybe_unused]] auto _ : state) {
    auto r = keel::simple_returns(p);
    benchmark::DoNotOptimize(r.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * price_bytes);
}
BENCHMARK(bm_simple_returns)->Unit(benchmark::kMillisecond);

void bm_simple_returns_into(benchmark::State& state) {
  const std::vector<double>& p = prices();
  std::vector<double> out(p.size() - 1);
  for ([[maybe_unused]] auto _ : state) {
    keel::simple_returns(p, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * price_bytes);
}
BENCHMARK(bm_simple_returns_into)->Unit(benchmark::kMillisecond);

void bm_log_returns_into(benchmark::State& state) {
  const std::vector<double>& p = prices();
  std::vector<double> out(p.size() - 1);
  for ([[maybe_unused]] auto _ : state) {
    keel::log_returns(p, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * price_bytes);
}
BENCHMARK(bm_log_returns_into)->Unit(benchmark::kMillisecond);

/// Limit: copy the prices once into a buffer allocated outside the loop.
void bm_returns_limit_copy(benchmark::State& state) {
  const std::vector<double>& p = prices();
  std::vector<double> out(p.size());
  for ([[maybe_unused]] auto _ : state) {
    std::copy(p.begin(), p.end(), out.begin());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * price_bytes);
}
BENCHMARK(bm_returns_limit_copy)->Unit(benchmark::kMillisecond);

}  // namespace
