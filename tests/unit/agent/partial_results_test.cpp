// Nothing lost, nothing misreported (issue 9): a run stopped early says so,
// a host's progress updates add up exactly to what it had measured, an
// iteration over iteration_timeout is a timeout error, and a schedule over
// 1 MiB is refused before parsing.
#include <doctest/doctest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stop_token>
#include <thread>

#include "golo/agent/executor.h"

#include "executor_choice.h"
#include "golo/agent/report.h"
#include "golo/agent/results.h"
#include "golo/agent/schedule.h"
#include "golo/agent/series.h"

using namespace golo::agent;
using namespace std::chrono_literals;

namespace {

// Sleeps `sleep` per call, except every `slow_every`-th call, `slow`.
struct SleepRunner : IterationRunner {
  std::chrono::nanoseconds sleep{0}, slow{0};
  std::uint64_t slow_every = 0;
  std::atomic<std::uint64_t> calls{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
    const auto n = calls.fetch_add(1) + 1;
    iteration_sleep(slow_every && n % slow_every == 0 ? slow : sleep);
  }
};

// Sleeps 1 ms; tags its calls "kind=a" (every third) or "kind=b", with a
// step, a check and an error now and then, so that each tag set has all of
// what a set's results hold.
struct TaggedRunner : IterationRunner {
  std::atomic<std::uint64_t> calls{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &out) override {
    const auto n = calls.fetch_add(1) + 1;
    iteration_sleep(1ms);
    out.tags.assign({{"kind", n % 3 == 0 ? "a" : "b"}});
    auto &step = out.steps.add();
    step.name = n % 2 ? "odd" : "even";
    step.duration_ns = static_cast<std::int64_t>(n % 7 + 1) * 1000;
    step.failed = n % 4 == 0;
    auto &check = out.checks.add();
    check.name = "ok";
    check.passed = n % 5 != 0;
    out.error_flag = n % 5 == 0;
  }
};

Schedule parse(const std::string &yaml) {
  return Schedule::parse(yaml, "t.yaml");
}

}  // namespace

TEST_CASE("progress log: the intervals received add up to the host's run") {
  auto runner = std::make_shared<SleepRunner>();
  runner->sleep = 1ms;
  ProgressLog log;
  log.add(Progress{});  // the start marker every host sends first
  CHECK(log.started());
  RunOptions opt;
  opt.progress_interval = 200ms;
  opt.on_progress = [&](const Progress &p) { log.add(p); };
  const auto full =
      run_on_executor(parse("job: {name: x, users: 4, duration: 1s, "
                            "pacing: 30ms}"),
                      runner, opt);
  const RunResults part = log.results(full.schedule);
  // Every update arrived, so the log holds the run exactly: counts,
  // histogram counters, and the series second by second.
  CHECK(part.partial);
  CHECK_FALSE(full.partial);
  CHECK(part.total.iterations == full.total.iterations);
  CHECK(part.total.errors == full.total.errors);
  CHECK(part.total.latency.count() == full.total.latency.count());
  CHECK(part.total.latency.to_sparse() == full.total.latency.to_sparse());
  REQUIRE(part.series.size() == full.series.size());
  for (std::size_t i = 0; i < part.series.size(); ++i) {
    CHECK(part.series[i].second == full.series[i].second);
    CHECK(part.series[i].iterations == full.series[i].iterations);
    CHECK(part.series[i].latency == full.series[i].latency);
  }
  CHECK(part.duration_s >= full.duration_s);  // the last tick ends it

  // Lost after the first two updates: exactly what those two carried.
  ProgressLog cut;
  std::vector<Progress> updates;
  RunOptions opt2 = opt;
  opt2.on_progress = [&](const Progress &p) { updates.push_back(p); };
  run_on_executor(parse("job: {name: x, users: 2, duration: 1s, pacing: 50ms}"),
                  runner, opt2);
  REQUIRE(updates.size() >= 3);
  cut.add(Progress{});
  cut.add(updates[0]);
  cut.add(updates[1]);
  const auto lost = cut.results(nlohmann::json::object());
  CHECK(lost.total.iterations == updates[1].iterations);
  CHECK(lost.total.latency.count() == updates[1].iterations);
  CHECK(lost.duration_s == updates[1].elapsed_s);
  REQUIRE(lost.series.size() == 2);
  CHECK(lost.series[0].iterations + lost.series[1].iterations ==
        updates[1].iterations);
}

TEST_CASE("progress log: each tag set is its intervals added up, exactly") {
  auto runner = std::make_shared<TaggedRunner>();
  ProgressLog log;
  log.add(Progress{});
  RunOptions opt;
  opt.progress_interval = 200ms;
  opt.on_progress = [&](const Progress &p) { log.add(p); };
  // Pacing: the closed model's corrected histograms are there per set.
  const auto full = run_on_executor(
      parse("job: {name: x, users: 4, duration: 1s, pacing: 20ms, "
            "tags: [kind]}"),
      runner, opt);
  const RunResults part = log.results(full.schedule);
  REQUIRE(full.tag_sets.size() == 2);
  REQUIRE(part.tag_sets.size() == full.tag_sets.size());
  for (std::size_t i = 0; i < full.tag_sets.size(); ++i) {
    const TagSetStats &a = part.tag_sets[i], &b = full.tag_sets[i];
    CAPTURE(b.key);
    CHECK(a.key == b.key);
    CHECK(a.tags == b.tags);
    CHECK(a.iterations == b.iterations);
    CHECK(a.errors == b.errors);
    CHECK(a.missed == b.missed);
    CHECK(a.latency.to_sparse() == b.latency.to_sparse());
    CHECK(b.corrected.count() == b.iterations + b.missed);
    CHECK(a.corrected.to_sparse() == b.corrected.to_sparse());
    REQUIRE(a.steps.size() == b.steps.size());
    for (std::size_t k = 0; k < a.steps.size(); ++k) {
      CHECK(a.steps[k].name == b.steps[k].name);
      CHECK(a.steps[k].count == b.steps[k].count);
      CHECK(a.steps[k].errors == b.steps[k].errors);
      CHECK(a.steps[k].latency.to_sparse() == b.steps[k].latency.to_sparse());
    }
    REQUIRE(a.checks.size() == 1);
    CHECK(a.checks == b.checks);
    CHECK(a.error_samples.empty());  // texts travel only in the results
  }
  CHECK(full.tag_sets[0].errors > 0);
}

TEST_CASE("results: stopped_early and partial round trip, merge, and print") {
  RunResults a, b;
  a.schedule = {{"job", {{"name", "x"}}}};
  a.total.add_iteration(1'000'000, false);
  b.total.add_iteration(2'000'000, false);
  b.stopped_early = true;
  b.duration_s = 1.5;
  const auto j = nlohmann::json::parse(b.to_json().dump());
  CHECK(j.at("stopped_early") == true);
  CHECK(j.at("partial") == false);
  CHECK(RunResults::from_json(j).stopped_early);
  // Results written before these fields existed still read, as complete.
  auto old = a.to_json();
  old.erase("stopped_early");
  old.erase("partial");
  const auto read = RunResults::from_json(old);
  CHECK_FALSE(read.stopped_early);
  CHECK_FALSE(read.partial);
  a.merge(b);
  CHECK(a.stopped_early);
  CHECK(a.total.iterations == 2);
  std::ostringstream out;
  print_summary(out, a);
  CHECK_MESSAGE(out.str().find("stopped early after 1.50s: these results "
                               "hold what ran until then") != std::string::npos,
                out.str());
}

TEST_CASE("executor: a stopped run is marked stopped early, an ended one not") {
  auto runner = std::make_shared<SleepRunner>();
  const auto done = run_on_executor(
      parse("job: {name: x, users: 2, duration: 300ms, pacing: 100ms}"),
      runner);
  CHECK_FALSE(done.stopped_early);
  std::stop_source stop;
  RunOptions opt;
  opt.stop = stop.get_token();
  bool started = false;
  opt.on_start = [&] { started = true; };
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop.request_stop();
  });
  const auto cut = run_on_executor(
      parse("job: {name: x, users: 2, duration: 60s, pacing: 100ms}"), runner,
      opt);
  stopper.join();
  CHECK(started);
  CHECK(cut.stopped_early);
  CHECK(cut.duration_s < 2);
  CHECK(cut.total.iterations >= 2);
}

TEST_CASE("executor: iterations over iteration_timeout are timeout errors") {
  // Every 4th call takes 120 ms, the others 1 ms; the timeout is 50 ms.
  const auto expected = timeout_text(50ms);
  CHECK(expected ==
        "timeout: the iteration took longer than iteration_timeout 50.0ms");
  for (const char *model :
       {"users: 2, pacing: 0", "arrival_rate: 50, max_users: 10"}) {
    CAPTURE(model);
    auto runner = std::make_shared<SleepRunner>();
    runner->sleep = 1ms;
    runner->slow = 120ms;
    runner->slow_every = 4;
    const auto r =
        run_on_executor(parse(std::string("job: {name: x, ") + model +
                              ", duration: 1s, iteration_timeout: 50ms}"),
                        runner);
    // Calls are counted in the order they start; each slow one is a
    // timeout, with its real latency kept.
    const auto calls = runner->calls.load();
    CHECK(r.total.iterations == calls);
    CHECK(r.total.errors == calls / 4);
    CHECK(r.total.errors >= 2);
    REQUIRE(r.total.error_samples.size() == 1);
    CHECK(r.total.error_samples[0].text == expected);
    CHECK(r.total.error_samples[0].count == calls / 4);
    CHECK(r.total.latency.max() >= 120'000'000);
    CHECK(r.schedule["job"]["iteration_timeout_s"] == 0.05);
  }
  // Without one, nothing is a timeout and the JSON says null.
  auto runner = std::make_shared<SleepRunner>();
  const auto r = run_on_executor(
      parse("job: {name: x, users: 1, duration: 100ms}"), runner);
  CHECK(r.total.errors == 0);
  CHECK(r.schedule["job"]["iteration_timeout_s"].is_null());
}

TEST_CASE("schedule: iteration_timeout parses as a duration, named in errors") {
  CHECK(parse("job: {name: x, users: 1, duration: 1s, iteration_timeout: 2s}")
            .iteration_timeout == 2s);
  CHECK(parse("job: {name: x, users: 1, duration: 1s, iteration_timeout: 3}")
            .iteration_timeout == 3s);
  CHECK(parse("job: {name: x, users: 1, duration: 1s}").iteration_timeout ==
        0s);
  auto error_of = [](const std::string &yaml) {
    try {
      parse(yaml);
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  iteration_timeout: 0\n") ==
        "t.yaml:5:22: job.iteration_timeout must be longer than 0");
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  iteration_timeout: soon\n")
            .starts_with("t.yaml:5:22: job.iteration_timeout: "));
}

TEST_CASE("schedule: a text over 1 MiB is refused before parsing") {
  // Valid YAML padded with a comment: only the size is wrong with it.
  std::string yaml = "job: {name: x, users: 1, duration: 1s}\n#";
  yaml.append(kMaxScheduleBytes - yaml.size(), 'x');
  CHECK(parse(yaml).users == 1);  // exactly 1 MiB is fine
  yaml += "x";
  try {
    parse(yaml);
    FAIL("a schedule over 1 MiB was accepted");
  } catch (const std::invalid_argument &e) {
    CHECK(std::string(e.what()) ==
          "t.yaml: the schedule is 1048577 bytes; the limit is 1 MiB "
          "(1048576 bytes)");
  }
}
