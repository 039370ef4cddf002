// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/series.hpp (price_table columns, table returns), once.
#include <keel/detail/series-inl.hpp>
#include <keel/series.hpp>
