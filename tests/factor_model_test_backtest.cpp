// SPDX-License-Identifier: MIT
// Tests of keel::risk_model_backtest (keel/factor_model.hpp). The reference is written
// differently in each test: the sample model's forecasts, realised sums and every statistic in
// long double with explicit loops; the other models from their public fitting functions called
// on the same window by the test (the CCC correlation formed here from the GARCH residuals);
// calibration on simulated i.i.d. and GARCH data; bit-identity across thread counts.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/factor_model.hpp>
#include <keel/garch.hpp>
#include <keel/series.hpp>

#include "support/shared_data.hpp"

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

/// T x N i.i.d. normal returns with a one-factor covariance (daily scale).
MatrixXd iid_returns(Index t, Index n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 1);
  MatrixXd r(t, n);
  for (Index s = 0; s < t; ++s) {
    const double m = 0.01 * z(gen);
    for (Index i = 0; i < n; ++i) r(s, i) = (0.6 + 0.1 * static_cast<double>(i)) * m + 0.008 * z(gen);
  }
  return r;
}

/// N x P portfolios: P/2 random long-only, the rest one or two assets.
MatrixXd some_portfolios(Index n, Index p, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.05, 1);
  MatrixXd w = MatrixXd::Zero(n, p);
  for (Index j = 0; j < p; ++j) {
    if (j < p / 2) {
      for (Index i = 0; i < n; ++i) w(i, j) = u(gen);
    } else {
      w(static_cast<Index>(gen() % static_cast<std::uint64_t>(n)), j) += u(gen);
      w(static_cast<Index>(gen() % static_cast<std::uint64_t>(n)), j) += u(gen);
    }
    w.col(j) /= w.col(j).sum();
  }
  return w;
}

long double corr_ld(const std::vector<long double>& x, const std::vector<long double>& y) {
  long double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<long double>(x.size());
  my /= static_cast<long double>(y.size());
  long double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

/// The whole backtest of the sample model, in long double, written as the definitions read.
void check_sample_model(const MatrixXd& r, const MatrixXd& w, const keel::risk_model_backtest_options& o,
                        const keel::risk_model_backtest_result<double>& got, double tol) {
  const Index t = r.rows(), n = r.cols(), p = w.cols();
  std::vector<Index> origins;
  for (Index origin = o.window - 1; origin + o.horizon <= t - 1; origin += o.step) origins.push_back(origin);
  REQUIRE(got.origins.size() == origins.size());
  const auto oc = static_cast<Index>(origins.size());
  std::vector<std::vector<long double>> pred(static_cast<std::size_t>(p)), real(static_cast<std::size_t>(p)),
      sums(static_cast<std::size_t>(p));
  std::vector<long double> all_pred, all_real;
  for (Index k = 0; k < oc; ++k) {
    const Index origin = origins[static_cast<std::size_t>(k)];
    CHECK(got.origins[static_cast<std::size_t>(k)] == origin);
    const Index first = origin - o.window + 1;
    std::vector<long double> mean(static_cast<std::size_t>(n), 0);
    for (Index s = first; s <= origin; ++s)
      for (Index i = 0; i < n; ++i) mean[static_cast<std::size_t>(i)] += r(s, i);
    for (auto& m : mean) m /= static_cast<long double>(o.window);
    for (Index j = 0; j < p; ++j) {
      // w' S w as the variance of the window's portfolio returns about their mean (the same
      // quadratic form, summed another way).
      long double v = 0;
      for (Index s = first; s <= origin; ++s) {
        long double d = 0;
        for (Index i = 0; i < n; ++i)
          d += static_cast<long double>(w(i, j)) * (r(s, i) - mean[static_cast<std::size_t>(i)]);
        v += d * d;
      }
      v = v / static_cast<long double>(o.window - 1) * static_cast<long double>(o.horizon);
      long double sum = 0, sq = 0;
      for (Index s = origin + 1; s <= origin + o.horizon; ++s) {
        long double x = 0;
        for (Index i = 0; i < n; ++i) x += static_cast<long double>(w(i, j)) * r(s, i);
        sum += x;
        sq += x * x;
      }
      CHECK(got.predicted_volatilities(k, j) == Approx(static_cast<double>(std::sqrt(v))).epsilon(tol));
      CHECK(got.realised_returns(k, j) == Approx(static_cast<double>(sum)).epsilon(tol).margin(1e-17));
      CHECK(got.realised_variances(k, j) == Approx(static_cast<double>(sq)).epsilon(tol));
      pred[static_cast<std::size_t>(j)].push_back(v);
      real[static_cast<std::size_t>(j)].push_back(sq);
      sums[static_cast<std::size_t>(j)].push_back(sum / std::sqrt(v));
      all_pred.push_back(v);
      all_real.push_back(sq);
    }
  }
  Index inside = 0;
  const long double half = 1.959963984540054L / std::sqrt(2.0L * static_cast<long double>(oc));
  CHECK(got.bias_band_lower == Approx(static_cast<double>(1 - half)).epsilon(1e-14));
  CHECK(got.bias_band_upper == Approx(static_cast<double>(1 + half)).epsilon(1e-14));
  for (Index j = 0; j < p; ++j) {
    const auto& z = sums[static_cast<std::size_t>(j)];
    long double m = 0, q = 0;
    for (const long double x : z) {
      m += x;
      q += x * x - std::log(x * x);
    }
    m /= static_cast<long double>(oc);
    long double ss = 0;
    for (const long double x : z) ss += (x - m) * (x - m);
    const long double bias = std::sqrt(ss / static_cast<long double>(oc - 1));
    inside += bias >= 1 - half && bias <= 1 + half;
    CHECK(got.bias_statistics(j) == Approx(static_cast<double>(bias)).epsilon(tol));
    CHECK(got.q_statistics(j) == Approx(static_cast<double>(q / static_cast<long double>(oc))).epsilon(tol));
    CHECK(got.variance_correlations(j) ==
          Approx(static_cast<double>(corr_ld(pred[static_cast<std::size_t>(j)], real[static_cast<std::size_t>(j)])))
              .epsilon(tol));
  }
  CHECK(got.share_in_band == Approx(static_cast<double>(inside) / static_cast<double>(p)));
  CHECK(got.pooled_variance_correlation == Approx(static_cast<double>(corr_ld(all_pred, all_real))).epsilon(tol));
}

}  // namespace

TEST_CASE("risk_model_backtest: the sample model equals a direct long-double backtest", "[factor_model][backtest]") {
  const MatrixXd r = iid_returns(400, 6, 11);
  const MatrixXd w = some_portfolios(6, 8, 12);
  for (const auto& o : {keel::risk_model_backtest_options{.window = 100, .horizon = 10, .step = 10},
                        keel::risk_model_backtest_options{.window = 60, .horizon = 21, .step = 7},
                        keel::risk_model_backtest_options{.window = 250, .horizon = 1, .step = 1}}) {
    const auto got = keel::risk_model_backtest(r, w, keel::risk_model::sample, o);
    check_sample_model(r, w, o, got, 1e-11);
  }
}

TEST_CASE("risk_model_backtest: every model's forecast is its fitting function's on the window",
          "[factor_model][backtest]") {
  const Index n = 4;
  const MatrixXd r = iid_returns(330, n, 21);
  const MatrixXd w = some_portfolios(n, 4, 22);
  MatrixXd f(r.rows(), 2);
  f.col(0) = r.rowwise().mean();
  f.col(1) = r.col(0) - r.col(1);
  keel::risk_model_backtest_options o{.window = 250, .horizon = 5, .step = 25, .factors = 2, .factor_returns = f};
  const double h = static_cast<double>(o.horizon);
  const auto direct = [&](keel::risk_model model, const MatrixXd& x, const MatrixXd& fx) -> MatrixXd {
    switch (model) {
      case keel::risk_model::sample:
        return keel::sample_covariance(x, {.periods_per_year = 1}).covariance * h;
      case keel::risk_model::ewma: {
        // RiskMetrics by hand: weights lambda^age, normalised, zero mean.
        MatrixXd s = MatrixXd::Zero(n, n);
        double total = 0, weight = 1;
        for (Index t = x.rows() - 1; t >= 0; --t, weight *= o.ewma_lambda) {
          s += weight * x.row(t).transpose() * x.row(t);
          total += weight;
        }
        return s / total * h;
      }
      case keel::risk_model::ledoit_wolf:
        return keel::ledoit_wolf(x, {.periods_per_year = 1}).covariance * h;
      case keel::risk_model::statistical_factor:
        return keel::model_covariance(keel::statistical_factor_model(x, 2)) * h;
      case keel::risk_model::time_series_factor:
        return keel::model_covariance(keel::time_series_factor_model(x, fx)) * h;
      case keel::risk_model::garch: {
        const auto fits = keel::garch_fit(x);
        MatrixXd z(x.rows(), n);
        for (Index j = 0; j < n; ++j)
          for (Index t = 0; t < x.rows(); ++t)
            z(t, j) = (x(t, j) - fits[static_cast<std::size_t>(j)].mu) /
                      fits[static_cast<std::size_t>(j)].conditional_volatilities[static_cast<std::size_t>(t)];
        MatrixXd c(n, n);
        for (Index i = 0; i < n; ++i)
          for (Index j = 0; j < n; ++j) c(i, j) = z.col(i).dot(z.col(j)) / (z.col(i).norm() * z.col(j).norm());
        MatrixXd s = MatrixXd::Zero(n, n);
        for (Index k = 0; k < o.horizon; ++k) {
          VectorXd d(n);
          for (Index j = 0; j < n; ++j)
            d(j) =
                std::sqrt(fits[static_cast<std::size_t>(j)].forecast(o.horizon).variances[static_cast<std::size_t>(k)]);
          s += d.asDiagonal() * c * d.asDiagonal();
        }
        return s;
      }
      case keel::risk_model::dcc:
        return keel::dcc_fit(x).forecast(o.horizon).covariance;
    }
    return {};
  };
  for (const auto model : {keel::risk_model::sample, keel::risk_model::ewma, keel::risk_model::ledoit_wolf,
                           keel::risk_model::statistical_factor, keel::risk_model::time_series_factor,
                           keel::risk_model::garch, keel::risk_model::dcc}) {
    CAPTURE(static_cast<int>(model));
    const auto got = keel::risk_model_backtest(r, w, model, o);
    REQUIRE(got.origins.size() == 4);  // 249, 274, 299, 324 (the last with 5 rows after it)
    for (std::size_t k = 0; k < got.origins.size(); ++k) {
      const Index origin = got.origins[k], first = origin - o.window + 1;
      const MatrixXd s = direct(model, r.middleRows(first, o.window), f.middleRows(first, o.window));
      for (Index j = 0; j < w.cols(); ++j)
        CHECK(got.predicted_volatilities(static_cast<Index>(k), j) ==
              Approx(std::sqrt(w.col(j).dot(s * w.col(j)))).epsilon(1e-10));
    }
  }
}

TEST_CASE("risk_model_backtest: calibration on simulated data", "[factor_model][backtest]") {
  SECTION("i.i.d. normal returns: the sample model's bias statistics sit in their band") {
    const MatrixXd r = iid_returns(3300, 5, 31);
    const MatrixXd w = some_portfolios(5, 40, 32);
    const auto got =
        keel::risk_model_backtest(r, w, keel::risk_model::sample, {.window = 500, .horizon = 10, .step = 10});
    REQUIRE(got.origins.size() == 280);
    // 95% bands: with 40 portfolios (correlated, through the common factor) most are inside.
    CHECK(got.share_in_band >= 0.75);
    CHECK(got.bias_statistics.mean() == Approx(1).margin(0.06));
    // The Q-statistic of a calibrated normal forecast: E[z^2 - ln z^2] = 1 + ln 2 + gamma.
    CHECK(got.q_statistics.mean() == Approx(1 + std::log(2.0) + 0.5772156649015329).margin(0.15));
  }
  SECTION("GARCH data: the GARCH and EWMA forecasts follow realised variance, the sample one cannot") {
    // Three assets share one GARCH(1,1) volatility process (alpha 0.1, beta 0.85).
    std::mt19937_64 gen(41);
    std::normal_distribution<double> z(0, 1);
    const Index t = 1800, n = 3;
    MatrixXd r(t, n);
    double var = 1e-4;
    double e = 0;
    for (Index s = 0; s < t; ++s) {
      var = 0.05 * 1e-4 + 0.1 * e * e + 0.85 * var;
      const double m = z(gen);
      for (Index i = 0; i < n; ++i) r(s, i) = std::sqrt(var) * (0.8 * m + 0.6 * z(gen));
      e = r(s, 0);
    }
    const MatrixXd w = some_portfolios(n, 6, 42);
    const keel::risk_model_backtest_options o{.window = 400, .horizon = 5, .step = 5};
    const auto sample = keel::risk_model_backtest(r, w, keel::risk_model::sample, o);
    const auto ewma = keel::risk_model_backtest(r, w, keel::risk_model::ewma, o);
    const auto garch = keel::risk_model_backtest(r, w, keel::risk_model::garch, o);
    CHECK(garch.pooled_variance_correlation > sample.pooled_variance_correlation + 0.1);
    CHECK(ewma.pooled_variance_correlation > sample.pooled_variance_correlation + 0.1);
    CHECK(garch.q_statistics.mean() < sample.q_statistics.mean());
  }
}

TEST_CASE("risk_model_backtest: threads, float and the result's shape", "[factor_model][backtest]") {
  const MatrixXd r = iid_returns(420, 3, 51);
  const MatrixXd w = some_portfolios(3, 3, 52);
  keel::risk_model_backtest_options o{.window = 300, .horizon = 10, .step = 20};
  o.threads = 1;
  const auto one = keel::risk_model_backtest(r, w, keel::risk_model::dcc, o);
  o.threads = 3;
  const auto three = keel::risk_model_backtest(r, w, keel::risk_model::dcc, o);
  CHECK(one.predicted_volatilities == three.predicted_volatilities);
  CHECK(one.q_statistics == three.q_statistics);
  CHECK(one.predicted_volatilities.rows() == 6);
  CHECK(one.predicted_volatilities.cols() == 3);

  const Eigen::MatrixXf rf = r.cast<float>();
  const Eigen::MatrixXf wf = w.cast<float>();
  const keel::risk_model_backtest_result<float> fl = keel::risk_model_backtest(rf, wf, keel::risk_model::sample, o);
  const auto db =
      keel::risk_model_backtest(MatrixXd(rf.cast<double>()), MatrixXd(wf.cast<double>()), keel::risk_model::sample, o);
  CHECK(fl.pooled_variance_correlation == static_cast<float>(db.pooled_variance_correlation));
  CHECK(fl.bias_statistics == db.bias_statistics.cast<float>());
}

TEST_CASE("risk_model_backtest: errors name what, where and how big", "[factor_model][backtest][errors]") {
  const MatrixXd r = iid_returns(300, 3, 61);
  const MatrixXd w = some_portfolios(3, 2, 62);
  using Catch::Matchers::Contains;
  const auto bt = [&](const MatrixXd& rr, const MatrixXd& ww, keel::risk_model m, keel::risk_model_backtest_options o) {
    (void)keel::risk_model_backtest(rr, ww, m, o);
  };
  // Too short for two origins: names the rows needed.
  CHECK_THROWS_AS(bt(r, w, keel::risk_model::sample, {.window = 250, .horizon = 21, .step = 30}),
                  keel::insufficient_data);
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::sample, {.window = 250, .horizon = 21, .step = 30}),
                    Contains("301") && Contains("300"));
  CHECK_NOTHROW(bt(r, w, keel::risk_model::sample, {.window = 250, .horizon = 21, .step = 29}));
  CHECK_THROWS_WITH(bt(r, MatrixXd::Ones(4, 2), keel::risk_model::sample, {.window = 100}), Contains("4 rows"));
  MatrixXd zero = w;
  zero.col(1).setZero();
  CHECK_THROWS_WITH(bt(r, zero, keel::risk_model::sample, {.window = 100}), Contains("portfolio 1"));
  MatrixXd bad = r;
  bad(17, 2) = std::nan("");
  CHECK_THROWS_AS(bt(bad, w, keel::risk_model::sample, {.window = 100}), keel::invalid_input);
  CHECK_THROWS_WITH(bt(bad, w, keel::risk_model::sample, {.window = 100}), Contains("returns") && Contains("17"));
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::time_series_factor, {.window = 100}), Contains("factor_returns"));
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::statistical_factor, {.window = 100, .factors = 4}), Contains("factors"));
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::ewma, {.window = 100, .ewma_lambda = 1}), Contains("ewma_lambda"));
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::sample, {.window = 100, .horizon = 0}), Contains("horizon"));
  CHECK_THROWS_WITH(bt(r, w, keel::risk_model::sample, {.window = 100, .confidence = 1}), Contains("confidence"));
  CHECK_THROWS_AS(bt(r, w, static_cast<keel::risk_model>(99), {.window = 100}), keel::invalid_input);
  // A model failing on one window keeps its error type and names the window.
  MatrixXd flat = r;
  flat.block(0, 1, 120, 1).setConstant(0.001);
  CHECK_THROWS_AS(bt(flat, w, keel::risk_model::garch, {.window = 100, .horizon = 5, .step = 50}),
                  keel::singular_problem);
  CHECK_THROWS_WITH(bt(flat, w, keel::risk_model::garch, {.window = 100, .horizon = 5, .step = 50}),
                    Contains("rows 0..99") && Contains("constant"));
  // A long-short portfolio of two identical assets has no forecast risk.
  MatrixXd twin = r;
  twin.col(1) = twin.col(0);
  MatrixXd hedge = w;
  hedge.col(0) << 1, -1, 0;
  CHECK_THROWS_AS(bt(twin, hedge, keel::risk_model::sample, {.window = 100}), keel::singular_problem);
}

TEST_CASE("risk_model_backtest: the Dow 30 (../shared) in long double", "[factor_model][backtest][shared]") {
  const auto path = keel_test::shared_file("data/dowjones30_daily_1991_2000_fBasics.csv");
  if (!path) return;
  const keel::price_table prices = keel::read_prices_csv(*path);
  const Index n = static_cast<Index>(prices.symbols.size());
  MatrixXd r(static_cast<Index>(prices.dates.size()) - 1, n);
  for (Index j = 0; j < n; ++j)
    for (Index t = 0; t + 1 < static_cast<Index>(prices.dates.size()); ++t)
      r(t, j) = prices.prices(t + 1, j) / prices.prices(t, j) - 1;
  REQUIRE(r.allFinite());
  const MatrixXd w = some_portfolios(n, 12, 71);
  const keel::risk_model_backtest_options o{.window = 504, .horizon = 21, .step = 21};
  const auto got = keel::risk_model_backtest(r, w, keel::risk_model::sample, o);
  check_sample_model(r, w, o, got, 1e-11);
}
