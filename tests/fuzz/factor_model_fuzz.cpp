// SPDX-License-Identifier: MIT
// libFuzzer target for keel/factor_model.hpp: the three fitting functions (plain and out forms,
// one model and workspace kept across inputs), model_covariance, factor_risk_decomposition and a
// model filled by hand from the bytes.
//
// The first byte picks N (1..8), T (1..24) and K (1..4); the second how the rest become
// numbers: raw doubles (NaN, infinities, subnormals and 1e308 reach every check) or small
// integers scaled to daily returns (so the fits themselves run on most inputs, with ties,
// constant and collinear columns); the third the options (covariance method, half-lives, PCA
// matrix, weights, benchmark, confidence); the low bit of the three bytes' xor a cross-sectional
// constraint (Barra's: 0 for the first factor). Every call must throw a keel::error or return a
// finite model with D >= 0 whose model_covariance is B F B' + D (to 1e-12 of its scale), and a
// decomposition whose factor contributions plus specific variance give the total (to 1e-10 of
// its scale); the out forms give the plain forms' bits. risk_model_backtest (every model, the
// window, horizon and step from the bytes, x as returns, [w, wb] as portfolios, f as factor
// returns) must throw a keel::error or give positive forecasts, correlations in [-1, 1], bias
// statistics >= 0 and Q-statistics >= 1 (z^2 - ln z^2 >= 1). Anything else traps. Run it as
// numeric_fuzz (see CMakeLists.txt), without a dictionary.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/factor_model.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

struct reader {
  const std::uint8_t* data;
  std::size_t size, at = 0;
  bool raw = false;
  double next() {
    if (raw) {
      double v = 0;
      if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
      at += sizeof v;
      return v;
    }
    const int b = at < size ? static_cast<int>(data[at]) : 7;
    ++at;
    return (b - 128) / 2560.0;
  }
};

void check_model(const keel::factor_model<double>& m, Eigen::Index n) {
  require(m.exposures.rows() == n && m.specific_variances.size() == n);
  require(m.factor_covariance.rows() == m.exposures.cols() && m.factor_covariance.cols() == m.exposures.cols());
  require(m.exposures.allFinite() && m.factor_covariance.allFinite() && m.specific_variances.allFinite());
  require((m.specific_variances.array() >= 0).all());
  require(m.explained_variance >= 0 && m.explained_variance <= 1);
  const Eigen::MatrixXd s = keel::model_covariance(m);
  const Eigen::MatrixXd f =
      m.factor_covariance / 2 + m.factor_covariance.transpose() / 2;  // a hand F: symmetric to 1e-10
  Eigen::MatrixXd direct = m.exposures * f * m.exposures.transpose();
  direct.diagonal() += m.specific_variances;
  const double scale =
      std::max({1e-300, s.cwiseAbs().maxCoeff(),
                (m.exposures.cwiseAbs() * f.cwiseAbs() * m.exposures.cwiseAbs().transpose()).maxCoeff()});
  if (s.allFinite() && direct.allFinite()) require((s - direct).cwiseAbs().maxCoeff() <= 1e-12 * scale);
}

void check_risk(const keel::factor_risk<double>& r) {
  require(std::isfinite(r.total_variance) && r.total_variance >= 0);
  require(std::isfinite(r.volatility) && std::isfinite(r.value_at_risk));
  require(r.contributions.allFinite() && r.asset_contributions.allFinite());
  require((r.specific_contributions.array() >= 0).all());
  const double scale = std::max(
      {1e-300, r.exposures.cwiseAbs().dot(r.marginal_contributions.cwiseAbs()), std::fabs(r.specific_variance)});
  require(std::fabs(r.contributions.sum() + r.specific_variance - r.total_variance) <= 1e-10 * scale ||
          r.total_variance == 0);
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

template <class Plain, class Out>
void same_as_plain(Plain plain_call, Out out_call) {
  static keel::factor_model<double> out;
  static keel::factor_model<double>::workspace ws;
  std::optional<keel::factor_model<double>> plain;
  try {
    plain = plain_call();
  } catch (const keel::error&) {
  }
  bool threw = false;
  try {
    out_call(out, ws);
  } catch (const keel::error&) {
    threw = true;
  }
  require(threw == !plain.has_value());
  if (plain)
    require(out.exposures == plain->exposures && out.factor_covariance == plain->factor_covariance &&
            out.specific_variances == plain->specific_variances && out.factor_returns == plain->factor_returns);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const Eigen::Index n = 1 + data[0] % 8, t = 1 + data[0] / 8 % 24, k = 1 + data[1] / 4 % 4;
  const int mode = data[2];
  reader in{data + 3, size - 3, 0, data[1] % 4 == 0};
  Eigen::MatrixXd x(t, n), f(t, k), b(n, k);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) x(i, j) = in.next();
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < k; ++j) f(i, j) = in.next();
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < k; ++j) b(i, j) = in.raw ? in.next() : std::round(in.next() * 10);
  const keel::factor_covariance_method methods[3] = {keel::factor_covariance_method::sample,
                                                     keel::factor_covariance_method::ewma,
                                                     keel::factor_covariance_method::ledoit_wolf};
  const auto method = methods[mode % 3];
  const double half_life = (mode / 3 % 4) * 7.5;  // 0 is invalid for ewma
  const keel::time_series_factor_options ts_options{.factor_covariance = method, .half_life = half_life};
  keel::cross_sectional_factor_options cs_options{
      .factor_covariance = method, .half_life = half_life, .specific_half_life = (mode / 12 % 2) * 5.0};
  if ((data[0] ^ data[1] ^ data[2]) & 1) {  // 0 for the first factor, the bytes' weights after
    cs_options.constraint = Eigen::MatrixXd::Zero(1, k);
    for (Eigen::Index j = 1; j < k; ++j) cs_options.constraint(0, j) = in.raw ? in.next() : std::fabs(in.next());
  }
  if (mode & 32) {
    cs_options.weights = Eigen::MatrixXd(1, n);
    for (Eigen::Index j = 0; j < n; ++j) cs_options.weights(0, j) = in.raw ? in.next() : 1 + std::fabs(in.next());
  }
  const keel::statistical_factor_options st_options{.matrix = (mode & 64) ? keel::pca_matrix::correlation
                                                                          : keel::pca_matrix::covariance};
  const std::ptrdiff_t factors = static_cast<std::ptrdiff_t>(data[1] / 16 % 10);  // 0 .. 9: out of range too
  Eigen::VectorXd w(n), wb(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    w(j) = in.next();
    wb(j) = in.next();
  }
  keel::factor_risk_options risk_options{.confidence = (mode & 128) ? 0.99 : 0.95};
  if (mode & 16) risk_options.benchmark_weights = wb;

  auto use = [&](const keel::factor_model<double>& m) {
    check_model(m, n);
    guarded([&] { check_risk(keel::factor_risk_decomposition(m, w, risk_options)); });
  };
  guarded([&] { use(keel::time_series_factor_model(x, f, ts_options)); });
  same_as_plain([&] { return keel::time_series_factor_model(x, f, ts_options); },
                [&](auto& out, auto& ws) { keel::time_series_factor_model(x, f, out, ws, ts_options); });
  guarded([&] { use(keel::cross_sectional_factor_model(x, b, cs_options)); });
  same_as_plain([&] { return keel::cross_sectional_factor_model(x, b, cs_options); },
                [&](auto& out, auto& ws) { keel::cross_sectional_factor_model(x, b, out, ws, cs_options); });
  {
    std::vector<Eigen::MatrixXd> per_date(static_cast<std::size_t>(t), b);
    if (t > 1) per_date[1] = b.reverse();
    guarded([&] { use(keel::cross_sectional_factor_model(x, per_date, cs_options)); });
  }
  guarded([&] { use(keel::statistical_factor_model(x, factors, st_options)); });
  same_as_plain([&] { return keel::statistical_factor_model(x, factors, st_options); },
                [&](auto& out, auto& ws) { keel::statistical_factor_model(x, factors, out, ws, st_options); });
  // A model filled by hand: B from the bytes, F = f'f / T (PSD when finite, or raw), D from w.
  keel::factor_model<double> hand;
  hand.exposures = b;
  hand.factor_covariance = in.raw ? Eigen::MatrixXd(f.topRows(std::min(t, k)).leftCols(std::min(t, k)))
                                  : Eigen::MatrixXd(f.transpose() * f / static_cast<double>(t));
  hand.specific_variances = in.raw ? w : Eigen::VectorXd(w.cwiseAbs());
  guarded([&] {
    (void)keel::model_covariance(hand);  // a malformed model throws here, naming its field
    use(hand);
  });
  // The rolling backtest of each model on x, with the two weight vectors as portfolios.
  {
    Eigen::MatrixXd portfolios(n, 2);
    portfolios << w, wb;
    const auto model = static_cast<keel::risk_model>(data[1] % 8);  // 7 is not a model
    keel::risk_model_backtest_options o{.window = 2 + mode % 12,
                                        .horizon = 1 + mode / 12 % 4,
                                        .step = 1 + mode / 48 % 3,
                                        .factors = factors,
                                        .factor_returns = f};
    o.garch.max_iterations = 20;
    o.dcc.max_iterations = 20;
    o.dcc.univariate.max_iterations = 20;
    guarded([&] {
      const auto r = keel::risk_model_backtest(x, portfolios, model, o);
      const auto count = static_cast<Eigen::Index>(r.origins.size());
      require(count >= 2 && r.predicted_volatilities.rows() == count && r.predicted_volatilities.cols() == 2);
      require((r.predicted_volatilities.array() > 0).all() && r.predicted_volatilities.allFinite());
      require(r.realised_returns.allFinite() && (r.realised_variances.array() >= 0).all());
      require((r.bias_statistics.array() >= 0).all() && r.bias_statistics.allFinite());
      require((r.q_statistics.array() >= 1 - 1e-12).all() && r.q_statistics.allFinite());
      require((r.variance_correlations.array().abs() <= 1).all());
      require(std::fabs(r.pooled_variance_correlation) <= 1);
      require(r.share_in_band >= 0 && r.share_in_band <= 1 && r.bias_band_lower < 1 && r.bias_band_upper > 1);
    });
  }
  return 0;
}
