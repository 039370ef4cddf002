// SPDX-License-Identifier: MIT
// Header-only and compiled modes give bit-identical results: the bundled Dow 30 risk snapshot
// (every section: betas, exposure, volatility and HAR, VaR four ways with the backtest,
// performance, stress, limits, hedge, the frontier chart, and section 11's GARCH fit and factor
// breakdown on the bundled factor returns) computed in a header-only
// translation unit (support/header_only_snapshot.cpp, keel::keel alone) and through keel::compiled
// in this one, written as JSON (every double at full round-trip precision) and compared byte for
// byte, and the headline numbers compared with ==.

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>
#include <keel/json.hpp>
#include <keel/snapshot.hpp>

#include "support/header_only_snapshot.hpp"

#if KEEL_HEADER_ONLY
#error "header_only_test.cpp must be compiled against keel::compiled"
#endif

#include "support/dow_snapshot.hpp"

namespace keel_test {

keel::snapshot compiled_dow_snapshot(const std::filesystem::path& bundled) { return dow::snapshot(bundled); }

}  // namespace keel_test

TEST_CASE("risk_snapshot is bit-identical in header-only and compiled modes") {
  const std::filesystem::path bundled = KEEL_BUNDLED_DATA_DIR;
  const keel::snapshot a = keel_test::header_only_dow_snapshot(bundled);
  const keel::snapshot b = keel_test::compiled_dow_snapshot(bundled);
  REQUIRE(a.positions.size() == 18);
  CHECK(a.value == b.value);
  CHECK(a.betas.value_weighted == b.betas.value_weighted);
  CHECK(a.volatility.volatility == b.volatility.volatility);
  CHECK(a.volatility.har.volatility == b.volatility.har.volatility);
  REQUIRE(a.var.rows.size() == b.var.rows.size());
  for (std::size_t i = 0; i < a.var.rows.size(); ++i) {
    CHECK(a.var.rows[i].parametric.var == b.var.rows[i].parametric.var);
    CHECK(a.var.rows[i].historical.cvar == b.var.rows[i].historical.cvar);
    CHECK(a.var.rows[i].monte_carlo.var == b.var.rows[i].monte_carlo.var);
  }
  CHECK(a.hedge.plan.quantities == b.hedge.plan.quantities);
  REQUIRE(a.risk_models.garch.reason.empty());
  CHECK(a.risk_models.garch.omega == b.risk_models.garch.omega);
  CHECK(a.risk_models.garch.volatility_10d == b.risk_models.garch.volatility_10d);
  REQUIRE(a.risk_models.factors);
  REQUIRE(b.risk_models.factors);
  CHECK(a.risk_models.factors->factor_variance == b.risk_models.factors->factor_variance);
  const std::string ja = keel::to_json(a).dump(1);
  const std::string jb = keel::to_json(b).dump(1);
  CHECK(ja.size() > 10000);
  CHECK(ja == jb);
}
