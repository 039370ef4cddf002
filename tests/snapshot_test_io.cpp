// SPDX-License-Identifier: MIT
// keel/snapshot.hpp's equal_weighted_returns (against the examples' former computation and the
// bundled DJ30 index) and serialize_universe / deserialize_universe (bit for bit round trip; a
// truncated or corrupted buffer is invalid_input, never a crash).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/snapshot.hpp>

using Catch::Contains;

namespace {

const std::filesystem::path bundled_dir = KEEL_BUNDLED_DATA_DIR;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class M>
bool same_matrix(const M& a, const M& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!same_bits(a.data()[i], b.data()[i])) return false;
  return true;
}

bool same_vector(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same_bits(a[i], b[i])) return false;
  return true;
}

keel::snapshot_universe dow_universe() {
  const std::vector<keel::price_table> parts = {
      keel::read_prices_csv(bundled_dir / "dowjones30_daily_1991_2000_fBasics.csv"),
      keel::read_prices_csv(bundled_dir / "dowjones30_index_1991_2000.csv")};
  return keel::prepare_universe(keel::merge_prices(parts), {.market = "DJ30"});
}

}  // namespace

TEST_CASE("equal_weighted_returns: the examples' former loop, and the bundled DJ30 index", "[snapshot]") {
  const auto p = keel::read_prices_csv(bundled_dir / "dowjones30_daily_1991_2000_fBasics.csv");
  const auto ew = keel::equal_weighted_returns(p);
  // The loop examples/support/data.hpp had (simple returns, mean over the finite ones per date).
  const keel::return_table panel = keel::simple_returns(p);
  REQUIRE(ew.keys() == panel.dates);
  REQUIRE(ew.values().size() == panel.dates.size());
  for (Eigen::Index i = 0; i < panel.returns.rows(); ++i) {
    double sum = 0;
    int count = 0;
    for (Eigen::Index j = 0; j < panel.returns.cols(); ++j)
      if (!std::isnan(panel.returns(i, j))) {
        sum += panel.returns(i, j);
        ++count;
      }
    CHECK(same_bits(ew.values()[static_cast<std::size_t>(i)], count > 0 ? sum / count : std::nan("")));
  }
  // The DJ30 file is this index compounded from 100, printed with 6 decimals.
  const auto ix = keel::read_prices_csv(bundled_dir / "dowjones30_index_1991_2000.csv");
  double level = 100;
  double worst = 0;
  for (std::size_t t = 0; t < ew.values().size(); ++t) {
    level *= 1 + ew.values()[t];
    worst = std::max(worst, std::abs(level - ix.prices(static_cast<Eigen::Index>(t + 1), 0)));
  }
  CHECK(worst <= 5e-7 + 1e-9);
  // A date where no symbol has a return is NaN; a price <= 0 is invalid_input.
  keel::price_table q = p;
  q.prices.row(5).setConstant(std::nan(""));
  const auto gap = keel::equal_weighted_returns(q);
  CHECK(std::isnan(gap.values()[4]));
  CHECK(std::isnan(gap.values()[5]));
  q.prices(9, 2) = -1;
  CHECK_THROWS_AS(keel::equal_weighted_returns(q), keel::invalid_input);
}

TEST_CASE("serialize_universe: the bundled universe round-trips bit for bit", "[snapshot]") {
  const keel::snapshot_universe u = dow_universe();
  const std::string bytes = keel::serialize_universe(u);
  const keel::snapshot_universe v = keel::deserialize_universe(bytes);
  CHECK(v.market == u.market);
  CHECK(v.as_of == u.as_of);
  CHECK(v.dates == u.dates);
  CHECK(v.symbols == u.symbols);
  CHECK(same_matrix(v.returns, u.returns));
  CHECK(same_vector(v.market_returns, u.market_returns));
  CHECK(same_vector(v.last_prices, u.last_prices));
  CHECK(v.usable == u.usable);
  CHECK(v.reasons == u.reasons);
  REQUIRE(v.betas.size() == u.betas.size());
  for (std::size_t j = 0; j < u.betas.size(); ++j) {
    CHECK(same_bits(v.betas[j].beta, u.betas[j].beta));
    CHECK(same_bits(v.betas[j].p_value, u.betas[j].p_value));
    CHECK(same_bits(v.betas[j].raw_beta, u.betas[j].raw_beta));
    CHECK(v.betas[j].n == u.betas[j].n);
    CHECK(v.betas[j].capped == u.betas[j].capped);
  }
  CHECK(same_matrix(v.covariance, u.covariance));
  CHECK(same_matrix(v.means, u.means));
  CHECK(same_matrix(v.volatilities, u.volatilities));
  CHECK(v.history_dates == u.history_dates);
  CHECK(same_matrix(v.history_returns, u.history_returns));
  CHECK(v.periods_per_year == u.periods_per_year);
  CHECK(keel::serialize_universe(v) == bytes);
  // The same summary from either universe.
  const std::vector<keel::holding> book = {{"IBM", 100, "IT"}, {"GE", 200, "Industrials"}};
  CHECK(keel::summarize_risk(book, u, {.market = "DJ30"}).var_99 ==
        keel::summarize_risk(book, v, {.market = "DJ30"}).var_99);
}

TEST_CASE("deserialize_universe: a truncated or corrupt buffer is invalid_input", "[snapshot]") {
  keel::snapshot_universe u = dow_universe();
  const std::string bytes = keel::serialize_universe(u);
  CHECK_THROWS_WITH(keel::deserialize_universe(""), Contains("not a serialised keel universe"));
  CHECK_THROWS_WITH(keel::deserialize_universe(bytes.substr(0, bytes.size() - 1)),
                    Contains("periods_per_year") && Contains("truncated"));
  CHECK_THROWS_WITH(keel::deserialize_universe(bytes + "x"), Contains("1 bytes left over"));
  std::string wrong_version = bytes;
  wrong_version[8] = 7;
  CHECK_THROWS_WITH(keel::deserialize_universe(wrong_version), Contains("format version 7"));
  // Every prefix is rejected, and so is every single-byte change that breaks the structure;
  // none may crash or allocate without bound (ASan and UBSan runs check the former).
  for (std::size_t cut = 0; cut < 4096; cut += 7)
    CHECK_THROWS_AS(keel::deserialize_universe(bytes.substr(0, cut)), keel::invalid_input);
  std::mt19937 rng(5);
  int accepted = 0;
  for (int k = 0; k < 300; ++k) {
    std::string b = bytes;
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 400)(rng);
    b[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    try {
      const auto v = keel::deserialize_universe(b);
      ++accepted;  // a change inside a string or a double: still a consistent universe
      CHECK(v.returns.cols() == static_cast<Eigen::Index>(v.symbols.size()));
    } catch (const keel::invalid_input&) {
    }
  }
  CHECK(accepted < 300);
  // Sizes that disagree: a universe whose returns are not T x N.
  u.returns.resize(u.returns.rows(), u.returns.cols() - 1);
  CHECK_THROWS_WITH(keel::deserialize_universe(keel::serialize_universe(u)), Contains("returns: not T x N"));
}

TEST_CASE("summarize_risk: a quantity whose market value overflows names the holding and its line", "[snapshot]") {
  const keel::snapshot_universe u = dow_universe();
  const std::vector<keel::holding> one = {{"IBM", 10, "IT"}, {"GE", 1e308, "Industrials"}};
  CHECK_THROWS_AS(keel::summarize_risk(one, u, {.market = "DJ30"}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::summarize_risk(one, u, {.market = "DJ30"}),
                    Contains("holdings[1] 'GE': quantity 1e+308 x price") && Contains("overflows the range of double"));
  // Two finite values whose sum overflows, the second read from line 3 of a file.
  std::vector<keel::holding> two = {{"GE", 3e306, "Industrials"}, {"IBM", 1e306, "IT"}};
  two[1].lots.push_back({.quantity = 1e306, .line = 3});
  CHECK_THROWS_WITH(keel::summarize_risk(two, u, {.market = "DJ30"}),
                    Contains("holdings[1] 'IBM' (from line 3)") && Contains("makes the total market value overflow"));
}
