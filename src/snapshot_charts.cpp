// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's chart series (rolling beta and volatility, drawdowns, the
// efficient frontier of the held assets), instantiated apart from src/snapshot.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report.hpp>

namespace keel::detail::snap {
template void charts_section<void>(const book&, const snapshot_universe&, const snapshot_options&, snapshot_charts&);
}  // namespace keel::detail::snap
