// plugin.h compiles alone as C++20 with every warning an error, including
// GOLO_PLUGIN (whose omitted fields -Wextra would otherwise flag).
#include <golo/plugin.h>

GOLO_PLUGIN(.flags = GOLO_PLUGIN_SERIAL, .name = "cxx");

bool golo_header_cxx_has_log(const golo_host_api *host) {
  return GOLO_HOST_HAS(host, log);
}
