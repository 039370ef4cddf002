// SPDX-License-Identifier: MIT
// Tests of keel/concentration.hpp: hhi, concentration_metrics, sector_exposure.
//
// Independent references used here:
//   - closed forms: HHI 10,000 for one position, 10,000 / n for n equal ones;
//   - a direct HHI and top-k shares from a fully sorted long-double copy;
//   - a sector table built with std::map in the test;
//   - the real S&P 500 sector file (../shared/data/sp500_2015_2020_sectors.csv): equal weights
//     over 471 stocks, checked against the sector counts.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/concentration.hpp>
#include <keel/csv.hpp>

#include "support/shared_data.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;

long double direct_hhi(const std::vector<double>& w) {
  long double gross = 0, s = 0;
  for (double x : w) gross += std::fabs(static_cast<long double>(x));
  for (double x : w) s += (x / gross) * (x / gross);
  return 10000 * s;
}

}  // namespace

TEST_CASE("hhi: one position is 10,000, n equal ones 10,000 / n", "[hhi]") {
  CHECK(keel::hhi(std::vector<double>{0.37}) == 10000.0);
  CHECK(keel::hhi(std::vector<double>{-2.0}) == 10000.0);  // a short concentrates as much
  for (int n : {2, 3, 7, 50, 1000}) {
    const std::vector<double> equal(static_cast<std::size_t>(n), 1.0 / n);
    // n squares summed: at most n roundings of the sum.
    CHECK(keel::hhi(equal) == Approx(10000.0 / n).epsilon(2.3e-16 * n + 1e-15));
    const auto c = keel::concentration_metrics(equal);
    CHECK(c.effective_n == Approx(n).epsilon(1e-13));
    CHECK(c.n == n);
  }
  // Market values and fractions give the same index: only proportions matter.
  const std::vector<double> values{500000, 300000, -200000, 100000};
  const std::vector<double> fractions{0.5, 0.3, -0.2, 0.1};
  CHECK(keel::hhi(values) == Approx(keel::hhi(fractions)).epsilon(1e-15));
  // Hand computation: gross 1.1, shares 5/11, 3/11, 2/11, 1/11: (25 + 9 + 4 + 1) / 121 x 10,000.
  CHECK(keel::hhi(fractions) == Approx(390000.0 / 121).epsilon(1e-15));
}

TEMPLATE_TEST_CASE("hhi and concentration_metrics take every storage", "[hhi][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  std::mt19937_64 gen(3);
  std::lognormal_distribution<double> size(0.0, 1.0);
  std::vector<double> raw(1000);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = (i % 5 == 0 ? -1 : 1) * size(gen);
  std::vector<double> held;
  for (double v : raw) held.push_back(static_cast<double>(static_cast<real>(v)));
  const TestType w(raw);
  const auto h = keel::hhi(w.series());
  STATIC_REQUIRE(std::is_same_v<decltype(h), const real>);
  const double tol = std::is_same_v<real, float> ? 2e-7 : 1e-13;
  CHECK(std::fabs(static_cast<double>(h) - static_cast<double>(direct_hhi(held))) /
            static_cast<double>(direct_hhi(held)) <
        tol);
  const auto c = keel::concentration_metrics(w.series(), {.top = {1, 10, 2000}});
  CHECK(c.hhi == h);
  CHECK(c.effective_n <= static_cast<real>(c.n));
  CHECK(c.effective_n >= 1);
  REQUIRE(c.top_shares.size() == 3);
  std::vector<long double> sizes;
  long double gross = 0;
  for (double v : held) {
    sizes.push_back(std::fabs(static_cast<long double>(v)));
    gross += std::fabs(static_cast<long double>(v));
  }
  std::sort(sizes.rbegin(), sizes.rend());
  long double top10 = 0;
  for (int i = 0; i < 10; ++i) top10 += sizes[static_cast<std::size_t>(i)];
  CHECK(static_cast<double>(c.top_shares[0]) == Approx(static_cast<double>(sizes[0] / gross)).epsilon(tol));
  CHECK(static_cast<double>(c.top_shares[1]) == Approx(static_cast<double>(top10 / gross)).epsilon(tol));
  CHECK(c.top_shares[2] == 1);  // more positions asked for than held: everything
  CHECK(std::fabs(held[static_cast<std::size_t>(c.largest_index)]) == static_cast<double>(sizes[0]));
}

TEST_CASE("concentration_metrics with names: largest position, zero weights, defaults", "[concentration]") {
  const std::vector<double> w{0.1, 0.0, -0.45, 0.3, 0.15, 0.0};
  const std::vector<std::string> names{"AAPL", "CASH", "TSLA", "MSFT", "IBM", "XOM"};
  const auto c = keel::concentration_metrics(w, names);
  CHECK(c.largest_index == 2);
  CHECK(c.largest_name == "TSLA");
  CHECK(c.n == 4);                    // nonzero positions
  REQUIRE(c.top_shares.size() == 2);  // the default {3, 10}
  CHECK(c.top_shares[0] == Approx((0.45 + 0.3 + 0.15) / 1.0).epsilon(1e-15));
  CHECK(c.top_shares[1] == 1.0);
  CHECK(c.effective_n == Approx(10000 / c.hhi).epsilon(1e-15));
  const auto unnamed = keel::concentration_metrics(w);
  CHECK(unnamed.largest_name.empty());
  // Names in messages.
  std::vector<double> bad(w);
  bad[3] = std::nan("");
  CHECK_THROWS_WITH(keel::concentration_metrics(bad, names), Contains("weights[3] (MSFT) is NaN"));
  CHECK_THROWS_WITH(keel::hhi(bad), Contains("weights[3] is NaN"));
  CHECK_THROWS_WITH(keel::concentration_metrics(w, std::vector<std::string>{"A"}),
                    Contains("weights has 6 values but names has 1"));
  CHECK_THROWS_WITH(keel::concentration_metrics(w, {.top = {0}}), Contains("top = 0 must be at least 1"));
  CHECK_THROWS_AS(keel::hhi(std::vector<double>{}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::hhi(std::vector<double>{0.0, 0.0}), Contains("weights are all 0"));
  CHECK_THROWS_WITH(keel::hhi(std::vector<double>{1e308, 1e308}), Contains("overflows"));
}

TEST_CASE("sector_exposure against a benchmark: union of sectors, active weights, unclassified", "[sector]") {
  // Market values: Tech 600 + 200, Financials 500, Energy -100 (short), one unclassified 300.
  const std::vector<double> values{600, 500, 200, -100, 300};
  const std::vector<std::string> sectors{"Tech", "Financials", "Tech", "Energy", ""};
  const std::map<std::string, double> bench{{"Tech", 0.3}, {"Financials", 0.2}, {"Health Care", 0.5}};
  const auto s = keel::sector_exposure(values, sectors, bench);
  // Rows: Energy, Financials, Health Care, Tech (name order), then the unclassified "".
  REQUIRE(s.sectors == std::vector<std::string>{"Energy", "Financials", "Health Care", "Tech", ""});
  const double total = 1500;
  const std::vector<double> pw{-100 / total, 500 / total, 0, 800 / total, 300 / total};
  const std::vector<double> bw{0, 0.2, 0.5, 0.3, 0};
  double sum = 0;
  for (std::size_t i = 0; i < pw.size(); ++i) {
    INFO(s.sectors[i]);
    CHECK(s.portfolio_weights[i] == Approx(pw[i]).margin(1e-16));
    CHECK(s.benchmark_weights[i] == bw[i]);
    CHECK(s.active_weights[i] == Approx(pw[i] - bw[i]).margin(1e-16));
    sum += s.portfolio_weights[i];
  }
  CHECK(sum == Approx(1.0).epsilon(1e-15));  // portfolio weights sum to 1
  CHECK(s.largest_overweight == 3);          // Tech: 0.533 - 0.3
  CHECK(s.largest_underweight == 2);         // Health Care: 0 - 0.5
  CHECK(s.unclassified == std::vector<std::ptrdiff_t>{4});
  // A vector of pairs works as the benchmark, in any order.
  const std::vector<std::pair<std::string, double>> pairs{{"Health Care", 0.5}, {"Tech", 0.3}, {"Financials", 0.2}};
  CHECK(keel::sector_exposure(values, sectors, pairs).active_weights == s.active_weights);
}

TEST_CASE("sector_exposure agrees with a std::map aggregation on random books", "[sector][independent]") {
  const std::vector<std::string> names{"Energy", "Materials", "Industrials", "Utilities", "Tech", ""};
  std::mt19937_64 gen(11);
  std::uniform_int_distribution<std::size_t> pick(0, names.size() - 1);
  std::uniform_real_distribution<double> weight(-0.2, 1.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> w(1000);
    std::vector<std::string> labels(1000);
    std::map<std::string, long double> by_sector;
    long double total = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      w[i] = weight(gen);
      labels[i] = names[pick(gen)];
      by_sector[labels[i]] += w[i];
      total += w[i];
    }
    const auto s = keel::sector_exposure(w, labels);
    for (std::size_t r = 0; r < s.sectors.size(); ++r) {
      const long double expected = by_sector[s.sectors[r]] / total;
      CHECK(std::fabs(s.portfolio_weights[r] - expected) < 1e-13);
      CHECK(s.benchmark_weights[r] == 0.0);
    }
    CHECK(s.sectors.size() == by_sector.size());
  }
}

TEST_CASE("sector_exposure options and errors", "[sector][errors]") {
  const std::vector<double> w{0.5, 0.3, 0.2};
  const std::vector<std::string> sec{"A", "B", "A"};
  const std::map<std::string, double> off{{"A", 0.5}, {"B", 0.25}};  // sums to 0.75
  CHECK_THROWS_AS(keel::sector_exposure(w, sec, off), keel::invalid_input);
  CHECK_THROWS_WITH(
      keel::sector_exposure(w, sec, off),
      Contains("benchmark weights sum to 0.75, not 1 (within 1e-06); set sector_options::normalise_benchmark"));
  const auto normalised = keel::sector_exposure(w, sec, off, {.normalise_benchmark = true});
  CHECK(normalised.benchmark_weights[0] == Approx(0.5 / 0.75).epsilon(1e-15));
  const std::map<std::string, double> close{{"A", 0.7 + 4e-7}, {"B", 0.3}};  // within the tolerance
  CHECK_NOTHROW(keel::sector_exposure(w, sec, close));
  // Weights as fractions of equity, unnormalised: a market-neutral book.
  const std::vector<double> neutral{0.5, -0.5, 0.2};
  CHECK(keel::sector_exposure(neutral, sec).portfolio_weights[0] == Approx(0.7 / 0.2).epsilon(1e-14));
  const std::vector<double> zero_net{0.5, -0.5};
  CHECK_THROWS_WITH(keel::sector_exposure(zero_net, std::vector<std::string>{"A", "B"}),
                    Contains("weights sum to 0: they cannot be normalised"));
  const auto raw = keel::sector_exposure(zero_net, std::vector<std::string>{"A", "B"}, {.normalise_weights = false});
  CHECK(raw.portfolio_weights == std::vector<double>{0.5, -0.5});
  CHECK(raw.largest_overweight == 0);
  CHECK(raw.largest_underweight == 1);
  CHECK_THROWS_WITH(keel::sector_exposure(w, std::vector<std::string>{"A"}),
                    Contains("weights has 3 values but sectors has 1"));
  std::vector<double> nan_w(w);
  nan_w[1] = std::nan("");
  CHECK_THROWS_WITH(keel::sector_exposure(nan_w, sec), Contains("weights[1] is NaN"));
  const std::vector<std::pair<std::string, double>> dup{{"A", 0.5}, {"A", 0.5}};
  CHECK_THROWS_WITH(keel::sector_exposure(w, sec, dup), Contains("lists sector 'A' twice"));
  const std::vector<std::pair<std::string, double>> unnamed{{"", 1.0}};
  CHECK_THROWS_WITH(keel::sector_exposure(w, sec, unnamed), Contains("empty sector label"));
  const std::vector<std::pair<std::string, double>> inf_b{{"A", std::numeric_limits<double>::infinity()}};
  CHECK_THROWS_WITH(keel::sector_exposure(w, sec, inf_b), Contains("benchmark weight of 'A' is inf"));
  // const char* labels and string_views are labels too.
  const std::vector<const char*> c_labels{"A", "B", "A"};
  CHECK(keel::sector_exposure(w, c_labels).portfolio_weights[0] == Approx(0.7).epsilon(1e-15));
}

TEST_CASE("sector_exposure of an equal-weighted S&P 500 (2020) against its sector counts", "[sector][real]") {
  const auto path = keel_test::shared_file("data/sp500_2015_2020_sectors.csv");
  if (!path) return;
  const auto table = keel::read_csv(*path);
  std::size_t sector_col = 0;
  for (std::size_t j = 0; j < table.header.size(); ++j)
    if (table.header[j] == "gics_sector_2020") sector_col = j;
  std::vector<std::string> sectors;
  std::map<std::string, int> counts;
  for (const auto& row : table.rows) {
    sectors.push_back(row[sector_col]);
    ++counts[row[sector_col]];
  }
  REQUIRE(sectors.size() == 471);
  REQUIRE(counts.size() == 11);  // SOURCES.md: 11 GICS sectors, complete
  const std::vector<double> equal(sectors.size(), 1.0);
  const auto s = keel::sector_exposure(equal, sectors);
  REQUIRE(s.sectors.size() == 11);
  for (std::size_t r = 0; r < s.sectors.size(); ++r)
    CHECK(s.portfolio_weights[r] == Approx(counts[s.sectors[r]] / 471.0).epsilon(1e-14));
  CHECK(s.unclassified.empty());
  const auto c = keel::concentration_metrics(equal);
  CHECK(c.hhi == Approx(10000.0 / 471).epsilon(1e-13));
}
