// SPDX-License-Identifier: MIT
// keel::compiled: hedge_to_target_beta and hedge_effect (hedge.hpp) with their solvers, once.
#include <keel/hedge.hpp>

#include <keel/detail/hedge-inl.hpp>
