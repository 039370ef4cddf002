// SPDX-License-Identifier: MIT
// keel::compiled: compare_hedges (options.hpp) with its Monte Carlo, once.
#include <keel/options.hpp>

#include <keel/detail/compare_hedges-inl.hpp>
