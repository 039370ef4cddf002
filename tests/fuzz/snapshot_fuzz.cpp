// SPDX-License-Identifier: MIT
// libFuzzer target for keel/snapshot.hpp: prepare_universe, summarize_risk and risk_snapshot
// over holdings, prices and options decoded from bytes.
//
// Byte 0 picks the number of assets (1-4) and byte 1 the window and the holdings' signs; the
// rest become prices: small integers scaled to daily moves (so the pipeline runs on most inputs)
// or raw doubles when byte 0's high bit is set (NaN, infinities, zeros and 1e308 reach every
// check); bits 3-4 of byte 2 add factor returns (section 11), whole, with a date missing or
// collinear; bits 5-6 give the hedge comparison's index options. Every call must either throw
// a keel::error or return a snapshot that keeps its documented contract: finite value > 0,
// weights summing to 1, VaRs finite, betas finite, limit values finite and non-negative, a
// GARCH fit finite or with its reason, factor contributions summing to the factor variance, a
// hedge comparison with finite figures or its reason. Anything else traps.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/snapshot.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

void check(const keel::snapshot& s) {
  require(std::isfinite(s.value) && s.value > 0);
  double w = 0;
  for (const auto& p : s.positions) w += p.weight;
  require(std::abs(w - 1) < 1e-6);
  for (const auto& r : s.var.rows)
    require(std::isfinite(r.parametric.var) && std::isfinite(r.historical.var) && std::isfinite(r.monte_carlo.var));
  for (const auto& b : s.betas.positions) require(std::isfinite(b.beta));
  const auto& v = s.limits.values;
  for (double x : {v.max_position_weight, v.max_sector_weight, v.gross_leverage, v.beta, v.max_drawdown})
    require(std::isfinite(x) && x >= 0);
  require(std::isfinite(v.var_99_1d) && std::isfinite(v.avg_pairwise_correlation));
  // Section 11: a GARCH fit gives finite figures or a reason; a factor breakdown adds up.
  const auto& g = s.risk_models.garch;
  if (g.reason.empty())
    require(std::isfinite(g.volatility_1d) && g.volatility_1d >= 0 && std::isfinite(g.volatility_10d) &&
            std::isfinite(g.long_run_volatility) && g.persistence < 1);
  else
    require(g.volatility_1d == 0 && g.omega == 0);
  if (s.risk_models.factors) {
    const auto& f = *s.risk_models.factors;
    require(std::isfinite(f.total_variance) && f.factor_variance >= 0 && f.specific_variance >= 0);
    require(f.explained_share >= 0 && f.explained_share <= 1 + 1e-12);
    double sum = 0;
    for (const auto& k : f.factors) sum += k.contribution;
    require(std::abs(sum - f.factor_variance) <= 1e-9 * std::max(1.0, f.total_variance));
  }
  // Section 9's comparison: made, with finite figures for every strategy that has an answer,
  // or absent with its reason (never both, never neither).
  const auto& hd = s.hedge;
  require(hd.comparison.has_value() == hd.comparison_reason.empty());
  if (hd.comparison) {
    require(hd.comparison->strategies.size() == 6);
    for (const auto& a : hd.comparison->strategies) {
      if (!a.reason.empty()) continue;
      require(std::isfinite(a.beta) && std::isfinite(a.volatility) && a.volatility >= 0 && std::isfinite(a.cost) &&
              a.cost >= 0 && std::isfinite(a.premium));
      for (const double x : a.vars) require(std::isfinite(x));
      for (const double x : a.cvars) require(std::isfinite(x));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const bool raw = (data[0] & 0x80) != 0;
  const int assets = 1 + data[0] % 4;
  const std::ptrdiff_t window = 60 + data[1] % 40;
  const int rows = static_cast<int>(window) + 1 + data[2] % 8;
  keel::price_table p;
  std::chrono::sys_days d{std::chrono::year(2020) / 1 / 1};
  for (int t = 0; t < rows; ++t) p.dates.emplace_back(d + std::chrono::days(t));
  for (int j = 0; j <= assets; ++j) p.symbols.push_back(j == assets ? "M" : "A" + std::to_string(j));
  p.prices.resize(rows, assets + 1);
  std::size_t at = 3;
  for (int j = 0; j <= assets; ++j) {
    double level = 100;
    for (int t = 0; t < rows; ++t) {
      if (raw && at + sizeof(double) <= size) {
        std::memcpy(&level, data + at, sizeof(double));
        at += sizeof(double);
      } else {
        const int byte = at < size ? data[at++] : 128;
        level *= 1 + (byte - 128) / 4000.0;
      }
      p.prices(t, j) = level;
    }
  }
  std::vector<keel::holding> h;
  for (int j = 0; j < assets; ++j)
    h.push_back({"A" + std::to_string(j), ((data[1] >> j) & 1) ? -10.0 : 10.0 + j, j % 2 ? "X" : ""});
  keel::snapshot_options o{.market = "M", .window = window, .mc_paths = 100};
  o.limits = {{keel::limit_metric::max_beta, 1.0}, {keel::limit_metric::max_drawdown, 0.2}};
  o.frontier_points = 3;
  // Bits 3-4 of byte 2 add factor returns: none, the market's returns and a byte-driven factor,
  // the same with one date missing, or the market's returns twice (collinear).
  const int factor_mode = (data[2] >> 3) & 3;
  if (factor_mode != 0) {
    keel::return_table f;
    f.symbols = {"F0", "F1"};
    f.dates.assign(p.dates.begin() + 1, p.dates.end());
    f.returns.resize(rows - 1, 2);
    for (int t = 0; t + 1 < rows; ++t) {
      f.returns(t, 0) = p.prices(t + 1, assets) / p.prices(t, assets) - 1;
      const int byte = at < size ? data[at++] : 128;
      f.returns(t, 1) = factor_mode == 3 ? f.returns(t, 0) : (byte - 128) / 2000.0;
    }
    if (factor_mode == 2) {
      const auto gap = static_cast<Eigen::Index>(data[1] % (rows - 1));
      f.dates.erase(f.dates.begin() + gap);
      Eigen::MatrixXd kept(rows - 2, 2);
      kept << f.returns.topRows(gap), f.returns.bottomRows(rows - 2 - gap);
      f.returns = kept;
    }
    o.factor_returns = std::move(f);
  }
  // Bits 5-6 of byte 2: the comparison's index options at the market's volatility, or given
  // terms (volatility, rate and maturity from the next bytes; a zero byte gives a zero
  // volatility, which is invalid_input).
  if (((data[2] >> 5) & 3) != 0) {
    keel::index_option_terms x;
    x.symbol = "M";
    x.market.spot = 100;
    x.market.volatility = (at < size ? data[at++] : 20) / 100.0;
    x.market.rate = ((at < size ? data[at++] : 128) - 128) / 1000.0;
    x.maturity = (1 + (at < size ? data[at++] : 63)) / 256.0;
    x.half_spread = ((data[2] >> 5) & 3) == 3 ? 0.01 : 0;
    o.index_options = x;
  }
  try {
    check(keel::risk_snapshot(h, p, o));
  } catch (const keel::error&) {
  }
  try {
    const auto u = keel::prepare_universe(p, o);
    const auto s = keel::summarize_risk(h, u, o);
    require(std::isfinite(s.var_99) && std::isfinite(s.volatility) && s.volatility >= 0);
  } catch (const keel::error&) {
  }
  return 0;
}
