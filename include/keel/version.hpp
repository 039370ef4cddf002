// SPDX-License-Identifier: MIT
// keel/version.hpp: the library version, kept in one place (CMake reads it from here).
/// \file
/// The library version.
#pragma once

/// Major version: 0 while the API may change between minor versions.
#define KEEL_VERSION_MAJOR 0
/// Minor version: every 0.y release may break the API (CMake's SameMinorVersion).
#define KEEL_VERSION_MINOR 1
/// Patch version: fixes only.
#define KEEL_VERSION_PATCH 0

/// The version as one integer, major * 10000 + minor * 100 + patch, for `#if` tests.
#define KEEL_VERSION (KEEL_VERSION_MAJOR * 10000 + KEEL_VERSION_MINOR * 100 + KEEL_VERSION_PATCH)
