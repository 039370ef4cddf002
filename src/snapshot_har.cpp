// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's HAR volatility forecast (har.hpp's fit, Newey-West errors and
// forecast), instantiated apart from the rest of the volatility section.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report.hpp>

namespace keel::detail::snap {
template void har_section<void>(const book&, double, snapshot_volatility&);
}  // namespace keel::detail::snap
