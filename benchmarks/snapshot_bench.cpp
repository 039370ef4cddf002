// SPDX-License-Identifier: MIT
// Benchmarks of keel/snapshot.hpp beside their limit kernel.
//
//   prepare_universe     1,000 assets x 2,520 returns: the returns panel, 1,000 market betas,
//                        the 1,000 x 1,000 sample covariance (the dominant cost)
//   limit kernel         the Eigen GEMM R'R of the same centred 2,520 x 1,000 panel (the
//                        covariance's arithmetic alone)
//   risk_snapshot(universe), by section switched on: no Monte Carlo paths beyond the minimum
//                        and no frontier (the linear-algebra core of every section), then with
//                        Monte Carlo (1,000 paths per horizon, two horizons), then with the
//                        long-only efficient frontier of the 1,000 assets
//   risk_snapshot(prices) the whole pipeline from the price table
//   summarize_risk       30 positions from a 500-asset universe (keel-batch's per-portfolio cost)
//
//   build/default/benchmarks/snapshot_bench --benchmark_min_time=1
// The issue: a 1,000-position snapshot over 2,520 days well under a second on one core; one
// risk calculation under 100 ms.
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/snapshot.hpp>

namespace {

/// "S<j>" (appended, not operator+: g++ 12's -Wrestrict false positive at -O3).
std::string name(int j) {
  std::string s = "S";
  s += std::to_string(j);
  return s;
}

/// A one-factor price table: `assets` stocks and the market "MKT" over `days` + 1 dates.
keel::price_table make_prices(int assets, int days) {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> z(0, 1);
  keel::price_table p;
  std::chrono::sys_days d{std::chrono::year(2000) / 1 / 3};
  for (int t = 0; t <= days; ++t) p.dates.emplace_back(d + std::chrono::days(t));
  for (int j = 0; j < assets; ++j) p.symbols.push_back(name(j));
  p.symbols.push_back("MKT");
  p.prices.resize(days + 1, assets + 1);
  std::vector<double> beta(static_cast<std::size_t>(assets));
  for (auto& b : beta) b = 0.5 + std::abs(z(gen)) * 0.5;
  p.prices.row(0).setConstant(100);
  for (int t = 1; t <= days; ++t) {
    const double m = 0.0003 + 0.01 * z(gen);
    p.prices(t, assets) = p.prices(t - 1, assets) * (1 + m);
    for (int j = 0; j < assets; ++j)
      p.prices(t, j) = p.prices(t - 1, j) * (1 + beta[static_cast<std::size_t>(j)] * m + 0.015 * z(gen));
  }
  return p;
}

std::vector<keel::holding> make_holdings(int count) {
  std::vector<keel::holding> h;
  const char* sectors[] = {"Energy", "Financials", "Industrials", "Health Care", "Information Technology"};
  for (int j = 0; j < count; ++j) h.push_back({name(j), 100.0 + j % 7, sectors[j % 5]});
  return h;
}

keel::snapshot_options options(std::ptrdiff_t window) {
  keel::snapshot_options o{.market = "MKT", .window = window};
  o.limits = {{keel::limit_metric::max_position_weight, 0.05}, {keel::limit_metric::max_beta, 1.0},
              {keel::limit_metric::max_var_99_1d, 0.03}, {keel::limit_metric::max_drawdown, 0.3}};
  o.mc_paths = 100;
  o.frontier_points = 0;
  return o;
}

const keel::price_table& big() {
  static const keel::price_table p = make_prices(1000, 2520);
  return p;
}

void BM_prepare_universe_1000x2520(benchmark::State& state) {
  const auto o = options(2520);
  for (auto _ : state) benchmark::DoNotOptimize(keel::prepare_universe(big(), o));
}
BENCHMARK(BM_prepare_universe_1000x2520)->Unit(benchmark::kMillisecond);

void BM_limit_gemm_covariance_1000x2520(benchmark::State& state) {
  Eigen::MatrixXd r(2520, 1000);
  for (Eigen::Index j = 0; j < 1000; ++j)
    for (Eigen::Index t = 0; t < 2520; ++t) r(t, j) = big().prices(t + 1, j) / big().prices(t, j) - 1;
  r.rowwise() -= r.colwise().mean();
  Eigen::MatrixXd s(1000, 1000);
  for (auto _ : state) {
    s.setZero();
    s.selfadjointView<Eigen::Lower>().rankUpdate(r.transpose(), 1.0 / 2519);
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_limit_gemm_covariance_1000x2520)->Unit(benchmark::kMillisecond);

void snapshot_from_universe(benchmark::State& state, std::ptrdiff_t paths, std::ptrdiff_t points) {
  auto o = options(2520);
  o.mc_paths = paths;
  o.frontier_points = points;
  const auto u = keel::prepare_universe(big(), o);
  const auto h = make_holdings(1000);
  for (auto _ : state) benchmark::DoNotOptimize(keel::risk_snapshot(h, u, o));
}

void BM_risk_snapshot_universe_1000_core(benchmark::State& state) { snapshot_from_universe(state, 100, 0); }
BENCHMARK(BM_risk_snapshot_universe_1000_core)->Unit(benchmark::kMillisecond);

void BM_risk_snapshot_universe_1000_mc1000(benchmark::State& state) { snapshot_from_universe(state, 1000, 0); }
BENCHMARK(BM_risk_snapshot_universe_1000_mc1000)->Unit(benchmark::kMillisecond);

void BM_risk_snapshot_universe_1000_frontier(benchmark::State& state) { snapshot_from_universe(state, 100, 25); }
BENCHMARK(BM_risk_snapshot_universe_1000_frontier)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_risk_snapshot_prices_1000x2520(benchmark::State& state) {
  const auto o = options(2520);
  const auto h = make_holdings(1000);
  for (auto _ : state) benchmark::DoNotOptimize(keel::risk_snapshot(h, big(), o));
}
BENCHMARK(BM_risk_snapshot_prices_1000x2520)->Unit(benchmark::kMillisecond);

void BM_summarize_risk_30_of_500(benchmark::State& state) {
  static const keel::price_table p = make_prices(500, 252);
  const auto o = options(252);
  const auto u = keel::prepare_universe(p, o);
  const auto h = make_holdings(30);
  for (auto _ : state) benchmark::DoNotOptimize(keel::summarize_risk(h, u, o));
}
BENCHMARK(BM_summarize_risk_30_of_500)->Unit(benchmark::kMicrosecond);

}  // namespace
