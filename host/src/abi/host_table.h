// The golo_host_api table golo-host hands every plugin, and golo_plugin: the
// host's per-loaded-plugin object that plugins pass back for logging and
// settings.
#pragma once

#include <map>
#include <string>

#include "golo/plugin.h"

struct golo_plugin {
  std::string job;                              // job name, for log lines
  std::map<std::string, std::string> settings;  // from NAME.conf
  std::string init_error;                       // set_init_error's message
};

namespace golo::host {

// The one table of this host build; valid for the life of the process.
const golo_host_api *host_table();

}  // namespace golo::host
