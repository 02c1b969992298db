#include "loop.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "golo/agent/executor.h"
#include "golo/agent/fiber.h"
#include "switch_notes.h"

namespace golo::agent::detail {

namespace ctx = boost::context;

struct Loop::Task {
  ctx::fiber self, caller;  // the fiber while parked; the loop while running
  std::uint32_t local = 0;
  Clock::time_point at{};      // while parked: when the wait times out
  std::size_t slot = kNoSlot;  // while parked: its place in deadlines_
  bool parked = false, cut = false, ok = false;
  bool stoppable = false;   // parked in a wait the stop ends
  bool io = false;          // parked on a descriptor (poke_io ends it)
  bool ready = false;       // woken by its descriptor (park_ready), not a timer
  std::uint32_t parks = 0;  // times it parked in this iteration
  int waiting_fd = -1;      // the descriptor it is parked on, if any
  SwitchNotes notes;
};

namespace {
thread_local Loop *t_loop = nullptr;
thread_local Loop::Task *t_task = nullptr;
// How long the loop sleeps at most without a timer due: how soon it sees a
// stop (which sets a word, not this loop's eventfd).
constexpr auto kStopCheck = std::chrono::milliseconds(20);
// Once the run is stopping, how often a fiber parked on a descriptor is
// woken to look whether the graceful stop has passed (before the stop it
// waits for its descriptor or its deadline only: a wake-up every 200 ms per
// request in flight was 95,000 a second at 19,000 users with slow answers).
constexpr auto kPoke = std::chrono::milliseconds(200);

// A watched descriptor's epoll data: bit 0 set (a Task's address never has
// it), the descriptor in the next kFdBits, its watch in the bits above, so
// an event of an earlier opening of the same number is told apart.
constexpr int kFdBits = 24;
constexpr std::uint64_t kFdMask = (std::uint64_t{1} << kFdBits) - 1;
constexpr std::uint64_t kWatchMask = (std::uint64_t{1} << (63 - kFdBits)) - 1;

std::uint64_t watch_data(int fd, std::uint64_t watch) {
  return 1u | (static_cast<std::uint64_t>(fd) << 1) | (watch << (kFdBits + 1));
}

// The epoll events that end a wait for poll's `events`.
std::uint32_t wanted(short events) {
  std::uint32_t want = EPOLLERR | EPOLLHUP;
  if (events & POLLIN) want |= EPOLLIN | EPOLLRDHUP;
  if (events & POLLOUT) want |= EPOLLOUT;
  return want;
}
}  // namespace

Loop::Loop(std::shared_ptr<RunState> st, std::uint32_t index,
           std::uint32_t count, std::size_t stack_size)
    : st_(std::move(st)),
      index_(index),
      count_(count),
      users_(static_cast<std::uint32_t>((st_->user_count - index + count - 1) /
                                        count)),
      stacks_(stack_size),
      places_(users_),
      outs_(users_),
      stalled_(users_, false) {
  key_.reserve(256);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  event_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (epoll_ < 0 || event_ < 0 ||
      epoll_ctl(epoll_, EPOLL_CTL_ADD, event_, &ev) != 0) {
    const int err = errno;
    if (epoll_ >= 0) close(epoll_);
    if (event_ >= 0) close(event_);
    throw std::runtime_error(std::string("cannot set up a fiber loop: ") +
                             std::strerror(err));
  }
}

Loop::~Loop() {
  close(epoll_);
  close(event_);
  for (auto &task : tasks_) task->notes.destroy();
}

Loop *Loop::current() { return t_loop; }

bool Loop::on_task() { return t_task != nullptr; }

void Loop::run() {
  t_loop = this;
  // A timer's wake-up as asked, not up to 50 µs later (the kernel's default
  // slack): a park until a pacing slot 200 ns ahead took 100 µs without it.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  while (st_->started.load() == 0) futex_wait(st_->started, 0);
  loop_notes_.enter_loop();
  clock_ = Clock::now();
  if (st_->schedule.model == Model::closed) start_closed();
  for (;;) {
    if (!stop_seen_ && st_->stopping.load()) {
      stop_seen_ = true;
      wake_parked();
      next_poke_ = clock_;
    }
    const auto now = clock_;
    while (!starts_.empty() && starts_.top().at <= now) {
      const std::uint32_t local = starts_.top().local;
      starts_.pop();
      start(local);
    }
    // Each resumed fiber takes its own entry out (suspend).
    while (Task *task = deadlines_.due(now)) resume(*task);
    if (stop_seen_ && now >= next_poke_) {
      poke_io();
      next_poke_ = now + kPoke;
    }
    drain_inbox();
    if (done()) break;
    wait_events(clock_);
  }
  st_->exited.fetch_add(users_);
  t_loop = nullptr;
}

void Loop::start_closed() {
  for (std::uint32_t local = 0; local < users_; ++local) {
    places_[local].next = st_->load_start;
    plan(local);
  }
}

void Loop::plan(std::uint32_t local) {
  const auto due = closed_due(*st_, index_ + local * count_, places_[local]);
  if (!due) return;
  starts_.push({*due, local});
}

void Loop::start(std::uint32_t local) {
  if (st_->stopping.load()) return;  // the user is done
  if (closed_begin(*st_, index_ + local * count_)) launch(local);
}

void Loop::body(Task &task) {
  const std::uint32_t user = index_ + task.local * count_;
  try {
    if (st_->schedule.model != Model::closed) {
      task.ok = open_iteration(*st_, user, outs_[task.local], key_);
      return;
    }
    do {
      task.parks = 0;
      task.ok = closed_iteration(*st_, user, places_[task.local],
                                 outs_[task.local], key_);
    } while (task.ok && again(task));
  } catch (...) {
    task.ok = false;  // the recorder out of memory: this user stops
  }
}

// A closed user back to back keeps its fiber for the next iteration when
// this one parked (so each still yields to the loop's other users): no
// fiber to end and make, no trip through starts_ and the loop, and the
// user's stack stays its own (at 1,000 connections, 2 of 4 switches per
// request and a cold stack each). False: as before, finished() plans it.
bool Loop::again(Task &task) {
  ClosedPlace &at = places_[task.local];
  if (task.parks == 0 || st_->stopping.load()) return false;
  const auto due = closed_due(*st_, index_ + task.local * count_, at);
  if (!due || *due > at.known_now) return false;
  if (closed_begin(*st_, index_ + task.local * count_)) return true;
  task.ok = false;  // the user is done (stopping, or rows ran out)
  return false;
}

void Loop::launch(std::uint32_t local) {
  Task *task;
  if (idle_tasks_.empty()) {
    tasks_.push_back(std::make_unique<Task>());
    task = tasks_.back().get();
    task->notes.create();
  } else {
    task = idle_tasks_.back();
    idle_tasks_.pop_back();
  }
  task->local = local;
  task->ok = false;
  ++in_flight_;
  ++fibers_started_;
  try {
    task->self = ctx::fiber(std::allocator_arg, PooledStack{&stacks_},
                            [this, task](ctx::fiber &&caller) {
                              task->caller = std::move(caller);
                              task->notes.entered(loop_notes_);
                              body(*task);
                              task->notes.leaving(loop_notes_, true);
                              return std::move(task->caller);
                            });
  } catch (const std::exception &) {
    // No stack to be had (vm.max_map_count, memory): the iteration runs on
    // the loop's own stack, where it cannot park (on_fiber() is false, so
    // the host's calls block as on a thread).
    body(*task);
    finished(*task);
    return;
  }
  task->notes.set_stack(stacks_.last());
  clock_ = Clock::now();  // after making the fiber: not the iteration's time
  resume(*task);
}

void Loop::resume(Task &task) {
  t_task = &task;
  task.notes.from_loop(loop_notes_);
  const auto began = clock_;
  task.self = std::move(task.self).resume();
  clock_ = Clock::now();
  const auto ran = clock_ - began;
  SwitchNotes::back_in_loop(loop_notes_);
  t_task = nullptr;
  if (ran > kStall) stalled(task.local, ran);
  if (!task.self) finished(task);
}

// The iteration ran `ran` without yielding: every other user of this loop
// waited that long. Counted each time, told once per user.
void Loop::stalled(std::uint32_t local, Clock::duration ran) {
  st_->stalls.fetch_add(1, std::memory_order_relaxed);
  if (stalled_[local]) return;
  stalled_[local] = true;
  if (!st_->on_stall) return;
  try {
    st_->on_stall(index_ + local * count_,
                  std::chrono::duration_cast<std::chrono::nanoseconds>(ran));
  } catch (...) {
    // A log line is not worth ending the loop for.
  }
}

void Loop::finished(Task &task) {
  --in_flight_;
  idle_tasks_.push_back(&task);
  if (st_->schedule.model == Model::closed && task.ok) plan(task.local);
}

bool Loop::park(Clock::time_point at, bool stoppable) {
  Task *task = t_task;
  if (stoppable && st_->stopping.load()) return false;
  if (Clock::now() >= at) return true;
  suspend(*task, at, stoppable);
  return !task->cut;
}

bool Loop::park_ready(int fd, short events, Clock::time_point at) {
  Task *task = t_task;
  epoll_event ev{};
  ev.events = EPOLLONESHOT | ((events & POLLIN) ? EPOLLIN : 0u) |
              ((events & POLLOUT) ? EPOLLOUT : 0u);
  ev.data.ptr = task;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    // Not a descriptor epoll takes, or one another fiber of this loop waits
    // on: wait for it as a thread would (blocking the loop meanwhile, so
    // for kPoke at most: false then, as a poke's).
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        std::clamp<Clock::duration>(at - Clock::now(), Clock::duration::zero(),
                                    kPoke));
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }
  task->ready = false;
  task->waiting_fd = fd;
  suspend(*task, at, false, true);
  task->waiting_fd = -1;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  return task->ready;
}

bool Loop::park_watched(int fd, short events, Clock::time_point at,
                        std::uint64_t watch) {
  watch &= kWatchMask;
  if (fd < 0 || static_cast<std::uint64_t>(fd) > kFdMask || watch == 0)
    return park_ready(fd, events, at);
  if (static_cast<std::size_t>(fd) >= watches_.size())
    watches_.resize(static_cast<std::size_t>(fd) + 1);
  if (watches_[fd].id != watch && !enroll(fd, watch))
    return park_ready(fd, events, at);
  Watch &w = watches_[fd];
  const std::uint32_t want = wanted(events);
  if (w.seen & want) {  // it came while nobody waited
    w.seen &= ~want;
    return true;
  }
  Task *task = t_task;
  w.waiter = task;
  w.want = want;
  task->ready = false;
  suspend(*task, at, false, true);
  watches_[fd].waiter = nullptr;  // by index: watches_ may have grown
  return task->ready;
}

// Registers this opening of fd for good: edge-triggered, both directions
// (closing fd takes it out of the epoll set).
bool Loop::enroll(int fd, std::uint64_t watch) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = watch_data(fd, watch);
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0 &&
      (errno != EEXIST || epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev) != 0))
    return false;
  watches_[fd] = Watch{watch, nullptr, 0, 0};
  return true;
}

void Loop::on_watched(std::uint64_t data, std::uint32_t events) {
  const auto fd = static_cast<std::size_t>((data >> 1) & kFdMask);
  if (fd >= watches_.size() || watches_[fd].id != data >> (kFdBits + 1))
    return;  // an earlier opening of the number
  Watch &w = watches_[fd];
  Task *task = w.waiter;
  if (task == nullptr || !task->parked || (events & w.want) == 0) {
    w.seen |= events;
    return;
  }
  w.seen |= events & ~w.want;
  w.waiter = nullptr;
  task->ready = true;
  resume(*task);
}

// Parks the running fiber until a timer at `at` (or its descriptor when
// `io`, or the stop when `stoppable`) resumes it.
void Loop::suspend(Task &task, Clock::time_point at, bool stoppable, bool io) {
  task.parked = true;
  ++task.parks;
  task.stoppable = stoppable;
  task.io = io;
  task.cut = false;
  deadlines_.set(task, at);
  task.notes.leaving(loop_notes_, false);
  task.caller = std::move(task.caller).resume();
  task.notes.entered(loop_notes_);
  deadlines_.erase(task);  // whatever woke it
  task.parked = false;
}

// The run is stopping: parked waits end now (the iteration decides what a
// cut wait means; the host's sleep returns GOLO_HTTP_STOPPED).
void Loop::wake_parked() {
  for (auto &task : tasks_)
    if (task->parked && task->stoppable) {
      task->cut = true;
      resume(*task);
    }
}

// Once the run is stopping, every kPoke: fibers parked on a descriptor
// wake (not ready) to look whether the graceful stop has passed, and park
// again if not.
void Loop::poke_io() {
  for (auto &task : tasks_)
    if (task->parked && task->io) {
      task->ready = false;
      resume(*task);
    }
}

void Loop::hand(std::uint32_t user) {
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.push_back((user - index_) / count_);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = write(event_, &one, sizeof one);
}

bool Loop::drain_inbox() {
  {
    std::lock_guard lock(inbox_mutex_);
    taking_.swap(inbox_);
  }
  for (const std::uint32_t local : taking_) launch(local);
  const bool any = !taking_.empty();
  taking_.clear();
  return any;
}

bool Loop::done() const {
  if (in_flight_ != 0) return false;
  if (st_->schedule.model == Model::closed)
    return stop_seen_ || starts_.empty();
  if (!stop_seen_) return false;
  std::lock_guard lock(inbox_mutex_);
  return inbox_.empty();
}

void Loop::wait_events(Clock::time_point now) {
  auto next = now + kStopCheck;
  if (!starts_.empty()) next = std::min(next, starts_.top().at);
  next = std::min(next, deadlines_.next());
  auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(next - now);
  if (wait.count() < 0) wait = {};
  timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
              static_cast<long>(wait.count() % 1'000'000'000)};
  // Up to a few hundred users' answers per call at 1,000 connections.
  epoll_event events[128];
  const int n = epoll_pwait2(epoll_, events, 128, &ts, nullptr);
  clock_ = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (events[i].data.u64 & 1) {
      on_watched(events[i].data.u64, events[i].events);
      continue;
    }
    auto *task = static_cast<Task *>(events[i].data.ptr);
    if (task == nullptr) {  // hand(): the inbox has arrivals
      std::uint64_t count;
      [[maybe_unused]] const auto r = read(event_, &count, sizeof count);
    } else if (task->parked && task->waiting_fd >= 0) {
      task->ready = true;
      resume(*task);
    }
  }
}

}  // namespace golo::agent::detail

namespace golo::agent {

std::uint64_t new_watch() noexcept {
  static std::atomic<std::uint64_t> next{0};
  std::uint64_t watch;
  do {
    watch =
        (next.fetch_add(1, std::memory_order_relaxed) + 1) & detail::kWatchMask;
  } while (watch == 0);
  return watch;
}

}  // namespace golo::agent
