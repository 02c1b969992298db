// Did you mean, for what a schedule names (issue 24, item 7): ten mistakes
// a k6 user or a quick typist makes, each answered with the name golo
// uses, at the file, line and column of the mistake.
#include <doctest/doctest.h>

#include "schedule_error.h"

using golo::agent::test::schedule_error;

namespace {

// The message up to the list of what is allowed.
std::string head(const std::string &message) {
  return message.substr(0, message.find(" (allowed: "))
      .substr(0, message.find(" (metrics: "));
}

}  // namespace

TEST_CASE("did you mean: a schedule key mistyped or in k6's words") {
  const std::pair<const char *, const char *> cases[] = {
      {"job: {name: noop, vus: 10, duration: 3}",
       "s.yaml:1:19: unknown key \"vus\" in job; did you mean users? (k6's "
       "vus)"},
      {"job: {name: noop, user: 10, duration: 3}",
       "s.yaml:1:19: unknown key \"user\" in job; did you mean users?"},
      {"job: {name: noop, users: 1, duraton: 3}",
       "s.yaml:1:29: unknown key \"duraton\" in job; did you mean duration?"},
      {"job: {name: noop, rate: 50, max_users: 5, duration: 3}",
       "s.yaml:1:19: unknown key \"rate\" in job; did you mean arrival_rate? "
       "(k6's rate)"},
      {"job: {name: noop, arrival_rate: 5, maxVUs: 5, duration: 3}",
       "s.yaml:1:36: unknown key \"maxVUs\" in job; did you mean max_users? "
       "(k6's maxVUs)"},
      {"job: {name: noop, executor: ramping-vus, duration: 3}",
       "s.yaml:1:19: unknown key \"executor\" in job; golo picks the model by "
       "its keys: k6's ramping-vus is stages"},
      {"job: {name: noop, users: 1}\nthreshold: [\"p95 < 1s\"]",
       "s.yaml:2:1: unknown key \"threshold\" in the schedule; did you mean "
       "thresholds?"},
  };
  for (const auto &[yaml, expected] : cases)
    CHECK(head(schedule_error(yaml)) == expected);
}

TEST_CASE("did you mean: a threshold metric mistyped or in k6's words") {
  const std::string job = "job: {name: noop, users: 1, duration: 1}\n";
  const std::pair<const char *, const char *> cases[] = {
      {"thresholds: [\"p(95) < 200ms\"]",
       "unknown metric \"p\"; did you mean p95? (k6's p(95))"},
      {"thresholds: [\"avg < 200ms\"]",
       "unknown metric \"avg\"; did you mean mean? (k6's avg)"},
      {"thresholds: [\"http_req_duration < 200ms\"]",
       "unknown metric \"http_req_duration\"; did you mean p95? (k6's "
       "http_req_duration) (or p50 p90 p99 mean max: a step's with "
       "{step:NAME})"},
      {"thresholds: [\"eror_rate < 1%\"]",
       "unknown metric \"eror_rate\"; did you mean error_rate?"},
  };
  for (const auto &[yaml, expected] : cases) {
    const std::string message = schedule_error(job + yaml);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
  }
  // Nothing near: no guess, the list of metrics still given.
  const std::string far = schedule_error(job + "thresholds: [\"zzz < 1\"]");
  CHECK(far.find("did you mean") == std::string::npos);
  CHECK(far.find("(metrics: p50 p90") != std::string::npos);
}
