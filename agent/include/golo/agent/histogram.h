// HDR-style log-linear latency histogram: integer nanoseconds from 1 ns to
// one hour at 3 significant digits (every bucket is at most 1/1024 of its
// value wide), mergeable bucket for bucket across threads and hosts.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace golo::agent {

namespace detail {
class ChunkPool;
}

// The fixed layout every histogram shares, so that any two can be merged.
struct HistogramLayout {
  static constexpr std::int64_t kHighest = 3'600'000'000'000;  // 1 h in ns
  static constexpr int kSubBucketHalfMagnitude = 10;
  static constexpr std::uint32_t kSubBucketHalfCount = 1u << 10;  // 1024
  static constexpr std::uint32_t kSubBucketCount = 2u << 10;      // 2048
  static constexpr int kBucketCount = 32;  // 2048 << 31 > kHighest
  static constexpr std::uint32_t kCountsLen =
      (kBucketCount + 1) * kSubBucketHalfCount;
  // Counters are stored in chunks of a quarter of a half-bucket, allocated
  // on first use, so a histogram costs only the ranges it has seen (2 KiB
  // each): a tag set that sees a narrow band of latencies costs about that
  // band, which matters with a thousand sets.
  static constexpr std::uint32_t kChunkLen = kSubBucketHalfCount / 4;
  static constexpr std::uint32_t kChunks = kCountsLen / kChunkLen;

  // Index of the counter for `value` (clamped to [0, kHighest]).
  static std::uint32_t index_of(std::int64_t value);
  // Smallest and largest values counted at `index`.
  static std::int64_t lowest_at(std::uint32_t index);
  static std::int64_t highest_at(std::uint32_t index);
};

class SparseHistogram;

class Histogram {
 public:
  // Sparse form: (counter index, count) pairs for non-zero counters only.
  using Sparse = std::vector<std::pair<std::uint32_t, std::uint64_t>>;

  Histogram() = default;
  Histogram(const Histogram &other);
  Histogram &operator=(const Histogram &other);
  Histogram(Histogram &&) noexcept = default;
  Histogram &operator=(Histogram &&) noexcept = default;

  // Records a value in ns. Values below 1 count in the 0 bucket; values above
  // one hour are counted at one hour and in clamped().
  void record(std::int64_t value_ns) { record_n(value_ns, 1); }
  void record_n(std::int64_t value_ns, std::uint64_t n);
  // Records the n values top, top - step, top - 2 step ... (step >= 1), as
  // n record() calls would, in one step per counter they fall in: a 1 s
  // stall paced at 1 ms is a thousand corrected latencies.
  void record_descending(std::int64_t top, std::int64_t step, std::uint64_t n);

  std::uint64_t count() const { return count_; }
  std::uint64_t clamped() const { return clamped_; }
  // Exact recorded extremes and mean (0 when empty); sum() is the exact
  // total of the recorded (clamped) values.
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  std::uint64_t sum() const { return sum_; }
  double mean() const;

  // Nearest rank: the ceil(p/100 * count)-th smallest sample (p99 of 100
  // samples is the 99th smallest), reported as the highest value equivalent
  // to its counter (so never below the truth, within 1/1024 above it), kept
  // within the exact [min, max]. p in [0, 100]; 0 when empty.
  std::int64_t value_at_percentile(double p) const;
  // Which sample (1-based, in ascending order) is the p-th percentile of
  // `count` under nearest rank: ceil(p/100 * count), at least 1.
  static std::uint64_t percentile_rank(double p, std::uint64_t count);

  std::uint64_t count_at_index(std::uint32_t index) const;

  void merge(const Histogram &other);
  // The same for an interval in sparse form (exact: counters, extremes, sum).
  void merge(const SparseHistogram &other);
  // merge(from_sparse(counts)) without building the copy: a thousand tag
  // sets' intervals a second are merged this way.
  void merge_sparse(const Sparse &counts);
  // Removes an earlier snapshot of the same cumulative histogram, leaving the
  // interval between the two. Extremes of an interval cannot be known
  // exactly, so min/max become the bucket bounds of its lowest and highest
  // non-empty counters.
  void subtract(const Histogram &earlier);
  void reset();

  Sparse to_sparse() const;
  // Counters only: min/max become bucket bounds, sum the counters' lowest
  // values (for interval series, where extremes were not kept).
  static Histogram from_sparse(const Sparse &counts);
  // JSON: {"count","clamped","min","max","sum","buckets":[[index,count]...]}.
  nlohmann::json to_json() const;
  // Throws std::invalid_argument on a malformed or inconsistent object.
  static Histogram from_json(const nlohmann::json &j);

  bool operator==(const Histogram &other) const;

 private:
  friend class AtomicHistogram;
  std::uint64_t *counter(std::uint32_t index);
  void add_run(std::uint32_t index, std::uint64_t n, std::uint64_t sum,
               std::uint64_t clamped, std::int64_t lo, std::int64_t hi);
  void add_extremes(std::int64_t lo, std::int64_t hi);
  void bounds_from_buckets();

  std::array<std::unique_ptr<std::uint64_t[]>, HistogramLayout::kChunks>
      chunks_;
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t sum_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
};

// An interval's histogram as its non-zero counters, ascending, with its
// exact count, extremes and sum: what the recorder's harvest makes per tag
// set and second. clear() keeps the buffer, so one reused from second to
// second allocates only when a set's second has more counters than before.
class SparseHistogram {
 public:
  std::uint64_t count() const { return count_; }
  std::uint64_t clamped() const { return clamped_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  std::uint64_t sum() const { return sum_; }
  const Histogram::Sparse &buckets() const { return buckets_; }
  void clear();
  // After draining more than one AtomicHistogram into it: sorts the
  // counters and adds up those of one index (in place, no allocation).
  void tidy();

 private:
  friend class Histogram;
  friend class AtomicHistogram;
  Histogram::Sparse buckets_;
  bool untidy_ = false;  // drained twice since tidy()
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t sum_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = -1;
};

// The recording side for many threads at once: relaxed atomic counters that
// only ever grow, so a reader can copy them at any time (snapshot) and diff
// two snapshots for an exact interval without resetting anything. A chunk is
// made when a value first falls in it (the recorder's from its pool, where
// drain parks those a second left empty: chunk_pool.h). Counters are 32
// bits, half the memory and cache lines of 64 (a second's counts in one set
// and shard stay far below 2^32); a count that wraps one anyway is kept
// exactly: its multiples of 2^32 are carried beside it (a rare, locked path).
class alignas(64) AtomicHistogram {
 public:
  static constexpr std::uint32_t kChunkLen = HistogramLayout::kChunkLen;
  static constexpr std::uint32_t kChunks =
      HistogramLayout::kCountsLen / kChunkLen;
  using Counter = std::atomic<std::uint32_t>;
  static constexpr std::size_t kChunkBytes = kChunkLen * sizeof(Counter);

  AtomicHistogram() = default;
  ~AtomicHistogram();
  AtomicHistogram(const AtomicHistogram &) = delete;
  AtomicHistogram &operator=(const AtomicHistogram &) = delete;

  // Bytes allocated for chunks are added to *meter as they are (for the
  // recorder's budget); set before any record, or never.
  void set_meter(std::atomic<std::int64_t> *meter) { meter_ = meter; }
  // New chunks are taken from `pool` first, and drain parks there the
  // chunks it found empty (the meter counts chunks held, not parked); set
  // before any record, or never.
  void set_pool(detail::ChunkPool *pool) { pool_ = pool; }
  // Whether recording `value_ns` needs no new chunk.
  bool covers(std::int64_t value_ns) const;
  // Bytes held in chunks.
  std::size_t chunk_bytes() const;
  // A value to record in a histogram (record_all).
  struct Pending {
    AtomicHistogram *into;
    std::int64_t value_ns;
  };
  // record(value_ns) into each one's histogram, n at once: with many tag
  // sets each record's lines are cache misses, and these are loaded side by
  // side (each of three passes prefetches what the next reads) instead of
  // one after the other.
  static void record_all(const Pending *records, std::size_t n);

  void record(std::int64_t value_ns);
  // As Histogram::record_descending.
  void record_descending(std::int64_t top, std::int64_t step, std::uint64_t n);
  // Adds the current counts into `out` (a consistent-enough copy: each
  // counter is read once; counts racing with the copy land in the next one).
  void add_to(Histogram &out) const;
  // Back to empty, keeping its chunks; only while no thread records.
  void reset();
  // add_to and reset in one pass for sparse output: appends the non-zero
  // counters to `out` (see SparseHistogram::tidy), adds the scalars, and
  // zeroes only what was not zero; with a pool, a chunk with no count is
  // parked there. Only while no thread records.
  void drain(SparseHistogram &out);

 private:
  struct Carries;  // counters' wraps past 2^32, by index
  // What a record touches first, in one cache line: the scalars and the
  // pointers to the chunks of the lowest values (up to 768 ns).
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> clamped_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::int64_t> min_{INT64_MAX};
  std::atomic<std::int64_t> max_{-1};
  std::array<std::atomic<Counter *>, kChunks> chunks_{};
  std::atomic<Carries *> carries_{nullptr};
  std::atomic<std::int64_t> *meter_ = nullptr;
  detail::ChunkPool *pool_ = nullptr;
  Counter *counter(std::uint32_t index);
  // Adds n to the counter at `index`, carrying what passes 2^32.
  void add_count(std::uint32_t index, std::uint64_t n);
  void add_run(std::uint32_t index, std::uint64_t n, std::uint64_t sum,
               std::uint64_t clamped, std::int64_t lo, std::int64_t hi);
};

}  // namespace golo::agent
