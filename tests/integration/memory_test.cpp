// Memory (issue 20, item 6): under --max-memory a plugin that allocates
// without bound gets NULL and crashes in its own call, named and
// quarantined, while an innocent job keeps answering; without it, in a
// cgroup with a memory limit, the kernel's OOM killer ends the worker and
// the supervisor logs an OOM kill, blaming no plugin and not itself.
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "host_process.h"
#include "supervisor_support.h"

using namespace golo::test;

namespace {

// "Max data size  S  H  bytes" of /proc/PID/limits: the soft limit's text.
std::string data_limit_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Max data size", 0) == 0) {
      std::istringstream fields(line.substr(13));
      std::string soft;
      fields >> soft;
      return soft;
    }
  return "";
}

// A memory cgroup of its own (v2, or v1's memory controller on a hybrid
// system) with a hard limit, removed by the destructor; path() is empty
// when none can be made here (not root, no writable cgroup fs).
class MemoryCgroup {
 public:
  explicit MemoryCgroup(std::uint64_t limit) {
    const std::string name = "golo-test-" + std::to_string(getpid());
    for (const auto &[base, file] :
         {std::pair<std::string, std::string>{"/sys/fs/cgroup", "memory.max"},
          {"/sys/fs/cgroup/memory", "memory.limit_in_bytes"}}) {
      // own_path is absolute: joined as text, or it would replace base.
      const fs::path own = fs::path(base + own_path(base)) / name;
      std::error_code ec;
      if (!fs::create_directory(own, ec) || ec) continue;
      // Only a cgroup filesystem fills a new directory by itself.
      if (!fs::exists(own / "cgroup.procs")) {
        fs::remove(own, ec);
        continue;
      }
      std::ofstream(own / file) << limit;
      if (read_text(own / file).find(std::to_string(limit)) == 0) {
        path_ = own;
        return;
      }
      fs::remove(own, ec);
    }
  }
  ~MemoryCgroup() {
    std::error_code ec;
    if (!path_.empty()) fs::remove(path_, ec);
  }
  const fs::path &path() const { return path_; }

 private:
  // This process's cgroup under base, from /proc/self/cgroup.
  static std::string own_path(const std::string &base) {
    const bool v1 = base.ends_with("/memory");
    std::ifstream in("/proc/self/cgroup");
    for (std::string line; std::getline(in, line);) {
      const auto b = line.find(':', line.find(':') + 1);
      const std::string controllers =
          line.substr(line.find(':') + 1, b - line.find(':') - 1);
      if (v1 ? controllers == "memory" : controllers.empty())
        return line.substr(b + 1);
    }
    return "/";
  }
  fs::path path_;
};

}  // namespace

TEST_CASE(
    "under --max-memory a plugin that allocates without bound crashes in its "
    "own call and is named while another job goes on") {
  TempDir dir;
  install_with_innocents(dir, "memhog");
  HostProcess host(dir.path(), {"--max-memory", "256MiB"}, crash_env());
  if (host.log().find("is not applied: this build runs under a sanitizer") !=
      std::string::npos) {
    MESSAGE(
        "skipped: sanitizer builds map terabytes of shadow memory, which no "
        "data limit can hold; the worker said so in its log");
    return;
  }
  CHECK(host.log().find("allocations limited to 256 MiB (--max-memory)") !=
        std::string::npos);
  CHECK(data_limit_of(host.worker_pid()) == std::to_string(256 << 20));
  Callers sleepy(host, "sleepy");
  golo::Response r;
  CHECK_FALSE(host.trigger("memhog", r).ok());  // its worker died in the call
  check_contained(host, "memhog", "died of SIGSEGV in golo_trigger");
  CHECK(host.log().find("OOM") == std::string::npos);
  CHECK(sleepy.ok() > 0);
}

TEST_CASE("without --max-memory the worker has no allocation limit") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  CHECK(data_limit_of(host.worker_pid()) == "unlimited");
}

TEST_CASE("a worker ended by the OOM killer is logged as an OOM kill") {
  MemoryCgroup cgroup(192 << 20);
  if (cgroup.path().empty()) {
    MESSAGE(
        "skipped: cannot make a memory cgroup here (needs root and a "
        "writable cgroup filesystem)");
    return;
  }
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("memhog"), dir.path(), "memhog");
  // The host joins the cgroup, then execs: its worker starts inside.
  HostProcess host(dir.path(), {}, crash_env(),
                   {"/bin/sh", "-c",
                    "echo $$ > " + (cgroup.path() / "cgroup.procs").string() +
                        " && exec \"$@\"",
                    "sh"});
  golo::Response r;
  CHECK_FALSE(host.trigger("memhog", r).ok());
  CHECK(wait_until(
      [&] {
        return host.log().find("was killed by the kernel's OOM killer") !=
               std::string::npos;
      },
      5000ms));
  const std::string log = host.log();
  CHECK(log.find("no plugin is blamed; set --max-memory") != std::string::npos);
  // Never the old contradiction: an OOM kill blamed on golo-host or a job.
  CHECK(log.find("golo-host's own fault") == std::string::npos);
  CHECK(log.find("while only this plugin was running") == std::string::npos);
  CHECK(time_to_answer(host, "noop") >= 0ms);
  CHECK(host.list().failures_size() == 0);
  CHECK(host.stop() == 0);
}
