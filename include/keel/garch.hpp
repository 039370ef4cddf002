// SPDX-License-Identifier: MIT
// keel/garch.hpp: GARCH(1,1) and GJR-GARCH(1,1) conditional volatility by maximum likelihood.
//
// Synopsis
//   garch_fit(returns, garch_options{.model, .mean, .distribution, .initial_variance})
//       -> garch_result<Real>{mu, omega, alpha, gamma, beta, nu, log_likelihood, aic, bic,
//          converged, iterations, stderrs, robust_stderrs, conditional_volatilities, ...}
//   result.forecast(h) -> garch_forecast<Real>{variances, aggregate_volatility}
//   result.simulate(h, paths, seed) -> garch_simulation<Real>{returns, variances}: simulated
//          paths on keel's counter-based generator
//   garch_fit(panel, options) -> one garch_result per column, on options.threads threads
//   dcc_fit(panel, dcc_options{.univariate, .method})
//       -> dcc_result<Real>{a, b, log_likelihood, correlation, covariance, univariate, ...}
//   result.forecast(h) -> dcc_forecast<Real>{correlation, covariance}; portfolio_volatility(w, h)
//
// Model
//   r_t = mu + e_t (mu = 0 with garch_mean::zero), e_t = sqrt(h_t) z_t, z_t iid with mean 0 and
//   variance 1 (normal, or Student t with nu > 2 degrees of freedom scaled to unit variance);
//   h_t = omega + (alpha + gamma I[e_{t-1} < 0]) e_{t-1}^2 + beta h_{t-1}, gamma = 0 for
//   GARCH. The first variance is h_0 = omega + (alpha + gamma/2 + beta) b with b the initial
//   variance (garch_initial_variance: arch's backcast, the default, or fGarch's sample mean of
//   e_t^2; the two give different estimates, which is the usual reason arch and fGarch disagree).
//
// Conventions
//   - Returns are per period and nothing is annualised: h_t and the forecasts are per-period
//     variances (multiply by periods_per_year to annualise a variance).
//   - log_likelihood is the full log density sum_t log f(r_t | past) (constants included), as
//     arch reports it; fGarch prints its negative. aic = 2k - 2 LL and bic = k log n - 2 LL with
//     k the number of estimated parameters (arch's convention; fGarch divides both by n).
//   - Feasible set: omega > 0, alpha >= 0, beta >= 0, alpha + gamma >= 0, -1 <= gamma <= 2,
//     alpha + gamma/2 + beta <= 1 - 1e-6 (covariance stationarity), 2.05 <= nu <= 500.
//   - Standard errors: `stderrs` from the inverse of minus the Hessian of the log-likelihood (by
//     central differences of the analytic gradient), `robust_stderrs` the Bollerslev-Wooldridge
//     sandwich H^-1 (sum_t s_t s_t') H^-1; both in the order of `parameter_names`.
//   - The fit is computed in double (float and long double returns are converted; an estimate is
//     accurate to its tolerance, far above double's rounding) and rounded to Real once.
//
// DCC(1,1) (Engle 2002), two steps: a GARCH fit per asset (options.univariate), then a and b of
//   Q_t = (1 - a - b) Qbar + a z_{t-1} z_{t-1}' + b Q_{t-1},  Q_0 = Qbar = (1/T) sum_t z_t z_t',
//   R_t = diag(Q_t)^(-1/2) Q_t diag(Q_t)^(-1/2),
// z_t the standardised residuals, by maximising the Gaussian correlation log-likelihood
// L_C = -1/2 sum_t (log|R_t| + z_t' R_t^-1 z_t - z_t' z_t) (dcc_method::full), or its sum over
// contiguous pairs of assets (dcc_method::composite, Engle, Shephard and Sheppard 2008; O(T N)
// per pass, for large N). log_likelihood = sum of the univariate log-likelihoods + L_C.
//
// Method and references: keel/detail/garch.hpp, keel/detail/dcc.hpp.
/// \file
/// GARCH(1,1) and GJR-GARCH(1,1) by maximum likelihood: garch_fit, garch_result::forecast.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/dcc.hpp>
#include <keel/detail/garch.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/random.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Options of garch_fit, in the order the issue lists them.
struct garch_options {
  garch_type model = garch_type::garch;                          ///< GARCH(1,1) or GJR-GARCH(1,1)
  garch_mean mean = garch_mean::constant;                        ///< a constant mean mu, or zero
  garch_distribution distribution = garch_distribution::normal;  ///< of the standardised innovations
  /// How the recursion starts: backcast (arch, the default) or sample (fGarch, FCP benchmark).
  garch_initial_variance initial_variance = garch_initial_variance::backcast;
  /// Converged when the next step's predicted gain in log-likelihood is at most this (> 0).
  double tolerance = 1e-9;
  int max_iterations = 200;  ///< quasi-Newton iterations before the fit counts as unconverged (>= 1)
  /// Throw keel::not_converged for an unconverged fit (default); false returns it with
  /// converged = false, for callers who inspect the flag.
  bool require_convergence = true;
  int threads = 1;  ///< panel form: worker threads (0: all cores); results do not depend on it
};

/// A GARCH variance forecast from the end of the sample.
template <class Real = double>
struct garch_forecast {
  /// E[h_{T+k} | past] for k = 1..h: h_{T+1} is known at T; then
  /// h_{T+k} = omega + (alpha + gamma/2 + beta) h_{T+k-1} (symmetric z: P(z < 0) = 1/2).
  std::vector<Real> variances;
  /// The h-period volatility sqrt(sum_k variances[k]): the standard deviation of the sum of the
  /// next h returns (per-period units, not annualised).
  Real aggregate_volatility = 0;
};

/// Simulated continuations of a fitted GARCH model (garch_result::simulate).
template <class Real = double>
struct garch_simulation {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< paths x h
  matrix returns;                                                      ///< r_{T+k}, k = 1..h, one path per row
  matrix variances;  ///< h_{T+k}: the conditional variance each return was drawn with
};

/// A fitted GARCH(1,1) or GJR-GARCH(1,1) model (see the file comment for the model).
template <class Real = double>
struct garch_result {
  Real mu = 0;     ///< constant mean (0 for garch_mean::zero)
  Real omega = 0;  ///< variance intercept, in squared return units
  Real alpha = 0;  ///< ARCH coefficient
  Real gamma = 0;  ///< leverage coefficient (0 for plain GARCH)
  Real beta = 0;   ///< GARCH coefficient
  /// Student-t degrees of freedom; +infinity for normal innovations (the t's normal limit).
  Real nu = std::numeric_limits<Real>::infinity();
  Real log_likelihood = 0;  ///< sum_t log f(r_t | past), constants included
  Real aic = 0;             ///< 2k - 2 log_likelihood
  Real bic = 0;             ///< k log(n) - 2 log_likelihood
  bool converged = false;   ///< true unless require_convergence = false let an unconverged fit through
  int iterations = 0;       ///< quasi-Newton iterations
  int evaluations = 0;      ///< passes over the data (likelihood evaluations, the grid included)
  /// The estimated parameters' names, in the order of `parameters` and both error vectors:
  /// "mu", "omega", "alpha", "gamma", "beta", "nu" as the model has them.
  std::vector<std::string> parameter_names;
  std::vector<Real> parameters;                ///< the estimates, in parameter_names' order
  std::vector<Real> stderrs;                   ///< from the inverse Hessian; empty if it is not definite
  std::vector<Real> robust_stderrs;            ///< Bollerslev-Wooldridge sandwich; empty with stderrs
  std::vector<Real> conditional_volatilities;  ///< sqrt(h_t), t = 0..n-1 (per period)
  Real persistence = 0;                        ///< alpha + gamma/2 + beta
  Real next_variance = 0;                      ///< h_{T+1}, the one-step-ahead variance (known at the last date)
  std::ptrdiff_t n = 0;                        ///< observations

  /// The variance term structure for k = 1..h and the h-period aggregate volatility
  /// (analytic; see garch_forecast). \throws invalid_input unless h >= 1.
  [[nodiscard]] garch_forecast<Real> forecast(std::ptrdiff_t h) const {
    if (h < 1) detail::throw_bad_option("garch_result::forecast", "h", static_cast<double>(h), "at least 1");
    garch_forecast<Real> out;
    out.variances.resize(detail::uz(h));
    double v = static_cast<double>(next_variance), sum = 0;
    const double p = static_cast<double>(persistence), w = static_cast<double>(omega);
    for (std::ptrdiff_t k = 0; k < h; ++k) {
      out.variances[detail::uz(k)] = static_cast<Real>(v);
      sum += v;
      v = w + p * v;
    }
    out.aggregate_volatility = static_cast<Real>(std::sqrt(sum));
    return out;
  }

  /// `paths` simulated continuations of the next h returns: h_{T+1} = next_variance,
  /// r_{T+k} = mu + sqrt(h_{T+k}) z_k, h_{T+k+1} = omega + (alpha + gamma I[e < 0]) e^2 +
  /// beta h_{T+k} with e = r_{T+k} - mu, and z_k standard normal, or Student t with nu degrees
  /// of freedom scaled to unit variance (Z sqrt((nu - 2) / X), X chi-squared(nu)). Path p draws
  /// from keel's counter-based generator, stream (seed, p) (detail/random.hpp: Philox4x32-10),
  /// so a path's numbers depend only on the seed and its index. The mean of variances' column k
  /// converges to forecast(h).variances[k] (the tests check it).
  /// \throws invalid_input unless h >= 1 and paths >= 1, for a result with no fitted model, or
  ///   when a simulated variance overflows (a model of data near double's range).
  [[nodiscard]] garch_simulation<Real> simulate(std::ptrdiff_t h, std::ptrdiff_t paths, std::uint64_t seed = 1) const {
    constexpr std::string_view fn = "garch_result::simulate";
    if (h < 1) detail::throw_bad_option(fn, "h", static_cast<double>(h), "at least 1");
    if (paths < 1) detail::throw_bad_option(fn, "paths", static_cast<double>(paths), "at least 1");
    if (!(next_variance > 0) || !std::isfinite(static_cast<double>(next_variance)))
      throw invalid_input(detail::message(fn, "the result holds no fitted model (next_variance = " +
                                                  detail::number_text(static_cast<double>(next_variance)) +
                                                  "); call garch_fit first"));
    const double m = static_cast<double>(mu), w = static_cast<double>(omega), a = static_cast<double>(alpha),
                 g = static_cast<double>(gamma), b = static_cast<double>(beta), v = static_cast<double>(nu);
    const bool t = std::isfinite(v);
    garch_simulation<Real> out;
    out.returns.resize(paths, h);
    out.variances.resize(paths, h);
    for (std::ptrdiff_t p = 0; p < paths; ++p) {
      detail::philox_stream draws(seed, static_cast<std::uint64_t>(p));
      double var = static_cast<double>(next_variance);
      for (std::ptrdiff_t k = 0; k < h; ++k) {
        double z = draws.normal();
        if (t) z *= std::sqrt((v - 2) / draws.chi_squared(v));
        const double e = std::sqrt(var) * z;
        out.returns(p, k) = static_cast<Real>(m + e);
        out.variances(p, k) = static_cast<Real>(var);
        var = w + (a + (e < 0 ? g : 0.0)) * e * e + b * var;
        if (!std::isfinite(var)) [[unlikely]]
          detail::throw_overflow(fn, "path " + std::to_string(p) + "'s variance at step " + std::to_string(k + 2));
      }
    }
    return out;
  }
};

namespace detail {

/// Fits one series (values y[0..n), already checked finite) named `name` in messages.
template <class Real>
garch_result<Real> garch_fit_values(std::string_view fn, std::string_view name, std::vector<double> y,
                                    const garch_options& o) {
  const auto n = ssize(y);
  const garch_layout l = garch_layout::of(o.model, o.mean, o.distribution, o.initial_variance);
  // Each parameter needs data; fewer than 10 observations per parameter gives no usable fit.
  require_observations(fn, 10 * l.k, n);
  // A constant series (the rounding of its mean aside) has no conditional variance to model.
  if (std::ranges::all_of(y, [&](double v) { return v == y.front(); }))
    throw singular_problem(message(fn, std::string(name) + " is constant: its variance is 0, no GARCH model fits it"));
  double mean = 0;
  if (l.mu >= 0) {
    for (const double v : y) mean += v;
    mean /= static_cast<double>(n);
  }
  double ss = 0;
  for (const double v : y) ss += (v - mean) * (v - mean);
  const double scale = std::sqrt(ss / static_cast<double>(n));
  if (!std::isfinite(scale)) throw_overflow(fn, std::string(name) + "'s sum of squares");
  if (!(scale > 0)) throw_underflow(fn, std::string(name), ss);
  for (double& v : y) v /= scale;

  garch_solution sol = garch_maximise<double>(fn, l, y.data(), n, o.tolerance, o.max_iterations);
  if (!sol.converged && o.require_convergence)
    throw not_converged(message(fn, "the fit of " + std::string(name) + " did not converge in " +
                                        std::to_string(sol.iterations) + " iterations (the last step still promised " +
                                        number_text(sol.last_gain) + " in log-likelihood, tolerance " +
                                        number_text(o.tolerance) +
                                        "); raise max_iterations or set "
                                        "require_convergence = false to inspect it"));

  garch_result<Real> r;
  const auto put = [](double v) { return static_cast<Real>(v); };
  std::vector<double> h(uz(n));
  garch_pass pass;
  garch_evaluate(l, y.data(), n, sol.theta, 2, pass, h.data());
  const garch_vector& th = sol.theta;
  const double mu = l.mu >= 0 ? th[l.mu] : 0.0;
  const double gamma = l.gamma >= 0 ? th[l.gamma] : 0.0;
  const double e_last = y[uz(n - 1)] - mu;
  const double next =
      th[l.omega] + (th[l.alpha] + (e_last < 0 ? gamma : 0.0)) * e_last * e_last + th[l.beta] * h[uz(n - 1)];

  const double log_scale = std::log(scale);
  const double llf = sol.llf - static_cast<double>(n) * log_scale;
  r.mu = put(mu * scale);
  r.omega = put(th[l.omega] * scale * scale);
  r.alpha = put(th[l.alpha]);
  r.gamma = put(gamma);
  r.beta = put(th[l.beta]);
  if (l.nu >= 0) r.nu = put(th[l.nu]);
  r.log_likelihood = put(llf);
  r.aic = put(2 * l.k - 2 * llf);
  r.bic = put(l.k * std::log(static_cast<double>(n)) - 2 * llf);
  r.converged = sol.converged;
  r.iterations = sol.iterations;
  r.evaluations = sol.evaluations;
  r.persistence = put(th[l.alpha] + 0.5 * gamma + th[l.beta]);
  r.next_variance = put(next * scale * scale);
  r.n = n;
  r.conditional_volatilities.resize(uz(n));
  for (std::ptrdiff_t t = 0; t < n; ++t) r.conditional_volatilities[uz(t)] = put(std::sqrt(h[uz(t)]) * scale);

  // Parameter names and the map back to the data's units: theta_data = D theta_scaled.
  garch_vector units = garch_vector::Ones(l.k);
  r.parameter_names.resize(uz(l.k));
  const auto name_at = [&](int i, const char* s) {
    if (i >= 0) r.parameter_names[uz(i)] = s;
  };
  name_at(l.mu, "mu");
  name_at(l.omega, "omega");
  name_at(l.alpha, "alpha");
  name_at(l.gamma, "gamma");
  name_at(l.beta, "beta");
  name_at(l.nu, "nu");
  if (l.mu >= 0) units[l.mu] = scale;
  units[l.omega] = scale * scale;
  r.parameters.resize(uz(l.k));
  for (int i = 0; i < l.k; ++i) r.parameters[uz(i)] = put(th[i] * units[i]);

  // Minus the Hessian by central differences of the analytic gradient (2k passes), symmetrised.
  garch_matrix H(l.k, l.k);
  bool hessian_ok = true;
  for (int j = 0; j < l.k && hessian_ok; ++j) {
    const double step = 1e-5 * std::max(std::abs(th[j]), 1e-2);
    garch_vector up = th, down = th;
    up[j] += step;
    down[j] -= step;
    garch_pass pu, pd;
    hessian_ok = garch_evaluate(l, y.data(), n, up, 1, pu) && garch_evaluate(l, y.data(), n, down, 1, pd);
    if (hessian_ok) H.col(j) = -(pu.gradient - pd.gradient) / (2 * step);
  }
  r.evaluations += 2 * l.k + 1;
  if (hessian_ok) {
    H = (0.5 * (H + H.transpose())).eval();
    Eigen::LLT<garch_matrix> llt(H);
    if (llt.info() == Eigen::Success) {
      const garch_matrix inv = llt.solve(garch_matrix::Identity(l.k, l.k));
      const garch_matrix sandwich = inv * pass.opg * inv;
      r.stderrs.resize(uz(l.k));
      r.robust_stderrs.resize(uz(l.k));
      for (int i = 0; i < l.k; ++i) {
        r.stderrs[uz(i)] = put(std::sqrt(std::max(inv(i, i), 0.0)) * units[i]);
        r.robust_stderrs[uz(i)] = put(std::sqrt(std::max(sandwich(i, i), 0.0)) * units[i]);
      }
    }
  }
  return r;
}

/// The options every likelihood fit here shares (garch_options, dcc_options).
template <class Options>
void check_fit_options(std::string_view fn, const Options& o) {
  if (!(o.tolerance > 0) || !std::isfinite(o.tolerance))
    throw_bad_option(fn, "tolerance", o.tolerance, "positive and finite");
  if (o.max_iterations < 1) throw_bad_option(fn, "max_iterations", o.max_iterations, "at least 1");
  if (o.threads < 0) throw_bad_option(fn, "threads", o.threads, "0 (all cores) or more");
}

}  // namespace detail

/// Fits GARCH(1,1) or GJR-GARCH(1,1) to a return series by maximum likelihood.
/// Model: r_t = mu + sqrt(h_t) z_t, h_t = omega + (alpha + gamma I[e_{t-1} < 0]) e_{t-1}^2 +
/// beta h_{t-1} (file comment: start, feasible set, standard errors).
/// \pre returns finite, not constant, at least 10 per estimated parameter (30-60).
/// \throws invalid_input (non-finite return, bad option), insufficient_data, singular_problem
///   (constant series), not_converged (unless options.require_convergence is false).
/// \returns garch_result; bit-identical on every run and thread count.
/// Bollerslev (1986); Glosten, Jagannathan and Runkle (1993); Bollerslev and Wooldridge (1992).
template <Series S>
[[nodiscard]] garch_result<detail::range_result_t<S>> garch_fit(const S& returns, const garch_options& options = {}) {
  constexpr std::string_view fn = "garch_fit";
  detail::check_fit_options(fn, options);
  detail::require_finite(fn, "returns", returns);
  std::vector<double> y(detail::uz(detail::ssize(returns)));
  detail::convert_into(returns, y.data());
  return detail::garch_fit_values<detail::range_result_t<S>>(fn, "returns", std::move(y), options);
}

/// Fits one model per column of a T x N panel (garch_fit's series form on each), on
/// options.threads threads (0: all cores). Columns are independent, so the results are
/// bit-identical for any thread count. \throws as the series form, naming the column
/// ("returns column 3"); the first failing column's error is thrown.
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] std::vector<garch_result<typename Derived::Scalar>> garch_fit(const Eigen::MatrixBase<Derived>& panel,
                                                                            const garch_options& options = {}) {
  using Real = typename Derived::Scalar;
  constexpr std::string_view fn = "garch_fit";
  detail::check_fit_options(fn, options);
  detail::require_finite_cells(fn, "returns", panel);
  const Eigen::Index cols = panel.cols();
  std::vector<garch_result<Real>> out(detail::uz(cols));
  std::vector<std::exception_ptr> failures(detail::uz(cols));
  detail::parallel_for<std::vector<double>>(
      cols, detail::resolve_threads(options.threads, cols), [&](std::ptrdiff_t j, std::vector<double>& y) {
        try {
          y.resize(detail::uz(panel.rows()));
          for (Eigen::Index t = 0; t < panel.rows(); ++t) y[detail::uz(t)] = static_cast<double>(panel(t, j));
          out[detail::uz(j)] = detail::garch_fit_values<Real>(fn, "returns column " + std::to_string(j), y, options);
        } catch (...) {
          failures[detail::uz(j)] = std::current_exception();
        }
      });
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);
  return out;
}

/// The correlation likelihood dcc_fit maximises.
enum class dcc_method {
  full,      ///< Engle's (2002) L_C over all N assets: O(T N^3) per pass
  composite  ///< the sum over contiguous pairs (Engle, Shephard and Sheppard 2008): O(T N) per pass
};

/// Options of dcc_fit.
struct dcc_options {
  /// The univariate fits (model, mean, distribution, start, convergence, threads): one
  /// garch_fit per column with these options.
  garch_options univariate = {};
  dcc_method method = dcc_method::full;  ///< the correlation likelihood
  double tolerance = 1e-9;               ///< of the (a, b) fit, as garch_options::tolerance (> 0)
  int max_iterations = 200;              ///< of the (a, b) fit (>= 1)
  /// Throw keel::not_converged for an unconverged (a, b) fit (default); false returns it with
  /// converged = false.
  bool require_convergence = true;
  /// Keep R_t for every date in dcc_result::correlations (T matrices of N x N).
  bool keep_correlations = false;
  /// Worker threads of the full likelihood's passes (0: all cores). The dates are cut into
  /// fixed chunks summed in order, so results do not depend on it.
  int threads = 1;
};

/// A DCC forecast h periods ahead (Engle and Sheppard 2001): E[R_{T+k}] ~ (1 - (a+b)^(k-1)) Rbar
/// + (a+b)^(k-1) R_{T+1}, Rbar the correlation of Qbar; covariance D_{T+k} R_{T+k} D_{T+k} with
/// D the univariate GARCH volatility forecasts.
template <class Real = double>
struct dcc_forecast {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< N x N matrices of Real
  matrix correlation;                                                  ///< E[R_{T+h}]
  /// The h-period covariance sum_{k=1..h} D_{T+k} R_{T+k} D_{T+k}: of the sum of the next h
  /// returns (per-period units, not annualised).
  matrix covariance;
};

/// A fitted DCC(1,1) model (see the file comment).
template <class Real = double>
struct dcc_result {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;  ///< N x N matrices of Real
  Real a = 0;                                                          ///< news coefficient
  Real b = 0;                                                          ///< decay coefficient
  Real log_likelihood = 0;              ///< sum of the univariate log-likelihoods + correlation_log_likelihood
  Real correlation_log_likelihood = 0;  ///< L_C of the full model at (a, b) (whatever the method)
  matrix correlation;                   ///< R_{T+1}, the next period's conditional correlation (known at the last date)
  matrix covariance;                    ///< D_{T+1} R_{T+1} D_{T+1}, the next period's conditional covariance
  matrix unconditional_correlation;     ///< Rbar, the correlation of Qbar
  std::vector<garch_result<Real>> univariate;  ///< each asset's GARCH fit
  std::vector<matrix> correlations;            ///< R_t for t = 0..T-1 when options.keep_correlations
  bool converged = false;                      ///< of the (a, b) fit
  int iterations = 0;                          ///< of the (a, b) fit (composite start included)
  int evaluations = 0;                         ///< correlation-likelihood passes
  std::ptrdiff_t n = 0;                        ///< dates

  /// The forecast h periods ahead (dcc_forecast). \throws invalid_input unless h >= 1.
  [[nodiscard]] dcc_forecast<Real> forecast(std::ptrdiff_t h) const {
    if (h < 1) detail::throw_bad_option("dcc_result::forecast", "h", static_cast<double>(h), "at least 1");
    const Eigen::Index m = correlation.rows();
    std::vector<garch_forecast<Real>> vols;
    vols.reserve(univariate.size());
    for (const auto& u : univariate) vols.push_back(u.forecast(h));
    const Eigen::MatrixXd r1 = correlation.template cast<double>(),
                          rbar = unconditional_correlation.template cast<double>();
    const double p = static_cast<double>(a + b);
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(m, m), rk = r1;
    Eigen::VectorXd d(m);
    double pk = 1;  // (a + b)^(k - 1)
    for (std::ptrdiff_t k = 0; k < h; ++k) {
      rk = (1 - pk) * rbar + pk * r1;
      for (Eigen::Index i = 0; i < m; ++i)
        d(i) = std::sqrt(static_cast<double>(vols[detail::uz(i)].variances[detail::uz(k)]));
      sum += d.asDiagonal() * rk * d.asDiagonal();
      pk *= p;
    }
    return {rk.template cast<Real>(), sum.template cast<Real>()};
  }

  /// The h-period volatility of a portfolio, sqrt(w' C_h w) with C_h forecast(h).covariance
  /// (per-period units). \throws invalid_input unless w has one weight per asset and h >= 1.
  template <Series S>
  [[nodiscard]] Real portfolio_volatility(const S& weights, std::ptrdiff_t h) const {
    constexpr std::string_view fn = "dcc_result::portfolio_volatility";
    detail::require_same_size(fn, "weights", detail::ssize(weights), "assets", correlation.rows());
    detail::require_finite(fn, "weights", weights);
    Eigen::VectorXd w(correlation.rows());
    detail::convert_into(weights, w.data());
    const Eigen::MatrixXd c = forecast(h).covariance.template cast<double>();
    return static_cast<Real>(std::sqrt(std::max(0.0, w.dot(c * w))));
  }
};

/// Fits DCC(1,1) to a T x N returns panel (N >= 2) in Engle's two steps: a GARCH per column
/// (options.univariate, on its threads), then (a, b) by maximum likelihood on the standardised
/// residuals (file comment), a >= 0, b >= 0, a + b <= 1 - 1e-6.
/// \throws invalid_input (non-finite cell, bad option, fewer than 2 columns), insufficient_data,
///   singular_problem (a constant column; standardised residuals whose Qbar is singular),
///   not_converged (unless options.require_convergence is false, for either step).
/// \returns dcc_result; deterministic for any thread count.
/// Engle, J. Bus. Econ. Stat. 20 (2002) 339-350; Engle, Shephard and Sheppard (2008).
template <class Derived>
  requires detail::panel<Derived>
[[nodiscard]] dcc_result<typename Derived::Scalar> dcc_fit(const Eigen::MatrixBase<Derived>& returns,
                                                           const dcc_options& options = {}) {
  using Real = typename Derived::Scalar;
  constexpr std::string_view fn = "dcc_fit";
  if (returns.cols() < 2)
    throw invalid_input(detail::message(fn, "returns has " + std::to_string(returns.cols()) +
                                                " column(s); a correlation model needs at least 2 assets"));
  detail::check_fit_options(fn, options);
  const int threads =
      detail::resolve_threads(options.threads, (returns.rows() + detail::dcc_chunk - 1) / detail::dcc_chunk);
  dcc_result<Real> out;
  out.univariate = garch_fit(returns, options.univariate);
  const Eigen::Index t_count = returns.rows(), m = returns.cols();
  Eigen::MatrixXd z(t_count, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    const auto& u = out.univariate[detail::uz(j)];
    for (Eigen::Index t = 0; t < t_count; ++t)
      z(t, j) = (static_cast<double>(returns(t, j)) - static_cast<double>(u.mu)) /
                static_cast<double>(u.conditional_volatilities[detail::uz(t)]);
  }
  const Eigen::MatrixXd qbar = (z.transpose() * z) / static_cast<double>(t_count);
  {
    detail::dcc_scratch probe;
    double logdet = 0;
    if (!detail::small_cholesky(qbar, probe.l, logdet))
      throw singular_problem(detail::message(fn, "the standardised residuals' second-moment matrix Qbar is singular (" +
                                                     std::to_string(t_count) + " dates, " + std::to_string(m) +
                                                     " assets): some assets are exact combinations of others"));
  }
  const bool composite = options.method == dcc_method::composite;
  const detail::garch_solution sol =
      detail::dcc_maximise<double>(fn, z, qbar, composite, options.tolerance, options.max_iterations, threads);
  if (!sol.converged && options.require_convergence)
    throw not_converged(detail::message(fn, "the (a, b) fit did not converge in " + std::to_string(sol.iterations) +
                                                " iterations (the last step still promised " +
                                                detail::number_text(sol.last_gain) +
                                                "); raise max_iterations or set require_convergence = false"));
  const double a = sol.theta(0), b = sol.theta(1);
  detail::dcc_scratch ws;
  detail::garch_pass pass;
  std::vector<Eigen::MatrixXd> path;
  detail::dcc_evaluate_full(z, qbar, a, b, 0, pass, ws, options.keep_correlations ? &path : nullptr, threads);
  // Q_{T+1} from the last date
  const Eigen::VectorXd zl = z.row(t_count - 1).transpose();
  const Eigen::MatrixXd q_next = (1 - a - b) * qbar + a * zl * zl.transpose() + b * ws.q;
  const Eigen::VectorXd s_next = q_next.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::VectorXd s_bar = qbar.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd r_next = s_next.asDiagonal() * q_next * s_next.asDiagonal();
  Eigen::VectorXd d(m);
  double univariate_llf = 0;
  for (Eigen::Index j = 0; j < m; ++j) {
    d(j) = std::sqrt(static_cast<double>(out.univariate[detail::uz(j)].next_variance));
    univariate_llf += static_cast<double>(out.univariate[detail::uz(j)].log_likelihood);
  }
  out.a = static_cast<Real>(a);
  out.b = static_cast<Real>(b);
  out.correlation_log_likelihood = static_cast<Real>(pass.llf);
  out.log_likelihood = static_cast<Real>(univariate_llf + pass.llf);
  out.correlation = r_next.template cast<Real>();
  out.covariance = (d.asDiagonal() * r_next * d.asDiagonal()).template cast<Real>();
  out.unconditional_correlation = (s_bar.asDiagonal() * qbar * s_bar.asDiagonal()).template cast<Real>();
  out.correlations.reserve(path.size());
  for (const auto& r : path) out.correlations.push_back(r.template cast<Real>());
  out.converged = sol.converged;
  out.iterations = sol.iterations;
  out.evaluations = sol.evaluations;
  out.n = t_count;
  return out;
}

}  // namespace keel
