#include "step_counters.h"

namespace golo::agent::detail {

std::size_t NameTable::find_or_add(std::string_view name) {
  auto search = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
      if (names_[i] == name) return i;
    return to;
  };
  const std::size_t n = published_.load(std::memory_order_acquire);
  if (const std::size_t i = search(0, n); i < n) return i;
  if (n == kMaxStepNames) return kMaxStepNames;
  std::lock_guard lock(adding_);
  const std::size_t now = published_.load(std::memory_order_relaxed);
  if (const std::size_t i = search(n, now); i < now) return i;
  if (now == kMaxStepNames) return kMaxStepNames;
  names_[now].assign(name);
  published_.store(now + 1, std::memory_order_release);
  return now;
}

StepCounters::~StepCounters() {
  for (auto &s : steps_) delete s.load();
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
  auto &slot = steps_[id];
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
  (passed ? checks_[id].passes : checks_[id].fails)
      .fetch_add(1, std::memory_order_relaxed);
}

void StepCounters::add_to(std::vector<StepStats> &steps,
                          std::vector<CheckStats> &checks) const {
  for (std::size_t id = 0; id < steps.size() && id < kMaxStepNames; ++id) {
    const StepCell *cell = steps_[id].load(std::memory_order_acquire);
    if (!cell) continue;
    steps[id].errors += cell->errors.load(std::memory_order_relaxed);
    cell->latency.add_to(steps[id].latency);
    for (std::size_t i = 0; i <= kStatusSlots; ++i)
      if (const auto n = cell->counts[i].load(std::memory_order_relaxed))
        steps[id].add_status(
            i < kStatusSlots ? cell->codes[i].load(std::memory_order_acquire)
                             : 0,
            n);
  }
  for (std::size_t id = 0; id < checks.size() && id < kMaxStepNames; ++id) {
    checks[id].passes += checks_[id].passes.load(std::memory_order_relaxed);
    checks[id].fails += checks_[id].fails.load(std::memory_order_relaxed);
  }
}

void StepCounters::reset() {
  for (auto &slot : steps_)
    if (StepCell *cell = slot.load(std::memory_order_acquire)) {
      cell->latency.reset();
      cell->errors.store(0, std::memory_order_relaxed);
      for (auto &n : cell->counts) n.store(0, std::memory_order_relaxed);
    }
  for (auto &check : checks_) {
    check.passes.store(0, std::memory_order_relaxed);
    check.fails.store(0, std::memory_order_relaxed);
  }
}

StepCounters &counters_of(std::atomic<StepCounters *> &slot) {
  StepCounters *c = slot.load(std::memory_order_acquire);
  if (c) return *c;
  auto *fresh = new StepCounters();
  if (slot.compare_exchange_strong(c, fresh, std::memory_order_acq_rel))
    return *fresh;
  delete fresh;
  return *c;
}

}  // namespace golo::agent::detail
