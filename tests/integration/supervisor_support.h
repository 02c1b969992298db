// Helpers for the tests of the supervised host (supervisor_test,
// containment_test): waiting, the host's log and lists, the worker's pid.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "host_process.h"

namespace golo::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline bool wait_until(const std::function<bool()> &pred,
                       std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

// How long until job answers Trigger again, or -1 ms when it does not
// within 5 s.
inline std::chrono::milliseconds time_to_answer(const HostProcess &host,
                                                const std::string &job) {
  const auto start = Clock::now();
  golo::Response r;
  if (!wait_until([&] { return host.trigger(job, r).ok(); }, 5000ms))
    return -1ms;
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               start);
}

inline std::optional<golo::PluginFailure> failure_of(
    const golo::ListPluginsResponse &l, const std::string &job) {
  for (const auto &f : l.failures())
    if (f.job() == job || f.file().ends_with("/" + job + ".so")) return f;
  return std::nullopt;
}

inline std::optional<golo::PluginStatus> plugin_of(const HostProcess &host,
                                                   const std::string &job) {
  const auto list = host.list();
  for (const auto &p : list.plugins())
    if (p.job() == job) return p;
  return std::nullopt;
}

inline std::string sha256_of(const fs::path &p) {
  std::string out;
  run_command("sha256sum " + p.string(), &out, false);
  return out.substr(0, 64);
}

inline bool alive(pid_t pid) {
  const std::string status =
      read_text("/proc/" + std::to_string(pid) + "/status");
  return !status.empty() && status.find("State:\tZ") == std::string::npos;
}

// The worker's pid, from the supervisor's log line "worker N started (pid P)".
inline pid_t worker_pid(const HostProcess &host, int number) {
  const std::regex line("worker " + std::to_string(number) +
                        " started \\(pid ([0-9]+)\\)");
  std::smatch m;
  const std::string log = host.log();
  return std::regex_search(log, m, line) ? std::stoi(m[1]) : -1;
}

inline grpc::Status trigger_with_deadline(const HostProcess &host,
                                          const std::string &job,
                                          std::chrono::milliseconds deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  golo::Context req;
  req.set_jobname(job);
  golo::Response resp;
  return golo::Job::NewStub(host.channel())->Trigger(&ctx, req, &resp);
}

// Under AddressSanitizer its own handlers would take the crash signals
// first and report them as ASan errors: here the crash is the subject, so
// the worker's handlers must see it as they do in a plain build.
inline std::vector<std::string> crash_env() {
  const char *asan = std::getenv("ASAN_OPTIONS");
  if (!asan) return {};
  return {std::string("ASAN_OPTIONS=") + asan +
          ":handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:"
          "handle_abort=0"};
}

}  // namespace golo::test
