// SPDX-License-Identifier: MIT
// keel/detail/online-inl.hpp: the definitions of keel/online.hpp's streaming_beta::result and
// what_if_book. Included by
// online.hpp in header-only mode and by src/online.cpp in the compiled library.
// IWYU pragma: private, include <keel/online.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/online.hpp>

namespace keel {

KEEL_DEF beta_fit<double> streaming_beta::result() const {
  constexpr std::string_view fn = "streaming_beta";
  detail::check_beta_options(fn, s_.options.fit, s_.count);
  const detail::pair_moments<double> m = detail::centred_from(s_.sums, s_.count, s_.shift_market, s_.shift_asset);
  return detail::beta_from_moments<double>(fn, m, s_.count, s_.options.fit, {},
                                           [&](double beta) { return rss(m, beta); });
}

KEEL_DEF what_if_result what_if_book::current() const { return what_if(std::span<const trade>{}); }

KEEL_DEF what_if_result what_if_book::what_if(const trade& t) const { return what_if(std::span<const trade>(&t, 1)); }

KEEL_DEF what_if_result what_if_book::what_if(std::span<const trade> trades) const {
  resolve("what_if_book::what_if", trades);
  const scratch_guard guard{*this};
  return evaluate("what_if_book::what_if");
}

KEEL_DEF what_if_result what_if_book::apply(const trade& t) { return apply(std::span<const trade>(&t, 1)); }

KEEL_DEF what_if_result what_if_book::apply(std::span<const trade> trades) {
  resolve("what_if_book::apply", trades);
  const scratch_guard guard{*this};
  const what_if_result r = evaluate("what_if_book::apply");
  commit(r.net_value);
  return r;
}

// What-if book internals. The stored state is, for the held values v (currency):
//   sv_ = S v and rv_ = R v in double-double (updated by dv S[:,k], dv R[:,k] per committed
//   change, so thousands of trades add no visible rounding), rowsums_ = C 1_H and pair_sum_ =
//   1_H' C 1_H over the held set H (updated by a column of C when an asset enters or leaves H).
// A what-if pass then needs only S[:,k] (and R[:,k], C(k, k') for the trades' assets): the new
// S v' = S v + sum_k dv_k S[:,k] is formed element by element, never stored, and dotted with v'
// in Dot2; everything else of the result falls out of the same single pass over the assets.

KEEL_DEF void what_if_book::check_options(std::string_view fn, std::ptrdiff_t n) {
  const what_if_options& o = options_;
  detail::check_parametric(fn, {.confidence = o.confidence, .horizon = o.horizon, .distribution = o.distribution});
  detail::check_periods_per_year(fn, o.periods_per_year);
  if (!o.symbols.empty()) detail::require_same_size(fn, "symbols", detail::ssize(o.symbols), "positions", n);
  if (!o.sectors.empty()) detail::require_same_size(fn, "sectors", detail::ssize(o.sectors), "positions", n);
  if (o.means.size() > 0) {
    detail::require_same_size(fn, "means", o.means.size(), "positions", n);
    detail::require_finite(fn, "means", o.means);
  }
  if (o.returns.size() > 0) {
    detail::require_same_size(fn, "returns columns", o.returns.cols(), "positions", n);
    detail::require_finite_cells(fn, "returns", o.returns);
  }
  if (o.correlation.size() > 0) {
    detail::require_square(fn, "correlation", o.correlation.rows(), o.correlation.cols());
    detail::require_same_size(fn, "correlation rows", o.correlation.rows(), "positions", n);
    detail::require_finite_cells(fn, "correlation", o.correlation);
    detail::require_symmetric(fn, "correlation", o.correlation);
    correlation_given_ = true;
  }
  factors_ = detail::distribution_factors(fn, o.confidence, o.distribution);
  factors_99_ = detail::distribution_factors(fn, 0.99, normal{});
}

KEEL_DEF void what_if_book::init(std::string_view fn) {
  const std::ptrdiff_t n = v_.size(), t_count = options_.returns.rows();
  auto exact = [](const detail::dot2& d) { return detail::two_sum(d.s, d.c); };
  inv_sd_.resize(n);
  for (std::ptrdiff_t i = 0; i < n; ++i) inv_sd_(i) = cov_(i, i) > 0 ? 1 / std::sqrt(cov_(i, i)) : 0.0;
  sv_.assign(detail::uz(n), {});
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    detail::dot2 d;
    for (std::ptrdiff_t j = 0; j < n; ++j) d.add(cov_(i, j), v_(j));
    sv_[detail::uz(i)] = exact(d);
  }
  rv_.assign(detail::uz(t_count), {});
  for (std::ptrdiff_t t = 0; t < t_count; ++t) {
    detail::dot2 d;
    for (std::ptrdiff_t j = 0; j < n; ++j) d.add(options_.returns(t, j), v_(j));
    rv_[detail::uz(t)] = exact(d);
  }
  rowsums_.assign(detail::uz(n), {});
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    detail::dot2 d;
    for (std::ptrdiff_t j = 0; j < n; ++j)
      if (v_(j) != 0) d.add(corr(i, j));
    rowsums_[detail::uz(i)] = exact(d);
  }
  for (std::ptrdiff_t i = 0; i < n; ++i)
    if (v_(i) != 0) {
      pair_sum_ = pair_sum_ + rowsums_[detail::uz(i)];
      diag_sum_ += corr(i, i);
      ++held_;
    }
  sector_of_.assign(options_.sectors.empty() ? 0 : detail::uz(n), -1);
  std::vector<std::pair<std::string, std::ptrdiff_t>> names;
  for (std::ptrdiff_t i = 0; i < detail::ssize(options_.sectors); ++i)
    if (!options_.sectors[detail::uz(i)].empty()) names.emplace_back(options_.sectors[detail::uz(i)], i);
  std::sort(names.begin(), names.end());
  for (std::size_t a = 0; a < names.size(); ++a) {
    if (a > 0 && names[a].first != names[a - 1].first) ++n_sectors_;
    sector_of_[detail::uz(names[a].second)] = n_sectors_;
  }
  if (!names.empty()) ++n_sectors_;
  for (std::ptrdiff_t i = 0; i < detail::ssize(options_.symbols); ++i)
    by_symbol_.emplace_back(options_.symbols[detail::uz(i)], i);
  std::sort(by_symbol_.begin(), by_symbol_.end());
  for (std::size_t a = 1; a < by_symbol_.size(); ++a)
    if (by_symbol_[a].first == by_symbol_[a - 1].first)
      throw invalid_input(detail::message(
          fn, "symbols[" + std::to_string(by_symbol_[a].second) + "] = '" + by_symbol_[a].first + "' appears twice"));
  dv_.setZero(n);
  if (prices_.size() > 0) dq_.setZero(n);
  sector_sums_.assign(detail::uz(n_sectors_), 0.0);
  ks_.reserve(8);
}

KEEL_DEF void what_if_book::resolve(std::string_view fn, std::span<const trade> trades) const {
  const std::ptrdiff_t n = v_.size();
  const bool by_quantity = prices_.size() > 0;
  try {
    for (std::size_t a = 0; a < trades.size(); ++a) {
      const trade& t = trades[a];
      const std::string where = detail::element_text("trades", static_cast<std::ptrdiff_t>(a));
      std::ptrdiff_t k = t.asset;
      if (k < -1) throw_at(fn, where + ".asset = " + std::to_string(k), "-1 (by symbol) or an index");
      if (k < 0) {
        const auto it = std::lower_bound(by_symbol_.begin(), by_symbol_.end(), t.symbol,
                                         [](const auto& e, const std::string& s) { return e.first < s; });
        if (it == by_symbol_.end() || it->first != t.symbol) detail::throw_unknown_symbol(fn, where, t.symbol);
        k = it->second;
      }
      if (k >= n) throw_at(fn, where + ".asset = " + std::to_string(k), "below the book's size " + std::to_string(n));
      if (!std::isfinite(t.change)) detail::throw_non_finite_at(fn, where + ".change", t.change);
      if (std::find(ks_.begin(), ks_.end(), k) == ks_.end()) ks_.push_back(k);
      (by_quantity ? dq_(k) : dv_(k)) += t.change;
    }
    for (const std::ptrdiff_t k : ks_) {
      const double value = by_quantity ? (quantities_(k) + dq_(k)) * prices_(k) : v_(k) + dv_(k);
      if (!std::isfinite(value))
        detail::throw_overflow(fn, "the value of asset " + std::to_string(k) + " after the trades");
      dv_(k) = value - v_(k);
    }
  } catch (...) {
    clear_scratch();
    throw;
  }
}

KEEL_DEF what_if_result what_if_book::evaluate(std::string_view fn) const {
  const std::ptrdiff_t n = v_.size();
  const bool means = options_.means.size() > 0, sectors = n_sectors_ > 0;
  detail::dot2 var, beta, mean, net;
  double gross = 0, largest = 0;
  std::ptrdiff_t held = 0;
  std::fill(sector_sums_.begin(), sector_sums_.end(), 0.0);
  net.add(options_.cash);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double vi = v_(i) + dv_(i);
    double ui = sv_[detail::uz(i)].value();
    for (const std::ptrdiff_t k : ks_) ui += dv_(k) * cov_(i, k);
    var.add(vi, ui);
    beta.add(vi, beta_(i));
    if (means) mean.add(vi, options_.means(i));
    net.add(vi);
    gross += std::fabs(vi);
    largest = std::max(largest, std::fabs(vi));
    if (sectors && sector_of_[detail::uz(i)] >= 0) sector_sums_[detail::uz(sector_of_[detail::uz(i)])] += vi;
    held += vi != 0 ? 1 : 0;
  }
  const double value = prices_.size() == 0 || options_.cash_funded ? net_ : net.value();
  if (!(value > 0)) detail::throw_not_positive_value(fn, "after the trades", value);
  const double variance = var.value();
  if (variance < 0) {
    if (variance < -64 * std::numeric_limits<double>::epsilon() * gross * gross * cov_.diagonal().maxCoeff())
      detail::throw_negative_variance(fn, variance);
  }
  what_if_result r;
  r.net_value = value;
  r.gross_value = gross;
  const double sigma = std::sqrt(std::max(0.0, variance)) / value, mu = mean.value() / value;
  r.beta = beta.value() / value;
  r.limits.beta = std::fabs(r.beta);
  r.volatility = sigma * std::sqrt(options_.periods_per_year);
  r.var = detail::parametric_loss(mu, sigma, factors_.var, options_.horizon, true, 1);
  r.cvar = detail::parametric_loss(mu, sigma, factors_.cvar, options_.horizon, true, 1);
  r.limits.var_99_1d = detail::parametric_loss(mu, sigma, factors_99_.var, 1, true, 1);
  r.limits.max_position_weight = largest / value;
  r.limits.gross_leverage = gross / value;
  for (const double s : sector_sums_)
    r.limits.max_sector_weight = std::max(r.limits.max_sector_weight, std::fabs(s) / value);
  r.limits.max_drawdown = drawdown(value);
  r.positions = held;
  r.limits.avg_pairwise_correlation = average_correlation(held);
  if (!std::isfinite(r.volatility) || !std::isfinite(r.cvar) || !std::isfinite(r.beta) ||
      !std::isfinite(r.limits.gross_leverage))
    detail::throw_overflow(fn, "the risk of the book after the trades");
  return r;
}

KEEL_DEF double what_if_book::drawdown(double value) const {
  double u = 0, depth = 0;  // wealth relative to its running peak, minus 1 (detail/drawdown.hpp)
  for (std::ptrdiff_t t = 0; t < options_.returns.rows(); ++t) {
    double rt = rv_[detail::uz(t)].value();
    for (const std::ptrdiff_t k : ks_) rt += dv_(k) * options_.returns(t, k);
    rt /= value;
    u = u + rt * (1 + u);
    if (u <= -1) return 1;  // a return below -100% (leverage) wipes the wealth out
    if (u >= 0) u = 0;
    depth = std::max(depth, -u);
  }
  return depth;
}

KEEL_DEF double what_if_book::average_correlation(std::ptrdiff_t held_after) const {
  if (held_after < 2) return 0;
  detail::dd pairs = pair_sum_;
  double diag = diag_sum_;
  auto flip = [&](std::ptrdiff_t k) { return (v_(k) != 0) != (v_(k) + dv_(k) != 0) ? (v_(k) != 0 ? -1.0 : 1.0) : 0.0; };
  for (std::size_t a = 0; a < ks_.size(); ++a) {  // enter or leave H one asset at a time
    const std::ptrdiff_t k = ks_[a];
    const double s = flip(k);
    if (s == 0) continue;
    detail::dd row = rowsums_[detail::uz(k)];  // sum of C(k, j) over the current H
    for (std::size_t b = 0; b < a; ++b)
      if (const double sb = flip(ks_[b]); sb != 0) row = row + detail::two_product(sb, corr(k, ks_[b]));
    pairs = pairs + row * (2 * s) + detail::dd{corr(k, k), 0};
    diag += s * corr(k, k);
  }
  const double h = static_cast<double>(held_after);
  return ((pairs - detail::dd{diag, 0}) / (h * (h - 1))).value();
}

KEEL_DEF void what_if_book::commit(double net_after) {
  const std::ptrdiff_t n = v_.size();
  for (const std::ptrdiff_t k : ks_) {
    const double d = dv_(k);
    for (std::ptrdiff_t i = 0; i < n; ++i) sv_[detail::uz(i)] = sv_[detail::uz(i)] + detail::two_product(d, cov_(i, k));
    for (std::ptrdiff_t t = 0; t < options_.returns.rows(); ++t)
      rv_[detail::uz(t)] = rv_[detail::uz(t)] + detail::two_product(d, options_.returns(t, k));
    const bool before = v_(k) != 0, after = v_(k) + d != 0;
    if (before != after) {  // k enters (s = 1) or leaves (s = -1) the held set
      const double s = after ? 1.0 : -1.0;
      pair_sum_ = pair_sum_ + rowsums_[detail::uz(k)] * (2 * s) + detail::dd{corr(k, k), 0};
      diag_sum_ += s * corr(k, k);
      held_ += after ? 1 : -1;
      for (std::ptrdiff_t i = 0; i < n; ++i)
        rowsums_[detail::uz(i)] = rowsums_[detail::uz(i)] + detail::two_product(s, corr(i, k));
    }
    if (prices_.size() > 0) {
      if (options_.cash_funded) options_.cash -= d;
      quantities_(k) += dq_(k);
      v_(k) = quantities_(k) * prices_(k);
    } else {
      v_(k) += d;
    }
  }
  net_ = net_after;
}

}  // namespace keel
