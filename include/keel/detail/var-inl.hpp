// SPDX-License-Identifier: MIT
// keel/detail/var-inl.hpp: the definitions of keel/var.hpp's non-template functions (the
// parametric factors, the covariance factor, the Monte Carlo engine and its threads, the
// Kupiec test and the Basel traffic light). Included by <keel/var.hpp> in header-only mode and
// by src/var.cpp in the compiled library.
// IWYU pragma: private, include <keel/var.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/parallel.hpp>
#include <keel/detail/quantile.hpp>
#include <keel/detail/random.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/var.hpp>

namespace keel {

namespace detail {

KEEL_DEF sigma_factors distribution_factors(std::string_view fn, double confidence, const return_distribution& dist) {
  const double p = 1 - confidence;
  if (const auto* t = std::get_if<student_t>(&dist)) {
    const double nu = t->dof;
    if (!(nu > 2 && std::isfinite(nu))) throw_bad_option(fn, "student_t::dof", nu, "finite and above 2");
    const double q = students_t_quantile(confidence, nu);
    const double unit = std::sqrt((nu - 2) / nu);
    return {unit * q, unit * students_t_pdf(q, nu) / p * (nu + q * q) / (nu - 1)};
  }
  const double z = normal_quantile(confidence);
  return {z, normal_pdf(z) / p};
}

KEEL_DEF portfolio_sigma sigma_of(std::string_view fn, const mean_cov& in) {
  portfolio_sigma out;
  out.cov_w = in.cov * in.w;
  const double variance = in.w.dot(out.cov_w);
  const double scale = (in.w.cwiseAbs().transpose() * in.cov.cwiseAbs() * in.w.cwiseAbs()).value();
  if (!std::isfinite(variance) || !std::isfinite(scale)) throw_overflow(fn, "w' cov w");
  if (variance < -1e-12 * scale) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(in.cov, Eigen::EigenvaluesOnly);
    throw_not_positive_semidefinite(fn, "cov", es.eigenvalues()(0));
  }
  out.sigma = std::sqrt(std::max(variance, 0.0));
  return out;
}

KEEL_DEF Eigen::MatrixXd covariance_factor(std::string_view fn, const Eigen::MatrixXd& cov) {
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() == Eigen::Success) {
    Eigen::MatrixXd l = llt.matrixL();
    if (l.allFinite()) return l;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(cov);
  if (es.info() != Eigen::Success)
    throw singular_problem(message(fn, "the eigen decomposition of cov did not converge"));
  const Eigen::VectorXd& lambda = es.eigenvalues();
  const double top = std::max(std::fabs(lambda(lambda.size() - 1)), std::fabs(lambda(0)));
  const double tolerance = 64 * static_cast<double>(lambda.size()) * std::numeric_limits<double>::epsilon() * top;
  if (lambda(0) < -tolerance) throw_not_positive_semidefinite(fn, "cov", lambda(0));
  return es.eigenvectors() * lambda.cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

KEEL_DEF void check_mc_options(std::string_view fn, const mc_options& o) {
  if (o.paths < 100) throw_bad_option(fn, "paths", static_cast<double>(o.paths), "at least 100");
  require_positive_option(fn, "horizon", o.horizon);
  check_levels(fn, o.confidence);
  if (o.threads < 0) throw_bad_option(fn, "threads", o.threads, "0 (all cores) or positive");
  if (const auto* t = std::get_if<student_t>(&o.distribution))
    if (!(t->dof > 2 && std::isfinite(t->dof))) throw_bad_option(fn, "student_t::dof", t->dof, "finite and above 2");
}

KEEL_DEF mc_plan plan_of(std::string_view fn, const mean_cov& in, const mc_options& o) {
  mc_plan plan;
  if (const auto* t = std::get_if<student_t>(&o.distribution)) plan.dof = t->dof;
  plan.factor = covariance_factor(fn, in.cov);
  plan.b = plan.factor.transpose() * in.w;
  plan.w = in.w;
  plan.mu = in.mu;
  plan.mean = in.w.dot(in.mu) * o.horizon;
  plan.horizon = o.horizon;
  plan.root_h = std::sqrt(o.horizon);
  plan.paths = o.paths;
  plan.seed = o.seed;
  plan.threads = resolve_threads(o.threads, (o.paths + mc_block_paths - 1) / mc_block_paths);
  return plan;
}

/// The draws of one chunk of paths of a block's stream: z (paths x N, row-major) and, for t,
/// the per-path scale sqrt((nu - 2) / X), X ~ chi-squared(nu) (else 1).
KEEL_DECL void draw_chunk(const mc_plan& plan, philox_stream& stream, std::ptrdiff_t count, double* z, double* s) {
  const std::ptrdiff_t n = plan.b.size();
  stream.normals(z, count * n);
  for (std::ptrdiff_t q = 0; q < count; ++q)
    s[q] = plan.dof > 0 ? std::sqrt((plan.dof - 2) / stream.chi_squared(plan.dof)) : 1.0;
}

/// Path returns w' mu h + sqrt(h) s (b . z) of block `block` into out[0, count).
KEEL_DECL void simulate_block(const mc_plan& plan, std::ptrdiff_t block, double* out, std::vector<double>& z) {
  const std::ptrdiff_t n = plan.b.size();
  const std::ptrdiff_t first = block * mc_block_paths;
  const std::ptrdiff_t count = std::min(mc_block_paths, plan.paths - first);
  philox_stream stream(plan.seed, static_cast<std::uint64_t>(block));
  z.resize(uz(mc_chunk_paths * n));
  double s[mc_chunk_paths];
  const double* b = plan.b.data();
  for (std::ptrdiff_t c0 = 0; c0 < count; c0 += mc_chunk_paths) {
    const std::ptrdiff_t m = std::min(mc_chunk_paths, count - c0);
    draw_chunk(plan, stream, m, z.data(), s);
    for (std::ptrdiff_t q = 0; q < m; ++q) {
      const double* zq = z.data() + q * n;
      double a0 = 0, a1 = 0;
      std::ptrdiff_t j = 0;
      for (; j + 2 <= n; j += 2) {
        a0 += b[j] * zq[j];
        a1 += b[j + 1] * zq[j + 1];
      }
      if (j < n) a0 += b[j] * zq[j];
      out[c0 + q] = plan.mean + plan.root_h * s[q] * (a0 + a1);
    }
  }
}

/// Runs body(block, scratch) for every block on plan.threads threads, blocks handed out in
/// order from an atomic counter; each block's numbers depend only on its index. If a thread
/// cannot be started, the calling thread does the remaining work.
template <class Body>
void for_each_block(const mc_plan& plan, Body&& body) {
  const std::ptrdiff_t blocks = (plan.paths + mc_block_paths - 1) / mc_block_paths;
  parallel_for<std::vector<double>>(blocks, plan.threads, body);
}

/// One binomial standard deviation of the rank of the p-quantile among n paths, rounded, >= 1:
/// the number of paths below the true quantile is Binomial(n, p), sd sqrt(n p (1 - p)).
KEEL_DECL [[nodiscard]] std::ptrdiff_t rank_spread(std::ptrdiff_t n, double p) {
  return std::max<std::ptrdiff_t>(1, std::llround(std::sqrt(static_cast<double>(n) * p * (1 - p))));
}

KEEL_DEF mc_result summarize_paths(std::string_view fn, std::vector<double>& r, const std::vector<double>& levels) {
  mc_result out;
  const std::ptrdiff_t n = ssize(r);
  out.paths = n;
  for (const double c : levels) {
    const double p = 1 - c;
    const tail_summary<double> t = summarize_tail(r.data(), n, p);
    // Ranks +-d around the quantile bracket one standard error of the empirical quantile.
    const double sd_rank = std::sqrt(static_cast<double>(n) * p * (1 - p));
    const std::ptrdiff_t d = rank_spread(n, p);
    const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, t.position.lo - d);
    const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(n - 1, t.position.lo + d);
    const double x_lo = lo < t.tail ? r[uz(lo)] : order_statistic(r.data(), n, lo);  // r[0, tail) is sorted
    const double x_hi = order_statistic(r.data(), n, hi);
    const double var = -t.quantile, cvar = -t.tail_mean;
    const double np = static_cast<double>(n) * p;
    const double var_se = (x_hi / 2 - x_lo / 2) / static_cast<double>(hi - lo) * 2 * sd_rank;
    const double cvar_se = std::hypot(t.tail_stddev / std::sqrt(np), std::sqrt(c / np) * (cvar - var));
    if (!(std::isfinite(var) && std::isfinite(cvar) && std::isfinite(var_se) && std::isfinite(cvar_se)))
      throw_overflow(fn, "the simulated portfolio returns (mean, covariance and horizon)");
    out.confidences.push_back(c);
    out.vars.push_back(var);
    out.cvars.push_back(cvar);
    out.var_stderrs.push_back(var_se);
    out.cvar_stderrs.push_back(cvar_se);
  }
  return out;
}

KEEL_DEF std::vector<double> simulate_paths(const mc_plan& plan) {
  std::vector<double> r(uz(plan.paths));
  for_each_block(plan, [&](std::ptrdiff_t b, std::vector<double>& z) {
    simulate_block(plan, b, r.data() + b * mc_block_paths, z);
  });
  return r;
}

/// Which paths each level's components average, by rank in the order (return, path index):
/// the tail (ranks < tails[l]) and the VaR band (ranks band_lo[l]..band_hi[l], one binomial
/// standard deviation of the VaR rank either side); rank[path] or -1 beyond every level.
struct mc_ranks {
  std::vector<std::ptrdiff_t> tails, band_lo, band_hi;
  std::vector<std::int32_t> rank;
};

KEEL_DECL [[nodiscard]] mc_ranks rank_paths(const std::vector<double>& r, const std::vector<double>& levels) {
  const std::ptrdiff_t n = ssize(r);
  if (n > std::numeric_limits<std::int32_t>::max())
    throw_bad_option("monte_carlo_component_var", "paths", static_cast<double>(n), "at most 2^31 - 1");
  mc_ranks out;
  std::ptrdiff_t deepest = 1;
  for (const double c : levels) {
    const quantile_position q = type7_position(n, 1 - c);
    const std::ptrdiff_t d = rank_spread(n, 1 - c);
    out.tails.push_back(q.lo + 1);
    out.band_lo.push_back(std::max<std::ptrdiff_t>(0, q.lo - d));
    out.band_hi.push_back(std::min<std::ptrdiff_t>(n - 1, q.lo + d));
    deepest = std::max({deepest, out.tails.back(), out.band_hi.back() + 1});
  }
  // The tails of every level are prefixes of one order: rank up to the deepest rank needed.
  std::vector<std::ptrdiff_t> idx;
  order_tail_indices(r.data(), n, deepest, idx);
  out.rank.assign(uz(n), -1);
  for (std::ptrdiff_t j = 0; j < deepest; ++j) out.rank[uz(idx[uz(j)])] = static_cast<std::int32_t>(j);
  return out;
}

/// Per block, level and asset ([block][level][asset]): sums of s z over the tail paths and
/// over the band paths, the draws regenerated from the blocks' streams (the same draws as
/// simulate_block). Kept per block so that the total does not depend on the thread count.
struct mc_component_sums {
  std::vector<double> tail, band;
};

KEEL_DECL [[nodiscard]] mc_component_sums sum_tail_draws(const mc_plan& plan, const mc_ranks& ranks) {
  const std::ptrdiff_t n = plan.paths, assets = plan.b.size(), nl = ssize(ranks.tails);
  const std::ptrdiff_t blocks = (n + mc_block_paths - 1) / mc_block_paths;
  mc_component_sums sums;
  sums.tail.assign(uz(blocks * nl * assets), 0.0);
  sums.band.assign(uz(blocks * nl * assets), 0.0);
  for_each_block(plan, [&](std::ptrdiff_t block, std::vector<double>& z) {
    philox_stream stream(plan.seed, static_cast<std::uint64_t>(block));
    const std::ptrdiff_t first = block * mc_block_paths, count = std::min(mc_block_paths, n - first);
    z.resize(uz(mc_chunk_paths * assets));
    double s[mc_chunk_paths];
    for (std::ptrdiff_t c0 = 0; c0 < count; c0 += mc_chunk_paths) {
      const std::ptrdiff_t m = std::min(mc_chunk_paths, count - c0);
      draw_chunk(plan, stream, m, z.data(), s);
      for (std::ptrdiff_t q = 0; q < m; ++q) {
        const std::int32_t k = ranks.rank[uz(first + c0 + q)];
        if (k < 0) continue;
        for (std::ptrdiff_t l = 0; l < nl; ++l) {
          const auto u = uz(l);
          const bool in_tail = k < ranks.tails[u], in_band = k >= ranks.band_lo[u] && k <= ranks.band_hi[u];
          const auto at = uz((block * nl + l) * assets);
          for (std::ptrdiff_t j = 0; j < assets; ++j) {
            const double v = s[q] * z[uz(q * assets + j)];
            if (in_tail) sums.tail[at + uz(j)] += v;
            if (in_band) sums.band[at + uz(j)] += v;
          }
        }
      }
    }
  });
  return sums;
}

KEEL_DEF mc_decomposition decompose_paths(const mc_plan& plan, const std::vector<double>& r,
                                          const std::vector<double>& levels) {
  constexpr std::string_view fn = "monte_carlo_component_var";
  const std::ptrdiff_t assets = plan.b.size(), nl = ssize(levels);
  const std::ptrdiff_t blocks = (plan.paths + mc_block_paths - 1) / mc_block_paths;
  mc_decomposition out;
  std::vector<double> work(r);
  out.totals = summarize_paths(fn, work, levels);
  const mc_ranks ranks = rank_paths(r, levels);
  const mc_component_sums sums = sum_tail_draws(plan, ranks);
  out.component_vars.resize(nl, assets);
  out.component_cvars.resize(nl, assets);
  for (std::ptrdiff_t l = 0; l < nl; ++l) {
    const auto u = uz(l);
    Eigen::VectorXd tail = Eigen::VectorXd::Zero(assets), band = Eigen::VectorXd::Zero(assets);
    for (std::ptrdiff_t b = 0; b < blocks; ++b)  // in block order: independent of the threads
      for (std::ptrdiff_t j = 0; j < assets; ++j) {
        tail(j) += sums.tail[uz((b * nl + l) * assets + j)];
        band(j) += sums.band[uz((b * nl + l) * assets + j)];
      }
    // E[-r_i | paths] = -(mu_i h + sqrt(h) (F E[s z | paths])_i).
    const auto loss = [&](const Eigen::VectorXd& sum, std::ptrdiff_t count) -> Eigen::VectorXd {
      return -(plan.mu * plan.horizon + plan.root_h * plan.factor * (sum / static_cast<double>(count)));
    };
    out.component_cvars.row(l) = plan.w.cwiseProduct(loss(tail, ranks.tails[u])).transpose();
    Eigen::VectorXd cv = plan.w.cwiseProduct(loss(band, ranks.band_hi[u] - ranks.band_lo[u] + 1));
    // Rescaled to sum to the VaR, as PerformanceAnalytics' kernel contributions are: the band
    // mean of the loss differs from the quantile by O(spacing).
    const double band_total = cv.sum();
    if (band_total != 0) cv *= out.totals.vars[u] / band_total;
    out.component_vars.row(l) = cv.transpose();
  }
  if (!out.component_vars.allFinite() || !out.component_cvars.allFinite()) throw_overflow(fn, "the risk decomposition");
  return out;
}

}  // namespace detail

KEEL_DEF kupiec_result kupiec_test(std::ptrdiff_t breaches, std::ptrdiff_t observations, var_backtest_options options) {
  constexpr std::string_view fn = "kupiec_test";
  const double confidence = options.confidence;
  detail::check_counts(fn, breaches, observations);
  detail::require_probability(fn, "confidence", confidence);
  detail::require_probability(fn, "significance", options.significance);
  kupiec_result out;
  out.lr_statistic =
      detail::kupiec_lr(static_cast<double>(breaches), static_cast<double>(observations), 1 - confidence);
  out.p_value = detail::chi_squared_upper(out.lr_statistic, 1);
  out.reject = out.p_value < options.significance;
  return out;
}

KEEL_DEF traffic_light_result traffic_light(std::ptrdiff_t breaches, std::ptrdiff_t observations,
                                            traffic_light_options options) {
  constexpr std::string_view fn = "traffic_light";
  const double confidence = options.confidence;
  detail::check_counts(fn, breaches, observations);
  detail::require_probability(fn, "confidence", confidence);
  const auto cumulative = [](double x, double t, double p) { return detail::binomial_cdf(x, t, p); };
  traffic_light_result out;
  out.cumulative_probability =
      cumulative(static_cast<double>(breaches), static_cast<double>(observations), 1 - confidence);
  static constexpr double yellow_factors[] = {0.40, 0.50, 0.65, 0.75, 0.85};
  if (out.cumulative_probability < 0.95) {
    out.zone = basel_zone::green;
  } else if (out.cumulative_probability < 0.9999) {
    out.zone = basel_zone::yellow;
    out.plus_factor = yellow_factors[0];
    for (int k = 6; k <= 9; ++k)
      // (relative slack: 1 - 0.99 is not 0.01 in double, and row k must match itself)
      if (cumulative(k, 250, 0.01) <= out.cumulative_probability * (1 + 1e-12)) out.plus_factor = yellow_factors[k - 5];
  } else {
    out.zone = basel_zone::red;
    out.plus_factor = 1.0;
  }
  out.multiplier = 3 + out.plus_factor;
  return out;
}

}  // namespace keel
