// golo-host's supervising process: starts the worker that loads the plugins
// and serves, replaces it within a second when it dies, names the plugin
// version that killed or wedged it and quarantines that version, and bounds
// shutdown. It never loads plugin code and links no gRPC: what it knows of
// the worker comes from the crash board (board.h) and wait status.
// The nginx master / PostgreSQL postmaster pattern.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "board/board.h"
#include "board/quarantine_list.h"
#include "supervisor/liveness_probe.h"
#include "supervisor/sd_notify.h"

namespace golo::supervisor {

struct SupervisorConfig {
  std::filesystem::path worker_binary;
  std::vector<std::string> worker_args;  // without the descriptors
  std::chrono::milliseconds shutdown_grace{10000};
  std::chrono::milliseconds stuck_limit{60000};
  // Where the quarantine list is kept across restarts ("": not kept).
  std::filesystem::path state_dir;
  // The workers' address, probed for liveness (liveness_probe.h); under TLS
  // only connects are tried. A worker that answers nothing this long is
  // replaced.
  std::string listen_address;
  bool tls = false;
  std::chrono::milliseconds deaf_limit{5000};
  // The supervisor's private directory (kSupervisorDirEnv), when it has
  // one: a reaped worker's tls-PID in it is removed.
  std::filesystem::path private_dir;
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorConfig cfg);
  ~Supervisor();
  // Runs until stopped by SIGINT/SIGTERM; returns the process exit code.
  int run();

 private:
  using Clock = std::chrono::steady_clock;
  struct Worker {
    pid_t pid = -1;
    int number = 0;
    board::Board *board = nullptr;
    int board_fd = -1;
    int ready_fd = -1;  // read end; -1 once read
    bool ready = false;
    bool retiring = false;  // replaced; SIGTERM sent or to be sent
    bool deaf = false;      // replaced for answering nothing: killed at once
    Clock::time_point started;
    std::optional<Clock::time_point> kill_at;
    std::uint64_t oom_kills_at_start = 0;
  };

  bool start_worker();
  void read_ready(Worker &w);
  void reap();
  void forget_private_files(pid_t pid);
  void on_exit(Worker &w, int status);
  void check_stuck(Worker &w);
  void check_deaf(Worker &w);
  // Replaces a living worker: why goes on its board (its runs end naming
  // it) and on the next one's (golo plugins shows it).
  void retire(Worker &w, const std::string &why);
  void quarantine(const board::Board &b, std::uint32_t version,
                  const std::string &cause);
  bool second_strike(const board::Board &b, std::uint32_t version);
  void back_off(const Worker &w, const std::string &what);
  void on_signal(int sig, pid_t sender);
  bool stop_done(int &code);
  void release(Worker &w);
  Worker *newest();
  std::vector<pid_t> worker_pids() const;

  SupervisorConfig cfg_;
  std::unique_ptr<LivenessProbe> probe_;  // the newest worker's liveness
  SdNotifier systemd_;  // READY=1 once the first worker serves, STOPPING=1
  std::vector<Worker> workers_;
  std::vector<board::QuarantineEntry> quarantine_;
  int next_number_ = 1;
  bool ever_ready_ = false;
  bool stopping_ = false;
  // A worker that ended a stop other than by exiting 0 (killed after the
  // grace, crashed): the host's own exit says so, for systemd and scripts.
  bool stop_unclean_ = false;
  Clock::time_point stop_deadline_;
  std::optional<Clock::time_point> restart_at_;
  // Unattributed deaths within 10 s of a worker's start, in the last
  // minute: counted from the start, not readiness, so a crash loop ends.
  std::deque<Clock::time_point> young_deaths_;
  // Suspects (named on a guess), by job and hash: quarantined at the second.
  std::map<std::string, int> strikes_;
  // Why the last worker ended, for the next one's board.
  std::string previous_end_;
  std::optional<int> exit_code_;
};

}  // namespace golo::supervisor
