// SPDX-License-Identifier: MIT
// Tests of keel/performance.hpp.
//
// Independent references used here:
//   - empyrical's own regression values (empyrical-reloaded tests/test_stats.py on its
//     conftest.py fixtures, typed in below): the numbers a migrating user compares against;
//   - a brute-force maximum drawdown over every (peak, trough) pair, in long double;
//   - direct long-double formulas written with plain loops (CAGR by pow of the product, two-pass
//     variances, the downside deviation, omega's sums, a fully sorted percentile, OLS R^2);
//   - every rolling window recomputed by the series function on that window (and, for rolling
//     max drawdown, by the brute force), on random data and on the bundled Dow 30 prices.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/performance.hpp>

#include "support/allocations.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using ld = long double;

std::vector<double> pct(std::initializer_list<double> xs) {
  std::vector<double> out;
  for (double x : xs) out.push_back(x / 100);
  return out;
}

// empyrical's fixtures (conftest.py), without the leading NaN of mixed_returns.
const std::vector<double> negative_returns = pct({0, -6, -7, -1, -9, -2, -6, -8, -5});
const std::vector<double> all_negative_returns = pct({-2, -6, -7, -1, -9, -2, -6, -8, -5});
const std::vector<double> positive_returns = pct({1, 2, 1, 1, 1, 1, 1, 1, 1});
const std::vector<double> mixed_returns = pct({1, 10, -4, 2, 3, 2, 1, -10});        // mixed_returns[1:]
const std::vector<double> periodic_returns = pct({0, 1, 10, -4, 2, 3, 2, 1, -10});  // weekly / monthly
const std::vector<double> df_one{-0.00171614, 0.01322056, 0.03063862,  -0.01422057,
                                 -0.00489779, 0.01268925, -0.03357711, 0.01797036};
const std::vector<double> df_two{0.01846232,  0.00793951, -0.01448395, 0.00422537,
                                 -0.00339611, 0.03756813, 0.0151531,   0.03549769};

/// empyrical's tests compare to 8 decimals (np.testing.assert_almost_equal); keel matches the
/// same formulas to rounding, so they are compared here to 1e-12 relative.
void check_close(double got, double expected, double rel = 1e-12) {
  INFO("got " << got << ", expected " << expected);
  CHECK(std::fabs(got - expected) <= rel * std::max(1.0, std::fabs(expected)));
}

/// Brute force: the largest 1 - W_j / W_i over all i <= j of the wealth path with W_0 = 1.
ld brute_max_drawdown(const std::vector<double>& r) {
  std::vector<ld> w{1};
  for (double x : r) w.push_back(w.back() * (1 + static_cast<ld>(x)));
  ld best = 0;
  for (std::size_t i = 0; i < w.size(); ++i)
    for (std::size_t j = i; j < w.size(); ++j) best = std::max(best, 1 - w[j] / w[i]);
  return best;
}

ld direct_mean(const std::vector<double>& r) {
  ld s = 0;
  for (double x : r) s += x;
  return s / static_cast<ld>(r.size());
}

ld direct_sd(const std::vector<double>& r) {
  const ld m = direct_mean(r);
  ld s = 0;
  for (double x : r) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<ld>(r.size() - 1));
}

ld direct_cagr(const std::vector<double>& r, ld periods) {
  ld g = 1;
  for (double x : r) g *= 1 + static_cast<ld>(x);
  return std::pow(g, periods / static_cast<ld>(r.size())) - 1;
}

ld direct_downside(const std::vector<double>& r, ld mar) {
  ld s = 0;
  for (double x : r) {
    const ld d = std::min<ld>(x - mar, 0);
    s += d * d;
  }
  return std::sqrt(s / static_cast<ld>(r.size()));
}

/// numpy.percentile(x, 100 q) with the default linear method, on a fully sorted copy.
ld numpy_percentile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const ld h = static_cast<ld>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= x.size()) return x[lo];
  return x[lo] + (h - static_cast<ld>(lo)) * (static_cast<ld>(x[lo + 1]) - x[lo]);
}

std::vector<double> random_returns(std::size_t n, unsigned seed, double mu = 0.0004, double sd = 0.012) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> d(mu, sd);
  std::vector<double> r(n);
  for (auto& v : r) v = d(gen);
  return r;
}

double rel_err(double got, ld expected) {
  return static_cast<double>(std::fabs(static_cast<ld>(got) - expected) / std::max<ld>(std::fabs(expected), 1e-300));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// empyrical's regression values.

TEST_CASE("max_drawdown, annual_return, annual_volatility, calmar_ratio: empyrical's values",
          "[performance][empyrical]") {
  // empyrical returns drawdowns negative: -0.36590730 is a depth of 0.36590730.
  check_close(keel::max_drawdown(negative_returns).depth, 0.36590730, 1e-8);
  check_close(keel::max_drawdown(all_negative_returns).depth, 0.378589157, 1e-9);
  check_close(keel::max_drawdown(pct({10, -10, 10})).depth, 0.10);
  CHECK(keel::max_drawdown(positive_returns).depth == 0.0);
  CHECK(keel::max_drawdown(pct({0, 1, 0, 1, 0, 1, 0, 1, 0})).depth == 0.0);  // simple_benchmark
  CHECK(keel::max_drawdown(pct({1})).depth == 0.0);
  check_close(keel::annual_return(periodic_returns, {.periods_per_year = 52}), 0.24690830513998208);
  check_close(keel::annual_return(periodic_returns, {.periods_per_year = 12}), 0.052242061386048144);
  check_close(keel::annual_return(pct({1})), 11.274002099240244);
  check_close(keel::annual_return(std::vector<double>(1000, 0.01)), 11.274002099240256);
  check_close(keel::annual_return(pct({3, 3, 3}), {.periods_per_year = 1}), 0.03);
  check_close(keel::annual_volatility(periodic_returns, {.periods_per_year = 52}), 0.38851569394870583);
  check_close(keel::annual_volatility(periodic_returns, {.periods_per_year = 12}), 0.18663690238892558);
  CHECK(keel::annual_volatility(std::vector<double>(1000, 0.01)) == 0.0);
  check_close(keel::calmar_ratio(periodic_returns, {.periods_per_year = 52}), 2.4690830513998208);
  check_close(keel::calmar_ratio(periodic_returns, {.periods_per_year = 12}), 0.52242061386048144);
}

TEST_CASE("sharpe_ratio, downside_risk, sortino_ratio, omega_ratio: empyrical's values", "[performance][empyrical]") {
  check_close(keel::sharpe_ratio(mixed_returns), 1.7238613961706866);
  check_close(keel::sharpe_ratio(positive_returns), 52.915026221291804);
  check_close(keel::sharpe_ratio(negative_returns), -24.406808633910085);
  CHECK(keel::sharpe_ratio(std::vector<double>(9, 0.01)) == std::numeric_limits<double>::infinity());
  check_close(keel::downside_risk(mixed_returns), 0.60448325038829653);
  check_close(keel::downside_risk(mixed_returns, {.required_return = 0.1}), 1.7161730681956295);
  check_close(keel::downside_risk(periodic_returns, {.periods_per_year = 52}), 0.25888650451930134);
  check_close(keel::downside_risk(periodic_returns, {.required_return = 0.1, .periods_per_year = 52}),
              0.7733045971672482);
  check_close(keel::downside_risk(periodic_returns, {.periods_per_year = 12}), 0.1243650540411842);
  check_close(keel::downside_risk(periodic_returns, {.required_return = 0.1, .periods_per_year = 12}),
              0.37148351242013422);
  check_close(keel::downside_risk(df_one), 0.20671788246185202);
  check_close(keel::downside_risk(df_two), 0.083495680595704475);
  check_close(keel::downside_risk(df_one, {.periods_per_year = 52}), 0.093902996054410062);
  check_close(keel::downside_risk(df_two, {.periods_per_year = 12}), 0.018220251263412916);
  CHECK(keel::downside_risk(pct({1})) == 0.0);
  check_close(keel::sortino_ratio(mixed_returns), 2.605531251673693);
  check_close(keel::sortino_ratio(mixed_returns, {.required_return = 0.01}), -1.3934779588919977);
  check_close(keel::sortino_ratio(negative_returns), -13.532743075043401);
  check_close(keel::sortino_ratio(periodic_returns, {.periods_per_year = 52}), 1.1158901056866439);
  check_close(keel::sortino_ratio(periodic_returns, {.periods_per_year = 12}), 0.53605626741889756);
  check_close(keel::sortino_ratio(df_one), 3.0639640966566306);
  check_close(keel::sortino_ratio(df_two), 38.090963117002495);
  check_close(keel::sortino_ratio(df_one, {.periods_per_year = 52}), 1.3918264112070571);
  check_close(keel::sortino_ratio(df_two, {.periods_per_year = 12}), 8.3121296084492844);
  CHECK(keel::sortino_ratio(positive_returns) == std::numeric_limits<double>::infinity());
  check_close(keel::omega_ratio(mixed_returns, {.required_return = 10.0}), 0.83354263497557934);
  check_close(keel::omega_ratio(mixed_returns, {.risk_free = 0.01}), 0.8125);
  check_close(keel::omega_ratio(positive_returns, {.risk_free = 0.011}), 1.125);
  CHECK(keel::omega_ratio(positive_returns, {.risk_free = 0.02}) == 0.0);
  CHECK(keel::omega_ratio(negative_returns, {.risk_free = 0.01}) == 0.0);
  // empyrical returns NaN where nothing falls below the threshold; keel says +inf.
  CHECK(keel::omega_ratio(positive_returns, {.risk_free = 0.01}) == std::numeric_limits<double>::infinity());
}

TEST_CASE("stability, information_ratio, alpha_beta, capture_ratios: empyrical's values", "[performance][empyrical]") {
  check_close(keel::stability(mixed_returns), 0.1529973665111273);
  check_close(keel::stability(std::vector<double>(1000, 0.01)), 1.0);
  const std::vector<double> zeros(mixed_returns.size(), 0.0), ones(mixed_returns.size(), 0.01);
  check_close(keel::information_ratio(mixed_returns, zeros, {.periods_per_year = 1}), 0.10859306069076737);
  check_close(keel::information_ratio(mixed_returns, ones, {.periods_per_year = 1}), -0.06515583641446039);
  // The default annualises: empyrical's per-period excess_sharpe x sqrt(252).
  check_close(keel::information_ratio(mixed_returns, zeros), 0.10859306069076737 * std::sqrt(252.0));
  check_close(keel::information_ratio(mixed_returns, ones, {.periods_per_year = 12}),
              -0.06515583641446039 * std::sqrt(12.0));
  // alpha_beta(mixed_returns, negative_returns[1:]): the pairs on common dates.
  const std::vector<double> market(negative_returns.begin() + 1, negative_returns.end());
  const auto ab = keel::alpha_beta(mixed_returns, market);
  check_close(ab.alpha, -0.9997853834885004);
  check_close(ab.beta, -0.71296296296296313);
  const auto self = keel::alpha_beta(mixed_returns, mixed_returns);
  CHECK(self.alpha == Approx(0.0).margin(1e-14));
  check_close(self.beta, 1.0);
  std::vector<double> negated(mixed_returns);
  for (double& v : negated) v = -v;
  check_close(keel::alpha_beta(mixed_returns, negated).beta, -1.0);
  // down_capture(all_negative_returns, mixed_returns) and (positive_returns, mixed_returns),
  // with mixed_returns' leading NaN dropped from both.
  const std::vector<double> all_neg(all_negative_returns.begin() + 1, all_negative_returns.end());
  const std::vector<double> pos(positive_returns.begin() + 1, positive_returns.end());
  check_close(keel::capture_ratios(all_neg, mixed_returns).down, 0.99956025703798634);
  check_close(keel::capture_ratios(pos, mixed_returns).down, -11.27400221, 1e-9);
  const auto same = keel::capture_ratios(mixed_returns, mixed_returns);
  check_close(same.up, 1.0);
  check_close(same.down, 1.0);
  check_close(same.ratio, 1.0);
}

TEST_CASE("rolling_sharpe and rolling_max_drawdown: empyrical's roll_ values", "[performance][empyrical][rolling]") {
  const auto s = keel::rolling_sharpe(negative_returns, 6);
  const std::array<double, 4> sharpe{-18.09162052, -26.79897486, -26.69138263, -25.72298838};
  REQUIRE(s.sharpe_ratios.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) check_close(s.sharpe_ratios[k], sharpe[k], 1e-9);
  const auto d = keel::rolling_max_drawdown(negative_returns, 6);
  const std::array<double, 4> depth{0.2282, 0.2745, 0.2899, 0.2747};  // empyrical's 4 decimals
  REQUIRE(d.depths.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) CHECK(d.depths[k] == Approx(depth[k]).margin(5e-5));
}

// ---------------------------------------------------------------------------------------------
// Hand-computed cases and brute force.

TEST_CASE("max_drawdown fields on a hand-computed path", "[performance][drawdown]") {
  // Wealth: 1 -> 1.1 -> 0.88 -> 0.924 -> 1.1088 -> 0.99792. Peak 1.1 after returns[0], trough
  // 0.88 after returns[1] (depth 0.2), recovered after returns[3] (1.1088 >= 1.1); a second,
  // shallower drawdown of 10% from 1.1088 is still open.
  const std::vector<double> r{0.1, -0.2, 0.05, 0.2, -0.1};
  const auto d = keel::max_drawdown(r);
  CHECK(d.depth == Approx(0.2).epsilon(1e-15));
  CHECK(d.peak == 0);
  CHECK(d.trough == 1);
  REQUIRE(d.recovery);
  CHECK(*d.recovery == 3);
  CHECK(d.duration == 1);
  CHECK(d.recovery_length == 2);
  const auto top = keel::top_drawdowns(r, 5);
  REQUIRE(top.size() == 2);
  CHECK(top[1].depth == Approx(0.1).epsilon(1e-14));
  CHECK(top[1].peak == 3);
  CHECK(top[1].trough == 4);
  CHECK_FALSE(top[1].recovery);
  CHECK(top[1].recovery_length == 0);  // trough at the last point
  const auto curve = keel::drawdown_series(r);
  const std::vector<double> expected{0, 0.2, 1 - 0.924 / 1.1, 0, 0.1};
  for (std::size_t i = 0; i < r.size(); ++i) CHECK(curve[i] == Approx(expected[i]).margin(1e-15));
  // A fall on the first day counts from the starting wealth (peak -1), as empyrical does.
  const auto first = keel::max_drawdown(std::vector<double>{-0.1, -0.15, 0.05});
  CHECK(first.depth == Approx(1 - 0.9 * 0.85).epsilon(1e-15));
  CHECK(first.peak == -1);
  CHECK(first.trough == 1);
  CHECK(first.duration == 2);
  CHECK(first.recovery_length == 1);  // to the last point: not recovered
  // No drawdown: depth 0, peak = trough = -1.
  const auto none = keel::max_drawdown(std::vector<double>{0.01, 0.0, 0.02});
  CHECK(none.depth == 0.0);
  CHECK(none.trough == -1);
  CHECK(none.peak == -1);
  CHECK(keel::top_drawdowns(std::vector<double>{0.01, 0.02}, 3).empty());
  // A wipe-out is a depth of 1 and never recovers.
  const auto wiped = keel::max_drawdown(std::vector<double>{0.5, -1.0, 0.3});
  CHECK(wiped.depth == 1.0);
  CHECK_FALSE(wiped.recovery);
  // The same from values.
  const auto v = keel::max_drawdown_from_values(std::vector<double>{100, 110, 88, 92.4, 110.88, 99.792});
  CHECK(v.depth == Approx(0.2).epsilon(1e-15));
  CHECK(v.peak == 1);
  CHECK(v.trough == 2);
  CHECK(*v.recovery == 4);
}

TEST_CASE("max_drawdown and top_drawdowns agree with a brute force over all pairs",
          "[performance][drawdown][independent]") {
  double worst = 0;
  for (unsigned seed = 1; seed <= 30; ++seed) {
    const auto r = random_returns(60 + 13 * seed, seed, 0.0002, 0.01 + 0.002 * seed);
    const ld brute = brute_max_drawdown(r);
    const auto d = keel::max_drawdown(r);
    worst = std::max(worst, rel_err(d.depth, brute));
    INFO("seed " << seed);
    // The tracked ratio accumulates one rounding per period of the episode: n ulps at most.
    CHECK(rel_err(d.depth, brute) < static_cast<double>(r.size()) * 2.3e-16);
    // The deepest of the top drawdowns is the maximum drawdown; they do not overlap and are
    // sorted by depth.
    const auto top = keel::top_drawdowns(r, 10);
    REQUIRE_FALSE(top.empty());
    CHECK(top.front().depth == d.depth);
    CHECK(top.front().trough == d.trough);
    for (std::size_t i = 1; i < top.size(); ++i) {
      CHECK(top[i].depth <= top[i - 1].depth);
      for (std::size_t j = 0; j < i; ++j) {
        const auto end = [](const keel::drawdown<double>& x) { return x.recovery.value_or(1 << 30); };
        CHECK((end(top[i]) <= top[j].peak || top[i].peak >= end(top[j])));
      }
    }
    // The underwater curve's maximum is the depth; its zeros are the peaks.
    const auto curve = keel::drawdown_series(r);
    CHECK(*std::max_element(curve.begin(), curve.end()) == d.depth);
    // From values: the same path as prices.
    std::vector<double> prices{100};
    for (double x : r) prices.push_back(prices.back() * (1 + x));
    CHECK(rel_err(keel::max_drawdown_from_values(prices).depth, brute) < static_cast<double>(r.size()) * 2.3e-16);
  }
  std::cout << "max_drawdown vs brute force: worst relative difference " << worst << "\n";
}

TEST_CASE("annual_return, annual_volatility, sharpe_ratio and the rest against direct long-double formulas",
          "[performance][independent]") {
  for (unsigned seed = 1; seed <= 10; ++seed) {
    const auto r = random_returns(250 * seed, seed);
    const auto m = random_returns(250 * seed, seed + 100, 0.0003, 0.009);
    INFO("seed " << seed);
    CHECK(rel_err(keel::annual_return(r), direct_cagr(r, 252)) < 1e-12);
    CHECK(rel_err(keel::annual_volatility(r, {.periods_per_year = 52}), direct_sd(r) * std::sqrt(ld(52))) < 1e-13);
    CHECK(rel_err(keel::sharpe_ratio(r, {.risk_free = 1e-4}),
                  (direct_mean(r) - ld(1e-4)) / direct_sd(r) * std::sqrt(ld(252))) < 1e-12);
    CHECK(rel_err(keel::downside_risk(r, {.required_return = 2e-4}), direct_downside(r, 2e-4) * std::sqrt(ld(252))) <
          1e-13);
    CHECK(rel_err(keel::sortino_ratio(r), direct_mean(r) / direct_downside(r, 0) * std::sqrt(ld(252))) < 1e-12);
    CHECK(rel_err(keel::calmar_ratio(r), direct_cagr(r, 252) / brute_max_drawdown(r)) < 1e-11);
    const ld thr = std::pow(ld(1.05), ld(1) / 252) - 1;
    ld gains = 0, losses = 0;
    for (double x : r) (x - thr > 0 ? gains : losses) += std::fabs(x - thr);
    CHECK(rel_err(keel::omega_ratio(r, {.required_return = 0.05}), gains / losses) < 1e-12);
    CHECK(rel_err(keel::tail_ratio(r), std::fabs(numpy_percentile(r, 0.95)) / std::fabs(numpy_percentile(r, 0.05))) <
          1e-14);
    // Information ratio and tracking error from the active returns.
    std::vector<double> active(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) active[i] = r[i] - m[i];
    CHECK(rel_err(keel::tracking_error(r, m), direct_sd(active) * std::sqrt(ld(252))) < 1e-13);
    CHECK(rel_err(keel::tracking_error(r, m, {.periods_per_year = 1}), direct_sd(active)) < 1e-13);
    CHECK(rel_err(keel::information_ratio(r, m, {.periods_per_year = 1}), direct_mean(active) / direct_sd(active)) <
          1e-12);
    CHECK(rel_err(keel::information_ratio(r, m), direct_mean(active) / direct_sd(active) * std::sqrt(ld(252))) < 1e-12);
  }
}

TEST_CASE("stability, alpha_beta, treynor_ratio and capture_ratios against direct formulas",
          "[performance][independent]") {
  for (unsigned seed = 1; seed <= 10; ++seed) {
    const auto m = random_returns(300 + 50 * seed, seed + 7, 0.0003, 0.01);
    std::vector<double> r(m.size());
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> e(0, 0.006);
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = 0.0001 + 1.2 * m[i] + e(gen);
    INFO("seed " << seed);
    // OLS by textbook long-double sums.
    const ld mx = direct_mean(m), my = direct_mean(r);
    ld sxx = 0, sxy = 0, syy = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      sxx += (m[i] - mx) * (m[i] - mx);
      sxy += (m[i] - mx) * (r[i] - my);
      syy += (r[i] - my) * (r[i] - my);
    }
    const ld beta = sxy / sxx, rf = 5e-5;
    const ld period_alpha = (my - rf) - beta * (mx - rf);
    const auto fit = keel::alpha_beta(r, m, {.risk_free = 5e-5});
    CHECK(rel_err(fit.beta, beta) < 1e-13);
    CHECK(rel_err(fit.period_alpha, period_alpha) < 1e-10);
    CHECK(rel_err(fit.alpha, std::pow(1 + period_alpha, ld(252)) - 1) < 1e-10);
    CHECK(rel_err(fit.r_squared, sxy * sxy / (sxx * syy)) < 1e-13);
    CHECK(fit.n == static_cast<std::ptrdiff_t>(r.size()));
    std::vector<double> excess(r.size());
    for (std::size_t i = 0; i < r.size(); ++i) excess[i] = r[i] - 5e-5;
    CHECK(rel_err(keel::treynor_ratio(r, m, {.risk_free = 5e-5}), direct_cagr(excess, 252) / beta) < 1e-11);
    // Stability: R^2 of y_t = sum log(1 + r) on t, by long-double sums.
    std::vector<ld> y;
    ld cum = 0;
    for (double x : r) y.push_back(cum += std::log1p(static_cast<ld>(x)));
    const ld n = static_cast<ld>(y.size()), tbar = (n - 1) / 2;
    ld ybar = 0;
    for (ld v : y) ybar += v;
    ybar /= n;
    ld stt = 0, sty = 0, sy2 = 0;
    for (std::size_t t = 0; t < y.size(); ++t) {
      stt += (static_cast<ld>(t) - tbar) * (static_cast<ld>(t) - tbar);
      sty += (static_cast<ld>(t) - tbar) * (y[t] - ybar);
      sy2 += (y[t] - ybar) * (y[t] - ybar);
    }
    CHECK(rel_err(keel::stability(r), sty * sty / (stt * sy2)) < 1e-11);
    // Capture: the filtered subsets compounded directly.
    std::vector<double> ru, mu, rd, md;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (m[i] > 0) ru.push_back(r[i]), mu.push_back(m[i]);
      if (m[i] < 0) rd.push_back(r[i]), md.push_back(m[i]);
    }
    const auto c = keel::capture_ratios(r, m);
    const ld up = direct_cagr(ru, 252) / direct_cagr(mu, 252), down = direct_cagr(rd, 252) / direct_cagr(md, 252);
    CHECK(rel_err(c.up, up) < 1e-11);
    CHECK(rel_err(c.down, down) < 1e-11);
    CHECK(rel_err(c.ratio, up / down) < 1e-11);
  }
}

TEST_CASE("tail_ratio uses numpy's linear percentile, hand-computed", "[performance][tail]") {
  // Sorted: -10 -4 1 1 2 2 3 10 (%). p95: h = 6.65 -> 3 + 0.65 x 7 = 7.55; p5: h = 0.35 ->
  // -10 + 0.35 x 6 = -7.9.
  CHECK(keel::tail_ratio(mixed_returns) == Approx(7.55 / 7.9).epsilon(1e-14));
  CHECK(keel::tail_ratio(pct({1})) == 1.0);  // empyrical: one return gives 1
  CHECK(keel::tail_ratio(std::vector<double>{0.0, 0.0, 0.0, 0.0, 0.02}) == std::numeric_limits<double>::infinity());
  CHECK_THROWS_AS(keel::tail_ratio(std::vector<double>{0.0, 0.0, 0.0}), keel::singular_problem);
}

// ---------------------------------------------------------------------------------------------
// Storage, types, dated forms.

TEMPLATE_TEST_CASE("every performance function takes every storage", "[performance][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const auto raw = random_returns(300, 5);
  const auto raw_m = random_returns(300, 6);
  std::vector<double> r, m;  // the values the storage holds
  for (double v : raw) r.push_back(static_cast<double>(static_cast<real>(v)));
  for (double v : raw_m) m.push_back(static_cast<double>(static_cast<real>(v)));
  const TestType sr(raw), sm(raw_m);
  const auto& x = sr.series();
  const auto& y = sm.series();
  const double tol = std::is_same_v<real, float> ? 3e-7 : 1e-12;
  const auto dd = keel::max_drawdown(x);
  STATIC_REQUIRE(std::is_same_v<decltype(dd), const keel::drawdown<real>>);
  CHECK(rel_err(static_cast<double>(dd.depth), brute_max_drawdown(r)) < tol);
  const auto sharpe = keel::sharpe_ratio(x);
  STATIC_REQUIRE(std::is_same_v<decltype(sharpe), const real>);
  CHECK(rel_err(static_cast<double>(sharpe), direct_mean(r) / direct_sd(r) * std::sqrt(ld(252))) < tol);
  CHECK(rel_err(static_cast<double>(keel::annual_return(x)), direct_cagr(r, 252)) < tol);
  CHECK(rel_err(static_cast<double>(keel::annual_volatility(x)), direct_sd(r) * std::sqrt(ld(252))) < tol);
  CHECK(rel_err(static_cast<double>(keel::downside_risk(x)), direct_downside(r, 0) * std::sqrt(ld(252))) < tol);
  CHECK(rel_err(static_cast<double>(keel::sortino_ratio(x)),
                direct_mean(r) / direct_downside(r, 0) * std::sqrt(ld(252))) < tol);
  CHECK(rel_err(static_cast<double>(keel::calmar_ratio(x)), direct_cagr(r, 252) / brute_max_drawdown(r)) < 10 * tol);
  CHECK(keel::omega_ratio(x) > 0);
  CHECK(rel_err(static_cast<double>(keel::tail_ratio(x)),
                std::fabs(numpy_percentile(r, 0.95)) / std::fabs(numpy_percentile(r, 0.05))) < tol);
  CHECK(keel::stability(x) >= 0);
  CHECK(std::isfinite(static_cast<double>(keel::treynor_ratio(x, y))));
  CHECK(keel::tracking_error(x, y) > 0);
  CHECK(std::isfinite(static_cast<double>(keel::information_ratio(x, y))));
  const auto c = keel::capture_ratios(x, y);
  CHECK(std::isfinite(static_cast<double>(c.ratio)));
  const auto ab = keel::alpha_beta(x, y);
  STATIC_REQUIRE(std::is_same_v<decltype(ab.beta), real>);
  CHECK(ab.n == 300);
  const auto curve = keel::drawdown_series(x);
  CHECK(curve.size() == 300);
  CHECK(keel::top_drawdowns(x, 3).size() <= 3);
  const auto rs = keel::rolling_sharpe(x, 60);
  STATIC_REQUIRE(std::is_same_v<decltype(rs.sharpe_ratios), std::vector<real>>);
  CHECK(rs.sharpe_ratios.size() == 241);
  CHECK(static_cast<double>(rs.sharpe_ratios.back()) ==
        Approx(static_cast<double>(keel::sharpe_ratio(std::vector<real>(r.end() - 60, r.end())))).epsilon(10 * tol));
  const auto rd = keel::rolling_max_drawdown(x, 60);
  CHECK(rd.depths.size() == 241);
}

TEST_CASE("dated forms keep keys, skip missing rows and align pairs", "[performance][dated]") {
  using ymd = std::chrono::year_month_day;
  std::vector<ymd> days;
  for (int d = 1; d <= 9; ++d)
    days.push_back(ymd{std::chrono::year{2024}, std::chrono::January, std::chrono::day{unsigned(d)}});
  // r has a missing value on 2024-01-04; the drawdown from 2024-01-02's peak bottoms on 01-07.
  const std::vector<double> r{0.01, 0.05, std::nan(""), -0.02, -0.03, -0.01, 0.02, 0.04, 0.01};
  const keel::dated_view returns(days, r, "FUND");
  const auto d = keel::max_drawdown(returns);
  std::vector<double> kept{0.01, 0.05, -0.02, -0.03, -0.01, 0.02, 0.04, 0.01};
  const auto plain = keel::max_drawdown(kept);
  CHECK(d.depth == plain.depth);
  CHECK(d.peak == days[1]);
  CHECK(d.trough == days[5]);
  CHECK(d.recovery == days[8]);
  CHECK(d.duration == plain.duration);
  const auto curve = keel::drawdown_series(returns);
  CHECK(curve.keys().size() == 8);
  CHECK(curve.keys()[2] == days[3]);
  const auto rolled = keel::rolling_sharpe(returns, 4);
  CHECK(rolled.sharpe_ratios.keys().front() == days[4]);  // the 4th observed row
  CHECK(rolled.sharpe_ratios.values() == keel::rolling_sharpe(kept, 4).sharpe_ratios);
  const auto depths = keel::rolling_max_drawdown(returns, 3);
  CHECK(depths.depths.keys().back() == days[8]);
  // Pairs are aligned: the market lacks 2024-01-09; the NaN row of r is dropped too.
  const std::vector<ymd> mdays(days.begin(), days.end() - 1);
  const std::vector<double> m{0.005, 0.03, 0.01, -0.01, -0.02, 0.0, 0.01, 0.02};
  const auto ab = keel::alpha_beta(returns, keel::dated_view(mdays, m));
  CHECK(ab.n == 7);
  const std::vector<double> r7{0.01, 0.05, -0.02, -0.03, -0.01, 0.02, 0.04};
  const std::vector<double> m7{0.005, 0.03, -0.01, -0.02, 0.0, 0.01, 0.02};
  CHECK(ab.beta == keel::alpha_beta(r7, m7).beta);
  CHECK(keel::tracking_error(returns, keel::dated_view(mdays, m)) == keel::tracking_error(r7, m7));
  // A return below -1 in a dated series names its key.
  std::vector<double> bad(r);
  bad[6] = -1.5;
  CHECK_THROWS_WITH(keel::max_drawdown(keel::dated_view(days, bad, "FUND")),
                    Contains("FUND[6] on 2024-01-07 = -1.5 is below -1"));
  const std::vector<ymd> unordered{days[1], days[0]};
  CHECK_THROWS_AS(keel::max_drawdown(keel::dated_view(unordered, std::vector<double>{0.1, 0.2})), keel::invalid_input);
}

TEST_CASE("every single-series function has a dated form equal to the plain form on its values",
          "[performance][dated]") {
  using ymd = std::chrono::year_month_day;
  const std::vector<double> all = random_returns(60, 21);
  std::vector<ymd> days;
  std::vector<double> r(all), kept;
  for (int d = 0; d < 60; ++d)
    days.push_back(std::chrono::sys_days{std::chrono::year{2024} / std::chrono::January / 1} + std::chrono::days{d});
  r[10] = std::nan("");  // missing: skipped, as the other dated forms skip it
  for (double x : r)
    if (!std::isnan(x)) kept.push_back(x);
  const keel::dated_view dated(days, r, "FUND");
  CHECK(keel::annual_return(dated) == keel::annual_return(kept));
  CHECK(keel::annual_return(dated, {.periods_per_year = 12}) == keel::annual_return(kept, {.periods_per_year = 12}));
  CHECK(keel::annual_volatility(dated) == keel::annual_volatility(kept));
  CHECK(keel::sharpe_ratio(dated, {.risk_free = 1e-4, .periods_per_year = 52}) ==
        keel::sharpe_ratio(kept, {.risk_free = 1e-4, .periods_per_year = 52}));
  CHECK(keel::downside_risk(dated, {.required_return = 1e-3}) == keel::downside_risk(kept, {.required_return = 1e-3}));
  CHECK(keel::sortino_ratio(dated) == keel::sortino_ratio(kept));
  CHECK(keel::calmar_ratio(dated) == keel::calmar_ratio(kept));
  CHECK(keel::omega_ratio(dated, {.required_return = 0.05}) == keel::omega_ratio(kept, {.required_return = 0.05}));
  CHECK(keel::tail_ratio(dated) == keel::tail_ratio(kept));
  CHECK(keel::stability(dated) == keel::stability(kept));
  // A bad value is named by its date.
  std::vector<double> bad(r);
  bad[20] = std::numeric_limits<double>::infinity();
  const keel::dated_view inf_row(days, bad, "FUND");
  CHECK_THROWS_WITH(keel::sharpe_ratio(inf_row), Equals("sharpe_ratio: FUND[20] on 2024-01-21 is inf"));
  CHECK_THROWS_WITH(keel::annual_volatility(inf_row), Contains("FUND[20] on 2024-01-21 is inf"));
  CHECK_THROWS_WITH(keel::downside_risk(inf_row), Contains("FUND[20] on 2024-01-21 is inf"));
  CHECK_THROWS_WITH(keel::sortino_ratio(inf_row), Contains("FUND[20] on 2024-01-21 is inf"));
  CHECK_THROWS_WITH(keel::omega_ratio(inf_row), Contains("FUND[20] on 2024-01-21 is inf"));
  CHECK_THROWS_WITH(keel::tail_ratio(inf_row), Contains("FUND[20] on 2024-01-21 is inf"));
  bad[20] = -1.5;
  const keel::dated_view loss_row(days, bad, "FUND");
  CHECK_THROWS_WITH(keel::annual_return(loss_row),
                    Contains("annual_return: FUND[20] on 2024-01-21 = -1.5 is below -1"));
  CHECK_THROWS_WITH(keel::calmar_ratio(loss_row), Contains("FUND[20] on 2024-01-21 = -1.5 is below -1"));
  CHECK_THROWS_WITH(keel::stability(loss_row), Contains("FUND[20] on 2024-01-21 = -1.5 is below -1"));
  const std::vector<ymd> unordered{days[1], days[0], days[2]};
  CHECK_THROWS_AS(keel::sharpe_ratio(keel::dated_view(unordered, std::vector<double>{0.1, 0.2, 0.3})),
                  keel::invalid_input);
}

TEST_CASE("periods_per_year has one validator and one message in every ratio", "[performance][errors][periods]") {
  const auto r = random_returns(50, 5);
  const auto m = random_returns(50, 6);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::annual_return(r, {.periods_per_year = 0}),
                    Equals("annual_return: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::sortino_ratio(r, {.periods_per_year = -1}),
                    Equals("sortino_ratio: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::information_ratio(r, m, {.periods_per_year = std::nan("")}),
                    Equals("information_ratio: periods_per_year = NaN must be positive and finite"));
  CHECK_THROWS_WITH(keel::tracking_error(r, m, {.periods_per_year = inf}),
                    Equals("tracking_error: periods_per_year = inf must be positive and finite"));
  CHECK_THROWS_WITH(keel::omega_ratio(r, {.periods_per_year = 0}), Contains("periods_per_year = 0"));
  CHECK_THROWS_WITH(keel::rolling_sharpe(r, 10, {.periods_per_year = -1}), Contains("periods_per_year = -1"));
  CHECK_THROWS_WITH(keel::alpha_beta(r, m, {.periods_per_year = inf}), Contains("periods_per_year = inf"));
}

TEST_CASE("information_ratio and tracking_error always annualise with periods_per_year", "[performance][periods]") {
  const auto r = random_returns(200, 8);
  const auto m = random_returns(200, 9);
  const double per_period = keel::information_ratio(r, m, {.periods_per_year = 1});
  CHECK(keel::information_ratio(r, m) == Approx(per_period * std::sqrt(252.0)).epsilon(1e-14));
  CHECK(keel::information_ratio(r, m, {.periods_per_year = 252}) == keel::information_ratio(r, m));
  CHECK(keel::information_ratio(r, m, {.periods_per_year = 12}) == Approx(per_period * std::sqrt(12.0)).epsilon(1e-14));
  const double te = keel::tracking_error(r, m, {.periods_per_year = 1});
  CHECK(keel::tracking_error(r, m, {.periods_per_year = 52}) == Approx(te * std::sqrt(52.0)).epsilon(1e-14));
}

TEST_CASE("float and long double follow the floating rule", "[performance][storage]") {
  const auto r = random_returns(500, 9);
  const std::vector<long double> rl(r.begin(), r.end());
  STATIC_REQUIRE(std::is_same_v<decltype(keel::sharpe_ratio(rl)), long double>);
  const ld sd = [&] {
    ld m = 0;
    for (ld v : rl) m += v;
    m /= 500;
    ld s = 0;
    for (ld v : rl) s += (v - m) * (v - m);
    return std::sqrt(s / 499);
  }();
  CHECK(std::fabs(keel::annual_volatility(rl) - sd * std::sqrt(ld(252))) / (sd * 16) < 1e-17L);
  const std::vector<float> rf(r.begin(), r.end());
  STATIC_REQUIRE(std::is_same_v<decltype(keel::max_drawdown(rf).depth), float>);
  // float data whose CAGR does not fit in float is an error, not inf.
  CHECK_THROWS_WITH(keel::annual_return(std::vector<float>{5.0f}, {.periods_per_year = 252}), Contains("overflows"));
}

// ---------------------------------------------------------------------------------------------
// Rolling forms against the series functions on every window.

TEST_CASE("rolling_sharpe agrees with sharpe_ratio on every window", "[performance][rolling]") {
  const auto r = random_returns(3000, 17);
  for (std::ptrdiff_t w : {20, 90, 252}) {
    const auto rolled = keel::rolling_sharpe(r, w, {.risk_free = 1e-4, .periods_per_year = 252});
    REQUIRE(std::ssize(rolled.sharpe_ratios) == std::ssize(r) - w + 1);
    double worst = 0;
    for (std::size_t k = 0; k < rolled.sharpe_ratios.size(); ++k) {
      const std::span<const double> win(r.data() + k, static_cast<std::size_t>(w));
      const double direct = keel::sharpe_ratio(win, {.risk_free = 1e-4});
      worst = std::max(worst, std::fabs(rolled.sharpe_ratios[k] - direct) / std::max(std::fabs(direct), 0.01));
    }
    INFO("window " << w);
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("rolling_max_drawdown agrees with a brute force on every window", "[performance][rolling]") {
  auto r = random_returns(700, 23, 0.0, 0.02);
  r[100] = -1.0;  // a wipe-out inside some windows: depth 1 there
  r[400] = 0.9;
  for (std::ptrdiff_t w : {1, 2, 5, 20, 90, 252, 700}) {
    const auto rolled = keel::rolling_max_drawdown(r, w);
    REQUIRE(std::ssize(rolled.depths) == std::ssize(r) - w + 1);
    double worst = 0;
    for (std::size_t k = 0; k < rolled.depths.size(); ++k) {
      const std::vector<double> win(r.begin() + static_cast<std::ptrdiff_t>(k),
                                    r.begin() + static_cast<std::ptrdiff_t>(k) + w);
      const ld brute = brute_max_drawdown(win);
      worst = std::max(worst, static_cast<double>(std::fabs(rolled.depths[k] - brute)));
    }
    INFO("window " << w);
    // Each window's summary is a product of at most 2 w factors: about 2 w ulps absolute.
    CHECK(worst < 2.3e-16 * static_cast<double>(2 * w + 4));
  }
  CHECK(keel::rolling_max_drawdown(r, 700).depths.front() == Approx(keel::max_drawdown(r).depth).epsilon(1e-13));
}

TEST_CASE("rolling forms on the bundled Dow 30 prices: every window of every stock", "[performance][rolling][real]") {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto returns = keel::simple_returns(table);
  double worst_sharpe = 0, worst_dd = 0;
  for (Eigen::Index j = 0; j < returns.returns.cols(); ++j) {
    const std::vector<double> r(returns.returns.col(j).begin(), returns.returns.col(j).end());
    const auto sharpe = keel::rolling_sharpe(r, 252);
    const auto dd = keel::rolling_max_drawdown(r, 252);
    for (std::size_t k = 0; k < sharpe.sharpe_ratios.size(); k += 7) {
      const std::vector<double> win(r.begin() + static_cast<std::ptrdiff_t>(k),
                                    r.begin() + static_cast<std::ptrdiff_t>(k) + 252);
      const double s = keel::sharpe_ratio(win);
      worst_sharpe = std::max(worst_sharpe, std::fabs(sharpe.sharpe_ratios[k] - s) / std::max(std::fabs(s), 0.01));
      worst_dd = std::max(worst_dd, static_cast<double>(std::fabs(dd.depths[k] - brute_max_drawdown(win))));
    }
  }
  std::cout << "Dow 30, window 252: rolling_sharpe worst relative " << worst_sharpe
            << ", rolling_max_drawdown worst absolute " << worst_dd << "\n";
  CHECK(worst_sharpe < 1e-12);
  CHECK(worst_dd < 1e-13);
}

TEST_CASE("rolling out forms allocate nothing once warm", "[performance][allocation]") {
  const auto r = random_returns(2000, 31);
  std::vector<int> keys(2000);
  std::iota(keys.begin(), keys.end(), 0);
  const keel::dated_view dated(keys, r);
  keel::rolling_sharpe_result<double> s;
  keel::rolling_sharpe_result<double>::workspace s_ws;
  keel::rolling_drawdown_result<double> d;
  keel::rolling_drawdown_result<double>::workspace d_ws;
  keel::dated_rolling_sharpe<int, double> ds;
  keel::dated_rolling_sharpe<int, double>::workspace ds_ws;
  keel::dated_rolling_drawdown<int, double> dd;
  keel::dated_rolling_drawdown<int, double>::workspace dd_ws;
  std::vector<double> curve(2000);
  const auto all = [&] {
    keel::rolling_sharpe(r, 90, s, s_ws);
    keel::rolling_max_drawdown(r, 90, d, d_ws);
    keel::rolling_sharpe(dated, 90, ds, ds_ws);
    keel::rolling_max_drawdown(dated, 90, dd, dd_ws);
    keel::drawdown_series(r, curve);
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  const auto dd0 = keel::max_drawdown(r);
  const double scalars = keel::sharpe_ratio(r) + keel::sortino_ratio(r) + keel::annual_return(r) +
                         keel::calmar_ratio(r) + keel::omega_ratio(r) + keel::annual_volatility(r) +
                         keel::downside_risk(r);
  CHECK(keel_test::allocation_count() == before);
  CHECK(std::isfinite(scalars + dd0.depth));
  CHECK(s.sharpe_ratios == keel::rolling_sharpe(r, 90).sharpe_ratios);
  CHECK(ds.sharpe_ratios.values() == s.sharpe_ratios);
  CHECK(dd.depths.values() == d.depths);
}

// Results are values: the scratch of the out forms is the result type's nested workspace, never
// a data member of the result.
template <class R>
constexpr bool workspace_is_apart = requires {
  typename R::workspace;
}
&&!requires(R r) { r.workspace; }
&&std::is_default_constructible_v<typename R::workspace>;
static_assert(workspace_is_apart<keel::rolling_sharpe_result<double>>);
static_assert(workspace_is_apart<keel::rolling_sharpe_result<float>>);
static_assert(workspace_is_apart<keel::dated_rolling_sharpe<int, double>>);
static_assert(workspace_is_apart<keel::rolling_drawdown_result<double>>);
static_assert(workspace_is_apart<keel::rolling_drawdown_result<float>>);
static_assert(workspace_is_apart<keel::dated_rolling_drawdown<int, double>>);

TEST_CASE("rolling results hold only their statistics", "[performance][rolling]") {
  STATIC_REQUIRE(workspace_is_apart<keel::rolling_sharpe_result<double>>);
  STATIC_REQUIRE(workspace_is_apart<keel::dated_rolling_drawdown<int, double>>);
  // A plain result is its vector and nothing else: no scratch comes back with it.
  const auto r = random_returns(500, 7);
  const auto s = keel::rolling_sharpe(r, 250);
  const auto d = keel::rolling_max_drawdown(r, 250);
  CHECK(s.sharpe_ratios.size() == 251);
  CHECK(d.depths.size() == 251);
  STATIC_REQUIRE(sizeof(keel::rolling_sharpe_result<double>) == sizeof(std::vector<double>));
  STATIC_REQUIRE(sizeof(keel::rolling_drawdown_result<double>) == sizeof(std::vector<double>));
  STATIC_REQUIRE(sizeof(keel::dated_rolling_sharpe<int, double>) == sizeof(keel::dated_series<int, double>));
  STATIC_REQUIRE(sizeof(keel::dated_rolling_drawdown<int, double>) == sizeof(keel::dated_series<int, double>));
}

TEST_CASE("rolling out forms with a reused workspace equal the plain forms", "[performance][rolling]") {
  // Two inputs in a row through the same out and ws (the second longer, then shorter, with a
  // different window), so stale scratch of the first call would show in the second.
  keel::rolling_sharpe_result<double> s;
  keel::rolling_sharpe_result<double>::workspace s_ws;
  keel::rolling_drawdown_result<double> d;
  keel::rolling_drawdown_result<double>::workspace d_ws;
  keel::dated_rolling_sharpe<int, double> ds;
  keel::dated_rolling_sharpe<int, double>::workspace ds_ws;
  keel::dated_rolling_drawdown<int, double> dd;
  keel::dated_rolling_drawdown<int, double>::workspace dd_ws;
  keel::rolling_sharpe_result<float> fs;
  keel::rolling_sharpe_result<float>::workspace fs_ws;
  keel::rolling_drawdown_result<float> fd;
  keel::rolling_drawdown_result<float>::workspace fd_ws;
  const keel::ratio_options o{.risk_free = 2e-4, .periods_per_year = 52};
  const std::array<std::pair<std::ptrdiff_t, std::ptrdiff_t>, 3> runs{{{700, 90}, {1500, 20}, {300, 250}}};
  unsigned seed = 11;
  for (const auto& [n, w] : runs) {
    CAPTURE(n, w);
    auto r = random_returns(static_cast<std::size_t>(n), seed++);
    std::vector<int> keys(static_cast<std::size_t>(n));
    std::iota(keys.begin(), keys.end(), 100);
    r[5] = std::numeric_limits<double>::quiet_NaN();  // a missing row in the dated form
    std::vector<int> kept_keys;
    std::vector<double> kept;
    for (std::size_t i = 0; i < r.size(); ++i)
      if (!std::isnan(r[i])) {
        kept_keys.push_back(keys[i]);
        kept.push_back(r[i]);
      }
    const keel::dated_view dated(keys, r);

    keel::rolling_sharpe(kept, w, s, s_ws, o);
    CHECK(s.sharpe_ratios == keel::rolling_sharpe(kept, w, o).sharpe_ratios);
    keel::rolling_max_drawdown(kept, w, d, d_ws);
    CHECK(d.depths == keel::rolling_max_drawdown(kept, w).depths);

    keel::rolling_sharpe(dated, w, ds, ds_ws, o);
    const auto ps = keel::rolling_sharpe(dated, w, o);
    CHECK(ds.sharpe_ratios.keys() == ps.sharpe_ratios.keys());
    CHECK(ds.sharpe_ratios.values() == ps.sharpe_ratios.values());
    CHECK(ds.sharpe_ratios.values() == s.sharpe_ratios);
    keel::rolling_max_drawdown(dated, w, dd, dd_ws);
    const auto pd = keel::rolling_max_drawdown(dated, w);
    CHECK(dd.depths.keys() == pd.depths.keys());
    CHECK(dd.depths.values() == pd.depths.values());
    CHECK(dd.depths.values() == d.depths);
    CHECK(dd.depths.keys().front() == kept_keys[static_cast<std::size_t>(w - 1)]);

    // float returns go through the workspace's double copy (its `scratch`), also reused.
    const std::vector<float> f(kept.begin(), kept.end());
    keel::rolling_sharpe(f, w, fs, fs_ws, o);
    CHECK(fs.sharpe_ratios == keel::rolling_sharpe(f, w, o).sharpe_ratios);
    keel::rolling_max_drawdown(f, w, fd, fd_ws);
    CHECK(fd.depths == keel::rolling_max_drawdown(f, w).depths);
  }
}

TEST_CASE("the deprecated rolling out forms without a workspace equal the new ones", "[performance][rolling]") {
  const auto r = random_returns(800, 41);
  std::vector<int> keys(800);
  std::iota(keys.begin(), keys.end(), 0);
  const keel::dated_view dated(keys, r);
  keel::rolling_sharpe_result<double> s, s_new;
  keel::rolling_sharpe_result<double>::workspace s_ws;
  keel::rolling_drawdown_result<double> d, d_new;
  keel::rolling_drawdown_result<double>::workspace d_ws;
  keel::dated_rolling_sharpe<int, double> ds, ds_new;
  keel::dated_rolling_sharpe<int, double>::workspace ds_ws;
  keel::dated_rolling_drawdown<int, double> dd, dd_new;
  keel::dated_rolling_drawdown<int, double>::workspace dd_ws;
  keel::rolling_sharpe(r, 60, s_new, s_ws, {.risk_free = 1e-4});
  keel::rolling_max_drawdown(r, 60, d_new, d_ws);
  keel::rolling_sharpe(dated, 60, ds_new, ds_ws, {.risk_free = 1e-4});
  keel::rolling_max_drawdown(dated, 60, dd_new, dd_ws);
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  // Kept for one release: they make a local workspace and call the new forms.
  keel::rolling_sharpe(r, 60, s, {.risk_free = 1e-4});
  keel::rolling_max_drawdown(r, 60, d);
  keel::rolling_sharpe(dated, 60, ds, {.risk_free = 1e-4});
  keel::rolling_max_drawdown(dated, 60, dd);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  CHECK(s.sharpe_ratios == s_new.sharpe_ratios);
  CHECK(d.depths == d_new.depths);
  CHECK(ds.sharpe_ratios.keys() == ds_new.sharpe_ratios.keys());
  CHECK(ds.sharpe_ratios.values() == ds_new.sharpe_ratios.values());
  CHECK(dd.depths.keys() == dd_new.depths.keys());
  CHECK(dd.depths.values() == dd_new.depths.values());
  CHECK(s.sharpe_ratios == keel::rolling_sharpe(r, 60, {.risk_free = 1e-4}).sharpe_ratios);
  CHECK(d.depths == keel::rolling_max_drawdown(r, 60).depths);
}

// ---------------------------------------------------------------------------------------------
// Degenerate input and errors.

TEST_CASE("performance functions reject bad input with located messages", "[performance][errors]") {
  const std::vector<double> empty, one{0.01};
  CHECK_THROWS_AS(keel::max_drawdown(empty), keel::insufficient_data);
  CHECK_THROWS_AS(keel::annual_return(empty), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::sharpe_ratio(one), Contains("needs at least 2 observations, got 1"));
  CHECK_THROWS_AS(keel::annual_volatility(one), keel::insufficient_data);
  CHECK_THROWS_AS(keel::sortino_ratio(one), keel::insufficient_data);
  CHECK_THROWS_AS(keel::omega_ratio(one), keel::insufficient_data);
  CHECK_THROWS_AS(keel::stability(one), keel::insufficient_data);
  CHECK_THROWS_AS(keel::tail_ratio(empty), keel::insufficient_data);
  CHECK_THROWS_AS(keel::downside_risk(empty), keel::insufficient_data);
  CHECK_THROWS_AS(keel::alpha_beta(one, one), keel::insufficient_data);
  CHECK_THROWS_AS(keel::information_ratio(one, one), keel::insufficient_data);
  std::vector<double> r = random_returns(50, 3);
  r[7] = std::nan("");
  CHECK_THROWS_WITH(keel::sharpe_ratio(r), Contains("returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::max_drawdown(r), Contains("returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::sortino_ratio(r), Contains("returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::tail_ratio(r), Contains("returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::rolling_sharpe(r, 10), Contains("returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::rolling_max_drawdown(r, 10), Contains("returns[7] is NaN"));
  r[7] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::omega_ratio(r), Contains("returns[7] is inf"));
  r[7] = -1.2;
  CHECK_THROWS_WITH(keel::annual_return(r), Contains("returns[7] = -1.2 is below -1 (a loss of more than 100%"));
  CHECK_THROWS_WITH(keel::stability(r), Contains("returns[7] = -1.2 is below -1"));
  CHECK_NOTHROW(keel::sharpe_ratio(r));  // a ratio of moments compounds nothing
  const auto m = random_returns(49, 4);
  const auto ok = random_returns(50, 5);
  CHECK_THROWS_WITH(keel::alpha_beta(ok, m), Contains("returns has 50 values but market_returns has 49"));
  CHECK_THROWS_WITH(keel::tracking_error(ok, m), Contains("returns has 50 values but benchmark_returns has 49"));
  CHECK_THROWS_WITH(keel::sharpe_ratio(ok, {.periods_per_year = 0}),
                    Contains("sharpe_ratio: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::sharpe_ratio(ok, {.risk_free = std::nan("")}), Contains("risk_free = NaN must be finite"));
  CHECK_THROWS_WITH(keel::omega_ratio(ok, {.required_return = -1.0}),
                    Contains("required_return = -1 must be above -1"));
  CHECK_NOTHROW(keel::omega_ratio(ok, {.required_return = -2.0, .periods_per_year = 1}));  // used as is, as empyrical
  CHECK_THROWS_WITH(keel::rolling_sharpe(ok, 1), Contains("window = 1 must be at least 2"));
  CHECK_THROWS_WITH(keel::rolling_max_drawdown(ok, 0), Contains("window = 0 must be at least 1"));
  CHECK_THROWS_WITH(keel::rolling_sharpe(ok, 51), Contains("needs at least 51 observations for one window, got 50"));
  CHECK_THROWS_WITH(keel::top_drawdowns(ok, -1), Contains("count = -1 must be at least 0"));
  CHECK_THROWS_WITH(keel::max_drawdown_from_values(std::vector<double>{1, 0, 2}),
                    Contains("values[1] = 0 is not positive"));
  std::vector<double> out(3);
  CHECK_THROWS_WITH(keel::drawdown_series(ok, out), Contains("out has 3 values but returns has 50"));
}

TEST_CASE("degenerate ratios: +-inf where infinite, singular_problem for 0 / 0", "[performance][degenerate]") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> flat(20, 0.001), zero(20, 0.0);
  CHECK(keel::sharpe_ratio(flat) == inf);
  CHECK(keel::sharpe_ratio(flat, {.risk_free = 0.002}) == -inf);
  CHECK_THROWS_AS(keel::sharpe_ratio(flat, {.risk_free = 0.001}), keel::singular_problem);
  CHECK_THROWS_WITH(keel::sharpe_ratio(flat, {.risk_free = 0.001}), Contains("the Sharpe ratio is 0 / 0"));
  CHECK(keel::annual_volatility(flat) == 0.0);
  CHECK(keel::sortino_ratio(flat) == inf);
  CHECK_THROWS_AS(keel::sortino_ratio(zero), keel::singular_problem);
  CHECK(keel::calmar_ratio(flat) == inf);  // empyrical: NaN
  CHECK_THROWS_WITH(keel::calmar_ratio(zero), Contains("the Calmar ratio is 0 / 0"));
  CHECK(keel::omega_ratio(flat) == inf);
  CHECK_THROWS_AS(keel::omega_ratio(zero), keel::singular_problem);
  CHECK(keel::stability(zero) == 0.0);
  CHECK_THROWS_WITH(keel::alpha_beta(random_returns(20, 1), flat),
                    Contains("market_returns[0..19] have zero variance"));
  CHECK_THROWS_AS(keel::treynor_ratio(random_returns(20, 1), flat), keel::singular_problem);
  CHECK_THROWS_AS(keel::information_ratio(flat, flat), keel::singular_problem);
  CHECK(keel::information_ratio(flat, zero) == inf);
  CHECK(keel::tracking_error(flat, zero) == 0.0);
  // No down market: insufficient_data naming what is missing.
  const auto up_only = random_returns(20, 2, 0.05, 0.001);
  CHECK_THROWS_WITH(keel::capture_ratios(random_returns(20, 3), up_only),
                    Contains("needs at least 1 periods with market_returns < 0 (down markets), got 0"));
  // Constant windows in a rolling Sharpe: +-inf, or 0 / 0 naming the window.
  std::vector<double> stale = random_returns(60, 8);
  std::fill(stale.begin() + 20, stale.begin() + 40, 0.0);
  const auto rs = keel::rolling_sharpe(stale, 10, {.risk_free = -0.001});
  CHECK(rs.sharpe_ratios[25] == inf);
  CHECK_THROWS_WITH(keel::rolling_sharpe(stale, 10), Contains("returns[20..29] is 0 / 0"));
  // Tiny and huge values.
  std::vector<double> tiny = random_returns(50, 11);
  for (double& v : tiny) v *= 1e-160;
  CHECK_THROWS_WITH(keel::sharpe_ratio(tiny), Contains("vary too little for double"));
  std::vector<double> huge(50);
  for (std::size_t i = 0; i < huge.size(); ++i) huge[i] = (i % 2 ? 1e300 : -0.5);
  CHECK_THROWS_WITH(keel::annual_volatility(huge), Contains("overflows"));
  CHECK_THROWS_WITH(keel::annual_return(huge), Contains("overflows"));
  CHECK_THROWS_WITH(keel::rolling_max_drawdown(huge, 10), Contains("overflows"));
  // A long run of +100% returns compounds without overflowing the product: 2^2000.
  const std::vector<double> doubling(2000, 1.0);
  CHECK(keel::annual_return(doubling, {.periods_per_year = 10}) == Approx(1023.0).epsilon(1e-12));
}
