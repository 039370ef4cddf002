// SPDX-License-Identifier: MIT
// Shared machinery of keel's example programs: command-line parsing, the one-line error
// convention (exit code 2), loading price files, return series and plain-text tables.
// Every example is `int main(int argc, char** argv) { return keel_example::run(argc, argv, spec, body); }`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel_example {

/// The bundled price file (examples/data), the default input of every example.
inline std::filesystem::path bundled_prices() {
  return std::filesystem::path(KEEL_EXAMPLES_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv";
}

/// A command-line mistake: reported like a data error, as one line with exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One option of an example: `--name VALUE`, or a flag `--name` when `value` is empty.
struct option {
  std::string name;   // without the leading dashes
  std::string value;  // placeholder shown in the usage ("FILE", "N"); empty for a flag
  std::string help;
};

/// What an example accepts, for parsing and for --help.
struct spec {
  std::string program;
  std::string summary;
  std::vector<option> options;
};

/// Parsed options: `--name VALUE` pairs and flags.
class args {
 public:
  args(const spec& s, int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      const std::string_view word = argv[i];
      if (word.substr(0, 2) != "--") throw usage_error("unexpected argument '" + std::string(word) + "'");
      const std::string name(word.substr(2));
      const option* o = nullptr;
      for (const auto& candidate : s.options)
        if (candidate.name == name) o = &candidate;
      if (o == nullptr) throw usage_error("unknown option --" + name + " (see --help)");
      if (o->value.empty()) {
        values_[name] = "";
      } else {
        if (i + 1 >= argc) throw usage_error("option --" + name + " needs a value " + o->value);
        values_[name] = argv[++i];
      }
    }
  }

  [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }

  [[nodiscard]] std::optional<std::string> get(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

  /// The value of --name as a positive integer.
  [[nodiscard]] std::optional<std::ptrdiff_t> get_count(const std::string& name) const {
    const auto text = get(name);
    if (!text) return std::nullopt;
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(*text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text->size() || v <= 0)
      throw usage_error("--" + name + " must be a positive whole number, got '" + *text + "'");
    return static_cast<std::ptrdiff_t>(v);
  }

  /// The value of --name as a comma-separated list ("A,B,C").
  [[nodiscard]] std::vector<std::string> get_list(const std::string& name) const {
    std::vector<std::string> out;
    if (const auto text = get(name)) {
      std::stringstream in(*text);
      for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
      if (out.empty()) throw usage_error("--" + name + " lists no symbols");
    }
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
};

inline void print_usage(const spec& s) {
  std::cout << "usage: " << s.program;
  for (const auto& o : s.options) std::cout << " [--" << o.name << (o.value.empty() ? "" : " " + o.value) << "]";
  std::cout << "\n\n" << s.summary << "\n\noptions:\n";
  for (const auto& o : s.options) {
    std::string left = "  --" + o.name + (o.value.empty() ? "" : " " + o.value);
    if (left.size() < 24) left.resize(24, ' ');
    std::cout << left << " " << o.help << "\n";
  }
}

/// Runs an example: parses the options, calls `body`, and turns any failure into one line on
/// stderr ("program: error: ...") and exit code 2. --help prints the usage and exits 0.
inline int run(int argc, char** argv, const spec& s, const std::function<void(const args&)>& body) {
  try {
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
        print_usage(s);
        return 0;
      }
    const args a(s, argc, argv);
    body(a);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << s.program << ": error: " << e.what() << "\n";
    return 2;
  }
}

/// The price file named by --prices, or the bundled one.
inline keel::price_table load_prices(const args& a) {
  return keel::read_prices_csv(a.get("prices").value_or(bundled_prices().string()));
}

/// Dated daily simple returns of one column (NaN where a price is missing).
using return_series = keel::dated_series<std::chrono::year_month_day, double>;

inline return_series returns_of(const keel::price_table& prices, std::string_view symbol) {
  return keel::simple_returns(prices.column(symbol));
}

/// The equal-weighted average of every column's daily return (missing returns skipped): the
/// market proxy for a price file without an index column, such as the bundled Dow 30.
inline return_series equal_weighted_returns(const keel::price_table& prices) {
  std::vector<std::chrono::year_month_day> keys;
  std::vector<double> values;
  std::vector<return_series> columns;
  for (const auto& symbol : prices.symbols) columns.push_back(returns_of(prices, symbol));
  if (columns.empty()) return {};
  keys = columns.front().keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    double sum = 0;
    int count = 0;
    for (const auto& c : columns)
      if (!std::isnan(c.values()[i])) {
        sum += c.values()[i];
        ++count;
      }
    values.push_back(count > 0 ? sum / count : std::nan(""));
  }
  return {std::move(keys), std::move(values)};
}

/// `x` with `decimals` digits after the point ("%.*f"), or in scientific notation when
/// `scientific_below` is positive and |x| is smaller than it.
inline std::string fixed(double x, int decimals, double scientific_below = 0) {
  char buf[64];
  if (scientific_below > 0 && x != 0 && std::fabs(x) < scientific_below)
    std::snprintf(buf, sizeof buf, "%.*e", decimals > 1 ? decimals - 1 : 1, x);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

/// `x` as a signed percentage with `decimals` digits ("+12.34%").
inline std::string percent(double x, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.*f%%", decimals, 100 * x);
  return buf;
}

/// A plain-text table: left-aligned first column, right-aligned others.
class table {
 public:
  explicit table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  void print(std::ostream& out) const {
    std::vector<std::size_t> width(rows_.front().size(), 0);
    for (const auto& row : rows_)
      for (std::size_t j = 0; j < row.size() && j < width.size(); ++j) width[j] = std::max(width[j], row[j].size());
    for (const auto& row : rows_) {
      for (std::size_t j = 0; j < row.size() && j < width.size(); ++j) {
        const std::string pad(width[j] - row[j].size(), ' ');
        out << (j == 0 ? row[j] + pad : "  " + pad + row[j]);
      }
      out << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace keel_example
