// SPDX-License-Identifier: MIT
// keel/detail/hedge-inl.hpp: the definitions of keel/hedge.hpp (hedge_to_target_beta,
// hedge_effect) and the checks and steps they share. Included by hedge.hpp in header-only mode
// and by src/hedge.cpp in the compiled library. The internal functions here and in
// detail/hedge_solver.hpp are templates with a defaulted parameter, so that header-only users
// who include hedge.hpp without calling it instantiate none of them.
// IWYU pragma: private, include <keel/hedge.hpp>
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
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/costs.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/hedge_solver.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/trade_cost.hpp>
#include <keel/error.hpp>
#include <keel/rebalance.hpp>
#include <keel/var.hpp>

#include <keel/hedge.hpp>

namespace keel {

namespace detail {

template <class = void>
[[nodiscard]] std::string instrument_field(std::size_t i, std::string_view field) {
  return element_text("instruments", static_cast<std::ptrdiff_t>(i)) + "." + std::string(field);
}

/// The bounds of instrument i in contracts, rounded inward to whole contracts when asked.
template <class = void>
void instrument_bounds(std::string_view fn, std::size_t i, const hedge_instrument& h, bool whole, hedge_leg& leg) {
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

/// The volume rule as bounds: |q| <= max_participation x daily_volume (whole contracts inward).
template <class = void>
void volume_bounds(std::string_view fn, std::size_t i, const hedge_instrument& h, bool whole, hedge_leg& leg) {
  double cap = h.costs.max_participation * h.costs.daily_volume;
  if (whole) cap = std::floor(cap);
  if (leg.lower > cap || leg.upper < -cap)
    throw infeasible(message(fn, instrument_field(i, "min_quantity") + " and max_quantity [" + number_text(leg.lower) +
                                     ", " + number_text(leg.upper) + "] lie outside the volume rule's +-" +
                                     number_text(cap) + " contracts (max_participation " +
                                     number_text(h.costs.max_participation) + " x daily_volume " +
                                     number_text(h.costs.daily_volume) + ")"));
  leg.lower = std::max(leg.lower, -cap);
  leg.upper = std::min(leg.upper, cap);
}

/// almgren_chriss on `shares` contracts of instrument i's execution, its errors named by the
/// instrument ("instruments[i] (SYMBOL).execution: ..."): the caller must know which of several
/// executions is wrong, and almgren_chriss's own message cannot say.
template <class = void>
[[nodiscard]] execution_schedule instrument_schedule(std::string_view fn, std::size_t i, const hedge_instrument& h,
                                                     double shares) {
  try {
    return almgren_chriss(shares, h.execution->periods, h.execution->parameters);
  } catch (const invalid_input& failure) {
    std::string_view text = failure.what();
    constexpr std::string_view own = "almgren_chriss: ";
    if (text.starts_with(own)) text.remove_prefix(own.size());
    throw invalid_input(message(fn, element_text("instruments", static_cast<std::ptrdiff_t>(i)) +
                                        (h.symbol.empty() ? "" : " (" + h.symbol + ")") +
                                        ".execution: " + std::string(text)));
  }
}

/// Checks hedge_options' market_volatility and residual_volatility: both or neither, each >= 0.
template <class = void>
void check_effect_options(std::string_view fn, const hedge_options& o) {
  constexpr double big = std::numeric_limits<double>::max();
  if (o.market_volatility.has_value() != o.residual_volatility.has_value())
    throw invalid_input(message(fn, std::string(o.market_volatility ? "market_volatility" : "residual_volatility") +
                                        " is given without " +
                                        (o.market_volatility ? "residual_volatility" : "market_volatility") +
                                        ": the risk reduction needs both market_volatility and "
                                        "residual_volatility (or neither)"));
  if (!o.market_volatility) return;
  require_option_in(fn, "market_volatility", *o.market_volatility, 0, big, "non-negative and finite");
  require_option_in(fn, "residual_volatility", *o.residual_volatility, 0, big, "non-negative and finite");
}

/// Checks every argument and converts to solver units.
template <class = void>
[[nodiscard]] hedge_setup make_hedge_setup(std::string_view fn, double value, double beta, double target,
                                           std::span<const hedge_instrument> instruments, const hedge_options& o) {
  require_positive_option(fn, "portfolio_value", value);
  if (!std::isfinite(beta)) throw_non_finite_at(fn, "portfolio_beta", beta);
  if (!std::isfinite(target)) throw_non_finite_at(fn, "target_beta", target);
  require_observations(fn, 1, ssize(instruments), "instruments");
  constexpr double big = std::numeric_limits<double>::max();
  if (o.budget) require_option_in(fn, "budget", *o.budget, 0, big, "non-negative and finite");
  check_effect_options(fn, o);
  hedge_setup s{value, beta, target, {}, std::nullopt, o.round_to_contracts, {}};
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const hedge_instrument& h = instruments[i];
    if (!std::isfinite(h.beta)) throw_non_finite_at(fn, instrument_field(i, "beta"), h.beta);
    require_positive_option(fn, instrument_field(i, "price"), h.price);
    require_positive_option(fn, instrument_field(i, "multiplier"), h.multiplier);
    require_option_in(fn, instrument_field(i, "cost_bps"), h.cost_bps, 0, big, "non-negative and finite");
    costs::check_model(fn, instrument_field(i, "costs"), h.costs);
    hedge_leg leg{h.price * h.multiplier, h.beta, h.cost_bps * 1e-4 + h.costs.half_spread + h.costs.commission};
    if (!std::isfinite(leg.unit)) throw_overflow(fn, instrument_field(i, "price") + " x multiplier");
    if (h.costs.impact > 0 && h.costs.volatility > 0) {
      // k |q|^e = c sigma unit |q| (|q| / ADV)^(e - 1)
      leg.impact =
          h.costs.impact * h.costs.volatility * leg.unit / std::pow(h.costs.daily_volume, h.costs.exponent - 1);
      leg.exponent = h.costs.exponent;
      if (!std::isfinite(leg.impact)) throw_overflow(fn, instrument_field(i, "costs") + "'s impact per contract");
    }
    instrument_bounds(fn, i, h, o.round_to_contracts, leg);
    if (h.costs.daily_volume > 0) volume_bounds(fn, i, h, o.round_to_contracts, leg);
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
template <class = void>
[[nodiscard]] hedge_covariance hedge_covariance_of(std::string_view fn, const Eigen::MatrixXd& cov, std::size_t k) {
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

template <class = void>
[[nodiscard]] hedge_continuous solve_continuous(std::string_view fn, const hedge_setup& s, const hedge_options& o) {
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
  } else if (o.objective == hedge_objective::min_variance && k > 1 &&
             std::none_of(s.legs.begin(), s.legs.end(), [](const hedge_leg& l) { return l.impact > 0; })) {
    auto q = budgeted_min_variance(fn, s, hedge_covariance_of(fn, o.covariance, k));
    out.hedge = {q ? *q : full.q, true};
  } else {
    out.hedge = full;  // the analytic hedge, a rounding above the budget the LP fits
  }
  return out;
}

/// The plan of quantities q: orders, betas, costs and the reason.
template <class = void>
[[nodiscard]] hedge_plan hedge_plan_of(std::string_view fn, const hedge_setup& s,
                                       std::span<const hedge_instrument> instruments, const hedge_continuous& c,
                                       std::vector<double> q) {
  hedge_plan plan;
  plan.beta_before = s.beta_before;
  double gross = 0;  // sum_i |q_i u_i b_i|: the scale of the beta sums' rounding
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] == 0) {
      // No order, but a bad execution still fails. Executions are checked here, by the one
      // almgren_chriss call each needs, not before the solver: checking them there too would
      // double the schedules' share of the hedge's time.
      if (instruments[i].execution) (void)instrument_schedule(fn, i, instruments[i], 0.0);
      continue;
    }
    // 1e-300 contracts of 1e-30 (a notional of 1e-330, or a subnormal one that keeps a few bits)
    // leave the order and the beta sums without their digits.
    const double n = q[i] * s.legs[i].unit, moved = n * s.legs[i].beta;
    if (std::fabs(n) < std::numeric_limits<double>::min() ||
        (s.legs[i].beta != 0 && std::fabs(moved) < std::numeric_limits<double>::min()))
      throw invalid_input(message(fn, "the quantity " + number_text(q[i]) + " of " + s.names[i] +
                                          " has a notional (x beta) that underflows double (price x multiplier " +
                                          number_text(s.legs[i].unit) + ", beta " + number_text(s.legs[i].beta) +
                                          "); rescale the values"));
    gross += std::fabs(moved);
    const double quantity = std::fabs(q[i]), notional = quantity * s.legs[i].unit;
    const double impact = leg_impact(s.legs[i], q[i]);
    plan.orders.push_back({instruments[i].symbol, q[i] > 0 ? order_side::buy : order_side::sell, quantity, notional,
                           notional * s.legs[i].rate + impact, impact});
    plan.total_cost += plan.orders.back().cost;
    plan.impact_cost += impact;
    if (instruments[i].execution) {
      // almgren_chriss's shares are positive for a sale: the order's signed change, negated.
      plan.orders.back().schedule = instrument_schedule(fn, i, instruments[i], -q[i]);
      plan.execution_cost += plan.orders.back().schedule.expected_cost;
    }
  }
  plan.beta_after = hedge_beta(s, q);
  plan.beta_residual = plan.beta_after - s.target;
  plan.cost_fraction = plan.total_cost / s.value;
  if (!std::isfinite(plan.beta_after) || !std::isfinite(plan.total_cost) || !std::isfinite(plan.cost_fraction))
    throw_overflow(fn, "the hedge (beta_after = " + number_text(plan.beta_after) + ", cost " +
                           number_text(plan.total_cost) + ", cost / portfolio_value " +
                           number_text(plan.cost_fraction) + ")");
  if (!std::isfinite(plan.execution_cost)) throw_overflow(fn, "the schedules' total expected cost");
  plan.fully_hedged = c.hedge.reached;
  // A continuous hedge that reached the target must show it in beta_after; it does not when the
  // quantities underflow or the beta sums lose every digit (a portfolio value of 1e-203 beside
  // an instrument beta of 1e214), which only rescaling can fix.
  if (plan.fully_hedged && !s.whole) {
    const double scale = 1 + std::fabs(s.beta_before) + std::fabs(s.target) + gross / s.value;
    if (!(std::fabs(plan.beta_residual) <= 1e-8 * scale))
      throw invalid_input(message(fn, "the hedge from beta " + number_text(s.beta_before) + " to " +
                                          number_text(s.target) + " leaves beta " + number_text(plan.beta_after) +
                                          ": the quantities or the beta sums are out of double's range for a "
                                          "portfolio_value of " +
                                          number_text(s.value) + "; rescale the values"));
  }
  if (!plan.fully_hedged)
    plan.reason = "the budget of " + rounded_text(*s.budget, 6) + " (" + rounded_text(100 * *s.budget / s.value) +
                  "% of value) pays for a hedge to beta " + rounded_text(plan.beta_after) + " of the target " +
                  rounded_text(s.target) + "; the cheapest full hedge costs " + rounded_text(c.full_cost, 6) + " (" +
                  rounded_text(100 * c.full_cost / s.value) + "% of value)";
  plan.quantities = std::move(q);
  return plan;
}

}  // namespace detail

KEEL_DEF hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                         std::span<const hedge_instrument> instruments, double target_beta,
                                         const hedge_options& options) {
  constexpr std::string_view fn = "hedge_to_target_beta";
  const detail::hedge_setup s =
      detail::make_hedge_setup(fn, portfolio_value, portfolio_beta, target_beta, instruments, options);
  const detail::beta_range range = detail::reachable_betas(s);
  if (!(target_beta >= range.lo && target_beta <= range.hi))
    detail::throw_unreachable(fn, "target_beta", target_beta, range.lo, range.hi,
                              "the instruments' betas and quantity bounds");
  const detail::hedge_continuous c = detail::solve_continuous(fn, s, options);
  std::vector<double> q = s.whole ? detail::nearest_contracts(s, c.hedge.q) : c.hedge.q;
  hedge_plan plan = detail::hedge_plan_of(fn, s, instruments, c, std::move(q));
  if (options.market_volatility)
    plan.effect = hedge_effect(plan, *options.market_volatility, *options.residual_volatility);
  return plan;
}

KEEL_DEF hedge_plan hedge_to_target_beta(double portfolio_value, double portfolio_beta,
                                         std::initializer_list<hedge_instrument> instruments, double target_beta,
                                         const hedge_options& options) {
  return hedge_to_target_beta(portfolio_value, portfolio_beta,
                              std::span<const hedge_instrument>(instruments.begin(), instruments.size()), target_beta,
                              options);
}

KEEL_DEF hedge_effect_result hedge_effect(const hedge_plan& plan, double market_volatility, double residual_volatility,
                                          parametric_options options) {
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
