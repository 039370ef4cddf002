# SPDX-License-Identifier: MIT
# ctest driver for the downstream project: cmake -DKEEL_SOURCE_DIR=.. -DKEEL_BINARY_DIR=..
#   -DWORK_DIR=.. -DMODE=find_package|add_subdirectory -DGENERATOR=.. -DCXX_COMPILER=..
#   [-DCOMPONENTS=compiled,json -DCXX_FLAGS=.. -DEXE_LINKER_FLAGS=..] -P run.cmake
# find_package: installs KEEL_BINARY_DIR (which must have built keel_compiled when COMPONENTS
# names compiled) into a scratch prefix, then builds and runs app (keel::keel), app_compiled
# (keel::compiled) and app_json (keel::json), the last two when COMPONENTS names them;
# add_subdirectory: vendors the source tree, checks the keel::compiled and keel::json targets it
# defines (tests/downstream/CMakeLists.txt) and builds and runs app only: compiling the whole
# library again inside this test would cost minutes of CI for what the find_package mode runs.
cmake_minimum_required(VERSION 3.21)  # policies of this script (if(IN_LIST))
file(REMOVE_RECURSE ${WORK_DIR})
string(REPLACE "," ";" component_list "${COMPONENTS}")  # passed on with commas: one -D argument

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(configure_args -S ${KEEL_SOURCE_DIR}/tests/downstream -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DMODE=${MODE})
if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install ${KEEL_BINARY_DIR} --prefix ${WORK_DIR}/prefix)
  # COMPONENTS: "compiled" when KEEL_BINARY_DIR builds keel::compiled, "json" when it defines
  # keel::json (empty: keel::keel only).
  # The installed library was compiled with keel's CMAKE_CXX_FLAGS (sanitizers in the asan
  # preset), so the downstream project compiles and links with the same flags.
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix "-DKEEL_COMPONENTS=${COMPONENTS}"
       "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
  # SameMinorVersion: a project asking for keel 0.2 or 1.0 must not accept this 0.1 install.
  foreach(version 0.2 1.0)
    execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/build-${version}
                            -DKEEL_REQUIRED_VERSION=${version}
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      message(FATAL_ERROR "find_package(keel ${version}) accepted an incompatible install")
    endif()
  endforeach()
  # ...nor a component keel does not have (check_required_components).
  execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/build-bogus
                          -DKEEL_COMPONENTS=bogus
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(rc EQUAL 0)
    message(FATAL_ERROR "find_package(keel COMPONENTS bogus) accepted an unknown component")
  endif()
else()
  list(APPEND configure_args -DKEEL_SOURCE_DIR=${KEEL_SOURCE_DIR})
endif()

run(${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/build)
# app links keel::keel (headers only), app_compiled keel::compiled (the compiled library),
# app_json keel::json (and keel::compiled when it is there).
set(apps app)
if(MODE STREQUAL "find_package")
  foreach(component compiled json)
    if(component IN_LIST component_list)
      list(APPEND apps app_${component})
    endif()
  endforeach()
endif()
foreach(app ${apps})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build --target ${app})
endforeach()
foreach(app ${apps})
  run(${WORK_DIR}/build/${app})
  if(NOT last_output MATCHES "beta ")
    message(FATAL_ERROR "downstream ${app} printed unexpected output:\n${last_output}")
  endif()
  message(STATUS "downstream (${MODE}) ${app} printed:\n${last_output}")
endforeach()
