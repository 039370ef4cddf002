// SPDX-License-Identifier: MIT
// Tests of keel/beta.hpp: market_beta, rolling_beta, portfolio_beta.
//
// Independent references used here:
//   - a long-double textbook two-pass implementation written in this file (ols_reference);
//   - Eigen's Householder QR of the [1, x] design, a different formulation (qr_reference);
//   - NIST StRD Norris (certified values, ../shared/reference/nist);
//   - published betas of real price files (../shared/data/SOURCES.md);
//   - closed-form Student-t tails for 1 and 2 degrees of freedom.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/factors.hpp>

#include "support/allocations.hpp"
#include "support/nist.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;
using ymd = std::chrono::year_month_day;

// ---------------------------------------------------------------------------------------------
// Independent references.

/// Textbook OLS in long double with an explicit two-pass centring.
struct reference_fit {
  long double beta, alpha, r2, beta_se, alpha_se, resid_sd;
};

reference_fit ols_reference(const std::vector<double>& y, const std::vector<double>& x) {
  const auto n = static_cast<long double>(x.size());
  long double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  long double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const long double beta = sxy / sxx;
  const long double alpha = my - beta * mx;
  long double rss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const long double e = y[i] - alpha - beta * x[i];
    rss += e * e;
  }
  const long double s2 = rss / (n - 2);
  return {beta, alpha, 1 - rss / syy, std::sqrt(s2 / sxx), std::sqrt(s2 * (1 / n + mx * mx / sxx)), std::sqrt(s2)};
}

/// OLS by Householder QR of the design [1, x]; standard errors from R^-1.
reference_fit qr_reference(const std::vector<double>& y, const std::vector<double>& x) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd design(n, 2);
  Eigen::VectorXd yy(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    design(i, 0) = 1.0;
    design(i, 1) = x[static_cast<std::size_t>(i)];
    yy(i) = y[static_cast<std::size_t>(i)];
  }
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(design);
  const Eigen::Vector2d coef = qr.solve(yy);
  const Eigen::VectorXd resid = yy - design * coef;
  const double rss = resid.squaredNorm();
  const double tss = (yy.array() - yy.mean()).matrix().squaredNorm();
  const Eigen::Matrix2d r = qr.matrixQR().topRows(2).triangularView<Eigen::Upper>();
  const Eigen::Matrix2d rinv = r.inverse();  // 2x2 upper-triangular: exact enough for a check
  const Eigen::Matrix2d cov = rinv * rinv.transpose();
  const double s2 = rss / static_cast<double>(n - 2);
  return {coef(1), coef(0), 1 - rss / tss, std::sqrt(s2 * cov(1, 1)), std::sqrt(s2 * cov(0, 0)), std::sqrt(s2)};
}

/// Relative difference with a floor, so that a value near zero is compared absolutely.
double rel_diff(double a, long double b, double floor = 1e-300) {
  return static_cast<double>(std::fabs(static_cast<long double>(a) - b) /
                             std::max(std::fabs(b), static_cast<long double>(floor)));
}

struct sample {
  std::vector<double> asset, market;
};

/// Daily-return-like data: market ~ N(mu, sd), asset = a + b * market + noise.
sample make_sample(std::size_t n, unsigned seed, double beta = 1.3, double noise = 0.01, double mu = 0.0004,
                   double sd = 0.012) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> m(mu, sd), e(0.0, noise);
  sample s;
  s.asset.resize(n);
  s.market.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    s.market[i] = m(gen);
    s.asset[i] = 0.0002 + beta * s.market[i] + e(gen);
  }
  return s;
}

void require_no_nan(const keel::beta_fit<double>& f) {
  for (double v : {f.beta, f.alpha, f.r_squared, f.beta_stderr, f.alpha_stderr, f.t_stat, f.p_value, f.residual_stddev,
                   f.raw_beta})
    REQUIRE_FALSE(std::isnan(v));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// market_beta: correctness.

TEMPLATE_TEST_CASE("market_beta agrees with an independent fit over every storage", "[beta][storage]",
                   KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const sample s = make_sample(500, 42);
  // The reference sees exactly the values the storage holds (rounded to float when float).
  std::vector<double> y, x;
  for (double v : s.asset) y.push_back(static_cast<double>(static_cast<real>(v)));
  for (double v : s.market) x.push_back(static_cast<double>(static_cast<real>(v)));
  const reference_fit ref = ols_reference(y, x);

  const TestType asset(s.asset);
  const TestType market(s.market);
  const auto fit = keel::market_beta(asset.series(), market.series());
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::beta_fit<real>>);

  // Accumulation is in double for both types; float results are rounded once at the end.
  const double tol = std::is_same_v<real, float> ? 2e-7 : 1e-12;
  CHECK(rel_diff(static_cast<double>(fit.beta), ref.beta) < tol);
  CHECK(rel_diff(static_cast<double>(fit.alpha), ref.alpha) < (std::is_same_v<real, float> ? 2e-7 : 1e-10));
  CHECK(rel_diff(static_cast<double>(fit.r_squared), ref.r2) < tol);
  CHECK(rel_diff(static_cast<double>(fit.beta_stderr), ref.beta_se) < tol);
  CHECK(rel_diff(static_cast<double>(fit.alpha_stderr), ref.alpha_se) < tol);
  CHECK(rel_diff(static_cast<double>(fit.residual_stddev), ref.resid_sd) < tol);
  CHECK(fit.n == 500);
  CHECK_FALSE(fit.capped);
  CHECK(fit.raw_beta == fit.beta);
}

TEST_CASE("market_beta accepts std::array and a strided Eigen row", "[beta][storage]") {
  const std::array<double, 6> m{0.01, -0.02, 0.015, 0.003, -0.007, 0.012};
  std::array<double, 6> a{};
  for (std::size_t i = 0; i < m.size(); ++i) a[i] = 0.001 + 2.0 * m[i] + (i % 2 ? 1e-4 : -1e-4);
  const auto fit = keel::market_beta(a, m, {.min_observations = 6});
  const reference_fit ref = ols_reference({a.begin(), a.end()}, {m.begin(), m.end()});
  CHECK(rel_diff(fit.beta, ref.beta) < 1e-13);

  Eigen::MatrixXd panel(2, 6);  // rows are series: row(i) is a strided view
  for (Eigen::Index j = 0; j < 6; ++j) {
    panel(0, j) = a[static_cast<std::size_t>(j)];
    panel(1, j) = m[static_cast<std::size_t>(j)];
  }
  const auto fit_rows = keel::market_beta(panel.row(0), panel.row(1), {.min_observations = 6});
  // Strided rows are read through iterators, arrays through the vectorised pointer kernel: the
  // order of additions differs, the result only by rounding.
  CHECK(rel_diff(fit_rows.beta, fit.beta) < 1e-14);
}

TEST_CASE("market_beta agrees with a QR formulation to 1e-12", "[beta][independent]") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    const sample s = make_sample(250 + 37 * seed, seed, 0.2 * seed - 1.0, 0.005 * seed);
    const auto fit = keel::market_beta(s.asset, s.market);
    const reference_fit qr = qr_reference(s.asset, s.market);
    INFO("seed " << seed);
    CHECK(rel_diff(fit.beta, qr.beta) < 1e-12);
    CHECK(rel_diff(fit.alpha, qr.alpha, 1e-6) < 1e-12);
    CHECK(rel_diff(fit.r_squared, qr.r2) < 1e-12);
    CHECK(rel_diff(fit.beta_stderr, qr.beta_se) < 1e-12);
    CHECK(rel_diff(fit.alpha_stderr, qr.alpha_se) < 1e-12);
    CHECK(rel_diff(fit.residual_stddev, qr.resid_sd) < 1e-12);
  }
}

TEST_CASE("market_beta is accurate when the first observations are far from the mean", "[beta][numerics]") {
  // The one-pass sums are taken around a shift near the first observations' mean. Here those
  // are 100 standard deviations away, and a trending series drifts far from any early value:
  // both must fall back to the exactly centred pass and stay accurate.
  sample s = make_sample(2000, 7);
  for (std::size_t i = 0; i < 16; ++i) s.market[i] += 1.2;
  const reference_fit ref = ols_reference(s.asset, s.market);
  const auto fit = keel::market_beta(s.asset, s.market);
  CHECK(rel_diff(fit.beta, ref.beta) < 1e-12);
  CHECK(rel_diff(fit.beta_stderr, ref.beta_se) < 1e-12);

  std::vector<double> trend_x(3000), trend_y(3000);
  std::mt19937_64 gen(3);
  std::normal_distribution<double> e(0.0, 1.0);
  for (std::size_t i = 0; i < trend_x.size(); ++i) {
    trend_x[i] = 1e6 + static_cast<double>(i) + e(gen);  // price levels, not returns
    trend_y[i] = 5.0 - 0.75 * trend_x[i] + 3.0 * e(gen);
  }
  const reference_fit tref = ols_reference(trend_y, trend_x);
  const auto tfit = keel::market_beta(trend_y, trend_x);
  CHECK(rel_diff(tfit.beta, tref.beta) < 1e-11);
  CHECK(rel_diff(tfit.alpha, tref.alpha) < 1e-9);
  CHECK(rel_diff(tfit.residual_stddev, tref.resid_sd) < 1e-11);
}

TEST_CASE("market_beta recovers an exact line", "[beta][property]") {
  std::vector<double> x(64), y(64);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::ldexp(static_cast<double>(static_cast<int>(i * 37 % 64) - 32), -8);  // exact binary
    y[i] = 0.25 + 1.5 * x[i];                                                        // exact too
  }
  const auto fit = keel::market_beta(y, x);
  CHECK(fit.beta == Approx(1.5).epsilon(1e-15));
  CHECK(fit.alpha == Approx(0.25).epsilon(1e-15));
  CHECK(fit.r_squared == 1.0);
  CHECK(fit.residual_stddev == Approx(0.0).margin(1e-15));
  CHECK(fit.p_value == Approx(0.0).margin(1e-300));
  require_no_nan(fit);
}

TEST_CASE("market_beta scales and translates as OLS must", "[beta][property]") {
  const sample s = make_sample(400, 11);
  const auto base = keel::market_beta(s.asset, s.market);
  std::vector<double> y2 = s.asset, y_perm = s.asset, x_perm = s.market;
  for (auto& v : y2) v = 3.0 * v + 0.01;  // beta x3, alpha x3 + 0.01
  const auto scaled = keel::market_beta(y2, s.market);
  CHECK(scaled.beta == Approx(3.0 * base.beta).epsilon(1e-12));
  CHECK(scaled.alpha == Approx(3.0 * base.alpha + 0.01).epsilon(1e-10));
  CHECK(scaled.r_squared == Approx(base.r_squared).epsilon(1e-12));
  CHECK(scaled.t_stat == Approx(base.t_stat).epsilon(1e-10));

  std::vector<double> x3 = s.market;
  for (auto& v : x3) v *= 0.5;  // market halved: beta doubles
  CHECK(keel::market_beta(s.asset, x3).beta == Approx(2.0 * base.beta).epsilon(1e-12));

  // Permuting the observations (together) changes nothing but rounding.
  std::mt19937 gen(5);
  std::vector<std::size_t> idx(s.asset.size());
  std::iota(idx.begin(), idx.end(), 0u);
  std::shuffle(idx.begin(), idx.end(), gen);
  for (std::size_t i = 0; i < idx.size(); ++i) {
    y_perm[i] = s.asset[idx[i]];
    x_perm[i] = s.market[idx[i]];
  }
  const auto perm = keel::market_beta(y_perm, x_perm);
  CHECK(perm.beta == Approx(base.beta).epsilon(1e-13));
  CHECK(perm.residual_stddev == Approx(base.residual_stddev).epsilon(1e-13));
}

TEST_CASE("market_beta p-values match closed-form t tails, down to tiny values", "[beta][pvalue]") {
  // dof = 1 (n = 3): P(|T| > t) = (2/pi) atan(1/|t|).
  // dof = 2 (n = 4): P(|T| > t) = 2 / (sqrt(2 + t^2) (sqrt(2 + t^2) + |t|)), cancellation-free.
  const double pi = std::acos(-1.0);
  for (double noise : {0.5, 1e-3, 1e-6, 1e-9}) {
    const std::vector<double> x3{0.0, 1.0, 2.0}, y3{0.0, 1.0 + noise, 2.0};
    const auto f3 = keel::market_beta(y3, x3, {.min_observations = 3});
    const double t3 = f3.t_stat;
    CHECK(f3.p_value == Approx(2 / pi * std::atan(1 / std::fabs(t3))).epsilon(1e-12));

    const std::vector<double> x4{0.0, 1.0, 2.0, 3.0}, y4{0.0, 1.0 + noise, 2.0 - noise, 3.0};
    const auto f4 = keel::market_beta(y4, x4, {.min_observations = 3});
    const double t4 = std::fabs(f4.t_stat);
    const double q = std::sqrt(2 + t4 * t4);
    CHECK(f4.p_value == Approx(2 / (q * (q + t4))).epsilon(1e-12));
  }
  // With many observations and a strong fit the p-value is far below 1e-100 yet positive:
  // it is computed from the upper tail, not as 1 - cdf.
  const sample s = make_sample(150, 9, 1.0, 0.002);  // t near 80 with 148 dof
  const auto fit = keel::market_beta(s.asset, s.market);
  CHECK(fit.p_value > 0.0);
  CHECK(fit.p_value < 1e-100);
  CHECK(fit.significant(1e-50));
}

TEST_CASE("market_beta: NIST StRD Norris to 11 significant digits", "[beta][nist]") {
  const auto data_path = keel_test::shared_file("reference/nist/Norris.csv");
  const auto cert_path = keel_test::shared_file("reference/nist/certified.csv");
  if (!data_path || !cert_path) return;
  const auto data = keel_test::read_nist_dataset(*data_path);
  const auto cert = keel_test::read_nist_certified(*cert_path, "Norris");
  REQUIRE(data.names == std::vector<std::string>{"y", "x"});
  REQUIRE(data.columns[0].size() == 36);

  const auto fit = keel::market_beta(data.columns[0], data.columns[1]);
  const double lre_beta = keel_test::lre(fit.beta, cert.at("params[1].estimate"));
  const double lre_alpha = keel_test::lre(fit.alpha, cert.at("params[0].estimate"));
  const double lre_beta_se = keel_test::lre(fit.beta_stderr, cert.at("params[1].sd"));
  const double lre_alpha_se = keel_test::lre(fit.alpha_stderr, cert.at("params[0].sd"));
  const double lre_resid = keel_test::lre(fit.residual_stddev, cert.at("residual_sd"));
  const double lre_r2 = keel_test::lre(fit.r_squared, cert.at("r_squared"));
  std::cout << "Norris LRE: beta " << lre_beta << ", alpha " << lre_alpha << ", se(beta) " << lre_beta_se
            << ", se(alpha) " << lre_alpha_se << ", residual sd " << lre_resid << ", R2 " << lre_r2 << "\n";
  CHECK(lre_beta >= 11);
  CHECK(lre_alpha >= 11);
  CHECK(lre_beta_se >= 11);
  CHECK(lre_alpha_se >= 11);
  CHECK(lre_resid >= 11);
  CHECK(lre_r2 >= 11);
  CHECK(fit.n == 36);
}

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

TEST_CASE("collinear factors mislead a factor model, market_beta stays right", "[beta][collinear]") {
  // The failure from the issue: seven factors that are each the market plus a little noise
  // (VIFs in the hundreds) give individual betas that swing wildly, even to the wrong sign,
  // while the single-factor market beta is the true 1.9 within its standard error.
  std::mt19937_64 gen(2024);
  std::normal_distribution<double> z(0.0, 1.0);
  const Eigen::Index t = 90, k = 7;
  Eigen::VectorXd market(t), asset(t);
  Eigen::MatrixXd factors(t, k);
  for (Eigen::Index i = 0; i < t; ++i) {
    market(i) = 0.012 * z(gen);
    for (Eigen::Index j = 0; j < k; ++j) factors(i, j) = market(i) + 0.03 * 0.012 * z(gen);
    asset(i) = 0.0003 + 1.9 * market(i) + 0.02 * z(gen);
  }
  const auto multi = keel::factor_regression(asset, factors);
  for (Eigen::Index j = 0; j < k; ++j) CHECK(multi.vifs(j) > 100);
  const auto coefs = multi.coefficients.tail(k);
  INFO("factor betas " << coefs.transpose());
  CHECK(coefs.minCoeff() < 0);    // a factor "beta" with the wrong sign
  CHECK(coefs.maxCoeff() > 1.9);  // and one larger than the whole exposure

  const auto fit = keel::market_beta(asset, market);
  CHECK(std::fabs(fit.beta - 1.9) < 3 * fit.beta_stderr);
  CHECK(fit.significant(1e-6));
  // Two independent implementations of the same single-factor OLS agree.
  const auto one = keel::factor_regression(asset, market);
  CHECK(rel_diff(fit.beta, one.coefficients(1)) < 1e-12);
  CHECK(rel_diff(fit.beta_stderr, one.std_errors(1)) < 1e-12);
  CHECK(rel_diff(fit.alpha_stderr, one.std_errors(0)) < 1e-12);
  CHECK(rel_diff(fit.r_squared, one.r_squared) < 1e-12);
  CHECK(rel_diff(fit.p_value, one.p_values(1)) < 1e-9);
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
// rolling_beta.

namespace {
/// Every window of a rolling fit against a direct market_beta on that window: the relative
/// difference, taken against max(|direct|, floor). Near zero no two algorithms agree in
/// relative terms (a beta of 1e-6 is the difference of sums of order 1e-4, known to about
/// 1e-16 absolute), so floors of 0.01 for beta and R^2 and 1e-4 for a daily alpha make the
/// comparison absolute there; every typical value is compared relatively.
void check_rolling_against_direct(const keel::rolling_beta_result<double>& fits, const std::vector<double>& y,
                                  const std::vector<double>& x, std::ptrdiff_t window, double tol,
                                  double* worst = nullptr) {
  REQUIRE(std::ssize(fits.betas) == std::ssize(x) - window + 1);
  REQUIRE(fits.alphas.size() == fits.betas.size());
  REQUIRE(fits.r_squareds.size() == fits.betas.size());
  const std::span<const double> ys(y), xs(x);
  double worst_seen = 0;
  for (std::size_t k = 0; k < fits.betas.size(); ++k) {
    const auto direct = keel::market_beta(ys.subspan(k, static_cast<std::size_t>(window)),
                                          xs.subspan(k, static_cast<std::size_t>(window)), {.min_observations = 3});
    const double e_beta = rel_diff(fits.betas[k], direct.beta, 1e-2);
    const double e_alpha = rel_diff(fits.alphas[k], direct.alpha, 1e-4);
    const double e_r2 = rel_diff(fits.r_squareds[k], direct.r_squared, 1e-2);
    worst_seen = std::max({worst_seen, e_beta, e_alpha, e_r2});
    if (e_beta > tol || e_alpha > tol || e_r2 > tol) {
      INFO("window ending at " << k + static_cast<std::size_t>(window) - 1);
      CHECK(fits.betas[k] == Approx(direct.beta).epsilon(tol));
      CHECK(fits.alphas[k] == Approx(direct.alpha).epsilon(tol));
      CHECK(fits.r_squareds[k] == Approx(direct.r_squared).epsilon(tol));
    }
  }
  if (worst != nullptr) *worst = std::max(*worst, worst_seen);
}
}  // namespace

TEMPLATE_TEST_CASE("rolling_beta works over every storage", "[rolling][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const sample s = make_sample(300, 31);
  const TestType asset(s.asset), market(s.market);
  const auto fits = keel::rolling_beta(asset.series(), market.series(), 60);
  STATIC_REQUIRE(std::is_same_v<decltype(fits), const keel::rolling_beta_result<real>>);
  STATIC_REQUIRE(keel::Series<decltype(fits.betas)>);
  REQUIRE(fits.betas.size() == 241);
  std::vector<double> y, x;
  for (double v : s.asset) y.push_back(static_cast<double>(static_cast<real>(v)));
  for (double v : s.market) x.push_back(static_cast<double>(static_cast<real>(v)));
  const double tol = std::is_same_v<real, float> ? 2e-6 : 1e-11;
  for (std::size_t k = 0; k < fits.betas.size(); k += 7) {
    const std::vector<double> wy(y.begin() + static_cast<std::ptrdiff_t>(k),
                                 y.begin() + static_cast<std::ptrdiff_t>(k) + 60);
    const std::vector<double> wx(x.begin() + static_cast<std::ptrdiff_t>(k),
                                 x.begin() + static_cast<std::ptrdiff_t>(k) + 60);
    const reference_fit ref = ols_reference(wy, wx);
    CHECK(rel_diff(static_cast<double>(fits.betas[k]), ref.beta) < tol);
    CHECK(rel_diff(static_cast<double>(fits.r_squareds[k]), ref.r2) < tol);
  }
}

TEST_CASE("rolling_beta agrees with market_beta on every window (random data)", "[rolling]") {
  for (std::ptrdiff_t window : {3, 4, 5, 20, 90, 250}) {
    const sample s = make_sample(1200, static_cast<unsigned>(window), 0.9, 0.015);
    const auto fits = keel::rolling_beta(s.asset, s.market, window);
    INFO("window " << window);
    check_rolling_against_direct(fits, s.asset, s.market, window, 1e-12);
  }
}

TEST_CASE("rolling_beta of a panel matches the single-series form column by column", "[rolling][panel]") {
  const std::ptrdiff_t t = 700, n_assets = 5, window = 90;
  const sample s = make_sample(static_cast<std::size_t>(t), 77);
  Eigen::MatrixXd assets(t, n_assets);
  std::mt19937_64 gen(4);
  std::normal_distribution<double> e(0.0, 0.01);
  for (Eigen::Index j = 0; j < n_assets; ++j)
    for (Eigen::Index i = 0; i < t; ++i)
      assets(i, j) = 0.5 * static_cast<double>(j) * s.market[static_cast<std::size_t>(i)] + e(gen);
  const auto panel = keel::rolling_beta(assets, s.market, window);
  REQUIRE(panel.betas.rows() == t - window + 1);
  REQUIRE(panel.betas.cols() == n_assets);
  for (Eigen::Index j = 0; j < n_assets; ++j) {
    const std::vector<double> col(assets.col(j).begin(), assets.col(j).end());
    const auto single = keel::rolling_beta(col, s.market, window);
    for (Eigen::Index k = 0; k < panel.betas.rows(); ++k) {
      CHECK(panel.betas(k, j) == single.betas[static_cast<std::size_t>(k)]);
      CHECK(panel.alphas(k, j) == single.alphas[static_cast<std::size_t>(k)]);
      CHECK(panel.r_squareds(k, j) == single.r_squareds[static_cast<std::size_t>(k)]);
    }
  }
  // Reusing the output storage gives the same values (and needs no reallocation).
  keel::rolling_beta_panel<double> reused = panel;
  const double* before = reused.betas.data();
  keel::rolling_beta(assets, s.market, window, reused);
  CHECK(reused.betas.data() == before);
  CHECK(reused.betas == panel.betas);
  // Betas only: the same betas, alpha and R^2 left empty.
  const auto betas_only = keel::rolling_beta(assets, s.market, window, {.alpha = false, .r_squared = false});
  CHECK(betas_only.betas == panel.betas);
  CHECK(betas_only.alphas.size() == 0);
  CHECK(betas_only.r_squareds.size() == 0);
  keel::rolling_beta(assets, s.market, window, reused, {.alpha = true, .r_squared = false});
  CHECK(reused.alphas == panel.alphas);
  CHECK(reused.r_squareds.size() == 0);
  // An odd number of assets: the last is rolled alone.
  const auto odd = keel::rolling_beta(assets.leftCols(3), s.market, window);
  CHECK(odd.betas == panel.betas.leftCols(3));
  CHECK(odd.r_squareds == panel.r_squareds.leftCols(3));
  // A row-major panel and a float panel work too.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = assets;
  CHECK(keel::rolling_beta(row_major, s.market, window).betas == panel.betas);
  const Eigen::MatrixXf as_float = assets.cast<float>();
  const auto fpanel = keel::rolling_beta(as_float, keel_test::converted<float>(s.market), window);
  STATIC_REQUIRE(std::is_same_v<decltype(fpanel.betas)::Scalar, float>);
  CHECK(((fpanel.betas.cast<double>() - panel.betas).array().abs() < 1e-4).all());
}

TEST_CASE("rolling_beta of dated series keys each window by its last date", "[rolling][dated]") {
  const sample s = make_sample(200, 5);
  std::vector<int> days(200);
  std::iota(days.begin(), days.end(), 1000);
  const keel::dated_view asset(days, s.asset);
  std::vector<int> mdays(days.begin() + 10, days.end());  // market starts 10 days later
  const std::vector<double> mvals(s.market.begin() + 10, s.market.end());
  const keel::dated_view market(mdays, mvals);
  const auto rolled = keel::rolling_beta(asset, market, 30);
  STATIC_REQUIRE(keel::DatedSeries<decltype(rolled.betas)>);
  REQUIRE(rolled.betas.size() == 190 - 30 + 1);
  CHECK(rolled.betas.keys().front() == 1010 + 29);
  CHECK(rolled.betas.keys().back() == 1199);
  CHECK(rolled.alphas.keys() == rolled.betas.keys());
  CHECK(rolled.r_squareds.keys() == rolled.betas.keys());
  const std::vector<double> ay(s.asset.begin() + 10, s.asset.end());
  keel::rolling_beta_result<double> fits;
  fits.betas = rolled.betas.values();
  fits.alphas = rolled.alphas.values();
  fits.r_squareds = rolled.r_squareds.values();
  check_rolling_against_direct(fits, ay, mvals, 30, 1e-12);
}

TEST_CASE("rolling_beta is exact where a price goes stale", "[rolling][degenerate]") {
  // Forty days of zero returns inside a 30-day window: the running sums cannot represent a
  // variance of exactly zero, so those windows are recomputed exactly: beta 0, R^2 0.
  sample s = make_sample(400, 13);
  std::fill(s.asset.begin() + 200, s.asset.begin() + 240, 0.0);
  const auto fits = keel::rolling_beta(s.asset, s.market, 30);
  for (std::size_t k = 200; k + 30 <= 240; ++k) {
    INFO("window starting at " << k);
    CHECK(fits.betas[k] == 0.0);
    CHECK(fits.alphas[k] == 0.0);
    CHECK(fits.r_squareds[k] == 0.0);
  }
  check_rolling_against_direct(fits, s.asset, s.market, 30, 1e-12);
  // A market whose variance collapses a millionfold stays accurate too.
  sample calm = make_sample(400, 14);
  for (std::size_t i = 150; i < 260; ++i) calm.market[i] *= 1e-3;
  check_rolling_against_direct(keel::rolling_beta(calm.asset, calm.market, 50), calm.asset, calm.market, 50, 1e-12);
  // A market that crashes and then barely moves while the asset keeps moving: the market's
  // running S_xx collapses a trillionfold (and is recomputed), and the asset's running S_xy
  // loses as many digits with it, so it must be recomputed too even though the asset's own
  // sums are fine.
  sample spell = make_sample(400, 15);
  for (std::size_t i = 60; i < 300; ++i) spell.market[i] *= 1e-6;
  spell.market[58] = -0.25;
  spell.market[59] = 0.18;
  check_rolling_against_direct(keel::rolling_beta(spell.asset, spell.market, 30), spell.asset, spell.market, 30, 1e-12);
}

TEST_CASE("rolling_beta rejects bad input with located messages", "[rolling][errors]") {
  const sample s = make_sample(200, 6);
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, s.market, 2), keel::invalid_input);
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, s.market, 2), Contains("window = 2"));
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, s.market, 201), keel::insufficient_data);
  std::vector<double> y = s.asset;
  y[150] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(keel::rolling_beta(y, s.market, 20), Contains("asset_returns[150] is NaN"));
  std::vector<double> x = s.market;
  x[3] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, x, 20), Contains("market_returns[3] is inf"));
  std::vector<double> stale = s.market;
  std::fill(stale.begin() + 100, stale.begin() + 130, 0.0);  // a 30-day window with no moves
  CHECK_THROWS_AS(keel::rolling_beta(s.asset, stale, 30), keel::singular_problem);
  CHECK_THROWS_WITH(keel::rolling_beta(s.asset, stale, 30), Contains("market_returns[100..129]"));
  CHECK_NOTHROW(keel::rolling_beta(s.asset, stale, 31));

  Eigen::MatrixXd panel(200, 3);
  panel.setRandom();
  panel(42, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(keel::rolling_beta(panel, s.market, 20), Contains("assets(42, 2) is NaN"));
  const Eigen::MatrixXd short_panel = Eigen::MatrixXd::Random(150, 2);
  CHECK_THROWS_AS(keel::rolling_beta(short_panel, s.market, 20), keel::invalid_input);
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

// ---------------------------------------------------------------------------------------------
// Real data.

namespace {
ymd date(int y, unsigned m, unsigned d) {
  return ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

/// The fit of the last `window` returns of `symbol` against `market` ending on `end` (dated
/// returns, aligned on dates).
template <class A, class M>
keel::beta_fit<double> beta_ending(const A& asset_prices, const M& market_prices, ymd end, std::ptrdiff_t window) {
  const auto ra = keel::simple_returns(asset_prices);
  const auto rm = keel::simple_returns(market_prices);
  const auto aligned = keel::align(ra, rm);
  const auto last = std::upper_bound(aligned.keys.begin(), aligned.keys.end(), end) - aligned.keys.begin();
  REQUIRE(last >= window);
  const std::span<const double> a(aligned.first), m(aligned.second);
  return keel::market_beta(a.subspan(static_cast<std::size_t>(last - window), static_cast<std::size_t>(window)),
                           m.subspan(static_cast<std::size_t>(last - window), static_cast<std::size_t>(window)));
}
}  // namespace

TEST_CASE("NVDA's 90-day beta to SPY ending 2026-02-13 is 1.945", "[beta][real]") {
  const auto path = keel_test::shared_file("data/NVDA_SPY_daily.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const auto fit = beta_ending(table.column("NVDA"), table.column("SPY"), date(2026, 2, 13), 90);
  CHECK(fit.n == 90);
  CHECK(fit.beta == Approx(1.945).margin(0.0005));
  CHECK(std::sqrt(fit.r_squared) == Approx(0.663).margin(0.0005));  // corr in SOURCES.md
  const auto fit252 = beta_ending(table.column("NVDA"), table.column("SPY"), date(2026, 2, 13), 252);
  CHECK(fit252.beta == Approx(1.768).margin(0.0005));
  CHECK(std::sqrt(fit252.r_squared) == Approx(0.770).margin(0.0005));

  // The trailing 90-day beta at month-ends, through the dated rolling_beta.
  const auto rolled =
      keel::rolling_beta(keel::simple_returns(table.column("NVDA")), keel::simple_returns(table.column("SPY")), 90);
  const std::vector<std::pair<ymd, double>> month_ends{{date(2025, 6, 30), 1.738},  {date(2025, 7, 31), 1.625},
                                                       {date(2025, 8, 29), 1.628},  {date(2025, 9, 30), 1.674},
                                                       {date(2025, 10, 31), 1.647}, {date(2025, 11, 28), 1.809},
                                                       {date(2025, 12, 31), 1.920}, {date(2026, 1, 30), 1.844}};
  for (const auto& [d, expected] : month_ends) {
    const auto& keys = rolled.betas.keys();
    const auto it = std::lower_bound(keys.begin(), keys.end(), d);
    REQUIRE(it != keys.end());
    REQUIRE(*it == d);
    INFO("month-end " << keel::detail::date_text(d));
    CHECK(rolled.betas.values()[static_cast<std::size_t>(it - keys.begin())] == Approx(expected).margin(0.0005));
  }
  CHECK(rolled.betas.values().back() == Approx(fit.beta).epsilon(1e-12));
}

TEST_CASE("published 90- and 252-day betas of US stocks and ETFs on SPY", "[beta][real]") {
  const auto path = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  struct row {
    const char* symbol;
    double beta90, beta252;
  };
  for (const row& r : {row{"AAPL", 0.882, 1.270}, row{"AMD", 2.961, 2.078}, row{"MSFT", 0.867, 0.878},
                       row{"NVDA", 1.945, 1.768}, row{"QQQ", 1.331, 1.172}, row{"TSLA", 2.126, 2.197}}) {
    INFO(r.symbol);
    CHECK(beta_ending(table.column(r.symbol), table.column("SPY"), date(2026, 2, 13), 90).beta ==
          Approx(r.beta90).margin(0.0005));
    CHECK(beta_ending(table.column(r.symbol), table.column("SPY"), date(2026, 2, 13), 252).beta ==
          Approx(r.beta252).margin(0.0005));
  }
}

TEST_CASE("published betas on the S&P 500 index, 2015-2020 and 2023-2024", "[beta][real]") {
  const auto pob = keel_test::shared_file("data/sp500_stocks_index_daily_2015_2020.csv");
  if (pob) {
    const auto table = keel::read_prices_csv(*pob);
    struct row {
      const char* symbol;
      double beta90, beta252;
    };
    for (const row& r : {row{"NVDA", 1.310, 1.345}, row{"AAPL", 1.220, 1.104}, row{"MSFT", 1.123, 1.117}}) {
      INFO(r.symbol);
      CHECK(beta_ending(table.column(r.symbol), table.column("SP500_INDEX"), date(2020, 9, 22), 90).beta ==
            Approx(r.beta90).margin(0.0005));
      CHECK(beta_ending(table.column(r.symbol), table.column("SP500_INDEX"), date(2020, 9, 22), 252).beta ==
            Approx(r.beta252).margin(0.0005));
    }
  }
  // Two files joined on dates: stock prices from one, SPY from another.
  const auto stocks = keel_test::shared_file("data/sp500_stocks_daily_2023-06_2024-06.csv");
  const auto etfs = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!stocks || !etfs) return;
  const auto st = keel::read_prices_csv(*stocks);
  const auto spy = keel::read_prices_csv(*etfs);
  struct row {
    const char* symbol;
    double beta90, beta251;
  };
  for (const row& r : {row{"NVDA", 2.835, 2.230}, row{"AAPL", 0.974, 1.056}, row{"MSFT", 1.399, 1.244}}) {
    INFO(r.symbol);
    CHECK(beta_ending(st.column(r.symbol), spy.column("SPY"), date(2024, 6, 13), 90).beta ==
          Approx(r.beta90).margin(0.0005));
    const auto all =
        keel::market_beta(keel::simple_returns(st.column(r.symbol)), keel::simple_returns(spy.column("SPY")));
    CHECK(all.n == 251);
    CHECK(all.beta == Approx(r.beta251).margin(0.0005));
  }
}

namespace {
/// Daily simple returns of every column of a price table (complete rows only) and their
/// equal-weighted mean, the market proxy used with the Dow data.
struct return_panel {
  Eigen::MatrixXd returns;
  std::vector<double> market;
};

return_panel returns_of(const keel::price_table& table) {
  return_panel p;
  const Eigen::Index t = table.prices.rows() - 1;
  p.returns.resize(t, table.prices.cols());
  for (Eigen::Index j = 0; j < table.prices.cols(); ++j) {
    const auto r = keel::simple_returns(table.prices.col(j));
    for (Eigen::Index i = 0; i < t; ++i) p.returns(i, j) = r[static_cast<std::size_t>(i)];
  }
  p.market.resize(static_cast<std::size_t>(t));
  for (Eigen::Index i = 0; i < t; ++i) p.market[static_cast<std::size_t>(i)] = p.returns.row(i).mean();
  return p;
}

void check_panel_against_direct(const return_panel& p, std::ptrdiff_t window, double tol) {
  const auto panel = keel::rolling_beta(p.returns, p.market, window);
  double worst = 0;
  for (Eigen::Index j = 0; j < p.returns.cols(); ++j) {
    const std::vector<double> y(p.returns.col(j).begin(), p.returns.col(j).end());
    keel::rolling_beta_result<double> fits;
    for (Eigen::Index k = 0; k < panel.betas.rows(); ++k) {
      fits.betas.push_back(panel.betas(k, j));
      fits.alphas.push_back(panel.alphas(k, j));
      fits.r_squareds.push_back(panel.r_squareds(k, j));
    }
    INFO("column " << j);
    check_rolling_against_direct(fits, y, p.market, window, tol, &worst);
  }
  std::cout << "rolling vs direct, window " << window << ", " << p.returns.cols()
            << " assets: worst relative difference " << worst << "\n";
}
}  // namespace

TEST_CASE("rolling_beta agrees with market_beta on every window of the bundled Dow data", "[rolling][real]") {
  const auto table =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  const return_panel p = returns_of(table);
  REQUIRE(p.returns.rows() == 2528);
  check_panel_against_direct(p, 90, 1e-12);
  check_panel_against_direct(p, 252, 1e-12);
}

TEST_CASE("rolling_beta agrees with market_beta on every window of 471 S&P 500 stocks", "[rolling][real]") {
  const auto path = keel_test::shared_file("data/sp500_stocks_index_daily_2015_2020.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  const Eigen::Index index_col = table.index_of("SP500_INDEX");
  return_panel p = returns_of(table);
  p.market.assign(p.returns.col(index_col).begin(), p.returns.col(index_col).end());
  check_panel_against_direct(p, 90, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// API rules: overload selection, out forms, option names in messages, long double.

TEST_CASE("a VectorXd always selects the series form of rolling_beta, with or without options", "[rolling][static]") {
  const sample s = make_sample(120, 21);
  const Eigen::VectorXd a = Eigen::Map<const Eigen::VectorXd>(s.asset.data(), 120);
  const Eigen::VectorXd m = Eigen::Map<const Eigen::VectorXd>(s.market.data(), 120);
  using series_result = keel::rolling_beta_result<double>;
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30)), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30, {})), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a, m, 30, {.alpha = false})), series_result>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(a.head(50), m.head(50), 30)), series_result>);
  const Eigen::MatrixXd panel = a;
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(panel, m, 30, {})), keel::rolling_beta_panel<double>>);
  std::vector<int> days(120);
  std::iota(days.begin(), days.end(), 0);
  const keel::dated_view da(days, s.asset), dm(days, s.market);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::rolling_beta(da, dm, 30, {})), keel::dated_rolling_beta<int, double>>);
  // And the forms agree: a one-column panel is the series form's betas.
  const auto by_series = keel::rolling_beta(a, m, 30, {});
  const auto by_panel = keel::rolling_beta(panel, m, 30, {});
  REQUIRE(by_panel.betas.rows() == std::ssize(by_series.betas));
  for (Eigen::Index k = 0; k < by_panel.betas.rows(); ++k)
    CHECK(by_panel.betas(k, 0) == by_series.betas[static_cast<std::size_t>(k)]);
  const auto skipped = keel::rolling_beta(a, m, 30, {.alpha = false, .r_squared = false});
  CHECK(skipped.betas == by_series.betas);
  CHECK(skipped.alphas.empty());
  CHECK(skipped.r_squareds.empty());
}

TEST_CASE("every rolling_beta out form allocates nothing once warm", "[rolling][allocation]") {
  const sample s = make_sample(600, 22);
  std::vector<int> days(600);
  std::iota(days.begin(), days.end(), 0);
  const keel::dated_view da(days, s.asset), dm(days, s.market);
  Eigen::MatrixXd panel(600, 3);
  for (Eigen::Index j = 0; j < 3; ++j)
    for (Eigen::Index i = 0; i < 600; ++i) panel(i, j) = s.asset[static_cast<std::size_t>((i + 7 * j) % 600)];
  const std::vector<float> af = keel_test::converted<float>(s.asset), mf = keel_test::converted<float>(s.market);
  keel::rolling_beta_result<double> series_out;
  keel::rolling_beta_result<float> float_out;
  keel::dated_rolling_beta<int, double> dated_out;
  keel::rolling_beta_panel<double> panel_out;
  const auto all = [&] {
    keel::rolling_beta(s.asset, s.market, 60, series_out);
    keel::rolling_beta(af, mf, 60, float_out);  // converted into the workspace's scratch
    keel::rolling_beta(da, dm, 60, dated_out);
    keel::rolling_beta(panel, s.market, 60, panel_out);
  };
  all();  // warm: sizes every buffer
  const long before = keel_test::allocation_count();
  all();
  all();
  CHECK(keel_test::allocation_count() == before);
  // The reused results equal fresh ones.
  CHECK(series_out.betas == keel::rolling_beta(s.asset, s.market, 60).betas);
  CHECK(dated_out.betas.values() == series_out.betas);
  CHECK(dated_out.betas.keys().front() == 59);
  CHECK(panel_out.betas == keel::rolling_beta(panel, s.market, 60).betas);
}

TEST_CASE("too few observations names the option that sets the minimum", "[beta][errors]") {
  const sample s = make_sample(12, 23);
  CHECK_THROWS_WITH(keel::market_beta(s.asset, s.market),
                    Contains("needs at least 20 observations, got 12 (set by beta_options::min_observations)"));
  try {
    (void)keel::market_beta(s.asset, s.market, {.min_observations = 15});
    FAIL("no exception");
  } catch (const keel::insufficient_data& e) {
    CHECK(e.required() == 15);
    CHECK(e.actual() == 12);
  }
}

TEST_CASE("long double input is computed in long double", "[beta][storage]") {
  const sample s = make_sample(400, 24);
  const std::vector<long double> y(s.asset.begin(), s.asset.end()), x(s.market.begin(), s.market.end());
  const reference_fit ref = ols_reference(s.asset, s.market);  // long double two-pass
  const auto fit = keel::market_beta(y, x);
  STATIC_REQUIRE(std::is_same_v<decltype(fit), const keel::beta_fit<long double>>);
  // A double computation cannot get closer than about 1e-16; long double gets about 1e-18.
  const auto rel = [](long double a, long double b) { return std::fabs(a - b) / std::fabs(b); };
  CHECK(rel(fit.beta, ref.beta) < 1e-17L);
  CHECK(rel(fit.r_squared, ref.r2) < 1e-17L);
  const auto rolled = keel::rolling_beta(y, x, 100);
  STATIC_REQUIRE(std::is_same_v<decltype(rolled.betas), std::vector<long double>>);
  const std::vector<double> wy(s.asset.begin(), s.asset.begin() + 100), wx(s.market.begin(), s.market.begin() + 100);
  CHECK(rel(rolled.betas.front(), ols_reference(wy, wx).beta) < 1e-17L);
}

TEST_CASE("errors on dated series name the symbol and the dates", "[beta][dated][errors]") {
  const sample s = make_sample(300, 25);
  std::vector<ymd> dates;
  for (int i = 0; i < 300; ++i)
    dates.push_back(std::chrono::sys_days(std::chrono::year{2024} / 1 / 1) + std::chrono::days(i));
  std::vector<double> flat = s.market;
  std::fill(flat.begin() + 100, flat.begin() + 140, 0.0);  // 40 days without a move
  const keel::dated_view asset(dates, s.asset, "AAPL"), market(dates, flat, "SPY");
  CHECK_THROWS_WITH(keel::rolling_beta(asset, market, 30),
                    Contains("rolling_beta: SPY[100..129] (2024-04-10 to 2024-05-09) have zero variance"));
  const keel::dated_view calm(std::vector<ymd>(dates.begin() + 100, dates.begin() + 140),
                              std::vector<double>(flat.begin() + 100, flat.begin() + 140), "SPY");
  CHECK_THROWS_WITH(keel::market_beta(asset, calm),
                    Contains("market_beta: SPY[0..39] (2024-04-10 to 2024-05-19) have zero variance"));
  // Unnamed dated series fall back to the argument names, still with dates.
  const keel::dated_view plain(std::vector<ymd>(dates.begin() + 100, dates.begin() + 140),
                               std::vector<double>(flat.begin() + 100, flat.begin() + 140));
  CHECK_THROWS_WITH(keel::market_beta(asset, plain), Contains("market_returns[0..39] (2024-04-10 to 2024-05-19)"));
}
