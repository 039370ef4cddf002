// SPDX-License-Identifier: MIT
// keel's risk snapshot as JSON, with nlohmann/json (Debian's nlohmann-json3-dev, an
// examples-only dependency): keel-report --json writes snapshot_json(snapshot), keel-batch's
// per-portfolio records summary_json(risk_summary). Field names are stable and documented in
// the README ("keel-report", JSON schema); kJsonSchemaVersion changes when one is renamed or
// removed. Numbers are written at full precision (nlohmann's shortest round-trip form); a
// value that is not finite becomes null; dates are "YYYY-MM-DD" strings; fractions are
// fractions (0.0123 = 1.23%), currency amounts are in the prices' currency.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <keel/snapshot.hpp>

namespace keel_example {

/// The JSON type: nlohmann's, keeping fields in the order written.
using json = nlohmann::ordered_json;

/// The schema version written as "schema_version".
inline constexpr int kJsonSchemaVersion = 1;

namespace json_detail {

inline json date(const std::chrono::year_month_day& d) { return keel::format_date(d); }

inline json date(const std::optional<std::chrono::year_month_day>& d) { return d ? date(*d) : json(nullptr); }

inline json dates(const std::vector<std::chrono::year_month_day>& ds) {
  json out = json::array();
  for (const auto& d : ds) out.push_back(date(d));
  return out;
}

inline json limit(const keel::limit_status& s) {
  return {{"metric", std::string(keel::limit_metric_name(s.limit.metric))},
          {"limit", s.limit.limit},
          {"severity", std::string(keel::limit_severity_name(s.limit.severity))},
          {"value", s.value},
          {"breached", s.breached}};
}

inline json limits(const std::vector<keel::limit_status>& ls) {
  json out = json::array();
  for (const auto& s : ls) out.push_back(limit(s));
  return out;
}

inline json values(const keel::limit_values& v) {
  return {{"max_position_weight", v.max_position_weight},
          {"max_sector_weight", v.max_sector_weight},
          {"gross_leverage", v.gross_leverage},
          {"beta", v.beta},
          {"var_99_1d", v.var_99_1d},
          {"max_drawdown", v.max_drawdown},
          {"avg_pairwise_correlation", v.avg_pairwise_correlation}};
}

inline json contributors(const std::vector<keel::risk_contribution>& cs) {
  json out = json::array();
  for (const auto& c : cs) out.push_back({{"symbol", c.symbol}, {"contribution", c.contribution}, {"share", c.share}});
  return out;
}

inline json concentration(const keel::concentration<double>& c) {
  return {{"hhi", c.hhi},
          {"effective_n", c.effective_n},
          {"top_3", c.top_shares.size() > 0 ? json(c.top_shares[0]) : json(nullptr)},
          {"top_10", c.top_shares.size() > 1 ? json(c.top_shares[1]) : json(nullptr)},
          {"largest", c.largest_name},
          {"n", c.n}};
}

inline json fit(const keel::beta_fit<double>& f) {
  return {{"beta", f.beta},
          {"alpha", f.alpha},
          {"r_squared", f.r_squared},
          {"beta_stderr", f.beta_stderr},
          {"t_stat", f.t_stat},
          {"p_value", f.p_value},
          {"n", f.n}};
}

inline json measure(const keel::var_measure& m) {
  return {{"var", m.var}, {"cvar", m.cvar}, {"var_currency", m.var_currency}, {"cvar_currency", m.cvar_currency}};
}

inline const char* zone_name(keel::basel_zone z) {
  return z == keel::basel_zone::green ? "green" : z == keel::basel_zone::yellow ? "yellow" : "red";
}

inline const char* direction_name(keel::trend_direction d) {
  return d == keel::trend_direction::increasing   ? "increasing"
         : d == keel::trend_direction::decreasing ? "decreasing"
                                                  : "stable";
}

}  // namespace json_detail

/// The per-portfolio summary (keel::risk_summary) as one JSON object; its fields are named as
/// risk_summary's, "concentration" as in snapshot_json, limits as {metric, limit, severity,
/// value, breached}.
inline json summary_json(const keel::risk_summary& s) {
  using namespace json_detail;
  return {{"as_of", date(s.as_of)},
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
          {"concentration", concentration(s.concentration)},
          {"top_contributors", contributors(s.top_contributors)},
          {"limit_values", values(s.values)},
          {"limits", limits(s.limits)}};
}

/// Sections 1 to 4 of the snapshot.
inline void add_holdings_sections(json& out, const keel::snapshot& s) {
  using namespace json_detail;
  json positions = json::array(), fits = json::array();
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    const auto& p = s.positions[i];
    positions.push_back({{"symbol", p.symbol},
                         {"sector", p.sector},
                         {"quantity", p.quantity},
                         {"price", p.price},
                         {"value", p.value},
                         {"weight", p.weight}});
    json f = i < s.betas.positions.size() ? fit(s.betas.positions[i]) : json::object();
    f["symbol"] = p.symbol;
    fits.push_back(std::move(f));
  }
  out["positions"] = std::move(positions);
  out["betas"] = {{"positions", std::move(fits)},
                  {"value_weighted", s.betas.value_weighted},
                  {"regressed", fit(s.betas.regressed)}};
  json sectors = json::array();
  const auto& e = s.exposure.sectors;
  for (std::size_t k = 0; k < e.sectors.size(); ++k)
    sectors.push_back({{"sector", e.sectors[k]},
                       {"portfolio_weight", e.portfolio_weights[k]},
                       {"benchmark_weight", e.benchmark_weights[k]},
                       {"active_weight", e.active_weights[k]}});
  out["exposure"] = {{"sectors", std::move(sectors)}, {"concentration", concentration(s.exposure.concentration)}};
  const auto& v = s.volatility;
  json realised = json::array(), contributions = json::array();
  for (std::size_t i = 0; i < s.positions.size(); ++i) {
    json row = json::array();
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
                        {{"direction", direction_name(v.trend.direction)},
                         {"strength", v.trend.strength},
                         {"short_volatility", v.trend.short_volatility},
                         {"long_volatility", v.trend.long_volatility}}},
                       {"percentile", v.percentile},
                       {"diversification_ratio", v.diversification_ratio},
                       {"contributions", std::move(contributions)}};
}

/// Section 5 of the snapshot.
inline json var_json(const keel::snapshot_var& v) {
  using namespace json_detail;
  json rows = json::array();
  for (const auto& r : v.rows)
    rows.push_back({{"confidence", r.confidence},
                    {"horizon", r.horizon},
                    {"parametric", measure(r.parametric)},
                    {"cornish_fisher",
                     {{"var", r.cornish_fisher.var ? json(*r.cornish_fisher.var) : json(nullptr)},
                      {"monotone", r.cornish_fisher.monotone},
                      {"skewness", r.cornish_fisher.skewness},
                      {"excess_kurtosis", r.cornish_fisher.excess_kurtosis}}},
                    {"historical", measure(r.historical)},
                    {"monte_carlo", measure(r.monte_carlo)},
                    {"monte_carlo_var_stderr", r.monte_carlo_var_stderr}});
  json backtest = nullptr;
  if (v.backtest) {
    const auto& b = *v.backtest;
    backtest = {{"days", v.backtest_days},
                {"first", v.backtest_dates.empty() ? json(nullptr) : date(v.backtest_dates.front())},
                {"last", v.backtest_dates.empty() ? json(nullptr) : date(v.backtest_dates.back())},
                {"breaches", b.breaches},
                {"observations", b.observations},
                {"breach_rate", b.breach_rate},
                {"kupiec_p_value", b.kupiec.p_value},
                {"independence_p_value", b.christoffersen.p_independence},
                {"conditional_coverage_p_value", b.christoffersen.p_conditional_coverage},
                {"zone", zone_name(b.basel.zone)},
                {"multiplier", b.basel.multiplier}};
  }
  return {{"rows", std::move(rows)},
          {"component_var", v.components.var},
          {"component_vars", v.components.component_vars},
          {"top_contributors", contributors(v.top_contributors)},
          {"backtest", std::move(backtest)}};
}

/// The whole snapshot as one JSON document (the README's keel-report schema).
inline json snapshot_json(const keel::snapshot& s) {
  using namespace json_detail;
  json out;
  out["schema_version"] = kJsonSchemaVersion;
  out["inputs"] = {{"as_of", date(s.inputs.as_of)},
                   {"first", date(s.inputs.first)},
                   {"last", date(s.inputs.last)},
                   {"window", s.inputs.window},
                   {"market", s.inputs.market}};
  out["value"] = s.value;
  out["gross_value"] = s.gross_value;
  add_holdings_sections(out, s);
  out["var"] = var_json(s.var);
  const auto& p = s.performance;
  out["performance"] = {{"annual_return", p.annual_return},
                        {"annual_volatility", p.annual_volatility},
                        {"sharpe", p.sharpe},
                        {"sortino", p.sortino},
                        {"max_drawdown",
                         {{"depth", p.drawdown.depth},
                          {"peak", date(p.drawdown.peak)},
                          {"trough", date(p.drawdown.trough)},
                          {"recovery", date(p.drawdown.recovery)}}}};
  json stress = json::array();
  for (std::size_t k = 0; k < s.stress.scenarios.size(); ++k) {
    const auto& sc = s.stress.scenarios[k];
    stress.push_back({{"name", sc.name},
                      {"start", date(sc.start)},
                      {"end", date(sc.end)},
                      {"market_return", sc.market_return},
                      {"pnl", k < s.stress.result.totals.size() ? json(s.stress.result.totals[k]) : json(nullptr)}});
  }
  out["stress"] = std::move(stress);
  out["limits"] = {{"values", values(s.limits.values)},
                   {"limits", limits(s.limits.limits)},
                   {"hard_breaches", limits(s.limits.hard)},
                   {"warning_breaches", limits(s.limits.warning)}};
  const auto& h = s.hedge;
  json orders = json::array();
  for (const auto& o : h.plan.orders)
    orders.push_back({{"symbol", o.symbol},
                      {"side", o.side == keel::order_side::buy ? "buy" : "sell"},
                      {"quantity", o.quantity},
                      {"notional", o.notional},
                      {"cost", o.cost}});
  out["hedge"] = {{"target_beta", h.target_beta},           {"beta_before", h.plan.beta_before},
                  {"beta_after", h.plan.beta_after},        {"beta_residual", h.plan.beta_residual},
                  {"total_cost", h.plan.total_cost},        {"cost_fraction", h.plan.cost_fraction},
                  {"fully_hedged", h.plan.fully_hedged},    {"orders", std::move(orders)},
                  {"var_99_1d_after", h.var_99_1d_after},   {"limit_values_after", values(h.values_after)},
                  {"limits_after", limits(h.limits_after)}, {"would_breach", limits(h.would_breach)}};
  out["summary"] = summary_json(s.summary);
  return out;
}

}  // namespace keel_example
