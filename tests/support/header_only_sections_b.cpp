// SPDX-License-Identifier: MIT
// header_only_test's header-only instantiations of risk_snapshot's construction and risk-model
// sections, apart from header_only_snapshot.cpp (which declares them extern with
// KEEL_SNAPSHOT_SECTIONS_ELSEWHERE), as src/snapshot_*.cpp instantiate them for keel::compiled.
#include <string_view>

#include <keel/snapshot.hpp>

#if !KEEL_HEADER_ONLY
#error "header_only_sections_*.cpp must be compiled in header-only mode (link keel::keel, not keel::compiled)"
#endif

#include <keel/detail/snapshot_construction.hpp>
#include <keel/detail/snapshot_risk_models.hpp>

namespace keel::detail::snap {
template void construction_section<void>(const book&, const snapshot_universe&, snapshot_construction&);
template void risk_models_section<void>(std::string_view, const book&, const snapshot_universe&,
                                        const snapshot_options&, snapshot_risk_models&);
}  // namespace keel::detail::snap
