// SPDX-License-Identifier: MIT
// keel-report: a portfolio's full risk snapshot (keel::risk_snapshot) from CSV files, as text,
// as one JSON document (--json) and as a self-contained HTML page with SVG charts (--html).
//
//   keel-report [--prices FILE]... [--portfolio FILE] [--market SYMBOL] [--benchmark FILE]
//               [--limits FILE] [--as-of DATE] [--window N] [--target-beta X]
//               [--hedge SYMBOL[,SYMBOL...]] [--factors FILE] [--options FILE] [--json]
//               [--html FILE]
//
// With no arguments it reports on the bundled data (examples/data): the Dow 30 prices merged
// with their DJ30 proxy index, dow30_portfolio.csv, dow30_benchmark.csv and dow30_limits.csv.
// The bundled benchmark and limits go with the bundled portfolio only: a --portfolio of the
// user's own gets none unless --benchmark or --limits names a file; `--benchmark none` and
// `--limits none` switch them off. The first line names the files used (or says none). An
// --as-of after the last date of the prices is an error naming both dates. --factors FILE adds
// the factor exposure breakdown to section 11 (off unless given, for any portfolio; the bundled
// examples/data/dow30_factors.csv goes with the bundled prices). --options FILE is an option
// chain on the market (support/option_chain.hpp) whose at-the-money terms price section 9's
// protective put and collar; the bundled dj30_options.csv is the default with the bundled
// prices, market DJ30 and their last date, `--options none` switches it off, and without one
// the options are priced at the market's realised volatility (the report says which).
// It reads files (keel::read_holdings, read_benchmark, read_limits, read_prices_csv), calls
// keel::risk_snapshot and prints; it computes nothing itself. The output
// is buffered and printed only on success, so an error leaves stdout empty (one line on stderr,
// exit code 2).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include <unistd.h>

#include <keel/csv.hpp>
#include <keel/json.hpp>
#include <keel/limits.hpp>
#include <keel/portfolio.hpp>
#include <keel/snapshot.hpp>
#include <keel/version.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"
#include "support/option_chain.hpp"
#include "support/svg.hpp"

namespace {

using keel_example::fixed;
using keel_example::table;

std::string money(double x) { return fixed(x, 0); }
/// A quantity as the file gave it: the shortest text that reads back as the same double
/// (100.5 prints 100.5, 4000 prints 4000).
std::string quantity_text(double x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return ec == std::errc{} ? std::string(buf, end) : fixed(x, 0);
}
std::string pct(double x, int decimals = 2) { return fixed(100 * x, decimals) + "%"; }
std::string date(const std::chrono::year_month_day& d) { return keel::format_date(d); }
std::string date(const std::optional<std::chrono::year_month_day>& d) { return d ? date(*d) : "-"; }

/// One section of the report: a title, the inputs it was computed over, and its tables (each
/// with an optional caption) and closing notes.
struct section {
  std::string title;
  std::string inputs;
  std::vector<std::pair<std::string, table>> tables;
  std::vector<std::string> notes;
};

std::string window_text(const keel::snapshot& s) {
  return "window " + std::to_string(s.inputs.window) + " daily returns, " + date(s.inputs.first) + " to " +
         date(s.inputs.last) + ", as of " + date(s.inputs.as_of) + ", n = " + std::to_string(s.inputs.window);
}

section positions_section(const keel::snapshot& s) {
  section out{"1. Positions", "valued at the last price on or before " + date(s.inputs.as_of), {}, {}};
  table t({"symbol", "sector", "quantity", "price", "value", "weight"});
  for (const auto& p : s.positions)
    t.add({p.symbol, p.sector.empty() ? "-" : p.sector, quantity_text(p.quantity), fixed(p.price, 2), money(p.value),
           pct(p.weight)});
  t.add({"total", "", "", "", money(s.value), pct(1)});
  out.tables.emplace_back("", std::move(t));
  out.notes.push_back(std::to_string(s.positions.size()) + " positions, net value " + money(s.value) +
                      ", gross value " + money(s.gross_value));
  return out;
}

section beta_section(const keel::snapshot& s) {
  section out{"2. Market beta", "OLS on " + s.inputs.market + ", " + window_text(s), {}, {}};
  table t({"symbol", "beta", "R^2", "std error", "p-value", "n"});
  for (std::size_t i = 0; i < s.positions.size() && i < s.betas.positions.size(); ++i) {
    const auto& f = s.betas.positions[i];
    t.add({s.positions[i].symbol, fixed(f.beta, 3), fixed(f.r_squared, 3), fixed(f.beta_stderr, 3),
           fixed(f.p_value, 3, 1e-3), std::to_string(f.n)});
  }
  const auto& r = s.betas.regressed;
  t.add({"portfolio (regressed)", fixed(r.beta, 3), fixed(r.r_squared, 3), fixed(r.beta_stderr, 3),
         fixed(r.p_value, 3, 1e-3), std::to_string(r.n)});
  out.tables.emplace_back("", std::move(t));
  out.notes.push_back("portfolio beta: value-weighted " + fixed(s.betas.value_weighted, 4) + ", regressed " +
                      fixed(r.beta, 4));
  return out;
}

section exposure_section(const keel::snapshot& s) {
  section out{"3. Sector exposure and concentration", "weights as of " + date(s.inputs.as_of), {}, {}};
  table t({"sector", "portfolio", "benchmark", "active"});
  const auto& e = s.exposure.sectors;
  for (std::size_t k = 0; k < e.sectors.size(); ++k)
    t.add({e.sectors[k].empty() ? "(unclassified)" : e.sectors[k], pct(e.portfolio_weights[k]),
           pct(e.benchmark_weights[k]), keel_example::percent(e.active_weights[k])});
  out.tables.emplace_back("", std::move(t));
  const auto& c = s.exposure.concentration;
  table ct({"measure", "value"});
  ct.add({"HHI (0-10,000)", fixed(c.hhi, 1)});
  ct.add({"effective number of positions", fixed(c.effective_n, 2)});
  if (c.top_shares.size() > 0) ct.add({"top 3 share", pct(c.top_shares[0])});
  if (c.top_shares.size() > 1) ct.add({"top 10 share", pct(c.top_shares[1])});
  ct.add({"largest position", c.largest_name});
  out.tables.emplace_back("Concentration (gross weights):", std::move(ct));
  if (e.largest_overweight >= 0)
    out.notes.push_back("largest overweight: " + e.sectors[static_cast<std::size_t>(e.largest_overweight)]);
  if (e.largest_underweight >= 0)
    out.notes.push_back("largest underweight: " + e.sectors[static_cast<std::size_t>(e.largest_underweight)]);
  return out;
}

section volatility_section(const keel::snapshot& s) {
  const auto& v = s.volatility;
  section out{"4. Volatility", "annualised x sqrt(252), sample standard deviations; " + window_text(s), {}, {}};
  std::vector<std::string> header{"symbol"};
  for (const auto w : v.windows) header.push_back("vol" + std::to_string(w));
  header.push_back("risk contribution");
  header.push_back("share");
  table t(header);
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    std::vector<std::string> cells{s.positions[i].symbol};
    for (Eigen::Index k = 0; k < v.positions.cols(); ++k)
      cells.push_back(row < v.positions.rows() ? pct(v.positions(row, k)) : "-");
    const bool has = row < v.contributions.contributions.size();
    cells.push_back(has ? pct(v.contributions.contributions(row)) : "-");
    cells.push_back(has ? pct(v.contributions.fractions(row), 1) : "-");
    t.add(cells);
  }
  std::vector<std::string> total{"portfolio"};
  for (const double x : v.portfolio) total.push_back(pct(x));
  total.push_back(pct(v.contributions.volatility));
  total.push_back(pct(1, 1));
  t.add(total);
  out.tables.emplace_back("", std::move(t));
  const std::string trend(keel::json_name(v.trend.direction));
  out.notes.push_back("portfolio volatility " + pct(v.volatility) + " (from the covariance); HAR 30-day forecast " +
                      pct(v.har.volatility) + "; trend " + trend + " (30 vs 90 days, strength " +
                      fixed(v.trend.strength, 2) + "); percentile " + fixed(v.percentile, 2) +
                      "; diversification ratio " + fixed(v.diversification_ratio, 3));
  return out;
}

std::string measure_text(double fraction, double currency) { return pct(fraction) + " " + money(currency); }

section var_section(const keel::snapshot& s) {
  const auto& v = s.var;
  section out{"5. Value at Risk and CVaR",
              "losses as % of value and in currency; sqrt-time for 10 days; " + window_text(s),
              {},
              {}};
  table t({"level", "days", "parametric VaR", "CVaR", "Cornish-Fisher VaR", "historical VaR", "CVaR", "Monte Carlo VaR",
           "CVaR"});
  for (const auto& r : v.rows) {
    const std::string cf = r.cornish_fisher.var ? measure_text(*r.cornish_fisher.var, *r.cornish_fisher.var * s.value)
                                                : "n/a (not monotone)";
    t.add({pct(r.confidence, 0), std::to_string(r.horizon), measure_text(r.parametric.var, r.parametric.var_currency),
           measure_text(r.parametric.cvar, r.parametric.cvar_currency), cf,
           measure_text(r.historical.var, r.historical.var_currency),
           measure_text(r.historical.cvar, r.historical.cvar_currency),
           measure_text(r.monte_carlo.var, r.monte_carlo.var_currency),
           measure_text(r.monte_carlo.cvar, r.monte_carlo.cvar_currency)});
  }
  out.tables.emplace_back("", std::move(t));
  table c({"symbol", "component VaR", "share"});
  for (const auto& k : v.top_contributors) c.add({k.symbol, pct(k.contribution), pct(k.share, 1)});
  out.tables.emplace_back("Largest contributors to the parametric 1-day VaR at the highest level (Euler):",
                          std::move(c));
  if (v.backtest) {
    const auto& b = *v.backtest;
    table bt({"days", "breaches", "Kupiec p", "independence p", "coverage p", "Basel zone", "multiplier"});
    bt.add({std::to_string(v.backtest_days), std::to_string(b.breaches), fixed(b.kupiec.p_value, 3),
            fixed(b.christoffersen.p_independence, 3), fixed(b.christoffersen.p_conditional_coverage, 3),
            std::string(keel::json_name(b.basel.zone)), fixed(b.basel.multiplier, 2)});
    const std::string span = v.backtest_dates.empty()
                                 ? std::string()
                                 : " " + date(v.backtest_dates.front()) + " to " + date(v.backtest_dates.back());
    out.tables.emplace_back("Backtest of the rolling 1-day parametric VaR at the highest level" + span + ":",
                            std::move(bt));
  } else {
    out.notes.push_back("backtest: not enough history before the window");
  }
  return out;
}

section performance_section(const keel::snapshot& s) {
  const auto& p = s.performance;
  section out{"6. Performance", "the portfolio's return series with today's weights; " + window_text(s), {}, {}};
  table t({"annual return", "annual volatility", "Sharpe", "Sortino", "max drawdown", "peak", "trough", "recovery"});
  t.add({keel_example::percent(p.annual_return), pct(p.annual_volatility), fixed(p.sharpe, 3), fixed(p.sortino, 3),
         pct(p.drawdown.depth), date(p.drawdown.peak), date(p.drawdown.trough), date(p.drawdown.recovery)});
  out.tables.emplace_back("", std::move(t));
  return out;
}

section stress_section(const keel::snapshot& s) {
  section out{"7. Stress scenarios",
              "built-in scenarios: market move x each position's beta on " + s.inputs.market + "; " + window_text(s),
              {},
              {}};
  table t({"scenario", "dates", "market", "P&L", "% of value"});
  for (std::size_t k = 0; k < s.stress.scenarios.size(); ++k) {
    const auto& sc = s.stress.scenarios[k];
    const double pnl = k < s.stress.result.totals.size() ? s.stress.result.totals[k] : std::nan("");
    t.add({sc.name, sc.start ? date(*sc.start) + " to " + date(sc.end) : "hypothetical",
           keel_example::percent(sc.market_return), money(pnl), keel_example::percent(pnl / s.value)});
  }
  out.tables.emplace_back("", std::move(t));
  return out;
}

void add_limits_table(std::vector<std::pair<std::string, table>>& tables, std::string caption,
                      const std::vector<keel::limit_status>& ls) {
  table t({"metric", "limit", "value", "severity", "status"});
  for (const auto& l : ls)
    t.add({std::string(keel::limit_metric_name(l.limit.metric)), fixed(l.limit.limit, 4), fixed(l.value, 4),
           std::string(keel::limit_severity_name(l.limit.severity)), l.breached ? "BREACHED" : "ok"});
  tables.emplace_back(std::move(caption), std::move(t));
}

section limits_section(const keel::snapshot& s) {
  section out{"8. Limits", "values as fractions (0.25 = 25%); " + window_text(s), {}, {}};
  if (s.limits.limits.empty())
    out.notes.push_back("no limits given");
  else
    add_limits_table(out.tables, "", s.limits.limits);
  out.notes.push_back("breaches: " + std::to_string(s.limits.hard.size()) + " hard, " +
                      std::to_string(s.limits.warning.size()) + " warning");
  return out;
}

/// The option legs of a strategy: "buy 16 put 740, sell 16 call 900".
std::string legs_text(const keel::hedge_alternative& a) {
  std::string out;
  for (const auto& l : a.options) {
    if (!out.empty()) out += ", ";
    out += std::string(l.quantity > 0 ? "buy " : "sell ") + fixed(std::abs(l.quantity), 0) +
           (l.option.type == keel::option_type::put ? " put " : " call ") + fixed(l.option.strike, 2);
  }
  return out;
}

/// Section 9's strategies side by side (keel::compare_hedges inside risk_snapshot).
void comparison_tables(const keel::snapshot& s, section& out) {
  const auto& h = s.hedge;
  if (!h.comparison) {
    out.notes.push_back("hedge strategies: not compared (" + h.comparison_reason + ")");
    return;
  }
  const keel::hedge_comparison& c = *h.comparison;
  std::vector<std::string> head = {"strategy", "cost", "premium", "beta", "volatility 1d"};
  for (const double q : c.confidences) head.push_back("VaR " + fixed(100 * q, 0) + "%");
  for (const double q : c.confidences) head.push_back("CVaR " + fixed(100 * q, 0) + "%");
  head.push_back("limits");
  table t(head);
  for (const auto& a : c.strategies) {
    if (!a.reason.empty()) {
      std::vector<std::string> row = {a.name, "-", "-", "-", "-"};
      row.resize(head.size(), "-");
      t.add(row);
      continue;
    }
    std::vector<std::string> row = {a.name, money(a.cost), money(a.premium), fixed(a.beta, 3), pct(a.volatility)};
    for (const double v : a.vars) row.push_back(pct(v));
    for (const double v : a.cvars) row.push_back(pct(v));
    row.push_back(a.limits.empty() ? "-" : a.within_limits ? "ok" : "breach");
    t.add(row);
  }
  out.tables.emplace_back("Hedge strategies side by side (1-day Monte Carlo VaR and CVaR with full revaluation, " +
                              std::to_string(c.paths) + " paths; fractions of value):",
                          std::move(t));
  const auto& x = h.index;
  out.notes.push_back(
      "options on " + x.symbol + " at " + fixed(x.market.spot, 2) + ": volatility " + pct(x.market.volatility) +
      (h.index_given ? " (the option chain's at-the-money implied volatility)"
                     : " (no option chain: the market's realised volatility, no rate, dividend or spread)") +
      ", rate " + pct(x.market.rate) + ", dividend yield " + pct(x.market.dividend_yield) + ", maturity " +
      fixed(x.maturity, 3) + " years, multiplier " + fixed(x.multiplier, 0) + ", half spread " + pct(x.half_spread));
  for (const auto& a : c.strategies) {
    if (!a.reason.empty())
      out.notes.push_back(a.name + ": " + a.reason);
    else if (!a.options.empty())
      out.notes.push_back(a.name + ": " + legs_text(a));
  }
}

section hedge_section(const keel::snapshot& s) {
  const auto& h = s.hedge;
  std::string instruments;
  for (const auto& i : h.instruments) instruments += (instruments.empty() ? "" : ", ") + i.symbol;
  section out{
      "9. Hedge", "to target beta " + fixed(h.target_beta, 4) + " with " + instruments + "; " + window_text(s), {}, {}};
  table t({"instrument", "side", "quantity", "notional", "cost"});
  for (const auto& o : h.plan.orders)
    t.add({o.symbol, o.side == keel::order_side::buy ? "buy" : "sell", fixed(o.quantity, 0), money(o.notional),
           fixed(o.cost, 2)});
  if (h.plan.orders.empty())
    out.notes.push_back("no orders needed");
  else
    out.tables.emplace_back("", std::move(t));
  out.notes.push_back("beta " + fixed(h.plan.beta_before, 4) + " -> " + fixed(h.plan.beta_after, 4) + "; cost " +
                      fixed(h.plan.total_cost, 2) + " (" + pct(h.plan.cost_fraction, 4) +
                      " of value); parametric 1-day 99% VaR " + pct(s.limits.values.var_99_1d) + " -> " +
                      pct(h.var_99_1d_after));
  if (!h.plan.fully_hedged) out.notes.push_back("not fully hedged: " + h.plan.reason);
  if (!h.limits_after.empty())
    add_limits_table(out.tables, "Pre-trade check (limits after the orders):", h.limits_after);
  out.notes.push_back(h.would_breach.empty() ? "pre-trade check: the orders breach no limit"
                                             : "pre-trade check: the orders would breach " +
                                                   std::to_string(h.would_breach.size()) + " limit(s)");
  comparison_tables(s, out);
  return out;
}

section construction_section(const keel::snapshot& s) {
  const auto& all = s.construction.portfolios;
  section out{"10. Portfolio construction",
              "long-only, fully invested portfolios of the held assets; annualised sample mean and covariance, " +
                  window_text(s),
              {},
              {}};
  table t({"portfolio", "return", "volatility", "CVaR 95% 1d", "max drawdown", "div. ratio", "turnover"});
  std::vector<std::string> weight_columns{"symbol"};
  std::vector<const keel::snapshot_alternative*> shown;
  for (const auto& a : all) {
    if (!a.reason.empty()) {
      out.notes.push_back(a.name + ": not available (" + a.reason + ")");
      continue;
    }
    t.add({a.name, pct(a.expected_return), pct(a.volatility), pct(a.cvar_95), pct(a.max_drawdown),
           fixed(a.diversification_ratio, 3), pct(a.turnover, 1)});
    weight_columns.push_back(a.name);
    shown.push_back(&a);
  }
  out.tables.emplace_back("", std::move(t));
  table w(weight_columns);
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    std::vector<std::string> row{s.positions[i].symbol};
    for (const auto* a : shown) row.push_back(pct(a->weights(static_cast<Eigen::Index>(i)), 1));
    w.add(row);
  }
  out.tables.emplace_back("Weights:", std::move(w));
  out.notes.push_back("turnover: sum |w - current w|, the fraction of the book traded to reach each portfolio");
  const auto& cf = s.construction.cvar_frontier;
  if (cf.empty()) {
    out.notes.push_back("mean-CVaR frontier: not available (" + s.construction.cvar_frontier_reason + ")");
    return out;
  }
  table f({"return", "CVaR 95% 1d", "volatility"});
  for (const auto& p : cf) f.add({pct(p.expected_return), pct(p.cvar_95), pct(p.volatility)});
  out.tables.emplace_back("Mean-CVaR frontier (95%, 1 day):", std::move(f));
  out.notes.push_back(
      "mean-CVaR frontier: the least CVaR at returns from the minimum-CVaR portfolio's to the best asset's; its CVaR "
      "is min_cvar's (the worst 5% of the days exactly, a fraction of one included), which can differ from the "
      "historical CVaR above (the mean of the floor(0.05 (n - 1)) + 1 worst days)");
  return out;
}

section risk_models_section(const keel::snapshot& s) {
  const auto& v = s.volatility;
  const auto& g = s.risk_models.garch;
  section out{"11. Risk models",
              "GARCH(1,1) of the portfolio's returns (normal, constant mean, backcast start) beside section 4's "
              "realised and HAR volatility, annualised x sqrt(252); " +
                  window_text(s),
              {},
              {}};
  table t({"model", "horizon", "volatility"});
  t.add({"realised (window covariance)", "last " + std::to_string(s.inputs.window) + " days", pct(v.volatility)});
  for (std::size_t k = 0; k < v.windows.size() && k < v.portfolio.size(); ++k)
    if (v.windows[k] == 30) t.add({"realised", "last 30 days", pct(v.portfolio[k])});
  t.add({"HAR", "next 30 days", pct(v.har.volatility)});
  if (g.reason.empty()) {
    t.add({"GARCH(1,1)", "next day", pct(g.volatility_1d)});
    t.add({"GARCH(1,1)", "next 10 days", pct(g.volatility_10d)});
    t.add({"GARCH(1,1)", "long run", pct(g.long_run_volatility)});
  }
  out.tables.emplace_back("Volatility forecasts (annualised):", std::move(t));
  if (!g.reason.empty()) {
    out.notes.push_back("GARCH(1,1): not available (" + g.reason + ")");
  } else {
    table f({"omega", "alpha", "beta", "persistence", "log-likelihood", "converged", "iterations"});
    f.add({fixed(g.omega, 3, 0.01), fixed(g.alpha, 4), fixed(g.beta, 4), fixed(g.persistence, 4),
           fixed(g.log_likelihood, 1), g.converged ? "yes" : "no", std::to_string(g.iterations)});
    out.tables.emplace_back("GARCH(1,1) fit:", std::move(f));
    if (!g.converged)
      out.notes.push_back("GARCH(1,1): did not converge in " + std::to_string(g.iterations) +
                          " iterations; its figures are the last iterate's, not estimates");
    out.notes.push_back(
        "GARCH 10-day: the next 10 days' mean variance as an annualised volatility; the 10-day "
        "return's standard deviation is " +
        pct(g.horizon_volatility_10d) + " (not annualised)");
  }
  if (!s.risk_models.factors) {
    out.notes.push_back("factor exposure breakdown: no factor returns given (--factors FILE)");
    return out;
  }
  const auto& fs = *s.risk_models.factors;
  table f({"factor", "exposure", "contribution", "share of variance"});
  for (const auto& r : fs.factors) f.add({r.name, fixed(r.exposure, 3), fixed(r.contribution, 6), pct(r.share, 1)});
  f.add({"factors", "", fixed(fs.factor_variance, 6), pct(fs.explained_share, 1)});
  f.add({"specific", "", fixed(fs.specific_variance, 6),
         pct(fs.total_variance > 0 ? fs.specific_variance / fs.total_variance : 0.0, 1)});
  f.add({"total", "", fixed(fs.total_variance, 6), pct(1, 1)});
  out.tables.emplace_back("Factor exposure breakdown (time-series model over the window's " +
                              std::to_string(fs.observations) + " dates; annualised variance, Euler contributions):",
                          std::move(f));
  out.notes.push_back("factor model volatility " + pct(fs.total_volatility) + " (factors " + pct(fs.factor_volatility) +
                      ", specific " + pct(fs.specific_volatility) + "); the factors explain " +
                      pct(fs.explained_share, 1) + " of the variance");
  return out;
}

std::vector<section> sections(const keel::snapshot& s) {
  return {positions_section(s), beta_section(s),         exposure_section(s),   volatility_section(s),
          var_section(s),       performance_section(s),  stress_section(s),     limits_section(s),
          hedge_section(s),     construction_section(s), risk_models_section(s)};
}

void print_text(std::ostream& out, const std::string& heading, const std::vector<section>& all) {
  out << heading << "\n";
  for (const auto& sec : all) {
    out << "\n" << sec.title << "\n(" << sec.inputs << ")\n";
    for (const auto& [caption, t] : sec.tables) {
      if (!caption.empty()) out << caption << "\n";
      t.print(out);
    }
    for (const auto& n : sec.notes) out << n << "\n";
  }
}

// ---- The HTML page: XHTML (well-formed XML), inline CSS and SVG, no scripts, no network.

using keel_example::svg_plot;
using keel_example::tick_style;
using keel_example::xml_escape;

std::vector<double> day_numbers(const std::vector<std::chrono::year_month_day>& ds) {
  std::vector<double> out;
  out.reserve(ds.size());
  for (const auto& d : ds) out.push_back(keel_example::day_number(d));
  return out;
}

void range_of(const std::vector<double>& xs, double& lo, double& hi) {
  for (const double x : xs)
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
}

// A line chart over dates of the named series (name, values, colour).
struct dated_line {
  std::string name;
  const std::vector<double>* values;
  std::string color;
};

std::string date_chart(const std::string& id, const std::string& title, const std::vector<double>& xs,
                       const std::vector<dated_line>& lines, const std::string& y_title, tick_style y_style,
                       bool include_zero) {
  double lo = include_zero ? 0 : std::numeric_limits<double>::infinity(), hi = include_zero ? 0 : -lo;
  for (const auto& l : lines) range_of(*l.values, lo, hi);
  if (!(lo <= hi)) lo = hi = 0;
  svg_plot plot({.width = 900, .height = 320, .title = title, .id = id, .left = 70});
  const double pad = 0.05 * (hi - lo);
  plot.set_range(xs.empty() ? 0 : xs.front(), xs.empty() ? 1 : xs.back(), lo - pad, hi + pad);
  plot.axes("date", y_title, tick_style::date, y_style);
  for (const auto& l : lines) {
    plot.line(xs, *l.values, l.color, 1.6);
    plot.legend(l.name, l.color);
  }
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

std::string volatility_chart(const keel::snapshot& s) {
  const auto& c = s.charts;
  std::vector<double> xs = day_numbers(c.volatility_dates);
  const double har = s.volatility.har.volatility;  // the HAR 30-day forecast (section 4)
  double lo = 0, hi = har;
  range_of(c.rolling_volatility, lo, hi);
  const double x0 = xs.empty() ? 0 : xs.front(), x1 = xs.empty() ? 1 : xs.back(), ahead = 42;  // 30 trading days
  svg_plot plot({.width = 900,
                 .height = 320,
                 .title = "Rolling 30-day volatility and the HAR 30-day forecast",
                 .id = "volatility",
                 .left = 70});
  plot.set_range(x0, x1 + ahead, 0, 1.08 * hi);
  plot.axes("date", "volatility (annualised)", tick_style::date, tick_style::percent);
  plot.line(xs, c.rolling_volatility, "#1f77b4", 1.6);
  plot.legend("realised 30-day volatility", "#1f77b4");
  plot.line({x1, x1 + ahead}, {har, har}, "#d62728", 2.5, true);
  plot.legend("HAR forecast, next 30 days: " + pct(har), "#d62728", true);
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

std::string histogram_chart(const keel::snapshot& s) {
  const auto& r = s.charts.returns;
  double lo = 0, hi = 0;
  range_of(r, lo, hi);
  const int bins = 40;
  const double width = (hi - lo) / bins;
  std::vector<double> x0s, x1s, counts(bins, 0);
  for (int b = 0; b < bins; ++b) {
    x0s.push_back(lo + b * width);
    x1s.push_back(lo + (b + 1) * width);
  }
  for (const double x : r)
    if (std::isfinite(x) && width > 0)
      counts[static_cast<std::size_t>(std::min(bins - 1, static_cast<int>((x - lo) / width)))] += 1;
  double top = 1;
  for (const double n : counts) top = std::max(top, n);
  svg_plot plot({.width = 900,
                 .height = 320,
                 .title = "Daily returns of the portfolio (1-day VaR and CVaR marked)",
                 .id = "histogram",
                 .left = 70});
  plot.set_range(lo - width, hi + width, 0, 1.1 * top);
  plot.axes("daily return", "days", tick_style::percent, tick_style::plain);
  plot.columns(x0s, x1s, counts, "#8fb3d9");
  for (const auto& row : s.var.rows) {
    if (row.horizon != 1) continue;
    const std::string level = pct(row.confidence, 0);
    plot.vline(-row.historical.var, "historical VaR " + level, "#d62728");
    plot.vline(-row.historical.cvar, "historical CVaR " + level, "#9467bd", true);
  }
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

std::string contributions_chart(const keel::snapshot& s) {
  std::vector<std::string> names;
  std::vector<double> shares;
  for (const auto& c : s.charts.contributions) {
    names.push_back(c.symbol);
    shares.push_back(c.share);
  }
  svg_plot plot({.width = 900,
                 .height = 80 + 22 * static_cast<double>(names.size()),
                 .title = "Risk contributions (share of the portfolio's volatility)",
                 .id = "contributions",
                 .left = 90});
  plot.horizontal_bars(names, shares, "share of volatility", tick_style::percent, "#1f77b4", "#2ca02c");
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

std::string frontier_chart(const keel::snapshot& s) {
  const auto& c = s.charts;
  if (!c.frontier) return "<p>Efficient frontier: not available.</p>\n";
  const auto& f = *c.frontier;
  std::vector<double> xs, ys;
  double xmax = c.portfolio_volatility, ymin = std::min(0.0, c.portfolio_return), ymax = c.portfolio_return;
  for (const auto& p : f.points) {
    xs.push_back(p.volatility);
    ys.push_back(p.expected_return);
    xmax = std::max(xmax, p.volatility);
    ymin = std::min(ymin, p.expected_return);
    ymax = std::max(ymax, p.expected_return);
  }
  svg_plot plot({.width = 900,
                 .height = 420,
                 .title = "Efficient frontier of the held assets (long-only)",
                 .id = "frontier",
                 .left = 70});
  plot.set_range(0, 1.1 * xmax, ymin - 0.05 * (ymax - ymin), ymax + 0.1 * (ymax - ymin));
  plot.axes("volatility (annualised)", "expected return (annualised)", tick_style::percent);
  plot.line(xs, ys, "#1f77b4", 2.5);
  plot.legend("efficient frontier", "#1f77b4");
  plot.marker(f.min_variance.volatility, f.min_variance.expected_return, "minimum variance", "#ff7f0e",
              keel_example::marker_shape::diamond);
  if (f.max_sharpe)
    plot.marker(f.max_sharpe->volatility, f.max_sharpe->expected_return, "maximum Sharpe", "#2ca02c",
                keel_example::marker_shape::star);
  // The construction section's other optimisers (minimum variance and maximum Sharpe are the
  // frontier's own, drawn above).
  const std::vector<std::pair<std::string, std::string>> others = {{"equal risk contribution", "#9467bd"},
                                                                   {"hierarchical risk parity", "#8c564b"},
                                                                   {"maximum diversification", "#17becf"}};
  for (const auto& [name, colour] : others)
    for (const auto& a : s.construction.portfolios)
      if (a.name == name && a.reason.empty())
        plot.marker(a.volatility, a.expected_return, name, colour, keel_example::marker_shape::square);
  plot.marker(c.portfolio_volatility, c.portfolio_return, "this portfolio", "#d62728",
              keel_example::marker_shape::circle);
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

/// The construction section's mean-CVaR frontier with its portfolios as markers, every CVaR in
/// the frontier's convention (cvar_95_lp), so that none shows left of the frontier.
std::string cvar_frontier_chart(const keel::snapshot& s) {
  const auto& cf = s.construction.cvar_frontier;
  if (cf.empty()) return "<p>Mean-CVaR frontier: not available.</p>\n";
  const auto& all = s.construction.portfolios;
  std::vector<double> xs, ys;
  // x spans the points only (CVaRs sit far from 0, so the markers spread out); y includes 0.
  double xmin = cf.front().cvar_95, xmax = xmin, ymin = 0, ymax = 0;
  const auto extend = [&](double x, double y) {
    xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
  };
  for (const auto& p : cf) {
    xs.push_back(p.cvar_95);
    ys.push_back(p.expected_return);
    extend(p.cvar_95, p.expected_return);
  }
  for (const auto& a : all)
    if (a.reason.empty()) extend(a.cvar_95_lp, a.expected_return);
  svg_plot plot({.width = 900,
                 .height = 420,
                 .title = "Mean-CVaR frontier of the held assets (long-only, 95%, 1 day)",
                 .id = "cvar-frontier",
                 .left = 70});
  plot.set_range(xmin - 0.05 * (xmax - xmin), xmax + 0.05 * (xmax - xmin), ymin - 0.05 * (ymax - ymin),
                 ymax + 0.1 * (ymax - ymin));
  plot.axes("CVaR 95% (1 day)", "expected return (annualised)", tick_style::percent);
  plot.line(xs, ys, "#1f77b4", 2.5);
  plot.legend("mean-CVaR frontier", "#1f77b4");
  plot.marker(cf.front().cvar_95, cf.front().expected_return, "minimum CVaR", "#bcbd22",
              keel_example::marker_shape::diamond);
  // The construction section's portfolios, in the frontier chart's colours and shapes.
  const std::vector<std::tuple<std::string, std::string, keel_example::marker_shape>> rows = {
      {"minimum variance", "#ff7f0e", keel_example::marker_shape::diamond},
      {"maximum Sharpe", "#2ca02c", keel_example::marker_shape::star},
      {"equal risk contribution", "#9467bd", keel_example::marker_shape::square},
      {"hierarchical risk parity", "#8c564b", keel_example::marker_shape::square},
      {"maximum diversification", "#17becf", keel_example::marker_shape::square},
      {"current", "#d62728", keel_example::marker_shape::circle}};
  for (const auto& [name, colour, shape] : rows)
    for (const auto& a : all)
      if (a.name == name && a.reason.empty())
        plot.marker(a.cvar_95_lp, a.expected_return, name == "current" ? "this portfolio" : name, colour, shape);
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

/// The option hedges' payoff at expiry against the index's move (section 9's comparison), beside
/// the unhedged book and the target-beta hedge.
std::string payoff_chart(const keel::snapshot& s) {
  if (!s.hedge.comparison) return "<p>Hedge payoffs: no hedge comparison.</p>\n";
  const keel::hedge_comparison& c = *s.hedge.comparison;
  std::vector<double> xs;
  for (const double m : c.payoff_moves) xs.push_back(m);
  double lo = 0, hi = 0;
  const std::vector<std::pair<std::string, std::string>> shown = {{"unhedged", "#7f7f7f"},
                                                                  {"target beta", "#1f77b4"},
                                                                  {"protective put", "#2ca02c"},
                                                                  {"zero-cost collar", "#d62728"}};
  for (const auto& a : c.strategies)
    if (a.reason.empty()) range_of(a.payoffs, lo, hi);
  svg_plot plot({.width = 900,
                 .height = 360,
                 .title = "Hedge payoffs at the expiry of the options against the move of " + s.hedge.index.symbol,
                 .id = "hedge-payoff",
                 .left = 70});
  const double pad = 0.05 * (hi - lo);
  plot.set_range(xs.empty() ? -0.5 : xs.front(), xs.empty() ? 0.5 : xs.back(), lo - pad, hi + pad);
  plot.axes(s.hedge.index.symbol + " move to expiry", "change in the book's value", tick_style::percent,
            tick_style::percent);
  for (const auto& [name, colour] : shown)
    for (const auto& a : c.strategies)
      if (a.name == name && a.reason.empty() && a.payoffs.size() == xs.size()) {
        plot.line(xs, a.payoffs, colour, name == "unhedged" ? 1.6 : 2.2);
        plot.legend(name, colour);
      }
  std::ostringstream out;
  plot.write_inline(out);
  return out.str();
}

void html_table(std::ostream& out, const table& t) {
  const auto& rows = t.rows();
  out << "<table>\n<tr>";
  for (const auto& h : rows.front()) out << "<th>" << xml_escape(h) << "</th>";
  out << "</tr>\n";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    out << "<tr>";
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      out << (j == 0 ? "<td class=\"name\">" : "<td>") << xml_escape(rows[i][j]) << "</td>";
    out << "</tr>\n";
  }
  out << "</table>\n";
}

std::string html_page(const keel::snapshot& s, const std::string& heading, const std::vector<section>& all) {
  std::ostringstream out;
  const auto& c = s.charts;
  const std::vector<double> xs = day_numbers(c.dates), beta_xs = day_numbers(c.beta_dates);
  std::vector<double> minus_p, minus_m;
  for (const double d : c.portfolio_drawdown) minus_p.push_back(-d);
  for (const double d : c.market_drawdown) minus_m.push_back(-d);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
      << "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"UTF-8\"/>\n"
      << "<title>" << xml_escape("keel-report: " + heading) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:24px;color:#222;max-width:1240px}"
      << "table{border-collapse:collapse;margin:8px 0 14px}"
      << "th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}"
      << "th{background:#eef2f7}td.name{text-align:left}h2{margin-top:28px;border-bottom:2px solid #1f77b4}"
      << ".inputs{color:#555;font-size:13px}svg{display:block;margin:10px 0}\n"
      << "</style>\n</head>\n<body>\n<h1>keel-report</h1>\n<p>" << xml_escape(heading) << "</p>\n";
  out << "<h2>Charts</h2>\n";
  out << date_chart(
      "cumulative", "Cumulative return: portfolio and " + s.inputs.market, xs,
      {{"portfolio", &c.portfolio_cumulative, "#1f77b4"}, {s.inputs.market, &c.market_cumulative, "#7f7f7f"}},
      "cumulative return", tick_style::percent, true);
  out << date_chart("drawdown", "Drawdown: portfolio and " + s.inputs.market, xs,
                    {{"portfolio", &minus_p, "#d62728"}, {s.inputs.market, &minus_m, "#7f7f7f"}}, "drawdown",
                    tick_style::percent, true);
  out << date_chart("beta", "Rolling 90-day beta on " + s.inputs.market, beta_xs,
                    {{"portfolio beta", &c.rolling_beta, "#9467bd"}}, "beta", tick_style::plain, false);
  out << volatility_chart(s) << histogram_chart(s) << contributions_chart(s) << frontier_chart(s)
      << cvar_frontier_chart(s) << payoff_chart(s);
  for (const auto& sec : all) {
    out << "<h2>" << xml_escape(sec.title) << "</h2>\n<p class=\"inputs\">" << xml_escape(sec.inputs) << "</p>\n";
    for (const auto& [caption, t] : sec.tables) {
      if (!caption.empty()) out << "<p>" << xml_escape(caption) << "</p>\n";
      html_table(out, t);
    }
    for (const auto& n : sec.notes) out << "<p>" << xml_escape(n) << "</p>\n";
  }
  out << "<p class=\"inputs\">Generated by keel-report (keel " << KEEL_VERSION_MAJOR << "." << KEEL_VERSION_MINOR << "."
      << KEEL_VERSION_PATCH << ").</p>\n</body>\n</html>\n";
  return out.str();
}

// ---- The command line.

/// The file a --benchmark or --limits value names: "none" is none; empty (not given) is the
/// bundled file when the portfolio is the bundled one, else none.
std::optional<std::filesystem::path> chosen_file(const std::string& given, bool bundled_portfolio,
                                                 std::string_view bundled_name) {
  if (given == "none") return std::nullopt;
  if (!given.empty()) return std::filesystem::path(given);
  if (bundled_portfolio) return keel_example::bundled_file(bundled_name);
  return std::nullopt;
}

std::string file_text(const std::optional<std::filesystem::path>& path) {
  return path ? path->filename().string() : std::string("none");
}

keel::price_table load(const keel_example::price_source& source) {
  if (!source.paths.empty()) return keel_example::load_prices(source);
  // The bundled Dow 30 file and its DJ30 proxy index, merged on their dates.
  std::vector<keel::price_table> tables;
  for (const char* name : {"dowjones30_daily_1991_2000_fBasics.csv", "dowjones30_index_1991_2000.csv"}) {
    keel_example::price_source one = source;
    one.paths = {keel_example::bundled_file(name).string()};
    tables.push_back(keel_example::load_prices(one));
  }
  return keel::merge_prices(tables);
}

/// A --factors file: read as a wide price file (read_prices_csv: date column, one column per
/// factor; its errors name the file, line and column), whose values are returns.
keel::return_table read_factors(const std::string& path) {
  keel::price_table t = keel::read_prices_csv(std::filesystem::path(path));
  return {std::move(t.dates), std::move(t.symbols), std::move(t.prices)};
}

/// risk_snapshot, with the file named in its complaints about the factor returns (they cover too
/// few dates, a value is not finite, factors are collinear): the library knows the table, not
/// the file it came from.
keel::snapshot snapshot_of(const std::vector<keel::holding>& holdings, const keel::price_table& prices,
                           const keel::snapshot_options& options, const std::string& factors_path) {
  try {
    return keel::risk_snapshot(holdings, prices, options);
  } catch (const keel::error& e) {
    const std::string what = e.what();
    if (factors_path.empty() || what.find("factor") == std::string::npos) throw;
    throw keel_example::usage_error("--factors " + factors_path + ": " + what);
  }
}

/// The --options chain's terms for the market on the report's date (the last price date on or
/// before --as-of), checked against the market's price there; errors name the file.
/// The row of the report's date: the last price date on or before --as-of (nullopt: none).
std::optional<std::size_t> report_row(const keel::price_table& prices, const keel::snapshot_options& options) {
  const auto it =
      options.as_of ? std::upper_bound(prices.dates.begin(), prices.dates.end(), *options.as_of) : prices.dates.end();
  if (it == prices.dates.begin()) return std::nullopt;
  return static_cast<std::size_t>(it - prices.dates.begin()) - 1;
}

keel::index_option_terms index_terms(const std::filesystem::path& path, const keel::price_table& prices,
                                     const keel::snapshot_options& options) {
  const std::optional<std::size_t> at = report_row(prices, options);
  if (!at) throw keel_example::usage_error("--options: no prices on or before the report date");
  const std::size_t row = *at;
  const auto column = prices.column(options.market);
  const double level = column.values()[row];
  if (!(level > 0))
    throw keel_example::usage_error("--options " + path.string() + ": " + options.market + " has no price on " +
                                    keel::format_date(prices.dates[row]));
  return keel_example::read_option_chain(path, options.market, prices.dates[row], level).terms;
}

// Monte Carlo progress on stderr, only when stderr is a terminal (a pipe or a file stays clean).
std::function<void(std::string_view, double)> progress_reporter() {
  if (isatty(fileno(stderr)) == 0) return {};
  return [](std::string_view what, double fraction) {
    std::fprintf(stderr, "\rkeel-report: %3.0f%% %-40.*s", 100 * fraction, static_cast<int>(what.size()), what.data());
    if (fraction >= 1) std::fprintf(stderr, "\r%60s\r", "");
    std::fflush(stderr);
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "A portfolio's full risk snapshot: positions, market betas, sector exposure and concentration,\n"
      "volatility and its forecast, VaR and CVaR four ways with a backtest, performance, stress\n"
      "scenarios, limits, and the hedge to a target beta with its pre-trade check. Text by default;\n"
      "--json prints one JSON document, --html FILE also writes a self-contained page with charts.",
      "keel-report"};
  keel_example::price_source source;
  std::string portfolio_path;
  std::string benchmark_path;
  std::string limits_path;
  std::string as_of_text, html_path, factors_path, options_path;
  keel::snapshot_options options{.market = "DJ30"};
  std::optional<double> target_beta;
  bool json = false;
  keel_example::add_price_options(app, source);
  app.add_option(
         "--portfolio", portfolio_path,
         "the portfolio: symbol,quantity[,sector] plus optional account, lot, cost_basis, acquired; rows of one "
         "symbol are summed (default: bundled)")
      ->type_name("FILE");
  app.add_option("--market", options.market, "the market column of the prices")
      ->type_name("SYMBOL")
      ->capture_default_str();
  app.add_option(
         "--benchmark", benchmark_path,
         "benchmark sector weights: sector,weight, or none (default: the bundled one with the bundled portfolio, "
         "else none)")
      ->type_name("FILE");
  app.add_option("--limits", limits_path,
                 "risk limits: metric,limit[,severity], or none (default: the bundled ones with the bundled "
                 "portfolio, else none)")
      ->type_name("FILE");
  app.add_option("--as-of", as_of_text,
                 "the report date YYYY-MM-DD, not after the last date of the prices (default: that date)")
      ->type_name("DATE");
  app.add_option("--window", options.window, "daily returns in the estimation window, at least 60")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(60));
  app.add_option("--target-beta", target_beta, "the hedge's target beta (default: half the current beta)")
      ->type_name("X");
  app.add_option("--hedge", options.hedge, "hedge instruments (default: the market)")
      ->type_name("SYMBOL[,SYMBOL...]")
      ->delimiter(',');
  app.add_option("--factors", factors_path,
                 "factor returns for the factor exposure breakdown: date plus one column per factor, daily simple "
                 "returns covering every date of the window (e.g. the bundled dow30_factors.csv); default none")
      ->type_name("FILE");
  app.add_option("--options", options_path,
                 "an option chain on the market for the hedge comparison's put and collar: underlying,quote_date,"
                 "underlying_price,expiration,type,strike,bid,ask,rate,dividend_yield,multiplier, or none (default: "
                 "the bundled dj30_options.csv with the bundled prices and market DJ30, else none: the options are "
                 "then priced at the market's realised volatility)")
      ->type_name("FILE");
  app.add_flag("--json", json, "print one JSON document instead of the text report");
  app.add_option("--html", html_path, "also write a self-contained HTML page with charts to FILE")->type_name("FILE");

  return keel_example::run(app, argc, argv, [&] {
    if (!as_of_text.empty()) options.as_of = keel_example::parse_as_of(as_of_text);
    options.target_beta = target_beta;
    const bool bundled_portfolio = portfolio_path.empty();
    const std::filesystem::path portfolio_file =
        bundled_portfolio ? keel_example::bundled_portfolio() : std::filesystem::path(portfolio_path);
    const auto benchmark_file = chosen_file(benchmark_path, bundled_portfolio, "dow30_benchmark.csv");
    const auto limits_file = chosen_file(limits_path, bundled_portfolio, "dow30_limits.csv");
    const std::vector<keel::holding> holdings = keel::read_holdings(portfolio_file);
    if (benchmark_file) options.benchmark = keel::read_benchmark(*benchmark_file);
    if (limits_file) options.limits = keel::read_limits(*limits_file);
    const keel::price_table prices = load(source);
    keel_example::check_as_of(options.as_of, as_of_text, prices);
    const std::optional<std::filesystem::path> factors_file =
        factors_path.empty() ? std::nullopt : std::optional<std::filesystem::path>(factors_path);
    if (factors_file) options.factor_returns = read_factors(factors_path);
    const std::optional<std::filesystem::path> options_file =
        options_path == "none" ? std::nullopt
        : !options_path.empty()
            ? std::optional<std::filesystem::path>(options_path)
            // The bundled chain is quoted on the bundled prices' last date: it goes with a
            // report of that date only.
            : (source.paths.empty() && options.market == "DJ30" && report_row(prices, options) &&
                       *report_row(prices, options) + 1 == prices.dates.size()
                   ? std::optional<std::filesystem::path>(keel_example::bundled_file("dj30_options.csv"))
                   : std::nullopt);
    if (options_file) options.index_options = index_terms(*options_file, prices, options);
    options.progress = progress_reporter();
    const keel::snapshot s = snapshot_of(holdings, prices, options, factors_path);

    const std::string heading =
        std::to_string(s.positions.size()) + " positions from " + portfolio_file.filename().string() + ", value " +
        money(s.value) + " on " + date(s.inputs.as_of) + "; prices " +
        (source.paths.empty() ? std::string("bundled Dow 30 with DJ30") : keel_example::describe(source)) +
        "; market " + s.inputs.market + "; benchmark " + file_text(benchmark_file) + "; limits " +
        file_text(limits_file) +
        (factors_path.empty() ? std::string() : "; factors " + factors_file->filename().string()) + "; options " +
        file_text(options_file);
    const std::vector<section> all = sections(s);
    std::ostringstream out;  // printed whole, so that an error leaves stdout empty
    if (json) {
      // The files the report used (keel::to_json writes the snapshot itself): null where there
      // is no benchmark or limits file.
      auto doc = keel::to_json(s);
      const auto name_or_null = [](const std::optional<std::filesystem::path>& p) {
        return p ? nlohmann::ordered_json(p->filename().string()) : nlohmann::ordered_json(nullptr);
      };
      doc["files"] = {
          {"portfolio", portfolio_file.filename().string()},
          {"prices", source.paths.empty() ? std::string("bundled Dow 30 with DJ30") : keel_example::describe(source)},
          {"benchmark", name_or_null(benchmark_file)},
          {"limits", name_or_null(limits_file)},
          {"factors", name_or_null(factors_file)},
          {"options", name_or_null(options_file)}};
      out << doc.dump(2) << "\n";
    } else
      print_text(out, heading, all);
    if (!html_path.empty()) {
      const std::string page = html_page(s, heading, all);
      std::ofstream file(html_path, std::ios::binary);
      if (!file || !(file << page) || !file.flush())
        throw keel_example::usage_error("--html " + html_path + ": cannot write the file");
      if (!json) out << "\nwrote " << html_path << "\n";
    }
    std::cout << out.str();
  });
}
