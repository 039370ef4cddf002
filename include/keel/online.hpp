// SPDX-License-Identifier: MIT
// keel/online.hpp: streaming estimators for a process that receives one bar (or tick) at a
// time, each updated in O(1) (O(N^2) for an N-asset covariance) without allocating, each giving
// the same result aggregate as its batch function, each with a saveable state.
//
// Synopsis
//   streaming_beta(window, streaming_beta_options{.fit})       windowed (window > 0) or
//     .update(asset_return, market_return)                     expanding (window = 0) market
//     .result() -> beta_fit<double>                            beta: market_beta on the window
//   streaming_volatility(window, realized_volatility_options{}) realized_volatility of the
//     .update(r), .result() -> double                          last `window` returns
//   streaming_ewma_volatility(ewma_volatility_options{})       ewma_volatility's current value
//     .update(r), .result() -> double
//   streaming_ewma_covariance(n_assets, ewma_covariance_options{})
//     .update(row), .result() -> covariance_estimate<double>    ewma_covariance of the rows so far
//     .portfolio_variance(weights) -> double                   w' cov w, one pass, no copy
//   each: .count(), .save() -> const state&, a constructor from a saved state
//   what_if_book::from_weights(weights, cov, betas, what_if_options{})       a book for what-if
//   what_if_book::from_quantities(quantities, prices, cov, betas, options)   trades
//     .what_if(trade | span<const trade>) -> what_if_result                  O(N + T), const
//     .apply(trade | span<const trade>) -> what_if_result                    commits, O(N + T)
//     .current() -> what_if_result; what_if_result::limits -> evaluate_limits (snapshot.hpp)
//
// Conventions
//   - The result of each estimator after k updates equals its batch function on the same k
//     values (on the last `window` of them for the windowed forms) to 1e-12 relative (tests
//     check every update; a near-exact fit, 1 - R^2 below 1e-10, keeps about eps / (1 - R^2) in
//     both); the EWMA volatility gives the same bits as ewma_volatility.
//   - Exactness over millions of updates: running sums are double-double (detail/dd.hpp), so
//     adding and removing a value leaves an error near 1e-32 of the sums, and the windowed
//     sums are also recomputed exactly from the window's values (a ring buffer) once per
//     window length of updates (amortised O(1)). Tests run 10 million updates with a drift
//     below 1e-10 relative.
//   - State: each estimator's `state` is a plain aggregate (options, counts, sums, the ring
//     buffer) with a `version`; constructing from a saved state validates it and continues
//     exactly as the uninterrupted estimator (tests compare bit for bit).
//   - A NaN or infinity given to update() is invalid_input naming the update; the estimator is
//     unchanged. result() throws what the batch function throws on the same data
//     (insufficient_data before enough updates, singular_problem for a constant market).
//   - What-if trades: values v in currency (weights: v = w, net value 1, a trade moves value
//     to or from cash); a book of quantities has net value cash + sum q p, changed by a trade
//     unless cash_funded. The result after a trade equals a recomputation from scratch (w'Sw
//     in long double) to 1e-12 relative, also after 1,000 applied trades (tests; measured
//     1e-15): S v and R v are kept in double-double, sums over assets are Dot2.
//
// References: Welford (1962) and Chan, Golub and LeVeque (1983) for updating moments; Dekker
// (1971) and Knuth, TAOCP vol. 2, 4.2.2, for exact sums; RiskMetrics Technical Document (1996)
// for EWMA; Jorion, Value at Risk (3rd ed., 2007), ch. 7, for incremental VaR; Ogita, Rump and
// Oishi (2005) for Dot2.
/// \file
/// Streaming estimators: streaming_beta, streaming_volatility, streaming_ewma_volatility,
/// streaming_ewma_covariance; what-if trades: what_if_book.
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/beta.hpp>
#include <keel/covariance.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/dd.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/limits.hpp>
#include <keel/series.hpp>
#include <keel/var.hpp>
#include <keel/volatility.hpp>

namespace keel {

/// The version of the saved states of this header's estimators; a state of another version is
/// rejected (invalid_input) rather than misread.
inline constexpr std::uint32_t streaming_state_version = 1;

namespace detail {

/// Throws invalid_input for a non-finite value given to an estimator's update.
[[noreturn]] inline void throw_bad_update(std::string_view fn, std::string_view name, double value,
                                          std::int64_t update) {
  throw invalid_input(message(fn, std::string(name) + " is " + number_text(value) + " (update " +
                                      std::to_string(update) + "); the estimator is unchanged"));
}

/// Throws invalid_input for a saved state that does not describe a valid estimator.
[[noreturn]] inline void throw_bad_state(std::string_view fn, std::string_view why) {
  throw invalid_input(message(fn, "the saved state is not valid: " + std::string(why)));
}

/// Checks a saved state's version.
inline void check_state_version(std::string_view fn, std::uint32_t version) {
  if (version != streaming_state_version)
    throw_bad_state(fn, "its version is " + std::to_string(version) + ", this keel reads version " +
                            std::to_string(streaming_state_version));
}

/// Exact running sums of deviations d = x - shift (and of a pair): the double-double form of
/// moments.hpp's shifted_sums, for adding and removing one observation at a time.
struct dd_sums {
  dd x, y, xx, yy, xy;  ///< sums of dx, dy, dx^2, dy^2, dx dy

  /// Adds (sign = +1) or removes (sign = -1) the pair of deviations (dx, dy).
  void add(double dx, double dy, double sign) {
    x = x + two_sum(0, sign * dx);
    y = y + two_sum(0, sign * dy);
    xx = xx + two_product(dx, dx) * sign;
    yy = yy + two_product(dy, dy) * sign;
    xy = xy + two_product(dx, dy) * sign;
  }
};

/// Centred moments of n observations from their exact shifted sums: S_xx = sum d^2 - (sum d)^2
/// / n evaluated in double-double, so the centring cancels nothing a double result needs.
[[nodiscard]] inline pair_moments<double> centred_from(const dd_sums& s, std::ptrdiff_t n, double shift_x,
                                                       double shift_y) {
  const double dn = static_cast<double>(n);
  const dd mx = s.x / dn, my = s.y / dn;
  return {shift_x + mx.value(), shift_y + my.value(), (s.xx - s.x * mx).value(), (s.yy - s.y * my).value(),
          (s.xy - s.x * my).value()};
}

/// The slot of a ring buffer of capacity w (the last w values) that the next value goes into,
/// advancing its count (until full) or its head (the oldest, once full).
[[nodiscard]] inline std::size_t ring_slot(std::ptrdiff_t w, std::ptrdiff_t& head, std::ptrdiff_t& count) {
  if (count < w) return uz(count++);
  const std::ptrdiff_t slot = head;
  head = (head + 1) % w;
  return uz(slot);
}

/// The i-th oldest value of a ring buffer.
[[nodiscard]] inline double ring_at(const std::vector<double>& ring, std::ptrdiff_t head, std::ptrdiff_t i) {
  return ring[uz((head + i) % ssize(ring))];
}

/// The values of a Series as a double vector, each checked finite ("fn: name[i] is NaN").
template <Series S>
[[nodiscard]] Eigen::VectorXd to_vector(std::string_view fn, std::string_view name, const S& s) {
  const std::ptrdiff_t n = ssize(s);
  Eigen::VectorXd out(n);
  auto f = std::ranges::begin(s);
  for (std::ptrdiff_t i = 0; i < n; ++i) out(i) = static_cast<double>(f[i]);
  require_finite(fn, name, out);
  return out;
}

}  // namespace detail

/// Options of streaming_beta (the window is the constructor's first argument).
struct streaming_beta_options {
  /// The fit's options, as market_beta's (min_observations, cap).
  beta_options fit = {};
};

/// Market beta of a stream of (asset, market) return pairs: market_beta over the last `window`
/// pairs (or over all of them), updated in O(1) per pair without allocation.
///
/// Not annualised (a beta has no time unit; its alpha is per period, as market_beta's).
/// result() equals market_beta on the same pairs to 1e-12 relative on every field (see the
/// header comment for the exact sums and restarts that keep it so over millions of updates).
/// Ref: Sharpe (1964); Chan, Golub and LeVeque (1983); Dekker (1971).
class streaming_beta {
 public:
  /// Everything the estimator knows, as a plain aggregate (see the header comment).
  struct state {
    std::uint32_t version = streaming_state_version;  ///< streaming_state_version when saved
    std::ptrdiff_t window = 0;                        ///< pairs per window; 0: expanding
    streaming_beta_options options = {};              ///< the options it was built with
    std::int64_t updates = 0;                         ///< pairs given to update() so far
    std::ptrdiff_t count = 0;                         ///< pairs in the window (all pairs when expanding)
    std::ptrdiff_t head = 0;                          ///< ring position of the oldest pair (windowed)
    std::ptrdiff_t since_restart = 0;                 ///< updates since the sums were recomputed
    double shift_asset = 0;                           ///< the asset's shift of the sums
    double shift_market = 0;                          ///< the market's shift of the sums
    detail::dd_sums sums = {};                        ///< exact shifted sums (x = market, y = asset)
    std::vector<double> assets = {};                  ///< the window's asset returns (ring; empty when expanding)
    std::vector<double> markets = {};                 ///< the window's market returns (ring)
  };

  /// A new estimator over the last `window` pairs (0: expanding, every pair since the start);
  /// the ring buffer of a windowed one is allocated here, once.
  /// \throws invalid_input for a negative window, or a window below fit.min_observations (it
  ///         could never give a fit; min_observations is at least 3).
  explicit streaming_beta(std::ptrdiff_t window, streaming_beta_options options = {}) {
    if (window < 0 || (window > 0 && window < std::max<std::ptrdiff_t>(3, options.fit.min_observations)))
      detail::throw_bad_option(
          "streaming_beta", "window", static_cast<double>(window),
          "0 (expanding) or at least fit.min_observations = " + std::to_string(options.fit.min_observations));
    s_.window = window;
    s_.options = options;
    s_.assets.assign(detail::uz(window), 0.0);
    s_.markets.assign(detail::uz(window), 0.0);
  }

  /// Continues from a saved state.
  /// \throws invalid_input for a state of another version or inconsistent counts and buffers.
  explicit streaming_beta(state saved) : s_(std::move(saved)) {
    constexpr std::string_view fn = "streaming_beta";
    detail::check_state_version(fn, s_.version);
    const std::ptrdiff_t w = s_.window;
    if (w < 0 || (w > 0 && w < 3)) detail::throw_bad_state(fn, "its window is " + std::to_string(w));
    if (detail::ssize(s_.assets) != w || detail::ssize(s_.markets) != w)
      detail::throw_bad_state(fn, "its buffers do not hold one window");
    if (s_.count < 0 || (w > 0 && s_.count > w) || s_.head < 0 || (w > 0 && s_.head >= w) || s_.updates < s_.count)
      detail::throw_bad_state(fn, "its counts are inconsistent");
  }

  /// Adds one pair of returns (the oldest leaves a full window). O(1), no allocation.
  /// \throws invalid_input for a NaN or infinity (the estimator is then unchanged).
  void update(double asset_return, double market_return) {
    constexpr std::string_view fn = "streaming_beta::update";
    if (!std::isfinite(asset_return)) detail::throw_bad_update(fn, "asset_return", asset_return, s_.updates);
    if (!std::isfinite(market_return)) detail::throw_bad_update(fn, "market_return", market_return, s_.updates);
    if (s_.count == 0) {  // a data value as the shift: deviations of a constant series are 0
      s_.shift_asset = asset_return;
      s_.shift_market = market_return;
      s_.sums = {};
    }
    const std::ptrdiff_t w = s_.window;
    if (w > 0) {
      if (s_.count == w)  // the oldest pair leaves the window
        s_.sums.add(s_.markets[detail::uz(s_.head)] - s_.shift_market, s_.assets[detail::uz(s_.head)] - s_.shift_asset,
                    -1);
      const std::size_t slot = detail::ring_slot(w, s_.head, s_.count);
      s_.markets[slot] = market_return;
      s_.assets[slot] = asset_return;
    } else {
      ++s_.count;
    }
    s_.sums.add(market_return - s_.shift_market, asset_return - s_.shift_asset, +1);
    ++s_.updates;
    if (w > 0 && ++s_.since_restart >= w) restart();
  }

  /// The fit over the window (or all pairs): the beta_fit market_beta returns on them.
  /// \throws as market_beta: insufficient_data below options.fit.min_observations (or a window
  ///         not yet full: fewer pairs than the window are fitted as they are); singular_problem
  ///         for a constant market; invalid_input for returns out of double's range.
  KEEL_DECL [[nodiscard]] beta_fit<double> result() const;

  /// Pairs in the window (all pairs so far when expanding).
  [[nodiscard]] std::ptrdiff_t count() const noexcept { return s_.count; }
  /// The state to save (a restarted process constructs a streaming_beta from it).
  [[nodiscard]] const state& save() const noexcept { return s_; }

 private:
  /// RSS and R^2 as market_beta computes them; near R^2 = 1 from the exact sums instead of the
  /// residuals (S_yy - S_xy^2 / S_xx in double-double does not cancel).
  [[nodiscard]] std::pair<double, double> rss(const detail::pair_moments<double>& m, double beta) const {
    if (!(m.syy > 0)) return {0.0, 0.0};
    const double r2 = std::min(1.0, (m.sxy / m.sxx) * (m.sxy / m.syy));
    if (1 - r2 >= 1.0 / 16) return {std::max(0.0, m.syy - beta * m.sxy), r2};
    const double dn = static_cast<double>(s_.count);
    const detail::dd& sx = s_.sums.x;
    const detail::dd& sy = s_.sums.y;
    const detail::dd cxx = s_.sums.xx - sx * (sx / dn), cyy = s_.sums.yy - sy * (sy / dn);
    const detail::dd cxy = s_.sums.xy - sx * (sy / dn);
    const double r = std::max(0.0, (cyy - cxy * (cxy / cxx)).value());
    return {r, 1 - r / m.syy};
  }

  /// Recomputes the sums exactly from the window, about its current means.
  void restart() {
    const std::ptrdiff_t n = s_.count;
    const detail::pair_moments<double> m = detail::centred_from(s_.sums, n, s_.shift_market, s_.shift_asset);
    s_.shift_market = m.mean_x;
    s_.shift_asset = m.mean_y;
    s_.sums = {};
    for (std::ptrdiff_t i = 0; i < n; ++i)
      s_.sums.add(detail::ring_at(s_.markets, s_.head, i) - s_.shift_market,
                  detail::ring_at(s_.assets, s_.head, i) - s_.shift_asset, +1);
    s_.since_restart = 0;
  }

  state s_;
};

/// Realised volatility of a stream of returns: realized_volatility over the last `window`
/// returns, updated in O(1) per return without allocation.
///
/// result() equals realized_volatility(last window, window, options) to 1e-12 relative.
/// Ref: Andersen, Bollerslev, Diebold and Labys (2001); Chan, Golub and LeVeque (1983).
class streaming_volatility {
 public:
  /// Everything the estimator knows, as a plain aggregate.
  struct state {
    std::uint32_t version = streaming_state_version;  ///< streaming_state_version when saved
    std::ptrdiff_t window = 0;                        ///< returns per window
    realized_volatility_options options = {};         ///< periods_per_year and demean
    std::int64_t updates = 0;                         ///< returns given to update() so far
    std::ptrdiff_t count = 0;                         ///< returns in the window
    std::ptrdiff_t head = 0;                          ///< ring position of the oldest return
    std::ptrdiff_t since_restart = 0;                 ///< updates since the sums were recomputed
    double shift = 0;                                 ///< the shift of the sums (0 without demean)
    detail::dd_sums sums = {};                        ///< exact sums of d and d^2 (fields x and xx)
    std::vector<double> returns = {};                 ///< the window (ring)
  };

  /// A new estimator over windows of `window` returns.
  /// \throws invalid_input for a window below 1 (2 with demean) or a bad periods_per_year.
  explicit streaming_volatility(std::ptrdiff_t window, realized_volatility_options options = {}) {
    constexpr std::string_view fn = "streaming_volatility";
    detail::check_periods_per_year(fn, options.periods_per_year);
    if (window < (options.demean ? 2 : 1))
      detail::throw_bad_option(fn, "window", static_cast<double>(window),
                               options.demean ? "at least 2 with demean" : "at least 1");
    s_.window = window;
    s_.options = options;
    s_.returns.assign(detail::uz(window), 0.0);
  }

  /// Continues from a saved state.
  /// \throws invalid_input for a state of another version or inconsistent counts and buffers.
  explicit streaming_volatility(state saved) : s_(std::move(saved)) {
    constexpr std::string_view fn = "streaming_volatility";
    detail::check_state_version(fn, s_.version);
    if (s_.window < 1 || detail::ssize(s_.returns) != s_.window || s_.count < 0 || s_.count > s_.window ||
        s_.head < 0 || s_.head >= s_.window || s_.updates < s_.count)
      detail::throw_bad_state(fn, "its window, counts and buffer are inconsistent");
    detail::check_periods_per_year(fn, s_.options.periods_per_year);
  }

  /// Adds one return (the oldest leaves a full window). O(1), no allocation.
  /// \throws invalid_input for a NaN or infinity (the estimator is then unchanged).
  void update(double r) {
    if (!std::isfinite(r)) detail::throw_bad_update("streaming_volatility::update", "return", r, s_.updates);
    if (s_.count == 0 && s_.options.demean) s_.shift = r;
    if (s_.count == s_.window) add(s_.returns[detail::uz(s_.head)], -1);
    s_.returns[detail::ring_slot(s_.window, s_.head, s_.count)] = r;
    add(r, +1);
    ++s_.updates;
    if (++s_.since_restart >= s_.window) restart();
  }

  /// The annualised volatility of the window: realized_volatility's value on it.
  /// \throws insufficient_data before the window is full; invalid_input for returns whose
  ///         squares underflow or whose volatility overflows (as realized_volatility).
  [[nodiscard]] double result() const {
    constexpr std::string_view fn = "streaming_volatility";
    detail::require_observations(fn, s_.window, s_.count, "returns for one window");
    const double m = s_.options.demean ? detail::centred_from(s_.sums, s_.count, s_.shift, 0).sxx : s_.sums.xx.value();
    return detail::annualised_vol<double>(fn, m, 0, s_.window, s_.options.demean, s_.options.periods_per_year);
  }

  /// Returns in the window.
  [[nodiscard]] std::ptrdiff_t count() const noexcept { return s_.count; }
  /// The state to save.
  [[nodiscard]] const state& save() const noexcept { return s_; }

 private:
  void add(double r, double sign) { s_.sums.add(r - s_.shift, 0, sign); }

  void restart() {
    if (s_.options.demean) s_.shift = detail::centred_from(s_.sums, s_.count, s_.shift, 0).mean_x;
    s_.sums = {};
    for (std::ptrdiff_t i = 0; i < s_.count; ++i) add(detail::ring_at(s_.returns, s_.head, i), +1);
    s_.since_restart = 0;
  }

  state s_;
};

/// RiskMetrics EWMA volatility of a stream of returns: ewma_volatility's current value
/// (its `volatility` field) after the same returns, bit for bit; O(1) per return.
/// Ref: J.P. Morgan/Reuters, RiskMetrics Technical Document (1996), sec. 5.2.
class streaming_ewma_volatility {
 public:
  /// Everything the estimator knows, as a plain aggregate.
  struct state {
    std::uint32_t version = streaming_state_version;  ///< streaming_state_version when saved
    ewma_volatility_options options = {};             ///< lambda, periods_per_year, weighting
    detail::ewma_variance<double> ewma = {};          ///< the running variance and its count
  };

  /// A new estimator.
  /// \throws invalid_input for lambda outside (0, 1) or a bad periods_per_year.
  explicit streaming_ewma_volatility(ewma_volatility_options options = {}) {
    detail::check_ewma_options("streaming_ewma_volatility", options);
    s_.options = options;
  }

  /// Continues from a saved state.
  /// \throws invalid_input for a state of another version or invalid options.
  explicit streaming_ewma_volatility(state saved) : s_(saved) {
    detail::check_state_version("streaming_ewma_volatility", s_.version);
    detail::check_ewma_options("streaming_ewma_volatility", s_.options);
    if (s_.ewma.count < 0) detail::throw_bad_state("streaming_ewma_volatility", "its count is negative");
  }

  /// Adds one return. O(1).
  /// \throws invalid_input for a NaN or infinity, or a square that overflows (unchanged then).
  void update(double r) {
    constexpr std::string_view fn = "streaming_ewma_volatility::update";
    if (!std::isfinite(r)) detail::throw_bad_update(fn, "return", r, s_.ewma.count);
    detail::ewma_variance<double> next = s_.ewma;
    if (!std::isfinite(next.add(r * r, s_.options.lambda, s_.options.weighting)))
      detail::throw_overflow(fn, "the square of return " + detail::number_text(r));
    s_.ewma = next;
  }

  /// The current annualised EWMA volatility.
  /// \throws insufficient_data before the first return.
  [[nodiscard]] double result() const {
    constexpr std::string_view fn = "streaming_ewma_volatility";
    detail::require_observations(fn, 1, s_.ewma.count, "returns");
    return detail::finite_volatility<double>(fn, std::sqrt(s_.ewma.var) * std::sqrt(s_.options.periods_per_year));
  }

  /// Returns given so far.
  [[nodiscard]] std::ptrdiff_t count() const noexcept { return s_.ewma.count; }
  /// The state to save.
  [[nodiscard]] const state& save() const noexcept { return s_; }

 private:
  state s_;
};

/// EWMA covariance of a stream of N-asset return rows: ewma_covariance of the rows so far (zero
/// mean), updated in O(N^2) per row without allocation.
///
/// normalized: S_t = lambda S_{t-1} + x_t x_t', W_t = lambda W_{t-1} + 1, cov = S_t / W_t;
/// recursive: S_0 = x_0 x_0', S_t = lambda S_{t-1} + (1 - lambda) x_t x_t'. The result equals
/// ewma_covariance on the same rows to 1e-12 of sqrt(cov_ii cov_jj). `demean` is not
/// supported (the mean of a stream changes every row); missing_data::complete_rows skips a row
/// with a NaN, as the batch form drops it; reject (the default) throws for it.
/// Ref: RiskMetrics Technical Document (1996), sec. 5.3.
class streaming_ewma_covariance {
 public:
  /// Everything the estimator knows, as a plain aggregate.
  struct state {
    std::uint32_t version = streaming_state_version;  ///< streaming_state_version when saved
    ewma_covariance_options options = {};             ///< lambda, periods_per_year, weighting, missing
    std::int64_t updates = 0;                         ///< rows given to update() (skipped ones included)
    std::ptrdiff_t count = 0;                         ///< rows in the estimate
    double weight = 0;                                ///< W_t (normalized weighting)
    Eigen::MatrixXd sums;                             ///< S_t (lower triangle used), N x N
  };

  /// A new estimator of `n_assets` assets (the N x N sums allocated once, here).
  /// \throws invalid_input for n_assets < 1, lambda outside (0, 1), a bad periods_per_year, demean
  ///         or missing_data::pairwise (not supported).
  explicit streaming_ewma_covariance(std::ptrdiff_t n_assets, ewma_covariance_options options = {}) {
    check("streaming_ewma_covariance", n_assets, options);
    s_.options = options;
    s_.sums.setZero(n_assets, n_assets);
  }

  /// Continues from a saved state.
  /// \throws invalid_input for a state of another version, invalid options or a non-square sum.
  explicit streaming_ewma_covariance(state saved) : s_(std::move(saved)) {
    constexpr std::string_view fn = "streaming_ewma_covariance";
    detail::check_state_version(fn, s_.version);
    if (s_.sums.rows() != s_.sums.cols()) detail::throw_bad_state(fn, "its sums are not square");
    check(fn, s_.sums.rows(), s_.options);
    if (s_.count < 0 || s_.updates < s_.count) detail::throw_bad_state(fn, "its counts are inconsistent");
  }

  /// Adds one row of N returns (any Series: a std::vector, an Eigen row or column, ...).
  /// \throws invalid_input for a row of another size, or (reject) a NaN or infinity (the
  ///         estimator is then unchanged); with complete_rows a row holding a NaN is skipped.
  template <Series S>
  void update(const S& row) {
    constexpr std::string_view fn = "streaming_ewma_covariance::update";
    const std::ptrdiff_t n = s_.sums.rows();
    detail::require_same_size(fn, "row", detail::ssize(row), "assets", n);
    auto f = std::ranges::begin(row);
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      const auto v = static_cast<double>(f[j]);
      if (std::isnan(v) && s_.options.missing == missing_data::complete_rows) {
        ++s_.updates;
        return;
      }
      if (!std::isfinite(v)) detail::throw_bad_update(fn, detail::element_text("row", j), v, s_.updates);
    }
    const double lambda = s_.options.lambda;
    const bool normalized = s_.options.weighting == ewma_weighting::normalized;
    const double scale = normalized || s_.count == 0 ? 1.0 : 1 - lambda;
    const double decay = s_.count == 0 ? 0.0 : lambda;
    for (std::ptrdiff_t j = 0; j < n; ++j) {  // the lower triangle, column by column
      const double xj = scale * static_cast<double>(f[j]);
      for (std::ptrdiff_t i = j; i < n; ++i) s_.sums(i, j) = decay * s_.sums(i, j) + xj * static_cast<double>(f[i]);
    }
    s_.weight = normalized ? decay * s_.weight + 1 : 1.0;
    ++s_.count;
    ++s_.updates;
  }

  /// The estimate so far into `out` (reused: no allocation once it has held one). No workspace:
  /// the estimator's own sums are all it reads, so there is no scratch to pass.
  /// \throws insufficient_data before the first row; invalid_input if the sums overflowed.
  void result(covariance_estimate<double>& out) const {
    constexpr std::string_view fn = "streaming_ewma_covariance";
    detail::require_observations(fn, 1, s_.count, "rows");
    const std::ptrdiff_t n = s_.sums.rows();
    const double factor = s_.options.periods_per_year / s_.weight;
    out.covariance.resize(n, n);
    for (std::ptrdiff_t j = 0; j < n; ++j)
      for (std::ptrdiff_t i = j; i < n; ++i) out.covariance(i, j) = out.covariance(j, i) = s_.sums(i, j) * factor;
    if (!out.covariance.allFinite()) detail::throw_overflow(fn, "the weighted sums of products of the rows");
    out.observations = s_.count;
    out.pair_counts.resize(0, 0);
    out.positive_semidefinite = true;
    out.min_eigenvalue.reset();
    out.repaired = false;
  }

  /// The estimate so far: the covariance_estimate ewma_covariance returns on the same rows.
  /// \throws as the `out` form.
  [[nodiscard]] covariance_estimate<double> result() const {
    covariance_estimate<double> out;
    result(out);
    return out;
  }

  /// A portfolio's variance w' cov w under the current estimate, in one pass over the lower
  /// triangle of the sums (O(N^2 / 2), no N x N copy, no allocation): the VaR of a book after
  /// each bar without forming the covariance (sum_j w_j (S_jj w_j + 2 sum_{i>j} S_ij w_i) / W).
  /// \throws insufficient_data before the first row; invalid_input for weights of another size,
  ///         a NaN or infinite weight, or a variance that overflows.
  template <Series W>
  [[nodiscard]] double portfolio_variance(const W& weights) const {
    constexpr std::string_view fn = "streaming_ewma_covariance::portfolio_variance";
    detail::require_observations(fn, 1, s_.count, "rows");
    const std::ptrdiff_t n = s_.sums.rows();
    detail::require_same_size(fn, "weights", detail::ssize(weights), "assets", n);
    detail::require_finite(fn, "weights", weights);
    auto w = std::ranges::begin(weights);
    double total = 0;
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      const double wj = static_cast<double>(w[j]);
      const double* column = s_.sums.data() + j * n;
      double off = 0;
      for (std::ptrdiff_t i = j + 1; i < n; ++i) off += column[i] * static_cast<double>(w[i]);
      total += wj * (column[j] * wj + 2 * off);
    }
    const double variance = total * (s_.options.periods_per_year / s_.weight);
    if (!std::isfinite(variance)) detail::throw_overflow(fn, "the portfolio variance");
    return variance;
  }

  /// Rows in the estimate.
  [[nodiscard]] std::ptrdiff_t count() const noexcept { return s_.count; }
  /// The state to save.
  [[nodiscard]] const state& save() const noexcept { return s_; }

 private:
  static void check(std::string_view fn, std::ptrdiff_t n_assets, const ewma_covariance_options& o) {
    if (n_assets < 1) detail::throw_bad_option(fn, "n_assets", static_cast<double>(n_assets), "at least 1");
    if (!(o.lambda > 0 && o.lambda < 1)) detail::throw_bad_option(fn, "lambda", o.lambda, "in (0, 1)");
    detail::check_periods_per_year(fn, o.periods_per_year);
    if (o.demean) detail::throw_unsupported_option(fn, "demean", "true", "the mean of a stream changes with every row");
    if (o.missing == missing_data::pairwise)
      detail::throw_unsupported_option(fn, "missing", "missing_data::pairwise", "EWMA weights follow the rows");
  }

  state s_;
};

/// One trade for a what_if_book: a change in one asset's quantity (a book of quantities) or
/// weight (a book of weights), the asset named by index or by symbol.
struct trade {
  std::ptrdiff_t asset = -1;  ///< the asset's index in the book; -1: look `symbol` up
  std::string symbol = {};    ///< the asset's symbol (when asset is -1; needs what_if_options::symbols)
  double change = 0;          ///< change in quantity (from_quantities) or in weight (from_weights); finite
};

/// Options of what_if_book (every input besides the positions, the covariance and the betas is
/// optional: a metric whose input is absent is 0, as documented on what_if_result).
struct what_if_options {
  std::vector<std::string> symbols = {};        ///< one per asset, distinct (for trades by symbol)
  std::vector<std::string> sectors = {};        ///< one per asset (for max_sector_weight)
  Eigen::MatrixXd returns = {};                 ///< T x N simple returns (for max_drawdown); empty: none
  Eigen::MatrixXd correlation = {};             ///< N x N; empty: cov_ij / sqrt(cov_ii cov_jj)
  Eigen::VectorXd means = {};                   ///< per-period expected returns (the VaR's mean term); empty: 0
  double confidence = 0.95;                     ///< the VaR and CVaR level, in (0, 1)
  double horizon = 1;                           ///< periods h > 0: mean x h, standard deviation x sqrt(h)
  return_distribution distribution = normal{};  ///< normal{} or student_t{nu}, as parametric_var
  double periods_per_year = 252;                ///< annualises the volatility (sqrt); positive and finite
  double cash = 0;                              ///< from_quantities: value held outside the positions
  bool cash_funded = false;                     ///< from_quantities: trades are paid from cash (net value fixed)
};

/// A book's risk (after a trade, or as it stands): every value as a fraction of net value.
struct what_if_result {
  double net_value = 0;    ///< cash + sum of values (a book of weights: 1)
  double gross_value = 0;  ///< sum |value_i|
  double beta = 0;         ///< sum w_i beta_i
  double volatility = 0;   ///< sqrt(w' S w) sqrt(periods_per_year)
  double var = 0;          ///< parametric VaR at options.confidence and horizon
  double cvar = 0;         ///< parametric CVaR at options.confidence and horizon
  /// Every limit metric (snapshot.hpp's definitions; give it to evaluate_limits): max |w_i|;
  /// max over named sectors |sum of w_i| (0 without sectors; an empty sector name is none);
  /// sum |w_i|; |beta|; the normal 99% 1-period VaR (with the mean term when means are given);
  /// the max drawdown of R w over the returns panel (0 without one; 1 once a return below -100%
  /// wipes the wealth out); the mean off-diagonal correlation of the held assets (0 below two;
  /// an asset of zero variance has correlation 0 with the others when it is derived from cov).
  limit_values limits = {};
  std::ptrdiff_t positions = 0;  ///< assets held (value != 0)
};

/// A portfolio held for what-if questions: the risk after a trade in O(N) (O(N + T) with a
/// returns panel) from the stored S v, v'Sv, R v and correlation row sums of the held set,
/// never an O(N^2) recomputation; apply() commits a trade and updates them in O(N + T).
///
/// Values v are in currency (weights: v = w, net value 1). A trade of asset k changes v_k by
/// dv (quantity x price); then S v' = S v + dv S[:,k], w' = v' / V' with V' the new net value,
/// sigma' = sqrt(v'' S v') / V'; beta, the mean and the drawdown series likewise. A book of
/// weights keeps net value 1 (a weight trade moves value to or from cash); a book of quantities
/// has V = cash + sum q p, changed by a trade unless cash_funded. Sums are compensated (Dot2)
/// and S v, R v are kept in double-double, so after any number of applied trades the results
/// equal a recomputation to 1e-12 relative (tests: 1,000 applied trades).
/// what_if is const but uses the book's scratch: call it from one thread at a time.
/// Ref: Jorion, Value at Risk (3rd ed.), ch. 7 (incremental VaR); Ogita, Rump and Oishi (2005).
class what_if_book {
 public:
  /// A book of weights (fractions of net value, shorts negative) over covariance `cov` (per
  /// period) and betas. O(N^2 + T N) once.
  /// \throws invalid_input for sizes that differ, a non-square or asymmetric cov, a NaN or
  ///         infinity in any input, duplicate symbols, or a bad option.
  template <Series W, class D, Series B>
    requires detail::panel<D>
  [[nodiscard]] static what_if_book from_weights(const W& weights, const Eigen::MatrixBase<D>& cov, const B& betas,
                                                 what_if_options options = {}) {
    constexpr std::string_view fn = "what_if_book::from_weights";
    what_if_book b(fn, detail::to_vector(fn, "weights", weights), cov, betas, std::move(options));
    b.net_ = 1;
    b.init(fn);
    return b;
  }

  /// A book of quantities at prices (value_i = quantity_i x price_i; net value = cash + sum).
  /// \throws as from_weights, and invalid_input for a price that is not positive or a net
  ///         value that is not positive.
  template <Series Q, Series P, class D, Series B>
    requires detail::panel<D>
  [[nodiscard]] static what_if_book from_quantities(const Q& quantities, const P& prices,
                                                    const Eigen::MatrixBase<D>& cov, const B& betas,
                                                    what_if_options options = {}) {
    constexpr std::string_view fn = "what_if_book::from_quantities";
    Eigen::VectorXd q = detail::to_vector(fn, "quantities", quantities);
    Eigen::VectorXd p = detail::to_vector(fn, "prices", prices);
    detail::require_same_size(fn, "prices", p.size(), "quantities", q.size());
    for (std::ptrdiff_t i = 0; i < p.size(); ++i)
      if (!(p(i) > 0)) throw_at(fn, detail::element_text("prices", i) + " = " + detail::number_text(p(i)), "positive");
    Eigen::VectorXd v = q.cwiseProduct(p);
    if (!std::isfinite(options.cash)) detail::throw_non_finite_at(fn, "options.cash", options.cash);
    what_if_book b(fn, std::move(v), cov, betas, std::move(options));
    b.quantities_ = std::move(q);
    b.prices_ = std::move(p);
    detail::dot2 net;
    net.add(b.options_.cash);
    for (std::ptrdiff_t i = 0; i < b.v_.size(); ++i) net.add(b.v_(i));
    b.net_ = net.value();
    if (!(b.net_ > 0)) detail::throw_not_positive_value(fn, "at the start", b.net_);
    b.init(fn);
    return b;
  }

  /// The book's risk as it stands. O(N + T).
  KEEL_DECL [[nodiscard]] what_if_result current() const;

  /// The risk after one trade, the book unchanged. O(N + T).
  /// \throws invalid_input for an asset index out of range, an unknown symbol, a NaN or
  ///         infinite change, or a net value after the trade that is not positive.
  KEEL_DECL [[nodiscard]] what_if_result what_if(const trade& t) const;

  /// The risk after several trades together (the same asset may appear more than once).
  /// O(m (N + T) + m^2) for m trades. \throws as what_if(trade).
  KEEL_DECL [[nodiscard]] what_if_result what_if(std::span<const trade> trades) const;

  /// Commits one trade and returns the risk after it. O(N + T). \throws as what_if (the book is
  /// then unchanged).
  KEEL_DECL what_if_result apply(const trade& t);

  /// Commits several trades together. \throws as what_if (the book is then unchanged).
  KEEL_DECL what_if_result apply(std::span<const trade> trades);

  /// Assets in the book.
  [[nodiscard]] std::ptrdiff_t size() const noexcept { return v_.size(); }
  /// The positions' values (currency; a book of weights: the weights).
  [[nodiscard]] const Eigen::VectorXd& values() const noexcept { return v_; }
  /// The quantities (a book of quantities; empty for a book of weights).
  [[nodiscard]] const Eigen::VectorXd& quantities() const noexcept { return quantities_; }
  /// The net value.
  [[nodiscard]] double net_value() const noexcept { return net_; }

 private:
  template <class D, Series B>
  what_if_book(std::string_view fn, Eigen::VectorXd v, const Eigen::MatrixBase<D>& cov, const B& betas,
               what_if_options options)
      : v_(std::move(v)), options_(std::move(options)) {
    const std::ptrdiff_t n = v_.size();
    detail::require_square(fn, "cov", cov.rows(), cov.cols());
    detail::require_same_size(fn, "cov rows", cov.rows(), "positions", n);
    cov_ = cov.template cast<double>();
    detail::require_finite_cells(fn, "cov", cov_);
    detail::require_symmetric(fn, "cov", cov_);
    beta_ = detail::to_vector(fn, "betas", betas);
    detail::require_same_size(fn, "betas", beta_.size(), "positions", n);
    check_options(fn, n);
  }

  [[noreturn]] static void throw_at(std::string_view fn, const std::string& what, std::string_view rule) {
    throw invalid_input(detail::message(fn, what + " must be " + std::string(rule)));
  }

  KEEL_DECL void check_options(std::string_view fn, std::ptrdiff_t n);
  KEEL_DECL void init(std::string_view fn);
  [[nodiscard]] double corr(std::ptrdiff_t i, std::ptrdiff_t j) const {
    if (correlation_given_) return options_.correlation(i, j);
    if (i == j) return 1;
    return cov_(i, j) * inv_sd_(i) * inv_sd_(j);
  }
  KEEL_DECL void resolve(std::string_view fn, std::span<const trade> trades) const;
  KEEL_DECL [[nodiscard]] what_if_result evaluate(std::string_view fn) const;
  KEEL_DECL [[nodiscard]] double drawdown(double value) const;
  KEEL_DECL [[nodiscard]] double average_correlation(std::ptrdiff_t held_after) const;
  KEEL_DECL void commit(double net_after);
  /// Clears the scratch of a pass when it ends, by return or by exception.
  struct scratch_guard {
    const what_if_book& book;
    explicit scratch_guard(const what_if_book& b) : book(b) {}
    scratch_guard(const scratch_guard&) = delete;
    scratch_guard& operator=(const scratch_guard&) = delete;
    ~scratch_guard() { book.clear_scratch(); }
  };
  void clear_scratch() const {
    for (const std::ptrdiff_t k : ks_) {
      dv_(k) = 0;
      if (dq_.size() > 0) dq_(k) = 0;
    }
    ks_.clear();
  }

  Eigen::VectorXd v_, quantities_, prices_, beta_, inv_sd_;
  Eigen::MatrixXd cov_;
  what_if_options options_;
  bool correlation_given_ = false;
  double net_ = 0;
  std::vector<detail::dd> sv_, rv_, rowsums_;  // S v, R v, and sum over held j of C(i, j)
  detail::dd pair_sum_;                        // sum over held i, j of C(i, j)
  double diag_sum_ = 0;                        // sum over held i of C(i, i)
  std::ptrdiff_t held_ = 0;
  std::vector<std::ptrdiff_t> sector_of_;
  std::ptrdiff_t n_sectors_ = 0;
  std::vector<std::pair<std::string, std::ptrdiff_t>> by_symbol_;  // sorted
  detail::sigma_factors factors_{}, factors_99_{};
  // scratch (what_if is const): dense value changes, the assets they touch, sector sums
  mutable Eigen::VectorXd dv_, dq_;
  mutable std::vector<std::ptrdiff_t> ks_;
  mutable std::vector<double> sector_sums_;
};

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/online-inl.hpp>
#endif
