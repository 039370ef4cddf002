// SPDX-License-Identifier: MIT
// libFuzzer target for keel's volatility, covariance and HAR entry points: realized_volatility,
// rolling_volatility, ewma_volatility, volatility_trend, volatility_percentile,
// portfolio_volatility, diversification_ratio, risk_contributions (keel/volatility.hpp);
// sample_covariance (three missing-data policies, with and without repair), ewma_covariance,
// semicovariance, ledoit_wolf (three targets), correlation (keel/covariance.hpp); har_fit,
// har_model::forecast, har_volatility_forecast (series and dated), the panel forms, each out
// form with a workspace reused across inputs against its plain form (keel/har.hpp).
//
// The first byte picks how the rest become numbers, as numeric_fuzz does: raw doubles (NaN,
// infinities, subnormals, 1e308 reach every check), raw floats, or small integers scaled to
// daily returns (so the estimators run on most inputs), with some cells turned into NaN. The
// second byte picks the window, the panel width and the options. Every call must throw a
// keel::error or return a result that keeps its documented contract: no NaN, volatilities and
// variances >= 0, percentiles in (0, 1], shrinkage in [0, 1], symmetric covariances with a
// nonnegative diagonal, a PSD flag that agrees with the reported smallest eigenvalue,
// contributions summing to the volatility; the rolling_volatility and covariance out forms,
// with an out and a workspace kept across inputs, throw when the plain forms throw and otherwise
// give their bits. Anything else traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/covariance.hpp>
#include <keel/har.hpp>
#include <keel/volatility.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

template <class Real>
bool same_estimate(const keel::covariance_estimate<Real>& a, const keel::covariance_estimate<Real>& b) {
  const auto eq = [](const auto& u, const auto& v) { return u.rows() == v.rows() && u.cols() == v.cols() && u == v; };
  return eq(a.covariance, b.covariance) && a.observations == b.observations && eq(a.pair_counts, b.pair_counts) &&
         a.positive_semidefinite == b.positive_semidefinite && a.min_eigenvalue == b.min_eigenvalue &&
         a.repaired == b.repaired;
}

template <class Real>
bool same_estimate(const keel::shrinkage_estimate<Real>& a, const keel::shrinkage_estimate<Real>& b) {
  const auto eq = [](const auto& u, const auto& v) { return u.rows() == v.rows() && u.cols() == v.cols() && u == v; };
  return eq(a.covariance, b.covariance) && a.shrinkage == b.shrinkage && eq(a.target_covariance, b.target_covariance) &&
         a.observations == b.observations;
}

/// `into(out)` (an out form with a reused workspace) throws exactly when `plain()` does and
/// otherwise fills `out` with the plain result's bits.
template <class R, class Plain, class Into>
void check_out_form(R& out, const Plain& plain, const Into& into) {
  std::optional<R> expected;
  try {
    expected = plain();
  } catch (const keel::error&) {
  }
  bool threw = false;
  try {
    into(out);
  } catch (const keel::error&) {
    threw = true;
  }
  require(threw == !expected.has_value());
  if (expected) require(same_estimate(out, *expected));
}

template <class M>
void check_covariance(const M& c, Eigen::Index n) {
  require(c.rows() == n && c.cols() == n);
  require(c.allFinite());
  require((c - c.transpose()).cwiseAbs().maxCoeff() == 0);
  require((c.diagonal().array() >= 0).all());
}

template <class Real>
void volatility_calls(const std::vector<Real>& r, std::ptrdiff_t window, std::uint8_t flags) {
  const bool demean = (flags & 1) != 0;
  try {
    const auto v = keel::realized_volatility(r, window, {.demean = demean});
    require(std::isfinite(v) && v >= 0);
  } catch (const keel::error&) {
  }
  try {
    const auto rolled = keel::rolling_volatility(r, window, {.periods_per_year = 12, .demean = demean}).volatilities;
    require(rolled.size() + static_cast<std::size_t>(window) == r.size() + 1);
    for (const auto v : rolled) require(std::isfinite(v) && v >= 0);
    // The out form with one result and workspace reused across inputs: bit for bit the plain
    // form (stale scratch from an earlier input would show).
    static keel::rolling_volatility_result<Real> out;
    static typename keel::rolling_volatility_result<Real>::workspace ws;
    keel::rolling_volatility(r, window, out, ws, {.periods_per_year = 12, .demean = demean});
    require(out.volatilities == rolled);
  } catch (const keel::error&) {
  }
  try {
    const auto e = keel::ewma_volatility(
        r, {.lambda = (flags & 2) ? 0.5 : 0.94,
            .weighting = (flags & 4) ? keel::ewma_weighting::normalized : keel::ewma_weighting::recursive});
    require(e.volatilities.size() == r.size() && std::isfinite(e.volatility) && e.volatility >= 0);
    for (const auto v : e.volatilities) require(std::isfinite(v) && v >= 0);
  } catch (const keel::error&) {
  }
  try {
    const auto t = keel::volatility_trend(r, {.short_window = window, .long_window = 2 * window, .demean = demean});
    require(t.strength >= 0 && t.strength <= 1);
    require(std::isfinite(t.short_volatility) && std::isfinite(t.long_volatility));
  } catch (const keel::error&) {
  }
  try {
    const auto p = keel::volatility_percentile(r, window, {.lookback = window + 3, .demean = demean});
    require(p > 0 && p <= 1);
  } catch (const keel::error&) {
  }
}

void portfolio_calls(const Eigen::MatrixXd& cov, const std::vector<double>& w) {
  try {
    const double v = keel::portfolio_volatility(w, cov);
    require(std::isfinite(v) && v >= 0);
  } catch (const keel::error&) {
  }
  try {
    const double d = keel::diversification_ratio(w, cov);
    require(!std::isnan(d) && d >= 0);
  } catch (const keel::error&) {
  }
  try {
    const auto rc = keel::risk_contributions(w, cov);
    require(rc.contributions.allFinite() && rc.fractions.allFinite() && rc.volatility > 0);
    require(std::fabs(rc.fractions.sum() - 1) < 1e-6 * (1 + rc.fractions.cwiseAbs().sum()));
  } catch (const keel::error&) {
  }
}

void covariance_calls(const Eigen::MatrixXd& x, std::uint8_t flags, const std::vector<double>& w) {
  const Eigen::Index n = x.cols();
  const auto missing = static_cast<keel::missing_data>(flags % 3);
  try {
    const auto c =
        keel::sample_covariance(x, {.periods_per_year = 252, .missing = missing, .repair = (flags & 8) != 0});
    check_covariance(c.covariance, n);
    if (c.min_eigenvalue)
      require(std::isfinite(*c.min_eigenvalue) && (c.positive_semidefinite || *c.min_eigenvalue < 0));
    portfolio_calls(c.covariance, w);
    try {
      const Eigen::MatrixXd r = keel::correlation(c.covariance);
      require(r.allFinite() && (r.cwiseAbs().array() <= 1).all() && (r.diagonal().array() == 1).all());
    } catch (const keel::error&) {
    }
  } catch (const keel::error&) {
  }
  try {
    check_covariance(keel::semicovariance(x, {.benchmark = 1e-4, .periods_per_year = 1, .missing = missing}).covariance,
                     n);
  } catch (const keel::error&) {
  }
  try {
    check_covariance(
        keel::ewma_covariance(x, {.periods_per_year = 1, .demean = (flags & 16) != 0, .missing = missing}).covariance,
        n);
  } catch (const keel::error&) {
  }
  for (const auto target : {keel::shrinkage_target::scaled_identity, keel::shrinkage_target::single_factor,
                            keel::shrinkage_target::constant_correlation}) {
    try {
      const auto lw = keel::ledoit_wolf(x, {.target = target, .periods_per_year = 1, .missing = missing});
      require(lw.shrinkage >= 0 && lw.shrinkage <= 1);
      check_covariance(lw.covariance, n);
      require(lw.target_covariance.allFinite());
    } catch (const keel::error&) {
    }
  }
  // The out forms, into an out and a workspace kept across inputs: whatever earlier inputs
  // (other shapes, other policies, failed calls) left in the scratch must not show.
  static keel::covariance_estimate<double> out;
  static keel::covariance_estimate<double>::workspace ws;
  static keel::shrinkage_estimate<double> shrunk;
  static keel::shrinkage_estimate<double>::workspace shrink_ws;
  const keel::covariance_options sample{.periods_per_year = 252, .missing = missing, .repair = (flags & 8) != 0};
  check_out_form(
      out, [&] { return keel::sample_covariance(x, sample); },
      [&](auto& o) { keel::sample_covariance(x, o, ws, sample); });
  const keel::semicovariance_options semi{
      .benchmark = 1e-4, .periods_per_year = 1, .missing = missing, .repair = (flags & 8) != 0};
  check_out_form(
      out, [&] { return keel::semicovariance(x, semi); }, [&](auto& o) { keel::semicovariance(x, o, ws, semi); });
  const keel::ewma_covariance_options ewma{.periods_per_year = 1, .demean = (flags & 16) != 0, .missing = missing};
  check_out_form(
      out, [&] { return keel::ewma_covariance(x, ewma); }, [&](auto& o) { keel::ewma_covariance(x, o, ws, ewma); });
  const keel::ledoit_wolf_options lw{
      .target = static_cast<keel::shrinkage_target>((flags >> 5) % 3), .periods_per_year = 1, .missing = missing};
  check_out_form(
      shrunk, [&] { return keel::ledoit_wolf(x, lw); }, [&](auto& o) { keel::ledoit_wolf(x, o, shrink_ws, lw); });
}

template <class Real>
bool same_model(const keel::har_model<Real>& a, const keel::har_model<Real>& b) {
  return a.intercept == b.intercept && a.beta_daily == b.beta_daily && a.beta_weekly == b.beta_weekly &&
         a.beta_monthly == b.beta_monthly && a.std_errors == b.std_errors && a.t_stats == b.t_stats &&
         a.r_squared == b.r_squared && a.n == b.n && a.options.newey_west_lags == b.options.newey_west_lags;
}

template <class Real>
bool same_forecast(const keel::har_forecast<Real>& a, const keel::har_forecast<Real>& b) {
  return a.variance == b.variance && a.volatility == b.volatility && a.variances == b.variances &&
         a.floored == b.floored;
}

template <class Real>
bool same_volatility(const keel::har_volatility_result<Real>& a, const keel::har_volatility_result<Real>& b) {
  return a.volatility == b.volatility && a.variance == b.variance && same_forecast(a.forecast, b.forecast) &&
         same_model(a.model, b.model);
}

// Workspaces and results reused across inputs (and calls): the out forms must equal the plain
// forms bit for bit, whatever the previous input left in the scratch, and throw when they throw.
struct har_reused {
  keel::har_model<double> model;
  keel::har_model<double>::workspace fit;
  keel::har_forecast<double> forecast;
  keel::har_forecast<double>::workspace forecast_ws;
  keel::har_volatility_result<double> volatility;
  keel::har_volatility_result<double>::workspace volatility_ws;
};

har_reused& reused() {
  static har_reused r;
  return r;
}

void har_calls(const std::vector<double>& r, std::ptrdiff_t window, std::uint8_t flags) {
  const auto scale = static_cast<keel::har_scale>(flags % 3);
  std::vector<double> rv(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) rv[i] = r[i] * r[i];
  const keel::har_options options{.horizon = 1 + window % 4,
                                  .scale = scale,
                                  .weekly = 2 + window % 3,
                                  .monthly = 6 + window % 5,
                                  .min_observations = 5};
  har_reused& u = reused();
  bool out_threw = false;
  try {
    keel::har_fit(rv, u.model, u.fit, options);
  } catch (const keel::error&) {
    out_threw = true;
  }
  try {
    const auto m = keel::har_fit(rv, options);
    require(!out_threw && same_model(m, u.model));
    require(std::isfinite(m.intercept) && std::isfinite(m.beta_daily) && std::isfinite(m.beta_weekly) &&
            std::isfinite(m.beta_monthly));
    require((m.std_errors.array() >= 0).all() && m.std_errors.allFinite() && !m.t_stats.hasNaN());
    require(m.r_squared >= 0 && m.r_squared <= 1);
    bool forecast_threw = false;
    try {
      m.forecast(rv, options.horizon, u.forecast, u.forecast_ws);
    } catch (const keel::error&) {
      forecast_threw = true;
    }
    try {
      const auto f = m.forecast(rv, options.horizon);
      require(!forecast_threw && same_forecast(f, u.forecast));
      require(std::isfinite(f.variance) && f.variance >= 0 && std::isfinite(f.volatility));
      for (double v : f.variances) require(std::isfinite(v) && v >= 0);
    } catch (const keel::error&) {
      require(forecast_threw);
    }
  } catch (const keel::error&) {
    require(out_threw);
  }
  const keel::har_volatility_options vol_options{
      .horizon = window, .scale = scale, .weekly = 2, .monthly = 5, .min_observations = 5};
  out_threw = false;
  try {
    keel::har_volatility_forecast(r, u.volatility, u.volatility_ws, vol_options);
  } catch (const keel::error&) {
    out_threw = true;
  }
  try {
    const auto h = keel::har_volatility_forecast(r, vol_options);
    require(!out_threw && same_volatility(h, u.volatility));
    require(std::isfinite(h.volatility) && h.volatility >= 0 && h.variance >= 0);
  } catch (const keel::error&) {
    require(out_threw);
  }
}

// The dated form (missing returns dropped) equals the series form on the present returns, in
// its plain and out forms.
void har_dated_calls(const std::vector<double>& v, std::ptrdiff_t window, std::uint8_t flags) {
  std::vector<std::int64_t> days(v.size());
  std::vector<double> present;
  for (std::size_t i = 0; i < v.size(); ++i) {
    days[i] = 2 * static_cast<std::int64_t>(i);
    if (!std::isnan(v[i])) present.push_back(v[i]);
  }
  const keel::har_volatility_options options{.horizon = window,
                                             .scale = static_cast<keel::har_scale>(flags % 2),
                                             .weekly = 2,
                                             .monthly = 5,
                                             .min_observations = 5};
  har_reused& u = reused();
  bool out_threw = false;
  try {
    keel::har_volatility_forecast(keel::dated_view(days, v), u.volatility, u.volatility_ws, options);
  } catch (const keel::error&) {
    out_threw = true;
  }
  bool dated_threw = false;
  keel::har_volatility_result<double> dated;
  try {
    dated = keel::har_volatility_forecast(keel::dated_view(days, v), options);
    require(!out_threw && same_volatility(dated, u.volatility));
  } catch (const keel::error&) {
    require(out_threw);
    dated_threw = true;
  }
  try {
    const auto plain = keel::har_volatility_forecast(present, options);
    require(!dated_threw && same_volatility(dated, plain));
  } catch (const keel::error&) {
    require(dated_threw);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const std::uint8_t flags = data[1];
  const std::ptrdiff_t window = 1 + (data[1] >> 2) % 12;
  const Eigen::Index cols = 1 + (data[0] >> 2) % 4;
  const std::uint8_t* body = data + 2;
  const std::size_t bytes = size - 2;

  std::vector<double> v;
  std::vector<float> vf;
  if (mode == 0) {
    for (std::size_t i = 0; i + sizeof(double) <= bytes; i += sizeof(double)) {
      double d;
      std::memcpy(&d, body + i, sizeof d);
      v.push_back(d);
    }
  } else if (mode == 1) {
    for (std::size_t i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) {
      float f;
      std::memcpy(&f, body + i, sizeof f);
      vf.push_back(f);
      v.push_back(static_cast<double>(f));
    }
  } else {
    for (std::size_t i = 0; i + 2 <= bytes; i += 2) {
      std::int16_t s;
      std::memcpy(&s, body + i, sizeof s);
      // -32768 marks a missing cell, so the missing-data paths run on clean numbers too.
      v.push_back(s == -32768 ? std::nan("") : static_cast<double>(s) * 1e-4);
    }
  }
  std::vector<double> clean;
  for (double x : v)
    if (!std::isnan(x)) clean.push_back(x);
  volatility_calls(v, window, flags);
  volatility_calls(clean, window, flags);
  if (mode == 1) volatility_calls(vf, window, flags);

  const auto rows = static_cast<Eigen::Index>(v.size()) / cols;
  Eigen::MatrixXd x(rows, cols);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) x(i, j) = v[static_cast<std::size_t>(j * rows + i)];
  std::vector<double> w(static_cast<std::size_t>(cols));
  for (std::size_t j = 0; j < w.size(); ++j) w[j] = j < clean.size() ? clean[j] * 100 : 1.0;
  covariance_calls(x, flags, w);
  har_calls(clean, window, flags);
  har_dated_calls(v, window, flags);
  try {
    const Eigen::MatrixXd rv = x.array().square();
    const auto panel = keel::har_fit(rv, {.weekly = 2, .monthly = 4, .min_observations = 5});
    require(panel.intercepts.allFinite() && panel.std_errors.allFinite() && (panel.r_squareds.array() >= 0).all() &&
            (panel.r_squareds.array() <= 1).all());
    static keel::har_panel<double> reused_panel;  // reused across inputs, as the series forms' are
    static keel::har_panel<double>::workspace panel_ws;
    keel::har_fit(rv, reused_panel, panel_ws, {.weekly = 2, .monthly = 4, .min_observations = 5});
    require(reused_panel.betas_daily == panel.betas_daily && reused_panel.std_errors == panel.std_errors &&
            reused_panel.t_stats == panel.t_stats && reused_panel.r_squareds == panel.r_squareds);
  } catch (const keel::error&) {
  }
  return 0;
}
