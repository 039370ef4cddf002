// SPDX-License-Identifier: MIT
// libFuzzer target for keel's order generators: hedge_to_target_beta (with Almgren-Chriss
// executions and the risk reduction) and hedge_effect (keel/hedge.hpp), rebalance_orders and
// discrete_allocation (keel/rebalance.hpp).
//
// The first byte says how the rest become numbers: raw doubles (NaN, infinities, subnormals and
// 1e308 reach every check) or small integers scaled to the sizes of prices, betas, weights and
// values (so the solvers themselves run on most inputs). Every call must either throw a
// keel::error or return a result that keeps its documented contract:
//   hedge: finite fields, quantities within the bounds and the volume rule (whole when
//     rounding), impact within each order's cost, beta_after equal
//     to beta_before + sum n_i beta_i / V recomputed here, total_cost the sum of the orders'
//     costs and within the budget, a reason exactly when not fully hedged; an order of an
//     instrument with an execution carries its Almgren-Chriss schedule, whose trades sum to
//     minus its signed quantity, expected costs finite, >= 0 and summing to execution_cost; the
//     effect's volatilities >= 0 and VaRs finite when both volatilities are given;
//   rebalance: orders of whole lots, sells first, each at least the minimum value, the cash
//     replayed here never negative, finite weights; with cost models (none, one, or one per
//     position), costs >= 0, impact within each order's cost, impact_cost and total_cost the
//     sums of the orders', cash_after >= 0 and every quantity within the volume rule;
//   allocation: quantities >= 0 in whole lots, leftover >= 0, exact error <= greedy error.
// Anything else traps, as does any other exception or a sanitizer finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/hedge.hpp>
#include <keel/rebalance.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

/// Numbers from the bytes: raw doubles, or int16 scaled by `scale` (and shifted by `shift`).
class reader {
 public:
  reader(const std::uint8_t* data, std::size_t size, bool raw) : data_(data), size_(size), raw_(raw) {}
  double next(double scale = 1, double shift = 0) {
    if (raw_) {
      double d = 0;
      if (at_ + sizeof d <= size_) std::memcpy(&d, data_ + at_, sizeof d);
      at_ += sizeof d;
      return d;
    }
    std::int16_t s = 0;
    if (at_ + sizeof s <= size_) std::memcpy(&s, data_ + at_, sizeof s);
    at_ += sizeof s;
    return shift + scale * static_cast<double>(s) / 32768.0;
  }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, at_ = 0;
  bool raw_;
};

void hedge(reader& r) {
  const std::uint8_t flags = r.byte();
  const std::size_t k = 1 + flags % 4;
  std::vector<keel::hedge_instrument> ins;
  for (std::size_t i = 0; i < k; ++i) {
    keel::hedge_instrument h{"H", r.next(2, 0.5), r.next(500, 510), (flags & 0x10) ? 50.0 : 1.0, r.next(5, 5)};
    const std::uint8_t b = r.byte();
    if (b & 1) h.min_quantity = r.next(1e4);
    if (b & 2) h.max_quantity = r.next(1e4);
    if (b & 4)  // a cost model with square-root (or other power) impact and a volume rule
      h.costs = {.half_spread = r.next(1e-3, 1e-3),
                 .commission = r.next(1e-4, 1e-4),
                 .impact = r.next(1, 1),
                 .volatility = r.next(0.02, 0.02),
                 .daily_volume = r.next(1e4, 1.1e4),
                 .exponent = (b & 8) ? 1.5 : r.next(0.5, 1.5),
                 .max_participation = r.next(1, 1.1)};
    if (b & 16)  // an Almgren-Chriss execution (raw doubles reach every parameter check)
      h.execution = keel::hedge_execution{.parameters = {.horizon = r.next(1, 1),
                                                         .volatility = r.next(3000, 3000),
                                                         .permanent_impact = r.next(0.05, 0.05),
                                                         .temporary_impact = r.next(0.5, 0.5),
                                                         .fixed_cost = r.next(10, 10),
                                                         .risk_aversion = r.next(1e-6, 1e-6)},
                                          .periods = static_cast<std::size_t>(r.byte() % 40)};
    ins.push_back(h);
  }
  const double value = r.next(1e7, 1.1e7), beta = r.next(2), target = r.next(2);
  keel::hedge_options o;
  if (flags & 0x20) o.budget = r.next(1e-3, 1e-3);
  o.round_to_contracts = (flags & 0x40) == 0;
  if (flags & 0x80) {
    o.objective = keel::hedge_objective::min_variance;
    const auto n = static_cast<Eigen::Index>(k + 1);
    Eigen::MatrixXd a(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < n; ++j) a(i, j) = r.next(0.02);
    o.covariance = a * a.transpose();
  }
  const std::uint8_t risk = r.byte();
  if (risk & 1) o.market_volatility = r.next(0.02, 0.02);
  if (risk & 2) o.residual_volatility = r.next(0.02, 0.02);
  try {
    const keel::hedge_plan plan = keel::hedge_to_target_beta(value, beta, ins, target, o);
    require(plan.quantities.size() == k);
    long double sum = 0, cost = 0, size = 0;
    for (std::size_t i = 0; i < k; ++i) {
      const double q = plan.quantities[i];
      require(std::isfinite(q));
      if (o.round_to_contracts) require(q == std::round(q));
      require(!ins[i].min_quantity || q >= *ins[i].min_quantity);
      require(!ins[i].max_quantity || q <= *ins[i].max_quantity);
      if (ins[i].costs.daily_volume > 0)  // the volume rule
        require(std::fabs(q) <= ins[i].costs.max_participation * ins[i].costs.daily_volume);
      sum += static_cast<long double>(q) * (ins[i].price * ins[i].multiplier) * ins[i].beta;
      size += std::fabs(static_cast<long double>(q) * (ins[i].price * ins[i].multiplier) * ins[i].beta);
    }
    long double impact = 0, execution = 0;
    std::size_t next = 0;  // the orders follow the instruments, skipping those not traded
    for (const auto& order : plan.orders) {
      require(order.quantity > 0 && order.notional > 0 && order.cost >= 0);
      require(order.impact >= 0 && order.impact <= order.cost);
      cost += order.cost;
      impact += order.impact;
      while (next < k && plan.quantities[next] == 0) ++next;
      require(next < k && std::fabs(plan.quantities[next]) == order.quantity);
      const keel::execution_schedule& s = order.schedule;
      if (ins[next].execution) {
        // Trades positive for a sale (almgren_chriss's sign), together the whole order.
        require(s.trades.size() == ins[next].execution->periods && s.holdings.size() == s.trades.size() + 1);
        long double traded = 0, scale = 0;
        for (const double t : s.trades) {
          require(std::isfinite(t));
          traded += t;
          scale += std::fabs(t);
        }
        require(std::fabs(traded + plan.quantities[next]) <= 1e-9L * std::fabs(plan.quantities[next]));
        require(scale <= std::fabs(plan.quantities[next]) * (1 + 1e-9L));  // no trade against the order
        require(std::isfinite(s.expected_cost) && s.expected_cost >= 0);
        require(std::isfinite(s.cost_variance) && s.cost_variance >= 0);
        execution += s.expected_cost;
      } else {
        require(s.trades.empty() && s.holdings.empty() && s.times.empty() && s.expected_cost == 0);
      }
      ++next;
    }
    require(std::fabs(plan.impact_cost - impact) <= 1e-12L * (1 + impact));
    require(std::isfinite(plan.execution_cost) && plan.execution_cost >= 0);
    require(std::fabs(plan.execution_cost - execution) <= 1e-12L * execution);
    require(plan.effect.has_value() == (o.market_volatility.has_value() && o.residual_volatility.has_value()));
    if (plan.effect)
      require(plan.effect->volatility_before >= 0 && plan.effect->volatility_after >= 0 &&
              std::isfinite(plan.effect->var_before) && std::isfinite(plan.effect->var_after) &&
              plan.effect->beta_after == plan.beta_after);
    const long double recomputed = beta + sum / value;
    require(std::isfinite(plan.beta_after) && std::isfinite(plan.total_cost) && std::isfinite(plan.cost_fraction));
    require(std::fabs(plan.beta_after - recomputed) <= 1e-9L * (1 + std::fabs(beta) + size / value));
    require(plan.beta_residual == plan.beta_after - target);
    require(std::fabs(plan.total_cost - cost) <= 1e-12L * (1 + cost));
    if (o.budget) require(plan.total_cost <= *o.budget * value);
    require(plan.fully_hedged == plan.reason.empty());
    // The continuous hedge meets the target, to rounding of the beta sums (their scale is the
    // hedge's own size: a near-singular covariance can ask for enormous offsetting positions).
    if (plan.fully_hedged && !o.round_to_contracts)
      require(std::fabs(plan.beta_residual) <= 1e-8L * (1 + std::fabs(beta) + std::fabs(target) + size / value));
    const keel::hedge_effect_result e = keel::hedge_effect(plan, std::fabs(r.next(0.02)), std::fabs(r.next(0.02)));
    require(e.volatility_before >= 0 && e.volatility_after >= 0 && std::isfinite(e.var_before) &&
            std::isfinite(e.var_after));
  } catch (const keel::error&) {
  }
}

void rebalance(reader& r) {
  const std::uint8_t flags = r.byte();
  const std::size_t n = 1 + flags % 6;
  std::vector<double> h, p, w;
  for (std::size_t i = 0; i < n; ++i) {
    h.push_back(std::round(r.next(200, 200)));
    p.push_back(r.next(100, 101));
    w.push_back(r.next(0.2, 0.2));
  }
  keel::rebalance_options o;
  o.band = (flags & 0x08) ? keel::drift_band::relative(r.next(0.3, 0.3)) : keel::drift_band(r.next(0.05, 0.05));
  o.to = (flags & 0x10) ? keel::rebalance_to::band_edge : keel::rebalance_to::target;
  o.cash = r.next(5e3, 5e3);
  o.min_trade_value = (flags & 0x20) ? r.next(500, 500) : 0;
  o.lot_size = 1 + r.byte() % 10;
  o.cost_bps = (flags & 0x40) ? r.next(50, 50) : 0;
  o.allow_short = (flags & 0x80) != 0;
  // Cost models: none, one for every position, or one per position (and now and then a wrong
  // count, which must be invalid_input).
  const std::uint8_t models = r.byte();
  const std::size_t count = models % 4 == 0 ? 0 : models % 4 == 1 ? 1 : models % 4 == 2 ? n : n + 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t b = r.byte();
    keel::cost_model m{.half_spread = r.next(1e-3, 1e-3), .commission = r.next(1e-4, 1e-4)};
    if (b & 1) {  // impact: square-root law or another power
      m.impact = r.next(1, 1);
      m.volatility = r.next(0.02, 0.02);
      m.exponent = (b & 2) ? 1.5 : r.next(0.5, 1.5);
    }
    if ((b & 1) || (b & 4)) {  // a volume rule
      m.daily_volume = r.next(500, 500);
      m.max_participation = r.next(0.5, 0.5);
    }
    o.costs.push_back(m);
  }
  try {
    const keel::rebalance_plan<double> plan = keel::rebalance_orders(h, p, w, o);
    long double cash = o.cash, cost = 0, impact = 0;
    bool buying = false;
    for (const auto& order : plan.orders) {
      const auto i = static_cast<std::size_t>(order.position);
      require(i < n && order.quantity > 0 && std::fmod(order.quantity, static_cast<double>(o.lot_size)) == 0);
      require(order.value >= o.min_trade_value && order.cost >= 0);
      require(order.impact >= 0 && order.impact <= order.cost);
      if (!o.costs.empty()) {
        const keel::cost_model& m = o.costs.size() == 1 ? o.costs[0] : o.costs[i];
        if (m.daily_volume > 0) require(order.quantity <= m.max_participation * m.daily_volume);  // the volume rule
      }
      cost += order.cost;
      impact += order.impact;
      buying = buying || order.side == keel::order_side::buy;
      require(!(buying && order.side == keel::order_side::sell));
      cash += (order.side == keel::order_side::buy ? -1.0L : 1.0L) * order.value - order.cost;
      require(cash >= -1e-9L * (1 + o.cash + static_cast<long double>(order.value)));
    }
    require(plan.cash_after >= 0 && std::isfinite(plan.turnover) && plan.turnover >= 0);
    require(plan.impact_cost >= 0 && plan.impact_cost <= plan.total_cost);
    require(std::fabs(plan.total_cost - cost) <= 1e-12L * (1 + cost));
    require(std::fabs(plan.impact_cost - impact) <= 1e-12L * (1 + impact));
    require(plan.weights_after.size() == n && plan.drifts.size() == n && plan.residual_drifts.size() == n);
    for (std::size_t i = 0; i < n; ++i) require(std::isfinite(plan.weights_after[i]) && std::isfinite(plan.drifts[i]));
    require(plan.needed || plan.orders.empty());
  } catch (const keel::error&) {
  }
}

void allocate(reader& r) {
  const std::uint8_t flags = r.byte();
  const std::size_t n = 1 + flags % 8;
  std::vector<double> w, p;
  for (std::size_t i = 0; i < n; ++i) {
    w.push_back(r.next(0.5, 0.5) / static_cast<double>(n));
    p.push_back(r.next(200, 201));
  }
  const double value = r.next(1e4, 1.01e4);
  const std::int64_t lot = 1 + r.byte() % 5;
  try {
    const auto g = keel::discrete_allocation(w, p, value, {.lot_size = lot});
    const auto e = keel::discrete_allocation(
        w, p, value, {.method = keel::allocation_method::exact, .lot_size = lot, .max_nodes = 20'000});
    for (const auto* a : {&g, &e}) {
      require(a->quantities.size() == n && a->leftover >= 0 && std::isfinite(a->l1_error) && a->l1_error >= 0);
      for (const std::int64_t q : a->quantities) require(q >= 0 && q % lot == 0);
    }
    require(e.l1_error <= g.l1_error + 1e-9 * value);
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  reader r(data + 1, size - 1, (data[0] & 1) != 0);
  switch ((data[0] >> 1) % 3) {
    case 0:
      hedge(r);
      break;
    case 1:
      rebalance(r);
      break;
    default:
      allocate(r);
      break;
  }
  return 0;
}
