# `cpack -G DEB` in a build directory makes golo_<version>-<release>_amd64.deb:
#   /usr/bin/golo-host, /usr/bin/golo             the supervisor and the CLI
#   /usr/lib/golo/golo-host-worker                started by golo-host
#   /usr/lib/golo/plugins/*.so                    the example plugins
#   /usr/include/golo/plugin.h                    the plugin ABI
#   /usr/share/pkgconfig/golo-plugin.pc           its compile flags
#   /lib/systemd/system/golo-host.service         serves /var/lib/golo/plugins
#   /usr/share/doc/golo/{copyright,changelog.Debian.gz}
#   /usr/share/man/man1/{golo,golo-host}.1.gz     from --help (help2man)
# tests/packaging builds it, runs lintian and checks these paths.

set(GOLO_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(GOLO_DEB_RELEASE 1 CACHE STRING "Debian revision of the package (golo_VERSION-REVISION)")
set(GOLO_DEB_MAINTAINER "golo developers <golo@example.org>"
    CACHE STRING "The package's Maintainer field: NAME <EMAIL>")

# (The example plugins' install rule is in plugins/CMakeLists.txt.)
# Debian 12 keeps system units in /lib (usrmerge makes both the same).
install(FILES ${GOLO_PACKAGING_DIR}/golo-host.service DESTINATION /lib/systemd/system)
install(FILES ${GOLO_PACKAGING_DIR}/debian/copyright DESTINATION share/doc/golo)

# changelog.Debian.gz: gzip -9n (no name, no timestamp) so the package is
# reproducible; made when installing, so cpack needs no build step first.
install(CODE "
  set(doc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/doc/golo\")
  file(MAKE_DIRECTORY \"\${doc}\")
  execute_process(COMMAND gzip -9nc ${GOLO_PACKAGING_DIR}/debian/changelog
                  OUTPUT_FILE \"\${doc}/changelog.Debian.gz\" COMMAND_ERROR_IS_FATAL ANY)
  file(CHMOD \"\${doc}/changelog.Debian.gz\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  message(STATUS \"Installing: \${doc}/changelog.Debian.gz\")
")

# Manual pages made from --help and --version by help2man, at install time
# (the programs are built by then).
install(CODE "
  find_program(HELP2MAN help2man)
  if(NOT HELP2MAN)
    message(FATAL_ERROR \"help2man not found (scripts/install-deps.sh installs it)\")
  endif()
  set(man \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/man/man1\")
  file(MAKE_DIRECTORY \"\${man}\")
  foreach(page \"golo|$<TARGET_FILE:golo>|drive golo load-test hosts: run, trigger, plugins, reload\"
               \"golo-host|$<TARGET_FILE:golo-host>|serve golo load-test plugins over gRPC\")
    string(REPLACE \"|\" \";\" page \"\${page}\")
    list(GET page 0 name)
    list(GET page 1 exe)
    list(GET page 2 what)
    execute_process(COMMAND \"\${HELP2MAN}\" --no-info --no-discard-stderr -n \"\${what}\" \"\${exe}\"
                    COMMAND gzip -9n
                    OUTPUT_FILE \"\${man}/\${name}.1.gz\" COMMAND_ERROR_IS_FATAL ANY)
    file(CHMOD \"\${man}/\${name}.1.gz\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
    message(STATUS \"Installing: \${man}/\${name}.1.gz\")
  endforeach()
  # golo-run(1): the command a user reads most, from golo run --help.
  execute_process(COMMAND \"\${HELP2MAN}\" --no-info --no-discard-stderr
                          \"--help-option=run --help\" \"--name=run a golo load test on one or more hosts\"
                          \"$<TARGET_FILE:golo>\"
                  COMMAND gzip -9n
                  OUTPUT_FILE \"\${man}/golo-run.1.gz\" COMMAND_ERROR_IS_FATAL ANY)
  file(CHMOD \"\${man}/golo-run.1.gz\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  message(STATUS \"Installing: \${man}/golo-run.1.gz\")
")

# golo-plugin.pc names the install prefix, which cpack sets (/usr) only when
# it installs: write the file then, so `cmake --install --prefix P` is right
# too. pkg-config drops -I/usr/include, a system directory.
install(CODE "
  set(pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/pkgconfig/golo-plugin.pc\")
  file(MAKE_DIRECTORY \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/pkgconfig\")
  file(WRITE \"\${pc}\" \"prefix=\${CMAKE_INSTALL_PREFIX}
includedir=\\\${prefix}/include

Name: golo-plugin
Description: C ABI for golo load-test plugins (golo/plugin.h)
Version: ${PROJECT_VERSION}
Cflags: -I\\\${includedir}
\")
  file(CHMOD \"\${pc}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  message(STATUS \"Installing: \${pc}\")
")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME golo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${GOLO_DEB_RELEASE})
set(CPACK_PACKAGE_CONTACT "${GOLO_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${GOLO_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed load testing with plain-C plugins")
# The extended description; CPack puts the summary above it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "golo runs load tests written as one C function, golo_trigger, compiled to a
shared object. golo-host loads such plugins from /var/lib/golo/plugins,
hot-reloads them, serves go-lo's Job.Trigger gRPC service and runs whole
schedules of users and arrival rates in-process, measuring latency in
mergeable HDR histograms. A plugin that crashes or hangs costs only its
calls in flight: a supervisor replaces the worker process and quarantines
that plugin version. golo drives one or many hosts and merges their
results.
.
This package ships golo-host with its systemd unit, the golo command-line
tool, the plugin header golo/plugin.h with a pkg-config file (golo-plugin),
and example plugins in /usr/lib/golo/plugins.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# https:// targets (http_get, host->http) and --tls hosts trust the system's CAs.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS ca-certificates)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
