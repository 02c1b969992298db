// golo-host: loads load-test plugins from a directory and serves them over
// gRPC (go-lo's Job.Trigger, host control, schedules run in-process).
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <thread>

#include "options/host_options.h"
#include "options/listen_policy.h"
#include "plugins/directory_watcher.h"
#include "plugins/plugin_registry.h"
#include "security/server_security.h"
#include "server/server.h"

namespace {

std::string default_private_dir() {
  const char *tmp = std::getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/golo-host." +
         std::to_string(getpid());
}

// The registry logs each load and failure with its reason; this adds the
// one-line tally of a rescan.
void log_reload(const std::vector<golo::host::FileReport> &reports) {
  int n[5] = {};
  for (const auto &r : reports) ++n[static_cast<int>(r.outcome)];
  spdlog::info(
      "rescan: {} added, {} replaced, {} removed, {} unchanged, {} failed",
      n[1], n[2], n[3], n[0], n[4]);
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{"golo-host: serves load-test plugins over gRPC"};
  golo::host::HostOptions opts;
  golo::host::add_host_options(app, opts);
  CLI11_PARSE(app, argc, argv);
  // Logs on stderr; stdout carries only the bound port, for scripts.
  spdlog::set_default_logger(spdlog::stderr_color_mt("golo-host"));
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  // Signals are taken by one thread with sigwait, so no handler ever runs
  // inside gRPC or plugin code. Block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Who may reach the control plane, decided before anything is served.
  const auto verdict = golo::host::check_listen_policy(
      {opts.listen, !opts.tls_cert.empty(), !opts.tls_key.empty(),
       !opts.tls_client_ca.empty(), !opts.tokens_file.empty(), opts.insecure});
  if (!verdict.ok) {
    spdlog::error("{}", verdict.error);
    return 2;
  }
  if (!verdict.warning.empty()) spdlog::warn("{}", verdict.warning);
  std::unique_ptr<golo::host::security::ServerSecurity> security;
  try {
    security = std::make_unique<golo::host::security::ServerSecurity>(opts);
  } catch (const std::exception &e) {
    spdlog::error("{}", e.what());
    return 2;
  }

  if (!std::filesystem::is_directory(opts.plugins_dir)) {
    spdlog::error(
        "plugins directory {} does not exist (create it or pass --plugins DIR)",
        opts.plugins_dir);
    return 2;
  }
  auto registry = std::make_unique<golo::host::PluginRegistry>(
      std::filesystem::absolute(opts.plugins_dir), default_private_dir());
  log_reload(registry->rescan());

  golo::host::HostServer server(
      *registry, {opts.max_plugin_size, opts.allow_remote_targets,
                  security->authorizer()});
  if (!server.start(opts.listen, security->credentials())) return 1;
  spdlog::info("control plane: {}", security->summary());
  // For scripts that pass port 0: the port actually bound, on stdout.
  std::printf("listening on port %d\n", server.port());
  std::fflush(stdout);

  std::unique_ptr<golo::host::DirectoryWatcher> watcher;
  if (opts.watch)
    watcher = std::make_unique<golo::host::DirectoryWatcher>(
        registry->dir(), std::chrono::milliseconds(200),
        [&] { log_reload(registry->rescan()); });

  std::thread signal_thread([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&signals, &sig) != 0) continue;
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP: reloading plugins");
        log_reload(registry->rescan());
        security->reload();
        continue;
      }
      spdlog::info("{}: stopping; calls in flight get {} s to finish",
                   sig == SIGINT ? "SIGINT" : "SIGTERM", opts.shutdown_grace_s);
      server.shutdown(std::chrono::milliseconds(
          static_cast<long>(opts.shutdown_grace_s * 1000)));
      return;
    }
  });
  server.wait();
  signal_thread.join();
  watcher.reset();
  registry.reset();  // plugins' shutdown runs here
  spdlog::info("stopped");
  return 0;
}
