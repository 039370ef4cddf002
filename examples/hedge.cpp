// SPDX-License-Identifier: MIT
// hedge: the orders that take a portfolio to a target beta, their cost, and the portfolio's
// beta, volatility and VaR before and after.
//
//   hedge [--prices PATH]... [--delimiter C] [--price-column NAME] [--portfolio FILE]
//         [--target-beta B] [--instruments SYM,SYM] [--market SYMBOL] [--window N]
//         [--objective min-cost|min-variance] [--budget F] [--cost-bps X] [--multiplier M]
//         [--fractional]
//
// The portfolio file is `symbol,quantity[,sector]` (default: examples/data/dow30_portfolio.csv)
// valued at the last prices. Betas (of the portfolio and of each instrument) are OLS betas to
// the market over the last --window daily returns; the market is --market, or the
// equal-weighted average return of every symbol of the price file. The hedge instruments are
// --instruments (symbols of the price file); by default the --market symbol, or, without one,
// the equal-weighted index itself (`EW-INDEX`, priced 100 at the start: a stand-in for an
// index future when the file holds no index, as the bundled Dow 30 file does).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iostream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <keel/beta.hpp>
#include <keel/csv.hpp>
#include <keel/hedge.hpp>
#include <keel/portfolio.hpp>
#include <keel/series.hpp>
#include <keel/snapshot.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"
#include "support/format.hpp"

namespace {

// Sample standard deviation (n - 1) and covariance of the columns.
// TODO(volatility.hpp, covariance.hpp): keel::realized_volatility and keel::sample_covariance
// once the volatility issue provides them.
Eigen::MatrixXd sample_covariance(const Eigen::MatrixXd& r) {
  const Eigen::RowVectorXd mean = r.colwise().mean();
  const Eigen::MatrixXd centred = r.rowwise() - mean;
  return centred.transpose() * centred / static_cast<double>(r.rows() - 1);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

struct instrument_series {
  std::string symbol;
  double price = 0;
  Eigen::VectorXd returns;  // the last --window returns
};

std::string money(double x) { return keel_example::fixed(x, 0); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "The orders that take a portfolio to a target beta with the given instruments (whole contracts,\n"
      "least cost or least variance, within a budget), and the beta, volatility and VaR before and after.",
      "hedge"};
  keel_example::price_source source;
  std::string portfolio_path = keel_example::bundled_file("dow30_portfolio.csv").string();
  std::string instruments_text, market, objective = "min-cost";
  double target = 0, cost_bps = 1, multiplier = 1;
  std::optional<double> budget;
  std::ptrdiff_t window = 250;
  bool fractional = false;
  keel_example::add_price_options(app, source);
  app.add_option("--portfolio", portfolio_path, "the portfolio file: symbol,quantity[,sector] (default: bundled)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_option("--target-beta", target, "the beta to hedge to")->type_name("B")->capture_default_str();
  app.add_option("--instruments", instruments_text,
                 "hedge instruments, symbols of the price file (default: --market, or the equal-weighted index)")
      ->type_name("SYM,SYM");
  app.add_option("--market", market, "the market's symbol (default: the equal-weighted average of all symbols)")
      ->type_name("SYMBOL");
  app.add_option("--window", window, "daily returns the betas and volatilities use, at least 30")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(30));
  app.add_option("--objective", objective, "min-cost, or min-variance (several instruments)")
      ->capture_default_str()
      ->check(CLI::IsMember({"min-cost", "min-variance"}));
  app.add_option("--budget", budget, "largest total cost as a fraction of the portfolio's value (0.0005 = 5 bp)")
      ->type_name("F");
  app.add_option("--cost-bps", cost_bps, "trading cost of every instrument, basis points of notional")
      ->type_name("X")
      ->capture_default_str();
  app.add_option("--multiplier", multiplier, "units per contract of every instrument (50 for an E-mini)")
      ->type_name("M")
      ->capture_default_str();
  app.add_flag("--fractional", fractional, "fractional contracts (no rounding to whole contracts)");

  return keel_example::run(app, argc, argv, [&] {
    const std::vector<keel::holding> book = keel::read_holdings(std::filesystem::path(portfolio_path));
    const keel::price_table prices = keel_example::load_prices(source);
    const keel::return_table all = keel::simple_returns(prices);
    const auto t = static_cast<std::ptrdiff_t>(all.dates.size());
    if (t < window)
      throw keel::insufficient_data(
          "the prices have " + std::to_string(t) + " returns, fewer than --window " + std::to_string(window), window,
          t);
    const auto last = prices.prices.rows() - 1;
    // The portfolio: values at the last prices, its return series over the window.
    double value = 0;
    Eigen::VectorXd portfolio = Eigen::VectorXd::Zero(window);
    for (const auto& h : book) {
      const auto col = prices.index_of(h.symbol);
      value += h.quantity * prices.prices(last, col);
    }
    if (!(value > 0)) throw keel::invalid_input("the portfolio's value " + money(value) + " is not positive");
    for (const auto& h : book) {
      const auto col = prices.index_of(h.symbol);
      portfolio += h.quantity * prices.prices(last, col) / value * all.returns.col(col).tail(window);
    }
    // The market and the instruments.
    const auto ew = keel::equal_weighted_returns(prices);
    const Eigen::VectorXd market_returns =
        market.empty() ? Eigen::Map<const Eigen::VectorXd>(keel::values(ew).data(), t).tail(window).eval()
                       : all.returns.col(prices.index_of(market)).tail(window).eval();
    std::vector<std::string> symbols = split(instruments_text);
    if (symbols.empty()) symbols.push_back(market.empty() ? "EW-INDEX" : market);
    std::vector<instrument_series> series;
    for (const auto& s : symbols) {
      if (s == "EW-INDEX" && market.empty()) {
        double level = 100;
        for (double r : keel::values(ew)) level *= 1 + r;
        series.push_back({s, level, market_returns});
      } else {
        const auto col = prices.index_of(s);
        series.push_back({s, prices.prices(last, col), all.returns.col(col).tail(window)});
      }
    }
    const keel::beta_fit<double> fit = keel::market_beta(portfolio, market_returns);
    std::vector<keel::hedge_instrument> instruments;
    for (const auto& s : series)
      instruments.push_back(
          {s.symbol, keel::market_beta(s.returns, market_returns).beta, s.price, multiplier, cost_bps});
    keel::hedge_options options{.budget = budget,
                                .objective = objective == "min-variance" ? keel::hedge_objective::min_variance
                                                                         : keel::hedge_objective::min_cost,
                                .round_to_contracts = !fractional};
    if (options.objective == keel::hedge_objective::min_variance && instruments.size() > 1) {
      Eigen::MatrixXd panel(window, static_cast<Eigen::Index>(series.size()) + 1);
      for (std::size_t i = 0; i < series.size(); ++i) panel.col(static_cast<Eigen::Index>(i)) = series[i].returns;
      panel.col(panel.cols() - 1) = portfolio;
      options.covariance = sample_covariance(panel);
    }
    const keel::hedge_plan plan = keel::hedge_to_target_beta(value, fit.beta, instruments, target, options);
    const double market_volatility = std::sqrt(sample_covariance(market_returns)(0, 0));
    const keel::hedge_effect_result e95 =
        keel::hedge_effect(plan, market_volatility, fit.residual_stddev, {.value = value});
    const keel::hedge_effect_result e99 =
        keel::hedge_effect(plan, market_volatility, fit.residual_stddev, {.confidence = 0.99, .value = value});

    std::ostringstream out;  // printed whole, so that an error leaves stdout empty
    out << book.size() << " positions, value " << money(value) << " on " << keel::format_date(prices.dates.back())
        << "; betas to " << (market.empty() ? "the equal-weighted market" : market) << " over the last " << window
        << " daily returns\n";
    out << "portfolio beta " << keel_example::fixed(fit.beta, 3) << " (se " << keel_example::fixed(fit.beta_stderr, 3)
        << ", R^2 " << keel_example::fixed(fit.r_squared, 2) << "); hedge to beta " << keel_example::fixed(target, 3)
        << ", " << objective << (fractional ? ", fractional contracts" : ", whole contracts")
        << (budget ? ", budget " + keel_example::fixed(100 * *budget, 4) + "% of value" : std::string()) << "\n\n";
    keel_example::table ins({"instrument", "price", "multiplier", "beta", "cost bp"});
    for (const auto& h : instruments)
      ins.add({h.symbol, keel_example::fixed(h.price, 2), keel_example::fixed(h.multiplier, 0),
               keel_example::fixed(h.beta, 3), keel_example::fixed(h.cost_bps, 2)});
    ins.print(out);
    out << "\nOrders:\n";
    keel_example::table orders({"instrument", "side", "quantity", "notional", "cost"});
    for (const auto& o : plan.orders)
      orders.add({o.symbol, o.side == keel::order_side::buy ? "buy" : "sell",
                  keel_example::fixed(o.quantity, fractional ? 2 : 0), money(o.notional),
                  keel_example::fixed(o.cost, 2)});
    if (plan.orders.empty()) orders.add({"(none)", "", "", "", ""});
    orders.print(out);
    out << "total cost " << keel_example::fixed(plan.total_cost, 2) << " ("
        << keel_example::fixed(100 * plan.cost_fraction, 4) << "% of value); beta "
        << keel_example::fixed(plan.beta_before, 4) << " -> " << keel_example::fixed(plan.beta_after, 4)
        << " (residual " << keel_example::fixed(plan.beta_residual, 4, 1e-3) << ")"
        << (plan.fully_hedged ? "" : "\nnot fully hedged: " + plan.reason) << "\n\n";
    out << "Effect (one-factor model: market volatility " << keel_example::fixed(100 * market_volatility, 3)
        << "% a day, residual " << keel_example::fixed(100 * fit.residual_stddev, 3) << "%; one-day normal VaR):\n";
    keel_example::table effect({"", "beta", "volatility", "VaR 95%", "VaR 99%"});
    effect.add({"before", keel_example::fixed(e95.beta_before, 3),
                keel_example::fixed(100 * e95.volatility_before, 3) + "%", money(e95.var_before),
                money(e99.var_before)});
    effect.add({"after", keel_example::fixed(e95.beta_after, 3),
                keel_example::fixed(100 * e95.volatility_after, 3) + "%", money(e95.var_after), money(e99.var_after)});
    effect.print(out);
    std::cout << out.str();
  });
}
