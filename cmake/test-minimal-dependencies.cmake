# SPDX-License-Identifier: MIT
# ctest (label packaging): keel on a machine with only Eigen, Boost, a compiler and CMake.
#   cmake -DKEEL_SOURCE_DIR=.. -DWORK_DIR=.. -DCXX_COMPILER=.. -P test-minimal-dependencies.cmake
# Catch2, Google Benchmark, CLI11 and nlohmann/json are hidden with
# CMAKE_DISABLE_FIND_PACKAGE_<name>. Then
#   1. a plain `cmake -S . -B build` (the default generator, Unix Makefiles) configures, skipping
#      the tests, examples, benchmarks and the JSON add-on with a message each; it installs
#      without a build step (README: `cmake -S . -B build && cmake --install build --prefix
#      /opt/keel`): the headers and the CMake package, not the compiled library, which was not
#      built (building it is left to the other builds: at -O0 here it would only add to the
#      test's time), nor keel::json; a project asking for find_package(keel COMPONENTS json)
#      there fails with a message that names the add-on;
#   2. each of KEEL_BUILD_TESTS, _EXAMPLES, _BENCHMARKS and _JSON set to ON is a configure error
#      that names the missing package.
file(REMOVE_RECURSE ${WORK_DIR})
set(build ${WORK_DIR}/build)
set(prefix ${WORK_DIR}/prefix)
set(hidden -DCMAKE_DISABLE_FIND_PACKAGE_Catch2=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON
           -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)

function(run expect)  # run(<0 or FAIL> command...): stdout+stderr in `output`
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(expect STREQUAL "FAIL" AND rc EQUAL 0)
    message(FATAL_ERROR "command succeeded, expected it to fail: ${ARGN}\n${out}\n${err}")
  elseif(NOT expect STREQUAL "FAIL" AND NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(output "${out}\n${err}" PARENT_SCOPE)
endfunction()
function(expect_in text what)
  string(FIND "${output}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${what}: the output lacks \"${text}\":\n${output}")
  endif()
endfunction()

# 1. Configure, build, install.
run(0 ${CMAKE_COMMAND} -S ${KEEL_SOURCE_DIR} -B ${build} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${hidden})
foreach(part tests examples benchmarks "JSON add-on")
  expect_in("keel: skipping the ${part}" "plain configure")
endforeach()
expect_in("scripts/install-deps" "plain configure")
run(0 ${CMAKE_COMMAND} --install ${build} --prefix ${prefix})
foreach(file include/keel/keel.hpp include/keel/version.hpp share/cmake/keel/keelConfig.cmake
             share/cmake/keel/keelConfigVersion.cmake share/cmake/keel/keelTargets.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "cmake --install did not install ${file}")
  endif()
endforeach()
file(GLOB_RECURSE _library ${prefix}/lib*/libkeel.*)
if(EXISTS ${prefix}/share/cmake/keel/keelCompiledTargets.cmake OR _library)
  message(FATAL_ERROR "cmake --install of an unbuilt tree installed keel::compiled: ${_library}")
endif()
if(EXISTS ${prefix}/share/cmake/keel/keelJsonTargets.cmake)
  message(FATAL_ERROR "cmake --install without nlohmann/json installed keel::json")
endif()
# A project asking for the JSON add-on of this install is told that it has none.
run(FAIL ${CMAKE_COMMAND} -S ${KEEL_SOURCE_DIR}/tests/downstream -B ${WORK_DIR}/downstream
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix} -DKEEL_COMPONENTS=json)
string(REGEX REPLACE "[ \n]+" " " output "${output}")
expect_in("has no JSON add-on keel::json" "find_package(keel COMPONENTS json)")

# 2. Asked for explicitly, a part whose package is missing stops the configure.
set(reset -DKEEL_BUILD_TESTS=AUTO -DKEEL_BUILD_EXAMPLES=AUTO -DKEEL_BUILD_BENCHMARKS=AUTO -DKEEL_BUILD_JSON=AUTO)
foreach(part TESTS:Catch2 EXAMPLES:CLI11 BENCHMARKS:benchmark JSON:nlohmann_json)
  string(REPLACE ":" ";" part ${part})
  list(GET part 0 option)
  list(GET part 1 package)
  run(FAIL ${CMAKE_COMMAND} -S ${KEEL_SOURCE_DIR} -B ${build} ${reset} -DKEEL_BUILD_${option}=ON)
  expect_in("KEEL_BUILD_${option}=ON" "-DKEEL_BUILD_${option}=ON")
  expect_in("${package}" "-DKEEL_BUILD_${option}=ON")
endforeach()
# ...and OFF is quiet about it.
run(0 ${CMAKE_COMMAND} -S ${KEEL_SOURCE_DIR} -B ${build} -DKEEL_BUILD_TESTS=OFF -DKEEL_BUILD_EXAMPLES=OFF -DKEEL_BUILD_BENCHMARKS=OFF
       -DKEEL_BUILD_JSON=OFF)
string(FIND "${output}" "keel: skipping" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "with every part OFF the configure still printed a skip message:\n${output}")
endif()
message(STATUS "minimal dependencies: configure and install (nothing built) without Catch2, Google Benchmark, "
               "CLI11 and nlohmann/json; each part =ON fails")
