// SPDX-License-Identifier: MIT
// Tests of keel/attribution.hpp: brinson_attribution and linked_attribution.
//
// Independent references used here:
//   - Bacon, Practical Portfolio Performance Measurement and Attribution, 2nd ed. (2008): the
//     three-sector example of ch. 5 (Table 5.1 data; Brinson-Fachler effects of Table 5.3) and
//     the four-quarter example of ch. 8 (Table 8.1 data; Carino-linked totals of Table 8.2). The
//     inputs and the published 4-decimal results are typed from the book as the
//     PortfolioAttribution R package's tests give them; every single-period effect is also
//     computed by hand in the comments below;
//   - a long-double implementation of Carino's linking written directly from the paper's
//     formula (ln(1 + R_p) - ln(1 + R_b)) / (R_p - R_b), on random books.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include <keel/attribution.hpp>

#include "support/storage.hpp"

namespace {

using Catch::Matchers::Contains;

// Bacon (2008) Table 5.1: UK, Japanese and US equities.
const std::vector<double> bacon_wp{0.40, 0.30, 0.30};
const std::vector<double> bacon_wb{0.40, 0.20, 0.40};
const std::vector<double> bacon_rp{0.20, -0.05, 0.06};
const std::vector<double> bacon_rb{0.10, -0.04, 0.08};

}  // namespace

TEST_CASE("brinson_attribution reproduces Bacon's Brinson-Fachler example (Tables 5.1, 5.3)", "[attribution][bacon]") {
  // By hand: R_p = 0.4 x 0.2 + 0.3 x (-0.05) + 0.3 x 0.06 = 0.083; R_b = 0.04 - 0.008 + 0.032 = 0.064.
  // allocation (w_p - w_b)(r_b - R_b): UK 0; Japan 0.1 x (-0.104) = -0.0104; US -0.1 x 0.016 = -0.0016.
  // selection w_b (r_p - r_b): UK 0.4 x 0.1 = 0.04; Japan 0.2 x (-0.01) = -0.002; US 0.4 x (-0.02) = -0.008.
  // interaction (w_p - w_b)(r_p - r_b): UK 0; Japan 0.1 x (-0.01) = -0.001; US -0.1 x (-0.02) = 0.002.
  const auto e = keel::brinson_attribution(bacon_wp, bacon_wb, bacon_rp, bacon_rb);
  const double eps = 1e-15;
  CHECK(e.portfolio_return == Approx(0.083).margin(eps));
  CHECK(e.benchmark_return == Approx(0.064).margin(eps));
  CHECK(e.active_return == Approx(0.019).margin(eps));
  const std::vector<double> alloc{0, -0.0104, -0.0016}, sel{0.04, -0.002, -0.008}, inter{0, -0.001, 0.002};
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(e.allocations[i] == Approx(alloc[i]).margin(eps));
    CHECK(e.selections[i] == Approx(sel[i]).margin(eps));
    CHECK(e.interactions[i] == Approx(inter[i]).margin(eps));
  }
  CHECK(e.allocation == Approx(-0.012).margin(eps));
  CHECK(e.selection == Approx(0.03).margin(eps));
  CHECK(e.interaction == Approx(0.001).margin(eps));
  // The effects sum to the active return to rounding.
  CHECK(std::fabs(e.allocation + e.selection + e.interaction - e.active_return) < 1e-16);
}

TEST_CASE("linked_attribution reproduces Bacon's Carino-linked example (Tables 8.1, 8.2)", "[attribution][bacon]") {
  Eigen::MatrixXd wp(4, 3), wb(4, 3), rp(4, 3), rb(4, 3);
  wp << 0.4, 0.3, 0.3, 0.7, 0.2, 0.1, 0.3, 0.5, 0.2, 0.3, 0.5, 0.2;
  wb << 0.4, 0.2, 0.4, 0.4, 0.3, 0.3, 0.5, 0.4, 0.1, 0.4, 0.4, 0.2;
  rp << 0.2, -0.05, 0.06, -0.05, 0.03, -0.05, -0.2, 0.08, -0.15, 0.1, -0.07, 0.25;
  rb << 0.1, -0.04, 0.08, -0.07, 0.04, -0.1, -0.25, 0.05, -0.2, 0.05, -0.05, 0.1;
  const auto l = keel::linked_attribution(wp, wb, rp, rb);
  // Quarterly returns by hand: portfolio 8.3%, -3.4%, -5.0%, 4.5%; benchmark 6.4%, -4.6%,
  // -12.5%, 2.0%; compounded 3.8593% and -9.4063%.
  const std::vector<double> qp{0.083, -0.034, -0.05, 0.045}, qb{0.064, -0.046, -0.125, 0.02};
  for (std::size_t t = 0; t < 4; ++t) {
    CHECK(l.portfolio_returns[t] == Approx(qp[t]).margin(1e-15));
    CHECK(l.benchmark_returns[t] == Approx(qb[t]).margin(1e-15));
  }
  CHECK(l.portfolio_return == Approx(1.083 * 0.966 * 0.95 * 1.045 - 1).margin(1e-15));
  CHECK(l.benchmark_return == Approx(1.064 * 0.954 * 0.875 * 1.02 - 1).margin(1e-15));
  // Bacon's Table 8.2 (4 decimals): linked allocation UK 1.65%, Japan -0.60%, US 0.15%, total
  // 1.20%; linked selection (Bacon's top-down selection includes the interaction) UK 8.04%,
  // Japan 0.18%, US 3.85%, total 12.07%.
  const std::vector<double> alloc{0.0165, -0.0060, 0.0015}, sel{0.0804, 0.0018, 0.0385};
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(l.allocations[i] == Approx(alloc[i]).margin(1e-4));
    CHECK(l.selections[i] + l.interactions[i] == Approx(sel[i]).margin(1e-4));
  }
  CHECK(l.allocation == Approx(0.0120).margin(1e-4));
  CHECK(l.selection + l.interaction == Approx(0.1207).margin(1e-4));
  // The linked effects sum to the compounded active return.
  CHECK(std::fabs(l.allocation + l.selection + l.interaction - l.active_return) < 1e-15);
  // One period linked is the single-period attribution.
  const auto one = keel::linked_attribution(wp.topRows(1), wb.topRows(1), rp.topRows(1), rb.topRows(1));
  const auto single = keel::brinson_attribution(bacon_wp, bacon_wb, bacon_rp, bacon_rb);
  for (std::size_t i = 0; i < 3; ++i) CHECK(one.allocations[i] == Approx(single.allocations[i]).margin(1e-16));
  CHECK(one.coefficients[0] == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("linked_attribution agrees with a long-double Carino implementation on random books",
          "[attribution][independent]") {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> u(0.1, 1.0), ret(-0.08, 0.1);
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::Index t_count = 12 + trial, n = 11;
    Eigen::MatrixXd wp(t_count, n), wb(t_count, n), rp(t_count, n), rb(t_count, n);
    for (Eigen::Index t = 0; t < t_count; ++t) {
      for (Eigen::Index i = 0; i < n; ++i) {
        wp(t, i) = u(gen);
        wb(t, i) = u(gen);
        rb(t, i) = ret(gen);
        rp(t, i) = rb(t, i) + 0.02 * ret(gen);
      }
      wp.row(t) /= wp.row(t).sum();
      wb.row(t) /= wb.row(t).sum();
    }
    const auto l = keel::linked_attribution(wp, wb, rp, rb);
    // Reference: per-period Brinson-Fachler, k_t and k from logarithms, in long double.
    using ld = long double;
    std::vector<ld> a(static_cast<std::size_t>(n), 0), s(a), x(a);
    ld gp = 1, gb = 1;
    std::vector<ld> kp, rps, rbs;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      ld Rp = 0, Rb = 0, sp = 0, sb = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        sp += wp(t, i);
        sb += wb(t, i);
      }
      for (Eigen::Index i = 0; i < n; ++i) {
        Rp += wp(t, i) / sp * rp(t, i);
        Rb += wb(t, i) / sb * rb(t, i);
      }
      rps.push_back(Rp);
      rbs.push_back(Rb);
      kp.push_back((std::log(1 + Rp) - std::log(1 + Rb)) / (Rp - Rb));
      gp *= 1 + Rp;
      gb *= 1 + Rb;
    }
    const ld k = (std::log(gp) - std::log(gb)) / ((gp - 1) - (gb - 1));
    for (Eigen::Index t = 0; t < t_count; ++t) {
      ld sp = 0, sb = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        sp += wp(t, i);
        sb += wb(t, i);
      }
      const ld c = kp[static_cast<std::size_t>(t)] / k;
      for (Eigen::Index i = 0; i < n; ++i) {
        const ld dw = wp(t, i) / sp - wb(t, i) / sb;
        const auto u8 = static_cast<std::size_t>(i);
        a[u8] += c * dw * (rb(t, i) - rbs[static_cast<std::size_t>(t)]);
        s[u8] += c * (wb(t, i) / sb) * (rp(t, i) - rb(t, i));
        x[u8] += c * dw * (rp(t, i) - rb(t, i));
      }
    }
    INFO("trial " << trial);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
      CHECK(std::fabs(l.allocations[i] - a[i]) < 1e-15);
      CHECK(std::fabs(l.selections[i] - s[i]) < 1e-15);
      CHECK(std::fabs(l.interactions[i] - x[i]) < 1e-15);
    }
    // The compounded returns are products of t_count factors: t_count roundings at most.
    CHECK(std::fabs(l.active_return - ((gp - 1) - (gb - 1))) < 2.3e-16 * static_cast<double>(t_count));
    CHECK(std::fabs(l.allocation + l.selection + l.interaction - l.active_return) < 1e-14);
  }
}

TEMPLATE_TEST_CASE("brinson_attribution takes every storage, effects sum to the active return",
                   "[attribution][storage]", KEEL_STORAGE_TYPES) {
  using real = typename TestType::real;
  std::mt19937_64 gen(9);
  std::uniform_real_distribution<double> u(0.0, 1.0), ret(-0.1, 0.1);
  std::vector<double> wp(11), wb(11), rp(11), rb(11);
  double sp = 0, sb = 0;
  for (std::size_t i = 0; i < 11; ++i) {
    wp[i] = static_cast<double>(static_cast<real>(u(gen)));
    wb[i] = static_cast<double>(static_cast<real>(u(gen)));
    rp[i] = ret(gen);
    rb[i] = ret(gen);
    sp += wp[i];
    sb += wb[i];
  }
  const TestType a(wp), b(wb), c(rp), d(rb);
  // Weights not summing to 1 are rescaled when asked.
  const auto e = keel::brinson_attribution(a.series(), b.series(), c.series(), d.series(), {.normalise = true});
  STATIC_REQUIRE(std::is_same_v<decltype(e.active_return), real>);
  const double tol = std::is_same_v<real, float> ? 1e-7 : 1e-15;
  const double sum =
      static_cast<double>(e.allocation) + static_cast<double>(e.selection) + static_cast<double>(e.interaction);
  CHECK(std::fabs(sum - static_cast<double>(e.active_return)) < tol);
  // Allocation sums to zero against the total benchmark return: sum (w_p - w_b) = 0.
  double wsum = 0;
  for (std::size_t i = 0; i < 11; ++i) wsum += wp[i] / sp - wb[i] / sb;
  CHECK(std::fabs(wsum) < 1e-15);
}

TEST_CASE("attribution rejects bad input with located messages", "[attribution][errors]") {
  const std::vector<double> w{0.5, 0.5}, r{0.01, 0.02};
  const std::vector<double> heavy{0.6, 0.5};
  CHECK_THROWS_WITH(keel::brinson_attribution(heavy, w, r, r),
                    Contains("portfolio weights sum to 1.1, not 1 (within 1e-06); set attribution_options::normalise"));
  CHECK_NOTHROW(keel::brinson_attribution(heavy, w, r, r, {.normalise = true}));
  CHECK_THROWS_WITH(keel::brinson_attribution(w, w, r, std::vector<double>{0.1}),
                    Contains("portfolio_weights has 2 values but benchmark_returns has 1"));
  std::vector<double> bad(r);
  bad[1] = std::nan("");
  CHECK_THROWS_WITH(keel::brinson_attribution(w, w, bad, r), Contains("portfolio_returns[1] is NaN"));
  CHECK_THROWS_AS(keel::brinson_attribution(std::vector<double>{}, std::vector<double>{}, std::vector<double>{},
                                            std::vector<double>{}),
                  keel::insufficient_data);
  Eigen::MatrixXd wp(2, 2), rp(2, 2);
  wp << 0.5, 0.5, 0.7, 0.4;
  rp << 0.01, 0.02, 0.03, -0.01;
  const Eigen::MatrixXd wb = Eigen::MatrixXd::Constant(2, 2, 0.5);
  CHECK_THROWS_WITH(keel::linked_attribution(wp, wb, rp, rp), Contains("portfolio weights in period 1 sum to 1.1"));
  Eigen::MatrixXd wiped(2, 2);
  wiped << -1.0, -1.0, 0.0, 0.0;
  CHECK_THROWS_WITH(keel::linked_attribution(wb, wb, wiped, rp), Contains("the portfolio return in period 0 is -1"));
  const Eigen::MatrixXd small = Eigen::MatrixXd::Constant(1, 2, 0.5);
  CHECK_THROWS_WITH(keel::linked_attribution(wb, small, rp, rp),
                    Contains("benchmark_weights is 1 x 2 but portfolio_weights is 2 x 2"));
  Eigen::MatrixXd nan_cell = rp;
  nan_cell(1, 0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::linked_attribution(wb, wb, rp, nan_cell), Contains("benchmark_returns(1, 0) is inf"));
  // Equal returns in a period: Carino's coefficient takes its limit 1 / (1 + R).
  const auto equal = keel::linked_attribution(wb, wb, rp, rp);
  CHECK(equal.active_return == 0.0);
  CHECK(std::isfinite(equal.coefficients[0]));
  CHECK(equal.allocation == 0.0);
}
