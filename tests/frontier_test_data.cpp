// SPDX-License-Identifier: MIT
// Part of frontier_test (tests/frontier_test.cpp describes the whole test): the frontier of real
// prices (../shared/data stock_prices.csv and us_stocks_etfs_daily_2020_2026.csv), long-only and
// sector-limited, checked by the KKT checker of tests/support/qp_reference.hpp at every corner,
// with a pairwise sample covariance written in this file.
#include <cmath>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/expected_returns.hpp>
#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support/frontier_test_fixtures.hpp"
#include "support/qp_reference.hpp"
#include "support/shared_data.hpp"

namespace {

using keel_test::frontier_test::data_of;
using keel_test::frontier_test::lambda_of;
using keel_test::frontier_test::random_case;

/// Pairwise sample covariance (n - 1) of simple returns, annualised x252, and the column
/// returns: the test's own estimator (each pair over the dates both are observed).
Eigen::MatrixXd pairwise_covariance(const Eigen::MatrixXd& prices) {
  const auto t = prices.rows() - 1, n = prices.cols();
  Eigen::MatrixXd r(t, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < t; ++i) r(i, j) = prices(i + 1, j) / prices(i, j) - 1;
  Eigen::MatrixXd cov(n, n);
  for (Eigen::Index a = 0; a < n; ++a)
    for (Eigen::Index b = a; b < n; ++b) {
      long double sa = 0, sb = 0, k = 0;
      for (Eigen::Index i = 0; i < t; ++i)
        if (!std::isnan(r(i, a)) && !std::isnan(r(i, b))) {
          sa += r(i, a);
          sb += r(i, b);
          ++k;
        }
      const long double ma = sa / k, mb = sb / k;
      long double s = 0;
      for (Eigen::Index i = 0; i < t; ++i)
        if (!std::isnan(r(i, a)) && !std::isnan(r(i, b))) s += (r(i, a) - ma) * (r(i, b) - mb);
      cov(a, b) = cov(b, a) = static_cast<double>(252 * s / (k - 1));
    }
  return cov;
}

}  // namespace

TEST_CASE("efficient_frontier on real prices: long-only and sector-limited, KKT at every corner", "[frontier][data]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto other = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!other) return;
  for (const auto& file : {*path, *other}) {
    const keel::price_table prices = keel::read_prices_csv(file);
    const Eigen::VectorXd mu = keel::mean_historical_return(prices);
    const Eigen::MatrixXd cov = pairwise_covariance(prices.prices);
    const auto n = mu.size();
    std::vector<keel::portfolio_constraints> cases;
    cases.push_back({});  // long-only, fully invested
    keel::portfolio_constraints sectors{.bounds = keel::weight_bounds(0.0, 0.3)};
    for (Eigen::Index j = 0; j < n; ++j) sectors.groups.push_back(j % 3 == 0 ? "A" : j % 3 == 1 ? "B" : "C");
    sectors.group_limits = {{"A", 0.1, 0.4}, {"B", 0.0, 0.35}};
    cases.push_back(sectors);
    for (const auto& constraints : cases) {
      const auto f = keel::efficient_frontier(mu, cov, {.points = 20, .bounds = constraints, .risk_free = 0.02});
      random_case c{mu, cov, constraints};
      const auto d = data_of(c);
      INFO(file.filename().string() << " corners " << f.corners.size());
      CHECK(f.corners.size() >= 2);
      for (std::size_t k = 0; k < f.corners.size(); ++k) {
        const double lambda = lambda_of(f, k);
        auto dl = d;
        dl.c = lambda * mu;
        CHECK(keel_test::kkt_residual(dl, f.corners[k].weights).worst() <= 1e-9);
      }
      CHECK(keel_test::kkt_residual(d, f.min_variance.weights).worst() <= 1e-9);
      REQUIRE(f.max_sharpe);
      const auto ms = keel::max_sharpe(mu, cov, constraints, {.risk_free = 0.02});
      CHECK(ms.sharpe == Approx(f.max_sharpe->sharpe).epsilon(1e-12));
      auto dr = d;
      dr.extra_equality = std::make_pair(mu, ms.expected_return);
      CHECK(keel_test::kkt_residual(dr, ms.weights).worst() <= 1e-9);
      for (const auto& p : f.points) CHECK(p.sharpe <= ms.sharpe + 1e-12);
    }
  }
}
