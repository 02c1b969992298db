#include "metrics/host_metrics.h"

#include <algorithm>

#include "plugins/thread_shard.h"

namespace golo::host {

namespace {

// /metrics stays bounded whatever names arrive: at most kMaxJobEntries jobs
// of kMaxJobLabelChars each have series of their own; the rest share
// job="_other".
constexpr std::size_t kMaxJobEntries = 256;
constexpr std::size_t kMaxJobLabelChars = 128;

template <typename Map>
auto &find_or_add(std::shared_mutex &mutex, Map &map, const std::string &job) {
  {
    std::shared_lock lock(mutex);
    auto it = map.find(job);
    if (it != map.end()) return *it->second;
  }
  std::unique_lock lock(mutex);
  const bool own = job.size() <= kMaxJobLabelChars &&
                   (map.size() < kMaxJobEntries - 1 || map.count(job));
  auto &slot = map[own ? job : std::string("_other")];
  if (!slot) slot = std::make_unique<typename Map::mapped_type::element_type>();
  return *slot;
}
}  // namespace

void TriggerStats::begin() {
  shards_[shard_of_this_thread() % kShards].started.fetch_add(
      1, std::memory_order_relaxed);
}

void TriggerStats::end(std::int64_t duration_ns, bool error) {
  Shard &s = shards_[shard_of_this_thread() % kShards];
  s.durations.record(duration_ns);
  if (error) s.errors.fetch_add(1, std::memory_order_relaxed);
  s.finished.fetch_add(1, std::memory_order_relaxed);
}

void TriggerStats::count_error() {
  shards_[shard_of_this_thread() % kShards].errors.fetch_add(
      1, std::memory_order_relaxed);
}

std::uint64_t TriggerStats::calls() const {
  std::uint64_t n = 0;
  for (const auto &s : shards_) n += s.finished.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t TriggerStats::errors() const {
  std::uint64_t n = 0;
  for (const auto &s : shards_) n += s.errors.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t TriggerStats::in_flight() const {
  // Finished first: started only grows and is never below finished.
  const std::uint64_t finished = calls();
  std::uint64_t started = 0;
  for (const auto &s : shards_)
    started += s.started.load(std::memory_order_relaxed);
  return started > finished ? started - finished : 0;
}

agent::Histogram TriggerStats::durations() const {
  agent::Histogram out;
  for (const auto &s : shards_) s.durations.add_to(out);
  return out;
}

std::uint64_t RunStats::begin() {
  std::lock_guard lock(mutex_);
  const std::uint64_t run = next_run_++;
  live_[run];
  return run;
}

void RunStats::progress(std::uint64_t run, const agent::Progress &p) {
  // Built outside the lock: a scrape never waits for it.
  const agent::Histogram interval = agent::Histogram::from_sparse(p.interval);
  std::lock_guard lock(mutex_);
  Totals &t = live_[run];
  // Progress counts are cumulative over the run; max() keeps them monotonic
  // should one arrive out of order.
  t.iterations = std::max(t.iterations, p.iterations);
  t.errors = std::max(t.errors, p.errors);
  t.active_users = p.active_users;
  t.latency.merge(interval);
}

void RunStats::finish(std::uint64_t run, const agent::RunResults *results) {
  std::lock_guard lock(mutex_);
  auto it = live_.find(run);
  if (it == live_.end()) return;
  const Totals &live = it->second;
  // The results hold every iteration the progress did, with exact sums;
  // never go below what was already exported.
  if (results && results->total.iterations >= live.iterations &&
      results->total.latency.count() >= live.latency.count()) {
    finished_.iterations += results->total.iterations;
    finished_.errors += std::max(results->total.errors, live.errors);
    finished_.latency.merge(results->total.latency);
  } else {
    finished_.iterations += live.iterations;
    finished_.errors += live.errors;
    finished_.latency.merge(live.latency);
  }
  live_.erase(it);
}

RunStats::Totals RunStats::totals() const {
  std::lock_guard lock(mutex_);
  Totals out = finished_;
  for (const auto &[run, t] : live_) {
    out.iterations += t.iterations;
    out.errors += t.errors;
    out.active_users += t.active_users;
    out.latency.merge(t.latency);
  }
  return out;
}

HostMetrics::HostMetrics()
    : id_([] {
        static std::atomic<std::uint64_t> next{1};
        return next.fetch_add(1, std::memory_order_relaxed);
      }()) {}

TriggerStats &HostMetrics::trigger(const std::string &job) {
  // Keyed by id, not address: a HostMetrics made where a destroyed one was
  // must not find the old one's statistics.
  thread_local struct {
    std::uint64_t owner = 0;
    std::string job;
    TriggerStats *stats = nullptr;
  } last;
  if (last.owner == id_ && last.job == job) return *last.stats;
  TriggerStats &stats = find_or_add(mutex_, triggers_, job);
  last.owner = id_;
  last.job = job;
  last.stats = &stats;
  return stats;
}

RunStats &HostMetrics::run(const std::string &job) {
  return find_or_add(mutex_, runs_, job);
}

RunRecord::RunRecord(HostMetrics &metrics, const std::string &job)
    : stats_(metrics.run(job)), run_(stats_.begin()) {}

RunRecord::~RunRecord() {
  if (!finished_) stats_.finish(run_, nullptr);
}

void RunRecord::finish(const agent::RunResults &results) {
  stats_.finish(run_, &results);
  finished_ = true;
}

}  // namespace golo::host
