// The supervisor's checks on a living worker, polled every 50 ms: a call
// stuck past --stuck-limit (read from the crash board) and a worker that
// answers no connection (liveness_probe.h). Either gets the worker replaced.
#include <signal.h>
#include <spdlog/spdlog.h>

#include "golo/agent/utf8.h"
#include "supervisor/attribution.h"
#include "supervisor/supervisor.h"

namespace golo::supervisor {

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
    if (!board_version(b, version)) continue;
    const board::Version &v = *board_version(b, version);
    // Tenths: with --stuck-limit under a second, whole seconds read "0 s".
    const std::string secs =
        fmt::format("{:.1f}", static_cast<double>(now - started) / 1e9);
    spdlog::error(
        "worker {} (pid {}): a call in {} of {} has run {} s{} (--stuck-limit "
        "{} s): replacing the worker and quarantining the version until the "
        "file changes",
        w.number, w.pid, board::entry_name(entry), describe_version(b, version),
        secs, deadline != 0 ? " past its deadline" : "",
        cfg_.stuck_limit.count() / 1000.0);
    quarantine(b, version,
               "stuck in " + std::string(board::entry_name(entry)) + " for " +
                   secs + " s in generation " + std::to_string(v.generation) +
                   " (worker " + std::to_string(w.number) + ")");
    retire(w, "worker replaced: a call of job \"" +
                  agent::printable(board_text(v.job, sizeof v.job)) +
                  "\" stuck in " + board::entry_name(entry) + " for " + secs +
                  " s");
    return;
  }
}

void Supervisor::retire(Worker &w, const std::string &why) {
  board::set_text(w.board->retire_reason, why);
  previous_end_ = why;
  w.retiring = true;  // SIGTERM once the replacement serves
  start_worker();
}

void Supervisor::check_deaf(Worker &w) {
  if (!probe_ || !w.ready || w.retiring) return;
  const auto now = Clock::now();
  probe_->tick(now);
  if (!probe_->deaf(now)) return;
  spdlog::error(
      "worker {} (pid {}) has answered no connection for {} ms: deaf or "
      "frozen (unknown plugin code closed or exhausted its descriptors, or "
      "stopped it); replacing it",
      w.number, w.pid, cfg_.deaf_limit.count());
  w.deaf = true;
  probe_->reset(now);
  retire(w, "worker replaced: it answered no connection for " +
                std::to_string(cfg_.deaf_limit.count()) +
                " ms (deaf or frozen)");
}

}  // namespace golo::supervisor
