// SPDX-License-Identifier: MIT
// risk_models: how well each of keel's risk models forecasts the volatility of many portfolios
// out of sample (keel::risk_model_backtest), on a price file's assets.
//
//   risk_models [--prices PATH]... [--delimiter C] [--price-column NAME] [--symbols A,B,...]
//               [--window N] [--horizon N] [--step N] [--portfolios N] [--seed N]
//               [--models sample,ewma,...] [--factors K] [--composite] [--threads N]
//
// The assets' simple returns on the dates where every chosen symbol has a return (a symbol
// whose column is mostly missing is better left out with --symbols). Portfolios, from --seed:
// half random long-only (weights uniform on (0, 1), normalised), half concentrated (one to three
// assets with random weights). For each model, and for the random and the concentrated half
// apart: the pooled correlation of predicted and realised variance, the median of the
// per-portfolio correlations, the mean bias statistic, the share of portfolios whose bias
// statistic is inside its 95% band, and the mean Q-statistic. The time-series factor model's one
// factor is the equal-weighted average return of the assets (a market proxy built from the
// same data); the statistical model keeps --factors principal components; DCC maximises the full
// likelihood, or with --composite the composite one (for hundreds of assets).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <Eigen/Core>

#include <keel/csv.hpp>
#include <keel/factor_model.hpp>
#include <keel/series.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

namespace {

const std::map<std::string, keel::risk_model>& model_names() {
  static const std::map<std::string, keel::risk_model> names{{"sample", keel::risk_model::sample},
                                                             {"ewma", keel::risk_model::ewma},
                                                             {"ledoit-wolf", keel::risk_model::ledoit_wolf},
                                                             {"garch", keel::risk_model::garch},
                                                             {"dcc", keel::risk_model::dcc},
                                                             {"statistical", keel::risk_model::statistical_factor},
                                                             {"time-series", keel::risk_model::time_series_factor}};
  return names;
}

/// N x P portfolios: the first half random long-only, the rest one to three assets.
Eigen::MatrixXd make_portfolios(Eigen::Index n, Eigen::Index p, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  Eigen::MatrixXd w = Eigen::MatrixXd::Zero(n, p);
  const auto uniform = [&] { return static_cast<double>(gen() >> 11) * 0x1.0p-53; };
  for (Eigen::Index j = 0; j < p; ++j) {
    if (j < p / 2) {
      for (Eigen::Index i = 0; i < n; ++i) w(i, j) = uniform();
    } else {
      const auto picks = 1 + static_cast<Eigen::Index>(gen() % 3);
      for (Eigen::Index k = 0; k < picks; ++k)
        w(static_cast<Eigen::Index>(gen() % static_cast<std::uint64_t>(n)), j) += 0.1 + uniform();
    }
    w.col(j) /= w.col(j).sum();
  }
  return w;
}

double correlation(const Eigen::ArrayXd& x, const Eigen::ArrayXd& y) {
  const Eigen::ArrayXd dx = x - x.mean(), dy = y - y.mean();
  return (dx * dy).sum() / std::sqrt(dx.square().sum() * dy.square().sum());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// One table row of a model over the portfolio columns [from, to).
std::vector<std::string> row_of(const std::string& label, const keel::risk_model_backtest_result<double>& r,
                                Eigen::Index from, Eigen::Index to) {
  const Eigen::Index count = to - from;
  const Eigen::ArrayXd predicted = r.predicted_volatilities.middleCols(from, count).array().square().reshaped();
  const Eigen::ArrayXd realised = r.realised_variances.middleCols(from, count).array().reshaped();
  std::vector<double> each(r.variance_correlations.data() + from, r.variance_correlations.data() + to);
  Eigen::Index inside = 0;
  for (Eigen::Index j = from; j < to; ++j)
    inside += r.bias_statistics(j) >= r.bias_band_lower && r.bias_statistics(j) <= r.bias_band_upper;
  return {label,
          keel_example::fixed(correlation(predicted, realised), 3),
          keel_example::fixed(median(each), 3),
          keel_example::fixed(r.bias_statistics.segment(from, count).mean(), 3),
          keel_example::fixed(100.0 * static_cast<double>(inside) / static_cast<double>(count), 0) + "%",
          keel_example::fixed(r.q_statistics.segment(from, count).mean(), 3)};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Out-of-sample accuracy of keel's risk models (keel::risk_model_backtest) on many\n"
      "random and concentrated portfolios of a price file's assets: the correlation of\n"
      "predicted and realised variance, the bias statistic and the Q-statistic.",
      "risk_models"};
  keel_example::price_source source;
  std::vector<std::string> symbols,
      models{"sample", "ewma", "ledoit-wolf", "garch", "dcc", "statistical", "time-series"};
  keel::risk_model_backtest_options options;
  std::ptrdiff_t portfolios = 200;
  std::uint64_t seed = 1;
  keel_example::add_price_options(app, source);
  app.add_option("--symbols", symbols, "the assets (default: every column)")->type_name("A,B,...")->delimiter(',');
  app.add_option("--window", options.window, "returns in each estimation window")
      ->capture_default_str()
      ->check(keel_example::at_least(2));
  app.add_option("--horizon", options.horizon, "days each forecast covers")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  app.add_option("--step", options.step, "days between forecast origins")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  app.add_option("--portfolios", portfolios, "portfolios (half random, half concentrated)")
      ->capture_default_str()
      ->check(keel_example::at_least(2));
  app.add_option("--seed", seed, "seed of the portfolios")->capture_default_str();
  app.add_option("--models", models, "models: sample, ewma, ledoit-wolf, garch, dcc, statistical, time-series")
      ->type_name("A,B,...")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--factors", options.factors, "principal components of the statistical model")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  bool composite = false;
  app.add_flag("--composite", composite, "DCC by composite likelihood (Engle, Shephard and Sheppard 2008)");
  app.add_option("--threads", options.threads, "threads over the forecast origins (0: all cores)")
      ->capture_default_str();

  return keel_example::run(app, argc, argv, [&] {
    for (const auto& m : models)
      if (!model_names().contains(m)) throw keel_example::usage_error("--models: '" + m + "' is not a model");
    const keel::price_table prices = keel_example::load_prices(source);
    const keel::return_table table = keel::simple_returns(prices);
    if (symbols.empty()) symbols = table.symbols;
    std::vector<Eigen::Index> columns;
    for (const auto& s : symbols) {
      const auto at = std::find(table.symbols.begin(), table.symbols.end(), s);
      if (at == table.symbols.end()) throw keel::invalid_input("risk_models: no column '" + s + "' in the prices");
      columns.push_back(static_cast<Eigen::Index>(at - table.symbols.begin()));
    }
    std::vector<Eigen::Index> rows;
    for (Eigen::Index t = 0; t < table.returns.rows(); ++t)
      if (std::all_of(columns.begin(), columns.end(),
                      [&](Eigen::Index j) { return std::isfinite(table.returns(t, j)); }))
        rows.push_back(t);
    const auto n = static_cast<Eigen::Index>(columns.size());
    Eigen::MatrixXd r(static_cast<Eigen::Index>(rows.size()), n);
    for (std::size_t t = 0; t < rows.size(); ++t)
      for (Eigen::Index j = 0; j < n; ++j)
        r(static_cast<Eigen::Index>(t), j) = table.returns(rows[t], columns[static_cast<std::size_t>(j)]);
    options.factor_returns = r.rowwise().mean();
    if (composite) options.dcc.method = keel::dcc_method::composite;
    const Eigen::MatrixXd w = make_portfolios(n, portfolios, seed);
    const Eigen::Index half = portfolios / 2;

    keel_example::table out({"model", "portfolios", "pooled corr", "median corr", "mean bias", "in band", "mean Q"});
    std::size_t origins = 0;
    double lower = 0, upper = 0;
    for (const auto& m : models) {
      const auto result = keel::risk_model_backtest(r, w, model_names().at(m), options);
      origins = result.origins.size();
      lower = result.bias_band_lower;
      upper = result.bias_band_upper;
      for (const auto& [label, from, to] : {std::tuple<std::string, Eigen::Index, Eigen::Index>{"all", 0, portfolios},
                                            {"random", 0, half},
                                            {"concentrated", half, portfolios}}) {
        auto row = row_of(label, result, from, to);
        row.insert(row.begin(), m);
        out.add(row);
      }
    }
    // Printed only once every model has run: an error leaves stdout empty.
    std::cout << keel_example::describe(source) << ": " << n << " assets, " << r.rows() << " common returns ("
              << (rows.empty() ? std::string("-")
                               : keel::format_date(table.dates[static_cast<std::size_t>(rows.front())]))
              << " .. "
              << (rows.empty() ? std::string("-")
                               : keel::format_date(table.dates[static_cast<std::size_t>(rows.back())]))
              << "), window " << options.window << ", horizon " << options.horizon << ", step " << options.step << ", "
              << portfolios << " portfolios (seed " << seed << ")\n";
    out.print(std::cout);
    std::cout << origins << " forecast origins; bias band (95%) " << keel_example::fixed(lower, 3) << " .. "
              << keel_example::fixed(upper, 3) << "\n";
  });
}
