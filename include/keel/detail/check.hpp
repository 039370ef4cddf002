// SPDX-License-Identifier: MIT
// keel/detail/check.hpp: argument checks and every error phrase keel uses, so that one failure
// reads the same from every header: "function: what[where] is how-big". Owned by
// keel/error.hpp's conventions.
//
// Phrases (one per failure kind)
//   non-finite element   "fn: name[i] is NaN"                (dated: "name[i] on 2024-01-05 is NaN")
//   non-finite cell      "fn: name(i, j) is inf"
//   size mismatch        "fn: a has 12 values but b has 13"
//   too few              "fn: needs at least 20 observations, got 12 (set by opts::field)"
//   bad option           "fn: option = value must be rule"
//   overflow             "fn: what overflows: the values are too large; rescale them"
//   underflow            "fn: name[lo..hi] vary too little for double: ... underflows; rescale them"
//   result overflow      "fn: field = x overflows the result type; pass the data as double"
//   below a bound        "fn: returns[3] = -1.5 is below -1 (a loss of more than 100% ...)"
//   zero over zero       "fn: the Sharpe ratio is 0 / 0 (why): undefined"   (singular_problem)
//   weights' sum         "fn: benchmark weights sum to 0.97, not 1 (within 1e-06); set opt to rescale them"
//   not square           "fn: cov is 3 x 4, not square"
//   not symmetric        "fn: cov(0, 2) = 0.1 but cov(2, 0) = 0.2: not symmetric"
//   not PSD              "fn: cov is not positive semi-definite: its smallest eigenvalue is -0.5"
//   out of scale         "fn: name[i] = x is outside the range keel solves in (|x| <= 1e+150); rescale"
//   missing cell         "fn: name(i, j) is NaN; set .missing = missing_data::pairwise or
//                         missing_data::complete_rows to skip missing values"
//   unsupported option   "fn: option = value is not supported: reason"
//   unreachable target   "fn: target_beta = 0.2 is outside the reachable range [0.5, 1.3] (set by ...)"
// IWYU pragma: private, include <keel/error.hpp>
#pragma once

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>

#include <keel/detail/config.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// "fn: " + text, the prefix every keel message starts with.
[[nodiscard]] inline std::string message(std::string_view fn, std::string_view text) {
  std::string out(fn);
  out += ": ";
  out += text;
  return out;
}

/// "name[i]": element i of a series.
[[nodiscard]] inline std::string element_text(std::string_view name, std::ptrdiff_t i) {
  std::string out(name);
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

/// "name[lo..hi]": a run of elements (both ends included).
[[nodiscard]] inline std::string range_text(std::string_view name, std::ptrdiff_t lo, std::ptrdiff_t hi) {
  return std::string(name) + "[" + std::to_string(lo) + ".." + std::to_string(hi) + "]";
}

/// "name(i, j)": a cell of a matrix (row i, column j).
[[nodiscard]] inline std::string cell_text(std::string_view name, std::ptrdiff_t i, std::ptrdiff_t j) {
  return std::string(name) + "(" + std::to_string(i) + ", " + std::to_string(j) + ")";
}

/// Where a key puts an element: "on 2024-01-05" for a date, "at key 17" otherwise.
template <class Key>
[[nodiscard]] std::string at_key(const Key& key) {
  if constexpr (std::same_as<Key, std::chrono::year_month_day> || std::same_as<Key, std::chrono::sys_days>)
    return "on " + key_text(key);
  else
    return "at key " + key_text(key);
}

/// "name[i] on 2024-01-05": element i of a dated series, located by its key too.
template <class Key>
[[nodiscard]] std::string dated_element_text(std::string_view name, std::ptrdiff_t i, const Key& key) {
  return element_text(name, i) + " " + at_key(key);
}

/// How messages name a series and locate its elements: a name ("market_returns", or a symbol)
/// and, for values aligned from dated series, the keys that say where index i is. A view: the
/// name and keys must outlive it.
struct series_label {
  std::string_view name;       ///< the series' name in messages
  const void* keys = nullptr;  ///< the keys (type-erased), or null
  /// key i as text, with its preposition ("on 2024-01-05", "at key 7") when asked
  std::string (*key_of)(const void*, std::ptrdiff_t, bool) = nullptr;

  /// "name[i]", or "name[i] on 2024-01-05" when keys are known.
  [[nodiscard]] std::string element(std::ptrdiff_t i) const {
    return key_of == nullptr ? element_text(name, i) : element_text(name, i) + " " + key_of(keys, i, true);
  }
  /// "name[lo..hi]", or "name[lo..hi] (2024-01-02 to 2024-05-10)" when keys are known.
  [[nodiscard]] std::string range(std::ptrdiff_t lo, std::ptrdiff_t hi) const {
    std::string out = range_text(name, lo, hi);
    if (key_of != nullptr) out += " (" + key_of(keys, lo, false) + " to " + key_of(keys, hi, false) + ")";
    return out;
  }
};

/// The label of values aligned on `keys` (a std::vector of a dated series' key type).
template <class Keys>
[[nodiscard]] series_label keyed_label(std::string_view name, const Keys& keys) {
  return {name, &keys, [](const void* k, std::ptrdiff_t i, bool preposition) {
            const auto& key = (*static_cast<const Keys*>(k))[static_cast<std::size_t>(i)];
            return preposition ? at_key(key) : key_text(key);
          }};
}

/// Index of the first NaN or infinity in `r`, or -1 when every element is finite.
template <class R>
[[nodiscard]] std::ptrdiff_t first_non_finite(const R& r) {
  auto first = std::ranges::begin(r);
  const std::ptrdiff_t n = ssize(r);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (!std::isfinite(first[i])) return i;
  return -1;
}

/// Throws invalid_input: "fn: <where> is NaN" (or inf, -inf).
[[noreturn]] inline void throw_non_finite_at(std::string_view fn, std::string_view where, double value) {
  throw invalid_input(message(fn, std::string(where) + " is " + number_text(value)));
}

/// Throws invalid_input for element `index` of `name` holding the non-finite `value`.
[[noreturn]] inline void throw_non_finite(std::string_view fn, std::string_view name, std::ptrdiff_t index,
                                          double value) {
  throw_non_finite_at(fn, element_text(name, index), value);
}

/// Throws invalid_input for cell (i, j) of the matrix `name` holding the non-finite `value`.
[[noreturn]] inline void throw_non_finite_cell(std::string_view fn, std::string_view name, std::ptrdiff_t i,
                                               std::ptrdiff_t j, double value) {
  throw_non_finite_at(fn, cell_text(name, i, j), value);
}

/// Throws invalid_input naming the first NaN or infinity in `r`, if there is one.
template <class R>
void require_finite(std::string_view fn, std::string_view name, const R& r) {
  if (const std::ptrdiff_t i = first_non_finite(r); i >= 0)
    throw_non_finite(fn, name, i, static_cast<double>(std::ranges::begin(r)[i]));
}

/// Throws invalid_input naming the first non-finite cell of an Eigen matrix, scanning row by
/// row so that the earliest date is reported.
template <class M>
void require_finite_cells(std::string_view fn, std::string_view name, const M& m) {
  if (m.allFinite()) return;
  for (std::ptrdiff_t i = 0; i < m.rows(); ++i)
    for (std::ptrdiff_t j = 0; j < m.cols(); ++j)
      if (!std::isfinite(m(i, j))) throw_non_finite_cell(fn, name, i, j, static_cast<double>(m(i, j)));
}

/// Throws invalid_input unless the two inputs have the same length.
inline void require_same_size(std::string_view fn, std::string_view name_a, std::ptrdiff_t size_a,
                              std::string_view name_b, std::ptrdiff_t size_b) {
  if (size_a != size_b)
    throw invalid_input(message(fn, std::string(name_a) + " has " + std::to_string(size_a) + " values but " +
                                        std::string(name_b) + " has " + std::to_string(size_b)));
}

/// Throws insufficient_data unless `actual >= required`: "fn: needs at least 20 observations,
/// got 12", followed by "(set by beta_options::min_observations)" when an option sets the
/// minimum, so that the caller knows what to change.
inline void require_observations(std::string_view fn, std::ptrdiff_t required, std::ptrdiff_t actual,
                                 std::string_view what = "observations", std::string_view option = {}) {
  if (actual >= required) return;
  std::string text =
      "needs at least " + std::to_string(required) + " " + std::string(what) + ", got " + std::to_string(actual);
  if (!option.empty()) text += " (set by " + std::string(option) + ")";
  throw insufficient_data(message(fn, text), required, actual);
}

/// Throws invalid_input for an option outside its domain: "fn: option = value must be rule".
[[noreturn]] inline void throw_bad_option(std::string_view fn, std::string_view option, double value,
                                          std::string_view rule) {
  throw invalid_input(message(fn, std::string(option) + " = " + number_text(value) + " must be " + std::string(rule)));
}

/// Throws invalid_input unless lo <= value <= hi (either bound may be infinite): the check of
/// an option with a closed domain.
inline void require_option_in(std::string_view fn, std::string_view option, double value, double lo, double hi,
                              std::string_view rule) {
  if (!(value >= lo && value <= hi)) throw_bad_option(fn, option, value, rule);
}

/// Throws invalid_input for finite data whose sums overflow: "fn: <what> overflows: the values
/// are too large; rescale them".
[[noreturn]] inline void throw_overflow(std::string_view fn, std::string_view what) {
  throw invalid_input(message(fn, std::string(what) + " overflows: the values are too large; rescale them"));
}

/// Throws invalid_input for a run of values whose squared deviations underflow double.
[[noreturn]] inline void throw_underflow(std::string_view fn, std::string_view where, double sum_of_squares) {
  throw invalid_input(message(fn, std::string(where) + " vary too little for double: their sum of squared deviations " +
                                      number_text(sum_of_squares) + " underflows; rescale them (to percent, say)"));
}

/// x rounded to the result type; invalid_input when a finite x does not fit (float results of
/// data near float's limits), so no infinity appears that the data did not imply.
template <class Real, std::floating_point T>
[[nodiscard]] Real rounded(std::string_view fn, std::string_view field, T x) {
  const auto out = static_cast<Real>(x);
  if constexpr (sizeof(Real) >= sizeof(T)) {
    return out;  // nothing to check on the hot path
  } else {
    if (std::isfinite(x) && !std::isfinite(out)) [[unlikely]]
      throw invalid_input(message(fn, std::string(field) + " = " + number_text(static_cast<double>(x)) +
                                          " overflows the result type; pass the data as double"));
    return out;
  }
}

/// Throws invalid_input unless 0 < p < 1: confidences, quantile levels, significance levels.
inline void require_probability(std::string_view fn, std::string_view option, double p) {
  if (!(p > 0 && p < 1)) throw_bad_option(fn, option, p, "in (0, 1)");
}

/// Throws invalid_input for a value below the least its quantity allows:
/// "fn: returns[3] = -1.5 is below -1 (a loss of more than 100%)".
[[noreturn]] inline void throw_below(std::string_view fn, std::string_view where, double value, double bound,
                                     std::string_view why) {
  throw invalid_input(message(fn, std::string(where) + " = " + number_text(value) + " is below " + number_text(bound) +
                                      " (" + std::string(why) + ")"));
}

/// Throws singular_problem for a ratio whose numerator and denominator are both 0:
/// "fn: the Sharpe ratio is 0 / 0 (the excess returns are all 0): undefined".
[[noreturn]] inline void throw_zero_over_zero(std::string_view fn, std::string_view what, std::string_view why) {
  throw singular_problem(message(fn, std::string(what) + " is 0 / 0 (" + std::string(why) + "): undefined"));
}

/// Throws invalid_input for weights that should sum to 1 and do not:
/// "fn: benchmark weights sum to 0.97, not 1 (within 1e-06); set opts::normalise to rescale them".
[[noreturn]] inline void throw_bad_sum(std::string_view fn, std::string_view name, double sum, double tolerance,
                                       std::string_view option) {
  throw invalid_input(message(fn, std::string(name) + " sum to " + number_text(sum) + ", not 1 (within " +
                                      number_text(tolerance) + "); set " + std::string(option) + " to rescale them"));
}

/// Throws invalid_input unless the matrix `name` is square: "fn: cov is 3 x 4, not square".
inline void require_square(std::string_view fn, std::string_view name, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  if (rows != cols)
    throw invalid_input(
        message(fn, std::string(name) + " is " + std::to_string(rows) + " x " + std::to_string(cols) + ", not square"));
}

/// Throws invalid_input naming the first pair of cells of a square matrix that differ by more
/// than `tolerance` (relative to the largest magnitude in the matrix).
template <class M>
void require_symmetric(std::string_view fn, std::string_view name, const M& m, double tolerance = 1e-10) {
  const double scale = m.size() > 0 ? static_cast<double>(m.cwiseAbs().maxCoeff()) : 0.0;
  for (std::ptrdiff_t j = 0; j < m.cols(); ++j)
    for (std::ptrdiff_t i = j + 1; i < m.rows(); ++i)
      if (std::fabs(static_cast<double>(m(i, j)) - static_cast<double>(m(j, i))) > tolerance * scale)
        throw invalid_input(message(fn, cell_text(name, i, j) + " = " + number_text(static_cast<double>(m(i, j))) +
                                            " but " + cell_text(name, j, i) + " = " +
                                            number_text(static_cast<double>(m(j, i))) + ": not symmetric"));
}

/// Throws singular_problem for a covariance matrix with a negative eigenvalue (beyond rounding).
[[noreturn]] inline void throw_not_positive_semidefinite(std::string_view fn, std::string_view name,
                                                         double smallest_eigenvalue) {
  throw singular_problem(message(fn, std::string(name) + " is not positive semi-definite: its smallest eigenvalue is " +
                                         number_text(smallest_eigenvalue)));
}

/// Throws invalid_input unless periods per year (the options' `periods_per_year` of every
/// function that annualises) is positive and finite: "fn: periods_per_year = 0 must be positive
/// and finite". The one check of that quantity, so every header says it the same way.
inline void check_periods_per_year(std::string_view fn, double value);

/// Throws invalid_input unless an option is positive and finite.
inline void require_positive_option(std::string_view fn, std::string_view option, double value) {
  if (!(value > 0 && std::isfinite(value))) throw_bad_option(fn, option, value, "positive and finite");
}

inline void check_periods_per_year(std::string_view fn, double value) {
  require_positive_option(fn, "periods_per_year", value);
}

/// Throws invalid_input for a NaN cell of a panel read with the policy missing_data::reject: the
/// cell, and how to skip missing values instead.
[[noreturn]] inline void throw_missing_cell(std::string_view fn, std::string_view name, std::ptrdiff_t i,
                                            std::ptrdiff_t j) {
  throw invalid_input(message(fn, cell_text(name, i, j) +
                                      " is NaN; set .missing = missing_data::pairwise or missing_data::complete_rows "
                                      "to skip missing values"));
}

/// Throws invalid_input for an option value a function does not support: "fn: option = value is
/// not supported: reason".
[[noreturn]] inline void throw_unsupported_option(std::string_view fn, std::string_view option, std::string_view value,
                                                  std::string_view reason) {
  throw invalid_input(
      message(fn, std::string(option) + " = " + std::string(value) + " is not supported: " + std::string(reason)));
}

/// Throws invalid_input unless every nonzero |x| of `values` lies in [lo, hi]: inputs of an
/// optimisation whose products would underflow or overflow double (a covariance of 1e-316, an
/// expected return of 1e300). The message names the element (name[i], or name(i, j) for a
/// matrix) and the range. Added for markowitz.hpp.
template <class M>
void require_scale(std::string_view fn, std::string_view name, const M& m, double lo, double hi) {
  for (std::ptrdiff_t j = 0; j < m.cols(); ++j)
    for (std::ptrdiff_t i = 0; i < m.rows(); ++i) {
      const double v = std::fabs(static_cast<double>(m(i, j)));
      if (v != 0 && !(v >= lo && v <= hi)) {
        const std::string where = m.cols() == 1 ? element_text(name, i) : cell_text(name, i, j);
        throw invalid_input(message(fn, where + " = " + number_text(static_cast<double>(m(i, j))) +
                                            " is outside the range keel solves in (" + number_text(lo) +
                                            " <= |x| <= " + number_text(hi) + "); rescale the inputs"));
      }
    }
}

/// Throws infeasible for a target the constraints cannot reach: "fn: target_beta = 0.2 is
/// outside the reachable range [0.5, 1.3] (set by the instruments' quantity bounds)". The
/// range's ends may be infinite (an unbounded side).
[[noreturn]] inline void throw_unreachable(std::string_view fn, std::string_view what, double value, double lo,
                                           double hi, std::string_view limited_by) {
  throw infeasible(message(fn, std::string(what) + " = " + number_text(value) + " is outside the reachable range [" +
                                   number_text(lo) + ", " + number_text(hi) + "] (set by " + std::string(limited_by) +
                                   ")"));
}

/// Throws invalid_input for a symbol a book, table or universe does not hold: "fn: unknown
/// symbol 'XYZ'". Added for online.hpp (what-if trades).
[[noreturn]] inline void throw_unknown_symbol(std::string_view fn, std::string_view where, std::string_view symbol) {
  throw invalid_input(message(fn, std::string(where) + ": unknown symbol '" + std::string(symbol) + "'"));
}

/// Throws invalid_input for a portfolio whose net value is not positive (weights, VaR as a
/// fraction of value are then undefined): "fn: <when> the net value is -5 (not positive)".
/// Added for online.hpp (what-if trades).
[[noreturn]] inline void throw_not_positive_value(std::string_view fn, std::string_view when, double value) {
  throw invalid_input(message(fn, std::string(when) + " the net value is " + number_text(value) +
                                      " (not positive): weights and risk as a fraction of value are undefined"));
}

/// Throws singular_problem for a portfolio variance w' cov w below zero beyond rounding (a
/// covariance that is not positive semi-definite). Added for online.hpp (what-if trades).
[[noreturn]] inline void throw_negative_variance(std::string_view fn, double variance) {
  throw singular_problem(message(fn, "the portfolio variance w' cov w = " + number_text(variance) +
                                         " is negative: cov is not positive semi-definite"));
}

}  // namespace keel::detail
