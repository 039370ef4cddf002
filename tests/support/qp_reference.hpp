// SPDX-License-Identifier: MIT
// Test support: references for quadratic programs, independent of keel/detail/qp.hpp.
//   brute_force_qp   the global minimiser by enumeration of every active set (each variable
//                    free or at one of its finite bounds, each row inactive or at one of its
//                    finite sides), each solved as an equality-constrained QP on its free
//                    variables by full-pivot LU; the feasible candidate with the
//                    least objective wins. No multipliers are used, so no KKT logic is shared.
//   kkt_residual     optimality conditions of a claimed minimiser: multipliers are recovered
//                    by least squares on the constraints found active (within a tolerance),
//                    then stationarity, primal feasibility, multiplier signs and
//                    complementary slackness are measured.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <vector>

#include <Eigen/Dense>

namespace keel_test {

/// min 1/2 x'Qx - c'x, lower <= x <= upper, row_lower <= A x <= row_upper (copy of the data,
/// in the test's own type).
struct qp_data {
  Eigen::MatrixXd q;
  Eigen::VectorXd c, lower, upper;
  Eigen::MatrixXd a;
  Eigen::VectorXd row_lower, row_upper;
  /// Extra equality a'x = b added by the caller (a target return), or none.
  std::optional<std::pair<Eigen::VectorXd, double>> extra_equality;
};

struct brute_result {
  bool feasible = false;
  Eigen::VectorXd x;
  double objective = std::numeric_limits<double>::infinity();
};

/// The global minimiser by enumeration (see the file comment). 3^(n + m) candidates at most;
/// each is reduced to its free variables and active rows and solved by full-pivot LU (complete
/// orthogonal decomposition when singular), checked by its residual.
inline brute_result brute_force_qp(const qp_data& d, double feas_tol = 1e-9) {
  const auto n = d.q.rows(), m = d.a.rows();
  brute_result best;
  std::vector<std::vector<int>> choices;  // 0 free/inactive, 1 lower, 2 upper
  for (Eigen::Index k = 0; k < n + m; ++k) {
    const double lo = k < n ? d.lower(k) : d.row_lower(k - n), hi = k < n ? d.upper(k) : d.row_upper(k - n);
    std::vector<int> out{0};
    if (std::isfinite(lo)) out.push_back(1);
    if (std::isfinite(hi) && hi != lo) out.push_back(2);
    if (lo == hi) out = {1};  // an equality is always active
    choices.push_back(out);
  }
  std::vector<std::size_t> at(choices.size(), 0);
  Eigen::VectorXd x(n);
  std::vector<Eigen::Index> free;
  for (;;) {
    free.clear();
    Eigen::Index rows = d.extra_equality ? 1 : 0;
    for (Eigen::Index k = 0; k < n + m; ++k) {
      const int s = choices[static_cast<std::size_t>(k)][at[static_cast<std::size_t>(k)]];
      if (k < n) {
        if (s == 0)
          free.push_back(k);
        else
          x(k) = s == 1 ? d.lower(k) : d.upper(k);
      } else if (s != 0) {
        ++rows;
      }
    }
    const auto f = static_cast<Eigen::Index>(free.size());
    if (rows <= f || (f == 0 && rows >= 0)) {
      Eigen::MatrixXd a(rows, f);
      Eigen::VectorXd b(rows);
      Eigen::Index r = 0;
      const auto add_row = [&](const Eigen::VectorXd& coef, double rhs) {
        for (Eigen::Index j = 0; j < f; ++j) a(r, j) = coef(free[static_cast<std::size_t>(j)]);
        double v = rhs;
        for (Eigen::Index i = 0; i < n; ++i)
          if (std::find(free.begin(), free.end(), i) == free.end()) v -= coef(i) * x(i);
        b(r++) = v;
      };
      for (Eigen::Index k = n; k < n + m; ++k) {
        const int s = choices[static_cast<std::size_t>(k)][at[static_cast<std::size_t>(k)]];
        if (s != 0) add_row(d.a.row(k - n).transpose(), s == 1 ? d.row_lower(k - n) : d.row_upper(k - n));
      }
      if (d.extra_equality) add_row(d.extra_equality->first, d.extra_equality->second);
      bool solved = true;
      if (f > 0) {
        Eigen::MatrixXd kkt = Eigen::MatrixXd::Zero(f + rows, f + rows);
        Eigen::VectorXd rhs(f + rows);
        for (Eigen::Index i = 0; i < f; ++i) {
          const auto fi = free[static_cast<std::size_t>(i)];
          double v = d.c(fi);
          for (Eigen::Index j = 0; j < n; ++j)
            if (std::find(free.begin(), free.end(), j) == free.end()) v -= d.q(fi, j) * x(j);
          rhs(i) = v;
          for (Eigen::Index j = 0; j < f; ++j) kkt(i, j) = d.q(fi, free[static_cast<std::size_t>(j)]);
        }
        kkt.block(f, 0, rows, f) = a;
        kkt.block(0, f, f, rows) = a.transpose();
        rhs.tail(rows) = b;
        Eigen::FullPivLU<Eigen::MatrixXd> lu(kkt);
        Eigen::VectorXd sol = lu.isInvertible() ? Eigen::VectorXd(lu.solve(rhs))
                                                : Eigen::VectorXd(kkt.completeOrthogonalDecomposition().solve(rhs));
        solved =
            (kkt * sol - rhs).lpNorm<Eigen::Infinity>() <=
            1e-11 * (1 + rhs.lpNorm<Eigen::Infinity>() + kkt.lpNorm<Eigen::Infinity>() * sol.lpNorm<Eigen::Infinity>());
        for (Eigen::Index i = 0; i < f; ++i) x(free[static_cast<std::size_t>(i)]) = sol(i);
      } else {
        solved = rows == 0 || b.lpNorm<Eigen::Infinity>() <= feas_tol;
      }
      if (solved) {
        bool ok = true;
        for (Eigen::Index i = 0; i < n && ok; ++i) ok = x(i) >= d.lower(i) - feas_tol && x(i) <= d.upper(i) + feas_tol;
        for (Eigen::Index k = 0; k < m && ok; ++k) {
          const double v = d.a.row(k).dot(x);
          ok = v >= d.row_lower(k) - feas_tol && v <= d.row_upper(k) + feas_tol;
        }
        if (ok && d.extra_equality)
          ok = std::fabs(d.extra_equality->first.dot(x) - d.extra_equality->second) <= feas_tol;
        if (ok) {
          const double obj = 0.5 * x.dot(d.q * x) - d.c.dot(x);
          if (obj < best.objective) {
            best.feasible = true;
            best.objective = obj;
            best.x = x;
          }
        }
      }
    }
    std::size_t k = 0;
    while (k < at.size() && ++at[k] == choices[k].size()) at[k++] = 0;
    if (k == at.size()) break;
  }
  return best;
}

/// Largest violation of the KKT conditions of x (see the file comment), each measured in the
/// units of its condition: stationarity relative to the size of Qx and c, feasibility
/// absolute (weights), multiplier signs relative to the same scale as stationarity.
struct kkt_report {
  double stationarity = 0, feasibility = 0, sign = 0;
  [[nodiscard]] double worst() const { return std::max({stationarity, feasibility, sign}); }
};

/// argmin ||N m - g|| with m_k >= 0 where rule_k = +1, m_k <= 0 where rule_k = -1, m_k free
/// where rule_k = 0: Lawson and Hanson's NNLS (Solving Least Squares Problems, 1974, ch. 23)
/// with free variables kept in the passive set. At a degenerate point (more active
/// constraints than dimensions) plain least squares may return wrongly signed multipliers
/// although correctly signed ones exist; this finds them.
inline Eigen::VectorXd signed_least_squares(Eigen::MatrixXd n, const Eigen::VectorXd& g, const std::vector<int>& rule) {
  const auto k = n.cols();
  for (Eigen::Index j = 0; j < k; ++j)
    if (rule[static_cast<std::size_t>(j)] < 0) n.col(j) = -n.col(j);
  std::vector<bool> passive(static_cast<std::size_t>(k));
  for (Eigen::Index j = 0; j < k; ++j) passive[static_cast<std::size_t>(j)] = rule[static_cast<std::size_t>(j)] == 0;
  Eigen::VectorXd x = Eigen::VectorXd::Zero(k);
  const auto solve_passive = [&] {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < k; ++j)
      if (passive[static_cast<std::size_t>(j)]) idx.push_back(j);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(k);
    if (idx.empty()) return z;
    Eigen::MatrixXd np(n.rows(), static_cast<Eigen::Index>(idx.size()));
    for (std::size_t a = 0; a < idx.size(); ++a) np.col(static_cast<Eigen::Index>(a)) = n.col(idx[a]);
    const Eigen::VectorXd zp = np.completeOrthogonalDecomposition().solve(g);
    for (std::size_t a = 0; a < idx.size(); ++a) z(idx[a]) = zp(static_cast<Eigen::Index>(a));
    return z;
  };
  x = solve_passive();
  for (int outer = 0; outer < 3 * static_cast<int>(k) + 10; ++outer) {
    // Inner loop: keep the constrained passive variables non-negative.
    for (int inner = 0; inner < static_cast<int>(k) + 2; ++inner) {
      bool negative = false;
      for (Eigen::Index j = 0; j < k; ++j)
        if (passive[static_cast<std::size_t>(j)] && rule[static_cast<std::size_t>(j)] != 0 && x(j) < 0) negative = true;
      if (!negative) break;
      // x was feasible before the last solve only on the first pass; clamp instead.
      for (Eigen::Index j = 0; j < k; ++j)
        if (passive[static_cast<std::size_t>(j)] && rule[static_cast<std::size_t>(j)] != 0 && x(j) <= 0) {
          passive[static_cast<std::size_t>(j)] = false;
          x(j) = 0;
        }
      x = solve_passive();
    }
    const Eigen::VectorXd w = n.transpose() * (g - n * x);
    Eigen::Index best = -1;
    double best_w = 1e-14 * (1 + g.lpNorm<Eigen::Infinity>());
    for (Eigen::Index j = 0; j < k; ++j)
      if (!passive[static_cast<std::size_t>(j)] && w(j) > best_w) {
        best_w = w(j);
        best = j;
      }
    if (best < 0) break;
    passive[static_cast<std::size_t>(best)] = true;
    x = solve_passive();
  }
  for (Eigen::Index j = 0; j < k; ++j)
    if (rule[static_cast<std::size_t>(j)] < 0) x(j) = -x(j);
  return x;
}

inline kkt_report kkt_residual(const qp_data& d, const Eigen::VectorXd& x, double active_tol = 1e-9) {
  const auto n = d.q.rows(), m = d.a.rows();
  kkt_report rep;
  for (Eigen::Index i = 0; i < n; ++i)
    rep.feasibility = std::max({rep.feasibility, d.lower(i) - x(i), x(i) - d.upper(i)});
  for (Eigen::Index r = 0; r < m; ++r) {
    const double v = d.a.row(r).dot(x);
    rep.feasibility = std::max({rep.feasibility, d.row_lower(r) - v, v - d.row_upper(r)});
  }
  // Active constraints, each a column of N with a sign rule: +1 needs multiplier >= 0, -1
  // needs <= 0, 0 free (equality). Stationarity: Qx - c = sum_k mult_k n_k.
  std::vector<Eigen::VectorXd> cols;
  std::vector<int> rule;
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(n);
    e(i) = 1;
    if (d.lower(i) == d.upper(i)) {
      cols.push_back(e);
      rule.push_back(0);
    } else if (std::fabs(x(i) - d.lower(i)) <= active_tol) {
      cols.push_back(e);  // gradient = mult * e_i with mult >= 0 at a lower bound
      rule.push_back(1);
    } else if (std::fabs(x(i) - d.upper(i)) <= active_tol) {
      cols.push_back(e);
      rule.push_back(-1);
    }
  }
  for (Eigen::Index r = 0; r < m; ++r) {
    const double v = d.a.row(r).dot(x);
    const Eigen::VectorXd ar = d.a.row(r).transpose();
    if (d.row_lower(r) == d.row_upper(r)) {
      cols.push_back(ar);
      rule.push_back(0);
    } else if (std::fabs(v - d.row_lower(r)) <= active_tol) {
      cols.push_back(ar);
      rule.push_back(1);
    } else if (std::fabs(v - d.row_upper(r)) <= active_tol) {
      cols.push_back(ar);
      rule.push_back(-1);
    }
  }
  if (d.extra_equality) {
    cols.push_back(d.extra_equality->first);
    rule.push_back(0);
  }
  const Eigen::VectorXd grad = d.q * x - d.c;
  const double scale = 1 + (d.q * x).lpNorm<Eigen::Infinity>() + d.c.lpNorm<Eigen::Infinity>();
  Eigen::MatrixXd nm(n, static_cast<Eigen::Index>(cols.size()));
  for (std::size_t k = 0; k < cols.size(); ++k) nm.col(static_cast<Eigen::Index>(k)) = cols[k];
  const Eigen::VectorXd mult = signed_least_squares(nm, grad, rule);
  rep.stationarity = (grad - nm * mult).lpNorm<Eigen::Infinity>() / scale;
  for (std::size_t k = 0; k < rule.size(); ++k)
    if (rule[k] != 0) rep.sign = std::max(rep.sign, -rule[k] * mult(static_cast<Eigen::Index>(k)) / scale);
  return rep;
}

}  // namespace keel_test
