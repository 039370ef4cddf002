// SPDX-License-Identifier: MIT
// keel/backtest.hpp: walk-forward backtests of allocation strategies, look-ahead-free by
// construction, with calendar or band rebalancing, costs, lots, a cash account, risk overrides
// and regime switching.
//
// Synopsis
//   backtest(prices, strategy, backtest_options)  -> backtest_result{dates, values, returns,
//       weights, turnover, costs, cash, rebalances, ...}
//   walk_forward(prices, strategies, walk_forward_options) -> walk_forward_result{results,
//       statistics}: several strategies on the same dates, one table
//   backtest_statistics(result, benchmark_returns, statistics_options) -> performance_statistics
//   bootstrap_statistics(returns, benchmark_returns, bootstrap_options) -> the stationary block
//       bootstrap's sampling distribution of each statistic (Politis and Romano 1994)
//   backtest_attribution(prices, result, benchmark, sectors) -> Brinson-Fachler by sector,
//       linked over the rows (Carino)
//   strategies: buy_and_hold_strategy, constant_weight_strategy, equal_weight_strategy,
//       min_variance_strategy, max_sharpe_strategy, risk_parity_strategy, hrp_strategy,
//       max_diversification_strategy, min_cvar_strategy, black_litterman_strategy,
//       regime_switching_strategy, risk_override_strategy
//   evaluate_override(signal_returns, risk_override_options) -> override_decision: the risk
//       override on live data (the decision today and the rule, figure and value behind it)
//
// The strategy contract
//   A strategy is a name and a callable `Eigen::VectorXd(const backtest_view&)`. The engine
//   calls it on each decision date t with a view of rows 0..t of the prices (the decision date's
//   close included) and the portfolio's current weights; it returns target weights (N values,
//   fractions of the portfolio's value; 1 - sum w is cash) or an empty vector to hold. The view
//   owns no row after t: its matrices are maps of exactly t + 1 price rows (t return rows) of a
//   row-major copy, and price(row, asset) throws for a later row, so a strategy cannot read
//   the future by accident. The engine copies the callable at the start of each backtest, so a
//   callable with state (captured by value, `mutable`) starts afresh in every run and runs in
//   walk_forward's threads without sharing.
//
// Conventions
//   - Dates: the rows of the price table. Decision dates: the first row of the backtest (always)
//     and the scheduled rows: every row (daily), or the first or last trading row of each ISO
//     week, calendar month, quarter or year (rebalance_timing); `once` never again. The last
//     row of the table is never a "last trading day" (its period may not be over).
//     A strategy with every_date = true (the risk override) is consulted on every row and told
//     by view.scheduled() whether the row is a scheduled one.
//   - Bands: when backtest_options::band has a width > 0, a decision trades only if some asset's
//     current weight is outside its band around the new target (rebalance.hpp's drift_band,
//     absolute or relative); the first decision always trades. Daily decisions with a band are
//     threshold rebalancing; monthly ones a calendar-and-band rule.
//   - Execution: at the decision date's close (the default), at the next row's open
//     (backtest_options::open_prices, T x N), or at the next row's close (a one-day lag). A
//     decision on the last row with next-row execution does not trade.
//   - Costs: proportional, cost_bps[i] basis points of each trade's value (one value: every
//     asset), paid from the portfolio so that after trading the weights are exactly the target
//     of the value net of costs: the value after trading V' solves V' + sum_i b_i |w_i V' -
//     h_i| = V (h_i the value held, b_i = cost_bps_i / 10^4), found exactly (the left side is
//     convex, piecewise linear and increasing). costs_t = V - V' = sum_i b_i |trade_i|; with one
//     rate b, costs_t = b x turnover_t x V. With cost models (backtest_options::costs, costs.hpp)
//     each trade T_i = |w_i V' - h_i| also pays market impact c_i sigma_i T_i (T_i / (p_i
//     ADV_i))^(e_i - 1): the left side stays convex and increasing, and Newton's method from V
//     still descends monotonically onto V' (to adjacent doubles). turnover_t = sum_i |trade_i| / V (one-way, of the
//     value before trading; a full switch between two assets is 2).
//   - Lots: lot_size > 0 trades whole lots: each target quantity w_i V' / p_i is rounded toward
//     zero to a multiple of lot_size, the rest stays in cash; costs are those of the rounded
//     trades.
//   - Cash: 1 - sum w of the value, earning cash_rate (annual, actual/365 simple accrual between
//     rows, compounding from row to row); negative cash (sum w > 1, allowed only with
//     budget_rule::none) pays the same rate.
//   - Budget: fully_invested requires |sum w - 1| <= 1e-9 (after which the weights are used as
//     given); none allows any sum (cash takes the rest); market_neutral requires |sum w| <=
//     1e-9. Negative weights need allow_short; without it a weight in [-1e-12, 0) is an
//     optimiser's rounding of 0 and is traded as 0.
//   - Values: value_t = sum_i q_i p_t,i + cash_t, marked at each row's close; returns_t =
//     value_t / value_{t-1} - 1 (value 1 by default: growth of one unit). weights_t are
//     end-of-row weights after any trade executed on that row.
//
// References
//   D. N. Politis and J. P. Romano, "The stationary bootstrap", JASA 89 (1994) 1303-1313.
//   D. H. Bailey, J. M. Borwein, M. Lopez de Prado and Q. J. Zhu, "The probability of backtest
//   overfitting", J. Computational Finance 20 (2017) (why walk-forward, one table, fixed dates).
//   A. Ang and G. Bekaert, "How regimes affect asset allocation", Financial Analysts J. 60 (2004).
/// \file
/// Walk-forward backtests: backtest, walk_forward, backtest_statistics, bootstrap_statistics,
/// the built-in strategies, the risk override and regime switching.
#pragma once

#include <keel/detail/config.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/attribution.hpp>
#include <keel/construction.hpp>
#include <keel/costs.hpp>
#include <keel/error.hpp>
#include <keel/markowitz.hpp>
#include <keel/rebalance.hpp>
#include <keel/regime.hpp>
#include <keel/series.hpp>

namespace keel {

/// How often the calendar schedules a decision.
enum class rebalance_frequency {
  daily,      ///< every row
  weekly,     ///< once per ISO week (Monday to Sunday)
  monthly,    ///< once per calendar month
  quarterly,  ///< once per calendar quarter (Jan-Mar, Apr-Jun, ...)
  annually,   ///< once per calendar year
  once        ///< only the first row of the backtest
};

/// Which trading row of each calendar period is scheduled.
enum class rebalance_timing {
  last_day,  ///< the period's last row in the table (month-end rebalancing)
  first_day  ///< the period's first row in the table
};

/// When the trades of a decision on row t execute.
enum class execution_price {
  close,      ///< at row t's close, the prices the decision saw
  next_open,  ///< at row t + 1's open (backtest_options::open_prices)
  next_close  ///< at row t + 1's close (a one-day lag, when no opens are at hand)
};

/// A row-major T x N matrix: the view's storage (one date per contiguous row).
using row_matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// What a strategy sees on a decision date t: rows 0..t of the data and the current portfolio.
///
/// Every accessor stops at row t: the maps span exactly the first t + 1 price rows (t return
/// rows) of a row-major copy, and the checked accessor price(row, asset) throws invalid_input
/// for row > t, naming the strategy and the date. A view is valid only during the call.
class backtest_view {
 public:
  /// Price rows 0..t (t + 1 rows x N), the decision date's close last.
  [[nodiscard]] Eigen::Map<const row_matrix> prices() const noexcept { return {prices_, row_ + 1, assets_}; }
  /// Simple returns rows 0..t-1 (t x N): row i is the return from date i to date i + 1, so the
  /// last row is the return into the decision date.
  [[nodiscard]] Eigen::Map<const row_matrix> returns() const noexcept { return {returns_, row_, assets_}; }
  /// The last `window` return rows (window x N), the last the return into the decision date.
  /// \throws insufficient_data when fewer than `window` return rows exist (naming the
  ///         strategy and date); invalid_input for window < 1.
  [[nodiscard]] Eigen::Map<const row_matrix> returns(std::ptrdiff_t window) const {
    if (window < 1) throw invalid_input("view.returns: window " + std::to_string(window) + " is not >= 1");
    if (window > row_)
      throw insufficient_data("view.returns: a window of " + std::to_string(window) + " return rows, but only " +
                                  std::to_string(row_) + " exist up to the decision date",
                              window, row_);
    return {returns_ + (row_ - window) * assets_, window, assets_};
  }
  /// The close of `asset` on `row`, checked: invalid_input for row > t (a look-ahead), a
  /// negative row or an asset out of range, naming the strategy and the decision date.
  [[nodiscard]] double price(std::ptrdiff_t row, std::ptrdiff_t asset) const {
    if (row > row_)
      throw invalid_input("view.price: row " + std::to_string(row) + " is after the decision row " +
                          std::to_string(row_) + " (a look-ahead)");
    if (row < 0 || asset < 0 || asset >= assets_)
      throw invalid_input("view.price: (" + std::to_string(row) + ", " + std::to_string(asset) + ") is outside " +
                          std::to_string(row_ + 1) + " rows x " + std::to_string(assets_) + " assets");
    return prices_[row * assets_ + asset];
  }
  /// Dates 0..t.
  [[nodiscard]] std::span<const std::chrono::year_month_day> dates() const noexcept {
    return {dates_, static_cast<std::size_t>(row_ + 1)};
  }
  /// The decision date (dates().back()).
  [[nodiscard]] std::chrono::year_month_day date() const noexcept { return dates_[row_]; }
  /// The decision row t (an index into the price table's rows).
  [[nodiscard]] std::ptrdiff_t row() const noexcept { return row_; }
  /// The backtest's first row (the first decision).
  [[nodiscard]] std::ptrdiff_t first_row() const noexcept { return first_; }
  /// N, the number of assets.
  [[nodiscard]] std::ptrdiff_t assets() const noexcept { return assets_; }
  /// The symbols of the price table.
  [[nodiscard]] std::span<const std::string> symbols() const noexcept { return symbols_; }
  /// The portfolio's weights at the decision date's close, before this decision's trades.
  [[nodiscard]] const Eigen::VectorXd& weights() const noexcept { return *weights_; }
  /// The portfolio's values from the first row of the backtest to row t.
  [[nodiscard]] std::span<const double> values() const noexcept { return values_; }
  /// Whether row t is a scheduled decision date (always true unless the strategy asked to be
  /// consulted on every row: see strategy::every_date).
  [[nodiscard]] bool scheduled() const noexcept { return scheduled_; }
  /// The strategy's name, for messages.
  [[nodiscard]] std::string_view strategy_name() const noexcept { return name_; }
  /// Records why this decision was taken (kept in backtest_result::rebalances[].reason).
  void explain(std::string reason) const { *reason_ = std::move(reason); }

  /// The engine's constructor (strategies receive views; they do not make them).
  backtest_view(const double* prices, const double* returns, const std::chrono::year_month_day* dates,
                std::span<const std::string> symbols, std::ptrdiff_t row, std::ptrdiff_t first, std::ptrdiff_t assets,
                const Eigen::VectorXd* weights, std::span<const double> values, bool scheduled, std::string_view name,
                std::string* reason) noexcept
      : prices_(prices),
        returns_(returns),
        dates_(dates),
        symbols_(symbols),
        row_(row),
        first_(first),
        assets_(assets),
        weights_(weights),
        values_(values),
        scheduled_(scheduled),
        name_(name),
        reason_(reason) {}

 private:
  const double* prices_;
  const double* returns_;
  const std::chrono::year_month_day* dates_;
  std::span<const std::string> symbols_;
  std::ptrdiff_t row_, first_, assets_;
  const Eigen::VectorXd* weights_;
  std::span<const double> values_;
  bool scheduled_;
  std::string_view name_;
  std::string* reason_;
};

/// A strategy: target weights as a function of the data up to the decision date.
struct strategy {
  /// Its name in results, tables and messages.
  std::string name = "strategy";
  /// Target weights (N values) from the view, or an empty vector to hold.
  std::function<Eigen::VectorXd(const backtest_view&)> target{};
  /// Return rows the strategy needs before its first decision (its estimation window): the
  /// backtest's first row is at least this.
  std::ptrdiff_t lookback = 0;
  /// Consult on every row, not only the scheduled ones (the risk override's daily check).
  bool every_date = false;
};

/// Options of backtest and walk_forward.
struct backtest_options {
  rebalance_frequency frequency = rebalance_frequency::monthly;  ///< the calendar
  rebalance_timing timing = rebalance_timing::last_day;          ///< first or last row of a period
  /// A decision trades only when some weight is outside its band around the target (width 0:
  /// always trades).
  drift_band band{};
  execution_price execution = execution_price::close;  ///< when trades execute
  /// Opens (T x N) for execution_price::next_open; else empty.
  Eigen::MatrixXd open_prices{};
  /// Proportional cost per asset in basis points of the traded value, each in [0, 10^4)
  /// (empty: none; one value: every asset).
  std::vector<double> cost_bps{};
  /// Trade whole multiples of lot_size shares (0: fractional shares).
  std::int64_t lot_size = 0;
  double initial_value = 1;                          ///< the portfolio's value on the first row, > 0
  double cash_rate = 0;                              ///< annual rate on cash (actual/365), > -1
  budget_rule budget = budget_rule::fully_invested;  ///< what the target weights must sum to
  bool allow_short = false;                          ///< allow negative target weights
  /// The first decision date: the first row on or after it (empty: the first row at which the
  /// strategies' lookbacks are covered).
  std::optional<std::chrono::year_month_day> start = std::nullopt;
  /// The last row used: the last on or before it (empty: the table's last row).
  std::optional<std::chrono::year_month_day> end = std::nullopt;
  /// Cost models (costs.hpp) per asset (empty: none; one: every asset): half_spread and
  /// commission add to cost_bps; impact charges c sigma |trade| (|shares| / ADV)^(exponent - 1)
  /// at the row's price, with the model's daily volatility and volume (constants); a trade above
  /// max_participation x ADV is invalid_input naming the date and asset.
  std::vector<cost_model> costs{};
};

/// One executed rebalance.
struct rebalance_record {
  std::ptrdiff_t row = 0;                 ///< the row on which the trades executed (index into dates)
  std::chrono::year_month_day date{};     ///< its date
  std::chrono::year_month_day decided{};  ///< the decision date (differs with next-row execution)
  Eigen::VectorXd trades;                 ///< the value traded per asset (+ bought, - sold)
  Eigen::VectorXd targets;                ///< the strategy's target weights
  double turnover = 0;                    ///< sum |trades| / the value before trading
  double cost = 0;                        ///< the costs paid
  std::string reason;                     ///< what the strategy explained (view.explain), if anything
};

/// The result of a backtest, every series over the backtest's rows.
struct backtest_result {
  std::string strategy;                            ///< the strategy's name
  std::vector<std::string> symbols;                ///< the assets, in the table's order
  std::vector<std::chrono::year_month_day> dates;  ///< the rows of the backtest (T')
  std::vector<double> values;                      ///< value at each row's close (T')
  std::vector<double> returns;                     ///< values[t] / values[t-1] - 1, dated dates[t] (T' - 1)
  Eigen::MatrixXd weights;                         ///< T' x N end-of-row weights
  std::vector<double> cash;                        ///< cash weight 1 - sum w at each row's close (T')
  std::vector<double> turnover;                    ///< per row: one-way turnover of its trades (0 if none)
  std::vector<double> costs;                       ///< per row: costs paid (currency of the values)
  std::vector<rebalance_record> rebalances;        ///< every executed rebalance, in time order
  double initial_value = 1;                        ///< backtest_options::initial_value (before the first trade's costs)
  std::ptrdiff_t decisions = 0;                    ///< strategy calls that returned weights
};

/// Options of backtest_statistics, walk_forward's table and bootstrap_statistics.
struct statistics_options {
  double periods_per_year = 252;  ///< annualisation of the rows' returns
  double risk_free = 0;           ///< per-period risk-free rate of the Sharpe ratio and alpha
  double required_return = 0;     ///< per-period minimum acceptable return of the Sortino ratio
};

/// Every performance.hpp statistic of a backtest's returns, against a benchmark when one is
/// given (the benchmark fields are NaN-free zeros and has_benchmark false otherwise).
struct performance_statistics {
  double total_return = 0;       ///< values.back() / initial_value - 1 (first trade's costs included)
  double annual_return = 0;      ///< CAGR (performance.hpp annual_return)
  double annual_volatility = 0;  ///< sample sd x sqrt(periods_per_year)
  double sharpe = 0;             ///< sharpe_ratio
  double sortino = 0;            ///< sortino_ratio
  double calmar = 0;             ///< calmar_ratio (inf with no drawdown)
  double max_drawdown = 0;       ///< depth in [0, 1]
  std::optional<std::chrono::year_month_day>
      drawdown_peak{};  ///< date of its peak (the first date for a drawdown from the start; empty: no drawdown)
  std::optional<std::chrono::year_month_day> drawdown_trough{};  ///< date of its trough
  double turnover = 0;           ///< annualised one-way turnover: sum turnover x periods_per_year / (T' - 1)
  double costs = 0;              ///< total costs / initial value
  bool has_benchmark = false;    ///< the fields below are set
  double tracking_error = 0;     ///< annualised sd of r - b
  double information_ratio = 0;  ///< annualised mean / sd of r - b
  double up_capture = 0;         ///< capture_ratios().up
  double down_capture = 0;       ///< capture_ratios().down
  double alpha = 0;              ///< alpha_beta().alpha (annual, compounded)
  double beta = 0;               ///< alpha_beta().beta
  double excess_return = 0;      ///< annual_return - the benchmark's annual_return
};

/// Options of walk_forward.
struct walk_forward_options {
  backtest_options backtest{};      ///< shared by every strategy (the same rows for all)
  statistics_options statistics{};  ///< for the table
  /// The benchmark: a symbol of the table (its buy-and-hold returns); empty: no benchmark.
  std::string benchmark{};
  int threads = 1;  ///< strategies run in parallel; results do not depend on it (0: all cores)
};

/// walk_forward's result: one backtest per strategy on the same rows, and its statistics.
struct walk_forward_result {
  std::vector<backtest_result> results;            ///< in the order of the strategies
  std::vector<performance_statistics> statistics;  ///< one per strategy
  std::vector<double> benchmark_returns;           ///< the benchmark's returns on the same rows (empty: none)
};

/// Options of bootstrap_statistics.
struct bootstrap_options {
  std::ptrdiff_t samples = 1000;    ///< bootstrap samples, >= 1
  double mean_block_length = 21;    ///< expected block length of the stationary bootstrap, >= 1
  std::uint64_t seed = 1;           ///< sample b draws from stream (seed, b) of keel's generator
  double confidence = 0.95;         ///< the two-sided interval's coverage, in (0, 1)
  statistics_options statistics{};  ///< as backtest_statistics
  int threads = 1;                  ///< results do not depend on it (0: all cores)
};

/// One statistic's bootstrap distribution.
struct bootstrap_interval {
  double estimate = 0;         ///< on the original sample
  double mean = 0;             ///< of the bootstrap replicates
  double estimate_stderr = 0;  ///< their standard deviation (n - 1)
  double lower = 0;            ///< the (1 - confidence) / 2 percentile (type 7)
  double upper = 0;            ///< the (1 + confidence) / 2 percentile (type 7)
};

/// bootstrap_statistics' result, per statistic.
struct bootstrap_result {
  bootstrap_interval annual_return;      ///< CAGR
  bootstrap_interval annual_volatility;  ///< sample sd x sqrt(periods_per_year)
  bootstrap_interval sharpe;             ///< sharpe_ratio
  bootstrap_interval sortino;            ///< sortino_ratio
  bootstrap_interval max_drawdown;       ///< max_drawdown's depth
  bootstrap_interval excess_return;      ///< annual_return minus the benchmark's (with a benchmark; else zeros)
  bootstrap_interval information_ratio;  ///< information_ratio (with a benchmark; else zeros)
  Eigen::MatrixXd replicates;            ///< samples x 7: the columns in the order of the fields above
};

/// How a built-in optimiser strategy estimates its inputs over the window before each decision.
enum class covariance_estimator {
  sample,       ///< sample_covariance
  ledoit_wolf,  ///< ledoit_wolf (constant-variance target)
  ewma          ///< ewma_covariance with estimation_options::ewma_lambda
};

/// Options of the built-in optimiser strategies: the estimation window and estimator, the
/// constraints, and each rule's own settings (read only by the rule named).
struct estimation_options {
  std::ptrdiff_t window = 252;  ///< return rows of the estimation window, >= 2
  bool expanding = false;       ///< use every return row up to the decision (at least `window`)
  covariance_estimator estimator = covariance_estimator::sample;  ///< the covariance
  double ewma_lambda = 0.94;                                      ///< decay of the EWMA estimator
  double periods_per_year = 252;                                  ///< annualises mean and covariance
  /// Bounds (long-only default), budget, groups, linear constraints (not read by HRP, whose
  /// weights are long-only by construction).
  portfolio_constraints constraints{};
  double risk_free = 0;                             ///< annual, for max_sharpe and Black-Litterman's prior
  double confidence = 0.95;                         ///< min_cvar's level
  std::vector<double> budgets{};                    ///< risk_parity's risk budgets (empty: equal)
  linkage_method linkage = linkage_method::single;  ///< HRP's linkage
  double tau = 0.05;                                ///< Black-Litterman's tau
  std::string name{};                               ///< the strategy's name (empty: the rule's own)
};

/// Buy and hold: buy `weights` (empty: equal weights) on the first row, never trade again.
KEEL_DECL [[nodiscard]] strategy buy_and_hold_strategy(std::vector<double> weights = {});
/// Constant weights: back to `weights` on every decision.
KEEL_DECL [[nodiscard]] strategy constant_weight_strategy(std::vector<double> weights,
                                                          std::string name = "constant weights");
/// Equal weights 1 / N on every decision.
KEEL_DECL [[nodiscard]] strategy equal_weight_strategy();
/// markowitz.hpp's min_variance on the window's covariance.
KEEL_DECL [[nodiscard]] strategy min_variance_strategy(const estimation_options& options = {});
/// markowitz.hpp's max_sharpe on the window's arithmetic mean and covariance (both annualised).
/// Where no portfolio the constraints allow earns more than risk_free over the window (a bear
/// market: max_sharpe's `infeasible`), it holds the current weights and says so in the
/// rebalance's reason, rather than ending the backtest.
KEEL_DECL [[nodiscard]] strategy max_sharpe_strategy(const estimation_options& options = {});
/// construction.hpp's risk_budgeting (equal risk contributions, or options.budgets).
KEEL_DECL [[nodiscard]] strategy risk_parity_strategy(const estimation_options& options = {});
/// construction.hpp's hierarchical_risk_parity on the window's covariance and its correlation
/// (options.linkage).
KEEL_DECL [[nodiscard]] strategy hrp_strategy(const estimation_options& options = {});
/// construction.hpp's max_diversification.
KEEL_DECL [[nodiscard]] strategy max_diversification_strategy(const estimation_options& options = {});
/// construction.hpp's min_cvar on the window's returns at options.confidence.
KEEL_DECL [[nodiscard]] strategy min_cvar_strategy(const estimation_options& options = {});
/// construction.hpp's black_litterman: the prior market_implied_returns(cov, market_weights,
/// risk_aversion, {.risk_free}) and the given views (options.tau; He and Litterman's Omega);
/// trades the posterior's weights.
KEEL_DECL [[nodiscard]] strategy black_litterman_strategy(std::vector<double> market_weights, bl_views views,
                                                          double risk_aversion, const estimation_options& options = {});

// ---- risk overrides ----

/// The figure a risk-override rule watches, on the signal's returns.
enum class override_metric {
  drawdown,    ///< 1 - wealth / its running peak (from the signal's first return)
  volatility,  ///< annualised sample sd of the last `window` returns
  var          ///< historical VaR (var.hpp's historical_var) of the last `window` returns at `confidence`
};

/// One rule: defensive when the metric exceeds `trigger`, back when every rule is below its
/// `release` (hysteresis: release <= trigger).
struct override_rule {
  override_metric metric = override_metric::drawdown;  ///< what is watched
  double trigger = 0.10;                               ///< enter defence above it (a fraction: 0.10 = 10%)
  double release = 0.05;                               ///< leave defence when below it, <= trigger
  std::ptrdiff_t window = 21;                          ///< returns of volatility and var, >= 2
  double confidence = 0.95;                            ///< of var, in (0, 1)
};

/// Options of risk_override_strategy and evaluate_override.
struct risk_override_options {
  std::vector<override_rule> rules{override_rule{}};  ///< at least one
  /// The signal: a symbol of the price table (e.g. "SPY"); empty: the equal-weighted average of
  /// every asset's returns. (evaluate_override takes the signal's returns directly.)
  std::string signal{};
  double periods_per_year = 252;  ///< annualises the volatility rule
};

/// A risk-override decision and why.
struct override_decision {
  bool defensive = false;                              ///< in defence after today's check
  bool changed = false;                                ///< today's check switched state
  std::ptrdiff_t rule = -1;                            ///< the rule that fired (entering) or last held (-1: none)
  override_metric metric = override_metric::drawdown;  ///< that rule's metric
  double value = 0;                                    ///< its figure today
  double threshold = 0;                                ///< its trigger (entering, in defence) or release (leaving)
  std::ptrdiff_t since = -1;  ///< index of the return on which the current state began (-1: always)
  std::string reason;         ///< one sentence: which rule, on which figure, at what value
};

/// The risk override on live data: replays the rules' state machine over every return of the
/// signal (index 0 the oldest) and returns today's decision (the last return's).
/// Rule: out of defence, the first rule (in order) whose figure exceeds its trigger moves to
/// defence; in defence, the portfolio returns when every rule's figure is below its release.
/// A rule whose window is not yet full does not fire. Deterministic: the same returns give the
/// same decision, as in a backtest on the same data.
/// \throws invalid_input for a non-finite return, an empty series, no rules, a release above
///         its trigger, a window < 2 or a confidence outside (0, 1).
template <Series S>
[[nodiscard]] override_decision evaluate_override(const S& signal_returns, const risk_override_options& options = {});

/// The risk override as a strategy: `base` normally, `defensive` while in defence. Checked on
/// every row; trades on the scheduled rows (through `base`) and on every row where the state
/// switches; the rebalance's reason says which rule fired on which figure at what value.
KEEL_DECL [[nodiscard]] strategy risk_override_strategy(strategy base, strategy defensive,
                                                        risk_override_options options = {});

// ---- regime switching ----

/// Options of regime_switching_strategy.
struct regime_switching_options {
  hmm_options hmm{};                      ///< the HMM (its states must equal the strategies given)
  std::string signal{};                   ///< symbol whose returns define the regimes (empty: equal-weighted average)
  std::ptrdiff_t volatility_window = 21;  ///< regime_features' window
  std::ptrdiff_t min_history = 504;       ///< return rows before the first fit, >= 60
  std::ptrdiff_t window = 0;              ///< rows of each fit (0: expanding, all rows up to the decision)
};

/// Switches between strategies by the filtered regime: at each decision fits hmm_fit to the
/// signal's regime_features over the rows up to the decision (no look-ahead), takes the most
/// probable state of the last row's filtered probabilities (state 0 the calmest) and follows
/// per_state[state]; the rebalance's reason names the state and its probability.
/// \throws invalid_input when per_state.size() != hmm.states (at construction).
KEEL_DECL [[nodiscard]] strategy regime_switching_strategy(std::vector<strategy> per_state,
                                                           regime_switching_options options = {});

// ---- the engine ----

/// Backtests one strategy over a price table.
/// \pre prices finite and > 0 on every row of the backtest (invalid_input naming the symbol and
///      date); options as documented on backtest_options.
/// \throws insufficient_data when the table has fewer rows than the strategy's lookback needs
///         (naming the strategy and the first date it could start); invalid_input when the
///         strategy returns weights of the wrong size, a NaN, a short weight without
///         allow_short, or weights that do not meet the budget (naming the strategy, the date
///         and the figure); what the strategy itself throws, with its name and date prefixed.
/// \returns backtest_result.
KEEL_DECL [[nodiscard]] backtest_result backtest(const price_table& prices, const strategy& s,
                                                 const backtest_options& options = {});

/// A callable a backtest can run as a strategy: Eigen::VectorXd f(const backtest_view&), other
/// than a strategy itself.
template <class F>
concept strategy_callable = std::is_invocable_r_v<Eigen::VectorXd, F&, const backtest_view&> &&
    !std::is_same_v<std::remove_cvref_t<F>, strategy>;

/// Backtests any callable `f(const backtest_view&) -> Eigen::VectorXd` (name "custom").
template <strategy_callable F>
[[nodiscard]] backtest_result backtest(const price_table& prices, F&& f, const backtest_options& options = {}) {
  return backtest(prices, strategy{.name = "custom", .target = std::forward<F>(f)}, options);
}

/// Every statistic of a backtest's returns (and, when benchmark_returns is not empty, against
/// it: one return per row of result.returns, the same dates).
/// \throws invalid_input for a benchmark of another length or with a non-finite value;
///         insufficient_data for fewer than 2 returns.
KEEL_DECL [[nodiscard]] performance_statistics backtest_statistics(const backtest_result& result,
                                                                   std::span<const double> benchmark_returns = {},
                                                                   const statistics_options& options = {});

/// Several strategies on the same rows (the first row covering every lookback), one call.
/// \throws as backtest; invalid_input for an empty list, duplicate names or an unknown benchmark.
KEEL_DECL [[nodiscard]] walk_forward_result walk_forward(const price_table& prices,
                                                         std::span<const strategy> strategies,
                                                         const walk_forward_options& options = {});

/// Brinson-Fachler attribution by sector of a backtest against a benchmark backtest (e.g. an
/// equal-weight or cap-weight strategy run on the same rows), linked over the rows by Carino's
/// coefficients (attribution.hpp's linked_attribution).
/// Period t is the row from dates[t-1] to dates[t]: each side's weights are its end-of-row
/// weights of dates[t-1] (after that row's trades) summed by sector, with cash as one more
/// sector "cash" (its return the cash account's accrual over the period); a sector's return is
/// its assets' weighted return, or, where a side holds none of it, the other side's (so an
/// absent sector has no selection effect). Returns are before trading costs: with costs, the
/// linked portfolio_return exceeds the backtest's compounded return by the cost drag.
/// \pre prices the table both backtests ran on; sectors one label per symbol (invalid_input).
/// \throws invalid_input when the two results differ in rows, dates or symbols.
/// \returns {sector names in first-seen order (then "cash"), linked_effects}.
struct sector_attribution {
  std::vector<std::string> sectors;  ///< the labels, in first-seen order, then "cash"
  linked_effects<double> effects;    ///< per sector and in total, linked over the rows
};
/// Brinson-Fachler attribution by sector of `result` against `benchmark` (see
/// sector_attribution for the periods, weights, returns and conventions).
/// \throws invalid_input for sectors not one per symbol, or results of other rows, dates or
///         symbols than each other and the table; insufficient_data for fewer than 2 rows.
KEEL_DECL [[nodiscard]] sector_attribution backtest_attribution(const price_table& prices,
                                                                const backtest_result& result,
                                                                const backtest_result& benchmark,
                                                                const std::vector<std::string>& sectors,
                                                                const backtest_options& options = {});

/// The stationary block bootstrap (Politis and Romano 1994) of a return series' statistics:
/// each replicate strings together blocks that start at a uniform row and last a geometric
/// number of rows (mean mean_block_length), wrapping at the end, to the series' length; the
/// benchmark (when given) is resampled on the same rows. Replicate b draws from stream (seed,
/// b) of keel's Philox generator, so results do not depend on threads.
/// \throws invalid_input for bad options, non-finite returns or a benchmark of another length;
///         insufficient_data for fewer than 2 returns.
KEEL_DECL [[nodiscard]] bootstrap_result bootstrap_statistics(std::span<const double> returns,
                                                              std::span<const double> benchmark_returns = {},
                                                              const bootstrap_options& options = {});

namespace detail {
/// The override's state machine (shared by evaluate_override and risk_override_strategy).
struct override_state {
  bool defensive = false;
  std::ptrdiff_t since = -1, rule = -1, seen = 0;
  double wealth = 1, peak = 1;
  override_decision last{};
};
KEEL_DECL void check_override_options(std::string_view fn, const risk_override_options& o);
/// Advances the state over returns r[state.seen .. n) (a series of n signal returns).
KEEL_DECL void advance_override(std::string_view fn, const risk_override_options& o, const double* r, std::ptrdiff_t n,
                                override_state& state);
}  // namespace detail

template <Series S>
override_decision evaluate_override(const S& signal_returns, const risk_override_options& options) {
  constexpr std::string_view fn = "evaluate_override";
  detail::check_override_options(fn, options);
  std::vector<double> r;
  r.reserve(std::ranges::size(signal_returns));
  for (const auto& x : signal_returns) r.push_back(static_cast<double>(x));
  if (r.empty()) throw invalid_input(std::string(fn) + ": the signal has no returns");
  detail::override_state state;
  detail::advance_override(fn, options, r.data(), static_cast<std::ptrdiff_t>(r.size()), state);
  return state.last;
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/backtest-inl.hpp>
#endif
