// SPDX-License-Identifier: MIT
// The bundled Dow 30 risk snapshot computed in one translation unit of each mode: header_only_test
// compares the two bit for bit. Declarations only: the types are the same in both modes.
#pragma once

#include <filesystem>
#include <vector>

#include <keel/portfolio.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>

namespace keel_test {

/// The bundled Dow 30 report's inputs (dow_snapshot.hpp's portfolio, prices with the DJ30 index,
/// options with 2,000 paths and the factor returns).
struct dow_inputs {
  std::vector<keel::holding> holdings;
  keel::price_table prices;
  keel::snapshot_options options;
};

/// dow_inputs read in header-only mode, in a translation unit of their own
/// (header_only_inputs.cpp): the snapshot's unit then holds the pipeline and not the readers, as
/// the compiled library splits its heaviest units (CI's compile-cost step measures the largest).
dow_inputs header_only_dow_inputs(const std::filesystem::path& bundled);

/// The bundled Dow 30 portfolio's snapshot (its prices merged with the DJ30 index, its benchmark
/// and limits, 2,000 Monte Carlo paths), read and computed in header-only mode (keel::keel alone:
/// every definition instantiated in that translation unit).
keel::snapshot header_only_dow_snapshot(const std::filesystem::path& bundled);

/// The same computed through keel::compiled.
keel::snapshot compiled_dow_snapshot(const std::filesystem::path& bundled);

}  // namespace keel_test
