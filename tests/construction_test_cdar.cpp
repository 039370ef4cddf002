// SPDX-License-Identifier: MIT
// Tests of keel/construction.hpp's CDaR optimisation (min_cdar, efficient_cdar_return,
// efficient_cdar_risk). The optimum is checked against Debian's GLPK (glpsol, a test-only
// dependency, as in construction_test_cvar) on an LP written here in CPLEX LP format in a form
// other than keel's (Chekhlov, Uryasev and Zabarankin's: u_t >= c_t'w on cumulative returns,
// u_t >= u_{t-1}, z_t >= u_t - c_t'w - alpha), and the reported CDaR against one recomputed
// here from the weights' drawdown series by a full sort.
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

// The sanitizer build (-O0) runs the dense simplex about 60 times slower; the CDaR LP costs
// O(T^3), so there every test runs the same checks on panels a fifth as long.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEL_CDAR_TEST_SHORT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KEEL_CDAR_TEST_SHORT 1
#endif
#ifdef KEEL_CDAR_TEST_SHORT
constexpr Eigen::Index periods(Eigen::Index t) { return std::max<Eigen::Index>(t / 5, 20); }
#else
constexpr Eigen::Index periods(Eigen::Index t) { return t; }
#endif

// T periods of N assets: normal returns with asset-specific drifts and volatilities and a common
// factor (daily-like scale), so that the drawdown paths have several troughs.
MatrixXd random_panel(std::mt19937_64& gen, Eigen::Index t, Eigen::Index n) {
  std::normal_distribution<double> z(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  VectorXd mean(n), vol(n), beta(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    mean(j) = 0.002 * (u(gen) - 0.4);
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

// The drawdowns of the uncompounded path of portfolio returns x, in long double: the running
// peak of the cumulative sum, starting at 0, minus the cumulative sum.
std::vector<long double> drawdowns(const VectorXd& x) {
  std::vector<long double> d;
  long double c = 0, peak = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    c += x(i);
    peak = std::max(peak, c);
    d.push_back(peak - c);
  }
  return d;
}

// CDaR by a full sort of the drawdowns: the floor(pT) largest and the fraction of the next,
// over pT (the exact discrete CVaR of the drawdowns).
long double cdar_by_sort(const VectorXd& x, double confidence) {
  std::vector<long double> d = drawdowns(x);
  std::sort(d.begin(), d.end(), std::greater<>());
  const long double tail = (1 - static_cast<long double>(confidence)) * static_cast<long double>(d.size());
  const auto k = static_cast<std::size_t>(std::floor(tail));
  long double sum = 0;
  for (std::size_t i = 0; i < k && i < d.size(); ++i) sum += d[i];
  if (k < d.size()) sum += (tail - static_cast<long double>(k)) * d[k];
  return sum / tail;
}

std::string term(double coefficient, const std::string& name) {
  std::ostringstream out;
  out.precision(17);
  out << (coefficient < 0 ? " - " : " + ") << std::fabs(coefficient) << " " << name;
  return out.str();
}

std::string w_name(Eigen::Index j) { return "w" + std::to_string(j); }

// The CDaR LP in CPLEX LP format (cumulative-return form): min alpha + c sum z (or, with
// target_cdar, max mu'w subject to that <= target_cdar) subject to u_t - C_t'w >= 0, u_t -
// u_{t-1} >= 0, z_t - u_t + C_t'w + alpha >= 0, u_0 = 0 (u_0 omitted: u_1 >= 0 and u_1 >= C_1'w).
std::string cplex_lp(const MatrixXd& r, double confidence, const keel::portfolio_constraints& pc,
                     const VectorXd* mu = nullptr, double target_return = -inf, double target_cdar = inf) {
  const Eigen::Index t = r.rows(), n = r.cols();
  const double c = 1 / ((1 - confidence) * static_cast<double>(t));
  std::ostringstream lp;
  lp.precision(17);
  std::ostringstream risk;
  risk.precision(17);
  risk << " alpha";
  for (Eigen::Index i = 0; i < t; ++i) risk << term(c, "z" + std::to_string(i));
  const bool risk_form = std::isfinite(target_cdar);
  if (risk_form) {
    lp << "Maximize\n obj:";
    for (Eigen::Index j = 0; j < n; ++j) lp << term((*mu)(j), w_name(j));
  } else {
    lp << "Minimize\n obj:" << risk.str();
  }
  lp << "\nSubject To\n";
  VectorXd cum = VectorXd::Zero(n);
  for (Eigen::Index i = 0; i < t; ++i) {
    cum += r.row(i).transpose();
    const std::string u = "u" + std::to_string(i);
    lp << " peak" << i << ": " << u;
    for (Eigen::Index j = 0; j < n; ++j) lp << term(-cum(j), w_name(j));
    lp << " >= 0\n";
    if (i > 0) lp << " rise" << i << ": " << u << " - u" << i - 1 << " >= 0\n";
    lp << " tail" << i << ": z" << i << " - " << u << " + alpha";
    for (Eigen::Index j = 0; j < n; ++j) lp << term(cum(j), w_name(j));
    lp << " >= 0\n";
  }
  if (risk_form) lp << " risk:" << risk.str() << " <= " << target_cdar << "\n";
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
  lp << "Bounds\n alpha free\n";
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

// glpsol's status and optimum on an LP (its simplex, from the CPLEX LP text).
struct glpk_answer {
  std::string primal_status;  // "f" feasible, "n" no feasible, ...
  double objective = 0;
};

glpk_answer glpsol(const std::string& lp) {
  const std::string exe = KEEL_GLPSOL;
  REQUIRE_FALSE(exe.empty());  // glpsol was not found when configuring: apt-get install glpk-utils
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("keel_cdar_glpk_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto model = dir / "cdar.lp", solution = dir / "cdar.sol";
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
    }
  }
  std::filesystem::remove_all(dir);
  return out;
}

void check_against_glpk(const MatrixXd& r, double confidence, const keel::portfolio_constraints& pc,
                        const keel::cdar_result<double>& got) {
  const glpk_answer g = glpsol(cplex_lp(r, confidence, pc));
  REQUIRE(g.primal_status == "f");
  INFO("T " << r.rows() << ", N " << r.cols() << ", confidence " << confidence << ": keel " << got.cdar << ", GLPK "
            << g.objective);
  CHECK(std::fabs(got.cdar - g.objective) <= 1e-9 * std::max(std::fabs(g.objective), 1e-3));
  // keel's figure is the CDaR of its own weights, recomputed here from their drawdowns.
  CHECK(std::fabs(got.cdar - static_cast<double>(cdar_by_sort(r * got.portfolio.weights, confidence))) <=
        1e-12 * std::max(std::fabs(got.cdar), 1e-3));
}

double row_sum(const VectorXd& w, const std::vector<std::string>& groups, const std::string& g) {
  double s = 0;
  for (Eigen::Index j = 0; j < w.size(); ++j)
    if (groups[static_cast<std::size_t>(j)] == g) s += w(j);
  return s;
}

}  // namespace

TEST_CASE("min_cdar: the optimum equals GLPK's on random problems with every kind of constraint", "[cdar][glpk]") {
  std::mt19937_64 gen(19);
  const std::vector<std::pair<Eigen::Index, Eigen::Index>> sizes{{30, 3}, {97, 6}, {150, 8}};
  const std::vector<double> levels{0.8, 0.9, 0.95, 0.5};
  int trial = 0;
  for (const auto& [t, n] : sizes) {
    for (int kind = 0; kind < 5; ++kind, ++trial) {
      const MatrixXd r = random_panel(gen, periods(t), n);
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
      const auto got = keel::min_cdar(r, {.confidence = a, .constraints = pc});
      INFO("kind " << kind);
      check_against_glpk(r, a, pc, got);
      const VectorXd& w = got.portfolio.weights;
      if (kind == 2) CHECK(std::fabs(w.sum()) <= 1e-12);
      if (kind != 2) CHECK(std::fabs(w.sum() - 1) <= 1e-12);
      if (kind == 0) CHECK(w.minCoeff() >= 0);
      if (kind == 3) {
        CHECK(row_sum(w, pc.groups, "a") <= 0.3 + 1e-12);
        CHECK(row_sum(w, pc.groups, "b") >= 0.4 - 1e-12);
      }
      // The DaR is a drawdown of the path, with at most (1 - a) T drawdowns above it.
      const std::vector<long double> d = drawdowns(r * w);
      const auto above = std::count_if(d.begin(), d.end(), [&](long double x) { return x > got.dar + 1e-15; });
      // (1 - a) T within 1e-9 of a whole number is that number (5.9999999999999991 is 6), as
      // make_cvar_model rounds it.
      CHECK(static_cast<double>(above) <= std::floor((1 - a) * static_cast<double>(r.rows()) + 1e-9));
      CHECK(got.cdar >= got.dar);
    }
  }
}

TEST_CASE("min_cdar: the longest panel (T = 250), with short positions, equals GLPK's", "[cdar][glpk]") {
  std::mt19937_64 gen(29);
  const MatrixXd r = random_panel(gen, periods(250), 10);
  const keel::portfolio_constraints pc{keel::weight_bounds(-0.2, 0.5)};
  check_against_glpk(r, 0.9, pc, keel::min_cdar(r, {.confidence = 0.9, .constraints = pc}));
}

TEST_CASE("min_cdar: as the confidence tends to 1 the CDaR is the maximum drawdown", "[cdar]") {
  std::mt19937_64 gen(23);
  const MatrixXd r = random_panel(gen, periods(120), 4);
  // (1 - a) T <= 0.12 < 1: the tail is the deepest drawdown alone.
  const auto got = keel::min_cdar(r, {.confidence = 0.999});
  const std::vector<long double> d = drawdowns(r * got.portfolio.weights);
  const double max_dd = static_cast<double>(*std::max_element(d.begin(), d.end()));
  CHECK(std::fabs(got.cdar - max_dd) <= 1e-13);
  CHECK(got.dar == got.cdar);
  check_against_glpk(r, 0.999, {}, got);
  // No long-only book has a smaller maximum drawdown than the optimum: e.g. each asset alone.
  for (Eigen::Index j = 0; j < r.cols(); ++j) {
    const std::vector<long double> dj = drawdowns(r.col(j));
    CHECK(got.cdar <= static_cast<double>(*std::max_element(dj.begin(), dj.end())) + 1e-15);
  }
}

// Issue 19 (lp fix): phase 1 from the artificials, on CDaR's 2T degenerate rows, took
// rounding in y (about 1e-11) for improving columns under a 1e-13 dual tolerance, pivoted onto
// tiny pivots until the basis was singular, and reported this feasible LP infeasible. P is
// built here by hand (not by detail/cdar.hpp, which starts from a crash basis and skips phase 1)
// and solved from phase 1; min_cdar (crash basis, checked against GLPK above) gives its value.
TEST_CASE("lp_simplex: phase 1 on the CDaR LP of 100 days and 20 assets finds it feasible", "[cdar][lp]") {
  using keel::detail::lp_problem;
  using keel::detail::lp_simplex;
  using keel::detail::lp_status;
  std::mt19937_64 gen(1);
  const Eigen::Index t = periods(100), n = 20, alpha = n, u0 = n + 1, z0 = n + 1 + t;
  const MatrixXd r = random_panel(gen, t, n);
  const double confidence = 0.95;
  lp_problem<double> p;
  p.a.setZero(2 * t + 1, n + 1 + 2 * t);
  p.row_lower.setZero(2 * t + 1);
  p.row_upper.setConstant(2 * t + 1, inf);
  p.lower.setZero(n + 1 + 2 * t);
  p.upper.setConstant(n + 1 + 2 * t, inf);
  p.upper.head(n).setOnes();
  p.lower(alpha) = -inf;
  p.cost.setZero(n + 1 + 2 * t);
  p.cost(alpha) = 1;
  p.cost.tail(t).setConstant(1 / ((1 - confidence) * static_cast<double>(t)));
  for (Eigen::Index i = 0; i < t; ++i) {
    p.a.row(i).head(n) = r.row(i);  // u_i - u_{i-1} + r_i'w >= 0
    p.a(i, u0 + i) = 1;
    if (i > 0) p.a(i, u0 + i - 1) = -1;
    p.a(t + i, z0 + i) = 1;  // z_i - u_i + alpha >= 0
    p.a(t + i, u0 + i) = -1;
    p.a(t + i, alpha) = 1;
  }
  p.a.row(2 * t).head(n).setOnes();  // sum w = 1
  p.row_lower(2 * t) = 1;
  p.row_upper(2 * t) = 1;
  lp_simplex<double> s("test", p);
  REQUIRE(s.solve() == lp_status::optimal);
  const auto crash = keel::min_cdar(r, {.confidence = confidence});
  CHECK(std::fabs(s.objective() - crash.cdar) <= 1e-9 * crash.cdar);
  const VectorXd w = s.x().head(n);
  CHECK(std::fabs(w.sum() - 1) <= 1e-12);
  CHECK(w.minCoeff() >= -1e-12);
  CHECK(std::fabs(static_cast<double>(cdar_by_sort(r * w, confidence)) - s.objective()) <= 1e-9 * crash.cdar);
}

TEST_CASE("efficient_cdar_return and efficient_cdar_risk equal GLPK's optima", "[cdar][glpk]") {
  std::mt19937_64 gen(37);
  for (int trial = 0; trial < 4; ++trial) {
    const Eigen::Index t = periods(50 + 30 * trial), n = 4 + trial;
    const double a = trial % 2 == 0 ? 0.95 : 0.8;
    const MatrixXd r = random_panel(gen, t, n);
    const VectorXd mu = r.colwise().mean().transpose() * 252;
    keel::portfolio_constraints pc;
    if (trial % 2 == 1) pc.bounds = keel::weight_bounds(-0.2, 0.7);
    const keel::cdar_options o{.confidence = a, .constraints = pc};
    const auto low = keel::min_cdar(r, o);
    const double r_low = mu.dot(low.portfolio.weights);
    const double target = r_low + 0.6 * (mu.maxCoeff() * (trial % 2 == 1 ? 0.7 : 1) - r_low);
    const auto er = keel::efficient_cdar_return(mu, r, target, o);
    const glpk_answer g1 = glpsol(cplex_lp(r, a, pc, &mu, target));
    INFO("trial " << trial << ": target return " << target << ", keel " << er.cdar << ", GLPK " << g1.objective);
    CHECK(std::fabs(er.cdar - g1.objective) <= 1e-9 * std::fabs(g1.objective));
    CHECK(std::fabs(er.cdar - static_cast<double>(cdar_by_sort(r * er.portfolio.weights, a))) <= 1e-12 * er.cdar);
    CHECK(er.portfolio.expected_return >= target - 1e-12);
    CHECK(er.cdar >= low.cdar - 1e-15);
    // The risk form at that CDaR returns the same return: the frontier is one curve.
    const auto rk = keel::efficient_cdar_risk(mu, r, er.cdar, o);
    const glpk_answer g2 = glpsol(cplex_lp(r, a, pc, &mu, -inf, er.cdar));
    INFO("target CDaR " << er.cdar << ": keel return " << rk.portfolio.expected_return << ", GLPK " << g2.objective);
    CHECK(std::fabs(rk.portfolio.expected_return - g2.objective) <= 1e-9 * std::fabs(g2.objective));
    CHECK(rk.cdar <= er.cdar * (1 + 1e-12));
    CHECK(std::fabs(rk.portfolio.expected_return - er.portfolio.expected_return) <= 1e-9 * std::fabs(target));
  }
}

TEST_CASE("efficient_cdar_return and efficient_cdar_risk: targets at and beyond the attainable ends", "[cdar]") {
  std::mt19937_64 gen(41);
  const MatrixXd r = random_panel(gen, periods(100), 5);
  const VectorXd mu = r.colwise().mean().transpose() * 252;
  Eigen::Index best = 0;
  const double top = mu.maxCoeff(&best);
  // The largest return, long-only: all in the best asset, attained exactly.
  const auto at_top = keel::efficient_cdar_return(mu, r, top);
  CHECK(at_top.portfolio.weights(best) == Approx(1).margin(1e-12));
  CHECK(at_top.portfolio.expected_return == Approx(top).epsilon(1e-14));
  CHECK(std::fabs(at_top.cdar - static_cast<double>(cdar_by_sort(r.col(best), 0.95))) <= 1e-13);
  THROWS_AS_WITH(keel::efficient_cdar_return(mu, r, top + 1e-6), keel::infeasible,
                 (Contains("efficient_cdar_return: target_return") && Contains("outside the reachable range")));
  // A target below the minimum-CDaR portfolio's return gives that portfolio.
  const auto low = keel::min_cdar(r);
  const auto below = keel::efficient_cdar_return(mu, r, -1.0);
  CHECK(std::fabs(below.cdar - low.cdar) <= 1e-15);
  // Risk targets: the least CDaR is attained; below it is infeasible; at or above the top's
  // CDaR gives the largest-return portfolio.
  const auto at_low = keel::efficient_cdar_risk(mu, r, low.cdar);
  CHECK(at_low.cdar <= low.cdar * (1 + 1e-12));
  CHECK(at_low.portfolio.expected_return >= mu.dot(low.portfolio.weights) - 1e-12);
  THROWS_AS_WITH(keel::efficient_cdar_risk(mu, r, low.cdar * (1 - 1e-6)), keel::infeasible,
                 (Contains("efficient_cdar_risk: target_cdar") && Contains("outside the reachable range")));
  const auto above = keel::efficient_cdar_risk(mu, r, at_top.cdar * 2);
  CHECK(above.portfolio.weights(best) == Approx(1).margin(1e-12));
  CHECK(std::fabs(above.cdar - at_top.cdar) <= 1e-15);
  const auto exactly = keel::efficient_cdar_risk(mu, r, at_top.cdar);
  CHECK(exactly.portfolio.expected_return == Approx(top).epsilon(1e-12));
}

TEST_CASE("min_cdar on a slice of stock_prices.csv equals GLPK's", "[cdar][glpk][data]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto table = keel::read_prices_csv(*path);
  // Simple returns over the last 150 dates where every asset has a price today and yesterday.
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 1; i < table.prices.rows(); ++i)
    if (table.prices.row(i).allFinite() && table.prices.row(i - 1).allFinite()) rows.push_back(i);
  const auto keep = static_cast<std::ptrdiff_t>(periods(150));
  REQUIRE(static_cast<std::ptrdiff_t>(rows.size()) > keep);
  rows.erase(rows.begin(), rows.end() - keep);
  MatrixXd r(static_cast<Eigen::Index>(rows.size()), table.prices.cols());
  for (std::size_t k = 0; k < rows.size(); ++k)
    r.row(static_cast<Eigen::Index>(k)) =
        table.prices.row(rows[k]).cwiseQuotient(table.prices.row(rows[k] - 1)).array() - 1;
  const auto got = keel::min_cdar(r);
  check_against_glpk(r, 0.95, keel::portfolio_constraints{}, got);
  CHECK(std::fabs(got.portfolio.weights.sum() - 1) <= 1e-12);
  CHECK(got.portfolio.weights.minCoeff() >= 0);
  const keel::portfolio_constraints shorts{keel::weight_bounds(-0.5, 0.5)};
  check_against_glpk(r, 0.9, shorts, keel::min_cdar(r, {.confidence = 0.9, .constraints = shorts}));
}

TEST_CASE("min_cdar: float panels give the double answer rounded", "[cdar]") {
  std::mt19937_64 gen(43);
  const MatrixXd r = random_panel(gen, periods(80), 4);
  const Eigen::MatrixXf rf = r.cast<float>();
  const auto got = keel::min_cdar(rf);
  const auto want = keel::min_cdar(MatrixXd(rf.cast<double>()));
  STATIC_REQUIRE(std::is_same_v<decltype(got.cdar), float>);
  CHECK(got.cdar == static_cast<float>(want.cdar));
  CHECK(got.portfolio.volatility > 0);
}

TEST_CASE("CDaR optimisation: every error names what is wrong", "[cdar][errors]") {
  std::mt19937_64 gen(47);
  MatrixXd r = random_panel(gen, 40, 4);
  const VectorXd mu = VectorXd::Constant(4, 0.1);
  THROWS_AS_WITH(keel::min_cdar(r, {.confidence = 1}), keel::invalid_input,
                 (Contains("min_cdar: confidence = 1 must be in (0, 1)")));
  THROWS_AS_WITH(keel::min_cdar(r, {.confidence = 0}), keel::invalid_input,
                 (Contains("confidence = 0 must be in (0, 1)")));
  THROWS_AS_WITH(keel::min_cdar(r, {.confidence = std::nan("")}), keel::invalid_input, (Contains("confidence")));
  THROWS_AS_WITH(keel::min_cdar(MatrixXd(r.topRows(1))), keel::insufficient_data,
                 (Contains("min_cdar: needs at least 2 scenarios (rows of returns), got 1")));
  THROWS_AS_WITH(keel::min_cdar(MatrixXd(40, 0)), keel::invalid_input, (Contains("returns has no assets")));
  MatrixXd bad = r;
  bad(3, 1) = std::nan("");
  THROWS_AS_WITH(keel::min_cdar(bad), keel::invalid_input, (Contains("returns(3, 1)")));
  THROWS_AS_WITH(keel::efficient_cdar_return(VectorXd(VectorXd::Ones(3)), r, 0.1), keel::invalid_input,
                 (Contains("efficient_cdar_return: mu has 3 values but the columns of returns has 4")));
  THROWS_AS_WITH(keel::efficient_cdar_risk(VectorXd(VectorXd::Ones(5)), r, 0.1), keel::invalid_input,
                 (Contains("efficient_cdar_risk: mu has 5 values")));
  THROWS_AS_WITH(keel::efficient_cdar_return(mu, r, std::nan("")), keel::invalid_input, (Contains("target_return")));
  THROWS_AS_WITH(keel::efficient_cdar_risk(mu, r, inf), keel::invalid_input,
                 (Contains("efficient_cdar_risk: target_cdar")));
  // Constraints that conflict: the budget and two linear floors on disjoint assets.
  keel::portfolio_constraints pc;
  VectorXd a0 = VectorXd::Zero(4), a1 = VectorXd::Zero(4);
  a0(0) = 1;
  a1(1) = 1;
  pc.linear.push_back({a0, keel::constraint_relation::greater_equal, 0.7, "floor0"});
  pc.linear.push_back({a1, keel::constraint_relation::greater_equal, 0.7, "floor1"});
  THROWS_AS_WITH(keel::min_cdar(r, {.constraints = pc}), keel::infeasible,
                 (Contains("min_cdar: the constraints cannot all hold") && Contains("floor0") && Contains("floor1") &&
                  Contains("sum of weights")));
  THROWS_AS_WITH(keel::efficient_cdar_risk(mu, r, 0.1, {.constraints = pc}), keel::infeasible,
                 (Contains("efficient_cdar_risk: the constraints cannot all hold")));
  THROWS_AS_WITH(keel::min_cdar(r, {.constraints = {keel::weight_bounds(0.3, 1)}}), keel::infeasible,
                 (Contains("lower bounds sum to 1.2")));
  // Unbounded: with no bounds, long asset 0 / short asset 1 gains 0.001 a period without a
  // drawdown, and mu prefers asset 0: the return at any CDaR has no end. The CDaR itself is
  // bounded below (by 0): min_cdar answers.
  r.col(0) = r.col(1).array() + 0.001;
  VectorXd mu0 = mu;
  mu0(0) = 0.2;
  THROWS_AS_WITH(keel::efficient_cdar_risk(mu0, r, 0.5, {.constraints = {keel::weight_bounds::unbounded()}}),
                 keel::singular_problem, (Contains("efficient_cdar_risk: the return is unbounded at target_cdar")));
  const auto free = keel::min_cdar(r, {.constraints = {keel::weight_bounds::unbounded()}});
  CHECK(free.cdar >= 0);
  CHECK(std::fabs(free.cdar - static_cast<double>(cdar_by_sort(r * free.portfolio.weights, 0.95))) <= 1e-12);
}
