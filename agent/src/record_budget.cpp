// --record-budget's rule for a Recorder: the counters of one run stay
// within the budget by folding the tag sets hit least into `_other`, never
// the ones a test is busiest with. On the hot path a set that would need
// new memory past the budget counts in `_other` for that record (it cannot
// wait); once a second the control thread folds the sets hit least in that
// second until the counters are well under the budget (3/4 of it, once
// they pass 7/8), frees their counters as each second of the ring is
// harvested, and lets folded sets back in, the most hit first, when there
// is room and they were hit more than the least of the named ones.
#include "recorder.h"

#include <algorithm>

namespace golo::agent::detail {

namespace {

std::int64_t counters_bytes(const SetCounters &c) {
  std::int64_t n = sizeof(SetCounters);
  n += static_cast<std::int64_t>(c.latency.chunk_bytes() +
                                 c.corrected.chunk_bytes());
  if (const StepCounters *steps = c.steps.load(std::memory_order_acquire))
    n += static_cast<std::int64_t>(steps->bytes());
  return n;
}

}  // namespace

std::int64_t Recorder::set_bytes(std::size_t id) const {
  std::int64_t n = 0;
  for (std::size_t s = 0; s < shard_count_; ++s)
    for (const auto &second : shards_[s].seconds)
      if (const SetCounters *c = second[id].load(std::memory_order_acquire))
        n += counters_bytes(*c);
  return n;
}

void Recorder::free_folded(std::size_t generation) {
  // Called by harvest: no record can touch this generation until it is
  // handed to its next second.
  const std::size_t n = published_.load(std::memory_order_acquire);
  for (std::size_t id = 0; id < n; ++id) {
    if (!out_[id].load(std::memory_order_relaxed)) continue;
    for (std::size_t s = 0; s < shard_count_; ++s) {
      auto &slot = shards_[s].seconds[generation][id];
      SetCounters *c = slot.exchange(nullptr, std::memory_order_acq_rel);
      if (!c) continue;
      bytes_.fetch_sub(counters_bytes(*c), std::memory_order_relaxed);
      delete c;
    }
  }
}

void Recorder::rebalance() {
  const std::int64_t high = budget_ - budget_ / 8, low = budget_ - budget_ / 4;
  // Nothing to fold and nothing to let back in: no walk over the sets.
  if (!budget_ ||
      (sets_folded_ == 0 && bytes_.load(std::memory_order_relaxed) < high))
    return;
  const std::size_t n = published_.load(std::memory_order_acquire);
  // What the counters hold once the folded sets' are freed.
  std::int64_t held = bytes_.load(std::memory_order_relaxed);
  std::vector<std::size_t> named, folded;
  std::int64_t named_bytes = 0;
  for (std::size_t id = 0; id < n; ++id) {
    hits_[id] += out_hits_[id].exchange(0, std::memory_order_relaxed);
    const std::int64_t bytes = set_bytes(id);
    if (out_[id].load(std::memory_order_relaxed)) {
      held -= bytes;
      folded.push_back(id);
    } else if (bytes > 0) {
      named_bytes += bytes;
      named.push_back(id);
    }
  }
  const auto hit_less = [this](std::size_t a, std::size_t b) {
    return hits_[a] != hits_[b] ? hits_[a] < hits_[b] : a > b;
  };
  std::sort(named.begin(), named.end(), hit_less);
  if (held >= high) {
    for (const std::size_t id : named) {
      if (held < low) break;
      out_[id].store(true, std::memory_order_relaxed);
      held -= set_bytes(id);
      ++sets_folded_;
    }
  } else if (!folded.empty()) {
    // Room: the most hit folded sets come back while there is, each
    // taking what a named set takes on average.
    const std::uint64_t least = named.empty() ? 0 : hits_[named.front()];
    const std::int64_t each =
        named.empty() ? 0
                      : named_bytes / static_cast<std::int64_t>(named.size());
    std::sort(folded.begin(), folded.end(),
              [&](std::size_t a, std::size_t b) { return hit_less(b, a); });
    for (const std::size_t id : folded) {
      if (hits_[id] <= least || held + each >= low) break;
      out_[id].store(false, std::memory_order_relaxed);
      held += each;
    }
  }
}

}  // namespace golo::agent::detail
