#include "plugins/plugin_version.h"

#include <spdlog/spdlog.h>

#include "plugins/call_board.h"
#include "plugins/thread_shard.h"

namespace golo::host {

PluginVersion::PluginVersion(boost::dll::shared_library lib,
                             std::unique_ptr<golo_plugin> plugin,
                             PluginMetadata meta, TriggerFn trigger,
                             ShutdownFn shutdown, void *state)
    : plugin_(std::move(plugin)),
      lib_(std::move(lib)),
      meta_(std::move(meta)),
      trigger_(trigger),
      shutdown_(shutdown),
      state_(state) {}

PluginVersion::~PluginVersion() {
  // The last reference is gone, so no call is running: shut down, then unload.
  if (shutdown_) {
    CallScope scope(meta_.board_id, board::Entry::kShutdown);
    shutdown_(state_);
  }
  board_mark_unloaded(meta_.board_id);
  spdlog::info("plugin {}: unloaded generation {} (version {}, {} calls)",
               meta_.job, meta_.generation,
               meta_.version.empty() ? "-" : meta_.version, calls());
}

int PluginVersion::trigger(golo_response &resp, std::uint64_t iteration,
                           std::uint32_t user, std::int64_t deadline_ns) {
  resp.clear();
  golo_context ctx{};
  ctx.size = sizeof ctx;
  ctx.host = host_table();
  ctx.plugin = plugin_.get();
  ctx.state = state_;
  ctx.job_name = meta_.job.c_str();
  ctx.iteration = iteration;
  ctx.user = user;
  Counters &counters = counters_[shard_of_this_thread() % kShards];
  counters.started.fetch_add(1, std::memory_order_relaxed);
  int rc;
  // The crash board names this call if it kills or wedges the worker.
  CallScope scope(meta_.board_id, board::Entry::kTrigger, deadline_ns);
  if (meta_.serial) {
    std::lock_guard lock(serial_);
    rc = trigger_(&ctx, &resp);
  } else {
    rc = trigger_(&ctx, &resp);
  }
  note_dropped_tags(*plugin_, meta_.generation, resp);
  note_dropped_steps(*plugin_, meta_.generation, resp);
  if (rc != 0 || resp.error)
    counters.errors.fetch_add(1, std::memory_order_relaxed);
  counters.finished.fetch_add(1, std::memory_order_relaxed);
  return rc;
}

void PluginVersion::count_error() {
  counters_[shard_of_this_thread() % kShards].errors.fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t PluginVersion::calls() const {
  std::uint64_t n = 0;
  for (const auto &c : counters_)
    n += c.finished.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t PluginVersion::errors() const {
  std::uint64_t n = 0;
  for (const auto &c : counters_) n += c.errors.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t PluginVersion::stuck_calls() const {
  return board_stuck_calls(meta_.board_id);
}

std::uint64_t PluginVersion::in_flight() const {
  // Finished first: each shard's started only grows and is never below its
  // finished, so reading started afterwards never gives a negative count.
  const std::uint64_t finished = calls();
  std::uint64_t started = 0;
  for (const auto &c : counters_)
    started += c.started.load(std::memory_order_relaxed);
  return started - finished;
}

}  // namespace golo::host
