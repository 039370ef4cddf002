// SPDX-License-Identifier: MIT
// keel/detail/text.hpp: how keel's messages print values, keys, dates and input text. Owned by
// keel/error.hpp's conventions (keel::format_date in series.hpp is the public face of date_text).
// IWYU pragma: private, include <keel/error.hpp>
#pragma once

#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <keel/detail/config.hpp>

namespace keel::detail {

/// A number as the shortest text that reads back to the same value ("0.1", "1e+300", "NaN").
/// Messages quote offending values exactly, so a caller can find them in their data.
[[nodiscard]] inline std::string number_text(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

/// A calendar date as ISO 8601 text (libstdc++ 12 has no chrono formatting yet).
[[nodiscard]] inline std::string date_text(const std::chrono::year_month_day& d) {
  const int y = static_cast<int>(d.year());
  const unsigned m = static_cast<unsigned>(d.month());
  const unsigned day = static_cast<unsigned>(d.day());
  std::string out = std::to_string(y);
  if (y >= 0 && y < 1000) out.insert(0, 4 - out.size(), '0');
  out += m < 10 ? "-0" : "-";
  out += std::to_string(m);
  out += day < 10 ? "-0" : "-";
  out += std::to_string(day);
  return out;
}

/// Caller-supplied text made safe to print, without the quotes of quoted(): quotes and
/// backslashes escaped, non-printable bytes as \xNN, text longer than `max_chars` cut with "...".
/// For names printed in a message's own syntax, e.g. "column 3 (AAPL)".
[[nodiscard]] inline std::string printable(std::string_view text, std::size_t max_chars = 40) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max_chars; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  if (text.size() > max_chars) out += "...";
  return out;
}

/// Caller-supplied text inside a message: quoted, non-printable bytes escaped, long text cut,
/// so that a corrupt file cannot flood a log or a terminal.
[[nodiscard]] inline std::string quoted(std::string_view text, std::size_t max_chars = 40) {
  // Appended rather than "'" + printable(...) + "'": GCC 12 at -O3 reports a false
  // -Wrestrict inside std::string's operator+(const char*, string&&) (GCC PR 105329).
  std::string out = "'";
  out += printable(text, max_chars);
  out += '\'';
  return out;
}

template <class T>
concept streamable = requires(std::ostream& os, const T& t) {
  os << t;
};

/// A key of a dated series (a date, a number, a string or anything streamable) as text.
template <class Key>
[[nodiscard]] std::string key_text(const Key& key) {
  if constexpr (std::same_as<Key, std::chrono::year_month_day>) {
    return date_text(key);
  } else if constexpr (std::same_as<Key, std::chrono::sys_days>) {
    return date_text(std::chrono::year_month_day(key));
  } else if constexpr (std::floating_point<Key>) {
    return number_text(static_cast<double>(key));
  } else if constexpr (std::integral<Key>) {
    return std::to_string(key);
  } else if constexpr (std::convertible_to<const Key&, std::string_view>) {
    return quoted(std::string_view(key));
  } else if constexpr (streamable<Key>) {
    std::ostringstream os;
    os << key;
    return os.str();
  } else {
    return "(unprintable key)";
  }
}

/// "3" or "1, 4, 6": indices in a message.
[[nodiscard]] inline std::string index_list(const std::vector<std::ptrdiff_t>& ids) {
  std::string out;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(ids[i]);
  }
  return out;
}

/// A number rounded to `significant` digits for prose ("0.8333", "1.25e+06"): report text such
/// as a plan's reason, where the exact value sits in a field beside it.
[[nodiscard]] inline std::string rounded_text(double x, int significant = 4) {
  if (!std::isfinite(x)) return number_text(x);
  char buf[40];
  const int len = std::snprintf(buf, sizeof buf, "%.*g", significant, x);
  return std::string(buf, static_cast<std::size_t>(len > 0 ? len : 0));
}

}  // namespace keel::detail
