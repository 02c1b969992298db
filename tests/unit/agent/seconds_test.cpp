// Each iteration in exactly one second of the series (issue 13, item 7): the
// second it ended in, as its user read the clock. The recorder's ring of
// per-second counters with known inputs, then the executor end to end: a
// paced run's seconds hold exactly what each second ran, and the series,
// the progress updates and the results add up to the same totals, after a
// stop and with a record of the graceful stop too.
#include <doctest/doctest.h>

#include <future>
#include <map>
#include <stdexcept>
#include <stop_token>
#include <thread>

#include "golo/agent/executor.h"

#include "executor_choice.h"
#include "recorder.h"

using namespace golo::agent;
using namespace golo::agent::detail;
using namespace std::chrono_literals;

namespace {

IterationOutcome with_step(const char *status, bool passed) {
  IterationOutcome out;
  out.tags.add("status", status);
  auto &step = out.steps.add();
  step.name = "login";
  step.duration_ns = 500;
  auto &check = out.checks.add();
  check.name = "ok";
  check.passed = passed;
  out.error_flag = !passed;
  return out;
}

std::uint64_t iterations_of(const std::vector<Recorder::SetCounts> &sets) {
  std::uint64_t n = 0;
  for (const auto &s : sets) n += s.iterations;
  return n;
}

// What the progress updates and the series of a run add up to.
struct Sums {
  std::vector<std::uint64_t> per_update;  // iterations of each update
  std::uint64_t iterations = 0, errors = 0, sets = 0, steps = 0, checks = 0;
  Histogram latency;
};

Sums sum_updates(const std::vector<Progress> &updates) {
  Sums s;
  std::uint64_t before = 0;
  for (const auto &p : updates) {
    std::uint64_t in_sets = 0;
    for (const auto &set : p.tag_sets) {
      in_sets += set.iterations;
      for (const auto &step : set.steps) s.steps += step.count;
      for (const auto &check : set.checks)
        s.checks += check.passes + check.fails;
    }
    // Each update's sets add up to its own interval.
    CHECK(in_sets == p.iterations - before);
    CHECK(Histogram::from_sparse(p.interval).count() == in_sets);
    s.per_update.push_back(p.iterations - before);
    s.sets += in_sets;
    s.latency.merge(Histogram::from_sparse(p.interval));
    before = p.iterations;
  }
  if (!updates.empty()) {
    s.iterations = updates.back().iterations;
    s.errors = updates.back().errors;
  }
  return s;
}

std::uint64_t series_iterations(const RunResults &r) {
  std::uint64_t n = 0;
  for (const auto &row : r.series) n += row.iterations;
  return n;
}

}  // namespace

TEST_CASE(
    "seconds: a record counts in its second, a late one in the next open") {
  Recorder rec({"status"}, 2);
  std::string key;
  const auto ok = with_step("200", true), bad = with_step("500", false);
  for (int i = 0; i < 3; ++i) rec.record(0, ok, 1000, key, nullptr, 0);
  rec.record(1, bad, 2000, key, nullptr, 0);
  for (int i = 0; i < 2; ++i) rec.record(1, ok, 3000, key, nullptr, 1);
  CHECK(rec.second_for(0) == 0);
  rec.close_second(0);
  // Closed: a record that read its end in second 0 only now goes to 1.
  CHECK(rec.second_for(0) == 1);
  CHECK(rec.second_for(2) == 2);
  std::vector<Recorder::SetCounts> sets;
  rec.harvest(0, sets);
  REQUIRE(sets.size() == 2);
  CHECK(iterations_of(sets) == 4);
  for (const auto &s : sets) {
    CHECK(s.latency.count() == s.iterations);
    REQUIRE(s.steps.size() == 1);
    CHECK(s.steps[0].count == s.iterations);
    REQUIRE(s.checks.size() == 1);
    CHECK(s.checks[0].passes + s.checks[0].fails == s.iterations);
  }
  // The set of "500": one iteration, one error, one failed check.
  const auto &err = sets[0].errors ? sets[0] : sets[1];
  CHECK(err.iterations == 1);
  CHECK(err.errors == 1);
  CHECK(err.checks[0].fails == 1);
  // Second 0's counters now hold second 4's: no wait, and empty.
  rec.record(0, ok, 4000, key, nullptr, 4);
  rec.close_second(1);
  rec.harvest(1, sets);
  REQUIRE(sets.size() == 1);
  CHECK(sets[0].iterations == 2);
  CHECK(sets[0].latency.min() == 3000);
  CHECK(sets[0].latency.max() == 3000);
  // Seconds are harvested in order only.
  CHECK_THROWS_AS(rec.harvest(3, sets), std::logic_error);
  CHECK_THROWS_AS(rec.harvest(2, sets), std::logic_error);  // still open
  // The totals: the seconds harvested plus those still in the ring.
  std::uint64_t total = 0, errors = 0, steps = 0;
  for (const auto &set : rec.tag_sets()) {
    total += set.iterations;
    errors += set.errors;
    for (const auto &step : set.steps) steps += step.count;
  }
  CHECK(total == 3 + 1 + 2 + 1);
  CHECK(errors == 1);
  CHECK(steps == total);
  rec.close_second(2);
  rec.harvest(2, sets);
  CHECK(sets.empty());
  rec.close_second(3);
  rec.harvest(3, sets);
  CHECK(sets.empty());
  rec.close_second(4);
  rec.harvest(4, sets);
  REQUIRE(sets.size() == 1);
  CHECK(sets[0].iterations == 1);
  CHECK(sets[0].latency.min() == 4000);  // second 0's counts did not leak
}

TEST_CASE("seconds: a paced run at 200 users shows exactly 200 per second") {
  // Every user starts at 0, 1 and 2 s and ends microseconds later, right
  // after the second's boundary, where the control thread wakes: each
  // iteration must count in the second it ended in, 200 in each.
  struct Fast : IterationRunner {
    void run(std::uint32_t user, std::uint64_t,
             IterationOutcome &out) override {
      out.tags.assign({{"half", user % 2 ? "odd" : "even"}});
      auto &step = out.steps.add();
      step.name = "s";
      step.duration_ns = 100;
      auto &check = out.checks.add();
      check.name = "c";
      check.passed = user % 3 != 0;
    }
  };
  std::vector<Progress> updates;
  RunOptions opt;
  opt.on_progress = [&](const Progress &p) { updates.push_back(p); };
  const RunResults r = run_on_executor(
      Schedule::parse(
          "job: {name: x, users: 200, pacing: 1s, duration: 3s, tags: [half]}",
          "t.yaml"),
      std::make_shared<Fast>(), opt);
  CHECK(r.total.iterations == 600);
  const Sums s = sum_updates(updates);
  CHECK(s.per_update == std::vector<std::uint64_t>{200, 200, 200});
  REQUIRE(r.series.size() == 3);
  for (const auto &row : r.series) CHECK(row.iterations == 200);
  CHECK(s.iterations == r.total.iterations);
  CHECK(s.latency.to_sparse() == r.total.latency.to_sparse());
  CHECK(s.steps == 600);
  CHECK(s.checks == 600);
  REQUIRE(r.tag_sets.size() == 2);
  for (const auto &set : r.tag_sets) CHECK(set.iterations == 300);
}

// Ends 50 ms from a boundary: a timing check the plain and ASan builds make;
// under TSan (fiber switches many times slower) only the races are checked.
#ifdef __SANITIZE_THREAD__
constexpr bool kBoundaryTiming = false;
#else
constexpr bool kBoundaryTiming = true;
#endif

TEST_CASE("seconds: ends just before and just after a boundary" *
          doctest::skip(!kBoundaryTiming)) {
  // Users start every 500 ms (rows of 500 ms): even users end 450 ms in,
  // just before the next boundary, odd users at once, just after theirs.
  struct Split : IterationRunner {
    void run(std::uint32_t user, std::uint64_t, IterationOutcome &) override {
      if (user % 2 == 0) iteration_sleep(450ms);
    }
  };
  std::vector<Progress> updates;
  RunOptions opt;
  opt.progress_interval = 500ms;
  opt.on_progress = [&](const Progress &p) { updates.push_back(p); };
  const RunResults r = run_on_executor(
      Schedule::parse(
          "job: {name: x, users: 20, pacing: 500ms, duration: 1500ms}",
          "t.yaml"),
      std::make_shared<Split>(), opt);
  CHECK(r.total.iterations == 60);
  CHECK(sum_updates(updates).per_update ==
        std::vector<std::uint64_t>{20, 20, 20});
  REQUIRE(r.series.size() == 3);
  for (const auto &row : r.series) CHECK(row.iterations == 20);
}

TEST_CASE("seconds: after a stop the series and updates add up to the totals") {
  struct Busy : IterationRunner {
    void run(std::uint32_t, std::uint64_t it, IterationOutcome &out) override {
      out.error_flag = it % 5 == 0;
      iteration_sleep(200us);
    }
  };
  std::vector<Progress> updates;
  std::stop_source stop;
  RunOptions opt;
  opt.progress_interval = 100ms;
  opt.stop = stop.get_token();
  // The stop comes 350 ms into the run, counted from its first row (100 ms
  // in), not from before the run: a slow start (TSan, a loaded machine)
  // must not shorten the run the test expects.
  std::promise<void> first_row;
  opt.on_progress = [&](const Progress &p) {
    updates.push_back(p);
    if (updates.size() == 1) first_row.set_value();
  };
  std::thread stopper([&, first = first_row.get_future()] {
    first.wait();
    std::this_thread::sleep_for(250ms);
    stop.request_stop();
  });
  const RunResults r = run_on_executor(
      Schedule::parse("job: {name: x, users: 4, pacing: 0, duration: 10s}",
                      "t.yaml"),
      std::make_shared<Busy>(), opt);
  stopper.join();
  CHECK(r.stopped_early);
  CHECK(r.total.iterations > 0);
  const Sums s = sum_updates(updates);
  CHECK(s.iterations == r.total.iterations);
  CHECK(s.errors == r.total.errors);
  CHECK(series_iterations(r) == r.total.iterations);
  CHECK(s.latency.to_sparse() == r.total.latency.to_sparse());
  CHECK(r.series.size() == updates.size());
  CHECK(r.series.size() >= 4);  // 350 ms in rows of 100 ms
  CHECK(r.series.size() <= 5);
}

TEST_CASE("seconds: an iteration ending in the graceful stop counts then") {
  // One user, one 450 ms iteration in a 300 ms run of 100 ms rows: it
  // ends in the fifth row, after the run's three (the fourth, empty, shows
  // the gap); nothing after it.
  struct Slow : IterationRunner {
    void run(std::uint32_t, std::uint64_t it, IterationOutcome &) override {
      if (it == 0) iteration_sleep(450ms);
    }
  };
  std::vector<Progress> updates;
  RunOptions opt;
  opt.progress_interval = 100ms;
  opt.on_progress = [&](const Progress &p) { updates.push_back(p); };
  const RunResults r = run_on_executor(
      Schedule::parse("job: {name: x, users: 1, pacing: 1s, duration: 300ms}",
                      "t.yaml"),
      std::make_shared<Slow>(), opt);
  CHECK(r.total.iterations == 1);
  REQUIRE(r.series.size() == 5);
  CHECK(r.series[4].iterations == 1);
  CHECK(series_iterations(r) == 1);
  CHECK(sum_updates(updates).per_update ==
        std::vector<std::uint64_t>{0, 0, 0, 0, 1});
}
