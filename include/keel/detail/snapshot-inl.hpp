// SPDX-License-Identifier: MIT
// keel/detail/snapshot-inl.hpp: the definitions of keel/snapshot.hpp (prepare_universe,
// summarize_risk, risk_snapshot) and the pipeline they share. Included by snapshot.hpp in
// header-only mode and by src/snapshot.cpp in the compiled library. The pipeline's internal
// functions are templates with a defaulted parameter, so that header-only users who include
// snapshot.hpp without calling it instantiate none of it.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <keel/snapshot.hpp>

#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/snapshot_sections.hpp>
