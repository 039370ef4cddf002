// SPDX-License-Identifier: MIT
// keel/concentration.hpp: how concentrated a book is, and where its weight sits by sector.
//
// Synopsis
//   hhi(weights)                                  Herfindahl-Hirschman index on 0..10,000
//   concentration_metrics(weights[, names], concentration_options{.top = {3, 10}})
//                                                 -> concentration{hhi, effective_n, top_shares,
//                                                    largest_index, largest_name, n}
//   sector_exposure(weights, sectors, benchmark[, sector_options])
//   sector_exposure(weights, sectors[, sector_options])
//                                                 -> sector_exposures{sectors, portfolio_weights,
//                                                    benchmark_weights, active_weights,
//                                                    largest_overweight, largest_underweight,
//                                                    unclassified}
//
// Conventions
//   - Concentration is of gross exposure: each weight counts as |w_i| / sum_j |w_j|, so a short
//     concentrates a book as much as a long of the same size. Weights may be fractions, market
//     values or share counts times prices: only their proportions matter.
//   - HHI is on the 0-10,000 scale (the US antitrust convention): 10,000 for one position,
//     10,000 / n for n equal ones; effective_n = 10,000 / HHI, the number of equal positions
//     with the same HHI, between 1 and the number of nonzero positions.
//   - Sector weights are fractions of the portfolio: by default the weights are divided by their
//     (net) sum, so the portfolio weights of the sectors sum to 1. Benchmark weights are given
//     per sector and must sum to 1 within 1e-6 unless normalise_benchmark is set.
//   - Positions with an empty sector label are unclassified: listed by index and gathered in a
//     row whose sector is the empty string (last), so portfolio weights still sum to 1.
//   - Sums accumulate in accum_t (double for float); results are in the weights' type.
//
// References
//   S. A. Rhoades, "The Herfindahl-Hirschman index", Federal Reserve Bulletin 79 (1993) 188-189;
//   M. A. Adelman, "Comment on the H concentration measure as a numbers-equivalent", Rev. Econ.
//   Statist. 51 (1969) (effective number); Grinold and Kahn, Active Portfolio Management, 2nd
//   ed. (2000), ch. 14 (active weights).
/// \file
/// Concentration and sector exposure: hhi, concentration_metrics, sector_exposure.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of concentration_metrics.
struct concentration_options {
  /// For each k, the share of gross exposure held by the k largest positions (k >= 1; a k
  /// above the number of positions gives 1).
  std::vector<std::ptrdiff_t> top = {3, 10};
};

/// Concentration of a book's gross exposure.
template <class Real = double>
struct concentration {
  Real hhi{};                         ///< sum_i (|w_i| / sum_j |w_j|)^2 x 10,000, in [10,000 / n, 10,000]
  Real effective_n{};                 ///< 10,000 / hhi, in [1, n]
  std::vector<Real> top_shares;       ///< per options.top[k]: share of gross exposure in the top-k positions
  std::ptrdiff_t largest_index = -1;  ///< the position with the largest |w| (the first of equals)
  std::string largest_name;           ///< its name, when names were given
  std::ptrdiff_t n = 0;               ///< positions with a nonzero weight
};

/// Options of sector_exposure.
struct sector_options {
  /// Divide the weights by their sum, so that the sectors' portfolio weights sum to 1; false
  /// takes them as fractions of equity as given (a levered or market-neutral book).
  bool normalise_weights = true;
  /// Divide the benchmark weights by their sum; false requires them to sum to 1 within 1e-6.
  bool normalise_benchmark = false;
};

/// Portfolio, benchmark and active weight per sector. Rows are the union of the portfolio's
/// and the benchmark's sectors in name order, then the unclassified row (sector "") if any
/// position has no sector.
template <class Real = double>
struct sector_exposures {
  std::vector<std::string> sectors;          ///< sector names ("" for the unclassified row, last)
  std::vector<Real> portfolio_weights;       ///< sum of the sector's weights (sum to 1 when normalised)
  std::vector<Real> benchmark_weights;       ///< the benchmark's weight (0 where it has none)
  std::vector<Real> active_weights;          ///< portfolio - benchmark
  std::ptrdiff_t largest_overweight = -1;    ///< row with the largest positive active weight, or -1
  std::ptrdiff_t largest_underweight = -1;   ///< row with the most negative active weight, or -1
  std::vector<std::ptrdiff_t> unclassified;  ///< positions with an empty sector label, in order
};

namespace detail::conc {

template <class R>
[[nodiscard]] std::string position_text(std::string_view name, std::ptrdiff_t i, const R* names) {
  std::string out = element_text(name, i);
  if (names != nullptr) out += " (" + printable(std::string_view(std::ranges::begin(*names)[i])) + ")";
  return out;
}

/// Gross exposure sum |w|, after checking finiteness (naming the position).
template <class Acc, class W, class N>
[[nodiscard]] Acc gross_exposure(std::string_view fn, const W& w, const N* names) {
  auto f = std::ranges::begin(w);
  Acc gross = 0;
  for (std::ptrdiff_t i = 0; i < ssize(w); ++i) {
    if (!std::isfinite(f[i])) throw_non_finite_at(fn, position_text("weights", i, names), static_cast<double>(f[i]));
    gross += std::fabs(static_cast<Acc>(f[i]));
  }
  if (!std::isfinite(gross)) throw_overflow(fn, "the gross exposure sum |weights|");
  if (!(gross > 0)) throw invalid_input(message(fn, "weights are all 0: a book with no exposure has no concentration"));
  return gross;
}

template <class Acc, class W>
[[nodiscard]] Acc hhi_of(const W& w, Acc gross) {
  auto f = std::ranges::begin(w);
  // Scaled first (|w| / gross <= 1), so no square overflows; by a reciprocal unless gross is
  // so small that its reciprocal overflows.
  const Acc inv = 1 / gross;
  const bool by_reciprocal = std::isfinite(inv);
  Acc s[2] = {};
  for (std::ptrdiff_t i = 0; i < ssize(w); ++i) {
    const Acc x = by_reciprocal ? static_cast<Acc>(f[i]) * inv : static_cast<Acc>(f[i]) / gross;
    s[i & 1] += x * x;
  }
  return std::clamp((s[0] + s[1]) * 10000, Acc(0), Acc(10000));
}

template <class W, class N>
[[nodiscard]] auto metrics(std::string_view fn, const W& w, const N* names, const concentration_options& o) {
  using real = value_t<W>;
  using acc = accum_t<real>;
  require_observations(fn, 1, ssize(w), "positions");
  if (names != nullptr) require_same_size(fn, "weights", ssize(w), "names", ssize(*names));
  for (const std::ptrdiff_t k : o.top)
    if (k < 1) throw_bad_option(fn, "top", static_cast<double>(k), "at least 1 for every entry");
  const acc gross = gross_exposure<acc>(fn, w, names);
  concentration<real> out;
  const acc h = hhi_of(w, gross);
  out.hhi = static_cast<real>(h);
  out.effective_n = static_cast<real>(10000 / h);
  auto f = std::ranges::begin(w);
  std::vector<acc> sizes(uz(ssize(w)));
  for (std::ptrdiff_t i = 0; i < ssize(w); ++i) {
    sizes[uz(i)] = std::fabs(static_cast<acc>(f[i]));
    if (sizes[uz(i)] > 0) ++out.n;
    if (out.largest_index < 0 || sizes[uz(i)] > sizes[uz(out.largest_index)]) out.largest_index = i;
  }
  if (names != nullptr) out.largest_name = std::string(std::string_view(std::ranges::begin(*names)[out.largest_index]));
  // The top shares: sort the sizes once, largest first, then prefix sums.
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  for (const std::ptrdiff_t k : o.top) {
    if (k >= ssize(sizes)) {  // every position: exactly the whole, not a re-summed approximation
      out.top_shares.push_back(real(1));
      continue;
    }
    const acc top = std::accumulate(sizes.begin(), sizes.begin() + k, acc(0));
    out.top_shares.push_back(static_cast<real>(std::min(acc(1), top / gross)));
  }
  return out;
}

/// The benchmark's (sector, weight) entries, validated and sorted by sector.
template <class B>
[[nodiscard]] std::vector<std::pair<std::string_view, double>> benchmark_entries(std::string_view fn, const B& b,
                                                                                 const sector_options& o) {
  std::vector<std::pair<std::string_view, double>> out;
  double sum = 0;
  for (const auto& e : b) {
    const std::string_view sector(e.first);
    const auto weight = static_cast<double>(e.second);
    if (sector.empty()) throw invalid_input(message(fn, "a benchmark weight has an empty sector label"));
    if (!std::isfinite(weight)) throw_non_finite_at(fn, "the benchmark weight of " + quoted(sector), weight);
    out.emplace_back(sector, weight);
    sum += weight;
  }
  std::sort(out.begin(), out.end());
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].first == out[i - 1].first)
      throw invalid_input(message(fn, "the benchmark lists sector " + quoted(out[i].first) + " twice"));
  if (o.normalise_benchmark) {
    if (!(sum > 0)) throw_bad_sum(fn, "benchmark weights", sum, 1e-6, "a benchmark with positive weights");
    for (auto& e : out) e.second /= sum;
  } else if (!(std::fabs(sum - 1) <= 1e-6)) {
    throw_bad_sum(fn, "benchmark weights", sum, 1e-6, "sector_options::normalise_benchmark");
  }
  return out;
}

template <class Real>
void add_row(sector_exposures<Real>& out, std::string_view sector, double portfolio, double benchmark) {
  out.sectors.emplace_back(sector);
  out.portfolio_weights.push_back(static_cast<Real>(portfolio));
  out.benchmark_weights.push_back(static_cast<Real>(benchmark));
  out.active_weights.push_back(static_cast<Real>(portfolio - benchmark));
}

template <class W, class S>
[[nodiscard]] auto exposures(std::string_view fn, const W& w, const S& sectors,
                             const std::vector<std::pair<std::string_view, double>>& bench, const sector_options& o) {
  using real = value_t<W>;
  const std::ptrdiff_t n = ssize(w);
  require_same_size(fn, "weights", n, "sectors", ssize(sectors));
  auto wf = std::ranges::begin(w);
  auto sf = std::ranges::begin(sectors);
  double total = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    if (!std::isfinite(wf[i])) throw_non_finite(fn, "weights", i, static_cast<double>(wf[i]));
    total += static_cast<double>(wf[i]);
  }
  if (o.normalise_weights && !(total > 0))
    throw invalid_input(
        message(fn, "weights sum to " + number_text(total) +
                        ": they cannot be normalised to sum to 1; set "
                        "sector_options::normalise_weights = false to use them as fractions of equity"));
  const double scale = o.normalise_weights ? total : 1.0;
  std::vector<std::ptrdiff_t> order(uz(n));
  std::iota(order.begin(), order.end(), std::ptrdiff_t{0});
  const auto label = [&](std::ptrdiff_t i) { return std::string_view(sf[i]); };
  std::stable_sort(order.begin(), order.end(), [&](std::ptrdiff_t a, std::ptrdiff_t b) { return label(a) < label(b); });
  sector_exposures<real> out;
  double unclassified = 0;
  std::size_t bi = 0;
  for (std::size_t p = 0; p < order.size();) {  // merge the positions' sectors with the benchmark's
    const std::string_view sector = label(order[p]);
    double weight = 0;
    for (; p < order.size() && label(order[p]) == sector; ++p) weight += static_cast<double>(wf[order[p]]);
    if (sector.empty()) {
      unclassified = weight / scale;
      continue;
    }
    for (; bi < bench.size() && bench[bi].first < sector; ++bi) add_row(out, bench[bi].first, 0.0, bench[bi].second);
    const bool shared = bi < bench.size() && bench[bi].first == sector;
    add_row(out, sector, weight / scale, shared ? bench[bi++].second : 0.0);
  }
  for (; bi < bench.size(); ++bi) add_row(out, bench[bi].first, 0.0, bench[bi].second);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (label(i).empty()) out.unclassified.push_back(i);
  for (std::ptrdiff_t r = 0; r < ssize(out.sectors); ++r) {
    const real a = out.active_weights[uz(r)];
    if (a > 0 && (out.largest_overweight < 0 || a > out.active_weights[uz(out.largest_overweight)]))
      out.largest_overweight = r;
    if (a < 0 && (out.largest_underweight < 0 || a < out.active_weights[uz(out.largest_underweight)]))
      out.largest_underweight = r;
  }
  if (!out.unclassified.empty()) add_row(out, "", unclassified, 0.0);
  return out;
}

template <class R>
concept label_range = std::ranges::random_access_range<R> && std::ranges::sized_range<R> &&
    std::convertible_to<std::ranges::range_reference_t<R>, std::string_view>;

template <class B>
concept sector_weight_range = std::ranges::input_range<B> && requires(std::ranges::range_reference_t<B> e) {
  { e.first } -> std::convertible_to<std::string_view>;
  {static_cast<double>(e.second)};
};

}  // namespace detail::conc

/// Herfindahl-Hirschman index of a book's gross exposure on the 0-10,000 scale.
/// \f[ HHI = 10\,000 \sum_i \Big(\frac{|w_i|}{\sum_j |w_j|}\Big)^2 \f]
/// 10,000 for one position, 10,000 / n for n equal ones. O(n), no allocation.
/// \throws insufficient_data for no positions; invalid_input for a NaN or infinite weight
///         (naming it), weights that are all 0, or a gross exposure that overflows.
/// Ref: Rhoades, Federal Reserve Bulletin 79 (1993).
template <Series S>
[[nodiscard]] auto hhi(const S& weights) {
  using real = detail::value_t<S>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "hhi";
  detail::require_observations(fn, 1, detail::ssize(weights), "positions");
  const acc gross =
      detail::conc::gross_exposure<acc>(fn, weights, static_cast<const std::vector<std::string>*>(nullptr));
  return static_cast<real>(detail::conc::hhi_of(weights, gross));
}

/// Concentration of a book: HHI, effective number of positions 10,000 / HHI, the share of gross
/// exposure held by the k largest positions for each k of options.top, and the largest
/// position. O(n log n) (one sort of the sizes, one allocation).
/// \returns concentration{hhi, effective_n, top_shares, largest_index, largest_name (empty), n}.
/// \throws insufficient_data for no positions; invalid_input for a NaN or infinite weight, all
///         weights 0, or an entry of options.top below 1.
/// Ref: Adelman, Rev. Econ. Statist. 51 (1969) (effective number).
template <Series S>
[[nodiscard]] auto concentration_metrics(const S& weights, const concentration_options& options = {}) {
  return detail::conc::metrics("concentration_metrics", weights, static_cast<const std::vector<std::string>*>(nullptr),
                               options);
}

/// Concentration of a book with the positions' names (a parallel range of symbols): messages
/// name the position, and largest_name is set.
/// \throws as the unnamed form, and invalid_input when names and weights differ in length.
template <Series S, detail::conc::label_range N>
[[nodiscard]] auto concentration_metrics(const S& weights, const N& names, const concentration_options& options = {}) {
  return detail::conc::metrics("concentration_metrics", weights, &names, options);
}

/// Sector exposure against a benchmark: each sector's portfolio weight (the sum of its
/// positions' weights, divided by the sum of all weights unless options.normalise_weights is
/// false), the benchmark's weight, and the active weight portfolio - benchmark, over the union
/// of both sides' sectors; the largest over- and underweight; the unclassified positions (an
/// empty sector label). `benchmark` is any range of (sector, weight) pairs (a std::map, a
/// vector of std::pair) whose weights sum to 1 within 1e-6 (or set normalise_benchmark).
/// O((n + m) log(n + m)).
/// \returns sector_exposures{sectors, portfolio_weights, benchmark_weights, active_weights,
///          largest_overweight, largest_underweight, unclassified}.
/// \throws invalid_input for weights and sectors of different lengths, a NaN or infinite
///         weight, weights that do not sum to a positive number (when normalised), a benchmark
///         entry with an empty or repeated sector or a non-finite weight, or benchmark weights
///         that do not sum to 1.
/// Ref: Grinold and Kahn (2000), ch. 14.
template <Series S, detail::conc::label_range L, detail::conc::sector_weight_range B>
[[nodiscard]] auto sector_exposure(const S& weights, const L& sectors, const B& benchmark,
                                   sector_options options = {}) {
  constexpr std::string_view fn = "sector_exposure";
  const auto entries = detail::conc::benchmark_entries(fn, benchmark, options);
  return detail::conc::exposures(fn, weights, sectors, entries, options);
}

/// Sector exposure of a portfolio alone (benchmark weights 0, active = portfolio).
/// \throws as the benchmark form (without its benchmark checks).
template <Series S, detail::conc::label_range L>
[[nodiscard]] auto sector_exposure(const S& weights, const L& sectors, sector_options options = {}) {
  return detail::conc::exposures("sector_exposure", weights, sectors, {}, options);
}

}  // namespace keel
