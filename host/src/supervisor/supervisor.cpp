#include "supervisor/supervisor.h"

#include "supervisor/attribution.h"
#include "supervisor/worker_tree.h"

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
#include <thread>

namespace golo::supervisor {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void notify(const SdNotifier &systemd, const std::string &state) {
  std::string error;
  if (!systemd.notify(state, error)) spdlog::warn("{}", error);
}

}  // namespace

namespace {
std::string quarantine_path(const fs::path &dir) {
  return dir.empty() ? std::string() : (dir / "quarantine").string();
}
}  // namespace

Supervisor::Supervisor(SupervisorConfig cfg)
    : cfg_(std::move(cfg)),
      quarantine_(
          board::load_quarantine_file(quarantine_path(cfg_.state_dir))) {
  if (!quarantine_.empty())
    spdlog::info("{} plugin version(s) quarantined by an earlier run ({})",
                 quarantine_.size(), quarantine_path(cfg_.state_dir));
}

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
  if (w.board) board::set_text(w.board->previous_end, previous_end_);
  const int quarantine_fd = board::text_memfd(board::serialize(quarantine_));
  int ready[2] = {-1, -1};
  // Non-blocking: a process the worker forked may hold the write end.
  if (!w.board || quarantine_fd < 0 || pipe2(ready, O_CLOEXEC) != 0 ||
      fcntl(ready[0], F_SETFL, O_NONBLOCK) != 0) {
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
    // Its own session: a plugin's kill(0, ...) reaches only the worker's
    // tree, and the tree can be killed whole.
    setsid();
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
  w.oom_kills_at_start = cgroup_oom_kills();
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
  if (probe_) probe_->reset(Clock::now());
  // A replacement serves: now the workers it replaces may go.
  for (auto &old : workers_)
    if (old.retiring && old.deaf && old.pid != w.pid) {
      kill_tree(old.pid);  // it would only swallow connections
    } else if (old.retiring && !old.kill_at && old.pid != w.pid) {
      spdlog::info("worker {} (pid {}) replaced by worker {}: stopping it",
                   old.number, old.pid, w.number);
      kill(old.pid, SIGTERM);
      old.kill_at = Clock::now() + cfg_.shutdown_grace;
    }
}

void Supervisor::quarantine(const board::Board &b, std::uint32_t version,
                            const std::string &cause) {
  const board::Version *v = board_version(b, version);
  if (!v) return;
  quarantine_.push_back({board_text(v->job, sizeof v->job),
                         board_text(v->sha256, sizeof v->sha256), cause});
  std::string error;
  if (!cfg_.state_dir.empty() &&
      !board::save_quarantine_file(quarantine_path(cfg_.state_dir), quarantine_,
                                   error))
    spdlog::warn("{}; the quarantine is not kept across restarts", error);
}

bool Supervisor::second_strike(const board::Board &b, std::uint32_t version) {
  const board::Version *v = board_version(b, version);
  return v && ++strikes_[board_text(v->job, sizeof v->job) + "\t" +
                         board_text(v->sha256, sizeof v->sha256)] >= 2;
}

void Supervisor::on_exit(Worker &w, int status) {
  kill_tree(w.pid);  // whatever it forked goes with it
  const bool newest_one = &w == newest();
  if (stopping_ || w.retiring || !newest_one) {
    // At a stop or a replacement an exit is expected: no guessing who.
    const Verdict v = attribute(*w.board, status, 0);
    spdlog::info("worker {} (pid {}) {}", w.number, w.pid,
                 v.evidence ? v.what : status_text(status));
    if (stopping_ && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      stop_unclean_ = true;
      // The promise of the grace, broken: say whose calls were cut.
      if (const std::string busy = describe_running(*w.board); !busy.empty())
        spdlog::warn(
            "calls of {} were still in flight at the end of the shutdown "
            "grace ({} ms): cut short, and that plugin's golo_shutdown did "
            "not run",
            busy, cfg_.shutdown_grace.count());
    }
    return;
  }
  const board::Board &b = *w.board;
  const std::uint64_t oom = cgroup_oom_kills();
  const Verdict v = attribute(
      b, status, oom > w.oom_kills_at_start ? oom - w.oom_kills_at_start : 0);
  const std::string where = board::entry_name(v.entry);
  previous_end_ =
      "worker replaced: worker " + std::to_string(w.number) + " " + v.what +
      (v.version ? " in " + where + " of " + describe_version(b, v.version)
                 : std::string());
  if (v.version != 0 && (v.evidence || second_strike(b, v.version))) {
    const std::string cause =
        v.what + " in " + where + " of generation " +
        std::to_string(board_version(b, v.version)->generation) + " (worker " +
        std::to_string(w.number) + (v.evidence ? ")" : ", second time)");
    spdlog::error(
        "worker {} (pid {}) {} in {} of {}{}: version quarantined until the "
        "file changes",
        w.number, w.pid, v.what, where, describe_version(b, v.version),
        v.evidence ? "" : " (suspected a second time)");
    quarantine(b, v.version, cause);
    restart_at_ = Clock::now();
    return;
  }
  if (v.version != 0)
    spdlog::warn(
        "worker {} (pid {}) {} in {} of {}: a suspect, not proof; not "
        "quarantined unless it happens again",
        w.number, w.pid, v.what, where, describe_version(b, v.version));
  if (v.version == 0 && !w.ready && !ever_ready_) {
    // The first worker could not start (bad flags, no plugins directory,
    // address in use): the host cannot either. Its log said why.
    exit_code_ =
        WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
    spdlog::error("worker {} {} before serving; golo-host stops", w.number,
                  v.what);
    return;
  }
  if (v.oom)
    // Memory ran out: whose allocations filled it, nothing here can tell.
    spdlog::error(
        "worker {} (pid {}) {}: no plugin is blamed; set --max-memory so "
        "that a plugin allocating too much gets NULL in its own call "
        "instead; restarting it",
        w.number, w.pid, v.what);
  else if (v.version == 0)
    spdlog::error(
        "worker {} (pid {}) {}, with no plugin to blame: unknown plugin code, "
        "golo-host's own fault or the system's; restarting it",
        w.number, w.pid, v.what);
  back_off(w, v.what);
}

void Supervisor::back_off(const Worker &w, const std::string &what) {
  // Deaths within 10 s of a start (not of readiness: a worker that serves
  // and dies 300 ms later is still a loop) in the last minute.
  const auto now = Clock::now();
  if (now - w.started < 10s) young_deaths_.push_back(now);
  while (!young_deaths_.empty() && now - young_deaths_.front() > 60s)
    young_deaths_.pop_front();
  const auto n = static_cast<int>(young_deaths_.size());
  const auto delay =
      n <= 1   ? 0ms
      : n >= 3 ? 30000ms
               : std::min<std::chrono::milliseconds>(30s, 250ms * (1 << n));
  if (delay > 0ms)
    spdlog::warn(
        "{} workers {} within 10 s of starting in the last minute ({}), and "
        "no plugin was blamed: next start in {} ms",
        n, n >= 3 ? "died" : "have died", what, delay.count());
  restart_at_ = now + delay;
}

void Supervisor::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG | WUNTRACED);
    if (pid <= 0) return;
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [&](const Worker &w) { return w.pid == pid; });
    if (it == workers_.end()) continue;  // a stray, killed by kill_strays
    if (WIFSTOPPED(status)) {
      // Frozen (SIGSTOP, SIGTTIN...): it serves nobody. Killed, and so
      // reaped and judged as a death by that signal.
      spdlog::error("worker {} (pid {}) stopped by {}: killing it", it->number,
                    pid, signal_name(WSTOPSIG(status)));
      it->board->sent[SIGKILL].version.store(
          it->board->sent[WSTOPSIG(status)].version.load());
      it->board->sent[SIGKILL].entry.store(
          it->board->sent[WSTOPSIG(status)].entry.load());
      kill_tree(pid);
      continue;
    }
    if (it->ready_fd >= 0) read_ready(*it);  // a port written before dying
    on_exit(*it, status);
    forget_private_files(pid);
    release(*it);
    workers_.erase(it);
  }
}

// A dead worker's copies of the TLS key go with it, whatever killed it.
void Supervisor::forget_private_files(pid_t pid) {
  if (cfg_.private_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(cfg_.private_dir / ("tls-" + std::to_string(pid)),
                              ec);
  if (ec)
    spdlog::warn("cannot remove worker (pid {})'s TLS copies in {}: {}", pid,
                 cfg_.private_dir.string(), ec.message());
}

std::vector<pid_t> Supervisor::worker_pids() const {
  std::vector<pid_t> out;
  for (const auto &w : workers_) out.push_back(w.pid);
  return out;
}

void Supervisor::on_signal(int sig, pid_t sender) {
  if (sig == SIGCHLD) return reap();
  if (in_worker_tree(sender, worker_pids())) {
    // kill(getppid(), SIGTERM) from a plugin: not an operator's stop.
    spdlog::warn(
        "{} from pid {}, in a worker's process tree: a plugin's "
        "doing, ignored",
        signal_name(sig), sender);
    return;
  }
  if (sig == SIGHUP) {
    spdlog::info("SIGHUP: telling the worker to reload");
    if (auto *w = newest()) kill(w->pid, SIGHUP);
  } else if (stopping_) {
    spdlog::warn("{} again: stopping at once", signal_name(sig));
    for (auto &w : workers_) kill_tree(w.pid);
    exit_code_ = 1;
  } else {
    stopping_ = true;
    notify(systemd_, "STOPPING=1");
    stop_deadline_ = Clock::now() + cfg_.shutdown_grace + 1s;
    spdlog::info("{}: stopping; calls and runs in flight get {} ms to finish",
                 signal_name(sig), cfg_.shutdown_grace.count());
    for (auto &w : workers_) kill(w.pid, SIGTERM);
  }
}

// Once the workers are gone: their strays killed and reaped, so the port is
// free when golo-host exits. True when the host may exit with code.
bool Supervisor::stop_done(int &code) {
  if (!workers_.empty()) return false;
  kill_strays({});
  const auto until = Clock::now() + 2s;
  while (has_children() && Clock::now() < until) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::this_thread::sleep_for(5ms);
  }
  if (stop_unclean_) {
    spdlog::warn(
        "stopped, exit 1: a worker did not end cleanly (see above); 0 means "
        "every call ended and every plugin's golo_shutdown ran");
    code = 1;
  } else {
    spdlog::info("stopped");
    code = 0;
  }
  return true;
}

int Supervisor::run() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&signals, s);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  const int sfd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
  // Orphans of a worker's plugins become our children, to be killed.
  if (!become_subreaper())
    spdlog::warn("cannot become a child subreaper: {}", std::strerror(errno));
  if (sfd < 0) {
    spdlog::error("signalfd: {}", std::strerror(errno));
    return 1;
  }
  if (!cfg_.listen_address.empty())
    probe_ = std::make_unique<LivenessProbe>(cfg_.listen_address, cfg_.tls,
                                             cfg_.deaf_limit);
  if (!start_worker()) return 1;

  for (;;) {
    std::vector<pollfd> fds{{sfd, POLLIN, 0}};
    for (const auto &w : workers_)
      if (w.ready_fd >= 0) fds.push_back({w.ready_fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 50);

    signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si))
      on_signal(static_cast<int>(si.ssi_signo),
                si.ssi_code <= 0 ? static_cast<pid_t>(si.ssi_pid) : 0);
    for (std::size_t i = 1; i < fds.size(); ++i)
      if (fds[i].revents)
        for (auto &w : workers_)
          if (w.ready_fd == fds[i].fd) read_ready(w);

    const auto now = Clock::now();
    if (exit_code_) {
      for (auto &w : workers_) kill_tree(w.pid);
      for (auto &w : workers_) kill(w.pid, SIGKILL);
      return *exit_code_;
    }
    for (pid_t p : kill_strays(worker_pids()))
      spdlog::warn("killed pid {}, a process a worker's plugin left behind", p);
    if (stopping_) {
      if (int code = 0; stop_done(code)) return code;
      if (now > stop_deadline_) {
        spdlog::warn(
            "calls still running after the shutdown grace: killing the worker");
        for (auto &w : workers_) kill_tree(w.pid);
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
        kill_tree(w.pid);
        w.kill_at.reset();
      }
    if (restart_at_ && now >= *restart_at_) {
      restart_at_.reset();
      if (!start_worker()) restart_at_ = now + 1s;
    }
    if (auto *w = newest()) check_stuck(*w);
    if (auto *w = newest()) check_deaf(*w);
  }
}

}  // namespace golo::supervisor
