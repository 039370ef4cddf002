// SPDX-License-Identifier: MIT
// Which types model keel's concepts, and why the others do not (mp-units' static lists); and
// the rule for a type that models both Series and DatedSeries: it is dated, so every pair of a
// plain and a dated form takes the dated one, without ambiguity.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <deque>
#include <list>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/har.hpp>
#include <keel/performance.hpp>
#include <keel/series.hpp>
#include <keel/var.hpp>
#include <keel/volatility.hpp>

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

// Both concepts: a range of its values (a Series) that also has keys (a DatedSeries), as a
// caller's time-series class often is.
struct keyed_returns {
  std::vector<int> k;
  std::vector<double> v;
  [[nodiscard]] const double* begin() const { return v.data(); }
  [[nodiscard]] const double* end() const { return v.data() + v.size(); }
  [[nodiscard]] std::size_t size() const { return v.size(); }
  [[nodiscard]] const std::vector<int>& keys() const { return k; }
  [[nodiscard]] const std::vector<double>& values() const { return v; }
};
}  // namespace user

using keel::DatedSeries;
using keel::PlainSeries;
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

TEST_CASE("PlainSeries: a Series that is not a DatedSeries", "[concepts]") {
  STATIC_REQUIRE(Series<user::keyed_returns>);
  STATIC_REQUIRE(DatedSeries<user::keyed_returns>);
  STATIC_REQUIRE_FALSE(PlainSeries<user::keyed_returns>);  // both concepts: dated
  STATIC_REQUIRE(PlainSeries<std::vector<double>>);
  STATIC_REQUIRE(PlainSeries<Eigen::VectorXd>);
  STATIC_REQUIRE(PlainSeries<keel_test::user_series<float>>);
  STATIC_REQUIRE_FALSE(PlainSeries<keel::dated_series<int, double>>);
  STATIC_REQUIRE_FALSE(PlainSeries<std::vector<int>>);
}

namespace {

// One concept per pair of a plain and a dated form: the call with a type of both concepts is
// well-formed (without the rule it is ambiguous, and the concept false).
#define KEEL_DUAL_CALL(name, ...)                   \
  template <class X>                                \
  concept name = requires(const X& x, const X& y) { \
    __VA_ARGS__;                                    \
  }
KEEL_DUAL_CALL(dual_max_drawdown, keel::max_drawdown(x));
KEEL_DUAL_CALL(dual_max_drawdown_from_values, keel::max_drawdown_from_values(x));
KEEL_DUAL_CALL(dual_drawdown_series, keel::drawdown_series(x));
KEEL_DUAL_CALL(dual_top_drawdowns, keel::top_drawdowns(x, 2));
KEEL_DUAL_CALL(dual_treynor_ratio, keel::treynor_ratio(x, y));
KEEL_DUAL_CALL(dual_tracking_error, keel::tracking_error(x, y));
KEEL_DUAL_CALL(dual_information_ratio, keel::information_ratio(x, y));
KEEL_DUAL_CALL(dual_capture_ratios, keel::capture_ratios(x, y));
KEEL_DUAL_CALL(dual_alpha_beta, keel::alpha_beta(x, y));
KEEL_DUAL_CALL(dual_rolling_sharpe, keel::rolling_sharpe(x, 20));
KEEL_DUAL_CALL(dual_rolling_max_drawdown, keel::rolling_max_drawdown(x, 20));
KEEL_DUAL_CALL(dual_realized_volatility, keel::realized_volatility(x, 20));
KEEL_DUAL_CALL(dual_rolling_volatility, keel::rolling_volatility(x, 20));
KEEL_DUAL_CALL(dual_ewma_volatility, keel::ewma_volatility(x));
KEEL_DUAL_CALL(dual_volatility_trend, keel::volatility_trend(x));
KEEL_DUAL_CALL(dual_volatility_percentile, keel::volatility_percentile(x, 30));
KEEL_DUAL_CALL(dual_market_beta, keel::market_beta(x, y));
KEEL_DUAL_CALL(dual_rolling_beta, keel::rolling_beta(x, y, 20));
KEEL_DUAL_CALL(dual_var_backtest, keel::var_backtest(x, y, {.confidence = 0.99}));
KEEL_DUAL_CALL(dual_har_volatility_forecast, keel::har_volatility_forecast(x));
KEEL_DUAL_CALL(dual_simple_returns, keel::simple_returns(x));
KEEL_DUAL_CALL(dual_annual_return, keel::annual_return(x));
KEEL_DUAL_CALL(dual_sharpe_ratio, keel::sharpe_ratio(x));
KEEL_DUAL_CALL(dual_sortino_ratio, keel::sortino_ratio(x));
KEEL_DUAL_CALL(dual_stability, keel::stability(x));
KEEL_DUAL_CALL(dual_parametric_var, keel::parametric_var(x));
KEEL_DUAL_CALL(dual_parametric_risk, keel::parametric_risk(x));
KEEL_DUAL_CALL(dual_historical_cvar, keel::historical_cvar(x));
KEEL_DUAL_CALL(dual_historical_risk, keel::historical_risk(x));
KEEL_DUAL_CALL(dual_cornish_fisher_risk, keel::cornish_fisher_risk(x));
KEEL_DUAL_CALL(dual_log_returns, keel::log_returns(x));
// A type of both concepts paired with a plain series has no form (it would lose its keys).
KEEL_DUAL_CALL(mixed_market_beta, keel::market_beta(x, std::vector<double>{}));
#undef KEEL_DUAL_CALL

// The out forms too: the dated out form of har_volatility_forecast, not the series one.
template <class X>
concept dual_har_volatility_forecast_out = requires(const X& x, keel::har_volatility_result<double>& out,
                                                    keel::har_volatility_result<double>::workspace& ws) {
  keel::har_volatility_forecast(x, out, ws);
};

/// n returns keyed first, first + 1, ...; one missing (NaN), which only a dated form accepts.
user::keyed_returns keyed(int first, std::ptrdiff_t n, double phase, double level = 0) {
  user::keyed_returns r;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    r.k.push_back(first + static_cast<int>(i));
    r.v.push_back(level + 0.01 * std::sin(0.7 * static_cast<double>(i) + phase) +
                  0.004 * std::cos(2.3 * static_cast<double>(i) * phase));
  }
  r.v[7] = std::nan("");
  return r;
}

/// The same keys and values as a plain dated type (not a Series).
auto dated(const user::keyed_returns& r) { return keel::dated_view(r.k, r.v); }

}  // namespace

TEST_CASE("a type that models Series and DatedSeries takes the dated form of every pair", "[concepts]") {
  using X = user::keyed_returns;
  STATIC_REQUIRE(dual_max_drawdown<X>);
  STATIC_REQUIRE(dual_max_drawdown_from_values<X>);
  STATIC_REQUIRE(dual_drawdown_series<X>);
  STATIC_REQUIRE(dual_top_drawdowns<X>);
  STATIC_REQUIRE(dual_treynor_ratio<X>);
  STATIC_REQUIRE(dual_tracking_error<X>);
  STATIC_REQUIRE(dual_information_ratio<X>);
  STATIC_REQUIRE(dual_capture_ratios<X>);
  STATIC_REQUIRE(dual_alpha_beta<X>);
  STATIC_REQUIRE(dual_rolling_sharpe<X>);
  STATIC_REQUIRE(dual_rolling_max_drawdown<X>);
  STATIC_REQUIRE(dual_realized_volatility<X>);
  STATIC_REQUIRE(dual_rolling_volatility<X>);
  STATIC_REQUIRE(dual_ewma_volatility<X>);
  STATIC_REQUIRE(dual_volatility_trend<X>);
  STATIC_REQUIRE(dual_volatility_percentile<X>);
  STATIC_REQUIRE(dual_market_beta<X>);
  STATIC_REQUIRE(dual_rolling_beta<X>);
  STATIC_REQUIRE(dual_var_backtest<X>);
  STATIC_REQUIRE(dual_annual_return<X>);
  STATIC_REQUIRE(dual_sharpe_ratio<X>);
  STATIC_REQUIRE(dual_sortino_ratio<X>);
  STATIC_REQUIRE(dual_stability<X>);
  STATIC_REQUIRE(dual_parametric_var<X>);
  STATIC_REQUIRE(dual_parametric_risk<X>);
  STATIC_REQUIRE(dual_historical_cvar<X>);
  STATIC_REQUIRE(dual_historical_risk<X>);
  STATIC_REQUIRE(dual_cornish_fisher_risk<X>);
  STATIC_REQUIRE(dual_har_volatility_forecast<X>);
  STATIC_REQUIRE(dual_har_volatility_forecast_out<X>);
  STATIC_REQUIRE(dual_simple_returns<X>);
  STATIC_REQUIRE(dual_log_returns<X>);
  STATIC_REQUIRE_FALSE(mixed_market_beta<X>);

  // The results are the dated forms' (a NaN is dropped as missing, where a plain form would
  // throw; two series are aligned on their keys, where a plain form would pair positions).
  const X r = keyed(0, 400, 0.3), m = keyed(15, 400, 1.1);
  const auto dr = dated(r), dm = dated(m);
  const auto same_type = [](const auto& a, const auto& b) {
    STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(a)>, std::remove_cvref_t<decltype(b)>>);
  };

  const auto mdd = keel::max_drawdown(r);
  same_type(mdd, keel::max_drawdown(dr));
  CHECK(mdd.depth == keel::max_drawdown(dr).depth);
  CHECK(mdd.trough == keel::max_drawdown(dr).trough);  // a key, not an index
  X prices = keyed(0, 50, 0.5, 1.0);
  CHECK(keel::max_drawdown_from_values(prices).depth == keel::max_drawdown_from_values(dated(prices)).depth);
  same_type(keel::max_drawdown_from_values(prices), keel::max_drawdown_from_values(dated(prices)));
  same_type(keel::drawdown_series(r), keel::drawdown_series(dr));
  CHECK(std::ranges::equal(keel::values(keel::drawdown_series(r)), keel::values(keel::drawdown_series(dr))));
  same_type(keel::top_drawdowns(r, 2), keel::top_drawdowns(dr, 2));
  CHECK(keel::top_drawdowns(r, 2).front().depth == keel::top_drawdowns(dr, 2).front().depth);

  CHECK(keel::treynor_ratio(r, m) == keel::treynor_ratio(dr, dm));
  CHECK(keel::tracking_error(r, m) == keel::tracking_error(dr, dm));
  CHECK(keel::information_ratio(r, m) == keel::information_ratio(dr, dm));
  CHECK(keel::capture_ratios(r, m).ratio == keel::capture_ratios(dr, dm).ratio);
  CHECK(keel::alpha_beta(r, m).beta == keel::alpha_beta(dr, dm).beta);
  CHECK(keel::alpha_beta(r, m).n == 384);  // the common keys without the two missing rows
  same_type(keel::rolling_sharpe(r, 20), keel::rolling_sharpe(dr, 20));
  same_type(keel::rolling_max_drawdown(r, 20), keel::rolling_max_drawdown(dr, 20));

  CHECK(keel::realized_volatility(r, 20) == keel::realized_volatility(dr, 20));
  same_type(keel::rolling_volatility(r, 20), keel::rolling_volatility(dr, 20));
  same_type(keel::ewma_volatility(r), keel::ewma_volatility(dr));
  CHECK(keel::ewma_volatility(r).volatility == keel::ewma_volatility(dr).volatility);
  CHECK(keel::volatility_trend(r).strength == keel::volatility_trend(dr).strength);
  CHECK(keel::volatility_percentile(r, 30) == keel::volatility_percentile(dr, 30));

  const auto beta = keel::market_beta(r, m);
  CHECK(beta.beta == keel::market_beta(dr, dm).beta);
  CHECK(beta.n == 384);
  same_type(keel::rolling_beta(r, m, 20), keel::rolling_beta(dr, dm, 20));

  const X var = keyed(15, 400, 2.0, 0.02);
  const auto bt = keel::var_backtest(r, var, {.confidence = 0.99});
  CHECK(bt.observations == 384);
  CHECK(bt.breaches == keel::var_backtest(dr, dated(var), {.confidence = 0.99}).breaches);

  CHECK(keel::har_volatility_forecast(r).volatility == keel::har_volatility_forecast(dr).volatility);
  keel::har_volatility_result<double> har;
  keel::har_volatility_result<double>::workspace har_ws;
  keel::har_volatility_forecast(r, har, har_ws);  // the dated out form (r models both concepts)
  CHECK(har.volatility == keel::har_volatility_forecast(dr).volatility);
  same_type(keel::simple_returns(prices), keel::simple_returns(dated(prices)));
  same_type(keel::log_returns(prices), keel::log_returns(dated(prices)));
}
