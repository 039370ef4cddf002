// SPDX-License-Identifier: MIT
// keel/detail/factor_model-inl.hpp: the definition of keel/factor_model.hpp's non-template
// risk_model_backtest kernel (every model's forecast on every window, and the statistics).
// Included by <keel/factor_model.hpp> in header-only mode and by src/factor_model.cpp in the
// compiled library.
// IWYU pragma: private, include <keel/factor_model.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/stats.hpp>
#include <keel/error.hpp>
#include <keel/factor_model.hpp>
#include <keel/garch.hpp>

namespace keel::detail {

namespace risk_backtest {

/// The error `e` again, of its own type, with `where` in front of its message, so that a
/// model's failure on one window names the window.
[[noreturn]] inline void rethrow_at(const std::string& where) {
  try {
    throw;
  } catch (const insufficient_data& e) {
    throw insufficient_data(where + e.what(), e.required(), e.actual());
  } catch (const invalid_input& e) {
    throw invalid_input(where + e.what());
  } catch (const singular_problem& e) {
    throw singular_problem(where + e.what());
  } catch (const not_converged& e) {
    throw not_converged(where + e.what());
  } catch (const infeasible& e) {
    throw infeasible(where + e.what());
  } catch (const error& e) {
    throw error(where + e.what());
  }
}

/// Pearson correlation of two equally long columns, two-pass (mean first).
/// \throws singular_problem when either does not vary.
inline double correlation(std::string_view fn, const Eigen::VectorXd& x, const Eigen::VectorXd& y,
                          const std::string& what) {
  const Eigen::ArrayXd dx = x.array() - x.mean(), dy = y.array() - y.mean();
  const double sxx = dx.square().sum(), syy = dy.square().sum();
  if (!std::isfinite(sxx) || !std::isfinite(syy) || !std::isfinite((dx * dy).sum()))
    throw_overflow(fn, what + ": the variances' correlation");
  if (!(sxx > 0) || !(syy > 0))
    throw singular_problem(
        message(fn, what + ": the " + (sxx > 0 ? "realised" : "predicted") +
                        " variances are the same at every origin, so their correlation is undefined"));
  return std::clamp((dx * dy).sum() / std::sqrt(sxx * syy), -1.0, 1.0);
}

/// The h-period covariance forecast of `model` from one window of returns (rows of `x`).
inline Eigen::MatrixXd forecast(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                const Eigen::Ref<const Eigen::MatrixXd>& factors, risk_model model,
                                const risk_model_backtest_options& o) {
  const double h = static_cast<double>(o.horizon);
  switch (model) {
    case risk_model::sample:
      return sample_covariance(x, covariance_options{.periods_per_year = 1}).covariance * h;
    case risk_model::ewma:
      return ewma_covariance(x, ewma_covariance_options{.lambda = o.ewma_lambda, .periods_per_year = 1}).covariance * h;
    case risk_model::ledoit_wolf:
      return ledoit_wolf(x, ledoit_wolf_options{.periods_per_year = 1}).covariance * h;
    case risk_model::statistical_factor:
      return model_covariance(statistical_factor_model(x, o.factors)) * h;
    case risk_model::time_series_factor:
      return model_covariance(time_series_factor_model(x, factors)) * h;
    case risk_model::garch: {
      // CCC as a DCC with a = b = 0: R_t is the standardised residuals' correlation on every date.
      garch_options g = o.garch;
      g.threads = 1;
      dcc_result<double> ccc;
      ccc.univariate = garch_fit(x, g);
      Eigen::MatrixXd z(x.rows(), x.cols());
      for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const auto& u = ccc.univariate[uz(j)];
        for (Eigen::Index t = 0; t < x.rows(); ++t) z(t, j) = (x(t, j) - u.mu) / u.conditional_volatilities[uz(t)];
      }
      const Eigen::MatrixXd q = z.transpose() * z;
      const Eigen::VectorXd s = q.diagonal().cwiseSqrt().cwiseInverse();
      ccc.correlation = s.asDiagonal() * q * s.asDiagonal();
      ccc.correlation.diagonal().setOnes();
      ccc.unconditional_correlation = ccc.correlation;
      return ccc.forecast(o.horizon).covariance;
    }
    case risk_model::dcc: {
      dcc_options d = o.dcc;
      d.threads = 1;
      d.univariate.threads = 1;
      d.keep_correlations = false;
      return dcc_fit(x, d).forecast(o.horizon).covariance;
    }
  }
  throw invalid_input(
      message("risk_model_backtest", "model = " + std::to_string(static_cast<int>(model)) + " is not a risk_model"));
}

}  // namespace risk_backtest

KEEL_DEF risk_model_backtest_result<double> risk_model_backtest_double(const Eigen::MatrixXd& returns,
                                                                       const Eigen::MatrixXd& portfolios,
                                                                       risk_model model,
                                                                       const risk_model_backtest_options& o) {
  constexpr std::string_view fn = "risk_model_backtest";
  const Eigen::Index t_count = returns.rows(), n = returns.cols(), p_count = portfolios.cols();
  if (static_cast<int>(model) < 0 || static_cast<int>(model) > static_cast<int>(risk_model::time_series_factor))
    throw invalid_input(message(fn, "model = " + std::to_string(static_cast<int>(model)) + " is not a risk_model"));
  if (o.window < 2) throw_bad_option(fn, "window", static_cast<double>(o.window), "at least 2");
  if (o.horizon < 1) throw_bad_option(fn, "horizon", static_cast<double>(o.horizon), "at least 1");
  if (o.step < 1) throw_bad_option(fn, "step", static_cast<double>(o.step), "at least 1");
  require_probability(fn, "confidence", o.confidence);
  if (o.threads < 0) throw_bad_option(fn, "threads", o.threads, "0 (all cores) or more");
  if (model == risk_model::ewma && !(o.ewma_lambda > 0 && o.ewma_lambda < 1))
    throw_bad_option(fn, "ewma_lambda", o.ewma_lambda, "in (0, 1)");
  if (model == risk_model::statistical_factor && (o.factors < 1 || o.factors > n))
    throw_bad_option(fn, "factors", static_cast<double>(o.factors), "in 1.." + std::to_string(n) + " (the assets)");
  if (n < 1) throw invalid_input(message(fn, "returns has no columns (assets)"));
  if (portfolios.rows() != n)
    throw invalid_input(message(fn, "portfolios has " + std::to_string(portfolios.rows()) + " rows but returns has " +
                                        std::to_string(n) + " columns: one weight per asset in each portfolio column"));
  if (p_count < 1) throw invalid_input(message(fn, "portfolios has no columns (portfolios)"));
  require_finite_cells(fn, "returns", returns);
  require_finite_cells(fn, "portfolios", portfolios);
  for (Eigen::Index j = 0; j < p_count; ++j)
    if ((portfolios.col(j).array() == 0).all())
      throw invalid_input(
          message(fn, "portfolio " + std::to_string(j) + " has every weight 0: it has no risk to forecast"));
  if (model == risk_model::time_series_factor) {
    if (o.factor_returns.cols() < 1 || o.factor_returns.rows() != t_count)
      throw invalid_input(message(fn,
                                  "risk_model::time_series_factor needs options.factor_returns with one row per "
                                  "row of returns (" +
                                      std::to_string(t_count) + ") and at least one column; it has " +
                                      std::to_string(o.factor_returns.rows()) + " x " +
                                      std::to_string(o.factor_returns.cols())));
    require_finite_cells(fn, "options.factor_returns", o.factor_returns);
  }
  // Two origins at least: one gives no spread of z and no correlation.
  require_observations(fn, o.window + o.horizon + o.step, t_count,
                       "rows of returns (window + horizon + step, for "
                       "two forecast origins)");

  const std::ptrdiff_t count = (t_count - o.window - o.horizon) / o.step + 1;
  risk_model_backtest_result<double> out;
  out.origins.resize(uz(count));
  for (std::ptrdiff_t k = 0; k < count; ++k) out.origins[uz(k)] = o.window - 1 + k * o.step;
  out.predicted_volatilities.resize(count, p_count);
  out.realised_returns.resize(count, p_count);
  out.realised_variances.resize(count, p_count);

  // Portfolio returns once: T x P.
  const Eigen::MatrixXd rp = returns * portfolios;
  if (!rp.allFinite()) throw_overflow(fn, "the portfolios' returns (returns x portfolios)");
  std::vector<std::exception_ptr> failures(uz(count));
  parallel_for<int>(count, resolve_threads(o.threads, count), [&](std::ptrdiff_t k, int&) {
    const std::ptrdiff_t origin = out.origins[uz(k)];
    const Eigen::Index first = origin - o.window + 1;
    try {
      const Eigen::MatrixXd s =
          risk_backtest::forecast(returns.middleRows(first, o.window),
                                  model == risk_model::time_series_factor
                                      ? Eigen::Ref<const Eigen::MatrixXd>(o.factor_returns.middleRows(first, o.window))
                                      : Eigen::Ref<const Eigen::MatrixXd>(o.factor_returns.topRows(0)),
                                  model, o);
      for (Eigen::Index j = 0; j < p_count; ++j) {
        const double v = portfolios.col(j).dot(s * portfolios.col(j));
        if (!std::isfinite(v)) throw_overflow(fn, "the forecast variance of portfolio " + std::to_string(j));
        if (!(v > 0))
          throw singular_problem(message(fn, "portfolio " + std::to_string(j) + "'s forecast variance is " +
                                                 number_text(v) +
                                                 ": the model sees no risk in it, so R / sigma is undefined"));
        out.predicted_volatilities(k, j) = std::sqrt(v);
        const auto ahead = rp.col(j).segment(origin + 1, o.horizon);
        out.realised_returns(k, j) = ahead.sum();
        out.realised_variances(k, j) = ahead.squaredNorm();
        if (!std::isfinite(out.realised_returns(k, j)) || !std::isfinite(out.realised_variances(k, j)))
          throw_overflow(fn, "portfolio " + std::to_string(j) + "'s realised return or variance");
      }
    } catch (const error&) {
      try {
        risk_backtest::rethrow_at(std::string(fn) + ": window of rows " + std::to_string(first) + ".." +
                                  std::to_string(origin) + ": ");
      } catch (...) {
        failures[uz(k)] = std::current_exception();
      }
    } catch (...) {
      failures[uz(k)] = std::current_exception();
    }
  });
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);

  out.bias_statistics.resize(p_count);
  out.q_statistics.resize(p_count);
  out.variance_correlations.resize(p_count);
  const double oc = static_cast<double>(count);
  for (Eigen::Index j = 0; j < p_count; ++j) {
    const Eigen::ArrayXd z = out.realised_returns.col(j).array() / out.predicted_volatilities.col(j).array();
    out.bias_statistics(j) = std::sqrt((z - z.mean()).square().sum() / (oc - 1));
    double q = 0;
    for (Eigen::Index k = 0; k < count; ++k) {
      const double z2 = z(k) * z(k);
      if (!(z2 > 0))
        throw singular_problem(
            message(fn, "portfolio " + std::to_string(j) + "'s realised return after row " +
                            std::to_string(out.origins[uz(k)]) +
                            " is 0 (or underflows): its Q-statistic term z^2 - ln z^2 is unbounded"));
      q += z2 - std::log(z2);
    }
    out.q_statistics(j) = q / oc;
    if (!z.allFinite() || !std::isfinite(out.bias_statistics(j)) || !std::isfinite(out.q_statistics(j)))
      throw_overflow(fn, "portfolio " + std::to_string(j) + "'s standardised returns R / sigma");
    out.variance_correlations(j) =
        risk_backtest::correlation(fn, out.predicted_volatilities.col(j).array().square().matrix(),
                                   out.realised_variances.col(j), "portfolio " + std::to_string(j));
  }
  const double half_width = normal_quantile(0.5 + 0.5 * o.confidence) / std::sqrt(2 * oc);
  out.bias_band_lower = 1 - half_width;
  out.bias_band_upper = 1 + half_width;
  Eigen::Index inside = 0;
  for (Eigen::Index j = 0; j < p_count; ++j)
    inside += out.bias_statistics(j) >= out.bias_band_lower && out.bias_statistics(j) <= out.bias_band_upper;
  out.share_in_band = static_cast<double>(inside) / static_cast<double>(p_count);
  const Eigen::MatrixXd predicted = out.predicted_volatilities.array().square().matrix();
  out.pooled_variance_correlation =
      risk_backtest::correlation(fn, predicted.reshaped(), out.realised_variances.reshaped(), "the pooled forecasts");
  return out;
}

}  // namespace keel::detail
