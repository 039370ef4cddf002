// SPDX-License-Identifier: MIT
// libFuzzer target for keel/construction.hpp's maximum diversification, minimum tracking
// error and Black-Litterman sections: max_diversification, min_tracking_error,
// market_implied_risk_aversion, market_implied_returns and black_litterman.
//
// The first byte picks N (1..6) and the constraint shape (bounds, budget rule, a group limit,
// a linear constraint); the second how the rest become numbers: raw doubles (NaN, infinities,
// 1e308 reach every check) or small integers scaled to returns and covariances (a covariance
// B B' + D, so that the solvers run on most inputs, sometimes singular), and the views' shape
// (K = 0..3, Omega by default, from confidences or given). Every call must throw a keel::error
// or return a result that keeps its contract: finite weights that satisfy the constraints to
// 1e-7, a finite non-negative volatility and tracking error, a diversification ratio that is
// not NaN, a finite risk aversion and implied returns, a finite posterior (mean, covariance
// symmetric) and weights summing to 1; a std::vector gives the Eigen vector's result exactly,
// or the same error. Anything else traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/construction.hpp>

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

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

/// The same result (bit for bit) or a keel::error from both.
template <class R, class F, class G, class Same>
void same_result(F&& from_std, G&& from_eigen, Same&& same) {
  std::optional<R> a, b;
  try {
    a = from_std();
  } catch (const keel::error&) {
  }
  try {
    b = from_eigen();
  } catch (const keel::error&) {
  }
  require(a.has_value() == b.has_value());
  if (a) require(same(*a, *b));
}

bool same_matrix(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    if (!(a.data()[i] == b.data()[i] || (std::isnan(a.data()[i]) && std::isnan(b.data()[i])))) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int n = 1 + data[0] % 6;
  const int shape = data[0] / 6;
  reader in{data + 2, size - 2, 0, data[1] % 4 == 0};
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
  Eigen::VectorXd mu(n), bench(n);
  for (int i = 0; i < n; ++i) mu(i) = in.next();
  for (int i = 0; i < n; ++i) bench(i) = in.next() + 1.0 / n;
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
  const std::vector<double> mu_std(mu.begin(), mu.end()), bench_std(bench.begin(), bench.end());
  const double rf = in.next() * 0.1;

  guarded([&] {
    const auto p = keel::max_diversification(cov, pc, {.expected_returns = mu_std, .risk_free = rf});
    check_weights(p.weights, pc);
    require(std::isfinite(p.volatility) && p.volatility > 0 && std::isfinite(p.expected_return));
    require(!std::isnan(p.diversification_ratio) && p.diversification_ratio >= 0 && !std::isnan(p.sharpe));
  });
  guarded([&] {
    const auto p = keel::min_tracking_error(cov, bench, pc);
    check_weights(p.weights, pc);
    require(std::isfinite(p.volatility) && p.volatility >= 0);
    require(std::isfinite(p.tracking_error) && p.tracking_error >= 0);
  });
  same_result<Eigen::VectorXd>([&] { return keel::min_tracking_error(cov, bench_std, pc).weights; },
                               [&] { return keel::min_tracking_error(cov, bench, pc).weights; }, same_matrix);

  // Prices: positive (or raw) numbers from the same bytes.
  Eigen::VectorXd prices(n + 2);
  for (int i = 0; i < n + 2; ++i) prices(i) = in.raw ? in.next() : 1 + std::fabs(in.next());
  guarded([&] {
    const double d = keel::market_implied_risk_aversion(prices, {.risk_free = rf});
    require(std::isfinite(d));
  });
  guarded([&] {
    const double d = keel::market_implied_risk_aversion(mu, {.risk_free = rf, .returns_data = true});
    require(std::isfinite(d));
  });
  const double delta = 0.5 + std::fabs(in.next()) * 4;
  guarded([&] {
    const Eigen::VectorXd pi = keel::market_implied_returns(cov, bench, delta, {.risk_free = rf});
    require(pi.allFinite() && pi.size() == n);
  });

  // Views: K = 0..3 rows from the bytes; Omega default, from confidences, or given.
  const int k = data[1] / 16 % 4;
  keel::bl_views views;
  views.P.resize(k, n);
  views.Q.resize(k);
  for (int r = 0; r < k; ++r) {
    for (int j = 0; j < n; ++j) views.P(r, j) = in.raw ? in.next() : std::round(in.next() * 4);
    views.Q(r) = in.next();
  }
  keel::bl_options options{.tau = in.raw ? in.next() : 0.05 + std::fabs(in.next()), .risk_free = rf};
  const int omega_kind = data[1] / 64;
  if (omega_kind == 1)
    for (int r = 0; r < k; ++r) options.confidences.push_back(in.raw ? in.next() : std::fabs(in.next()) * 2);
  if (omega_kind == 2) {
    Eigen::MatrixXd a(k, k);
    for (int i = 0; i < a.size(); ++i) a.data()[i] = in.next();
    options.omega = in.raw ? a : Eigen::MatrixXd(a * a.transpose());
  }
  guarded([&] {
    const auto r = keel::black_litterman(mu, cov, views, options);
    require(r.posterior_returns.size() == n && r.posterior_returns.allFinite());
    require(r.posterior_covariance.allFinite() && r.posterior_covariance == r.posterior_covariance.transpose());
    require(r.weights.allFinite() && std::fabs(r.weights.sum() - 1) <= 1e-8 * (1 + r.weights.cwiseAbs().sum()));
    require(r.omega.rows() == k && !r.omega.hasNaN());
  });
  same_result<Eigen::VectorXd>([&] { return keel::black_litterman(mu_std, cov, views, options).posterior_returns; },
                               [&] { return keel::black_litterman(mu, cov, views, options).posterior_returns; },
                               same_matrix);
  return 0;
}
