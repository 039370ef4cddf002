// SPDX-License-Identifier: MIT
// Formatting for keel's example programs: fixed and percent numbers, plain-text tables.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace keel_example {

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
  /// The header (row 0) and the rows, for other renderings (keel-report's HTML page).
  [[nodiscard]] const std::vector<std::vector<std::string>>& rows() const { return rows_; }

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
