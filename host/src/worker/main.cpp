// golo-host-worker: loads load-test plugins from a directory and serves them
// over gRPC (go-lo's Job.Trigger, host control, schedules run in-process).
// golo-host (supervisor/) starts it and replaces it when a plugin kills it;
// run alone it is an unsupervised host.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "board/quarantine_list.h"
#include "metrics/scrape.h"
#include "options/host_options.h"
#include "options/start_policy.h"
#include "plugins/directory_watcher.h"
#include "plugins/plugin_registry.h"
#include "security/server_security.h"
#include "server/health_listener.h"
#include "server/server.h"
#include "worker/call_board.h"
#include "worker/idle_trim.h"
#include "worker/memory_limit.h"

namespace {

// The registry logs each load and failure with its reason; this adds the
// one-line tally of a rescan.
void log_reload(const std::vector<golo::host::FileReport> &reports) {
  int n[5] = {};
  for (const auto &r : reports) ++n[static_cast<int>(r.outcome)];
  spdlog::info(
      "rescan: {} added, {} replaced, {} removed, {} unchanged, {} failed",
      n[1], n[2], n[3], n[0], n[4]);
}

std::string sig_name(int sig) {
  const char *abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// A stop or reload signal from this worker's own process tree is plugin
// code's doing (kill(0, SIGTERM), a forked helper): logged and ignored, as
// only the supervisor or an operator may stop the worker.
bool sent_by_plugin(const siginfo_t &info, bool supervised) {
  const pid_t from = info.si_pid;
  const bool own =
      info.si_code <= 0 && from > 0 &&
      (from == getpid() || (supervised && getsid(from) == getsid(0)));
  if (!own) return false;
  const std::uint32_t v =
      golo::worker::call_board().sent[info.si_signo].version.load();
  const std::string job = golo::worker::board_job_of(v);
  spdlog::warn("{} from pid {} ({}): ignored; a plugin may not stop its host",
               sig_name(info.si_signo), from,
               job.empty() ? std::string("unknown plugin code")
                           : "sent by plugin code of job \"" + job + "\"");
  return true;
}

// Process-wide settings before any thread starts; returns the signals that
// the signal thread takes.
sigset_t prepare_process(const golo::host::HostOptions &opts) {
  // A plugin writing to a closed socket gets EPIPE, not a dead worker.
  signal(SIGPIPE, SIG_IGN);
  // Each user of an HTTP plugin keeps a connection open: the soft limit of
  // descriptors (often 1,024) would cap a host's users far below what it
  // can run. Raised to the hard limit, as Go's runtime and nginx's
  // worker_rlimit_nofile do.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 &&
                      files.rlim_cur < files.rlim_max) {
    const rlim_t was = files.rlim_cur;
    files.rlim_cur = files.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &files) == 0)
      spdlog::info("open files: the limit is raised from {} to {}", was,
                   files.rlim_max);
  }
  // The supervisor's descriptors stay out of whatever a plugin execs.
  for (int fd : {opts.board_fd, opts.ready_fd})
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
  // Signals are taken by one thread with sigwait, so no handler ever runs
  // inside gRPC or plugin code. Block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A fixed trim threshold, so that an idle worker gives a run's memory
  // back. glibc raises it (to twice the largest block it mmapped and freed,
  // up to 64 MiB) after a run's first large free, and malloc_trim never
  // trims the top of a thread's arena: each user thread's arena then kept
  // tens of MB after every run (28, 58, 90, 98 MB idle after four runs of
  // 1,000 tag values; 28-32 MB with this). 1 MiB: at most that much slack
  // per arena (8 per core) is kept between allocations.
  mallopt(M_TRIM_THRESHOLD, 1 << 20);
  return signals;
}

// Who may reach the control plane, the crash board and the plugins
// directory, all decided before anything is served. nullptr (logged) when
// the worker cannot start: exit 2.
std::unique_ptr<golo::host::security::ServerSecurity> check_start(
    const golo::host::HostOptions &opts) {
  const auto verdict = golo::host::check_start_policy(opts);
  if (!verdict.ok) {
    spdlog::error("{}", verdict.error);
    return nullptr;
  }
  for (const auto &w : verdict.warnings) spdlog::warn("{}", w);
  std::unique_ptr<golo::host::security::ServerSecurity> security;
  try {
    security = std::make_unique<golo::host::security::ServerSecurity>(opts);
  } catch (const std::exception &e) {
    spdlog::error("{}", e.what());
    return nullptr;
  }
  // Before any plugin is loaded: its constructors allocate too.
  if (const auto limit = golo::worker::apply_memory_limit(opts.max_memory);
      limit.applied)
    spdlog::info("{}", limit.message);
  else if (!limit.message.empty())
    spdlog::warn("{}", limit.message);
  std::string error;
  if (!golo::worker::attach_call_board(opts.board_fd, error)) {
    spdlog::error("{}", error);
    return nullptr;
  }
  if (!std::filesystem::is_directory(opts.plugins_dir)) {
    spdlog::error(
        "plugins directory {} does not exist (create it or pass --plugins DIR)",
        opts.plugins_dir);
    return nullptr;
  }
  if (opts.allow_unsafe_permissions)
    spdlog::warn(
        "--allow-unsafe-permissions: plugin files are loaded whatever their "
        "owner and mode; anyone who can write them runs code as this host");
  return security;
}

// The registry with the quarantine applied and the first scan done;
// nullptr (logged) when it cannot be made: exit 1.
std::unique_ptr<golo::host::PluginRegistry> open_registry(
    const golo::host::HostOptions &opts) {
  std::unique_ptr<golo::host::PluginRegistry> registry;
  try {
    registry = std::make_unique<golo::host::PluginRegistry>(
        std::filesystem::absolute(opts.plugins_dir),
        golo::host::private_dir_base(),
        golo::host::LoaderOptions{opts.allow_unsafe_permissions,
                                  opts.max_plugin_size});
  } catch (const std::exception &e) {
    spdlog::error("{}", e.what());
    return nullptr;
  }
  registry->loader().set_init_timeout(
      std::chrono::milliseconds(static_cast<long>(opts.init_timeout_s * 1000)));
  if (opts.quarantine_fd >= 0) {
    auto list =
        golo::board::parse_quarantine(golo::board::read_fd(opts.quarantine_fd));
    close(opts.quarantine_fd);
    registry->set_quarantine(std::move(list));
  }
  log_reload(registry->rescan());
  return registry;
}

void announce_port(const golo::host::HostOptions &opts, bool supervised,
                   int port) {
  if (supervised) {
    // The supervisor prints the port and starts counting this worker as
    // serving (and may now stop the one this replaces).
    const std::string text = std::to_string(port) + "\n";
    if (write(opts.ready_fd, text.data(), text.size()) < 0)
      spdlog::warn("cannot tell the supervisor the port: {}",
                   std::strerror(errno));
    close(opts.ready_fd);
  } else {
    // For scripts that pass port 0: the port actually bound, on stdout.
    std::printf("listening on port %d\n", port);
    std::fflush(stdout);
  }
}

// What the worker serves with, for the signal thread.
struct Serving {
  const golo::host::HostOptions &opts;
  bool supervised;
  golo::host::PluginRegistry &registry;
  golo::host::security::ServerSecurity &security;
  golo::host::HealthListener &health_port;
  golo::host::HostServer &server;
};

// SIGTERM or SIGINT: stop serving, within the grace. gRPC's shutdown waits
// for every handler to return, and a call stuck in a plugin never does:
// past the grace, shut down the plugins that returned and leave without
// waiting for the rest.
void stop(Serving &s, int sig) {
  const auto grace = std::chrono::milliseconds(
      static_cast<long>(s.opts.shutdown_grace_s * 1000));
  golo::worker::board_set_phase(golo::board::Phase::kStopping);
  s.health_port.shutdown();  // probes see the stop at once
  const std::string why = golo::worker::board_retire_reason();
  spdlog::info("{}: stopping{}; calls in flight get {} s to finish",
               sig == SIGINT ? "SIGINT" : "SIGTERM",
               why.empty() ? "" : " (" + why + ")", s.opts.shutdown_grace_s);
  std::thread([&registry = s.registry, grace] {
    std::this_thread::sleep_for(grace + std::chrono::milliseconds(500));
    spdlog::warn(
        "calls still running {} ms after the stop: {}; leaving "
        "them",
        grace.count(), registry.describe_busy());
    registry.shutdown_idle();
    spdlog::info("stopped, leaving calls cut short");
    spdlog::shutdown();
    // Not a clean stop: the supervisor, and so golo-host, exits 1.
    std::_Exit(1);
  }).detach();
  s.server.shutdown(grace);
}

// The signal thread's loop, until a stop.
void take_signals(const sigset_t &signals, Serving s) {
  for (;;) {
    siginfo_t info{};
    const timespec second{1, 0};
    const int sig = sigtimedwait(&signals, &info, &second);
    if (sig < 0) {
      // Periodically: a plugin thread may have replaced the crash
      // handlers after its golo_init returned.
      for (int replaced : golo::worker::board_restore_handlers())
        spdlog::warn("plugin code replaced the worker's {} handler; restored",
                     sig_name(replaced));
      continue;
    }
    if (sent_by_plugin(info, s.supervised)) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: reloading plugins");
      log_reload(s.registry.rescan());
      s.security.reload();
      continue;
    }
    stop(s, sig);
    return;
  }
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{
      "golo-host-worker: loads the plugins and serves them over gRPC; started "
      "and supervised by golo-host"};
  golo::host::HostOptions opts;
  golo::host::add_host_options(app, opts);
  CLI11_PARSE(app, argc, argv);
  const bool supervised = opts.board_fd >= 0;
  // Logs on stderr; stdout carries only the bound port, for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt(
      supervised ? "worker " + std::to_string(opts.worker_number)
                 : "golo-host"));
  spdlog::set_level(spdlog::level::from_str(opts.log_level));
  const sigset_t signals = prepare_process(opts);
  const auto security = check_start(opts);
  if (!security) return 2;
  auto registry = open_registry(opts);
  if (!registry) return 1;
  golo::host::HostMetrics metrics;
  std::unique_ptr<golo::host::MetricsEndpoint> metrics_endpoint;
  std::string error;
  if (!opts.metrics.empty() &&
      !(metrics_endpoint = golo::host::serve_metrics(opts.metrics, metrics,
                                                     *registry, error))) {
    spdlog::error("{}", error);
    return 1;
  }
  golo::host::HostServer server(
      *registry, metrics,
      {opts.max_threads,
       {opts.max_runs, opts.max_users, opts.record_budget_mib << 20,
        opts.max_fiber_users, golo::host::loop_count(opts.loops)},
       static_cast<std::size_t>(opts.grpc_memory),
       *golo::wire::parse_layout(opts.go_lo_layout)},
      {opts.max_plugin_size, opts.allow_remote_targets, security->authorizer(),
       opts.insecure && opts.tokens_file.empty() && !opts.insecure_allow_push});
  if (!server.start(opts.listen, security->credentials())) return 1;
  // What gRPC freed (calls it cut, large requests) goes back to the system
  // once no run is in progress; runs trim as they end.
  golo::worker::IdleTrim idle_trim(
      [&server] { return server.runs_in_progress() == 0; },
      std::chrono::seconds(1), 32 << 20);
  spdlog::info("control plane: {}", security->summary());
  golo::host::HealthListener health_port;
  if (!opts.health_listen.empty() && !health_port.start(opts.health_listen))
    return 1;
  golo::worker::board_set_phase(golo::board::Phase::kServing);
  announce_port(opts, supervised, server.port());
  std::unique_ptr<golo::host::DirectoryWatcher> watcher;
  if (opts.watch)
    watcher = std::make_unique<golo::host::DirectoryWatcher>(
        registry->dir(), std::chrono::milliseconds(200),
        [&] { log_reload(registry->rescan()); });
  std::thread signal_thread(
      take_signals, signals,
      Serving{opts, supervised, *registry, *security, health_port, server});
  server.wait();
  signal_thread.join();
  // gRPC's shutdown can return while callback calls still run in a plugin
  // (on CallPool threads): wait for them, so that their plugin's
  // golo_shutdown runs once they end. The timer above still ends the
  // process at the grace.
  while (registry->describe_busy() != "none in a plugin")
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  metrics_endpoint.reset();  // it reads the registry
  watcher.reset();
  registry.reset();  // plugins' shutdown runs here
  spdlog::info("stopped");
  return 0;
}
