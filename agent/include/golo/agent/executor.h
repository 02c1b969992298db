// Runs a schedule: one thread per user (small stacks) or users as fibers on
// a few event loops (RunOptions::loops), iterations through an
// IterationRunner, latencies into sharded histograms, progress about once a
// second, and the results at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>

#include "golo/agent/data_feed.h"
#include "golo/agent/iteration.h"
#include "golo/agent/results.h"
#include "golo/agent/schedule.h"

namespace golo::agent {

// golo-host's default for --record-budget: 256 MiB.
inline constexpr std::int64_t kDefaultRecordBudget = 256ll << 20;

// A fiber that runs this long without parking stalls its loop's other users.
inline constexpr std::chrono::milliseconds kStall{10};

struct RunOptions {
  // Called from the control thread (never a user thread) about once a second.
  std::function<void(const Progress &)> on_progress;
  // Called once every thread of the run has started, just before the load
  // does (not called when they cannot be started).
  std::function<void()> on_start;
  // Requesting a stop ends the run at once: no new iterations start, the
  // ones in flight get the schedule's graceful_stop.
  std::stop_token stop;
  // When set, the load starts at this wall-clock instant (every thread is
  // up before it, so a fleet's hosts start together); a past one starts at
  // once. A stop requested while waiting ends the run with nothing run.
  std::optional<std::chrono::system_clock::time_point> start_at;
  // Resumes the schedule this far from its start (a run cut short, taken up
  // again on a new worker): the load starts where the schedule then is
  // (users at that level, arrivals from that instant on, each user's pacing
  // afresh), and the run's clock counts from the schedule's start, so its
  // series' seconds, its end and its duration_s are the whole schedule's.
  // Nothing before the instant runs or is reported. 0: from the start; at or
  // past the schedule's length: nothing runs.
  std::chrono::nanoseconds resume_from{0};
  std::chrono::nanoseconds progress_interval = std::chrono::seconds(1);
  std::size_t stack_size = 256 * 1024;  // per user thread, or per fiber
  // 0: a thread per user. N: the fiber executor, N event-loop threads with
  // the users as fibers (agent/fiber.h); the runner's waits must park.
  std::size_t loops = 0;
  // Fiber runs: called (on a loop thread) the first time each user's
  // iteration runs over kStall on its loop without yielding; every such
  // stretch counts in RunResults::stalls.
  std::function<void(std::uint32_t user, std::chrono::nanoseconds ran)>
      on_stall;
  // The run's data rows: each iteration's row is picked before it starts
  // (the runner reads it with data->row(user)). When they run out (mode
  // unique) the run ends there, as at its natural end: results.data says
  // when.
  std::shared_ptr<DataFeed> data;
  // Bytes of recording counters (docs/architecture.md, "Recording") past
  // which tag sets that need more are recorded in `_other`; 0: no limit.
  std::int64_t record_budget = kDefaultRecordBudget;
};

// Runs `schedule` to its end (or the stop) and returns what it measured.
// Iterations still running after graceful_stop are counted as interrupted;
// their threads are joined in the background later, holding `runner` alive.
// Throws std::runtime_error if user threads cannot be started.
RunResults run_schedule(const Schedule &schedule,
                        std::shared_ptr<IterationRunner> runner,
                        const RunOptions &options = {});

}  // namespace golo::agent
