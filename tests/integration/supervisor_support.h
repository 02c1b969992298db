// Helpers for the tests of the supervised host (supervisor_test,
// containment_test, memory_test): waiting, the host's log and lists, the
// worker's pid, callers that keep an innocent job busy, and the check that
// a death was contained.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

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

// A replaced worker answers again in 10-25 ms on an idle machine; the
// bound is what a loaded 2-core machine running two sanitized test programs
// at once still meets (seen: 1.4 s), not the speed (that is measured in
// bench/).
inline constexpr std::chrono::milliseconds kBackWithin{3000};

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

// Four callers of a job, each calling again as soon as its call ends, so
// that the job has calls in flight whenever a worker dies.
class Callers {
 public:
  Callers(const HostProcess &host, const std::string &job) {
    for (int i = 0; i < 4; ++i)
      threads_.emplace_back([this, &host, job] {
        while (!stop_) {
          golo::Response r;
          (host.trigger(job, r).ok() ? ok_ : failed_)++;
        }
      });
  }
  ~Callers() {
    stop_ = true;
    for (auto &t : threads_) t.join();
  }
  int ok() const { return ok_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

// plugins: noop, sleepy (20 ms a call) and the culprit as NAME.so.
inline void install_with_innocents(const TempDir &dir,
                                   const std::string &culprit) {
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 20\n");
  install_plugin(test_plugin(culprit), dir.path(), culprit);
}

inline std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" +
                   std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

// After a death: the culprit quarantined with its cause, sleepy not, sleepy
// and noop answering within 1 s, the supervisor up with one child only.
inline void check_contained(const HostProcess &host, const std::string &culprit,
                            const std::string &cause) {
  CHECK(wait_until(
      [&] {
        return host.log().find("of job \"" + culprit + "\"") !=
               std::string::npos;
      },
      3000ms));
  const auto back = time_to_answer(host, "noop");
  CHECK(back >= 0ms);
  CHECK(back < kBackWithin);
  CHECK(time_to_answer(host, "sleepy") < kBackWithin);
  CHECK(alive(host.pid()));
  const auto list = host.list();
  const auto f = failure_of(list, culprit);
  REQUIRE(f);
  CHECK(f->quarantined());
  CHECK(f->reason().find(cause) != std::string::npos);
  CHECK_FALSE(failure_of(list, "sleepy"));  // no innocent job quarantined
  CHECK(
      wait_until([&] { return children_of(host.pid()).size() == 1; }, 2000ms));
}

}  // namespace golo::test
