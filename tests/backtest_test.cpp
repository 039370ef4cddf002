// SPDX-License-Identifier: MIT
// Tests of keel/backtest.hpp's engine: buy and hold against the price ratios, daily constant
// weights against the compounded weighted returns (long double), proportional costs against the
// value before each trade reconstructed here from the previous row's holdings, the view's
// look-ahead guard, the calendar schedules against each period's rows found here with chrono,
// drift bands against the drifted weights, next-row execution, lots, the cash account and the
// errors. The strategies' own rules (optimisers, override, regimes), the statistics,
// walk_forward, the bootstrap and real data are in backtest_test_strategies.cpp.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/backtest.hpp>
#include <keel/costs.hpp>
#include <keel/covariance.hpp>
#include <keel/markowitz.hpp>

#include "support/backtest_test_fixtures.hpp"

namespace {

using bt_test::iso;
using bt_test::uz;
using bt_test::vec;
using bt_test::ymd;
using Catch::Matchers::Contains;
using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using ld = long double;

/// The value held in each asset at row t's close before any trade of row t: the previous row's
/// shares (its end weights x value / price) marked at row t's prices; cash from the previous row.
struct pre_trade {
  VectorXd h;
  double value = 0;
};
pre_trade before_trade(const keel::backtest_result& r, const keel::price_table& p, std::ptrdiff_t t) {
  pre_trade out;
  out.h = VectorXd::Zero(p.prices.cols());
  if (t == 0) {
    out.value = r.initial_value;
    return out;
  }
  ld v = static_cast<ld>(r.cash[uz(t - 1)]) * r.values[uz(t - 1)];
  for (Index i = 0; i < out.h.size(); ++i) {
    const ld shares = static_cast<ld>(r.weights(t - 1, i)) * r.values[uz(t - 1)] / p.prices(t - 1, i);
    out.h(i) = static_cast<double>(shares * p.prices(t, i));
    v += shares * p.prices(t, i);
  }
  out.value = static_cast<double>(v);
  return out;
}

}  // namespace

TEST_CASE("buy and hold is the weighted price ratio on every row", "[backtest][engine]") {
  SECTION("three assets") {
    const auto p = bt_test::synthetic(600, 3, 11);
    const VectorXd w = vec({0.5, 0.3, 0.2});
    const auto r = keel::backtest(p, keel::buy_and_hold_strategy({0.5, 0.3, 0.2}), {.initial_value = 1e6});
    REQUIRE(r.values.size() == 600);
    REQUIRE(r.rebalances.size() == 1);
    for (std::ptrdiff_t t = 0; t < 600; ++t) {
      ld expected = 0;
      for (Index i = 0; i < 3; ++i) expected += static_cast<ld>(w(i)) * p.prices(t, i) / p.prices(0, i);
      CHECK(r.values[uz(t)] / 1e6 == Approx(static_cast<double>(expected)).epsilon(1e-14));
      CHECK(r.costs[uz(t)] == 0);
    }
  }
  SECTION("one asset: the price ratio to the last bits") {
    auto p = bt_test::synthetic(500, 1, 12, 0.02);
    const auto r = keel::backtest(p, keel::buy_and_hold_strategy(), {});
    for (std::ptrdiff_t t = 0; t < 500; ++t)
      CHECK(r.values[uz(t)] == Approx(p.prices(t, 0) / p.prices(0, 0)).epsilon(1e-15));
  }
}

TEST_CASE("daily constant weights compound the weighted returns", "[backtest][engine]") {
  const auto p = bt_test::synthetic(600, 3, 21);
  const VectorXd w = vec({0.5, 0.3, 0.2});
  const auto r = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                {.frequency = keel::rebalance_frequency::daily});
  ld wealth = 1;
  CHECK(r.values[0] == 1);
  for (std::ptrdiff_t t = 1; t < 600; ++t) {
    ld g = 0;
    for (Index i = 0; i < 3; ++i)
      g += static_cast<ld>(w(i)) * (static_cast<ld>(p.prices(t, i)) / p.prices(t - 1, i) - 1);
    wealth *= 1 + g;
    CHECK(r.values[uz(t)] == Approx(static_cast<double>(wealth)).epsilon(1e-13));
    CHECK(r.returns[uz(t - 1)] == Approx(static_cast<double>(g)).margin(1e-13));
    for (Index i = 0; i < 3; ++i) CHECK(r.weights(t, i) == Approx(w(i)).margin(1e-14));
  }
  CHECK(r.rebalances.size() == 600);
  CHECK(r.decisions == 600);
}

TEST_CASE("costs are solved exactly from the value before trading", "[backtest][engine][costs]") {
  const auto p = bt_test::synthetic(500, 3, 31, 0.015);
  const VectorXd w = vec({0.5, 0.3, 0.2});
  SECTION("one rate: cost = b x turnover x V") {
    const double b = 25e-4;
    const auto r =
        keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), {.cost_bps = {25}, .initial_value = 100});
    REQUIRE(r.rebalances.size() > 20);
    for (const auto& rec : r.rebalances) {
      const auto before = before_trade(r, p, rec.row);
      INFO("rebalance on " << iso(rec.date));
      CHECK(rec.date == p.dates[uz(rec.row)]);
      CHECK(rec.turnover == Approx(rec.trades.cwiseAbs().sum() / before.value).epsilon(1e-12));
      // the engine reports cost = V - V' (a difference of values): accurate to a few ulps of V
      CHECK(rec.cost == Approx(b * rec.turnover * before.value).margin(1e-13 * before.value));
      CHECK(r.values[uz(rec.row)] == Approx(before.value - rec.cost).epsilon(1e-12));
      CHECK(r.costs[uz(rec.row)] == rec.cost);
      CHECK(r.turnover[uz(rec.row)] == rec.turnover);
      for (Index i = 0; i < 3; ++i) {
        CHECK(r.weights(rec.row, i) == Approx(w(i)).margin(1e-12));
        CHECK(rec.trades(i) == Approx(w(i) * r.values[uz(rec.row)] - before.h(i)).margin(1e-12 * before.value));
      }
    }
    // the first trade buys everything: turnover 1, cost b x V / (1 + b)
    CHECK(r.rebalances.front().turnover == Approx(1 / (1 + b)).epsilon(1e-14));
    const auto free = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), {.initial_value = 100});
    CHECK(free.values.back() > r.values.back());
  }
  SECTION("per-asset rates: cost = sum b_i |trade_i| and V' + sum b_i |w_i V' - h_i| = V") {
    const VectorXd b = vec({10e-4, 30e-4, 60e-4});
    const auto r = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), {.cost_bps = {10, 30, 60}});
    REQUIRE(r.rebalances.size() > 20);
    for (const auto& rec : r.rebalances) {
      const auto before = before_trade(r, p, rec.row);
      const double after = r.values[uz(rec.row)];
      INFO("rebalance on " << iso(rec.date));
      ld paid = 0, lhs = after;
      for (Index i = 0; i < 3; ++i) {
        paid += static_cast<ld>(b(i)) * std::abs(rec.trades(i));
        lhs += static_cast<ld>(b(i)) * std::abs(static_cast<ld>(w(i)) * after - before.h(i));
      }
      CHECK(rec.cost == Approx(static_cast<double>(paid)).margin(1e-13 * before.value));
      CHECK(static_cast<double>(lhs) == Approx(before.value).epsilon(1e-12));
      CHECK(after == Approx(before.value - rec.cost).epsilon(1e-12));
      CHECK(rec.turnover == Approx(rec.trades.cwiseAbs().sum() / before.value).epsilon(1e-12));
      for (Index i = 0; i < 3; ++i) CHECK(r.weights(rec.row, i) == Approx(w(i)).margin(1e-12));
    }
  }
}

TEST_CASE("costs: the exact solution when a trade changes sign at it", "[backtest][engine][costs]") {
  // from half and half, the target 0.51 of asset 0 is a small buy at the value before costs
  // but a sale at the value after 5% costs (0.51 x 0.97 V < 0.5 V): the solve crosses a kink
  const auto p = bt_test::synthetic(5, 3, 33);
  const keel::strategy s{.name = "two steps", .target = [](const keel::backtest_view& v) -> VectorXd {
                           if (v.row() == 0) return vec({0.5, 0.5, 0});
                           if (v.row() == 1) return vec({0.51, 0.2, 0.29});
                           return {};
                         }};
  const auto r = keel::backtest(p, s, {.frequency = keel::rebalance_frequency::daily, .cost_bps = {500}});
  REQUIRE(r.rebalances.size() == 2);
  const auto& rec = r.rebalances[1];
  const auto before = before_trade(r, p, 1);
  const double after = r.values[1];
  ld lhs = after;
  for (Index i = 0; i < 3; ++i) lhs += 0.05L * std::abs(static_cast<ld>(rec.targets(i)) * after - before.h(i));
  CHECK(static_cast<double>(lhs) == Approx(before.value).epsilon(1e-14));
  CHECK(rec.trades(0) < 0);
  CHECK(rec.cost == Approx(0.05 * rec.trades.cwiseAbs().sum()).epsilon(1e-12));
  CHECK(after / before.value == Approx(0.9704).margin(0.001));
}

TEST_CASE("costs with market impact: each trade pays keel::order_cost, and the value pays for itself",
          "[backtest][engine][costs]") {
  // Square-root impact with a per-asset daily volume: V' + sum_i cost_i(w_i V' - h_i) = V, each
  // cost_i what costs.hpp's order_cost charges for that trade at the row's price.
  const auto p = bt_test::synthetic(400, 3, 35, 0.015);
  const VectorXd w = vec({0.5, 0.3, 0.2});
  const std::vector<keel::cost_model> models{
      {.half_spread = 5e-4, .impact = 1, .volatility = 0.015, .daily_volume = 2e4},
      {.half_spread = 2e-4, .commission = 1e-4, .impact = 0.5, .volatility = 0.02, .daily_volume = 5e3},
      {.half_spread = 1e-3, .impact = 1, .volatility = 0.01, .daily_volume = 1e4, .exponent = 1.6}};
  const auto r = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                {.cost_bps = {1, 1, 1}, .initial_value = 1e6, .costs = models});
  REQUIRE(r.rebalances.size() > 10);
  for (const auto& rec : r.rebalances) {
    const auto before = before_trade(r, p, rec.row);
    const double after = r.values[uz(rec.row)];
    INFO("rebalance on " << iso(rec.date));
    ld paid = 0, impact = 0;
    for (Index i = 0; i < 3; ++i) {
      const double price = p.prices(rec.row, i);
      const auto c = keel::order_cost(rec.trades(i) / price, price, models[uz(i)]);
      paid += c.total + 1e-4L * std::abs(rec.trades(i));
      impact += c.impact;
    }
    CHECK(impact > 0);
    CHECK(rec.cost == Approx(static_cast<double>(paid)).epsilon(1e-10));
    CHECK(after + rec.cost == Approx(before.value).epsilon(1e-13));
    for (Index i = 0; i < 3; ++i) CHECK(r.weights(rec.row, i) == Approx(w(i)).margin(1e-12));
  }
  // Impact costs more than the same model without it, and a larger coefficient more still.
  auto linear = models;
  for (auto& m : linear) m.impact = 0;
  const auto without = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                      {.cost_bps = {1, 1, 1}, .initial_value = 1e6, .costs = linear});
  auto heavy = models;
  for (auto& m : heavy) m.impact *= 4;
  const auto more = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                   {.cost_bps = {1, 1, 1}, .initial_value = 1e6, .costs = heavy});
  CHECK(without.values.back() > r.values.back());
  CHECK(r.values.back() > more.values.back());
  // The linear model's half spreads act as cost_bps.
  const auto as_bps = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                     {.cost_bps = {6, 4, 11}, .initial_value = 1e6});
  CHECK(without.values.back() == Approx(as_bps.values.back()).epsilon(1e-13));
  // The volume rule: a book too large for one day's volume is an error naming the asset.
  CHECK_THROWS_WITH(
      keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), {.initial_value = 1e12, .costs = models}),
      Contains("daily volume") && Contains("max_participation"));
  CHECK_THROWS_WITH(
      keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), {.costs = {models[0], models[1]}}),
      Contains("costs"));
}

TEST_CASE("a strategy cannot look ahead", "[backtest][engine][view]") {
  const auto p = bt_test::synthetic(120, 3, 41);
  SECTION("price(row + 1) throws, naming the strategy and the decision date") {
    keel::strategy s{.name = "peeker",
                     .target = [](const keel::backtest_view& v) -> VectorXd {
                       (void)v.price(v.row() + 1, 0);
                       return VectorXd::Constant(3, 1.0 / 3);
                     },
                     .lookback = 5};
    CHECK_THROWS_AS(keel::backtest(p, s), keel::invalid_input);
    CHECK_THROWS_WITH(keel::backtest(p, s), Contains("peeker") && Contains(iso(p.dates[5])) && Contains("look-ahead"));
  }
  SECTION("the view holds exactly rows 0..t") {
    struct seen {
      std::ptrdiff_t row, prices, returns, dates, values;
      double last_price;
    };
    auto log = std::make_shared<std::vector<seen>>();
    keel::strategy s{
        .name = "watcher", .target = [log](const keel::backtest_view& v) -> VectorXd {
          static_assert(std::is_const_v<std::remove_pointer_t<decltype(v.prices().data())>>);
          static_assert(std::is_const_v<std::remove_pointer_t<decltype(v.returns().data())>>);
          log->push_back({v.row(), v.prices().rows(), v.returns().rows(), static_cast<std::ptrdiff_t>(v.dates().size()),
                          static_cast<std::ptrdiff_t>(v.values().size()), v.prices()(v.row(), 1)});
          CHECK(v.date() == v.dates().back());
          CHECK(v.price(v.row(), 2) == v.prices()(v.row(), 2));
          return VectorXd::Constant(3, 1.0 / 3);
        }};
    s.lookback = 3;
    const auto r = keel::backtest(p, s, {.frequency = keel::rebalance_frequency::daily});
    REQUIRE(log->size() == 117);
    for (const auto& x : *log) {
      CHECK(x.prices == x.row + 1);
      CHECK(x.returns == x.row);
      CHECK(x.dates == x.row + 1);
      CHECK(x.values == x.row - 3 + 1);
      CHECK(x.last_price == p.prices(x.row, 1));
    }
    CHECK(log->front().row == 3);
    CHECK(r.dates.front() == p.dates[3]);
  }
}

TEST_CASE("calendar schedules decide on each period's first or last row", "[backtest][engine][calendar]") {
  using namespace std::chrono;
  auto p = bt_test::synthetic(700, 2, 51);
  const auto rows_of = [&] { return static_cast<std::ptrdiff_t>(p.dates.size()); };
  // the rows of each period, keyed by the period's first day
  const auto periods = [&](auto key) {
    std::map<sys_days, std::vector<std::ptrdiff_t>> m;
    for (std::ptrdiff_t t = 0; t < rows_of(); ++t) m[key(p.dates[uz(t)])].push_back(t);
    return m;
  };
  const auto month = [](const ymd& d) { return sys_days{d.year() / d.month() / day{1}}; };
  const auto quarter = [](const ymd& d) {
    const unsigned q0 = (static_cast<unsigned>(d.month()) - 1) / 3 * 3 + 1;
    return sys_days{d.year() / std::chrono::month{q0} / day{1}};
  };
  const auto iso_week = [](const ymd& d) {
    const sys_days s{d};
    return s - (weekday{s} - Monday);  // the Monday on or before
  };
  const auto year_of = [](const ymd& d) { return sys_days{d.year() / January / day{1}}; };
  const auto expected = [&](auto key, bool at_end) {
    std::vector<std::ptrdiff_t> rows{0};
    for (const auto& [start, members] : periods(key)) {
      const std::ptrdiff_t t = at_end ? members.back() : members.front();
      if (t != 0 && t != rows_of() - 1) rows.push_back(t);
    }
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    return rows;
  };
  const auto run = [&](keel::rebalance_frequency f, keel::rebalance_timing timing) {
    auto rows = std::make_shared<std::vector<std::ptrdiff_t>>();
    const auto r = keel::backtest(p, bt_test::recording(vec({0.5, 0.5}), rows), {.frequency = f, .timing = timing});
    std::vector<std::ptrdiff_t> traded;
    for (const auto& rec : r.rebalances) traded.push_back(rec.row);
    CHECK(traded == *rows);
    return *rows;
  };
  using F = keel::rebalance_frequency;
  using T = keel::rebalance_timing;
  CHECK(run(F::monthly, T::last_day) == expected(month, true));
  CHECK(run(F::monthly, T::first_day) == expected(month, false));
  CHECK(run(F::weekly, T::first_day) == expected(iso_week, false));
  CHECK(run(F::weekly, T::last_day) == expected(iso_week, true));
  CHECK(run(F::quarterly, T::last_day) == expected(quarter, true));
  CHECK(run(F::quarterly, T::first_day) == expected(quarter, false));
  CHECK(run(F::annually, T::last_day) == expected(year_of, true));
  CHECK(run(F::once, T::last_day) == std::vector<std::ptrdiff_t>{0});
  const auto monthly = run(F::monthly, T::last_day);
  CHECK(monthly.size() == periods(month).size());  // 2019-01 .. 2021-09, the last month unfinished
  CHECK(p.dates[uz(monthly[1])] == ymd{2019y / January / 31d});
  SECTION("ISO weeks run Monday to Sunday: a table with every calendar day") {
    const auto every_day = bt_test::synthetic(200, 2, 52);
    p.prices = every_day.prices;
    for (std::size_t t = 0; t < p.dates.size(); ++t) p.dates[t] = ymd{sys_days{2019y / January / 2d} + days{t}};
    p.dates.resize(200);
    CHECK(run(F::weekly, T::first_day) == expected(iso_week, false));
    CHECK(run(F::weekly, T::last_day) == expected(iso_week, true));
    CHECK(weekday{sys_days{p.dates[uz(run(F::weekly, T::last_day)[1])]}} == Sunday);
  }
  SECTION("a start date moves the first decision to the first row on or after it") {
    auto rows = std::make_shared<std::vector<std::ptrdiff_t>>();
    const auto r = keel::backtest(p, bt_test::recording(vec({0.5, 0.5}), rows), {.start = 2019y / March / 16d});
    REQUIRE(!rows->empty());
    CHECK(p.dates[uz(rows->front())] == ymd{2019y / March / 18d});
    CHECK(p.dates[uz((*rows)[1])] == ymd{2019y / March / 29d});
    CHECK(r.dates.front() == ymd{2019y / March / 18d});
    CHECK(r.rebalances[1].row == (*rows)[1] - rows->front());
  }
}

TEST_CASE("drift bands trade only when a weight has left its band", "[backtest][engine][bands]") {
  const auto p = bt_test::synthetic(700, 3, 61, 0.02);
  const VectorXd w = vec({0.5, 0.3, 0.2});
  const auto r = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
                                {.frequency = keel::rebalance_frequency::daily, .band = keel::drift_band(0.05)});
  std::set<std::ptrdiff_t> traded;
  for (const auto& rec : r.rebalances) traded.insert(rec.row);
  REQUIRE(traded.size() >= 4);
  CHECK(*traded.begin() == 0);
  CHECK(r.decisions == 700);
  std::ptrdiff_t checked = 0;
  for (std::ptrdiff_t t = 1; t < 700; ++t) {
    // the previous row's weights drifted by this row's returns
    VectorXd drifted(3);
    for (Index i = 0; i < 3; ++i) drifted(i) = r.weights(t - 1, i) * p.prices(t, i) / p.prices(t - 1, i);
    drifted /= drifted.sum() + r.cash[uz(t - 1)];
    const double gap = (drifted - w).cwiseAbs().maxCoeff();
    if (std::abs(gap - 0.05) < 1e-12) continue;  // too close to call
    ++checked;
    INFO("row " << t << " (" << iso(p.dates[uz(t)]) << "), largest drift " << gap);
    CHECK((traded.count(t) == 1) == (gap > 0.05));
    if (traded.count(t) == 1)
      for (Index i = 0; i < 3; ++i) CHECK(r.weights(t, i) == Approx(w(i)).margin(1e-12));
    else
      for (Index i = 0; i < 3; ++i) CHECK(r.weights(t, i) == Approx(drifted(i)).margin(1e-12));
  }
  CHECK(checked >= 690);
  SECTION("relative bands") {
    const auto rel = keel::backtest(
        p, keel::constant_weight_strategy({0.5, 0.3, 0.2}),
        {.frequency = keel::rebalance_frequency::daily, .band = keel::drift_band(0.2, keel::band_kind::relative)});
    for (const auto& rec : rel.rebalances) {
      if (rec.row == 0) continue;
      const std::ptrdiff_t t = rec.row;
      VectorXd drifted(3);
      for (Index i = 0; i < 3; ++i) drifted(i) = rel.weights(t - 1, i) * p.prices(t, i) / p.prices(t - 1, i);
      drifted /= drifted.sum();
      CHECK(((drifted - w).cwiseAbs().array() > 0.2 * w.array()).any());
    }
    CHECK(rel.rebalances.size() > 1);
  }
}

TEST_CASE("next-row execution trades on the following row", "[backtest][engine][execution]") {
  const auto p = bt_test::synthetic(300, 3, 71, 0.015);
  // a strategy that moves everything into one asset, a different one at each decision
  const keel::strategy rotate{.name = "rotate", .target = [](const keel::backtest_view& v) -> VectorXd {
                                VectorXd w = VectorXd::Zero(3);
                                w(static_cast<Index>(v.row() % 3)) = 0.6;
                                w((v.row() + 1) % 3) = 0.4;
                                return w;
                              }};
  SECTION("next_close: decided on row t, traded at row t + 1's close") {
    auto rows = std::make_shared<std::vector<std::ptrdiff_t>>();
    const auto r = keel::backtest(p, bt_test::recording(vec({0.2, 0.3, 0.5}), rows),
                                  {.execution = keel::execution_price::next_close});
    REQUIRE(r.rebalances.size() == rows->size());  // the last decision is not on the last row here
    for (std::size_t k = 0; k < rows->size(); ++k) {
      const auto& rec = r.rebalances[k];
      CHECK(rec.decided == p.dates[uz((*rows)[k])]);
      CHECK(rec.date == p.dates[uz((*rows)[k] + 1)]);
      CHECK(rec.row == (*rows)[k] + 1);
      CHECK(r.weights(rec.row, 2) == Approx(0.5).margin(1e-12));
    }
    CHECK(r.values[0] == 1);
    CHECK(r.cash[0] == 1);
  }
  SECTION("next_open: old shares to the open, new shares from the open to the close") {
    MatrixXd opens(300, 3);
    for (Index j = 0; j < 3; ++j) {
      opens(0, j) = p.prices(0, j);
      for (Index t = 1; t < 300; ++t)
        opens(t, j) = p.prices(t - 1, j) * (1 + 0.004 * std::sin(static_cast<double>(7 * t + j)));
    }
    keel::backtest_options o{.execution = keel::execution_price::next_open, .open_prices = opens};
    const auto r = keel::backtest(p, rotate, o);
    REQUIRE(r.rebalances.size() > 10);
    for (const auto& rec : r.rebalances) {
      const std::ptrdiff_t t = rec.row;
      REQUIRE(t >= 1);
      CHECK(rec.decided == p.dates[uz(t - 1)]);
      ld v_open = static_cast<ld>(r.cash[uz(t - 1)]) * r.values[uz(t - 1)];
      for (Index i = 0; i < 3; ++i)
        v_open += static_cast<ld>(r.weights(t - 1, i)) * r.values[uz(t - 1)] / p.prices(t - 1, i) * opens(t, i);
      ld v_close = 0;
      for (Index i = 0; i < 3; ++i) v_close += static_cast<ld>(rec.targets(i)) * v_open / opens(t, i) * p.prices(t, i);
      INFO("trade on " << iso(rec.date));
      CHECK(r.values[uz(t)] == Approx(static_cast<double>(v_close)).epsilon(1e-12));
      CHECK(rec.turnover == Approx(rec.trades.cwiseAbs().sum() / static_cast<double>(v_open)).epsilon(1e-12));
    }
    CHECK(r.values[0] == 1);
    o.open_prices = MatrixXd(2, 3);
    CHECK_THROWS_AS(keel::backtest(p, rotate, o), keel::invalid_input);
  }
}

TEST_CASE("lots: whole multiples of the lot size, the rest in cash", "[backtest][engine][lots]") {
  const auto p = bt_test::synthetic(400, 3, 81);
  for (const double bps : {0.0, 20.0}) {
    keel::backtest_options o{.cost_bps = {bps}, .lot_size = 100, .initial_value = 1e6};
    const auto r = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.3, 0.2}), o);
    double cash_seen = 0;
    for (std::ptrdiff_t t = 0; t < 400; ++t) {
      for (Index i = 0; i < 3; ++i) {
        const double q = r.weights(t, i) * r.values[uz(t)] / p.prices(t, i);
        CHECK(std::abs(q - 100 * std::round(q / 100)) < 1e-6);
        CHECK(q > 0);
      }
      CHECK(r.cash[uz(t)] >= 0);
      cash_seen = std::max(cash_seen, r.cash[uz(t)]);
    }
    CHECK(cash_seen > 0);
    // on a trade row the cash left is less than one lot of each asset
    for (const auto& rec : r.rebalances) {
      double one_lot_each = 0;
      for (Index i = 0; i < 3; ++i) one_lot_each += 100 * p.prices(rec.row, i);
      CHECK(r.cash[uz(rec.row)] * r.values[uz(rec.row)] < one_lot_each);
    }
  }
}

TEST_CASE("the cash account accrues actual/365 between rows", "[backtest][engine][cash]") {
  const auto p = bt_test::synthetic(300, 2, 91);
  const auto r = keel::backtest(p, [](const keel::backtest_view&) -> VectorXd { return VectorXd::Zero(2); },
                                {.cash_rate = 0.05, .budget = keel::budget_rule::none});
  ld v = 1;
  for (std::size_t t = 1; t < 300; ++t) {
    const auto days = (std::chrono::sys_days(p.dates[t]) - std::chrono::sys_days(p.dates[t - 1])).count();
    CHECK((days == 1 || days == 3));
    v *= 1 + 0.05L * static_cast<ld>(days) / 365;
    CHECK(r.values[t] == Approx(static_cast<double>(v)).epsilon(1e-13));
    CHECK(r.cash[t] == 1);
  }
  CHECK(r.strategy == "custom");
}

TEST_CASE("errors name the strategy, the date and the figure", "[backtest][engine][errors]") {
  const auto p = bt_test::synthetic(200, 3, 101);
  const auto fixed = [](std::string name, VectorXd w, std::ptrdiff_t lookback = 10) {
    return keel::strategy{.name = std::move(name),
                          .target = [w = std::move(w)](const keel::backtest_view&) -> VectorXd { return w; },
                          .lookback = lookback};
  };
  const std::string first = iso(p.dates[10]);
  const auto s_size = fixed("too few", vec({0.5, 0.5}));
  CHECK_THROWS_AS(keel::backtest(p, s_size), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(p, s_size), Contains("too few") && Contains(first) && Contains("2 weights for 3"));
  const auto s_nan = fixed("nan weight", vec({0.5, std::numeric_limits<double>::quiet_NaN(), 0.5}));
  CHECK_THROWS_AS(keel::backtest(p, s_nan), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(p, s_nan), Contains("nan weight") && Contains(first) && Contains("weight 1"));
  const auto s_sum = fixed("short budget", vec({0.5, 0.25, 0.15}));
  CHECK_THROWS_AS(keel::backtest(p, s_sum), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(p, s_sum),
                    Contains("short budget") && Contains(first) && Contains("0.9") && Contains("fully_invested"));
  CHECK_NOTHROW(keel::backtest(p, s_sum, {.budget = keel::budget_rule::none}));
  const auto s_neg = fixed("a short", vec({0.7, 0.5, -0.2}));
  CHECK_THROWS_AS(keel::backtest(p, s_neg), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(p, s_neg),
                    Contains("a short") && Contains(first) && Contains("-0.2") && Contains("allow_short"));
  CHECK_NOTHROW(keel::backtest(p, s_neg, {.allow_short = true}));

  const auto s_long = fixed("long memory", vec({0.5, 0.3, 0.2}), 50);
  CHECK_THROWS_AS(keel::backtest(p, s_long, {.start = p.dates[20]}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::backtest(p, s_long, {.start = p.dates[20]}),
                    Contains("long memory") && Contains("50") && Contains(iso(p.dates[50])));
  CHECK_THROWS_AS(keel::backtest(p, fixed("too long", vec({0.5, 0.3, 0.2}), 250)), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::backtest(p, fixed("too long", vec({0.5, 0.3, 0.2}), 250)), Contains("too long"));

  auto bad = p;
  bad.prices(37, 1) = 0;
  CHECK_THROWS_AS(keel::backtest(bad, keel::equal_weight_strategy()), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(bad, keel::equal_weight_strategy()), Contains("A1") && Contains(iso(p.dates[37])));
  bad.prices(37, 1) = -3;
  CHECK_THROWS_AS(keel::backtest(bad, keel::equal_weight_strategy()), keel::invalid_input);

  const auto ew = keel::equal_weight_strategy();
  CHECK_THROWS_AS(keel::backtest(p, ew, {.cost_bps = {1e4}}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::backtest(p, ew, {.cost_bps = {1e4}}), Contains("cost_bps"));
  CHECK_THROWS_WITH(keel::backtest(p, ew, {.cost_bps = {1, 2}}), Contains("cost_bps"));
  CHECK_THROWS_AS(keel::backtest(p, ew, {.cost_bps = {-1}}), keel::invalid_input);
  CHECK_THROWS_AS(keel::backtest(p, ew, {.lot_size = -1}), keel::invalid_input);
  CHECK_THROWS_AS(keel::backtest(p, ew, {.initial_value = 0}), keel::invalid_input);
  CHECK_THROWS_AS(keel::backtest(p, ew, {.cash_rate = -1}), keel::invalid_input);
  CHECK_THROWS_AS(keel::backtest(p, ew, {.band = keel::drift_band(-0.1)}), keel::invalid_input);

  SECTION("what a strategy throws comes out with its name and date, the same subclass") {
    // bounds of 0.2 on three assets cannot sum to 1: min_variance's own error on the window
    const auto mv = keel::min_variance_strategy({.window = 60, .constraints = {.bounds = {0.0, 0.2}}, .name = "boxed"});
    bool thrown = false;
    try {
      (void)keel::backtest(p, mv, {.start = p.dates[160]});
    } catch (const keel::error& e) {
      thrown = true;
      INFO(e.what());
      CHECK_THAT(e.what(), Contains("boxed") && Contains(iso(p.dates[160])));
      const MatrixXd x = bt_test::returns_until(p, 160).bottomRows(60);
      const MatrixXd cov = keel::sample_covariance(x, {.periods_per_year = 252}).covariance;
      try {
        (void)keel::min_variance(cov, {.bounds = {0.0, 0.2}});
        FAIL("min_variance accepted bounds that cannot sum to 1");
      } catch (const keel::error& direct) {
        CHECK(typeid(e) == typeid(direct));
        CHECK(dynamic_cast<const keel::infeasible*>(&e) != nullptr);
      }
    }
    CHECK(thrown);
    const auto throwing = [](auto make) {
      return keel::strategy{.name = "thrower",
                            .target = [make](const keel::backtest_view&) -> VectorXd { throw make(); }};
    };
    const auto date0 = iso(p.dates[0]);
    CHECK_THROWS_AS(keel::backtest(p, throwing([] { return keel::not_converged("no luck"); })), keel::not_converged);
    CHECK_THROWS_WITH(keel::backtest(p, throwing([] { return keel::not_converged("no luck"); })),
                      Contains("thrower") && Contains(date0) && Contains("no luck"));
    CHECK_THROWS_AS(keel::backtest(p, throwing([] { return keel::infeasible("boxed in"); })), keel::infeasible);
    CHECK_THROWS_AS(keel::backtest(p, throwing([] { return keel::singular_problem("flat"); })), keel::singular_problem);
    const keel::strategy greedy{.name = "greedy", .target = [](const keel::backtest_view& v) -> VectorXd {
                                  (void)v.returns(500);
                                  return {};
                                }};
    CHECK_THROWS_AS(keel::backtest(p, greedy), keel::insufficient_data);
    CHECK_THROWS_WITH(keel::backtest(p, greedy), Contains("greedy") && Contains(date0) && Contains("500"));
  }
}
