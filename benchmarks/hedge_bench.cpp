// SPDX-License-Identifier: MIT
// Benchmarks of keel/hedge.hpp beside their limit kernels.
//
//   one instrument, whole contracts     O(1): checks, the analytic hedge, rounding, the plan;
//                                       limit: the formula n = (target - beta) V / beta_i and
//                                       the nearest whole contract (a few flops)
//   five instruments, min_cost          O(k log k) LP fill, 2^5 corners of rounding
//   five instruments, min_variance      closed form: one LDLT of the 5 x 5 covariance and two
//                                       solves; limit: that LDLT and the two solves alone
//   the same with bounds                the exact active-set QP (detail/qp.hpp)
//   the same with a binding budget      an orthant QP with the budget row per sign pattern the
//                                       bounds allow: 1 for short-only bounds, 2^5 for none
//   the bundled hedge with executions   the cost-aware hedge plus two Almgren-Chriss schedules
//                                       of 10 periods; limits: the hedge without them, and the
//                                       two schedules' sinh formula alone
//
// Read the ratios from one run:
//   build/default/benchmarks/hedge_bench --benchmark_min_time=0.5
// The expectations: well under a microsecond for one instrument, tens of
// microseconds for five instruments with rounding.
#include <cmath>
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/detail/random.hpp>
#include <keel/hedge.hpp>
#include <keel/options.hpp>
#include <keel/portfolio.hpp>
#include <keel/volatility.hpp>

namespace {

struct five {
  std::vector<keel::hedge_instrument> instruments;
  Eigen::MatrixXd cov;
};

const five& five_instruments(bool bounds) {
  static const auto make = [](bool b) {
    five f;
    std::mt19937_64 gen(1);
    std::normal_distribution<double> z(0, 0.01);
    const char* names[] = {"SPY", "QQQ", "IWM", "ES", "NQ"};
    const double betas[] = {1.0, 1.15, 1.2, 1.0, 1.15}, prices[] = {500, 430, 210, 5100, 18000},
                 multipliers[] = {1, 1, 1, 50, 20}, costs[] = {0.5, 0.7, 1.5, 0.3, 0.4};
    for (int i = 0; i < 5; ++i) {
      keel::hedge_instrument h{names[i], betas[i], prices[i], multipliers[i], costs[i]};
      if (b) {
        h.min_quantity = -6e6 / (prices[i] * multipliers[i]);
        h.max_quantity = 0.0;
      }
      f.instruments.push_back(h);
    }
    Eigen::MatrixXd a(6, 8);
    for (Eigen::Index i = 0; i < 6; ++i)
      for (Eigen::Index j = 0; j < 8; ++j) a(i, j) = z(gen);
    f.cov = a * a.transpose() / 8;
    f.cov.diagonal().array() += 1e-6;
    return f;
  };
  static const five unbounded = make(false), bounded = make(true);
  return bounds ? bounded : unbounded;
}

void BM_hedge_one_instrument(benchmark::State& state) {
  const std::vector<keel::hedge_instrument> spy{{"SPY", 1.0, 512.37, 1, 0.5}};
  double beta = 1.3;
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(1e7, beta, spy, 0.3);
    benchmark::DoNotOptimize(plan);
    beta += 1e-9;
  }
}
BENCHMARK(BM_hedge_one_instrument);

void BM_limit_one_instrument_formula(benchmark::State& state) {
  double beta = 1.3;
  for (auto _ : state) {
    const double notional = (0.3 - beta) * 1e7 / 1.0;
    double q = std::nearbyint(notional / 512.37);
    benchmark::DoNotOptimize(q);
    beta += 1e-9;
  }
}
BENCHMARK(BM_limit_one_instrument_formula);

void BM_hedge_five_min_cost(benchmark::State& state) {
  const five& f = five_instruments(true);
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_hedge_five_min_cost);

void BM_hedge_five_min_variance(benchmark::State& state) {
  const five& f = five_instruments(false);
  keel::hedge_options o{.objective = keel::hedge_objective::min_variance, .covariance = f.cov};
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_hedge_five_min_variance);

void BM_limit_ldlt_five(benchmark::State& state) {
  const five& f = five_instruments(false);
  const Eigen::MatrixXd s = f.cov.topLeftCorner(5, 5);
  const Eigen::VectorXd c = f.cov.col(5).head(5), b = Eigen::VectorXd::Ones(5);
  for (auto _ : state) {
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(s);
    Eigen::VectorXd y1 = ldlt.solve(c), y2 = ldlt.solve(b);
    benchmark::DoNotOptimize(y1.data());
    benchmark::DoNotOptimize(y2.data());
  }
}
BENCHMARK(BM_limit_ldlt_five);

void BM_hedge_five_min_variance_bounded(benchmark::State& state) {
  const five& f = five_instruments(true);
  keel::hedge_options o{.objective = keel::hedge_objective::min_variance, .covariance = f.cov};
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3, o);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_hedge_five_min_variance_bounded);

void BM_hedge_five_min_variance_budget(benchmark::State& state) {
  const five& f = five_instruments(state.range(0) != 0);
  keel::hedge_options o{.objective = keel::hedge_objective::min_variance, .covariance = f.cov};
  const auto free = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3, o);
  const auto cheapest = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3);
  o.budget = 0.5 * (free.total_cost + cheapest.total_cost) / 1e7;  // binding, but above the cheapest
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(1e7, 1.3, f.instruments, 0.3, o);
    benchmark::DoNotOptimize(plan);
  }
}
// Argument 1: short-only bounds (one orthant); 0: no bounds (all 2^5 orthants).
BENCHMARK(BM_hedge_five_min_variance_budget)->Arg(1)->Arg(0);

// The cost-aware hedge on the bundled data (examples/data): the Dow 30 book of
// dow30_portfolio.csv, scaled by the argument, hedged from its beta to the bundled index
// (252 days to 2000-12-29) down to 0, with two instruments on that index:
//   a future: price = the index level, multiplier 500, half-spread 1 bp, commission 0.2 bp,
//             20,000 contracts a day;
//   an ETF:   price = the index level / 2, half-spread 2 bp, 5 million shares a day;
// both with square-root impact (c = 1) at the index's daily volatility over the same days.
// These are stated example figures, not market data. The naive hedge is the future alone (the
// cheapest single instrument here); the counters give both costs and the saving in percent.
struct dow_hedge {
  double value = 0, beta = 0;
  std::vector<keel::hedge_instrument> instruments;
};

const dow_hedge& bundled_hedge() {
  static const dow_hedge h = [] {
    const std::string dir = KEEL_BUNDLED_DATA_DIR;
    const auto stocks = keel::read_prices_csv(dir + "/dowjones30_daily_1991_2000_fBasics.csv");
    const auto index = keel::read_prices_csv(dir + "/dowjones30_index_1991_2000.csv");
    const auto book = keel::read_holdings(dir + "/dow30_portfolio.csv");
    const Eigen::Index window = 252;
    Eigen::VectorXd values = Eigen::VectorXd::Zero(window + 1);
    for (const auto& position : book)
      values += position.quantity * stocks.prices.col(stocks.index_of(position.symbol)).tail(window + 1);
    const Eigen::VectorXd level = index.prices.col(0).tail(window + 1);
    std::vector<double> rp(static_cast<std::size_t>(window)), rm(static_cast<std::size_t>(window));
    for (Eigen::Index i = 0; i < window; ++i) {
      rp[static_cast<std::size_t>(i)] = values(i + 1) / values(i) - 1;
      rm[static_cast<std::size_t>(i)] = level(i + 1) / level(i) - 1;
    }
    dow_hedge out;
    out.value = values(window);
    out.beta = keel::market_beta(rp, rm).beta;
    // Daily: periods_per_year 1 leaves the root mean square unscaled.
    const double sigma = keel::realized_volatility(rm, window, {.periods_per_year = 1, .demean = true});
    const double last = level(window);
    out.instruments = {
        {.symbol = "future",
         .beta = 1,
         .price = last,
         .multiplier = 500,
         .costs = {.half_spread = 1e-4, .commission = 2e-5, .impact = 1, .volatility = sigma, .daily_volume = 2e4}},
        {.symbol = "ETF",
         .beta = 1,
         .price = last / 2,
         .multiplier = 1,
         .costs = {.half_spread = 2e-4, .impact = 1, .volatility = sigma, .daily_volume = 5e6}},
    };
    return out;
  }();
  return h;
}

void BM_hedge_cost_aware_bundled(benchmark::State& state) {
  const dow_hedge& h = bundled_hedge();
  const double value = h.value * static_cast<double>(state.range(0));
  // Continuous quantities, so both reach beta 0 exactly and their costs compare at the same
  // residual beta (whole contracts leave each a different one).
  const keel::hedge_options continuous{.round_to_contracts = false};
  const auto naive = keel::hedge_to_target_beta(value, h.beta, std::span(h.instruments.data(), 1), 0.0, continuous);
  keel::hedge_plan plan;
  for (auto _ : state) {
    plan = keel::hedge_to_target_beta(value, h.beta, h.instruments, 0.0, continuous);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["value"] = value;
  state.counters["beta"] = h.beta;
  state.counters["naive_cost"] = naive.total_cost;
  state.counters["aware_cost"] = plan.total_cost;
  state.counters["saving_pct"] = 100 * (1 - plan.total_cost / naive.total_cost);
}
// The book as given, and 10, 100 and 1,000 times it (beyond, the future alone breaks the
// volume rule: the naive hedge cannot be done in a day).
BENCHMARK(BM_hedge_cost_aware_bundled)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// compare_hedges for a 1,000-position book (its returns R w over 252 days, formed in the loop)
// and 5 instruments, with 100,000 Monte Carlo paths (the case) and with 100 (the
// non-Monte-Carlo strategies: costs, regressions, option strikes; the bar is 1 ms).
struct big_book {
  Eigen::MatrixXd returns;      // 252 x 1,000
  Eigen::VectorXd weights;      // 1,000
  Eigen::VectorXd market;       // 252
  Eigen::MatrixXd instruments;  // 252 x 5
  std::vector<keel::hedge_instrument> terms;
};

const big_book& thousand_positions() {
  static const big_book b = [] {
    big_book out;
    std::mt19937_64 gen(5);
    std::normal_distribution<double> z(0, 1);
    const Eigen::Index t = 252, n = 1000;
    out.market.resize(t);
    for (Eigen::Index i = 0; i < t; ++i) out.market(i) = 0.0003 + 0.011 * z(gen);
    out.returns.resize(t, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double beta = 0.5 + static_cast<double>(j % 10) / 10;
      for (Eigen::Index i = 0; i < t; ++i) out.returns(i, j) = beta * out.market(i) + 0.015 * z(gen);
    }
    out.weights = Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
    out.instruments.resize(t, 5);
    const double betas[] = {1.0, 1.15, 1.2, 1.0, 1.15};
    for (Eigen::Index k = 0; k < 5; ++k)
      for (Eigen::Index i = 0; i < t; ++i) out.instruments(i, k) = betas[k] * out.market(i) + 0.004 * z(gen);
    const auto& f = five_instruments(false);
    out.terms = f.instruments;
    for (auto& h : out.terms) h.costs = {.half_spread = 1e-4, .impact = 1, .volatility = 0.012, .daily_volume = 1e7};
    return out;
  }();
  return b;
}

void BM_compare_hedges(benchmark::State& state) {
  const big_book& b = thousand_positions();
  const keel::index_option_terms index{
      .symbol = "SPX",
      .market = {.spot = 5000, .rate = 0.04, .dividend_yield = 0.015, .volatility = 0.18},
      .maturity = 0.25,
      .multiplier = 100,
      .half_spread = 0.02};
  const keel::compare_hedges_options o{.paths = state.range(0)};
  for (auto _ : state) {
    const Eigen::VectorXd book = b.returns * b.weights;
    auto r = keel::compare_hedges(book, b.market, b.instruments, b.terms, index, 1e9, o);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_compare_hedges)->Arg(100)->Arg(100000)->Unit(benchmark::kMillisecond);

// Its limit: the paths alone, as compare_hedges draws them (keel's Philox normals, one 9 x 9
// matrix-vector product per path) with the three option legs repriced per path and nothing
// stored: what 100,000 full revaluations cannot do without.
void BM_limit_paths_and_revaluation(benchmark::State& state) {
  const Eigen::MatrixXd root = Eigen::MatrixXd::Identity(9, 9) * 0.01;
  Eigen::VectorXd z(9), r(9);
  const keel::option_market m{.spot = 5000, .rate = 0.04, .dividend_yield = 0.015, .volatility = 0.18};
  for (auto _ : state) {
    keel::detail::philox_stream stream(0, 0);
    double sum = 0;
    for (int p = 0; p < 100000; ++p) {
      stream.normals(z.data(), z.size());
      r.noalias() = root * z;
      keel::option_market at = m;
      at.spot = m.spot * (1 + r(1));
      sum += keel::black_scholes({keel::option_type::put, 4500, 0.246}, at).price +
             keel::black_scholes({keel::option_type::put, 4600, 0.246}, at).price +
             keel::black_scholes({keel::option_type::call, 5600, 0.246}, at).price;
    }
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_limit_paths_and_revaluation)->Unit(benchmark::kMillisecond);

// The same hedge with each order worked over a day in 10 periods (hedge_execution): the
// Almgren-Chriss parameters follow from each instrument's cost model (volatility sigma x price x
// multiplier per contract per sqrt(day); temporary impact such that a day's volume traded in a
// day costs sigma of the notional, a tenth of it permanent; the half-spread and commission per
// contract) with risk aversion 1e-6 per currency: stated example figures again. Compared with
// the plain hedge above (the schedules' cost) and with the limit below.
const dow_hedge& bundled_hedge_executed() {
  static const dow_hedge h = [] {
    dow_hedge out = bundled_hedge();
    for (auto& i : out.instruments) {
      const double unit = i.price * i.multiplier, eta = i.costs.volatility * unit / i.costs.daily_volume;
      i.execution =
          keel::hedge_execution{.parameters = {.horizon = 1,
                                               .volatility = i.costs.volatility * unit,
                                               .permanent_impact = 0.1 * eta,
                                               .temporary_impact = eta,
                                               .fixed_cost = (i.costs.half_spread + i.costs.commission) * unit,
                                               .risk_aversion = 1e-6},
                                .periods = 10};
    }
    return out;
  }();
  return h;
}

void BM_hedge_cost_aware_bundled_executed(benchmark::State& state) {
  const dow_hedge& h = bundled_hedge_executed();
  const double value = h.value * static_cast<double>(state.range(0));
  const keel::hedge_options continuous{.round_to_contracts = false};
  keel::hedge_plan plan;
  for (auto _ : state) {
    plan = keel::hedge_to_target_beta(value, h.beta, h.instruments, 0.0, continuous);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["aware_cost"] = plan.total_cost;
  state.counters["execution_cost"] = plan.execution_cost;
}
BENCHMARK(BM_hedge_cost_aware_bundled_executed)->Arg(1)->Arg(1000);

// Its limit beyond the plain hedge: the two schedules alone, x_j = X sinh(kappa (T - t_j)) /
// sinh(kappa T) and the trades into buffers allocated once, with kappa from the closed form.
void BM_limit_schedules_bundled(benchmark::State& state) {
  const dow_hedge& h = bundled_hedge_executed();
  const keel::hedge_plan plan = keel::hedge_to_target_beta(h.value * static_cast<double>(state.range(0)), h.beta,
                                                           h.instruments, 0.0, {.round_to_contracts = false});
  std::vector<double> holdings(11), trades(10);
  for (auto _ : state) {
    double cost = 0;
    for (std::size_t i = 0; i < h.instruments.size(); ++i) {
      const keel::ac_parameters& p = h.instruments[i].execution->parameters;
      const double tau = p.horizon / 10, eta = p.temporary_impact - 0.5 * p.permanent_impact * tau;
      const double kappa = std::acosh(1 + tau * tau * p.risk_aversion * p.volatility * p.volatility / (2 * eta)) / tau;
      const double x = -plan.quantities[i], denominator = std::sinh(kappa * p.horizon);
      double squares = 0;
      for (std::size_t j = 0; j <= 10; ++j)
        holdings[j] = x * std::sinh(kappa * (p.horizon - static_cast<double>(j) * tau)) / denominator;
      for (std::size_t j = 0; j < 10; ++j) {
        trades[j] = holdings[j] - holdings[j + 1];
        squares += trades[j] * trades[j];
      }
      cost += 0.5 * p.permanent_impact * x * x + p.fixed_cost * std::fabs(x) + eta / tau * squares;
    }
    benchmark::DoNotOptimize(cost);
    benchmark::DoNotOptimize(trades.data());
  }
}
BENCHMARK(BM_limit_schedules_bundled)->Arg(1)->Arg(1000);

// Its limit: the naive hedge, one instrument in closed form.
void BM_limit_naive_bundled(benchmark::State& state) {
  const dow_hedge& h = bundled_hedge();
  for (auto _ : state) {
    auto plan = keel::hedge_to_target_beta(h.value, h.beta, std::span(h.instruments.data(), 1), 0.0);
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_limit_naive_bundled);

}  // namespace
