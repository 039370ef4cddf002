// SPDX-License-Identifier: MIT
// Part of har_test (tests/har_test.cpp describes the whole test): results are values. Every
// HAR result declares its scratch as a nested `workspace` type and holds none of it; the out
// forms with one reused workspace equal the plain forms bit for bit, call after call on
// different inputs (stale scratch would show); the deprecated out forms without a workspace
// (kept one release) equal the new ones.
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/har.hpp>
#include <keel/series.hpp>

#include "support/har_test_fixtures.hpp"

using namespace keel_test::har_test;

namespace {

template <class R>
constexpr bool has_workspace_type = requires {
  typename R::workspace;
};
template <class R>
constexpr bool has_workspace_member = requires(R r) {
  r.workspace;
};
template <class R>
constexpr bool workspace_is_a_type_not_a_member() {
  if constexpr (has_workspace_type<R>)
    return !has_workspace_member<R> && std::is_default_constructible_v<typename R::workspace>;
  else
    return false;
}

// The check bites: a result holding its scratch as a member fails it.
struct scratch_in_result {
  std::vector<double> workspace;
};
static_assert(!workspace_is_a_type_not_a_member<scratch_in_result>());
static_assert(workspace_is_a_type_not_a_member<keel::har_forecast<double>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_forecast<float>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_model<double>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_model<float>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_panel<double>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_volatility_result<double>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_volatility_result<float>>());
static_assert(workspace_is_a_type_not_a_member<keel::har_volatility_panel<double>>());
// The scratch that used to ride in the results is gone (a plain call returns what it documents).
template <class R>
constexpr bool has_squares = requires(R r) {
  r.squares;
};
static_assert(!has_squares<keel::har_volatility_result<double>>);

template <class Real>
void check_same(const keel::har_model<Real>& a, const keel::har_model<Real>& b) {
  CHECK(a.intercept == b.intercept);
  CHECK(a.beta_daily == b.beta_daily);
  CHECK(a.beta_weekly == b.beta_weekly);
  CHECK(a.beta_monthly == b.beta_monthly);
  CHECK(a.std_errors == b.std_errors);
  CHECK(a.t_stats == b.t_stats);
  CHECK(a.r_squared == b.r_squared);
  CHECK(a.n == b.n);
  CHECK(a.options.horizon == b.options.horizon);
  CHECK(a.options.scale == b.options.scale);
  CHECK(a.options.newey_west_lags == b.options.newey_west_lags);
  CHECK(a.options.weekly == b.options.weekly);
  CHECK(a.options.monthly == b.options.monthly);
  CHECK(a.options.min_observations == b.options.min_observations);
}

template <class Real>
void check_same(const keel::har_forecast<Real>& a, const keel::har_forecast<Real>& b) {
  CHECK(a.variance == b.variance);
  CHECK(a.volatility == b.volatility);
  CHECK(a.variances == b.variances);
  CHECK(a.floored == b.floored);
}

template <class Real>
void check_same(const keel::har_volatility_result<Real>& a, const keel::har_volatility_result<Real>& b) {
  CHECK(a.volatility == b.volatility);
  CHECK(a.variance == b.variance);
  check_same(a.forecast, b.forecast);
  check_same(a.model, b.model);
}

template <class Real>
void check_same(const keel::har_panel<Real>& a, const keel::har_panel<Real>& b) {
  CHECK(a.intercepts == b.intercepts);
  CHECK(a.betas_daily == b.betas_daily);
  CHECK(a.betas_weekly == b.betas_weekly);
  CHECK(a.betas_monthly == b.betas_monthly);
  CHECK(a.std_errors == b.std_errors);
  CHECK(a.t_stats == b.t_stats);
  CHECK(a.r_squareds == b.r_squareds);
  CHECK(a.n == b.n);
  CHECK(a.options.newey_west_lags == b.options.newey_west_lags);
}

template <class Real>
void check_same(const keel::har_volatility_panel<Real>& a, const keel::har_volatility_panel<Real>& b) {
  CHECK(a.volatilities == b.volatilities);
  CHECK(a.variances == b.variances);
  CHECK(a.r_squareds == b.r_squareds);
  CHECK(a.floored == b.floored);
}

/// A slowly drifting variance: daily, weekly and monthly means nearly collinear, so the fit
/// takes the pivoted-QR path rather than the moments one.
std::vector<double> smooth_rv(std::size_t n) {
  std::vector<double> rv(n);
  for (std::size_t t = 0; t < n; ++t)
    rv[t] = 1e-4 * (2 + std::sin(static_cast<double>(t) / 150)) + 1e-9 * std::cos(static_cast<double>(t) * 7.3);
  return rv;
}

/// Returns whose squares are rv (alternating signs).
std::vector<double> returns_of(const std::vector<double>& rv) {
  std::vector<double> r(rv.size());
  for (std::size_t t = 0; t < rv.size(); ++t) r[t] = (t % 2 == 0 ? 1 : -1) * std::sqrt(rv[t]);
  return r;
}

Eigen::MatrixXd panel_of(const std::vector<std::vector<double>>& cols, std::size_t rows) {
  Eigen::MatrixXd p(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    for (std::size_t i = 0; i < rows; ++i) p(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = cols[j][i];
  return p;
}

}  // namespace

TEST_CASE("har out forms with one reused workspace equal the plain forms bit for bit", "[har][workspace]") {
  // Different lengths, scales, horizons and solver paths in a row: stale scratch would show.
  const std::vector<double> long_rv = simulate_rv(900, 31);
  const std::vector<double> short_rv = simulate_rv(400, 32);
  const std::vector<double> smooth = smooth_rv(600);
  struct run {
    const std::vector<double>* rv;
    keel::har_options options;
    std::ptrdiff_t h;
  };
  const std::vector<run> runs{{&long_rv, {.scale = keel::har_scale::log_variance}, 30},
                              {&short_rv, {.horizon = 5, .scale = keel::har_scale::volatility}, 5},
                              {&smooth, {.newey_west_lags = 3}, 10},
                              {&long_rv, {.newey_west_lags = 0, .weekly = 3, .monthly = 10}, 1}};

  keel::har_model<double> model;
  keel::har_model<double>::workspace fit_ws;
  keel::har_forecast<double> forecast;
  keel::har_forecast<double>::workspace forecast_ws;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    INFO("run " << k);
    const auto& [rv, options, h] = runs[k];
    keel::har_fit(*rv, model, fit_ws, options);
    // The smooth series (run 2) is the first to take the QR path, which alone sizes `design`.
    CHECK((fit_ws.design.rows() > 0) == (k >= 2));
    const auto plain = keel::har_fit(*rv, options);
    check_same(model, plain);
    model.forecast(*rv, h, forecast, forecast_ws);
    check_same(forecast, plain.forecast(*rv, h));
  }

  // har_volatility_forecast: series, dated (with missing days) and panel.
  keel::har_volatility_result<double> vol;
  keel::har_volatility_result<double>::workspace vol_ws;
  const std::vector<keel::har_volatility_options> vol_options{
      {}, {.horizon = 7, .periods_per_year = 52, .scale = keel::har_scale::volatility, .monthly = 15}};
  for (std::size_t k = 0; k < 2; ++k) {
    INFO("run " << k);
    const std::vector<double> r = returns_of(k == 0 ? long_rv : short_rv);
    keel::har_volatility_forecast(r, vol, vol_ws, vol_options[k]);
    check_same(vol, keel::har_volatility_forecast(r, vol_options[k]));

    std::vector<int> keys(r.size());
    std::vector<double> gappy = r;
    for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<int>(3 * i);
    for (std::size_t i = 0; i < gappy.size(); i += 11 + k) gappy[i] = std::nan("");
    const auto dated = keel::dated_view(keys, gappy);
    keel::har_volatility_forecast(dated, vol, vol_ws, vol_options[k]);
    const auto plain_dated = keel::har_volatility_forecast(dated, vol_options[k]);
    check_same(vol, plain_dated);
    std::vector<double> present;
    for (double x : gappy)
      if (!std::isnan(x)) present.push_back(x);
    check_same(plain_dated, keel::har_volatility_forecast(present, vol_options[k]));
  }

  keel::har_panel<double> fits;
  keel::har_panel<double>::workspace fits_ws;
  keel::har_volatility_panel<double> vols;
  keel::har_volatility_panel<double>::workspace vols_ws;
  const Eigen::MatrixXd wide = panel_of({long_rv, simulate_rv(900, 33), smooth_rv(900)}, 900);
  const Eigen::MatrixXd narrow = panel_of({short_rv, simulate_rv(400, 34)}, 400);
  for (const Eigen::MatrixXd* p : {&wide, &narrow}) {
    INFO(p->cols() << " columns");
    keel::har_fit(*p, fits, fits_ws, {.scale = keel::har_scale::volatility});
    check_same(fits, keel::har_fit(*p, {.scale = keel::har_scale::volatility}));
    const Eigen::MatrixXd r = p->cwiseSqrt();
    keel::har_volatility_forecast(r, vols, vols_ws, {.horizon = 12});
    check_same(vols, keel::har_volatility_forecast(r, {.horizon = 12}));
  }

  // float series: the workspace accumulates in double, the result stays float.
  std::vector<float> rvf(long_rv.begin(), long_rv.end());
  keel::har_model<float> model_f;
  keel::har_model<float>::workspace ws_f;
  keel::har_fit(rvf, model_f, ws_f);
  check_same(model_f, keel::har_fit(rvf));
  keel::har_fit(std::vector<float>(short_rv.begin(), short_rv.end()), model_f, ws_f);
  check_same(model_f, keel::har_fit(std::vector<float>(short_rv.begin(), short_rv.end())));
}

TEST_CASE("har deprecated out forms without a workspace equal the new ones", "[har][workspace][deprecated]") {
  const std::vector<double> rv = simulate_rv(700, 41);
  const std::vector<double> r = returns_of(rv);
  const Eigen::MatrixXd rv_panel = panel_of({rv, simulate_rv(700, 42)}, 700);
  const Eigen::MatrixXd r_panel = rv_panel.cwiseSqrt();

  keel::har_model<double> model;
  keel::har_model<double>::workspace fit_ws;
  keel::har_fit(rv, model, fit_ws, {.horizon = 3});
  keel::har_forecast<double> forecast;
  keel::har_forecast<double>::workspace forecast_ws;
  model.forecast(rv, 3, forecast, forecast_ws);
  keel::har_volatility_result<double> vol;
  keel::har_volatility_result<double>::workspace vol_ws;
  keel::har_volatility_forecast(r, vol, vol_ws, {.horizon = 20});
  keel::har_panel<double> fits;
  keel::har_panel<double>::workspace fits_ws;
  keel::har_fit(rv_panel, fits, fits_ws);
  keel::har_volatility_panel<double> vols;
  keel::har_volatility_panel<double>::workspace vols_ws;
  keel::har_volatility_forecast(r_panel, vols, vols_ws);

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  keel::har_model<double> old_model;
  keel::har_fit(rv, old_model, {.horizon = 3});
  keel::har_forecast<double> old_forecast;
  old_model.forecast(rv, 3, old_forecast);
  keel::har_volatility_result<double> old_vol;
  keel::har_volatility_forecast(r, old_vol, {.horizon = 20});
  keel::har_panel<double> old_fits;
  keel::har_fit(rv_panel, old_fits);
  keel::har_volatility_panel<double> old_vols;
  keel::har_volatility_forecast(r_panel, old_vols);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
  check_same(old_model, model);
  check_same(old_forecast, forecast);
  check_same(old_vol, vol);
  check_same(old_fits, fits);
  check_same(old_vols, vols);
}
