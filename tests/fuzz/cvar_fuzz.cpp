// SPDX-License-Identifier: MIT
// libFuzzer target for keel/construction.hpp's CVaR and CDaR optimisation: min_cvar,
// efficient_cvar_return, efficient_cvar_risk, min_cdar, efficient_cdar_return and
// efficient_cdar_risk (and so detail/lp.hpp's simplex method and detail/cdar.hpp's crash basis).
//
// The first byte picks N (1..5) and the constraint shape (bounds, budget rule, a group limit,
// a linear constraint); the second T (1..40) and how the rest become numbers: raw doubles
// (NaN, infinities, 1e308 reach every check) or small integers scaled to returns (so that the
// solver itself runs on most inputs, with many ties and degenerate vertices). Every call must
// throw a keel::error or return finite weights that keep the constraints (to 1e-7), a CVaR
// equal to the exact discrete CVaR of the weights' scenario returns recomputed here, a VaR no
// larger than it, and for the efficient forms the target (return at least the target, CVaR at
// most the target); the same for CDaR, recomputed from the weights' uncompounded drawdowns.
// Anything else traps.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
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
    return (b - 128) / 1024.0;
  }
};

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

/// The exact discrete CVaR of the portfolio returns: the floor(pT) largest losses and the
/// fraction of the next, over pT.
double cvar_of(const Eigen::VectorXd& rp, double confidence) {
  std::vector<double> loss(static_cast<std::size_t>(rp.size()));
  for (Eigen::Index i = 0; i < rp.size(); ++i) loss[static_cast<std::size_t>(i)] = -rp(i);
  std::sort(loss.begin(), loss.end(), std::greater<>());
  const double tail = (1 - confidence) * static_cast<double>(loss.size());
  const auto k = static_cast<std::size_t>(std::floor(tail));
  double sum = 0;
  for (std::size_t i = 0; i < k; ++i) sum += loss[i];
  if (k < loss.size()) sum += (tail - static_cast<double>(k)) * loss[k];
  return sum / tail;
}

/// The CDaR of the portfolio returns: the same tail mean over the drawdowns of the cumulative
/// sum from its running peak (which starts at 0).
double cdar_of(const Eigen::VectorXd& rp, double confidence) {
  Eigen::VectorXd d(rp.size());
  double c = 0, peak = 0;
  for (Eigen::Index i = 0; i < rp.size(); ++i) {
    c += rp(i);
    peak = std::max(peak, c);
    d(i) = c - peak;  // cvar_of negates: the drawdowns are its "losses"
  }
  return cvar_of(d, confidence);
}

void check_weights(const keel::portfolio<double>& res, const Eigen::MatrixXd& r,
                   const keel::portfolio_constraints& pc) {
  const Eigen::VectorXd& w = res.weights;
  require(w.size() == r.cols() && w.allFinite());
  const double tol = 1e-7 * (1 + w.cwiseAbs().maxCoeff());
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const double lo = pc.bounds.lower.size() == 1 ? pc.bounds.lower(0) : pc.bounds.lower(i);
    const double hi = pc.bounds.upper.size() == 1 ? pc.bounds.upper(0) : pc.bounds.upper(i);
    require(w(i) >= lo - tol && w(i) <= hi + tol);
  }
  const auto n = static_cast<double>(w.size());
  if (pc.budget == keel::budget_rule::fully_invested) require(std::fabs(w.sum() - 1) <= tol * n);
  if (pc.budget == keel::budget_rule::market_neutral) require(std::fabs(w.sum()) <= tol * n);
  for (const auto& l : pc.linear) {
    const double v = l.coefficients.dot(w), t = tol * (1 + l.coefficients.cwiseAbs().sum());
    if (l.relation != keel::constraint_relation::greater_equal) require(v <= l.bound + t);
    if (l.relation != keel::constraint_relation::less_equal) require(v >= l.bound - t);
  }
  require(std::isfinite(res.volatility) && res.volatility >= 0);
}

void check(const keel::cvar_result<double>& res, const Eigen::MatrixXd& r, const keel::portfolio_constraints& pc,
           double confidence) {
  check_weights(res.portfolio, r, pc);
  const Eigen::VectorXd rp = r * res.portfolio.weights;
  const double want = cvar_of(rp, confidence);
  const double scale = 1e-9 * (1 + rp.cwiseAbs().maxCoeff());
  require(std::isfinite(res.cvar) && std::fabs(res.cvar - want) <= scale);
  require(std::isfinite(res.var) && res.var <= res.cvar + scale);
}

void check(const keel::cdar_result<double>& res, const Eigen::MatrixXd& r, const keel::portfolio_constraints& pc,
           double confidence) {
  check_weights(res.portfolio, r, pc);
  const Eigen::VectorXd rp = r * res.portfolio.weights;
  const double want = cdar_of(rp, confidence);
  const double scale = 1e-9 * (1 + rp.cwiseAbs().sum());
  require(std::isfinite(res.cdar) && std::fabs(res.cdar - want) <= scale && res.cdar >= 0);
  require(std::isfinite(res.dar) && res.dar >= 0 && res.dar <= res.cdar + scale);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int n = 1 + data[0] % 5;
  const int shape = data[0] / 5;
  const int t = 1 + data[1] % 40;
  reader in{data + 2, size - 2, 0, data[1] / 40 == 0};
  Eigen::MatrixXd r(t, n);
  for (int i = 0; i < t; ++i)
    for (int j = 0; j < n; ++j) r(i, j) = in.next();
  Eigen::VectorXd mu(n);
  for (int j = 0; j < n; ++j) mu(j) = in.next();
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
      pc.bounds = keel::weight_bounds(-1.0, 1.0);
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
  const double confidence = 0.5 + in.next(), target = in.next();
  const keel::cvar_options o{.confidence = confidence, .constraints = pc};
  guarded([&] { check(keel::min_cvar(r, o), r, pc, confidence); });
  guarded([&] {
    const auto res = keel::efficient_cvar_return(mu, r, target, o);
    check(res, r, pc, confidence);
    require(mu.dot(res.portfolio.weights) >= target - 1e-7 * (1 + std::fabs(target)));
  });
  guarded([&] {
    const auto res = keel::efficient_cvar_risk(mu, r, target / 10, o);
    check(res, r, pc, confidence);
    require(res.cvar <= target / 10 + 1e-7 * (1 + std::fabs(target)));
  });
  // CDaR: the LP has 2T rows, so a smaller T keeps each input fast.
  const Eigen::MatrixXd rd = r.topRows(std::min(t, 24));
  const keel::cdar_options od{.confidence = confidence, .constraints = pc};
  guarded([&] { check(keel::min_cdar(rd, od), rd, pc, confidence); });
  guarded([&] {
    const auto res = keel::efficient_cdar_return(mu, rd, target, od);
    check(res, rd, pc, confidence);
    require(mu.dot(res.portfolio.weights) >= target - 1e-7 * (1 + std::fabs(target)));
  });
  guarded([&] {
    const auto res = keel::efficient_cdar_risk(mu, rd, std::fabs(target) / 10, od);
    check(res, rd, pc, confidence);
    require(res.cdar <= std::fabs(target) / 10 + 1e-7 * (1 + std::fabs(target)));
  });
  return 0;
}
