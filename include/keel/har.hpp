// SPDX-License-Identifier: MIT
// keel/har.hpp: the heterogeneous autoregressive model of realised volatility (HAR-RV, Corsi
// 2009): fit, iterate, forecast.
//
// Synopsis
//   har_fit(rv, har_options{})                     -> har_model<Real>
//   har_model::forecast(rv_history, h)             -> har_forecast<Real>: average daily
//                                                     variance over the next h days
//   har_volatility_forecast(returns, har_volatility_options{})
//                                                  -> har_volatility_result<Real>: squared
//                                                     returns as the variance proxy, fitted and
//                                                     forecast, annualised (series or dated)
//   har_fit(panel, opts), har_volatility_forecast(panel, opts)
//                                                  every column of a T x N panel
//   Out forms, allocation-free when warm: har_fit(rv, out, ws, opts), model.forecast(rv_history,
//   h, out, ws), har_volatility_forecast(returns, out, ws, opts) and the panel forms, where ws
//   is the result's `workspace` (R::workspace: opaque reusable scratch, never part of a result).
//
// The model (x = rv, sqrt(rv) or log(rv) by `scale`):
//   (1/h) sum_{j=1..h} x_{t+j} = c + b_d x_t + b_w (1/5) sum_{j=0..4} x_{t-j}
//                                  + b_m (1/22) sum_{j=0..21} x_{t-j} + e_t
// fitted by OLS on every t with a full month behind it and h days ahead (n - 22 - h + 1 rows),
// through the shared OLS core (detail/ols.hpp): from the centred 4 x 4 cross-products by
// Cholesky when the regressors' correlation matrix is well conditioned (rcond >= 1e-3, as on
// any real series: 12 or more digits), by pivoted QR otherwise. horizon h = 1 is Corsi's daily
// model, iterated for longer forecasts; h > 1 fits the direct h-day regression.
//
// Conventions
//   - rv is a daily realised variance (a squared return, or a sum of squared intraday
//     returns): >= 0, and > 0 for the log scale. Forecasts are in the same units, per day.
//   - Standard errors are Newey-West HAC with Bartlett weights 1 - l/(L+1) and statsmodels'
//     small-sample factor n/(n-4) (detail/hac.hpp). The default lag L is Corsi's: 5 for the
//     daily model and 2h beyond it (10 weekly, 44 monthly, as in Corsi 2009, tables 2-3);
//     newey_west_lags = 0 gives classical OLS errors.
//   - Forecasts of the transformed x are mapped back day by day (x^2 for volatility, exp for
//     log variance, without a bias correction); a negative forecast of a variance or a
//     volatility is floored at 0 (and fed back as 0) and `floored` says so.
//
// References
//   F. Corsi, "A simple approximate long-memory model of realized volatility", J. Financial
//   Econometrics 7 (2009) 174-196; T. Andersen, T. Bollerslev and F. Diebold, "Roughing it up",
//   Rev. Econ. Stat. 89 (2007) 701-720; W. Newey and K. West, Econometrica 55 (1987) 703-708.
/// \file
/// HAR-RV volatility forecasting (Corsi 2009): har_fit, har_model, har_volatility_forecast.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/hac.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/ols.hpp>
#include <keel/detail/present.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// The quantity the HAR regression is fitted on.
enum class har_scale {
  variance,     ///< x = rv (Corsi 2009's HAR-RV on variances)
  volatility,   ///< x = sqrt(rv) (Corsi's HAR-RV on realised volatilities)
  log_variance  ///< x = log(rv) (the log-HAR; needs rv > 0)
};

/// Options of har_fit.
struct har_options {
  /// Days ahead: 1 fits the daily model (iterated by forecast); h > 1 fits the direct
  /// regression of the next h days' average.
  std::ptrdiff_t horizon = 1;
  /// The transform of rv the model is fitted on.
  har_scale scale = har_scale::variance;
  /// Newey-West lags L (0: classical OLS errors). Unset: Corsi's choice, 5 for horizon 1 and
  /// 2 horizon beyond (max(5, 2h)). The fitted model's options hold the value used.
  std::optional<std::ptrdiff_t> newey_west_lags = std::nullopt;
  /// Days averaged in the weekly regressor (Corsi: 5); 2 <= weekly < monthly.
  std::ptrdiff_t weekly = 5;
  /// Days averaged in the monthly regressor (Corsi: 22).
  std::ptrdiff_t monthly = 22;
  /// Fewer regression rows (n - monthly - horizon + 1) is insufficient_data; at least 5.
  std::ptrdiff_t min_observations = 30;
};

namespace detail {
/// Scratch of a HAR fit (har_model::workspace: a reused workspace allocates nothing).
template <class Acc>
struct har_workspace {
  std::vector<Acc> x;                                         ///< the transformed series
  Eigen::Matrix<Acc, Eigen::Dynamic, 4> frame;                ///< rows x 4: daily, weekly, monthly, response
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> design;  ///< rows x 3 for the QR path
  ols_workspace<Acc> ols;                                     ///< the OLS core's inputs and QR
  ols_fit<Acc> fit;                                           ///< the fit in the accumulation type
  hac_workspace<Acc> hac;                                     ///< Newey-West scratch of the QR path
  Eigen::Matrix<Acc, 4, Eigen::Dynamic> ring;                 ///< Newey-West's last L + 1 scores (moments path)
};

/// Scratch of a HAR forecast (har_forecast::workspace).
template <class Acc>
struct har_forecast_workspace {
  std::vector<Acc> x;  ///< the transformed history's last month, then each day's forecast of x
};
}  // namespace detail

/// A HAR forecast: the expected daily variance over the next h days.
template <class Real = double>
struct har_forecast {
  /// Average expected daily variance over the h days (rv units, not annualised).
  Real variance{};
  /// sqrt(variance): the expected daily volatility over the h days (not annualised).
  Real volatility{};
  /// The expected variance of each of the h days (a direct h-day model gives its average h times).
  std::vector<Real> variances;
  /// Whether some day's forecast was negative and floored at 0.
  bool floored = false;

  /// Reusable scratch of har_model::forecast's out form (opaque; not part of the result);
  /// default-constructible, reused by a warm call.
  using workspace = detail::har_forecast_workspace<detail::accum_t<Real>>;
};

/// A fitted HAR model (see the synopsis for the regression).
template <class Real = double>
struct har_model {
  Real intercept{};     ///< c
  Real beta_daily{};    ///< b_d, on yesterday's x
  Real beta_weekly{};   ///< b_w, on the weekly mean
  Real beta_monthly{};  ///< b_m, on the monthly mean
  /// Standard errors of (c, b_d, b_w, b_m): Newey-West HAC, or classical when lags = 0.
  Eigen::Matrix<Real, 4, 1> std_errors = Eigen::Matrix<Real, 4, 1>::Zero();
  /// coefficient / std_error, same order; +-inf for an exact fit, 0 for a zero coefficient.
  Eigen::Matrix<Real, 4, 1> t_stats = Eigen::Matrix<Real, 4, 1>::Zero();
  Real r_squared{};      ///< R^2 of the regression (in the fitted scale)
  std::ptrdiff_t n = 0;  ///< regression rows used
  har_options options;   ///< the options fitted with (newey_west_lags set to the value used)

  /// Reusable scratch of har_fit's out form (opaque; not part of the result);
  /// default-constructible, reused by a warm call.
  using workspace = detail::har_workspace<detail::accum_t<Real>>;

  /// Expected average daily variance over the next h days after `rv_history` (its last
  /// `monthly` values are used), into a reused forecast and workspace (a warm call allocates
  /// nothing). A daily model (horizon 1) is iterated: each day's forecast joins the history of
  /// the next. A direct model (horizon H > 1) forecasts its own horizon only.
  /// \throws invalid_input for h < 1, h != H for a direct model, or a history value that is
  ///         not finite (>= 0; > 0 for log_variance); insufficient_data for fewer than
  ///         `monthly` values.
  template <Series S>
  void forecast(const S& rv_history, std::ptrdiff_t h, har_forecast<Real>& out,
                typename har_forecast<Real>::workspace& ws) const;

  /// The out form without a workspace (deprecated: one release): a local workspace, then the
  /// out form with it.
  template <Series S>
  [[deprecated("pass a workspace: model.forecast(rv_history, h, out, ws)")]] void forecast(
      const S& rv_history, std::ptrdiff_t h, har_forecast<Real>& out) const {
    typename har_forecast<Real>::workspace ws;
    forecast(rv_history, h, out, ws);
  }

  /// forecast into a new har_forecast (see the `out` form).
  /// \throws as the `out` form.
  template <Series S>
  [[nodiscard]] har_forecast<Real> forecast(const S& rv_history, std::ptrdiff_t h) const {
    har_forecast<Real> out;
    typename har_forecast<Real>::workspace ws;
    forecast(rv_history, h, out, ws);
    return out;
  }
};

namespace detail {
/// Scratch of har_fit's panel form (har_panel::workspace): one asset's fit and its scratch,
/// reused column after column.
template <class Real>
struct har_panel_workspace {
  har_model<Real> model;                    ///< the current column's fit
  typename har_model<Real>::workspace fit;  ///< its scratch
};
}  // namespace detail

/// har_fit of every column of a T x N panel: one entry (column of `std_errors`, `t_stats`) per asset.
template <class Real = double>
struct har_panel {
  Eigen::Matrix<Real, Eigen::Dynamic, 1> intercepts;               ///< c per asset
  Eigen::Matrix<Real, Eigen::Dynamic, 1> betas_daily;              ///< b_d per asset
  Eigen::Matrix<Real, Eigen::Dynamic, 1> betas_weekly;             ///< b_w per asset
  Eigen::Matrix<Real, Eigen::Dynamic, 1> betas_monthly;            ///< b_m per asset
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> std_errors;  ///< 4 x N: (c, b_d, b_w, b_m) per asset
  Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic> t_stats;     ///< 4 x N
  Eigen::Matrix<Real, Eigen::Dynamic, 1> r_squareds;               ///< R^2 per asset
  std::ptrdiff_t n = 0;                                            ///< regression rows per asset
  har_options options;                                             ///< as har_model::options

  /// Reusable scratch of the panel out form (opaque; not part of the result);
  /// default-constructible, reused by a warm call.
  using workspace = detail::har_panel_workspace<Real>;
};

/// Options of har_volatility_forecast.
struct har_volatility_options {
  /// Days ahead to forecast (the daily model is fitted and iterated).
  std::ptrdiff_t horizon = 30;
  /// The volatility is sqrt(periods_per_year x the average daily variance); positive and finite.
  double periods_per_year = 252;
  /// As har_options::scale (log_variance needs every return nonzero).
  har_scale scale = har_scale::variance;
  /// As har_options::newey_west_lags (unset: 5, Corsi's choice for the daily model).
  std::optional<std::ptrdiff_t> newey_west_lags = std::nullopt;
  /// As har_options::weekly.
  std::ptrdiff_t weekly = 5;
  /// As har_options::monthly.
  std::ptrdiff_t monthly = 22;
  /// As har_options::min_observations.
  std::ptrdiff_t min_observations = 30;
};

namespace detail {
/// Scratch of har_volatility_forecast (har_volatility_result::workspace).
template <class Real>
struct har_volatility_workspace {
  std::vector<Real> present;                        ///< the dated form's present (non-missing) returns
  std::vector<Real> squares;                        ///< the squared returns
  typename har_model<Real>::workspace fit;          ///< the fit's scratch
  typename har_forecast<Real>::workspace forecast;  ///< the forecast's scratch
};
}  // namespace detail

/// The result of har_volatility_forecast.
template <class Real = double>
struct har_volatility_result {
  Real volatility{};            ///< annualised expected volatility over the horizon
  Real variance{};              ///< average expected daily variance over the horizon
  har_forecast<Real> forecast;  ///< the day-by-day forecast
  har_model<Real> model;        ///< the daily model fitted on squared returns

  /// Reusable scratch of the out forms (opaque; not part of the result); default-constructible,
  /// reused by a warm call.
  using workspace = detail::har_volatility_workspace<Real>;
};

namespace detail {
/// Scratch of har_volatility_forecast's panel form (har_volatility_panel::workspace): one
/// asset's result and its scratch, reused column after column.
template <class Real>
struct har_volatility_panel_workspace {
  har_volatility_result<Real> asset;                        ///< the current column's result
  typename har_volatility_result<Real>::workspace scratch;  ///< its scratch
};
}  // namespace detail

/// har_volatility_forecast of every column of a T x N panel.
template <class Real = double>
struct har_volatility_panel {
  Eigen::Matrix<Real, Eigen::Dynamic, 1> volatilities;  ///< annualised expected volatility per asset
  Eigen::Matrix<Real, Eigen::Dynamic, 1> variances;     ///< average expected daily variance per asset
  Eigen::Matrix<Real, Eigen::Dynamic, 1> r_squareds;    ///< R^2 of each asset's model
  std::vector<bool> floored;                            ///< per asset: a forecast day was floored

  /// Reusable scratch of the panel out form (opaque; not part of the result);
  /// default-constructible, reused by a warm call.
  using workspace = detail::har_volatility_panel_workspace<Real>;
};

namespace detail {

/// Corsi's Newey-West lag for a horizon: 5 for daily, 2h beyond (10 weekly, 44 monthly).
[[nodiscard]] inline std::ptrdiff_t corsi_lags(std::ptrdiff_t horizon) {
  return std::max<std::ptrdiff_t>(5, 2 * horizon);
}

inline void check_har_options(std::string_view fn, const har_options& o) {
  if (o.horizon < 1) throw_bad_option(fn, "horizon", static_cast<double>(o.horizon), "at least 1");
  if (o.weekly < 2) throw_bad_option(fn, "weekly", static_cast<double>(o.weekly), "at least 2");
  if (o.monthly <= o.weekly)
    throw_bad_option(fn, "monthly", static_cast<double>(o.monthly),
                     "greater than weekly = " + std::to_string(o.weekly));
  if (o.newey_west_lags && *o.newey_west_lags < 0)
    throw_bad_option(fn, "newey_west_lags", static_cast<double>(*o.newey_west_lags), "at least 0");
  if (o.min_observations < 5)
    throw_bad_option(fn, "min_observations", static_cast<double>(o.min_observations), "at least 5 (4 coefficients)");
}

/// Where a value sits in messages: name[i] for a series, name(i, column) for a panel column.
[[nodiscard]] inline std::string har_where(std::string_view name, std::ptrdiff_t column, std::ptrdiff_t i) {
  return column < 0 ? element_text(name, i) : cell_text(name, i, column);
}

/// Throws invalid_input for an rv value that is not finite, negative, or zero on the log scale.
[[noreturn]] inline void throw_bad_rv(std::string_view fn, std::string_view name, std::ptrdiff_t column,
                                      std::ptrdiff_t i, double v, har_scale scale) {
  if (!std::isfinite(v)) throw_non_finite_at(fn, har_where(name, column, i), v);
  throw invalid_input(message(
      fn, har_where(name, column, i) + " = " + number_text(v) +
              (scale == har_scale::log_variance ? " must be > 0 (log_variance scale)" : " must be >= 0 (a variance)")));
}

/// The transform of one rv value (x by the scale), or invalid_input naming it.
template <class Acc>
[[nodiscard]] Acc har_transform(std::string_view fn, std::string_view name, std::ptrdiff_t column, std::ptrdiff_t i,
                                double v, har_scale scale) {
  if (!std::isfinite(v) || v < 0 || (scale == har_scale::log_variance && v == 0))
    throw_bad_rv(fn, name, column, i, v, scale);
  const auto a = static_cast<Acc>(v);
  switch (scale) {
    case har_scale::variance:
      return a;
    case har_scale::volatility:
      return std::sqrt(a);
    case har_scale::log_variance:
      return std::log(a);
  }
  return a;
}

/// A forecast of x mapped back to a variance.
template <class Acc>
[[nodiscard]] Acc har_untransform(Acc x, har_scale scale) {
  switch (scale) {
    case har_scale::variance:
      return x;
    case har_scale::volatility:
      return x * x;
    case har_scale::log_variance:
      return std::exp(x);
  }
  return x;
}

/// Sum of x[hi - w, hi), plainly (w <= a few dozen: exact to a few ulps).
template <class Acc>
[[nodiscard]] Acc trailing_sum(const Acc* x, std::ptrdiff_t hi, std::ptrdiff_t w) {
  Acc s = 0;
  for (std::ptrdiff_t i = hi - w; i < hi; ++i) s += x[i];
  return s;
}

/// Mean of x[hi - w, hi).
template <class Acc>
[[nodiscard]] Acc trailing_mean(const Acc* x, std::ptrdiff_t hi, std::ptrdiff_t w) {
  return trailing_sum(x, hi, w) / static_cast<Acc>(w);
}

/// x from rv by the scale into x[0, n), or invalid_input naming the first bad value. The loop
/// only flags a bad value (no branch: it vectorizes where the transform does); a rescan names it.
template <class Acc, class It>
void har_transform_all(std::string_view fn, std::string_view name, std::ptrdiff_t column, It f, std::ptrdiff_t n,
                       Acc* x, har_scale scale) {
  constexpr double top = std::numeric_limits<double>::max();
  bool bad = false;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto v = static_cast<double>(f[i]);
    bad |= !(v >= 0 && v <= top);  // NaN fails both
    x[i] = static_cast<Acc>(v);
  }
  if (scale == har_scale::volatility) {
    for (std::ptrdiff_t i = 0; i < n; ++i) x[i] = std::sqrt(std::max(x[i], Acc(0)));
  } else if (scale == har_scale::log_variance) {
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      bad |= !(x[i] > 0);
      x[i] = std::log(x[i]);
    }
  }
  if (bad) [[unlikely]]
    for (std::ptrdiff_t i = 0; i < n; ++i)
      (void)har_transform<Acc>(fn, name, column, i, static_cast<double>(f[i]), scale);
  KEEL_ASSERT(!bad);  // the rescan threw
}

/// Writes the HAR regressors (daily, weekly and monthly means) and response (the mean of the
/// next h days) of each of the n - monthly - horizon + 1 rows from x into the four columns,
/// less `shift`, and returns the four columns' plain sums (of the shifted values).
/// Running sums restarted exactly every 64 rows keep each mean within a few ulps.
template <class Acc>
Eigen::Matrix<Acc, 4, 1> har_columns(const Acc* x, std::ptrdiff_t n, const har_options& o, Acc shift, Acc* daily,
                                     Acc* weekly, Acc* monthly, Acc* ahead_mean) {
  const std::ptrdiff_t rows = n - o.monthly - o.horizon + 1;
  const Acc inv_week = Acc(1) / static_cast<Acc>(o.weekly), inv_month = Acc(1) / static_cast<Acc>(o.monthly),
            inv_ahead = Acc(1) / static_cast<Acc>(o.horizon);  // multiplications: divisions would dominate the loop
  Acc week = 0, month = 0, ahead = 0;
  Acc sum_d = 0, sum_w = 0, sum_m = 0, sum_y = 0;  // independent of the running sums: free in this loop
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    const std::ptrdiff_t t = r + o.monthly - 1;  // the day the regressors end on
    if (r % 64 == 0) {
      week = trailing_sum(x, t + 1, o.weekly);
      month = trailing_sum(x, t + 1, o.monthly);
      ahead = trailing_sum(x, t + 1 + o.horizon, o.horizon);
    } else {
      week += x[t] - x[t - o.weekly];
      month += x[t] - x[t - o.monthly];
      ahead += x[t + o.horizon] - x[t];
    }
    daily[r] = x[t] - shift;
    weekly[r] = week * inv_week - shift;
    monthly[r] = month * inv_month - shift;
    ahead_mean[r] = ahead * inv_ahead - shift;
    sum_d += daily[r];
    sum_w += weekly[r];
    sum_m += monthly[r];
    sum_y += ahead_mean[r];
  }
  return {sum_d, sum_w, sum_m, sum_y};
}

/// The QR path: the design into ws.design and ws.ols, solved by the pivoted-QR core, with
/// Newey-West errors over the stored scores.
template <class Acc>
void har_fit_qr(std::string_view fn, har_workspace<Acc>& ws, std::ptrdiff_t n, const har_options& o,
                std::ptrdiff_t lags, double data_epsilon, Eigen::Matrix<Acc, 4, 1>& se) {
  const std::ptrdiff_t rows = n - o.monthly - o.horizon + 1;
  if (ws.design.rows() != rows || ws.design.cols() != 3) ws.design.resize(rows, 3);
  ws.ols.resize(rows, 3);
  (void)har_columns(ws.x.data(), n, o, Acc(0), ws.design.col(0).data(), ws.design.col(1).data(),
                    ws.design.col(2).data(), ws.ols.y.data());
  ws.ols.x = ws.design;
  static const std::vector<std::string> names{"daily", "weekly", "monthly"};
  ols(fn, ws.ols, true, data_epsilon, ws.fit, &names);
  for (Eigen::Index j = 0; j < 4; ++j) se(j) = ws.fit.std_errors(j);
  if (lags > 0) {
    newey_west_variances(ws.design, true, ws.fit.residuals, ws.fit.xtx_inverse, lags, true, ws.hac);
    for (Eigen::Index j = 0; j < 4; ++j) se(j) = std::sqrt(std::max(ws.hac.variances(j), Acc(0)));
  }
}

/// The moments path (detail/ols.hpp's ols_from_moments). The four columns are written less a
/// shift, the mean of x (all four average x over nearly the same days, so it sits close to
/// each column's mean); with delta the mean of a shifted column, the centred cross-products
/// are S = sum dev dev' - n delta delta' (the corrected two-pass formula), and where that would
/// cancel more than four bits (detail::well_centred) the columns are centred exactly first.
/// delta is folded into the residual pass (e = dev_y - b'dev_x - (delta_y - b'delta_x)) and
/// the scores' constant. One fused pass then gives the residuals and the Newey-West scores
/// (z_t = e_t (X'X)^-1 [1 x_t], as [1/n, 0, 0, 0] + the right 4 x 3 block of (X'X)^-1 times
/// the centred x_t: no cancellation in the intercept's score). Returns false when the
/// moments path declines (ill-conditioned, or sums near the ends of the range).
template <class Acc>
[[nodiscard]] bool har_fit_moments(har_workspace<Acc>& ws, std::ptrdiff_t n, const har_options& o, std::ptrdiff_t lags,
                                   Eigen::Matrix<Acc, 4, 1>& se) {
  const std::ptrdiff_t rows = n - o.monthly - o.horizon + 1;
  auto& f = ws.frame;
  if (f.rows() != rows) f.resize(rows, 4);
  const auto count = static_cast<Acc>(rows);
  const Acc shift = Eigen::Map<const Eigen::Matrix<Acc, Eigen::Dynamic, 1>>(ws.x.data(), n).mean();
  const Eigen::Matrix<Acc, 4, 1> sums =
      har_columns(ws.x.data(), n, o, shift, f.col(0).data(), f.col(1).data(), f.col(2).data(), f.col(3).data());
  Eigen::Matrix<Acc, 4, 1> mean = Eigen::Matrix<Acc, 4, 1>::Constant(shift), delta = sums / count;
  Eigen::Matrix<Acc, 4, 4> cross;
  for (Eigen::Index i = 0; i < 4; ++i)
    for (Eigen::Index j = i; j < 4; ++j) cross(i, j) = cross(j, i) = f.col(i).dot(f.col(j));
  bool centred = true;
  for (Eigen::Index j = 0; j < 4; ++j) centred = centred && well_centred(sums(j), cross(j, j), count);
  if (!centred) {  // a shift far from some column's mean (a series with a jump or a trend): centre exactly
    for (Eigen::Index j = 0; j < 4; ++j) {
      f.col(j).array() -= delta(j);
      mean(j) += delta(j);
      delta(j) = f.col(j).sum() / count;
    }
    for (Eigen::Index i = 0; i < 4; ++i)
      for (Eigen::Index j = i; j < 4; ++j) cross(i, j) = cross(j, i) = f.col(i).dot(f.col(j));
  }
  cross -= count * delta * delta.transpose();
  mean += delta;
  auto& fit = ws.fit;
  if (!ols_from_moments<3>(Eigen::Matrix<Acc, 3, 1>(mean.template head<3>()), mean(3), cross, rows, fit)) return false;
  const Eigen::Matrix<Acc, 3, 1> b = fit.coefficients.template tail<3>();
  const Acc offset = delta(3) - b.dot(delta.template head<3>());  // the columns are off their means by delta
  fit.residuals.resize(rows);
  if (lags == 0) {
    fit.residuals = f.col(3).array() - offset;
    fit.residuals.noalias() -= f.template leftCols<3>() * b;
  } else {
    const Eigen::Matrix<Acc, 4, 3> q = fit.xtx_inverse.template rightCols<3>();
    Eigen::Matrix<Acc, 4, 1> c = -q * delta.template head<3>();  // the scores' constant, with delta folded in
    c(0) += Acc(1) / count;
    bartlett_window<Acc, 4> nw;  // a local: its sums stay in registers through the loop
    nw.start(ws.ring, lags, 4);
    const Acc *d = f.col(0).data(), *w = f.col(1).data(), *m = f.col(2).data(), *y = f.col(3).data();
    Acc* res = fit.residuals.data();
    for (std::ptrdiff_t r = 0; r < rows; ++r) {
      const Acc e = y[r] - (b(0) * d[r] + b(1) * w[r] + b(2) * m[r]) - offset;
      res[r] = e;
      nw.push(ws.ring, e * (c + q.col(0) * d[r] + q.col(1) * w[r] + q.col(2) * m[r]));
    }
    const Acc factor = static_cast<Acc>(rows) / static_cast<Acc>(rows - 4);  // statsmodels' small-sample factor
    se = (factor * nw.finish(ws.ring)).cwiseMax(Acc(0)).cwiseSqrt();
  }
  finish_moments_ols(fit, fit.residuals.squaredNorm());
  if (lags == 0) se = fit.std_errors;
  return true;
}

// Instantiated once in keel::compiled (src/har.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(void har_fit_qr<double>(std::string_view, har_workspace<double>&, std::ptrdiff_t,
                                             const har_options&, std::ptrdiff_t, double, Eigen::Matrix<double, 4, 1>&))
KEEL_EXTERN_TEMPLATE(void har_fit_qr<long double>(std::string_view, har_workspace<long double>&, std::ptrdiff_t,
                                                  const har_options&, std::ptrdiff_t, double,
                                                  Eigen::Matrix<long double, 4, 1>&))
KEEL_EXTERN_TEMPLATE(bool har_fit_moments<double>(har_workspace<double>&, std::ptrdiff_t, const har_options&,
                                                  std::ptrdiff_t, Eigen::Matrix<double, 4, 1>&))
KEEL_EXTERN_TEMPLATE(bool har_fit_moments<long double>(har_workspace<long double>&, std::ptrdiff_t, const har_options&,
                                                       std::ptrdiff_t, Eigen::Matrix<long double, 4, 1>&))

/// Fits the HAR regression of the series `rv` (any Series, or a panel column) into `model`,
/// with the scratch `ws`.
template <class Real, class S>
void har_fit_into(std::string_view fn, std::string_view name, std::ptrdiff_t column, const S& rv,
                  har_model<Real>& model, typename har_model<Real>::workspace& ws, har_options o) {
  using acc = accum_t<Real>;
  check_har_options(fn, o);
  const std::ptrdiff_t n = ssize(rv);
  const std::ptrdiff_t need = o.monthly + o.horizon - 1 + o.min_observations;
  if (n < need)
    require_observations(fn, need, n,
                         "values (monthly " + std::to_string(o.monthly) + " + horizon " + std::to_string(o.horizon) +
                             " - 1 + " + std::to_string(o.min_observations) + " regression rows)",
                         "har_options::min_observations");
  ws.x.resize(uz(n));
  har_transform_all(fn, name, column, std::ranges::begin(rv), n, ws.x.data(), o.scale);
  const std::ptrdiff_t lags = o.newey_west_lags.value_or(corsi_lags(o.horizon));
  o.newey_west_lags = lags;
  Eigen::Matrix<acc, 4, 1> se;
  if (!har_fit_moments(ws, n, o, lags, se))
    har_fit_qr(fn, ws, n, o, lags, static_cast<double>(std::numeric_limits<detail::value_t<S>>::epsilon()), se);
  const auto& c = ws.fit.coefficients;
  if (!c.allFinite() || !se.allFinite())  // rv near the top of double's range: sums of squares overflow
    throw_overflow(fn, "the HAR fit (coefficients and their standard errors)");
  model.intercept = rounded<Real>(fn, "intercept", c(0));
  model.beta_daily = rounded<Real>(fn, "beta_daily", c(1));
  model.beta_weekly = rounded<Real>(fn, "beta_weekly", c(2));
  model.beta_monthly = rounded<Real>(fn, "beta_monthly", c(3));
  for (Eigen::Index j = 0; j < 4; ++j) {
    model.std_errors(j) = rounded<Real>(fn, "std_errors", se(j));
    // t = b / se; an exact fit (se = 0) gives +-inf, a zero coefficient 0 (detail::t_test's
    // convention, without its p-value, which HAR does not report).
    const acc t =
        se(j) > 0 ? c(j) / se(j) : (c(j) != 0 ? std::copysign(std::numeric_limits<acc>::infinity(), c(j)) : acc(0));
    model.t_stats(j) = static_cast<Real>(t);
  }
  model.r_squared = static_cast<Real>(ws.fit.r_squared);
  model.n = ws.fit.n;
  model.options = o;
}

/// The forecast of `model` after `history` into `out`, with the scratch `ws` (see
/// har_model::forecast).
template <class Real, class S>
void har_forecast_into(const har_model<Real>& model, const S& history, std::ptrdiff_t h, har_forecast<Real>& out,
                       typename har_forecast<Real>::workspace& ws) {
  using acc = accum_t<Real>;
  constexpr std::string_view fn = "har_model::forecast";
  const har_options& o = model.options;
  if (h < 1) throw_bad_option(fn, "h", static_cast<double>(h), "at least 1");
  if (o.horizon > 1 && h != o.horizon)
    throw_bad_option(
        fn, "h", static_cast<double>(h),
        "the model's horizon " + std::to_string(o.horizon) + " (a direct model forecasts its own horizon)");
  const std::ptrdiff_t n = ssize(history);
  require_observations(fn, o.monthly, n, "values of rv_history (the monthly window)");
  const std::ptrdiff_t steps = o.horizon > 1 ? 1 : h;
  auto& buf = ws.x;
  buf.resize(uz(o.monthly + steps));
  auto f = std::ranges::begin(history);
  for (std::ptrdiff_t i = 0; i < o.monthly; ++i) {
    const std::ptrdiff_t at = n - o.monthly + i;
    buf[uz(i)] = har_transform<acc>(fn, "rv_history", -1, at, static_cast<double>(f[at]), o.scale);
  }
  const auto c = static_cast<acc>(model.intercept), bd = static_cast<acc>(model.beta_daily),
             bw = static_cast<acc>(model.beta_weekly), bm = static_cast<acc>(model.beta_monthly);
  out.variances.resize(uz(h));
  out.floored = false;
  acc total = 0;
  for (std::ptrdiff_t k = 0; k < steps; ++k) {
    const std::ptrdiff_t end = o.monthly + k;  // buf[0, end) is known
    acc next = c + bd * buf[uz(end - 1)] + bw * trailing_mean(buf.data(), end, o.weekly) +
               bm * trailing_mean(buf.data(), end, o.monthly);
    if (o.scale != har_scale::log_variance && next < 0) {
      next = 0;
      out.floored = true;
    }
    buf[uz(end)] = next;
    const acc variance = har_untransform(next, o.scale);
    if (!std::isfinite(variance)) throw_overflow(fn, "the forecast");
    if (o.horizon > 1) {
      for (auto& v : out.variances) v = static_cast<Real>(variance);
      total = variance * static_cast<acc>(h);
    } else {
      out.variances[uz(k)] = rounded<Real>(fn, "variance", variance);
      total += variance;
    }
  }
  const acc mean = total / static_cast<acc>(h);
  out.variance = rounded<Real>(fn, "variance", mean);
  out.volatility = static_cast<Real>(std::sqrt(mean));
}

/// Squared returns into `ws.squares`, then the fit, the forecast and the annualised volatility.
template <class Real, class S>
void har_volatility_into(std::string_view fn, const S& returns, std::ptrdiff_t column, har_volatility_result<Real>& out,
                         typename har_volatility_result<Real>::workspace& ws, const har_volatility_options& o) {
  using acc = accum_t<Real>;
  check_periods_per_year(fn, o.periods_per_year);
  if (o.horizon < 1) throw_bad_option(fn, "horizon", static_cast<double>(o.horizon), "at least 1");
  const std::ptrdiff_t n = ssize(returns);
  auto& squares = ws.squares;
  squares.resize(uz(n));
  auto f = std::ranges::begin(returns);
  bool bad = false;  // flagged without a branch; the rescan below names the value
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto r = static_cast<acc>(f[i]);
    const auto square = static_cast<Real>(r * r);  // a float square of a finite float return can overflow
    bad |= !(std::abs(r) <= std::numeric_limits<acc>::max() && square <= std::numeric_limits<Real>::max());
    squares[uz(i)] = square;
  }
  if (bad) [[unlikely]]
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const auto r = static_cast<acc>(f[i]);
      if (!std::isfinite(r)) throw_non_finite_at(fn, har_where("returns", column, i), static_cast<double>(f[i]));
      (void)rounded<Real>(fn, "a squared return", r * r);  // names a float overflow; a double one is inf, named later
    }
  const har_options fit_options{.horizon = 1,
                                .scale = o.scale,
                                .newey_west_lags = o.newey_west_lags,
                                .weekly = o.weekly,
                                .monthly = o.monthly,
                                .min_observations = o.min_observations};
  har_fit_into(fn, "returns^2", column, squares, out.model, ws.fit, fit_options);
  har_forecast_into(out.model, squares, o.horizon, out.forecast, ws.forecast);
  out.variance = out.forecast.variance;
  const acc volatility =
      std::sqrt(static_cast<acc>(out.forecast.variance)) * std::sqrt(static_cast<acc>(o.periods_per_year));
  if (!std::isfinite(volatility)) throw_overflow(fn, "the annualised volatility");
  out.volatility = rounded<Real>(fn, "volatility", volatility);
}

}  // namespace detail

template <class Real>
template <Series S>
void har_model<Real>::forecast(const S& rv_history, std::ptrdiff_t h, har_forecast<Real>& out,
                               typename har_forecast<Real>::workspace& ws) const {
  detail::har_forecast_into(*this, rv_history, h, out, ws);
}

/// Fits the HAR model (Corsi 2009) to a daily realised-variance series, into a reused model
/// with a reused workspace (a warm call allocates nothing).
///
/// \f[ \bar x_{t+1:t+h} = c + b_d x_t + b_w \bar x_{t-4:t} + b_m \bar x_{t-21:t} + e_t \f]
/// by OLS (centred moments, or pivoted QR when ill-conditioned) over the n - monthly - horizon + 1 rows with a full
/// month behind and h days ahead; x by options.scale; Newey-West HAC errors (Bartlett, n/(n-4)), classical with
/// newey_west_lags = 0. Every x must be finite, rv >= 0 (> 0 for log_variance).
/// Not annualised: the model and its forecasts are in rv's daily units.
/// \pre n >= monthly + horizon - 1 + min_observations; 2 <= weekly < monthly; horizon >= 1.
/// Fills `out` with har_model{intercept, beta_daily, beta_weekly, beta_monthly, std_errors, t_stats,
///          r_squared, n, options} (options.newey_west_lags = the lag used).
/// \throws invalid_input for bad options or an rv value (naming rv[i]); insufficient_data with
///         the counts; singular_problem for a constant series (collinear regressors).
/// Ref: Corsi, J. Financial Econometrics 7 (2009) 174-196, eq. 8; Newey & West (1987).
template <Series S, class Real>
  requires std::same_as<Real, detail::value_t<S>>
void har_fit(const S& rv, har_model<Real>& out, typename har_model<Real>::workspace& ws, har_options options = {}) {
  detail::har_fit_into("har_fit", "rv", -1, rv, out, ws, options);
}

/// The out form without a workspace (deprecated: one release): a local workspace, then
/// har_fit(rv, out, ws, options).
template <Series S, class Real>
  requires std::same_as<Real, detail::value_t<S>>
[[deprecated("pass a workspace: har_fit(rv, out, ws, options)")]] void har_fit(const S& rv, har_model<Real>& out,
                                                                               har_options options = {}) {
  typename har_model<Real>::workspace ws;
  har_fit(rv, out, ws, options);
}

/// har_fit into a new har_model (see the `out` form).
/// \throws as the `out` form.
template <Series S>
[[nodiscard]] auto har_fit(const S& rv, har_options options = {}) {
  using real = detail::value_t<S>;
  har_model<real> out;
  typename har_model<real>::workspace ws;
  detail::har_fit_into("har_fit", "rv", -1, rv, out, ws, options);
  return out;
}

/// har_fit of every column of a T x N realised-variance panel, into a reused result with a
/// reused workspace (one asset's fit and scratch, reused for all columns): a warm call
/// allocates nothing.
/// \throws as the series form; a bad value is named by its cell, rv(i, j).
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void har_fit(const Eigen::MatrixBase<Derived>& rv, har_panel<Real>& out, typename har_panel<Real>::workspace& ws,
             har_options options = {}) {
  const Eigen::Index n = rv.cols();
  for (auto* v : {&out.intercepts, &out.betas_daily, &out.betas_weekly, &out.betas_monthly, &out.r_squareds})
    v->resize(n);
  out.std_errors.resize(4, n);
  out.t_stats.resize(4, n);
  auto& m = ws.model;
  for (Eigen::Index j = 0; j < n; ++j) {
    detail::har_fit_into("har_fit", "rv", j, rv.col(j), m, ws.fit, options);
    out.intercepts(j) = m.intercept;
    out.betas_daily(j) = m.beta_daily;
    out.betas_weekly(j) = m.beta_weekly;
    out.betas_monthly(j) = m.beta_monthly;
    out.std_errors.col(j) = m.std_errors;
    out.t_stats.col(j) = m.t_stats;
    out.r_squareds(j) = m.r_squared;
    out.n = m.n;
    out.options = m.options;
  }
}

/// The panel out form without a workspace (deprecated: one release): a local workspace, then
/// har_fit(rv, out, ws, options).
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: har_fit(rv, out, ws, options)")]] void har_fit(const Eigen::MatrixBase<Derived>& rv,
                                                                               har_panel<Real>& out,
                                                                               har_options options = {}) {
  typename har_panel<Real>::workspace ws;
  har_fit(rv, out, ws, options);
}

/// har_fit of every column of a panel -> har_panel (see the `out` form).
/// \throws as the `out` form.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto har_fit(const Eigen::MatrixBase<Derived>& rv, har_options options = {}) {
  using real = typename Derived::Scalar;
  har_panel<real> out;
  typename har_panel<real>::workspace ws;
  har_fit(rv, out, ws, options);
  return out;
}

/// The HAR volatility forecast most users want, into a reused result with a reused workspace
/// (a warm call allocates nothing): squared daily returns as the variance proxy, the daily HAR
/// model fitted on them, iterated `horizon` days, and the annualised expected volatility
/// sqrt(periods_per_year x average daily variance).
/// \pre finite returns; n >= monthly + min_observations (and every return nonzero for
///      log_variance); periods_per_year > 0 and finite; horizon >= 1.
/// Fills `out` with har_volatility_result{volatility, variance, forecast, model}.
/// \throws invalid_input for bad options or returns; insufficient_data (as har_fit);
///         singular_problem for constant squared returns.
/// Ref: Corsi (2009); Andersen, Bollerslev & Diebold (2007) (squared returns as the proxy).
template <PlainSeries S, class Real>
  requires std::same_as<Real, detail::value_t<S>>
void har_volatility_forecast(const S& returns, har_volatility_result<Real>& out,
                             typename har_volatility_result<Real>::workspace& ws, har_volatility_options options = {}) {
  detail::har_volatility_into("har_volatility_forecast", returns, -1, out, ws, options);
}

/// The out form without a workspace (deprecated: one release): a local workspace, then
/// har_volatility_forecast(returns, out, ws, options).
template <PlainSeries S, class Real>
  requires std::same_as<Real, detail::value_t<S>>
[[deprecated("pass a workspace: har_volatility_forecast(returns, out, ws, options)")]] void har_volatility_forecast(
    const S& returns, har_volatility_result<Real>& out, har_volatility_options options = {}) {
  typename har_volatility_result<Real>::workspace ws;
  har_volatility_forecast(returns, out, ws, options);
}

/// har_volatility_forecast into a new result (see the `out` form).
/// \throws as the `out` form.
template <PlainSeries S>
[[nodiscard]] auto har_volatility_forecast(const S& returns, har_volatility_options options = {}) {
  using real = detail::value_t<S>;
  har_volatility_result<real> out;
  typename har_volatility_result<real>::workspace ws;
  detail::har_volatility_into("har_volatility_forecast", returns, -1, out, ws, options);
  return out;
}

/// har_volatility_forecast of a dated return series into a reused result with a reused
/// workspace (a warm call allocates nothing): missing (NaN) returns dropped first (a
/// price_table column of an asset that starts later), then as the series form.
/// \throws as the series form, and invalid_input for keys that do not strictly increase.
template <DatedSeries D, class Real>
  requires std::same_as<Real, value_type_t<D>>
void har_volatility_forecast(const D& returns, har_volatility_result<Real>& out,
                             typename har_volatility_result<Real>::workspace& ws, har_volatility_options options = {}) {
  constexpr std::string_view fn = "har_volatility_forecast";
  // The keys are not kept: the forecast is of the day after the last one.
  detail::observed_rows<key_type_t<D>>(fn, returns, nullptr, ws.present);
  detail::har_volatility_into(fn, ws.present, -1, out, ws, options);
}

/// har_volatility_forecast of a dated return series -> har_volatility_result (see the `out`
/// form).
/// \throws as the `out` form.
template <DatedSeries D>
[[nodiscard]] auto har_volatility_forecast(const D& returns, har_volatility_options options = {}) {
  using real = value_type_t<D>;
  har_volatility_result<real> out;
  typename har_volatility_result<real>::workspace ws;
  har_volatility_forecast(returns, out, ws, options);
  return out;
}

/// har_volatility_forecast of every column of a T x N returns panel, into a reused result with
/// a reused workspace (one asset's result and scratch, reused for all columns): a warm call
/// allocates nothing.
/// \throws as the series form; a bad value is named by its cell, returns(i, j).
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
void har_volatility_forecast(const Eigen::MatrixBase<Derived>& returns, har_volatility_panel<Real>& out,
                             typename har_volatility_panel<Real>::workspace& ws, har_volatility_options options = {}) {
  const Eigen::Index n = returns.cols();
  out.volatilities.resize(n);
  out.variances.resize(n);
  out.r_squareds.resize(n);
  out.floored.assign(detail::uz(n), false);
  auto& a = ws.asset;
  for (Eigen::Index j = 0; j < n; ++j) {
    detail::har_volatility_into("har_volatility_forecast", returns.col(j), j, a, ws.scratch, options);
    out.volatilities(j) = a.volatility;
    out.variances(j) = a.variance;
    out.r_squareds(j) = a.model.r_squared;
    out.floored[detail::uz(j)] = a.forecast.floored;
  }
}

/// The panel out form without a workspace (deprecated: one release): a local workspace, then
/// har_volatility_forecast(returns, out, ws, options).
template <class Derived, class Real>
  requires detail::panel_of<Derived, Real>
[[deprecated("pass a workspace: har_volatility_forecast(returns, out, ws, options)")]] void har_volatility_forecast(
    const Eigen::MatrixBase<Derived>& returns, har_volatility_panel<Real>& out, har_volatility_options options = {}) {
  typename har_volatility_panel<Real>::workspace ws;
  har_volatility_forecast(returns, out, ws, options);
}

/// har_volatility_forecast of every column of a panel -> har_volatility_panel.
/// \throws as the `out` form.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto har_volatility_forecast(const Eigen::MatrixBase<Derived>& returns,
                                           har_volatility_options options = {}) {
  using real = typename Derived::Scalar;
  har_volatility_panel<real> out;
  typename har_volatility_panel<real>::workspace ws;
  har_volatility_forecast(returns, out, ws, options);
  return out;
}

}  // namespace keel
