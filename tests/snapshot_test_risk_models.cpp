// SPDX-License-Identifier: MIT
// Tests of risk_snapshot's section 11 (keel/snapshot.hpp): the GARCH figures equal a direct
// garch_fit of the portfolio's returns bit for bit, the factor breakdown equals a direct
// time_series_factor_model + factor_risk_decomposition on the factor rows of the window's dates,
// the contributions add up, a factor table that does not cover the window (or is malformed) is
// invalid_input naming the first missing date and the count, and a GARCH fit that cannot be made
// leaves its reason. Bundled data only.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>
#include <keel/csv.hpp>
#include <keel/factor_model.hpp>
#include <keel/garch.hpp>
#include <keel/snapshot.hpp>

// After snapshot.hpp, whose types the pipeline's detail headers use (the GARCH test drives
// section 11's own function).
#include <keel/detail/snapshot_risk_models.hpp>

#include "support/dow_snapshot.hpp"

using Catch::Matchers::Contains;

namespace {

const std::filesystem::path bundled = KEEL_BUNDLED_DATA_DIR;

keel::snapshot_options options_with_factors() {
  keel::snapshot_options o = keel_test::dow::options(bundled, 1000);
  o.factor_returns = keel_test::dow::factors(bundled);
  return o;
}

/// Runs risk_snapshot expecting invalid_input; returns its message.
std::string invalid_input_message(const keel::snapshot_options& o) {
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  try {
    (void)keel::risk_snapshot(h, p, o);
  } catch (const keel::invalid_input& e) {
    return e.what();
  }
  FAIL("risk_snapshot did not throw invalid_input");
  return {};
}

}  // namespace

TEST_CASE("risk_snapshot: section 11's GARCH is garch_fit of r_p, bit for bit", "[snapshot][risk_models]") {
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  const auto o = keel_test::dow::options(bundled, 1000);
  const keel::snapshot s = keel::risk_snapshot(h, p, o);
  // r_p as the snapshot reports it (charts.returns, section 4's series), recomputed here too.
  const std::vector<double>& rp = s.charts.returns;
  REQUIRE(std::ssize(rp) == o.window);
  const auto end = std::ssize(p.dates) - 1;
  for (std::ptrdiff_t t = 0; t < o.window; ++t) {
    long double sum = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
      const auto j = p.index_of(h[i].symbol);
      const auto row = end - o.window + 1 + t;
      sum += static_cast<long double>(s.positions[i].weight) * (p.prices(row, j) / p.prices(row - 1, j) - 1);
    }
    CHECK(std::abs(rp[static_cast<std::size_t>(t)] - static_cast<double>(sum)) <= 1e-15);
  }
  const auto fit = keel::garch_fit(rp, {.require_convergence = false});
  const auto& g = s.risk_models.garch;
  REQUIRE(g.reason.empty());
  CHECK(fit.converged);
  CHECK(g.converged == fit.converged);
  CHECK(g.iterations == fit.iterations);
  CHECK(g.n == o.window);
  CHECK(g.mu == fit.mu);
  CHECK(g.omega == fit.omega);
  CHECK(g.alpha == fit.alpha);
  CHECK(g.beta == fit.beta);
  CHECK(g.persistence == fit.persistence);
  CHECK(g.log_likelihood == fit.log_likelihood);
  const double periods = o.periods_per_year;
  CHECK(g.volatility_1d == fit.forecast(1).aggregate_volatility * std::sqrt(periods));
  const auto ten = fit.forecast(10);
  CHECK(g.horizon_volatility_10d == ten.aggregate_volatility);
  CHECK(g.volatility_10d == ten.aggregate_volatility * std::sqrt(periods / 10));
  // The per-day equivalent is the mean of the 10 variances, annualised: an independent sum.
  long double mean = 0;
  for (const double v : ten.variances) mean += v;
  mean /= 10;
  CHECK(std::abs(g.volatility_10d - static_cast<double>(std::sqrt(mean * periods))) <= 1e-15);
  CHECK(g.volatility_1d == std::sqrt(ten.variances[0]) * std::sqrt(periods));
  CHECK(g.long_run_volatility == std::sqrt(fit.omega / (1 - fit.persistence) * periods));
  // Plausible beside section 4's figures on these data (annualised, the same units).
  CHECK(g.volatility_1d > 0.5 * s.volatility.volatility);
  CHECK(g.volatility_1d < 2 * s.volatility.volatility);
  CHECK_FALSE(s.risk_models.factors);  // no factor returns given
}

TEST_CASE("risk_snapshot: the factor breakdown is time_series_factor_model on the window's dates",
          "[snapshot][risk_models]") {
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  const auto o = options_with_factors();
  const keel::snapshot s = keel::risk_snapshot(h, p, o);
  REQUIRE(s.risk_models.factors);
  const auto& f = *s.risk_models.factors;
  const keel::return_table& table = *o.factor_returns;
  const auto k = static_cast<Eigen::Index>(table.symbols.size());
  REQUIRE(k == 9);  // MKT and 8 sector-relative columns (Energy left out)

  // Direct: the held assets' window returns, the factor rows found by date here.
  const keel::snapshot_universe u = keel::prepare_universe(p, o);
  const auto t = static_cast<Eigen::Index>(u.dates.size());
  Eigen::MatrixXd assets(t, static_cast<Eigen::Index>(h.size())), factors(t, k);
  for (std::size_t i = 0; i < h.size(); ++i)
    assets.col(static_cast<Eigen::Index>(i)) = u.returns.col(p.index_of(h[i].symbol));
  for (Eigen::Index r = 0; r < t; ++r) {
    const auto at = std::find(table.dates.begin(), table.dates.end(), u.dates[static_cast<std::size_t>(r)]);
    REQUIRE(at != table.dates.end());
    factors.row(r) = table.returns.row(at - table.dates.begin());
  }
  Eigen::VectorXd w(static_cast<Eigen::Index>(h.size()));
  for (std::size_t i = 0; i < h.size(); ++i) w(static_cast<Eigen::Index>(i)) = s.positions[i].weight;
  const auto model = keel::time_series_factor_model(assets, factors);
  const auto risk = keel::factor_risk_decomposition(model, w);
  const double periods = o.periods_per_year;
  CHECK(f.observations == t);
  CHECK(f.total_variance == risk.total_variance * periods);
  CHECK(f.factor_variance == risk.factor_variance * periods);
  CHECK(f.specific_variance == risk.specific_variance * periods);
  CHECK(f.total_volatility == std::sqrt(risk.total_variance * periods));
  CHECK(f.explained_share == f.factor_variance / f.total_variance);
  REQUIRE(std::ssize(f.factors) == k);
  long double contributions = 0, shares = 0;
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto& row = f.factors[static_cast<std::size_t>(j)];
    CHECK(row.name == table.symbols[static_cast<std::size_t>(j)]);
    CHECK(row.exposure == risk.exposures(j));
    CHECK(row.contribution == risk.contributions(j) * periods);
    CHECK(row.share == row.contribution / f.total_variance);
    contributions += row.contribution;
    shares += row.share;
  }
  // Euler: the contributions sum to the factor variance, the parts to the total.
  CHECK(std::abs(static_cast<double>(contributions) - f.factor_variance) <= 1e-13 * f.factor_variance);
  CHECK(std::abs(static_cast<double>(shares) - f.explained_share) <= 1e-13);
  CHECK(std::abs(f.factor_variance + f.specific_variance - f.total_variance) <= 1e-14 * f.total_variance);
  // The model's total is the window's sample variance of r_p only approximately (a factor
  // model); on these in-sample factors they are close.
  const double sample = s.volatility.volatility * s.volatility.volatility;
  CHECK(std::abs(f.total_variance - sample) < 0.25 * sample);
  CHECK(f.explained_share > 0.5);
  // The MKT exposure of a long, diversified Dow book is near its market beta.
  CHECK(std::abs(f.factors[0].exposure - s.betas.value_weighted) < 0.2);
  // The rest of the snapshot does not depend on the factors.
  const keel::snapshot plain = keel::risk_snapshot(h, p, keel_test::dow::options(bundled, 1000));
  CHECK(plain.volatility.volatility == s.volatility.volatility);
  CHECK(plain.risk_models.garch.omega == s.risk_models.garch.omega);
}

TEST_CASE("risk_snapshot: factor returns that do not cover the window name the first missing date and the count",
          "[snapshot][risk_models]") {
  auto o = options_with_factors();
  keel::return_table& f = *o.factor_returns;
  // Drop 12 dates of the window (2000-03-01 onwards, 12 trading days) from the table.
  const auto first =
      std::find(f.dates.begin(), f.dates.end(),
                std::chrono::year_month_day{std::chrono::year{2000}, std::chrono::March, std::chrono::day{1}});
  REQUIRE(first != f.dates.end());
  const auto at = first - f.dates.begin();
  const auto missing = keel::format_date(*first);
  keel::return_table cut;
  cut.symbols = f.symbols;
  for (std::ptrdiff_t r = 0; r < std::ssize(f.dates); ++r)
    if (r < at || r >= at + 12) cut.dates.push_back(f.dates[static_cast<std::size_t>(r)]);
  cut.returns.resize(std::ssize(cut.dates), f.returns.cols());
  for (std::ptrdiff_t r = 0, out = 0; r < std::ssize(f.dates); ++r)
    if (r < at || r >= at + 12) cut.returns.row(out++) = f.returns.row(r);
  f = cut;
  CHECK_THAT(invalid_input_message(o),
             Contains("risk_snapshot: factor returns lack 12 of the window's 252 dates, first " + missing +
                      " (window 2000-01-04 to 2001-01-02)"));

  // A table that ends before the window: every date missing, the first the window's first.
  auto early = options_with_factors();
  early.factor_returns->dates.resize(100);
  early.factor_returns->returns.conservativeResize(100, Eigen::NoChange);
  CHECK_THAT(invalid_input_message(early),
             Contains("factor returns lack 252 of the window's 252 dates, first 2000-01-04"));
}

TEST_CASE("risk_snapshot: malformed factor returns are invalid_input naming the factor, date or index",
          "[snapshot][risk_models]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto o = options_with_factors();
  auto& f = *o.factor_returns;
  const auto row = std::ssize(f.dates) - 5;  // in the window
  f.returns(row, 2) = nan;
  CHECK_THAT(invalid_input_message(o), Contains("factor 'Financials' on " +
                                                keel::format_date(f.dates[static_cast<std::size_t>(row)]) + " is NaN"));

  o = options_with_factors();
  o.factor_returns->returns(std::ssize(o.factor_returns->dates) - 1, 0) = std::numeric_limits<double>::infinity();
  CHECK_THAT(invalid_input_message(o), Contains("factor 'MKT' on 2001-01-02 is inf"));

  o = options_with_factors();
  std::swap(o.factor_returns->dates[10], o.factor_returns->dates[11]);
  CHECK_THAT(invalid_input_message(o), Contains("factor_returns.dates[11]"));

  o = options_with_factors();
  o.factor_returns->symbols[3] = "MKT";
  CHECK_THAT(invalid_input_message(o), Contains("factor 'MKT' appears twice in factor_returns (columns 0 and 3)"));

  o = options_with_factors();
  o.factor_returns->symbols.pop_back();
  CHECK_THAT(invalid_input_message(o), Contains("inconsistent table"));

  o = options_with_factors();
  o.factor_returns->symbols.clear();
  o.factor_returns->returns.resize(std::ssize(o.factor_returns->dates), 0);
  CHECK_THAT(invalid_input_message(o), Contains("factor_returns has no factor columns"));

  // A factor that repeats another is the caller's data too: time_series_factor_model's error.
  o = options_with_factors();
  o.factor_returns->returns.col(2) = o.factor_returns->returns.col(1);
  const auto p = keel_test::dow::prices(bundled);
  const auto h = keel_test::dow::portfolio(bundled);
  CHECK_THROWS_AS(keel::risk_snapshot(h, p, o), keel::singular_problem);
}

TEST_CASE("risk_snapshot: a GARCH fit that cannot be made leaves its reason and zero figures",
          "[snapshot][risk_models]") {
  // Through risk_snapshot the window is at least 60 returns (GARCH needs 40) and a constant
  // r_p already fails section 4's HAR fit, so the section's own function is driven here.
  keel::detail::snap::book b;
  b.returns.assign(35, 0.0);
  for (std::size_t t = 0; t < b.returns.size(); ++t) b.returns[t] = 0.01 * std::sin(0.7 * static_cast<double>(t));
  keel::snapshot_garch g;
  keel::detail::snap::garch_part(b, 252, g);
  CHECK_THAT(g.reason, Contains("garch_fit") && Contains("40"));
  CHECK(g.omega == 0);
  CHECK(g.volatility_1d == 0);
  CHECK_FALSE(g.converged);

  b.returns.assign(100, 0.002);
  keel::detail::snap::garch_part(b, 252, g);
  CHECK_THAT(g.reason, Contains("constant"));
  CHECK(g.volatility_10d == 0);

  // And the same function on a series that fits gives the figures, reason empty.
  b.returns.clear();
  for (int t = 0; t < 300; ++t) b.returns.push_back(0.01 * std::sin(0.37 * t) * (1 + 0.5 * std::cos(0.05 * t)));
  keel::detail::snap::garch_part(b, 252, g);
  CHECK(g.reason.empty());
  CHECK(g.n == 300);
  CHECK(g.volatility_1d > 0);
}
