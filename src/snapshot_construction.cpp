// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot's construction section (the current book beside keel's
// optimisers), instantiated apart from src/snapshot.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_construction.hpp>

namespace keel::detail::snap {
template void construction_section<void>(const book&, const snapshot_universe&, snapshot_construction&);
}  // namespace keel::detail::snap
