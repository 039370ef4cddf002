// SPDX-License-Identifier: MIT
// libFuzzer target for keel/backtest.hpp: backtest over a small price table with every option
// the bytes choose (calendar, timing, band, execution, costs, lots, cash rate, budget, shorts)
// and a strategy whose weights come from the bytes (wrong sizes, NaN, shorts and bad sums
// included), a built-in optimiser or the risk override; then backtest_statistics,
// bootstrap_statistics and evaluate_override on what it produced or on raw bytes.
//
// The first byte picks T (2..65) and N (1..4); the second the schedule, execution and strategy
// kind; the third whether prices are raw doubles (NaN, infinities, zeros, 1e308 reach the checks)
// or a positive walk. Every call must throw a keel::error or return a result whose sizes match,
// whose values are finite and > 0 with returns equal to their ratios, whose weights are finite,
// whose costs and turnover are >= 0, and whose statistics are not NaN. Anything else traps.
// Run it as numeric_fuzz.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include <keel/backtest.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

void check_result(const keel::backtest_result& r, std::ptrdiff_t n) {
  const auto rows = static_cast<std::ptrdiff_t>(r.dates.size());
  require(rows >= 2 && static_cast<std::ptrdiff_t>(r.values.size()) == rows);
  require(static_cast<std::ptrdiff_t>(r.returns.size()) == rows - 1);
  require(r.weights.rows() == rows && r.weights.cols() == n && r.weights.allFinite());
  require(r.turnover.size() == r.values.size() && r.costs.size() == r.values.size());
  for (std::size_t t = 0; t < r.values.size(); ++t) {
    require(std::isfinite(r.values[t]) && r.values[t] > 0);
    require(r.turnover[t] >= 0 && r.costs[t] >= 0 && std::isfinite(r.cash[t]));
    if (t > 0) require(r.returns[t - 1] == r.values[t] / r.values[t - 1] - 1);
  }
  for (const auto& e : r.rebalances) {
    require(e.row >= 0 && e.row < rows && e.trades.size() == n && e.targets.size() == n);
    require(e.cost >= 0 && e.turnover >= 0 && std::isfinite(e.cost));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  keel_fuzz::byte_reader in{data, size};
  const int shape = in.next_byte(), kind = in.next_byte(), mode = in.next_byte();
  const std::ptrdiff_t t_count = 2 + (shape & 63), n = 1 + ((shape >> 6) & 3);
  const bool raw = (mode & 1) != 0;
  keel::price_table table;
  table.symbols.resize(static_cast<std::size_t>(n));
  for (std::ptrdiff_t j = 0; j < n; ++j) table.symbols[static_cast<std::size_t>(j)] = "S" + std::to_string(j);
  std::chrono::sys_days day = std::chrono::sys_days(std::chrono::year(2020) / 1 / 1);
  table.prices.resize(t_count, n);
  for (std::ptrdiff_t t = 0; t < t_count; ++t) {
    day += std::chrono::days(1 + (in.next_byte() & 7));
    table.dates.emplace_back(day);
    for (std::ptrdiff_t j = 0; j < n; ++j)
      table.prices(t, j) =
          raw ? in.raw_double() : (t == 0 ? 100.0 : table.prices(t - 1, j) * (1 + (in.next_byte() - 128) / 600.0));
  }
  keel::backtest_options o;
  o.frequency = static_cast<keel::rebalance_frequency>(kind % 6);
  o.timing = (kind & 8) ? keel::rebalance_timing::first_day : keel::rebalance_timing::last_day;
  o.execution = static_cast<keel::execution_price>((kind >> 4) % 3);
  if (o.execution == keel::execution_price::next_open && (mode & 2)) o.open_prices = table.prices * 1.001;
  if (mode & 4) o.cost_bps = {raw ? in.raw_double() : in.next_byte() / 4.0};
  if (mode & 8) o.band = keel::drift_band(in.next_byte() / 1000.0);
  if (mode & 16) o.lot_size = 1 + (in.next_byte() & 15), o.initial_value = 1e5;
  if (mode & 32) o.cash_rate = raw ? in.raw_double() : in.next_byte() / 1000.0;
  if (mode & 64) o.budget = keel::budget_rule::none, o.allow_short = true;
  if (in.next_byte() & 1)  // a cost model with market impact and a volume rule
    o.costs = {keel::cost_model{.half_spread = raw ? in.raw_double() : in.next_byte() / 1e4,
                                .impact = raw ? in.raw_double() : in.next_byte() / 64.0,
                                .volatility = raw ? in.raw_double() : in.next_byte() / 1000.0,
                                .daily_volume = raw ? in.raw_double() : 1 + in.next_byte() * 1000.0,
                                .exponent = 1 + (in.next_byte() & 3) / 3.0}};
  std::vector<double> weights(static_cast<std::size_t>(n + ((mode & 128) ? 1 : 0)));
  for (auto& w : weights) w = raw ? in.raw_double() : in.next_byte() / 255.0;
  if (o.budget == keel::budget_rule::fully_invested && !(mode & 128) && !raw) {
    double s = 0;
    for (const double w : weights) s += w;
    if (s > 0)
      for (auto& w : weights) w /= s;
  }
  keel::strategy s;
  switch (kind >> 6) {
    case 0:
      s.name = "bytes";
      s.target = [weights, flip = in.next_byte()](const keel::backtest_view& v) -> Eigen::VectorXd {
        require(v.prices().rows() == v.row() + 1 && v.returns().rows() == v.row());
        if ((v.row() + flip) % 5 == 0) return {};
        return Eigen::Map<const Eigen::VectorXd>(weights.data(), static_cast<Eigen::Index>(weights.size()));
      };
      break;
    case 1:
      s = keel::min_variance_strategy({.window = 2 + (in.next_byte() & 15)});
      break;
    case 2:
      s = keel::buy_and_hold_strategy();
      break;
    default:
      s = keel::risk_override_strategy(keel::equal_weight_strategy(), keel::buy_and_hold_strategy(),
                                       {.rules = {{.metric = static_cast<keel::override_metric>(in.next_byte() % 3),
                                                   .trigger = in.next_byte() / 500.0,
                                                   .release = 0,
                                                   .window = 2 + (in.next_byte() & 7)}}});
  }
  guarded([&] {
    const auto r = keel::backtest(table, s, o);
    check_result(r, n);
    guarded([&] {
      const auto st = keel::backtest_statistics(r, r.returns);
      require(!std::isnan(st.sharpe) && !std::isnan(st.max_drawdown) && st.max_drawdown >= 0 && st.max_drawdown <= 1);
    });
    guarded([&] {
      const auto b = keel::bootstrap_statistics(r.returns, {}, {.samples = 5, .mean_block_length = 2});
      require(b.sharpe.lower <= b.sharpe.upper && b.replicates.allFinite());
    });
  });
  guarded([&] {
    std::vector<double> returns;
    for (int i = 0; i < 40; ++i) returns.push_back(raw ? in.raw_double() : (in.next_byte() - 128) / 300.0);
    const auto d = keel::evaluate_override(
        returns, {.rules = {{.metric = keel::override_metric::var, .trigger = 0.02, .release = 0.01, .window = 10},
                            {.trigger = 0.1, .release = 0.05}}});
    require(d.rule >= -1 && d.rule < 2 && std::isfinite(d.value) && !d.reason.empty());
  });
  return 0;
}
