// SPDX-License-Identifier: MIT
// libFuzzer target for keel/var.hpp and keel/stress.hpp: parametric, Cornish-Fisher and
// historical VaR / CVaR (series, moments and portfolio forms), the Euler decompositions,
// Monte Carlo VaR (a few hundred paths), the backtests and the stress test.
//
// The first byte says how the rest become numbers (raw doubles, so NaN, infinities,
// subnormals and 1e308 reach every check, or small integers scaled to daily returns, so the
// computations themselves run); the second picks the confidence, the distribution and the
// options. Every call must either throw a keel::error or keep its documented contract: no
// NaN, CVaR >= VaR (to rounding), p-values in [0, 1], LR statistics >= 0, standard errors
// >= 0, components summing to the totals. Anything else traps, as does any other exception
// or a sanitizer finding. Run it as the other targets (see CMakeLists.txt).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <Eigen/Core>

#include <keel/stress.hpp>
#include <keel/var.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

bool in_unit(double v) { return v >= 0 && v <= 1; }

// CVaR >= VaR, allowing rounding relative to the inputs' scale.
bool ordered(double var, double cvar, double scale) { return cvar >= var - 1e-9 * (1 + scale); }

double scale_of(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s = std::fmax(s, std::fabs(v));
  return s;
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

void series_forms(const std::vector<double>& r, double c, const keel::return_distribution& dist, bool filtered) {
  const double s = scale_of(r);
  guarded([&] {
    const keel::parametric_options o{
        .confidence = c, .horizon = 1 + static_cast<double>(r.size() % 5), .distribution = dist};
    const double v = keel::parametric_var(r, o), cv = keel::parametric_cvar(r, o);
    require(std::isfinite(v) && std::isfinite(cv) && ordered(v, cv, 6 * s));
  });
  guarded([&] {
    const keel::historical_options o{.confidence = c,
                                     .ewma_lambda = filtered ? std::optional<double>(0.94) : std::nullopt};
    const double v = keel::historical_var(r, o), cv = keel::historical_cvar(r, o);
    require(std::isfinite(v) && std::isfinite(cv) && ordered(v, cv, 1e3 * s));
  });
  guarded([&] {
    // a volatility filter from the data itself (|r_t| + 1e-3 as sigma_t; a caller's GARCH
    // volatilities in practice; a zero or non-finite one must be refused): the same numbers
    // as the returns rescaled by hand, and the same between historical_risk and the singles
    keel::volatility_filter f{std::vector<double>(r.size()), 0.01};
    for (std::size_t t = 0; t < r.size(); ++t) f.volatilities[t] = std::fabs(r[t]) + (filtered ? 1e-3 : 0.0);
    const keel::historical_options o{.confidence = c, .filter = f};
    const double v = keel::historical_var(r, o);
    std::vector<double> scaled(r.size());
    for (std::size_t t = 0; t < r.size(); ++t) scaled[t] = r[t] * (f.current / f.volatilities[t]);
    require(v == keel::historical_var(scaled, {.confidence = c}));
    const auto h = keel::historical_risk(r, {.confidence = {c}, .filter = f});
    require(h.vars[0] == v && h.cvars[0] == keel::historical_cvar(r, o));
  });
  guarded([&] {
    const auto f = keel::cornish_fisher_var(r, {.confidence = c});
    require(std::isfinite(f.z) && std::isfinite(f.skewness) && std::isfinite(f.excess_kurtosis));
    require(std::isfinite(f.gaussian_var) && f.var.has_value() == f.monotone);
    if (f.var) require(std::isfinite(*f.var));
  });
  guarded([&] {
    const std::vector<float> rf(r.begin(), r.end());
    const float v = keel::historical_var(rf, {.confidence = c});
    require(!std::isnan(v));
  });
  // The one-call forms at two levels: the single-number forms' numbers exactly.
  const std::vector<double> levels = {c, 0.99};
  guarded([&] {
    const keel::parametric_risk_options o{.confidence = levels, .distribution = dist};
    const auto p = keel::parametric_risk(r, o);
    require(p.vars.size() == 2 && p.cvars.size() == 2);
    for (std::size_t l = 0; l < 2; ++l) {
      const keel::parametric_options one{.confidence = levels[l], .distribution = dist};
      require(p.vars[l] == keel::parametric_var(r, one) && p.cvars[l] == keel::parametric_cvar(r, one));
    }
  });
  guarded([&] {
    const std::optional<double> lambda = filtered ? std::optional<double>(0.94) : std::nullopt;
    const auto h = keel::historical_risk(r, {.confidence = levels, .ewma_lambda = lambda});
    for (std::size_t l = 0; l < 2; ++l) {
      const keel::historical_options one{.confidence = levels[l], .ewma_lambda = lambda};
      require(h.vars[l] == keel::historical_var(r, one) && h.cvars[l] == keel::historical_cvar(r, one));
    }
  });
  guarded([&] {
    const auto f = keel::cornish_fisher_risk(r, {.confidence = levels});
    require(f.zs.size() == 2 && f.gaussian_vars.size() == 2);
    require(f.vars.size() == (f.monotone ? 2u : 0u) && f.cvars.size() == f.vars.size());
    for (std::size_t l = 0; l < f.vars.size(); ++l) {
      require(std::isfinite(f.vars[l]) && std::isfinite(f.cvars[l]) && f.cvars[l] >= f.vars[l]);
      require(f.vars[l] == *keel::cornish_fisher_var(r, {.confidence = levels[l]}).var);
    }
  });
  // The dated forms on integer keys: the plain numbers on the values without the missing (NaN)
  // days, or an error.
  std::vector<int> keys(r.size());
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = static_cast<int>(i);
  std::vector<double> kept;
  for (const double x : r)
    if (!std::isnan(x)) kept.push_back(x);
  guarded([&] {
    const auto d = keel::historical_risk(keel::dated_view(keys, r), {.confidence = levels});
    require(d.vars == keel::historical_risk(kept, {.confidence = levels}).vars);
  });
  guarded([&] {
    const double v = keel::parametric_var(keel::dated_view(keys, r), {.confidence = c});
    require(v == keel::parametric_var(kept, {.confidence = c}));
  });
}

void portfolio_forms(const std::vector<double>& r, double c, const keel::return_distribution& dist) {
  const Eigen::Index n = 3, t = static_cast<Eigen::Index>(r.size()) / n;
  if (t < 1) return;
  Eigen::MatrixXd panel(t, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) panel(i, j) = r[static_cast<std::size_t>(i * n + j)];
  const std::vector<double> w = {0.5, 0.3, 0.2};
  guarded([&] {
    const double v = keel::parametric_var(w, panel, {.confidence = c, .distribution = dist});
    require(std::isfinite(v));
  });
  guarded([&] {
    const auto p = keel::parametric_risk(w, panel, {.confidence = {c}, .distribution = dist});
    require(p.vars[0] == keel::parametric_var(w, panel, {.confidence = c, .distribution = dist}));
  });
  guarded([&] {
    const auto h = keel::historical_risk(w, panel, {.confidence = {c, 0.99}});
    require(h.cvars[0] == keel::historical_cvar(w, panel, {.confidence = c}));
  });
  guarded([&] {
    const auto f = keel::cornish_fisher_risk(w, panel, {.confidence = {c}});
    require(f.vars.size() == f.cvars.size());
    if (f.monotone) require(f.vars[0] == *keel::cornish_fisher_var(w, panel, {.confidence = c}).var);
  });
  guarded([&] {
    const auto d = keel::historical_component_var(w, panel, {.confidence = c});
    double sv = 0, sc = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      require(std::isfinite(d.component_vars[i]) && std::isfinite(d.component_cvars[i]));
      sv += d.component_vars[i];
      sc += d.component_cvars[i];
    }
    const double s = scale_of(r);
    require(std::fabs(sv - d.var) <= 1e-9 * (1 + s) && std::fabs(sc - d.cvar) <= 1e-9 * (1 + s));
  });
  // Mean and a covariance from the data: X'X / t (positive semi-definite) and the raw cells
  // symmetrised (often indefinite: singular_problem).
  const Eigen::VectorXd mu = panel.colwise().mean().transpose();
  const Eigen::MatrixXd gram = panel.transpose() * panel / static_cast<double>(t);
  Eigen::MatrixXd raw = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i < std::min<Eigen::Index>(t, n); ++i) raw.row(i) = panel.row(i);
  raw = (raw + raw.transpose()).eval() / 2;
  for (const Eigen::MatrixXd* cov : {&gram, static_cast<const Eigen::MatrixXd*>(&raw)}) {
    guarded([&] {
      const auto d = keel::parametric_component_var(w, mu, *cov, {.confidence = c, .distribution = dist});
      require(std::isfinite(d.var) && std::isfinite(d.cvar));
      double sv = 0;
      for (double x : d.component_vars) sv += x;
      require(std::fabs(sv - d.var) <= 1e-9 * (1 + std::fabs(d.var) + std::fabs(d.cvar)));
    });
    guarded([&] {
      const auto mc = keel::monte_carlo_var(
          w, mu, *cov, {.paths = 200, .seed = 7, .confidence = {c, 0.99}, .distribution = dist, .threads = 2});
      for (std::size_t l = 0; l < mc.vars.size(); ++l) {
        require(std::isfinite(mc.vars[l]) && std::isfinite(mc.cvars[l]));
        require(mc.var_stderrs[l] >= 0 && mc.cvar_stderrs[l] >= 0 && std::isfinite(mc.cvar_stderrs[l]));
        require(ordered(mc.vars[l], mc.cvars[l], std::fabs(mc.vars[l])));
      }
    });
    guarded([&] {
      const auto d = keel::monte_carlo_component_var(w, mu, *cov, {.paths = 150, .seed = 3, .confidence = {c}});
      require(d.component_vars.allFinite() && d.component_cvars.allFinite());
    });
  }
}

void backtests(const std::vector<double>& r, const std::uint8_t* raw, std::size_t size, double c) {
  const auto obs = static_cast<std::ptrdiff_t>(raw[0] % 64) * 8 - 8;
  const auto breaches = static_cast<std::ptrdiff_t>(raw[size - 1] % 80) - 4;
  guarded([&] {
    const auto k = keel::kupiec_test(breaches, obs, {.confidence = c});
    require(k.lr_statistic >= 0 && in_unit(k.p_value));
  });
  guarded([&] {
    const auto t = keel::traffic_light(breaches, obs, {.confidence = c});
    require(in_unit(t.cumulative_probability) && t.plus_factor >= 0 && t.plus_factor <= 1);
  });
  std::vector<double> var(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) var[i] = std::fabs(r[(i + 1) % r.size()]);
  guarded([&] {
    const auto b = keel::var_backtest(r, var, {.confidence = c});
    require(b.breaches >= 0 && b.breaches <= b.observations && in_unit(b.breach_rate));
    require(in_unit(b.kupiec.p_value) && in_unit(b.christoffersen.p_independence) &&
            in_unit(b.christoffersen.p_conditional_coverage));
    require(b.christoffersen.lr_independence >= 0 && b.christoffersen.lr_conditional_coverage >= 0);
  });
}

void stress(const std::vector<double>& r) {
  std::vector<keel::position> book;
  std::vector<keel::scenario> scenarios = keel::builtin_scenarios();
  for (std::size_t i = 0; i + 2 < r.size() && book.size() < 8; i += 3)
    book.push_back({.symbol = "P", .value = r[i] * 1e6, .beta = r[i + 1] * 10, .factor_exposures = {r[i + 2]}});
  if (!r.empty()) scenarios.push_back({.name = "fuzz", .market_return = r[0], .factor_shocks = {r.back()}});
  guarded([&] {
    const auto s = keel::stress_test(book, scenarios);
    require(!s.pnls.hasNaN());
    for (double t : s.totals) require(std::isfinite(t));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const bool raw_doubles = (data[0] & 1) != 0;
  const double confidences[] = {0.95, 0.99, 0.5, 0.01, 0.999999, 0.9};
  const double c = confidences[data[1] % 6];
  const keel::return_distribution dist = (data[1] & 0x10) != 0
                                             ? keel::return_distribution{keel::student_t{2.5 + (data[1] >> 5)}}
                                             : keel::return_distribution{keel::normal{}};
  const bool filtered = (data[1] & 0x08) != 0;
  const std::uint8_t* body = data + 2;
  const std::size_t bytes = size - 2;
  std::vector<double> r;
  if (raw_doubles) {
    for (std::size_t i = 0; i + sizeof(double) <= bytes; i += sizeof(double)) {
      double d;
      std::memcpy(&d, body + i, sizeof d);
      r.push_back(d);
    }
  } else {
    for (std::size_t i = 0; i + 2 <= bytes; i += 2) {
      std::int16_t s;
      std::memcpy(&s, body + i, sizeof s);
      r.push_back(static_cast<double>(s) * 1e-5);
    }
  }
  series_forms(r, c, dist, filtered);
  portfolio_forms(r, c, dist);
  backtests(r, data, size, c);
  stress(r);
  return 0;
}
