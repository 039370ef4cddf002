// SPDX-License-Identifier: MIT
// Tests of keel/stress.hpp: P&L by hand, the built-in scenarios against their documented
// levels and against index and ETF prices in ../shared, the historical replay on the bundled
// Dow Jones 30 file, and the errors.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/stress.hpp>

#include "support/shared_data.hpp"

using Catch::Matchers::Contains;
using namespace std::chrono;

namespace {
const keel::scenario& find(const std::vector<keel::scenario>& all, const std::string& name) {
  for (const auto& s : all)
    if (s.name == name) return s;
  FAIL("no scenario " << name);
  return all.front();
}

double close_on(const keel::price_table& t, const std::string& symbol, year_month_day d) {
  const auto j = t.index_of(symbol);
  for (std::size_t i = 0; i < t.dates.size(); ++i)
    if (t.dates[i] == d) return t.prices(static_cast<Eigen::Index>(i), j);
  FAIL("no price on " << keel::format_date(d));
  return 0;
}
}  // namespace

TEST_CASE("stress_test: P&L = value (beta m + exposures . shocks) per position and in total", "[stress]") {
  const std::vector<keel::position> book = {
      {.symbol = "AAA", .value = 1e6, .beta = 1.2},
      {.symbol = "BBB", .value = -4e5, .beta = 0.8, .factor_exposures = {0.5, -1.0}},
      {.symbol = "CCC", .value = 2.5e5, .beta = 0.0, .factor_exposures = {1.0, 2.0}},
  };
  const std::vector<keel::scenario> scenarios = {
      {.name = "crash", .market_return = -0.2, .factor_shocks = {0.05, -0.01}},
      {.name = "rally", .market_return = 0.1},
  };
  const auto r = keel::stress_test(book, scenarios);
  REQUIRE(r.pnls.rows() == 2);
  REQUIRE(r.pnls.cols() == 3);
  CHECK(r.scenarios == std::vector<std::string>{"crash", "rally"});
  CHECK(r.pnls(0, 0) == Approx(1e6 * 1.2 * -0.2));
  CHECK(r.pnls(0, 1) == Approx(-4e5 * (0.8 * -0.2 + 0.5 * 0.05 + 1.0 * 0.01)));
  CHECK(r.pnls(0, 2) == Approx(2.5e5 * (0.05 - 0.02)));
  CHECK(r.totals[0] == Approx(r.pnls(0, 0) + r.pnls(0, 1) + r.pnls(0, 2)));
  CHECK(r.pnls(1, 1) == Approx(-4e5 * 0.8 * 0.1));  // no shocks: no factor term
  CHECK(r.totals[1] == Approx(1e6 * 0.12 - 4e5 * 0.08));
  const auto empty = keel::stress_test(std::vector<keel::position>{}, scenarios);
  CHECK(empty.totals == std::vector<double>{0.0, 0.0});
}

TEST_CASE("historical_scenarios: documented S&P 500 moves with dates and sources", "[stress]") {
  const auto all = keel::historical_scenarios();
  REQUIRE(all.size() == 9);
  for (const auto& s : all) {
    INFO(s.name);
    REQUIRE(s.start);
    REQUIRE(s.end);
    CHECK(*s.start < *s.end);
    CHECK(!s.source.empty());
    CHECK(s.market_return < 0);
  }
  // The figures, to the published precision.
  CHECK(find(all, "Black Monday 1987").market_return == Approx(-0.205).margin(5e-4));
  CHECK(find(all, "Global financial crisis 2007-2009").market_return == Approx(-0.568).margin(5e-4));
  CHECK(find(all, "COVID-19 crash 2020").market_return == Approx(-0.339).margin(5e-4));
  CHECK(find(all, "2022 bear market").market_return == Approx(-0.254).margin(5e-4));
  CHECK(*find(all, "COVID-19 crash 2020").start == year_month_day{year{2020}, month{2}, day{19}});
  const auto hypo = keel::hypothetical_scenarios();
  REQUIRE(hypo.size() == 2);
  CHECK(hypo[0].market_return == -0.10);
  CHECK(hypo[1].market_return == -0.20);
  CHECK(keel::builtin_scenarios().size() == 11);
}

TEST_CASE("historical_scenarios: the 2020 levels equal the S&P 500 index closes in ../shared", "[stress]") {
  const auto path = keel_test::shared_file("data/sp500_stocks_index_daily_2015_2020.csv");
  if (!path) return;
  const keel::price_table t = keel::read_prices_csv(*path);
  const auto all = keel::historical_scenarios();
  const auto& covid = find(all, "COVID-19 crash 2020");
  const double a = close_on(t, "SP500_INDEX", *covid.start), b = close_on(t, "SP500_INDEX", *covid.end);
  CHECK(a == Approx(3386.15).epsilon(1e-9));
  CHECK(b == Approx(2237.40).epsilon(1e-9));
  CHECK(covid.market_return == Approx(b / a - 1).epsilon(1e-12));
}

TEST_CASE("historical_replay: SPY's own return over the 2020 and 2022 moves is near the index's", "[stress]") {
  const auto path = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!path) return;
  const keel::price_table t = keel::read_prices_csv(*path);
  const std::vector<keel::position> book = {{.symbol = "SPY", .value = 1e6},
                                            {.symbol = "NOPE", .value = 1e5, .beta = 1.5}};
  const auto all = keel::historical_scenarios();
  for (const char* name : {"COVID-19 crash 2020", "2022 bear market"}) {
    const auto& s = find(all, name);
    const auto r = keel::historical_replay(book, t, s);
    INFO(name << ": SPY " << r.returns[0] << " vs index " << s.market_return);
    CHECK(r.from_prices[0]);
    // SPY is adjusted for dividends (about 1.5% a year): within 1.5 points of the price index.
    CHECK(r.returns[0] == Approx(s.market_return).margin(0.015));
    CHECK(r.returns[0] == Approx(close_on(t, "SPY", *s.end) / close_on(t, "SPY", *s.start) - 1).epsilon(1e-12));
    CHECK(!r.from_prices[1]);  // not in the table: the beta proxy
    CHECK(r.returns[1] == Approx(1.5 * s.market_return).epsilon(1e-15));
    CHECK(r.total == Approx(r.pnls[0] + r.pnls[1]));
  }
  // A period the table does not cover falls back to the proxy for every position.
  const auto gfc = keel::historical_replay(book, t, find(all, "Global financial crisis 2007-2009"));
  CHECK(!gfc.from_prices[0]);
  CHECK(gfc.returns[0] == Approx(-0.5678).margin(1e-4));
}

TEST_CASE("historical_replay on the bundled Dow 30 prices over the 1998 LTCM and Russia move", "[stress]") {
  const keel::price_table t =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto all = keel::historical_scenarios();
  const auto& s = find(all, "LTCM and Russia 1998");
  const std::vector<keel::position> book = {{.symbol = "IBM", .value = 1e6, .beta = 1.1},
                                            {.symbol = "KO", .value = 5e5, .beta = 0.7}};
  const auto r = keel::historical_replay(book, t, s);
  CHECK(r.from_prices[0]);
  CHECK(r.from_prices[1]);
  for (std::size_t i = 0; i < book.size(); ++i)
    CHECK(r.returns[i] ==
          Approx(close_on(t, book[i].symbol, *s.end) / close_on(t, book[i].symbol, *s.start) - 1).epsilon(1e-12));
}

TEST_CASE("historical_replay: a missing price falls back to the proxy, a bad one is named", "[stress]") {
  keel::price_table t =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto all = keel::historical_scenarios();
  const auto& s = find(all, "LTCM and Russia 1998");
  const std::vector<keel::position> book = {{.symbol = "IBM", .value = 1e6, .beta = 1.1}};
  const auto clean = keel::historical_replay(book, t, s);
  REQUIRE(clean.from_prices[0]);
  // The one kernel's arithmetic: (end - start) / start, exactly.
  const double a = close_on(t, "IBM", *s.start), b = close_on(t, "IBM", *s.end);
  CHECK(clean.returns[0] == (b - a) / a);
  const auto j = t.index_of("IBM");
  Eigen::Index start_row = 0;
  for (std::size_t r = 0; r < t.dates.size(); ++r)
    if (t.dates[r] <= *s.start) start_row = static_cast<Eigen::Index>(r);
  t.prices(start_row, j) = std::numeric_limits<double>::quiet_NaN();
  const auto gap = keel::historical_replay(book, t, s);
  CHECK_FALSE(gap.from_prices[0]);
  CHECK(gap.returns[0] == Approx(1.1 * s.market_return).epsilon(1e-15));
  t.prices(start_row, j) = 0;
  CHECK_THROWS_AS(keel::historical_replay(book, t, s), keel::invalid_input);
  CHECK_THROWS_WITH(keel::historical_replay(book, t, s),
                    Contains("historical_replay: IBM[" + std::to_string(start_row) + "] on " +
                             keel::format_date(t.dates[static_cast<std::size_t>(start_row)]) + " = 0 is not positive"));
}

TEST_CASE("stress_test and historical_replay reject bad positions and scenarios", "[stress]") {
  const std::vector<keel::scenario> s = {{.name = "x", .market_return = -0.1, .factor_shocks = {0.1}}};
  CHECK_THROWS_WITH(keel::stress_test(std::vector<keel::position>{{.symbol = "A", .value = NAN}}, s),
                    Contains("stress_test: positions[0].value is NaN"));
  CHECK_THROWS_WITH(
      keel::stress_test(std::vector<keel::position>{{.symbol = "A", .value = 1, .factor_exposures = {1, 2}}}, s),
      Contains("positions[0].factor_exposures has 2 values but scenarios[0].factor_shocks has 1"));
  CHECK_THROWS_WITH(
      keel::stress_test(std::vector<keel::position>{}, std::vector<keel::scenario>{{.name = "y", .market_return = -2}}),
      Contains("scenarios[0].market_return = -2 must be at least -1"));
  const keel::price_table t;
  CHECK_THROWS_WITH(keel::historical_replay(std::vector<keel::position>{}, t, keel::hypothetical_scenarios()[0]),
                    Contains("historical_replay: scenario 'Market -10%' needs a start and an end date"));
}
