// SPDX-License-Identifier: MIT
// Test support: NIST StRD reference datasets from ../shared/reference/nist (certified values
// as exact decimal text) and the log relative error used to report accuracy.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/shared_data.hpp"

namespace keel_test {

/// A NIST dataset: column names (y first) and the columns as doubles.
struct nist_dataset {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
};

inline nist_dataset read_nist_dataset(const std::filesystem::path& path) {
  std::ifstream in(path);
  nist_dataset d;
  std::string line;
  std::getline(in, line);
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) d.names.push_back(name);
  d.columns.resize(d.names.size());
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream row(line);
    std::size_t j = 0;
    for (std::string cell; std::getline(row, cell, ',') && j < d.columns.size(); ++j)
      d.columns[j].push_back(std::stod(cell));
  }
  return d;
}

/// Certified values of one dataset: quantity name ("params[1].estimate") -> value.
inline std::map<std::string, double> read_nist_certified(const std::filesystem::path& path,
                                                         const std::string& dataset) {
  std::ifstream in(path);
  std::map<std::string, double> out;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string name, quantity, value;
    std::getline(row, name, ',');
    std::getline(row, quantity, ',');
    std::getline(row, value, ',');
    if (name != dataset || quantity.find(".name") != std::string::npos) continue;
    out[quantity] = std::stod(value);
  }
  return out;
}

/// Log relative error: the number of correct significant digits of `computed` (capped at 16
/// for an exact match).
inline double lre(double computed, double certified) {
  const double rel = std::fabs(computed - certified) / std::fabs(certified);
  return rel == 0 ? 16.0 : std::min(16.0, -std::log10(rel));
}

}  // namespace keel_test
