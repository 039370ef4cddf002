// SPDX-License-Identifier: MIT
// Tests of keel/backtest.hpp's strategies and summaries: each built-in optimiser's targets
// against the library function called here on the window of returns computed here from the
// prices; the risk override against a state machine written here (long double drawdown and
// volatility, var.hpp's historical VaR) and in a backtest; regime switching against an HMM fitted
// here on the signal up to the decision; backtest_statistics against performance.hpp;
// walk_forward against separate backtests and across threads; the stationary bootstrap's
// rotation limit, determinism and threads; a drawdown override on real prices (../shared).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/backtest.hpp>
#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/markowitz.hpp>
#include <keel/performance.hpp>
#include <keel/regime.hpp>
#include <keel/var.hpp>

#include "support/backtest_test_fixtures.hpp"
#include "support/shared_data.hpp"

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

void check_weights(const VectorXd& got, const VectorXd& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (Index i = 0; i < got.size(); ++i) CHECK(got(i) == Approx(want(i)).margin(tol));
}

/// The override's rules replayed here: the state after each return, and the return it began on.
struct replay {
  std::vector<char> defensive;
  std::vector<std::ptrdiff_t> since, rule;
};
replay replay_rules(const std::vector<double>& r, const std::vector<keel::override_rule>& rules, double ppy) {
  replay out;
  bool defensive = false;
  std::ptrdiff_t since = -1, rule = -1;
  ld wealth = 1, peak = 1;
  for (std::size_t i = 0; i < r.size(); ++i) {
    wealth *= 1 + static_cast<ld>(r[i]);
    peak = std::max(peak, wealth);
    std::vector<double> figure(rules.size());
    std::vector<bool> full(rules.size(), true);
    for (std::size_t k = 0; k < rules.size(); ++k) {
      const auto& q = rules[k];
      if (q.metric == keel::override_metric::drawdown) {
        figure[k] = static_cast<double>((peak - wealth) / peak);
        continue;
      }
      if (static_cast<std::ptrdiff_t>(i) + 1 < q.window) {
        full[k] = false;
        continue;
      }
      const std::vector<double> w(r.begin() + static_cast<std::ptrdiff_t>(i) + 1 - q.window,
                                  r.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      if (q.metric == keel::override_metric::volatility) {
        ld m = 0, ss = 0;
        for (const double x : w) m += x;
        m /= static_cast<ld>(w.size());
        for (const double x : w) ss += (x - m) * (x - m);
        figure[k] = static_cast<double>(std::sqrt(ss / static_cast<ld>(w.size() - 1) * ppy));
      } else {
        figure[k] = keel::historical_var(w, {.confidence = q.confidence});
      }
    }
    if (!defensive) {
      for (std::size_t k = 0; k < rules.size(); ++k)
        if (full[k] && figure[k] > rules[k].trigger) {
          defensive = true;
          since = static_cast<std::ptrdiff_t>(i);
          rule = static_cast<std::ptrdiff_t>(k);
          break;
        }
    } else {
      bool all_below = true;
      for (std::size_t k = 0; k < rules.size(); ++k)
        all_below = all_below && (!full[k] || figure[k] < rules[k].release);
      if (all_below) {
        defensive = false;
        since = static_cast<std::ptrdiff_t>(i);
      }
    }
    out.defensive.push_back(defensive ? 1 : 0);
    out.since.push_back(since);
    out.rule.push_back(rule);
  }
  return out;
}

/// Calm, a three-week crash, a recovery and calm again: 375 daily returns.
std::vector<double> crash_path() {
  std::mt19937_64 gen(7);
  std::normal_distribution<double> z(0, 1);
  std::vector<double> r;
  for (int i = 0; i < 150; ++i) r.push_back(0.0008 + 0.004 * z(gen));
  for (int i = 0; i < 25; ++i) r.push_back(-0.02 + 0.012 * z(gen));
  for (int i = 0; i < 100; ++i) r.push_back(0.006 + 0.006 * z(gen));
  for (int i = 0; i < 100; ++i) r.push_back(0.0005 + 0.004 * z(gen));
  return r;
}

std::ptrdiff_t first_change(const replay& m, std::size_t from, char to) {
  for (std::size_t i = from; i < m.defensive.size(); ++i)
    if (m.defensive[i] == to) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

}  // namespace

TEST_CASE("optimiser strategies trade the library's weights on the window before each decision",
          "[backtest][strategies]") {
  const auto p = bt_test::synthetic(400, 4, 111);
  const auto cov_of = [](const MatrixXd& x) {
    return keel::sample_covariance(x, {.periods_per_year = 252}).covariance;
  };
  const auto check = [&](const keel::strategy& s, std::ptrdiff_t window, auto&& reference, std::ptrdiff_t first = -1) {
    INFO(s.name);
    const auto r = keel::backtest(p, s);
    CHECK(r.dates.front() == p.dates[uz(first >= 0 ? first : window)]);
    REQUIRE(r.rebalances.size() >= 10);
    for (const std::size_t k : {std::size_t{1}, r.rebalances.size() - 1}) {
      const auto& rec = r.rebalances[k];
      const std::ptrdiff_t t = bt_test::row_of(p, rec.decided);
      INFO("decision on " << iso(rec.decided));
      const MatrixXd all = bt_test::returns_until(p, t);
      const MatrixXd x = window > 0 ? MatrixXd(all.bottomRows(window)) : all;
      check_weights(rec.targets, reference(x), 1e-12);
    }
  };
  const keel::estimation_options o{.window = 60};
  check(keel::min_variance_strategy(o), 60,
        [&](const MatrixXd& x) { return VectorXd(keel::min_variance(cov_of(x)).weights); });
  const keel::estimation_options o_rf{.window = 60, .risk_free = -0.5};
  check(keel::max_sharpe_strategy(o_rf), 60, [&](const MatrixXd& x) {
    const VectorXd mu = x.colwise().mean().transpose() * 252;
    return VectorXd(keel::max_sharpe(mu, cov_of(x), {}, {.risk_free = -0.5}).weights);
  });
  check(keel::risk_parity_strategy(o), 60,
        [&](const MatrixXd& x) { return VectorXd(keel::risk_budgeting(cov_of(x)).weights); });
  check(keel::hrp_strategy(o), 60, [&](const MatrixXd& x) {
    const MatrixXd c = cov_of(x);
    return VectorXd(keel::hierarchical_risk_parity(c, keel::correlation(c)).weights);
  });
  check(keel::max_diversification_strategy(o), 60,
        [&](const MatrixXd& x) { return VectorXd(keel::max_diversification(cov_of(x)).weights); });
  check(keel::min_cvar_strategy({.window = 60, .confidence = 0.9}), 60,
        [&](const MatrixXd& x) { return VectorXd(keel::min_cvar(x, {.confidence = 0.9}).portfolio.weights); });
  check(keel::risk_parity_strategy({.window = 60, .budgets = {0.4, 0.3, 0.2, 0.1}}), 60, [&](const MatrixXd& x) {
    return VectorXd(keel::risk_budgeting(cov_of(x), {.budgets = {0.4, 0.3, 0.2, 0.1}}).weights);
  });
  check(keel::hrp_strategy({.window = 60, .linkage = keel::linkage_method::ward}), 60, [&](const MatrixXd& x) {
    const MatrixXd c = cov_of(x);
    return VectorXd(
        keel::hierarchical_risk_parity(c, keel::correlation(c), {.linkage = keel::linkage_method::ward}).weights);
  });
  keel::bl_views views{.P = MatrixXd(1, 4), .Q = vec({0.03})};
  views.P << 1, -1, 0, 0;
  const std::vector<double> mw{0.4, 0.3, 0.2, 0.1};
  check(keel::black_litterman_strategy(mw, views, 3.0, o), 60, [&](const MatrixXd& x) {
    const MatrixXd c = cov_of(x);
    const VectorXd prior = keel::market_implied_returns(c, vec({0.4, 0.3, 0.2, 0.1}), 3.0);
    return VectorXd(keel::black_litterman(prior, c, views).weights);
  });
  SECTION("Ledoit-Wolf, EWMA and expanding windows") {
    check(keel::min_variance_strategy({.window = 80, .estimator = keel::covariance_estimator::ledoit_wolf}), 80,
          [&](const MatrixXd& x) {
            return VectorXd(keel::min_variance(keel::ledoit_wolf(x, {.periods_per_year = 252}).covariance).weights);
          });
    check(
        keel::min_variance_strategy({.window = 80, .estimator = keel::covariance_estimator::ewma, .ewma_lambda = 0.9}),
        80, [&](const MatrixXd& x) {
          return VectorXd(
              keel::min_variance(keel::ewma_covariance(x, {.lambda = 0.9, .periods_per_year = 252}).covariance)
                  .weights);
        });
    check(
        keel::min_variance_strategy({.window = 50, .expanding = true}), 0,
        [&](const MatrixXd& x) { return VectorXd(keel::min_variance(cov_of(x)).weights); }, 50);
  }
}

TEST_CASE("evaluate_override follows the rules' state machine with hysteresis", "[backtest][override]") {
  const auto r = crash_path();
  const auto check_all_prefixes = [&](const keel::risk_override_options& o) {
    const replay m = replay_rules(r, o.rules, o.periods_per_year);
    for (std::size_t n = 1; n <= r.size(); ++n) {
      const auto d =
          keel::evaluate_override(std::vector<double>(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(n)), o);
      INFO("return " << n - 1);
      CHECK(d.defensive == (m.defensive[n - 1] != 0));
      CHECK(d.since == m.since[n - 1]);
      CHECK(d.rule == m.rule[n - 1]);
      CHECK(d.changed == (n == 1 ? m.defensive[0] != 0 : m.defensive[n - 1] != m.defensive[n - 2]));
    }
    return m;
  };
  SECTION("drawdown: in above 10%, out below 5%") {
    const auto m = check_all_prefixes({});
    const auto entry = first_change(m, 0, 1), exit = first_change(m, uz(std::max<std::ptrdiff_t>(entry, 0)), 0);
    CHECK(entry >= 150);
    CHECK(entry < 175);
    CHECK(exit > 175);
    // entry: the first return on which the long-double drawdown exceeds 10%
    ld w = 1, peak = 1;
    std::ptrdiff_t first_above = -1, first_below_after = -1;
    for (std::size_t i = 0; i < r.size(); ++i) {
      w *= 1 + static_cast<ld>(r[i]);
      peak = std::max(peak, w);
      const ld dd = 1 - w / peak;
      if (first_above < 0 && dd > 0.10L) first_above = static_cast<std::ptrdiff_t>(i);
      if (first_above >= 0 && first_below_after < 0 && dd < 0.05L) first_below_after = static_cast<std::ptrdiff_t>(i);
    }
    CHECK(entry == first_above);
    CHECK(exit == first_below_after);
    const auto d = keel::evaluate_override(std::vector<double>(r.begin(), r.begin() + entry + 1));
    CHECK(d.changed);
    CHECK(d.metric == keel::override_metric::drawdown);
    CHECK(d.value > 0.10);
    CHECK(d.threshold == 0.10);
    CHECK_THAT(d.reason, Contains("drawdown"));
  }
  SECTION("volatility first, then drawdown and VaR") {
    keel::risk_override_options o;
    o.rules = {
        {.metric = keel::override_metric::volatility, .trigger = 0.15, .release = 0.10, .window = 10},
        {.metric = keel::override_metric::drawdown, .trigger = 0.10, .release = 0.05},
        {.metric = keel::override_metric::var, .trigger = 0.03, .release = 0.012, .window = 20, .confidence = 0.95}};
    const auto m = check_all_prefixes(o);
    const auto entry = first_change(m, 0, 1);
    REQUIRE(entry >= 0);
    CHECK(m.rule[uz(entry)] == 0);
    CHECK(entry < first_change(check_all_prefixes({}), 0, 1));  // volatility fires before the drawdown
    CHECK(first_change(m, uz(entry), 0) > entry);
  }
  CHECK_THROWS_AS(keel::evaluate_override(std::vector<double>{}), keel::invalid_input);
  CHECK_THROWS_AS(keel::evaluate_override(r, {.rules = {{.trigger = 0.05, .release = 0.1}}}), keel::invalid_input);
}

TEST_CASE("risk_override_strategy trades the defence on the day the rule fires", "[backtest][override]") {
  const auto r = crash_path();
  keel::price_table p;
  p.dates = bt_test::business_days(static_cast<std::ptrdiff_t>(r.size()) + 1);
  p.symbols = {"X", "SIG", "BND"};
  p.prices.resize(static_cast<Index>(r.size()) + 1, 3);
  p.prices.row(0) << 40, 100, 10;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto t = static_cast<Index>(i) + 1;
    p.prices(t, 0) = p.prices(t - 1, 0) * (1 + 0.5 * r[i] + 0.003 * std::cos(static_cast<double>(i)));
    p.prices(t, 1) = p.prices(t - 1, 1) * (1 + r[i]);
    p.prices(t, 2) = p.prices(t - 1, 2) * 1.0001;
  }
  const std::vector<double> sig = [&] {
    std::vector<double> s;
    for (Index t = 1; t < p.prices.rows(); ++t) s.push_back(p.prices(t, 1) / p.prices(t - 1, 1) - 1);
    return s;
  }();
  const replay m = replay_rules(sig, {keel::override_rule{}}, 252);
  const auto entry = first_change(m, 0, 1), exit = first_change(m, uz(entry), 0);
  REQUIRE(entry > 0);
  REQUIRE(exit > entry);
  const auto base = keel::constant_weight_strategy({0.5, 0.5, 0}, "base");
  const auto defence = keel::constant_weight_strategy({0, 0, 1}, "defence");
  const auto s = keel::risk_override_strategy(base, defence, {.signal = "SIG"});
  CHECK(s.every_date);
  const auto bt = keel::backtest(p, s);
  std::vector<const keel::rebalance_record*> in, out;
  for (const auto& rec : bt.rebalances) {
    if (rec.targets(2) == 1) in.push_back(&rec);
    if (!in.empty() && rec.targets(2) == 0 && out.empty()) out.push_back(&rec);
  }
  REQUIRE(!in.empty());
  REQUIRE(!out.empty());
  CHECK(in.front()->date == p.dates[uz(entry + 1)]);
  CHECK(in.front()->decided == p.dates[uz(entry + 1)]);
  CHECK_THAT(in.front()->reason, Contains("drawdown") && Contains(iso(p.dates[uz(entry + 1)])));
  CHECK(out.front()->date == p.dates[uz(exit + 1)]);
  const auto d = keel::evaluate_override(std::vector<double>(sig.begin(), sig.begin() + entry + 1));
  CHECK(d.defensive);
  CHECK(d.changed);
  CHECK(d.since == entry);
  CHECK(!keel::evaluate_override(std::vector<double>(sig.begin(), sig.begin() + entry)).defensive);
  // in defence every row holds the defensive asset only
  for (std::ptrdiff_t t = entry + 1; t <= exit; ++t) CHECK(bt.weights(t, 2) == Approx(1).margin(1e-12));
  CHECK(bt.weights(exit + 1, 2) == Approx(0).margin(1e-12));
}

TEST_CASE("regime switching follows the filtered regime of an HMM fitted on the data so far", "[backtest][regime]") {
  std::mt19937_64 gen(131);
  std::normal_distribution<double> z(0, 1);
  const std::ptrdiff_t t_count = 700;
  keel::price_table p;
  p.dates = bt_test::business_days(t_count);
  p.symbols = {"A", "B", "C"};
  p.prices.resize(t_count, 3);
  p.prices.row(0) << 10, 20, 30;
  // a month-end in a calm stretch with a 6% fall on its day: the regime flips on the decision's
  // last row only (the day before is calm), so a decision that read an earlier row would differ
  std::ptrdiff_t shock = 480;
  while (p.dates[uz(shock)].month() == p.dates[uz(shock + 1)].month()) ++shock;
  for (std::ptrdiff_t t = 1; t < t_count; ++t) {
    const bool turbulent = (t >= 300 && t < 400) || (t >= 560 && t < 640);
    const double mu = turbulent ? 0.0 : 0.0015, sd = turbulent ? 0.025 : 0.006, c = z(gen);
    for (Index j = 0; j < 3; ++j)
      p.prices(t, j) =
          p.prices(t - 1, j) * (t == shock ? 0.94 : 1 + mu + sd * (std::sqrt(0.6) * c + std::sqrt(0.4) * z(gen)));
  }
  const VectorXd calm = vec({0.6, 0.3, 0.1}), storm = vec({0.1, 0.3, 0.6});
  const auto s = keel::regime_switching_strategy({keel::constant_weight_strategy({0.6, 0.3, 0.1}, "calm"),
                                                  keel::constant_weight_strategy({0.1, 0.3, 0.6}, "storm")},
                                                 {.hmm = {.states = 2}, .min_history = 250});
  const auto bt = keel::backtest(p, s);
  CHECK(bt.dates.front() == p.dates[250]);
  REQUIRE(bt.rebalances.size() >= 18);
  std::vector<int> seen(2, 0);
  bool shock_checked = false;
  for (std::size_t k = 0; k < bt.rebalances.size(); ++k) {
    const auto& rec = bt.rebalances[k];
    const std::ptrdiff_t t = bt_test::row_of(p, rec.decided);
    const MatrixXd x = bt_test::returns_until(p, t);
    std::vector<double> signal(uz(t));
    for (std::ptrdiff_t i = 0; i < t; ++i) signal[uz(i)] = (x(i, 0) + x(i, 1) + x(i, 2)) / 3;
    const MatrixXd f = keel::regime_features(signal, {.volatility_window = 21});
    const auto model = keel::hmm_fit(f, {.states = 2});
    const MatrixXd prob = keel::filtered_probabilities(model, f);
    Index state = 0;
    prob.row(prob.rows() - 1).maxCoeff(&state);
    INFO("decision on " << iso(rec.decided) << ", P(state 1) = " << prob(prob.rows() - 1, 1));
    ++seen[uz(state)];
    if (t == shock) {
      shock_checked = true;
      CHECK(state == 1);
      Index before = 0;
      prob.row(prob.rows() - 2).maxCoeff(&before);
      CHECK(before == 0);
    }
    check_weights(rec.targets, state == 0 ? calm : storm, 0);
    char probability[400];
    std::snprintf(probability, sizeof probability, "regime %d (filtered probability %.2f%%)", static_cast<int>(state),
                  100 * prob(prob.rows() - 1, state));
    CHECK_THAT(rec.reason, Contains(probability));
  }
  CHECK(shock_checked);
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK_THROWS_AS(keel::regime_switching_strategy({keel::equal_weight_strategy()}, {.hmm = {.states = 2}}),
                  keel::invalid_input);
}

TEST_CASE("backtest_statistics are performance.hpp's statistics of the backtest's returns", "[backtest][statistics]") {
  const auto p = bt_test::synthetic(500, 3, 141, 0.015);
  const auto r = keel::backtest(p, keel::constant_weight_strategy({0.2, 0.3, 0.5}), {.cost_bps = {15}});
  std::vector<double> bench;
  for (Index t = 1; t < 500; ++t) bench.push_back(p.prices(t, 0) / p.prices(t - 1, 0) - 1);
  const keel::statistics_options so{.periods_per_year = 252, .risk_free = 0.0001, .required_return = 0.0002};
  const auto st = keel::backtest_statistics(r, bench, so);
  const auto& x = r.returns;
  const keel::annual_options a{.periods_per_year = 252};
  CHECK(st.total_return == Approx(r.values.back() / 1.0 - 1).epsilon(1e-15));
  CHECK(st.annual_return == keel::annual_return(x, a));
  CHECK(st.annual_volatility == keel::annual_volatility(x, a));
  CHECK(st.sharpe == keel::sharpe_ratio(x, {.risk_free = 0.0001, .periods_per_year = 252}));
  CHECK(st.sortino == keel::sortino_ratio(x, {.required_return = 0.0002, .periods_per_year = 252}));
  CHECK(st.max_drawdown == keel::max_drawdown(x).depth);
  CHECK(st.tracking_error == keel::tracking_error(x, bench, {.periods_per_year = 252}));
  CHECK(st.information_ratio == keel::information_ratio(x, bench, {.periods_per_year = 252}));
  const auto cap = keel::capture_ratios(x, bench, a);
  CHECK(st.up_capture == cap.up);
  CHECK(st.down_capture == cap.down);
  const auto ab = keel::alpha_beta(x, bench, {.risk_free = 0.0001, .periods_per_year = 252});
  CHECK(st.alpha == ab.alpha);
  CHECK(st.beta == ab.beta);
  CHECK(st.excess_return == Approx(st.annual_return - keel::annual_return(bench, a)).margin(1e-15));
  CHECK(st.has_benchmark);
  double costs = 0, turnover = 0;
  for (std::size_t t = 0; t < r.costs.size(); ++t) {
    costs += r.costs[t];
    turnover += r.turnover[t];
  }
  CHECK(st.costs == Approx(costs).epsilon(1e-14));
  CHECK(st.turnover == Approx(turnover * 252 / 499).epsilon(1e-14));
  // the drawdown's dates: the running peak of the values before the deepest trough
  std::size_t peak = 0, best_peak = 0, trough = 0;
  double depth = 0;
  for (std::size_t t = 0; t < r.values.size(); ++t) {
    if (r.values[t] > r.values[peak]) peak = t;
    if (1 - r.values[t] / r.values[peak] > depth) {
      depth = 1 - r.values[t] / r.values[peak];
      best_peak = peak;
      trough = t;
    }
  }
  REQUIRE(depth > 0);
  CHECK(st.max_drawdown == Approx(depth).epsilon(1e-12));
  REQUIRE(st.drawdown_peak.has_value());
  REQUIRE(st.drawdown_trough.has_value());
  CHECK(*st.drawdown_peak == r.dates[best_peak]);
  CHECK(*st.drawdown_trough == r.dates[trough]);
  const auto plain = keel::backtest_statistics(r);
  CHECK(!plain.has_benchmark);
  CHECK(plain.tracking_error == 0);
  CHECK_THROWS_AS(keel::backtest_statistics(r, std::vector<double>(10, 0.0)), keel::invalid_input);
}

TEST_CASE("walk_forward equals separate backtests on the same rows, on any thread count", "[backtest][walk_forward]") {
  const auto p = bt_test::synthetic(400, 3, 151);
  const std::vector<keel::strategy> ss{keel::equal_weight_strategy(), keel::constant_weight_strategy({0.6, 0.2, 0.2}),
                                       keel::min_variance_strategy({.window = 60})};
  keel::walk_forward_options o{.backtest = {.cost_bps = {5}}, .benchmark = "A1", .threads = 1};
  const auto one = keel::walk_forward(p, ss, o);
  o.threads = 2;
  const auto two = keel::walk_forward(p, ss, o);
  REQUIRE(one.results.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO(ss[i].name);
    auto alone_options = o.backtest;
    alone_options.start = p.dates[60];
    const auto alone = keel::backtest(p, ss[i], alone_options);
    CHECK(one.results[i].values == alone.values);
    CHECK(one.results[i].dates == alone.dates);
    CHECK(one.results[i].values == two.results[i].values);
    CHECK(one.results[i].dates.front() == p.dates[60]);
    CHECK(one.statistics[i].sharpe == keel::backtest_statistics(alone, one.benchmark_returns).sharpe);
  }
  REQUIRE(one.benchmark_returns.size() == 400 - 61);
  for (std::size_t k = 0; k < one.benchmark_returns.size(); ++k)
    CHECK(one.benchmark_returns[k] ==
          p.prices(61 + static_cast<Index>(k), 1) / p.prices(60 + static_cast<Index>(k), 1) - 1);
  CHECK(one.benchmark_returns == two.benchmark_returns);
  const std::vector<keel::strategy> twins{keel::equal_weight_strategy(), keel::equal_weight_strategy()};
  CHECK_THROWS_AS(keel::walk_forward(p, twins), keel::invalid_input);
  CHECK_THROWS_WITH(keel::walk_forward(p, twins), Contains("equal weight"));
  CHECK_THROWS_AS(keel::walk_forward(p, ss, {.benchmark = "ZZZ"}), keel::invalid_input);
}

TEST_CASE("the stationary bootstrap: rotations, determinism, threads", "[backtest][bootstrap]") {
  const auto p = bt_test::synthetic(800, 3, 161);
  const auto r = keel::backtest(p, keel::constant_weight_strategy({0.3, 0.3, 0.4}),
                                {.frequency = keel::rebalance_frequency::daily});
  std::vector<double> bench;
  for (Index t = 1; t < 800; ++t) bench.push_back(p.prices(t, 0) / p.prices(t - 1, 0) - 1);
  const keel::bootstrap_options base{.samples = 300, .seed = 5};
  const auto a = keel::bootstrap_statistics(r.returns, bench, base);
  auto o2 = base;
  o2.threads = 2;
  const auto b = keel::bootstrap_statistics(r.returns, bench, o2);
  CHECK(a.replicates == b.replicates);
  CHECK(a.replicates == keel::bootstrap_statistics(r.returns, bench, base).replicates);
  auto o3 = base;
  o3.seed = 6;
  CHECK(a.replicates != keel::bootstrap_statistics(r.returns, bench, o3).replicates);
  for (const auto* f : {&a.annual_return, &a.annual_volatility, &a.sharpe, &a.sortino, &a.max_drawdown,
                        &a.excess_return, &a.information_ratio})
    CHECK(f->lower <= f->upper);
  CHECK(a.sharpe.estimate == keel::sharpe_ratio(r.returns, {.periods_per_year = 252}));
  SECTION("blocks that never restart: each replicate is a rotation") {
    auto o = base;
    o.mean_block_length = 1e12;
    const auto rot = keel::bootstrap_statistics(r.returns, {}, o);
    for (Index s = 0; s < rot.replicates.rows(); ++s) {
      CHECK(rot.replicates(s, 1) == Approx(rot.annual_volatility.estimate).epsilon(1e-12));
      CHECK(rot.replicates(s, 0) == Approx(rot.annual_return.estimate).epsilon(1e-12));
    }
    CHECK(rot.excess_return.estimate == 0);
  }
  SECTION("single-row blocks: the replicates' Sharpe ratios centre on the estimate") {
    auto o = base;
    o.mean_block_length = 1;
    o.samples = 2000;
    const auto iid = keel::bootstrap_statistics(r.returns, {}, o);
    // the annualised Sharpe ratio's standard error is about sqrt(252 / 799) = 0.56; the mean of
    // 2000 replicates is within 0.05 (four of its standard errors) of the estimate
    CHECK(iid.sharpe.estimate_stderr == Approx(std::sqrt(252.0 / 799)).epsilon(0.2));
    CHECK(iid.sharpe.mean == Approx(iid.sharpe.estimate).margin(0.05));
  }
  CHECK_THROWS_AS(keel::bootstrap_statistics(r.returns, std::vector<double>(5, 0.0)), keel::invalid_input);
  CHECK_THROWS_AS(keel::bootstrap_statistics(r.returns, {}, {.mean_block_length = 0.5}), keel::invalid_input);
}

TEST_CASE("real prices: a drawdown override on SPY fires in the 2020 crash on the first day below 10%",
          "[backtest][override][shared]") {
  const auto f = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!f) return;
  const auto table = keel::read_prices_csv(*f);
  const std::vector<std::string> keep{"AAPL", "MSFT", "QQQ", "SPY"};
  keel::price_table p;
  p.dates = table.dates;
  p.symbols = keep;
  p.prices.resize(static_cast<Index>(table.dates.size()), 4);
  for (Index j = 0; j < 4; ++j) p.prices.col(j) = table.prices.col(table.index_of(keep[uz(j)]));
  const auto spy = p.prices.col(3);
  std::ptrdiff_t first_below = -1;
  long double peak = spy(0);
  for (Index t = 0; t < spy.size() && first_below < 0; ++t) {
    peak = std::max<long double>(peak, spy(t));
    if (1 - spy(t) / peak > 0.10L) first_below = t;
  }
  REQUIRE(first_below > 0);
  INFO("SPY first 10% below its peak on " << iso(p.dates[uz(first_below)]));
  CHECK(p.dates[uz(first_below)].year() == std::chrono::year{2020});
  keel::risk_override_options o{.rules = {{.trigger = 0.10, .release = 0.05}}, .signal = "SPY"};
  const auto s = keel::risk_override_strategy(keel::equal_weight_strategy(),
                                              keel::constant_weight_strategy({0, 0, 0, 0}, "cash"), o);
  const auto r = keel::backtest(p, s, {.budget = keel::budget_rule::none});
  const keel::rebalance_record* fired = nullptr;
  for (const auto& rec : r.rebalances)
    if (rec.targets.sum() == 0) {
      fired = &rec;
      break;
    }
  REQUIRE(fired != nullptr);
  CHECK(fired->date == p.dates[uz(first_below)]);
  CHECK_THAT(fired->reason, Contains("drawdown"));
}

TEST_CASE("max_sharpe_strategy holds, and says why, where nothing beats the risk-free rate", "[backtest][strategies]") {
  // Four assets that all fall steadily for the first 80 rows, then rise: the windows that end in
  // the fall have no tangency portfolio (max_sharpe is infeasible there).
  keel::price_table p;
  p.dates = bt_test::business_days(200);
  p.symbols = {"A", "B", "C", "D"};
  p.prices.resize(200, 4);
  std::mt19937_64 gen(5);
  std::normal_distribution<double> z(0.0, 0.002);
  for (Index j = 0; j < 4; ++j) p.prices(0, j) = 100;
  for (Index t = 1; t < 200; ++t)
    for (Index j = 0; j < 4; ++j) p.prices(t, j) = p.prices(t - 1, j) * (1 + (t < 80 ? -0.004 : 0.004) + z(gen));
  const auto r =
      keel::backtest(p, keel::max_sharpe_strategy({.window = 40}), {.frequency = keel::rebalance_frequency::weekly});
  // The first decision (row 40, all means negative) holds: nothing was bought.
  CHECK(r.weights.row(0).cwiseAbs().sum() == 0);
  CHECK(r.cash.front() == 1);
  bool explained = false, traded_later = false;
  for (const auto& e : r.rebalances) traded_later = traded_later || e.turnover > 0;
  CHECK(traded_later);
  // The engine keeps a reason only with a trade; a hold is visible as no trade on the first
  // decision and as the view's explanation on the trades that follow the fall.
  const auto s = keel::max_sharpe_strategy({.window = 40});
  std::string first_reason;
  keel::strategy probe{.name = "probe",
                       .target = [s, &first_reason](const keel::backtest_view& v) -> VectorXd {
                         VectorXd w = s.target(v);
                         if (w.size() == 0 && first_reason.empty()) {
                           std::string why;
                           const keel::backtest_view copy(v.prices().data(), v.returns().data(), v.dates().data(),
                                                          v.symbols(), v.row(), v.first_row(), v.assets(), &v.weights(),
                                                          v.values(), v.scheduled(), "probe", &why);
                           (void)s.target(copy);
                           first_reason = why;
                         }
                         return w;
                       },
                       .lookback = 40};
  (void)keel::backtest(p, probe, {.frequency = keel::rebalance_frequency::weekly});
  explained = first_reason.find("earns more than risk_free") != std::string::npos;
  CHECK(explained);
}

TEST_CASE("an optimiser's -1e-17 is rounding, a real short is an error", "[backtest][errors]") {
  const auto p = bt_test::synthetic(60, 3, 11);
  const auto tiny = keel::backtest(p, keel::constant_weight_strategy({0.5, 0.5 + 1e-17, -1e-17}));
  CHECK(tiny.weights.col(2).cwiseAbs().maxCoeff() == 0);
  CHECK_THROWS_AS(keel::backtest(p, keel::constant_weight_strategy({0.5, 0.5 + 1e-9, -1e-9})), keel::invalid_input);
}

TEST_CASE("backtest_attribution: Brinson by sector links to the compounded returns", "[backtest][attribution]") {
  const auto p = bt_test::synthetic(300, 4, 21);
  const std::vector<std::string> sectors{"tech", "energy", "tech", "banks"};
  keel::backtest_options o{.frequency = keel::rebalance_frequency::weekly};
  const auto mv = keel::backtest(p, keel::min_variance_strategy({.window = 40}), o);
  o.start = mv.dates.front();
  const auto ew = keel::backtest(p, keel::equal_weight_strategy(), o);
  const auto a = keel::backtest_attribution(p, mv, ew, sectors);
  REQUIRE(a.sectors == std::vector<std::string>{"tech", "energy", "banks", "cash"});
  // Without costs each side's linked return is its backtest's compounded return.
  ld cp = 1, cb = 1;
  for (const double x : mv.returns) cp *= 1 + x;
  for (const double x : ew.returns) cb *= 1 + x;
  CHECK(a.effects.portfolio_return == Approx(static_cast<double>(cp - 1)).margin(1e-13));
  CHECK(a.effects.benchmark_return == Approx(static_cast<double>(cb - 1)).margin(1e-13));
  CHECK(a.effects.allocation + a.effects.selection + a.effects.interaction ==
        Approx(a.effects.active_return).margin(1e-14));
  // The first period's tech weight is the sum of assets 0 and 2 at the first row's close.
  const auto one = keel::brinson_attribution(
      vec({mv.weights(0, 0) + mv.weights(0, 2), mv.weights(0, 1), mv.weights(0, 3), mv.cash[0]}),
      vec({ew.weights(0, 0) + ew.weights(0, 2), ew.weights(0, 1), ew.weights(0, 3), ew.cash[0]}),
      [&] {
        VectorXd r(4);
        const auto ret = [&](Index j) {
          return p.prices(bt_test::row_of(p, mv.dates[1]), j) / p.prices(bt_test::row_of(p, mv.dates[0]), j) - 1;
        };
        const double wt = mv.weights(0, 0) + mv.weights(0, 2);
        r << (mv.weights(0, 0) * ret(0) + mv.weights(0, 2) * ret(2)) / wt, ret(1), ret(3), 0;
        return r;
      }(),
      [&] {
        VectorXd r(4);
        const auto ret = [&](Index j) {
          return p.prices(bt_test::row_of(p, ew.dates[1]), j) / p.prices(bt_test::row_of(p, ew.dates[0]), j) - 1;
        };
        r << (ret(0) + ret(2)) / 2, ret(1), ret(3), 0;
        return r;
      }());
  CHECK(a.effects.portfolio_returns[0] == Approx(one.portfolio_return).margin(1e-15));
  CHECK(a.effects.benchmark_returns[0] == Approx(one.benchmark_return).margin(1e-15));
  CHECK_THROWS_AS(keel::backtest_attribution(p, mv, ew, {"tech"}), keel::invalid_input);
  CHECK_THROWS_AS(keel::backtest_attribution(p, mv, keel::backtest(p, keel::equal_weight_strategy()), sectors),
                  keel::invalid_input);
}
