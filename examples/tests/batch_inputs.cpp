// SPDX-License-Identifier: MIT
// Generates inputs for keel-batch: a wide prices CSV of U assets (A0000, A0001, ...) and a
// market column (MKT) over T business days, and a portfolios CSV of P portfolios of n
// positions each, deterministic for a seed on every platform (splitmix64 and Box-Muller
// written here, not the implementation-defined std:: distributions).
//   batch_inputs --prices FILE --portfolios FILE [--assets U] [--days T] [--count P]
//                [--positions n] [--seed S]
// Every 97th portfolio (ids P00096, P00193, ...) holds the unknown symbol NOPE, and every
// 89th (P00088, P00177, ...) holds the asset SHORT, whose prices start 10 days before the end:
// both must become error records, not a failed batch. Asset returns follow a one-factor model,
// r_i = beta_i m + e_i, so betas and correlations are realistic.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace {

/// splitmix64: a small generator with the same sequence everywhere.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform on (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  /// Standard normal by Box-Muller (one of the pair; simplicity over speed).
  double normal() {
    const double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }
};

std::string asset_name(std::int64_t i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "A%04lld", static_cast<long long>(i));
  return buf;
}

std::string portfolio_name(std::int64_t p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "P%05lld", static_cast<long long>(p));
  return buf;
}

/// The calendar date of day `d` after 2010-01-04, on weekdays only (days_from_civil inverse).
std::string business_date(std::int64_t d) {
  const std::int64_t days = 14613 + (d / 5) * 7 + d % 5;  // 14613: 2010-01-04, a Monday, since 1970
  const std::int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day));
  return buf;
}

void write_prices(const std::string& path, std::int64_t assets, std::int64_t days, splitmix64& rng) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  std::vector<double> beta(static_cast<std::size_t>(assets)), idio(beta.size()), price(beta.size() + 2);
  for (std::size_t i = 0; i < beta.size(); ++i) {
    beta[i] = 0.4 + 1.2 * rng.uniform();
    idio[i] = 0.008 + 0.017 * rng.uniform();
    price[i] = 20.0 + 180.0 * rng.uniform();
  }
  double market = 100, short_price = 50;
  out << "date,MKT";
  for (std::int64_t i = 0; i < assets; ++i) out << ',' << asset_name(i);
  out << ",SHORT\n";
  char cell[32];
  for (std::int64_t d = 0; d < days; ++d) {
    const double m = 0.0003 + 0.01 * rng.normal();
    if (d > 0) market *= 1 + m;
    out << business_date(d);
    std::snprintf(cell, sizeof cell, ",%.6f", market);
    out << cell;
    for (std::size_t i = 0; i < beta.size(); ++i) {
      const double r = beta[i] * m + idio[i] * rng.normal();
      if (d > 0) price[i] *= 1 + r;
      std::snprintf(cell, sizeof cell, ",%.6f", price[i]);
      out << cell;
    }
    if (d >= days - 10) {
      short_price *= 1 + 0.02 * rng.normal();
      std::snprintf(cell, sizeof cell, ",%.6f\n", short_price);
      out << cell;
    } else {
      out << ",\n";
    }
  }
}

void write_portfolios(const std::string& path, std::int64_t assets, std::int64_t count, std::int64_t positions,
                      splitmix64& rng) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  static const char* const sectors[] = {"Tech", "Energy", "Health", "Finance", "Industrials", "Consumer"};
  out << "portfolio_id,symbol,quantity,sector\n";
  std::vector<char> used(static_cast<std::size_t>(assets));
  for (std::int64_t p = 0; p < count; ++p) {
    std::fill(used.begin(), used.end(), 0);
    const std::string id = portfolio_name(p);
    for (std::int64_t k = 0; k < positions; ++k) {
      std::int64_t a = rng.below(assets);
      while (used[static_cast<std::size_t>(a)]) a = (a + 1) % assets;
      used[static_cast<std::size_t>(a)] = 1;
      // Mostly long; about one position in ten is a short, a fifth the size of a long on average
      // (a book of net value <= 0 is an error record too, but not one the tests plan).
      const bool short_position = rng.below(10) == 0;
      const std::int64_t quantity = short_position ? -(1 + rng.below(100)) : 1 + rng.below(500);
      std::string symbol = asset_name(a);
      if (k == positions - 1 && p % 97 == 96) symbol = "NOPE";
      if (k == positions - 1 && p % 89 == 88) symbol = "SHORT";
      out << id << ',' << symbol << ',' << quantity << ',' << sectors[a % 6] << '\n';
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"deterministic inputs for keel-batch", "batch_inputs"};
  std::string prices, portfolios;
  std::int64_t assets = 50, days = 300, count = 200, positions = 10;
  std::uint64_t seed = 1;
  app.add_option("--prices", prices, "the prices CSV to write")->required();
  app.add_option("--portfolios", portfolios, "the portfolios CSV to write")->required();
  app.add_option("--assets", assets, "assets in the universe (besides MKT and SHORT)")->check(CLI::Range(2, 100000));
  app.add_option("--days", days, "business days of prices")->check(CLI::Range(20, 1000000));
  app.add_option("--count", count, "portfolios")->check(CLI::Range(1, 10000000));
  app.add_option("--positions", positions, "positions per portfolio")->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "the generator's seed");
  CLI11_PARSE(app, argc, argv);
  if (positions > assets) {
    std::cerr << "batch_inputs: error: --positions " << positions << " exceeds --assets " << assets << "\n";
    return 2;
  }
  try {
    splitmix64 rng{seed};
    write_prices(prices, assets, days, rng);
    write_portfolios(portfolios, assets, count, positions, rng);
  } catch (const std::exception& e) {
    std::cerr << "batch_inputs: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
