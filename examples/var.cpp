// SPDX-License-Identifier: MIT
// var: Value at Risk and expected shortfall of a portfolio, four ways, its largest risk
// contributors, a backtest of the last year and the built-in stress scenarios.
//
//   var [--prices PATH]... [--delimiter C] [--price-column NAME] [--portfolio FILE]
//       [--window N] [--paths N] [--seed N] [--threads N]
//
// The portfolio file is `symbol,quantity[,sector]` (default: examples/data/dow30_portfolio.csv,
// 18 Dow stocks); positions are valued at the last price. Risk is estimated on the last
// --window daily returns (default 500) and reported as a percent of the portfolio's value and
// in currency, for one day, at 95% and 99%.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/portfolio.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>
#include <keel/stress.hpp>
#include <keel/var.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

namespace {

using keel::holding;

// The sample mean and covariance (n - 1) of the returns panel, for the mean-covariance forms.
// TODO(covariance.hpp): use keel::sample_covariance once the volatility issue provides it.
void mean_and_covariance(const Eigen::MatrixXd& r, Eigen::VectorXd& mu, Eigen::MatrixXd& cov) {
  mu = r.colwise().mean().transpose();
  const Eigen::MatrixXd centred = r.rowwise() - mu.transpose();
  cov = centred.transpose() * centred / static_cast<double>(r.rows() - 1);
}

std::string money(double x) { return keel_example::fixed(x, 0); }

// The portfolio: positions valued at the last price, weights, and the returns panel.
struct book_data {
  std::vector<holding> holdings;
  std::vector<double> values, weights;
  double total = 0;
  keel::return_table all;  // every symbol's returns
  Eigen::MatrixXd panel;   // the positions' returns, T x N
  Eigen::MatrixXd recent;  // the last --window rows
  Eigen::VectorXd mu;      // sample mean of `recent`
  Eigen::MatrixXd cov;     // sample covariance of `recent`
};

book_data load_book(std::vector<holding> holdings, const keel::price_table& prices, std::ptrdiff_t window) {
  book_data b;
  b.holdings = std::move(holdings);
  b.all = keel::simple_returns(prices);
  const auto t = static_cast<std::ptrdiff_t>(b.all.dates.size());
  if (t < window)
    throw keel::insufficient_data(
        "the prices have " + std::to_string(t) + " returns, fewer than --window " + std::to_string(window), window, t);
  const auto n = static_cast<Eigen::Index>(b.holdings.size());
  b.panel.resize(t, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto& h = b.holdings[static_cast<std::size_t>(j)];
    const auto col = prices.index_of(h.symbol);
    b.values.push_back(h.quantity * prices.prices(prices.prices.rows() - 1, col));
    b.panel.col(j) = b.all.returns.col(col);
  }
  for (double v : b.values) b.total += v;
  if (!(b.total > 0))
    throw keel::invalid_input("the portfolio's value " + std::to_string(b.total) + " is not positive");
  for (double v : b.values) b.weights.push_back(v / b.total);
  b.recent = b.panel.bottomRows(window);
  mean_and_covariance(b.recent, b.mu, b.cov);
  return b;
}

void print_risk(std::ostream& out, const book_data& b, const keel::mc_options& mc_opts) {
  const keel::mc_result mc = keel::monte_carlo_var(b.weights, b.mu, b.cov, mc_opts);
  keel_example::table risk({"method", "VaR 95%", "CVaR 95%", "VaR 99%", "CVaR 99%"});
  const auto pct = [&](double x) { return keel_example::fixed(100 * x, 2) + "% " + money(x * b.total); };
  std::vector<std::string> row_p{"parametric (normal)"}, row_t{"parametric (t, 5 dof)"}, row_cf{"Cornish-Fisher"},
      row_h{"historical"}, row_mc{"Monte Carlo"};
  // One call per method returns VaR and CVaR at both levels (the portfolio's returns R w once).
  const std::vector<double> levels = {0.95, 0.99};
  const auto normal = keel::parametric_risk(b.weights, b.recent, {.confidence = levels});
  const auto t5 =
      keel::parametric_risk(b.weights, b.recent, {.confidence = levels, .distribution = keel::student_t{5}});
  const auto cf = keel::cornish_fisher_risk(b.weights, b.recent, {.confidence = levels});
  const auto hist = keel::historical_risk(b.weights, b.recent, {.confidence = levels});
  for (std::size_t l = 0; l < levels.size(); ++l) {
    row_p.push_back(pct(normal.vars[l]));
    row_p.push_back(pct(normal.cvars[l]));
    row_t.push_back(pct(t5.vars[l]));
    row_t.push_back(pct(t5.cvars[l]));
    row_cf.push_back(cf.monotone ? pct(cf.vars[l]) : "n/a (not monotone)");
    row_cf.push_back(cf.monotone ? pct(cf.cvars[l]) : "n/a");
    row_h.push_back(pct(hist.vars[l]));
    row_h.push_back(pct(hist.cvars[l]));
    row_mc.push_back(pct(mc.vars[l]));
    row_mc.push_back(pct(mc.cvars[l]));
  }
  for (auto* row : {&row_p, &row_t, &row_cf, &row_h, &row_mc}) risk.add(*row);
  risk.print(out);
  out << "(Monte Carlo: " << mc.paths << " normal paths on the sample covariance, seed " << mc_opts.seed
      << "; standard error of VaR 99% " << keel_example::fixed(100 * mc.var_stderrs[1], 3) << "%)\n\n";
}

// The largest contributors: Euler components of the parametric and historical 99% risk.
void print_contributors(std::ostream& out, const book_data& b) {
  const auto par = keel::parametric_component_var(b.weights, b.mu, b.cov, {.confidence = 0.99});
  const auto hist = keel::historical_component_var(b.weights, b.recent, {.confidence = 0.99});
  std::vector<std::size_t> order(b.holdings.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return par.component_vars[x] > par.component_vars[y]; });
  out << "Largest contributors to the 99% VaR (Euler allocation; shares of the total):\n";
  keel_example::table contrib({"symbol", "sector", "weight", "parametric VaR", "historical VaR", "historical CVaR"});
  for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
    const std::size_t i = order[k];
    contrib.add({b.holdings[i].symbol, b.holdings[i].sector, keel_example::fixed(100 * b.weights[i], 1) + "%",
                 keel_example::fixed(100 * par.component_vars[i] / par.var, 1) + "%",
                 keel_example::fixed(100 * hist.component_vars[i] / hist.var, 1) + "%",
                 keel_example::fixed(100 * hist.component_cvars[i] / hist.cvar, 1) + "%"});
  }
  contrib.print(out);
}

// Backtest: the 99% historical and parametric VaR of each of the last 250 days, from the
// --window returns before it.
void print_backtest(std::ostream& out, const book_data& b, std::ptrdiff_t window) {
  const auto t = b.panel.rows();
  const std::ptrdiff_t days = std::min<std::ptrdiff_t>(250, t - window);
  if (days < 2) return;
  const Eigen::VectorXd rp = b.panel * Eigen::Map<const Eigen::VectorXd>(b.weights.data(), b.panel.cols());
  std::vector<double> realised, hv, pv;
  for (std::ptrdiff_t d = t - days; d < t; ++d) {
    const std::span<const double> past(rp.data() + (d - window), static_cast<std::size_t>(window));
    hv.push_back(keel::historical_var(past, {.confidence = 0.99}));
    pv.push_back(keel::parametric_var(past, {.confidence = 0.99}));
    realised.push_back(rp(d));
  }
  out << "\nBacktest of the 99% VaR over the last " << days << " days (each from the " << window
      << " returns before it):\n";
  keel_example::table bt({"model", "breaches", "Kupiec p", "independence p", "coverage p", "Basel zone", "multiplier"});
  for (const auto& [name, series] : {std::pair<std::string, const std::vector<double>*>{"historical", &hv},
                                     std::pair<std::string, const std::vector<double>*>{"parametric", &pv}}) {
    const keel::var_backtest_result r = keel::var_backtest(realised, *series, {.confidence = 0.99});
    const char* zone = r.basel.zone == keel::basel_zone::green    ? "green"
                       : r.basel.zone == keel::basel_zone::yellow ? "yellow"
                                                                  : "red";
    bt.add({name, std::to_string(r.breaches), keel_example::fixed(r.kupiec.p_value, 3),
            keel_example::fixed(r.christoffersen.p_independence, 3),
            keel_example::fixed(r.christoffersen.p_conditional_coverage, 3), zone,
            keel_example::fixed(r.basel.multiplier, 2)});
  }
  bt.print(out);
}

// Stress: betas to the equal-weighted market of the price file over the window; each
// scenario's market move, and the historical replay where the prices cover its dates.
void print_stress(std::ostream& out, const book_data& b, const keel::price_table& prices, std::ptrdiff_t window) {
  const auto market = keel::equal_weighted_returns(prices);
  std::vector<keel::position> positions;
  for (std::size_t j = 0; j < b.holdings.size(); ++j) {
    const auto aligned = keel::align(keel_example::returns_of(prices, b.holdings[j].symbol), market);
    const auto offset = aligned.keys.size() - std::min(static_cast<std::size_t>(window), aligned.keys.size());
    const auto fit =
        keel::market_beta(std::span(aligned.first).subspan(offset), std::span(aligned.second).subspan(offset));
    positions.push_back({.symbol = b.holdings[j].symbol, .value = b.values[j], .beta = fit.beta});
  }
  const std::vector<keel::scenario> scenarios = keel::builtin_scenarios();
  const keel::stress_result st = keel::stress_test(positions, scenarios);
  out << "\nStress scenarios (S&P 500 moves; beta to the equal-weighted market; replay: the stocks' own prices):\n";
  keel_example::table stress({"scenario", "dates", "market", "P&L (beta)", "P&L (replay)"});
  for (std::size_t k = 0; k < scenarios.size(); ++k) {
    const auto& s = scenarios[k];
    const std::string dates =
        s.start ? keel::format_date(*s.start) + " to " + keel::format_date(*s.end) : "hypothetical";
    std::string replay;
    if (s.start) {
      const keel::replay_result r = keel::historical_replay(positions, prices, s);
      replay = std::all_of(r.from_prices.begin(), r.from_prices.end(), [](bool own) { return own; })
                   ? money(r.total) + " (" + keel_example::percent(r.total / b.total) + ")"
                   : "no prices";
    }
    stress.add({s.name, dates, keel_example::percent(s.market_return),
                money(st.totals[k]) + " (" + keel_example::percent(st.totals[k] / b.total) + ")", replay});
  }
  stress.print(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Value at Risk and CVaR of a portfolio (parametric, Cornish-Fisher, historical, Monte Carlo)\n"
      "at 95% and 99% for one day, its largest contributors (Euler allocation), a backtest of\n"
      "the last 250 days and the built-in stress scenarios.",
      "var"};
  keel_example::price_source source;
  std::string portfolio_path = keel_example::bundled_file("dow30_portfolio.csv").string();
  std::ptrdiff_t window = 500, paths = 100'000;
  std::uint64_t seed = 1;
  int threads = 1;
  keel_example::add_price_options(app, source);
  app.add_option("--portfolio", portfolio_path, "the portfolio file: symbol,quantity[,sector] (default: bundled)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--window", window, "daily returns the estimates use, at least 30")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(30));
  app.add_option("--paths", paths, "Monte Carlo paths, at least 100")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(100));
  app.add_option("--seed", seed, "Monte Carlo seed")->type_name("N")->capture_default_str();
  app.add_option("--threads", threads, "Monte Carlo threads (default 1; 0: all cores)")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(0));

  return keel_example::run(app, argc, argv, [&] {
    const keel::price_table prices = keel_example::load_prices(source);
    const book_data b = load_book(keel::read_holdings(std::filesystem::path(portfolio_path)), prices, window);
    std::ostringstream out;  // printed whole, so that an error leaves stdout empty
    const auto t = static_cast<std::ptrdiff_t>(b.all.dates.size());
    out << b.holdings.size() << " positions, value " << money(b.total) << " on "
        << keel::format_date(prices.dates.back()) << "; last " << window << " daily returns ("
        << keel::format_date(b.all.dates[static_cast<std::size_t>(t - window)]) << " to "
        << keel::format_date(b.all.dates.back()) << ")\n\n";
    print_risk(out, b, {.paths = paths, .seed = seed, .threads = threads});
    print_contributors(out, b);
    print_backtest(out, b, window);
    print_stress(out, b, prices, window);
    std::cout << out.str();
  });
}
