// SPDX-License-Identifier: MIT
// keel::compiled: the cost models, Almgren-Chriss schedules and implementation shortfall
// (costs.hpp), once.
#include <keel/costs.hpp>

#include <keel/detail/costs-inl.hpp>
