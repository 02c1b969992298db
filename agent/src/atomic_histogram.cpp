// AtomicHistogram: the recorder's lock-free side of the histogram (see
// histogram.h). Its counters are 32 bits; add_count keeps them exact past
// that by carrying the wraps.
#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "chunk_pool.h"
#include "golo/agent/histogram.h"
#include "histogram_walk.h"

namespace golo::agent {

using detail::clamp_value;
using detail::walk_descending;
using L = HistogramLayout;

struct AtomicHistogram::Carries {
  std::mutex lock;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> by_index;
};

AtomicHistogram::~AtomicHistogram() {
  for (auto &chunk : chunks_) delete[] chunk.load();
  delete carries_.load();
}

AtomicHistogram::Counter *AtomicHistogram::counter(std::uint32_t index) {
  auto &slot = chunks_[index / kChunkLen];
  auto *chunk = slot.load(std::memory_order_acquire);
  if (!chunk) {
    // First value in this range: a parked chunk or a new one; a racing
    // thread's loses the exchange and goes back.
    auto *pooled = pool_ ? pool_->take() : nullptr;
    auto *fresh = pooled ? pooled : new Counter[kChunkLen]();
    if (slot.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel)) {
      chunk = fresh;
      if (meter_) meter_->fetch_add(kChunkBytes, std::memory_order_relaxed);
    } else if (pooled) {
      pool_->park(pooled);
    } else {
      delete[] fresh;
    }
  }
  return &chunk[index % kChunkLen];
}

void AtomicHistogram::add_count(std::uint32_t index, std::uint64_t n) {
  const auto low = static_cast<std::uint32_t>(n);
  const std::uint32_t old =
      counter(index)->fetch_add(low, std::memory_order_relaxed);
  // What the counter cannot hold: n's multiples of 2^32, and one more if
  // this add wrapped it.
  std::uint64_t carry = n - low;
  if (static_cast<std::uint64_t>(old) + low > UINT32_MAX) carry += 1ULL << 32;
  if (carry == 0) return;
  Carries *c = carries_.load(std::memory_order_acquire);
  if (!c) {
    auto *fresh = new Carries;
    if (carries_.compare_exchange_strong(c, fresh, std::memory_order_acq_rel))
      c = fresh;
    else
      delete fresh;
  }
  const std::lock_guard hold(c->lock);
  for (auto &[i, v] : c->by_index)
    if (i == index) {
      v += carry;
      return;
    }
  c->by_index.emplace_back(index, carry);
}

bool AtomicHistogram::covers(std::int64_t value_ns) const {
  const std::uint32_t index = L::index_of(value_ns);
  return chunks_[index / kChunkLen].load(std::memory_order_relaxed) != nullptr;
}

std::size_t AtomicHistogram::chunk_bytes() const {
  std::size_t n = 0;
  for (const auto &chunk : chunks_)
    if (chunk.load(std::memory_order_relaxed)) n += kChunkBytes;
  return n;
}

void AtomicHistogram::record_all(const Pending *records, std::size_t n) {
  constexpr std::size_t kMax = 128;
  std::array<std::uint32_t, kMax> index;
  for (std::size_t from = 0; from < n; from += kMax) {
    const std::size_t to = std::min(n, from + kMax);
    // Three passes, each loading what the next needs: the histogram's
    // scalars and chunk pointer, then the counter, then the adds.
    for (std::size_t i = from; i < to; ++i) {
      AtomicHistogram &h = *records[i].into;
      const auto v =
          static_cast<std::int64_t>(clamp_value(records[i].value_ns));
      index[i - from] = L::index_of(v);
      __builtin_prefetch(&h.count_, 1, 3);
      __builtin_prefetch(&h.chunks_[index[i - from] / kChunkLen], 0, 3);
    }
    for (std::size_t i = from; i < to; ++i) {
      const AtomicHistogram &h = *records[i].into;
      const std::uint32_t x = index[i - from];
      if (const auto *chunk =
              h.chunks_[x / kChunkLen].load(std::memory_order_relaxed))
        __builtin_prefetch(&chunk[x % kChunkLen], 1, 3);
    }
    for (std::size_t i = from; i < to; ++i)
      records[i].into->record(records[i].value_ns);
  }
}

void AtomicHistogram::add_run(std::uint32_t index, std::uint64_t n,
                              std::uint64_t sum, std::uint64_t clamped,
                              std::int64_t lo, std::int64_t hi) {
  if (clamped) clamped_.fetch_add(clamped, std::memory_order_relaxed);
  sum_.fetch_add(sum, std::memory_order_relaxed);
  count_.fetch_add(n, std::memory_order_relaxed);
  auto low = min_.load(std::memory_order_relaxed);
  while (lo < low &&
         !min_.compare_exchange_weak(low, lo, std::memory_order_relaxed)) {
  }
  auto high = max_.load(std::memory_order_relaxed);
  while (hi > high &&
         !max_.compare_exchange_weak(high, hi, std::memory_order_relaxed)) {
  }
  // Last: the counter is the likely cache miss (record_all prefetches it).
  add_count(index, n);
}

void AtomicHistogram::record(std::int64_t value_ns) {
  const auto v = static_cast<std::int64_t>(clamp_value(value_ns));
  add_run(L::index_of(v), 1, static_cast<std::uint64_t>(v),
          value_ns > L::kHighest ? 1 : 0, v, v);
}

void AtomicHistogram::record_descending(std::int64_t top, std::int64_t step,
                                        std::uint64_t n) {
  walk_descending(
      top, step, n,
      [this](std::uint32_t index, std::uint64_t c, std::uint64_t sum,
             std::uint64_t clamped, std::int64_t lo,
             std::int64_t hi) { add_run(index, c, sum, clamped, lo, hi); });
}

void AtomicHistogram::add_to(Histogram &out) const {
  // The count is taken from the counters actually copied, so the copy is
  // always self-consistent even while writers run.
  static_assert(L::kChunkLen % kChunkLen == 0);
  std::uint64_t copied = 0;
  for (std::uint32_t c = 0; c < kChunks; ++c) {
    const auto *chunk = chunks_[c].load(std::memory_order_acquire);
    if (!chunk) continue;
    std::uint64_t *dst = out.counter(c * kChunkLen);
    for (std::uint32_t i = 0; i < kChunkLen; ++i) {
      const std::uint64_t n = chunk[i].load(std::memory_order_relaxed);
      dst[i] += n;
      copied += n;
    }
  }
  if (Carries *carries = carries_.load(std::memory_order_acquire)) {
    const std::lock_guard hold(carries->lock);
    for (const auto &[i, v] : carries->by_index) {
      *out.counter(i) += v;
      copied += v;
    }
  }
  if (copied == 0) return;
  const auto lo = min_.load(std::memory_order_relaxed);
  const auto hi = max_.load(std::memory_order_relaxed);
  out.add_extremes(lo <= hi ? lo : 0, std::max<std::int64_t>(hi, 0));
  out.count_ += copied;
  out.clamped_ += clamped_.load(std::memory_order_relaxed);
  out.sum_ += sum_.load(std::memory_order_relaxed);
}

void AtomicHistogram::drain(SparseHistogram &out) {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  if (!out.buckets_.empty()) out.untidy_ = true;
  std::uint64_t drained = 0;
  for (std::uint32_t c = 0; c < kChunks; ++c) {
    auto *chunk = chunks_[c].load(std::memory_order_acquire);
    if (!chunk) continue;
    bool touched = false;
    for (std::uint32_t i = 0; i < kChunkLen; ++i) {
      const std::uint64_t n = chunk[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out.buckets_.emplace_back(c * kChunkLen + i, n);
      drained += n;
      touched = true;
      chunk[i].store(0, std::memory_order_relaxed);
    }
    // Not needed this second: for whichever set needs a range next.
    if (!touched && pool_) {
      chunks_[c].store(nullptr, std::memory_order_relaxed);
      if (meter_) meter_->fetch_sub(kChunkBytes, std::memory_order_relaxed);
      pool_->park(chunk);
    }
  }
  if (Carries *carries = carries_.load(std::memory_order_acquire)) {
    // The same indices again: tidy() adds them up.
    const std::lock_guard hold(carries->lock);
    for (const auto &[i, v] : carries->by_index) {
      out.buckets_.emplace_back(i, v);
      drained += v;
      out.untidy_ = true;
    }
    carries->by_index.clear();
  }
  if (drained) {
    out.min_ = std::min(out.min_, min_.load(std::memory_order_relaxed));
    out.max_ = std::max(out.max_, max_.load(std::memory_order_relaxed));
    out.count_ += drained;
    out.clamped_ += clamped_.load(std::memory_order_relaxed);
    out.sum_ += sum_.load(std::memory_order_relaxed);
  }
  count_.store(0, std::memory_order_relaxed);
  clamped_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  min_.store(INT64_MAX, std::memory_order_relaxed);
  max_.store(-1, std::memory_order_relaxed);
}

void AtomicHistogram::reset() {
  if (count_.load(std::memory_order_relaxed) == 0) return;
  for (auto &slot : chunks_) {
    auto *chunk = slot.load(std::memory_order_acquire);
    if (!chunk) continue;
    for (std::uint32_t i = 0; i < kChunkLen; ++i)
      chunk[i].store(0, std::memory_order_relaxed);
  }
  if (Carries *carries = carries_.load(std::memory_order_acquire)) {
    const std::lock_guard hold(carries->lock);
    carries->by_index.clear();
  }
  count_.store(0, std::memory_order_relaxed);
  clamped_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  min_.store(INT64_MAX, std::memory_order_relaxed);
  max_.store(-1, std::memory_order_relaxed);
}

}  // namespace golo::agent
