// The fiber executor's event loop (RunOptions::loops): one thread, its users
// as Boost.Context fibers. A user that waits between iterations (pacing,
// ramping, the open model's next arrival) is a timer or a queue entry, not a
// fiber: a fiber and its stack exist only while an iteration is in flight,
// and it parks (agent/fiber.h) when the iteration waits on the host.
#pragma once

#include <sys/types.h>

#include <boost/context/fiber.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <vector>

#include "../run_state.h"
#include "stack_pool.h"
#include "switch_notes.h"

namespace golo::agent::detail {

class Loop {
 public:
  // Runs users index, index + count, index + 2 count ... of the run.
  Loop(std::shared_ptr<RunState> st, std::uint32_t index, std::uint32_t count,
       std::size_t stack_size);
  ~Loop();
  Loop(const Loop &) = delete;
  Loop &operator=(const Loop &) = delete;

  // The loop's thread: from the run's start until its users are done.
  void run();
  // Open model, from the scheduler's thread: `user` has an arrival.
  void hand(std::uint32_t user);
  // From a fiber of this loop (fiber.h): until `at`, or the stop when
  // `stoppable`; true when the whole wait passed.
  bool park(Clock::time_point at, bool stoppable);
  // From a fiber of this loop (fiber.h): until fd is ready for `events`
  // (POLLIN, POLLOUT) or `at`; true when it is ready. The stop does not end
  // it: I/O in flight is the graceful stop's to end.
  bool park_ready(int fd, short events, Clock::time_point at);
  // The same for a watched opening of fd (agent/fiber.h): registered once,
  // edge-triggered, its readiness kept between waits.
  bool park_watched(int fd, short events, Clock::time_point at,
                    std::uint64_t watch);
  static Loop *current();

  struct Task;  // one iteration in flight on a fiber

 private:
  struct Timer {
    Clock::time_point at;
    Task *task;           // a parked fiber to resume, or null ...
    std::uint32_t local;  // ... a closed-model user's next start
    std::uint64_t seq;    // the park it wakes (stale when the task moved on)
    bool operator>(const Timer &o) const { return at > o.at; }
  };

  // A descriptor registered for good (park_watched): which opening of it,
  // the fiber waiting on it and for what, and readiness nobody waited for.
  struct Watch {
    std::uint64_t id = 0;
    Task *waiter = nullptr;
    std::uint32_t want = 0, seen = 0;
  };

  bool enroll(int fd, std::uint64_t watch);
  void on_watched(std::uint64_t data, std::uint32_t events);
  void start_closed();
  void plan(std::uint32_t local);  // the closed user's next start, if any
  void fire(const Timer &t);
  void launch(std::uint32_t local);
  void body(Task &task);
  void resume(Task &task);
  void suspend(Task &task, Clock::time_point at, bool stoppable);
  void finished(Task &task);
  void stalled(std::uint32_t local, Clock::duration ran);
  void wake_parked();
  bool drain_inbox();
  bool done() const;
  void wait_events(Clock::time_point now);

  std::shared_ptr<RunState> st_;
  const std::uint32_t index_, count_, users_;
  StackPool stacks_;
  int epoll_ = -1, event_ = -1;  // epoll, and an eventfd for hand()
  std::vector<ClosedPlace> places_;
  std::vector<IterationOutcome> outs_;
  std::vector<Watch> watches_;  // by descriptor
  std::vector<bool> stalled_;   // users already told of (RunOptions::on_stall)
  std::string key_;             // the recorder's scratch: a record never parks
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::size_t pending_starts_ = 0;            // closed users with a start timer
  std::vector<std::unique_ptr<Task>> tasks_;  // every task, for the stop
  std::vector<Task *> idle_tasks_;
  std::size_t in_flight_ = 0;
  bool stop_seen_ = false;
  mutable std::mutex inbox_mutex_;
  std::vector<std::uint32_t> inbox_, taking_;
  LoopNotes loop_notes_;
};

}  // namespace golo::agent::detail
