#include "supervisor/worker_tree.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>

namespace golo::supervisor {

bool become_subreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }

void kill_tree(pid_t worker) {
  if (worker > 0) kill(-worker, SIGKILL);
}

namespace {
std::vector<pid_t> children() {
  // The supervisor is single-threaded: its children are its main task's.
  const std::string self = std::to_string(getpid());
  std::ifstream in("/proc/" + self + "/task/" + self + "/children");
  std::vector<pid_t> out;
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}
}  // namespace

std::vector<pid_t> kill_strays(const std::vector<pid_t> &workers) {
  static std::set<pid_t> reported;
  std::vector<pid_t> fresh;
  std::set<pid_t> now;
  for (pid_t p : children()) {
    if (std::find(workers.begin(), workers.end(), p) != workers.end()) continue;
    now.insert(p);
    kill(p, SIGKILL);
    if (reported.insert(p).second) fresh.push_back(p);
  }
  // Forget the reaped, so a reused pid is reported again.
  std::erase_if(reported, [&](pid_t p) { return !now.count(p); });
  return fresh;
}

bool has_children() { return !children().empty(); }

bool in_worker_tree(pid_t sender, const std::vector<pid_t> &workers) {
  if (sender <= 0) return false;
  const pid_t session = getsid(sender);
  for (pid_t w : workers)
    if (sender == w || session == w) return true;
  return false;
}

}  // namespace golo::supervisor
