// SPDX-License-Identifier: MIT
// backtest: walk-forward comparison of allocation strategies on a price file (keel::walk_forward),
// one table, an SVG of the value curves and drawdowns, and a keel-report-style HTML page.
//
//   backtest [--prices PATH]... [--delimiter C] [--price-column NAME] [--symbols A,B,...]
//            [--strategies equal-weight,min-variance,...] [--window N] [--frequency monthly]
//            [--cost-bps B] [--band W] [--execution close|next-close] [--benchmark SYMBOL]
//            [--override-signal SYMBOL] [--override-drawdown D] [--override-release R]
//            [--bootstrap N] [--svg FILE] [--html FILE] [--threads N]
//
// The assets are the chosen columns (every column by default) on the dates where all of them
// have a price. Every strategy starts on the same date: the first on which the longest
// estimation window (--window return rows) is covered. "override" is equal weights with a
// risk override: when the drawdown of --override-signal (default: the equal-weighted average
// of the assets) exceeds --override-drawdown it moves to cash (weights 0, the budget then
// free) and returns when the drawdown is below --override-release; its switches are listed
// with their dates and reasons. --bootstrap N adds each Sharpe ratio's 95% interval from N
// stationary-bootstrap replicates (mean block 21 days).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/backtest.hpp>
#include <keel/csv.hpp>
#include <keel/series.hpp>
#include <keel/version.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"
#include "support/svg.hpp"

namespace {

/// The chosen columns on the rows where every one has a price.
keel::price_table complete_rows(const keel::price_table& all, std::vector<std::string> symbols) {
  if (symbols.empty()) symbols = all.symbols;
  std::vector<Eigen::Index> columns;
  for (const auto& s : symbols) columns.push_back(all.index_of(s));
  keel::price_table out;
  out.symbols = symbols;
  std::vector<Eigen::Index> rows;
  for (Eigen::Index t = 0; t < all.prices.rows(); ++t)
    if (std::all_of(columns.begin(), columns.end(), [&](Eigen::Index j) { return std::isfinite(all.prices(t, j)); }))
      rows.push_back(t);
  out.prices.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.dates.push_back(all.dates[static_cast<std::size_t>(rows[i])]);
    for (std::size_t j = 0; j < columns.size(); ++j)
      out.prices(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = all.prices(rows[i], columns[j]);
  }
  return out;
}

keel::rebalance_frequency frequency_of(const std::string& f) {
  static const std::map<std::string, keel::rebalance_frequency> m{{"daily", keel::rebalance_frequency::daily},
                                                                  {"weekly", keel::rebalance_frequency::weekly},
                                                                  {"monthly", keel::rebalance_frequency::monthly},
                                                                  {"quarterly", keel::rebalance_frequency::quarterly},
                                                                  {"annually", keel::rebalance_frequency::annually}};
  const auto it = m.find(f);
  if (it == m.end())
    throw keel_example::usage_error("--frequency: '" + f + "' is not daily, weekly, monthly, quarterly or annually");
  return it->second;
}

struct settings {
  std::ptrdiff_t window = 252;
  std::string override_signal;
  double override_drawdown = 0.10, override_release = 0.05;
};

keel::strategy make(const std::string& name, const settings& s) {
  const keel::estimation_options e{.window = s.window};
  if (name == "equal-weight") return keel::equal_weight_strategy();
  if (name == "buy-and-hold") return keel::buy_and_hold_strategy();
  if (name == "min-variance") return keel::min_variance_strategy(e);
  if (name == "max-sharpe") return keel::max_sharpe_strategy(e);
  if (name == "risk-parity") return keel::risk_parity_strategy(e);
  if (name == "hrp") return keel::hrp_strategy(e);
  if (name == "max-diversification") return keel::max_diversification_strategy(e);
  if (name == "min-cvar") return keel::min_cvar_strategy(e);
  if (name == "override") {
    keel::strategy cash{.name = "cash", .target = [](const keel::backtest_view& v) -> Eigen::VectorXd {
                          return Eigen::VectorXd::Zero(v.assets());
                        }};
    auto o = keel::risk_override_strategy(keel::equal_weight_strategy(), cash,
                                          {.rules = {{.metric = keel::override_metric::drawdown,
                                                      .trigger = s.override_drawdown,
                                                      .release = s.override_release}},
                                           .signal = s.override_signal});
    o.name = "equal weight with override";
    return o;
  }
  throw keel_example::usage_error("--strategies: '" + name + "' is not a strategy");
}

/// Days since 1970 of each date (the SVG's x).
std::vector<double> days_of(const std::vector<std::chrono::year_month_day>& dates) {
  std::vector<double> x;
  for (const auto& d : dates) x.push_back(keel_example::day_number(d));
  return x;
}

const char* color(std::size_t i) {
  static const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return palette[i % 10];
}

/// Value curves (growth of 1) and drawdowns, one SVG each.
std::pair<keel_example::svg_plot, keel_example::svg_plot> plots(const keel::walk_forward_result& w) {
  keel_example::svg_plot value({.width = 900, .height = 380, .title = "Growth of 1", .id = "values"});
  keel_example::svg_plot dd({.width = 900, .height = 300, .title = "Drawdown", .id = "drawdowns"});
  const auto xs = days_of(w.results.front().dates);
  double lo = 1, hi = 1, deepest = 0;
  std::vector<std::vector<double>> growth, drawdown;
  for (const auto& r : w.results) {
    std::vector<double> g, d;
    double peak = 0;
    for (const double v : r.values) {
      g.push_back(v / r.initial_value);
      peak = std::max(peak, v);
      d.push_back(v / peak - 1);
    }
    lo = std::min(lo, *std::min_element(g.begin(), g.end()));
    hi = std::max(hi, *std::max_element(g.begin(), g.end()));
    deepest = std::min(deepest, *std::min_element(d.begin(), d.end()));
    growth.push_back(std::move(g));
    drawdown.push_back(std::move(d));
  }
  value.set_range(xs.front(), xs.back(), lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo));
  value.axes("date", "value", keel_example::tick_style::date, keel_example::tick_style::plain);
  dd.set_range(xs.front(), xs.back(), 1.05 * deepest, 0);
  dd.axes("date", "drawdown", keel_example::tick_style::date, keel_example::tick_style::percent);
  for (std::size_t i = 0; i < growth.size(); ++i) {
    value.line(xs, growth[i], color(i), 1.6);
    value.legend(w.results[i].strategy, color(i));
    dd.line(xs, drawdown[i], color(i), 1.2);
  }
  return {std::move(value), std::move(dd)};
}

void html_page(std::ostream& out, const std::string& heading, const keel_example::table& t,
               const std::vector<std::string>& notes, const keel::walk_forward_result& w) {
  const auto [value, dd] = plots(w);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
      << "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"UTF-8\"/>\n"
      << "<title>keel backtest</title>\n<style>body{font-family:sans-serif;margin:2em}"
      << "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}"
      << "td:first-child,th:first-child{text-align:left}tr:nth-child(even){background:#f2f2f2}</style>\n"
      << "</head>\n<body>\n<h1>Backtest</h1>\n<p>" << keel_example::xml_escape(heading) << "</p>\n<table>\n";
  const auto& rows = t.rows();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out << "<tr>";
    for (const auto& c : rows[i])
      out << (i == 0 ? "<th>" : "<td>") << keel_example::xml_escape(c) << (i == 0 ? "</th>" : "</td>");
    out << "</tr>\n";
  }
  out << "</table>\n";
  if (!notes.empty()) {
    out << "<ul>\n";
    for (const auto& n : notes) out << "<li>" << keel_example::xml_escape(n) << "</li>\n";
    out << "</ul>\n";
  }
  value.write_inline(out);
  dd.write_inline(out);
  out << "<p>keel " << KEEL_VERSION_MAJOR << "." << KEEL_VERSION_MINOR << "." << KEEL_VERSION_PATCH
      << "</p>\n</body>\n</html>\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Walk-forward comparison of allocation strategies on a price file (keel::walk_forward):\n"
      "every strategy on the same dates, one table, value curves and drawdowns as SVG or HTML.",
      "backtest"};
  keel_example::price_source source;
  std::vector<std::string> symbols,
      strategies{"equal-weight", "buy-and-hold", "min-variance", "risk-parity", "hrp", "override"};
  settings set;
  std::string frequency = "monthly", execution = "close", benchmark, svg_path, html_path;
  double cost_bps = 0, band = 0;
  std::ptrdiff_t bootstrap = 0;
  int threads = 1;
  keel_example::add_price_options(app, source);
  app.add_option("--symbols", symbols, "the assets (default: every column)")->type_name("A,B,...")->delimiter(',');
  app.add_option("--strategies", strategies,
                 "equal-weight, buy-and-hold, min-variance, max-sharpe, risk-parity, hrp, max-diversification, "
                 "min-cvar, override")
      ->type_name("A,B,...")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--window", set.window, "return rows of each estimation window")
      ->capture_default_str()
      ->check(keel_example::at_least(2));
  app.add_option("--frequency", frequency, "daily, weekly, monthly, quarterly or annually (last trading day)")
      ->capture_default_str();
  app.add_option("--cost-bps", cost_bps, "proportional cost, basis points of each trade")->capture_default_str();
  app.add_option("--band", band, "trade only when some weight drifts this far from its target (absolute)")
      ->capture_default_str();
  app.add_option("--execution", execution, "close (the decision's close) or next-close (one-day lag)")
      ->capture_default_str();
  app.add_option("--benchmark", benchmark, "a symbol of the price file to compare with (its buy-and-hold)");
  app.add_option("--override-signal", set.override_signal,
                 "the override's signal symbol (default: equal-weighted average)");
  app.add_option("--override-drawdown", set.override_drawdown, "the override's drawdown trigger")
      ->capture_default_str();
  app.add_option("--override-release", set.override_release, "the override's release level")->capture_default_str();
  app.add_option("--bootstrap", bootstrap, "stationary-bootstrap replicates of each Sharpe ratio (0: none)")
      ->capture_default_str();
  app.add_option("--svg", svg_path, "write the value curves to FILE (an .svg)")->type_name("FILE");
  app.add_option("--html", html_path, "write a page with the table and charts to FILE")->type_name("FILE");
  app.add_option("--threads", threads, "strategies run in parallel (0: all cores)")->capture_default_str();

  return keel_example::run(app, argc, argv, [&] {
    if (execution != "close" && execution != "next-close")
      throw keel_example::usage_error("--execution: '" + execution + "' is not close or next-close");
    const keel::price_table all = keel_example::load_prices(source);
    std::vector<std::string> chosen = symbols;
    const keel::price_table prices = complete_rows(all, chosen);
    std::vector<keel::strategy> list;
    for (const auto& name : strategies) list.push_back(make(name, set));
    keel::walk_forward_options o;
    o.backtest.frequency = frequency_of(frequency);
    o.backtest.execution = execution == "close" ? keel::execution_price::close : keel::execution_price::next_close;
    if (cost_bps != 0) o.backtest.cost_bps = {cost_bps};
    o.backtest.band = keel::drift_band(band);
    if (std::find(strategies.begin(), strategies.end(), "override") != strategies.end())
      o.backtest.budget = keel::budget_rule::none;  // the override's cash allocation sums to 0
    o.benchmark = benchmark;
    o.threads = threads;
    const auto w = keel::walk_forward(prices, list, o);
    std::vector<std::string> header{"strategy", "final",  "CAGR",   "vol",         "Sharpe",
                                    "Sortino",  "max DD", "Calmar", "turnover/yr", "costs"};
    if (!benchmark.empty()) header.insert(header.end(), {"excess", "IR", "beta"});
    if (bootstrap > 0) header.push_back("Sharpe 95%");
    keel_example::table t(header);
    for (std::size_t i = 0; i < w.results.size(); ++i) {
      const auto& r = w.results[i];
      const auto& s = w.statistics[i];
      std::vector<std::string> row{r.strategy,
                                   keel_example::fixed(r.values.back() / r.initial_value, 3),
                                   keel_example::percent(s.annual_return),
                                   keel_example::percent(s.annual_volatility),
                                   keel_example::fixed(s.sharpe, 2),
                                   keel_example::fixed(s.sortino, 2),
                                   keel_example::percent(-s.max_drawdown),
                                   keel_example::fixed(s.calmar, 2),
                                   keel_example::fixed(s.turnover, 2),
                                   keel_example::percent(s.costs, 3)};
      if (!benchmark.empty())
        row.insert(row.end(), {keel_example::percent(s.excess_return), keel_example::fixed(s.information_ratio, 2),
                               keel_example::fixed(s.beta, 2)});
      if (bootstrap > 0) {
        const auto b = keel::bootstrap_statistics(r.returns, {}, {.samples = bootstrap, .threads = threads});
        row.push_back(keel_example::fixed(b.sharpe.lower, 2) + " .. " + keel_example::fixed(b.sharpe.upper, 2));
      }
      t.add(row);
    }
    std::vector<std::string> notes;
    for (const auto& r : w.results)
      for (const auto& e : r.rebalances)
        if (e.reason.find("defensive:") != std::string::npos || e.reason.find("back to normal") != std::string::npos)
          notes.push_back(r.strategy + ", " + e.reason);
    const auto& d = w.results.front().dates;
    std::ostringstream heading;
    heading << keel_example::describe(source) << ": " << prices.symbols.size() << " assets, "
            << keel::format_date(d.front()) << " .. " << keel::format_date(d.back()) << " (" << d.size() << " days), "
            << frequency << " rebalancing at the " << (execution == "close" ? "decision's close" : "next close")
            << ", window " << set.window << ", costs " << cost_bps << " bp"
            << (benchmark.empty() ? std::string() : ", benchmark " + benchmark);
    // Written only once everything has run: an error leaves stdout empty.
    std::cout << heading.str() << "\n";
    t.print(std::cout);
    for (const auto& n : notes) std::cout << n << "\n";
    if (!svg_path.empty()) {
      std::ofstream file(svg_path, std::ios::binary);
      if (!file) throw keel_example::usage_error("--svg " + svg_path + ": cannot write the file");
      plots(w).first.write(file);
      std::cout << "wrote " << svg_path << "\n";
    }
    if (!html_path.empty()) {
      std::ofstream file(html_path, std::ios::binary);
      if (!file) throw keel_example::usage_error("--html " + html_path + ": cannot write the file");
      html_page(file, heading.str(), t, notes, w);
      std::cout << "wrote " << html_path << "\n";
    }
  });
}
