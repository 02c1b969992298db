// golo-host's command line, shared by the supervisor (golo-host) and the
// worker it starts (golo-host-worker): both parse the same flags, so the
// supervisor hands its argv to the worker unchanged and adds only the
// descriptors of its own that the worker needs.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "golo/wire/address.h"

namespace golo::host {

struct HostOptions {
  std::string listen = wire::kDefaultHostAddress;
  std::string plugins_dir = "/var/lib/golo/plugins";
  std::string log_level = "info";
  bool watch = false;
  // Load plugin files whatever their owner and mode (logged as a warning).
  bool allow_unsafe_permissions = false;
  // Also serve grpc.health.v1 alone, in plaintext, here (Kubernetes probes).
  std::string health_listen;
  // SIGINT/SIGTERM: how long calls and runs in flight may finish.
  double shutdown_grace_s = 10;
  // How long a plugin's golo_init may take before its load fails.
  double init_timeout_s = 30;
  // A call past its deadline (or running this long without one) that is
  // still running after this long gets its worker replaced.
  double stuck_limit_s = 60;
  // Where golo-host keeps its quarantine list across restarts ("": not
  // kept; systemd's $STATE_DIRECTORY when set).
  std::string state_dir;
  // Caps: a run over one is refused with RESOURCE_EXHAUSTED naming it.
  std::uint64_t max_runs = 16;      // schedules running at once
  std::uint64_t max_users = 20000;  // users (threads) across those runs
  // Users of fiber plugins across those runs (GOLO_EXECUTOR_FIBERS): a
  // fiber holds no thread and a stack only while its iteration runs.
  std::uint64_t max_fiber_users = 200000;
  // The fiber executor's event-loop threads per run (0: the CPUs this host
  // may use, sched_getaffinity).
  unsigned loops = 0;
  int max_threads = 512;  // gRPC server threads
  // Bytes gRPC may buffer for callers (a memory quota; docs/security.md).
  std::uint64_t grpc_memory = 512ull * 1024 * 1024;
  // The worker's allocation limit (RLIMIT_DATA; 0: none): past it plugin
  // code's malloc gets NULL instead of the OOM killer taking the worker.
  std::uint64_t max_memory = 0;
  // MiB of recording counters per run (docs/architecture.md, "Recording").
  std::int64_t record_budget_mib = 256;
  // Serve Prometheus' /metrics on this HOST:PORT (empty: not served).
  std::string metrics;
  // Job.Trigger's reply layout for callers that do not ask for one: "seed"
  // (output = 4, tags = 5) or "current" (duration = 4, output = 5, tags = 6;
  // go-lo as it builds today). Checked by check_start_policy.
  std::string go_lo_layout = "seed";

  // The control plane (docs/security.md): TLS, tokens with roles, which
  // remote targets Runner.Run may send load to, and the size of a pushed
  // plugin.
  std::string tls_cert, tls_key, tls_client_ca;
  std::string tokens_file;
  bool insecure = false;
  // Under --insecure, Host.Push and Host.Remove are refused unless this is
  // given too: an open port would otherwise run anyone's code.
  bool insecure_allow_push = false;
  std::vector<std::string> allow_remote_targets;
  std::uint64_t max_plugin_size = 64ull * 1024 * 1024;

  // Set by the supervisor for the worker it starts; hidden from --help.
  int board_fd = -1;       // the shared crash board (board/board.h)
  int ready_fd = -1;       // the worker writes its port here once it serves
  int quarantine_fd = -1;  // versions not to load (quarantine_list.h)
  int worker_number = 0;
};

// Registers every flag on app. The worker-only ones are in no group, so
// --help does not show them.
void add_host_options(CLI::App &app, HostOptions &opts);

// --loops as a number of loop threads: `asked`, or with 0 the CPUs this
// process may run on.
std::size_t loop_count(unsigned asked);

}  // namespace golo::host
