// SPDX-License-Identifier: MIT
// The bundled Dow 30 risk snapshot, read and computed with whichever mode the including
// translation unit is in (header_only_test builds it in both).
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <keel/csv.hpp>
#include <keel/limits.hpp>
#include <keel/portfolio.hpp>
#include <keel/snapshot.hpp>

namespace keel_test::dow {

/// Rows of a small CSV file (header dropped), split on commas.
inline std::vector<std::vector<std::string>> rows(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<std::string>> out;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    out.push_back(cells);
  }
  return out;
}

/// The Dow 30 prices with the bundled DJ30 index column.
inline keel::price_table prices(const std::filesystem::path& bundled) {
  const std::vector<keel::price_table> parts = {
      keel::read_prices_csv(bundled / "dowjones30_daily_1991_2000_fBasics.csv"),
      keel::read_prices_csv(bundled / "dowjones30_index_1991_2000.csv")};
  return keel::merge_prices(parts);
}

/// The bundled portfolio (dow30_portfolio.csv).
inline std::vector<keel::holding> portfolio(const std::filesystem::path& bundled) {
  std::vector<keel::holding> out;
  for (const auto& r : rows(bundled / "dow30_portfolio.csv")) out.push_back({r[0], std::stod(r[1]), r[2]});
  return out;
}

/// The options of the bundled report: market DJ30, its sector benchmark and limits, the given
/// number of Monte Carlo paths.
inline keel::snapshot_options options(const std::filesystem::path& bundled, std::ptrdiff_t mc_paths) {
  keel::snapshot_options o{.market = "DJ30"};
  for (const auto& r : rows(bundled / "dow30_benchmark.csv")) o.benchmark.emplace_back(r[0], std::stod(r[1]));
  for (const auto& r : rows(bundled / "dow30_limits.csv"))
    o.limits.push_back(
        {keel::parse_limit_metric(r[0]), std::stod(r[1]), keel::parse_limit_severity(r.size() > 2 ? r[2] : "")});
  o.mc_paths = mc_paths;
  return o;
}

/// The bundled factor returns (dow30_factors.csv, read as keel-report --factors reads it).
inline keel::return_table factors(const std::filesystem::path& bundled) {
  keel::price_table t = keel::read_prices_csv(bundled / "dow30_factors.csv");
  return {std::move(t.dates), std::move(t.symbols), std::move(t.prices)};
}

/// The bundled report with 2,000 Monte Carlo paths and the bundled factor returns (so that
/// section 11's factor breakdown is computed too).
inline keel::snapshot snapshot(const std::filesystem::path& bundled) {
  keel::snapshot_options o = options(bundled, 2000);
  o.factor_returns = factors(bundled);
  return keel::risk_snapshot(portfolio(bundled), prices(bundled), o);
}

}  // namespace keel_test::dow
