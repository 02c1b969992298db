#include "supervisor/attribution.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "golo/agent/utf8.h"

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
  // Escaped: a file name may hold a newline that would forge a log line.
  return "job \"" + agent::printable(board_text(v->job, sizeof v->job)) +
         "\" (generation " + std::to_string(v->generation) + ", sha256 " +
         agent::printable(
             board_text(v->sha256, sizeof v->sha256).substr(0, 12)) +
         ", " + agent::printable(board_text(v->file, sizeof v->file), 1024) +
         ")";
}

namespace {

// The "oom_kill N" line of a cgroup file: v2's memory.events or v1's
// memory.oom_control have the same key.
std::optional<std::uint64_t> oom_kill_line(const std::string &file) {
  std::ifstream in(file);
  std::string key;
  std::uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return std::nullopt;
}

}  // namespace

std::uint64_t cgroup_oom_kills() {
  std::ifstream cg("/proc/self/cgroup");
  std::string line;
  std::uint64_t kills = 0;
  // "0::PATH" (cgroup v2, mounted at /sys/fs/cgroup or, on a hybrid system,
  // /sys/fs/cgroup/unified) or "N:memory:PATH" (v1's memory controller).
  while (std::getline(cg, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1),
                      path = line.substr(b + 1);
    std::vector<std::string> files;
    if (controllers.empty())
      files = {"/sys/fs/cgroup" + path + "/memory.events",
               "/sys/fs/cgroup/unified" + path + "/memory.events"};
    else if (("," + controllers + ",").find(",memory,") != std::string::npos)
      files = {"/sys/fs/cgroup/memory" + path + "/memory.oom_control"};
    for (const auto &f : files)
      if (const auto n = oom_kill_line(f)) kills = std::max(kills, *n);
  }
  return kills;
}

namespace {

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

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return "died of " + signal_name(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

std::string describe_running(const board::Board &b) {
  std::string out;
  for (const auto &[version, entry] : running(b))
    out += (out.empty() ? "" : "; ") + describe_version(b, version) + " in " +
           board::entry_name(static_cast<board::Entry>(entry));
  return out;
}

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
    v.oom = oom_kills > 0;
    v.what = v.oom ? "was killed by the kernel's OOM killer (its cgroup "
                     "counted " +
                         std::to_string(oom_kills) + " OOM kill" +
                         (oom_kills > 1 ? "s" : "") + " in its life)"
                   : "died of SIGKILL sent from outside the worker (an "
                     "operator, or the OOM killer where the cgroup's count "
                     "cannot be read)";
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
