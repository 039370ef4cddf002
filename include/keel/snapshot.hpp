// SPDX-License-Identifier: MIT
// keel/snapshot.hpp: a portfolio's full risk snapshot from holdings and a price table, as one
// library call over the capability headers.
//
// Synopsis
//   prepare_universe(prices, snapshot_options{.market, ...})  -> snapshot_universe: the window's
//                                   returns panel and every asset statistic, computed once
//   summarize_risk(holdings, universe, options)   -> risk_summary: the cheap per-portfolio summary
//   risk_snapshot(holdings, prices, options)      -> snapshot: every section of the report
//   risk_snapshot(holdings, universe, options)    the same from a prepared universe
//   equal_weighted_returns(prices)              -> the equal-weighted market's dated returns
//   serialize_universe(universe) / deserialize_universe(bytes)
//                                   a universe as bytes (MPI broadcast, a cache), bit for bit
//   holding (keel/portfolio.hpp) and the limits (keel/limits.hpp: risk_limit, evaluate_limits)
//
// One pipeline: prices -> simple returns over the `window` returns ending at as_of (the last
// date on or before options.as_of) -> per asset: market_beta, the sample covariance (n - 1),
// volatilities (sample standard deviation, annualised) -> portfolio results, each computed by
// the capability header that owns it (beta.hpp, concentration.hpp, volatility.hpp, har.hpp,
// var.hpp, performance.hpp, stress.hpp, hedge.hpp, frontier.hpp, construction.hpp, garch.hpp,
// factor_model.hpp).
//
// Conventions
//   - Market value v_i = quantity_i x the last finite price on or before as_of; the net value
//     V = sum_i v_i must be positive; weights w_i = v_i / V (shorts negative; weights sum to 1;
//     gross leverage = sum |w_i|). The same symbol held twice is invalid_input.
//   - The market is the column options.market of the price table (for the bundled Dow 30 data:
//     DJ30, an equal-weight daily-rebalanced proxy index of the 30 stocks, see
//     examples/data/README.md). It may also be held.
//   - The portfolio's return series over the window is r_p,t = sum_i w_i r_i,t with today's
//     weights (the historical simulation of the current book); the portfolio beta is given both
//     value-weighted (sum w_i beta_i) and by market_beta of r_p on the market (they agree to
//     rounding: OLS is linear in the dependent variable).
//   - VaR and CVaR are losses as positive fractions of V (x V for currency). Horizons scale by
//     the square root of time, as var.hpp's `horizon` option does: parametric and Cornish-
//     Fisher: mean x h, standard deviation x sqrt(h); historical: the 1-day quantile x sqrt(h)
//     (zero-mean sqrt-time scaling of the empirical quantile, not overlapping h-day returns,
//     which a 252-day window has too few of); Monte Carlo: var.hpp's r = mu h + sqrt(h) L z.
//   - The VaR backtest compares each of the last backtest_days returns of r_p (today's weights,
//     history before the window included) with the parametric normal 1-day VaR at the largest
//     confidence of the `window` returns before it (var_backtest: Kupiec, Christoffersen, Basel
//     traffic light); fewer days when the data is shorter, no backtest below 2 days.
//   - Hedge: instruments options.hedge (default the market) with their universe beta and last
//     price; hedge_to_target_beta with whole contracts and min_cost. The orders trade against
//     cash, so V is unchanged and the post-trade weights are (v_i + notional_i) / V (they no
//     longer sum to 1). An instrument that is also held: its order is added to the holding; one
//     that is not becomes a position without a sector (left out of the sector limit).
//     Beside the plan, the hedge strategies side by side (options.hpp's compare_hedges over the
//     window's rows: unhedged, target beta, minimum variance, minimum tracking error to the
//     market, protective put and zero-cost collar at a 10% floor; 1-day Monte Carlo VaR and CVaR
//     at options.confidence with full revaluation, mc_paths paths from seed; the limits after
//     each). The options are written on the market column: options.index_options (an option
//     chain's terms), or else priced at the market's realised volatility with no rate, dividend
//     or spread (index_given says which). Without index_options, a comparison that cannot be
//     made leaves comparison_reason rather than failing the snapshot.
//   - Construction (section 10): the current book beside the long-only, fully invested
//     portfolios of the held assets from keel's optimisers, each from the window's sample
//     covariance and mean returns (annualised): minimum variance, maximum Sharpe (rf 0),
//     equal risk contribution, hierarchical risk parity and maximum diversification. Each row
//     gives the annualised mean return and volatility, the historical CVaR 95% (1 period) and
//     the maximum drawdown of its window returns R w, the diversification ratio, and the
//     turnover sum |w - w_current| to reach it. An optimiser with no answer for the book (a
//     singular covariance; no asset with a positive mean, for max Sharpe) gives its reason.
//     Beside them, the mean-CVaR frontier (efficient_cvar_return, 95%, the window's returns as
//     scenarios) from min_cvar's return to the largest mean return, in 11 points (up to 100
//     positions; beyond, its reason says it was not computed); its CVaR is
//     min_cvar's (Rockafellar and Uryasev's exact discrete CVaR), not historical_cvar's, and
//     each row also gives its CVaR in that convention (cvar_95_lp).
//   - Risk models (section 11): GARCH(1,1) (garch.hpp; normal, constant mean, backcast) fitted
//     to r_p over the window, its 1-day and 10-day volatility forecasts annualised as section 4's
//     (x sqrt(periods_per_year); the 10-day one both as the 10-day return's standard deviation and
//     as an annualised per-day equivalent), beside section 4's HAR forecast and realised
//     volatility. It never fails the snapshot: a fit that cannot be made leaves its reason, an
//     unconverged one is flagged. With options.factor_returns, the factor exposure breakdown
//     (factor_model.hpp): time_series_factor_model of the held assets on the factors over the
//     window's dates, factor_risk_decomposition of the weights, annualised; a factor table that
//     does not cover the window is invalid_input naming the first missing date and the count.
//   - The summary numbers of risk_snapshot come from summarize_risk's code path (bit for bit).
//   - Volatility windows longer than the estimation window are dropped; the frontier chart is
//     empty when the held assets' covariance is singular.
//
// References
//   P. Jorion, "Value at Risk", 3rd ed. (2007) (VaR, stress, limits); R. Litterman, "Hot spots
//   and hedges" (1996) (risk contributions); Basel Committee (1996) (backtesting); and the
//   references of each capability header.
/// \file
/// The risk snapshot: prepare_universe, summarize_risk, risk_snapshot.
#pragma once

#include <keel/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/beta.hpp>
#include <keel/concentration.hpp>
#include <keel/covariance.hpp>
#include <keel/error.hpp>
#include <keel/frontier.hpp>
#include <keel/har.hpp>
#include <keel/hedge.hpp>
#include <keel/limits.hpp>
#include <keel/options.hpp>
#include <keel/performance.hpp>
#include <keel/portfolio.hpp>
#include <keel/series.hpp>
#include <keel/stress.hpp>
#include <keel/var.hpp>
#include <keel/volatility.hpp>

namespace keel {

/// What prepare_universe does with a zero, negative or infinite price on or before as_of (a NaN
/// price is missing, not bad). The rule is series.hpp's price_returns, keel's one
/// price-to-returns kernel.
enum class bad_price_rule {
  reject,   ///< invalid_input naming the symbol, the date and the price (the default)
  exclude,  ///< the symbol is unusable, its reason that same text (the market's is still invalid_input)
};

/// Options of prepare_universe, summarize_risk and risk_snapshot, in the order.
struct snapshot_options {
  std::string market;                                               ///< market column symbol (required)
  std::optional<std::chrono::year_month_day> as_of = std::nullopt;  ///< default: the last date of the prices
  std::ptrdiff_t window = 252;                                      ///< returns in the estimation window (>= 60)
  std::vector<double> confidence = {0.95, 0.99};                    ///< VaR levels in (0, 1)
  std::vector<int> horizons = {1, 10};                              ///< VaR horizons in days (>= 1; sqrt-time scaling)
  std::optional<double> target_beta = std::nullopt;                 ///< hedge target; default 0.5 x current beta
  std::vector<std::string> hedge = {};                              ///< hedge instrument symbols; default {market}
  std::vector<risk_limit> limits = {};                              ///< limits to evaluate
  std::vector<std::pair<std::string, double>> benchmark = {};       ///< sector -> weight (may be empty)
  double periods_per_year = 252;                                    ///< annualisation; positive and finite
  std::ptrdiff_t mc_paths = 100000;                                 ///< Monte Carlo paths (>= 100)
  std::uint64_t seed = 1;                                           ///< Monte Carlo seed
  /// Called as sections complete (section name, fraction of the snapshot done in [0, 1]); may be empty.
  std::function<void(std::string_view section, double fraction)> progress = {};
  std::ptrdiff_t backtest_days = 250;   ///< days of the VaR backtest (ending at as_of)
  std::ptrdiff_t frontier_points = 25;  ///< points of the efficient frontier chart
  int mc_threads = 1;                   ///< Monte Carlo worker threads (1: deterministic single core; 0: all)
  bad_price_rule bad_prices = bad_price_rule::reject;  ///< a zero, negative or infinite price: error or exclude
  /// Factor returns for section 11's factor breakdown (risk_snapshot only): a dated table of
  /// per-period simple returns, one column per factor, dated like the universe's returns (the
  /// later date of each pair); keel-report --factors reads one with read_prices_csv. It must
  /// hold a finite return of every factor on every date of the window (other dates are
  /// ignored). Empty (the default): no factor breakdown.
  std::optional<return_table> factor_returns = std::nullopt;
  /// The index options of section 9's hedge comparison (compare_hedges' protective put and
  /// zero-cost collar, written on the market column): spot, rate, dividend yield, volatility,
  /// maturity, multiplier and half spread, e.g. from an option chain (keel-report --options).
  /// Empty (the default): spot the market's last price, volatility its annualised sample
  /// volatility over the window, rate and dividend yield 0, maturity 0.25, multiplier 100, no
  /// spread (the report says the options were priced so).
  std::optional<index_option_terms> index_options = std::nullopt;
};

/// The universe statistics computed once for many portfolios over one price table.
struct snapshot_universe {
  std::string market;                              ///< the market symbol
  std::chrono::year_month_day as_of{};             ///< the last price date used (on or before options.as_of)
  std::vector<std::chrono::year_month_day> dates;  ///< the window's return dates (T, the later date of each pair)
  std::vector<std::string> symbols;                ///< every symbol of the price table (N)
  Eigen::MatrixXd returns;                         ///< T x N simple returns over the window (NaN where missing)
  std::vector<double> market_returns;              ///< T market returns (finite)
  std::vector<double> last_prices;                 ///< per symbol: last finite price on or before as_of (NaN: none)
  std::vector<bool> usable;             ///< per symbol: every return of the window finite, a positive last price
  std::vector<std::string> reasons;     ///< per symbol: why it is unusable ("" when usable)
  std::vector<beta_fit<double>> betas;  ///< per symbol: market_beta over the window (default when unusable)
  Eigen::MatrixXd covariance;           ///< N x N sample covariance per period (n - 1; pairwise rows)
  Eigen::VectorXd means;                ///< per symbol: mean return per period over the window
  Eigen::VectorXd volatilities;         ///< per symbol: annualised sample standard deviation
  /// History before the window (up to backtest_days more returns, oldest first), for the VaR
  /// backtest: history_dates.size() rows of history_returns, then the window.
  std::vector<std::chrono::year_month_day> history_dates;
  Eigen::MatrixXd history_returns;  ///< history_dates.size() x N (NaN where missing)
  double periods_per_year = 252;    ///< annualisation used
};

/// Builds the universe: the window, the returns panel and each asset's statistics.
/// \pre options.market a symbol of the table (invalid_input naming it); as_of not before the
///      first date (invalid_input naming both dates); window + 1 prices up to as_of
///      (insufficient_data naming window and dates); window >= 60, periods_per_year positive and
///      finite; every
///      price on or before as_of positive and finite or NaN (missing): otherwise invalid_input
///      naming the symbol, the date and the price, as "AAPL[57] on 2000-03-27 = 0 is not
///      positive", or, with options.bad_prices = exclude, that symbol unusable with that text as
///      its reason (the market's bad price is still invalid_input).
/// \returns snapshot_universe (see its fields). A symbol with too few finite returns is marked
///          unusable with its reason, not thrown.
KEEL_DECL [[nodiscard]] snapshot_universe prepare_universe(const price_table& prices, const snapshot_options& options);

/// The equal-weighted market: on each date, the mean of the simple returns of the symbols that
/// have one that day (over the columns with a finite return; NaN when none has), summed in
/// column order. The market proxy for a price file without an index column (the bundled Dow
/// 30, whose DJ30 file is this index compounded from 100); daily rebalanced.
/// r_m,t = (1 / n_t) sum_{j observed at t} (P_j,t / P_j,t-1 - 1).
/// \returns one return per date after the first (the later date of each pair).
/// \throws invalid_input as simple_returns(const price_table&) (a price <= 0 or not finite,
///         naming the symbol and the date).
/// Ref: Sharpe (1963), "A simplified model for portfolio analysis" (an index as the market).
KEEL_DECL [[nodiscard]] dated_series<std::chrono::year_month_day, double> equal_weighted_returns(
    const price_table& prices);

/// The universe as bytes, to send to other processes (an MPI broadcast) or keep in a cache:
/// every field, doubles as their bytes, so deserialize_universe gives back the same universe
/// bit for bit (NaNs included). The format has a magic prefix and a version, and is read only
/// by the same keel version on a machine of the same byte order and double format.
/// \returns the bytes (about 8 (T + H) N + 8 N^2 bytes for T window dates, H history dates).
KEEL_DECL [[nodiscard]] std::string serialize_universe(const snapshot_universe& universe);

/// The universe serialize_universe wrote.
/// \returns the universe, equal field by field (bit for bit) to the one serialised.
/// \throws invalid_input for bytes it did not write: a wrong prefix or version, a truncated
///         buffer (naming the field and the offset), sizes that disagree (returns not T x N,
///         a per-symbol field not N long), an impossible date, or bytes left over.
KEEL_DECL [[nodiscard]] snapshot_universe deserialize_universe(std::string_view bytes);

/// A position's share of the portfolio's risk.
struct risk_contribution {
  std::string symbol;       ///< the position
  double contribution = 0;  ///< Euler contribution w_i (S w)_i / sigma_p, annualised volatility units
  double share = 0;         ///< contribution / sigma_p (shares sum to 1)
};

/// The cheap per-portfolio summary: O(N_p^2 + T N_p) from a universe.
struct risk_summary {
  double value = 0;                                 ///< net market value V
  double gross_value = 0;                           ///< sum |v_i|
  double beta = 0;                                  ///< value-weighted beta sum w_i beta_i
  double volatility = 0;                            ///< annualised sqrt(w'Sw x periods)
  double var_95 = 0;                                ///< parametric normal 1-day 95% VaR (fraction of V)
  double var_99 = 0;                                ///< parametric normal 1-day 99% VaR
  double cvar_95 = 0;                               ///< parametric normal 1-day 95% CVaR
  double cvar_99 = 0;                               ///< parametric normal 1-day 99% CVaR
  double historical_var_95 = 0;                     ///< historical_var of r_p at 95%
  double historical_var_99 = 0;                     ///< historical_var of r_p at 99%
  double historical_cvar_95 = 0;                    ///< historical_cvar of r_p at 95%
  double historical_cvar_99 = 0;                    ///< historical_cvar of r_p at 99%
  keel::concentration<double> concentration;        ///< concentration_metrics of the weights (gross)
  std::vector<risk_contribution> top_contributors;  ///< largest volatility contribution first, up to 5
  std::vector<limit_status> limits;                 ///< every options.limits entry with its value
  limit_values values;                              ///< every metric's value (whether limited or not)
  std::ptrdiff_t n = 0;                             ///< returns in the window
  std::chrono::year_month_day as_of{};              ///< the last price date used
};

/// The per-portfolio summary from a prepared universe.
/// \pre holdings non-empty, symbols unique and known (invalid_input naming it), usable
///      (insufficient_data naming the symbol and the window's dates), finite quantities, net
///      value > 0 (invalid_input).
/// \returns risk_summary (see its fields); the same numbers as risk_snapshot's same quantities,
///          bit for bit.
KEEL_DECL [[nodiscard]] risk_summary summarize_risk(std::span<const holding> holdings,
                                                    const snapshot_universe& universe, const snapshot_options& options);

/// What a section was computed over.
struct snapshot_inputs {
  std::chrono::year_month_day as_of{};  ///< the last price date used
  std::chrono::year_month_day first{};  ///< first return date of the window
  std::chrono::year_month_day last{};   ///< last return date of the window (= as_of)
  std::ptrdiff_t window = 0;            ///< returns in the window (n)
  std::string market;                   ///< the market symbol
};

/// Section 1: a position.
struct snapshot_position {
  std::string symbol;   ///< the symbol
  std::string sector;   ///< its sector ("" unclassified)
  double quantity = 0;  ///< held (negative: short)
  double price = 0;     ///< last price on or before as_of
  double value = 0;     ///< quantity x price
  double weight = 0;    ///< value / net value
};

/// Section 2: betas.
struct snapshot_betas {
  std::vector<beta_fit<double>> positions;  ///< market_beta per position (over the window)
  double value_weighted = 0;                ///< portfolio_beta(weights, betas)
  beta_fit<double> regressed;               ///< market_beta of the portfolio's own return series
};

/// Section 3: sector exposure and concentration.
struct snapshot_exposure {
  sector_exposures<double> sectors;           ///< sector_exposure of the weights vs options.benchmark
  keel::concentration<double> concentration;  ///< concentration_metrics (top 3 and 10)
};

/// Section 4: volatility.
struct snapshot_volatility {
  std::vector<std::ptrdiff_t> windows = {30, 60, 90};  ///< realised-volatility windows (days; those > window dropped)
  /// positions x windows: realized_volatility (sample sd, annualised) of each position's last w returns.
  Eigen::MatrixXd positions;
  /// per window: sqrt(w' S_w w x periods), S_w the sample covariance of the last w returns.
  std::vector<double> portfolio;
  double volatility = 0;                            ///< annualised, from the window's covariance
  har_volatility_result<double> har;                ///< har_volatility_forecast of r_p, 30 days ahead
  volatility_trend_result<double> trend;            ///< volatility_trend of r_p (30 vs 90 days)
  double percentile = 0;                            ///< volatility_percentile of r_p (30-day, over the window)
  double diversification_ratio = 0;                 ///< diversification_ratio(w, S)
  risk_contributions_result<double> contributions;  ///< risk_contributions(w, S x periods)
};

/// One VaR/CVaR estimate, as a fraction of V and in currency.
struct var_measure {
  double var = 0;            ///< VaR, fraction of V
  double cvar = 0;           ///< CVaR, fraction of V
  double var_currency = 0;   ///< var x V
  double cvar_currency = 0;  ///< cvar x V
};

/// VaR at one confidence and horizon, by every method.
struct snapshot_var_row {
  double confidence = 0;                         ///< the level
  int horizon = 1;                               ///< days
  var_measure parametric;                        ///< normal, covariance-based, with the mean
  cornish_fisher_result<double> cornish_fisher;  ///< modified VaR of r_p (empty var when not monotone)
  var_measure historical;                        ///< empirical quantile of r_p, x sqrt(h)
  var_measure monte_carlo;                       ///< monte_carlo_var (options.mc_paths, seed)
  double monte_carlo_var_stderr = 0;             ///< standard error of the Monte Carlo VaR
};

/// Section 5: VaR, components and backtest.
struct snapshot_var {
  std::vector<snapshot_var_row> rows;    ///< horizon-major: for each horizon, every confidence (in options' order)
  var_decomposition<double> components;  ///< parametric_component_var at the largest confidence, 1 day
  std::vector<risk_contribution> top_contributors;          ///< largest component VaR first (up to 5; share of VaR)
  std::optional<var_backtest_result> backtest;              ///< rolling 1-day parametric VaR at the largest confidence
  std::ptrdiff_t backtest_days = 0;                         ///< days backtested (up to options.backtest_days)
  std::vector<std::chrono::year_month_day> backtest_dates;  ///< the days backtested
};

/// Section 6: performance of r_p over the window.
struct snapshot_performance {
  double annual_return = 0;                              ///< annual_return (CAGR)
  double annual_volatility = 0;                          ///< annual_volatility (sample sd)
  double sharpe = 0;                                     ///< sharpe_ratio (risk-free 0)
  double sortino = 0;                                    ///< sortino_ratio (required return 0)
  dated_drawdown<std::chrono::year_month_day> drawdown;  ///< max_drawdown with dates
};

/// Section 7: stress.
struct snapshot_stress {
  std::vector<scenario> scenarios;  ///< builtin_scenarios()
  stress_result result;             ///< stress_test of the positions (value, beta)
};

/// Section 8: limits.
struct snapshot_limits {
  limit_values values;                ///< every metric
  std::vector<limit_status> limits;   ///< every limit with its value
  std::vector<limit_status> hard;     ///< breached hard limits
  std::vector<limit_status> warning;  ///< breached warnings
};

/// Section 9: hedge to a target beta and its pre-trade check.
struct snapshot_hedge {
  double target_beta = 0;                     ///< options.target_beta or 0.5 x the current beta
  std::vector<hedge_instrument> instruments;  ///< the instruments (beta and last price from the universe)
  hedge_plan plan;                            ///< hedge_to_target_beta
  double var_99_1d_after = 0;                 ///< parametric 1-day 99% VaR after the orders (fraction of V)
  limit_values values_after;                  ///< every metric after the orders
  std::vector<limit_status> limits_after;     ///< every limit after the orders
  std::vector<limit_status> would_breach;     ///< limits breached after the orders
  /// The index options the comparison priced: options.index_options, or the market's terms
  /// (see snapshot_options::index_options).
  index_option_terms index;
  bool index_given = false;  ///< index from options.index_options (false: the market's realised volatility)
  /// compare_hedges over the window (the book's and the instruments' returns, target_beta, the
  /// floor 10%, the snapshot's confidences, 1 day, mc_paths and seed, the limits): empty when it
  /// could not be made for this book, with comparison_reason saying why.
  std::optional<hedge_comparison> comparison;
  std::string comparison_reason;  ///< why there is no comparison ("" when there is)
};

/// One portfolio of the construction section, over the held assets (weights in their order).
/// The figures hold when `reason` is empty; otherwise they are 0 and `reason` says why the
/// optimiser has no answer for this book.
struct snapshot_alternative {
  std::string name;            ///< "current", "minimum variance", "maximum Sharpe", ...
  std::string reason;          ///< empty, or the optimiser's error message
  Eigen::VectorXd weights;     ///< one per position (the current book: values / V)
  double expected_return = 0;  ///< w' mean x periods_per_year (the frontier chart's units)
  double volatility = 0;       ///< sqrt(w' S w x periods_per_year), S the window's covariance
  double cvar_95 = 0;          ///< historical_cvar of R w over the window, 95%, 1 period (a fraction)
  /// The CVaR 95% (1 period) of R w in min_cvar's convention, the cvar_frontier's (see
  /// snapshot_cvar_point::cvar_95), so the row can be set against that frontier; it differs
  /// from cvar_95 unless 0.05 T is a whole number.
  double cvar_95_lp = 0;
  double max_drawdown = 0;           ///< max_drawdown(R w).depth over the window
  double diversification_ratio = 0;  ///< sum |w_i| sigma_i / sigma_p
  double turnover = 0;               ///< sum |w_i - current w_i| (rebalance_plan's turnover)
};

/// One point of section 10's mean-CVaR frontier: efficient_cvar_return's long-only, fully
/// invested portfolio of the held assets at a target return, over the window's scenarios.
struct snapshot_cvar_point {
  /// w' mean x periods_per_year, the window's mean returns (as snapshot_alternative's).
  double expected_return = 0;
  /// CVaR 95% of the window's losses -R w, 1 period, a fraction: cvar_result::cvar, the
  /// objective min_cvar minimises, Rockafellar and Uryasev's exact discrete CVaR (the mean of
  /// the floor(0.05 T) largest losses and a fraction 0.05 T - floor(0.05 T) of the next, over
  /// 0.05 T). Not historical_cvar's rule (snapshot_alternative::cvar_95: the mean of the
  /// floor(0.05 (T - 1)) + 1 largest): the two agree only when 0.05 T is a whole number
  /// (T = 252: 12.6 against the 13 largest), so compare with snapshot_alternative::cvar_95_lp.
  double cvar_95 = 0;
  /// sqrt(w' S w x periods_per_year), S the window's covariance (as snapshot_alternative's).
  double volatility = 0;
  /// One per position (in their order), each >= 0, summing to 1.
  Eigen::VectorXd weights;
};

/// Section 10: the current book beside the long-only, fully invested portfolios of keel's
/// optimisers over the same assets and window, and the mean-CVaR frontier of those assets.
struct snapshot_construction {
  std::vector<snapshot_alternative> portfolios;  ///< current, then each optimiser (see risk_snapshot)
  /// The long-only, fully invested mean-CVaR frontier (95%, the window's returns as equally
  /// likely scenarios, its mean returns as mu): 11 points with targets evenly spaced from
  /// min_cvar's return to the largest mean return, by increasing return (one point when the
  /// two are equal); empty when cvar_frontier_reason is set: the optimiser's error, or more
  /// than 100 positions (its linear programs grow as N^2: about 4 s each at N = 1,000).
  std::vector<snapshot_cvar_point> cvar_frontier;
  std::string cvar_frontier_reason;  ///< empty, or why there is no frontier (see cvar_frontier)
};

/// Section 11's GARCH(1,1) forecast of the portfolio's volatility: garch_fit of r_p over the
/// window (normal innovations, constant mean, backcast start, require_convergence = false).
/// The figures hold when `reason` is empty; otherwise they are 0 and `reason` is garch_fit's
/// error (fewer than 40 returns, a constant r_p). An unconverged fit keeps its last iterate's
/// figures with converged = false: report them as "did not converge", not as estimates.
/// Annualised as section 4: a per-day volatility x sqrt(periods_per_year).
struct snapshot_garch {
  /// The longer forecast horizon, in days (the shorter is 1).
  static constexpr std::ptrdiff_t long_horizon = 10;
  std::string reason;         ///< empty, or why there is no fit (garch_fit's error message)
  bool converged = false;     ///< garch_fit's flag
  int iterations = 0;         ///< quasi-Newton iterations of the fit
  std::ptrdiff_t n = 0;       ///< returns fitted (the window)
  double mu = 0;              ///< constant mean per day
  double omega = 0;           ///< variance intercept (per-day squared returns)
  double alpha = 0;           ///< ARCH coefficient
  double beta = 0;            ///< GARCH coefficient
  double persistence = 0;     ///< alpha + beta
  double log_likelihood = 0;  ///< garch_result::log_likelihood
  double volatility_1d = 0;   ///< sqrt(h_T+1) x sqrt(periods): the next day's volatility, annualised
  /// sqrt(sum_{k=1..10} h_T+k / 10) x sqrt(periods): the next 10 days' average variance as an
  /// annualised volatility (comparable with volatility_1d and the HAR forecast).
  double volatility_10d = 0;
  /// sqrt(sum_{k=1..10} h_T+k) = forecast(10).aggregate_volatility: the standard deviation of
  /// the 10-day return, a fraction, not annualised.
  double horizon_volatility_10d = 0;
  double long_run_volatility = 0;  ///< sqrt(omega / (1 - persistence) x periods), the level forecasts revert to
};

/// One factor of section 11's breakdown.
struct snapshot_factor {
  std::string name;         ///< the factor's column name
  double exposure = 0;      ///< x_k = (B' w)_k, the portfolio's exposure (beta) to the factor
  double contribution = 0;  ///< x_k (F x)_k x periods: Euler contribution to the annualised variance
  double share = 0;         ///< contribution / total_variance (0 when the total is 0); may be negative
};

/// Section 11's factor exposure breakdown: time_series_factor_model of the held assets' window
/// returns on options.factor_returns over the same dates (OLS with an intercept, F the sample
/// covariance of the factors, D the residual variances), then factor_risk_decomposition of the
/// weights. Variances are annualised (x periods_per_year); total = factor + specific and the
/// factors' contributions sum to factor_variance (to rounding).
struct snapshot_factors {
  std::ptrdiff_t observations = 0;       ///< dates fitted (the window)
  double total_variance = 0;             ///< w' (B F B' + D) w x periods
  double factor_variance = 0;            ///< x' F x x periods, x = B' w
  double specific_variance = 0;          ///< w' D w x periods
  double total_volatility = 0;           ///< sqrt(total_variance)
  double factor_volatility = 0;          ///< sqrt(factor_variance)
  double specific_volatility = 0;        ///< sqrt(specific_variance)
  double explained_share = 0;            ///< factor_variance / total_variance (0 when the total is 0)
  std::vector<snapshot_factor> factors;  ///< one per factor, in the table's column order
};

/// Section 11: risk models beside section 4's realised and HAR volatility.
struct snapshot_risk_models {
  snapshot_garch garch;                     ///< GARCH(1,1) of r_p (always; a reason when it cannot fit)
  std::optional<snapshot_factors> factors;  ///< only with options.factor_returns
};

/// Chart series for the HTML page.
struct snapshot_charts {
  std::vector<std::chrono::year_month_day> dates;             ///< the window's return dates
  std::vector<double> portfolio_cumulative;                   ///< prod(1 + r_p) - 1 per date
  std::vector<double> market_cumulative;                      ///< prod(1 + r_m) - 1 per date
  std::vector<double> portfolio_drawdown;                     ///< drawdown_series(r_p)
  std::vector<double> market_drawdown;                        ///< drawdown_series(r_m)
  std::vector<std::chrono::year_month_day> beta_dates;        ///< last date of each 90-day window
  std::vector<double> rolling_beta;                           ///< rolling_beta(r_p, r_m, 90)
  std::vector<std::chrono::year_month_day> volatility_dates;  ///< last date of each 30-day window
  std::vector<double> rolling_volatility;                     ///< rolling_volatility(r_p, 30), annualised
  std::vector<double> returns;                                ///< r_p (the histogram sample)
  std::vector<risk_contribution> contributions;               ///< every position's volatility contribution
  std::optional<keel::frontier<double>> frontier;             ///< efficient_frontier, long-only, held assets
  double portfolio_volatility = 0;                            ///< the portfolio's annualised volatility
  double portfolio_return = 0;                                ///< its annualised mean return (the frontier's mu units)
};

/// The full report: every section of the risk snapshot.
struct snapshot {
  snapshot_inputs inputs;                    ///< window, as_of, n, market
  std::vector<snapshot_position> positions;  ///< section 1
  double value = 0;                          ///< net value V
  double gross_value = 0;                    ///< sum |v_i|
  snapshot_betas betas;                      ///< section 2
  snapshot_exposure exposure;                ///< section 3
  snapshot_volatility volatility;            ///< section 4
  snapshot_var var;                          ///< section 5
  snapshot_performance performance;          ///< section 6
  snapshot_stress stress;                    ///< section 7
  snapshot_limits limits;                    ///< section 8
  snapshot_hedge hedge;                      ///< section 9
  snapshot_construction construction;        ///< section 10
  snapshot_risk_models risk_models;          ///< section 11
  snapshot_charts charts;                    ///< chart series
  risk_summary summary;                      ///< summarize_risk of the same inputs (same code path)
};

/// The full snapshot from a price table (prepare_universe, then the universe form).
/// \pre as prepare_universe and summarize_risk.
/// \returns snapshot (see its sections).
KEEL_DECL [[nodiscard]] snapshot risk_snapshot(std::span<const holding> holdings, const price_table& prices,
                                               const snapshot_options& options);

/// The full snapshot from a prepared universe.
/// \pre as summarize_risk; hedge symbols usable (insufficient_data / invalid_input naming them);
///      options.factor_returns, when given, a consistent table (shape, strictly increasing
///      dates, unique non-empty names) with a finite return of each factor on every window
///      date: otherwise invalid_input naming the first missing date and how many are missing
///      ("factor returns lack 12 of the window's 252 dates, first 1999-03-04"), or the factor
///      and date of a non-finite value; time_series_factor_model's errors (a constant or
///      collinear factor: singular_problem; fewer than K + 2 dates: insufficient_data) are
///      thrown too; options.index_options, when given, valid terms (compare_hedges'
///      invalid_input naming the field). GARCH and, without index_options, the hedge comparison
///      never fail the snapshot (snapshot_garch::reason, snapshot_hedge::comparison_reason).
/// \returns snapshot (see its sections).
KEEL_DECL [[nodiscard]] snapshot risk_snapshot(std::span<const holding> holdings, const snapshot_universe& universe,
                                               const snapshot_options& options);

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/snapshot-inl.hpp>
#endif
