// SPDX-License-Identifier: MIT
// The API rule (README, "The API rule") as checks: every public function that takes a series
// takes any Series (std::vector, std::span, Eigen vectors and maps, a user container, a user
// container whose iterator is a class) and gives the same number bit for bit; every options
// aggregate is an aggregate whose fields can be designated in their declared order; the
// rule's shared options have one name, one type and one default.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include "keel/keel.hpp"
#include "support/storage.hpp"

namespace {

std::vector<double> returns_of(std::size_t n, double mu, double sigma, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> d(mu, sigma);
  std::vector<double> out(n);
  for (auto& x : out) x = d(gen);
  return out;
}

std::vector<double> prices_of(const std::vector<double>& r) {
  std::vector<double> p{100.0};
  for (double x : r) p.push_back(p.back() * (1 + x));
  return p;
}

template <class Derived>
std::vector<double> as_std(const Eigen::MatrixBase<Derived>& v) {
  return {v.derived().data(), v.derived().data() + v.size()};
}

// Whether two results agree: bit for bit, or to 1e-12 relative where `exact` is false (a
// container whose iterator is a class takes keel's generic path, which sums in another order
// than the contiguous one; an alpha, a difference of means, loses a few digits more).
bool agree(double a, double b, bool exact) {
  return exact ? a == b : std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b));
}
bool agree(std::int64_t a, std::int64_t b, bool) { return a == b; }
template <class T>
bool agree(const std::vector<T>& a, const std::vector<T>& b, bool exact) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!agree(a[i], b[i], exact)) return false;
  return true;
}
template <class... T>
bool agree(const std::tuple<T...>& a, const std::tuple<T...>& b, bool exact) {
  return std::apply(
      [&](const auto&... x) { return std::apply([&](const auto&... y) { return (agree(x, y, exact) && ...); }, b); },
      a);
}

template <class TestType>
constexpr bool exact_storage = !std::is_same_v<TestType, keel_test::as_indexed<double>>;

// f on the storage's series and on the std::vector itself: the same value.
template <class TestType, class F>
void same1(const char* what, const std::vector<double>& a, F f) {
  INFO(what);
  const TestType x(a);
  CHECK(agree(f(x.series()), f(a), exact_storage<TestType>));
}

template <class TestType, class F>
void same2(const char* what, const std::vector<double>& a, const std::vector<double>& b, F f) {
  INFO(what);
  const TestType x(a), y(b);
  CHECK(agree(f(x.series(), y.series()), f(a, b), exact_storage<TestType>));
}

template <class TestType, class F>
void same3(const char* what, const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c,
           F f) {
  INFO(what);
  const TestType x(a), y(b), z(c);
  CHECK(agree(f(x.series(), y.series(), z.series()), f(a, b, c), exact_storage<TestType>));
}

}  // namespace

#define SAME1(data, call) same1<TestType>(#call, data, [&](const auto& s) { return call; })
#define SAME2(a, b, call) same2<TestType>(#call, a, b, [&](const auto& s, const auto& t) { return call; })
#define SAME3(a, b, c, call) \
  same3<TestType>(#call, a, b, c, [&](const auto& s, const auto& t, const auto& u) { return call; })

#define KEEL_DOUBLE_STORAGES                                                                       \
  keel_test::as_span<double>, keel_test::as_eigen_vector<double>, keel_test::as_eigen_map<double>, \
      keel_test::as_user<double>, keel_test::as_indexed<double>

TEMPLATE_TEST_CASE("every single-series function takes any Series and gives the same bits", "[api]",
                   KEEL_DOUBLE_STORAGES) {
  const std::vector<double> r = returns_of(300, 0.0004, 0.012, 1);
  const std::vector<double> p = prices_of(r);
  std::vector<double> rv(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) rv[i] = r[i] * r[i];
  // series.hpp and expected_returns.hpp: prices
  SAME1(p, keel::simple_returns(s));
  SAME1(p, keel::log_returns(s));
  SAME1(p, keel::mean_historical_return(s));
  // performance.hpp
  SAME1(r, keel::max_drawdown(s).depth);
  SAME1(p, keel::max_drawdown_from_values(s).depth);
  SAME1(r, keel::drawdown_series(s));
  SAME1(r, keel::top_drawdowns(s, 3).at(2).depth);
  SAME1(r, keel::annual_return(s));
  SAME1(r, keel::annual_volatility(s));
  SAME1(r, keel::sharpe_ratio(s, {.risk_free = 0.0001}));
  SAME1(r, keel::downside_risk(s));
  SAME1(r, keel::sortino_ratio(s));
  SAME1(r, keel::calmar_ratio(s));
  SAME1(r, keel::omega_ratio(s));
  SAME1(r, keel::tail_ratio(s));
  SAME1(r, keel::stability(s));
  SAME1(r, keel::rolling_sharpe(s, 63).sharpe_ratios);
  SAME1(r, keel::rolling_max_drawdown(s, 63).depths);
  // var.hpp
  SAME1(r, keel::parametric_var(s));
  SAME1(r, keel::parametric_cvar(s));
  SAME1(r, keel::historical_var(s));
  SAME1(r, keel::historical_cvar(s));
  SAME1(r, keel::cornish_fisher_var(s).z);
  SAME1(r, keel::parametric_risk(s).cvars);
  SAME1(r, keel::historical_risk(s).cvars);
  SAME1(r, keel::cornish_fisher_risk(s).zs);
  // volatility.hpp and har.hpp
  SAME1(r, keel::realized_volatility(s, 21));
  SAME1(r, keel::rolling_volatility(s, 21).volatilities);
  SAME1(r, keel::ewma_volatility(s).volatility);
  SAME1(r, keel::volatility_trend(s).strength);
  SAME1(r, keel::volatility_percentile(s, 21));
  SAME1(rv, keel::har_fit(s).beta_daily);
  SAME1(r, keel::har_volatility_forecast(s).volatility);
  // garch.hpp
  SAME1(r, keel::garch_fit(s).parameters);
}

TEMPLATE_TEST_CASE("every two-series function takes any Series and gives the same bits", "[api]",
                   KEEL_DOUBLE_STORAGES) {
  const std::vector<double> m = returns_of(300, 0.0003, 0.010, 2);
  std::vector<double> a = returns_of(300, 0.0001, 0.006, 3);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += 1.2 * m[i];
  SAME2(a, m, keel::market_beta(s, t).beta);
  SAME2(a, m, keel::rolling_beta(s, t, 60).betas);
  SAME2(a, m, keel::treynor_ratio(s, t));
  SAME2(a, m, keel::tracking_error(s, t));
  SAME2(a, m, keel::information_ratio(s, t));
  SAME2(a, m, std::tuple(keel::capture_ratios(s, t).up, keel::capture_ratios(s, t).down));
  SAME2(a, m, keel::alpha_beta(s, t).alpha);
  const std::vector<double> w{0.5, 0.3, 0.2, -0.1}, b{1.1, 0.9, 1.4, 0.7};
  SAME2(w, b, keel::portfolio_beta(s, t));
  SAME2(w, b, keel::portfolio_beta(s, t, 2.0));
}

TEMPLATE_TEST_CASE("every weights and expected-returns input takes any Series", "[api]", KEEL_DOUBLE_STORAGES) {
  Eigen::MatrixXd cov(4, 4);
  cov << 0.040, 0.006, 0.004, 0.002, 0.006, 0.090, 0.010, 0.003, 0.004, 0.010, 0.060, 0.005, 0.002, 0.003, 0.005, 0.020;
  const std::vector<double> w{0.4, 0.3, 0.2, 0.1}, mu{0.08, 0.12, 0.10, 0.05};
  // volatility.hpp
  SAME1(w, keel::portfolio_volatility(s, cov));
  SAME1(w, keel::diversification_ratio(s, cov));
  SAME1(w, as_std(keel::risk_contributions(s, cov).contributions));
  // concentration.hpp
  SAME1(w, keel::hhi(s));
  SAME1(w, keel::concentration_metrics(s).effective_n);
  // markowitz.hpp and frontier.hpp
  SAME1(mu, as_std(keel::max_sharpe(s, cov, {}, {.risk_free = 0.02}).weights));
  SAME1(mu, as_std(keel::efficient_return(s, cov, 0.09).weights));
  SAME1(mu, as_std(keel::efficient_risk(s, cov, 0.18).weights));
  SAME1(mu, as_std(keel::max_quadratic_utility(s, cov, 2.0).weights));
  SAME1(mu, as_std(keel::kelly_weights(s, cov).weights));
  SAME1(mu, as_std(keel::efficient_frontier(s, cov).min_variance.weights));
  SAME2(w, mu, keel::portfolio_performance(s, t, cov).sharpe);
  // construction.hpp: maximum diversification, minimum tracking error, Black-Litterman
  const std::vector<double> off_limits{0.5, 0.3, 0.3, -0.1};  // not long-only: the QP runs
  SAME1(off_limits, as_std(keel::min_tracking_error(cov, s).weights));
  SAME1(mu, as_std(keel::black_litterman(s, cov, {}).posterior_returns));
  SAME1(w, as_std(keel::market_implied_returns(cov, s, 2.5)));
  const std::vector<double> market{100, 101, 99.5, 102, 103.5};
  SAME1(market, keel::market_implied_risk_aversion(s, {.risk_free = 0.02}));
  // var.hpp: weights over a panel, and over a mean and covariance
  Eigen::MatrixXd panel(250, 4);
  for (Eigen::Index j = 0; j < 4; ++j) {
    const auto col = returns_of(250, 0.0003, 0.01 + 0.002 * static_cast<double>(j), 10 + static_cast<std::uint64_t>(j));
    for (Eigen::Index i = 0; i < 250; ++i) panel(i, j) = col[static_cast<std::size_t>(i)];
  }
  SAME1(w, keel::parametric_var(s, panel));
  SAME1(w, keel::historical_cvar(s, panel));
  SAME1(w, keel::cornish_fisher_var(s, panel).z);
  SAME1(w, keel::historical_risk(s, panel).vars);
  const std::vector<double> daily_mu{0.0003, 0.0005, 0.0004, 0.0002};
  SAME2(w, daily_mu, keel::parametric_var(s, t, cov));
  SAME2(w, daily_mu, keel::parametric_cvar(s, t, cov));
  // rebalance.hpp and attribution.hpp
  const std::vector<double> prices{50, 120, 75, 20}, holdings{100, 20, 40, 200};
  SAME3(holdings, prices, w, keel::rebalance_orders(s, t, u).turnover);
  SAME2(w, prices, keel::discrete_allocation(s, t, 10'000.0).quantities);
  const std::vector<double> wb{0.25, 0.25, 0.25, 0.25}, rp{0.02, -0.01, 0.03, 0.01}, rb{0.01, -0.02, 0.02, 0.015};
  INFO("brinson_attribution");
  const TestType x1(w), x2(wb), x3(rp), x4(rb);
  const auto got = keel::brinson_attribution(x1.series(), x2.series(), x3.series(), x4.series());
  const auto want = keel::brinson_attribution(w, wb, rp, rb);
  CHECK(agree(got.allocations, want.allocations, exact_storage<TestType>));
  CHECK(agree(got.selections, want.selections, exact_storage<TestType>));
  CHECK(agree(got.interactions, want.interactions, exact_storage<TestType>));
}

TEST_CASE("a factor regression takes its response as any Series", "[api]") {
  const std::vector<double> y = returns_of(200, 0.0002, 0.01, 20);
  Eigen::MatrixXd x(200, 2);
  for (Eigen::Index j = 0; j < 2; ++j) {
    const auto col = returns_of(200, 0.0, 0.01, 21 + static_cast<std::uint64_t>(j));
    for (Eigen::Index i = 0; i < 200; ++i) x(i, j) = col[static_cast<std::size_t>(i)];
  }
  const auto want = keel::factor_regression(y, x).coefficients;
  CHECK(keel::factor_regression(std::span<const double>(y), x).coefficients == want);
  CHECK(keel::factor_regression(Eigen::Map<const Eigen::VectorXd>(y.data(), 200), x).coefficients == want);
  CHECK(keel::factor_regression(keel_test::user_series<double>(y), x).coefficients == want);
  CHECK(keel::factor_regression(keel_test::indexed_series<double>(y), x).coefficients == want);
}

// Each options aggregate is an aggregate, and all its fields can be designated in their
// declared order (a field declared out of the documented order, a constructor or a private
// member would not compile here).
#define KEEL_OPTIONS_IN_ORDER(T, ...)               \
  do {                                              \
    STATIC_REQUIRE(std::is_aggregate_v<T>);         \
    [[maybe_unused]] const T in_order{__VA_ARGS__}; \
  } while (false)

TEST_CASE("every options aggregate takes designated initialisers in its declared order", "[api]") {
  KEEL_OPTIONS_IN_ORDER(keel::attribution_options, .normalise = keel::attribution_options{}.normalise);
  KEEL_OPTIONS_IN_ORDER(keel::beta_options, .min_observations = keel::beta_options{}.min_observations,
                        .cap = keel::beta_options{}.cap);
  KEEL_OPTIONS_IN_ORDER(keel::rolling_beta_options, .alpha = keel::rolling_beta_options{}.alpha,
                        .r_squared = keel::rolling_beta_options{}.r_squared);
  KEEL_OPTIONS_IN_ORDER(keel::concentration_options, .top = keel::concentration_options{}.top);
  KEEL_OPTIONS_IN_ORDER(keel::sector_options, .normalise_weights = keel::sector_options{}.normalise_weights,
                        .normalise_benchmark = keel::sector_options{}.normalise_benchmark);
  KEEL_OPTIONS_IN_ORDER(keel::covariance_options, .periods_per_year = keel::covariance_options{}.periods_per_year,
                        .missing = keel::covariance_options{}.missing,
                        .min_observations = keel::covariance_options{}.min_observations,
                        .repair = keel::covariance_options{}.repair);
  KEEL_OPTIONS_IN_ORDER(keel::ewma_covariance_options, .lambda = keel::ewma_covariance_options{}.lambda,
                        .periods_per_year = keel::ewma_covariance_options{}.periods_per_year,
                        .demean = keel::ewma_covariance_options{}.demean,
                        .weighting = keel::ewma_covariance_options{}.weighting,
                        .missing = keel::ewma_covariance_options{}.missing);
  KEEL_OPTIONS_IN_ORDER(keel::semicovariance_options, .benchmark = keel::semicovariance_options{}.benchmark,
                        .periods_per_year = keel::semicovariance_options{}.periods_per_year,
                        .missing = keel::semicovariance_options{}.missing,
                        .repair = keel::semicovariance_options{}.repair);
  KEEL_OPTIONS_IN_ORDER(keel::ledoit_wolf_options, .target = keel::ledoit_wolf_options{}.target,
                        .periods_per_year = keel::ledoit_wolf_options{}.periods_per_year,
                        .missing = keel::ledoit_wolf_options{}.missing);
  KEEL_OPTIONS_IN_ORDER(keel::csv_options, .delimiter = keel::csv_options{}.delimiter,
                        .price_column = keel::csv_options{}.price_column, .symbol = keel::csv_options{}.symbol);
  KEEL_OPTIONS_IN_ORDER(keel::expected_return_options, .compounding = keel::expected_return_options{}.compounding,
                        .periods_per_year = keel::expected_return_options{}.periods_per_year,
                        .returns_data = keel::expected_return_options{}.returns_data);
  KEEL_OPTIONS_IN_ORDER(
      keel::capm_options, .risk_free = keel::capm_options{}.risk_free, .compounding = keel::capm_options{}.compounding,
      .periods_per_year = keel::capm_options{}.periods_per_year, .returns_data = keel::capm_options{}.returns_data);
  KEEL_OPTIONS_IN_ORDER(keel::factor_options, .intercept = keel::factor_options{}.intercept);
  KEEL_OPTIONS_IN_ORDER(keel::frontier_options, .points = keel::frontier_options{}.points,
                        .bounds = keel::frontier_options{}.bounds, .risk_free = keel::frontier_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(
      keel::garch_options, .model = keel::garch_options{}.model, .mean = keel::garch_options{}.mean,
      .distribution = keel::garch_options{}.distribution, .initial_variance = keel::garch_options{}.initial_variance,
      .tolerance = keel::garch_options{}.tolerance, .max_iterations = keel::garch_options{}.max_iterations,
      .require_convergence = keel::garch_options{}.require_convergence, .threads = keel::garch_options{}.threads);
  KEEL_OPTIONS_IN_ORDER(
      keel::dcc_options, .univariate = keel::dcc_options{}.univariate, .method = keel::dcc_options{}.method,
      .tolerance = keel::dcc_options{}.tolerance, .max_iterations = keel::dcc_options{}.max_iterations,
      .require_convergence = keel::dcc_options{}.require_convergence,
      .keep_correlations = keel::dcc_options{}.keep_correlations, .threads = keel::dcc_options{}.threads);
  KEEL_OPTIONS_IN_ORDER(keel::time_series_factor_options,
                        .factor_covariance = keel::time_series_factor_options{}.factor_covariance,
                        .half_life = keel::time_series_factor_options{}.half_life);
  KEEL_OPTIONS_IN_ORDER(keel::cross_sectional_factor_options, .weights = keel::cross_sectional_factor_options{}.weights,
                        .factor_covariance = keel::cross_sectional_factor_options{}.factor_covariance,
                        .half_life = keel::cross_sectional_factor_options{}.half_life,
                        .specific_half_life = keel::cross_sectional_factor_options{}.specific_half_life,
                        .constraint = keel::cross_sectional_factor_options{}.constraint);
  KEEL_OPTIONS_IN_ORDER(keel::statistical_factor_options, .matrix = keel::statistical_factor_options{}.matrix);
  KEEL_OPTIONS_IN_ORDER(
      keel::hmm_options, .states = keel::hmm_options{}.states, .covariance = keel::hmm_options{}.covariance,
      .restarts = keel::hmm_options{}.restarts, .seed = keel::hmm_options{}.seed,
      .tolerance = keel::hmm_options{}.tolerance, .max_iterations = keel::hmm_options{}.max_iterations,
      .covariance_floor = keel::hmm_options{}.covariance_floor,
      .require_convergence = keel::hmm_options{}.require_convergence, .threads = keel::hmm_options{}.threads);
  KEEL_OPTIONS_IN_ORDER(keel::regime_feature_options,
                        .volatility_window = keel::regime_feature_options{}.volatility_window);
#define KEEL_FIELD(T, f) .f = T{}.f
  KEEL_OPTIONS_IN_ORDER(keel::backtest_options, KEEL_FIELD(keel::backtest_options, frequency),
                        KEEL_FIELD(keel::backtest_options, timing), KEEL_FIELD(keel::backtest_options, band),
                        KEEL_FIELD(keel::backtest_options, execution), KEEL_FIELD(keel::backtest_options, open_prices),
                        KEEL_FIELD(keel::backtest_options, cost_bps), KEEL_FIELD(keel::backtest_options, lot_size),
                        KEEL_FIELD(keel::backtest_options, initial_value),
                        KEEL_FIELD(keel::backtest_options, cash_rate), KEEL_FIELD(keel::backtest_options, budget),
                        KEEL_FIELD(keel::backtest_options, allow_short), KEEL_FIELD(keel::backtest_options, start),
                        KEEL_FIELD(keel::backtest_options, end), KEEL_FIELD(keel::backtest_options, costs));
  KEEL_OPTIONS_IN_ORDER(keel::statistics_options, KEEL_FIELD(keel::statistics_options, periods_per_year),
                        KEEL_FIELD(keel::statistics_options, risk_free),
                        KEEL_FIELD(keel::statistics_options, required_return));
  KEEL_OPTIONS_IN_ORDER(keel::walk_forward_options, KEEL_FIELD(keel::walk_forward_options, backtest),
                        KEEL_FIELD(keel::walk_forward_options, statistics),
                        KEEL_FIELD(keel::walk_forward_options, benchmark),
                        KEEL_FIELD(keel::walk_forward_options, threads));
  KEEL_OPTIONS_IN_ORDER(keel::bootstrap_options, KEEL_FIELD(keel::bootstrap_options, samples),
                        KEEL_FIELD(keel::bootstrap_options, mean_block_length),
                        KEEL_FIELD(keel::bootstrap_options, seed), KEEL_FIELD(keel::bootstrap_options, confidence),
                        KEEL_FIELD(keel::bootstrap_options, statistics), KEEL_FIELD(keel::bootstrap_options, threads));
  KEEL_OPTIONS_IN_ORDER(
      keel::estimation_options, KEEL_FIELD(keel::estimation_options, window),
      KEEL_FIELD(keel::estimation_options, expanding), KEEL_FIELD(keel::estimation_options, estimator),
      KEEL_FIELD(keel::estimation_options, ewma_lambda), KEEL_FIELD(keel::estimation_options, periods_per_year),
      KEEL_FIELD(keel::estimation_options, constraints), KEEL_FIELD(keel::estimation_options, risk_free),
      KEEL_FIELD(keel::estimation_options, confidence), KEEL_FIELD(keel::estimation_options, budgets),
      KEEL_FIELD(keel::estimation_options, linkage), KEEL_FIELD(keel::estimation_options, tau),
      KEEL_FIELD(keel::estimation_options, name));
  KEEL_OPTIONS_IN_ORDER(keel::override_rule, KEEL_FIELD(keel::override_rule, metric),
                        KEEL_FIELD(keel::override_rule, trigger), KEEL_FIELD(keel::override_rule, release),
                        KEEL_FIELD(keel::override_rule, window), KEEL_FIELD(keel::override_rule, confidence));
  KEEL_OPTIONS_IN_ORDER(keel::risk_override_options, KEEL_FIELD(keel::risk_override_options, rules),
                        KEEL_FIELD(keel::risk_override_options, signal),
                        KEEL_FIELD(keel::risk_override_options, periods_per_year));
  KEEL_OPTIONS_IN_ORDER(
      keel::regime_switching_options, KEEL_FIELD(keel::regime_switching_options, hmm),
      KEEL_FIELD(keel::regime_switching_options, signal), KEEL_FIELD(keel::regime_switching_options, volatility_window),
      KEEL_FIELD(keel::regime_switching_options, min_history), KEEL_FIELD(keel::regime_switching_options, window));
  KEEL_OPTIONS_IN_ORDER(keel::european_option, KEEL_FIELD(keel::european_option, type),
                        KEEL_FIELD(keel::european_option, strike), KEEL_FIELD(keel::european_option, maturity));
  KEEL_OPTIONS_IN_ORDER(keel::option_market, KEEL_FIELD(keel::option_market, spot),
                        KEEL_FIELD(keel::option_market, rate), KEEL_FIELD(keel::option_market, dividend_yield),
                        KEEL_FIELD(keel::option_market, volatility));
  KEEL_OPTIONS_IN_ORDER(keel::black76_market, KEEL_FIELD(keel::black76_market, forward),
                        KEEL_FIELD(keel::black76_market, rate), KEEL_FIELD(keel::black76_market, volatility));
  KEEL_OPTIONS_IN_ORDER(keel::cost_model, KEEL_FIELD(keel::cost_model, half_spread),
                        KEEL_FIELD(keel::cost_model, commission), KEEL_FIELD(keel::cost_model, impact),
                        KEEL_FIELD(keel::cost_model, volatility), KEEL_FIELD(keel::cost_model, daily_volume),
                        KEEL_FIELD(keel::cost_model, exponent), KEEL_FIELD(keel::cost_model, max_participation));
  KEEL_OPTIONS_IN_ORDER(keel::ac_parameters, KEEL_FIELD(keel::ac_parameters, horizon),
                        KEEL_FIELD(keel::ac_parameters, volatility), KEEL_FIELD(keel::ac_parameters, permanent_impact),
                        KEEL_FIELD(keel::ac_parameters, temporary_impact), KEEL_FIELD(keel::ac_parameters, fixed_cost),
                        KEEL_FIELD(keel::ac_parameters, risk_aversion));
  KEEL_OPTIONS_IN_ORDER(keel::shortfall_options, KEEL_FIELD(keel::shortfall_options, final_price));
#undef KEEL_FIELD
  KEEL_OPTIONS_IN_ORDER(
      keel::risk_model_backtest_options, .window = keel::risk_model_backtest_options{}.window,
      .horizon = keel::risk_model_backtest_options{}.horizon, .step = keel::risk_model_backtest_options{}.step,
      .confidence = keel::risk_model_backtest_options{}.confidence,
      .ewma_lambda = keel::risk_model_backtest_options{}.ewma_lambda,
      .factors = keel::risk_model_backtest_options{}.factors,
      .factor_returns = keel::risk_model_backtest_options{}.factor_returns,
      .garch = keel::risk_model_backtest_options{}.garch, .dcc = keel::risk_model_backtest_options{}.dcc,
      .threads = keel::risk_model_backtest_options{}.threads);
  KEEL_OPTIONS_IN_ORDER(keel::factor_risk_options, .benchmark_weights = keel::factor_risk_options{}.benchmark_weights,
                        .confidence = keel::factor_risk_options{}.confidence,
                        .expected_return = keel::factor_risk_options{}.expected_return);
  KEEL_OPTIONS_IN_ORDER(keel::har_options, .horizon = keel::har_options{}.horizon, .scale = keel::har_options{}.scale,
                        .newey_west_lags = keel::har_options{}.newey_west_lags, .weekly = keel::har_options{}.weekly,
                        .monthly = keel::har_options{}.monthly,
                        .min_observations = keel::har_options{}.min_observations);
  KEEL_OPTIONS_IN_ORDER(
      keel::har_volatility_options, .horizon = keel::har_volatility_options{}.horizon,
      .periods_per_year = keel::har_volatility_options{}.periods_per_year,
      .scale = keel::har_volatility_options{}.scale, .newey_west_lags = keel::har_volatility_options{}.newey_west_lags,
      .weekly = keel::har_volatility_options{}.weekly, .monthly = keel::har_volatility_options{}.monthly,
      .min_observations = keel::har_volatility_options{}.min_observations);
  KEEL_OPTIONS_IN_ORDER(keel::hedge_options, .budget = keel::hedge_options{}.budget,
                        .objective = keel::hedge_options{}.objective, .covariance = keel::hedge_options{}.covariance,
                        .round_to_contracts = keel::hedge_options{}.round_to_contracts,
                        .market_volatility = keel::hedge_options{}.market_volatility,
                        .residual_volatility = keel::hedge_options{}.residual_volatility);
  KEEL_OPTIONS_IN_ORDER(keel::hedge_execution, .parameters = keel::hedge_execution{}.parameters,
                        .periods = keel::hedge_execution{}.periods);
  KEEL_OPTIONS_IN_ORDER(
      keel::hedge_instrument, .symbol = keel::hedge_instrument{}.symbol, .beta = keel::hedge_instrument{}.beta,
      .price = keel::hedge_instrument{}.price, .multiplier = keel::hedge_instrument{}.multiplier,
      .cost_bps = keel::hedge_instrument{}.cost_bps, .min_quantity = keel::hedge_instrument{}.min_quantity,
      .max_quantity = keel::hedge_instrument{}.max_quantity, .costs = keel::hedge_instrument{}.costs,
      .execution = keel::hedge_instrument{}.execution);
  KEEL_OPTIONS_IN_ORDER(keel::limits_file_options, .delimiter = keel::limits_file_options{}.delimiter);
  KEEL_OPTIONS_IN_ORDER(keel::kelly_options, .fraction = keel::kelly_options{}.fraction,
                        .risk_free = keel::kelly_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::markowitz_options, .risk_free = keel::markowitz_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::max_diversification_options,
                        .expected_returns = keel::max_diversification_options{}.expected_returns,
                        .risk_free = keel::max_diversification_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::min_tracking_error_options,
                        .expected_returns = keel::min_tracking_error_options{}.expected_returns,
                        .risk_free = keel::min_tracking_error_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::implied_risk_aversion_options,
                        .risk_free = keel::implied_risk_aversion_options{}.risk_free,
                        .periods_per_year = keel::implied_risk_aversion_options{}.periods_per_year,
                        .returns_data = keel::implied_risk_aversion_options{}.returns_data);
  KEEL_OPTIONS_IN_ORDER(keel::implied_returns_options, .risk_free = keel::implied_returns_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::bl_options, .tau = keel::bl_options{}.tau, .omega = keel::bl_options{}.omega,
                        .confidences = keel::bl_options{}.confidences, .risk_free = keel::bl_options{}.risk_free);
  KEEL_OPTIONS_IN_ORDER(keel::bl_views, .P = keel::bl_views{}.P, .Q = keel::bl_views{}.Q);
  KEEL_OPTIONS_IN_ORDER(keel::cvar_options, .confidence = keel::cvar_options{}.confidence,
                        .constraints = keel::cvar_options{}.constraints);
  KEEL_OPTIONS_IN_ORDER(keel::risk_budgeting_options, .budgets = keel::risk_budgeting_options{}.budgets,
                        .constraints = keel::risk_budgeting_options{}.constraints);
  KEEL_OPTIONS_IN_ORDER(keel::risk_budgeting_options, .budgets = keel::risk_budgeting_options{}.budgets);
  KEEL_OPTIONS_IN_ORDER(keel::hrp_options, .linkage = keel::hrp_options{}.linkage,
                        .risk_measure = keel::hrp_options{}.risk_measure, .bounds = keel::hrp_options{}.bounds,
                        .missing = keel::hrp_options{}.missing);
  KEEL_OPTIONS_IN_ORDER(keel::herc_options, .clusters = keel::herc_options{}.clusters,
                        .linkage = keel::herc_options{}.linkage, .risk_measure = keel::herc_options{}.risk_measure,
                        .bounds = keel::herc_options{}.bounds, .missing = keel::herc_options{}.missing);
  KEEL_OPTIONS_IN_ORDER(keel::cdar_options, .confidence = keel::cdar_options{}.confidence,
                        .constraints = keel::cdar_options{}.constraints);
  KEEL_OPTIONS_IN_ORDER(keel::streaming_beta_options, .fit = keel::streaming_beta_options{}.fit);
  KEEL_OPTIONS_IN_ORDER(keel::what_if_options, .symbols = keel::what_if_options{}.symbols,
                        .sectors = keel::what_if_options{}.sectors, .returns = keel::what_if_options{}.returns,
                        .correlation = keel::what_if_options{}.correlation, .means = keel::what_if_options{}.means,
                        .confidence = keel::what_if_options{}.confidence, .horizon = keel::what_if_options{}.horizon,
                        .distribution = keel::what_if_options{}.distribution,
                        .periods_per_year = keel::what_if_options{}.periods_per_year,
                        .cash = keel::what_if_options{}.cash, .cash_funded = keel::what_if_options{}.cash_funded);
  KEEL_OPTIONS_IN_ORDER(keel::annual_options, .periods_per_year = keel::annual_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::ratio_options, .risk_free = keel::ratio_options{}.risk_free,
                        .periods_per_year = keel::ratio_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::sortino_options, .required_return = keel::sortino_options{}.required_return,
                        .periods_per_year = keel::sortino_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::omega_options, .risk_free = keel::omega_options{}.risk_free,
                        .required_return = keel::omega_options{}.required_return,
                        .periods_per_year = keel::omega_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::tracking_error_options,
                        .periods_per_year = keel::tracking_error_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::information_ratio_options,
                        .periods_per_year = keel::information_ratio_options{}.periods_per_year);
  KEEL_OPTIONS_IN_ORDER(keel::holdings_file_options, .delimiter = keel::holdings_file_options{}.delimiter);
  KEEL_OPTIONS_IN_ORDER(keel::benchmark_file_options, .delimiter = keel::benchmark_file_options{}.delimiter);
  KEEL_OPTIONS_IN_ORDER(keel::rebalance_options, .band = keel::rebalance_options{}.band,
                        .to = keel::rebalance_options{}.to, .cash = keel::rebalance_options{}.cash,
                        .min_trade_value = keel::rebalance_options{}.min_trade_value,
                        .lot_size = keel::rebalance_options{}.lot_size, .cost_bps = keel::rebalance_options{}.cost_bps,
                        .allow_short = keel::rebalance_options{}.allow_short,
                        .symbols = keel::rebalance_options{}.symbols, .costs = keel::rebalance_options{}.costs);
  KEEL_OPTIONS_IN_ORDER(keel::allocation_options, .method = keel::allocation_options{}.method,
                        .lot_size = keel::allocation_options{}.lot_size,
                        .max_nodes = keel::allocation_options{}.max_nodes);
  KEEL_OPTIONS_IN_ORDER(
      keel::snapshot_options, .market = keel::snapshot_options{}.market, .as_of = keel::snapshot_options{}.as_of,
      .window = keel::snapshot_options{}.window, .confidence = keel::snapshot_options{}.confidence,
      .horizons = keel::snapshot_options{}.horizons, .target_beta = keel::snapshot_options{}.target_beta,
      .hedge = keel::snapshot_options{}.hedge, .limits = keel::snapshot_options{}.limits,
      .benchmark = keel::snapshot_options{}.benchmark, .periods_per_year = keel::snapshot_options{}.periods_per_year,
      .mc_paths = keel::snapshot_options{}.mc_paths, .seed = keel::snapshot_options{}.seed,
      .backtest_days = keel::snapshot_options{}.backtest_days,
      .frontier_points = keel::snapshot_options{}.frontier_points, .mc_threads = keel::snapshot_options{}.mc_threads,
      .bad_prices = keel::snapshot_options{}.bad_prices, .factor_returns = keel::snapshot_options{}.factor_returns,
      .index_options = keel::snapshot_options{}.index_options);
  KEEL_OPTIONS_IN_ORDER(
      keel::parametric_options, .confidence = keel::parametric_options{}.confidence,
      .horizon = keel::parametric_options{}.horizon, .include_mean = keel::parametric_options{}.include_mean,
      .distribution = keel::parametric_options{}.distribution, .value = keel::parametric_options{}.value);
  KEEL_OPTIONS_IN_ORDER(keel::cornish_fisher_options, .confidence = keel::cornish_fisher_options{}.confidence,
                        .horizon = keel::cornish_fisher_options{}.horizon,
                        .include_mean = keel::cornish_fisher_options{}.include_mean,
                        .value = keel::cornish_fisher_options{}.value);
  KEEL_OPTIONS_IN_ORDER(keel::historical_options, .confidence = keel::historical_options{}.confidence,
                        .ewma_lambda = keel::historical_options{}.ewma_lambda,
                        .value = keel::historical_options{}.value);
  KEEL_OPTIONS_IN_ORDER(
      keel::parametric_risk_options, .confidence = keel::parametric_risk_options{}.confidence,
      .horizon = keel::parametric_risk_options{}.horizon, .include_mean = keel::parametric_risk_options{}.include_mean,
      .distribution = keel::parametric_risk_options{}.distribution, .value = keel::parametric_risk_options{}.value);
  KEEL_OPTIONS_IN_ORDER(keel::cornish_fisher_risk_options, .confidence = keel::cornish_fisher_risk_options{}.confidence,
                        .horizon = keel::cornish_fisher_risk_options{}.horizon,
                        .include_mean = keel::cornish_fisher_risk_options{}.include_mean,
                        .value = keel::cornish_fisher_risk_options{}.value);
  KEEL_OPTIONS_IN_ORDER(keel::historical_risk_options, .confidence = keel::historical_risk_options{}.confidence,
                        .ewma_lambda = keel::historical_risk_options{}.ewma_lambda,
                        .value = keel::historical_risk_options{}.value);
  KEEL_OPTIONS_IN_ORDER(keel::mc_options, .paths = keel::mc_options{}.paths, .seed = keel::mc_options{}.seed,
                        .horizon = keel::mc_options{}.horizon, .confidence = keel::mc_options{}.confidence,
                        .distribution = keel::mc_options{}.distribution, .threads = keel::mc_options{}.threads);
  KEEL_OPTIONS_IN_ORDER(keel::var_backtest_options, .confidence = keel::var_backtest_options{}.confidence,
                        .significance = keel::var_backtest_options{}.significance);
  KEEL_OPTIONS_IN_ORDER(keel::traffic_light_options, .confidence = keel::traffic_light_options{}.confidence);
  KEEL_OPTIONS_IN_ORDER(keel::realized_volatility_options,
                        .periods_per_year = keel::realized_volatility_options{}.periods_per_year,
                        .demean = keel::realized_volatility_options{}.demean);
  KEEL_OPTIONS_IN_ORDER(keel::ewma_volatility_options, .lambda = keel::ewma_volatility_options{}.lambda,
                        .periods_per_year = keel::ewma_volatility_options{}.periods_per_year,
                        .weighting = keel::ewma_volatility_options{}.weighting);
  KEEL_OPTIONS_IN_ORDER(keel::volatility_trend_options, .short_window = keel::volatility_trend_options{}.short_window,
                        .long_window = keel::volatility_trend_options{}.long_window,
                        .threshold = keel::volatility_trend_options{}.threshold,
                        .periods_per_year = keel::volatility_trend_options{}.periods_per_year,
                        .demean = keel::volatility_trend_options{}.demean);
  KEEL_OPTIONS_IN_ORDER(keel::volatility_percentile_options, .lookback = keel::volatility_percentile_options{}.lookback,
                        .demean = keel::volatility_percentile_options{}.demean);
}

namespace {
template <class T>
concept has_periods_per_year = requires(T t) {
  t.periods_per_year;
};
template <class T>
concept has_risk_free = requires(T t) {
  t.risk_free;
};
template <class T>
concept has_confidence = requires(T t) {
  t.confidence;
};

// The rule's shared fields: periods_per_year a double defaulting to 252, risk_free a double
// defaulting to 0, confidence 0.95 (a list of levels where several are computed at once),
// except the Basel traffic light, which is defined at 99% (BCBS 1996).
template <class T>
void check_shared_fields() {
  INFO(typeid(T).name());
  if constexpr (has_periods_per_year<T>) {
    STATIC_REQUIRE(std::is_same_v<decltype(T::periods_per_year), double>);
    CHECK(T{}.periods_per_year == 252);
  }
  if constexpr (has_risk_free<T>) {
    STATIC_REQUIRE(std::is_same_v<decltype(T::risk_free), double>);
    CHECK(T{}.risk_free == 0);
  }
  if constexpr (has_confidence<T>) {
    if constexpr (std::is_same_v<T, keel::traffic_light_options>) {
      CHECK(T{}.confidence == 0.99);
    } else if constexpr (std::is_same_v<decltype(T::confidence), double>) {
      CHECK(T{}.confidence == 0.95);
    } else {
      STATIC_REQUIRE(std::is_same_v<decltype(T::confidence), std::vector<double>>);
      CHECK(!T{}.confidence.empty());
    }
  }
}
}  // namespace

TEST_CASE("periods_per_year, risk_free and confidence have one name, type and default", "[api]") {
  STATIC_REQUIRE(has_periods_per_year<keel::annual_options>);
  STATIC_REQUIRE(has_risk_free<keel::markowitz_options>);
  STATIC_REQUIRE(has_confidence<keel::var_backtest_options>);
  check_shared_fields<keel::annual_options>();
  check_shared_fields<keel::ratio_options>();
  check_shared_fields<keel::sortino_options>();
  check_shared_fields<keel::omega_options>();
  check_shared_fields<keel::tracking_error_options>();
  check_shared_fields<keel::information_ratio_options>();
  check_shared_fields<keel::covariance_options>();
  check_shared_fields<keel::ewma_covariance_options>();
  check_shared_fields<keel::semicovariance_options>();
  check_shared_fields<keel::ledoit_wolf_options>();
  check_shared_fields<keel::expected_return_options>();
  check_shared_fields<keel::capm_options>();
  check_shared_fields<keel::frontier_options>();
  check_shared_fields<keel::har_volatility_options>();
  check_shared_fields<keel::kelly_options>();
  check_shared_fields<keel::markowitz_options>();
  check_shared_fields<keel::risk_budgeting_options>();
  check_shared_fields<keel::max_diversification_options>();
  check_shared_fields<keel::min_tracking_error_options>();
  check_shared_fields<keel::implied_risk_aversion_options>();
  check_shared_fields<keel::implied_returns_options>();
  check_shared_fields<keel::bl_options>();
  check_shared_fields<keel::cvar_options>();
  check_shared_fields<keel::hrp_options>();
  check_shared_fields<keel::herc_options>();
  check_shared_fields<keel::cdar_options>();
  check_shared_fields<keel::what_if_options>();
  check_shared_fields<keel::parametric_options>();
  check_shared_fields<keel::cornish_fisher_options>();
  check_shared_fields<keel::historical_options>();
  check_shared_fields<keel::parametric_risk_options>();
  check_shared_fields<keel::cornish_fisher_risk_options>();
  check_shared_fields<keel::historical_risk_options>();
  check_shared_fields<keel::mc_options>();
  check_shared_fields<keel::var_backtest_options>();
  check_shared_fields<keel::traffic_light_options>();
  check_shared_fields<keel::realized_volatility_options>();
  check_shared_fields<keel::ewma_volatility_options>();
  check_shared_fields<keel::volatility_trend_options>();
  check_shared_fields<keel::snapshot_options>();
  check_shared_fields<keel::factor_risk_options>();
  check_shared_fields<keel::statistics_options>();
  check_shared_fields<keel::bootstrap_options>();
  check_shared_fields<keel::estimation_options>();
  check_shared_fields<keel::override_rule>();
  check_shared_fields<keel::risk_override_options>();
}

namespace {
template <class R>
concept has_workspace_type = requires {
  typename R::workspace;
};
template <class R>
concept holds_a_workspace = requires(R r) {
  r.workspace;
};

// A result that an out form fills with scratch declares that scratch as its nested workspace
// type and holds none of it.
template <class R>
concept value_with_workspace =
    has_workspace_type<R> && !holds_a_workspace<R> && std::default_initializable<typename R::workspace>;

struct holds_scratch {  // the shape before issue 18: the check must reject it
  std::vector<double> betas;
  std::vector<double> workspace;
};
}  // namespace

TEST_CASE("results are values: scratch is the nested workspace type, never a member", "[api]") {
  using key = std::chrono::sys_days;
  STATIC_REQUIRE_FALSE(value_with_workspace<holds_scratch>);
  STATIC_REQUIRE(value_with_workspace<keel::rolling_beta_result<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::dated_rolling_beta<key, double>>);
  STATIC_REQUIRE(value_with_workspace<keel::rolling_beta_panel<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::rolling_volatility_result<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::dated_rolling_volatility<key, double>>);
  STATIC_REQUIRE(value_with_workspace<keel::rolling_sharpe_result<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::dated_rolling_sharpe<key, double>>);
  STATIC_REQUIRE(value_with_workspace<keel::rolling_drawdown_result<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::dated_rolling_drawdown<key, double>>);
  STATIC_REQUIRE(value_with_workspace<keel::har_forecast<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::har_model<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::har_panel<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::har_volatility_result<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::har_volatility_panel<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::covariance_estimate<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::shrinkage_estimate<double>>);
  STATIC_REQUIRE(value_with_workspace<keel::factor_fit<double>>);
  // Results whose out forms need no scratch hold none either.
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::ewma_volatility_result<double>>);
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::beta_fit<double>>);
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::var_result<double>>);
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::portfolio<double>>);
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::frontier<double>>);
  STATIC_REQUIRE_FALSE(holds_a_workspace<keel::hierarchical_result<double>>);
  // One rolling shape: a rolling result is not itself a series; its statistics are.
  STATIC_REQUIRE_FALSE(keel::Series<keel::rolling_volatility_result<double>>);
  STATIC_REQUIRE_FALSE(keel::DatedSeries<keel::dated_rolling_volatility<key, double>>);
  STATIC_REQUIRE(keel::Series<decltype(keel::rolling_volatility_result<double>{}.volatilities)>);
  STATIC_REQUIRE(keel::Series<decltype(keel::rolling_beta_result<double>{}.betas)>);
  STATIC_REQUIRE(keel::Series<decltype(keel::rolling_sharpe_result<double>{}.sharpe_ratios)>);
  STATIC_REQUIRE(keel::Series<decltype(keel::rolling_drawdown_result<double>{}.depths)>);
  STATIC_REQUIRE(keel::DatedSeries<decltype(keel::dated_rolling_volatility<key, double>{}.volatilities)>);
  STATIC_REQUIRE(keel::DatedSeries<decltype(keel::dated_rolling_sharpe<key, double>{}.sharpe_ratios)>);
  STATIC_REQUIRE(keel::DatedSeries<decltype(keel::dated_rolling_beta<key, double>{}.betas)>);
}
