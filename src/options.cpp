// SPDX-License-Identifier: MIT
// keel::compiled: black_scholes, black76, implied_volatility and book_greeks (options.hpp), once.
#include <keel/options.hpp>

#include <keel/detail/options-inl.hpp>
