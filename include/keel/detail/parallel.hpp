// SPDX-License-Identifier: MIT
// keel/detail/parallel.hpp: the one work-sharing loop of keel's threaded computations (Monte
// Carlo VaR's path blocks, garch_fit's panel columns, DCC's chunks of dates). Work items are
// handed out in order from an atomic counter and each item's numbers depend only on its index,
// so results are the same bits on any number of threads.
// IWYU pragma: private, include <keel/keel.hpp>
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace keel::detail {

/// The thread count an option asks for: `requested` when positive, else every core (0 means
/// all cores in every keel option), never more than `items`, at least 1.
[[nodiscard]] inline int resolve_threads(int requested, std::ptrdiff_t items) {
  const auto hw = static_cast<std::ptrdiff_t>(std::max(1u, std::thread::hardware_concurrency()));
  const std::ptrdiff_t wanted = requested > 0 ? requested : hw;
  return static_cast<int>(std::max<std::ptrdiff_t>(1, std::min(wanted, items)));
}

/// Runs body(i, scratch) for every i in [0, items) on `threads` threads (>= 1), each thread with
/// its own Scratch (default-constructed, reused across its items). If a thread cannot be
/// started, the calling thread does the remaining work.
template <class Scratch, class Body>
void parallel_for(std::ptrdiff_t items, int threads, Body&& body) {
  std::atomic<std::ptrdiff_t> next{0};
  const auto work = [&] {
    Scratch scratch{};
    for (std::ptrdiff_t i = next.fetch_add(1); i < items; i = next.fetch_add(1)) body(i, scratch);
  };
  std::vector<std::thread> pool;
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  } catch (const std::system_error&) {  // no more threads: carry on with those we have
  }
  work();
  for (auto& t : pool) t.join();
}

}  // namespace keel::detail
