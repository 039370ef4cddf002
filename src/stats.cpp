// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of detail/stats.hpp (Boost.Math's distributions), once.
#include <keel/detail/stats-inl.hpp>
#include <keel/detail/stats.hpp>
