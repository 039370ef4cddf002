// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's volatility section (realised volatilities, trend, percentile,
// risk contributions), instantiated apart from src/snapshot.cpp so that no translation unit
// holds the whole pipeline; its HAR forecast is instantiated in src/snapshot_har.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report.hpp>

namespace keel::detail::snap {
extern template void har_section<void>(const book&, double, snapshot_volatility&);
template void volatility_section<void>(const book&, const snapshot_universe&, snapshot_volatility&);
}  // namespace keel::detail::snap
