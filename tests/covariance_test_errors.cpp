// SPDX-License-Identifier: MIT
// Part of covariance_test (tests/covariance_test.cpp describes the whole test): bad input and
// its messages, the out forms that reuse their buffers, the regressions found by
// volatility_fuzz, and the results as values (no scratch in a result; the out forms with a
// reused workspace and the deprecated ones equal the plain forms bit for bit; a plain result
// owns its matrices and nothing else on the heap).
#include <cmath>
#include <cstddef>
#include <iostream>
#include <limits>
#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <keel/covariance.hpp>

#include "support/allocations.hpp"
#include "support/covariance_test_fixtures.hpp"

using namespace keel_test::covariance_test;

namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Errors and allocation.

TEST_CASE("covariance estimators reject bad input with located messages", "[covariance][errors]") {
  matrix x = make_panel(50, 3, 90);
  x(7, 1) = std::nan("");
  CHECK_THROWS_AS(keel::sample_covariance(x, {.periods_per_year = 1}), keel::invalid_input);
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1}),
                    Contains("sample_covariance: panel(7, 1) is NaN; set .missing = missing_data::pairwise"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(x, {.periods_per_year = 1}), Contains("ledoit_wolf: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::ewma_covariance(x, {.periods_per_year = 1}), Contains("ewma_covariance: panel(7, 1) is NaN"));
  CHECK_THROWS_WITH(keel::semicovariance(x, {.periods_per_year = 1}), Contains("semicovariance: panel(7, 1) is NaN"));
  x(3, 2) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("panel(3, 2) is inf"));
  CHECK_THROWS_WITH(keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::complete_rows}),
                    Contains("panel(3, 2) is inf"));
  const matrix ok = make_panel(50, 3, 91);
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 0}),
                    Contains("sample_covariance: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 1, .min_observations = 1}),
                    Contains("min_observations = 1 must be at least 2"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.lambda = 1, .periods_per_year = 1}),
                    Contains("lambda = 1 must be in (0, 1)"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(ok, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("missing = missing_data::pairwise is not supported"));
  CHECK_THROWS_WITH(keel::semicovariance(ok, {.benchmark = std::nan(""), .periods_per_year = 1}),
                    Contains("benchmark = NaN must be finite"));
  // Too few rows.
  const matrix one_row = ok.topRows(1);
  CHECK_THROWS_AS(keel::sample_covariance(one_row, {.periods_per_year = 1}), keel::insufficient_data);
  CHECK_THROWS_WITH(keel::sample_covariance(one_row, {.periods_per_year = 1}),
                    Contains("needs at least 2 rows, got 1"));
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 1, .min_observations = 60}),
                    Contains("needs at least 60 rows, got 50 (set by covariance_options::min_observations)"));
  CHECK_THROWS_AS(keel::ledoit_wolf(one_row, {.periods_per_year = 1}), keel::insufficient_data);
  matrix holes = ok;
  for (Eigen::Index i = 0; i < 50; ++i) holes(i, i % 2 == 0 ? 0 : 2) = std::nan("");
  CHECK_THROWS_WITH(
      keel::sample_covariance(holes, {.periods_per_year = 1, .missing = keel::missing_data::complete_rows}),
      Contains("needs at least 2 complete rows, got 0"));
  CHECK_THROWS_WITH(keel::sample_covariance(holes, {.periods_per_year = 1, .missing = keel::missing_data::pairwise}),
                    Contains("common rows of columns 0 and 2"));
  // Constant columns: fine for a covariance (zero variance), singular for correlations.
  matrix flat = ok;
  flat.col(1).setConstant(0.01);
  const auto est = keel::sample_covariance(flat, {.periods_per_year = 1});
  CHECK(est.covariance(1, 1) == 0);
  CHECK(est.covariance(0, 1) == 0);
  CHECK_THROWS_AS(keel::correlation(est.covariance), keel::singular_problem);
  CHECK_THROWS_WITH(keel::correlation(est.covariance), Contains("cov(1, 1) = 0: asset 1 has zero variance"));
  CHECK_THROWS_AS(
      keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::constant_correlation, .periods_per_year = 1}),
      keel::singular_problem);
  CHECK_NOTHROW(keel::ledoit_wolf(flat, {.periods_per_year = 1}));
  CHECK_NOTHROW(keel::ledoit_wolf(flat, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1}));
  CHECK_THROWS_WITH(keel::correlation(matrix(2, 3)), Contains("cov is 2 x 3, not square"));
  matrix neg = matrix::Identity(2, 2);
  neg(1, 1) = -1;
  CHECK_THROWS_WITH(keel::correlation(neg), Contains("cov(1, 1) = -1 is a negative variance"));
  // Out of range.
  const matrix huge = ok * 1e160;
  CHECK_THROWS_WITH(keel::sample_covariance(huge, {.periods_per_year = 1}), Contains("overflows"));
  const matrix tiny = ok * 1e-160;
  CHECK_THROWS_WITH(keel::sample_covariance(tiny, {.periods_per_year = 1}), Contains("vary too little for double"));
  const Eigen::MatrixXf big = (ok * 3e20).cast<float>();  // fits float; its covariance x 252 does not
  CHECK_THROWS_WITH(keel::sample_covariance(big, {.periods_per_year = 252}), Contains("overflows the result type"));
}

TEST_CASE("covariance out forms reuse their buffers", "[covariance][allocation]") {
  const matrix x = make_panel(400, 20, 100);
  keel::covariance_estimate<double> c;
  keel::shrinkage_estimate<double> s;
  keel::covariance_estimate<double> e;
  keel::covariance_estimate<double>::workspace cw;
  keel::shrinkage_estimate<double>::workspace sw;
  keel::covariance_estimate<double>::workspace ew;
  const auto all = [&] {
    keel::sample_covariance(x, c, cw, {.periods_per_year = 1});
    keel::ledoit_wolf(x, s, sw, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1});
    keel::ewma_covariance(x, e, ew, {.periods_per_year = 1});
  };
  all();
  const long before = keel_test::allocation_count();
  all();
  // Products this small use Eigen's stack buffers: nothing is allocated at all.
  CHECK(keel_test::allocation_count() == before);
  CHECK(c.covariance == keel::sample_covariance(x, {.periods_per_year = 1}).covariance);
  CHECK(s.shrinkage ==
        keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1}).shrinkage);
}

TEST_CASE("ledoit_wolf single factor with a market of zero variance shrinks nothing",
          "[covariance][ledoit_wolf][degenerate]") {
  // Found by volatility_fuzz: x and -x have an equal-weighted market that is identically zero,
  // so every beta is 0 and the target is diag(S).
  const matrix base = make_panel(100, 1, 110);
  matrix x(100, 2);
  x.col(0) = base.col(0);
  x.col(1) = -base.col(0);
  const auto est = keel::ledoit_wolf(x, {.target = keel::shrinkage_target::single_factor, .periods_per_year = 1});
  CHECK(est.shrinkage == 0);
  CHECK(est.target_covariance(0, 1) == 0);
  CHECK(est.target_covariance(0, 0) == est.covariance(0, 0));
  CHECK(symmetric(est.covariance));
}

TEST_CASE("the nearest-correlation repair is exactly symmetric on badly scaled data", "[covariance][pairwise][psd]") {
  // Found by volatility_fuzz: the final symmetrisation once read entries it had just written.
  std::mt19937_64 gen(120);
  std::normal_distribution<double> z(0.0, 1.0);
  matrix x(60, 4);
  x.setConstant(std::nan(""));
  for (Eigen::Index i = 0; i < 60; ++i)
    for (Eigen::Index j = 0; j < 4; ++j)
      if ((i + j) % 3 != 0) x(i, j) = z(gen) * std::pow(10.0, 30 * static_cast<double>(j));
  x(0, 1) = 1e40;
  const auto est =
      keel::sample_covariance(x, {.periods_per_year = 1, .missing = keel::missing_data::pairwise, .repair = true});
  CHECK(symmetric(est.covariance));
  CHECK(est.positive_semidefinite);
}

TEST_CASE("periods_per_year is checked by one validator with one message", "[covariance][errors][periods]") {
  const matrix ok = make_panel(50, 3, 10);
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(keel::sample_covariance(ok, {.periods_per_year = 0}),
                    Equals("sample_covariance: periods_per_year = 0 must be positive and finite"));
  CHECK_THROWS_WITH(keel::ewma_covariance(ok, {.periods_per_year = -1}),
                    Equals("ewma_covariance: periods_per_year = -1 must be positive and finite"));
  CHECK_THROWS_WITH(keel::semicovariance(ok, {.periods_per_year = std::nan("")}),
                    Equals("semicovariance: periods_per_year = NaN must be positive and finite"));
  CHECK_THROWS_WITH(keel::ledoit_wolf(ok, {.periods_per_year = inf}),
                    Equals("ledoit_wolf: periods_per_year = inf must be positive and finite"));
  CHECK_THROWS_AS(keel::sample_covariance(ok, {.periods_per_year = inf}), keel::invalid_input);
}

TEST_CASE("the covariance estimators annualise by default: 252 x the per-period estimate", "[covariance][periods]") {
  const matrix x = make_panel(120, 4, 7);
  const auto close = [](const matrix& a, const matrix& b) {
    return (a - b).cwiseAbs().maxCoeff() <= 1e-15 * b.cwiseAbs().maxCoeff();
  };
  CHECK(close(keel::sample_covariance(x).covariance,
              252 * keel::sample_covariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::ewma_covariance(x).covariance, 252 * keel::ewma_covariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::semicovariance(x).covariance, 252 * keel::semicovariance(x, {.periods_per_year = 1}).covariance));
  CHECK(close(keel::ledoit_wolf(x).covariance, 252 * keel::ledoit_wolf(x, {.periods_per_year = 1}).covariance));
}

// ---------------------------------------------------------------------------------------------
// Results are values: a result holds only what it documents; the scratch is its workspace.

// The brief's checks, `requires { typename R::workspace; }` and `!requires(R r) { r.workspace; }`,
// as concepts: outside a template an invalid expression in a requires-expression is an error,
// not false.
template <class R>
concept has_workspace_type = requires {
  typename R::workspace;
};
template <class R>
concept has_workspace_member = requires(R r) {
  r.workspace;
};
struct scratch_in_result {  // what the checks must reject: the old layout
  int workspace;
};
static_assert(has_workspace_member<scratch_in_result> && !has_workspace_type<scratch_in_result>);

static_assert(has_workspace_type<keel::covariance_estimate<double>>);
static_assert(has_workspace_type<keel::covariance_estimate<float>>);
static_assert(has_workspace_type<keel::shrinkage_estimate<double>>);
static_assert(has_workspace_type<keel::shrinkage_estimate<float>>);
static_assert(!has_workspace_member<keel::covariance_estimate<double>>);
static_assert(!has_workspace_member<keel::covariance_estimate<float>>);
static_assert(!has_workspace_member<keel::shrinkage_estimate<double>>);
static_assert(!has_workspace_member<keel::shrinkage_estimate<float>>);
static_assert(std::is_default_constructible_v<keel::covariance_estimate<double>::workspace>);
static_assert(std::is_default_constructible_v<keel::shrinkage_estimate<double>::workspace>);

namespace {

/// Every field equal, bit for bit (shapes first: Eigen's == needs equal shapes).
template <class Real>
bool same_estimate(const keel::covariance_estimate<Real>& a, const keel::covariance_estimate<Real>& b) {
  const auto eq = [](const auto& u, const auto& v) { return u.rows() == v.rows() && u.cols() == v.cols() && u == v; };
  return eq(a.covariance, b.covariance) && a.observations == b.observations && eq(a.pair_counts, b.pair_counts) &&
         a.positive_semidefinite == b.positive_semidefinite && a.min_eigenvalue == b.min_eigenvalue &&
         a.repaired == b.repaired;
}

template <class Real>
bool same_estimate(const keel::shrinkage_estimate<Real>& a, const keel::shrinkage_estimate<Real>& b) {
  const auto eq = [](const auto& u, const auto& v) { return u.rows() == v.rows() && u.cols() == v.cols() && u == v; };
  return eq(a.covariance, b.covariance) && a.shrinkage == b.shrinkage && eq(a.target_covariance, b.target_covariance) &&
         a.observations == b.observations;
}

/// Three assets seen in overlapping thirds: a pairwise matrix that is not PSD (repair works).
matrix overlapping_thirds(unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> z(0.0, 0.01);
  matrix x(300, 3);
  x.setConstant(std::nan(""));
  for (Eigen::Index i = 0; i < 300; ++i) {
    const double a = z(gen), b = z(gen);
    const Eigen::Index first = i < 100 ? 0 : (i < 200 ? 1 : 0), second = i < 100 ? 1 : 2;
    x(i, first) = a;
    x(i, second) = (i >= 200 ? -a : a) + 0.1 * b;
  }
  return x;
}

/// A panel with NaN holes (about one cell in 23, in a pattern that differs by column), for
/// pairwise and complete_rows.
matrix with_gaps(Eigen::Index t, Eigen::Index n, unsigned seed) {
  matrix x = make_panel(t, n, seed);
  for (Eigen::Index i = 3; i < t; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if ((5 * i + 11 * j + static_cast<Eigen::Index>(seed)) % 23 == 0) x(i, j) = std::nan("");
  return x;
}

// glibc's count of heap bytes in use. Eigen allocates with std::malloc, which
// keel_test::allocation_count (operator new) does not see; sanitizers replace malloc, so
// there the measurement is not available.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define KEEL_TEST_SANITIZED_HEAP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KEEL_TEST_SANITIZED_HEAP 1
#endif

std::optional<std::size_t> heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33)) && \
    !defined(KEEL_TEST_SANITIZED_HEAP)
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#else
  return std::nullopt;
#endif
}

}  // namespace

TEST_CASE("covariance results hold their documented fields and nothing else", "[covariance][values]") {
  const matrix x = make_panel(80, 4, 21);
  // A structured binding compiles only when the names match the non-static data members one
  // for one: a seventh member (say, scratch) breaks this line.
  const auto [covariance, observations, pair_counts, positive_semidefinite, min_eigenvalue, repaired] =
      keel::sample_covariance(x, {.periods_per_year = 1});
  CHECK(covariance.rows() == 4);
  CHECK(observations == 80);
  CHECK(pair_counts.size() == 0);
  CHECK(positive_semidefinite);
  CHECK_FALSE(min_eigenvalue.has_value());
  CHECK_FALSE(repaired);
  const auto [shrunk, shrinkage, target_covariance, rows] = keel::ledoit_wolf(x, {.periods_per_year = 1});
  CHECK(shrunk.rows() == 4);
  CHECK(shrinkage >= 0);
  CHECK(shrinkage <= 1);
  CHECK(target_covariance.rows() == 4);
  CHECK(rows == 80);
}

TEST_CASE("a plain sample_covariance result owns its matrices and no scratch", "[covariance][values][memory]") {
  // The measurement: 2,520 x 500 returned 12 MB of scratch beside a 2 MB matrix (38 MB
  // with pairwise missing data). The same shape here, a fifth of the assets: the result may hold
  // its N x N covariance (and, pairwise, its N x N pair_counts) plus a few bytes of malloc
  // bookkeeping, while the scratch is ~5 (complete) to ~15 (pairwise) times that.
  const std::optional<std::size_t> start = heap_in_use();
  if (!start) {
    std::cout << "KEEL-SKIP: glibc's mallinfo2 is not available here (a sanitizer build)\n";
    return;
  }
  const Eigen::Index t = 2520, n = 100;
  const matrix complete = make_panel(t, n, 31);
  const matrix gappy = with_gaps(t, n, 32);
  const std::size_t matrix_bytes = static_cast<std::size_t>(n * n) * sizeof(double);
  const std::size_t slack = 4096;  // malloc headers and the rounding of chunk sizes
  {
    const std::size_t before = *heap_in_use();
    const auto est = keel::sample_covariance(complete);
    const std::size_t held = *heap_in_use() - before;
    CHECK(held >= matrix_bytes);
    CHECK(held <= matrix_bytes + slack);
  }
  {
    const std::size_t before = *heap_in_use();
    const auto est = keel::sample_covariance(gappy, {.missing = keel::missing_data::pairwise});
    const std::size_t held = *heap_in_use() - before;
    REQUIRE(est.pair_counts.size() == n * n);
    const std::size_t both = matrix_bytes + static_cast<std::size_t>(n * n) * sizeof(std::ptrdiff_t);
    CHECK(held >= both);
    CHECK(held <= both + slack);
  }
  {
    const std::size_t before = *heap_in_use();
    const auto est = keel::ledoit_wolf(complete);
    const std::size_t held = *heap_in_use() - before;
    CHECK(held >= 2 * matrix_bytes);  // covariance and target_covariance
    CHECK(held <= 2 * matrix_bytes + slack);
  }
  // The scratch lives in the workspace: what a warm out form keeps there, the plain call frees.
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  const std::size_t before = *heap_in_use();
  keel::sample_covariance(gappy, out, ws, {.missing = keel::missing_data::pairwise});
  CHECK(*heap_in_use() - before > 5 * matrix_bytes);
}

TEST_CASE("covariance out forms with a reused workspace equal the plain forms bit for bit", "[covariance][values]") {
  using keel::missing_data;
  // Each estimator on two different inputs in a row and then another shape, with the same out
  // and ws throughout (stale scratch would show), under every missing-data policy it supports.
  const std::vector<matrix> panels{make_panel(250, 6, 41), make_panel(250, 6, 42), make_panel(90, 3, 43)};
  const std::vector<matrix> gappy{with_gaps(250, 6, 44), with_gaps(250, 6, 45), overlapping_thirds(46),
                                  with_gaps(120, 5, 47)};
  keel::covariance_estimate<double> out;
  keel::covariance_estimate<double>::workspace ws;
  keel::shrinkage_estimate<double> shrunk;
  keel::shrinkage_estimate<double>::workspace sws;
  for (const auto& x : panels) {
    keel::sample_covariance(x, out, ws);
    CHECK(same_estimate(out, keel::sample_covariance(x)));
    keel::ewma_covariance(x, out, ws, {.demean = true});
    CHECK(same_estimate(out, keel::ewma_covariance(x, {.demean = true})));
    keel::ewma_covariance(x, out, ws, {.weighting = keel::ewma_weighting::recursive});
    CHECK(same_estimate(out, keel::ewma_covariance(x, {.weighting = keel::ewma_weighting::recursive})));
    keel::semicovariance(x, out, ws, {.benchmark = 1e-4});
    CHECK(same_estimate(out, keel::semicovariance(x, {.benchmark = 1e-4})));
    for (const auto target : {keel::shrinkage_target::scaled_identity, keel::shrinkage_target::single_factor,
                              keel::shrinkage_target::constant_correlation}) {
      keel::ledoit_wolf(x, shrunk, sws, {.target = target});
      CHECK(same_estimate(shrunk, keel::ledoit_wolf(x, {.target = target})));
    }
  }
  for (const auto& x : gappy) {
    INFO("a " << x.rows() << " x " << x.cols() << " panel with gaps");
    for (const bool repair : {false, true}) {
      const keel::covariance_options pairwise{.missing = missing_data::pairwise, .repair = repair};
      keel::sample_covariance(x, out, ws, pairwise);
      CHECK(same_estimate(out, keel::sample_covariance(x, pairwise)));
      const keel::semicovariance_options semi{.missing = missing_data::pairwise, .repair = repair};
      keel::semicovariance(x, out, ws, semi);
      CHECK(same_estimate(out, keel::semicovariance(x, semi)));
    }
    if (x.cols() == 3) continue;  // overlapping_thirds has no complete row
    keel::sample_covariance(x, out, ws, {.missing = missing_data::complete_rows});
    CHECK(same_estimate(out, keel::sample_covariance(x, {.missing = missing_data::complete_rows})));
    keel::ewma_covariance(x, out, ws, {.missing = missing_data::complete_rows});
    CHECK(same_estimate(out, keel::ewma_covariance(x, {.missing = missing_data::complete_rows})));
    keel::ledoit_wolf(x, shrunk, sws, {.missing = missing_data::complete_rows});
    CHECK(same_estimate(shrunk, keel::ledoit_wolf(x, {.missing = missing_data::complete_rows})));
  }
  // The repair ran (overlapping_thirds is not PSD pairwise), so its scratch was exercised.
  CHECK(keel::sample_covariance(gappy[2], {.missing = missing_data::pairwise, .repair = true}).repaired);
  // float panels: computed in double, rounded once, the same in both forms.
  keel::covariance_estimate<float> fout;
  keel::covariance_estimate<float>::workspace fws;
  for (const auto& x : panels) {
    const Eigen::MatrixXf xf = x.cast<float>();
    keel::sample_covariance(xf, fout, fws);
    CHECK(same_estimate(fout, keel::sample_covariance(xf)));
  }
  // A call that throws leaves a workspace the next call uses correctly.
  matrix bad = panels[0];
  bad(3, 2) = std::nan("");
  CHECK_THROWS_AS(keel::sample_covariance(bad, out, ws), keel::invalid_input);
  keel::sample_covariance(panels[1], out, ws);
  CHECK(same_estimate(out, keel::sample_covariance(panels[1])));
}

TEST_CASE("the deprecated covariance out forms without a workspace equal the new ones", "[covariance][values]") {
  const matrix x = with_gaps(200, 5, 51);
  const keel::covariance_options pairwise{.missing = keel::missing_data::pairwise, .repair = true};
  const keel::ewma_covariance_options ewma{.lambda = 0.97, .missing = keel::missing_data::complete_rows};
  const keel::semicovariance_options semi{.benchmark = 2e-4, .missing = keel::missing_data::pairwise};
  const keel::ledoit_wolf_options lw{.target = keel::shrinkage_target::constant_correlation,
                                     .missing = keel::missing_data::complete_rows};
  keel::covariance_estimate<double> a, b, c;
  keel::shrinkage_estimate<double> d;
  keel::covariance_estimate<double>::workspace ws;
  keel::shrinkage_estimate<double>::workspace sws;
  keel::sample_covariance(x, a, ws, pairwise);
  keel::ewma_covariance(x, b, ws, ewma);
  keel::semicovariance(x, c, ws, semi);
  keel::ledoit_wolf(x, d, sws, lw);
  keel::covariance_estimate<double> old;
  keel::shrinkage_estimate<double> old_shrunk;
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
  keel::sample_covariance(x, old, pairwise);
  CHECK(same_estimate(old, a));
  keel::ewma_covariance(x, old, ewma);
  CHECK(same_estimate(old, b));
  keel::semicovariance(x, old, semi);
  CHECK(same_estimate(old, c));
  keel::ledoit_wolf(x, old_shrunk, lw);
  CHECK(same_estimate(old_shrunk, d));
  const matrix y = make_panel(100, 4, 52);  // and with the default options
  keel::sample_covariance(y, old);
  CHECK(same_estimate(old, keel::sample_covariance(y)));
  keel::ledoit_wolf(y, old_shrunk);
  CHECK(same_estimate(old_shrunk, keel::ledoit_wolf(y)));
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
}
