// SPDX-License-Identifier: MIT
// keel/var.hpp: Value at Risk and expected shortfall (CVaR) three ways, their Euler
// decomposition by position, and the standard VaR backtests.
//
// Synopsis
//   parametric_risk(returns, parametric_risk_options{})                     -> var_result: VaR and CVaR at each level
//   parametric_risk(mean, stddev | weights, returns_panel | weights, mean, cov, opts)
//   historical_risk(returns | weights, returns_panel, historical_risk_options{}) -> var_result
//   cornish_fisher_risk(returns | moments | weights, returns_panel, opts)     -> cornish_fisher_risk_result
//   parametric_var / parametric_cvar(returns, parametric_options{})           one number (the same forms)
//   cornish_fisher_var(returns, cornish_fisher_options{})                     -> cornish_fisher_result
//   historical_var / historical_cvar(returns, historical_options{})           empirical (empyrical's rules)
//   (every function of a return series also takes a DatedSeries)
//   parametric_component_var(weights, mean, cov, parametric_options{})        -> var_decomposition
//   historical_component_var(weights, returns_panel, historical_options{})    -> var_decomposition
//   monte_carlo_var(weights, mean, cov, mc_options{})                         -> mc_result
//   monte_carlo_component_var(weights, mean, cov, mc_options{})               -> mc_decomposition
//   kupiec_test(breaches, observations, var_backtest_options{})               -> kupiec_result
//   christoffersen_test(hits, var_backtest_options{})                         -> christoffersen_result
//   traffic_light(breaches, observations, traffic_light_options{})            -> traffic_light_result
//   var_backtest(returns, var_series, var_backtest_options{})                 -> var_backtest_result
//
// Conventions
//   - VaR and CVaR are positive numbers meaning a loss, as a fraction of value (times
//     `value` when one is given: currency). A historical VaR whose quantile is a gain is
//     negative, not floored at zero. CVaR (expected shortfall) is the mean loss beyond VaR.
//   - confidence is any level in (0, 1), such as 0.95 or 0.99; p = 1 - confidence is the tail.
//   - Returns are simple returns per period; the mean and standard deviation of a series are
//     the sample ones (n - 1). horizon h is in periods: parametric forms scale the mean by h
//     and the standard deviation by sqrt(h) (square-root-of-time, i.i.d. returns; Jorion ch. 4).
//   - Student t forms use the t scaled to unit variance (needs nu > 2), so that `stddev` (or
//     cov) is the standard deviation (covariance) of the returns themselves, as in Dowd (2005)
//     and Jorion; a t with scale sigma instead has standard deviation sigma sqrt(nu / (nu - 2)).
//   - Portfolio weights are fractions of value, shorts negative; a returns panel is T x N
//     (dates x assets). The panel forms work on the portfolio's return series R w and never
//     form a covariance matrix.
//   - Euler allocation (Tasche 2000): component_i = w_i dRisk/dw_i, and the components sum to
//     the total (parametric: in closed form; historical and Monte Carlo: the conditional
//     expectation of each position's loss given the portfolio's loss).
//
// Numerics: moments from detail/moments.hpp (shifted sums with an exact second pass);
// empirical quantiles by selection (detail/quantile.hpp); Monte Carlo on the counter-based
// generator of detail/random.hpp, bit-identical whatever the thread count.
//
// References
//   P. Jorion, "Value at Risk", 3rd ed. (2007); K. Dowd, "Measuring Market Risk", 2nd ed.
//   (2005); L. Favre and J.-A. Galeano, J. Alternative Investments 5 (2002) (modified VaR);
//   D. Maillard, "A user's guide to the Cornish Fisher expansion", SSRN 1997178 (2012);
//   J. Hull and A. White, J. Risk 1 (1998) (filtered historical simulation); R. T. Rockafellar
//   and S. Uryasev, J. Risk 2 (2000) (CVaR); D. Tasche, "Risk contributions and performance
//   measurement" (2000); P. Kupiec, J. Derivatives 3 (1995); P. Christoffersen, Int. Econ.
//   Rev. 39 (1998); Basel Committee, "Supervisory framework for the use of backtesting in
//   conjunction with the internal models approach" (1996).
/// \file
/// Value at Risk and CVaR (parametric, Cornish-Fisher, historical, Monte Carlo), decomposition, backtests.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/detail/check.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/present.hpp>
#include <keel/detail/quantile.hpp>
#include <keel/detail/random.hpp>
#include <keel/detail/stats.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>
#include <keel/series.hpp>

namespace keel {

/// Gaussian returns.
struct normal {};

/// Student t returns with `dof` degrees of freedom, scaled to unit variance (dof > 2).
struct student_t {
  double dof = 5;  ///< degrees of freedom nu, > 2 (finite)
};

/// The distribution of returns a parametric or Monte Carlo VaR assumes: normal{} or
/// student_t{nu}.
using return_distribution = std::variant<normal, student_t>;

/// Options of parametric_var and parametric_cvar.
struct parametric_options {
  double confidence = 0.95;                     ///< in (0, 1)
  double horizon = 1;                           ///< periods h > 0: mean x h, standard deviation x sqrt(h)
  bool include_mean = true;                     ///< false: the mean term -mu h is dropped (zero-mean VaR)
  return_distribution distribution = normal{};  ///< normal{} or student_t{nu}
  double value = 1;                             ///< portfolio value the result is expressed in (1: a fraction)
};

/// Options of cornish_fisher_var.
struct cornish_fisher_options {
  double confidence = 0.95;  ///< in (0, 1)
  double horizon = 1;        ///< periods h > 0: mean x h, standard deviation x sqrt(h)
  bool include_mean = true;  ///< false: the mean term is dropped
  double value = 1;          ///< portfolio value the result is expressed in (1: a fraction)
};

/// The caller's conditional volatilities for filtered historical simulation (Barone-Adesi,
/// Giannopoulos and Vosper 1999): each past return r_t becomes r_t current / volatilities[t].
/// From a GARCH fit (keel/garch.hpp): {fit.conditional_volatilities, sqrt(fit.next_variance)};
/// from DCC, the portfolio's sqrt(w' H_t w) path and its one-step forecast.
struct volatility_filter {
  /// sigma_t of each past return, > 0: one per return used (in the dated forms, per day left
  /// after missing days are dropped; in the panel forms, the portfolio's).
  std::vector<double> volatilities;
  double current = 0;  ///< sigma of the period the VaR is for, > 0
};

/// Options of historical_var and historical_cvar.
struct historical_options {
  double confidence = 0.95;  ///< in (0, 1)
  /// If set, filtered historical simulation (Hull and White 1998): each past return is scaled
  /// by sigma_now / sigma_t, EWMA volatilities with this decay lambda in (0, 1) (0.94: RiskMetrics).
  std::optional<double> ewma_lambda = std::nullopt;
  double value = 1;  ///< portfolio value the result is expressed in (1: a fraction)
  /// If set, filtered historical simulation by the given volatilities (a GARCH fit's), in
  /// place of ewma_lambda's EWMA ones (set one of the two).
  std::optional<volatility_filter> filter = std::nullopt;
};

/// Options of parametric_risk: those of parametric_var with several levels at once.
struct parametric_risk_options {
  std::vector<double> confidence = {0.95, 0.99};  ///< levels in (0, 1), at least one
  double horizon = 1;                             ///< periods h > 0: mean x h, standard deviation x sqrt(h)
  bool include_mean = true;                       ///< false: the mean term -mu h is dropped (zero-mean VaR)
  return_distribution distribution = normal{};    ///< normal{} or student_t{nu}
  double value = 1;                               ///< portfolio value the result is expressed in (1: a fraction)
};

/// Options of cornish_fisher_risk: those of cornish_fisher_var with several levels at once.
struct cornish_fisher_risk_options {
  std::vector<double> confidence = {0.95, 0.99};  ///< levels in (0, 1), at least one
  double horizon = 1;                             ///< periods h > 0: mean x h, standard deviation x sqrt(h)
  bool include_mean = true;                       ///< false: the mean term is dropped
  double value = 1;                               ///< portfolio value the result is expressed in (1: a fraction)
};

/// Options of historical_risk: those of historical_var with several levels at once.
struct historical_risk_options {
  std::vector<double> confidence = {0.95, 0.99};     ///< levels in (0, 1), at least one
  std::optional<double> ewma_lambda = std::nullopt;  ///< filtered historical simulation (see historical_options)
  double value = 1;                                  ///< portfolio value the result is expressed in (1: a fraction)
  std::optional<volatility_filter> filter = std::nullopt;  ///< filtered by given volatilities (see historical_options)
};

/// Result of parametric_risk and historical_risk: VaR and CVaR of one method, one element per
/// confidence level in the order given (the shape of mc_result, without its standard errors).
template <class Real = double>
struct var_result {
  std::vector<double> confidences;  ///< the levels
  std::vector<Real> vars;           ///< VaR per level
  std::vector<Real> cvars;          ///< CVaR (expected shortfall) per level
};

/// Result of cornish_fisher_risk: modified VaR and ES per level, as var_result, and the
/// moments behind them. vars and cvars are empty when the expansion is not monotone (the
/// domain depends on the skewness and kurtosis only, so on no level).
template <class Real = double>
struct cornish_fisher_risk_result {
  std::vector<double> confidences;  ///< the levels
  std::vector<Real> vars;           ///< modified VaR per level; empty when !monotone
  std::vector<Real> cvars;          ///< modified ES per level (Boudt et al. 2008); empty when !monotone
  std::vector<Real> zs;             ///< Cornish-Fisher quantile z_cf of the standardised return per level
  std::vector<Real> gaussian_vars;  ///< the Gaussian VaR of the same mean and standard deviation per level
  Real skewness{};                  ///< skewness used (population moment ratio m3 / m2^1.5)
  Real excess_kurtosis{};           ///< excess kurtosis used (m4 / m2^2 - 3)
  bool monotone = true;             ///< whether (skewness, excess_kurtosis) lies in Maillard's domain
};

/// Result of cornish_fisher_var: the modified VaR, or none where the expansion is not
/// monotone (its quantile function then folds and the number means nothing).
template <class Real = double>
struct cornish_fisher_result {
  std::optional<Real> var;  ///< modified VaR; empty when !monotone
  Real z{};                 ///< the Cornish-Fisher quantile z_cf of the standardised return (lower tail)
  Real skewness{};          ///< skewness used (population moment ratio m3 / m2^1.5)
  Real excess_kurtosis{};   ///< excess kurtosis used (m4 / m2^2 - 3)
  bool monotone = true;     ///< whether (skewness, excess_kurtosis) lies in Maillard's domain
  Real gaussian_var{};      ///< the Gaussian VaR of the same mean and standard deviation
};

/// Euler decomposition of a portfolio's VaR and CVaR by position (Tasche 2000): marginal_i =
/// dRisk / dw_i, component_i = w_i marginal_i, components summing to the totals.
template <class Real = double>
struct var_decomposition {
  Real var{};                         ///< the portfolio's VaR
  Real cvar{};                        ///< the portfolio's CVaR
  std::vector<Real> marginal_vars;    ///< dVaR / dw_i per position
  std::vector<Real> component_vars;   ///< w_i dVaR / dw_i; they sum to var
  std::vector<Real> marginal_cvars;   ///< dCVaR / dw_i per position
  std::vector<Real> component_cvars;  ///< w_i dCVaR / dw_i; they sum to cvar
};

/// Options of monte_carlo_var, in the order.
struct mc_options {
  std::ptrdiff_t paths = 100'000;                 ///< simulated paths, >= 100
  std::uint64_t seed = 0;                         ///< the generator's key: same seed, same result
  double horizon = 1;                             ///< periods h > 0: r = mu h + sqrt(h) L z
  std::vector<double> confidence = {0.95, 0.99};  ///< levels in (0, 1), at least one
  return_distribution distribution = normal{};    ///< normal{} or student_t{nu} (multivariate t)
  int threads = 1;                                ///< worker threads (more when asked); 0: all cores
};

/// Result of monte_carlo_var: one element per confidence level, in the order given.
struct mc_result {
  std::vector<double> confidences;   ///< the levels
  std::vector<double> vars;          ///< VaR per level (type-7 quantile of the simulated losses)
  std::vector<double> cvars;         ///< CVaR per level (mean of the k worst paths, as historical_cvar)
  std::vector<double> var_stderrs;   ///< standard error of each VaR (order-statistic spacing)
  std::vector<double> cvar_stderrs;  ///< standard error of each CVaR (Manistre and Hancock 2005)
  std::ptrdiff_t paths = 0;          ///< paths simulated
};

/// Result of monte_carlo_component_var: the totals and, per level (row) and position
/// (column), the Euler components of VaR and CVaR.
struct mc_decomposition {
  mc_result totals;                 ///< as monte_carlo_var with the same options
  Eigen::MatrixXd component_vars;   ///< levels x positions; each row sums to totals.vars
  Eigen::MatrixXd component_cvars;  ///< levels x positions; each row sums to totals.cvars
};

/// Options of the backtests (kupiec_test, christoffersen_test, var_backtest).
struct var_backtest_options {
  double confidence = 0.95;    ///< the confidence of the VaR tested, in (0, 1): breach probability 1 - confidence
  double significance = 0.05;  ///< a test rejects when its p-value is below this, in (0, 1)
};

/// Options of traffic_light: the Basel framework's 99% VaR.
struct traffic_light_options {
  double confidence = 0.99;  ///< the confidence of the VaR tested, in (0, 1)
};

/// Kupiec's proportion-of-failures test.
struct kupiec_result {
  double lr_statistic = 0;  ///< -2 ln[(1-p)^(T-x) p^x] + 2 ln[(1-x/T)^(T-x) (x/T)^x]
  double p_value = 1;       ///< chi-squared(1) upper tail of lr_statistic
  bool reject = false;      ///< p_value < significance: the breach rate is wrong
};

/// Christoffersen's independence and conditional-coverage tests.
struct christoffersen_result {
  double lr_independence = 0;                ///< LR of a first-order Markov chain against independence
  double p_independence = 1;                 ///< chi-squared(1) upper tail
  bool reject_independence = false;          ///< breaches cluster (p below significance)
  double lr_conditional_coverage = 0;        ///< Kupiec's LR + lr_independence
  double p_conditional_coverage = 1;         ///< chi-squared(2) upper tail
  bool reject_conditional_coverage = false;  ///< wrong rate or clustering
  std::ptrdiff_t n00 = 0;                    ///< days without a breach after a day without one
  std::ptrdiff_t n01 = 0;                    ///< breaches after a day without one
  std::ptrdiff_t n10 = 0;                    ///< days without a breach after a breach
  std::ptrdiff_t n11 = 0;                    ///< breaches after a breach
};

/// A Basel traffic-light zone.
enum class basel_zone {
  green,   ///< cumulative binomial probability of the breach count below 95%
  yellow,  ///< from 95% to below 99.99%
  red,     ///< 99.99% or more
};

/// The Basel traffic light of a breach count.
struct traffic_light_result {
  basel_zone zone = basel_zone::green;  ///< the zone
  double plus_factor = 0;               ///< added to the capital multiplier of 3 (Basel 1996, Table 2)
  double multiplier = 3;                ///< 3 + plus_factor
  double cumulative_probability = 0;    ///< P(X <= breaches), X ~ Binomial(observations, 1 - confidence)
};

/// Result of var_backtest.
struct var_backtest_result {
  std::ptrdiff_t breaches = 0;           ///< days whose loss exceeded that day's VaR
  std::ptrdiff_t observations = 0;       ///< days compared
  double breach_rate = 0;                ///< breaches / observations
  kupiec_result kupiec;                  ///< proportion of failures
  christoffersen_result christoffersen;  ///< independence and conditional coverage
  traffic_light_result basel;            ///< the traffic light at the given confidence
};

namespace detail {

inline void check_common(std::string_view fn, double confidence, double value) {
  require_probability(fn, "confidence", confidence);
  require_positive_option(fn, "value", value);
}

/// The multipliers of sigma sqrt(h) in the parametric VaR and CVaR (see parametric_var).
struct sigma_factors {
  double var = 0;
  double cvar = 0;
};

KEEL_DECL [[nodiscard]] sigma_factors distribution_factors(std::string_view fn, double confidence,
                                                           const return_distribution& dist);

/// -[include_mean] mu h + k sigma sqrt(h), times value.
[[nodiscard]] inline double parametric_loss(double mean, double stddev, double k, double horizon, bool include_mean,
                                            double value) {
  return value * ((include_mean ? -mean * horizon : 0.0) + k * stddev * std::sqrt(horizon));
}

inline void check_parametric(std::string_view fn, const parametric_options& o) {
  check_common(fn, o.confidence, o.value);
  require_positive_option(fn, "horizon", o.horizon);
}

/// Checks the levels of a one-call form: at least one, each in (0, 1) (named confidence[i]).
inline void check_levels(std::string_view fn, const std::vector<double>& levels) {
  if (levels.empty()) throw invalid_input(message(fn, "confidence lists no levels"));
  for (std::size_t i = 0; i < levels.size(); ++i)
    require_probability(fn, "confidence[" + std::to_string(i) + "]", levels[i]);
}

inline void check_parametric(std::string_view fn, const parametric_risk_options& o) {
  check_levels(fn, o.confidence);
  require_positive_option(fn, "value", o.value);
  require_positive_option(fn, "horizon", o.horizon);
}

inline void check_mean_stddev(std::string_view fn, double mean, double stddev) {
  if (!std::isfinite(mean)) throw_non_finite_at(fn, "mean", mean);
  if (!std::isfinite(stddev)) throw_non_finite_at(fn, "stddev", stddev);
  if (!(stddev >= 0)) throw invalid_input(message(fn, "stddev = " + number_text(stddev) + " is negative"));
}

/// The parametric VaR (cvar false) or CVaR at one level from the factors k of that level; the
/// single-number forms and parametric_risk share it, so that their numbers are the same bits.
template <class Real, class Options>
[[nodiscard]] Real parametric_level(std::string_view fn, double mean, double stddev, const sigma_factors& k,
                                    const Options& o, bool cvar) {
  const double loss = parametric_loss(mean, stddev, cvar ? k.cvar : k.var, o.horizon, o.include_mean, o.value);
  if (!std::isfinite(loss)) throw_overflow(fn, cvar ? "the CVaR" : "the VaR");
  return rounded<Real>(fn, cvar ? "cvar" : "var", loss);
}

template <class Real>
[[nodiscard]] Real parametric_from_moments(std::string_view fn, double mean, double stddev, const parametric_options& o,
                                           bool cvar) {
  check_parametric(fn, o);
  check_mean_stddev(fn, mean, stddev);
  const sigma_factors k = distribution_factors(fn, o.confidence, o.distribution);
  return parametric_level<Real>(fn, mean, stddev, k, o, cvar);
}

/// parametric_risk from a mean and standard deviation: the factors of each level once, for
/// both the VaR and the CVaR.
template <class Real>
[[nodiscard]] var_result<Real> parametric_levels(std::string_view fn, double mean, double stddev,
                                                 const parametric_risk_options& o) {
  check_parametric(fn, o);
  check_mean_stddev(fn, mean, stddev);
  var_result<Real> out;
  out.confidences = o.confidence;
  out.vars.reserve(o.confidence.size());
  out.cvars.reserve(o.confidence.size());
  for (const double c : o.confidence) {
    const sigma_factors k = distribution_factors(fn, c, o.distribution);
    out.vars.push_back(parametric_level<Real>(fn, mean, stddev, k, o, false));
    out.cvars.push_back(parametric_level<Real>(fn, mean, stddev, k, o, true));
  }
  return out;
}

/// Sample mean and standard deviation (n - 1) of a series, n >= 2.
template <class Acc, class S>
[[nodiscard]] std::pair<double, double> mean_and_stddev(std::string_view fn, const S& returns, std::string_view name) {
  const std::ptrdiff_t n = ssize(returns);
  require_observations(fn, 2, n, "returns");
  const moments<Acc> m = centred_moments<Acc>(fn, returns, name);
  return {static_cast<double>(m.mean), static_cast<double>(std::sqrt(m.sxx / static_cast<Acc>(n - 1)))};
}

/// The portfolio return series R w of a T x N panel, in Acc; a NaN or infinity anywhere makes
/// some R w entry non-finite (0 x inf is NaN), which is then located as returns(row, column).
template <class Acc, class W, class Derived>
[[nodiscard]] Eigen::Matrix<Acc, Eigen::Dynamic, 1> portfolio_returns(std::string_view fn, const W& weights,
                                                                      const Eigen::MatrixBase<Derived>& returns) {
  require_same_size(fn, "weights", ssize(weights), "returns (columns)", returns.cols());
  require_finite(fn, "weights", weights);
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> w(returns.cols());
  auto wf = std::ranges::begin(weights);
  for (Eigen::Index j = 0; j < returns.cols(); ++j) w(j) = static_cast<Acc>(wf[j]);
  Eigen::Matrix<Acc, Eigen::Dynamic, 1> rp = returns.template cast<Acc>() * w;
  if (!rp.allFinite()) {
    require_finite_cells(fn, "returns", returns);
    throw_overflow(fn, "the portfolio returns (returns x weights)");
  }
  return rp;
}

/// Checks weights, mean and a covariance matrix for the mean-covariance forms; returns the
/// weights, the mean and the covariance in double.
struct mean_cov {
  Eigen::VectorXd w, mu;
  Eigen::MatrixXd cov;
};

template <class W, class M, class Derived>
[[nodiscard]] mean_cov check_mean_cov(std::string_view fn, const W& weights, const M& mean,
                                      const Eigen::MatrixBase<Derived>& cov) {
  const std::ptrdiff_t n = ssize(weights);
  require_same_size(fn, "weights", n, "mean", ssize(mean));
  require_square(fn, "cov", cov.rows(), cov.cols());
  require_same_size(fn, "weights", n, "cov (rows)", cov.rows());
  require_observations(fn, 1, n, "positions");
  require_finite(fn, "weights", weights);
  require_finite(fn, "mean", mean);
  require_finite_cells(fn, "cov", cov);
  mean_cov out;
  out.w.resize(n);
  out.mu.resize(n);
  auto wf = std::ranges::begin(weights);
  auto mf = std::ranges::begin(mean);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    out.w(i) = static_cast<double>(wf[i]);
    out.mu(i) = static_cast<double>(mf[i]);
  }
  out.cov = cov.template cast<double>();
  require_symmetric(fn, "cov", out.cov);
  return out;
}

/// sqrt(w' cov w) and cov w; a negative w' cov w beyond rounding is a covariance that is not
/// positive semi-definite.
struct portfolio_sigma {
  double sigma = 0;
  Eigen::VectorXd cov_w;
};

KEEL_DECL [[nodiscard]] portfolio_sigma sigma_of(std::string_view fn, const mean_cov& in);

/// Throws invalid_input (overflow) unless every number of a decomposition is finite.
template <class Real>
void require_finite_decomposition(std::string_view fn, const var_decomposition<Real>& d) {
  bool ok = std::isfinite(d.var) && std::isfinite(d.cvar);
  for (const auto* v : {&d.marginal_vars, &d.component_vars, &d.marginal_cvars, &d.component_cvars})
    for (const Real x : *v) ok = ok && std::isfinite(x);
  if (!ok) throw_overflow(fn, "the risk decomposition");
}

}  // namespace detail

/// Parametric (Gaussian or Student t) VaR of a return series, from its sample mean and
/// standard deviation: VaR = value (-mu h + k sigma sqrt(h)), k = z_c for normal{}, k =
/// sqrt((nu - 2) / nu) t_nu,c for student_t{nu} (unit variance).
/// \pre n >= 2 (insufficient_data); finite returns, confidence in (0, 1), horizon and value
///      positive and finite, dof > 2 (invalid_input naming the option or element).
/// \returns the VaR (a loss: positive), in the series' floating type.
/// A constant series gives -mu h (value x). Ref: Jorion (2007) ch. 5; Dowd (2005) ch. 6.
template <PlainSeries S>
[[nodiscard]] detail::range_result_t<S> parametric_var(const S& returns, parametric_options options = {}) {
  using real = detail::range_result_t<S>;
  const auto [mu, sd] = detail::mean_and_stddev<detail::accum_t<real>>("parametric_var", returns, "returns");
  return detail::parametric_from_moments<real>("parametric_var", mu, sd, options, false);
}

/// Parametric CVaR (expected shortfall) of a return series: value (-mu h + k sigma sqrt(h)),
/// k = phi(z_c) / (1 - c) for normal{}, k = sqrt((nu - 2) / nu) f_nu(t_c) (nu + t_c^2) /
/// ((nu - 1)(1 - c)) for student_t{nu}.
/// \pre as parametric_var. \returns the CVaR (>= the VaR at the same level).
/// Ref: Rockafellar and Uryasev (2000); Dowd (2005) ch. 6 (t expected shortfall).
template <PlainSeries S>
[[nodiscard]] detail::range_result_t<S> parametric_cvar(const S& returns, parametric_options options = {}) {
  using real = detail::range_result_t<S>;
  const auto [mu, sd] = detail::mean_and_stddev<detail::accum_t<real>>("parametric_cvar", returns, "returns");
  return detail::parametric_from_moments<real>("parametric_cvar", mu, sd, options, true);
}

/// Parametric VaR from a per-period mean and standard deviation (see the series form).
/// \pre finite mean, stddev >= 0 and finite, options as the series form (invalid_input).
/// \returns the VaR in the arguments' common floating type. Ref: Jorion (2007) ch. 5.
template <std::floating_point M, std::floating_point D>
[[nodiscard]] detail::result_t<M, D> parametric_var(M mean, D stddev, parametric_options options = {}) {
  return detail::parametric_from_moments<detail::result_t<M, D>>("parametric_var", static_cast<double>(mean),
                                                                 static_cast<double>(stddev), options, false);
}

/// Parametric CVaR from a per-period mean and standard deviation (see the series form).
/// \pre as parametric_var(mean, stddev). \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <std::floating_point M, std::floating_point D>
[[nodiscard]] detail::result_t<M, D> parametric_cvar(M mean, D stddev, parametric_options options = {}) {
  return detail::parametric_from_moments<detail::result_t<M, D>>("parametric_cvar", static_cast<double>(mean),
                                                                 static_cast<double>(stddev), options, true);
}

/// Parametric VaR of a portfolio from a T x N returns panel: the series form on the
/// portfolio's returns R w (O(T N); no covariance matrix is formed).
/// \pre weights.size() == returns.cols(), T >= 2, finite cells (invalid_input naming
///      returns(row, column)); options as the series form.
/// \returns the VaR of the portfolio. Ref: Jorion (2007) ch. 7.
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] detail::result_t<detail::value_t<W>, typename Derived::Scalar> parametric_var(
    const W& weights, const Eigen::MatrixBase<Derived>& returns, parametric_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  const auto rp = detail::portfolio_returns<acc>("parametric_var", weights, returns);
  const auto [mu, sd] = detail::mean_and_stddev<acc>("parametric_var", rp, "portfolio returns");
  return detail::parametric_from_moments<real>("parametric_var", mu, sd, options, false);
}

/// Parametric CVaR of a portfolio from a T x N returns panel (see parametric_var's panel form).
/// \pre as parametric_var's panel form. \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] detail::result_t<detail::value_t<W>, typename Derived::Scalar> parametric_cvar(
    const W& weights, const Eigen::MatrixBase<Derived>& returns, parametric_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  const auto rp = detail::portfolio_returns<acc>("parametric_cvar", weights, returns);
  const auto [mu, sd] = detail::mean_and_stddev<acc>("parametric_cvar", rp, "portfolio returns");
  return detail::parametric_from_moments<real>("parametric_cvar", mu, sd, options, true);
}

/// Parametric VaR of a portfolio from per-period mean returns and their covariance:
/// mu_p = w' mu, sigma_p = sqrt(w' cov w), then as the series form.
/// \pre sizes agree (invalid_input), cov square, symmetric (to 1e-10 of its largest cell) and
///      finite; singular_problem when w' cov w < 0 (cov not positive semi-definite).
/// \returns the VaR. Ref: Jorion (2007) ch. 7 (delta-normal VaR).
template <PlainSeries W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar> parametric_var(
    const W& weights, const M& mean, const Eigen::MatrixBase<Derived>& cov, parametric_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar>;
  const detail::mean_cov in = detail::check_mean_cov("parametric_var", weights, mean, cov);
  const detail::portfolio_sigma s = detail::sigma_of("parametric_var", in);
  return detail::parametric_from_moments<real>("parametric_var", in.w.dot(in.mu), s.sigma, options, false);
}

/// Parametric CVaR of a portfolio from mean returns and their covariance (see parametric_var).
/// \pre as parametric_var(weights, mean, cov). \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <PlainSeries W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar> parametric_cvar(
    const W& weights, const M& mean, const Eigen::MatrixBase<Derived>& cov, parametric_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar>;
  const detail::mean_cov in = detail::check_mean_cov("parametric_cvar", weights, mean, cov);
  const detail::portfolio_sigma s = detail::sigma_of("parametric_cvar", in);
  return detail::parametric_from_moments<real>("parametric_cvar", in.w.dot(in.mu), s.sigma, options, true);
}

/// Parametric VaR and CVaR of a return series at every level of options.confidence from one
/// pass: the sample mean and standard deviation once, then per level the VaR and CVaR of
/// parametric_var and parametric_cvar (bit-identical to them).
/// \pre n >= 2 (insufficient_data); finite returns; at least one level, each in (0, 1) (named
///      confidence[i]); horizon and value positive and finite, dof > 2 (invalid_input).
/// \returns var_result{confidences, vars, cvars} in the series' floating type.
/// Ref: Jorion (2007) ch. 5; Dowd (2005) ch. 6; Rockafellar and Uryasev (2000).
template <PlainSeries S>
[[nodiscard]] var_result<detail::range_result_t<S>> parametric_risk(const S& returns,
                                                                    const parametric_risk_options& options = {}) {
  using real = detail::range_result_t<S>;
  const auto [mu, sd] = detail::mean_and_stddev<detail::accum_t<real>>("parametric_risk", returns, "returns");
  return detail::parametric_levels<real>("parametric_risk", mu, sd, options);
}

/// Parametric VaR and CVaR at every level from a per-period mean and standard deviation.
/// \pre as parametric_var(mean, stddev), levels as the series form.
/// \returns var_result in the arguments' common floating type. Ref: Jorion (2007) ch. 5.
template <std::floating_point M, std::floating_point D>
[[nodiscard]] var_result<detail::result_t<M, D>> parametric_risk(M mean, D stddev,
                                                                 const parametric_risk_options& options = {}) {
  return detail::parametric_levels<detail::result_t<M, D>>("parametric_risk", static_cast<double>(mean),
                                                           static_cast<double>(stddev), options);
}

/// Parametric VaR and CVaR of a portfolio at every level from a T x N returns panel: the
/// portfolio's returns R w and their moments once (O(T N)), then per level.
/// \pre as parametric_var's panel form, levels as the series form.
/// \returns var_result of the portfolio. Ref: Jorion (2007) ch. 7.
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] var_result<detail::result_t<detail::value_t<W>, typename Derived::Scalar>> parametric_risk(
    const W& weights, const Eigen::MatrixBase<Derived>& returns, const parametric_risk_options& options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  const auto rp = detail::portfolio_returns<acc>("parametric_risk", weights, returns);
  const auto [mu, sd] = detail::mean_and_stddev<acc>("parametric_risk", rp, "portfolio returns");
  return detail::parametric_levels<real>("parametric_risk", mu, sd, options);
}

/// Parametric VaR and CVaR of a portfolio at every level from mean returns and their
/// covariance: w' mu and sqrt(w' cov w) once (O(N^2)), then per level.
/// \pre as parametric_var(weights, mean, cov), levels as the series form.
/// \returns var_result. Ref: Jorion (2007) ch. 7 (delta-normal VaR).
template <PlainSeries W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] var_result<detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar>>
parametric_risk(const W& weights, const M& mean, const Eigen::MatrixBase<Derived>& cov,
                const parametric_risk_options& options = {}) {
  using real = detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar>;
  const detail::mean_cov in = detail::check_mean_cov("parametric_risk", weights, mean, cov);
  const detail::portfolio_sigma s = detail::sigma_of("parametric_risk", in);
  return detail::parametric_levels<real>("parametric_risk", in.w.dot(in.mu), s.sigma, options);
}

namespace detail {

/// Whether the Cornish-Fisher quantile z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36 is
/// increasing in z for every z: its derivative a z^2 + b z + c with a = K/8 - S^2/6, b = S/3,
/// c = 1 - K/8 + 5 S^2/36 has a >= 0 and b^2 <= 4ac (Maillard 2012, sec. 3).
[[nodiscard]] inline bool cornish_fisher_monotone(double s, double k) {
  const double a = k / 8 - s * s / 6;
  const double c = 1 - k / 8 + 5 * s * s / 36;
  return a >= 0 && s * s / 9 <= 4 * a * c;
}

/// The Cornish-Fisher quantile z_cf at a level: the lower-tail normal quantile z, negative for
/// c > 1/2, corrected by skewness and excess kurtosis.
[[nodiscard]] inline double cornish_fisher_z(double confidence, double skew, double exkurt) {
  const double z = -normal_quantile(confidence);
  const double z2 = z * z, z3 = z2 * z;
  return z + (z2 - 1) * skew / 6 + (z3 - 3 * z) * exkurt / 24 - (2 * z3 - 5 * z) * skew * skew / 36;
}

/// The modified ES in standard units (Boudt, Peterson and Croux 2008, PerformanceAnalytics'
/// operES.CornishFisher): E_G = -phi(h) (1 + h^3 S/6 + (h^6 - 9h^4 + 9h^2 + 3) S^2/72 +
/// (h^4 - 2h^2 - 1) K/24) / p, the mean of z below h = z_cf under the second-order Edgeworth
/// density, floored at h (min(E_G, h)) so that the ES is never below the modified VaR.
[[nodiscard]] inline double cornish_fisher_es_z(double h, double p, double skew, double exkurt) {
  const double h2 = h * h, h3 = h2 * h, h4 = h2 * h2, h6 = h3 * h3;
  const double e =
      -normal_pdf(h) *
      (1 + h3 * skew / 6 + (h6 - 9 * h4 + 9 * h2 + 3) * skew * skew / 72 + (h4 - 2 * h2 - 1) * exkurt / 24) / p;
  return std::min(e, h);
}

/// The moments a Cornish-Fisher VaR uses: mean and standard deviation (n - 1) per period, the
/// population skewness and excess kurtosis.
struct cf_moments {
  double mean = 0, stddev = 0, skew = 0, exkurt = 0;
};

template <class Options>
void check_cf_moments(std::string_view fn, const cf_moments& m, const Options& o) {
  require_positive_option(fn, "value", o.value);
  require_positive_option(fn, "horizon", o.horizon);
  const std::pair<std::string_view, double> named[] = {
      {"mean", m.mean}, {"stddev", m.stddev}, {"skewness", m.skew}, {"excess_kurtosis", m.exkurt}};
  for (const auto& [name, v] : named)
    if (!std::isfinite(v)) throw_non_finite_at(fn, name, v);
  if (m.stddev < 0) throw invalid_input(message(fn, "stddev = " + number_text(m.stddev) + " is negative"));
}

template <class Real>
[[nodiscard]] cornish_fisher_result<Real> cornish_fisher_from_moments(std::string_view fn, const cf_moments& m,
                                                                      const cornish_fisher_options& o) {
  require_probability(fn, "confidence", o.confidence);
  check_cf_moments(fn, m, o);
  const double z = -normal_quantile(o.confidence);
  const double zcf = cornish_fisher_z(o.confidence, m.skew, m.exkurt);
  cornish_fisher_result<Real> out;
  out.z = static_cast<Real>(zcf);
  out.skewness = static_cast<Real>(m.skew);
  out.excess_kurtosis = static_cast<Real>(m.exkurt);
  out.monotone = cornish_fisher_monotone(m.skew, m.exkurt);
  out.gaussian_var =
      rounded<Real>(fn, "gaussian_var", parametric_loss(m.mean, m.stddev, -z, o.horizon, o.include_mean, o.value));
  if (out.monotone) {
    const double v = parametric_loss(m.mean, m.stddev, -zcf, o.horizon, o.include_mean, o.value);
    if (!std::isfinite(v)) throw_overflow(fn, "the modified VaR");
    out.var = rounded<Real>(fn, "var", v);
  }
  return out;
}

/// cornish_fisher_risk from the moments: per level the numbers of cornish_fisher_var (the same
/// bits) and the modified ES.
template <class Real>
[[nodiscard]] cornish_fisher_risk_result<Real> cornish_fisher_levels(std::string_view fn, const cf_moments& m,
                                                                     const cornish_fisher_risk_options& o) {
  check_levels(fn, o.confidence);
  check_cf_moments(fn, m, o);
  cornish_fisher_risk_result<Real> out;
  out.confidences = o.confidence;
  out.skewness = static_cast<Real>(m.skew);
  out.excess_kurtosis = static_cast<Real>(m.exkurt);
  out.monotone = cornish_fisher_monotone(m.skew, m.exkurt);
  for (const double c : o.confidence) {
    const double z = -normal_quantile(c);
    const double zcf = cornish_fisher_z(c, m.skew, m.exkurt);
    out.zs.push_back(static_cast<Real>(zcf));
    out.gaussian_vars.push_back(
        rounded<Real>(fn, "gaussian_var", parametric_loss(m.mean, m.stddev, -z, o.horizon, o.include_mean, o.value)));
    if (!out.monotone) continue;
    const double v = parametric_loss(m.mean, m.stddev, -zcf, o.horizon, o.include_mean, o.value);
    if (!std::isfinite(v)) throw_overflow(fn, "the modified VaR");
    out.vars.push_back(rounded<Real>(fn, "var", v));
    const double es = parametric_loss(m.mean, m.stddev, -cornish_fisher_es_z(zcf, 1 - c, m.skew, m.exkurt), o.horizon,
                                      o.include_mean, o.value);
    if (!std::isfinite(es)) throw_overflow(fn, "the modified ES");
    out.cvars.push_back(rounded<Real>(fn, "cvar", es));
  }
  return out;
}

/// Mean, sample standard deviation, and the population skewness and excess kurtosis of a
/// series (n >= 4): third and fourth central moments summed about the mean of the exact pass.
/// A series with zero variance has skewness and excess kurtosis 0.
template <class Real, class S>
[[nodiscard]] cf_moments cornish_fisher_moments(std::string_view fn, const S& returns, std::string_view name) {
  using acc = accum_t<Real>;
  const std::ptrdiff_t n = ssize(returns);
  require_observations(fn, 4, n, "returns");
  const moments<acc> m = centred_moments<acc>(fn, returns, name);
  const acc dn = static_cast<acc>(n);
  acc s3 = 0, s4 = 0;
  auto f = std::ranges::begin(returns);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const acc d = static_cast<acc>(f[i]) - m.mean;
    const acc d2 = d * d;
    s3 += d2 * d;
    s4 += d2 * d2;
  }
  const acc m2 = m.sxx / dn;
  cf_moments out;
  if (!numerically_zero_variance(m.sxx, m.mean, dn)) {
    out.skew = static_cast<double>((s3 / dn) / (m2 * std::sqrt(m2)));
    out.exkurt = static_cast<double>((s4 / dn) / (m2 * m2) - 3);
    if (!std::isfinite(out.skew) || !std::isfinite(out.exkurt))
      throw_overflow(fn, "the third and fourth moments of " + std::string(name));
  }
  out.stddev = static_cast<double>(std::sqrt(m.sxx / (dn - 1)));
  out.mean = static_cast<double>(m.mean);
  return out;
}

template <class Real, class S>
[[nodiscard]] cornish_fisher_result<Real> cornish_fisher_series(std::string_view fn, const S& returns,
                                                                std::string_view name,
                                                                const cornish_fisher_options& o) {
  return cornish_fisher_from_moments<Real>(fn, cornish_fisher_moments<Real>(fn, returns, name), o);
}

}  // namespace detail

/// Modified (Cornish-Fisher) VaR of a return series (Favre and Galeano 2002): the Gaussian
/// VaR with z replaced by z_cf = z + (z^2-1) S/6 + (z^3-3z) K/24 - (2z^3-5z) S^2/36, z = the
/// lower-tail normal quantile, S the skewness m3 / m2^1.5 and K the excess kurtosis
/// m4 / m2^2 - 3 (population moments, as PerformanceAnalytics), the mean and sigma (n - 1)
/// as parametric_var: VaR = value (-mu h - z_cf sigma sqrt(h)).
/// \pre n >= 4 (insufficient_data); finite returns; options as parametric_var (invalid_input).
/// \returns cornish_fisher_result{var (empty outside Maillard's monotone domain), z,
///          skewness, excess_kurtosis, monotone, gaussian_var}; at S = K = 0 it is the Gaussian VaR.
/// Ref: Favre and Galeano (2002); Maillard (2012) (domain of validity).
template <PlainSeries S>
[[nodiscard]] auto cornish_fisher_var(const S& returns, cornish_fisher_options options = {}) {
  return detail::cornish_fisher_series<detail::range_result_t<S>>("cornish_fisher_var", returns, "returns", options);
}

/// Modified VaR from given moments: mean and standard deviation per period, skewness and
/// excess kurtosis (see the series form; pass PerformanceAnalytics' population standard
/// deviation here to reproduce its VaR(method = "modified") exactly).
/// \pre finite arguments, stddev >= 0, options as parametric_var (invalid_input).
/// \returns cornish_fisher_result (see the series form). Ref: Favre and Galeano (2002).
template <std::floating_point A, std::floating_point B, std::floating_point C, std::floating_point D>
[[nodiscard]] auto cornish_fisher_var(A mean, B stddev, C skewness, D excess_kurtosis,
                                      cornish_fisher_options options = {}) {
  return detail::cornish_fisher_from_moments<detail::result_t<A, B, C, D>>(
      "cornish_fisher_var",
      {static_cast<double>(mean), static_cast<double>(stddev), static_cast<double>(skewness),
       static_cast<double>(excess_kurtosis)},
      options);
}

/// Modified VaR of a portfolio from a T x N returns panel: the series form on R w.
/// \pre weights.size() == returns.cols(), T >= 4, finite cells; options as the series form.
/// \returns cornish_fisher_result of the portfolio's returns. Ref: Favre and Galeano (2002).
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto cornish_fisher_var(const W& weights, const Eigen::MatrixBase<Derived>& returns,
                                      cornish_fisher_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  const auto rp = detail::portfolio_returns<detail::accum_t<real>>("cornish_fisher_var", weights, returns);
  return detail::cornish_fisher_series<real>("cornish_fisher_var", rp, "portfolio returns", options);
}

/// Modified VaR and modified expected shortfall of a return series at every level from one
/// pass over the moments. VaR per level as cornish_fisher_var (the same bits); ES (Boudt,
/// Peterson and Croux 2008) = value (-mu h - min(E_G, z_cf) sigma sqrt(h)), E_G = -phi(z_cf)
/// (1 + z_cf^3 S/6 + (z_cf^6 - 9 z_cf^4 + 9 z_cf^2 + 3) S^2/72 + (z_cf^4 - 2 z_cf^2 - 1) K/24) / p,
/// the mean of the standardised return below z_cf under the Edgeworth density, floored at z_cf
/// as PerformanceAnalytics' ES(method = "modified") (operational = TRUE) does.
/// \pre n >= 4 (insufficient_data); finite returns; at least one level, each in (0, 1) (named
///      confidence[i]); horizon and value positive and finite (invalid_input).
/// \returns cornish_fisher_risk_result{confidences, vars, cvars, zs, gaussian_vars, skewness,
///          excess_kurtosis, monotone}; vars and cvars empty outside Maillard's domain.
/// Ref: Favre and Galeano (2002); Boudt, Peterson and Croux, J. Risk 11 (2008) 79-103.
template <PlainSeries S>
[[nodiscard]] auto cornish_fisher_risk(const S& returns, const cornish_fisher_risk_options& options = {}) {
  using real = detail::range_result_t<S>;
  constexpr std::string_view fn = "cornish_fisher_risk";
  return detail::cornish_fisher_levels<real>(fn, detail::cornish_fisher_moments<real>(fn, returns, "returns"), options);
}

/// Modified VaR and ES at every level from given moments (see the series form; pass
/// PerformanceAnalytics' population standard deviation to reproduce its VaR and ES).
/// \pre finite arguments, stddev >= 0, options as the series form (invalid_input).
/// \returns cornish_fisher_risk_result. Ref: Boudt, Peterson and Croux (2008).
template <std::floating_point A, std::floating_point B, std::floating_point C, std::floating_point D>
[[nodiscard]] auto cornish_fisher_risk(A mean, B stddev, C skewness, D excess_kurtosis,
                                       const cornish_fisher_risk_options& options = {}) {
  return detail::cornish_fisher_levels<detail::result_t<A, B, C, D>>(
      "cornish_fisher_risk",
      {static_cast<double>(mean), static_cast<double>(stddev), static_cast<double>(skewness),
       static_cast<double>(excess_kurtosis)},
      options);
}

/// Modified VaR and ES of a portfolio at every level from a T x N returns panel: R w and its
/// moments once, then per level.
/// \pre as cornish_fisher_var's panel form, levels as the series form.
/// \returns cornish_fisher_risk_result of the portfolio's returns. Ref: Boudt, Peterson and Croux (2008).
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto cornish_fisher_risk(const W& weights, const Eigen::MatrixBase<Derived>& returns,
                                       const cornish_fisher_risk_options& options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  constexpr std::string_view fn = "cornish_fisher_risk";
  const auto rp = detail::portfolio_returns<detail::accum_t<real>>(fn, weights, returns);
  return detail::cornish_fisher_levels<real>(fn, detail::cornish_fisher_moments<real>(fn, rp, "portfolio returns"),
                                             options);
}

namespace detail {

/// Throws invalid_input unless at most one filter is set and a volatility_filter's numbers are
/// positive and finite (its length is checked against the returns where they meet).
inline void check_filters(std::string_view fn, const std::optional<double>& ewma_lambda,
                          const std::optional<volatility_filter>& filter) {
  if (ewma_lambda && !(*ewma_lambda > 0 && *ewma_lambda < 1))
    throw_bad_option(fn, "ewma_lambda", *ewma_lambda, "in (0, 1)");
  if (!filter) return;
  if (ewma_lambda) throw invalid_input(message(fn, "both ewma_lambda and filter are set: filter by one of them"));
  if (!(filter->current > 0) || !std::isfinite(filter->current))
    throw_bad_option(fn, "filter.current", filter->current, "positive and finite");
  const auto& v = filter->volatilities;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!(v[i] > 0) || !std::isfinite(v[i]))
      throw_bad_option(fn, element_text("filter.volatilities", static_cast<std::ptrdiff_t>(i)), v[i],
                       "positive and finite");
}

inline void check_historical(std::string_view fn, const historical_options& o) {
  check_common(fn, o.confidence, o.value);
  check_filters(fn, o.ewma_lambda, o.filter);
}

/// The scale of each date under a volatility_filter: current / volatilities[t].
template <class Acc>
void given_scales(std::string_view fn, const volatility_filter& f, std::ptrdiff_t n, std::vector<Acc>& scale) {
  require_same_size(fn, "filter.volatilities", ssize(f.volatilities), "returns", n);
  scale.resize(uz(n));
  for (std::ptrdiff_t t = 0; t < n; ++t)
    scale[uz(t)] = static_cast<Acc>(f.current) / static_cast<Acc>(f.volatilities[uz(t)]);
}

/// Filtered historical simulation (Hull and White 1998): r_t sigma_{n+1} / sigma_t with
/// sigma_{t+1}^2 = lambda sigma_t^2 + (1 - lambda) r_t^2, seeded with the mean square of the
/// whole sample (sigma_t is the forecast made before r_t). Returns the scale of each date.
template <class Acc>
void ewma_scales(const Acc* r, std::ptrdiff_t n, double lambda, std::vector<Acc>& scale) {
  scale.resize(uz(n));
  Acc mean_square = 0;
  for (std::ptrdiff_t t = 0; t < n; ++t) mean_square += r[t] * r[t];
  mean_square /= static_cast<Acc>(n);
  const Acc l = static_cast<Acc>(lambda);
  Acc v = mean_square;
  for (std::ptrdiff_t t = 0; t < n; ++t) {
    scale[uz(t)] = std::sqrt(v);  // sigma_t for now; divided below
    v = l * v + (1 - l) * r[t] * r[t];
  }
  const Acc now = std::sqrt(v);
  for (auto& s : scale) s = s > 0 ? now / s : Acc(1);
}

inline void check_historical(std::string_view fn, const historical_risk_options& o) {
  check_levels(fn, o.confidence);
  require_positive_option(fn, "value", o.value);
  check_filters(fn, o.ewma_lambda, o.filter);
}

/// The returns of a series in Acc (contiguous), filtered when ewma_lambda or filter is set: the
/// work that every level of a historical VaR shares.
template <class Acc, class S>
[[nodiscard]] std::vector<Acc> historical_sample(std::string_view fn, const S& returns, std::string_view name,
                                                 const std::optional<double>& ewma_lambda,
                                                 const std::optional<volatility_filter>& filter) {
  const std::ptrdiff_t n = ssize(returns);
  require_observations(fn, 1, n, "returns");
  require_finite(fn, name, returns);
  std::vector<Acc> x(uz(n)), scale;
  auto f = std::ranges::begin(returns);
  for (std::ptrdiff_t i = 0; i < n; ++i) x[uz(i)] = static_cast<Acc>(f[i]);
  if (ewma_lambda || filter) {
    if (ewma_lambda)
      ewma_scales(x.data(), n, *ewma_lambda, scale);
    else
      given_scales(fn, *filter, n, scale);
    for (std::ptrdiff_t t = 0; t < n; ++t) x[uz(t)] *= scale[uz(t)];
  }
  return x;
}

/// The historical VaR (cvar false) or CVaR of a tail, times value.
template <class Real, class Acc>
[[nodiscard]] Real historical_loss(std::string_view fn, const tail_summary<Acc>& t, double value, bool cvar) {
  const Acc loss = -static_cast<Acc>(value) * (cvar ? t.tail_mean : t.quantile);
  if (!std::isfinite(loss)) throw_overflow(fn, cvar ? "the CVaR" : "the VaR");
  return rounded<Real>(fn, cvar ? "cvar" : "var", loss);
}

template <class Real, class S>
[[nodiscard]] Real historical_series(std::string_view fn, const S& returns, std::string_view name,
                                     const historical_options& o, bool cvar) {
  check_historical(fn, o);
  std::vector<accum_t<Real>> x = historical_sample<accum_t<Real>>(fn, returns, name, o.ewma_lambda, o.filter);
  return historical_loss<Real>(fn, summarize_tail(x.data(), ssize(x), 1 - o.confidence), o.value, cvar);
}

/// historical_risk: one sample (copied and filtered once), then each level's tail. Each
/// summarize_tail reorders x, which changes no level's numbers: a quantile is an order
/// statistic and the tail is summed after sorting.
template <class Real, class S>
[[nodiscard]] var_result<Real> historical_levels(std::string_view fn, const S& returns, std::string_view name,
                                                 const historical_risk_options& o) {
  check_historical(fn, o);
  std::vector<accum_t<Real>> x = historical_sample<accum_t<Real>>(fn, returns, name, o.ewma_lambda, o.filter);
  var_result<Real> out;
  out.confidences = o.confidence;
  for (const double c : o.confidence) {
    const auto t = summarize_tail(x.data(), ssize(x), 1 - c);
    out.vars.push_back(historical_loss<Real>(fn, t, o.value, false));
    out.cvars.push_back(historical_loss<Real>(fn, t, o.value, true));
  }
  return out;
}

}  // namespace detail

/// Historical VaR of a return series: minus the empirical quantile of level p = 1 - c by
/// linear interpolation between order statistics at position h = (n - 1) p (numpy's default,
/// empyrical's value_at_risk with cutoff p), times value. With ewma_lambda, returns are
/// first filtered (see historical_options).
/// \pre n >= 1 (insufficient_data); finite returns, confidence in (0, 1), value positive and
///      finite, ewma_lambda in (0, 1) (invalid_input).
/// \returns the VaR; negative when the quantile is a gain. Ref: Jorion (2007) ch. 10; Hull
///          and White (1998).
template <PlainSeries S>
[[nodiscard]] auto historical_var(const S& returns, historical_options options = {}) {
  return detail::historical_series<detail::range_result_t<S>>("historical_var", returns, "returns", options, false);
}

/// Historical CVaR of a return series: minus the mean of the k = floor((n - 1) p) + 1
/// smallest returns (empyrical's conditional_value_at_risk), times value.
/// \pre as historical_var. \returns the CVaR (>= historical_var at the same level).
/// Ref: Rockafellar and Uryasev (2000); Acerbi and Tasche (2002).
template <PlainSeries S>
[[nodiscard]] auto historical_cvar(const S& returns, historical_options options = {}) {
  return detail::historical_series<detail::range_result_t<S>>("historical_cvar", returns, "returns", options, true);
}

/// Historical VaR of a portfolio from a T x N returns panel: the series form on R w.
/// \pre weights.size() == returns.cols(), T >= 1, finite cells; options as the series form.
/// \returns the VaR. Ref: Jorion (2007) ch. 10.
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto historical_var(const W& weights, const Eigen::MatrixBase<Derived>& returns,
                                  historical_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  const auto rp = detail::portfolio_returns<detail::accum_t<real>>("historical_var", weights, returns);
  return detail::historical_series<real>("historical_var", rp, "portfolio returns", options, false);
}

/// Historical CVaR of a portfolio from a T x N returns panel: the series form on R w.
/// \pre as historical_var's panel form. \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto historical_cvar(const W& weights, const Eigen::MatrixBase<Derived>& returns,
                                   historical_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  const auto rp = detail::portfolio_returns<detail::accum_t<real>>("historical_cvar", weights, returns);
  return detail::historical_series<real>("historical_cvar", rp, "portfolio returns", options, true);
}

/// Historical VaR and CVaR of a return series at every level from one copy of the returns
/// (filtered once with ewma_lambda): per level the numbers of historical_var and
/// historical_cvar (the same bits), each level one selection over the n returns.
/// \pre n >= 1 (insufficient_data); finite returns; at least one level, each in (0, 1) (named
///      confidence[i]); value positive and finite, ewma_lambda in (0, 1) (invalid_input).
/// \returns var_result{confidences, vars, cvars}. Ref: Jorion (2007) ch. 10; Acerbi and Tasche (2002).
template <PlainSeries S>
[[nodiscard]] var_result<detail::range_result_t<S>> historical_risk(const S& returns,
                                                                    const historical_risk_options& options = {}) {
  return detail::historical_levels<detail::range_result_t<S>>("historical_risk", returns, "returns", options);
}

/// Historical VaR and CVaR of a portfolio at every level from a T x N returns panel: R w once,
/// then as the series form.
/// \pre as historical_var's panel form, levels as the series form.
/// \returns var_result of the portfolio. Ref: Jorion (2007) ch. 10.
template <PlainSeries W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] var_result<detail::result_t<detail::value_t<W>, typename Derived::Scalar>> historical_risk(
    const W& weights, const Eigen::MatrixBase<Derived>& returns, const historical_risk_options& options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  const auto rp = detail::portfolio_returns<detail::accum_t<real>>("historical_risk", weights, returns);
  return detail::historical_levels<real>("historical_risk", rp, "portfolio returns", options);
}

// ---------------------------------------------------------------------------------------------
// Dated forms: the series forms on the values of a dated series, whose keys locate bad values.

namespace detail {

/// Calls f on the values of a dated return series without its missing (NaN) rows, by the one
/// missing-day rule of the dated forms (detail/present.hpp); on the values themselves, with no
/// copy, when no day is missing. Keys must increase strictly and an infinity is invalid_input
/// naming its date (check_dated).
template <class D, class F>
auto on_observed(std::string_view fn, const D& returns, const F& f) {
  const auto& v = keel::values(returns);
  auto vf = std::ranges::begin(v);
  bool missing = false;
  for (std::ptrdiff_t i = 0; i < ssize(v) && !missing; ++i) missing = std::isnan(vf[i]);
  if (missing) return f(present_values(fn, returns));
  check_dated(fn, series_name(returns, "returns"), keel::keys(returns), v);
  return f(v);
}

}  // namespace detail

/// Parametric VaR of a dated return series: the series form on its values.
/// \pre as the series form; strictly increasing keys; NaN rows (missing days) are skipped, an infinity is invalid_input
/// naming its date. \returns the VaR. Ref: Jorion (2007) ch. 5.
template <DatedSeries D>
[[nodiscard]] auto parametric_var(const D& returns, parametric_options options = {}) {
  return detail::on_observed("parametric_var", returns, [&](const auto& v) { return parametric_var(v, options); });
}

/// Parametric CVaR of a dated return series: the series form on its values.
/// \pre as parametric_var's dated form. \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <DatedSeries D>
[[nodiscard]] auto parametric_cvar(const D& returns, parametric_options options = {}) {
  return detail::on_observed("parametric_cvar", returns, [&](const auto& v) { return parametric_cvar(v, options); });
}

/// Parametric VaR and CVaR at every level of a dated return series: the series form on its values.
/// \pre as parametric_var's dated form, levels as parametric_risk. \returns var_result.
/// Ref: Jorion (2007) ch. 5.
template <DatedSeries D>
[[nodiscard]] auto parametric_risk(const D& returns, const parametric_risk_options& options = {}) {
  return detail::on_observed("parametric_risk", returns, [&](const auto& v) { return parametric_risk(v, options); });
}

/// Modified VaR of a dated return series: the series form on its values.
/// \pre as the series form; strictly increasing keys; NaN rows (missing days) are skipped, an infinity is invalid_input
/// naming its date. \returns cornish_fisher_result. Ref: Favre and Galeano (2002).
template <DatedSeries D>
[[nodiscard]] auto cornish_fisher_var(const D& returns, cornish_fisher_options options = {}) {
  return detail::on_observed("cornish_fisher_var", returns,
                             [&](const auto& v) { return cornish_fisher_var(v, options); });
}

/// Modified VaR and ES at every level of a dated return series: the series form on its values.
/// \pre as cornish_fisher_var's dated form, levels as cornish_fisher_risk.
/// \returns cornish_fisher_risk_result. Ref: Boudt, Peterson and Croux (2008).
template <DatedSeries D>
[[nodiscard]] auto cornish_fisher_risk(const D& returns, const cornish_fisher_risk_options& options = {}) {
  return detail::on_observed("cornish_fisher_risk", returns,
                             [&](const auto& v) { return cornish_fisher_risk(v, options); });
}

/// Historical VaR of a dated return series: the series form on its values.
/// \pre as the series form; strictly increasing keys; NaN rows (missing days) are skipped, an infinity is invalid_input
/// naming its date. \returns the VaR. Ref: Jorion (2007) ch. 10.
template <DatedSeries D>
[[nodiscard]] auto historical_var(const D& returns, historical_options options = {}) {
  return detail::on_observed("historical_var", returns, [&](const auto& v) { return historical_var(v, options); });
}

/// Historical CVaR of a dated return series: the series form on its values.
/// \pre as historical_var's dated form. \returns the CVaR. Ref: Rockafellar and Uryasev (2000).
template <DatedSeries D>
[[nodiscard]] auto historical_cvar(const D& returns, historical_options options = {}) {
  return detail::on_observed("historical_cvar", returns, [&](const auto& v) { return historical_cvar(v, options); });
}

/// Historical VaR and CVaR at every level of a dated return series: the series form on its values.
/// \pre as historical_var's dated form, levels as historical_risk. \returns var_result.
/// Ref: Jorion (2007) ch. 10.
template <DatedSeries D>
[[nodiscard]] auto historical_risk(const D& returns, const historical_risk_options& options = {}) {
  return detail::on_observed("historical_risk", returns, [&](const auto& v) { return historical_risk(v, options); });
}

/// Euler decomposition of the parametric VaR and CVaR of a portfolio (Tasche 2000):
/// marginal_i = value (-[include_mean] mu_i h + k sqrt(h) (cov w)_i / sigma_p), k the VaR or
/// CVaR factor of parametric_var / parametric_cvar, component_i = w_i marginal_i; the
/// components sum to the totals (to 1e-12 relative). A riskless portfolio (sigma_p = 0) has
/// marginals -mu_i h (value x).
/// \pre as parametric_var(weights, mean, cov).
/// \returns var_decomposition{var, cvar, marginal_vars, component_vars, marginal_cvars,
///          component_cvars}. Ref: Tasche (2000); Jorion (2007) ch. 7 (component VaR).
template <Series W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] auto parametric_component_var(const W& weights, const M& mean, const Eigen::MatrixBase<Derived>& cov,
                                            parametric_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, detail::value_t<M>, typename Derived::Scalar>;
  constexpr std::string_view fn = "parametric_component_var";
  detail::check_parametric(fn, options);
  const detail::mean_cov in = detail::check_mean_cov(fn, weights, mean, cov);
  const detail::portfolio_sigma s = detail::sigma_of(fn, in);
  const detail::sigma_factors k = detail::distribution_factors(fn, options.confidence, options.distribution);
  const double h = options.horizon, root_h = std::sqrt(h), value = options.value;
  var_decomposition<real> out;
  const double mu_p = in.w.dot(in.mu);
  out.var =
      detail::rounded<real>(fn, "var", detail::parametric_loss(mu_p, s.sigma, k.var, h, options.include_mean, value));
  out.cvar =
      detail::rounded<real>(fn, "cvar", detail::parametric_loss(mu_p, s.sigma, k.cvar, h, options.include_mean, value));
  const auto n = detail::uz(in.w.size());
  for (auto* v : {&out.marginal_vars, &out.component_vars, &out.marginal_cvars, &out.component_cvars}) v->resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    const double mean_term = options.include_mean ? -in.mu(ii) * h : 0.0;
    const double risk = s.sigma > 0 ? root_h * s.cov_w(ii) / s.sigma : 0.0;
    const double mv = value * (mean_term + k.var * risk);
    const double mc = value * (mean_term + k.cvar * risk);
    out.marginal_vars[i] = detail::rounded<real>(fn, "marginal_vars", mv);
    out.component_vars[i] = detail::rounded<real>(fn, "component_vars", in.w(ii) * mv);
    out.marginal_cvars[i] = detail::rounded<real>(fn, "marginal_cvars", mc);
    out.component_cvars[i] = detail::rounded<real>(fn, "component_cvars", in.w(ii) * mc);
  }
  detail::require_finite_decomposition(fn, out);
  return out;
}

namespace detail {

/// The historical decomposition: the scenarios of the portfolio's tail, ordered by (return,
/// date), give each position's loss on them (see historical_component_var).
template <class Real, class Derived, class Acc>
[[nodiscard]] var_decomposition<Real> historical_decomposition(std::string_view fn, const Eigen::Matrix<Acc, -1, 1>& w,
                                                               const Eigen::MatrixBase<Derived>& returns,
                                                               const Eigen::Matrix<Acc, -1, 1>& rp,
                                                               const historical_options& o) {
  const std::ptrdiff_t t = rp.size(), n = w.size();
  std::vector<Acc> x(rp.data(), rp.data() + t), scale(uz(t), Acc(1));
  if (o.ewma_lambda) ewma_scales(x.data(), t, *o.ewma_lambda, scale);
  if (o.filter) given_scales(fn, *o.filter, t, scale);
  for (std::ptrdiff_t i = 0; i < t; ++i) x[uz(i)] *= scale[uz(i)];
  const double p = 1 - o.confidence;
  const quantile_position q = type7_position(t, p);
  const std::ptrdiff_t k = q.lo + 1;
  std::vector<std::ptrdiff_t> idx;
  order_tail_indices(x.data(), t, std::min(t, k + 1), idx);
  const std::ptrdiff_t lo = idx[uz(q.lo)], hi = k < t ? idx[uz(k)] : lo;
  const Acc g = static_cast<Acc>(q.frac), value = static_cast<Acc>(o.value);
  const auto cell = [&](std::ptrdiff_t s, std::ptrdiff_t j) { return static_cast<Acc>(returns(s, j)) * scale[uz(s)]; };
  var_decomposition<Real> out;
  out.var = rounded<Real>(fn, "var", -value * (x[uz(lo)] + g * (x[uz(hi)] - x[uz(lo)])));
  Acc tail = 0;
  for (std::ptrdiff_t r = 0; r < k; ++r) tail += x[uz(idx[uz(r)])];
  out.cvar = rounded<Real>(fn, "cvar", -value * tail / static_cast<Acc>(k));
  for (auto* v : {&out.marginal_vars, &out.component_vars, &out.marginal_cvars, &out.component_cvars}) v->resize(uz(n));
  for (std::ptrdiff_t j = 0; j < n; ++j) {
    const Acc mv = -value * (cell(lo, j) + g * (cell(hi, j) - cell(lo, j)));
    Acc sum = 0;
    for (std::ptrdiff_t r = 0; r < k; ++r) sum += cell(idx[uz(r)], j);
    const Acc mc = -value * sum / static_cast<Acc>(k);
    out.marginal_vars[uz(j)] = rounded<Real>(fn, "marginal_vars", mv);
    out.component_vars[uz(j)] = rounded<Real>(fn, "component_vars", w(j) * mv);
    out.marginal_cvars[uz(j)] = rounded<Real>(fn, "marginal_cvars", mc);
    out.component_cvars[uz(j)] = rounded<Real>(fn, "component_cvars", w(j) * mc);
  }
  require_finite_decomposition(fn, out);
  return out;
}

}  // namespace detail

/// Euler decomposition of the historical VaR and CVaR of a portfolio: with the portfolio's
/// returns ordered (ties by the earlier date), marginal VaR_i is minus asset i's return
/// interpolated between the two scenarios that set the VaR quantile, and marginal CVaR_i minus
/// its mean return over the k tail scenarios (the tail-conditional expectations of Tasche
/// 2000; filtered by the portfolio's EWMA scale with ewma_lambda). Components sum to the
/// totals up to rounding and equal the derivative of historical_var in w (the scenario order
/// is locally constant).
/// \pre as historical_var's panel form.
/// \returns var_decomposition (see parametric_component_var). Ref: Tasche (2000); Hallerbach (2003).
template <Series W, class Derived>
  requires detail::panel<Derived>
[[nodiscard]] auto historical_component_var(const W& weights, const Eigen::MatrixBase<Derived>& returns,
                                            historical_options options = {}) {
  using real = detail::result_t<detail::value_t<W>, typename Derived::Scalar>;
  using acc = detail::accum_t<real>;
  constexpr std::string_view fn = "historical_component_var";
  detail::check_historical(fn, options);
  detail::require_observations(fn, 1, returns.rows(), "returns");
  const auto rp = detail::portfolio_returns<acc>(fn, weights, returns);
  Eigen::Matrix<acc, -1, 1> w(returns.cols());
  auto wf = std::ranges::begin(weights);
  for (Eigen::Index j = 0; j < w.size(); ++j) w(j) = static_cast<acc>(wf[j]);
  return detail::historical_decomposition<real>(fn, w, returns, rp, options);
}

namespace detail {

inline constexpr std::ptrdiff_t mc_block_paths = 1024;  ///< paths per stream (part of the stream layout)
inline constexpr std::ptrdiff_t mc_chunk_paths = 64;    ///< paths whose draws are held at once

/// A Monte Carlo problem after checking: the factor F of the covariance (F F' = cov), the
/// projection b = F' w that makes each path O(N), and the draws' law.
struct mc_plan {
  Eigen::MatrixXd factor;  // F, N x N
  Eigen::VectorXd b;       // F' w
  Eigen::VectorXd w, mu;
  double mean = 0;     // w' mu h
  double horizon = 1;  // h
  double root_h = 1;
  double dof = 0;  // 0: normal
  std::ptrdiff_t paths = 0;
  std::uint64_t seed = 0;
  int threads = 1;
};

/// F with F F' = cov: Cholesky (LLT); a singular positive semi-definite cov through its
/// eigen decomposition V diag(sqrt(lambda)); singular_problem for an indefinite one.
KEEL_DECL [[nodiscard]] Eigen::MatrixXd covariance_factor(std::string_view fn, const Eigen::MatrixXd& cov);

/// Checks the options of a Monte Carlo VaR (invalid_input naming the option).
KEEL_DECL void check_mc_options(std::string_view fn, const mc_options& o);

/// The plan of checked inputs (see mc_plan): the covariance factor, the projection F' w and
/// the thread count.
KEEL_DECL [[nodiscard]] mc_plan plan_of(std::string_view fn, const mean_cov& in, const mc_options& o);

template <class W, class M, class Derived>
[[nodiscard]] mc_plan make_mc_plan(std::string_view fn, const W& weights, const M& mean,
                                   const Eigen::MatrixBase<Derived>& cov, const mc_options& o) {
  check_mc_options(fn, o);
  return plan_of(fn, check_mean_cov(fn, weights, mean, cov), o);
}

/// VaR, CVaR and their standard errors at each level from the path returns (reordered).
KEEL_DECL [[nodiscard]] mc_result summarize_paths(std::string_view fn, std::vector<double>& r,
                                                  const std::vector<double>& levels);

/// The returns of the plan's paths, in path order (blocks on plan.threads threads).
KEEL_DECL [[nodiscard]] std::vector<double> simulate_paths(const mc_plan& plan);

/// The Euler components of the paths' VaR and CVaR (see monte_carlo_component_var), the
/// draws regenerated from the plan's streams.
KEEL_DECL [[nodiscard]] mc_decomposition decompose_paths(const mc_plan& plan, const std::vector<double>& r,
                                                         const std::vector<double>& levels);

}  // namespace detail

/// Monte Carlo VaR and CVaR of a linear portfolio: `paths` draws r = mu h + sqrt(h) F z
/// (F F' = cov: Cholesky, or an eigen factor for a singular PSD cov; z standard normal, or
/// for student_t{nu} z sqrt((nu - 2) / X), X ~ chi-squared(nu): a multivariate t with
/// covariance cov), portfolio return w' r = w' mu h + sqrt(h) s (F' w) . z, O(N) per path.
/// VaR per level is minus the type-7 quantile of the path returns and CVaR minus the mean of
/// the floor((n-1) p) + 1 worst, as historical_var / historical_cvar. Standard errors:
/// VaR from the order statistics one binomial standard deviation in rank either side; CVaR
/// sqrt((Var(tail) + c (CVaR - VaR)^2) / (n p)) (Manistre and Hancock 2005).
/// Paths are simulated in blocks of 1024, block b from Philox stream (seed, b)
/// (detail/random.hpp), so results are bit-identical for the same seed on any thread count.
/// Memory: 8 bytes per path plus 64 x N doubles per thread.
/// \pre paths >= 100, horizon > 0, every confidence in (0, 1) and at least one, threads >= 0,
///      dof > 2 (invalid_input); inputs as parametric_var(weights, mean, cov); singular_problem
///      for an indefinite cov.
/// \returns mc_result{confidences, vars, cvars, var_stderrs, cvar_stderrs, paths}, as fractions
///          of value (computed in double). Ref: Glasserman, "Monte Carlo Methods in Financial
///          Engineering" (2003) ch. 9; Jorion (2007) ch. 12.
template <Series W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] mc_result monte_carlo_var(const W& weights, const M& mean, const Eigen::MatrixBase<Derived>& cov,
                                        const mc_options& options = {}) {
  const detail::mc_plan plan = detail::make_mc_plan("monte_carlo_var", weights, mean, cov, options);
  std::vector<double> r = detail::simulate_paths(plan);
  return detail::summarize_paths("monte_carlo_var", r, options.confidence);
}

/// Monte Carlo Euler decomposition: component CVaR_i = w_i E[-r_i | the k worst paths] (the
/// paths of monte_carlo_var's CVaR; they sum to its CVaR up to rounding) and component VaR_i
/// = w_i E[-r_i | the paths ranked within one binomial standard deviation of the VaR rank],
/// rescaled to sum to the VaR (a kernel estimator, as PerformanceAnalytics' portfolio VaR
/// contributions). The draws are simulated twice (once for the totals, once for the tail
/// paths, regenerated from their counters): about twice monte_carlo_var's time; memory 28
/// bytes per path.
/// \pre as monte_carlo_var, and paths < 2^31. \returns mc_decomposition{totals, component_vars, component_cvars}
///      (levels x positions). Ref: Tasche (2000); Glasserman, "Measuring marginal risk
///      contributions in credit portfolios", J. Comput. Finance 9 (2005).
template <Series W, Series M, class Derived>
  requires std::floating_point<typename Derived::Scalar>
[[nodiscard]] mc_decomposition monte_carlo_component_var(const W& weights, const M& mean,
                                                         const Eigen::MatrixBase<Derived>& cov,
                                                         const mc_options& options = {}) {
  const detail::mc_plan plan = detail::make_mc_plan("monte_carlo_component_var", weights, mean, cov, options);
  const std::vector<double> r = detail::simulate_paths(plan);
  return detail::decompose_paths(plan, r, options.confidence);
}

namespace detail {

/// x ln(y) with the convention 0 ln 0 = 0 (a likelihood term of a count that is zero).
[[nodiscard]] inline double xlogy(double x, double y) { return x == 0 ? 0.0 : x * std::log(y); }

inline void check_counts(std::string_view fn, std::ptrdiff_t breaches, std::ptrdiff_t observations) {
  if (observations < 1) throw_bad_option(fn, "observations", static_cast<double>(observations), "at least 1");
  if (breaches < 0 || breaches > observations)
    throw invalid_input(message(fn, "breaches = " + std::to_string(breaches) +
                                        " must be between 0 and observations = " + std::to_string(observations)));
}

/// Kupiec's LR (see kupiec_result), from the log-likelihoods with 0 ln 0 = 0; >= 0.
[[nodiscard]] inline double kupiec_lr(double x, double t, double p) {
  const double null_ll = xlogy(t - x, 1 - p) + xlogy(x, p);
  const double alt_ll = xlogy(t - x, 1 - x / t) + xlogy(x, x / t);
  return std::max(0.0, -2 * (null_ll - alt_ll));
}

}  // namespace detail

/// Kupiec's proportion-of-failures test of a VaR model: with x breaches in T days and p = 1 -
/// confidence, LR = -2 ln[(1-p)^(T-x) p^x] + 2 ln[(1-x/T)^(T-x) (x/T)^x] (0 ln 0 = 0), which
/// is chi-squared(1) when the breach probability is p.
/// \pre 1 <= observations, 0 <= breaches <= observations, options.confidence and significance
///      in (0, 1) (invalid_input).
/// \returns kupiec_result{lr_statistic, p_value, reject}. Ref: Kupiec (1995).
KEEL_DECL [[nodiscard]] kupiec_result kupiec_test(std::ptrdiff_t breaches, std::ptrdiff_t observations,
                                                  var_backtest_options options = {});

/// Kupiec's test with the confidence positional (the signature before issue 18). The level is
/// a deduced floating-point type, so that `kupiec_test(b, n, {})` is the options form.
template <std::floating_point C>
[[deprecated("use kupiec_test(breaches, observations, {.confidence = c})")]] [[nodiscard]] kupiec_result kupiec_test(
    std::ptrdiff_t breaches, std::ptrdiff_t observations, C confidence, var_backtest_options options = {}) {
  options.confidence = static_cast<double>(confidence);
  return kupiec_test(breaches, observations, options);
}

/// Christoffersen's tests on a breach sequence (true: a breach). Independence: with n_ij the
/// transitions i -> j, pi_0 = n01 / (n00 + n01), pi_1 = n11 / (n10 + n11), pi = (n01 + n11) /
/// (T - 1), LR_ind = -2 ln[(1-pi)^(n00+n10) pi^(n01+n11)] + 2 ln[(1-pi_0)^n00 pi_0^n01
/// (1-pi_1)^n10 pi_1^n11] ~ chi-squared(1); conditional coverage LR_cc = LR_pof (Kupiec, on
/// all T days) + LR_ind ~ chi-squared(2). 0 ln 0 = 0, so no breach, all breaches or a state
/// never left give LR_ind = 0.
/// \pre hits holds bool or integer values, at least 2; options.confidence and significance in
///      (0, 1) (invalid_input / insufficient_data).
/// \returns christoffersen_result (see its fields). Ref: Christoffersen (1998).
template <std::ranges::random_access_range R>
  requires std::ranges::sized_range<R> &&
      (std::same_as<std::ranges::range_value_t<R>, bool> || std::integral<std::ranges::range_value_t<R>>)
          [[nodiscard]] christoffersen_result christoffersen_test(const R& hits, var_backtest_options options = {}) {
    constexpr std::string_view fn = "christoffersen_test";
    const double confidence = options.confidence;
    detail::require_probability(fn, "confidence", confidence);
    detail::require_probability(fn, "significance", options.significance);
    const std::ptrdiff_t t = detail::ssize(hits);
    detail::require_observations(fn, 2, t, "days");
    christoffersen_result out;
    auto f = std::ranges::begin(hits);
    std::ptrdiff_t breaches = static_cast<bool>(f[0]) ? 1 : 0;
    for (std::ptrdiff_t i = 1; i < t; ++i) {
      const bool a = static_cast<bool>(f[i - 1]), b = static_cast<bool>(f[i]);
      breaches += b ? 1 : 0;
      (a ? (b ? out.n11 : out.n10) : (b ? out.n01 : out.n00)) += 1;
    }
    const auto d = [](std::ptrdiff_t v) { return static_cast<double>(v); };
    const double pi0 = out.n00 + out.n01 > 0 ? d(out.n01) / d(out.n00 + out.n01) : 0.0;
    const double pi1 = out.n10 + out.n11 > 0 ? d(out.n11) / d(out.n10 + out.n11) : 0.0;
    const double pi = d(out.n01 + out.n11) / d(t - 1);
    using detail::xlogy;
    const double null_ll = xlogy(d(out.n00 + out.n10), 1 - pi) + xlogy(d(out.n01 + out.n11), pi);
    const double alt_ll =
        xlogy(d(out.n00), 1 - pi0) + xlogy(d(out.n01), pi0) + xlogy(d(out.n10), 1 - pi1) + xlogy(d(out.n11), pi1);
    out.lr_independence = std::max(0.0, -2 * (null_ll - alt_ll));
    out.p_independence = detail::chi_squared_upper(out.lr_independence, 1);
    out.reject_independence = out.p_independence < options.significance;
    out.lr_conditional_coverage = detail::kupiec_lr(d(breaches), d(t), 1 - confidence) + out.lr_independence;
    out.p_conditional_coverage = detail::chi_squared_upper(out.lr_conditional_coverage, 2);
    out.reject_conditional_coverage = out.p_conditional_coverage < options.significance;
    return out;
  }

  /// Christoffersen's tests with the confidence positional (the signature before issue 18).
  template <std::ranges::random_access_range R>
    requires std::ranges::sized_range<R> &&
        (std::same_as<std::ranges::range_value_t<R>, bool> || std::integral<std::ranges::range_value_t<R>>)
            [[deprecated("use christoffersen_test(hits, {.confidence = c})")]] [[nodiscard]] christoffersen_result
        christoffersen_test(const R& hits, std::floating_point auto confidence, var_backtest_options options = {}) {
      options.confidence = static_cast<double>(confidence);
      return christoffersen_test(hits, options);
    }

    /// The Basel traffic light of `breaches` VaR breaches in `observations` days at `confidence`:
    /// zone from P(X <= breaches), X ~ Binomial(observations, 1 - confidence): green below 95%,
    /// yellow below 99.99%, red from 99.99% (at 250 days and 99%: green 0-4, yellow 5-9, red 10+).
    /// Plus factor (Basel Committee 1996, Table 2): green 0; yellow 0.40, 0.50, 0.65, 0.75, 0.85
    /// for 5..9 breaches; red 1. Other samples take the yellow row whose cumulative probability at
    /// 250 days and 99% is the largest not above theirs, so that the same evidence gets the same
    /// factor.
    /// Basel's own sample is 250 days at options.confidence = 0.99 (the default).
    /// \pre 1 <= observations, 0 <= breaches <= observations, options.confidence in (0, 1)
    ///      (invalid_input).
    /// \returns traffic_light_result{zone, plus_factor, multiplier, cumulative_probability}.
    /// Ref: Basel Committee on Banking Supervision (1996), backtesting framework, Table 2.
    KEEL_DECL [[nodiscard]] traffic_light_result traffic_light(std::ptrdiff_t breaches, std::ptrdiff_t observations,
                                                               traffic_light_options options = {});

    /// The traffic light of 250 days at 99% (the signature before issue 18).
    [[deprecated("use traffic_light(breaches, 250)")]] [[nodiscard]] inline traffic_light_result traffic_light(
        std::ptrdiff_t breaches) {
      return traffic_light(breaches, 250);
    }

    /// The traffic light with the confidence positional (the signature before issue 18).
    [[deprecated("use traffic_light(breaches, observations, {.confidence = c})")]] [[nodiscard]] traffic_light_result
    traffic_light(std::ptrdiff_t breaches, std::ptrdiff_t observations, std::floating_point auto confidence) {
      return traffic_light(breaches, observations,
                           traffic_light_options{.confidence = static_cast<double>(confidence)});
    }

    namespace detail {

    template <class S1, class S2>
    [[nodiscard]] var_backtest_result backtest_series(std::string_view fn, const S1& returns, const S2& var_series,
                                                      const var_backtest_options& o) {
      const double confidence = o.confidence;
      const std::ptrdiff_t t = ssize(returns);
      require_same_size(fn, "returns", t, "var_series", ssize(var_series));
      require_probability(fn, "confidence", confidence);
      require_probability(fn, "significance", o.significance);
      require_observations(fn, 2, t, "days");
      require_finite(fn, "returns", returns);
      require_finite(fn, "var_series", var_series);
      std::vector<bool> hits(uz(t));
      auto rf = std::ranges::begin(returns);
      auto vf = std::ranges::begin(var_series);
      var_backtest_result out;
      for (std::ptrdiff_t i = 0; i < t; ++i) {
        hits[uz(i)] = -static_cast<double>(rf[i]) > static_cast<double>(vf[i]);
        out.breaches += hits[uz(i)] ? 1 : 0;
      }
      out.observations = t;
      out.breach_rate = static_cast<double>(out.breaches) / static_cast<double>(t);
      out.kupiec = kupiec_test(out.breaches, t, o);
      out.christoffersen = christoffersen_test(hits, o);
      out.basel = traffic_light(out.breaches, t, {.confidence = confidence});
      return out;
    }

    }  // namespace detail

    /// Backtest of a VaR series against the returns it forecast: day t is a breach when the loss
    /// -returns[t] exceeds var_series[t] (the VaR for day t, a positive fraction, computed before
    /// it), then kupiec_test, christoffersen_test and traffic_light on the breaches.
    /// \pre same lengths, at least 2 days, finite values, options.confidence and significance in
    ///      (0, 1) (invalid_input / insufficient_data).
    /// \returns var_backtest_result{breaches, observations, breach_rate, kupiec, christoffersen, basel}
    ///          (basel: traffic_light at options.confidence).
    /// Ref: Jorion (2007) ch. 6; Christoffersen (1998); Basel Committee (1996).
    template <PlainSeries S1, PlainSeries S2>
    [[nodiscard]] var_backtest_result var_backtest(const S1& returns, const S2& var_series,
                                                   var_backtest_options options = {}) {
      return detail::backtest_series("var_backtest", returns, var_series, options);
    }

    /// Backtest of dated returns against a dated VaR series, aligned on their keys first (inner
    /// join; rows with a NaN dropped). \pre as the series form, and strictly increasing keys.
    /// \returns var_backtest_result over the common dates. Ref: as the series form.
    template <DatedSeries D1, DatedSeries D2>
    [[nodiscard]] var_backtest_result var_backtest(const D1& returns, const D2& var_series,
                                                   var_backtest_options options = {}) {
      const auto aligned = align(returns, var_series);
      return detail::backtest_series("var_backtest", aligned.first, aligned.second, options);
    }

    /// var_backtest with the confidence positional (the signature before issue 18).
    template <PlainSeries S1, PlainSeries S2>
    [[deprecated("use var_backtest(returns, var_series, {.confidence = c})")]] [[nodiscard]] var_backtest_result
    var_backtest(const S1& returns, const S2& var_series, std::floating_point auto confidence,
                 var_backtest_options options = {}) {
      options.confidence = static_cast<double>(confidence);
      return var_backtest(returns, var_series, options);
    }

    /// var_backtest of dated series with the confidence positional (the signature before issue 18).
    template <DatedSeries D1, DatedSeries D2>
    [[deprecated("use var_backtest(returns, var_series, {.confidence = c})")]] [[nodiscard]] var_backtest_result
    var_backtest(const D1& returns, const D2& var_series, std::floating_point auto confidence,
                 var_backtest_options options = {}) {
      options.confidence = static_cast<double>(confidence);
      return var_backtest(returns, var_series, options);
    }

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/var-inl.hpp>
#endif
