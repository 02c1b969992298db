// golo-host: the supervising process. Parses the host's flags, holds the
// serving port, and runs golo-host-worker (which loads the plugins and
// serves) under supervision; see supervisor.h.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "options/host_options.h"
#include "options/start_policy.h"
#include "options/usage_error.h"
#include "plugins/private_dir.h"
#include "supervisor/listen_reservation.h"
#include "supervisor/supervisor.h"

namespace fs = std::filesystem;

namespace {

// The worker lives beside this binary (build tree, /usr/bin) or in the
// package's private directory; GOLO_HOST_WORKER overrides both.
fs::path find_worker() {
  if (const char *env = std::getenv("GOLO_HOST_WORKER"); env && *env)
    return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const fs::path dir = ec ? fs::path(".") : self.parent_path();
  for (const fs::path &p : {dir / "golo-host-worker",
                            dir / ".." / "lib" / "golo" / "golo-host-worker"})
    if (access(p.c_str(), X_OK) == 0) return p;
  return dir / "golo-host-worker";
}

// argv without --listen and --metrics (given anew with the concrete ports)
// and without the flags only the supervisor may set.
std::vector<std::string> worker_args(int argc, char **argv,
                                     const std::string &listen,
                                     const std::string &metrics) {
  std::vector<std::string> out;
  const auto takes_value = [](const std::string &a) {
    return a == "--listen" || a == "--metrics" || a == "--board-fd" ||
           a == "--ready-fd" || a == "--quarantine-fd" || a == "--state-dir" ||
           a == "--worker-number";
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (takes_value(a)) {
      ++i;
      continue;
    }
    const auto eq = a.find('=');
    if (eq != std::string::npos && takes_value(a.substr(0, eq))) continue;
    out.push_back(a);
  }
  out.push_back("--listen");
  out.push_back(listen);
  if (!metrics.empty()) {
    out.push_back("--metrics");
    out.push_back(metrics);
  }
  return out;
}

}  // namespace

int main(int argc, char **argv) {
  CLI::App app{
      "golo-host: serves load-test plugins over gRPC, in a supervised worker "
      "process that is replaced when a plugin crashes or hangs it"};
  golo::host::HostOptions opts;
  golo::host::add_host_options(app, opts);
  if (const int code = golo::host::parse_host_command_line(app, argc, argv);
      code >= 0)
    return code;
  spdlog::set_default_logger(spdlog::stderr_color_mt("golo-host"));
  spdlog::set_level(spdlog::level::from_str(opts.log_level));

  // The policy again in each worker; here first, so the refusal names the
  // address as given and nothing is bound or started.
  const auto verdict = golo::host::check_start_policy(opts);
  if (!verdict.ok) {
    spdlog::error("{}", verdict.error);
    return 2;
  }
  for (const auto &w : verdict.warnings) spdlog::warn("{}", w);

  golo::supervisor::ListenReservation port;
  std::string error;
  if (!port.reserve(opts.listen, error)) {
    spdlog::error("{}", error);
    return 1;
  }
  // The metrics port is held like the serving port: every worker serves
  // /metrics on the same address, and nobody takes it between two workers.
  golo::supervisor::ListenReservation metrics_port;
  if (!opts.metrics.empty() && !metrics_port.reserve(opts.metrics, error)) {
    spdlog::error("--metrics: {}", error);
    return 1;
  }
  golo::supervisor::SupervisorConfig cfg;
  cfg.worker_binary = find_worker();
  cfg.worker_args =
      worker_args(argc, argv, port.address(), metrics_port.address());
  cfg.shutdown_grace = std::chrono::milliseconds(
      static_cast<long>(opts.shutdown_grace_s * 1000));
  cfg.stuck_limit =
      std::chrono::milliseconds(static_cast<long>(opts.stuck_limit_s * 1000));
  cfg.listen_address = port.address();
  cfg.tls = !opts.tls_cert.empty();
  cfg.state_dir = opts.state_dir;
  if (const char *env = std::getenv("STATE_DIRECTORY");
      cfg.state_dir.empty() && env && *env)
    cfg.state_dir = fs::path(std::string(env).substr(
        0, std::string(env).find(':')));  // systemd may list several
  // The workers' copies of the TLS files go in a directory of the
  // supervisor's, swept as each worker dies and removed at exit.
  std::unique_ptr<golo::host::PrivateDir> private_dir;
  if (cfg.tls) {
    try {
      private_dir = std::make_unique<golo::host::PrivateDir>(
          golo::host::private_dir_base(), "TLS files (the workers')");
    } catch (const std::exception &e) {
      spdlog::error("{}", e.what());
      return 1;
    }
    cfg.private_dir = private_dir->path();
    setenv(golo::host::kSupervisorDirEnv, cfg.private_dir.c_str(), 1);
  }
  return golo::supervisor::Supervisor(std::move(cfg)).run();
}
