// SPDX-License-Identifier: MIT
// keel/detail/snapshot_io-inl.hpp: the definitions of equal_weighted_returns, serialize_universe
// and deserialize_universe (keel/snapshot.hpp). Included by detail/snapshot-inl.hpp in
// header-only mode and by src/snapshot_io.cpp in the compiled library.
// IWYU pragma: private, include <keel/snapshot.hpp>
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>

namespace keel {

namespace detail::universe_io {

// "KEELUNIV", a format version and a byte-order mark, so that bytes from another writer, an
// older format or a machine of the other byte order are refused rather than misread.
inline constexpr std::string_view magic = "KEELUNIV";
inline constexpr std::uint32_t version = 1;
inline constexpr std::uint32_t byte_order = 0x01020304;

struct writer {
  std::string bytes;

  template <class T>
    requires std::is_arithmetic_v<T>
  void put(T x) { bytes.append(reinterpret_cast<const char*>(&x), sizeof x); }
  void put_size(std::size_t n) { put(static_cast<std::uint64_t>(n)); }
  void put(const std::string& s) {
    put_size(s.size());
    bytes += s;
  }
  void put(const std::chrono::year_month_day& d) {
    put(static_cast<std::int32_t>(static_cast<int>(d.year())));
    put(static_cast<std::uint8_t>(static_cast<unsigned>(d.month())));
    put(static_cast<std::uint8_t>(static_cast<unsigned>(d.day())));
  }
  void put(const beta_fit<double>& f) {
    put(f.beta), put(f.alpha), put(f.r_squared), put(f.beta_stderr), put(f.alpha_stderr), put(f.t_stat);
    put(f.p_value), put(f.residual_stddev), put(static_cast<std::int64_t>(f.n)),
        put(static_cast<std::uint8_t>(f.capped));
    put(f.raw_beta);
  }
  template <class T>
  void put(const std::vector<T>& v) {
    put_size(v.size());
    for (const auto& x : v) put(x);
  }
  void put(const std::vector<bool>& v) {
    put_size(v.size());
    for (const bool x : v) put(static_cast<std::uint8_t>(x ? 1 : 0));
  }
  template <class Derived>
  void put(const Eigen::PlainObjectBase<Derived>& m) {
    put(static_cast<std::int64_t>(m.rows()));
    put(static_cast<std::int64_t>(m.cols()));
    bytes.append(reinterpret_cast<const char*>(m.data()), static_cast<std::size_t>(m.size()) * sizeof(double));
  }
};

struct reader {
  std::string_view bytes;
  std::size_t at = 0;
  const char* field = "";

  [[noreturn]] void fail(const std::string& what) const {
    throw invalid_input(
        message("deserialize_universe", std::string(field) + " at byte " + std::to_string(at) + ": " + what));
  }
  void need(std::size_t n) const {
    if (n > bytes.size() - at)
      fail("truncated: " + std::to_string(n) + " more bytes needed, " + std::to_string(bytes.size() - at) + " left");
  }
  template <class T>
    requires std::is_arithmetic_v<T>
  void get(T& x) {
    need(sizeof x);
    std::memcpy(&x, bytes.data() + at, sizeof x);
    at += sizeof x;
  }
  // A count of elements of at least `each` bytes: checked against what is left before anything
  // is allocated, so a corrupt count cannot ask for terabytes.
  std::size_t get_size(std::size_t each) {
    std::uint64_t n = 0;
    get(n);
    if (each > 0 && n > (bytes.size() - at) / each)
      fail("a count of " + std::to_string(n) + " does not fit in the " + std::to_string(bytes.size() - at) +
           " bytes left");
    return static_cast<std::size_t>(n);
  }
  void get(std::string& s) {
    const std::size_t n = get_size(1);
    s.assign(bytes.data() + at, n);
    at += n;
  }
  void get(std::chrono::year_month_day& d) {
    std::int32_t y = 0;
    std::uint8_t m = 0;
    std::uint8_t day = 0;
    get(y), get(m), get(day);
    d = std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{day};
    if (!d.ok() || y < -32767 || y > 32767) fail("an impossible date");
  }
  void get(beta_fit<double>& f) {
    std::int64_t n = 0;
    std::uint8_t capped = 0;
    get(f.beta), get(f.alpha), get(f.r_squared), get(f.beta_stderr), get(f.alpha_stderr), get(f.t_stat);
    get(f.p_value), get(f.residual_stddev), get(n), get(capped), get(f.raw_beta);
    if (capped > 1) fail("a flag that is neither 0 nor 1");
    f.n = static_cast<std::ptrdiff_t>(n);
    f.capped = capped == 1;
  }
  template <class T>
  void get(std::vector<T>& v) {
    const std::size_t n = get_size(std::is_arithmetic_v<T> ? sizeof(T) : 1);
    v.assign(n, T{});
    for (auto& x : v) get(x);
  }
  void get(std::vector<bool>& v) {
    const std::size_t n = get_size(1);
    v.assign(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t b = 0;
      get(b);
      if (b > 1) fail("a flag that is neither 0 nor 1");
      v[i] = b == 1;
    }
  }
  template <class Derived>
  void get(Eigen::PlainObjectBase<Derived>& m) {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    get(rows), get(cols);
    constexpr bool vector = Derived::ColsAtCompileTime == 1;
    if (rows < 0 || cols < 0 || (vector && cols != 1))
      fail("a matrix of " + std::to_string(rows) + " x " + std::to_string(cols));
    const std::size_t left = (bytes.size() - at) / sizeof(double);
    if (cols > 0 && static_cast<std::uint64_t>(rows) > left / static_cast<std::uint64_t>(cols))
      fail("a " + std::to_string(rows) + " x " + std::to_string(cols) + " matrix does not fit in the bytes left");
    m.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    const std::size_t n = static_cast<std::size_t>(m.size()) * sizeof(double);
    need(n);
    if (n > 0) std::memcpy(m.data(), bytes.data() + at, n);
    at += n;
  }
};

// Every field of snapshot_universe, in declaration order, with its name for messages. A field
// added to snapshot_universe must be added here (the round-trip test compares every field).
template <class U, class F>
void for_each_field(U& u, F&& f) {
  f("market", u.market), f("as_of", u.as_of), f("dates", u.dates), f("symbols", u.symbols);
  f("returns", u.returns), f("market_returns", u.market_returns), f("last_prices", u.last_prices);
  f("usable", u.usable), f("reasons", u.reasons), f("betas", u.betas), f("covariance", u.covariance);
  f("means", u.means), f("volatilities", u.volatilities), f("history_dates", u.history_dates);
  f("history_returns", u.history_returns), f("periods_per_year", u.periods_per_year);
}

}  // namespace detail::universe_io

KEEL_DEF dated_series<std::chrono::year_month_day, double> equal_weighted_returns(const price_table& prices) {
  const return_table panel = simple_returns(prices);
  std::vector<double> market;
  market.reserve(panel.dates.size());
  for (Eigen::Index i = 0; i < panel.returns.rows(); ++i) {
    double sum = 0;
    std::ptrdiff_t count = 0;
    for (Eigen::Index j = 0; j < panel.returns.cols(); ++j)
      if (!std::isnan(panel.returns(i, j))) {
        sum += panel.returns(i, j);
        ++count;
      }
    market.push_back(count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN());
  }
  return {panel.dates, std::move(market)};
}

KEEL_DEF std::string serialize_universe(const snapshot_universe& universe) {
  namespace io = detail::universe_io;
  io::writer w;
  w.bytes += io::magic;
  w.put(io::version);
  w.put(io::byte_order);
  io::for_each_field(universe, [&](const char*, const auto& x) { w.put(x); });
  return std::move(w.bytes);
}

KEEL_DEF snapshot_universe deserialize_universe(std::string_view bytes) {
  namespace io = detail::universe_io;
  io::reader r{bytes};
  r.field = "the header";
  if (!bytes.starts_with(io::magic))
    r.fail("not a serialised keel universe (it does not start with " + detail::quoted(io::magic) + ")");
  r.at = io::magic.size();
  std::uint32_t version = 0;
  std::uint32_t order = 0;
  r.get(version);
  if (version != io::version)
    r.fail("format version " + std::to_string(version) + ", this keel reads " + std::to_string(io::version));
  r.get(order);
  if (order != io::byte_order) r.fail("written on a machine of another byte order");
  snapshot_universe u;
  io::for_each_field(u, [&](const char* name, auto& x) {
    r.field = name;
    r.get(x);
  });
  r.field = "the end";
  if (r.at != bytes.size()) r.fail(std::to_string(bytes.size() - r.at) + " bytes left over");
  // The fields must agree on T, N and H, or the pipeline would read out of bounds.
  const auto t = static_cast<Eigen::Index>(u.dates.size());
  const auto n = static_cast<Eigen::Index>(u.symbols.size());
  const auto h = static_cast<Eigen::Index>(u.history_dates.size());
  const auto check = [&](bool ok, const char* field, const std::string& what) {
    if (!ok)
      throw invalid_input(detail::message(
          "deserialize_universe",
          std::string(field) + ": " + what + " (T = " + std::to_string(t) + ", N = " + std::to_string(n) + ")"));
  };
  const auto per_symbol = [&](std::size_t size) { return static_cast<Eigen::Index>(size) == n; };
  check(u.returns.rows() == t && u.returns.cols() == n, "returns", "not T x N");
  check(static_cast<Eigen::Index>(u.market_returns.size()) == t, "market_returns", "not T long");
  check(per_symbol(u.last_prices.size()) && per_symbol(u.usable.size()) && per_symbol(u.reasons.size()) &&
            per_symbol(u.betas.size()),
        "last_prices, usable, reasons, betas", "not N long");
  check(u.covariance.rows() == n && u.covariance.cols() == n, "covariance", "not N x N");
  check(u.means.size() == n && u.volatilities.size() == n, "means, volatilities", "not N long");
  check(u.history_returns.rows() == h && (u.history_returns.cols() == n || h == 0), "history_returns",
        "not H x N for H = " + std::to_string(h));
  return u;
}

}  // namespace keel
