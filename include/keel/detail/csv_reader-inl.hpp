// SPDX-License-Identifier: MIT
// keel/detail/csv_reader-inl.hpp: the definitions of keel/detail/csv_reader.hpp (the CSV
// tokenizer, its located errors, the date parser). Included by csv_reader.hpp in header-only
// mode and by csv-inl.hpp (so by src/csv.cpp, once) in the compiled library.
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
#include <ios>
#include <istream>
#include <new>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/csv_reader.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

KEEL_DEF std::string csv_context::at(std::ptrdiff_t line, std::ptrdiff_t column) const {
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

KEEL_DEF void csv_context::fail(std::ptrdiff_t line, std::ptrdiff_t column, const std::string& what) const {
  throw invalid_input(message(fn, at(line, column) + ": " + what));
}

KEEL_DEF void csv_context::fail(const std::string& what) const {
  throw invalid_input(message(fn, source.empty() ? what : source + ": " + what));
}

KEEL_DEF void check_delimiter(const csv_context& ctx, char delimiter) {
  if (delimiter == '"' || delimiter == '\r' || delimiter == '\n')
    throw invalid_input(message(ctx.fn, "the delimiter " + detail::quoted(std::string_view(&delimiter, 1)) +
                                            " cannot be a double quote or a line break"));
}

KEEL_DEF bool csv_tokenizer::next(std::vector<std::string>& cells, std::ptrdiff_t& line) {
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

KEEL_DEF bool csv_tokenizer::read_field(std::string& cell, std::ptrdiff_t column, bool& any_quoted) {
  skip_space();
  if (pos_ < text_.size() && text_[pos_] == '"') {
    any_quoted = true;
    const std::size_t open = pos_;
    const std::ptrdiff_t open_line = line_;
    ++pos_;
    for (;;) {
      const std::size_t close = text_.find('"', pos_);
      if (close == std::string_view::npos)
        ctx_.fail(open_line, column, "unterminated quoted field " + detail::quoted(text_.substr(open)));
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
                "text after the closing quote of a quoted field: " + detail::quoted(text_.substr(open, stop - open)));
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

KEEL_DEF void require_width(const csv_context& ctx, const std::vector<std::string>& cells, std::ptrdiff_t line,
                            std::ptrdiff_t width) {
  const std::ptrdiff_t n = detail::ssize(cells);
  if (n == width) return;
  const std::string what = "ragged row: " + std::to_string(n) + (n == 1 ? " field" : " fields") +
                           ", but the header has " + std::to_string(width);
  if (n > width)
    ctx.fail(line, width,
             what + "; the first extra field is " + detail::quoted(cells[static_cast<std::size_t>(width)]));
  ctx.fail(line, n, what + "; the row ends after " + detail::quoted(cells.back()));
}

// Reads through the stream buffer so that an exception mask on the stream cannot turn the
// normal end of input into an error.
KEEL_DEF std::string read_all(std::istream& in, const csv_context& ctx) {
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

KEEL_DEF std::string read_file(const std::filesystem::path& path, std::string_view fn) {
  const std::string name = detail::quoted(path.string(), 200);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw invalid_input(message(fn, "cannot read " + name + ": it is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw invalid_input(message(fn, "cannot open " + name + ": " + std::generic_category().message(err)));
  }
  return read_all(in, csv_context{fn, detail::printable(path.string(), 200)});
}

KEEL_DEF std::string normalized_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z')
      out += static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
      out += c;
  }
  return out;
}

KEEL_DEF std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// A zone after a time of day: `Z`, `+HH`, `+HHMM` or `+HH:MM` (or the same with '-').
KEEL_DECL [[nodiscard]] bool is_utc_offset(std::string_view zone) {
  const auto digits = [](std::string_view t) {
    return std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (zone == "Z") return true;
  if (zone.empty() || (zone[0] != '+' && zone[0] != '-')) return false;
  zone.remove_prefix(1);
  if (zone.size() == 2 || zone.size() == 4) return digits(zone);
  return zone.size() == 5 && zone[2] == ':' && digits(zone.substr(0, 2)) && digits(zone.substr(3));
}

KEEL_DEF date_parse parse_date(std::string_view s, std::chrono::year_month_day& out) {
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

KEEL_DEF std::vector<std::ptrdiff_t> find_columns(const csv_context& ctx, const std::vector<std::string>& header,
                                                  std::ptrdiff_t header_line,
                                                  const std::vector<std::string_view>& known,
                                                  const std::vector<std::string_view>& required,
                                                  std::string_view layout) {
  std::vector<std::ptrdiff_t> index(known.size(), -1);
  for (std::ptrdiff_t j = 0; j < detail::ssize(header); ++j) {
    const std::string name = normalized_name(header[static_cast<std::size_t>(j)]);
    std::size_t k = 0;
    while (k < known.size() && normalized_name(known[k]) != name) ++k;
    if (k == known.size()) {
      std::string list;
      for (const std::string_view n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      ctx.fail(header_line, j,
               "unknown column " + detail::quoted(header[static_cast<std::size_t>(j)]) + " (known: " + list + ")");
    }
    if (index[k] >= 0)
      ctx.fail(header_line, j,
               "columns " + std::to_string(index[k] + 1) + " and " + std::to_string(j + 1) + " both read as " +
                   detail::quoted(known[k]) + " (names are compared in lowercase, without punctuation)");
    index[k] = j;
  }
  for (const std::string_view r : required) {
    std::size_t k = 0;
    while (k < known.size() && known[k] != r) ++k;
    if (k == known.size() || index[k] < 0)
      ctx.fail(header_line, -1,
               "no " + detail::quoted(r) + " column: the file must have the columns " + std::string(layout));
  }
  return index;
}

KEEL_DEF number_parse parse_finite_number(std::string_view s, double& value) {
  // from_chars reads a leading '-' but not '+': allow one '+', not followed by a sign.
  std::string_view body = s;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  if (body.empty() || (s.front() == '+' && body.front() == '-')) return number_parse::not_number;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) return number_parse::out_of_range;
  if (ec != std::errc{} || end != body.data() + body.size()) return number_parse::not_number;
  return std::isfinite(value) ? number_parse::ok : number_parse::not_finite;
}

KEEL_DEF double parse_number_cell(const csv_context& ctx, std::string_view cell, std::ptrdiff_t line,
                                  std::ptrdiff_t column) {
  const std::string_view s = trim_blanks(cell);
  if (s.empty()) ctx.fail(line, column, "the cell is empty (a number is needed)");
  double value = 0;
  const number_parse r = parse_finite_number(s, value);
  if (r == number_parse::ok) return value;
  ctx.fail(line, column,
           detail::quoted(cell) + " is not a number" +
               (r == number_parse::out_of_range ? " (out of the range of double)"
                : r == number_parse::not_finite ? " (it must be finite)"
                                                : ""));
}

KEEL_DEF std::chrono::year_month_day parse_date_text_cell(const csv_context& ctx, std::string_view cell,
                                                          std::ptrdiff_t line, std::ptrdiff_t column) {
  std::chrono::year_month_day date{};
  const date_parse result = parse_date(trim_blanks(cell), date);
  if (result == date_parse::ok) return date;
  if (result == date_parse::impossible) ctx.fail(line, column, detail::quoted(cell) + " is not a valid calendar date");
  ctx.fail(line, column,
           detail::quoted(cell) +
               " is not a date (expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, optionally followed by a time of day)");
}

KEEL_DEF const std::string& required_cell(const csv_context& ctx, const std::vector<std::string>& cells,
                                          std::ptrdiff_t line, std::ptrdiff_t column) {
  const std::string& cell = cells[static_cast<std::size_t>(column)];
  if (cell.empty()) ctx.fail(line, column, "the cell is empty");
  return cell;
}

}  // namespace keel::detail
