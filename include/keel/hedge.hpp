// SPDX-License-Identifier: MIT
// keel/hedge.hpp: the orders that take a portfolio to a target beta, and what they change.
//
// Synopsis
//   hedge_instrument{symbol, beta, price, multiplier, cost_bps, min_quantity, max_quantity, costs,
//                    execution}   hedge_execution{parameters, periods}
//   hedge_to_target_beta(portfolio_value, portfolio_beta, instruments, target_beta,
//                        hedge_options{budget, objective, covariance, round_to_contracts,
//                                      market_volatility, residual_volatility})
//                                        -> hedge_plan{orders, beta_before, beta_after,
//                                           beta_residual, total_cost, cost_fraction,
//                                           fully_hedged, reason, quantities, impact_cost,
//                                           execution_cost, effect}
//                                           hedge_order{symbol, side, quantity, notional,
//                                           cost, impact, schedule}
//   hedge_effect(plan, market_volatility, residual_volatility, parametric_options{})
//                                        -> hedge_effect_result (volatility, VaR, beta before
//                                           and after, one-factor model)
//
// The hedge maths
//   q_i contracts of instrument i (negative: short) with notional n_i = q_i price_i
//   multiplier_i move the beta to
//     beta_after = beta_before + sum_i n_i beta_i / V        (V = portfolio_value),
//   the beta of the portfolio plus hedge per unit of the portfolio's value (futures-style:
//   the hedge's notional is exposure, not capital). An order of q contracts costs
//     rate |n| + impact sigma |n| (|q| / ADV)^(e - 1),  rate = cost_bps / 10^4 + half_spread + commission
//   (the instrument's cost_model, costs.hpp; the impact term is the square-root law for e = 1.5
//   and is absent by default, leaving linear costs).
//   - One instrument: n = (target - beta_before) V / beta, q = n / (price x multiplier).
//   - Several, min_cost, linear costs: the cheapest quantities meeting the target within the
//     bounds, an exact linear programme (filled at the lowest rate / |beta| first; ties to the
//     first instrument).
//   - Several, min_cost, with impact: min sum_i cost_i(q_i) subject to the target and the
//     bounds is convex and separable with one linear row, so its optimum is the q(mu) of the
//     Lagrange multiplier mu that meets the row: each q_i(mu) minimises cost_i(q) - mu a_i q
//     in closed form (a_i = price x multiplier x beta; 0 while |mu a_i| is within the linear
//     rate, else |q| = ((|mu a_i| - linear) / (e k_i))^(1 / (e - 1)), clamped to the bounds),
//     and sum a_i q_i(mu) rises with mu, so mu is bracketed and bisected to adjacent doubles.
//     The cost is then optimal to rounding (Boyd and Vandenberghe, "Convex Optimization"
//     (2004), 5.5.3; the water-filling form). Spreading an order over instruments lowers its
//     impact, so the plan can differ from the linear one's single cheapest instrument.
//   - The volume rule: an instrument with a daily_volume holds at most max_participation x
//     daily_volume contracts either way (a bound like max_quantity).
//   - Several, min_variance: the quantities minimising the variance of the hedged portfolio's
//     return, sigma_p^2 + 2 x's + x'Sx (x_i = n_i / V; S and s from hedge_options::covariance),
//     subject to the target and the bounds: the Lagrange closed form without bounds, the exact
//     active-set QP (detail/qp.hpp) with them.
//   - Whole contracts (round_to_contracts): every neighbouring integer point of the
//     continuous solution (floor or ceil of each quantity) within the bounds and the budget;
//     the least |beta_after - target| wins, ties to the lower cost. beta_after is always
//     computed from the quantities held, never copied from the target.
//   - Budget: when the full hedge costs more than hedge_options::budget x V, the plan goes as
//     far toward the target as the budget pays for (the min_cost order; with impact, the
//     cheapest hedge of the furthest reachable beta, by bisection on it, as its least cost
//     rises with the distance), fully_hedged is false and reason says so; a min_variance hedge
//     that is too dear but not the cheapest one is re-solved with the budget as a constraint
//     (linear costs only: with impact, the budget is met by the min_cost path instead).
//
// Execution and risk reduction
//   An instrument with an execution has its order worked by Almgren and Chriss's optimal
//   schedule (costs.hpp; Almgren and Chriss (2001)) in contracts: hedge_order::schedule =
//   almgren_chriss(-q, periods, parameters) for the signed change q in the quantity held, so,
//   as in costs.hpp, its trades are positive for a sale and negative for a purchase and sum to
//   -q. Their expected shortfalls add up to hedge_plan::execution_cost, a second estimate of the
//   cost beside total_cost (the cost model's, which chose the quantities), not a part of it.
//   With hedge_options::market_volatility and residual_volatility, hedge_plan::effect is the
//   risk reduction, hedge_effect(plan, market_volatility, residual_volatility): the one-factor
//   volatility and zero-mean 95% normal VaR before and after the hedge.
//
// Conventions
//   - Betas are to one market; portfolio_beta and each instrument's beta are estimated on the
//     same returns (beta.hpp). Quantities are contracts (shares for an ETF, multiplier 1).
//   - An instrument's bounds are on its signed quantity; std::nullopt is unbounded. A target
//     the bounds cannot reach is `infeasible`, naming the reachable range of betas.
//   - hedge_effect uses the one-factor model r = beta r_m + e with the hedge instruments
//     perfectly correlated with the market (no basis risk): hedging changes the market term
//     beta^2 sigma_m^2 and leaves the residual sigma_e^2.
//
// References
//   J. C. Hull, "Options, Futures, and Other Derivatives", 10th ed., sec. 3.5 (changing the beta
//   of a portfolio with index futures); L. L. Johnson, "The theory of hedging and speculation in
//   commodity futures", Rev. Econ. Stud. 27 (1960) (minimum-variance hedge); G. B. Dantzig,
//   "Discrete-variable extremum problems", Oper. Res. 5 (1957) (the fractional knapsack);
//   P. Jorion, "Value at Risk", 3rd ed. (2007), ch. 7 (one-factor VaR); R. Almgren and N. Chriss,
//   "Optimal execution of portfolio transactions", J. Risk 3 (2001) 5-39 (the schedule).
/// \file
/// Target-beta hedging: hedge_to_target_beta, hedge_instrument, hedge_effect.
#pragma once

#include <keel/detail/config.hpp>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/costs.hpp>  // cost_model, ac_parameters, execution_schedule
#include <keel/error.hpp>
#include <keel/rebalance.hpp>  // order_side
#include <keel/var.hpp>        // parametric_options

namespace keel {

/// How a hedge order is worked: Almgren and Chriss's model (costs.hpp) in contracts.
struct hedge_execution {
  /// horizon, volatility (currency per contract per sqrt(time unit)), permanent and temporary
  /// impact per contract, fixed_cost per contract, risk_aversion; as almgren_chriss requires
  ac_parameters parameters{};
  std::size_t periods = 10;  ///< trading periods over parameters.horizon, >= 1
};

/// A hedge instrument: an index future, an ETF, any contract with a beta to the market.
struct hedge_instrument {
  std::string symbol;     ///< name used in the orders and messages
  double beta = 1;        ///< beta of the instrument's returns to the market (finite)
  double price = 0;       ///< price of one unit, > 0
  double multiplier = 1;  ///< units per contract (50 for an E-mini S&P 500 future), > 0
  double cost_bps = 0;    ///< trading cost in basis points of traded notional, >= 0
  /// Least quantity held (signed contracts: -10 allows shorting 10); nullopt: unbounded.
  std::optional<double> min_quantity = std::nullopt;
  /// Largest quantity held (signed contracts: 0 forbids buying); nullopt: unbounded.
  std::optional<double> max_quantity = std::nullopt;
  /// The instrument's cost model (costs.hpp), in contracts: daily_volume is contracts a day and
  /// the notional is quantity x price x multiplier. Its half_spread and commission add to
  /// cost_bps; its impact makes min_cost a convex problem (see the synopsis); its volume rule
  /// bounds |quantity| by max_participation x daily_volume. Default: no cost beyond cost_bps.
  cost_model costs{};
  /// When set, the instrument's order carries its optimal schedule (hedge_order::schedule, see
  /// the synopsis); nullopt: no schedule.
  std::optional<hedge_execution> execution = std::nullopt;
};

/// What a hedge with several instruments minimises.
enum class hedge_objective {
  min_cost,     ///< the total trading cost (an exact linear programme)
  min_variance  ///< the hedged portfolio's return variance (needs hedge_options::covariance)
};

/// Options of hedge_to_target_beta.
struct hedge_options {
  /// Largest total cost as a fraction of portfolio_value (0.001 = 10 bps), >= 0; nullopt:
  /// no limit. A hedge that would cost more goes as far toward the target as this pays for.
  std::optional<double> budget = std::nullopt;
  hedge_objective objective = hedge_objective::min_cost;  ///< what several instruments minimise
  /// For min_variance with two or more instruments: the (k + 1) x (k + 1) covariance of the k
  /// instruments' returns and the portfolio's return (last row and column), per period,
  /// symmetric positive semi-definite. Ignored by min_cost and by a single instrument.
  Eigen::MatrixXd covariance{};
  bool round_to_contracts = true;  ///< whole contracts (false: the continuous solution)
  /// The market's volatility per period, >= 0 and finite; with residual_volatility, the plan
  /// reports the risk reduction (hedge_plan::effect). One without the other is invalid_input.
  std::optional<double> market_volatility = std::nullopt;
  /// The portfolio's residual (non-market) volatility per period, >= 0 and finite; see
  /// market_volatility.
  std::optional<double> residual_volatility = std::nullopt;
};

/// Volatility, VaR and beta of a portfolio before and after a hedge (see hedge_effect).
struct hedge_effect_result {
  double beta_before = 0;        ///< the plan's beta_before
  double beta_after = 0;         ///< the plan's beta_after
  double volatility_before = 0;  ///< sqrt(beta_before^2 sigma_m^2 + sigma_e^2), per period
  double volatility_after = 0;   ///< sqrt(beta_after^2 sigma_m^2 + sigma_e^2), per period
  double var_before = 0;         ///< parametric VaR of volatility_before (zero mean)
  double var_after = 0;          ///< parametric VaR of volatility_after (zero mean)
};

/// One order of a hedge plan.
struct hedge_order {
  std::string symbol;                 ///< the instrument's symbol
  order_side side = order_side::buy;  ///< buy (quantity held rises) or sell
  double quantity = 0;                ///< contracts traded, > 0
  double notional = 0;                ///< quantity x price x multiplier, > 0
  /// notional x (cost_bps / 10^4 + half_spread + commission) + impact
  double cost = 0;
  double impact = 0;  ///< the market-impact part of cost: c sigma notional (quantity / ADV)^(exponent - 1)
  /// almgren_chriss(-(signed change in quantity held), periods, parameters) of the instrument's
  /// execution (trades positive for a sell, negative for a buy); empty vectors and zeros when the
  /// instrument has none.
  execution_schedule schedule{};
};

/// The result of hedge_to_target_beta.
struct hedge_plan {
  std::vector<hedge_order> orders;  ///< one per instrument traded, in the instruments' order
  double beta_before = 0;           ///< portfolio_beta
  double beta_after = 0;            ///< beta_before + sum_i notional_i beta_i / V, from the quantities held
  double beta_residual = 0;         ///< beta_after - target_beta (whole contracts, or a budget, leave one)
  double total_cost = 0;            ///< sum of the orders' costs (currency), within the budget
  double cost_fraction = 0;         ///< total_cost / portfolio_value
  bool fully_hedged = true;         ///< false when the budget stopped the hedge short of the target
  std::string reason;               ///< why the hedge is not full (empty when fully_hedged)
  std::vector<double> quantities;   ///< signed contracts per instrument, in the instruments' order (0: none)
  double impact_cost = 0;           ///< sum of the orders' impact (part of total_cost)
  /// Sum of the orders' schedule.expected_cost (Almgren-Chriss; 0 without executions): a
  /// separate estimate, not part of total_cost.
  double execution_cost = 0;
  /// hedge_effect(plan, market_volatility, residual_volatility) when hedge_options gives both;
  /// nullopt otherwise.
  std::optional<hedge_effect_result> effect = std::nullopt;
};

/// The orders that take a portfolio to a target beta with the given instruments, within their
/// quantity bounds and the budget: beta_after = beta_before + sum_i n_i beta_i / V (n_i the
/// signed notional held, V = portfolio_value). One instrument: n = (target - beta) V /
/// beta_i; several: the exact min_cost LP or min_variance QP; then whole contracts, the
/// neighbouring integer point with the least beta miss (ties: the cheaper). See the synopsis.
/// \pre portfolio_value > 0 and finite; finite betas; prices and multipliers > 0; cost_bps and
///      budget >= 0; min_quantity <= max_quantity; covariance (k + 1) x (k + 1), symmetric PSD
///      for min_variance with k >= 2 (invalid_input; insufficient_data for no instruments);
///      each execution's periods >= 1 and parameters as almgren_chriss requires (invalid_input
///      naming the instrument: "instruments[i] (SYMBOL).execution: ...", checked after the
///      solver, so a solver's error comes first); market_volatility and
///      residual_volatility both given or neither, each >= 0 and finite (invalid_input).
/// \throws infeasible when the bounds cannot reach target_beta (naming the reachable range)
///         or force a cost above the budget; singular_problem for a covariance that leaves
///         the minimum-variance hedge not unique; invalid_input when the values are out of
///         double's range for the hedge (a notional, cost or beta sum that overflows or
///         underflows: rescale them).
/// \returns hedge_plan: orders (each with its Almgren-Chriss schedule when the instrument has
///          an execution), beta_before, beta_after, beta_residual, total_cost, cost_fraction,
///          fully_hedged, reason, quantities, impact_cost, execution_cost (the schedules'
///          expected costs) and effect (hedge_effect's risk reduction, when both volatilities
///          are given).
/// Ref: Hull, Options, Futures, and Other Derivatives, 10th ed., sec. 3.5; Johnson (1960);
///      Almgren and Chriss (2001) for the schedules.
KEEL_DECL [[nodiscard]] hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                                        std::span<const hedge_instrument> instruments,
                                                        double target_beta, const hedge_options& options = {});

/// hedge_to_target_beta over a braced list of instruments: `{{"SPY", 1.0, 500.0}}`.
/// \pre, \throws and \returns as the span form.
KEEL_DECL [[nodiscard]] hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                                        std::initializer_list<hedge_instrument> instruments,
                                                        double target_beta, const hedge_options& options = {});

/// What a hedge plan changes, in the one-factor model r = beta r_m + e (hedge instruments
/// perfectly correlated with the market): sigma = sqrt(beta^2 sigma_m^2 + sigma_e^2) before and
/// after, and the zero-mean parametric VaR of each, parametric_var(0, sigma, options).
/// Volatilities are per period (daily for a one-day VaR; options.horizon scales them).
/// \pre market_volatility and residual_volatility >= 0 and finite; options as parametric_var
///      (invalid_input).
/// \returns hedge_effect_result: beta_before, beta_after, volatility_before,
///          volatility_after, var_before, var_after.
/// Ref: Jorion, Value at Risk, 3rd ed., ch. 7 (the diagonal model); Sharpe (1963).
KEEL_DECL [[nodiscard]] hedge_effect_result hedge_effect(const hedge_plan& plan, double market_volatility,
                                                         double residual_volatility, parametric_options options = {});

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/hedge-inl.hpp>
#endif
