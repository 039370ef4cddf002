// SPDX-License-Identifier: MIT
// keel::compiled: the definition of keel/limits.hpp's read_limits, once.
#include <keel/detail/limits-inl.hpp>
#include <keel/limits.hpp>
