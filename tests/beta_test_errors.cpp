// SPDX-License-Identifier: MIT
// Part of beta_test (tests/beta_test.cpp describes the whole test): market_beta's conventions,
// options and errors (cap, a constant asset, bad input, values out of range, no allocation),
// the dated overload, and portfolio_beta.
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>

#include "support/allocations.hpp"
#include "support/beta_test_fixtures.hpp"

using namespace keel_test::beta_test;

namespace {

using Catch::Matchers::Contains;

}  // namespace

// ---------------------------------------------------------------------------------------------
// market_beta: conventions, options and errors.

TEST_CASE("market_beta cap clamps |beta| and keeps the raw estimate", "[beta][options]") {
  const sample s = make_sample(300, 3, -2.5, 0.004);
  const auto raw = keel::market_beta(s.asset, s.market);
  const auto capped = keel::market_beta(s.asset, s.market, {.min_observations = 20, .cap = 2.0});
  CHECK(capped.capped);
  CHECK(capped.beta == -2.0);
  CHECK(capped.raw_beta == raw.beta);
  CHECK(capped.beta_stderr == raw.beta_stderr);  // statistics stay those of the OLS fit
  CHECK(capped.t_stat == raw.t_stat);
  const auto loose = keel::market_beta(s.asset, s.market, {.cap = 3.0});
  CHECK_FALSE(loose.capped);
  CHECK(loose.beta == raw.beta);
}

TEST_CASE("market_beta of a constant asset is zero, never NaN", "[beta][degenerate]") {
  const sample s = make_sample(50, 4);
  const std::vector<double> flat(50, 0.003);
  const auto fit = keel::market_beta(flat, s.market);
  CHECK(fit.beta == 0.0);
  CHECK(fit.alpha == Approx(0.003).epsilon(1e-14));
  CHECK(fit.r_squared == 0.0);
  CHECK(fit.t_stat == 0.0);
  CHECK(fit.p_value == 1.0);
  CHECK_FALSE(fit.significant());
  require_no_nan(fit);
}

TEST_CASE("market_beta rejects bad input with located messages", "[beta][errors]") {
  const sample s = make_sample(100, 8);
  std::vector<double> short_market(s.market.begin(), s.market.end() - 1);
  CHECK_THROWS_AS(keel::market_beta(s.asset, short_market), keel::invalid_input);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, short_market),
                    Contains("asset_returns has 100 values") && Contains("market_returns has 99"));

  std::vector<double> with_nan = s.asset;
  with_nan[17] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(keel::market_beta(with_nan, s.market), keel::invalid_input);
  CHECK_THROWS_WITH(keel::market_beta(with_nan, s.market), Contains("asset_returns[17] is NaN"));

  std::vector<double> with_inf = s.market;
  with_inf[63] = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::market_beta(s.asset, with_inf), Contains("market_returns[63] is -inf"));

  std::vector<double> huge(100, 0.0);
  for (std::size_t i = 0; i < huge.size(); ++i) huge[i] = (i % 2 ? 1e300 : -1e300);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, huge), Contains("overflow"));

  const std::vector<double> few_a(s.asset.begin(), s.asset.begin() + 12);
  const std::vector<double> few_m(s.market.begin(), s.market.begin() + 12);
  CHECK_THROWS_AS(keel::market_beta(few_a, few_m), keel::insufficient_data);
  try {
    (void)keel::market_beta(few_a, few_m);
  } catch (const keel::insufficient_data& e) {
    CHECK(e.required() == 20);
    CHECK(e.actual() == 12);
    CHECK_THAT(e.what(), Contains("at least 20") && Contains("got 12"));
  }
  CHECK_NOTHROW(keel::market_beta(few_a, few_m, {.min_observations = 12}));

  const std::vector<double> flat(100, 0.001);
  CHECK_THROWS_AS(keel::market_beta(s.asset, flat), keel::singular_problem);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, flat), Contains("zero variance"));

  CHECK_THROWS_AS(keel::market_beta(s.asset, s.market, {.min_observations = 2}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, s.market, {.min_observations = 2}), Contains("min_observations = 2"));
  CHECK_THROWS_AS(keel::market_beta(s.asset, s.market, {.cap = 0.0}), keel::invalid_input);
  CHECK_THROWS_AS(keel::market_beta(s.asset, s.market, {.cap = std::nan("")}), keel::invalid_input);

  const auto fit = keel::market_beta(s.asset, s.market);
  CHECK_THROWS_AS(fit.significant(0.0), keel::invalid_input);
  CHECK_THROWS_AS(fit.significant(1.0), keel::invalid_input);
  CHECK_THROWS_AS(fit.significant(std::nan("")), keel::invalid_input);
}

TEST_CASE("returns too small or results too large for their type throw, never return inf or NaN",
          "[beta][errors][range]") {
  const sample s = make_sample(100, 9);
  // Returns near 1e-160: their squared deviations are subnormal and 1 / S_xx overflows.
  std::vector<double> tiny_market(s.market), tiny_asset(s.asset);
  for (double& v : tiny_market) v *= 1e-158;
  for (double& v : tiny_asset) v *= 1e-158;
  CHECK_THROWS_AS(keel::market_beta(s.asset, tiny_market), keel::invalid_input);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, tiny_market),
                    Contains("market_returns[0..99] vary too little") && Contains("underflows"));
  CHECK_THROWS_WITH(keel::market_beta(tiny_asset, s.market), Contains("asset_returns[0..99] vary too little"));
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, tiny_market, 30), Contains("market_returns[0..29] vary too little"));
  // Scaled by a power of two just above the limit, the fit is the same fit, scaled.
  std::vector<double> small_market(s.market);
  for (double& v : small_market) v = std::ldexp(v, -400);  // ~1e-122
  const auto scaled = keel::market_beta(s.asset, small_market);
  const auto plain = keel::market_beta(s.asset, s.market);
  CHECK(scaled.beta == Approx(std::ldexp(plain.beta, 400)).epsilon(1e-13));
  CHECK(scaled.t_stat == Approx(plain.t_stat).epsilon(1e-13));
  CHECK(scaled.r_squared == Approx(plain.r_squared).epsilon(1e-13));
  // A constant asset is still beta 0, not an underflow.
  CHECK(keel::market_beta(std::vector<double>(100, 0.0), s.market).beta == 0.0);

  // float data whose beta does not fit in float: an error naming the field, not -inf.
  std::vector<float> big_asset(s.asset.size()), small_mkt(s.market.size());
  for (std::size_t i = 0; i < s.asset.size(); ++i) {
    big_asset[i] = static_cast<float>(s.asset[i] * 1e25);
    small_mkt[i] = static_cast<float>(s.market[i] * 1e-20);
  }
  CHECK_THROWS_WITH(keel::market_beta(big_asset, small_mkt),
                    Contains("beta = ") && Contains("overflows the result type"));
  CHECK_THROWS_WITH(keel::rolling_beta(big_asset, small_mkt, 30), Contains("overflows the result type"));
  Eigen::MatrixXf panel(static_cast<Eigen::Index>(big_asset.size()), 1);
  for (Eigen::Index i = 0; i < panel.rows(); ++i) panel(i, 0) = big_asset[static_cast<std::size_t>(i)];
  CHECK_THROWS_WITH(keel::rolling_beta(panel, small_mkt, 30), Contains("overflows the result type"));
  // The same data in double fit.
  const std::vector<double> big_d(big_asset.begin(), big_asset.end()), small_d(small_mkt.begin(), small_mkt.end());
  require_no_nan(keel::market_beta(big_d, small_d));

  // A portfolio whose exposure overflows.
  CHECK_THROWS_WITH(keel::portfolio_beta(std::vector<double>{1e300, 1e300}, std::vector<double>{1e10, 1.0}),
                    Contains("overflows"));
  CHECK_THROWS_WITH(keel::portfolio_beta(std::vector<double>{1e300}, std::vector<double>{2.0}, 1e-10),
                    Contains("/ equity overflows"));
  CHECK_THROWS_WITH(keel::portfolio_beta(std::vector<float>{3e38f}, std::vector<float>{10.0f}),
                    Contains("portfolio beta = ") && Contains("overflows the result type"));
}

TEST_CASE("market_beta does not allocate on plain series", "[beta][allocation]") {
  const sample s = make_sample(10000, 12);
  const std::span<const double> a(s.asset), m(s.market);
  const Eigen::Map<const Eigen::VectorXd> ea(s.asset.data(), 10000), em(s.market.data(), 10000);
  const long before = keel_test::allocation_count();
  const auto f1 = keel::market_beta(s.asset, s.market);
  const auto f2 = keel::market_beta(a, m);
  const auto f3 = keel::market_beta(ea, em);
  const long after = keel_test::allocation_count();
  CHECK(after - before == 0);
  CHECK(f1.beta == f2.beta);
  CHECK(f1.beta == f3.beta);
}

// ---------------------------------------------------------------------------------------------
// The dated overload.

TEST_CASE("market_beta of dated series aligns on keys first", "[beta][dated]") {
  const sample s = make_sample(120, 21);
  // Asset on even days 0..238 plus a NaN, market on every day 0..239 shifted by its own data.
  std::vector<int> asset_days, market_days;
  std::vector<double> asset_vals, market_vals(240);
  std::vector<double> expect_y, expect_x;
  std::mt19937_64 gen(2);
  std::normal_distribution<double> m(0.0, 0.01);
  for (auto& v : market_vals) v = m(gen);
  for (int d = 0; d < 240; ++d) market_days.push_back(d);
  for (int k = 0; k < 120; ++k) {
    asset_days.push_back(2 * k);
    const double y =
        (k == 50) ? std::numeric_limits<double>::quiet_NaN()
                  : 0.5 * market_vals[static_cast<std::size_t>(2 * k)] + s.asset[static_cast<std::size_t>(k)] * 0.1;
    asset_vals.push_back(y);
    if (k != 50) {
      expect_y.push_back(y);
      expect_x.push_back(market_vals[static_cast<std::size_t>(2 * k)]);
    }
  }
  const keel::dated_series<int, double> asset(asset_days, asset_vals);
  const keel::dated_view market(market_days, market_vals);
  const auto fit = keel::market_beta(asset, market);
  const auto direct = keel::market_beta(expect_y, expect_x);
  CHECK(fit.n == 119);
  CHECK(fit.beta == direct.beta);
  CHECK(fit.p_value == direct.p_value);

  const std::vector<int> bad_days{1, 3, 2};
  const std::vector<double> bad_vals{0.1, 0.2, 0.3};
  const keel::dated_view unordered(bad_days, bad_vals);
  CHECK_THROWS_AS(keel::market_beta(unordered, market), keel::invalid_input);
}

// ---------------------------------------------------------------------------------------------
// portfolio_beta.

TEST_CASE("portfolio_beta is the weighted sum of betas", "[portfolio]") {
  const std::vector<double> w{0.5, 0.3, -0.2, 0.4};  // 120% long, 20% short
  const std::vector<double> b{1.2, 0.8, 1.9, -0.3};
  CHECK(keel::portfolio_beta(w, b) == Approx(0.6 + 0.24 - 0.38 - 0.12).epsilon(1e-15));
  // From market values and equity: the same thing.
  const std::vector<double> values{500000, 300000, -200000, 400000};
  CHECK(keel::portfolio_beta(values, b, 1e6) == Approx(keel::portfolio_beta(w, b)).epsilon(1e-15));
  const std::vector<float> wf{0.5f, 0.5f};
  const Eigen::Vector2f bf(1.0f, 2.0f);
  const auto pf = keel::portfolio_beta(wf, bf);
  STATIC_REQUIRE(std::is_same_v<decltype(pf), const float>);
  CHECK(pf == 1.5f);
  CHECK(keel::portfolio_beta(std::vector<double>{}, std::vector<double>{}) == 0.0);

  CHECK_THROWS_AS(keel::portfolio_beta(w, std::vector<double>{1.0}), keel::invalid_input);
  std::vector<double> bad = b;
  bad[2] = std::nan("");
  CHECK_THROWS_WITH(keel::portfolio_beta(w, bad), Contains("betas[2] is NaN"));
  CHECK_THROWS_WITH(keel::portfolio_beta(values, b, 0.0), Contains("equity = 0"));
  CHECK_THROWS_AS(keel::portfolio_beta(values, b, -1.0), keel::invalid_input);
}
