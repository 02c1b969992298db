#include "options/host_options.h"

#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "golo_version.h"

namespace golo::host {

namespace {

// Where it listens, what it loads and logs.
void add_serving_options(CLI::App &app, HostOptions &o) {
  // Named after the binary that parses (golo-host or golo-host-worker):
  // CLI11 takes the app's name from argv[0] when it parses.
  app.set_version_flag("--version", [&app] {
    return golo_version_line(
        std::filesystem::path(app.get_name()).filename().string());
  });
  app.add_option("--listen", o.listen, "address to serve on (host:port)")
      ->capture_default_str();
  app.add_option("--plugins", o.plugins_dir, "directory of NAME.so plugins")
      ->capture_default_str();
  app.add_option("--health-listen", o.health_listen,
                 "also serve grpc.health.v1 alone, in plaintext, on this "
                 "address (host:port): for probes that cannot speak TLS, "
                 "such as Kubernetes' gRPC probes");
  app.add_flag("--watch", o.watch,
               "reload when files in the plugins directory change");
  app.add_flag("--allow-unsafe-permissions", o.allow_unsafe_permissions,
               "load plugin files and settings even when the plugins "
               "directory or a file is owned by another user or writable by "
               "group or others (anyone who can write them runs code as "
               "golo-host)");
  app.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
}

// Stopping, inits, stuck calls and state.
void add_lifecycle_options(CLI::App &app, HostOptions &o) {
  app.add_option("--shutdown-grace", o.shutdown_grace_s,
                 "seconds calls and runs in flight may take to finish after "
                 "SIGINT/SIGTERM; a second signal ends at once")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  // The flag of earlier releases, in milliseconds.
  app.add_option_function<int>(
         "--shutdown-grace-ms",
         [&o](int ms) { o.shutdown_grace_s = ms / 1000.0; },
         "the same in milliseconds")
      ->check(CLI::Range(0, 3600 * 1000));
  app.add_option("--init-timeout", o.init_timeout_s,
                 "seconds a plugin's golo_init may take; past it the load "
                 "fails and the reload returns")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--stuck-limit", o.stuck_limit_s,
                 "seconds a call may stay stuck (past its deadline, or "
                 "running this long without one) before the worker is "
                 "replaced and the plugin version quarantined")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--state-dir", o.state_dir,
                 "directory where the quarantine list is kept across "
                 "restarts (default $STATE_DIRECTORY; none: not kept)")
      ->check(CLI::ExistingDirectory);
}

// What a run, a caller and a plugin may use.
void add_limit_options(CLI::App &app, HostOptions &o) {
  app.add_option("--max-runs", o.max_runs,
                 "schedules run at once; one more is refused with "
                 "RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-users", o.max_users,
                 "users (one thread each) across the runs in progress; a run "
                 "that would go over is refused with RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  app.add_option("--max-fiber-users", o.max_fiber_users,
                 "users of fiber plugins (GOLO_EXECUTOR_FIBERS) across the "
                 "runs in progress; counted apart from --max-users")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  app.add_option("--loops", o.loops,
                 "event-loop threads a fiber plugin's run uses (0: one per "
                 "CPU this host may use)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));
  app.add_option("--record-budget", o.record_budget_mib,
                 "MiB of recording counters a run may use; past it, tag sets "
                 "that need more are counted in _other (and the results say "
                 "how many iterations)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1048576));
  app.add_option("--max-threads", o.max_threads,
                 "gRPC server threads; a call that finds none free is "
                 "answered RESOURCE_EXHAUSTED")
      ->capture_default_str()
      ->check(CLI::Range(4, 100000));
  app.add_option("--grpc-memory", o.grpc_memory,
                 "bytes gRPC may buffer for callers, whoever they are (or "
                 "with a suffix: KiB, MiB, GiB); past it calls are cut with "
                 "RESOURCE_EXHAUSTED")
      ->transform(CLI::AsSizeValue(true))
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{16} << 20, std::uint64_t{1} << 40));
  app.add_option("--max-memory", o.max_memory,
                 "bytes the worker (and so its plugins) may allocate (or with "
                 "a suffix: MiB, GiB); past it an allocation gets NULL, so a "
                 "plugin fails in its own call instead of the OOM killer "
                 "taking the worker; 0: no limit")
      ->transform(CLI::AsSizeValue(true))
      ->capture_default_str()
      ->check(
          [](const std::string &v) -> std::string {
            // After the transform: a plain number of bytes.
            const auto n = std::stoull(v);
            return n == 0 || n >= (std::uint64_t{64} << 20)
                       ? std::string()
                       : "--max-memory " + v +
                             " bytes is too small for the worker itself: "
                             "give 0 (no limit) or at least 64MiB";
          },
          "0 or at least 64MiB");
}

// The metrics endpoint and the layout of go-lo's replies.
void add_reply_options(CLI::App &app, HostOptions &o) {
  app.add_option("--metrics", o.metrics,
                 "serve Prometheus metrics at http://HOST:PORT/metrics "
                 "(plain HTTP: loopback only, unless --insecure)");
  app.add_option("--go-lo-layout", o.go_lo_layout,
                 "Job.Trigger's reply layout: seed (output = 4, tags = 5, as "
                 "go-lo's godoc) or current (duration = 4, output = 5, tags "
                 "= 6, as every go-lo that builds today); golo's own "
                 "clients read either")
      ->capture_default_str();
}

// TLS, tokens and what callers may do.
void add_security_options(CLI::App &app, HostOptions &o) {
  app.add_option("--tls-cert", o.tls_cert,
                 "serve TLS with this certificate chain (PEM); reloaded on "
                 "SIGHUP")
      ->group("Security");
  app.add_option("--tls-key", o.tls_key,
                 "the certificate's private key (PEM); reloaded on SIGHUP")
      ->group("Security");
  app.add_option("--tls-client-ca", o.tls_client_ca,
                 "require client certificates signed by these CAs (PEM): "
                 "mutual TLS")
      ->group("Security");
  app.add_option("--tokens", o.tokens_file,
                 "'ROLE TOKEN' lines (roles read, trigger, run, admin); "
                 "callers send 'authorization: Bearer TOKEN'; the file must "
                 "not be readable by group or others; reloaded on SIGHUP")
      ->group("Security");
  app.add_flag("--insecure", o.insecure,
               "serve a non-loopback address without TLS and tokens (also "
               "allows --metrics off loopback)")
      ->group("Security");
  app.add_flag("--insecure-allow-push", o.insecure_allow_push,
               "with --insecure, also accept golo push and golo remove "
               "(anyone who reaches the port may then run code here)")
      ->group("Security");
  app.add_option("--allow-remote-target", o.allow_remote_targets,
                 "HOST:PORT Runner.Run may send load to besides loopback "
                 "(repeat for several)")
      ->group("Security");
  app.add_option("--max-plugin-size", o.max_plugin_size,
                 "largest plugin golo push may upload, and largest file the "
                 "plugins directory may hold, in bytes (or with a suffix: "
                 "KiB, MiB, kB, MB)")
      ->transform(CLI::AsSizeValue(true))
      ->capture_default_str()
      ->group("Security");
}

}  // namespace

void add_host_options(CLI::App &app, HostOptions &o) {
  add_serving_options(app, o);
  add_lifecycle_options(app, o);
  add_limit_options(app, o);
  add_reply_options(app, o);
  add_security_options(app, o);
  // Between the supervisor and its worker only: hidden from --help.
  app.add_option("--board-fd", o.board_fd)->group("");
  app.add_option("--ready-fd", o.ready_fd)->group("");
  app.add_option("--quarantine-fd", o.quarantine_fd)->group("");
  app.add_option("--worker-number", o.worker_number)->group("");
}

std::size_t loop_count(unsigned asked) {
  if (asked != 0) return asked;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    return static_cast<std::size_t>(std::max(1, CPU_COUNT(&set)));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace golo::host
