// What /metrics reports that the plugin registry does not know: per job,
// the Job.Trigger calls this worker served and the iterations of the runs
// it ran. Kept per job name, not per plugin version, so counters keep
// growing across reloads; they start from zero in each worker (Prometheus'
// rate() and increase() treat that as a counter reset).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "golo/agent/histogram.h"
#include "golo/agent/results.h"

namespace golo::host {

// One job's Job.Trigger calls. Recording is a few relaxed atomics into the
// calling thread's shard (the counters of LoadedGeneration, plus one HDR
// histogram record); scrapes sum the shards.
class TriggerStats {
 public:
  // Same thread for both: the shard is the thread's.
  void begin();
  void end(std::int64_t duration_ns, bool error);
  // One more error for a call that ended without one: its reply could not
  // be sent.
  void count_error();

  std::uint64_t calls() const;  // finished
  std::uint64_t errors() const;
  std::uint64_t in_flight() const;
  agent::Histogram durations() const;

 private:
  static constexpr std::size_t kShards = 8;
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> started{0}, finished{0}, errors{0};
    agent::AtomicHistogram durations;
  };
  std::array<Shard, kShards> shards_;
};

// One job's runs: the finished runs' exact totals plus the live runs'
// totals so far, fed once a second from their progress (no recording of
// its own on the iterations' path).
class RunStats {
 public:
  struct Totals {
    std::uint64_t iterations = 0, errors = 0, active_users = 0;
    agent::Histogram latency;  // ns
  };
  std::uint64_t begin();  // a run id
  void progress(std::uint64_t run, const agent::Progress &p);
  // Replaces the run's live totals by its exact results (or, without
  // results, keeps what its progress reported).
  void finish(std::uint64_t run, const agent::RunResults *results);
  Totals totals() const;

 private:
  mutable std::mutex mutex_;
  Totals finished_;
  std::map<std::uint64_t, Totals> live_;
  std::uint64_t next_run_ = 1;
};

class HostMetrics {
 public:
  HostMetrics();
  // The job's statistics, created on first use and never removed, so a
  // reference stays valid for the life of this object. Each thread
  // remembers the last job it asked for: a server thread calling one job
  // over and over takes no lock.
  TriggerStats &trigger(const std::string &job);
  RunStats &run(const std::string &job);

  // Visits every job seen so far, in name order.
  template <typename F>
  void each_trigger(F f) const {
    std::shared_lock lock(mutex_);
    for (const auto &[job, stats] : triggers_) f(job, *stats);
  }
  template <typename F>
  void each_run(F f) const {
    std::shared_lock lock(mutex_);
    for (const auto &[job, stats] : runs_) f(job, *stats);
  }

 private:
  const std::uint64_t id_;  // tells this object from a later one
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<TriggerStats>> triggers_;
  std::map<std::string, std::unique_ptr<RunStats>> runs_;
};

// A run's link to its job's RunStats for the length of RunnerService::Run:
// the destructor finishes the run if finish() was not called (an error).
class RunRecord {
 public:
  RunRecord(HostMetrics &metrics, const std::string &job);
  ~RunRecord();
  RunRecord(const RunRecord &) = delete;
  RunRecord &operator=(const RunRecord &) = delete;
  void progress(const agent::Progress &p) { stats_.progress(run_, p); }
  void finish(const agent::RunResults &results);

 private:
  RunStats &stats_;
  std::uint64_t run_;
  bool finished_ = false;
};

}  // namespace golo::host
