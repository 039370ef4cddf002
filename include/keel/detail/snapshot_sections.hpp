// SPDX-License-Identifier: MIT
// keel/detail/snapshot_sections.hpp: the definitions of keel/snapshot.hpp's functions, one
// helper per section (owner: the snapshot header). Included by detail/snapshot-inl.hpp; not public.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

namespace detail::snap {

/// Checks the options every entry point shares.
template <class L = void>
void check_options(std::string_view fn, const lazy_t<L, snapshot_options>& o) {
  if (o.market.empty()) throw invalid_input(message(fn, "options.market is empty: name the market column"));
  if (o.window < 60) throw_bad_option(fn, "window", static_cast<double>(o.window), "at least 60");
  check_periods_per_year(fn, o.periods_per_year);
  if (o.confidence.empty()) throw invalid_input(message(fn, "options.confidence is empty"));
  for (double c : o.confidence) require_probability(fn, "confidence", c);
  if (o.horizons.empty()) throw invalid_input(message(fn, "options.horizons is empty"));
  for (int h : o.horizons)
    if (h < 1) throw_bad_option(fn, "horizons", h, "at least 1 day");
  if (o.mc_paths < 100) throw_bad_option(fn, "mc_paths", static_cast<double>(o.mc_paths), "at least 100");
  if (o.backtest_days < 0) throw_bad_option(fn, "backtest_days", static_cast<double>(o.backtest_days), "non-negative");
  if (o.bad_prices != bad_price_rule::reject && o.bad_prices != bad_price_rule::exclude)
    throw_bad_option(fn, "bad_prices", static_cast<double>(o.bad_prices), "reject or exclude");
  if (o.frontier_points < 0)
    throw_bad_option(fn, "frontier_points", static_cast<double>(o.frontier_points), "non-negative");
  if (o.target_beta && !std::isfinite(*o.target_beta)) throw_non_finite_at(fn, "target_beta", *o.target_beta);
}

/// The row of the last date on or before as_of (the last row without as_of).
template <class L = void>
[[nodiscard]] std::ptrdiff_t as_of_row(std::string_view fn, const lazy_t<L, price_table>& p,
                                       const lazy_t<L, snapshot_options>& o) {
  if (p.dates.empty()) throw insufficient_data(message(fn, "the price table has no dates"), o.window + 1, 0);
  if (!o.as_of) return ssize(p.dates) - 1;
  if (*o.as_of < p.dates.front())
    throw invalid_input(message(
        fn, "as_of " + date_text(*o.as_of) + " is before the first date of the prices, " + date_text(p.dates.front())));
  const auto it = std::upper_bound(p.dates.begin(), p.dates.end(), *o.as_of);
  return (it - p.dates.begin()) - 1;
}

/// Column j's simple returns in one pass of series.hpp's price_returns over rows [0, end]: the
/// return of row r (from row r - 1) goes to window[r - first] for first <= r <= end and to
/// history[r - start] for start <= r < first; NaN where a price is missing and, after a bad
/// price, from it on. \returns the first bad price (zero, negative or infinite; NaN is missing)
/// as text naming the symbol, its date and the price ("AAPL[57] on 2000-03-27 = 0 is not
/// positive"), or "" when there is none: every row up to as_of is checked, not only the window.
template <class L = void>
[[nodiscard]] std::string column_pass(const lazy_t<L, price_table>& p, std::ptrdiff_t j, std::ptrdiff_t start,
                                      std::ptrdiff_t first, std::ptrdiff_t end, double* window, double* history) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  std::fill(window, window + (end - first + 1), nan);
  std::fill(history, history + (first - start), nan);
  const auto price = [&](std::ptrdiff_t i) { return p.prices(i, j); };
  const auto f = price_returns<false, double>(
      end + 1, price,
      [&](std::ptrdiff_t k, double r) {
        const std::ptrdiff_t row = k + 1;
        if (row >= first)
          window[row - first] = r;
        else if (row >= start)
          history[row - start] = r;
      },
      true);
  if (!f) return {};
  return price_fault_text(
      f, [&](std::ptrdiff_t i) { return dated_element_text(p.symbols[uz(j)], i, p.dates[uz(i)]); }, price);
}

/// Marks each symbol usable or not, with the reason (`bad`: its bad price, from column_pass).
template <class L = void>
void mark_usable(lazy_t<L, snapshot_universe>& u, const lazy_t<L, price_table>& p, std::ptrdiff_t end,
                 const std::vector<std::string>& bad) {
  const auto n = ssize(u.symbols);
  const std::string span = date_text(u.dates.front()) + " to " + date_text(u.dates.back());
  for (std::ptrdiff_t j = 0; j < n; ++j) {
    const auto col = snap::column(u, j);
    const auto have = std::count_if(col.begin(), col.end(), [](double x) { return std::isfinite(x); });
    double last = std::numeric_limits<double>::quiet_NaN();
    for (std::ptrdiff_t r = end; r >= 0 && !std::isfinite(last); --r) last = p.prices(r, j);
    u.last_prices[uz(j)] = last;
    std::string why;
    if (!bad[uz(j)].empty())
      why = bad[uz(j)];
    else if (have < ssize(col))
      why = "symbol " + detail::quoted(u.symbols[uz(j)]) + " has too little history: " + std::to_string(have) +
            " of the " + std::to_string(col.size()) + " returns of the window " + span + " (window " +
            std::to_string(col.size()) + ")";
    else if (!(last > 0))
      why = "symbol " + detail::quoted(u.symbols[uz(j)]) + " has no positive price on or before " + date_text(u.as_of);
    u.usable[uz(j)] = why.empty();
    u.reasons[uz(j)] = why;
  }
}

/// Per-asset statistics of the usable symbols: betas, means, covariance, volatilities.
template <class L = void>
void asset_statistics(lazy_t<L, snapshot_universe>& u) {
  const auto n = ssize(u.symbols);
  std::vector<std::ptrdiff_t> ok;
  for (std::ptrdiff_t j = 0; j < n; ++j)
    if (u.usable[uz(j)]) ok.push_back(j);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  u.means = Eigen::VectorXd::Constant(n, nan);
  u.volatilities = Eigen::VectorXd::Constant(n, nan);
  u.covariance = Eigen::MatrixXd::Constant(n, n, nan);
  lazy_t<L, Eigen::MatrixXd> panel(u.returns.rows(), ssize(ok));
  for (std::ptrdiff_t k = 0; k < ssize(ok); ++k) {
    const std::ptrdiff_t j = ok[uz(k)];
    panel.col(k) = u.returns.col(j);
    u.betas[uz(j)] = market_beta(snap::column(u, j), u.market_returns);
    u.means(j) = panel.col(k).mean();
  }
  if (ok.empty()) return;
  const Eigen::MatrixXd s = sample_covariance(panel, {.periods_per_year = 1}).covariance;
  for (std::ptrdiff_t a = 0; a < ssize(ok); ++a) {
    for (std::ptrdiff_t b = 0; b < ssize(ok); ++b) u.covariance(ok[uz(a)], ok[uz(b)]) = s(a, b);
    u.volatilities(ok[uz(a)]) = std::sqrt(s(a, a) * u.periods_per_year);
  }
}

/// Every metric of limit_values for a book (weights as fractions of V, which need not sum to 1
/// after a hedge: the rest is cash).
template <class L = void>
[[nodiscard]] limit_values values_of(const lazy_t<L, book>& b) {
  limit_values v;
  for (Eigen::Index i = 0; i < b.weights.size(); ++i) {
    v.max_position_weight = std::max(v.max_position_weight, std::abs(b.weights(i)));
    v.gross_leverage += std::abs(b.weights(i));
  }
  v.max_sector_weight = largest_sector(b);
  v.beta = std::abs(static_cast<double>(portfolio_beta(b.weights, b.betas)));
  v.var_99_1d = static_cast<double>(parametric_var(b.weights, b.means, b.covariance, {.confidence = 0.99}));
  v.max_drawdown = static_cast<double>(max_drawdown(b.returns).depth);
  v.avg_pairwise_correlation = average_correlation(b.covariance);
  return v;
}

/// The positions' volatility contributions (annualised), in book order.
template <class L = void>
[[nodiscard]] std::vector<risk_contribution> contributions_of(const lazy_t<L, book>& b, double periods) {
  const auto rc = risk_contributions(b.weights, Eigen::MatrixXd(b.covariance * periods));
  std::vector<risk_contribution> out;
  for (std::size_t i = 0; i < b.symbols.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    out.push_back({b.symbols[i], rc.contributions(k), rc.fractions(k)});
  }
  return out;
}

/// The `count` largest contributions, largest first (ties in book order).
template <class L = void>
[[nodiscard]] std::vector<risk_contribution> largest(std::vector<risk_contribution> all, std::size_t count) {
  std::stable_sort(all.begin(), all.end(), [](const risk_contribution& a, const risk_contribution& b) {
    return a.contribution > b.contribution;
  });
  if (all.size() > count) all.resize(count);
  return all;
}

/// The summary of a book (the one code path summarize_risk and risk_snapshot share).
template <class L = void>
[[nodiscard]] risk_summary summary_of(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                                      const lazy_t<L, snapshot_options>& o) {
  risk_summary s;
  s.value = b.value;
  s.gross_value = b.gross;
  s.beta = static_cast<double>(portfolio_beta(b.weights, b.betas));
  s.volatility = static_cast<double>(portfolio_volatility(b.weights, b.covariance)) * std::sqrt(u.periods_per_year);
  const var_result<double> par = parametric_risk(b.weights, b.means, b.covariance, {.confidence = {0.95, 0.99}});
  s.var_95 = par.vars[0];
  s.var_99 = par.vars[1];
  s.cvar_95 = par.cvars[0];
  s.cvar_99 = par.cvars[1];
  const var_result<double> hist = historical_risk(b.returns, {.confidence = {0.95, 0.99}});
  s.historical_var_95 = hist.vars[0];
  s.historical_var_99 = hist.vars[1];
  s.historical_cvar_95 = hist.cvars[0];
  s.historical_cvar_99 = hist.cvars[1];
  s.concentration = concentration_metrics(b.weights, b.symbols);
  s.top_contributors = largest(contributions_of(b, u.periods_per_year), 5);
  s.values = values_of(b);
  s.limits = evaluate_limits(o.limits, s.values);
  s.n = u.returns.rows();
  s.as_of = u.as_of;
  return s;
}

}  // namespace detail::snap

}  // namespace keel
