// SPDX-License-Identifier: MIT
// keel/attribution.hpp: where the active return came from, by sector (Brinson-Fachler), for one
// period and linked over many (Carino).
//
// Synopsis
//   brinson_attribution(portfolio_weights, benchmark_weights, portfolio_returns,
//                       benchmark_returns, attribution_options{})   one period, N sectors
//       -> brinson_effects{allocations, selections, interactions, allocation, selection,
//                          interaction, portfolio_return, benchmark_return, active_return}
//   linked_attribution(portfolio_weights, benchmark_weights, portfolio_returns,
//                      benchmark_returns, attribution_options{})    T x N Eigen panels
//       -> linked_effects{... the same, linked, plus portfolio_returns, benchmark_returns,
//                         coefficients per period}
//
// The model (Brinson and Fachler 1985), per sector i with weights w and returns r, portfolio p
// and benchmark b, R_b = sum_i w_b,i r_b,i:
//   allocation_i  = (w_p,i - w_b,i)(r_b,i - R_b)
//   selection_i   = w_b,i (r_p,i - r_b,i)
//   interaction_i = (w_p,i - w_b,i)(r_p,i - r_b,i)
// which sum to R_p - R_b exactly when both weight sets sum to 1. Over periods t the effects are
// linked by Carino's (1999) logarithmic coefficients
//   k_t = ln((1 + R_p,t) / (1 + R_b,t)) / (R_p,t - R_b,t),  k = the same for the compounded returns,
//   linked effect = sum_t (k_t / k) effect_t,
// so the linked effects sum to the compounded active return prod(1 + R_p,t) - prod(1 + R_b,t).
//
// Conventions
//   - Weights are fractions of each side's value at the start of the period; each side's weights
//     must sum to 1 within 1e-6 (options.normalise rescales any positive sum instead). They are
//     then divided by their sum, so the effects add up to the active return to rounding.
//   - Returns are simple returns of the period. A sector the portfolio does not hold contributes
//     selection + interaction = w_p (r_p - r_b) = 0 whatever its r_p; a sector outside the
//     benchmark still uses its r_b in the allocation effect (pass a sensible proxy).
//   - k_t is evaluated as log1p(x) / x / (1 + R_b,t), x = (R_p,t - R_b,t) / (1 + R_b,t), without
//     cancellation; its limit 1 / (1 + R_b,t) where the returns are equal.
//
// References
//   G. P. Brinson and N. Fachler, "Measuring non-US equity portfolio performance", J. Portfolio
//   Management 11 (1985); D. R. Carino, "Combining attribution effects over time", J. Performance
//   Measurement 3 (1999); C. Bacon, Practical Portfolio Performance Measurement and
//   Attribution, 2nd ed. (2008), ch. 5 (Tables 5.1-5.3) and ch. 8 (Tables 8.1-8.2), whose
//   examples the tests reproduce.
/// \file
/// Brinson-Fachler attribution by sector: single and linked periods.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <ranges>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/compound.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of brinson_attribution and linked_attribution.
struct attribution_options {
  /// Rescale each side's weights by their sum (which must be positive) instead of requiring
  /// them to sum to 1 within 1e-6.
  bool normalise = false;
};

/// Brinson-Fachler attribution of one period, by sector.
template <class Real = double>
struct brinson_effects {
  std::vector<Real> allocations;   ///< per sector: (w_p - w_b)(r_b - R_b)
  std::vector<Real> selections;    ///< per sector: w_b (r_p - r_b)
  std::vector<Real> interactions;  ///< per sector: (w_p - w_b)(r_p - r_b)
  Real allocation{};               ///< sum of allocations
  Real selection{};                ///< sum of selections
  Real interaction{};              ///< sum of interactions
  Real portfolio_return{};         ///< R_p = sum w_p r_p
  Real benchmark_return{};         ///< R_b = sum w_b r_b
  Real active_return{};            ///< R_p - R_b = allocation + selection + interaction
};

/// Brinson-Fachler attribution linked over periods (Carino): per-sector effects summed over the
/// periods with the weights k_t / k.
template <class Real = double>
struct linked_effects {
  std::vector<Real> allocations;        ///< per sector, linked
  std::vector<Real> selections;         ///< per sector, linked
  std::vector<Real> interactions;       ///< per sector, linked
  Real allocation{};                    ///< sum of allocations
  Real selection{};                     ///< sum of selections
  Real interaction{};                   ///< sum of interactions
  Real portfolio_return{};              ///< compounded: prod(1 + R_p,t) - 1
  Real benchmark_return{};              ///< compounded: prod(1 + R_b,t) - 1
  Real active_return{};                 ///< portfolio_return - benchmark_return = sum of the linked effects
  std::vector<Real> portfolio_returns;  ///< R_p,t per period
  std::vector<Real> benchmark_returns;  ///< R_b,t per period
  std::vector<Real> coefficients;       ///< k_t / k per period (multiply a period's effects by it)
};

namespace detail::attr {

/// Carino's k for returns a (portfolio) and b (benchmark): ln((1 + a) / (1 + b)) / (a - b).
template <class Acc>
[[nodiscard]] Acc carino_k(Acc a, Acc b) {
  const Acc x = (a - b) / (1 + b);
  const Acc ratio = x == 0 ? Acc(1) : std::log1p(x) / x;
  return ratio / (1 + b);
}

/// The scale that brings `sum` to 1: 1 / sum, after the tolerance check.
inline double weight_scale(std::string_view fn, std::string_view name, double sum, bool normalise) {
  if (normalise) {
    if (!(sum > 0)) throw_bad_sum(fn, name, sum, 1e-6, "weights with a positive sum");
  } else if (!(std::fabs(sum - 1) <= 1e-6)) {
    throw_bad_sum(fn, name, sum, 1e-6, "attribution_options::normalise");
  }
  return 1 / sum;
}

/// One period's effects, scaled by `c`, added into alloc, sel and inter (N each); get(j, i) reads
/// sector i of input j (0: portfolio weights, 1: benchmark weights, 2: portfolio returns,
/// 3: benchmark returns) in Acc. `period` names the period in messages. Returns {R_p, R_b}.
template <class Acc, class Get>
[[nodiscard]] std::pair<Acc, Acc> period_effects(std::string_view fn, std::ptrdiff_t n, Get&& get, bool normalise,
                                                 std::string_view period, Acc* alloc, Acc* sel, Acc* inter, Acc c) {
  Acc sum_p = 0, sum_b = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    sum_p += get(0, i);
    sum_b += get(1, i);
  }
  const Acc sp = static_cast<Acc>(
      weight_scale(fn, std::string("portfolio weights") + std::string(period), static_cast<double>(sum_p), normalise));
  const Acc sb = static_cast<Acc>(
      weight_scale(fn, std::string("benchmark weights") + std::string(period), static_cast<double>(sum_b), normalise));
  Acc rp = 0, rb = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    rp += get(0, i) * sp * get(2, i);
    rb += get(1, i) * sb * get(3, i);
  }
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const Acc wp = get(0, i) * sp, wb = get(1, i) * sb, r_p = get(2, i), r_b = get(3, i);
    alloc[i] += c * ((wp - wb) * (r_b - rb));
    sel[i] += c * (wb * (r_p - r_b));
    inter[i] += c * ((wp - wb) * (r_p - r_b));
  }
  return {rp, rb};
}

/// Writes the effects and their totals into out; invalid_input when finite inputs gave effects
/// that overflow (weights rescaled by a sum near 0, returns near the type's limits).
template <class Real, class Acc, class Out>
void totals(std::string_view fn, Out& out, const std::vector<Acc>& a, const std::vector<Acc>& s,
            const std::vector<Acc>& x) {
  Acc ta = 0, ts = 0, tx = 0;
  out.allocations.resize(a.size());
  out.selections.resize(a.size());
  out.interactions.resize(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ta += a[i];
    ts += s[i];
    tx += x[i];
    out.allocations[i] = static_cast<Real>(a[i]);
    out.selections[i] = static_cast<Real>(s[i]);
    out.interactions[i] = static_cast<Real>(x[i]);
  }
  if (!std::isfinite(ta) || !std::isfinite(ts) || !std::isfinite(tx)) throw_overflow(fn, "the attribution effects");
  out.allocation = rounded<Real>(fn, "allocation", ta);
  out.selection = rounded<Real>(fn, "selection", ts);
  out.interaction = rounded<Real>(fn, "interaction", tx);
}

template <class... R>
void check_sectors(std::string_view fn, const R&... r) {
  const std::ptrdiff_t sizes[] = {ssize(r)...};
  const std::string_view names[] = {"portfolio_weights", "benchmark_weights", "portfolio_returns", "benchmark_returns"};
  for (int j = 1; j < 4; ++j) require_same_size(fn, names[0], sizes[0], names[j], sizes[j]);
  require_observations(fn, 1, sizes[0], "sectors");
  int j = 0;
  (require_finite(fn, names[j++], r), ...);
}

/// Row t of the four T x N panels, read as period_effects' get.
template <class Acc, class P0, class P1, class P2, class P3>
struct panel_row {
  const P0& p0;
  const P1& p1;
  const P2& p2;
  const P3& p3;
  Eigen::Index t = 0;
  [[nodiscard]] Acc operator()(int which, std::ptrdiff_t i) const {
    switch (which) {
      case 0:
        return static_cast<Acc>(p0(t, i));
      case 1:
        return static_cast<Acc>(p1(t, i));
      case 2:
        return static_cast<Acc>(p2(t, i));
      default:
        return static_cast<Acc>(p3(t, i));
    }
  }
};

template <class M>
void check_panel(std::string_view fn, std::string_view name, const M& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() != rows || m.cols() != cols)
    throw invalid_input(message(fn, std::string(name) + " is " + std::to_string(m.rows()) + " x " +
                                        std::to_string(m.cols()) + " but portfolio_weights is " + std::to_string(rows) +
                                        " x " + std::to_string(cols)));
  require_finite_cells(fn, name, m);
}

}  // namespace detail::attr

/// Brinson-Fachler attribution of one period over N sectors: allocation, selection and
/// interaction per sector and in total (see the synopsis for the formulas); they sum to the
/// active return R_p - R_b to rounding (tests: 1e-14).
/// \pre four ranges of N >= 1 finite values; each side's weights sum to 1 within 1e-6 (or
///      options.normalise with a positive sum).
/// \returns brinson_effects{allocations, selections, interactions, allocation, selection,
///          interaction, portfolio_return, benchmark_return, active_return}.
/// \throws invalid_input for different lengths, a NaN or infinity (naming it), or weights that
///         do not sum to 1; insufficient_data for no sectors.
/// Ref: Brinson and Fachler, J. Portfolio Management 11 (1985); Bacon (2008) ch. 5.
template <Series W1, Series W2, Series R1, Series R2>
[[nodiscard]] auto brinson_attribution(const W1& portfolio_weights, const W2& benchmark_weights,
                                       const R1& portfolio_returns, const R2& benchmark_returns,
                                       attribution_options options = {}) {
  using real = detail::range_result_t<W1, W2, R1, R2>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "brinson_attribution";
  detail::attr::check_sectors(fn, portfolio_weights, benchmark_weights, portfolio_returns, benchmark_returns);
  const std::ptrdiff_t n = detail::ssize(portfolio_weights);
  auto f0 = std::ranges::begin(portfolio_weights);
  auto f1 = std::ranges::begin(benchmark_weights);
  auto f2 = std::ranges::begin(portfolio_returns);
  auto f3 = std::ranges::begin(benchmark_returns);
  const auto get = [&](int which, std::ptrdiff_t i) -> acc {
    switch (which) {
      case 0:
        return static_cast<acc>(f0[i]);
      case 1:
        return static_cast<acc>(f1[i]);
      case 2:
        return static_cast<acc>(f2[i]);
      default:
        return static_cast<acc>(f3[i]);
    }
  };
  std::vector<acc> a(detail::uz(n)), s(detail::uz(n)), x(detail::uz(n));
  const auto [rp, rb] =
      detail::attr::period_effects<acc>(fn, n, get, options.normalise, "", a.data(), s.data(), x.data(), acc(1));
  brinson_effects<real> out;
  detail::attr::totals<real>(fn, out, a, s, x);
  out.portfolio_return = static_cast<real>(rp);
  out.benchmark_return = static_cast<real>(rb);
  out.active_return = static_cast<real>(rp - rb);
  return out;
}

/// Brinson-Fachler attribution over T periods of N sectors, linked by Carino's logarithmic
/// coefficients: each period's effects times k_t / k, summed per sector, so that the linked
/// effects sum to the compounded active return (tests: 1e-14; Bacon's Table 8.2 reproduced).
/// Inputs are T x N Eigen expressions (row t = period t, column i = sector i).
/// \pre four T x N panels of finite values, T, N >= 1; each row's weights as brinson_attribution;
///      every period return above -1.
/// \returns linked_effects{allocations, selections, interactions, allocation, selection,
///          interaction, portfolio_return, benchmark_return, active_return, portfolio_returns,
///          benchmark_returns, coefficients}.
/// \throws invalid_input for panels of different shapes, a NaN or infinity (naming the cell),
///         weights that do not sum to 1 (naming the period) or a period return <= -1;
///         insufficient_data for no periods or no sectors.
/// Ref: Carino, J. Performance Measurement 3 (1999); Bacon (2008) ch. 8.
template <detail::panel D1, detail::panel D2, detail::panel D3, detail::panel D4>
[[nodiscard]] auto linked_attribution(const Eigen::MatrixBase<D1>& portfolio_weights,
                                      const Eigen::MatrixBase<D2>& benchmark_weights,
                                      const Eigen::MatrixBase<D3>& portfolio_returns,
                                      const Eigen::MatrixBase<D4>& benchmark_returns,
                                      attribution_options options = {}) {
  using real = detail::result_t<typename D1::Scalar, typename D2::Scalar, typename D3::Scalar, typename D4::Scalar>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "linked_attribution";
  const Eigen::Index t_count = portfolio_weights.rows(), n = portfolio_weights.cols();
  detail::require_observations(fn, 1, t_count, "periods");
  detail::require_observations(fn, 1, n, "sectors");
  detail::attr::check_panel(fn, "portfolio_weights", portfolio_weights, t_count, n);
  detail::attr::check_panel(fn, "benchmark_weights", benchmark_weights, t_count, n);
  detail::attr::check_panel(fn, "portfolio_returns", portfolio_returns, t_count, n);
  detail::attr::check_panel(fn, "benchmark_returns", benchmark_returns, t_count, n);
  linked_effects<real> out;
  out.portfolio_returns.resize(detail::uz(t_count));
  out.benchmark_returns.resize(detail::uz(t_count));
  out.coefficients.resize(detail::uz(t_count));
  // First pass: each period's returns (weights checked, naming the period), the compounded
  // totals and Carino's coefficients; second pass: each period's effects times k_t / k.
  std::vector<acc> a(detail::uz(n)), s(detail::uz(n)), x(detail::uz(n)), k(detail::uz(t_count));
  std::vector<acc> scratch(detail::uz(3 * n));
  detail::growth<acc> gp, gb;
  detail::attr::panel_row<acc, D1, D2, D3, D4> row{portfolio_weights.derived(), benchmark_weights.derived(),
                                                   portfolio_returns.derived(), benchmark_returns.derived()};
  for (row.t = 0; row.t < t_count; ++row.t) {
    const std::string period = " in period " + std::to_string(row.t);
    const auto [rp, rb] = detail::attr::period_effects<acc>(fn, n, row, options.normalise, period, scratch.data(),
                                                            scratch.data() + n, scratch.data() + 2 * n, acc(0));
    if (!(rp > -1) || !(rb > -1))
      throw invalid_input(detail::message(fn, std::string(rp > -1 ? "the benchmark" : "the portfolio") + " return" +
                                                  period + " is " +
                                                  detail::number_text(static_cast<double>(rp > -1 ? rb : rp)) +
                                                  ": a loss of 100% or more cannot be linked"));
    gp.add(rp);
    gb.add(rb);
    k[detail::uz(row.t)] = detail::attr::carino_k(rp, rb);
    out.portfolio_returns[detail::uz(row.t)] = static_cast<real>(rp);
    out.benchmark_returns[detail::uz(row.t)] = static_cast<real>(rb);
  }
  const acc total_p = gp.total_return(), total_b = gb.total_return();
  if (!std::isfinite(total_p) || !std::isfinite(total_b)) detail::throw_overflow(fn, "the compounded returns");
  const acc k_total = detail::attr::carino_k(total_p, total_b);
  if (!std::isfinite(k_total) || !(k_total > 0))  // a compounded loss that rounds to -100%
    throw invalid_input(detail::message(fn, "the compounded returns " +
                                                detail::number_text(static_cast<double>(total_p)) + " and " +
                                                detail::number_text(static_cast<double>(total_b)) +
                                                " cannot be linked: a loss of 100% in floating point"));
  for (row.t = 0; row.t < t_count; ++row.t) {
    const acc c = k[detail::uz(row.t)] / k_total;
    out.coefficients[detail::uz(row.t)] = static_cast<real>(c);
    (void)detail::attr::period_effects<acc>(fn, n, row, options.normalise, "", a.data(), s.data(), x.data(), c);
  }
  detail::attr::totals<real>(fn, out, a, s, x);
  out.portfolio_return = static_cast<real>(total_p);
  out.benchmark_return = static_cast<real>(total_b);
  out.active_return = static_cast<real>(total_p - total_b);
  return out;
}

}  // namespace keel
