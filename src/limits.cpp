// SPDX-License-Identifier: MIT
// keel::compiled: the definition of keel/limits.hpp's read_limits, once.
#include <keel/limits.hpp>
#include <keel/detail/limits-inl.hpp>
