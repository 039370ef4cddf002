// SPDX-License-Identifier: MIT
// keel at scale (issue 14): 10,000 portfolios of 30 positions drawn from a 500-asset universe
// over 2,520 days, generated here (a one-factor model, fixed seed). Times
//   - prepare_universe (returns panel, per-asset betas, the N x N covariance, volatilities)
//     beside its limit kernel, the Eigen GEMM R'R of the centred T x N returns panel;
//   - summarize_risk over all 10,000 portfolios on 1 and 2 threads, beside its limit kernel, a
//     plain pass over the per-portfolio data (each portfolio's T x 30 returns times its weights
//     and its 30 x 30 covariance block, w'Sw), on the same threads.
// The window is an argument: 2,519 (every return of the 2,520 days) and 252 (the default).
// The 2-MPI-rank figure is the end-to-end program on inputs of the same shape (README,
// "Running at scale"):
//   build/default/examples/batch_inputs --prices p.csv --portfolios f.csv --assets 500
//       --days 2520 --count 10000 --positions 30
//   mpirun -np 2 build/default/examples/keel-batch --prices p.csv --portfolios f.csv
//       --market MKT --window 2519 --output out.jsonl --timing
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/snapshot.hpp>

namespace {

constexpr std::ptrdiff_t assets = 500, days = 2520, portfolios = 10000, positions = 30;

struct scale_data {
  keel::price_table prices;
  std::vector<std::vector<keel::holding>> books;
  std::vector<std::vector<std::ptrdiff_t>> columns;  // each book's asset columns (for the limit kernel)
};

const scale_data& data() {
  static const scale_data d = [] {
    scale_data out;
    std::mt19937_64 rng(20260101);
    std::normal_distribution<double> z;
    std::uniform_real_distribution<double> u;
    out.prices.symbols.push_back("MKT");
    for (std::ptrdiff_t i = 0; i < assets; ++i) {
      std::string name = std::to_string(1000 + i);
      name.insert(name.begin(), 'A');  // GCC 12 -Wrestrict misfires on "A" + std::string
      out.prices.symbols.push_back(std::move(name));
    }
    const std::chrono::sys_days start = std::chrono::year{2010} / 1 / 4;
    for (std::ptrdiff_t t = 0; t < days; ++t) out.prices.dates.emplace_back(start + std::chrono::days(t));
    out.prices.prices.resize(days, assets + 1);
    std::vector<double> beta(assets), idio(assets);
    for (std::ptrdiff_t i = 0; i < assets; ++i) {
      beta[static_cast<std::size_t>(i)] = 0.4 + 1.2 * u(rng);
      idio[static_cast<std::size_t>(i)] = 0.008 + 0.017 * u(rng);
      out.prices.prices(0, i + 1) = 20 + 180 * u(rng);
    }
    out.prices.prices(0, 0) = 100;
    for (std::ptrdiff_t t = 1; t < days; ++t) {
      const double m = 0.0003 + 0.01 * z(rng);
      out.prices.prices(t, 0) = out.prices.prices(t - 1, 0) * (1 + m);
      for (std::ptrdiff_t i = 0; i < assets; ++i)
        out.prices.prices(t, i + 1) = out.prices.prices(t - 1, i + 1) * (1 + beta[static_cast<std::size_t>(i)] * m +
                                                                         idio[static_cast<std::size_t>(i)] * z(rng));
    }
    std::vector<std::ptrdiff_t> all(assets);
    for (std::ptrdiff_t i = 0; i < assets; ++i) all[static_cast<std::size_t>(i)] = i;
    for (std::ptrdiff_t p = 0; p < portfolios; ++p) {
      std::shuffle(all.begin(), all.end(), rng);
      std::vector<keel::holding> book;
      std::vector<std::ptrdiff_t> cols(all.begin(), all.begin() + positions);
      for (const auto c : cols)
        book.push_back({out.prices.symbols[static_cast<std::size_t>(c + 1)], 1.0 + std::floor(500 * u(rng)), ""});
      out.books.push_back(std::move(book));
      out.columns.push_back(std::move(cols));
    }
    return out;
  }();
  return d;
}

keel::snapshot_options options_for(std::ptrdiff_t window) {
  keel::snapshot_options o;
  o.market = "MKT";
  o.window = window;
  return o;
}

// Runs body(p) for p in [0, portfolios) on `threads` threads, static contiguous chunks.
template <class Body>
void on_threads(int threads, const Body& body) {
  std::vector<std::jthread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::ptrdiff_t p = portfolios * t / threads; p < portfolios * (t + 1) / threads; ++p) body(p);
    });
  for (std::ptrdiff_t p = 0; p < portfolios / threads; ++p) body(p);
}

void BM_prepare_universe(benchmark::State& state) {
  const auto& d = data();
  const auto options = options_for(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(keel::prepare_universe(d.prices, options));
}
BENCHMARK(BM_prepare_universe)->Arg(2519)->Arg(252)->Unit(benchmark::kMillisecond)->UseRealTime();

// Limit kernel of prepare_universe: the covariance GEMM of the centred T x N panel.
void BM_limit_covariance_gemm(benchmark::State& state) {
  const auto& d = data();
  const Eigen::Index t = state.range(0);
  const Eigen::MatrixXd r = d.prices.prices.bottomRows(t).rightCols(assets).array() /
                                d.prices.prices.bottomRows(t + 1).topRows(t).rightCols(assets).array() -
                            1;
  for (auto _ : state) {
    const Eigen::MatrixXd centred = r.rowwise() - r.colwise().mean();
    Eigen::MatrixXd s(assets, assets);
    s.noalias() = centred.transpose() * centred;
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_limit_covariance_gemm)->Arg(2519)->Arg(252)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_summarize_risk_all(benchmark::State& state) {
  const auto& d = data();
  const auto options = options_for(state.range(0));
  const auto universe = keel::prepare_universe(d.prices, options);
  const int threads = static_cast<int>(state.range(1));
  std::vector<double> vols(portfolios);
  for (auto _ : state) {
    on_threads(threads, [&](std::ptrdiff_t p) {
      vols[static_cast<std::size_t>(p)] =
          keel::summarize_risk(d.books[static_cast<std::size_t>(p)], universe, options).volatility;
    });
    benchmark::DoNotOptimize(vols.data());
  }
  state.counters["portfolios/s"] = benchmark::Counter(
      static_cast<double>(portfolios) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_summarize_risk_all)
    ->Args({2519, 1})
    ->Args({2519, 2})
    ->Args({252, 1})
    ->Args({252, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Limit kernel of the portfolios: per portfolio, r_p = R_p w over the window (T x 30) and
// w' S_p w on its 30 x 30 covariance block: the arithmetic summarize_risk cannot avoid.
void BM_limit_portfolio_pass(benchmark::State& state) {
  const auto& d = data();
  const auto options = options_for(state.range(0));
  const auto universe = keel::prepare_universe(d.prices, options);
  const int threads = static_cast<int>(state.range(1));
  const Eigen::Index t = universe.returns.rows();
  std::vector<double> out(portfolios);
  for (auto _ : state) {
    on_threads(threads, [&](std::ptrdiff_t p) {
      const auto& cols = d.columns[static_cast<std::size_t>(p)];
      Eigen::VectorXd rp = Eigen::VectorXd::Zero(t);
      double wsw = 0;
      for (std::size_t a = 0; a < cols.size(); ++a) {
        const Eigen::Index j = cols[a] + 1;  // column 0 is MKT
        rp += universe.returns.col(j);
        for (std::size_t b = 0; b < cols.size(); ++b) wsw += universe.covariance(j, cols[b] + 1);
      }
      out[static_cast<std::size_t>(p)] = rp.sum() + wsw;
    });
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_limit_portfolio_pass)
    ->Args({2519, 1})
    ->Args({2519, 2})
    ->Args({252, 1})
    ->Args({252, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
