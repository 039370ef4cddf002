// SPDX-License-Identifier: MIT
// libFuzzer target for keel/markowitz.hpp, keel/frontier.hpp and keel/expected_returns.hpp:
// efficient_frontier, min_variance, max_sharpe, efficient_return, efficient_risk,
// max_quadratic_utility, kelly_weights, portfolio_performance, the two-asset forms,
// mean_historical_return and capm_return.
//
// The first byte picks N (1..6) and the constraint shape (bounds, budget rule, a group limit,
// a linear constraint); the second how the rest become numbers: raw doubles (NaN, infinities,
// 1e308 reach every check) or small integers scaled to returns and covariances (a covariance
// B B' + D, so that the solver itself runs on most inputs, sometimes singular). Every call
// must throw a keel::error or return a result that keeps its contract: finite weights that
// satisfy the constraints to 1e-7, volatility >= 0 and finite, a Sharpe ratio that is not
// NaN, frontier returns and volatilities non-decreasing (volatility to the rounding of
// w'Sigma w, sqrt(1e-10 |w|'|Sigma||w|)). mu and weights given as a std::vector or std::span
// give the Eigen vector's result exactly, or the same error. Anything else traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/expected_returns.hpp>
#include <keel/frontier.hpp>
#include <keel/markowitz.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

struct reader {
  const std::uint8_t* data;
  std::size_t size, at = 0;
  bool raw = false;
  double next() {
    if (raw) {
      double v = 0;
      if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
      at += sizeof v;
      return v;
    }
    const int b = at < size ? static_cast<int>(data[at]) : 7;
    ++at;
    return (b - 128) / 256.0;
  }
};

/// Weights keep the constraints (to 1e-7) and are finite.
void check_weights(const Eigen::VectorXd& w, const keel::portfolio_constraints& pc) {
  const auto n = w.size();
  require(w.allFinite());
  const double tol = 1e-7 * (1 + w.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < n; ++i) {
    const double lo = pc.bounds.lower.size() == 1 ? pc.bounds.lower(0) : pc.bounds.lower(i);
    const double hi = pc.bounds.upper.size() == 1 ? pc.bounds.upper(0) : pc.bounds.upper(i);
    require(w(i) >= lo - tol && w(i) <= hi + tol);
  }
  if (pc.budget == keel::budget_rule::fully_invested) require(std::fabs(w.sum() - 1) <= tol * static_cast<double>(n));
  if (pc.budget == keel::budget_rule::market_neutral) require(std::fabs(w.sum()) <= tol * static_cast<double>(n));
  for (const auto& g : pc.group_limits) {
    double s = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (pc.groups[static_cast<std::size_t>(i)] == g.group) s += w(i);
    require(s >= g.lower - tol * static_cast<double>(n) && s <= g.upper + tol * static_cast<double>(n));
  }
  for (const auto& l : pc.linear) {
    const double v = l.coefficients.dot(w), t = tol * (1 + l.coefficients.cwiseAbs().sum());
    if (l.relation != keel::constraint_relation::greater_equal) require(v <= l.bound + t);
    if (l.relation != keel::constraint_relation::less_equal) require(v >= l.bound - t);
  }
}

void check_portfolio(const keel::portfolio<double>& p, const keel::portfolio_constraints& pc) {
  check_weights(p.weights, pc);
  require(std::isfinite(p.expected_return) && std::isfinite(p.volatility) && p.volatility >= 0);
  require(!std::isnan(p.sharpe));
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

bool same_number(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

/// The same portfolio (bit for bit), or a keel::error from both.
template <class F, class G>
void same_result(F&& from_std, G&& from_eigen) {
  std::optional<keel::portfolio<double>> a, b;
  try {
    a = from_std();
  } catch (const keel::error&) {
  }
  try {
    b = from_eigen();
  } catch (const keel::error&) {
  }
  require(a.has_value() == b.has_value());
  if (!a) return;
  require(a->weights.size() == b->weights.size());
  for (Eigen::Index i = 0; i < a->weights.size(); ++i) require(same_number(a->weights(i), b->weights(i)));
  require(same_number(a->expected_return, b->expected_return) && same_number(a->volatility, b->volatility) &&
          same_number(a->sharpe, b->sharpe));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int n = 1 + data[0] % 6;
  const int shape = data[0] / 6;
  reader in{data + 2, size - 2, 0, data[1] % 4 == 0};
  Eigen::VectorXd mu(n);
  for (int i = 0; i < n; ++i) mu(i) = in.next();
  Eigen::MatrixXd cov(n, n);
  if (in.raw) {
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) cov(i, j) = in.next();
  } else {
    const int k = 1 + data[1] % 3;
    Eigen::MatrixXd b(n, k);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < k; ++j) b(i, j) = in.next();
    cov = b * b.transpose();
    for (int i = 0; i < n; ++i) cov(i, i) += data[1] % 8 < 4 ? 0.0 : std::fabs(in.next()) * 0.1;
  }
  keel::portfolio_constraints pc;
  switch (shape % 4) {
    case 0:
      pc.bounds = keel::weight_bounds::long_only();
      break;
    case 1:
      pc.bounds = keel::weight_bounds(-0.5 + in.next(), 0.6 + in.next());
      break;
    case 2:
      pc.bounds = keel::weight_bounds::unbounded();
      break;
    default:
      pc.bounds = keel::weight_bounds(0.0, 0.3);
      break;
  }
  if (shape / 4 % 3 == 1) pc.budget = keel::budget_rule::market_neutral;
  if (shape / 4 % 3 == 2) pc.budget = keel::budget_rule::none;
  if (shape / 12 % 2 == 1 && n >= 2) {
    for (int i = 0; i < n; ++i) pc.groups.push_back(i % 2 == 0 ? "A" : "B");
    pc.group_limits.push_back({"A", in.next(), 0.5 + in.next()});
  }
  if (shape / 24 % 2 == 1) {
    keel::linear_constraint lc;
    lc.coefficients.resize(n);
    for (int i = 0; i < n; ++i) lc.coefficients(i) = 1 + in.next();
    lc.relation = static_cast<keel::constraint_relation>(data[1] / 4 % 3);
    lc.bound = 1 + in.next();
    pc.linear.push_back(lc);
  }
  const double rf = in.next() * 0.1, target = in.next();

  guarded([&] {
    const auto f = keel::efficient_frontier(mu, cov, {.points = 5, .bounds = pc, .risk_free = rf});
    require(!f.corners.empty() && !f.points.empty());
    for (std::size_t k = 0; k < f.corners.size(); ++k) {
      check_portfolio(f.corners[k], pc);
      if (k > 0) {
        const double tol = 1e-7 * (1 + std::fabs(f.corners[k].expected_return));
        require(f.corners[k].expected_return >= f.corners[k - 1].expected_return - tol);
        // Volatility is non-decreasing up to the rounding of w'Sigma w, whose terms are of size
        // |w|'|Sigma||w| (large weights on a singular covariance cancel to a tiny variance), and
        // up to the rounding of the weights themselves: a weight of 1 ulp, not 0, on an asset of
        // variance 1e119 is a volatility of 1e43 (mu and Sigma spanning 1e-125 to 1e119).
        const Eigen::VectorXd aw = f.corners[k - 1].weights.cwiseAbs();
        const double terms = aw.dot(cov.cwiseAbs() * aw);
        const double weight_rounding = 4 * std::numeric_limits<double>::epsilon() *
                                       (1 + std::max(aw.sum(), f.corners[k].weights.cwiseAbs().sum())) *
                                       std::sqrt(cov.cwiseAbs().sum());
        require(f.corners[k].volatility >= f.corners[k - 1].volatility - 1e-7 * (1 + f.corners[k].volatility) -
                                               std::sqrt(1e-10 * terms) - weight_rounding);
      }
    }
    for (const auto& p : f.points) check_portfolio(p, pc);
    if (f.max_sharpe) check_portfolio(*f.max_sharpe, pc);
  });
  guarded([&] { check_portfolio(keel::min_variance(cov, pc), pc); });
  guarded([&] { check_portfolio(keel::max_sharpe(mu, cov, pc, {.risk_free = rf}), pc); });
  guarded([&] { check_portfolio(keel::efficient_return(mu, cov, target, pc), pc); });
  guarded([&] { check_portfolio(keel::efficient_risk(mu, cov, std::fabs(target), pc), pc); });
  guarded([&] { check_portfolio(keel::max_quadratic_utility(mu, cov, 0.5 + std::fabs(target), pc), pc); });
  guarded([&] {
    const auto k = keel::kelly_weights(mu, cov, {.fraction = 0.5, .bounds = pc, .risk_free = rf});
    check_portfolio(k, pc);
  });
  guarded([&] {
    const auto p = keel::portfolio_performance(mu, mu, cov, {.risk_free = rf});
    require(std::isfinite(p.volatility) && !std::isnan(p.sharpe));
  });
  const std::vector<double> mu_std(mu.begin(), mu.end());
  const std::span<const double> mu_span(mu_std);
  same_result([&] { return keel::max_sharpe(mu_std, cov, pc, {.risk_free = rf}); },
              [&] { return keel::max_sharpe(mu, cov, pc, {.risk_free = rf}); });
  same_result([&] { return keel::efficient_return(mu_span, cov, target, pc); },
              [&] { return keel::efficient_return(mu, cov, target, pc); });
  same_result([&] { return keel::kelly_weights(mu_span, cov, {.fraction = 0.5, .bounds = pc, .risk_free = rf}); },
              [&] { return keel::kelly_weights(mu, cov, {.fraction = 0.5, .bounds = pc, .risk_free = rf}); });
  same_result([&] { return keel::portfolio_performance(mu_std, mu_span, cov, {.risk_free = rf}); },
              [&] { return keel::portfolio_performance(mu, mu, cov, {.risk_free = rf}); });
  guarded([&] {
    const auto p = keel::two_asset_tangency(mu(0), target, std::fabs(rf) + 0.01, 0.2, 0.3);
    require(p.weights.allFinite() && std::isfinite(p.sharpe));
  });
  guarded([&] {
    const auto p = keel::two_asset_min_variance(std::fabs(mu(0)), std::fabs(target), 0.5);
    require(p.weights.allFinite() && std::isfinite(p.volatility));
  });
  // Expected returns over the same numbers read as a price panel (positive or NaN) and as returns.
  Eigen::MatrixXd prices = cov.array().abs() + 0.5;
  if (in.raw) prices = cov;
  guarded([&] { require(keel::mean_historical_return(prices).array().isFinite().all()); });
  guarded([&] { require(keel::mean_historical_return(prices, {.compounding = false}).array().isFinite().all()); });
  guarded([&] { require(keel::capm_return(prices, {.risk_free = rf}).array().isFinite().all()); });
  guarded([&] { require(keel::mean_historical_return(prices, {.returns_data = true}).array().isFinite().all()); });
  return 0;
}
