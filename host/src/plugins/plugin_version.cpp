#include "plugins/plugin_version.h"

#include <spdlog/spdlog.h>

namespace golo::host {

PluginVersion::PluginVersion(boost::dll::shared_library lib,
                             std::unique_ptr<golo_plugin> plugin,
                             PluginMetadata meta, TriggerFn trigger,
                             ShutdownFn shutdown, void *state)
    : lib_(std::move(lib)),
      plugin_(std::move(plugin)),
      meta_(std::move(meta)),
      trigger_(trigger),
      shutdown_(shutdown),
      state_(state) {}

PluginVersion::~PluginVersion() {
  // The last reference is gone, so no call is running: shut down, then unload.
  if (shutdown_) shutdown_(state_);
  spdlog::info("plugin {}: unloaded generation {} (version {}, {} calls)",
               meta_.job, meta_.generation,
               meta_.version.empty() ? "-" : meta_.version, calls());
}

int PluginVersion::trigger(golo_response &resp, std::uint64_t iteration,
                           std::uint32_t user) {
  resp.clear();
  golo_context ctx{};
  ctx.size = sizeof ctx;
  ctx.host = host_table();
  ctx.plugin = plugin_.get();
  ctx.state = state_;
  ctx.job_name = meta_.job.c_str();
  ctx.iteration = iteration;
  ctx.user = user;
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  int rc;
  if (meta_.serial) {
    std::lock_guard lock(serial_);
    rc = trigger_(&ctx, &resp);
  } else {
    rc = trigger_(&ctx, &resp);
  }
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  calls_.fetch_add(1, std::memory_order_relaxed);
  if (rc != 0 || resp.error) errors_.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

}  // namespace golo::host
