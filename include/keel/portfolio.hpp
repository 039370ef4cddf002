// SPDX-License-Identifier: MIT
// keel/portfolio.hpp: what a portfolio holds, a light vocabulary header. Reading or describing a
// portfolio compiles none of the snapshot pipeline (keel/snapshot.hpp) that reports on it.
//
// Synopsis
//   holding{symbol, quantity, sector}   one position of a portfolio file
//
// Conventions
//   A quantity is in shares (or units) of the symbol's price; negative is short. An empty sector
//   is unclassified (left out of sector exposure and the sector limit).
/// \file
/// What a portfolio holds: holding.
#pragma once

#include <keel/detail/config.hpp>

#include <string>

namespace keel {

/// One row of a portfolio file: what is held.
struct holding {
  std::string symbol;   ///< a symbol of the price table
  double quantity = 0;  ///< shares (or units) held; negative: short
  std::string sector;   ///< sector label ("" : unclassified)
};

}  // namespace keel
