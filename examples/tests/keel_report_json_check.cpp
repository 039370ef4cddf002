// SPDX-License-Identifier: MIT
// keel_report_json_check: runs `keel-report --json` and checks its document field by field
// against direct calls of the capability functions (market_beta, parametric_var,
// historical_var, hhi, the limit metrics, garch_fit, time_series_factor_model) on the same
// files, computed here from the price table without keel/snapshot.hpp's pipeline.
//
//   keel_report_json_check KEEL_REPORT PRICES MARKET PORTFOLIO [KEEL-REPORT ARGS...]
//
// PRICES is a comma-separated list of price files (merged; <shared> stands for ../shared); when the first is missing
// the check prints KEEL-SKIP (ctest reports it as skipped) before checking anything. Exit 0 when every check passes, 1
// otherwise (each failure printed).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <keel/beta.hpp>
#include <keel/concentration.hpp>
#include <keel/csv.hpp>
#include <keel/factor_model.hpp>
#include <keel/garch.hpp>
#include <keel/portfolio.hpp>
#include <keel/series.hpp>
#include <keel/var.hpp>

#include "support/data.hpp"

namespace {

int failures = 0, checks = 0;

// Agreement to 1e-9 relative: the report reaches each number by another code path (the
// covariance matrix instead of the portfolio series, a panel instead of aligned series), whose
// rounding differs by a few ulps times the condition of the sum, far below 1e-9.
void near(const std::string& what, double got, double want, double tolerance = 1e-9) {
  ++checks;
  if (!(std::fabs(got - want) <= tolerance * std::max(1.0, std::fabs(want)))) {
    ++failures;
    std::printf("FAIL %s: report %.17g, direct %.17g\n", what.c_str(), got, want);
  }
}

void same(const std::string& what, bool ok) {
  ++checks;
  if (!ok) {
    ++failures;
    std::printf("FAIL %s\n", what.c_str());
  }
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) out.push_back(part);
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  if (pclose(pipe) != 0) std::printf("FAIL %s exited with an error\n", command.c_str());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: keel_report_json_check KEEL_REPORT PRICES MARKET PORTFOLIO [ARGS...]\n");
    return 2;
  }
  // "<shared>" in PRICES is ../shared: $KEEL_SHARED_DIR when set (decided now, at run time).
  std::string prices_arg = argv[2];
  const char* env = std::getenv("KEEL_SHARED_DIR");
  for (auto at = prices_arg.find("<shared>"); at != std::string::npos; at = prices_arg.find("<shared>"))
    prices_arg.replace(at, 8, env != nullptr ? env : KEEL_SHARED_DEFAULT_DIR);
  const std::vector<std::string> price_files = split(prices_arg);
  if (!std::filesystem::exists(price_files.front())) {
    std::printf("KEEL-SKIP: %s is not available\n", price_files.front().c_str());
    return 0;
  }
  const std::string market = argv[3], portfolio = argv[4];
  std::string command = std::string("'") + argv[1] + "' --json --market " + market + " --portfolio '" + portfolio + "'";
  for (const auto& f : price_files) command += " --prices '" + f + "'";
  for (int i = 5; i < argc; ++i) command += std::string(" '") + argv[i] + "'";
  const nlohmann::json doc = nlohmann::json::parse(run(command));
  same("schema_version is 1", doc.at("schema_version") == 1);

  // The direct computation: the prices merged, the last `window` returns, today's weights.
  const keel::price_table prices = keel::read_prices_csv(
      std::vector<std::filesystem::path>(price_files.begin(), price_files.end()), keel::csv_options{});
  const std::vector<keel::holding> book = keel::read_holdings(std::filesystem::path(portfolio));
  const keel::return_table all = keel::simple_returns(prices);
  const auto window = doc.at("inputs").at("window").get<Eigen::Index>();
  const Eigen::Index t = all.returns.rows(), n = static_cast<Eigen::Index>(book.size());
  same("as_of is the last date", doc.at("inputs").at("as_of") == keel::format_date(prices.dates.back()));
  Eigen::MatrixXd panel(window, n);
  Eigen::VectorXd values(n);
  const Eigen::VectorXd rm = all.returns.col(prices.index_of(market)).tail(window);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto col = prices.index_of(book[static_cast<std::size_t>(j)].symbol);
    panel.col(j) = all.returns.col(col).tail(window);
    values(j) = book[static_cast<std::size_t>(j)].quantity * prices.prices(prices.prices.rows() - 1, col);
  }
  (void)t;
  const double total = values.sum();
  const Eigen::VectorXd w = values / total;
  near("value", doc.at("value").get<double>(), total);

  // Betas: market_beta of each position's window returns on the market's.
  double weighted_beta = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto fit = keel::market_beta(Eigen::VectorXd(panel.col(j)), rm);
    const auto& row = doc.at("betas").at("positions").at(static_cast<std::size_t>(j));
    const std::string name = "beta of " + book[static_cast<std::size_t>(j)].symbol;
    same(name + ": symbol", row.at("symbol") == book[static_cast<std::size_t>(j)].symbol);
    near(name, row.at("beta").get<double>(), fit.beta);
    near(name + " R^2", row.at("r_squared").get<double>(), fit.r_squared);
    near(name + " std error", row.at("beta_stderr").get<double>(), fit.beta_stderr);
    same(name + " n", row.at("n").get<std::ptrdiff_t>() == fit.n);
    weighted_beta += w(j) * fit.beta;
  }
  near("value-weighted beta", doc.at("betas").at("value_weighted").get<double>(), weighted_beta);
  near("summary beta", doc.at("summary").at("beta").get<double>(), weighted_beta);
  const Eigen::VectorXd rp = panel * w;
  near("regressed beta", doc.at("betas").at("regressed").at("beta").get<double>(), keel::market_beta(rp, rm).beta);

  // VaR: the panel forms (mean and standard deviation of R w; empirical quantile of R w).
  const auto& s = doc.at("summary");
  near("parametric VaR 95", s.at("var_95").get<double>(), keel::parametric_var(w, panel, {.confidence = 0.95}));
  near("parametric VaR 99", s.at("var_99").get<double>(), keel::parametric_var(w, panel, {.confidence = 0.99}));
  near("parametric CVaR 99", s.at("cvar_99").get<double>(), keel::parametric_cvar(w, panel, {.confidence = 0.99}));
  near("historical VaR 99", s.at("historical_var_99").get<double>(),
       keel::historical_var(w, panel, {.confidence = 0.99}));
  near("historical CVaR 95", s.at("historical_cvar_95").get<double>(),
       keel::historical_cvar(w, panel, {.confidence = 0.95}));
  for (const auto& row : doc.at("var").at("rows"))
    if (row.at("horizon") == 1 && row.at("confidence") == 0.99)
      near("var rows: parametric 99% 1 day", row.at("parametric").at("var").get<double>(),
           keel::parametric_var(w, panel, {.confidence = 0.99}));

  // Concentration and the limit metrics.
  const double h = keel::hhi(w);
  near("HHI", doc.at("exposure").at("concentration").at("hhi").get<double>(), h);
  near("summary HHI", s.at("concentration").at("hhi").get<double>(), h);
  const auto& lv = doc.at("limits").at("values");
  near("max position weight", lv.at("max_position_weight").get<double>(), w.cwiseAbs().maxCoeff());
  near("gross leverage", lv.at("gross_leverage").get<double>(), w.cwiseAbs().sum());
  near("limit beta", lv.at("beta").get<double>(), std::fabs(weighted_beta));
  near("limit VaR 99", lv.at("var_99_1d").get<double>(), keel::parametric_var(w, panel, {.confidence = 0.99}));
  for (const auto& l : doc.at("limits").at("limits")) {
    const std::string metric = l.at("metric");
    same(metric + ": breached = value > limit",
         l.at("breached").get<bool>() == (l.at("value").get<double>() > l.at("limit").get<double>()));
    same(metric + ": the value is the metric's",
         l.at("value") == lv.at(metric == "max_gross_leverage"             ? "gross_leverage"
                                : metric == "max_beta"                     ? "beta"
                                : metric == "max_avg_pairwise_correlation" ? "avg_pairwise_correlation"
                                : metric == "max_var_99_1d"                ? "var_99_1d"
                                                                           : metric));
  }

  // Section 11: garch_fit of R w (1e-6: R w here is a matrix product, the report's a loop, and
  // the fit's optimiser amplifies their last-bit differences only slightly), and, with
  // --factors, time_series_factor_model on the factor rows of the window's dates.
  const auto& models = doc.at("risk_models");
  const auto& g = models.at("garch");
  const auto fit = keel::garch_fit(rp, {.require_convergence = false});
  same("garch: fitted", g.at("reason").is_null());
  near("garch omega", g.at("omega").get<double>() * 1e6, static_cast<double>(fit.omega) * 1e6, 1e-6);
  near("garch persistence", g.at("persistence").get<double>(), fit.persistence, 1e-6);
  near("garch 1-day volatility", g.at("volatility_1d").get<double>(),
       fit.forecast(1).aggregate_volatility * std::sqrt(252.0), 1e-6);
  near("garch 10-day volatility", g.at("horizon_volatility_10d").get<double>(), fit.forecast(10).aggregate_volatility,
       1e-6);
  std::string factors_path;
  for (int i = 5; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--factors") factors_path = argv[i + 1];
  same("factors null without --factors", models.at("factors").is_null() == factors_path.empty());
  if (!factors_path.empty()) {
    const keel::price_table f = keel::read_prices_csv(std::filesystem::path(factors_path));
    const auto dates = std::vector<std::chrono::year_month_day>(all.dates.end() - window, all.dates.end());
    Eigen::MatrixXd x(window, static_cast<Eigen::Index>(f.symbols.size()));
    for (Eigen::Index r = 0; r < window; ++r) {
      const auto at = std::lower_bound(f.dates.begin(), f.dates.end(), dates[static_cast<std::size_t>(r)]);
      x.row(r) = f.prices.row(at - f.dates.begin());
    }
    const auto risk = keel::factor_risk_decomposition(keel::time_series_factor_model(panel, x), w);
    const auto& got = models.at("factors");
    near("factor variance", got.at("factor_variance").get<double>(), risk.factor_variance * 252);
    near("total variance", got.at("total_variance").get<double>(), risk.total_variance * 252);
    for (std::size_t k = 0; k < f.symbols.size(); ++k) {
      const auto& row = got.at("factors").at(k);
      same("factor name " + f.symbols[k], row.at("name") == f.symbols[k]);
      near("exposure to " + f.symbols[k], row.at("exposure").get<double>(),
           risk.exposures(static_cast<Eigen::Index>(k)));
    }
  }
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
