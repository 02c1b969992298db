#include "golo/agent/executor.h"

#include "executor_choice.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

using namespace golo::agent;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// An in-process runner: sleeps, then lets the test shape the outcome.
struct FakeRunner : IterationRunner {
  std::chrono::nanoseconds sleep{0};
  std::function<void(std::uint32_t, std::uint64_t, IterationOutcome &)> shape;
  std::atomic<std::uint64_t> calls{0};

  void run(std::uint32_t user, std::uint64_t iteration,
           IterationOutcome &out) override {
    calls.fetch_add(1);
    if (sleep.count() > 0) iteration_sleep(sleep);
    if (shape) shape(user, iteration, out);
  }
};

Schedule parse(const std::string &yaml) {
  return Schedule::parse(yaml, "t.yaml");
}

std::uint64_t series_iterations(const RunResults &r) {
  std::uint64_t n = 0;
  for (const auto &s : r.series) n += s.iterations;
  return n;
}

}  // namespace

// ThreadSanitizer slows every call and lock several times over on a shared
// 2-core machine: a TSan build checks the executor's races, and its timing
// only loosely.
#ifdef __SANITIZE_THREAD__
constexpr double kTimingSlack = 0.20;
#else
constexpr double kTimingSlack = 0.01;
#endif

TEST_CASE("executor closed model: users x duration / pacing iterations") {
  auto runner = std::make_shared<FakeRunner>();
  runner->sleep = 1ms;
  std::vector<Progress> progress;
  RunOptions opt;
  opt.on_progress = [&](const Progress &p) { progress.push_back(p); };
  const auto r = run_on_executor(
      parse("job: {name: x, users: 10, duration: 2s, pacing: 100ms}"), runner,
      opt);
  // Each user starts at 0, 0.1, ... 1.9 s: 20 each, exactly unless a start
  // was more than a pacing late; 1% tolerance for that.
  CHECK(r.total.iterations >= 200 * (1 - kTimingSlack));
  CHECK(r.total.iterations <= 202);
  CHECK(r.total.iterations == runner->calls.load());
  CHECK(r.total.errors == 0);
  CHECK(r.total.dropped == 0);
  CHECK(r.total.interrupted == 0);
  CHECK(r.total.latency.count() == r.total.iterations);
  CHECK(r.total.latency.min() >= 1'000'000);  // the runner sleeps 1 ms
  CHECK(r.duration_s == doctest::Approx(2.0));
  CHECK(r.rate() == doctest::Approx(100.0).epsilon(kTimingSlack));
  CHECK(series_iterations(r) == r.total.iterations);
  REQUIRE(r.tag_sets.size() == 1);
  CHECK(r.tag_sets[0].key == "");  // no tags returned
  REQUIRE(progress.size() >= 2);
  CHECK(progress[0].elapsed_s == doctest::Approx(1.0).epsilon(0.05));
  CHECK(progress[0].active_users == 10);
  CHECK(progress[0].interval_rate ==
        doctest::Approx(100).epsilon(std::max(0.05, kTimingSlack)));
  CHECK(progress[0].p50_us >= 1000.0);
  CHECK(progress.back().iterations == r.total.iterations);
  CHECK(r.schedule["job"]["users"] == 10);
}

TEST_CASE("executor closed model: back to back with errors and tags") {
  auto runner = std::make_shared<FakeRunner>();
  std::atomic<std::uint64_t> failed{0};
  runner->shape = [&](std::uint32_t, std::uint64_t it, IterationOutcome &out) {
    const bool bad = it % 3 == 0;
    out.tags.assign(
        {{"status", bad ? "500" : "200"}, {"id", std::to_string(it)}});
    if (bad) {
      out.error_flag = true;
      out.error_text = "boom";
      failed.fetch_add(1);
    }
  };
  const auto r = run_on_executor(
      parse("job: {name: x, users: 4, duration: 300ms, pacing: 0}"), runner);
  CHECK(r.total.iterations > 100);
  CHECK(r.total.errors == failed.load());
  REQUIRE(r.tag_sets.size() == 2);  // "id" does not split the statistics
  const auto *bad = r.find("status=500");
  const auto *good = r.find("status=200");
  REQUIRE(bad);
  REQUIRE(good);
  CHECK(bad->iterations == failed.load());
  CHECK(bad->errors == failed.load());
  CHECK(good->errors == 0);
  CHECK(bad->iterations + good->iterations == r.total.iterations);
  REQUIRE(bad->error_samples.size() == 1);
  CHECK(bad->error_samples[0] == ErrorSample{"boom", failed.load()});
  CHECK(bad->tags ==
        std::vector<std::pair<std::string, std::string>>{{"status", "500"}});
}

TEST_CASE("executor closed model: a runner that throws counts as failed") {
  auto runner = std::make_shared<FakeRunner>();
  runner->shape = [](std::uint32_t, std::uint64_t, IterationOutcome &) {
    throw std::runtime_error("plugin exploded");
  };
  const auto r = run_on_executor(
      parse("job: {name: x, users: 2, duration: 200ms, pacing: 50ms}"), runner);
  CHECK(r.total.iterations == 8);
  CHECK(r.total.errors == 8);
  REQUIRE(r.total.error_samples.size() == 1);
  CHECK(r.total.error_samples[0].text == "plugin exploded");
}

TEST_CASE("executor closed model: think time after each iteration") {
  auto runner = std::make_shared<FakeRunner>();
  runner->sleep = 20ms;
  const auto r = run_on_executor(parse("job: {name: x, users: 2, duration: 1s, "
                                       "pacing: 0, think_time: 80ms}"),
                                 runner);
  // One iteration per 100 ms (20 ms work + 80 ms think): 10 each, fewer if
  // sleeps overshoot.
  CHECK(r.total.iterations >= 18);
  CHECK(r.total.iterations <= 20);
}

TEST_CASE("executor closed model: stages ramp users") {
  auto runner = std::make_shared<FakeRunner>();
  std::mutex m;
  std::map<std::uint32_t, Clock::time_point> first;
  runner->shape = [&](std::uint32_t user, std::uint64_t, IterationOutcome &) {
    std::lock_guard lock(m);
    first.emplace(user, Clock::now());
  };
  const auto began = Clock::now();
  const auto r = run_on_executor(
      parse(
          "job:\n  name: x\n  pacing: 100ms\n  stages:\n"
          "    - {duration: 1s, users: 10}\n    - {duration: 1s, users: 10}\n"),
      runner);
  // User u joins when the ramp passes u (at u/10 s), then runs every 100 ms
  // to the end: sum over u of (20 - u) = 155.
  CHECK(r.total.iterations >= 153);
  CHECK(r.total.iterations <= 157);
  REQUIRE(first.size() == 10);
  // The ramp is measured from the earliest user, less its place in the ramp:
  // starting threads is no part of it (under ASan user 0's own start alone
  // can lag by ~7 ms, under TSan by ~70 ms). Every user then starts within
  // a few ms of its slot: 100 ms after the one before it.
  auto start = first.at(0);
  for (const auto &[user, at] : first) {
    start = std::min(start, at - user * 100ms);
  }
  CHECK(start - began < 1s);
  for (const auto &[user, at] : first) {
    CAPTURE(user);
    const auto offset = at - start - user * 100ms;
    CHECK(offset < (kTimingSlack > 0.05 ? 60ms : 30ms));
  }
  REQUIRE(r.series.size() >= 2);
  CHECK(r.series[1].active_users == 10);
}

TEST_CASE("executor open model: holds the arrival rate") {
  auto runner = std::make_shared<FakeRunner>();
  runner->sleep = 1ms;
  const auto r = run_on_executor(
      parse("job: {name: x, arrival_rate: 200, max_users: 20, duration: 2s}"),
      runner);
  CHECK(r.total.iterations >= 396);  // 200/s for 2 s, within 1%
  CHECK(r.total.iterations <= 404);
  CHECK(r.total.dropped == 0);
  CHECK(r.total.iterations + r.total.dropped + r.total.interrupted == 400);
  CHECK(r.rate() == doctest::Approx(200).epsilon(0.01));
}

TEST_CASE("executor open model: ramping rate") {
  auto runner = std::make_shared<FakeRunner>();
  const auto r = run_on_executor(
      parse("job: {name: x, max_users: 10, rate_stages: [{duration: 1s, rate: "
            "200}, {duration: 1s, rate: 200}]}"),
      runner);
  // 100 arrivals while ramping 0 -> 200/s, then 200.
  CHECK(r.total.iterations + r.total.dropped == 300);
  CHECK(r.total.dropped == 0);
}

TEST_CASE("executor open model: a 1 s stall shows in p99 and max") {
  auto runner = std::make_shared<FakeRunner>();
  std::mutex m;
  Clock::time_point stall_until{};
  runner->shape = [&](std::uint32_t, std::uint64_t it, IterationOutcome &) {
    Clock::time_point until;
    {
      std::lock_guard lock(m);
      if (it == 100) stall_until = Clock::now() + 1s;  // the target freezes
      until = stall_until;
    }
    iteration_sleep_until(until);
  };
  const auto r = run_on_executor(
      parse("job: {name: x, arrival_rate: 100, max_users: 200, duration: 3s}"),
      runner);
  CHECK(r.total.iterations == 300);
  CHECK(r.total.dropped == 0);
  // The 100 arrivals during the stall wait for its end: latencies spread
  // evenly up to 1 s; everything else is fast.
  const auto &h = r.total.latency;
  CHECK(h.max() >= 1'000'000'000);
  CHECK(h.max() < 1'200'000'000);
  CHECK(h.value_at_percentile(99) >= 950'000'000);
  CHECK(h.value_at_percentile(50) < 50'000'000);
}

TEST_CASE("executor open model: dropped when max_users is exhausted") {
  auto runner = std::make_shared<FakeRunner>();
  runner->sleep = 200ms;
  const auto r = run_on_executor(
      parse("job: {name: x, arrival_rate: 100, max_users: 5, duration: 1s}"),
      runner);
  // 5 users at 200 ms each serve at most 25 of the 100 arrivals (fewer on
  // a loaded machine, where wake-ups are late); none may go uncounted.
  CHECK(r.total.iterations + r.total.dropped + r.total.interrupted == 100);
  CHECK(r.total.dropped >= 65);
  CHECK(r.total.iterations >= 5);
  CHECK(r.total.iterations <= 30);
  std::uint64_t dropped = 0;
  for (const auto &s : r.series) dropped += s.dropped;
  CHECK(dropped == r.total.dropped);
}

TEST_CASE("executor: the stop token ends the run at once") {
  auto runner = std::make_shared<FakeRunner>();
  std::stop_source stop;
  RunOptions opt;
  opt.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop.request_stop();
  });
  const auto began = Clock::now();
  const auto r = run_on_executor(
      parse("job: {name: x, users: 5, duration: 60s, pacing: 100ms}"), runner,
      opt);
  const auto took = Clock::now() - began;
  stopper.join();
  CHECK(took < 1300ms);
  CHECK(r.duration_s == doctest::Approx(0.3).epsilon(0.2));
  CHECK(r.total.iterations >= 10);  // 5 users x 3 starts
  CHECK(r.total.iterations <= 25);
}

TEST_CASE("executor: graceful stop lets in-flight iterations finish") {
  auto runner = std::make_shared<FakeRunner>();
  runner->sleep = 300ms;
  const auto r = run_on_executor(
      parse("job: {name: x, users: 3, duration: 100ms, graceful_stop: 2s}"),
      runner);
  CHECK(r.total.iterations == 3);
  CHECK(r.total.interrupted == 0);
  CHECK(r.total.latency.min() >= 300'000'000);
}

TEST_CASE("executor: iterations past the graceful stop are interrupted") {
  auto runner = std::make_shared<FakeRunner>();
  std::atomic<bool> release{false};
  runner->shape = [&](std::uint32_t, std::uint64_t, IterationOutcome &) {
    while (!release.load()) std::this_thread::sleep_for(1ms);
  };
  const auto began = Clock::now();
  const auto r = run_on_executor(
      parse("job: {name: x, users: 2, duration: 100ms, graceful_stop: 200ms}"),
      runner);
  CHECK(Clock::now() - began < 800ms);
  CHECK(r.total.iterations == 0);
  CHECK(r.total.interrupted == 2);
  // The stuck threads still hold the runner; once they return they are
  // joined in the background and let go of it.
  CHECK(runner.use_count() > 1);
  release.store(true);
  for (int i = 0; i < 200 && runner.use_count() > 1; ++i)
    std::this_thread::sleep_for(5ms);
  CHECK(runner.use_count() == 1);
}

TEST_CASE(
    "executor: a host's tag sets beyond 1024 go to _other and are "
    "counted") {
  auto runner = std::make_shared<FakeRunner>();
  runner->shape = [](std::uint32_t, std::uint64_t it, IterationOutcome &out) {
    out.tags.assign({{"url", "/" + std::to_string(it % 1100)}});
  };
  // Long enough for 1,100 iterations even under TSan on fibers (~2k/s).
  const auto r = run_on_executor(
      parse(kTimingSlack > 0.05
                ? "job: {name: x, users: 1, duration: 3s, pacing: 0}"
                : "job: {name: x, users: 1, duration: 300ms, pacing: 0}"),
      runner);
  REQUIRE(r.total.iterations >= 1100);
  CHECK(r.tag_sets.size() == kMaxHostTagSets + 1);
  const auto *other = r.find("_other");
  REQUIRE(other);
  CHECK(other->iterations > 0);
  std::uint64_t sum = 0;
  for (const auto &s : r.tag_sets) sum += s.iterations;
  CHECK(sum == r.total.iterations);
}

TEST_CASE("executor: a thousand users are cheap") {
  auto runner = std::make_shared<FakeRunner>();
  const auto r = run_on_executor(
      parse("job: {name: x, users: 1000, duration: 1s}"), runner);
  CHECK(r.total.iterations == 1000);  // one each: go-lo's once a second
}
