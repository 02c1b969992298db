// One loaded copy of a plugin file: its library, entry points, settings and
// state, and its call counters. Shared by the registry and by every call in
// flight; when the last holder lets go, the plugin's shutdown runs and the
// library is unloaded (nginx's old workers draining, by reference count).
#pragma once

#include <array>
#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "abi/host_table.h"
#include "abi/host_user.h"
#include "abi/response.h"
#include "abi/run_context.h"
#include "golo/plugin.h"

namespace golo::host {

struct PluginMetadata {
  std::string job;      // file base name
  std::string file;     // path in the plugins directory
  std::string name;     // from golo_plugin_info, or the job name
  std::string version;  // from golo_plugin_info, may be empty
  std::uint32_t abi_version = 0;
  bool serial = false;
  bool fibers = false;  // runs on the fiber executor (GOLO_EXECUTOR_FIBERS)
  std::string sha256;   // of the .so loaded
  std::string settings_sha256;  // of NAME.conf, empty when absent
  std::uint64_t generation = 0;
  std::chrono::system_clock::time_point loaded_at;
  std::uint32_t board_id = 0;  // on the crash board (worker/call_board.h)
};

using TriggerFn = int (*)(const golo_context *, golo_response *);
using ShutdownFn = void (*)(void *);
using UserEndFn = void (*)(void *, void *);

class LoadedGeneration {
 public:
  LoadedGeneration(boost::dll::shared_library lib,
                   std::unique_ptr<golo_plugin> plugin, PluginMetadata meta,
                   TriggerFn trigger, ShutdownFn shutdown, void *state);
  ~LoadedGeneration();
  LoadedGeneration(const LoadedGeneration &) = delete;
  LoadedGeneration &operator=(const LoadedGeneration &) = delete;

  // Runs golo_trigger once into resp (cleared first). Returns the plugin's
  // code. Thread-safe; serialised when the plugin declared GOLO_PLUGIN_SERIAL.
  // deadline_ns (CLOCK_MONOTONIC, 0: none) is when the caller stops waiting:
  // past it the call counts as stuck (stuck_calls) until it returns.
  // This form is a single call: a fresh virtual user (ABI 1.2), ended when
  // it returns.
  int trigger(golo_response &resp, std::uint64_t iteration = 0,
              std::uint32_t user = 0, std::int64_t deadline_ns = 0);
  // One iteration of `host_user`, a virtual user of `run` (may be null),
  // who keeps its user_data and HTTP session across calls.
  int trigger(golo_response &resp, HostUser &host_user, RunContext *run,
              std::uint64_t iteration, std::uint32_t user);

  // Ends host_user on this version (ABI 1.2): golo_user_end with its
  // user_data, when it ran a trigger here and the plugin exports it.
  void end_user(HostUser &host_user);

  // Counts one more error for a call that already finished: its reply
  // could not be sent (the caller gone, or its deadline past).
  void count_error();

  const PluginMetadata &meta() const { return meta_; }
  std::uint64_t calls() const;  // finished since load
  std::uint64_t errors() const;
  std::uint64_t in_flight() const;
  std::uint64_t stuck_calls() const;  // in flight past their deadline
  // A fiber user of this version blocked its loop (once per user and run).
  void count_stalled_user() {
    stalled_users_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t stalled_users() const {
    return stalled_users_.load(std::memory_order_relaxed);
  }

 private:
  int call(golo_response &resp, HostUser &host_user, RunContext *run,
           std::uint64_t iteration, std::uint32_t user,
           std::int64_t deadline_ns);

  // Declared before lib_, so destroyed after it: a thread the plugin left
  // running may still pass this object to the host's callbacks until the
  // library is unmapped, and must never find it freed.
  std::unique_ptr<golo_plugin> plugin_;
  boost::dll::shared_library lib_;  // unloaded after golo_shutdown
  PluginMetadata meta_;
  TriggerFn trigger_;
  ShutdownFn shutdown_;
  UserEndFn user_end_ = nullptr;  // golo_user_end, optional
  void *state_;
  std::mutex serial_;
  // Call counters, sharded by thread: one shared counter written by every
  // caller was half the cost of an in-process iteration (its cache line
  // bouncing between cores). Readers sum the shards.
  struct alignas(64) Counters {
    std::atomic<std::uint64_t> started{0}, finished{0}, errors{0};
  };
  static constexpr std::size_t kShards = 32;
  std::array<Counters, kShards> counters_;
  std::atomic<std::uint64_t> stalled_users_{0};
};

}  // namespace golo::host
