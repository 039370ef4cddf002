// SPDX-License-Identifier: MIT
// Tests of keel/csv.hpp: the tokenizer (RFC 4180 and the lenient rules), both price layouts,
// every error message, price_table's columns, random mutations, and the real files of ../shared.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <keel/csv.hpp>
#include <keel/series.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "support/shared_data.hpp"

using Catch::Contains;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

keel::price_table prices(const std::string& text, keel::csv_options options = {}) {
  std::istringstream in(text);
  return keel::read_prices_csv(in, options);
}

keel::csv_table table(const std::string& text, keel::csv_options options = {}) {
  std::istringstream in(text);
  return keel::read_csv(in, options);
}

double num(const char* text) { return std::strtod(text, nullptr); }

std::chrono::year_month_day ymd(int y, unsigned m, unsigned d) {
  return std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d};
}

std::string iso(const std::chrono::year_month_day& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

// Empty when the table keeps every promise of read_prices_csv, else what is broken.
std::string violation(const keel::price_table& t) {
  if (t.prices.rows() != std::ssize(t.dates)) return "rows != dates";
  if (t.prices.cols() != std::ssize(t.symbols)) return "cols != symbols";
  for (std::size_t i = 0; i < t.dates.size(); ++i) {
    if (!t.dates[i].ok()) return "invalid date";
    if (i > 0 && !(t.dates[i - 1] < t.dates[i])) return "dates not strictly increasing";
  }
  const std::set<std::string> unique(t.symbols.begin(), t.symbols.end());
  if (unique.size() != t.symbols.size()) return "duplicate symbol";
  if (unique.count("") != 0) return "empty symbol";
  for (Eigen::Index j = 0; j < t.prices.cols(); ++j)
    for (Eigen::Index i = 0; i < t.prices.rows(); ++i)
      if (std::isinf(t.prices(i, j))) return "infinite price";
  return {};
}

std::string violation(const keel::csv_table& t) {
  if (t.header.empty()) return "empty header";
  if (t.rows.size() != t.lines.size()) return "rows != lines";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    if (t.rows[i].size() != t.header.size()) return "ragged row";
    if (t.lines[i] < 1 || (i > 0 && t.lines[i] <= t.lines[i - 1])) return "lines not increasing";
  }
  return {};
}

std::size_t count_nan(const keel::price_table& t) {
  return static_cast<std::size_t>(t.prices.array().isNaN().count());
}

// A file in the temporary directory, removed at the end of the scope.
struct temp_file {
  fs::path path;
  explicit temp_file(const std::string& content) {
    std::random_device rd;
    path = fs::temp_directory_path() / ("keel_csv_test_" + std::to_string(rd()) + ".csv");
    std::ofstream(path, std::ios::binary) << content;
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Wide layout

TEST_CASE("read_prices_csv reads a wide file exactly", "[csv]") {
  const auto t = prices("date,AAPL,MSFT\n2024-01-02,185.64,370.87\n2024-01-03,184.25,370.6\n");
  REQUIRE(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3)});
  REQUIRE(t.symbols == std::vector<std::string>{"AAPL", "MSFT"});
  REQUIRE(t.prices.rows() == 2);
  REQUIRE(t.prices.cols() == 2);
  CHECK(t.prices(0, 0) == num("185.64"));
  CHECK(t.prices(0, 1) == num("370.87"));
  CHECK(t.prices(1, 0) == num("184.25"));
  CHECK(t.prices(1, 1) == num("370.6"));
  CHECK(violation(t).empty());
}

TEST_CASE("numbers are whole cells read as strtod reads them", "[csv]") {
  const char* texts[] = {"0.1",
                         "1e-5",
                         ".5",
                         "5.",
                         "-3.25",
                         "0",
                         "1E+10",
                         "123456789.123456789",
                         "4.9e-324",
                         "-0",
                         "1.7976931348623157e308"};
  for (const char* text : texts) {
    INFO(text);
    const auto t = prices(std::string("date,X\n2024-01-02,") + text + "\n");
    CHECK(t.prices(0, 0) == num(text));
  }
  CHECK(prices("date,X\n2024-01-02,+1.5\n").prices(0, 0) == 1.5);      // one leading '+'
  CHECK(prices("date,X\n2024-01-02, \t2.5 \n").prices(0, 0) == 2.5);   // trimmed
  CHECK(prices("date,X\n2024-01-02,\" 2.5\"\n").prices(0, 0) == 2.5);  // quoted, then trimmed
}

TEST_CASE("empty cells and NA tokens are NaN", "[csv]") {
  const auto t = prices(
      "date,A,B,C,D,E,F,G,H\n"
      "2024-01-02,,NA,n/a,NaN,null,#N/A,nA,  NULL \n"
      "2024-01-03,1,2,3,4,5,6,7,8\n");
  REQUIRE(t.prices.cols() == 8);
  for (Eigen::Index j = 0; j < 8; ++j) {
    CHECK(std::isnan(t.prices(0, j)));
    CHECK(t.prices(1, j) == static_cast<double>(j + 1));
  }
}

TEST_CASE("wide rows in any order are sorted by date", "[csv]") {
  const auto t = prices(
      "Date,A,B\n"
      "2024-01-04,3,30\n"
      "2024-01-02,1,10\n"
      "2024-01-03,2,20\n");
  REQUIRE(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4)});
  CHECK(t.prices(0, 0) == 1);
  CHECK(t.prices(1, 1) == 20);
  CHECK(t.prices(2, 0) == 3);
  CHECK(t.prices(2, 1) == 30);
}

TEST_CASE("date columns: names, position and pandas' unnamed index", "[csv]") {
  SECTION("spellings") {
    for (const char* name :
         {"date", "Date", "DATE", "timestamp", "Date Time", "date_time", "DateTime"}) {
      INFO(name);
      const auto t = prices(std::string(name) + ",A\n2024-01-02,1\n");
      CHECK(t.symbols == std::vector<std::string>{"A"});
      CHECK(t.dates == std::vector{ymd(2024, 1, 2)});
    }
  }
  SECTION("not first") {
    const auto t = prices("AAPL,Date,MSFT\n1,2024-01-02,2\n");
    CHECK(t.symbols == std::vector<std::string>{"AAPL", "MSFT"});
    CHECK(t.prices(0, 1) == 2);
  }
  SECTION("an unnamed first column") {
    const auto t = prices(",AAPL,MSFT\n2024-01-02,1,2\n");
    CHECK(t.symbols == std::vector<std::string>{"AAPL", "MSFT"});
    CHECK(t.dates == std::vector{ymd(2024, 1, 2)});
  }
  SECTION("the first date-like column wins; a later one is a symbol") {
    const auto t = prices("date,timestamp\n2024-01-02,5\n");
    CHECK(t.symbols == std::vector<std::string>{"timestamp"});
  }
  SECTION("a yfinance OHLCV file reads as five symbols") {
    const auto t = prices("Date,Close,High,Low,Open,Volume\n2024-01-02,1,2,0.5,1.5,100\n");
    CHECK(t.symbols == std::vector<std::string>{"Close", "High", "Low", "Open", "Volume"});
    CHECK(t.prices(0, 4) == 100);
  }
}

TEST_CASE("date formats, with and without a time of day", "[csv]") {
  const char* good[] = {"2024-03-05",
                        "2024/03/05",
                        "20240305",
                        "2024-03-05T16:00:00",
                        "2024-03-05 16:00:00",
                        "2024-03-05 00:00:00.000000",
                        "2024-03-05T16:00:00Z",
                        "2024-03-05T16:00:00+05:30",
                        "2024-03-05T16:00:00-05:00",
                        "2024-03-05T16:00:00-0500",
                        "2024-03-05T16:00:00+0000",
                        "2024-03-05T16:00+05",
                        "2024-03-05T09:30",
                        "20240305T1600",
                        "2024/03/05 16:00"};
  for (const char* text : good) {
    INFO(text);
    CHECK(prices(std::string("date,A\n") + text + ",1\n").dates == std::vector{ymd(2024, 3, 5)});
  }
  CHECK(prices("date,A\n2024-02-29,1\n").dates == std::vector{ymd(2024, 2, 29)});  // leap year

  const char* malformed[] = {"2024-3-5",           "03/05/2024",  "2024-03-05T",
                             "2024-03-05X",        "2024-03/05",  "2024-03-05T16:00+5",
                             "2024-03-05T16:00 Z", "March 5",     "202403051",
                             "2024-03-05Z",        "x2024-03-05", "2024-03-05 T16"};
  for (const char* text : malformed) {
    INFO(text);
    CHECK_THROWS_WITH(prices(std::string("date,A\n") + text + ",1\n"),
                      Contains("is not a date") && Contains("line 2, column 1 (date)"));
  }
  for (const char* text : {"2021-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00"}) {
    INFO(text);
    CHECK_THROWS_WITH(prices(std::string("date,A\n") + text + ",1\n"),
                      Contains("is not a valid calendar date") &&
                          Contains("'" + std::string(text) + "'") && Contains("line 2"));
  }
}

TEST_CASE("header-only files are valid empty tables", "[csv]") {
  SECTION("wide") {
    const auto t = prices("date,A,B\n");
    CHECK(t.dates.empty());
    CHECK(t.symbols == std::vector<std::string>{"A", "B"});
    CHECK(t.prices.rows() == 0);
    CHECK(t.prices.cols() == 2);
    CHECK(t.column("B").size() == 0);
    CHECK(keel::simple_returns(t.column(0)).empty());
  }
  SECTION("long") {
    const auto t = prices("date,symbol,close");
    CHECK(t.dates.empty());
    CHECK(t.symbols.empty());
    CHECK(t.prices.size() == 0);
  }
  SECTION("text table") {
    const auto t = table("a,b\r\n\r\n");
    CHECK(t.header == std::vector<std::string>{"a", "b"});
    CHECK(t.rows.empty());
  }
  SECTION("a date column and no symbols") {
    const auto t = prices("date\n2024-01-02\n2024-01-03\n");
    CHECK(t.dates.size() == 2);
    CHECK(t.prices.rows() == 2);
    CHECK(t.prices.cols() == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Long layout

TEST_CASE("long files in any order, with the usual header spellings", "[csv]") {
  // Shuffled rows; MSFT has no 2024-01-03 row; symbols keep their first-appearance order.
  SECTION("yfinance style, adjusted close preferred") {
    const auto t = prices(
        "Date,Ticker,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-04,MSFT,1,1,1,370.0,369.5,10\n"
        "2024-01-02,AAPL,1,1,1,185.5,185.25,10\n"
        "2024-01-04,AAPL,1,1,1,181.0,180.75,10\n"
        "2024-01-02,MSFT,1,1,1,371.0,370.5,10\n"
        "2024-01-03,AAPL,1,1,1,184.0,183.75,10\n");
    REQUIRE(t.symbols == std::vector<std::string>{"MSFT", "AAPL"});
    REQUIRE(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4)});
    CHECK(t.prices(0, 0) == num("370.5"));
    CHECK(std::isnan(t.prices(1, 0)));  // (2024-01-03, MSFT) is absent
    CHECK(t.prices(2, 0) == num("369.5"));
    CHECK(t.prices(0, 1) == num("185.25"));
    CHECK(t.prices(1, 1) == num("183.75"));
    CHECK(t.prices(2, 1) == num("180.75"));
    CHECK(violation(t).empty());
  }
  SECTION("close when there is no adjusted close") {
    const auto t = prices("timestamp,SYMBOL,open,close\n2024-01-02,X,1,2\n2024-01-01,X,3,4\n");
    CHECK(t.symbols == std::vector<std::string>{"X"});
    CHECK(t.prices(0, 0) == 4);
    CHECK(t.prices(1, 0) == 2);
  }
  SECTION("price when there is no close") {
    const auto t = prices("DATE,symbol,price\n2024-01-02,X,7.25\n");
    CHECK(t.prices(0, 0) == 7.25);
  }
  SECTION("adj_close and AdjustedClose") {
    CHECK(prices("date,ticker,close,adj_close\n2024-01-02,X,2,1\n").prices(0, 0) == 1);
    CHECK(prices("Date,Symbol,Close,AdjustedClose\n2024-01-02,X,2,1\n").prices(0, 0) == 1);
    CHECK(prices("date,ticker,close,ADJCLOSE\n2024-01-02,X,2,1\n").prices(0, 0) == 1);
  }
  SECTION("missing prices, quoted symbols and time-stamped dates") {
    const auto t = prices(
        "date,symbol,close\n"
        "2024-01-02 00:00:00,\"BRK.B\",NA\n"
        "2024-01-02 00:00:00,\"A,B\",1\n"
        "2024-01-03T00:00:00Z,BRK.B,2\n");
    CHECK(t.symbols == std::vector<std::string>{"BRK.B", "A,B"});
    CHECK(std::isnan(t.prices(0, 0)));
    CHECK(t.prices(1, 0) == 2);
    CHECK(t.prices(0, 1) == 1);
    CHECK(std::isnan(t.prices(1, 1)));
  }
}

// ---------------------------------------------------------------------------------------------
// The tokenizer

TEST_CASE("RFC 4180 quoting", "[csv]") {
  SECTION("delimiters, line breaks and doubled quotes inside quotes") {
    const auto t = table(
        "name,note,n\n"
        "\"Smith, J\",\"said \"\"hi\"\"\nthen left\",1\n"
        "plain,\"\",2\n");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0] == std::vector<std::string>{"Smith, J", "said \"hi\"\nthen left", "1"});
    CHECK(t.rows[1] == std::vector<std::string>{"plain", "", "2"});
    CHECK(t.lines == std::vector<std::ptrdiff_t>{2, 4});  // the second row starts on line 4
  }
  SECTION("quoted header names and symbols") {
    const auto t = prices("\"date\",\"A,B\",\"C\"\"D\"\n\"2024-01-02\",\"1.5\",\"2\"\n");
    CHECK(t.symbols == std::vector<std::string>{"A,B", "C\"D"});
    CHECK(t.prices(0, 0) == 1.5);
  }
  SECTION("a quote inside an unquoted field is kept") {
    const auto t = table("a,b\nab\"c,d\"\n");
    CHECK(t.rows[0] == std::vector<std::string>{"ab\"c", "d\""});
  }
  SECTION("spaces around a quoted field are trimmed, inside they are kept") {
    const auto t = table("a,b\n  \" x \"  ,\ty\t\n");
    CHECK(t.rows[0] == std::vector<std::string>{" x ", "y"});
  }
  SECTION("a line of one quoted empty field is a row, not a blank line") {
    const auto t = table("a\n\"\"\n\n");
    REQUIRE(t.rows.size() == 1);
    CHECK(t.rows[0] == std::vector<std::string>{""});
  }
  SECTION("a trailing delimiter is an empty last field") {
    const auto t = table("a,b\n1,");
    CHECK(t.rows[0] == std::vector<std::string>{"1", ""});
  }
  SECTION("a line break inside quotes moves later line numbers") {
    CHECK(table("a,b\n\"x\ny\",1\n\"p\r\n\r\nq\",2\nz,3\n").lines ==
          std::vector<std::ptrdiff_t>{2, 4, 7});
    CHECK(table("a,b\r\"x\r\ry\",1\rz,3\r").lines == std::vector<std::ptrdiff_t>{2, 5});
    CHECK_THROWS_WITH(prices("date,\"A\nB\"\r\n2024-01-02,x\n"),
                      Contains("line 3, column 2 (A\\x0aB): 'x'"));
  }
}

TEST_CASE("line endings, byte order mark and blank lines", "[csv]") {
  const std::vector<keel::price_table> ts = {
      prices("date,A\n2024-01-02,1\n2024-01-03,2\n"),
      prices("date,A\r\n2024-01-02,1\r\n2024-01-03,2\r\n"),
      prices("date,A\r2024-01-02,1\r2024-01-03,2\r"),
      prices("date,A\r\n2024-01-02,1\n2024-01-03,2"),  // mixed, no final line break
      prices("\xEF\xBB\xBF"
             "date,A\r\n2024-01-02,1\r\n2024-01-03,2\r\n"),
      // A BOM after blank lines is part of the header name, which normalises to "date".
      prices("\n  \n\xEF\xBB\xBF"
             "date,A\n2024-01-02,1\n2024-01-03,2\n"),
      prices("\n\ndate,A\n\n2024-01-02,1\n \t \n2024-01-03,2\n\n\n\r\n   \n"),
  };
  for (std::size_t i = 0; i < ts.size(); ++i) {
    INFO("case " << i);
    const auto& t = ts[i];
    CHECK(t.symbols == std::vector<std::string>{"A"});
    CHECK(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3)});
    CHECK(t.prices(0, 0) == 1);
    CHECK(t.prices(1, 0) == 2);
  }
  // Line numbers count blank lines and every style of line break.
  const auto t = table("\r\nh\r\n\r\nx\ry\n\nz");
  CHECK(t.lines == std::vector<std::ptrdiff_t>{4, 5, 7});
  CHECK(table("\xEF\xBB\xBFh\n1\n").header == std::vector<std::string>{"h"});
}

TEST_CASE("other delimiters", "[csv]") {
  SECTION("semicolon") {
    const auto t = prices("date;A;\"B;C\"\n2024-01-02;1.5;2\n", {.delimiter = ';'});
    CHECK(t.symbols == std::vector<std::string>{"A", "B;C"});
    CHECK(t.prices(0, 0) == 1.5);
    CHECK(t.prices(0, 1) == 2);
    const auto c = table("a;b\n1,5;x\n", {.delimiter = ';'});
    CHECK(c.rows[0] == std::vector<std::string>{"1,5", "x"});
  }
  SECTION("tab: tabs separate, spaces are still trimmed") {
    const auto t = prices("date\tA\tB\n2024-01-02\t 1 \t\n", {.delimiter = '\t'});
    CHECK(t.prices(0, 0) == 1);
    CHECK(std::isnan(t.prices(0, 1)));
  }
  SECTION("a quote or a line break cannot be the delimiter") {
    for (const char d : {'"', '\n', '\r'}) {
      CHECK_THROWS_AS(prices("date,A\n", {.delimiter = d}), keel::invalid_input);
      CHECK_THROWS_WITH(table("a\n", {.delimiter = d}),
                        Contains("read_csv") && Contains("delimiter"));
    }
  }
}

TEST_CASE("read_csv keeps text cells and finds columns", "[csv]") {
  const auto t = table(
      "symbol,quantity,sector\n"
      "AAPL, 100 ,Information Technology\n"
      "\"BRK.B\",50,\"Financials\"\n");
  CHECK(t.header == std::vector<std::string>{"symbol", "quantity", "sector"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][1] == "100");
  CHECK(t.rows[1][0] == "BRK.B");
  CHECK(t.lines == std::vector<std::ptrdiff_t>{2, 3});
  CHECK(t.find("sector") == 2);
  CHECK(t.find("Sector") == std::nullopt);  // exact match
  CHECK(t.find("") == std::nullopt);
  CHECK(table("a,a\n1,2\n").find("a") == 0);  // the first of duplicate names
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the line, the column and the offending text

TEST_CASE("malformed numbers", "[csv][errors]") {
  const std::string head = "date,A,AAPL\n2024-01-02,1,2\n2024-01-03,1,";
  CHECK_THROWS_AS(prices(head + "x1.5\n"), keel::invalid_input);
  CHECK_THROWS_WITH(prices(head + "x1.5\n"),
                    Contains("read_prices_csv: line 3, column 3 (AAPL): 'x1.5' is not a number"));
  for (const char* bad :
       {"1.5x", "1,5", "inf", "-inf", "Infinity", "-nan", "nan(1)", "1e999", "-1e999", "1e-999",
        "+", "+-1", "++1", "0x10", "1 2", "$5", "--1", "N.A."}) {
    INFO(bad);
    CHECK_THROWS_WITH(prices(head + "\"" + bad + "\"\n"), Contains("line 3, column 3 (AAPL)") &&
                                                              Contains(keel::detail::quoted(bad)) &&
                                                              Contains("is not a number"));
  }
  // Only the first error is reported, on the line where it is.
  CHECK_THROWS_WITH(prices("date,A\n\n\n2024-01-02,abc\n2024-01-03,def\n"),
                    Contains("line 4") && Contains("'abc'"));
}

TEST_CASE("malformed dates", "[csv][errors]") {
  CHECK_THROWS_AS(prices("date,A\n2024-01-02,1\nJan 3 2024,2\n"), keel::invalid_input);
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\nJan 3 2024,2\n"),
                    Contains("line 3, column 1 (date): 'Jan 3 2024' is not a date"));
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\n,2\n"),
                    Contains("line 3, column 1 (date): '' is not a date"));
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\n\n2021-02-30,2\n"),
                    Contains("line 4, column 1 (date)") && Contains("'2021-02-30'") &&
                        Contains("not a valid calendar date"));
  // The unnamed date column has no name to show.
  CHECK_THROWS_WITH(prices(",A\nyesterday,1\n"), Contains("line 2, column 1: 'yesterday'"));
}

TEST_CASE("duplicate dates in a wide file", "[csv][errors]") {
  const std::string text = "date,A\n2024-01-02,1\n2024-01-03,2\n2024-01-02,3\n";
  CHECK_THROWS_AS(prices(text), keel::invalid_input);
  CHECK_THROWS_WITH(prices(text), Contains("line 4, column 1 (date)") &&
                                      Contains("duplicate date '2024-01-02'") &&
                                      Contains("also on line 2"));
  // The time of day is ignored, so two rows of one day are duplicates too.
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02 10:00,1\n2024-01-02 16:00,2\n"),
                    Contains("line 3") && Contains("line 2") && Contains("'2024-01-02'"));
}

TEST_CASE("duplicate (date, symbol) rows in a long file", "[csv][errors]") {
  const std::string text =
      "date,symbol,close\n2024-01-02,AAPL,1\n2024-01-02,MSFT,2\n2024-01-03,AAPL,3\n"
      "2024-01-02,AAPL,4\n";
  CHECK_THROWS_AS(prices(text), keel::invalid_input);
  CHECK_THROWS_WITH(prices(text), Contains("line 5, column 2 (symbol)") && Contains("'AAPL'") &&
                                      Contains("'2024-01-02'") && Contains("also on line 2"));
  CHECK_THROWS_WITH(prices("date,symbol,close\n2024-01-02,,1\n"),
                    Contains("line 2, column 2 (symbol)") && Contains("symbol is empty"));
  CHECK_THROWS_WITH(prices("date,symbol,close\n2024-01-02,A,x\n"),
                    Contains("line 2, column 3 (close): 'x' is not a number"));
}

TEST_CASE("a long-format header without a price column", "[csv][errors]") {
  CHECK_THROWS_AS(prices("date,symbol,open,volume\n2024-01-02,A,1,2\n"), keel::invalid_input);
  CHECK_THROWS_WITH(prices("date,symbol,open,volume\n2024-01-02,A,1,2\n"),
                    Contains("unknown long-format header") && Contains("line 1") &&
                        Contains("column 2 (symbol)") && Contains("'date,symbol,open,volume'"));
}

TEST_CASE("ragged rows", "[csv][errors]") {
  SECTION("too few fields") {
    const std::string text = "date,A,B\n2024-01-02,1,2\n2024-01-03,1\n";
    CHECK_THROWS_AS(prices(text), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text), Contains("line 3, column 3 (B)") && Contains("ragged row") &&
                                        Contains("2 fields") && Contains("header has 3") &&
                                        Contains("'1'"));
    CHECK_THROWS_WITH(table(text), Contains("read_csv: line 3") && Contains("ragged row"));
  }
  SECTION("too many fields") {
    const std::string text = "date,A\n2024-01-02,1,99\n";
    CHECK_THROWS_WITH(prices(text), Contains("line 2, column 3") && Contains("3 fields") &&
                                        Contains("header has 2") && Contains("'99'"));
    CHECK_THROWS_WITH(table("a,b\n1,2,\n"), Contains("line 2, column 3") && Contains("3 fields"));
  }
}

TEST_CASE("broken quotes", "[csv][errors]") {
  SECTION("unterminated: names the line where the field starts") {
    const std::string text = "date,A\n2024-01-02,\"1.5\n2024-01-03,2\n";
    CHECK_THROWS_AS(prices(text), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text), Contains("line 2, column 2 (A)") && Contains("unterminated") &&
                                        Contains("'\"1.5\\x0a2024-01-03,2"));
    CHECK_THROWS_WITH(table("a,\"b"), Contains("read_csv: line 1, column 2: unterminated"));
  }
  SECTION("text after the closing quote") {
    const std::string text = "date,A\n2024-01-02,\"1.5\"x\n";
    CHECK_THROWS_AS(prices(text), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text), Contains("line 2, column 2 (A)") &&
                                        Contains("text after the closing quote") &&
                                        Contains("'\"1.5\"x'"));
    CHECK_THROWS_WITH(table("\"a\" \"b\",c\n"),
                      Contains("line 1, column 1") && Contains("'\"a\" \"b\"'"));
  }
}

TEST_CASE("bad wide headers", "[csv][errors]") {
  CHECK_THROWS_AS(prices("date,A,B,A\n2024-01-02,1,2,3\n"), keel::invalid_input);
  CHECK_THROWS_WITH(
      prices("date,A,B,A\n2024-01-02,1,2,3\n"),
      Contains("line 1, column 4 (A)") && Contains("duplicate symbol 'A'") && Contains("column 2"));
  CHECK_THROWS_WITH(prices("\n\ndate,A,,B\n"),
                    Contains("line 3, column 3") && Contains("empty name"));
}

TEST_CASE("no date column", "[csv][errors]") {
  const std::string text = "obs,time,DAX,SMI\n1,1991.496154,1628.75,1678.1\n";
  CHECK_THROWS_AS(prices(text), keel::invalid_input);
  CHECK_THROWS_WITH(prices(text), Contains("no date column") && Contains("line 1") &&
                                      Contains("'obs,time,DAX,SMI'") && Contains("timestamp"));
  CHECK_THROWS_WITH(prices("day;A\n", {.delimiter = ';'}), Contains("'day;A'"));
  CHECK(table(text).rows.size() == 1);  // read_csv takes any header
}

TEST_CASE("empty input has no header", "[csv][errors]") {
  for (const char* text : {"", "\n", "\r\n  \n\t\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\r\n"}) {
    INFO(keel::detail::quoted(text));
    CHECK_THROWS_AS(prices(text), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text), Contains("read_prices_csv") && Contains("no header"));
    CHECK_THROWS_WITH(table(text), Contains("read_csv") && Contains("no header"));
  }
}

TEST_CASE("streams: failed, with exceptions enabled, left at the end", "[csv]") {
  std::ifstream missing("/nonexistent/keel/prices.csv");
  CHECK_THROWS_WITH(keel::read_prices_csv(missing), Contains("stream is not readable"));
  CHECK_THROWS_AS(keel::read_csv(missing), keel::invalid_input);

  std::istringstream in("date,A\n2024-01-02,1\n");
  in.exceptions(std::ios::failbit | std::ios::badbit | std::ios::eofbit);
  const auto t = keel::read_prices_csv(in);
  CHECK(t.prices(0, 0) == 1);

  std::istringstream partial("skip me\ndate,A\n2024-01-02,1\n");
  std::string first;
  std::getline(partial, first);  // reading starts where the stream is
  CHECK(keel::read_prices_csv(partial).symbols == std::vector<std::string>{"A"});
  CHECK(partial.eof());
}

// ---------------------------------------------------------------------------------------------
// Files

TEST_CASE("the path overloads read files and name them in messages", "[csv][file]") {
  const temp_file good("date,A,B\n2024-01-03,2,20\n2024-01-02,1,10\n");
  const auto t = keel::read_prices_csv(good.path);
  CHECK(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3)});
  CHECK(t.prices(1, 1) == 20);
  const auto c = keel::read_csv(good.path);
  CHECK(c.rows.size() == 2);
  CHECK(c.lines == std::vector<std::ptrdiff_t>{2, 3});

  const temp_file bad("date,A\n2024-01-02,1\n2024-01-03,oops\n");
  CHECK_THROWS_WITH(
      keel::read_prices_csv(bad.path),
      Contains("read_prices_csv: " + bad.path.string() + " line 3, column 2 (A): 'oops'"));
  const temp_file ragged("a,b\n1\n");
  CHECK_THROWS_WITH(keel::read_csv(ragged.path), Contains(ragged.path.string() + " line 2"));
  const temp_file empty("");
  CHECK_THROWS_WITH(keel::read_csv(empty.path), Contains(empty.path.string() + ": no header"));
}

TEST_CASE("unreadable paths", "[csv][file][errors]") {
  const fs::path nowhere = fs::temp_directory_path() / "keel_csv_test_no_such_dir" / "prices.csv";
  CHECK_THROWS_AS(keel::read_prices_csv(nowhere), keel::invalid_input);
  CHECK_THROWS_WITH(keel::read_prices_csv(nowhere),
                    Contains("read_prices_csv: cannot open") && Contains(nowhere.string()));
  CHECK_THROWS_WITH(keel::read_csv(nowhere), Contains("read_csv") && Contains(nowhere.string()));
  const fs::path dir = fs::temp_directory_path();
  CHECK_THROWS_WITH(keel::read_prices_csv(dir), Contains("directory") && Contains(dir.string()));
}

// ---------------------------------------------------------------------------------------------
// price_table

TEST_CASE("price_table columns are dated series", "[csv][table]") {
  STATIC_REQUIRE(keel::DatedSeries<keel::price_table::column_view>);
  const auto t = prices(
      "date,A,B\n"
      "2024-01-02,100,50\n"
      "2024-01-03,,55\n"
      "2024-01-04,110,NA\n"
      "2024-01-05,121,60.5\n");
  SECTION("values and keys") {
    const auto a = t.column("A");
    REQUIRE(a.size() == 4);
    CHECK(keel::keys(a)[3] == ymd(2024, 1, 5));
    CHECK(keel::values(a)[0] == 100);
    CHECK(std::isnan(keel::values(a)[1]));
    CHECK(keel::values(t.column(1))[3] == num("60.5"));
    CHECK(keel::values(t.column(std::ptrdiff_t{0})).data() == t.prices.col(0).data());  // a view
  }
  SECTION("simple returns: a NaN price makes its two returns NaN") {
    const auto r = keel::simple_returns(t.column("A"));
    REQUIRE(r.size() == 3);
    CHECK(r.keys() == std::vector{ymd(2024, 1, 3), ymd(2024, 1, 4), ymd(2024, 1, 5)});
    CHECK(std::isnan(r.values()[0]));
    CHECK(std::isnan(r.values()[1]));
    CHECK(r.values()[2] == (121.0 - 110.0) / 110.0);
  }
  SECTION("align drops the rows where either is missing") {
    const auto al = keel::align(t.column("A"), t.column("B"));
    CHECK(al.keys == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 5)});
    CHECK(al.first == std::vector{100.0, 121.0});
    CHECK(al.second == std::vector{50.0, 60.5});
    const auto ra = keel::simple_returns(t.column("A"));
    const auto rb = keel::simple_returns(t.column("B"));
    CHECK(keel::align(ra, rb).keys.empty());  // each gap removes two returns: none is left
    const auto full = prices("date,C\n2024-01-02,1\n2024-01-03,2\n2024-01-04,4\n2024-01-05,8\n");
    const auto rc = keel::simple_returns(full.column("C"));
    const auto both = keel::align(ra, rc);
    CHECK(both.keys == std::vector{ymd(2024, 1, 5)});
    CHECK(both.second == std::vector{1.0});
  }
  SECTION("lookups") {
    CHECK(t.contains("A"));
    CHECK_FALSE(t.contains("a"));
    CHECK(t.index_of("B") == 1);
    CHECK_THROWS_AS(t.column("C"), keel::invalid_input);
    CHECK_THROWS_WITH(t.column("C"), Contains("price_table::column: unknown symbol 'C'") &&
                                         Contains("2 symbols: 'A', 'B'"));
    CHECK_THROWS_WITH(t.index_of("zz"), Contains("price_table::index_of") && Contains("'zz'"));
    CHECK_THROWS_WITH(t.column(2), Contains("index 2 is out of range") && Contains("2 symbols"));
    CHECK_THROWS_WITH(t.column(-1), Contains("index -1 is out of range"));
  }
  SECTION("a long symbol list is cut after ten, with the count") {
    std::string header = "date";
    std::string row = "2024-01-02";
    for (int j = 0; j < 25; ++j) {
      header += ",S" + std::to_string(j);
      row += ",1";
    }
    const auto wide = prices(header + "\n" + row + "\n");
    CHECK_THROWS_WITH(wide.column("X"), Contains("25 symbols: 'S0', 'S1'") &&
                                            Contains("'S9', ...") && Contains("(15 more)") &&
                                            !Contains("'S10'"));
  }
  SECTION("a table built by hand (an aggregate) works the same") {
    STATIC_REQUIRE(std::is_aggregate_v<keel::price_table>);
    Eigen::MatrixXd m(2, 1);
    m << 10, 11;
    const keel::price_table hand{
        .dates = {ymd(2024, 1, 2), ymd(2024, 1, 3)}, .symbols = {"Z"}, .prices = m};
    CHECK(keel::simple_returns(hand.column("Z")).values() == std::vector{0.1});
  }
  SECTION("a table altered by its owner into inconsistent shapes is rejected") {
    auto u = t;
    u.dates.pop_back();
    CHECK_THROWS_WITH(u.column("A"), Contains("inconsistent"));
  }
}

// ---------------------------------------------------------------------------------------------
// Robustness: random mutations of valid files either parse with every invariant or throw
// keel::invalid_input (the in-process cousin of tests/fuzz/csv_fuzz.cpp).

namespace {

enum class outcome { parsed, rejected, failed };

template <class F>
outcome run_one(F&& read, std::string& failure) {
  try {
    const auto t = read();
    failure = violation(t);
    return failure.empty() ? outcome::parsed : outcome::failed;
  } catch (const keel::invalid_input&) {
    return outcome::rejected;
  } catch (const std::exception& e) {
    failure = std::string("unexpected exception: ") + e.what();
  } catch (...) {
    failure = "unexpected non-standard exception";
  }
  return outcome::failed;
}

}  // namespace

TEST_CASE("random mutations never crash and keep the invariants", "[csv][robust]") {
  const std::vector<std::string> seeds = {
      "date,AAPL,MSFT\n2024-01-02,185.64,370.87\n2024-01-03,184.25,370.6\n2024-01-04,,NA\n",
      "Date,Ticker,Close,Adj Close\n2024-01-03,B,2,1.5\n2024-01-02,A,1,0.5\n2024-01-02,B,3,2.5\n",
      "\xEF\xBB\xBF\"date\",\"A,1\",\"B\"\"2\"\r\n\"2024/01/"
      "02\",\"1\",2\r\n20240103,+3,4e0\r\n\r\n",
      ",X,Y\n2024-01-05T16:00:00Z,1,2\n2024-01-04 09:30:00.5,3,4\n2024-01-03T00:00-05:00,5,6\n",
      "timestamp;symbol;price\n2024-01-02;\"X;Y\";1\n2024-01-02;Z;#N/A\n",
      "date,A\r2024-02-29,1\r2024-03-01,null\r",
      "symbol,name,sector\nAAPL,\"Apple, Inc.\",Tech\nMSFT,Microsoft,\"Tech\nnology\"\n",
  };
  const std::string alphabet = ",;\"\r\n \t0123456789abcdefxyzADNTZ.+-:/#";
  std::mt19937 rng(20240613u);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  int parsed = 0;
  int rejected = 0;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    std::string s = seeds[static_cast<std::size_t>(iteration) % seeds.size()];
    const std::size_t edits = 1 + pick(4);
    for (std::size_t e = 0; e < edits; ++e) {
      const char byte =
          pick(4) == 0 ? static_cast<char>(pick(256)) : alphabet[pick(alphabet.size())];
      const std::size_t at = pick(s.size() + 1);
      switch (pick(3)) {
        case 0:
          s.insert(at, 1, byte);
          break;
        case 1:
          if (at < s.size()) s.erase(at, 1);
          break;
        default:
          if (at < s.size()) s[at] = byte;
          break;
      }
    }
    for (const char delimiter : {',', ';'}) {
      const keel::csv_options options{.delimiter = delimiter};
      std::string failure;
      const outcome a = run_one([&] { return prices(s, options); }, failure);
      if (a == outcome::failed)
        FAIL("read_prices_csv: " << failure << " on " << keel::detail::quoted(s, 400));
      const outcome b = run_one([&] { return table(s, options); }, failure);
      if (b == outcome::failed)
        FAIL("read_csv: " << failure << " on " << keel::detail::quoted(s, 400));
      (a == outcome::parsed ? parsed : rejected) += 1;
    }
  }
  // Both outcomes are exercised, so the test says something about each.
  CHECK(parsed >= 200);
  CHECK(rejected >= 2000);
}

TEST_CASE("edge inputs parse or throw invalid_input", "[csv][robust]") {
  // Truncated quotes, NUL bytes, extreme years, a lone quote run. The fuzzer (tests/fuzz) has
  // found no failing input so far; add any it finds here.
  const std::vector<std::string> inputs = {
      "date,A\n2024-01-02,1\n\"",
      "\0,\0\n\0,\0"s,
      "date\n\"\n",
      "\"\"\"",
      ",\n,",
      "date,symbol,close\n2024-01-02,A\n",
      "date,symbol,close\n9999-12-31,A,1\n0000-01-01,B,1\n",
  };
  for (const std::string& s : inputs) {
    INFO(keel::detail::quoted(s, 200));
    std::string failure;
    CHECK(run_one([&] { return prices(s); }, failure) != outcome::failed);
    CHECK(failure.empty());
    CHECK(run_one([&] { return table(s); }, failure) != outcome::failed);
    CHECK(failure.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// The real files of ../shared/data, checked against an independent naive parse

namespace {

// Splits on ','; a comma between double quotes does not split, and the quotes are dropped
// (enough for these files, which have no "" escapes and no quoted line breaks).
std::vector<std::string> split_commas(const std::string& line) {
  std::vector<std::string> out(1);
  bool in_quotes = false;
  for (const char c : line) {
    if (c == '"')
      in_quotes = !in_quotes;
    else if (c == ',' && !in_quotes)
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

// The data lines of a file, split by split_commas.
std::vector<std::vector<std::string>> naive_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::vector<std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    out.push_back(split_commas(line));
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Checks read_prices_csv against the naive parse; returns the number of NaN cells.
std::size_t check_against_naive(const fs::path& path, const keel::price_table& t) {
  const auto lines = naive_lines(path);
  REQUIRE(!lines.empty());
  const auto& header = lines.front();
  REQUIRE(t.symbols == std::vector<std::string>(header.begin() + 1, header.end()));
  REQUIRE(t.dates.size() == lines.size() - 1);
  REQUIRE(t.prices.cols() == std::ssize(header) - 1);
  CHECK(violation(t).empty());
  CHECK(iso(t.dates.front()) == lines[1][0]);
  CHECK(iso(t.dates.back()) == lines.back()[0]);
  std::size_t nans = 0;
  std::size_t mismatches = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto& cells = lines[i];
    REQUIRE(cells.size() == header.size());
    const auto r = static_cast<Eigen::Index>(i - 1);
    if (iso(t.dates[i - 1]) != cells[0]) ++mismatches;  // the files are already sorted
    for (std::size_t j = 1; j < cells.size(); ++j) {
      const double got = t.prices(r, static_cast<Eigen::Index>(j - 1));
      if (cells[j].empty()) {
        ++nans;
        if (!std::isnan(got)) ++mismatches;
      } else if (got != std::strtod(cells[j].c_str(), nullptr)) {
        ++mismatches;
      }
    }
  }
  CHECK(mismatches == 0);
  CHECK(count_nan(t) == nans);
  return nans;
}

}  // namespace

TEST_CASE("every CSV file of ../shared/data is read correctly", "[csv][data]") {
  const auto dir = keel_test::shared_file("data");
  if (!dir) return;
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(*dir))
    if (entry.is_regular_file() && entry.path().extension() == ".csv")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 20);
  int priced = 0;
  int text_only = 0;
  for (const auto& path : files) {
    INFO(path.string());
    const auto first = naive_lines(path).front();
    if (lower(first.front()) == "date") {
      const auto t = keel::read_prices_csv(path);
      check_against_naive(path, t);
      ++priced;
    } else {
      // Portfolio-style files: read as text; they have no date column for prices.
      const auto t = keel::read_csv(path);
      CHECK(violation(t).empty());
      CHECK(t.header == first);  // no quoted header names in these files
      const auto lines = naive_lines(path);
      CHECK(t.rows.size() == lines.size() - 1);  // no quoted line breaks either
      for (std::size_t i = 1; i < lines.size() && i - 1 < t.rows.size(); ++i) {
        INFO("row " << i);
        CHECK(t.rows[i - 1] == lines[i]);
      }
      CHECK_THROWS_WITH(keel::read_prices_csv(path),
                        Contains("no date column") && Contains(path.string()));
      ++text_only;
    }
  }
  CHECK(priced >= 20);
  CHECK(text_only == 4);
}

TEST_CASE("sp500_constituents.csv: quoted cells", "[csv][data]") {
  const auto path = keel_test::shared_file("data/sp500_constituents.csv");
  if (!path) return;
  const auto t = keel::read_csv(*path);
  REQUIRE(t.header.size() == 8);
  CHECK(t.rows.size() == 503);
  const auto symbol = t.find("Symbol");
  const auto hq = t.find("Headquarters Location");
  REQUIRE(symbol);
  REQUIRE(hq);
  const auto mmm = std::find_if(t.rows.begin(), t.rows.end(), [&](const auto& row) {
    return row[static_cast<std::size_t>(*symbol)] == "MMM";
  });
  REQUIRE(mmm != t.rows.end());
  CHECK((*mmm)[static_cast<std::size_t>(*hq)] == "Saint Paul, Minnesota");
  CHECK_THROWS_AS(keel::read_prices_csv(*path), keel::invalid_input);
}

TEST_CASE("eustockmarkets is in business time: no date column", "[csv][data]") {
  const auto path = keel_test::shared_file("data/eustockmarkets_daily_1991_1998_R.csv");
  if (!path) return;
  CHECK_THROWS_WITH(keel::read_prices_csv(*path),
                    Contains("no date column") && Contains("'obs,time,DAX,SMI,CAC,FTSE'"));
  const auto t = keel::read_csv(*path);
  CHECK(t.header == std::vector<std::string>{"obs", "time", "DAX", "SMI", "CAC", "FTSE"});
  CHECK(t.rows.size() == 1860);
}

TEST_CASE("NVDA_SPY_daily.csv", "[csv][data]") {
  const auto path = keel_test::shared_file("data/NVDA_SPY_daily.csv");
  if (!path) return;
  const auto t = keel::read_prices_csv(*path);
  CHECK(t.dates.size() == 1538);
  CHECK(t.dates.front() == ymd(2020, 1, 2));
  CHECK(t.dates.back() == ymd(2026, 2, 13));
  CHECK(t.symbols == std::vector<std::string>{"NVDA", "SPY"});
  CHECK(count_nan(t) == 0);
  CHECK(t.prices(0, 0) == num("5.971076"));
  CHECK(t.prices(1537, 1) == num("681.750000"));
  CHECK(keel::simple_returns(t.column("SPY")).size() == 1537);
}

TEST_CASE("sp500_stocks_daily_2023-06_2024-06.csv: missing data", "[csv][data]") {
  const auto path = keel_test::shared_file("data/sp500_stocks_daily_2023-06_2024-06.csv");
  if (!path) return;
  const auto t = keel::read_prices_csv(*path);
  CHECK(t.dates.size() == 252);
  CHECK(t.symbols.size() == 503);
  CHECK(t.dates.front() == ymd(2023, 6, 14));
  CHECK(t.dates.back() == ymd(2024, 6, 13));
  for (const char* empty : {"ABBV", "GEV", "SOLV"}) {
    INFO(empty);
    CHECK(t.prices.col(t.index_of(empty)).array().isNaN().all());
  }
  const auto vlto = t.prices.col(t.index_of("VLTO"));
  CHECK(vlto.head(77).array().isNaN().all());
  CHECK_FALSE(vlto.tail(252 - 77).array().isNaN().any());
  CHECK(count_nan(t) == 3 * 252 + 77);
  // The first VLTO return is the first one with both prices present.
  const auto al = keel::align(t.column("VLTO"), t.column("AAPL"));
  CHECK(al.keys.size() == 252 - 77);
}

TEST_CASE("stock_prices.csv: leading empty cells are NaN", "[csv][data]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto t = keel::read_prices_csv(*path);
  CHECK(t.dates.size() == 7126);
  CHECK(t.symbols.size() == 20);
  CHECK(t.dates.front() == ymd(1989, 12, 29));
  CHECK(std::isnan(t.prices(0, t.index_of("GOOG"))));
  CHECK(t.prices(0, t.index_of("AAPL")) == num("0.117203"));
  CHECK(count_nan(t) == check_against_naive(*path, t));
  CHECK(count_nan(t) > 0);
  // Returns of a column with leading gaps: NaN until two prices exist, then finite.
  const auto r = keel::simple_returns(t.column("GOOG"));
  CHECK(std::isnan(r.values().front()));
  CHECK(std::isfinite(r.values().back()));
}

namespace {

void check_dowjones(const fs::path& path) {
  const auto t = keel::read_prices_csv(path);
  CHECK(t.dates.size() == 2529);
  CHECK(t.dates.front() == ymd(1990, 12, 31));
  CHECK(t.dates.back() == ymd(2001, 1, 2));
  CHECK(t.symbols == std::vector<std::string>{
                         "AA",  "AXP", "T",    "BA",  "CAT", "C",    "KO",  "DD",  "EK",  "XOM",
                         "GE",  "GM",  "HWP",  "HD",  "HON", "INTC", "IBM", "IP",  "JPM", "JNJ",
                         "MCD", "MRK", "MSFT", "MMM", "MO",  "PG",   "SBC", "UTX", "WMT", "DIS"});
  CHECK(count_nan(t) == 0);
  CHECK((t.prices.row(0).array() == t.prices.row(1).array()).all());  // first two rows identical
  CHECK(t.prices(0, 0) == num("5.92"));
  CHECK(t.prices(2528, 29) == num("27.94"));
  const auto r = keel::simple_returns(t.column("AA"));
  CHECK(r.values().front() == 0.0);
  check_against_naive(path, t);
}

}  // namespace

TEST_CASE("dowjones30_daily_1991_2000_fBasics.csv", "[csv][data]") {
  const auto path = keel_test::shared_file("data/dowjones30_daily_1991_2000_fBasics.csv");
  if (!path) return;
  check_dowjones(*path);
}

TEST_CASE("the bundled copy of dowjones30 in examples/data", "[csv][data]") {
  const fs::path path = fs::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv";
  REQUIRE(fs::exists(path));
  check_dowjones(path);
  if (const auto dir = keel_test::shared_dir()) {
    const auto shared = *dir / "data" / "dowjones30_daily_1991_2000_fBasics.csv";
    if (fs::exists(shared)) CHECK(keel_test::slurp(path) == keel_test::slurp(shared));
  }
}
