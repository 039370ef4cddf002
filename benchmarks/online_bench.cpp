// SPDX-License-Identifier: MIT
// Benchmarks of keel/online.hpp beside their limit kernels, for a 1,000-position book.
//
//   one bar through the streaming estimators:
//     streaming_ewma_covariance of 1,000 assets   O(N^2) = 500,500 multiply-adds (lower triangle)
//       limit: a plain pass summing the same 1,000 x 1,000 doubles
//     1,000 x (streaming_beta, 252-day window; streaming_volatility, 252; streaming_ewma_volatility)
//     the portfolio's VaR from the new covariance: portfolio_variance (one pass over the lower
//       triangle of the sums), or result(out) (an N^2 copy) and w'(S w) (symmetric GEMV)
//     one_bar: all of the above together (the "new price through the risk numbers")
//   what_if_book of 1,000 positions:
//     what_if (one trade; with sectors; with and without a 252-day returns panel), apply
//       limit: a dot product of N = 1,000 doubles (Eigen)
//
// Read the ratios from one run:
//   build/default/benchmarks/online_bench --benchmark_min_time=0.5
// The requirement: a new price through the risk numbers within 500 ms.
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/online.hpp>
#include <keel/var.hpp>

namespace {

constexpr Eigen::Index n_assets = 1000;
constexpr std::ptrdiff_t days = 252;

struct universe {
  Eigen::MatrixXd returns;  // days x N
  Eigen::VectorXd market, weights, betas, quantities, prices;
  Eigen::MatrixXd cov;
  std::vector<std::string> symbols, sectors;
};

const universe& data() {
  static const universe u = [] {
    universe d;
    std::mt19937_64 gen(1);
    std::normal_distribution<double> z(0, 1);
    d.market.resize(days);
    d.returns.resize(days, n_assets);
    d.betas.resize(n_assets);
    for (Eigen::Index i = 0; i < n_assets; ++i) d.betas(i) = 0.5 + 0.001 * static_cast<double>(i);
    for (std::ptrdiff_t t = 0; t < days; ++t) {
      d.market(t) = 0.01 * z(gen);
      for (Eigen::Index i = 0; i < n_assets; ++i) d.returns(t, i) = d.betas(i) * d.market(t) + 0.015 * z(gen);
    }
    const Eigen::MatrixXd centred = d.returns.rowwise() - d.returns.colwise().mean();
    d.cov = centred.transpose() * centred / static_cast<double>(days - 1);
    d.weights = Eigen::VectorXd::Constant(n_assets, 1.0 / static_cast<double>(n_assets));
    d.prices = Eigen::VectorXd::Constant(n_assets, 50.0);
    d.quantities = Eigen::VectorXd::Constant(n_assets, 20.0);
    for (Eigen::Index i = 0; i < n_assets; ++i) {
      d.symbols.push_back(std::to_string(i).insert(0, 1, 'S'));
      d.sectors.push_back(std::to_string(i % 11).insert(0, "sector"));
    }
    return d;
  }();
  return u;
}

/// Estimators for every asset, warmed on the data's 252 days.
struct streams {
  keel::streaming_ewma_covariance cov{n_assets};
  std::vector<keel::streaming_beta> betas;
  std::vector<keel::streaming_volatility> vols;
  std::vector<keel::streaming_ewma_volatility> ewmas;
  keel::covariance_estimate<double> estimate;
  streams() {
    for (Eigen::Index i = 0; i < n_assets; ++i) {
      betas.emplace_back(days);
      vols.emplace_back(days);
      ewmas.emplace_back();
    }
    for (std::ptrdiff_t t = 0; t < days; ++t) bar(t);
    cov.result(estimate);
  }
  void per_asset(std::ptrdiff_t t) {
    const universe& d = data();
    for (Eigen::Index i = 0; i < n_assets; ++i) {
      const double r = d.returns(t, i);
      betas[static_cast<std::size_t>(i)].update(r, d.market(t));
      vols[static_cast<std::size_t>(i)].update(r);
      ewmas[static_cast<std::size_t>(i)].update(r);
    }
  }
  void bar(std::ptrdiff_t t) {
    cov.update(data().returns.row(t));
    per_asset(t);
  }
  /// The portfolio's 1-day 99% VaR from the current EWMA covariance: sigma = sqrt(w' S w),
  /// from the sums in one pass (portfolio_variance), or from the full estimate (result + GEMV).
  double var(bool full = false) {
    const Eigen::VectorXd& w = data().weights;
    double variance = 0;
    if (full) {
      cov.result(estimate);
      variance = w.dot(estimate.covariance.selfadjointView<Eigen::Lower>() * w);
    } else {
      variance = cov.portfolio_variance(w);
    }
    return keel::parametric_var(0.0, std::sqrt(variance / 252), {.confidence = 0.99});
  }
};

void BM_ewma_covariance_update(benchmark::State& state) {
  keel::streaming_ewma_covariance s(n_assets);
  const universe& d = data();
  std::ptrdiff_t t = 0;
  for (auto _ : state) {
    s.update(d.returns.row(t));
    t = (t + 1) % days;
  }
  benchmark::DoNotOptimize(s.save().sums.data());
}
BENCHMARK(BM_ewma_covariance_update);

void BM_limit_pass_over_n2_doubles(benchmark::State& state) {
  const Eigen::MatrixXd& m = data().cov;
  for (auto _ : state) benchmark::DoNotOptimize(m.sum());
}
BENCHMARK(BM_limit_pass_over_n2_doubles);

void BM_betas_and_volatilities_update(benchmark::State& state) {
  streams s;
  std::ptrdiff_t t = 0;
  for (auto _ : state) {
    s.per_asset(t);
    t = (t + 1) % days;
  }
  benchmark::DoNotOptimize(s.betas[0].result().beta);
}
BENCHMARK(BM_betas_and_volatilities_update);

void BM_portfolio_var_from_covariance(benchmark::State& state) {
  streams s;
  for (auto _ : state) benchmark::DoNotOptimize(s.var(state.range(0) != 0));
}
BENCHMARK(BM_portfolio_var_from_covariance)->Arg(0)->Arg(1)->ArgName("full_estimate");

void BM_one_bar(benchmark::State& state) {
  streams s;
  std::ptrdiff_t t = 0;
  for (auto _ : state) {
    s.bar(t);
    benchmark::DoNotOptimize(s.var());
    t = (t + 1) % days;
  }
}
BENCHMARK(BM_one_bar)->Unit(benchmark::kMicrosecond);

keel::what_if_book make_book(bool panel) {
  const universe& d = data();
  keel::what_if_options o{.symbols = d.symbols, .sectors = d.sectors};
  if (panel) o.returns = d.returns;
  return keel::what_if_book::from_quantities(d.quantities, d.prices, d.cov, d.betas, std::move(o));
}

void BM_what_if(benchmark::State& state) {
  const keel::what_if_book book = make_book(state.range(0) != 0);
  keel::trade t{.asset = 0, .change = 10};
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.what_if(t).var);
    t.asset = (t.asset + 7) % n_assets;
  }
}
BENCHMARK(BM_what_if)->Arg(0)->Arg(1)->ArgName("returns_panel");

void BM_what_if_by_symbol(benchmark::State& state) {
  const keel::what_if_book book = make_book(false);
  const keel::trade t{.symbol = "S517", .change = 10};
  for (auto _ : state) benchmark::DoNotOptimize(book.what_if(t).var);
}
BENCHMARK(BM_what_if_by_symbol);

void BM_apply(benchmark::State& state) {
  keel::what_if_book book = make_book(state.range(0) != 0);
  keel::trade t{.asset = 0, .change = 1};
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.apply(t).var);
    t.asset = (t.asset + 7) % n_assets;
  }
}
BENCHMARK(BM_apply)->Arg(0)->Arg(1)->ArgName("returns_panel");

void BM_limit_dot_product_of_n(benchmark::State& state) {
  const Eigen::VectorXd& a = data().weights;
  const Eigen::VectorXd& b = data().betas;
  for (auto _ : state) benchmark::DoNotOptimize(a.dot(b));
}
BENCHMARK(BM_limit_dot_product_of_n);

}  // namespace
