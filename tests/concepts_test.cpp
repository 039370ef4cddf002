// SPDX-License-Identifier: MIT
// Which types model keel's concepts, and why the others do not (mp-units' static lists).
#include <array>
#include <chrono>
#include <deque>
#include <list>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/series.hpp>

#include "support/storage.hpp"

namespace user {
// A caller's own dated type, reached only through ADL keys/values.
struct price_history {
  std::vector<int> days;
  std::vector<double> closes;
};
inline const std::vector<int>& keys(const price_history& h) { return h.days; }
inline const std::vector<double>& values(const price_history& h) { return h.closes; }

// Member functions take precedence over ADL.
struct with_members {
  std::vector<long> k;
  std::vector<float> v;
  [[nodiscard]] const std::vector<long>& keys() const { return k; }
  [[nodiscard]] const std::vector<float>& values() const { return v; }
};

// Unordered keys: a type whose keys cannot be compared is not a DatedSeries.
struct unordered_key {};
struct bad_keys {
  std::vector<unordered_key> k;
  std::vector<double> v;
  [[nodiscard]] const std::vector<unordered_key>& keys() const { return k; }
  [[nodiscard]] const std::vector<double>& values() const { return v; }
};

// Integer values are not a Series, so this is not a DatedSeries either.
struct int_values {
  std::vector<int> k;
  std::vector<int> v;
  [[nodiscard]] const std::vector<int>& keys() const { return k; }
  [[nodiscard]] const std::vector<int>& values() const { return v; }
};
}  // namespace user

using keel::DatedSeries;
using keel::Series;
using ymd = std::chrono::year_month_day;

TEST_CASE("types that model Series", "[concepts]") {
  STATIC_REQUIRE(Series<std::vector<double>>);
  STATIC_REQUIRE(Series<std::vector<float>>);
  STATIC_REQUIRE(Series<std::vector<long double>>);
  STATIC_REQUIRE(Series<const std::vector<double>&>);
  STATIC_REQUIRE(Series<std::span<const float>>);
  STATIC_REQUIRE(Series<std::span<double, 5>>);
  STATIC_REQUIRE(Series<std::array<double, 3>>);
  STATIC_REQUIRE(Series<std::deque<double>>);  // random access, not contiguous
  STATIC_REQUIRE(Series<Eigen::VectorXd>);
  STATIC_REQUIRE(Series<Eigen::VectorXf>);
  STATIC_REQUIRE(Series<Eigen::RowVectorXd>);
  STATIC_REQUIRE(Series<Eigen::ArrayXd>);
  STATIC_REQUIRE(Series<Eigen::Map<const Eigen::VectorXd>>);
  STATIC_REQUIRE(Series<Eigen::Map<Eigen::VectorXf>>);
  STATIC_REQUIRE(Series<decltype(std::declval<const Eigen::MatrixXd&>().col(0))>);
  STATIC_REQUIRE(Series<decltype(std::declval<const Eigen::MatrixXd&>().row(0))>);  // strided
  STATIC_REQUIRE(Series<keel_test::user_series<double>>);
}

TEST_CASE("types that do not model Series", "[concepts]") {
  STATIC_REQUIRE_FALSE(Series<std::vector<int>>);  // integers would truncate returns
  STATIC_REQUIRE_FALSE(Series<std::vector<bool>>);
  STATIC_REQUIRE_FALSE(Series<std::list<double>>);  // not random access
  STATIC_REQUIRE_FALSE(Series<Eigen::MatrixXd>);    // a panel, not a series
  STATIC_REQUIRE_FALSE(Series<double>);
  STATIC_REQUIRE_FALSE(Series<std::string>);
  STATIC_REQUIRE_FALSE(Series<std::vector<std::complex<double>>>);
}

TEST_CASE("types that model DatedSeries", "[concepts]") {
  STATIC_REQUIRE(DatedSeries<keel::dated_series<ymd, double>>);
  STATIC_REQUIRE(DatedSeries<keel::dated_series<int, float>>);
  STATIC_REQUIRE(DatedSeries<keel::dated_series<std::string, double>>);
  STATIC_REQUIRE(DatedSeries<user::price_history>);
  STATIC_REQUIRE(DatedSeries<user::with_members>);
  using view =
      decltype(keel::dated_view(std::declval<const std::vector<ymd>&>(), std::declval<const Eigen::VectorXd&>()));
  STATIC_REQUIRE(DatedSeries<view>);
  STATIC_REQUIRE(std::same_as<keel::key_type_t<user::price_history>, int>);
  STATIC_REQUIRE(std::same_as<keel::value_type_t<user::with_members>, float>);
}

TEST_CASE("types that do not model DatedSeries", "[concepts]") {
  STATIC_REQUIRE_FALSE(DatedSeries<std::vector<double>>);  // no keys
  STATIC_REQUIRE_FALSE(DatedSeries<user::bad_keys>);       // keys not ordered
  STATIC_REQUIRE_FALSE(DatedSeries<user::int_values>);     // values not a Series
}

TEST_CASE("dated_view deduces a reference for named containers and a value for temporaries", "[concepts]") {
  std::vector<int> k{1, 2, 3};
  Eigen::MatrixXd m(3, 2);
  m << 1, 2, 3, 4, 5, 6;
  keel::dated_view by_ref(k, m.col(1));  // the column expression is a temporary: stored by value
  STATIC_REQUIRE(
      std::same_as<decltype(by_ref), keel::dated_view<keel::detail::ref_range<std::vector<int>>, decltype(m.col(1))>>);
  k[0] = 0;  // referenced, not copied
  CHECK(*keel::keys(by_ref).begin() == 0);
  CHECK(keel::values(by_ref).begin()[2] == 6.0);

  keel::dated_view owning(std::vector<int>{7, 8}, std::vector<double>{1.5, 2.5});
  STATIC_REQUIRE(std::same_as<decltype(owning), keel::dated_view<std::vector<int>, std::vector<double>>>);
  CHECK(owning.size() == 2);

  const std::vector<double> v{1.0, 2.0};
  std::span<const int> ks(k.data(), 2);
  keel::dated_view spans(ks, v);
  STATIC_REQUIRE(std::same_as<decltype(spans),
                              keel::dated_view<std::span<const int>, keel::detail::ref_range<std::vector<double>>>>);
}
