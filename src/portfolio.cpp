// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/portfolio.hpp (the holdings and benchmark readers), once.
#include <keel/portfolio.hpp>
#include <keel/detail/portfolio-inl.hpp>
