// SPDX-License-Identifier: MIT
// keel/detail/lp.hpp: an exact linear programming solver (bounded-variable revised primal
// simplex). Owned by keel/construction.hpp (CVaR optimisation); usable by any header.
//
// Interface
//   lp_problem<Real>{cost, a, row_lower, row_upper, lower, upper, variable_names, row_names}
//       minimise cost'x  subject to  row_lower <= A x <= row_upper  and  lower <= x <= upper
//       A is m x n and dense (the LPs keel solves have few rows and many columns); bounds and
//       row sides may be +-inf; equal sides make an equality.
//   lp_simplex<Real> s(fn, problem) (it keeps a copy); s.solve() -> lp_status {optimal,
//       infeasible, unbounded}
//       then s.x() (n), s.row_duals() (m), s.reduced_costs() (n), s.objective(),
//       s.iterations(), s.conflict() (the rows of a Farkas certificate when infeasible).
//       s.set_cost(j, value), then s.solve() again, re-optimises from the last basis (a warm start: the basis stays
//       primal feasible, only phase 2 runs); s.start_from(basis, upper) starts from a primal feasible basis.
//   Optimality (as the caller may check it): x within the bounds and row
//   sides, reduced costs d = cost - A'y >= 0 where x_j is at its lower bound, <= 0 at its
//   upper bound, 0 where it is strictly between; row_duals y >= 0 at a row's lower side, <= 0
//   at its upper side, 0 when the row is strictly inside.
//
// Method
//   Rows become equalities A x - s = 0 with one slack per row, bounded by the row's sides; an
//   artificial column +-e_i per row starts the basis (phase 1 minimises the sum of the
//   artificials; a positive minimum is infeasibility, and the rows with nonzero multipliers
//   are a conflicting set, Farkas' lemma). Phase 2 then minimises cost'x with the artificials
//   fixed at 0. A caller that knows a primal feasible basis passes it to start_from and skips
//   phase 1. Nonbasic variables sit at a bound (free ones at 0); the ratio test lets the
//   entering variable move from one bound to the other without a basis change (a bound flip).
//   Pricing is Dantzig's (the most negative reduced cost), partial: a full pass (one product
//   A'y, a pass over the data) keeps the most attractive eighth of the columns (at least 64)
//   as candidates, and the pivots that follow price only those until none improves; a full
//   pass then refills them, and optimality is declared only on a new factor and a full pass.
//   The leaving row is chosen by Harris' two-pass ratio test (the largest pivot among the rows
//   that block within the feasibility tolerance, 1e-9; pivots below 1e-7 of the column's largest
//   entry are refused), for numerical stability. Anti-cycling: after 20
//   consecutive degenerate pivots the method switches to Bland's rule over every column
//   (lowest eligible index enters, lowest index leaves among exact ties), under which the
//   simplex cannot cycle, and back to Dantzig's after the next pivot that makes progress.
//   The basis inverse (m x m, dense) comes from an LU factor with partial pivoting (Eigen's
//   PartialPivLU), is updated in product form after each pivot (O(m^2)), and is recomputed
//   from a new factor every max(64, m / 2) pivots and before optimality or unboundedness is declared,
//   with x_B = B^-1 (-N x_N) and y = B^-T c_B recomputed from it, so that update rounding does
//   not accumulate into the answer. Optimality tolerance on reduced costs: 1e-13 (max |cost|
//   + max(1, max |A|) max |y|) in phase 2, 1e-9 (1 + max(1, max |A|) max |y|) in phase 1, whose
//   reduced costs carry the updates' rounding (a ray or a singular basis in phase 1 throws
//   singular_problem: it is rounding, never infeasibility). An iteration costs O(m |candidates| + m^2) and a full pass
//   O(m n + m^3), which suits keel's LPs (m small, n large).
//
// References
//   G. B. Dantzig, Linear Programming and Extensions (1963), ch. 18 (bounded variables).
//   V. Chvatal, Linear Programming (1983), ch. 8 (the revised simplex with bounds) and ch. 3
//   (Bland's rule). R. G. Bland, "New finite pivoting rules for the simplex method", Math. Oper.
//   Res. 2 (1977) 103-107. P. M. J. Harris, "Pivot selection methods of the Devex LP code",
//   Math. Programming 5 (1973) 1-28. G. B. Dantzig and W. Orchard-Hays, "The product form for the
//   inverse in the simplex method", Math. Tables Aids Comput. 8 (1954) 64-67. I. Maros, Computational Techniques of the
//   Simplex Method (2003), ch. 9.
// IWYU pragma: private, include <keel/construction.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/LU>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// minimise cost'x subject to row_lower <= A x <= row_upper, lower <= x <= upper.
template <class Real>
struct lp_problem {
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;
  vector cost;                              ///< n
  matrix a;                                 ///< m x n (m = 0: bounds only)
  vector row_lower, row_upper;              ///< m, +-inf allowed; equal for an equality
  vector lower, upper;                      ///< n, +-inf allowed
  std::vector<std::string> variable_names;  ///< optional (n), for messages
  std::vector<std::string> row_names;       ///< optional (m), for messages
};

/// How a solve ended.
enum class lp_status : unsigned char {
  optimal,     ///< an optimal basic solution
  infeasible,  ///< no x satisfies the constraints (conflict() names rows of a certificate)
  unbounded    ///< the objective decreases without bound
};

/// The bounded-variable revised simplex on an lp_problem (see the file comment).
template <class Real>
class lp_simplex {
 public:
  using matrix = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
  using vector = Eigen::Matrix<Real, Eigen::Dynamic, 1>;

  lp_simplex(std::string_view fn, lp_problem<Real> problem) : fn_(fn), p_(std::move(problem)) {
    const lp_problem<Real>& p = p_;
    n_ = p.a.cols();
    m_ = p.a.rows();
    KEEL_ASSERT(p.cost.size() == n_ && p.lower.size() == n_ && p.upper.size() == n_ && p.row_lower.size() == m_ &&
                p.row_upper.size() == m_);
    const Eigen::Index total = n_ + 2 * m_;
    lo_.resize(total);
    hi_.resize(total);
    cost_.setZero(total);
    lo_.head(n_) = p.lower;
    hi_.head(n_) = p.upper;
    lo_.segment(n_, m_) = p.row_lower;
    hi_.segment(n_, m_) = p.row_upper;
    lo_.tail(m_).setZero();
    hi_.tail(m_).setConstant(inf());
    cost_.head(n_) = p.cost;
    sign_.setOnes(m_);
    x_.setZero(total);
    state_.assign(static_cast<std::size_t>(total), at_lower);
    scale_ = n_ ? p.cost.cwiseAbs().maxCoeff() : Real(0);
    a_scale_ = std::max(Real(1), p.a.size() ? p.a.cwiseAbs().maxCoeff() : Real(0));  // slacks' entries are 1
  }

  /// The optimality tolerance on reduced costs: 1e-13 (max |cost| + max |A| max |y|).
  [[nodiscard]] Real optimality_tolerance() const {
    return Real(1e-13) * (scale_ + a_scale_ * (y_.size() ? y_.cwiseAbs().maxCoeff() : Real(0))) +
           std::numeric_limits<Real>::min();
  }

  /// Solves (phase 1 then phase 2), or re-optimises from the last basis after set_cost.
  lp_status solve() {
    if (!started_) {
      started_ = true;
      start();
      // Phase 1's objective (a sum of nonnegative artificials) is bounded below: a ray found
      // there is rounding, never a proof of infeasibility.
      if (!run(true))
        throw singular_problem(message(fn_,
                                       "the simplex method lost its basis to rounding in phase 1 "
                                       "(the problem is badly scaled)"));
      if (phase1_sum() > feasibility_tolerance() * static_cast<Real>(1 + m_)) {
        conflict_.clear();
        for (Eigen::Index i = 0; i < m_; ++i)
          if (std::fabs(y_(i)) > Real(1e-9)) conflict_.push_back(i);
        return status_ = lp_status::infeasible;
      }
      // Artificials are fixed at 0 from here on (basic ones stay, degenerate, until they leave).
      for (Eigen::Index i = 0; i < m_; ++i) {
        hi_(n_ + m_ + i) = 0;
        if (state_[static_cast<std::size_t>(n_ + m_ + i)] != basic) x_(n_ + m_ + i) = 0;
      }
    }
    if (!run(false)) return status_ = lp_status::unbounded;
    return status_ = lp_status::optimal;
  }

  /// Starts from a basis instead of phase 1: `basis` names m columns (structural j < n, or
  /// row i's slack as n + i), `upper` says which nonbasic structurals (n values) or structurals
  /// and slacks (n + m values) rest at their upper bound (the others at their lower bound, or
  /// 0 when free). Returns false, and leaves the solver to start with phase 1, when that basis
  /// is singular or not primal feasible (to the feasibility tolerance).
  bool start_from(const std::vector<Eigen::Index>& basis, const std::vector<bool>& upper) {
    KEEL_ASSERT(static_cast<Eigen::Index>(basis.size()) == m_ &&
                (static_cast<Eigen::Index>(upper.size()) == n_ || static_cast<Eigen::Index>(upper.size()) == n_ + m_));
    for (Eigen::Index j = 0; j < n_ + m_; ++j) rest(j);
    for (Eigen::Index j = 0; j < static_cast<Eigen::Index>(upper.size()); ++j)
      if (upper[static_cast<std::size_t>(j)] && std::isfinite(hi_(j))) {
        state_[static_cast<std::size_t>(j)] = at_upper;
        x_(j) = hi_(j);
      }
    for (Eigen::Index i = 0; i < m_; ++i) {  // artificials: out, and fixed at 0
      const Eigen::Index art = n_ + m_ + i;
      hi_(art) = 0;
      x_(art) = 0;
      state_[static_cast<std::size_t>(art)] = at_lower;
    }
    head_.assign(basis.begin(), basis.end());
    for (const Eigen::Index j : basis) state_[static_cast<std::size_t>(j)] = basic;
    factor();
    bool ok = m_ == 0 || lu_.rcond() > Real(1e-12);
    if (ok) {
      recompute(false);
      for (Eigen::Index i = 0; i < m_ && ok; ++i) {
        const Eigen::Index j = head_[static_cast<std::size_t>(i)];
        ok = x_(j) >= lo_(j) - feasibility_tolerance() && x_(j) <= hi_(j) + feasibility_tolerance();
      }
    }
    if (!ok) {  // back to the state the constructor left
      hi_.tail(m_).setConstant(inf());
      state_.assign(state_.size(), at_lower);
      x_.setZero();
      return false;
    }
    started_ = true;
    return true;
  }

  /// Changes the cost of variable j (for a warm re-solve with solve()).
  void set_cost(Eigen::Index j, Real value) {
    cost_(j) = value;
    p_.cost(j) = value;
    scale_ = std::max(scale_, std::fabs(value));
  }

  [[nodiscard]] vector x() const { return x_.head(n_); }
  [[nodiscard]] Eigen::Index columns() const { return n_; }
  [[nodiscard]] const vector& row_duals() const { return y_; }
  [[nodiscard]] vector reduced_costs() const {
    vector d = cost_.head(n_);
    d.noalias() -= p_.a.transpose() * y_;
    return d;
  }
  [[nodiscard]] Real objective() const { return cost_.head(n_).dot(x_.head(n_)); }
  [[nodiscard]] std::ptrdiff_t iterations() const { return iterations_; }
  [[nodiscard]] const std::vector<Eigen::Index>& conflict() const { return conflict_; }
  [[nodiscard]] lp_status status() const { return status_; }
  /// The basic variables, row by row (structural j < n, row i's slack n + i, artificial
  /// n + m + i), and whether variable j (structural or slack) rests at its upper bound: the
  /// basis of a solved LP, to start a related one from (start_from).
  [[nodiscard]] const std::vector<Eigen::Index>& basis() const { return head_; }
  [[nodiscard]] bool at_upper_bound(Eigen::Index j) const { return state_[static_cast<std::size_t>(j)] == at_upper; }

  /// The rows of the last Farkas certificate, named ("sum of weights, group 'tech'").
  [[nodiscard]] std::string conflict_text() const {
    std::string out;
    for (const Eigen::Index i : conflict_) {
      if (!out.empty()) out += ", ";
      out += static_cast<std::size_t>(i) < p_.row_names.size() ? p_.row_names[static_cast<std::size_t>(i)]
                                                               : "row " + std::to_string(i);
    }
    return out;
  }

 private:
  enum var_state : unsigned char { basic, at_lower, at_upper, at_zero };
  static constexpr Real inf() { return std::numeric_limits<Real>::infinity(); }
  static constexpr Real eps = std::numeric_limits<Real>::epsilon();

  [[nodiscard]] Real feasibility_tolerance() const { return Real(1e-9); }

  // Column j of [A -I D] times v, accumulated into out (out += v * column).
  void accumulate_column(Eigen::Index j, Real v, vector& out) const {
    if (j < n_) {
      out.noalias() += v * p_.a.col(j);
    } else if (j < n_ + m_) {
      out(j - n_) -= v;
    } else {
      out(j - n_ - m_) += v * sign_(j - n_ - m_);
    }
  }

  void column(Eigen::Index j, vector& out) const {
    out.setZero(m_);
    accumulate_column(j, 1, out);
  }

  // Where a nonbasic variable rests: its lower bound, else its upper, else 0 (free).
  void rest(Eigen::Index j) {
    if (std::isfinite(lo_(j))) {
      state_[static_cast<std::size_t>(j)] = at_lower;
      x_(j) = lo_(j);
    } else if (std::isfinite(hi_(j))) {
      state_[static_cast<std::size_t>(j)] = at_upper;
      x_(j) = hi_(j);
    } else {
      state_[static_cast<std::size_t>(j)] = at_zero;
      x_(j) = 0;
    }
  }

  void start() {
    for (Eigen::Index j = 0; j < n_ + m_; ++j) rest(j);
    // Residual of A x - s at the resting point; the artificials take it up, signed to be >= 0.
    vector r = vector::Zero(m_);
    for (Eigen::Index j = 0; j < n_ + m_; ++j)
      if (x_(j) != 0) accumulate_column(j, x_(j), r);
    head_.resize(static_cast<std::size_t>(m_));
    for (Eigen::Index i = 0; i < m_; ++i) {
      sign_(i) = r(i) > 0 ? Real(-1) : Real(1);
      const Eigen::Index art = n_ + m_ + i;
      state_[static_cast<std::size_t>(art)] = basic;
      x_(art) = std::fabs(r(i));
      head_[static_cast<std::size_t>(i)] = art;
    }
    factor();
  }

  [[nodiscard]] Real phase1_sum() const { return x_.tail(m_).sum(); }

  void factor() {
    basis_.setZero(m_, m_);
    for (Eigen::Index i = 0; i < m_; ++i) {
      const Eigen::Index j = head_[static_cast<std::size_t>(i)];
      if (j < n_) {
        basis_.col(i) = p_.a.col(j);
      } else if (j < n_ + m_) {
        basis_(j - n_, i) = -1;
      } else {
        basis_(j - n_ - m_, i) = sign_(j - n_ - m_);
      }
    }
    if (m_ > 0) {
      lu_.compute(basis_);
      binv_ = lu_.inverse();
    }
  }

  // x_B = B^-1 (-N x_N) and y = B^-T c_B from the current factor.
  void recompute(bool phase1) {
    vector r = vector::Zero(m_);
    for (Eigen::Index j = 0; j < n_ + 2 * m_; ++j)
      if (state_[static_cast<std::size_t>(j)] != basic && x_(j) != 0) accumulate_column(j, x_(j), r);
    if (m_ > 0) {
      const vector xb = binv_ * -r;
      for (Eigen::Index i = 0; i < m_; ++i) x_(head_[static_cast<std::size_t>(i)]) = xb(i);
      vector cb(m_);
      for (Eigen::Index i = 0; i < m_; ++i) cb(i) = basic_cost(head_[static_cast<std::size_t>(i)], phase1);
      y_.noalias() = binv_.transpose() * cb;
    } else {
      y_.resize(0);
    }
  }

  [[nodiscard]] Real basic_cost(Eigen::Index j, bool phase1) const {
    if (phase1) return j >= n_ + m_ ? Real(1) : Real(0);
    return cost_(j);
  }

  // Reduced cost of nonbasic j.
  [[nodiscard]] Real reduced(Eigen::Index j, bool phase1) const {
    const Real c = basic_cost(j, phase1);
    if (j < n_) return c - p_.a.col(j).dot(y_);
    if (j < n_ + m_) return c + y_(j - n_);
    return c - sign_(j - n_ - m_) * y_(j - n_ - m_);
  }

  // Direction in which moving nonbasic j improves (+1 up, -1 down), or 0.
  [[nodiscard]] int improving(Eigen::Index j, Real d, Real tol) const {
    const auto s = state_[static_cast<std::size_t>(j)];
    if (s == basic || lo_(j) == hi_(j)) return 0;
    if (d < -tol && (s == at_lower || s == at_zero)) return 1;
    if (d > tol && (s == at_upper || s == at_zero)) return -1;
    return 0;
  }

  // Runs one phase to its end. Returns false when the phase's objective is unbounded.
  // Partial pricing: a full pricing pass (one product A'y, the cost of a pass over the data)
  // keeps the most attractive columns as candidates, and the pivots that follow price only
  // those (O(m) each) until none improves; a full pass with the current y then refills them.
  // The basis inverse is updated by the product form after each pivot (O(m^2)) and
  // recomputed from a new LU factor every max(64, m / 2) pivots; optimality (and unboundedness) is
  // declared only on a new factor and a full pass. A bound flip changes neither the basis nor y.
  bool run(bool phase1) {
    const std::ptrdiff_t limit = 50 * (n_ + 2 * m_) + 1000;
    const Eigen::Index total = n_ + 2 * m_;
    const auto pool = static_cast<std::size_t>(std::max<Eigen::Index>(64, total / 8));
    // A new factor costs O(m^3) against an update's O(m^2): every max(64, m / 2) pivots spreads
    // a factor's cost over enough pivots when m is large (CDaR's 2T rows); each factor still
    // resets the updates' rounding, and optimality is declared only on a new one.
    const Eigen::Index refactor_interval = std::max<Eigen::Index>(64, m_ / 2);
    int degenerate = 0;
    bool factored = false;  // x_B and y were recomputed from a new factor since the last change
    bool priced = false;    // d holds the prices of the current y (a full pass since y changed)
    bool need_factor = true, need_pricing = true;
    Eigen::Index updates = 0;
    vector d(total);
    vector alpha(m_);
    std::vector<Eigen::Index> candidates;
    Real tol_d = 0;
    for (std::ptrdiff_t it = 0;; ++it) {
      if (it > limit)
        throw singular_problem(message(fn_, "the simplex method did not finish in " + std::to_string(limit) +
                                                " iterations (the problem is badly scaled)"));
      if (need_factor) {
        factor();
        recompute(phase1);
        if (!x_.allFinite())
          throw singular_problem(
              message(fn_, "the simplex method reached a singular basis (the problem is badly scaled)"));
        updates = 0;
        need_factor = false;
        factored = true;
        need_pricing = true;
        if (phase1 && !(phase1_sum() > 0)) return true;
      }
      if (need_pricing) {
        need_pricing = false;
        priced = true;
        // Phase 1's costs are 0 and 1, so its y is O(1) and its reduced costs carry the product
        // form's rounding, about 1e-11 on CDaR's 2T degenerate rows after m / 2 updates: a
        // tolerance below that (it was 1e-13) takes rounding for an improving column, and the
        // pivots on it wander among degenerate bases onto tiny pivots until the basis is
        // singular (a false ray, read as infeasibility).
        tol_d = phase1 ? Real(1e-9) * (1 + a_scale_ * (y_.size() ? y_.cwiseAbs().maxCoeff() : Real(0)))
                       : optimality_tolerance();
        // Full pricing: structurals in one matrix-vector product, then slacks and artificials.
        if (n_ > 0) {
          d.head(n_).noalias() = -(p_.a.transpose() * y_);
          if (!phase1) d.head(n_) += cost_.head(n_);
        }
        for (Eigen::Index j = n_; j < total; ++j) d(j) = reduced(j, phase1);
        candidates.clear();
        for (Eigen::Index j = 0; j < total; ++j)
          if (improving(j, d(j), tol_d) != 0) candidates.push_back(j);
        if (candidates.size() > pool) {
          std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(pool), candidates.end(),
                           [&](Eigen::Index a, Eigen::Index b) {
                             return std::fabs(d(a)) > std::fabs(d(b)) || (std::fabs(d(a)) == std::fabs(d(b)) && a < b);
                           });
          candidates.resize(pool);
        }
        std::sort(candidates.begin(), candidates.end());
      }
      const bool bland = degenerate >= 20;
      Eigen::Index enter = -1;
      int dir = 0;
      Real best = 0;
      if (bland) {  // Bland's rule needs every column, in index order
        candidates.resize(static_cast<std::size_t>(total));
        for (Eigen::Index j = 0; j < total; ++j) candidates[static_cast<std::size_t>(j)] = j;
      }
      for (const Eigen::Index j : candidates) {
        const Real dj = priced ? d(j) : reduced(j, phase1);
        const int s = improving(j, dj, tol_d);
        if (s == 0) continue;
        if (bland) {
          enter = j;
          dir = s;
          break;
        }
        if (std::fabs(dj) > best) {
          best = std::fabs(dj);
          enter = j;
          dir = s;
        }
      }
      if (enter < 0) {
        if (factored && priced) return true;
        if (factored || !priced) {
          need_pricing = true;  // the candidates ran out: a full pass refills them
        } else {
          need_factor = true;  // confirm optimality on a new factor and a full pass
        }
        continue;
      }
      ++iterations_;
      column(enter, alpha);
      if (m_ > 0) alpha = (binv_ * alpha).eval();
      // x_B(theta) = x_B - theta dir alpha; the entering variable moves by theta dir.
      const Real range = hi_(enter) - lo_(enter);
      const Real tol_p = feasibility_tolerance();
      const Real amax = m_ ? alpha.cwiseAbs().maxCoeff() : Real(0);
      // Pivots below 1e-7 of the column's largest entry (it was 1e-9) ill-condition the basis
      // (Maros ch. 9 uses 1e-7 to 1e-5 relative).
      const Real piv_tol = std::max(Real(1e-11), Real(1e-7) * amax);
      // Harris pass 1: the largest step with every basic within its bounds relaxed by tol_p.
      Real theta1 = range;
      for (Eigen::Index i = 0; i < m_; ++i) {
        const Real rate = -dir * alpha(i);
        if (std::fabs(rate) <= piv_tol) continue;
        const Eigen::Index b = head_[static_cast<std::size_t>(i)];
        const Real bound = rate < 0 ? lo_(b) - tol_p : hi_(b) + tol_p;
        if (!std::isfinite(bound)) continue;
        theta1 = std::min(theta1, std::max(Real(0), (bound - x_(b)) / rate));
      }
      if (!std::isfinite(theta1)) {
        if (factored) return false;
        need_factor = true;  // confirm unboundedness on a new factor
        continue;
      }
      // Pass 2: among rows blocking within theta1 at their exact bound, the largest pivot
      // (Bland: the lowest variable index among the smallest exact ratios).
      Eigen::Index leave = -1;
      Real theta = range, best_pivot = 0;
      for (Eigen::Index i = 0; i < m_; ++i) {
        const Real rate = -dir * alpha(i);
        if (std::fabs(rate) <= piv_tol) continue;
        const Eigen::Index b = head_[static_cast<std::size_t>(i)];
        const Real bound = rate < 0 ? lo_(b) : hi_(b);
        if (!std::isfinite(bound)) continue;
        const Real ratio = std::max(Real(0), (bound - x_(b)) / rate);
        if (bland) {
          if (ratio < theta || (ratio == theta && leave >= 0 && b < head_[static_cast<std::size_t>(leave)])) {
            theta = ratio;
            leave = i;
          }
        } else if (ratio <= theta1 && std::fabs(rate) > best_pivot) {
          best_pivot = std::fabs(rate);
          theta = ratio;
          leave = i;
        }
      }
      factored = false;
      if (leave < 0) {  // no row blocks first: the entering variable flips bound; y and d stay
        for (Eigen::Index i = 0; i < m_; ++i) x_(head_[static_cast<std::size_t>(i)]) -= range * dir * alpha(i);
        rest_at_other(enter, dir);
        continue;
      }
      degenerate = theta <= eps * (1 + std::fabs(x_(enter))) ? degenerate + 1 : 0;
      const Eigen::Index out = head_[static_cast<std::size_t>(leave)];
      const Real rate = -dir * alpha(leave);
      for (Eigen::Index i = 0; i < m_; ++i) x_(head_[static_cast<std::size_t>(i)]) -= theta * dir * alpha(i);
      x_(enter) += dir * theta;
      state_[static_cast<std::size_t>(enter)] = basic;
      head_[static_cast<std::size_t>(leave)] = enter;
      if (rate < 0) {
        state_[static_cast<std::size_t>(out)] = at_lower;
        x_(out) = lo_(out);
      } else {
        state_[static_cast<std::size_t>(out)] = at_upper;
        x_(out) = hi_(out);
      }
      if (out >= n_ + m_) hi_(out) = 0;  // an artificial that left never returns
      // Product-form update of B^-1: row `leave` divided by the pivot, eliminated from the rest.
      binv_.row(leave) /= alpha(leave);
      pivot_row_ = binv_.row(leave);
      alpha(leave) = 0;
      binv_.noalias() -= alpha * pivot_row_;
      binv_.row(leave) = pivot_row_;
      if (++updates >= refactor_interval) {
        need_factor = true;
        continue;
      }
      vector cb(m_);
      for (Eigen::Index i = 0; i < m_; ++i) cb(i) = basic_cost(head_[static_cast<std::size_t>(i)], phase1);
      y_.noalias() = binv_.transpose() * cb;
      priced = false;
      if (phase1 && !(phase1_sum() > 0)) need_factor = true;  // feasible: confirm and stop
    }
  }

  // The entering variable crossed its whole range: it rests at its other bound.
  void rest_at_other(Eigen::Index j, int dir) {
    if (dir > 0) {
      state_[static_cast<std::size_t>(j)] = at_upper;
      x_(j) = hi_(j);
    } else {
      state_[static_cast<std::size_t>(j)] = at_lower;
      x_(j) = lo_(j);
    }
  }

  std::string_view fn_;
  lp_problem<Real> p_;
  Eigen::Index n_ = 0, m_ = 0;
  vector lo_, hi_, cost_, sign_, x_, y_;
  std::vector<var_state> state_;
  std::vector<Eigen::Index> head_;
  matrix basis_, binv_;
  Eigen::Matrix<Real, 1, Eigen::Dynamic> pivot_row_;
  Eigen::PartialPivLU<matrix> lu_;
  Real scale_ = 1, a_scale_ = 1;
  std::ptrdiff_t iterations_ = 0;
  std::vector<Eigen::Index> conflict_;
  lp_status status_ = lp_status::optimal;
  bool started_ = false;
};

// Instantiated once in keel::compiled (src/construction_cvar.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(class lp_simplex<double>)
KEEL_EXTERN_TEMPLATE(class lp_simplex<long double>)

}  // namespace keel::detail
