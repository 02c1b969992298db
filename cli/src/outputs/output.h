// Where `golo run` sends what it measures (`--out TYPE=TARGET`, k6 style):
// each output is told the run started, gets one row per second (the total
// and every tag set, merged over the hosts), and the whole results at the
// end. Rows come from the CLI's control loop: an output that talks to a
// network keeps its own thread and never blocks them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "golo/agent/results.h"

namespace golo::cli::outputs {

struct RunInfo {
  std::string job;                    // every job the run calls, by ','
  std::vector<std::string> tag_keys;  // the schedule's grouping tags
  std::int64_t start_unix_ms = 0;
  double planned_s = 0;  // the schedule's duration
};

// A step's part of a point's second (ABI 1.1's add_step).
struct StepPoint {
  std::string name;
  std::uint64_t count = 0, errors = 0;
  agent::RowLatency latency;  // ns
  // HTTP status codes (host->http) in this second, by code.
  std::vector<std::pair<int, std::uint64_t>> statuses{};
};

// One series' row of one second.
struct Point {
  bool total = false;
  std::string tag_set;  // "total", "(untagged)", or the set's key
  std::vector<std::pair<std::string, std::string>> tags;
  std::uint64_t iterations = 0, errors = 0, dropped = 0, active_users = 0;
  agent::RowLatency latency;  // ns
  std::uint64_t missed = 0;   // slots overrun (closed model, pacing)
  // The steps and checks that ran in this second (none when idle).
  std::vector<StepPoint> steps{};
  std::vector<agent::CheckStats> checks{};
};

// One second of the run: its index (1-based), its end (UTC ms), the total
// first, then the tag sets.
struct Second {
  std::uint64_t second = 0;
  std::int64_t unix_ms = 0;
  std::vector<Point> points;
};
// Makes the Seconds of merged intervals: every tag set seen so far gets a
// point each second (zero while idle), so a set's rows start with its first
// iteration and then come every second.
class SecondMaker {
 public:
  Second of(const agent::Interval &iv, std::int64_t start_unix_ms);

 private:
  std::map<std::string, std::vector<std::pair<std::string, std::string>>>
      known_;
};

// The end of a run as the outputs get it: the merged results (null when
// nothing was measured) and the members the CLI adds (hosts, thresholds).
// document() builds the whole tree; an output that can stream (json) reads
// the results instead, so a long run's rows are never one tree.
struct Finished {
  const agent::RunResults *results = nullptr;
  nlohmann::json extra = nlohmann::json::object();
  nlohmann::json document() const;
};

class Output {
 public:
  virtual ~Output() = default;
  virtual void start(const RunInfo &run) = 0;
  // The merged interval a second is made of, just before second() (for an
  // output that adds histograms up, as the dashboard's live thresholds).
  virtual void interval(const agent::Interval &) {}
  virtual void second(const Second &s) = 0;
  // The run's results document. Returns a line for the user ("" for none):
  // a failure, or what was not delivered.
  virtual std::string finish(const Finished &run) = 0;
  // true: finish() reported a failure that makes the run's outcome unknown
  // to the user (results not written), so the exit code says so.
  virtual bool failed() const { return false; }
};

// One `--out` value, parsed.
struct OutSpec {
  std::string type;    // json, csv, html, influxdb
  std::string target;  // FILE or URL
};

// Parses `value`, the `position`-th --out (1-based). Returns "" or the
// error, naming the value, its position and what is expected.
std::string parse_out(const std::string &value, std::size_t position,
                      OutSpec &out);

// Opens the output (a file is created now, so a bad path is refused before
// any load starts). Returns nullptr with `error` set when it cannot.
std::unique_ptr<Output> make_output(const OutSpec &spec, std::string &error);

}  // namespace golo::cli::outputs
