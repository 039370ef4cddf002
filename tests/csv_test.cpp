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

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::chrono::year_month_day ymd(int y, unsigned m, unsigned d) {
  return std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d};
}

std::string iso(const std::chrono::year_month_day& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
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

std::size_t count_nan(const keel::price_table& t) { return static_cast<std::size_t>(t.prices.array().isNaN().count()); }

// A new empty folder in the temporary directory, removed with its content at the end of the
// scope. `file(name, content)` writes a file in it.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("keel_csv_test_dir_" + std::to_string(rd()));
    fs::create_directories(path);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path file(const std::string& name, const std::string& content) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

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
    for (const char* name : {"date", "Date", "DATE", "timestamp", "Date Time", "date_time", "DateTime"}) {
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
  SECTION("a column named like an OHLCV field beside a real symbol stays a symbol") {
    const auto t = prices("Date,Close,High,Low,Open,Volume,SPY\n2024-01-02,1,2,0.5,1.5,100,7\n");
    CHECK(t.symbols == std::vector<std::string>{"Close", "High", "Low", "Open", "Volume", "SPY"});
    CHECK(t.prices(0, 4) == 100);
    CHECK(t.prices(0, 5) == 7);
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

  const char* malformed[] = {"2024-3-5",   "03/05/2024",         "2024-03-05T",        "2024-03-05X",
                             "2024-03/05", "2024-03-05T16:00+5", "2024-03-05T16:00 Z", "March 5",
                             "202403051",  "2024-03-05Z",        "x2024-03-05",        "2024-03-05 T16"};
  for (const char* text : malformed) {
    INFO(text);
    CHECK_THROWS_WITH(prices(std::string("date,A\n") + text + ",1\n"),
                      Contains("is not a date") && Contains("line 2, column 1 (date)"));
  }
  for (const char* text : {"2021-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-00"}) {
    INFO(text);
    CHECK_THROWS_WITH(prices(std::string("date,A\n") + text + ",1\n"), Contains("is not a valid calendar date") &&
                                                                           Contains("'" + std::string(text) + "'") &&
                                                                           Contains("line 2"));
  }
}

TEST_CASE("header-only price files have no data rows, header-only text tables are empty", "[csv]") {
  SECTION("every layout, blank lines after the header included") {
    for (const char* text :
         {"date,A,B\n", "date,symbol,close", "Date,Open,Close,Volume\r\n\r\n", "\n\ndate\n  \n", ",A\n"}) {
      INFO(keel::detail::quoted(text));
      CHECK_THROWS_AS(prices(text), keel::insufficient_data);
      CHECK_THROWS_WITH(prices(text), Contains("read_prices_csv: no data rows") && Contains("the header on line ") &&
                                          Contains("is the only record"));
    }
    CHECK_THROWS_WITH(prices("\n\ndate,A\n"), Contains("header on line 3"));
    try {
      (void)prices("date,A\n");
      FAIL("no exception");
    } catch (const keel::insufficient_data& e) {
      CHECK(e.required() == 1);
      CHECK(e.actual() == 0);
    }
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
// Per-symbol (OHLCV) layout

TEST_CASE("per-symbol OHLCV files in any column order are one symbol", "[csv][ohlcv]") {
  // Each header holds a close; the price is Close (no adjusted close here), named after the
  // price column's header in a stream. Rows are in any order.
  const char* headers[] = {
      "Date,Close,High,Low,Open,Volume",  // yfinance auto-adjusted download
      "Date,Open,High,Low,Close,Volume",  // the classic order
      "Volume,Close,Date",                // the date need not come first
      "date,open,high,low,close,volume,dividends,stock splits",
      "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits,Capital Gains",  // Ticker.history
      "DATE,CLOSE",                                                            // a close alone is enough
  };
  for (const char* h : headers) {
    INFO(h);
    // Build the rows from the header: Close gets 10 + day, every other column 1000 + day.
    std::vector<std::string> names;
    std::stringstream split(h);
    for (std::string name; std::getline(split, name, ',');) names.push_back(name);
    std::string text = std::string(h) + "\n";
    for (const int day : {3, 2, 4}) {
      for (std::size_t j = 0; j < names.size(); ++j) {
        if (j > 0) text += ',';
        const std::string n = lower(names[j]);
        text += n == "date"    ? "2024-01-0" + std::to_string(day)
                : n == "close" ? std::to_string(10 + day)
                               : std::to_string(1000 + day);
      }
      text += '\n';
    }
    const auto close =
        std::find_if(names.begin(), names.end(), [](const std::string& n) { return lower(n) == "close"; });
    REQUIRE(close != names.end());
    const auto t = prices(text);
    CHECK(t.symbols == std::vector<std::string>{*close});
    CHECK(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4)});
    REQUIRE(t.prices.cols() == 1);
    CHECK(t.prices(0, 0) == 12);
    CHECK(t.prices(1, 0) == 13);
    CHECK(t.prices(2, 0) == 14);
    CHECK(violation(t).empty());
  }
}

TEST_CASE("per-symbol files: the adjusted close is preferred", "[csv][ohlcv]") {
  SECTION("Adj Close, in any spelling and position") {
    for (const char* h : {"Date,Open,High,Low,Close,Adj Close,Volume", "Date,Adj Close,Close,Volume",
                          "Date,close,adj_close", "Date,Close,AdjClose", "date,ADJ CLOSE,close"}) {
      INFO(h);
      std::vector<std::string> names;
      std::stringstream split(h);
      for (std::string name; std::getline(split, name, ',');) names.push_back(name);
      std::string row = "2024-01-02";
      for (std::size_t j = 1; j < names.size(); ++j) row += lower(names[j]).find("adj") == 0 ? ",2.5" : ",9";
      const auto t = prices(std::string(h) + "\n" + row + "\n");
      REQUIRE(t.prices.size() == 1);
      CHECK(t.prices(0, 0) == 2.5);
      CHECK(lower(t.symbols.front()).find("adj") == 0);  // the adjusted column's header
    }
  }
  SECTION("Adjusted Close") {
    const auto t = prices("Date,Close,Adjusted Close\n2024-01-02,9,2.5\n");
    CHECK(t.prices(0, 0) == 2.5);
    CHECK(t.symbols == std::vector<std::string>{"Adjusted Close"});
  }
  SECTION("missing cells are NaN, other columns are not read") {
    const auto t = prices(
        "Date,Open,Close,Adj Close,Volume\n"
        "2024-01-02,x,9,NA,not a number\n"
        "2024-01-03,,9,3.5,\n");
    CHECK(std::isnan(t.prices(0, 0)));
    CHECK(t.prices(1, 0) == 3.5);
  }
  SECTION("two columns that normalise to one name are ambiguous") {
    CHECK_THROWS_AS(prices("Date,Adj Close,adj_close\n2024-01-02,1,2\n"), keel::invalid_input);
    CHECK_THROWS_WITH(prices("Date,Adj Close,adj_close\n2024-01-02,1,2\n"),
                      Contains("line 1, column 3 (adj_close)") && Contains("columns 2 and 3 both read as 'adjclose'") &&
                          Contains("rename one"));
  }
  SECTION("errors name the line and column as in a wide file") {
    CHECK_THROWS_WITH(
        prices("Date,Open,Close\n2024-01-02,1,2\n2024-01-02,1,3\n"),
        Contains("line 3, column 1 (Date)") && Contains("duplicate date '2024-01-02'") && Contains("also on line 2"));
    CHECK_THROWS_WITH(prices("Date,Open,Close\n2024-01-02,1,2x\n"),
                      Contains("line 2, column 3 (Close): '2x' is not a number"));
    CHECK_THROWS_WITH(prices("Date,Open,Close\n2024-01-02,1\n"), Contains("ragged row"));
  }
}

TEST_CASE("which files are per-symbol: only OHLCV names and a close", "[csv][ohlcv]") {
  SECTION("a real symbol among OHLCV names makes the file wide") {
    const auto t = prices("date,Open,AAPL\n2024-01-02,1,2\n");
    CHECK(t.symbols == std::vector<std::string>{"Open", "AAPL"});
  }
  SECTION("without a close the file is wide") {
    CHECK(prices("Date,Volume\n2024-01-02,5\n").symbols == std::vector<std::string>{"Volume"});
    CHECK(prices("Date,Open,High\n2024-01-02,5,6\n").symbols == std::vector<std::string>{"Open", "High"});
  }
  SECTION("a long file keeps its symbol column, whatever the other names") {
    const auto t = prices("Date,Ticker,Open,Close\n2024-01-02,X,1,2\n");
    CHECK(t.symbols == std::vector<std::string>{"X"});
    CHECK(t.prices(0, 0) == 2);
  }
  SECTION("a date column alone is wide, with no symbols") { CHECK(prices("date\n2024-01-02\n").symbols.empty()); }
}

TEST_CASE("csv_options::price_column chooses the price column", "[csv][ohlcv]") {
  const std::string text = "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.25,100\n";
  SECTION("per-symbol files, matched after normalising") {
    CHECK(prices(text, {.price_column = "Open"}).prices(0, 0) == 1);
    CHECK(prices(text, {.price_column = "open"}).prices(0, 0) == 1);
    CHECK(prices(text, {.price_column = "HIGH"}).prices(0, 0) == 2);
    CHECK(prices(text, {.price_column = "close"}).prices(0, 0) == 1.5);  // not the adjusted one
    CHECK(prices(text, {.price_column = "adj_close"}).prices(0, 0) == 1.25);
    CHECK(prices(text, {.price_column = "Volume"}).prices(0, 0) == 100);
    CHECK(prices(text, {.price_column = "Open"}).symbols == std::vector<std::string>{"Open"});
  }
  SECTION("it also makes a file without a close per-symbol") {
    const auto t = prices("Date,Open,High\n2024-01-02,5,6\n", {.price_column = "Open"});
    CHECK(t.symbols == std::vector<std::string>{"Open"});
    CHECK(t.prices(0, 0) == 5);
  }
  SECTION("long files") {
    const auto t = prices("Date,Ticker,Open,Close\n2024-01-02,X,1,2\n2024-01-02,Y,3,4\n", {.price_column = "open"});
    CHECK(t.symbols == std::vector<std::string>{"X", "Y"});
    CHECK(t.prices(0, 0) == 1);
    CHECK(t.prices(0, 1) == 3);
  }
  SECTION("errors") {
    CHECK_THROWS_AS(prices(text, {.price_column = "Last"}), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text, {.price_column = "Last"}),
                      Contains("line 1: csv_options::price_column = 'Last' names no column") &&
                          Contains("header is 'Date,Open,High"));
    CHECK_THROWS_WITH(prices(text, {.price_column = "date"}),
                      Contains("column 1 (Date)") && Contains("names the date column"));
    CHECK_THROWS_WITH(prices(text, {.price_column = "--"}), Contains("price_column = '--' has no letter or digit"));
    // A wide file has no price column to choose: the message names the column that makes
    // the file wide.
    CHECK_THROWS_WITH(prices("date,Open,AAPL\n2024-01-02,1,2\n", {.price_column = "Open"}),
                      Contains("line 1, column 3 (AAPL)") && Contains("csv_options::price_column = 'Open'") &&
                          Contains("makes the file wide"));
  }
}

TEST_CASE("the symbol of a per-symbol file: options, file stem, or price header", "[csv][ohlcv][file]") {
  const std::string text = "Date,Close,Adj Close\n2024-01-02,9,2.5\n";
  const temp_dir dir;
  const fs::path spy = dir.file("SPY.csv", text);
  const fs::path dotted = dir.file("BRK.B.csv", text);
  SECTION("a stream: the price column's header") {
    CHECK(prices(text).symbols == std::vector<std::string>{"Adj Close"});
    CHECK(prices(text, {.price_column = "Close"}).symbols == std::vector<std::string>{"Close"});
  }
  SECTION("a path: the file's stem") {
    CHECK(keel::read_prices_csv(spy).symbols == std::vector<std::string>{"SPY"});
    CHECK(keel::read_prices_csv(dotted).symbols == std::vector<std::string>{"BRK.B"});
    CHECK(keel::read_prices_csv(spy, {.price_column = "Close"}).prices(0, 0) == 9);
  }
  SECTION("csv_options::symbol, for a stream or a path") {
    CHECK(prices(text, {.symbol = "MKT"}).symbols == std::vector<std::string>{"MKT"});
    CHECK(keel::read_prices_csv(spy, {.symbol = "MKT"}).symbols == std::vector<std::string>{"MKT"});
    CHECK(keel::read_prices_csv(std::vector{spy}, {.symbol = "MKT"}).symbols == std::vector<std::string>{"MKT"});
  }
  SECTION("it renames the one column of a wide file") {
    CHECK(prices("Date,vix\n2024-01-02,14\n", {.symbol = "VIX"}).symbols == std::vector<std::string>{"VIX"});
    const fs::path wide = dir.file("levels.csv", "Date,vix\n2024-01-02,14\n");
    CHECK(keel::read_prices_csv(wide).symbols == std::vector<std::string>{"vix"});  // wide: header
  }
  SECTION("where one name cannot be meant") {
    CHECK_THROWS_AS(prices("date,A,B\n2024-01-02,1,2\n", {.symbol = "X"}), keel::invalid_input);
    CHECK_THROWS_WITH(prices("date,A,B\n2024-01-02,1,2\n", {.symbol = "X"}),
                      Contains("csv_options::symbol = 'X'") && Contains("2 symbol columns"));
    CHECK_THROWS_WITH(prices("date,symbol,close\n2024-01-02,A,1\n", {.symbol = "X"}),
                      Contains("column 2 (symbol)") && Contains("long file"));
    CHECK_THROWS_WITH(keel::read_prices_csv(dir.path, {.symbol = "X"}),
                      Contains("csv_options::symbol = 'X'") && Contains("there are 2 files"));
  }
}

// ---------------------------------------------------------------------------------------------
// Several files and folders

namespace {

keel::price_table hand_table(std::vector<std::chrono::year_month_day> dates, std::vector<std::string> symbols,
                             std::vector<double> row_major) {
  keel::price_table t{std::move(dates), std::move(symbols), {}};
  const auto rows = static_cast<Eigen::Index>(t.dates.size());
  const auto cols = static_cast<Eigen::Index>(t.symbols.size());
  t.prices.resize(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i)
    for (Eigen::Index j = 0; j < cols; ++j) t.prices(i, j) = row_major[static_cast<std::size_t>(i * cols + j)];
  return t;
}

// The price of `symbol` on `date` in `t`, NaN when the table has no such date.
double price_on(const keel::price_table& t, const std::string& symbol, const std::chrono::year_month_day& date) {
  const auto it = std::find(t.dates.begin(), t.dates.end(), date);
  if (it == t.dates.end()) return std::nan("");
  return t.prices(it - t.dates.begin(), t.index_of(symbol));
}

}  // namespace

TEST_CASE("merge_prices: the union of the dates, NaN where a symbol has no price", "[csv][merge]") {
  const double nan = std::nan("");
  const auto a = hand_table({ymd(2024, 1, 2), ymd(2024, 1, 4), ymd(2024, 1, 5)}, {"A", "B"}, {1, 10, 2, nan, 3, 30});
  const auto c = hand_table({ymd(2023, 12, 29), ymd(2024, 1, 3), ymd(2024, 1, 4)}, {"C"}, {100, 101, 102});
  const auto d = hand_table({ymd(2024, 1, 8)}, {"D"}, {7});
  const std::vector<keel::price_table> tables{a, c, d};
  const auto m = keel::merge_prices(tables);
  CHECK(violation(m).empty());
  REQUIRE(m.dates == std::vector{ymd(2023, 12, 29), ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4), ymd(2024, 1, 5),
                                 ymd(2024, 1, 8)});
  REQUIRE(m.symbols == std::vector<std::string>{"A", "B", "C", "D"});
  // Every input price is where it was; every other cell is NaN.
  std::size_t copied = 0;
  for (const auto* t : {&a, &c, &d})
    for (std::size_t j = 0; j < t->symbols.size(); ++j)
      for (std::size_t i = 0; i < t->dates.size(); ++i) {
        const double want = t->prices(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
        const double got = price_on(m, t->symbols[j], t->dates[i]);
        CHECK((got == want || (std::isnan(got) && std::isnan(want))));
        ++copied;
      }
  CHECK(copied == 10);
  CHECK(count_nan(m) == m.dates.size() * m.symbols.size() - 9);  // 9 of the 10 are prices
  CHECK(std::isnan(price_on(m, "A", ymd(2024, 1, 3))));
  CHECK(std::isnan(price_on(m, "C", ymd(2024, 1, 2))));
  CHECK(std::isnan(price_on(m, "D", ymd(2024, 1, 5))));

  SECTION("the order of the tables orders the columns, not the values") {
    const std::vector<keel::price_table> reversed{d, c, a};
    const auto r = keel::merge_prices(reversed);
    CHECK(r.dates == m.dates);
    CHECK(r.symbols == std::vector<std::string>{"D", "C", "A", "B"});
    for (const auto& s : m.symbols) {
      const auto x = r.prices.col(r.index_of(s));
      const auto y = m.prices.col(m.index_of(s));
      CHECK(((x.array() == y.array()) || (x.array().isNaN() && y.array().isNaN())).all());
    }
  }
  SECTION("one table is itself; none is an empty table; a table with no rows adds columns") {
    const std::vector<keel::price_table> one{a};
    const auto o = keel::merge_prices(one);
    CHECK(o.dates == a.dates);
    CHECK(o.symbols == a.symbols);
    CHECK(((o.prices.array() == a.prices.array()) || o.prices.array().isNaN()).all());
    const auto none = keel::merge_prices({});
    CHECK(none.dates.empty());
    CHECK(none.symbols.empty());
    CHECK(none.prices.size() == 0);
    const std::vector<keel::price_table> with_empty{a, hand_table({}, {"E"}, {})};
    const auto e = keel::merge_prices(with_empty);
    CHECK(e.dates == a.dates);
    CHECK(e.prices.col(2).array().isNaN().all());
  }
  SECTION("bad tables are named") {
    const auto dup = hand_table({ymd(2024, 1, 9)}, {"X", "C"}, {1, 2});
    CHECK_THROWS_AS(keel::merge_prices(std::vector{a, c, dup}), keel::invalid_input);
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{a, c, dup}),
                      Contains("merge_prices: symbol 'C' is in both tables[1] and tables[2]"));
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{hand_table({ymd(2024, 1, 2)}, {"A", "B", "A"}, {1, 2, 3})}),
                      Contains("symbol 'A' is twice in tables[0] (columns 1 and 3)"));
    auto unsorted = a;
    std::swap(unsorted.dates[1], unsorted.dates[2]);
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{c, unsorted}),
                      Contains("tables[1]: dates[2] = 2024-01-04 does not come after dates[1] = "
                               "2024-01-05"));
    auto bad_shape = a;
    bad_shape.symbols.pop_back();
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{bad_shape}),
                      Contains("tables[0] is inconsistent: 3 dates and 1 symbols") && Contains("3 x 2"));
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{hand_table({ymd(2024, 1, 2)}, {""}, {1})}),
                      Contains("tables[0]: symbols[0] is empty"));
    auto infinite = c;
    infinite.prices(1, 0) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(keel::merge_prices(std::vector{a, infinite}),
                      Contains("merge_prices: tables[1] C[1] on 2024-01-03 is inf"));
  }
}

TEST_CASE("read_prices_csv reads several files and folders, merged on their dates", "[csv][merge][file]") {
  const temp_dir dir;
  // A per-symbol file, a wide file of two symbols, a long file, in a folder with other things.
  dir.file("SPY.csv",
           "Date,Close,High,Low,Open,Volume\n"
           "2024-01-03,470.5,1,1,1,9\n2024-01-02,472.25,1,1,1,9\n2024-01-05,468,1,1,1,9\n");
  dir.file("b_wide.CSV", "date,AAA,BBB\n2024-01-02,10,20\n2024-01-04,11,\n");
  dir.file("c_long.csv", "date,symbol,close\n2024-01-08,ZZZ,5\n2024-01-02,YYY,6\n");
  dir.file("notes.txt", "not a price file");
  dir.file("sub/IGNORED.csv", "date,Q\n2024-01-02,1\n");
  dir.file("sub.csv/README", "a folder whose name ends in .csv is not a file");
  SECTION("a folder: its *.csv files sorted by name, any case, not recursive") {
    const auto t = keel::read_prices_csv(dir.path);
    CHECK(violation(t).empty());
    // Sorted by file name: SPY.csv, b_wide.CSV, c_long.csv (byte order: uppercase first).
    CHECK(t.symbols == std::vector<std::string>{"SPY", "AAA", "BBB", "ZZZ", "YYY"});
    CHECK(t.dates == std::vector{ymd(2024, 1, 2), ymd(2024, 1, 3), ymd(2024, 1, 4), ymd(2024, 1, 5), ymd(2024, 1, 8)});
    CHECK(price_on(t, "SPY", ymd(2024, 1, 2)) == 472.25);
    CHECK(price_on(t, "SPY", ymd(2024, 1, 5)) == 468);
    CHECK(std::isnan(price_on(t, "SPY", ymd(2024, 1, 4))));
    CHECK(price_on(t, "AAA", ymd(2024, 1, 4)) == 11);
    CHECK(std::isnan(price_on(t, "BBB", ymd(2024, 1, 4))));  // an empty cell stays NaN
    CHECK(std::isnan(price_on(t, "AAA", ymd(2024, 1, 3))));  // a date the file lacks
    CHECK(price_on(t, "ZZZ", ymd(2024, 1, 8)) == 5);
    CHECK(price_on(t, "YYY", ymd(2024, 1, 2)) == 6);
    CHECK(count_nan(t) == 5 * 5 - 8);  // 3 + 2 + 1 + 1 + 1 prices
    // The same through the list overload, and as the merge of the files read one by one.
    const auto listed = keel::read_prices_csv(std::vector<fs::path>{dir.path});
    CHECK(listed.symbols == t.symbols);
    CHECK(listed.dates == t.dates);
    const std::vector<keel::price_table> each{keel::read_prices_csv(dir.path / "SPY.csv"),
                                              keel::read_prices_csv(dir.path / "b_wide.CSV"),
                                              keel::read_prices_csv(dir.path / "c_long.csv")};
    const auto merged = keel::merge_prices(each);
    CHECK(merged.symbols == t.symbols);
    CHECK(merged.dates == t.dates);
    CHECK(((merged.prices.array() == t.prices.array()) || (merged.prices.array().isNaN() && t.prices.array().isNaN()))
              .all());
  }
  SECTION("files and folders in the order given") {
    const auto t =
        keel::read_prices_csv(std::vector<fs::path>{dir.path / "c_long.csv", dir.path / "sub", dir.path / "SPY.csv"});
    CHECK(t.symbols == std::vector<std::string>{"ZZZ", "YYY", "Q", "SPY"});
    CHECK(price_on(t, "Q", ymd(2024, 1, 2)) == 1);
  }
  SECTION("a symbol in two files names both files") {
    const fs::path again = dir.file("more/SPY.csv", "Date,Close\n2024-01-09,1\n");
    const std::vector<fs::path> paths{dir.path, again};
    CHECK_THROWS_AS(keel::read_prices_csv(paths), keel::invalid_input);
    CHECK_THROWS_WITH(keel::read_prices_csv(paths),
                      Contains("read_prices_csv: symbol 'SPY' is in both " + (dir.path / "SPY.csv").string() + " and " +
                               again.string()));
    // The same file twice is the same case.
    const fs::path spy = dir.path / "SPY.csv";
    CHECK_THROWS_WITH(keel::read_prices_csv(std::vector{spy, spy}), Contains("is in both"));
  }
  SECTION("an error in one file names that file") {
    const fs::path bad = dir.file("d_bad.csv", "date,Q2\n2024-01-02,oops\n");
    CHECK_THROWS_WITH(keel::read_prices_csv(dir.path),
                      Contains("read_prices_csv: " + bad.string() + " line 2, column 2 (Q2)"));
  }
  SECTION("a file with no data rows is insufficient_data naming it") {
    const fs::path empty = dir.file("d_empty.csv", "Date,Open,Close\n");
    CHECK_THROWS_AS(keel::read_prices_csv(dir.path), keel::insufficient_data);
    CHECK_THROWS_WITH(keel::read_prices_csv(dir.path),
                      Contains("read_prices_csv: " + empty.string() + ": no data rows"));
    CHECK_THROWS_WITH(keel::read_prices_csv(empty), Contains(empty.string() + ": no data rows: the header on line 1"));
  }
}

TEST_CASE("folders and lists with nothing to read", "[csv][merge][file][errors]") {
  const temp_dir dir;
  CHECK_THROWS_AS(keel::read_prices_csv(dir.path), keel::invalid_input);
  CHECK_THROWS_WITH(keel::read_prices_csv(dir.path),
                    Contains("read_prices_csv: the folder '" + dir.path.string() + "' holds no .csv file"));
  dir.file("prices.txt", "date,A\n2024-01-02,1\n");
  dir.file("nested/A.csv", "date,A\n2024-01-02,1\n");
  CHECK_THROWS_WITH(keel::read_prices_csv(std::vector<fs::path>{dir.path}),
                    Contains("holds no .csv file") && Contains("subfolders are not read"));
  CHECK_THROWS_WITH(keel::read_prices_csv(std::vector<fs::path>{}), Contains("read_prices_csv: no files to read"));
  const fs::path missing = dir.path / "missing.csv";
  CHECK_THROWS_WITH(keel::read_prices_csv(std::vector{missing}), Contains("cannot open") && Contains(missing.string()));
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
    CHECK(table("a,b\n\"x\ny\",1\n\"p\r\n\r\nq\",2\nz,3\n").lines == std::vector<std::ptrdiff_t>{2, 4, 7});
    CHECK(table("a,b\r\"x\r\ry\",1\rz,3\r").lines == std::vector<std::ptrdiff_t>{2, 5});
    CHECK_THROWS_WITH(prices("date,\"A\nB\"\r\n2024-01-02,x\n"), Contains("line 3, column 2 (A\\x0aB): 'x'"));
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
      CHECK_THROWS_WITH(table("a\n", {.delimiter = d}), Contains("read_csv") && Contains("delimiter"));
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
  for (const char* bad : {"1.5x", "1,5", "inf", "-inf", "Infinity", "-nan", "nan(1)", "1e999", "-1e999", "1e-999", "+",
                          "+-1", "++1", "0x10", "1 2", "$5", "--1", "N.A."}) {
    INFO(bad);
    CHECK_THROWS_WITH(prices(head + "\"" + bad + "\"\n"), Contains("line 3, column 3 (AAPL)") &&
                                                              Contains(keel::detail::quoted(bad)) &&
                                                              Contains("is not a number"));
  }
  // Only the first error is reported, on the line where it is.
  CHECK_THROWS_WITH(prices("date,A\n\n\n2024-01-02,abc\n2024-01-03,def\n"), Contains("line 4") && Contains("'abc'"));
}

TEST_CASE("malformed dates", "[csv][errors]") {
  CHECK_THROWS_AS(prices("date,A\n2024-01-02,1\nJan 3 2024,2\n"), keel::invalid_input);
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\nJan 3 2024,2\n"),
                    Contains("line 3, column 1 (date): 'Jan 3 2024' is not a date"));
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\n,2\n"), Contains("line 3, column 1 (date): '' is not a date"));
  CHECK_THROWS_WITH(prices("date,A\n2024-01-02,1\n\n2021-02-30,2\n"), Contains("line 4, column 1 (date)") &&
                                                                          Contains("'2021-02-30'") &&
                                                                          Contains("not a valid calendar date"));
  // The unnamed date column has no name to show.
  CHECK_THROWS_WITH(prices(",A\nyesterday,1\n"), Contains("line 2, column 1: 'yesterday'"));
}

TEST_CASE("duplicate dates in a wide file", "[csv][errors]") {
  const std::string text = "date,A\n2024-01-02,1\n2024-01-03,2\n2024-01-02,3\n";
  CHECK_THROWS_AS(prices(text), keel::invalid_input);
  CHECK_THROWS_WITH(prices(text), Contains("line 4, column 1 (date)") && Contains("duplicate date '2024-01-02'") &&
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
                    Contains("unknown long-format header") && Contains("line 1") && Contains("column 2 (symbol)") &&
                        Contains("'date,symbol,open,volume'"));
}

TEST_CASE("ragged rows", "[csv][errors]") {
  SECTION("too few fields") {
    const std::string text = "date,A,B\n2024-01-02,1,2\n2024-01-03,1\n";
    CHECK_THROWS_AS(prices(text), keel::invalid_input);
    CHECK_THROWS_WITH(prices(text), Contains("line 3, column 3 (B)") && Contains("ragged row") &&
                                        Contains("2 fields") && Contains("header has 3") && Contains("'1'"));
    CHECK_THROWS_WITH(table(text), Contains("read_csv: line 3") && Contains("ragged row"));
  }
  SECTION("too many fields") {
    const std::string text = "date,A\n2024-01-02,1,99\n";
    CHECK_THROWS_WITH(prices(text), Contains("line 2, column 3") && Contains("3 fields") && Contains("header has 2") &&
                                        Contains("'99'"));
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
    CHECK_THROWS_WITH(prices(text), Contains("line 2, column 2 (A)") && Contains("text after the closing quote") &&
                                        Contains("'\"1.5\"x'"));
    CHECK_THROWS_WITH(table("\"a\" \"b\",c\n"), Contains("line 1, column 1") && Contains("'\"a\" \"b\"'"));
  }
}

TEST_CASE("bad wide headers", "[csv][errors]") {
  CHECK_THROWS_AS(prices("date,A,B,A\n2024-01-02,1,2,3\n"), keel::invalid_input);
  CHECK_THROWS_WITH(prices("date,A,B,A\n2024-01-02,1,2,3\n"),
                    Contains("line 1, column 4 (A)") && Contains("duplicate symbol 'A'") && Contains("column 2"));
  CHECK_THROWS_WITH(prices("\n\ndate,A,,B\n"), Contains("line 3, column 3") && Contains("empty name"));
}

TEST_CASE("no date column", "[csv][errors]") {
  const std::string text = "obs,time,DAX,SMI\n1,1991.496154,1628.75,1678.1\n";
  CHECK_THROWS_AS(prices(text), keel::invalid_input);
  CHECK_THROWS_WITH(prices(text), Contains("no date column") && Contains("line 1") && Contains("'obs,time,DAX,SMI'") &&
                                      Contains("timestamp"));
  CHECK_THROWS_WITH(prices("day;A\n", {.delimiter = ';'}), Contains("'day;A'"));
  CHECK(table(text).rows.size() == 1);  // read_csv takes any header
}

TEST_CASE("no date column: the delimiter tried and how to choose another", "[csv][errors]") {
  SECTION("one header field holding ';' or a tab: that delimiter is suggested") {
    CHECK_THROWS_WITH(prices("Date;AAPL;MSFT\n2024-01-02;1;2\n"),
                      Contains("no date column") && Contains("header is 'Date;AAPL;MSFT'") &&
                          Contains("the header was split on ',' into 1 field, which contains "
                                   "';'") &&
                          Contains("pass csv_options{.delimiter = ';'}"));
    CHECK_THROWS_WITH(
        prices("Date\tAAPL\n2024-01-02\t1\n"),
        Contains("split on ',' into 1 field, which contains '\\t'") && Contains("csv_options{.delimiter = '\\t'}"));
    CHECK_THROWS_WITH(
        prices("date,A\n2024-01-02,1\n", {.delimiter = ';'}),
        Contains("split on ';' into 1 field, which contains ','") && Contains("csv_options{.delimiter = ','}"));
    // The most frequent candidate wins: two ';' against one ','.
    CHECK_THROWS_WITH(prices("Datum;Kurs, EUR;Volumen\n", {.delimiter = '|'}),
                      Contains("split on '|'") && Contains("csv_options{.delimiter = ';'}"));
    // The suggestion reads the file.
    CHECK(prices("Date;AAPL\n2024-01-02;1.5\n2024-01-03;2\n", {.delimiter = ';'}).prices(1, 0) == 2);
  }
  SECTION("several fields: the delimiter tried and the option to set") {
    CHECK_THROWS_WITH(prices("obs,time,DAX\n1,2,3\n"),
                      Contains("the header was split on ',' into 3 fields") &&
                          Contains("if another character separates the fields, pass it as "
                                   "csv_options{.delimiter = ';'}"));
    CHECK_THROWS_WITH(prices("obs;time\n", {.delimiter = ';'}),
                      Contains("split on ';' into 2 fields") && Contains("csv_options{.delimiter = ','}"));
    // A one-field header without any likely delimiter gets the general advice.
    CHECK_THROWS_WITH(prices("price\n1\n"),
                      Contains("into 1 field; if another character") && !Contains("which contains"));
  }
  SECTION("a path names the file") {
    const temp_file semi("Date;AAPL\n2024-01-02;1\n");
    CHECK_THROWS_WITH(keel::read_prices_csv(semi.path),
                      Contains("read_prices_csv: " + semi.path.string() + " line 1: no date column") &&
                          Contains("csv_options{.delimiter = ';'}"));
  }
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
  CHECK_THROWS_WITH(keel::read_prices_csv(bad.path),
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
  const temp_dir dir;
  CHECK_THROWS_WITH(keel::read_csv(dir.path),
                    Contains("read_csv: cannot read") && Contains(dir.path.string()) && Contains("it is a directory"));
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
    CHECK_THROWS_WITH(t.column("C"),
                      Contains("price_table::column: unknown symbol 'C'") && Contains("2 symbols: 'A', 'B'"));
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
    CHECK_THROWS_WITH(wide.column("X"), Contains("25 symbols: 'S0', 'S1'") && Contains("'S9', ...") &&
                                            Contains("(15 more)") && !Contains("'S10'"));
  }
  SECTION("a table built by hand (an aggregate) works the same") {
    STATIC_REQUIRE(std::is_aggregate_v<keel::price_table>);
    Eigen::MatrixXd m(2, 1);
    m << 10, 11;
    const keel::price_table hand{.dates = {ymd(2024, 1, 2), ymd(2024, 1, 3)}, .symbols = {"Z"}, .prices = m};
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
// keel::invalid_input, or insufficient_data for a header alone (the in-process cousin of
// tests/fuzz/csv_fuzz.cpp).

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
  } catch (const keel::insufficient_data& e) {  // a price file with a header only
    if (std::string_view(e.what()).find("no data rows") != std::string_view::npos) return outcome::rejected;
    failure = std::string("unexpected insufficient_data: ") + e.what();
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
      const char byte = pick(4) == 0 ? static_cast<char>(pick(256)) : alphabet[pick(alphabet.size())];
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
      if (a == outcome::failed) FAIL("read_prices_csv: " << failure << " on " << keel::detail::quoted(s, 400));
      const outcome b = run_one([&] { return table(s, options); }, failure);
      if (b == outcome::failed) FAIL("read_csv: " << failure << " on " << keel::detail::quoted(s, 400));
      (a == outcome::parsed ? parsed : rejected) += 1;
    }
  }
  // Both outcomes are exercised, so the test says something about each.
  CHECK(parsed >= 200);
  CHECK(rejected >= 2000);
}

TEST_CASE("edge inputs parse or throw invalid_input (or no data rows)", "[csv][robust]") {
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

// True for a header `Date,<OHLCV names>` of a Yahoo-style per-symbol file, as the files of
// ../shared/data/raw spell them (Close, High, Low, Open, Volume).
bool is_yahoo_header(const std::vector<std::string>& header) {
  if (header.size() < 2 || lower(header[0]) != "date") return false;
  bool close = false;
  for (std::size_t j = 1; j < header.size(); ++j) {
    const std::string n = lower(header[j]);
    if (n != "open" && n != "high" && n != "low" && n != "close" && n != "volume") return false;
    close = close || n == "close";
  }
  return close;
}

// Checks read_prices_csv against the naive parse; returns the number of NaN cells. A
// per-symbol file is its Close column, named after the file.
std::size_t check_against_naive(const fs::path& path, const keel::price_table& t) {
  const auto lines = naive_lines(path);
  REQUIRE(!lines.empty());
  const auto& header = lines.front();
  std::vector<std::size_t> value_cols;  // the file's columns of t's symbols, in order
  std::vector<std::string> symbols;
  if (is_yahoo_header(header)) {
    value_cols.push_back(static_cast<std::size_t>(std::find(header.begin(), header.end(), "Close") - header.begin()));
    symbols.push_back(path.stem().string());
  } else {
    for (std::size_t j = 1; j < header.size(); ++j) value_cols.push_back(j);
    symbols.assign(header.begin() + 1, header.end());
  }
  REQUIRE(value_cols.front() < header.size());
  REQUIRE(t.symbols == symbols);
  REQUIRE(t.dates.size() == lines.size() - 1);
  REQUIRE(t.prices.cols() == std::ssize(value_cols));
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
    for (std::size_t c = 0; c < value_cols.size(); ++c) {
      const std::string& cell = cells[value_cols[c]];
      const double got = t.prices(r, static_cast<Eigen::Index>(c));
      if (cell.empty()) {
        ++nans;
        if (!std::isnan(got)) ++mismatches;
      } else if (got != std::strtod(cell.c_str(), nullptr)) {
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
    if (entry.is_regular_file() && entry.path().extension() == ".csv") files.push_back(entry.path());
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
      CHECK_THROWS_WITH(keel::read_prices_csv(path), Contains("no date column") && Contains(path.string()));
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
  const auto mmm = std::find_if(t.rows.begin(), t.rows.end(),
                                [&](const auto& row) { return row[static_cast<std::size_t>(*symbol)] == "MMM"; });
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
  CHECK(t.symbols == std::vector<std::string>{"AA",  "AXP", "T",    "BA",  "CAT", "C",    "KO",  "DD",  "EK",  "XOM",
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

// ---------------------------------------------------------------------------------------------
// The per-symbol downloads of ../shared/data/raw, read as folders

namespace {

// One price column of a raw file, read with getline and stod: its header name, and the text
// date and the value of each row. The column is Close, or the second column when the file
// has no Close (VIX.csv is `Date,vix`).
struct raw_column {
  std::string name;
  std::vector<std::string> dates;
  std::vector<double> values;
};

raw_column read_raw_column(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream split(line);
  for (std::string cell; std::getline(split, cell, ',');) header.push_back(cell);
  std::size_t col = 1;
  for (std::size_t j = 0; j < header.size(); ++j)
    if (header[j] == "Close") col = j;
  raw_column out{header.at(col), {}, {}};
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    out.dates.push_back(cells.at(0));
    out.values.push_back(std::stod(cells.at(col)));
  }
  return out;
}

// Checks a folder read by read_prices_csv against its files read one by one with
// read_raw_column: symbols (file stems, or the header of a file without Close), the union of
// the dates, and the first, last and `middle` prices of every symbol.
void check_raw_folder(const fs::path& dir, const keel::price_table& t, const std::string& middle) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> symbols;
  std::set<std::string> dates;
  for (const auto& f : files) {
    const raw_column c = read_raw_column(f);
    symbols.push_back(c.name == "Close" ? f.stem().string() : c.name);
    dates.insert(c.dates.begin(), c.dates.end());
  }
  REQUIRE(t.symbols == symbols);
  REQUIRE(t.dates.size() == dates.size());
  std::size_t i = 0;
  for (const auto& d : dates) CHECK(iso(t.dates[i++]) == d);  // std::set iterates sorted
  CHECK(violation(t).empty());
  for (std::size_t k = 0; k < files.size(); ++k) {
    INFO(files[k].string());
    const raw_column c = read_raw_column(files[k]);
    const auto j = static_cast<Eigen::Index>(k);
    const auto row_of = [&](const std::string& date) {
      return static_cast<Eigen::Index>(std::distance(dates.begin(), dates.find(date)));
    };
    CHECK(t.prices(row_of(c.dates.front()), j) == c.values.front());
    CHECK(t.prices(row_of(c.dates.back()), j) == c.values.back());
    const auto at = std::find(c.dates.begin(), c.dates.end(), middle);
    REQUIRE(at != c.dates.end());
    CHECK(t.prices(row_of(middle), j) == c.values[static_cast<std::size_t>(at - c.dates.begin())]);
  }
}

}  // namespace

TEST_CASE("the raw per-symbol folders of ../shared/data read as merged tables", "[csv][data]") {
  const auto fdl = keel_test::shared_file("data/raw/foundationdigitallabs_stock-bot");
  const auto labz = keel_test::shared_file("data/raw/labz365_ai-stock-bot-vm");
  if (!fdl || !labz) return;
  const auto a = keel::read_prices_csv(*fdl);
  CHECK(a.symbols == std::vector<std::string>{"AAPL", "AMD", "MSFT", "NVDA", "QQQ", "SPY", "TSLA"});
  CHECK(a.dates.size() == 1538);
  CHECK(count_nan(a) == 0);
  check_raw_folder(*fdl, a, "2023-05-25");  // NVDA's +24.4% day
  // Spot values typed from the files (the last row of NVDA.csv, the first of SPY.csv).
  CHECK(a.prices(1537, a.index_of("NVDA")) == num("182.80999755859375"));
  CHECK(a.prices(0, a.index_of("SPY")) == num("297.698974609375"));

  const auto b = keel::read_prices_csv(std::vector<fs::path>{*labz});
  CHECK(b.symbols == std::vector<std::string>{"GLD", "QQQ", "SPY", "TLT", "UUP", "vix", "XLE", "XLF", "XLK"});
  CHECK(b.dates.size() == 2074);
  CHECK(count_nan(b) == 0);
  check_raw_folder(*labz, b, "2020-03-16");

  // Both folders hold QQQ and SPY: one table cannot hold them twice.
  CHECK_THROWS_WITH(
      keel::read_prices_csv(std::vector{*fdl, *labz}),
      Contains("symbol 'QQQ' is in both " + (*fdl / "QQQ.csv").string() + " and " + (*labz / "QQQ.csv").string()));
}

TEST_CASE("the raw stock-bot folder is us_stocks_etfs_daily_2020_2026.csv to 6 decimals", "[csv][data]") {
  // SOURCES.md: us_stocks_etfs_daily_2020_2026.csv is the adjusted close of the same
  // FoundationDigitalLabs files (raw/ holds them byte for byte), rounded to 6 decimals.
  const auto dir = keel_test::shared_file("data/raw/foundationdigitallabs_stock-bot");
  const auto wide = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!dir || !wide) return;
  const auto raw = keel::read_prices_csv(*dir);
  const auto rounded = keel::read_prices_csv(*wide);
  REQUIRE(raw.symbols == rounded.symbols);
  REQUIRE(raw.dates == rounded.dates);
  // Half a unit of the 6th decimal, plus the rounding of the two decimal texts to double.
  const double tolerance = 0.5e-6 * (1 + 1e-6);
  for (Eigen::Index j = 0; j < raw.prices.cols(); ++j) {
    INFO(raw.symbols[static_cast<std::size_t>(j)]);
    const double worst = (raw.prices.col(j) - rounded.prices.col(j)).cwiseAbs().maxCoeff();
    CHECK(worst <= tolerance);
  }
}

TEST_CASE("parse_date and try_parse_date: the price files' formats, errors naming the text", "[csv]") {
  using std::chrono::year;
  CHECK(keel::parse_date("2024-01-02") == year{2024} / 1 / 2);
  CHECK(keel::parse_date("2024/01/02") == year{2024} / 1 / 2);
  CHECK(keel::parse_date("20240102") == year{2024} / 1 / 2);
  CHECK(keel::parse_date("2024-01-02T15:30:00Z") == year{2024} / 1 / 2);
  CHECK(keel::try_parse_date("2024-02-29") == year{2024} / 2 / 29);
  CHECK_FALSE(keel::try_parse_date("2023-02-29"));
  CHECK_FALSE(keel::try_parse_date("yesterday"));
  CHECK_FALSE(keel::try_parse_date(""));
  CHECK_THROWS_MATCHES(keel::parse_date("2023-02-29"), keel::invalid_input,
                       Catch::Matchers::Message("parse_date: '2023-02-29' is not a valid calendar date"));
  CHECK_THROWS_AS(keel::parse_date("yesterday"), keel::invalid_input);
  CHECK_THROWS_WITH(keel::parse_date("yesterday"),
                    Contains("parse_date: 'yesterday' is not a date (expected YYYY-MM-DD"));
}
