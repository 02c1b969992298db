// The run over time: one interval (about a second) at a time, for the total
// and per tag set; intervals of several hosts merged second by second; and a
// bounded store of them for the results, however long the run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "golo/agent/histogram.h"
#include "golo/agent/results.h"

namespace golo::agent {

// Merges `b` into `a`, two rows of one series. `same_time`: two hosts' (or
// runs') parts of the same interval, whose users add up; otherwise `b`
// follows `a` in time and the row keeps the peak of users. Histograms add
// up when both rows still have theirs; else the percentiles become the
// highest of the two, an upper bound (a mix of distributions has each
// quantile between its parts').
void merge_rows(SecondStats &a, const SecondStats &b, bool same_time);

// Rows of one series of the same run from two hosts (or runs), by second:
// a second both have is merged (same_time), the others inserted in order.
void merge_series(std::vector<SecondStats> &into,
                  const std::vector<SecondStats> &other);

struct SeriesLimits {
  // Rows per series. Beyond, rows cover 2, 4, 8 ... seconds: a 24-hour run
  // keeps 32-second rows (2,700 of them).
  std::size_t max_rows = 3600;
  // Histograms (8 bytes' worth of index and 8 of count per non-empty bucket)
  // are kept for the latest rows within this; older rows keep their
  // percentiles, computed while they had them.
  std::size_t histogram_bytes = 8u << 20;
};

// Intervals in order, into a per-second series of the total, one per tag
// set and one per step name (every set's calls added up), bounded by
// SeriesLimits. A tag set's (step's) series starts at its first interval
// with iterations (calls), then has a row for every interval.
class SeriesBuilder {
 public:
  explicit SeriesBuilder(SeriesLimits limits = {}, bool per_tag_set = true);

  // Intervals in order of total.second; one for a second already added (a
  // late host's part) is merged into its row.
  void add(const Interval &iv);
  // Fills r.series, r.tag_set_series and r.step_series.
  void fill(RunResults &r) const;
  // The same, moving the rows out (at a run's end: its series are not held
  // twice); the builder is empty after.
  void take(RunResults &r);
  std::uint64_t step() const { return step_; }  // seconds per row now
  std::size_t rows() const { return total_.size(); }
  // Memory held, counted: rows, histogram buckets, keys.
  std::size_t bytes() const;

 private:
  struct Set {
    std::vector<std::pair<std::string, std::string>> tags;
    std::vector<SecondStats> rows;
    std::size_t unfrozen = 0;  // rows before this have no histogram
  };
  using Sets = std::map<std::string, Set>;
  // One keyed row of an interval: a tag set's or a step's.
  struct Keyed {
    const std::string &key;
    const std::vector<std::pair<std::string, std::string>> &tags;
    SecondStats row;
  };
  void append(std::vector<SecondStats> &rows, SecondStats row);
  void merge_late(std::vector<SecondStats> &rows, SecondStats row);
  void add_keyed(Sets &sets, std::vector<Keyed> rows, std::uint64_t second,
                 bool late);
  void coarsen();
  bool freeze_oldest();
  void freeze_through(std::vector<SecondStats> &rows, std::size_t &cursor,
                      std::uint64_t second);

  SeriesLimits limits_;
  bool per_tag_set_;
  std::uint64_t step_ = 1;
  std::uint64_t last_second_ = 0;
  std::uint64_t frozen_through_ = 0;  // rows ending up to here: no histogram
  std::vector<SecondStats> total_;
  std::size_t total_unfrozen_ = 0;
  Sets sets_;
  Sets steps_;               // by step name (per_tag_set_ only)
  std::size_t buckets_ = 0;  // histogram entries held in all rows
};

// A host's run as its progress updates tell it, for a host whose stream
// broke before its results came (killed, crashed, unreachable, or Ctrl-C in
// the caller): each update carries its interval's histogram and the
// cumulative counts, so the intervals received add up exactly to what the
// host had measured by its last update, per tag set too. Error texts travel
// only in the final results, so they are not here.
class ProgressLog {
 public:
  // Updates in the order received. The first, at 0 s with nothing counted,
  // only says the load started. Returns the interval the update closes
  // (nothing for that first one).
  std::optional<Interval> add(const Progress &p);
  // The same with the update's tag sets apart (p.tag_sets is ignored):
  // they are moved into the interval, not copied (a second of a run with
  // thousands of sets is the CLI's largest allocation).
  std::optional<Interval> add(const Progress &p,
                              std::vector<TagSetInterval> sets);
  // A host's run resumed part-way (RunRequest.resumeOfUnixMs): its seconds
  // go on from `seconds` (the first update still only says it started).
  void resume_at(std::uint64_t seconds) { second_ = seconds; }
  // True once the host reported its load started.
  bool started() const { return started_; }
  const Progress &latest() const { return latest_; }
  // The intervals received as results (partial = true): the total's
  // iterations, errors, dropped and missed as last reported, its latency
  // (and corrected latency) the intervals' histograms merged, each tag set's
  // the sum of its intervals (counts, histograms, steps, checks), one series
  // entry per interval, and duration_s the elapsed time of the last update.
  RunResults results(const nlohmann::json &schedule) const;

 private:
  void add_set_interval(const TagSetInterval &set);

  bool started_ = false;
  std::uint64_t second_ = 0;
  Progress latest_;
  Histogram latency_;
  Histogram corrected_;           // from the intended start (closed model)
  std::vector<StepStats> steps_;  // the intervals' steps and checks, added
  std::vector<CheckStats> checks_;
  std::map<std::string, TagSetStats> sets_;      // the intervals' sets, added
  SeriesBuilder series_{SeriesLimits{}, false};  // the total's, bounded
};

// Several hosts' intervals as one: each host's arrive in order (from its
// stream); a second is released, merged, once every host still running has
// reported it, or once a host is `max_lag` seconds ahead of it (a host
// that stalls must not hold the others' rows back for ever: its intervals
// for seconds already released come out later, alone, counted in late();
// SeriesBuilder::add merges them into their rows, live outputs skip them).
class FleetSeries {
 public:
  explicit FleetSeries(std::size_t hosts, std::uint64_t max_lag = 30);
  void add(std::size_t host, Interval iv);
  void host_done(std::size_t host);  // no more intervals from it
  // The seconds ready, merged, in order.
  std::vector<Interval> take_ready();
  // Everything still pending (at the end of the run), in order.
  std::vector<Interval> take_all();
  // Intervals that came after their second had been released.
  std::uint64_t late() const { return late_; }

 private:
  std::vector<std::uint64_t> reported_;  // per host: last second received
  std::vector<bool> done_;
  std::map<std::uint64_t, Interval> pending_;
  std::uint64_t released_ = 0;  // seconds up to this are out
  std::uint64_t max_lag_;
  std::uint64_t late_ = 0;
  std::vector<Interval> late_out_;
};

}  // namespace golo::agent
