// SPDX-License-Identifier: MIT
// keel-batch: the risk summary of many portfolios over one price universe, as JSON Lines.
//
//   keel-batch --prices FILE [--prices FILE]... --portfolios FILE [--market SYMBOL (DJ30)]
//              [--as-of DATE] [--window N] [--limits FILE] [--threads K] [--output FILE]
//   mpirun -np R keel-batch ... [--mpi-universe per-rank|broadcast]   (when built with Open MPI)
//   --timing prints the wall-clock time of each phase (rank 0's) on stderr.
//
// The portfolios file is CSV `portfolio_id,symbol,quantity[,sector]` (plus optional account,
// lot, cost_basis, acquired), read by keel::read_portfolios: the rows of one portfolio need not
// be contiguous, rows of one symbol in one portfolio are lots summed into one position, and the
// portfolios keep the order in which their ids first appear. An --as-of after the last date of
// the prices is an error naming both dates. The universe statistics (keel::prepare_universe: returns panel, covariance,
// betas, volatilities over the window ending at --as-of) are computed once; each portfolio then costs one
// keel::summarize_risk. One JSON record per line, in input order:
//   {"portfolio_id": "...", "summary": {...}}                      (keel::to_json, keel/json.hpp)
//   {"portfolio_id": "...", "error": {"type": "insufficient_data", "message": "..."}}
// A portfolio that holds an unknown symbol or one with too little history is an error record,
// not a failed batch; a malformed file is one line on stderr and exit code 2.
//
// --threads K runs the portfolios on K std::threads (an atomic counter hands out chunks of
// portfolios; each record is stored at its portfolio's index), so the output is byte-identical
// for every K. Under mpirun each of the R ranks takes a contiguous shard of the portfolios
// (and runs it on --threads threads), computes the universe statistics itself (the default,
// --mpi-universe per-rank) or receives rank 0's (broadcast, keel::serialize_universe; README, "Running at scale", says
// which measured faster), and rank 0 gathers the records (MPI_Gatherv of
// bytes) and writes them in input order: the same bytes for every R and K. Without mpirun the
// same binary runs as one process and never initialises MPI.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <keel/csv.hpp>
#include <keel/error.hpp>
#include <keel/json.hpp>
#include <keel/limits.hpp>
#include <keel/portfolio.hpp>
#include <keel/snapshot.hpp>

#include "support/cli.hpp"
#include "support/data.hpp"

#ifdef KEEL_BATCH_MPI
#include <mpi.h>
#endif

namespace {

/// One JSON Lines record (with its newline): the portfolio's summary, or the keel::error that
/// summarize_risk threw for it.
std::string record_of(const keel::named_portfolio& p, const keel::snapshot_universe& universe,
                      const keel::snapshot_options& options) {
  nlohmann::ordered_json j;
  j["portfolio_id"] = p.id;
  try {
    j["summary"] = keel::to_json(keel::summarize_risk(p.holdings, universe, options));
  } catch (const keel::error& e) {
    j["error"] = {{"type", keel_example::error_type(e)}, {"message", e.what()}};
  }
  std::string line = j.dump();
  line += '\n';
  return line;
}

/// The records of portfolios [first, last) on `threads` threads (the calling thread is one of
/// them): an atomic counter hands out chunks; each record lands at its own index.
std::vector<std::string> run_records(std::span<const keel::named_portfolio> portfolios, std::ptrdiff_t first,
                                     std::ptrdiff_t last, int threads, const keel::snapshot_universe& universe,
                                     const keel::snapshot_options& options) {
  std::vector<std::string> records(static_cast<std::size_t>(last - first));
  constexpr std::ptrdiff_t chunk = 16;
  std::atomic<std::ptrdiff_t> next{first};
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(threads));
  const auto work = [&](int t) {
    try {
      for (std::ptrdiff_t begin; (begin = next.fetch_add(chunk)) < last;)
        for (std::ptrdiff_t i = begin; i < std::min(begin + chunk, last); ++i)
          records[static_cast<std::size_t>(i - first)] =
              record_of(portfolios[static_cast<std::size_t>(i)], universe, options);
    } catch (...) {  // std::bad_alloc and the like: rethrown on the calling thread
      failures[static_cast<std::size_t>(t)] = std::current_exception();
      next = last;
    }
  };
  std::vector<std::jthread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  pool.clear();  // joins
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);
  return records;
}

/// The processes of the run: one without mpirun; under mpirun, MPI_COMM_WORLD.
class world {
 public:
  world(int* argc, char*** argv) {
#ifdef KEEL_BATCH_MPI
    // Initialise MPI only under a launcher, so the plain binary starts no MPI runtime.
    if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_SIZE")) {
      MPI_Init(argc, argv);
      active_ = true;
      MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
      MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
#else
    (void)argc;
    (void)argv;
#endif
  }
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  ~world() {
#ifdef KEEL_BATCH_MPI
    if (active_) MPI_Finalize();
#endif
  }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }

  /// True on every rank if `failed` is true on any (a collective: every rank calls it).
  [[nodiscard]] bool any(bool failed) const {
#ifdef KEEL_BATCH_MPI
    if (active_) {
      int mine = failed ? 1 : 0, all = 0;
      MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
      return all != 0;
    }
#endif
    return failed;
  }

#ifdef KEEL_BATCH_MPI
  /// Rank 0's `u` on every rank (a collective).
  void broadcast(keel::snapshot_universe& u) const {
    if (!active_ || size_ == 1) return;
    std::string bytes;
    if (rank_ == 0) bytes = keel::serialize_universe(u);
    long long n = static_cast<long long>(bytes.size());
    MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    bytes.resize(static_cast<std::size_t>(n));
    // MPI counts are int: send in chunks of at most 1 GB.
    for (long long done = 0; done < n;) {
      const int part = static_cast<int>(std::min<long long>(n - done, 1LL << 30));
      MPI_Bcast(bytes.data() + done, part, MPI_CHAR, 0, MPI_COMM_WORLD);
      done += part;
    }
    if (rank_ != 0) u = keel::deserialize_universe(bytes);
  }
#endif

  /// Rank 0 gets every rank's `bytes` concatenated in rank order; the others get nothing.
  [[nodiscard]] std::string gather(std::string bytes) const {
#ifdef KEEL_BATCH_MPI
    if (active_ && size_ > 1) {
      if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw std::length_error("keel-batch: a rank's records exceed 2 GB; use more ranks");
      int length = static_cast<int>(bytes.size());
      std::vector<int> lengths(static_cast<std::size_t>(size_)), offsets(lengths.size());
      MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
      std::string all;
      if (rank_ == 0) {
        long long total = 0;
        for (std::size_t r = 0; r < lengths.size(); ++r) {
          offsets[r] = static_cast<int>(total);
          total += lengths[r];
        }
        if (total > std::numeric_limits<int>::max())
          throw std::length_error("keel-batch: the records exceed 2 GB; write them per rank");
        all.resize(static_cast<std::size_t>(total));
      }
      MPI_Gatherv(bytes.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0,
                  MPI_COMM_WORLD);
      return all;
    }
#endif
    return bytes;
  }

 private:
  int rank_ = 0, size_ = 1;
  [[maybe_unused]] bool active_ = false;
};

struct batch_settings {
  keel_example::price_source prices;
  std::string portfolios, market = "DJ30", as_of, limits, output;
  std::ptrdiff_t window = 252;
  int threads = 1;
  std::string mpi_universe = "per-rank";
  bool timing = false;
};

keel::snapshot_options snapshot_options_of(const batch_settings& s) {
  if (s.prices.paths.empty()) throw keel_example::usage_error("--prices is required: the universe's price files");
  keel::snapshot_options options;
  options.market = s.market;
  if (!s.as_of.empty()) options.as_of = keel_example::parse_as_of(s.as_of);
  options.window = s.window;
  if (!s.limits.empty()) options.limits = keel::read_limits(std::filesystem::path(s.limits));
  return options;
}

/// Runs `f` on every rank; if it throws on any rank, every rank throws (rank 0 reports its own
/// error, or that another rank failed), so that no rank waits in a collective for a rank that
/// left.
template <class F>
void collectively(const world& w, F&& f) {
  std::exception_ptr failure;
  try {
    f();
  } catch (...) {
    failure = std::current_exception();
  }
  if (w.any(failure != nullptr)) {
    if (failure) std::rethrow_exception(failure);
    throw std::runtime_error("another MPI rank failed (its error is on its own stderr)");
  }
}

/// Wall-clock time of each phase of the run, for --timing (rank 0's clock).
class phase_clock {
 public:
  /// Ends the current phase under `name`.
  void mark(const char* name) {
    const auto now = std::chrono::steady_clock::now();
    text_ += std::string(text_.empty() ? "" : ", ") + name + " " +
             std::to_string(std::chrono::duration<double, std::milli>(now - last_).count()) + " ms";
    last_ = now;
  }
  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::string text_;
};

void batch(const batch_settings& s, const world& w) {
  phase_clock clock;
  keel::snapshot_options options;
  std::vector<keel::named_portfolio> portfolios;
  keel::snapshot_universe universe;
  const bool broadcast = s.mpi_universe == "broadcast" && w.size() > 1;
  collectively(w, [&] {
    options = snapshot_options_of(s);
    portfolios = keel::read_portfolios(std::filesystem::path(s.portfolios));
    clock.mark("read portfolios");
    if (!broadcast || w.rank() == 0) {
      const keel::price_table prices = keel_example::load_prices(s.prices);
      clock.mark("read prices");
      keel_example::check_as_of(options.as_of, s.as_of, prices);
      universe = keel::prepare_universe(prices, options);
      clock.mark("prepare_universe");
    }
  });
#ifdef KEEL_BATCH_MPI
  if (broadcast) w.broadcast(universe);
  if (broadcast) clock.mark("broadcast");
#endif
  std::string mine;
  collectively(w, [&] {
    // Rank r's contiguous shard [P r / R, P (r + 1) / R).
    const auto count = static_cast<std::ptrdiff_t>(portfolios.size());
    const std::ptrdiff_t first = count * w.rank() / w.size(), last = count * (w.rank() + 1) / w.size();
    for (auto& record : run_records(portfolios, first, last, s.threads, universe, options)) mine += record;
    clock.mark("summaries and JSON");
  });
  const std::string all = w.gather(std::move(mine));
  if (w.size() > 1) clock.mark("gather");
  if (w.rank() != 0) return;
  if (s.output.empty()) {
    std::cout.write(all.data(), static_cast<std::streamsize>(all.size()));
    std::cout.flush();
  } else {
    std::ofstream out(s.output, std::ios::binary);
    out.write(all.data(), static_cast<std::streamsize>(all.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + s.output);
  }
  clock.mark("write");
  if (s.timing) std::cerr << "keel-batch: " << clock.text() << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  const world w(&argc, &argv);
  // Rank 0 alone speaks; the others' messages would repeat its own.
  if (w.rank() != 0) {
    std::cout.rdbuf(nullptr);
    std::cerr.rdbuf(nullptr);
  }
  CLI::App app{
      "The risk summary of many portfolios over one price universe, as JSON Lines (one record per "
      "portfolio, in input order).",
      "keel-batch"};
  batch_settings s;
  keel_example::add_price_options(app, s.prices);
  app.add_option("--portfolios", s.portfolios, "CSV portfolio_id,symbol,quantity[,sector]")
      ->type_name("FILE")
      ->required();
  app.add_option("--market", s.market,
                 "the market column of the prices (for betas; DJ30 is keel-report's bundled index)")
      ->type_name("SYMBOL")
      ->capture_default_str();
  app.add_option("--as-of", s.as_of, "the valuation date, YYYY-MM-DD (default: the last date of the prices)")
      ->type_name("DATE");
  app.add_option("--window", s.window, "returns in the estimation window, at least 2")
      ->type_name("N")
      ->capture_default_str()
      ->check(keel_example::at_least(2));
  app.add_option("--limits", s.limits, "CSV metric,limit[,severity] of risk limits to evaluate")->type_name("FILE");
  app.add_option("--threads", s.threads, "threads per process, at least 1")
      ->type_name("K")
      ->capture_default_str()
      ->check(keel_example::at_least(1));
  app.add_option("--mpi-universe", s.mpi_universe,
                 "under mpirun: per-rank (every rank reads the prices and prepares the universe) or "
                 "broadcast (rank 0 does and sends it to the others)")
      ->type_name("MODE")
      ->capture_default_str()
      ->check(CLI::IsMember({"per-rank", "broadcast"}));
  app.add_flag("--timing", s.timing, "print the time of each phase (rank 0's) on stderr");
  app.add_option("--output", s.output, "write the JSON Lines here (default: stdout)")->type_name("FILE");
  return keel_example::run(app, argc, argv, [&] { batch(s, w); });
}
