// SPDX-License-Identifier: MIT
// Benchmarks of keel/var.hpp beside their limit kernels.
//
//   monte_carlo_var, 100 assets,     O(paths x N): one pass of draws projected on b = L' w;
//   1,000,000 paths, 95% and 99%     limit: the same generator (philox_stream::normals, blocks
//                                    of 1024 paths as monte_carlo_var lays them out) producing
//                                    the same 10^8 standard normals and summing them. Timed
//                                    on 1 and 2 threads (bit-identical results).
//   monte_carlo_component_var        the same problem, twice the draws (totals, then the tail)
//   parametric_var / parametric_cvar O(T N): the portfolio's returns R w, then one series pass;
//   of 1,000 positions x 252 days    limit: the GEMV R w alone (Eigen)
//   historical_var of the same panel O(T N) plus a selection over T
//   W6 (issue 25): parametric VaR   parametric_risk: R w and its moments once, O(T N), then
//   + CVaR at 95% and 99%           O(1) per level; beside it the four single-number calls
//                                   it replaces (4 x R w) and the limit GEMV: the one call
//                                   should cost about one GEMV, the four calls about four.
//   historical_risk, 95% and 99%    R w once plus one selection over T per level
//
// Read the ratios from one run:
//   build/default/benchmarks/var_bench --benchmark_min_time=0.5
// Reference points from the issue (one core of these machines): numpy's Cholesky-and-matmul
// Monte Carlo of this workload takes about 2.7 s and QuantLib's about 11.6 s; numpy's
// parametric portfolio VaR of the panel about 0.15 ms.
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/var.hpp>

namespace {

struct mc_data {
  Eigen::MatrixXd cov;
  Eigen::VectorXd mu;
  std::vector<double> w;
};

const mc_data& hundred_assets() {
  static const mc_data data = [] {
    mc_data d;
    const Eigen::Index n = 100;
    std::mt19937_64 gen(1);
    std::normal_distribution<double> z(0, 1);
    Eigen::MatrixXd f(n, 5);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index k = 0; k < 5; ++k) f(i, k) = 0.006 * z(gen);
    d.cov = f * f.transpose();
    for (Eigen::Index i = 0; i < n; ++i) d.cov(i, i) += 1e-4;
    d.mu = Eigen::VectorXd::Constant(n, 3e-4);
    d.w.assign(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
    return d;
  }();
  return data;
}

constexpr std::ptrdiff_t mc_paths = 1'000'000;

void BM_monte_carlo_var(benchmark::State& state) {
  const mc_data& d = hundred_assets();
  const keel::mc_options o{
      .paths = mc_paths, .seed = 1, .confidence = {0.95, 0.99}, .threads = static_cast<int>(state.range(0))};
  for (auto _ : state) {
    auto r = keel::monte_carlo_var(d.w, d.mu, d.cov, o);
    benchmark::DoNotOptimize(r.vars.data());
  }
  state.SetItemsProcessed(state.iterations() * mc_paths * 100);  // normals drawn
}
BENCHMARK(BM_monte_carlo_var)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_monte_carlo_var_student_t(benchmark::State& state) {
  const mc_data& d = hundred_assets();
  const keel::mc_options o{
      .paths = mc_paths, .seed = 1, .confidence = {0.95, 0.99}, .distribution = keel::student_t{5}, .threads = 1};
  for (auto _ : state) {
    auto r = keel::monte_carlo_var(d.w, d.mu, d.cov, o);
    benchmark::DoNotOptimize(r.vars.data());
  }
  state.SetItemsProcessed(state.iterations() * mc_paths * 100);
}
BENCHMARK(BM_monte_carlo_var_student_t)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_monte_carlo_component_var(benchmark::State& state) {
  const mc_data& d = hundred_assets();
  const keel::mc_options o{.paths = mc_paths, .seed = 1, .confidence = {0.95, 0.99}, .threads = 1};
  for (auto _ : state) {
    auto r = keel::monte_carlo_component_var(d.w, d.mu, d.cov, o);
    benchmark::DoNotOptimize(r.component_cvars.data());
  }
  state.SetItemsProcessed(state.iterations() * mc_paths * 100);
}
BENCHMARK(BM_monte_carlo_component_var)->Unit(benchmark::kMillisecond)->UseRealTime();

// Limit kernel: the same generator producing the same 10^8 standard normals (one stream per
// 1024 paths, 64 paths' draws at a time, as monte_carlo_var), each summed once.
void BM_limit_normals(benchmark::State& state) {
  const std::ptrdiff_t n = 100, block = 1024, chunk = 64;
  std::vector<double> z(static_cast<std::size_t>(chunk * n));
  for (auto _ : state) {
    double total = 0;
    for (std::ptrdiff_t b = 0; b * block < mc_paths; ++b) {
      keel::detail::philox_stream s(1, static_cast<std::uint64_t>(b));
      const std::ptrdiff_t count = std::min(block, mc_paths - b * block);
      for (std::ptrdiff_t c = 0; c < count; c += chunk) {
        const std::ptrdiff_t m = std::min(chunk, count - c);
        s.normals(z.data(), m * n);
        double a[4] = {};
        for (std::ptrdiff_t i = 0; i + 4 <= m * n; i += 4)
          for (int l = 0; l < 4; ++l) a[l] += z[static_cast<std::size_t>(i + l)];
        total += (a[0] + a[1]) + (a[2] + a[3]);
      }
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * mc_paths * n);
}
BENCHMARK(BM_limit_normals)->Unit(benchmark::kMillisecond)->UseRealTime();

struct panel_data {
  Eigen::MatrixXd returns;
  std::vector<double> w;
  Eigen::VectorXd wv;
};

const panel_data& thousand_positions() {
  static const panel_data data = [] {
    panel_data d;
    const Eigen::Index t = 252, n = 1000;
    std::mt19937_64 gen(2);
    std::normal_distribution<double> m(0.0004, 0.01), e(0, 0.015);
    d.returns.resize(t, n);
    for (Eigen::Index i = 0; i < t; ++i) {
      const double market = m(gen);
      for (Eigen::Index j = 0; j < n; ++j) d.returns(i, j) = market + e(gen);
    }
    d.w.assign(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
    d.wv = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
    return d;
  }();
  return data;
}

void BM_parametric_var_panel(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  for (auto _ : state) {
    double v = keel::parametric_var(d.w, d.returns, {.confidence = 0.99});
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_parametric_var_panel)->Unit(benchmark::kMicrosecond);

void BM_parametric_cvar_panel(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  for (auto _ : state) {
    double v = keel::parametric_cvar(d.w, d.returns, {.confidence = 0.99});
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_parametric_cvar_panel)->Unit(benchmark::kMicrosecond);

void BM_historical_var_panel(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  for (auto _ : state) {
    double v = keel::historical_var(d.w, d.returns, {.confidence = 0.99});
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_historical_var_panel)->Unit(benchmark::kMicrosecond);

// W6: parametric VaR and CVaR at 95% and 99% of the panel with weights, one call.
void BM_parametric_risk_panel_w6(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  const keel::parametric_risk_options o{.confidence = {0.95, 0.99}};
  for (auto _ : state) {
    auto r = keel::parametric_risk(d.w, d.returns, o);
    benchmark::DoNotOptimize(r.cvars.data());
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_parametric_risk_panel_w6)->Unit(benchmark::kMicrosecond);

// W6 as four single-number calls (what the one call replaces): R w four times.
void BM_parametric_var_cvar_four_calls_w6(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  for (auto _ : state) {
    double v95 = keel::parametric_var(d.w, d.returns, {.confidence = 0.95});
    double c95 = keel::parametric_cvar(d.w, d.returns, {.confidence = 0.95});
    double v99 = keel::parametric_var(d.w, d.returns, {.confidence = 0.99});
    double c99 = keel::parametric_cvar(d.w, d.returns, {.confidence = 0.99});
    benchmark::DoNotOptimize(v95);
    benchmark::DoNotOptimize(c95);
    benchmark::DoNotOptimize(v99);
    benchmark::DoNotOptimize(c99);
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_parametric_var_cvar_four_calls_w6)->Unit(benchmark::kMicrosecond);

// Historical VaR and CVaR at 95% and 99% of the panel, one call.
void BM_historical_risk_panel(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  const keel::historical_risk_options o{.confidence = {0.95, 0.99}};
  for (auto _ : state) {
    auto r = keel::historical_risk(d.w, d.returns, o);
    benchmark::DoNotOptimize(r.cvars.data());
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_historical_risk_panel)->Unit(benchmark::kMicrosecond);

// Limit kernel: the portfolio's return series R w (an Eigen GEMV over the panel), nothing else.
void BM_limit_gemv(benchmark::State& state) {
  const panel_data& d = thousand_positions();
  Eigen::VectorXd rp(d.returns.rows());
  for (auto _ : state) {
    rp.noalias() = d.returns * d.wv;
    benchmark::DoNotOptimize(rp.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * d.returns.size());
}
BENCHMARK(BM_limit_gemv)->Unit(benchmark::kMicrosecond);

}  // namespace
