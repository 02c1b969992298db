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
#include "deadlines.h"
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
  // it (I/O in flight is the graceful stop's to end), but once the run is
  // stopping it ends early every kPoke (false), so the caller can look.
  bool park_ready(int fd, short events, Clock::time_point at);
  // The same for a watched opening of fd (agent/fiber.h): registered once,
  // edge-triggered, its readiness kept between waits.
  bool park_watched(int fd, short events, Clock::time_point at,
                    std::uint64_t watch);
  static Loop *current();
  static bool on_task();  // on a fiber of the calling thread's loop
  // For tests: the deadlines of parked fibers the loop holds.
  std::size_t deadlines_held() const { return deadlines_.size(); }
  // For tests: the fibers it has started.
  std::uint64_t fibers_started() const { return fibers_started_; }

  struct Task;  // one iteration in flight on a fiber

 private:
  struct Start {  // a closed-model user's next start
    Clock::time_point at;
    std::uint32_t local;
    bool operator>(const Start &o) const { return at > o.at; }
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
  void start(std::uint32_t local);
  void launch(std::uint32_t local);
  void body(Task &task);
  bool again(Task &task);  // a closed user's next iteration, on this fiber
  void resume(Task &task);
  void suspend(Task &task, Clock::time_point at, bool stoppable,
               bool io = false);
  void finished(Task &task);
  void stalled(std::uint32_t local, Clock::duration ran);
  void wake_parked();
  void poke_io();
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
  std::priority_queue<Start, std::vector<Start>, std::greater<>> starts_;
  Deadlines<Task> deadlines_;  // of parked fibers, one entry each
  std::vector<std::unique_ptr<Task>> tasks_;  // every task, for the stop
  std::vector<Task *> idle_tasks_;
  std::size_t in_flight_ = 0;
  std::uint64_t fibers_started_ = 0;
  bool stop_seen_ = false;
  Clock::time_point next_poke_{};  // once stopping: the next poke_io()
  // The loop's latest clock reading: after its wait and after each fiber it
  // resumed, so one reading a resume, not two, and none more a turn. Until
  // it is used, only the loop's own bookkeeping runs (sub-microsecond).
  Clock::time_point clock_{};
  mutable std::mutex inbox_mutex_;
  std::vector<std::uint32_t> inbox_, taking_;
  LoopNotes loop_notes_;
};

}  // namespace golo::agent::detail
