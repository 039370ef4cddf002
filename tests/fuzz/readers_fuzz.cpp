// SPDX-License-Identifier: MIT
// libFuzzer target for the small-file readers (keel/portfolio.hpp: read_holdings,
// read_portfolios, read_benchmark; keel/limits.hpp: read_limits) and for
// keel/snapshot.hpp's deserialize_universe. Arbitrary bytes go to each reader, with ',' and ';';
// a first byte 'U' instead sends the rest to deserialize_universe behind a valid header, so the
// fuzzer reaches the fields. Each call must throw keel::invalid_input (insufficient_data for a
// holdings file with a header alone) or return what the readers document: one holding per
// symbol, its quantity the sum of its lots in file order, lines increasing; a universe whose
// sizes agree. See CMakeLists.txt for how to run it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <keel/limits.hpp>
#include <keel/portfolio.hpp>
#include <keel/snapshot.hpp>

#include "support.hpp"
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using keel_fuzz::require;

void check(const std::vector<keel::holding>& holdings) {
  require(!holdings.empty());
  std::set<std::string> symbols;
  for (const auto& h : holdings) {
    require(!h.symbol.empty());
    require(symbols.insert(h.symbol).second);
    require(std::isfinite(h.quantity));
    require(!h.lots.empty());
    double sum = 0;
    for (std::size_t k = 0; k < h.lots.size(); ++k) {
      sum += h.lots[k].quantity;
      require(h.lots[k].line >= 1 && (k == 0 || h.lots[k - 1].line < h.lots[k].line));
      require(!h.lots[k].cost_basis || std::isfinite(*h.lots[k].cost_basis));
      require(!h.lots[k].acquired || h.lots[k].acquired->ok());
    }
    require(sum == h.quantity);
  }
}

template <class F>
void expect_located(F&& f) {
  try {
    f();
  } catch (const keel::invalid_input&) {
  } catch (const keel::insufficient_data& e) {  // a holdings file with a header alone
    require(std::string_view(e.what()).find("no data rows") != std::string_view::npos);
  }
}

void run(const std::string& text, char delimiter) {
  expect_located([&] {
    std::istringstream in(text);
    check(keel::read_holdings(in, {.delimiter = delimiter}));
  });
  expect_located([&] {
    std::istringstream in(text);
    const auto portfolios = keel::read_portfolios(in, {.delimiter = delimiter});
    std::set<std::string> ids;
    for (const auto& p : portfolios) {
      require(!p.id.empty() && ids.insert(p.id).second);
      check(p.holdings);
    }
  });
  expect_located([&] {
    std::istringstream in(text);
    std::set<std::string> sectors;
    for (const auto& [sector, weight] : keel::read_benchmark(in, {.delimiter = delimiter}))
      require(!sector.empty() && std::isfinite(weight) && sectors.insert(sector).second);
  });
  expect_located([&] {
    std::istringstream in(text);
    for (const auto& l : keel::read_limits(in, {.delimiter = delimiter})) require(std::isfinite(l.limit));
  });
}

void run_universe(std::string_view rest) {
  std::string bytes = "KEELUNIV";
  const std::uint32_t version = 1;
  const std::uint32_t order = 0x01020304;
  bytes.append(reinterpret_cast<const char*>(&version), sizeof version);
  bytes.append(reinterpret_cast<const char*>(&order), sizeof order);
  bytes += rest;
  try {
    const keel::snapshot_universe u = keel::deserialize_universe(bytes);
    const auto n = static_cast<Eigen::Index>(u.symbols.size());
    require(u.returns.rows() == static_cast<Eigen::Index>(u.dates.size()) && u.returns.cols() == n);
    require(u.covariance.rows() == n && u.covariance.cols() == n);
    require(static_cast<Eigen::Index>(u.betas.size()) == n && static_cast<Eigen::Index>(u.usable.size()) == n);
    require(keel::serialize_universe(u) == bytes);
  } catch (const keel::invalid_input&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!text.empty() && text.front() == 'U') {
    run_universe(std::string_view(text).substr(1));
    return 0;
  }
  run(text, ',');
  run(text, ';');
  return 0;
}
