// What only the fiber executor does: many users on two threads, waits that
// park, a stop that ends parked waits. The shared truth tests run here too
// (agent_fiber_tests builds them with GOLO_TEST_LOOPS=2).
#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "executor_choice.h"
#include "fibers/loop.h"
#include "golo/agent/executor.h"
#include "golo/agent/fiber.h"

using namespace golo::agent;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

int threads_now() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

struct Counting : IterationRunner {
  std::atomic<std::uint64_t> calls{0}, off_fiber{0};
  std::atomic<int> most_threads{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
    if (!on_fiber()) off_fiber.fetch_add(1);
    if (calls.fetch_add(1) % 1000 == 0) {
      const int n = threads_now();
      int seen = most_threads.load();
      while (n > seen && !most_threads.compare_exchange_weak(seen, n)) {
      }
    }
  }
};

// Parks in the host's way: a stop ends the wait.
struct Parking : IterationRunner {
  std::chrono::nanoseconds wait{10s};
  std::atomic<std::uint64_t> cut{0}, whole{0}, parked{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &out) override {
    parked.fetch_add(1);
    if (park_until(Clock::now() + wait))
      whole.fetch_add(1);
    else
      cut.fetch_add(1);
    out.error_flag = false;
  }
};

// ThreadSanitizer makes each fiber switch and start many times slower: its
// build checks the races, and the timing only loosely.
#ifdef __SANITIZE_THREAD__
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif

}  // namespace

TEST_CASE("fiber executor: 10000 paced users run exact counts on two loops") {
  auto runner = std::make_shared<Counting>();
  const int before = threads_now();
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 10000, duration: 3s, "
                      "pacing: 1s, graceful_stop: 10s}",
                      "t.yaml"),
      runner);
  // Each user starts at 0, 1 and 2 s: exactly three each.
  CHECK(r.total.iterations == 30000);
  CHECK(runner->calls.load() == 30000);
  CHECK(r.total.errors == 0);
  CHECK(r.total.interrupted == 0);
  CHECK(runner->off_fiber.load() == 0);
  // Two loop threads, not ten thousand user threads.
  CHECK(runner->most_threads.load() <= before + 4);
}

TEST_CASE("fiber executor: a stop ends waits parked on the loop") {
  auto runner = std::make_shared<Parking>();
  std::stop_source stop;
  RunOptions opt;
  opt.stop = stop.get_token();
  // The stop comes once every user is parked (under TSan, starting 50
  // fibers alone can take longer than the 300 ms it takes otherwise).
  std::thread stopper([&] {
    const auto give_up = Clock::now() + 20s;
    while (runner->parked.load() < 50 && Clock::now() < give_up)
      std::this_thread::sleep_for(10ms);
    stop.request_stop();
  });
  const auto began = Clock::now();
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 50, duration: 60s, "
                      "graceful_stop: 30s}",
                      "t.yaml"),
      runner, opt);
  stopper.join();
  // Every user was parked in a 10 s wait: the stop cut all 50 at once, and
  // their iterations ended and were counted, not interrupted.
  CHECK(Clock::now() - began < (kTsan ? 25s : 5s));
  CHECK(r.stopped_early);
  CHECK(runner->cut.load() == 50);
  CHECK(runner->whole.load() == 0);
  CHECK(r.total.iterations == 50);
  CHECK(r.total.interrupted == 0);
}

TEST_CASE("fiber executor: the natural end ends parked waits too") {
  auto runner = std::make_shared<Parking>();
  runner->wait = 100ms;
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 20, duration: 1s, pacing: 0}",
                      "t.yaml"),
      runner);
  // 100 ms waits back to back: about 10 whole ones each, then the end cuts
  // the one in flight (counted: it ended within the graceful stop).
  CHECK(runner->whole.load() >= 20 * (kTsan ? 5 : 8));
  CHECK(runner->cut.load() <= 20);
  CHECK(r.total.iterations == runner->whole.load() + runner->cut.load());
  CHECK(r.total.interrupted == 0);
}

TEST_CASE("fiber executor: a thread run is not on a fiber") {
  auto runner = std::make_shared<Counting>();
  RunOptions opt;
  opt.loops = 0;
  const auto r = run_schedule(
      Schedule::parse("job: {name: x, users: 3, duration: 1s}", "t.yaml"),
      runner, opt);
  CHECK(r.total.iterations == 3);
  CHECK(runner->off_fiber.load() == 3);
}

TEST_CASE("fiber executor: an iteration that blocks its loop is a stall") {
  // 30 ms of libc sleep: the loop thread itself sleeps, its other users
  // wait. 4 users, 2 iterations each: 8 stalls, each user told once.
  struct Blocking : IterationRunner {
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      std::this_thread::sleep_for(30ms);
    }
  };
  std::mutex m;
  std::map<std::uint32_t, int> told;
  RunOptions opt;
  opt.on_stall = [&](std::uint32_t user, std::chrono::nanoseconds ran) {
    std::lock_guard lock(m);
    ++told[user];
    CHECK(ran >= 30ms);
  };
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 4, duration: 1s, pacing: 500ms}",
                      "t.yaml"),
      std::make_shared<Blocking>(), opt);
  CHECK(r.total.iterations == 8);
  CHECK(r.stalls == 8);
  CHECK(told.size() == 4);
  for (const auto &[user, times] : told) CHECK(times == 1);
  // Parked waits are no stall.
  auto parking = std::make_shared<Parking>();
  parking->wait = 30ms;
  const auto p = run_on_executor(
      Schedule::parse("job: {name: x, users: 4, duration: 1s, pacing: 500ms}",
                      "t.yaml"),
      parking);
  CHECK(p.total.iterations == 8);
  CHECK(p.stalls == 0);
}

TEST_CASE(
    "fiber executor: a wait on a descriptor parks until it is ready or its "
    "time passes") {
  // 10 users wait on one pipe that a byte makes readable 200 ms in (nobody
  // reads it, so it stays readable for all), and on another that never is.
  int ready[2], never[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(never) == 0);
  struct OnPipes : IterationRunner {
    int ready_fd = -1, never_fd = -1;
    std::atomic<int> woke{0}, timed_out{0}, parked_at_once{0}, parked{0};
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      const int now_parked = parked.fetch_add(1) + 1;
      int seen = parked_at_once.load();
      while (now_parked > seen &&
             !parked_at_once.compare_exchange_weak(seen, now_parked)) {
      }
      // A descriptor of its own, as each user's connection is (epoll takes
      // one registration per descriptor).
      const int mine = dup(ready_fd), other = dup(never_fd);
      if (park_until_ready(mine, POLLIN, Clock::now() + 5s)) woke++;
      parked.fetch_sub(1);
      if (!park_until_ready(other, POLLIN, Clock::now() + 50ms)) timed_out++;
      close(mine);
      close(other);
    }
  };
  auto runner = std::make_shared<OnPipes>();
  runner->ready_fd = ready[0];
  runner->never_fd = never[0];
  std::thread writer([&] {
    std::this_thread::sleep_for(200ms);
    [[maybe_unused]] const auto n = write(ready[1], "x", 1);
  });
  const auto began = Clock::now();
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 10, duration: 1s, pacing: 5s}",
                      "t.yaml"),
      runner);
  writer.join();
  for (int fd : {ready[0], ready[1], never[0], never[1]}) close(fd);
  CHECK(r.total.iterations == 10);
  CHECK(runner->woke.load() == 10);
  CHECK(runner->timed_out.load() == 10);
  // All 10 waited at once on the 2 loops' threads: none blocked its loop.
  CHECK(runner->parked_at_once.load() == 10);
  CHECK(r.stalls == 0);
  CHECK(Clock::now() - began < (kTsan ? 20s : 5s));
}

TEST_CASE(
    "fiber executor: user u runs on loop u % loops, the recorder's shard for "
    "it") {
  // Recorder::shard_index gives a fiber run's user u shard u % loops: that
  // shard is written by one thread only if every user with the same
  // remainder runs on one loop thread, and the others on other threads.
  struct Where : IterationRunner {
    std::mutex m;
    std::map<std::uint32_t, std::set<std::thread::id>> threads;
    void run(std::uint32_t user, std::uint64_t, IterationOutcome &) override {
      std::lock_guard lock(m);
      threads[user].insert(std::this_thread::get_id());
    }
  };
  auto runner = std::make_shared<Where>();
  RunOptions options;
  options.loops = 3;
  const auto r =
      run_schedule(Schedule::parse("job: {name: x, users: 12, duration: 1s, "
                                   "pacing: 100ms, graceful_stop: 10s}",
                                   "t.yaml"),
                   runner, options);
  CHECK(r.total.iterations >= 12);
  REQUIRE(runner->threads.size() == 12);
  std::map<std::uint32_t, std::thread::id> of_loop;
  std::set<std::thread::id> all;
  for (const auto &[user, ids] : runner->threads) {
    REQUIRE(ids.size() == 1);
    const auto id = *ids.begin();
    all.insert(id);
    const auto [it, fresh] = of_loop.emplace(user % 3, id);
    CHECK(it->second == id);
  }
  CHECK(all.size() == 3);
}

TEST_CASE(
    "fiber executor: a watched descriptor keeps readiness nobody waited for, "
    "and a new opening of its number starts afresh") {
  // One user on a socket pair, as a kept-alive connection is waited on: the
  // loop registers it once, edge-triggered (agent/fiber.h's watch).
  struct Watched : IterationRunner {
    std::atomic<int> first_timed_out{0}, woke{0}, kept{0}, fresh_waited{0},
        fresh_woke{0}, same_number{0};
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      int p[2], q[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) != 0) return;
      const std::uint64_t w1 = new_watch();
      char buf[8];
      if (!park_until_ready(p[0], POLLIN, Clock::now() + 50ms, w1))
        first_timed_out++;
      [[maybe_unused]] auto n = write(p[1], "x", 1);
      if (park_until_ready(p[0], POLLIN, Clock::now() + 5s, w1)) woke++;
      n = read(p[0], buf, sizeof buf);
      // The byte comes while the fiber sleeps: its edge is reported to
      // nobody, and must not be lost for the next wait.
      n = write(p[1], "y", 1);
      park_until(Clock::now() + 100ms);
      if (park_until_ready(p[0], POLLIN, Clock::now() + 5s, w1)) kept++;
      n = read(p[0], buf, sizeof buf);
      // Readiness of the old opening is seen again, then the number is
      // reused by a socket with nothing to read.
      n = write(p[1], "z", 1);
      park_until(Clock::now() + 100ms);
      const int number = p[0];
      close(p[1]);
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, q) != 0) return;
      if (dup2(q[0], number) == number) same_number++;
      close(q[0]);
      const std::uint64_t w2 = new_watch();
      if (!park_until_ready(number, POLLIN, Clock::now() + 100ms, w2))
        fresh_waited++;
      n = write(q[1], "q", 1);
      if (park_until_ready(number, POLLIN, Clock::now() + 5s, w2)) fresh_woke++;
      close(number);
      close(q[1]);
    }
  };
  auto runner = std::make_shared<Watched>();
  const auto began = Clock::now();
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 1, duration: 1s, pacing: 10s}",
                      "t.yaml"),
      runner);
  CHECK(r.total.iterations == 1);
  CHECK(runner->first_timed_out.load() == 1);
  CHECK(runner->woke.load() == 1);
  CHECK(runner->kept.load() == 1);
  CHECK(runner->same_number.load() == 1);
  CHECK(runner->fresh_waited.load() == 1);
  CHECK(runner->fresh_woke.load() == 1);
  // A lost edge would have waited its whole 5 s.
  CHECK(Clock::now() - began < (kTsan ? 20s : 4s));
}

TEST_CASE(
    "fiber executor: waits woken by their descriptor leave no deadline "
    "behind") {
  // 4 users each park 2,000 times on a socket made ready just before, with
  // a deadline a minute away. A loop that kept each park's deadline until
  // it was due held 2,000 per user a minute later (8,000 here, 900,000 at
  // 15,000 requests a second with 30 s timeouts); it holds one per parked
  // fiber.
  struct Ready : IterationRunner {
    std::atomic<int> woke{0};
    std::atomic<std::size_t> most{0};
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      int p[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) != 0) return;
      const std::uint64_t w = new_watch();
      char buf[8];
      for (int i = 0; i < 2000; ++i) {
        [[maybe_unused]] auto n = write(p[1], "x", 1);
        if (park_until_ready(p[0], POLLIN, Clock::now() + 60s, w)) woke++;
        n = read(p[0], buf, sizeof buf);
        const std::size_t held = detail::Loop::current()->deadlines_held();
        std::size_t seen = most.load();
        while (held > seen && !most.compare_exchange_weak(seen, held)) {
        }
      }
      close(p[0]);
      close(p[1]);
    }
  };
  auto runner = std::make_shared<Ready>();
  const auto began = Clock::now();
  const auto r = run_on_executor(
      Schedule::parse("job: {name: x, users: 4, duration: 1s, pacing: 10s}",
                      "t.yaml"),
      runner);
  CHECK(r.total.iterations == 4);
  CHECK(runner->woke.load() == 4 * 2000);
  // At most the 2 parked users of the other loop, as each reads its own.
  CHECK(runner->most.load() <= 4);
  CHECK(Clock::now() - began < (kTsan ? 30s : 10s));
}

TEST_CASE(
    "fiber executor: a wait on a descriptor sleeps to its deadline until the "
    "run stops, then wakes to look") {
  // One user waits on a socket that never becomes ready, with a deadline a
  // minute away. Nothing wakes it before the stop; after it, the loop wakes
  // it (not ready) within about 200 ms, so the host's I/O can see whether
  // the graceful stop has passed.
  struct Silent : IterationRunner {
    std::atomic<int> wakes{0}, ready{0};
    std::atomic<Clock::rep> woke_at{0};
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      int p[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) != 0) return;
      if (park_until_ready(p[0], POLLIN, Clock::now() + 60s, new_watch()))
        ready++;
      wakes++;
      woke_at = Clock::now().time_since_epoch().count();
      close(p[0]);
      close(p[1]);
    }
  };
  auto runner = std::make_shared<Silent>();
  std::stop_source stop;
  RunOptions opt;
  opt.stop = stop.get_token();
  std::atomic<Clock::rep> stopped_at{0};
  std::thread stopper([&] {
    std::this_thread::sleep_for(500ms);
    stopped_at = Clock::now().time_since_epoch().count();
    stop.request_stop();
  });
  const auto r =
      run_on_executor(Schedule::parse("job: {name: x, users: 1, duration: 60s, "
                                      "graceful_stop: 60s}",
                                      "t.yaml"),
                      runner, opt);
  stopper.join();
  CHECK(r.total.iterations == 1);
  CHECK(runner->ready.load() == 0);
  CHECK(runner->wakes.load() == 1);
  const auto after =
      Clock::duration(runner->woke_at.load() - stopped_at.load());
  CHECK(after >= 0ms);  // not before the stop
  CHECK(after < (kTsan ? 10s : 3s));
}

TEST_CASE(
    "fiber executor: a closed user back to back keeps its fiber while its "
    "iterations park, and only then") {
  // Each iteration of a parking user runs on the fiber of the one before
  // (no fiber to end and make per iteration); one that never parks ends its
  // fiber each time, so the loop's other users get their turn.
  struct Notes : IterationRunner {
    bool parks = true;
    std::atomic<std::uint64_t> calls{0}, most_fibers{0};
    void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
      calls.fetch_add(1);
      if (parks) park_until(Clock::now() + 200us);
      const std::uint64_t n = detail::Loop::current()->fibers_started();
      std::uint64_t seen = most_fibers.load();
      while (n > seen && !most_fibers.compare_exchange_weak(seen, n)) {
      }
    }
  };
  for (const bool parks : {true, false}) {
    CAPTURE(parks);
    auto runner = std::make_shared<Notes>();
    runner->parks = parks;
    const auto r = run_on_executor(
        Schedule::parse("job: {name: x, users: 4, duration: 500ms, pacing: 0}",
                        "t.yaml"),
        runner);
    CHECK(r.total.iterations == runner->calls.load());
    CHECK(r.total.iterations > 40);
    // 2 users per loop; a fiber per iteration otherwise.
    if (parks)
      CHECK(runner->most_fibers.load() <= 2);
    else
      CHECK(runner->most_fibers.load() > 20);
  }
}
