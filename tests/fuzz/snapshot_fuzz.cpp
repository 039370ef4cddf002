// SPDX-License-Identifier: MIT
// libFuzzer target for keel/snapshot.hpp: prepare_universe, summarize_risk and risk_snapshot
// over holdings, prices and options decoded from bytes.
//
// Byte 0 picks the number of assets (1-4) and byte 1 the window and the holdings' signs; the
// rest become prices: small integers scaled to daily moves (so the pipeline runs on most inputs)
// or raw doubles when byte 0's high bit is set (NaN, infinities, zeros and 1e308 reach every
// check). Every call must either throw a keel::error or return a snapshot that keeps its
// documented contract: finite value > 0, weights summing to 1, VaRs finite, betas finite,
// limit values finite and non-negative. Anything else traps.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <keel/snapshot.hpp>

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

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
