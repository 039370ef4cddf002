// SPDX-License-Identifier: MIT
// Data for keel's example programs: the bundled price file, loading the price files and
// folders named on the command line, and return series.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel_example {

/// The bundled price file (examples/data), the default input of every example.
inline std::filesystem::path bundled_prices() {
  return std::filesystem::path(KEEL_EXAMPLES_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv";
}

/// Where the prices come from: the --prices, --delimiter and --price-column options.
struct price_source {
  std::vector<std::string> paths;  ///< files and folders, merged; empty: the bundled file
  std::string delimiter = ",";     ///< one character, or `tab` / `\t`
  std::string price_column;        ///< csv_options::price_column (empty: adj close, else close)
};

/// The delimiter a --delimiter value means: one character, or `tab` or `\t` for a tab.
inline std::optional<char> parse_delimiter(std::string_view text) {
  if (text == "tab" || text == "\\t") return '\t';
  if (text.size() == 1) return text.front();
  return std::nullopt;
}

/// The prices named by `source` (keel::read_prices_csv over every path, merged), or the
/// bundled file. keel's advice to pass csv_options{.delimiter = X} is reworded as this
/// program's `--delimiter X`.
inline keel::price_table load_prices(const price_source& source) {
  const keel::csv_options options{.delimiter = parse_delimiter(source.delimiter).value_or(','),
                                  .price_column = source.price_column};
  std::vector<std::filesystem::path> paths(source.paths.begin(), source.paths.end());
  if (paths.empty()) paths.push_back(bundled_prices());
  try {
    return keel::read_prices_csv(paths, options);
  } catch (const keel::invalid_input& e) {
    std::string text = e.what();
    const std::string from = "csv_options{.delimiter = ";
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
      const auto end = text.find('}', at);
      if (end == std::string::npos) break;
      const std::string value = text.substr(at + from.size(), end - at - from.size());
      text.replace(at, end + 1 - at, "--delimiter " + value);
    }
    throw keel::invalid_input(text);
  }
}

/// How the prices were named, for a report's first line: the paths given, or the bundled
/// file's name.
inline std::string describe(const price_source& source) {
  if (source.paths.empty()) return bundled_prices().filename().string();
  std::string out;
  for (const auto& p : source.paths) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

/// Dated simple returns of one column (NaN where a price is missing).
using return_series = keel::dated_series<std::chrono::year_month_day, double>;

/// The simple returns of `symbol` in `prices`, keyed by date.
/// \throws keel::invalid_input for an unknown symbol or a price <= 0.
inline return_series returns_of(const keel::price_table& prices, std::string_view symbol) {
  return keel::simple_returns(prices.column(symbol));
}

/// The equal-weighted average of every column's simple return on each date, over the
/// columns with a return that day (NaN when none has): the market proxy for a price file
/// without an index column, such as the bundled Dow 30.
inline return_series equal_weighted_returns(const keel::price_table& prices) {
  const keel::return_table panel = keel::simple_returns(prices);
  std::vector<double> values;
  values.reserve(panel.dates.size());
  for (Eigen::Index i = 0; i < panel.returns.rows(); ++i) {
    double sum = 0;
    int count = 0;
    for (Eigen::Index j = 0; j < panel.returns.cols(); ++j)
      if (!std::isnan(panel.returns(i, j))) {
        sum += panel.returns(i, j);
        ++count;
      }
    values.push_back(count > 0 ? sum / count : std::nan(""));
  }
  return {panel.dates, std::move(values)};
}

}  // namespace keel_example
