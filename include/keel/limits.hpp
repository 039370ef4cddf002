// SPDX-License-Identifier: MIT
// keel/limits.hpp: risk limits, a light vocabulary header: the metrics a limit can bound, the
// limit and its status, every metric's value, evaluate_limits and read_limits. Reading or describing limits
// compiles none of the snapshot pipeline (keel/snapshot.hpp computes the values; keel/online.hpp's
// what-if book re-evaluates them per trade).
//
// Synopsis
//   limit_metric, limit_severity, risk_limit, limit_status, limit_values
//   evaluate_limits(limits, current)          -> one limit_status per limit
//   limit_metric_name / parse_limit_metric, limit_severity_name / parse_limit_severity
//   read_limits(in | path, options)           metric,limit[,severity] -> std::vector<risk_limit>
//
// Conventions
//   A limit is breached when its metric's value exceeds it (value > limit); values are
//   fractions, not percent (0.25 = 25%); limit_values' fields are defined beside each field.
//
// References
//   P. Jorion, "Value at Risk", 3rd ed. (2007), ch. 17 (risk limits).
/// \file
/// Risk limits: limit_metric, risk_limit, limit_status, limit_values, evaluate_limits.
#pragma once

#include <keel/detail/config.hpp>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>

namespace keel {

/// The metrics a risk limit can bound (see limit_values for each one's definition).
enum class limit_metric {
  max_position_weight,          ///< largest |v_i| / V
  max_sector_weight,            ///< largest |sum of a sector's weights|
  max_gross_leverage,           ///< sum |v_i| / V
  max_beta,                     ///< |value-weighted beta|
  max_var_99_1d,                ///< parametric normal 1-day 99% VaR, fraction of V
  max_drawdown,                 ///< max drawdown of the portfolio's return series over the window
  max_avg_pairwise_correlation  ///< mean off-diagonal correlation of the held positions
};

/// How serious a limit is.
enum class limit_severity {
  warning,  ///< file text "warning"
  hard      ///< file text "hard" (the default)
};

/// A limit: breached when the metric's value exceeds `limit`.
struct risk_limit {
  limit_metric metric = limit_metric::max_position_weight;  ///< what is bounded
  double limit = 0;                                         ///< the largest allowed value
  limit_severity severity = limit_severity::hard;           ///< warning or hard
};

/// A limit with the portfolio's current value of its metric.
struct limit_status {
  risk_limit limit;       ///< the limit
  double value = 0;       ///< the metric's value (limit_values)
  bool breached = false;  ///< value > limit.limit
};

/// One value per limit metric, in limit_metric's order (fractions, not percent).
struct limit_values {
  double max_position_weight = 0;  ///< max_i |v_i| / V
  double max_sector_weight =
      0;                      ///< max over named sectors |sum_{i in sector} w_i| (positions without a sector left out)
  double gross_leverage = 0;  ///< sum_i |v_i| / V
  double beta = 0;            ///< |sum_i w_i beta_i|
  double var_99_1d = 0;       ///< parametric_var(w, mean, cov) at 99%, 1 day, normal, with the mean
  double max_drawdown = 0;    ///< max_drawdown(r_p).depth over the window, today's weights
  double avg_pairwise_correlation = 0;  ///< mean of correlation(cov)_ij over i < j (0 for one position)
};

/// The name of a metric as written in a limits file ("max_beta", ...).
/// \returns the enumerator's name.
[[nodiscard]] inline std::string_view limit_metric_name(limit_metric metric) {
  switch (metric) {
    case limit_metric::max_position_weight:
      return "max_position_weight";
    case limit_metric::max_sector_weight:
      return "max_sector_weight";
    case limit_metric::max_gross_leverage:
      return "max_gross_leverage";
    case limit_metric::max_beta:
      return "max_beta";
    case limit_metric::max_var_99_1d:
      return "max_var_99_1d";
    case limit_metric::max_drawdown:
      return "max_drawdown";
    case limit_metric::max_avg_pairwise_correlation:
      return "max_avg_pairwise_correlation";
  }
  return "unknown";
}

/// The metric named `name` (exact, as limit_metric_name writes it).
/// \throws invalid_input for another name; the message names it and lists the known metrics.
[[nodiscard]] inline limit_metric parse_limit_metric(std::string_view name);

/// The name of a severity ("warning" or "hard").
/// \returns the enumerator's name.
[[nodiscard]] inline std::string_view limit_severity_name(limit_severity severity) {
  return severity == limit_severity::warning ? "warning" : "hard";
}

/// The severity named `name` ("warning" or "hard"; an empty name is hard, a file's default).
/// \throws invalid_input for another name, naming it.
[[nodiscard]] inline limit_severity parse_limit_severity(std::string_view name);

/// Every limit with its metric's value from `current`; breached = value > limit.
/// \pre every limit finite (invalid_input naming limits[i]).
/// \returns one limit_status per limit, in order.
[[nodiscard]] inline std::vector<limit_status> evaluate_limits(std::span<const risk_limit> limits,
                                                               const limit_values& current);

/// How a limits file is read.
struct limits_file_options {
  /// The field separator (',' by default; ';' or a tab). Not a double quote or a line break.
  char delimiter = ',';
};

/// Reads risk limits from CSV: the columns `metric` (a limit_metric name, as
/// limit_metric_name writes it), `limit` (a finite number, a fraction: 0.25 = 25%) and
/// optionally `severity` (warning or hard; empty: hard), in any order. One metric may appear
/// twice (a warning level and a hard one). A file with a header and no rows is no limits.
/// \returns the limits in file order.
/// \throws invalid_input, naming the line, the column and the text: no header; an unknown,
///         duplicated or missing column; a ragged row; an unknown metric or severity (listing
///         the known ones); a limit that is not a finite number; a delimiter that is a quote or
///         a line break.
KEEL_DECL [[nodiscard]] std::vector<risk_limit> read_limits(std::istream& in, const limits_file_options& options = {});

/// Reads a limits file as read_limits(std::istream&); messages name the file.
/// \throws as the stream form, and invalid_input naming the path when it cannot be opened.
KEEL_DECL [[nodiscard]] std::vector<risk_limit> read_limits(const std::filesystem::path& path,
                                                            const limits_file_options& options = {});

namespace detail {
/// The metric named `name`, else fail("unknown limit metric ... (known: ...)"): the one parser
/// of metric names, so that parse_limit_metric and read_limits (which puts the file, line and
/// column in front) say the same thing.
template <class Fail>
limit_metric parse_limit_metric_or(std::string_view name, Fail&& fail) {
  constexpr limit_metric all[] = {limit_metric::max_position_weight,
                                  limit_metric::max_sector_weight,
                                  limit_metric::max_gross_leverage,
                                  limit_metric::max_beta,
                                  limit_metric::max_var_99_1d,
                                  limit_metric::max_drawdown,
                                  limit_metric::max_avg_pairwise_correlation};
  std::string known;
  for (limit_metric m : all) {
    if (limit_metric_name(m) == name) return m;
    known += known.empty() ? "" : ", ";
    known += limit_metric_name(m);
  }
  return fail("unknown limit metric " + detail::quoted(name) + " (known: " + known + ")");
}

/// The severity named `name` (empty: hard), else fail("unknown limit severity ..."), as
/// parse_limit_metric_or.
template <class Fail>
limit_severity parse_limit_severity_or(std::string_view name, Fail&& fail) {
  if (name == "warning") return limit_severity::warning;
  if (name == "hard" || name.empty()) return limit_severity::hard;
  return fail("unknown limit severity " + detail::quoted(name) + " (known: warning, hard)");
}
}  // namespace detail

inline limit_metric parse_limit_metric(std::string_view name) {
  return detail::parse_limit_metric_or(name, [](const std::string& what) -> limit_metric {
    throw invalid_input(detail::message("parse_limit_metric", what));
  });
}

inline limit_severity parse_limit_severity(std::string_view name) {
  return detail::parse_limit_severity_or(name, [](const std::string& what) -> limit_severity {
    throw invalid_input(detail::message("parse_limit_severity", what));
  });
}

inline std::vector<limit_status> evaluate_limits(std::span<const risk_limit> limits, const limit_values& current) {
  std::vector<limit_status> out;
  out.reserve(limits.size());
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const risk_limit& l = limits[i];
    if (!std::isfinite(l.limit))
      detail::throw_non_finite_at("evaluate_limits", "limits[" + std::to_string(i) + "].limit", l.limit);
    double v = 0;
    switch (l.metric) {
      case limit_metric::max_position_weight:
        v = current.max_position_weight;
        break;
      case limit_metric::max_sector_weight:
        v = current.max_sector_weight;
        break;
      case limit_metric::max_gross_leverage:
        v = current.gross_leverage;
        break;
      case limit_metric::max_beta:
        v = current.beta;
        break;
      case limit_metric::max_var_99_1d:
        v = current.var_99_1d;
        break;
      case limit_metric::max_drawdown:
        v = current.max_drawdown;
        break;
      case limit_metric::max_avg_pairwise_correlation:
        v = current.avg_pairwise_correlation;
        break;
    }
    out.push_back({l, v, v > l.limit});
  }
  return out;
}

}  // namespace keel

#if KEEL_HEADER_ONLY
#include <keel/detail/limits-inl.hpp>
#endif
