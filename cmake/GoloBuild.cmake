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
