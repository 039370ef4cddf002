// SPDX-License-Identifier: MIT
// keel-report --options: an option chain on the market index, reduced to the terms
// risk_snapshot's hedge comparison prices its protective put and collar with
// (keel::index_option_terms). The file is CSV with the columns
//   underlying,quote_date,underlying_price,expiration,type,strike,bid,ask,rate,dividend_yield,multiplier
// one row per quoted option (type call or put; dates YYYY-MM-DD; rate and dividend yield
// continuous, per year; maturity = (expiration - quote_date) / 365, ACT/365 as the quotes are
// usually made). The terms: the expiration nearest three months; at it, the strike nearest the
// underlying price; the volatility is the mean implied volatility (keel::implied_volatility) of
// the mid prices quoted at that strike, the half spread their mean (ask - bid) / (ask + bid).
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/options.hpp>

#include "data.hpp"

namespace keel_example {

/// The index terms read from a chain, and where they came from (for the report's notes).
struct chain_terms {
  keel::index_option_terms terms;
  std::chrono::year_month_day expiration{};
  double strike = 0;       ///< the at-the-money strike the volatility was implied at
  std::size_t quotes = 0;  ///< options quoted at that strike and expiration (1 or 2)
};

/// Reads `path` (see the file comment) for the index `market`, quoted on `as_of` at a level
/// within 1% of `index_price` (the price table's). \throws keel::invalid_input naming the file
/// and line of a bad row, or the mismatch (underlying, quote date, level).
inline chain_terms read_option_chain(const std::filesystem::path& path, const std::string& market,
                                     std::chrono::year_month_day as_of, double index_price) {
  const input_file file(path, "an option chain",
                        "underlying,quote_date,underlying_price,expiration,type,strike,bid,ask,rate,dividend_yield,"
                        "multiplier");
  const std::size_t underlying = file.column("underlying"), quote = file.column("quote_date"),
                    level = file.column("underlying_price"), expiry = file.column("expiration"),
                    type = file.column("type"), strike = file.column("strike"), bid = file.column("bid"),
                    ask = file.column("ask"), rate = file.column("rate"), dividend = file.column("dividend_yield"),
                    multiplier = file.column("multiplier");
  file.require_rows("the option chain");
  const auto date_at = [&](std::size_t i, std::size_t col) {
    const auto d = keel::try_parse_date(file.text(i, col));
    if (!d) throw keel::invalid_input(file.where(i) + ": " + file.text(i, col) + " is not a date (YYYY-MM-DD)");
    return *d;
  };
  struct row {
    std::size_t line;
    double maturity;
    bool call;
  };
  std::vector<row> rows;
  for (std::size_t i = 0; i < file.rows(); ++i) {
    if (file.text(i, underlying) != market)
      throw keel::invalid_input(file.where(i) + ": the underlying " + file.text(i, underlying) +
                                " is not the market column " + market);
    if (date_at(i, quote) != as_of)
      throw keel::invalid_input(file.where(i) + ": quoted on " + file.text(i, quote) + ", but the report is as of " +
                                keel::format_date(as_of) + " (give --as-of the quote date, or a chain quoted then)");
    const double s = file.number(i, level);
    if (!(std::abs(s / index_price - 1) <= 0.01))
      throw keel::invalid_input(file.where(i) + ": underlying_price " + file.text(i, level) + " is not within 1% of " +
                                market + "'s price " + std::to_string(index_price) + " on " + keel::format_date(as_of));
    const std::string& kind = file.text(i, type);
    if (kind != "call" && kind != "put")
      throw keel::invalid_input(file.where(i) + ": type '" + kind + "' is not call or put");
    const double b = file.number(i, bid), a = file.number(i, ask);
    if (!(b >= 0 && a > 0 && b <= a))
      throw keel::invalid_input(file.where(i) + ": bid " + file.text(i, bid) + " and ask " + file.text(i, ask) +
                                " must satisfy 0 <= bid <= ask, ask > 0");
    const auto days = (std::chrono::sys_days(date_at(i, expiry)) - std::chrono::sys_days(as_of)).count();
    if (days <= 0)
      throw keel::invalid_input(file.where(i) + ": expiration " + file.text(i, expiry) +
                                " is not after the quote date");
    rows.push_back({i, static_cast<double>(days) / 365.0, kind == "call"});
  }
  // The expiration nearest three months (ties: the earlier), then the strike nearest the level.
  double maturity = rows.front().maturity;
  for (const row& r : rows)
    if (std::abs(r.maturity - 0.25) < std::abs(maturity - 0.25) ||
        (std::abs(r.maturity - 0.25) == std::abs(maturity - 0.25) && r.maturity < maturity))
      maturity = r.maturity;
  const double spot = file.number(rows.front().line, level);
  double atm = 0;
  for (const row& r : rows)
    if (r.maturity == maturity) {
      const double k = file.number(r.line, strike);
      if (atm == 0 || std::abs(k - spot) < std::abs(atm - spot)) atm = k;
    }
  chain_terms out;
  out.strike = atm;
  out.terms.symbol = market;
  out.terms.maturity = maturity;
  double vol = 0, spread = 0;
  for (const row& r : rows) {
    if (r.maturity != maturity || file.number(r.line, strike) != atm) continue;
    keel::option_market m;
    m.spot = file.number(r.line, level);
    m.rate = file.number(r.line, rate);
    m.dividend_yield = file.number(r.line, dividend);
    const keel::european_option o{r.call ? keel::option_type::call : keel::option_type::put, atm, maturity};
    const double b = file.number(r.line, bid), a = file.number(r.line, ask);
    try {
      vol += keel::implied_volatility(o, m, 0.5 * (a + b));
    } catch (const keel::error& e) {
      throw keel::invalid_input(file.where(r.line) + ": " + e.what());
    }
    spread += (a - b) / (a + b);
    out.terms.market = m;
    out.terms.multiplier = file.number(r.line, multiplier);
    out.expiration = date_at(r.line, expiry);
    ++out.quotes;
  }
  out.terms.market.volatility = vol / static_cast<double>(out.quotes);
  out.terms.half_spread = spread / static_cast<double>(out.quotes);
  return out;
}

}  // namespace keel_example
