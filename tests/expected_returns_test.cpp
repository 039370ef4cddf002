// SPDX-License-Identifier: MIT
// Tests of keel/expected_returns.hpp: mean_historical_return, capm_return.
//
// Independent references: PyPortfolioOpt's published test values (tests/test_expected_returns.py:
// its 5 x 4 dummy frame, and stock_prices.csv, which is ../shared/data/stock_prices.csv); a
// long-double implementation written here with the product formula (prod (1 + r))^(f/n) - 1
// and pairwise two-pass moments.
#include <cmath>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>

#include "support/shared_data.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
const double missing = std::numeric_limits<double>::quiet_NaN();

/// PyPortfolioOpt's dummy prices (its fourth column has negative "prices" and is left out:
/// keel rejects a price <= 0).
Eigen::MatrixXd dummy() {
  Eigen::MatrixXd p(5, 3);
  p << 4.0, 2.0, 0.6, 4.2, 2.1, 0.59, 3.9, 2.0, 0.58, 4.3, 2.1, 0.62, 4.1, 2.2, 0.63;
  return p;
}

/// Long-double reference: returns of consecutive observed prices, product-form CAGR or mean.
long double reference_mean(const Eigen::MatrixXd& prices, Eigen::Index j, bool compounding, int periods) {
  long double prod = 1, sum = 0;
  int n = 0;
  for (Eigen::Index i = 1; i < prices.rows(); ++i) {
    const long double a = prices(i - 1, j), b = prices(i, j);
    if (std::isnan(a) || std::isnan(b)) continue;
    const long double r = b / a - 1;
    prod *= 1 + r;
    sum += r;
    ++n;
  }
  return compounding ? std::pow(prod, static_cast<long double>(periods) / n) - 1 : periods * sum / n;
}

}  // namespace

TEST_CASE("mean_historical_return equals PyPortfolioOpt's dummy-frame values", "[expected_returns]") {
  // test_mean_historical_returns_dummy, frequency = 1; the published values have 7 digits.
  const auto geo = keel::mean_historical_return(dummy(), {.periods_per_year = 1});
  CHECK(geo(0) == Approx(0.0061922).margin(5e-8));
  CHECK(geo(1) == Approx(0.0241137).margin(5e-8));
  CHECK(geo(2) == Approx(0.0122722).margin(5e-8));
  const auto ari = keel::mean_historical_return(dummy(), {.compounding = false, .periods_per_year = 1});
  CHECK(ari(0) == Approx(0.0086560).margin(5e-8));
  CHECK(ari(1) == Approx(0.0250000).margin(5e-8));
  CHECK(ari(2) == Approx(0.0128697).margin(5e-8));
}

TEST_CASE("mean_historical_return and capm_return on stock_prices.csv equal PyPortfolioOpt",
          "[expected_returns][data]") {
  const auto file = keel_test::shared_file("data/stock_prices.csv");
  if (!file) return;
  const keel::price_table prices = keel::read_prices_csv(*file);
  REQUIRE(prices.symbols.size() == 20);
  // test_mean_historical_returns (assert_array_almost_equal: 6 decimals).
  const double mean_published[] = {0.247967,  0.294304, 0.284037,  0.1923164, 0.371327,  0.1360093,  0.0328503,
                                   0.1200115, 0.105540, 0.0423457, 0.1002559, 0.1442237, -0.0792602, 0.1430506,
                                   0.0736356, 0.238835, 0.388665,  0.226717,  0.1561701, 0.2318153};
  const Eigen::VectorXd mu = keel::mean_historical_return(prices);
  for (Eigen::Index j = 0; j < 20; ++j) CHECK(mu(j) == Approx(mean_published[j]).margin(1.5e-6));
  // ... and the long-double product formula to 1e-13 relative.
  for (Eigen::Index j = 0; j < 20; ++j)
    CHECK(mu(j) == Approx(static_cast<double>(reference_mean(prices.prices, j, true, 252))).epsilon(1e-13));
  // test_capm_no_benchmark, risk_free_rate = 0.02: full-precision pandas values. The pairwise
  // moments (each asset over its own dates with the equal-weighted market) must match to 1e-12.
  const double capm_published[] = {0.22148462799238577, 0.2835429647498704,  0.14693081977908462, 0.1488989354304723,
                                   0.4162399750335195,  0.22716772604184535, 0.3970337136813829,  0.16733214988182069,
                                   0.31791477659742146, 0.17279931642386534, 0.15271750464365566, 0.351778014382922,
                                   0.32859883451716376, 0.1501938182844417,  0.268295486802897,   0.31632339201710874,
                                   0.27753479916328516, 0.16959588523287855, 0.3089119447773357,  0.2558719211959501};
  const Eigen::VectorXd capm = keel::capm_return(prices.prices, {.risk_free = 0.02});
  for (Eigen::Index j = 0; j < 20; ++j) CHECK(capm(j) == Approx(capm_published[j]).epsilon(1e-12));
  // Returns in, returns out: the same estimates from the returns panel.
  const keel::return_table returns = keel::simple_returns(prices);
  const Eigen::VectorXd mu2 = keel::mean_historical_return(returns.returns, {.returns_data = true});
  CHECK((mu2 - mu).lpNorm<Eigen::Infinity>() <= 1e-14);
  // Arithmetic means scale with the periods per year.
  const Eigen::VectorXd a252 = keel::mean_historical_return(prices, {.compounding = false});
  const Eigen::VectorXd a52 = keel::mean_historical_return(prices, {.compounding = false, .periods_per_year = 52});
  CHECK((a252 / 252 - a52 / 52).lpNorm<Eigen::Infinity>() <= 1e-16);
}

TEMPLATE_TEST_CASE("mean_historical_return of one series over every storage", "[expected_returns]",
                   KEEL_STORAGE_TYPES) {
  const std::vector<double> prices{100, 101.5, missing, 99.0, 102.25, 103.0, 101.0};
  const TestType x(prices);
  using real = typename TestType::real;
  const auto mu = keel::mean_historical_return(x.series(), {.periods_per_year = 12});
  STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(mu)>, real>);
  Eigen::MatrixXd panel(7, 1);
  for (int i = 0; i < 7; ++i) panel(i, 0) = static_cast<double>(static_cast<real>(prices[static_cast<std::size_t>(i)]));
  const double tol = std::is_same_v<real, float> ? 1e-6 : 1e-14;
  CHECK(static_cast<double>(mu) == Approx(static_cast<double>(reference_mean(panel, 0, true, 12))).epsilon(tol));
}

TEST_CASE("capm_return with a market series equals a long-double pairwise reference", "[expected_returns]") {
  Eigen::MatrixXd p(7, 2);
  p << 10, 20, 10.5, 19.5, 10.2, missing, 10.8, 20.5, 11.0, 21.0, 10.7, 20.2, 11.3, 21.4;
  const std::vector<double> market{100, 101, 100.5, 102, 103.5, 102.8, 104.1};
  const auto mu = keel::capm_return(p, market, {.risk_free = 0.01, .periods_per_year = 12});
  // Reference: beta_j = cov(r_j, r_m) / var(r_m), pairwise, n - 1; market geometric.
  std::vector<long double> rm;
  for (std::size_t i = 1; i < market.size(); ++i) rm.push_back(market[i] / static_cast<long double>(market[i - 1]) - 1);
  long double mm = 0;
  for (auto v : rm) mm += v;
  mm /= rm.size();
  long double vm = 0, prod = 1;
  for (auto v : rm) {
    vm += (v - mm) * (v - mm);
    prod *= 1 + v;
  }
  vm /= rm.size() - 1;
  const long double em = std::pow(prod, 12.0L / rm.size()) - 1;
  for (Eigen::Index j = 0; j < 2; ++j) {
    std::vector<long double> x, y;
    for (Eigen::Index i = 1; i < 7; ++i) {
      const long double r = p(i, j) / static_cast<long double>(p(i - 1, j)) - 1;
      if (!std::isnan(static_cast<double>(r))) {
        y.push_back(r);
        x.push_back(rm[static_cast<std::size_t>(i - 1)]);
      }
    }
    long double mx = 0, my = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      mx += x[k];
      my += y[k];
    }
    mx /= x.size();
    my /= y.size();
    long double sxy = 0;
    for (std::size_t k = 0; k < x.size(); ++k) sxy += (x[k] - mx) * (y[k] - my);
    const long double beta = sxy / (x.size() - 1) / vm;
    CHECK(mu(j) == Approx(static_cast<double>(0.01L + beta * (em - 0.01L))).epsilon(1e-13));
  }
  // Arithmetic market mean (compounding = false) gives a different, also exact, estimate.
  const auto mu_a = keel::capm_return(p, market, {.risk_free = 0.01, .compounding = false, .periods_per_year = 12});
  CHECK(mu_a(0) != Approx(mu(0)).epsilon(1e-6));
}

TEST_CASE("expected_returns errors and degenerate input", "[expected_returns]") {
  Eigen::MatrixXd p = dummy();
  p(2, 1) = 0;
  CHECK_THROWS_WITH(keel::mean_historical_return(p),
                    Contains("mean_historical_return: prices(2, 1) = 0 is not positive"));
  p(2, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::mean_historical_return(p), Contains("prices(2, 1) = inf"));
  // A return that overflows is named, not an infinite mean.
  p(2, 1) = 1e-300;
  p(3, 1) = 1e300;
  CHECK_THROWS_WITH(keel::mean_historical_return(p),
                    Contains("the return from prices(2, 1) = 1e-300 to prices(3, 1) = 1e+300 overflows"));
  CHECK_THROWS_WITH(keel::mean_historical_return(dummy(), {.periods_per_year = 0}),
                    Equals("mean_historical_return: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::mean_historical_return(dummy(), {.periods_per_year = -1}),
                    Equals("mean_historical_return: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::capm_return(dummy(), {.periods_per_year = std::nan("")}),
                    Equals("capm_return: periods_per_year = NaN must be positive and finite"));
  CHECK_THROWS_WITH(keel::capm_return(dummy(), {.periods_per_year = std::numeric_limits<double>::infinity()}),
                    Equals("capm_return: periods_per_year = inf must be positive and finite"));
  Eigen::MatrixXd lonely = dummy();
  lonely.col(2).setConstant(missing);
  lonely(1, 2) = 1.0;
  CHECK_THROWS_AS(keel::mean_historical_return(lonely), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::mean_historical_return(lonely), Contains("prices column 2 has no returns"));
  Eigen::MatrixXd rets(2, 1);
  rets << 0.1, -1.5;
  CHECK_THROWS_WITH(keel::mean_historical_return(rets, {.returns_data = true}), Contains("return below -100%"));
  // A total loss (-100%) is a geometric mean of -1, not NaN.
  rets(1, 0) = -1;
  CHECK(keel::mean_historical_return(rets, {.returns_data = true})(0) == -1);
  // A constant price: 0 either way.
  const std::vector<double> flat{5, 5, 5, 5};
  CHECK(keel::mean_historical_return(flat) == 0);
  CHECK(keel::mean_historical_return(flat, {.compounding = false}) == 0);
  // CAPM: a constant market is singular; sizes must agree; one return is too few.
  Eigen::MatrixXd two(4, 2);
  two << 1, 2, 1, 2, 1, 2, 1, 2;
  CHECK_THROWS_AS(keel::capm_return(two), keel::singular_problem);
  CHECK_THROWS_WITH(keel::capm_return(dummy(), std::vector<double>{1, 2, 3}),
                    Contains("market_prices has 3 values but prices (rows) has 5"));
  CHECK_THROWS_AS(keel::capm_return(Eigen::MatrixXd(dummy().topRows(2))), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::capm_return(dummy(), {.risk_free = missing}), Contains("risk_free = NaN must be finite"));
  // The series form is selected for a VectorXd, the panel form for a matrix.
  const Eigen::VectorXd v = dummy().col(0);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::mean_historical_return(v)), double>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::mean_historical_return(dummy())), Eigen::VectorXd>);
}
