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
  std::vector<risk_limit> out;
  for_each_row(
      text, options.delimiter, ctx, {"metric", "limit", "severity"}, {"metric", "limit"}, "metric,limit[,severity]",
      [&](const std::vector<std::string>& cells, std::ptrdiff_t line, const std::vector<std::ptrdiff_t>& col) {
        const auto cell = [&](std::size_t k) -> const std::string& { return cells[static_cast<std::size_t>(col[k])]; };
        // The file, line and column go in front of the parsers' own words.
        risk_limit r{};
        r.metric = parse_limit_metric_or(
            cell(0), [&](const std::string& what) -> limit_metric { ctx.fail(line, col[0], what); });
        r.limit = parse_number_cell(ctx, cell(1), line, col[1]);
        if (col[2] >= 0)
          r.severity = parse_limit_severity_or(
              cell(2), [&](const std::string& what) -> limit_severity { ctx.fail(line, col[2], what); });
        out.push_back(r);
      });
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
