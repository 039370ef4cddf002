// SPDX-License-Identifier: MIT
// keel/options.hpp: European option prices and Greeks (Black-Scholes-Merton and Black-76),
// implied volatility, and the Greeks of a book of options.
//
// Synopsis
//   black_scholes(european_option{.type, .strike, .maturity},
//                 option_market{.spot, .rate, .dividend_yield, .volatility})
//       -> option_valuation{price, delta, gamma, vega, theta, rho, dividend_rho, theta_per_day}
//   black_scholes(options, market, out)          a chain on one underlying, into out (reused)
//   black76(option, black76_market{.forward, .rate, .volatility}) -> option_valuation
//   implied_volatility(option, market, price)    the volatility that reproduces a BSM price
//   implied_volatility(options, market, prices, out)   a chain of them
//   book_greeks(book, market, underlying_quantity)      -> option_book{value, delta, gamma, vega,
//                                                  theta, rho, delta_hedge, positions}
//
// Model (Merton 1973; Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., 1.1.6)
//   S spot, K strike, T years, r the continuously compounded risk-free rate, q the continuous
//   dividend yield, sigma the volatility of log returns per sqrt(year):
//     d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T),  d2 = d1 - sigma sqrt T
//     call = S e^{-qT} N(d1) - K e^{-rT} N(d2),  put = K e^{-rT} N(-d2) - S e^{-qT} N(-d1).
//   Black-76 (Black 1976) is the same with S e^{-qT} replaced by F e^{-rT}, F the futures price.
//
// Conventions (the units of each Greek, per unit of the option, not per contract)
//   - delta = dV/dS (Black-76: dV/dF), gamma = d2V/dS2.
//   - vega = dV/dsigma per unit of volatility (1.00 = 100 points): divide by 100 for the change
//     per volatility point, as Haug and QuantLib's vega also are per unit.
//   - theta = dV/dt = -dV/dT per year (the value's change as time passes, usually negative);
//     theta_per_day = theta / 365, calendar days as QuantLib's thetaPerDay.
//   - rho = dV/dr per unit of rate; dividend_rho = dV/dq per unit of yield (Haug's Phi).
//     Black-76's rho is -T V: the rate only discounts (the futures price is held fixed).
//   - Rates and yields may be negative; spot, strike, maturity and volatility must be > 0 (a
//     zero volatility or maturity has no Greeks: pass the intrinsic value yourself).
//   - N is the standard normal CDF, computed as erfc(-x / sqrt 2) / 2 so both tails keep their
//     relative accuracy (a deep out-of-the-money price is not 1 - (1 - tiny)).
//
// Implied volatility
//   The price is reduced to Jaeckel's normalised out-of-the-money call b(x, s) (x = ln(F/K),
//   s = sigma sqrt T, F = S e^{(r-q)T}), by put-call parity when the option is in the money,
//   and b(x, s) = beta is solved for s by Newton's method kept inside a shrinking bracket, on
//   ln b below the inflection point s_c = sqrt(2|x|) (where ln b is concave) and on b above it
//   (where b is concave), from s_c or from the asymptote s = |x| / sqrt(-2 ln beta): so each
//   step moves monotonically toward the root after at most one overshoot, and a bisection
//   takes over should rounding stall it. It stops when the step is below 4 ulp of s.
//   A price outside the no-arbitrage range (discounted intrinsic value, upper bound) has no
//   volatility and is `infeasible`, naming the range; a price equal to its intrinsic value has
//   volatility 0 and is reported the same way. In the money, the time value is price -
//   intrinsic: when it is a few ulp of the price, the volatility has few correct digits, as
//   for any solver.
//
// References
//   R. C. Merton, "Theory of rational option pricing", Bell J. Econ. 4 (1973) 141-183; F. Black,
//   "The pricing of commodity contracts", J. Financ. Econ. 3 (1976) 167-179; E. G. Haug, "The
//   Complete Guide to Option Pricing Formulas", 2nd ed. (2007), ch. 1 and 2; P. Jaeckel, "Let's
//   be rational", Wilmott (2015) 40-53 (the normalised price and the two-branch Newton).
/// \file
/// European options: black_scholes, black76, implied_volatility, book_greeks.
#pragma once

#include <keel/detail/config.hpp>

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <keel/error.hpp>

namespace keel {

/// Call or put.
enum class option_type {
  call,  ///< the right to buy at the strike
  put    ///< the right to sell at the strike
};

/// A European option: its type, strike and years to expiry.
struct european_option {
  option_type type = option_type::call;  ///< call or put
  double strike = 0;                     ///< K, > 0, in the underlying's price units
  double maturity = 0;                   ///< T, years to expiry, > 0
};

/// The market an option is valued in (Black-Scholes-Merton).
struct option_market {
  double spot = 0;            ///< S, > 0
  double rate = 0;            ///< r, continuously compounded per year (may be negative)
  double dividend_yield = 0;  ///< q, continuous per year (an index's yield; a currency's foreign rate)
  double volatility = 0;      ///< sigma, of log returns per sqrt(year), > 0
};

/// The market of an option on a futures or forward price (Black-76).
struct black76_market {
  double forward = 0;     ///< F, the futures price, > 0
  double rate = 0;        ///< r, the discount rate, continuously compounded per year
  double volatility = 0;  ///< sigma, of the futures price's log returns per sqrt(year), > 0
};

/// An option's price and Greeks, per unit of the option (see the header's units).
struct option_valuation {
  double price = 0;          ///< V
  double delta = 0;          ///< dV/dS (Black-76: dV/dF)
  double gamma = 0;          ///< d2V/dS2 (Black-76: d2V/dF2)
  double vega = 0;           ///< dV/dsigma per unit of volatility (/100 per point)
  double theta = 0;          ///< dV/dt = -dV/dT per year
  double rho = 0;            ///< dV/dr per unit of rate
  double dividend_rho = 0;   ///< dV/dq per unit of yield (0 for Black-76)
  double theta_per_day = 0;  ///< theta / 365
};

/// Black-Scholes-Merton price and Greeks of a European option with a continuous dividend yield:
/// call = S e^{-qT} N(d1) - K e^{-rT} N(d2), put = K e^{-rT} N(-d2) - S e^{-qT} N(-d1),
/// d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T), d2 = d1 - sigma sqrt T.
/// Greeks as the header's conventions: vega per unit of volatility, theta per year (and per
/// calendar day), rho per unit of rate.
/// \pre spot, strike, maturity and volatility > 0 and finite; rate and dividend_yield finite
///      (invalid_input naming the option and the value).
/// \throws invalid_input when a result overflows double (a rate or yield times maturity too
///         large for exp).
/// \returns option_valuation: price, delta, gamma, vega, theta, rho, dividend_rho, theta_per_day.
/// Ref: Merton (1973); Haug, The Complete Guide to Option Pricing Formulas, 2nd ed., 1.1.6 and 2.1.
KEEL_DECL [[nodiscard]] option_valuation black_scholes(const european_option& option, const option_market& market);

/// black_scholes for a chain of options on one underlying, into out (resized; reused: a warm
/// call allocates nothing). The discount factors are shared; each option costs two erfc, one
/// exp and one log.
/// \pre as the single form, for each option (the message names options[i]).
KEEL_DECL void black_scholes(std::span<const european_option> options, const option_market& market,
                             std::vector<option_valuation>& out);

/// Black-76 price and Greeks of a European option on a futures price F:
/// call = e^{-rT} (F N(d1) - K N(d2)), put = e^{-rT} (K N(-d2) - F N(-d1)),
/// d1 = (ln(F/K) + sigma^2 T / 2) / (sigma sqrt T), d2 = d1 - sigma sqrt T. delta and gamma are
/// with respect to F; rho = -T V (F held fixed); dividend_rho = 0.
/// \pre forward, strike, maturity and volatility > 0 and finite; rate finite (invalid_input).
/// \returns option_valuation.
/// Ref: Black (1976); Haug, The Complete Guide to Option Pricing Formulas, 2nd ed., 1.1.2.
KEEL_DECL [[nodiscard]] option_valuation black76(const european_option& option, const black76_market& market);

/// The Black-Scholes-Merton volatility that reproduces `price` (market.volatility is ignored):
/// the root of black_scholes(option, market with sigma).price = price, solved on Jaeckel's
/// normalised out-of-the-money price by the bracketed two-branch Newton of the header.
/// \pre spot, strike, maturity > 0 and finite; rate, dividend_yield and price finite
///      (invalid_input naming the option).
/// \throws infeasible when no volatility reproduces the price: at or below the discounted
///         intrinsic value max(S e^{-qT} - K e^{-rT}, 0) (call) or max(K e^{-rT} - S e^{-qT}, 0)
///         (put), or at or above the upper bound S e^{-qT} (call) or K e^{-rT} (put); the
///         message names the option, the price and the range; also when the volatility that
///         reproduces it is below double's range (sigma sqrt T found, T too large).
/// \returns sigma per sqrt(year), accurate to a few ulp where the price determines it.
/// Ref: Jaeckel, "Let's be rational", Wilmott (2015); Haug (2007), 12.1 (put-call parity).
KEEL_DECL [[nodiscard]] double implied_volatility(const european_option& option, const option_market& market,
                                                  double price);

/// implied_volatility for a chain of options on one underlying, prices[i] the price of
/// options[i], into out (resized; reused).
/// \pre options and prices the same size (invalid_input); each as the single form.
/// \throws infeasible for the first price without a volatility, naming options[i].
KEEL_DECL void implied_volatility(std::span<const european_option> options, const option_market& market,
                                  std::span<const double> prices, std::vector<double>& out);

/// One position of an option book: a quantity of options on the book's underlying.
struct option_position {
  std::string symbol;                        ///< name used in messages
  european_option option{};                  ///< the contract
  double quantity = 0;                       ///< signed contracts held (negative: written)
  double multiplier = 1;                     ///< units of the option per contract (100 for US equity options), > 0
  std::optional<double> volatility = std::nullopt;  ///< this strike's volatility (a smile); nullopt: the market's
};

/// The value and Greeks of a book of options and underlying units (see book_greeks).
struct option_book {
  double value = 0;        ///< sum of quantity x multiplier x price, plus underlying_quantity x S
  double delta = 0;        ///< in units of the underlying: sum of quantity x multiplier x delta, plus underlying_quantity
  double gamma = 0;        ///< sum of quantity x multiplier x gamma
  double vega = 0;         ///< per unit of volatility
  double theta = 0;        ///< per year
  double rho = 0;          ///< per unit of rate
  double delta_hedge = 0;  ///< units of the underlying to trade to make delta 0: -delta
  std::vector<option_valuation> positions;  ///< per position, per unit of the option, in the book's order
};

/// The value and Greeks of a book of European options on one underlying plus
/// underlying_quantity units of the underlying: each Greek is sum_i quantity_i multiplier_i
/// Greek_i (the underlying adds its value and a delta of 1 per unit), and delta_hedge = -delta
/// is the trade in the underlying that makes the book delta-neutral (Hull, 10th ed., 19.4).
/// Each position is valued by black_scholes at its own volatility when it has one.
/// \pre market and every position as black_scholes; quantities finite; multipliers > 0
///      (invalid_input naming the position's symbol).
/// \returns option_book: value, delta, gamma, vega, theta, rho, delta_hedge, positions.
/// Ref: Hull, Options, Futures, and Other Derivatives, 10th ed., ch. 19.
KEEL_DECL [[nodiscard]] option_book book_greeks(std::span<const option_position> book, const option_market& market,
                                                double underlying_quantity = 0);

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/options-inl.hpp>
#endif
