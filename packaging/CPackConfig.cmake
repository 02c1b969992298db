# `cpack -G DEB` in a build directory makes golo_<version>_amd64.deb with
# golo-host, golo, the plugin header, the example plugins and the systemd unit.
install(DIRECTORY ${GOLO_EXAMPLE_PLUGIN_DIR}/ DESTINATION lib/golo/plugins FILES_MATCHING PATTERN "*.so")
install(FILES ${CMAKE_CURRENT_LIST_DIR}/golo-host.service DESTINATION lib/systemd/system)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME golo)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "golo developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Distributed load testing with plain-C plugins (after go-lo)")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
