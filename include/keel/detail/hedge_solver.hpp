// SPDX-License-Identifier: MIT
// keel/detail/hedge_solver.hpp: the solvers behind hedge_to_target_beta. Owned by
// keel/hedge.hpp; included by detail/hedge-inl.hpp only. Its functions are templates with a
// defaulted parameter, instantiated only where hedge_to_target_beta's definition calls them.
//
// Units
//   Instrument i holds q_i contracts (signed: negative is short) of notional u_i = price x
//   multiplier each. Its beta contribution is q_i u_i b_i / V (V the portfolio's value, b_i its
//   beta) and its cost |q_i| u_i rate_i (rate_i = cost_bps / 10^4, currency). The linear
//   programme and the rounding work in contracts; the quadratic programme works in
//   x_i = q_i u_i / V, the position's notional as a fraction of V, where the hedged variance is
//   sigma_p^2 + 2 x's + x'Sx (S the instruments' return covariance, s their covariances with the
//   portfolio) and the beta target is the row b'x = target - beta_before.
//
// min_cost is exact (cheapest_hedge). The LP is min sum k_i |q_i| subject to sum a_i q_i = D and
//   l_i <= q_i <= u_i (a_i = u_i b_i, k_i = u_i rate_i, D = (target - beta_before) V). Let q0_i be
//   the point of [l_i, u_i] nearest 0: every feasible q_i lies on q0_i's side of 0, so
//   |q_i| = |q0_i| + |q_i - q0_i| and the cost is the forced cost sum k_i |q0_i| plus
//   sum k_i |d_i| with d = q - q0. The residual R = D - a'q0 must be covered by sum a_i d_i = R;
//   a move against R costs and must be undone, so at an optimum every d_i moves toward R, at
//   k_i / |a_i| = rate_i / |b_i| per unit of beta-notional, up to the bound on that side. That is
//   a fractional knapsack: filling the cheapest rate per unit of beta first is optimal (the
//   exchange argument: moving a unit of coverage from a dearer to a cheaper instrument with room
//   lowers the cost), and with a budget the same order reaches furthest for the money. Ties in
//   rate_i / |b_i| go to the lower index.
// min_variance: with no bounds, the Lagrange conditions S x + s + lambda b = 0, b'x = D' give
//   x = -S^-1 s + mu S^-1 b, mu = (D' + b'S^-1 s) / (b'S^-1 b), solved by one LDLT of S; with
//   bounds, or a singular S, the exact active-set QP of detail/qp.hpp. A budget that the
//   minimum-variance hedge exceeds adds the row sum rate_i |x_i| <= budget / V: the problem stays
//   convex, and on each orthant (a sign for every x_i) the row is linear, so the answer is the
//   best of the 2^k orthant QPs (budgeted_min_variance; up to 10 instruments).
// Whole contracts (nearest_contracts): from the continuous q, every corner of the box
//   [floor q_i, ceil q_i] (2^m for m fractional quantities, m <= 16) within the bounds and the
//   budget; the least |beta_after - target| wins, ties (within rounding) to the lower cost, then
//   to the first corner in enumeration order. Beyond 16 fractional quantities, a bounded search:
//   from the quantities rounded toward zero, one instrument at a time moves to its other
//   neighbour while that lowers the miss.
// IWYU pragma: private, include <keel/hedge.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/qp.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// One instrument in the solver's units (see the file comment).
struct hedge_leg {
  double unit = 1;  ///< notional of one contract: price x multiplier
  double beta = 0;  ///< the instrument's beta
  double rate = 0;  ///< linear cost per unit of notional: cost_bps / 10^4 + half_spread + commission
  double lower = -std::numeric_limits<double>::infinity();  ///< contracts
  double upper = std::numeric_limits<double>::infinity();   ///< contracts
  double impact = 0;    ///< k: the impact cost of q contracts is k |q|^exponent (c sigma unit / ADV^(exponent - 1))
  double exponent = 1;  ///< the impact's exponent e, in [1, 2]
};

/// The impact cost of holding q contracts of leg l: k |q|^e (sqrt for the square-root law).
[[nodiscard]] inline double leg_impact(const hedge_leg& l, double q) {
  if (l.impact == 0 || q == 0) return 0;
  const double a = std::fabs(q);
  return l.impact * a * (l.exponent == 1.5 ? std::sqrt(a) : std::pow(a, l.exponent - 1));
}

/// Whether the leg's cost is strictly convex in |q| (an impact term with exponent > 1).
[[nodiscard]] inline bool convex_leg(const hedge_leg& l) { return l.impact > 0 && l.exponent > 1; }

/// A checked hedge problem.
struct hedge_setup {
  double value = 1;        ///< V
  double beta_before = 0;  ///< the portfolio's beta
  double target = 0;       ///< the target beta
  std::vector<hedge_leg> legs;
  std::optional<double> budget;  ///< maximum cost, currency
  bool whole = true;             ///< whole contracts (bounds already rounded inward)
  std::vector<std::string> names;
};

/// The beta after holding q: beta_before + sum_i q_i u_i b_i / V.
template <class = void>
[[nodiscard]] double hedge_beta(const hedge_setup& s, const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t i = 0; i < q.size(); ++i) sum += q[i] * s.legs[i].unit * s.legs[i].beta;
  return s.beta_before + sum / s.value;
}

/// The cost of holding q, summed as the orders' costs are: (|q_i| u_i) rate_i + k_i |q_i|^e_i.
template <class = void>
[[nodiscard]] double hedge_cost(const hedge_setup& s, const std::vector<double>& q) {
  double sum = 0;
  for (std::size_t i = 0; i < q.size(); ++i)
    sum += std::fabs(q[i]) * s.legs[i].unit * s.legs[i].rate + leg_impact(s.legs[i], q[i]);
  return sum;
}

/// The betas the bounds allow: [lo, hi] (ends may be infinite).
struct beta_range {
  double lo = 0, hi = 0;
};

template <class = void>
[[nodiscard]] beta_range reachable_betas(const hedge_setup& s) {
  double lo = 0, hi = 0;
  for (const hedge_leg& l : s.legs) {
    if (l.beta == 0) continue;
    const double per = l.unit * l.beta;
    const double a = l.lower * per, b = l.upper * per;  // +-inf for an open side
    lo += std::min(a, b);
    hi += std::max(a, b);
  }
  return {s.beta_before + lo / s.value, s.beta_before + hi / s.value};
}

/// Brings the cost within the budget when rounding in the last digits put it over: first the
/// quantities move toward zero an ulp at a time within their bounds (the last first); if that
/// is not enough (quantities of 1e-26 left by rounding), the whole hedge shrinks toward the
/// bounds' forced point q0 by bisection on q0 + t (q - q0), whose cost is monotone in t and
/// within the budget at t = 0.
template <class = void>
void fit_budget(const hedge_setup& s, std::vector<double>& q, std::optional<double> budget) {
  if (!budget || !(hedge_cost(s, q) > *budget)) return;
  for (std::size_t i = q.size(); i-- > 0;) {
    for (int step = 0; step < 64 && hedge_cost(s, q) > *budget && q[i] != 0; ++step) {
      const double next = std::nextafter(q[i], 0.0);
      if (next < s.legs[i].lower || next > s.legs[i].upper) break;
      q[i] = next;
    }
    if (!(hedge_cost(s, q) > *budget)) return;
  }
  std::vector<double> q0(q.size()), trial(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) q0[i] = std::clamp(0.0, s.legs[i].lower, s.legs[i].upper);
  double lo = 0, hi = 1;
  for (int it = 0; it < 100 && hi - lo > 0; ++it) {
    const double t = 0.5 * (lo + hi);
    if (t == lo || t == hi) break;
    for (std::size_t i = 0; i < q.size(); ++i) trial[i] = q0[i] + t * (q[i] - q0[i]);
    (hedge_cost(s, trial) > *budget ? hi : lo) = t;
  }
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = lo == 0 ? q0[i] : q0[i] + lo * (q[i] - q0[i]);
}

/// A continuous hedge and whether it reaches the target (false: the budget stopped it).
struct continuous_hedge {
  std::vector<double> q;
  bool reached = true;
};

/// q_i(mu) of the convex min-cost hedge: the minimiser over [l, u] of cost_i(q) - mu a_i q
/// (see hedge.hpp): 0 while |mu a_i| is within the linear cost per contract, then the root of
/// linear + e k |q|^(e-1) = |mu a_i| (a linear leg jumps to its bound), clamped to the bounds.
[[nodiscard]] inline double leg_response(const hedge_leg& l, double mu) {
  const double pull = mu * l.unit * l.beta;
  const double linear = l.unit * l.rate + (convex_leg(l) ? 0.0 : l.impact);  // e = 1: impact is linear
  double q = 0;
  if (std::fabs(pull) > linear) {
    if (convex_leg(l)) {
      const double excess = (std::fabs(pull) - linear) / (l.exponent * l.impact);
      q = l.exponent == 1.5 ? excess * excess : std::pow(excess, 1 / (l.exponent - 1));
    } else {
      q = std::numeric_limits<double>::infinity();
    }
    q = std::copysign(q, pull);
  }
  return std::clamp(q, l.lower, l.upper);
}

/// The cheapest hedge moving the beta-notional sum a'q to `goal` (currency x beta) when some
/// leg has impact: the Lagrange multiplier mu bracketed and bisected to adjacent doubles, then
/// the last gap closed by the legs that jump at mu (linear ones) and by interpolating the
/// continuous ones across the bracket, so that a'q = goal to rounding (see hedge.hpp).
template <class = void>
[[nodiscard]] std::vector<double> convex_cheapest(const hedge_setup& s, double goal) {
  const std::size_t k = s.legs.size();
  std::vector<double> q(k), lo_q(k), hi_q(k);
  const auto respond = [&](double mu, std::vector<double>& out) {
    double sum = 0;
    for (std::size_t i = 0; i < k; ++i) {
      out[i] = leg_response(s.legs[i], mu);
      if (out[i] != 0) sum += out[i] * s.legs[i].unit * s.legs[i].beta;
    }
    return sum;
  };
  const double at_zero = respond(0, q);
  if (at_zero == goal) return q;
  const double dir = goal > at_zero ? 1.0 : -1.0;
  // A multiplier of the cost scale: the marginal cost of one contract per unit of beta-notional.
  double scale = 0;
  for (const hedge_leg& l : s.legs)
    if (l.beta != 0) scale = std::max(scale, (l.unit * l.rate + l.impact * l.exponent) / std::fabs(l.unit * l.beta));
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1;
  double mu_lo = 0, mu_hi = dir * scale;
  for (int it = 0; it < 2100 && dir * (respond(mu_hi, hi_q) - goal) < 0; ++it) {
    mu_lo = mu_hi;
    mu_hi *= 2;
  }
  for (int it = 0; it < 2200; ++it) {
    const double mid = 0.5 * (mu_lo + mu_hi);
    if (mid == mu_lo || mid == mu_hi) break;
    (dir * (respond(mid, q) - goal) >= 0 ? mu_hi : mu_lo) = mid;
  }
  double reached = respond(mu_lo, lo_q);
  respond(mu_hi, hi_q);
  q = lo_q;
  double gap = goal - reached;
  // Linear legs that jump inside the bracket cover what they can, in index order.
  for (std::size_t i = 0; i < k && gap != 0; ++i) {
    const hedge_leg& l = s.legs[i];
    if (convex_leg(l) || lo_q[i] == hi_q[i] || l.beta == 0) continue;
    const double per = l.unit * l.beta;
    const double want = lo_q[i] + gap / per;
    q[i] = hi_q[i] > lo_q[i] ? std::clamp(want, lo_q[i], hi_q[i]) : std::clamp(want, hi_q[i], lo_q[i]);
    gap -= (q[i] - lo_q[i]) * per;
  }
  // The continuous legs move together across the bracket.
  double span = 0;
  for (std::size_t i = 0; i < k; ++i)
    if (convex_leg(s.legs[i])) span += (hi_q[i] - lo_q[i]) * s.legs[i].unit * s.legs[i].beta;
  if (gap != 0 && span != 0) {
    const double t = std::clamp(gap / span, 0.0, 1.0);
    for (std::size_t i = 0; i < k; ++i)
      if (convex_leg(s.legs[i])) q[i] = lo_q[i] + t * (hi_q[i] - lo_q[i]);
  }
  return q;
}

/// The cheapest hedge with impact, stopping at `budget`: the full hedge when it fits, else the
/// cheapest hedge of the furthest beta the budget pays for (its least cost rises with the
/// distance from the forced point, so the distance is bisected).
template <class = void>
[[nodiscard]] continuous_hedge convex_cheapest_hedge(const hedge_setup& s, double forced_moved,
                                                     std::optional<double> budget) {
  const double goal = (s.target - s.beta_before) * s.value;
  continuous_hedge out;
  out.q = convex_cheapest(s, goal);
  if (!budget || !(hedge_cost(s, out.q) > *budget)) return out;
  out.reached = false;
  double lo = 0, hi = 1;
  std::vector<double> best = convex_cheapest(s, forced_moved);
  for (int it = 0; it < 200; ++it) {
    const double t = 0.5 * (lo + hi);
    if (t == lo || t == hi) break;
    auto trial = convex_cheapest(s, forced_moved + t * (goal - forced_moved));
    if (hedge_cost(s, trial) > *budget) {
      hi = t;
    } else {
      lo = t;
      best = std::move(trial);
    }
  }
  out.q = std::move(best);
  fit_budget(s, out.q, budget);
  return out;
}

/// The cheapest hedge (exact LP, or the convex solve with impact; see the file comment),
/// stopping at `budget` (currency) if set.
/// \throws infeasible when the bounds alone force a cost above the budget.
template <class = void>
[[nodiscard]] continuous_hedge cheapest_hedge(std::string_view fn, const hedge_setup& s, std::optional<double> budget) {
  const std::size_t k = s.legs.size();
  continuous_hedge out;
  out.q.resize(k);
  double forced = 0, moved = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const hedge_leg& l = s.legs[i];
    out.q[i] = std::clamp(0.0, l.lower, l.upper);
    forced += std::fabs(out.q[i]) * l.unit * l.rate + leg_impact(l, out.q[i]);
    moved += out.q[i] * l.unit * l.beta;
  }
  if (budget && forced > *budget)
    throw infeasible(message(fn, "the quantity bounds force a cost of " + number_text(forced) +
                                     ", above the budget of " + number_text(*budget)));
  if (std::any_of(s.legs.begin(), s.legs.end(), [](const hedge_leg& l) { return l.impact > 0; }))
    return convex_cheapest_hedge(s, moved, budget);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < k; ++i)
    if (s.legs[i].beta != 0) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return s.legs[a].rate / std::fabs(s.legs[a].beta) < s.legs[b].rate / std::fabs(s.legs[b].beta);
  });
  double r = (s.target - s.beta_before) * s.value - moved;  // residual, in beta x currency
  double spent = forced;
  for (const std::size_t i : order) {
    if (r == 0) break;
    const hedge_leg& l = s.legs[i];
    const double per = l.unit * l.beta;
    double dq = r / per;
    const double room = dq > 0 ? l.upper - out.q[i] : out.q[i] - l.lower;
    const bool covers = std::fabs(dq) <= room;
    if (!covers) dq = std::copysign(room, dq);
    const double cost = std::fabs(dq) * l.unit * l.rate;
    // The clamps keep q within its bounds where the sum rounds an ulp past them.
    if (budget && spent + cost > *budget) {
      out.q[i] = std::clamp(out.q[i] + std::copysign((*budget - spent) / (l.unit * l.rate), dq), l.lower, l.upper);
      out.reached = false;
      break;
    }
    out.q[i] = std::clamp(out.q[i] + dq, l.lower, l.upper);
    spent += cost;
    r = covers ? 0 : r - dq * per;
  }
  fit_budget(s, out.q, budget);
  return out;
}

/// The instruments' covariance S (k x k) and their covariances s with the portfolio (k).
struct hedge_covariance {
  Eigen::MatrixXd s;
  Eigen::VectorXd with_portfolio;
};

/// The QP of the minimum-variance hedge in x (fractions of V): min 1/2 x'Sx + s'x, b'x = D'.
template <class = void>
[[nodiscard]] qp_problem<double> hedge_qp(const hedge_setup& s, const hedge_covariance& c) {
  const auto k = static_cast<Eigen::Index>(s.legs.size());
  qp_problem<double> p;
  p.q = c.s;
  p.c = -c.with_portfolio;
  p.lower.resize(k);
  p.upper.resize(k);
  Eigen::RowVectorXd b(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const hedge_leg& l = s.legs[uz(i)];
    p.lower(i) = l.lower * l.unit / s.value;
    p.upper(i) = l.upper * l.unit / s.value;
    b(i) = l.beta;
  }
  if (!b.isZero(0)) {  // all betas zero: the target is the current beta, no row
    p.a = b;
    p.row_lower = p.row_upper = Eigen::VectorXd::Constant(1, s.target - s.beta_before);
    p.row_names = {"the beta target"};
  } else {
    p.a.resize(0, k);
    p.row_lower.resize(0);
    p.row_upper.resize(0);
  }
  p.variable_names = s.names;
  return p;
}

/// Contracts from fractions of value: q_i = x_i V / u_i, clamped to the bounds (a bound
/// converted to x and back can move by an ulp).
template <class = void>
[[nodiscard]] std::vector<double> contracts_of(const hedge_setup& s, const Eigen::VectorXd& x) {
  std::vector<double> q(s.legs.size());
  for (std::size_t i = 0; i < q.size(); ++i)
    q[i] = std::clamp(x(static_cast<Eigen::Index>(i)) * s.value / s.legs[i].unit, s.legs[i].lower, s.legs[i].upper);
  return q;
}

/// singular_problem: the minimum-variance hedge is not unique.
template <class = void>
[[noreturn]] void throw_singular_hedge(std::string_view fn) {
  throw singular_problem(message(fn,
                                 "the instruments' covariance is singular along a direction that the beta "
                                 "target and the bounds leave free (instruments that move together): the "
                                 "minimum-variance hedge is not unique"));
}

/// Whether x meets the problem's bounds and rows to 1e-9 of their scale. The QP engine can
/// return a point off its constraints when Q is singular on the feasible set (a zero
/// covariance: every hedge has the same variance); such a problem has no unique minimiser.
template <class = void>
[[nodiscard]] bool meets_constraints(const qp_problem<double>& p, const Eigen::VectorXd& x) {
  const double xs = 1 + x.lpNorm<Eigen::Infinity>();
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (x(i) < p.lower(i) - 1e-9 * xs || x(i) > p.upper(i) + 1e-9 * xs) return false;
  for (Eigen::Index r = 0; r < p.a.rows(); ++r) {
    const double v = p.a.row(r).dot(x), tol = 1e-9 * (1 + p.a.row(r).lpNorm<1>() * xs);
    if (v < p.row_lower(r) - tol || v > p.row_upper(r) + tol) return false;
  }
  return true;
}

/// The exact minimiser of a hedge QP, with the engine's singular case worded for hedging.
template <class = void>
[[nodiscard]] qp_solution<double> solve_hedge_qp(std::string_view fn, const qp_problem<double>& p) {
  qp_solution<double> sol;
  try {
    sol = solve_qp<double>(fn, p);
  } catch (const singular_problem&) {
    throw_singular_hedge(fn);
  }
  if (!meets_constraints(p, sol.x)) throw_singular_hedge(fn);
  return sol;
}

/// The minimum-variance hedge: the Lagrange closed form (one LDLT of S) without bounds, else
/// the exact active-set QP.
template <class = void>
[[nodiscard]] std::vector<double> min_variance_hedge(std::string_view fn, const hedge_setup& s,
                                                     const hedge_covariance& c) {
  const bool bounded = std::any_of(s.legs.begin(), s.legs.end(),
                                   [](const hedge_leg& l) { return std::isfinite(l.lower) || std::isfinite(l.upper); });
  if (!bounded) {
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(c.s);
    const Eigen::VectorXd d = ldlt.vectorD();
    const double top = d.cwiseAbs().maxCoeff();
    if (ldlt.info() == Eigen::Success && top > 0 &&
        d.minCoeff() > 64 * std::numeric_limits<double>::epsilon() * top * static_cast<double>(d.size())) {
      Eigen::VectorXd b(d.size());
      for (Eigen::Index i = 0; i < b.size(); ++i) b(i) = s.legs[uz(i)].beta;
      const Eigen::VectorXd y1 = ldlt.solve(c.with_portfolio), y2 = ldlt.solve(b);
      const double by2 = b.dot(y2);
      const double mu = by2 > 0 ? (s.target - s.beta_before + b.dot(y1)) / by2 : 0.0;
      return contracts_of(s, -y1 + mu * y2);
    }
  }
  return contracts_of(s, solve_hedge_qp(fn, hedge_qp(s, c)).x);
}

/// Most instruments the budgeted minimum-variance search takes (2^k orthant QPs).
inline constexpr std::size_t max_orthant_instruments = 10;

/// The minimum-variance hedge within the budget: the best of the orthant QPs (file comment).
/// Returns nothing when there are more than max_orthant_instruments instruments, or when no
/// orthant reads as feasible (the budget equal to the cheapest full hedge's cost).
template <class = void>
[[nodiscard]] std::optional<std::vector<double>> budgeted_min_variance(std::string_view fn, const hedge_setup& s,
                                                                       const hedge_covariance& c) {
  const std::size_t k = s.legs.size();
  if (k > max_orthant_instruments) return std::nullopt;
  const qp_problem<double> base = hedge_qp(s, c);
  std::optional<Eigen::VectorXd> best;
  double best_objective = std::numeric_limits<double>::infinity();
  for (std::uint32_t signs = 0; signs < (std::uint32_t{1} << k); ++signs) {
    qp_problem<double> p = base;
    Eigen::RowVectorXd cost_row(static_cast<Eigen::Index>(k));
    bool empty = false;
    for (std::size_t i = 0; i < k; ++i) {
      const auto j = static_cast<Eigen::Index>(i);
      const bool negative = ((signs >> i) & 1U) != 0;
      // An instrument whose bounds keep it on one side of zero has one orthant: the other
      // holds only x_i = 0, a face of the first.
      empty = empty || (negative ? base.lower(j) >= 0 && base.upper(j) > 0 : base.upper(j) <= 0 && base.lower(j) < 0);
      if (negative)
        p.upper(j) = std::min(p.upper(j), 0.0);
      else
        p.lower(j) = std::max(p.lower(j), 0.0);
      empty = empty || p.lower(j) > p.upper(j);
      cost_row(j) = negative ? -s.legs[i].rate : s.legs[i].rate;
    }
    if (empty) continue;
    const Eigen::Index m = p.a.rows();
    p.a.conservativeResize(m + 1, static_cast<Eigen::Index>(k));
    p.a.row(m) = cost_row;
    p.row_lower.conservativeResize(m + 1);
    p.row_upper.conservativeResize(m + 1);
    p.row_lower(m) = -std::numeric_limits<double>::infinity();
    p.row_upper(m) = *s.budget / s.value;
    p.row_names.resize(uz(m));
    p.row_names.push_back("the budget");
    try {
      const qp_solution<double> sol = solve_hedge_qp(fn, p);
      if (sol.objective < best_objective) {
        best_objective = sol.objective;
        best = sol.x;
      }
    } catch (const infeasible&) {  // this orthant holds no hedge within the budget
    }
  }
  // The cheapest full hedge fits the budget, so some orthant is feasible; a budget within the
  // phase-1 tolerance of that cost can still read as infeasible: the caller then keeps it.
  if (!best) return std::nullopt;
  std::vector<double> q = contracts_of(s, *best);
  fit_budget(s, q, s.budget);
  return q;
}

/// Rounds a continuous hedge to whole contracts (see the file comment).
template <class = void>
[[nodiscard]] std::vector<double> nearest_contracts(const hedge_setup& s, const std::vector<double>& q);

/// How good a whole-contract candidate is: its beta miss and its cost.
struct corner_score {
  double miss = std::numeric_limits<double>::infinity();
  double cost = std::numeric_limits<double>::infinity();
};

/// Whether candidate a beats b: a smaller miss beyond `tie`, or an equal miss and lower cost.
template <class = void>
[[nodiscard]] bool better_corner(const corner_score& a, const corner_score& b, double tie) {
  if (a.miss < b.miss - tie) return true;
  return a.miss <= b.miss + tie && a.cost < b.cost;
}

template <class = void>
[[nodiscard]] corner_score score_corner(const hedge_setup& s, const std::vector<double>& q) {
  const double cost = hedge_cost(s, q);
  if (s.budget && cost > *s.budget) return {};
  return {std::fabs(hedge_beta(s, q) - s.target), cost};
}

/// The tolerance within which two beta misses count as equal: rounding of the beta sums.
template <class = void>
[[nodiscard]] double miss_tie(const hedge_setup& s, const std::vector<double>& q) {
  double scale = std::fabs(s.beta_before) + std::fabs(s.target);
  for (std::size_t i = 0; i < q.size(); ++i)
    scale += std::fabs((std::fabs(q[i]) + 1) * s.legs[i].unit * s.legs[i].beta / s.value);
  return 16 * std::numeric_limits<double>::epsilon() * scale;
}

/// Bounded search beyond 16 fractional quantities: from `low`, single moves to `high` while
/// they lower the miss (or keep it and lower the cost).
template <class = void>
void improve_corner(const hedge_setup& s, std::vector<double>& q, const std::vector<double>& high,
                    const std::vector<std::size_t>& fractional, double tie) {
  corner_score current = score_corner(s, q);
  for (bool moved = true; moved;) {
    moved = false;
    std::size_t pick = 0;
    corner_score best = current;
    for (const std::size_t i : fractional) {
      const double keep = q[i];
      q[i] = high[i];
      const corner_score c = score_corner(s, q);
      q[i] = keep;
      if (q[i] != high[i] && better_corner(c, best, tie)) {
        best = c;
        pick = i;
        moved = true;
      }
    }
    if (moved) {
      q[pick] = high[pick];
      current = best;
    }
  }
}

template <class>
std::vector<double> nearest_contracts(const hedge_setup& s, const std::vector<double>& q) {
  const std::size_t k = q.size();
  std::vector<double> low(k), high(k), zero_side(k);
  std::vector<std::size_t> fractional;
  for (std::size_t i = 0; i < k; ++i) {
    const hedge_leg& l = s.legs[i];
    low[i] = std::clamp(std::floor(q[i]), l.lower, l.upper);
    high[i] = std::clamp(std::ceil(q[i]), l.lower, l.upper);
    zero_side[i] = std::clamp(std::trunc(q[i]), l.lower, l.upper);
    if (low[i] != high[i]) fractional.push_back(i);
  }
  const double tie = miss_tie(s, q);
  std::vector<double> best = zero_side;
  if (fractional.size() <= 16) {
    corner_score best_score;
    std::vector<double> trial = low;
    for (std::uint32_t mask = 0; mask < (std::uint32_t{1} << fractional.size()); ++mask) {
      for (std::size_t b = 0; b < fractional.size(); ++b)
        trial[fractional[b]] = ((mask >> b) & 1U) != 0 ? high[fractional[b]] : low[fractional[b]];
      const corner_score c = score_corner(s, trial);
      if (better_corner(c, best_score, tie)) {
        best_score = c;
        best = trial;
      }
    }
  } else {
    std::vector<double> other = high;
    for (const std::size_t i : fractional) other[i] = zero_side[i] == low[i] ? high[i] : low[i];
    improve_corner(s, best, other, fractional, tie);
  }
  // No corner within the budget (bounds away from zero): step toward zero, dearest first.
  while (s.budget && hedge_cost(s, best) > *s.budget) {
    std::size_t dearest = k;
    for (std::size_t i = 0; i < k; ++i) {
      const double next = best[i] - std::copysign(1.0, best[i]);
      if (best[i] != 0 && next >= s.legs[i].lower && next <= s.legs[i].upper &&
          (dearest == k || s.legs[i].unit * s.legs[i].rate > s.legs[dearest].unit * s.legs[dearest].rate))
        dearest = i;
    }
    if (dearest == k) break;  // cannot happen: the forced cost was checked against the budget
    best[dearest] -= std::copysign(1.0, best[dearest]);
  }
  return best;
}

}  // namespace keel::detail
