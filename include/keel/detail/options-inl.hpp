// SPDX-License-Identifier: MIT
// keel/detail/options-inl.hpp: the definitions of keel/options.hpp (black_scholes, black76,
// implied_volatility, book_greeks). Included by options.hpp in header-only mode and by
// src/options.cpp in the compiled library.
// IWYU pragma: private, include <keel/options.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/option_math.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

#include <keel/options.hpp>

namespace keel {

KEEL_DEF option_hedge protective_put(double portfolio_value, double portfolio_beta, const index_option_terms& index,
                                     double floor, const option_hedge_options& options) {
  constexpr std::string_view fn = "protective_put";
  const auto z =
      detail::opt::size_option_hedge(fn, portfolio_value, portfolio_beta, index, floor, options.round_to_contracts);
  const double k = detail::opt::strike_for_floor(
      fn, index, floor, [&](double strike) { return detail::opt::put_hedge(z, index, strike).floor; });
  return detail::opt::put_hedge(z, index, k);
}

KEEL_DEF option_hedge zero_cost_collar(double portfolio_value, double portfolio_beta, const index_option_terms& index,
                                       double floor, const option_hedge_options& options) {
  constexpr std::string_view fn = "zero_cost_collar";
  const auto z =
      detail::opt::size_option_hedge(fn, portfolio_value, portfolio_beta, index, floor, options.round_to_contracts);
  // The collar's floor is the put's without the premium (the call pays it): beta (1 - K/S) at
  // the kink, which falls as K rises; the financing call's strike follows each K.
  const auto floor_at = [&](double strike) {
    option_hedge h;
    h.legs.push_back({{option_type::put, strike, index.maturity},
                      z.contracts,
                      detail::opt::index_option(index, option_type::put, strike),
                      0,
                      0});
    // premium and cost cancel in a zero-cost collar: the floor needs only the put leg's payoff.
    const double at_k = -detail::opt::hedged_change(z, index, h.legs, 0, 0, strike);
    const double at_0 = -detail::opt::hedged_change(z, index, h.legs, 0, 0, 0.0);
    return std::max(at_k, at_0);
  };
  const double k = detail::opt::strike_for_floor(fn, index, floor, floor_at);
  auto h = detail::opt::collar_hedge(fn, z, index, k);
  // A put struck at or above the call that pays for it is no collar (the floor would not hold).
  if (!(h.legs[1].option.strike > k))
    throw infeasible(detail::message(fn, "floor = " + detail::number_text(floor) + " needs the put struck at " +
                                             detail::number_text(k) + ", at or above the call that pays for it (" +
                                             detail::number_text(h.legs[1].option.strike) +
                                             "): no zero-cost collar gives a floor this tight"));
  return h;
}

KEEL_DEF option_valuation black_scholes(const european_option& option, const option_market& market) {
  constexpr std::string_view fn = "black_scholes";
  detail::opt::check_option(fn, option);
  detail::opt::check_market(fn, market, true);
  detail::opt::discounting d;
  d.set(option.maturity, market.rate, market.dividend_yield);
  const auto out = detail::opt::bsm(option.type == option_type::call, market.spot, option.strike, market.rate,
                                    market.dividend_yield, market.volatility, d);
  if (!detail::opt::finite_valuation(out)) detail::opt::throw_overflowed(fn, out, detail::opt::option_text(option));
  return out;
}

KEEL_DEF void black_scholes(std::span<const european_option> options, const option_market& market,
                            std::vector<option_valuation>& out) {
  constexpr std::string_view fn = "black_scholes";
  detail::opt::check_market(fn, market, true);
  for (std::size_t i = 0; i < options.size(); ++i)
    if (!detail::opt::option_ok(options[i]))
      detail::opt::check_option(fn, options[i], detail::element_text("options", static_cast<std::ptrdiff_t>(i)));
  out.resize(options.size());
  detail::opt::discounting d;
  for (std::size_t i = 0; i < options.size(); ++i) {
    d.set(options[i].maturity, market.rate, market.dividend_yield);
    out[i] = detail::opt::bsm(options[i].type == option_type::call, market.spot, options[i].strike, market.rate,
                              market.dividend_yield, market.volatility, d);
  }
  for (std::size_t i = 0; i < options.size(); ++i)
    if (!detail::opt::finite_valuation(out[i]))
      detail::opt::throw_overflowed(
          fn, out[i],
          detail::opt::option_text(options[i], detail::element_text("options", static_cast<std::ptrdiff_t>(i))));
}

KEEL_DEF option_valuation black76(const european_option& option, const black76_market& market) {
  constexpr std::string_view fn = "black76";
  detail::opt::check_option(fn, option);
  detail::opt::require_positive_field(fn, "market.forward", market.forward, "");
  detail::opt::require_finite_field(fn, "market.rate", market.rate);
  detail::opt::require_positive_field(fn, "market.volatility", market.volatility, "");
  // Black-76 is BSM with the forward as spot and the yield equal to the rate (Haug, 2nd ed., ch. 1, options on
  // futures); only rho differs, as the futures price is held fixed when the rate moves.
  detail::opt::discounting d;
  d.set(option.maturity, market.rate, market.rate);
  auto out = detail::opt::bsm(option.type == option_type::call, market.forward, option.strike, market.rate, market.rate,
                              market.volatility, d);
  out.rho = -option.maturity * out.price;
  out.dividend_rho = 0;
  if (!detail::opt::finite_valuation(out)) detail::opt::throw_overflowed(fn, out, detail::opt::option_text(option));
  return out;
}

KEEL_DEF double implied_volatility(const european_option& option, const option_market& market, double price) {
  constexpr std::string_view fn = "implied_volatility";
  detail::opt::check_option(fn, option);
  detail::opt::check_market(fn, market, false);
  detail::opt::require_finite_field(fn, "price", price);
  return detail::opt::implied_one(fn, option, market, price, [&] { return detail::opt::option_text(option); });
}

KEEL_DEF void implied_volatility(std::span<const european_option> options, const option_market& market,
                                 std::span<const double> prices, std::vector<double>& out) {
  constexpr std::string_view fn = "implied_volatility";
  detail::opt::check_market(fn, market, false);
  detail::require_same_size(fn, "options", static_cast<std::ptrdiff_t>(options.size()), "prices",
                            static_cast<std::ptrdiff_t>(prices.size()));
  for (std::size_t i = 0; i < options.size(); ++i) {
    if (!detail::opt::option_ok(options[i]))
      detail::opt::check_option(fn, options[i], detail::element_text("options", static_cast<std::ptrdiff_t>(i)));
    if (!std::isfinite(prices[i])) detail::throw_non_finite(fn, "prices", static_cast<std::ptrdiff_t>(i), prices[i]);
  }
  out.resize(options.size());
  for (std::size_t i = 0; i < options.size(); ++i)
    out[i] = detail::opt::implied_one(fn, options[i], market, prices[i], [&] {
      return detail::opt::option_text(options[i], detail::element_text("options", static_cast<std::ptrdiff_t>(i)));
    });
}

KEEL_DEF option_book book_greeks(std::span<const option_position> book, const option_market& market,
                                 double underlying_quantity) {
  constexpr std::string_view fn = "book_greeks";
  detail::opt::check_market(fn, market, true);
  detail::opt::require_finite_field(fn, "underlying_quantity", underlying_quantity);
  option_book out;
  out.positions.reserve(book.size());
  out.value = underlying_quantity * market.spot;
  out.delta = underlying_quantity;
  detail::opt::discounting d;
  for (const auto& p : book) {
    // The position's name is built only on the error path, as the chains' are.
    const auto name = [&] { return "position '" + p.symbol + "'"; };
    const double sigma = p.volatility.value_or(market.volatility);
    const auto positive = [](double x) { return x > 0 && std::isfinite(x); };
    if (!detail::opt::option_ok(p.option)) detail::opt::check_option(fn, p.option, name());
    if (!std::isfinite(p.quantity)) detail::opt::require_finite_field(fn, name() + ": quantity", p.quantity);
    if (!positive(p.multiplier)) detail::opt::require_positive_field(fn, name() + ": multiplier", p.multiplier, "");
    if (!positive(sigma)) detail::opt::require_positive_field(fn, name() + ": volatility", sigma, "");
    d.set(p.option.maturity, market.rate, market.dividend_yield);
    const auto v = detail::opt::bsm(p.option.type == option_type::call, market.spot, p.option.strike, market.rate,
                                    market.dividend_yield, sigma, d);
    if (!detail::opt::finite_valuation(v))
      detail::opt::throw_overflowed(fn, v, detail::opt::option_text(p.option, name()));
    const double units = p.quantity * p.multiplier;
    out.value += units * v.price;
    out.delta += units * v.delta;
    out.gamma += units * v.gamma;
    out.vega += units * v.vega;
    out.theta += units * v.theta;
    out.rho += units * v.rho;
    out.positions.push_back(v);
  }
  if (!std::isfinite(out.value) || !std::isfinite(out.delta) || !std::isfinite(out.gamma) || !std::isfinite(out.vega) ||
      !std::isfinite(out.theta) || !std::isfinite(out.rho))
    detail::throw_overflow(fn, "the book's value or Greeks");
  out.delta_hedge = -out.delta;
  return out;
}

}  // namespace keel
