// SPDX-License-Identifier: MIT
// keel/detail/limits-inl.hpp: the definition of keel/limits.hpp's read_limits over the CSV
// tokenizer of csv_reader.hpp. Included by limits.hpp in header-only mode and by src/limits.cpp
// in the compiled library.
// IWYU pragma: private, include <keel/limits.hpp>
#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/csv_reader.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/limits.hpp>

namespace keel {

namespace detail {

KEEL_DECL [[nodiscard]] std::vector<risk_limit> read_limits_text(std::string_view text,
                                                                 const limits_file_options& options, csv_context& ctx) {
  check_delimiter(ctx, options.delimiter);
  csv_tokenizer tokens(text, options.delimiter, ctx);
  std::vector<std::string> header;
  std::ptrdiff_t header_line = 0;
  if (!tokens.next(header, header_line)) ctx.fail("no header: the input is empty or blank");
  ctx.header = &header;
  const std::vector<std::ptrdiff_t> col = find_columns(ctx, header, header_line, {"metric", "limit", "severity"},
                                                       {"metric", "limit"}, "metric,limit[,severity]");
  std::vector<risk_limit> out;
  const std::ptrdiff_t width = detail::ssize(header);
  std::vector<std::string> cells;
  std::ptrdiff_t line = 0;
  // parse_limit_metric and parse_limit_severity name the text and list the known names; the
  // reader puts the file, line and column in front.
  const auto located = [&](std::ptrdiff_t column, auto&& parse) {
    try {
      return parse(cells[static_cast<std::size_t>(column)]);
    } catch (const invalid_input& e) {
      std::string what = e.what();
      for (const std::string_view prefix : {"parse_limit_metric: ", "parse_limit_severity: "})
        if (what.starts_with(prefix)) what.erase(0, prefix.size());
      ctx.fail(line, column, what);
    }
  };
  while (tokens.next(cells, line)) {
    require_width(ctx, cells, line, width);
    risk_limit r{};
    r.metric = located(col[0], [](const std::string& t) { return parse_limit_metric(t); });
    r.limit = parse_number_cell(ctx, cells[static_cast<std::size_t>(col[1])], line, col[1]);
    if (col[2] >= 0) r.severity = located(col[2], [](const std::string& t) { return parse_limit_severity(t); });
    out.push_back(r);
    cells.clear();
  }
  return out;
}

}  // namespace detail

KEEL_DEF std::vector<risk_limit> read_limits(std::istream& in, const limits_file_options& options) {
  detail::csv_context ctx{"read_limits", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_limits_text(text, options, ctx);
}

KEEL_DEF std::vector<risk_limit> read_limits(const std::filesystem::path& path, const limits_file_options& options) {
  const std::string text = detail::read_file(path, "read_limits");
  detail::csv_context ctx{"read_limits", detail::printable(path.string(), 200)};
  return detail::read_limits_text(text, options, ctx);
}

}  // namespace keel
