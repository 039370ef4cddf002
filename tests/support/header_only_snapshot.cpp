// SPDX-License-Identifier: MIT
// header_only_test's header-only translation unit: built as an object library linked to
// keel::keel alone, so KEEL_COMPILED_LIB is not defined here and every keel function this file
// reaches (read_prices_csv, merge_prices, risk_snapshot and its pipeline) is instantiated from
// its implementation header in this translation unit or, for the six sections the compiled
// library also puts apart, in header_only_sections_*.cpp, header-only too.
// The pipeline's six heaviest sections are instantiated in header_only_sections_*.cpp, as the
// compiled library splits them (the snapshot_report-inl.hpp hook for header-only users): one
// unit holding all of it peaked at 2.5 GB of compiler memory.
#define KEEL_SNAPSHOT_SECTIONS_ELSEWHERE 1
#include "support/header_only_snapshot.hpp"

#if !KEEL_HEADER_ONLY
#error "header_only_snapshot.cpp must be compiled in header-only mode (link keel::keel, not keel::compiled)"
#endif

#include "support/dow_snapshot.hpp"

namespace keel_test {

keel::snapshot header_only_dow_snapshot(const std::filesystem::path& bundled) { return dow::snapshot(bundled); }

}  // namespace keel_test
