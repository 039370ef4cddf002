// SPDX-License-Identifier: MIT
// keel/version.hpp: the library version, kept in one place (CMake reads it from here).
#pragma once

#define KEEL_VERSION_MAJOR 0
#define KEEL_VERSION_MINOR 1
#define KEEL_VERSION_PATCH 0

/// The version as one integer, major * 10000 + minor * 100 + patch, for `#if` tests.
#define KEEL_VERSION (KEEL_VERSION_MAJOR * 10000 + KEEL_VERSION_MINOR * 100 + KEEL_VERSION_PATCH)
