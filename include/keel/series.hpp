// SPDX-License-Identifier: MIT
// keel/series.hpp: the time-series concept every keel algorithm reads through.
//
// Synopsis
//   concept Series<R>          random-access, sized range of floating-point values
//   keel::keys(d), keel::values(d)
//                              customisation points: member .keys()/.values(), else ADL
//   concept DatedSeries<D>     strictly increasing, totally ordered keys beside a Series
//   dated_view<Keys, Values>   a DatedSeries over two ranges it does not own
//   dated_series<Key, Real>    a DatedSeries that owns two vectors
//   align(a, b)                inner join on keys, O(n + m) -> aligned_series
//   align(a, b, out)           the same into a reused aligned_series, allocation-free
//   simple_returns(prices)     r_t = (p_t - p_{t-1}) / p_{t-1}
//   log_returns(prices)        r_t = ln(p_t / p_{t-1})
//
// Conventions
//   - Callers keep their data: std::vector, std::span, std::array, Eigen vectors, Eigen::Map
//     over their own memory and their own containers all model Series. Algorithms take
//     `const S&`, reach elements through std::ranges::begin and a signed size, and never copy.
//   - In a dated series NaN means "missing" (an empty CSV cell). align() drops rows where
//     either value is NaN; dated returns are NaN where either price is missing, so that a
//     return never silently spans a gap. Anywhere else a NaN or infinity is invalid_input
//     naming its index, and an infinity is invalid_input even in a dated series.
//   - Prices must be positive: a return over a zero or negative price is not defined.
//   - float input is computed in double and rounded once at the end.
//
// References
//   Campbell, Lo and MacKinlay, "The Econometrics of Financial Markets" (1997), ch. 1.4
//   (simple and continuously compounded returns). The concepts and customisation points follow
//   mp-units (github.com/mpusz/mp-units): the member first, then ADL, with poison pills.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel {

namespace detail {

/// Algorithms index at random and size before they read: forward-only ranges (std::list) and
/// unsized ones would turn O(n) passes into O(n^2) or need a copy.
template <class R>
concept sized_random_access_range = std::ranges::random_access_range<R> && std::ranges::sized_range<R>;

/// Returns, prices and weights are real numbers; an int range would silently truncate them.
template <class R>
concept floating_range = std::floating_point<std::ranges::range_value_t<R>>;

}  // namespace detail

/// A series of real values that keel can read in place: random-access, sized, floating-point.
///
/// Deliberately *not* required: contiguous_range (it would drop Eigen's iterators and strided
/// Eigen blocks), common_range or a `.cbegin()` member (either would drop some views and
/// std::span). Elements are reached through std::ranges::begin and a signed size.
template <class R>
concept Series = detail::sized_random_access_range<R> && detail::floating_range<R>;

namespace detail {

// Poison pills: an unqualified call inside the customisation points must find only the
// caller's ADL overloads, never a function named keys/values from an enclosing namespace.
void keys() = delete;
void values() = delete;

template <class T>
concept member_keys = requires(const T& t) {
  { t.keys() } -> sized_random_access_range;
};
template <class T>
concept adl_keys = requires(const T& t) {
  { keys(t) } -> sized_random_access_range;
};
template <class T>
concept member_values = requires(const T& t) {
  { t.values() } -> Series;
};
template <class T>
concept adl_values = requires(const T& t) {
  { values(t) } -> Series;
};

struct keys_fn {
  template <class T>
    requires member_keys<T> || adl_keys<T>
  [[nodiscard]] constexpr decltype(auto) operator()(const T& t) const {
    if constexpr (member_keys<T>)
      return t.keys();
    else
      return keys(t);
  }
};

struct values_fn {
  template <class T>
    requires member_values<T> || adl_values<T>
  [[nodiscard]] constexpr decltype(auto) operator()(const T& t) const {
    if constexpr (member_values<T>)
      return t.values();
    else
      return values(t);
  }
};

}  // namespace detail

inline namespace cpo {
/// The keys (dates, timestamps, integers) of a dated series: `d.keys()` if that member
/// exists, else `keys(d)` found by argument-dependent lookup.
inline constexpr detail::keys_fn keys{};
/// The values of a dated series: `d.values()` if that member exists, else ADL `values(d)`.
inline constexpr detail::values_fn values{};
}  // namespace cpo

namespace detail {
template <class D>
using keys_range_t = decltype(keel::keys(std::declval<const D&>()));
template <class D>
using values_range_t = decltype(keel::values(std::declval<const D&>()));
}  // namespace detail

/// A series whose values carry keys: `keel::keys(d)` is a random-access, sized range of a
/// totally ordered type (dates, timestamps, integers) and `keel::values(d)` is a Series.
/// The keys must be strictly increasing and as many as the values; both are run-time facts,
/// checked by the functions that rely on them (align, dated returns), which throw
/// invalid_input naming the offending index.
template <class D>
concept DatedSeries = requires(const D& d) {
  keel::keys(d);
  keel::values(d);
} && std::totally_ordered<std::ranges::range_value_t<detail::keys_range_t<D>>>;

/// The key type of a dated series.
template <DatedSeries D>
using key_type_t = std::remove_cvref_t<std::ranges::range_value_t<detail::keys_range_t<D>>>;
/// The value type of a dated series.
template <DatedSeries D>
using value_type_t = std::remove_cvref_t<std::ranges::range_value_t<detail::values_range_t<D>>>;

namespace detail {

/// A non-owning, copyable handle to a range the caller owns (std::ranges::ref_view without
/// <ranges>' view machinery, which Clang 14 cannot compile with libstdc++ 12).
template <class R>
class ref_range {
 public:
  explicit ref_range(const R& r) noexcept : r_(&r) {}
  ref_range(const R&&) = delete;  // a temporary would dangle
  [[nodiscard]] auto begin() const { return std::ranges::begin(*r_); }
  [[nodiscard]] auto end() const { return std::ranges::end(*r_); }
  [[nodiscard]] auto size() const { return std::ranges::size(*r_); }

 private:
  const R* r_;
};

/// How dated_view stores an argument: a named container is referenced; a view (std::span,
/// string_view) and any temporary (an Eigen column expression, a moved vector) are stored by
/// value, so a dated_view never dangles. The rule of std::views::all.
template <class T>
using stored_t = std::conditional_t<std::is_lvalue_reference_v<T> &&
                                        !std::ranges::enable_borrowed_range<std::remove_cvref_t<T>>,
                                    ref_range<std::remove_cvref_t<T>>, std::remove_cvref_t<T>>;

/// Throws invalid_input unless keys and values have equal lengths and the keys strictly
/// increase; also rejects infinite values (NaN is "missing" in a dated series and allowed).
template <class Keys, class Values>
void check_dated(std::string_view fn, std::string_view name, const Keys& k, const Values& v) {
  const std::ptrdiff_t n = ssize(k);
  if (n != ssize(v))
    throw invalid_input(message(fn, std::string(name) + " has " + std::to_string(n) +
                                        " keys but " + std::to_string(ssize(v)) + " values"));
  auto kf = std::ranges::begin(k);
  for (std::ptrdiff_t i = 1; i < n; ++i)
    if (!(kf[i - 1] < kf[i]))
      throw invalid_input(message(
          fn, std::string(name) + " keys are not strictly increasing: key[" + std::to_string(i) +
                  "] = " + key_text(kf[i]) + " follows key[" + std::to_string(i - 1) + "] = " +
                  key_text(kf[i - 1])));
  auto vf = std::ranges::begin(v);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (std::isinf(vf[i]))
      throw invalid_input(message(fn, std::string(name) + "[" + std::to_string(i) + "] (key " +
                                          key_text(kf[i]) + ") is " +
                                          number_text(static_cast<double>(vf[i]))));
}

}  // namespace detail

/// A dated series over a keys range and a values range that it does not own.
///
/// `dated_view(dates, closes)` references named containers and stores views and temporaries by
/// value (so `dated_view(dates, matrix.col(j))` is safe). Construction checks only that the
/// lengths agree (O(1)); the order of the keys is checked by the functions that use it.
/// \throws invalid_input if the two ranges differ in length.
template <class Keys, class Values>
class dated_view {
  static_assert(detail::sized_random_access_range<Keys> &&
                    std::totally_ordered<std::ranges::range_value_t<Keys>>,
                "dated_view: keys must be a random-access, sized range of an ordered type");
  static_assert(Series<Values>, "dated_view: values must model keel::Series");

 public:
  /// Wraps `k` and `v` (see the class comment for what is referenced and what is stored).
  /// \throws invalid_input if they differ in length.
  template <class K, class V>
    requires std::constructible_from<Keys, K> && std::constructible_from<Values, V>
  dated_view(K&& k, V&& v) : keys_(std::forward<K>(k)), values_(std::forward<V>(v)) {
    detail::require_same_size("dated_view", "keys", detail::ssize(keys_), "values",
                              detail::ssize(values_));
  }

  /// The keys range (a reference handle for a named container, else the stored view).
  [[nodiscard]] const Keys& keys() const noexcept { return keys_; }
  /// The values range.
  [[nodiscard]] const Values& values() const noexcept { return values_; }
  /// Number of observations.
  [[nodiscard]] std::ptrdiff_t size() const { return detail::ssize(values_); }

 private:
  Keys keys_;
  Values values_;
};

template <class K, class V>
dated_view(K&&, V&&) -> dated_view<detail::stored_t<K>, detail::stored_t<V>>;

/// A dated series that owns its keys and values (two std::vector).
///
/// Construction checks the invariants once: equal lengths, strictly increasing keys, no
/// infinite value (NaN marks a missing value and is allowed).
/// \throws invalid_input naming the offending index and key.
template <class Key, std::floating_point Real = double>
class dated_series {
 public:
  using key_type = Key;
  using value_type = Real;

  /// An empty series.
  dated_series() = default;

  /// Takes ownership of the keys and values.
  /// \throws invalid_input for different lengths, keys that do not strictly increase or an
  ///         infinite value, naming the index and key.
  dated_series(std::vector<Key> keys, std::vector<Real> values)
      : keys_(std::move(keys)), values_(std::move(values)) {
    detail::check_dated("dated_series", "series", keys_, values_);
  }

  /// Copies any dated series (for example a price_table column or a dated_view), converting
  /// the values to Real.
  /// \throws invalid_input as the constructor from vectors.
  template <DatedSeries D>
    requires(!std::same_as<std::remove_cvref_t<D>, dated_series>)
  explicit dated_series(const D& d) {
    const auto& k = keel::keys(d);
    const auto& v = keel::values(d);
    keys_.assign(std::ranges::begin(k), std::ranges::begin(k) + detail::ssize(k));
    values_.reserve(static_cast<std::size_t>(detail::ssize(v)));
    auto vf = std::ranges::begin(v);
    for (std::ptrdiff_t i = 0; i < detail::ssize(v); ++i) values_.push_back(static_cast<Real>(vf[i]));
    detail::check_dated("dated_series", "series", keys_, values_);
  }

  /// The keys, strictly increasing.
  [[nodiscard]] const std::vector<Key>& keys() const noexcept { return keys_; }
  /// The values (NaN marks a missing one).
  [[nodiscard]] const std::vector<Real>& values() const noexcept { return values_; }
  /// Number of observations.
  [[nodiscard]] std::ptrdiff_t size() const noexcept { return std::ssize(values_); }
  /// Whether there are no observations.
  [[nodiscard]] bool empty() const noexcept { return values_.empty(); }

 private:
  std::vector<Key> keys_;
  std::vector<Real> values_;
};

/// The result of align(): the common keys and, row by row, the two series' values there.
template <class Key, class RealA, class RealB = RealA>
struct aligned_series {
  std::vector<Key> keys;      ///< common keys, strictly increasing
  std::vector<RealA> first;   ///< values of the first series at `keys`
  std::vector<RealB> second;  ///< values of the second series at `keys`
};

/// Inner join of two dated series on their keys, written into `out`: the allocation-free form
/// of align(a, b) for callers that join repeatedly. `out`'s vectors are cleared and refilled,
/// keeping their capacity, so once `out` has held a join of this size no allocation happens.
/// Keys and values are converted to `out`'s types.
/// \throws invalid_input as align(a, b); `out` is then left empty.
template <DatedSeries A, DatedSeries B, class Key, class RealA, class RealB>
  requires std::totally_ordered_with<key_type_t<A>, key_type_t<B>> &&
           std::convertible_to<key_type_t<A>, Key> && std::floating_point<RealA> &&
           std::floating_point<RealB>
void align(const A& a, const B& b, aligned_series<Key, RealA, RealB>& out) {
  const auto& ka = keel::keys(a);
  const auto& va = keel::values(a);
  const auto& kb = keel::keys(b);
  const auto& vb = keel::values(b);
  out.keys.clear();
  out.first.clear();
  out.second.clear();
  detail::check_dated("align", "first series", ka, va);
  detail::check_dated("align", "second series", kb, vb);

  const std::ptrdiff_t n = detail::ssize(ka);
  const std::ptrdiff_t m = detail::ssize(kb);
  const auto reserve = static_cast<std::size_t>(std::min(n, m));
  out.keys.reserve(reserve);
  out.first.reserve(reserve);
  out.second.reserve(reserve);
  auto kaf = std::ranges::begin(ka);
  auto kbf = std::ranges::begin(kb);
  auto vaf = std::ranges::begin(va);
  auto vbf = std::ranges::begin(vb);
  std::ptrdiff_t i = 0;
  std::ptrdiff_t j = 0;
  while (i < n && j < m) {
    if (kaf[i] < kbf[j]) {
      ++i;
    } else if (kbf[j] < kaf[i]) {
      ++j;
    } else {
      if (!std::isnan(vaf[i]) && !std::isnan(vbf[j])) {
        out.keys.push_back(static_cast<Key>(kaf[i]));
        out.first.push_back(static_cast<RealA>(vaf[i]));
        out.second.push_back(static_cast<RealB>(vbf[j]));
      }
      ++i;
      ++j;
    }
  }
}

/// Inner join of two dated series on their keys, in O(n + m).
///
/// Keeps the keys present in both series, in increasing order, and drops rows where either
/// value is NaN (a missing observation). The result's series are plain Series, ready for any
/// two-series algorithm. Keys are of the two key types' common type.
/// \throws invalid_input if either series has keys and values of different lengths, keys that
///         are not strictly increasing, or an infinite value (naming the series, index and key).
template <DatedSeries A, DatedSeries B>
  requires std::totally_ordered_with<key_type_t<A>, key_type_t<B>>
[[nodiscard]] auto align(const A& a, const B& b) {
  aligned_series<std::common_type_t<key_type_t<A>, key_type_t<B>>, value_type_t<A>, value_type_t<B>> out;
  align(a, b, out);
  return out;
}

namespace detail {

/// Period return from `p0` to `p1` by the chosen formula, computed in the accumulation type.
/// (p1 - p0) / p0 rather than p1 / p0 - 1: the difference of nearby prices is exact
/// (Sterbenz), so a 1e-4 return keeps full precision, even for float input.
/// Prices of wildly different scale (1e-300 then 1e300) give a return that overflows its type:
/// invalid_input naming index `i` (of p1) and both prices, never a silent infinity.
[[noreturn]] inline void throw_return_overflow(std::string_view fn, std::ptrdiff_t i, double p0,
                                               double p1) {
  throw invalid_input(message(fn, "the return from prices[" + std::to_string(i - 1) + "] = " +
                                      number_text(p0) + " to prices[" + std::to_string(i) +
                                      "] = " + number_text(p1) + " overflows"));
}

template <bool Log, class Real>
[[nodiscard]] Real period_return(std::string_view fn, std::ptrdiff_t i, Real p0, Real p1) {
  using acc = accum_t<Real>;
  const acc r = (static_cast<acc>(p1) - static_cast<acc>(p0)) / static_cast<acc>(p0);
  if constexpr (Log) {
    // Past log1p's domain (a ratio that overflows, or a fall that rounds to -100%) the log
    // return is still finite: ln p1 - ln p0, whose absolute error there is negligible.
    if (r > -1 && r <= std::numeric_limits<acc>::max()) [[likely]]
      return static_cast<Real>(std::log1p(r));
    return static_cast<Real>(std::log(static_cast<acc>(p1)) - std::log(static_cast<acc>(p0)));
  } else {
    const auto out = static_cast<Real>(r);
    if (!std::isfinite(out)) [[unlikely]]
      throw_return_overflow(fn, i, static_cast<double>(p0), static_cast<double>(p1));
    return out;
  }
}

[[noreturn]] inline void throw_bad_price(std::string_view fn, std::ptrdiff_t index, double p) {
  throw invalid_input(message(fn, "prices[" + std::to_string(index) + "] = " + number_text(p) +
                                      (std::isfinite(p) ? " is not positive" : "")));
}

template <bool Log, class S, class Out>
void returns_into(std::string_view fn, const S& prices, Out& out) {
  const std::ptrdiff_t n = ssize(prices);
  require_same_size(fn, "output", ssize(out), "prices minus one", std::max<std::ptrdiff_t>(n - 1, 0));
  auto p = std::ranges::begin(prices);
  auto o = std::ranges::begin(out);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    // !(p > 0) also catches NaN; isfinite catches +inf.
    if (!(p[i] > 0) || !std::isfinite(p[i])) throw_bad_price(fn, i, static_cast<double>(p[i]));
    if (i > 0) o[i - 1] = period_return<Log>(fn, i, p[i - 1], p[i]);
  }
}

template <bool Log, class D>
[[nodiscard]] auto dated_returns(std::string_view fn, const D& prices) {
  using real = value_type_t<D>;
  const auto& k = keel::keys(prices);
  const auto& v = keel::values(prices);
  check_dated(fn, "prices", k, v);
  const std::ptrdiff_t n = ssize(v);
  auto kf = std::ranges::begin(k);
  auto vf = std::ranges::begin(v);
  std::vector<key_type_t<D>> keys;
  std::vector<real> values;
  if (n > 1) {
    keys.assign(kf + 1, kf + n);
    values.resize(static_cast<std::size_t>(n - 1));
  }
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    // A missing price (NaN) makes both returns that touch it missing; +-inf was rejected.
    if (std::isnan(vf[i])) {
      if (i > 0) values[static_cast<std::size_t>(i - 1)] = vf[i];
      continue;
    }
    if (!(vf[i] > 0)) throw_bad_price(fn, i, static_cast<double>(vf[i]));
    if (i > 0)
      values[static_cast<std::size_t>(i - 1)] =
          std::isnan(vf[i - 1]) ? vf[i - 1] : period_return<Log>(fn, i, vf[i - 1], vf[i]);
  }
  return dated_series<key_type_t<D>, real>(std::move(keys), std::move(values));
}

template <class S, class Out>
concept returns_output = sized_random_access_range<Out> &&
                         std::ranges::output_range<Out, std::ranges::range_value_t<S>>;

}  // namespace detail

/// Simple returns of a price series: r_t = (p_t - p_{t-1}) / p_{t-1}, t = 1..n-1.
///
/// n prices give n-1 returns; fewer than two prices give none.
/// \throws invalid_input naming the first price that is NaN, infinite, zero or negative, or a
///         return too large for the value type (prices 1e300 apart in scale).
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.1.
template <Series S>
[[nodiscard]] std::vector<detail::value_t<S>> simple_returns(const S& prices) {
  std::vector<detail::value_t<S>> out(static_cast<std::size_t>(std::max<std::ptrdiff_t>(detail::ssize(prices) - 1, 0)));
  detail::returns_into<false>("simple_returns", prices, out);
  return out;
}

/// Simple returns written into `out` (size n-1) without allocating: the form for hot paths.
/// \throws invalid_input if `out` has the wrong size, a price is not positive and finite or a
///         return overflows.
template <Series S, class Out>
  requires detail::returns_output<S, Out>
void simple_returns(const S& prices, Out&& out) {
  detail::returns_into<false>("simple_returns", prices, out);
}

/// Simple returns of a dated price series, keyed by the later date of each pair: keys[1..].
///
/// A return is NaN (missing) where either of its two prices is NaN, so a gap in the data is
/// never bridged by a multi-period return; align() then drops those rows.
/// \throws invalid_input for unordered keys, mismatched lengths, a price that is infinite,
///         zero or negative (naming its index), or a return that overflows.
template <DatedSeries D>
[[nodiscard]] auto simple_returns(const D& prices) {
  return detail::dated_returns<false>("simple_returns", prices);
}

/// Log (continuously compounded) returns: r_t = ln(p_t / p_{t-1}), computed as
/// log1p((p_t - p_{t-1}) / p_{t-1}) so that small returns keep full relative precision (and
/// as ln p_t - ln p_{t-1} where that ratio overflows, so a log return is always finite).
/// \throws invalid_input naming the first price that is NaN, infinite, zero or negative.
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.5.
template <Series S>
[[nodiscard]] std::vector<detail::value_t<S>> log_returns(const S& prices) {
  std::vector<detail::value_t<S>> out(static_cast<std::size_t>(std::max<std::ptrdiff_t>(detail::ssize(prices) - 1, 0)));
  detail::returns_into<true>("log_returns", prices, out);
  return out;
}

/// Log returns written into `out` (size n-1) without allocating.
/// \throws invalid_input if `out` has the wrong size or a price is not positive and finite.
template <Series S, class Out>
  requires detail::returns_output<S, Out>
void log_returns(const S& prices, Out&& out) {
  detail::returns_into<true>("log_returns", prices, out);
}

/// Log returns of a dated price series, keyed keys[1..]; NaN where either price is missing.
/// \throws invalid_input for unordered keys, mismatched lengths or a price that is infinite,
///         zero or negative (naming its index).
template <DatedSeries D>
[[nodiscard]] auto log_returns(const D& prices) {
  return detail::dated_returns<true>("log_returns", prices);
}

}  // namespace keel
