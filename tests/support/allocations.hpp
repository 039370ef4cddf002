// SPDX-License-Identifier: MIT
// Test support: counting heap allocations, to show that a hot path does not allocate.
// Link tests/support/allocations.cpp into the test (keel_add_test(name support/allocations.cpp)):
// it replaces the global operator new and counts every call.
#pragma once

namespace keel_test {

/// Calls of the global operator new (all forms) since the program started.
long allocation_count() noexcept;

}  // namespace keel_test
