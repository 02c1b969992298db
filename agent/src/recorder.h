// Where user threads record their iterations. No lock on the hot path and
// no allocation once a tag set has been seen: users are spread over shards
// (user % shards), each shard holds relaxed atomic counters per tag set, and
// tag sets are ids in a run-wide table that is searched without a lock (a
// hash index over it) and only locked to add a new set (at most
// kMaxHostTagSets times per run).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "golo/agent/histogram.h"
#include "golo/agent/iteration.h"
#include "golo/agent/results.h"
#include "pacing.h"
#include "step_counters.h"

namespace golo::agent::detail {

// A host tells apart more sets than the results name (kMaxResultTagSets):
// the merged results pick theirs by the whole run's counts.
inline constexpr std::size_t kMaxTagSets = kMaxHostTagSets;
inline constexpr std::size_t kOtherId = kMaxTagSets;  // the `_other` set
// Slots of the hash index: a power of two, at most a quarter full.
inline constexpr std::size_t kIndexSlots = 4 * kMaxTagSets;

// Up to five distinct error texts with counts, claimed slot by slot.
class ErrorSlots {
 public:
  void add(std::string_view text);
  void add_to(TagSetStats &out) const;

 private:
  struct Slot {
    std::atomic<int> state{0};  // 0 free, 1 being written, 2 readable
    std::string text;
    std::atomic<std::uint64_t> count{0};
  };
  std::array<Slot, kMaxErrorSamples> slots_;
};

struct SetCounters {
  AtomicHistogram latency;
  AtomicHistogram corrected;  // closed model: from the intended start
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> missed{0};  // slots its iterations overran
  ErrorSlots samples;
  std::atomic<StepCounters *> steps{nullptr};  // made by the first step/check
  SetCounters() = default;
  ~SetCounters() { delete steps.load(); }
  SetCounters(const SetCounters &) = delete;
  SetCounters &operator=(const SetCounters &) = delete;
};

struct alignas(64) Shard {
  std::array<std::atomic<SetCounters *>, kMaxTagSets + 1> sets{};
  AtomicHistogram overall;  // all tag sets, for the per-second series
  std::atomic<std::uint64_t> iterations{0};
  std::atomic<std::uint64_t> errors{0};
  // Steps and checks dropped: bad input, past a response's or the run's
  // limits (GOLO_MAX_STEPS, GOLO_MAX_STEP_NAMES).
  std::atomic<std::uint64_t> steps_dropped{0}, checks_dropped{0};
  ~Shard();
};

class Recorder {
 public:
  Recorder(std::vector<std::string> tag_keys, std::size_t users);

  // Hot path. `key` is the user's own scratch string, reused. `intended`
  // (closed model only): the iteration seen from its intended start, with
  // the slots it missed, recorded in the set's corrected histogram.
  void record(std::uint32_t user, const IterationOutcome &out,
              std::int64_t latency_ns, std::string &key,
              const FromIntended *intended = nullptr);

  // Cumulative overall counts so far (control thread).
  void snapshot(Histogram &latency, std::uint64_t &iterations,
                std::uint64_t &errors) const;
  // Per tag set results, sorted by key (the caller adds up the total).
  std::vector<TagSetStats> tag_sets() const;

  // Cumulative counts of every tag set so far, by id (control thread):
  // what the per-second intervals per tag set are differences of.
  struct SetSnapshot {
    std::size_t id = 0;
    Histogram latency;
    std::uint64_t iterations = 0, errors = 0;
    Histogram corrected;
    std::uint64_t missed = 0;
    // Cumulative per step and check id (index), empty when it had none;
    // an id it never ran has count 0 (checks: no passes or fails).
    std::vector<StepStats> steps;
    std::vector<CheckStats> checks;
  };
  void snapshot_sets(std::vector<SetSnapshot> &out) const;
  // Steps and checks dropped so far (cumulative).
  std::uint64_t steps_dropped() const;
  std::uint64_t checks_dropped() const;
  // The key and tags of set `id` (one snapshot_sets returned).
  void describe(std::size_t id, std::string &key,
                std::vector<std::pair<std::string, std::string>> &tags) const;

 private:
  std::size_t find_or_add(const IterationOutcome &out, const std::string &key,
                          std::uint64_t hash);
  void record_steps(Shard &shard, SetCounters &set,
                    const IterationOutcome &out);
  // Every shard's step counters of set `id`, by step and check id.
  void add_steps(std::size_t id, std::vector<StepStats> &steps,
                 std::vector<CheckStats> &checks) const;

  struct Entry {  // immutable once published
    std::uint64_t hash = 0;
    std::string key;
    std::vector<std::pair<std::string, std::string>> tags;
  };
  std::vector<std::string> tag_keys_;
  std::unique_ptr<Shard[]> shards_;
  std::size_t shard_count_;
  std::array<Entry, kMaxTagSets> entries_;
  std::atomic<std::size_t> published_{0};
  // id + 1 of the set whose hash probes to each slot (linear probing); 0
  // is empty. Written under adding_, after the entry is published.
  std::array<std::atomic<std::uint32_t>, kIndexSlots> index_{};
  std::mutex adding_;  // taken only to add a new tag set
  NameTable step_names_, check_names_;
};

}  // namespace golo::agent::detail
