// SPDX-License-Identifier: MIT
// Part of har_test (tests/har_test.cpp describes the whole test): har_fit's recovery of a long
// simulated HAR process, har_model::forecast against the hand recursion and its floor,
// har_volatility_forecast on the bundled Dow 30, and the panel form without allocating.
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/har.hpp>

#include "support/allocations.hpp"
#include "support/har_test_fixtures.hpp"

using namespace keel_test::har_test;

namespace {

using Catch::Matchers::Contains;

}  // namespace

TEST_CASE("har_fit recovers a long simulated HAR process within its standard errors", "[har][simulation]") {
  // log-HAR with c = -0.6, b = (0.35, 0.3, 0.25); log(1e-4 exp(x)) = x + log(1e-4) shifts only c.
  const std::vector<double> rv = simulate_rv(40000, 3);
  const auto model = keel::har_fit(rv, {.scale = keel::har_scale::log_variance});
  const double c = -0.6 + (1 - 0.35 - 0.3 - 0.25) * std::log(1e-4);
  const double truth[4] = {c, 0.35, 0.3, 0.25};
  const double fitted[4] = {model.intercept, model.beta_daily, model.beta_weekly, model.beta_monthly};
  for (int j = 0; j < 4; ++j) {
    INFO("coefficient " << j << ": " << fitted[j] << " vs " << truth[j] << ", se " << model.std_errors(j));
    CHECK(std::fabs(fitted[j] - truth[j]) < 3 * model.std_errors(j));
    // and the errors are informative: a tenth of the slope, or of the intercept's size
    CHECK(model.std_errors(j) < (j == 0 ? 0.1 * std::fabs(truth[0]) : 0.05));
  }
  CHECK(model.r_squared > 0.3);
  CHECK(model.r_squared < 1);
}

TEST_CASE("har_model::forecast iterates the daily model like the hand recursion", "[har][forecast]") {
  const std::vector<double> rv = simulate_rv(1000, 4);
  for (const auto scale : {keel::har_scale::variance, keel::har_scale::volatility, keel::har_scale::log_variance}) {
    const auto model = keel::har_fit(rv, {.scale = scale});
    const auto f = model.forecast(rv, 30);
    std::vector<long double> x;
    for (double v : rv) x.push_back(transform(v, scale));
    long double total = 0;
    for (int k = 0; k < 30; ++k) {
      long double w = 0, m = 0;
      for (int j = 1; j <= 5; ++j) w += x[x.size() - static_cast<std::size_t>(j)];
      for (int j = 1; j <= 22; ++j) m += x[x.size() - static_cast<std::size_t>(j)];
      const long double next =
          model.intercept + model.beta_daily * x.back() + model.beta_weekly * w / 5 + model.beta_monthly * m / 22;
      x.push_back(next);
      const long double variance = scale == keel::har_scale::variance     ? next
                                   : scale == keel::har_scale::volatility ? next * next
                                                                          : std::exp(next);
      INFO("scale " << static_cast<int>(scale) << " day " << k);
      CHECK(rel(f.variances[static_cast<std::size_t>(k)], variance) < 1e-12);
      total += variance;
    }
    CHECK(rel(f.variance, total / 30) < 1e-12);
    CHECK(f.volatility == Approx(std::sqrt(f.variance)).epsilon(1e-15));
    CHECK_FALSE(f.floored);
    // The forecast mean-reverts towards the unconditional level: between the last month and the
    // long-run mean of the fitted scale.
    CHECK(f.variance > 0);
  }
  // A direct model forecasts its own horizon in one step: c + b'x at the end of the history.
  const auto direct = keel::har_fit(rv, {.horizon = 22});
  const auto fd = direct.forecast(rv, 22);
  long double w = 0, m = 0;
  for (int j = 1; j <= 5; ++j) w += rv[rv.size() - static_cast<std::size_t>(j)];
  for (int j = 1; j <= 22; ++j) m += rv[rv.size() - static_cast<std::size_t>(j)];
  const long double expected =
      direct.intercept + direct.beta_daily * rv.back() + direct.beta_weekly * w / 5 + direct.beta_monthly * m / 22;
  CHECK(rel(fd.variance, expected) < 1e-12);
  CHECK(fd.variances.size() == 22);
  CHECK_THROWS_WITH(direct.forecast(rv, 30), Contains("h = 30 must be the model's horizon 22"));
}

TEST_CASE("har_model::forecast floors negative variances and flags them", "[har][forecast]") {
  keel::har_model<double> model;  // a model whose forecasts go negative: c < 0, no persistence
  model.intercept = -1e-4;
  const std::vector<double> history(22, 1e-4);
  const auto f = model.forecast(history, 10);
  CHECK(f.floored);
  CHECK(f.variance == 0);
  CHECK(f.volatility == 0);
  for (double v : f.variances) CHECK(v == 0);
  model.intercept = 2e-4;
  CHECK_FALSE(model.forecast(history, 10).floored);
  CHECK_THROWS_WITH(model.forecast(std::vector<double>(21, 1e-4), 5),
                    Contains("needs at least 22 values of rv_history"));
  CHECK_THROWS_WITH(model.forecast(history, 0), Contains("h = 0 must be at least 1"));
}

TEST_CASE("har_volatility_forecast fits squared returns and annualises", "[har][volatility][real]") {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto returns = keel::simple_returns(table);
  for (Eigen::Index j = 0; j < returns.returns.cols(); ++j) {
    const std::vector<double> r(returns.returns.col(j).begin(), returns.returns.col(j).end());
    const auto h = keel::har_volatility_forecast(r);
    INFO(returns.symbols[static_cast<std::size_t>(j)]);
    CHECK(h.volatility > 0.05);
    CHECK(h.volatility < 3);
    CHECK(h.model.r_squared >= 0);
    CHECK(h.model.r_squared <= 1);
    // The same by hand: squares, fit, forecast, annualise.
    std::vector<double> sq;
    for (double v : r) sq.push_back(v * v);
    const auto model = keel::har_fit(sq);
    const auto f = model.forecast(sq, 30);
    CHECK(h.model.beta_daily == model.beta_daily);
    CHECK(h.variance == f.variance);
    CHECK(h.volatility == Approx(std::sqrt(252 * f.variance)).epsilon(1e-15));
    CHECK(h.forecast.variances.size() == 30);
  }
  // The dated form skips missing returns (an asset listed later).
  const auto dated = keel::har_volatility_forecast(returns.column("IBM"));
  const std::vector<double> ibm(returns.returns.col(16).begin(), returns.returns.col(16).end());
  REQUIRE(returns.symbols[16] == "IBM");
  CHECK(dated.volatility == keel::har_volatility_forecast(ibm).volatility);
  // The panel form equals the series form column by column.
  const auto panel = keel::har_volatility_forecast(returns.returns, {.horizon = 10});
  for (Eigen::Index j = 0; j < returns.returns.cols(); j += 7) {
    const std::vector<double> r(returns.returns.col(j).begin(), returns.returns.col(j).end());
    CHECK(panel.volatilities(j) == keel::har_volatility_forecast(r, {.horizon = 10}).volatility);
  }
}

TEST_CASE("har_fit of a panel equals the series form column by column; out forms allocate nothing when warm",
          "[har][panel][allocation]") {
  Eigen::MatrixXd panel(900, 4);
  for (Eigen::Index j = 0; j < 4; ++j) {
    const auto rv = simulate_rv(900, 10 + static_cast<unsigned>(j));
    for (Eigen::Index i = 0; i < 900; ++i) panel(i, j) = rv[static_cast<std::size_t>(i)];
  }
  const auto fits = keel::har_fit(panel, {.scale = keel::har_scale::volatility});
  for (Eigen::Index j = 0; j < 4; ++j) {
    const std::vector<double> col(panel.col(j).begin(), panel.col(j).end());
    const auto m = keel::har_fit(col, {.scale = keel::har_scale::volatility});
    CHECK(fits.betas_daily(j) == m.beta_daily);
    CHECK(fits.intercepts(j) == m.intercept);
    CHECK(fits.std_errors.col(j) == m.std_errors);
    CHECK(fits.r_squareds(j) == m.r_squared);
  }
  keel::har_panel<double> reused;
  keel::har_panel<double>::workspace reused_ws;
  keel::har_volatility_panel<double> vols;
  keel::har_volatility_panel<double>::workspace vols_ws;
  keel::har_model<double> model;
  keel::har_model<double>::workspace model_ws;
  keel::har_forecast<double> forecast;
  keel::har_forecast<double>::workspace forecast_ws;
  keel::har_volatility_result<double> vol;
  keel::har_volatility_result<double>::workspace vol_ws;
  const std::vector<double> rv = simulate_rv(900, 20);
  std::vector<double> returns(rv.size());
  std::vector<int> days(rv.size());
  for (std::size_t i = 0; i < rv.size(); ++i) {
    returns[i] = i % 9 == 4 ? std::nan("") : std::sqrt(rv[i]);  // the dated form drops the missing days
    days[i] = static_cast<int>(i);
  }
  std::vector<double> present;
  for (double x : returns)
    if (!std::isnan(x)) present.push_back(x);
  const auto all = [&] {
    keel::har_fit(panel, reused, reused_ws);
    keel::har_volatility_forecast(panel, vols, vols_ws);
    keel::har_fit(rv, model, model_ws);
    model.forecast(rv, 30, forecast, forecast_ws);
    keel::har_volatility_forecast(present, vol, vol_ws);
    keel::har_volatility_forecast(keel::dated_view(days, returns), vol, vol_ws);
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  CHECK(keel_test::allocation_count() == before);
  CHECK(reused.betas_weekly == keel::har_fit(panel).betas_weekly);
}
