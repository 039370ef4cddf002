// SPDX-License-Identifier: MIT
// Test support for backtest_test.cpp and backtest_test_strategies.cpp: deterministic synthetic
// price tables on business days (from 2019-01-02, weekends skipped), ISO dates for messages,
// and a strategy that records what it was shown.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include <keel/backtest.hpp>
#include <keel/series.hpp>

namespace bt_test {

using ymd = std::chrono::year_month_day;
using Eigen::MatrixXd;
using Eigen::VectorXd;

inline std::size_t uz(std::ptrdiff_t i) { return static_cast<std::size_t>(i); }

/// `count` business days from 2019-01-02 (Saturdays and Sundays skipped; no holidays).
inline std::vector<ymd> business_days(std::ptrdiff_t count,
                                      ymd from = ymd{std::chrono::year{2019}, std::chrono::month{1},
                                                     std::chrono::day{2}}) {
  std::vector<ymd> out;
  for (std::chrono::sys_days d{from}; static_cast<std::ptrdiff_t>(out.size()) < count; d += std::chrono::days{1}) {
    const std::chrono::weekday w{d};
    if (w != std::chrono::Saturday && w != std::chrono::Sunday) out.emplace_back(d);
  }
  return out;
}

/// "2019-01-02".
inline std::string iso(const ymd& d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

/// T x N prices from log-normal daily returns with one common factor: asset j has daily
/// volatility vol x (1 + 0.25 j), drift 0.0003, correlation about 0.3; first prices 50 (j + 1).
inline keel::price_table synthetic(std::ptrdiff_t t_count, std::ptrdiff_t n, std::uint64_t seed, double vol = 0.01) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0, 1);
  keel::price_table p;
  p.dates = business_days(t_count);
  for (std::ptrdiff_t j = 0; j < n; ++j) p.symbols.push_back("A" + std::to_string(j));
  p.prices.resize(t_count, n);
  for (std::ptrdiff_t j = 0; j < n; ++j) p.prices(0, j) = 50.0 * static_cast<double>(j + 1);
  for (std::ptrdiff_t t = 1; t < t_count; ++t) {
    const double common = z(gen);
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      const double s = vol * (1 + 0.25 * static_cast<double>(j));
      const double e = std::sqrt(0.3) * common + std::sqrt(0.7) * z(gen);
      p.prices(t, j) = p.prices(t - 1, j) * std::exp(0.0003 + s * e);
    }
  }
  return p;
}

/// Simple returns of the table's rows 0..t-1 as a column-major matrix (row i: date i to i + 1).
inline MatrixXd returns_until(const keel::price_table& p, std::ptrdiff_t t) {
  MatrixXd r(t, p.prices.cols());
  for (std::ptrdiff_t i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < p.prices.cols(); ++j) r(i, j) = p.prices(i + 1, j) / p.prices(i, j) - 1;
  return r;
}

/// The table's row of a date (-1 if absent).
inline std::ptrdiff_t row_of(const keel::price_table& p, const ymd& d) {
  for (std::size_t i = 0; i < p.dates.size(); ++i)
    if (p.dates[i] == d) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

inline VectorXd vec(std::initializer_list<double> x) {
  VectorXd v(static_cast<Eigen::Index>(x.size()));
  Eigen::Index i = 0;
  for (const double a : x) v(i++) = a;
  return v;
}

/// A strategy that returns `w` and appends view.row() of each call to *rows (shared: the engine
/// copies the callable).
inline keel::strategy recording(VectorXd w, std::shared_ptr<std::vector<std::ptrdiff_t>> rows,
                                std::string name = "recorder") {
  keel::strategy s;
  s.name = std::move(name);
  s.target = [w = std::move(w), rows = std::move(rows)](const keel::backtest_view& v) -> VectorXd {
    rows->push_back(v.row());
    return w;
  };
  return s;
}

}  // namespace bt_test
