// SPDX-License-Identifier: MIT
// keel::compiled: risk_snapshot (keel/snapshot.hpp); its heaviest sections are instantiated in
// src/snapshot_volatility.cpp, src/snapshot_var.cpp, src/snapshot_charts.cpp,
// src/snapshot_construction.cpp and src/snapshot_risk_models.cpp, summary_of in
// src/snapshot_summary.cpp.
#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_report-inl.hpp>
