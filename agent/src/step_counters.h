// The recorder's side of steps and checks: run-wide name tables (a name is
// an id, found without a lock and locked only to add one of at most 64), and
// per tag set and shard, relaxed atomic counters per id, allocated the first
// time the set records a step or check, so runs without any cost nothing.
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
  // The id of `name`, added if new; kMaxStepNames when the table is full.
  std::size_t find_or_add(std::string_view name);
  std::size_t size() const {
    return published_.load(std::memory_order_acquire);
  }
  const std::string &name(std::size_t id) const { return names_[id]; }

 private:
  std::array<std::string, kMaxStepNames> names_;  // immutable once published
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

class StepCounters {
 public:
  StepCounters() = default;
  // Bytes of step cells and their chunks are added to *meter.
  explicit StepCounters(std::atomic<std::int64_t> *meter) : meter_(meter) {}
  ~StepCounters();
  StepCounters(const StepCounters &) = delete;
  StepCounters &operator=(const StepCounters &) = delete;

  void record_step(std::size_t id, std::int64_t ns, bool failed,
                   int status = 0);
  void record_check(std::size_t id, bool passed);

  // Adds the cumulative counts into per-id totals (indexes are ids; the
  // vectors are at least as long as the tables' sizes).
  void add_to(std::vector<StepStats> &steps,
              std::vector<CheckStats> &checks) const;
  // Back to zero, keeping what is allocated; only while no thread records.
  void reset();

 private:
  std::array<std::atomic<StepCell *>, kMaxStepNames> steps_{};
  std::array<CheckCell, kMaxStepNames> checks_;
  std::atomic<std::int64_t> *meter_ = nullptr;
};

// A lazily made StepCounters behind an atomic pointer (one per tag set and
// shard), made by the first thread that needs it.
StepCounters &counters_of(std::atomic<StepCounters *> &slot);

}  // namespace golo::agent::detail
