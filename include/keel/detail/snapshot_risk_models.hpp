// SPDX-License-Identifier: MIT
// keel/detail/snapshot_risk_models.hpp: risk_snapshot's risk-models section, a GARCH(1,1) fit of
// the portfolio's returns and, with factor returns, the factor exposure breakdown (owner: the
// snapshot header). Included by detail/snapshot_report-inl.hpp and src/snapshot_risk_models.cpp;
// not public.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/snapshot_construction.hpp>
#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/error.hpp>
#include <keel/factor_model.hpp>
#include <keel/garch.hpp>

namespace keel::detail::snap {

/// The GARCH part: garch_fit of r_p with keel's defaults (normal, constant mean, backcast) and
/// require_convergence = false. A keel::error of the fit (too few returns, a constant series)
/// becomes the reason: a report must not fail because one model does not fit its data.
template <class L = void>
void garch_part(const lazy_t<L, book>& b, double periods, snapshot_garch& g) {
  g = snapshot_garch{};
  try {
    const auto fit = garch_fit(b.returns, {.require_convergence = false});
    const auto one = fit.forecast(1), ten = fit.forecast(snapshot_garch::long_horizon);
    g.converged = fit.converged;
    g.iterations = fit.iterations;
    g.n = fit.n;
    g.mu = fit.mu;
    g.omega = fit.omega;
    g.alpha = fit.alpha;
    g.beta = fit.beta;
    g.persistence = fit.persistence;
    g.log_likelihood = fit.log_likelihood;
    g.volatility_1d = one.aggregate_volatility * std::sqrt(periods);
    g.horizon_volatility_10d = ten.aggregate_volatility;
    g.volatility_10d =
        ten.aggregate_volatility * std::sqrt(periods / static_cast<double>(snapshot_garch::long_horizon));
    // The fit keeps persistence <= 1 - 1e-6, so the long-run variance is finite.
    g.long_run_volatility = std::sqrt(fit.omega / (1 - fit.persistence) * periods);
  } catch (const keel::error& e) {
    g = snapshot_garch{};
    g.reason = e.what();
  }
}

/// The rows of the factor returns for the window's dates, in window order. Throws invalid_input
/// for a malformed table, a window date it lacks (naming the first and the count) or a non-finite
/// factor return on a window date (naming the factor and the date).
template <class L = void>
[[nodiscard]] std::vector<std::ptrdiff_t> factor_rows(std::string_view fn, const return_table& f,
                                                      const lazy_t<L, snapshot_universe>& u) {
  check_table_shape(fn, "factor_returns.returns", ssize(f.dates), ssize(f.symbols), f.returns.rows(), f.returns.cols());
  if (f.symbols.empty()) throw invalid_input(message(fn, "factor_returns has no factor columns"));
  for (std::size_t k = 0; k < f.symbols.size(); ++k) {
    if (f.symbols[k].empty())
      throw invalid_input(message(fn, "factor_returns.symbols[" + std::to_string(k) + "] is empty: name each factor"));
    for (std::size_t j = 0; j < k; ++j)
      if (f.symbols[j] == f.symbols[k])
        throw invalid_input(message(fn, "factor " + detail::quoted(f.symbols[k]) +
                                            " appears twice in factor_returns (columns " + std::to_string(j) + " and " +
                                            std::to_string(k) + ")"));
  }
  for (std::size_t i = 1; i < f.dates.size(); ++i)
    if (!(f.dates[i - 1] < f.dates[i]))
      throw invalid_input(message(fn, "factor_returns.dates[" + std::to_string(i) + "] " + date_text(f.dates[i]) +
                                          " is not after dates[" + std::to_string(i - 1) + "] " +
                                          date_text(f.dates[i - 1]) + " (dates must strictly increase)"));
  std::vector<std::ptrdiff_t> rows;
  rows.reserve(u.dates.size());
  std::ptrdiff_t missing = 0;
  std::optional<date> first_missing;
  for (const date& d : u.dates) {
    const auto it = std::lower_bound(f.dates.begin(), f.dates.end(), d);
    if (it == f.dates.end() || *it != d) {
      ++missing;
      if (!first_missing) first_missing = d;
      continue;
    }
    rows.push_back(it - f.dates.begin());
  }
  if (missing > 0)
    throw invalid_input(message(fn, "factor returns lack " + std::to_string(missing) + " of the window's " +
                                        std::to_string(u.dates.size()) + " dates, first " + date_text(*first_missing) +
                                        " (window " + date_text(u.dates.front()) + " to " + date_text(u.dates.back()) +
                                        ")"));
  for (Eigen::Index k = 0; k < f.returns.cols(); ++k)
    for (std::size_t t = 0; t < rows.size(); ++t) {
      const double x = f.returns(rows[t], k);
      if (!std::isfinite(x))
        throw invalid_input(message(fn, "factor " + detail::quoted(f.symbols[uz(k)]) + " on " + date_text(u.dates[t]) +
                                            " is " + number_text(x) +
                                            ": every factor needs a finite return on each date of the window"));
    }
  return rows;
}

/// The factor part: time_series_factor_model of the held assets' window returns on the factor
/// returns of the same dates, then factor_risk_decomposition of the weights, annualised.
/// Errors of the input (factor_rows) and of the fit (a constant or collinear factor, too few
/// dates for the factors) are thrown: they are the caller's file, not a model that failed to fit.
template <class L = void>
void factor_part(std::string_view fn, const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                 const return_table& f, snapshot_factors& out) {
  const std::vector<std::ptrdiff_t> rows = factor_rows(fn, f, u);
  const Eigen::Index t = ssize(rows), k = f.returns.cols();
  Eigen::MatrixXd factors(t, k);
  for (Eigen::Index r = 0; r < t; ++r) factors.row(r) = f.returns.row(rows[uz(r)]);
  const double periods = u.periods_per_year;
  const auto model = time_series_factor_model(held_panel(b, u), factors);
  const auto risk = factor_risk_decomposition(model, b.weights);
  out.observations = model.observations;
  out.total_variance = risk.total_variance * periods;
  out.factor_variance = risk.factor_variance * periods;
  out.specific_variance = risk.specific_variance * periods;
  out.total_volatility = std::sqrt(out.total_variance);
  out.factor_volatility = std::sqrt(out.factor_variance);
  out.specific_volatility = std::sqrt(out.specific_variance);
  out.explained_share = out.total_variance > 0 ? out.factor_variance / out.total_variance : 0.0;
  for (Eigen::Index j = 0; j < k; ++j) {
    const double c = risk.contributions(j) * periods;
    out.factors.push_back({.name = f.symbols[uz(j)],
                           .exposure = risk.exposures(j),
                           .contribution = c,
                           .share = out.total_variance > 0 ? c / out.total_variance : 0.0});
  }
}

/// The risk-models section: the GARCH part always, the factor part when options.factor_returns
/// is set.
template <class L = void>
void risk_models_section(std::string_view fn, const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u,
                         const lazy_t<L, snapshot_options>& o, snapshot_risk_models& m) {
  garch_part(b, u.periods_per_year, m.garch);
  if (o.factor_returns) {
    m.factors.emplace();
    factor_part(fn, b, u, *o.factor_returns, *m.factors);
  }
}

}  // namespace keel::detail::snap
