// SPDX-License-Identifier: MIT
// The readers of the input files that hold keel's portfolio and limit types (keel/portfolio.hpp,
// keel/limits.hpp: light headers, so a program that reads a portfolio compiles no pipeline):
//   portfolio   symbol,quantity[,sector]                -> keel::holding (quantity < 0: short)
//   portfolios  portfolio_id,symbol,quantity[,sector]   -> batch_portfolio (keel-batch)
//   benchmark   sector,weight                           -> (sector, weight) pairs
//   limits      metric,limit[,severity]                 -> keel::risk_limit (keel::parse_limit_metric)
// The row parsers (holding_columns, holding_row) are shared by the portfolio and portfolios
// readers, so both parse a holding the same way.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <keel/error.hpp>
#include <keel/limits.hpp>
#include <keel/portfolio.hpp>

#include "support/data.hpp"

namespace keel_example {

/// The columns of portfolio rows (symbol, quantity, optional sector) in an input_file.
struct holding_columns {
  std::size_t symbol = 0, quantity = 0;  ///< required columns
  std::optional<std::size_t> sector;     ///< optional column

  /// The columns of `file`. \throws keel::invalid_input when symbol or quantity is missing.
  explicit holding_columns(const input_file& file)
      : symbol(file.column("symbol")), quantity(file.column("quantity")), sector(file.optional_column("sector")) {}
};

/// One portfolio row: a non-empty symbol, a finite quantity (negative: short), the sector or "".
inline keel::holding holding_row(const input_file& file, const holding_columns& c, std::size_t row) {
  return {.symbol = file.required_text(row, c.symbol),
          .quantity = file.number(row, c.quantity),
          .sector = c.sector ? file.text(row, *c.sector) : std::string()};
}

/// The bundled sample portfolio (18 Dow stocks with their sectors).
inline std::filesystem::path bundled_portfolio() { return bundled_file("dow30_portfolio.csv"); }

/// A portfolio file: symbol,quantity[,sector], at least one row.
inline std::vector<keel::holding> read_portfolio(const std::filesystem::path& path) {
  const input_file file(path, "a portfolio file", "symbol,quantity[,sector]");
  const holding_columns c(file);
  std::vector<keel::holding> out;
  for (std::size_t i = 0; i < file.rows(); ++i) out.push_back(holding_row(file, c, i));
  file.require_rows("the portfolio");
  return out;
}

/// One portfolio of a portfolios file (keel-batch).
struct batch_portfolio {
  std::string id;                       ///< its portfolio_id
  std::vector<keel::holding> holdings;  ///< its rows, in file order
};

/// A portfolios file: portfolio_id,symbol,quantity[,sector], at least one row. The rows of a
/// portfolio need not be contiguous; portfolios come in the order their ids first appear.
inline std::vector<batch_portfolio> read_batch_portfolios(const std::filesystem::path& path) {
  const input_file file(path, "a portfolios file", "portfolio_id,symbol,quantity[,sector]");
  const std::size_t id = file.column("portfolio_id");
  const holding_columns c(file);
  std::vector<batch_portfolio> out;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < file.rows(); ++i) {
    const auto [at, added] = index.try_emplace(file.required_text(i, id), out.size());
    if (added) out.push_back({at->first, {}});
    out[at->second].holdings.push_back(holding_row(file, c, i));
  }
  file.require_rows("the portfolios file");
  return out;
}

/// The name of keel's exception class of `e` ("invalid_input", "insufficient_data", ...), for
/// machine-readable error records.
inline std::string error_type(const keel::error& e) {
  if (dynamic_cast<const keel::invalid_input*>(&e)) return "invalid_input";
  if (dynamic_cast<const keel::insufficient_data*>(&e)) return "insufficient_data";
  if (dynamic_cast<const keel::singular_problem*>(&e)) return "singular_problem";
  if (dynamic_cast<const keel::infeasible*>(&e)) return "infeasible";
  return "error";
}

/// A benchmark file: sector,weight, one row per sector.
inline std::vector<std::pair<std::string, double>> read_benchmark(const std::filesystem::path& path) {
  const input_file file(path, "a benchmark file", "sector,weight");
  const std::size_t sector = file.column("sector"), weight = file.column("weight");
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t i = 0; i < file.rows(); ++i) out.emplace_back(file.required_text(i, sector), file.number(i, weight));
  file.require_rows("the benchmark");
  return out;
}

/// A limits file: metric,limit[,severity]; metric names keel::limit_metric (max_beta, ...),
/// severity is warning or hard (default hard).
inline std::vector<keel::risk_limit> read_limits(const std::filesystem::path& path) {
  const input_file file(path, "a limits file", "metric,limit[,severity]");
  const std::size_t metric = file.column("metric"), limit = file.column("limit");
  const auto severity = file.optional_column("severity");
  std::vector<keel::risk_limit> out;
  for (std::size_t i = 0; i < file.rows(); ++i) {
    keel::risk_limit r{};
    try {
      r.metric = keel::parse_limit_metric(file.text(i, metric));
      if (severity && !file.text(i, *severity).empty())
        r.severity = keel::parse_limit_severity(file.text(i, *severity));
    } catch (const keel::invalid_input& e) {
      throw keel::invalid_input(file.where(i) + ": " + e.what());
    }
    r.limit = file.number(i, limit);
    out.push_back(r);
  }
  return out;
}

}  // namespace keel_example
