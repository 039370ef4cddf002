// SPDX-License-Identifier: MIT
// keel/garch.hpp: the Fiorentini-Calzolari-Panattoni benchmark, R's fGarch as a live oracle, an
// independent long-double likelihood and finite differences for the analytic gradient,
// simulated-data recovery, invariance to units, forecasts, the panel form and the errors.
#include <keel/garch.hpp>
#include <keel/var.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace {

using keel::garch_distribution;
using keel::garch_initial_variance;
using keel::garch_mean;
using keel::garch_options;
using keel::garch_type;

struct params {
  long double mu = 0, omega = 0, alpha = 0, gamma = 0, beta = 0, nu = 0;  // nu = 0: normal
};

// The log-likelihood written out directly in long double: the variances first, then the sum.
long double reference_llf(const std::vector<double>& y, const params& p, bool backcast) {
  const std::size_t n = y.size();
  std::vector<long double> e(n), h(n);
  for (std::size_t t = 0; t < n; ++t) e[t] = y[t] - p.mu;
  long double b = 0;
  if (backcast) {
    long double wsum = 0;
    for (std::size_t i = 0; i < std::min<std::size_t>(75, n); ++i) {
      const long double w = std::pow(0.94L, static_cast<long double>(i));
      b += w * e[i] * e[i];
      wsum += w;
    }
    b /= wsum;
  } else {
    for (const long double v : e) b += v * v;
    b /= static_cast<long double>(n);
  }
  h[0] = p.omega + (p.alpha + p.gamma / 2 + p.beta) * b;
  for (std::size_t t = 1; t < n; ++t)
    h[t] = p.omega + (p.alpha + (e[t - 1] < 0 ? p.gamma : 0)) * e[t - 1] * e[t - 1] + p.beta * h[t - 1];
  long double sum = 0;
  const long double pi = 3.141592653589793238462643383279502884L;
  for (std::size_t t = 0; t < n; ++t) {
    if (p.nu == 0) {
      sum += -0.5L * (std::log(2 * pi) + std::log(h[t]) + e[t] * e[t] / h[t]);
    } else {
      const long double v = p.nu;
      sum += std::lgamma((v + 1) / 2) - std::lgamma(v / 2) - 0.5L * std::log(pi * (v - 2)) - 0.5L * std::log(h[t]) -
             (v + 1) / 2 * std::log(1 + e[t] * e[t] / (h[t] * (v - 2)));
    }
  }
  return sum;
}

// A GARCH / GJR path with N(0,1) or unit-variance t innovations, from std::mt19937_64.
std::vector<double> simulate(const params& p, std::size_t n, std::uint64_t seed, std::size_t burn = 500) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::student_t_distribution<double> student(p.nu > 0 ? static_cast<double>(p.nu) : 10.0);
  const double scale_t = p.nu > 0 ? std::sqrt((static_cast<double>(p.nu) - 2) / static_cast<double>(p.nu)) : 1.0;
  double h = static_cast<double>(p.omega / (1 - p.alpha - p.gamma / 2 - p.beta)), e = 0;
  std::vector<double> y;
  for (std::size_t t = 0; t < n + burn; ++t) {
    if (t > 0) h = static_cast<double>(p.omega + (p.alpha + (e < 0 ? p.gamma : 0)) * e * e + p.beta * h);
    const double z = p.nu > 0 ? student(rng) * scale_t : normal(rng);
    e = std::sqrt(h) * z;
    if (t >= burn) y.push_back(static_cast<double>(p.mu) + e);
  }
  return y;
}

params estimates(const keel::garch_result<double>& r) {
  params p;
  p.mu = r.mu;
  p.omega = r.omega;
  p.alpha = r.alpha;
  p.gamma = r.gamma;
  p.beta = r.beta;
  p.nu = std::isinf(r.nu) ? 0 : r.nu;
  return p;
}

double stderr_of(const keel::garch_result<double>& r, const std::string& name) {
  for (std::size_t i = 0; i < r.parameter_names.size(); ++i)
    if (r.parameter_names[i] == name) return r.stderrs.at(i);
  FAIL("no parameter " << name);
  return 0;
}

std::vector<double> read_column(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<double> y;
  double v;
  while (in >> v) y.push_back(v);
  return y;
}

// Runs tests/data/garch_oracle.R in a fresh directory (with sim.txt when `sim` is not empty);
// returns the directory.
std::filesystem::path run_oracle(const std::vector<double>& sim) {
  const std::string rscript = KEEL_RSCRIPT_FGARCH;
  if (rscript.empty())
    FAIL(
        "Rscript with fGarch was not found when configuring: apt-get install r-cran-fgarch (scripts/install-deps "
        "does), then re-run cmake");
  const auto dir = std::filesystem::temp_directory_path() / ("keel_garch_oracle_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  if (!sim.empty()) {
    std::ofstream out(dir / "sim.txt");
    out.precision(17);
    for (const double v : sim) out << v << '\n';
  }
  const std::string command =
      rscript + " " + (std::filesystem::path(KEEL_TEST_DATA_DIR) / "garch_oracle.R").string() + " " + dir.string();
  REQUIRE(std::system(command.c_str()) == 0);
  return dir;
}

std::map<std::string, std::vector<double>> read_fits(const std::filesystem::path& path) {
  std::map<std::string, std::vector<double>> fits;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string name;
    s >> name;
    double v;
    while (s >> v) fits[name].push_back(v);
  }
  return fits;
}

}  // namespace

TEST_CASE("GARCH(1,1) on the Bollerslev-Ghysels DM/GBP data meets the Fiorentini-Calzolari-Panattoni benchmark",
          "[garch][benchmark][fgarch]") {
  const auto dir = run_oracle({});
  const std::vector<double> y = read_column(dir / "dem2gbp.txt");
  REQUIRE(y.size() == 1974);
  // The benchmark's initialisation: h_0 and e_{-1}^2 the sample mean of e_t^2 (fGarch's "mci").
  const auto r = keel::garch_fit(y, {.initial_variance = garch_initial_variance::sample});
  REQUIRE(r.converged);
  // FCP (1996), Table 1 (also McCullough and Renfro 1999): estimates and Hessian standard
  // errors to six decimals, log-likelihood -1106.608.
  CHECK(std::abs(r.mu - -0.006190) <= 0.5e-6);
  CHECK(std::abs(r.omega - 0.010761) <= 0.5e-6);
  CHECK(std::abs(r.alpha - 0.153134) <= 0.5e-6);
  CHECK(std::abs(r.beta - 0.805974) <= 0.5e-6);
  CHECK(std::abs(stderr_of(r, "mu") - 0.008462) <= 0.5e-6);
  CHECK(std::abs(stderr_of(r, "omega") - 0.002853) <= 0.5e-6);
  CHECK(std::abs(stderr_of(r, "alpha") - 0.026523) <= 0.5e-6);
  CHECK(std::abs(stderr_of(r, "beta") - 0.033553) <= 0.5e-6);
  CHECK(std::abs(r.log_likelihood - -1106.608) <= 0.5e-3);
  CHECK(r.aic == Approx(2 * 4 - 2 * r.log_likelihood).epsilon(1e-15));
  CHECK(r.bic == Approx(4 * std::log(1974.0) - 2 * r.log_likelihood).epsilon(1e-15));
  // The reported log-likelihood is the long-double one at the estimates.
  CHECK(r.log_likelihood == Approx(static_cast<double>(reference_llf(y, estimates(r), false))).epsilon(1e-12));
  std::filesystem::remove_all(dir);
}

TEST_CASE("garch_fit reaches at least fGarch's likelihood and fGarch's estimates on the same data", "[garch][fgarch]") {
  // t innovations on a simulated stationary path, so that fGarch's unconstrained optimum is one
  // keel's feasible set contains.
  const std::vector<double> sim = simulate({.mu = 0.03, .omega = 0.05, .alpha = 0.08, .beta = 0.9, .nu = 6}, 3000, 7);
  const auto dir = run_oracle(sim);
  const auto fits = read_fits(dir / "fgarch.txt");
  const std::vector<double> dem = read_column(dir / "dem2gbp.txt");
  struct cas {
    std::string name;
    const std::vector<double>* y;
    garch_options options;
  };
  const std::vector<cas> cases{
      {"dem2gbp_mean", &dem, {.initial_variance = garch_initial_variance::sample}},
      {"dem2gbp_zero", &dem, {.mean = garch_mean::zero, .initial_variance = garch_initial_variance::sample}},
      {"sim_mean", &sim, {.initial_variance = garch_initial_variance::sample}},
      {"sim_t",
       &sim,
       {.distribution = garch_distribution::student_t, .initial_variance = garch_initial_variance::sample}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto& f = fits.at(c.name);
    const auto r = keel::garch_fit(*c.y, c.options);
    // fGarch's optimiser (nlminb) stops a little short; keel's answer is at least as likely.
    CHECK(r.log_likelihood >= f[0] - 1e-7);
    CHECK(r.log_likelihood - f[0] <= 1e-4);
    std::size_t i = 1;
    const bool mean = c.options.mean == garch_mean::constant;
    if (mean) CHECK(r.mu == Approx(f[i++]).margin(2e-4));
    CHECK(r.omega == Approx(f[i++]).epsilon(1e-3));
    CHECK(r.alpha == Approx(f[i++]).epsilon(1e-3));
    CHECK(r.beta == Approx(f[i++]).epsilon(1e-4));
    if (c.options.distribution == garch_distribution::student_t) CHECK(r.nu == Approx(f[i++]).epsilon(2e-3));
    CHECK(i == f.size());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the analytic gradient equals central differences of an independent long-double likelihood",
          "[garch][gradient]") {
  const std::vector<double> y = simulate({.mu = 0.1, .omega = 0.2, .alpha = 0.1, .gamma = 0.1, .beta = 0.8}, 800, 11);
  for (const bool backcast : {true, false})
    for (const bool gjr : {false, true})
      for (const bool student : {false, true}) {
        const auto l = keel::detail::garch_layout::of(
            gjr ? garch_type::gjr : garch_type::garch, garch_mean::constant,
            student ? garch_distribution::student_t : garch_distribution::normal,
            backcast ? garch_initial_variance::backcast : garch_initial_variance::sample);
        keel::detail::garch_vector theta(l.k);
        params p{.mu = 0.05,
                 .omega = 0.15,
                 .alpha = 0.12,
                 .gamma = gjr ? 0.07 : 0.0,
                 .beta = 0.75,
                 .nu = student ? 7.5 : 0.0};
        theta[l.mu] = static_cast<double>(p.mu);
        theta[l.omega] = static_cast<double>(p.omega);
        theta[l.alpha] = static_cast<double>(p.alpha);
        if (gjr) theta[l.gamma] = static_cast<double>(p.gamma);
        theta[l.beta] = static_cast<double>(p.beta);
        if (student) theta[l.nu] = static_cast<double>(p.nu);
        keel::detail::garch_pass pass;
        REQUIRE(keel::detail::garch_evaluate(l, y.data(), static_cast<std::ptrdiff_t>(y.size()), theta, 2, pass));
        INFO("backcast " << backcast << " gjr " << gjr << " t " << student);
        CHECK(pass.llf == Approx(static_cast<double>(reference_llf(y, p, backcast))).epsilon(1e-13));
        long double params::*fields[] = {&params::mu,    &params::omega, &params::alpha,
                                         &params::gamma, &params::beta,  &params::nu};
        const int index[] = {l.mu, l.omega, l.alpha, l.gamma, l.beta, l.nu};
        for (int f = 0; f < 6; ++f) {
          if (index[f] < 0) continue;
          const long double step = 1e-6L;
          params up = p, down = p;
          up.*fields[f] += step;
          down.*fields[f] -= step;
          const long double fd = (reference_llf(y, up, backcast) - reference_llf(y, down, backcast)) / (2 * step);
          INFO("parameter " << f);
          CHECK(pass.gradient[index[f]] == Approx(static_cast<double>(fd)).epsilon(1e-7).margin(1e-6));
        }
        // The outer product of the scores is symmetric positive semi-definite with the
        // gradient's own squares summed on its diagonal: trace >= |g|^2 / n.
        CHECK(pass.opg.isApprox(pass.opg.transpose(), 0.0));
        CHECK(pass.opg.trace() >= pass.gradient.squaredNorm() / static_cast<double>(y.size()));
      }
}

TEST_CASE("simulated GARCH and GJR-t paths give back their parameters within a few standard errors",
          "[garch][recovery]") {
  struct cas {
    params truth;
    garch_options options;
  };
  const std::vector<cas> cases{
      {{.mu = 0.05, .omega = 0.1, .alpha = 0.1, .beta = 0.85}, {}},
      {{.mu = 0.0, .omega = 0.02, .alpha = 0.03, .gamma = 0.12, .beta = 0.88, .nu = 7},
       {.model = garch_type::gjr, .distribution = garch_distribution::student_t}},
      {{.mu = -0.02, .omega = 0.3, .alpha = 0.2, .beta = 0.5}, {.initial_variance = garch_initial_variance::sample}},
  };
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    const auto y = simulate(c.truth, 4000, seed++);
    const auto r = keel::garch_fit(y, c.options);
    REQUIRE(r.converged);
    REQUIRE(r.stderrs.size() == r.parameters.size());
    const std::map<std::string, long double> truth{{"mu", c.truth.mu},       {"omega", c.truth.omega},
                                                   {"alpha", c.truth.alpha}, {"gamma", c.truth.gamma},
                                                   {"beta", c.truth.beta},   {"nu", c.truth.nu}};
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      INFO(r.parameter_names[i] << " = " << r.parameters[i] << " +- " << r.stderrs[i]);
      CHECK(std::abs(r.parameters[i] - static_cast<double>(truth.at(r.parameter_names[i]))) <= 4 * r.stderrs[i]);
      CHECK(r.robust_stderrs[i] > 0);
    }
    // The conditional volatilities are the model's own recursion at the estimates.
    const params p = estimates(r);
    const bool backcast = c.options.initial_variance == garch_initial_variance::backcast;
    CHECK(r.log_likelihood == Approx(static_cast<double>(reference_llf(y, p, backcast))).epsilon(1e-12));
  }
}

TEST_CASE("the fit does not depend on the units of the returns", "[garch][invariance]") {
  const auto y = simulate({.mu = 0.04, .omega = 0.08, .alpha = 0.07, .gamma = 0.05, .beta = 0.88, .nu = 8}, 2500, 3);
  const garch_options o{.model = garch_type::gjr, .distribution = garch_distribution::student_t};
  const auto a = keel::garch_fit(y, o);
  for (const double c : {0.01, 1e3}) {
    std::vector<double> z(y);
    for (double& v : z) v *= c;
    const auto b = keel::garch_fit(z, o);
    INFO("scale " << c);
    CHECK(b.mu == Approx(a.mu * c).epsilon(1e-6));
    CHECK(b.omega == Approx(a.omega * c * c).epsilon(1e-6));
    CHECK(b.alpha == Approx(a.alpha).epsilon(1e-6));
    CHECK(b.gamma == Approx(a.gamma).epsilon(1e-6));
    CHECK(b.beta == Approx(a.beta).epsilon(1e-6));
    CHECK(b.nu == Approx(a.nu).epsilon(1e-6));
    CHECK(b.log_likelihood == Approx(a.log_likelihood - 2500 * std::log(c)).epsilon(1e-10));
    for (std::size_t i = 0; i < a.stderrs.size(); ++i) {
      const double unit = a.parameter_names[i] == "mu" ? c : a.parameter_names[i] == "omega" ? c * c : 1.0;
      CHECK(b.stderrs[i] == Approx(a.stderrs[i] * unit).epsilon(1e-4));
    }
  }
}

TEST_CASE("the estimate is a constrained maximum: no feasible nearby point is more likely", "[garch][optimality]") {
  const auto y = simulate({.mu = 0.0, .omega = 0.05, .alpha = 0.0, .gamma = 0.15, .beta = 0.9}, 3000, 21);
  const garch_options o{.model = garch_type::gjr};
  const auto r = keel::garch_fit(y, o);
  const params best = estimates(r);
  const long double top = reference_llf(y, best, true);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  int tried = 0;
  for (int k = 0; k < 200; ++k) {
    params p = best;
    p.mu += 1e-3L * u(rng);
    p.omega *= 1 + 1e-2L * u(rng);
    p.alpha += 1e-3L * u(rng);
    p.gamma += 1e-3L * u(rng);
    p.beta += 1e-3L * u(rng);
    if (p.alpha < 0 || p.alpha + p.gamma < 0 || p.beta < 0 || p.alpha + p.gamma / 2 + p.beta > 1 - 1e-6L) continue;
    ++tried;
    CHECK(reference_llf(y, p, true) <= top + 1e-9L);
  }
  CHECK(tried > 50);
  CHECK(r.alpha >= 0);
  CHECK(r.alpha + r.gamma >= 0);
  CHECK(r.persistence <= 1 - 1e-6 + 1e-15);
}

TEST_CASE("forecasts follow the variance recursion and revert to omega / (1 - persistence)", "[garch][forecast]") {
  const auto y = simulate({.mu = 0.02, .omega = 0.04, .alpha = 0.06, .gamma = 0.08, .beta = 0.87}, 2000, 9);
  const auto r = keel::garch_fit(y, {.model = garch_type::gjr});
  // h_{T+1} from the last residual and variance, written out here.
  const double e = y.back() - r.mu, h = r.conditional_volatilities.back() * r.conditional_volatilities.back();
  const double next = r.omega + (r.alpha + (e < 0 ? r.gamma : 0)) * e * e + r.beta * h;
  CHECK(r.next_variance == Approx(next).epsilon(1e-12));
  const auto f = r.forecast(400);
  REQUIRE(f.variances.size() == 400);
  CHECK(f.variances[0] == r.next_variance);
  const double p = r.alpha + r.gamma / 2 + r.beta, longrun = r.omega / (1 - p);
  double sum = 0;
  for (std::size_t k = 0; k < f.variances.size(); ++k) {
    // closed form: longrun + p^k (h_{T+1} - longrun)
    CHECK(f.variances[k] == Approx(longrun + std::pow(p, static_cast<double>(k)) * (next - longrun)).epsilon(1e-10));
    sum += f.variances[k];
  }
  CHECK(f.aggregate_volatility == Approx(std::sqrt(sum)).epsilon(1e-14));
  CHECK(r.forecast(1).aggregate_volatility == Approx(std::sqrt(r.next_variance)).epsilon(1e-15));
  CHECK_THROWS_AS(r.forecast(0), keel::invalid_input);
}

TEST_CASE("simulated paths follow the recursion, match the analytic forecast and depend only on seed and index",
          "[garch][forecast][simulate]") {
  keel::garch_result<double> m;  // a GJR model filled by hand
  m.mu = 2e-4;
  m.omega = 2e-6;
  m.alpha = 0.06;
  m.gamma = 0.08;
  m.beta = 0.88;
  m.persistence = m.alpha + m.gamma / 2 + m.beta;
  m.next_variance = 3e-4;
  const std::ptrdiff_t h = 10, paths = 200000;
  const auto sim = m.simulate(h, paths, 42);
  REQUIRE(sim.returns.rows() == paths);
  REQUIRE(sim.returns.cols() == h);
  // Every path's variances follow from its own returns by the recursion, written out here.
  for (Eigen::Index p : {Eigen::Index{0}, Eigen::Index{1234}, paths - 1}) {
    double v = m.next_variance;
    for (Eigen::Index k = 0; k < h; ++k) {
      CHECK(sim.variances(p, k) == Approx(v).epsilon(1e-14));
      const double e = sim.returns(p, k) - m.mu;
      v = m.omega + (m.alpha + (e < 0 ? m.gamma : 0.0)) * e * e + m.beta * v;
    }
  }
  // Monte Carlo means against the analytic term structure, within 5 standard errors.
  const auto f = m.forecast(h);
  for (Eigen::Index k = 0; k < h; ++k) {
    const Eigen::ArrayXd e2 = (sim.returns.col(k).array() - m.mu).square();
    const double se =
        std::sqrt((e2 - e2.mean()).square().sum() / static_cast<double>(paths - 1) / static_cast<double>(paths));
    CHECK(std::abs(e2.mean() - f.variances[static_cast<std::size_t>(k)]) < 5 * se);
    CHECK(std::abs(sim.variances.col(k).mean() - f.variances[static_cast<std::size_t>(k)]) < 5 * se + 1e-12);
  }
  const Eigen::ArrayXd sums = (sim.returns.rowwise().sum().array() - static_cast<double>(h) * m.mu);
  CHECK(std::sqrt(sums.square().mean()) == Approx(f.aggregate_volatility).epsilon(0.01));
  // A path is a function of (seed, index): fewer paths are a prefix; another seed differs.
  const auto few = m.simulate(h, 100, 42);
  CHECK(few.returns == sim.returns.topRows(100));
  CHECK(m.simulate(h, 100, 42).returns == few.returns);
  CHECK(m.simulate(h, 100, 43).returns != few.returns);
  // Student t innovations of unit variance: variance 1 and kurtosis 3 + 6 / (nu - 4).
  m.nu = 10;
  const auto st = m.simulate(1, paths, 7);
  const Eigen::ArrayXd z = (st.returns.col(0).array() - m.mu) / std::sqrt(m.next_variance);
  const double var = z.square().mean();
  CHECK(var == Approx(1).epsilon(0.015));
  CHECK(z.pow(4).mean() / (var * var) == Approx(4).epsilon(0.08));
  // Errors.
  CHECK_THROWS_AS(m.simulate(0, 10), keel::invalid_input);
  CHECK_THROWS_WITH(m.simulate(5, 0), Catch::Matchers::Contains("paths"));
  CHECK_THROWS_WITH(keel::garch_result<double>{}.simulate(5, 10), Catch::Matchers::Contains("no fitted model"));
}

TEST_CASE("the panel form fits each column as the series form does, identically on any number of threads",
          "[garch][panel]") {
  Eigen::MatrixXd panel(1500, 5);
  for (int j = 0; j < 5; ++j) {
    const auto y = simulate({.mu = 0.01 * j, .omega = 0.05 + 0.01 * j, .alpha = 0.05 + 0.02 * j, .beta = 0.85}, 1500,
                            static_cast<std::uint64_t>(40 + j));
    for (int t = 0; t < 1500; ++t) panel(t, j) = y[static_cast<std::size_t>(t)];
  }
  const auto one = keel::garch_fit(panel, {.threads = 1});
  const auto two = keel::garch_fit(panel, {.threads = 3});
  REQUIRE(one.size() == 5);
  for (int j = 0; j < 5; ++j) {
    const Eigen::VectorXd col = panel.col(j);
    const auto s = keel::garch_fit(col);
    CHECK(one[static_cast<std::size_t>(j)].parameters == s.parameters);
    CHECK(two[static_cast<std::size_t>(j)].parameters == s.parameters);
    CHECK(two[static_cast<std::size_t>(j)].conditional_volatilities == s.conditional_volatilities);
  }
  Eigen::MatrixXd bad = panel;
  bad.col(3).setConstant(0.01);
  CHECK_THROWS_WITH(keel::garch_fit(bad), Catch::Contains("returns column 3 is constant"));
}

TEST_CASE("float returns are fitted in double and rounded once", "[garch][types]") {
  const auto y = simulate({.mu = 0.02, .omega = 0.05, .alpha = 0.1, .beta = 0.85}, 1500, 77);
  std::vector<float> f(y.begin(), y.end());
  std::vector<double> back(f.begin(), f.end());
  const keel::garch_result<float> a = keel::garch_fit(f);
  const auto b = keel::garch_fit(back);
  CHECK(a.alpha == static_cast<float>(b.alpha));
  CHECK(a.log_likelihood == static_cast<float>(b.log_likelihood));
}

TEST_CASE("garch_fit's errors name what is wrong", "[garch][errors]") {
  const auto y = simulate({.mu = 0.0, .omega = 0.05, .alpha = 0.1, .beta = 0.85}, 600, 1);
  std::vector<double> nan = y;
  nan[17] = std::nan("");
  CHECK_THROWS_WITH(keel::garch_fit(nan), Catch::Contains("garch_fit: returns[17] is NaN"));
  const std::vector<double> few(y.begin(), y.begin() + 39);
  try {
    (void)keel::garch_fit(few);
    FAIL("no error for 39 observations");
  } catch (const keel::insufficient_data& e) {
    CHECK(e.required() == 40);
    CHECK(e.actual() == 39);
  }
  // Student t with a mean and GJR: six parameters need 60 observations.
  const std::vector<double> fifty(y.begin(), y.begin() + 50);
  CHECK_THROWS_AS(keel::garch_fit(fifty, {.model = garch_type::gjr, .distribution = garch_distribution::student_t}),
                  keel::insufficient_data);
  const std::vector<double> flat(100, 0.01);
  CHECK_THROWS_AS(keel::garch_fit(flat), keel::singular_problem);
  CHECK_THROWS_WITH(keel::garch_fit(flat), Catch::Contains("returns is constant"));
  CHECK_THROWS_WITH(keel::garch_fit(y, {.tolerance = 0}), Catch::Contains("tolerance = 0 must be positive"));
  CHECK_THROWS_AS(keel::garch_fit(y, {.max_iterations = 0}), keel::invalid_input);
  // An iteration limit too small: a typed error by default, a flag the caller asked for otherwise.
  CHECK_THROWS_AS(keel::garch_fit(y, {.max_iterations = 1}), keel::not_converged);
  CHECK_THROWS_WITH(keel::garch_fit(y, {.max_iterations = 1}), Catch::Contains("did not converge in 1 iterations"));
  const auto r = keel::garch_fit(y, {.max_iterations = 1, .require_convergence = false});
  CHECK_FALSE(r.converged);
  CHECK(r.iterations == 1);
}

namespace {

// A DCC(1,1) path: GARCH(1,1) margins (omega, alpha, beta per asset) and correlation dynamics
// Q_t = (1 - a - b) S + a z z' + b Q_{t-1} around the correlation matrix S.
Eigen::MatrixXd simulate_dcc(const Eigen::MatrixXd& s, double a, double b, Eigen::Index t_count, std::uint64_t seed) {
  const Eigen::Index n = s.rows();
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd q = s, out(t_count, n);
  Eigen::VectorXd z = Eigen::VectorXd::Zero(n), h = Eigen::VectorXd::Constant(n, 1.0), e = Eigen::VectorXd::Zero(n);
  for (Eigen::Index t = 0; t < t_count + 200; ++t) {
    if (t > 0) {
      q = (1 - a - b) * s + a * z * z.transpose() + b * q;
      for (Eigen::Index i = 0; i < n; ++i) h(i) = 0.05 + 0.08 * e(i) * e(i) + 0.87 * h(i);
    }
    const Eigen::VectorXd d = q.diagonal().cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd r = d.asDiagonal() * q * d.asDiagonal();
    Eigen::VectorXd eps(n);
    for (Eigen::Index i = 0; i < n; ++i) eps(i) = normal(rng);
    z = Eigen::LLT<Eigen::MatrixXd>(r).matrixL() * eps;
    e = h.cwiseSqrt().cwiseProduct(z);
    if (t >= 200) out.row(t - 200) = e.transpose();
  }
  return out;
}

Eigen::MatrixXd equicorrelation(Eigen::Index n, double rho) {
  Eigen::MatrixXd s = Eigen::MatrixXd::Constant(n, n, rho);
  s.diagonal().setOnes();
  return s;
}

// Engle's L_C written directly in long double: R_t formed, its determinant and inverse by a
// long-double LDLT.
long double reference_dcc_llf(const Eigen::MatrixXd& z, double a, double b) {
  using mat = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
  using vec = Eigen::Matrix<long double, Eigen::Dynamic, 1>;
  const mat zl = z.cast<long double>();
  const mat qbar = zl.transpose() * zl / static_cast<long double>(z.rows());
  mat q = qbar;
  long double sum = 0;
  for (Eigen::Index t = 0; t < z.rows(); ++t) {
    if (t > 0) {
      const vec zp = zl.row(t - 1).transpose();
      q = (1 - static_cast<long double>(a) - b) * qbar + static_cast<long double>(a) * zp * zp.transpose() +
          static_cast<long double>(b) * q;
    }
    const vec d = q.diagonal().cwiseSqrt().cwiseInverse();
    const mat r = d.asDiagonal() * q * d.asDiagonal();
    const Eigen::LDLT<mat> ldlt(r);
    const vec zt = zl.row(t).transpose();
    sum += -0.5L * (ldlt.vectorD().array().log().sum() + zt.dot(ldlt.solve(zt)) - zt.squaredNorm());
  }
  return sum;
}

Eigen::MatrixXd standardised(const Eigen::MatrixXd& returns, const keel::dcc_result<double>& r) {
  Eigen::MatrixXd z(returns.rows(), returns.cols());
  for (Eigen::Index j = 0; j < returns.cols(); ++j)
    for (Eigen::Index t = 0; t < returns.rows(); ++t)
      z(t, j) = (returns(t, j) - r.univariate[static_cast<std::size_t>(j)].mu) /
                r.univariate[static_cast<std::size_t>(j)].conditional_volatilities[static_cast<std::size_t>(t)];
  return z;
}

}  // namespace

TEST_CASE("DCC recovers a and b of a simulated path, by the full and the composite likelihood", "[garch][dcc]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(5, 0.4), 0.04, 0.93, 4000, 17);
  for (const auto method : {keel::dcc_method::full, keel::dcc_method::composite}) {
    const auto r = keel::dcc_fit(x, {.method = method});
    INFO("method " << static_cast<int>(method) << " a " << r.a << " b " << r.b);
    REQUIRE(r.converged);
    CHECK(std::abs(r.a - 0.04) < 0.015);
    CHECK(std::abs(r.b - 0.93) < 0.04);
    CHECK(r.univariate.size() == 5);
    // The reported L_C is Engle's, evaluated independently in long double.
    CHECK(r.correlation_log_likelihood ==
          Approx(static_cast<double>(reference_dcc_llf(standardised(x, r), r.a, r.b))).epsilon(1e-11));
    double univariate = 0;
    for (const auto& u : r.univariate) univariate += u.log_likelihood;
    CHECK(r.log_likelihood == Approx(univariate + r.correlation_log_likelihood).epsilon(1e-14));
  }
}

TEST_CASE("DCC's analytic gradients equal central differences of the long-double likelihood",
          "[garch][dcc][gradient]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(4, 0.3), 0.05, 0.9, 600, 5);
  const auto fit = keel::dcc_fit(x);
  const Eigen::MatrixXd z = standardised(x, fit);
  const Eigen::MatrixXd qbar = z.transpose() * z / static_cast<double>(z.rows());
  keel::detail::garch_pass pass;
  keel::detail::dcc_scratch ws;
  const double a = 0.06, b = 0.85, h = 1e-6;
  REQUIRE(keel::detail::dcc_evaluate_full(z, qbar, a, b, 2, pass, ws));
  CHECK(pass.llf == Approx(static_cast<double>(reference_dcc_llf(z, a, b))).epsilon(1e-12));
  const long double da = (reference_dcc_llf(z, a + h, b) - reference_dcc_llf(z, a - h, b)) / (2 * h);
  const long double db = (reference_dcc_llf(z, a, b + h) - reference_dcc_llf(z, a, b - h)) / (2 * h);
  CHECK(pass.gradient(0) == Approx(static_cast<double>(da)).epsilon(1e-6));
  CHECK(pass.gradient(1) == Approx(static_cast<double>(db)).epsilon(1e-6));
  // The composite likelihood is the sum of the bivariate L_C of contiguous pairs.
  REQUIRE(keel::detail::dcc_evaluate_pairs(z, qbar, a, b, 1, pass));
  long double pairs = 0, pa = 0, pb = 0;
  for (Eigen::Index i = 0; i + 1 < z.cols(); ++i) {
    const Eigen::MatrixXd zp = z.middleCols(i, 2);
    // the pair's Qbar block is the 2 x 2 block of the whole Qbar (the same divisor)
    pairs += reference_dcc_llf(zp, a, b);
    pa += (reference_dcc_llf(zp, a + h, b) - reference_dcc_llf(zp, a - h, b)) / (2 * h);
    pb += (reference_dcc_llf(zp, a, b + h) - reference_dcc_llf(zp, a, b - h)) / (2 * h);
  }
  CHECK(pass.llf == Approx(static_cast<double>(pairs)).epsilon(1e-12));
  CHECK(pass.gradient(0) == Approx(static_cast<double>(pa)).epsilon(1e-6));
  CHECK(pass.gradient(1) == Approx(static_cast<double>(pb)).epsilon(1e-6));
}

TEST_CASE("DCC on constant correlation: a goes to zero and every R_t is a valid correlation matrix", "[garch][dcc]") {
  const Eigen::MatrixXd s = equicorrelation(4, 0.5);
  const Eigen::MatrixXd x = simulate_dcc(s, 0.0, 0.0, 3000, 23);
  const auto r = keel::dcc_fit(x, {.keep_correlations = true});
  // chunks of 128 dates shared among threads: the same bits on 1 and 3 threads
  const auto r3 = keel::dcc_fit(x, {.keep_correlations = true, .threads = 3});
  CHECK(r3.a == r.a);
  CHECK(r3.b == r.b);
  CHECK(r3.correlation_log_likelihood == r.correlation_log_likelihood);
  CHECK(r3.correlations.back() == r.correlations.back());
  CHECK(r3.correlation == r.correlation);
  CHECK(r.a < 0.01);
  REQUIRE(r.correlations.size() == 3000);
  double worst = 0;
  for (const auto& rt : r.correlations) {
    CHECK((rt.diagonal().array() - 1).abs().maxCoeff() < 1e-14);
    CHECK(rt.isApprox(rt.transpose(), 1e-15));
    CHECK(Eigen::LLT<Eigen::MatrixXd>(rt).info() == Eigen::Success);
    worst = std::max(worst, (rt - r.unconditional_correlation).cwiseAbs().maxCoeff());
  }
  CHECK(worst < 0.1);  // nearly constant: a small a moves R_t little
  // and the constant correlation itself is recovered
  CHECK((r.unconditional_correlation - s).cwiseAbs().maxCoeff() < 0.05);
}

TEST_CASE("the DCC estimate is a constrained maximum of the full likelihood", "[garch][dcc][optimality]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(3, 0.2), 0.03, 0.95, 2500, 31);
  const auto r = keel::dcc_fit(x);
  const Eigen::MatrixXd z = standardised(x, r);
  const long double top = reference_dcc_llf(z, r.a, r.b);
  for (const double da : {-1e-3, 0.0, 1e-3})
    for (const double db : {-1e-3, 0.0, 1e-3}) {
      const double a = r.a + da, b = r.b + db;
      if (a < 0 || b < 0 || a + b > 1 - 1e-6) continue;
      CHECK(reference_dcc_llf(z, a, b) <= top + 1e-9L);
    }
}

TEST_CASE(
    "DCC forecasts: one step is the fitted R_{T+1}, long horizons revert to Rbar, the portfolio volatility "
    "is sqrt(w'Cw)",
    "[garch][dcc][forecast]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(3, 0.3), 0.05, 0.9, 2000, 41);
  const auto r = keel::dcc_fit(x);
  const auto f1 = r.forecast(1);
  CHECK(f1.correlation.isApprox(r.correlation, 1e-15));
  CHECK(f1.covariance.isApprox(r.covariance, 1e-14));
  // the covariance is D R D with D the univariate one-step volatilities
  for (Eigen::Index i = 0; i < 3; ++i)
    CHECK(r.covariance(i, i) == Approx(r.univariate[static_cast<std::size_t>(i)].next_variance).epsilon(1e-14));
  const auto far = r.forecast(2000);
  CHECK((far.correlation - r.unconditional_correlation).cwiseAbs().maxCoeff() < 1e-12);
  // h = 10 by hand: sum_k D_k R_k D_k with R_k = (1 - p^(k-1)) Rbar + p^(k-1) R_1
  const std::ptrdiff_t h = 10;
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(3, 3);
  for (std::ptrdiff_t k = 1; k <= h; ++k) {
    const double w = std::pow(r.a + r.b, static_cast<double>(k - 1));
    const Eigen::MatrixXd rk = (1 - w) * r.unconditional_correlation + w * r.correlation;
    Eigen::VectorXd d(3);
    for (Eigen::Index i = 0; i < 3; ++i)
      d(i) =
          std::sqrt(r.univariate[static_cast<std::size_t>(i)].forecast(h).variances[static_cast<std::size_t>(k - 1)]);
    sum += d.asDiagonal() * rk * d.asDiagonal();
  }
  CHECK(r.forecast(h).covariance.isApprox(sum, 1e-13));
  const std::vector<double> w{0.5, 0.3, 0.2};
  const Eigen::Vector3d wv(0.5, 0.3, 0.2);
  CHECK(r.portfolio_volatility(w, h) == Approx(std::sqrt(wv.dot(sum * wv))).epsilon(1e-13));
  CHECK_THROWS_AS(r.portfolio_volatility(std::vector<double>{0.5, 0.5}, h), keel::invalid_input);
  CHECK_THROWS_AS(r.forecast(0), keel::invalid_input);
}

TEST_CASE("dcc_fit's errors name what is wrong", "[garch][dcc][errors]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(3, 0.3), 0.05, 0.9, 500, 3);
  CHECK_THROWS_WITH(keel::dcc_fit(Eigen::MatrixXd(x.leftCols(1))), Catch::Contains("at least 2 assets"));
  Eigen::MatrixXd nan = x;
  nan(7, 2) = std::nan("");
  CHECK_THROWS_WITH(keel::dcc_fit(nan), Catch::Contains("returns(7, 2) is NaN"));
  Eigen::MatrixXd twin = x;
  twin.col(2) = twin.col(1);
  CHECK_THROWS_AS(keel::dcc_fit(twin), keel::singular_problem);
  CHECK_THROWS_AS(keel::dcc_fit(x, {.max_iterations = 0}), keel::invalid_input);
  const auto r = keel::dcc_fit(x, {.max_iterations = 1, .require_convergence = false});
  CHECK(r.iterations <= 2);
}

TEST_CASE("filtered historical simulation by GARCH volatilities: the VaR of the rescaled returns", "[garch][var]") {
  const auto y = simulate({.mu = 0.0, .omega = 0.02, .alpha = 0.08, .beta = 0.9, .nu = 6}, 1500, 61);
  const auto fit = keel::garch_fit(y, {.distribution = garch_distribution::student_t});
  const keel::volatility_filter filter{fit.conditional_volatilities, std::sqrt(fit.next_variance)};
  std::vector<double> scaled(y.size());
  for (std::size_t t = 0; t < y.size(); ++t)
    scaled[t] = y[t] * (filter.current / filter.volatilities[t]);  // written out: r_t sigma_now / sigma_t
  for (const double c : {0.95, 0.99}) {
    CHECK(keel::historical_var(y, {.confidence = c, .filter = filter}) ==
          keel::historical_var(scaled, {.confidence = c}));
    CHECK(keel::historical_cvar(y, {.confidence = c, .filter = filter}) ==
          keel::historical_cvar(scaled, {.confidence = c}));
  }
  const auto levels = keel::historical_risk(y, {.confidence = {0.95, 0.99}, .filter = filter});
  CHECK(levels.vars[1] == keel::historical_var(scaled, {.confidence = 0.99}));
  CHECK(levels.cvars[0] == keel::historical_cvar(scaled, {.confidence = 0.95}));
  // volatilities all equal to the current one: no filtering at all
  const keel::volatility_filter flat{std::vector<double>(y.size(), 0.7), 0.7};
  CHECK(keel::historical_var(y, {.filter = flat}) == keel::historical_var(y));
  // the panel forms and the Euler decomposition filter by the portfolio's volatilities
  Eigen::MatrixXd panel(static_cast<Eigen::Index>(y.size()), 2);
  for (std::size_t t = 0; t < y.size(); ++t) {
    panel(static_cast<Eigen::Index>(t), 0) = y[t];
    panel(static_cast<Eigen::Index>(t), 1) = 0.5 * y[t] + 0.001 * std::sin(static_cast<double>(t));
  }
  const std::vector<double> w{0.6, 0.4};
  const Eigen::VectorXd rp = panel * Eigen::Vector2d(0.6, 0.4);
  const auto pfit = keel::garch_fit(rp);
  const keel::historical_options po{
      .confidence = 0.99,
      .filter = keel::volatility_filter{pfit.conditional_volatilities, std::sqrt(pfit.next_variance)}};
  const auto d = keel::historical_component_var(w, panel, po);
  CHECK(d.var == Approx(keel::historical_var(w, panel, po)).epsilon(1e-14));
  CHECK(d.component_vars[0] + d.component_vars[1] == Approx(d.var).epsilon(1e-12));
  // errors: one filter at a time, one volatility per return, positive numbers
  CHECK_THROWS_WITH(keel::historical_var(y, {.ewma_lambda = 0.94, .filter = filter}),
                    Catch::Contains("both ewma_lambda and filter are set"));
  const keel::volatility_filter short_filter{std::vector<double>(10, 1.0), 1.0};
  CHECK_THROWS_WITH(keel::historical_var(y, {.filter = short_filter}),
                    Catch::Contains("filter.volatilities has 10 values but returns has 1500"));
  keel::volatility_filter bad = filter;
  bad.volatilities[3] = 0;
  CHECK_THROWS_WITH(keel::historical_var(y, {.filter = bad}), Catch::Contains("filter.volatilities[3] = 0"));
  bad = filter;
  bad.current = -1;
  CHECK_THROWS_AS(keel::historical_risk(y, {.filter = bad}), keel::invalid_input);
}

TEST_CASE("Monte Carlo VaR on DCC's next-period covariance agrees with the parametric VaR of it", "[garch][dcc][var]") {
  const Eigen::MatrixXd x = simulate_dcc(equicorrelation(3, 0.4), 0.05, 0.9, 1500, 77);
  const auto dcc = keel::dcc_fit(x);
  const std::vector<double> w{0.5, 0.3, 0.2};
  const Eigen::Vector3d wv(0.5, 0.3, 0.2), mu = Eigen::Vector3d::Zero();
  const auto mc = keel::monte_carlo_var(w, mu, dcc.covariance, {.paths = 200000, .seed = 3, .confidence = {0.99}});
  const double sigma = std::sqrt(wv.dot(dcc.covariance * wv));
  CHECK(sigma == Approx(dcc.portfolio_volatility(w, 1)).epsilon(1e-13));
  // the normal 99% VaR of N(0, sigma^2): 2.3263478740408408 sigma
  CHECK(std::abs(mc.vars[0] - 2.3263478740408408 * sigma) <= 4 * mc.var_stderrs[0]);
}

TEST_CASE("returns without ARCH effects: the fit converges and is at least as likely as constant variance",
          "[garch][optimality]") {
  // With alpha = 0 the likelihood depends on omega and beta almost only through omega / (1 - beta),
  // a ridge along which the step problem is nearly singular. beta = 0, omega = the variance is
  // the i.i.d. normal model, so the maximum can be no less likely than its closed form.
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0003, 0.01);
    std::vector<double> y(300);
    for (double& v : y) v = normal(rng);
    const auto r = keel::garch_fit(y);
    INFO("seed " << seed);
    REQUIRE(r.converged);
    double mean = 0, var = 0;
    for (const double v : y) mean += v;
    mean /= 300;
    for (const double v : y) var += (v - mean) * (v - mean);
    var /= 300;
    const double iid = -150 * (std::log(2 * 3.141592653589793 * var) + 1);
    CHECK(r.log_likelihood >= iid - 1e-9);
  }
}
