// SPDX-License-Identifier: MIT
// Portfolio files of keel's example programs: holdings `symbol,quantity[,sector]` and target
// weights `symbol,weight`, read with keel::read_csv; a bad cell is one line naming the file,
// the line and the text.
#pragma once

#include <cmath>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>

namespace keel_example {

/// One position of a portfolio file.
struct holding {
  std::string symbol, sector;
  double quantity = 0;
};

/// One row of a target weights file.
struct target_weight {
  std::string symbol;
  double weight = 0;
};

/// The number in `text`, or an invalid_input naming the file, the line and the column.
inline double number_cell(const std::filesystem::path& path, std::ptrdiff_t line, const std::string& column,
                          const std::string& text) {
  std::size_t used = 0;
  double x = 0;
  try {
    x = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(x))
    throw keel::invalid_input(path.string() + ":" + std::to_string(line) + ": " + column + " '" + text +
                              "' is not a number");
  return x;
}

/// A portfolio file: symbol,quantity[,sector].
inline std::vector<holding> read_portfolio(const std::filesystem::path& path) {
  const keel::csv_table t = keel::read_csv(path);
  const auto symbol = t.find("symbol"), quantity = t.find("quantity"), sector = t.find("sector");
  if (!symbol || !quantity)
    throw keel::invalid_input(path.string() + ": a portfolio file needs the columns symbol,quantity[,sector]");
  std::vector<holding> out;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    out.push_back({row[static_cast<std::size_t>(*symbol)], sector ? row[static_cast<std::size_t>(*sector)] : "",
                   number_cell(path, t.lines[i], "quantity", row[static_cast<std::size_t>(*quantity)])});
  }
  if (out.empty()) throw keel::insufficient_data(path.string() + ": the portfolio has no positions", 1, 0);
  return out;
}

/// A target weights file: symbol,weight.
inline std::vector<target_weight> read_targets(const std::filesystem::path& path) {
  const keel::csv_table t = keel::read_csv(path);
  const auto symbol = t.find("symbol"), weight = t.find("weight");
  if (!symbol || !weight)
    throw keel::invalid_input(path.string() + ": a target weights file needs the columns symbol,weight");
  std::vector<target_weight> out;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    out.push_back({row[static_cast<std::size_t>(*symbol)],
                   number_cell(path, t.lines[i], "weight", row[static_cast<std::size_t>(*weight)])});
  }
  if (out.empty()) throw keel::insufficient_data(path.string() + ": the target weights file has no rows", 1, 0);
  return out;
}

}  // namespace keel_example
