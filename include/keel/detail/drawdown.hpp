// SPDX-License-Identifier: MIT
// keel/detail/drawdown.hpp: drawdown episodes of a wealth path and the maximum drawdown of every
// window, both O(n). Owned by keel/performance.hpp (max_drawdown, drawdown_series,
// top_drawdowns, rolling_max_drawdown, calmar_ratio); the risk snapshot reuses it.
//
// Episodes. Wealth is tracked relative to its running peak as u = W / peak - 1 <= 0, updated by
// u <- u + r (1 + u) for a return r (by u = (v - peak) / peak for values), which keeps the
// relative precision of a small drawdown that 1 - W / peak would cancel; a point with u >= 0 is
// a new peak (u is reset to 0). The path is cut into underwater episodes: from a peak to the
// first point at or above it again (the recovery), each with its deepest point (the trough, the
// earliest one on ties). The episodes do not overlap, so the top-k drawdowns are the k deepest
// of them, exactly pyfolio's repeated "find the deepest, cut out its peak..recovery" procedure.
//
// Windows. The maximum drawdown of the w + 1 wealth points of a window of w returns is a
// monoid fold: a run of points summarised relative to its first point by (T = last / first,
// M = max / first, L = min / first, D = the worst ratio later / earlier, <= 1) combines as
//   A (+)_g B = (A.T g B.T, max(A.M, A.T g B.M), min(A.L, A.T g B.L), min(A.D, B.D, A.T g B.L / A.M))
// with g the growth factor between A's last and B's first point. Points are cut into blocks of
// w + 1; a window is a suffix of one block (folded right to left once per block) and a prefix
// of the next (folded left to right as the window end advances), the van Herk / Gil-Werman
// decomposition, so every window costs O(1) and no sum is ever "removed" (the fold is not
// invertible). Each summary is relative to its own first point, so rounding is that of at most
// 2w products and a wipe-out (a factor of 0) needs no special case: A.M >= 1 always.
//
// Ref: Magdon-Ismail and Atiya, "Maximum drawdown", Risk 17 (2004); M. van Herk, Pattern Recogn.
// Lett. 13 (1992) and Gil and Werman, IEEE PAMI 15 (1993) (sliding-window folds in O(1)).
// IWYU pragma: private, include <keel/performance.hpp>
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/traits.hpp>

namespace keel::detail {

/// One underwater episode of a path of points 0..n-1 (point -1: the starting wealth of a
/// return series). depth = 1 - trough / peak > 0.
template <class Acc>
struct episode {
  std::ptrdiff_t peak = -1;
  std::ptrdiff_t trough = -1;
  std::ptrdiff_t recovery = -1;  ///< -1: still under water at the last point
  Acc depth = 0;
};

/// Walks a path given as successive u = W / peak - 1 updates. `step(t, u)` returns the new u
/// of point t from the previous one; `point(t, u)` sees every point's u after the peak reset
/// (0 at a peak); `close(e)` receives every episode in order. Returns the number of episodes.
template <class Acc, class Step, class Point, class Close>
std::ptrdiff_t walk_episodes(std::ptrdiff_t first_peak, std::ptrdiff_t n, Step&& step, Point&& point, Close&& close) {
  Acc u = 0;
  episode<Acc> open;
  open.peak = first_peak;
  bool under = false;
  std::ptrdiff_t count = 0;
  for (std::ptrdiff_t t = first_peak + 1; t < n; ++t) {
    u = step(t, u);
    if (u >= 0) {
      u = 0;
      if (under) {
        open.recovery = t;
        close(open);
        ++count;
        under = false;
      }
      open.peak = t;
    } else if (!under || -u > open.depth) {
      if (!under) under = true;
      open.trough = t;
      open.depth = -u;
    }
    point(t, u);
  }
  if (under) {
    open.recovery = -1;
    close(open);
    ++count;
  }
  return count;
}

/// A run of wealth points summarised relative to its first point (see the file comment).
template <class Acc>
struct run_summary {
  Acc total = 1;  ///< last / first
  Acc max = 1;    ///< max / first (>= 1)
  Acc min = 1;    ///< min / first (<= 1)
  Acc worst = 1;  ///< min over i <= j of point j / point i (<= 1)
};

/// Scratch of rolling_window_drawdowns: one block's suffix summaries (rolling_drawdown_result::workspace).
template <class Acc>
struct window_drawdown_workspace {
  std::vector<Acc> suffix_total, suffix_max, suffix_worst;
};

/// The maximum drawdown depth 1 - D of every window of w returns: factor(t) is the growth
/// factor 1 + r of return t (t = 0..n-1), so a window k covers points k..k+w of the wealth path
/// (point 0 the start). Writes n - w + 1 depths through out(k, depth). Returns false when a
/// product overflowed (finite inputs whose compounded growth exceeds the type).
template <class Acc, class Factor, class Out>
[[nodiscard]] bool rolling_window_drawdowns(std::ptrdiff_t n, std::ptrdiff_t w, Factor&& factor, Out&& out,
                                            window_drawdown_workspace<Acc>& ws) {
  const std::ptrdiff_t m = w + 1;                                                    // points per window and per block
  const std::ptrdiff_t points = n + 1;                                               // point p follows return p - 1
  const auto g = [&](std::ptrdiff_t p) { return static_cast<Acc>(factor(p - 1)); };  // point p-1 -> p
  ws.suffix_total.resize(uz(m));
  ws.suffix_max.resize(uz(m));
  ws.suffix_worst.resize(uz(m));
  run_summary<Acc> prefix;  // points [start of the end's block, end]
  const auto extend = [&](std::ptrdiff_t end) {
    const Acc f = prefix.total * g(end);
    prefix.worst = std::min(prefix.worst, f / prefix.max);
    prefix.total = f;
    prefix.max = std::max(prefix.max, f);
    prefix.min = std::min(prefix.min, f);
    return std::isfinite(f);
  };
  bool finite = true;
  for (std::ptrdiff_t p = 1; p < w; ++p) finite = extend(p) && finite;  // the first window's points before its end
  for (std::ptrdiff_t k = 0; k + w < points; ++k) {
    const std::ptrdiff_t end = k + w;
    if (k % m == 0) {  // a new block starts at k: fold its suffixes right to left
      const std::ptrdiff_t last = std::min(points, k + m) - 1;
      Acc total = 1, mx = 1, mn = 1, worst = 1;
      ws.suffix_total[uz(last - k)] = 1;
      ws.suffix_max[uz(last - k)] = 1;
      ws.suffix_worst[uz(last - k)] = 1;
      for (std::ptrdiff_t p = last - 1; p >= k; --p) {
        const Acc f = g(p + 1);
        worst = std::min(worst, f * mn);
        total *= f;
        mx = std::max(Acc(1), f * mx);
        mn = std::min(Acc(1), f * mn);
        ws.suffix_total[uz(p - k)] = total;
        ws.suffix_max[uz(p - k)] = mx;
        ws.suffix_worst[uz(p - k)] = worst;
      }
      finite = finite && std::isfinite(total) && std::isfinite(mx);
    }
    if (end % m == 0)
      prefix = run_summary<Acc>{};
    else
      finite = extend(end) && finite;
    Acc worst = prefix.worst;
    if (k % m != 0) {  // the window is suffix(k) of one block then prefix(end) of the next
      const auto i = uz(k % m);
      const Acc bridge = ws.suffix_total[i] * g(end - end % m) * prefix.min / ws.suffix_max[i];
      worst = std::min({ws.suffix_worst[i], prefix.worst, bridge});
    }
    out(k, Acc(1) - worst);
  }
  return finite;
}

}  // namespace keel::detail
