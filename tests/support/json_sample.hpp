// SPDX-License-Identifier: MIT
// json_test's input: a small keel::snapshot filled by hand (no computation, so the same bytes
// under every compiler and flag), reaching every branch of keel/json.hpp: a position without a
// beta fit, values that are not finite, an empty optional Cornish-Fisher VaR beside a present
// one, a backtest, scenarios with and without dates and one without a P&L, a concentration with
// one top share, both order sides, and limits of both severities. tests/data/json_sample.json is
// this snapshot as written by examples/support/snapshot_json.hpp (the examples' serialiser
// before keel/json.hpp replaced it), dump(2) and a newline, with the fields keel/json.hpp has
// gained since (construction's cvar_95_lp, cvar_frontier, risk_models, the hedge comparison) added as it writes them.
#pragma once

#include <chrono>
#include <limits>
#include <vector>

#include <keel/snapshot.hpp>

namespace keel_test {

inline keel::snapshot json_sample_snapshot() {
  using namespace std::chrono;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  keel::snapshot s;
  s.inputs.as_of = 2001y / January / 2;
  s.inputs.first = 2000y / January / 3;
  s.inputs.last = 2001y / January / 2;
  s.inputs.window = 252;
  s.inputs.market = "DJ30";
  s.value = 1335967.25;
  s.gross_value = 1500000.5;

  s.positions.push_back({"GE", "Industrials", 4000, 43.26, 173040, 0.12952});
  s.positions.push_back({"A\"B", "", -100.5, 10, -1005, -0.000752});
  s.positions.push_back({"MSFT", "Information Technology", 1e-300, 1e300, 1, 0.1});
  keel::beta_fit<double> fit;
  fit.beta = 1.25;
  fit.alpha = -0.0001;
  fit.r_squared = 0.5;
  fit.beta_stderr = 0.06;
  fit.t_stat = 20.8;
  fit.p_value = 1e-40;
  fit.n = 252;
  s.betas.positions.push_back(fit);
  fit.beta = nan;  // written as null by dump()
  fit.p_value = inf;
  s.betas.positions.push_back(fit);  // the third position has none: {"symbol"} only
  s.betas.value_weighted = 0.98970001;
  s.betas.regressed = fit;
  s.betas.regressed.beta = 0.9897;

  s.exposure.sectors.sectors = {"Industrials", "Information Technology", ""};
  s.exposure.sectors.portfolio_weights = {0.3, 0.6, 0.1};
  s.exposure.sectors.benchmark_weights = {0.25, 0.75, 0};
  s.exposure.sectors.active_weights = {0.05, -0.15, 0.1};
  s.exposure.concentration.hhi = 1234.5;
  s.exposure.concentration.effective_n = 8.1;
  s.exposure.concentration.top_shares = {0.4, 0.9};
  s.exposure.concentration.largest_name = "GE";
  s.exposure.concentration.n = 3;

  s.volatility.windows = {30, 60};
  s.volatility.positions.resize(2, 2);  // fewer rows than positions: the third has []
  s.volatility.positions << 0.2, 0.25, 0.3, 0.35;
  s.volatility.portfolio = {0.18, 0.19};
  s.volatility.volatility = 0.185;
  s.volatility.har.volatility = 0.21;
  s.volatility.trend.direction = keel::trend_direction::increasing;
  s.volatility.trend.strength = 0.33;
  s.volatility.trend.short_volatility = 0.2;
  s.volatility.trend.long_volatility = 0.15;
  s.volatility.percentile = 0.75;
  s.volatility.diversification_ratio = 1.4;
  s.volatility.contributions.contributions.resize(3);
  s.volatility.contributions.contributions << 0.1, -0.01, 0.095;
  s.volatility.contributions.fractions.resize(3);
  s.volatility.contributions.fractions << 0.54, -0.05, 0.51;

  keel::snapshot_var_row row;
  row.confidence = 0.95;
  row.horizon = 1;
  row.parametric = {0.017, 0.021, 22711.4, 28055.3};
  row.cornish_fisher.var = 0.0175;
  row.cornish_fisher.monotone = true;
  row.cornish_fisher.skewness = -0.3;
  row.cornish_fisher.excess_kurtosis = 2.5;
  row.historical = {0.016, 0.024, 21375.5, 32063.2};
  row.monte_carlo = {0.0171, 0.0212, 22845, 28322.5};
  row.monte_carlo_var_stderr = 0.0002;
  s.var.rows.push_back(row);
  row.confidence = 0.99;
  row.horizon = 10;
  row.cornish_fisher.var.reset();  // not monotone: null
  row.cornish_fisher.monotone = false;
  row.monte_carlo_var_stderr = nan;
  s.var.rows.push_back(row);
  s.var.components.var = 0.024;
  s.var.components.component_vars = {0.012, -0.001, 0.013};
  s.var.top_contributors = {{"MSFT", 0.013, 0.54}, {"GE", 0.012, 0.5}};
  keel::var_backtest_result backtest;
  backtest.breaches = 4;
  backtest.observations = 250;
  backtest.breach_rate = 0.016;
  backtest.kupiec.p_value = 0.37;
  backtest.christoffersen.p_independence = 0.71;
  backtest.christoffersen.p_conditional_coverage = 0.6;
  backtest.basel.zone = keel::basel_zone::yellow;
  backtest.basel.multiplier = 3.4;
  s.var.backtest = backtest;
  s.var.backtest_days = 250;
  s.var.backtest_dates = {2000y / January / 3, 2000y / June / 30, 2001y / January / 2};

  s.performance.annual_return = 0.12;
  s.performance.annual_volatility = 0.18;
  s.performance.sharpe = 0.66;
  s.performance.sortino = -inf;
  s.performance.drawdown.depth = 0.2;
  s.performance.drawdown.peak = 2000y / March / 1;
  s.performance.drawdown.trough = 2000y / October / 12;  // no recovery: null

  s.stress.scenarios.push_back({"Black Monday 1987", 1987y / October / 16, 1987y / October / 19, -0.2047, {}, ""});
  s.stress.scenarios.push_back({"Market -20%", std::nullopt, std::nullopt, -0.2, {}, "hypothetical"});
  s.stress.scenarios.push_back({"no P&L", std::nullopt, std::nullopt, 0.1, {}, ""});
  s.stress.result.totals = {-270000.5, -264000};  // the third scenario's pnl: null

  keel::limit_status hard{{keel::limit_metric::max_beta, 1.2, keel::limit_severity::hard}, 0.99, false};
  keel::limit_status warning{{keel::limit_metric::max_var_99_1d, 0.02, keel::limit_severity::warning}, 0.024, true};
  s.limits.values = {0.13, 0.6, 1.12, 0.99, 0.024, 0.3, 0.25};
  s.limits.limits = {hard, warning};
  s.limits.warning = {warning};

  s.hedge.target_beta = 0.49;
  s.hedge.plan.orders = {{"DJ30", keel::order_side::sell, 1597, 662212.1, 66.2},
                         {"GE", keel::order_side::buy, 3, 129.8, 0}};
  s.hedge.plan.beta_before = 0.9897;
  s.hedge.plan.beta_after = 0.4901;
  s.hedge.plan.beta_residual = 0.0001;
  s.hedge.plan.total_cost = 66.2;
  s.hedge.plan.cost_fraction = 0.0000495;
  s.hedge.plan.fully_hedged = true;
  s.hedge.var_99_1d_after = 0.012;
  s.hedge.values_after = {0.13, 0.6, 1.6, 0.49, 0.012, 0.15, 0.25};
  s.hedge.limits_after = {hard};
  s.hedge.would_breach = {};
  // The comparison (issue 22): a strategy with an order and two option legs, one with a reason.
  s.hedge.index.symbol = "DJ30";
  s.hedge.index.market = {827.94, 0.06, 0.015, 0.2};
  s.hedge.index.maturity = 0.25;
  s.hedge.index.multiplier = 100;
  s.hedge.index.half_spread = 0.01;
  s.hedge.index_given = true;
  keel::hedge_comparison cmp;
  cmp.portfolio_value = s.value;
  cmp.beta = 0.9897;
  cmp.confidences = {0.95, 0.99};
  cmp.paths = 1000;
  keel::hedge_alternative collar;
  collar.name = "zero-cost collar";
  collar.orders = {{"DJ30", keel::order_side::buy, 2, 1655.88, 0.5}};
  keel::option_leg put;
  put.option = {keel::option_type::put, 745.2, 0.25};
  put.quantity = 16;
  put.valuation.price = 9.5;
  put.premium = 15200;
  put.cost = 152;
  keel::option_leg call = put;
  call.option = {keel::option_type::call, 949.95, 0.25};
  call.quantity = -16;
  call.premium = -15200;
  collar.options = {put, call};
  collar.cost = 304.5;
  collar.beta = 0.73;
  collar.volatility = 0.011;
  collar.tracking_error = 0.004;
  collar.vars = {0.0182, 0.0256};
  collar.cvars = {0.0227, nan};
  collar.within_limits = false;
  keel::hedge_alternative unanswered;
  unanswered.name = "minimum variance";
  unanswered.reason = "singular";
  unanswered.vars = {0, 0};
  unanswered.cvars = {0, 0};
  cmp.strategies = {collar, unanswered};
  s.hedge.comparison = cmp;

  keel::snapshot_alternative current;
  current.name = "current";
  current.weights = Eigen::Vector3d(0.9, -0.1, 0.2);
  current.expected_return = 0.08;
  current.volatility = 0.185;
  current.cvar_95 = 0.024;
  current.cvar_95_lp = 0.0236;
  current.max_drawdown = 0.15;
  current.diversification_ratio = 1.9;
  current.turnover = 0;
  s.construction.portfolios.push_back(current);
  keel::snapshot_alternative none;
  none.name = "maximum Sharpe";
  none.reason = "max_sharpe: no \"portfolio\" earns more than rf";
  s.construction.portfolios.push_back(none);
  s.construction.cvar_frontier.push_back({0.05, 0.018, 0.15, Eigen::Vector3d(0.5, 0.3, 0.2)});
  s.construction.cvar_frontier.push_back({0.09, 0.021, 0.17, Eigen::Vector3d(0.7, 0.1, 0.2)});
  s.construction.cvar_frontier.push_back({0.12, 0.03, 0.22, Eigen::Vector3d(1, 0, 0)});
  // Section 11: a fitted GARCH (figures written) and a factor breakdown of two factors.
  auto& g = s.risk_models.garch;
  g.converged = true;
  g.iterations = 9;
  g.n = 252;
  g.mu = 0.0005;
  g.omega = 2.5e-6;
  g.alpha = 0.078125;
  g.beta = 0.90625;
  g.persistence = 0.984375;
  g.log_likelihood = 730.5;
  g.volatility_1d = 0.25;
  g.volatility_10d = 0.2578125;
  g.horizon_volatility_10d = 0.05;
  g.long_run_volatility = 0.2734375;
  keel::snapshot_factors f;
  f.observations = 252;
  f.total_variance = 0.0625;
  f.factor_variance = 0.046875;
  f.specific_variance = 0.015625;
  f.total_volatility = 0.25;
  f.factor_volatility = 0.2165;
  f.specific_volatility = 0.125;
  f.explained_share = 0.75;
  f.factors.push_back({"MKT", 0.96875, 0.0390625, 0.625});
  f.factors.push_back({"Information Technology", 0.125, 0.0078125, 0.125});
  s.risk_models.factors = f;

  keel::risk_summary& m = s.summary;
  m.value = s.value;
  m.gross_value = s.gross_value;
  m.beta = 0.9897;
  m.volatility = 0.185;
  m.var_95 = 0.017;
  m.var_99 = 0.024;
  m.cvar_95 = 0.021;
  m.cvar_99 = 0.028;
  m.historical_var_95 = -0.001;  // a gain: negative
  m.historical_var_99 = 0.026;
  m.historical_cvar_95 = 0.024;
  m.historical_cvar_99 = nan;
  m.concentration.hhi = 1234.5;
  m.concentration.effective_n = 8.1;
  m.concentration.top_shares = {0.4};  // top_10: null
  m.concentration.largest_name = "GE";
  m.concentration.n = 3;
  m.top_contributors = {{"MSFT", 0.095, 0.51}};
  m.limits = {hard, warning};
  m.values = s.limits.values;
  m.n = 252;
  m.as_of = s.inputs.as_of;
  return s;
}

}  // namespace keel_test
