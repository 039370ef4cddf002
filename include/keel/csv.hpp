// SPDX-License-Identifier: MIT
// keel/csv.hpp: reading price files and other CSV files.
//
// Synopsis
//   csv_options                     { delimiter = ',', price_column = "", symbol = "" }
//   csv_table                       a CSV file as text cells: header, rows, the line of each row;
//                                   find(column) -> index of a header
//   read_csv(in | path, options)    any CSV file -> csv_table (portfolio and sector files)
//   read_prices_csv(in | path, options)
//                                   wide `date,SYM1,SYM2,...`, long `date,symbol,close,...` or
//                                   per-symbol OHLCV `Date,Open,High,Low,Close,Adj Close,Volume`
//                                   (one symbol, named after the file) -> price_table (declared
//                                   in keel/series.hpp); a path that is a folder reads its *.csv
//                                   files, merged
//   read_prices_csv(paths, options) several files and folders merged on their dates
//   merge_prices(tables)            price tables merged on their dates: union of the dates, NaN
//                                   where a symbol has no price
//   parse_date(text), try_parse_date(text)
//                                   a date as the price files write it -> year_month_day
//
// Format (RFC 4180, read leniently)
//   - Fields are separated by the delimiter (',' unless csv_options says otherwise). A field in
//     double quotes may hold the delimiter, line breaks and "" (one literal quote). Text after
//     a closing quote ("a"b) and an unterminated quote are errors; a quote inside an unquoted
//     field (ab"c) is kept as it is.
//   - Lines end in \n, \r\n or a lone \r. A UTF-8 byte order mark at the start is skipped.
//     Blank lines (empty or only spaces and tabs) are skipped wherever they are.
//   - Spaces and tabs around a field are trimmed (not inside quotes). The first record that is
//     not blank is the header; every later record must have as many fields.
//
// Conventions
//   - Errors are keel::invalid_input naming the function, the file (path overloads), the
//     1-based physical line, the 1-based column and its header name, and the offending text:
//     "read_prices_csv: prices.csv line 7, column 3 (AAPL): 'x1.5' is not a number".
//     Nothing else escapes, except insufficient_data for a price file without data rows and
//     std::bad_alloc for input too large for memory.
//   - A price table's missing values are NaN (empty cells and NA-style tokens); the dated
//     functions of keel/series.hpp treat NaN as missing. Prices are not checked for sign here:
//     the return functions reject zero and negative prices.
//   - Dates are calendar days: a time of day is read and ignored, so two rows of one day are
//     duplicates. The whole input is read into memory first (price files are a few MB).
//   - A price file with a header and no data rows is keel::insufficient_data ("no data rows");
//     a text table (read_csv) with no rows is valid.
//   - Cost: O(bytes) to tokenise, plus O(rows log rows) to sort by date; merging several files
//     O(R log R) for R rows in all.
//
// References
//   RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files" (2005).
//   ISO 8601 for the date formats.
/// \file
/// Reading price files and other CSV files: read_prices_csv, merge_prices, read_csv, parse_date.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/csv_reader.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// How a CSV file is split into fields and, for price files, which column holds the prices.
struct csv_options {
  /// The field separator: ',' by default, ';' for European exports, a tab character for TSV. It may not
  /// be a double quote or a line break (invalid_input). When it is a space or a tab, that
  /// character is no longer trimmed around fields.
  char delimiter = ',';
  /// read_prices_csv only: the price column of a per-symbol (OHLCV) or long file, matched
  /// after normalising as header names are ("Open", "adj_close"); empty: adj close, else
  /// close (else price, in a long file). Setting it for a wide file is invalid_input.
  std::string price_column = {};
  /// read_prices_csv only: the symbol of a per-symbol file (or of a wide file's only column);
  /// empty: the file's stem for the path overloads (`SPY.csv` -> `SPY`), the price column's
  /// header for a stream. Setting it for a long file or for several files is invalid_input.
  std::string symbol = {};
};

/// A CSV file as text cells, for files that are not price tables: portfolios (symbol,
/// quantity, sector), sector lists, constituents.
///
/// Cells are trimmed of spaces and tabs (outside quotes) and unquoted ("" read as one quote).
/// Every row has exactly `header.size()` cells; header names need not be unique.
struct csv_table {
  std::vector<std::string> header;             ///< column names, trimmed and unquoted
  std::vector<std::vector<std::string>> rows;  ///< each row has header.size() cells
  std::vector<std::ptrdiff_t> lines;           ///< 1-based physical line where each row starts

  /// Index of the first column whose header is exactly `column` (case and spaces matter),
  /// or nullopt when there is none.
  [[nodiscard]] std::optional<std::ptrdiff_t> find(std::string_view column) const {
    for (std::ptrdiff_t j = 0; j < detail::ssize(header); ++j)
      if (header[static_cast<std::size_t>(j)] == column) return j;
    return std::nullopt;
  }
};

/// Reads a calendar date as the price files write it: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`,
/// optionally followed by 'T' or ' ', a time of day (digits, ':', '.') and a zone (`Z`,
/// `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`); the time and zone are checked for form and ignored.
/// No spaces are trimmed: " 2024-01-02" is not a date.
/// \returns the day.
/// \throws invalid_input naming the text: "parse_date: '2024-02-30' is not a valid calendar
///         date", or "... is not a date (expected YYYY-MM-DD, ...)".
/// Ref: ISO 8601.
KEEL_DECL [[nodiscard]] std::chrono::year_month_day parse_date(std::string_view text);

/// parse_date without the exception, for callers that try several formats or report the
/// error their own way (a command line).
/// \returns the day, or nullopt when `text` is not a valid date in parse_date's formats.
KEEL_DECL [[nodiscard]] std::optional<std::chrono::year_month_day> try_parse_date(std::string_view text) noexcept;

/// Reads a CSV stream as text cells (RFC 4180; see the file comment for the lenient rules).
///
/// The first record that is not blank is the header; blank lines are skipped; cells are
/// trimmed of spaces and tabs outside quotes. A header-only input is a table with no rows.
/// Only `options.delimiter` is used.
/// \returns header, rows (each with header.size() cells) and the line where each row starts.
/// \throws invalid_input for empty input ("no header"), a row whose field count differs from
///         the header's ("ragged row", naming the line and both counts), an unterminated quote
///         (naming the line where the field starts), text after a closing quote, a delimiter
///         that is a quote or a line break, or a stream that cannot be read.
/// Ref: RFC 4180 (2005).
KEEL_DECL [[nodiscard]] csv_table read_csv(std::istream& in, const csv_options& options = {});

/// Reads a CSV file as text cells, as read_csv(std::istream&); messages name the file.
/// \throws invalid_input as the stream form, and naming the path when it cannot be opened or
///         is a folder.
KEEL_DECL [[nodiscard]] csv_table read_csv(const std::filesystem::path& path, const csv_options& options = {});

/// Reads a price file in any of three layouts into a dates x symbols price_table.
///
/// Header names are matched after normalising: lowercase, everything but letters and digits
/// dropped ("Adj Close", "adj_close" and "ADJCLOSE" are all `adjclose`).
/// - Date column: the first header named `date`, `timestamp` or `datetime`; failing that, a
///   first column with an empty header (pandas' unnamed index).
/// - Long layout, when a header is named `symbol` or `ticker`: one row per (date, symbol) in
///   any order. Prices come from options.price_column if set, else `adjclose`/`adjustedclose`,
///   else `close`, else `price`; other columns are ignored. Symbols keep the order of their
///   first appearance; a (date, symbol) pair absent from the file is NaN.
/// - Per-symbol layout (a Yahoo-style OHLCV download), when there is no symbol column and
///   every column but the date, in any order, is one of open, high, low, close, adjclose,
///   adjustedclose, volume, dividends, stocksplits, capitalgains, and at least one of them is
///   close, adjclose, adjustedclose or options.price_column: one symbol, priced by
///   options.price_column if set, else adj close (or adjusted close), else close; the other
///   columns are not read. Its name is options.symbol if set, else (in a stream) the price
///   column's header text; the path overloads name it after the file (`SPY.csv` -> `SPY`).
/// - Wide layout otherwise: every column but the date is a symbol, so a file whose columns
///   are `Open` and `AAPL` stays wide. options.symbol renames a wide file's only symbol.
/// - Dates: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally followed by 'T' or ' ', a time
///   of day (digits, ':', '.') and a zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`); the time is
///   ignored. Rows come out sorted by date.
/// - Prices: an empty cell or NA, N/A, NaN, null, \#N/A (any case) is missing (NaN); anything
///   else must be a whole decimal number (std::from_chars, one leading '+' allowed) and
///   finite. Signs are not checked here: the return functions reject prices <= 0.
/// \returns the table, with dates strictly increasing and symbols unique (see price_table).
/// \throws insufficient_data ("no data rows", required() 1, actual() 0) when the header is
///         the only record.
/// \throws invalid_input, naming the line, the column (index and header) and the text, for
///         every error of read_csv and: no date column (naming the header and the delimiter
///         tried, and suggesting csv_options{.delimiter = ...}); a long header without a price
///         column; an empty or duplicate symbol name in a wide header; two columns that
///         normalise to the name looked for; options.price_column naming no column, the date
///         column, or set for a wide file; options.symbol set for a long file or a wide file
///         of several symbols; an empty symbol cell; a cell that is not a date or not a valid
///         calendar date (2021-02-30); a cell that is not a number; the same date twice
///         (wide, per-symbol) or the same (date, symbol) twice (long), naming both lines.
/// Ref: RFC 4180 (2005); ISO 8601 dates.
KEEL_DECL [[nodiscard]] price_table read_prices_csv(std::istream& in, const csv_options& options = {});

/// Reads a price file as read_prices_csv(std::istream&), naming a per-symbol file's symbol
/// after the file's stem (`data/SPY.csv` -> `SPY`) unless options.symbol is set; messages name
/// the file. A path that is a folder reads every *.csv file in it, as
/// read_prices_csv(const std::vector<std::filesystem::path>&).
/// \throws insufficient_data and invalid_input as the stream form, and invalid_input naming
///         the path when it cannot be opened.
KEEL_DECL [[nodiscard]] price_table read_prices_csv(const std::filesystem::path& path, const csv_options& options = {});

/// Reads several price files and merges them on their dates, as merge_prices does.
///
/// Each path is a file (read as read_prices_csv(path), so a per-symbol file is named after
/// its stem) or a folder, which stands for every regular file in it whose name ends in .csv
/// (any case), sorted by file name, subfolders not read. Symbols come in that order: the
/// files in the order given, each file's columns in its own order.
/// \returns the merged table: the union of the files' dates, sorted; NaN where a symbol has
///          no price on a date.
/// \throws invalid_input when `paths` is empty, a folder holds no .csv file or cannot be
///         listed (naming it), options.symbol is set and there is more than one file, or a
///         symbol is in two files (naming the symbol and both files); insufficient_data and
///         invalid_input as the single-file form for each file (naming it).
KEEL_DECL [[nodiscard]] price_table read_prices_csv(const std::vector<std::filesystem::path>& paths,
                                                    const csv_options& options = {});

/// Merges price tables on their dates: the union of their dates, sorted, and every table's
/// symbols side by side (in table order, each table's columns in its own order), NaN where a
/// symbol has no price on a date. No table may share a symbol with another. Zero tables give
/// an empty table. Cost O(R log R + R N) for R rows in all and N symbols in all.
/// \throws invalid_input for a table whose matrix is not dates x symbols, whose dates are not
///         valid or not strictly increasing, with an empty symbol or an infinite price, or a
///         symbol in two tables (or twice in one), naming the table (`tables[k]`), the symbol
///         and the date.
KEEL_DECL [[nodiscard]] price_table merge_prices(std::span<const price_table> tables);

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/csv-inl.hpp>
#endif
