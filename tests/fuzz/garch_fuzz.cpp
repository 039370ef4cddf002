// SPDX-License-Identifier: MIT
// libFuzzer target for keel/garch.hpp: garch_fit's series and panel forms over every model,
// mean, distribution and initial variance, the forecast, and dcc_fit (full and composite).
//
// The first byte picks T (0..510, even); the second how the rest become numbers: raw doubles
// (NaN, infinities, subnormals and 1e308 reach every check) or small integers scaled to daily
// returns with bursts of volatility (so the optimiser itself runs on most inputs); the third the
// model, mean, distribution, initial variance, an iteration limit and require_convergence. Every
// call must throw a keel::error or return a fit inside the model's feasible set with a finite
// log-likelihood, positive finite conditional volatilities, finite non-negative standard errors
// and a finite non-decreasing aggregate forecast, and simulated paths that are finite or throw; the panel form must
// equal the series form column by column. dcc_fit on three columns (the series, its reverse, and the series shifted by
// a third) must throw or give a feasible (a, b), finite correlation matrices with unit
// diagonals and finite forecasts. Anything else traps. Run it as numeric_fuzz (see
// CMakeLists.txt).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <Eigen/Core>

#include <keel/garch.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

void check(const keel::garch_result<double>& r, const keel::garch_options& o, std::ptrdiff_t t) {
  require(r.n == t);
  require(r.converged || !o.require_convergence);
  require(std::isfinite(r.log_likelihood) && std::isfinite(r.aic) && std::isfinite(r.bic));
  require(std::isfinite(r.mu) && r.omega > 0 && std::isfinite(r.omega));
  require(r.alpha >= 0 && r.beta >= 0 && r.alpha + r.gamma >= 0);
  require(r.alpha + r.gamma / 2 + r.beta <= 1 - 1e-6 + 1e-12);
  require(o.distribution == keel::garch_distribution::normal ? std::isinf(r.nu) : r.nu >= 2.05 && r.nu <= 500);
  require(static_cast<std::ptrdiff_t>(r.conditional_volatilities.size()) == t);
  for (const double v : r.conditional_volatilities) require(v > 0 && std::isfinite(v));
  require(r.stderrs.size() == r.robust_stderrs.size());
  for (const double v : r.stderrs) require(v >= 0 && std::isfinite(v));
  for (const double v : r.robust_stderrs) require(v >= 0 && std::isfinite(v));
  const auto f = r.forecast(10);
  double previous = 0;
  for (const double v : f.variances) {
    require(v > 0 && std::isfinite(v));
    previous += v;
  }
  require(std::isfinite(f.aggregate_volatility) && f.aggregate_volatility >= 0);
  require(std::fabs(f.aggregate_volatility * f.aggregate_volatility - previous) <= 1e-9 * previous);
  try {
    const auto sim = r.simulate(6, 3, static_cast<std::uint64_t>(t));
    require(sim.returns.allFinite() && (sim.variances.array() > 0).all() && sim.variances.allFinite());
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::ptrdiff_t t = 2 * static_cast<std::ptrdiff_t>(data[0]);
  const bool raw = data[1] % 4 == 0;
  const int mode = data[2];
  std::vector<double> y(static_cast<std::size_t>(t));
  std::size_t at = 3;
  double vol = 1;
  for (auto& v : y) {
    if (raw) {
      v = 0;
      if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
      at += sizeof v;
    } else {
      const int b = at < size ? static_cast<int>(data[at]) : 7 + static_cast<int>(at % 13);
      ++at;
      if (b % 17 == 0) vol = 1 + b / 17;  // volatility bursts
      v = (b - 128) / 2560.0 * vol;
    }
  }
  keel::garch_options o;
  o.model = mode % 2 ? keel::garch_type::gjr : keel::garch_type::garch;
  o.mean = mode / 2 % 2 ? keel::garch_mean::zero : keel::garch_mean::constant;
  o.distribution = mode / 4 % 2 ? keel::garch_distribution::student_t : keel::garch_distribution::normal;
  o.initial_variance = mode / 8 % 2 ? keel::garch_initial_variance::sample : keel::garch_initial_variance::backcast;
  o.max_iterations = mode / 16 % 4 == 0 ? 3 : 200;
  o.require_convergence = mode / 64 % 2 == 0;
  try {
    check(keel::garch_fit(y, o), o, t);
  } catch (const keel::error&) {
  }
  if (mode & 32) {
    Eigen::MatrixXd panel(t, 3);
    for (std::ptrdiff_t i = 0; i < t; ++i) {
      panel(i, 0) = y[static_cast<std::size_t>(i)];
      panel(i, 1) = y[static_cast<std::size_t>(t - 1 - i)];
      panel(i, 2) = y[static_cast<std::size_t>((i + t / 3) % std::max<std::ptrdiff_t>(t, 1))];
    }
    keel::dcc_options d{.univariate = o,
                        .method = mode & 64 ? keel::dcc_method::composite : keel::dcc_method::full,
                        .max_iterations = o.max_iterations,
                        .require_convergence = o.require_convergence,
                        .threads = 1 + mode % 3};
    d.univariate.threads = 1;
    try {
      const auto r = keel::dcc_fit(panel, d);
      require(r.a >= 0 && r.b >= 0 && r.a + r.b <= 1 - 1e-6 + 1e-12);
      require(r.converged || !d.require_convergence);
      require(std::isfinite(r.log_likelihood) && std::isfinite(r.correlation_log_likelihood));
      require(r.correlation.allFinite() && r.covariance.allFinite());
      for (int i = 0; i < 3; ++i) require(std::fabs(r.correlation(i, i) - 1) <= 1e-12);
      require(r.correlation.cwiseAbs().maxCoeff() <= 1 + 1e-12);
      const auto f = r.forecast(5);
      require(f.correlation.allFinite() && f.covariance.allFinite());
      require(std::isfinite(r.portfolio_volatility(std::vector<double>{0.5, 0.3, 0.2}, 5)));
    } catch (const keel::error&) {
    }
  }
  if (mode & 128) {
    // Two columns, the second the first reversed: each equals its series fit, or both throw.
    Eigen::MatrixXd panel(t, 2);
    for (std::ptrdiff_t i = 0; i < t; ++i) {
      panel(i, 0) = y[static_cast<std::size_t>(i)];
      panel(i, 1) = y[static_cast<std::size_t>(t - 1 - i)];
    }
    o.threads = 2;
    bool threw = false;
    std::vector<keel::garch_result<double>> fits;
    try {
      fits = keel::garch_fit(panel, o);
    } catch (const keel::error&) {
      threw = true;
    }
    for (int j = 0; j < 2 && !threw; ++j) {
      const Eigen::VectorXd col = panel.col(j);
      const auto one = keel::garch_fit(col, o);  // must not throw when the panel did not
      require(one.parameters == fits[static_cast<std::size_t>(j)].parameters);
    }
  }
  return 0;
}
