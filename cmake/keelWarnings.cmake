# SPDX-License-Identifier: MIT
# Warning flags for keel's own targets (tests, examples, benchmarks, fuzzers). Never set on the
# INTERFACE target: a downstream project chooses its own warnings.
function(keel_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual
    $<$<BOOL:${KEEL_WARNINGS_AS_ERRORS}>:-Werror>)
endfunction()
