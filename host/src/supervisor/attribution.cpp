#include "supervisor/attribution.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace golo::supervisor {

std::string signal_name(int sig) {
  const char *abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string board_text(const char *p, std::size_t cap) {
  return std::string(p, strnlen(p, cap));
}

const board::Version *board_version(const board::Board &b, std::uint32_t id) {
  return id == 0 || id > board::kMaxVersions ? nullptr : &b.versions[id - 1];
}

std::string describe_version(const board::Board &b, std::uint32_t version) {
  const board::Version *v = board_version(b, version);
  if (!v) return "unknown plugin code";
  return "job \"" + board_text(v->job, sizeof v->job) + "\" (generation " +
         std::to_string(v->generation) + ", sha256 " +
         board_text(v->sha256, sizeof v->sha256).substr(0, 12) + ", " +
         board_text(v->file, sizeof v->file) + ")";
}

std::uint64_t cgroup_oom_kills() {
  std::ifstream cg("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(cg, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  if (path.empty()) return 0;
  std::ifstream events("/sys/fs/cgroup" + path + "/memory.events");
  std::string key;
  std::uint64_t value = 0;
  while (events >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

namespace {

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return "died of " + signal_name(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

Verdict from_record(const board::Board &b, int status) {
  const board::Crash &c = b.crash;
  Verdict v;
  v.version = board_version(b, c.version) ? c.version : 0;
  v.entry = static_cast<board::Entry>(c.entry);
  v.evidence = v.version != 0;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  if (c.death == static_cast<std::uint32_t>(board::Death::kExit))
    v.what = std::string("exited (") +
             (c.signal < 0 ? "_exit() called" : "exit() called") + ", status " +
             std::to_string(code) + ")";
  else
    v.what = "died of " + signal_name(c.signal);
  if (c.sender > 0)
    v.what +=
        " sent by pid " + std::to_string(c.sender) + " from outside the worker";
  return v;
}

// The versions with calls in flight (entry by version).
std::map<std::uint32_t, std::uint32_t> running(const board::Board &b) {
  std::map<std::uint32_t, std::uint32_t> out;
  const std::uint32_t n = std::min(b.slots_used.load(), board::kMaxSlots);
  for (std::uint32_t i = 0; i < n; ++i)
    if (const auto v = b.slots[i].version.load(); board_version(b, v))
      out[v] = b.slots[i].entry.load();
  return out;
}

}  // namespace

Verdict attribute(const board::Board &b, int status, std::uint64_t oom_kills) {
  if (b.crash.recorded.load()) return from_record(b, status);
  Verdict v;
  v.what = status_text(status);
  const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (sig > 0 && sig < board::kMaxSignal)
    if (const auto id = b.sent[sig].version.load(); board_version(b, id)) {
      // Plugin code sent this very signal to its own worker.
      v.version = id;
      v.entry = static_cast<board::Entry>(b.sent[sig].entry.load());
      v.evidence = true;
      v.what += " (sent by the plugin to its own worker)";
      return v;
    }
  if (sig == SIGKILL) {
    // The OOM killer's or an operator's: no plugin is blamed on a guess.
    v.what = oom_kills > 0 ? "was killed by the kernel's OOM killer "
                             "(memory.events oom_kill " +
                                 std::to_string(oom_kills) + ")"
                           : "died of SIGKILL sent from outside the worker";
    return v;
  }
  const auto calls = running(b);
  if (calls.size() == 1) {
    v.version = calls.begin()->first;
    v.entry = static_cast<board::Entry>(calls.begin()->second);
    v.what += " while only this plugin was running";
  }
  return v;
}

}  // namespace golo::supervisor
