// Several scenarios in one schedule: how they parse, how each is picked out
// and shared, and how start_after and the scenario tag shape a run.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "golo/agent/executor.h"

#include "executor_choice.h"
#include "golo/agent/results.h"
#include "golo/agent/schedule.h"
#include "schedule_error.h"

using namespace golo::agent;
using namespace std::chrono_literals;
using golo::agent::test::schedule_error;

namespace {

const char *kTwo =
    "version: job:latest\n"
    "scenarios:\n"
    "  browse:\n"
    "    job: noop\n"
    "    users: 5\n"
    "    pacing: 100ms\n"
    "    duration: 10s\n"
    "  buy:\n"
    "    job: checkout\n"
    "    arrival_rate: 7\n"
    "    max_users: 3\n"
    "    duration: 5s\n"
    "    start_after: 8s\n"
    "    tags: [status]\n"
    "thresholds:\n"
    "  - error_rate{scenario:buy} < 1%\n";

}  // namespace

TEST_CASE("scenarios: each entry is a job of its own, in file order") {
  const auto s = Schedule::parse(kTwo, "s.yaml");
  REQUIRE(s.scenarios.size() == 2);
  const Schedule &browse = s.scenarios[0], &buy = s.scenarios[1];
  CHECK(browse.scenario == "browse");
  CHECK(browse.job == "noop");
  CHECK(browse.model == Model::closed);
  CHECK(browse.users == 5);
  CHECK(browse.pacing == 100ms);
  CHECK(browse.start_after == 0s);
  CHECK(browse.tag_keys == default_tag_keys());  // scenario is among them
  CHECK(buy.scenario == "buy");
  CHECK(buy.job == "checkout");
  CHECK(buy.model == Model::open);
  CHECK(buy.arrival_rate == 7);
  CHECK(buy.start_after == 8s);
  CHECK(buy.length() == 13s);
  // Its own tags, and always the scenario's.
  CHECK(buy.tag_keys == std::vector<std::string>{"status", "scenario"});
  // The file's thresholds apply to the run as a whole, not copied into
  // each scenario.
  CHECK(s.thresholds.size() == 1);
  CHECK(buy.thresholds.empty());
  // The run as a whole: every job, the latest end, the users of all.
  CHECK(s.job == "noop,checkout");
  CHECK(s.length() == 13s);
  CHECK(s.peak_users() == 8);
  CHECK(s.tag_keys == default_tag_keys());
  CHECK(s.to_json().at("scenarios").size() == 2);
  CHECK(s.to_json().at("scenarios")[1].at("scenario") == "buy");
  CHECK(s.to_json().at("scenarios")[1].at("start_after_s") == 8.0);
}

TEST_CASE("scenarios: picked by name, shared per scenario") {
  const auto s = Schedule::parse(kTwo, "s.yaml");
  CHECK(&s.scenario_named("buy") == &s.scenarios[1]);
  CHECK(&s.scenario_named("browse") == &s.scenarios[0]);
}

TEST_CASE("scenarios: a name that is not there") {
  const auto s = Schedule::parse(kTwo, "s.yaml");
  CHECK_THROWS_WITH_AS(
      s.scenario_named("nope"),
      "s.yaml: no scenario \"nope\" (its scenarios: browse, buy)",
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      s.scenario_named(""),
      "s.yaml: a run of a scenarios: schedule names one (its scenarios: "
      "browse, buy)",
      std::invalid_argument);
  const auto one =
      Schedule::parse("job: {name: x, users: 1, duration: 1s}", "j.yaml");
  CHECK(&one.scenario_named("") == &one);
  CHECK_THROWS_WITH_AS(
      one.scenario_named("buy"),
      "j.yaml: has no scenarios (it holds job:), so no scenario \"buy\"",
      std::invalid_argument);
}

TEST_CASE("scenarios: sharing splits each scenario") {
  const auto s = Schedule::parse(kTwo, "s.yaml");
  const auto first = s.share(0, 2), second = s.share(1, 2);
  CHECK(first.scenarios[0].users == 3);
  CHECK(second.scenarios[0].users == 2);
  CHECK(first.scenarios[1].arrival_rate == 4);
  CHECK(second.scenarios[1].arrival_rate == 3);
  CHECK(first.scenarios[1].max_users == 2);
  CHECK(second.scenarios[1].max_users == 1);
  CHECK(first.scenarios[1].start_after == 8s);
}

TEST_CASE("scenarios: start_after holds the level at 0 until then") {
  const auto s = Schedule::parse(kTwo, "s.yaml");
  const Schedule &buy = s.scenario_named("buy");
  CHECK(buy.level_at(0s) == 0);
  CHECK(buy.level_at(7999ms) == 0);
  CHECK(buy.level_at(8s) == 7);
  CHECK(buy.level_at(12s) == 7);
}

TEST_CASE("scenarios errors: located, naming the scenario") {
  CHECK(schedule_error(
            "job: {name: x, users: 1, duration: 1s}\nscenarios: {}\n") ==
        "s.yaml:2:1: a schedule holds job: (one scenario) or scenarios:, not "
        "both");
  CHECK(schedule_error("version: x\n") ==
        "s.yaml:1:1: missing job: mapping (or scenarios:)");
  CHECK(schedule_error("scenarios: {}\n") ==
        "s.yaml:1:12: scenarios must be a mapping from a scenario name to its "
        "job (job, users or arrival_rate, duration, ...)");
  CHECK(schedule_error(
            "scenarios:\n  \"a b\": {job: x, users: 1, duration: 1s}\n") ==
        "s.yaml:2:3: a scenario name is 1 to 64 letters, digits, '_', '-' or "
        "'.', not \"a b\"");
  CHECK(schedule_error("scenarios:\n  a: {job: x, users: 1, duration: 1s}\n"
                       "  a: {job: x, users: 1, duration: 1s}\n") ==
        "s.yaml:3:3: duplicate scenario \"a\"");
  CHECK(schedule_error("scenarios:\n  a: {users: 1, duration: 1s}\n") ==
        "s.yaml:2:6: scenarios.a needs a job (the plugin to run)");
  CHECK(schedule_error("scenarios:\n  a: {job: x, name: y, users: 1, duration: "
                       "1s}\n") ==
        "s.yaml:2:15: scenarios.a names its plugin twice: job and name are the "
        "same thing; keep job");
  CHECK(schedule_error("scenarios:\n  a: {job: x, users: 0, duration: 1s}\n") ==
        "s.yaml:2:22: scenarios.a.users must be at least 1, not 0");
  CHECK(schedule_error("scenarios:\n  a: {job: x, users: 1, duration: 1s, "
                       "start_after: soon}\n") ==
        "s.yaml:2:52: scenarios.a.start_after: invalid duration \"soon\" "
        "(expected e.g. 250ms, 5s, 1m30s, 1h)");
  // start_after is a scenario's: the job: form starts at once.
  CHECK(schedule_error(
            "job: {name: x, users: 1, duration: 1s, start_after: 1s}\n")
            .starts_with("s.yaml:1:40: unknown key \"start_after\" in job"));
  // A selector may name any scenario's grouping keys, scenario among them.
  CHECK(
      schedule_error("scenarios:\n  a: {job: x, users: 1, duration: 1s, tags: "
                     "[status]}\nthresholds: [\"p99{host:x} < 1s\"]\n")
          .starts_with("s.yaml:3:14: threshold \"p99{host:x} < 1s\": unknown "
                       "selector key \"host\""));
  CHECK(
      schedule_error("scenarios:\n  a: {job: x, users: 1, duration: 1s, tags: "
                     "[status]}\nthresholds: [\"p99{scenario:a} < 1s\"]\n") ==
      "(no error)");
}

namespace {

// Records when each iteration started and which tags it set.
struct TimedRunner : IterationRunner {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> starts;
  void run(std::uint32_t, std::uint64_t, IterationOutcome &out) override {
    {
      std::lock_guard lock(mutex);
      starts.push_back(std::chrono::steady_clock::now());
    }
    // The plugin's own scenario tag is overwritten: the schedule's wins.
    out.tags.add("scenario", "mine");
    out.tags.add("status", "200");
  }
};

}  // namespace

TEST_CASE("scenarios: a run waits start_after and tags every iteration") {
  const auto s = Schedule::parse(
      "scenarios:\n"
      "  late: {job: x, users: 2, pacing: 100ms, duration: 300ms, "
      "start_after: 300ms}\n"
      "  open: {job: x, arrival_rate: 20, max_users: 2, duration: 500ms, "
      "start_after: 200ms}\n",
      "s.yaml");
  for (const char *name : {"late", "open"}) {
    CAPTURE(name);
    auto runner = std::make_shared<TimedRunner>();
    RunOptions opt;
    opt.progress_interval = 100ms;
    const auto before = std::chrono::steady_clock::now();
    const auto r = run_on_executor(s.scenario_named(name), runner, opt);
    const bool late = std::string(name) == "late";
    // late: 2 users x 3 slots; open: 20/s for 0.5 s.
    CHECK(r.total.iterations == (late ? 6 : 10));
    CHECK(r.duration_s == doctest::Approx(late ? 0.6 : 0.7).epsilon(0.05));
    REQUIRE(!runner->starts.empty());
    const auto first =
        *std::min_element(runner->starts.begin(), runner->starts.end());
    CHECK(first - before >= (late ? 300ms : 200ms));
    REQUIRE(r.tag_sets.size() == 1);
    CHECK(r.tag_sets[0].key == std::string("status=200,scenario=") + name);
  }
}

TEST_CASE(
    "scenarios: an open scenario's latency counts as corrected beside a "
    "closed one's") {
  // closed: 3 iterations, corrected 4 samples (one missed slot); open: 2
  // iterations, whose latency already is from the intended start.
  TagSetStats closed, open;
  closed.iterations = 3;
  closed.missed = 1;
  for (std::int64_t ns : {1000, 2000, 3000}) closed.latency.record(ns);
  for (std::int64_t ns : {1000, 2000, 3000, 50000}) closed.corrected.record(ns);
  open.iterations = 2;
  for (std::int64_t ns : {7000, 9000}) open.latency.record(ns);
  for (const bool open_first : {false, true}) {
    CAPTURE(open_first);
    TagSetStats merged = open_first ? open : closed;
    merged.merge(open_first ? closed : open);
    CHECK(merged.iterations == 5);
    CHECK(merged.latency.count() == 5);
    CHECK(merged.corrected.count() == 6);
    CHECK(merged.corrected.max() >= 50000);
    CHECK(merged.corrected.min() <= 1000);
  }
  // Two open ones keep none: their latency is the corrected one.
  TagSetStats both = open;
  both.merge(open);
  CHECK(both.corrected.count() == 0);
}
