# wick packaging: the shared library (libwick.so, for Python and dynamic
# linking), install rules, a pkg-config file and a CMake package config.
#
# Included from the top-level CMakeLists.txt after the `wick` and `wick_cli`
# targets are defined:
#
#   include(cmake/WickPackage.cmake)
#
# Installs (cmake --install build [--prefix DIR]; DESTDIR is honoured):
#   include/wick/*.h
#   lib/libwick.a, lib/libwick.so (+ .so.0, .so.0.1.0)
#   bin/wick
#   lib/pkgconfig/wick.pc
#   lib/cmake/wick/wickConfig.cmake, wickConfigVersion.cmake, wickTargets*.cmake
# Consumers: `pkg-config --cflags --libs wick`, or
#   find_package(wick REQUIRED) + target_link_libraries(app PRIVATE wick::wick)

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

option(WICK_BUILD_SHARED "Also build libwick.so (target wick_shared)" ON)

# The version, from the header that states it.
file(STRINGS "${PROJECT_SOURCE_DIR}/include/wick/wick.h" _wick_version_line
     REGEX "^#define WICK_VERSION_STRING \"[0-9]+\\.[0-9]+\\.[0-9]+\"")
string(REGEX REPLACE ".*\"([0-9]+\\.[0-9]+\\.[0-9]+)\".*" "\\1" WICK_VERSION "${_wick_version_line}")
if(NOT WICK_VERSION)
  set(WICK_VERSION 0.0.0)
endif()
string(REGEX REPLACE "^([0-9]+)\\..*" "\\1" WICK_VERSION_MAJOR "${WICK_VERSION}")

# src/util/streams.c runs methods on pthreads.
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
target_link_libraries(wick PUBLIC Threads::Threads)

# Consumers of the installed copy see only the installed headers.
set(_wick_iface_include
    "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
set_property(TARGET wick PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${_wick_iface_include}")

set(_wick_install_targets wick)
if(WICK_BUILD_SHARED)
  # The same position-independent objects as libwick.a.
  add_library(wick_shared SHARED $<TARGET_OBJECTS:wick_objs>)
  set_target_properties(wick_shared PROPERTIES
    OUTPUT_NAME wick
    POSITION_INDEPENDENT_CODE ON
    VERSION ${WICK_VERSION}
    SOVERSION ${WICK_VERSION_MAJOR}
    EXPORT_NAME wick_shared)
  set_property(TARGET wick_shared PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${_wick_iface_include}")
  target_link_libraries(wick_shared PUBLIC m Threads::Threads)
  # Every symbol must resolve inside the library (a source missing from the
  # globs shows up here, not when Python first calls into it).
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT WICK_SANITIZE AND NOT WICK_FUZZ)
    target_link_options(wick_shared PRIVATE "LINKER:--no-undefined")
  endif()
  list(APPEND _wick_install_targets wick_shared)
endif()

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/wick" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(TARGETS ${_wick_install_targets} EXPORT wickTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS wick_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(WICK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/wick)
install(EXPORT wickTargets NAMESPACE wick:: DESTINATION ${WICK_CMAKE_DIR})
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/wickConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/wickConfig.cmake"
  INSTALL_DESTINATION ${WICK_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/wickConfigVersion.cmake"
  VERSION ${WICK_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/wickConfig.cmake" "${PROJECT_BINARY_DIR}/wickConfigVersion.cmake"
        DESTINATION ${WICK_CMAKE_DIR})

# pkg-config: relocatable (prefix from the .pc file's own directory).
file(RELATIVE_PATH WICK_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" WICK_PC_TO_PREFIX "${WICK_PC_TO_PREFIX}")
configure_file("${PROJECT_SOURCE_DIR}/cmake/wick.pc.in" "${PROJECT_BINARY_DIR}/wick.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/wick.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
