// SPDX-License-Identifier: MIT
// keel/detail/portfolio-inl.hpp: the definitions of keel/portfolio.hpp (read_holdings,
// read_portfolios, read_benchmark) over the CSV tokenizer of csv_reader.hpp. Included by
// portfolio.hpp in header-only mode and by src/portfolio.cpp in the compiled library.
// IWYU pragma: private, include <keel/portfolio.hpp>
#pragma once

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <keel/detail/config.hpp>
#include <keel/detail/csv_reader.hpp>
#include <keel/detail/text.hpp>
#include <keel/error.hpp>
#include <keel/portfolio.hpp>

namespace keel {

namespace detail {

/// The rows of a holdings file, summed per (portfolio, symbol). `many`: the portfolio_id
/// column is required and every id is its own portfolio; otherwise at most one id may appear.
KEEL_DECL [[nodiscard]] std::vector<named_portfolio> read_holdings_text(std::string_view text,
                                                                        const holdings_file_options& options,
                                                                        csv_context& ctx, bool many) {
  enum { symbol, quantity, sector, portfolio_id, account, lot, cost_basis, acquired };
  const std::vector<std::string_view> known = {"symbol",  "quantity", "sector",     "portfolio_id",
                                               "account", "lot",      "cost_basis", "acquired"};
  std::vector<std::string_view> required = {"symbol", "quantity"};
  if (many) required.emplace_back("portfolio_id");
  const std::string_view layout = many ? "portfolio_id,symbol,quantity[,sector]" : "symbol,quantity[,sector]";

  std::vector<named_portfolio> out;
  std::unordered_map<std::string, std::size_t> portfolio_index;
  // Per portfolio: symbol -> index of its holding; per holding, the line that set its sector.
  std::vector<std::unordered_map<std::string, std::size_t>> symbol_index;
  std::vector<std::vector<std::ptrdiff_t>> sector_line;
  std::string first_id;
  std::ptrdiff_t first_id_line = 0;
  const auto read_row = [&](const std::vector<std::string>& cells, std::ptrdiff_t line,
                            const std::vector<std::ptrdiff_t>& col) {
    const auto has = [&](int k) { return col[static_cast<std::size_t>(k)] >= 0; };
    const auto at = [&](int k) { return col[static_cast<std::size_t>(k)]; };
    const auto cell = [&](int k) -> const std::string& { return cells[static_cast<std::size_t>(at(k))]; };
    std::string id;
    if (has(portfolio_id)) {
      id = many ? required_cell(ctx, cells, line, at(portfolio_id)) : cell(portfolio_id);
      if (!many) {
        if (first_id_line == 0) {
          first_id = id;
          first_id_line = line;
        } else if (id != first_id) {
          ctx.fail(line, at(portfolio_id),
                   "a second portfolio " + detail::quoted(id) + " (line " + std::to_string(first_id_line) + " has " +
                       detail::quoted(first_id) + "): read a file of several portfolios with read_portfolios");
        }
      }
    }
    const auto [p_it, p_added] = portfolio_index.try_emplace(id, out.size());
    if (p_added) {
      out.push_back({id, {}});
      symbol_index.emplace_back();
      sector_line.emplace_back();
    }
    const std::size_t p = p_it->second;
    named_portfolio& portfolio = out[p];

    const std::string& sym = required_cell(ctx, cells, line, at(symbol));
    holding_lot row;
    row.quantity = parse_number_cell(ctx, cell(quantity), line, at(quantity));
    if (has(account)) row.account = cell(account);
    if (has(lot)) row.id = cell(lot);
    if (has(cost_basis) && !cell(cost_basis).empty())
      row.cost_basis = parse_number_cell(ctx, cell(cost_basis), line, at(cost_basis));
    if (has(acquired) && !cell(acquired).empty())
      row.acquired = parse_date_text_cell(ctx, cell(acquired), line, at(acquired));
    row.line = line;
    const std::string row_sector = has(sector) ? cell(sector) : std::string();

    const auto [h_it, h_added] = symbol_index[p].try_emplace(sym, portfolio.holdings.size());
    if (h_added) {
      portfolio.holdings.push_back({sym, row.quantity, row_sector, {}});
      sector_line[p].push_back(row_sector.empty() ? 0 : line);
    } else {
      holding& h = portfolio.holdings[h_it->second];
      std::ptrdiff_t& set_at = sector_line[p][h_it->second];
      if (!row_sector.empty()) {
        if (h.sector.empty()) {
          h.sector = row_sector;
          set_at = line;
        } else if (h.sector != row_sector) {
          ctx.fail(line, at(sector),
                   "symbol " + detail::quoted(sym) + " has the sector " + detail::quoted(row_sector) + " here but " +
                       detail::quoted(h.sector) + " on line " + std::to_string(set_at) +
                       " (rows of one symbol are lots of one position, with one sector)");
        }
      }
      const double sum = h.quantity + row.quantity;
      if (!std::isfinite(sum))
        ctx.fail(line, at(quantity),
                 "the quantities of " + detail::quoted(sym) + " (from line " + std::to_string(h.lots.front().line) +
                     ") sum to " + detail::number_text(sum) + ": adding " + detail::quoted(cell(quantity)) +
                     " overflows");
      h.quantity = sum;
    }
    portfolio.holdings[h_it->second].lots.push_back(std::move(row));
  };
  const std::ptrdiff_t header_line = for_each_row(text, options.delimiter, ctx, known, required, layout, read_row);
  if (out.empty()) {
    const std::string what = "no data rows: the header on line " + std::to_string(header_line) + " is the only record";
    throw insufficient_data(message(ctx.fn, ctx.source.empty() ? what : ctx.source + ": " + what), 1, 0);
  }
  return out;
}

KEEL_DECL [[nodiscard]] std::vector<std::pair<std::string, double>> read_benchmark_text(
    std::string_view text, const benchmark_file_options& options, csv_context& ctx) {
  std::vector<std::pair<std::string, double>> out;
  std::unordered_map<std::string, std::ptrdiff_t> seen;
  for_each_row(text, options.delimiter, ctx, {"sector", "weight"}, {"sector", "weight"}, "sector,weight",
               [&](const std::vector<std::string>& cells, std::ptrdiff_t line, const std::vector<std::ptrdiff_t>& col) {
                 const std::string& sector = required_cell(ctx, cells, line, col[0]);
                 const double weight = parse_number_cell(ctx, cells[static_cast<std::size_t>(col[1])], line, col[1]);
                 const auto [it, added] = seen.try_emplace(sector, line);
                 if (!added)
                   ctx.fail(line, col[0],
                            "the sector " + detail::quoted(sector) + " again (first on line " +
                                std::to_string(it->second) + ")");
                 out.emplace_back(sector, weight);
               });
  return out;
}

}  // namespace detail

KEEL_DEF std::vector<holding> read_holdings(std::istream& in, const holdings_file_options& options) {
  detail::csv_context ctx{"read_holdings", {}};
  const std::string text = detail::read_all(in, ctx);
  return std::move(detail::read_holdings_text(text, options, ctx, false).front().holdings);
}

KEEL_DEF std::vector<holding> read_holdings(const std::filesystem::path& path, const holdings_file_options& options) {
  const std::string text = detail::read_file(path, "read_holdings");
  detail::csv_context ctx{"read_holdings", detail::printable(path.string(), 200)};
  return std::move(detail::read_holdings_text(text, options, ctx, false).front().holdings);
}

KEEL_DEF std::vector<named_portfolio> read_portfolios(std::istream& in, const holdings_file_options& options) {
  detail::csv_context ctx{"read_portfolios", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_holdings_text(text, options, ctx, true);
}

KEEL_DEF std::vector<named_portfolio> read_portfolios(const std::filesystem::path& path,
                                                      const holdings_file_options& options) {
  const std::string text = detail::read_file(path, "read_portfolios");
  detail::csv_context ctx{"read_portfolios", detail::printable(path.string(), 200)};
  return detail::read_holdings_text(text, options, ctx, true);
}

KEEL_DEF std::vector<std::pair<std::string, double>> read_benchmark(std::istream& in,
                                                                    const benchmark_file_options& options) {
  detail::csv_context ctx{"read_benchmark", {}};
  const std::string text = detail::read_all(in, ctx);
  return detail::read_benchmark_text(text, options, ctx);
}

KEEL_DEF std::vector<std::pair<std::string, double>> read_benchmark(const std::filesystem::path& path,
                                                                    const benchmark_file_options& options) {
  const std::string text = detail::read_file(path, "read_benchmark");
  detail::csv_context ctx{"read_benchmark", detail::printable(path.string(), 200)};
  return detail::read_benchmark_text(text, options, ctx);
}

}  // namespace keel
