#include "step_counters.h"

namespace golo::agent::detail {

namespace {

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::size_t NameTable::probe(std::string_view name, std::uint64_t hash,
                             std::size_t &slot) const {
  static_assert((kSlots & (kSlots - 1)) == 0);
  for (slot = hash & (kSlots - 1);; slot = (slot + 1) & (kSlots - 1)) {
    const std::uint16_t v = index_[slot].load(std::memory_order_acquire);
    if (v == 0) return kMaxHostStepNames;  // not (yet) there
    if (hashes_[v - 1] == hash && names_[v - 1] == name) return v - 1;
  }
}

std::size_t NameTable::find_or_add(std::string_view name) {
  const std::uint64_t hash = fnv1a(name);
  std::size_t slot = 0;
  if (const std::size_t id = probe(name, hash, slot); id < kMaxHostStepNames)
    return id;
  if (published_.load(std::memory_order_acquire) == kMaxHostStepNames)
    return kMaxHostStepNames;
  std::lock_guard lock(adding_);
  // Another thread may have added it since: probe again, under the lock.
  if (const std::size_t id = probe(name, hash, slot); id < kMaxHostStepNames)
    return id;
  const std::size_t now = published_.load(std::memory_order_relaxed);
  if (now == kMaxHostStepNames) return kMaxHostStepNames;
  names_[now].assign(name);
  hashes_[now] = hash;
  published_.store(now + 1, std::memory_order_release);
  index_[slot].store(static_cast<std::uint16_t>(now + 1),
                     std::memory_order_release);
  return now;
}

StepChunk::~StepChunk() {
  for (auto &s : steps) delete s.load();
}

StepCounters::~StepCounters() {
  for (auto &c : chunks_) delete c.load();
}

StepChunk &StepCounters::chunk(std::size_t id) {
  auto &slot = chunks_[id / StepChunk::kIds];
  StepChunk *c = slot.load(std::memory_order_acquire);
  if (c) return *c;
  auto *fresh = new StepChunk();
  if (slot.compare_exchange_strong(c, fresh, std::memory_order_acq_rel)) {
    if (meter_) meter_->fetch_add(sizeof(StepChunk), std::memory_order_relaxed);
    return *fresh;
  }
  delete fresh;
  return *c;
}

void StepCell::count_status(int code) {
  for (std::size_t i = 0; i < kStatusSlots; ++i) {
    int seen = codes[i].load(std::memory_order_acquire);
    if (seen == 0 && (codes[i].compare_exchange_strong(
                          seen, code, std::memory_order_acq_rel) ||
                      seen == code)) {
      counts[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (seen == code) {
      counts[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  counts[kStatusSlots].fetch_add(1, std::memory_order_relaxed);  // code 0
}

void StepCounters::record_step(std::size_t id, std::int64_t ns, bool failed,
                               int status) {
  auto &slot = chunk(id).steps[id % StepChunk::kIds];
  StepCell *cell = slot.load(std::memory_order_acquire);
  if (!cell) {
    auto *fresh = new StepCell();
    fresh->latency.set_meter(meter_);
    if (slot.compare_exchange_strong(cell, fresh, std::memory_order_acq_rel)) {
      cell = fresh;
      if (meter_)
        meter_->fetch_add(sizeof(StepCell), std::memory_order_relaxed);
    } else {
      delete fresh;
    }
  }
  // The latency before the error, and add_to reads them the other way
  // round, as the recorder does for iterations: a snapshot never has more
  // errors than counted steps.
  cell->latency.record(ns);
  if (failed) cell->errors.fetch_add(1, std::memory_order_relaxed);
  if (status > 0) cell->count_status(status);
}

void StepCounters::record_check(std::size_t id, bool passed) {
  CheckCell &cell = chunk(id).checks[id % StepChunk::kIds];
  (passed ? cell.passes : cell.fails).fetch_add(1, std::memory_order_relaxed);
}

void StepCounters::add_to(std::vector<StepStats> &steps,
                          std::vector<CheckStats> &checks) const {
  for (std::size_t c = 0; c < kChunks; ++c) {
    const StepChunk *chunk = chunks_[c].load(std::memory_order_acquire);
    if (!chunk) continue;
    for (std::size_t i = 0; i < StepChunk::kIds; ++i) {
      const std::size_t id = c * StepChunk::kIds + i;
      if (const StepCell *cell =
              chunk->steps[i].load(std::memory_order_acquire)) {
        const std::uint64_t errors =
            cell->errors.load(std::memory_order_relaxed);
        if (steps.size() <= id) steps.resize(id + 1);
        steps[id].errors += errors;
        cell->latency.add_to(steps[id].latency);
        for (std::size_t k = 0; k <= kStatusSlots; ++k)
          if (const auto n = cell->counts[k].load(std::memory_order_relaxed))
            steps[id].add_status(
                k < kStatusSlots
                    ? cell->codes[k].load(std::memory_order_acquire)
                    : 0,
                n);
      }
      const std::uint64_t passes =
          chunk->checks[i].passes.load(std::memory_order_relaxed);
      const std::uint64_t fails =
          chunk->checks[i].fails.load(std::memory_order_relaxed);
      if (passes + fails == 0) continue;
      if (checks.size() <= id) checks.resize(id + 1);
      checks[id].passes += passes;
      checks[id].fails += fails;
    }
  }
}

std::size_t StepCounters::bytes() const {
  std::size_t n = sizeof(StepCounters);
  for (const auto &slot : chunks_) {
    const StepChunk *chunk = slot.load(std::memory_order_acquire);
    if (!chunk) continue;
    n += sizeof(StepChunk);
    for (const auto &s : chunk->steps)
      if (const StepCell *cell = s.load(std::memory_order_acquire))
        n += sizeof(StepCell) + cell->latency.chunk_bytes();
  }
  return n;
}

void StepCounters::reset() {
  for (auto &slot : chunks_) {
    StepChunk *chunk = slot.load(std::memory_order_acquire);
    if (!chunk) continue;
    for (auto &s : chunk->steps)
      if (StepCell *cell = s.load(std::memory_order_acquire)) {
        cell->latency.reset();
        cell->errors.store(0, std::memory_order_relaxed);
        for (auto &n : cell->counts) n.store(0, std::memory_order_relaxed);
      }
    for (auto &check : chunk->checks) {
      check.passes.store(0, std::memory_order_relaxed);
      check.fails.store(0, std::memory_order_relaxed);
    }
  }
}

}  // namespace golo::agent::detail
