// SPDX-License-Identifier: MIT
// keel/detail/csv-inl.hpp: the definitions of keel/csv.hpp (read_csv, read_prices_csv,
// merge_prices, parse_date) and the layout readers they share (the tokenizer is in
// csv_reader-inl.hpp, included here so that src/csv.cpp defines it once). Included by
// csv.hpp in header-only mode and by src/csv.cpp in the compiled library. The internal
// functions are templates with a defaulted parameter in header-only mode, so that a translation
// unit that includes csv.hpp without reading a file instantiates none of them.
// IWYU pragma: private, include <keel/csv.hpp>
#pragma once

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <ios>
#include <istream>
#include <limits>
#include <new>
#include <numeric>
#include <optional>
#include <span>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/csv_reader-inl.hpp>
#include <keel/detail/csv_reader.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

#include <keel/csv.hpp>

namespace keel {

namespace detail {

KEEL_DECL [[nodiscard]] csv_table read_csv_text(std::string_view text, const csv_options& options, csv_context& ctx) {
  check_delimiter(ctx, options.delimiter);
  csv_tokenizer tokens(text, options.delimiter, ctx);
  csv_table table;
  std::ptrdiff_t line = 0;
  if (!tokens.next(table.header, line)) ctx.fail("no header: the input is empty or blank");
  ctx.header = &table.header;
  const std::ptrdiff_t width = detail::ssize(table.header);
  std::vector<std::string> cells;
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    table.rows.push_back(std::move(cells));
    table.lines.push_back(line);
    cells.clear();
  }
  return table;
}

KEEL_DECL [[nodiscard]] bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

/// True for a cell that means "no value": empty, NA, N/A, NaN, null, #N/A (any case).
KEEL_DECL [[nodiscard]] bool is_missing_cell(std::string_view s) {
  static constexpr std::string_view tokens[] = {"", "na", "n/a", "nan", "null", "#n/a"};
  for (const std::string_view t : tokens)
    if (equals_ignoring_case(s, t)) return true;
  return false;
}

/// The price in a cell: NaN when missing, else the whole cell as a finite decimal number.
KEEL_DECL [[nodiscard]] double parse_price_cell(const csv_context& ctx, std::string_view cell, std::ptrdiff_t line,
                                                std::ptrdiff_t column) {
  const std::string_view s = trim_blanks(cell);
  if (is_missing_cell(s)) return std::numeric_limits<double>::quiet_NaN();
  double value = 0;
  const number_parse r = parse_finite_number(s, value);
  if (r == number_parse::ok) return value;
  ctx.fail(line, column,
           detail::quoted(cell) + " is not a number" +
               (r == number_parse::out_of_range ? " (out of the range of double)"
                : r == number_parse::not_finite ? " (prices must be finite)"
                                                : ""));
}

/// The day of a date cell; invalid_input naming the cell if it is not a valid date.
KEEL_DECL [[nodiscard]] std::chrono::sys_days parse_date_cell(const csv_context& ctx, std::string_view cell,
                                                              std::ptrdiff_t line, std::ptrdiff_t column) {
  return std::chrono::sys_days(parse_date_text_cell(ctx, cell, line, column));
}

/// The header as one line of text, for messages.
KEEL_DECL [[nodiscard]] std::string header_text(const std::vector<std::string>& header, char delimiter) {
  std::string out;
  for (std::size_t j = 0; j < header.size(); ++j) {
    if (j > 0) out += delimiter;
    out += header[j];
  }
  return detail::quoted(out, 120);
}

/// A delimiter as a C++ character literal, for messages: ',' ';' '\t' '|' '\x01'.
KEEL_DECL [[nodiscard]] std::string delimiter_text(char c) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  std::string out = "'";
  if (c == '\t') {
    out += "\\t";
  } else if (c == '\'' || c == '\\') {
    out += '\\';
    out += c;
  } else if (u >= 0x20 && u < 0x7f) {
    out += c;
  } else {
    out += "\\x";
    out += hex[u >> 4];
    out += hex[u & 0xf];
  }
  out += '\'';
  return out;
}

/// The end of the "no date column" message: the delimiter that split the header and how to
/// choose another, naming it when the header is one field that holds a likely delimiter
/// (';', '\t', ',' or '|', the most frequent one).
KEEL_DECL [[nodiscard]] std::string delimiter_hint(const std::vector<std::string>& header, char delimiter) {
  std::string out = "; the header was split on " + delimiter_text(delimiter) + " into " +
                    std::to_string(header.size()) + (header.size() == 1 ? " field" : " fields");
  if (header.size() == 1) {
    char best = delimiter;
    std::ptrdiff_t best_count = 0;
    for (const char c : {';', '\t', ',', '|'}) {
      if (c == delimiter) continue;
      const std::ptrdiff_t n = std::count(header.front().begin(), header.front().end(), c);
      if (n > best_count) {
        best = c;
        best_count = n;
      }
    }
    if (best_count > 0)
      return out + ", which contains " + delimiter_text(best) + ": if " + delimiter_text(best) +
             " separates the fields, pass csv_options{.delimiter = " + delimiter_text(best) + "}";
  }
  const char example = delimiter == ';' ? ',' : ';';
  return out +
         "; if another character separates the fields, pass it as csv_options{.delimiter = " + delimiter_text(example) +
         "}";
}

/// True for the normalised column names of a per-symbol (OHLCV) file.
KEEL_DECL [[nodiscard]] bool is_ohlcv_name(std::string_view name) {
  static constexpr std::string_view names[] = {"open",          "high",   "low",       "close",       "adjclose",
                                               "adjustedclose", "volume", "dividends", "stocksplits", "capitalgains"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

/// True for the normalised names of a close column: close, adjclose, adjustedclose.
KEEL_DECL [[nodiscard]] bool is_close_name(std::string_view name) {
  return name == "close" || name == "adjclose" || name == "adjustedclose";
}

/// The one column whose normalised name is `wanted`, or -1 when there is none; invalid_input
/// when two columns normalise to it ("Adj Close" and "adj_close"), since either could be meant.
KEEL_DECL [[nodiscard]] std::ptrdiff_t unique_column(const csv_context& ctx, const std::vector<std::string>& names,
                                                     std::string_view wanted, std::ptrdiff_t header_line) {
  std::ptrdiff_t found = -1;
  for (std::ptrdiff_t j = 0; j < detail::ssize(names); ++j) {
    if (names[static_cast<std::size_t>(j)] != wanted) continue;
    if (found >= 0)
      ctx.fail(header_line, j,
               "columns " + std::to_string(found + 1) + " and " + std::to_string(j + 1) + " both read as " +
                   detail::quoted(wanted) + " (names are compared in lowercase, without punctuation); rename one");
    found = j;
  }
  return found;
}

/// Throws insufficient_data for a price file whose header is its only record.
KEEL_DECL [[noreturn]] void throw_no_data_rows(const csv_context& ctx, std::ptrdiff_t header_line) {
  const std::string what = "no data rows: the header on line " + std::to_string(header_line) + " is the only record";
  throw insufficient_data(message(ctx.fn, ctx.source.empty() ? what : ctx.source + ": " + what), 1, 0);
}

// The symbol columns of a wide header: every column but the date, each named and unique.
KEEL_DECL [[nodiscard]] std::vector<std::ptrdiff_t> wide_symbol_columns(const csv_context& ctx,
                                                                        const std::vector<std::string>& header,
                                                                        std::ptrdiff_t header_line,
                                                                        std::ptrdiff_t date_col) {
  std::vector<std::ptrdiff_t> cols;
  std::unordered_map<std::string_view, std::ptrdiff_t> seen;
  for (std::ptrdiff_t j = 0; j < detail::ssize(header); ++j) {
    if (j == date_col) continue;
    const std::string& name = header[static_cast<std::size_t>(j)];
    if (name.empty())
      ctx.fail(header_line, j,
               "a column with an empty name; in a wide price file every column but the date is "
               "a symbol");
    const auto [it, inserted] = seen.emplace(name, j);
    if (!inserted)
      ctx.fail(
          header_line, j,
          "duplicate symbol " + detail::quoted(name) + ", also the name of column " + std::to_string(it->second + 1));
    cols.push_back(j);
  }
  return cols;
}

// One row per date in any order (wide and per-symbol layouts): the date column and the
// columns `cols`, which become the table's `symbols`. Other columns are not read.
KEEL_DECL [[nodiscard]] price_table read_dated_rows(csv_tokenizer& tokens, const csv_context& ctx, std::ptrdiff_t width,
                                                    std::ptrdiff_t header_line, std::ptrdiff_t date_col,
                                                    const std::vector<std::ptrdiff_t>& cols,
                                                    std::vector<std::string> symbols) {
  const std::ptrdiff_t n_symbols = detail::ssize(cols);
  std::vector<std::chrono::sys_days> days;
  std::vector<std::ptrdiff_t> lines;
  std::vector<double> values;  // row-major, in file order
  std::vector<std::string> cells;
  std::ptrdiff_t line = 0;
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    days.push_back(parse_date_cell(ctx, cells[static_cast<std::size_t>(date_col)], line, date_col));
    lines.push_back(line);
    for (const std::ptrdiff_t j : cols)
      values.push_back(parse_price_cell(ctx, cells[static_cast<std::size_t>(j)], line, j));
  }
  const std::ptrdiff_t n_rows = detail::ssize(days);
  if (n_rows == 0) throw_no_data_rows(ctx, header_line);

  // Some sources write the newest day first: sort, stably, so equal dates stay in file order.
  std::vector<std::ptrdiff_t> order(static_cast<std::size_t>(n_rows));
  std::iota(order.begin(), order.end(), std::ptrdiff_t{0});
  const auto at = [](const auto& v, std::ptrdiff_t i) { return v[static_cast<std::size_t>(i)]; };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::ptrdiff_t a, std::ptrdiff_t b) { return at(days, a) < at(days, b); });
  for (std::ptrdiff_t r = 1; r < n_rows; ++r) {
    const std::ptrdiff_t prev = at(order, r - 1);
    const std::ptrdiff_t cur = at(order, r);
    if (at(days, prev) == at(days, cur))
      ctx.fail(at(lines, cur), date_col,
               "duplicate date " + detail::quoted(date_text(std::chrono::year_month_day(at(days, cur)))) +
                   ", also on line " + std::to_string(at(lines, prev)));
  }

  price_table table;
  table.dates.reserve(static_cast<std::size_t>(n_rows));
  for (const std::ptrdiff_t i : order) table.dates.emplace_back(at(days, i));
  table.symbols = std::move(symbols);
  table.prices.resize(n_rows, n_symbols);
  for (std::ptrdiff_t c = 0; c < n_symbols; ++c)
    for (std::ptrdiff_t r = 0; r < n_rows; ++r) table.prices(r, c) = at(values, at(order, r) * n_symbols + c);
  return table;
}

// Long layout: `date,symbol,close,...`, one row per (date, symbol) in any order.
KEEL_DECL [[nodiscard]] price_table read_long_prices(csv_tokenizer& tokens, csv_context& ctx,
                                                     const std::vector<std::string>& header, std::ptrdiff_t header_line,
                                                     std::ptrdiff_t date_col, std::ptrdiff_t symbol_col,
                                                     std::ptrdiff_t price_col) {
  struct entry {
    std::chrono::sys_days day;
    std::ptrdiff_t symbol;
    double price;
    std::ptrdiff_t line;
  };
  const std::ptrdiff_t width = detail::ssize(header);
  price_table table;
  std::unordered_map<std::string, std::ptrdiff_t> symbol_index;
  std::vector<entry> entries;
  std::vector<std::string> cells;
  std::ptrdiff_t line = 0;
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    const auto day = parse_date_cell(ctx, cells[static_cast<std::size_t>(date_col)], line, date_col);
    const std::string& symbol = cells[static_cast<std::size_t>(symbol_col)];
    if (symbol.empty()) ctx.fail(line, symbol_col, "the symbol is empty");
    const auto [it, inserted] = symbol_index.try_emplace(symbol, detail::ssize(table.symbols));
    if (inserted) table.symbols.push_back(symbol);
    const double price = parse_price_cell(ctx, cells[static_cast<std::size_t>(price_col)], line, price_col);
    entries.push_back({day, it->second, price, line});
  }
  if (entries.empty()) throw_no_data_rows(ctx, header_line);

  std::vector<std::chrono::sys_days> days;
  days.reserve(entries.size());
  for (const entry& e : entries) days.push_back(e.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());

  const std::ptrdiff_t n_rows = detail::ssize(days);
  const std::ptrdiff_t n_symbols = detail::ssize(table.symbols);
  if (n_symbols > 0 && n_rows > std::numeric_limits<std::ptrdiff_t>::max() / n_symbols / 8) throw std::bad_alloc();
  table.dates.assign(days.begin(), days.end());
  table.prices.setConstant(n_rows, n_symbols, std::numeric_limits<double>::quiet_NaN());
  std::vector<std::ptrdiff_t> filled_by(static_cast<std::size_t>(n_rows * n_symbols), 0);
  for (const entry& e : entries) {
    const std::ptrdiff_t r = std::lower_bound(days.begin(), days.end(), e.day) - days.begin();
    const auto cell = static_cast<std::size_t>(e.symbol * n_rows + r);
    if (filled_by[cell] != 0)
      ctx.fail(e.line, symbol_col,
               "duplicate row for symbol " + detail::quoted(table.symbols[static_cast<std::size_t>(e.symbol)]) +
                   " on " + detail::quoted(date_text(std::chrono::year_month_day(e.day))) + ", also on line " +
                   std::to_string(filled_by[cell]));
    filled_by[cell] = e.line;
    table.prices(r, e.symbol) = e.price;
  }
  return table;
}

/// The layouts of a price file (see read_prices_csv).
enum class price_layout { wide, long_rows, per_symbol };

// The price column of a long or per-symbol file: csv_options::price_column when set, else
// adj close / adjusted close, else close, else (long files only) price; -1 when none is found.
KEEL_DECL [[nodiscard]] std::ptrdiff_t price_column(const csv_context& ctx, const std::vector<std::string>& names,
                                                    std::ptrdiff_t header_line, std::string_view wanted,
                                                    price_layout layout) {
  if (!wanted.empty()) return unique_column(ctx, names, wanted, header_line);
  for (const std::string_view name : {"adjclose", "adjustedclose", "close", "price"}) {
    if (name == "price" && layout != price_layout::long_rows) break;
    if (const std::ptrdiff_t j = unique_column(ctx, names, name, header_line); j >= 0) return j;
  }
  return -1;
}

/// The date column: the first named date, timestamp or datetime, else an unnamed first column
/// (pandas' index); invalid_input naming the header and the delimiter tried otherwise.
KEEL_DECL [[nodiscard]] std::ptrdiff_t find_date_column(const csv_context& ctx, const std::vector<std::string>& header,
                                                        const std::vector<std::string>& names,
                                                        std::ptrdiff_t header_line, char delimiter) {
  for (std::ptrdiff_t j = 0; j < detail::ssize(names); ++j) {
    const std::string& n = names[static_cast<std::size_t>(j)];
    if (n == "date" || n == "timestamp" || n == "datetime") return j;
  }
  if (header.front().empty()) return 0;  // pandas' unnamed index
  ctx.fail(header_line, -1,
           "no date column; expected a column named date, timestamp or datetime (any case, "
           "punctuation ignored) or an unnamed first column; header is " +
               header_text(header, delimiter) + delimiter_hint(header, delimiter));
}

/// csv_options::price_column normalised, after checking that it names a column other than
/// the date (empty when not set).
KEEL_DECL [[nodiscard]] std::string wanted_price_column(const csv_context& ctx, const csv_options& options,
                                                        const std::vector<std::string>& names, std::ptrdiff_t date_col,
                                                        std::ptrdiff_t header_line, const std::string& shown) {
  std::string wanted = normalized_name(options.price_column);
  const std::string option = "csv_options::price_column = " + detail::quoted(options.price_column);
  if (!options.price_column.empty() && wanted.empty())
    ctx.fail(option + " has no letter or digit, so it can name no column");
  if (!wanted.empty() && std::find(names.begin(), names.end(), wanted) == names.end())
    ctx.fail(header_line, -1,
             option + " names no column (names are compared in lowercase, without punctuation); header is " + shown);
  if (!wanted.empty() && names[static_cast<std::size_t>(date_col)] == wanted)
    ctx.fail(header_line, date_col, option + " names the date column");
  return wanted;
}

/// The layout: long with a symbol column; per-symbol when every other column is an OHLCV name
/// and one of them is a close (or the requested price column); wide otherwise, with
/// `not_ohlcv` the first column that makes it wide.
KEEL_DECL [[nodiscard]] price_layout detect_layout(const std::vector<std::string>& names, std::ptrdiff_t date_col,
                                                   std::ptrdiff_t symbol_col, const std::string& wanted,
                                                   std::ptrdiff_t& not_ohlcv) {
  not_ohlcv = -1;
  if (symbol_col >= 0) return price_layout::long_rows;
  if (names.size() <= 1) return price_layout::wide;
  bool has_price = false;
  for (std::ptrdiff_t j = 0; j < detail::ssize(names); ++j) {
    if (j == date_col) continue;
    const std::string& n = names[static_cast<std::size_t>(j)];
    if (!is_ohlcv_name(n) && not_ohlcv < 0) not_ohlcv = j;
    if (is_close_name(n) || (!wanted.empty() && n == wanted)) has_price = true;
  }
  return not_ohlcv < 0 && has_price ? price_layout::per_symbol : price_layout::wide;
}

/// The rows of a wide file: one symbol per column (csv_options::symbol renames a lone one).
KEEL_DECL [[nodiscard]] price_table read_wide_layout(csv_tokenizer& tokens, const csv_context& ctx,
                                                     const std::vector<std::string>& header, std::ptrdiff_t header_line,
                                                     std::ptrdiff_t date_col, std::ptrdiff_t not_ohlcv,
                                                     const csv_options& options, const std::string& shown) {
  if (!options.price_column.empty())
    ctx.fail(header_line, not_ohlcv,
             "csv_options::price_column = " + detail::quoted(options.price_column) +
                 " chooses the price column of a per-symbol file (every column but the date "
                 "named open, high, low, close, adj close, adjusted close, volume, dividends, "
                 "stock splits or capital gains) or of a long file (with a symbol or ticker "
                 "column), but this column makes the file wide, one symbol per column; header "
                 "is " +
                 shown);
  std::vector<std::ptrdiff_t> cols = wide_symbol_columns(ctx, header, header_line, date_col);
  std::vector<std::string> symbols;
  for (const std::ptrdiff_t j : cols) symbols.push_back(header[static_cast<std::size_t>(j)]);
  if (!options.symbol.empty()) {
    if (cols.size() != 1)
      ctx.fail(header_line, -1,
               "csv_options::symbol = " + detail::quoted(options.symbol) +
                   " names the one symbol of a per-symbol file or of a wide file with one "
                   "price column, but this wide file has " +
                   std::to_string(cols.size()) + " symbol columns; header is " + shown);
    symbols.front() = options.symbol;
  }
  return read_dated_rows(tokens, ctx, detail::ssize(header), header_line, date_col, cols, std::move(symbols));
}

KEEL_DECL [[nodiscard]] price_table read_prices_text(std::string_view text, const csv_options& options,
                                                     csv_context& ctx, std::string_view file_stem) {
  check_delimiter(ctx, options.delimiter);
  csv_tokenizer tokens(text, options.delimiter, ctx);
  std::vector<std::string> header;
  std::ptrdiff_t header_line = 0;
  if (!tokens.next(header, header_line)) ctx.fail("no header: the input is empty or blank");
  ctx.header = &header;
  const std::string shown = header_text(header, options.delimiter);
  std::vector<std::string> names;
  for (const std::string& h : header) names.push_back(normalized_name(h));
  const std::ptrdiff_t date_col = find_date_column(ctx, header, names, header_line, options.delimiter);
  std::ptrdiff_t symbol_col = -1;
  for (const std::string_view name : {"symbol", "ticker"})
    if (symbol_col < 0) symbol_col = unique_column(ctx, names, name, header_line);
  const std::string wanted = wanted_price_column(ctx, options, names, date_col, header_line, shown);
  std::ptrdiff_t not_ohlcv = -1;
  const price_layout layout = detect_layout(names, date_col, symbol_col, wanted, not_ohlcv);
  if (layout == price_layout::wide)
    return read_wide_layout(tokens, ctx, header, header_line, date_col, not_ohlcv, options, shown);

  const std::ptrdiff_t price_col = price_column(ctx, names, header_line, wanted, layout);
  if (layout == price_layout::long_rows) {
    if (!options.symbol.empty())
      ctx.fail(header_line, symbol_col,
               "csv_options::symbol = " + detail::quoted(options.symbol) +
                   " names the one symbol of a per-symbol file, but this is a long file whose "
                   "symbols come from this column; header is " +
                   shown);
    if (price_col < 0)
      ctx.fail(header_line, -1,
               "unknown long-format header: column " + std::to_string(symbol_col + 1) + " (" +
                   detail::printable(header[static_cast<std::size_t>(symbol_col)]) +
                   ") names symbols, but no column holds prices (expected adj close, adjusted "
                   "close, close or price, or set csv_options::price_column); header is " +
                   shown);
    return read_long_prices(tokens, ctx, header, header_line, date_col, symbol_col, price_col);
  }
  // Per-symbol: a price column exists (the layout rule found one).
  KEEL_ASSERT(price_col >= 0);
  std::string symbol = options.symbol;
  if (symbol.empty()) symbol = file_stem;
  if (symbol.empty()) symbol = header[static_cast<std::size_t>(price_col)];
  return read_dated_rows(tokens, ctx, detail::ssize(header), header_line, date_col, {price_col}, {std::move(symbol)});
}

/// Reads one price file (not a folder).
KEEL_DECL [[nodiscard]] price_table read_price_file(const std::filesystem::path& path, const csv_options& options) {
  const std::string text = detail::read_file(path, "read_prices_csv");
  detail::csv_context ctx{"read_prices_csv", detail::printable(path.string(), 200)};
  return detail::read_prices_text(text, options, ctx, path.stem().string());
}

/// True for a file name ending in .csv, in any case.
KEEL_DECL [[nodiscard]] bool has_csv_extension(const std::filesystem::path& path) {
  return equals_ignoring_case(path.extension().string(), ".csv");
}

/// The *.csv files of a folder (any case, not recursive), sorted by file name; invalid_input
/// naming the folder when it cannot be listed or holds none.
KEEL_DECL [[nodiscard]] std::vector<std::filesystem::path> csv_files_in(const std::filesystem::path& dir,
                                                                        std::string_view fn) {
  const std::string name = detail::quoted(dir.string(), 200);
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec) && has_csv_extension(it->path())) files.push_back(it->path());
  }
  if (ec) throw invalid_input(message(fn, "cannot list the folder " + name + ": " + ec.message()));
  if (files.empty())
    throw invalid_input(message(fn, "the folder " + name +
                                        " holds no .csv file (file names ending in .csv, any "
                                        "case; subfolders are not read)"));
  std::sort(files.begin(), files.end(), [](const std::filesystem::path& a, const std::filesystem::path& b) {
    return a.filename().string() < b.filename().string();
  });
  return files;
}

/// Checks one table of a merge (shape, dates valid and strictly increasing, symbols present,
/// unique across tables, no infinite price); records its symbols in `owner`.
template <class Owner, class Source>
void check_merge_table(std::string_view fn, const price_table& t, std::size_t k, const Source& source, Owner& owner) {
  const std::ptrdiff_t rows = detail::ssize(t.dates);
  const std::ptrdiff_t cols = detail::ssize(t.symbols);
  if (t.prices.rows() != rows || t.prices.cols() != cols)
    throw invalid_input(message(fn, source(k) + " is inconsistent: " + std::to_string(rows) + " dates and " +
                                        std::to_string(cols) + " symbols, but its prices are " +
                                        std::to_string(t.prices.rows()) + " x " + std::to_string(t.prices.cols())));
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    const auto& d = t.dates[static_cast<std::size_t>(i)];
    if (!d.ok())
      throw invalid_input(message(fn, source(k) + ": dates[" + std::to_string(i) + "] is not a valid calendar date"));
    if (i > 0 && !(t.dates[static_cast<std::size_t>(i - 1)] < d))
      throw invalid_input(message(fn, source(k) + ": dates[" + std::to_string(i) + "] = " + date_text(d) +
                                          " does not come after dates[" + std::to_string(i - 1) +
                                          "] = " + date_text(t.dates[static_cast<std::size_t>(i - 1)]) +
                                          "; dates must strictly increase"));
  }
  for (std::ptrdiff_t j = 0; j < cols; ++j) {
    const std::string& symbol = t.symbols[static_cast<std::size_t>(j)];
    if (symbol.empty()) throw invalid_input(message(fn, source(k) + ": symbols[" + std::to_string(j) + "] is empty"));
    const auto [it, inserted] = owner.try_emplace(symbol, std::pair{k, j});
    if (!inserted) {
      if (it->second.first == k)
        throw invalid_input(message(fn, "symbol " + detail::quoted(symbol) + " is twice in " + source(k) +
                                            " (columns " + std::to_string(it->second.second + 1) + " and " +
                                            std::to_string(j + 1) + ")"));
      throw invalid_input(message(
          fn, "symbol " + detail::quoted(symbol) + " is in both " + source(it->second.first) + " and " + source(k)));
    }
    for (std::ptrdiff_t i = 0; i < rows; ++i)
      if (std::isinf(t.prices(i, j)))
        throw_non_finite_at(fn, source(k) + " " + dated_element_text(symbol, i, t.dates[static_cast<std::size_t>(i)]),
                            t.prices(i, j));
  }
}

/// Price tables merged on their dates; `sources` names each table in messages (a file), else
/// "tables[k]". See merge_prices.
KEEL_DECL [[nodiscard]] price_table merge_tables(std::string_view fn, std::span<const price_table> tables,
                                                 const std::vector<std::string>& sources) {
  const auto source = [&](std::size_t k) {
    return k < sources.size() ? sources[k] : "tables[" + std::to_string(k) + "]";
  };
  std::unordered_map<std::string_view, std::pair<std::size_t, std::ptrdiff_t>> owner;
  std::vector<std::chrono::sys_days> days;
  std::ptrdiff_t n_symbols = 0;
  for (std::size_t k = 0; k < tables.size(); ++k) {
    check_merge_table(fn, tables[k], k, source, owner);
    for (const auto& d : tables[k].dates) days.emplace_back(d);
    n_symbols += detail::ssize(tables[k].symbols);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  const std::ptrdiff_t n_rows = detail::ssize(days);
  if (n_symbols > 0 && n_rows > std::numeric_limits<std::ptrdiff_t>::max() / n_symbols / 8) throw std::bad_alloc();

  price_table out;
  out.dates.assign(days.begin(), days.end());
  out.symbols.reserve(static_cast<std::size_t>(n_symbols));
  out.prices.setConstant(n_rows, n_symbols, std::numeric_limits<double>::quiet_NaN());
  std::vector<std::ptrdiff_t> row_of;  // row of each of a table's dates in `out`
  std::ptrdiff_t column = 0;
  for (const price_table& t : tables) {
    const std::ptrdiff_t rows = detail::ssize(t.dates);
    row_of.resize(static_cast<std::size_t>(rows));
    std::ptrdiff_t r = 0;
    for (std::ptrdiff_t i = 0; i < rows; ++i) {  // both date lists are sorted: one merge pass
      const std::chrono::sys_days d(t.dates[static_cast<std::size_t>(i)]);
      while (days[static_cast<std::size_t>(r)] < d) ++r;
      row_of[static_cast<std::size_t>(i)] = r;
    }
    for (std::ptrdiff_t j = 0; j < detail::ssize(t.symbols); ++j, ++column) {
      out.symbols.push_back(t.symbols[static_cast<std::size_t>(j)]);
      for (std::ptrdiff_t i = 0; i < rows; ++i)
        out.prices(row_of[static_cast<std::size_t>(i)], column) = t.prices(i, j);
    }
  }
  return out;
}

/// Reads files and folders (each folder: its *.csv files) and merges them on their dates.
KEEL_DECL [[nodiscard]] price_table read_price_files(const std::vector<std::filesystem::path>& paths,
                                                     const csv_options& options) {
  constexpr std::string_view fn = "read_prices_csv";
  if (paths.empty()) throw invalid_input(message(fn, "no files to read: the list of paths is empty"));
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::path& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> in_dir = csv_files_in(path, fn);
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(path);
    }
  }
  if (!options.symbol.empty() && files.size() > 1)
    throw invalid_input(message(fn, "csv_options::symbol = " + detail::quoted(options.symbol) +
                                        " names the symbol of one file, but there are " + std::to_string(files.size()) +
                                        " files to read"));
  std::vector<price_table> tables;
  std::vector<std::string> sources;
  tables.reserve(files.size());
  for (const std::filesystem::path& file : files) {
    tables.push_back(read_price_file(file, options));
    sources.push_back(detail::printable(file.string(), 200));
  }
  if (tables.size() == 1) return std::move(tables.front());
  return merge_tables(fn, tables, sources);
}

}  // namespace detail

KEEL_DEF csv_table read_csv(std::istream& in, const csv_options& options) {
  detail::csv_context ctx{"read_csv", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_csv_text(text, options, ctx);
}

KEEL_DEF csv_table read_csv(const std::filesystem::path& path, const csv_options& options) {
  const std::string text = detail::read_file(path, "read_csv");
  detail::csv_context ctx{"read_csv", detail::printable(path.string(), 200)};
  return detail::read_csv_text(text, options, ctx);
}

KEEL_DEF price_table read_prices_csv(std::istream& in, const csv_options& options) {
  detail::csv_context ctx{"read_prices_csv", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_prices_text(text, options, ctx, {});
}

KEEL_DEF price_table read_prices_csv(const std::filesystem::path& path, const csv_options& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return detail::read_price_files(std::vector<std::filesystem::path>{path}, options);
  return detail::read_price_file(path, options);
}

KEEL_DEF price_table read_prices_csv(const std::vector<std::filesystem::path>& paths, const csv_options& options) {
  return detail::read_price_files(paths, options);
}

KEEL_DEF std::optional<std::chrono::year_month_day> try_parse_date(std::string_view text) noexcept {
  std::chrono::year_month_day day{};
  if (detail::parse_date(text, day) != detail::date_parse::ok) return std::nullopt;
  return day;
}

KEEL_DEF std::chrono::year_month_day parse_date(std::string_view text) {
  std::chrono::year_month_day day{};
  const detail::date_parse result = detail::parse_date(text, day);
  if (result == detail::date_parse::ok) return day;
  if (result == detail::date_parse::impossible)
    throw invalid_input(detail::message("parse_date", detail::quoted(text) + " is not a valid calendar date"));
  throw invalid_input(detail::message("parse_date", detail::quoted(text) +
                                                        " is not a date (expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, "
                                                        "optionally followed by a time of day)"));
}

KEEL_DEF price_table merge_prices(std::span<const price_table> tables) {
  return detail::merge_tables("merge_prices", tables, {});
}

}  // namespace keel
