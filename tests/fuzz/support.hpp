// SPDX-License-Identifier: MIT
// What keel's libFuzzer targets share: the trap that reports a broken contract, and the reader
// that turns the fuzzer's bytes into numbers (raw doubles, so NaN, infinities, subnormals and
// 1e308 reach every check, or one byte each for a target's own small-number mapping).
// Every target takes `require` from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace keel_fuzz {

/// Traps (the fuzzer's crash) unless `ok`: a contract the function under test broke.
inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

/// The fuzzer's bytes as a stream of numbers.
struct byte_reader {
  const std::uint8_t* data;  ///< the bytes
  std::size_t size;          ///< how many
  std::size_t at = 0;        ///< the next byte
  int fill = 7;              ///< the byte read past the end
  /// The next 8 bytes as a double (0 past the end).
  double raw_double() {
    double v = 0;
    if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
    at += sizeof v;
    return v;
  }
  /// The next byte, 0..255 (`fill` past the end).
  int next_byte() {
    const int b = at < size ? static_cast<int>(data[at]) : fill;
    ++at;
    return b;
  }
};

}  // namespace keel_fuzz
