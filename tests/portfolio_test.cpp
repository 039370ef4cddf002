// SPDX-License-Identifier: MIT
// The file readers of keel/portfolio.hpp (read_holdings, read_portfolios, read_benchmark) and
// keel/limits.hpp (read_limits): lots summed and kept, every bad input with its located
// message (file, line, column, text), stream and file forms, and the bundled examples/data
// files read back against their text.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <keel/limits.hpp>
#include <keel/portfolio.hpp>

using Catch::Contains;

namespace {

const std::filesystem::path bundled = KEEL_BUNDLED_DATA_DIR;

std::vector<keel::holding> holdings(const std::string& text) {
  std::istringstream in(text);
  return keel::read_holdings(in);
}

std::vector<keel::named_portfolio> portfolios(const std::string& text) {
  std::istringstream in(text);
  return keel::read_portfolios(in);
}

std::vector<keel::risk_limit> limits(const std::string& text) {
  std::istringstream in(text);
  return keel::read_limits(in);
}

std::vector<std::pair<std::string, double>> benchmark(const std::string& text) {
  std::istringstream in(text);
  return keel::read_benchmark(in);
}

/// A file in the test's temporary folder with `text`; removed at the end of the test case.
struct temp_file {
  std::filesystem::path path;
  temp_file(const std::string& name, const std::string& text)
      : path(std::filesystem::temp_directory_path() / ("keel_portfolio_test_" + name)) {
    std::ofstream(path, std::ios::binary) << text;
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

}  // namespace

TEST_CASE("read_holdings: rows of one symbol are summed into one position and kept as lots", "[portfolio]") {
  const auto h = holdings(
      "symbol,quantity,sector,account,lot,cost_basis,acquired\n"
      "AAPL,100.5,Information Technology,IRA,L1,15000.25,2020-03-16\n"
      "MSFT,-20,,TAX,,,\n"
      "\n"
      "AAPL,50,,TAX,L2,,2021/06/01\n");
  REQUIRE(h.size() == 2);
  CHECK(h[0].symbol == "AAPL");
  CHECK(h[0].quantity == 150.5);
  CHECK(h[0].sector == "Information Technology");
  REQUIRE(h[0].lots.size() == 2);
  CHECK(h[0].lots[0].quantity == 100.5);
  CHECK(h[0].lots[0].account == "IRA");
  CHECK(h[0].lots[0].id == "L1");
  CHECK(h[0].lots[0].cost_basis == 15000.25);
  CHECK(h[0].lots[0].acquired == std::chrono::year{2020} / 3 / 16);
  CHECK(h[0].lots[0].line == 2);
  CHECK(h[0].lots[1].quantity == 50);
  CHECK(h[0].lots[1].account == "TAX");
  CHECK_FALSE(h[0].lots[1].cost_basis);
  CHECK(h[0].lots[1].acquired == std::chrono::year{2021} / 6 / 1);
  CHECK(h[0].lots[1].line == 5);  // the blank line 4 is counted
  CHECK(h[1].symbol == "MSFT");
  CHECK(h[1].quantity == -20);
  CHECK(h[1].sector.empty());
  REQUIRE(h[1].lots.size() == 1);
  CHECK_FALSE(h[1].lots[0].acquired);
}

TEST_CASE("read_holdings: columns in any order, names in any case, a later row gives the sector", "[portfolio]") {
  std::istringstream in("Quantity;SYMBOL;Cost Basis\n3;IBM;\n4;IBM;10\n");
  const auto s = keel::read_holdings(in, {.delimiter = ';'});
  REQUIRE(s.size() == 1);
  CHECK(s[0].quantity == 7);
  CHECK(s[0].lots[1].cost_basis == 10);
  const auto t = holdings("quantity,symbol,sector\n3,IBM,\n4,IBM,Tech\n");
  CHECK(t[0].sector == "Tech");
  CHECK(t[0].quantity == 7);
}

TEST_CASE("read_holdings: every bad input names the line, the column and the text", "[portfolio]") {
  using keel::invalid_input;
  CHECK_THROWS_MATCHES(holdings("symbol,quantity\nAAPL,ten\n"), invalid_input,
                       Catch::Matchers::Message("read_holdings: line 2, column 2 (quantity): 'ten' is not a number"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nAAPL,inf\n"),
                    Contains("line 2, column 2 (quantity)") && Contains("'inf' is not a number (it must be finite)"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nAAPL,nan\n"), Contains("'nan' is not a number"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nAAPL,1e999\n"), Contains("out of the range of double"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nAAPL,\n"), Contains("line 2, column 2 (quantity): the cell is empty"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\n,5\n"), Contains("line 2, column 1 (symbol): the cell is empty"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nA,1e308\nB,1\nA,1e308\n"),
                    Contains("line 4, column 2 (quantity)") && Contains("'A' (from line 2)") && Contains("overflows"));
  CHECK_THROWS_WITH(holdings("symbol,quantity,sector\nA,1,Energy\nA,2,Utilities\n"),
                    Contains("line 3, column 3 (sector)") && Contains("'Utilities' here but 'Energy' on line 2"));
  CHECK_THROWS_WITH(holdings("symbol,quantity,notes\nA,1,x\n"),
                    Contains("line 1, column 3 (notes): unknown column 'notes'") && Contains("cost_basis"));
  CHECK_THROWS_WITH(holdings("symbol,quantity,Symbol\nA,1,B\n"), Contains("columns 1 and 3 both read as 'symbol'"));
  CHECK_THROWS_WITH(holdings("symbol,sector\nA,x\n"), Contains("line 1: no 'quantity' column"));
  CHECK_THROWS_WITH(holdings("symbol,quantity\nA,1,2\n"), Contains("line 2, column 3: ragged row"));
  CHECK_THROWS_WITH(holdings("symbol,quantity,acquired\nA,1,2021-02-30\n"),
                    Contains("line 2, column 3 (acquired): '2021-02-30' is not a valid calendar date"));
  CHECK_THROWS_WITH(holdings("symbol,quantity,cost_basis\nA,1,cheap\n"),
                    Contains("line 2, column 3 (cost_basis): 'cheap' is not a number"));
  CHECK_THROWS_WITH(
      holdings("portfolio_id,symbol,quantity\nP1,A,1\nP2,B,1\n"),
      Contains("line 3, column 1 (portfolio_id): a second portfolio 'P2'") && Contains("read_portfolios"));
  CHECK_THROWS_WITH(holdings(""), Contains("read_holdings: no header"));
  CHECK_THROWS_WITH(holdings("symbol,\"quantity\n"), Contains("unterminated quoted field"));
  std::istringstream in("symbol,quantity\nA,1\n");
  CHECK_THROWS_WITH(keel::read_holdings(in, {.delimiter = '"'}), Contains("cannot be a double quote"));
  CHECK_THROWS_AS(holdings("symbol,quantity\n"), keel::insufficient_data);
  CHECK_THROWS_WITH(holdings("symbol,quantity\n"), Contains("no data rows"));
}

TEST_CASE("read_holdings: the file form names the file, and a missing file is invalid_input", "[portfolio]") {
  const temp_file f("bad.csv", "symbol,quantity\nAAPL,1\nMSFT,x\n");
  CHECK_THROWS_WITH(keel::read_holdings(f.path), Contains("read_holdings: " + f.path.string() +
                                                          " line 3, column 2 (quantity): 'x' is not a number"));
  const temp_file g("good.csv", "symbol,quantity\r\nAAPL,1\r\nAAPL,2\r\n");
  const auto h = keel::read_holdings(g.path);
  REQUIRE(h.size() == 1);
  CHECK(h[0].quantity == 3);
  CHECK(h[0].lots[1].line == 3);
  CHECK_THROWS_AS(keel::read_holdings(std::filesystem::path("/nonexistent/book.csv")), keel::invalid_input);
  CHECK_THROWS_WITH(keel::read_holdings(std::filesystem::path("/nonexistent/book.csv")), Contains("cannot open"));
}

TEST_CASE("read_portfolios: portfolios in first-seen order, each summing its own lots", "[portfolio]") {
  const auto p = portfolios(
      "portfolio_id,symbol,quantity,sector\n"
      "B,AAPL,1,Tech\n"
      "A,AAPL,2,Tech\n"
      "B,MSFT,3,Tech\n"
      "B,AAPL,4,\n");
  REQUIRE(p.size() == 2);
  CHECK(p[0].id == "B");
  REQUIRE(p[0].holdings.size() == 2);
  CHECK(p[0].holdings[0].quantity == 5);
  CHECK(p[0].holdings[0].lots.size() == 2);
  CHECK(p[0].holdings[1].symbol == "MSFT");
  CHECK(p[1].id == "A");
  REQUIRE(p[1].holdings.size() == 1);
  CHECK(p[1].holdings[0].quantity == 2);
  CHECK_THROWS_WITH(portfolios("symbol,quantity\nA,1\n"),
                    Contains("read_portfolios: line 1: no 'portfolio_id' column"));
  CHECK_THROWS_WITH(portfolios("portfolio_id,symbol,quantity\n,A,1\n"),
                    Contains("line 2, column 1 (portfolio_id): the cell is empty"));
}

TEST_CASE("read_benchmark and read_limits: rows, header-only files, every bad input", "[portfolio][limits]") {
  const auto b = benchmark("sector,weight\nEnergy,0.25\n\"Consumer, Staples\",0.75\n");
  REQUIRE(b.size() == 2);
  CHECK(b[1].first == "Consumer, Staples");
  CHECK(b[1].second == 0.75);
  CHECK(benchmark("sector,weight\n").empty());
  CHECK_THROWS_WITH(benchmark("sector,weight\nEnergy,a lot\n"),
                    Contains("read_benchmark: line 2, column 2 (weight): 'a lot' is not a number"));
  CHECK_THROWS_WITH(benchmark("sector,weight\nEnergy,0.1\nEnergy,0.2\n"),
                    Contains("line 3, column 1 (sector): the sector 'Energy' again (first on line 2)"));
  CHECK_THROWS_WITH(benchmark("sector\nEnergy\n"), Contains("no 'weight' column"));

  const auto l = limits("metric,limit,severity\nmax_beta,1.2,warning\nmax_beta,1.5,\nmax_drawdown,0.3,hard\n");
  REQUIRE(l.size() == 3);
  CHECK(l[0].metric == keel::limit_metric::max_beta);
  CHECK(l[0].severity == keel::limit_severity::warning);
  CHECK(l[1].severity == keel::limit_severity::hard);
  CHECK(l[2].limit == 0.3);
  CHECK(limits("metric,limit\n").empty());
  CHECK_THROWS_AS(limits("metric,limit\nmax_beta,1\nmax_leverage,2\n"), keel::invalid_input);
  CHECK_THROWS_WITH(limits("metric,limit\nmax_beta,1\nmax_leverage,2\n"),
                    Contains("read_limits: line 3, column 1 (metric): unknown limit metric 'max_leverage' (known: "));
  CHECK_THROWS_WITH(limits("metric,limit,severity\nmax_beta,1,soft\n"),
                    Contains("line 2, column 3 (severity): unknown limit severity 'soft'"));
  CHECK_THROWS_WITH(limits("metric,limit\nmax_beta,inf\n"),
                    Contains("line 2, column 2 (limit): 'inf' is not a number"));
  CHECK_THROWS_WITH(limits("metric,value\nmax_beta,1\n"), Contains("unknown column 'value'"));
  const temp_file f("limits.csv", "metric,limit\nmax_beta,x\n");
  CHECK_THROWS_WITH(keel::read_limits(f.path), Contains(f.path.string() + " line 2, column 2 (limit)"));
}

TEST_CASE("the bundled examples/data files read back as their text", "[portfolio][limits]") {
  const auto h = keel::read_holdings(bundled / "dow30_portfolio.csv");
  REQUIRE(h.size() == 18);
  std::ifstream in(bundled / "dow30_portfolio.csv");
  std::string line;
  std::getline(in, line);
  for (const auto& x : h) {
    REQUIRE(std::getline(in, line));
    std::stringstream ss(line);
    std::string symbol, quantity, sector;
    std::getline(ss, symbol, ',');
    std::getline(ss, quantity, ',');
    std::getline(ss, sector);
    CHECK(x.symbol == symbol);
    CHECK(x.quantity == std::stod(quantity));
    CHECK(x.sector == sector);
    CHECK(x.lots.size() == 1);
  }
  const auto b = keel::read_benchmark(bundled / "dow30_benchmark.csv");
  double sum = 0;
  for (const auto& [sector, weight] : b) sum += weight;
  CHECK(b.size() == 9);
  CHECK(std::abs(sum - 1) < 1e-12);
  const auto l = keel::read_limits(bundled / "dow30_limits.csv");
  CHECK(l.size() == 7);
}
