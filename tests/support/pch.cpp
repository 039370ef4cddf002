// SPDX-License-Identifier: MIT
// The translation unit that owns the tests' precompiled header (tests/CMakeLists.txt,
// keel_test_pch): every test executable reuses it. Nothing of its own.
