// SPDX-License-Identifier: MIT
// Part of beta_test (tests/beta_test.cpp describes the whole test): rolling_beta (every storage,
// against market_beta on every window, panels, dated series, stale prices, bad input), the
// published betas of real price files and rolling_beta on real panels, and the API rules
// (overload selection, out forms that allocate nothing, option names in messages, long double,
// errors of dated series).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iostream>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/csv.hpp>

#include "support/allocations.hpp"
#include "support/beta_test_fixtures.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

using namespace keel_test::beta_test;

namespace {

using Catch::Matchers::Contains;
using ymd = std::chrono::year_month_day;

}  // namespace

// ---------------------------------------------------------------------------------------------
// rolling_beta.

namespace {
/// Every window of a rolling fit against a direct market_beta on that window: the relative
/// difference, taken against max(|direct|, floor). Near zero no two algorithms agree in
/// relative terms (a beta of 1e-6 is the difference of sums of order 1e-4, known to about
/// 1e-16 absolute), so floors of 0.01 for beta and R^2 and 1e-4 for a daily alpha make the
/// comparison absolute there; every typical value is compared relatively.
void check_rolling_against_direct(const keel::rolling_beta_result<double>& fits, const std::vector<double>& y,
                                  const std::vector<double>& x, std::ptrdiff_t window, double tol,
                                  double* worst = nullptr) {
  REQUIRE(std::ssize(fits.betas) == std::ssize(x) - window + 1);
  REQUIRE(fits.alphas.size() == fits.betas.size());
  REQUIRE(fits.r_squareds.size() == fits.betas.size());
  const std::span<const double> ys(y), xs(x);
  double worst_seen = 0;
  for (std::size_t k = 0; k < fits.betas.size(); ++k) {
    const auto direct = keel::market_beta(ys.subspan(k, static_cast<std::size_t>(window)),
                                          xs.subspan(k, static_cast<std::size_t>(window)), {.min_observations = 3});
    const double e_beta = rel_diff(fits.betas[k], direct.beta, 1e-2);
    const double e_alpha = rel_diff(fits.alphas[k], direct.alpha, 1e-4);
    const double e_r2 = rel_diff(fits.r_squareds[k], direct.r_squared, 1e-2);
    worst_seen = std::max({worst_seen, e_beta, e_alpha, e_r2});
    if (e_beta > tol || e_alpha > tol || e_r2 > tol) {
      INFO("window ending at " << k + static_cast<std::size_t>(window) - 1);
      CHECK(fits.betas[k] == Approx(direct.beta).epsilon(tol));
      CHECK(fits.alphas[k] == Approx(direct.alpha).epsilon(tol));
      CHECK(fits.r_squareds[k] == Approx(direct.r_squared).epsilon(tol));
    }
  }
  if (worst != nullptr) *worst = std::max(*worst, worst_seen);
}
}  // namespace

TEMPLATE_TEST_CASE("rolling_beta works over every storage", "[rolling][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const sample s = make_sample(300, 31);
  const TestType asset(s.asset), market(s.market);
  const auto fits = keel::rolling_beta(asset.series(), market.series(), 60);
  STATIC_REQUIRE(std::is_same_v<decltype(fits), const keel::rolling_beta_result<real>>);
  STATIC_REQUIRE(keel::Series<decltype(fits.betas)>);
  REQUIRE(fits.betas.size() == 241);
  std::vector<double> y, x;
  for (double v : s.asset) y.push_back(static_cast<double>(static_cast<real>(v)));
  for (double v : s.market) x.push_back(static_cast<double>(static_cast<real>(v)));
  const double tol = std::is_same_v<real, float> ? 2e-6 : 1e-11;
  for (std::size_t k = 0; k < fits.betas.size(); k += 7) {
    const std::vector<double> wy(y.begin() + static_cast<std::ptrdiff_t>(k),
                                 y.begin() + static_cast<std::ptrdiff_t>(k) + 60);
    const std::vector<double> wx(x.begin() + static_cast<std::ptrdiff_t>(k),
                                 x.begin() + static_cast<std::ptrdiff_t>(k) + 60);
    const reference_fit ref = ols_reference(wy, wx);
    CHECK(rel_diff(static_cast<double>(fits.betas[k]), ref.beta) < tol);
    CHECK(rel_diff(static_cast<double>(fits.r_squareds[k]), ref.r2) < tol);
  }
}

TEST_CASE("rolling_beta agrees with market_beta on every window (random data)", "[rolling]") {
  for (std::ptrdiff_t window : {3, 4, 5, 20, 90, 250}) {
    const sample s = make_sample(1200, static_cast<unsigned>(window), 0.9, 0.015);
    const auto fits = keel::rolling_beta(s.asset, s.market, window);
    INFO("window " << window);
    check_rolling_against_direct(fits, s.asset, s.market, window, 1e-12);
  }
}

TEST_CASE("rolling_beta of a panel matches the single-series form column by column", "[rolling][panel]") {
  const std::ptrdiff_t t = 700, n_assets = 5, window = 90;
  const sample s = make_sample(static_cast<std::size_t>(t), 77);
  Eigen::MatrixXd assets(t, n_assets);
  std::mt19937_64 gen(4);
  std::normal_distribution<double> e(0.0, 0.01);
  for (Eigen::Index j = 0; j < n_assets; ++j)
    for (Eigen::Index i = 0; i < t; ++i)
      assets(i, j) = 0.5 * static_cast<double>(j) * s.market[static_cast<std::size_t>(i)] + e(gen);
  const auto panel = keel::rolling_beta(assets, s.market, window);
  REQUIRE(panel.betas.rows() == t - window + 1);
  REQUIRE(panel.betas.cols() == n_assets);
  for (Eigen::Index j = 0; j < n_assets; ++j) {
    const std::vector<double> col(assets.col(j).begin(), assets.col(j).end());
    const auto single = keel::rolling_beta(col, s.market, window);
    for (Eigen::Index k = 0; k < panel.betas.rows(); ++k) {
      CHECK(panel.betas(k, j) == single.betas[static_cast<std::size_t>(k)]);
      CHECK(panel.alphas(k, j) == single.alphas[static_cast<std::size_t>(k)]);
      CHECK(panel.r_squareds(k, j) == single.r_squareds[static_cast<std::size_t>(k)]);
    }
  }
  // Reusing the output storage gives the same values (and needs no reallocation).
  keel::rolling_beta_panel<double> reused = panel;
  keel::rolling_beta_panel<double>::workspace ws;
  const double* before = reused.betas.data();
  keel::rolling_beta(assets, s.market, window, reused, ws);
  CHECK(reused.betas.data() == before);
  CHECK(reused.betas == panel.betas);
  // Betas only: the same betas, alpha and R^2 left empty.
  const auto betas_only = keel::rolling_beta(assets, s.market, window, {.alpha = false, .r_squared = false});
  CHECK(betas_only.betas == panel.betas);
  CHECK(betas_only.alphas.size() == 0);
  CHECK(betas_only.r_squareds.size() == 0);
  keel::rolling_beta(assets, s.market, window, reused, ws, {.alpha = true, .r_squared = false});
  CHECK(reused.alphas == panel.alphas);
  CHECK(reused.r_squareds.size() == 0);
  // An odd number of assets: the last is rolled alone.
  const auto odd = keel::rolling_beta(assets.leftCols(3), s.market, window);
  CHECK(odd.betas == panel.betas.leftCols(3));
  CHECK(odd.r_squareds == panel.r_squareds.leftCols(3));
  // A row-major panel and a float panel work too.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = assets;
  CHECK(keel::rolling_beta(row_major, s.market, window).betas == panel.betas);
  const Eigen::MatrixXf as_float = assets.cast<float>();
  const auto fpanel = keel::rolling_beta(as_float, keel_test::converted<float>(s.market), window);
  STATIC_REQUIRE(std::is_same_v<decltype(fpanel.betas)::Scalar, float>);
  CHECK(((fpanel.betas.cast<double>() - panel.betas).array().abs() < 1e-4).all());
}

TEST_CASE("rolling_beta of dated series keys each window by its last date", "[rolling][dated]") {
  const sample s = make_sample(200, 5);
  std::vector<int> days(200);
  std::iota(days.begin(), days.end(), 1000);
  const keel::dated_view asset(days, s.asset);
  std::vector<int> mdays(days.begin() + 10, days.end());  // market starts 10 days later
  const std::vector<double> mvals(s.market.begin() + 10, s.market.end());
  const keel::dated_view market(mdays, mvals);
  const auto rolled = keel::rolling_beta(asset, market, 30);
  STATIC_REQUIRE(keel::DatedSeries<decltype(rolled.betas)>);
  REQUIRE(rolled.betas.size() == 190 - 30 + 1);
  CHECK(rolled.betas.keys().front() == 1010 + 29);
  CHECK(rolled.betas.keys().back() == 1199);
  CHECK(rolled.alphas.keys() == rolled.betas.keys());
  CHECK(rolled.r_squareds.keys() == rolled.betas.keys());
  const std::vector<double> ay(s.asset.begin() + 10, s.asset.end());
  keel::rolling_beta_result<double> fits;
  fits.betas = rolled.betas.values();
  fits.alphas = rolled.alphas.values();
  fits.r_squareds = rolled.r_squareds.values();
  check_rolling_against_direct(fits, ay, mvals, 30, 1e-12);
}

TEST_CASE("rolling_beta is exact where a price goes stale", "[rolling][degenerate]") {
  // Forty days of zero returns inside a 30-day window: the running sums cannot represent a
  // variance of exactly zero, so those windows are recomputed exactly: beta 0, R^2 0.
  sample s = make_sample(400, 13);
  std::fill(s.asset.begin() + 200, s.asset.begin() + 240, 0.0);
  const auto fits = keel::rolling_beta(s.asset, s.market, 30);
  for (std::size_t k = 200; k + 30 <= 240; ++k) {
    INFO("window starting at " << k);
    CHECK(fits.betas[k] == 0.0);
    CHECK(fits.alphas[k] == 0.0);
    CHECK(fits.r_squareds[k] == 0.0);
  }
  check_rolling_against_direct(fits, s.asset, s.market, 30, 1e-12);
  // A market whose variance collapses a millionfold stays accurate too.
  sample calm = make_sample(400, 14);
  for (std::size_t i = 150; i < 260; ++i) calm.market[i] *= 1e-3;
  check_rolling_against_direct(keel::rolling_beta(calm.asset, calm.market, 50), calm.asset, calm.market, 50, 1e-12);
  // A market that crashes and then barely moves while the asset keeps moving: the market's
  // running S_xx collapses a trillionfold (and is recomputed), and the asset's running S_xy
  // loses as many digits with it, so it must be recomputed too even though the asset's own
  // sums are fine.
  sample spell = make_sample(400, 15);
  for (std::size_t i = 60; i < 300; ++i) spell.market[i] *= 1e-6;
  spell.market[58] = -0.25;
  spell.market[59] = 0.18;
  check_rolling_against_direct(keel::rolling_beta(spell.asset, spell.market, 30), spell.asset, spell.market, 30, 1e-12);
}

TEST_CASE("rolling_beta rejects bad input with located messages", "[rolling][errors]") {
  const sample s = make_sample(200, 6);
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, s.market, 2), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, s.market, 2), Contains("window = 2"));
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, s.market, 201), keel::insufficient_data);
  std::vector<double> y = s.asset;
  y[150] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(keel::rolling_beta(y, s.market, 20), Contains("asset_returns[150] is NaN"));
  std::vector<double> x = s.market;
  x[3] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, x, 20), Contains("market_returns[3] is inf"));
  std::vector<double> stale = s.market;
  std::fill(stale.begin() + 100, stale.begin() + 130, 0.0);  // a 30-day window with no moves
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, stale, 30), keel::singular_problem);
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, stale, 30), Contains("market_returns[100..129]"));
  CHECK_NOTHROW(keel::rolling_beta(s.asset, stale, 31));

  Eigen::MatrixXd panel(200, 3);
  panel.setRandom();
  panel(42, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(keel::rolling_beta(panel, s.market, 20), Contains("assets(42, 2) is NaN"));
  const Eigen::MatrixXd short_panel = Eigen::MatrixXd::Random(150, 2);
  CHECK_THROWS_AS(keel::rolling_beta(short_panel, s.market, 20), keel::invalid_input);
}

// ---------------------------------------------------------------------------------------------
// Real data.

namespace {
ymd date(int y, unsigned m, unsigned d) {
  return ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

/// The fit of the last `window` returns of `symbol` against `market` ending on `end` (dated
/// returns, aligned on dates).
template <class A, class M>
keel::beta_fit<double> beta_ending(const A& asset_prices, const M& market_prices, ymd end, std::ptrdiff_t window) {
  const auto ra = keel::simple_returns(asset_prices);
  const auto rm = keel::simple_returns(market_prices);
  const auto aligned = keel::align(ra, rm);
  const auto last = std::upper_bound(aligned.keys.begin(), aligned.keys.end(), end) - aligned.keys.begin();
  REQUIRE(last >= window);
  const std::span<const double> a(aligned.first), m(aligned.second);
  return keel::market_beta(a.subspan(static_cast<std::size_t>(last - window), static_cast<std::size_t>(window)),
                           m.subspan(static_cast<std::size_t>(last - window), static_cast<std::size_t>(window)));
}
}  // namespace

TEST_CASE("NVDA's 90-day beta to SPY ending 2026-02-13 is 1.945", "[beta][real]") {
  const auto path = keel_test::shared_file("data/NVDA_SPY_daily.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const auto fit = beta_ending(table.column("NVDA"), table.column("SPY"), date(2026, 2, 13), 90);
  CHECK(fit.n == 90);
  CHECK(fit.beta == Approx(1.945).margin(0.0005));
  CHECK(std::sqrt(fit.r_squared) == Approx(0.663).margin(0.0005));  // corr in SOURCES.md
  const auto fit252 = beta_ending(table.column("NVDA"), table.column("SPY"), date(2026, 2, 13), 252);
  CHECK(fit252.beta == Approx(1.768).margin(0.0005));
  CHECK(std::sqrt(fit252.r_squared) == Approx(0.770).margin(0.0005));

  // The trailing 90-day beta at month-ends, through the dated rolling_beta.
  const auto rolled =
      keel::rolling_beta(keel::simple_returns(table.column("NVDA")), keel::simple_returns(table.column("SPY")), 90);
  const std::vector<std::pair<ymd, double>> month_ends{{date(2025, 6, 30), 1.738},  {date(2025, 7, 31), 1.625},
                                                       {date(2025, 8, 29), 1.628},  {date(2025, 9, 30), 1.674},
                                                       {date(2025, 10, 31), 1.647}, {date(2025, 11, 28), 1.809},
                                                       {date(2025, 12, 31), 1.920}, {date(2026, 1, 30), 1.844}};
  for (const auto& [d, expected] : month_ends) {
    const auto& keys = rolled.betas.keys();
    const auto it = std::lower_bound(keys.begin(), keys.end(), d);
    REQUIRE(it != keys.end());
    REQUIRE(*it == d);
    INFO("month-end " << keel::detail::date_text(d));
    CHECK(rolled.betas.values()[static_cast<std::size_t>(it - keys.begin())] == Approx(expected).margin(0.0005));
  }
  CHECK(rolled.betas.values().back() == Approx(fit.beta).epsilon(1e-12));
}

TEST_CASE("published 90- and 252-day betas of US stocks and ETFs on SPY", "[beta][real]") {
  const auto path = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  struct row {
    const char* symbol;
    double beta90, beta252;
  };
  for (const row& r : {row{"AAPL", 0.882, 1.270}, row{"AMD", 2.961, 2.078}, row{"MSFT", 0.867, 0.878},
                       row{"NVDA", 1.945, 1.768}, row{"QQQ", 1.331, 1.172}, row{"TSLA", 2.126, 2.197}}) {
    INFO(r.symbol);
    CHECK(beta_ending(table.column(r.symbol), table.column("SPY"), date(2026, 2, 13), 90).beta ==
          Approx(r.beta90).margin(0.0005));
    CHECK(beta_ending(table.column(r.symbol), table.column("SPY"), date(2026, 2, 13), 252).beta ==
          Approx(r.beta252).margin(0.0005));
  }
}

TEST_CASE("published betas on the S&P 500 index, 2015-2020 and 2023-2024", "[beta][real]") {
  const auto pob = keel_test::shared_file("data/sp500_stocks_index_daily_2015_2020.csv");
  if (pob) {
    const auto table = keel::read_prices_csv(*pob);
    struct row {
      const char* symbol;
      double beta90, beta252;
    };
    for (const row& r : {row{"NVDA", 1.310, 1.345}, row{"AAPL", 1.220, 1.104}, row{"MSFT", 1.123, 1.117}}) {
      INFO(r.symbol);
      CHECK(beta_ending(table.column(r.symbol), table.column("SP500_INDEX"), date(2020, 9, 22), 90).beta ==
            Approx(r.beta90).margin(0.0005));
      CHECK(beta_ending(table.column(r.symbol), table.column("SP500_INDEX"), date(2020, 9, 22), 252).beta ==
            Approx(r.beta252).margin(0.0005));
    }
  }
  // Two files joined on dates: stock prices from one, SPY from another.
  const auto stocks = keel_test::shared_file("data/sp500_stocks_daily_2023-06_2024-06.csv");
  const auto etfs = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!stocks || !etfs) return;
  const auto st = keel::read_prices_csv(*stocks);
  const auto spy = keel::read_prices_csv(*etfs);
  struct row {
    const char* symbol;
    double beta90, beta251;
  };
  for (const row& r : {row{"NVDA", 2.835, 2.230}, row{"AAPL", 0.974, 1.056}, row{"MSFT", 1.399, 1.244}}) {
    INFO(r.symbol);
    CHECK(beta_ending(st.column(r.symbol), spy.column("SPY"), date(2024, 6, 13), 90).beta ==
          Approx(r.beta90).margin(0.0005));
    const auto all =
        keel::market_beta(keel::simple_returns(st.column(r.symbol)), keel::simple_returns(spy.column("SPY")));
    CHECK(all.n == 251);
    CHECK(all.beta == Approx(r.beta251).margin(0.0005));
  }
}

namespace {
/// Daily simple returns of every column of a price table (complete rows only) and their
/// equal-weighted mean, the market proxy used with the Dow data.
struct return_panel {
  Eigen::MatrixXd returns;
  std::vector<double> market;
};

return_panel returns_of(const keel::price_table& table) {
  return_panel p;
  const Eigen::Index t = table.prices.rows() - 1;
  p.returns.resize(t, table.prices.cols());
  for (Eigen::Index j = 0; j < table.prices.cols(); ++j) {
    const auto r = keel::simple_returns(table.prices.col(j));
    for (Eigen::Index i = 0; i < t; ++i) p.returns(i, j) = r[static_cast<std::size_t>(i)];
  }
  p.market.resize(static_cast<std::size_t>(t));
  for (Eigen::Index i = 0; i < t; ++i) p.market[static_cast<std::size_t>(i)] = p.returns.row(i).mean();
  return p;
}

void check_panel_against_direct(const return_panel& p, std::ptrdiff_t window, double tol) {
  const auto panel = keel::rolling_beta(p.returns, p.market, window);
  double worst = 0;
  for (Eigen::Index j = 0; j < p.returns.cols(); ++j) {
    const std::vector<double> y(p.returns.col(j).begin(), p.returns.col(j).end());
    keel::rolling_beta_result<double> fits;
    for (Eigen::Index k = 0; k < panel.betas.rows(); ++k) {
      fits.betas.push_back(panel.betas(k, j));
      fits.alphas.push_back(panel.alphas(k, j));
      fits.r_squareds.push_back(panel.r_squareds(k, j));
    }
    INFO("column " << j);
    check_rolling_against_direct(fits, y, p.market, window, tol, &worst);
  }
  std::cout << "rolling vs direct, window " << window << ", " << p.returns.cols()
            << " assets: worst relative difference " << worst << "\n";
}
}  // namespace

TEST_CASE("rolling_beta agrees with market_beta on every window of the bundled Dow data", "[rolling][real]") {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const return_panel p = returns_of(table);
  REQUIRE(p.returns.rows() == 2528);
  check_panel_against_direct(p, 90, 1e-12);
  check_panel_against_direct(p, 252, 1e-12);
}

TEST_CASE("rolling_beta agrees with market_beta on every window of 471 S&P 500 stocks", "[rolling][real]") {
  const auto path = keel_test::shared_file("data/sp500_stocks_index_daily_2015_2020.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const Eigen::Index index_col = table.index_of("SP500_INDEX");
  return_panel p = returns_of(table);
  p.market.assign(p.returns.col(index_col).begin(), p.returns.col(index_col).end());
  check_panel_against_direct(p, 90, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// API rules: overload selection, out forms, option names in messages, long double.

TEST_CASE("a VectorXd always selects the series form of rolling_beta, with or without options", "[rolling][static]") {
  const sample s = make_sample(120, 21);
  const Eigen::VectorXd a = Eigen::Map<const Eigen::VectorXd>(s.asset.data(), 120);
  const Eigen::VectorXd m = Eigen::Map<const Eigen::VectorXd>(s.market.data(), 120);
  using series_result = keel::rolling_beta_result<double>;
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30)), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30, {})), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30, {.alpha = false})), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a.head(50), m.head(50), 30)), series_result>);
  const Eigen::MatrixXd panel = a;
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(panel, m, 30, {})), keel::rolling_beta_panel<double>>);
  std::vector<int> days(120);
  std::iota(days.begin(), days.end(), 0);
  const keel::dated_view da(days, s.asset), dm(days, s.market);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(da, dm, 30, {})), keel::dated_rolling_beta<int, double>>);
  // And the forms agree: a one-column panel is the series form's betas.
  const auto by_series = keel::rolling_beta(a, m, 30, {});
  const auto by_panel = keel::rolling_beta(panel, m, 30, {});
  REQUIRE(by_panel.betas.rows() == std::ssize(by_series.betas));
  for (Eigen::Index k = 0; k < by_panel.betas.rows(); ++k)
    CHECK(by_panel.betas(k, 0) == by_series.betas[static_cast<std::size_t>(k)]);
  const auto skipped = keel::rolling_beta(a, m, 30, {.alpha = false, .r_squared = false});
  CHECK(skipped.betas == by_series.betas);
  CHECK(skipped.alphas.empty());
  CHECK(skipped.r_squareds.empty());
}

TEST_CASE("every rolling_beta out form allocates nothing once warm", "[rolling][allocation]") {
  const sample s = make_sample(600, 22);
  std::vector<int> days(600);
  std::iota(days.begin(), days.end(), 0);
  const keel::dated_view da(days, s.asset), dm(days, s.market);
  Eigen::MatrixXd panel(600, 3);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < 600; ++i) panel(i, j) = s.asset[static_cast<std::size_t>((i + 7 * j) % 600)];
  const std::vector<float> af = keel_test::converted<float>(s.asset), mf = keel_test::converted<float>(s.market);
  keel::rolling_beta_result<double> series_out;
  keel::rolling_beta_result<double>::workspace series_ws;
  keel::rolling_beta_result<float> float_out;
  keel::rolling_beta_result<float>::workspace float_ws;
  keel::dated_rolling_beta<int, double> dated_out;
  keel::dated_rolling_beta<int, double>::workspace dated_ws;
  keel::rolling_beta_panel<double> panel_out;
  keel::rolling_beta_panel<double>::workspace panel_ws;
  const auto all = [&] {
    keel::rolling_beta(s.asset, s.market, 60, series_out, series_ws);
    keel::rolling_beta(af, mf, 60, float_out, float_ws);  // converted into the workspace's scratch
    keel::rolling_beta(da, dm, 60, dated_out, dated_ws);
    keel::rolling_beta(panel, s.market, 60, panel_out, panel_ws);
  };
  all();  // warm: sizes every buffer
  const long before = keel_test::allocation_count();
  all();
  all();
  CHECK(keel_test::allocation_count() == before);
  // The reused results equal fresh ones.
  CHECK(series_out.betas == keel::rolling_beta(s.asset, s.market, 60).betas);
  CHECK(dated_out.betas.values() == series_out.betas);
  CHECK(dated_out.betas.keys().front() == 59);
  CHECK(panel_out.betas == keel::rolling_beta(panel, s.market, 60).betas);
}

TEST_CASE("too few observations names the option that sets the minimum", "[beta][errors]") {
  const sample s = make_sample(12, 23);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, s.market),
                    Contains("needs at least 20 observations, got 12 (set by beta_options::min_observations)"));
  try {
    (void)keel::market_beta(s.asset, s.market, {.min_observations = 15});
    FAIL("no exception");
  } catch (const keel::insufficient_data& e) {
    CHECK(e.required() == 15);
    CHECK(e.actual() == 12);
  }
}

TEST_CASE("long double input is computed in long double", "[beta][storage]") {
  const sample s = make_sample(400, 24);
  const std::vector<long double> y(s.asset.begin(), s.asset.end()), x(s.market.begin(), s.market.end());
  const reference_fit ref = ols_reference(s.asset, s.market);  // long double two-pass
  const auto fit = keel::market_beta(y, x);
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::beta_fit<long double>>);
  // A double computation cannot get closer than about 1e-16; long double gets about 1e-18.
  const auto rel = [](long double a, long double b) { return std::fabs(a - b) / std::fabs(b); };
  CHECK(rel(fit.beta, ref.beta) < 1e-17L);
  CHECK(rel(fit.r_squared, ref.r2) < 1e-17L);
  const auto rolled = keel::rolling_beta(y, x, 100);
  STATIC_REQUIRE(std::is_same_v<decltype(rolled.betas), std::vector<long double>>);
  const std::vector<double> wy(s.asset.begin(), s.asset.begin() + 100), wx(s.market.begin(), s.market.begin() + 100);
  CHECK(rel(rolled.betas.front(), ols_reference(wy, wx).beta) < 1e-17L);
}

TEST_CASE("errors on dated series name the symbol and the dates", "[beta][dated][errors]") {
  const sample s = make_sample(300, 25);
  std::vector<ymd> dates;
  for (int i = 0; i < 300; ++i)
    dates.push_back(std::chrono::sys_days(std::chrono::year{2024} / 1 / 1) + std::chrono::days(i));
  std::vector<double> flat = s.market;
  std::fill(flat.begin() + 100, flat.begin() + 140, 0.0);  // 40 days without a move
  const keel::dated_view asset(dates, s.asset, "AAPL"), market(dates, flat, "SPY");
  CHECK_THROWS_WITH(keel::rolling_beta(asset, market, 30),
                    Contains("rolling_beta: SPY[100..129] (2024-04-10 to 2024-05-09) have zero variance"));
  const keel::dated_view calm(std::vector<ymd>(dates.begin() + 100, dates.begin() + 140),
                              std::vector<double>(flat.begin() + 100, flat.begin() + 140), "SPY");
  CHECK_THROWS_WITH(keel::market_beta(asset, calm),
                    Contains("market_beta: SPY[0..39] (2024-04-10 to 2024-05-19) have zero variance"));
  // Unnamed dated series fall back to the argument names, still with dates.
  const keel::dated_view plain(std::vector<ymd>(dates.begin() + 100, dates.begin() + 140),
                               std::vector<double>(flat.begin() + 100, flat.begin() + 140));
  CHECK_THROWS_WITH(keel::market_beta(asset, plain), Contains("market_returns[0..39] (2024-04-10 to 2024-05-19)"));
}

// ---------------------------------------------------------------------------------------------
// Results are values: the out forms' scratch is an explicit workspace.

namespace {
template <class R>
constexpr bool has_workspace_member = requires(R r) {
  r.workspace;
};
template <class R>
constexpr bool scratch_free = requires {
  typename R::workspace;
}
&&!has_workspace_member<R> && std::is_default_constructible_v<typename R::workspace>;
struct with_member {  // the shape before issue 18: the check must see it
  int workspace;
};
static_assert(has_workspace_member<with_member>);
}  // namespace

static_assert(scratch_free<keel::rolling_beta_result<double>>);
static_assert(scratch_free<keel::rolling_beta_result<float>>);
static_assert(scratch_free<keel::dated_rolling_beta<int, double>>);
static_assert(scratch_free<keel::rolling_beta_panel<double>>);
static_assert(scratch_free<keel::rolling_beta_panel<float>>);

namespace {
void check_same(const keel::rolling_beta_result<double>& a, const keel::rolling_beta_result<double>& b) {
  CHECK(a.betas == b.betas);
  CHECK(a.alphas == b.alphas);
  CHECK(a.r_squareds == b.r_squareds);
}
template <class K>
void check_same(const keel::dated_rolling_beta<K, double>& a, const keel::dated_rolling_beta<K, double>& b) {
  CHECK(a.betas.keys() == b.betas.keys());
  CHECK(a.betas.values() == b.betas.values());
  CHECK(a.alphas.keys() == b.alphas.keys());
  CHECK(a.alphas.values() == b.alphas.values());
  CHECK(a.r_squareds.keys() == b.r_squareds.keys());
  CHECK(a.r_squareds.values() == b.r_squareds.values());
}
void check_same(const keel::rolling_beta_panel<double>& a, const keel::rolling_beta_panel<double>& b) {
  CHECK(a.betas == b.betas);
  CHECK(a.alphas == b.alphas);
  CHECK(a.r_squareds == b.r_squareds);
}
Eigen::MatrixXd panel_of(const sample& s, Eigen::Index cols, double scale) {
  Eigen::MatrixXd p(std::ssize(s.asset), cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < p.rows(); ++i)
      p(i, j) = scale * s.asset[static_cast<std::size_t>((i + 11 * j) % p.rows())];
  return p;
}
}  // namespace

TEST_CASE("rolling_beta's out forms with a reused workspace equal the plain forms bit for bit",
          "[rolling][workspace]") {
  // Two different inputs in a row through one out and one workspace: a longer first series,
  // a different window and different options, so stale scratch would show.
  const sample first = make_sample(800, 31, 1.3, 0.02);
  const sample second = make_sample(300, 32, -0.4, 0.005);
  keel::rolling_beta_result<double> out;
  keel::rolling_beta_result<double>::workspace ws;
  keel::rolling_beta(first.asset, first.market, 90, out, ws);
  check_same(out, keel::rolling_beta(first.asset, first.market, 90));
  keel::rolling_beta(second.asset, second.market, 20, out, ws, {.alpha = false});
  check_same(out, keel::rolling_beta(second.asset, second.market, 20, {.alpha = false}));
  CHECK(out.alphas.empty());
  // Float input converted into the workspace's scratch.
  const std::vector<float> af1 = keel_test::converted<float>(first.asset),
                           mf1 = keel_test::converted<float>(first.market);
  const std::vector<float> af2 = keel_test::converted<float>(second.asset),
                           mf2 = keel_test::converted<float>(second.market);
  keel::rolling_beta_result<float> fout;
  keel::rolling_beta_result<float>::workspace fws;
  keel::rolling_beta(af1, mf1, 60, fout, fws);
  CHECK(fout.betas == keel::rolling_beta(af1, mf1, 60).betas);
  keel::rolling_beta(af2, mf2, 30, fout, fws);
  const auto ffresh = keel::rolling_beta(af2, mf2, 30);
  CHECK(fout.betas == ffresh.betas);
  CHECK(fout.alphas == ffresh.alphas);
  CHECK(fout.r_squareds == ffresh.r_squareds);

  // Dated: different keys, a market that starts later, one workspace.
  std::vector<int> d1(800), d2(300);
  std::iota(d1.begin(), d1.end(), 0);
  std::iota(d2.begin(), d2.end(), 10000);
  const std::vector<int> d2m(d2.begin() + 7, d2.end());
  const std::vector<double> m2(second.market.begin() + 7, second.market.end());
  keel::dated_rolling_beta<int, double> dated;
  keel::dated_rolling_beta<int, double>::workspace dated_ws;
  keel::rolling_beta(keel::dated_view(d1, first.asset), keel::dated_view(d1, first.market), 90, dated, dated_ws);
  check_same(dated, keel::rolling_beta(keel::dated_view(d1, first.asset), keel::dated_view(d1, first.market), 90));
  keel::rolling_beta(keel::dated_view(d2, second.asset), keel::dated_view(d2m, m2), 20, dated, dated_ws,
                     {.r_squared = false});
  check_same(dated, keel::rolling_beta(keel::dated_view(d2, second.asset), keel::dated_view(d2m, m2), 20,
                                       {.r_squared = false}));
  CHECK(dated.betas.keys().front() == 10000 + 7 + 19);
  CHECK(dated.r_squareds.size() == 0);
  // A call that throws leaves the result as it was.
  const auto kept = dated.betas.values();
  CHECK_THROWS_AS(
      keel::rolling_beta(keel::dated_view(d2, second.asset), keel::dated_view(d2m, m2), 500, dated, dated_ws),
      keel::insufficient_data);
  CHECK(dated.betas.values() == kept);

  // Panel: a wider first panel (an odd column count), then a narrower one.
  const Eigen::MatrixXd p1 = panel_of(first, 5, 1.0), p2 = panel_of(second, 2, 3.0);
  keel::rolling_beta_panel<double> pout;
  keel::rolling_beta_panel<double>::workspace pws;
  keel::rolling_beta(p1, first.market, 90, pout, pws);
  check_same(pout, keel::rolling_beta(p1, first.market, 90));
  keel::rolling_beta(p2, second.market, 25, pout, pws, {.alpha = false, .r_squared = false});
  check_same(pout, keel::rolling_beta(p2, second.market, 25, {.alpha = false, .r_squared = false}));
}

TEST_CASE("rolling_beta's deprecated out forms without a workspace equal the new ones", "[rolling][deprecated]") {
  const sample s = make_sample(400, 33);
  std::vector<int> days(400);
  std::iota(days.begin(), days.end(), 0);
  const keel::dated_view da(days, s.asset), dm(days, s.market);
  const Eigen::MatrixXd panel = panel_of(s, 3, 1.0);
  keel::rolling_beta_result<double> old_series, new_series;
  keel::rolling_beta_result<double>::workspace series_ws;
  keel::dated_rolling_beta<int, double> old_dated, new_dated;
  keel::dated_rolling_beta<int, double>::workspace dated_ws;
  keel::rolling_beta_panel<double> old_panel, new_panel;
  keel::rolling_beta_panel<double>::workspace panel_ws;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  keel::rolling_beta(s.asset, s.market, 40, old_series, {.alpha = false});
  keel::rolling_beta(da, dm, 40, old_dated);
  keel::rolling_beta(panel, s.market, 40, old_panel, {.r_squared = false});
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  keel::rolling_beta(s.asset, s.market, 40, new_series, series_ws, {.alpha = false});
  keel::rolling_beta(da, dm, 40, new_dated, dated_ws);
  keel::rolling_beta(panel, s.market, 40, new_panel, panel_ws, {.r_squared = false});
  check_same(old_series, new_series);
  check_same(old_dated, new_dated);
  check_same(old_panel, new_panel);
}
