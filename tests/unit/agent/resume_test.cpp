// A schedule resumed part-way (RunOptions::resume_from, issue 20 item 8: a
// run taken up again on a new worker): only what is due from that instant
// runs, at the level the schedule then has, and the run's clock is the
// whole schedule's (seconds, duration, start).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "executor_choice.h"
#include "golo/agent/executor.h"
#include "timeline.h"

using namespace golo::agent;
using namespace std::chrono_literals;

namespace {

struct CountingRunner : IterationRunner {
  std::atomic<std::uint64_t> calls{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
    calls.fetch_add(1);
  }
};

Schedule parse(const std::string &yaml) {
  return Schedule::parse(yaml, "t.yaml");
}

RunResults resumed(const std::string &yaml, std::chrono::nanoseconds from,
                   std::shared_ptr<CountingRunner> runner,
                   std::vector<Progress> *progress = nullptr) {
  RunOptions opt;
  opt.resume_from = from;
  if (progress)
    opt.on_progress = [progress](const Progress &p) { progress->push_back(p); };
  return run_on_executor(parse(yaml), std::move(runner), opt);
}

}  // namespace

TEST_CASE("resume: the arrivals before an instant, counted as arrival() does") {
  const auto s = parse(
      "job: {name: x, max_users: 10, rate_stages: [{duration: 1s, rate: 200}, "
      "{duration: 1s, rate: 200}, {duration: 1s, rate: 50}]}");
  detail::Timeline every(s);
  std::vector<Nanos> at;
  for (std::uint64_t k = 0;; ++k) {
    const auto t = every.arrival(k);
    if (!t) break;
    at.push_back(*t);
  }
  for (const Nanos from : {Nanos{0}, Nanos{1}, Nanos(250ms), Nanos(500ms),
                           Nanos(1s), Nanos(1500ms), Nanos(2700ms), Nanos(3s),
                           Nanos(4s), at[137], at[137] + Nanos{1}}) {
    detail::Timeline t(s);
    std::uint64_t before = 0;
    while (before < at.size() && at[before] < from) ++before;
    CHECK_MESSAGE(t.first_arrival_from(from) == before, from.count());
  }
}

TEST_CASE(
    "resume: the closed model from 2 s of 3, at its level, seconds 3 on") {
  auto runner = std::make_shared<CountingRunner>();
  std::vector<Progress> progress;
  const auto r = resumed(
      "job:\n  name: x\n  pacing: 100ms\n  stages:\n"
      "    - {duration: 1s, users: 10}\n    - {duration: 2s, users: 10}\n",
      2s, runner, &progress);
  // 10 users for the last second: 10 slots each. None of the first 2 s.
  CHECK(r.total.iterations >= 99);
  CHECK(r.total.iterations <= 101);
  CHECK(r.total.iterations == runner->calls.load());
  CHECK(r.duration_s == doctest::Approx(3.0).epsilon(0.01));
  REQUIRE_FALSE(r.series.empty());
  CHECK(r.series.front().second == 3);  // nothing for the seconds not run
  CHECK(r.series.front().active_users == 10);
  REQUIRE_FALSE(progress.empty());
  CHECK(progress.front().elapsed_s == doctest::Approx(3.0).epsilon(0.02));
  CHECK(progress.back().iterations == r.total.iterations);
}

TEST_CASE("resume: mid-ramp, users already in run and the rest join later") {
  auto runner = std::make_shared<CountingRunner>();
  const auto r = resumed(
      "job:\n  name: x\n  pacing: 100ms\n  stages:\n"
      "    - {duration: 2s, users: 20}\n",
      1s, runner);
  // Users 0-9 are in at 1 s: 10 slots each; user u of 10-19 joins at u/10 s:
  // 20 - u slots. 100 + 55.
  CHECK(r.total.iterations >= 153);
  CHECK(r.total.iterations <= 157);
  CHECK(r.duration_s == doctest::Approx(2.0).epsilon(0.01));
}

TEST_CASE("resume: the open model runs exactly the arrivals from then on") {
  auto runner = std::make_shared<CountingRunner>();
  auto r = resumed(
      "job: {name: x, arrival_rate: 200, max_users: 20, "
      "duration: 2s}",
      1s, runner);
  CHECK(r.total.iterations + r.total.dropped + r.total.interrupted == 200);
  REQUIRE_FALSE(r.series.empty());
  CHECK(r.series.front().second == 2);
  // Ramping 0 -> 200/s over 1 s holds 100 arrivals, 25 of them before 0.5 s.
  r = resumed(
      "job: {name: x, max_users: 10, rate_stages: [{duration: 1s, rate: "
      "200}, {duration: 1s, rate: 200}]}",
      500ms, runner);
  CHECK(r.total.iterations + r.total.dropped + r.total.interrupted == 275);
}

TEST_CASE("resume: at or past the end, nothing runs") {
  auto runner = std::make_shared<CountingRunner>();
  for (const Nanos from : {Nanos(2s), Nanos(5s)}) {
    const auto r = resumed(
        "job: {name: x, users: 3, duration: 2s, pacing: 100ms}", from, runner);
    CHECK(r.total.iterations == 0);
  }
  CHECK(runner->calls.load() == 0);
}
