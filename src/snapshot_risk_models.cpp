// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's risk-models section (the GARCH fit of the portfolio's returns
// and the factor exposure breakdown), instantiated apart from src/snapshot.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_risk_models.hpp>

namespace keel::detail::snap {
template void risk_models_section<void>(std::string_view, const book&, const snapshot_universe&,
                                        const snapshot_options&, snapshot_risk_models&);
}  // namespace keel::detail::snap
