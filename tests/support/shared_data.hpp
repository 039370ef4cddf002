// SPDX-License-Identifier: MIT
// Test support: locating ../shared (real price data, certified reference data). A fresh clone
// has no ../shared; tests that need it print "KEEL-SKIP" (ctest reports them as skipped) and
// return without asserting. KEEL_SHARED_DIR in the environment overrides the configured path;
// set it to a missing folder to check that every such test skips cleanly.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace keel_test {

/// The shared folder, if it exists.
inline std::optional<std::filesystem::path> shared_dir() {
  const char* env = std::getenv("KEEL_SHARED_DIR");
  const std::filesystem::path dir =
      env != nullptr ? std::filesystem::path(env) : std::filesystem::path(KEEL_SHARED_DIR);
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return dir;
  return std::nullopt;
}

/// `../shared/<relative>` if it exists; otherwise prints the skip marker and returns nullopt.
inline std::optional<std::filesystem::path> shared_file(const std::string& relative) {
  if (const auto dir = shared_dir()) {
    std::error_code ec;
    if (std::filesystem::exists(*dir / relative, ec)) return *dir / relative;
  }
  std::cout << "KEEL-SKIP: ../shared/" << relative << " is not available\n";
  return std::nullopt;
}

/// The whole content of a file (for tests that feed text to a parser).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace keel_test
