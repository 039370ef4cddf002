// SPDX-License-Identifier: MIT
// keel/detail/snapshot-inl.hpp: the definitions of keel/snapshot.hpp (prepare_universe,
// summarize_risk, risk_snapshot) and the pipeline they share, included by snapshot.hpp in
// header-only mode. The compiled library builds each part in a translation unit of its own
// (src/snapshot*.cpp). The pipeline's internal functions are templates with a defaulted
// parameter, so that header-only users who include snapshot.hpp without calling it instantiate
// none of it.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <keel/detail/snapshot_io-inl.hpp>
#include <keel/detail/snapshot_report-inl.hpp>
#include <keel/detail/snapshot_summary-inl.hpp>
#include <keel/detail/snapshot_universe-inl.hpp>
