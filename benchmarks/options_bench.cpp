// SPDX-License-Identifier: MIT
// Benchmarks of keel/options.hpp beside their limit kernels and QuantLib 1.29.
//
//   black_scholes, a chain of 1,000    price and all seven Greeks per option into a warm `out`;
//                                      limit: the transcendental work alone (one log, one exp,
//                                      two erfc per option) into a plain array
//   QuantLib AnalyticEuropeanEngine    the same options as QuantLib instruments, recalculated
//                                      (price, delta, gamma, vega, theta, rho, dividendRho)
//   QuantLib BlackCalculator           the formula class alone on forward, stdDev and discount
//   implied_volatility, a chain        a typical chain (strikes 50..150, sigma 10-60%, T 0.1-2)
//                                      to a few ulp, into a warm `out`; beside QuantLib's
//                                      blackFormulaImpliedStdDev asked for 1e-12
//
// Items are options: read ns per option as 1e9 / items_per_second. The targets:
// <= 100 ns per option for a price and all Greeks, <= 1 microsecond per implied volatility.
//   build/bench/benchmarks/options_bench --benchmark_min_time=0.2
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <benchmark/benchmark.h>

#include <keel/options.hpp>

// The heavy QuantLib headers, in this one translation unit (the instrument and its engine).
#include <ql/exercise.hpp>
#include <ql/instruments/europeanoption.hpp>
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>
#include <ql/pricingengines/vanilla/analyticeuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

namespace {

constexpr double spot = 100, rate = 0.04, yield = 0.015, vol = 0.22;
// Whole days, so that QuantLib's Actual/365 year fractions equal keel's maturities exactly.
constexpr int days[] = {30, 91, 182, 365, 730};

/// 1,000 options: 200 strikes from 50 to 150 at each of 5 maturities, calls and puts alternating.
const std::vector<keel::european_option>& chain() {
  static const auto c = [] {
    std::vector<keel::european_option> out;
    for (const int d : days)
      for (int i = 0; i < 200; ++i)
        out.push_back({i % 2 ? keel::option_type::put : keel::option_type::call, 50.0 + 100.0 * i / 199, d / 365.0});
    return out;
  }();
  return c;
}

void BM_keel_black_scholes_chain(benchmark::State& state) {
  const auto& options = chain();
  const keel::option_market m{spot, rate, yield, vol};
  std::vector<keel::option_valuation> out;
  keel::black_scholes(options, m, out);  // warm
  for (auto _ : state) {
    keel::black_scholes(options, m, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options.size()));
}
BENCHMARK(BM_keel_black_scholes_chain);

// The least work a price and its Greeks need: ln(S/K), exp(-d1^2/2) and N(d1), N(d2) by erfc,
// per option (the discount factors shared per maturity, as keel's chain does).
void BM_limit_log_exp_two_erfc(benchmark::State& state) {
  const auto& options = chain();
  std::vector<double> out(4 * options.size());
  for (auto _ : state) {
    double* o = out.data();
    for (const auto& opt : options) {
      const double v = vol * std::sqrt(opt.maturity);  // one sqrt per option: a division would do as much
      const double d1 = (std::log(spot / opt.strike) + (rate - yield) * opt.maturity) / v + 0.5 * v;
      o[0] = std::exp(-0.5 * d1 * d1);
      o[1] = std::erfc(-d1 * 0.7071067811865476);
      o[2] = std::erfc(-(d1 - v) * 0.7071067811865476);
      o[3] = d1;
      o += 4;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options.size()));
}
BENCHMARK(BM_limit_log_exp_two_erfc);

void BM_keel_black_scholes_single(benchmark::State& state) {
  const auto& options = chain();
  const keel::option_market m{spot, rate, yield, vol};
  for (auto _ : state) {
    double sum = 0;
    for (const auto& o : options) sum += keel::black_scholes(o, m).gamma;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options.size()));
}
BENCHMARK(BM_keel_black_scholes_single);

void BM_quantlib_analytic_european_engine(benchmark::State& state) {
  using namespace QuantLib;
  const Date today(15, January, 2024);
  Settings::instance().evaluationDate() = today;
  const DayCounter dc = Actual365Fixed();
  const auto s = ext::make_shared<SimpleQuote>(spot);
  const Handle<YieldTermStructure> r(ext::make_shared<FlatForward>(today, rate, dc));
  const Handle<YieldTermStructure> q(ext::make_shared<FlatForward>(today, yield, dc));
  const Handle<BlackVolTermStructure> v(ext::make_shared<BlackConstantVol>(today, NullCalendar(), vol, dc));
  const auto process = ext::make_shared<BlackScholesMertonProcess>(Handle<Quote>(s), q, r, v);
  const auto engine = ext::make_shared<AnalyticEuropeanEngine>(process);
  std::vector<ext::shared_ptr<VanillaOption>> instruments;
  for (const auto& o : chain()) {
    const auto payoff =
        ext::make_shared<PlainVanillaPayoff>(o.type == keel::option_type::call ? Option::Call : Option::Put, o.strike);
    const auto exercise = ext::make_shared<EuropeanExercise>(today + static_cast<int>(std::lround(o.maturity * 365)));
    instruments.push_back(ext::make_shared<VanillaOption>(payoff, exercise));
    instruments.back()->setPricingEngine(engine);
  }
  for (auto _ : state) {
    double sum = 0;
    for (const auto& inst : instruments) {
      inst->recalculate();  // QuantLib caches results; this forces the engine to run
      sum += inst->NPV() + inst->delta() + inst->gamma() + inst->vega() + inst->theta() + inst->rho() +
             inst->dividendRho();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(instruments.size()));
}
BENCHMARK(BM_quantlib_analytic_european_engine);

void BM_quantlib_black_calculator(benchmark::State& state) {
  const auto& options = chain();
  for (auto _ : state) {
    double sum = 0;
    for (const auto& o : options) {
      const double t = o.maturity, disc = std::exp(-rate * t);
      const double fwd = spot * std::exp((rate - yield) * t);
      const QuantLib::BlackCalculator bc(
          o.type == keel::option_type::call ? QuantLib::Option::Call : QuantLib::Option::Put, o.strike, fwd,
          vol * std::sqrt(t), disc);
      sum +=
          bc.value() + bc.delta(spot) + bc.gamma(spot) + bc.vega(t) + bc.theta(spot, t) + bc.rho(t) + bc.dividendRho(t);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(options.size()));
}
BENCHMARK(BM_quantlib_black_calculator);

/// A typical chain for implied volatility: strikes 50..150, maturities 0.1 to 2 years, each
/// option's price from its own volatility on a smile of 10% to 60%.
struct iv_chain {
  std::vector<keel::european_option> options;
  std::vector<double> prices, sigmas;
};

const iv_chain& typical_chain() {
  static const auto c = [] {
    iv_chain out;
    const double maturities[] = {0.1, 0.25, 0.5, 1.0, 2.0};
    for (const double t : maturities)
      for (int i = 0; i < 200; ++i) {
        const double k = 50.0 + 100.0 * i / 199;
        const double m = std::log(k / spot);
        const double sigma = std::min(0.6, 0.1 + 0.5 * m * m / 0.48 + 0.05 * (t < 0.5));
        const keel::european_option o{k < spot ? keel::option_type::put : keel::option_type::call, k, t};
        out.options.push_back(o);
        out.sigmas.push_back(sigma);
        out.prices.push_back(keel::black_scholes(o, {spot, rate, yield, sigma}).price);
      }
    return out;
  }();
  return c;
}

void BM_keel_implied_volatility_chain(benchmark::State& state) {
  const auto& c = typical_chain();
  const keel::option_market m{spot, rate, yield, 0};
  std::vector<double> out;
  keel::implied_volatility(c.options, m, c.prices, out);  // warm
  for (auto _ : state) {
    keel::implied_volatility(c.options, m, c.prices, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  double worst = 0;
  for (std::size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::fabs(out[i] - c.sigmas[i]) / c.sigmas[i]);
  state.counters["max_rel_error"] = worst;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(c.options.size()));
}
BENCHMARK(BM_keel_implied_volatility_chain);

void BM_quantlib_implied_std_dev(benchmark::State& state) {
  const auto& c = typical_chain();
  std::vector<double> out(c.options.size());
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.options.size(); ++i) {
      const auto& o = c.options[i];
      const double t = o.maturity;
      out[i] = QuantLib::blackFormulaImpliedStdDev(
                   o.type == keel::option_type::call ? QuantLib::Option::Call : QuantLib::Option::Put, o.strike,
                   spot * std::exp((rate - yield) * t), c.prices[i], std::exp(-rate * t), 0.0,
                   QuantLib::Null<QuantLib::Real>(), 1e-12, 100) /
               std::sqrt(t);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  double worst = 0;
  for (std::size_t i = 0; i < out.size(); ++i) worst = std::max(worst, std::fabs(out[i] - c.sigmas[i]) / c.sigmas[i]);
  state.counters["max_rel_error"] = worst;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(c.options.size()));
}
BENCHMARK(BM_quantlib_implied_std_dev);

}  // namespace
