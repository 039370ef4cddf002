// SPDX-License-Identifier: MIT
// keel/costs.hpp: what trading costs: transaction-cost and market-impact models, optimal
// execution (Almgren-Chriss) and the implementation shortfall of executed fills.
//
// Synopsis
//   cost_model{half_spread, commission, impact, volatility, daily_volume, exponent,
//              max_participation}                      one instrument's cost model
//   order_cost(quantity, price, model)    -> trade_cost{notional, spread, commission, impact,
//                                            total, bps}
//   square_root_impact(quantity, price, volatility, daily_volume, coefficient)
//                                         the impact term c sigma P |x| sqrt(|x| / ADV)
//   estimate_costs(orders)                -> cost_estimate: the pre-trade estimate of an order list
//   almgren_chriss(shares, periods, ac_parameters{horizon, volatility, permanent_impact,
//                  temporary_impact, fixed_cost, risk_aversion})
//                                         -> execution_schedule{times, holdings, trades,
//                                            expected_cost, cost_variance, kappa, utility}
//   almgren_chriss_frontier(shares, periods, risk_aversions, parameters)   the efficient schedules
//   twap_schedule(shares, periods, parameters), vwap_schedule(shares, volume_profile, parameters)
//   schedule_cost(trades, parameters)     any schedule's expected cost and variance
//   implementation_shortfall(fills, order_quantity, decision_price, shortfall_options{final_price})
//                                         -> shortfall{execution_cost, opportunity_cost, fees, total, bps, ...}
//
// Cost model (per instrument; x the order in shares, P the price, sigma the daily volatility of
// returns, ADV the average daily volume in shares)
//   cost(x) = (half_spread + commission) P |x| + impact sigma P |x| (|x| / ADV)^(exponent - 1)
//   - exponent 1.5 is the square-root law: the impact per unit traded is c sigma sqrt(|x| / ADV)
//     (Torre, "BARRA Market Impact Model Handbook" (1997); Almgren, Thum, Hauptmann and Li,
//     "Direct estimation of equity market impact", Risk (2005), who fit 0.6 in place of 0.5,
//     exponent 1.6). It is also cvxportfolio's TransactionCost a|z| + b sigma |z|^(3/2) / V^(1/2)
//     with z = P x and V = P ADV in currency: the same number (Boyd et al., "Multi-period
//     trading via convex optimization" (2017), 2.3), with a = half_spread + commission, b = impact.
//   - impact = 0 (the default) is the proportional model: half the spread plus commission.
//   - The volume rule: when daily_volume is given, an order larger than max_participation x ADV
//     is invalid_input (the law is fitted on orders of a few percent of a day's volume; beyond
//     one day's volume, the default limit, it is an extrapolation keel does not make silently).
//
// Optimal execution (Almgren and Chriss 2001)
//   X shares (positive: a sale, negative: a purchase) traded over T in N periods of tau = T / N;
//   holdings x_0 = X, ..., x_N = 0, trades n_k = x_{k-1} - x_k. The price is an arithmetic
//   random walk with volatility sigma (currency per share per sqrt of T's unit), permanent impact
//   gamma per share traded and temporary impact epsilon sgn(n) + eta n / tau per share. Then
//     E = gamma X^2 / 2 + epsilon sum |n_k| + (eta~ / tau) sum n_k^2,  eta~ = eta - gamma tau / 2,
//     V = sigma^2 tau sum_{k=1}^{N-1} x_k^2,
//   and the schedule minimising E + lambda V is x_j = X sinh(kappa (T - t_j)) / sinh(kappa T)
//   with cosh(kappa tau) = 1 + tau^2 lambda sigma^2 / (2 eta~) (their eq. (18)): lambda = 0 is
//   TWAP, a large lambda trades almost everything at once. expected_cost and cost_variance are
//   the implementation shortfall's mean and variance in currency (E, V above, for the schedule
//   as traded). The sinh ratio is evaluated as e^{-kappa t} expm1(-2 kappa (T - t)) /
//   expm1(-2 kappa T), which neither overflows for a large kappa T nor loses digits for a small.
//
// Implementation shortfall (Perold 1988)
//   For an order of Q shares (positive: buy) decided at price p_d and fills (q_i, p_i, fees_i):
//     execution cost = sum q_i (p_i - p_d), opportunity cost = (Q - sum q_i) (p_end - p_d),
//     total = execution + opportunity + fees, bps = 10^4 total / (|Q| p_d);
//   positive is a cost, for buys and sells alike.
//
// References
//   R. Almgren and N. Chriss, "Optimal execution of portfolio transactions", J. Risk 3 (2001)
//   5-39; R. Almgren, C. Thum, E. Hauptmann and H. Li, "Direct estimation of equity market
//   impact", Risk 18 (2005) 58-62; N. Torre, "BARRA Market Impact Model Handbook" (1997);
//   S. Boyd et al., "Multi-period trading via convex optimization", Found. Trends Optim. 3 (2017);
//   A. F. Perold, "The implementation shortfall: paper versus reality", J. Portf. Manag. 14 (1988).
/// \file
/// Trading costs: cost_model, order_cost, square_root_impact, estimate_costs, almgren_chriss,
/// almgren_chriss_frontier, twap_schedule, vwap_schedule, schedule_cost, implementation_shortfall.
#pragma once

#include <keel/detail/config.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <keel/error.hpp>

namespace keel {

/// One instrument's transaction-cost model (see the header): cost(x) = (half_spread +
/// commission) P |x| + impact sigma P |x| (|x| / ADV)^(exponent - 1).
struct cost_model {
  double half_spread = 0;        ///< half the bid-ask spread, a fraction of price (0.0005 = 5 bps), >= 0
  double commission = 0;         ///< commission and fees, a fraction of traded notional, >= 0
  double impact = 0;             ///< c: the impact coefficient (Barra's c, cvxportfolio's b), >= 0; 0: proportional
  double volatility = 0;         ///< sigma: daily volatility of returns (0.02 = 2%), >= 0
  double daily_volume = 0;       ///< ADV: average daily volume in the order's units (shares), > 0 when impact > 0
  double exponent = 1.5;         ///< cost grows as |x|^exponent: 1.5 the square-root law; in [1, 2]
  double max_participation = 1;  ///< largest order as a fraction of ADV (the volume rule), > 0
};

/// The cost of one order, in currency, split by source.
struct trade_cost {
  double notional = 0;    ///< P |x|
  double spread = 0;      ///< half_spread P |x|
  double commission = 0;  ///< commission P |x|
  double impact = 0;      ///< impact sigma P |x| (|x| / ADV)^(exponent - 1)
  double total = 0;       ///< spread + commission + impact
  double bps = 0;         ///< 10^4 total / notional (0 for an empty order)
};

/// The cost of an order of `quantity` shares (either sign) at `price` under `model`:
/// (half_spread + commission) P |x| + impact sigma P |x| (|x| / ADV)^(exponent - 1).
/// \pre price > 0 and finite; quantity finite; the model's fields as documented (invalid_input).
/// \throws invalid_input when |quantity| > max_participation x daily_volume (the volume rule),
///         naming the order's participation.
/// \returns trade_cost: notional, spread, commission, impact, total, bps.
/// Ref: Torre, BARRA Market Impact Model Handbook (1997); Almgren et al., Risk (2005).
KEEL_DECL [[nodiscard]] trade_cost order_cost(double quantity, double price, const cost_model& model);

/// The square-root law's impact cost of an order, in currency: coefficient sigma P |x| sqrt(|x| / ADV)
/// (order_cost's impact term with exponent 1.5).
/// \pre quantity finite; price and daily_volume > 0; volatility and coefficient >= 0; all finite
///      (invalid_input).
/// \returns the impact cost in currency (>= 0).
/// Ref: Torre, BARRA Market Impact Model Handbook (1997); Almgren et al., Risk (2005).
KEEL_DECL [[nodiscard]] double square_root_impact(double quantity, double price, double volatility, double daily_volume,
                                                  double coefficient = 1);

/// One order of a pre-trade cost estimate.
struct cost_order {
  std::string symbol;   ///< the instrument, named in errors
  double quantity = 0;  ///< shares, signed (negative: sell)
  double price = 0;     ///< the price the order is estimated at, > 0
  cost_model model{};   ///< the instrument's cost model
};

/// The pre-trade cost estimate of an order list (see estimate_costs).
struct cost_estimate {
  std::vector<trade_cost> orders;  ///< one per order, in the orders' order
  double notional = 0;             ///< sum of the orders' notionals
  double spread = 0;               ///< sum of the spread costs
  double commission = 0;           ///< sum of the commissions
  double impact = 0;               ///< sum of the impact costs
  double total = 0;                ///< spread + commission + impact
  double bps = 0;                  ///< 10^4 total / notional (0 when nothing trades)
};

/// The pre-trade cost estimate of a list of orders: order_cost of each and their sums (the
/// orders are taken as independent: one's impact does not move another's price).
/// \pre each order as order_cost (invalid_input naming the order's symbol).
/// \returns cost_estimate: orders, notional, spread, commission, impact, total, bps.
/// Ref: Torre (1997); Boyd et al. (2017), 2.3.
KEEL_DECL [[nodiscard]] cost_estimate estimate_costs(std::span<const cost_order> orders);

/// Almgren-Chriss model parameters (units: currency, shares and the time unit of `horizon`).
struct ac_parameters {
  double horizon = 1;           ///< T, the time to complete the order (days, say), > 0
  double volatility = 0;        ///< sigma: the price's volatility, currency per share per sqrt(time unit), >= 0
  double permanent_impact = 0;  ///< gamma: currency per share per share traded, >= 0
  double temporary_impact = 0;  ///< eta: currency per share per (share per time unit), > gamma tau / 2
  double fixed_cost = 0;        ///< epsilon: currency per share traded (half the spread plus fees), >= 0
  double risk_aversion = 0;     ///< lambda: per currency, >= 0 (0: the risk-neutral TWAP)
};

/// An execution schedule and its cost (see almgren_chriss).
struct execution_schedule {
  std::vector<double> times;     ///< t_k = k tau, k = 0..N
  std::vector<double> holdings;  ///< x_k, the shares still to trade after period k: x_0 = X, x_N = 0
  std::vector<double> trades;    ///< n_k = x_{k-1} - x_k, k = 1..N (same sign as X)
  double expected_cost = 0;      ///< E: the expected implementation shortfall, currency
  double cost_variance = 0;      ///< V: its variance, currency^2
  double kappa = 0;              ///< the urgency per time unit (0 for TWAP and for a schedule not from almgren_chriss)
  double utility = 0;            ///< E + lambda V, what almgren_chriss minimises
};

/// Almgren and Chriss's optimal schedule for selling `shares` (negative: buying) over
/// parameters.horizon in `periods` equal periods: the minimiser of E + lambda V,
/// x_j = X sinh(kappa (T - t_j)) / sinh(kappa T), cosh(kappa tau) = 1 + tau^2 lambda sigma^2 / (2 eta~),
/// eta~ = eta - gamma tau / 2. See the header for E and V.
/// \pre shares finite; periods >= 1; horizon > 0; volatility, permanent_impact, fixed_cost and
///      risk_aversion >= 0; temporary_impact > permanent_impact tau / 2 (eta~ > 0, or the
///      problem is not convex); all finite (invalid_input naming the parameter).
/// \returns execution_schedule: times, holdings, trades, expected_cost, cost_variance, kappa, utility.
/// Ref: Almgren and Chriss, J. Risk 3 (2001), eqs. (15)-(20).
KEEL_DECL [[nodiscard]] execution_schedule almgren_chriss(double shares, std::size_t periods,
                                                          const ac_parameters& parameters);

/// The efficient frontier of schedules: almgren_chriss at each risk aversion in
/// risk_aversions (parameters.risk_aversion is replaced), in their order. Each point's
/// (cost_variance, expected_cost) lies on Almgren and Chriss's convex frontier.
/// \pre as almgren_chriss; each risk aversion >= 0 and finite (invalid_input naming it).
/// \returns one execution_schedule per risk aversion.
/// Ref: Almgren and Chriss (2001), section 3 (the efficient frontier).
KEEL_DECL [[nodiscard]] std::vector<execution_schedule> almgren_chriss_frontier(double shares, std::size_t periods,
                                                                                std::span<const double> risk_aversions,
                                                                                const ac_parameters& parameters);

/// The expected cost and variance of any schedule under the Almgren-Chriss model: trades[k]
/// shares in period k + 1 of tau = horizon / trades.size(), all of one sign (X = their sum);
/// kappa = 0.
/// \pre trades non-empty, finite and all of one sign (invalid_input naming the first offender);
///      parameters as almgren_chriss.
/// \returns execution_schedule with utility = E + parameters.risk_aversion V.
/// Ref: Almgren and Chriss (2001), eqs. (3)-(5).
KEEL_DECL [[nodiscard]] execution_schedule schedule_cost(std::span<const double> trades,
                                                         const ac_parameters& parameters);

/// The time-weighted (TWAP) schedule: shares / periods in each period, costed by schedule_cost
/// (almgren_chriss with risk_aversion 0 gives the same trades).
/// \pre as almgren_chriss.
/// \returns execution_schedule.
/// Ref: Almgren and Chriss (2001), section 2.3 (the minimum-impact strategy).
KEEL_DECL [[nodiscard]] execution_schedule twap_schedule(double shares, std::size_t periods,
                                                         const ac_parameters& parameters);

/// The volume-weighted (VWAP) schedule: shares x volume_profile[k] / sum(volume_profile) in
/// period k + 1 (the profile is the expected volume per period, e.g. a U-shaped intraday curve),
/// costed by schedule_cost.
/// \pre volume_profile non-empty, finite, >= 0 with a positive sum (invalid_input); parameters as
///      almgren_chriss.
/// \returns execution_schedule.
/// Ref: Berkowitz, Logue and Noser, "The total cost of transactions on the NYSE", J. Finance 43
///      (1988) (the VWAP benchmark); Almgren and Chriss (2001) for E and V.
KEEL_DECL [[nodiscard]] execution_schedule vwap_schedule(double shares, std::span<const double> volume_profile,
                                                         const ac_parameters& parameters);

/// One execution (fill) of an order.
struct execution_fill {
  double quantity = 0;  ///< shares, signed as the order (positive: bought)
  double price = 0;     ///< the fill's price, > 0
  double fees = 0;      ///< commissions and fees paid on it, currency, >= 0
};

/// Options of implementation_shortfall.
struct shortfall_options {
  /// The price at which the unfilled part is valued (the close after the order, say); needed
  /// when the fills do not complete the order. nullopt: the order must be complete.
  std::optional<double> final_price = std::nullopt;
};

/// Perold's implementation shortfall of an order and its fills (see the header).
struct shortfall {
  double filled = 0;            ///< sum of the fills' quantities, signed
  double unfilled = 0;          ///< order_quantity - filled
  double average_price = 0;     ///< the fills' volume-weighted price (the decision price when nothing filled)
  double execution_cost = 0;    ///< sum q_i (p_i - p_d), currency
  double opportunity_cost = 0;  ///< unfilled (p_end - p_d), currency
  double fees = 0;              ///< sum of the fills' fees
  double total = 0;             ///< execution_cost + opportunity_cost + fees
  double paper_notional = 0;    ///< |order_quantity| p_d
  double bps = 0;               ///< 10^4 total / paper_notional
  double execution_bps =
      0;  ///< 10^4 (execution_cost + fees) / (|filled| p_d), the cost of what was done (0 when nothing filled)
};

/// The implementation shortfall of an order of `order_quantity` shares (positive: buy)
/// decided at `decision_price`, executed by `fills`: execution cost sum q_i (p_i - p_d),
/// opportunity cost (Q - sum q_i)(p_end - p_d), fees, their total and its basis points of the
/// paper portfolio |Q| p_d. A positive shortfall is a cost for buys and sells alike.
/// \pre order_quantity != 0 and finite; decision_price > 0; each fill's quantity of the order's
///      sign (or 0), price > 0, fees >= 0, all finite; the fills do not exceed the order; a
///      final_price (> 0) when they do not complete it (invalid_input naming the fill).
/// \returns shortfall: filled, unfilled, average_price, execution_cost, opportunity_cost, fees,
///          total, paper_notional, bps, execution_bps.
/// Ref: Perold, "The implementation shortfall: paper versus reality", J. Portf. Manag. 14 (1988).
KEEL_DECL [[nodiscard]] shortfall implementation_shortfall(std::span<const execution_fill> fills, double order_quantity,
                                                           double decision_price,
                                                           const shortfall_options& options = {});

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/costs-inl.hpp>
#endif
