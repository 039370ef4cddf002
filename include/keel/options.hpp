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
//   protective_put(value, beta, index_option_terms, floor)    -> option_hedge (puts for a floor)
//   zero_cost_collar(value, beta, index_option_terms, floor)  -> option_hedge (puts and calls written)
//   compare_hedges(book_returns, market_returns, instrument_returns, instruments, index, value,
//                  compare_hedges_options{})         -> hedge_comparison: target beta, minimum
//                  variance, minimum tracking error, protective put and zero-cost collar side by
//                  side, with costs, betas, volatility, Monte Carlo VaR/CVaR and limit checks
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
/// European options: black_scholes, black76, implied_volatility, book_greeks, protective_put,
/// zero_cost_collar, compare_hedges.
#pragma once

#include <keel/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/error.hpp>
#include <keel/hedge.hpp>   // hedge_instrument, hedge_order
#include <keel/limits.hpp>  // risk_limit, limit_status, limit_values
#include <keel/series.hpp>  // Series, panel

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
/// Ref: Black (1976); Haug, The Complete Guide to Option Pricing Formulas, 2nd ed., ch. 1 (options on futures).
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
  std::string symbol;        ///< name used in messages
  european_option option{};  ///< the contract
  double quantity = 0;       ///< signed contracts held (negative: written)
  double multiplier = 1;     ///< units of the option per contract (100 for US equity options), > 0
  std::optional<double> volatility = std::nullopt;  ///< this strike's volatility (a smile); nullopt: the market's
};

/// The value and Greeks of a book of options and underlying units (see book_greeks).
struct option_book {
  double value = 0;  ///< sum of quantity x multiplier x price, plus underlying_quantity x S
  double delta = 0;  ///< in units of the underlying: sum of quantity x multiplier x delta, plus underlying_quantity
  double gamma = 0;  ///< sum of quantity x multiplier x gamma
  double vega = 0;   ///< per unit of volatility
  double theta = 0;  ///< per year
  double rho = 0;    ///< per unit of rate
  double delta_hedge = 0;                   ///< units of the underlying to trade to make delta 0: -delta
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

/// The index options a book is hedged with (protective_put, zero_cost_collar, compare_hedges):
/// European options on the index at one expiry, valued by black_scholes at the market's
/// volatility (a flat smile).
struct index_option_terms {
  std::string symbol = "index";  ///< the index, named in messages and orders
  option_market market{};        ///< the index's spot, rate, dividend yield and volatility
  double maturity = 0.25;        ///< years to the options' expiry, > 0
  double multiplier = 100;       ///< index units per contract, > 0 (100 for SPX options)
  double half_spread = 0;        ///< half the bid-ask spread as a fraction of the option's price, in [0, 1)
};

/// Options of protective_put and zero_cost_collar.
struct option_hedge_options {
  bool round_to_contracts = true;  ///< whole contracts (false: beta V / (S multiplier) exactly)
};

/// One option leg of a hedge.
struct option_leg {
  european_option option{};      ///< the contract
  double quantity = 0;           ///< signed contracts (positive: bought, negative: written)
  option_valuation valuation{};  ///< price and Greeks per unit (black_scholes)
  double premium = 0;            ///< quantity x multiplier x price: paid (> 0) or received (< 0)
  double cost = 0;               ///< |quantity| x multiplier x price x half_spread
};

/// An option hedge of a book (see protective_put and zero_cost_collar).
struct option_hedge {
  std::string name;              ///< "protective put" or "zero-cost collar"
  std::vector<option_leg> legs;  ///< the put, then the call written (collar)
  double contracts = 0;          ///< contracts per leg
  double premium = 0;            ///< net premium paid, currency (negative: received)
  double cost = 0;               ///< the legs' half-spread costs, currency
  double floor = 0;              ///< the largest loss at expiry, fraction of V (see protective_put)
  std::optional<double> cap{};   ///< the largest gain at expiry, fraction of V; nullopt: uncapped
  double delta = 0;              ///< the legs' delta in index units: sum quantity x multiplier x delta
  double beta_before = 0;        ///< portfolio_beta
  double beta_after = 0;         ///< beta + delta S / V: the hedged book's beta today
};

/// A protective put for a book: contracts N = beta V / (S multiplier) of the put whose strike
/// makes the book's largest loss at expiry `floor`, in the one-factor model (the book moves
/// beta times the index; its residual risk is not floored): for S_T <= K the book plus puts is
/// worth V (1 + beta (K/S - 1)), so the loss is beta (1 - K/S) + (premium + cost) / V, which
/// falls as K rises (the put's price rises more slowly than the strike), and K is found by
/// bisection to adjacent doubles. With whole contracts the loss is evaluated for the rounded N
/// (its largest over S_T in [0, K]).
/// \pre portfolio_value > 0; portfolio_beta > 0 (a book that falls with the index); floor finite;
///      the index terms valid (invalid_input naming the field).
/// \throws infeasible when no strike reaches the floor, naming the range of floors the puts can
///         give.
/// \returns option_hedge with one leg.
/// Ref: Hull, Options, Futures, and Other Derivatives, 10th ed., 12.1 and 19.5 (portfolio
///      insurance); Haug (2007), 1.1.6.
KEEL_DECL [[nodiscard]] option_hedge protective_put(double portfolio_value, double portfolio_beta,
                                                    const index_option_terms& index, double floor,
                                                    const option_hedge_options& options = {});

/// A zero-cost collar for a book: N = beta V / (S multiplier) puts bought at the strike K_p
/// that floors the loss at expiry at `floor` (as protective_put, the premium now financed), and
/// N calls written at the strike K_c whose premium pays for the put and both legs' half
/// spreads: call(K_c) (1 - half_spread) = put(K_p) (1 + half_spread), solved by bisection (the
/// call's price falls as K_c rises). The gain at expiry is capped at beta (K_c / S - 1).
/// \pre as protective_put.
/// \throws infeasible when no put strike reaches the floor, no call pays for the put, or the
///         call that pays for it is struck at or below the put (a floor too tight for a collar).
/// \returns option_hedge with two legs (the put, then the call, negative quantity).
/// Ref: Hull, 10th ed., 12.3 (collars).
KEEL_DECL [[nodiscard]] option_hedge zero_cost_collar(double portfolio_value, double portfolio_beta,
                                                      const index_option_terms& index, double floor,
                                                      const option_hedge_options& options = {});

/// Options of compare_hedges.
struct compare_hedges_options {
  double target_beta = 0;                         ///< the target-beta strategy's target
  double floor = 0.10;                            ///< the option hedges' largest loss at expiry, fraction of V
  std::vector<double> confidence = {0.95, 0.99};  ///< VaR and CVaR levels in (0, 1), at least one
  double horizon = 1;                             ///< VaR horizon in periods (days), > 0
  std::ptrdiff_t paths = 100000;                  ///< Monte Carlo paths, >= 100
  std::uint64_t seed = 0;                         ///< the generator's key: same seed, same result
  /// Benchmark returns (the rows of book_returns) for minimum tracking error; empty: the market.
  std::vector<double> benchmark = {};
  std::vector<risk_limit> limits = {};  ///< the pre-trade check after each hedge
  /// The book's limit values now (risk_snapshot's limits.values): the check replaces beta,
  /// var_99_1d, gross_leverage and max_position_weight with the hedged book's.
  limit_values current = {};
  double periods_per_year = 252;   ///< periods per year, to age the options by horizon / periods_per_year years
  bool round_to_contracts = true;  ///< whole contracts for every hedge
};

/// One hedge strategy of compare_hedges and what it does to the book.
struct hedge_alternative {
  std::string name;    ///< "unhedged", "target beta", "minimum variance", "minimum tracking error", "protective put",
                       ///< "zero-cost collar"
  std::string reason;  ///< empty, or why the strategy has no hedge for this book (figures then 0)
  std::vector<hedge_order> orders;  ///< trades in the linear instruments (min_cost hedge, or the regression's)
  std::vector<option_leg> options;  ///< option legs on the index
  std::vector<double> quantities;   ///< signed contracts per instrument (0: none)
  double cost = 0;            ///< transaction costs: spread, commission, impact and option half spreads (currency)
  double impact = 0;          ///< the market-impact part of cost
  double premium = 0;         ///< net option premium paid (currency; negative: received)
  double beta = 0;            ///< the hedged book's beta (instruments' betas; options by delta)
  double volatility = 0;      ///< standard deviation of the hedged book's return per period, fraction of V
  double tracking_error = 0;  ///< standard deviation of hedged minus benchmark return per period
  std::vector<double> vars;   ///< VaR per confidence level over the horizon, fraction of V
  std::vector<double> cvars;  ///< CVaR per confidence level over the horizon, fraction of V
  std::vector<limit_status> limits;  ///< every limit after the hedge
  bool within_limits = true;         ///< no hard limit breached after the hedge
  std::vector<double> payoffs;       ///< the book's change at the options' expiry per payoff_moves point, fraction of V
};

/// compare_hedges' result: the unhedged book first, then each strategy.
struct hedge_comparison {
  double portfolio_value = 0;                 ///< V
  double beta = 0;                            ///< the book's beta to the market over the rows
  std::vector<double> confidences;            ///< the VaR levels
  std::vector<double> betas;                  ///< each instrument's beta to the market over the rows
  std::vector<double> payoff_moves;           ///< index moves to expiry for the payoff chart: -0.5 to 0.5 by 0.01
  std::vector<hedge_alternative> strategies;  ///< unhedged, target beta, minimum variance, minimum tracking error,
                                              ///< protective put, zero-cost collar
  std::ptrdiff_t paths = 0;                   ///< Monte Carlo paths
};

namespace detail {

/// compare_hedges on double data (the public form converts), defined in
/// detail/compare_hedges-inl.hpp.
KEEL_DECL [[nodiscard]] hedge_comparison compare_hedges_double(const Eigen::VectorXd& book,
                                                               const Eigen::VectorXd& market,
                                                               const Eigen::MatrixXd& instrument_returns,
                                                               std::span<const hedge_instrument> instruments,
                                                               const index_option_terms& index, double portfolio_value,
                                                               const compare_hedges_options& options);

}  // namespace detail

/// Hedge strategies side by side for a book of value V with returns `book_returns` (T periods),
/// the market (the index the options are on) `market_returns`, and k linear instruments with
/// returns `instrument_returns` (T x k) and terms `instruments` (price, multiplier, costs,
/// bounds; their betas are re-estimated on the rows). Strategies:
///   - target beta: hedge_to_target_beta to options.target_beta (min_cost, cost-aware);
///   - minimum variance: x = -S_II^-1 s_Ib, the regression of the book on the instruments
///     (notional fractions of V; Johnson 1960, Ederington 1979);
///   - minimum tracking error: the same regression of book minus benchmark;
///   - protective put and zero-cost collar: protective_put and zero_cost_collar at options.floor.
/// For each: the orders and their costs (cost_model: spread, commission, impact), residual beta,
/// volatility, tracking error, VaR and CVaR at each level, the pre-trade limit check, and the
/// payoff at expiry in the one-factor model. The covariance of (book, market, instruments,
/// benchmark) is the rows' sample covariance (n - 1); linear volatilities are exact from it.
/// VaR and CVaR are Monte Carlo with full revaluation: paths r = mu h + sqrt(h) L z (L the
/// covariance's symmetric square root, keel's Philox normals), the index at S (1 + r_m), the
/// options repriced by black_scholes with maturity less h / periods_per_year (payoff when it
/// expires), not a delta approximation; every strategy on the same paths; VaR and CVaR of the
/// simulated returns as historical_risk computes them. The options' volatility and tracking
/// error are the paths' standard deviations / sqrt(h).
/// \pre book_returns, market_returns the same length T >= k + 3, instrument_returns T x k,
///      instruments k; finite; portfolio_value > 0; the index terms and options valid
///      (invalid_input naming the field). A strategy that has no answer for this book (a target
///      the bounds cannot reach, a floor no put gives, a singular regression) keeps its
///      reason and zero figures, rather than failing the comparison.
/// \returns hedge_comparison: the unhedged book, then the five strategies, in that order.
/// Ref: Johnson (1960); L. H. Ederington, "The hedging performance of the new futures markets",
///      J. Finance 34 (1979) (minimum-variance hedge ratios); Hull, 10th ed., 12 and 19;
///      Jorion, Value at Risk, 3rd ed. (2007), 12 (full-revaluation Monte Carlo).
template <class S1, class S2, class D>
  requires Series<S1> && Series<S2> && detail::panel<D>
[[nodiscard]] hedge_comparison compare_hedges(const S1& book_returns, const S2& market_returns,
                                              const Eigen::MatrixBase<D>& instrument_returns,
                                              std::span<const hedge_instrument> instruments,
                                              const index_option_terms& index, double portfolio_value,
                                              const compare_hedges_options& options = {}) {
  const auto to_vector = [](const auto& r) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(std::ranges::size(r)));
    Eigen::Index i = 0;
    for (const auto x : r) v(i++) = static_cast<double>(x);
    return v;
  };
  return detail::compare_hedges_double(to_vector(book_returns), to_vector(market_returns),
                                       instrument_returns.template cast<double>(), instruments, index, portfolio_value,
                                       options);
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/compare_hedges-inl.hpp>
#include <keel/detail/options-inl.hpp>
#endif
