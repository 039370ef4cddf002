// SPDX-License-Identifier: MIT
// keel/hedge.hpp: the orders that take a portfolio to a target beta, and what they change.
//
// Synopsis
//   hedge_instrument{symbol, beta, price, multiplier, cost_bps, min_quantity, max_quantity}
//   hedge_to_target_beta(portfolio_value, portfolio_beta, instruments, target_beta,
//                        hedge_options{budget, objective, covariance, round_to_contracts})
//                                        -> hedge_plan{orders, beta_before, beta_after,
//                                           beta_residual, total_cost, cost_fraction,
//                                           fully_hedged, reason, quantities}
//   hedge_effect(plan, market_volatility, residual_volatility, parametric_options{})
//                                        -> hedge_effect_result (volatility, VaR, beta before
//                                           and after, one-factor model)
//
// The hedge maths
//   q_i contracts of instrument i (negative: short) with notional n_i = q_i price_i
//   multiplier_i move the beta to
//     beta_after = beta_before + sum_i n_i beta_i / V        (V = portfolio_value),
//   the beta of the portfolio plus hedge per unit of the portfolio's value (futures-style:
//   the hedge's notional is exposure, not capital). Costs are linear: cost_bps / 10^4 of each
//   order's traded notional |n_i|.
//   - One instrument: n = (target - beta_before) V / beta, q = n / (price x multiplier).
//   - Several, min_cost: the cheapest quantities meeting the target within the bounds, an
//     exact linear programme (filled at the lowest cost_bps / |beta| first; ties to the first
//     instrument).
//   - Several, min_variance: the quantities minimising the variance of the hedged portfolio's
//     return, sigma_p^2 + 2 x's + x'Sx (x_i = n_i / V; S and s from hedge_options::covariance),
//     subject to the target and the bounds: the Lagrange closed form without bounds, the exact
//     active-set QP (detail/qp.hpp) with them.
//   - Whole contracts (round_to_contracts): every neighbouring integer point of the
//     continuous solution (floor or ceil of each quantity) within the bounds and the budget;
//     the least |beta_after - target| wins, ties to the lower cost. beta_after is always
//     computed from the quantities held, never copied from the target.
//   - Budget: when the full hedge costs more than hedge_options::budget x V, the plan goes as
//     far toward the target as the budget pays for (the min_cost order), fully_hedged is false
//     and reason says so; a min_variance hedge that is too dear but not the cheapest one is
//     re-solved with the budget as a constraint.
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
//   P. Jorion, "Value at Risk", 3rd ed. (2007), ch. 7 (one-factor VaR).
/// \file
/// Target-beta hedging: hedge_to_target_beta, hedge_instrument, hedge_effect.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/check.hpp>
#include <keel/detail/hedge_solver.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/rebalance.hpp>  // order_side
#include <keel/var.hpp>

namespace keel {

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
};

/// One order of a hedge plan.
struct hedge_order {
  std::string symbol;                 ///< the instrument's symbol
  order_side side = order_side::buy;  ///< buy (quantity held rises) or sell
  double quantity = 0;                ///< contracts traded, > 0
  double notional = 0;                ///< quantity x price x multiplier, > 0
  double cost = 0;                    ///< notional x cost_bps / 10^4
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

namespace detail {

[[nodiscard]] inline std::string instrument_field(std::size_t i, std::string_view field) {
  return element_text("instruments", static_cast<std::ptrdiff_t>(i)) + "." + std::string(field);
}

/// The bounds of instrument i in contracts, rounded inward to whole contracts when asked.
inline void instrument_bounds(std::string_view fn, std::size_t i, const hedge_instrument& h, bool whole,
                              hedge_leg& leg) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  leg.lower = h.min_quantity.value_or(-inf);
  leg.upper = h.max_quantity.value_or(inf);
  if (std::isnan(leg.lower)) throw_non_finite_at(fn, instrument_field(i, "min_quantity"), leg.lower);
  if (std::isnan(leg.upper)) throw_non_finite_at(fn, instrument_field(i, "max_quantity"), leg.upper);
  if (leg.lower > leg.upper)
    throw_bad_option(fn, instrument_field(i, "min_quantity"), leg.lower,
                     "at most max_quantity = " + number_text(leg.upper));
  if (!whole) return;
  const double lo = std::ceil(leg.lower), hi = std::floor(leg.upper);
  if (lo > hi)
    throw infeasible(message(fn, instrument_field(i, "min_quantity") + " = " + number_text(leg.lower) + " and " +
                                     "max_quantity = " + number_text(leg.upper) + " hold no whole contract"));
  leg.lower = lo;
  leg.upper = hi;
}

/// Checks every argument and converts to solver units.
[[nodiscard]] inline hedge_setup make_hedge_setup(std::string_view fn, double value, double beta, double target,
                                                  std::span<const hedge_instrument> instruments,
                                                  const hedge_options& o) {
  require_positive_option(fn, "portfolio_value", value);
  if (!std::isfinite(beta)) throw_non_finite_at(fn, "portfolio_beta", beta);
  if (!std::isfinite(target)) throw_non_finite_at(fn, "target_beta", target);
  require_observations(fn, 1, ssize(instruments), "instruments");
  constexpr double big = std::numeric_limits<double>::max();
  if (o.budget) require_option_in(fn, "budget", *o.budget, 0, big, "non-negative and finite");
  hedge_setup s{value, beta, target, {}, std::nullopt, o.round_to_contracts, {}};
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const hedge_instrument& h = instruments[i];
    if (!std::isfinite(h.beta)) throw_non_finite_at(fn, instrument_field(i, "beta"), h.beta);
    require_positive_option(fn, instrument_field(i, "price"), h.price);
    require_positive_option(fn, instrument_field(i, "multiplier"), h.multiplier);
    require_option_in(fn, instrument_field(i, "cost_bps"), h.cost_bps, 0, big, "non-negative and finite");
    hedge_leg leg{h.price * h.multiplier, h.beta, h.cost_bps * 1e-4};
    if (!std::isfinite(leg.unit)) throw_overflow(fn, instrument_field(i, "price") + " x multiplier");
    instrument_bounds(fn, i, h, o.round_to_contracts, leg);
    s.legs.push_back(leg);
    s.names.push_back(h.symbol.empty() ? element_text("instruments", static_cast<std::ptrdiff_t>(i)) : h.symbol);
  }
  if (o.budget) {
    s.budget = *o.budget * value;
    if (!std::isfinite(*s.budget)) throw_overflow(fn, "budget x portfolio_value");
  }
  return s;
}

/// Checks hedge_options::covariance ((k + 1) square, finite, symmetric, PSD) and splits it.
[[nodiscard]] inline hedge_covariance hedge_covariance_of(std::string_view fn, const Eigen::MatrixXd& cov,
                                                          std::size_t k) {
  const auto n = static_cast<Eigen::Index>(k) + 1;
  if (cov.size() == 0)
    throw invalid_input(message(fn, std::string("hedge_options::covariance is empty: min_variance needs the ") +
                                        std::to_string(n) + " x " + std::to_string(n) +
                                        " covariance of the instruments' and the portfolio's returns"));
  require_square(fn, "covariance", cov.rows(), cov.cols());
  require_same_size(fn, "covariance (rows)", cov.rows(), "instruments + portfolio", n);
  require_finite_cells(fn, "covariance", cov);
  require_symmetric(fn, "covariance", cov);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov, Eigen::EigenvaluesOnly);
  const double top = std::max(es.eigenvalues().cwiseAbs().maxCoeff(), 0.0);
  if (es.eigenvalues()(0) < -1e-12 * top) throw_not_positive_semidefinite(fn, "covariance", es.eigenvalues()(0));
  const Eigen::Index m = n - 1;
  return {cov.topLeftCorner(m, m), cov.col(m).head(m)};
}

/// The continuous hedge for the objective, and the cheapest full hedge's cost when the budget
/// stopped it (for the reason).
struct hedge_continuous {
  continuous_hedge hedge;
  double full_cost = 0;
};

[[nodiscard]] inline hedge_continuous solve_continuous(std::string_view fn, const hedge_setup& s,
                                                       const hedge_options& o) {
  hedge_continuous out;
  const std::size_t k = s.legs.size();
  if (k == 1 && s.legs[0].beta != 0) {  // the analytic hedge: n = (target - beta) V / beta_i
    const double notional = (s.target - s.beta_before) * s.value / s.legs[0].beta;
    // Within the bounds: the range check admits it, up to rounding of the beta sums.
    out.hedge.q = {std::clamp(notional / s.legs[0].unit, s.legs[0].lower, s.legs[0].upper)};
  } else if (o.objective == hedge_objective::min_variance && k > 1) {
    out.hedge.q = min_variance_hedge(fn, s, hedge_covariance_of(fn, o.covariance, k));
  } else {
    out.hedge = cheapest_hedge(fn, s, s.budget);
  }
  if (!s.budget || !(hedge_cost(s, out.hedge.q) > *s.budget)) {
    if (!out.hedge.reached) out.full_cost = hedge_cost(s, cheapest_hedge(fn, s, std::nullopt).q);
    return out;
  }
  // Too dear: the cheapest full hedge decides whether the target is within the budget.
  const continuous_hedge full = cheapest_hedge(fn, s, std::nullopt);
  out.full_cost = hedge_cost(s, full.q);
  if (out.full_cost > *s.budget) {
    out.hedge = cheapest_hedge(fn, s, s.budget);
  } else if (o.objective == hedge_objective::min_variance && k > 1) {
    auto q = budgeted_min_variance(fn, s, hedge_covariance_of(fn, o.covariance, k));
    out.hedge = {q ? *q : full.q, true};
  } else {
    out.hedge = full;  // the analytic hedge, a rounding above the budget the LP fits
  }
  return out;
}

/// The plan of quantities q: orders, betas, costs and the reason.
[[nodiscard]] inline hedge_plan hedge_plan_of(std::string_view fn, const hedge_setup& s,
                                              std::span<const hedge_instrument> instruments, const hedge_continuous& c,
                                              std::vector<double> q) {
  hedge_plan plan;
  plan.beta_before = s.beta_before;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] == 0) continue;
    const double quantity = std::fabs(q[i]), notional = quantity * s.legs[i].unit;
    plan.orders.push_back({instruments[i].symbol, q[i] > 0 ? order_side::buy : order_side::sell, quantity, notional,
                           notional * s.legs[i].rate});
    plan.total_cost += plan.orders.back().cost;
  }
  plan.beta_after = hedge_beta(s, q);
  plan.beta_residual = plan.beta_after - s.target;
  plan.cost_fraction = plan.total_cost / s.value;
  if (!std::isfinite(plan.beta_after) || !std::isfinite(plan.total_cost))
    throw_overflow(
        fn, "the hedge (beta_after = " + number_text(plan.beta_after) + ", cost " + number_text(plan.total_cost) + ")");
  plan.fully_hedged = c.hedge.reached;
  if (!plan.fully_hedged)
    plan.reason = "the budget of " + rounded_text(*s.budget, 6) + " (" + rounded_text(100 * *s.budget / s.value) +
                  "% of value) pays for a hedge to beta " + rounded_text(plan.beta_after) + " of the target " +
                  rounded_text(s.target) + "; the cheapest full hedge costs " + rounded_text(c.full_cost, 6) + " (" +
                  rounded_text(100 * c.full_cost / s.value) + "% of value)";
  plan.quantities = std::move(q);
  return plan;
}

}  // namespace detail

/// The orders that take a portfolio to a target beta with the given instruments, within their
/// quantity bounds and the budget: beta_after = beta_before + sum_i n_i beta_i / V (n_i the
/// signed notional held, V = portfolio_value). One instrument: n = (target - beta) V /
/// beta_i; several: the exact min_cost LP or min_variance QP; then whole contracts, the
/// neighbouring integer point with the least beta miss (ties: the cheaper). See the synopsis.
/// \pre portfolio_value > 0 and finite; finite betas; prices and multipliers > 0; cost_bps and
///      budget >= 0; min_quantity <= max_quantity; covariance (k + 1) x (k + 1), symmetric PSD
///      for min_variance with k >= 2 (invalid_input; insufficient_data for no instruments).
/// \throws infeasible when the bounds cannot reach target_beta (naming the reachable range)
///         or force a cost above the budget; singular_problem for a covariance that leaves
///         the minimum-variance hedge not unique.
/// \returns hedge_plan: orders, beta_before, beta_after, beta_residual, total_cost,
///          cost_fraction, fully_hedged, reason, quantities.
/// Ref: Hull, Options, Futures, and Other Derivatives, 10th ed., sec. 3.5; Johnson (1960).
[[nodiscard]] inline hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                                     std::span<const hedge_instrument> instruments, double target_beta,
                                                     const hedge_options& options = {}) {
  constexpr std::string_view fn = "hedge_to_target_beta";
  const detail::hedge_setup s =
      detail::make_hedge_setup(fn, portfolio_value, portfolio_beta, target_beta, instruments, options);
  const detail::beta_range range = detail::reachable_betas(s);
  if (!(target_beta >= range.lo && target_beta <= range.hi))
    detail::throw_unreachable(fn, "target_beta", target_beta, range.lo, range.hi,
                              "the instruments' betas and quantity bounds");
  const detail::hedge_continuous c = detail::solve_continuous(fn, s, options);
  std::vector<double> q = s.whole ? detail::nearest_contracts(s, c.hedge.q) : c.hedge.q;
  return detail::hedge_plan_of(fn, s, instruments, c, std::move(q));
}

/// hedge_to_target_beta over a braced list of instruments: `{{"SPY", 1.0, 500.0}}`.
/// \pre, \throws and \returns as the span form.
[[nodiscard]] inline hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                                     std::initializer_list<hedge_instrument> instruments,
                                                     double target_beta, const hedge_options& options = {}) {
  return hedge_to_target_beta(portfolio_value, portfolio_beta,
                              std::span<const hedge_instrument>(instruments.begin(), instruments.size()), target_beta,
                              options);
}

/// What a hedge plan changes, in the one-factor model r = beta r_m + e (hedge instruments
/// perfectly correlated with the market): sigma = sqrt(beta^2 sigma_m^2 + sigma_e^2) before and
/// after, and the zero-mean parametric VaR of each, parametric_var(0, sigma, options).
/// Volatilities are per period (daily for a one-day VaR; options.horizon scales them).
/// \pre market_volatility and residual_volatility >= 0 and finite; options as parametric_var
///      (invalid_input).
/// \returns hedge_effect_result: beta_before, beta_after, volatility_before,
///          volatility_after, var_before, var_after.
/// Ref: Jorion, Value at Risk, 3rd ed., ch. 7 (the diagonal model); Sharpe (1963).
[[nodiscard]] inline hedge_effect_result hedge_effect(const hedge_plan& plan, double market_volatility,
                                                      double residual_volatility, parametric_options options = {}) {
  constexpr std::string_view fn = "hedge_effect";
  constexpr double big = std::numeric_limits<double>::max();
  detail::require_option_in(fn, "market_volatility", market_volatility, 0, big, "non-negative and finite");
  detail::require_option_in(fn, "residual_volatility", residual_volatility, 0, big, "non-negative and finite");
  if (!std::isfinite(plan.beta_before)) detail::throw_non_finite_at(fn, "plan.beta_before", plan.beta_before);
  if (!std::isfinite(plan.beta_after)) detail::throw_non_finite_at(fn, "plan.beta_after", plan.beta_after);
  hedge_effect_result out;
  out.beta_before = plan.beta_before;
  out.beta_after = plan.beta_after;
  out.volatility_before = std::hypot(plan.beta_before * market_volatility, residual_volatility);
  out.volatility_after = std::hypot(plan.beta_after * market_volatility, residual_volatility);
  if (!std::isfinite(out.volatility_before) || !std::isfinite(out.volatility_after))
    detail::throw_overflow(fn, "beta x market_volatility");
  out.var_before = parametric_var(0.0, out.volatility_before, options);
  out.var_after = parametric_var(0.0, out.volatility_after, options);
  return out;
}

}  // namespace keel
