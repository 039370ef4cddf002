// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/var.hpp's non-template functions, once.
#include <keel/detail/var-inl.hpp>
#include <keel/var.hpp>
