# SPDX-License-Identifier: MIT
# ctest driver for the downstream project: cmake -DKEEL_SOURCE_DIR=.. -DKEEL_BINARY_DIR=..
#   -DWORK_DIR=.. -DMODE=find_package|add_subdirectory -DGENERATOR=.. -DCXX_COMPILER=.. -P run.cmake
file(REMOVE_RECURSE ${WORK_DIR})

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
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  # SameMinorVersion: a project asking for keel 0.2 or 1.0 must not accept this 0.1 install.
  foreach(version 0.2 1.0)
    execute_process(COMMAND ${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/build-${version}
                            -DKEEL_REQUIRED_VERSION=${version}
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(rc EQUAL 0)
      message(FATAL_ERROR "find_package(keel ${version}) accepted an incompatible install")
    endif()
  endforeach()
else()
  list(APPEND configure_args -DKEEL_SOURCE_DIR=${KEEL_SOURCE_DIR})
endif()

run(${CMAKE_COMMAND} ${configure_args} -B ${WORK_DIR}/build)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/app)
if(NOT last_output MATCHES "beta ")
  message(FATAL_ERROR "downstream app printed unexpected output:\n${last_output}")
endif()
message(STATUS "downstream (${MODE}) app printed:\n${last_output}")
