// SPDX-License-Identifier: MIT
// keel/detail/window.hpp: sliding-window moments with exact periodic restarts, O(n) whatever
// the window. Owned by keel's rolling statistics (rolling_beta, rolling_volatility, rolling
// Sharpe, the streaming estimators); built on detail/moments.hpp.
//
// Method. Windows are processed in blocks of 4 x window consecutive windows. Each block starts
// from exact sums about a fresh shift (the mean of its first window), and slides by adding the
// entering deviation and removing the leaving one, so rounding accumulates over at most eight
// windows' worth of updates. Running sums carry an error of a few ulps of everything added and
// removed (`magnitude`); where a centred sum falls far below that magnitude (a variance that
// collapsed within the block: a run of stale prices, a calm spell after a crash) the window is
// recomputed exactly from the data, and a series' cross sums with it are recomputed too.
// Result: every window agrees with the direct two-pass computation to 1e-12 relative on daily
// returns (tests/beta_test.cpp checks every window; measured worst 9e-13).
//
// Ref: Chan, Golub and LeVeque, Amer. Statist. 37 (1983) (updating and two-pass formulas).
// IWYU pragma: private, include <keel/series.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/lanes.hpp>
#include <keel/detail/moments.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

/// Whether a centred sum computed by updates is too small to trust against the `magnitude` of
/// what was added and removed: then it is recomputed exactly.
template <class Acc>
[[nodiscard]] bool needs_exact(Acc centred, Acc magnitude) {
  return !(centred > Acc(1e-3) * magnitude);
}

/// Moments of every window of one series, window k covering x[k, k + window). Computed once and
/// shared by everything rolled against the series (every asset against one market). Vectors
/// keep their capacity, so a reused object costs no allocation.
template <class Acc>
struct window_moments {
  std::ptrdiff_t window = 0;               ///< the window length w
  std::ptrdiff_t block = 0;                ///< windows per block (4 w)
  std::vector<Acc> block_shift;            ///< per block: the shift of its sums
  std::vector<Acc> x_in, x_out;            ///< per window: the entering / leaving deviation from the shift
  std::vector<Acc> sum_dx_w;               ///< per window: the shifted sum / w, consistent with `mean`
  std::vector<Acc> mean;                   ///< per window: the mean
  std::vector<Acc> sxx;                    ///< per window: the centred sum of squares
  std::vector<unsigned char> exact;        ///< per window: recomputed exactly from the data
  std::vector<unsigned char> block_exact;  ///< per block: whether any of its windows is exact

  /// Number of windows.
  [[nodiscard]] std::ptrdiff_t size() const { return ssize(mean); }
};

/// Fills `out` with the moments of every window of length `w` of x[0, n) (n >= w >= 1).
/// Returns false (out's contents then unspecified) when a NaN, an infinity or an overflow
/// poisoned the sums; the caller locates the value and throws.
template <class Acc>
[[nodiscard]] bool rolling_moments(const Acc* x, std::ptrdiff_t n, std::ptrdiff_t w, window_moments<Acc>& out) {
  const std::ptrdiff_t ends = n - w + 1;
  const Acc dw = static_cast<Acc>(w);
  out.window = w;
  out.block = 4 * w;
  const auto blocks = uz((ends + out.block - 1) / out.block);
  out.block_shift.resize(blocks);
  out.block_exact.assign(blocks, 0);
  for (auto* v : {&out.x_in, &out.x_out, &out.sum_dx_w, &out.mean, &out.sxx}) v->resize(uz(ends));
  out.exact.assign(uz(ends), 0);
  for (std::ptrdiff_t b0 = 0; b0 < ends; b0 += out.block) {
    const std::ptrdiff_t b1 = std::min(ends, b0 + out.block);
    const auto bi = uz(b0 / out.block);
    const Acc shift = block_mean<Acc>(x, b0, b0 + w);
    out.block_shift[bi] = shift;
    const shifted_sum<Acc> first = sum_deviations<Acc>(x, b0, b0 + w, shift);
    Acc s = first.x, ss = first.xx, magnitude = first.xx;
    for (std::ptrdiff_t k = b0; k < b1; ++k) {
      const auto u = uz(k);
      out.x_in[u] = out.x_out[u] = 0;
      if (k > b0) {
        const Acc dn = x[k + w - 1] - shift;
        const Acc dold = x[k - 1] - shift;
        out.x_in[u] = dn;
        out.x_out[u] = dold;
        s += dn - dold;
        ss += dn * dn - dold * dold;
        magnitude += dn * dn + dold * dold;
      }
      Acc c = ss - s * s / dw;
      Acc mean = shift + s / dw;
      if (!std::isfinite(c) || !std::isfinite(mean)) return false;
      if (needs_exact(c, magnitude)) {
        const moments<Acc> m = centred_about<Acc>(x, k, k + w, pick_shift<Acc>(x + k, w));
        c = m.sxx;
        mean = m.mean;
        out.exact[u] = 1;
        out.block_exact[bi] = 1;
      }
      out.sum_dx_w[u] = mean - shift;
      out.mean[u] = mean;
      out.sxx[u] = c;
    }
  }
  return true;
}

/// The exact sums of lanes y[l] over the first window [b0, b0 + w) of a block, about a fresh
/// shift per lane (the window's mean) and the block's shift of x.
template <class V, class Acc = lane_t<V>>
void start_block(const Acc* const* y, const Acc* x, std::ptrdiff_t w, std::ptrdiff_t b0, Acc x_shift, V& shift, V& sy,
                 V& syy, V& sxy) {
  constexpr std::size_t width = pack_width<V>;
  Acc lane_shift[width], lane_sy[width], lane_syy[width], lane_sxy[width];
  for (std::size_t l = 0; l < width; ++l) {
    lane_shift[l] = block_mean<Acc>(y[l], b0, b0 + w);
    const shifted_sums<Acc> first = sum_deviations<Acc>(x, y[l], b0, b0 + w, x_shift, lane_shift[l]);
    lane_sy[l] = first.y;
    lane_syy[l] = first.yy;
    lane_sxy[l] = first.xy;
  }
  shift = from_lanes<V>(lane_shift);
  sy = from_lanes<V>(lane_sy);
  syy = from_lanes<V>(lane_syy);
  sxy = from_lanes<V>(lane_sxy);
}

/// Rolls pack_width<V> series y[0..width) (each of the length of x) against the window moments
/// `mx` of x, calling sink(k, lane0, cxy, cyy, mean_y) for window k: V-valued centred cross sum
/// S_xy, S_yy and mean of y over the window, for the lanes from lane0 (all lanes of the pack).
/// A window whose sums cannot be trusted (the y lane's S_yy collapsed, or x's window was
/// recomputed exactly, which leaves S_xy with x's cancelled error) is recomputed from the data
/// and passed to the sink again, one lane at a time (V = the lane type then). Returns the first
/// lane whose running sums a NaN, an infinity or an overflow poisoned, or -1.
template <class V, class Sink>
[[nodiscard]] std::ptrdiff_t rolling_cross(const lane_t<V>* const* y, const lane_t<V>* x,
                                           const window_moments<lane_t<V>>& mx, Sink&& sink) {
  using Acc = lane_t<V>;
  constexpr std::size_t width = pack_width<V>;
  const std::ptrdiff_t w = mx.window;
  const std::ptrdiff_t ends = mx.size();
  const V inv_w = splat<V>(1 / static_cast<Acc>(w));
  V shift{}, sy{}, syy{}, sxy{}, magnitude{};
  bool x_exact = false;  // whether the current block has exactly recomputed x windows
  const auto emit = [&](std::ptrdiff_t k) {
    const auto u = uz(k);
    const V cxy = sxy - splat<V>(mx.sum_dx_w[u]) * sy;
    const V cyy = syy - sy * sy * inv_w;
    sink(k, std::size_t{0}, cxy, cyy, shift + sy * inv_w);
    bool accurate = !(x_exact && mx.exact[u] != 0);
    if constexpr (width == 1) {
      accurate = accurate && !needs_exact(cyy, magnitude);
    } else {
      const auto ok = cyy > splat<V>(Acc(1e-3)) * magnitude;
      accurate = accurate && (ok[0] & ok[1]) != 0;
    }
    if (accurate) return;
    for (std::size_t l = 0; l < width; ++l) {
      if ((mx.exact[u] != 0 || needs_exact(lane(cyy, l), lane(magnitude, l))) && std::isfinite(lane(cyy, l))) {
        const pair_moments<Acc> m = centred_about<Acc>(x, y[l], k, k + w, mx.mean[u], pick_shift<Acc>(y[l] + k, w));
        sink(k, l, m.sxy, m.syy, m.mean_y);
      }
    }
  };
  for (std::ptrdiff_t b0 = 0; b0 < ends; b0 += mx.block) {
    const std::ptrdiff_t b1 = std::min(ends, b0 + mx.block);
    const auto bi = uz(b0 / mx.block);
    const Acc x_shift = mx.block_shift[bi];
    x_exact = mx.block_exact[bi] != 0;
    start_block<V>(y, x, w, b0, x_shift, shift, sy, syy, sxy);
    magnitude = syy;
    emit(b0);
    for (std::ptrdiff_t k = b0 + 1; k < b1; ++k) {
      const auto u = uz(k);
      const V dyn = gather<V>(y, k + w - 1) - shift;
      const V dyo = gather<V>(y, k - 1) - shift;
      const V qn = dyn * dyn, qo = dyo * dyo;
      sy += dyn - dyo;
      syy += qn - qo;
      sxy += splat<V>(mx.x_in[u]) * dyn - splat<V>(mx.x_out[u]) * dyo;
      magnitude += qn + qo;
      emit(k);
    }
    // A NaN or infinity that entered any window of this block has poisoned the running sums
    // (NaN stays NaN as it leaves the window: NaN - NaN is NaN); report the lane.
    for (std::size_t l = 0; l < width; ++l)
      if (!(std::isfinite(lane(sy, l)) && std::isfinite(lane(syy, l)) && std::isfinite(lane(sxy, l))))
        return static_cast<std::ptrdiff_t>(l);
  }
  return -1;
}

}  // namespace keel::detail
