// SPDX-License-Identifier: MIT
// Tests of keel/construction.hpp's hierarchical risk parity and HERC (detail/cluster.hpp).
//
// Independent references:
//   - a naive O(N^3) agglomeration written here: the globally closest pair of clusters merged
//     at each step, with each between-cluster distance computed from the point distances by
//     its definition (min, max, mean over the pairs; Ward's from the energy identity
//     d(A, B)^2 = 2 |A||B| / (|A| + |B|) ||c_A - c_B||^2 with ||c_A - c_B||^2 written through
//     the point distances), never by Lance-Williams updates; its leaf order by recursion; HRP's
//     bisection by recursion on Eigen blocks; HERC by recursion on the tree's member sets;
//   - SciPy 1.10 (Debian's python3-scipy) as an oracle: linkage, to_tree().pre_order(),
//     fcluster(maxclust) and optimal_leaf_ordering on the same condensed distances, including
//     ties;
//   - every one of the 2^(N-1) leaf orders of a tree (N <= 10), for the least adjacent sum;
//   - pandas' DataFrame.cov/.corr conventions through keel's own sample_covariance / a direct
//     per-pair computation;
//   - on ../shared/data/stock_prices.csv: weights follow permuted assets.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/construction.hpp>
#include <keel/covariance.hpp>
#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/shared_data.hpp"

namespace {

using Catch::Matchers::Contains;
using matrix = Eigen::MatrixXd;
using vector = Eigen::VectorXd;
using index_list = std::vector<std::ptrdiff_t>;

constexpr keel::linkage_method all_methods[] = {keel::linkage_method::single, keel::linkage_method::complete,
                                                keel::linkage_method::average, keel::linkage_method::ward};

const char* method_name(keel::linkage_method m) {
  switch (m) {
    case keel::linkage_method::single:
      return "single";
    case keel::linkage_method::complete:
      return "complete";
    case keel::linkage_method::average:
      return "average";
    case keel::linkage_method::ward:
      return "ward";
  }
  return "?";
}

keel::detail::merge_rule rule_of(keel::linkage_method m) { return static_cast<keel::detail::merge_rule>(m); }

/// A T x N returns panel with K latent factors (clustered assets) and varied volatilities.
matrix factor_returns(Eigen::Index t, Eigen::Index n, std::mt19937_64& rng) {
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> vol(0.005, 0.03);
  const Eigen::Index k = std::max<Eigen::Index>(1, n / 4);
  matrix f(t, k), load = matrix::Zero(k, n);
  for (Eigen::Index i = 0; i < t; ++i)
    for (Eigen::Index j = 0; j < k; ++j) f(i, j) = z(rng);
  for (Eigen::Index j = 0; j < n; ++j) load(j % k, j) = 0.8 + 0.2 * z(rng);
  matrix x = f * load;
  for (Eigen::Index j = 0; j < n; ++j) {
    const double s = vol(rng);
    for (Eigen::Index i = 0; i < t; ++i) x(i, j) = s * (x(i, j) + z(rng));
  }
  return x;
}

/// A symmetric N x N distance matrix from a condensed vector.
matrix square(const std::vector<double>& d, std::ptrdiff_t n) {
  matrix m = matrix::Zero(n, n);
  std::ptrdiff_t k = 0;
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = i + 1; j < n; ++j) m(i, j) = m(j, i) = d[static_cast<std::size_t>(k++)];
  return m;
}

/// Euclidean distances between random points (so Ward's identity holds), no ties.
std::vector<double> random_distances(std::ptrdiff_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> z;
  matrix p(n, 3);
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) p(i, j) = z(rng) + (i % 3 == 0 ? 3.0 : 0.0);
  std::vector<double> d;
  for (std::ptrdiff_t i = 0; i < n; ++i)
    for (std::ptrdiff_t j = i + 1; j < n; ++j) d.push_back((p.row(i) - p.row(j)).norm());
  return d;
}

/// The naive agglomeration: Z directly in merge order (heights never decrease for these
/// reducible linkages), between-cluster distances from their definitions over the members.
matrix naive_linkage(const matrix& d, keel::linkage_method method) {
  const Eigen::Index n = d.rows();
  std::vector<std::vector<Eigen::Index>> members(static_cast<std::size_t>(n));
  std::vector<std::ptrdiff_t> id(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    members[static_cast<std::size_t>(i)] = {i};
    id[static_cast<std::size_t>(i)] = i;
  }
  const auto between = [&](const std::vector<Eigen::Index>& a, const std::vector<Eigen::Index>& b) {
    double lo = std::numeric_limits<double>::infinity(), hi = 0, sum = 0, sq_ab = 0;
    for (auto i : a)
      for (auto j : b) {
        lo = std::min(lo, d(i, j));
        hi = std::max(hi, d(i, j));
        sum += d(i, j);
        sq_ab += d(i, j) * d(i, j);
      }
    const auto na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
    switch (method) {
      case keel::linkage_method::single:
        return lo;
      case keel::linkage_method::complete:
        return hi;
      case keel::linkage_method::average:
        return sum / (na * nb);
      case keel::linkage_method::ward: {
        double sq_aa = 0, sq_bb = 0;
        for (auto i : a)
          for (auto j : a) sq_aa += d(i, j) * d(i, j);
        for (auto i : b)
          for (auto j : b) sq_bb += d(i, j) * d(i, j);
        const double centroids = sq_ab / (na * nb) - sq_aa / (2 * na * na) - sq_bb / (2 * nb * nb);
        return std::sqrt(std::max(0.0, 2 * na * nb / (na + nb) * centroids));
      }
    }
    return 0.0;
  };
  matrix z(n - 1, 4);
  for (Eigen::Index k = 0; k < n - 1; ++k) {
    double best = std::numeric_limits<double>::infinity();
    std::size_t x = 0, y = 0;
    for (std::size_t a = 0; a < members.size(); ++a)
      for (std::size_t b = a + 1; b < members.size(); ++b) {
        const double dist = between(members[a], members[b]);
        if (dist < best) {
          best = dist;
          x = a;
          y = b;
        }
      }
    z(k, 0) = static_cast<double>(std::min(id[x], id[y]));
    z(k, 1) = static_cast<double>(std::max(id[x], id[y]));
    z(k, 2) = best;
    z(k, 3) = static_cast<double>(members[x].size() + members[y].size());
    members[x].insert(members[x].end(), members[y].begin(), members[y].end());
    id[x] = n + k;
    members.erase(members.begin() + static_cast<std::ptrdiff_t>(y));
    id.erase(id.begin() + static_cast<std::ptrdiff_t>(y));
  }
  return z;
}

/// The leaves under a node of Z, left first, by recursion.
void leaves(const matrix& z, std::ptrdiff_t node, index_list& out) {
  const std::ptrdiff_t n = z.rows() + 1;
  if (node < n) {
    out.push_back(node);
    return;
  }
  leaves(z, static_cast<std::ptrdiff_t>(z(node - n, 0)), out);
  leaves(z, static_cast<std::ptrdiff_t>(z(node - n, 1)), out);
}

/// Inverse-variance cluster variance on an Eigen block.
double cluster_variance(const matrix& cov, const index_list& items) {
  const Eigen::Index m = static_cast<Eigen::Index>(items.size());
  matrix s(m, m);
  for (Eigen::Index a = 0; a < m; ++a)
    for (Eigen::Index b = 0; b < m; ++b)
      s(a, b) = cov(items[static_cast<std::size_t>(a)], items[static_cast<std::size_t>(b)]);
  vector w = s.diagonal().cwiseInverse();
  w /= w.sum();
  return w.dot(s * w);
}

/// The paper's recursive bisection, by recursion on the halves (no bounds).
void naive_bisection(const matrix& cov, const index_list& items, double weight, vector& w) {
  if (items.size() == 1) {
    w(items[0]) = weight;
    return;
  }
  const auto half = static_cast<std::ptrdiff_t>(items.size() / 2);
  const index_list left(items.begin(), items.begin() + half), right(items.begin() + half, items.end());
  const double vl = cluster_variance(cov, left), vr = cluster_variance(cov, right);
  const double alpha = 1 - vl / (vl + vr);
  naive_bisection(cov, left, weight * alpha, w);
  naive_bisection(cov, right, weight * (1 - alpha), w);
}

/// Pearson correlation and n - 1 covariance of complete data, column by column (pandas).
void reference_moments(const matrix& x, matrix& cov, matrix& corr) {
  const Eigen::Index n = x.cols();
  const matrix c = x.rowwise() - x.colwise().mean();
  cov = c.transpose() * c / static_cast<double>(x.rows() - 1);
  corr.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) corr(i, j) = cov(i, j) / std::sqrt(cov(i, i) * cov(j, j));
}

std::vector<double> condensed_distances(const matrix& corr) {
  std::vector<double> d;
  for (Eigen::Index i = 0; i < corr.rows(); ++i)
    for (Eigen::Index j = i + 1; j < corr.rows(); ++j)
      d.push_back(std::sqrt(std::clamp((1 - corr(i, j)) / 2, 0.0, 1.0)));
  return d;
}

double max_abs(const matrix& a) { return a.cwiseAbs().maxCoeff(); }

/// pandas' DataFrame.cov() and .corr() with missing values: each pair over its common rows,
/// with that pair's own means and variances, by plain loops.
void pandas_moments(const matrix& x, matrix& cov, matrix& corr) {
  const Eigen::Index n = x.cols();
  cov.resize(n, n);
  corr.resize(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i; j < n; ++j) {
      std::vector<double> a, b;
      for (Eigen::Index t = 0; t < x.rows(); ++t)
        if (!std::isnan(x(t, i)) && !std::isnan(x(t, j))) {
          a.push_back(x(t, i));
          b.push_back(x(t, j));
        }
      const double ma = std::accumulate(a.begin(), a.end(), 0.0) / static_cast<double>(a.size());
      const double mb = std::accumulate(b.begin(), b.end(), 0.0) / static_cast<double>(b.size());
      double sab = 0, saa = 0, sbb = 0;
      for (std::size_t k = 0; k < a.size(); ++k) {
        sab += (a[k] - ma) * (b[k] - mb);
        saa += (a[k] - ma) * (a[k] - ma);
        sbb += (b[k] - mb) * (b[k] - mb);
      }
      cov(i, j) = cov(j, i) = sab / static_cast<double>(a.size() - 1);
      corr(i, j) = corr(j, i) = i == j ? 1.0 : sab / std::sqrt(saa * sbb);
    }
}

}  // namespace

TEST_CASE("linkage equals the naive O(N^3) agglomeration on random distances", "[hrp][cluster]") {
  std::mt19937_64 rng(19);
  for (const std::ptrdiff_t n : {2, 3, 4, 7, 16, 33, 60}) {
    const std::vector<double> d = random_distances(n, rng);
    const matrix full = square(d, n);
    for (const auto method : all_methods) {
      INFO("N = " << n << ", " << method_name(method));
      const matrix z = keel::detail::hierarchical_linkage(d, n, rule_of(method));
      const matrix reference = naive_linkage(full, method);
      REQUIRE(z.rows() == n - 1);
      CHECK(z.leftCols(2) == reference.leftCols(2));
      CHECK(z.col(3) == reference.col(3));
      CHECK(max_abs(z.col(2) - reference.col(2)) <= 1e-12 * reference.col(2).maxCoeff());
      index_list order;
      leaves(reference, 2 * n - 2, order);
      CHECK(keel::detail::leaf_order(keel::detail::linkage_matrix<double>(z)) == order);
    }
  }
}

TEST_CASE("single linkage with ties keeps the unique cophenetic distances of the naive merge", "[hrp][cluster][ties]") {
  // Distances on a grid of eighths: many ties. Single linkage's cophenetic distance (the
  // minimax path) does not depend on how ties are broken, and neither do the merge heights.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> grid(1, 6);
  for (const std::ptrdiff_t n : {5, 12, 30}) {
    std::vector<double> d;
    for (std::ptrdiff_t k = 0; k < n * (n - 1) / 2; ++k) d.push_back(grid(rng) / 8.0);
    const matrix z = keel::detail::hierarchical_linkage(d, n, keel::detail::merge_rule::single);
    const matrix reference = naive_linkage(square(d, n), keel::linkage_method::single);
    CHECK(z.col(2) == reference.col(2));
    const auto cophenetic = [n](const matrix& zz) {
      matrix c = matrix::Zero(n, n);
      for (Eigen::Index k = 0; k < zz.rows(); ++k) {
        index_list a, b;
        leaves(zz, static_cast<std::ptrdiff_t>(zz(k, 0)), a);
        leaves(zz, static_cast<std::ptrdiff_t>(zz(k, 1)), b);
        for (auto i : a)
          for (auto j : b) c(i, j) = c(j, i) = zz(k, 2);
      }
      return c;
    };
    CHECK(cophenetic(z) == cophenetic(reference));
  }
}

TEST_CASE("linkage, leaf order, fcluster labels and the gap count equal SciPy's and skfolio's, ties included",
          "[hrp][cluster][scipy]") {
  const std::string python = KEEL_PYTHON3_SCIPY;
  if (python.empty())
    FAIL(
        "python3 with scipy was not found when configuring: apt-get install python3-scipy (scripts/install-deps "
        "does), then re-run cmake");
  const std::filesystem::path script = std::filesystem::path(KEEL_TEST_DATA_DIR) / "hierarchical_oracle.py";
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::mt19937_64 rng(2016);
  std::uniform_int_distribution<int> grid(1, 5);
  struct problem {
    std::ptrdiff_t n;
    bool ties;
  };
  const std::vector<problem> problems{{2, false},  {3, false}, {9, false}, {25, false},
                                      {60, false}, {6, true},  {14, true}, {40, true}};
  std::vector<std::vector<double>> distances;
  std::vector<std::filesystem::path> inputs;
  std::string command = python + " " + script.string();
  for (std::size_t q = 0; q < problems.size(); ++q) {
    const problem p = problems[q];
    std::vector<double> d;
    if (p.ties) {
      for (std::ptrdiff_t k = 0; k < p.n * (p.n - 1) / 2; ++k) d.push_back(grid(rng) / 4.0);
    } else {
      d = random_distances(p.n, rng);
    }
    inputs.push_back(dir / ("keel_hrp_oracle_" + std::to_string(rng() % 1000000) + "_" + std::to_string(q) + ".in"));
    std::ofstream f(inputs.back());
    f.precision(17);
    f << p.n << "\n";
    for (double v : d) f << v << "\n";
    distances.push_back(std::move(d));
    command += " " + inputs.back().string();
  }
  REQUIRE(std::system(command.c_str()) == 0);
  for (std::size_t q = 0; q < problems.size(); ++q) {
    const problem p = problems[q];
    const std::vector<double>& d = distances[q];
    const std::filesystem::path out = inputs[q].string() + ".out";
    std::ifstream f(out);
    std::string line;
    keel::detail::linkage_matrix<double> z;
    index_list order;
    std::string method;
    int rows = 0;
    while (std::getline(f, line)) {
      std::istringstream s(line);
      std::string head;
      s >> head;
      INFO("N = " << p.n << (p.ties ? " with ties, " : ", ") << method << ": " << line);
      if (head == "method") {
        s >> method;
        keel::detail::merge_rule rule = keel::detail::merge_rule::single;
        for (const auto m : all_methods)
          if (method == method_name(m)) rule = rule_of(m);
        z = keel::detail::hierarchical_linkage(d, p.n, rule);
        order = keel::detail::leaf_order(z);
        rows = 0;
      } else if (head == "order") {
        index_list expected;
        for (std::ptrdiff_t v = 0; s >> v;) expected.push_back(v);
        CHECK(order == expected);
      } else if (head == "gap") {
        std::ptrdiff_t k = 0;
        s >> k;
        std::vector<double> gaps;
        for (double g = 0; s >> g;) gaps.push_back(g);
        const std::ptrdiff_t ours = keel::detail::gap_cluster_count(z, d, order);
        // The same count, or (exact ties among the gaps, summed in another order) one whose
        // gap SciPy's own sums put within rounding of the best.
        REQUIRE(ours >= 2);
        REQUIRE(ours - 2 < static_cast<std::ptrdiff_t>(gaps.size()));
        const double best_gap = gaps[static_cast<std::size_t>(k - 2)];
        CHECK((ours == k ||
               std::fabs(gaps[static_cast<std::size_t>(ours - 2)] - best_gap) <= 1e-12 * std::fabs(best_gap)));
      } else if (head == "labels") {
        std::ptrdiff_t k = 0;
        s >> k;
        index_list expected;
        for (std::ptrdiff_t v = 0; s >> v;) expected.push_back(v);
        const index_list labels = keel::detail::flat_clusters(z, k, order);
        // The same partition; keel numbers the clusters left to right in the leaf order,
        // SciPy's fcluster numbers a node's leaf children after its inner ones.
        std::vector<std::ptrdiff_t> renumber(expected.size(), -1);
        std::ptrdiff_t next = 0;
        for (const auto leaf : order) {
          auto& r = renumber[static_cast<std::size_t>(expected[static_cast<std::size_t>(leaf)])];
          if (r < 0) r = next++;
        }
        for (auto& e : expected) e = renumber[static_cast<std::size_t>(e)];
        CHECK(labels == expected);
      } else {
        const double a = std::stod(head);
        double b = 0, dist = 0, count = 0;
        s >> b >> dist >> count;
        REQUIRE(rows < z.rows());
        CHECK(z(rows, 0) == a);
        CHECK(z(rows, 1) == b);
        CHECK(std::fabs(z(rows, 2) - dist) <= 1e-12);
        CHECK(z(rows, 3) == count);
        ++rows;
      }
    }
    CHECK(rows == p.n - 1);
    std::filesystem::remove(inputs[q]);
    std::filesystem::remove(out);
  }
}

TEST_CASE("optimal leaf ordering equals SciPy's optimal_leaf_ordering, ties included", "[hrp][cluster][scipy][olo]") {
  const std::string python = KEEL_PYTHON3_SCIPY;
  if (python.empty())
    FAIL(
        "python3 with scipy was not found when configuring: apt-get install python3-scipy (scripts/install-deps "
        "does), then re-run cmake");
  const std::filesystem::path script = std::filesystem::path(KEEL_TEST_DATA_DIR) / "hierarchical_oracle.py";
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  std::mt19937_64 rng(2001);
  // Three kinds of distances for each N: Euclidean (no ties); a grid of quarters (exact in
  // float: ties among whole orders); and three values that are not floats, so that SciPy's
  // float copy of the least bridging distance is rounded (its pruning then differs from the
  // double arithmetic, and keel has to follow it).
  std::uniform_int_distribution<int> grid(1, 5), pick(0, 2);
  constexpr double decimals[3] = {0.1, 0.3, 0.7};
  struct problem {
    std::ptrdiff_t n;
    int kind;
  };
  std::vector<problem> problems;
  for (std::ptrdiff_t n = 2; n <= 40; n += (n < 12 ? 1 : 4))
    for (int kind = 0; kind < 3; ++kind) problems.push_back({n, kind});
  std::vector<std::vector<double>> distances;
  std::vector<std::filesystem::path> inputs;
  std::string command = python + " " + script.string() + " --olo";
  for (std::size_t q = 0; q < problems.size(); ++q) {
    const problem p = problems[q];
    std::vector<double> d;
    if (p.kind == 0) {
      d = random_distances(p.n, rng);
    } else {
      for (std::ptrdiff_t k = 0; k < p.n * (p.n - 1) / 2; ++k)
        d.push_back(p.kind == 1 ? grid(rng) / 4.0 : decimals[pick(rng)]);
    }
    inputs.push_back(dir / ("keel_olo_oracle_" + std::to_string(rng() % 1000000) + "_" + std::to_string(q) + ".in"));
    std::ofstream f(inputs.back());
    f.precision(17);
    f << p.n << "\n";
    for (double v : d) f << v << "\n";
    distances.push_back(std::move(d));
    command += " " + inputs.back().string();
  }
  REQUIRE(std::system(command.c_str()) == 0);
  int compared = 0;
  for (std::size_t q = 0; q < problems.size(); ++q) {
    const problem p = problems[q];
    const std::vector<double>& d = distances[q];
    const std::filesystem::path out = inputs[q].string() + ".out";
    std::ifstream f(out);
    std::string line, method;
    keel::detail::linkage_matrix<double> z, reordered;
    while (std::getline(f, line)) {
      std::istringstream s(line);
      std::string head;
      s >> head;
      INFO("N = " << p.n << ", distances of kind " << p.kind << ", " << method << ": " << line);
      if (head == "method") {
        s >> method;
        keel::detail::merge_rule rule = keel::detail::merge_rule::single;
        for (const auto m : all_methods)
          if (method == method_name(m)) rule = rule_of(m);
        z = keel::detail::hierarchical_linkage(d, p.n, rule);
        reordered = keel::detail::optimal_leaf_ordering(z, d);
      } else if (head == "olo") {
        std::vector<double> v;
        for (double x = 0; s >> x;) v.push_back(x);
        REQUIRE(static_cast<Eigen::Index>(v.size()) == 4 * reordered.rows());
        for (Eigen::Index r = 0; r < reordered.rows(); ++r) {
          const auto at = [&](Eigen::Index c) { return v[static_cast<std::size_t>(4 * r + c)]; };
          CHECK(reordered(r, 0) == at(0));
          CHECK(reordered(r, 1) == at(1));
          CHECK(std::fabs(reordered(r, 2) - at(2)) <= 1e-12);  // the linkage's own rounding
          CHECK(reordered(r, 3) == at(3));
          // Only children are swapped: the heights and counts are the linkage's.
          CHECK(reordered(r, 2) == z(r, 2));
          CHECK(std::min(reordered(r, 0), reordered(r, 1)) == z(r, 0));
        }
      } else if (head == "order") {
        index_list expected;
        for (std::ptrdiff_t v = 0; s >> v;) expected.push_back(v);
        CHECK(keel::detail::leaf_order(reordered) == expected);
        ++compared;
      }
    }
    std::filesystem::remove(inputs[q]);
    std::filesystem::remove(out);
  }
  CHECK(compared == 4 * static_cast<int>(problems.size()));
}

TEST_CASE("minimal leaf ordering attains the least adjacent-distance sum of all 2^(N-1) orders",
          "[hrp][cluster][olo]") {
  // Every combination of child swaps, enumerated; the sum of the adjacent distances of each
  // leaf order, by plain loops.
  const auto adjacent_sum = [](const matrix& full, const index_list& order) {
    double s = 0;
    for (std::size_t i = 1; i < order.size(); ++i) s += full(order[i - 1], order[i]);
    return s;
  };
  std::mt19937_64 rng(11227);
  std::uniform_int_distribution<int> grid(1, 3);
  for (const std::ptrdiff_t n : {2, 3, 4, 5, 6, 7, 8, 9, 10}) {
    for (int kind = 0; kind < 2; ++kind) {
      std::vector<double> d;
      if (kind == 0) {
        d = random_distances(n, rng);
      } else {
        for (std::ptrdiff_t k = 0; k < n * (n - 1) / 2; ++k) d.push_back(grid(rng) / 3.0);
      }
      const matrix full = square(d, n);
      for (const auto method : all_methods) {
        INFO("N = " << n << (kind == 1 ? " with ties, " : ", ") << method_name(method));
        const matrix z = keel::detail::hierarchical_linkage(d, n, rule_of(method));
        double least = std::numeric_limits<double>::infinity();
        for (std::uint32_t mask = 0; mask < (1U << (n - 1)); ++mask) {
          matrix swapped = z;
          for (Eigen::Index r = 0; r < n - 1; ++r)
            if (((mask >> r) & 1U) != 0) std::swap(swapped(r, 0), swapped(r, 1));
          index_list order;
          leaves(swapped, 2 * n - 2, order);
          least = std::min(least, adjacent_sum(full, order));
        }
        const keel::detail::linkage_matrix<double> zz = z;
        const auto minimal = keel::detail::minimal_leaf_ordering(zz, d);
        CHECK(std::fabs(adjacent_sum(full, keel::detail::leaf_order(minimal)) - least) <= 1e-12);
        // SciPy's variant is one of those orders (its rows are z's, children swapped), and
        // no better than the least.
        const auto scipy = keel::detail::optimal_leaf_ordering(zz, d);
        for (Eigen::Index r = 0; r < n - 1; ++r) {
          CHECK(scipy.row(r).tail(2) == zz.row(r).tail(2));
          CHECK(std::min(scipy(r, 0), scipy(r, 1)) == zz(r, 0));
          CHECK(std::max(scipy(r, 0), scipy(r, 1)) == zz(r, 1));
        }
        CHECK(adjacent_sum(full, keel::detail::leaf_order(scipy)) >= least - 1e-12);
      }
    }
  }
  // scipy issue 11227's example: SciPy's per-node choice misses the least sum; keel's
  // optimal_leaf_ordering keeps SciPy's choice (the oracle test above), minimal_leaf_ordering
  // does not.
  const std::vector<double> d{2, 10, 10000, 1, 3, 100};
  const matrix full = square(d, 4);
  const auto z = keel::detail::hierarchical_linkage(d, 4, keel::detail::merge_rule::single);
  const double scipy = adjacent_sum(full, keel::detail::leaf_order(keel::detail::optimal_leaf_ordering(z, d)));
  const double minimal = adjacent_sum(full, keel::detail::leaf_order(keel::detail::minimal_leaf_ordering(z, d)));
  CHECK(minimal < scipy);
}

TEST_CASE("HRP with optimal leaf ordering bisects the reordered tree's order", "[hrp][olo]") {
  std::mt19937_64 rng(2016);
  for (const Eigen::Index n : {2, 3, 5, 8, 13, 40}) {
    const matrix x = factor_returns(400, n, rng);
    matrix cov, corr;
    reference_moments(x, cov, corr);
    const std::vector<double> d = condensed_distances(corr);
    for (const auto method : all_methods) {
      INFO("N = " << n << ", " << method_name(method));
      const auto r = keel::hierarchical_risk_parity(x, {.linkage = method, .optimal_leaf_ordering = true});
      const auto z = keel::detail::optimal_leaf_ordering(keel::detail::hierarchical_linkage(d, n, rule_of(method)), d);
      index_list order;
      leaves(z, 2 * n - 2, order);
      CHECK(r.order == order);
      CHECK(max_abs(r.linkage - z) <= 1e-12);
      vector w = vector::Zero(n);
      naive_bisection(cov, order, 1.0, w);
      CHECK(max_abs(r.weights - w) <= 1e-13);
      CHECK(std::fabs(r.weights.sum() - 1) <= 1e-14);
      // HERC: the same flat clusters and weights as without the reordering (k fixed).
      const std::ptrdiff_t k = std::max<std::ptrdiff_t>(1, n / 3);
      const auto h = keel::hierarchical_equal_risk_contribution(
          x, {.clusters = k, .linkage = method, .optimal_leaf_ordering = true});
      const auto plain = keel::hierarchical_equal_risk_contribution(x, {.clusters = k, .linkage = method});
      CHECK(h.order == r.order);
      CHECK(max_abs(h.weights - plain.weights) <= 1e-14);
      for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
          CHECK((h.labels[static_cast<std::size_t>(i)] == h.labels[static_cast<std::size_t>(j)]) ==
                (plain.labels[static_cast<std::size_t>(i)] == plain.labels[static_cast<std::size_t>(j)]));
    }
  }
  // Single linkage: permuting the assets permutes the portfolio.
  const Eigen::Index n = 30;
  const matrix x = factor_returns(500, n, rng);
  matrix cov, corr;
  reference_moments(x, cov, corr);
  const auto base = keel::hierarchical_risk_parity(cov, corr, {.optimal_leaf_ordering = true});
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), Eigen::Index{0});
  for (int trial = 0; trial < 8; ++trial) {
    std::shuffle(perm.begin(), perm.end(), rng);
    const matrix pc = cov(perm, perm), pr = corr(perm, perm);
    const auto r = keel::hierarchical_risk_parity(pc, pr, {.optimal_leaf_ordering = true});
    for (Eigen::Index j = 0; j < n; ++j)
      CHECK(std::fabs(r.weights(j) - base.weights(perm[static_cast<std::size_t>(j)])) <= 1e-14);
    index_list mapped;
    for (const auto i : r.order) mapped.push_back(perm[static_cast<std::size_t>(i)]);
    CHECK(mapped == base.order);
  }
}

TEST_CASE("HRP weights equal a direct recursive bisection on the naive tree", "[hrp]") {
  std::mt19937_64 rng(42);
  for (const Eigen::Index n : {2, 3, 5, 8, 13, 40}) {
    const matrix x = factor_returns(400, n, rng);
    matrix cov, corr;
    reference_moments(x, cov, corr);
    const std::vector<double> d = condensed_distances(corr);
    for (const auto method : all_methods) {
      INFO("N = " << n << ", " << method_name(method));
      const auto r = keel::hierarchical_risk_parity(x, {.linkage = method});
      const matrix z = naive_linkage(square(d, n), method);
      index_list order;
      leaves(z, 2 * n - 2, order);
      CHECK(r.order == order);
      CHECK(max_abs(r.linkage - z) <= 1e-12);
      vector w = vector::Zero(n);
      naive_bisection(cov, order, 1.0, w);
      CHECK(max_abs(r.weights - w) <= 1e-13);
      CHECK(std::fabs(r.weights.sum() - 1) <= 1e-14);
      CHECK((r.weights.array() > 0).all());
      CHECK(r.labels.empty());
      // The (cov, corr) form from the same moments gives the same portfolio.
      const auto from_cov = keel::hierarchical_risk_parity(cov, corr, {.linkage = method});
      CHECK(from_cov.order == order);
      CHECK(max_abs(from_cov.weights - w) <= 1e-13);
    }
  }
}

TEST_CASE("HRP with two assets is inverse variance; standard deviation is inverse volatility", "[hrp]") {
  const matrix cov{{0.04, 0.006}, {0.006, 0.01}};
  const matrix corr{{1, 0.3}, {0.3, 1}};
  const auto v = keel::hierarchical_risk_parity(cov, corr);
  CHECK(v.weights(0) == Approx(0.2).epsilon(1e-15));  // (1/0.04) / (1/0.04 + 1/0.01)
  CHECK(v.order == index_list{0, 1});
  const auto s =
      keel::hierarchical_risk_parity(cov, corr, {.risk_measure = keel::cluster_risk_measure::standard_deviation});
  CHECK(s.weights(0) == Approx(1.0 / 3).epsilon(1e-15));  // (1/0.2) / (1/0.2 + 1/0.1)
  // With a diagonal covariance every cluster's inverse-variance risk is 1 / sum(1 / v): the
  // bisection reproduces inverse-variance weights whatever the tree.
  const vector var{{0.01, 0.02, 0.05, 0.03, 0.08}};
  const matrix diag = var.asDiagonal();
  const auto iv = keel::hierarchical_risk_parity(diag, matrix(matrix::Identity(5, 5)));
  const vector expected = var.cwiseInverse() / var.cwiseInverse().sum();
  CHECK(max_abs(iv.weights - expected) <= 1e-15);
}

TEST_CASE("HERC equals a direct recursion on the tree's member sets", "[hrp][herc]") {
  std::mt19937_64 rng(2017);
  for (const Eigen::Index n : {3, 6, 12, 30}) {
    const matrix x = factor_returns(300, n, rng);
    matrix cov, corr;
    reference_moments(x, cov, corr);
    for (const auto method : all_methods)
      for (std::ptrdiff_t k = 1; k <= n; k += std::max<std::ptrdiff_t>(1, n / 5)) {
        INFO("N = " << n << ", " << method_name(method) << ", k = " << k);
        const auto r = keel::hierarchical_equal_risk_contribution(x, {.clusters = k, .linkage = method});
        const matrix z = r.linkage;
        // The flat clusters: undo the last k - 1 merges (no ties in random data).
        std::vector<std::set<std::ptrdiff_t>> clusters;
        std::function<void(std::ptrdiff_t)> split = [&](std::ptrdiff_t node) {
          index_list members;
          leaves(z, node, members);
          if (node < n || node - n < n - k) {
            clusters.emplace_back(members.begin(), members.end());
            return;
          }
          split(static_cast<std::ptrdiff_t>(z(node - n, 0)));
          split(static_cast<std::ptrdiff_t>(z(node - n, 1)));
        };
        split(2 * n - 2);
        REQUIRE(static_cast<std::ptrdiff_t>(clusters.size()) == k);
        const auto risk_of = [&](const std::set<std::ptrdiff_t>& c) {
          return cluster_variance(cov, index_list(c.begin(), c.end()));
        };
        vector w = vector::Zero(n);
        std::function<void(std::ptrdiff_t, double)> down = [&](std::ptrdiff_t node, double weight) {
          index_list members;
          leaves(z, node, members);
          const std::set<std::ptrdiff_t> set(members.begin(), members.end());
          for (const auto& c : clusters)
            if (c == set) {
              vector iv(static_cast<Eigen::Index>(c.size()));
              Eigen::Index a = 0;
              for (auto i : c) iv(a++) = 1 / cov(i, i);
              iv /= iv.sum();
              a = 0;
              for (auto i : c) w(i) = weight * iv(a++);
              return;
            }
          const auto a = static_cast<std::ptrdiff_t>(z(node - n, 0)), b = static_cast<std::ptrdiff_t>(z(node - n, 1));
          index_list la, lb;
          leaves(z, a, la);
          leaves(z, b, lb);
          const std::set<std::ptrdiff_t> left(la.begin(), la.end()), right(lb.begin(), lb.end());
          double ra = 0, rb = 0;
          for (const auto& c : clusters) {
            if (std::includes(left.begin(), left.end(), c.begin(), c.end())) ra += risk_of(c);
            if (std::includes(right.begin(), right.end(), c.begin(), c.end())) rb += risk_of(c);
          }
          const double alpha = 1 - ra / (ra + rb);
          down(a, weight * alpha);
          down(b, weight * (1 - alpha));
        };
        down(2 * n - 2, 1.0);
        CHECK(max_abs(r.weights - w) <= 1e-13);
        CHECK(std::fabs(r.weights.sum() - 1) <= 1e-14);
        CHECK(*std::max_element(r.labels.begin(), r.labels.end()) == k - 1);
      }
  }
}

TEST_CASE("HERC's gap statistic picks the planted number of clusters", "[hrp][herc]") {
  // Three blocks of strongly correlated assets, independent across blocks.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> z;
  const Eigen::Index t = 500, n = 12;
  matrix x(t, n);
  for (Eigen::Index i = 0; i < t; ++i) {
    const double f[3] = {z(rng), z(rng), z(rng)};
    for (Eigen::Index j = 0; j < n; ++j) x(i, j) = 0.01 * (f[j % 3] + 0.2 * z(rng));
  }
  const auto r = keel::hierarchical_equal_risk_contribution(x);
  CHECK(*std::max_element(r.labels.begin(), r.labels.end()) == 2);
  for (Eigen::Index j = 0; j < n; ++j)
    CHECK(r.labels[static_cast<std::size_t>(j)] == r.labels[static_cast<std::size_t>(j % 3)]);
}

TEST_CASE("HRP and HERC from returns use pandas' pairwise cov and corr with missing data", "[hrp][missing]") {
  std::mt19937_64 rng(11);
  matrix x = factor_returns(200, 6, rng);
  for (Eigen::Index i = 0; i < 40; ++i) x(i, 2) = std::numeric_limits<double>::quiet_NaN();  // a late listing
  x(100, 4) = x(150, 0) = std::numeric_limits<double>::quiet_NaN();
  matrix cov, corr;
  pandas_moments(x, cov, corr);
  for (const auto method : all_methods) {
    const auto r = keel::hierarchical_risk_parity(x, {.linkage = method, .missing = keel::missing_data::pairwise});
    const auto reference = keel::hierarchical_risk_parity(cov, corr, {.linkage = method});
    CHECK(r.order == reference.order);
    CHECK(max_abs(r.weights - reference.weights) <= 1e-13);
    const auto h =
        keel::hierarchical_equal_risk_contribution(x, {.linkage = method, .missing = keel::missing_data::pairwise});
    const auto hr = keel::hierarchical_equal_risk_contribution(cov, corr, {.linkage = method});
    CHECK(max_abs(h.weights - hr.weights) <= 1e-13);
  }
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(x),
                    Contains("hierarchical_risk_parity: panel(0, 2) is NaN; set .missing"));
  // complete_rows is HRP on the panel with its incomplete rows dropped (pandas' dropna()).
  const auto complete = keel::hierarchical_risk_parity(x, {.missing = keel::missing_data::complete_rows});
  std::vector<Eigen::Index> kept;
  for (Eigen::Index t = 0; t < x.rows(); ++t)
    if (x.row(t).allFinite()) kept.push_back(t);
  REQUIRE(static_cast<Eigen::Index>(kept.size()) < x.rows());
  const Eigen::MatrixXd dropped = x(kept, Eigen::all);
  const auto reference_rows = keel::hierarchical_risk_parity(dropped);
  CHECK(complete.order == reference_rows.order);
  CHECK(max_abs(complete.weights - reference_rows.weights) <= 1e-15);
}

TEST_CASE("HRP bounds clip each bisection as skfolio does, exactly", "[hrp][bounds]") {
  std::mt19937_64 rng(5);
  const Eigen::Index n = 10;
  const matrix x = factor_returns(300, n, rng);
  const auto free = keel::hierarchical_risk_parity(x);
  const double cap = 0.12, floor = 0.04;
  const auto r = keel::hierarchical_risk_parity(x, {.bounds = keel::weight_bounds(floor, cap)});
  REQUIRE(free.weights.maxCoeff() > cap);  // the bounds bind
  REQUIRE(free.weights.minCoeff() < floor);
  CHECK((r.weights.array() <= cap).all());
  CHECK((r.weights.array() >= floor).all());
  CHECK(std::fabs(r.weights.sum() - 1) <= 1e-14);
  // skfolio's rule, written as it is there: alpha clipped to [sum lo_L / W, sum hi_L / W], then
  // 1 - alpha clipped to [sum lo_R / W, sum hi_R / W], breadth first over the bisections.
  matrix cov, corr;
  reference_moments(x, cov, corr);
  vector w = vector::Ones(n);
  std::vector<index_list> items{r.order};
  while (!items.empty()) {
    std::vector<index_list> next;
    for (const auto& c : items) {
      if (c.size() < 2) continue;
      const auto half = static_cast<std::ptrdiff_t>(c.size() / 2);
      next.emplace_back(c.begin(), c.begin() + half);
      next.emplace_back(c.begin() + half, c.end());
    }
    for (std::size_t i = 0; i < next.size(); i += 2) {
      const auto &left = next[i], &right = next[i + 1];
      const double vl = cluster_variance(cov, left), vr = cluster_variance(cov, right);
      double alpha = 1 - vl / (vl + vr);
      const double wl = w(left[0]), wr = w(right[0]);
      const double nl = static_cast<double>(left.size()), nr = static_cast<double>(right.size());
      alpha = std::min(nl * cap / wl, std::max(nl * floor / wl, alpha));
      alpha = 1 - std::min(nr * cap / wr, std::max(nr * floor / wr, 1 - alpha));
      for (auto a : left) w(a) *= alpha;
      for (auto a : right) w(a) *= 1 - alpha;
    }
    items = std::move(next);
  }
  CHECK(max_abs(r.weights - w) <= 1e-14);
  // Per-asset bounds that pin one asset.
  vector lo = vector::Zero(n), hi = vector::Ones(n);
  lo(3) = hi(3) = 0.3;
  const auto pinned = keel::hierarchical_risk_parity(x, {.bounds = keel::weight_bounds(lo, hi)});
  CHECK(pinned.weights(3) == 0.3);
  CHECK(std::fabs(pinned.weights.sum() - 1) <= 1e-14);
}

TEST_CASE("HERC bounds give the weights nearest the unbounded ones in relative terms", "[hrp][herc][bounds]") {
  std::mt19937_64 rng(6);
  const Eigen::Index n = 9;
  const matrix x = factor_returns(300, n, rng);
  const auto free = keel::hierarchical_equal_risk_contribution(x, {.clusters = 3});
  const double cap = 0.15;
  const auto r = keel::hierarchical_equal_risk_contribution(x, {.clusters = 3, .bounds = keel::weight_bounds(0, cap)});
  REQUIRE(free.weights.maxCoeff() > cap);
  CHECK((r.weights.array() <= cap).all());
  CHECK((r.weights.array() >= 0).all());
  CHECK(std::fabs(r.weights.sum() - 1) <= 1e-14);
  // KKT of min sum ((w - w0) / w0)^2, sum w = 1, w <= cap: the free weights share one t with
  // w_i = w0_i + t w0_i^2, t >= 0 here, and every capped weight would exceed the cap at that t.
  double t = std::numeric_limits<double>::quiet_NaN();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double w0 = free.weights(i);
    if (r.weights(i) < cap) {
      const double ti = (r.weights(i) - w0) / (w0 * w0);
      if (std::isnan(t)) t = ti;
      CHECK(ti == Approx(t).epsilon(1e-10));
    }
  }
  REQUIRE(!std::isnan(t));
  CHECK(t > 0);
  for (Eigen::Index i = 0; i < n; ++i)
    if (r.weights(i) == cap) CHECK(free.weights(i) + t * free.weights(i) * free.weights(i) >= cap);
}

TEST_CASE("HRP and HERC on stock_prices.csv: weights follow permuted assets", "[hrp][real]") {
  const auto path = keel_test::shared_file("data/stock_prices.csv");
  if (!path) return;
  const auto returns = keel::simple_returns(keel::read_prices_csv(*path));
  const matrix& x = returns.returns;  // 20 assets, late listings: pairwise, as PyPortfolioOpt on this data
  const Eigen::Index n = x.cols();
  const auto pairwise = keel::missing_data::pairwise;
  // The returns form once per function (it is the slow part under sanitizers); the
  // permutations through the (cov, corr) form, on pandas' moments computed here.
  matrix cov, corr;
  pandas_moments(x, cov, corr);
  const auto base = keel::hierarchical_risk_parity(x, {.missing = pairwise});
  CHECK((base.weights.array() > 0).all());
  CHECK(std::fabs(base.weights.sum() - 1) <= 1e-14);
  CHECK(max_abs(keel::hierarchical_risk_parity(cov, corr).weights - base.weights) <= 1e-13);
  std::vector<keel::hierarchical_result<double>> herc;
  for (const auto method : all_methods) {
    herc.push_back(keel::hierarchical_equal_risk_contribution(x, {.linkage = method, .missing = pairwise}));
    CHECK(max_abs(keel::hierarchical_equal_risk_contribution(cov, corr, {.linkage = method}).weights -
                  herc.back().weights) <= 1e-13);
  }
  std::mt19937_64 rng(1);
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), Eigen::Index{0});
  for (int trial = 0; trial < 8; ++trial) {
    std::shuffle(perm.begin(), perm.end(), rng);
    const matrix pc = cov(perm, perm), pr = corr(perm, perm);
    // Single linkage (the default): the whole portfolio follows the assets. (With the other
    // linkages, a merge's left child is the one of smaller label, so a permutation can swap
    // two children, and the halves of an odd-sized list then differ: PyPortfolioOpt's HRP
    // changes the same way; HERC, which splits by the tree, does not.)
    const auto r = keel::hierarchical_risk_parity(pc, pr);
    for (Eigen::Index j = 0; j < n; ++j)
      CHECK(std::fabs(r.weights(j) - base.weights(perm[static_cast<std::size_t>(j)])) <= 1e-14);
    CHECK(max_abs(r.linkage.col(2) - base.linkage.col(2)) <= 1e-15);
    for (std::size_t m = 0; m < 4; ++m) {
      const auto h = keel::hierarchical_equal_risk_contribution(pc, pr, {.linkage = all_methods[m]});
      for (Eigen::Index j = 0; j < n; ++j)
        CHECK(std::fabs(h.weights(j) - herc[m].weights(perm[static_cast<std::size_t>(j)])) <= 1e-14);
      const auto rh = keel::hierarchical_risk_parity(pc, pr, {.linkage = all_methods[m]});
      CHECK((rh.weights.array() > 0).all());
      CHECK(std::fabs(rh.weights.sum() - 1) <= 1e-14);
    }
  }
}

TEST_CASE("HRP and HERC errors name what, where and how big", "[hrp][errors]") {
  std::mt19937_64 rng(9);
  const matrix x = factor_returns(50, 4, rng);
  const auto hrp = [](const auto& panel, keel::hrp_options o = {}) { return keel::hierarchical_risk_parity(panel, o); };
  CHECK_THROWS_WITH(hrp(matrix(x.leftCols(1))), Contains("hierarchical_risk_parity: needs at least 2 assets, got 1"));
  CHECK_THROWS_AS(hrp(matrix(x.leftCols(1))), keel::insufficient_data);
  CHECK_THROWS_WITH(hrp(matrix(x.topRows(1))), Contains("hierarchical_risk_parity: needs at least 2 rows, got 1"));
  CHECK_THROWS_AS(hrp(matrix(x.topRows(1)), {.missing = keel::missing_data::pairwise}), keel::insufficient_data);
  matrix bad = x;
  bad(7, 2) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(hrp(bad), Contains("hierarchical_risk_parity: panel(7, 2) is NaN"));
  bad(7, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(hrp(bad, {.missing = keel::missing_data::pairwise}),
                    Contains("hierarchical_risk_parity: panel(7, 2) is inf"));
  matrix flat = x;
  flat.col(3).setConstant(0.01);
  CHECK_THROWS_WITH(hrp(flat), Contains("hierarchical_risk_parity: asset 3 has zero variance"));
  CHECK_THROWS_AS(hrp(flat), keel::singular_problem);
  CHECK_THROWS_AS(hrp(flat, {.missing = keel::missing_data::pairwise}), keel::singular_problem);
  CHECK_THROWS_WITH(keel::hierarchical_equal_risk_contribution(flat),
                    Contains("hierarchical_equal_risk_contribution: asset 3 has zero variance"));
  matrix sparse = x;
  sparse.col(1).setConstant(std::numeric_limits<double>::quiet_NaN());
  sparse(0, 1) = 0.01;
  CHECK_THROWS_WITH(hrp(sparse, {.missing = keel::missing_data::pairwise}),
                    Contains("needs at least 2 values in column 1, got 1"));
  // Bounds.
  CHECK_THROWS_WITH(hrp(x, {.bounds = keel::weight_bounds(0.3, 1)}),
                    Contains("hierarchical_risk_parity: the weights must sum to 1, but their lower bounds sum to 1.2"));
  CHECK_THROWS_AS(hrp(x, {.bounds = keel::weight_bounds(0.3, 1)}), keel::infeasible);
  CHECK_THROWS_WITH(hrp(x, {.bounds = keel::weight_bounds(0, 0.2)}), Contains("upper bounds sum to 0.8"));
  CHECK_THROWS_AS(hrp(x, {.bounds = keel::weight_bounds(0, 0.2)}), keel::infeasible);
  CHECK_THROWS_WITH(hrp(x, {.bounds = keel::weight_bounds(-0.1, 1)}),
                    Contains("bounds.lower[0] = -0.1 is below 0 (hierarchical weights are long-only)"));
  CHECK_THROWS_WITH(hrp(x, {.bounds = keel::weight_bounds(0.5, 0.4)}), Contains("the bounds of w[0] are [0.5, 0.4]"));
  CHECK_THROWS_WITH(hrp(x, {.bounds = keel::weight_bounds(vector::Zero(3), vector::Ones(3))}),
                    Contains("bounds.lower has 3 values but there are 4 assets"));
  CHECK_THROWS_AS(keel::hierarchical_equal_risk_contribution(x, {.bounds = keel::weight_bounds(0.3, 1)}),
                  keel::infeasible);
  // Cluster count.
  CHECK_THROWS_WITH(keel::hierarchical_equal_risk_contribution(x, {.clusters = 5}),
                    Contains("hierarchical_equal_risk_contribution: clusters = 5 must be in [1, 4]"));
  CHECK_THROWS_AS(keel::hierarchical_equal_risk_contribution(x, {.clusters = -1}), keel::invalid_input);
  // The (cov, corr) form.
  matrix cov, corr;
  reference_moments(x, cov, corr);
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(cov, matrix(corr.topLeftCorner(3, 3))),
                    Contains("corr is 3 x 3 but cov is 4 x 4"));
  matrix c2 = corr;
  c2(0, 1) = c2(1, 0) = 1.5;
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(cov, c2), Contains("corr(1, 0) = 1.5 is outside [-1, 1]"));
  c2 = corr;
  c2(0, 1) = 0.9;
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(cov, c2), Contains("corr is not symmetric"));
  c2(0, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(cov, c2), Contains("corr(0, 1) is NaN"));
  matrix v2 = cov;
  v2(2, 2) = 0;
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(v2, corr), Contains("asset 2 has zero variance"));
  v2(2, 2) = -1;
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(v2, corr), Contains("cov(2, 2) = -1 is a negative variance"));
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(matrix(cov.leftCols(3)), corr),
                    Contains("cov is 4 x 3, not square"));
  CHECK_THROWS_WITH(keel::hierarchical_risk_parity(matrix(cov.topLeftCorner(1, 1)), matrix(corr.topLeftCorner(1, 1))),
                    Contains("needs at least 2 assets, got 1"));
}

TEST_CASE("HRP and HERC on float and long double panels", "[hrp][types]") {
  std::mt19937_64 rng(12);
  const matrix x = factor_returns(120, 7, rng);
  const auto d = keel::hierarchical_risk_parity(x);
  const auto f = keel::hierarchical_risk_parity(Eigen::MatrixXf(x.cast<float>()));
  STATIC_REQUIRE(std::is_same_v<decltype(f.weights)::Scalar, float>);
  CHECK(max_abs(f.weights.cast<double>() - d.weights) <= 1e-5);
  const auto l = keel::hierarchical_equal_risk_contribution(
      Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>(x.cast<long double>()), {.clusters = 3});
  const auto ld = keel::hierarchical_equal_risk_contribution(x, {.clusters = 3});
  CHECK(max_abs(l.weights.cast<double>() - ld.weights) <= 1e-13);
}

TEST_CASE("HRP's out form reuses its workspace and gives the plain form's bits", "[hrp][workspace]") {
  std::mt19937_64 rng(41);
  const matrix a = factor_returns(300, 24, rng), b = factor_returns(120, 9, rng);
  matrix gaps = a;
  gaps(3, 5) = gaps(70, 11) = std::numeric_limits<double>::quiet_NaN();
  keel::hierarchical_result<double> out;
  keel::hierarchical_result<double>::workspace ws;
  const auto same = [](const keel::hierarchical_result<double>& x, const keel::hierarchical_result<double>& y) {
    return x.weights == y.weights && x.order == y.order && x.linkage == y.linkage && x.labels == y.labels;
  };
  // Shapes and missing-data policies in turn, the workspace carried across all of them.
  const std::vector<std::pair<const matrix*, keel::hrp_options>> calls = {
      {&a, {}},
      {&b, {.linkage = keel::linkage_method::ward}},
      {&gaps, {.missing = keel::missing_data::pairwise}},
      {&gaps, {.linkage = keel::linkage_method::average, .missing = keel::missing_data::complete_rows}},
      {&a, {.risk_measure = keel::cluster_risk_measure::standard_deviation}}};
  for (const auto& [x, o] : calls) {
    keel::hierarchical_risk_parity(*x, out, ws, o);
    CHECK(same(out, keel::hierarchical_risk_parity(*x, o)));
  }
  // A failed call leaves a usable workspace: the next call is still the plain form's.
  matrix constant = b;
  constant.col(2).setConstant(0.01);
  CHECK_THROWS_AS(keel::hierarchical_risk_parity(constant, out, ws), keel::singular_problem);
  keel::hierarchical_risk_parity(b, out, ws);
  CHECK(same(out, keel::hierarchical_risk_parity(b)));
  // Warm, one shape: the T x N and N x N buffers are the ones the last call used.
  keel::hierarchical_risk_parity(a, out, ws);
  const double* centred = ws.gram.centred.data();
  const double* gram = ws.gram.gram.data();
  const double* cov = ws.moments.cov.data();
  const double* distances = ws.distances.data();
  keel::hierarchical_risk_parity(a, out, ws, {.linkage = keel::linkage_method::complete});
  CHECK(ws.gram.centred.data() == centred);
  CHECK(ws.gram.gram.data() == gram);
  CHECK(ws.moments.cov.data() == cov);
  CHECK(ws.distances.data() == distances);
  CHECK(same(out, keel::hierarchical_risk_parity(a, {.linkage = keel::linkage_method::complete})));
}
