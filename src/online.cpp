// SPDX-License-Identifier: MIT
// keel::compiled: keel/online.hpp's streaming_beta::result and what_if_book, once.
#include <keel/detail/online-inl.hpp>
#include <keel/online.hpp>
