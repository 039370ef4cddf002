// SPDX-License-Identifier: MIT
// keel/detail/dcc.hpp: the correlation step of DCC(1,1) (Engle 2002) behind keel/garch.hpp's
// dcc_fit: the recursion, its Gaussian quasi-log-likelihood with the analytic gradient, and the
// composite (pairwise) likelihood of Engle, Shephard and Sheppard (2008). Owned by keel/garch.hpp.
//
// Model (z_t the N standardised residuals of the univariate GARCH fits at date t)
//   Q_0 = Qbar = (1/T) sum_t z_t z_t';  Q_t = (1 - a - b) Qbar + a z_{t-1} z_{t-1}' + b Q_{t-1};
//   R_t = diag(Q_t)^(-1/2) Q_t diag(Q_t)^(-1/2).
//   l_t = -1/2 (log|R_t| + z_t' R_t^-1 z_t - z_t' z_t)  (Engle's L_C: the correlation part).
//   With u = diag(Q)^(1/2) z: log|R| = log|Q| - sum log q_ii and z'R^-1 z = u'Q^-1 u, so one
//   Cholesky factor of Q_t gives both.
// Gradient (directions a and b, G = dQ_t/da or dQ_t/db)
//   G^a_t = z_{t-1} z_{t-1}' - Qbar + b G^a_{t-1},  G^b_t = Q_{t-1} - Qbar + b G^b_{t-1},
//   G_0 = 0 (Q_0 = Qbar for every a, b);
//   dl_t = -1/2 (tr(Q^-1 G) - sum_i G_ii / q_ii + sum_i G_ii u_i v_i / q_ii - v'G v), v = Q^-1 u.
// Composite likelihood (2MSCLE): the sum over the N - 1 contiguous pairs (i, i + 1) of the
//   bivariate l_t with the same a and b (a pair's 2 x 2 block of Q follows the same recursion),
//   O(T N) per pass instead of O(T N^3); consistent for a and b (Engle, Shephard and Sheppard).
// The maximiser is garch.hpp's SQP loop over (a, b) with a >= 0, b >= 0, a + b <= 1 - 1e-6.
// IWYU pragma: private, include <keel/garch.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/garch.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

inline constexpr double dcc_max_persistence = 1 - 1e-6;  // a + b

/// Scratch of the full DCC pass: Q, its derivatives, the Cholesky factor and Q^-1 (N x N each).
struct dcc_scratch {
  Eigen::MatrixXd q, ga, gb, l, x, inv, zt;
  Eigen::VectorXd u, v, w;
};

/// Lower Cholesky factor of the symmetric n x n `a` into `l` (plain loops: at N = 50 they run
/// several times faster than Eigen's blocked LLT, whose set-up dominates at this size). Returns
/// false unless `a` is positive definite; `logdet` receives log|a|.
template <class = void>
bool small_cholesky(const Eigen::MatrixXd& a, Eigen::MatrixXd& l, double& logdet) {
  const Eigen::Index n = a.rows();
  l.resize(n, n);
  logdet = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const Eigen::Index m = n - j;
    auto cj = l.col(j).tail(m);
    cj = a.col(j).tail(m);
    // left-looking: subtract the earlier columns' contributions, one contiguous axpy each
    // (Eigen's packets, so the loop is vectorised at any optimisation level)
    for (Eigen::Index k = 0; k < j; ++k) cj -= l(j, k) * l.col(k).tail(m);
    const double d = cj(0);
    if (!(d > 0) || !std::isfinite(d)) return false;
    logdet += std::log(d);
    const double root = std::sqrt(d);
    cj.tail(m - 1) /= root;
    cj(0) = root;
  }
  return true;
}

/// The lower triangle of Q^-1 = X'X from the Cholesky factor L of Q, X = L^-1, both by loops
/// that skip the zero triangles (N^3/6 multiply-adds each, a third of dense products).
template <class = void>
void lower_inverse_gram(const Eigen::MatrixXd& l, Eigen::MatrixXd& x, Eigen::MatrixXd& inv) {
  const Eigen::Index n = l.rows();
  x.setZero(n, n);
  inv.resize(n, n);
  const double* lp = l.data();
  for (Eigen::Index j = 0; j < n; ++j) {
    auto xj = x.col(j);  // column j of X: L x = e_j, x_i = 0 above j
    xj(j) = 1;
    for (Eigen::Index k = j; k < n; ++k) {
      const double xk = xj(k) / lp[k * n + k];
      xj(k) = xk;
      xj.tail(n - k - 1) -= xk * l.col(k).tail(n - k - 1);
    }
  }
  // rows k >= i of columns i and j (Eigen's dot: explicit SIMD packets for the reduction)
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j; i < n; ++i) inv(i, j) = x.col(i).tail(n - i).dot(x.col(j).tail(n - i));
}

/// The recursion's state at a date: Q_t and, for the gradient, G^a_t and G^b_t (lower
/// triangles; everything downstream reads only them).
struct dcc_state {
  Eigen::MatrixXd q, ga, gb;
};

/// Advances `s` from date t - 1 (standardised residuals zp) to date t. Derivatives first, as
/// G^b uses Q_{t-1}.
template <class ZP>
void dcc_advance(const ZP& zp, const Eigen::MatrixXd& qbar, double a, double b, bool derivatives, dcc_state& s) {
  const Eigen::Index n = qbar.rows();
  const double c = 1 - a - b;
  for (Eigen::Index j = 0; j < n; ++j) {
    const Eigen::Index m = n - j;
    const double zj = zp(j);
    if (derivatives) {
      s.ga.col(j).tail(m) = zj * zp.tail(m) - qbar.col(j).tail(m) + b * s.ga.col(j).tail(m);
      s.gb.col(j).tail(m) = s.q.col(j).tail(m) - qbar.col(j).tail(m) + b * s.gb.col(j).tail(m);
    }
    s.q.col(j).tail(m) = c * qbar.col(j).tail(m) + (a * zj) * zp.tail(m) + b * s.q.col(j).tail(m);
  }
}

/// What a run of dates adds to a pass: l_t summed, and the scores' sum and outer product.
struct dcc_partial {
  double llf = 0;
  Eigen::Vector2d grad = Eigen::Vector2d::Zero();
  Eigen::Matrix2d opg = Eigen::Matrix2d::Zero();
  bool ok = true;
};

/// Dates [first, last) from the state at `first` (advanced in place to last - 1).
template <class = void>
void dcc_run(const Eigen::MatrixXd& zt, const Eigen::MatrixXd& qbar, double a, double b, int want, Eigen::Index first,
             Eigen::Index last, dcc_state& st, dcc_scratch& ws, dcc_partial& part, std::vector<Eigen::MatrixXd>* path) {
  const Eigen::Index n = zt.rows();
  ws.u.resize(n);
  ws.v.resize(n);
  for (Eigen::Index t = first; t < last; ++t) {
    if (t > first) dcc_advance(zt.col(t - 1), qbar, a, b, want >= 1, st);
    double logdet = 0;
    if (!small_cholesky(st.q, ws.l, logdet)) {
      part.ok = false;
      return;
    }
    double sum_log_q = 0, zz = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double qi = st.q(i, i);
      sum_log_q += std::log(qi);
      ws.u(i) = std::sqrt(qi) * zt(i, t);
      zz += zt(i, t) * zt(i, t);
    }
    // v = Q^-1 u by the two triangular solves
    ws.v = ws.l.triangularView<Eigen::Lower>().solve(ws.u);
    const double quad = ws.v.squaredNorm();
    ws.l.triangularView<Eigen::Lower>().transpose().solveInPlace(ws.v);
    part.llf += -0.5 * (logdet - sum_log_q + quad - zz);
    if (want >= 1) {
      lower_inverse_gram(ws.l, ws.x, ws.inv);
      Eigen::Vector2d s;
      const Eigen::MatrixXd* g[2] = {&st.ga, &st.gb};
      for (int d = 0; d < 2; ++d) {
        const Eigen::MatrixXd& gd = *g[d];
        double diag = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
          const double qi = st.q(i, i);
          diag += gd(i, i) / qi - gd(i, i) * ws.u(i) * ws.v(i) / qi;
        }
        // tr(Q^-1 G) and v'Gv from the lower triangles (both symmetric)
        double trace = 0, vgv = 0;
        for (Eigen::Index j = 0; j < n; ++j) {
          const Eigen::Index m = n - j - 1;
          trace += ws.inv(j, j) * gd(j, j) + 2 * ws.inv.col(j).tail(m).dot(gd.col(j).tail(m));
          vgv += ws.v(j) * (gd(j, j) * ws.v(j) + 2 * gd.col(j).tail(m).dot(ws.v.tail(m)));
        }
        s(d) = -0.5 * (trace - diag - vgv);
      }
      part.grad += s;
      part.opg += s * s.transpose();
    }
    if (path != nullptr) {
      ws.q = st.q;
      ws.q.triangularView<Eigen::StrictlyUpper>() = ws.q.transpose();
      ws.w = ws.q.diagonal().cwiseSqrt().cwiseInverse();
      (*path)[static_cast<std::size_t>(t)] = ws.w.asDiagonal() * ws.q * ws.w.asDiagonal();
    }
  }
}

inline constexpr Eigen::Index dcc_chunk = 128;  // dates per chunk of a pass (fixed: see below)

/// One pass of the full DCC correlation likelihood over z (T x N) at (a, b): the sum of l_t,
/// and with want >= 1 its gradient and score outer product (2 x 2). `path`, when not null,
/// receives R_t for every t. Returns false when some Q_t is not positive definite.
/// The dates are cut into fixed chunks of 128 whose sums are added in order, so the result is
/// the same bits on any number of threads; with threads > 1 a serial prologue runs the cheap
/// O(N^2) recursion to each chunk's start, and the chunks' O(N^3) work is shared out.
/// ws.q receives Q_{T-1} (whole).
template <class = void>
bool dcc_evaluate_full(const Eigen::MatrixXd& z, const Eigen::MatrixXd& qbar, double a, double b, int want,
                       garch_pass& out, dcc_scratch& ws, std::vector<Eigen::MatrixXd>* path = nullptr,
                       int threads = 1) {
  const Eigen::Index t_count = z.rows(), n = z.cols();
  const Eigen::Index chunks = (t_count + dcc_chunk - 1) / dcc_chunk;
  ws.zt = z.transpose();  // one date per column: contiguous
  if (path != nullptr) path->assign(static_cast<std::size_t>(t_count), Eigen::MatrixXd());
  std::vector<dcc_partial> parts(static_cast<std::size_t>(chunks));
  dcc_state st;
  st.q = qbar;
  st.ga.setZero(n, n);
  st.gb.setZero(n, n);
  const bool derivatives = want >= 1;
  if (threads <= 1 || chunks == 1) {
    for (Eigen::Index c = 0; c < chunks; ++c) {
      const Eigen::Index first = c * dcc_chunk, last = std::min(t_count, first + dcc_chunk);
      if (c > 0) dcc_advance(ws.zt.col(first - 1), qbar, a, b, derivatives, st);
      dcc_run(ws.zt, qbar, a, b, want, first, last, st, ws, parts[static_cast<std::size_t>(c)], path);
      if (!parts[static_cast<std::size_t>(c)].ok) return false;
    }
    ws.q = st.q;
  } else {
    std::vector<dcc_state> starts(static_cast<std::size_t>(chunks));
    for (Eigen::Index t = 0; t < t_count; ++t) {
      if (t > 0) dcc_advance(ws.zt.col(t - 1), qbar, a, b, derivatives, st);
      if (t % dcc_chunk == 0) starts[static_cast<std::size_t>(t / dcc_chunk)] = st;
    }
    ws.q = st.q;
    parallel_for<dcc_scratch>(chunks, threads, [&](std::ptrdiff_t c, dcc_scratch& local) {
      const Eigen::Index first = c * dcc_chunk, last = std::min(t_count, first + dcc_chunk);
      dcc_run(ws.zt, qbar, a, b, want, first, last, starts[static_cast<std::size_t>(c)], local,
              parts[static_cast<std::size_t>(c)], path);
    });
  }
  double llf = 0;
  Eigen::Vector2d grad = Eigen::Vector2d::Zero();
  Eigen::Matrix2d opg = Eigen::Matrix2d::Zero();
  for (const auto& p : parts) {
    if (!p.ok) return false;
    llf += p.llf;
    grad += p.grad;
    opg += p.opg;
  }
  ws.q.triangularView<Eigen::StrictlyUpper>() = ws.q.transpose();
  out.llf = llf;
  if (want >= 1) {
    out.gradient = grad;
    out.opg = opg;
  }
  return std::isfinite(llf);
}

/// One pass of the composite likelihood: the bivariate l_t summed over the pairs (i, i + 1).
template <class = void>
bool dcc_evaluate_pairs(const Eigen::MatrixXd& z, const Eigen::MatrixXd& qbar, double a, double b, int want,
                        garch_pass& out) {
  const Eigen::Index t_count = z.rows(), n = z.cols();
  double llf = 0;
  Eigen::Vector2d grad = Eigen::Vector2d::Zero();
  Eigen::Matrix2d opg = Eigen::Matrix2d::Zero();
  const double c = 1 - a - b;
  // per-date scores summed over the pairs, so that the outer product is of whole-date scores
  std::vector<Eigen::Vector2d> scores(want >= 1 ? static_cast<std::size_t>(t_count) : 0, Eigen::Vector2d::Zero());
  for (Eigen::Index p = 0; p + 1 < n; ++p) {
    const Eigen::Index i = p, j = p + 1;
    const double b11 = qbar(i, i), b12 = qbar(i, j), b22 = qbar(j, j);
    double q11 = b11, q12 = b12, q22 = b22;
    // derivatives of (q11, q12, q22) in a and in b
    double a11 = 0, a12 = 0, a22 = 0, d11 = 0, d12 = 0, d22 = 0;
    for (Eigen::Index t = 0; t < t_count; ++t) {
      if (t > 0) {
        const double x = z(t - 1, i), y = z(t - 1, j);
        if (want >= 1) {
          a11 = x * x - b11 + b * a11;
          a12 = x * y - b12 + b * a12;
          a22 = y * y - b22 + b * a22;
          d11 = q11 - b11 + b * d11;
          d12 = q12 - b12 + b * d12;
          d22 = q22 - b22 + b * d22;
        }
        q11 = c * b11 + a * x * x + b * q11;
        q12 = c * b12 + a * x * y + b * q12;
        q22 = c * b22 + a * y * y + b * q22;
      }
      if (!(q11 > 0 && q22 > 0)) return false;
      const double s = std::sqrt(q11 * q22), rho = q12 / s, one = 1 - rho * rho;
      if (!(one > 0)) return false;
      const double x = z(t, i), y = z(t, j);
      const double m = x * x + y * y - 2 * rho * x * y;
      llf += -0.5 * (std::log(one) + m / one - x * x - y * y);
      if (want >= 1) {
        // dl/drho, then drho from (dq11, dq12, dq22)
        const double dl_drho = -0.5 * (-2 * rho / one + (-2 * x * y * one + 2 * rho * m) / (one * one));
        const auto drho = [&](double e11, double e12, double e22) {
          return e12 / s - 0.5 * rho * (e11 / q11 + e22 / q22);
        };
        scores[static_cast<std::size_t>(t)] +=
            Eigen::Vector2d(dl_drho * drho(a11, a12, a22), dl_drho * drho(d11, d12, d22));
      }
    }
  }
  if (want >= 1)
    for (const auto& s : scores) {
      grad += s;
      opg += s * s.transpose();
    }
  out.llf = llf;
  if (want >= 1) {
    out.gradient = grad;
    out.opg = opg;
  }
  return std::isfinite(llf);
}

/// The step QP of the (a, b) problem: a >= 0, b >= 0, a + b <= 1 - 1e-6.
template <class = void>
void dcc_step_problem(const garch_vector& theta, const garch_matrix& B, const garch_vector& g, qp_problem<double>& p) {
  const double inf = std::numeric_limits<double>::infinity();
  p.q = B;
  p.c = g;
  p.lower = -theta;
  p.upper.setConstant(2, inf);
  p.a.setOnes(1, 2);
  p.row_lower.setConstant(1, -inf);
  p.row_upper.setConstant(1, dcc_max_persistence - theta.sum());
}

template <class = void>
void dcc_project(garch_vector& theta) {
  theta(0) = std::max(theta(0), 0.0);
  theta(1) = std::max(theta(1), 0.0);
  if (theta.sum() > dcc_max_persistence) theta(1) = std::max(0.0, dcc_max_persistence - theta(0));
}

/// Maximises the composite likelihood from the best point of a small grid (a in {0.01, 0.03,
/// 0.05, 0.1}, b in {0.5, 0.8, 0.9, 0.95}, a + b < 1), then, unless `composite`, the full
/// likelihood from there.
template <class Acc = double>
garch_solution dcc_maximise(std::string_view fn, const Eigen::MatrixXd& z, const Eigen::MatrixXd& qbar, bool composite,
                            double tolerance, int max_iterations, int threads) {
  garch_solution sol;
  garch_pass cur;
  double best = -std::numeric_limits<double>::infinity();
  garch_vector theta(2);
  for (const double a : {0.01, 0.03, 0.05, 0.1})
    for (const double b : {0.5, 0.8, 0.9, 0.95}) {
      if (a + b >= dcc_max_persistence) continue;
      ++sol.evaluations;
      if (dcc_evaluate_pairs(z, qbar, a, b, 0, cur) && cur.llf > best) {
        best = cur.llf;
        theta << a, b;
      }
    }
  if (!std::isfinite(best))
    throw singular_problem(message(fn, "the correlation likelihood is not finite at any starting value"));
  const auto run = [&](auto&& evaluate, bool hessian) {
    sol.theta = theta;
    ++sol.evaluations;
    if (!evaluate(sol.theta, 2, cur))
      throw singular_problem(message(fn, "the correlation likelihood is not finite at the starting values"));
    // The full likelihood starts near its optimum (from the composite one): there a Hessian by
    // forward differences of the analytic gradient (two passes) lets quasi-Newton take full
    // steps at once, where the score outer product (BHHH) overshoots.
    garch_matrix start(2, 2);
    bool have_start = false;
    if (hessian) {
      have_start = true;
      for (int j = 0; j < 2 && have_start; ++j) {
        garch_vector shifted = sol.theta;
        const double h = sol.theta.sum() + 1e-4 <= dcc_max_persistence ? 1e-4 : -1e-4;
        shifted(j) += h;
        garch_pass p;
        ++sol.evaluations;
        have_start = shifted(j) >= 0 && evaluate(shifted, 1, p);
        if (have_start) start.col(j) = -(p.gradient - cur.gradient) / h;
      }
      if (have_start) {
        start = (0.5 * (start + start.transpose())).eval();
        have_start = start(0, 0) > 0 && start(0, 0) * start(1, 1) - start(0, 1) * start(1, 0) > 0;
      }
    }
    sqp_maximise(
        fn, sol, cur, tolerance, max_iterations, evaluate,
        [](const garch_vector& th, const garch_matrix& B, const garch_vector& g, qp_problem<double>& qp) {
          dcc_step_problem(th, B, g, qp);
        },
        [](garch_vector& th) { dcc_project(th); }, have_start ? &start : nullptr);
  };
  run([&](const garch_vector& th, int want,
          garch_pass& pass) { return dcc_evaluate_pairs(z, qbar, th(0), th(1), want, pass); },
      false);
  if (!composite && z.cols() > 2) {
    const int first = sol.iterations, first_evaluations = sol.evaluations;
    theta = sol.theta;
    dcc_scratch ws;
    run([&](const garch_vector& th, int want,
            garch_pass& pass) { return dcc_evaluate_full(z, qbar, th(0), th(1), want, pass, ws, nullptr, threads); },
        true);
    sol.iterations += first;
    sol.evaluations += first_evaluations;  // converged is the full likelihood's
  }
  return sol;
}

KEEL_EXTERN_TEMPLATE(garch_solution dcc_maximise<double>(std::string_view, const Eigen::MatrixXd&,
                                                         const Eigen::MatrixXd&, bool, double, int, int))

}  // namespace keel::detail
