// SPDX-License-Identifier: MIT
// libFuzzer target for keel/costs.hpp: order_cost, square_root_impact, estimate_costs,
// almgren_chriss, almgren_chriss_frontier, schedule_cost, twap_schedule, vwap_schedule and
// implementation_shortfall.
//
// The first byte says how the rest become numbers: raw doubles (NaN, infinities, subnormals and
// 1e308 reach every check) or small integers scaled to the sizes of orders, prices, volumes and
// impact coefficients (so the formulas themselves run on most inputs). Every call must either
// throw a keel::error or return a result that keeps its documented contract:
//   costs: finite fields, every cost >= 0, total the sum of its parts, a sale costing what the
//     purchase does, estimate_costs the sum of its orders;
//   schedules: N + 1 finite times from 0 to T, holdings starting at the order (twap, vwap,
//     almgren_chriss) and ending at exactly 0, trades of the order's sign, E, V >= 0 and finite,
//     kappa finite; on the frontier, E non-decreasing and V non-increasing in lambda (loosely);
//   shortfall: finite fields, total = execution + opportunity + fees, unfilled = Q - filled.
// Anything else traps, as does any other exception or a sanitizer finding.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <keel/costs.hpp>

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

bool finite_nonnegative(double v) { return std::isfinite(v) && v >= 0; }

void check_cost(const keel::trade_cost& c) {
  require(finite_nonnegative(c.notional) && finite_nonnegative(c.spread) && finite_nonnegative(c.commission));
  require(finite_nonnegative(c.impact) && finite_nonnegative(c.total) && finite_nonnegative(c.bps));
  require(c.total == c.spread + c.commission + c.impact);
  require(c.notional > 0 || c.total == 0);
}

keel::cost_model read_model(reader& r) {
  keel::cost_model m;
  m.half_spread = r.next(1e-3, 1e-3);
  m.commission = r.next(5e-4, 5e-4);
  m.impact = r.next(1, 1);
  m.volatility = r.next(0.03, 0.03);
  m.daily_volume = r.next(1e6, 1.01e6);
  m.exponent = r.next(0.55, 1.5);
  m.max_participation = r.next(1, 1.01);
  return m;
}

void costs(reader& r) {
  const std::uint8_t flags = r.byte();
  const keel::cost_model m = read_model(r);
  const double x = r.next(1e6), price = r.next(500, 501);
  try {
    const keel::trade_cost c = keel::order_cost(x, price, m);
    check_cost(c);
    const keel::trade_cost sale = keel::order_cost(-x, price, m);
    require(sale.total == c.total && sale.bps == c.bps);
    if (m.exponent == 1.5) {
      // order_cost's impact is square_root_impact's.
      const double s = keel::square_root_impact(x, price, m.volatility, m.daily_volume, m.impact);
      require(std::fabs(s - c.impact) <= 1e-12 * c.impact);
    }
  } catch (const keel::error&) {
  }
  try {
    const double s = keel::square_root_impact(x, price, m.volatility, m.daily_volume, (flags & 1) ? m.impact : 1.0);
    require(finite_nonnegative(s));
  } catch (const keel::error&) {
  }
  const std::size_t n = flags % 6;
  std::vector<keel::cost_order> orders;
  for (std::size_t i = 0; i < n; ++i)
    orders.push_back({"O" + std::to_string(i), r.next(1e6), r.next(500, 501), (flags & 0x80) ? read_model(r) : m});
  try {
    const keel::cost_estimate e = keel::estimate_costs(orders);
    require(e.orders.size() == n);
    double notional = 0, total = 0;
    for (const auto& c : e.orders) {
      check_cost(c);
      notional += c.notional;
      total += c.total;
    }
    require(finite_nonnegative(e.notional) && finite_nonnegative(e.spread) && finite_nonnegative(e.commission));
    require(finite_nonnegative(e.impact) && finite_nonnegative(e.total) && finite_nonnegative(e.bps));
    require(e.total == e.spread + e.commission + e.impact);
    require(std::fabs(e.notional - notional) <= 1e-12 * notional);
    require(std::fabs(e.total - total) <= 1e-12 * total);
  } catch (const keel::error&) {
  }
}

keel::ac_parameters read_parameters(reader& r) {
  keel::ac_parameters p;
  p.horizon = r.next(5, 5.01);
  p.volatility = r.next(1, 1);
  p.permanent_impact = r.next(2.5e-7, 2.5e-7);
  p.temporary_impact = r.next(2.5e-6, 2.5e-6);
  p.fixed_cost = r.next(0.06, 0.06);
  p.risk_aversion = std::pow(10.0, r.next(12, -6));  // 1e-18 .. 1e6 when scaled
  return p;
}

/// The contract of every schedule; `shares` is the order when the function was given one.
void check_schedule(const keel::execution_schedule& s, std::size_t n, double horizon, std::optional<double> shares) {
  require(s.times.size() == n + 1 && s.holdings.size() == n + 1 && s.trades.size() == n);
  require(s.times.front() == 0 && s.times.back() == horizon);
  for (std::size_t k = 0; k <= n; ++k) require(std::isfinite(s.times[k]) && std::isfinite(s.holdings[k]));
  for (std::size_t k = 1; k <= n; ++k) require(s.times[k] >= s.times[k - 1]);
  if (shares) require(s.holdings.front() == *shares);
  require(s.holdings.back() == 0);
  const double x0 = s.holdings.front();
  for (double t : s.trades) require(std::isfinite(t) && t * x0 >= 0);
  require(finite_nonnegative(s.expected_cost) && finite_nonnegative(s.cost_variance));
  require(std::isfinite(s.utility) && s.utility >= s.expected_cost);
  require(finite_nonnegative(s.kappa));
}

void optimal(reader& r) {
  const std::uint8_t flags = r.byte();
  const std::size_t n = flags % 64;  // 0: the periods error
  const double shares = r.next(1e6);
  const keel::ac_parameters p = read_parameters(r);
  try {
    const keel::execution_schedule s = keel::almgren_chriss(shares, n, p);
    check_schedule(s, n, p.horizon, shares);
    if (p.risk_aversion == 0) require(s.kappa == 0);
  } catch (const keel::error&) {
  }
  std::vector<double> lambdas(r.byte() % 6);
  for (double& l : lambdas) l = (flags & 0x40) ? r.next() : std::pow(10.0, r.next(12, -6));
  // Sorted when they can be, so the frontier's order is lambda's.
  if (std::all_of(lambdas.begin(), lambdas.end(), [](double l) { return !std::isnan(l); }))
    std::sort(lambdas.begin(), lambdas.end());
  try {
    const std::vector<keel::execution_schedule> f = keel::almgren_chriss_frontier(shares, n, lambdas, p);
    require(f.size() == lambdas.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
      check_schedule(f[i], n, p.horizon, shares);
      if (i == 0) continue;
      // Loosely: E and V are computed from rounded holdings.
      const double e_tol = 1e-9 * std::max(f[i].expected_cost, f[i - 1].expected_cost) + 1e-300;
      const double v_tol = 1e-9 * std::max(f[i].cost_variance, f[i - 1].cost_variance) + 1e-300;
      require(f[i].expected_cost >= f[i - 1].expected_cost - e_tol);
      require(f[i].cost_variance <= f[i - 1].cost_variance + v_tol);
    }
  } catch (const keel::error&) {
  }
}

void schedules(reader& r) {
  const std::uint8_t flags = r.byte();
  const std::size_t n = flags % 24;
  const double shares = r.next(1e6);
  const keel::ac_parameters p = read_parameters(r);
  std::vector<double> values(n);
  for (double& v : values) v = (flags & 0x80) ? r.next(1e5) : r.next(1e5, 1e5);  // signed or mostly one sign
  try {
    check_schedule(keel::twap_schedule(shares, n, p), n, p.horizon, shares);
  } catch (const keel::error&) {
  }
  try {
    check_schedule(keel::vwap_schedule(shares, values, p), n, p.horizon, shares);
  } catch (const keel::error&) {
  }
  try {
    const keel::execution_schedule s = keel::schedule_cost(values, p);
    check_schedule(s, n, p.horizon, std::nullopt);
    require(s.kappa == 0);
    double sum = 0, size = 0;
    for (double v : values) {
      sum += v;
      size += std::fabs(v);
    }
    require(std::fabs(s.holdings.front() - sum) <= 1e-12 * size);
  } catch (const keel::error&) {
  }
}

void shortfall(reader& r) {
  const std::uint8_t flags = r.byte();
  const double q = r.next(1e5);
  const double pd = r.next(100, 101);
  std::vector<keel::execution_fill> fills(flags % 8);
  for (auto& f : fills) {
    // Mostly the order's sign and a share of it, so that complete and partial fills both occur.
    const double share = r.next(0.5, 0.5);
    f.quantity = (flags & 0x80) ? r.next(1e5) : q * share / static_cast<double>(fills.size());
    f.price = r.next(100, 101);
    f.fees = r.next(5, 5);
  }
  keel::shortfall_options o;
  if (flags & 0x40) o.final_price = r.next(100, 101);
  try {
    const keel::shortfall s = keel::implementation_shortfall(fills, q, pd, o);
    for (double v : {s.filled, s.unfilled, s.average_price, s.execution_cost, s.opportunity_cost, s.fees, s.total,
                     s.paper_notional, s.bps, s.execution_bps})
      require(std::isfinite(v));
    require(s.total == s.execution_cost + s.opportunity_cost + s.fees);
    require(s.fees >= 0 && s.paper_notional > 0 && s.average_price >= 0);
    require(s.unfilled == 0 || s.unfilled == q - s.filled);
    require(s.filled * q >= 0 && std::fabs(s.filled) <= std::fabs(q) * (1 + 1e-12));
    require(s.unfilled == 0 || o.final_price);
    if (s.unfilled == 0) require(s.opportunity_cost == 0);
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  reader r(data + 1, size - 1, (data[0] & 1) != 0);
  switch ((data[0] >> 1) % 4) {
    case 0:
      costs(r);
      break;
    case 1:
      optimal(r);
      break;
    case 2:
      schedules(r);
      break;
    default:
      shortfall(r);
      break;
  }
  return 0;
}
