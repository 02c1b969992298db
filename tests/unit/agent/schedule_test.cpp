#include "golo/agent/schedule.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "golo/agent/duration.h"
#include "schedule_error.h"

using namespace golo::agent;
using namespace std::chrono_literals;

using golo::agent::test::schedule_error;

TEST_CASE("schedule: go-lo's payload runs unchanged") {
  const auto s = Schedule::parse(
      "version: job:latest\njob:\n  name: noop\n  users: 10\n  duration: 5\n",
      "s.yaml");
  CHECK(s.version == "job:latest");
  CHECK(s.job == "noop");
  CHECK(s.model == Model::closed);
  CHECK(s.users == 10);
  CHECK(s.duration == 5s);
  CHECK(s.pacing == 1s);  // each user once a second, as go-lo
  CHECK(s.think_time == 0s);
  CHECK(s.graceful_stop == 30s);
  CHECK(s.tag_keys == default_tag_keys());
  CHECK(s.peak_users() == 10);
  CHECK(s.level_at(2s) == 10.0);
}

TEST_CASE("schedule: durations in Go syntax") {
  const auto s = Schedule::parse(
      "job: {name: x, users: 1, duration: 1m30s, pacing: 250ms, think_time: "
      "1.5s, graceful_stop: 0}",
      "s.yaml");
  CHECK(s.duration == 90s);
  CHECK(s.pacing == 250ms);
  CHECK(s.think_time == 1500ms);
  CHECK(s.graceful_stop == 0s);
  CHECK(parse_duration("1h", nullptr) == 3600s);
  CHECK(parse_duration("500us", nullptr) == 500us);
  CHECK(parse_duration("2h45m3ns", nullptr) == 2h + 45min + 3ns);
  std::string why;
  CHECK_FALSE(parse_duration("5", &why));
  CHECK(
      why ==
      "missing or unknown unit in duration \"5\" (units: ns, us, ms, s, m, h)");
  CHECK_FALSE(parse_duration("-1s", &why));
  CHECK(why == "negative duration \"-1s\"");
  CHECK(format_duration(312.4e6) == "312.4ms");
  CHECK(format_duration(1.25e9) == "1.25s");
  CHECK(format_duration(812) == "812ns");
  CHECK(format_duration(90e9) == "1m30s");
}

TEST_CASE("schedule: ramping stages") {
  const auto s = Schedule::parse(
      "job:\n  name: x\n  stages:\n    - {duration: 10s, users: 50}\n"
      "    - {duration: 10s, users: 50}\n    - {duration: 5s, users: 0}\n",
      "s.yaml");
  CHECK(s.users == 0);
  REQUIRE(s.stages.size() == 3);
  CHECK(s.duration == 25s);
  CHECK(s.peak_users() == 50);
  CHECK(s.level_at(0s) == 0.0);
  CHECK(s.level_at(5s) == doctest::Approx(25.0));
  CHECK(s.level_at(15s) == doctest::Approx(50.0));
  CHECK(s.level_at(22500ms) == doctest::Approx(25.0));
  CHECK(s.level_at(30s) == 0.0);
  const auto from = Schedule::parse(
      "job: {name: x, users: 10, stages: [{duration: 10s, users: 20}]}",
      "s.yaml");
  CHECK(from.level_at(5s) == doctest::Approx(15.0));
}

TEST_CASE("schedule: open model") {
  const auto s = Schedule::parse(
      "job: {name: x, arrival_rate: 100, max_users: 20, duration: 10s}\n"
      "thresholds: [\"p99 < 250ms\", \"error_rate < 1%\", \"rate >= 90\"]\n",
      "s.yaml");
  CHECK(s.model == Model::open);
  CHECK(s.arrival_rate == 100);
  CHECK(s.max_users == 20);
  CHECK(s.pacing == 0s);
  CHECK(s.peak_users() == 20);
  CHECK(s.level_at(3s) == 100.0);
  REQUIRE(s.thresholds.size() == 3);
  CHECK(s.thresholds[0].metric == Metric::p99);
  CHECK(s.thresholds[0].op == Comparison::less);
  CHECK(s.thresholds[0].value == 250e6);
  CHECK(s.thresholds[1].value == doctest::Approx(0.01));
  CHECK(s.thresholds[2].op == Comparison::greater_equal);
  CHECK(s.thresholds[2].value == 90.0);
  const auto r = Schedule::parse(
      "job: {name: x, max_users: 5, rate_stages: [{duration: 2s, rate: 200}, "
      "{duration: 1s, rate: 0}]}",
      "s.yaml");
  CHECK(r.duration == 3s);
  CHECK(r.level_at(1s) == doctest::Approx(100.0));
  CHECK(r.level_at(2500ms) == doctest::Approx(100.0));
}

TEST_CASE("schedule: tags to group by") {
  const auto s = Schedule::parse(
      "job: {name: x, users: 1, duration: 1, tags: [status, url]}", "s.yaml");
  CHECK(s.tag_keys == std::vector<std::string>{"status", "url"});
  const auto none = Schedule::parse(
      "job: {name: x, users: 1, duration: 1, tags: []}", "s.yaml");
  CHECK(none.tag_keys.empty());
}

TEST_CASE("schedule errors: YAML syntax") {
  CHECK(schedule_error("job:\n  name: [x\n") ==
        "s.yaml:3:1: end of sequence flow not found");
  CHECK(schedule_error("") ==
        "s.yaml:1:1: empty schedule (expected a job: mapping)");
  CHECK(schedule_error("- a\n- b\n") ==
        "s.yaml:1:1: the schedule must be a mapping");
}

TEST_CASE("schedule errors: unknown and duplicate keys") {
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\nfoo: 1\n") ==
        "s.yaml:2:1: unknown key \"foo\" in the schedule (allowed: version, "
        "job, scenarios, thresholds)");
  CHECK(schedule_error("job:\n  name: x\n  user: 1\n") ==
        "s.yaml:3:3: unknown key \"user\" in job; did you mean users? "
        "(allowed: name, users, "
        "duration, pacing, think_time, stages, arrival_rate, rate_stages, "
        "max_users, graceful_stop, tags, iteration_timeout, data, env, http2)");
  CHECK(schedule_error("job:\n  name: x\n  name: y\n") ==
        "s.yaml:3:3: duplicate key \"name\" in job");
  CHECK(schedule_error(
            "job: {name: x, stages: [{duration: 1s, users: 1, rate: 2}]}") ==
        "s.yaml:1:50: unknown key \"rate\" in job.stages[0] (allowed: "
        "duration, users)");
}

TEST_CASE("schedule errors: missing things") {
  CHECK(schedule_error("version: x\n") ==
        "s.yaml:1:1: missing job: mapping (or scenarios:)");
  CHECK(schedule_error("job:\n  users: 1\n  duration: 1\n") ==
        "s.yaml:2:3: job needs a name (the plugin to run)");
  CHECK(schedule_error("job: {name: x, duration: 1}") ==
        "s.yaml:1:6: job needs users, stages, arrival_rate or rate_stages");
  CHECK(schedule_error("job: {name: x, users: 1}") ==
        "s.yaml:1:6: job needs a duration");
  CHECK(schedule_error("job: x") == "s.yaml:1:6: job must be a mapping");
  CHECK(schedule_error("job: {name: x, stages: [{users: 1}]}") ==
        "s.yaml:1:25: job.stages[0] needs a duration");
  CHECK(schedule_error("job: {name: x, stages: [{duration: 1s}]}") ==
        "s.yaml:1:25: job.stages[0] needs users");
}

TEST_CASE("schedule errors: wrong types and values") {
  CHECK(schedule_error("job: {name: x, users: ten, duration: 1}") ==
        "s.yaml:1:23: job.users must be a whole number, not \"ten\"");
  CHECK(schedule_error("job: {name: x, users: 1.5, duration: 1}") ==
        "s.yaml:1:23: job.users must be a whole number, not \"1.5\"");
  CHECK(schedule_error("job: {name: x, users: 0, duration: 1}") ==
        "s.yaml:1:23: job.users must be at least 1, not 0");
  CHECK(schedule_error("job: {name: x, users: -3, duration: 1}") ==
        "s.yaml:1:23: job.users must be at least 1, not -3");
  CHECK(schedule_error("job: {name: x, users: 1000000, duration: 1}") ==
        "s.yaml:1:23: job.users must be at most 100000, not 1000000");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 0}") ==
        "s.yaml:1:36: job.duration must be longer than 0");
  CHECK(schedule_error("job: {name: x, users: 1, duration: -5}") ==
        "s.yaml:1:36: job.duration must not be negative");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 5 s}") ==
        "s.yaml:1:36: job.duration: missing or unknown unit in duration \"5 "
        "s\" (units: ns, us, ms, s, m, h)");
  CHECK(schedule_error("job: {name: x, users: 1, duration: [1]}") ==
        "s.yaml:1:36: job.duration must be a duration like 250ms, 5s or 1m30s");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1, pacing: -1s}") ==
        "s.yaml:1:47: job.pacing: negative duration \"-1s\"");
  CHECK(schedule_error("job: {name: [x], users: 1, duration: 1}") ==
        "s.yaml:1:13: job.name must be a non-empty string");
  CHECK(schedule_error("job: {name: x, stages: [{duration: 0s, users: 1}]}") ==
        "s.yaml:1:36: job.stages[0].duration must be longer than 0");
  CHECK(
      schedule_error("job: {name: x, stages: []}") ==
      "s.yaml:1:24: job.stages must be a non-empty list of {duration, users}");
  CHECK(schedule_error("job: {name: x, stages: [{duration: 1s, users: 0}]}") ==
        "s.yaml:1:16: the stages never go above 0");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1, tags: status}") ==
        "s.yaml:1:45: job.tags must be a list of tag keys");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1, tags: [a, a]}") ==
        "s.yaml:1:49: tag key \"a\" is listed twice");
}

TEST_CASE("schedule errors: contradictions") {
  CHECK(
      schedule_error("job: {name: x, users: 1, arrival_rate: 5, max_users: 2, "
                     "duration: 1}") ==
      "s.yaml:1:26: arrival_rate/rate_stages (open model) cannot be "
      "combined with users/stages (closed model)");
  CHECK(schedule_error("job: {name: x, arrival_rate: 5, duration: 1}") ==
        "s.yaml:1:16: an arrival rate needs max_users (the most iterations "
        "in flight at once)");
  CHECK(schedule_error("job: {name: x, users: 1, max_users: 2, duration: 1}") ==
        "s.yaml:1:26: max_users applies only to the open model (arrival_rate "
        "or rate_stages)");
  CHECK(schedule_error(
            "job: {name: x, arrival_rate: 5, max_users: 2, duration: 1, "
            "pacing: 1s}") ==
        "s.yaml:1:60: pacing applies only to the closed model (users or "
        "stages); the arrival rate paces an open model");
  CHECK(schedule_error(
            "job: {name: x, duration: 5s, stages: [{duration: 1s, users: "
            "1}]}") ==
        "s.yaml:1:16: duration cannot be combined with stages: the run lasts "
        "as long as its stages");
  CHECK(schedule_error(
            "job: {name: x, max_users: 2, arrival_rate: 0, duration: 1}") ==
        "s.yaml:1:44: job.arrival_rate must be at least 1, not 0");
}

TEST_CASE("schedule errors: thresholds") {
  const std::string job = "job: {name: x, users: 1, duration: 1}\n";
  CHECK(schedule_error(job + "thresholds: [\"p98 < 1s\"]") ==
        "s.yaml:2:14: threshold \"p98 < 1s\": unknown metric \"p98\"; the "
        "percentiles are p50, p90, p95, p99 and p999 (metrics: p50 p90 p95 p99 "
        "p999 min max mean error_rate drop_rate "
        "rate p50_corrected p90_corrected p95_corrected p99_corrected "
        "p999_corrected miss_rate checks)");
  CHECK(schedule_error(job + "thresholds: [\"p99 = 1s\"]") ==
        "s.yaml:2:14: threshold \"p99 = 1s\": expected a comparison (< <= > "
        ">=) after p99");
  CHECK(schedule_error(job + "thresholds: [\"p99 < 250\"]") ==
        "s.yaml:2:14: threshold \"p99 < 250\": missing or unknown unit in "
        "duration \"250\" (units: ns, us, ms, s, m, h)");
  CHECK(schedule_error(job + "thresholds: [\"error_rate < 0.01\"]") ==
        "s.yaml:2:14: threshold \"error_rate < 0.01\": error_rate needs a "
        "percentage, e.g. 1%");
  CHECK(schedule_error(job + "thresholds: [\"rate > fast\"]") ==
        "s.yaml:2:14: threshold \"rate > fast\": rate needs iterations per "
        "second, e.g. 100");
  CHECK(schedule_error(job + "thresholds: p99") ==
        "s.yaml:2:13: thresholds must be a list of strings like \"p99 < "
        "250ms\"");
}

TEST_CASE("schedule: load names the file") {
  CHECK_THROWS_WITH_AS(Schedule::load("/nonexistent/x.yaml"),
                       "/nonexistent/x.yaml: cannot read the schedule",
                       std::invalid_argument);
}

TEST_CASE("schedule: share splits users and rates with remainders first") {
  const auto closed = Schedule::parse(
      "job: {name: x, users: 10, stages: [{duration: 1s, users: 5}]}",
      "s.yaml");
  std::uint64_t users = 0;
  for (std::uint64_t i = 0; i < 3; ++i) users += closed.share(i, 3).users;
  CHECK(users == 10);
  CHECK(closed.share(0, 3).users == 4);
  CHECK(closed.share(1, 3).users == 3);
  CHECK(closed.share(2, 3).users == 3);
  CHECK(closed.share(0, 3).stages[0].target == 2);
  CHECK(closed.share(1, 3).stages[0].target == 2);
  CHECK(closed.share(2, 3).stages[0].target == 1);
  CHECK(closed.share(2, 3).duration == closed.duration);
  const auto open = Schedule::parse(
      "job: {name: x, arrival_rate: 101, max_users: 7, duration: 1}", "s.yaml");
  CHECK(open.share(0, 2).arrival_rate == 51);
  CHECK(open.share(1, 2).arrival_rate == 50);
  CHECK(open.share(0, 2).max_users == 4);
  CHECK(open.share(1, 2).max_users == 3);
  CHECK(open.share(0, 1).arrival_rate == 101);
  CHECK_THROWS_AS(open.share(2, 2), std::invalid_argument);
  CHECK_THROWS_AS(open.share(0, 0), std::invalid_argument);
}

TEST_CASE("schedule: JSON echo") {
  const auto s = Schedule::parse(
      "version: v1\njob: {name: x, users: 3, duration: 2s}\nthresholds: "
      "[\"p99 < 1s\"]",
      "s.yaml");
  const auto j = s.to_json();
  CHECK(j["version"] == "v1");
  CHECK(j["job"]["name"] == "x");
  CHECK(j["job"]["users"] == 3);
  CHECK(j["job"]["duration_s"] == 2.0);
  CHECK(j["job"]["model"] == "closed");
  CHECK(j["thresholds"][0] == "p99 < 1s");
}

TEST_CASE("schedule: a threshold's selector takes only the job's tags") {
  const auto s = Schedule::parse(
      "job: {name: x, users: 1, duration: 1, tags: [status, colour]}\n"
      "thresholds: [\"p95{status:200, colour: dark red} < 300ms\"]\n",
      "s.yaml");
  REQUIRE(s.thresholds.size() == 1);
  CHECK(s.thresholds[0].selector ==
        std::vector<std::pair<std::string, std::string>>{
            {"status", "200"}, {"colour", "dark red"}});
  CHECK(s.thresholds[0].selector_text() == "{status:200, colour:dark red}");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\n"
                       "thresholds:\n  - \"p99 < 1s\"\n  - \"p95{colour:red} < "
                       "300ms\"\n") ==
        "s.yaml:4:5: threshold \"p95{colour:red} < 300ms\": unknown selector "
        "key \"colour\"; a selector takes step, check or the job's tags "
        "(status method url "
        "name group error error_code scenario; set them with job.tags)");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\n"
                       "thresholds: [\"p95{status:200 < 1ms\"]\n") ==
        "s.yaml:2:14: threshold \"p95{status:200 < 1ms\": a selector opened "
        "with { needs its closing }");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\n"
                       "thresholds: [\"p95{status} < 1ms\"]\n") ==
        "s.yaml:2:14: threshold \"p95{status} < 1ms\": selector item "
        "\"status\" is not key:value (e.g. p95{status:200} < 300ms)");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\n"
                       "thresholds: [\"p95{status:1, status:2} < 1ms\"]\n") ==
        "s.yaml:2:14: threshold \"p95{status:1, status:2} < 1ms\": selector "
        "key \"status\" appears twice");
  CHECK(schedule_error("job: {name: x, users: 1, duration: 1}\n"
                       "thresholds: [\"drop_rate{status:200} < 1%\"]\n") ==
        "s.yaml:2:14: threshold \"drop_rate{status:200} < 1%\": drop_rate "
        "takes no selector (a dropped iteration never ran, so it has no "
        "tags)");
}

TEST_CASE("schedule: caps keep parsing proportional to the text") {
  std::string many = "thresholds:\n";
  for (int i = 0; i < 257; ++i) many += "  - \"p99 < 1s\"\n";
  CHECK(schedule_error(many + "job: {name: j, users: 1, duration: 1s}\n") ==
        "s.yaml:2:3: thresholds has 257 entries; the limit is 256");
  std::string scenarios =
      "scenarios:\n  s0: &one {job: j, users: 1, "
      "duration: 1s}\n";
  for (int i = 1; i < 257; ++i)
    scenarios += "  s" + std::to_string(i) + ": *one\n";
  CHECK(schedule_error(scenarios) ==
        "s.yaml:2:3: scenarios has 257 entries; the limit is 256");
  // 256 aliased scenarios with 256 thresholds: the thresholds are kept once.
  std::string ok = "thresholds:\n";
  for (int i = 0; i < 256; ++i) ok += "  - \"p99 < 1s\"\n";
  std::string at_cap =
      "scenarios:\n  s0: &one {job: j, users: 1, "
      "duration: 1s}\n";
  for (int i = 1; i < 256; ++i)
    at_cap += "  s" + std::to_string(i) + ": *one\n";
  const auto s = Schedule::parse(ok + at_cap, "s.yaml");
  CHECK(s.scenarios.size() == 256);
  CHECK(s.thresholds.size() == 256);
  CHECK(s.scenarios.back().thresholds.empty());
}

TEST_CASE("schedule: one duration limit whatever the unit and decimal only") {
  const std::string head = "job: {name: j, users: 1, duration: ";
  CHECK(schedule_error(head + "270000h}\n") ==
        "s.yaml:1:36: job.duration is longer than the limit of 100 days "
        "(2400h)");
  CHECK(schedule_error(head + "8640001}\n") ==
        "s.yaml:1:36: job.duration is longer than the limit of 100 days "
        "(2400h)");
  CHECK(Schedule::parse(head + "2400h}\n", "s.yaml").duration ==
        std::chrono::hours(2400));
  CHECK(Schedule::parse(head + "8640000}\n", "s.yaml").duration ==
        std::chrono::hours(2400));
  CHECK(schedule_error(head + "-5}\n") ==
        "s.yaml:1:36: job.duration must not be negative");
  CHECK(schedule_error("job: {name: j, users: 0x10, duration: 1s}\n") ==
        "s.yaml:1:23: job.users must be a whole number, not \"0x10\"");
  CHECK(schedule_error("job: {name: j, users: 0o20, duration: 1s}\n") ==
        "s.yaml:1:23: job.users must be a whole number, not \"0o20\"");
  CHECK(schedule_error(head + "0x10}\n")
            .find("job.duration: missing or "
                  "unknown unit") != std::string::npos);
}

TEST_CASE("schedule: an unknown key is echoed at most 64 characters") {
  const std::string key(1000, 'k');
  const auto e = schedule_error(key +
                                ": 1\njob: {name: j, users: 1, "
                                "duration: 1s}\n");
  CHECK(e.size() < 300);
  CHECK(e.find("unknown key \"" + std::string(64, 'k') + "...\"") !=
        std::string::npos);
}

TEST_CASE("schedule: a megabyte of tiny YAML nodes is refused before parsing") {
  std::string yaml = "job: {name: j, users: 1, duration: 1s}\nx: [";
  while (yaml.size() < 1000000) yaml += "1,";
  yaml += "1]\n";
  CHECK(schedule_error(yaml).find("s.yaml: the schedule has ") == 0);
  CHECK(schedule_error(yaml).find("the limit is 20000") != std::string::npos);
}
