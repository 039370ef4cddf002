// SPDX-License-Identifier: MIT
// Benchmarks of keel/beta.hpp beside their limit kernels.
//
//   market_beta, 1,000,000 pairs        O(n), usually one pass; limit: one streaming pass that
//                                       sums both arrays (four accumulators each, as keel uses)
//   rolling_beta, 500 assets x 2,520    O(T N) whatever the window; limit: one streaming pass
//   days, windows 20, 90 and 252        over the same panel. Timed with all three statistics,
//                                       with betas only, allocating, and as 500 series calls
//
// Read the ratio keel / limit from one run:
//   build/default/benchmarks/beta_bench --benchmark_min_time=0.5
// Reference points from the issue (one core of these machines): numpy's closed-form beta on
// 1,000,000 pairs takes about 12 ms; numpy's sliding-window rolling beta of the panel about 47 ms.
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/beta.hpp>

namespace {

struct pairs {
  std::vector<double> asset, market;
};

const pairs& million_pairs() {
  static const pairs data = [] {
    pairs p;
    std::mt19937_64 gen(1);
    std::normal_distribution<double> m(0.0004, 0.012), e(0.0, 0.01);
    p.asset.resize(1'000'000);
    p.market.resize(1'000'000);
    for (std::size_t i = 0; i < p.market.size(); ++i) {
      p.market[i] = m(gen);
      p.asset[i] = 0.0002 + 1.3 * p.market[i] + e(gen);
    }
    return p;
  }();
  return data;
}

void BM_market_beta(benchmark::State& state) {
  const pairs& p = million_pairs();
  for (auto _ : state) {
    auto fit = keel::market_beta(p.asset, p.market);
    benchmark::DoNotOptimize(fit);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(p.asset.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<long>(2 * p.asset.size() * sizeof(double)));
}
BENCHMARK(BM_market_beta)->Unit(benchmark::kMicrosecond);

// Limit kernel: the least any algorithm must do, read both arrays once.
void BM_limit_sum_both(benchmark::State& state) {
  const pairs& p = million_pairs();
  const double* x = p.market.data();
  const double* y = p.asset.data();
  const std::size_t n = p.market.size();
  for (auto _ : state) {
    double sx[4] = {}, sy[4] = {};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (std::size_t l = 0; l < 4; ++l) {
        sx[l] += x[i + l];
        sy[l] += y[i + l];
      }
    for (; i < n; ++i) sx[0] += x[i], sy[0] += y[i];
    double total = (sx[0] + sx[1]) + (sx[2] + sx[3]) + (sy[0] + sy[1]) + (sy[2] + sy[3]);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<long>(2 * n * sizeof(double)));
}
BENCHMARK(BM_limit_sum_both)->Unit(benchmark::kMicrosecond);

struct panel_data {
  Eigen::MatrixXd assets;
  std::vector<double> market;
};

const panel_data& panel() {
  static const panel_data data = [] {
    panel_data d;
    const Eigen::Index days = 2520, n = 500;
    std::mt19937_64 gen(2);
    std::normal_distribution<double> m(0.0004, 0.012), e(0.0, 0.015), b(1.0, 0.4);
    d.market.resize(static_cast<std::size_t>(days));
    for (auto& v : d.market) v = m(gen);
    d.assets.resize(days, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double beta = b(gen);
      for (Eigen::Index i = 0; i < days; ++i) d.assets(i, j) = beta * d.market[static_cast<std::size_t>(i)] + e(gen);
    }
    return d;
  }();
  return data;
}

// The window is the argument: 20, 90 and 252 take the same time (O(T N) whatever the window;
// a longer window only means fewer windows).
void BM_rolling_beta_panel(benchmark::State& state) {
  const panel_data& d = panel();
  const std::ptrdiff_t window = state.range(0);
  keel::rolling_beta_panel<double> out;
  keel::rolling_beta_panel<double>::workspace ws;
  keel::rolling_beta(d.assets, d.market, window, out, ws);  // sized once: the timed calls reuse both
  for (auto _ : state) {
    keel::rolling_beta(d.assets, d.market, window, out, ws);
    benchmark::DoNotOptimize(out.betas.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * d.assets.size());
  state.SetBytesProcessed(state.iterations() * d.assets.size() * static_cast<long>(sizeof(double)));
}
BENCHMARK(BM_rolling_beta_panel)->Arg(20)->Arg(90)->Arg(252)->Unit(benchmark::kMicrosecond);

// Betas only (rolling_beta_options{.alpha = false, .r_squared = false}): a third of the writes.
void BM_rolling_beta_panel_beta_only(benchmark::State& state) {
  const panel_data& d = panel();
  const keel::rolling_beta_options betas_only{.alpha = false, .r_squared = false};
  keel::rolling_beta_panel<double> out;
  keel::rolling_beta_panel<double>::workspace ws;
  keel::rolling_beta(d.assets, d.market, 90, out, ws, betas_only);
  for (auto _ : state) {
    keel::rolling_beta(d.assets, d.market, 90, out, ws, betas_only);
    benchmark::DoNotOptimize(out.betas.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * d.assets.size());
  state.SetBytesProcessed(state.iterations() * d.assets.size() * static_cast<long>(sizeof(double)));
}
BENCHMARK(BM_rolling_beta_panel_beta_only)->Unit(benchmark::kMicrosecond);

// The allocating form: includes first-touch page faults of three fresh 10 MB result matrices.
void BM_rolling_beta_panel_alloc(benchmark::State& state) {
  const panel_data& d = panel();
  for (auto _ : state) {
    auto out = keel::rolling_beta(d.assets, d.market, 90);
    benchmark::DoNotOptimize(out.betas.data());
  }
  state.SetItemsProcessed(state.iterations() * d.assets.size());
}
BENCHMARK(BM_rolling_beta_panel_alloc)->Unit(benchmark::kMicrosecond);

// 500 single-series calls: the market's window statistics are recomputed for every asset.
void BM_rolling_beta_single_x500(benchmark::State& state) {
  const panel_data& d = panel();
  for (auto _ : state) {
    for (Eigen::Index j = 0; j < d.assets.cols(); ++j) {
      auto fits = keel::rolling_beta(d.assets.col(j), d.market, 90);
      benchmark::DoNotOptimize(fits.betas.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * d.assets.size());
}
BENCHMARK(BM_rolling_beta_single_x500)->Unit(benchmark::kMicrosecond);

// Limit kernel: one streaming pass over the same panel.
void BM_limit_panel_sum(benchmark::State& state) {
  const panel_data& d = panel();
  const double* x = d.assets.data();
  const auto n = static_cast<std::size_t>(d.assets.size());
  for (auto _ : state) {
    double s[4] = {};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
      for (std::size_t l = 0; l < 4; ++l) s[l] += x[i + l];
    for (; i < n; ++i) s[0] += x[i];
    double total = (s[0] + s[1]) + (s[2] + s[3]);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * d.assets.size());
  state.SetBytesProcessed(state.iterations() * d.assets.size() * static_cast<long>(sizeof(double)));
}
BENCHMARK(BM_limit_panel_sum)->Unit(benchmark::kMicrosecond);

}  // namespace
