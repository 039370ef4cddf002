// SPDX-License-Identifier: MIT
// keel/detail/trade_cost.hpp: the cost model's checks and the cost of one order
// (costs.hpp's formula), shared by costs.hpp and the hedge solver. Inline functions, not the
// KEEL_DEF split: hedge.cpp and costs.cpp both use them.
// IWYU pragma: private, include <keel/costs.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <keel/costs.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

namespace costs {

/// "where: field = value must be rule" (where may be empty).
[[noreturn]] inline void throw_field(std::string_view fn, std::string_view where, std::string_view field, double value,
                                     std::string_view rule) {
  std::string text;
  if (!where.empty()) text = std::string(where) + ": ";
  text += std::string(field) + " = " + number_text(value) + " must be " + std::string(rule);
  throw invalid_input(message(fn, text));
}

inline void require_nonnegative(std::string_view fn, std::string_view where, std::string_view field, double v) {
  if (!(v >= 0) || !std::isfinite(v)) throw_field(fn, where, field, v, ">= 0 and finite");
}
inline void require_positive(std::string_view fn, std::string_view where, std::string_view field, double v) {
  if (!(v > 0) || !std::isfinite(v)) throw_field(fn, where, field, v, "> 0 and finite");
}
inline void require_finite(std::string_view fn, std::string_view where, std::string_view field, double v) {
  if (!std::isfinite(v)) throw_field(fn, where, field, v, "finite");
}

inline void check_model(std::string_view fn, std::string_view where, const cost_model& m) {
  require_nonnegative(fn, where, "model.half_spread", m.half_spread);
  require_nonnegative(fn, where, "model.commission", m.commission);
  require_nonnegative(fn, where, "model.impact", m.impact);
  require_nonnegative(fn, where, "model.volatility", m.volatility);
  if (!(m.exponent >= 1 && m.exponent <= 2)) throw_field(fn, where, "model.exponent", m.exponent, "in [1, 2]");
  require_positive(fn, where, "model.max_participation", m.max_participation);
  if (m.impact > 0)
    require_positive(fn, where, "model.daily_volume (needed by a model with impact)", m.daily_volume);
  else
    require_nonnegative(fn, where, "model.daily_volume", m.daily_volume);
}

/// Position i's model of a list given one for every position (size 1) or one per position,
/// as rebalance_options::costs and backtest_options::costs are.
[[nodiscard]] inline const cost_model& model_at(const std::vector<cost_model>& models, std::size_t i) {
  return models.size() == 1 ? models[0] : models[i];
}

/// order_cost with checked inputs; `where` names the order in errors.
[[nodiscard]] inline trade_cost cost_of(std::string_view fn, std::string_view where, double quantity, double price,
                                        const cost_model& m) {
  require_finite(fn, where, "quantity", quantity);
  require_positive(fn, where, "price", price);
  check_model(fn, where, m);
  const double size = std::abs(quantity);
  trade_cost out;
  out.notional = size * price;
  out.spread = m.half_spread * out.notional;
  out.commission = m.commission * out.notional;
  if (m.daily_volume > 0) {
    const double participation = size / m.daily_volume;
    if (participation > m.max_participation) {
      std::string text;
      if (!where.empty()) text = std::string(where) + ": ";
      text += "the order of " + number_text(size) + " shares is " + number_text(participation) +
              " x the daily volume " + number_text(m.daily_volume) +
              ", above model.max_participation = " + number_text(m.max_participation) +
              " (the volume rule: split the order over several days)";
      throw invalid_input(message(fn, text));
    }
    if (m.impact > 0 && size > 0) {
      // (|x| / ADV)^(e - 1): sqrt for the square-root law, exact and faster than pow.
      const double scale = m.exponent == 1.5 ? std::sqrt(participation) : std::pow(participation, m.exponent - 1);
      out.impact = m.impact * m.volatility * out.notional * scale;
    }
  }
  out.total = out.spread + out.commission + out.impact;
  if (!std::isfinite(out.total)) throw_overflow(fn, "the order's cost");
  // Divided before the 1e4, which would overflow a total above 1.8e304.
  out.bps = out.notional > 0 ? 1e4 * (out.total / out.notional) : 0.0;
  if (!std::isfinite(out.bps)) throw_overflow(fn, "the order's cost in basis points");
  return out;
}

}  // namespace costs

}  // namespace keel::detail
