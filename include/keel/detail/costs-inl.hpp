// SPDX-License-Identifier: MIT
// keel/detail/costs-inl.hpp: the definitions of keel/costs.hpp (cost models, Almgren-Chriss
// schedules, implementation shortfall). Included by costs.hpp in header-only mode and by
// src/costs.cpp in the compiled library.
// IWYU pragma: private, include <keel/costs.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/trade_cost.hpp>
#include <keel/error.hpp>

#include <keel/costs.hpp>

namespace keel {

namespace detail::costs {

inline void check_ac(std::string_view fn, double shares, std::size_t periods, const ac_parameters& p) {
  require_finite(fn, "", "shares", shares);
  if (periods < 1) throw invalid_input(message(fn, "periods = 0 must be >= 1"));
  require_positive(fn, "", "parameters.horizon", p.horizon);
  require_nonnegative(fn, "", "parameters.volatility", p.volatility);
  require_nonnegative(fn, "", "parameters.permanent_impact", p.permanent_impact);
  require_nonnegative(fn, "", "parameters.fixed_cost", p.fixed_cost);
  require_nonnegative(fn, "", "parameters.risk_aversion", p.risk_aversion);
  require_finite(fn, "", "parameters.temporary_impact", p.temporary_impact);
  const double tau = p.horizon / static_cast<double>(periods);
  // A subnormal tau is rounded by up to half its size: k tau would pass T and E's eta~ / tau
  // would be off by as much.
  if (!(tau >= std::numeric_limits<double>::min()))
    throw invalid_input(message(fn, "parameters.horizon / periods = " + number_text(p.horizon) + " / " +
                                        std::to_string(periods) +
                                        " underflows double: rescale the time unit (days, say)"));
  const double eta_tilde = p.temporary_impact - 0.5 * p.permanent_impact * tau;
  if (!(eta_tilde > 0))
    throw invalid_input(
        message(fn, "parameters.temporary_impact = " + number_text(p.temporary_impact) +
                        " must exceed permanent_impact x tau / 2 = " + number_text(0.5 * p.permanent_impact * tau) +
                        " (eta~ = eta - gamma tau / 2 > 0, or the cost is not convex)"));
}

/// E, V and the utility of a schedule whose holdings and trades are filled in.
inline void cost_schedule(std::string_view fn, execution_schedule& s, const ac_parameters& p) {
  const std::size_t n = s.trades.size();
  const double tau = p.horizon / static_cast<double>(n);
  const double eta_tilde = p.temporary_impact - 0.5 * p.permanent_impact * tau;
  const double x0 = s.holdings.front();
  double abs_sum = 0;
  double square_sum = 0;
  for (double t : s.trades) {
    abs_sum += std::abs(t);
    square_sum += t * t;
  }
  double hold_sum = 0;
  for (std::size_t k = 1; k < n; ++k) hold_sum += s.holdings[k] * s.holdings[k];
  s.expected_cost = 0.5 * p.permanent_impact * x0 * x0 + p.fixed_cost * abs_sum + eta_tilde / tau * square_sum;
  s.cost_variance = p.volatility * p.volatility * tau * hold_sum;
  s.utility = s.expected_cost + p.risk_aversion * s.cost_variance;
  if (!std::isfinite(s.utility)) throw_overflow(fn, "the schedule's expected cost or variance");
}

/// A schedule from its trades: times, holdings (x_0 = `shares`, x_N = 0 exactly) and its cost.
/// `shares` is the order the trades split (twap and vwap: their argument, whose parts need not
/// sum back to it exactly in floating point), or nullopt for the trades' own sum.
[[nodiscard]] inline execution_schedule from_trades(std::string_view fn, std::vector<double> trades,
                                                    const ac_parameters& p, std::optional<double> shares) {
  execution_schedule s;
  const std::size_t n = trades.size();
  const double tau = p.horizon / static_cast<double>(n);
  s.times.resize(n + 1);
  s.holdings.assign(n + 1, 0.0);
  for (std::size_t k = 0; k <= n; ++k) s.times[k] = static_cast<double>(k) * tau;
  s.times[n] = p.horizon;
  // Holdings from the end, so the last is exactly 0 and x_0 is the order.
  for (std::size_t k = n; k-- > 0;) s.holdings[k] = s.holdings[k + 1] + trades[k];
  if (shares) s.holdings[0] = *shares;
  s.trades = std::move(trades);
  cost_schedule(fn, s, p);
  return s;
}

/// The optimal schedule with checked inputs.
[[nodiscard]] inline execution_schedule optimal(std::string_view fn, double shares, std::size_t periods,
                                                const ac_parameters& p) {
  const double n = static_cast<double>(periods);
  const double tau = p.horizon / n;
  const double eta_tilde = p.temporary_impact - 0.5 * p.permanent_impact * tau;
  // cosh(kappa tau) = 1 + z: kappa tau = acosh(1 + z) = log1p(z + sqrt(z (z + 2))), exact for small z.
  // lambda sigma = 0 is TWAP outright: the product z could be 0 x inf for a very long horizon.
  double kappa_tau = 0;
  if (p.risk_aversion > 0 && p.volatility > 0) {
    // z = tau^2 lambda sigma^2 / (2 eta~) as mantissa x 2^e: no partial product overflows or
    // underflows where z itself does not (tau^2 alone overflows for tau > 1.3e154).
    int e_tau = 0, e_lambda = 0, e_sigma = 0, e_eta = 0;
    const double m_tau = std::frexp(tau, &e_tau), m_sigma = std::frexp(p.volatility, &e_sigma);
    const double mantissa = 0.5 * m_tau * m_tau * std::frexp(p.risk_aversion, &e_lambda) * m_sigma * m_sigma /
                            std::frexp(eta_tilde, &e_eta);  // in [1/64, 1)
    const int e = 2 * e_tau + e_lambda + 2 * e_sigma - e_eta;
    if (e > 500) {  // z > 5e148: acosh(1 + z) = log(2z) + O(1/z), and z (z + 2) would overflow
      kappa_tau = std::log(2 * mantissa) + e * std::numbers::ln2;
    } else {
      const double z = std::ldexp(mantissa, e);
      kappa_tau = std::log1p(z + std::sqrt(z * (z + 2)));
    }
  }
  const double kappa = kappa_tau / tau;
  if (!std::isfinite(kappa)) throw_overflow(fn, "the urgency kappa (a period too short for its risk aversion)");
  execution_schedule s;
  s.times.resize(periods + 1);
  s.holdings.resize(periods + 1);
  s.trades.resize(periods);
  const double big_t = p.horizon;
  const double denominator = std::expm1(-2 * kappa * big_t);
  for (std::size_t k = 0; k <= periods; ++k) {
    const double t = k == periods ? big_t : static_cast<double>(k) * tau;
    s.times[k] = t;
    double fraction;
    if (k == 0)
      fraction = 1;
    else if (k == periods)
      fraction = 0;
    else if (kappa == 0)
      fraction = (n - static_cast<double>(k)) / n;  // TWAP, the kappa -> 0 limit
    else                                            // sinh(kappa (T - t)) / sinh(kappa T), stable for every kappa T
      fraction = std::exp(-kappa * t) * std::expm1(-2 * kappa * (big_t - t)) / denominator;
    s.holdings[k] = shares * fraction;
  }
  for (std::size_t k = 0; k < periods; ++k) s.trades[k] = s.holdings[k] - s.holdings[k + 1];
  s.kappa = kappa;
  cost_schedule(fn, s, p);
  return s;
}

}  // namespace detail::costs

KEEL_DEF trade_cost order_cost(double quantity, double price, const cost_model& model) {
  return detail::costs::cost_of("order_cost", "", quantity, price, model);
}

KEEL_DEF double square_root_impact(double quantity, double price, double volatility, double daily_volume,
                                   double coefficient) {
  constexpr std::string_view fn = "square_root_impact";
  detail::costs::require_finite(fn, "", "quantity", quantity);
  detail::costs::require_positive(fn, "", "price", price);
  detail::costs::require_nonnegative(fn, "", "volatility", volatility);
  detail::costs::require_positive(fn, "", "daily_volume", daily_volume);
  detail::costs::require_nonnegative(fn, "", "coefficient", coefficient);
  const double size = std::abs(quantity);
  const double out = coefficient * volatility * price * size * std::sqrt(size / daily_volume);
  if (!std::isfinite(out)) detail::throw_overflow(fn, "the impact cost");
  return out;
}

KEEL_DEF cost_estimate estimate_costs(std::span<const cost_order> orders) {
  constexpr std::string_view fn = "estimate_costs";
  cost_estimate out;
  out.orders.reserve(orders.size());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    // The order is named only on the error path: formatting "orders[i] 'SYMBOL'" for every order
    // cost several times the order's cost. cost_of is deterministic, so the named call throws
    // the same error.
    trade_cost c;
    try {
      c = detail::costs::cost_of(fn, "", o.quantity, o.price, o.model);
    } catch (const invalid_input&) {
      const std::string where = detail::element_text("orders", static_cast<std::ptrdiff_t>(i)) +
                                (o.symbol.empty() ? "" : " '" + o.symbol + "'");
      (void)detail::costs::cost_of(fn, where, o.quantity, o.price, o.model);
      throw;
    }
    out.notional += c.notional;
    out.spread += c.spread;
    out.commission += c.commission;
    out.impact += c.impact;
    out.orders.push_back(c);
  }
  out.total = out.spread + out.commission + out.impact;
  if (!std::isfinite(out.total) || !std::isfinite(out.notional)) detail::throw_overflow(fn, "the orders' total cost");
  out.bps = out.notional > 0 ? 1e4 * (out.total / out.notional) : 0.0;
  if (!std::isfinite(out.bps)) detail::throw_overflow(fn, "the orders' cost in basis points");
  return out;
}

KEEL_DEF execution_schedule almgren_chriss(double shares, std::size_t periods, const ac_parameters& parameters) {
  constexpr std::string_view fn = "almgren_chriss";
  detail::costs::check_ac(fn, shares, periods, parameters);
  return detail::costs::optimal(fn, shares, periods, parameters);
}

KEEL_DEF std::vector<execution_schedule> almgren_chriss_frontier(double shares, std::size_t periods,
                                                                 std::span<const double> risk_aversions,
                                                                 const ac_parameters& parameters) {
  constexpr std::string_view fn = "almgren_chriss_frontier";
  detail::costs::check_ac(fn, shares, periods, parameters);
  for (std::size_t i = 0; i < risk_aversions.size(); ++i)
    detail::costs::require_nonnegative(fn, "", detail::element_text("risk_aversions", static_cast<std::ptrdiff_t>(i)),
                                       risk_aversions[i]);
  std::vector<execution_schedule> out;
  out.reserve(risk_aversions.size());
  for (double lambda : risk_aversions) {
    auto p = parameters;
    p.risk_aversion = lambda;
    out.push_back(detail::costs::optimal(fn, shares, periods, p));
  }
  return out;
}

KEEL_DEF execution_schedule schedule_cost(std::span<const double> trades, const ac_parameters& parameters) {
  constexpr std::string_view fn = "schedule_cost";
  if (trades.empty()) throw insufficient_data(detail::message(fn, "trades is empty: a schedule needs a period"), 1, 0);
  double total = 0;
  int sign = 0;
  for (std::size_t i = 0; i < trades.size(); ++i) {
    const double t = trades[i];
    if (!std::isfinite(t)) detail::throw_non_finite(fn, "trades", static_cast<std::ptrdiff_t>(i), t);
    const int s = t > 0 ? 1 : (t < 0 ? -1 : 0);
    if (s != 0 && sign != 0 && s != sign)
      throw invalid_input(detail::message(fn, detail::element_text("trades", static_cast<std::ptrdiff_t>(i)) + " = " +
                                                  detail::number_text(t) +
                                                  " trades the other way: a schedule's trades share one sign"));
    if (s != 0) sign = s;
    total += t;
  }
  detail::costs::check_ac(fn, total, trades.size(), parameters);
  return detail::costs::from_trades(fn, std::vector<double>(trades.begin(), trades.end()), parameters, std::nullopt);
}

KEEL_DEF execution_schedule twap_schedule(double shares, std::size_t periods, const ac_parameters& parameters) {
  constexpr std::string_view fn = "twap_schedule";
  detail::costs::check_ac(fn, shares, periods, parameters);
  return detail::costs::from_trades(fn, std::vector<double>(periods, shares / static_cast<double>(periods)), parameters,
                                    shares);
}

KEEL_DEF execution_schedule vwap_schedule(double shares, std::span<const double> volume_profile,
                                          const ac_parameters& parameters) {
  constexpr std::string_view fn = "vwap_schedule";
  if (volume_profile.empty())
    throw insufficient_data(detail::message(fn, "volume_profile is empty: a schedule needs a period"), 1, 0);
  double sum = 0;
  for (std::size_t i = 0; i < volume_profile.size(); ++i) {
    const double v = volume_profile[i];
    if (!(v >= 0) || !std::isfinite(v))
      detail::costs::throw_field(fn, "", detail::element_text("volume_profile", static_cast<std::ptrdiff_t>(i)), v,
                                 ">= 0 and finite");
    sum += v;
  }
  if (!(sum > 0) || !std::isfinite(sum))
    throw invalid_input(detail::message(
        fn, "volume_profile sums to " + detail::number_text(sum) + ": it needs a positive, finite total volume"));
  detail::costs::check_ac(fn, shares, volume_profile.size(), parameters);
  std::vector<double> trades(volume_profile.size());
  for (std::size_t i = 0; i < trades.size(); ++i) trades[i] = shares * (volume_profile[i] / sum);
  return detail::costs::from_trades(fn, std::move(trades), parameters, shares);
}

KEEL_DEF shortfall implementation_shortfall(std::span<const execution_fill> fills, double order_quantity,
                                            double decision_price, const shortfall_options& options) {
  constexpr std::string_view fn = "implementation_shortfall";
  detail::costs::require_finite(fn, "", "order_quantity", order_quantity);
  if (order_quantity == 0) throw invalid_input(detail::message(fn, "order_quantity = 0: there is no order to measure"));
  detail::costs::require_positive(fn, "", "decision_price", decision_price);
  const double sign = order_quantity > 0 ? 1.0 : -1.0;
  shortfall out;
  double value = 0;  // sum q_i p_i
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const auto& f = fills[i];
    const std::string where = detail::element_text("fills", static_cast<std::ptrdiff_t>(i));
    detail::costs::require_finite(fn, where, "quantity", f.quantity);
    detail::costs::require_positive(fn, where, "price", f.price);
    detail::costs::require_nonnegative(fn, where, "fees", f.fees);
    if (f.quantity * sign < 0)
      throw invalid_input(
          detail::message(fn, where + ": quantity = " + detail::number_text(f.quantity) +
                                  " has the opposite sign of order_quantity = " + detail::number_text(order_quantity)));
    out.filled += f.quantity;
    out.fees += f.fees;
    out.execution_cost += f.quantity * (f.price - decision_price);
    value += f.quantity * f.price;
  }
  // Fills are usually whole shares; a relative 1e-12 allows sums of fractional fills.
  if (std::abs(out.filled) > std::abs(order_quantity) * (1 + 1e-12))
    throw invalid_input(
        detail::message(fn, "the fills total " + detail::number_text(out.filled) +
                                " shares, more than order_quantity = " + detail::number_text(order_quantity)));
  out.unfilled = order_quantity - out.filled;
  if (std::abs(out.unfilled) <= std::abs(order_quantity) * 1e-12) out.unfilled = 0;
  if (out.unfilled != 0) {
    if (!options.final_price)
      throw invalid_input(detail::message(fn, "the fills leave " + detail::number_text(out.unfilled) +
                                                  " shares unfilled: pass options.final_price to value them "
                                                  "(the opportunity cost)"));
    detail::costs::require_positive(fn, "", "options.final_price", *options.final_price);
    out.opportunity_cost = out.unfilled * (*options.final_price - decision_price);
  }
  out.average_price = out.filled != 0 ? value / out.filled : decision_price;
  out.total = out.execution_cost + out.opportunity_cost + out.fees;
  out.paper_notional = std::abs(order_quantity) * decision_price;
  if (!std::isfinite(out.total) || !std::isfinite(out.paper_notional)) detail::throw_overflow(fn, "the shortfall");
  // Divided before the 1e4, which would overflow a total above 1.8e304.
  out.bps = 1e4 * (out.total / out.paper_notional);
  out.execution_bps =
      out.filled != 0 ? 1e4 * ((out.execution_cost + out.fees) / (std::abs(out.filled) * decision_price)) : 0.0;
  if (!std::isfinite(out.bps) || !std::isfinite(out.execution_bps) || !std::isfinite(out.average_price))
    detail::throw_overflow(fn, "the shortfall in basis points or the average price");
  return out;
}

}  // namespace keel
