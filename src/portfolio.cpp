// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/portfolio.hpp (the holdings and benchmark readers), once.
#include <keel/detail/portfolio-inl.hpp>
#include <keel/portfolio.hpp>
