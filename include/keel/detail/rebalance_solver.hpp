// SPDX-License-Identifier: MIT
// keel/detail/rebalance_solver.hpp: the trades of rebalance_orders. Owned by
// keel/rebalance.hpp.
//
// A book: holdings h_i (shares), prices p_i, targets w_i, cash C, value V = sum h_i p_i + C.
// A plan trades k_i whole lots (L shares each) of value t_i = k_i L p_i, pays cost_i(k_i), and
// leaves cash C' = C - sum t_i - sum cost_i(k_i) and value V' = sum (h_i + k_i L) p_i + C' =
// V - costs. Weights after are x'_i / V'; position i is inside its band when
// |x'_i / V' - w_i| <= tol_i. Every test of a band below uses that predicate on the value the
// plan itself leaves, so the reported weights agree with the plan's decisions.
//
// Costs: cost_i(k) = rate_i |t| + c_i sigma_i |t| (s / ADV_i)^(e_i - 1), s = |k| L shares, with
// rate_i = cost_bps / 10^4 (+ half_spread_i + commission_i with cost models) and the impact term
// only for a model with impact (costs.hpp's formula; sqrt when e = 1.5). Without models every
// rate_i is cost_bps / 10^4 and there is no impact: the linear case, computed as before. The
// cost increases with |k| and is convex in it. The volume rule: a position whose model has a
// daily volume trades at most cap_i = floor(max_participation ADV_i / L) lots either way; a
// trade it cuts short of the band (band_edge) or of the target (to = target) trades cap_i lots
// and records the cause (volume). It is a bound, not an error: the plan is what can be done
// today.
//
// plan_trades(V'), one position at a time, then the cash:
//   to = band_edge: a position inside its band does not trade; one outside trades the fewest
//     lots that bring it inside (to the nearest edge), at least min_trade_value, never selling
//     more than it holds (unless shorts are allowed). When no whole lot lands inside the band,
//     or the minimum trade would overshoot it, it trades to the candidate nearest the band (no
//     trade, or the lot counts on either side of it), ties to the smaller trade, and the cause
//     (lot size, minimum trade) is recorded. If the cash then falls below zero, the shortfall
//     S is raised by selling more of positions that stay inside their bands: the fewest extra
//     lots by value, min sum e_i L p_i subject to (1 - rate) sum e_i L p_i >= S (a
//     minimum-overshoot knapsack, exact by depth-first search over the lot counts, largest
//     lots first, within funding_nodes nodes; rate the dearest linear rate of the candidates,
//     and |k_i - e_i| <= cap_i); what still cannot be paid is cut from the buys, largest lot
//     value first, as many lots as the shortfall needs at one lot's value plus the marginal
//     cost of the last lot (the most a lot saves; the loop recomputes the cash) (cause: cash).
//     With impact the cash an extra sale raises is not linear in it, so the need is found by
//     iterating: the search runs for S / (1 - rate), the cash is recomputed, and while it is
//     negative (and the candidates could raise more; at most 8 rounds) the need grows by the
//     deficit / (1 - rate) and the search reruns from the same trades.
//     Each position's trade is the least that brings it inside its band and any feasible plan
//     needs at least the shortfall in extra sales, so with a zero rate the plan has the least
//     turnover (tests check it by enumeration); with costs it is the least at the value V' it
//     leaves (a fixed point, below). With impact too, each position's trade is the fewest lots
//     that bring it inside its band at that V', which is also its cheapest (cost increases with
//     |k|): per position the plan is cost-minimal. The extra sales for cash are the least
//     value, not the least cost (a cheaper cover may sell more value of a cheaper position).
//   to = target: every position trades to the whole lot nearest w_i V' (none when that trade
//     is below min_trade_value; a sale stops at the last whole lot held unless shorts are
//     allowed; at most cap_i lots); a cash shortfall scales every buy down to the share of its
//     cost the cash pays (rounded down to whole lots), then cuts a lot at a time from the
//     position furthest above its target.
// The fixed point: V' depends on the costs of the plan, so the plan is recomputed at the V' its
// predecessor left until the lots repeat (at most 8 rounds; with no costs the second round
// only confirms the first, at V' = V up to rounding). Impact changes the costs, not this. When
// the rounds alternate between two plans (a 2-cycle), the one with fewer positions outside
// their bands at its own V' is kept, then the one with less turnover.
// IWYU pragma: private, include <keel/rebalance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// Why a position is left outside its band (or, for volume, short of its trade).
enum class band_cause : unsigned char { none, lot, min_trade, cash, volume };

/// A position's cost model in solver units (rebalance_options::costs).
template <class Acc>
struct position_cost {
  Acc rate = 0;      ///< cost_bps / 10^4 + half_spread + commission, per unit of value traded
  Acc impact = 0;    ///< c sigma: the impact per unit of value at one day's volume (0: none)
  Acc volume = 0;    ///< ADV, shares a day (> 0 when impact > 0)
  Acc exponent = 1;  ///< e in [1, 2]
  /// Most lots one order may trade (the volume rule), or the largest int64: no rule.
  std::int64_t cap = std::numeric_limits<std::int64_t>::max();
};

/// A book in the accumulation type.
template <class Acc>
struct rebalance_book {
  std::vector<Acc> holdings, prices, targets, tolerances;  ///< tolerances: band half-width per position, in weight
  Acc cash = 0, value = 0;                                 ///< C and V
  std::int64_t lot = 1;                                    ///< shares per lot
  Acc min_trade = 0, rate = 0;                             ///< minimum order value; cost per unit traded
  bool to_edge = false, allow_short = false;
  std::vector<position_cost<Acc>> costs{};  ///< per position, or empty: rate for every position
  bool impact = false;                      ///< some position's cost has an impact term
};

/// The lots traded per position and the causes of any band left unmet.
struct rebalance_trades {
  std::vector<std::int64_t> lots;
  std::vector<band_cause> causes;
};

/// Most nodes of the funding search.
inline constexpr std::int64_t funding_nodes = 200'000;

template <class Acc>
class rebalance_planner {
 public:
  explicit rebalance_planner(const rebalance_book<Acc>& b) : b_(b) {}

  /// The plan at the value after trading `after` (see the file comment).
  [[nodiscard]] rebalance_trades plan(Acc after) {
    after_ = after;
    const std::size_t n = b_.holdings.size();
    rebalance_trades out{std::vector<std::int64_t>(n, 0), std::vector<band_cause>(n, band_cause::none)};
    for (std::size_t i = 0; i < n; ++i) {
      if (b_.to_edge)
        edge_trade(i, out.lots[i], out.causes[i]);
      else
        target_trade(i, out.lots[i], out.causes[i]);
    }
    Acc cash = cash_after(out.lots);
    if (cash < 0 && b_.to_edge) cash = fund(out.lots, -cash);
    if (cash < 0) cut_buys(out, cash);
    return out;
  }

  /// Cash left by trading `lots`: C - sum_i (t_i + rate |t_i|).
  [[nodiscard]] Acc cash_after(const std::vector<std::int64_t>& lots) const {
    Acc cash = b_.cash;
    for (std::size_t i = 0; i < lots.size(); ++i) {
      const Acc t = trade_value(i, lots[i]);
      cash -= t + (rate(i) * std::fabs(t) + impact_cost(i, lots[i]));  // as the orders report it: value plus cost
    }
    return cash;
  }

  /// Value after trading `lots`: sum of the positions after plus the cash left.
  [[nodiscard]] Acc value_after(const std::vector<std::int64_t>& lots) const {
    Acc sum = cash_after(lots);
    for (std::size_t i = 0; i < lots.size(); ++i) sum += position_value(i, lots[i]);
    return sum;
  }

  /// Shares held after trading k lots of position i, and their value.
  [[nodiscard]] Acc shares_after(std::size_t i, std::int64_t k) const {
    return b_.holdings[i] + static_cast<Acc>(k) * static_cast<Acc>(b_.lot);
  }
  [[nodiscard]] Acc position_value(std::size_t i, std::int64_t k) const { return shares_after(i, k) * b_.prices[i]; }
  [[nodiscard]] Acc trade_value(std::size_t i, std::int64_t k) const {
    return static_cast<Acc>(k) * static_cast<Acc>(b_.lot) * b_.prices[i];
  }
  /// Position i's linear cost per unit of value traded.
  [[nodiscard]] Acc rate(std::size_t i) const { return b_.costs.empty() ? b_.rate : b_.costs[i].rate; }
  /// The market-impact cost of trading k lots of position i: c sigma |t| (|k| L / ADV)^(e - 1).
  [[nodiscard]] Acc impact_cost(std::size_t i, std::int64_t k) const {
    if (!b_.impact || k == 0 || !(b_.costs[i].impact > 0)) return 0;
    const position_cost<Acc>& c = b_.costs[i];
    const Acc shares = std::fabs(static_cast<Acc>(k) * static_cast<Acc>(b_.lot));
    const Acc part = shares / c.volume;
    // sqrt for the square-root law, as trade_cost.hpp: exact and faster than pow.
    const Acc scale = c.exponent == Acc(1.5) ? std::sqrt(part) : std::pow(part, c.exponent - 1);
    return c.impact * (shares * b_.prices[i]) * scale;
  }
  /// The whole cost of trading k lots of position i: rate |t| + impact.
  [[nodiscard]] Acc cost(std::size_t i, std::int64_t k) const {
    return rate(i) * std::fabs(trade_value(i, k)) + impact_cost(i, k);
  }
  /// Most lots position i may trade either way (the volume rule).
  [[nodiscard]] std::int64_t cap(std::size_t i) const {
    return b_.costs.empty() ? std::numeric_limits<std::int64_t>::max() : b_.costs[i].cap;
  }
  /// The band predicate (file comment) at value `after`.
  [[nodiscard]] Acc excess(std::size_t i, std::int64_t k, Acc after) const {
    return std::fabs(position_value(i, k) / after - b_.targets[i]) - b_.tolerances[i];
  }

 private:
  const rebalance_book<Acc>& b_;
  Acc after_ = 1;

  [[nodiscard]] bool inside(std::size_t i, std::int64_t k) const { return !(excess(i, k, after_) > 0); }
  [[nodiscard]] Acc lot_value(std::size_t i) const { return static_cast<Acc>(b_.lot) * b_.prices[i]; }
  [[nodiscard]] bool allowed(std::size_t i, std::int64_t k) const {
    if (k == 0) return true;
    if (!b_.allow_short && shares_after(i, k) < 0) return false;
    return !(std::fabs(trade_value(i, k)) < b_.min_trade);
  }
  /// Lots (>= 1) of value at least min_trade.
  [[nodiscard]] std::int64_t min_trade_lots(std::size_t i) const {
    const Acc v = lot_value(i);
    auto k = static_cast<std::int64_t>(std::max(Acc(1), std::ceil(b_.min_trade / v)));
    while (k > 1 && !(static_cast<Acc>(k - 1) * v < b_.min_trade)) --k;
    while (static_cast<Acc>(k) * v < b_.min_trade) ++k;
    return k;
  }

  /// The fewest lots (in direction dir = +1 buy, -1 sell) that bring position i inside its
  /// band: the first k >= 1 whose value has crossed the near edge.
  [[nodiscard]] std::int64_t lots_to_band(std::size_t i, int dir) const {
    const Acc x = position_value(i, 0), v = lot_value(i);
    const Acc edge = (b_.targets[i] - static_cast<Acc>(dir) * b_.tolerances[i]) * after_;
    const Acc guess = std::ceil(static_cast<Acc>(dir) * (edge - x) / v);
    auto k = static_cast<std::int64_t>(std::max(Acc(1), guess));
    const auto short_of = [&](std::int64_t m) {
      const Acc d = position_value(i, dir * m) / after_ - b_.targets[i];
      return static_cast<Acc>(dir) * d < -b_.tolerances[i];  // still on the far side of the near edge
    };
    while (k > 1 && !short_of(k - 1)) --k;
    while (short_of(k)) ++k;
    return k;
  }

  void edge_trade(std::size_t i, std::int64_t& lots, band_cause& cause) const {
    if (inside(i, 0)) return;
    const int dir = position_value(i, 0) / after_ > b_.targets[i] ? -1 : 1;
    const std::int64_t near = lots_to_band(i, dir);  // first lot count at or past the near edge
    const std::int64_t top = cap(i);
    if (near > top) {  // the volume rule stops it short of its band: the cap, if it may trade
      lots = top > 0 && allowed(i, dir * top) ? dir * top : 0;
      cause = band_cause::volume;
      return;
    }
    const std::int64_t least = std::max(near, min_trade_lots(i));
    if (least <= top && inside(i, dir * least) && allowed(i, dir * least)) {
      lots = dir * least;
      return;
    }
    // A lot count inside the band exists but the minimum trade (or the holding) rules it out,
    // or the lots jump over the band.
    cause = inside(i, dir * near) ? band_cause::min_trade : band_cause::lot;
    // The candidate nearest the band: no trade, the last count short of it, the first past it.
    std::int64_t best = 0;
    Acc best_excess = excess(i, 0, after_);
    for (const std::int64_t m : {near - 1, std::max(near, min_trade_lots(i))}) {
      if (m <= 0 || m > top || !allowed(i, dir * m)) continue;
      const Acc e = excess(i, dir * m, after_);
      if (e < best_excess) {
        best_excess = e;
        best = dir * m;
      }
    }
    lots = best;
  }

  void target_trade(std::size_t i, std::int64_t& lots, band_cause& cause) const {
    const Acc ideal = (b_.targets[i] * after_ - position_value(i, 0)) / lot_value(i);
    const Acc whole = std::trunc(ideal), rest = std::fabs(ideal - whole);
    // A trade beyond 2^62 lots is no trade a book can make: left at 0 rather than converted
    // out of range (undefined behaviour; found by orders_fuzz).
    const Acc rounded = whole + (rest > Acc(0.5) ? std::copysign(Acc(1), ideal) : Acc(0));
    if (!(std::fabs(rounded) < Acc(4.6e18))) {
      lots = 0;
      return;
    }
    auto k = static_cast<std::int64_t>(rounded);
    if (!b_.allow_short && shares_after(i, k) < 0)  // an odd lot: sell the whole lots held
      k = -static_cast<std::int64_t>(std::floor(b_.holdings[i] / static_cast<Acc>(b_.lot)));
    if (k > cap(i) || k < -cap(i)) {
      k = k > 0 ? cap(i) : -cap(i);
      cause = band_cause::volume;
    }
    lots = allowed(i, k) ? k : 0;
  }

  /// Raises `need` cash by extra sales of positions that stay inside their bands (file
  /// comment); returns the cash after.
  Acc fund(std::vector<std::int64_t>& lots, Acc need);

  /// Cuts buys a lot at a time until the cash is not negative.
  void cut_buys(rebalance_trades& t, Acc cash);
};

/// One candidate of the funding search: extra lots e in {0} or [lo, hi], of value v each.
template <class Acc>
struct funding_item {
  std::size_t position = 0;
  Acc value = 0;
  std::int64_t lo = 1, hi = 0;
};

/// min sum e_i v_i subject to sum e_i v_i >= need (see the file comment), depth first,
/// largest v first; the best found within funding_nodes nodes.
template <class Acc>
class funding_search {
 public:
  funding_search(std::vector<funding_item<Acc>> items, Acc need) : items_(std::move(items)), need_(need) {
    std::stable_sort(items_.begin(), items_.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
    room_.assign(items_.size() + 1, 0);
    for (std::size_t d = items_.size(); d-- > 0;)
      room_[d] = room_[d + 1] + items_[d].value * static_cast<Acc>(items_[d].hi);
    current_.assign(items_.size(), 0);
    tol_ = 64 * std::numeric_limits<Acc>::epsilon() * (need + room_[0]);
  }

  /// Whether the items can raise `need` at all.
  [[nodiscard]] bool enough() const { return !(room_[0] < need_); }

  /// The extra lots per item (in the items' sorted order) of the best cover found.
  [[nodiscard]] const std::vector<funding_item<Acc>>& items() const { return items_; }
  [[nodiscard]] std::vector<std::int64_t> run() {
    best_ = std::numeric_limits<Acc>::infinity();
    dfs(0, 0);
    return best_lots_;
  }

 private:
  std::vector<funding_item<Acc>> items_;
  Acc need_;
  std::vector<Acc> room_;
  std::vector<std::int64_t> current_, best_lots_;
  Acc best_ = 0, tol_ = 0;
  std::int64_t nodes_ = 0;

  void dfs(std::size_t d, Acc sum) {
    if (++nodes_ > funding_nodes && !best_lots_.empty()) return;
    if (!(sum < need_)) {
      if (sum < best_) {
        best_ = sum;
        best_lots_ = current_;
      }
      return;
    }
    if (d == items_.size() || sum + room_[d] < need_ || !(need_ < best_ - tol_)) return;
    const funding_item<Acc>& it = items_[d];
    const auto enough_lots = static_cast<std::int64_t>(std::ceil((need_ - sum) / it.value));
    const std::int64_t top = std::min(it.hi, std::max(it.lo, enough_lots));
    // Fewer lots than `least` leave the rest unable to reach the need.
    const Acc least = std::ceil((need_ - sum - room_[d + 1]) / it.value);
    const std::int64_t bottom = least > static_cast<Acc>(it.lo) ? static_cast<std::int64_t>(least) : it.lo;
    for (std::int64_t e = top; e >= bottom; --e) {
      if (nodes_ > funding_nodes && !best_lots_.empty()) return;
      if (!(sum + static_cast<Acc>(e) * it.value < best_ - tol_)) continue;  // cannot beat the best
      current_[d] = e;
      dfs(d + 1, sum + static_cast<Acc>(e) * it.value);
    }
    current_[d] = 0;
    dfs(d + 1, sum);
  }
};

template <class Acc>
Acc rebalance_planner<Acc>::fund(std::vector<std::int64_t>& lots, Acc need) {
  std::vector<funding_item<Acc>> items;
  Acc top_rate = b_.rate;  // the dearest linear rate of a candidate: its sales raise the least per unit
  for (std::size_t i = 0; i < lots.size(); ++i) {
    if (lots[i] > 0 || !inside(i, lots[i])) continue;  // buys stay; positions outside their band are left alone
    funding_item<Acc> it{i, lot_value(i), lots[i] == 0 ? min_trade_lots(i) : 1, 0};
    // The most extra lots that keep the position inside its band (and not short), and within
    // the volume rule: |lots + extra| <= cap (lots <= 0 here).
    std::int64_t hi = 0;
    for (std::int64_t step = std::int64_t{1} << 40; step > 0; step >>= 1)
      if (inside(i, lots[i] - (hi + step)) && (b_.allow_short || shares_after(i, lots[i] - (hi + step)) >= 0))
        hi += step;
    it.hi = std::min(hi, cap(i) + lots[i]);
    if (it.hi >= it.lo) {
      items.push_back(it);
      top_rate = std::max(top_rate, rate(i));
    }
  }
  // Linear costs: need / (1 - rate) of sales raise the need exactly. Impact takes more, and
  // how much depends on which sales the search picks, so the need grows by each round's
  // deficit / (1 - rate) and the search reruns (at most 8 rounds; the cash is then final and
  // cut_buys pays any rest).
  const std::vector<std::int64_t> base = lots;
  Acc goal = need / (1 - top_rate);
  for (int round = 0;; ++round) {
    funding_search<Acc> search(items, goal);
    std::vector<std::int64_t> extra;
    if (search.enough()) {
      extra = search.run();
    } else {
      for (const auto& it : search.items()) extra.push_back(it.hi);
    }
    lots = base;
    for (std::size_t d = 0; d < extra.size(); ++d) lots[search.items()[d].position] -= extra[d];
    const Acc cash = cash_after(lots);
    if (!(cash < 0) || !b_.impact || !search.enough() || round == 7) return cash;
    goal += -cash / (1 - top_rate);
  }
}

template <class Acc>
void rebalance_planner<Acc>::cut_buys(rebalance_trades& t, Acc cash) {
  if (!b_.to_edge && cash < 0) {
    // Pro rata first: every buy scaled to the share of its cost the cash pays, rounded down.
    Acc buys = 0;
    for (std::size_t i = 0; i < t.lots.size(); ++i)
      if (t.lots[i] > 0) buys += trade_value(i, t.lots[i]) * (1 + rate(i)) + impact_cost(i, t.lots[i]);
    const Acc keep = std::max(Acc(0), (buys + cash) / buys);
    for (std::size_t i = 0; i < t.lots.size(); ++i) {
      if (t.lots[i] <= 0) continue;
      const auto scaled = static_cast<std::int64_t>(std::floor(static_cast<Acc>(t.lots[i]) * keep));
      if (scaled == t.lots[i]) continue;
      t.lots[i] = scaled > 0 && allowed(i, scaled) ? scaled : 0;
      t.causes[i] = band_cause::cash;
    }
    cash = cash_after(t.lots);
  }
  while (cash < 0) {
    std::size_t pick = t.lots.size();
    Acc key = -std::numeric_limits<Acc>::infinity();
    for (std::size_t i = 0; i < t.lots.size(); ++i) {
      if (t.lots[i] <= 0) continue;
      // band_edge: the largest lot value; target: the position furthest above its target.
      const Acc k = b_.to_edge ? lot_value(i) : position_value(i, t.lots[i]) / after_ - b_.targets[i];
      if (k > key) {
        key = k;
        pick = i;
      }
    }
    if (pick == t.lots.size()) break;  // no buys left: the sales alone cannot leave cash negative
    // band_edge cuts the lots the shortfall needs at once; target one lot at a time (after
    // the pro-rata cut, at most one a position).
    // What cutting one lot saves: its value and the marginal cost of the last lot (the largest
    // saving a lot can bring, as the cost is convex: `need` never overshoots, and the loop
    // recomputes the cash).
    const Acc per =
        lot_value(pick) * (1 + rate(pick)) + (impact_cost(pick, t.lots[pick]) - impact_cost(pick, t.lots[pick] - 1));
    const auto need = static_cast<std::int64_t>(std::max(Acc(1), std::ceil(-cash / per)));
    t.lots[pick] -= b_.to_edge ? std::min(t.lots[pick], need) : 1;
    if (t.lots[pick] > 0 && !allowed(pick, t.lots[pick])) t.lots[pick] = 0;
    t.causes[pick] = band_cause::cash;
    cash = cash_after(t.lots);
  }
}

/// The plan at its own value after trading (the fixed point of the file comment).
template <class Acc>
[[nodiscard]] rebalance_trades plan_rebalance(const rebalance_book<Acc>& b) {
  rebalance_planner<Acc> planner(b);
  // Positions outside their bands at the value the lots leave themselves, and the turnover.
  const auto misses = [&](const std::vector<std::int64_t>& lots) {
    const Acc after = planner.value_after(lots);
    std::size_t out = 0;
    Acc traded = 0;
    for (std::size_t i = 0; i < lots.size(); ++i) {
      if (planner.excess(i, lots[i], after) > 0) ++out;
      traded += std::fabs(planner.trade_value(i, lots[i]));
    }
    return std::pair<std::size_t, Acc>(out, traded);
  };
  rebalance_trades t = planner.plan(b.value);
  std::vector<std::int64_t> earlier;  // the plan two rounds back
  for (int round = 0; round < 8; ++round) {
    rebalance_trades next = planner.plan(planner.value_after(t.lots));
    if (next.lots == t.lots) return next;
    // A 2-cycle: a lot more costs more and lowers V', which lets a lot fewer in, which raises
    // V' again. Neither is the least at its own V'; which one the loop stopped on would only
    // depend on the round count, so keep the one that leaves fewer positions outside their
    // bands at its own value (then the smaller turnover).
    if (next.lots == earlier) return misses(t.lots) <= misses(next.lots) ? t : next;
    earlier = std::move(t.lots);
    t = std::move(next);
  }
  return t;
}

}  // namespace keel::detail
