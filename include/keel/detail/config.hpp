// SPDX-License-Identifier: MIT
// keel/detail/config.hpp: the language check and the feature macros every keel header relies
// on. Owned by keel/version.hpp; included first by every public header.
// IWYU pragma: private, include <keel/keel.hpp>
#pragma once

// keel's headers use concepts, ranges and designated initialisers. Under an older standard the
// first error would otherwise be pages of template noise; stop at one clear line instead (the
// missing include makes the stop fatal, as #error alone is not with GCC).
#if (defined(_MSVC_LANG) ? _MSVC_LANG : __cplusplus) < 202002L
#error "keel needs C++20: compile with -std=c++20 (CMake: link keel::keel, which requires cxx_std_20)"
#include <keel_requires_cxx20>
#endif

// Explicit two-lane vectors of double (GCC and Clang vector extensions) for the streaming
// kernels of detail/lanes.hpp. SSE2 is part of x86-64 and other targets lower the vectors to
// scalar code. Define KEEL_NO_VECTOR_EXTENSIONS to use the scalar kernels everywhere (results
// then differ from the vector ones only by the order of additions).
#if defined(__GNUC__) && !defined(KEEL_NO_VECTOR_EXTENSIONS)
#define KEEL_HAS_VECTOR_EXTENSIONS 1
#endif
