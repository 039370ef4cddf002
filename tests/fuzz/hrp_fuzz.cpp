// SPDX-License-Identifier: MIT
// libFuzzer target for keel/construction.hpp's hierarchical_risk_parity and
// hierarchical_equal_risk_contribution, both entry points (a returns panel; a covariance and
// correlation pair), every linkage, both risk measures, the missing-data policies, cluster
// counts and weight bounds.
//
// The first byte picks N (1..9) and T (1..24); the second how the rest become numbers: raw
// doubles (NaN, infinities, subnormals and 1e308 reach every check) or small integers scaled
// to daily returns (so the clustering and allocations themselves run on most inputs, with
// ties among the distances); the third the linkage, risk measure, missing policy, cluster
// count and bounds, and its top bit optimal leaf ordering (whose linkage must then be the
// plain one with children swapped). Every call must throw a keel::error or return weights that are finite,
// within their bounds (to 1e-12), summing to 1 (to 1e-9), an order that is a permutation of
// the assets and a linkage of N - 1 rows with non-decreasing heights; HERC's labels are
// 0..k-1 with k at most the requested count. Anything else traps. Run it as numeric_fuzz (see
// CMakeLists.txt), without a dictionary.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/construction.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

struct reader {
  const std::uint8_t* data;
  std::size_t size, at = 0;
  bool raw = false;
  double next() {
    if (raw) {
      double v = 0;
      if (at + sizeof v <= size) std::memcpy(&v, data + at, sizeof v);
      at += sizeof v;
      return v;
    }
    const int b = at < size ? static_cast<int>(data[at]) : 7;
    ++at;
    return (b - 128) / 2560.0;
  }
};

void check(const keel::hierarchical_result<double>& r, Eigen::Index n, const keel::weight_bounds& bounds) {
  require(r.weights.size() == n && r.weights.allFinite());
  require(std::fabs(r.weights.sum() - 1) <= 1e-9);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double lo = bounds.lower.size() == 1 ? bounds.lower(0) : bounds.lower(i);
    const double hi = bounds.upper.size() == 1 ? bounds.upper(0) : bounds.upper(i);
    require(r.weights(i) >= lo - 1e-12 && r.weights(i) <= hi + 1e-12);
  }
  std::vector<std::ptrdiff_t> sorted = r.order;
  std::sort(sorted.begin(), sorted.end());
  require(static_cast<Eigen::Index>(sorted.size()) == n);
  for (Eigen::Index i = 0; i < n; ++i) require(sorted[static_cast<std::size_t>(i)] == i);
  require(r.linkage.rows() == n - 1);
  for (Eigen::Index k = 1; k < r.linkage.rows(); ++k) require(r.linkage(k, 2) >= r.linkage(k - 1, 2));
  if (n > 1) require(r.linkage(n - 2, 3) == static_cast<double>(n));
}

template <class F>
void guarded(F&& f) {
  try {
    f();
  } catch (const keel::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const Eigen::Index n = 1 + data[0] % 9, t = 1 + data[0] / 9 % 24;
  const int mode = data[2];
  reader in{data + 3, size - 3, 0, data[1] % 4 == 0};
  Eigen::MatrixXd x(t, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      x(i, j) = in.next();
      if (!in.raw && data[1] % 8 == 1 && (i + j) % 5 == 0) x(i, j) = std::nan("");  // gaps
    }
  const auto method = static_cast<keel::linkage_method>(mode % 4);
  const auto risk =
      mode / 4 % 2 == 0 ? keel::cluster_risk_measure::variance : keel::cluster_risk_measure::standard_deviation;
  const keel::missing_data missing[3] = {keel::missing_data::reject, keel::missing_data::pairwise,
                                         keel::missing_data::complete_rows};
  const auto policy = missing[mode / 8 % 3];
  keel::weight_bounds bounds;
  switch (mode / 24 % 4) {
    case 1:
      bounds = keel::weight_bounds(0.0, 0.4);
      break;
    case 2:
      bounds = keel::weight_bounds(std::fabs(in.next()), 0.5 + std::fabs(in.next()));
      break;
    case 3: {
      Eigen::VectorXd lo(n), hi(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        lo(i) = in.next();
        hi(i) = lo(i) + std::fabs(in.next()) * 20;
      }
      bounds = keel::weight_bounds(lo, hi);
      break;
    }
    default:
      break;
  }
  const std::ptrdiff_t clusters = static_cast<std::ptrdiff_t>(data[1] / 8 % 11) - 1;  // -1 .. 9
  const bool olo = (mode & 128) != 0;
  guarded([&] {
    const auto r = keel::hierarchical_risk_parity(
        x,
        {.linkage = method, .risk_measure = risk, .bounds = bounds, .missing = policy, .optimal_leaf_ordering = olo});
    check(r, n, bounds);
    if (olo) {
      const auto plain = keel::hierarchical_risk_parity(
          x, {.linkage = method, .risk_measure = risk, .bounds = bounds, .missing = policy});
      require(r.linkage.rightCols(2) == plain.linkage.rightCols(2));
      require(r.linkage.leftCols(2).rowwise().minCoeff() == plain.linkage.col(0));
      require(r.linkage.leftCols(2).rowwise().maxCoeff() == plain.linkage.col(1));
    }
  });
  {
    // The out form into a result and a workspace kept across inputs (other shapes, failed
    // calls): it throws exactly when the plain form does and otherwise gives its bits.
    static keel::hierarchical_result<double> out;
    static keel::hierarchical_result<double>::workspace ws;
    const keel::hrp_options o{
        .linkage = method, .risk_measure = risk, .bounds = bounds, .missing = policy, .optimal_leaf_ordering = olo};
    std::optional<keel::hierarchical_result<double>> plain;
    try {
      plain = keel::hierarchical_risk_parity(x, o);
    } catch (const keel::error&) {
    }
    bool threw = false;
    try {
      keel::hierarchical_risk_parity(x, out, ws, o);
    } catch (const keel::error&) {
      threw = true;
    }
    require(threw == !plain.has_value());
    if (plain)
      require(out.weights == plain->weights && out.order == plain->order && out.linkage == plain->linkage &&
              out.labels.empty());
  }
  guarded([&] {
    const auto r = keel::hierarchical_equal_risk_contribution(x, {.clusters = clusters,
                                                                  .linkage = method,
                                                                  .risk_measure = risk,
                                                                  .bounds = bounds,
                                                                  .missing = policy,
                                                                  .optimal_leaf_ordering = olo});
    check(r, n, bounds);
    const std::ptrdiff_t k = *std::max_element(r.labels.begin(), r.labels.end()) + 1;
    require(clusters == 0 || k <= clusters);
    for (const auto l : r.labels) require(l >= 0 && l < k);
  });
  // The (cov, corr) form: from the panel's own moments when the panel is usable, or raw.
  Eigen::MatrixXd cov(n, n), corr(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) {
      cov(i, j) = in.next();
      corr(i, j) = in.next() * (in.raw ? 1 : 100);
    }
  if (!in.raw) {
    cov = cov * cov.transpose();
    cov.diagonal().array() += 1e-4;
    corr = (corr + corr.transpose()) / 2;
    corr.diagonal().setOnes();
  }
  guarded([&] {
    check(
        keel::hierarchical_risk_parity(cov, corr, {.linkage = method, .bounds = bounds, .optimal_leaf_ordering = olo}),
        n, bounds);
  });
  guarded([&] {
    check(keel::hierarchical_equal_risk_contribution(
              cov, corr, {.clusters = clusters, .linkage = method, .bounds = bounds, .optimal_leaf_ordering = olo}),
          n, bounds);
  });
  return 0;
}
