// SPDX-License-Identifier: MIT
// keel/detail/snapshot_report.hpp: risk_snapshot's sections beyond the summary (owner: the
// snapshot header). Included by detail/snapshot_report-inl.hpp and src/snapshot_*.cpp; not public.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/snapshot_sections.hpp>
#include <keel/error.hpp>

namespace keel::detail::snap {

template <class L = void>
void report(const lazy_t<L, snapshot_options>& o, std::string_view section, double fraction) {
  if (o.progress) o.progress(section, fraction);
}

/// Section 4's HAR forecast of the portfolio's volatility, 30 days ahead.
template <class L = void>
void har_section(const lazy_t<L, book>& b, double periods, snapshot_volatility& v) {
  v.har = har_volatility_forecast(b.returns, {.horizon = 30, .periods_per_year = periods});
}

/// Section 4: realised volatilities per position and from the sub-window covariances, HAR,
/// trend, percentile, diversification and risk contributions.
template <class L = void>
void volatility_section(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u, snapshot_volatility& v) {
  const Eigen::Index t = u.returns.rows(), n = b.weights.size();
  const double periods = u.periods_per_year;
  std::erase_if(v.windows, [&](std::ptrdiff_t w) { return w > t; });
  v.positions.resize(n, ssize(v.windows));
  for (std::ptrdiff_t k = 0; k < ssize(v.windows); ++k) {
    const std::ptrdiff_t w = v.windows[uz(k)];
    lazy_t<L, Eigen::MatrixXd> panel(w, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto col = column(u, b.columns[uz(i)]).subspan(uz(t - w));
      v.positions(i, k) = realized_volatility(col, w, {.periods_per_year = periods, .demean = true});
      panel.col(i) = Eigen::Map<const Eigen::VectorXd>(col.data(), w);
    }
    const Eigen::MatrixXd s = sample_covariance(panel, {.periods_per_year = 1}).covariance;
    v.portfolio.push_back(static_cast<double>(portfolio_volatility(b.weights, s)) * std::sqrt(periods));
  }
  v.volatility = static_cast<double>(portfolio_volatility(b.weights, b.covariance)) * std::sqrt(periods);
  har_section(b, periods, v);
  v.trend = volatility_trend(
      b.returns, {.long_window = std::min<std::ptrdiff_t>(90, t), .periods_per_year = periods, .demean = true});
  v.percentile =
      volatility_percentile(b.returns, 30, {.lookback = std::min<std::ptrdiff_t>(252, t - 29), .demean = true});
  v.diversification_ratio = diversification_ratio(b.weights, b.covariance);
  v.contributions = risk_contributions(b.weights, Eigen::MatrixXd(b.covariance * periods));
}

template <class L = void>
[[nodiscard]] var_measure measure(double var, double cvar, double value) {
  return {var, cvar, var * value, cvar * value};
}

/// Section 5's rows: every confidence x horizon by every method.
template <class L = void>
void var_rows(const lazy_t<L, book>& b, const lazy_t<L, snapshot_options>& o, snapshot_var& v) {
  // The historical figures have no horizon of their own (they are scaled by sqrt(h) below):
  // every level from one copy of the returns.
  const var_result<double> hist = historical_risk(b.returns, {.confidence = o.confidence});
  for (std::size_t hk = 0; hk < o.horizons.size(); ++hk) {
    const double h = o.horizons[hk];
    report(o, "monte carlo", 0.2 + 0.6 * static_cast<double>(hk) / static_cast<double>(o.horizons.size()));
    const mc_result mc = monte_carlo_var(
        b.weights, b.means, b.covariance,
        {.paths = o.mc_paths, .seed = o.seed, .horizon = h, .confidence = o.confidence, .threads = o.mc_threads});
    const var_result<double> par =
        parametric_risk(b.weights, b.means, b.covariance, {.confidence = o.confidence, .horizon = h});
    // The moments once per horizon, every level from them (cornish_fisher_var's bits).
    const cornish_fisher_risk_result<double> cf =
        cornish_fisher_risk(b.returns, {.confidence = o.confidence, .horizon = h});
    for (std::size_t ck = 0; ck < o.confidence.size(); ++ck) {
      const double c = o.confidence[ck];
      snapshot_var_row row;
      row.confidence = c;
      row.horizon = o.horizons[hk];
      row.parametric = measure(par.vars[ck], par.cvars[ck], b.value);
      row.cornish_fisher = {.var = cf.monotone ? std::optional<double>(cf.vars[ck]) : std::nullopt,
                            .z = cf.zs[ck],
                            .skewness = cf.skewness,
                            .excess_kurtosis = cf.excess_kurtosis,
                            .monotone = cf.monotone,
                            .gaussian_var = cf.gaussian_vars[ck]};
      const double root = std::sqrt(h);
      row.historical = measure(hist.vars[ck] * root, hist.cvars[ck] * root, b.value);
      row.monte_carlo = measure(mc.vars[ck], mc.cvars[ck], b.value);
      row.monte_carlo_var_stderr = mc.var_stderrs[ck];
      v.rows.push_back(row);
    }
  }
  report(o, "monte carlo", 0.8);
}

/// The portfolio's returns over history and window with today's weights, where every position
/// has a return (the longest such suffix), for the backtest.
template <class L = void>
[[nodiscard]] std::vector<double> long_returns(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u) {
  const Eigen::Index rows = u.history_returns.rows();
  Eigen::Index start = rows;
  while (start > 0) {
    bool ok = true;
    for (std::ptrdiff_t j : b.columns) ok = ok && std::isfinite(u.history_returns(start - 1, j));
    if (!ok) break;
    --start;
  }
  std::vector<double> out(uz(rows - start), 0.0);
  for (std::size_t i = 0; i < b.columns.size(); ++i)
    for (Eigen::Index r = start; r < rows; ++r)
      out[uz(r - start)] += b.weights(static_cast<Eigen::Index>(i)) * u.history_returns(r, b.columns[i]);
  out.insert(out.end(), b.returns.begin(), b.returns.end());
  return out;
}

/// Section 5's components and backtest: day t's VaR is the parametric (normal, with the mean)
/// 1-day VaR at the largest confidence of the `window` returns before it.
template <class L = void>
void var_tail(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u, const lazy_t<L, snapshot_options>& o,
              snapshot_var& v) {
  const double c = *std::max_element(o.confidence.begin(), o.confidence.end());
  v.components = parametric_component_var(b.weights, b.means, b.covariance, {.confidence = c});
  std::vector<risk_contribution> parts;
  for (std::size_t i = 0; i < b.symbols.size(); ++i) {
    const double comp = v.components.component_vars[i];
    parts.push_back({b.symbols[i], comp, v.components.var != 0 ? comp / v.components.var : 0.0});
  }
  v.top_contributors = largest(parts, 5);
  const std::vector<double> r = long_returns(b, u);
  const std::ptrdiff_t window = u.returns.rows();
  const std::ptrdiff_t days = std::min(o.backtest_days, ssize(r) - window);
  if (days < 2) return;
  std::vector<double> vars(uz(days)), realised(uz(days));
  const std::span<const double> all(r);
  for (std::ptrdiff_t d = 0; d < days; ++d) {
    const std::ptrdiff_t t = ssize(r) - days + d;
    vars[uz(d)] = parametric_var(all.subspan(uz(t - window), uz(window)), {.confidence = c});
    realised[uz(d)] = r[uz(t)];
  }
  v.backtest = var_backtest(realised, vars, {.confidence = c});
  v.backtest_days = days;
  const std::ptrdiff_t total = ssize(u.history_dates) + ssize(u.dates);
  for (std::ptrdiff_t d = 0; d < days; ++d) {
    const std::ptrdiff_t k = total - days + d;
    v.backtest_dates.push_back(k < ssize(u.history_dates) ? u.history_dates[uz(k)]
                                                          : u.dates[uz(k - ssize(u.history_dates))]);
  }
}

/// Section 6.
/// Section 2's regression of r_p on the market and section 3's sector exposure.
template <class L = void>
void betas_and_exposure(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                        const lazy_t<L, snapshot_options>& o, snapshot& s) {
  s.betas.regressed = market_beta(b.returns, u.market_returns);
  s.exposure.sectors =
      o.benchmark.empty() ? sector_exposure(b.weights, b.sectors) : sector_exposure(b.weights, b.sectors, o.benchmark);
}

template <class L = void>
void performance_section(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u, snapshot_performance& p) {
  const double periods = u.periods_per_year;
  p.annual_return = annual_return(b.returns, {.periods_per_year = periods});
  p.annual_volatility = annual_volatility(b.returns, {.periods_per_year = periods});
  p.sharpe = sharpe_ratio(b.returns, {.risk_free = 0, .periods_per_year = periods});
  p.sortino = sortino_ratio(b.returns, {.required_return = 0, .periods_per_year = periods});
  p.drawdown =
      max_drawdown(dated_view(std::span<const date>(u.dates), std::span<const double>(b.returns), "portfolio"));
}

/// Section 7.
template <class L = void>
void stress_section(const lazy_t<L, book>& b, snapshot_stress& s) {
  s.scenarios = builtin_scenarios();
  std::vector<position> positions;
  for (std::size_t i = 0; i < b.symbols.size(); ++i) positions.push_back({b.symbols[i], b.values[i], b.betas[i]});
  s.result = stress_test(positions, s.scenarios);
}

/// Section 8.
template <class L = void>
void limits_section(const risk_summary& summary, snapshot_limits& l) {
  l.values = summary.values;
  l.limits = summary.limits;
  for (const limit_status& s : l.limits)
    if (s.breached) (s.limit.severity == limit_severity::hard ? l.hard : l.warning).push_back(s);
}

/// The book after the hedge orders: each instrument's notional added to its position (a new
/// position without a sector when not held); V unchanged (the orders trade against cash).
template <class L = void>
[[nodiscard]] book hedged_book(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                               const std::vector<std::ptrdiff_t>& cols, const hedge_plan& plan) {
  book a = b;
  for (std::size_t k = 0; k < cols.size(); ++k) {
    const double q = plan.quantities[k];
    if (q == 0) continue;
    const auto it = std::find(a.columns.begin(), a.columns.end(), cols[k]);
    if (it == a.columns.end()) {
      a.columns.push_back(cols[k]);
      a.symbols.push_back(u.symbols[uz(cols[k])]);
      a.sectors.emplace_back();
      a.quantities.push_back(q);
      a.prices.push_back(u.last_prices[uz(cols[k])]);
      a.values.push_back(q * u.last_prices[uz(cols[k])]);
    } else {
      const auto i = uz(it - a.columns.begin());
      a.quantities[i] += q;
      a.values[i] = a.quantities[i] * a.prices[i];
    }
  }
  a.gross = 0;
  for (double x : a.values) a.gross += std::abs(x);
  fill_statistics(u, a);
  return a;
}

/// Section 9: hedge_to_target_beta with the instruments' universe betas and prices, then the
/// pre-trade check.
/// Section 9's hedge strategies side by side: compare_hedges on the window's rows, the options
/// written on the market column (snapshot_options::index_options, or the market's terms). A
/// comparison that cannot be made for this book leaves its reason, unless the caller gave the
/// index terms (then their error is the caller's to see).
template <class L = void>
void comparison_section(std::string_view fn, const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                        const lazy_t<L, snapshot_options>& o, const std::vector<std::ptrdiff_t>& cols,
                        const limit_values& current, snapshot_hedge& h) {
  const std::ptrdiff_t m = usable_column(fn, u, u.market);
  h.index_given = o.index_options.has_value();
  if (h.index_given) {
    h.index = *o.index_options;
  } else {
    h.index.symbol = u.market;
    h.index.market.spot = u.last_prices[uz(m)];
    h.index.market.volatility = u.volatilities(m);
  }
  const Eigen::Index t = u.returns.rows();
  lazy_t<L, Eigen::MatrixXd> instruments(t, ssize(cols));
  for (std::size_t k = 0; k < cols.size(); ++k)
    instruments.col(static_cast<Eigen::Index>(k)) = Eigen::Map<const Eigen::VectorXd>(column(u, cols[k]).data(), t);
  compare_hedges_options c;
  c.target_beta = h.target_beta;
  c.confidence = o.confidence;
  c.paths = o.mc_paths;
  c.seed = o.seed;
  c.limits = o.limits;
  c.current = current;
  c.periods_per_year = u.periods_per_year;
  try {
    h.comparison = compare_hedges_double(Eigen::Map<const Eigen::VectorXd>(b.returns.data(), ssize(b.returns)),
                                         Eigen::Map<const Eigen::VectorXd>(u.market_returns.data(), t), instruments,
                                         h.instruments, h.index, b.value, c);
  } catch (const error& e) {
    if (h.index_given) throw;
    h.comparison_reason = e.what();
  }
}

template <class L = void>
void hedge_section(std::string_view fn, const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                   const lazy_t<L, snapshot_options>& o, double beta, const limit_values& current, snapshot_hedge& h) {
  const std::vector<std::string> symbols = o.hedge.empty() ? std::vector<std::string>{u.market} : o.hedge;
  std::vector<std::ptrdiff_t> cols;
  for (const std::string& s : symbols) {
    const std::ptrdiff_t j = usable_column(fn, u, s);
    cols.push_back(j);
    h.instruments.push_back(
        {.symbol = s, .beta = static_cast<double>(u.betas[uz(j)].beta), .price = u.last_prices[uz(j)]});
  }
  h.target_beta = o.target_beta.value_or(0.5 * beta);
  h.plan = hedge_to_target_beta(b.value, beta, h.instruments, h.target_beta);
  const book after = hedged_book(b, u, cols, h.plan);
  h.values_after = values_of(after);
  h.var_99_1d_after = h.values_after.var_99_1d;
  h.limits_after = evaluate_limits(o.limits, h.values_after);
  for (const limit_status& s : h.limits_after)
    if (s.breached) h.would_breach.push_back(s);
  comparison_section(fn, b, u, o, cols, current, h);
}

/// Chart series.
template <class L = void>
void charts_section(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                    const lazy_t<L, snapshot_options>& o, snapshot_charts& c) {
  const auto t = ssize(u.dates);
  const double periods = u.periods_per_year;
  c.dates = u.dates;
  double gp = 1, gm = 1;
  for (std::ptrdiff_t i = 0; i < t; ++i) {
    gp *= 1 + b.returns[uz(i)];
    gm *= 1 + u.market_returns[uz(i)];
    c.portfolio_cumulative.push_back(gp - 1);
    c.market_cumulative.push_back(gm - 1);
  }
  c.portfolio_drawdown = drawdown_series(b.returns);
  c.market_drawdown = drawdown_series(u.market_returns);
  const std::ptrdiff_t bw = std::min<std::ptrdiff_t>(90, t);
  c.rolling_beta = rolling_beta(b.returns, u.market_returns, bw).betas;
  c.beta_dates.assign(u.dates.begin() + (bw - 1), u.dates.end());
  c.rolling_volatility = rolling_volatility(b.returns, 30, {.periods_per_year = periods, .demean = true}).volatilities;
  c.volatility_dates.assign(u.dates.begin() + 29, u.dates.end());
  c.returns = b.returns;
  c.contributions = contributions_of(b, u.periods_per_year);
  c.portfolio_volatility = static_cast<double>(portfolio_volatility(b.weights, b.covariance)) * std::sqrt(periods);
  c.portfolio_return = b.weights.dot(b.means) * periods;
  if (o.frontier_points > 0) {
    try {
      c.frontier = efficient_frontier(Eigen::VectorXd(b.means * periods), Eigen::MatrixXd(b.covariance * periods),
                                      {.points = o.frontier_points});
    } catch (const singular_problem&) {
      c.frontier.reset();  // a singular covariance of the held assets: no frontier chart (documented)
    }
  }
}

}  // namespace keel::detail::snap
