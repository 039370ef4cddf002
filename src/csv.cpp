// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/csv.hpp (the CSV and price-file readers), once.
#include <keel/csv.hpp>
#include <keel/detail/csv-inl.hpp>
