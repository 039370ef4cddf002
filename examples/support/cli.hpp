// SPDX-License-Identifier: MIT
// The command line of keel's example programs, with CLI11 (Debian's libcli11-dev, an
// examples-only dependency): the options every example shares and the one-line error
// convention. An example is
//   CLI::App app{"what it does", "name"};  ...options...
//   return keel_example::run(app, argc, argv, [&] { ...the work... });
// --help prints the usage on stdout and exits 0; a usage error, a bad file or too little data
// prints one line on stderr, "name: error: ...", prints nothing on stdout, and exits 2.
#pragma once

#include <charconv>
#include <chrono>
#include <exception>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>
#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/data.hpp"

namespace keel_example {

/// A command-line mistake found after parsing (a symbol regressed on itself, say): reported
/// like a data error, as one line with exit code 2.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// `text` on one line: line breaks become spaces.
inline std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

/// The --as-of date (YYYY-MM-DD, as in the price files); a usage error naming the text when it
/// is not one.
inline std::chrono::year_month_day parse_as_of(const std::string& text) {
  const auto day = keel::try_parse_date(text);
  if (!day) throw usage_error("--as-of '" + text + "' is not a date (YYYY-MM-DD)");
  return *day;
}

/// A usage error when --as-of (given as `text`) falls after the last date of the prices: a
/// report labelled with a day that has no data would be mislabelled, so it is refused rather
/// than quietly moved to the last date.
inline void check_as_of(const std::optional<std::chrono::year_month_day>& as_of, const std::string& text,
                        const keel::price_table& prices) {
  if (as_of && !prices.dates.empty() && std::chrono::sys_days(*as_of) > std::chrono::sys_days(prices.dates.back()))
    throw usage_error("--as-of " + text + " is after the last date of the prices, " +
                      keel::format_date(prices.dates.back()) +
                      " (a report as of a day without data would be mislabelled)");
}

/// A CLI11 check that a whole number is at least `least` (say so in the option's help).
inline CLI::Validator at_least(long long least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        long long value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc{} || end != text.data() + text.size()) return "'" + text + "' is not a whole number";
        if (value < least) return "must be at least " + std::to_string(least) + ", got " + text;
        return {};
      },
      "");
}

/// --prices (files or folders, repeatable, merged), --delimiter and --price-column.
inline void add_price_options(CLI::App& app, price_source& source) {
  app.add_option("--prices", source.paths,
                 "a price file (wide, long or per-symbol OHLCV) or a folder of *.csv files; "
                 "repeat to merge several on their dates (default: the bundled Dow Jones 30, "
                 "1991-2000)")
      ->type_name("PATH")
      ->allow_extra_args(false);
  app.add_option("--delimiter", source.delimiter, "the field separator of the price files: one character, or tab")
      ->type_name("C")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_delimiter(text) ? std::string() : "'" + text + "' is not one character or tab";
          },
          ""));
  app.add_option("--price-column", source.price_column,
                 "the price column of per-symbol and long files, e.g. Open (default: Adj "
                 "Close, else Close)")
      ->type_name("NAME");
}

/// --periods-per-year N: the annualisation factor (252 for daily data).
inline void add_periods_per_year(CLI::App& app, int& periods) {
  app.add_option("--periods-per-year", periods,
                 "periods per year of the prices, at least 1, for annualising (252 daily, 52 "
                 "weekly, 12 monthly)")
      ->type_name("N")
      ->capture_default_str()
      ->check(at_least(1));
}

/// Parses the command line into `app`'s options and runs `body`. --help prints the usage and
/// returns 0; any failure prints "name: error: what" as one line on stderr and returns 2.
inline int run(CLI::App& app, int argc, char** argv, const std::function<void()>& body) {
  const std::string name = app.get_name();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::cerr << name << ": error: " << one_line(e.what()) << " (see --help)\n";
    return 2;
  }
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << name << ": error: " << one_line(e.what()) << "\n";
    return 2;
  }
}

}  // namespace keel_example
