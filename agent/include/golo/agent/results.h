// What a run measured: totals and per-tag-set statistics with their
// histograms, a per-second series, and the schedule that ran. Serialised so
// that several hosts' results merge exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "golo/agent/histogram.h"

namespace golo::agent {

inline constexpr std::size_t kMaxErrorSamples = 5;
inline constexpr std::size_t kMaxErrorTextLen = 512;
// The tag set that collects iterations beyond the distinct-set cap.
inline constexpr std::string_view kOtherTagSet = "_other";

struct ErrorSample {
  std::string text;
  std::uint64_t count = 0;
  bool operator==(const ErrorSample &) const = default;
};

// Latency summary in microseconds (fractions kept), as reports show it.
struct LatencyUs {
  double min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0,
         mean = 0;
  static LatencyUs of(const Histogram &ns);
};

struct TagSetStats {
  std::string key;  // "status=200,url=/x"; "" when no grouping tag was set
  std::vector<std::pair<std::string, std::string>> tags;
  std::uint64_t iterations = 0;   // finished, with or without error
  std::uint64_t errors = 0;       // of those, failed or flagged
  std::uint64_t dropped = 0;      // never started: no free user (open model)
  std::uint64_t interrupted = 0;  // still running when the run gave up
  Histogram latency;              // ns
  std::vector<ErrorSample> error_samples;  // up to 5 distinct texts

  // One finished iteration, for builders outside the executor.
  void add_iteration(std::int64_t latency_ns, bool error,
                     std::string_view error_text = {});
  // Counts an error text: a new text is kept while fewer than 5 are.
  void add_error_sample(std::string_view text, std::uint64_t count);
  void merge(const TagSetStats &other);
  double error_rate() const;  // errors / iterations, 0..1
};

// One second of the run (the interval before its end).
struct SecondStats {
  std::uint64_t second = 0;  // 1 for the first second
  std::uint64_t iterations = 0, errors = 0, dropped = 0;
  std::uint64_t active_users = 0;
  Histogram::Sparse latency;  // ns counters of the interval
  // Interval percentiles in ns, from the counters (bucket precision).
  std::int64_t percentile(double p) const;
};

struct RunResults {
  nlohmann::json schedule;  // the schedule that ran (Schedule::to_json)
  double duration_s = 0;    // from the start to the end of the schedule
  // The run ended before its schedule did (host shutdown, Ctrl-C): what it
  // holds is what ran until then. duration_s is the time it ran.
  bool stopped_early = false;
  // Some of it comes from progress updates alone (a host lost mid-run):
  // those parts are in the total and the series, not in the tag sets.
  bool partial = false;
  TagSetStats total;
  std::vector<TagSetStats> tag_sets;  // sorted by key
  std::vector<SecondStats> series;    // sorted by second

  double rate() const;                        // iterations per second
  double rate(const TagSetStats &set) const;  // same, for one tag set
  const TagSetStats *find(std::string_view key) const;

  nlohmann::json to_json() const;
  // Throws std::invalid_argument when `j` is not a results object. Fields
  // added to golo-results/1 since (stopped_early, partial) may be absent.
  static RunResults from_json(const nlohmann::json &j);
  // Adds another host's results of the same run (hosts run concurrently:
  // the duration is the longer of the two; stopped early or partial if
  // either is).
  void merge(const RunResults &other);
};

// What the control thread reports about once a second.
struct Progress {
  double elapsed_s = 0;
  std::uint64_t active_users = 0;
  std::uint64_t iterations = 0, errors = 0, dropped = 0;  // cumulative
  double interval_rate = 0;  // iterations/s over the last interval
  double p50_us = 0, p95_us = 0, p99_us = 0;  // over the last interval
  // The last interval's latencies, so that several hosts' progress can be
  // combined exactly (percentiles themselves cannot be merged).
  Histogram::Sparse interval;
};

// A host's run as its progress updates tell it, for a host whose stream
// broke before its results came (killed, crashed, unreachable, or Ctrl-C in
// the caller): each update carries its interval's histogram and the
// cumulative counts, so the intervals received add up exactly to what the
// host had measured by its last update. Per tag set statistics and error
// samples travel only in the final results, so they are not here.
class ProgressLog {
 public:
  // Updates in the order received. The first, at 0 s with nothing counted,
  // only says the load started.
  void add(const Progress &p);
  // True once the host reported its load started.
  bool started() const { return started_; }
  const Progress &latest() const { return latest_; }
  // The intervals received as results (partial = true): the total's
  // iterations, errors and dropped as last reported, its latency the
  // intervals' histograms merged, one series entry per interval, and
  // duration_s the elapsed time of the last update.
  RunResults results(const nlohmann::json &schedule) const;

 private:
  bool started_ = false;
  Progress latest_;
  Histogram latency_;
  std::vector<SecondStats> series_;
};

// Several hosts' latest progress as one: counts and rates add up; the
// interval percentiles come from the merged interval histograms, or, when a
// host sent none (an older host), are the worst host's.
Progress combine(const std::vector<Progress> &parts);

}  // namespace golo::agent
