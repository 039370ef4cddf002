// SPDX-License-Identifier: MIT
// keel/portfolio.hpp: what a portfolio holds and the readers of the files users keep it in, a
// light header. Reading or describing a portfolio compiles none of the snapshot pipeline
// (keel/snapshot.hpp) that reports on it, and no Eigen.
//
// Synopsis
//   holding{symbol, quantity, sector, lots}    one position: the sum of its lots
//   holding_lot{quantity, account, id, cost_basis, acquired, line}
//                                              one row of a holdings file
//   named_portfolio{id, holdings}              one portfolio of a file with portfolio_id
//   read_holdings(in | path, options)          symbol,quantity[,sector] plus optional
//                                              portfolio_id, account, lot, cost_basis, acquired
//                                              -> std::vector<holding>, one per symbol
//   read_portfolios(in | path, options)        the same with portfolio_id -> named_portfolio,
//                                              in first-seen order (keel-batch)
//   read_benchmark(in | path, options)         sector,weight -> (sector, weight) pairs, the
//                                              type of snapshot_options::benchmark
//
// Conventions
//   - A quantity is in shares (or units) of the symbol's price; negative is short. An empty
//     sector is unclassified (left out of sector exposure and the sector limit).
//   - Rows of one symbol (within one portfolio) are lots of one position: the holding's quantity
//     is their sum (in file order) and `lots` keeps every row, in file order, for the accounting
//     that needs them (cost basis, acquisition dates, accounts). A row's empty sector takes the
//     position's sector; two different non-empty sectors for one symbol are an error.
//   - Header names are matched in lowercase without punctuation ("Cost Basis", "cost_basis"
//     and "COSTBASIS" are one name); columns may come in any order. The CSV rules are
//     keel/csv.hpp's (RFC 4180 read leniently; blank lines skipped; cells trimmed).
//   - Errors are keel::invalid_input naming the function, the file (path overloads), the line,
//     the column and the text, as read_prices_csv's: "read_holdings: book.csv line 3, column 2
//     (quantity): 'ten' is not a number".
//
// References
//   RFC 4180 (CSV); ISO 8601 (dates).
/// \file
/// What a portfolio holds (holding, holding_lot) and the readers of holdings and benchmark files.
#pragma once

#include <keel/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <keel/error.hpp>

namespace keel {

/// One row of a holdings file: a lot of a position, kept for the accounting that needs it.
struct holding_lot {
  double quantity = 0;                                                 ///< shares of this row (negative: short)
  std::string account = {};                                            ///< the account column ("" : none)
  std::string id = {};                                                 ///< the lot column ("" : none)
  std::optional<double> cost_basis = std::nullopt;                     ///< total cost in currency, when given
  std::optional<std::chrono::year_month_day> acquired = std::nullopt;  ///< acquisition date, when given
  std::ptrdiff_t line = 0;  ///< 1-based line of the row in its file (0: not read from a file)
};

/// One position of a portfolio: what is held.
struct holding {
  std::string symbol;               ///< a symbol of the price table
  double quantity = 0;              ///< shares (or units) held, the sum of the lots; negative: short
  std::string sector;               ///< sector label ("" : unclassified)
  std::vector<holding_lot> lots{};  ///< the rows it was read from, in file order (empty when built by hand)
};

/// One portfolio of a holdings file with a portfolio_id column.
struct named_portfolio {
  std::string id;                 ///< its portfolio_id
  std::vector<holding> holdings;  ///< one per symbol, in the order the symbols first appear
};

/// How a holdings file is read.
struct holdings_file_options {
  /// The field separator (',' by default; ';' or a tab). Not a double quote or a line break.
  char delimiter = ',';
};

/// How a benchmark file is read.
struct benchmark_file_options {
  /// The field separator (',' by default; ';' or a tab). Not a double quote or a line break.
  char delimiter = ',';
};

/// Reads the positions of one portfolio from CSV: the columns `symbol` and `quantity`, and
/// optionally `sector`, `portfolio_id` (one id only: several are read_portfolios' files),
/// `account`, `lot`, `cost_basis` (a finite number; empty: none) and `acquired` (a date as
/// parse_date reads it; empty: none), in any order.
///
/// Rows of one symbol are summed into one holding (quantity = the sum of the rows', in file
/// order) and kept as its lots; holdings come in the order their symbols first appear.
/// \returns one holding per symbol (at least one).
/// \throws insufficient_data when the header is the only record ("no data rows").
/// \throws invalid_input, naming the line, the column and the text: no header; an unknown or
///         duplicated column; no symbol or quantity column; a ragged row; an empty symbol or
///         quantity; a quantity or cost basis that is not a finite number; an acquired date that
///         is not a date; two rows of one symbol with different sectors (naming both lines); a
///         sum of quantities that overflows (naming the symbol and the first line); a second
///         portfolio_id (use read_portfolios); a delimiter that is a quote or a line break.
/// Ref: RFC 4180 (2005).
KEEL_DECL [[nodiscard]] std::vector<holding> read_holdings(std::istream& in, const holdings_file_options& options = {});

/// Reads a holdings file as read_holdings(std::istream&); messages name the file.
/// \throws as the stream form, and invalid_input naming the path when it cannot be opened.
KEEL_DECL [[nodiscard]] std::vector<holding> read_holdings(const std::filesystem::path& path,
                                                           const holdings_file_options& options = {});

/// Reads several portfolios from one CSV: read_holdings' columns with `portfolio_id` required.
/// The rows of a portfolio need not be contiguous; each portfolio sums its own rows of one
/// symbol (a symbol in two portfolios is two positions).
/// \returns the portfolios in the order their ids first appear (at least one).
/// \throws insufficient_data and invalid_input as read_holdings, and invalid_input for an
///         empty portfolio_id or a file without that column.
KEEL_DECL [[nodiscard]] std::vector<named_portfolio> read_portfolios(std::istream& in,
                                                                     const holdings_file_options& options = {});

/// Reads a portfolios file as read_portfolios(std::istream&); messages name the file.
/// \throws as the stream form, and invalid_input naming the path when it cannot be opened.
KEEL_DECL [[nodiscard]] std::vector<named_portfolio> read_portfolios(const std::filesystem::path& path,
                                                                     const holdings_file_options& options = {});

/// Reads benchmark sector weights from CSV: the columns `sector` and `weight` (a finite
/// number, a fraction: 0.25 = 25%), one row per sector. A file with a header and no rows is
/// no benchmark (an empty vector). The weights are not required to sum to 1.
/// \returns (sector, weight) pairs in file order, the type of snapshot_options::benchmark.
/// \throws invalid_input, naming the line, the column and the text: no header; an unknown,
///         duplicated or missing column; a ragged row; an empty sector; a weight that is not a
///         finite number; a sector twice (naming both lines).
KEEL_DECL [[nodiscard]] std::vector<std::pair<std::string, double>> read_benchmark(
    std::istream& in, const benchmark_file_options& options = {});

/// Reads a benchmark file as read_benchmark(std::istream&); messages name the file.
/// \throws as the stream form, and invalid_input naming the path when it cannot be opened.
KEEL_DECL [[nodiscard]] std::vector<std::pair<std::string, double>> read_benchmark(
    const std::filesystem::path& path, const benchmark_file_options& options = {});

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/portfolio-inl.hpp>
#endif
