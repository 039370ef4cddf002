// SPDX-License-Identifier: MIT
// Tests of keel/json.hpp (the JSON add-on, keel::json): the documents of a hand-filled snapshot
// byte for byte against tests/data/json_sample.json and json_sample_summary.jsonl, which the
// examples' serialiser (examples/support/snapshot_json.hpp, which keel/json.hpp replaced) wrote
// for the same snapshot (plus the fields added since, support/json_sample.hpp lists them), so
// keel-report --json and keel-batch write what they wrote before;
// nlohmann's conversion hooks for ordered_json and json; the schema version and the enumerations'
// names; numbers that are not finite; a mean-CVaR frontier's reason; strings that are not UTF-8.

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <keel/json.hpp>

#include "support/json_sample.hpp"

namespace {

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::filesystem::path data_dir = KEEL_TEST_DATA_DIR;

}  // namespace

TEST_CASE("to_json(snapshot) writes the examples' former document byte for byte", "[json]") {
  const keel::snapshot s = keel_test::json_sample_snapshot();
  const std::string expected = file_text(data_dir / "json_sample.json");
  REQUIRE(expected.size() > 5000);
  CHECK(keel::to_json(s).dump(2) + "\n" == expected);  // keel-report --json's form
}

TEST_CASE("to_json(risk_summary) writes keel-batch's former summary record byte for byte", "[json]") {
  const keel::snapshot s = keel_test::json_sample_snapshot();
  const std::string expected = file_text(data_dir / "json_sample_summary.jsonl");
  // keel-batch's form: one line. (Documents are compared as text: the sample holds NaNs, and
  // NaN != NaN.)
  CHECK(keel::to_json(s.summary).dump() + "\n" == expected);
}

TEST_CASE("to_json: nlohmann's hooks give the same document, in schema order or sorted", "[json]") {
  const keel::snapshot s = keel_test::json_sample_snapshot();
  const nlohmann::ordered_json doc = keel::to_json(s);

  const nlohmann::ordered_json ordered = s;  // keel::to_json(ordered_json&, const snapshot&), by ADL
  CHECK(ordered.dump() == doc.dump());
  CHECK(ordered.begin().key() == "schema_version");

  const nlohmann::json sorted = s;  // nlohmann::json sorts an object's keys
  CHECK(sorted.dump() == nlohmann::json(doc).dump());
  CHECK(sorted.dump().size() == doc.dump().size());
  CHECK(sorted.begin().key() == "betas");
  CHECK(sorted.at("summary").at("var_99") == 0.024);

  const nlohmann::ordered_json summary = s.summary;
  CHECK(summary.dump() == keel::to_json(s.summary).dump());
  const nlohmann::json summary_sorted = s.summary;
  CHECK(summary_sorted.dump() == nlohmann::json(keel::to_json(s.summary)).dump());
  CHECK(summary_sorted.begin().key() == "as_of");
  CHECK(std::next(summary_sorted.begin()).key() == "beta");  // "n" comes second in schema order

  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  array.push_back(s.summary);  // the hook through any nlohmann API
  CHECK(array.at(0).dump() == summary.dump());
}

TEST_CASE("to_json: the schema version, the enumerations' words and the conventions", "[json]") {
  STATIC_REQUIRE(keel::json_schema_version == 1);
  CHECK(keel::json_name(keel::basel_zone::green) == "green");
  CHECK(keel::json_name(keel::basel_zone::yellow) == "yellow");
  CHECK(keel::json_name(keel::basel_zone::red) == "red");
  CHECK(keel::json_name(keel::trend_direction::increasing) == "increasing");
  CHECK(keel::json_name(keel::trend_direction::decreasing) == "decreasing");
  CHECK(keel::json_name(keel::trend_direction::stable) == "stable");
  CHECK(keel::json_name(keel::order_side::buy) == "buy");
  CHECK(keel::json_name(keel::order_side::sell) == "sell");

  keel::snapshot s = keel_test::json_sample_snapshot();
  s.var.backtest->basel.zone = keel::basel_zone::red;
  s.volatility.trend.direction = keel::trend_direction::decreasing;
  const nlohmann::ordered_json doc = keel::to_json(s);
  CHECK(doc.at("schema_version") == keel::json_schema_version);
  CHECK(doc.at("var").at("backtest").at("zone") == "red");
  CHECK(doc.at("volatility").at("trend").at("direction") == "decreasing");
  CHECK(doc.at("hedge").at("orders").at(0).at("side") == "sell");
  CHECK(doc.at("inputs").at("as_of") == "2001-01-02");
  CHECK(doc.at("performance").at("max_drawdown").at("recovery").is_null());  // no recovery yet
  CHECK(doc.at("var").at("rows").at(1).at("cornish_fisher").at("var").is_null());
  CHECK(doc.at("stress").at(2).at("pnl").is_null());
  CHECK(doc.at("summary").at("concentration").at("top_10").is_null());
  // A number that is not finite is held as the double and written as null by dump().
  const auto& beta = doc.at("betas").at("positions").at(1).at("beta");
  REQUIRE(beta.is_number_float());
  CHECK(std::isnan(beta.get<double>()));
  CHECK(beta.dump() == "null");
  CHECK(doc.at("performance").at("sortino").dump() == "null");  // -infinity
  // A position without a beta fit has its symbol only.
  CHECK(doc.at("betas").at("positions").at(2) == nlohmann::ordered_json{{"symbol", "MSFT"}});

  keel::snapshot none = s;
  none.var.backtest.reset();
  CHECK(keel::to_json(none).at("var").at("backtest").is_null());
  // No mean-CVaR frontier: its reason, and no points (the sample has points and no reason).
  CHECK(doc.at("cvar_frontier").at("reason").is_null());
  CHECK(doc.at("cvar_frontier").at("points").size() == 3);
  none.construction.cvar_frontier.clear();
  none.construction.cvar_frontier_reason = "min_cvar: returns has no assets (0 columns)";
  const auto frontier = keel::to_json(none).at("cvar_frontier");
  CHECK(frontier.at("reason") == "min_cvar: returns has no assets (0 columns)");
  CHECK(frontier.at("points") == nlohmann::ordered_json::array());
  CHECK(frontier.at("confidence") == 0.95);

  // Section 11: garch with a null reason and its figures; factors with their rows.
  const auto& models = doc.at("risk_models");
  CHECK(models.at("garch").at("reason").is_null());
  CHECK(models.at("garch").at("converged") == true);
  CHECK(models.at("garch").at("volatility_1d") == 0.25);
  CHECK(models.at("garch").at("volatility_10d") == 0.2578125);
  CHECK(models.at("garch").at("horizon_volatility_10d") == 0.05);
  CHECK(models.at("garch").at("persistence") == 0.984375);
  CHECK(models.at("factors").at("explained_share") == 0.75);
  CHECK(models.at("factors").at("factors").at(1).at("name") == "Information Technology");
  CHECK(models.at("factors").at("factors").at(0).at("contribution") == 0.0390625);
  // Without factor returns: null; a GARCH that could not fit: its reason and no figures.
  none.risk_models.factors.reset();
  none.risk_models.garch = keel::snapshot_garch{};
  none.risk_models.garch.reason = "garch_fit: returns is constant: its variance is 0, no GARCH model fits it";
  const auto unfitted = keel::to_json(none).at("risk_models");
  CHECK(unfitted.at("factors").is_null());
  CHECK(unfitted.at("garch") == nlohmann::ordered_json{{"reason", none.risk_models.garch.reason}});
}

TEST_CASE("to_json: a name that is not UTF-8 makes dump() throw unless it replaces", "[json]") {
  // Symbols and sectors come from the caller's files; JSON text is UTF-8. to_json copies the
  // bytes; nlohmann's dump() rejects an invalid sequence (type_error 316) by default.
  keel::snapshot s = keel_test::json_sample_snapshot();
  s.positions[0].sector = "\xC9nergie";  // Latin-1 E acute
  const nlohmann::ordered_json doc = keel::to_json(s);
  CHECK_THROWS_AS(doc.dump(), nlohmann::ordered_json::type_error);
  CHECK_THROWS_WITH(doc.dump(), Catch::Contains("invalid UTF-8 byte"));
  const std::string replaced = doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  CHECK(replaced.find("\"sector\":\"\xEF\xBF\xBDnergie\"") != std::string::npos);  // U+FFFD
}
