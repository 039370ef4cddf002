// SPDX-License-Identifier: MIT
// libFuzzer target for keel/options.hpp: black_scholes (single and chain), black76,
// implied_volatility (single and chain), book_greeks, protective_put, zero_cost_collar and
// compare_hedges.
//
// The first byte says how the rest become numbers: raw doubles (NaN, infinities, subnormals and
// 1e308 reach every check) or small integers mapped onto log-scaled spots, strikes, maturities
// and volatilities and onto rates of +-30% (so the formulas and the solver run on most inputs).
// Every call must either throw a keel::error or return a result that keeps its contract:
//   valuations: every field finite, the price within the no-arbitrage range
//     [discounted intrinsic, upper bound] to rounding, delta within [0, e^{-qT}] (call) or
//     [-e^{-qT}, 0] (put), gamma and vega >= 0, theta_per_day = theta / 365; Black-76's
//     rho = -T V and dividend_rho = 0; the chain forms equal the single forms bit for bit;
//   implied_volatility: a finite sigma > 0, and on a price black_scholes made from a sigma,
//     black_scholes at the returned sigma gives the price back to a loose relative tolerance;
//   book_greeks: finite fields, delta_hedge = -delta, the sums recomputed here;
//   option hedges: legs of the right kind and sign, finite fields, the floor met, a collar's
//     cash exactly zero to rounding;
//   compare_hedges: six strategies, each with a reason and zero figures or finite ones, CVaR
//     at least VaR, a payoff per chart point, the limit checked.
// Anything else traps, as does any other exception or a sanitizer finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/options.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

constexpr double eps = std::numeric_limits<double>::epsilon();
// Below this a price has no relative digits (it is at or near double's subnormal range).
constexpr double tiny = 1e-290;

/// Numbers from the bytes: raw doubles, or int16 mapped by the caller's scale (see next).
class reader {
 public:
  reader(const std::uint8_t* data, std::size_t size, bool raw) : data_(data), size_(size), raw_(raw) {}
  /// A raw double, or shift + scale u with u in [-1, 1) from an int16.
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
  /// A positive number on a log scale: base e^{scale u + shift} (raw: the double itself).
  double positive(double base, double scale, double shift = 0) {
    const double x = next(scale, shift);
    return raw_ ? x : base * std::exp(x);
  }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, at_ = 0;
  bool raw_;
};

keel::option_type type_of(std::uint8_t b) { return (b & 1) ? keel::option_type::put : keel::option_type::call; }

keel::european_option read_option(reader& r, double spot) {
  const auto type = type_of(r.byte());
  const double strike = r.positive(std::isfinite(spot) && spot > 0 ? spot : 100, 3);
  const double maturity = r.positive(1, 5, -1);
  return {type, strike, maturity};
}

keel::option_market read_market(reader& r) {
  keel::option_market m;
  m.spot = r.positive(100, 6);
  m.rate = r.next(0.3);
  m.dividend_yield = r.next(0.3);
  m.volatility = r.positive(0.3, 3);
  return m;
}

/// The valuation's contract; `a` = S e^{-qT} (F e^{-rT} for Black-76), `b` = K e^{-rT}.
void check_valuation(const keel::option_valuation& v, const keel::european_option& o, double a, double b,
                     double df_yield) {
  require(std::isfinite(v.price) && std::isfinite(v.delta) && std::isfinite(v.gamma) && std::isfinite(v.vega) &&
          std::isfinite(v.theta) && std::isfinite(v.rho) && std::isfinite(v.dividend_rho) &&
          std::isfinite(v.theta_per_day));
  require(v.theta_per_day == v.theta / 365);
  require(v.gamma >= 0 && v.vega >= 0);
  const bool call = o.type == keel::option_type::call;
  // Recomputed here, a and b may differ from keel's by an ulp; the price's own rounding is a
  // few eps of the terms a N(d1) and b N(d2), at most a and b.
  if (std::isfinite(a) && std::isfinite(b)) {
    const double slack = 16 * eps * (a + b) + tiny;
    const double lower = call ? std::max(a - b, 0.0) : std::max(b - a, 0.0);
    const double upper = call ? a : b;
    require(v.price >= lower - slack && v.price <= upper + slack);
  }
  const double dslack = 16 * eps * df_yield + tiny;
  if (call)
    require(v.delta >= -dslack && v.delta <= df_yield + dslack);
  else
    require(v.delta <= dslack && v.delta >= -df_yield - dslack);
}

bool same(const keel::option_valuation& x, const keel::option_valuation& y) {
  const auto eq = [](double p, double q) { return p == q || (std::isnan(p) && std::isnan(q)); };
  return eq(x.price, y.price) && eq(x.delta, y.delta) && eq(x.gamma, y.gamma) && eq(x.vega, y.vega) &&
         eq(x.theta, y.theta) && eq(x.rho, y.rho) && eq(x.dividend_rho, y.dividend_rho) &&
         eq(x.theta_per_day, y.theta_per_day);
}

void valuations(reader& r) {
  const keel::option_market m = read_market(r);
  const std::size_t n = 1 + r.byte() % 6;
  std::vector<keel::european_option> chain;
  for (std::size_t i = 0; i < n; ++i) chain.push_back(read_option(r, m.spot));
  std::vector<keel::option_valuation> out;
  bool chain_ok = true;
  try {
    keel::black_scholes(chain, m, out);
    require(out.size() == n);
  } catch (const keel::error&) {
    chain_ok = false;
  }
  bool all_single_ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& o = chain[i];
    try {
      const auto v = keel::black_scholes(o, m);
      const double dq = std::exp(-m.dividend_yield * o.maturity);
      check_valuation(v, o, m.spot * dq, o.strike * std::exp(-m.rate * o.maturity), dq);
      if (chain_ok) require(same(v, out[i]));
    } catch (const keel::error&) {
      all_single_ok = false;
    }
  }
  // The chain succeeds exactly when every option does alone.
  require(chain_ok == all_single_ok);

  // Black-76 on the same numbers, the spot as the futures price.
  const keel::black76_market f{m.spot, m.rate, m.volatility};
  try {
    const auto v = keel::black76(chain[0], f);
    const double df = std::exp(-f.rate * chain[0].maturity);
    check_valuation(v, chain[0], f.forward * df, chain[0].strike * df, df);
    require(v.rho == -chain[0].maturity * v.price && v.dividend_rho == 0);
  } catch (const keel::error&) {
  }
}

void implied(reader& r) {
  keel::option_market m = read_market(r);
  const std::size_t n = 1 + r.byte() % 4;
  const bool from_sigma = (r.byte() & 1) != 0;
  std::vector<keel::european_option> chain;
  std::vector<double> prices, sigmas;
  for (std::size_t i = 0; i < n; ++i) {
    chain.push_back(read_option(r, m.spot));
    double price = std::numeric_limits<double>::quiet_NaN();
    const double sigma = r.positive(0.3, 3);
    if (from_sigma) {
      try {
        keel::option_market at = m;
        at.volatility = sigma;
        price = keel::black_scholes(chain.back(), at).price;
      } catch (const keel::error&) {
      }
    } else {
      price = r.positive(1, 8);
    }
    prices.push_back(price);
    sigmas.push_back(sigma);
  }
  m.volatility = (r.byte() & 1) ? m.volatility : std::numeric_limits<double>::quiet_NaN();  // ignored
  std::vector<double> out;
  bool chain_ok = true;
  try {
    keel::implied_volatility(chain, m, prices, out);
    require(out.size() == n);
  } catch (const keel::error&) {
    chain_ok = false;
  }
  bool all_single_ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    try {
      const double s = keel::implied_volatility(chain[i], m, prices[i]);
      require(std::isfinite(s) && s > 0);
      if (chain_ok) require(s == out[i]);
      if (from_sigma) {
        keel::option_market at = m;
        at.volatility = s;
        try {
          const double back = keel::black_scholes(chain[i], at).price;
          // The solver stops within a few ulp of s, which moves the price by vega ds; the
          // price's rounding in the far tail is ~1e-9 relative (two cancelling tails), and
          // absolute, eps (a + b), where a N(d1) and b N(d2) cancel near 1/2 (at the money with
          // sigma sqrt T ~ 1e-11 the price is ~1e-11 a: ~1e-5 relative, in either direction).
          const double t = chain[i].maturity;
          const double a = m.spot * std::exp(-m.dividend_yield * t), b = chain[i].strike * std::exp(-m.rate * t);
          require(std::fabs(back - prices[i]) <= 1e-6 * prices[i] + 16 * eps * (a + b) + tiny);
        } catch (const keel::error&) {
          // A sigma so large that a Greek overflows (sigma^2 T): the price itself was finite.
        }
      }
    } catch (const keel::error&) {
      all_single_ok = false;
    }
  }
  require(chain_ok == all_single_ok);
}

void book(reader& r) {
  const keel::option_market m = read_market(r);
  const std::size_t n = r.byte() % 5;
  std::vector<keel::option_position> positions;
  for (std::size_t i = 0; i < n; ++i) {
    keel::option_position p;
    p.symbol = "P" + std::to_string(i);
    p.option = read_option(r, m.spot);
    p.quantity = r.next(100);
    p.multiplier = (r.byte() & 1) ? 100 : 1;
    if (r.byte() & 1) p.volatility = r.positive(0.3, 3);
    positions.push_back(p);
  }
  const double underlying = r.next(1000);
  try {
    const keel::option_book b = keel::book_greeks(positions, m, underlying);
    require(b.positions.size() == n);
    require(std::isfinite(b.value) && std::isfinite(b.delta) && std::isfinite(b.gamma) && std::isfinite(b.vega) &&
            std::isfinite(b.theta) && std::isfinite(b.rho));
    require(b.delta_hedge == -b.delta);
    long double value = static_cast<long double>(underlying) * m.spot, delta = underlying;
    long double size_v = std::fabs(value), size_d = std::fabs(delta);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = positions[i];
      keel::option_market own = m;
      if (p.volatility) own.volatility = *p.volatility;
      require(same(b.positions[i], keel::black_scholes(p.option, own)));
      const long double units = static_cast<long double>(p.quantity) * p.multiplier;
      value += units * b.positions[i].price;
      delta += units * b.positions[i].delta;
      size_v += std::fabs(units * b.positions[i].price);
      size_d += std::fabs(units * b.positions[i].delta);
    }
    require(std::fabs(b.value - value) <= 8 * eps * size_v + tiny);
    require(std::fabs(b.delta - delta) <= 8 * eps * size_d + tiny);
  } catch (const keel::error&) {
  }
}

/// Index terms from the bytes (log-scaled spot and volatility, +-30% rates).
keel::index_option_terms index_terms(reader& r) {
  keel::index_option_terms t;
  t.market = {.spot = r.positive(5000, 3),
              .rate = r.next(0.3),
              .dividend_yield = r.next(0.3),
              .volatility = r.positive(0.2, 2)};
  t.maturity = r.positive(0.25, 3);
  t.multiplier = r.positive(100, 2);
  t.half_spread = r.next(0.05, 0.05);
  return t;
}

/// protective_put and zero_cost_collar: legs of the right kind, the floor met (the reported
/// floor at most the one asked for, to rounding), the collar's cash zero, finite fields.
void option_hedges(reader& r) {
  const auto t = index_terms(r);
  const double value = r.positive(1e8, 4), beta = r.positive(1, 1), floor = r.next(0.5, 0.2);
  const bool whole = (r.byte() & 1) != 0;
  for (int kind = 0; kind < 2; ++kind) {
    try {
      const auto h = kind == 0 ? keel::protective_put(value, beta, t, floor, {.round_to_contracts = whole})
                               : keel::zero_cost_collar(value, beta, t, floor, {.round_to_contracts = whole});
      require(h.legs.size() == static_cast<std::size_t>(kind + 1));
      require(h.contracts > 0 && std::isfinite(h.contracts));
      if (whole) require(h.contracts == std::round(h.contracts));
      require(std::isfinite(h.premium) && std::isfinite(h.cost) && h.cost >= 0 && std::isfinite(h.floor));
      require(std::isfinite(h.delta) && std::isfinite(h.beta_after));
      require(h.legs[0].option.type == keel::option_type::put && h.legs[0].quantity > 0);
      if (kind == 1) {
        require(h.legs[1].option.type == keel::option_type::call && h.legs[1].quantity < 0);
        require(h.cap.has_value() && std::isfinite(*h.cap));
        // zero cost: the call pays for the put and both spreads
        const double scale = h.contracts * t.multiplier * (h.legs[0].valuation.price + h.legs[1].valuation.price);
        require(std::fabs(h.premium + h.cost) <= 1e-9 * scale + tiny);
      }
      // The floor found is within the one asked for, to the bisection's rounding (continuous
      // contracts: whole ones move it by up to a contract's worth).
      if (!whole) require(h.floor <= floor + 1e-9 * (1 + std::fabs(floor) + beta));
    } catch (const keel::error&) {
    }
  }
}

/// compare_hedges on a few rows: six strategies in order, each either with a reason and zero
/// figures or with finite ones; VaR <= CVaR per level; the unhedged row has no orders.
void comparison(reader& r) {
  const std::uint8_t flags = r.byte();
  const Eigen::Index rows = 5 + flags % 20, k = (flags >> 5) % 3;
  Eigen::VectorXd book(rows), market(rows);
  Eigen::MatrixXd ins(rows, k);
  for (Eigen::Index i = 0; i < rows; ++i) {
    market(i) = r.next(0.05);
    book(i) = r.next(0.05);
    for (Eigen::Index j = 0; j < k; ++j) ins(i, j) = r.next(0.05);
  }
  std::vector<keel::hedge_instrument> terms;
  for (Eigen::Index j = 0; j < k; ++j)
    terms.push_back({.symbol = "H",
                     .price = r.positive(100, 2),
                     .multiplier = (flags & 16) ? 50.0 : 1.0,
                     .costs = {.half_spread = r.next(1e-3, 1e-3),
                               .impact = r.next(1, 1),
                               .volatility = r.next(0.02, 0.02),
                               .daily_volume = r.positive(1e6, 3)}});
  const auto t = index_terms(r);
  const double value = r.positive(1e8, 4);
  keel::compare_hedges_options o{.target_beta = r.next(1), .floor = r.next(0.3, 0.15), .paths = 200};
  o.limits = {{keel::limit_metric::max_beta, 0.5}};
  try {
    const auto c = keel::compare_hedges(book, market, ins, terms, t, value, o);
    require(c.strategies.size() == 6 && c.strategies[0].name == "unhedged");
    require(c.strategies[0].orders.empty() && c.strategies[0].options.empty());
    require(std::isfinite(c.beta) && c.betas.size() == static_cast<std::size_t>(k));
    for (const auto& a : c.strategies) {
      require(a.vars.size() == 2 && a.cvars.size() == 2);
      if (!a.reason.empty()) {
        require(a.vars[0] == 0 && a.cvars[1] == 0 && a.orders.empty());
        continue;
      }
      require(std::isfinite(a.beta) && std::isfinite(a.volatility) && a.volatility >= 0);
      require(std::isfinite(a.cost) && a.cost >= 0 && std::isfinite(a.premium));
      for (std::size_t j = 0; j < 2; ++j) {
        require(std::isfinite(a.vars[j]) && std::isfinite(a.cvars[j]));
        require(a.cvars[j] >= a.vars[j] - 1e-12 * (1 + std::fabs(a.vars[j])));
      }
      require(a.payoffs.size() == c.payoff_moves.size());
      for (double x : a.payoffs) require(std::isfinite(x));
      require(a.limits.size() == 1);
    }
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  reader r(data + 1, size - 1, (data[0] & 1) != 0);
  switch ((data[0] >> 1) % 5) {
    case 0:
      valuations(r);
      break;
    case 1:
      implied(r);
      break;
    case 2:
      book(r);
      break;
    case 3:
      option_hedges(r);
      break;
    default:
      comparison(r);
      break;
  }
  return 0;
}
