// SPDX-License-Identifier: MIT
// Checks keel-batch's JSON Lines against keel called directly (a ctest of examples/):
//   batch_check --prices FILE --portfolios FILE --market SYMBOL --records FILE [--window N]
//               [--sample K]
// - one record per portfolio, in the order the ids first appear in the portfolios file;
// - a portfolio holding a symbol the prices lack is an invalid_input record naming it, one
//   holding a symbol without enough history an insufficient_data record naming it, and every
//   other portfolio has a summary or (counted apart) an error record equal to risk_snapshot's;
// - for every K-th portfolio (and every error portfolio) the record equals, value for value
//   (doubles compared exactly: nlohmann writes them round-trip), risk_snapshot(holdings,
//   prices, options).summary converted by the same keel::to_json, and summarize_risk called on
//   a universe prepared here; risk_snapshot takes the price table itself, so it checks the
//   once-per-batch universe against the per-portfolio path.
// Prints what differs and exits 1, or one line of counts and exits 0.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <keel/json.hpp>
#include <keel/snapshot.hpp>

#include "support/data.hpp"

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  if (failures <= 20) std::cout << "MISMATCH: " << what << "\n";
}

/// The record risk_snapshot (from the price table) implies for `p`, built here.
nlohmann::ordered_json expected_record(const keel::named_portfolio& p, const keel::price_table& prices,
                                       const keel::snapshot_options& options) {
  nlohmann::ordered_json j;
  j["portfolio_id"] = p.id;
  try {
    j["summary"] = keel::to_json(keel::risk_snapshot(p.holdings, prices, options).summary);
  } catch (const keel::error& e) {
    j["error"] = {{"type", keel_example::error_type(e)}, {"message", e.what()}};
  }
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"checks keel-batch's records against keel called directly", "batch_check"};
  std::string prices_path, portfolios_path, records_path, market;
  std::ptrdiff_t window = 252, sample = 10;
  app.add_option("--prices", prices_path)->required();
  app.add_option("--portfolios", portfolios_path)->required();
  app.add_option("--records", records_path)->required();
  app.add_option("--market", market)->required();
  app.add_option("--window", window);
  app.add_option("--sample", sample)->check(CLI::Range(1, 1000000));
  CLI11_PARSE(app, argc, argv);

  const keel::price_table prices =
      keel_example::load_prices({.paths = {prices_path}, .delimiter = ",", .price_column = ""});
  const auto portfolios = keel::read_portfolios(std::filesystem::path(portfolios_path));
  keel::snapshot_options options;
  options.market = market;
  options.window = window;
  const keel::snapshot_universe universe = keel::prepare_universe(prices, options);

  std::ifstream in(records_path);
  std::vector<nlohmann::ordered_json> records;
  for (std::string line; std::getline(in, line);) records.push_back(nlohmann::ordered_json::parse(line));
  expect(records.size() == portfolios.size(),
         "records: " + std::to_string(records.size()) + ", portfolios: " + std::to_string(portfolios.size()));

  std::ptrdiff_t errors = 0, other_errors = 0, compared = 0;
  for (std::size_t i = 0; i < std::min(records.size(), portfolios.size()); ++i) {
    const auto& p = portfolios[i];
    const auto& r = records[i];
    expect(r.at("portfolio_id") == p.id,
           "record " + std::to_string(i) + " is " + r.at("portfolio_id").dump() + ", expected " + p.id);
    // The deliberate errors of batch_inputs: a symbol the prices lack, or one whose prices
    // start too late for the window.
    std::string unknown, short_history;
    for (const auto& h : p.holdings) {
      if (!prices.contains(h.symbol))
        unknown = h.symbol;
      else if (!universe.usable[static_cast<std::size_t>(
                   std::find(universe.symbols.begin(), universe.symbols.end(), h.symbol) - universe.symbols.begin())])
        short_history = h.symbol;
    }
    if (!unknown.empty() || !short_history.empty()) {
      ++errors;
      const bool ok = r.contains("error") && !r.contains("summary");
      expect(ok, p.id + " should be an error record: " + r.dump().substr(0, 200));
      if (ok) {
        const std::string type = r["error"]["type"], message = r["error"]["message"];
        expect(type == (unknown.empty() ? "insufficient_data" : "invalid_input"), p.id + ": error type " + type);
        const std::string& symbol = unknown.empty() ? short_history : unknown;
        expect(message.find(symbol) != std::string::npos, p.id + ": message does not name " + symbol + ": " + message);
      }
    } else if (r.contains("error")) {
      ++other_errors;  // a book of net value <= 0, say: compared with risk_snapshot below
    } else {
      expect(r.contains("summary"), p.id + " has neither a summary nor an error");
    }
    if (static_cast<std::ptrdiff_t>(i) % sample != 0 && !r.contains("error")) continue;
    ++compared;
    const auto full = expected_record(p, prices, options);
    if (full.contains("error") && r.contains("error")) {
      // The same error, thrown by risk_snapshot instead of summarize_risk: the messages differ
      // in the function's name only.
      const auto after_name = [](const std::string& m) { return m.substr(std::min(m.size(), m.find(": "))); };
      expect(full["error"]["type"] == r["error"]["type"] &&
                 after_name(full["error"]["message"]) == after_name(r["error"]["message"]),
             p.id + ": error differs from risk_snapshot's: " + full.dump());
    } else {
      expect(full == r, p.id + ": record differs from risk_snapshot's summary:\n  batch    " + r.dump() +
                            "\n  snapshot " + full.dump());
    }
    // summarize_risk on the universe prepared here, the batch's own path, bit for bit.
    if (r.contains("summary")) {
      const auto direct = keel::to_json(keel::summarize_risk(p.holdings, universe, options));
      expect(direct == r["summary"], p.id + ": record differs from summarize_risk");
      const keel::risk_summary s = keel::summarize_risk(p.holdings, universe, options);
      expect(r["summary"]["beta"].get<double>() == s.beta && r["summary"]["var_99"].get<double>() == s.var_99 &&
                 r["summary"]["volatility"].get<double>() == s.volatility,
             p.id + ": beta, var_99 or volatility differ from summarize_risk");
    }
  }
  if (failures > 0) {
    std::cout << "batch_check: " << failures << " mismatches\n";
    return 1;
  }
  std::cout << "batch_check: " << records.size() << " records in input order, " << errors << " error records, "
            << other_errors << " other error records, " << compared
            << " compared with risk_snapshot and summarize_risk: all equal\n";
  return 0;
}
