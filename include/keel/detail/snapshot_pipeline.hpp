// SPDX-License-Identifier: MIT
// keel/detail/snapshot_pipeline.hpp: internals of keel/snapshot.hpp (owner: the snapshot
// header). Included by detail/snapshot-inl.hpp; not a public header.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail::snap {

using date = std::chrono::year_month_day;

// The pipeline's functions are templates in a defaulted parameter L whose book, universe, price
// table and options parameters have the dependent type lazy_t<L, T> (which is T). In header-only
// mode that keeps every expression on them dependent, so the templates they call (many of the
// capability functions return `auto`, which a non-dependent call would have to instantiate to
// learn) are instantiated only when the pipeline itself is, in a translation unit that calls
// risk_snapshot, not wherever snapshot.hpp is included. A dependent parameter is also a
// non-deduced context: calls pass the concrete types and take L = void.
template <class L, class T>
struct lazy {
  using type = T;
};
template <class L, class T>
using lazy_t = typename lazy<L, T>::type;

/// A book: columns of the universe with weights (fractions of the net value V) and sectors.
struct book {
  std::vector<std::ptrdiff_t> columns;  ///< universe columns
  std::vector<std::string> symbols;     ///< their symbols
  std::vector<std::string> sectors;     ///< sector per position ("" unclassified)
  std::vector<double> quantities;       ///< held quantities
  std::vector<double> prices;           ///< last prices
  std::vector<double> values;           ///< quantity x price
  Eigen::VectorXd weights;              ///< values / V
  Eigen::VectorXd means;                ///< per-period mean returns of the positions
  Eigen::MatrixXd covariance;           ///< per-period sample covariance of the positions
  std::vector<double> betas;            ///< per-position market betas
  std::vector<double> returns;          ///< r_p,t = sum_i w_i r_i,t over the window
  double value = 0;                     ///< net value V
  double gross = 0;                     ///< sum |values|
};

/// The window's returns of column j as a contiguous span of the universe's panel.
template <class L = void>
[[nodiscard]] std::span<const double> column(const lazy_t<L, snapshot_universe>& u, std::ptrdiff_t j) {
  return {u.returns.data() + j * u.returns.rows(), uz(u.returns.rows())};
}

/// The universe column of `symbol`: invalid_input naming it when unknown, insufficient_data
/// with the universe's reason when unusable.
template <class L = void>
[[nodiscard]] std::ptrdiff_t usable_column(std::string_view fn, const lazy_t<L, snapshot_universe>& u,
                                           std::string_view symbol) {
  const auto it = std::find(u.symbols.begin(), u.symbols.end(), symbol);
  if (it == u.symbols.end())
    throw invalid_input(message(fn, "unknown symbol " + detail::quoted(symbol) + " (not a column of the prices; " +
                                        std::to_string(u.symbols.size()) + " symbols)"));
  const std::ptrdiff_t j = it - u.symbols.begin();
  if (!u.usable[uz(j)]) {
    const auto have = static_cast<std::ptrdiff_t>(
        std::count_if(column(u, j).begin(), column(u, j).end(), [](double x) { return std::isfinite(x); }));
    throw insufficient_data(message(fn, u.reasons[uz(j)]), u.returns.rows(), have);
  }
  return j;
}

/// Fills the statistics of a book whose columns, quantities and prices are set.
template <class L = void>
void fill_statistics(const lazy_t<L, snapshot_universe>& u, lazy_t<L, book>& b) {
  const auto n = ssize(b.columns);
  const Eigen::Index t = u.returns.rows();
  b.weights.resize(n);
  b.means.resize(n);
  b.covariance.resize(n, n);
  b.betas.assign(uz(n), 0.0);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const std::ptrdiff_t j = b.columns[uz(i)];
    b.weights(i) = b.values[uz(i)] / b.value;
    b.means(i) = u.means(j);
    b.betas[uz(i)] = static_cast<double>(u.betas[uz(j)].beta);
    for (std::ptrdiff_t k = 0; k < n; ++k) b.covariance(i, k) = u.covariance(j, b.columns[uz(k)]);
  }
  b.returns.assign(uz(t), 0.0);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const auto col = column(u, b.columns[uz(i)]);
    const double w = b.weights(i);
    for (Eigen::Index r = 0; r < t; ++r) b.returns[uz(r)] += w * col[uz(r)];
  }
}

/// The book of the holdings: checks every row, values it and fills its statistics.
template <class L = void>
[[nodiscard]] book make_book(std::string_view fn, std::span<const holding> holdings,
                             const lazy_t<L, snapshot_universe>& u) {
  if (holdings.empty()) throw invalid_input(message(fn, "no holdings"));
  book b;
  for (std::size_t i = 0; i < holdings.size(); ++i) {
    const holding& h = holdings[i];
    if (!std::isfinite(h.quantity)) throw_non_finite_at(fn, "holdings[" + std::to_string(i) + "].quantity", h.quantity);
    if (std::find(b.symbols.begin(), b.symbols.end(), h.symbol) != b.symbols.end())
      throw invalid_input(message(fn, "symbol " + detail::quoted(h.symbol) + " is held twice (holdings[" +
                                          std::to_string(i) + "]); give one row per symbol"));
    const std::ptrdiff_t j = usable_column(fn, u, h.symbol);
    b.columns.push_back(j);
    b.symbols.push_back(h.symbol);
    b.sectors.push_back(h.sector);
    b.quantities.push_back(h.quantity);
    b.prices.push_back(u.last_prices[uz(j)]);
    b.values.push_back(h.quantity * u.last_prices[uz(j)]);
    b.value += b.values.back();
    b.gross += std::abs(b.values.back());
    // A quantity can be finite and its value not (1e308 shares): say which row, not a NaN weight later.
    if (!std::isfinite(b.gross)) {
      const std::string row =
          "holdings[" + std::to_string(i) + "] " + detail::quoted(h.symbol) +
          (h.lots.empty() ? std::string() : " (from line " + std::to_string(h.lots.front().line) + ")");
      throw invalid_input(message(fn, row + ": quantity " + number_text(h.quantity) + " x price " +
                                          number_text(u.last_prices[uz(j)]) + " on " + date_text(u.as_of) +
                                          (std::isfinite(b.values.back()) ? " makes the total market value overflow"
                                                                          : " overflows the range of double")));
    }
  }
  if (!(b.value > 0))
    throw invalid_input(message(fn, "the net market value of the holdings is " + number_text(b.value) + " on " +
                                        date_text(u.as_of) + "; it must be positive (weights are value / net value)"));
  fill_statistics(u, b);
  return b;
}

/// Mean off-diagonal correlation of a covariance matrix (0 for fewer than two assets; a
/// zero-variance asset contributes correlation 0).
template <class L = void>
[[nodiscard]] double average_correlation(const Eigen::MatrixXd& s) {
  const Eigen::Index n = s.rows();
  if (n < 2) return 0;
  double sum = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index k = i + 1; k < n; ++k) {
      const double d = std::sqrt(s(i, i) * s(k, k));
      sum += d > 0 ? s(i, k) / d : 0.0;
    }
  return sum / (static_cast<double>(n) * static_cast<double>(n - 1) / 2);
}

/// Largest |sum of weights| over the named sectors (positions without a sector are left out).
template <class L = void>
[[nodiscard]] double largest_sector(const lazy_t<L, book>& b) {
  std::vector<std::string> names;
  std::vector<double> sums;
  for (std::size_t i = 0; i < b.sectors.size(); ++i) {
    if (b.sectors[i].empty()) continue;
    const auto it = std::find(names.begin(), names.end(), b.sectors[i]);
    if (it == names.end()) {
      names.push_back(b.sectors[i]);
      sums.push_back(b.weights(static_cast<Eigen::Index>(i)));
    } else {
      sums[uz(it - names.begin())] += b.weights(static_cast<Eigen::Index>(i));
    }
  }
  double out = 0;
  for (double s : sums) out = std::max(out, std::abs(s));
  return out;
}

}  // namespace keel::detail::snap
