// SPDX-License-Identifier: MIT
// keel/detail/csv_reader.hpp: the CSV tokenizer (RFC 4180, read leniently), its located errors
// ("fn: file line L, column C (name): what") and the date parser, shared by keel/csv.hpp's price
// and table readers and by the small-file readers of keel/portfolio.hpp and keel/limits.hpp.
// Light on purpose (the standard library, error.hpp and the text helpers; no Eigen), so that
// reading a holdings file compiles no numerics. Definitions in csv_reader-inl.hpp: included
// here in header-only mode, by src/csv.cpp (through csv-inl.hpp) in the compiled library.
// IWYU pragma: private, include <keel/csv.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// Outcome of reading a date cell.
enum class date_parse { ok, malformed, impossible };

/// Reads `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYYMMDD`, optionally followed by 'T' or ' ', a time
/// of day (digits, ':' and '.') and a zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`, `+HH`). The time
/// and zone are checked for form and ignored.
KEEL_DECL [[nodiscard]] date_parse parse_date(std::string_view s, std::chrono::year_month_day& out);

/// Where a CSV error happened, and how messages name it:
/// "fn: [source ]line L[, column C[ (name)]]: what".
struct csv_context {
  std::string_view fn;                               ///< "read_csv" or "read_prices_csv"
  std::string source;                                ///< the printable path; empty for a stream
  const std::vector<std::string>* header = nullptr;  ///< column names, once the header is read

  /// "[source ]line L[, column C[ (name)]]" (column 0-based; -1: the whole line).
  KEEL_DECL [[nodiscard]] std::string at(std::ptrdiff_t line, std::ptrdiff_t column) const;

  /// Throws invalid_input for `what` at a line and a 0-based column (-1: the whole line).
  KEEL_DECL [[noreturn]] void fail(std::ptrdiff_t line, std::ptrdiff_t column, const std::string& what) const;

  /// Throws invalid_input for `what` about the whole input.
  KEEL_DECL [[noreturn]] void fail(const std::string& what) const;
};

/// Throws invalid_input naming the delimiter when it is a double quote or a line break.
KEEL_DECL void check_delimiter(const csv_context& ctx, char delimiter);

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
  KEEL_DECL bool next(std::vector<std::string>& cells, std::ptrdiff_t& line);

 private:
  [[nodiscard]] bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  [[nodiscard]] bool ends_field(char c) const { return c == delimiter_ || c == '\n' || c == '\r'; }

  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // Counts the line breaks (\n, \r\n, lone \r) in text_[first, last) inside a quoted field.
  void count_lines(std::size_t first, std::size_t last) {
    for (std::size_t i = first; i < last; ++i)
      if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n'))) ++line_;
  }

  // Reads one field into `cell`; returns true if a delimiter follows (the record goes on).
  KEEL_DECL bool read_field(std::string& cell, std::ptrdiff_t column, bool& any_quoted);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::ptrdiff_t line_ = 1;
  char delimiter_;
  const csv_context& ctx_;
};

/// Throws invalid_input ("ragged row") unless a record has as many fields as the header.
KEEL_DECL void require_width(const csv_context& ctx, const std::vector<std::string>& cells, std::ptrdiff_t line,
                             std::ptrdiff_t width);

/// The whole content of a stream; invalid_input (through ctx) when it cannot be read.
KEEL_DECL [[nodiscard]] std::string read_all(std::istream& in, const csv_context& ctx);

/// The whole content of a file; invalid_input naming the path if it cannot be read.
KEEL_DECL [[nodiscard]] std::string read_file(const std::filesystem::path& path, std::string_view fn);

/// A header name reduced to lowercase letters and digits: "Adj Close", "adj_close" and
/// "ADJCLOSE" all become "adjclose".
KEEL_DECL [[nodiscard]] std::string normalized_name(std::string_view name);

/// `s` without leading and trailing spaces and tabs.
KEEL_DECL [[nodiscard]] std::string_view trim_blanks(std::string_view s);

/// The columns of a small input file (holdings, benchmark, limits), found by their normalised
/// names: `index[k]` is the column of `known[k]`, or -1 when the file has none.
/// \throws invalid_input at the header's line for a column not in `known` (naming it and the
///         known ones), two columns of one name, or a missing `required` one (naming `layout`).
KEEL_DECL [[nodiscard]] std::vector<std::ptrdiff_t> find_columns(
    const csv_context& ctx, const std::vector<std::string>& header, std::ptrdiff_t header_line,
    const std::vector<std::string_view>& known, const std::vector<std::string_view>& required, std::string_view layout);

/// The finite number in a cell (one leading '+' allowed).
/// \throws invalid_input at the cell for an empty cell, text that is not a number, or a value
///         out of the range of double or not finite.
KEEL_DECL [[nodiscard]] double parse_number_cell(const csv_context& ctx, std::string_view cell, std::ptrdiff_t line,
                                                 std::ptrdiff_t column);

/// Why a cell is not a finite number, or none: the one number rule of every keel reader (the
/// whole cell, trimmed, as std::from_chars reads it, one leading '+' allowed, not followed by a
/// sign), shared by parse_number_cell and the price reader.
enum class number_parse { ok, not_number, out_of_range, not_finite };

/// Reads the trimmed, non-empty text `s` by the rule of number_parse into `value`.
KEEL_DECL [[nodiscard]] number_parse parse_finite_number(std::string_view s, double& value);

/// The day of a date cell (parse_date's formats).
/// \throws invalid_input at the cell when it is not a date or not a valid calendar date.
KEEL_DECL [[nodiscard]] std::chrono::year_month_day parse_date_text_cell(const csv_context& ctx, std::string_view cell,
                                                                         std::ptrdiff_t line, std::ptrdiff_t column);

/// The text of a cell that must not be empty. \throws invalid_input at the cell when empty.
KEEL_DECL [[nodiscard]] const std::string& required_cell(const csv_context& ctx, const std::vector<std::string>& cells,
                                                         std::ptrdiff_t line, std::ptrdiff_t column);

/// The loop every small-file reader shares (holdings, benchmark, limits): reads the header,
/// finds the columns (find_columns: `known`, `required`, `layout`), then calls
/// row(cells, line, columns) for each record, checked to have the header's width; columns[k]
/// is the index of known[k], -1 when absent. \returns the header's line.
/// \throws invalid_input (through ctx) for an empty input, a bad header or a ragged row, and
///         what `row` throws.
template <class Row>
std::ptrdiff_t for_each_row(std::string_view text, char delimiter, csv_context& ctx,
                            const std::vector<std::string_view>& known, const std::vector<std::string_view>& required,
                            std::string_view layout, Row&& row) {
  check_delimiter(ctx, delimiter);
  csv_tokenizer tokens(text, delimiter, ctx);
  std::vector<std::string> header;
  std::ptrdiff_t header_line = 0;
  if (!tokens.next(header, header_line)) ctx.fail("no header: the input is empty or blank");
  ctx.header = &header;
  // ctx outlives this call and must not point at the header once it is gone.
  struct forget_header {
    csv_context& c;
    ~forget_header() { c.header = nullptr; }
  } forget{ctx};
  const std::vector<std::ptrdiff_t> columns = find_columns(ctx, header, header_line, known, required, layout);
  const std::ptrdiff_t width = detail::ssize(header);
  std::vector<std::string> cells;
  std::ptrdiff_t line = 0;
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    row(std::as_const(cells), line, columns);
    cells.clear();
  }
  return header_line;
}

}  // namespace keel::detail

#if KEEL_HEADER_ONLY
#include <keel/detail/csv_reader-inl.hpp>
#endif
