// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's VaR tail (Cornish-Fisher and historical VaR, component VaR,
// the backtest), instantiated apart from src/snapshot.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report.hpp>

namespace keel::detail::snap {
template void var_tail<void>(const book&, const snapshot_universe&, const snapshot_options&, snapshot_var&);
}  // namespace keel::detail::snap
