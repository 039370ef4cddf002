// SPDX-License-Identifier: MIT
// keel/json.hpp: the risk snapshot and the per-portfolio risk summary as schema-versioned JSON,
// with nlohmann/json. An optional add-on: CMake target keel::json (Debian's nlohmann-json3-dev),
// not included by keel/keel.hpp, so keel::keel and keel::compiled users never need nlohmann.
//
// Synopsis
//   json_schema_version                      the "schema_version" the documents carry (1)
//   to_json(snapshot)                        -> nlohmann::ordered_json: every section (keel-report --json)
//   to_json(risk_summary)                    -> nlohmann::ordered_json: one book's summary (keel-batch)
//   to_json(j, snapshot), to_json(j, risk_summary)   nlohmann's conversion hooks, so that
//                                            `nlohmann::ordered_json j = s;` (or nlohmann::json) works
//   json_name(basel_zone), json_name(trend_direction), json_name(order_side)
//                                            the words the schema writes for keel's enumerations
//
// Conventions (the schema; every field is listed in the README, "keel-report", JSON schema)
//   - Field names are stable: json_schema_version changes when one is renamed or removed (a new
//     field does not change it). Fields come in the documented order (nlohmann::ordered_json).
//   - Numbers are the doubles of the result, written by dump() at full precision (nlohmann's
//     shortest round-trip form); dump() writes a value that is not finite (NaN, infinity) as
//     null, as JSON has no such numbers. A value that does not exist (an optional date or
//     Cornish-Fisher VaR left empty, a missing backtest) is null.
//   - Dates are "YYYY-MM-DD" strings (keel::format_date); fractions are fractions (0.0123 =
//     1.23%), currency amounts are in the prices' currency, VaR and CVaR are positive losses.
//   - Limits are {metric, limit, severity, value, breached} with the names of keel/limits.hpp.
//
// References
//   nlohmann/json 3 (https://json.nlohmann.me), RFC 8259 (JSON).
/// \file
/// The risk snapshot and risk summary as schema-versioned JSON (nlohmann/json; target keel::json).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <keel/rebalance.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>
#include <keel/var.hpp>
#include <keel/volatility.hpp>

namespace keel {

/// The schema version written as "schema_version" by to_json(snapshot): 1. It changes when a
/// field is renamed or removed, or its meaning changes; adding a field leaves it unchanged.
inline constexpr int json_schema_version = 1;

/// The word the JSON schema writes for a Basel traffic-light zone.
/// \returns "green", "yellow" or "red".
[[nodiscard]] inline std::string_view json_name(basel_zone zone) noexcept {
  return zone == basel_zone::green ? "green" : zone == basel_zone::yellow ? "yellow" : "red";
}

/// The word the JSON schema writes for the direction of a volatility trend.
/// \returns "increasing", "decreasing" or "stable".
[[nodiscard]] inline std::string_view json_name(trend_direction direction) noexcept {
  return direction == trend_direction::increasing   ? "increasing"
         : direction == trend_direction::decreasing ? "decreasing"
                                                    : "stable";
}

/// The word the JSON schema writes for the side of an order.
/// \returns "buy" or "sell".
[[nodiscard]] inline std::string_view json_name(order_side side) noexcept {
  return side == order_side::buy ? "buy" : "sell";
}

/// One book's risk summary (summarize_risk, or snapshot::summary) as one JSON object: keel-batch's
/// "summary" record and the "summary" field of to_json(snapshot).
///
/// Fields, in order: as_of ("YYYY-MM-DD"), n, value, gross_value, beta, volatility, var_95,
/// var_99, cvar_95, cvar_99, historical_var_95, historical_var_99, historical_cvar_95,
/// historical_cvar_99 (1 day, fractions of value), concentration {hhi (0-10,000), effective_n,
/// top_3, top_10 (null when not computed), largest, n}, top_contributors [{symbol, contribution,
/// share}], limit_values {max_position_weight, max_sector_weight, gross_leverage, beta,
/// var_99_1d, max_drawdown, avg_pairwise_correlation}, limits [{metric, limit, severity, value,
/// breached}]. Conventions: this header's (dates as strings, non-finite numbers dumped as null).
/// \returns an ordered object (fields in the order above); throws only what nlohmann or
/// std::string throw (std::bad_alloc).
[[nodiscard]] nlohmann::ordered_json to_json(const risk_summary& summary);

/// The whole risk snapshot (risk_snapshot) as one JSON document: what keel-report --json prints.
///
/// Fields, in order: schema_version (json_schema_version), inputs {as_of, first, last, window,
/// market}, value, gross_value, positions, betas, exposure, volatility, var, performance,
/// stress, limits, hedge, construction, cvar_frontier, risk_models {garch, factors (null without
/// factor returns)}, summary (to_json(risk_summary)); each is described field by
/// field in the README ("keel-report", JSON schema). The charts section is not written (it is the HTML page's data,
/// derived from the same numbers). Conventions: this header's. \returns an ordered object; throws only what nlohmann or
/// std::string throw (std::bad_alloc).
[[nodiscard]] nlohmann::ordered_json to_json(const snapshot& s);

/// nlohmann's conversion hook (found by argument-dependent lookup): `nlohmann::ordered_json j =
/// summary;` is to_json(summary).
inline void to_json(nlohmann::ordered_json& j, const risk_summary& summary) { j = to_json(summary); }

/// nlohmann's conversion hook for nlohmann::json: the same document as to_json(summary), whose
/// object keys nlohmann::json keeps sorted by name instead of in the schema's order.
inline void to_json(nlohmann::json& j, const risk_summary& summary) { j = nlohmann::json(to_json(summary)); }

/// nlohmann's conversion hook (found by argument-dependent lookup): `nlohmann::ordered_json j =
/// s;` is to_json(s).
inline void to_json(nlohmann::ordered_json& j, const snapshot& s) { j = to_json(s); }

/// nlohmann's conversion hook for nlohmann::json: the same document as to_json(s), whose object
/// keys nlohmann::json keeps sorted by name instead of in the schema's order.
inline void to_json(nlohmann::json& j, const snapshot& s) { j = nlohmann::json(to_json(s)); }

namespace detail {

// The sections of the documents, each written in the schema's field order.
using json_doc = nlohmann::ordered_json;

inline json_doc json_date(const std::chrono::year_month_day& d) { return format_date(d); }

inline json_doc json_date(const std::optional<std::chrono::year_month_day>& d) {
  return d ? json_date(*d) : json_doc(nullptr);
}

inline json_doc json_limit(const limit_status& s) {
  return {{"metric", std::string(limit_metric_name(s.limit.metric))},
          {"limit", s.limit.limit},
          {"severity", std::string(limit_severity_name(s.limit.severity))},
          {"value", s.value},
          {"breached", s.breached}};
}

inline json_doc json_limits(const std::vector<limit_status>& ls) {
  json_doc out = json_doc::array();
  for (const auto& s : ls) out.push_back(json_limit(s));
  return out;
}

inline json_doc json_limit_values(const limit_values& v) {
  return {{"max_position_weight", v.max_position_weight},
          {"max_sector_weight", v.max_sector_weight},
          {"gross_leverage", v.gross_leverage},
          {"beta", v.beta},
          {"var_99_1d", v.var_99_1d},
          {"max_drawdown", v.max_drawdown},
          {"avg_pairwise_correlation", v.avg_pairwise_correlation}};
}

inline json_doc json_contributors(const std::vector<risk_contribution>& cs) {
  json_doc out = json_doc::array();
  for (const auto& c : cs) out.push_back({{"symbol", c.symbol}, {"contribution", c.contribution}, {"share", c.share}});
  return out;
}

inline json_doc json_concentration(const concentration<double>& c) {
  return {{"hhi", c.hhi},
          {"effective_n", c.effective_n},
          {"top_3", c.top_shares.size() > 0 ? json_doc(c.top_shares[0]) : json_doc(nullptr)},
          {"top_10", c.top_shares.size() > 1 ? json_doc(c.top_shares[1]) : json_doc(nullptr)},
          {"largest", c.largest_name},
          {"n", c.n}};
}

inline json_doc json_beta_fit(const beta_fit<double>& f) {
  return {{"beta", f.beta},
          {"alpha", f.alpha},
          {"r_squared", f.r_squared},
          {"beta_stderr", f.beta_stderr},
          {"t_stat", f.t_stat},
          {"p_value", f.p_value},
          {"n", f.n}};
}

inline json_doc json_var_measure(const var_measure& m) {
  return {{"var", m.var}, {"cvar", m.cvar}, {"var_currency", m.var_currency}, {"cvar_currency", m.cvar_currency}};
}

// Sections 1 to 4: positions, betas, exposure, volatility.
inline void json_holdings_sections(json_doc& out, const snapshot& s) {
  json_doc positions = json_doc::array(), fits = json_doc::array();
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const auto& p = s.positions[i];
    positions.push_back({{"symbol", p.symbol},
                         {"sector", p.sector},
                         {"quantity", p.quantity},
                         {"price", p.price},
                         {"value", p.value},
                         {"weight", p.weight}});
    json_doc f = i < s.betas.positions.size() ? json_beta_fit(s.betas.positions[i]) : json_doc::object();
    f["symbol"] = p.symbol;
    fits.push_back(std::move(f));
  }
  out["positions"] = std::move(positions);
  out["betas"] = {{"positions", std::move(fits)},
                  {"value_weighted", s.betas.value_weighted},
                  {"regressed", json_beta_fit(s.betas.regressed)}};
  json_doc sectors = json_doc::array();
  const auto& e = s.exposure.sectors;
  for (std::size_t k = 0; k < e.sectors.size(); ++k)
    sectors.push_back({{"sector", e.sectors[k]},
                       {"portfolio_weight", e.portfolio_weights[k]},
                       {"benchmark_weight", e.benchmark_weights[k]},
                       {"active_weight", e.active_weights[k]}});
  out["exposure"] = {{"sectors", std::move(sectors)}, {"concentration", json_concentration(s.exposure.concentration)}};
  const auto& v = s.volatility;
  json_doc realised = json_doc::array(), contributions = json_doc::array();
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    json_doc row = json_doc::array();
    for (Eigen::Index k = 0; k < v.positions.cols() && static_cast<Eigen::Index>(i) < v.positions.rows(); ++k)
      row.push_back(v.positions(static_cast<Eigen::Index>(i), k));
    realised.push_back({{"symbol", s.positions[i].symbol}, {"volatilities", std::move(row)}});
    if (static_cast<Eigen::Index>(i) < v.contributions.contributions.size())
      contributions.push_back({{"symbol", s.positions[i].symbol},
                               {"contribution", v.contributions.contributions(static_cast<Eigen::Index>(i))},
                               {"fraction", v.contributions.fractions(static_cast<Eigen::Index>(i))}});
  }
  out["volatility"] = {{"windows", v.windows},
                       {"positions", std::move(realised)},
                       {"portfolio", v.portfolio},
                       {"volatility", v.volatility},
                       {"har_forecast_30d", v.har.volatility},
                       {"trend",
                        {{"direction", std::string(json_name(v.trend.direction))},
                         {"strength", v.trend.strength},
                         {"short_volatility", v.trend.short_volatility},
                         {"long_volatility", v.trend.long_volatility}}},
                       {"percentile", v.percentile},
                       {"diversification_ratio", v.diversification_ratio},
                       {"contributions", std::move(contributions)}};
}

// Section 5: VaR and CVaR, component VaR, the backtest.
// Section 11: garch {reason (null when fitted), figures when fitted}, factors (null without
// factor returns).
inline json_doc json_risk_models(const snapshot_risk_models& m) {
  const auto& g = m.garch;
  json_doc garch = {{"reason", g.reason.empty() ? json_doc(nullptr) : json_doc(g.reason)}};
  if (g.reason.empty()) {
    garch["converged"] = g.converged;
    garch["iterations"] = g.iterations;
    garch["n"] = g.n;
    garch["mu"] = g.mu;
    garch["omega"] = g.omega;
    garch["alpha"] = g.alpha;
    garch["beta"] = g.beta;
    garch["persistence"] = g.persistence;
    garch["log_likelihood"] = g.log_likelihood;
    garch["volatility_1d"] = g.volatility_1d;
    garch["volatility_10d"] = g.volatility_10d;
    garch["horizon_volatility_10d"] = g.horizon_volatility_10d;
    garch["long_run_volatility"] = g.long_run_volatility;
  }
  json_doc factors(nullptr);
  if (m.factors) {
    const auto& f = *m.factors;
    json_doc rows = json_doc::array();
    for (const auto& r : f.factors)
      rows.push_back(
          {{"name", r.name}, {"exposure", r.exposure}, {"contribution", r.contribution}, {"share", r.share}});
    factors = {{"observations", f.observations},
               {"total_variance", f.total_variance},
               {"factor_variance", f.factor_variance},
               {"specific_variance", f.specific_variance},
               {"total_volatility", f.total_volatility},
               {"factor_volatility", f.factor_volatility},
               {"specific_volatility", f.specific_volatility},
               {"explained_share", f.explained_share},
               {"factors", std::move(rows)}};
  }
  return {{"garch", std::move(garch)}, {"factors", std::move(factors)}};
}

inline json_doc json_var_section(const snapshot_var& v) {
  json_doc rows = json_doc::array();
  for (const auto& r : v.rows)
    rows.push_back({{"confidence", r.confidence},
                    {"horizon", r.horizon},
                    {"parametric", json_var_measure(r.parametric)},
                    {"cornish_fisher",
                     {{"var", r.cornish_fisher.var ? json_doc(*r.cornish_fisher.var) : json_doc(nullptr)},
                      {"monotone", r.cornish_fisher.monotone},
                      {"skewness", r.cornish_fisher.skewness},
                      {"excess_kurtosis", r.cornish_fisher.excess_kurtosis}}},
                    {"historical", json_var_measure(r.historical)},
                    {"monte_carlo", json_var_measure(r.monte_carlo)},
                    {"monte_carlo_var_stderr", r.monte_carlo_var_stderr}});
  json_doc backtest = nullptr;
  if (v.backtest) {
    const auto& b = *v.backtest;
    backtest = {{"days", v.backtest_days},
                {"first", v.backtest_dates.empty() ? json_doc(nullptr) : json_date(v.backtest_dates.front())},
                {"last", v.backtest_dates.empty() ? json_doc(nullptr) : json_date(v.backtest_dates.back())},
                {"breaches", b.breaches},
                {"observations", b.observations},
                {"breach_rate", b.breach_rate},
                {"kupiec_p_value", b.kupiec.p_value},
                {"independence_p_value", b.christoffersen.p_independence},
                {"conditional_coverage_p_value", b.christoffersen.p_conditional_coverage},
                {"zone", std::string(json_name(b.basel.zone))},
                {"multiplier", b.basel.multiplier}};
  }
  return {{"rows", std::move(rows)},
          {"component_var", v.components.var},
          {"component_vars", v.components.component_vars},
          {"top_contributors", json_contributors(v.top_contributors)},
          {"backtest", std::move(backtest)}};
}

}  // namespace detail

inline nlohmann::ordered_json to_json(const risk_summary& summary) {
  using namespace detail;
  const risk_summary& s = summary;
  return {{"as_of", json_date(s.as_of)},
          {"n", s.n},
          {"value", s.value},
          {"gross_value", s.gross_value},
          {"beta", s.beta},
          {"volatility", s.volatility},
          {"var_95", s.var_95},
          {"var_99", s.var_99},
          {"cvar_95", s.cvar_95},
          {"cvar_99", s.cvar_99},
          {"historical_var_95", s.historical_var_95},
          {"historical_var_99", s.historical_var_99},
          {"historical_cvar_95", s.historical_cvar_95},
          {"historical_cvar_99", s.historical_cvar_99},
          {"concentration", json_concentration(s.concentration)},
          {"top_contributors", json_contributors(s.top_contributors)},
          {"limit_values", json_limit_values(s.values)},
          {"limits", json_limits(s.limits)}};
}

namespace detail {

// Section 9's hedge comparison: null when there is none (reason in comparison_reason); the
// payoffs are the HTML chart's data and are not written.
inline json_doc json_comparison(const snapshot_hedge& h) {
  if (!h.comparison) return nullptr;
  const hedge_comparison& c = *h.comparison;
  json_doc strategies = json_doc::array();
  for (const hedge_alternative& a : c.strategies) {
    json_doc orders = json_doc::array();
    for (const hedge_order& o : a.orders)
      orders.push_back({{"symbol", o.symbol},
                        {"side", std::string(json_name(o.side))},
                        {"quantity", o.quantity},
                        {"notional", o.notional},
                        {"cost", o.cost}});
    json_doc legs = json_doc::array();
    for (const option_leg& l : a.options)
      legs.push_back({{"type", l.option.type == option_type::call ? "call" : "put"},
                      {"strike", l.option.strike},
                      {"maturity", l.option.maturity},
                      {"quantity", l.quantity},
                      {"price", l.valuation.price},
                      {"premium", l.premium},
                      {"cost", l.cost}});
    strategies.push_back({{"name", a.name},
                          {"reason", a.reason.empty() ? json_doc(nullptr) : json_doc(a.reason)},
                          {"orders", std::move(orders)},
                          {"options", std::move(legs)},
                          {"cost", a.cost},
                          {"impact", a.impact},
                          {"premium", a.premium},
                          {"beta", a.beta},
                          {"volatility", a.volatility},
                          {"tracking_error", a.tracking_error},
                          {"var", a.vars},
                          {"cvar", a.cvars},
                          {"within_limits", a.within_limits}});
  }
  const index_option_terms& x = h.index;
  return {{"index",
           {{"symbol", x.symbol},
            {"spot", x.market.spot},
            {"rate", x.market.rate},
            {"dividend_yield", x.market.dividend_yield},
            {"volatility", x.market.volatility},
            {"maturity", x.maturity},
            {"multiplier", x.multiplier},
            {"half_spread", x.half_spread},
            {"given", h.index_given}}},
          {"confidence", c.confidences},
          {"paths", c.paths},
          {"strategies", std::move(strategies)}};
}

}  // namespace detail

inline nlohmann::ordered_json to_json(const snapshot& s) {
  using namespace detail;
  json_doc out;
  out["schema_version"] = json_schema_version;
  out["inputs"] = {{"as_of", json_date(s.inputs.as_of)},
                   {"first", json_date(s.inputs.first)},
                   {"last", json_date(s.inputs.last)},
                   {"window", s.inputs.window},
                   {"market", s.inputs.market}};
  out["value"] = s.value;
  out["gross_value"] = s.gross_value;
  json_holdings_sections(out, s);
  out["var"] = json_var_section(s.var);
  const auto& p = s.performance;
  out["performance"] = {{"annual_return", p.annual_return},
                        {"annual_volatility", p.annual_volatility},
                        {"sharpe", p.sharpe},
                        {"sortino", p.sortino},
                        {"max_drawdown",
                         {{"depth", p.drawdown.depth},
                          {"peak", json_date(p.drawdown.peak)},
                          {"trough", json_date(p.drawdown.trough)},
                          {"recovery", json_date(p.drawdown.recovery)}}}};
  json_doc stress = json_doc::array();
  for (std::size_t k = 0; k < s.stress.scenarios.size(); ++k) {
    const auto& sc = s.stress.scenarios[k];
    stress.push_back(
        {{"name", sc.name},
         {"start", json_date(sc.start)},
         {"end", json_date(sc.end)},
         {"market_return", sc.market_return},
         {"pnl", k < s.stress.result.totals.size() ? json_doc(s.stress.result.totals[k]) : json_doc(nullptr)}});
  }
  out["stress"] = std::move(stress);
  out["limits"] = {{"values", json_limit_values(s.limits.values)},
                   {"limits", json_limits(s.limits.limits)},
                   {"hard_breaches", json_limits(s.limits.hard)},
                   {"warning_breaches", json_limits(s.limits.warning)}};
  const auto& h = s.hedge;
  json_doc orders = json_doc::array();
  for (const auto& o : h.plan.orders)
    orders.push_back({{"symbol", o.symbol},
                      {"side", std::string(json_name(o.side))},
                      {"quantity", o.quantity},
                      {"notional", o.notional},
                      {"cost", o.cost}});
  out["hedge"] = {
      {"target_beta", h.target_beta},
      {"beta_before", h.plan.beta_before},
      {"beta_after", h.plan.beta_after},
      {"beta_residual", h.plan.beta_residual},
      {"total_cost", h.plan.total_cost},
      {"cost_fraction", h.plan.cost_fraction},
      {"fully_hedged", h.plan.fully_hedged},
      {"orders", std::move(orders)},
      {"var_99_1d_after", h.var_99_1d_after},
      {"limit_values_after", json_limit_values(h.values_after)},
      {"limits_after", json_limits(h.limits_after)},
      {"would_breach", json_limits(h.would_breach)},
      {"comparison", json_comparison(h)},
      {"comparison_reason", h.comparison_reason.empty() ? json_doc(nullptr) : json_doc(h.comparison_reason)}};
  json_doc construction = json_doc::array();
  for (const auto& a : s.construction.portfolios) {
    json_doc row = {{"name", a.name}, {"reason", a.reason.empty() ? json_doc(nullptr) : json_doc(a.reason)}};
    if (a.reason.empty()) {
      json_doc weights = json_doc::object();
      for (std::size_t i = 0; i < s.positions.size() && i < static_cast<std::size_t>(a.weights.size()); ++i)
        weights[s.positions[i].symbol] = a.weights(static_cast<Eigen::Index>(i));
      row["weights"] = std::move(weights);
      row["expected_return"] = a.expected_return;
      row["volatility"] = a.volatility;
      row["cvar_95"] = a.cvar_95;
      row["cvar_95_lp"] = a.cvar_95_lp;
      row["max_drawdown"] = a.max_drawdown;
      row["diversification_ratio"] = a.diversification_ratio;
      row["turnover"] = a.turnover;
    }
    construction.push_back(std::move(row));
  }
  out["construction"] = std::move(construction);
  json_doc points = json_doc::array();
  for (const auto& point : s.construction.cvar_frontier) {
    json_doc weights = json_doc::object();
    for (std::size_t i = 0; i < s.positions.size() && i < static_cast<std::size_t>(point.weights.size()); ++i)
      weights[s.positions[i].symbol] = point.weights(static_cast<Eigen::Index>(i));
    points.push_back({{"expected_return", point.expected_return},
                      {"cvar_95", point.cvar_95},
                      {"volatility", point.volatility},
                      {"weights", std::move(weights)}});
  }
  const auto& reason = s.construction.cvar_frontier_reason;
  out["cvar_frontier"] = {{"confidence", 0.95},  // risk_snapshot's fixed level (snapshot_cvar_point::cvar_95)
                          {"reason", reason.empty() ? json_doc(nullptr) : json_doc(reason)},
                          {"points", std::move(points)}};
  out["risk_models"] = json_risk_models(s.risk_models);
  out["summary"] = to_json(s.summary);
  return out;
}

}  // namespace keel
