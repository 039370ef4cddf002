// SPDX-License-Identifier: MIT
// Tests of risk_snapshot's hedge comparison (section 9, keel/snapshot.hpp): it is compare_hedges
// called directly on the window's rows (the book's returns, the market's, the instruments'), to
// 1e-12 (the same rows, seed and paths), with the index options priced at the market's realised
// volatility (recomputed here from the prices) or at the caller's terms; the caller's invalid
// terms are its error.
// Bundled data only.

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>
#include <keel/options.hpp>
#include <keel/snapshot.hpp>

#include "support/dow_snapshot.hpp"

using Catch::Matchers::Contains;

namespace {

const std::filesystem::path bundled = KEEL_BUNDLED_DATA_DIR;

/// The same comparison made outside the snapshot from the price table.
keel::hedge_comparison direct(const keel::snapshot& s, const keel::price_table& p, const keel::snapshot_options& o,
                              const keel::index_option_terms& index) {
  const keel::snapshot_universe u = keel::prepare_universe(p, o);
  Eigen::MatrixXd instruments(u.returns.rows(), static_cast<Eigen::Index>(s.hedge.instruments.size()));
  for (std::size_t k = 0; k < s.hedge.instruments.size(); ++k) {
    const auto col = p.column(s.hedge.instruments[k].symbol);
    // The window's simple returns from the prices themselves (not the universe's panel).
    const auto& v = col.values();
    const auto last = static_cast<Eigen::Index>(v.size()) - 1, t = u.returns.rows();
    for (Eigen::Index r = 0; r < t; ++r) {
      const auto at = static_cast<std::size_t>(last - t + 1 + r);
      // (p1 - p0) / p0 in long double, series.hpp's rule, so that the comparison is bit for bit.
      instruments(r, static_cast<Eigen::Index>(k)) =
          static_cast<double>((static_cast<long double>(v[at]) - v[at - 1]) / v[at - 1]);
    }
  }
  keel::compare_hedges_options c;
  c.target_beta = s.hedge.target_beta;
  c.confidence = o.confidence;
  c.paths = o.mc_paths;
  c.seed = o.seed;
  c.limits = o.limits;
  c.current = s.limits.values;
  return keel::compare_hedges(s.charts.returns, u.market_returns, instruments, s.hedge.instruments, index, s.value, c);
}

void check_same(const keel::hedge_comparison& a, const keel::hedge_comparison& b) {
  REQUIRE(a.strategies.size() == b.strategies.size());
  CHECK(a.beta == Approx(b.beta).epsilon(1e-12));
  for (std::size_t k = 0; k < a.strategies.size(); ++k) {
    const auto& x = a.strategies[k];
    const auto& y = b.strategies[k];
    INFO(x.name);
    CHECK(x.name == y.name);
    CHECK(x.reason == y.reason);
    CHECK(x.beta == Approx(y.beta).epsilon(1e-12));
    CHECK(x.volatility == Approx(y.volatility).epsilon(1e-12));
    CHECK(x.cost == Approx(y.cost).epsilon(1e-12).margin(1e-9));
    CHECK(x.premium == Approx(y.premium).epsilon(1e-12).margin(1e-9));
    REQUIRE(x.vars.size() == y.vars.size());
    for (std::size_t j = 0; j < x.vars.size(); ++j) {
      CHECK(x.vars[j] == Approx(y.vars[j]).epsilon(1e-12));
      CHECK(x.cvars[j] == Approx(y.cvars[j]).epsilon(1e-12));
    }
    CHECK(x.within_limits == y.within_limits);
    CHECK(x.options.size() == y.options.size());
  }
}

}  // namespace

TEST_CASE("risk_snapshot: section 9's comparison is compare_hedges on the window, options at the market's volatility",
          "[snapshot][hedge]") {
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  const auto o = keel_test::dow::options(bundled, 2000);
  const keel::snapshot s = keel::risk_snapshot(h, p, o);
  REQUIRE(s.hedge.comparison);
  CHECK(s.hedge.comparison_reason.empty());
  CHECK_FALSE(s.hedge.index_given);
  // The default terms: the market's last price and its annualised sample volatility over the
  // window, recomputed here from the DJ30 column.
  const auto column = p.column("DJ30");
  const auto dj = column.values();
  const std::size_t n = dj.size();
  const auto t = static_cast<std::size_t>(s.inputs.window);
  double mean = 0, ss = 0;
  for (std::size_t r = n - t; r < n; ++r) mean += dj[r] / dj[r - 1] - 1;
  mean /= static_cast<double>(t);
  for (std::size_t r = n - t; r < n; ++r) ss += std::pow(dj[r] / dj[r - 1] - 1 - mean, 2);
  CHECK(s.hedge.index.symbol == "DJ30");
  CHECK(s.hedge.index.market.spot == dj[n - 1]);
  CHECK(s.hedge.index.market.volatility == Approx(std::sqrt(252 * ss / static_cast<double>(t - 1))).epsilon(1e-12));
  CHECK(s.hedge.index.market.rate == 0);
  CHECK(s.hedge.index.maturity == 0.25);
  check_same(*s.hedge.comparison, direct(s, p, o, s.hedge.index));
  // Six strategies, the unhedged book's beta the snapshot's, and the put and collar hold options.
  const auto& c = *s.hedge.comparison;
  REQUIRE(c.strategies.size() == 6);
  CHECK(c.strategies[0].name == "unhedged");
  CHECK(c.strategies[0].beta == Approx(s.summary.beta).epsilon(1e-9));
  CHECK(c.strategies[4].options.size() == 1);
  CHECK(c.strategies[5].options.size() == 2);
}

TEST_CASE("risk_snapshot: the caller's index option terms price the comparison's options", "[snapshot][hedge]") {
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  auto o = keel_test::dow::options(bundled, 2000);
  o.hedge = {"DJ30", "GE"};
  keel::index_option_terms terms;
  terms.symbol = "DJ30";
  terms.market.spot = 830;
  terms.market.rate = 0.05;
  terms.market.dividend_yield = 0.01;
  terms.market.volatility = 0.3;
  terms.maturity = 0.5;
  terms.multiplier = 50;
  terms.half_spread = 0.02;
  o.index_options = terms;
  const keel::snapshot s = keel::risk_snapshot(h, p, o);
  REQUIRE(s.hedge.comparison);
  CHECK(s.hedge.index_given);
  CHECK(s.hedge.index.market.volatility == 0.3);
  CHECK(s.hedge.index.multiplier == 50);
  check_same(*s.hedge.comparison, direct(s, p, o, terms));
  // Two instruments: the minimum-variance hedge trades both.
  CHECK(s.hedge.comparison->strategies[2].quantities.size() == 2);
  // The put is priced at the caller's volatility: black_scholes of its leg at those terms.
  const auto& put = s.hedge.comparison->strategies[4].options.at(0);
  CHECK(put.valuation.price == Approx(keel::black_scholes(put.option, terms.market).price).epsilon(1e-12));
  CHECK(put.option.maturity == 0.5);

  SECTION("invalid terms are the caller's error, naming the field") {
    o.index_options->market.volatility = -0.2;
    CHECK_THROWS_AS(keel::risk_snapshot(h, p, o), keel::invalid_input);
    CHECK_THROWS_WITH(keel::risk_snapshot(h, p, o), Contains("volatility"));
  }
}
