// What a run measured: totals and per-tag-set statistics with their
// histograms, a per-second series, and the schedule that ran. Serialised so
// that several hosts' results merge exactly.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "golo/agent/histogram.h"
#include "golo/agent/steps.h"

namespace golo::agent {

inline constexpr std::size_t kMaxErrorSamples = 5;
inline constexpr std::size_t kMaxErrorTextLen = 512;
// The tag set that collects iterations beyond the distinct-set cap.
inline constexpr std::string_view kOtherTagSet = "_other";
// The most tag sets a run's results name (the rest are counted together as
// _other): applied once, to the merged results (RunResults::cap_tag_sets).
inline constexpr std::size_t kMaxResultTagSets = 256;
// The most a host tells apart, so that the merged results can pick theirs
// by the whole run's counts (beyond it a host counts the rest as _other).
inline constexpr std::size_t kMaxHostTagSets = 1024;

// A tag set's name, its `key`: "k=v,k=v" in the tags' order, with '\', ','
// and '=' inside a key or a value escaped by '\', so that two different
// sets never share a name ({status:"1,url=x"} is "status=1\,url\=x",
// {status:"1", url:"x"} is "status=1,url=x").
std::string tag_set_key(
    const std::vector<std::pair<std::string, std::string>> &tags);

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
  // Closed model with pacing: slots the set's iterations overran, so their
  // users never started them (docs/schedules.md, "Missed slots").
  std::uint64_t missed = 0;
  Histogram latency;  // ns: closed model from the actual start
  // Closed model: latency from each iteration's intended start, plus one
  // sample per missed slot (wrk2's correction). Empty in the open model,
  // whose `latency` is already from the intended (scheduled) start.
  Histogram corrected;
  std::vector<ErrorSample> error_samples;  // up to 5 distinct texts
  // Per step and check name (ABI 1.1), in the order the names first ran.
  std::vector<StepStats> steps{};
  std::vector<CheckStats> checks{};

  // The latency from the intended start: `corrected`, or `latency` when
  // there is none (the open model).
  const Histogram &from_intended() const {
    return corrected.count() ? corrected : latency;
  }

  // One finished iteration, for builders outside the executor.
  void add_iteration(std::int64_t latency_ns, bool error,
                     std::string_view error_text = {});
  // Counts an error text: a new text is kept while fewer than 5 are.
  void add_error_sample(std::string_view text, std::uint64_t count);
  void merge(const TagSetStats &other);
  double error_rate() const;  // errors / iterations, 0..1
};

// A row's latency percentiles in ns.
struct RowLatency {
  std::int64_t p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;
  static RowLatency of(const Histogram::Sparse &counts);
  bool operator==(const RowLatency &) const = default;
};

// One second of the run (the interval before its end), or, in a long run's
// older rows, `seconds` seconds ending with `second`.
struct SecondStats {
  std::uint64_t second = 0;  // 1 for the first second
  std::uint64_t iterations = 0, errors = 0, dropped = 0;
  std::uint64_t missed = 0;        // slots overrun (closed model)
  std::uint64_t active_users = 0;  // peak of the seconds, in a longer row
  // ns counters of the interval; emptied in a long run's older rows, which
  // keep `kept` instead.
  Histogram::Sparse latency;
  std::uint64_t seconds = 1;
  RowLatency kept;  // the percentiles once `latency` is dropped
  // Interval percentiles in ns, from the counters (bucket precision) while
  // they are kept, else as kept.
  std::int64_t percentile(double p) const;
  RowLatency quantiles() const;
  // The counters were dropped (only percentiles remain).
  bool frozen() const { return latency.empty() && iterations > 0; }
  // Drops the counters, keeping their percentiles.
  void freeze();
};

// One tag set over time, aligned with RunResults::series.
struct TagSetSeries {
  std::string key;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<SecondStats> rows;  // dropped, active_users unused
};

// One step name over time, every tag set's calls of it added up: rows
// aligned with RunResults::series from the step's first second, a row per
// second after (zero when idle). A row's `iterations` are the step's calls
// in it, `errors` the failed ones, `latency` their durations.
struct StepSeries {
  std::string name;
  std::vector<SecondStats> rows;  // dropped, active_users, missed unused
};

// A data file of the run (a schedule's or a scenario's data), as the
// summary and the JSON ("data") report it. Mode unique hands each row out
// once: when a host's rows are all used its run ends there, a natural end,
// counted here.
struct DataUse {
  std::string file;      // as the schedule names it
  std::string scenario;  // whose data it is; "" for the job: form
  std::string mode;
  std::uint64_t rows = 0;       // in the file
  std::uint64_t rows_used = 0;  // unique: rows handed out, all hosts
  std::uint64_t hosts_out = 0;  // unique: hosts whose rows ran out
  double ran_out_s = 0;         // when the last of them did, from the start
  // Adds another host's use of the same file and scenario.
  void merge(const DataUse &other);
};

struct RunResults {
  nlohmann::json schedule;  // the schedule that ran (Schedule::to_json)
  double duration_s = 0;    // from the start to the end of the schedule
  // The run ended before its schedule did (host shutdown, Ctrl-C): what it
  // holds is what ran until then. duration_s is the time it ran.
  bool stopped_early = false;
  // Some of it comes from progress updates alone (a host lost mid-run): its
  // counts, histograms, steps and checks up to that host's last update are
  // here, but not its error texts nor what ended after that update.
  bool partial = false;
  TagSetStats total;
  std::vector<TagSetStats> tag_sets;         // sorted by key
  std::vector<SecondStats> series;           // sorted by second
  std::vector<TagSetSeries> tag_set_series;  // sorted by key
  std::vector<StepSeries> step_series;       // sorted by name
  // The run's absolute start, UTC ms since the epoch (0: unknown). A row's
  // time is its end: start_unix_ms + 1000 * second.
  std::int64_t start_unix_ms = 0;
  // Tag sets folded into _other by cap_tag_sets; and whether some host
  // already had an _other of its own (it saw over kMaxHostTagSets sets), in
  // which case a named set may miss some of that host's iterations.
  std::uint64_t folded_tag_sets = 0;
  bool host_folded_tag_sets = false;
  // Iterations a host recorded in _other because its recording counters
  // reached golo-host's --record-budget (then host_folded_tag_sets too).
  std::uint64_t over_budget = 0;
  // Steps and checks the plugin reported that were not counted: NULL or
  // empty names, negative durations, past GOLO_MAX_STEPS on one response
  // or GOLO_MAX_STEP_NAMES names in the run.
  std::uint64_t steps_dropped = 0, checks_dropped = 0;
  // Step and check names cap_steps counted together as kOtherStep.
  std::uint64_t folded_steps = 0, folded_checks = 0;
  std::vector<DataUse> data;  // one per scenario with a data file
  // Fiber runs: times an iteration ran over 10 ms on its loop without
  // yielding (a blocking call in the plugin), holding up the loop's other
  // users (RunOptions::on_stall). In the JSON only when not 0.
  std::uint64_t stalls = 0;

  double rate() const;                        // iterations per second
  double rate(const TagSetStats &set) const;  // same, for one tag set
  const TagSetStats *find(std::string_view key) const;

  nlohmann::json to_json() const;
  // to_json()'s document written to `out` with `extra`'s members (an
  // object) added, a row at a time: the series are never one tree, and an
  // object of plain values (a row, a histogram) takes one line.
  void write_json(std::ostream &out,
                  const nlohmann::json &extra = nlohmann::json::object()) const;
  // The document without series, tag_set_series and step_series (and, unless
  // `with_sets`, an empty tag_sets), one tag set's entry, and one series row.
  nlohmann::json head_json(bool with_sets = true) const;
  nlohmann::json tag_set_json(const TagSetStats &set) const;
  static nlohmann::json row_json(const SecondStats &row,
                                 std::int64_t start_unix_ms, bool total);
  // Throws std::invalid_argument when `j` is not a results object. Fields
  // added to golo-results/1 since (stopped_early, partial, start_unix_ms,
  // tag_set_series, step_series, a row's seconds, unix_ms, p90_us; a row's
  // buckets in a long run's older rows; missed, histogram_corrected) may be
  // absent.
  static RunResults from_json(const nlohmann::json &j);
  // One entry of the JSON's tag_sets, as from_json reads it (throws
  // std::invalid_argument): for a reader that takes the sets one by one.
  static TagSetStats tag_set_from_json(const nlohmann::json &j);
  // Adds another host's results of the same run (hosts run concurrently:
  // the duration is the longer of the two; stopped early or partial if
  // either is).
  void merge(const RunResults &other);
  // Keeps the `max` tag sets with the most iterations (then by key) named
  // and counts the others, with their series, together as _other. Run once
  // on the merged results, so that every host's share of a set is counted
  // in the same place whatever the order each host met the sets in.
  void cap_tag_sets(std::size_t max = kMaxResultTagSets);
  // The same for step and check names, by the total's counts (each host
  // tells apart up to kMaxHostStepNames): the `max` most run are named, in
  // the total and in every tag set, and the others are counted together as
  // the step (check) kOtherStep. Run once, on the merged results.
  void cap_steps(std::size_t max = kMaxStepNames);
};

// Reads a results tag set's "steps" and "checks" (golo-results/1, absent in
// older files) into `into`. Throws std::invalid_argument for a step whose
// count disagrees with its histogram, nlohmann's errors for a bad shape.
void steps_from_json(const nlohmann::json &set, TagSetStats &into);

// One tag set's part of one interval.
struct TagSetInterval {
  std::string key;  // as TagSetStats::key ("_other", "" when untagged)
  std::vector<std::pair<std::string, std::string>> tags;
  std::uint64_t iterations = 0, errors = 0;
  Histogram::Sparse latency;  // ns counters of the interval
  // Closed model: the interval's latencies from the intended start (as
  // TagSetStats::corrected); empty in the open model.
  Histogram::Sparse corrected{};
  std::uint64_t missed = 0;  // slots its iterations overran
  // The interval's steps and checks (counts within it), by name.
  std::vector<StepInterval> steps{};
  std::vector<CheckStats> checks{};
};

// One interval of a run: the total (total.second is its 1-based index) and
// every tag set that finished iterations in it, sorted by key.
struct Interval {
  SecondStats total;
  std::vector<TagSetInterval> sets;
  // Adds the same second of another host: counts, users and histograms
  // add up, so percentiles of the sum are exact.
  void merge(const Interval &other);
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
  // The last interval per tag set (those that finished iterations in it),
  // sorted by key.
  std::vector<TagSetInterval> tag_sets;
  std::uint64_t missed = 0;  // cumulative: slots overrun (closed model)
  // The last interval's latencies from the intended start (closed model;
  // TagSetStats::corrected), so that a lost host's part keeps them.
  Histogram::Sparse interval_corrected;
  // Cumulative, as RunResults::steps_dropped and checks_dropped.
  std::uint64_t steps_dropped = 0, checks_dropped = 0;
};

// Several hosts' latest progress as one: counts and rates add up; the
// interval percentiles come from the merged interval histograms, or, when a
// host sent none (an older host), are the worst host's.
Progress combine(const std::vector<Progress> &parts);

// A host's progress once its call has ended: its cumulative counts, with
// no active users, rate or last interval (the live line counts only hosts
// still running).
Progress counts_only(const Progress &p);

}  // namespace golo::agent
