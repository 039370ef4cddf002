// SPDX-License-Identifier: MIT
// keel/detail/snapshot_summary-inl.hpp: the definition of summarize_risk (keel/snapshot.hpp). Included by
// detail/snapshot-inl.hpp in header-only mode and by src/snapshot_summary.cpp in the compiled library.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <span>
#include <string_view>

#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/detail/snapshot_sections.hpp>
#include <keel/snapshot.hpp>

namespace keel {

KEEL_DEF risk_summary summarize_risk(std::span<const holding> holdings, const snapshot_universe& universe,
                                     const snapshot_options& options) {
  constexpr std::string_view fn = "summarize_risk";
  detail::snap::check_options(fn, options);
  const auto b = detail::snap::make_book(fn, holdings, universe);
  return detail::snap::summary_of(b, universe, options);
}

}  // namespace keel
