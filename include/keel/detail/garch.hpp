// SPDX-License-Identifier: MIT
// keel/detail/garch.hpp: the GARCH(1,1) / GJR-GARCH(1,1) likelihood, its analytic gradient and
// the constrained quasi-Newton fit behind keel/garch.hpp. Owned by keel/garch.hpp.
//
// Parameters and layout
//   theta = (mu?, omega, alpha, gamma?, beta, nu?): mu only with a constant mean, gamma only for
//   GJR, nu only for Student-t innovations (garch_layout holds each one's index, -1 if absent).
//   The fit runs on returns divided by their root mean square about the mean (`scale`), so
//   omega, mu and the optimiser's tolerances do not depend on the units of the data; the
//   answer is mapped back exactly (mu * scale, omega * scale^2, log-likelihood - n log scale).
//
// One pass, O(n k)
//   e_t = y_t - mu;  h_0 = omega + (alpha + gamma / 2 + beta) b;
//   h_t = omega + (alpha + gamma I[e_{t-1} < 0]) e_{t-1}^2 + beta h_{t-1}   (t >= 1)
//   where b is the initial variance: the mean of e_t^2 over the sample (fGarch, and the
//   Fiorentini-Calzolari-Panattoni benchmark) or arch's backcast sum_{i<75} 0.94^i e_i^2 /
//   sum 0.94^i. The gradient is the recursion differentiated alongside the variance:
//   dh_t = beta dh_{t-1} + (1, e^2, I e^2, h_{t-1}) in (omega, alpha, gamma, beta) and
//   -2 (alpha + gamma I) e_{t-1} in mu (b's own derivative in mu enters through h_0). Each
//   observation's score s_t = dl_t/dh dh_t + dl_t/de de/dmu + dl_t/dnu is summed into the
//   gradient and, when asked, into the outer product sum s_t s_t' (BHHH; the robust errors'
//   middle matrix).
//
// The optimiser
//   Sequential quadratic programming on the log-likelihood: each step maximises the quadratic
//   model g'd - d'Bd/2 over the feasible polytope (omega > 0, alpha >= 0, beta >= 0,
//   alpha + gamma >= 0, alpha + gamma/2 + beta <= 1 - 1e-6, 2.05 <= nu <= 500) with keel's exact
//   active-set QP (detail/qp.hpp), then an Armijo backtracking line search. B starts as the
//   BHHH matrix (Berndt, Hall, Hall and Hausman 1974, Bollerslev's own choice in 1986) and is
//   updated by damped BFGS (Powell 1978) so that it stays positive definite. The fit has
//   converged when the model's predicted gain of the next step, g'd - d'Bd/2, is at most the
//   tolerance (log-likelihood units). Every step is deterministic.
//
// References
//   T. Bollerslev, "Generalized autoregressive conditional heteroskedasticity", J. Econometrics
//   31 (1986) 307-327. L. R. Glosten, R. Jagannathan and D. E. Runkle, J. Finance 48 (1993)
//   1779-1801. E. K. Berndt, B. H. Hall, R. E. Hall and J. A. Hausman, Ann. Econ. Soc. Meas. 3
//   (1974) 653-665. M. J. D. Powell, "A fast algorithm for nonlinearly constrained optimization
//   calculations" (1978) (damped BFGS). J. Nocedal and S. J. Wright, Numerical Optimization,
//   2nd ed. (2006), ch. 18 (SQP). T. Bollerslev and J. M. Wooldridge, Econometric Rev. 11 (1992)
//   143-172 (robust errors). K. Sheppard, arch (starting grid, backcast).
// IWYU pragma: private, include <keel/garch.hpp>
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <boost/math/special_functions/digamma.hpp>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/qp.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel {

/// The variance equation of garch_fit.
enum class garch_type {
  garch,  ///< GARCH(1,1): h_t = omega + alpha e_{t-1}^2 + beta h_{t-1} (Bollerslev 1986)
  gjr     ///< GJR-GARCH(1,1): adds gamma e_{t-1}^2 when e_{t-1} < 0 (Glosten et al. 1993)
};

/// The mean equation of garch_fit.
enum class garch_mean {
  constant,  ///< r_t = mu + e_t, mu estimated (arch's ConstantMean, fGarch's include.mean = TRUE)
  zero       ///< r_t = e_t (arch's ZeroMean, fGarch's include.mean = FALSE)
};

/// The distribution of the standardised innovations e_t / sqrt(h_t).
enum class garch_distribution {
  normal,    ///< standard normal
  student_t  ///< Student t scaled to unit variance, nu > 2 estimated (Bollerslev 1987)
};

/// How the variance recursion starts: the value b standing in for e_{-1}^2 and h_{-1}.
enum class garch_initial_variance {
  /// arch's backcast: b = sum_{i<tau} 0.94^i e_i^2 / sum_{i<tau} 0.94^i, tau = min(75, n).
  backcast,
  /// The sample mean of e_t^2 at the current mu, b = (1/n) sum e_t^2: fGarch's default
  /// (init.rec = "mci") and the Fiorentini-Calzolari-Panattoni (1996) benchmark.
  sample
};

namespace detail {

/// The index of each parameter in theta, -1 when the model does not estimate it.
struct garch_layout {
  int mu = -1, omega = 0, alpha = 1, gamma = -1, beta = 2, nu = -1, k = 3;
  bool backcast = true;

  static garch_layout of(garch_type type, garch_mean mean, garch_distribution dist, garch_initial_variance init) {
    garch_layout l;
    int i = 0;
    if (mean == garch_mean::constant) l.mu = i++;
    l.omega = i++;
    l.alpha = i++;
    if (type == garch_type::gjr) l.gamma = i++;
    l.beta = i++;
    if (dist == garch_distribution::student_t) l.nu = i++;
    l.k = i;
    l.backcast = init == garch_initial_variance::backcast;
    return l;
  }
};

// The kernels below are function templates (template <class = void>, called without template
// arguments) so that, header-only, only a translation unit that calls them compiles their Eigen
// code (detail/config.hpp).
inline constexpr int garch_max_parameters = 6;
inline constexpr double garch_max_persistence = 1 - 1e-6;         // alpha + gamma/2 + beta
inline constexpr double garch_min_omega = 1e-12;                  // in units of the scaled variance (1)
inline constexpr double garch_min_nu = 2.05, garch_max_nu = 500;  // arch's bounds
inline constexpr std::ptrdiff_t garch_backcast_length = 75;       // arch's tau
inline constexpr double garch_backcast_decay = 0.94;

using garch_vector = Eigen::Matrix<double, Eigen::Dynamic, 1, 0, garch_max_parameters, 1>;
using garch_matrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, garch_max_parameters, garch_max_parameters>;

/// What one pass computes: the log-likelihood, and when asked its gradient, the outer product
/// of the scores and the conditional variances.
struct garch_pass {
  double llf = 0;
  garch_vector gradient;
  garch_matrix opg;
};

/// The initial variance b(mu) and its derivative in mu.
template <class = void>
void garch_initial(const garch_layout& l, const double* y, std::ptrdiff_t n, double mu, double& b, double& db) {
  if (l.backcast) {
    const std::ptrdiff_t tau = std::min(garch_backcast_length, n);
    double w = 1, sw = 0, se2 = 0, se = 0;
    for (std::ptrdiff_t i = 0; i < tau; ++i, w *= garch_backcast_decay) {
      const double e = y[i] - mu;
      sw += w;
      se2 += w * e * e;
      se += w * e;
    }
    b = se2 / sw;
    db = -2 * se / sw;
  } else {
    double se2 = 0, se = 0;
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const double e = y[i] - mu;
      se2 += e * e;
      se += e;
    }
    b = se2 / static_cast<double>(n);
    db = -2 * se / static_cast<double>(n);
  }
}

/// One O(n k) pass (see garch_evaluate) for a fixed `Want` and distribution, so that the loop
/// carries no run-time branches. Derivatives run in the canonical order (mu, omega, alpha,
/// gamma, beta) with fixed trip counts; an absent parameter's entries stay 0.
template <int Want, bool Student>
bool garch_evaluate_fixed(const garch_layout& l, const double* y, std::ptrdiff_t n, const garch_vector& theta,
                          garch_pass& out, double* h) {
  constexpr int m = 5;  // canonical derivative slots: mu, omega, alpha, gamma, beta
  const double mu = l.mu >= 0 ? theta[l.mu] : 0.0;
  const double omega = theta[l.omega], alpha = theta[l.alpha], beta = theta[l.beta];
  const double gamma = l.gamma >= 0 ? theta[l.gamma] : 0.0;
  const double nu = Student ? theta[l.nu] : 0.0;
  const double mu_on = l.mu >= 0 ? 1.0 : 0.0, gamma_on = l.gamma >= 0 ? 1.0 : 0.0;
  double b = 0, db = 0;
  garch_initial(l, y, n, mu, b, db);

  // Constants of the log density: normal -(log 2 pi)/2; Student t (unit variance) below.
  double c0 = -0.5 * std::log(2 * std::numbers::pi), dc_nu = 0;
  if constexpr (Student) {
    c0 = std::lgamma(0.5 * (nu + 1)) - std::lgamma(0.5 * nu) - 0.5 * std::log(std::numbers::pi * (nu - 2));
    dc_nu = 0.5 * boost::math::digamma(0.5 * (nu + 1)) - 0.5 * boost::math::digamma(0.5 * nu) - 0.5 / (nu - 2);
  }

  std::array<double, m> dh{}, g{};
  std::array<double, (m + 1) * (m + 1)> opg{};  // canonical slots plus nu last
  double g_nu = 0;
  double ht = omega + (alpha + 0.5 * gamma + beta) * b;
  if constexpr (Want >= 1) dh = {mu_on * (alpha + 0.5 * gamma + beta) * db, 1, b, gamma_on * 0.5 * b, b};

  // sum_t log h_t (and sum_t log(1 + u_t) for t) as the logs of running products, renormalised
  // far from overflow: a handful of logs per pass instead of one per observation (the pass's
  // main cost), with an absolute error of a few ulps per renormalisation.
  double llf = 0, eprev = 0, hprev = 0, log_h = 0, prod_h = 1, log_u = 0, prod_u = 1;
  for (std::ptrdiff_t t = 0; t < n; ++t) {
    if (t > 0) {
      const double neg = eprev < 0 ? 1.0 : 0.0;
      const double w = alpha + neg * gamma;
      const double e2 = eprev * eprev;
      ht = omega + w * e2 + beta * hprev;
      if constexpr (Want >= 1) {
        for (int j = 0; j < m; ++j) dh[static_cast<std::size_t>(j)] *= beta;
        dh[0] -= mu_on * 2 * w * eprev;
        dh[1] += 1;
        dh[2] += e2;
        dh[3] += gamma_on * neg * e2;
        dh[4] += hprev;
      }
    }
    if (!(ht > 0) || !(ht < std::numeric_limits<double>::infinity())) return false;
    const double e = y[t] - mu;
    const double inv_h = 1 / ht;  // one division per observation
    const double q = e * e * inv_h;
    prod_h *= ht;
    if (!(prod_h < 1e100 && prod_h > 1e-100)) {
      log_h += std::log(prod_h);
      prod_h = 1;
    }
    [[maybe_unused]] double dl_dh = 0, dl_de = 0, s_nu = 0;
    if constexpr (Student) {
      const double u = q / (nu - 2);
      prod_u *= 1 + u;
      if (!(prod_u < 1e100)) {
        log_u += std::log(prod_u);
        prod_u = 1;
      }
      if constexpr (Want >= 1) {
        // the score in nu needs each log(1 + u_t) itself
        const double r = (nu + 1) / (1 + u);
        dl_dh = (-0.5 + 0.5 * r * u) * inv_h;
        dl_de = -r * e * inv_h / (nu - 2);
        s_nu = dc_nu - 0.5 * std::log1p(u) + 0.5 * r * u / (nu - 2);
        g_nu += s_nu;
      }
    } else {
      llf -= 0.5 * q;
      if constexpr (Want >= 1) {
        dl_dh = 0.5 * (q - 1) * inv_h;
        dl_de = -e * inv_h;
      }
    }
    if constexpr (Want >= 1) {
      std::array<double, m + 1> sc{};
      for (int j = 0; j < m; ++j) sc[static_cast<std::size_t>(j)] = dl_dh * dh[static_cast<std::size_t>(j)];
      sc[0] -= mu_on * dl_de;
      sc[m] = s_nu;
      for (int j = 0; j < m; ++j) g[static_cast<std::size_t>(j)] += sc[static_cast<std::size_t>(j)];
      if constexpr (Want >= 2)
        for (int j = 0; j <= m; ++j)
          for (int i = 0; i <= m; ++i)
            opg[static_cast<std::size_t>(j * (m + 1) + i)] +=
                sc[static_cast<std::size_t>(i)] * sc[static_cast<std::size_t>(j)];
    }
    if (h != nullptr) h[t] = ht;
    eprev = e;
    hprev = ht;
  }
  log_h += std::log(prod_h);
  log_u += std::log(prod_u);
  llf += static_cast<double>(n) * c0 - 0.5 * log_h;
  if constexpr (Student) llf -= 0.5 * (nu + 1) * log_u;
  out.llf = llf;
  if constexpr (Want >= 1) {
    // canonical slot of each layout index
    std::array<int, garch_max_parameters> slot{};
    if (l.mu >= 0) slot[static_cast<std::size_t>(l.mu)] = 0;
    slot[static_cast<std::size_t>(l.omega)] = 1;
    slot[static_cast<std::size_t>(l.alpha)] = 2;
    if (l.gamma >= 0) slot[static_cast<std::size_t>(l.gamma)] = 3;
    slot[static_cast<std::size_t>(l.beta)] = 4;
    if (l.nu >= 0) slot[static_cast<std::size_t>(l.nu)] = m;
    out.gradient.resize(l.k);
    for (int i = 0; i < l.k; ++i) {
      const int si = slot[static_cast<std::size_t>(i)];
      out.gradient[i] = si == m ? g_nu : g[static_cast<std::size_t>(si)];
    }
    if constexpr (Want >= 2) {
      out.opg.resize(l.k, l.k);
      for (int j = 0; j < l.k; ++j)
        for (int i = 0; i < l.k; ++i)
          out.opg(i, j) = opg[static_cast<std::size_t>(slot[static_cast<std::size_t>(j)] * (m + 1) +
                                                       slot[static_cast<std::size_t>(i)])];
    }
  }
  return std::isfinite(llf);
}

/// One O(n k) pass over y at theta. `want` 0: log-likelihood only; 1: and the gradient; 2: and
/// the outer product of the scores. `h` (size n), when not null, receives the variances.
/// Returns false when a variance is not positive and finite (theta outside the model's domain).
template <class = void>
bool garch_evaluate(const garch_layout& l, const double* y, std::ptrdiff_t n, const garch_vector& theta, int want,
                    garch_pass& out, double* h = nullptr) {
  const bool student = l.nu >= 0;
  switch (want) {
    case 0:
      return student ? garch_evaluate_fixed<0, true>(l, y, n, theta, out, h)
                     : garch_evaluate_fixed<0, false>(l, y, n, theta, out, h);
    case 1:
      return student ? garch_evaluate_fixed<1, true>(l, y, n, theta, out, h)
                     : garch_evaluate_fixed<1, false>(l, y, n, theta, out, h);
    default:
      return student ? garch_evaluate_fixed<2, true>(l, y, n, theta, out, h)
                     : garch_evaluate_fixed<2, false>(l, y, n, theta, out, h);
  }
}

/// The state of a fit on scaled returns: parameters, log-likelihood, convergence record.
struct garch_solution {
  garch_vector theta;
  double llf = 0;
  bool converged = false;
  int iterations = 0;
  int evaluations = 0;
  double last_gain = 0;
};

/// The feasible polytope as a QP in the step d: bounds lo - theta <= d <= hi - theta, the
/// persistence row and, for GJR, alpha + gamma >= 0.
template <class = void>
void garch_step_problem(const garch_layout& l, const garch_vector& theta, const garch_matrix& B, const garch_vector& g,
                        qp_problem<double>& p) {
  const int k = l.k;
  const double inf = std::numeric_limits<double>::infinity();
  p.q = B;
  p.c = g;
  p.lower.setConstant(k, -inf);
  p.upper.setConstant(k, inf);
  p.lower[l.omega] = garch_min_omega - theta[l.omega];
  p.lower[l.alpha] = -theta[l.alpha];
  p.upper[l.alpha] = 1 - theta[l.alpha];
  p.lower[l.beta] = -theta[l.beta];
  p.upper[l.beta] = 1 - theta[l.beta];
  if (l.gamma >= 0) {
    p.lower[l.gamma] = -1 - theta[l.gamma];
    p.upper[l.gamma] = 2 - theta[l.gamma];
  }
  if (l.nu >= 0) {
    p.lower[l.nu] = garch_min_nu - theta[l.nu];
    p.upper[l.nu] = garch_max_nu - theta[l.nu];
  }
  const int rows = l.gamma >= 0 ? 2 : 1;
  p.a.setZero(rows, k);
  p.row_lower.resize(rows);
  p.row_upper.resize(rows);
  p.a(0, l.alpha) = 1;
  p.a(0, l.beta) = 1;
  double persistence = theta[l.alpha] + theta[l.beta];
  if (l.gamma >= 0) {
    p.a(0, l.gamma) = 0.5;
    persistence += 0.5 * theta[l.gamma];
    p.a(1, l.alpha) = 1;
    p.a(1, l.gamma) = 1;
    p.row_lower[1] = -(theta[l.alpha] + theta[l.gamma]);
    p.row_upper[1] = inf;
  }
  p.row_lower[0] = -inf;
  p.row_upper[0] = garch_max_persistence - persistence;
}

/// Puts theta back on the feasible set where the rounding of theta + t d left it a few ulps
/// outside (a bound, alpha + gamma >= 0, the persistence row), so that every iterate, and the
/// answer, satisfies the constraints exactly.
template <class = void>
void garch_project(const garch_layout& l, garch_vector& theta) {
  theta[l.omega] = std::max(theta[l.omega], garch_min_omega);
  theta[l.alpha] = std::clamp(theta[l.alpha], 0.0, 1.0);
  theta[l.beta] = std::clamp(theta[l.beta], 0.0, 1.0);
  double gamma = 0;
  if (l.gamma >= 0) {
    theta[l.gamma] = std::clamp(theta[l.gamma], -1.0, 2.0);
    if (theta[l.alpha] + theta[l.gamma] < 0) theta[l.gamma] = -theta[l.alpha];
    gamma = theta[l.gamma];
  }
  if (theta[l.alpha] + 0.5 * gamma + theta[l.beta] > garch_max_persistence)
    theta[l.beta] = std::max(0.0, garch_max_persistence - theta[l.alpha] - 0.5 * gamma);
  if (l.nu >= 0) theta[l.nu] = std::clamp(theta[l.nu], garch_min_nu, garch_max_nu);
}

/// Damped BFGS update of B (an approximation of minus the Hessian) with the step s and the
/// change y = g_old - g_new of the gradient (Powell 1978: B stays positive definite).
template <class = void>
void garch_bfgs_update(garch_matrix& B, const garch_vector& s, const garch_vector& y) {
  const garch_vector bs = B * s;
  const double sbs = s.dot(bs);
  if (!(sbs > 0)) return;
  double sy = s.dot(y);
  garch_vector r = y;
  if (sy < 0.2 * sbs) {
    const double theta = 0.8 * sbs / (sbs - sy);
    r = theta * y + (1 - theta) * bs;
    sy = s.dot(r);
  }
  if (!(sy > 0)) return;
  B += r * r.transpose() / sy - bs * bs.transpose() / sbs;
  B = 0.5 * (B + B.transpose()).eval();
}

/// The starting point: arch's grid (alpha, gamma in {0.01, 0.05, 0.1, 0.2}, alpha + gamma/2 +
/// beta in {0.5, 0.7, 0.9, 0.98}, omega = (1 - persistence) mean e^2), the best Gaussian
/// log-likelihood first in grid order; mu the sample mean; nu from the kurtosis k of the
/// standardised residuals, max(4, (4k - 6) / (k - 3)) when k > 3.75, else 12 (arch).
template <class = void>
garch_vector garch_start(const garch_layout& l, const double* y, std::ptrdiff_t n, int& evaluations) {
  double mean = 0;
  if (l.mu >= 0) {
    for (std::ptrdiff_t i = 0; i < n; ++i) mean += y[i];
    mean /= static_cast<double>(n);
  }
  double target = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i) target += (y[i] - mean) * (y[i] - mean);
  target /= static_cast<double>(n);

  const garch_layout gauss = [&] {
    garch_layout g = l;
    g.nu = -1;
    g.k = l.nu >= 0 ? l.k - 1 : l.k;
    return g;
  }();
  constexpr std::array<double, 4> alphas{0.01, 0.05, 0.1, 0.2}, persistences{0.5, 0.7, 0.9, 0.98};
  const int gammas = l.gamma >= 0 ? 4 : 1;
  garch_vector best(gauss.k), trial(gauss.k);
  double best_llf = -std::numeric_limits<double>::infinity();
  garch_pass pass;
  bool found = false;
  for (const double a : alphas)
    for (int gi = 0; gi < gammas; ++gi)
      for (const double p : persistences) {
        const double gamma = l.gamma >= 0 ? alphas[static_cast<std::size_t>(gi)] : 0.0;
        if (l.mu >= 0) trial[l.mu] = mean;
        trial[l.omega] = (1 - p) * target;
        trial[l.alpha] = a;
        if (l.gamma >= 0) trial[l.gamma] = gamma;
        trial[l.beta] = p - a - 0.5 * gamma;
        ++evaluations;
        if (garch_evaluate(gauss, y, n, trial, 0, pass) && (!found || pass.llf > best_llf)) {
          best = trial;
          best_llf = pass.llf;
          found = true;
        }
      }
  garch_vector theta(l.k);
  for (int j = 0; j < gauss.k; ++j) theta[j] = best[j];  // nu, when present, is last
  if (l.nu >= 0) {
    std::vector<double> h(static_cast<std::size_t>(n));
    garch_evaluate(gauss, y, n, best, 0, pass, h.data());
    // the kurtosis of the standardised residuals about their own mean, as scipy.stats.kurtosis
    const double mu = l.mu >= 0 ? best[l.mu] : 0.0;
    double zbar = 0, m2 = 0, m4 = 0;
    for (std::ptrdiff_t i = 0; i < n; ++i) zbar += (y[i] - mu) / std::sqrt(h[static_cast<std::size_t>(i)]);
    zbar /= static_cast<double>(n);
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const double d = (y[i] - mu) / std::sqrt(h[static_cast<std::size_t>(i)]) - zbar;
      m2 += d * d;
      m4 += d * d * d * d;
    }
    const double kurt =
        m2 > 0 ? (m4 / static_cast<double>(n)) / ((m2 / static_cast<double>(n)) * (m2 / static_cast<double>(n))) : 3.0;
    theta[l.nu] = std::max(kurt > 3.75 ? (4 * kurt - 6) / (kurt - 3) : 12.0, 4.0);
  }
  return theta;
}

/// The SQP loop shared by the GARCH and DCC fits (the file comment's optimiser), from the
/// pass `cur` at sol.theta (its gradient and score outer product filled). evaluate(theta, want,
/// pass) -> bool runs one pass; step(theta, B, g, qp) writes the step's QP (bounds and rows in
/// the step d); project(theta) puts a rounded iterate back on the feasible set.
/// `start`, when not null, is the first Hessian model (minus the Hessian, positive definite);
/// otherwise the score outer product of `cur` is.
template <class Evaluate, class Step, class Project>
void sqp_maximise(std::string_view fn, garch_solution& sol, garch_pass& cur, double tolerance, int max_iterations,
                  Evaluate&& evaluate, Step&& step, Project&& project, const garch_matrix* start = nullptr) {
  garch_pass trial;
  garch_matrix B = start != nullptr ? *start : cur.opg;
  if (start == nullptr) B.diagonal().array() += 1e-8 * (1 + B.diagonal().array().abs());
  qp_problem<double> qp;
  for (sol.iterations = 0; sol.iterations < max_iterations;) {
    step(sol.theta, B, cur.gradient, qp);
    // Data without ARCH effects put alpha at 0, where omega and beta matter only through
    // omega / (1 - beta): B is then nearly singular along that ridge and the QP may refuse it.
    // A growing ridge on this step's copy of B (Levenberg-Marquardt) gives a step; four
    // refusals in a row end the fit, reported as not converged.
    garch_vector d;
    bool solved = false;
    const double scale = 1 + B.diagonal().cwiseAbs().maxCoeff();
    for (int attempt = 0; attempt < 4 && !solved; ++attempt) {
      try {
        d = solve_qp(fn, qp).x;
        solved = true;
      } catch (const error&) {
        qp.q.diagonal().array() += scale * std::pow(100.0, attempt) * 1e-8;
      }
    }
    if (!solved) break;
    const double slope = cur.gradient.dot(d);
    const double gain = slope - 0.5 * d.dot(B * d);
    sol.last_gain = gain;
    if (gain <= tolerance) {
      sol.converged = true;
      break;
    }
    ++sol.iterations;
    double t = 1;
    bool accepted = false;
    for (int halving = 0; halving < 40; ++halving, t *= 0.5) {
      garch_vector next = sol.theta + t * d;
      project(next);
      ++sol.evaluations;
      if (evaluate(next, 1, trial) && trial.llf >= cur.llf + 1e-4 * t * slope) {
        const garch_vector moved = next - sol.theta;
        garch_bfgs_update(B, moved, cur.gradient - trial.gradient);
        sol.theta = next;
        std::swap(cur, trial);
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // No ascent along the step: the gradient's rounding dominates; converged if the model
      // promised no more than rounding can deliver.
      sol.converged = gain <= 1e3 * tolerance + 1e-12 * std::abs(cur.llf);
      break;
    }
  }
  sol.llf = cur.llf;
}

/// Maximises the log-likelihood of y (already scaled) from the grid's start. Deterministic.
template <class Acc = double>
garch_solution garch_maximise(std::string_view fn, const garch_layout& l, const double* y, std::ptrdiff_t n,
                              double tolerance, int max_iterations) {
  garch_solution sol;
  sol.theta = garch_start(l, y, n, sol.evaluations);
  garch_pass cur;
  ++sol.evaluations;
  if (!garch_evaluate(l, y, n, sol.theta, 2, cur))
    throw singular_problem(
        message(fn, "the likelihood is not finite at the starting values; the returns are degenerate"));
  sqp_maximise(
      fn, sol, cur, tolerance, max_iterations,
      [&](const garch_vector& theta, int want, garch_pass& pass) { return garch_evaluate(l, y, n, theta, want, pass); },
      [&](const garch_vector& theta, const garch_matrix& B, const garch_vector& g, qp_problem<double>& qp) {
        garch_step_problem(l, theta, B, g, qp);
      },
      [&](garch_vector& theta) { garch_project(l, theta); });
  return sol;
}

KEEL_EXTERN_TEMPLATE(garch_solution garch_maximise<double>(std::string_view, const garch_layout&, const double*,
                                                           std::ptrdiff_t, double, int))

}  // namespace detail
}  // namespace keel
