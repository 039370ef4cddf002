# SPDX-License-Identifier: MIT
# keel_optional_part(<option> <what> <package spec>...)
#
# Declares <option> (KEEL_BUILD_TESTS, ...) as a cache string AUTO, ON or OFF and resolves it,
# in the caller's scope, to a plain ON or OFF that the rest of the build reads:
#   AUTO  build the part when every package is found; otherwise skip it with a message that
#         says what is missing and how to get it. The default when keel is the top-level
#         project, so that configuring and installing need only Eigen, Boost and a compiler.
#   ON    the packages are required: a missing one is a configure error.
#   OFF   skip the part and look for nothing. The default under add_subdirectory (a parent
#         project builds none of keel's own targets unless it asks).
# Any CMake truth value is accepted for ON and OFF (1, YES, TRUE, 0, NO, FALSE, ...).
#
# A package spec is "<find_package arguments>=<Debian package>", e.g. "Catch2 2=catch2" or
# "CLI11 CONFIG=libcli11-dev". The packages are looked for here, at the top level, so their
# imported targets and module paths are visible to the part's own CMakeLists, which may call
# find_package(... REQUIRED) again at no cost.
#
# A macro, not a function: find_package must run in the top-level scope (Catch2's config file,
# for one, adds to CMAKE_MODULE_PATH only the first time it is read).
macro(keel_optional_part _kop_option _kop_what)
  if(PROJECT_IS_TOP_LEVEL)
    set(_kop_default AUTO)
  else()
    set(_kop_default OFF)
  endif()
  set(${_kop_option} ${_kop_default} CACHE STRING
      "Build ${_kop_what}: AUTO (when the packages they need are found), ON (required) or OFF")
  set_property(CACHE ${_kop_option} PROPERTY STRINGS AUTO ON OFF)

  string(TOUPPER "${${_kop_option}}" _kop_mode)
  if(_kop_mode MATCHES "^(ON|YES|TRUE|Y|1)$")
    set(_kop_mode ON)
  elseif(_kop_mode MATCHES "^(OFF|NO|FALSE|N|0|)$")
    set(_kop_mode OFF)
  elseif(NOT _kop_mode STREQUAL "AUTO")
    message(FATAL_ERROR "${_kop_option} is '${${_kop_option}}'; use AUTO, ON or OFF")
  endif()

  set(_kop_missing)
  set(_kop_debian)
  set(_kop_found)
  if(NOT _kop_mode STREQUAL "OFF")
    foreach(_kop_spec ${ARGN})
      string(REPLACE "=" ";" _kop_parts "${_kop_spec}")
      list(GET _kop_parts 0 _kop_args)
      list(GET _kop_parts 1 _kop_deb)
      separate_arguments(_kop_args UNIX_COMMAND "${_kop_args}")
      list(GET _kop_args 0 _kop_package)
      find_package(${_kop_args} QUIET)
      if(${_kop_package}_FOUND)
        list(APPEND _kop_found "${_kop_package} ${${_kop_package}_VERSION}")
      else()
        list(JOIN _kop_args " " _kop_text)
        string(REPLACE " CONFIG" "" _kop_text "${_kop_text}")
        list(APPEND _kop_missing "'${_kop_text}'")
        list(APPEND _kop_debian "${_kop_deb}")
      endif()
    endforeach()
  endif()
  list(JOIN _kop_missing ", " _kop_missing_text)
  list(JOIN _kop_debian " " _kop_debian_text)
  list(JOIN _kop_found ", " _kop_found_text)

  if(_kop_mode STREQUAL "OFF")
    set(${_kop_option} OFF)
  elseif(_kop_missing)
    if(_kop_mode STREQUAL "ON")
      message(FATAL_ERROR
        "${_kop_option}=ON, but ${_kop_what} need the CMake package ${_kop_missing_text}, not "
        "found. Install it "
        "(Debian: apt-get install ${_kop_debian_text}, or run scripts/install-deps) or point "
        "CMAKE_PREFIX_PATH at it; or configure with -D${_kop_option}=AUTO to skip ${_kop_what} "
        "when it is missing.")
    endif()
    message(STATUS
      "keel: skipping ${_kop_what}: CMake package ${_kop_missing_text} not found (Debian: apt-get install "
      "${_kop_debian_text}, or scripts/install-deps). -D${_kop_option}=ON makes this an error, "
      "=OFF silences it.")
    set(${_kop_option} OFF)
  else()
    if(_kop_found_text)
      message(STATUS "keel: building ${_kop_what} (${_kop_found_text})")
    else()
      message(STATUS "keel: building ${_kop_what}")
    endif()
    set(${_kop_option} ON)
  endif()
endmacro()
