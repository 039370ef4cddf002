// SPDX-License-Identifier: MIT
// Tests of keel/snapshot.hpp: every section of risk_snapshot on the bundled Dow 30 data against
// direct capability calls and independent formulas written here (long double sums, explicit
// loops), summarize_risk equal to the snapshot bit for bit, the two risk_snapshot overloads equal,
// the bundled DJ30 index recomputed from the 30 prices, every error with its message, and the same
// on ../shared data (SPY as the market) when it exists.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <keel/construction.hpp>
#include <keel/csv.hpp>
#include <keel/snapshot.hpp>

#include "support/dow_snapshot.hpp"
#include "support/shared_data.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

using ld = long double;

const std::filesystem::path bundled = KEEL_BUNDLED_DATA_DIR;

/// The Dow 30 prices with the bundled DJ30 index column, the bundled portfolio and the bundled
/// report's options (20,000 Monte Carlo paths): tests/support/dow_snapshot.hpp, shared with
/// header_only_test.
keel::price_table dow_prices() { return keel_test::dow::prices(bundled); }
std::vector<keel::holding> dow_portfolio() { return keel_test::dow::portfolio(bundled); }
keel::snapshot_options dow_options() { return keel_test::dow::options(bundled, 20000); }

/// What the test recomputes independently of the snapshot: window returns from the prices.
struct reference {
  std::vector<std::vector<double>> assets;  // per holding, the window's simple returns
  std::vector<double> market;
  std::vector<double> weights;
  std::vector<double> portfolio;  // sum_i w_i r_i,t
  double value = 0;
};

reference recompute(const keel::price_table& p, const std::vector<keel::holding>& h, const std::string& market,
                    std::ptrdiff_t window) {
  reference ref;
  const auto end = static_cast<std::ptrdiff_t>(p.dates.size()) - 1;
  const auto returns_of = [&](std::ptrdiff_t j) {
    std::vector<double> r;
    for (std::ptrdiff_t t = end - window + 1; t <= end; ++t) r.push_back(p.prices(t, j) / p.prices(t - 1, j) - 1);
    return r;
  };
  ref.market = returns_of(p.index_of(market));
  std::vector<double> v;
  for (const auto& x : h) {
    const auto j = p.index_of(x.symbol);
    ref.assets.push_back(returns_of(j));
    v.push_back(x.quantity * p.prices(end, j));
    ref.value += v.back();
  }
  for (double x : v) ref.weights.push_back(x / ref.value);
  ref.portfolio.assign(static_cast<std::size_t>(window), 0.0);
  for (std::size_t i = 0; i < h.size(); ++i)
    for (std::size_t t = 0; t < ref.portfolio.size(); ++t) ref.portfolio[t] += ref.weights[i] * ref.assets[i][t];
  return ref;
}

/// OLS slope of y on x in long double (two-pass centred sums).
double ols_slope(const std::vector<double>& y, const std::vector<double>& x) {
  const auto n = static_cast<ld>(x.size());
  ld mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  ld sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
  return static_cast<double>(sxy / sxx);
}

/// Sample covariance (n - 1) of two series in long double.
ld cov_ld(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<ld>(a.size());
  ld ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  ld s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
  return s / (n - 1);
}

ld mean_ld(const std::vector<double>& a) {
  ld s = 0;
  for (double x : a) s += x;
  return s / static_cast<ld>(a.size());
}

bool close(double a, double b, double rel) {
  return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)});
}

/// Section 10: each row's figures recomputed from its weights with the reference returns (long
/// double sums, explicit loops), and each optimiser's defining property.
void check_construction(const keel::snapshot& s, const reference& ref, const keel::snapshot_options& o) {
  const auto n = ref.assets.size();
  const auto t = ref.portfolio.size();
  const ld periods = o.periods_per_year;
  const auto& rows = s.construction.portfolios;
  REQUIRE(rows.size() == 6);
  CHECK(rows[0].name == "current");
  REQUIRE(rows[0].reason.empty());
  std::vector<std::vector<ld>> cov(n, std::vector<ld>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k) cov[i][k] = cov_ld(ref.assets[i], ref.assets[k]);
  std::set<std::string> names;
  for (const auto& a : rows) {
    INFO(a.name);
    CHECK(names.insert(a.name).second);
    if (!a.reason.empty()) continue;
    REQUIRE(a.weights.size() == static_cast<Eigen::Index>(n));
    const auto w = [&](std::size_t i) { return static_cast<ld>(a.weights(static_cast<Eigen::Index>(i))); };
    ld sum = 0, mean = 0, variance = 0, spread = 0, traded = 0;
    std::vector<double> r(t, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      sum += w(i);
      mean += w(i) * mean_ld(ref.assets[i]);
      spread += std::fabs(w(i)) * std::sqrt(cov[i][i]);
      traded += std::fabs(w(i) - static_cast<ld>(ref.weights[i]));
      for (std::size_t k = 0; k < n; ++k) variance += w(i) * cov[i][k] * w(k);
      if (a.name != "current") CHECK(w(i) >= 0);
    }
    for (std::size_t u = 0; u < t; ++u) {
      ld x = 0;
      for (std::size_t i = 0; i < n; ++i) x += w(i) * ref.assets[i][u];
      r[u] = static_cast<double>(x);
    }
    CHECK(close(static_cast<double>(sum), 1, 1e-12));
    CHECK(close(a.expected_return, static_cast<double>(mean * periods), 1e-11));
    CHECK(close(a.volatility, static_cast<double>(std::sqrt(variance * periods)), 1e-11));
    CHECK(close(a.diversification_ratio, static_cast<double>(spread / std::sqrt(variance)), 1e-11));
    CHECK(close(a.turnover, static_cast<double>(traded), 1e-12));
    // CVaR 95%: minus the mean of the k = floor((T - 1) 0.05) + 1 smallest returns (empyrical).
    std::vector<double> sorted = r;
    std::sort(sorted.begin(), sorted.end());
    const auto k = static_cast<std::size_t>(std::floor(static_cast<double>(t - 1) * 0.05)) + 1;
    ld tail = 0;
    for (std::size_t u = 0; u < k; ++u) tail += sorted[u];
    CHECK(close(a.cvar_95, static_cast<double>(-tail / static_cast<ld>(k)), 1e-11));
    // Maximum drawdown of wealth prod (1 + r).
    ld wealth = 1, peak = 1, depth = 0;
    for (double x : r) {
      wealth *= 1 + static_cast<ld>(x);
      peak = std::max(peak, wealth);
      depth = std::max(depth, 1 - wealth / peak);
    }
    CHECK(close(a.max_drawdown, static_cast<double>(depth), 1e-11));
  }
  // The current row repeats the snapshot's own figures for the book.
  CHECK(close(rows[0].volatility, s.volatility.volatility, 1e-12));
  CHECK(close(rows[0].diversification_ratio, s.volatility.diversification_ratio, 1e-12));
  CHECK(rows[0].turnover == 0);
  // Minimum variance and maximum Sharpe are the frontier chart's own portfolios.
  const auto row = [&](const std::string& name) -> const keel::snapshot_alternative& {
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const auto& a) { return a.name == name; });
    REQUIRE(it != rows.end());
    return *it;
  };
  if (s.charts.frontier) {
    CHECK(close(row("minimum variance").volatility, s.charts.frontier->min_variance.volatility, 1e-12));
    if (s.charts.frontier->max_sharpe && row("maximum Sharpe").reason.empty())
      CHECK(close(row("maximum Sharpe").volatility, s.charts.frontier->max_sharpe->volatility, 1e-12));
  }
  // Equal risk contribution: every w_i (C w)_i / w'C w is 1 / n.
  const auto& erc = row("equal risk contribution");
  REQUIRE(erc.reason.empty());
  ld total = 0;
  std::vector<ld> part(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k)
      part[i] += static_cast<ld>(erc.weights(static_cast<Eigen::Index>(i))) * cov[i][k] *
                 static_cast<ld>(erc.weights(static_cast<Eigen::Index>(k)));
  for (ld x : part) total += x;
  for (ld x : part) CHECK(std::fabs(static_cast<double>(x / total) - 1.0 / static_cast<double>(n)) < 1e-10);
  // Maximum diversification: no long-only portfolio has a larger ratio; check against each
  // asset alone (ratio 1), the current book's and the other rows' (long-only) ratios.
  const auto& md = row("maximum diversification");
  REQUIRE(md.reason.empty());
  for (const auto& a : rows)
    if (a.reason.empty() && (a.weights.array() >= 0).all())
      CHECK(md.diversification_ratio >= a.diversification_ratio * (1 - 1e-12));
  CHECK(md.diversification_ratio >= 1);
  // HRP: with two assets the inverse-variance split; in general weights positive.
  const auto& hrp = row("hierarchical risk parity");
  REQUIRE(hrp.reason.empty());
  CHECK((hrp.weights.array() > 0).all());
  if (n == 2) {
    const ld a = 1 / cov[0][0], b = 1 / cov[1][1];
    CHECK(close(hrp.weights(0), static_cast<double>(a / (a + b)), 1e-12));
  }
}

/// Rockafellar and Uryasev's exact discrete CVaR of the losses -r (min_cvar's convention),
/// written out: with tail m = 0.05 T (a whole number when within 1e-9 of one, as the
/// library rounds it), the floor(m) largest losses and the fraction m - floor(m) of the next,
/// over m; long double throughout.
ld tail_cvar(const std::vector<ld>& r) {
  std::vector<ld> loss;
  for (ld x : r) loss.push_back(-x);
  std::sort(loss.begin(), loss.end(), std::greater<>());
  ld m = static_cast<ld>(loss.size()) / 20;
  if (std::fabs(m - std::round(m)) < 1e-9L) m = std::round(m);
  const auto k = static_cast<std::size_t>(std::floor(m));
  ld sum = 0;
  for (std::size_t u = 0; u < k; ++u) sum += loss[u];
  if (k < loss.size()) sum += (m - static_cast<ld>(k)) * loss[k];
  return sum / m;
}

/// Section 10's mean-CVaR frontier: every point recomputed from its weights with the reference
/// returns, its shape (returns increasing, CVaR non-decreasing and convex in the return), and
/// its optimality against the construction rows (each row's CVaR in the same convention,
/// cvar_95_lp, recomputed too).
void check_cvar_frontier(const keel::snapshot& s, const reference& ref, const keel::snapshot_options& o) {
  const auto n = ref.assets.size();
  const auto t = ref.portfolio.size();
  const ld periods = o.periods_per_year;
  const auto& c = s.construction;
  INFO(c.cvar_frontier_reason);
  REQUIRE(c.cvar_frontier_reason.empty());
  // 11 points; fewer (one) only when min_cvar's return is the largest mean, not so here.
  REQUIRE(c.cvar_frontier.size() == 11);
  std::vector<std::vector<ld>> cov(n, std::vector<ld>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < n; ++k) cov[i][k] = cov_ld(ref.assets[i], ref.assets[k]);
  const auto returns_of = [&](const Eigen::VectorXd& w) {
    std::vector<ld> r(t, 0);
    for (std::size_t u = 0; u < t; ++u)
      for (std::size_t i = 0; i < n; ++i) r[u] += static_cast<ld>(w(static_cast<Eigen::Index>(i))) * ref.assets[i][u];
    return r;
  };
  ld best_mean = -std::numeric_limits<ld>::infinity();
  for (std::size_t i = 0; i < n; ++i) best_mean = std::max(best_mean, mean_ld(ref.assets[i]));
  for (const auto& p : c.cvar_frontier) {
    INFO("frontier point at return " << p.expected_return);
    REQUIRE(p.weights.size() == static_cast<Eigen::Index>(n));
    ld sum = 0, mean = 0, variance = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto w = static_cast<ld>(p.weights(static_cast<Eigen::Index>(i)));
      CHECK(w >= -1e-12L);
      sum += w;
      mean += w * mean_ld(ref.assets[i]);
      for (std::size_t k = 0; k < n; ++k)
        variance += w * cov[i][k] * static_cast<ld>(p.weights(static_cast<Eigen::Index>(k)));
    }
    CHECK(std::fabs(static_cast<double>(sum) - 1) <= 1e-12);
    CHECK(close(p.expected_return, static_cast<double>(mean * periods), 1e-11));
    CHECK(close(p.volatility, static_cast<double>(std::sqrt(variance * periods)), 1e-11));
    const ld cvar = tail_cvar(returns_of(p.weights));
    CHECK(std::fabs(p.cvar_95 - static_cast<double>(cvar)) <= 1e-11 * std::fabs(static_cast<double>(cvar)));
  }
  // The ends: min_cvar's least CVaR, and the largest mean (all in the best asset).
  const auto& first = c.cvar_frontier.front();
  const auto& last = c.cvar_frontier.back();
  Eigen::MatrixXd panel(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t u = 0; u < t; ++u)
      panel(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(i)) = ref.assets[i][u];
  const auto least = keel::min_cvar(panel, {.confidence = 0.95});
  CHECK(close(first.cvar_95, least.cvar, 1e-12));
  CHECK(close(last.expected_return, static_cast<double>(best_mean * periods), 1e-11));
  // The targets are evenly spaced from min_cvar's return to the best mean, and each point
  // earns its target (the least CVaR rises strictly past min_cvar's return on these data, so
  // no point earns more than it must; the LP gives each target to rounding).
  ld low = 0;
  for (std::size_t i = 0; i < n; ++i)
    low += static_cast<ld>(least.portfolio.weights(static_cast<Eigen::Index>(i))) * mean_ld(ref.assets[i]);
  for (std::size_t k = 0; k < c.cvar_frontier.size(); ++k) {
    const ld target = low + (best_mean - low) * static_cast<ld>(k) / 10;
    CHECK(close(c.cvar_frontier[k].expected_return, static_cast<double>(target * periods), 1e-9));
  }
  // Shape: returns strictly increasing, CVaR non-decreasing, and convex in the return (the
  // slopes between neighbouring points non-decreasing: the true frontier is convex).
  for (std::size_t k = 1; k < c.cvar_frontier.size(); ++k) {
    const auto& a = c.cvar_frontier[k - 1];
    const auto& b = c.cvar_frontier[k];
    INFO("frontier points " << k - 1 << " and " << k);
    CHECK(b.expected_return > a.expected_return);
    CHECK(b.cvar_95 >= a.cvar_95);
    if (k + 1 < c.cvar_frontier.size()) {
      const auto& d = c.cvar_frontier[k + 1];
      const double left = (b.cvar_95 - a.cvar_95) / (b.expected_return - a.expected_return);
      const double right = (d.cvar_95 - b.cvar_95) / (d.expected_return - b.expected_return);
      CHECK(right - left >= -1e-12);
    }
  }
  // The rows: cvar_95_lp is the same convention's CVaR of each row's returns; no long-only
  // row does better than the frontier: a row earning at least a point's return has at least
  // its CVaR (the point is the least CVaR at that return or more), and every row at least the
  // minimum CVaR.
  for (const auto& a : c.portfolios) {
    INFO(a.name);
    if (!a.reason.empty()) continue;
    const ld cvar = tail_cvar(returns_of(a.weights));
    CHECK(std::fabs(a.cvar_95_lp - static_cast<double>(cvar)) <= 1e-11 * std::fabs(static_cast<double>(cvar)));
    if (!(a.weights.array() >= 0).all()) continue;
    CHECK(a.cvar_95_lp >= first.cvar_95 - 1e-12);
    for (const auto& p : c.cvar_frontier)
      if (a.expected_return >= p.expected_return) CHECK(a.cvar_95_lp >= p.cvar_95 - 1e-12);
  }
}

/// The checks every data set gets: each section against direct calls and independent sums.
void check_snapshot(const keel::snapshot& s, const keel::price_table& p, const std::vector<keel::holding>& h,
                    const keel::snapshot_options& o) {
  const auto ref = recompute(p, h, o.market, o.window);
  const auto n = h.size();
  // Relative tolerance 1e-12: the snapshot sums in double over 252 terms of size ~1e-2; the
  // references sum in long double, so the gap is the snapshot's rounding, ~1e-14 relative.
  constexpr double tol = 1e-12;
  CHECK(s.inputs.window == o.window);
  CHECK(s.inputs.as_of == p.dates.back());
  CHECK(close(s.value, ref.value, tol));
  double wsum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(s.positions[i].symbol == h[i].symbol);
    CHECK(close(s.positions[i].weight, ref.weights[i], tol));
    wsum += s.positions[i].weight;
    CHECK(close(s.betas.positions[i].beta, ols_slope(ref.assets[i], ref.market), 1e-10));
    CHECK(s.betas.positions[i].n == o.window);
  }
  CHECK(close(wsum, 1.0, 1e-14));
  ld bw = 0;
  for (std::size_t i = 0; i < n; ++i) bw += static_cast<ld>(ref.weights[i]) * ols_slope(ref.assets[i], ref.market);
  CHECK(close(s.betas.value_weighted, static_cast<double>(bw), 1e-10));
  CHECK(close(s.betas.regressed.beta, ols_slope(ref.portfolio, ref.market), 1e-10));
  CHECK(close(s.betas.regressed.beta, s.betas.value_weighted, 1e-10));  // OLS is linear in y

  // Covariance-based quantities from long-double sums.
  ld var_p = 0, mu_p = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mu_p += static_cast<ld>(ref.weights[i]) * mean_ld(ref.assets[i]);
    for (std::size_t k = 0; k < n; ++k)
      var_p += static_cast<ld>(ref.weights[i]) * ref.weights[k] * cov_ld(ref.assets[i], ref.assets[k]);
  }
  const double sigma = static_cast<double>(std::sqrt(var_p));
  CHECK(close(s.volatility.volatility, sigma * std::sqrt(252.0), 1e-11));
  CHECK(close(s.summary.volatility, s.volatility.volatility, 0));
  // The portfolio's variance from the covariance equals the sample variance of r_p.
  CHECK(close(sigma, static_cast<double>(std::sqrt(cov_ld(ref.portfolio, ref.portfolio))), 1e-11));
  const boost::math::normal nd;
  for (const auto& row : s.var.rows) {
    const double z = boost::math::quantile(nd, row.confidence), hh = row.horizon;
    const double pv = -static_cast<double>(mu_p) * hh + z * sigma * std::sqrt(hh);
    const double pc =
        -static_cast<double>(mu_p) * hh + sigma * std::sqrt(hh) * boost::math::pdf(nd, z) / (1 - row.confidence);
    CHECK(close(row.parametric.var, pv, 1e-10));
    CHECK(close(row.parametric.cvar, pc, 1e-10));
    CHECK(close(row.parametric.var_currency, pv * ref.value, 1e-10));
    const auto r = std::span<const double>(ref.portfolio);
    CHECK(close(row.historical.var, keel::historical_var(r, {.confidence = row.confidence}) * std::sqrt(hh), 1e-12));
    CHECK(close(row.historical.cvar, keel::historical_cvar(r, {.confidence = row.confidence}) * std::sqrt(hh), 1e-12));
    const auto cf = keel::cornish_fisher_var(r, {.confidence = row.confidence, .horizon = hh});
    CHECK(cf.monotone == row.cornish_fisher.monotone);
    if (cf.var) CHECK(close(*row.cornish_fisher.var, *cf.var, 1e-11));
    CHECK(row.monte_carlo.var > 0);
    // Monte Carlo against the exact normal VaR: within 6 standard errors.
    CHECK(std::abs(row.monte_carlo.var - pv) < 6 * row.monte_carlo_var_stderr + 1e-12);
  }
  CHECK(close(s.summary.var_99, s.limits.values.var_99_1d, 0));
  // HHI of gross weights.
  ld gross = 0, hhi = 0;
  for (double w : ref.weights) gross += std::abs(w);
  for (double w : ref.weights) hhi += (std::abs(w) / gross) * (std::abs(w) / gross);
  CHECK(close(s.exposure.concentration.hhi, static_cast<double>(hhi * 10000), 1e-12));
  // Sector exposure: the weights summed per sector.
  std::map<std::string, double> sectors;
  for (std::size_t i = 0; i < n; ++i) sectors[h[i].sector] += ref.weights[i];
  for (std::size_t k = 0; k < s.exposure.sectors.sectors.size(); ++k) {
    const auto& name = s.exposure.sectors.sectors[k];
    CHECK(close(s.exposure.sectors.portfolio_weights[k], sectors.count(name) ? sectors[name] : 0.0, 1e-12));
  }
  // Limits, each computed here.
  double max_w = 0, max_sector = 0;
  for (double w : ref.weights) max_w = std::max(max_w, std::abs(w));
  for (const auto& [name, w] : sectors)
    if (!name.empty()) max_sector = std::max(max_sector, std::abs(w));
  ld wealth = 1, peak = 1, dd = 0;
  for (double r : ref.portfolio) {
    wealth *= 1 + static_cast<ld>(r);
    peak = std::max(peak, wealth);
    dd = std::max(dd, 1 - wealth / peak);
  }
  ld corr = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = i + 1; k < n; ++k)
      corr += cov_ld(ref.assets[i], ref.assets[k]) /
              std::sqrt(cov_ld(ref.assets[i], ref.assets[i]) * cov_ld(ref.assets[k], ref.assets[k]));
  corr /= static_cast<ld>(n * (n - 1) / 2);
  const auto& lv = s.limits.values;
  CHECK(close(lv.max_position_weight, max_w, 1e-12));
  CHECK(close(lv.max_sector_weight, max_sector, 1e-12));
  CHECK(close(lv.gross_leverage, static_cast<double>(gross), 1e-12));
  CHECK(close(lv.beta, std::abs(static_cast<double>(bw)), 1e-10));
  CHECK(close(lv.var_99_1d, -static_cast<double>(mu_p) + boost::math::quantile(nd, 0.99) * sigma, 1e-10));
  CHECK(close(lv.max_drawdown, static_cast<double>(dd), 1e-12));
  CHECK(close(lv.avg_pairwise_correlation, static_cast<double>(corr), 1e-11));
  for (const auto& l : s.limits.limits) CHECK(l.breached == (l.value > l.limit.limit));
  // Invariants: risk contributions sum to the volatility; component VaR sums to VaR.
  CHECK(close(s.volatility.contributions.contributions.sum(), s.volatility.volatility, 1e-12));
  const auto& comp = s.var.components.component_vars;
  CHECK(close(std::accumulate(comp.begin(), comp.end(), 0.0), s.var.components.var, 1e-12));
  // Hedge: beta after from the orders.
  ld after = s.hedge.plan.beta_before;
  for (std::size_t k = 0; k < s.hedge.plan.orders.size(); ++k) {
    const auto& ord = s.hedge.plan.orders[k];
    const double sign = ord.side == keel::order_side::buy ? 1.0 : -1.0;
    const auto it = std::find_if(s.hedge.instruments.begin(), s.hedge.instruments.end(),
                                 [&](const keel::hedge_instrument& x) { return x.symbol == ord.symbol; });
    REQUIRE(it != s.hedge.instruments.end());
    after += sign * ord.notional * it->beta / s.value;
  }
  CHECK(close(s.hedge.plan.beta_after, static_cast<double>(after), 1e-12));
  CHECK(close(s.hedge.values_after.beta, std::abs(s.hedge.plan.beta_after), 1e-10));
  CHECK(std::abs(s.hedge.plan.beta_after - s.hedge.target_beta) < 0.01);
  // Charts: cumulative returns from the portfolio series.
  ld g = 1;
  for (double r : ref.portfolio) g *= 1 + static_cast<ld>(r);
  CHECK(close(s.charts.portfolio_cumulative.back(), static_cast<double>(g - 1), 1e-12));
  CHECK(s.charts.rolling_beta.size() == s.charts.beta_dates.size());
  CHECK(s.charts.rolling_volatility.size() == s.charts.volatility_dates.size());
  check_construction(s, ref, o);
  check_cvar_frontier(s, ref, o);
}

}  // namespace

TEST_CASE("risk_snapshot: the bundled DJ30 index is the equal-weight index of the 30 prices", "[snapshot]") {
  const auto p = keel::read_prices_csv(bundled / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto ix = keel::read_prices_csv(bundled / "dowjones30_index_1991_2000.csv");
  REQUIRE(ix.dates == p.dates);
  REQUIRE(p.symbols.size() == 30);
  double level = 100;
  double worst = 0;
  for (Eigen::Index t = 0; t < p.prices.rows(); ++t) {
    if (t > 0) {
      double sum = 0;
      for (Eigen::Index j = 0; j < 30; ++j) sum += p.prices(t, j) / p.prices(t - 1, j) - 1;
      level *= 1 + sum / 30;
    }
    worst = std::max(worst, std::abs(level - ix.prices(t, 0)));
  }
  // Printed with 6 decimals: off by at most half a unit of the 6th decimal (plus rounding).
  CHECK(worst <= 5e-7 + 1e-12);
  CHECK(ix.prices(0, 0) == 100);
}

TEST_CASE("risk_snapshot: every section on the bundled Dow 30 against direct calls", "[snapshot]") {
  const auto p = dow_prices();
  const auto h = dow_portfolio();
  const auto o = dow_options();
  const auto s = keel::risk_snapshot(h, p, o);
  check_snapshot(s, p, h, o);
  REQUIRE(s.var.backtest);
  CHECK(s.var.backtest_days == 250);
  CHECK(s.var.backtest->observations == 250);
  CHECK(s.stress.result.totals.size() == keel::builtin_scenarios().size());
  // Stress P&L per scenario: sum_i v_i beta_i m.
  for (std::size_t k = 0; k < s.stress.scenarios.size(); ++k) {
    ld pnl = 0;
    for (std::size_t i = 0; i < h.size(); ++i)
      pnl += static_cast<ld>(s.positions[i].value) * s.betas.positions[i].beta * s.stress.scenarios[k].market_return;
    CHECK(close(s.stress.result.totals[k], static_cast<double>(pnl), 1e-12));
  }
  // The bundled limits file has breaches and passes.
  std::ptrdiff_t breached = 0;
  for (const auto& l : s.limits.limits) breached += l.breached ? 1 : 0;
  CHECK(s.limits.limits.size() == 7);
  CHECK(breached > 0);
  CHECK(breached < 7);
  CHECK(s.limits.hard.size() + s.limits.warning.size() == static_cast<std::size_t>(breached));
  // Monte Carlo is the direct call with the same options.
  keel::snapshot_universe u = keel::prepare_universe(p, o);
  std::vector<std::ptrdiff_t> cols;
  for (const auto& x : h) cols.push_back(p.index_of(x.symbol));
  Eigen::VectorXd w(static_cast<Eigen::Index>(h.size())), mu(w.size());
  Eigen::MatrixXd cov(w.size(), w.size());
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    w(i) = s.positions[static_cast<std::size_t>(i)].weight;
    mu(i) = u.means(cols[static_cast<std::size_t>(i)]);
    for (Eigen::Index k = 0; k < w.size(); ++k)
      cov(i, k) = u.covariance(cols[static_cast<std::size_t>(i)], cols[static_cast<std::size_t>(k)]);
  }
  const auto mc = keel::monte_carlo_var(
      w, mu, cov, {.paths = o.mc_paths, .seed = o.seed, .horizon = 1, .confidence = o.confidence, .threads = 1});
  CHECK(s.var.rows[0].monte_carlo.var == mc.vars[0]);
  CHECK(s.var.rows[1].monte_carlo.var == mc.vars[1]);
  CHECK(s.var.rows[0].confidence == 0.95);
  CHECK(s.var.rows[1].confidence == 0.99);
  CHECK(s.var.rows[2].horizon == 10);
}

TEST_CASE("risk_snapshot: summarize_risk and the universe overload equal the snapshot exactly", "[snapshot]") {
  const auto p = dow_prices();
  const auto h = dow_portfolio();
  const auto o = dow_options();
  const auto u = keel::prepare_universe(p, o);
  const auto s1 = keel::risk_snapshot(h, p, o);
  const auto s2 = keel::risk_snapshot(h, u, o);
  const auto sum = keel::summarize_risk(h, u, o);
  for (const keel::risk_summary* r : {&s1.summary, &s2.summary, &sum}) {
    CHECK(r->value == s1.value);
    CHECK(r->beta == s1.betas.value_weighted);
    CHECK(r->volatility == s1.volatility.volatility);
    CHECK(r->var_99 == s1.limits.values.var_99_1d);
    CHECK(r->var_95 == sum.var_95);
    CHECK(r->cvar_99 == sum.cvar_99);
    CHECK(r->historical_var_95 == sum.historical_var_95);
    CHECK(r->historical_cvar_99 == sum.historical_cvar_99);
    CHECK(r->concentration.hhi == s1.exposure.concentration.hhi);
    CHECK(r->limits.size() == s1.limits.limits.size());
    CHECK(r->top_contributors.size() == 5);
  }
  // The 1-day rows at 95% and 99% are the summary's numbers.
  CHECK(s1.var.rows[0].parametric.var == sum.var_95);
  CHECK(s1.var.rows[1].parametric.var == sum.var_99);
  CHECK(s1.var.rows[0].historical.var == sum.historical_var_95);
  CHECK(s2.var.rows[3].monte_carlo.var == s1.var.rows[3].monte_carlo.var);
  CHECK(s2.hedge.plan.beta_after == s1.hedge.plan.beta_after);
  CHECK(s2.performance.drawdown.depth == s1.performance.drawdown.depth);
  // Top contributors are the largest, in order.
  for (std::size_t k = 1; k < sum.top_contributors.size(); ++k)
    CHECK(sum.top_contributors[k - 1].contribution >= sum.top_contributors[k].contribution);
}

TEST_CASE("risk_snapshot: errors name what to fix", "[snapshot]") {
  const auto p = dow_prices();
  const auto o = dow_options();
  std::vector<keel::holding> h = {{"IBM", 100, "IT"}, {"NOPE", 10, ""}};
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, o), Contains("NOPE"));
  h = {{"IBM", 100, "IT"}, {"IBM", 10, ""}};
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, o), Contains("held twice"));
  h = {{"IBM", -100, "IT"}};
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, o), Contains("must be positive"));
  h = {{"IBM", std::numeric_limits<double>::quiet_NaN(), "IT"}};
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, o), keel::invalid_input);
  CHECK_THROWS_WITH(keel::risk_snapshot(std::vector<keel::holding>{}, p, o), Contains("no holdings"));
  {  // periods_per_year: a double, checked by the library's one validator
    auto bad = o;
    const std::vector<keel::holding> ibm = {{"IBM", 100, "IT"}};
    bad.periods_per_year = 0;
    CHECK_THROWS_WITH(keel::risk_snapshot(ibm, p, bad), Contains("periods_per_year = 0 must be positive and finite"));
    bad.periods_per_year = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(keel::risk_snapshot(ibm, p, bad), Contains("periods_per_year = NaN must be positive and finite"));
    static_assert(std::is_same_v<decltype(keel::snapshot_options::periods_per_year), double>);
    static_assert(std::is_same_v<decltype(keel::snapshot_universe::periods_per_year), double>);
  }
  h = {{"IBM", 100, "IT"}};
  auto bad = o;
  bad.market = "SPX";
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, bad), keel::invalid_input);
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, bad), Contains("SPX"));
  bad = o;
  bad.as_of = std::chrono::year_month_day(std::chrono::year(1980), std::chrono::month(1), std::chrono::day(2));
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, bad), keel::invalid_input);
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, bad), Contains("1980-01-02") && Contains("1990-12-31"));
  bad.as_of = std::chrono::year_month_day(std::chrono::year(1991), std::chrono::month(3), std::chrono::day(1));
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, bad), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, bad), Contains("window of 252 returns"));
  bad = o;
  bad.window = 10;
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, bad), Contains("window"));
  bad = o;
  bad.confidence = {1.5};
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, bad), keel::invalid_input);
  bad = o;
  bad.hedge = {"SPY"};
  CHECK_THROWS_WITH(keel::risk_snapshot(h, p, bad), Contains("SPY"));
  // A symbol with too little history: prices missing before 2000-06-01.
  auto q = p;
  const auto j = q.index_of("MSFT");
  for (std::size_t t = 0; t < q.dates.size(); ++t)
    if (q.dates[t] < std::chrono::year_month_day(std::chrono::year(2000), std::chrono::month(6), std::chrono::day(1)))
      q.prices(static_cast<Eigen::Index>(t), j) = std::numeric_limits<double>::quiet_NaN();
  h = {{"IBM", 100, "IT"}, {"MSFT", 100, "IT"}};
  CHECK_THROWS_AS(keel::risk_snapshot(h, q, o), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::risk_snapshot(h, q, o),
                    Contains("MSFT") && Contains("too little history") && Contains("2001-01-02"));
  const auto u = keel::prepare_universe(q, o);  // not thrown: marked unusable
  CHECK_FALSE(u.usable[static_cast<std::size_t>(j)]);
  CHECK_THROWS_AS(keel::summarize_risk(h, u, o), keel::insufficient_data);
  // Limits parsing.
  CHECK_THROWS_AS(keel::parse_limit_metric("max_leverage"), keel::invalid_input);
  CHECK_THROWS_WITH(keel::parse_limit_metric("max_leverage"),
                    Contains("max_leverage") && Contains("max_gross_leverage"));
  CHECK_THROWS_WITH(keel::parse_limit_severity("soft"), Contains("soft"));
  CHECK(keel::parse_limit_severity("") == keel::limit_severity::hard);
  CHECK(keel::parse_limit_metric(keel::limit_metric_name(keel::limit_metric::max_drawdown)) ==
        keel::limit_metric::max_drawdown);
  CHECK(keel::limit_severity_name(keel::limit_severity::warning) == "warning");
  const std::vector<keel::risk_limit> nan_limit = {
      {keel::limit_metric::max_beta, std::numeric_limits<double>::quiet_NaN()}};
  CHECK_THROWS_WITH(keel::evaluate_limits(nan_limit, keel::limit_values{}), Contains("limits[0].limit"));
}

TEST_CASE("risk_snapshot: a bad price anywhere up to as_of is named, or its symbol excluded", "[snapshot]") {
  const auto p = dow_prices();
  const auto o = dow_options();
  const std::vector<keel::holding> h = {{"IBM", 100, "IT"}, {"MSFT", 100, "IT"}};
  const auto j = p.index_of("MSFT");
  // Row 3, years before the estimation window: a zero price is not "too little history" and
  // is not skipped; the error names the symbol, its row, its date and the price.
  const auto date3 = keel::format_date(p.dates[3]);
  for (const double bad : {0.0, -12.5, std::numeric_limits<double>::infinity()}) {
    auto q = p;
    q.prices(3, j) = bad;
    CHECK_THROWS_AS(keel::prepare_universe(q, o), keel::invalid_input);
    CHECK_THROWS_WITH(keel::risk_snapshot(h, q, o),
                      Contains("MSFT[3] on " + date3) && Contains(keel::detail::number_text(bad)));
    if (bad == 0)
      CHECK_THROWS_WITH(keel::prepare_universe(q, o),
                        Equals("prepare_universe: MSFT[3] on " + date3 + " = 0 is not positive"));
    // The lenient mode: MSFT is unusable with that same text, the rest computed as before.
    auto lenient = o;
    lenient.bad_prices = keel::bad_price_rule::exclude;
    const auto u = keel::prepare_universe(q, lenient);
    CHECK_FALSE(u.usable[static_cast<std::size_t>(j)]);
    CHECK_THAT(u.reasons[static_cast<std::size_t>(j)], Contains("MSFT[3] on " + date3));
    const auto clean = keel::prepare_universe(p, o);
    const auto ibm = static_cast<std::size_t>(p.index_of("IBM"));
    CHECK(u.usable[ibm]);
    CHECK(u.betas[ibm].beta == clean.betas[ibm].beta);
    CHECK_THROWS_AS(keel::summarize_risk(h, u, lenient), keel::insufficient_data);
  }
  // A missing (NaN) price before the window is not an error: the symbol is computed as before.
  auto gap = p;
  gap.prices(3, j) = std::numeric_limits<double>::quiet_NaN();
  CHECK(keel::prepare_universe(gap, o).usable[static_cast<std::size_t>(j)]);
  // A bad price after as_of is not looked at.
  auto later = p;
  later.prices(later.prices.rows() - 1, j) = 0;
  auto early = o;
  early.as_of = p.dates[p.dates.size() - 2];
  CHECK(keel::prepare_universe(later, early).usable[static_cast<std::size_t>(j)]);
  // The market's bad price is an error in both modes.
  auto market_bad = p;
  market_bad.prices(5, p.index_of(o.market)) = -1;
  auto lenient = o;
  lenient.bad_prices = keel::bad_price_rule::exclude;
  CHECK_THROWS_AS(keel::prepare_universe(market_bad, lenient), keel::invalid_input);
  CHECK_THROWS_WITH(keel::prepare_universe(market_bad, lenient), Contains("the market: " + o.market + "[5]"));
  auto odd = o;
  odd.bad_prices = static_cast<keel::bad_price_rule>(7);
  CHECK_THROWS_WITH(keel::prepare_universe(p, odd), Contains("bad_prices"));
}

TEST_CASE("risk_snapshot: an optimiser with no answer for the book gives its reason, not a failure", "[snapshot]") {
  // Three assets that all fall over the window: no long-only portfolio earns more than rf = 0,
  // so max_sharpe has no answer; the others do, and the snapshot still completes.
  keel::price_table t;
  const std::ptrdiff_t days = 121;
  t.symbols = {"AAA", "BBB", "CCC", "MKT"};
  t.prices.resize(days, 4);
  std::chrono::sys_days d =
      std::chrono::year_month_day{std::chrono::year{2024}, std::chrono::January, std::chrono::day{1}};
  for (std::ptrdiff_t k = 0; k < days; ++k, d += std::chrono::days{1}) {
    t.dates.emplace_back(d);
    const double x = static_cast<double>(k);
    t.prices(k, 0) = 100 * std::exp(-0.002 * x + 0.01 * std::sin(0.9 * x));
    t.prices(k, 1) = 50 * std::exp(-0.001 * x + 0.015 * std::cos(1.3 * x));
    t.prices(k, 2) = 20 * std::exp(-0.003 * x + 0.02 * std::sin(2.1 * x + 1));
    t.prices(k, 3) = (t.prices(k, 0) + t.prices(k, 1) + t.prices(k, 2)) / 3;
  }
  keel::snapshot_options o{.market = "MKT", .window = 120};
  o.mc_paths = 1000;
  const std::vector<keel::holding> h = {{"AAA", 10, "X"}, {"BBB", 20, "Y"}, {"CCC", 30, "Z"}};
  const auto s = keel::risk_snapshot(h, t, o);
  const auto& rows = s.construction.portfolios;
  const auto it = std::find_if(rows.begin(), rows.end(), [](const auto& a) { return a.name == "maximum Sharpe"; });
  REQUIRE(it != rows.end());
  CHECK_THAT(it->reason, Contains("max_sharpe"));
  CHECK(it->weights.size() == 0);
  CHECK(it->volatility == 0);
  for (const auto& a : rows)
    if (a.name != "maximum Sharpe") CHECK(a.reason.empty());
  const auto ref = recompute(t, h, o.market, o.window);
  check_construction(s, ref, o);
  check_cvar_frontier(s, ref, o);  // every mean negative: the frontier still exists
}

TEST_CASE("risk_snapshot: one asset's mean-CVaR frontier is one point, the asset itself", "[snapshot]") {
  // min_cvar's return is then the largest mean: the documented single point.
  const auto p = dow_prices();
  auto o = dow_options();
  o.mc_paths = 1000;
  const std::vector<keel::holding> h = {{"IBM", 100, "IT"}};
  const auto s = keel::risk_snapshot(h, p, o);
  const auto& c = s.construction;
  REQUIRE(c.cvar_frontier_reason.empty());
  REQUIRE(c.cvar_frontier.size() == 1);
  const auto& point = c.cvar_frontier[0];
  REQUIRE(point.weights.size() == 1);
  CHECK(point.weights(0) == 1);
  const auto& current = c.portfolios.at(0);
  CHECK(current.name == "current");
  CHECK(point.cvar_95 == current.cvar_95_lp);
  CHECK(point.expected_return == current.expected_return);
  CHECK(close(point.volatility, current.volatility, 1e-15));
  const auto ref = recompute(p, h, o.market, o.window);
  std::vector<ld> r(ref.assets[0].begin(), ref.assets[0].end());
  CHECK(close(point.cvar_95, static_cast<double>(tail_cvar(r)), 1e-11));
}

TEST_CASE("risk_snapshot: no mean-CVaR frontier beyond 100 positions, its reason instead", "[snapshot]") {
  // 101 assets on a one-factor path: every row keeps its LP-convention CVaR.
  keel::price_table t;
  const std::ptrdiff_t days = 151, assets = 101;
  std::chrono::sys_days d =
      std::chrono::year_month_day{std::chrono::year{2024}, std::chrono::January, std::chrono::day{1}};
  std::vector<keel::holding> h;
  for (std::ptrdiff_t j = 0; j < assets; ++j) {
    t.symbols.push_back("A" + std::to_string(j));
    h.push_back({t.symbols.back(), 10.0 + static_cast<double>(j % 7), "X"});
  }
  t.symbols.push_back("MKT");
  t.prices.resize(days, assets + 1);
  for (std::ptrdiff_t k = 0; k < days; ++k, d += std::chrono::days{1}) {
    t.dates.emplace_back(d);
    const double x = static_cast<double>(k);
    t.prices(k, assets) = 100 * std::exp(0.01 * std::sin(0.7 * x));
    for (std::ptrdiff_t j = 0; j < assets; ++j) {
      const double y = static_cast<double>(j);
      t.prices(k, j) = (50 + y) * std::exp(0.0005 * x + (0.5 + 0.01 * y) * 0.01 * std::sin(0.7 * x) +
                                           0.01 * std::sin(1.3 * x * (1 + 0.1 * y) + y));
    }
  }
  keel::snapshot_options o{.market = "MKT", .window = 150};
  o.mc_paths = 1000;
  o.frontier_points = 0;
  const auto s = keel::risk_snapshot(h, t, o);
  CHECK(s.construction.cvar_frontier.empty());
  CHECK_THAT(s.construction.cvar_frontier_reason, Contains("not computed for 101 positions (at most 100"));
  const auto ref = recompute(t, h, o.market, o.window);
  for (const auto& a : s.construction.portfolios) {
    INFO(a.name);
    if (!a.reason.empty()) continue;
    std::vector<ld> r(ref.portfolio.size(), 0);
    for (std::size_t u = 0; u < r.size(); ++u)
      for (std::size_t i = 0; i < ref.assets.size(); ++i)
        r[u] += static_cast<ld>(a.weights(static_cast<Eigen::Index>(i))) * ref.assets[i][u];
    CHECK(close(a.cvar_95_lp, static_cast<double>(tail_cvar(r)), 1e-11));
  }
}

TEST_CASE("risk_snapshot: progress reports sections in order up to 1", "[snapshot]") {
  const auto p = dow_prices();
  auto o = dow_options();
  o.mc_paths = 1000;
  std::vector<double> seen;
  o.progress = [&](std::string_view, double f) { seen.push_back(f); };
  const std::vector<keel::holding> h = {{"IBM", 100, "IT"}, {"KO", 300, "Staples"}};
  (void)keel::risk_snapshot(h, p, o);
  REQUIRE(!seen.empty());
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(seen.back() == 1.0);
}

TEST_CASE("risk_snapshot: us stocks 2020-2026 with SPY as the market", "[snapshot]") {
  const auto file = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!file) return;
  const auto p = keel::read_prices_csv(*file);
  const std::vector<keel::holding> h = {{"AAPL", 100, "Information Technology"},
                                        {"MSFT", 60, "Information Technology"},
                                        {"NVDA", 200, "Information Technology"},
                                        {"TSLA", -30, "Consumer Discretionary"},
                                        {"AMD", 80, "Information Technology"}};
  keel::snapshot_options o{.market = "SPY", .mc_paths = 20000};
  o.hedge = {"SPY", "QQQ"};
  const auto s = keel::risk_snapshot(h, p, o);
  check_snapshot(s, p, h, o);
  CHECK(s.positions[3].weight < 0);
}
