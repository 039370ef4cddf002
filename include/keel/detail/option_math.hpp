// SPDX-License-Identifier: MIT
// keel/detail/option_math.hpp: the Black-Scholes-Merton kernel, the implied-volatility solver
// and the option-hedge steps behind options.hpp, shared by its definitions
// (detail/options-inl.hpp) and compare_hedges (detail/compare_hedges-inl.hpp). Inline
// functions, not the KEEL_DEF split: src/options.cpp and src/compare_hedges.cpp both use them.
// IWYU pragma: private, include <keel/options.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/options.hpp>

namespace keel {

namespace detail::opt {

inline constexpr double inv_sqrt2 = 0.707106781186547524400844362104849039;
inline constexpr double inv_sqrt_2pi = 0.398942280401432677939946059934381868;
inline constexpr double sqrt_2pi = 2.50662827463100050241576528481104525;

/// N(x) through erfc, so that both tails keep their relative accuracy.
[[nodiscard]] inline double norm_cdf(double x) noexcept { return 0.5 * std::erfc(-x * inv_sqrt2); }

/// ln(p / q) for p, q > 0 and finite: from the quotient, or from the two logarithms when the
/// quotient overflows or underflows (a spot of 1e170 and a strike of 1e-284 are both valid).
[[nodiscard]] inline double log_ratio(double p, double q) noexcept {
  const double ratio = p / q;
  return std::isnormal(ratio) ? std::log(ratio) : std::log(p) - std::log(q);
}

/// "the put (strike 95, maturity 0.25)", or with a name: "options[3] (put, strike 95, ...)".
[[nodiscard]] inline std::string option_text(const european_option& o, std::string_view name = {}) {
  const std::string kind = o.type == option_type::call ? "call" : "put";
  const std::string terms = "strike " + number_text(o.strike) + ", maturity " + number_text(o.maturity);
  if (name.empty()) return "the " + kind + " (" + terms + ")";
  return std::string(name) + " (" + kind + ", " + terms + ")";
}

/// Whether a contract passes check_option (so a chain builds no message for a valid option).
[[nodiscard]] inline bool option_ok(const european_option& o) noexcept {
  return (o.type == option_type::call || o.type == option_type::put) && o.strike > 0 && std::isfinite(o.strike) &&
         o.maturity > 0 && std::isfinite(o.maturity);
}

/// The contract's own checks: a strike and a maturity that are positive and finite.
inline void check_option(std::string_view fn, const european_option& o, std::string_view name = {}) {
  if (o.type != option_type::call && o.type != option_type::put)
    throw invalid_input(message(fn, option_text(o, name) + ": type is neither call nor put"));
  if (!(o.strike > 0) || !std::isfinite(o.strike))
    throw invalid_input(
        message(fn, option_text(o, name) + ": strike = " + number_text(o.strike) + " must be > 0 and finite"));
  if (!(o.maturity > 0) || !std::isfinite(o.maturity))
    throw invalid_input(message(fn, option_text(o, name) + ": maturity = " + number_text(o.maturity) +
                                        " must be > 0 and finite (years; a maturity of 0 has no Greeks)"));
}

inline void require_positive_field(std::string_view fn, std::string_view field, double value, std::string_view why) {
  if (!(value > 0) || !std::isfinite(value))
    throw invalid_input(
        message(fn, std::string(field) + " = " + number_text(value) + " must be > 0 and finite" + std::string(why)));
}

inline void require_finite_field(std::string_view fn, std::string_view field, double value) {
  if (!std::isfinite(value))
    throw invalid_input(message(fn, std::string(field) + " = " + number_text(value) + " must be finite"));
}

/// The market's checks; `need_volatility` is false for implied_volatility, which ignores it.
inline void check_market(std::string_view fn, const option_market& m, bool need_volatility) {
  require_positive_field(fn, "market.spot", m.spot, "");
  require_finite_field(fn, "market.rate", m.rate);
  require_finite_field(fn, "market.dividend_yield", m.dividend_yield);
  if (need_volatility)
    require_positive_field(fn, "market.volatility", m.volatility,
                           " (a zero volatility has no Greeks: the option is worth its discounted intrinsic value)");
}

/// The discount factors of one maturity, shared by a chain's options of that maturity.
struct discounting {
  double maturity = -1;
  double df_rate = 1;   // e^{-rT}
  double df_yield = 1;  // e^{-qT}
  double sqrt_maturity = 1;
  void set(double t, double r, double q) {
    if (t == maturity) return;
    maturity = t;
    df_rate = std::exp(-r * t);
    df_yield = std::exp(-q * t);
    sqrt_maturity = std::sqrt(t);
  }
};

/// BSM price and Greeks from the shared discounting: a = S e^{-qT}, b = K e^{-rT}, and
/// d1 = (ln(S/K) + (r - q) T) / v + v / 2 with v = sigma sqrt T (Haug 1.1.6).
[[nodiscard]] inline option_valuation bsm(bool call, double spot, double strike, double rate, double yield,
                                          double sigma, const discounting& d) noexcept {
  const double t = d.maturity;
  const double v = sigma * d.sqrt_maturity;
  const double d1 = (log_ratio(spot, strike) + (rate - yield) * t) / v + 0.5 * v;
  const double d2 = d1 - v;
  const double a = spot * d.df_yield;
  const double b = strike * d.df_rate;
  const double pdf = inv_sqrt_2pi * std::exp(-0.5 * d1 * d1);
  // N(d) for a call and N(-d) for a put: the one that is not 1 - tiny.
  const double sign = call ? 1.0 : -1.0;
  const double n1 = norm_cdf(sign * d1);
  const double n2 = norm_cdf(sign * d2);
  option_valuation out;
  // Both terms of a far out-of-the-money price can round to a difference just below 0.
  out.price = std::max(sign * (a * n1 - b * n2), 0.0);
  out.delta = sign * d.df_yield * n1;
  out.gamma = d.df_yield * pdf / (spot * v);
  out.vega = a * pdf * d.sqrt_maturity;
  out.theta = -a * pdf * sigma / (2 * d.sqrt_maturity) + sign * (yield * a * n1 - rate * b * n2);
  out.rho = sign * t * b * n2;
  out.dividend_rho = -sign * t * a * n1;
  out.theta_per_day = out.theta / 365;
  return out;
}

/// Whether every field came out finite.
[[nodiscard]] inline bool finite_valuation(const option_valuation& v) noexcept {
  return std::isfinite(v.price) && std::isfinite(v.delta) && std::isfinite(v.gamma) && std::isfinite(v.vega) &&
         std::isfinite(v.theta) && std::isfinite(v.rho) && std::isfinite(v.dividend_rho);
}

/// invalid_input for a valuation that overflowed (exp of a huge rate x maturity).
[[noreturn]] inline void throw_overflowed(std::string_view fn, const option_valuation& v, const std::string& what) {
  throw invalid_input(message(fn, what + ": the price or a Greek overflows double (price " + number_text(v.price) +
                                      "): the rate or yield times the maturity is too large"));
}

/// Jaeckel's normalised out-of-the-money call b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2),
/// x <= 0, and its derivative db/ds = exp(-x^2 / (2 s^2) - s^2 / 8) / sqrt(2 pi).
/// At the money (x = 0) it is erf(s / (2 sqrt 2)), taken directly: the difference of the two
/// N(+-s/2), each near 1/2, keeps no relative digits once s is below ~1e-8.
[[nodiscard]] inline double normalised_call(double x, double s, double ex2, double emx2) noexcept {
  if (x == 0) return std::erf(0.5 * s * inv_sqrt2);
  return ex2 * norm_cdf(x / s + 0.5 * s) - emx2 * norm_cdf(x / s - 0.5 * s);
}
[[nodiscard]] inline double normalised_vega(double x, double s) noexcept {
  // (x / s)^2, not x^2 / s^2: s^2 underflows to 0 (0 / 0 at the money) for s < 1e-154.
  const double z = x / s;
  return inv_sqrt_2pi * std::exp(-0.5 * z * z - 0.125 * s * s);
}

/// s with b(x, s) = beta, x <= 0, 0 < beta < e^{x/2}: Newton inside a shrinking bracket, on
/// ln b below the inflection point s_c = sqrt(-2x) and on b above it (see options.hpp).
[[nodiscard]] inline double solve_normalised(double x, double beta) noexcept {
  const double ex2 = std::exp(0.5 * x);
  const double emx2 = std::exp(-0.5 * x);
  const double sc = std::sqrt(-2 * x);
  const bool lower = sc > 0 && beta < normalised_call(x, sc, ex2, emx2);
  double lo = 0;
  double hi = lower ? sc : std::numeric_limits<double>::infinity();
  double s;
  if (lower) {
    // b ~ exp(-x^2 / (2 s^2)) for small s: the asymptote, kept inside the bracket.
    s = std::min(-x / std::sqrt(-2 * std::log(beta)), sc);
  } else {
    // b(x, s) <= b(0, s) <= s / sqrt(2 pi), so this start is at or below the root, where
    // Newton on the concave b climbs monotonically.
    s = std::max(sc, sqrt_2pi * beta);
    lo = sc;
  }
  const double log_beta = std::log(beta);
  constexpr double ulp4 = 4 * std::numeric_limits<double>::epsilon();
  for (int iteration = 0; iteration < 200; ++iteration) {
    const double b = normalised_call(x, s, ex2, emx2);
    if (b == beta) return s;
    if (b < beta)
      lo = std::max(lo, s);
    else
      hi = std::min(hi, s);
    const double vega = normalised_vega(x, s);
    double step;
    if (lower)
      step = b > 0 ? -(std::log(b) - log_beta) * b / vega : std::numeric_limits<double>::infinity();
    else
      step = -(b - beta) / vega;
    double next = s + step;
    if (!(next > lo && next < hi)) {  // outside the bracket, or NaN from a vanished vega
      next = std::isfinite(hi) ? 0.5 * (lo + hi) : 2 * std::max(s, lo);
      if (lo == 0 && b > beta) next = 0.5 * s;
    }
    if (std::abs(next - s) <= ulp4 * s) return next;
    if (std::isfinite(hi) && hi - lo <= ulp4 * hi) return 0.5 * (lo + hi);
    s = next;
  }
  return s;
}

/// The implied volatility of one option (checked inputs), naming it as `what()` in errors:
/// the name is built only when one is thrown, so a chain allocates nothing per option.
template <class Name>
[[nodiscard]] double implied_one(std::string_view fn, const european_option& o, const option_market& m, double price,
                                 const Name& what) {
  const double t = o.maturity;
  const double df_r = std::exp(-m.rate * t);
  const double df_q = std::exp(-m.dividend_yield * t);
  const double a = m.spot * df_q;
  const double b = o.strike * df_r;
  if (!std::isfinite(a) || !std::isfinite(b) || !(a > 0) || !(b > 0))
    throw invalid_input(
        message(fn, what() + ": the discounted spot " + number_text(a) + " or strike " + number_text(b) +
                        " is out of double's range: the rate or yield times the maturity is too large"));
  const bool call = o.type == option_type::call;
  const double lower = call ? std::max(a - b, 0.0) : std::max(b - a, 0.0);
  const double upper = call ? a : b;
  if (!(price > lower && price < upper)) {
    const std::string why = price <= lower
                                ? (lower > 0 ? " is at or below its discounted intrinsic value" : " is not positive")
                                : " is at or above the no-arbitrage upper bound";
    throw infeasible(message(fn, what() + ": no volatility reproduces the price: price = " + number_text(price) + why +
                                     " (prices with a volatility lie in (" + number_text(lower) + ", " +
                                     number_text(upper) + "))"));
  }
  // Normalise by sqrt(F K) e^{-rT} = sqrt(a b), and take the out-of-the-money side.
  const double x = log_ratio(a, b);
  const double root = std::sqrt(a) * std::sqrt(b);
  double otm = price;
  if (call && x > 0) otm = price - (a - b);   // the put of the same strike
  if (!call && x < 0) otm = price - (b - a);  // the call of the same strike
  const double beta = otm / root;
  const double xn = -std::abs(x);
  if (!(beta > 0) || !(beta < std::exp(0.5 * xn)))
    throw infeasible(message(fn, what() + ": no volatility reproduces the price: price = " + number_text(price) +
                                     " has no time value over its intrinsic value " + number_text(lower) +
                                     " in double precision"));
  const double sigma = solve_normalised(xn, beta) / std::sqrt(t);
  // sigma sqrt T was found; sigma itself can be below double's range (a price of 1e-275 at the
  // money with T = 1e180).
  if (!(sigma > 0) || !std::isfinite(sigma))
    throw infeasible(
        message(fn, what() + ": the volatility that reproduces the price " + number_text(price) +
                        " is out of double's range (sigma sqrt T = " + number_text(solve_normalised(xn, beta)) + ")"));
  return sigma;
}

/// The index terms' checks.
inline void check_index(std::string_view fn, const index_option_terms& t) {
  check_market(fn, t.market, true);
  require_positive_field(fn, "index.maturity", t.maturity, " (years)");
  require_positive_field(fn, "index.multiplier", t.multiplier, "");
  if (!(t.half_spread >= 0 && t.half_spread < 1))
    throw invalid_input(message(fn, "index.half_spread = " + number_text(t.half_spread) + " must be in [0, 1)"));
  // The strike searches run over multiples of the forward and discount by e^{-rT}, e^{-qT}:
  // each must be an ordinary positive double.
  const double growth = std::exp((t.market.rate - t.market.dividend_yield) * t.maturity);
  const double forward = t.market.spot * growth;
  const double df_r = std::exp(-t.market.rate * t.maturity), df_q = std::exp(-t.market.dividend_yield * t.maturity);
  if (!std::isnormal(forward) || !std::isnormal(df_r) || !std::isnormal(df_q) || !std::isnormal(1e-6 * forward) ||
      !std::isfinite(1e3 * forward))
    throw invalid_input(message(fn, "the " + t.symbol + " forward " + number_text(forward) + " or discount factors " +
                                        number_text(df_r) + ", " + number_text(df_q) +
                                        " are out of double's range: the rate or yield times the maturity is too "
                                        "large for the spot"));
}

/// The sizing of an option hedge: value, beta and contracts N = beta V / (S multiplier).
struct hedge_sizing {
  double value = 0, beta = 0, contracts = 0;
};

[[nodiscard]] inline hedge_sizing size_option_hedge(std::string_view fn, double value, double beta,
                                                    const index_option_terms& t, double floor, bool whole) {
  require_positive_field(fn, "portfolio_value", value, "");
  require_positive_field(fn, "portfolio_beta", beta,
                         " (a protective put or collar hedges a book that falls with the index)");
  require_finite_field(fn, "floor", floor);
  check_index(fn, t);
  double n = beta * value / (t.market.spot * t.multiplier);
  if (!std::isfinite(n)) throw_overflow(fn, "the number of contracts beta V / (S multiplier)");
  if (whole) n = std::round(n);
  if (!(n > 0))
    throw infeasible(message(fn, "the book's index exposure beta V = " + number_text(beta * value) +
                                     " is less than half of one contract's S x multiplier = " +
                                     number_text(t.market.spot * t.multiplier) + ": no whole contract hedges it"));
  return {value, beta, n};
}

/// The price per unit of a put or call on the index at strike k.
[[nodiscard]] inline option_valuation index_option(const index_option_terms& t, option_type type, double k) {
  discounting d;
  d.set(t.maturity, t.market.rate, t.market.dividend_yield);
  return bsm(type == option_type::call, t.market.spot, k, t.market.rate, t.market.dividend_yield, t.market.volatility,
             d);
}

/// The book plus legs at expiry, as a fraction of V, for an index level s_t (one-factor model):
/// beta (s_t / S - 1) + sum_legs q m payoff(s_t) / V - (premium + cost) / V.
[[nodiscard]] inline double hedged_change(const hedge_sizing& z, const index_option_terms& t,
                                          const std::vector<option_leg>& legs, double premium, double cost,
                                          double s_t) {
  double payoff = 0;
  for (const auto& l : legs) {
    const double k = l.option.strike;
    payoff += l.quantity * t.multiplier *
              (l.option.type == option_type::call ? std::max(s_t - k, 0.0) : std::max(k - s_t, 0.0));
  }
  return z.beta * (s_t / t.market.spot - 1) + (payoff - premium - cost) / z.value;
}

/// Fills the legs' premiums and costs, the totals, floor, cap, delta and beta.
inline void finish_option_hedge(const hedge_sizing& z, const index_option_terms& t, option_hedge& h) {
  h.contracts = z.contracts;
  h.premium = h.cost = h.delta = 0;
  for (auto& l : h.legs) {
    l.premium = l.quantity * t.multiplier * l.valuation.price;
    l.cost = std::abs(l.quantity) * t.multiplier * l.valuation.price * t.half_spread;
    h.premium += l.premium;
    h.cost += l.cost;
    h.delta += l.quantity * t.multiplier * l.valuation.delta;
  }
  // The loss is piecewise linear in S_T: its largest over [0, K_put] is at a kink or an end.
  const double k_put = h.legs.front().option.strike;
  double worst = -hedged_change(z, t, h.legs, h.premium, h.cost, 0.0);
  for (const auto& l : h.legs)
    if (l.option.strike <= k_put)
      worst = std::max(worst, -hedged_change(z, t, h.legs, h.premium, h.cost, l.option.strike));
  h.floor = worst;
  h.cap.reset();
  if (h.legs.size() > 1) h.cap = hedged_change(z, t, h.legs, h.premium, h.cost, h.legs.back().option.strike);
  h.beta_before = z.beta;
  h.beta_after = z.beta + h.delta * t.market.spot / z.value;
}

/// The strike in [lo, hi] at which floor_at (falling in the strike) meets `floor`, by
/// bisection to adjacent doubles; infeasible naming the floors the range gives.
template <class F>
[[nodiscard]] double strike_for_floor(std::string_view fn, const index_option_terms& t, double floor, F floor_at) {
  const double forward = t.market.spot * std::exp((t.market.rate - t.market.dividend_yield) * t.maturity);
  double lo = 1e-4 * forward, hi = 2 * forward;
  const double f_lo = floor_at(lo), f_hi = floor_at(hi);
  if (!(floor <= f_lo && floor >= f_hi))
    throw infeasible(message(fn, "floor = " + number_text(floor) + " is outside the floors the " + t.symbol +
                                     " puts can give, [" + number_text(f_hi) + ", " + number_text(f_lo) +
                                     "] (strikes from 0.0001 to 2 times the forward " + number_text(forward) + ")"));
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    (floor_at(mid) > floor ? lo : hi) = mid;
  }
  return hi;  // the floor at hi is at most the one asked for
}

/// The call strike whose premium net of its half spread pays for `needed`, by bisection.
[[nodiscard]] inline double financing_call(std::string_view fn, const index_option_terms& t, double needed) {
  const double forward = t.market.spot * std::exp((t.market.rate - t.market.dividend_yield) * t.maturity);
  const double keep = 1 - t.half_spread;
  double lo = 1e-6 * forward, hi = 1e3 * forward;
  if (!(index_option(t, option_type::call, lo).price * keep >= needed))
    throw infeasible(message(fn, "no " + t.symbol + " call pays for the put: it costs " + number_text(needed) +
                                     " per unit with spreads, more than the deepest call fetches"));
  // A volatile, long-dated call keeps value far out of the money: widen until it is too cheap.
  while (index_option(t, option_type::call, hi).price * keep >= needed) {
    if (!(hi < 1e300 / 1e3))
      throw infeasible(message(fn, "no " + t.symbol +
                                       " call is cheap enough to leave the collar at zero cost: "
                                       "even a strike of " +
                                       number_text(hi) + " fetches more than the put costs"));
    lo = hi;
    hi *= 1e3;
  }
  for (int it = 0; it < 2200; ++it) {
    const double mid = lo + 0.5 * (hi - lo);
    if (mid <= lo || mid >= hi) break;
    (index_option(t, option_type::call, mid).price * keep >= needed ? lo : hi) = mid;
  }
  return lo;  // the call at lo fetches at least what is needed
}

/// The protective put of a sizing at strike k.
[[nodiscard]] inline option_hedge put_hedge(const hedge_sizing& z, const index_option_terms& t, double k) {
  option_hedge h;
  h.name = "protective put";
  option_leg put;
  put.option = {option_type::put, k, t.maturity};
  put.quantity = z.contracts;
  put.valuation = index_option(t, option_type::put, k);
  h.legs.push_back(put);
  finish_option_hedge(z, t, h);
  return h;
}

/// The zero-cost collar of a sizing with the put at k (the call strike financing it).
[[nodiscard]] inline option_hedge collar_hedge(std::string_view fn, const hedge_sizing& z, const index_option_terms& t,
                                               double k) {
  option_hedge h;
  h.name = "zero-cost collar";
  option_leg put;
  put.option = {option_type::put, k, t.maturity};
  put.quantity = z.contracts;
  put.valuation = index_option(t, option_type::put, k);
  const double kc = financing_call(fn, t, put.valuation.price * (1 + t.half_spread));
  option_leg call;
  call.option = {option_type::call, kc, t.maturity};
  call.quantity = -z.contracts;
  call.valuation = index_option(t, option_type::call, kc);
  h.legs = {put, call};
  finish_option_hedge(z, t, h);
  return h;
}

}  // namespace detail::opt

}  // namespace keel
