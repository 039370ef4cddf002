// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/backtest.hpp (the engine, the built-in strategies,
// the risk override, regime switching, statistics, walk-forward and the bootstrap), once.
#include <keel/backtest.hpp>
#include <keel/detail/backtest-inl.hpp>
