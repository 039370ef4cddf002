// SPDX-License-Identifier: MIT
// keel/detail/backtest-inl.hpp: the definitions of keel/backtest.hpp (the engine, the built-in
// strategies, the override's state machine, regime switching, statistics, walk-forward and the
// stationary bootstrap). Included by <keel/backtest.hpp> in header-only mode and by
// src/backtest.cpp in the compiled library.
// IWYU pragma: private, include <keel/backtest.hpp>
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/attribution.hpp>
#include <keel/backtest.hpp>
#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/quantile.hpp>
#include <keel/detail/random.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/trade_cost.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>
#include <keel/performance.hpp>
#include <keel/regime.hpp>
#include <keel/series.hpp>
#include <keel/var.hpp>

namespace keel {

namespace detail::bt {

/// "strategy 'name' on 2020-03-31" for messages.
inline std::string where(std::string_view name, const std::chrono::year_month_day& d) {
  return "strategy '" + std::string(name) + "' on " + format_date(d);
}

/// Rethrows the current exception as the same keel::error subclass with `prefix: ` in front.
[[noreturn]] inline void rethrow_with(const std::string& prefix) {
  try {
    throw;
  } catch (const insufficient_data& e) {
    throw insufficient_data(prefix + ": " + e.what(), e.required(), e.actual());
  } catch (const singular_problem& e) {
    throw singular_problem(prefix + ": " + e.what());
  } catch (const infeasible& e) {
    throw infeasible(prefix + ": " + e.what());
  } catch (const invalid_input& e) {
    throw invalid_input(prefix + ": " + e.what());
  } catch (const not_converged& e) {
    throw not_converged(prefix + ": " + e.what());
  } catch (const error& e) {
    throw error(prefix + ": " + e.what());
  }
}

/// The calendar period of a date: equal keys, the same period.
inline std::int64_t period_key(rebalance_frequency f, const std::chrono::year_month_day& d) {
  const int y = static_cast<int>(d.year());
  const auto m = static_cast<int>(static_cast<unsigned>(d.month()));
  switch (f) {
    case rebalance_frequency::weekly:
      // 1970-01-01 was a Thursday: days + 3 counts from Monday 1969-12-29, so whole weeks of
      // it are ISO weeks (Monday to Sunday).
      return static_cast<std::int64_t>(
          std::floor((static_cast<double>(std::chrono::sys_days(d).time_since_epoch().count()) + 3) / 7));
    case rebalance_frequency::monthly:
      return std::int64_t{y} * 12 + m;
    case rebalance_frequency::quarterly:
      return std::int64_t{y} * 4 + (m - 1) / 3;
    case rebalance_frequency::annually:
      return y;
    default:
      return 0;
  }
}

/// Throws invalid_input naming the symbol and date of the first price in `m` that is not finite
/// and > 0 (`what`: "price" or "open").
inline void require_positive_prices(std::string_view fn, std::string_view what, const row_matrix& m,
                                    const price_table& table) {
  for (Eigen::Index t = 0; t < m.rows(); ++t)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      if (const double p = m(t, j); !(p > 0) || !std::isfinite(p))
        throw invalid_input(message(fn, "the " + std::string(what) + " of " + table.symbols[uz(j)] + " on " +
                                            format_date(table.dates[uz(t)]) + " is " + number_text(p) + "; every " +
                                            std::string(what) + " must be finite and > 0"));
}

/// The data every strategy of a run shares: row-major prices and returns, dates, the schedule.
struct market {
  row_matrix prices, returns;  // T x N, (T - 1) x N (row i: date i to date i + 1)
  std::vector<std::chrono::year_month_day> dates;
  std::vector<std::string> symbols;
  std::vector<char> scheduled;  // per row
  row_matrix opens;             // T x N or empty
  std::ptrdiff_t last = 0;      // the last row used
};

inline market prepare(std::string_view fn, const price_table& table, const backtest_options& o) {
  const auto t_count = static_cast<std::ptrdiff_t>(table.dates.size());
  const auto n = static_cast<std::ptrdiff_t>(table.symbols.size());
  check_table_shape(fn, "prices", t_count, n, table.prices.rows(), table.prices.cols());
  if (n == 0) throw invalid_input(message(fn, "the price table has no symbols"));
  if (t_count < 2)
    throw insufficient_data(
        message(fn, "the price table has " + std::to_string(t_count) + " rows; a backtest needs at least 2"), 2,
        t_count);
  for (std::ptrdiff_t t = 1; t < t_count; ++t)
    if (!(table.dates[uz(t - 1)] < table.dates[uz(t)]))
      throw invalid_input(message(fn, "the dates do not increase strictly at row " + std::to_string(t) + " (" +
                                          format_date(table.dates[uz(t)]) + ")"));
  require_option_in(fn, "initial_value", o.initial_value, std::numeric_limits<double>::min(), 1e300, "> 0 and finite");
  require_option_in(fn, "cash_rate", o.cash_rate, -1 + 1e-12, 1e6, "> -1 and finite");
  if (o.lot_size < 0) throw_bad_option(fn, "lot_size", static_cast<double>(o.lot_size), ">= 0");
  if (!(o.band.width >= 0) || !std::isfinite(o.band.width))
    throw_bad_option(fn, "band.width", o.band.width, ">= 0 and finite");
  if (o.cost_bps.size() > 1)
    require_same_size(fn, "cost_bps", static_cast<std::ptrdiff_t>(o.cost_bps.size()), "symbols", n);
  if (o.costs.size() > 1) require_same_size(fn, "costs", static_cast<std::ptrdiff_t>(o.costs.size()), "symbols", n);
  for (std::size_t i = 0; i < o.costs.size(); ++i) {
    const std::string where = element_text("costs", static_cast<std::ptrdiff_t>(i));
    costs::check_model(fn, where, o.costs[i]);
    if (!(o.costs[i].half_spread + o.costs[i].commission < 1))
      throw invalid_input(message(fn, where + ": half_spread + commission must be below 1 (100% of the trade)"));
  }
  for (std::size_t i = 0; i < o.cost_bps.size(); ++i)
    require_option_in(fn, element_text("cost_bps", static_cast<std::ptrdiff_t>(i)), o.cost_bps[i], 0, 1e4 * (1 - 1e-12),
                      "in [0, 10^4)");
  market m;
  m.last = t_count - 1;
  if (o.end) {
    const auto it = std::upper_bound(table.dates.begin(), table.dates.end(), *o.end);
    m.last = static_cast<std::ptrdiff_t>(it - table.dates.begin()) - 1;
    if (m.last < 1)
      throw insufficient_data(
          message(fn, "end " + format_date(*o.end) + " leaves fewer than 2 rows (the first date is " +
                          format_date(table.dates.front()) + ")"),
          2, m.last + 1);
  }
  const std::ptrdiff_t rows = m.last + 1;
  m.prices = table.prices.topRows(rows);
  require_positive_prices(fn, "price", m.prices, table);
  m.returns.resize(rows - 1, n);
  for (std::ptrdiff_t t = 0; t + 1 < rows; ++t)
    for (std::ptrdiff_t j = 0; j < n; ++j) m.returns(t, j) = m.prices(t + 1, j) / m.prices(t, j) - 1;
  m.dates.assign(table.dates.begin(), table.dates.begin() + rows);
  m.symbols = table.symbols;
  if (o.execution == execution_price::next_open) {
    check_table_shape(fn, "open_prices", t_count, n, o.open_prices.rows(), o.open_prices.cols());
    m.opens = o.open_prices.topRows(rows);
    require_positive_prices(fn, "open", m.opens, table);
  }
  m.scheduled.assign(uz(rows), 0);
  for (std::ptrdiff_t t = 0; t < rows; ++t) {
    bool s = false;
    switch (o.frequency) {
      case rebalance_frequency::daily:
        s = true;
        break;
      case rebalance_frequency::once:
        s = false;
        break;
      default: {
        const auto k = period_key(o.frequency, table.dates[uz(t)]);
        if (o.timing == rebalance_timing::last_day)
          s = t + 1 < t_count && period_key(o.frequency, table.dates[uz(t + 1)]) != k;
        else
          s = t > 0 && period_key(o.frequency, table.dates[uz(t - 1)]) != k;
      }
    }
    m.scheduled[uz(t)] = s ? 1 : 0;
  }
  return m;
}

/// The first row of a backtest of strategies needing `lookback` return rows.
inline std::ptrdiff_t first_row(std::string_view fn, const market& m, const backtest_options& o,
                                std::ptrdiff_t lookback, std::string_view name) {
  if (lookback < 0) throw invalid_input(message(fn, "strategy '" + std::string(name) + "' has a negative lookback"));
  std::ptrdiff_t first = lookback;
  if (o.start) {
    const auto it = std::lower_bound(m.dates.begin(), m.dates.end(), *o.start);
    first = static_cast<std::ptrdiff_t>(it - m.dates.begin());
    if (first < lookback)
      throw insufficient_data(
          message(fn, "strategy '" + std::string(name) + "' needs " + std::to_string(lookback) +
                          " return rows before its first decision, but start " + format_date(*o.start) + " leaves " +
                          std::to_string(first) +
                          (lookback < m.last ? "; the first date it can start is " + format_date(m.dates[uz(lookback)])
                                             : std::string("; the table is too short"))),
          lookback, first);
  }
  if (first >= m.last)
    throw insufficient_data(message(fn, "strategy '" + std::string(name) + "' needs " + std::to_string(lookback) +
                                            " return rows before its first decision and at least one row after it, "
                                            "but the backtest has " +
                                            std::to_string(m.last + 1) + " rows (" + format_date(m.dates.front()) +
                                            " to " + format_date(m.dates[uz(m.last)]) + ")"),
                            first + 2, m.last + 1);
  return first;
}

/// Market impact per asset in the units of a trade's value T: k_i T^e_i with k_i = c_i sigma_i
/// / (p_i ADV_i)^(e_i - 1) at the row's prices (empty: none).
struct impact_terms {
  Eigen::VectorXd k, e;
};

/// The impact of a trade of value t (>= 0) in asset i, and its derivative in t.
inline double impact_of(const impact_terms& m, Eigen::Index i, double t) {
  if (m.k.size() == 0 || m.k(i) == 0 || t == 0) return 0;
  return m.k(i) * t * (m.e(i) == 1.5 ? std::sqrt(t) : std::pow(t, m.e(i) - 1));
}
inline double impact_slope(const impact_terms& m, Eigen::Index i, double t) {
  if (m.k.size() == 0 || m.k(i) == 0 || t == 0) return 0;
  return m.e(i) * m.k(i) * (m.e(i) == 1.5 ? std::sqrt(t) : std::pow(t, m.e(i) - 1));
}

/// The value after trading V' that pays its own costs: V' + sum_i (b_i T_i + k_i T_i^e_i) = V,
/// T_i = |w_i V' - h_i|. The left side is convex (piecewise linear without impact) and
/// increasing, so Newton's method from V (where it is >= V) descends monotonically onto the
/// root: in at most one step per kink without impact, quadratically with it.
inline double value_after_costs(std::string_view where_, const Eigen::VectorXd& w, const Eigen::VectorXd& h,
                                const Eigen::VectorXd& b, double v, const impact_terms& m = {}) {
  const bool has_impact = m.k.size() > 0 && m.k.maxCoeff() > 0;
  if ((b.size() == 0 || b.maxCoeff() == 0) && !has_impact) return v;
  double x = v;
  const Eigen::Index iterations = has_impact ? 200 : 2 * w.size() + 8;
  for (Eigen::Index iter = 0; iter < iterations; ++iter) {
    double f = x, slope = 1;
    for (Eigen::Index i = 0; i < w.size(); ++i) {
      const double d = w(i) * x - h(i);
      const double rate = b.size() > 0 ? b(i) : 0.0;
      f += rate * std::abs(d) + impact_of(m, i, std::abs(d));
      // the left derivative: Newton moves left, so a kink takes the slope of its left piece
      const double s = d > 0 ? 1.0 : d < 0 ? -1.0 : (w(i) > 0 ? -1.0 : 1.0);
      slope += (rate + impact_slope(m, i, std::abs(d))) * w(i) * s;
    }
    if (!(slope > 0))
      throw invalid_input(std::string(where_) +
                          ": the costs exceed the traded value (sum of cost_bps x |weight| is at least 10^4)");
    const double step = (f - v) / slope;
    if (!(step > 0)) break;
    const double next = x - step;
    if (!(next < x)) break;
    x = next;
  }
  return x;
}

}  // namespace detail::bt

namespace detail::bt {

/// Checks a strategy's target weights against the options.
inline void check_target(const std::string& at, Eigen::VectorXd& w, std::ptrdiff_t n, const backtest_options& o) {
  if (w.size() != n)
    throw invalid_input(at + ": returned " + std::to_string(w.size()) + " weights for " + std::to_string(n) +
                        " assets");
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w(i))) throw invalid_input(at + ": weight " + std::to_string(i) + " is " + number_text(w(i)));
    // An optimiser's zero can come back as -1e-17: rounding, not a short sale.
    if (w(i) < 0 && w(i) >= -1e-12 && !o.allow_short) w(i) = 0;
    if (w(i) < 0 && !o.allow_short)
      throw invalid_input(at + ": weight " + std::to_string(i) + " is " + number_text(w(i)) +
                          " (negative weights need allow_short)");
  }
  const double sum = w.sum();
  if (o.budget == budget_rule::fully_invested && !(std::abs(sum - 1) <= 1e-9))
    throw invalid_input(at + ": the weights sum to " + number_text(sum) +
                        ", not 1 (budget fully_invested, tolerance 1e-9)");
  if (o.budget == budget_rule::market_neutral && !(std::abs(sum) <= 1e-9))
    throw invalid_input(at + ": the weights sum to " + number_text(sum) +
                        ", not 0 (budget market_neutral, tolerance 1e-9)");
}

/// Whether every weight lies inside its band around the target.
inline bool inside_bands(const Eigen::VectorXd& w, const Eigen::VectorXd& target, const drift_band& band) {
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const double width = band.kind == band_kind::absolute ? band.width : band.width * std::abs(target(i));
    if (std::abs(w(i) - target(i)) > width) return false;
  }
  return true;
}

/// The engine's state between rows.
struct book {
  Eigen::VectorXd q, h, b, q_new;  // shares, values held, cost rates, shares after a trade
  double cash = 0;
  impact_terms impact;                                // at the current row's prices (k sized once)
  const std::vector<std::string>* symbols = nullptr;  // the table's, for the volume rule's message
};

/// Asset i's cost model (costs::model_at over options.costs).
inline const cost_model& model_of(const backtest_options& o, std::ptrdiff_t i) {
  return costs::model_at(o.costs, uz(i));
}

/// The impact terms at prices p from the options' cost models (none when no model has impact).
inline void impact_at(const backtest_options& o, const Eigen::Ref<const Eigen::VectorXd>& p, impact_terms& m) {
  if (o.costs.empty()) return;
  const Eigen::Index n = p.size();
  bool any = false;
  for (const auto& c : o.costs) any = any || (c.impact > 0 && c.volatility > 0);
  if (!any) return;
  m.k.resize(n);
  m.e.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const cost_model& c = model_of(o, i);
    m.e(i) = c.exponent;
    m.k(i) = c.impact > 0 && c.volatility > 0
                 ? c.impact * c.volatility / std::pow(p(i) * c.daily_volume, c.exponent - 1)
                 : 0.0;
  }
}

/// The volume rule on the executed trades: shares above max_participation x ADV are invalid.
inline void check_volume(const std::string& at, const Eigen::VectorXd& trades,
                         const Eigen::Ref<const Eigen::VectorXd>& p, const backtest_options& o,
                         const std::vector<std::string>& symbols) {
  if (o.costs.empty()) return;
  for (Eigen::Index i = 0; i < trades.size(); ++i) {
    const cost_model& c = model_of(o, i);
    if (!(c.daily_volume > 0)) continue;
    const double shares = std::abs(trades(i)) / p(i);
    if (shares > c.max_participation * c.daily_volume)
      throw invalid_input(at + ": the trade of " + number_text(shares) + " shares of " + symbols[uz(i)] + " is " +
                          number_text(shares / c.daily_volume) + " x its daily volume " + number_text(c.daily_volume) +
                          ", above max_participation = " + number_text(c.max_participation) +
                          " (the volume rule of its cost model)");
  }
}

/// Executes a trade to `w` at prices p; returns the record (without dates).
inline rebalance_record execute(const std::string& at, book& k, const Eigen::Ref<const Eigen::VectorXd>& p,
                                const Eigen::VectorXd& w, const backtest_options& o) {
  const Eigen::Index n = p.size();
  k.h = k.q.cwiseProduct(p);
  const double v = k.h.sum() + k.cash;
  if (!(v > 0))
    throw invalid_input(at + ": the portfolio's value is " + number_text(v) + " (it must stay > 0 to trade)");
  impact_at(o, p, k.impact);
  const double v_after = value_after_costs(at, w, k.h, k.b, v, k.impact);
  Eigen::VectorXd& q_new = k.q_new;
  q_new.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    q_new(i) = w(i) * v_after / p(i);
    if (o.lot_size > 0) {
      const auto lot = static_cast<double>(o.lot_size);
      q_new(i) = std::trunc(q_new(i) / lot) * lot;
    }
  }
  rebalance_record r;
  r.targets = w;
  r.trades = (q_new - k.q).cwiseProduct(p);
  if (k.symbols) check_volume(at, r.trades, p, o, *k.symbols);
  double cost = 0;
  if (k.b.size() > 0)
    for (Eigen::Index i = 0; i < n; ++i) cost += k.b(i) * std::abs(r.trades(i));
  for (Eigen::Index i = 0; i < k.impact.k.size(); ++i) cost += impact_of(k.impact, i, std::abs(r.trades(i)));
  if (o.lot_size > 0) {
    k.cash = v - cost - q_new.dot(p);
  } else {
    cost = v - v_after;  // exactly what the weights were set from
    k.cash = v_after * (1 - w.sum());
  }
  r.cost = cost;
  r.turnover = r.trades.cwiseAbs().sum() / v;
  k.q.swap(q_new);
  return r;
}

inline Eigen::VectorXd cost_rates(const backtest_options& o, std::ptrdiff_t n) {
  if (o.cost_bps.empty() && o.costs.empty()) return {};
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    if (!o.cost_bps.empty()) b(i) = (o.cost_bps.size() == 1 ? o.cost_bps[0] : o.cost_bps[uz(i)]) / 1e4;
    if (!o.costs.empty()) {
      const cost_model& c = model_of(o, i);
      b(i) += c.half_spread + c.commission;
    }
  }
  return b;
}

inline backtest_result run(std::string_view fn, const market& m, const strategy& s, const backtest_options& o,
                           std::ptrdiff_t first) {
  if (!s.target) throw invalid_input(message(fn, "strategy '" + s.name + "' has no target function"));
  const auto n = static_cast<std::ptrdiff_t>(m.symbols.size());
  auto decide = s.target;  // a fresh copy: a stateful strategy starts afresh in every run
  backtest_result out;
  out.strategy = s.name;
  out.symbols = m.symbols;
  out.initial_value = o.initial_value;
  const std::ptrdiff_t rows = m.last - first + 1;
  out.dates.assign(m.dates.begin() + first, m.dates.begin() + m.last + 1);
  out.values.reserve(uz(rows));
  row_matrix weights(rows, n);  // filled a row at a time, so row-major until the end
  out.cash.assign(uz(rows), 0);
  out.turnover.assign(uz(rows), 0);
  out.costs.assign(uz(rows), 0);
  book k;
  k.q = Eigen::VectorXd::Zero(n);
  k.b = cost_rates(o, n);
  k.symbols = &m.symbols;
  k.cash = o.initial_value;
  Eigen::VectorXd current(n);
  std::optional<Eigen::VectorXd> pending;
  std::ptrdiff_t pending_row = -1;
  std::string pending_reason;
  std::string reason;
  bool traded_once = false;
  const auto record = [&](rebalance_record r, std::ptrdiff_t row, std::ptrdiff_t decided, std::string why) {
    r.row = row - first;
    r.date = m.dates[uz(row)];
    r.decided = m.dates[uz(decided)];
    r.reason = std::move(why);
    out.turnover[uz(row - first)] += r.turnover;
    out.costs[uz(row - first)] += r.cost;
    out.rebalances.push_back(std::move(r));
  };
  for (std::ptrdiff_t t = first; t <= m.last; ++t) {
    const auto p = m.prices.row(t).transpose();
    if (t > first) {
      if (o.cash_rate != 0) {
        const auto days = (std::chrono::sys_days(m.dates[uz(t)]) - std::chrono::sys_days(m.dates[uz(t - 1)])).count();
        k.cash *= 1 + o.cash_rate * static_cast<double>(days) / 365.0;
      }
      if (pending) {
        const std::string at = message(fn, where(s.name, m.dates[uz(pending_row)]));
        if (o.execution == execution_price::next_open)
          record(execute(at, k, m.opens.row(t).transpose(), *pending, o), t, pending_row, std::move(pending_reason));
        else
          record(execute(at, k, p, *pending, o), t, pending_row, std::move(pending_reason));
        pending.reset();
        traded_once = true;
      }
    }
    const double v = k.q.dot(p) + k.cash;
    if (!(v > 0) || !std::isfinite(v))
      throw invalid_input(message(
          fn, where(s.name, m.dates[uz(t)]) + ": the portfolio's value is " + number_text(v) +
                  " (it must stay finite and > 0: a short or leveraged book lost everything, or the prices overflow)"));
    out.values.push_back(v);
    const bool scheduled = t == first || m.scheduled[uz(t)] != 0;
    if (scheduled || s.every_date) {
      current = k.q.cwiseProduct(p) / v;  // only a decision reads the weights before trading
      reason.clear();
      const backtest_view view(m.prices.data(), m.returns.data(), m.dates.data(), m.symbols, t, first, n, &current,
                               std::span<const double>(out.values), scheduled, s.name, &reason);
      Eigen::VectorXd w;
      try {
        w = decide(view);
      } catch (const error&) {
        rethrow_with(message(fn, where(s.name, m.dates[uz(t)])));
      }
      if (w.size() > 0) {
        const std::string at = message(fn, where(s.name, m.dates[uz(t)]));
        check_target(at, w, n, o);
        ++out.decisions;
        const bool trade = !traded_once || o.band.width == 0 || !inside_bands(current, w, o.band);
        if (trade) {
          if (o.execution == execution_price::close) {
            record(execute(at, k, p, w, o), t, t, reason);
            traded_once = true;
          } else if (t < m.last) {
            pending = std::move(w);
            pending_row = t;
            pending_reason = reason;
          }
        }
      }
    }
    const double v_close = k.q.dot(p) + k.cash;
    out.values.back() = v_close;
    weights.row(t - first) = (k.q.cwiseProduct(p) / v_close).transpose();
    out.cash[uz(t - first)] = k.cash / v_close;
    // A leveraged book can cancel to nothing (or to rounding) within a row.
    if (!(v_close > 0) || !std::isfinite(v_close) || !weights.row(t - first).allFinite() ||
        !std::isfinite(out.cash[uz(t - first)]))
      throw invalid_input(message(fn, where(s.name, m.dates[uz(t)]) + ": the portfolio's value at the close is " +
                                          number_text(v_close) + " against gross holdings of " +
                                          number_text(k.q.cwiseProduct(p).cwiseAbs().sum()) +
                                          " (it must stay finite and > 0, and its weights finite)"));
  }
  out.weights = weights;
  out.returns.resize(uz(rows - 1));
  for (std::ptrdiff_t i = 1; i < rows; ++i) out.returns[uz(i - 1)] = out.values[uz(i)] / out.values[uz(i - 1)] - 1;
  return out;
}

/// The signal's returns rows 0..t-1 appended to `r` (which holds the first r.size()).
inline void extend_signal(const backtest_view& v, std::ptrdiff_t column, std::vector<double>& r) {
  const auto all = v.returns();
  for (auto i = static_cast<std::ptrdiff_t>(r.size()); i < all.rows(); ++i)
    r.push_back(column >= 0 ? all(i, column) : all.row(i).mean());
}

inline std::ptrdiff_t signal_column(const backtest_view& v, const std::string& symbol) {
  if (symbol.empty()) return -1;
  const auto syms = v.symbols();
  for (std::size_t j = 0; j < syms.size(); ++j)
    if (syms[j] == symbol) return static_cast<std::ptrdiff_t>(j);
  throw invalid_input("the signal " + detail::quoted(symbol) + " is not a symbol of the price table");
}

/// The window of return rows of an optimiser strategy, column-major.
inline Eigen::MatrixXd window_of(const backtest_view& v, const estimation_options& o) {
  return o.expanding ? Eigen::MatrixXd(v.returns()) : Eigen::MatrixXd(v.returns(o.window));
}

inline Eigen::MatrixXd covariance_of(const Eigen::MatrixXd& x, const estimation_options& o) {
  switch (o.estimator) {
    case covariance_estimator::ledoit_wolf:
      return ledoit_wolf(x, ledoit_wolf_options{.periods_per_year = o.periods_per_year}).covariance;
    case covariance_estimator::ewma:
      return ewma_covariance(x,
                             ewma_covariance_options{.lambda = o.ewma_lambda, .periods_per_year = o.periods_per_year})
          .covariance;
    default:
      return sample_covariance(x, covariance_options{.periods_per_year = o.periods_per_year}).covariance;
  }
}

inline void check_estimation(std::string_view fn, const estimation_options& o) {
  if (o.window < 2) throw_bad_option(fn, "window", static_cast<double>(o.window), ">= 2");
  check_periods_per_year(fn, o.periods_per_year);
  if (o.estimator == covariance_estimator::ewma)
    require_option_in(fn, "ewma_lambda", o.ewma_lambda, 1e-12, 1 - 1e-12, "in (0, 1)");
}

template <class F>
strategy optimiser(std::string_view fn, const estimation_options& o, std::string default_name, F&& weights_of) {
  check_estimation(fn, o);
  strategy s;
  s.name = o.name.empty() ? std::move(default_name) : o.name;
  s.lookback = o.window;
  s.target = [o, f = std::forward<F>(weights_of)](const backtest_view& v) -> Eigen::VectorXd {
    const Eigen::MatrixXd x = window_of(v, o);
    Eigen::VectorXd w = f(x, o);
    if (w.size() == 0)
      v.explain(format_date(v.date()) +
                ": no portfolio the constraints allow earns more than risk_free over the "
                "window; holding the current weights");
    return w;
  };
  return s;
}

inline std::vector<double> checked_weights(std::string_view fn, std::vector<double> w) {
  require_finite(fn, "weights", w);
  return w;
}

inline Eigen::VectorXd as_vector(const std::vector<double>& w) {
  return Eigen::Map<const Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
}

}  // namespace detail::bt

KEEL_DEF strategy buy_and_hold_strategy(std::vector<double> weights) {
  weights = detail::bt::checked_weights("buy_and_hold_strategy", std::move(weights));
  strategy s;
  s.name = "buy and hold";
  s.target = [w = std::move(weights)](const backtest_view& v) -> Eigen::VectorXd {
    if (v.row() != v.first_row()) return {};
    if (w.empty()) return Eigen::VectorXd::Constant(v.assets(), 1.0 / static_cast<double>(v.assets()));
    return detail::bt::as_vector(w);
  };
  return s;
}

KEEL_DEF strategy constant_weight_strategy(std::vector<double> weights, std::string name) {
  weights = detail::bt::checked_weights("constant_weight_strategy", std::move(weights));
  if (weights.empty()) throw invalid_input("constant_weight_strategy: no weights");
  strategy s;
  s.name = std::move(name);
  s.target = [w = detail::bt::as_vector(weights)](const backtest_view&) -> Eigen::VectorXd { return w; };
  return s;
}

KEEL_DEF strategy equal_weight_strategy() {
  strategy s;
  s.name = "equal weight";
  s.target = [](const backtest_view& v) -> Eigen::VectorXd {
    return Eigen::VectorXd::Constant(v.assets(), 1.0 / static_cast<double>(v.assets()));
  };
  return s;
}

KEEL_DEF strategy min_variance_strategy(const estimation_options& options) {
  return detail::bt::optimiser("min_variance_strategy", options, "min variance",
                               [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
                                 return min_variance(detail::bt::covariance_of(x, o), o.constraints).weights;
                               });
}

KEEL_DEF strategy max_sharpe_strategy(const estimation_options& options) {
  return detail::bt::optimiser(
      "max_sharpe_strategy", options, "max Sharpe",
      [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
        const Eigen::VectorXd mu = x.colwise().mean().transpose() * o.periods_per_year;
        const Eigen::MatrixXd cov = detail::bt::covariance_of(x, o);
        // A window in which nothing beats the risk-free rate has no
        // tangency portfolio: hold (explained) rather than end the run.
        if (!(mu.maxCoeff() > o.risk_free)) return {};
        try {
          return max_sharpe(mu, cov, o.constraints, markowitz_options{.risk_free = o.risk_free}).weights;
        } catch (const infeasible&) {
          return {};
        }
      });
}

KEEL_DEF strategy risk_parity_strategy(const estimation_options& options) {
  return detail::bt::optimiser("risk_parity_strategy", options, "risk parity",
                               [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
                                 return risk_budgeting(
                                            detail::bt::covariance_of(x, o),
                                            risk_budgeting_options{.budgets = o.budgets, .constraints = o.constraints})
                                     .weights;
                               });
}

KEEL_DEF strategy hrp_strategy(const estimation_options& options) {
  return detail::bt::optimiser(
      "hrp_strategy", options, "HRP", [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
        const Eigen::MatrixXd cov = detail::bt::covariance_of(x, o);
        return hierarchical_risk_parity(cov, correlation(cov), hrp_options{.linkage = o.linkage}).weights;
      });
}

KEEL_DEF strategy max_diversification_strategy(const estimation_options& options) {
  return detail::bt::optimiser("max_diversification_strategy", options, "max diversification",
                               [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
                                 return max_diversification(detail::bt::covariance_of(x, o), o.constraints).weights;
                               });
}

KEEL_DEF strategy min_cvar_strategy(const estimation_options& options) {
  detail::require_option_in("min_cvar_strategy", "confidence", options.confidence, 1e-12, 1 - 1e-12, "in (0, 1)");
  return detail::bt::optimiser(
      "min_cvar_strategy", options, "min CVaR",
      [](const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
        return min_cvar(x, cvar_options{.confidence = o.confidence, .constraints = o.constraints}).portfolio.weights;
      });
}

KEEL_DEF strategy black_litterman_strategy(std::vector<double> market_weights, bl_views views, double risk_aversion,
                                           const estimation_options& options) {
  constexpr std::string_view fn = "black_litterman_strategy";
  market_weights = detail::bt::checked_weights(fn, std::move(market_weights));
  if (!std::isfinite(risk_aversion)) detail::throw_bad_option(fn, "risk_aversion", risk_aversion, "finite");
  detail::require_option_in(fn, "tau", options.tau, std::numeric_limits<double>::min(), 1e150, "finite and > 0");
  return detail::bt::optimiser(
      fn, options, "Black-Litterman",
      [mw = detail::bt::as_vector(market_weights), views = std::move(views), risk_aversion](
          const Eigen::MatrixXd& x, const estimation_options& o) -> Eigen::VectorXd {
        const Eigen::MatrixXd cov = detail::bt::covariance_of(x, o);
        const Eigen::VectorXd prior =
            market_implied_returns(cov, mw, risk_aversion, implied_returns_options{.risk_free = o.risk_free});
        return black_litterman(prior, cov, views, bl_options{.tau = o.tau, .risk_free = o.risk_free}).weights;
      });
}

// ---- risk overrides ----

namespace detail {

KEEL_DEF void check_override_options(std::string_view fn, const risk_override_options& o) {
  if (o.rules.empty()) throw invalid_input(detail::message(fn, "no override rules"));
  check_periods_per_year(fn, o.periods_per_year);
  for (std::size_t k = 0; k < o.rules.size(); ++k) {
    const auto& r = o.rules[k];
    const std::string at = "rules[" + std::to_string(k) + "]";
    require_option_in(fn, at + ".trigger", r.trigger, -1e300, 1e300, "finite");
    require_option_in(fn, at + ".release", r.release, -1e300, r.trigger, "finite and <= trigger");
    if (r.metric != override_metric::drawdown && r.window < 2)
      throw_bad_option(fn, at + ".window", static_cast<double>(r.window), ">= 2");
    if (r.metric == override_metric::var)
      require_option_in(fn, at + ".confidence", r.confidence, 1e-12, 1 - 1e-12, "in (0, 1)");
  }
}

namespace bt {
inline std::string_view metric_name(override_metric m) {
  switch (m) {
    case override_metric::volatility:
      return "volatility";
    case override_metric::var:
      return "VaR";
    default:
      return "drawdown";
  }
}
inline std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * x);
  return buf;
}
}  // namespace bt

KEEL_DEF void advance_override(std::string_view fn, const risk_override_options& o, const double* r, std::ptrdiff_t n,
                               override_state& st) {
  const std::size_t k_count = o.rules.size();
  std::vector<double> figure(k_count);
  std::vector<char> known(k_count);
  std::vector<double> scratch;
  for (std::ptrdiff_t i = st.seen; i < n; ++i) {
    if (!std::isfinite(r[i])) throw_non_finite(fn, "signal returns", i, r[i]);
    if (r[i] < -1)
      throw invalid_input(message(fn, element_text("signal returns", i) + " is " + number_text(r[i]) +
                                          ", below -1 (a loss of more than everything)"));
    st.wealth *= 1 + r[i];
    if (!std::isfinite(st.wealth)) throw_overflow(fn, "the signal's wealth");
    st.peak = std::max(st.peak, st.wealth);
    for (std::size_t k = 0; k < k_count; ++k) {
      const auto& rule = o.rules[k];
      known[k] = 1;
      if (rule.metric == override_metric::drawdown) {
        figure[k] = 1 - st.wealth / st.peak;
      } else if (i + 1 < rule.window) {
        known[k] = 0;
      } else {
        const double* w = r + (i + 1 - rule.window);
        if (rule.metric == override_metric::volatility) {
          figure[k] = annual_volatility(std::span<const double>(w, static_cast<std::size_t>(rule.window)),
                                        annual_options{.periods_per_year = o.periods_per_year});
        } else {
          scratch.assign(w, w + rule.window);
          figure[k] = historical_var(scratch, historical_options{.confidence = rule.confidence});
        }
        if (!std::isfinite(figure[k])) throw_overflow(fn, std::string(bt::metric_name(rule.metric)) + " of the signal");
      }
    }
    override_decision d;
    d.defensive = st.defensive;
    if (!st.defensive) {
      for (std::size_t k = 0; k < k_count; ++k)
        if (known[k] && figure[k] > o.rules[k].trigger) {
          st.defensive = true;
          st.since = i;
          st.rule = static_cast<std::ptrdiff_t>(k);
          break;
        }
    } else {
      bool clear = true;
      for (std::size_t k = 0; k < k_count && clear; ++k) clear = !known[k] || figure[k] < o.rules[k].release;
      if (clear) {
        st.defensive = false;
        st.since = i;
      }
    }
    d.changed = d.defensive != st.defensive;
    d.defensive = st.defensive;
    d.since = st.since;
    if (st.rule >= 0) {
      const auto k = static_cast<std::size_t>(st.rule);
      d.rule = st.rule;
      d.metric = o.rules[k].metric;
      d.value = known[k] ? figure[k] : 0;
      d.threshold = st.defensive ? o.rules[k].trigger : o.rules[k].release;
      const std::string fig =
          std::string(bt::metric_name(d.metric)) + " (rule " + std::to_string(k) + ") " + bt::percent(d.value);
      if (d.changed && st.defensive)
        d.reason = "defensive: " + fig + " rose above its trigger " + bt::percent(o.rules[k].trigger);
      else if (d.changed)
        d.reason =
            "back to normal: every rule below its release; " + fig + " is below " + bt::percent(o.rules[k].release);
      else if (st.defensive)
        d.reason = "defensive since return " + std::to_string(st.since) + ": " + fig + " (release below " +
                   bt::percent(o.rules[k].release) + ")";
      else
        d.reason = "normal since return " + std::to_string(st.since) + ": no rule above its trigger";
    } else {
      d.reason = "normal: no rule has fired";
    }
    st.last = std::move(d);
  }
  st.seen = std::max(st.seen, n);
}

}  // namespace detail

KEEL_DEF strategy risk_override_strategy(strategy base, strategy defensive, risk_override_options options) {
  constexpr std::string_view fn = "risk_override_strategy";
  detail::check_override_options(fn, options);
  if (!base.target || !defensive.target)
    throw invalid_input(detail::message(fn, "base and defensive need target functions"));
  strategy s;
  s.name = base.name + " with override";
  s.lookback = std::max(base.lookback, defensive.lookback);
  s.every_date = true;
  s.target = [base = std::move(base), defensive = std::move(defensive), o = std::move(options),
              signal = std::vector<double>{}, state = detail::override_state{},
              column = std::ptrdiff_t{-2}](const backtest_view& v) mutable -> Eigen::VectorXd {
    if (column == -2) column = detail::bt::signal_column(v, o.signal);
    detail::bt::extend_signal(v, column, signal);
    if (!signal.empty())
      detail::advance_override("risk_override_strategy", o, signal.data(), static_cast<std::ptrdiff_t>(signal.size()),
                               state);
    const bool changed = state.last.changed && state.seen == static_cast<std::ptrdiff_t>(signal.size());
    if (!changed && !v.scheduled()) return {};
    const bool first = v.row() == v.first_row();
    if (changed || first || state.defensive) v.explain(format_date(v.date()) + ": " + state.last.reason);
    return state.defensive ? defensive.target(v) : base.target(v);
  };
  return s;
}

// ---- regime switching ----

KEEL_DEF strategy regime_switching_strategy(std::vector<strategy> per_state, regime_switching_options options) {
  constexpr std::string_view fn = "regime_switching_strategy";
  if (static_cast<std::ptrdiff_t>(per_state.size()) != options.hmm.states)
    throw invalid_input(detail::message(fn, std::to_string(per_state.size()) + " strategies for " +
                                                std::to_string(options.hmm.states) + " HMM states (one per state)"));
  if (options.min_history < 60)
    detail::throw_bad_option(fn, "min_history", static_cast<double>(options.min_history), ">= 60");
  if (options.window != 0 && options.window < options.min_history)
    detail::throw_bad_option(fn, "window", static_cast<double>(options.window), "0 (expanding) or >= min_history");
  if (options.volatility_window < 2)
    detail::throw_bad_option(fn, "volatility_window", static_cast<double>(options.volatility_window), ">= 2");
  strategy s;
  s.name = "regime switching";
  s.lookback = options.min_history;
  for (const auto& p : per_state) {
    if (!p.target) throw invalid_input(detail::message(fn, "strategy '" + p.name + "' has no target function"));
    s.lookback = std::max(s.lookback, p.lookback);
  }
  s.target = [per = std::move(per_state), o = std::move(options), signal = std::vector<double>{},
              column = std::ptrdiff_t{-2}](const backtest_view& v) mutable -> Eigen::VectorXd {
    if (column == -2) column = detail::bt::signal_column(v, o.signal);
    detail::bt::extend_signal(v, column, signal);
    const auto t = static_cast<std::ptrdiff_t>(signal.size());
    const std::ptrdiff_t from = o.window > 0 ? std::max<std::ptrdiff_t>(0, t - o.window) : 0;
    const std::span<const double> r(signal.data() + from, static_cast<std::size_t>(t - from));
    const Eigen::MatrixXd f = regime_features(r, regime_feature_options{.volatility_window = o.volatility_window});
    const auto model = hmm_fit(f, o.hmm);
    const Eigen::MatrixXd p = filtered_probabilities(model, f);
    Eigen::Index k = 0;
    p.row(p.rows() - 1).maxCoeff(&k);
    v.explain(format_date(v.date()) + ": regime " + std::to_string(k) + " (filtered probability " +
              detail::bt::percent(p(p.rows() - 1, k)) + ") -> " + per[static_cast<std::size_t>(k)].name);
    return per[static_cast<std::size_t>(k)].target(v);
  };
  return s;
}

// ---- the engine, statistics, walk-forward, bootstrap ----

KEEL_DEF backtest_result backtest(const price_table& prices, const strategy& s, const backtest_options& options) {
  constexpr std::string_view fn = "backtest";
  const auto m = detail::bt::prepare(fn, prices, options);
  const std::ptrdiff_t first = detail::bt::first_row(fn, m, options, s.lookback, s.name);
  return detail::bt::run(fn, m, s, options, first);
}

KEEL_DEF performance_statistics backtest_statistics(const backtest_result& result, std::span<const double> benchmark,
                                                    const statistics_options& o) {
  constexpr std::string_view fn = "backtest_statistics";
  const auto& r = result.returns;
  if (r.size() < 2)
    throw insufficient_data(detail::message(fn, "strategy '" + result.strategy + "' has " + std::to_string(r.size()) +
                                                    " returns; the statistics need at least 2"),
                            2, static_cast<std::ptrdiff_t>(r.size()));
  detail::check_periods_per_year(fn, o.periods_per_year);
  performance_statistics st;
  st.total_return = result.values.back() / result.initial_value - 1;
  st.annual_return = annual_return(r, annual_options{.periods_per_year = o.periods_per_year});
  st.annual_volatility = annual_volatility(r, annual_options{.periods_per_year = o.periods_per_year});
  st.sharpe = sharpe_ratio(r, ratio_options{.risk_free = o.risk_free, .periods_per_year = o.periods_per_year});
  st.sortino =
      sortino_ratio(r, sortino_options{.required_return = o.required_return, .periods_per_year = o.periods_per_year});
  const auto dd = max_drawdown(r);
  st.max_drawdown = dd.depth;
  st.calmar = dd.depth > 0 ? st.annual_return / dd.depth : std::numeric_limits<double>::infinity();
  if (dd.depth > 0) {
    st.drawdown_peak = result.dates[detail::uz(dd.peak + 1)];
    st.drawdown_trough = result.dates[detail::uz(dd.trough + 1)];
  }
  double turnover = 0, costs = 0;
  for (const double x : result.turnover) turnover += x;
  for (const double x : result.costs) costs += x;
  st.turnover = turnover * o.periods_per_year / static_cast<double>(r.size());
  st.costs = costs / result.initial_value;
  if (!benchmark.empty()) {
    detail::require_same_size(fn, "benchmark_returns", static_cast<std::ptrdiff_t>(benchmark.size()), "returns",
                              static_cast<std::ptrdiff_t>(r.size()));
    detail::require_finite(fn, "benchmark_returns", benchmark);
    st.has_benchmark = true;
    st.tracking_error = tracking_error(r, benchmark, tracking_error_options{.periods_per_year = o.periods_per_year});
    st.information_ratio =
        information_ratio(r, benchmark, information_ratio_options{.periods_per_year = o.periods_per_year});
    const auto cap = capture_ratios(r, benchmark, annual_options{.periods_per_year = o.periods_per_year});
    st.up_capture = cap.up;
    st.down_capture = cap.down;
    const auto ab =
        alpha_beta(r, benchmark, ratio_options{.risk_free = o.risk_free, .periods_per_year = o.periods_per_year});
    st.alpha = ab.alpha;
    st.beta = ab.beta;
    st.excess_return =
        st.annual_return - annual_return(benchmark, annual_options{.periods_per_year = o.periods_per_year});
  }
  return st;
}

KEEL_DEF walk_forward_result walk_forward(const price_table& prices, std::span<const strategy> strategies,
                                          const walk_forward_options& options) {
  constexpr std::string_view fn = "walk_forward";
  if (strategies.empty()) throw invalid_input(detail::message(fn, "no strategies"));
  std::set<std::string> names;
  std::ptrdiff_t lookback = 0;
  std::string longest;
  for (const auto& s : strategies) {
    if (!names.insert(s.name).second)
      throw invalid_input(detail::message(fn, "two strategies are named " + detail::quoted(s.name)));
    if (s.lookback >= lookback) {
      lookback = s.lookback;
      longest = s.name;
    }
  }
  const auto m = detail::bt::prepare(fn, prices, options.backtest);
  const std::ptrdiff_t first = detail::bt::first_row(fn, m, options.backtest, lookback, longest);
  walk_forward_result out;
  if (!options.benchmark.empty()) {
    const std::ptrdiff_t j = prices.index_of(options.benchmark);
    for (std::ptrdiff_t t = first + 1; t <= m.last; ++t) out.benchmark_returns.push_back(m.returns(t - 1, j));
  }
  const auto count = static_cast<std::ptrdiff_t>(strategies.size());
  out.results.resize(detail::uz(count));
  out.statistics.resize(detail::uz(count));
  std::vector<std::exception_ptr> errors(detail::uz(count));
  struct none {};
  detail::parallel_for<none>(count, detail::resolve_threads(options.threads, count), [&](std::ptrdiff_t i, none&) {
    try {
      out.results[detail::uz(i)] = detail::bt::run(fn, m, strategies[detail::uz(i)], options.backtest, first);
      out.statistics[detail::uz(i)] =
          backtest_statistics(out.results[detail::uz(i)], out.benchmark_returns, options.statistics);
    } catch (...) {
      errors[detail::uz(i)] = std::current_exception();
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

KEEL_DEF sector_attribution backtest_attribution(const price_table& prices, const backtest_result& result,
                                                 const backtest_result& benchmark,
                                                 const std::vector<std::string>& sectors,
                                                 const backtest_options& options) {
  constexpr std::string_view fn = "backtest_attribution";
  const auto n = static_cast<std::ptrdiff_t>(prices.symbols.size());
  detail::require_same_size(fn, "sectors", static_cast<std::ptrdiff_t>(sectors.size()), "symbols", n);
  if (result.dates != benchmark.dates || result.symbols != benchmark.symbols || result.symbols != prices.symbols)
    throw invalid_input(detail::message(fn, "strategy '" + result.strategy + "' and benchmark '" + benchmark.strategy +
                                                "' must run on the same rows and symbols of the same price table"));
  const auto rows = static_cast<std::ptrdiff_t>(result.dates.size());
  if (rows < 2)
    throw insufficient_data(detail::message(fn, "the backtests have " + std::to_string(rows) + " rows; at least 2"), 2,
                            rows);
  const auto first = static_cast<std::ptrdiff_t>(
      std::lower_bound(prices.dates.begin(), prices.dates.end(), result.dates.front()) - prices.dates.begin());
  if (first + rows > static_cast<std::ptrdiff_t>(prices.dates.size()) ||
      prices.dates[detail::uz(first)] != result.dates.front())
    throw invalid_input(detail::message(fn, "the backtests' dates are not rows of the price table"));
  std::vector<std::string> names;
  std::vector<std::ptrdiff_t> label(detail::uz(n));
  for (std::ptrdiff_t j = 0; j < n; ++j) {
    const auto it = std::find(names.begin(), names.end(), sectors[detail::uz(j)]);
    label[detail::uz(j)] = static_cast<std::ptrdiff_t>(it - names.begin());
    if (it == names.end()) names.push_back(sectors[detail::uz(j)]);
  }
  const auto k = static_cast<Eigen::Index>(names.size()) + 1;  // + cash
  const Eigen::Index periods = rows - 1;
  Eigen::MatrixXd wp = Eigen::MatrixXd::Zero(periods, k), wb = wp, rp = wp, rb = wp;
  for (Eigen::Index t = 0; t < periods; ++t) {
    const std::ptrdiff_t row = first + t + 1;                // the period's end row in the table
    Eigen::VectorXd sp = Eigen::VectorXd::Zero(k), sb = sp;  // weighted return sums
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      const double r = prices.prices(row, j) / prices.prices(row - 1, j) - 1;
      const auto s = label[detail::uz(j)];
      wp(t, s) += result.weights(t, j);
      wb(t, s) += benchmark.weights(t, j);
      sp(s) += result.weights(t, j) * r;
      sb(s) += benchmark.weights(t, j) * r;
    }
    wp(t, k - 1) = result.cash[detail::uz(t)];
    wb(t, k - 1) = benchmark.cash[detail::uz(t)];
    const auto days =
        (std::chrono::sys_days(result.dates[detail::uz(t + 1)]) - std::chrono::sys_days(result.dates[detail::uz(t)]))
            .count();
    const double cash_return = options.cash_rate * static_cast<double>(days) / 365.0;
    sp(k - 1) = wp(t, k - 1) * cash_return;
    sb(k - 1) = wb(t, k - 1) * cash_return;
    for (Eigen::Index s = 0; s < k; ++s) {
      const bool held_p = wp(t, s) != 0, held_b = wb(t, s) != 0;
      const double own_p = held_p ? sp(s) / wp(t, s) : 0, own_b = held_b ? sb(s) / wb(t, s) : 0;
      // Where a side holds none of a sector, its return there is the other side's (no selection
      // effect from a sector it does not hold); held by neither, both 0 (no effect at all).
      rp(t, s) = held_p ? own_p : own_b;
      rb(t, s) = held_b ? own_b : own_p;
    }
  }
  sector_attribution out;
  out.sectors = std::move(names);
  out.sectors.emplace_back("cash");
  out.effects = linked_attribution(wp, wb, rp, rb, attribution_options{.normalise = false});
  return out;
}

namespace detail::bt {
inline bootstrap_interval interval_of(double estimate, std::vector<double> x, double confidence) {
  bootstrap_interval b;
  b.estimate = estimate;
  const auto n = static_cast<double>(x.size());
  double mean = 0;
  for (const double v : x) mean += v;
  mean /= n;
  double ss = 0;
  for (const double v : x) ss += (v - mean) * (v - mean);
  b.mean = mean;
  b.estimate_stderr = x.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
  b.lower = linear_quantile(x.begin(), x.end(), (1 - confidence) / 2);
  b.upper = linear_quantile(x.begin(), x.end(), (1 + confidence) / 2);
  return b;
}

/// The seven bootstrapped statistics of r (and b when not empty).
inline std::array<double, 7> bootstrap_row(std::string_view fn, const std::vector<double>& r,
                                           const std::vector<double>& b, const statistics_options& o) {
  std::array<double, 7> s{};
  const annual_options a{.periods_per_year = o.periods_per_year};
  s[0] = annual_return(r, a);
  s[1] = annual_volatility(r, a);
  s[2] = sharpe_ratio(r, ratio_options{.risk_free = o.risk_free, .periods_per_year = o.periods_per_year});
  s[3] =
      sortino_ratio(r, sortino_options{.required_return = o.required_return, .periods_per_year = o.periods_per_year});
  s[4] = max_drawdown(r).depth;
  if (!b.empty()) {
    s[5] = s[0] - annual_return(b, a);
    s[6] = information_ratio(r, b, information_ratio_options{.periods_per_year = o.periods_per_year});
  }
  for (const double v : s)
    if (!std::isfinite(v)) throw_overflow(fn, "a bootstrap replicate's statistic");
  return s;
}
}  // namespace detail::bt

KEEL_DEF bootstrap_result bootstrap_statistics(std::span<const double> returns, std::span<const double> benchmark,
                                               const bootstrap_options& o) {
  constexpr std::string_view fn = "bootstrap_statistics";
  const auto n = static_cast<std::ptrdiff_t>(returns.size());
  if (n < 2)
    throw insufficient_data(detail::message(fn, "the statistics need at least 2 returns; got " + std::to_string(n)), 2,
                            n);
  detail::require_finite(fn, "returns", returns);
  if (!benchmark.empty()) {
    detail::require_same_size(fn, "benchmark_returns", static_cast<std::ptrdiff_t>(benchmark.size()), "returns", n);
    detail::require_finite(fn, "benchmark_returns", benchmark);
  }
  if (o.samples < 1) detail::throw_bad_option(fn, "samples", static_cast<double>(o.samples), ">= 1");
  detail::require_option_in(fn, "mean_block_length", o.mean_block_length, 1, 1e12, ">= 1 and finite");
  detail::require_option_in(fn, "confidence", o.confidence, 1e-12, 1 - 1e-12, "in (0, 1)");
  detail::check_periods_per_year(fn, o.statistics.periods_per_year);
  const std::vector<double> r0(returns.begin(), returns.end()), b0(benchmark.begin(), benchmark.end());
  const auto estimate = detail::bt::bootstrap_row(fn, r0, b0, o.statistics);
  bootstrap_result out;
  out.replicates.resize(o.samples, 7);
  const double p_new = 1 / o.mean_block_length;
  struct scratch {
    std::vector<double> r, b;
  };
  std::vector<std::exception_ptr> errors(detail::uz(o.samples));
  detail::parallel_for<scratch>(
      o.samples, detail::resolve_threads(o.threads, o.samples), [&](std::ptrdiff_t s, scratch& w) {
        try {
          detail::philox_stream g(o.seed, static_cast<std::uint64_t>(s));
          w.r.resize(detail::uz(n));
          w.b.resize(b0.empty() ? 0 : detail::uz(n));
          const auto uniform_row = [&] {
            return std::min<std::ptrdiff_t>(n - 1, static_cast<std::ptrdiff_t>(g.uniform() * static_cast<double>(n)));
          };
          std::ptrdiff_t i = uniform_row();
          for (std::ptrdiff_t k = 0; k < n; ++k) {
            if (k > 0) i = g.uniform() < p_new ? uniform_row() : (i + 1) % n;
            w.r[detail::uz(k)] = r0[detail::uz(i)];
            if (!b0.empty()) w.b[detail::uz(k)] = b0[detail::uz(i)];
          }
          const auto row = detail::bt::bootstrap_row(fn, w.r, w.b, o.statistics);
          for (int c = 0; c < 7; ++c) out.replicates(s, c) = row[static_cast<std::size_t>(c)];
        } catch (...) {
          errors[detail::uz(s)] = std::current_exception();
        }
      });
  for (std::ptrdiff_t s = 0; s < o.samples; ++s)
    if (errors[detail::uz(s)]) {
      try {
        std::rethrow_exception(errors[detail::uz(s)]);
      } catch (const error&) {
        detail::bt::rethrow_with(detail::message(fn, "replicate " + std::to_string(s)));
      }
    }
  bootstrap_interval* fields[7] = {&out.annual_return, &out.annual_volatility, &out.sharpe,           &out.sortino,
                                   &out.max_drawdown,  &out.excess_return,     &out.information_ratio};
  for (int c = 0; c < 7; ++c) {
    if (c >= 5 && b0.empty()) continue;
    std::vector<double> col(detail::uz(o.samples));
    for (std::ptrdiff_t s = 0; s < o.samples; ++s) col[detail::uz(s)] = out.replicates(s, c);
    *fields[c] = detail::bt::interval_of(estimate[static_cast<std::size_t>(c)], std::move(col), o.confidence);
  }
  return out;
}

}  // namespace keel
