// What to run: a schedule file (YAML), a superset of go-lo's agent payload
//   version: job:latest
//   job: {name: noop, users: 10, duration: 5s}
// plus pacing, think time, ramping stages, an open model with an arrival
// rate and a user ceiling, a graceful stop, tag grouping and thresholds; or,
// instead of job:, several scenarios run side by side:
//   scenarios:
//     browse: {job: noop, users: 10, duration: 30s}
//     buy:    {job: noop, arrival_rate: 50, max_users: 20, duration: 20s,
//              start_after: 10s}
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "golo/agent/data_spec.h"
#include "golo/agent/run_env.h"
#include "golo/agent/threshold.h"

namespace golo::agent {

using Nanos = std::chrono::nanoseconds;

// The largest schedule text accepted, by golo run and by the host, checked
// before any parsing: a schedule is a page of YAML, not a data file.
inline constexpr std::size_t kMaxScheduleBytes = 1024 * 1024;

// A stretch of time over which users (closed) or the arrival rate (open)
// move linearly from the previous stage's target to this one's.
struct Stage {
  Nanos duration{0};
  std::uint64_t target = 0;  // users, or iterations per second
};

enum class Model {
  closed,  // a fixed (or ramping) set of users, each looping
  open     // iterations arrive at a rate, whether or not earlier ones ended
};

struct Schedule {
  std::string file;  // where it came from, for messages
  std::string version;
  std::string job;
  Model model = Model::closed;

  // One scenario of a `scenarios:` schedule has its name here, and every
  // one of its iterations gets the tag scenario=NAME. Empty for the job:
  // form, which adds no tag.
  std::string scenario;
  // The scenario's load begins this long after the run's start (its level
  // is 0 until then): every scenario counts seconds from the same start.
  Nanos start_after{0};
  // A `scenarios:` schedule: its scenarios in file order, each a whole
  // schedule of its own (the file's thresholds stay here, on the whole
  // run, and are not copied into each). The fields above
  // then describe the run as a whole: `job` names the jobs, `duration` is
  // the latest end, `tag_keys` holds every scenario's keys.
  std::vector<Schedule> scenarios;

  // Closed model: `users` at the start (the constant count without stages),
  // then `stages` of user targets.
  std::uint64_t users = 0;
  // Open model: `arrival_rate` iterations/s at the start (constant without
  // stages), then `stages` of rate targets; at most `max_users` at once.
  std::uint64_t arrival_rate = 0;
  std::uint64_t max_users = 0;
  std::vector<Stage> stages;

  // The load's length: the sum of the stages if any (start_after not
  // included; see length()).
  Nanos duration{0};
  Nanos pacing = std::chrono::seconds(1);
  Nanos think_time{0};
  Nanos graceful_stop = std::chrono::seconds(30);
  // An iteration whose call takes longer than this counts as an error with
  // the text timeout_text() (0 = no timeout).
  Nanos iteration_timeout{0};
  std::vector<std::string> tag_keys;  // response tags that split statistics
  std::vector<Threshold> thresholds;
  // The rows iterations read (job.data), when the schedule names a file.
  std::optional<DataSpec> data;
  // The run's env (env:, a map of strings), read by plugins with host->env;
  // golo run -e overrides entries. Checked by env_problem.
  RunEnv env;
  // http2: true: host->http offers HTTP/2 (ALPN, https:// only) on every
  // request of this job or scenario, as the plugin's http2 setting does.
  bool http2 = false;

  // Parses YAML text. Throws std::invalid_argument with a message
  // "FILE:LINE:COLUMN: what is wrong" (1-based) for anything malformed, or
  // "FILE: ..." for a text over kMaxScheduleBytes (checked first).
  static Schedule parse(std::string_view yaml, std::string_view file);
  // Reads and parses a file ("FILE: cannot read" when it cannot be opened).
  static Schedule load(const std::string &path);

  // From the run's start to this schedule's end: start_after + duration
  // (for a `scenarios:` schedule, the latest scenario's).
  Nanos length() const { return start_after + duration; }

  // The scenario called `name`: itself for the job: form when `name` is
  // empty. Throws std::invalid_argument naming the scenarios there are.
  const Schedule &scenario_named(std::string_view name) const;

  // The part of this schedule that host `index` of `count` runs: users,
  // rates and max_users divided, remainders to the first hosts (and at
  // least one user for a share that has arrivals).
  Schedule share(std::uint64_t index, std::uint64_t count) const;

  // Closed: users wanted at `t` from the start (fractional while ramping).
  // Open: arrival rate at `t`, iterations/s. 0 before start_after.
  double level_at(Nanos t) const;
  // The most users the run can have at once: its thread count (for a
  // `scenarios:` schedule, all scenarios' together).
  std::uint64_t peak_users() const;
  // Open model: the highest arrival rate it reaches (0 for closed).
  std::uint64_t peak_rate() const;

  nlohmann::json to_json() const;
};

// "FILE: the schedule is N bytes; the limit is 1 MiB (1048576 bytes)".
std::string schedule_too_large(std::string_view file, std::uint64_t bytes);

// The error text of an iteration over iteration_timeout, the same for every
// one of them so that they count as one error sample:
// "timeout: the iteration took longer than iteration_timeout 2s".
std::string timeout_text(Nanos timeout);

// The tag every iteration of a scenario carries: scenario=NAME.
inline constexpr std::string_view kScenarioTag = "scenario";

// The default grouping keys: k6's system tags.
const std::vector<std::string> &default_tag_keys();

}  // namespace golo::agent
