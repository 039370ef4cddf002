// SPDX-License-Identifier: MIT
// keel/detail/compare_hedges-inl.hpp: the definition of compare_hedges (options.hpp): the
// strategies, the covariance and its square root, the full-revaluation Monte Carlo and the
// pre-trade check. Included by options.hpp in header-only mode and by src/compare_hedges.cpp in
// the compiled library.
// IWYU pragma: private, include <keel/options.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/check.hpp>
#include <keel/detail/option_math.hpp>
#include <keel/detail/random.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/trade_cost.hpp>
#include <keel/error.hpp>
#include <keel/hedge.hpp>
#include <keel/limits.hpp>
#include <keel/options.hpp>
#include <keel/var.hpp>

namespace keel {

namespace detail::cmp {

/// The columns of the stacked panel: book, market, the k instruments, the benchmark.
struct layout {
  Eigen::Index k = 0;
  [[nodiscard]] Eigen::Index book() const { return 0; }
  [[nodiscard]] Eigen::Index market() const { return 1; }
  [[nodiscard]] Eigen::Index instrument(Eigen::Index i) const { return 2 + i; }
  [[nodiscard]] Eigen::Index benchmark() const { return 2 + k; }
  [[nodiscard]] Eigen::Index size() const { return 3 + k; }
};

/// The linear part of a strategy: x_i = q_i price_i multiplier_i / V per instrument.
[[nodiscard]] inline Eigen::VectorXd fractions(std::span<const hedge_instrument> ins, const std::vector<double>& q,
                                               double value) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(ins.size()));
  for (std::size_t i = 0; i < q.size(); ++i)
    x(static_cast<Eigen::Index>(i)) = q[i] * ins[i].price * ins[i].multiplier / value;
  return x;
}

/// Orders for quantities q (contracts), costed by each instrument's cost model and cost_bps.
inline void orders_of(std::string_view fn, std::span<const hedge_instrument> ins, const std::vector<double>& q,
                      hedge_alternative& a) {
  a.quantities = q;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (q[i] == 0) continue;
    const double unit = ins[i].price * ins[i].multiplier;
    const auto c = costs::cost_of(fn, ins[i].symbol, q[i], unit, ins[i].costs);
    const double bps = c.notional * ins[i].cost_bps / 1e4;
    a.orders.push_back({ins[i].symbol, q[i] > 0 ? order_side::buy : order_side::sell, std::abs(q[i]), c.notional,
                        c.total + bps, c.impact});
    a.cost += c.total + bps;
    a.impact += c.impact;
  }
}

/// The regression hedge: x = -S_II^-1 s_Iy (y the book, or the book less the benchmark), in
/// contracts within each instrument's bounds (clamped: the regression has none) and rounded.
[[nodiscard]] inline std::vector<double> regression_hedge(std::string_view what, const Eigen::MatrixXd& cov,
                                                          const layout& l, std::span<const hedge_instrument> ins,
                                                          double value, bool tracking, bool whole) {
  const Eigen::Index k = l.k;
  const Eigen::MatrixXd s = cov.block(2, 2, k, k);
  Eigen::VectorXd rhs = cov.block(2, l.book(), k, 1);
  if (tracking) rhs -= cov.block(2, l.benchmark(), k, 1);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(s);
  const double top = s.diagonal().cwiseAbs().maxCoeff();
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().cwiseAbs().minCoeff() > 1e-12 * top))
    throw singular_problem(message(what,
                                   "the instruments' returns are collinear (their covariance is singular): "
                                   "the regression's hedge ratios are not unique; drop one"));
  const Eigen::VectorXd x = -ldlt.solve(rhs);
  std::vector<double> q(static_cast<std::size_t>(k));
  for (Eigen::Index i = 0; i < k; ++i) {
    const auto& h = ins[static_cast<std::size_t>(i)];
    double qi = x(i) * value / (h.price * h.multiplier);
    if (whole) qi = std::round(qi);
    qi = std::clamp(qi, h.min_quantity.value_or(-std::numeric_limits<double>::infinity()),
                    h.max_quantity.value_or(std::numeric_limits<double>::infinity()));
    q[static_cast<std::size_t>(i)] = qi;
  }
  return q;
}

/// The covariance's symmetric square root Q diag(sqrt(max(lambda, 0))) Q': a singular
/// covariance (an instrument that is the market) is fine.
[[nodiscard]] inline Eigen::MatrixXd square_root(const Eigen::MatrixXd& cov) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  const Eigen::VectorXd root = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return es.eigenvectors() * root.asDiagonal() * es.eigenvectors().transpose();
}

/// The limits after a hedge: beta, the MC VaR at 99%, gross leverage and the largest weight.
inline void check_limits(const compare_hedges_options& o, const Eigen::VectorXd& x, double var99,
                         hedge_alternative& a) {
  limit_values v = o.current;
  v.beta = std::abs(a.beta);
  v.var_99_1d = var99;
  v.gross_leverage += x.cwiseAbs().sum();
  if (x.size() > 0) v.max_position_weight = std::max(v.max_position_weight, x.cwiseAbs().maxCoeff());
  a.limits = evaluate_limits(o.limits, v);
  a.within_limits = std::none_of(a.limits.begin(), a.limits.end(), [](const limit_status& s) {
    return s.breached && s.limit.severity == limit_severity::hard;
  });
}

}  // namespace detail::cmp

namespace detail {

KEEL_DEF hedge_comparison compare_hedges_double(const Eigen::VectorXd& book, const Eigen::VectorXd& market,
                                                const Eigen::MatrixXd& instrument_returns,
                                                std::span<const hedge_instrument> instruments,
                                                const index_option_terms& index, double portfolio_value,
                                                const compare_hedges_options& options) {
  constexpr std::string_view fn = "compare_hedges";
  const Eigen::Index t = book.size();
  const Eigen::Index k = instrument_returns.cols();
  require_same_size(fn, "book_returns", t, "market_returns", market.size());
  if (k > 0 || instrument_returns.rows() > 0)
    require_same_size(fn, "book_returns", t, "instrument_returns (rows)", instrument_returns.rows());
  require_same_size(fn, "instrument_returns (columns)", k, "instruments",
                    static_cast<std::ptrdiff_t>(instruments.size()));
  require_observations(fn, k + 3, t, "book_returns");
  require_finite(fn, "book_returns", book);
  require_finite(fn, "market_returns", market);
  require_finite_cells(fn, "instrument_returns", instrument_returns);
  require_positive_option(fn, "portfolio_value", portfolio_value);
  opt::check_index(fn, index);
  require_positive_option(fn, "options.horizon", options.horizon);
  check_periods_per_year(fn, options.periods_per_year);
  if (!std::isfinite(options.target_beta)) throw_non_finite_at(fn, "options.target_beta", options.target_beta);
  if (!std::isfinite(options.floor)) throw_non_finite_at(fn, "options.floor", options.floor);
  if (options.confidence.empty())
    throw invalid_input(message(fn, "options.confidence is empty: give at least one level"));
  for (double c : options.confidence) require_probability(fn, "options.confidence", c);
  if (options.paths < 100)
    throw invalid_input(message(fn, "options.paths = " + std::to_string(options.paths) + " must be >= 100"));
  if (!options.benchmark.empty()) {
    require_same_size(fn, "book_returns", t, "options.benchmark",
                      static_cast<std::ptrdiff_t>(options.benchmark.size()));
    require_finite(fn, "options.benchmark", options.benchmark);
  }
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    const auto& h = instruments[i];
    const std::string where = element_text("instruments", static_cast<std::ptrdiff_t>(i));
    require_positive_option(fn, where + ".price", h.price);
    require_positive_option(fn, where + ".multiplier", h.multiplier);
    costs::check_model(fn, where + ".costs", h.costs);
  }
  (void)evaluate_limits(options.limits, options.current);  // limits checked before any work

  const cmp::layout l{k};
  Eigen::MatrixXd panel(t, l.size());
  panel.col(l.book()) = book;
  panel.col(l.market()) = market;
  if (k > 0) panel.middleCols(2, k) = instrument_returns;
  if (options.benchmark.empty())
    panel.col(l.benchmark()) = market;
  else
    panel.col(l.benchmark()) = Eigen::Map<const Eigen::VectorXd>(options.benchmark.data(), t);
  const Eigen::VectorXd mean = panel.colwise().mean().transpose();
  const Eigen::MatrixXd centred = panel.rowwise() - mean.transpose();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(t - 1);
  if (!cov.allFinite()) throw_overflow(fn, "the returns' covariance");
  const double var_m = cov(l.market(), l.market());
  if (!(var_m > 0) || market.maxCoeff() == market.minCoeff())
    throw singular_problem(message(fn, "market_returns do not vary: betas to the market are undefined"));

  hedge_comparison out;
  out.portfolio_value = portfolio_value;
  out.beta = cov(l.book(), l.market()) / var_m;
  out.confidences = options.confidence;
  out.paths = options.paths;
  std::vector<hedge_instrument> ins(instruments.begin(), instruments.end());
  for (Eigen::Index i = 0; i < k; ++i) {
    ins[static_cast<std::size_t>(i)].beta = cov(l.instrument(i), l.market()) / var_m;
    out.betas.push_back(ins[static_cast<std::size_t>(i)].beta);
  }
  for (int m = -50; m <= 50; ++m) out.payoff_moves.push_back(m / 100.0);

  // The strategies' linear fractions x (k) and option legs; a failed one keeps its reason.
  const char* names[] = {"unhedged",       "target beta",     "minimum variance", "minimum tracking error",
                         "protective put", "zero-cost collar"};
  std::vector<Eigen::VectorXd> x(6, Eigen::VectorXd::Zero(k));
  out.strategies.resize(6);
  for (std::size_t s = 0; s < 6; ++s) out.strategies[s].name = names[s];
  const bool whole = options.round_to_contracts;
  const auto attempt = [&](std::size_t s, const auto& build) {
    const auto fail = [&](const error& e) {
      out.strategies[s] = hedge_alternative{};
      out.strategies[s].name = names[s];
      out.strategies[s].reason = e.what();
    };
    try {
      build(out.strategies[s]);
    } catch (const infeasible& e) {
      fail(e);
    } catch (const singular_problem& e) {
      fail(e);
    } catch (const invalid_input& e) {  // the volume rule, or values out of range for a hedge
      fail(e);
    }
    if (!out.strategies[s].reason.empty()) x[s].setZero();
  };
  const auto no_instruments = [&](hedge_alternative& a) {
    a.reason = std::string(fn) + ": no linear instruments: " + a.name + " needs at least one";
  };
  attempt(1, [&](hedge_alternative& a) {
    if (k == 0) return no_instruments(a);
    const auto plan =
        hedge_to_target_beta(portfolio_value, out.beta, ins, options.target_beta, {.round_to_contracts = whole});
    a.quantities = plan.quantities;
    a.orders = plan.orders;
    a.cost = plan.total_cost;
    a.impact = plan.impact_cost;
    if (!plan.fully_hedged) a.reason = plan.reason;
    x[1] = cmp::fractions(ins, plan.quantities, portfolio_value);
  });
  attempt(2, [&](hedge_alternative& a) {
    if (k == 0) return no_instruments(a);
    const auto q = cmp::regression_hedge(fn, cov, l, ins, portfolio_value, false, whole);
    cmp::orders_of(fn, ins, q, a);
    x[2] = cmp::fractions(ins, q, portfolio_value);
  });
  attempt(3, [&](hedge_alternative& a) {
    if (k == 0) return no_instruments(a);
    const auto q = cmp::regression_hedge(fn, cov, l, ins, portfolio_value, true, whole);
    cmp::orders_of(fn, ins, q, a);
    x[3] = cmp::fractions(ins, q, portfolio_value);
  });
  const option_hedge_options oh{.round_to_contracts = whole};
  attempt(4, [&](hedge_alternative& a) {
    const auto h = protective_put(portfolio_value, out.beta, index, options.floor, oh);
    for (const auto& leg : h.legs) a.options.push_back(leg);
    a.premium = h.premium;
    a.cost = h.cost;
  });
  attempt(5, [&](hedge_alternative& a) {
    const auto h = zero_cost_collar(portfolio_value, out.beta, index, options.floor, oh);
    for (const auto& leg : h.legs) a.options.push_back(leg);
    a.premium = h.premium;
    a.cost = h.cost;
  });

  // Betas, volatilities and tracking errors of the linear strategies, exact from cov.
  const double spot = index.market.spot, mult = index.multiplier;
  for (std::size_t s = 0; s < 6; ++s) {
    auto& a = out.strategies[s];
    if (!a.reason.empty()) continue;
    Eigen::VectorXd w = Eigen::VectorXd::Zero(l.size());
    w(l.book()) = 1;
    if (k > 0) w.segment(2, k) = x[s];
    a.beta = out.beta;
    for (Eigen::Index i = 0; i < k; ++i) a.beta += x[s](i) * ins[static_cast<std::size_t>(i)].beta;
    for (const auto& leg : a.options) a.beta += leg.quantity * mult * leg.valuation.delta * spot / portfolio_value;
    a.volatility = std::sqrt(std::max(0.0, w.dot(cov * w)));
    w(l.benchmark()) -= 1;
    a.tracking_error = std::sqrt(std::max(0.0, w.dot(cov * w)));
  }

  // Full-revaluation Monte Carlo, every strategy on the same paths.
  const Eigen::MatrixXd root = cmp::square_root(cov);
  const double h = options.horizon;
  const double sqrt_h = std::sqrt(h);
  const double aged = index.maturity - h / options.periods_per_year;
  const auto n_paths = options.paths;
  Eigen::MatrixXd sims(n_paths, 6);
  Eigen::VectorXd bench_sims(n_paths);
  Eigen::VectorXd z(l.size()), r(l.size());
  philox_stream stream(options.seed, 0);
  opt::discounting d;
  if (aged > 0) d.set(aged, index.market.rate, index.market.dividend_yield);
  const auto leg_value = [&](const option_leg& leg, double s_t) {
    if (aged <= 0)
      return leg.option.type == option_type::call ? std::max(s_t - leg.option.strike, 0.0)
                                                  : std::max(leg.option.strike - s_t, 0.0);
    return opt::bsm(leg.option.type == option_type::call, s_t, leg.option.strike, index.market.rate,
                    index.market.dividend_yield, index.market.volatility, d)
        .price;
  };
  for (Eigen::Index p = 0; p < n_paths; ++p) {
    stream.normals(z.data(), z.size());
    r.noalias() = mean * h + sqrt_h * (root * z);
    const double s_t = spot * std::max(1 + r(l.market()), 0.0);
    for (std::size_t s = 0; s < 6; ++s) {
      const auto& a = out.strategies[s];
      if (!a.reason.empty()) continue;  // no hedge: its column is never read
      double pnl = r(l.book());
      if (k > 0) pnl += x[s].dot(r.segment(2, k));
      for (const auto& leg : a.options)
        pnl += leg.quantity * mult * (leg_value(leg, s_t) - leg.valuation.price) / portfolio_value;
      sims(p, static_cast<Eigen::Index>(s)) = pnl;
    }
    bench_sims(p) = r(l.benchmark());
  }
  // The requested levels, and 0.99 for the VaR limit (appended when not among them).
  std::vector<double> levels = options.confidence;
  auto at_99 = static_cast<std::size_t>(std::find(levels.begin(), levels.end(), 0.99) - levels.begin());
  if (at_99 == levels.size()) levels.push_back(0.99);
  const auto n_levels = static_cast<std::ptrdiff_t>(options.confidence.size());
  for (std::size_t s = 0; s < 6; ++s) {
    auto& a = out.strategies[s];
    if (!a.reason.empty()) {  // no hedge: no figures
      a.vars.assign(options.confidence.size(), 0.0);
      a.cvars.assign(options.confidence.size(), 0.0);
      continue;
    }
    const Eigen::VectorXd col = sims.col(static_cast<Eigen::Index>(s));
    const auto risk = historical_risk(col, {.confidence = levels});
    a.vars.assign(risk.vars.begin(), risk.vars.begin() + n_levels);
    a.cvars.assign(risk.cvars.begin(), risk.cvars.begin() + n_levels);
    if (!a.options.empty()) {  // non-linear: the paths' standard deviations
      const double mu = col.mean();
      a.volatility = std::sqrt((col.array() - mu).square().sum() / static_cast<double>(n_paths - 1) / h);
      const Eigen::ArrayXd active = col.array() - bench_sims.array();
      a.tracking_error = std::sqrt((active - active.mean()).square().sum() / static_cast<double>(n_paths - 1) / h);
    }
    cmp::check_limits(options, x[s], risk.vars[at_99], a);
    // The payoff at the options' expiry in the one-factor model, net of premium and costs.
    a.payoffs.resize(out.payoff_moves.size());
    for (std::size_t j = 0; j < out.payoff_moves.size(); ++j) {
      const double move = out.payoff_moves[j];
      double change = out.beta * move;
      for (Eigen::Index i = 0; i < k; ++i) change += x[s](i) * ins[static_cast<std::size_t>(i)].beta * move;
      const double s_t = spot * (1 + move);
      for (const auto& leg : a.options) {
        const double payoff = leg.option.type == option_type::call ? std::max(s_t - leg.option.strike, 0.0)
                                                                   : std::max(leg.option.strike - s_t, 0.0);
        change += leg.quantity * mult * payoff / portfolio_value;
      }
      a.payoffs[j] = change - (a.premium + a.cost) / portfolio_value;
    }
  }
  return out;
}

}  // namespace detail

}  // namespace keel
