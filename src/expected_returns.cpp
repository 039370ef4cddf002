// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/expected_returns.hpp's non-template functions, once.
#include <keel/detail/expected_returns-inl.hpp>
#include <keel/expected_returns.hpp>
