// SPDX-License-Identifier: MIT
// header_only_test's second header-only translation unit: the bundled report's inputs read with
// read_prices_csv and merge_prices instantiated from their implementation headers (keel::keel
// alone, as header_only_snapshot.cpp), apart from the snapshot's pipeline.
#include "support/header_only_snapshot.hpp"

#if !KEEL_HEADER_ONLY
#error "header_only_inputs.cpp must be compiled in header-only mode (link keel::keel, not keel::compiled)"
#endif

#include "support/dow_snapshot.hpp"

namespace keel_test {

dow_inputs header_only_dow_inputs(const std::filesystem::path& bundled) {
  dow_inputs in{dow::portfolio(bundled), dow::prices(bundled), dow::options(bundled, 2000)};
  in.options.factor_returns = dow::factors(bundled);
  return in;
}

}  // namespace keel_test
