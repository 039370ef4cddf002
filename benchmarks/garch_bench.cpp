// SPDX-License-Identifier: MIT
// Benchmarks of keel/garch.hpp beside their limit kernel.
//
//   garch_fit, GARCH(1,1) with a constant mean and normal innovations (arch's defaults), on
//   2,520 daily returns simulated from GARCH(1,1): the starting grid, the SQP iterations and the
//   Hessian and sandwich errors. The counter `passes` is the number of passes over the data.
//   Limit kernel: one pass of the log-likelihood with its analytic gradient (the work every
//   derivative-based fit repeats): a fit costs about `passes` of them.
//   Also: GJR with Student t innovations; the panel form on 500 such assets on 2 threads (the
//   issue's bar: at most 1 s on 2 cores) and on 1.
//   dcc_fit on 50 assets x 2,520 days (the bar: at most 1 s), full likelihood (Arg 0)
//   and composite (first argument 1), on 1 or 2 threads (second argument), beside one
//   full-likelihood pass.
//
//   build/bench/benchmarks/garch_bench --benchmark_min_time=0.5
// Peer measured on the same series (README, "Speed"): R's fGarch garchFit (Debian r-cran-fgarch).
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <benchmark/benchmark.h>

#include <keel/garch.hpp>

namespace {

const Eigen::MatrixXd& returns_panel() {
  static const Eigen::MatrixXd data = [] {
    const Eigen::Index t = 2520, n = 500;
    std::mt19937_64 gen(7);
    std::normal_distribution<double> z(0.0, 1.0);
    Eigen::MatrixXd x(t, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      double var = 1e-4;
      for (Eigen::Index i = 0; i < t; ++i) {
        const double r = 2e-4 + std::sqrt(var) * z(gen);
        x(i, j) = r;
        var = 2e-6 + 0.08 * (r - 2e-4) * (r - 2e-4) + 0.9 * var;
      }
    }
    return x;
  }();
  return data;
}

std::vector<double> first_asset() {
  const Eigen::VectorXd c = returns_panel().col(0);
  return {c.begin(), c.end()};
}

// Limit kernel: one likelihood-and-gradient pass at fixed parameters (scaled data, as the fit).
void BM_limit_likelihood_pass(benchmark::State& state) {
  std::vector<double> y = first_asset();
  double ss = 0, m = 0;
  for (const double v : y) m += v;
  m /= static_cast<double>(y.size());
  for (const double v : y) ss += (v - m) * (v - m);
  for (double& v : y) v /= std::sqrt(ss / static_cast<double>(y.size()));
  const auto l =
      keel::detail::garch_layout::of(keel::garch_type::garch, keel::garch_mean::constant,
                                     keel::garch_distribution::normal, keel::garch_initial_variance::backcast);
  keel::detail::garch_vector theta(l.k);
  theta << 0.02, 0.02, 0.08, 0.9;
  keel::detail::garch_pass pass;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        keel::detail::garch_evaluate(l, y.data(), static_cast<std::ptrdiff_t>(y.size()), theta, 1, pass));
    benchmark::DoNotOptimize(pass.gradient.data());
  }
}
BENCHMARK(BM_limit_likelihood_pass);

void fit_one(benchmark::State& state, const keel::garch_options& o) {
  const std::vector<double> y = first_asset();
  int passes = 0;
  for (auto _ : state) {
    const auto r = keel::garch_fit(y, o);
    passes = r.evaluations;
    benchmark::DoNotOptimize(r.alpha);
  }
  state.counters["passes"] = passes;
}

void BM_garch_fit_normal(benchmark::State& state) { fit_one(state, {}); }
BENCHMARK(BM_garch_fit_normal);

// fGarch's settings (the sample initial variance), for the peer comparison on this series.
void BM_garch_fit_normal_sample(benchmark::State& state) {
  fit_one(state, {.initial_variance = keel::garch_initial_variance::sample});
}
BENCHMARK(BM_garch_fit_normal_sample);

void BM_gjr_fit_student_t(benchmark::State& state) {
  fit_one(state, {.model = keel::garch_type::gjr, .distribution = keel::garch_distribution::student_t});
}
BENCHMARK(BM_gjr_fit_student_t);

void BM_garch_panel_500(benchmark::State& state) {
  const Eigen::MatrixXd& x = returns_panel();
  for (auto _ : state) {
    const auto r = keel::garch_fit(x, {.threads = static_cast<int>(state.range(0))});
    benchmark::DoNotOptimize(r.data());
  }
  state.SetItemsProcessed(state.iterations() * x.cols());
}
BENCHMARK(BM_garch_panel_500)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// 50 assets x 2,520 days from DCC(1,1) (a = 0.03, b = 0.95) around an equicorrelation of 0.4,
// GARCH(1,1) margins.
const Eigen::MatrixXd& dcc_panel() {
  static const Eigen::MatrixXd data = [] {
    const Eigen::Index n = 50, t_count = 2520;
    const double a = 0.03, b = 0.95;
    Eigen::MatrixXd s = Eigen::MatrixXd::Constant(n, n, 0.4);
    s.diagonal().setOnes();
    std::mt19937_64 rng(11);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd q = s, out(t_count, n);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(n), h = Eigen::VectorXd::Constant(n, 1e-4), e = z;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      if (t > 0) {
        q = (1 - a - b) * s + a * z * z.transpose() + b * q;
        for (Eigen::Index i = 0; i < n; ++i) h(i) = 2e-6 + 0.08 * e(i) * e(i) + 0.9 * h(i);
      }
      const Eigen::VectorXd d = q.diagonal().cwiseSqrt().cwiseInverse();
      Eigen::VectorXd eps(n);
      for (Eigen::Index i = 0; i < n; ++i) eps(i) = normal(rng);
      z = Eigen::LLT<Eigen::MatrixXd>(d.asDiagonal() * q * d.asDiagonal()).matrixL() * eps;
      e = h.cwiseSqrt().cwiseProduct(z);
      out.row(t) = e.transpose();
    }
    return out;
  }();
  return data;
}

// Limit kernel of the full DCC fit: one pass of its likelihood (a Cholesky factor of each of the
// 2,520 Q_t, 50 x 50) at fixed (a, b), on standardised data.
void BM_limit_dcc_pass(benchmark::State& state) {
  const Eigen::MatrixXd& x = dcc_panel();
  const Eigen::MatrixXd z =
      x.array().rowwise() / (x.colwise().squaredNorm() / static_cast<double>(x.rows())).cwiseSqrt().array();
  const Eigen::MatrixXd qbar = z.transpose() * z / static_cast<double>(z.rows());
  keel::detail::garch_pass pass;
  keel::detail::dcc_scratch ws;
  for (auto _ : state) benchmark::DoNotOptimize(keel::detail::dcc_evaluate_full(z, qbar, 0.03, 0.95, 0, pass, ws));
}
BENCHMARK(BM_limit_dcc_pass)->Unit(benchmark::kMillisecond);

void BM_dcc_fit_50(benchmark::State& state) {
  const Eigen::MatrixXd& x = dcc_panel();
  const keel::dcc_options o{.univariate = {.threads = static_cast<int>(state.range(1))},
                            .method = state.range(0) == 0 ? keel::dcc_method::full : keel::dcc_method::composite,
                            .threads = static_cast<int>(state.range(1))};
  int passes = 0;
  for (auto _ : state) {
    const auto r = keel::dcc_fit(x, o);
    passes = r.evaluations;
    benchmark::DoNotOptimize(r.a);
  }
  state.counters["passes"] = passes;
}
BENCHMARK(BM_dcc_fit_50)
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
