// SPDX-License-Identifier: MIT
// keel-batch's portfolios file, `portfolio_id,symbol,quantity[,sector]` (read with
// keel::read_csv and the examples' number cells), and the names of keel's error classes for its
// error records; shared by examples/keel-batch.cpp and its test program
// examples/tests/batch_check.cpp.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/snapshot.hpp>

#include "support/portfolio.hpp"

namespace keel_example {

/// One portfolio of the portfolios file, in first-appearance order.
struct batch_portfolio {
  std::string id;
  std::vector<keel::holding> holdings;
};

/// The portfolios file: portfolio_id,symbol,quantity[,sector]; rows grouped by id.
inline std::vector<batch_portfolio> read_batch_portfolios(const std::string& path) {
  const keel::csv_table t = keel::read_csv(path);
  const auto id = t.find("portfolio_id"), symbol = t.find("symbol"), quantity = t.find("quantity"),
             sector = t.find("sector");
  if (!id || !symbol || !quantity)
    throw keel::invalid_input(path + ": a portfolios file needs the columns portfolio_id,symbol,quantity[,sector]");
  std::vector<batch_portfolio> out;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    const auto cell = [&](std::ptrdiff_t c) -> const std::string& { return row[static_cast<std::size_t>(c)]; };
    if (cell(*id).empty())
      throw keel::invalid_input(path + ":" + std::to_string(t.lines[i]) + ": the portfolio_id is empty");
    const double q = keel_example::number_cell(path, t.lines[i], "quantity", cell(*quantity));
    const auto [at, added] = index.try_emplace(cell(*id), out.size());
    if (added) out.push_back({cell(*id), {}});
    out[at->second].holdings.push_back({cell(*symbol), q, sector ? cell(*sector) : std::string()});
  }
  if (out.empty()) throw keel::insufficient_data(path + ": the portfolios file has no rows", 1, 0);
  return out;
}

/// keel's exception class of `e`, for an error record's "type".
inline std::string error_type(const keel::error& e) {
  if (dynamic_cast<const keel::invalid_input*>(&e)) return "invalid_input";
  if (dynamic_cast<const keel::insufficient_data*>(&e)) return "insufficient_data";
  if (dynamic_cast<const keel::singular_problem*>(&e)) return "singular_problem";
  if (dynamic_cast<const keel::infeasible*>(&e)) return "infeasible";
  return "error";
}

}  // namespace keel_example
