# SPDX-License-Identifier: MIT
# ctest: the README's C++ program is examples/quickstart.cpp word for word (from its first
# #include), so the program the README shows is the one CI builds and runs.
#   cmake -DREADME=README.md -DSOURCE=examples/quickstart.cpp -P readme_example.cmake
file(READ ${README} readme)
file(READ ${SOURCE} source)
string(FIND "${readme}" "```cpp\n" start)
if(start EQUAL -1)
  message(FATAL_ERROR "README.md has no ```cpp block")
endif()
math(EXPR start "${start} + 7")
string(SUBSTRING "${readme}" ${start} -1 rest)
string(FIND "${rest}" "```" stop)
string(SUBSTRING "${rest}" 0 ${stop} block)
string(FIND "${source}" "#include" first_include)
string(SUBSTRING "${source}" ${first_include} -1 program)
if(NOT block STREQUAL program)
  message(FATAL_ERROR "README.md's C++ example differs from ${SOURCE}")
endif()
