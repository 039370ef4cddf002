// SPDX-License-Identifier: MIT
// keel/series.hpp: the time-series concept every keel algorithm reads through.
//
// Synopsis
//   concept Series<R>          random-access, sized range of floating-point values
//   keel::keys(d), keel::values(d)
//                              customisation points: member .keys()/.values(), else ADL
//   concept DatedSeries<D>     strictly increasing, totally ordered keys beside a Series
//   concept PlainSeries<R>     a Series that is not a DatedSeries (the plain forms' constraint)
//   dated_view<Keys, Values>   a DatedSeries over two ranges it does not own (optionally named)
//   dated_series<Key, Real>    a DatedSeries that owns two vectors (optionally named)
//   align(a, b)                inner join on keys, O(n + m) -> aligned_series
//   align(a, b, out)           the same into a reused aligned_series, allocation-free
//   simple_returns(prices)     r_t = (p_t - p_{t-1}) / p_{t-1}; (prices, out) allocation-free
//   log_returns(prices)        r_t = ln(p_t / p_{t-1}); (prices, out) allocation-free
//   price_table                dates x symbols prices (read_prices_csv builds one);
//                              column(symbol) -> a named DatedSeries
//   simple_returns(table), log_returns(table)
//                              -> return_table: (T-1) x N returns, NaN where a price is missing
//   format_date(date)          "YYYY-MM-DD"
//
// Conventions
//   - Callers keep their data: std::vector, std::span, std::array, Eigen vectors, Eigen::Map
//     over their own memory and their own containers all model Series. Algorithms take
//     `const S&`, reach elements through std::ranges::begin and a signed size, and never copy.
//   - A type that models both Series and DatedSeries (a range of values that also has keys)
//     is dated: every function with a plain and a dated form takes its dated form (the plain
//     forms are constrained with PlainSeries), so its calls are never ambiguous.
//   - In a dated series NaN means "missing" (an empty CSV cell). align() drops rows where
//     either value is NaN; dated returns are NaN where either price is missing, so that a
//     return never silently spans a gap. Anywhere else a NaN or infinity is invalid_input
//     naming its index, and an infinity is invalid_input even in a dated series.
//   - A dated series may carry a name (a price_table column is named after its symbol); errors
//     then name it and the key: "simple_returns: MKT[17] on 2024-01-05 = 0 is not positive".
//   - Prices must be positive: a return over a zero or negative price is not defined.
//   - float input is computed in double and rounded once at the end.
//
// References
//   Campbell, Lo and MacKinlay, "The Econometrics of Financial Markets" (1997), ch. 1.4
//   (simple and continuously compounded returns). The concepts and customisation points follow
//   mp-units (github.com/mpusz/mp-units): the member first, then ADL, with poison pills.
/// \file
/// The time-series concept and its data: Series, DatedSeries, align, returns, price tables.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
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
namespace detail {
/// Both customisation points apply to D.
template <class D>
concept has_keys_and_values = requires(const D& d) {
  keel::keys(d);
  keel::values(d);
};
}  // namespace detail

template <class D>
concept DatedSeries =
    detail::has_keys_and_values<D> && std::totally_ordered<std::ranges::range_value_t<detail::keys_range_t<D>>>;

/// A Series that is not a DatedSeries. The plain form of every function that also has a dated
/// form is constrained with it, which makes the rule for a type that models both concepts (a
/// random-access range of values that also has keys) hold everywhere: such a type is dated,
/// because its keys are information the plain form would throw away. Its calls are never
/// ambiguous: they take the dated form (aligned on keys, missing values dropped). Paired with
/// a plain series it has no form: pass keel::values(x) to use it undated.
template <class R>
concept PlainSeries = Series<R> && !DatedSeries<R>;

namespace detail {
/// An Eigen expression of floating type that is not a vector: a T x N panel (rows are dates,
/// columns assets). A column vector is a Series and takes a function's series form instead,
/// so one name never means two things for a VectorXd.
template <class Derived>
concept panel = !Series<Derived> && std::floating_point<typename Derived::Scalar>;
/// A panel whose scalar is exactly `Real` (the out forms, whose result type fixes it).
template <class Derived, class Real>
concept panel_of = panel<Derived> && std::same_as<Real, typename Derived::Scalar>;
}  // namespace detail

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
using stored_t =
    std::conditional_t<std::is_lvalue_reference_v<T> && !std::ranges::enable_borrowed_range<std::remove_cvref_t<T>>,
                       ref_range<std::remove_cvref_t<T>>, std::remove_cvref_t<T>>;

/// A name a series hands out by reference (or as a view), so that reading it never copies.
template <class D>
concept has_name = requires(const D& d) {
  { d.name() } -> std::convertible_to<std::string_view>;
};
/// From constructs a T (explicitly, as a reference handle is built from its container).
template <class From, class T>
concept builds = std::constructible_from<T, From>;

template <class N>
concept not_a_copy = std::is_reference_v<N> || std::same_as<N, std::string_view>;
template <class D>
concept named = has_name<D> && not_a_copy<decltype(std::declval<const D&>().name())>;

/// The name a dated series carries (`d.name()`), or `fallback` when it has none or an empty
/// one: how messages refer to the series. A view: no allocation.
template <class D>
[[nodiscard]] std::string_view series_name(const D& d, std::string_view fallback) noexcept {
  if constexpr (named<D>) {
    const std::string_view name = d.name();
    if (!name.empty()) return name;
  }
  return fallback;
}

/// Throws invalid_input unless keys and values have equal lengths and the keys strictly
/// increase; also rejects infinite values (NaN is "missing" in a dated series and allowed).
template <class Keys, class Values>
void check_dated(std::string_view fn, std::string_view name, const Keys& k, const Values& v) {
  const std::ptrdiff_t n = ssize(k);
  if (n != ssize(v))
    throw invalid_input(message(
        fn, std::string(name) + " has " + std::to_string(n) + " keys but " + std::to_string(ssize(v)) + " values"));
  auto kf = std::ranges::begin(k);
  for (std::ptrdiff_t i = 1; i < n; ++i)
    if (!(kf[i - 1] < kf[i]))
      throw invalid_input(message(fn, std::string(name) + " keys are not strictly increasing: key[" +
                                          std::to_string(i) + "] = " + key_text(kf[i]) + " follows key[" +
                                          std::to_string(i - 1) + "] = " + key_text(kf[i - 1])));
  auto vf = std::ranges::begin(v);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (std::isinf(vf[i])) throw_non_finite_at(fn, dated_element_text(name, i, kf[i]), static_cast<double>(vf[i]));
}

}  // namespace detail

/// A dated series over a keys range and a values range that it does not own.
///
/// `dated_view(dates, closes)` references named containers and stores views and temporaries by
/// value (so `dated_view(dates, matrix.col(j))` is safe). An optional name (a symbol) is used by
/// error messages. Construction checks only that the lengths agree (O(1)); the order of the
/// keys is checked by the functions that use it.
/// \throws invalid_input if the two ranges differ in length.
template <class Keys, class Values>
class dated_view {
  static_assert(detail::sized_random_access_range<Keys> && std::totally_ordered<std::ranges::range_value_t<Keys>>,
                "dated_view: keys must be a random-access, sized range of an ordered type");
  static_assert(Series<Values>, "dated_view: values must model keel::Series");

 public:
  /// Wraps `k` and `v` (see the class comment for what is referenced and what is stored);
  /// `name` (a symbol, say) is how error messages refer to the series.
  /// \throws invalid_input if they differ in length.
  template <detail::builds<Keys> K, detail::builds<Values> V>
  dated_view(K&& k, V&& v, std::string name = {})
      : keys_(std::forward<K>(k)), values_(std::forward<V>(v)), name_(std::move(name)) {
    detail::require_same_size("dated_view", "keys", detail::ssize(keys_), "values", detail::ssize(values_));
  }

  /// The keys range (a reference handle for a named container, else the stored view).
  [[nodiscard]] const Keys& keys() const noexcept { return keys_; }
  /// The values range.
  [[nodiscard]] const Values& values() const noexcept { return values_; }
  /// The name given at construction (empty when none was).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Number of observations.
  [[nodiscard]] std::ptrdiff_t size() const { return detail::ssize(values_); }

 private:
  Keys keys_;
  Values values_;
  std::string name_;
};

/// Deduces what dated_view stores: a reference handle for a named container, the value of a
/// view or a temporary (the rule of std::views::all).
template <class K, class V>
dated_view(K&&, V&&) -> dated_view<detail::stored_t<K>, detail::stored_t<V>>;
/// The same, with a name.
template <class K, class V, class N>
dated_view(K&&, V&&, N&&) -> dated_view<detail::stored_t<K>, detail::stored_t<V>>;

template <class Key, std::floating_point Real>
class dated_series;

namespace detail {
/// Write access to a dated_series for keel's `out` forms, which refill one in place.
struct dated_series_access {
  template <class Key, class Real>
  static std::vector<Key>& keys(dated_series<Key, Real>& d) noexcept {
    return d.keys_;
  }
  template <class Key, class Real>
  static std::vector<Real>& values(dated_series<Key, Real>& d) noexcept {
    return d.values_;
  }
  template <class Key, class Real>
  static std::string& name(dated_series<Key, Real>& d) noexcept {
    return d.name_;
  }
};
}  // namespace detail

/// A dated series that owns its keys and values (two std::vector) and, optionally, a name.
///
/// Construction checks the invariants once: equal lengths, strictly increasing keys, no
/// infinite value (NaN marks a missing value and is allowed).
/// \throws invalid_input naming the offending index and key.
template <class Key, std::floating_point Real = double>
class dated_series {
 public:
  using key_type = Key;     ///< the type of the keys
  using value_type = Real;  ///< the type of the values

  /// An empty series.
  dated_series() = default;

  /// Takes ownership of the keys and values; `name` is how error messages refer to it.
  /// \throws invalid_input for different lengths, keys that do not strictly increase or an
  ///         infinite value, naming the index and key.
  dated_series(std::vector<Key> keys, std::vector<Real> values, std::string name = {})
      : keys_(std::move(keys)), values_(std::move(values)), name_(std::move(name)) {
    detail::check_dated("dated_series", detail::series_name(*this, "series"), keys_, values_);
  }

  /// Copies any dated series (for example a price_table column or a dated_view), converting
  /// the values to Real and keeping its name.
  /// \throws invalid_input as the constructor from vectors.
  template <DatedSeries D>
    requires(!std::same_as<std::remove_cvref_t<D>, dated_series>)
  explicit dated_series(const D& d) : name_(detail::series_name(d, {})) {
    const auto& k = keel::keys(d);
    const auto& v = keel::values(d);
    keys_.assign(std::ranges::begin(k), std::ranges::begin(k) + detail::ssize(k));
    values_.reserve(detail::uz(detail::ssize(v)));
    auto vf = std::ranges::begin(v);
    for (std::ptrdiff_t i = 0; i < detail::ssize(v); ++i) values_.push_back(static_cast<Real>(vf[i]));
    detail::check_dated("dated_series", detail::series_name(*this, "series"), keys_, values_);
  }

  /// The keys, strictly increasing.
  [[nodiscard]] const std::vector<Key>& keys() const noexcept { return keys_; }
  /// The values (NaN marks a missing one).
  [[nodiscard]] const std::vector<Real>& values() const noexcept { return values_; }
  /// The name (a symbol, say; empty when none was given).
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// Number of observations.
  [[nodiscard]] std::ptrdiff_t size() const noexcept { return std::ssize(values_); }
  /// Whether there are no observations.
  [[nodiscard]] bool empty() const noexcept { return values_.empty(); }

 private:
  friend struct detail::dated_series_access;
  std::vector<Key> keys_;
  std::vector<Real> values_;
  std::string name_;
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
  requires std::totally_ordered_with<key_type_t<A>, key_type_t<B>> && std::convertible_to<key_type_t<A>, Key> &&
      std::floating_point<RealA> && std::floating_point<RealB>
void align(const A& a, const B& b, aligned_series<Key, RealA, RealB>& out) {
  const auto& ka = keel::keys(a);
  const auto& va = keel::values(a);
  const auto& kb = keel::keys(b);
  const auto& vb = keel::values(b);
  out.keys.clear();
  out.first.clear();
  out.second.clear();
  detail::check_dated("align", detail::series_name(a, "first series"), ka, va);
  detail::check_dated("align", detail::series_name(b, "second series"), kb, vb);

  const std::ptrdiff_t n = detail::ssize(ka);
  const std::ptrdiff_t m = detail::ssize(kb);
  const auto reserve = detail::uz(std::min(n, m));
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

/// Period return from `p0` to `p1`, computed in the accumulation type, or NaN when it
/// overflows (the caller locates and throws). (p1 - p0) / p0 rather than p1 / p0 - 1: the
/// difference of nearby prices is exact (Sterbenz), so a 1e-4 return keeps full precision,
/// even for float input.
template <bool Log, class Real>
[[nodiscard]] Real period_return(Real p0, Real p1) {
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
    return std::isfinite(out) ? out : std::numeric_limits<Real>::quiet_NaN();
  }
}

/// Where a run of prices first breaks price_returns' rule.
struct price_fault {
  std::ptrdiff_t index = -1;  ///< the bad price, or the later price of an overflowing return; -1: none
  bool overflow = false;      ///< the return from index - 1 to index overflows (both prices are valid)
  /// Whether there is a fault.
  explicit operator bool() const { return index >= 0; }
};

/// The one price-to-returns kernel: series, price tables, expected returns, historical stress
/// replays and the snapshot all turn prices into returns here, under one rule. For i in [1, n)
/// it calls out(i - 1, r) with r the simple or log return from price(i - 1) to price(i)
/// (period_return, computed in accum_t<Real>). A zero, negative or infinite price is a fault
/// wherever it is, and so is a NaN price unless `missing` allows it (a missing price, as in a
/// price table: both returns that touch it are NaN). It returns the first fault, having
/// written the returns before it, and the caller throws invalid_input with price_fault_text
/// (naming the symbol and date where its data has them) or, in a lenient mode, marks the
/// series unusable with that same text.
template <bool Log, class Real, class Price, class Out>
[[nodiscard]] price_fault price_returns(std::ptrdiff_t n, const Price& price, const Out& out, bool missing) {
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const Real p = price(i);
    if (std::isnan(p)) {
      if (!missing) return {i, false};
      if (i > 0) out(i - 1, p);
      continue;
    }
    // !(p > 0) also catches -inf; isfinite catches +inf.
    if (!(p > 0) || !std::isfinite(p)) return {i, false};
    if (i == 0) continue;
    const Real q = price(i - 1);
    if (std::isnan(q)) {
      out(i - 1, q);
      continue;
    }
    const Real r = period_return<Log>(q, p);
    if (std::isnan(r)) [[unlikely]]
      return {i, true};
    out(i - 1, r);
  }
  return {};
}

/// The message of a fault of price_returns: "prices[3] = 0 is not positive", "MKT[3] on
/// 2024-01-05 = -1 is not positive", "prices[3] = inf", or "the return from prices[2] = 1e-300
/// to prices[3] = 1e+300 overflows". `where(i)` names price i, `price(i)` is its value.
template <class Where, class Price>
[[nodiscard]] std::string price_fault_text(const price_fault& f, const Where& where, const Price& price) {
  const auto p = static_cast<double>(price(f.index));
  if (!f.overflow) return where(f.index) + " = " + number_text(p) + (std::isfinite(p) ? " is not positive" : "");
  return "the return from " + where(f.index - 1) + " = " + number_text(static_cast<double>(price(f.index - 1))) +
         " to " + where(f.index) + " = " + number_text(p) + " overflows";
}

template <bool Log, class S, class Out>
void returns_into(std::string_view fn, const S& prices, Out& out) {
  using real = value_t<S>;
  const std::ptrdiff_t n = ssize(prices);
  require_same_size(fn, "output", ssize(out), "prices minus one", std::max<std::ptrdiff_t>(n - 1, 0));
  auto p = std::ranges::begin(prices);
  auto o = std::ranges::begin(out);
  const auto price = [&](std::ptrdiff_t i) -> real { return p[i]; };
  const auto f = price_returns<Log, real>(
      n, price, [&](std::ptrdiff_t i, real r) { o[i] = r; }, false);
  if (f)
    throw invalid_input(message(fn, price_fault_text(
                                        f, [](std::ptrdiff_t i) { return element_text("prices", i); }, price)));
}

/// Dated returns of `prices` into `keys` and `values` (resized; keyed keys[1..], NaN where
/// either price is missing). Errors name the series (its name, else "prices") and the key.
template <bool Log, class D, class Key, class Real>
void dated_returns_into(std::string_view fn, const D& prices, std::vector<Key>& keys, std::vector<Real>& values) {
  using real = value_type_t<D>;
  const auto& k = keel::keys(prices);
  const auto& v = keel::values(prices);
  const std::string_view name = series_name(prices, "prices");
  check_dated(fn, name, k, v);
  const std::ptrdiff_t n = ssize(v);
  auto kf = std::ranges::begin(k);
  auto vf = std::ranges::begin(v);
  keys.clear();
  if (n > 1) keys.assign(kf + 1, kf + n);
  values.resize(uz(std::max<std::ptrdiff_t>(n - 1, 0)));
  const auto price = [&](std::ptrdiff_t i) -> real { return vf[i]; };
  const auto f = price_returns<Log, real>(
      n, price, [&](std::ptrdiff_t i, real r) { values[uz(i)] = static_cast<Real>(r); }, true);
  if (f)
    throw invalid_input(
        message(fn, price_fault_text(
                        f, [&](std::ptrdiff_t i) { return dated_element_text(name, i, kf[i]); }, price)));
}

template <bool Log, class D>
[[nodiscard]] auto dated_returns(std::string_view fn, const D& prices) {
  dated_series<key_type_t<D>, value_type_t<D>> out;
  dated_returns_into<Log>(fn, prices, dated_series_access::keys(out), dated_series_access::values(out));
  dated_series_access::name(out) = std::string(series_name(prices, {}));
  return out;
}

template <bool Log, class D, class Key, class Real>
void dated_returns_out(std::string_view fn, const D& prices, dated_series<Key, Real>& out) {
  auto& keys = dated_series_access::keys(out);
  auto& values = dated_series_access::values(out);
  try {
    dated_returns_into<Log>(fn, prices, keys, values);
  } catch (...) {
    keys.clear();
    values.clear();
    throw;
  }
  dated_series_access::name(out).assign(series_name(prices, {}));
}

template <class S, class Out>
concept returns_output =
    sized_random_access_range<Out> && std::ranges::output_range<Out, std::ranges::range_value_t<S>>;

}  // namespace detail

/// Simple returns of a price series: r_t = (p_t - p_{t-1}) / p_{t-1}, t = 1..n-1.
///
/// n prices give n-1 returns; fewer than two prices give none.
/// \throws invalid_input naming the first price that is NaN, infinite, zero or negative, or a
///         return too large for the value type (prices 1e300 apart in scale).
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.1.
template <PlainSeries S>
[[nodiscard]] std::vector<detail::value_t<S>> simple_returns(const S& prices) {
  std::vector<detail::value_t<S>> out(detail::uz(std::max<std::ptrdiff_t>(detail::ssize(prices) - 1, 0)));
  detail::returns_into<false>("simple_returns", prices, out);
  return out;
}

/// Simple returns written into `out` (size n-1) without allocating: the form for hot paths.
/// \throws invalid_input if `out` has the wrong size, a price is not positive and finite or a
///         return overflows.
template <PlainSeries S, class Out>
  requires detail::returns_output<S, Out>
void simple_returns(const S& prices, Out&& out) { detail::returns_into<false>("simple_returns", prices, out); }

/// Simple returns of a dated price series, keyed by the later date of each pair: keys[1..].
///
/// A return is NaN (missing) where either of its two prices is NaN, so a gap in the data is
/// never bridged by a multi-period return; align() then drops those rows. The result keeps
/// the series' name.
/// \throws invalid_input for unordered keys, mismatched lengths, a price that is infinite,
///         zero or negative (naming the series, its index and key), or a return that overflows.
template <DatedSeries D>
[[nodiscard]] auto simple_returns(const D& prices) {
  return detail::dated_returns<false>("simple_returns", prices);
}

/// Simple returns of a dated price series written into `out`, whose vectors keep their
/// capacity: once `out` has held as many returns, no allocation happens.
/// \throws invalid_input as simple_returns(prices); `out` is then left empty.
template <DatedSeries D, class Key, class Real>
void simple_returns(const D& prices, dated_series<Key, Real>& out) {
  detail::dated_returns_out<false>("simple_returns", prices, out);
}

/// Log (continuously compounded) returns: r_t = ln(p_t / p_{t-1}), computed as
/// log1p((p_t - p_{t-1}) / p_{t-1}) so that small returns keep full relative precision (and
/// as ln p_t - ln p_{t-1} where that ratio overflows, so a log return is always finite).
/// \throws invalid_input naming the first price that is NaN, infinite, zero or negative.
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.5.
template <PlainSeries S>
[[nodiscard]] std::vector<detail::value_t<S>> log_returns(const S& prices) {
  std::vector<detail::value_t<S>> out(detail::uz(std::max<std::ptrdiff_t>(detail::ssize(prices) - 1, 0)));
  detail::returns_into<true>("log_returns", prices, out);
  return out;
}

/// Log returns written into `out` (size n-1) without allocating.
/// \throws invalid_input if `out` has the wrong size or a price is not positive and finite.
template <PlainSeries S, class Out>
  requires detail::returns_output<S, Out>
void log_returns(const S& prices, Out&& out) { detail::returns_into<true>("log_returns", prices, out); }

/// Log returns of a dated price series, keyed keys[1..]; NaN where either price is missing.
/// \throws invalid_input for unordered keys, mismatched lengths or a price that is infinite,
///         zero or negative (naming the series, its index and key).
template <DatedSeries D>
[[nodiscard]] auto log_returns(const D& prices) {
  return detail::dated_returns<true>("log_returns", prices);
}

/// Log returns of a dated price series written into a reused `out` (see simple_returns).
/// \throws invalid_input as log_returns(prices); `out` is then left empty.
template <DatedSeries D, class Key, class Real>
void log_returns(const D& prices, dated_series<Key, Real>& out) {
  detail::dated_returns_out<true>("log_returns", prices, out);
}

/// A calendar date as ISO 8601 text, "YYYY-MM-DD" (libstdc++ 12 has no chrono formatting).
[[nodiscard]] inline std::string format_date(const std::chrono::year_month_day& date) {
  return detail::date_text(date);
}

namespace detail {
/// Up to ten symbols and the count, for "unknown symbol" messages.
[[nodiscard]] inline std::string symbol_list(const std::vector<std::string>& symbols) {
  constexpr std::size_t shown = 10;
  std::string out = "the table has " + std::to_string(symbols.size()) + (symbols.size() == 1 ? " symbol" : " symbols");
  for (std::size_t j = 0; j < symbols.size() && j < shown; ++j) out += (j == 0 ? ": " : ", ") + quoted(symbols[j], 20);
  if (symbols.size() > shown) out += ", ... (" + std::to_string(symbols.size() - shown) + " more)";
  return out;
}

/// The column index of `symbol` in `symbols`; invalid_input listing known ones if absent.
[[nodiscard]] inline std::ptrdiff_t find_symbol(std::string_view fn, const std::vector<std::string>& symbols,
                                                std::string_view symbol) {
  const auto it = std::find(symbols.begin(), symbols.end(), symbol);
  if (it == symbols.end())
    throw invalid_input(message(fn, "unknown symbol " + quoted(symbol) + "; " + symbol_list(symbols)));
  return it - symbols.begin();
}

/// Throws invalid_input unless a table's matrix is dates x symbols.
inline void check_table_shape(std::string_view fn, std::string_view what, std::ptrdiff_t dates, std::ptrdiff_t symbols,
                              std::ptrdiff_t rows, std::ptrdiff_t cols) {
  if (rows != dates || cols != symbols)
    throw invalid_input(message(fn, "inconsistent table: " + std::to_string(dates) + " dates and " +
                                        std::to_string(symbols) + " symbols, but " + std::string(what) + " is " +
                                        std::to_string(rows) + " x " + std::to_string(cols)));
}
}  // namespace detail

/// A table of prices: one row per date, one column per symbol, NaN where a price is missing.
///
/// read_prices_csv builds one from a price file; callers may fill one themselves. `prices` is
/// column-major, so column(j) is a contiguous DatedSeries over the table's own memory, named
/// after its symbol and ready for simple_returns, log_returns and align (which treat NaN as
/// missing). Invariants: dates strictly increasing; symbols unique and not empty;
/// prices.rows() == dates.size(), prices.cols() == symbols.size(); every price finite or NaN.
struct price_table {
  std::vector<std::chrono::year_month_day> dates;  ///< strictly increasing
  std::vector<std::string> symbols;                ///< unique, in file order
  Eigen::MatrixXd prices;                          ///< dates.size() x symbols.size(); NaN where missing

  /// One column as a dated series named after its symbol: keys are `dates`, values the column
  /// of `prices`. A view: valid while the table lives and is not resized.
  using column_view = dated_view<std::span<const std::chrono::year_month_day>, std::span<const double>>;

  /// The prices of `symbol` as a dated series (see column_view).
  /// \throws invalid_input for an unknown symbol; the message lists up to ten known symbols
  ///         and their count.
  KEEL_DECL [[nodiscard]] column_view column(std::string_view symbol) const;

  /// The prices of the j-th symbol (0-based) as a dated series.
  /// \throws invalid_input unless 0 <= j < symbols.size().
  KEEL_DECL [[nodiscard]] column_view column(std::ptrdiff_t j) const;

  /// True if `symbol` is one of the table's symbols (exact match).
  KEEL_DECL [[nodiscard]] bool contains(std::string_view symbol) const;

  /// The column index of `symbol` (exact match).
  /// \throws invalid_input for an unknown symbol, listing up to ten known ones and the count.
  KEEL_DECL [[nodiscard]] std::ptrdiff_t index_of(std::string_view symbol) const;

 private:
  KEEL_DECL [[nodiscard]] column_view column_at(std::string_view fn, std::ptrdiff_t j) const;
};

/// Returns of every column of a price_table: (T-1) x N, row t the return from date t to t+1.
///
/// `dates` holds the later date of each pair (the table's dates[1..]); a return is NaN where
/// either of its prices is missing, so an asset that starts trading later has NaN before its
/// first full pair. Feed it to the panel estimators with their `missing` policy.
struct return_table {
  std::vector<std::chrono::year_month_day> dates;  ///< the later date of each return
  std::vector<std::string> symbols;                ///< as in the price table
  Eigen::MatrixXd returns;                         ///< dates.size() x symbols.size(); NaN where missing

  /// One column as a dated series named after its symbol (a view into this table).
  /// \throws invalid_input for an unknown symbol.
  KEEL_DECL [[nodiscard]] price_table::column_view column(std::string_view symbol) const;
};

/// Simple returns of every column of a price table -> return_table ((T-1) x N, NaN where
/// either price is missing), the panel input of the covariance and portfolio functions.
/// \throws invalid_input for a table whose shape is inconsistent, dates that do not strictly
///         increase, or a price that is zero, negative or infinite (naming the symbol and date).
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.1.
KEEL_DECL [[nodiscard]] return_table simple_returns(const price_table& prices);

/// Log returns of every column of a price table (see simple_returns(const price_table&)).
/// \throws invalid_input as simple_returns(const price_table&).
/// Ref: Campbell, Lo and MacKinlay (1997), eq. 1.4.5.
KEEL_DECL [[nodiscard]] return_table log_returns(const price_table& prices);

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/series-inl.hpp>
#endif
