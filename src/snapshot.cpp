// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot (keel/snapshot.hpp); its heaviest sections are instantiated in
// src/snapshot_volatility.cpp, src/snapshot_var.cpp and src/snapshot_charts.cpp, summary_of in
// src/snapshot_summary.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report-inl.hpp>
