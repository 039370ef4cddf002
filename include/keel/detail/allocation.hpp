// SPDX-License-Identifier: MIT
// keel/detail/allocation.hpp: whole-lot allocations of a budget to target values, greedy and
// exact. Owned by keel/rebalance.hpp (discrete_allocation).
//
// The problem: target values t_i = w_i V, lot costs c_i = price_i x lot_size, choose whole lots
// q_i >= 0 with sum c_i q_i <= V minimising the L1 error sum |t_i - c_i q_i|.
//
// Greedy (greedy_lots): PyPortfolioOpt's DiscreteAllocation.greedy_portfolio, step for step.
//   Round 1, in order of decreasing weight (stable): q_i = floor(w_i V / c_i), paid in turn.
//   Round 2, while money is left: the deficit of each asset is w_i minus its share of the value
//   invested so far, c_i q_i / sum_j c_j q_j (its weight when nothing is invested); one more lot
//   goes to the largest deficit (the first of equal ones) that the money left pays for; an
//   unaffordable candidate has its deficit set to 0 and the next largest is tried, at most 10
//   times, and the rounds stop when the candidate's deficit is not positive or after those 10
//   tries (PyPortfolioOpt's `counter == 10`).
//
// Exact (allocation_search): depth-first branch and bound over the assets, sorted by the gain
//   ratio g_i / c_i of their last lot, g_i = 2 r_i - c_i (r_i = t_i - c_i floor(t_i / c_i)): the
//   error drops by g_i when the lot above the floor is bought. Only q_i in [0, floor + 1] can
//   be optimal (a lot beyond floor + 1 raises the error and the spending). The bound is the
//   exact continuous relaxation of the remaining assets: each error, interpolated linearly
//   between whole lots, is convex with slope -1 per unit spent below its floor and -g_i / c_i on
//   the last lot, so the cheapest fill spends first on the floors (fractionally when the money
//   runs out) and then on the last lots in ratio order, the last one fractionally (a fractional
//   knapsack, Dantzig 1957; O(log n) a node from prefix sums). Children are tried best first
//   (the last lot, then the floor, then fewer lots); the bound grows as q_i falls below the
//   floor, so the first pruned value ends that variable's loop. The greedy allocation is the
//   incumbent; a node is pruned when its bound cannot beat the incumbent by more than the
//   rounding tolerance 64 eps (V + sum t). The search stops after `max_nodes` nodes, returning
//   the best found (not proven optimal).
// IWYU pragma: private, include <keel/rebalance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// A discrete allocation in the accumulation type: targets t_i, lot costs c_i, the budget V.
template <class Acc>
struct allocation_problem {
  std::vector<Acc> weights;   ///< w_i (>= 0)
  std::vector<Acc> target;    ///< t_i = w_i V
  std::vector<Acc> lot_cost;  ///< c_i = price_i x lot_size (> 0)
  Acc budget = 0;             ///< V
};

/// sum_i |t_i - c_i q_i|, in index order.
template <class Acc>
[[nodiscard]] Acc allocation_error(const allocation_problem<Acc>& p, const std::vector<std::int64_t>& lots) {
  Acc sum = 0;
  for (std::size_t i = 0; i < lots.size(); ++i)
    sum += std::fabs(p.target[i] - p.lot_cost[i] * static_cast<Acc>(lots[i]));
  return sum;
}

/// sum_i c_i q_i, in index order.
template <class Acc>
[[nodiscard]] Acc allocation_spent(const allocation_problem<Acc>& p, const std::vector<std::int64_t>& lots) {
  Acc sum = 0;
  for (std::size_t i = 0; i < lots.size(); ++i) sum += p.lot_cost[i] * static_cast<Acc>(lots[i]);
  return sum;
}

/// Lots that `money` pays for at `cost` each: floor(money / cost), corrected so that
/// lots x cost <= money holds in floating point.
template <class Acc>
[[nodiscard]] std::int64_t affordable_lots(Acc money, Acc cost) {
  if (!(money > 0)) return 0;
  Acc k = std::floor(money / cost);
  while (k > 0 && k * cost > money) k -= 1;
  while ((k + 1) * cost <= money) k += 1;
  return static_cast<std::int64_t>(k);
}

/// PyPortfolioOpt's greedy_portfolio (see the file comment); lots in index order.
template <class Acc>
[[nodiscard]] std::vector<std::int64_t> greedy_lots(const allocation_problem<Acc>& p) {
  const std::size_t n = p.target.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p.weights[a] > p.weights[b]; });
  std::vector<std::int64_t> lots(n, 0);
  Acc funds = p.budget;
  for (const std::size_t i : order) {
    // Capped by the money left (binding only when the weights sum to more than 1).
    lots[i] = std::min(static_cast<std::int64_t>(std::floor(p.weights[i] * p.budget / p.lot_cost[i])),
                       affordable_lots(funds, p.lot_cost[i]));
    funds -= static_cast<Acc>(lots[i]) * p.lot_cost[i];
  }
  std::vector<Acc> deficit(n);
  while (funds > 0) {
    Acc invested = 0;
    for (const std::size_t i : order) invested += p.lot_cost[i] * static_cast<Acc>(lots[i]);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = order[k];
      deficit[k] = p.weights[i] - (invested > 0 ? p.lot_cost[i] * static_cast<Acc>(lots[i]) / invested : Acc(0));
    }
    const auto argmax = [&] {
      return static_cast<std::size_t>(std::max_element(deficit.begin(), deficit.end()) - deficit.begin());
    };
    std::size_t k = argmax();
    int counter = 0;
    bool stop = false;
    while (p.lot_cost[order[k]] > funds) {
      deficit[k] = 0;
      k = argmax();
      if (deficit[k] < 0 || counter == 10) {
        stop = true;
        break;
      }
      ++counter;
    }
    if (stop || deficit[k] <= 0 || counter == 10) break;
    lots[order[k]] += 1;
    funds -= p.lot_cost[order[k]];
  }
  return lots;
}

/// The exact branch and bound (see the file comment).
template <class Acc>
class allocation_search {
 public:
  allocation_search(const allocation_problem<Acc>& p, std::int64_t max_nodes) : p_(p), max_nodes_(max_nodes) {
    setup();
  }

  /// Searches from the incumbent `start` (feasible); returns the best lots found.
  [[nodiscard]] std::vector<std::int64_t> run(const std::vector<std::int64_t>& start) {
    best_lots_ = start;
    best_ = allocation_error(p_, start);
    if (!(relax(0, p_.budget) < best_ - tol_)) return best_lots_;  // the incumbent is optimal
    current_.assign(items_.size(), 0);
    dfs(0, p_.budget, Acc(0));
    return best_lots_;
  }

  /// Whether the search finished (the result is optimal to the rounding tolerance).
  [[nodiscard]] bool finished() const { return !stopped_; }
  /// Nodes explored.
  [[nodiscard]] std::int64_t nodes() const { return nodes_; }

 private:
  struct item {
    std::size_t index = 0;   // position in the caller's order
    Acc t = 0, c = 0;        // target value, lot cost
    std::int64_t floor = 0;  // floor(t / c), capped by the budget
    std::int64_t top = 0;    // largest useful lots: floor + 1 when that lot gains, else floor
    Acc gain = 0;            // error drop of lot floor + 1 (> 0 when top > floor)
  };

  const allocation_problem<Acc>& p_;
  std::int64_t max_nodes_;
  std::vector<item> items_;
  // Suffix sums over the search order: targets, floor costs, errors at the floors; prefix
  // sums of the last lots' costs and gains.
  std::vector<Acc> suffix_t_, suffix_floor_cost_, suffix_floor_error_, cum_c_, cum_g_;
  std::vector<std::int64_t> current_, best_lots_;
  Acc best_ = 0, tol_ = 0;
  std::int64_t nodes_ = 0;
  bool stopped_ = false;

  void setup() {
    const std::size_t n = p_.target.size();
    Acc scale = p_.budget;
    for (std::size_t i = 0; i < n; ++i) {
      item it{i, p_.target[i], p_.lot_cost[i]};
      const std::int64_t cap = affordable_lots(p_.budget, it.c);
      it.floor = std::min(cap, affordable_lots(it.t, it.c));
      const Acc r = it.t - it.c * static_cast<Acc>(it.floor);
      it.gain = 2 * r - it.c;
      it.top = it.gain > 0 && it.floor < cap ? it.floor + 1 : it.floor;
      if (it.top == it.floor) it.gain = 0;
      items_.push_back(it);
      scale += it.t;
    }
    tol_ = 64 * std::numeric_limits<Acc>::epsilon() * scale;
    std::stable_sort(items_.begin(), items_.end(),
                     [](const item& a, const item& b) { return a.gain / a.c > b.gain / b.c; });
    suffix_t_.assign(n + 1, 0);
    suffix_floor_cost_.assign(n + 1, 0);
    suffix_floor_error_.assign(n + 1, 0);
    for (std::size_t d = n; d-- > 0;) {
      const item& it = items_[d];
      suffix_t_[d] = suffix_t_[d + 1] + it.t;
      suffix_floor_cost_[d] = suffix_floor_cost_[d + 1] + it.c * static_cast<Acc>(it.floor);
      suffix_floor_error_[d] = suffix_floor_error_[d + 1] + (it.t - it.c * static_cast<Acc>(it.floor));
    }
    cum_c_.assign(n + 1, 0);
    cum_g_.assign(n + 1, 0);
    for (std::size_t d = 0; d < n; ++d) {
      const bool raise = items_[d].top > items_[d].floor;
      cum_c_[d + 1] = cum_c_[d] + (raise ? items_[d].c : Acc(0));
      cum_g_[d + 1] = cum_g_[d] + (raise ? items_[d].gain : Acc(0));
    }
  }

  /// The least error of items d.. with `money` to spend, whole lots relaxed (file comment).
  [[nodiscard]] Acc relax(std::size_t d, Acc money) const {
    if (money < suffix_floor_cost_[d]) return suffix_t_[d] - money;
    const Acc extra = money - suffix_floor_cost_[d];
    // The last lots in order d, d+1, ... while they fit: the largest m with cum_c_[m] - cum_c_[d] <= extra.
    const auto first = cum_c_.begin() + static_cast<std::ptrdiff_t>(d);
    const auto it = std::upper_bound(first, cum_c_.end(), cum_c_[d] + extra);
    const std::size_t m = static_cast<std::size_t>(it - cum_c_.begin()) - 1;
    Acc error = suffix_floor_error_[d] - (cum_g_[m] - cum_g_[d]);
    if (m < items_.size() && items_[m].top > items_[m].floor)
      error -= items_[m].gain * (extra - (cum_c_[m] - cum_c_[d])) / items_[m].c;
    return std::max(error, Acc(0));
  }

  void leaf(Acc error) {
    if (!(error < best_)) return;
    std::vector<std::int64_t> lots(items_.size());
    for (std::size_t d = 0; d < items_.size(); ++d) lots[items_[d].index] = current_[d];
    if (allocation_spent(p_, lots) > p_.budget) return;  // over by rounding only: not feasible
    best_ = allocation_error(p_, lots);
    best_lots_ = std::move(lots);
  }

  /// Tries q = v lots of item d; returns false when its bound prunes it.
  bool child(std::size_t d, std::int64_t v, Acc money, Acc error) {
    const item& it = items_[d];
    const Acc spend = it.c * static_cast<Acc>(v);
    const Acc e = error + std::fabs(it.t - spend);
    if (!(e + relax(d + 1, money - spend) < best_ - tol_)) return false;
    current_[d] = v;
    dfs(d + 1, money - spend, e);
    return true;
  }

  void dfs(std::size_t d, Acc money, Acc error) {
    if (stopped_ || ++nodes_ > max_nodes_) {
      stopped_ = true;
      return;
    }
    if (d == items_.size()) return leaf(error);
    const item& it = items_[d];
    const std::int64_t cap = std::min(it.top, affordable_lots(money, it.c));
    if (cap > it.floor) child(d, cap, money, error);
    for (std::int64_t v = std::min(cap, it.floor); v >= 0 && !stopped_; --v)
      if (!child(d, v, money, error)) break;
  }
};

}  // namespace keel::detail
