// SPDX-License-Identifier: MIT
// libFuzzer target for keel/performance.hpp, keel/concentration.hpp and keel/attribution.hpp.
//
// The first byte says how the rest become numbers: raw doubles (NaN, infinities, subnormals,
// 1e308 and returns below -1 reach every check), raw floats, or small integers scaled to daily
// returns (so the computations themselves run on most inputs). The second byte picks the
// window, the count and options. Every call must throw a keel::error or keep its documented
// contract: no NaN; drawdown depths in [0, 1] with consistent indices; R^2, stability and top
// shares in [0, 1]; HHI in [0, 10,000] with 1 <= effective_n <= n; volatilities, tracking errors
// and downside risk >= 0; attribution effects summing to the active return. A ratio may be
// +-inf only where it is documented to be (a zero denominator). The dated forms equal the plain
// ones on the observed rows, and the rolling out forms, with a workspace reused from the last
// input, equal the plain forms bit for bit.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <keel/attribution.hpp>
#include <keel/concentration.hpp>
#include <keel/performance.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

template <class D>
void check_drawdown(const D& d, std::ptrdiff_t n) {
  require(d.depth >= 0 && d.depth <= 1);
  require(d.trough >= -1 && d.trough < n && d.peak >= -1 && d.peak <= d.trough);
  if (d.depth > 0) require(d.trough >= 0 && d.duration == d.trough - d.peak);
  if (d.recovery) require(*d.recovery > d.trough && *d.recovery < n);
  require(d.recovery_length >= 0);
}

bool not_nan(double v) { return !std::isnan(v); }

template <class Real>
void one_series(const std::vector<Real>& r, std::ptrdiff_t window, double option) {
  const auto n = static_cast<std::ptrdiff_t>(r.size());
  guarded([&] { check_drawdown(keel::max_drawdown(r), n); });
  guarded([&] { check_drawdown(keel::max_drawdown_from_values(r), n); });
  guarded([&] {
    for (const auto& d : keel::top_drawdowns(r, window)) check_drawdown(d, n);
  });
  guarded([&] {
    for (auto v : keel::drawdown_series(r)) require(v >= 0 && v <= 1);
  });
  guarded([&] { require(not_nan(static_cast<double>(keel::annual_return(r, {.periods_per_year = option})))); });
  guarded([&] { require(keel::annual_volatility(r) >= 0); });
  guarded([&] { require(not_nan(static_cast<double>(keel::sharpe_ratio(r, {.risk_free = option * 1e-3})))); });
  guarded([&] { require(keel::downside_risk(r, {.required_return = option * 1e-3}) >= 0); });
  guarded([&] { require(not_nan(static_cast<double>(keel::sortino_ratio(r)))); });
  guarded([&] { require(not_nan(static_cast<double>(keel::calmar_ratio(r)))); });
  guarded([&] { require(keel::omega_ratio(r, {.required_return = option * 1e-2}) >= 0); });
  guarded([&] { require(keel::tail_ratio(r) >= 0); });
  guarded([&] {
    const auto s = keel::stability(r);
    require(s >= 0 && s <= 1);
  });
  guarded([&] {
    for (auto v : keel::rolling_sharpe(r, window).sharpe_ratios) require(not_nan(static_cast<double>(v)));
  });
  guarded([&] {
    for (auto v : keel::rolling_max_drawdown(r, window).depths) require(v >= 0 && v <= 1);
  });
  // Dated forms of the single-series ratios: the plain form on the observed (non-NaN) rows.
  std::vector<std::ptrdiff_t> keys(r.size());
  for (std::size_t i = 0; i < r.size(); ++i) keys[i] = static_cast<std::ptrdiff_t>(i);
  std::vector<Real> kept;
  for (Real v : r)
    if (!std::isnan(v)) kept.push_back(v);
  const keel::dated_view dated(keys, r);
  const auto same = [&](auto&& dated_call, auto&& plain_call) {
    guarded([&] {
      const double d = static_cast<double>(dated_call());
      const double p = static_cast<double>(plain_call());
      require(d == p || (std::isnan(d) && std::isnan(p)));
    });
  };
  same([&] { return keel::annual_return(dated); }, [&] { return keel::annual_return(kept); });
  same([&] { return keel::annual_volatility(dated); }, [&] { return keel::annual_volatility(kept); });
  same([&] { return keel::sharpe_ratio(dated, {.periods_per_year = option}); },
       [&] { return keel::sharpe_ratio(kept, {.periods_per_year = option}); });
  same([&] { return keel::downside_risk(dated); }, [&] { return keel::downside_risk(kept); });
  same([&] { return keel::sortino_ratio(dated); }, [&] { return keel::sortino_ratio(kept); });
  same([&] { return keel::calmar_ratio(dated); }, [&] { return keel::calmar_ratio(kept); });
  same([&] { return keel::omega_ratio(dated); }, [&] { return keel::omega_ratio(kept); });
  same([&] { return keel::tail_ratio(dated); }, [&] { return keel::tail_ratio(kept); });
  same([&] { return keel::stability(dated); }, [&] { return keel::stability(kept); });
  // The rolling out forms, through result and workspace objects reused from the previous input
  // (static: stale scratch would show), equal the plain forms; the dated ones, the plain forms
  // on the observed rows. Either both throw or neither does.
  const auto agree = [&](auto&& out_call, auto&& plain_call) {
    bool out_threw = false, plain_threw = false;
    decltype(plain_call()) expected{};
    try {
      expected = plain_call();
    } catch (const keel::error&) {
      plain_threw = true;
    }
    try {
      const auto got = out_call();
      require(!plain_threw && got == expected);
    } catch (const keel::error&) {
      out_threw = true;
    }
    require(out_threw == plain_threw);
  };
  static keel::rolling_sharpe_result<Real> rs;
  static typename keel::rolling_sharpe_result<Real>::workspace rs_ws;
  static keel::rolling_drawdown_result<Real> rd;
  static typename keel::rolling_drawdown_result<Real>::workspace rd_ws;
  static keel::dated_rolling_sharpe<std::ptrdiff_t, Real> drs;
  static typename keel::dated_rolling_sharpe<std::ptrdiff_t, Real>::workspace drs_ws;
  static keel::dated_rolling_drawdown<std::ptrdiff_t, Real> drd;
  static typename keel::dated_rolling_drawdown<std::ptrdiff_t, Real>::workspace drd_ws;
  const keel::ratio_options ro{.risk_free = option * 1e-3};
  agree(
      [&] {
        keel::rolling_sharpe(r, window, rs, rs_ws, ro);
        return rs.sharpe_ratios;
      },
      [&] { return keel::rolling_sharpe(r, window, ro).sharpe_ratios; });
  agree(
      [&] {
        keel::rolling_max_drawdown(r, window, rd, rd_ws);
        return rd.depths;
      },
      [&] { return keel::rolling_max_drawdown(r, window).depths; });
  agree(
      [&] {
        keel::rolling_sharpe(dated, window, drs, drs_ws, ro);
        return drs.sharpe_ratios.values();
      },
      [&] { return keel::rolling_sharpe(kept, window, ro).sharpe_ratios; });
  agree(
      [&] {
        keel::rolling_max_drawdown(dated, window, drd, drd_ws);
        return drd.depths.values();
      },
      [&] { return keel::rolling_max_drawdown(kept, window).depths; });
  guarded([&] {
    const auto h = keel::hhi(r);
    require(h >= 0 && h <= 10000);
  });
  guarded([&] {
    const auto c = keel::concentration_metrics(r, {.top = {1, window}});
    require(c.hhi >= 0 && c.hhi <= 10000 && c.effective_n >= 1 &&
            c.effective_n <= static_cast<Real>(c.n) * Real(1.000001));
    for (auto s : c.top_shares) require(s >= 0 && s <= 1);
  });
}

template <class Real>
void two_series(const std::vector<Real>& r, const std::vector<Real>& m) {
  guarded([&] { require(not_nan(static_cast<double>(keel::treynor_ratio(r, m)))); });
  guarded([&] { require(keel::tracking_error(r, m) >= 0); });
  guarded([&] { require(not_nan(static_cast<double>(keel::information_ratio(r, m)))); });
  guarded([&] {
    const auto c = keel::capture_ratios(r, m);
    require(std::isfinite(c.up) && std::isfinite(c.down) && not_nan(static_cast<double>(c.ratio)));
  });
  guarded([&] {
    const auto f = keel::alpha_beta(r, m);
    require(std::isfinite(f.alpha) && std::isfinite(f.beta) && f.r_squared >= 0 && f.r_squared <= 1);
  });
}

void sectors_and_attribution(const std::vector<double>& w, const std::vector<double>& x, bool normalise) {
  static const char* const labels[] = {"A", "B", "", "C"};
  std::vector<std::string> sectors;
  for (std::size_t i = 0; i < w.size(); ++i) sectors.emplace_back(labels[i % 4]);
  std::vector<std::pair<std::string, double>> bench;
  for (std::size_t i = 0; i < x.size() && i < 3; ++i) bench.emplace_back(labels[i == 2 ? 3 : i], x[i]);
  guarded([&] {
    const auto s =
        keel::sector_exposure(w, sectors, bench, {.normalise_weights = normalise, .normalise_benchmark = true});
    for (std::size_t i = 0; i < s.sectors.size(); ++i)
      require(not_nan(s.portfolio_weights[i]) && not_nan(s.benchmark_weights[i]) && not_nan(s.active_weights[i]));
  });
  const std::size_t n = std::min(w.size(), x.size());
  const std::vector<double> wp(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n));
  const std::vector<double> rp(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<double> wb(wp.rbegin(), wp.rend()), rb(rp.rbegin(), rp.rend());
  guarded([&] {
    const auto e = keel::brinson_attribution(wp, wb, rp, rb, {.normalise = normalise});
    require(std::isfinite(e.active_return) && std::isfinite(e.allocation + e.selection + e.interaction));
    // The identity holds to rounding relative to the size of the terms summed, and to a few
    // subnormal steps when the terms are subnormal (rounding there is absolute: found by this
    // target, weights near 1e-308 times returns near 1e-322).
    double scale = std::fabs(e.portfolio_return) + std::fabs(e.benchmark_return);
    for (std::size_t i = 0; i < wp.size(); ++i)
      scale += std::fabs(e.allocations[i]) + std::fabs(e.selections[i]) + std::fabs(e.interactions[i]);
    const double terms = 4 + static_cast<double>(n);
    if (std::isfinite(scale))
      require(std::fabs(e.allocation + e.selection + e.interaction - e.active_return) <=
              terms * (1e-12 * scale + 4 * std::numeric_limits<double>::denorm_min()));
  });
  guarded([&] {
    const auto rows = static_cast<Eigen::Index>(n / 2 > 0 ? 2 : 1),
               cols = static_cast<Eigen::Index>(n / static_cast<std::size_t>(rows));
    if (cols == 0) return;
    const Eigen::Map<const Eigen::MatrixXd> a(wp.data(), rows, cols), b(wb.data(), rows, cols),
        c(rp.data(), rows, cols), d(rb.data(), rows, cols);
    const auto l = keel::linked_attribution(a, b, c, d, {.normalise = true});
    require(not_nan(l.active_return) && not_nan(l.allocation) && not_nan(l.selection) && not_nan(l.interaction));
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const std::ptrdiff_t window = 1 + data[1] % 16;
  const double option = static_cast<double>(static_cast<int>(data[1] >> 4) - 4);
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
  const std::vector<double> r(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(half));
  const std::vector<double> m(v.begin() + static_cast<std::ptrdiff_t>(half),
                              v.begin() + static_cast<std::ptrdiff_t>(2 * half));
  one_series(v, window, option);
  two_series(r, m);
  if (mode == 1) {
    one_series(vf, window, option);
    const std::size_t hf = vf.size() / 2;
    two_series(std::vector<float>(vf.begin(), vf.begin() + static_cast<std::ptrdiff_t>(hf)),
               std::vector<float>(vf.begin() + static_cast<std::ptrdiff_t>(hf),
                                  vf.begin() + static_cast<std::ptrdiff_t>(2 * hf)));
  }
  sectors_and_attribution(r, m, (data[1] & 1) != 0);
  return 0;
}
