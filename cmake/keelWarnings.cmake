# SPDX-License-Identifier: MIT
# Warning flags for keel's own targets (the compiled library, tests, examples, benchmarks,
# fuzzers), and the optimisation level of its test and teaching programs. Never set on the
# INTERFACE target: a downstream project chooses its own flags.
#   GNU, Clang, AppleClang   -Wall -Wextra -Wpedantic -Wconversion ... (-Werror)
#   MSVC and clang-cl        /W4 /permissive- (/WX)
#   any other compiler       no flags (a status message says so)
# The flags in parentheses are added when KEEL_WARNINGS_AS_ERRORS is ON (the default when keel
# is the top-level project).
if(CMAKE_CXX_COMPILER_ID STREQUAL "MSVC" OR CMAKE_CXX_COMPILER_FRONTEND_VARIANT STREQUAL "MSVC")
  set(_keel_warning_flags /W4 /permissive-)
  set(_keel_error_flag /WX)
elseif(CMAKE_CXX_COMPILER_ID MATCHES "^(GNU|Clang|AppleClang)$")
  set(_keel_warning_flags
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  set(_keel_error_flag -Werror)
else()
  message(STATUS "keel: no warning flags known for ${CMAKE_CXX_COMPILER_ID}; keel's own "
                 "targets build with the compiler's defaults")
  set(_keel_warning_flags)
  set(_keel_error_flag)
endif()
if(NOT KEEL_WARNINGS_AS_ERRORS)
  set(_keel_error_flag)
endif()

function(keel_set_warnings target)
  target_compile_options(${target} PRIVATE ${_keel_warning_flags} ${_keel_error_flag})
endfunction()

# keel_optimise_lightly(<target> <PRIVATE|INTERFACE>): -O1 in Release and RelWithDebInfo builds
# with GNU-style compilers (the last -O wins over the build type's -O3 or -O2), for the tests and
# the teaching examples: about 30% less compiler CPU per file than -O3 (README, "Build cost"),
# while the code they exercise that is not a template over their own types is keel::compiled,
# built with the build type's flags. Debug builds, and other compilers, keep their own flags.
function(keel_optimise_lightly target scope)
  target_compile_options(${target} ${scope}
    $<$<AND:$<CONFIG:Release,RelWithDebInfo>,$<CXX_COMPILER_ID:GNU,Clang,AppleClang>>:-O1>)
endfunction()
