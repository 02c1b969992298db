#include "plugins/loaded_generation.h"

#include <spdlog/spdlog.h>

#include "abi/call_frame.h"
#include "golo/agent/utf8.h"
#include "plugins/thread_shard.h"
#include "worker/call_board.h"

namespace golo::host {

LoadedGeneration::LoadedGeneration(boost::dll::shared_library lib,
                                   std::unique_ptr<golo_plugin> plugin,
                                   PluginMetadata meta, TriggerFn trigger_fn,
                                   ShutdownFn shutdown_fn, void *state)
    : plugin_(std::move(plugin)),
      lib_(std::move(lib)),
      meta_(std::move(meta)),
      trigger_(trigger_fn),
      shutdown_(shutdown_fn),
      state_(state) {
  // Optional (ABI 1.2); resolved here so the loader stays as it was.
  if (lib_.is_loaded() && lib_.has(GOLO_USER_END_SYMBOL))
    user_end_ =
        reinterpret_cast<UserEndFn>(lib_.get<void()>(GOLO_USER_END_SYMBOL));
}

LoadedGeneration::~LoadedGeneration() {
  // The last reference is gone, so no call is running: shut down, then unload.
  if (shutdown_) {
    worker::CallScope scope(meta_.board_id, board::Entry::kShutdown);
    shutdown_(state_);
  }
  worker::board_mark_unloaded(meta_.board_id);
  spdlog::info("plugin {}: unloaded generation {} (version {}, {} calls)",
               agent::printable(meta_.job), meta_.generation,
               meta_.version.empty() ? "-" : agent::printable(meta_.version),
               calls());
}

int LoadedGeneration::trigger(golo_response &resp, std::uint64_t iteration,
                              std::uint32_t user, std::int64_t deadline_ns) {
  HostUser once;  // a single call is a user of its own
  const int rc = call(resp, once, nullptr, iteration, user, deadline_ns);
  end_user(once);
  return rc;
}

int LoadedGeneration::trigger(golo_response &resp, HostUser &host_user,
                              RunContext *run, std::uint64_t iteration,
                              std::uint32_t user) {
  return call(resp, host_user, run, iteration, user, 0);
}

void LoadedGeneration::end_user(HostUser &host_user) {
  if (host_user.ran && user_end_) {
    worker::CallScope scope(meta_.board_id, board::Entry::kTrigger);
    user_end_(state_, host_user.user_data);
  }
  host_user.ran = false;
  host_user.user_data = nullptr;
  // Its handles lived in the user_data just ended: a plugin that forgot
  // them leaks no descriptor (and a new version starts with none).
  host_user.tcp.reset();
}

int LoadedGeneration::call(golo_response &resp, HostUser &host_user,
                           RunContext *run, std::uint64_t iteration,
                           std::uint32_t user, std::int64_t deadline_ns) {
  resp.clear();
  CallFrame frame;
  golo_context &ctx = frame.ctx;
  ctx.size = sizeof ctx;
  ctx.host = host_table();
  ctx.plugin = plugin_.get();
  ctx.state = state_;
  ctx.job_name = meta_.job.c_str();
  ctx.iteration = iteration;
  ctx.user = user;
  ctx.user_data = &host_user.user_data;
  frame.resp = &resp;
  frame.user = &host_user;
  frame.run = run;
  host_user.ran = true;
  const CallFrameScope frame_scope(frame);
  Counters &counters = counters_[shard_of_this_thread() % kShards];
  counters.started.fetch_add(1, std::memory_order_relaxed);
  int rc;
  // The crash board names this call if it kills or wedges the worker.
  worker::CallScope scope(meta_.board_id, board::Entry::kTrigger, deadline_ns);
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
  // Release: whoever sees this call finished also sees it started (below).
  counters.finished.fetch_add(1, std::memory_order_release);
  return rc;
}

void LoadedGeneration::count_error() {
  counters_[shard_of_this_thread() % kShards].errors.fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t LoadedGeneration::calls() const {
  std::uint64_t n = 0;
  for (const auto &c : counters_)
    n += c.finished.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t LoadedGeneration::errors() const {
  std::uint64_t n = 0;
  for (const auto &c : counters_) n += c.errors.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t LoadedGeneration::stuck_calls() const {
  return worker::board_stuck_calls(meta_.board_id);
}

std::uint64_t LoadedGeneration::in_flight() const {
  // Finished first, with acquire: it pairs with the release that counted
  // each finish, so every start before a finish seen here is seen too, on
  // any CPU (relaxed loads would promise that on x86 only). started only
  // grows, so reading it afterwards never gives a negative count.
  std::uint64_t finished = 0, started = 0;
  for (const auto &c : counters_)
    finished += c.finished.load(std::memory_order_acquire);
  for (const auto &c : counters_)
    started += c.started.load(std::memory_order_relaxed);
  return started - finished;
}

}  // namespace golo::host
