// SPDX-License-Identifier: MIT
// keel/detail/cluster.hpp: agglomerative (hierarchical) clustering of a condensed distance
// matrix into a SciPy-format linkage matrix, its leaf order and its flat clusters, and the two
// hierarchical allocations on it (HRP's recursive bisection, HERC's top-down split). Owned by
// keel/construction.hpp (hierarchical_risk_parity, hierarchical_equal_risk_contribution).
//
// The linkage matrix Z (SciPy's format, scipy.cluster.hierarchy.linkage): N - 1 rows [a, b,
// distance, count]; row k merges clusters a < b into the cluster numbered N + k (0..N-1 are the
// points); rows sorted by distance with a stable sort. SciPy's algorithms are followed step by
// step, so that ties resolve as they do there, and so the same data gives the same tree:
//   - single: Prim's minimum spanning tree on the dense matrix (SciPy's mst_single_linkage,
//     O(N^2) time, O(N) extra memory): the tree grows from point 0; each step takes the
//     outside point nearest the tree (first such point on a tie) and records (last added, it).
//   - complete, average, ward: the nearest-neighbour chain (SciPy's nn_chain; Murtagh 1983,
//     Mullner 2011), O(N^2) time for these reducible linkages, on a copy of the condensed
//     matrix updated by Lance-Williams: complete max(d_xi, d_yi); average (n_x d_xi + n_y d_yi)
//     / (n_x + n_y); Ward sqrt(((n_i + n_x) d_xi^2 + (n_i + n_y) d_yi^2 - n_i d_xy^2) / (n_i +
//     n_x + n_y)), written in SciPy's order of operations. The chain prefers its previous
//     element on a tie, as SciPy's does, and the merged cluster takes the larger slot.
//   - then the rows are sorted stably by distance and relabelled by union-find (SciPy's
//     `label`): each row names the current roots of its two points, smaller first.
// Ward treats the given distances as Euclidean (as SciPy does when handed a condensed matrix).
//
// Leaf order: to_tree(Z).pre_order(), a depth-first walk from the root taking Z[k, 0] (the
// left child) before Z[k, 1]. Flat clusters: with k requested, the merges are applied in Z's
// order up to N - k of them, and then every further merge of the same height (fcluster's
// 'maxclust' criterion: the lowest cut height leaving at most k clusters; ties can leave
// fewer). The gap rule (skfolio's compute_optimal_n_clusters; Yue, Wang and Wei 2009): cut
// into k = 1 .. K clusters, K = min(N, max(8, round(sqrt N))) (cut_tree: exactly N - k
// merges, in cut_tree's order, which differs from Z's among merges of equal height), W_k = sum over clusters of 2+
// members of their mean pairwise distance, and k = argmax_k (W_{k+1} + W_{k-1} - 2 W_k) over k = 2 .. K - 1 (the first
// on a tie).
//
// Optimal leaf ordering (Bar-Joseph, Gifford and Jaakkola 2001; SciPy's optimal_leaf_ordering,
// code from Veres's polo): each node's two children may be swapped, and among those 2^(N-1)
// orders the one with the least sum of distances between adjacent leaves is sought. For
// leaves u, w in different children of a node, C(u, w) = min over m, k of C(u, m) + d(m, k) +
// C(k, w), m and k the inner ends of the two children's orders (C(u, u) = 0 for a leaf);
// candidate pairs are visited in ascending C(u, m) and C(k, w) and cut off once C(u, m) + C(k,
// w) + min d reaches the best (Bar-Joseph et al.'s pruning; O(N^3) time at worst, much less in
// practice; O(N^2) memory: the square distances, C, and a byte or two indices per pair). keel
// reproduces SciPy's choices exactly, which takes three of its details:
//   - precision: C is stored in single precision; a candidate is (C + C) in float, plus the
//     double distance, rounded to float; the pruning bound uses min d rounded to float. Equal
//     float costs of different orders are then ties, decided as below, so double costs would
//     choose differently; keel computes in float for optimal_leaf_ordering. (SciPy starts its
//     minima at 2^30 where keel starts at infinity: the same result below costs of 2^30.)
//   - ties: a node's best ends (u, w) are the first least C scanning u, then w, by position in
//     the current leaf order; the candidates are visited in the order SciPy's (unstable)
//     quicksort leaves them, reproduced, since with float rounding the visited set decides C.
//   - swaps: SciPy fixes each node's children from that node's own best ends, and a parent
//     only mirrors the node as a whole. That is not always the minimal order (scipy issue
//     11227: the best order of a subtree need not be part of the best order of the tree);
//     keel returns it as SciPy does, for the same order as skfolio. minimal_leaf_ordering
//     back-tracks instead (the node's ends chosen by its parent, then its inner ends m, k
//     recorded for that choice), in the distances' precision, and attains the minimum; the
//     root keeps its children's order (the reverse of an order has the same sum).
//
// Refs: F. Murtagh, "A survey of recent advances in hierarchical clustering algorithms",
// Computer J. 26 (1983) 354-359; D. Mullner, "Modern hierarchical, agglomerative clustering
// algorithms", arXiv:1109.2378 (2011); J. C. Gower and G. J. S. Ross, "Minimum spanning trees
// and single linkage cluster analysis", Appl. Stat. 18 (1969) 54-64; Z. Bar-Joseph, D. K. Gifford
// and T. S. Jaakkola, "Fast optimal leaf ordering for hierarchical clustering", Bioinformatics
// 17 (2001) S22-S29; M. Lopez de Prado,
// "Building diversified portfolios that outperform out of sample", J. Portfolio Management 42
// (2016) 59-69; T. Raffinot, "The hierarchical equal risk contribution portfolio", SSRN 3237540
// (2018); M. Yue, J. Wang and Z. Wei, "Application of two-order difference to gap statistic",
// Trans. Tianjin Univ. 15 (2009) 217-221.
// IWYU pragma: private, include <keel/construction.hpp>
#pragma once

#include <keel/detail/config.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <keel/detail/check.hpp>
#include <keel/detail/text.hpp>
#include <keel/detail/traits.hpp>
#include <keel/error.hpp>

namespace keel::detail {

/// The between-cluster distance rule (keel::linkage_method maps onto it one to one).
enum class merge_rule { single, complete, average, ward };

/// Index of the pair (i, j), i < j, in a condensed matrix of n points (SciPy's layout: row by
/// row of the upper triangle).
[[nodiscard]] constexpr std::ptrdiff_t condensed_index(std::ptrdiff_t n, std::ptrdiff_t i, std::ptrdiff_t j) noexcept {
  if (i > j) std::swap(i, j);
  return n * i - i * (i + 1) / 2 + (j - i - 1);
}

/// A SciPy-format linkage matrix: N - 1 rows of [a, b, distance, count].
template <class Acc>
using linkage_matrix = Eigen::Matrix<Acc, Eigen::Dynamic, 4>;

/// SciPy's `label`: sorts the merges stably by distance, then names each row's clusters by
/// their current union-find roots (smaller first) and its size; cluster N + k is row k.
template <class Acc>
void label_merges(linkage_matrix<Acc>& z, std::ptrdiff_t n) {
  const std::ptrdiff_t m = n - 1;
  std::vector<std::ptrdiff_t> rows(uz(m));
  std::iota(rows.begin(), rows.end(), std::ptrdiff_t{0});
  std::stable_sort(rows.begin(), rows.end(), [&](std::ptrdiff_t a, std::ptrdiff_t b) { return z(a, 2) < z(b, 2); });
  const linkage_matrix<Acc> unsorted = z;
  std::vector<std::ptrdiff_t> parent(uz(2 * n - 1)), size(uz(2 * n - 1), 1);
  std::iota(parent.begin(), parent.end(), std::ptrdiff_t{0});
  const auto find = [&](std::ptrdiff_t x) {
    std::ptrdiff_t root = x;
    while (parent[uz(root)] != root) root = parent[uz(root)];
    while (parent[uz(x)] != root) {  // path compression
      const std::ptrdiff_t next = parent[uz(x)];
      parent[uz(x)] = root;
      x = next;
    }
    return root;
  };
  for (std::ptrdiff_t k = 0; k < m; ++k) {
    const auto r = rows[uz(k)];
    const std::ptrdiff_t a = find(static_cast<std::ptrdiff_t>(unsorted(r, 0)));
    const std::ptrdiff_t b = find(static_cast<std::ptrdiff_t>(unsorted(r, 1)));
    const std::ptrdiff_t label = n + k;
    parent[uz(a)] = parent[uz(b)] = label;
    size[uz(label)] = size[uz(a)] + size[uz(b)];
    z(k, 0) = static_cast<Acc>(std::min(a, b));
    z(k, 1) = static_cast<Acc>(std::max(a, b));
    z(k, 2) = unsorted(r, 2);
    z(k, 3) = static_cast<Acc>(size[uz(label)]);
  }
}

/// Single linkage by Prim's minimum spanning tree on the dense condensed matrix (SciPy's
/// mst_single_linkage); rows unsorted, points as labels.
template <class Acc>
void mst_single_linkage(const std::vector<Acc>& d, std::ptrdiff_t n, linkage_matrix<Acc>& z) {
  std::vector<char> merged(uz(n), 0);
  std::vector<Acc> nearest(uz(n), std::numeric_limits<Acc>::infinity());
  std::ptrdiff_t x = 0, y = 0;
  for (std::ptrdiff_t k = 0; k < n - 1; ++k) {
    Acc best = std::numeric_limits<Acc>::infinity();
    merged[uz(x)] = 1;
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      if (merged[uz(i)] != 0) continue;
      const Acc dist = d[uz(condensed_index(n, x, i))];
      if (nearest[uz(i)] > dist) nearest[uz(i)] = dist;
      if (nearest[uz(i)] < best) {
        y = i;
        best = nearest[uz(i)];
      }
    }
    z(k, 0) = static_cast<Acc>(x);
    z(k, 1) = static_cast<Acc>(y);
    z(k, 2) = best;
    z(k, 3) = 0;
    x = y;
  }
}

/// The Lance-Williams update of the distance from cluster i to the union of x and y, in
/// SciPy's order of operations (_hierarchy_distance_update.pxi).
template <class Acc>
[[nodiscard]] Acc lance_williams(merge_rule rule, Acc d_xi, Acc d_yi, Acc d_xy, std::ptrdiff_t nx, std::ptrdiff_t ny,
                                 std::ptrdiff_t ni) {
  switch (rule) {
    case merge_rule::complete:
      return std::max(d_xi, d_yi);
    case merge_rule::average:
      return (static_cast<Acc>(nx) * d_xi + static_cast<Acc>(ny) * d_yi) / static_cast<Acc>(nx + ny);
    case merge_rule::ward: {
      const Acc t = Acc(1) / static_cast<Acc>(nx + ny + ni);
      return std::sqrt(static_cast<Acc>(ni + nx) * t * d_xi * d_xi + static_cast<Acc>(ni + ny) * t * d_yi * d_yi -
                       static_cast<Acc>(ni) * t * d_xy * d_xy);
    }
    case merge_rule::single:
      break;
  }
  return std::min(d_xi, d_yi);
}

/// Complete, average or Ward linkage by the nearest-neighbour chain (SciPy's nn_chain); rows
/// unsorted, with a point of each cluster as its label. `d` is consumed.
template <class Acc>
void nn_chain_linkage(std::vector<Acc>& d, std::ptrdiff_t n, merge_rule rule, linkage_matrix<Acc>& z) {
  std::vector<std::ptrdiff_t> size(uz(n), 1), chain(uz(n));
  std::ptrdiff_t length = 0;
  for (std::ptrdiff_t k = 0; k < n - 1; ++k) {
    if (length == 0) {
      length = 1;
      for (std::ptrdiff_t i = 0; i < n; ++i)
        if (size[uz(i)] > 0) {
          chain[0] = i;
          break;
        }
    }
    std::ptrdiff_t x = 0, y = 0;
    Acc best = 0;
    for (;;) {  // follow nearest neighbours until two are mutual
      x = chain[uz(length - 1)];
      if (length > 1) {  // prefer the previous element on a tie: no cycles
        y = chain[uz(length - 2)];
        best = d[uz(condensed_index(n, x, y))];
      } else {
        best = std::numeric_limits<Acc>::infinity();
      }
      for (std::ptrdiff_t i = 0; i < n; ++i) {
        if (size[uz(i)] == 0 || i == x) continue;
        const Acc dist = d[uz(condensed_index(n, x, i))];
        if (dist < best) {
          best = dist;
          y = i;
        }
      }
      if (length > 1 && y == chain[uz(length - 2)]) break;
      chain[uz(length)] = y;
      ++length;
    }
    length -= 2;
    if (x > y) std::swap(x, y);
    const std::ptrdiff_t nx = size[uz(x)], ny = size[uz(y)];
    z(k, 0) = static_cast<Acc>(x);
    z(k, 1) = static_cast<Acc>(y);
    z(k, 2) = best;
    z(k, 3) = static_cast<Acc>(nx + ny);
    size[uz(x)] = 0;
    size[uz(y)] = nx + ny;
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      const std::ptrdiff_t ni = size[uz(i)];
      if (ni == 0 || i == y) continue;
      Acc& target = d[uz(condensed_index(n, i, y))];
      target = lance_williams(rule, d[uz(condensed_index(n, i, x))], target, best, nx, ny, ni);
    }
  }
}

/// The SciPy-format linkage matrix of n >= 2 points with condensed distances `d` (finite, >= 0;
/// n (n - 1) / 2 of them), as scipy.cluster.hierarchy.linkage(d, method).
template <class Acc>
[[nodiscard]] linkage_matrix<Acc> hierarchical_linkage(const std::vector<Acc>& d, std::ptrdiff_t n, merge_rule rule) {
  linkage_matrix<Acc> z(n - 1, 4);
  if (rule == merge_rule::single) {
    mst_single_linkage(d, n, z);
  } else {
    std::vector<Acc> work = d;
    nn_chain_linkage(work, n, rule, z);
  }
  label_merges(z, n);
  return z;
}

/// to_tree(Z).pre_order(): the leaves depth-first, left child (Z[k, 0]) first.
template <class Acc>
[[nodiscard]] std::vector<std::ptrdiff_t> leaf_order(const linkage_matrix<Acc>& z) {
  const std::ptrdiff_t n = z.rows() + 1;
  std::vector<std::ptrdiff_t> order, stack{2 * n - 2};
  order.reserve(uz(n));
  if (n == 1) return {0};
  while (!stack.empty()) {
    const std::ptrdiff_t node = stack.back();
    stack.pop_back();
    if (node < n) {
      order.push_back(node);
      continue;
    }
    stack.push_back(static_cast<std::ptrdiff_t>(z(node - n, 1)));
    stack.push_back(static_cast<std::ptrdiff_t>(z(node - n, 0)));
  }
  return order;
}

/// SciPy's _simultaneous_sort (taken there from scikit-learn): a quicksort of `size` values
/// with their indices, median-of-three pivot moved to the end, Lomuto partition on `<`. Not
/// stable; kept step for step because the order it leaves among equal values decides which
/// candidates the pruned search of reorder_leaves visits, which through single-precision
/// rounding can change a cost by a unit (a stable sort gave the same results on every test
/// input: it takes ties in the costs and bridging distances rounded just so).
template <class Cost>
void scipy_quicksort(Cost* v, std::int32_t* idx, std::ptrdiff_t size) {
  const auto swap = [&](std::ptrdiff_t a, std::ptrdiff_t b) {
    std::swap(v[a], v[b]);
    std::swap(idx[a], idx[b]);
  };
  for (;;) {  // the left part by recursion, the right part by this loop
    if (size <= 1) return;
    if (size == 2) {
      if (v[0] > v[1]) swap(0, 1);
      return;
    }
    if (size == 3) {
      if (v[0] > v[1]) swap(0, 1);
      if (v[1] > v[2]) {
        swap(1, 2);
        if (v[0] > v[1]) swap(0, 1);
      }
      return;
    }
    const std::ptrdiff_t last = size - 1, middle = size / 2;
    if (v[0] > v[last]) swap(0, last);
    if (v[last] > v[middle]) {
      swap(last, middle);
      if (v[0] > v[last]) swap(0, last);
    }
    const Cost pivot = v[last];
    std::ptrdiff_t store = 0;
    for (std::ptrdiff_t i = 0; i < last; ++i)
      if (v[i] < pivot) swap(i, store++);
    swap(store, last);
    if (store > 1) scipy_quicksort(v, idx, store);
    if (store + 2 >= size) return;
    v += store + 1;
    idx += store + 1;
    size -= store + 1;
  }
}

/// Bar-Joseph, Gifford and Jaakkola's dynamic programme over the tree of z (file comment,
/// "Optimal leaf ordering"), in cost type Cost, and the z with children swapped that it
/// selects: SciPy's per-node selection when Minimal is false, the back-tracked minimum when
/// it is true. Works on the leaves renumbered by their position in leaf_order(z), where every
/// node is a contiguous range [lo, hi) of positions, as SciPy's implementation does.
template <class Cost, bool Minimal, class Acc>
[[nodiscard]] linkage_matrix<Acc> reorder_leaves(const linkage_matrix<Acc>& z, const std::vector<Acc>& d) {
  const std::ptrdiff_t n = z.rows() + 1;
  if (n < 3) return z;  // one order up to reversal: nothing to choose
  const std::vector<std::ptrdiff_t> order = leaf_order(z);
  std::vector<std::ptrdiff_t> position(uz(n)), lo(uz(2 * n - 1)), hi(uz(2 * n - 1));
  std::vector<std::ptrdiff_t> left(uz(n - 1)), right(uz(n - 1));
  for (std::ptrdiff_t p = 0; p < n; ++p) {
    position[uz(order[uz(p)])] = p;
    lo[uz(p)] = p;
    hi[uz(p)] = p + 1;
  }
  for (std::ptrdiff_t r = 0; r < n - 1; ++r) {
    const auto relabel = [&](Acc c) {
      const auto node = static_cast<std::ptrdiff_t>(c);
      return node < n ? position[uz(node)] : node;
    };
    left[uz(r)] = relabel(z(r, 0));
    right[uz(r)] = relabel(z(r, 1));
    lo[uz(n + r)] = lo[uz(left[uz(r)])];
    hi[uz(n + r)] = hi[uz(right[uz(r)])];
  }
  Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic> dist(n, n);
  for (std::ptrdiff_t j = 0; j < n; ++j)
    for (std::ptrdiff_t i = 0; i < n; ++i)
      dist(i, j) = i == j ? Acc(0) : d[uz(condensed_index(n, order[uz(i)], order[uz(j)]))];
  // cost(u, w), u and w in different children of a node: the least sum of adjacent distances
  // over the orders of that node's leaves that start at u and end at w (symmetric; 0 on the
  // diagonal, which is a one-leaf node's only order).
  Eigen::Matrix<Cost, Eigen::Dynamic, Eigen::Dynamic> cost =
      Eigen::Matrix<Cost, Eigen::Dynamic, Eigen::Dynamic>::Zero(n, n);
  // Per (u, w): SciPy's variant keeps which children the minimum takes u and w from (bit 0:
  // u from the left node's second child, bit 1: w from the right node's first child); the
  // minimal variant keeps the inner ends m and k for the back-tracking.
  std::vector<unsigned char> from(Minimal ? 0 : uz(n * n));
  std::vector<std::int32_t> inner_m(Minimal ? uz(n * n) : 0), inner_k(Minimal ? uz(n * n) : 0);
  std::vector<unsigned char> must_swap(uz(n - 1), 0);
  std::vector<Cost> m_vals, k_vals;
  std::vector<std::int32_t> m_idx, k_idx;
  std::vector<std::ptrdiff_t> best_u(uz(n - 1)), best_w(uz(n - 1));
  constexpr Cost none = std::numeric_limits<Cost>::infinity();
  for (std::ptrdiff_t r = 0; r < n - 1; ++r) {
    const std::ptrdiff_t vl = left[uz(r)], vr = right[uz(r)];
    // The two ways each side can be laid out: the outer end (u or w) from one child, the
    // inner end (m or k) from the other; a leaf has one way, itself at both ends.
    std::ptrdiff_t u_of[2] = {vl, vl}, m_of[2] = {vl, vl}, w_of[2] = {vr, vr}, k_of[2] = {vr, vr};
    const int ways_l = vl < n ? 1 : 2, ways_r = vr < n ? 1 : 2;
    if (vl >= n) {
      u_of[0] = m_of[1] = left[uz(vl - n)];
      u_of[1] = m_of[0] = right[uz(vl - n)];
    }
    if (vr >= n) {
      w_of[0] = k_of[1] = right[uz(vr - n)];
      w_of[1] = k_of[0] = left[uz(vr - n)];
    }
    for (int sl = 0; sl < ways_l; ++sl) {
      for (int sr = 0; sr < ways_r; ++sr) {
        const std::ptrdiff_t u0 = lo[uz(u_of[sl])], u1 = hi[uz(u_of[sl])], m0 = lo[uz(m_of[sl])], m1 = hi[uz(m_of[sl])],
                             w0 = lo[uz(w_of[sr])], w1 = hi[uz(w_of[sr])], k0 = lo[uz(k_of[sr])], k1 = hi[uz(k_of[sr])];
        const std::ptrdiff_t nm = m1 - m0, nk = k1 - k0;
        // A lower bound of the bridging distance d(m, k), for pruning (SciPy's single-
        // precision copy of the minimum: a float rounded up can prune a candidate whose
        // float sum would have been one unit lower, and that is kept).
        Acc least = std::numeric_limits<Acc>::infinity();
        for (std::ptrdiff_t k = k0; k < k1; ++k)
          for (std::ptrdiff_t m = m0; m < m1; ++m) least = std::min(least, dist(m, k));
        const auto bridge = static_cast<Cost>(least);
        // cost(k, w) sorted over k, once per w (SciPy sorts again for every u: the same order).
        k_vals.resize(uz((w1 - w0) * nk));
        k_idx.resize(k_vals.size());
        for (std::ptrdiff_t w = w0; w < w1; ++w) {
          Cost* kv = k_vals.data() + (w - w0) * nk;
          std::int32_t* ki = k_idx.data() + (w - w0) * nk;
          for (std::ptrdiff_t k = k0; k < k1; ++k) {
            kv[k - k0] = cost(k, w);
            ki[k - k0] = static_cast<std::int32_t>(k);
          }
          scipy_quicksort(kv, ki, nk);
        }
        m_vals.resize(uz(nm));
        m_idx.resize(uz(nm));
        for (std::ptrdiff_t u = u0; u < u1; ++u) {
          for (std::ptrdiff_t m = m0; m < m1; ++m) {
            m_vals[uz(m - m0)] = cost(m, u);
            m_idx[uz(m - m0)] = static_cast<std::int32_t>(m);
          }
          scipy_quicksort(m_vals.data(), m_idx.data(), nm);
          for (std::ptrdiff_t w = w0; w < w1; ++w) {
            const Cost* kv = k_vals.data() + (w - w0) * nk;
            const std::int32_t* ki = k_idx.data() + (w - w0) * nk;
            Cost best = none;
            std::int32_t bm = m_idx[0], bk = ki[0];
            // Both lists ascend, so once the bound reaches the best no later k (inner loop),
            // nor any later m with the first k (outer loop), can do better. The sums are in
            // Cost as SciPy's: (cost + cost) in Cost, + the distance in Acc, rounded to Cost.
            for (std::ptrdiff_t a = 0; a < nm; ++a) {
              const Cost um = m_vals[uz(a)];
              if (static_cast<Cost>(static_cast<Cost>(um + kv[0]) + bridge) >= best) break;
              for (std::ptrdiff_t b = 0; b < nk; ++b) {
                const auto ends = static_cast<Cost>(um + kv[b]);
                if (static_cast<Cost>(ends + bridge) >= best) break;
                const auto total = static_cast<Cost>(static_cast<Acc>(ends) + dist(m_idx[uz(a)], ki[b]));
                if (total < best) {
                  best = total;
                  bm = m_idx[uz(a)];
                  bk = ki[b];
                }
              }
            }
            cost(u, w) = cost(w, u) = best;
            if constexpr (Minimal) {
              inner_m[uz(u * n + w)] = bm;
              inner_k[uz(u * n + w)] = bk;
            } else {
              from[uz(u * n + w)] = static_cast<unsigned char>(sl | (sr << 1));
            }
          }
        }
      }
    }
    // The node's best ends: the first least cost, u then w ascending (SciPy's scan).
    Cost best = none;
    std::ptrdiff_t bu = lo[uz(vl)], bw = lo[uz(vr)];
    for (std::ptrdiff_t u = lo[uz(vl)]; u < hi[uz(vl)]; ++u)
      for (std::ptrdiff_t w = lo[uz(vr)]; w < hi[uz(vr)]; ++w)
        if (cost(u, w) < best) {
          best = cost(u, w);
          bu = u;
          bw = w;
        }
    best_u[uz(r)] = bu;
    best_w[uz(r)] = bw;
    if constexpr (!Minimal) {  // SciPy fixes the children's layouts from this node's own best
      const unsigned char f = from[uz(bu * n + bw)];
      if (vl >= n) must_swap[uz(vl - n)] = f & 1U;
      if (vr >= n) must_swap[uz(vr - n)] = (f >> 1) & 1U;
    }
  }
  std::vector<unsigned char> swapped(uz(n - 1), 0);
  if constexpr (Minimal) {
    // From the root's best ends down: a node laid out from leaf `first` to leaf `last` is
    // swapped when `first` lies in its second child; its children then run u..m and k..w.
    struct span_task {
      std::ptrdiff_t node, first, last;
    };
    std::vector<span_task> stack{{2 * n - 2, best_u[uz(n - 2)], best_w[uz(n - 2)]}};
    while (!stack.empty()) {
      const span_task t = stack.back();
      stack.pop_back();
      if (t.node < n) continue;
      const std::ptrdiff_t r = t.node - n, vl = left[uz(r)];
      const bool flip = !(t.first >= lo[uz(vl)] && t.first < hi[uz(vl)]);
      const std::ptrdiff_t u = flip ? t.last : t.first, w = flip ? t.first : t.last;
      const std::ptrdiff_t m = inner_m[uz(u * n + w)], k = inner_k[uz(u * n + w)];
      swapped[uz(r)] = flip ? 1 : 0;
      stack.push_back({vl, flip ? m : u, flip ? u : m});
      stack.push_back({right[uz(r)], flip ? w : k, flip ? k : w});
    }
  } else {
    // SciPy mirrors the subtree of each node marked: a row is swapped when an odd number of
    // its ancestors (itself included) are marked. Parents follow their children in z.
    for (std::ptrdiff_t r = n - 2; r >= 0; --r) {
      swapped[uz(r)] ^= must_swap[uz(r)];
      for (const std::ptrdiff_t c : {left[uz(r)], right[uz(r)]})
        if (c >= n) swapped[uz(c - n)] = swapped[uz(r)];
    }
  }
  linkage_matrix<Acc> out = z;
  for (std::ptrdiff_t r = 0; r < n - 1; ++r)
    if (swapped[uz(r)] != 0) std::swap(out(r, 0), out(r, 1));
  return out;
}

/// scipy.cluster.hierarchy.optimal_leaf_ordering(Z, y) (SciPy 1.10; Bar-Joseph, Gifford and
/// Jaakkola 2001): z (from hierarchical_linkage on the condensed distances d, n (n - 1) / 2
/// of them, finite and >= 0) with children swapped, SciPy's swaps bit for bit, its costs in
/// single precision as there (file comment, "Optimal leaf ordering"). SciPy's result is not
/// always the minimal order (scipy issue 11227); minimal_leaf_ordering is.
template <class Acc>
[[nodiscard]] linkage_matrix<Acc> optimal_leaf_ordering(const linkage_matrix<Acc>& z, const std::vector<Acc>& d) {
  return reorder_leaves<float, false>(z, d);
}

/// z with children swapped so that leaf_order of the result has the least sum of adjacent
/// distances d among the 2^(N-1) orders the tree allows (ties: file comment); the same
/// programme as optimal_leaf_ordering, in Acc, with the choice back-tracked from the root.
template <class Acc>
[[nodiscard]] linkage_matrix<Acc> minimal_leaf_ordering(const linkage_matrix<Acc>& z, const std::vector<Acc>& d) {
  return reorder_leaves<Acc, true>(z, d);
}

/// Flat clusters after applying `merges` rows of z (rows[0 .. merges), or rows 0 .. merges - 1
/// when `rows` is null): a label per point, numbered 0, 1, ... in the order of `order` (the
/// leaf order, so label 0 is the leftmost cluster).
template <class Acc>
[[nodiscard]] std::vector<std::ptrdiff_t> labels_after(const linkage_matrix<Acc>& z, std::ptrdiff_t merges,
                                                       const std::vector<std::ptrdiff_t>& order,
                                                       const std::vector<std::ptrdiff_t>* rows = nullptr) {
  const std::ptrdiff_t n = z.rows() + 1;
  std::vector<std::ptrdiff_t> parent(uz(2 * n - 1));
  std::iota(parent.begin(), parent.end(), std::ptrdiff_t{0});
  for (std::ptrdiff_t i = 0; i < merges; ++i) {
    const std::ptrdiff_t k = rows == nullptr ? i : (*rows)[uz(i)];
    parent[uz(static_cast<std::ptrdiff_t>(z(k, 0)))] = parent[uz(static_cast<std::ptrdiff_t>(z(k, 1)))] = n + k;
  }
  const auto root = [&](std::ptrdiff_t x) {
    while (parent[uz(x)] != x) x = parent[uz(x)];
    return x;
  };
  std::vector<std::ptrdiff_t> label_of_root(uz(2 * n - 1), -1), labels(uz(n));
  std::ptrdiff_t next = 0;
  for (const std::ptrdiff_t p : order) {
    std::ptrdiff_t& l = label_of_root[uz(root(p))];
    if (l < 0) l = next++;
    labels[uz(p)] = l;
  }
  return labels;
}

/// The merge order of scipy.cluster.hierarchy.cut_tree (its _order_cluster_tree): the inner
/// nodes met breadth first from the root (right child queued before left), each inserted into
/// a list sorted by height before the nodes of equal height already there. Without ties this
/// is Z's row order; with ties, equal heights come in reverse breadth-first order.
template <class Acc>
[[nodiscard]] std::vector<std::ptrdiff_t> cut_tree_order(const linkage_matrix<Acc>& z) {
  const std::ptrdiff_t n = z.rows() + 1;
  std::vector<std::ptrdiff_t> bfs, queue{2 * n - 2};
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::ptrdiff_t node = queue[head];
    if (node < n) continue;
    bfs.push_back(node - n);
    queue.push_back(static_cast<std::ptrdiff_t>(z(node - n, 1)));
    queue.push_back(static_cast<std::ptrdiff_t>(z(node - n, 0)));
  }
  std::reverse(bfs.begin(), bfs.end());
  std::stable_sort(bfs.begin(), bfs.end(), [&](std::ptrdiff_t a, std::ptrdiff_t b) { return z(a, 2) < z(b, 2); });
  return bfs;
}

/// fcluster(Z, k, 'maxclust') semantics on a sorted, monotone Z: N - k merges, then every
/// further merge of the same height (ties can leave fewer than k clusters).
template <class Acc>
[[nodiscard]] std::vector<std::ptrdiff_t> flat_clusters(const linkage_matrix<Acc>& z, std::ptrdiff_t k,
                                                        const std::vector<std::ptrdiff_t>& order) {
  const std::ptrdiff_t n = z.rows() + 1;
  std::ptrdiff_t merges = n - std::min(k, n);
  if (merges > 0)
    while (merges < n - 1 && !(z(merges, 2) > z(merges - 1, 2))) ++merges;
  return labels_after(z, merges, order);
}

/// The cluster count of skfolio's two-order-difference gap statistic (file comment); 1 for N
/// < 3, where it is undefined (the HERC weights are then the inverse-risk ones either way).
template <class Acc>
[[nodiscard]] std::ptrdiff_t gap_cluster_count(const linkage_matrix<Acc>& z, const std::vector<Acc>& d,
                                               const std::vector<std::ptrdiff_t>& order) {
  const std::ptrdiff_t n = z.rows() + 1;
  const auto root_n = static_cast<std::ptrdiff_t>(std::lround(std::sqrt(static_cast<double>(n))));
  const std::ptrdiff_t most = std::min(n, std::max<std::ptrdiff_t>(8, root_n));
  if (most < 3) return 1;
  std::vector<Acc> dispersion(uz(most));
  std::vector<std::vector<std::ptrdiff_t>> members;
  const std::vector<std::ptrdiff_t> merges = cut_tree_order(z);
  for (std::ptrdiff_t k = 1; k <= most; ++k) {
    const std::vector<std::ptrdiff_t> labels = labels_after(z, n - k, order, &merges);
    members.assign(uz(k), {});
    for (std::ptrdiff_t p = 0; p < n; ++p) members[uz(labels[uz(p)])].push_back(p);
    Acc w = 0;
    for (const auto& c : members) {
      const auto m = static_cast<std::ptrdiff_t>(c.size());
      if (m < 2) continue;
      Acc sum = 0;
      for (std::ptrdiff_t a = 0; a < m; ++a)
        for (std::ptrdiff_t b = a + 1; b < m; ++b) sum += d[uz(condensed_index(n, c[uz(a)], c[uz(b)]))];
      w += sum / static_cast<Acc>(m * (m - 1) / 2);
    }
    dispersion[uz(k - 1)] = w;
  }
  std::ptrdiff_t best = 2;
  Acc best_gap = -std::numeric_limits<Acc>::infinity();
  for (std::ptrdiff_t k = 2; k <= most - 1; ++k) {  // W_{k+1} + W_{k-1} - 2 W_k
    const Acc gap = dispersion[uz(k)] + dispersion[uz(k - 2)] - 2 * dispersion[uz(k - 1)];
    if (gap > best_gap) {
      best_gap = gap;
      best = k;
    }
  }
  return best;
}

/// The risk of each cluster's inverse-risk portfolio: w_i proportional to 1 / v_i (variance)
/// or 1 / sqrt(v_i) (standard deviation), risk w'Sigma w or its square root.
template <class Acc>
struct cluster_risk {
  const Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic>& cov;
  bool standard_deviation = false;
  std::string_view fn;

  /// Inverse-risk weights of `members` into w (summing to 1) and the risk of that portfolio.
  Acc operator()(const std::ptrdiff_t* members, std::ptrdiff_t m, Acc* w) const {
    Acc total = 0;
    for (std::ptrdiff_t a = 0; a < m; ++a) {
      const Acc v = cov(members[a], members[a]);
      w[a] = standard_deviation ? 1 / std::sqrt(v) : 1 / v;
      total += w[a];
    }
    for (std::ptrdiff_t a = 0; a < m; ++a) w[a] /= total;
    Acc risk = 0;
    for (std::ptrdiff_t a = 0; a < m; ++a) {
      Acc row = 0;
      for (std::ptrdiff_t b = 0; b < m; ++b) row += cov(members[a], members[b]) * w[b];
      risk += w[a] * row;
    }
    if (!(risk > 0) || !std::isfinite(risk))
      throw singular_problem(message(fn, "the inverse-risk portfolio of a cluster of " + std::to_string(m) +
                                             " assets (asset " + std::to_string(members[0]) + " first) has variance " +
                                             number_text(static_cast<double>(risk)) +
                                             ": cov is not positive definite there (pairwise estimates?)"));
    return standard_deviation ? std::sqrt(risk) : risk;
  }
};

/// Lopez de Prado's recursive bisection of the ordered assets: each list is split in halves
/// (first len / 2 to the left, as PyPortfolioOpt and skfolio); the left half gets alpha = 1 -
/// r_L / (r_L + r_R) of the list's weight W, clipped (skfolio's rule) to the interval where
/// both halves stay within the sums of their members' bounds, [max(lo_L, W - hi_R),
/// min(hi_L, W - lo_R)]. Weights are written by asset; each is finally clamped to its bounds
/// (a correction of rounding size only).
template <class Acc>
void hrp_bisection(const cluster_risk<Acc>& risk, const std::vector<std::ptrdiff_t>& order,
                   const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& lower,
                   const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& upper, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& weights) {
  const auto n = static_cast<std::ptrdiff_t>(order.size());
  std::vector<Acc> lo_prefix(uz(n + 1), 0), hi_prefix(uz(n + 1), 0), scratch(uz(n));
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    lo_prefix[uz(i + 1)] = lo_prefix[uz(i)] + lower(order[uz(i)]);
    hi_prefix[uz(i + 1)] = hi_prefix[uz(i)] + upper(order[uz(i)]);
  }
  const auto lo_sum = [&](std::ptrdiff_t a, std::ptrdiff_t b) { return lo_prefix[uz(b)] - lo_prefix[uz(a)]; };
  const auto hi_sum = [&](std::ptrdiff_t a, std::ptrdiff_t b) {
    // An infinite upper bound makes every later prefix infinite: sum the range directly then.
    if (std::isfinite(hi_prefix[uz(b)])) return hi_prefix[uz(b)] - hi_prefix[uz(a)];
    Acc s = 0;
    for (std::ptrdiff_t i = a; i < b; ++i) s += upper(order[uz(i)]);
    return s;
  };
  weights.setZero(static_cast<Eigen::Index>(n));
  struct task {
    std::ptrdiff_t begin, end;
    Acc weight;
  };
  std::vector<task> stack{{0, n, Acc(1)}};
  while (!stack.empty()) {
    const task t = stack.back();
    stack.pop_back();
    if (t.end - t.begin == 1) {
      const std::ptrdiff_t i = order[uz(t.begin)];
      weights(i) = std::clamp(t.weight, lower(i), upper(i));
      continue;
    }
    const std::ptrdiff_t mid = t.begin + (t.end - t.begin) / 2;
    const Acc r_left = risk(order.data() + t.begin, mid - t.begin, scratch.data());
    const Acc r_right = risk(order.data() + mid, t.end - mid, scratch.data());
    const Acc alpha = 1 - r_left / (r_left + r_right);
    const Acc least = std::max(lo_sum(t.begin, mid), t.weight - hi_sum(mid, t.end));
    const Acc most = std::min(hi_sum(t.begin, mid), t.weight - lo_sum(mid, t.end));
    const Acc left = least <= most ? std::clamp(alpha * t.weight, least, most) : (least + most) / 2;
    stack.push_back({mid, t.end, t.weight - left});
    stack.push_back({t.begin, mid, left});
  }
}

/// HERC (Raffinot 2018, as skfolio's HierarchicalEqualRiskContribution): inverse-risk weights
/// inside each flat cluster (`labels`, 0 .. k-1); then from the root down, until a node is one
/// flat cluster, the left child gets alpha = 1 - R_L / (R_L + R_R) of the node's weight, R_L the
/// sum of the risks of the flat clusters under the left child. Weights are written by asset and
/// sum to 1 (bounds are applied afterwards, by bounded_relative_projection).
template <class Acc>
void herc_weights(const cluster_risk<Acc>& risk, const linkage_matrix<Acc>& z,
                  const std::vector<std::ptrdiff_t>& labels, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& weights) {
  const std::ptrdiff_t n = z.rows() + 1;
  const std::ptrdiff_t k = *std::max_element(labels.begin(), labels.end()) + 1;
  std::vector<std::vector<std::ptrdiff_t>> members(uz(k));
  for (std::ptrdiff_t p = 0; p < n; ++p) members[uz(labels[uz(p)])].push_back(p);
  weights.setZero(static_cast<Eigen::Index>(n));
  std::vector<Acc> cluster_risks(uz(k)), w(uz(n));
  for (std::ptrdiff_t c = 0; c < k; ++c) {
    const auto& m = members[uz(c)];
    cluster_risks[uz(c)] = risk(m.data(), static_cast<std::ptrdiff_t>(m.size()), w.data());
    for (std::size_t a = 0; a < m.size(); ++a) weights(m[a]) = w[a];
  }
  // Per tree node: the flat cluster it is (or -1), and the risk sum of the clusters under it.
  std::vector<std::ptrdiff_t> cluster_of(uz(2 * n - 1), -1);
  std::vector<Acc> risk_under(uz(2 * n - 1), 0);
  for (std::ptrdiff_t p = 0; p < n; ++p) cluster_of[uz(p)] = labels[uz(p)];
  for (std::ptrdiff_t r = 0; r < n - 1; ++r) {
    const auto a = static_cast<std::ptrdiff_t>(z(r, 0)), b = static_cast<std::ptrdiff_t>(z(r, 1));
    if (cluster_of[uz(a)] >= 0 && cluster_of[uz(a)] == cluster_of[uz(b)]) cluster_of[uz(n + r)] = cluster_of[uz(a)];
  }
  for (std::ptrdiff_t node = 0; node < 2 * n - 1; ++node) {
    if (cluster_of[uz(node)] >= 0) {
      risk_under[uz(node)] = cluster_risks[uz(cluster_of[uz(node)])];
    } else {  // children precede their parent in Z
      const auto a = static_cast<std::ptrdiff_t>(z(node - n, 0)), b = static_cast<std::ptrdiff_t>(z(node - n, 1));
      risk_under[uz(node)] = risk_under[uz(a)] + risk_under[uz(b)];
    }
  }
  std::vector<Acc> cluster_weight(uz(k), 0);
  std::vector<std::pair<std::ptrdiff_t, Acc>> stack{{2 * n - 2, Acc(1)}};
  while (!stack.empty()) {
    const auto [node, weight] = stack.back();
    stack.pop_back();
    if (cluster_of[uz(node)] >= 0) {
      cluster_weight[uz(cluster_of[uz(node)])] = weight;
      continue;
    }
    const auto a = static_cast<std::ptrdiff_t>(z(node - n, 0)), b = static_cast<std::ptrdiff_t>(z(node - n, 1));
    const Acc alpha = 1 - risk_under[uz(a)] / (risk_under[uz(a)] + risk_under[uz(b)]);
    stack.push_back({b, weight * (1 - alpha)});
    stack.push_back({a, weight * alpha});
  }
  for (std::ptrdiff_t p = 0; p < n; ++p) weights(p) *= cluster_weight[uz(labels[uz(p)])];
}

/// skfolio's HERC weight constraints, solved exactly: the w closest to w0 > 0 in relative
/// terms, min sum ((w_i - w0_i) / w0_i)^2 subject to sum w = 1 and lower <= w <= upper
/// (feasible: sum lower <= 1 <= sum upper). Its KKT conditions give w_i(t) = clamp(w0_i + t
/// w0_i^2, lower_i, upper_i), nondecreasing and piecewise linear in t: the breakpoints are
/// sorted, the segment where sum w(t) crosses 1 found, and t solved on it. It works in long
/// double, whose range holds t and w0_i^2 for any double weights (a weight of 1e-193 needs t
/// near 1e385). w0 is returned unchanged when it is already within the bounds (as skfolio).
/// \throws singular_problem when the result misses sum 1 by more than rounding (weights
/// beyond the range of the wide type, where long double is double).
template <class Acc>
void bounded_relative_projection(std::string_view fn, Eigen::Matrix<Acc, Eigen::Dynamic, 1>& w,
                                 const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& lower,
                                 const Eigen::Matrix<Acc, Eigen::Dynamic, 1>& upper) {
  using wide = long double;
  const Eigen::Index n = w.size();
  if ((w.array() >= lower.array()).all() && (w.array() <= upper.array()).all()) return;
  const Eigen::Matrix<wide, Eigen::Dynamic, 1> w0 = w.template cast<wide>(), lo = lower.template cast<wide>(),
                                               hi = upper.template cast<wide>();
  const auto at = [&](wide t) {
    wide s = 0;
    for (Eigen::Index i = 0; i < n; ++i) s += std::clamp(w0(i) + t * w0(i) * w0(i), lo(i), hi(i));
    return s;
  };
  std::vector<wide> breaks;
  breaks.reserve(uz(2 * n));
  for (Eigen::Index i = 0; i < n; ++i) {
    const wide q = w0(i) * w0(i);  // 0 (underflow): w_i stays at clamp(w0_i) for every t
    if (!(q > 0)) continue;
    for (const wide bound : {lo(i), hi(i)})
      if (const wide b = (bound - w0(i)) / q; std::isfinite(b)) breaks.push_back(b);
  }
  std::sort(breaks.begin(), breaks.end());
  // The first breakpoint where the sum reaches 1: t lies in [previous breakpoint, it], where
  // the set of weights at a bound is constant.
  const auto hit = std::partition_point(breaks.begin(), breaks.end(), [&](wide t) { return at(t) < 1; });
  constexpr wide inf = std::numeric_limits<wide>::infinity();
  const wide t_lo = hit == breaks.begin() ? -inf : *(hit - 1);
  const wide t_hi = hit == breaks.end() ? inf : *hit;
  const wide probe = std::isfinite(t_lo) ? (std::isfinite(t_hi) ? t_lo + (t_hi - t_lo) / 2 : t_lo + 1) : t_hi - 1;
  wide fixed = 0, slope = 0, base = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const wide v = w0(i) + probe * w0(i) * w0(i);
    if (v <= lo(i)) {
      fixed += lo(i);
    } else if (v >= hi(i)) {
      fixed += hi(i);
    } else {
      slope += w0(i) * w0(i);
      base += w0(i);
    }
  }
  wide t = std::isfinite(t_hi) ? t_hi : t_lo;
  if (slope > 0) t = std::clamp((1 - fixed - base) / slope, t_lo, t_hi);
  for (Eigen::Index i = 0; i < n; ++i) w(i) = static_cast<Acc>(std::clamp(w0(i) + t * w0(i) * w0(i), lo(i), hi(i)));
  const Acc total = w.sum();
  if (!(std::fabs(total - 1) <= 64 * static_cast<Acc>(n) * std::numeric_limits<Acc>::epsilon()))
    throw singular_problem(message(
        fn, "the unbounded weights range from " + number_text(static_cast<double>(w0.minCoeff())) + " to " +
                number_text(static_cast<double>(w0.maxCoeff())) + ": too wide to apply the bounds in relative terms"));
}

// Instantiated once in keel::compiled (src/construction_hrp.cpp); see KEEL_EXTERN_TEMPLATE.
KEEL_EXTERN_TEMPLATE(linkage_matrix<double> hierarchical_linkage<double>(const std::vector<double>&, std::ptrdiff_t,
                                                                         merge_rule))
KEEL_EXTERN_TEMPLATE(linkage_matrix<long double> hierarchical_linkage<long double>(const std::vector<long double>&,
                                                                                   std::ptrdiff_t, merge_rule))
KEEL_EXTERN_TEMPLATE(linkage_matrix<double> optimal_leaf_ordering<double>(const linkage_matrix<double>&,
                                                                          const std::vector<double>&))
KEEL_EXTERN_TEMPLATE(linkage_matrix<long double> optimal_leaf_ordering<long double>(const linkage_matrix<long double>&,
                                                                                    const std::vector<long double>&))
KEEL_EXTERN_TEMPLATE(void hrp_bisection<double>(const cluster_risk<double>&, const std::vector<std::ptrdiff_t>&,
                                                const Eigen::VectorXd&, const Eigen::VectorXd&, Eigen::VectorXd&))
KEEL_EXTERN_TEMPLATE(void herc_weights<double>(const cluster_risk<double>&, const linkage_matrix<double>&,
                                               const std::vector<std::ptrdiff_t>&, Eigen::VectorXd&))
KEEL_EXTERN_TEMPLATE(std::ptrdiff_t gap_cluster_count<double>(const linkage_matrix<double>&, const std::vector<double>&,
                                                              const std::vector<std::ptrdiff_t>&))

}  // namespace keel::detail
