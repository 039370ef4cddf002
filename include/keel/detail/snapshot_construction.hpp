// SPDX-License-Identifier: MIT
// keel/detail/snapshot_construction.hpp: risk_snapshot's construction section, the current book
// beside the portfolios keel's optimisers build from the same assets (owner: the snapshot
// header). Included by detail/snapshot_report-inl.hpp and src/snapshot_construction.cpp; not public.
#pragma once

#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/detail/cvar.hpp>
#include <keel/detail/snapshot_pipeline.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>
#include <keel/performance.hpp>
#include <keel/var.hpp>
#include <keel/volatility.hpp>

namespace keel::detail::snap {

/// The held assets' window returns as a T x n panel (one column per position).
template <class L = void>
[[nodiscard]] Eigen::MatrixXd held_panel(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u) {
  const Eigen::Index t = u.returns.rows(), n = b.weights.size();
  Eigen::MatrixXd panel(t, n);
  for (Eigen::Index i = 0; i < n; ++i) panel.col(i) = u.returns.col(b.columns[uz(i)]);
  return panel;
}

/// One row of the section: the figures of weights w over the window. Every figure is the one
/// the rest of the snapshot reports for the current book, so the current row repeats them.
template <class L = void>
void describe_alternative(const lazy_t<L, book>& b, const Eigen::MatrixXd& panel, double periods,
                          snapshot_alternative& a) {
  const Eigen::VectorXd r = panel * a.weights;
  a.expected_return = a.weights.dot(b.means) * periods;
  a.volatility = static_cast<double>(portfolio_volatility(a.weights, b.covariance)) * std::sqrt(periods);
  a.cvar_95 = historical_cvar(r, {.confidence = 0.95});
  a.max_drawdown = max_drawdown(r).depth;
  a.diversification_ratio = diversification_ratio(a.weights, b.covariance);
  a.turnover = (a.weights - b.weights).cwiseAbs().sum();
}

/// The number of points of the construction section's mean-CVaR frontier.
inline constexpr int cvar_frontier_points = 11;

/// The most positions the mean-CVaR frontier is computed for: each of its dozen LPs costs
/// about (N + 1)^2 per simplex pivot and a pass over the T x N panel now and then (min_cvar
/// over 2,520 days measured at about 40 ms for N = 100 and 4 s for N = 1,000, the size of
/// snapshot_bench's book, whose whole snapshot takes about 0.2 s).
inline constexpr Eigen::Index cvar_frontier_max_positions = 100;

/// The mean-CVaR frontier of the construction section (long-only, fully invested, 95%, the
/// window's returns as scenarios and its means as mu), and each row's CVaR in the frontier's
/// convention (cvar_95_lp). A keel::error, or more than cvar_frontier_max_positions
/// positions, leaves the frontier empty with its reason.
template <class L = void>
void cvar_frontier(const lazy_t<L, book>& b, const Eigen::MatrixXd& panel, double periods, snapshot_construction& c) {
  const cvar_options options{.confidence = 0.95};
  // The figure cvar_result::cvar gives for these weights (detail/cvar.hpp's own tail and
  // formula); historical_cvar's rule is another.
  const double tail = cvar_tail<double>(options.confidence, panel.rows());
  for (auto& a : c.portfolios)
    if (a.reason.empty()) a.cvar_95_lp = cvar_of_losses<double>(-(panel * a.weights), tail).cvar;
  if (panel.cols() > cvar_frontier_max_positions) {
    c.cvar_frontier_reason = "risk_snapshot: the mean-CVaR frontier is not computed for " +
                             std::to_string(panel.cols()) + " positions (at most " +
                             std::to_string(cvar_frontier_max_positions) + ": its linear programs grow as N^2)";
    return;
  }
  try {
    const auto least = min_cvar(panel, options);
    const double low = b.means.dot(least.portfolio.weights);
    const double high = b.means.maxCoeff();  // long-only, fully invested: all in the best asset
    const int points = high - low > 0 ? cvar_frontier_points : 1;
    const double step = points > 1 ? (high - low) / (points - 1) : 0;
    for (int k = 0; k < points; ++k) {
      // The last target is high itself: low + 10 steps may round above what is attainable.
      const double target = k > 0 && k == points - 1 ? high : low + step * k;
      // The first point is the minimum-CVaR portfolio itself (its return is the target).
      const auto r = k == 0 ? least : efficient_cvar_return(b.means, panel, target, options);
      snapshot_cvar_point p;
      p.weights = r.portfolio.weights;
      p.expected_return = p.weights.dot(b.means) * periods;
      p.cvar_95 = r.cvar;
      p.volatility = static_cast<double>(portfolio_volatility(p.weights, b.covariance)) * std::sqrt(periods);
      c.cvar_frontier.push_back(std::move(p));
    }
  } catch (const keel::error& e) {
    c.cvar_frontier.clear();
    c.cvar_frontier_reason = e.what();
  }
}

/// The construction section: the current book, then the long-only, fully invested minimum-
/// variance, maximum-Sharpe (rf 0, the window's mean returns), equal-risk-contribution,
/// hierarchical-risk-parity and maximum-diversification portfolios of the held assets, each
/// from the window's sample covariance (as the rest of the snapshot); HRP from that covariance
/// and its correlation (the numbers its returns form would recompute), single linkage. An optimiser that has
/// no answer for this book (a singular covariance, no asset with a positive mean for max Sharpe) gives a row with its
/// reason and no figures, rather than failing the snapshot. Then the mean-CVaR frontier
/// (cvar_frontier), whose failure leaves its reason and never fails the snapshot either.
template <class L = void>
void construction_section(const lazy_t<L, book>& b, const lazy_t<L, snapshot_universe>& u, snapshot_construction& c) {
  const double periods = u.periods_per_year;
  const Eigen::MatrixXd panel = held_panel(b, u);
  const Eigen::MatrixXd cov = b.covariance * periods;
  const Eigen::VectorXd mu = b.means * periods;
  const auto add = [&](std::string name, auto&& build) {
    snapshot_alternative a;
    a.name = std::move(name);
    try {
      a.weights = build();
      describe_alternative(b, panel, periods, a);
    } catch (const keel::error& e) {
      std::string name_ = std::move(a.name);
      a = snapshot_alternative{};  // no figures, only the reason
      a.name = std::move(name_);
      a.reason = e.what();
    }
    c.portfolios.push_back(std::move(a));
  };
  add("current", [&] { return Eigen::VectorXd(b.weights); });
  add("minimum variance", [&] { return Eigen::VectorXd(min_variance(cov, weight_bounds::long_only()).weights); });
  add("maximum Sharpe", [&] { return Eigen::VectorXd(max_sharpe(mu, cov, weight_bounds::long_only()).weights); });
  add("equal risk contribution", [&] { return Eigen::VectorXd(risk_budgeting(cov).weights); });
  add("hierarchical risk parity",
      [&] { return Eigen::VectorXd(hierarchical_risk_parity(cov, correlation(cov)).weights); });
  add("maximum diversification",
      [&] { return Eigen::VectorXd(max_diversification(cov, weight_bounds::long_only()).weights); });
  cvar_frontier(b, panel, periods, c);
}

}  // namespace keel::detail::snap
