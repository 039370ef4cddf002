// SPDX-License-Identifier: MIT
// Benchmarks of keel/performance.hpp, keel/concentration.hpp and keel/attribution.hpp beside
// their limit kernels.
//
//   every ratio on a 2,520-day series      O(n) (tail_ratio: O(n) selection on a copy); limit:
//                                          one streaming pass summing the series
//   rolling_sharpe, rolling_max_drawdown   O(n) whatever the window: windows 20, 90, 252 take the
//   on 2,520 days, windows 20/90/252       same time (reused outputs: no allocation)
//   hhi, concentration_metrics,            O(n) / O(n log n); limit: one pass over the weights
//   sector_exposure on 1,000 positions
//   brinson_attribution over 1,000 sectors, linked_attribution over 120 months x 11 sectors
//
// Read the ratio keel / limit from one run:
//   build/default/benchmarks/analytics_bench --benchmark_min_time=0.2
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/attribution.hpp>
#include <keel/concentration.hpp>
#include <keel/performance.hpp>

namespace {

struct daily {
  std::vector<double> returns, market;
};

const daily& series() {
  static const daily d = [] {
    daily s;
    std::mt19937_64 gen(1);
    std::normal_distribution<double> m(0.0004, 0.011), e(0.0, 0.009);
    for (int i = 0; i < 2520; ++i) {
      s.market.push_back(m(gen));
      s.returns.push_back(0.0001 + 1.1 * s.market.back() + e(gen));
    }
    return s;
  }();
  return d;
}

// Limit kernel: one streaming pass over the series (four accumulators).
double sum4(const std::vector<double>& x) {
  double s[4] = {};
  std::size_t i = 0;
  for (; i + 4 <= x.size(); i += 4)
    for (std::size_t l = 0; l < 4; ++l) s[l] += x[i + l];
  for (; i < x.size(); ++i) s[0] += x[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

void BM_limit_sum_2520(benchmark::State& state) {
  const auto& d = series();
  for (auto _ : state) benchmark::DoNotOptimize(sum4(d.returns));
  state.SetItemsProcessed(state.iterations() * 2520);
}
BENCHMARK(BM_limit_sum_2520);

#define KEEL_SERIES_BENCH(name, expr)                   \
  void BM_##name(benchmark::State& state) {             \
    const auto& d = series();                           \
    for (auto _ : state) {                              \
      auto v = (expr);                                  \
      benchmark::DoNotOptimize(v);                      \
    }                                                   \
    state.SetItemsProcessed(state.iterations() * 2520); \
  }                                                     \
  BENCHMARK(BM_##name)

KEEL_SERIES_BENCH(max_drawdown, keel::max_drawdown(d.returns).depth);
KEEL_SERIES_BENCH(annual_return, keel::annual_return(d.returns));
KEEL_SERIES_BENCH(annual_volatility, keel::annual_volatility(d.returns));
KEEL_SERIES_BENCH(sharpe_ratio, keel::sharpe_ratio(d.returns));
KEEL_SERIES_BENCH(sortino_ratio, keel::sortino_ratio(d.returns));
KEEL_SERIES_BENCH(calmar_ratio, keel::calmar_ratio(d.returns));
KEEL_SERIES_BENCH(omega_ratio, keel::omega_ratio(d.returns));
KEEL_SERIES_BENCH(tail_ratio, keel::tail_ratio(d.returns));
KEEL_SERIES_BENCH(stability, keel::stability(d.returns));
KEEL_SERIES_BENCH(alpha_beta, keel::alpha_beta(d.returns, d.market).alpha);
KEEL_SERIES_BENCH(treynor_ratio, keel::treynor_ratio(d.returns, d.market));
KEEL_SERIES_BENCH(information_ratio, keel::information_ratio(d.returns, d.market));
KEEL_SERIES_BENCH(capture_ratios, keel::capture_ratios(d.returns, d.market).ratio);
KEEL_SERIES_BENCH(top_drawdowns_5, keel::top_drawdowns(d.returns, 5).size());

void BM_drawdown_series_out(benchmark::State& state) {
  const auto& d = series();
  std::vector<double> out(d.returns.size());
  for (auto _ : state) {
    keel::drawdown_series(d.returns, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 2520);
}
BENCHMARK(BM_drawdown_series_out);

// The window is the argument: the time does not grow with it.
void BM_rolling_sharpe(benchmark::State& state) {
  const auto& d = series();
  keel::rolling_sharpe_result<double> out;
  keel::rolling_sharpe_result<double>::workspace ws;
  keel::rolling_sharpe(d.returns, state.range(0), out, ws);
  for (auto _ : state) {
    keel::rolling_sharpe(d.returns, state.range(0), out, ws);
    benchmark::DoNotOptimize(out.sharpe_ratios.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 2520);
}
BENCHMARK(BM_rolling_sharpe)->Arg(20)->Arg(90)->Arg(252);

void BM_rolling_max_drawdown(benchmark::State& state) {
  const auto& d = series();
  keel::rolling_drawdown_result<double> out;
  keel::rolling_drawdown_result<double>::workspace ws;
  keel::rolling_max_drawdown(d.returns, state.range(0), out, ws);
  for (auto _ : state) {
    keel::rolling_max_drawdown(d.returns, state.range(0), out, ws);
    benchmark::DoNotOptimize(out.depths.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * 2520);
}
BENCHMARK(BM_rolling_max_drawdown)->Arg(20)->Arg(90)->Arg(252);

struct book {
  std::vector<double> weights;
  std::vector<std::string> names, sectors;
  std::vector<std::pair<std::string, double>> benchmark;
};

const book& positions() {
  static const book b = [] {
    book out;
    const std::vector<std::string> gics{"Communication Services",
                                        "Consumer Discretionary",
                                        "Consumer Staples",
                                        "Energy",
                                        "Financials",
                                        "Health Care",
                                        "Industrials",
                                        "Information Technology",
                                        "Materials",
                                        "Real Estate",
                                        "Utilities"};
    std::mt19937_64 gen(2);
    std::lognormal_distribution<double> size(0.0, 1.0);
    for (int i = 0; i < 1000; ++i) {
      out.weights.push_back(size(gen));
      std::string name = "S";  // appended: GCC 12 -Wrestrict false positive on "S" + string (PR 105329)
      name += std::to_string(i);
      out.names.push_back(name);
      out.sectors.push_back(gics[static_cast<std::size_t>(i) % gics.size()]);
    }
    for (const auto& g : gics) out.benchmark.emplace_back(g, 1.0 / static_cast<double>(gics.size()));
    return out;
  }();
  return b;
}

void BM_limit_sum_1000(benchmark::State& state) {
  const auto& b = positions();
  for (auto _ : state) benchmark::DoNotOptimize(sum4(b.weights));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_limit_sum_1000);

void BM_hhi(benchmark::State& state) {
  const auto& b = positions();
  for (auto _ : state) benchmark::DoNotOptimize(keel::hhi(b.weights));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_hhi);

void BM_concentration_metrics(benchmark::State& state) {
  const auto& b = positions();
  for (auto _ : state) {
    auto c = keel::concentration_metrics(b.weights, b.names);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_concentration_metrics);

void BM_sector_exposure(benchmark::State& state) {
  const auto& b = positions();
  for (auto _ : state) {
    auto s = keel::sector_exposure(b.weights, b.sectors, b.benchmark, {.normalise_benchmark = true});
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_sector_exposure);

void BM_brinson_1000(benchmark::State& state) {
  const auto& b = positions();
  std::vector<double> wb(1000, 1.0 / 1000), rp(1000), rb(1000);
  for (std::size_t i = 0; i < 1000; ++i) {
    rp[i] = 0.001 * static_cast<double>(i % 17) - 0.008;
    rb[i] = 0.001 * static_cast<double>(i % 13) - 0.006;
  }
  for (auto _ : state) {
    auto e = keel::brinson_attribution(b.weights, wb, rp, rb, {.normalise = true});
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_brinson_1000);

void BM_linked_120x11(benchmark::State& state) {
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> u(0.1, 1.0), r(-0.05, 0.06);
  Eigen::MatrixXd wp(120, 11), wb(120, 11), rp(120, 11), rb(120, 11);
  for (Eigen::Index t = 0; t < 120; ++t) {
    for (Eigen::Index i = 0; i < 11; ++i) {
      wp(t, i) = u(gen);
      wb(t, i) = u(gen);
      rp(t, i) = r(gen);
      rb(t, i) = r(gen);
    }
    wp.row(t) /= wp.row(t).sum();
    wb.row(t) /= wb.row(t).sum();
  }
  for (auto _ : state) {
    auto l = keel::linked_attribution(wp, wb, rp, rb);
    benchmark::DoNotOptimize(l);
  }
  state.SetItemsProcessed(state.iterations() * 120 * 11);
}
BENCHMARK(BM_linked_120x11);

}  // namespace
