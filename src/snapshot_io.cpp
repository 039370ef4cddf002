// SPDX-License-Identifier: MIT
// keel::compiled: equal_weighted_returns, serialize_universe, deserialize_universe (keel/snapshot.hpp).
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_io-inl.hpp>
