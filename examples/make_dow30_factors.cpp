// SPDX-License-Identifier: MIT
// make_dow30_factors: writes examples/data/dow30_factors.csv, the illustrative factor returns of
// keel-report --factors for the bundled Dow 30 data, from the bundled prices and sectors, or
// checks that a committed file equals what it would write.
//
//   make_dow30_factors [--prices FILE] [--sectors FILE] [--drop SECTOR] [--out FILE | --check FILE]
//
// Columns: date (the later date of each pair of prices, as the price files write it), MKT = the
// equal-weighted mean of the stocks' daily simple returns, then one column per sector of the
// sectors file (in its order of first appearance) = the mean simple return of that sector's
// stocks minus MKT, except --drop's sector (default Energy). The sector columns weighted by
// their sizes sum to zero on every date, so with every sector the K + 1 columns are exactly
// collinear; leaving one out makes them full rank. Energy is left out because it has one stock
// (XOM), whose "sector" return minus MKT would be that stock's own return minus MKT, fitting it
// exactly. Values are rounded to 8 significant digits (%.8g). These are in-sample factors built
// from the same stocks: illustrative, not a vendor's model (examples/data/README.md).
//
// --check FILE recomputes the table and compares FILE with it: the same dates and columns, and
// every value within 1e-7 of the recomputed one relative to its size (the rounding to 8 digits
// moves a value by at most 5e-8 of it), else exit code 2 naming the first difference.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <keel/csv.hpp>
#include <keel/series.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"

namespace {

/// The factor table: dates, names, and one row of values per date.
struct factor_table {
  std::vector<std::chrono::year_month_day> dates;
  std::vector<std::string> names;
  std::vector<std::vector<double>> rows;
};

factor_table build(const keel::price_table& prices, const keel::csv_table& sectors, const std::string& drop) {
  const keel::return_table r = keel::simple_returns(prices);
  const auto symbol_col = sectors.find("symbol"), sector_col = sectors.find("sector");
  if (!symbol_col || !sector_col) throw keel_example::usage_error("--sectors: needs the columns symbol and sector");
  // Each sector's columns of the price table, sectors in their order of first appearance.
  std::vector<std::string> names;
  std::vector<std::vector<Eigen::Index>> members;
  for (std::size_t i = 0; i < sectors.rows.size(); ++i) {
    const std::string& symbol = sectors.rows[i][static_cast<std::size_t>(*symbol_col)];
    const std::string& sector = sectors.rows[i][static_cast<std::size_t>(*sector_col)];
    const Eigen::Index j = prices.index_of(symbol);  // invalid_input naming an unknown symbol
    std::size_t k = 0;
    while (k < names.size() && names[k] != sector) ++k;
    if (k == names.size()) {
      names.push_back(sector);
      members.emplace_back();
    }
    members[k].push_back(j);
  }
  if (static_cast<Eigen::Index>(sectors.rows.size()) != r.returns.cols())
    throw keel_example::usage_error("--sectors: lists " + std::to_string(sectors.rows.size()) +
                                    " symbols, the prices have " + std::to_string(r.returns.cols()) +
                                    " (MKT averages every column; give each its sector)");
  bool dropped = false;
  factor_table out;
  out.dates = r.dates;
  out.names.push_back("MKT");
  for (const auto& n : names)
    if (n == drop)
      dropped = true;
    else
      out.names.push_back(n);
  if (!dropped) throw keel_example::usage_error("--drop: no sector named '" + drop + "' in the sectors file");
  const auto n = static_cast<double>(r.returns.cols());
  for (Eigen::Index t = 0; t < r.returns.rows(); ++t) {
    double market = 0;
    for (Eigen::Index j = 0; j < r.returns.cols(); ++j) {
      const double x = r.returns(t, j);
      if (!std::isfinite(x))
        throw keel_example::usage_error(r.symbols[static_cast<std::size_t>(j)] + " has no return on " +
                                        keel::format_date(r.dates[static_cast<std::size_t>(t)]) +
                                        ": the generator needs every price (the bundled file has no gaps)");
      market += x;
    }
    market /= n;
    std::vector<double> row{market};
    for (std::size_t k = 0; k < names.size(); ++k) {
      if (names[k] == drop) continue;
      double sum = 0;
      for (const Eigen::Index j : members[k]) sum += r.returns(t, j);
      row.push_back(sum / static_cast<double>(members[k].size()) - market);
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::string text_of(double x) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, 8);
  return ec == std::errc{} ? std::string(buf, end) : std::string("nan");
}

std::string csv_of(const factor_table& f) {
  std::ostringstream out;
  out << "date";
  for (const auto& n : f.names) out << ',' << n;
  out << '\n';
  for (std::size_t t = 0; t < f.dates.size(); ++t) {
    out << keel::format_date(f.dates[t]);
    for (const double x : f.rows[t]) out << ',' << text_of(x);
    out << '\n';
  }
  return out.str();
}

void check(const factor_table& f, const std::filesystem::path& path) {
  // Read as keel-report --factors reads it: a wide file of dated columns.
  const keel::price_table c = keel::read_prices_csv(path);
  const std::string where = path.filename().string() + ": ";
  if (c.symbols != f.names) throw keel_example::usage_error(where + "its columns differ from the generator's");
  if (c.dates != f.dates)
    throw keel_example::usage_error(where + "its " + std::to_string(c.dates.size()) + " dates differ from the " +
                                    std::to_string(f.dates.size()) + " return dates of the prices");
  constexpr double tolerance = 1e-7;
  for (std::size_t t = 0; t < f.dates.size(); ++t)
    for (std::size_t k = 0; k < f.names.size(); ++k) {
      const double want = f.rows[t][k], got = c.prices(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(k));
      if (!(std::abs(got - want) <= tolerance * std::abs(want)))
        throw keel_example::usage_error(where + f.names[k] + " on " + keel::format_date(f.dates[t]) + " is " +
                                        text_of(got) + ", the generator gives " + text_of(want) + " (tolerance " +
                                        text_of(tolerance) + " relative)");
    }
  std::cout << where << f.dates.size() << " dates x " << f.names.size()
            << " factors match the generator (relative tolerance 1e-7)\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes (or checks) the bundled Dow 30 factor returns: MKT and sector-relative averages.",
               "make_dow30_factors"};
  std::string prices_path, sectors_path, out_path, check_path, drop = "Energy";
  app.add_option("--prices", prices_path, "the price file (default: the bundled Dow 30 prices)")->type_name("FILE");
  app.add_option("--sectors", sectors_path, "symbol,sector (default: the bundled dow30_sectors.csv)")
      ->type_name("FILE");
  app.add_option("--drop", drop, "the sector left out (the columns are collinear with all of them)")
      ->type_name("SECTOR")
      ->capture_default_str();
  auto* out_option = app.add_option("--out", out_path, "write the table to FILE (default: stdout)")->type_name("FILE");
  app.add_option("--check", check_path, "compare FILE with the table instead of writing it")
      ->type_name("FILE")
      ->excludes(out_option);
  return keel_example::run(app, argc, argv, [&] {
    const keel::price_table prices = keel::read_prices_csv(prices_path.empty() ? keel_example::bundled_prices()
                                                                               : std::filesystem::path(prices_path));
    const keel::csv_table sectors = keel::read_csv(
        sectors_path.empty() ? keel_example::bundled_file("dow30_sectors.csv") : std::filesystem::path(sectors_path));
    const factor_table f = build(prices, sectors, drop);
    if (!check_path.empty()) return check(f, check_path);
    const std::string text = csv_of(f);
    if (out_path.empty()) {
      std::cout << text;
      return;
    }
    std::ofstream file(out_path, std::ios::binary);
    if (!file || !(file << text) || !file.flush())
      throw keel_example::usage_error("--out " + out_path + ": cannot write");
  });
}
