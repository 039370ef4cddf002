// SPDX-License-Identifier: MIT
// The bundled Dow 30 risk snapshot computed in one translation unit of each mode: header_only_test
// compares the two bit for bit. Declarations only: the types are the same in both modes.
#pragma once

#include <filesystem>

#include <keel/snapshot.hpp>

namespace keel_test {

/// The bundled Dow 30 portfolio's snapshot (its prices merged with the DJ30 index, its benchmark
/// and limits, 2,000 Monte Carlo paths), read and computed in header-only mode (keel::keel alone:
/// every definition instantiated in that translation unit).
keel::snapshot header_only_dow_snapshot(const std::filesystem::path& bundled);

/// The same computed through keel::compiled.
keel::snapshot compiled_dow_snapshot(const std::filesystem::path& bundled);

}  // namespace keel_test
