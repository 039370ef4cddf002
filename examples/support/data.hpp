// SPDX-License-Identifier: MIT
// Data for keel's example programs: the bundled files, loading the price files and folders
// named on the command line, return series, and the readers of the two small input files that
// only the teaching examples use (holdings, portfolios, benchmark and limits files are read by
// keel itself: keel::read_holdings, read_portfolios, read_benchmark in keel/portfolio.hpp,
// keel::read_limits in keel/limits.hpp):
//   targets     symbol,weight                  -> target_weight
//   sectors     symbol,sector                  -> the sector of each symbol asked for
// A bad cell is one line naming the file, the line, the column and the text (input_file).
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel_example {

/// The folder of the bundled data (examples/data), looked up once, at run time:
///   1. $KEEL_DATA_DIR when it is set and not empty (an explicit choice wins, used as given);
///   2. `<folder of this program>/../share/keel` when it exists: an installed program
///      (`cmake --install` puts the data in `<prefix>/share/keel` and the programs in
///      `<prefix>/bin`), wherever the prefix was installed or later moved;
///   3. examples/data of the source tree this program was built from (KEEL_EXAMPLES_DATA_DIR,
///      set by examples/CMakeLists.txt): a program run from its build tree.
/// The program's folder is that of /proc/self/exe (Linux); where it cannot be read, step 2 is
/// skipped.
inline const std::filesystem::path& bundled_data_dir() {
  static const std::filesystem::path dir = [] {
    if (const char* env = std::getenv("KEEL_DATA_DIR"); env != nullptr && *env != '\0')
      return std::filesystem::path(env);
    std::error_code ec;
    const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec && program.has_parent_path()) {
      std::filesystem::path installed = program.parent_path().parent_path() / "share" / "keel";
      if (std::filesystem::is_directory(installed, ec)) return installed;
    }
    return std::filesystem::path(KEEL_EXAMPLES_DATA_DIR);
  }();
  return dir;
}

/// The bundled price file, the default input of every example.
inline std::filesystem::path bundled_prices() { return bundled_data_dir() / "dowjones30_daily_1991_2000_fBasics.csv"; }

/// A file of the bundled data, by name (in bundled_data_dir()).
inline std::filesystem::path bundled_file(std::string_view name) { return bundled_data_dir() / name; }

/// The bundled sample portfolio (18 Dow stocks with their sectors).
inline std::filesystem::path bundled_portfolio() { return bundled_file("dow30_portfolio.csv"); }

/// The name of keel's exception class of `e` ("invalid_input", "insufficient_data", ...), for
/// machine-readable error records.
inline std::string error_type(const keel::error& e) {
  if (dynamic_cast<const keel::invalid_input*>(&e)) return "invalid_input";
  if (dynamic_cast<const keel::insufficient_data*>(&e)) return "insufficient_data";
  if (dynamic_cast<const keel::singular_problem*>(&e)) return "singular_problem";
  if (dynamic_cast<const keel::infeasible*>(&e)) return "infeasible";
  return "error";
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

/// A small CSV input file read with keel::read_csv, its cells reached by row and column and
/// its errors reported as "path:line: column 'text' is ...". `kind` and `columns` name the
/// file in messages: "a portfolio file needs the columns symbol,quantity[,sector]".
class input_file {
 public:
  input_file(std::filesystem::path path, std::string kind, std::string columns)
      : path_(std::move(path)), kind_(std::move(kind)), columns_(std::move(columns)), table_(keel::read_csv(path_)) {}

  /// The index of a column the file must have.
  /// \throws keel::invalid_input naming the columns the file needs.
  [[nodiscard]] std::size_t column(std::string_view name) const {
    if (const auto j = optional_column(name)) return *j;
    throw keel::invalid_input(path_.string() + ": " + kind_ + " needs the columns " + columns_);
  }
  /// The index of an optional column, or nullopt.
  [[nodiscard]] std::optional<std::size_t> optional_column(std::string_view name) const {
    const auto j = table_.find(name);
    return j ? std::optional<std::size_t>(static_cast<std::size_t>(*j)) : std::nullopt;
  }
  /// Data rows.
  [[nodiscard]] std::size_t rows() const { return table_.rows.size(); }
  /// "path:line" of a row, for messages.
  [[nodiscard]] std::string where(std::size_t row) const {
    return path_.string() + ":" + std::to_string(table_.lines[row]);
  }
  /// The text of a cell.
  [[nodiscard]] const std::string& text(std::size_t row, std::size_t col) const { return table_.rows[row][col]; }
  /// The text of a cell that must not be empty.
  /// \throws keel::invalid_input "path:line: <column> is empty".
  [[nodiscard]] const std::string& required_text(std::size_t row, std::size_t col) const {
    const std::string& t = text(row, col);
    if (t.empty()) throw keel::invalid_input(where(row) + ": " + table_.header[col] + " is empty");
    return t;
  }
  /// The finite number in a cell.
  /// \throws keel::invalid_input "path:line: <column> '<text>' is not a number".
  [[nodiscard]] double number(std::size_t row, std::size_t col) const {
    const std::string& t = text(row, col);
    std::size_t used = 0;
    double x = 0;
    try {
      x = std::stod(t, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (t.empty() || used != t.size() || !std::isfinite(x))
      throw keel::invalid_input(where(row) + ": " + table_.header[col] + " '" + t + "' is not a number");
    return x;
  }
  /// An error unless the file has rows: "path: <what> has no rows".
  void require_rows(std::string_view what) const {
    if (rows() == 0) throw keel::insufficient_data(path_.string() + ": " + std::string(what) + " has no rows", 1, 0);
  }

 private:
  std::filesystem::path path_;
  std::string kind_, columns_;
  keel::csv_table table_;
};

/// One row of a target weights file.
struct target_weight {
  std::string symbol;  ///< the symbol
  double weight = 0;   ///< its target weight
};

/// A target weights file: symbol,weight, at least one row.
inline std::vector<target_weight> read_targets(const std::filesystem::path& path) {
  const input_file file(path, "a target weights file", "symbol,weight");
  const std::size_t symbol = file.column("symbol"), weight = file.column("weight");
  std::vector<target_weight> out;
  for (std::size_t i = 0; i < file.rows(); ++i) out.push_back({file.required_text(i, symbol), file.number(i, weight)});
  file.require_rows("the target weights file");
  return out;
}

/// A sectors file (symbol,sector): the sector of each of `symbols`.
/// \throws keel::invalid_input for a symbol the file has no sector for.
inline std::vector<std::string> read_sectors(const std::filesystem::path& path,
                                             const std::vector<std::string>& symbols) {
  const input_file file(path, "a sectors file", "symbol,sector");
  const std::size_t symbol = file.column("symbol"), sector = file.column("sector");
  std::map<std::string, std::string, std::less<>> of;
  for (std::size_t i = 0; i < file.rows(); ++i) of[file.required_text(i, symbol)] = file.text(i, sector);
  std::vector<std::string> out;
  for (const auto& s : symbols) {
    const auto it = of.find(s);
    if (it == of.end()) throw keel::invalid_input(path.string() + " has no sector for " + s);
    out.push_back(it->second);
  }
  return out;
}

}  // namespace keel_example
