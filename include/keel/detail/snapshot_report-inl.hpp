// SPDX-License-Identifier: MIT
// keel/detail/snapshot_report-inl.hpp: the definitions of risk_snapshot (keel/snapshot.hpp). Included by
// detail/snapshot-inl.hpp in header-only mode and by src/snapshot.cpp in the compiled library.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <span>
#include <string_view>

#include <keel/detail/snapshot_construction.hpp>
#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/snapshot_report.hpp>
#include <keel/detail/snapshot_risk_models.hpp>
#include <keel/detail/snapshot_sections.hpp>
#include <keel/snapshot.hpp>

// In the compiled library the heaviest sections are instantiated in translation units of their
// own (src/snapshot_*.cpp), so that no one translation unit holds the whole pipeline (issue 17:
// at most 1 GB of compiler memory each); this one only calls them. A header-only user may do the
// same: define KEEL_SNAPSHOT_SECTIONS_ELSEWHERE in the translation unit that calls risk_snapshot
// and instantiate these six sections in others, as src/snapshot_*.cpp do (header_only_test does).
#if !KEEL_HEADER_ONLY || defined(KEEL_SNAPSHOT_SECTIONS_ELSEWHERE)
namespace keel::detail::snap {
extern template risk_summary summary_of<void>(const book&, const snapshot_universe&, const snapshot_options&);
extern template void volatility_section<void>(const book&, const snapshot_universe&, snapshot_volatility&);
extern template void var_tail<void>(const book&, const snapshot_universe&, const snapshot_options&, snapshot_var&);
extern template void construction_section<void>(const book&, const snapshot_universe&, snapshot_construction&);
extern template void risk_models_section<void>(std::string_view, const book&, const snapshot_universe&,
                                               const snapshot_options&, snapshot_risk_models&);
extern template void charts_section<void>(const book&, const snapshot_universe&, const snapshot_options&,
                                          snapshot_charts&);
}  // namespace keel::detail::snap
#endif

namespace keel {

KEEL_DEF snapshot risk_snapshot(std::span<const holding> holdings, const snapshot_universe& universe,
                                const snapshot_options& options) {
  constexpr std::string_view fn = "risk_snapshot";
  detail::snap::check_options(fn, options);
  const auto b = detail::snap::make_book(fn, holdings, universe);
  snapshot s;
  s.summary = detail::snap::summary_of(b, universe, options);
  s.inputs = {universe.as_of, universe.dates.front(), universe.dates.back(), universe.returns.rows(), universe.market};
  s.value = b.value;
  s.gross_value = b.gross;
  for (std::size_t i = 0; i < b.symbols.size(); ++i)
    s.positions.push_back({b.symbols[i], b.sectors[i], b.quantities[i], b.prices[i], b.values[i],
                           b.weights(static_cast<Eigen::Index>(i))});
  detail::snap::report(options, "betas", 0.05);
  for (std::ptrdiff_t j : b.columns) s.betas.positions.push_back(universe.betas[detail::uz(j)]);
  s.betas.value_weighted = s.summary.beta;
  detail::snap::betas_and_exposure(b, universe, options, s);
  s.exposure.concentration = s.summary.concentration;
  detail::snap::report(options, "volatility", 0.1);
  detail::snap::volatility_section(b, universe, s.volatility);
  // Beside section 4, and before the Monte Carlo: a factor file that does not cover the window
  // fails the call before the heavy sections run.
  detail::snap::report(options, "risk models", 0.15);
  detail::snap::risk_models_section(fn, b, universe, options, s.risk_models);
  detail::snap::report(options, "var", 0.2);
  detail::snap::var_rows(b, options, s.var);
  detail::snap::var_tail(b, universe, options, s.var);
  detail::snap::report(options, "performance", 0.8);
  detail::snap::performance_section(b, universe, s.performance);
  detail::snap::stress_section(b, s.stress);
  detail::snap::limits_section(s.summary, s.limits);
  detail::snap::report(options, "hedge", 0.85);
  detail::snap::hedge_section(fn, b, universe, options, s.summary.beta, s.limits.values, s.hedge);
  detail::snap::report(options, "construction", 0.87);
  detail::snap::construction_section(b, universe, s.construction);
  detail::snap::report(options, "charts", 0.9);
  detail::snap::charts_section(b, universe, options, s.charts);
  detail::snap::report(options, "done", 1.0);
  return s;
}

KEEL_DEF snapshot risk_snapshot(std::span<const holding> holdings, const price_table& prices,
                                const snapshot_options& options) {
  return risk_snapshot(holdings, prepare_universe(prices, options), options);
}

}  // namespace keel
