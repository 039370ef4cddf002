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

// Header-only or compiled (README, "Build cost"). keel is header-only unless KEEL_COMPILED_LIB
// is defined, which linking the CMake target keel::compiled does. A function that is not a
// template over the caller's types is declared in its public header and defined in an
// implementation header, include/keel/detail/<header>-inl.hpp:
//   - compiled mode: the public header leaves the -inl.hpp out; src/<header>.cpp includes it
//     and so defines each function once, in the library (KEEL_DECL and KEEL_DEF are empty);
//   - header-only mode: the public header includes its -inl.hpp at its end, and each such
//     function is a function template with one unused, defaulted parameter (KEEL_DECL on the
//     declaration, KEEL_DEF on the definition), so that, like any template, its body is
//     instantiated only in a translation unit that calls it. A non-template `inline` function
//     would instantiate every Eigen expression and Boost.Math distribution in its body in every
//     translation unit that includes the header, called or not ({fmt}'s format-inl.h and
//     spdlog's SPDLOG_COMPILED_LIB make the same split).
// Calls are written the same in both modes: f(args) deduces nothing and takes the default.
#if defined(KEEL_COMPILED_LIB)
#define KEEL_HEADER_ONLY 0
#define KEEL_DECL
#define KEEL_DEF
#else
#define KEEL_HEADER_ONLY 1
#define KEEL_DECL template <class = void>
#define KEEL_DEF template <class>
#endif

// Heavy templates over keel's own accumulation types (double and long double), not over the
// caller's: the active-set QP (detail/qp.hpp, src/qp.cpp), the OLS core (detail/ols.hpp,
// src/ols.cpp), HAR's two fitting paths (src/har.cpp), the covariance eigenvalue steps and
// shrinkage intensities (detail/gram.hpp, detail/shrinkage.hpp, src/covariance.cpp), the frontier
// paths (detail/frontier_path.hpp, markowitz.hpp, src/markowitz.cpp) and factors.hpp's condition
// number (src/factors.cpp). In compiled mode their headers declare these instantiations
// `extern template` (KEEL_EXTERN_TEMPLATE) and the src/ file named beside each defines them, so a
// caller compiles the call, not the solver; header-only, they are instantiated where called.
#if KEEL_HEADER_ONLY
#define KEEL_EXTERN_TEMPLATE(...)
#else
#define KEEL_EXTERN_TEMPLATE(...) extern template __VA_ARGS__;
#endif
