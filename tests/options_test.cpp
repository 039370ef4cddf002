// SPDX-License-Identifier: MIT
// Tests of keel/options.hpp against: Haug's published prices and Greeks (as QuantLib's test
// suite reproduces them); QuantLib 1.29's BlackCalculator and blackFormulaImpliedStdDev over a
// grid; a long-double Black-Scholes-Merton written here; parity identities; central finite
// differences of black_scholes's own price; implied-volatility round trips; Greeks of a book summed here.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <keel/options.hpp>

#include "support/allocations.hpp"

// Only QuantLib's light headers: <ql/quantlib.hpp> would cost this file minutes of compile time.
#include <ql/pricingengines/blackcalculator.hpp>
#include <ql/pricingengines/blackformula.hpp>

using Catch::Matchers::Contains;

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
// Below this both sides are at or near double's subnormal range, where a value has no digits.
constexpr double tiny = 1e-290;

constexpr keel::option_type call = keel::option_type::call;
constexpr keel::option_type put = keel::option_type::put;

const char* const greek_names[] = {"price", "delta", "gamma", "vega", "theta", "rho", "dividend_rho", "theta_per_day"};

std::vector<double> fields(const keel::option_valuation& v) {
  return {v.price, v.delta, v.gamma, v.vega, v.theta, v.rho, v.dividend_rho, v.theta_per_day};
}

keel::option_valuation bs(keel::option_type type, double s, double k, double t, double r, double q, double sigma) {
  return keel::black_scholes({type, k, t}, {s, r, q, sigma});
}

// The grid of the oracle comparisons: deep in to deep out of the money, a day to ten years,
// 1% to 200% volatility, negative, zero and positive rates and yields.
struct grid_point {
  keel::option_type type;
  double spot, strike, maturity, rate, yield, sigma;
};

std::vector<grid_point> oracle_grid() {
  std::vector<grid_point> g;
  for (const auto type : {call, put})
    for (const double m : {0.3, 0.6, 0.8, 0.95, 1.0, 1.05, 1.25, 1.7, 3.0})
      for (const double t : {1.0 / 365, 0.02, 0.25, 1.0, 3.0, 10.0})
        for (const double sigma : {0.01, 0.05, 0.2, 0.6, 1.0, 2.0})
          for (const double r : {-0.02, 0.0, 0.05, 0.15})
            for (const double q : {-0.01, 0.0, 0.03}) g.push_back({type, 100, 100 * m, t, r, q, sigma});
  return g;
}

// ---------------------------------------------------------------------------------------------
// QuantLib's BlackCalculator on the forward F = S e^{(r-q)T}, stdDev sigma sqrt T and discount
// e^{-rT}. Its units match keel's: vega per unit of volatility, theta = dV/dt per year (from
// the pricing PDE: r V - (r - q) S delta - sigma^2 S^2 gamma / 2), thetaPerDay = theta / 365,
// rho and dividendRho per unit of rate with S held fixed (F moves with r and q).
//
// QuantLib forms N(x) as (1 + erf(x / sqrt 2)) / 2 and a put's N(-d) as 1 - N(d), so its
// rounding is absolute: eps times the terms each formula adds, not eps times the result
// (a deep out-of-the-money price differs from keel's in its leading digits, and keel is the
// accurate one: see the long-double comparison below). Its Greeks are differences of
// such terms (delta: n(d1) F / (sd S) twice, cancelling; gamma: those times (1 + d/sd); vega:
// times |ln(K/F)| / sd^2; theta: ln(D) V and ln(F/S) S delta, divided by T, with the rounding of
// D = e^{-rT} and of F inside the logarithms). `scale` is the sum of those terms' sizes. Each
// term carries the relative error of its n(d) or N(d): rounding d1 and d2 (eps |d|) moves
// exp(-d^2 / 2) by d^2 eps, and F's rounding moves d1 by eps / sd, so a tail by |d1| eps / sd
// (`tail`). The bound is 1e-12 relative plus 4 eps x tail x scale: near the money it is
// 1e-12 relative; in the one-day, 1%-volatility corners, QuantLib's own error.
struct ql_result {
  double value[8];
  double bound[8];
};

ql_result quantlib_bsm(const grid_point& p) {
  const double t = p.maturity, s = p.spot, k = p.strike;
  const double disc = std::exp(-p.rate * t), fwd = s * std::exp((p.rate - p.yield) * t);
  const double sd = p.sigma * std::sqrt(t);
  const QuantLib::BlackCalculator bc(p.type == call ? QuantLib::Option::Call : QuantLib::Option::Put, k, fwd, sd, disc);
  ql_result out{{bc.value(), bc.delta(s), bc.gamma(s), bc.vega(t), bc.theta(s, t), bc.rho(t), bc.dividendRho(t),
                 bc.thetaPerDay(s, t)},
                {}};
  const double d1 = std::log(fwd / k) / sd + 0.5 * sd, d2 = d1 - sd;
  const double a = fwd * std::exp(-0.5 * d1 * d1) / std::sqrt(2 * std::numbers::pi);  // F n(d1) = K n(d2)
  double scale[8];
  scale[0] = disc * (fwd + k);
  scale[1] = disc * (fwd / s) * (1 + 2 * a / (fwd * sd));
  scale[2] = disc * a / (sd * s * s) * (std::fabs(1 + d1 / sd) + std::fabs(1 + d2 / sd) + 2);
  const double temp = std::log(k / fwd) / (sd * sd);
  scale[3] = disc * std::sqrt(t) * a * (std::fabs(temp + 0.5) + std::fabs(temp - 0.5));
  scale[5] = t * (disc * (2 * a / sd + fwd) + scale[0]);
  scale[6] = t * disc * (2 * a / sd + fwd);
  const double ln_d = std::fabs(std::log(disc)), ln_fs = std::fabs(std::log(fwd / s));
  scale[4] =
      ((ln_d + 1) * (std::fabs(out.value[0]) + scale[0]) + (ln_fs + 2) * s * (std::fabs(out.value[1]) + scale[1]) +
       0.5 * sd * sd * s * s * (std::fabs(out.value[2]) + scale[2])) /
      t;
  scale[7] = scale[4] / 365;
  const double tail = 1 + d1 * d1 + std::fabs(d1) / sd;
  for (int i = 0; i < 8; ++i)
    out.bound[i] = 1e-12 * std::fabs(out.value[i]) + 4 * eps * tail * (scale[i] + std::fabs(out.value[i])) + tiny;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Black-Scholes-Merton in long double (64-bit significand here), written from Haug 1.1.6 with
// d2 = d1 - sd and the Greeks of Haug ch. 2 in their textbook form: its rounding is ~2^-11 of
// keel's, so it measures keel's own error. keel's error is bounded by its inputs' conditioning:
// rounding d1 (relative eps) moves exp(-d1^2 / 2) and a tail N(d) by d1^2 eps relative; the
// price is the difference a N(d1) - b N(d2) of two such tails, so its bound is taken on the
// sum of their sizes (in the far tail they agree to 1 - sd / |d1|).
struct ld_result {
  long double value[8];
  double bound[8];
};

ld_result long_double_bsm(const grid_point& p) {
  using ld = long double;
  const ld s = p.spot, k = p.strike, t = p.maturity, r = p.rate, q = p.yield, sigma = p.sigma;
  const ld sd = sigma * std::sqrt(t);
  const ld d1 = (std::log(s / k) + (r - q + sigma * sigma / 2) * t) / sd, d2 = d1 - sd;
  const auto big_n = [](ld x) { return std::erfc(-x / std::sqrt(2.0L)) / 2; };
  const ld a = s * std::exp(-q * t), b = k * std::exp(-r * t);
  const ld pdf = std::exp(-d1 * d1 / 2) / std::sqrt(2 * std::numbers::pi_v<ld>);
  const ld w = p.type == call ? 1 : -1;
  const ld n1 = big_n(w * d1), n2 = big_n(w * d2);
  ld_result out{};
  out.value[0] = w * (a * n1 - b * n2);
  out.value[1] = w * std::exp(-q * t) * n1;
  out.value[2] = std::exp(-q * t) * pdf / (s * sd);
  out.value[3] = a * pdf * std::sqrt(t);
  out.value[4] = -a * pdf * sigma / (2 * std::sqrt(t)) + w * (q * a * n1 - r * b * n2);
  out.value[5] = w * t * b * n2;
  out.value[6] = -w * t * a * n1;
  out.value[7] = out.value[4] / 365;
  double terms[8];
  for (int i = 0; i < 8; ++i) terms[i] = static_cast<double>(std::fabs(out.value[i]));
  terms[0] = static_cast<double>(a * n1 + b * n2);
  terms[4] = static_cast<double>(a * pdf * sigma / (2 * std::sqrt(t)) + std::fabs(q) * a * n1 + std::fabs(r) * b * n2);
  terms[7] = terms[4] / 365;
  const double cond = 1 + static_cast<double>(d1 * d1);
  for (int i = 0; i < 8; ++i)
    out.bound[i] = 1e-12 * static_cast<double>(std::fabs(out.value[i])) + 16 * eps * cond * terms[i] + tiny;
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Published values.

TEST_CASE("black_scholes and black76 reproduce Haug's published prices") {
  // E. G. Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed. (2007), ch. 1, as
  // reproduced in QuantLib's test-suite/europeanoption.cpp (testValues, from the 1st ed. pp. 2-27).
  // Published to 4 decimals: each must round to its value (|error| <= 0.5e-4).
  struct published {
    keel::option_type type;
    double strike, spot, yield, rate, maturity, sigma, value;
  };
  const published rows[] = {
      {call, 65, 60, 0.00, 0.08, 0.25, 0.30, 2.1334},      // 1.1.1 Black-Scholes
      {put, 95, 100, 0.05, 0.10, 0.50, 0.20, 2.4648},      // 1.1.6 generalised BSM
      {call, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291},  // Garman-Kohlhagen currency option
      {put, 70, 75, 0.05, 0.10, 0.50, 0.35, 4.0870},       // Merton 1973, stock index
      {call, 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975},      // 1st ed. p. 27
      // 1st ed. p. 24 (Haug's table of b = 0 prices, futures at 90, 100, 110, strike 100)
      {call, 100, 90, 0.10, 0.10, 0.10, 0.15, 0.0205},
      {call, 100, 110, 0.10, 0.10, 0.10, 0.35, 11.1381},
      {call, 100, 100, 0.10, 0.10, 0.50, 0.25, 6.6997},
      {put, 100, 90, 0.10, 0.10, 0.50, 0.35, 14.4452},
      {put, 100, 110, 0.10, 0.10, 0.10, 0.15, 0.0408},
      {put, 100, 110, 0.10, 0.10, 0.50, 0.25, 3.2734},
  };
  for (const auto& row : rows) {
    const auto v = bs(row.type, row.spot, row.strike, row.maturity, row.rate, row.yield, row.sigma);
    INFO("K " << row.strike << " S " << row.spot << " T " << row.maturity << " sigma " << row.sigma);
    CHECK(std::fabs(v.price - row.value) <= 0.5e-4);
  }
  // Black-76 (Haug, 2nd ed., ch. 1, options on futures): F = 19, K = 19, T = 0.75, r = 0.10, sigma = 0.28.
  for (const auto type : {call, put}) {
    const auto v = keel::black76({type, 19, 0.75}, {19, 0.10, 0.28});
    CHECK(std::fabs(v.price - 1.7011) <= 0.5e-4);
  }
  // The same p. 24 table through black76: b = 0 is Black-76 on the futures price.
  CHECK(std::fabs(keel::black76({call, 100, 0.5}, {100, 0.10, 0.35}).price - 9.3679) <= 0.5e-4);
  CHECK(std::fabs(keel::black76({put, 100, 0.1}, {90, 0.10, 0.25}).price - 10.2155) <= 0.5e-4);
}

TEST_CASE("black_scholes reproduces Haug's published Greeks") {
  // Haug (2007) ch. 2 (1st ed. pp. 11-16), as QuantLib's test-suite/europeanoption.cpp
  // (testGreekValues) reproduces them, each to 4 decimals.
  const auto delta_c = bs(call, 105, 100, 0.5, 0.10, 0.10, 0.36);
  const auto delta_p = bs(put, 105, 100, 0.5, 0.10, 0.10, 0.36);
  CHECK(std::fabs(delta_c.delta - 0.5946) <= 0.5e-4);
  CHECK(std::fabs(delta_p.delta - (-0.3566)) <= 0.5e-4);
  // The put's elasticity, delta S / V.
  CHECK(std::fabs(delta_p.delta * 105 / delta_p.price - (-4.8775)) <= 0.5e-4);
  for (const auto type : {call, put}) {
    const auto g = bs(type, 55, 60, 0.75, 0.10, 0.0, 0.30);
    CHECK(std::fabs(g.gamma - 0.0278) <= 0.5e-4);
    CHECK(std::fabs(g.vega - 18.9358) <= 0.5e-4);  // per unit of volatility, as Haug's
  }
  const auto theta = bs(put, 430, 405, 1.0 / 12, 0.07, 0.05, 0.20);
  CHECK(std::fabs(theta.theta - (-31.1924)) <= 0.5e-4);
  CHECK(std::fabs(theta.theta_per_day - (-0.0855)) <= 0.5e-4);
  const auto rho = bs(call, 72, 75, 1.0, 0.09, 0.0, 0.19);
  CHECK(std::fabs(rho.rho - 38.7325) <= 0.5e-4);
  const auto phi = bs(put, 500, 490, 0.25, 0.08, 0.05, 0.15);
  CHECK(std::fabs(phi.dividend_rho - 42.2254) <= 0.5e-4);
}

// ---------------------------------------------------------------------------------------------
// 2. Independent implementations over a grid.

TEST_CASE("black_scholes matches QuantLib's BlackCalculator over a grid") {
  std::size_t checked = 0, within_1e12 = 0;
  for (const auto& p : oracle_grid()) {
    const auto v = fields(bs(p.type, p.spot, p.strike, p.maturity, p.rate, p.yield, p.sigma));
    const auto ql = quantlib_bsm(p);
    for (std::size_t i = 0; i < 8; ++i) {
      INFO(greek_names[i] << (p.type == call ? " call" : " put") << " K " << p.strike << " T " << p.maturity
                          << " sigma " << p.sigma << " r " << p.rate << " q " << p.yield);
      CHECK(std::fabs(v[i] - ql.value[i]) <= ql.bound[i]);
      ++checked;
      if (std::fabs(v[i] - ql.value[i]) <= 1e-12 * std::fabs(ql.value[i])) ++within_1e12;
    }
  }
  // Most of the grid agrees to 1e-12 relative; the rest is where QuantLib's absolute rounding
  // (the tails, the one-day and 1% corners) leaves fewer digits.
  CHECK(within_1e12 >= checked * 8 / 10);
}

TEST_CASE("black_scholes matches a long-double Black-Scholes-Merton over the grid, tails included") {
  for (const auto& p : oracle_grid()) {
    const auto v = fields(bs(p.type, p.spot, p.strike, p.maturity, p.rate, p.yield, p.sigma));
    const auto ref = long_double_bsm(p);
    for (std::size_t i = 0; i < 8; ++i) {
      INFO(greek_names[i] << (p.type == call ? " call" : " put") << " K " << p.strike << " T " << p.maturity
                          << " sigma " << p.sigma << " r " << p.rate << " q " << p.yield << " keel " << v[i]
                          << " reference " << static_cast<double>(ref.value[i]));
      CHECK(std::fabs(static_cast<long double>(v[i]) - ref.value[i]) <= ref.bound[i]);
    }
  }
  // A deep out-of-the-money price keeps its relative accuracy, where 1 - N(d) would keep none:
  // K = 300, S = 100, sigma = 20%, T = 1 is worth about 1e-9 of the spot.
  const grid_point far{call, 100, 300, 1, 0.02, 0, 0.2};
  const auto ref = long_double_bsm(far);
  const double price = bs(call, 100, 300, 1, 0.02, 0, 0.2).price;
  CHECK(std::fabs(price - static_cast<double>(ref.value[0])) <= 1e-12 * price);
  CHECK(price < 1e-6);
  // S / K beyond double's range (1e400) with a volatility of 10000%: d1 = 59, d2 = -41 are
  // ordinary, and the put is worth its discounted strike, not the 0 of ln(S / K) = inf.
  for (const auto type : {call, put}) {
    const grid_point wide{type, 1e200, 1e-200, 1, 0, 0, 100};
    const auto v = fields(bs(type, 1e200, 1e-200, 1, 0, 0, 100));
    const auto r = long_double_bsm(wide);
    for (std::size_t i = 0; i < 8; ++i) CHECK(std::fabs(static_cast<long double>(v[i]) - r.value[i]) <= r.bound[i]);
    CHECK(v[0] == Approx(type == call ? 1e200 : 1e-200).epsilon(1e-12));
  }
}

TEST_CASE("black76 matches QuantLib's BlackCalculator on the futures price") {
  // BlackCalculator(type, K, F, sd, e^{-rT}) is Black-76 itself: deltaForward and gammaForward
  // are dV/dF and d2V/dF2, theta(F, T) is dV/dt with F fixed (its ln(F/spot) term vanishes),
  // and with F fixed rho is -T V (BlackCalculator::rho moves F with r, so it is not used).
  for (const auto& p : oracle_grid()) {
    const double f = p.spot, k = p.strike, t = p.maturity, r = p.rate;
    const auto v = keel::black76({p.type, k, t}, {f, r, p.sigma});
    const double disc = std::exp(-r * t), sd = p.sigma * std::sqrt(t);
    const QuantLib::BlackCalculator bc(p.type == call ? QuantLib::Option::Call : QuantLib::Option::Put, k, f, sd, disc);
    // As quantlib_bsm with q = r (F = S): the scales of QuantLib's forward-based formulas.
    const auto ql = quantlib_bsm({p.type, f, k, t, r, r, p.sigma});
    INFO((p.type == call ? "call" : "put")
         << " F " << f << " K " << k << " T " << t << " sigma " << p.sigma << " r " << r);
    CHECK(std::fabs(v.price - bc.value()) <= ql.bound[0]);
    CHECK(std::fabs(v.delta - bc.deltaForward()) <= ql.bound[1]);
    CHECK(std::fabs(v.gamma - bc.gammaForward()) <= ql.bound[2]);
    CHECK(std::fabs(v.vega - bc.vega(t)) <= ql.bound[3]);
    CHECK(std::fabs(v.theta - bc.theta(f, t)) <= ql.bound[4]);
    CHECK(std::fabs(v.theta_per_day - bc.thetaPerDay(f, t)) <= ql.bound[7]);
    CHECK(std::fabs(v.rho - (-t * bc.value())) <= t * ql.bound[0]);
    CHECK(v.dividend_rho == 0);
    // Black-76 is BSM with the futures price as spot and q = r (Haug 1.1.3), rho aside.
    const auto m = bs(p.type, f, k, t, r, r, p.sigma);
    CHECK(v.price == m.price);
    CHECK(v.delta == m.delta);
    CHECK(v.vega == m.vega);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Parity.

TEST_CASE("calls and puts satisfy put-call parity and share gamma and vega") {
  for (const auto& p : oracle_grid()) {
    if (p.type == put) continue;
    const double s = p.spot, k = p.strike, t = p.maturity;
    const auto c = bs(call, s, k, t, p.rate, p.yield, p.sigma);
    const auto u = bs(put, s, k, t, p.rate, p.yield, p.sigma);
    const double dq = std::exp(-p.yield * t), dr = std::exp(-p.rate * t);
    const double a = s * dq, b = k * dr;
    INFO("K " << k << " T " << t << " sigma " << p.sigma << " r " << p.rate << " q " << p.yield);
    // Parity (Haug 12.1): C - P = S e^{-qT} - K e^{-rT}, each side rounded to eps of a and b.
    CHECK(std::fabs((c.price - u.price) - (a - b)) <= 1e-12 * s);
    CHECK(std::fabs((c.delta - u.delta) - dq) <= 1e-15);
    CHECK(c.gamma == Approx(u.gamma).epsilon(1e-14).margin(1e-300));
    CHECK(c.vega == Approx(u.vega).epsilon(1e-14).margin(1e-300));
    // The other Greeks of parity: d/dr (-K e^{-rT}) = T b, d/dq (S e^{-qT}) = -T a, and
    // -d/dT (a - b) = q a - r b.
    CHECK(std::fabs((c.rho - u.rho) - t * b) <= 1e-12 * t * (a + b));
    CHECK(std::fabs((c.dividend_rho - u.dividend_rho) - (-t * a)) <= 1e-12 * t * (a + b));
    CHECK(std::fabs((c.theta - u.theta) - (p.yield * a - p.rate * b)) <= 1e-12 * (a + b));
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Finite differences of the price.

TEST_CASE("every Greek equals a central finite difference of black_scholes's price") {
  // Central differences with step h have truncation error h^2 |f'''| / 6 and rounding error
  // about eps |V| / h. Relative steps of 1e-5 balance them for the first derivatives on this
  // grid (moderate moneyness, maturities and volatilities): a tolerance of 1e-6 relative plus
  // the rounding term. Gamma is a second difference (rounding eps |V| / h^2), with a step of
  // 1e-3 of S sigma sqrt T, the spot's scale in the price: 1e-5 relative plus rounding.
  for (const auto type : {call, put})
    for (const double k : {70.0, 95.0, 100.0, 110.0, 140.0})
      for (const double t : {0.1, 0.5, 2.0, 5.0})
        for (const double sigma : {0.1, 0.3, 0.8})
          for (const double r : {-0.01, 0.04})
            for (const double q : {0.0, 0.02}) {
              const double s = 100;
              const auto v = bs(type, s, k, t, r, q, sigma);
              const auto price = [&](double s_, double t_, double r_, double q_, double v_) {
                return bs(type, s_, k, t_, r_, q_, v_).price;
              };
              const double round = 4 * eps * (v.price + s + k);
              const auto near = [&](double fd, double exact, double h, double extra = 1) {
                return std::fabs(fd - exact) <= 1e-6 * std::fabs(exact) + extra * round / h + 1e-12;
              };
              INFO((type == call ? "call" : "put")
                   << " K " << k << " T " << t << " sigma " << sigma << " r " << r << " q " << q);
              const double hs = 1e-5 * s;
              CHECK(near((price(s + hs, t, r, q, sigma) - price(s - hs, t, r, q, sigma)) / (2 * hs), v.delta, hs));
              // Gamma's fourth-derivative truncation is relative (h / (S sigma sqrt T))^2 / 12.
              const double hg = 1e-3 * s * sigma * std::sqrt(t);
              const double second =
                  (price(s + hg, t, r, q, sigma) - 2 * v.price + price(s - hg, t, r, q, sigma)) / (hg * hg);
              CHECK(std::fabs(second - v.gamma) <= 1e-5 * v.gamma + 4 * round / (hg * hg));
              const double hv = 1e-5 * sigma;
              CHECK(near((price(s, t, r, q, sigma + hv) - price(s, t, r, q, sigma - hv)) / (2 * hv), v.vega, hv));
              const double ht = 1e-5 * t;
              // theta = dV/dt = -dV/dT: the value's change as time to expiry shrinks.
              CHECK(near(-(price(s, t + ht, r, q, sigma) - price(s, t - ht, r, q, sigma)) / (2 * ht), v.theta, ht));
              CHECK(v.theta_per_day == v.theta / 365);
              const double hr = 1e-6;
              CHECK(near((price(s, t, r + hr, q, sigma) - price(s, t, r - hr, q, sigma)) / (2 * hr), v.rho, hr));
              CHECK(
                  near((price(s, t, r, q + hr, sigma) - price(s, t, r, q - hr, sigma)) / (2 * hr), v.dividend_rho, hr));
            }
}

TEST_CASE("black76's Greeks are finite differences of its price with the futures price fixed") {
  for (const auto type : {call, put})
    for (const double k : {80.0, 100.0, 125.0})
      for (const double t : {0.25, 2.0})
        for (const double r : {-0.01, 0.05}) {
          const double f = 100, sigma = 0.3;
          const auto v = keel::black76({type, k, t}, {f, r, sigma});
          const auto price = [&](double f_, double t_, double r_, double v_) {
            return keel::black76({type, k, t_}, {f_, r_, v_}).price;
          };
          const double round = 4 * eps * (f + k);
          INFO((type == call ? "call" : "put") << " K " << k << " T " << t << " r " << r);
          const double h = 1e-5;
          CHECK(std::fabs((price(f + h * f, t, r, sigma) - price(f - h * f, t, r, sigma)) / (2 * h * f) - v.delta) <=
                1e-6 * std::fabs(v.delta) + round / (h * f));
          CHECK(std::fabs((price(f, t, r + 1e-6, sigma) - price(f, t, r - 1e-6, sigma)) / 2e-6 - v.rho) <=
                1e-6 * std::fabs(v.rho) + round / 1e-6);
          CHECK(std::fabs(-(price(f, t + h * t, r, sigma) - price(f, t - h * t, r, sigma)) / (2 * h * t) - v.theta) <=
                1e-6 * std::fabs(v.theta) + round / (h * t));
          CHECK(std::fabs((price(f, t, r, sigma + h) - price(f, t, r, sigma - h)) / (2 * h) - v.vega) <=
                1e-6 * std::fabs(v.vega) + round / h);
        }
}

// ---------------------------------------------------------------------------------------------
// 5. Implied volatility.

namespace {

// The recovered volatility's error from rounding alone: the price black_scholes returns is
// within ~eps (1 + d1^2) of the sizes of its two terms a N(d1) and b N(d2) (see
// long_double_bsm), and the solver's normalised price carries the same; a price error dV moves
// sigma by dV / vega. So |sigma' - sigma| / sigma <= 1e-13 + 4 eps (1 + d1^2) (a N1 + b N2) /
// (sigma vega). With time value (near the money, or any option whose vega is not tiny beside
// its price) the bound is near 1e-13; deep in the money the time value is a sliver of the
// price (b N2 ~ a N1 ~ V >> V - intrinsic), so the price determines few digits of sigma, for
// any solver; far out of the money d1^2 grows and vega / V ~ d1^2 / sigma cancels it.
double iv_bound(const grid_point& p, const keel::option_valuation& v) {
  const double sd = p.sigma * std::sqrt(p.maturity);
  const double d1 = (std::log(p.spot / p.strike) + (p.rate - p.yield) * p.maturity) / sd + 0.5 * sd;
  const double terms = std::fabs(v.delta) * p.spot + std::fabs(v.rho) / p.maturity;  // a N1 + b N2
  return 1e-13 + 4 * eps * (1 + d1 * d1) * terms / (p.sigma * v.vega);
}

std::vector<grid_point> iv_grid() {
  std::vector<grid_point> g;
  for (const auto type : {call, put})
    for (const double m : {0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0})
      for (const double t : {1.0 / 365, 0.02, 0.1, 0.25, 1.0, 3.0, 10.0})
        for (const double sigma : {0.01, 0.03, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0})
          for (const double r : {-0.02, 0.0, 0.05})
            for (const double q : {0.0, 0.03}) g.push_back({type, 100, 100 * m, t, r, q, sigma});
  return g;
}

}  // namespace

TEST_CASE("implied_volatility recovers the volatility of a black_scholes price") {
  std::size_t solved = 0, typical = 0;
  for (const auto& p : iv_grid()) {
    const keel::european_option o{p.type, p.strike, p.maturity};
    const keel::option_market m{p.spot, p.rate, p.yield, p.sigma};
    const auto v = keel::black_scholes(o, m);
    const double a = p.spot * std::exp(-p.yield * p.maturity), b = p.strike * std::exp(-p.rate * p.maturity);
    const double lower = p.type == call ? std::max(a - b, 0.0) : std::max(b - a, 0.0);
    const double upper = p.type == call ? a : b;
    INFO((p.type == call ? "call" : "put") << " K " << p.strike << " T " << p.maturity << " sigma " << p.sigma << " r "
                                           << p.rate << " q " << p.yield << " price " << v.price);
    if (!(v.price > lower && v.price < upper)) {
      // The price rounded onto a bound of the no-arbitrage range: no volatility reproduces it.
      CHECK_THROWS_AS(keel::implied_volatility(o, m, v.price), keel::infeasible);
      continue;
    }
    // A price near the subnormal range has no relative accuracy to invert.
    if (v.price < tiny) continue;
    const double sigma = keel::implied_volatility(o, {p.spot, p.rate, p.yield, 0}, v.price);
    ++solved;
    CHECK(std::fabs(sigma - p.sigma) <= iv_bound(p, v) * p.sigma);
    // With time value (the forward within 2 standard deviations of the strike) and a price not
    // pressed against its upper bound (sigma sqrt T <= 1): to 1e-12 relative.
    const double sd = p.sigma * std::sqrt(p.maturity);
    if (std::fabs(std::log(a / b)) <= 2 * sd && sd >= 0.02 && sd <= 1) {
      ++typical;
      CHECK(std::fabs(sigma - p.sigma) <= 1e-12 * p.sigma);
    }
  }
  CHECK(solved > 4000);
  CHECK(typical > 500);
}

TEST_CASE("implied_volatility agrees with QuantLib's blackFormulaImpliedStdDev where that converges") {
  // QuantLib's Newton on the standard deviation, asked for 1e-14 in it. Its price function's
  // rounding is absolute (eps (a + b), see quantlib_bsm), which moves its root by
  // eps (a + b) / vega; compared where that is small beside sigma (the price has time value).
  std::size_t compared = 0;
  for (const auto& p : iv_grid()) {
    const keel::european_option o{p.type, p.strike, p.maturity};
    const auto v = keel::black_scholes(o, {p.spot, p.rate, p.yield, p.sigma});
    const double a = p.spot * std::exp(-p.yield * p.maturity), b = p.strike * std::exp(-p.rate * p.maturity);
    const double ql_noise = 16 * eps * (a + b) / (p.sigma * v.vega);
    if (!(ql_noise < 1e-10) || v.price < tiny) continue;
    double sigma = 0;
    try {
      sigma = keel::implied_volatility(o, {p.spot, p.rate, p.yield, 0}, v.price);
    } catch (const keel::infeasible&) {
      continue;
    }
    double ql = 0;
    try {
      ql = QuantLib::blackFormulaImpliedStdDev(p.type == call ? QuantLib::Option::Call : QuantLib::Option::Put,
                                               p.strike, p.spot * std::exp((p.rate - p.yield) * p.maturity), v.price,
                                               std::exp(-p.rate * p.maturity), 0.0, QuantLib::Null<QuantLib::Real>(),
                                               1e-14, 1000) /
           std::sqrt(p.maturity);
    } catch (const QuantLib::Error&) {
      continue;
    }
    INFO((p.type == call ? "call" : "put") << " K " << p.strike << " T " << p.maturity << " sigma " << p.sigma
                                           << " keel " << sigma << " QuantLib " << ql);
    CHECK(std::fabs(sigma - ql) <= (iv_bound(p, v) + ql_noise + 1e-14 / (p.sigma * std::sqrt(p.maturity))) * p.sigma);
    ++compared;
  }
  CHECK(compared > 2000);
}

TEST_CASE("implied_volatility solves prices QuantLib's solver returns 0 or fails on") {
  // Far out of the money, QuantLib 1.29's blackFormulaImpliedStdDev returns a standard
  // deviation of 0 for these (its price function's absolute rounding swamps the price); keel's
  // normalised price keeps their relative accuracy, and the round trip holds as on the grid.
  const grid_point hard[] = {
      {put, 100, 70, 0.1, 0.03, 0, 0.05},         // price ~ 4e-116
      {call, 100, 110, 0.1, 0.03, 0, 0.01},       // ~ 1e-189
      {put, 100, 90, 0.1, 0.03, 0, 0.01},         // ~ 1e-259
      {call, 100, 300, 1.0 / 365, 0.03, 0, 0.8},  // ~ 1e-152
      {call, 100, 200, 10, 0.03, 0, 0.01},        // ~ 3e-36
      {put, 100, 50, 1, 0.03, 0, 0.05},           // ~ 2e-48
      {put, 100, 30, 1.0 / 365, 0.03, 0, 1.5},    // ~ 6e-54
  };
  for (const auto& p : hard) {
    const keel::european_option o{p.type, p.strike, p.maturity};
    const auto v = keel::black_scholes(o, {p.spot, p.rate, p.yield, p.sigma});
    INFO((p.type == call ? "call" : "put") << " K " << p.strike << " T " << p.maturity << " price " << v.price);
    REQUIRE(v.price > tiny);
    REQUIRE(v.price < 1e-30);
    const double sigma = keel::implied_volatility(o, {p.spot, p.rate, p.yield, 0}, v.price);
    CHECK(std::fabs(sigma - p.sigma) <= iv_bound(p, v) * p.sigma);
    CHECK(std::fabs(sigma - p.sigma) <= 1e-12 * p.sigma);
  }
  // Near the upper bound (sigma sqrt T of 5: the call is nearly worth the discounted spot).
  const keel::european_option o{call, 100, 25};
  const keel::option_market m{100, 0.01, 0, 1.0};
  const auto v = keel::black_scholes(o, m);
  CHECK(std::fabs(keel::implied_volatility(o, m, v.price) - 1.0) <= iv_bound({call, 100, 100, 25, 0.01, 0, 1.0}, v));
}

TEST_CASE("implied_volatility at the money keeps its relative accuracy for tiny prices") {
  // With r = q and K = S the forward is at the strike (x = 0) and the price is a erf(s / 2 sqrt 2),
  // s = sigma sqrt T, a = S e^{-qT}: for price / a = beta below 1e-8, s = sqrt(2 pi) beta to
  // 1 + pi beta^2 / 12, i.e. to rounding. A difference of two N(+-s/2) keeps none of it.
  for (const double beta : {1e-9, 1e-12, 1e-20, 1e-100, 1e-250}) {
    const double t = 0.5, a = 100 * std::exp(-0.01 * t);
    const double sigma = keel::implied_volatility({call, 100, t}, {100, 0.01, 0.01, 0}, a * beta);
    const double expected = std::sqrt(2 * std::numbers::pi) * beta / std::sqrt(t);
    INFO("beta " << beta);
    CHECK(std::fabs(sigma - expected) <= 8 * eps * expected);
  }
  // A volatility below double's range (sigma sqrt T = 1e-299 with T = 1e180): infeasible, not 0.
  CHECK_THROWS_AS(keel::implied_volatility({put, 100, 1e180}, {100, 0, 0, 0}, 1e-297), keel::infeasible);
  CHECK_THROWS_WITH(keel::implied_volatility({put, 100, 1e180}, {100, 0, 0, 0}, 1e-297),
                    Contains("out of double's range"));
}

TEST_CASE("implied_volatility reports a price without a volatility as infeasible") {
  const keel::european_option c{call, 95, 0.5}, p{put, 105, 0.5};
  const keel::option_market m{100, 0.05, 0.02, 0.2};
  const double a = 100 * std::exp(-0.02 * 0.5), bc = 95 * std::exp(-0.05 * 0.5), bp = 105 * std::exp(-0.05 * 0.5);
  // Below, at and above the bounds of (discounted intrinsic, upper bound).
  CHECK_THROWS_AS(keel::implied_volatility(c, m, (a - bc) * 0.999), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(c, m, a - bc), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(c, m, a), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(c, m, 2 * a), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(p, m, bp - a), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(p, m, bp), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(p, m, bp * 1.5), keel::infeasible);
  // Out of the money the lower bound is 0: a zero or negative price.
  const keel::european_option otm{call, 150, 0.5};
  CHECK_THROWS_AS(keel::implied_volatility(otm, m, 0.0), keel::infeasible);
  CHECK_THROWS_AS(keel::implied_volatility(otm, m, -1.0), keel::infeasible);
  CHECK_THROWS_WITH(keel::implied_volatility(otm, m, 0.0), Contains("strike 150") && Contains("call"));
  CHECK_THROWS_WITH(keel::implied_volatility(c, m, a - bc), Contains("strike 95") && Contains("intrinsic"));
  CHECK_THROWS_WITH(keel::implied_volatility(p, m, bp), Contains("strike 105") && Contains("upper bound"));
  // Deep in the money, the intrinsic value itself has no volatility; one ulp above it has one
  // (documented: with few correct digits), and it reproduces the price to an ulp or two.
  const keel::european_option deep{call, 10, 0.5};
  const double intrinsic = a - 10 * std::exp(-0.05 * 0.5);
  CHECK_THROWS_AS(keel::implied_volatility(deep, m, intrinsic), keel::infeasible);
  const double above = std::nextafter(intrinsic, inf);
  const double sigma = keel::implied_volatility(deep, m, above);
  REQUIRE(std::isfinite(sigma));
  CHECK(sigma > 0);
  CHECK(std::fabs(keel::black_scholes(deep, {100, 0.05, 0.02, sigma}).price - above) <= 4 * eps * above);
}

// ---------------------------------------------------------------------------------------------
// 6. Chain forms.

TEST_CASE("the chain forms equal the single forms bit for bit and a warm call does not allocate") {
  std::vector<keel::european_option> chain;
  // Maturities interleaved, so that the shared discount factors are recomputed between options.
  for (int i = 0; i < 60; ++i)
    chain.push_back({i % 3 == 0 ? put : call, 50.0 + 100.0 * i / 59, (i % 4 == 0) ? 0.25 : (i % 4 == 1) ? 1.0 : 0.5});
  const keel::option_market m{100, 0.03, 0.01, 0.25};
  std::vector<keel::option_valuation> out;
  keel::black_scholes(chain, m, out);
  REQUIRE(out.size() == chain.size());
  std::vector<double> prices;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto single = fields(keel::black_scholes(chain[i], m));
    const auto in_chain = fields(out[i]);
    for (std::size_t j = 0; j < 8; ++j) CHECK(single[j] == in_chain[j]);
    keel::option_market smile = m;  // a smile, so that the volatilities differ
    smile.volatility = 0.25 + 0.1 * std::sin(static_cast<double>(i));
    prices.push_back(keel::black_scholes(chain[i], smile).price);
  }
  std::vector<double> vols;
  keel::implied_volatility(chain, m, prices, vols);
  REQUIRE(vols.size() == chain.size());
  for (std::size_t i = 0; i < chain.size(); ++i) CHECK(vols[i] == keel::implied_volatility(chain[i], m, prices[i]));

  // Warm calls: same buffers, no allocation at all.
  const auto* data = out.data();
  const auto capacity = out.capacity();
  const auto* vol_data = vols.data();
  const auto vol_capacity = vols.capacity();
  const long before = keel_test::allocation_count();
  keel::black_scholes(chain, m, out);
  keel::implied_volatility(chain, m, prices, vols);
  CHECK(keel_test::allocation_count() == before);
  CHECK(out.data() == data);
  CHECK(out.capacity() == capacity);
  CHECK(vols.data() == vol_data);
  CHECK(vols.capacity() == vol_capacity);
  // A shorter chain reuses the buffer too, and an empty one is empty.
  keel::black_scholes(std::span(chain).first(10), m, out);
  CHECK(out.size() == 10);
  CHECK(out.data() == data);
  keel::black_scholes(std::span<const keel::european_option>(), m, out);
  CHECK(out.empty());
}

TEST_CASE("the chain forms name the offending option") {
  std::vector<keel::european_option> chain{{call, 90, 0.5}, {put, 100, 0.5}, {call, -5, 0.5}, {put, 110, 1}};
  const keel::option_market m{100, 0.03, 0.0, 0.2};
  std::vector<keel::option_valuation> out;
  CHECK_THROWS_AS(keel::black_scholes(chain, m, out), keel::invalid_input);
  CHECK_THROWS_WITH(keel::black_scholes(chain, m, out), Contains("options[2]") && Contains("strike"));
  chain[2] = {call, 100, 0};
  CHECK_THROWS_WITH(keel::black_scholes(chain, m, out), Contains("options[2]") && Contains("maturity"));
  std::vector<double> prices{12, 6, 8, 9};
  std::vector<double> vols;
  CHECK_THROWS_WITH(keel::implied_volatility(chain, m, prices, vols), Contains("options[2]"));
  chain[2] = {call, 100, 0.5};
  // Sizes differ.
  CHECK_THROWS_AS(keel::implied_volatility(chain, m, std::span(prices).first(3), vols), keel::invalid_input);
  // A NaN price, and a price without a volatility (call 100: the price above the spot).
  prices[1] = not_a_number;
  CHECK_THROWS_AS(keel::implied_volatility(chain, m, prices, vols), keel::invalid_input);
  CHECK_THROWS_WITH(keel::implied_volatility(chain, m, prices, vols), Contains("prices[1]"));
  prices[1] = 6;
  prices[2] = 150;
  CHECK_THROWS_AS(keel::implied_volatility(chain, m, prices, vols), keel::infeasible);
  CHECK_THROWS_WITH(keel::implied_volatility(chain, m, prices, vols), Contains("options[2]") && Contains("strike 100"));
  // The overflow of a valuation names its option too: e^{200 x 5} overflows, e^{200 x 1} does not.
  chain[2] = {call, 100, 5};
  CHECK_THROWS_WITH(keel::black_scholes(chain, {100, -200, 0, 0.2}, out), Contains("options[2]"));
}

// ---------------------------------------------------------------------------------------------
// 7. Book Greeks.

TEST_CASE("book_greeks sums its positions' Greeks and hedges the delta") {
  const keel::option_market m{4500, 0.045, 0.015, 0.18};
  std::vector<keel::option_position> book{
      {"SPX-C4600", {call, 4600, 0.25}, 10, 100, std::nullopt},
      {"SPX-P4300", {put, 4300, 0.25}, -15, 100, 0.24},  // written, and on the smile
      {"SPX-C5000", {call, 5000, 1.0}, 3, 100, 0.15},
      {"XSP-P4500", {put, 450, 0.5}, 7, 10, std::nullopt},  // a different strike scale and multiplier
  };
  const double underlying = -250;
  const auto b = keel::book_greeks(book, m, underlying);
  REQUIRE(b.positions.size() == book.size());
  // The sums written here, in long double, from black_scholes on each position.
  long double value = underlying * m.spot, delta = underlying, gamma = 0, vega = 0, theta = 0, rho = 0;
  for (std::size_t i = 0; i < book.size(); ++i) {
    const auto& p = book[i];
    keel::option_market own = m;
    own.volatility = p.volatility ? *p.volatility : m.volatility;
    const auto v = keel::black_scholes(p.option, own);
    for (std::size_t j = 0; j < 8; ++j) CHECK(fields(v)[j] == fields(b.positions[i])[j]);
    const long double units = static_cast<long double>(p.quantity) * p.multiplier;
    value += units * v.price;
    delta += units * v.delta;
    gamma += units * v.gamma;
    vega += units * v.vega;
    theta += units * v.theta;
    rho += units * v.rho;
  }
  const auto close = [](double x, long double y, long double scale) {
    return std::fabs(static_cast<long double>(x) - y) <= 1e-13L * scale;
  };
  CHECK(close(b.value, value, 1e6));
  CHECK(close(b.delta, delta, 1e4));
  CHECK(close(b.gamma, gamma, 10));
  CHECK(close(b.vega, vega, 1e6));
  CHECK(close(b.theta, theta, 1e6));
  CHECK(close(b.rho, rho, 1e6));
  CHECK(b.delta_hedge == -b.delta);
  // The override matters: the written put at the market's volatility is worth less.
  CHECK(b.positions[1].price > keel::black_scholes(book[1].option, m).price);

  // Hedged: the book plus delta_hedge more units of the underlying has zero delta, to
  // rounding of the sum (whose terms are up to |units delta| ~ 1e3).
  const auto hedged = keel::book_greeks(book, m, underlying + b.delta_hedge);
  CHECK(std::fabs(hedged.delta) <= 1e-10);
  CHECK(hedged.gamma == b.gamma);
  CHECK(std::fabs(hedged.delta_hedge) <= 1e-10);
  // ...and that delta is a finite difference of the book's value in the spot.
  const auto value_at = [&](double spot) {
    keel::option_market shifted = m;
    shifted.spot = spot;
    return keel::book_greeks(book, shifted, underlying).value;
  };
  const double h = 1e-3;
  CHECK(std::fabs((value_at(m.spot + h) - value_at(m.spot - h)) / (2 * h) - b.delta) <=
        1e-4 * (1 + std::fabs(b.delta)));

  // A short position is the long one negated; the multiplier scales every Greek.
  const std::vector<keel::option_position> long_one{{"L", {call, 4600, 0.25}, 2, 1, std::nullopt}};
  const std::vector<keel::option_position> short_one{{"S", {call, 4600, 0.25}, -2, 1, std::nullopt}};
  const std::vector<keel::option_position> contract{{"M", {call, 4600, 0.25}, 2, 100, std::nullopt}};
  const auto l = keel::book_greeks(long_one, m), s = keel::book_greeks(short_one, m),
             c = keel::book_greeks(contract, m);
  for (const auto& [x, y] : {std::pair{l.value, s.value}, std::pair{l.delta, s.delta}, std::pair{l.gamma, s.gamma},
                             std::pair{l.vega, s.vega}, std::pair{l.theta, s.theta}, std::pair{l.rho, s.rho}})
    CHECK(x == -y);
  CHECK(c.value == Approx(100 * l.value).epsilon(1e-15));
  CHECK(c.delta == Approx(100 * l.delta).epsilon(1e-15));
  CHECK(c.vega == Approx(100 * l.vega).epsilon(1e-15));
  CHECK(c.delta_hedge == Approx(-100 * l.delta).epsilon(1e-15));
  // An empty book is the underlying alone.
  const auto only = keel::book_greeks({}, m, 3);
  CHECK(only.value == 3 * m.spot);
  CHECK(only.delta == 3);
  CHECK(only.delta_hedge == -3);
  CHECK(only.gamma == 0);
  CHECK(only.positions.empty());
}

// ---------------------------------------------------------------------------------------------
// 8. Errors.

TEST_CASE("invalid inputs throw invalid_input naming the option or the field") {
  const keel::european_option o{call, 100, 0.5};
  const keel::option_market m{100, 0.03, 0.01, 0.2};
  for (const double bad : {0.0, -1.0, not_a_number, inf, -inf}) {
    INFO("bad value " << bad);
    auto mk = m;
    mk.spot = bad;
    CHECK_THROWS_AS(keel::black_scholes(o, mk), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility(o, mk, 5.0), keel::invalid_input);
    mk = m;
    mk.volatility = bad;
    CHECK_THROWS_AS(keel::black_scholes(o, mk), keel::invalid_input);
    CHECK_THROWS_AS(keel::book_greeks(std::vector<keel::option_position>{{"X", o, 1, 1, std::nullopt}}, mk),
                    keel::invalid_input);
    CHECK_THROWS_AS(keel::black76(o, {100, 0.03, bad}), keel::invalid_input);
    CHECK_THROWS_AS(keel::black76(o, {bad, 0.03, 0.2}), keel::invalid_input);
    CHECK_THROWS_AS(keel::black_scholes({call, bad, 0.5}, m), keel::invalid_input);
    CHECK_THROWS_AS(keel::black_scholes({call, 100, bad}, m), keel::invalid_input);
    CHECK_THROWS_AS(keel::black76({put, bad, 0.5}, {100, 0.03, 0.2}), keel::invalid_input);
    CHECK_THROWS_AS(keel::black76({put, 100, bad}, {100, 0.03, 0.2}), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility({call, bad, 0.5}, m, 5.0), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility({call, 100, bad}, m, 5.0), keel::invalid_input);
  }
  for (const double bad : {not_a_number, inf, -inf}) {
    auto mk = m;
    mk.rate = bad;
    CHECK_THROWS_AS(keel::black_scholes(o, mk), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility(o, mk, 5.0), keel::invalid_input);
    CHECK_THROWS_AS(keel::black76(o, {100, bad, 0.2}), keel::invalid_input);
    mk = m;
    mk.dividend_yield = bad;
    CHECK_THROWS_AS(keel::black_scholes(o, mk), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility(o, mk, 5.0), keel::invalid_input);
    CHECK_THROWS_AS(keel::implied_volatility(o, m, bad), keel::invalid_input);
  }
  CHECK_THROWS_AS(keel::black_scholes({static_cast<keel::option_type>(7), 100, 0.5}, m), keel::invalid_input);
  CHECK_THROWS_WITH(keel::black_scholes({put, -3, 0.5}, m), Contains("the put (strike -3") && Contains("strike = -3"));
  CHECK_THROWS_WITH(keel::black_scholes(o, {100, 0.03, 0.01, 0}), Contains("market.volatility = 0"));
  CHECK_THROWS_WITH(keel::black76(o, {-2, 0.03, 0.2}), Contains("market.forward = -2"));
  // implied_volatility ignores the market's volatility.
  CHECK(std::isfinite(keel::implied_volatility(o, {100, 0.03, 0.01, not_a_number}, 6.0)));

  // A rate or yield times the maturity too large for exp: e^{800} overflows, as does
  // e^{-(-800)} for the yield.
  CHECK_THROWS_AS(keel::black_scholes(o, {100, -1600, 0, 0.2}), keel::invalid_input);
  CHECK_THROWS_AS(keel::black_scholes(o, {100, 0, -1600, 0.2}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::black_scholes(o, {100, -1600, 0, 0.2}), Contains("overflows") && Contains("strike 100"));
  CHECK_THROWS_AS(keel::black76(o, {100, -1600, 0.2}), keel::invalid_input);
  CHECK_THROWS_AS(keel::implied_volatility(o, {100, -1600, 0, 0}, 5.0), keel::invalid_input);
  CHECK_THROWS_AS(keel::implied_volatility(o, {100, 0, -1600, 0}, 5.0), keel::invalid_input);
  CHECK_THROWS_AS(
      keel::book_greeks(std::vector<keel::option_position>{{"X", o, 1, 1, std::nullopt}}, {100, -1600, 0, 0.2}),
      keel::invalid_input);

  // book_greeks names the position.
  const auto book_with = [](keel::option_position p) { return std::vector<keel::option_position>{std::move(p)}; };
  CHECK_THROWS_WITH(keel::book_greeks(book_with({"SPX-C", {call, 0, 0.5}, 1, 100, std::nullopt}), m),
                    Contains("position 'SPX-C'") && Contains("strike"));
  CHECK_THROWS_WITH(keel::book_greeks(book_with({"SPX-C", o, not_a_number, 100, std::nullopt}), m),
                    Contains("position 'SPX-C'") && Contains("quantity"));
  CHECK_THROWS_WITH(keel::book_greeks(book_with({"SPX-C", o, 1, 0, std::nullopt}), m),
                    Contains("position 'SPX-C'") && Contains("multiplier"));
  CHECK_THROWS_WITH(keel::book_greeks(book_with({"SPX-C", o, 1, 100, -0.1}), m),
                    Contains("position 'SPX-C'") && Contains("volatility"));
  CHECK_THROWS_AS(keel::book_greeks(book_with({"SPX-C", o, inf, 100, std::nullopt}), m), keel::invalid_input);
  CHECK_THROWS_AS(keel::book_greeks(book_with({"SPX-C", o, 1, not_a_number, std::nullopt}), m), keel::invalid_input);
  CHECK_THROWS_AS(keel::book_greeks(book_with({"SPX-C", o, 1, 100, not_a_number}), m), keel::invalid_input);
  CHECK_THROWS_AS(keel::book_greeks({}, m, not_a_number), keel::invalid_input);
  // A book whose sum overflows double: its value, or only its vega and rho (1e307 x vega 28;
  // the value, 1e307 x price 6, is finite).
  CHECK_THROWS_AS(keel::book_greeks(book_with({"BIG", o, 1e307, 1e3, std::nullopt}), m), keel::invalid_input);
  CHECK_THROWS_AS(keel::book_greeks(book_with({"BIG", o, 1e305, 100, std::nullopt}), m), keel::invalid_input);
  CHECK_NOTHROW(keel::book_greeks(book_with({"BIG", o, 1e303, 100, std::nullopt}), m));
}
