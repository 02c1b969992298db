# Build settings shared by every target of the project's own code.

if(GOLO_SANITIZE STREQUAL "address")
  set(GOLO_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(GOLO_SANITIZE STREQUAL "thread")
  set(GOLO_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT GOLO_SANITIZE STREQUAL "")
  message(FATAL_ERROR "GOLO_SANITIZE must be empty, 'address' or 'thread', not '${GOLO_SANITIZE}'")
endif()
if(GOLO_SANITIZER_FLAGS)
  add_compile_options(${GOLO_SANITIZER_FLAGS})
  add_link_options(${GOLO_SANITIZER_FLAGS})
endif()

# Hardening as a Debian package build has it: dpkg-buildflags with
# hardening=+all (stack protector, _FORTIFY_SOURCE, -z relro -z now), so the
# .deb cpack makes from this tree is what lintian expects. Only the
# hardening part: the build type keeps -O and -g, and reproducible=-all
# leaves out -ffile-prefix-map (a per-checkout path would defeat ccache
# across worktrees). Not with sanitizers, which replace these checks.
option(GOLO_DPKG_BUILDFLAGS "Compile with dpkg-buildflags' hardening flags" ON)
if(GOLO_DPKG_BUILDFLAGS AND NOT GOLO_SANITIZER_FLAGS)
  find_program(DPKG_BUILDFLAGS dpkg-buildflags)
  if(NOT DPKG_BUILDFLAGS)
    message(FATAL_ERROR "dpkg-buildflags not found (package dpkg-dev; "
                        "scripts/install-deps.sh installs it), or configure "
                        "with -DGOLO_DPKG_BUILDFLAGS=OFF")
  endif()
  foreach(kind CPPFLAGS CFLAGS CXXFLAGS LDFLAGS)
    execute_process(
      COMMAND ${CMAKE_COMMAND} -E env
              "DEB_BUILD_MAINT_OPTIONS=hardening=+all reproducible=-all"
              "DEB_CFLAGS_MAINT_STRIP=-g -O2" "DEB_CXXFLAGS_MAINT_STRIP=-g -O2"
              ${DPKG_BUILDFLAGS} --get ${kind}
      OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
    separate_arguments(GOLO_DPKG_${kind} UNIX_COMMAND "${flags}")
  endforeach()
  # _FORTIFY_SOURCE needs optimisation: glibc warns (an error here) at -O0.
  add_compile_options("$<$<NOT:$<CONFIG:Debug>>:${GOLO_DPKG_CPPFLAGS}>"
                      "$<$<COMPILE_LANGUAGE:C>:${GOLO_DPKG_CFLAGS}>"
                      "$<$<COMPILE_LANGUAGE:CXX>:${GOLO_DPKG_CXXFLAGS}>")
  add_link_options(${GOLO_DPKG_LDFLAGS})
  message(STATUS "dpkg-buildflags: ${GOLO_DPKG_CPPFLAGS} ${GOLO_DPKG_CXXFLAGS} ${GOLO_DPKG_LDFLAGS}")
endif()

# Warnings are errors in our own code (generated code gets golo_proto's own
# flags). -Wshadow: a local that hides a member or an outer name has hidden
# real mistakes here (issue 25).
function(golo_strict target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Werror)
  if(GOLO_SANITIZER_FLAGS OR CMAKE_BUILD_TYPE STREQUAL "Release")
    # GCC 12's flow analysis misfires inside libstdc++ (std::regex,
    # std::string) when sanitizers or -O3 reshape the code: known false
    # positives, kept as warnings there. The normal build keeps them errors.
    target_compile_options(${target} PRIVATE -Wno-error=maybe-uninitialized
                                             -Wno-error=restrict)
  endif()
endfunction()

# A plugin: a shared object named NAME.so (no lib prefix), in C or C++,
# exporting golo_* only, every symbol resolved at link time.
function(golo_add_plugin name)
  cmake_parse_arguments(P "" "OUTPUT_DIR" "SOURCES;LIBS" ${ARGN})
  add_library(${name} MODULE ${P_SOURCES})
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
                        C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
  if(P_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${P_OUTPUT_DIR})
  endif()
  target_link_libraries(${name} PRIVATE golo_plugin_api ${P_LIBS})
  golo_strict(${name})
  target_link_options(${name} PRIVATE
                      -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin-exports.map)
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS
               ${PROJECT_SOURCE_DIR}/cmake/plugin-exports.map)
  if(NOT GOLO_SANITIZER_FLAGS)
    # Sanitizer runtimes live in the host executable, so -z defs cannot hold there.
    target_link_options(${name} PRIVATE -Wl,-z,defs)
  endif()
endfunction()
