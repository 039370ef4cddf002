// SPDX-License-Identifier: MIT
// keel::compiled: summarize_risk (keel/snapshot.hpp) and the summary it shares with
// risk_snapshot (detail::snap::summary_of, explicitly instantiated here).
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_summary-inl.hpp>

namespace keel::detail::snap {
template risk_summary summary_of<void>(const book&, const snapshot_universe&, const snapshot_options&);
}  // namespace keel::detail::snap
