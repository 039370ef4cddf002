// SPDX-License-Identifier: MIT
// Benchmarks of keel/factor_model.hpp beside their limit kernels.
//
//   statistical_factor_model, 2,520 x 500, 10 factors   O(T N^2) for the covariance (centring and
//                                       a symmetric rank-k update), O(N^3) for the tridiagonal
//                                       reduction, O(N^2 k) for the k eigenvectors (inverse
//                                       iteration, back-transform and the check), O(T N k) for
//                                       the scores. Limit: the SYRK Xc'Xc of the already centred
//                                       panel it starts from (issue 20's bar: at most 3x).
//   the same with the full eigensolver  what the partial one saves (Eigen's SelfAdjointEigenSolver
//                                       on the 500 x 500 covariance, after the same SYRK)
//   time_series_factor_model, 2,520 x 500 on 10 factors   O(T K N): one QR of the factors, Q'Y
//                                       for every asset. Limit: the GEMM X'Y of the factors and
//                                       the returns (the normal equations' right-hand sides).
//   cross_sectional_factor_model, 2,520 dates x 500 assets x 10 exposures, constant and per date
//   factor_risk_decomposition, 500 assets, 10 factors   O(N K + K^2)
//   risk_model_backtest, 2,520 x 30, 200 portfolios, window 504, horizon and step 21 (96 origins):
//                                       sample (O(W N^2) a window, O(N^2 P) the forecasts), and
//                                       GARCH (CCC) and DCC (a likelihood fit a window). Limit for
//                                       the sample model: the 96 windows' centred SYRKs and the
//                                       P quadratic forms w' S w, nothing else.
//
// Read the ratios from one run:
//   build/bench/benchmarks/factor_model_bench --benchmark_min_time=0.5
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <benchmark/benchmark.h>

#include <keel/factor_model.hpp>

namespace {

constexpr Eigen::Index days = 2520, assets = 500, factor_count = 10;

struct data {
  Eigen::MatrixXd returns, factors, exposures;
};

const data& panel() {
  static const data d = [] {
    std::mt19937_64 gen(20);
    std::normal_distribution<double> z(0.0, 1.0);
    data out{Eigen::MatrixXd(days, assets), Eigen::MatrixXd(days, factor_count), Eigen::MatrixXd(assets, factor_count)};
    for (Eigen::Index i = 0; i < days; ++i)
      for (Eigen::Index j = 0; j < factor_count; ++j)
        out.factors(i, j) = 0.0003 + 0.01 * z(gen) / std::sqrt(static_cast<double>(j + 1));
    for (Eigen::Index i = 0; i < assets; ++i)
      for (Eigen::Index j = 0; j < factor_count; ++j) out.exposures(i, j) = (j == 0 ? 1.0 : 0.0) + 0.4 * z(gen);
    out.returns = out.factors * out.exposures.transpose();
    for (Eigen::Index i = 0; i < days; ++i)
      for (Eigen::Index j = 0; j < assets; ++j) out.returns(i, j) += 0.015 * z(gen);
    return out;
  }();
  return d;
}

// Limit kernel: the covariance SYRK of the centred panel (lower triangle), which the model starts from.
void BM_limit_syrk(benchmark::State& state) {
  const Eigen::MatrixXd& x = panel().returns;
  const Eigen::MatrixXd xc = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd g(assets, assets);
  for (auto _ : state) {
    g.setZero();
    g.selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
    benchmark::DoNotOptimize(g.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_limit_syrk)->Unit(benchmark::kMillisecond);

void BM_statistical_factor_model(benchmark::State& state) {
  const Eigen::MatrixXd& x = panel().returns;
  keel::factor_model<double> out;
  keel::factor_model<double>::workspace ws;
  keel::statistical_factor_model(x, factor_count, out, ws);  // sized once
  for (auto _ : state) {
    keel::statistical_factor_model(x, factor_count, out, ws);
    benchmark::DoNotOptimize(out.exposures.data());
  }
}
BENCHMARK(BM_statistical_factor_model)->Unit(benchmark::kMillisecond);

// What the partial eigensolver saves: the same SYRK, then Eigen's full solver.
void BM_syrk_then_full_eigensolver(benchmark::State& state) {
  const Eigen::MatrixXd& x = panel().returns;
  const Eigen::MatrixXd xc = x.rowwise() - x.colwise().mean();
  Eigen::MatrixXd g(assets, assets);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(assets);
  for (auto _ : state) {
    g.setZero();
    g.selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
    solver.compute(g);
    benchmark::DoNotOptimize(solver.eigenvectors().data());
  }
}
BENCHMARK(BM_syrk_then_full_eigensolver)->Unit(benchmark::kMillisecond);

// Limit kernel of the time-series model: X'Y, the factors against every asset.
void BM_limit_factor_gemm(benchmark::State& state) {
  const data& d = panel();
  Eigen::MatrixXd xty(factor_count, assets);
  for (auto _ : state) {
    xty.noalias() = d.factors.transpose() * d.returns;
    benchmark::DoNotOptimize(xty.data());
  }
}
BENCHMARK(BM_limit_factor_gemm)->Unit(benchmark::kMillisecond);

void BM_time_series_factor_model(benchmark::State& state) {
  const data& d = panel();
  keel::factor_model<double> out;
  keel::factor_model<double>::workspace ws;
  keel::time_series_factor_model(d.returns, d.factors, out, ws);
  for (auto _ : state) {
    keel::time_series_factor_model(d.returns, d.factors, out, ws);
    benchmark::DoNotOptimize(out.exposures.data());
  }
}
BENCHMARK(BM_time_series_factor_model)->Unit(benchmark::kMillisecond);

void BM_cross_sectional_constant_exposures(benchmark::State& state) {
  const data& d = panel();
  keel::factor_model<double> out;
  keel::factor_model<double>::workspace ws;
  keel::cross_sectional_factor_model(d.returns, d.exposures, out, ws);
  for (auto _ : state) {
    keel::cross_sectional_factor_model(d.returns, d.exposures, out, ws);
    benchmark::DoNotOptimize(out.factor_returns.data());
  }
}
BENCHMARK(BM_cross_sectional_constant_exposures)->Unit(benchmark::kMillisecond);

void BM_cross_sectional_exposures_per_date(benchmark::State& state) {
  const data& d = panel();
  const std::vector<Eigen::MatrixXd> per_date(static_cast<std::size_t>(days), d.exposures);
  keel::factor_model<double> out;
  keel::factor_model<double>::workspace ws;
  keel::cross_sectional_factor_model(d.returns, per_date, out, ws);
  for (auto _ : state) {
    keel::cross_sectional_factor_model(d.returns, per_date, out, ws);
    benchmark::DoNotOptimize(out.factor_returns.data());
  }
}
BENCHMARK(BM_cross_sectional_exposures_per_date)->Unit(benchmark::kMillisecond);

void BM_factor_risk_decomposition(benchmark::State& state) {
  const data& d = panel();
  const auto model = keel::time_series_factor_model(d.returns, d.factors);
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(assets, 1.0 / assets);
  keel::factor_risk<double> out;
  for (auto _ : state) {
    keel::factor_risk_decomposition(model, w, out);
    benchmark::DoNotOptimize(out.contributions.data());
  }
}
BENCHMARK(BM_factor_risk_decomposition)->Unit(benchmark::kMicrosecond);

// The rolling backtests: 30 of the panel's assets, 200 long-only portfolios.
struct backtest_case {
  Eigen::MatrixXd returns, portfolios;
  keel::risk_model_backtest_options options{.window = 504, .horizon = 21, .step = 21};
};

const backtest_case& backtest_panel() {
  static const backtest_case c = [] {
    backtest_case out;
    out.returns = panel().returns.leftCols(30);
    std::mt19937_64 gen(21);
    std::uniform_real_distribution<double> u(0, 1);
    out.portfolios.resize(30, 200);
    for (Eigen::Index j = 0; j < 200; ++j) {
      for (Eigen::Index i = 0; i < 30; ++i) out.portfolios(i, j) = u(gen);
      out.portfolios.col(j) /= out.portfolios.col(j).sum();
    }
    return out;
  }();
  return c;
}

// Limit kernel of the sample model's backtest: each window's centred SYRK and the quadratic forms.
void BM_limit_backtest_windows(benchmark::State& state) {
  const backtest_case& c = backtest_panel();
  const auto& o = c.options;
  const Eigen::Index t = c.returns.rows(), n = c.returns.cols();
  Eigen::MatrixXd s(n, n), xc(o.window, n);
  Eigen::VectorXd v(c.portfolios.cols());
  for (auto _ : state) {
    for (Eigen::Index origin = o.window - 1; origin + o.horizon < t; origin += o.step) {
      const auto x = c.returns.middleRows(origin - o.window + 1, o.window);
      xc = x.rowwise() - x.colwise().mean();
      s.setZero();
      s.selfadjointView<Eigen::Lower>().rankUpdate(xc.transpose());
      s.triangularView<Eigen::StrictlyUpper>() = s.transpose();
      v = ((s * c.portfolios).cwiseProduct(c.portfolios)).colwise().sum().transpose();
      benchmark::DoNotOptimize(v.data());
    }
  }
}
BENCHMARK(BM_limit_backtest_windows)->Unit(benchmark::kMillisecond);

void BM_risk_model_backtest(benchmark::State& state) {
  const backtest_case& c = backtest_panel();
  const auto model = static_cast<keel::risk_model>(state.range(0));
  for (auto _ : state) {
    auto r = keel::risk_model_backtest(c.returns, c.portfolios, model, c.options);
    benchmark::DoNotOptimize(r.pooled_variance_correlation);
  }
  state.SetLabel(model == keel::risk_model::sample  ? "sample"
                 : model == keel::risk_model::garch ? "garch (CCC)"
                                                    : "dcc");
}
BENCHMARK(BM_risk_model_backtest)
    ->Arg(static_cast<int>(keel::risk_model::sample))
    ->Arg(static_cast<int>(keel::risk_model::garch))
    ->Arg(static_cast<int>(keel::risk_model::dcc))
    ->Unit(benchmark::kMillisecond);

}  // namespace
