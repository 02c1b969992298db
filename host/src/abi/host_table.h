// The golo_host_api table golo-host hands every plugin, and golo_plugin: the
// host's per-loaded-plugin object that plugins pass back for logging and
// settings.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include <mutex>
#include "golo/plugin.h"
#include "http/request_check.h"

struct golo_plugin {
  std::string job;                              // job name, for log lines
  std::map<std::string, std::string> settings;  // from NAME.conf
  std::string init_error;                       // set_init_error's message
  std::atomic<bool> tags_drop_logged{false};    // see note_dropped_tags
  std::atomic<bool> steps_drop_logged{false};   // steps and checks, likewise
  // ABI 1.2: the settings that shape HTTP requests, read at the first one.
  mutable std::once_flag http_once;
  mutable golo::host::http::Defaults http_defaults;
};

namespace golo::host {

// The one table of this host build; valid for the life of the process.
const golo_host_api *host_table();

// Logs, once per loaded version, that resp had tags past GOLO_MAX_TAGS
// (the header promises the drop is logged; once, so a plugin that always
// adds too many does not flood the log). Thread-safe.
void note_dropped_tags(golo_plugin &plugin, std::uint64_t generation,
                       const golo_response &resp);

// The same, once per loaded version, for steps and checks the response
// dropped (NULL or empty name, negative duration, past GOLO_MAX_STEPS).
void note_dropped_steps(golo_plugin &plugin, std::uint64_t generation,
                        const golo_response &resp);

}  // namespace golo::host
