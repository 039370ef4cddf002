// SPDX-License-Identifier: MIT
// Tests of keel/online.hpp: each streaming estimator against its batch function after every
// update (the independent reference: market_beta, realized_volatility, ewma_volatility and
// ewma_covariance recomputed from the stored data), drift over 10 million updates, saved state
// continuing bit for bit, errors, and no allocation on the hot path.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/online.hpp>
#include <keel/performance.hpp>
#include <keel/snapshot.hpp>
#include <keel/var.hpp>
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
    keel::streaming_beta s(window, {.fit = {.min_observations = 3}});
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
  keel::streaming_beta s(0);  // window 0: expanding
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
  keel::streaming_beta exact(100);  // near-exact fits
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
  keel::streaming_beta beta(window);
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
    keel::streaming_volatility s(90, {.periods_per_year = 252, .demean = demean});
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
    const keel::ewma_volatility_options o{.lambda = 0.97, .periods_per_year = 252, .weighting = weighting};
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
    const keel::ewma_covariance_options o{.lambda = 0.94, .periods_per_year = 252, .weighting = weighting};
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
  keel::streaming_beta beta(120);
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
  keel::streaming_beta beta(10, {.fit = {.min_observations = 3}});
  for (int i = 0; i < 12; ++i) beta.update(0.01 * std::sin(i), 0.01 * std::cos(i));
  const auto before = beta.result();
  CHECK_THROWS_WITH(beta.update(nan, 0.01), Contains("streaming_beta::update: asset_return is NaN (update 12)"));
  CHECK_THROWS_WITH(beta.update(0.01, std::numeric_limits<double>::infinity()), Contains("market_return is inf"));
  CHECK(beta.result().beta == before.beta);
  CHECK(beta.save().updates == 12);
  // A constant market is singular_problem, as for market_beta.
  keel::streaming_beta flat(5, {.fit = {.min_observations = 3}});
  for (int i = 0; i < 5; ++i) flat.update(0.01 * i, 0.002);
  CHECK_THROWS_AS(flat.result(), keel::singular_problem);
  CHECK_THROWS_AS(keel::streaming_beta(2), keel::invalid_input);
  CHECK_THROWS_AS(keel::streaming_beta(-1), keel::invalid_input);
  CHECK_THROWS_WITH(keel::streaming_beta(10), Contains("at least fit.min_observations = 20"));
  keel::streaming_beta few(0);
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
  keel::streaming_beta beta(100);
  keel::streaming_beta expanding(0);
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

// ---------------------------------------------------------------------------------------------
// what_if_book: every result against a recomputation from scratch written here differently:
// the values q' p (or w') rebuilt from the trades, then w' S w, beta, the drawdown series and
// the correlations by full sums in long double (O(N^2), no stored S v), the VaR from
// parametric_var(mean, stddev) of var.hpp on that sigma, and max_drawdown of performance.hpp.

namespace {

struct random_book {
  Eigen::VectorXd quantities, prices, betas, means;
  Eigen::MatrixXd cov, returns;
  std::vector<std::string> symbols, sectors;
  double cash = 0;
};

random_book make_book(std::ptrdiff_t n, unsigned seed, std::ptrdiff_t t_count = 120) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  random_book b;
  const std::ptrdiff_t k = std::min<std::ptrdiff_t>(n, 5);
  Eigen::MatrixXd a(n, k);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = 0; j < k; ++j) a(i, j) = 0.01 * z(gen);
  b.cov = a * a.transpose();
  for (std::ptrdiff_t i = 0; i < n; ++i) b.cov(i, i) += 1e-4 * (0.5 + u(gen));
  b.quantities.resize(n), b.prices.resize(n), b.betas.resize(n), b.means.resize(n);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    b.prices(i) = 10 + 190 * u(gen);
    b.quantities(i) = std::round(1000 * u(gen)) * (u(gen) < 0.2 ? -0.5 : 1.0);  // a fifth short
    if (i > 0 && u(gen) < 0.1) b.quantities(i) = 0;                             // not held
    if (i == 0) b.quantities(i) = 1 + std::fabs(b.quantities(i));               // net value > 0
    b.betas(i) = 0.3 + 1.4 * u(gen);
    b.means(i) = 0.0004 * z(gen);
    b.symbols.push_back(std::to_string(i).insert(0, 1, 'S'));  // not "S" + ...: GCC 12's false -Wrestrict
    b.sectors.push_back(std::to_string(i % 7).insert(0, "sector"));
  }
  b.returns.resize(t_count, n);
  for (std::ptrdiff_t t = 0; t < t_count; ++t)
    for (std::ptrdiff_t i = 0; i < n; ++i) b.returns(t, i) = 0.0003 + 0.015 * z(gen);
  b.cash = 1000;
  return b;
}

keel::what_if_options book_options(const random_book& b, bool funded = false) {
  return {.symbols = b.symbols,
          .sectors = b.sectors,
          .returns = b.returns,
          .means = b.means,
          .confidence = 0.975,
          .horizon = 10,
          .cash = b.cash,
          .cash_funded = funded};
}

/// The result recomputed from scratch from the values (currency) and the net value.
keel::what_if_result recompute(const random_book& b, const Eigen::VectorXd& v, long double net,
                               const keel::what_if_options& o) {
  const std::ptrdiff_t n = v.size();
  using ld = long double;
  ld var = 0, beta = 0, mean = 0, gross = 0, largest = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = 0; j < n; ++j) var += ld{v(i)} * ld{b.cov(i, j)} * ld{v(j)};
  std::map<std::string, ld> sector;
  std::ptrdiff_t held = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    beta += ld{v(i)} * ld{b.betas(i)};
    mean += ld{v(i)} * ld{b.means(i)};
    gross += std::fabs(ld{v(i)});
    largest = std::max(largest, std::fabs(ld{v(i)}));
    sector[b.sectors[static_cast<std::size_t>(i)]] += v(i);
    held += v(i) != 0;
  }
  keel::what_if_result r;
  r.net_value = static_cast<double>(net);
  r.gross_value = static_cast<double>(gross);
  const double sigma = static_cast<double>(std::sqrt(var) / net), mu = static_cast<double>(mean / net);
  r.beta = static_cast<double>(beta / net);
  r.limits.beta = std::fabs(r.beta);
  r.volatility = sigma * std::sqrt(252.0);
  r.var = keel::parametric_var(mu, sigma, {.confidence = o.confidence, .horizon = o.horizon});
  r.cvar = keel::parametric_cvar(mu, sigma, {.confidence = o.confidence, .horizon = o.horizon});
  r.limits.var_99_1d = keel::parametric_var(mu, sigma, {.confidence = 0.99});
  r.limits.max_position_weight = static_cast<double>(largest / net);
  r.limits.gross_leverage = static_cast<double>(gross / net);
  for (const auto& [name, s] : sector)
    r.limits.max_sector_weight = std::max(r.limits.max_sector_weight, static_cast<double>(std::fabs(s) / net));
  std::vector<double> rp(static_cast<std::size_t>(b.returns.rows()));
  for (std::ptrdiff_t t = 0; t < b.returns.rows(); ++t) {
    ld s = 0;
    for (std::ptrdiff_t i = 0; i < n; ++i) s += ld{b.returns(t, i)} * ld{v(i)};
    rp[static_cast<std::size_t>(t)] = static_cast<double>(s / net);
  }
  // a return below -100% (a leveraged book) wipes the wealth out: depth 1, the documented rule
  const bool wiped = std::any_of(rp.begin(), rp.end(), [](double x) { return x < -1; });
  r.limits.max_drawdown = rp.empty() ? 0.0 : wiped ? 1.0 : keel::max_drawdown(rp).depth;
  ld corr = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = 0; j < n; ++j)
      if (i != j && v(i) != 0 && v(j) != 0) corr += ld{b.cov(i, j)} / std::sqrt(ld{b.cov(i, i)} * ld{b.cov(j, j)});
  r.limits.avg_pairwise_correlation = held < 2 ? 0.0 : static_cast<double>(corr / (ld(held) * ld(held - 1)));
  r.positions = held;
  return r;
}

/// The worst relative difference over every field. Floors: 1e-9 for beta, the mean-bearing VaR
/// terms and the correlation (which can sit near zero; fractions of value are O(1e-3..1)), and
/// relative otherwise. The drawdown compares relative to max(depth, 1e-3): a depth is a product
/// of T (1 + r) factors and agrees to about T eps either way.
double result_difference(const keel::what_if_result& a, const keel::what_if_result& b) {
  CHECK(a.positions == b.positions);
  return std::max({rel(a.net_value, b.net_value, 1e-300), rel(a.gross_value, b.gross_value, 1e-300),
                   rel(a.beta, b.beta, 1e-9), rel(a.limits.beta, b.limits.beta, 1e-9),
                   rel(a.volatility, b.volatility, 1e-300), rel(a.var, b.var, 1e-9), rel(a.cvar, b.cvar, 1e-9),
                   rel(a.limits.var_99_1d, b.limits.var_99_1d, 1e-9),
                   rel(a.limits.max_position_weight, b.limits.max_position_weight, 1e-300),
                   rel(a.limits.max_sector_weight, b.limits.max_sector_weight, 1e-300),
                   rel(a.limits.gross_leverage, b.limits.gross_leverage, 1e-300),
                   rel(a.limits.max_drawdown, b.limits.max_drawdown, 1e-3),
                   rel(a.limits.avg_pairwise_correlation, b.limits.avg_pairwise_correlation, 1e-9)});
}

Eigen::VectorXd values_of(const random_book& b, const Eigen::VectorXd& q) { return q.cwiseProduct(b.prices); }
long double net_of(const Eigen::VectorXd& v, double cash) {
  long double s = cash;
  for (std::ptrdiff_t i = 0; i < v.size(); ++i) s += v(i);
  return s;
}

}  // namespace

TEST_CASE("what_if_book::what_if equals a recomputation for one trade and for several", "[online][what_if]") {
  for (const std::ptrdiff_t n : {std::ptrdiff_t{1}, std::ptrdiff_t{2}, std::ptrdiff_t{50}, std::ptrdiff_t{1000}}) {
    const random_book b = make_book(n, static_cast<unsigned>(n) + 7, n == 1000 ? 60 : 120);
    const auto o = book_options(b);
    const auto book = keel::what_if_book::from_quantities(b.quantities, b.prices, b.cov, b.betas, o);
    double worst = result_difference(
        book.current(), recompute(b, values_of(b, b.quantities), net_of(values_of(b, b.quantities), b.cash), o));
    std::mt19937_64 gen(static_cast<unsigned>(n));
    std::uniform_int_distribution<std::ptrdiff_t> pick(0, n - 1);
    std::normal_distribution<double> z(0, 200);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<keel::trade> trades;
      const int m = trial % 4 == 3 ? 3 : 1;  // every fourth a list of three (assets may repeat)
      Eigen::VectorXd q = b.quantities;
      for (int a = 0; a < m; ++a) {
        const std::ptrdiff_t k = pick(gen);
        const double dq = std::round(z(gen));
        trades.push_back(a == 1 ? keel::trade{.symbol = b.symbols[static_cast<std::size_t>(k)], .change = dq}
                                : keel::trade{.asset = k, .change = dq});
        q(k) += dq;
      }
      const Eigen::VectorXd v = values_of(b, q);
      if (!(net_of(v, b.cash) > 0)) {  // the trades sell more than the book is worth
        CHECK_THROWS_WITH(book.what_if(trades), Contains("after the trades the net value"));
        continue;
      }
      worst = std::max(worst, result_difference(book.what_if(trades), recompute(b, v, net_of(v, b.cash), o)));
    }
    INFO("N = " << n << ": worst relative difference " << worst);
    CHECK(worst < 1e-12);  // measured 3.5e-16 (N = 1) to 6.9e-16 (N = 1000)
  }
}

TEST_CASE("what_if_book in weights keeps net value 1 and equals a recomputation", "[online][what_if]") {
  const random_book b = make_book(50, 11);
  const Eigen::VectorXd w =
      values_of(b, b.quantities) / static_cast<double>(net_of(values_of(b, b.quantities), b.cash));
  keel::what_if_options o = book_options(b);
  o.cash = 0;
  auto book = keel::what_if_book::from_weights(w, b.cov, b.betas, o);
  Eigen::VectorXd w2 = w;
  w2(3) += 0.02;
  w2(7) -= 0.01;
  const std::vector<keel::trade> trades = {{.asset = 3, .change = 0.02}, {.asset = 7, .change = -0.01}};
  const auto r = book.apply(trades);
  CHECK(r.net_value == 1);
  CHECK(result_difference(r, recompute(b, w2, 1, o)) < 1e-12);
  CHECK(result_difference(book.current(), r) < 1e-15);  // commit then re-evaluate: the same sums
}

TEST_CASE("what_if_book::apply over 1,000 trades: closing, opening, drift", "[online][what_if]") {
  const random_book b = make_book(50, 21);
  for (const bool funded : {false, true}) {
    const auto o = book_options(b, funded);
    auto book = keel::what_if_book::from_quantities(b.quantities, b.prices, b.cov, b.betas, o);
    Eigen::VectorXd q = b.quantities;
    long double cash = b.cash;
    std::mt19937_64 gen(5);
    std::uniform_int_distribution<std::ptrdiff_t> pick(0, 49);
    std::normal_distribution<double> z(0, 300);
    double worst = 0;
    for (int step = 0; step < 1000; ++step) {
      const std::ptrdiff_t k = pick(gen);
      // every fifth trade closes a position (to exactly 0), every seventh opens a closed one
      double dq = std::round(z(gen));
      if (step % 5 == 0) dq = -q(k);
      if (step % 7 == 0 && q(k) == 0) dq = 100;
      const Eigen::VectorXd before = values_of(b, q);
      q(k) += dq;
      const Eigen::VectorXd v = values_of(b, q);
      if (funded) cash -= static_cast<long double>(v(k)) - before(k);
      const long double net = net_of(v, static_cast<double>(cash));
      if (!(net > 0)) {
        CHECK_THROWS_AS(book.apply({.asset = k, .change = dq}), keel::invalid_input);
        q(k) -= dq;
        continue;
      }
      const auto r = book.apply({.asset = k, .change = dq});
      if (step % 50 == 0 || step == 999) worst = std::max(worst, result_difference(r, recompute(b, v, net, o)));
    }
    // Drift: after 1,000 applied trades the stored S v, R v and row sums still give results equal
    // to a recomputation to 1e-12 (measured 1.0e-15), and to a freshly built book (measured 2.8e-16).
    INFO("funded " << funded << ": worst " << worst);
    CHECK(worst < 1e-12);
    CHECK(book.quantities() == q);
    keel::what_if_options fresh_o = o;
    fresh_o.cash = static_cast<double>(cash);
    const auto fresh = keel::what_if_book::from_quantities(q, b.prices, b.cov, b.betas, fresh_o);
    CHECK(result_difference(book.current(), fresh.current()) < 1e-12);
  }
}

TEST_CASE("what_if_book closes and opens positions: positions and the held set's correlation", "[online][what_if]") {
  random_book b = make_book(30, 31);
  b.quantities(4) = 0;
  const auto o = book_options(b);
  const auto book = keel::what_if_book::from_quantities(b.quantities, b.prices, b.cov, b.betas, o);
  const std::ptrdiff_t held = book.current().positions;
  Eigen::VectorXd q = b.quantities;
  q(4) = 250;  // open
  const auto opened = book.what_if({.asset = 4, .change = 250});
  CHECK(opened.positions == held + 1);
  CHECK(result_difference(opened, recompute(b, values_of(b, q), net_of(values_of(b, q), b.cash), o)) < 1e-12);
  q = b.quantities;
  q(0) = 0;  // close
  const auto closed = book.what_if({.asset = 0, .change = -b.quantities(0)});
  CHECK(closed.positions == held - 1);
  CHECK(result_difference(closed, recompute(b, values_of(b, q), net_of(values_of(b, q), b.cash), o)) < 1e-12);
  // one position left: no pairs, correlation 0 by the documented rule; none: risk 0
  Eigen::VectorXd one = Eigen::VectorXd::Zero(30);
  one(2) = 10;
  const auto single = keel::what_if_book::from_quantities(one, b.prices, b.cov, b.betas, o);
  CHECK(single.current().positions == 1);
  CHECK(single.current().limits.avg_pairwise_correlation == 0);
  const auto none = single.what_if({.asset = 2, .change = -10});
  CHECK(none.positions == 0);
  CHECK(none.volatility == 0);
  CHECK(none.net_value == b.cash);
}

TEST_CASE("what_if_book errors: net value, symbols, NaN, sizes", "[online][what_if]") {
  const random_book b = make_book(5, 41);
  auto o = book_options(b);
  o.cash = 0;
  Eigen::VectorXd q = Eigen::VectorXd::Constant(5, 10);
  auto book = keel::what_if_book::from_quantities(q, b.prices, b.cov, b.betas, o);
  const auto before = book.current();
  const double sell = -1000 * 10;  // far more than held: net value below zero
  CHECK_THROWS_WITH(book.what_if({.asset = 0, .change = sell}), Contains("net value") && Contains("not positive"));
  CHECK_THROWS_AS(book.apply({.asset = 0, .change = sell}), keel::invalid_input);
  CHECK(book.quantities() == q);  // unchanged
  CHECK(result_difference(book.current(), before) == 0);
  CHECK_THROWS_WITH(book.what_if({.symbol = "XYZ", .change = 1}), Contains("unknown symbol 'XYZ'"));
  CHECK_THROWS_WITH(book.what_if({.asset = 5, .change = 1}), Contains("trades[0].asset = 5"));
  CHECK_THROWS_WITH(book.what_if({.asset = -2, .change = 1}), Contains("trades[0].asset = -2"));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(book.what_if({.asset = 1, .change = nan}), Contains("trades[0].change is NaN"));
  const std::vector<keel::trade> two = {{.asset = 1, .change = 1}, {.asset = 2, .change = HUGE_VAL}};
  CHECK_THROWS_WITH(book.apply(two), Contains("trades[1].change is inf"));
  CHECK(book.quantities() == q);
  CHECK_THROWS_WITH(book.what_if({.asset = 1, .change = 1e308}), Contains("overflows"));
  // construction
  Eigen::MatrixXd bad = b.cov;
  bad(0, 1) += 1;
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, b.prices, bad, b.betas, o), Contains("not symmetric"));
  bad = b.cov;
  bad(2, 2) = nan;
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, b.prices, bad, b.betas, o), Contains("cov(2, 2) is NaN"));
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, b.prices, b.cov.topLeftCorner(4, 4), b.betas, o),
                    Contains("cov rows has 4 values but positions has 5"));
  Eigen::VectorXd p = b.prices;
  p(3) = 0;
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, p, b.cov, b.betas, o),
                    Contains("prices[3] = 0 must be positive"));
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(-q, b.prices, b.cov, b.betas, o),
                    Contains("at the start the net value"));
  auto dup = o;
  dup.symbols[4] = dup.symbols[1];
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, b.prices, b.cov, b.betas, dup), Contains("appears twice"));
  auto conf = o;
  conf.confidence = 1;
  CHECK_THROWS_WITH(keel::what_if_book::from_quantities(q, b.prices, b.cov, b.betas, conf), Contains("confidence"));
  std::vector<double> short_betas = {1, 1};
  CHECK_THROWS_WITH(keel::what_if_book::from_weights(std::vector<double>(5, 0.2), b.cov, short_betas),
                    Contains("betas has 2 values but positions has 5"));
  Eigen::MatrixXd indefinite = Eigen::MatrixXd::Identity(2, 2);
  indefinite(0, 1) = indefinite(1, 0) = 2;  // eigenvalues 3 and -1
  const std::vector<double> hedged = {1, -1};
  CHECK_THROWS_AS(keel::what_if_book::from_weights(hedged, indefinite, hedged).current(), keel::singular_problem);
}

TEST_CASE("what_if_book limit values feed evaluate_limits, and unnamed sectors count in none", "[online][what_if]") {
  const Eigen::MatrixXd cov = Eigen::Vector3d(4e-4, 1e-4, 9e-4).asDiagonal();
  const std::vector<double> w = {0.5, 0.3, 0.2}, betas = {1.2, 0.4, -2.0};
  const auto book = keel::what_if_book::from_weights(w, cov, betas, {.sectors = {"tech", "", "tech"}});
  const auto r = book.what_if({.asset = 2, .change = 0.3});         // weights 0.5, 0.3, 0.5
  CHECK(r.limits.max_sector_weight == Approx(1.0).epsilon(1e-15));  // tech 0.5 + 0.5; the unnamed 0.3 in none
  CHECK(r.beta == Approx(0.6 + 0.12 - 1.0).epsilon(1e-14));
  CHECK(r.limits.beta == Approx(0.28).epsilon(1e-14));  // |beta|, snapshot.hpp's definition
  CHECK(r.limits.avg_pairwise_correlation == 0);        // a diagonal cov
  const std::vector<keel::risk_limit> limits = {{.metric = keel::limit_metric::max_beta, .limit = 0.25},
                                                {.metric = keel::limit_metric::max_sector_weight, .limit = 1.5}};
  const auto status = keel::evaluate_limits(limits, r.limits);
  REQUIRE(status.size() == 2);
  CHECK(status[0].breached);
  CHECK(status[0].value == r.limits.beta);
  CHECK(!status[1].breached);
}

TEST_CASE("streaming_ewma_covariance::portfolio_variance equals w' cov w of its result", "[online][ewma]") {
  std::mt19937_64 gen(61);
  std::normal_distribution<double> z(0, 0.01);
  keel::streaming_ewma_covariance s(40, {.lambda = 0.97, .weighting = keel::ewma_weighting::normalized});
  std::vector<double> w(40), row(40);
  for (double& x : w) x = 0.025 + z(gen);
  CHECK_THROWS_AS(s.portfolio_variance(w), keel::insufficient_data);
  for (int t = 0; t < 300; ++t) {
    for (double& x : row) x = z(gen);
    s.update(row);
  }
  // Reference: the full estimate's w' cov w in long double (independent of the one pass)
  const auto c = s.result().covariance;
  long double ref = 0;
  for (std::size_t i = 0; i < 40; ++i)
    for (std::size_t j = 0; j < 40; ++j)
      ref += static_cast<long double>(w[i]) * c(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) * w[j];
  CHECK(rel(s.portfolio_variance(w), static_cast<double>(ref), 1e-300) < 1e-13);  // N eps of a sum of 1,600 terms
  CHECK_THROWS_WITH(s.portfolio_variance(std::vector<double>(3, 0.1)),
                    Contains("weights has 3 values but assets has 40"));
  w[5] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(s.portfolio_variance(w), Contains("weights[5] is NaN"));
}

TEST_CASE("what_if_book on a snapshot universe equals summarize_risk, then after a trade", "[online][what_if]") {
  // The Dow 30 sample portfolio (bundled data): the book built from prepare_universe's
  // covariance, betas, means, returns and last prices must give summarize_risk's numbers (a
  // different code path: snapshot.hpp's O(N_p^2 + T N_p) summary), and after a trade the
  // summary of the traded holdings. 1e-12 relative (both are exact to a few ulps).
  const std::filesystem::path dir = KEEL_BUNDLED_DATA_DIR;
  const std::vector<keel::price_table> parts = {keel::read_prices_csv(dir / "dowjones30_daily_1991_2000_fBasics.csv"),
                                                keel::read_prices_csv(dir / "dowjones30_index_1991_2000.csv")};
  const keel::price_table prices = keel::merge_prices(parts);
  const keel::snapshot_options so{.market = "DJ30"};
  const keel::snapshot_universe u = keel::prepare_universe(prices, so);
  std::vector<keel::holding> h;
  std::ifstream in(dir / "dow30_portfolio.csv");
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string symbol, quantity, sector;
    std::getline(ss, symbol, ',');
    std::getline(ss, quantity, ',');
    std::getline(ss, sector, ',');
    h.push_back({symbol, std::stod(quantity), sector});
  }
  REQUIRE(h.size() >= 5);
  const auto n = static_cast<Eigen::Index>(h.size());
  std::vector<Eigen::Index> at;
  for (const auto& x : h) at.push_back(std::find(u.symbols.begin(), u.symbols.end(), x.symbol) - u.symbols.begin());
  Eigen::MatrixXd cov(n, n), returns(u.returns.rows(), n);
  Eigen::VectorXd q(n), p(n), betas(n), means(n);
  keel::what_if_options o{.confidence = 0.99};
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto k = at[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < n; ++j) cov(i, j) = u.covariance(k, at[static_cast<std::size_t>(j)]);
    returns.col(i) = u.returns.col(k);
    q(i) = h[static_cast<std::size_t>(i)].quantity;
    p(i) = u.last_prices[static_cast<std::size_t>(k)];
    betas(i) = u.betas[static_cast<std::size_t>(k)].beta;
    means(i) = u.means(k);
    o.symbols.push_back(h[static_cast<std::size_t>(i)].symbol);
    o.sectors.push_back(h[static_cast<std::size_t>(i)].sector);
  }
  o.returns = returns;
  o.means = means;
  const auto book = keel::what_if_book::from_quantities(q, p, cov, betas, o);
  const auto compare = [](const keel::what_if_result& r, const keel::risk_summary& s) {
    CHECK(rel(r.net_value, s.value, 1e-300) < 1e-12);
    CHECK(rel(r.gross_value, s.gross_value, 1e-300) < 1e-12);
    CHECK(rel(r.beta, s.beta, 1e-9) < 1e-12);
    CHECK(rel(r.volatility, s.volatility, 1e-300) < 1e-12);
    CHECK(rel(r.var, s.var_99, 1e-9) < 1e-12);
    CHECK(rel(r.cvar, s.cvar_99, 1e-9) < 1e-12);
    const keel::limit_values& a = r.limits;
    const keel::limit_values& b = s.values;
    CHECK(rel(a.max_position_weight, b.max_position_weight, 1e-300) < 1e-12);
    CHECK(rel(a.max_sector_weight, b.max_sector_weight, 1e-300) < 1e-12);
    CHECK(rel(a.gross_leverage, b.gross_leverage, 1e-300) < 1e-12);
    CHECK(rel(a.beta, b.beta, 1e-9) < 1e-12);
    CHECK(rel(a.var_99_1d, b.var_99_1d, 1e-9) < 1e-12);
    CHECK(rel(a.max_drawdown, b.max_drawdown, 1e-3) < 1e-12);
    CHECK(rel(a.avg_pairwise_correlation, b.avg_pairwise_correlation, 1e-9) < 1e-12);
  };
  compare(book.current(), keel::summarize_risk(h, u, so));
  std::vector<keel::holding> traded = h;
  traded[1].quantity += 500;
  compare(book.what_if({.symbol = h[1].symbol, .change = 500}), keel::summarize_risk(traded, u, so));
}

TEST_CASE("what_if_book::what_if allocates nothing", "[online][what_if]") {
  const random_book b = make_book(200, 51);
  const auto book = keel::what_if_book::from_quantities(b.quantities, b.prices, b.cov, b.betas, book_options(b));
  const keel::trade by_index{.asset = 17, .change = 100}, by_symbol{.symbol = "S18", .change = -40};
  (void)book.what_if(by_index);
  const long before = keel_test::allocation_count();
  double sink = 0;
  for (int i = 0; i < 10; ++i) sink += book.what_if(by_index).var + book.what_if(by_symbol).beta;
  CHECK(keel_test::allocation_count() == before);
  CHECK(std::isfinite(sink));
}

TEST_CASE("streaming estimators check periods_per_year with the library's one validator", "[online][errors][periods]") {
  using Catch::Matchers::Equals;
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::streaming_volatility(10, {.periods_per_year = 0}),
                    Equals("streaming_volatility: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::streaming_ewma_volatility({.periods_per_year = -1}),
                    Equals("streaming_ewma_volatility: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::streaming_ewma_covariance(2, {.periods_per_year = std::nan("")}),
                    Equals("streaming_ewma_covariance: periods_per_year = NaN must be positive and finite"));
  const Eigen::VectorXd w = Eigen::VectorXd::Constant(2, 0.5), betas = Eigen::VectorXd::Ones(2);
  const Eigen::MatrixXd cov = Eigen::MatrixXd::Identity(2, 2) * 1e-4;
  CHECK_THROWS_WITH(keel::what_if_book::from_weights(w, cov, betas, {.periods_per_year = inf}),
                    Contains("periods_per_year = inf must be positive and finite"));
}

TEST_CASE("streaming_beta takes its window positionally and keeps it in its state", "[online][beta]") {
  keel::streaming_beta beta(30, {.fit = {.min_observations = 3}});
  CHECK(beta.save().window == 30);
  const keel::streaming_beta again(beta.save());
  CHECK(again.save().window == 30);
  CHECK(keel::streaming_beta(0).save().window == 0);
}
