// SPDX-License-Identifier: MIT
// The bundled Dow 30 risk snapshot, read and computed with whichever mode the including
// translation unit is in (header_only_test builds it in both).
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
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

inline keel::snapshot snapshot(const std::filesystem::path& bundled) {
  const std::vector<keel::price_table> parts = {
      keel::read_prices_csv(bundled / "dowjones30_daily_1991_2000_fBasics.csv"),
      keel::read_prices_csv(bundled / "dowjones30_index_1991_2000.csv")};
  const keel::price_table prices = keel::merge_prices(parts);
  std::vector<keel::holding> holdings;
  for (const auto& r : rows(bundled / "dow30_portfolio.csv")) holdings.push_back({r[0], std::stod(r[1]), r[2]});
  keel::snapshot_options o{.market = "DJ30"};
  for (const auto& r : rows(bundled / "dow30_benchmark.csv")) o.benchmark.emplace_back(r[0], std::stod(r[1]));
  for (const auto& r : rows(bundled / "dow30_limits.csv"))
    o.limits.push_back(
        {keel::parse_limit_metric(r[0]), std::stod(r[1]), keel::parse_limit_severity(r.size() > 2 ? r[2] : "")});
  o.mc_paths = 2000;
  return keel::risk_snapshot(holdings, prices, o);
}

}  // namespace keel_test::dow
