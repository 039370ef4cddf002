// SPDX-License-Identifier: MIT
// libFuzzer target for keel's numerical functions: simple_returns, log_returns and align
// (keel/series.hpp), market_beta, rolling_beta and portfolio_beta (keel/beta.hpp) and
// factor_regression (keel/factors.hpp).
//
// The first byte says how the rest become numbers: raw doubles (so NaN, infinities, subnormals
// and 1e308 reach every check), raw floats, or small integers scaled to the size of daily
// returns (so the fitting code itself runs on most inputs). The second byte picks the window,
// the number of factors and the intercept. Every call must either throw a keel::error or return
// a result that keeps its documented contract: no NaN anywhere, R^2 and p-values in [0, 1],
// standard errors >= 0, VIFs >= 1, finite estimates (a t statistic may be infinite: an exact
// fit); rolling_beta's and factor_regression's out forms, into a result and a workspace kept
// across inputs, throw exactly when the plain forms do and otherwise give their bits. Anything
// else traps, as does any other exception (libFuzzer reports it) or a sanitizer finding. Run it
// as csv_fuzz (see CMakeLists.txt), without a dictionary.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/beta.hpp>
#include <keel/factors.hpp>
#include <keel/series.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

bool in_unit(double v) { return v >= 0 && v <= 1; }

template <class Fit>
void check_beta(const Fit& f) {
  require(std::isfinite(f.beta) && std::isfinite(f.raw_beta) && std::isfinite(f.alpha));
  require(in_unit(f.r_squared) && in_unit(f.p_value));
  require(std::isfinite(f.beta_stderr) && f.beta_stderr >= 0);
  require(std::isfinite(f.alpha_stderr) && f.alpha_stderr >= 0);
  require(std::isfinite(f.residual_stddev) && f.residual_stddev >= 0);
  require(!std::isnan(f.t_stat));
  require(f.n >= 3);
}

template <class Real>
void fit_pair(const std::vector<Real>& y, const std::vector<Real>& x, std::ptrdiff_t window) {
  try {
    check_beta(keel::market_beta(y, x, {.min_observations = 3}));
  } catch (const keel::error&) {
  }
  try {
    check_beta(keel::market_beta(y, x, {.min_observations = 3, .cap = 2.0}));
  } catch (const keel::error&) {
  }
  try {
    const auto r = keel::rolling_beta(y, x, window);
    require(r.alphas.size() == r.betas.size() && r.r_squareds.size() == r.betas.size());
    for (std::size_t k = 0; k < r.betas.size(); ++k)
      require(std::isfinite(r.betas[k]) && std::isfinite(r.alphas[k]) && in_unit(r.r_squareds[k]));
    // The out form with one result and workspace reused across inputs: bit for bit the plain
    // form (stale scratch from an earlier input would show).
    static keel::rolling_beta_result<Real> out;
    static typename keel::rolling_beta_result<Real>::workspace ws;
    keel::rolling_beta(y, x, window, out, ws);
    require(out.betas == r.betas && out.alphas == r.alphas && out.r_squareds == r.r_squareds);
  } catch (const keel::error&) {
  }
  try {
    require(std::isfinite(keel::portfolio_beta(y, x)));
  } catch (const keel::error&) {
  }
}

void fit_panel(const std::vector<double>& y, const std::vector<double>& x, std::ptrdiff_t window) {
  const auto n = static_cast<Eigen::Index>(y.size());
  Eigen::MatrixXd panel(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) {
    panel(i, 0) = y[static_cast<std::size_t>(i)];
    panel(i, 1) = y[static_cast<std::size_t>(n - 1 - i)];
    panel(i, 2) = x[static_cast<std::size_t>(i)];  // the market itself: beta 1, R^2 1
  }
  try {
    const auto out = keel::rolling_beta(panel, x, window);
    require(!out.betas.hasNaN() && !out.alphas.hasNaN() && !out.r_squareds.hasNaN());
    require(out.betas.allFinite() && out.alphas.allFinite());
    require((out.r_squareds.array() >= 0).all() && (out.r_squareds.array() <= 1).all());
    static keel::rolling_beta_panel<double> reused;  // reused across inputs, as its workspace
    static keel::rolling_beta_panel<double>::workspace ws;
    keel::rolling_beta(panel, x, window, reused, ws);
    require(reused.betas == out.betas && reused.alphas == out.alphas && reused.r_squareds == out.r_squareds);
  } catch (const keel::error&) {
  }
}

void fit_factors(const std::vector<double>& y, const std::vector<double>& x, int k, bool intercept) {
  const auto n = static_cast<Eigen::Index>(y.size());
  Eigen::MatrixXd X(n, k);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto u = static_cast<std::size_t>(i);
    X(i, 0) = x[u];
    if (k > 1) X(i, 1) = y[static_cast<std::size_t>(n - 1 - i)];
    if (k > 2) X(i, 2) = i > 0 ? x[u - 1] : 0.0;
  }
  try {
    const auto f = keel::factor_regression(y, X, {.intercept = intercept});
    require(f.coefficients.allFinite() && f.std_errors.allFinite() && !f.t_stats.hasNaN());
    require((f.std_errors.array() >= 0).all());
    require((f.p_values.array() >= 0).all() && (f.p_values.array() <= 1).all());
    require(in_unit(f.r_squared) && !std::isnan(f.adj_r_squared) && f.adj_r_squared <= 1);
    require(std::isfinite(f.residual_stddev) && f.residual_stddev >= 0);
    require(f.vifs.size() == k && !f.vifs.hasNaN() && (f.vifs.array() >= 1).all());
    require(!std::isnan(f.condition_number) && f.condition_number >= 1);
  } catch (const keel::error&) {
  }
  // The out form into a fit and a workspace kept across inputs (other shapes, failed calls):
  // it throws exactly when the plain form does and otherwise gives its bits.
  static keel::factor_fit<double> out;
  static keel::factor_fit<double>::workspace ws;
  std::optional<keel::factor_fit<double>> expected;
  try {
    expected = keel::factor_regression(y, X, {.intercept = intercept});
  } catch (const keel::error&) {
  }
  bool threw = false;
  try {
    keel::factor_regression(y, X, out, ws, {.intercept = intercept});
  } catch (const keel::error&) {
    threw = true;
  }
  require(threw == !expected.has_value());
  if (expected) {
    const auto eq = [](const auto& u, const auto& v) { return u.size() == v.size() && u == v; };
    const auto& e = *expected;
    require(eq(out.coefficients, e.coefficients) && eq(out.std_errors, e.std_errors) && eq(out.t_stats, e.t_stats) &&
            eq(out.p_values, e.p_values) && out.r_squared == e.r_squared && out.adj_r_squared == e.adj_r_squared &&
            out.residual_stddev == e.residual_stddev && eq(out.vifs, e.vifs) &&
            out.condition_number == e.condition_number && out.n == e.n && out.intercept == e.intercept);
  }
}

void returns_and_align(const std::vector<double>& y, const std::vector<double>& x, const std::uint8_t* raw,
                       std::size_t size) {
  try {
    for (double r : keel::simple_returns(x)) require(std::isfinite(r));
  } catch (const keel::error&) {
  }
  try {
    for (double r : keel::log_returns(y)) require(std::isfinite(r));
  } catch (const keel::error&) {
  }
  // Keys from the bytes: usually increasing (a running sum of small steps), sometimes not.
  std::vector<int> ka(y.size()), kb(x.size());
  int a = 0, b = 0;
  for (std::size_t i = 0; i < ka.size(); ++i) ka[i] = a += raw[i % size] % 4;
  for (std::size_t i = 0; i < kb.size(); ++i) kb[i] = b += raw[(i + 7) % size] % 3;
  try {
    const auto prices = keel::dated_view(ka, y);
    const auto aligned = keel::align(prices, keel::dated_view(kb, x));
    require(aligned.keys.size() == aligned.first.size() && aligned.keys.size() == aligned.second.size());
    for (std::size_t i = 0; i < aligned.keys.size(); ++i) {
      require(i == 0 || aligned.keys[i - 1] < aligned.keys[i]);
      require(std::isfinite(aligned.first[i]) && std::isfinite(aligned.second[i]));
    }
    const auto returns = keel::simple_returns(prices);
    require(keel::values(returns).size() + 1 == y.size() || y.empty());
    check_beta(keel::market_beta(returns, keel::simple_returns(keel::dated_view(kb, x)), {.min_observations = 3}));
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const std::ptrdiff_t window = 3 + data[1] % 14;
  const int k = 1 + (data[1] >> 4) % 3;
  const bool intercept = (data[1] & 0x80) == 0;
  const std::uint8_t* body = data + 2;
  const std::size_t bytes = size - 2;

  std::vector<double> v;
  std::vector<float> vf;
  if (mode == 0) {
    for (std::size_t i = 0; i + sizeof(double) <= bytes; i += sizeof(double)) {
      double d;
      std::memcpy(&d, body + i, sizeof d);
      v.push_back(d);
    }
  } else if (mode == 1) {
    for (std::size_t i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) {
      float f;
      std::memcpy(&f, body + i, sizeof f);
      vf.push_back(f);
      v.push_back(static_cast<double>(f));
    }
  } else {
    for (std::size_t i = 0; i + 2 <= bytes; i += 2) {
      std::int16_t s;
      std::memcpy(&s, body + i, sizeof s);
      v.push_back(static_cast<double>(s) * 1e-4);
    }
  }
  const std::size_t half = v.size() / 2;
  const std::vector<double> y(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(half));
  const std::vector<double> x(v.begin() + static_cast<std::ptrdiff_t>(half),
                              v.begin() + static_cast<std::ptrdiff_t>(2 * half));

  fit_pair(y, x, window);
  fit_panel(y, x, window);
  fit_factors(y, x, k, intercept);
  if (mode == 1) {
    const std::size_t hf = vf.size() / 2;
    const std::vector<float> yf(vf.begin(), vf.begin() + static_cast<std::ptrdiff_t>(hf));
    const std::vector<float> xf(vf.begin() + static_cast<std::ptrdiff_t>(hf),
                                vf.begin() + static_cast<std::ptrdiff_t>(2 * hf));
    fit_pair(yf, xf, window);
  }
  // As prices: the scaled integers are shifted to be positive most of the time.
  std::vector<double> py(y), px(x);
  if (mode == 2) {
    for (double& p : py) p += 3.0;
    for (double& p : px) p += 3.0;
  }
  returns_and_align(py, px, data, size);
  return 0;
}
