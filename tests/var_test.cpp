// SPDX-License-Identifier: MIT
// Tests of keel/var.hpp and detail/random.hpp. Independent references: Random123 (Debian's
// librandom123-dev) for the generator; published normal and Student-t quantiles and the
// Basel Committee's 1996 table; sort-based and long-double implementations written here;
// numerical integration of the t density for its expected shortfall; finite differences for
// the Euler components.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include <Random123/philox.h>
#include <catch2/catch.hpp>

#include <keel/csv.hpp>
#include <keel/var.hpp>

#include "support/allocations.hpp"
#include "support/shared_data.hpp"
#include "support/storage.hpp"

using Catch::Matchers::Contains;

namespace {

std::vector<double> normal_returns(std::size_t n, double mu, double sigma, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> d(mu, sigma);
  std::vector<double> out(n);
  for (auto& x : out) x = d(gen);
  return out;
}

// numpy.percentile's default (linear, type 7) on a sorted copy, written from its definition.
long double sorted_quantile(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const long double h = static_cast<long double>(x.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h + 1e-9L));
  if (lo + 1 >= x.size()) return x.back();
  const long double g = std::max(0.0L, h - static_cast<long double>(lo));
  return x[lo] + g * (static_cast<long double>(x[lo + 1]) - x[lo]);
}

// empyrical's conditional_value_at_risk: mean of the int((n - 1) cutoff) + 1 smallest.
long double sorted_tail_mean(std::vector<double> x, double q) {
  std::sort(x.begin(), x.end());
  const auto k = static_cast<std::size_t>(std::floor(static_cast<long double>(x.size() - 1) * q + 1e-9L)) + 1;
  long double s = 0;
  for (std::size_t i = 0; i < k; ++i) s += x[i];
  return s / static_cast<long double>(k);
}

struct long_moments {
  long double mean, sd, skew, exkurt;
};

long_moments moments_of(const std::vector<double>& x) {
  const auto n = static_cast<long double>(x.size());
  long double m = 0;
  for (double v : x) m += v;
  m /= n;
  long double m2 = 0, m3 = 0, m4 = 0;
  for (double v : x) {
    const long double d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  return {m, std::sqrt(m2 / (n - 1)), (m3 / n) / std::pow(m2 / n, 1.5L), (m4 / n) / ((m2 / n) * (m2 / n)) - 3};
}

}  // namespace

// ---------------------------------------------------------------- the generator

TEST_CASE("philox4x32_10 equals Random123's philox4x32_R(10) on the same keys and counters", "[var][random]") {
  r123::Philox4x32_R<10> reference;
  std::mt19937_64 gen(11);
  for (int trial = 0; trial < 2000; ++trial) {
    const auto a = gen(), b = gen(), c = gen();
    const r123::Philox4x32_R<10>::ctr_type ctr = {{static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32),
                                                   static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32)}};
    const r123::Philox4x32_R<10>::key_type key = {{static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(c >> 32)}};
    const auto want = reference(ctr, key);
    const auto got = keel::detail::philox4x32_10({ctr.v[0], ctr.v[1], ctr.v[2], ctr.v[3]}, {key.v[0], key.v[1]});
    for (int w = 0; w < 4; ++w) REQUIRE(got[static_cast<std::size_t>(w)] == want.v[w]);
  }
  // Salmon et al.'s known-answer vector (Random123 kat_vectors): zero counter and key.
  const auto zero = keel::detail::philox4x32_10({0, 0, 0, 0}, {0, 0});
  CHECK(zero == keel::detail::philox_block{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
}

TEST_CASE("philox_stream reads stream (seed, index) as Random123 counters (i, index) under key seed", "[var][random]") {
  r123::Philox4x32_R<10> reference;
  for (const std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{42}, std::uint64_t{0x123456789abcdefULL}}) {
    for (const std::uint64_t index : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1} << 40}) {
      keel::detail::philox_stream s(seed, index);
      for (std::uint64_t i = 0; i < 100; ++i) {  // past several refills of 16 counters
        const r123::Philox4x32_R<10>::ctr_type ctr = {
            {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32), static_cast<std::uint32_t>(index),
             static_cast<std::uint32_t>(index >> 32)}};
        const auto want = reference(ctr, {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
        for (int w = 0; w < 4; ++w) REQUIRE(s.next_u32() == want.v[w]);
      }
    }
  }
}

TEST_CASE("philox_stream normals: the batch form equals one draw at a time, moments and tails of N(0, 1)",
          "[var][random]") {
  keel::detail::philox_stream a(5, 3), b(5, 3);
  std::vector<double> batch(10'000);
  a.normals(batch.data(), static_cast<std::ptrdiff_t>(batch.size()));
  for (double z : batch) REQUIRE(z == b.normal());
  // 4,000,000 draws: the sample moments' standard errors are 5e-4 (mean), 7.1e-4 (variance),
  // 1.2e-3 (skewness), 2.4e-3 (excess kurtosis); each check allows 5 of them.
  keel::detail::philox_stream s(1, 0);
  const std::ptrdiff_t n = 4'000'000;
  std::vector<double> z(static_cast<std::size_t>(n));
  s.normals(z.data(), n);
  long double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  std::ptrdiff_t beyond_r = 0, beyond_1 = 0;
  for (double x : z) {
    const long double v = x;
    m1 += v;
    m2 += v * v;
    m3 += v * v * v;
    m4 += v * v * v * v;
    beyond_r += std::fabs(x) > keel::detail::ziggurat_r ? 1 : 0;
    beyond_1 += x < -1 ? 1 : 0;
  }
  const auto dn = static_cast<long double>(n);
  CHECK(std::fabs(static_cast<double>(m1 / dn)) < 5 * 5e-4);
  CHECK(std::fabs(static_cast<double>(m2 / dn - 1)) < 5 * 7.1e-4);
  CHECK(std::fabs(static_cast<double>(m3 / dn)) < 5 * 1.2e-3);
  CHECK(std::fabs(static_cast<double>(m4 / dn - 3)) < 5 * 2.4e-3);
  // The tail beyond r = 3.4426 (P = 5.761e-4) and P(Z < -1) = 0.158655: binomial counts
  // within 5 standard deviations.
  const auto within = [&](std::ptrdiff_t count, double p) {
    return std::fabs(static_cast<double>(count) - static_cast<double>(n) * p) <
           5 * std::sqrt(static_cast<double>(n) * p * (1 - p));
  };
  CHECK(within(beyond_r, 2 * 0.5 * std::erfc(keel::detail::ziggurat_r / std::sqrt(2.0))));
  CHECK(within(beyond_1, 0.5 * std::erfc(1 / std::sqrt(2.0))));
}

TEST_CASE("philox_stream gamma and chi-squared draws have the right mean and variance", "[var][random]") {
  keel::detail::philox_stream s(9, 1);
  for (const double shape : {0.5, 2.5, 10.0}) {
    const int n = 400'000;
    long double m = 0, q = 0;
    for (int i = 0; i < n; ++i) {
      const long double g = s.gamma(shape);
      m += g;
      q += g * g;
    }
    m /= n;
    const long double var = q / n - m * m;
    // Mean shape (se sqrt(shape / n)), variance shape (se about sqrt((2 shape^2 + 6 shape) / n)).
    CHECK(std::fabs(static_cast<double>(m) - shape) < 5 * std::sqrt(shape / n));
    CHECK(std::fabs(static_cast<double>(var) - shape) < 5 * std::sqrt((2 * shape * shape + 6 * shape) / n));
  }
}

// ---------------------------------------------------------------- parametric

TEST_CASE("parametric_var and parametric_cvar equal the Gaussian closed forms", "[var][parametric]") {
  // z_0.95 = 1.6448536269514722, phi(z)/(0.05) = 2.0627128075074257; z_0.99 =
  // 2.3263478740408408, phi(z)/0.01 = 2.6652142203458067 (Abramowitz and Stegun 26.2).
  const double mu = 0.0004, sd = 0.012;
  CHECK(keel::parametric_var(mu, sd) == Approx(-mu + 1.6448536269514722 * sd).epsilon(1e-14));
  CHECK(keel::parametric_cvar(mu, sd) == Approx(-mu + 2.0627128075074257 * sd).epsilon(1e-14));
  CHECK(keel::parametric_var(mu, sd, {.confidence = 0.99}) == Approx(-mu + 2.3263478740408408 * sd).epsilon(1e-14));
  CHECK(keel::parametric_cvar(mu, sd, {.confidence = 0.99}) == Approx(-mu + 2.6652142203458067 * sd).epsilon(1e-14));
  // Horizon: mean x h, sigma x sqrt(h); include_mean = false drops the mean; value scales.
  CHECK(keel::parametric_var(mu, sd, {.confidence = 0.99, .horizon = 10}) ==
        Approx(-10 * mu + 2.3263478740408408 * sd * std::sqrt(10.0)).epsilon(1e-14));
  CHECK(keel::parametric_var(mu, sd, {.include_mean = false}) == Approx(1.6448536269514722 * sd).epsilon(1e-14));
  CHECK(keel::parametric_cvar(mu, sd, {.value = 1e6}) == Approx(1e6 * (-mu + 2.0627128075074257 * sd)).epsilon(1e-14));
  // A confidence below 1/2 is allowed: the VaR is then a gain (negative).
  CHECK(keel::parametric_var(0.0, sd, {.confidence = 0.3}) == Approx(-0.5244005127080407 * sd).epsilon(1e-13));
  // A constant return series: zero standard deviation, VaR = CVaR = -mean.
  const std::vector<double> flat(10, 0.001);
  CHECK(keel::parametric_var(flat) == Approx(-0.001).epsilon(1e-12));
  CHECK(keel::parametric_cvar(flat) == Approx(-0.001).epsilon(1e-12));
}

TEST_CASE("parametric_var with student_t uses the unit-variance t, its CVaR equals the integrated tail",
          "[var][parametric]") {
  // t quantiles (Student t tables): t_{0.99, 4} = 3.7469473879792, t_{0.95, 5} = 2.0150483733330.
  const double sd = 0.02;
  CHECK(keel::parametric_var(0.0, sd, {.confidence = 0.99, .distribution = keel::student_t{4}}) ==
        Approx(std::sqrt(2.0 / 4.0) * 3.7469473879792 * sd).epsilon(1e-12));
  CHECK(keel::parametric_var(0.0, sd, {.distribution = keel::student_t{5}}) ==
        Approx(std::sqrt(3.0 / 5.0) * 2.0150483733330 * sd).epsilon(1e-12));
  // CVaR = E[-X | X < -VaR] for X = sd sqrt((nu-2)/nu) T: integrate the t density's lower
  // tail by the trapezoid rule in u = 1/x (4e5 panels; error below 1e-10 relative).
  for (const double nu : {3.0, 5.0, 30.0}) {
    for (const double c : {0.95, 0.99}) {
      const double var = keel::parametric_var(0.0, 1.0, {.confidence = c, .distribution = keel::student_t{nu}});
      const double unit = std::sqrt((nu - 2) / nu);
      const double q = var / unit;  // the t quantile
      const auto density = [nu](long double x) {
        return std::exp(std::lgamma((nu + 1) / 2) - std::lgamma(nu / 2)) / std::sqrt(nu * M_PI) *
               std::pow(1 + x * x / nu, -(nu + 1) / 2);
      };
      // int_q^inf x f(x) dx with x = 1/u: int_0^{1/q} (1/u) f(1/u) / u^2 du.
      const int panels = 400'000;
      const long double top = 1 / static_cast<long double>(q), step = top / panels;
      long double integral = 0;
      for (int i = 1; i <= panels; ++i) {
        const long double u = step * i;
        const long double g = density(1 / u) / (u * u * u);
        integral += (i == panels ? 0.5L : 1.0L) * g;  // g(0) = 0
      }
      integral *= step;
      const double expected = unit * static_cast<double>(integral) / (1 - c);
      CHECK(keel::parametric_cvar(0.0, 1.0, {.confidence = c, .distribution = keel::student_t{nu}}) ==
            Approx(expected).epsilon(1e-8));
    }
  }
}

TEMPLATE_TEST_CASE("parametric_var of a series uses the sample mean and n-1 standard deviation", "[var][parametric]",
                   KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  const std::vector<double> data = normal_returns(500, 0.0005, 0.013, 3);
  const TestType x(data);
  std::vector<double> as_real(data.size());
  for (std::size_t i = 0; i < data.size(); ++i) as_real[i] = static_cast<double>(static_cast<real>(data[i]));
  const long_moments m = moments_of(as_real);
  const auto v = keel::parametric_var(x.series(), {.confidence = 0.99});
  const auto cv = keel::parametric_cvar(x.series(), {.confidence = 0.99});
  STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(v)>, real>);
  // float results are rounded once from double: 1 ulp of float; otherwise 1e-13.
  const double tol = std::is_same_v<real, float> ? 2e-7 : 1e-13;
  CHECK(static_cast<double>(v) == Approx(static_cast<double>(-m.mean + 2.3263478740408408L * m.sd)).epsilon(tol));
  CHECK(static_cast<double>(cv) == Approx(static_cast<double>(-m.mean + 2.6652142203458067L * m.sd)).epsilon(tol));
}

TEST_CASE("parametric_var portfolio forms: a panel is the series of R w, mean and cov give the closed form",
          "[var][parametric]") {
  const Eigen::Index t = 252, n = 6;
  Eigen::MatrixXd panel(t, n);
  std::mt19937_64 gen(8);
  std::normal_distribution<double> d(0.0003, 0.015);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = d(gen) + 0.3 * (j > 0 ? panel(i, j - 1) : 0.0);
  const std::vector<double> w = {0.3, -0.1, 0.25, 0.2, 0.15, 0.2};
  const Eigen::VectorXd wv = Eigen::Map<const Eigen::VectorXd>(w.data(), n);
  const Eigen::VectorXd rp = panel * wv;
  CHECK(keel::parametric_var(w, panel) == Approx(keel::parametric_var(rp)).epsilon(1e-14));
  CHECK(keel::parametric_cvar(w, panel, {.confidence = 0.99}) ==
        Approx(keel::parametric_cvar(rp, {.confidence = 0.99})).epsilon(1e-14));
  // The same from the sample mean and covariance: w' mu and sqrt(w' S w) are rp's mean and sd.
  const Eigen::VectorXd mu = panel.colwise().mean();
  const Eigen::MatrixXd centred = panel.rowwise() - mu.transpose();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(t - 1);
  CHECK(keel::parametric_var(w, mu, cov) == Approx(keel::parametric_var(rp)).epsilon(1e-12));
  CHECK(keel::parametric_cvar(w, mu, cov, {.distribution = keel::student_t{6}}) ==
        Approx(keel::parametric_cvar(rp, {.distribution = keel::student_t{6}})).epsilon(1e-12));
  // A VectorXd of returns selects the series form, an expression that is not a vector the panel form.
  STATIC_REQUIRE(std::is_same_v<decltype(keel::parametric_var(rp)), double>);
  STATIC_REQUIRE(!keel::Series<Eigen::MatrixXd>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::parametric_var(w, panel.cast<float>())), double>);
  STATIC_REQUIRE(std::is_same_v<decltype(keel::parametric_var(std::vector<float>{}, panel.cast<float>())), float>);
}

TEST_CASE("parametric_component_var: components sum to the totals and equal the derivative", "[var][components]") {
  const Eigen::Index n = 5;
  Eigen::MatrixXd a(n, n);
  std::mt19937_64 gen(4);
  std::normal_distribution<double> d(0, 0.01);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) a(i, j) = d(gen);
  const Eigen::MatrixXd cov = a * a.transpose() + 1e-5 * Eigen::MatrixXd::Identity(n, n);
  const Eigen::VectorXd mu = (Eigen::VectorXd(n) << 4e-4, 2e-4, -1e-4, 3e-4, 5e-4).finished();
  const std::vector<double> w = {0.4, 0.3, -0.2, 0.3, 0.2};
  for (const keel::return_distribution dist :
       {keel::return_distribution{keel::normal{}}, keel::return_distribution{keel::student_t{5}}}) {
    const keel::parametric_options o{.confidence = 0.99, .horizon = 10, .distribution = dist, .value = 1e6};
    const auto dec = keel::parametric_component_var(w, mu, cov, o);
    CHECK(dec.var == Approx(keel::parametric_var(w, mu, cov, o)).epsilon(1e-14));
    CHECK(dec.cvar == Approx(keel::parametric_cvar(w, mu, cov, o)).epsilon(1e-14));
    const double sum_v = std::accumulate(dec.component_vars.begin(), dec.component_vars.end(), 0.0);
    const double sum_c = std::accumulate(dec.component_cvars.begin(), dec.component_cvars.end(), 0.0);
    CHECK(sum_v == Approx(dec.var).epsilon(1e-12));
    CHECK(sum_c == Approx(dec.cvar).epsilon(1e-12));
    // Central differences, step 1e-6 of a weight: truncation error O(step^2) and rounding
    // 1e-16 / 1e-6, so 1e-7 relative to the marginal's scale (value x sigma).
    for (std::size_t i = 0; i < w.size(); ++i) {
      auto up = w, down = w;
      up[i] += 1e-6;
      down[i] -= 1e-6;
      const double dv = (keel::parametric_var(up, mu, cov, o) - keel::parametric_var(down, mu, cov, o)) / 2e-6;
      const double dc = (keel::parametric_cvar(up, mu, cov, o) - keel::parametric_cvar(down, mu, cov, o)) / 2e-6;
      CHECK(dec.marginal_vars[i] == Approx(dv).margin(1e-7 * dec.var));
      CHECK(dec.marginal_cvars[i] == Approx(dc).margin(1e-7 * dec.cvar));
      CHECK(dec.component_vars[i] == Approx(w[i] * dec.marginal_vars[i]).epsilon(1e-15));
    }
  }
}

// ---------------------------------------------------------------- Cornish-Fisher

TEST_CASE("cornish_fisher_var reduces to the Gaussian VaR at zero skewness and excess kurtosis",
          "[var][cornish_fisher]") {
  for (const double c : {0.9, 0.95, 0.99, 0.999}) {
    const auto r = keel::cornish_fisher_var(0.001, 0.02, 0.0, 0.0, {.confidence = c, .horizon = 5});
    REQUIRE(r.var.has_value());
    CHECK(r.monotone);
    CHECK(*r.var == Approx(keel::parametric_var(0.001, 0.02, {.confidence = c, .horizon = 5})).epsilon(1e-14));
    CHECK(*r.var == Approx(r.gaussian_var).epsilon(1e-15));
  }
}

TEST_CASE("cornish_fisher_var equals Favre and Galeano's formula on the Dow 30, PerformanceAnalytics' moments",
          "[var][cornish_fisher]") {
  const keel::price_table prices =
      keel::read_prices_csv(std::filesystem::path(KEEL_BUNDLED_DATA_DIR) / "dowjones30_daily_1991_2000_fBasics.csv");
  int inside = 0, outside = 0;
  for (const auto& symbol : prices.symbols) {
    const auto returns = keel::simple_returns(prices.column(symbol));
    const std::vector<double> r(keel::values(returns).begin(), keel::values(returns).end());
    const long_moments m = moments_of(r);
    const long double s = m.skew, k = m.exkurt;
    const auto zcf_of = [&](long double z) {
      return z + (z * z - 1) * s / 6 + (z * z * z - 3 * z) * k / 24 - (2 * z * z * z - 5 * z) * s * s / 36;
    };
    // Monotone by a different route: z_cf never decreases on a fine grid of [-12, 12].
    bool grid_monotone = true;
    for (int i = 0; i < 24000; ++i)
      grid_monotone = grid_monotone && zcf_of(-12 + i * 1e-3L) <= zcf_of(-12 + (i + 1) * 1e-3L);
    for (const double c : {0.95, 0.99}) {
      INFO(symbol << " at " << c << ": S " << static_cast<double>(s) << ", K " << static_cast<double>(k));
      const long double zcf = zcf_of(-keel::detail::normal_quantile(c));
      const auto got = keel::cornish_fisher_var(r, {.confidence = c});
      CHECK(static_cast<double>(got.skewness) == Approx(static_cast<double>(s)).epsilon(1e-11));
      CHECK(static_cast<double>(got.excess_kurtosis) == Approx(static_cast<double>(k)).epsilon(1e-11));
      CHECK(got.monotone == grid_monotone);
      CHECK(got.var.has_value() == got.monotone);
      if (!got.monotone) continue;
      CHECK(*got.var == Approx(static_cast<double>(-m.mean - zcf * m.sd)).epsilon(1e-11));
      // PerformanceAnalytics' VaR(method = "modified") uses the population sd sqrt(m2):
      // reproduced through the moments form.
      const auto n = static_cast<long double>(r.size());
      const double pa_sd = static_cast<double>(m.sd * std::sqrt((n - 1) / n));
      const auto pa = keel::cornish_fisher_var(static_cast<double>(m.mean), pa_sd, static_cast<double>(s),
                                               static_cast<double>(k), {.confidence = c});
      CHECK(*pa.var == Approx(static_cast<double>(-m.mean - zcf * pa_sd)).epsilon(1e-11));
    }
    (grid_monotone ? inside : outside) += 1;
  }
  std::cout << "Dow 30, 1991-2000: the Cornish-Fisher expansion is monotone for " << inside << " stocks, not for "
            << outside << "\n";
  CHECK(inside > 0);
}

TEST_CASE("cornish_fisher_var reports no VaR outside Maillard's monotone domain", "[var][cornish_fisher]") {
  // At zero skewness the expansion is monotone exactly for 0 <= K <= 8.
  CHECK(keel::cornish_fisher_var(0.0, 0.01, 0.0, 8.0).monotone);
  CHECK(!keel::cornish_fisher_var(0.0, 0.01, 0.0, 8.01).monotone);
  CHECK(!keel::cornish_fisher_var(0.0, 0.01, 0.0, -0.01).var.has_value());
  // With skewness the kurtosis must exceed 4 S^2 / 3 (a >= 0), and the discriminant condition.
  CHECK(keel::cornish_fisher_var(0.0, 0.01, 1.0, 4.0).monotone);
  CHECK(!keel::cornish_fisher_var(0.0, 0.01, 1.0, 1.3).monotone);
  CHECK(!keel::cornish_fisher_var(0.0, 0.01, 2.5, 4.0).monotone);
  const auto bad = keel::cornish_fisher_var(0.0, 0.01, 2.5, 4.0);
  CHECK(!bad.var);
  CHECK(bad.gaussian_var == Approx(1.6448536269514722 * 0.01).epsilon(1e-14));
  // A constant series: zero moments, the Gaussian VaR (-mean).
  const std::vector<double> flat(20, -0.002);
  const auto f = keel::cornish_fisher_var(flat);
  CHECK(f.skewness == 0);
  CHECK(f.excess_kurtosis == 0);
  CHECK(*f.var == Approx(0.002).epsilon(1e-12));
}

TEMPLATE_TEST_CASE("cornish_fisher_var accepts every storage", "[var][cornish_fisher]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  std::vector<double> data = normal_returns(300, 0.0, 0.01, 12);
  for (std::size_t i = 0; i < data.size(); i += 25) data[i] *= 4;  // fat tails: K > 0
  const TestType x(data);
  const auto r = keel::cornish_fisher_var(x.series(), {.confidence = 0.99});
  STATIC_REQUIRE(std::is_same_v<decltype(r), const keel::cornish_fisher_result<real>>);
  const auto ref = keel::cornish_fisher_var(data, {.confidence = 0.99});
  REQUIRE(ref.monotone == r.monotone);
  if (ref.var)
    CHECK(static_cast<double>(*r.var) == Approx(*ref.var).epsilon(std::is_same_v<real, float> ? 1e-5 : 1e-13));
}

// ---------------------------------------------------------------- historical

TEMPLATE_TEST_CASE("historical_var and historical_cvar equal the sort-based rules of numpy and empyrical",
                   "[var][historical]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  for (const std::size_t n : {1u, 2u, 7u, 20u, 101u, 250u, 1001u}) {
    std::vector<double> data = normal_returns(n, 0.0002, 0.01, n);
    for (auto& v : data) v = static_cast<double>(static_cast<real>(v));
    const TestType x(data);
    for (const double c : {0.5, 0.9, 0.95, 0.975, 0.99, 0.999}) {
      const double tol = std::is_same_v<real, float> ? 1e-6 : 1e-15;
      const auto v = keel::historical_var(x.series(), {.confidence = c});
      const auto cv = keel::historical_cvar(x.series(), {.confidence = c});
      STATIC_REQUIRE(std::is_same_v<std::remove_cv_t<decltype(v)>, real>);
      CHECK(static_cast<double>(v) == Approx(-static_cast<double>(sorted_quantile(data, 1 - c))).margin(tol * 0.01));
      CHECK(static_cast<double>(cv) == Approx(-static_cast<double>(sorted_tail_mean(data, 1 - c))).margin(tol * 0.01));
    }
  }
}

TEST_CASE("historical_var: a gain quantile is a negative VaR, confidence 0.9 selects empyrical's cutoff 0.1",
          "[var][historical]") {
  const std::vector<double> gains = {0.01, 0.02, 0.03, 0.04, 0.05};
  CHECK(keel::historical_var(gains) == Approx(-(0.01 + 0.2 * 0.01)).epsilon(1e-14));  // h = 4 x 0.05 = 0.2
  CHECK(keel::historical_cvar(gains) == Approx(-0.01).epsilon(1e-15));
  // 11 values: (n-1) x 0.1 = 1 exactly in empyrical; 1 - 0.9 is 0.09999999999999998 in double.
  std::vector<double> x(11);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i) / 100;
  CHECK(keel::historical_var(x, {.confidence = 0.9}) == Approx(-0.01).epsilon(1e-15));
  CHECK(keel::historical_cvar(x, {.confidence = 0.9}) == Approx(-0.005).epsilon(1e-15));  // two smallest
  CHECK(keel::historical_var(x, {.confidence = 0.9, .value = 2e6}) == Approx(-0.02e6).epsilon(1e-15));
}

TEST_CASE("historical_var with ewma_lambda equals filtered historical simulation written out", "[var][historical]") {
  std::vector<double> r = normal_returns(600, 0.0, 0.01, 21);
  for (std::size_t i = 400; i < r.size(); ++i) r[i] *= 2.5;  // a volatile recent spell
  const double lambda = 0.94;
  long double v = 0;
  for (double x : r) v += static_cast<long double>(x) * x;
  v /= static_cast<long double>(r.size());
  std::vector<long double> sigma(r.size());
  for (std::size_t t = 0; t < r.size(); ++t) {
    sigma[t] = std::sqrt(v);
    v = lambda * v + (1 - lambda) * static_cast<long double>(r[t]) * r[t];
  }
  std::vector<double> scaled(r.size());
  for (std::size_t t = 0; t < r.size(); ++t) scaled[t] = static_cast<double>(r[t] * std::sqrt(v) / sigma[t]);
  const keel::historical_options o{.confidence = 0.99, .ewma_lambda = lambda};
  CHECK(keel::historical_var(r, o) == Approx(-static_cast<double>(sorted_quantile(scaled, 0.01))).epsilon(1e-12));
  CHECK(keel::historical_cvar(r, o) == Approx(-static_cast<double>(sorted_tail_mean(scaled, 0.01))).epsilon(1e-12));
  // The recent spell is the current volatility: filtering raises the VaR over the plain one.
  CHECK(keel::historical_var(r, o) > keel::historical_var(r, {.confidence = 0.99}));
}

TEST_CASE("historical_component_var: components sum to the totals and equal the derivative", "[var][components]") {
  const Eigen::Index t = 500, n = 4;
  Eigen::MatrixXd panel(t, n);
  std::mt19937_64 gen(31);
  std::student_t_distribution<double> d(4);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = 0.01 * d(gen);
  const std::vector<double> w = {0.5, 0.2, 0.4, -0.1};
  for (const double c : {0.95, 0.99}) {
    for (const std::optional<double> lambda : {std::optional<double>{}, std::optional<double>{0.97}}) {
      const keel::historical_options o{.confidence = c, .ewma_lambda = lambda, .value = 100.0};
      const auto dec = keel::historical_component_var(w, panel, o);
      CHECK(dec.var == Approx(keel::historical_var(w, panel, o)).epsilon(1e-13));
      CHECK(dec.cvar == Approx(keel::historical_cvar(w, panel, o)).epsilon(1e-13));
      CHECK(std::accumulate(dec.component_vars.begin(), dec.component_vars.end(), 0.0) ==
            Approx(dec.var).epsilon(1e-13));
      CHECK(std::accumulate(dec.component_cvars.begin(), dec.component_cvars.end(), 0.0) ==
            Approx(dec.cvar).epsilon(1e-13));
      if (lambda) continue;  // the filter's scales depend on w too; the derivative then has more terms
      // The scenario order is locally constant, so the VaR is locally linear in w.
      for (std::size_t i = 0; i < w.size(); ++i) {
        auto up = w, down = w;
        up[i] += 1e-7;
        down[i] -= 1e-7;
        CHECK(dec.marginal_vars[i] ==
              Approx((keel::historical_var(up, panel, o) - keel::historical_var(down, panel, o)) / 2e-7).margin(1e-6));
        CHECK(
            dec.marginal_cvars[i] ==
            Approx((keel::historical_cvar(up, panel, o) - keel::historical_cvar(down, panel, o)) / 2e-7).margin(1e-6));
      }
    }
  }
}

// ---------------------------------------------------------------- Monte Carlo

namespace {
struct mc_problem {
  Eigen::MatrixXd cov;
  Eigen::VectorXd mu;
  std::vector<double> w;
};

mc_problem make_problem(Eigen::Index n, std::uint64_t seed) {
  mc_problem p;
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> d(0, 1);
  Eigen::MatrixXd a(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) a(i, j) = d(gen);
  Eigen::VectorXd vol(n);
  for (Eigen::Index i = 0; i < n; ++i) vol(i) = 0.01 + 0.002 * static_cast<double>(i % 7);
  Eigen::MatrixXd corr = a * a.transpose() / static_cast<double>(n) + Eigen::MatrixXd::Identity(n, n);
  const Eigen::VectorXd s = corr.diagonal().cwiseSqrt().cwiseInverse();
  corr = s.asDiagonal() * corr * s.asDiagonal();
  p.cov = vol.asDiagonal() * corr * vol.asDiagonal();
  p.mu = Eigen::VectorXd::Constant(n, 3e-4);
  p.w.assign(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n));
  return p;
}
}  // namespace

TEST_CASE("monte_carlo_var converges to the parametric VaR and CVaR within 3 standard errors", "[var][monte_carlo]") {
  const mc_problem p = make_problem(20, 2);
  for (const keel::return_distribution dist :
       {keel::return_distribution{keel::normal{}}, keel::return_distribution{keel::student_t{5}}}) {
    const auto mc = keel::monte_carlo_var(
        p.w, p.mu, p.cov,
        {.paths = 1'000'000, .seed = 77, .horizon = 10, .confidence = {0.95, 0.99}, .distribution = dist});
    REQUIRE(mc.paths == 1'000'000);
    REQUIRE(mc.vars.size() == 2);
    for (std::size_t l = 0; l < 2; ++l) {
      const keel::parametric_options o{.confidence = mc.confidences[l], .horizon = 10, .distribution = dist};
      const double var = keel::parametric_var(p.w, p.mu, p.cov, o), cvar = keel::parametric_cvar(p.w, p.mu, p.cov, o);
      INFO("level " << mc.confidences[l] << ": MC VaR " << mc.vars[l] << " +- " << mc.var_stderrs[l] << " vs " << var
                    << "; MC CVaR " << mc.cvars[l] << " +- " << mc.cvar_stderrs[l] << " vs " << cvar);
      CHECK(std::fabs(mc.vars[l] - var) < 3 * mc.var_stderrs[l]);
      CHECK(std::fabs(mc.cvars[l] - cvar) < 3 * mc.cvar_stderrs[l]);
      // The standard errors are those of 1e6 paths: about sigma / 1000 times a tail factor.
      CHECK(mc.var_stderrs[l] > 0);
      CHECK(mc.var_stderrs[l] < 0.01 * var);
      CHECK(mc.cvar_stderrs[l] < 0.01 * cvar);
    }
  }
}

TEST_CASE("monte_carlo_var: the same seed gives bit-identical results on 1, 2 and 7 threads", "[var][monte_carlo]") {
  const mc_problem p = make_problem(13, 5);
  for (const keel::return_distribution dist :
       {keel::return_distribution{keel::normal{}}, keel::return_distribution{keel::student_t{4}}}) {
    keel::mc_options o{.paths = 50'000, .seed = 123, .confidence = {0.9, 0.99}, .distribution = dist, .threads = 1};
    const auto one = keel::monte_carlo_var(p.w, p.mu, p.cov, o);
    for (const int threads : {2, 7}) {
      o.threads = threads;
      const auto many = keel::monte_carlo_var(p.w, p.mu, p.cov, o);
      CHECK(many.vars == one.vars);
      CHECK(many.cvars == one.cvars);
      CHECK(many.var_stderrs == one.var_stderrs);
      CHECK(many.cvar_stderrs == one.cvar_stderrs);
      const auto dec = keel::monte_carlo_component_var(p.w, p.mu, p.cov, o);
      o.threads = 1;
      const auto dec1 = keel::monte_carlo_component_var(p.w, p.mu, p.cov, o);
      CHECK(dec.component_cvars == dec1.component_cvars);
      CHECK(dec.component_vars == dec1.component_vars);
    }
    o.seed = 124;
    CHECK(keel::monte_carlo_var(p.w, p.mu, p.cov, o).vars != one.vars);
  }
}

TEST_CASE("monte_carlo_component_var: components sum to the totals and approach the parametric ones",
          "[var][monte_carlo]") {
  const mc_problem p = make_problem(6, 9);
  std::vector<double> w = {0.3, 0.25, -0.1, 0.2, 0.15, 0.2};
  const auto dec =
      keel::monte_carlo_component_var(w, p.mu, p.cov, {.paths = 400'000, .seed = 3, .confidence = {0.95, 0.99}});
  const auto mc = keel::monte_carlo_var(w, p.mu, p.cov, {.paths = 400'000, .seed = 3, .confidence = {0.95, 0.99}});
  CHECK(dec.totals.vars == mc.vars);
  CHECK(dec.totals.cvars == mc.cvars);
  for (Eigen::Index l = 0; l < 2; ++l) {
    CHECK(dec.component_cvars.row(l).sum() == Approx(mc.cvars[static_cast<std::size_t>(l)]).epsilon(1e-12));
    CHECK(dec.component_vars.row(l).sum() == Approx(mc.vars[static_cast<std::size_t>(l)]).epsilon(1e-12));
    const auto par =
        keel::parametric_component_var(w, p.mu, p.cov, {.confidence = mc.confidences[static_cast<std::size_t>(l)]});
    // The tail mean of each position's loss has a standard error of about
    // |w_i| sigma_i / sqrt(k) (k = 20,000 or 4,000 tail paths): 2.5e-4 of a CVaR of 0.02
    // at worst here; allow 2e-3 absolute for the CVaR components and, for the VaR band
    // (about 300 to 400 paths), 4e-3.
    for (Eigen::Index i = 0; i < 6; ++i) {
      CHECK(dec.component_cvars(l, i) == Approx(par.component_cvars[static_cast<std::size_t>(i)]).margin(2e-3));
      CHECK(dec.component_vars(l, i) == Approx(par.component_vars[static_cast<std::size_t>(i)]).margin(4e-3));
    }
  }
}

TEST_CASE("monte_carlo_var: a singular PSD covariance uses its eigen factor, an indefinite one is singular_problem",
          "[var][monte_carlo]") {
  // Two perfectly correlated assets and a third: rank 2, positive semi-definite.
  const Eigen::Vector3d vol(0.01, 0.02, 0.015);
  Eigen::Matrix3d corr;
  corr << 1, 1, 0.3, 1, 1, 0.3, 0.3, 0.3, 1;
  const Eigen::Matrix3d cov = vol.asDiagonal() * corr * vol.asDiagonal();
  const Eigen::Vector3d mu = Eigen::Vector3d::Zero();
  const std::vector<double> w = {0.5, 0.3, 0.2};
  const auto mc = keel::monte_carlo_var(w, mu, cov, {.paths = 400'000, .seed = 1, .confidence = {0.99}});
  const double var = keel::parametric_var(w, mu, cov, {.confidence = 0.99});
  CHECK(std::fabs(mc.vars[0] - var) < 3 * mc.var_stderrs[0]);
  Eigen::Matrix3d bad = cov;
  bad(0, 1) = bad(1, 0) = 1.5 * vol(0) * vol(1);
  CHECK_THROWS_AS(keel::monte_carlo_var(w, mu, bad), keel::singular_problem);
  CHECK_THROWS_WITH(keel::monte_carlo_var(w, mu, bad), Contains("monte_carlo_var: cov is not positive semi-definite"));
  CHECK_THROWS_AS(keel::parametric_var(std::vector<double>{1, -1, 0}, mu, bad), keel::singular_problem);
}

// ---------------------------------------------------------------- backtests

TEST_CASE("kupiec_test equals the hand computation, with the zero- and all-breach cases", "[var][backtest]") {
  // x = 5, T = 250, p = 0.01: LR = -2 (245 ln 0.99 + 5 ln 0.01) + 2 (245 ln 0.98 + 5 ln 0.02)
  //                               = 1.9568124...; chi-squared(1) tail P(Z^2 > LR) = erfc(sqrt(LR / 2)).
  const double lr5 = -2 * (245 * std::log(0.99) + 5 * std::log(0.01)) + 2 * (245 * std::log(0.98) + 5 * std::log(0.02));
  const auto k5 = keel::kupiec_test(5, 250, {.confidence = 0.99});
  CHECK(k5.lr_statistic == Approx(lr5).epsilon(1e-13));
  CHECK(k5.p_value == Approx(std::erfc(std::sqrt(lr5 / 2))).epsilon(1e-12));
  CHECK(!k5.reject);
  // x = 0: LR = -2 T ln(1 - p); x = T: LR = -2 T ln p (0 ln 0 = 0 in the alternative).
  CHECK(keel::kupiec_test(0, 250, {.confidence = 0.99}).lr_statistic == Approx(-500 * std::log(0.99)).epsilon(1e-13));
  CHECK(keel::kupiec_test(250, 250, {.confidence = 0.99}).lr_statistic == Approx(-500 * std::log(0.01)).epsilon(1e-13));
  CHECK(keel::kupiec_test(250, 250, {.confidence = 0.99}).reject);
  CHECK(keel::kupiec_test(0, 10, {.confidence = 0.99}).p_value ==
        Approx(std::erfc(std::sqrt(-10 * std::log(0.99)))).epsilon(1e-12));
  // The expected count exactly: LR = 0, p = 1.
  CHECK(keel::kupiec_test(25, 500, {.confidence = 0.95}).lr_statistic == Approx(0).margin(1e-12));
  CHECK(keel::kupiec_test(25, 500, {.confidence = 0.95}).p_value == Approx(1).epsilon(1e-9));
  CHECK(keel::kupiec_test(12, 250, {.confidence = 0.99, .significance = 0.01}).reject);
}

TEST_CASE("christoffersen_test equals the hand computation of the transition counts", "[var][backtest]") {
  // 0 0 1 1 0 0 0 1 0 0: n00 = 4, n01 = 2, n10 = 2, n11 = 1 (9 transitions), 3 breaches in 10.
  const std::vector<bool> hits = {false, false, true, true, false, false, false, true, false, false};
  const auto c = keel::christoffersen_test(hits, {.confidence = 0.95});
  CHECK(c.n00 == 4);
  CHECK(c.n01 == 2);
  CHECK(c.n10 == 2);
  CHECK(c.n11 == 1);
  const double pi0 = 2.0 / 6, pi1 = 1.0 / 3, pi = 3.0 / 9;
  const double lr_ind = -2 * (6 * std::log(1 - pi) + 3 * std::log(pi)) +
                        2 * (4 * std::log(1 - pi0) + 2 * std::log(pi0) + 2 * std::log(1 - pi1) + std::log(pi1));
  CHECK(c.lr_independence == Approx(lr_ind).margin(1e-12));
  const double lr_pof = -2 * (7 * std::log(0.95) + 3 * std::log(0.05)) + 2 * (7 * std::log(0.7) + 3 * std::log(0.3));
  CHECK(c.lr_conditional_coverage == Approx(lr_pof + lr_ind).epsilon(1e-12));
  CHECK(c.p_conditional_coverage == Approx(std::exp(-(lr_pof + lr_ind) / 2)).epsilon(1e-12));  // chi2(2) tail
  // No breach and all breaches: one state never left, LR_ind = 0 (0 ln 0 = 0).
  const std::vector<int> none(50, 0), all(50, 1);
  CHECK(keel::christoffersen_test(none, {.confidence = 0.99}).lr_independence == 0);
  CHECK(keel::christoffersen_test(none, {.confidence = 0.99}).p_independence == 1);
  CHECK(keel::christoffersen_test(all, {.confidence = 0.99}).lr_independence == 0);
  CHECK(keel::christoffersen_test(all, {.confidence = 0.99}).reject_conditional_coverage);
}

TEST_CASE("traffic_light gives the Basel 1996 zones, plus factors and cumulative probabilities", "[var][backtest]") {
  // Basel Committee (1996), Table 2 (250 observations, 99% VaR): cumulative probability in
  // percent to two decimals, zone and plus factor for 0..10 exceptions.
  const double cumulative[] = {8.11, 28.58, 54.32, 75.81, 89.22, 95.88, 98.63, 99.60, 99.89, 99.97, 99.99};
  const double factors[] = {0, 0, 0, 0, 0, 0.40, 0.50, 0.65, 0.75, 0.85, 1.00};
  for (int x = 0; x <= 10; ++x) {
    const auto t = keel::traffic_light(x, 250);
    INFO("exceptions " << x);
    CHECK(std::round(t.cumulative_probability * 1e4) / 100 == Approx(cumulative[x]).margin(1e-9));
    CHECK(t.plus_factor == factors[x]);
    CHECK(t.multiplier == 3 + factors[x]);
    CHECK(t.zone == (x <= 4 ? keel::basel_zone::green : x <= 9 ? keel::basel_zone::yellow : keel::basel_zone::red));
  }
  CHECK(keel::traffic_light(40, 250).zone == keel::basel_zone::red);
  // Other samples: the zone follows the binomial probability (summed here term by term in
  // long double), and a yellow plus factor the 250-day row of no greater probability.
  const auto binomial_cdf = [](int x, int n, long double p) {
    long double term = std::pow(1 - p, static_cast<long double>(n)), sum = term;
    for (int k = 1; k <= x; ++k) {
      term *= static_cast<long double>(n - k + 1) / k * p / (1 - p);
      sum += term;
    }
    return static_cast<double>(sum);
  };
  for (int x = 0; x <= 20; ++x) {
    const auto t = keel::traffic_light(x, 500, {.confidence = 0.99});
    const double cum = binomial_cdf(x, 500, 0.01L);
    INFO("500 days, exceptions " << x);
    CHECK(t.cumulative_probability == Approx(cum).epsilon(1e-12));
    CHECK(t.zone == (cum < 0.95     ? keel::basel_zone::green
                     : cum < 0.9999 ? keel::basel_zone::yellow
                                    : keel::basel_zone::red));
    if (t.zone == keel::basel_zone::yellow) {
      double expected = 0.40;
      for (int k = 6; k <= 9; ++k)
        if (binomial_cdf(k, 250, 0.01L) <= cum) expected = factors[k];
      CHECK(t.plus_factor == expected);
    }
  }
}

TEST_CASE("var_backtest: a right VaR passes, half of it fails, clustered breaches fail independence",
          "[var][backtest]") {
  const std::size_t days = 2000;
  const std::vector<double> r = normal_returns(days, 0.0, 0.01, 99);
  const double var99 = keel::parametric_var(0.0, 0.01, {.confidence = 0.99});
  const std::vector<double> right(days, var99), half(days, var99 / 2);
  const auto good = keel::var_backtest(r, right, {.confidence = 0.99});
  INFO("breaches " << good.breaches);
  CHECK(good.observations == 2000);
  CHECK(!good.kupiec.reject);
  CHECK(!good.christoffersen.reject_independence);
  CHECK(good.basel.zone == keel::basel_zone::green);
  const auto bad = keel::var_backtest(r, half, {.confidence = 0.99});
  CHECK(bad.kupiec.reject);
  CHECK(bad.basel.zone == keel::basel_zone::red);
  CHECK(bad.breaches > good.breaches);
  // Breaches in runs of five: the right count (20 in 2,000) but clustered.
  std::vector<double> clustered(days, 0.0);
  for (std::size_t i = 100; i < days; i += 500)
    for (std::size_t j = 0; j < 5; ++j) clustered[i + j] = -0.05;
  const auto cl = keel::var_backtest(clustered, right, {.confidence = 0.99});
  CHECK(cl.breaches == 20);
  CHECK(!cl.kupiec.reject);
  CHECK(cl.christoffersen.reject_independence);
  CHECK(cl.christoffersen.reject_conditional_coverage);
  // The count is strict: a loss equal to the VaR is not a breach.
  const std::vector<double> at = {-0.01, 0.0}, v = {0.01, 0.01};
  CHECK(keel::var_backtest(at, v, {.confidence = 0.99}).breaches == 0);
}

TEST_CASE("var_backtest: rolling one-year 99% VaR of SPY, historical and parametric (real data)", "[var][backtest]") {
  const auto path = keel_test::shared_file("data/us_stocks_etfs_daily_2020_2026.csv");
  if (!path) return;
  const keel::price_table prices = keel::read_prices_csv(*path);
  const auto spy = keel::simple_returns(prices.column("SPY"));
  const std::vector<double> r(keel::values(spy).begin(), keel::values(spy).end());
  const std::size_t window = 252;
  std::vector<double> realised, hist, para;
  for (std::size_t t = window; t < r.size(); ++t) {
    const std::span<const double> past(r.data() + (t - window), window);
    hist.push_back(keel::historical_var(past, {.confidence = 0.99}));
    para.push_back(keel::parametric_var(past, {.confidence = 0.99}));
    realised.push_back(r[t]);
  }
  for (const auto* model : {&hist, &para}) {
    const auto bt = keel::var_backtest(realised, *model, {.confidence = 0.99});
    std::ptrdiff_t count = 0;
    for (std::size_t i = 0; i < realised.size(); ++i) count += -realised[i] > (*model)[i] ? 1 : 0;
    CHECK(bt.breaches == count);
    CHECK(bt.observations == static_cast<std::ptrdiff_t>(realised.size()));
    CHECK(bt.basel.zone == keel::traffic_light(bt.breaches, bt.observations, {.confidence = 0.99}).zone);
    const auto last =
        keel::var_backtest(std::span(realised).last(250), std::span(*model).last(250), {.confidence = 0.99});
    std::cout << (model == &hist ? "historical" : "parametric") << " 99% VaR of SPY, rolling 252 days: " << bt.breaches
              << " breaches in " << bt.observations << " days (rate " << bt.breach_rate << "), Kupiec LR "
              << bt.kupiec.lr_statistic << " p " << bt.kupiec.p_value << ", Christoffersen LR_ind "
              << bt.christoffersen.lr_independence << " p " << bt.christoffersen.p_independence << ", LR_cc p "
              << bt.christoffersen.p_conditional_coverage << "; last 250 days: " << last.breaches << " breaches, zone "
              << static_cast<int>(last.basel.zone) << "\n";
  }
}

// ---------------------------------------------------------------- errors and contracts

TEST_CASE("var functions reject bad input with located messages", "[var][errors]") {
  const std::vector<double> r = {0.01, -0.02, 0.005, 0.003};
  CHECK_THROWS_WITH(keel::parametric_var(r, {.confidence = 1.0}),
                    Contains("parametric_var: confidence = 1 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::parametric_cvar(r, {.horizon = 0}),
                    Contains("parametric_cvar: horizon = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::parametric_var(r, {.value = -1}), Contains("value = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::parametric_var(r, {.distribution = keel::student_t{2}}),
                    Contains("student_t::dof = 2 must be finite and above 2"));
  CHECK_THROWS_AS(keel::parametric_var(std::vector<double>{0.1}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::parametric_var(std::vector<double>{0.1}), Contains("needs at least 2 returns, got 1"));
  CHECK_THROWS_WITH(keel::parametric_var(std::vector<double>{0.1, NAN}), Contains("parametric_var: returns[1] is NaN"));
  CHECK_THROWS_WITH(keel::parametric_var(0.0, -0.1), Contains("stddev = -0.1 is negative"));
  CHECK_THROWS_WITH(keel::parametric_var(INFINITY, 0.1), Contains("mean is inf"));
  CHECK_THROWS_WITH(keel::cornish_fisher_var(std::vector<double>{0.1, 0.2, 0.3}),
                    Contains("needs at least 4 returns, got 3"));
  CHECK_THROWS_WITH(keel::cornish_fisher_var(0.0, 0.1, NAN, 0.0), Contains("skewness is NaN"));
  CHECK_THROWS_AS(keel::historical_var(std::vector<double>{}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::historical_cvar(std::vector<double>{0.1, -INFINITY}),
                    Contains("historical_cvar: returns[1] is -inf"));
  CHECK_THROWS_WITH(keel::historical_var(r, {.ewma_lambda = 1.0}), Contains("ewma_lambda = 1 must be in (0, 1)"));
  // Portfolio forms.
  Eigen::MatrixXd panel = Eigen::MatrixXd::Constant(5, 2, 0.01);
  panel(3, 1) = NAN;
  const std::vector<double> w2 = {0.5, 0.5}, w3 = {0.2, 0.3, 0.5};
  CHECK_THROWS_WITH(keel::parametric_var(w2, panel), Contains("parametric_var: returns(3, 1) is NaN"));
  CHECK_THROWS_WITH(keel::historical_var(w3, panel), Contains("weights has 3 values but returns (columns) has 2"));
  Eigen::Matrix2d cov;
  cov << 1e-4, 2e-5, 3e-5, 1e-4;
  const Eigen::Vector2d mu(0, 0);
  CHECK_THROWS_WITH(keel::parametric_var(w2, mu, cov),
                    Contains("cov(1, 0) = 3e-05 but cov(0, 1) = 2e-05: not symmetric"));
  CHECK_THROWS_WITH(keel::parametric_var(w2, mu, Eigen::MatrixXd::Zero(2, 3)), Contains("cov is 2 x 3, not square"));
  CHECK_THROWS_WITH(keel::parametric_component_var(w3, mu, Eigen::Matrix2d::Identity()),
                    Contains("weights has 3 values but mean has 2"));
  // Monte Carlo options.
  const Eigen::Matrix2d ok = Eigen::Matrix2d::Identity() * 1e-4;
  CHECK_THROWS_WITH(keel::monte_carlo_var(w2, mu, ok, {.paths = 10}), Contains("paths = 10 must be at least 100"));
  CHECK_THROWS_WITH(keel::monte_carlo_var(w2, mu, ok, {.confidence = {}}), Contains("confidence lists no levels"));
  CHECK_THROWS_WITH(keel::monte_carlo_var(w2, mu, ok, {.confidence = {0.95, 1.5}}),
                    Contains("confidence[1] = 1.5 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::monte_carlo_var(w2, mu, ok, {.threads = -1}), Contains("threads = -1"));
  CHECK_THROWS_WITH(keel::monte_carlo_var(w2, mu, ok, {.distribution = keel::student_t{1.5}}),
                    Contains("student_t::dof = 1.5"));
  // Backtests.
  CHECK_THROWS_WITH(keel::kupiec_test(5, 0, {.confidence = 0.99}),
                    Contains("kupiec_test: observations = 0 must be at least 1"));
  CHECK_THROWS_WITH(keel::kupiec_test(6, 5, {.confidence = 0.99}),
                    Contains("breaches = 6 must be between 0 and observations = 5"));
  CHECK_THROWS_WITH(keel::kupiec_test(1, 5, {.confidence = 0.99, .significance = 0}),
                    Contains("significance = 0 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::traffic_light(-1, 250), Contains("traffic_light: breaches = -1"));
  CHECK_THROWS_AS(keel::christoffersen_test(std::vector<bool>{true}, {.confidence = 0.99}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::var_backtest(r, std::vector<double>{0.1, 0.1}, {.confidence = 0.99}),
                    Contains("returns has 4 values but var_series has 2"));
  CHECK_THROWS_WITH(keel::var_backtest(r, std::vector<double>{0.1, 0.1, NAN, 0.1}, {.confidence = 0.99}),
                    Contains("var_series[2] is NaN"));
}

TEST_CASE("var_backtest of dated series aligns on dates first", "[var][backtest]") {
  const std::vector<int> kr = {1, 2, 3, 4, 5}, kv = {2, 3, 4, 5, 6};
  const std::vector<double> r = {-0.5, -0.03, 0.01, -0.02, 0.0}, v = {0.02, 0.02, 0.02, 0.02, 0.02};
  const auto bt = keel::var_backtest(keel::dated_view(kr, r), keel::dated_view(kv, v), {.confidence = 0.95});
  CHECK(bt.observations == 4);  // keys 2..5: the -50% on key 1 has no VaR
  CHECK(bt.breaches == 1);      // key 2 only (a -2% loss equals the VaR)
}

TEST_CASE("parametric_var of a plain series and the backtest counts do not allocate", "[var][allocations]") {
  const std::vector<double> r = normal_returns(1000, 0.0, 0.01, 5);
  const long before = keel_test::allocation_count();
  const double v = keel::parametric_var(r, {.confidence = 0.99});
  const auto k = keel::kupiec_test(10, 1000, {.confidence = 0.99});
  const auto t = keel::traffic_light(3, 250);
  CHECK(keel_test::allocation_count() == before);
  CHECK(v > 0);
  CHECK(k.lr_statistic >= 0);
  CHECK(t.zone == keel::basel_zone::green);
}

// ---------------------------------------------------------------------------------------------
// The one-call forms (issue 18): VaR and CVaR of one method at every level from one pass.

namespace {

// A fat-tailed, skewed sample (normal plus rare negative jumps) that lies in Maillard's domain.
std::vector<double> skewed_returns(std::size_t n, std::uint64_t seed) {
  std::vector<double> r = normal_returns(n, 0.0004, 0.011, seed);
  std::mt19937_64 gen(seed + 1);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& x : r)
    if (u(gen) < 0.02) x -= 0.03 * u(gen);
  return r;
}

// The mean of the standardised return below h under the second-order Edgeworth density
// phi(x) (1 + S/6 He3 + K/24 He4 + S^2/72 He6), divided by p: composite Simpson on [-40, h].
double edgeworth_tail_mean(double h, double p, double s, double k) {
  const auto density = [&](double x) {
    const double x2 = x * x, x3 = x2 * x, x4 = x2 * x2, x6 = x4 * x2;
    const double he3 = x3 - 3 * x, he4 = x4 - 6 * x2 + 3, he6 = x6 - 15 * x4 + 45 * x2 - 15;
    return std::exp(-x2 / 2) / std::sqrt(2 * M_PI) * (1 + s / 6 * he3 + k / 24 * he4 + s * s / 72 * he6);
  };
  const int m = 200'000;
  const double a = -40, step = (h - a) / m;
  long double sum = 0;
  for (int i = 0; i <= m; ++i) {
    const double x = a + i * step;
    const double f = x * density(x);
    sum += (i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2) * static_cast<long double>(f);
  }
  return static_cast<double>(sum * step / 3) / p;
}

}  // namespace

TEST_CASE("parametric_risk equals parametric_var and parametric_cvar bit for bit, every form", "[var][one_call]") {
  const std::vector<double> levels = {0.9, 0.99, 0.95, 0.975};
  const std::vector<double> r = normal_returns(300, 0.0003, 0.012, 21);
  const std::vector<float> rf(r.begin(), r.end());
  const Eigen::Index t = 252, n = 5;
  Eigen::MatrixXd panel(t, n);
  std::mt19937_64 gen(22);
  std::normal_distribution<double> d(0.0002, 0.014);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = d(gen);
  const std::vector<double> w = {0.3, -0.1, 0.4, 0.2, 0.2};
  const Eigen::VectorXd mu = panel.colwise().mean();
  const Eigen::MatrixXd centred = panel.rowwise() - mu.transpose();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(t - 1);
  for (const keel::return_distribution dist :
       {keel::return_distribution{keel::normal{}}, keel::return_distribution{keel::student_t{4.5}}}) {
    const keel::parametric_risk_options o{.confidence = levels, .horizon = 10, .distribution = dist, .value = 1e6};
    const auto series = keel::parametric_risk(r, o);
    const auto single = keel::parametric_risk(rf, o);
    const auto moments = keel::parametric_risk(0.001, 0.02, o);
    const auto pan = keel::parametric_risk(w, panel, o);
    const auto mc = keel::parametric_risk(w, mu, cov, o);
    STATIC_REQUIRE(std::is_same_v<decltype(single), const keel::var_result<float>>);
    REQUIRE(series.confidences == levels);
    REQUIRE(pan.vars.size() == levels.size());
    REQUIRE(mc.cvars.size() == levels.size());
    for (std::size_t l = 0; l < levels.size(); ++l) {
      const keel::parametric_options one{.confidence = levels[l], .horizon = 10, .distribution = dist, .value = 1e6};
      INFO("level " << levels[l]);
      CHECK(series.vars[l] == keel::parametric_var(r, one));
      CHECK(series.cvars[l] == keel::parametric_cvar(r, one));
      CHECK(single.vars[l] == keel::parametric_var(rf, one));
      CHECK(single.cvars[l] == keel::parametric_cvar(rf, one));
      CHECK(moments.vars[l] == keel::parametric_var(0.001, 0.02, one));
      CHECK(moments.cvars[l] == keel::parametric_cvar(0.001, 0.02, one));
      CHECK(pan.vars[l] == keel::parametric_var(w, panel, one));
      CHECK(pan.cvars[l] == keel::parametric_cvar(w, panel, one));
      CHECK(mc.vars[l] == keel::parametric_var(w, mu, cov, one));
      CHECK(mc.cvars[l] == keel::parametric_cvar(w, mu, cov, one));
    }
  }
  // include_mean = false drops the mean term as the single forms do.
  const auto zero_mean = keel::parametric_risk(r, {.confidence = {0.99}, .include_mean = false});
  CHECK(zero_mean.vars[0] == keel::parametric_var(r, {.confidence = 0.99, .include_mean = false}));
  // The default levels are mc_options' default levels.
  CHECK(keel::parametric_risk_options{}.confidence == keel::mc_options{}.confidence);
}

TEST_CASE("historical_risk equals historical_var and historical_cvar bit for bit, every form", "[var][one_call]") {
  // Unsorted levels, a repeated level, and a level whose tail is one return: each level's
  // selection reorders the shared sample, which must change no number.
  const std::vector<double> levels = {0.99, 0.9, 0.95, 0.99, 0.999, 0.5};
  const std::vector<double> r = skewed_returns(777, 31);
  const std::vector<float> rf(r.begin(), r.end());
  const Eigen::Index t = 500, n = 4;
  Eigen::MatrixXd panel(t, n);
  std::mt19937_64 gen(32);
  std::student_t_distribution<double> d(4);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = 0.01 * d(gen);
  const std::vector<double> w = {0.5, 0.3, -0.2, 0.4};
  for (const std::optional<double> lambda : {std::optional<double>{}, std::optional<double>{0.94}}) {
    const keel::historical_risk_options o{.confidence = levels, .ewma_lambda = lambda, .value = 250};
    const auto series = keel::historical_risk(r, o);
    const auto single = keel::historical_risk(rf, o);
    const auto pan = keel::historical_risk(w, panel, o);
    REQUIRE(series.confidences == levels);
    REQUIRE(series.vars.size() == levels.size());
    for (std::size_t l = 0; l < levels.size(); ++l) {
      const keel::historical_options one{.confidence = levels[l], .ewma_lambda = lambda, .value = 250};
      INFO("level " << levels[l] << (lambda ? " filtered" : ""));
      CHECK(series.vars[l] == keel::historical_var(r, one));
      CHECK(series.cvars[l] == keel::historical_cvar(r, one));
      CHECK(single.vars[l] == keel::historical_var(rf, one));
      CHECK(single.cvars[l] == keel::historical_cvar(rf, one));
      CHECK(pan.vars[l] == keel::historical_var(w, panel, one));
      CHECK(pan.cvars[l] == keel::historical_cvar(w, panel, one));
    }
  }
  // The numbers are the sort-based rules (empyrical's), level by level.
  const auto plain = keel::historical_risk(r, {.confidence = levels});
  for (std::size_t l = 0; l < levels.size(); ++l) {
    CHECK(plain.vars[l] == Approx(static_cast<double>(-sorted_quantile(r, 1 - levels[l]))).epsilon(1e-14));
    CHECK(plain.cvars[l] == Approx(static_cast<double>(-sorted_tail_mean(r, 1 - levels[l]))).epsilon(1e-14));
  }
}

TEST_CASE("cornish_fisher_risk: its VaR is cornish_fisher_var's bit for bit, every form", "[var][one_call]") {
  const std::vector<double> levels = {0.95, 0.99, 0.9};
  const std::vector<double> r = skewed_returns(1000, 41);
  const Eigen::Index t = 400, n = 3;
  Eigen::MatrixXd panel(t, n);
  std::mt19937_64 gen(42);
  std::normal_distribution<double> d(0.0, 0.01);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = d(gen) + (j == 0 && i % 50 == 0 ? -0.03 : 0.0);
  const std::vector<double> w = {0.5, 0.25, 0.25};
  const keel::cornish_fisher_risk_options o{.confidence = levels, .horizon = 2, .value = 100};
  const auto series = keel::cornish_fisher_risk(r, o);
  const auto pan = keel::cornish_fisher_risk(w, panel, o);
  const auto moments = keel::cornish_fisher_risk(0.0002, 0.011, -0.4, 2.5, o);
  for (const auto* res : {&series, &pan, &moments}) {
    REQUIRE(res->monotone);
    REQUIRE(res->vars.size() == levels.size());
    REQUIRE(res->cvars.size() == levels.size());
  }
  for (std::size_t l = 0; l < levels.size(); ++l) {
    const keel::cornish_fisher_options one{.confidence = levels[l], .horizon = 2, .value = 100};
    INFO("level " << levels[l]);
    const auto a = keel::cornish_fisher_var(r, one);
    const auto b = keel::cornish_fisher_var(w, panel, one);
    const auto c = keel::cornish_fisher_var(0.0002, 0.011, -0.4, 2.5, one);
    CHECK(series.vars[l] == *a.var);
    CHECK(series.zs[l] == a.z);
    CHECK(series.gaussian_vars[l] == a.gaussian_var);
    CHECK(series.skewness == a.skewness);
    CHECK(series.excess_kurtosis == a.excess_kurtosis);
    CHECK(pan.vars[l] == *b.var);
    CHECK(moments.vars[l] == *c.var);
    // The ES is a loss beyond the VaR (the operational floor).
    CHECK(series.cvars[l] >= series.vars[l]);
  }
}

TEST_CASE("cornish_fisher_risk: the modified ES is the Edgeworth tail mean (Boudt, Peterson and Croux 2008)",
          "[var][one_call][cornish_fisher]") {
  // At S = K = 0 it is the Gaussian expected shortfall of parametric_cvar.
  for (const double c : {0.9, 0.95, 0.99}) {
    const auto g = keel::cornish_fisher_risk(0.001, 0.02, 0.0, 0.0, {.confidence = {c}, .horizon = 3});
    CHECK(g.cvars[0] == Approx(keel::parametric_cvar(0.001, 0.02, {.confidence = c, .horizon = 3})).epsilon(1e-14));
  }
  // Against the tail mean integrated numerically under the Edgeworth density (an independent
  // formulation of E_G), or the modified VaR where E_G does not lie beyond it (the floor).
  const std::pair<double, double> moments[] = {{0.0, 0.0}, {-0.5, 1.5}, {0.3, 3.0}, {-1.0, 4.0}, {0.8, 2.0}};
  for (const auto& [s, k] : moments)
    for (const double c : {0.9, 0.95, 0.99}) {
      const auto m = keel::cornish_fisher_risk(0.0, 1.0, s, k, {.confidence = {c}, .include_mean = false});
      REQUIRE(m.monotone);
      const double h = m.zs[0];
      const double e = edgeworth_tail_mean(h, 1 - c, s, k);
      INFO("S " << s << " K " << k << " level " << c << " h " << h << " E " << e);
      if (e < h)  // the tail mean lies beyond the quantile: the ES is it
        CHECK(m.cvars[0] == Approx(-e).epsilon(1e-9));
      else  // the floor (S = -1, K = 4 at 99%): the ES is the modified VaR itself
        CHECK(m.cvars[0] == m.vars[0]);
    }
  // PerformanceAnalytics' operES.CornishFisher worked by hand (sixteen returns with mean 3/8000,
  // skewness 0.28489068974384 and excess kurtosis 4.19772131072920 (population moments):
  // h = -1.47763377912455 and E_G = -1.95725034589661 at 95%, -3.06769440643803 and
  // -4.25585148451540 at 99%), in units of the standard deviation.
  // The worked figures agree with the test's own integration of the Edgeworth tail mean.
  CHECK(edgeworth_tail_mean(-1.47763377912455, 0.05, 0.28489068974384, 4.19772131072920) ==
        Approx(-1.95725034589661).epsilon(1e-9));
  CHECK(edgeworth_tail_mean(-3.06769440643803, 0.01, 0.28489068974384, 4.19772131072920) ==
        Approx(-4.25585148451540).epsilon(1e-9));
  const auto pa = keel::cornish_fisher_risk(3.0 / 8000, 1.0, 0.28489068974384, 4.19772131072920);
  CHECK(pa.zs[0] == Approx(-1.47763377912455).epsilon(1e-12));
  CHECK(pa.zs[1] == Approx(-3.06769440643803).epsilon(1e-12));
  CHECK(pa.cvars[0] == Approx(-3.0 / 8000 + 1.95725034589661).epsilon(1e-12));
  CHECK(pa.cvars[1] == Approx(-3.0 / 8000 + 4.25585148451540).epsilon(1e-12));
  // The floor: where E_G is above the quantile the ES is the modified VaR itself.
  // (S = -2, K = 8 at 99%: the Edgeworth density is negative in the far tail.)
  const auto floored = keel::cornish_fisher_risk(0.0, 1.0, -2.0, 8.0, {.confidence = {0.99}, .include_mean = false});
  REQUIRE(floored.monotone);
  const double e = edgeworth_tail_mean(floored.zs[0], 0.01, -2.0, 8.0);
  CHECK(e > floored.zs[0]);
  CHECK(floored.cvars[0] == floored.vars[0]);
  // Outside Maillard's domain there is no VaR and no ES, at any level; the rest is reported.
  const auto out = keel::cornish_fisher_risk(0.0, 1.0, 2.0, 0.0);
  CHECK(!out.monotone);
  CHECK(out.vars.empty());
  CHECK(out.cvars.empty());
  CHECK(out.zs.size() == 2);
  CHECK(out.gaussian_vars.size() == 2);
}

TEST_CASE("the one-call forms reject bad levels with located messages", "[var][one_call][errors]") {
  const std::vector<double> r = normal_returns(50, 0.0, 0.01, 51);
  CHECK_THROWS_MATCHES(keel::parametric_risk(r, {.confidence = {}}), keel::invalid_input,
                       Catch::Matchers::Message("parametric_risk: confidence lists no levels"));
  CHECK_THROWS_WITH(keel::historical_risk(r, {.confidence = {0.95, 1.5}}),
                    Contains("historical_risk: confidence[1] = 1.5 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::cornish_fisher_risk(r, {.confidence = {0.0}}),
                    Contains("cornish_fisher_risk: confidence[0] = 0 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::parametric_risk(r, {.value = -1}), Contains("parametric_risk: value = -1"));
  CHECK_THROWS_WITH(keel::historical_risk(r, {.ewma_lambda = 1.0}), Contains("historical_risk: ewma_lambda = 1"));
  CHECK_THROWS_WITH(keel::parametric_risk(r, {.distribution = keel::student_t{2}}),
                    Contains("parametric_risk: student_t::dof = 2"));
  std::vector<double> bad = r;
  bad[7] = NAN;
  CHECK_THROWS_WITH(keel::parametric_risk(bad), Contains("parametric_risk: returns[7] is NaN"));
  CHECK_THROWS_WITH(keel::historical_risk(bad), Contains("historical_risk: returns[7] is NaN"));
  CHECK_THROWS_AS(keel::cornish_fisher_risk(std::vector<double>{0.1, 0.2, 0.3}), keel::insufficient_data);
  const Eigen::MatrixXd panel = Eigen::MatrixXd::Constant(10, 2, 0.01);
  CHECK_THROWS_WITH(keel::parametric_risk(std::vector<double>{1.0}, panel),
                    Contains("parametric_risk: weights has 1 values but returns (columns) has 2"));
}

TEST_CASE("dated VaR forms equal the plain ones, skip a missing day and name an infinity's date", "[var][dated]") {
  using namespace std::chrono;
  const std::vector<double> r = skewed_returns(300, 61);
  std::vector<sys_days> dates;
  for (std::size_t i = 0; i < r.size(); ++i) dates.push_back(sys_days{year{2024} / January / 1} + days{i});
  const auto dated = keel::dated_view(dates, r);
  CHECK(keel::parametric_var(dated, {.confidence = 0.99}) == keel::parametric_var(r, {.confidence = 0.99}));
  CHECK(keel::parametric_cvar(dated) == keel::parametric_cvar(r));
  CHECK(keel::historical_var(dated, {.ewma_lambda = 0.94}) == keel::historical_var(r, {.ewma_lambda = 0.94}));
  CHECK(keel::historical_cvar(dated) == keel::historical_cvar(r));
  // The whole result, not *var: these skewed returns may lie outside Maillard's domain, and
  // dereferencing the empty optional was undefined (it read 0 or NaN, by build).
  const auto same_cf = [](const auto& a, const auto& b) {
    return a.var == b.var && a.z == b.z && a.skewness == b.skewness && a.excess_kurtosis == b.excess_kurtosis &&
           a.monotone == b.monotone && a.gaussian_var == b.gaussian_var;
  };
  CHECK(same_cf(keel::cornish_fisher_var(dated), keel::cornish_fisher_var(r)));
  // A fat-tailed sample (K > 0) is in the domain, so its VaR itself is compared.
  std::vector<double> g = normal_returns(300, 0.0004, 0.011, 62);
  for (std::size_t i = 0; i < g.size(); i += 25) g[i] *= 4;
  const auto g_dated = keel::cornish_fisher_var(keel::dated_view(dates, g));
  REQUIRE(g_dated.var.has_value());
  CHECK(*g_dated.var == *keel::cornish_fisher_var(g).var);
  CHECK(keel::parametric_risk(dated).cvars == keel::parametric_risk(r).cvars);
  CHECK(keel::historical_risk(dated).vars == keel::historical_risk(r).vars);
  CHECK(keel::cornish_fisher_risk(dated).cvars == keel::cornish_fisher_risk(r).cvars);
  const keel::dated_series<sys_days, double> owned(dates, r);
  CHECK(keel::historical_risk(owned).cvars == keel::historical_risk(r).cvars);

  // A NaN is a missing day, as in every dated form (README, Conventions): skipped, so the
  // result is the plain form's on the other 299 returns.
  std::vector<double> holed = r;
  holed[9] = NAN;
  const auto bad = keel::dated_view(dates, holed);
  std::vector<double> kept = r;
  kept.erase(kept.begin() + 9);
  CHECK(keel::parametric_var(bad) == keel::parametric_var(kept));
  CHECK(keel::historical_cvar(bad) == keel::historical_cvar(kept));
  CHECK(keel::parametric_risk(bad).vars == keel::parametric_risk(kept).vars);
  CHECK(keel::historical_risk(bad).cvars == keel::historical_risk(kept).cvars);
  CHECK(same_cf(keel::cornish_fisher_var(bad), keel::cornish_fisher_var(kept)));
  CHECK(keel::cornish_fisher_risk(bad).cvars == keel::cornish_fisher_risk(kept).cvars);
  CHECK(keel::historical_var(bad) != keel::historical_var(r));
  holed[9] = r[9];
  holed[20] = -INFINITY;
  CHECK_THROWS_WITH(keel::historical_var(bad), Contains("historical_var: returns[20] on 2024-01-21 is -inf"));
  CHECK_THROWS_WITH(keel::parametric_cvar(bad), Contains("parametric_cvar: returns[20] on 2024-01-21 is -inf"));
  // A named series (a symbol) is named in the message.
  const auto named = keel::dated_view(dates, holed, "AAPL");
  CHECK_THROWS_WITH(keel::historical_risk(named), Contains("historical_risk: AAPL[20] on 2024-01-21 is -inf"));
}

TEST_CASE("backtests take confidence from their options, and the old positional forms still agree", "[var][backtest]") {
  STATIC_REQUIRE(keel::var_backtest_options{}.confidence == 0.95);
  STATIC_REQUIRE(keel::traffic_light_options{}.confidence == 0.99);
  STATIC_REQUIRE(keel::mc_options{}.threads == 1);
  const std::vector<double> r = normal_returns(400, 0.0, 0.01, 71);
  const std::vector<double> v(r.size(), 0.02);
  std::vector<bool> hits(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) hits[i] = -r[i] > v[i];
  // The default confidence is 0.95.
  CHECK(keel::kupiec_test(30, 400).lr_statistic == keel::kupiec_test(30, 400, {.confidence = 0.95}).lr_statistic);
  CHECK(keel::traffic_light(5, 250).zone == keel::basel_zone::yellow);
  CHECK(keel::var_backtest(r, v).kupiec.p_value == keel::var_backtest(r, v, {.confidence = 0.95}).kupiec.p_value);
  CHECK_THROWS_WITH(keel::kupiec_test(1, 5, {.confidence = 1.0}), Contains("kupiec_test: confidence = 1"));
  CHECK_THROWS_WITH(keel::traffic_light(1, 5, {.confidence = -0.5}), Contains("traffic_light: confidence = -0.5"));
  CHECK_THROWS_WITH(keel::christoffersen_test(hits, {.confidence = 2.0}),
                    Contains("christoffersen_test: confidence = 2"));
  CHECK_THROWS_WITH(keel::var_backtest(r, v, {.confidence = 0}), Contains("var_backtest: confidence = 0"));
  // An empty braced options argument is the options form, not the deprecated positional level
  // (which would warn and read {} as confidence 0): this part of the file has the warning on.
  CHECK(keel::kupiec_test(30, 400, {}).p_value == keel::kupiec_test(30, 400).p_value);
  CHECK(keel::christoffersen_test(hits, {}).p_independence == keel::christoffersen_test(hits).p_independence);
  CHECK(keel::traffic_light(5, 250, {}).zone == keel::basel_zone::yellow);
  CHECK(keel::var_backtest(r, v, {}).breaches == keel::var_backtest(r, v).breaches);
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  // The deprecated positional forms (kept for one release) call the new ones.
  CHECK(keel::kupiec_test(7, 250, 0.99, {.significance = 0.01}).p_value ==
        keel::kupiec_test(7, 250, {.confidence = 0.99, .significance = 0.01}).p_value);
  CHECK(keel::christoffersen_test(hits, 0.99).lr_conditional_coverage ==
        keel::christoffersen_test(hits, {.confidence = 0.99}).lr_conditional_coverage);
  CHECK(keel::traffic_light(6).cumulative_probability == keel::traffic_light(6, 250).cumulative_probability);
  CHECK(keel::traffic_light(6, 500, 0.98).cumulative_probability ==
        keel::traffic_light(6, 500, {.confidence = 0.98}).cumulative_probability);
  CHECK(keel::var_backtest(r, v, 0.99).christoffersen.p_conditional_coverage ==
        keel::var_backtest(r, v, {.confidence = 0.99}).christoffersen.p_conditional_coverage);
  const std::vector<int> keys = [&] {
    std::vector<int> k(r.size());
    std::iota(k.begin(), k.end(), 0);
    return k;
  }();
  CHECK(keel::var_backtest(keel::dated_view(keys, r), keel::dated_view(keys, v), 0.99).breaches ==
        keel::var_backtest(r, v, {.confidence = 0.99}).breaches);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}
