// SPDX-License-Identifier: MIT
// header_only_test's header-only instantiations of risk_snapshot's summary, volatility, VaR tail
// and chart sections, apart from header_only_snapshot.cpp (which declares them extern with
// KEEL_SNAPSHOT_SECTIONS_ELSEWHERE), as src/snapshot_*.cpp instantiate them for keel::compiled.
#include <string_view>

#include <keel/snapshot.hpp>

#if !KEEL_HEADER_ONLY
#error "header_only_sections_*.cpp must be compiled in header-only mode (link keel::keel, not keel::compiled)"
#endif

#include <keel/detail/snapshot_report.hpp>
#include <keel/detail/snapshot_summary-inl.hpp>

namespace keel::detail::snap {
template risk_summary summary_of<void>(const book&, const snapshot_universe&, const snapshot_options&);
template void volatility_section<void>(const book&, const snapshot_universe&, snapshot_volatility&);
template void var_tail<void>(const book&, const snapshot_universe&, const snapshot_options&, snapshot_var&);
template void charts_section<void>(const book&, const snapshot_universe&, const snapshot_options&, snapshot_charts&);
}  // namespace keel::detail::snap
