#include "prometheus_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

extern char **environ;

namespace golo::test {

namespace {
constexpr const char *kBinary = "/usr/bin/prometheus";
}

bool prometheus_installed() {
  return access(kBinary, X_OK) == 0 && access("/usr/bin/promtool", X_OK) == 0;
}

PrometheusProcess::PrometheusProcess(const std::string &target) {
  if (!prometheus_installed())
    throw std::runtime_error(
        "prometheus is not installed: run scripts/install-deps.sh");
  const auto &d = dir_.path();
  port_ = free_port();
  // scrape_timeout must not exceed the interval.
  write_text(d / "prometheus.yml",
             "global:\n"
             "  scrape_interval: 1s\n"
             "  scrape_timeout: 1s\n"
             "scrape_configs:\n"
             "  - job_name: golo-hosts\n"
             "    honor_labels: true\n"
             "    static_configs:\n"
             "      - targets: ['" +
                 target + "']\n");
  std::vector<std::string> args = {
      kBinary, "--config.file=" + (d / "prometheus.yml").string(),
      "--storage.tsdb.path=" + (d / "data").string(),
      "--web.listen-address=127.0.0.1:" + std::to_string(port_),
      "--log.level=warn"};
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log_path = (d / "prometheus.log").string();
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc =
      posix_spawn(&pid_, kBinary, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start prometheus");
  }
  const std::string ready =
      "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
      std::to_string(port_) + "/-/ready";
  for (int i = 0; i < 200; ++i) {
    std::string code;
    run_command(ready, &code, false);
    if (code == "200") return;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("prometheus exited at start: " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("prometheus not ready after 10 s: " + log());
}

PrometheusProcess::~PrometheusProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string PrometheusProcess::log() const {
  return read_text(dir_.path() / "prometheus.log");
}

nlohmann::json PrometheusProcess::query(const std::string &promql) const {
  // The query goes through a file: PromQL's quotes stay out of the shell.
  const auto q = dir_.path() / "query.txt";
  write_text(q, promql);
  std::string out;
  const int rc =
      run_command("curl -sS -G http://127.0.0.1:" + std::to_string(port_) +
                      "/api/v1/query --data-urlencode query@" + q.string(),
                  &out, true);
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (rc != 0 || j.is_discarded() || j.value("status", "") != "success")
    throw std::runtime_error("prometheus query " + promql + ": " + out);
  return j.at("data").at("result");
}

std::optional<double> PrometheusProcess::value(
    const std::string &promql) const {
  const auto result = query(promql);
  if (result.empty()) return std::nullopt;
  if (result.size() != 1)
    throw std::runtime_error("prometheus query " + promql + ": " +
                             std::to_string(result.size()) + " series");
  return std::stod(result[0].at("value").at(1).get<std::string>());
}

}  // namespace golo::test
