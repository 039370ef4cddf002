// SPDX-License-Identifier: MIT
// libFuzzer target for keel/csv.hpp. Arbitrary bytes go to read_prices_csv and read_csv, with
// ',' and with ';' as the delimiter. Each call must either throw keel::invalid_input (or, for a
// price file with a header alone, insufficient_data) or return a table that keeps every
// documented invariant; anything else (another exception, a sanitizer report, a broken
// invariant, which traps) is a finding. See CMakeLists.txt for how to run it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <keel/csv.hpp>
#include <keel/series.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "support.hpp"

namespace {

using keel_fuzz::require;

void check(const keel::price_table& t) {
  const auto rows = std::ssize(t.dates);
  const auto cols = std::ssize(t.symbols);
  require(t.prices.rows() == rows);
  require(t.prices.cols() == cols);
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    const auto k = static_cast<std::size_t>(i);
    require(t.dates[k].ok());
    require(i == 0 || t.dates[k - 1] < t.dates[k]);
  }
  const std::set<std::string_view> unique(t.symbols.begin(), t.symbols.end());
  require(std::ssize(unique) == cols);
  require(unique.count("") == 0);
  for (std::ptrdiff_t j = 0; j < cols; ++j) {
    for (std::ptrdiff_t i = 0; i < rows; ++i) require(!std::isinf(t.prices(i, j)));
    const std::string& symbol = t.symbols[static_cast<std::size_t>(j)];
    require(t.contains(symbol) && t.index_of(symbol) == j);
    const auto column = t.column(symbol);
    require(column.size() == rows);
    require(keel::values(column).data() == keel::values(t.column(j)).data() || rows == 0);
    try {  // the columns are valid dated series; returns reject prices <= 0, nothing else
      const auto returns = keel::simple_returns(column);
      require(returns.size() == (rows > 0 ? rows - 1 : 0));
      const auto aligned = keel::align(column, t.column(std::ptrdiff_t{0}));
      require(std::ssize(aligned.keys) <= rows);
    } catch (const keel::invalid_input&) {
    }
  }
}

void check(const keel::csv_table& t) {
  require(!t.header.empty());
  require(t.rows.size() == t.lines.size());
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    require(t.rows[i].size() == t.header.size());
    require(t.lines[i] >= 1 && (i == 0 || t.lines[i - 1] < t.lines[i]));
  }
  if (const auto j = t.find(t.header.front())) require(*j == 0);
}

void run(const std::string& text, char delimiter) {
  const keel::csv_options options{.delimiter = delimiter};
  try {
    std::istringstream in(text);
    check(keel::read_prices_csv(in, options));
  } catch (const keel::invalid_input&) {
  } catch (const keel::insufficient_data& e) {  // a header and no data rows, nothing else
    require(std::string_view(e.what()).find("no data rows") != std::string_view::npos);
  }
  try {
    std::istringstream in(text);
    check(keel::read_csv(in, options));
  } catch (const keel::invalid_input&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  run(text, ',');
  run(text, ';');
  return 0;
}
