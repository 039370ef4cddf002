// SPDX-License-Identifier: MIT
// frontier: the exact mean-variance efficient frontier of a price file, printed and drawn.
//
//   frontier [--prices PATH]... [--delimiter C] [--price-column NAME] [--symbols A,B,...]
//            [--bounds long-only|LO,HI] [--sectors FILE --max-sector W] [--points N]
//            [--risk-free R] [--periods-per-year N] [--svg FILE]
//            [--objective NAME] [--confidence C]
//
// --objective builds one more portfolio beside the frontier with keel/construction.hpp (or
// markowitz.hpp), prints it with its own figures and marks it on the SVG: min-variance,
// max-sharpe, risk-parity (equal risk contribution), hrp, herc, max-diversification,
// min-tracking-error (to the equal-weight benchmark), min-cvar (at --confidence, over the
// daily scenarios; also prints the mean-CVaR frontier), min-cdar (at --confidence, over the
// last 250 days: its exact LP grows as T^3). HRP and HERC take the returns with their gaps
// (pairwise, as pandas); min-cvar and min-cdar the days on which every symbol has a return.
//
// Expected returns are keel::mean_historical_return (geometric), the covariance
// keel::sample_covariance of simple returns with pairwise missing values, both annualised by
// --periods-per-year. The sectors file is a CSV with columns symbol,sector; --max-sector caps
// each sector's total weight. The SVG shows the frontier, each asset as a labelled dot, the
// minimum-variance and maximum-Sharpe portfolios and the capital market line.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>
#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>
#include <keel/series.hpp>
#include <keel/volatility.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"
#include "support/svg.hpp"

namespace {

/// --bounds: "long-only" or "LO,HI".
keel::weight_bounds parse_bounds(const std::string& text) {
  if (text == "long-only") return keel::weight_bounds::long_only();
  const auto comma = text.find(',');
  try {
    if (comma != std::string::npos) {
      std::size_t used_lo = 0, used_hi = 0;
      const double lo = std::stod(text.substr(0, comma), &used_lo);
      const double hi = std::stod(text.substr(comma + 1), &used_hi);
      if (used_lo == comma && used_hi == text.size() - comma - 1) return {lo, hi};
    }
  } catch (const std::exception&) {
  }
  throw keel_example::usage_error("--bounds '" + text + "' is not long-only or LO,HI (e.g. -1,1)");
}

std::string weights_line(const Eigen::VectorXd& w, const std::vector<std::string>& symbols) {
  std::vector<std::size_t> order(symbols.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::fabs(w(static_cast<Eigen::Index>(a))) > std::fabs(w(static_cast<Eigen::Index>(b)));
  });
  std::string out;
  for (std::size_t i : order) {
    const double v = w(static_cast<Eigen::Index>(i));
    if (std::fabs(v) < 5e-5) continue;
    out += (out.empty() ? "" : " ") + symbols[i] + " " + keel_example::fixed(100 * v, 1) + "%";
  }
  return out;
}

/// The --objective names, in the order --help lists them.
const std::vector<std::string> objective_names = {
    "frontier", "min-variance",        "max-sharpe",         "risk-parity", "hrp",
    "herc",     "max-diversification", "min-tracking-error", "min-cvar",    "min-cdar"};

/// The portfolio of --objective and the lines that describe it beyond return and volatility.
struct objective_result {
  Eigen::VectorXd weights;
  std::vector<std::string> figures;
};

/// The rows of `returns` on which every column has a value (min-cvar's scenarios).
Eigen::MatrixXd complete_rows(const Eigen::MatrixXd& returns) {
  std::vector<Eigen::Index> keep;
  for (Eigen::Index t = 0; t < returns.rows(); ++t)
    if (returns.row(t).allFinite()) keep.push_back(t);
  Eigen::MatrixXd out(static_cast<Eigen::Index>(keep.size()), returns.cols());
  for (std::size_t k = 0; k < keep.size(); ++k) out.row(static_cast<Eigen::Index>(k)) = returns.row(keep[k]);
  return out;
}

objective_result build_objective(const std::string& name, const Eigen::VectorXd& mu, const Eigen::MatrixXd& cov,
                                 const Eigen::MatrixXd& returns, const keel::portfolio_constraints& constraints,
                                 const std::vector<std::string>& symbols, double confidence, double rf,
                                 std::ptrdiff_t points) {
  objective_result out;
  if (name == "min-variance") {
    out.weights = keel::min_variance(cov, constraints).weights;
  } else if (name == "max-sharpe") {
    out.weights = keel::max_sharpe(mu, cov, constraints, {.risk_free = rf}).weights;
  } else if (name == "risk-parity") {
    out.weights = keel::risk_budgeting(cov, {.constraints = constraints}).weights;
    const auto rc = keel::risk_contributions(out.weights, cov);
    out.figures.push_back("risk contributions from " + keel_example::percent(rc.fractions.minCoeff()) + " to " +
                          keel_example::percent(rc.fractions.maxCoeff()) + " of the volatility (budget " +
                          keel_example::percent(1.0 / static_cast<double>(mu.size())) + " each where no bound binds)");
  } else if (name == "hrp" || name == "herc") {
    const auto h = name == "hrp"
                       ? keel::hierarchical_risk_parity(
                             returns, {.bounds = constraints.bounds, .missing = keel::missing_data::pairwise})
                       : keel::hierarchical_equal_risk_contribution(
                             returns, {.bounds = constraints.bounds, .missing = keel::missing_data::pairwise});
    out.weights = h.weights;
    std::string order;
    for (const auto i : h.order) order += (order.empty() ? "" : " ") + symbols[static_cast<std::size_t>(i)];
    out.figures.push_back("quasi-diagonal order: " + order);
  } else if (name == "max-diversification") {
    const auto d = keel::max_diversification(cov, constraints);
    out.weights = d.weights;
    out.figures.push_back("diversification ratio " + keel_example::fixed(d.diversification_ratio, 4));
  } else if (name == "min-tracking-error") {
    const Eigen::VectorXd benchmark = Eigen::VectorXd::Constant(mu.size(), 1.0 / static_cast<double>(mu.size()));
    const auto t = keel::min_tracking_error(cov, benchmark, constraints);
    out.weights = t.weights;
    out.figures.push_back("tracking error to the equal-weight benchmark " + keel_example::percent(t.tracking_error) +
                          " (annualised)");
  } else if (name == "min-cvar") {
    const Eigen::MatrixXd scenarios = complete_rows(returns);
    const keel::cvar_options o{.confidence = confidence, .constraints = constraints};
    const auto c = keel::min_cvar(scenarios, o);
    out.weights = c.portfolio.weights;
    out.figures.push_back(std::to_string(scenarios.rows()) + " daily scenarios; CVaR " + keel_example::percent(c.cvar) +
                          ", VaR " + keel_example::percent(c.var) + " at " + keel_example::percent(confidence, 0) +
                          ", 1 day");
    // The mean-CVaR frontier: least CVaR at evenly spaced returns from min-CVaR's to the largest.
    const double low = mu.dot(c.portfolio.weights);
    const double high = keel::efficient_cvar_risk(mu, scenarios, 1.0, o).portfolio.expected_return;
    out.figures.push_back("mean-CVaR frontier (return, 1-day CVaR):");
    const std::ptrdiff_t rows = std::min<std::ptrdiff_t>(points, 11);
    for (std::ptrdiff_t k = 0; k < rows; ++k) {
      const double target = low + (high - low) * static_cast<double>(k) / static_cast<double>(rows - 1);
      const auto p = keel::efficient_cvar_return(mu, scenarios, target, o);
      out.figures.push_back("  " + keel_example::percent(p.portfolio.expected_return) + "  " +
                            keel_example::percent(p.cvar));
    }
  } else if (name == "min-cdar") {
    const Eigen::MatrixXd all = complete_rows(returns);
    const Eigen::Index days = std::min<Eigen::Index>(all.rows(), 250);
    const Eigen::MatrixXd path = all.bottomRows(days);
    const auto c = keel::min_cdar(path, {.confidence = confidence, .constraints = constraints});
    out.weights = c.portfolio.weights;
    out.figures.push_back("the last " + std::to_string(days) + " days; CDaR " + keel_example::percent(c.cdar) +
                          ", DaR " + keel_example::percent(c.dar) + " at " + keel_example::percent(confidence, 0) +
                          " (drawdowns of the uncompounded cumulative return)");
  } else {
    throw keel_example::usage_error("--objective '" + name + "' is not one of the names --help lists");
  }
  return out;
}

void write_svg(const std::string& path, const keel::frontier<double>& f, const Eigen::VectorXd& mu,
               const Eigen::MatrixXd& cov, const std::vector<std::string>& symbols, double rf,
               const std::string& objective, const Eigen::VectorXd& objective_weights) {
  double xmax = 0, ymin = std::min(0.0, rf), ymax = rf;
  for (Eigen::Index i = 0; i < mu.size(); ++i) {
    xmax = std::max(xmax, std::sqrt(cov(i, i)));
    ymin = std::min(ymin, mu(i));
    ymax = std::max(ymax, mu(i));
  }
  for (const auto& p : f.points) {
    xmax = std::max(xmax, p.volatility);
    ymax = std::max(ymax, p.expected_return);
  }
  keel_example::svg_plot plot({.width = 760, .height = 520, .title = "Efficient frontier"});
  plot.set_range(0, 1.08 * xmax, ymin - 0.05 * (ymax - ymin), ymax + 0.08 * (ymax - ymin));
  plot.axes("volatility (annualised)", "expected return (annualised)", keel_example::tick_style::percent);
  std::vector<double> xs, ys;
  for (const auto& p : f.points) {
    xs.push_back(p.volatility);
    ys.push_back(p.expected_return);
  }
  plot.line(xs, ys, "#1f77b4", 2.5);
  plot.legend("efficient frontier", "#1f77b4");
  if (f.max_sharpe && f.max_sharpe->volatility > 0) {
    const double slope = f.max_sharpe->sharpe, x1 = 1.08 * xmax;
    plot.line({0.0, x1}, {rf, rf + slope * x1}, "#2ca02c", 1.5, true);
    plot.legend("capital market line", "#2ca02c", true);
  }
  for (Eigen::Index i = 0; i < mu.size(); ++i)
    plot.dot(std::sqrt(cov(i, i)), mu(i), symbols[static_cast<std::size_t>(i)], "#555555");
  plot.marker(f.min_variance.volatility, f.min_variance.expected_return, "minimum variance", "#ff7f0e",
              keel_example::marker_shape::diamond);
  if (f.max_sharpe)
    plot.marker(f.max_sharpe->volatility, f.max_sharpe->expected_return, "maximum Sharpe", "#d62728",
                keel_example::marker_shape::star);
  if (objective_weights.size() > 0)
    plot.marker(std::sqrt(objective_weights.dot(cov * objective_weights)), mu.dot(objective_weights), objective,
                "#9467bd", keel_example::marker_shape::square);
  std::ofstream out(path);
  if (!out) throw keel_example::usage_error("--svg " + path + ": cannot open for writing");
  plot.write(out);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "The exact mean-variance efficient frontier of the symbols' geometric mean returns and\n"
      "pairwise sample covariance (both annualised): its corner portfolios, the minimum-variance\n"
      "and maximum-Sharpe weights, and optionally an SVG picture.",
      "frontier"};
  keel_example::price_source source;
  std::vector<std::string> symbols;
  std::string bounds_text = "long-only", sectors_path, svg_path, objective = "frontier";
  double max_sector = 1, risk_free = 0, confidence = 0.95;
  std::ptrdiff_t points = 50;
  int periods_per_year = 252;
  keel_example::add_price_options(app, source);
  app.add_option("--symbols", symbols, "the symbols to use (default: all)")->type_name("A,B,...")->delimiter(',');
  app.add_option("--bounds", bounds_text, "weight bounds: long-only ([0, 1]) or LO,HI such as -1,1")
      ->type_name("B")
      ->capture_default_str();
  auto* sectors_option =
      app.add_option("--sectors", sectors_path, "a CSV with columns symbol,sector")->type_name("FILE");
  app.add_option("--max-sector", max_sector, "the largest total weight of one sector (with --sectors)")
      ->type_name("W")
      ->needs(sectors_option)
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--points", points, "frontier points printed and drawn, at least 2")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(2));
  app.add_option("--risk-free", risk_free, "annual risk-free rate for the Sharpe ratio (0.02 = 2%)")
      ->type_name("R")
      ->capture_default_str();
  keel_example::add_periods_per_year(app, periods_per_year);
  app.add_option("--svg", svg_path, "write the frontier as an SVG picture to FILE")->type_name("FILE");
  app.add_option("--objective", objective,
                 "also build this portfolio: min-variance, max-sharpe, risk-parity, hrp, herc, "
                 "max-diversification, min-tracking-error, min-cvar or min-cdar")
      ->type_name("NAME")
      ->capture_default_str()
      ->check(CLI::IsMember(objective_names));
  app.add_option("--confidence", confidence, "the CVaR or CDaR level of --objective min-cvar or min-cdar")
      ->type_name("C")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 0.9999));

  return keel_example::run(app, argc, argv, [&] {
    const keel::weight_bounds bounds = parse_bounds(bounds_text);
    const keel::price_table table = keel_example::load_prices(source);
    if (symbols.empty()) symbols = table.symbols;
    Eigen::MatrixXd prices(table.prices.rows(), static_cast<Eigen::Index>(symbols.size()));
    for (std::size_t j = 0; j < symbols.size(); ++j) {
      prices.col(static_cast<Eigen::Index>(j)) =
          table.prices.col(table.index_of(symbols[j]));  // throws for an unknown one
    }
    const Eigen::VectorXd mu =
        keel::mean_historical_return(prices, {.periods_per_year = static_cast<double>(periods_per_year)});
    const keel::return_table returns = keel::simple_returns(table);
    Eigen::MatrixXd r(returns.returns.rows(), prices.cols());
    for (std::size_t j = 0; j < symbols.size(); ++j)
      r.col(static_cast<Eigen::Index>(j)) = returns.returns.col(table.index_of(symbols[j]));
    const auto est = keel::sample_covariance(r, {.periods_per_year = static_cast<double>(periods_per_year),
                                                 .missing = keel::missing_data::pairwise,
                                                 .repair = true});
    keel::portfolio_constraints constraints{.bounds = bounds};
    if (!sectors_path.empty()) {
      constraints.groups = keel_example::read_sectors(sectors_path, symbols);
      std::vector<std::string> names = constraints.groups;
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      for (const auto& s : names)
        constraints.group_limits.push_back({s, -std::numeric_limits<double>::infinity(), max_sector});
    }
    const auto f =
        keel::efficient_frontier(mu, est.covariance, {.points = points, .bounds = constraints, .risk_free = risk_free});

    std::ostringstream report;  // printed whole, so that an error leaves stdout empty
    report << symbols.size() << " symbols, " << returns.returns.rows() << " returns; bounds " << bounds_text
           << (sectors_path.empty() ? "" : ", sectors at most " + keel_example::percent(max_sector, 0))
           << "; risk-free " << keel_example::percent(risk_free) << (est.repaired ? "; covariance repaired to PSD" : "")
           << "\n\n"
           << f.corners.size() << " corner portfolios\n";
    report << "   #   return  volatility  Sharpe  weights (largest first)\n";
    for (std::size_t k = 0; k < f.corners.size(); ++k) {
      const auto& c = f.corners[k];
      char head[64];
      std::snprintf(head, sizeof head, "%4zu %8s %11s %7s  ", k, keel_example::percent(c.expected_return).c_str(),
                    keel_example::percent(c.volatility).c_str(), keel_example::fixed(c.sharpe, 3).c_str());
      report << head << weights_line(c.weights, symbols) << "\n";
    }
    const auto line = [&](const std::string& name, const keel::portfolio<double>& p) {
      report << "\n"
             << name << ": return " << keel_example::percent(p.expected_return) << ", volatility "
             << keel_example::percent(p.volatility) << ", Sharpe " << keel_example::fixed(p.sharpe, 3) << "\n  "
             << weights_line(p.weights, symbols) << "\n";
    };
    line("minimum variance", f.min_variance);
    if (f.max_sharpe)
      line("maximum Sharpe", *f.max_sharpe);
    else
      report << "\nmaximum Sharpe: not attained (no portfolio beats the risk-free rate, or it is unbounded)\n";
    Eigen::VectorXd objective_weights;
    if (objective != "frontier") {
      const auto o =
          build_objective(objective, mu, est.covariance, r, constraints, symbols, confidence, risk_free, points);
      objective_weights = o.weights;
      line(objective, keel::portfolio_performance(o.weights, mu, est.covariance, {.risk_free = risk_free}));
      for (const auto& text : o.figures) report << "  " << text << "\n";
    }
    if (!svg_path.empty()) {
      write_svg(svg_path, f, mu, est.covariance, symbols, risk_free, objective, objective_weights);
      report << "\nwrote " << svg_path << " (" << f.points.size() << " frontier points)\n";
    }
    std::cout << report.str();
  });
}
