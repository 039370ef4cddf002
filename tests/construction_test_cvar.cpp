// SPDX-License-Identifier: MIT
// Tests of keel/construction.hpp's CVaR optimisation (min_cvar, efficient_cvar_return,
// efficient_cvar_risk) and of detail/lp.hpp's simplex method. The optimum is checked against
// Debian's GLPK (glpsol, a test-only dependency, as in rebalance_test) on the primal
// Rockafellar-Uryasev LP written here in CPLEX LP format, against GLPK's own dual (a lower
// bound certificate recomputed here), against brute force over the vertices of the
// loss-crossing arrangement on tiny problems, and against historical_cvar of the solution's
// return series.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/construction.hpp>
#include <keel/csv.hpp>
#include <keel/detail/lp.hpp>
#include <keel/var.hpp>

#include "support/shared_data.hpp"

// The exception's type and its message: both checked (each bad input has its message test).
#define THROWS_AS_WITH(expr, type, matcher) \
  do {                                      \
    REQUIRE_THROWS_AS(expr, type);          \
    REQUIRE_THROWS_WITH(expr, matcher);     \
  } while (false)

namespace {

using Catch::Matchers::Contains;
using Eigen::MatrixXd;
using Eigen::VectorXd;
constexpr double inf = std::numeric_limits<double>::infinity();

// A panel of T scenarios of N assets: normal returns with asset-specific means and volatilities
// and a common factor, per period (daily-like scale).
MatrixXd random_panel(std::mt19937_64& gen, Eigen::Index t, Eigen::Index n) {
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  VectorXd mean(n), vol(n), beta(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    mean(j) = 0.002 * (u(gen) - 0.3);
    vol(j) = 0.005 + 0.02 * u(gen);
    beta(j) = 0.5 + u(gen);
  }
  MatrixXd r(t, n);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double f = 0.01 * z(gen);
    for (Eigen::Index j = 0; j < n; ++j) r(i, j) = mean(j) + beta(j) * f + vol(j) * z(gen);
  }
  return r;
}

// The exact discrete CVaR (Rockafellar-Uryasev at its minimising zeta), written differently
// from keel's: a full sort, the floor(pT) largest losses, and the fraction of the next one.
long double ru_cvar(const VectorXd& portfolio_returns, double confidence) {
  std::vector<long double> loss;
  for (Eigen::Index i = 0; i < portfolio_returns.size(); ++i) loss.push_back(-portfolio_returns(i));
  std::sort(loss.begin(), loss.end(), std::greater<>());
  const long double tail = (1 - static_cast<long double>(confidence)) * static_cast<long double>(loss.size());
  const auto k = static_cast<std::size_t>(std::floor(tail));
  long double sum = 0;
  for (std::size_t i = 0; i < k; ++i) sum += loss[i];
  if (k < loss.size()) sum += (tail - static_cast<long double>(k)) * loss[k];
  return sum / tail;
}

std::string term(double coefficient, const std::string& name) {
  std::ostringstream out;
  out.precision(17);
  out << (coefficient < 0 ? " - " : " + ") << std::fabs(coefficient) << " " << name;
  return out.str();
}

std::string w_name(Eigen::Index j) { return "w" + std::to_string(j); }

// The primal LP in CPLEX LP format: min z + c sum u (or, with target_cvar, max mu'w subject
// to z + c sum u <= target_cvar), u_t + z + r_t'w >= 0, u >= 0, and the constraints.
std::string cplex_lp(const MatrixXd& r, double confidence, const keel::portfolio_constraints& pc,
                     const VectorXd* mu = nullptr, double target_return = -inf, double target_cvar = inf) {
  const Eigen::Index t = r.rows(), n = r.cols();
  const double c = 1 / ((1 - confidence) * static_cast<double>(t));
  std::ostringstream lp;
  lp.precision(17);
  std::ostringstream risk;
  risk.precision(17);
  risk << " z";
  for (Eigen::Index i = 0; i < t; ++i) risk << term(c, "u" + std::to_string(i));
  const bool risk_form = std::isfinite(target_cvar);
  if (risk_form) {
    lp << "Maximize\n obj:";
    for (Eigen::Index j = 0; j < n; ++j) lp << term((*mu)(j), w_name(j));
  } else {
    lp << "Minimize\n obj:" << risk.str();
  }
  lp << "\nSubject To\n";
  for (Eigen::Index i = 0; i < t; ++i) {
    lp << " s" << i << ": u" << i << " + z";
    for (Eigen::Index j = 0; j < n; ++j) lp << term(r(i, j), w_name(j));
    lp << " >= 0\n";
  }
  if (risk_form) lp << " risk:" << risk.str() << " <= " << target_cvar << "\n";
  if (pc.budget != keel::budget_rule::none) {
    lp << " budget:";
    for (Eigen::Index j = 0; j < n; ++j) lp << " + " << w_name(j);
    lp << " = " << (pc.budget == keel::budget_rule::market_neutral ? 0 : 1) << "\n";
  }
  for (std::size_t g = 0; g < pc.group_limits.size(); ++g) {
    std::string sum;
    for (Eigen::Index j = 0; j < n; ++j)
      if (pc.groups[static_cast<std::size_t>(j)] == pc.group_limits[g].group) sum += " + " + w_name(j);
    if (std::isfinite(pc.group_limits[g].lower))
      lp << " gl" << g << ":" << sum << " >= " << pc.group_limits[g].lower << "\n";
    if (std::isfinite(pc.group_limits[g].upper))
      lp << " gu" << g << ":" << sum << " <= " << pc.group_limits[g].upper << "\n";
  }
  for (std::size_t k = 0; k < pc.linear.size(); ++k) {
    lp << " l" << k << ":";
    for (Eigen::Index j = 0; j < n; ++j) lp << term(pc.linear[k].coefficients(j), w_name(j));
    const auto rel = pc.linear[k].relation;
    lp << (rel == keel::constraint_relation::less_equal ? " <= "
           : rel == keel::constraint_relation::equal    ? " = "
                                                        : " >= ")
       << pc.linear[k].bound << "\n";
  }
  if (mu != nullptr && std::isfinite(target_return)) {
    lp << " target:";
    for (Eigen::Index j = 0; j < n; ++j) lp << term((*mu)(j), w_name(j));
    lp << " >= " << target_return << "\n";
  }
  lp << "Bounds\n z free\n";
  for (Eigen::Index j = 0; j < n; ++j) {
    const double lo = pc.bounds.lower.size() == 1 ? pc.bounds.lower(0) : pc.bounds.lower(j);
    const double hi = pc.bounds.upper.size() == 1 ? pc.bounds.upper(0) : pc.bounds.upper(j);
    if (!std::isfinite(lo) && !std::isfinite(hi)) {
      lp << " " << w_name(j) << " free\n";
    } else {
      lp << " " << (std::isfinite(lo) ? std::to_string(lo) : "-inf") << " <= " << w_name(j)
         << " <= " << (std::isfinite(hi) ? std::to_string(hi) : "+inf") << "\n";
    }
  }
  lp << "End\n";
  return lp.str();
}

struct glpk_answer {
  std::string primal_status;  // "f" feasible, "n" no feasible, ...
  double objective = 0;
  std::vector<double> row_duals;  // in row order
  std::vector<double> columns;    // column values in order of first appearance
};

glpk_answer glpsol(const std::string& lp) {
  const std::string exe = KEEL_GLPSOL;
  REQUIRE_FALSE(exe.empty());  // glpsol was not found when configuring: apt-get install glpk-utils
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("keel_cvar_glpk_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto model = dir / "cvar.lp", solution = dir / "cvar.sol";
  std::ofstream(model) << lp;
  const std::string command = exe + " --lp '" + model.string() + "' -w '" + solution.string() + "' > /dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(solution);
  std::string line;
  glpk_answer out;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string tag;
    row >> tag;
    if (tag == "s") {
      std::string kind, dual_status;
      long rows = 0, cols = 0;
      row >> kind >> rows >> cols >> out.primal_status >> dual_status >> out.objective;
    } else if (tag == "i" || tag == "j") {
      long index = 0;
      std::string status;
      double primal = 0, dual = 0;
      row >> index >> status >> primal >> dual;
      (tag == "i" ? out.row_duals : out.columns).push_back(tag == "i" ? dual : primal);
    }
  }
  std::filesystem::remove_all(dir);
  return out;
}

void check_against_glpk(const MatrixXd& r, double confidence, const keel::portfolio_constraints& pc,
                        const keel::cvar_result<double>& got) {
  const glpk_answer g = glpsol(cplex_lp(r, confidence, pc));
  REQUIRE(g.primal_status == "f");
  INFO("T " << r.rows() << ", N " << r.cols() << ", confidence " << confidence << ": keel " << got.cvar << ", GLPK "
            << g.objective);
  CHECK(std::fabs(got.cvar - g.objective) <= 1e-9 * std::max(std::fabs(g.objective), 1e-3));
  // keel's figure is the CVaR of its own weights, recomputed here.
  CHECK(std::fabs(got.cvar - static_cast<double>(ru_cvar(r * got.portfolio.weights, confidence))) <=
        1e-13 * std::max(std::fabs(got.cvar), 1e-3));
}

double row_sum(const VectorXd& w, const std::vector<std::string>& groups, const std::string& g) {
  double s = 0;
  for (Eigen::Index j = 0; j < w.size(); ++j)
    if (groups[static_cast<std::size_t>(j)] == g) s += w(j);
  return s;
}

}  // namespace

TEST_CASE("min_cvar: the optimum equals GLPK's on random problems with every kind of constraint", "[cvar][glpk]") {
  std::mt19937_64 gen(19);
  const std::vector<std::pair<Eigen::Index, Eigen::Index>> sizes{{40, 3}, {97, 6}, {250, 12}, {160, 20}};
  const std::vector<double> levels{0.8, 0.9, 0.95, 0.975};
  int trial = 0;
  for (const auto& [t, n] : sizes) {
    for (int kind = 0; kind < 5; ++kind, ++trial) {
      const MatrixXd r = random_panel(gen, t, n);
      const double a = levels[static_cast<std::size_t>(trial) % levels.size()];
      keel::portfolio_constraints pc;  // long-only, fully invested
      if (kind == 1) pc.bounds = keel::weight_bounds(-0.3, 0.6);
      if (kind == 2) {
        pc.bounds = keel::weight_bounds(-1, 1);
        pc.budget = keel::budget_rule::market_neutral;
      }
      if (kind == 3) {
        for (Eigen::Index j = 0; j < n; ++j) pc.groups.push_back(j % 3 == 0 ? "a" : j % 3 == 1 ? "b" : "c");
        pc.group_limits = {{"a", -inf, 0.3}, {"b", 0.4, 0.9}};
      }
      if (kind == 4) {
        pc.bounds = keel::weight_bounds(0.0, 0.5);
        VectorXd beta = VectorXd::LinSpaced(n, 0.5, 1.5);
        pc.linear.push_back({beta, keel::constraint_relation::less_equal, 0.8, "beta"});
        VectorXd first = VectorXd::Zero(n);
        first(0) = 1;
        pc.linear.push_back({first, keel::constraint_relation::greater_equal, 0.05, "first"});
      }
      const auto got = keel::min_cvar(r, {.confidence = a, .constraints = pc});
      INFO("kind " << kind);
      check_against_glpk(r, a, pc, got);
      const VectorXd& w = got.portfolio.weights;
      if (kind == 2) CHECK(std::fabs(w.sum()) <= 1e-12);
      if (kind != 2) CHECK(std::fabs(w.sum() - 1) <= 1e-12);
      if (kind == 3) {
        CHECK(row_sum(w, pc.groups, "a") <= 0.3 + 1e-12);
        CHECK(row_sum(w, pc.groups, "b") >= 0.4 - 1e-12);
      }
    }
  }
}

TEST_CASE("min_cvar: GLPK's dual is a certificate that keel's CVaR is the minimum", "[cvar][glpk]") {
  // For long-only, fully invested weights any q with 0 <= q <= 1/((1-a)T), sum q = 1 bounds
  // the minimum below: CVaR(w) >= -q'Rw >= -max_j (R'q)_j. GLPK's multipliers of the scenario
  // rows are such a q; keel's CVaR must meet the bound.
  std::mt19937_64 gen(23);
  for (int trial = 0; trial < 4; ++trial) {
    const Eigen::Index t = 60 + 50 * trial, n = 4 + 3 * trial;
    const double a = trial % 2 == 0 ? 0.95 : 0.9;
    const MatrixXd r = random_panel(gen, t, n);
    const auto got = keel::min_cvar(r, {.confidence = a});
    const glpk_answer g = glpsol(cplex_lp(r, a, keel::portfolio_constraints{}));
    REQUIRE(static_cast<Eigen::Index>(g.row_duals.size()) == t + 1);
    VectorXd q(t);
    for (Eigen::Index i = 0; i < t; ++i) q(i) = g.row_duals[static_cast<std::size_t>(i)];
    const double cap = 1 / ((1 - a) * static_cast<double>(t));
    CHECK(q.minCoeff() >= -1e-12);
    CHECK(q.maxCoeff() <= cap * (1 + 1e-12));
    CHECK(std::fabs(q.sum() - 1) <= 1e-12);
    const double lower_bound = -(r.transpose() * q).maxCoeff();
    INFO("trial " << trial << ": keel " << got.cvar << ", certificate " << lower_bound);
    CHECK(got.cvar >= lower_bound - 1e-14);
    CHECK(got.cvar <= lower_bound + 1e-12 * std::fabs(lower_bound));
  }
}

TEST_CASE("min_cvar: brute force over the vertices of the loss arrangement on tiny problems", "[cvar]") {
  // Long-only, fully invested, N = 2 and 3: CVaR is convex and piecewise linear on the simplex,
  // linear between the lines where two scenario losses cross, so its minimum is at a vertex of
  // the arrangement of those lines and the simplex's edges. Enumerate them all.
  std::mt19937_64 gen(29);
  for (int trial = 0; trial < 12; ++trial) {
    const Eigen::Index n = trial < 6 ? 2 : 3, t = 6 + trial % 4;
    const double a = trial % 3 == 0 ? 0.75 : trial % 3 == 1 ? 0.6 : 0.9;
    const MatrixXd r = random_panel(gen, t, n);
    // Lines g'w = h in the coordinates (x, y) = (w_0, w_1) with w_last = 1 - sum of the rest.
    struct line {
      double gx, gy, h;
    };
    std::vector<line> lines;
    const auto diff = [&](Eigen::Index s, Eigen::Index u) {  // r_s'w - r_u'w = 0
      const double last_s = r(s, n - 1), last_u = r(u, n - 1);
      const double gx = (r(s, 0) - last_s) - (r(u, 0) - last_u);
      const double gy = n == 3 ? (r(s, 1) - last_s) - (r(u, 1) - last_u) : 0;
      return line{gx, gy, -(last_s - last_u)};
    };
    for (Eigen::Index s = 0; s < t; ++s)
      for (Eigen::Index u = s + 1; u < t; ++u) lines.push_back(diff(s, u));
    lines.push_back({1, 0, 0});  // x = 0
    if (n == 3) {
      lines.push_back({0, 1, 0});  // y = 0
      lines.push_back({1, 1, 1});  // x + y = 1
    } else {
      lines.push_back({1, 0, 1});  // x = 1
    }
    std::vector<VectorXd> points;
    const auto add_point = [&](double x, double y) {
      VectorXd w(n);
      w(0) = x;
      if (n == 3) w(1) = y;
      w(n - 1) = 1 - x - (n == 3 ? y : 0);
      if (w.minCoeff() >= -1e-12) points.push_back(w.cwiseMax(0) / w.cwiseMax(0).sum());
    };
    if (n == 2) {
      for (const line& l : lines)
        if (l.gx != 0) add_point(l.h / l.gx, 0);
    } else {
      for (std::size_t i = 0; i < lines.size(); ++i)
        for (std::size_t j = i + 1; j < lines.size(); ++j) {
          const double det = lines[i].gx * lines[j].gy - lines[i].gy * lines[j].gx;
          if (std::fabs(det) < 1e-300) continue;
          add_point((lines[i].h * lines[j].gy - lines[i].gy * lines[j].h) / det,
                    (lines[i].gx * lines[j].h - lines[i].h * lines[j].gx) / det);
        }
    }
    long double best = std::numeric_limits<long double>::infinity();
    for (const VectorXd& w : points) best = std::min(best, ru_cvar(r * w, a));
    const auto got = keel::min_cvar(r, {.confidence = a});
    INFO("trial " << trial << ": keel " << got.cvar << ", brute force " << static_cast<double>(best) << " over "
                  << points.size() << " vertices");
    CHECK(std::fabs(got.cvar - static_cast<double>(best)) <= 1e-12 * std::max(std::fabs(got.cvar), 1e-3));
  }
}

TEST_CASE("min_cvar: the reported CVaR is historical_cvar of the solution's returns", "[cvar][var]") {
  // historical_cvar averages the k = floor((T - 1)(1 - a)) + 1 worst returns; the optimised
  // (Rockafellar-Uryasev) CVaR averages (1 - a) T of them, the boundary one fractionally. The
  // two agree whenever (1 - a) T is a whole number (k is then (1 - a) T).
  std::mt19937_64 gen(31);
  for (const auto& [t, a] :
       std::vector<std::pair<Eigen::Index, double>>{{100, 0.95}, {200, 0.9}, {400, 0.975}, {2520, 0.95}}) {
    const MatrixXd r = random_panel(gen, t, 8);
    const auto got = keel::min_cvar(r, {.confidence = a});
    const VectorXd rp = r * got.portfolio.weights;
    INFO("T " << t << ", confidence " << a);
    CHECK(std::fabs(got.cvar - keel::historical_cvar(rp, {.confidence = a})) <= 1e-12 * std::fabs(got.cvar));
    CHECK(std::fabs(got.cvar - keel::historical_cvar(got.portfolio.weights, r, {.confidence = a})) <=
          1e-12 * std::fabs(got.cvar));
    // var: the (floor((1 - a) T) + 1)-th largest loss.
    std::vector<double> loss(static_cast<std::size_t>(t));
    for (Eigen::Index i = 0; i < t; ++i) loss[static_cast<std::size_t>(i)] = -rp(i);
    std::sort(loss.begin(), loss.end(), std::greater<>());
    // (1 - a) T is a whole number in every row of the table (19.999999999999996 in double for
    // T = 200, a = 0.9): the rank is rounded, not floored, so that it is the rank as written.
    const double kth = loss[static_cast<std::size_t>(std::llround((1 - a) * static_cast<double>(t)))];
    CHECK(std::fabs(got.var - kth) <= 1e-14 * std::fabs(kth));  // R w summed in another order here
    CHECK(got.var <= got.cvar);
  }
  // (1 - a) T = 4.85: the optimised CVaR is (4 worst + 0.85 x the 5th) / 4.85, at least the
  // mean of the 5 worst (historical_cvar's k = floor(96 x 0.05) + 1 = 5).
  const MatrixXd r = random_panel(gen, 97, 5);
  const auto got = keel::min_cvar(r, {.confidence = 0.95});
  const VectorXd rp = r * got.portfolio.weights;
  CHECK(std::fabs(got.cvar - static_cast<double>(ru_cvar(rp, 0.95))) <= 1e-13 * std::fabs(got.cvar));
  CHECK(got.cvar >= keel::historical_cvar(rp, {.confidence = 0.95}));
}

TEST_CASE("efficient_cvar_return and efficient_cvar_risk equal GLPK's optima", "[cvar][glpk]") {
  std::mt19937_64 gen(37);
  for (int trial = 0; trial < 6; ++trial) {
    const Eigen::Index t = 80 + 40 * trial, n = 4 + trial;
    const double a = trial % 2 == 0 ? 0.95 : 0.9;
    const MatrixXd r = random_panel(gen, t, n);
    const VectorXd mu = r.colwise().mean().transpose() * 252;
    keel::portfolio_constraints pc;
    if (trial % 3 == 1) pc.bounds = keel::weight_bounds(-0.2, 0.7);
    const keel::cvar_options o{.confidence = a, .constraints = pc};
    const auto low = keel::min_cvar(r, o);
    const double r_low = mu.dot(low.portfolio.weights), r_high = mu.maxCoeff() * (trial % 3 == 1 ? 0.7 : 1);
    const double target = r_low + 0.6 * (std::min(r_high, mu.maxCoeff()) - r_low);
    const auto er = keel::efficient_cvar_return(mu, r, target, o);
    const glpk_answer g1 = glpsol(cplex_lp(r, a, pc, &mu, target));
    INFO("trial " << trial << ": target return " << target << ", keel " << er.cvar << ", GLPK " << g1.objective);
    CHECK(std::fabs(er.cvar - g1.objective) <= 1e-9 * std::fabs(g1.objective));
    CHECK(er.portfolio.expected_return >= target - 1e-12);
    CHECK(er.cvar >= low.cvar - 1e-15);
    // The risk form at that CVaR returns (at least) the same return: the frontier is one curve.
    const auto rk = keel::efficient_cvar_risk(mu, r, er.cvar, o);
    const glpk_answer g2 = glpsol(cplex_lp(r, a, pc, &mu, -inf, er.cvar));
    INFO("target CVaR " << er.cvar << ": keel return " << rk.portfolio.expected_return << ", GLPK " << g2.objective);
    CHECK(std::fabs(rk.portfolio.expected_return - g2.objective) <= 1e-9 * std::fabs(g2.objective));
    CHECK(rk.cvar <= er.cvar * (1 + 1e-13));
    CHECK(std::fabs(rk.portfolio.expected_return - er.portfolio.expected_return) <= 1e-9 * std::fabs(target));
  }
}

TEST_CASE("efficient_cvar_return and efficient_cvar_risk: targets at and beyond the attainable ends", "[cvar]") {
  std::mt19937_64 gen(41);
  const MatrixXd r = random_panel(gen, 300, 6);
  VectorXd mu = r.colwise().mean().transpose() * 252;
  Eigen::Index best = 0;
  const double top = mu.maxCoeff(&best);
  // The largest return, long-only: all in the best asset, attained exactly.
  const auto at_top = keel::efficient_cvar_return(mu, r, top);
  CHECK(at_top.portfolio.weights(best) == Approx(1).margin(1e-12));
  CHECK(at_top.portfolio.expected_return == Approx(top).epsilon(1e-14));
  CHECK(std::fabs(at_top.cvar - static_cast<double>(ru_cvar(r.col(best), 0.95))) <= 1e-13);
  THROWS_AS_WITH(keel::efficient_cvar_return(mu, r, top + 1e-6), keel::infeasible,
                 (Contains("efficient_cvar_return: target_return") && Contains("outside the reachable range")));
  // A target below the minimum-CVaR portfolio's return gives that portfolio.
  const auto low = keel::min_cvar(r);
  const auto below = keel::efficient_cvar_return(mu, r, -1.0);
  CHECK(std::fabs(below.cvar - low.cvar) <= 1e-15);
  // Risk targets: the least CVaR is attained; below it is infeasible; above the top's CVaR
  // gives the largest-return portfolio.
  const auto at_low = keel::efficient_cvar_risk(mu, r, low.cvar);
  CHECK(at_low.cvar <= low.cvar * (1 + 1e-13));
  CHECK(at_low.portfolio.expected_return >= mu.dot(low.portfolio.weights) - 1e-12);
  THROWS_AS_WITH(keel::efficient_cvar_risk(mu, r, low.cvar * (1 - 1e-6)), keel::infeasible,
                 (Contains("efficient_cvar_risk: target_cvar") && Contains("outside the reachable range")));
  const auto above = keel::efficient_cvar_risk(mu, r, at_top.cvar * 2);
  CHECK(above.portfolio.weights(best) == Approx(1).margin(1e-12));
  const auto exactly = keel::efficient_cvar_risk(mu, r, at_top.cvar);
  CHECK(exactly.portfolio.expected_return == Approx(top).epsilon(1e-12));
}

TEST_CASE("min_cvar on stock_prices.csv equals GLPK's", "[cvar][glpk][data]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  // Simple returns over the dates where every asset has a price today and yesterday.
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 1; i < table.prices.rows(); ++i)
    if (table.prices.row(i).allFinite() && table.prices.row(i - 1).allFinite()) rows.push_back(i);
  MatrixXd r(static_cast<Eigen::Index>(rows.size()), table.prices.cols());
  for (std::size_t k = 0; k < rows.size(); ++k)
    r.row(static_cast<Eigen::Index>(k)) =
        table.prices.row(rows[k]).cwiseQuotient(table.prices.row(rows[k] - 1)).array() - 1;
  REQUIRE(r.rows() > 500);
  const auto got = keel::min_cvar(r);
  check_against_glpk(r, 0.95, keel::portfolio_constraints{}, got);
  CHECK(std::fabs(got.portfolio.weights.sum() - 1) <= 1e-12);
  CHECK(got.portfolio.weights.minCoeff() >= 0);
  const keel::portfolio_constraints shorts{keel::weight_bounds(-0.5, 0.5)};
  check_against_glpk(r, 0.9, shorts, keel::min_cvar(r, {.confidence = 0.9, .constraints = shorts}));
}

TEST_CASE("min_cvar: float panels give the double answer rounded", "[cvar]") {
  std::mt19937_64 gen(43);
  const MatrixXd r = random_panel(gen, 120, 5);
  const Eigen::MatrixXf rf = r.cast<float>();
  const auto got = keel::min_cvar(rf);
  const auto want = keel::min_cvar(MatrixXd(rf.cast<double>()));
  STATIC_REQUIRE(std::is_same_v<decltype(got.cvar), float>);
  CHECK(got.cvar == static_cast<float>(want.cvar));
  CHECK(got.portfolio.volatility > 0);
}

TEST_CASE("CVaR optimisation: every error names what is wrong", "[cvar][errors]") {
  std::mt19937_64 gen(47);
  MatrixXd r = random_panel(gen, 50, 4);
  const VectorXd mu = VectorXd::Constant(4, 0.1);
  THROWS_AS_WITH(keel::min_cvar(r, {.confidence = 1}), keel::invalid_input,
                 (Contains("min_cvar: confidence = 1 must be in (0, 1)")));
  THROWS_AS_WITH(keel::min_cvar(r, {.confidence = 0}), keel::invalid_input,
                 (Contains("confidence = 0 must be in (0, 1)")));
  THROWS_AS_WITH(keel::min_cvar(r, {.confidence = std::nan("")}), keel::invalid_input, (Contains("confidence")));
  THROWS_AS_WITH(keel::min_cvar(MatrixXd(r.topRows(1))), keel::insufficient_data,
                 (Contains("min_cvar: needs at least 2 scenarios (rows of returns), got 1")));
  THROWS_AS_WITH(keel::min_cvar(MatrixXd(50, 0)), keel::invalid_input, (Contains("returns has no assets")));
  MatrixXd bad = r;
  bad(3, 1) = std::nan("");
  THROWS_AS_WITH(keel::min_cvar(bad), keel::invalid_input, (Contains("returns(3, 1)")));
  THROWS_AS_WITH(keel::efficient_cvar_return(VectorXd(VectorXd::Ones(3)), r, 0.1), keel::invalid_input,
                 (Contains("efficient_cvar_return: mu has 3 values but the columns of returns has 4")));
  THROWS_AS_WITH(keel::efficient_cvar_return(mu, r, std::nan("")), keel::invalid_input, (Contains("target_return")));
  THROWS_AS_WITH(keel::efficient_cvar_risk(mu, r, inf), keel::invalid_input,
                 (Contains("efficient_cvar_risk: target_cvar")));
  // Constraints that conflict: the budget and two linear floors on disjoint assets.
  keel::portfolio_constraints pc;
  VectorXd a0 = VectorXd::Zero(4), a1 = VectorXd::Zero(4);
  a0(0) = 1;
  a1(1) = 1;
  pc.linear.push_back({a0, keel::constraint_relation::greater_equal, 0.7, "floor0"});
  pc.linear.push_back({a1, keel::constraint_relation::greater_equal, 0.7, "floor1"});
  THROWS_AS_WITH(keel::min_cvar(r, {.constraints = pc}), keel::infeasible,
                 (Contains("min_cvar: the constraints cannot all hold") && Contains("floor0") && Contains("floor1") &&
                  Contains("sum of weights")));
  THROWS_AS_WITH(keel::min_cvar(r, {.constraints = {keel::weight_bounds(0.3, 1)}}), keel::infeasible,
                 (Contains("lower bounds sum to 1.2")));
  // Unbounded: with no bounds asset 0 beats asset 1 in every scenario, so long 0 / short 1
  // lowers the CVaR without end.
  r.col(0) = r.col(1).array() + 0.001;
  THROWS_AS_WITH(keel::min_cvar(r, {.constraints = {keel::weight_bounds::unbounded()}}), keel::singular_problem,
                 (Contains("min_cvar: the CVaR is unbounded below")));
}

TEST_CASE("lp_simplex: small LPs with known answers, infeasible and unbounded ones", "[cvar][lp]") {
  using keel::detail::lp_problem;
  using keel::detail::lp_simplex;
  using keel::detail::lp_status;
  // max 3x + 2y s.t. x + y <= 4, x + 3y <= 6, 0 <= x <= 3, y >= 0: optimum (3, 1), value 11.
  lp_problem<double> p;
  p.cost = VectorXd(2);
  p.cost << -3, -2;
  p.a = MatrixXd(2, 2);
  p.a << 1, 1, 1, 3;
  p.row_lower = VectorXd::Constant(2, -inf);
  p.row_upper = VectorXd(2);
  p.row_upper << 4, 6;
  p.lower = VectorXd::Zero(2);
  p.upper = VectorXd(2);
  p.upper << 3, inf;
  lp_simplex<double> s("test", p);
  REQUIRE(s.solve() == lp_status::optimal);
  CHECK(s.x()(0) == Approx(3).margin(1e-15));
  CHECK(s.x()(1) == Approx(1).margin(1e-15));
  CHECK(s.objective() == Approx(-11).margin(1e-14));
  // Duals: y = (-2, 0) on the rows (the second is slack), reduced cost of x = -1 at its upper bound.
  CHECK(s.row_duals()(0) == Approx(-2).margin(1e-14));
  CHECK(s.row_duals()(1) == Approx(0).margin(1e-14));
  CHECK(s.reduced_costs()(0) == Approx(-1).margin(1e-14));
  // Infeasible: x + y >= 5 with x, y <= 2; the certificate names the row.
  lp_problem<double> q = p;
  q.row_lower << 5, -inf;
  q.row_upper << inf, inf;
  q.upper << 2, 2;
  q.row_names = {"big", "other"};
  lp_simplex<double> si("test", q);
  CHECK(si.solve() == lp_status::infeasible);
  CHECK(si.conflict_text() == "big");
  // Unbounded: y has no upper bound and nothing limits it.
  lp_problem<double> u = p;
  u.row_upper << inf, inf;
  lp_simplex<double> su("test", u);
  CHECK(su.solve() == lp_status::unbounded);
}
