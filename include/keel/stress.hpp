// SPDX-License-Identifier: MIT
// keel/stress.hpp: stress scenarios: the profit and loss of a book of positions under market
// (and factor) shocks, a documented set of historical S&P 500 moves, and the historical replay
// of a period from a price table.
//
// Synopsis
//   stress_test(positions, scenarios)               -> stress_result{scenarios, pnls, totals}
//   historical_scenarios()                          the S&P 500 moves below, oldest first
//   hypothetical_scenarios()                        market -10% and -20%
//   builtin_scenarios()                             both lists
//   historical_replay(positions, prices, scenario)  -> replay_result: each position's own
//                                                   return over the scenario's dates
//
// Model. A position i has a signed market value v_i, a market beta b_i and optional factor
// exposures e_ik (per unit of value); a scenario has a market return m and optional factor
// shocks f_k. Then P&L_i = v_i (b_i m + sum_k e_ik f_k): the linear factor model of a stress
// test (Jorion 2007, ch. 14). Losses are negative P&L here (a P&L, not a risk measure).
//
// Built-in historical scenarios: S&P 500 index closes (price index, no dividends), return =
// close(end) / close(start) - 1, start being the close before the move:
//   Black Monday           1987-10-16 282.70 -> 1987-10-19 224.84    -20.47%  one day
//   Asian crisis           1997-10-24 941.64 -> 1997-10-27 876.99     -6.87%  one day
//   LTCM and Russia        1998-07-17 1186.75 -> 1998-08-31 957.28   -19.34%  peak to trough
//   Dot-com bust           2000-03-24 1527.46 -> 2002-10-09 776.76   -49.15%  peak to trough
//   September 11 reopening 2001-09-10 1092.54 -> 2001-09-17 1038.77   -4.92%  first day of trading
//   Global financial crisis 2007-10-09 1565.15 -> 2009-03-09 676.53  -56.78%  peak to trough
//   US downgrade           2011-08-05 1199.38 -> 2011-08-08 1119.46    -6.66%  one day
//   COVID-19 crash         2020-02-19 3386.15 -> 2020-03-23 2237.40   -33.92%  peak to trough
//   2022 bear market       2022-01-03 4796.56 -> 2022-10-12 3577.03   -25.43%  peak to trough
// Source of every level: the S&P 500's official daily closes as published by S&P Dow Jones
// Indices (ticker ^GSPC); the 1987 move is also the one the Brady report (Presidential Task
// Force on Market Mechanisms, 1988) gives. tests/stress_test.cpp checks the 2020 levels
// against ../shared/data/sp500_stocks_index_daily_2015_2020.csv (column SP500_INDEX) and the
// 2020 and 2022 moves against SPY in ../shared/data/us_stocks_etfs_daily_2020_2026.csv.
//
// References: P. Jorion, "Value at Risk", 3rd ed. (2007) ch. 14 (stress testing); Basel
// Committee, "Principles for sound stress testing practices and supervision" (2009).
/// \file
/// Stress scenarios: stress_test over scenarios and the built-in scenario set.
#pragma once

#include <keel/detail/config.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// A position of a book under stress.
struct position {
  std::string symbol;                         ///< its name (for historical_replay: a price_table symbol)
  double value = 0;                           ///< signed market value (shorts negative)
  double beta = 1;                            ///< sensitivity to the market return
  std::vector<double> factor_exposures = {};  ///< optional exposures to the scenario's factor shocks
};

/// A stress scenario: a market move and optional factor shocks.
struct scenario {
  std::string name;                                                 ///< short description
  std::optional<std::chrono::year_month_day> start = std::nullopt;  ///< the close before the move (historical ones)
  std::optional<std::chrono::year_month_day> end = std::nullopt;    ///< the close after it
  double market_return = 0;                ///< simple return of the market over the move, >= -1
  std::vector<double> factor_shocks = {};  ///< optional shocks to the positions' factors
  std::string source = {};                 ///< where the numbers come from
};

/// Result of stress_test: P&L per scenario (row) and position (column), and per scenario.
struct stress_result {
  std::vector<std::string> scenarios;  ///< scenario names, in order
  Eigen::MatrixXd pnls;                ///< scenarios x positions
  std::vector<double> totals;          ///< the P&L of the book per scenario (row sums)
};

/// Result of historical_replay.
struct replay_result {
  std::vector<double> returns;    ///< each position's return over the scenario
  std::vector<double> pnls;       ///< value_i x returns_i
  std::vector<bool> from_prices;  ///< true: its own prices; false: the beta proxy (no data for the period)
  double total = 0;               ///< the book's P&L
};

namespace detail {

/// Checks a position; `i` locates it in messages.
inline void check_position(std::string_view fn, const position& p, std::ptrdiff_t i) {
  const std::string where = "positions[" + std::to_string(i) + "]";
  if (!std::isfinite(p.value)) throw_non_finite_at(fn, where + ".value", p.value);
  if (!std::isfinite(p.beta)) throw_non_finite_at(fn, where + ".beta", p.beta);
  require_finite(fn, where + ".factor_exposures", p.factor_exposures);
}

inline void check_scenario(std::string_view fn, const scenario& s, std::ptrdiff_t i) {
  const std::string where = "scenarios[" + std::to_string(i) + "]";
  if (!std::isfinite(s.market_return)) throw_non_finite_at(fn, where + ".market_return", s.market_return);
  if (s.market_return < -1) throw_bad_option(fn, where + ".market_return", s.market_return, "at least -1");
  require_finite(fn, where + ".factor_shocks", s.factor_shocks);
}

/// b m + sum_k e_k f_k; a position without exposures or a scenario without shocks has no
/// factor term; both given, they must have the same length.
[[nodiscard]] inline double stressed_return(std::string_view fn, const position& p, std::ptrdiff_t i, const scenario& s,
                                            std::ptrdiff_t k) {
  double r = p.beta * s.market_return;
  if (!p.factor_exposures.empty() && !s.factor_shocks.empty()) {
    require_same_size(fn, "positions[" + std::to_string(i) + "].factor_exposures", ssize(p.factor_exposures),
                      "scenarios[" + std::to_string(k) + "].factor_shocks", ssize(s.factor_shocks));
    for (std::size_t f = 0; f < s.factor_shocks.size(); ++f) r += p.factor_exposures[f] * s.factor_shocks[f];
  }
  return r;
}

[[nodiscard]] inline scenario sp500_move(std::string name, int y0, unsigned m0, unsigned d0, double level0, int y1,
                                         unsigned m1, unsigned d1, double level1, std::string source) {
  using namespace std::chrono;
  return {std::move(name),
          year_month_day{year{y0}, month{m0}, day{d0}},
          year_month_day{year{y1}, month{m1}, day{d1}},
          level1 / level0 - 1,
          {},
          std::move(source)};
}

}  // namespace detail

/// The built-in historical S&P 500 moves (see the header comment for levels and sources),
/// oldest first: market_return = close(end) / close(start) - 1, no factor shocks.
/// \returns the scenarios, each with name, start, end, market_return and source.
/// Ref: S&P Dow Jones Indices daily closes; Brady report (1988) for 19 October 1987.
[[nodiscard]] inline std::vector<scenario> historical_scenarios() {
  const std::string spdji = "S&P Dow Jones Indices, S&P 500 daily closes";
  using detail::sp500_move;
  return {
      sp500_move("Black Monday 1987", 1987, 10, 16, 282.70, 1987, 10, 19, 224.84, spdji + "; Brady report (1988)"),
      sp500_move("Asian crisis 1997", 1997, 10, 24, 941.64, 1997, 10, 27, 876.99, spdji),
      sp500_move("LTCM and Russia 1998", 1998, 7, 17, 1186.75, 1998, 8, 31, 957.28, spdji),
      sp500_move("Dot-com bust 2000-2002", 2000, 3, 24, 1527.46, 2002, 10, 9, 776.76, spdji),
      sp500_move("September 11 2001", 2001, 9, 10, 1092.54, 2001, 9, 17, 1038.77, spdji),
      sp500_move("Global financial crisis 2007-2009", 2007, 10, 9, 1565.15, 2009, 3, 9, 676.53, spdji),
      sp500_move("US downgrade 2011", 2011, 8, 5, 1199.38, 2011, 8, 8, 1119.46, spdji),
      sp500_move("COVID-19 crash 2020", 2020, 2, 19, 3386.15, 2020, 3, 23, 2237.40, spdji),
      sp500_move("2022 bear market", 2022, 1, 3, 4796.56, 2022, 10, 12, 3577.03, spdji),
  };
}

/// Hypothetical market shocks of -10% and -20% (no dates, no factor shocks).
/// \returns two scenarios. Ref: Jorion (2007) ch. 14 (hypothetical scenarios).
[[nodiscard]] inline std::vector<scenario> hypothetical_scenarios() {
  return {{"Market -10%", std::nullopt, std::nullopt, -0.10, {}, "hypothetical"},
          {"Market -20%", std::nullopt, std::nullopt, -0.20, {}, "hypothetical"}};
}

/// historical_scenarios() followed by hypothetical_scenarios().
/// \returns the built-in set. Ref: as the two lists.
[[nodiscard]] inline std::vector<scenario> builtin_scenarios() {
  std::vector<scenario> out = historical_scenarios();
  for (auto& s : hypothetical_scenarios()) out.push_back(std::move(s));
  return out;
}

/// Stress test of a book: P&L_ik = v_i (b_i m_k + sum_f e_if s_kf) for position i and
/// scenario k (see the header comment), and the book's P&L per scenario.
/// \pre finite values, betas, exposures and shocks, market returns >= -1; a position's
///      exposures and a scenario's shocks of the same length when both are given (invalid_input
///      naming positions[i] or scenarios[k]).
/// \returns stress_result{scenarios (names), pnls (scenarios x positions), totals}; an empty
///          book gives zero totals. Ref: Jorion (2007) ch. 14.
template <std::ranges::random_access_range P, std::ranges::random_access_range S>
  requires std::ranges::sized_range<P> && std::ranges::sized_range<S> &&
      std::same_as<std::ranges::range_value_t<P>, position> && std::same_as<std::ranges::range_value_t<S>, scenario>
[[nodiscard]] stress_result stress_test(const P& positions, const S& scenarios) {
  constexpr std::string_view fn = "stress_test";
  const std::ptrdiff_t np = detail::ssize(positions), ns = detail::ssize(scenarios);
  auto pf = std::ranges::begin(positions);
  auto sf = std::ranges::begin(scenarios);
  for (std::ptrdiff_t i = 0; i < np; ++i) detail::check_position(fn, pf[i], i);
  for (std::ptrdiff_t k = 0; k < ns; ++k) detail::check_scenario(fn, sf[k], k);
  stress_result out;
  out.pnls.resize(ns, np);
  out.totals.assign(detail::uz(ns), 0.0);
  for (std::ptrdiff_t k = 0; k < ns; ++k) {
    out.scenarios.push_back(sf[k].name);
    double total = 0;
    for (std::ptrdiff_t i = 0; i < np; ++i) {
      const double pnl = pf[i].value * detail::stressed_return(fn, pf[i], i, sf[k], k);
      out.pnls(k, i) = pnl;
      total += pnl;
    }
    if (!std::isfinite(total)) detail::throw_overflow(fn, "the P&L of scenarios[" + std::to_string(k) + "]");
    out.totals[detail::uz(k)] = total;
  }
  return out;
}

namespace detail {

/// Row of the last date <= d, or -1.
[[nodiscard]] inline std::ptrdiff_t row_at_or_before(const std::vector<std::chrono::year_month_day>& dates,
                                                     const std::chrono::year_month_day& d) {
  std::ptrdiff_t lo = 0, hi = ssize(dates);  // first date > d, by bisection
  while (lo < hi) {
    const std::ptrdiff_t mid = lo + (hi - lo) / 2;
    if (dates[uz(mid)] <= d)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo - 1;
}

}  // namespace detail

/// Historical replay of a scenario's period: each position's own return (close(end) -
/// close(start)) / close(start) from `prices` (series.hpp's price_returns, keel's one
/// price-to-returns rule), taking the last dates on or before the scenario's start and end,
/// when the table covers the period (a date on or before start, one on or after end) and both
/// prices of its symbol are there (not NaN); otherwise the stress_test proxy b_i m (+ factor
/// terms), and from_prices says which.
/// \pre the scenario has start <= end (invalid_input); positions as stress_test; prices whose
///      dates and matrix agree (invalid_input); the two prices of a held symbol positive and
///      finite or missing (invalid_input naming the symbol, the date and the price).
/// \returns replay_result{returns, pnls, from_prices, total}. Ref: Jorion (2007) ch. 14.
template <std::ranges::random_access_range P>
  requires std::ranges::sized_range<P> && std::same_as<std::ranges::range_value_t<P>, position>
[[nodiscard]] replay_result historical_replay(const P& positions, const price_table& prices, const scenario& s) {
  constexpr std::string_view fn = "historical_replay";
  if (!s.start || !s.end || *s.end < *s.start)
    throw invalid_input(detail::message(
        fn, "scenario '" + detail::printable(s.name) + "' needs a start and an end date, start <= end"));
  detail::check_scenario(fn, s, 0);
  detail::check_table_shape(fn, "prices", detail::ssize(prices.dates), detail::ssize(prices.symbols),
                            prices.prices.rows(), prices.prices.cols());
  const std::ptrdiff_t np = detail::ssize(positions);
  auto pf = std::ranges::begin(positions);
  replay_result out;
  const std::ptrdiff_t r0 = detail::row_at_or_before(prices.dates, *s.start);
  const std::ptrdiff_t r1 = detail::row_at_or_before(prices.dates, *s.end);
  const bool covered = r0 >= 0 && !prices.dates.empty() && prices.dates.back() >= *s.end;
  for (std::ptrdiff_t i = 0; i < np; ++i) {
    const position& p = pf[i];
    detail::check_position(fn, p, i);
    double r = 0;
    bool own = false;
    if (covered && prices.contains(p.symbol)) {
      const std::ptrdiff_t j = prices.index_of(p.symbol);
      const std::ptrdiff_t rows[2] = {r0, r1};
      const auto price = [&](std::ptrdiff_t k) { return prices.prices(rows[k], j); };
      // series.hpp's one price rule: a missing (NaN) price falls back to the scenario's shock
      // below, a zero, negative or infinite one is an error naming the symbol and the date.
      const auto f = detail::price_returns<false, double>(
          2, price,
          [&](std::ptrdiff_t, double v) {
            r = v;
            own = !std::isnan(v);
          },
          true);
      if (f)
        throw invalid_input(detail::message(fn, detail::price_fault_text(
                                                    f,
                                                    [&](std::ptrdiff_t k) {
                                                      return detail::dated_element_text(
                                                          p.symbol, rows[k], prices.dates[detail::uz(rows[k])]);
                                                    },
                                                    price)));
    }
    if (!own) r = detail::stressed_return(fn, p, i, s, 0);
    out.returns.push_back(r);
    out.pnls.push_back(p.value * r);
    out.from_prices.push_back(own);
    out.total += p.value * r;
  }
  if (!std::isfinite(out.total)) detail::throw_overflow(fn, "the P&L of the book");
  return out;
}

}  // namespace keel
