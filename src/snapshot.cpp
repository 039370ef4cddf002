// SPDX-License-Identifier: MIT
// keel::compiled: the risk snapshot pipeline (prepare_universe, summarize_risk, risk_snapshot), once.
#include <keel/detail/snapshot-inl.hpp>
#include <keel/snapshot.hpp>
