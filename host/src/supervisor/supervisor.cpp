#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace golo::supervisor {

using namespace std::chrono_literals;

std::string signal_name(int sig) {
  const char *abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

namespace {

std::string how_it_died(int status) {
  if (WIFSIGNALED(status)) return "died of " + signal_name(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// The board is written by the worker, where plugin code runs: a wild write
// may have scribbled on it. Everything read from it is bounds-checked.
std::string text(const char *p, std::size_t cap) {
  return std::string(p, strnlen(p, cap));
}

const board::Version *version_of(const board::Board &b, std::uint32_t id) {
  return id == 0 || id > board::kMaxVersions ? nullptr : &b.versions[id - 1];
}

std::string describe(const board::Version &v) {
  return "job \"" + text(v.job, sizeof v.job) + "\" (generation " +
         std::to_string(v.generation) + ", sha256 " +
         text(v.sha256, sizeof v.sha256).substr(0, 12) + ", " +
         text(v.file, sizeof v.file) + ")";
}

void notify(const SdNotifier &systemd, const std::string &state) {
  std::string error;
  if (!systemd.notify(state, error)) spdlog::warn("{}", error);
}

}  // namespace

Supervisor::Supervisor(SupervisorConfig cfg) : cfg_(std::move(cfg)) {}

Supervisor::~Supervisor() {
  for (auto &w : workers_) release(w);
}

void Supervisor::release(Worker &w) {
  if (w.ready_fd >= 0) close(w.ready_fd);
  if (w.board_fd >= 0) close(w.board_fd);
  board::unmap(w.board);
  w.ready_fd = w.board_fd = -1;
  w.board = nullptr;
}

Supervisor::Worker *Supervisor::newest() {
  return workers_.empty() ? nullptr : &workers_.back();
}

bool Supervisor::start_worker() {
  Worker w;
  w.number = next_number_++;
  w.board = board::create_shared(&w.board_fd);
  const int quarantine_fd = text_memfd(serialize(quarantine_));
  int ready[2] = {-1, -1};
  if (!w.board || quarantine_fd < 0 || pipe2(ready, O_CLOEXEC) != 0) {
    spdlog::error("cannot prepare worker {}: {}", w.number,
                  std::strerror(errno));
    if (quarantine_fd >= 0) close(quarantine_fd);
    release(w);
    return false;
  }
  std::vector<std::string> args;
  args.push_back(cfg_.worker_binary.string());
  args.insert(args.end(), cfg_.worker_args.begin(), cfg_.worker_args.end());
  for (const auto &[flag, value] :
       {std::pair<const char *, int>{"--board-fd", w.board_fd},
        {"--ready-fd", ready[1]},
        {"--quarantine-fd", quarantine_fd},
        {"--worker-number", w.number}}) {
    args.emplace_back(flag);
    args.push_back(std::to_string(value));
  }
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid == 0) {
    // The child of a single-threaded process: free to do anything, but keep
    // it to what exec needs.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the supervisor
    if (getppid() != parent) _exit(1);
    const rlimit no_core{0, 0};  // a plugin's crash leaves no core file
    setrlimit(RLIMIT_CORE, &no_core);
    for (int fd : {w.board_fd, ready[1], quarantine_fd}) fcntl(fd, F_SETFD, 0);
    execv(argv[0], argv.data());
    dprintf(2, "golo-host: cannot start worker %s: %s\n", argv[0],
            std::strerror(errno));
    _exit(127);
  }
  close(ready[1]);
  close(quarantine_fd);
  if (pid < 0) {
    spdlog::error("cannot start worker {}: fork: {}", w.number,
                  std::strerror(errno));
    close(ready[0]);
    release(w);
    return false;
  }
  w.pid = pid;
  w.ready_fd = ready[0];
  w.started = Clock::now();
  spdlog::info("worker {} started (pid {})", w.number, pid);
  workers_.push_back(w);
  return true;
}

void Supervisor::read_ready(Worker &w) {
  char buf[64] = {};
  const ssize_t n = read(w.ready_fd, buf, sizeof buf - 1);
  close(w.ready_fd);
  w.ready_fd = -1;
  if (n <= 0) return;  // died before serving: reap() says how
  w.ready = true;
  const int port = std::atoi(buf);
  spdlog::info("worker {} (pid {}) serving on port {}, {} ms after its start",
               w.number, w.pid, port,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   Clock::now() - w.started)
                   .count());
  if (!ever_ready_) {
    ever_ready_ = true;
    // For scripts that pass port 0: the port actually bound, on stdout.
    std::printf("listening on port %d\n", port);
    std::fflush(stdout);
    // Plugins scanned and the port serving: systemd may start what
    // depends on us (Type=notify).
    notify(systemd_, "READY=1\nSTATUS=serving on port " + std::to_string(port));
  }
  quick_failures_ = 0;
  // A replacement serves: now the workers it replaces may go.
  for (auto &old : workers_)
    if (old.retiring && !old.kill_at && old.pid != w.pid) {
      spdlog::info("worker {} (pid {}) replaced by worker {}: stopping it",
                   old.number, old.pid, w.number);
      kill(old.pid, SIGTERM);
      old.kill_at = Clock::now() + cfg_.shutdown_grace;
    }
}

void Supervisor::quarantine(const board::Board &b, std::uint32_t version,
                            const std::string &cause) {
  const board::Version *v = version_of(b, version);
  if (!v) return;
  quarantine_.push_back(
      {text(v->job, sizeof v->job), text(v->sha256, sizeof v->sha256), cause});
}

void Supervisor::on_exit(Worker &w, int status) {
  const bool newest_one = &w == newest();
  if (stopping_ || w.retiring || !newest_one) {
    spdlog::info("worker {} (pid {}) {}", w.number, w.pid, how_it_died(status));
    if (stopping_ && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
      stop_unclean_ = true;
    return;
  }
  const board::Board &b = *w.board;
  const board::Crash &c = b.crash;
  std::string what = how_it_died(status);
  std::uint32_t version = 0;
  board::Entry entry = board::Entry::kNone;
  if (c.recorded.load()) {
    version = version_of(b, c.version) ? c.version : 0;
    entry = static_cast<board::Entry>(c.entry);
    if (c.death == static_cast<std::uint32_t>(board::Death::kExit))
      what = "exited (exit() called, status " +
             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 0) + ")";
    else
      what = "died of " + signal_name(c.signal);
  } else {
    // No record (_exit, SIGKILL, a stack overflow): the calls in flight.
    std::map<std::uint32_t, std::uint32_t> running;  // version -> entry
    const std::uint32_t n = std::min(b.slots_used.load(), board::kMaxSlots);
    for (std::uint32_t i = 0; i < n; ++i)
      if (const auto v = b.slots[i].version.load(); version_of(b, v))
        running[v] = b.slots[i].entry.load();
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    if (running.size() == 1 && !killed) {
      version = running.begin()->first;
      entry = static_cast<board::Entry>(running.begin()->second);
      what += " while only this plugin was running";
    } else if (!running.empty()) {
      std::string jobs;
      for (const auto &[v, e] : running)
        jobs += (jobs.empty() ? "" : ", ") +
                text(b.versions[v - 1].job, sizeof b.versions[v - 1].job);
      what += " while calls of " + jobs + " were running";
    }
  }

  if (version != 0) {
    const board::Version &v = *version_of(b, version);
    const std::string cause = what + " in " + board::entry_name(entry) +
                              " of generation " + std::to_string(v.generation) +
                              " (worker " + std::to_string(w.number) + ")";
    spdlog::error(
        "worker {} (pid {}) {} in {} of {}: version quarantined until the "
        "file changes",
        w.number, w.pid, what, board::entry_name(entry), describe(v));
    quarantine(b, version, cause);
    restart_at_ = Clock::now();
    return;
  }

  if (!w.ready && !ever_ready_) {
    // The first worker could not start (bad flags, no plugins directory,
    // address in use): the host cannot either. Its log said why.
    exit_code_ =
        WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
    spdlog::error("worker {} {} before serving; golo-host stops", w.number,
                  how_it_died(status));
    return;
  }
  spdlog::error(
      "worker {} (pid {}) {} outside any plugin call: golo-host's own fault "
      "(or the system's, e.g. the OOM killer); restarting it",
      w.number, w.pid, what);
  // Back off when it keeps dying young, so a broken host cannot spin.
  const bool young = Clock::now() - w.started < 10s;
  quick_failures_ = young ? quick_failures_ + 1 : 0;
  const auto delay =
      quick_failures_ <= 1
          ? 0ms
          : std::min<std::chrono::milliseconds>(
                30s, 250ms * (1 << std::min(quick_failures_, 8)));
  if (delay > 0ms)
    spdlog::warn(
        "worker died {} times in a row soon after start; next start "
        "in {} ms",
        quick_failures_, delay.count());
  restart_at_ = Clock::now() + delay;
}

void Supervisor::check_stuck(Worker &w) {
  if (!w.ready || w.retiring) return;
  const board::Board &b = *w.board;
  const std::int64_t now = board::monotonic_coarse_ns();
  const std::int64_t limit =
      std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.stuck_limit)
          .count();
  const std::uint32_t n = std::min(b.slots_used.load(), board::kMaxSlots);
  for (std::uint32_t i = 0; i < n; ++i) {
    board::CallView call;
    if (!board::read_call(b.slots[i], call)) continue;
    const std::uint32_t version = call.version;
    const std::int64_t started = call.started_ns;
    const std::int64_t deadline = call.deadline_ns;
    // Stuck: past its deadline, or running the limit without one; replaced
    // once it has stayed so for the limit.
    const std::int64_t stuck_since =
        deadline != 0 ? std::max(deadline, started) : started;
    if (now - stuck_since < limit || now - started < limit) continue;
    const board::Entry entry = call.entry;
    if (!version_of(b, version)) continue;
    const board::Version &v = *version_of(b, version);
    const auto secs = (now - started) / 1000000000;
    spdlog::error(
        "worker {} (pid {}): a call in {} of {} has run {} s{} (--stuck-limit "
        "{} s): replacing the worker and quarantining the version until the "
        "file changes",
        w.number, w.pid, board::entry_name(entry), describe(v), secs,
        deadline != 0 ? " past its deadline" : "",
        cfg_.stuck_limit.count() / 1000.0);
    quarantine(b, version,
               "stuck in " + std::string(board::entry_name(entry)) + " for " +
                   std::to_string(secs) + " s in generation " +
                   std::to_string(v.generation) + " (worker " +
                   std::to_string(w.number) + ")");
    w.retiring = true;  // SIGTERM once the replacement serves
    start_worker();
    return;
  }
}

void Supervisor::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [&](const Worker &w) { return w.pid == pid; });
    if (it == workers_.end()) continue;
    if (it->ready_fd >= 0) read_ready(*it);  // a port written before dying
    on_exit(*it, status);
    release(*it);
    workers_.erase(it);
  }
}

int Supervisor::run() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int sfd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) {
    spdlog::error("signalfd: {}", std::strerror(errno));
    return 1;
  }
  if (!start_worker()) return 1;

  for (;;) {
    std::vector<pollfd> fds{{sfd, POLLIN, 0}};
    for (const auto &w : workers_)
      if (w.ready_fd >= 0) fds.push_back({w.ready_fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 50);

    signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      const int sig = static_cast<int>(si.ssi_signo);
      if (sig == SIGCHLD) {
        reap();
      } else if (sig == SIGHUP) {
        spdlog::info("SIGHUP: telling the worker to reload");
        if (auto *w = newest()) kill(w->pid, SIGHUP);
      } else if (stopping_) {
        spdlog::warn("{} again: stopping at once", signal_name(sig));
        for (auto &w : workers_) kill(w.pid, SIGKILL);
        return 1;
      } else {
        stopping_ = true;
        notify(systemd_, "STOPPING=1");
        stop_deadline_ = Clock::now() + cfg_.shutdown_grace + 1s;
        spdlog::info(
            "{}: stopping; calls and runs in flight get {} ms to finish",
            signal_name(sig), cfg_.shutdown_grace.count());
        for (auto &w : workers_) kill(w.pid, SIGTERM);
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents)
        for (auto &w : workers_)
          if (w.ready_fd == fds[i].fd) read_ready(w);

    const auto now = Clock::now();
    if (exit_code_) {
      for (auto &w : workers_) kill(w.pid, SIGKILL);
      return *exit_code_;
    }
    if (stopping_) {
      if (workers_.empty()) {
        if (stop_unclean_) {
          spdlog::warn("stopped; a worker did not end cleanly (see above)");
          return 1;
        }
        spdlog::info("stopped");
        return 0;
      }
      if (now > stop_deadline_) {
        spdlog::warn(
            "calls still running after the shutdown grace: killing the worker");
        for (auto &w : workers_) kill(w.pid, SIGKILL);
        stop_deadline_ = now + 24h;  // reaped on the next SIGCHLD
      }
      continue;
    }
    for (auto &w : workers_)
      if (w.kill_at && now > *w.kill_at) {
        spdlog::warn(
            "worker {} (pid {}) still running {} ms after SIGTERM: "
            "killing it",
            w.number, w.pid, cfg_.shutdown_grace.count());
        kill(w.pid, SIGKILL);
        w.kill_at.reset();
      }
    if (restart_at_ && now >= *restart_at_) {
      restart_at_.reset();
      if (!start_worker()) restart_at_ = now + 1s;
    }
    if (auto *w = newest()) check_stuck(*w);
  }
}

}  // namespace golo::supervisor
