// A schedule's env: (ABI 1.2's host->env) and the phase selector of
// thresholds on host->http's steps.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "golo/agent/schedule.h"
#include "golo/agent/threshold.h"

using namespace golo::agent;

namespace {

std::string error_of(const std::string &yaml) {
  try {
    Schedule::parse(yaml, "s.yaml");
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("env: per job and per scenario, checked with line and column") {
  const auto s = Schedule::parse(
      "job:\n  name: x\n  users: 1\n  duration: 1s\n"
      "  env: {BASE_URL: \"http://a\", TENANT: blue}\n",
      "s.yaml");
  CHECK(s.env.at("BASE_URL") == "http://a");
  CHECK(s.env.at("TENANT") == "blue");
  const auto sc = Schedule::parse(
      "scenarios:\n  a:\n    job: x\n    users: 1\n    duration: 1s\n"
      "    env: {K: one}\n  b:\n    job: x\n    users: 1\n"
      "    duration: 1s\n",
      "s.yaml");
  CHECK(sc.scenario_named("a").env.at("K") == "one");
  CHECK(sc.scenario_named("b").env.empty());
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  env: {9X: v}\n")
            .find("s.yaml:5:") == 0);
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  env: {9X: v}\n")
            .find("job.env: env key \"9X\" must start") != std::string::npos);
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  env: [a, b]\n")
            .find("job.env must be a map") != std::string::npos);
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  env: {K: {a: b}}\n")
            .find("job.env values must be strings") != std::string::npos);
}

TEST_CASE("http2: per job and per scenario, true or false and nothing else") {
  CHECK(!Schedule::parse("job:\n  name: x\n  users: 1\n  duration: 1s\n",
                         "s.yaml")
             .http2);
  CHECK(Schedule::parse(
            "job:\n  name: x\n  users: 1\n  duration: 1s\n  http2: true\n",
            "s.yaml")
            .http2);
  const auto sc = Schedule::parse(
      "scenarios:\n  a:\n    job: x\n    users: 1\n    duration: 1s\n"
      "    http2: true\n  b:\n    job: x\n    users: 1\n"
      "    duration: 1s\n    http2: false\n",
      "s.yaml");
  CHECK(sc.scenario_named("a").http2);
  CHECK(!sc.scenario_named("b").http2);
  CHECK(sc.scenario_named("a").share(0, 2).http2);
  CHECK(error_of("job:\n  name: x\n  users: 1\n  duration: 1s\n"
                 "  http2: yes please\n") ==
        "s.yaml:5:10: job.http2 must be true or false");
}

TEST_CASE("thresholds: phase folds into the step host->http records") {
  const auto t = Threshold::parse("p95{step:login, phase:wait} < 200ms");
  REQUIRE(t.selector.size() == 1);
  CHECK(t.selector[0].first == "step");
  CHECK(t.selector[0].second == "login (wait)");
  CHECK_THROWS_WITH_AS(Threshold::parse("p95{phase:wait} < 1ms"),
                       doctest::Contains("a phase selector needs a step"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Threshold::parse("p95{step:a, phase:dns} < 1ms"),
                       doctest::Contains("unknown phase \"dns\""),
                       std::invalid_argument);
}
