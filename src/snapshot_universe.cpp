// SPDX-License-Identifier: MIT
// keel::compiled: prepare_universe (keel/snapshot.hpp).
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_universe-inl.hpp>
