// What the control thread, the scheduler and the user threads of one run
// share. Every thread holds it by shared_ptr, so a user thread still stuck
// in a plugin after the run returned never touches freed memory.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "free_queue.h"
#include "futex.h"
#include "golo/agent/data_feed.h"
#include "golo/agent/iteration.h"
#include "golo/agent/schedule.h"
#include "recorder.h"
#include "timeline.h"

namespace golo::agent::detail {

// UserSlot::state: who owns the iteration in flight. A finishing user moves
// running -> recording -> idle; the run giving up moves running ->
// interrupted. Whichever gets there first decides, so an iteration is never
// both counted and interrupted.
enum : std::uint32_t { kIdle, kRunning, kInterrupted, kRecording };
// UserSlot::go, the open model's hand-off word.
enum : std::uint32_t { kGoIdle, kGoRun, kGoQuit };
inline constexpr std::int64_t kNotStopped = INT64_MAX;

struct alignas(64) UserSlot {
  std::atomic<std::uint32_t> state{kIdle};
  // While recording: the second of the series it records in (until it is
  // set, an earlier one: the control thread then waits a moment longer).
  std::atomic<std::uint64_t> recording_second{0};
  std::atomic<std::uint32_t> go{kGoIdle};
  Clock::time_point intended{};  // open model: set before go = kGoRun
  std::uint64_t iteration = 0;
};

struct RunState {
  // `loops`: a fiber run's (RunOptions::loops), 0 on threads.
  RunState(const Schedule &s, std::shared_ptr<IterationRunner> r,
           std::int64_t record_budget = 0, std::size_t loops = 0)
      : schedule(s),
        runner(std::move(r)),
        user_count(s.peak_users()),
        recorder(s.tag_keys, user_count, 0, record_budget, loops),
        timeline(s),
        users(std::make_unique<UserSlot[]>(user_count)),
        free(user_count),
        timeout_error(s.iteration_timeout.count()
                          ? timeout_text(s.iteration_timeout)
                          : std::string()) {}

  const Schedule schedule;
  const std::shared_ptr<IterationRunner> runner;
  const std::size_t user_count;
  Recorder recorder;
  Timeline timeline;
  std::unique_ptr<UserSlot[]> users;
  FreeQueue free;                   // open model: idle users
  const std::string timeout_error;  // the text of an iteration_timeout

  // Written before `started` is set, read-only afterwards.
  // start: the schedule's start (resume_from before the load's, when it
  // resumes); load_start: when the load begins.
  Clock::time_point start, end, load_start;
  Clock::duration second_length{std::chrono::seconds(1)};  // series' rows
  std::atomic<std::uint32_t> started{0};
  std::atomic<std::uint32_t> stopping{0};
  // When the run was told to stop (Clock ticks), kNotStopped until then.
  std::atomic<std::int64_t> stopped_at{kNotStopped};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::size_t> exited{0};
  // The run's data rows (RunOptions::data), and when they ran out (Clock
  // ticks), kNotStopped until then: set before the stop it causes.
  std::shared_ptr<DataFeed> data;
  std::atomic<std::int64_t> data_out_at{kNotStopped};
  std::vector<pthread_t> threads;  // control thread only (users or loops)
  // A fiber run: hands an open-model arrival to its user's loop (set before
  // `started`); empty on threads, where the user waits on its `go` word.
  std::function<void(std::uint32_t)> hand_off;
  // Fiber runs: iterations that ran over kStall without yielding, and who
  // to tell of each user's first (RunOptions::on_stall).
  std::atomic<std::uint64_t> stalls{0};
  std::function<void(std::uint32_t, std::chrono::nanoseconds)> on_stall;
};

// A closed-model user's place in its schedule, kept between iterations.
struct ClosedPlace {
  std::uint64_t iteration = 0;
  Clock::time_point next;  // its next intended start
  // The last clock reading, always <= now.
  Clock::time_point known_now = Clock::time_point::min();
};

// The closed model in steps, so that a thread (closed_user) and a fiber loop
// (fibers/loop.cpp) run the same schedule: when the user's next iteration is
// due (maybe already; nullopt: it has none left) ...
std::optional<Clock::time_point> closed_due(RunState &st, std::uint32_t user,
                                            ClosedPlace &at);
// ... at that instant, the iteration marked in flight and its row picked
// (false: the user is done) ...
bool closed_begin(RunState &st, std::uint32_t user);
// ... and run and recorded (false: the user is done).
bool closed_iteration(RunState &st, std::uint32_t user, ClosedPlace &at,
                      IterationOutcome &out, std::string &key);
// The open model's one iteration handed to `user`, run and recorded, the
// user back in the free queue (false: the user is done).
bool open_iteration(RunState &st, std::uint32_t user, IterationOutcome &out,
                    std::string &key);

// Picks user's row for its next iteration, if the run has data; false when
// the rows ran out, which ends the run (user_loops.cpp).
bool pick_row(RunState &st, std::uint32_t user);

// The loops the user threads run (user_loops.cpp).
void closed_user(RunState &st, std::uint32_t user);
void open_user(RunState &st, std::uint32_t user);
void schedule_arrivals(RunState &st);

}  // namespace golo::agent::detail
