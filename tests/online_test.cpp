// SPDX-License-Identifier: MIT
// Tests of keel/online.hpp: each streaming estimator against its batch function after every
// update (the independent reference: market_beta, realized_volatility, ewma_volatility and
// ewma_covariance recomputed from the stored data), drift over 10 million updates, saved state
// continuing bit for bit, errors, and no allocation on the hot path.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/covariance.hpp>
#include <keel/online.hpp>
#include <keel/volatility.hpp>

#include "support/allocations.hpp"

namespace {

using Catch::Matchers::Contains;

/// Relative difference with a floor: near zero no two algorithms agree in relative terms.
double rel(double a, double b, double floor) { return std::fabs(a - b) / std::max(std::fabs(b), floor); }

struct pairs {
  std::vector<double> asset, market;
};

pairs make_pairs(std::size_t n, unsigned seed, double beta = 1.2) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> m(0.0004, 0.012), e(0.0, 0.01);
  pairs p;
  for (std::size_t i = 0; i < n; ++i) {
    p.market.push_back(m(gen));
    p.asset.push_back(0.0001 + beta * p.market.back() + e(gen));
  }
  return p;
}

/// The worst relative difference of the fields of two fits (floors as in beta_test's rolling
/// comparison: 0.01 for beta and R^2, 1e-4 for a daily alpha, relative otherwise).
double fit_difference(const keel::beta_fit<double>& a, const keel::beta_fit<double>& b) {
  return std::max({rel(a.beta, b.beta, 1e-2), rel(a.alpha, b.alpha, 1e-4), rel(a.r_squared, b.r_squared, 1e-2),
                   rel(a.beta_stderr, b.beta_stderr, 1e-6), rel(a.alpha_stderr, b.alpha_stderr, 1e-8),
                   rel(a.residual_stddev, b.residual_stddev, 1e-6), rel(a.p_value, b.p_value, 1e-300)});
}

}  // namespace

TEST_CASE("streaming_beta equals market_beta on its window after every update", "[online][beta]") {
  const pairs p = make_pairs(2000, 1);
  // Windows of 20 and more: with 3 points, fits of R^2 = 1 - 1e-11 occur by chance, and there two
  // double algorithms agree only to about eps / (1 - R^2) (see the near-exact test below).
  for (const std::ptrdiff_t window : {std::ptrdiff_t{20}, std::ptrdiff_t{60}, std::ptrdiff_t{250}}) {
    keel::streaming_beta s({.window = window, .fit = {.min_observations = 3}});
    double worst = 0;
    for (std::size_t k = 0; k < p.asset.size(); ++k) {
      s.update(p.asset[k], p.market[k]);
      const std::size_t n = std::min<std::size_t>(k + 1, static_cast<std::size_t>(window));
      if (n < 3) {
        CHECK_THROWS_AS(s.result(), keel::insufficient_data);  // fewer pairs than a fit needs
        continue;
      }
      const std::span<const double> a(p.asset), m(p.market);
      const auto direct = keel::market_beta(a.subspan(k + 1 - n, n), m.subspan(k + 1 - n, n), {.min_observations = 3});
      const auto fit = s.result();
      CHECK(fit.n == direct.n);
      worst = std::max(worst, fit_difference(fit, direct));
    }
    INFO("window " << window);
    CHECK(worst < 1e-12);
  }
}

TEST_CASE("an expanding streaming_beta equals market_beta on every pair so far", "[online][beta]") {
  const pairs p = make_pairs(1500, 2, 0.7);
  keel::streaming_beta s;  // window 0: expanding
  double worst = 0;
  for (std::size_t k = 0; k < p.asset.size(); ++k) {
    s.update(p.asset[k], p.market[k]);
    if (k + 1 < 20) continue;
    const std::span<const double> a(p.asset), m(p.market);
    worst = std::max(worst, fit_difference(s.result(), keel::market_beta(a.first(k + 1), m.first(k + 1))));
  }
  CHECK(worst < 1e-12);
  CHECK(s.count() == 1500);
  // An almost exact fit (R^2 near 1): RSS from the exact sums, as the batch from the residuals.
  keel::streaming_beta exact({.window = 100});  // near-exact fits
  std::vector<double> y, x;
  std::mt19937_64 gen(3);
  std::normal_distribution<double> z(0, 0.01);
  for (int i = 0; i < 300; ++i) {
    x.push_back(z(gen));
    y.push_back(2 * x.back() + 1e-9 * z(gen));
    exact.update(y.back(), x.back());
  }
  // Reference: the residual SD by two passes in long double (1 - R^2 is about 1e-15 here, so a
  // double computation keeps only about 7 digits of it).
  const std::span<const double> wy = std::span(y).last(100), wx = std::span(x).last(100);
  long double mx = 0, my = 0;
  for (std::size_t i = 0; i < 100; ++i) mx += wx[i], my += wy[i];
  mx /= 100, my /= 100;
  long double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < 100; ++i) sxx += (wx[i] - mx) * (wx[i] - mx), sxy += (wx[i] - mx) * (wy[i] - my);
  const long double b = sxy / sxx;
  long double rss = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const long double e = (wy[i] - my) - b * (wx[i] - mx);
    rss += e * e;
  }
  const double ref = static_cast<double>(std::sqrt(rss / 98));
  const double streamed = exact.result().residual_stddev, batch = keel::market_beta(wy, wx).residual_stddev;
  INFO("residual SD: streamed " << streamed << ", batch " << batch << ", long double " << ref);
  CHECK(rel(streamed, ref, 1e-300) < 1e-7);  // measured 8.6e-9 (batch 6.2e-9)
  CHECK(rel(batch, ref, 1e-300) < 1e-7);
}

TEST_CASE("streaming estimators do not drift over 10 million updates", "[online][drift]") {
  // A random walk's daily returns with a volatility regime change every 100,000 updates (a
  // calm spell after a volatile one is where running sums lose digits).
#ifdef NDEBUG
  const std::int64_t updates = 10'000'000;
#else
  const std::int64_t updates = 1'000'000;  // the sanitizer build: the same test, shorter
#endif
  const std::ptrdiff_t window = 250;
  std::mt19937_64 gen(4);
  std::normal_distribution<double> z(0, 1);
  keel::streaming_beta beta({.window = window});
  keel::streaming_volatility vol(window, {.demean = true});
  std::vector<double> last_a(static_cast<std::size_t>(window)), last_m(last_a.size());
  for (std::int64_t t = 0; t < updates; ++t) {
    const double scale = (t / 100'000) % 2 == 0 ? 0.02 : 0.0005;
    const double m = scale * z(gen), a = 1.1 * m + scale * z(gen);
    beta.update(a, m);
    vol.update(a);
    last_a[static_cast<std::size_t>(t % window)] = a;
    last_m[static_cast<std::size_t>(t % window)] = m;
  }
  const auto direct = keel::market_beta(last_a, last_m);  // order does not matter for OLS sums
  CHECK(fit_difference(beta.result(), direct) < 1e-10);
  CHECK(rel(vol.result(), keel::realized_volatility(last_a, window, {.demean = true}), 1e-300) < 1e-10);
}

TEST_CASE("streaming_volatility equals realized_volatility on its window after every update", "[online][volatility]") {
  const pairs p = make_pairs(1200, 5);
  for (const bool demean : {false, true}) {
    keel::streaming_volatility s(90, {.annualization = 252, .demean = demean});
    double worst = 0;
    for (std::size_t k = 0; k < p.asset.size(); ++k) {
      s.update(p.asset[k]);
      if (k + 1 < 90) {
        CHECK_THROWS_AS(s.result(), keel::insufficient_data);
        continue;
      }
      const std::span<const double> r(p.asset);
      worst =
          std::max(worst, rel(s.result(), keel::realized_volatility(r.first(k + 1), 90, {.demean = demean}), 1e-300));
    }
    INFO("demean " << demean);
    CHECK(worst < 1e-12);
  }
  CHECK_THROWS_AS(keel::streaming_volatility(1, {.demean = true}), keel::invalid_input);
  CHECK_THROWS_AS(keel::streaming_volatility(0), keel::invalid_input);
}

TEST_CASE("streaming_ewma_volatility gives ewma_volatility's bits", "[online][volatility]") {
  const pairs p = make_pairs(800, 6);
  for (const auto weighting : {keel::ewma_weighting::recursive, keel::ewma_weighting::normalized}) {
    const keel::ewma_volatility_options o{.lambda = 0.97, .annualization = 252, .weighting = weighting};
    keel::streaming_ewma_volatility s(o);
    CHECK_THROWS_AS(s.result(), keel::insufficient_data);
    const auto batch = keel::ewma_volatility(p.asset, o);
    for (std::size_t k = 0; k < p.asset.size(); ++k) {
      s.update(p.asset[k]);
      REQUIRE(s.result() == batch.volatilities[k]);
    }
  }
}

TEST_CASE("streaming_ewma_covariance equals ewma_covariance of the rows so far", "[online][covariance]") {
  const Eigen::Index t = 300, n = 6;
  std::mt19937_64 gen(7);
  std::normal_distribution<double> z(0, 0.01);
  Eigen::MatrixXd rows(t, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) rows(i, j) = z(gen) + (j > 0 ? 0.5 * rows(i, 0) : 0.0);
  for (const auto weighting : {keel::ewma_weighting::normalized, keel::ewma_weighting::recursive}) {
    const keel::ewma_covariance_options o{.lambda = 0.94, .annualization = 252, .weighting = weighting};
    keel::streaming_ewma_covariance s(n, o);
    keel::covariance_estimate<double> out;
    double worst = 0;
    for (Eigen::Index k = 0; k < t; ++k) {
      s.update(rows.row(k));
      s.result(out);
      const auto batch = keel::ewma_covariance(rows.topRows(k + 1), o);
      CHECK(out.observations == batch.observations);
      for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
          worst = std::max(worst, std::fabs(out.covariance(i, j) - batch.covariance(i, j)) /
                                      std::sqrt(batch.covariance(i, i) * batch.covariance(j, j)));
    }
    CHECK(worst < 1e-12);
  }
  // complete_rows skips a row with a NaN, as the batch form drops it.
  Eigen::MatrixXd gappy = rows.topRows(50);
  gappy(17, 3) = std::numeric_limits<double>::quiet_NaN();
  const keel::ewma_covariance_options skip{.missing = keel::missing_data::complete_rows};
  keel::streaming_ewma_covariance s(n, skip);
  for (Eigen::Index k = 0; k < 50; ++k) s.update(gappy.row(k));
  CHECK(s.count() == 49);
  const auto batch = keel::ewma_covariance(gappy, skip);
  CHECK((s.result().covariance - batch.covariance).cwiseAbs().maxCoeff() < 1e-15);
  // reject (the default) names the cell and leaves the estimate as it was.
  keel::streaming_ewma_covariance strict(n);
  strict.update(rows.row(0));
  CHECK_THROWS_WITH(strict.update(gappy.row(17)), Contains("row[3] is NaN (update 1)"));
  CHECK(strict.count() == 1);
  CHECK_THROWS_WITH(strict.update(std::vector<double>(5, 0.0)), Contains("row has 5 values but assets has 6"));
  CHECK_THROWS_AS(keel::streaming_ewma_covariance(n, {.demean = true}), keel::invalid_input);
  CHECK_THROWS_AS(keel::streaming_ewma_covariance(n, {.missing = keel::missing_data::pairwise}), keel::invalid_input);
  CHECK_THROWS_AS(keel::streaming_ewma_covariance(0), keel::invalid_input);
}

TEST_CASE("a saved state continues exactly as the uninterrupted estimator", "[online][state]") {
  const pairs p = make_pairs(1000, 8);
  Eigen::MatrixXd rows(1000, 3);
  for (Eigen::Index i = 0; i < 1000; ++i)
    rows.row(i) << p.asset[static_cast<std::size_t>(i)], p.market[static_cast<std::size_t>(i)],
        -p.asset[static_cast<std::size_t>(i)];
  keel::streaming_beta beta({.window = 120});
  keel::streaming_volatility vol(60);
  keel::streaming_ewma_volatility ewma;
  keel::streaming_ewma_covariance cov(3);
  const auto feed = [&](auto& b, auto& v, auto& e, auto& c, std::size_t lo, std::size_t hi) {
    for (std::size_t k = lo; k < hi; ++k) {
      b.update(p.asset[k], p.market[k]);
      v.update(p.asset[k]);
      e.update(p.asset[k]);
      c.update(rows.row(static_cast<Eigen::Index>(k)));
    }
  };
  feed(beta, vol, ewma, cov, 0, 437);  // mid-window, between restarts
  // "Restart the process": copy the states out (as a caller would persist them) and rebuild.
  keel::streaming_beta beta2(beta.save());
  keel::streaming_volatility vol2(vol.save());
  keel::streaming_ewma_volatility ewma2(ewma.save());
  keel::streaming_ewma_covariance cov2(cov.save());
  feed(beta, vol, ewma, cov, 437, 1000);
  feed(beta2, vol2, ewma2, cov2, 437, 1000);
  const auto f1 = beta.result(), f2 = beta2.result();
  CHECK(f1.beta == f2.beta);
  CHECK(f1.alpha == f2.alpha);
  CHECK(f1.beta_stderr == f2.beta_stderr);
  CHECK(vol.result() == vol2.result());
  CHECK(ewma.result() == ewma2.result());
  CHECK(cov.result().covariance == cov2.result().covariance);
  // States that do not describe an estimator are rejected.
  auto bad = beta.save();
  bad.version = 99;
  CHECK_THROWS_WITH(keel::streaming_beta(bad), Contains("version is 99"));
  auto short_ring = vol.save();
  short_ring.returns.pop_back();
  CHECK_THROWS_AS(keel::streaming_volatility(short_ring), keel::invalid_input);
  auto negative = ewma.save();
  negative.options.lambda = 1.5;
  CHECK_THROWS_AS(keel::streaming_ewma_volatility(negative), keel::invalid_input);
}

TEST_CASE("streaming estimators reject bad updates and leave their state unchanged", "[online][errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  keel::streaming_beta beta({.window = 10, .fit = {.min_observations = 3}});
  for (int i = 0; i < 12; ++i) beta.update(0.01 * std::sin(i), 0.01 * std::cos(i));
  const auto before = beta.result();
  CHECK_THROWS_WITH(beta.update(nan, 0.01), Contains("streaming_beta::update: asset_return is NaN (update 12)"));
  CHECK_THROWS_WITH(beta.update(0.01, std::numeric_limits<double>::infinity()), Contains("market_return is inf"));
  CHECK(beta.result().beta == before.beta);
  CHECK(beta.save().updates == 12);
  // A constant market is singular_problem, as for market_beta.
  keel::streaming_beta flat({.window = 5, .fit = {.min_observations = 3}});
  for (int i = 0; i < 5; ++i) flat.update(0.01 * i, 0.002);
  CHECK_THROWS_AS(flat.result(), keel::singular_problem);
  CHECK_THROWS_AS(keel::streaming_beta({.window = 2}), keel::invalid_input);
  CHECK_THROWS_AS(keel::streaming_beta({.window = -1}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::streaming_beta({.window = 10}), Contains("at least fit.min_observations = 20"));
  keel::streaming_beta few;
  few.update(0.01, 0.02);
  CHECK_THROWS_WITH(few.result(), Contains("set by beta_options::min_observations"));
  keel::streaming_volatility vol(3);
  CHECK_THROWS_AS(vol.update(nan), keel::invalid_input);
  CHECK(vol.count() == 0);
  keel::streaming_ewma_volatility ewma;
  CHECK_THROWS_AS(ewma.update(1e300), keel::invalid_input);  // its square overflows
  CHECK(ewma.count() == 0);
}

TEST_CASE("streaming updates and a reused covariance result allocate nothing", "[online][allocation]") {
  const pairs p = make_pairs(600, 9);
  keel::streaming_beta beta({.window = 100});
  keel::streaming_beta expanding;
  keel::streaming_volatility vol(50);
  keel::streaming_ewma_volatility ewma;
  keel::streaming_ewma_covariance cov(2);
  keel::covariance_estimate<double> out;
  const std::vector<double> row{0.01, -0.02};
  cov.update(row);
  cov.result(out);  // sizes `out`
  const long before = keel_test::allocation_count();
  double sink = 0;
  for (std::size_t k = 0; k < p.asset.size(); ++k) {
    beta.update(p.asset[k], p.market[k]);
    expanding.update(p.asset[k], p.market[k]);
    vol.update(p.asset[k]);
    ewma.update(p.asset[k]);
    cov.update(std::span<const double>(row));
    if (k >= 100) sink += beta.result().beta + expanding.result().beta + vol.result() + ewma.result();
    cov.result(out);
  }
  CHECK(keel_test::allocation_count() == before);
  CHECK(std::isfinite(sink));
}
