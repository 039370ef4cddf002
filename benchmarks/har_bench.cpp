// SPDX-License-Identifier: MIT
// Benchmarks of keel/har.hpp beside their limit kernel.
//
//   har_volatility_forecast of a 2,520 x 500 returns panel: per asset, squared returns, the HAR
//   design (2,498 rows), the fit from centred cross-products (Cholesky; pivoted QR only for an
//   ill-conditioned design) with Newey-West errors (5 lags) and a 30-day iterated forecast,
//   all in one reused workspace (no per-asset or per-row allocation).
//   Limit kernel: per asset, the same design and response and the 4 x 4 normal equations
//   accumulated row by row and solved by Eigen's LDLT (what a batched numpy version computes),
//   with no standard errors. keel does more work in less time: column passes that vectorize,
//   where the plain loop's outer products do not.
//   Also: the fit alone with classical errors (newey_west_lags = 0).
//
//   build/default/benchmarks/har_bench --benchmark_min_time=0.5
// Reference points from the issue (one core of these machines): a batched numpy
// normal-equations version takes about 128 ms for the panel, a statsmodels loop about 508 ms.
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <keel/har.hpp>

namespace {

const Eigen::MatrixXd& returns_panel() {
  static const Eigen::MatrixXd data = [] {
    const Eigen::Index t = 2520, n = 500;
    std::mt19937_64 gen(7);
    std::normal_distribution<double> z(0.0, 1.0);
    Eigen::MatrixXd x(t, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      double var = 1e-4;  // a GARCH(1,1) path per asset: clustered volatility, as real returns
      for (Eigen::Index i = 0; i < t; ++i) {
        const double r = std::sqrt(var) * z(gen);
        x(i, j) = r;
        var = 2e-6 + 0.08 * r * r + 0.9 * var;
      }
    }
    return x;
  }();
  return data;
}

void counters(benchmark::State& state, const Eigen::MatrixXd& x) {
  state.SetItemsProcessed(state.iterations() * x.cols());  // items = assets
  state.SetBytesProcessed(state.iterations() * x.size() * static_cast<long>(sizeof(double)));
}

// Limit kernel: per asset, the design [1, d, w, m] by running sums, X'X and X'y, LDLT solve.
void BM_limit_normal_equations(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const Eigen::Index t = x.rows(), rows = t - 22;
  Eigen::VectorXd rv(t);
  Eigen::Matrix4d xtx;
  Eigen::Vector4d xty, b;
  for (auto _ : state) {
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      rv = x.col(j).array().square();
      xtx.setZero();
      xty.setZero();
      double week = rv.segment(17, 5).sum(), month = rv.head(22).sum();
      for (Eigen::Index r = 0; r < rows; ++r) {
        const Eigen::Index d = r + 21;
        if (r > 0) {
          week += rv(d) - rv(d - 5);
          month += rv(d) - rv(d - 22);
        }
        const Eigen::Vector4d row(1.0, rv(d), week / 5, month / 22);
        xtx.noalias() += row * row.transpose();
        xty.noalias() += row * rv(d + 1);
      }
      b = xtx.ldlt().solve(xty);
      benchmark::DoNotOptimize(b.data());
    }
  }
  counters(state, x);
}
BENCHMARK(BM_limit_normal_equations)->Unit(benchmark::kMillisecond);

void BM_har_volatility_forecast_panel(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  keel::har_volatility_panel<double> out;
  keel::har_volatility_panel<double>::workspace ws;
  keel::har_volatility_forecast(x, out, ws);  // sized once: the timed calls reuse them
  for (auto _ : state) {
    keel::har_volatility_forecast(x, out, ws);
    benchmark::DoNotOptimize(out.volatilities.data());
    benchmark::ClobberMemory();
  }
  counters(state, x);
}
BENCHMARK(BM_har_volatility_forecast_panel)->Unit(benchmark::kMillisecond);

void BM_har_fit_panel_classical(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  const Eigen::MatrixXd rv = x.array().square();
  keel::har_panel<double> out;
  keel::har_panel<double>::workspace ws;
  keel::har_fit(rv, out, ws, {.newey_west_lags = 0});
  for (auto _ : state) {
    keel::har_fit(rv, out, ws, {.newey_west_lags = 0});
    benchmark::DoNotOptimize(out.betas_daily.data());
    benchmark::ClobberMemory();
  }
  counters(state, x);
}
BENCHMARK(BM_har_fit_panel_classical)->Unit(benchmark::kMillisecond);

}  // namespace
