// SPDX-License-Identifier: MIT
// keel/csv.hpp: reading price files and other CSV files.
//
// Synopsis
//   csv_options                     { delimiter = ',' }
//   csv_table                       a CSV file as text cells: header, rows, the line of each row;
//                                   find(column) -> index of a header
//   read_csv(in | path, options)    any CSV file -> csv_table (portfolio and sector files)
//   price_table                     dates x symbols matrix of prices, NaN where a cell is empty;
//                                   column(symbol | j) -> a DatedSeries; contains; index_of
//   read_prices_csv(in | path, options)
//                                   wide `date,SYM1,SYM2,...` or long `date,symbol,close,...`
//                                   -> price_table
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
//     Nothing else escapes, except std::bad_alloc for input too large for memory.
//   - A price table's missing values are NaN (empty cells and NA-style tokens); the dated
//     functions of keel/series.hpp treat NaN as missing. Prices are not checked for sign here:
//     the return functions reject zero and negative prices.
//   - Dates are calendar days: a time of day is read and ignored, so two rows of one day are
//     duplicates. The whole input is read into memory first (price files are a few MB).
//   - Cost: O(bytes) to tokenise, plus O(rows log rows) to sort by date.
//
// References
//   RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files" (2005).
//   ISO 8601 for the date formats.
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
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// How a CSV file is split into fields.
struct csv_options {
  /// The field separator: ',' by default, ';' for European exports, '\t' for TSV. It may not
  /// be a double quote or a line break (invalid_input). When it is a space or a tab, that
  /// character is no longer trimmed around fields.
  char delimiter = ',';
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

namespace detail {

/// Where a CSV error happened, and how messages name it:
/// "fn: [source ]line L[, column C[ (name)]]: what".
struct csv_context {
  std::string_view fn;                               ///< "read_csv" or "read_prices_csv"
  std::string source;                                ///< the printable path; empty for a stream
  const std::vector<std::string>* header = nullptr;  ///< column names, once the header is read

  [[nodiscard]] std::string at(std::ptrdiff_t line, std::ptrdiff_t column) const {
    std::string out = source.empty() ? std::string() : source + " ";
    out += "line " + std::to_string(line);
    if (column >= 0) {
      out += ", column " + std::to_string(column + 1);
      if (header != nullptr && column < detail::ssize(*header)) {
        const std::string& name = (*header)[static_cast<std::size_t>(column)];
        if (!name.empty()) out += " (" + detail::printable(name) + ")";
      }
    }
    return out;
  }

  /// Throws invalid_input for `what` at a line and a 0-based column (-1: the whole line).
  [[noreturn]] void fail(std::ptrdiff_t line, std::ptrdiff_t column,
                         const std::string& what) const {
    throw invalid_input(message(fn, at(line, column) + ": " + what));
  }

  /// Throws invalid_input for `what` about the whole input.
  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(message(fn, source.empty() ? what : source + ": " + what));
  }
};

inline void check_delimiter(const csv_context& ctx, char delimiter) {
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n')
    throw invalid_input(message(ctx.fn, "the delimiter " +
                                            detail::quoted(std::string_view(&delimiter, 1)) +
                                            " cannot be a double quote or a line break"));
}

/// Splits CSV text into records (RFC 4180 quoting, lenient line endings, blank lines skipped).
/// One record at a time into a caller's vector, so that a 5 MB price file never exists as a
/// million separate strings.
class csv_tokenizer {
 public:
  csv_tokenizer(std::string_view text, char delimiter, const csv_context& ctx)
      : text_(text), delimiter_(delimiter), ctx_(ctx) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // UTF-8 byte order mark
  }

  /// Reads the next record that is not blank into `cells` (reusing their storage) and the
  /// physical line where it starts into `line`. Returns false at the end of the input.
  bool next(std::vector<std::string>& cells, std::ptrdiff_t& line) {
    while (pos_ < text_.size()) {
      line = line_;
      std::size_t n = 0;
      bool any_quoted = false;
      bool more = true;
      while (more) {
        if (n == cells.size()) cells.emplace_back();
        std::string& cell = cells[n];
        cell.clear();
        more = read_field(cell, static_cast<std::ptrdiff_t>(n), any_quoted);
        ++n;
      }
      if (n == 1 && !any_quoted && cells[0].empty()) continue;  // a blank line
      cells.resize(n);
      return true;
    }
    return false;
  }

 private:
  [[nodiscard]] bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  [[nodiscard]] bool ends_field(char c) const { return c == delimiter_ || c == '\n' || c == '\r'; }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // Counts the line breaks (\n, \r\n, lone \r) in text_[first, last) inside a quoted field.
  void count_lines(std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i)
      if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n')))
        ++line_;
  }

  // Reads one field into `cell`; returns true if a delimiter follows (the record goes on).
  bool read_field(std::string& cell, std::ptrdiff_t column, bool& any_quoted) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      any_quoted = true;
      const std::size_t open = pos_;
      const std::ptrdiff_t open_line = line_;
      ++pos_;
      for (;;) {
        const std::size_t close = text_.find('"', pos_);
        if (close == std::string_view::npos)
          ctx_.fail(open_line, column,
                    "unterminated quoted field " + detail::quoted(text_.substr(open)));
        count_lines(pos_, close);
        cell.append(text_.substr(pos_, close - pos_));
        pos_ = close + 1;
        if (pos_ < text_.size() && text_[pos_] == '"') {  // "" is one literal quote
          cell += '"';
          ++pos_;
          continue;
        }
        break;
      }
      skip_space();
      if (pos_ < text_.size() && !ends_field(text_[pos_])) {
        std::size_t stop = pos_;
        while (stop < text_.size() && !ends_field(text_[stop])) ++stop;
        ctx_.fail(line_, column,
                  "text after the closing quote of a quoted field: " +
                      detail::quoted(text_.substr(open, stop - open)));
      }
    } else {
      const std::size_t first = pos_;
      while (pos_ < text_.size() && !ends_field(text_[pos_])) ++pos_;
      std::size_t last = pos_;
      while (last > first && is_space(text_[last - 1])) --last;
      cell.append(text_.substr(first, last - first));
    }
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_++];
    if (c == delimiter_) return true;
    if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::ptrdiff_t line_ = 1;
  char delimiter_;
  const csv_context& ctx_;
};

/// Throws invalid_input ("ragged row") unless a record has as many fields as the header.
inline void require_width(const csv_context& ctx, const std::vector<std::string>& cells,
                          std::ptrdiff_t line, std::ptrdiff_t width) {
  const std::ptrdiff_t n = detail::ssize(cells);
  if (n == width) return;
  const std::string what = "ragged row: " + std::to_string(n) + (n == 1 ? " field" : " fields") +
                           ", but the header has " + std::to_string(width);
  if (n > width)
    ctx.fail(line, width,
             what + "; the first extra field is " +
                 detail::quoted(cells[static_cast<std::size_t>(width)]));
  ctx.fail(line, n, what + "; the row ends after " + detail::quoted(cells.back()));
}

/// The whole content of a stream. Reads through the stream buffer so that an exception mask
/// on the stream cannot turn the normal end of input into an error.
[[nodiscard]] inline std::string read_all(std::istream& in, const csv_context& ctx) {
  if (in.fail()) ctx.fail("the stream is not readable (its failbit or badbit is set)");
  std::streambuf* buf = in.rdbuf();
  if (buf == nullptr) ctx.fail("the stream has no buffer");
  std::string text;
  try {
    char chunk[1 << 14];
    for (;;) {
      const std::streamsize got = buf->sgetn(chunk, static_cast<std::streamsize>(sizeof chunk));
      if (got <= 0) break;
      text.append(chunk, static_cast<std::size_t>(got));
    }
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    ctx.fail(std::string("read error: ") + e.what());
  }
  try {
    in.setstate(std::ios::eofbit);
  } catch (const std::ios_base::failure&) {  // the caller asked for exceptions on eof
  }
  return text;
}

/// The whole content of a file; invalid_input naming the path if it cannot be read.
[[nodiscard]] inline std::string read_file(const std::filesystem::path& path, std::string_view fn) {
  const std::string name = detail::quoted(path.string(), 200);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw invalid_input(message(fn, "cannot read " + name + ": it is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw invalid_input(
        message(fn, "cannot open " + name + ": " + std::generic_category().message(err)));
  }
  return read_all(in, csv_context{fn, detail::printable(path.string(), 200)});
}

[[nodiscard]] inline csv_table read_csv_text(std::string_view text, csv_options options,
                                             csv_context& ctx) {
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

/// A header name reduced to lowercase letters and digits: "Adj Close", "adj_close" and
/// "ADJCLOSE" all become "adjclose".
[[nodiscard]] inline std::string normalized_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out += c;
  }
  return out;
}

[[nodiscard]] inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[nodiscard]] inline bool equals_ignoring_case(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const char c = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (c != lower[i]) return false;
  }
  return true;
}

/// True for a cell that means "no value": empty, NA, N/A, NaN, null, #N/A (any case).
[[nodiscard]] inline bool is_missing_cell(std::string_view s) {
  static constexpr std::string_view tokens[] = {"", "na", "n/a", "nan", "null", "#n/a"};
  for (const std::string_view t : tokens)
    if (equals_ignoring_case(s, t)) return true;
  return false;
}

/// The price in a cell: NaN when missing, else the whole cell as a finite decimal number.
[[nodiscard]] inline double parse_price_cell(const csv_context& ctx, std::string_view cell,
                                             std::ptrdiff_t line, std::ptrdiff_t column) {
  const std::string_view s = trim_blanks(cell);
  if (is_missing_cell(s)) return std::numeric_limits<double>::quiet_NaN();
  // from_chars reads a leading '-' but not '+': allow one '+', not followed by a sign.
  std::string_view body = s;
  if (body.front() == '+') body.remove_prefix(1);
  std::string why;
  if (!body.empty() && (s.front() != '+' || body.front() != '-')) {
    double value = 0;
    const auto [end, ec] =
        std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
    if (ec == std::errc::result_out_of_range)
      why = " (out of the range of double)";
    else if (ec == std::errc{} && end == body.data() + body.size()) {
      if (std::isfinite(value)) return value;
      why = " (prices must be finite)";
    }
  }
  ctx.fail(line, column, detail::quoted(cell) + " is not a number" + why);
}

/// A zone after a time of day: `Z`, `+HH`, `+HHMM` or `+HH:MM` (or the same with '-').
[[nodiscard]] inline bool is_utc_offset(std::string_view zone) {
  const auto digits = [](std::string_view t) {
    return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (zone == "Z") return true;
  if (zone.empty() || (zone[0] != '+' && zone[0] != '-')) return false;
  zone.remove_prefix(1);
  if (zone.size() == 2 || zone.size() == 4) return digits(zone);
  return zone.size() == 5 && zone[2] == ':' && digits(zone.substr(0, 2)) && digits(zone.substr(3));
}

/// Outcome of reading a date cell.
enum class date_parse { ok, malformed, impossible };

/// Reads `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally followed by 'T' or ' ', a time
/// of day (digits, ':' and '.') and a zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`). The time
/// and zone are checked for form and ignored.
[[nodiscard]] inline date_parse parse_date(std::string_view s, std::chrono::year_month_day& out) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto number = [&](std::size_t at, std::size_t count, unsigned& value) {
    if (at + count > s.size()) return false;
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (!is_digit(s[i])) return false;
      value = value * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
  };
  unsigned y = 0;
  unsigned m = 0;
  unsigned d = 0;
  std::size_t pos = 0;
  if (s.size() >= 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4]) {
    if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return date_parse::malformed;
    pos = 10;
  } else if (number(0, 4, y) && number(4, 2, m) && number(6, 2, d)) {
    pos = 8;
  } else {
    return date_parse::malformed;
  }
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return date_parse::malformed;
    ++pos;
    if (pos >= s.size() || !is_digit(s[pos])) return date_parse::malformed;
    while (pos < s.size() && (is_digit(s[pos]) || s[pos] == ':' || s[pos] == '.')) ++pos;
    const std::string_view zone = s.substr(pos);
    if (!zone.empty() && !is_utc_offset(zone)) return date_parse::malformed;
  }
  out = std::chrono::year{static_cast<int>(y)} / std::chrono::month{m} / std::chrono::day{d};
  return out.ok() ? date_parse::ok : date_parse::impossible;
}

/// The day of a date cell; invalid_input naming the cell if it is not a valid date.
[[nodiscard]] inline std::chrono::sys_days parse_date_cell(const csv_context& ctx,
                                                           std::string_view cell,
                                                           std::ptrdiff_t line,
                                                           std::ptrdiff_t column) {
  std::chrono::year_month_day date{};
  const date_parse result = parse_date(trim_blanks(cell), date);
  if (result == date_parse::ok) return std::chrono::sys_days(date);
  if (result == date_parse::impossible)
    ctx.fail(line, column, detail::quoted(cell) + " is not a valid calendar date");
  ctx.fail(line, column,
           detail::quoted(cell) +
               " is not a date (expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, "
               "optionally followed by a time of day)");
}

/// The header as one line of text, for messages.
[[nodiscard]] inline std::string header_text(const std::vector<std::string>& header,
                                             char delimiter) {
  std::string out;
  for (std::size_t j = 0; j < header.size(); ++j) {
    if (j > 0) out += delimiter;
    out += header[j];
  }
  return detail::quoted(out, 120);
}

}  // namespace detail

namespace detail {

// Wide layout: `date,SYM1,SYM2,...`, one row per date in any order.
[[nodiscard]] inline price_table read_wide_prices(csv_tokenizer& tokens, csv_context& ctx,
                                                  const std::vector<std::string>& header,
                                                  std::ptrdiff_t header_line,
                                                  std::ptrdiff_t date_col) {
  const std::ptrdiff_t width = detail::ssize(header);
  std::vector<std::ptrdiff_t> symbol_cols;
  std::unordered_map<std::string_view, std::ptrdiff_t> seen;
  for (std::ptrdiff_t j = 0; j < width; ++j) {
    if (j == date_col) continue;
    const std::string& name = header[static_cast<std::size_t>(j)];
    if (name.empty())
      ctx.fail(header_line, j,
               "a column with an empty name; in a wide price file every column but the date is "
               "a symbol");
    const auto [it, inserted] = seen.emplace(name, j);
    if (!inserted)
      ctx.fail(header_line, j,
               "duplicate symbol " + detail::quoted(name) + ", also the name of column " +
                   std::to_string(it->second + 1));
    symbol_cols.push_back(j);
  }
  const std::ptrdiff_t n_symbols = detail::ssize(symbol_cols);

  std::vector<std::chrono::sys_days> days;
  std::vector<std::ptrdiff_t> lines;
  std::vector<double> values;  // row-major, in file order
  std::vector<std::string> cells;
  std::ptrdiff_t line = 0;
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    days.push_back(parse_date_cell(ctx, cells[static_cast<std::size_t>(date_col)], line, date_col));
    lines.push_back(line);
    for (const std::ptrdiff_t j : symbol_cols)
      values.push_back(parse_price_cell(ctx, cells[static_cast<std::size_t>(j)], line, j));
  }

  // Some sources write the newest day first: sort, stably, so equal dates stay in file order.
  const std::ptrdiff_t n_rows = detail::ssize(days);
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
               "duplicate date " +
                   detail::quoted(date_text(std::chrono::year_month_day(at(days, cur)))) +
                   ", also on line " + std::to_string(at(lines, prev)));
  }

  price_table table;
  table.dates.reserve(static_cast<std::size_t>(n_rows));
  for (const std::ptrdiff_t i : order) table.dates.emplace_back(at(days, i));
  for (const std::ptrdiff_t j : symbol_cols)
    table.symbols.push_back(header[static_cast<std::size_t>(j)]);
  table.prices.resize(n_rows, n_symbols);
  for (std::ptrdiff_t c = 0; c < n_symbols; ++c)
    for (std::ptrdiff_t r = 0; r < n_rows; ++r)
      table.prices(r, c) = at(values, at(order, r) * n_symbols + c);
  return table;
}

// Long layout: `date,symbol,close,...`, one row per (date, symbol) in any order.
[[nodiscard]] inline price_table read_long_prices(csv_tokenizer& tokens, csv_context& ctx,
                                                  const std::vector<std::string>& header,
                                                  std::ptrdiff_t date_col,
                                                  std::ptrdiff_t symbol_col,
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
    const auto day =
        parse_date_cell(ctx, cells[static_cast<std::size_t>(date_col)], line, date_col);
    const std::string& symbol = cells[static_cast<std::size_t>(symbol_col)];
    if (symbol.empty()) ctx.fail(line, symbol_col, "the symbol is empty");
    const auto [it, inserted] = symbol_index.try_emplace(symbol, detail::ssize(table.symbols));
    if (inserted) table.symbols.push_back(symbol);
    const double price =
        parse_price_cell(ctx, cells[static_cast<std::size_t>(price_col)], line, price_col);
    entries.push_back({day, it->second, price, line});
  }

  std::vector<std::chrono::sys_days> days;
  days.reserve(entries.size());
  for (const entry& e : entries) days.push_back(e.day);
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());

  const std::ptrdiff_t n_rows = detail::ssize(days);
  const std::ptrdiff_t n_symbols = detail::ssize(table.symbols);
  if (n_symbols > 0 && n_rows > std::numeric_limits<std::ptrdiff_t>::max() / n_symbols / 8)
    throw std::bad_alloc();
  table.dates.assign(days.begin(), days.end());
  table.prices.setConstant(n_rows, n_symbols, std::numeric_limits<double>::quiet_NaN());
  std::vector<std::ptrdiff_t> filled_by(static_cast<std::size_t>(n_rows * n_symbols), 0);
  for (const entry& e : entries) {
    const std::ptrdiff_t r = std::lower_bound(days.begin(), days.end(), e.day) - days.begin();
    const auto cell = static_cast<std::size_t>(e.symbol * n_rows + r);
    if (filled_by[cell] != 0)
      ctx.fail(e.line, symbol_col,
               "duplicate row for symbol " +
                   detail::quoted(table.symbols[static_cast<std::size_t>(e.symbol)]) + " on " +
                   detail::quoted(date_text(std::chrono::year_month_day(e.day))) +
                   ", also on line " + std::to_string(filled_by[cell]));
    filled_by[cell] = e.line;
    table.prices(r, e.symbol) = e.price;
  }
  return table;
}

[[nodiscard]] inline price_table read_prices_text(std::string_view text, csv_options options,
                                                  csv_context& ctx) {
  check_delimiter(ctx, options.delimiter);
  csv_tokenizer tokens(text, options.delimiter, ctx);
  std::vector<std::string> header;
  std::ptrdiff_t header_line = 0;
  if (!tokens.next(header, header_line)) ctx.fail("no header: the input is empty or blank");
  ctx.header = &header;

  std::vector<std::string> names;
  for (const std::string& h : header) names.push_back(normalized_name(h));
  const auto find_name = [&](std::initializer_list<std::string_view> wanted) -> std::ptrdiff_t {
    for (const std::string_view w : wanted)
      for (std::ptrdiff_t j = 0; j < detail::ssize(names); ++j)
        if (names[static_cast<std::size_t>(j)] == w) return j;
    return -1;
  };

  std::ptrdiff_t date_col = -1;
  for (std::ptrdiff_t j = 0; j < detail::ssize(names) && date_col < 0; ++j) {
    const std::string& n = names[static_cast<std::size_t>(j)];
    if (n == "date" || n == "timestamp" || n == "datetime") date_col = j;
  }
  if (date_col < 0 && header.front().empty()) date_col = 0;  // pandas' unnamed index
  if (date_col < 0)
    ctx.fail(header_line, -1,
             "no date column; expected a column named date, timestamp or datetime (any case, "
             "punctuation ignored) or an unnamed first column; header is " +
                 header_text(header, options.delimiter));

  const std::ptrdiff_t symbol_col = find_name({"symbol", "ticker"});
  if (symbol_col < 0) return read_wide_prices(tokens, ctx, header, header_line, date_col);

  std::ptrdiff_t price_col = find_name({"adjclose", "adjustedclose"});
  if (price_col < 0) price_col = find_name({"close"});
  if (price_col < 0) price_col = find_name({"price"});
  if (price_col < 0)
    ctx.fail(header_line, -1,
             "unknown long-format header: column " + std::to_string(symbol_col + 1) + " (" +
                 detail::printable(header[static_cast<std::size_t>(symbol_col)]) +
                 ") names symbols, but no column holds prices (expected adj close, adjusted "
                 "close, close or price); header is " +
                 header_text(header, options.delimiter));
  return read_long_prices(tokens, ctx, header, date_col, symbol_col, price_col);
}

}  // namespace detail

/// Reads a CSV stream as text cells (RFC 4180; see the file comment for the lenient rules).
///
/// The first record that is not blank is the header; blank lines are skipped; cells are
/// trimmed of spaces and tabs outside quotes. A header-only input is a table with no rows.
/// \returns header, rows (each with header.size() cells) and the line where each row starts.
/// \throws invalid_input for empty input ("no header"), a row whose field count differs from
///         the header's ("ragged row", naming the line and both counts), an unterminated quote
///         (naming the line where the field starts), text after a closing quote, a delimiter
///         that is a quote or a line break, or a stream that cannot be read.
/// Ref: RFC 4180 (2005).
[[nodiscard]] inline csv_table read_csv(std::istream& in, csv_options options = {}) {
  detail::csv_context ctx{"read_csv", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_csv_text(text, options, ctx);
}

/// Reads a CSV file as text cells, as read_csv(std::istream&); messages name the file.
/// \throws invalid_input as the stream form, and naming the path when it cannot be opened.
[[nodiscard]] inline csv_table read_csv(const std::filesystem::path& path,
                                        csv_options options = {}) {
  const std::string text = detail::read_file(path, "read_csv");
  detail::csv_context ctx{"read_csv", detail::printable(path.string(), 200)};
  return detail::read_csv_text(text, options, ctx);
}

/// Reads a price file in either layout into a dates x symbols price_table.
///
/// Header names are matched after normalising: lowercase, everything but letters and digits
/// dropped ("Adj Close", "adj_close" and "ADJCLOSE" are all `adjclose`).
/// - Date column: the first header named `date`, `timestamp` or `datetime`; failing that, a
///   first column with an empty header (pandas' unnamed index).
/// - Long layout, when a header is named `symbol` or `ticker`: one row per (date, symbol) in
///   any order. Prices come from `adjclose`/`adjustedclose`, else `close`, else `price`; other
///   columns (open, high, volume, ...) are ignored. Symbols keep the order of their first
///   appearance; a (date, symbol) pair absent from the file is NaN.
/// - Wide layout otherwise: every column but the date is a symbol (so a yfinance file
///   `Date,Close,High,Low,Open,Volume` has five "symbols"). Rows may come in any order.
/// - Dates: `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally followed by 'T' or ' ', a time
///   of day (digits, ':', '.') and a zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`); the time is
///   ignored. Rows come out sorted by date.
/// - Prices: an empty cell or NA, N/A, NaN, null, #N/A (any case) is missing (NaN); anything
///   else must be a whole decimal number (std::from_chars, one leading '+' allowed) and
///   finite. Signs are not checked here: the return functions reject prices <= 0.
/// \returns the table, with dates strictly increasing and symbols unique (see price_table).
/// \throws invalid_input, naming the line, the column (index and header) and the text, for
///         every error of read_csv and: no date column (naming the header); a long-format header
///         without a price column; an empty or duplicate symbol name in a wide header; an empty
///         symbol cell; a cell that is not a date or not a valid calendar date (2021-02-30); a
///         cell that is not a number; the same date twice (wide) or the same (date, symbol)
///         twice (long), naming both lines.
/// Ref: RFC 4180 (2005); ISO 8601 dates.
[[nodiscard]] inline price_table read_prices_csv(std::istream& in, csv_options options = {}) {
  detail::csv_context ctx{"read_prices_csv", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_prices_text(text, options, ctx);
}

/// Reads a price file, as read_prices_csv(std::istream&); messages name the file.
/// \throws invalid_input as the stream form, and naming the path when it cannot be opened.
[[nodiscard]] inline price_table read_prices_csv(const std::filesystem::path& path,
                                                 csv_options options = {}) {
  const std::string text = detail::read_file(path, "read_prices_csv");
  detail::csv_context ctx{"read_prices_csv", detail::printable(path.string(), 200)};
  return detail::read_prices_text(text, options, ctx);
}

}  // namespace keel
