// SPDX-License-Identifier: MIT
// libFuzzer target for keel/online.hpp: the streaming estimators (streaming_beta windowed and
// expanding, streaming_volatility, streaming_ewma_volatility, streaming_ewma_covariance) fed
// update sequences decoded from bytes, with save/restore round trips and corrupted saved
// states; and what_if_book (from weights and from quantities) with trades decoded from bytes.
//
// The first byte picks how the rest become numbers, as numeric_fuzz does: raw doubles (NaN,
// infinities, subnormals, 1e308 reach every check), raw floats, or small integers scaled to
// daily returns (so the estimators run on most inputs). The second byte picks windows, widths
// and options. Every call must throw a keel::error or keep its documented contract: an update
// that throws leaves the estimator unchanged; a restored estimator continues bit for bit as
// the uninterrupted one; results finite, volatilities >= 0, R^2 in [0, 1], covariances
// symmetric with a nonnegative diagonal; what_if gives finite risk, weights and leverage >= 0,
// a drawdown in [0, 1], positions in [0, N], and the same bits as apply of the same trade.
// Anything else traps.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include <keel/online.hpp>

#include "support.hpp"

namespace {

using keel_fuzz::require;

template <class F>
auto attempt(F&& f) -> std::optional<decltype(f())> {
  try {
    return f();
  } catch (const keel::error&) {
    return std::nullopt;
  }
}

bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_fit(const std::optional<keel::beta_fit<double>>& a, const std::optional<keel::beta_fit<double>>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (same(a->beta, b->beta) && same(a->alpha, b->alpha) && same(a->r_squared, b->r_squared) &&
                same(a->beta_stderr, b->beta_stderr) && a->n == b->n);
}

void check_fit(const std::optional<keel::beta_fit<double>>& f) {
  if (!f) return;
  require(std::isfinite(f->beta) && std::isfinite(f->alpha) && std::isfinite(f->beta_stderr));
  require(f->r_squared >= 0 && f->r_squared <= 1);
}

void beta_stream(const std::vector<double>& v, std::uint8_t flags) {
  const std::ptrdiff_t window = (flags & 1) ? 0 : 3 + (flags >> 1) % 10;
  auto made = attempt([&] { return keel::streaming_beta(window, {.fit = {.min_observations = 3}}); });
  require(made.has_value());
  keel::streaming_beta s = *made;
  std::optional<keel::streaming_beta> restored;
  for (std::size_t i = 0; i + 1 < v.size(); i += 2) {
    const std::ptrdiff_t before = s.count();
    const bool ok = attempt([&] { return (s.update(v[i], v[i + 1]), 0); }).has_value();
    if (restored) require(attempt([&] { return (restored->update(v[i], v[i + 1]), 0); }).has_value() == ok);
    if (!ok) require(s.count() == before);
    if (i == v.size() / 4 * 2) restored.emplace(keel::streaming_beta::state(s.save()));
    const auto fit = attempt([&] { return s.result(); });
    check_fit(fit);
    if (restored) require(same_fit(fit, attempt([&] { return restored->result(); })));
  }
  keel::streaming_beta::state bad = s.save();  // corrupted states: rejected or consistent
  bad.head = static_cast<std::ptrdiff_t>(flags) - 100;
  bad.count = static_cast<std::ptrdiff_t>(flags % 17);
  if (auto r = attempt([&] { return keel::streaming_beta(bad); })) check_fit(attempt([&] { return r->result(); }));
}

void volatility_streams(const std::vector<double>& v, std::uint8_t flags) {
  const std::ptrdiff_t window = 1 + flags % 9;
  auto vol = attempt([&] { return keel::streaming_volatility(window, {.demean = (flags & 16) != 0}); });
  keel::streaming_ewma_volatility ewma({.lambda = (flags & 32) ? 0.5 : 0.94});
  std::optional<keel::streaming_volatility> vol_copy;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (vol) {
      (void)attempt([&] { return (vol->update(v[i]), 0); });
      if (vol_copy) (void)attempt([&] { return (vol_copy->update(v[i]), 0); });
      if (i == v.size() / 3) vol_copy.emplace(keel::streaming_volatility::state(vol->save()));
      const auto r = attempt([&] { return vol->result(); });
      if (r) require(std::isfinite(*r) && *r >= 0);
      if (vol_copy) {
        const auto c = attempt([&] { return vol_copy->result(); });
        require(r.has_value() == c.has_value() && (!r || same(*r, *c)));
      }
    }
    const std::ptrdiff_t before = ewma.count();
    if (!attempt([&] { return (ewma.update(v[i]), 0); })) require(ewma.count() == before);
    if (const auto r = attempt([&] { return ewma.result(); })) require(std::isfinite(*r) && *r >= 0);
  }
}

void covariance_stream(const std::vector<double>& v, Eigen::Index cols, std::uint8_t flags) {
  keel::streaming_ewma_covariance s(
      cols, {.missing = (flags & 64) ? keel::missing_data::complete_rows : keel::missing_data::reject});
  keel::covariance_estimate<double> out;
  for (std::size_t i = 0; i + static_cast<std::size_t>(cols) <= v.size(); i += static_cast<std::size_t>(cols)) {
    const std::vector<double> row(v.begin() + static_cast<std::ptrdiff_t>(i),
                                  v.begin() + static_cast<std::ptrdiff_t>(i) + cols);
    (void)attempt([&] { return (s.update(row), 0); });
    if (attempt([&] { return (s.result(out), 0); })) {
      require(out.covariance.allFinite());
      require((out.covariance - out.covariance.transpose()).cwiseAbs().maxCoeff() == 0);
      require((out.covariance.diagonal().array() >= 0).all());
    }
  }
  const keel::streaming_ewma_covariance copy{keel::streaming_ewma_covariance::state(s.save())};
  const auto a = attempt([&] { return s.result(); }), b = attempt([&] { return copy.result(); });
  require(a.has_value() == b.has_value() && (!a || a->covariance == b->covariance));
}

void check_result(const keel::what_if_result& r, Eigen::Index n) {
  require(std::isfinite(r.net_value) && r.net_value > 0);
  require(std::isfinite(r.beta) && std::isfinite(r.volatility) && r.volatility >= 0);
  require(std::isfinite(r.var) && std::isfinite(r.cvar) && std::isfinite(r.limits.var_99_1d));
  require(r.limits.max_position_weight >= 0 && r.limits.gross_leverage >= r.limits.max_position_weight);
  require(std::isfinite(r.limits.gross_leverage) && std::isfinite(r.limits.max_sector_weight));
  require(r.limits.max_drawdown >= 0 && r.limits.max_drawdown <= 1);
  require(std::isfinite(r.limits.avg_pairwise_correlation));
  require(r.positions >= 0 && r.positions <= n);
}

void what_if_calls(const std::vector<double>& v, Eigen::Index n, std::uint8_t flags) {
  if (v.size() < static_cast<std::size_t>(n * n + 3 * n + 4)) return;
  std::size_t at = 0;
  Eigen::MatrixXd a(n, n), returns(3, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) a(i, j) = v[at++];
  Eigen::VectorXd w(n), betas(n);
  for (Eigen::Index i = 0; i < n; ++i) w(i) = v[at++], betas(i) = v[at++];
  for (Eigen::Index i = 0; i < n; ++i) returns(i % 3, i) = v[at++];
  const Eigen::MatrixXd cov = (flags & 1) ? Eigen::MatrixXd(a * a.transpose()) : a;  // raw: asymmetric paths
  std::vector<std::string> sectors;
  for (Eigen::Index i = 0; i < n; ++i) sectors.push_back((i % 2) ? "a" : "");
  keel::what_if_options o{.symbols = {}, .sectors = sectors, .returns = returns, .confidence = 0.99, .horizon = 10};
  if (flags & 2) o.cash = v[at];
  std::optional<keel::what_if_book> book;
  try {
    book.emplace((flags & 4) ? keel::what_if_book::from_quantities(w, betas.cwiseAbs(), cov, betas, o)
                             : keel::what_if_book::from_weights(w, cov, betas, o));
  } catch (const keel::error&) {
    return;
  }
  if (const auto r = attempt([&] { return book->current(); })) check_result(*r, n);
  for (; at + 2 <= v.size(); at += 2) {
    const double pick = std::isfinite(v[at]) ? std::fabs(std::fmod(v[at], 8.0)) : 0.0;  // -1 (by symbol) .. 6
    const keel::trade t{.asset = static_cast<std::ptrdiff_t>(pick) - 1, .symbol = "X", .change = v[at + 1]};
    const auto r = attempt([&] { return book->what_if(t); });
    if (r) check_result(*r, n);
    const auto applied = attempt([&] { return book->apply(t); });
    require(r.has_value() == applied.has_value());
    if (r) require(same(r->var, applied->var) && same(r->beta, applied->beta) && r->positions == applied->positions);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const std::uint8_t flags = data[1];
  const Eigen::Index cols = 1 + (data[0] >> 2) % 4;
  const std::uint8_t* body = data + 2;
  const std::size_t bytes = size - 2;
  std::vector<double> v;
  if (mode == 0) {
    for (std::size_t i = 0; i + sizeof(double) <= bytes; i += sizeof(double)) {
      double d;
      std::memcpy(&d, body + i, sizeof d);
      v.push_back(d);
    }
  } else if (mode == 1) {
    for (std::size_t i = 0; i + sizeof(float) <= bytes; i += sizeof(float)) {
      float f;
      std::memcpy(&f, body + i, sizeof f);
      v.push_back(static_cast<double>(f));
    }
  } else {
    for (std::size_t i = 0; i + 2 <= bytes; i += 2) {
      std::int16_t s;
      std::memcpy(&s, body + i, sizeof s);
      v.push_back(s == -32768 ? std::nan("") : static_cast<double>(s) * 1e-4);
    }
  }
  beta_stream(v, flags);
  volatility_streams(v, flags);
  covariance_stream(v, cols, flags);
  what_if_calls(v, cols, flags);
  return 0;
}
