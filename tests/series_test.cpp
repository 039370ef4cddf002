// SPDX-License-Identifier: MIT
// Tests of keel/series.hpp: the customisation points keel::keys / keel::values (member or ADL),
// dated_view, dated_series, align (an inner join in O(n + m) that drops NaN rows) and
// simple_returns / log_returns for plain and dated series, over every storage a caller may use.
//
// The lists of which types model Series and DatedSeries are in concepts_test.cpp; here each
// static check sits beside a real call on the same type.
//
// Reference values are computed independently of keel, in long double and by a different
// formula: p1 / p0 - 1 (keel computes (p1 - p0) / p0) and log(p1 / p0) (keel uses log1p).
// Tolerances, relative to the reference:
//   float   4 * FLT_EPSILON (~4.8e-7): keel computes in double and rounds once to float.
//   double  4 * DBL_EPSILON (~8.9e-16): one rounding in the quotient, one in log1p.
#include <algorithm>
#include <array>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <list>
#include <ostream>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/series.hpp>

#include "support/allocations.hpp"
#include "support/storage.hpp"

using ymd = std::chrono::year_month_day;

// ---------------------------------------------------------------------------------------------
// Callers' own dated types, reached by keel only through ADL keys()/values().
namespace client {

/// Daily closes keyed by calendar date, in two std::vectors.
struct close_history {
  std::vector<ymd> dates;
  std::vector<double> closes;
};
[[maybe_unused]] const std::vector<ymd>& keys(const close_history& h) { return h.dates; }
[[maybe_unused]] const std::vector<double>& values(const close_history& h) { return h.closes; }

/// float prices in an Eigen vector; the keys are handed out as a std::span (by value).
struct float_book {
  std::vector<int> day;
  Eigen::VectorXf px;
};
[[maybe_unused]] std::span<const int> keys(const float_book& b) { return b.day; }
[[maybe_unused]] const Eigen::VectorXf& values(const float_book& b) { return b.px; }

/// Has both a member and an ADL overload: keel must take the member.
struct both_ways {
  std::vector<int> member_keys{1, 2, 3};
  std::vector<double> member_values{1.0, 2.0, 3.0};
  std::vector<int> adl_keys{7, 8, 9};
  std::vector<double> adl_values{7.0, 8.0, 9.0};
  [[nodiscard]] const std::vector<int>& keys() const { return member_keys; }
  [[nodiscard]] const std::vector<double>& values() const { return member_values; }
};
[[maybe_unused]] const std::vector<int>& keys(const both_ways& b) { return b.adl_keys; }
[[maybe_unused]] const std::vector<double>& values(const both_ways& b) { return b.adl_values; }

}  // namespace client

// A key whose comparisons are counted: align's work, measured without a clock. In a named
// namespace: clang's -Wunneeded-internal-declaration flags unused hidden friends in an unnamed one.
namespace counting {

inline std::int64_t key_comparisons = 0;
struct counted_key {
  std::int64_t v;
  friend bool operator<(const counted_key& a, const counted_key& b) {
    ++key_comparisons;
    return a.v < b.v;
  }
  friend bool operator==(const counted_key& a, const counted_key& b) {
    ++key_comparisons;
    return a.v == b.v;
  }
  friend bool operator>(const counted_key& a, const counted_key& b) { return b < a; }
  friend bool operator<=(const counted_key& a, const counted_key& b) { return !(b < a); }
  friend bool operator>=(const counted_key& a, const counted_key& b) { return !(a < b); }
  friend std::ostream& operator<<(std::ostream& os, const counted_key& k) { return os << "#" << k.v; }
};

}  // namespace counting

namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

/// Matches an exception whose what() contains every one of the given fragments.
class what_contains : public Catch::MatcherBase<std::exception> {
 public:
  what_contains(std::initializer_list<std::string> parts) : parts_(parts) {}
  bool match(const std::exception& e) const override {
    const std::string what = e.what();
    return std::all_of(parts_.begin(), parts_.end(),
                       [&](const std::string& p) { return what.find(p) != std::string::npos; });
  }
  std::string describe() const override {
    std::string out = "has a message containing";
    for (const auto& p : parts_) out += " \"" + p + "\"";
    return out;
  }

 private:
  std::vector<std::string> parts_;
};

/// The date `offset` days after 2024-01-01.
ymd day(int offset) { return ymd(std::chrono::sys_days(std::chrono::year(2024) / 1 / 1) + std::chrono::days(offset)); }

std::vector<ymd> days(int count) {
  std::vector<ymd> out;
  for (int i = 0; i < count; ++i) out.push_back(day(i));
  return out;
}

constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

/// Prices with returns between about 0.5% and 4% in size, exactly representable in float.
const std::vector<double> price_data{100.0, 101.5, 99.25,  99.75, 102.0, 103.125,
                                     101.0, 100.5, 104.75, 104.0, 105.5, 103.25};

template <class Real>
constexpr long double tolerance = std::same_as<Real, float> ? 4 * FLT_EPSILON : 4 * DBL_EPSILON;

/// The reference return from p0 to p1, written differently from keel's formula.
template <class Real>
long double reference_return(Real p0, Real p1, bool log) {
  const long double ratio = static_cast<long double>(p1) / static_cast<long double>(p0);
  return log ? std::log(ratio) : ratio - 1.0L;
}

long double relative_error(long double actual, long double expected) {
  return std::fabs(actual - expected) / std::fabs(expected);
}

/// Checks `returns` (any sized random-access range) against the reference computed from
/// `prices`, at the tolerance of Real.
template <class Real, class R>
void check_returns(const std::vector<Real>& prices, const R& returns, bool log) {
  REQUIRE(prices.size() >= 1);
  REQUIRE(static_cast<std::size_t>(std::ranges::size(returns)) == prices.size() - 1);
  auto r = std::ranges::begin(returns);
  for (std::size_t i = 1; i < prices.size(); ++i) {
    const long double expected = reference_return(prices[i - 1], prices[i], log);
    const long double actual = r[static_cast<std::ptrdiff_t>(i - 1)];
    INFO((log ? "log" : "simple") << " return " << i - 1 << ": keel " << static_cast<double>(actual) << ", reference "
                                  << static_cast<double>(expected));
    CHECK(relative_error(actual, expected) <= tolerance<Real>);
  }
}

template <class T>
concept has_simple_returns = requires(const T& t) {
  keel::simple_returns(t);
};
template <class T>
concept has_log_returns = requires(const T& t) {
  keel::log_returns(t);
};
template <class A, class B>
concept has_align = requires(const A& a, const B& b) {
  keel::align(a, b);
};

/// The inner join written the slow, obvious way: every pair of rows, O(n * m).
template <class K, class RA, class RB>
keel::aligned_series<K, RA, RB> brute_force_join(const keel::dated_series<K, RA>& a,
                                                 const keel::dated_series<K, RB>& b) {
  keel::aligned_series<K, RA, RB> out;
  for (std::size_t i = 0; i < a.keys().size(); ++i)
    for (std::size_t j = 0; j < b.keys().size(); ++j)
      if (a.keys()[i] == b.keys()[j] && !std::isnan(a.values()[i]) && !std::isnan(b.values()[j])) {
        out.keys.push_back(a.keys()[i]);
        out.first.push_back(a.values()[i]);
        out.second.push_back(b.values()[j]);
      }
  return out;
}

template <class K>
bool strictly_increasing(const std::vector<K>& keys) {
  return std::adjacent_find(keys.begin(), keys.end(), [](const K& x, const K& y) { return !(x < y); }) == keys.end();
}

using int_series = keel::dated_series<int, double>;
using date_series = keel::dated_series<ymd, double>;

}  // namespace

// =============================================================================================
// simple_returns / log_returns over plain series

/// The storage checklist body: TestType is one of KEEL_STORAGE_TYPES (float, double, long double).
template <class TestType>
void returns_over_storage() {
  using Real = typename TestType::real;
  const std::vector<Real> prices = keel_test::converted<Real>(price_data);
  const TestType x(price_data);
  const auto& s = x.series();
  using S = std::remove_cvref_t<decltype(s)>;
  STATIC_REQUIRE(keel::Series<S>);
  STATIC_REQUIRE_FALSE(keel::DatedSeries<S>);
  const std::size_t n = prices.size();

  SECTION("the returning form gives a std::vector of the input's type") {
    const auto simple = keel::simple_returns(s);
    const auto log = keel::log_returns(s);
    STATIC_REQUIRE(std::same_as<std::remove_cvref_t<decltype(simple)>, std::vector<Real>>);
    STATIC_REQUIRE(std::same_as<std::remove_cvref_t<decltype(log)>, std::vector<Real>>);
    check_returns(prices, simple, false);
    check_returns(prices, log, true);
  }

  SECTION("the allocation-free form writes into a std::vector, a std::span or an Eigen vector") {
    std::vector<Real> out(n - 1, std::numeric_limits<Real>::quiet_NaN());
    keel::simple_returns(s, out);
    check_returns(prices, out, false);
    keel::log_returns(s, std::span<Real>(out));
    check_returns(prices, out, true);

    Eigen::Matrix<Real, Eigen::Dynamic, 1> eigen_out(static_cast<Eigen::Index>(n - 1));
    keel::simple_returns(s, eigen_out);
    check_returns(prices, eigen_out, false);
    keel::log_returns(s, eigen_out);
    check_returns(prices, eigen_out, true);
  }

  SECTION("a NaN, an infinity, a zero or a negative price is invalid_input naming index and value") {
    struct bad_case {
      double value;
      std::string text;
    };
    const std::vector<bad_case> cases{{qnan, "prices[3] = NaN"},
                                      {inf, "prices[3] = inf"},
                                      {-inf, "prices[3] = -inf"},
                                      {0.0, "prices[3] = 0 is not positive"},
                                      {-2.5, "prices[3] = -2.5 is not positive"}};
    for (const auto& c : cases) {
      std::vector<double> data = price_data;
      data[3] = c.value;
      const TestType bad(data);
      const auto& b = bad.series();
      std::vector<Real> out(n - 1);
      INFO("bad price " << c.text);
      REQUIRE_THROWS_MATCHES(keel::simple_returns(b), keel::invalid_input, what_contains({"simple_returns", c.text}));
      REQUIRE_THROWS_MATCHES(keel::log_returns(b), keel::invalid_input, what_contains({"log_returns", c.text}));
      REQUIRE_THROWS_MATCHES(keel::simple_returns(b, out), keel::invalid_input,
                             what_contains({"simple_returns", c.text}));
      REQUIRE_THROWS_MATCHES(keel::log_returns(b, out), keel::invalid_input, what_contains({"log_returns", c.text}));
    }
    std::vector<double> first_bad = price_data;
    first_bad[0] = -1.0;
    const TestType bad(first_bad);
    REQUIRE_THROWS_MATCHES(keel::simple_returns(bad.series()), keel::invalid_input,
                           what_contains({"prices[0] = -1 is not positive"}));
  }

  SECTION("an output of the wrong size is invalid_input naming both sizes") {
    std::vector<Real> too_long(n);
    std::vector<Real> too_short(n - 2);
    REQUIRE_THROWS_MATCHES(keel::simple_returns(s, too_long), keel::invalid_input,
                           what_contains({"simple_returns", "output has 12", "prices minus one has 11"}));
    REQUIRE_THROWS_MATCHES(keel::log_returns(s, too_short), keel::invalid_input,
                           what_contains({"log_returns", "output has 10", "prices minus one has 11"}));
  }

  SECTION("zero and one prices give no returns") {
    const TestType empty(std::vector<double>{});
    const TestType one(std::vector<double>{100.0});
    CHECK(keel::simple_returns(empty.series()).empty());
    CHECK(keel::log_returns(empty.series()).empty());
    CHECK(keel::simple_returns(one.series()).empty());
    CHECK(keel::log_returns(one.series()).empty());
    std::vector<Real> none;
    keel::simple_returns(empty.series(), none);
    keel::log_returns(one.series(), none);
    CHECK(none.empty());
    std::vector<Real> one_slot(1);
    REQUIRE_THROWS_MATCHES(keel::simple_returns(one.series(), one_slot), keel::invalid_input,
                           what_contains({"output has 1", "prices minus one has 0"}));
    REQUIRE_THROWS_MATCHES(keel::simple_returns(empty.series(), one_slot), keel::invalid_input,
                           what_contains({"output has 1", "prices minus one has 0"}));
  }
}

// Every storage of the checklist in float and double (five storages x float and double, spelled
// out as KEEL_STORAGE_TYPES: Catch2 2.13's TEMPLATE_PRODUCT_TEST_CASE trips -Wsign-conversion).
TEMPLATE_TEST_CASE("simple and log returns over the storage checklist", "[series][returns]", KEEL_STORAGE_TYPES) {
  returns_over_storage<TestType>();
}

TEST_CASE("returns over std::array, std::span<const float>, Eigen::Map and Eigen blocks", "[series][returns]") {
  SECTION("std::array of double and of float") {
    const std::array<double, 5> a{100.0, 102.0, 101.0, 103.5, 99.0};
    STATIC_REQUIRE(keel::Series<decltype(a)>);
    const std::vector<double> p(a.begin(), a.end());
    check_returns(p, keel::simple_returns(a), false);
    check_returns(p, keel::log_returns(a), true);
    std::array<double, 4> out{};
    keel::simple_returns(a, out);
    check_returns(p, out, false);

    const std::array<float, 4> f{10.0f, 10.25f, 10.125f, 9.875f};
    const std::vector<float> pf(f.begin(), f.end());
    STATIC_REQUIRE(std::same_as<decltype(keel::log_returns(f)), std::vector<float>>);
    check_returns(pf, keel::log_returns(f), true);
  }

  SECTION("std::span<const float> over part of a buffer") {
    const std::vector<float> buffer{1.0f, 50.0f, 50.5f, 49.75f, 51.0f, 2.0f};
    const std::span<const float> middle(buffer.data() + 1, 4);
    STATIC_REQUIRE(keel::Series<decltype(middle)>);
    const std::vector<float> p(middle.begin(), middle.end());
    check_returns(p, keel::simple_returns(middle), false);
    std::array<float, 3> out{};
    keel::log_returns(middle, std::span<float>(out));
    check_returns(p, out, true);
  }

  SECTION("an Eigen::Map over a raw C array, read and written in place") {
    const double raw[] = {20.0, 20.5, 20.25, 21.0, 20.75, 21.5};
    double raw_out[5] = {};
    const Eigen::Map<const Eigen::VectorXd> prices(raw, 6);
    Eigen::Map<Eigen::VectorXd> out(raw_out, 5);
    STATIC_REQUIRE(keel::Series<decltype(prices)>);
    const std::vector<double> p(std::begin(raw), std::end(raw));
    check_returns(p, keel::simple_returns(prices), false);
    keel::log_returns(prices, out);
    check_returns(p, std::span<const double>(raw_out), true);  // written through the Map

    const float rawf[] = {3.0f, 3.125f, 3.0625f};
    const Eigen::Map<const Eigen::VectorXf> pricesf(rawf, 3);
    check_returns(std::vector<float>(std::begin(rawf), std::end(rawf)), keel::simple_returns(pricesf), false);
  }

  SECTION("an Eigen matrix column and a (strided) row, as input and as output") {
    Eigen::MatrixXd m(4, 3);  // column-major: a row is strided
    m << 100.0, 50.0, 10.0,   //
        101.0, 49.5, 10.5,    //
        99.5, 50.25, 10.25,   //
        102.0, 51.0, 10.75;
    const Eigen::MatrixXd& cm = m;
    STATIC_REQUIRE(keel::Series<decltype(cm.col(1))>);
    STATIC_REQUIRE(keel::Series<decltype(cm.row(2))>);
    check_returns(std::vector<double>{50.0, 49.5, 50.25, 51.0}, keel::simple_returns(cm.col(1)), false);
    check_returns(std::vector<double>{99.5, 50.25, 10.25}, keel::log_returns(cm.row(2)), true);
    check_returns(std::vector<double>{49.5, 50.25, 51.0}, keel::simple_returns(cm.col(1).segment(1, 3)), false);

    Eigen::MatrixXd out(3, 3);
    out.setConstant(qnan);
    for (Eigen::Index j = 0; j < 3; ++j) keel::simple_returns(cm.col(j), out.col(j));
    for (Eigen::Index j = 0; j < 3; ++j) {
      const Eigen::VectorXd col = m.col(j);
      check_returns(std::vector<double>(col.begin(), col.end()), out.col(j), false);
    }
    Eigen::MatrixXd row_out = Eigen::MatrixXd::Zero(2, 2);
    keel::log_returns(cm.row(0), row_out.row(1));  // strided output
    check_returns(std::vector<double>{100.0, 50.0, 10.0}, row_out.row(1), true);
    CHECK(row_out.row(0).isZero());
  }

  SECTION("std::vector<int> and std::list<double> are not accepted") {
    STATIC_REQUIRE(has_simple_returns<std::vector<double>>);
    STATIC_REQUIRE(has_log_returns<std::span<const float>>);
    STATIC_REQUIRE_FALSE(has_simple_returns<std::vector<int>>);
    STATIC_REQUIRE_FALSE(has_log_returns<std::vector<int>>);
    STATIC_REQUIRE_FALSE(has_simple_returns<std::list<double>>);
    STATIC_REQUIRE_FALSE(has_log_returns<std::list<double>>);
  }
}

TEST_CASE("a simple return too large for its type is invalid_input, a log return stays finite", "[series][returns]") {
  // Each price is positive and finite, but the move from one to the next overflows the result.
  const std::vector<double> d{1e-310, 1e300, 1.0};
  REQUIRE_THROWS_MATCHES(keel::simple_returns(d), keel::invalid_input,
                         what_contains({"simple_returns", "prices[0] = 1e-310", "prices[1] = 1e+300", "overflows"}));
  // A log return never overflows: past log1p's domain it is ln p1 - ln p0.
  const std::vector<double> logs = keel::log_returns(d);
  CHECK(logs[0] == Approx(std::log(1e300) - std::log(1e-310)).epsilon(1e-15));
  CHECK(logs[1] == Approx(-std::log(1e300)).epsilon(1e-15));
  const std::vector<double> crash{1e300, 1e-300};  // (p1 - p0) / p0 rounds to -1: log1p(-1) = -inf
  CHECK(keel::log_returns(crash)[0] == Approx(-600 * std::log(10.0)).epsilon(1e-14));
  // float results: (1e30 - 1e-30) / 1e-30 fits double but not float.
  const std::vector<float> f{1.0f, 1e-30f, 1e30f};
  std::vector<float> out(2);
  REQUIRE_THROWS_MATCHES(
      keel::simple_returns(f, out), keel::invalid_input,
      what_contains({"from prices[1] = 1.0000000031710769e-30", "to prices[2] = 1.0000000150474662e+30", "overflows"}));
  const keel::dated_series<int, float> dated({1, 2, 3}, std::vector<float>(f));
  REQUIRE_THROWS_MATCHES(keel::simple_returns(dated), keel::invalid_input, what_contains({"prices[2]", "overflows"}));
  CHECK(keel::values(keel::log_returns(dated))[1] == Approx(60 * std::log(10.0)).epsilon(1e-6));
  // The largest moves prices can make and still fit are returned as they are.
  const std::vector<double> wide{1e-150, 1e150};
  CHECK(keel::simple_returns(wide)[0] == Approx(1e300).epsilon(1e-15));
  CHECK(keel::log_returns(wide)[0] == Approx(300 * std::log(10.0)).epsilon(1e-15));
}

TEST_CASE("float returns keep full float precision for small moves", "[series][returns]") {
  const float p0 = 100.0f;
  const float p1 = 100.01f;
  // The exact return of these two float values: p1 - p0 is exact in long double.
  const long double exact =
      (static_cast<long double>(p1) - static_cast<long double>(p0)) / static_cast<long double>(p0);
  const std::array<float, 2> prices{p0, p1};
  const float keel_simple = keel::simple_returns(prices)[0];
  const float keel_log = keel::log_returns(prices)[0];
  INFO("exact " << static_cast<double>(exact) << ", keel " << keel_simple);
  // keel's float result is the exact value rounded to float.
  CHECK(keel_simple == static_cast<float>(exact));
  CHECK(keel_log == static_cast<float>(std::log1p(exact)));
  // The naive float formula rounds p1 / p0 near 1 and then cancels: about 400 float ulps off
  // (relative error 4.8e-5), where keel is within half an ulp.
  const float naive = p1 / p0 - 1.0f;
  INFO("naive " << naive);
  CHECK(naive != keel_simple);
  CHECK(relative_error(naive, exact) > 100 * FLT_EPSILON);
  CHECK(relative_error(keel_simple, exact) <= 0.5L * FLT_EPSILON);
}

// =============================================================================================
// Customisation points

TEST_CASE("keel::keys and keel::values find members first, then ADL", "[series][cpo]") {
  const client::both_ways b;
  CHECK(&keel::keys(b) == &b.member_keys);
  CHECK(&keel::values(b) == &b.member_values);

  const client::close_history h{days(3), {10.0, 11.0, 12.0}};
  STATIC_REQUIRE(keel::DatedSeries<client::close_history>);
  CHECK(&keel::keys(h) == &h.dates);
  CHECK(&keel::values(h) == &h.closes);

  client::float_book fb{{1, 2, 3}, Eigen::VectorXf(3)};
  fb.px << 1.0f, 2.0f, 3.0f;
  STATIC_REQUIRE(std::same_as<decltype(keel::keys(fb)), std::span<const int>>);
  STATIC_REQUIRE(std::same_as<keel::value_type_t<client::float_book>, float>);
  CHECK(keel::keys(fb).data() == fb.day.data());
  CHECK(&keel::values(fb) == &fb.px);
}

// =============================================================================================
// Dated returns

TEST_CASE("dated returns are keyed keys[1..]", "[series][returns][dated]") {
  const std::vector<ymd> dates{day(0), day(1), day(2), day(5), day(6), day(7)};
  const std::vector<double> closes{100.0, 101.0, 100.5, 102.25, 101.75, 103.0};
  const std::vector<ymd> later(dates.begin() + 1, dates.end());

  SECTION("dated_series<ymd, double>") {
    const date_series s(dates, closes);
    const auto simple = keel::simple_returns(s);
    const auto log = keel::log_returns(s);
    STATIC_REQUIRE(std::same_as<decltype(simple), const keel::dated_series<ymd, double>>);
    CHECK(simple.keys() == later);
    CHECK(log.keys() == later);
    check_returns(closes, simple.values(), false);
    check_returns(closes, log.values(), true);
  }

  SECTION("a user-defined type with ADL keys/values") {
    const client::close_history h{dates, closes};
    const auto simple = keel::simple_returns(h);
    STATIC_REQUIRE(std::same_as<decltype(simple), const keel::dated_series<ymd, double>>);
    CHECK(simple.keys() == later);
    check_returns(closes, simple.values(), false);
  }

  SECTION("float prices in an Eigen vector keyed by a span of ints stay float") {
    client::float_book fb{{3, 5, 8, 13}, Eigen::VectorXf(4)};
    fb.px << 8.0f, 8.125f, 7.9375f, 8.25f;
    const auto log = keel::log_returns(fb);
    STATIC_REQUIRE(std::same_as<decltype(log), const keel::dated_series<int, float>>);
    CHECK(log.keys() == std::vector<int>{5, 8, 13});
    check_returns(std::vector<float>{8.0f, 8.125f, 7.9375f, 8.25f}, log.values(), true);
  }

  SECTION("zero and one rows give an empty series") {
    CHECK(keel::simple_returns(date_series{}).empty());
    CHECK(keel::log_returns(date_series({day(0)}, {100.0})).empty());
  }
}

TEST_CASE("a missing (NaN) price makes exactly the two returns that touch it NaN", "[series][returns][dated]") {
  const std::vector<double> closes{100.0, 101.0, 100.5, 102.25, 101.75, 103.0, 102.5};
  const std::size_t n = closes.size();
  for (std::size_t gap = 0; gap < n; ++gap) {
    std::vector<double> with_gap = closes;
    with_gap[gap] = qnan;
    const int_series s(std::vector<int>{1, 2, 3, 4, 5, 6, 7}, with_gap);
    for (const bool log : {false, true}) {
      const auto r = log ? keel::log_returns(s) : keel::simple_returns(s);
      REQUIRE(r.size() == static_cast<std::ptrdiff_t>(n - 1));
      for (std::size_t i = 0; i + 1 < n; ++i) {
        INFO("gap at " << gap << ", return " << i << (log ? " (log)" : " (simple)"));
        const bool touches_gap = i + 1 == gap || i == gap;
        if (touches_gap) {
          CHECK(std::isnan(r.values()[i]));
        } else {
          REQUIRE_FALSE(std::isnan(r.values()[i]));
          CHECK(relative_error(r.values()[i], reference_return(closes[i], closes[i + 1], log)) <= tolerance<double>);
        }
      }
    }
  }
  // Two missing prices in a row: three returns are missing, none bridges the gap.
  const int_series s({1, 2, 3, 4, 5}, {100.0, qnan, qnan, 102.0, 103.0});
  const auto r = keel::simple_returns(s);
  CHECK(std::isnan(r.values()[0]));
  CHECK(std::isnan(r.values()[1]));
  CHECK(std::isnan(r.values()[2]));
  CHECK(r.values()[3] == Approx(1.0 / 102.0).epsilon(1e-15));
}

TEST_CASE("dated returns reject unordered keys, mismatched lengths and bad prices", "[series][returns][dated]") {
  SECTION("unsorted and duplicate keys name the index and the key; dates print as YYYY-MM-DD") {
    const std::vector<ymd> unsorted{day(0), day(3), day(2), day(4)};
    const std::vector<double> closes{1.0, 2.0, 3.0, 4.0};
    REQUIRE_THROWS_MATCHES(
        keel::simple_returns(keel::dated_view(unsorted, closes)), keel::invalid_input,
        what_contains({"simple_returns", "not strictly increasing", "key[2] = 2024-01-03", "key[1] = 2024-01-04"}));
    const client::close_history dup{{day(0), day(1), day(1), day(2)}, closes};
    REQUIRE_THROWS_MATCHES(keel::log_returns(dup), keel::invalid_input,
                           what_contains({"log_returns", "key[2] = 2024-01-02", "key[1] = 2024-01-02"}));
    const std::vector<int> int_keys{10, 20, 30, 25};
    REQUIRE_THROWS_MATCHES(keel::simple_returns(keel::dated_view(int_keys, closes)), keel::invalid_input,
                           what_contains({"key[3] = 25", "key[2] = 30"}));
  }

  SECTION("keys and values of different lengths") {
    const client::close_history h{days(4), {1.0, 2.0, 3.0}};
    REQUIRE_THROWS_MATCHES(keel::simple_returns(h), keel::invalid_input,
                           what_contains({"simple_returns", "4 keys but 3 values"}));
    REQUIRE_THROWS_MATCHES(keel::log_returns(h), keel::invalid_input,
                           what_contains({"log_returns", "4 keys but 3 values"}));
  }

  SECTION("an infinite price is invalid_input even in a dated series") {
    const std::vector<ymd> dates = days(4);
    for (const double bad : {inf, -inf}) {
      const std::vector<double> closes{1.0, 2.0, bad, 4.0};
      REQUIRE_THROWS_MATCHES(keel::simple_returns(keel::dated_view(dates, closes)), keel::invalid_input,
                             what_contains({"prices[2] on 2024-01-03", bad > 0 ? "is inf" : "is -inf"}));
      REQUIRE_THROWS_MATCHES(keel::log_returns(keel::dated_view(dates, closes)), keel::invalid_input,
                             what_contains({"prices[2]", "inf"}));
    }
  }

  SECTION("a zero or negative price names its index and value") {
    REQUIRE_THROWS_MATCHES(keel::simple_returns(int_series({1, 2, 3}, {1.0, 0.0, 2.0})), keel::invalid_input,
                           what_contains({"prices[1] at key 2 = 0 is not positive"}));
    REQUIRE_THROWS_MATCHES(keel::log_returns(int_series({1, 2, 3}, {1.0, 2.0, -0.5})), keel::invalid_input,
                           what_contains({"prices[2] at key 3 = -0.5 is not positive"}));
  }
}

// =============================================================================================
// dated_view

namespace {
/// Built from temporaries: the view must own them, or every use below reads freed memory
/// (AddressSanitizer builds catch that).
auto view_of_temporaries() {
  return keel::dated_view(std::vector<int>{1, 2, 3, 4}, std::vector<double>{10.0, 11.0, 12.0, 13.0});
}
}  // namespace

TEST_CASE("dated_view references named containers and owns temporaries", "[series][dated_view]") {
  SECTION("a named container is referenced: later changes are visible") {
    std::vector<int> k{1, 2, 3};
    std::vector<double> v{100.0, 110.0, 121.0};
    const keel::dated_view view(k, v);
    CHECK(keel::keys(view).begin() == std::as_const(k).begin());
    CHECK(keel::simple_returns(view).values()[1] == Approx(0.1).epsilon(1e-15));
    v[2] = 99.0;
    k[2] = 30;
    const auto r = keel::simple_returns(view);
    CHECK(r.keys() == std::vector<int>{2, 30});
    CHECK(r.values()[1] == Approx(-0.1).epsilon(1e-15));
  }

  SECTION("temporaries are stored by value") {
    const auto view = view_of_temporaries();
    STATIC_REQUIRE(std::same_as<std::remove_cvref_t<decltype(keel::keys(view))>, std::vector<int>>);
    const auto r = keel::simple_returns(view);
    CHECK(r.keys() == std::vector<int>{2, 3, 4});
    CHECK(r.values()[0] == Approx(0.1).epsilon(1e-15));
    const auto joined = keel::align(view, view_of_temporaries());
    CHECK(joined.keys == std::vector<int>{1, 2, 3, 4});
  }

  SECTION("an Eigen column expression (a temporary) over a named matrix") {
    const std::vector<ymd> dates = days(3);
    Eigen::MatrixXf m(3, 2);
    m << 1.0f, 4.0f, 2.0f, 5.0f, 4.0f, 6.0f;
    const keel::dated_view view(dates, m.col(0));
    STATIC_REQUIRE(keel::DatedSeries<decltype(view)>);
    STATIC_REQUIRE(std::same_as<keel::value_type_t<decltype(view)>, float>);
    const auto r = keel::simple_returns(view);
    CHECK(r.values() == std::vector<float>{1.0f, 1.0f});
    m(2, 0) = 6.0f;  // the block refers to the matrix
    CHECK(keel::simple_returns(view).values()[1] == 2.0f);
  }

  SECTION("year_month_day, int and std::string keys") {
    const std::vector<double> v{10.0, 12.5, 10.0};
    const std::vector<ymd> dates{day(0), day(31), day(59)};
    const std::vector<int> ints{-5, 0, 5};
    const std::vector<std::string> names{"2024-01-01", "2024-02-01", "2024-02-29"};
    CHECK(keel::simple_returns(keel::dated_view(dates, v)).keys() == std::vector<ymd>{day(31), day(59)});
    CHECK(keel::simple_returns(keel::dated_view(ints, v)).keys() == std::vector<int>{0, 5});
    const auto by_name = keel::log_returns(keel::dated_view(names, v));
    CHECK(by_name.keys() == std::vector<std::string>{"2024-02-01", "2024-02-29"});
    CHECK(by_name.values()[0] == Approx(std::log(1.25)).epsilon(1e-15));
    const std::vector<std::string> unsorted{"b", "c", "a"};
    REQUIRE_THROWS_MATCHES(keel::simple_returns(keel::dated_view(unsorted, v)), keel::invalid_input,
                           what_contains({"key[2] = 'a'", "key[1] = 'c'"}));
  }

  SECTION("keys and values of different sizes are rejected at construction") {
    const std::vector<int> k{1, 2, 3};
    const std::vector<double> v{1.0, 2.0};
    REQUIRE_THROWS_MATCHES(keel::dated_view(k, v), keel::invalid_input,
                           what_contains({"dated_view", "keys has 3", "values has 2"}));
    REQUIRE_THROWS_MATCHES(keel::dated_view(std::span<const int>(k), Eigen::VectorXd(4)), keel::invalid_input,
                           what_contains({"keys has 3", "values has 4"}));
  }
}

// =============================================================================================
// dated_series

TEST_CASE("dated_series checks its invariants at construction", "[series][dated_series]") {
  const int_series ok({1, 2, 5}, {1.0, qnan, 3.0});  // NaN marks a missing value: allowed
  CHECK(ok.size() == 3);
  CHECK_FALSE(ok.empty());
  CHECK(int_series{}.empty());

  REQUIRE_THROWS_MATCHES(int_series({1, 3, 2}, {1.0, 2.0, 3.0}), keel::invalid_input,
                         what_contains({"dated_series", "not strictly increasing", "key[2] = 2", "key[1] = 3"}));
  REQUIRE_THROWS_MATCHES(int_series({1, 1}, {1.0, 2.0}), keel::invalid_input,
                         what_contains({"key[1] = 1", "key[0] = 1"}));
  REQUIRE_THROWS_MATCHES(date_series({day(0), day(2), day(1)}, {1.0, 2.0, 3.0}), keel::invalid_input,
                         what_contains({"key[2] = 2024-01-02", "key[1] = 2024-01-03"}));
  REQUIRE_THROWS_MATCHES(int_series({1, 2, 3}, {1.0, 2.0}), keel::invalid_input,
                         what_contains({"3 keys but 2 values"}));
  REQUIRE_THROWS_MATCHES(int_series({1, 2, 3}, {1.0, -inf, 2.0}), keel::invalid_input,
                         what_contains({"series[1] at key 2 is -inf"}));
}

TEST_CASE("dated_series copies any DatedSeries, converting float to double", "[series][dated_series]") {
  const std::vector<int> k{2, 4, 6};
  Eigen::MatrixXf m(3, 2);
  m << 1.5f, 0.1f, 2.5f, 0.2f, 3.5f, 0.3f;

  const keel::dated_series<int, double> from_view(keel::dated_view(k, m.col(1)));
  CHECK(from_view.keys() == k);
  REQUIRE(from_view.size() == 3);
  for (std::size_t i = 0; i < 3; ++i)
    CHECK(from_view.values()[i] == static_cast<double>(m(static_cast<Eigen::Index>(i), 1)));

  const keel::dated_series<int, float> narrow(k, {1.0f, 2.0f, 3.0f});
  const keel::dated_series<long, double> wide(narrow);
  CHECK(wide.keys() == std::vector<long>{2, 4, 6});
  CHECK(wide.values() == std::vector<double>{1.0, 2.0, 3.0});

  const client::close_history h{days(2), {5.0, 6.0}};
  const date_series from_adl(h);
  CHECK(from_adl.keys() == h.dates);
  CHECK(from_adl.values() == h.closes);

  // The copy checks the invariants that a view does not.
  const std::vector<int> unsorted{3, 1, 2};
  REQUIRE_THROWS_MATCHES(int_series(keel::dated_view(unsorted, m.col(0))), keel::invalid_input,
                         what_contains({"key[1] = 1", "key[0] = 3"}));
}

// =============================================================================================
// align

TEST_CASE("align matches a brute-force inner join on random key sets", "[series][align]") {
  std::mt19937 gen(20240611);
  std::bernoulli_distribution missing(0.15);
  std::uniform_real_distribution<double> value(1.0, 2.0);
  std::uniform_int_distribution<int> universe(0, 80);

  auto random_series = [&](double density) {
    std::bernoulli_distribution present(density);
    std::vector<int> keys;
    std::vector<double> values;
    const int top = universe(gen);
    for (int key = 0; key < top; ++key)
      if (present(gen)) {
        keys.push_back(key);
        values.push_back(missing(gen) ? qnan : value(gen));
      }
    return int_series(std::move(keys), std::move(values));
  };
  // One result reused for every join below: the out form must clear what it held before.
  keel::aligned_series<int, double> reused;
  auto check_against_brute_force = [&reused](const int_series& a, const int_series& b) {
    const auto got = keel::align(a, b);
    const auto want = brute_force_join(a, b);
    keel::align(a, b, reused);
    CHECK(reused.keys == want.keys);
    CHECK(reused.first == want.first);
    CHECK(reused.second == want.second);
    CHECK(got.keys == want.keys);
    CHECK(got.first == want.first);  // copied, not computed: exact equality
    CHECK(got.second == want.second);
    CHECK(strictly_increasing(got.keys));
    CHECK(got.first.size() == got.keys.size());
    CHECK(got.second.size() == got.keys.size());
    CHECK(std::none_of(got.first.begin(), got.first.end(), [](double x) { return std::isnan(x); }));
    CHECK(std::none_of(got.second.begin(), got.second.end(), [](double x) { return std::isnan(x); }));
  };

  for (int trial = 0; trial < 300; ++trial) {
    const int_series a = random_series(trial % 3 == 0 ? 0.9 : 0.5);
    const int_series b = random_series(trial % 5 == 0 ? 0.2 : 0.6);
    INFO("trial " << trial << ": " << a.size() << " and " << b.size() << " rows");
    check_against_brute_force(a, b);
    check_against_brute_force(b, a);
    check_against_brute_force(a, a);  // identical
  }

  SECTION("disjoint, identical and empty series") {
    const int_series evens({0, 2, 4, 6}, {1.0, 2.0, 3.0, 4.0});
    const int_series odds({1, 3, 5, 7}, {1.0, 2.0, 3.0, 4.0});
    const int_series after({10, 11}, {1.0, 2.0});
    const int_series empty;
    CHECK(keel::align(evens, odds).keys.empty());
    CHECK(keel::align(evens, after).keys.empty());
    CHECK(keel::align(after, evens).keys.empty());
    CHECK(keel::align(evens, empty).keys.empty());
    CHECK(keel::align(empty, evens).keys.empty());
    CHECK(keel::align(empty, empty).keys.empty());
    const auto same = keel::align(evens, evens);
    CHECK(same.keys == evens.keys());
    CHECK(same.first == evens.values());
    CHECK(same.second == evens.values());
    for (const auto* s : {&evens, &odds, &after, &empty}) check_against_brute_force(*s, evens);
  }
}

TEST_CASE("align drops rows where either value is NaN", "[series][align]") {
  const int_series a({1, 2, 3, 4, 5}, {1.0, qnan, 3.0, 4.0, 5.0});
  const int_series b({2, 3, 4, 5, 6}, {20.0, 30.0, qnan, 50.0, 60.0});
  const auto j = keel::align(a, b);
  CHECK(j.keys == std::vector<int>{3, 5});
  CHECK(j.first == std::vector<double>{3.0, 5.0});
  CHECK(j.second == std::vector<double>{30.0, 50.0});
}

TEST_CASE("align joins mixed key and value types through their common type", "[series][align]") {
  const keel::dated_series<int, float> a({1, 2, 3, 4}, {1.0f, 2.0f, 3.0f, 4.0f});
  const keel::dated_series<long, double> b({2L, 4L, 3'000'000'000L}, {20.0, 40.0, 50.0});
  const auto j = keel::align(a, b);
  STATIC_REQUIRE(std::same_as<decltype(j), const keel::aligned_series<long, float, double>>);
  CHECK(j.keys == std::vector<long>{2, 4});
  CHECK(j.first == std::vector<float>{2.0f, 4.0f});
  CHECK(j.second == std::vector<double>{20.0, 40.0});

  // A user-defined ADL type beside a keel::dated_series.
  const client::close_history h{{day(0), day(1), day(3), day(4)}, {10.0, 11.0, 12.0, 13.0}};
  const date_series s({day(1), day(2), day(3)}, {1.0, 2.0, 3.0});
  STATIC_REQUIRE(has_align<client::close_history, date_series>);
  const auto hs = keel::align(h, s);
  CHECK(hs.keys == std::vector<ymd>{day(1), day(3)});
  CHECK(hs.first == std::vector<double>{11.0, 12.0});
  CHECK(hs.second == std::vector<double>{1.0, 3.0});
  const auto sh = keel::align(s, h);
  CHECK(sh.keys == hs.keys);
  CHECK(sh.first == hs.second);

  // An Eigen-backed float book against a dated_view over an Eigen column.
  client::float_book fb{{1, 2, 3}, Eigen::VectorXf(3)};
  fb.px << 1.0f, 2.0f, 3.0f;
  const std::vector<int> k{0, 2, 3};
  const Eigen::MatrixXd m = Eigen::MatrixXd::Constant(3, 2, 7.0);
  const auto fv = keel::align(fb, keel::dated_view(k, m.col(1)));
  CHECK(fv.keys == std::vector<int>{2, 3});
  CHECK(fv.first == std::vector<float>{2.0f, 3.0f});

  // Keys that cannot be compared with each other do not align.
  STATIC_REQUIRE_FALSE(has_align<int_series, date_series>);
}

TEST_CASE("align rejects unordered keys, mismatched lengths and infinities, naming the series", "[series][align]") {
  const int_series good({1, 2, 3}, {1.0, 2.0, 3.0});
  const std::vector<double> v4{1.0, 2.0, 3.0, 4.0};
  const std::vector<int> unsorted{1, 5, 4, 6};
  const std::vector<int> duplicate{1, 2, 2, 3};
  REQUIRE_THROWS_MATCHES(keel::align(keel::dated_view(unsorted, v4), good), keel::invalid_input,
                         what_contains({"align", "first series", "key[2] = 4", "key[1] = 5"}));
  REQUIRE_THROWS_MATCHES(keel::align(good, keel::dated_view(unsorted, v4)), keel::invalid_input,
                         what_contains({"align", "second series", "key[2] = 4", "key[1] = 5"}));
  REQUIRE_THROWS_MATCHES(keel::align(keel::dated_view(duplicate, v4), good), keel::invalid_input,
                         what_contains({"first series", "key[2] = 2"}));
  REQUIRE_THROWS_MATCHES(keel::align(good, keel::dated_view(duplicate, v4)), keel::invalid_input,
                         what_contains({"second series", "key[2] = 2"}));

  const client::close_history dates{{day(0), day(2), day(1)}, {1.0, 2.0, 3.0}};
  const date_series fine({day(0), day(1)}, {1.0, 2.0});
  REQUIRE_THROWS_MATCHES(keel::align(fine, dates), keel::invalid_input,
                         what_contains({"second series", "key[2] = 2024-01-02", "key[1] = 2024-01-03"}));

  const client::close_history short_values{days(3), {1.0, 2.0}};
  REQUIRE_THROWS_MATCHES(keel::align(short_values, fine), keel::invalid_input,
                         what_contains({"first series has 3 keys but 2 values"}));

  const std::vector<int> k4{1, 2, 3, 4};
  const std::vector<double> with_inf{1.0, 2.0, 3.0, inf};
  REQUIRE_THROWS_MATCHES(keel::align(good, keel::dated_view(k4, with_inf)), keel::invalid_input,
                         what_contains({"second series[3] at key 4 is inf"}));
  REQUIRE_THROWS_MATCHES(keel::align(keel::dated_view(k4, with_inf), good), keel::invalid_input,
                         what_contains({"first series[3] at key 4 is inf"}));
}

TEST_CASE("align into a reused result allocates nothing once it has the capacity", "[series][align][allocation]") {
  std::vector<long> ka(5000), kb(4000);
  std::vector<double> va(ka.size()), vb(kb.size());
  for (std::size_t i = 0; i < ka.size(); ++i) {
    ka[i] = static_cast<long>(2 * i);
    va[i] = i % 17 == 0 ? qnan : 1.0 + static_cast<double>(i);
  }
  for (std::size_t i = 0; i < kb.size(); ++i) {
    kb[i] = static_cast<long>(3 * i);
    vb[i] = -static_cast<double>(i);
  }
  const auto a = keel::dated_view(ka, va);
  const auto b = keel::dated_view(kb, vb);
  keel::aligned_series<long, double> out;
  keel::align(a, b, out);  // sizes the vectors
  const auto fresh = keel::align(a, b);
  const long before = keel_test::allocation_count();
  keel::align(a, b, out);
  keel::align(b, a, out);  // fewer rows: the capacity suffices
  const long after = keel_test::allocation_count();
  CHECK(after == before);
  keel::align(a, b, out);
  CHECK(out.keys == fresh.keys);
  CHECK(out.first == fresh.first);
  CHECK(out.second == fresh.second);
  CHECK(out.keys.size() > 500);

  // Converting to the caller's types: float values and a wider key.
  keel::aligned_series<long long, float, float> narrow;
  keel::align(a, b, narrow);
  REQUIRE(narrow.keys.size() == fresh.keys.size());
  for (std::size_t i = 0; i < narrow.keys.size(); ++i) {
    CHECK(narrow.keys[i] == fresh.keys[i]);
    CHECK(narrow.first[i] == static_cast<float>(fresh.first[i]));
  }

  // A bad series leaves the output empty, not half-filled with the previous join.
  std::vector<long> unordered = ka;
  std::swap(unordered[10], unordered[11]);
  REQUIRE_THROWS_AS(keel::align(keel::dated_view(unordered, va), b, out), keel::invalid_input);
  CHECK(out.keys.empty());
  CHECK(out.first.empty());
  CHECK(out.second.empty());
}

TEST_CASE("align does O(n + m) key comparisons", "[series][align][complexity]") {
  // Counts comparisons instead of timing: a quadratic or n log n join fails at any speed.
  constexpr std::int64_t n = 10'000;
  auto make = [](std::int64_t step, std::int64_t offset) {
    std::vector<counting::counted_key> keys;
    std::vector<double> values;
    for (std::int64_t i = 0; i < n; ++i) {
      keys.push_back({offset + i * step});
      values.push_back(i % 97 == 0 ? qnan : 1.0);
    }
    return keel::dated_series<counting::counted_key, double>(std::move(keys), std::move(values));
  };
  struct shape {
    const char* name;
    std::int64_t step_a, offset_a, step_b, offset_b;
  };
  for (const shape& sh : {shape{"partial overlap", 2, 0, 3, 0}, shape{"interleaved, disjoint", 2, 0, 2, 1},
                          shape{"identical", 1, 0, 1, 0}, shape{"b after a", 1, 0, 1, n}}) {
    const auto a = make(sh.step_a, sh.offset_a);
    const auto b = make(sh.step_b, sh.offset_b);
    counting::key_comparisons = 0;
    const auto joined = keel::align(a, b);
    const std::int64_t count = counting::key_comparisons;
    INFO(sh.name << ": " << count << " comparisons for n + m = " << 2 * n << ", " << joined.keys.size()
                 << " rows joined");
    CHECK(count < 6 * 2 * n);
    CHECK(count >= 2 * (n - 1));  // the keys were at least validated
    CHECK(strictly_increasing(joined.keys));
  }
}

// =============================================================================================
// Names, price tables and return tables

TEST_CASE("a named dated series names its symbol and date in errors", "[series][names]") {
  keel::price_table t;
  t.dates = {day(0), day(1), day(2), day(3)};
  t.symbols = {"AAA", "MKT"};
  t.prices.resize(4, 2);
  t.prices << 10.0, 100.0, 11.0, 101.0, 12.0, 0.0, 13.0, 103.0;
  CHECK(t.column("MKT").name() == "MKT");
  REQUIRE_THROWS_MATCHES(keel::simple_returns(t.column("MKT")), keel::invalid_input,
                         what_contains({"simple_returns: MKT[2] on 2024-01-03 = 0 is not positive"}));
  REQUIRE_THROWS_MATCHES(keel::simple_returns(t), keel::invalid_input,
                         what_contains({"simple_returns: MKT[2] on 2024-01-03 = 0 is not positive"}));
  // The name survives the returns and a copy, and names the series in align's errors.
  const auto r = keel::simple_returns(t.column("AAA"));
  CHECK(r.name() == "AAA");
  const keel::dated_series<ymd, double> copy(t.column("AAA"));
  CHECK(copy.name() == "AAA");
  const keel::dated_view named(std::vector<int>{1, 2, 2}, std::vector<double>{1.0, 2.0, 3.0}, "XYZ");
  REQUIRE_THROWS_MATCHES(keel::align(named, named), keel::invalid_input,
                         what_contains({"align: XYZ keys are not strictly increasing"}));
  REQUIRE_THROWS_MATCHES((keel::dated_series<int, double>({1, 2}, {1.0, inf}, "QQQ")), keel::invalid_input,
                         what_contains({"dated_series: QQQ[1] at key 2 is inf"}));
}

TEST_CASE("a price table's returns panel is (T-1) x N with NaN where either price is missing", "[series][table]") {
  keel::price_table t;
  t.dates = {day(0), day(1), day(2), day(3), day(4)};
  t.symbols = {"OLD", "NEW"};
  t.prices.resize(5, 2);
  t.prices << 100.0, qnan, 101.0, qnan, 99.0, 50.0, 100.0, 55.0, qnan, 44.0;
  const keel::return_table simple = keel::simple_returns(t);
  REQUIRE(simple.returns.rows() == 4);
  REQUIRE(simple.returns.cols() == 2);
  CHECK(simple.dates == std::vector<ymd>{day(1), day(2), day(3), day(4)});
  CHECK(simple.symbols == t.symbols);
  // Each column equals the dated returns of that column, NaN for NaN.
  for (std::ptrdiff_t j = 0; j < 2; ++j) {
    const auto dated = keel::simple_returns(t.column(j));
    for (std::ptrdiff_t i = 0; i < 4; ++i) {
      const double a = simple.returns(i, j), b = dated.values()[static_cast<std::size_t>(i)];
      CHECK((std::isnan(a) ? std::isnan(b) : a == b));
    }
  }
  CHECK(simple.returns(0, 0) == Approx(0.01).epsilon(1e-14));
  CHECK(std::isnan(simple.returns(0, 1)));
  CHECK(std::isnan(simple.returns(1, 1)));  // first NEW price on day 2: no return yet
  CHECK(simple.returns(2, 1) == Approx(0.1).epsilon(1e-14));
  CHECK(std::isnan(simple.returns(3, 0)));
  const keel::return_table logs = keel::log_returns(t);
  CHECK(logs.returns(2, 1) == Approx(std::log(1.1)).epsilon(1e-14));
  CHECK(simple.column("NEW").name() == "NEW");
  CHECK(simple.column("NEW").values()[2] == simple.returns(2, 1));
  CHECK_THROWS_AS(simple.column("NOPE"), keel::invalid_input);
  // An inconsistent table is rejected, not read out of bounds.
  keel::price_table broken = t;
  broken.dates.pop_back();
  REQUIRE_THROWS_MATCHES(keel::simple_returns(broken), keel::invalid_input, what_contains({"inconsistent table"}));
  // One date gives an empty panel with the symbols kept.
  keel::price_table one;
  one.dates = {day(0)};
  one.symbols = {"A"};
  one.prices = Eigen::MatrixXd::Constant(1, 1, 5.0);
  const auto none = keel::simple_returns(one);
  CHECK(none.returns.rows() == 0);
  CHECK(none.symbols.size() == 1);
}

TEST_CASE("format_date prints ISO 8601", "[series][format]") {
  CHECK(keel::format_date(day(0)) == "2024-01-01");
  CHECK(keel::format_date(std::chrono::year{987} / 3 / 9) == "0987-03-09");
  CHECK(keel::format_date(std::chrono::year{2024} / 12 / 31) == "2024-12-31");
}

TEST_CASE("dated returns into a reused dated_series allocate nothing once warm", "[series][returns][allocation]") {
  std::vector<ymd> dates;
  std::vector<double> closes;
  for (int i = 0; i < 500; ++i) {
    dates.push_back(day(i));
    closes.push_back(100.0 + std::sin(i) + (i % 37 == 0 ? qnan : 0.0));
  }
  const keel::dated_view prices(dates, closes, "ABC");
  keel::dated_series<ymd, double> out;
  keel::simple_returns(prices, out);
  const auto fresh = keel::simple_returns(prices);
  CHECK(out.keys() == fresh.keys());
  CHECK(out.name() == "ABC");
  for (std::size_t i = 0; i < fresh.values().size(); ++i)
    CHECK((std::isnan(fresh.values()[i]) ? std::isnan(out.values()[i]) : out.values()[i] == fresh.values()[i]));
  const long before = keel_test::allocation_count();
  keel::simple_returns(prices, out);
  keel::log_returns(prices, out);
  CHECK(keel_test::allocation_count() == before);
  CHECK(out.values()[1] == Approx(std::log(closes[2] / closes[1])).epsilon(1e-13));
  // A failure leaves `out` empty.
  closes[10] = -1.0;
  CHECK_THROWS_AS(keel::simple_returns(prices, out), keel::invalid_input);
  CHECK(out.empty());
}
