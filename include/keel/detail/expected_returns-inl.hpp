// SPDX-License-Identifier: MIT
// keel/detail/expected_returns-inl.hpp: the definitions of keel/expected_returns.hpp's
// non-template functions (mean_historical_return of a price_table, which instantiates the
// panel form for Eigen::MatrixXd). Included by <keel/expected_returns.hpp> in header-only mode
// and by src/expected_returns.cpp in the compiled library.
// IWYU pragma: private, include <keel/expected_returns.hpp>
#pragma once

#include <Eigen/Core>

#include <keel/detail/config.hpp>
#include <keel/expected_returns.hpp>
#include <keel/series.hpp>

namespace keel {

KEEL_DEF Eigen::VectorXd mean_historical_return(const price_table& prices, const expected_return_options& options) {
  return mean_historical_return(prices.prices, options);
}

}  // namespace keel
