// SPDX-License-Identifier: MIT
// keel/expected_returns.hpp: annualised expected-return estimates for mean-variance inputs.
//
// Synopsis
//   mean_historical_return(prices, expected_return_options{compounding, periods_per_year, returns_data})
//       prices: a Series (one asset -> a scalar), a T x N Eigen panel or a price_table (-> one
//       estimate per column)
//   capm_return(prices, capm_options{risk_free, compounding, periods_per_year, returns_data})
//   capm_return(prices, market_prices, capm_options{...})
//
// Conventions (PyPortfolioOpt's expected_returns, matched to rounding on equal inputs)
//   - Simple returns r_t = p_t / p_{t-1} - 1 from consecutive prices; a missing price (NaN)
//     makes the returns on either side of it missing, and each column uses its own observed
//     returns (pandas' pct_change(fill_method=None) with skipna statistics). returns_data =
//     true takes the input as returns already (NaN = missing).
//   - Geometric (compounding, the default): mu = (prod (1 + r_t))^(p / n) - 1, the
//     compound annual growth rate over the column's n returns, computed as
//     expm1(p / n * sum log1p(r_t)). Arithmetic: mu = p * mean(r_t), p = periods_per_year.
//   - CAPM: mu_i = rf + beta_i (E[r_m] - rf) with beta_i = cov(r_i, r_m) / var(r_m), sample
//     (n - 1) moments over the dates both are observed (pairwise), E[r_m] the market's
//     geometric or arithmetic annual return as above. The market is the equal-weighted mean
//     of the observed returns on each date unless market prices are given. rf is annual.
//
// References
//   Sharpe, "Capital asset prices: a theory of market equilibrium", J. Finance 19 (1964);
//   Bodie, Kane and Marcus, Investments, 12th ed., ch. 5 (arithmetic and geometric averages).
/// \file
/// Expected returns: mean_historical_return, capm_return.
#pragma once

#include <keel/detail/config.hpp>

#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of mean_historical_return.
struct expected_return_options {
  bool compounding = true;        ///< geometric (CAGR) when true, arithmetic mean x periods_per_year otherwise
  double periods_per_year = 252;  ///< of the prices (252 daily, 52 weekly, 12 monthly); positive and finite
  bool returns_data = false;      ///< the input holds simple returns, not prices
};

/// Options of capm_return.
struct capm_options {
  double risk_free = 0;           ///< annual risk-free rate
  bool compounding = true;        ///< the market's return: geometric when true, arithmetic otherwise
  double periods_per_year = 252;  ///< positive and finite
  bool returns_data = false;      ///< the inputs hold simple returns, not prices
};

namespace detail {

/// Simple returns of a T x N price panel ((T-1) x N, NaN where either price is missing), or
/// the panel itself when it holds returns. Prices must be positive and finite where present
/// (price_returns, series.hpp's one rule).
template <class Acc, class Derived>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> panel_returns(std::string_view fn,
                                                                               const Eigen::MatrixBase<Derived>& x,
                                                                               bool returns_data,
                                                                               std::string_view name) {
  if (returns_data) {
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const auto v = x(i, j);
        if (std::isinf(v)) throw_non_finite_cell(fn, name, i, j, static_cast<double>(v));
        if (!std::isnan(v) && v < -1)
          throw invalid_input(message(
              fn, cell_text(name, i, j) + " = " + number_text(static_cast<double>(v)) + " is a return below -100%"));
      }
    return x.template cast<Acc>();
  }
  // Prices: series.hpp's one kernel, a missing (NaN) price making both its returns NaN.
  const Eigen::Index t = x.rows() > 0 ? x.rows() - 1 : 0;
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> r(t, x.cols());
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    const auto price = [&](std::ptrdiff_t i) -> Acc { return static_cast<Acc>(x(i, j)); };
    const auto f = price_returns<false, Acc>(
        x.rows(), price, [&](std::ptrdiff_t i, Acc v) { r(i, j) = v; }, true);
    if (f)
      throw invalid_input(message(fn, price_fault_text(
                                          f, [&](std::ptrdiff_t i) { return cell_text(name, i, j); }, price)));
  }
  return r;
}

/// The observed (non-NaN) values of column j.
template <class Acc>
[[nodiscard]] std::vector<Acc> observed(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& r, Eigen::Index j) {
  std::vector<Acc> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (Eigen::Index i = 0; i < r.rows(); ++i)
    if (!std::isnan(r(i, j))) out.push_back(r(i, j));
  return out;
}

/// Column 0 of a one-column matrix, NaN kept (market returns aligned by row).
template <class Acc>
[[nodiscard]] std::vector<Acc> column_of(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& r) {
  return std::vector<Acc>(r.data(), r.data() + r.rows());
}

/// Annualised mean of a column's observed returns: geometric or arithmetic.
template <class Acc>
[[nodiscard]] Acc annual_mean(std::string_view fn, const std::vector<Acc>& r, bool compounding, double periods,
                              std::string_view what) {
  const auto n = static_cast<std::ptrdiff_t>(r.size());
  if (n < 1)
    throw insufficient_data(
        message(fn, std::string(what) + " has no returns (at least two consecutive prices are needed)"), 1, 0);
  Acc out;
  if (compounding) {
    Acc log_growth = 0;
    for (Acc v : r) log_growth += std::log1p(v);
    out = std::expm1(static_cast<Acc>(periods) / static_cast<Acc>(n) * log_growth);
  } else {
    out = static_cast<Acc>(periods) * centred_moments<Acc>(fn, r, what).mean;
  }
  if (!std::isfinite(out)) throw_overflow(fn, "the annualised return of " + std::string(what));
  return out;
}

/// Market returns: the given column, or the equal-weighted mean of the observed returns.
template <class Acc>
[[nodiscard]] std::vector<Acc> equal_weighted(const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& r) {
  std::vector<Acc> m(static_cast<std::size_t>(r.rows()), std::numeric_limits<Acc>::quiet_NaN());
  for (Eigen::Index i = 0; i < r.rows(); ++i) {
    Acc sum = 0;
    std::ptrdiff_t count = 0;
    for (Eigen::Index j = 0; j < r.cols(); ++j)
      if (!std::isnan(r(i, j))) {
        sum += r(i, j);
        ++count;
      }
    if (count > 0) m[static_cast<std::size_t>(i)] = sum / static_cast<Acc>(count);
  }
  return m;
}

/// rf + beta_i (E[r_m] - rf) for every column of r against the market returns m (same rows).
template <class Real, class Acc>
[[nodiscard]] Eigen::Matrix<Real, Eigen::Dynamic, 1> capm_core(
    std::string_view fn, const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& r, const std::vector<Acc>& m,
    const capm_options& o) {
  std::vector<Acc> m_obs;
  for (Acc v : m)
    if (!std::isnan(v)) m_obs.push_back(v);
  require_observations(fn, 2, static_cast<std::ptrdiff_t>(m_obs.size()), "market returns");
  const moments<Acc> mm = centred_moments<Acc>(fn, m_obs, "market returns");
  if (numerically_zero_variance(mm.sxx, mm.mean, static_cast<Acc>(m_obs.size())))
    throw singular_problem(message(fn, "the market returns have zero variance: beta is undefined"));
  const Acc var_m = mm.sxx / static_cast<Acc>(m_obs.size() - 1);
  const Acc market = annual_mean(fn, m_obs, o.compounding, o.periods_per_year, "the market");
  const Acc rf = static_cast<Acc>(o.risk_free);
  Eigen::Matrix<Real, Eigen::Dynamic, 1> out(r.cols());
  std::vector<Acc> x, y;
  for (Eigen::Index j = 0; j < r.cols(); ++j) {
    x.clear();
    y.clear();
    for (Eigen::Index i = 0; i < r.rows(); ++i)
      if (!std::isnan(r(i, j)) && !std::isnan(m[static_cast<std::size_t>(i)])) {
        y.push_back(r(i, j));
        x.push_back(m[static_cast<std::size_t>(i)]);
      }
    require_observations(fn, 2, static_cast<std::ptrdiff_t>(x.size()),
                         "returns in common with the market in column " + std::to_string(j));
    const pair_moments<Acc> pm = centred_moments<Acc>(fn, y, "returns", x, "market returns");
    const Acc beta = (pm.sxy / static_cast<Acc>(x.size() - 1)) / var_m;
    const Acc mu = rf + beta * (market - rf);
    if (!std::isfinite(mu)) throw_overflow(fn, "the CAPM return of column " + std::to_string(j));
    out(j) = rounded<Real>(fn, "expected return", mu);
  }
  return out;
}

}  // namespace detail

/// Annualised mean historical return of each column of a T x N price panel (NaN = missing).
/// \f[ \mu_j = \Big(\prod_t (1 + r_{tj})\Big)^{p/n_j} - 1 \ \text{(geometric)},\quad
///     \mu_j = p\cdot\bar r_j \ \text{(arithmetic)} \f]
/// over column j's n_j observed returns (see the file comment).
/// \pre prices positive or NaN (returns >= -1 or NaN with returns_data), no infinity;
///      periods_per_year positive and finite (invalid_input).
/// \throws insufficient_data for a column without a return.
/// \returns one estimate per column (float only for a float panel).
/// Ref: Bodie, Kane and Marcus, Investments, ch. 5; PyPortfolioOpt mean_historical_return.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> mean_historical_return(
    const Eigen::MatrixBase<Derived>& prices, const expected_return_options& options = {}) {
  using real = typename Derived::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "mean_historical_return";
  detail::check_periods_per_year(fn, options.periods_per_year);
  const auto r = detail::panel_returns<acc>(fn, prices, options.returns_data, "prices");
  Eigen::Matrix<real, Eigen::Dynamic, 1> out(prices.cols());
  for (Eigen::Index j = 0; j < prices.cols(); ++j)
    out(j) = detail::rounded<real>(fn, "expected return",
                                   detail::annual_mean(fn, detail::observed(r, j), options.compounding,
                                                       options.periods_per_year, "prices column " + std::to_string(j)));
  return out;
}

/// mean_historical_return of one price series (NaN = missing): a scalar.
/// \throws as the panel form.
template <Series S>
[[nodiscard]] detail::value_t<S> mean_historical_return(const S& prices, const expected_return_options& options = {}) {
  using real = detail::value_t<S>;
  const auto first = std::ranges::begin(prices);
  Eigen::Matrix<real, Eigen::Dynamic, 1> column(detail::ssize(prices));
  for (Eigen::Index i = 0; i < column.size(); ++i) column(i) = first[i];
  return mean_historical_return(Eigen::Matrix<real, Eigen::Dynamic, Eigen::Dynamic>(column), options)(0);
}

/// mean_historical_return of every symbol of a price table (NaN = missing), in its column order.
/// \throws as the panel form.
KEEL_DECL [[nodiscard]] Eigen::VectorXd mean_historical_return(const price_table& prices,
                                                               const expected_return_options& options = {});

/// CAPM expected returns of each column of a T x N price panel, the market being the
/// equal-weighted mean of the observed returns on each date.
/// \f[ \mu_i = r_f + \beta_i (E[r_m] - r_f),\quad \beta_i = \mathrm{cov}(r_i, r_m) / \mathrm{var}(r_m) \f]
/// (pairwise sample moments; E[r_m] geometric or arithmetic as options.compounding).
/// \pre as mean_historical_return; risk_free finite (invalid_input).
/// \throws insufficient_data when a column shares fewer than 2 returns with the market;
///         singular_problem for a constant market.
/// \returns one estimate per column.
/// Ref: Sharpe (1964); PyPortfolioOpt capm_return.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, 1> capm_return(
    const Eigen::MatrixBase<Derived>& prices, const capm_options& options = {}) {
  using real = typename Derived::Scalar;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "capm_return";
  detail::check_periods_per_year(fn, options.periods_per_year);
  if (!std::isfinite(options.risk_free)) detail::throw_bad_option(fn, "risk_free", options.risk_free, "finite");
  const auto r = detail::panel_returns<acc>(fn, prices, options.returns_data, "prices");
  return detail::capm_core<real>(fn, r, detail::equal_weighted(r), options);
}

/// CAPM expected returns against a given market: market_prices (a Series, NaN = missing) has
/// one value per row of prices, on the same dates.
/// \pre market_prices.size() == prices.rows() (invalid_input); otherwise as the panel form.
/// \throws as the panel form.
template <class Derived, Series S>
  requires detail::panel<Derived>
[[nodiscard]] Eigen::Matrix<detail::result_t<typename Derived::Scalar, detail::value_t<S>>, Eigen::Dynamic, 1>
capm_return(const Eigen::MatrixBase<Derived>& prices, const S& market_prices, const capm_options& options = {}) {
  using real = detail::result_t<typename Derived::Scalar, detail::value_t<S>>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "capm_return";
  detail::check_periods_per_year(fn, options.periods_per_year);
  if (!std::isfinite(options.risk_free)) detail::throw_bad_option(fn, "risk_free", options.risk_free, "finite");
  detail::require_same_size(fn, "market_prices", detail::ssize(market_prices), "prices (rows)", prices.rows());
  const auto r = detail::panel_returns<acc>(fn, prices, options.returns_data, "prices");
  Eigen::Matrix<acc, Eigen::Dynamic, Eigen::Dynamic> market(prices.rows(), 1);
  const auto first = std::ranges::begin(market_prices);
  for (Eigen::Index i = 0; i < prices.rows(); ++i) market(i, 0) = static_cast<acc>(first[i]);
  const auto rm = detail::panel_returns<acc>(fn, market, options.returns_data, "market_prices");
  return detail::capm_core<real>(fn, r, detail::column_of(rm), options);
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/expected_returns-inl.hpp>
#endif
