// The recorder's side of steps and checks: run-wide name tables (a name is
// an id, found without a lock through a hash index and locked only to add
// one of at most kMaxHostStepNames), and per tag set and shard, relaxed
// atomic counters per id in chunks of 64 ids, allocated the first time the
// set records a step or check in that chunk, so runs without any cost
// nothing and a journey of a few names costs one chunk.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "golo/agent/histogram.h"
#include "golo/agent/steps.h"

namespace golo::agent::detail {

class NameTable {
 public:
  // The id of `name`, added if new; kMaxHostStepNames when the table is
  // full.
  std::size_t find_or_add(std::string_view name);
  std::size_t size() const {
    return published_.load(std::memory_order_acquire);
  }
  const std::string &name(std::size_t id) const { return names_[id]; }

 private:
  // Slots of the hash index: a power of two, at most a quarter full.
  static constexpr std::size_t kSlots = 4 * kMaxHostStepNames;
  std::size_t probe(std::string_view name, std::uint64_t hash,
                    std::size_t &slot) const;
  std::array<std::string, kMaxHostStepNames> names_;       // immutable once
  std::array<std::uint64_t, kMaxHostStepNames> hashes_{};  // published
  // id + 1 of the name whose hash probes to each slot (linear probing).
  std::array<std::atomic<std::uint16_t>, kSlots> index_{};
  std::atomic<std::size_t> published_{0};
  std::mutex adding_;
};

// Distinct HTTP status codes counted per step name; more go to code 0.
inline constexpr std::size_t kStatusSlots = 15;

struct StepCell {
  AtomicHistogram latency;
  std::atomic<std::uint64_t> errors{0};
  // A slot's code is set once (0 -> code) and counted from then on.
  std::array<std::atomic<int>, kStatusSlots + 1> codes{};
  std::array<std::atomic<std::uint64_t>, kStatusSlots + 1> counts{};
  void count_status(int code);
};

struct CheckCell {
  std::atomic<std::uint64_t> passes{0}, fails{0};
};

// Ids [64 c, 64 c + 64) of one StepCounters.
struct StepChunk {
  static constexpr std::size_t kIds = 64;
  std::array<std::atomic<StepCell *>, kIds> steps{};
  std::array<CheckCell, kIds> checks;
  StepChunk() = default;
  StepChunk(const StepChunk &) = delete;
  StepChunk &operator=(const StepChunk &) = delete;
  ~StepChunk();
};

class StepCounters {
 public:
  StepCounters() = default;
  // Bytes of chunks, step cells and their histograms' chunks are added to
  // *meter.
  explicit StepCounters(std::atomic<std::int64_t> *meter) : meter_(meter) {}
  ~StepCounters();
  StepCounters(const StepCounters &) = delete;
  StepCounters &operator=(const StepCounters &) = delete;

  void record_step(std::size_t id, std::int64_t ns, bool failed,
                   int status = 0);
  void record_check(std::size_t id, bool passed);

  // Adds the cumulative counts into per-id totals (indexes are ids), making
  // the vectors long enough for every id with counts (no names set).
  void add_to(std::vector<StepStats> &steps,
              std::vector<CheckStats> &checks) const;
  // Back to zero, keeping what is allocated; only while no thread records.
  void reset();
  // Bytes allocated: chunks, step cells and their histograms' chunks.
  std::size_t bytes() const;

 private:
  StepChunk &chunk(std::size_t id);
  static constexpr std::size_t kChunks = kMaxHostStepNames / StepChunk::kIds;
  std::array<std::atomic<StepChunk *>, kChunks> chunks_{};
  std::atomic<std::int64_t> *meter_ = nullptr;
};

}  // namespace golo::agent::detail
