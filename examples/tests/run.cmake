# SPDX-License-Identifier: MIT
# ctest driver for one run of an example program: checks its exit code and its output.
#   cmake -DPROGRAM=path -DEXPECT=0|2 [-DARGS=a^^b^^c] [-DNEEDS=path] [-DSHARED_DIR=path]
#         [-DSTDOUT_MATCHES=regex] [-DSTDERR_MATCHES=regex] -P run.cmake
# ARGS separates arguments with ^^ (CMake lists cannot hold every character). In ARGS and
# NEEDS, <shared> stands for ../shared: $ENV{KEEL_SHARED_DIR} when set, else SHARED_DIR. When
# NEEDS does not exist the run is skipped (the test prints KEEL-SKIP, which ctest reports as
# skipped), decided now, at run time.
# Exit 0: stderr must be empty. Exit 2 (an error): stdout must be empty and stderr one line.
if(DEFINED ENV{KEEL_SHARED_DIR})
  set(shared "$ENV{KEEL_SHARED_DIR}")
else()
  set(shared "${SHARED_DIR}")
endif()

if(DEFINED NEEDS)
  string(REPLACE "<shared>" "${shared}" needs "${NEEDS}")
  if(NOT EXISTS "${needs}")
    message("KEEL-SKIP: ${needs} is not available")
    return()
  endif()
endif()

set(args)
if(DEFINED ARGS AND NOT ARGS STREQUAL "")
  string(REPLACE "<shared>" "${shared}" args "${ARGS}")
  string(REPLACE "^^" ";" args "${args}")
endif()

execute_process(COMMAND "${PROGRAM}" ${args}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REPLACE ";" " " shown "${args}")
set(context "${PROGRAM} ${shown}\n--- exit code: ${rc}\n--- stdout:\n${out}\n--- stderr:\n${err}")

if(NOT rc STREQUAL "${EXPECT}")
  message(FATAL_ERROR "expected exit code ${EXPECT}\n${context}")
endif()
if(EXPECT STREQUAL "0")
  if(NOT err STREQUAL "")
    message(FATAL_ERROR "a successful run wrote to stderr\n${context}")
  endif()
else()
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "a failed run wrote to stdout\n${context}")
  endif()
  if(NOT err MATCHES "^[^\n]+\n$")
    message(FATAL_ERROR "a failed run must write exactly one line to stderr\n${context}")
  endif()
endif()
if(DEFINED STDOUT_MATCHES AND NOT out MATCHES "${STDOUT_MATCHES}")
  message(FATAL_ERROR "stdout does not match '${STDOUT_MATCHES}'\n${context}")
endif()
if(DEFINED STDERR_MATCHES AND NOT err MATCHES "${STDERR_MATCHES}")
  message(FATAL_ERROR "stderr does not match '${STDERR_MATCHES}'\n${context}")
endif()
