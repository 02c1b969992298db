#include "golo/agent/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "histogram_walk.h"

namespace golo::agent {

using detail::clamp_value;
using detail::walk_descending;
using L = HistogramLayout;

std::uint32_t HistogramLayout::index_of(std::int64_t value) {
  const std::uint64_t v = clamp_value(value);
  // The bucket is how far v's top bit lies above the 2048-wide first
  // bucket; within it, the top 11 bits of v pick the sub-bucket.
  const int pow2ceiling = 64 - std::countl_zero(v | (kSubBucketCount - 1));
  const int bucket = pow2ceiling - (kSubBucketHalfMagnitude + 1);
  const auto sub = static_cast<std::uint32_t>(v >> bucket);
  return (static_cast<std::uint32_t>(bucket + 1) << kSubBucketHalfMagnitude) +
         sub - kSubBucketHalfCount;
}

std::int64_t HistogramLayout::lowest_at(std::uint32_t index) {
  int bucket = static_cast<int>(index >> kSubBucketHalfMagnitude) - 1;
  std::uint32_t sub = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return static_cast<std::int64_t>(std::uint64_t{sub} << bucket);
}

std::int64_t HistogramLayout::highest_at(std::uint32_t index) {
  // Counters below 2048 (the first full bucket) are 1 ns wide; above, the
  // width doubles with each bucket.
  const int bucket =
      std::max(0, static_cast<int>(index >> kSubBucketHalfMagnitude) - 1);
  return lowest_at(index) + (std::int64_t{1} << bucket) - 1;
}

Histogram::Histogram(const Histogram &other) { *this = other; }

Histogram &Histogram::operator=(const Histogram &other) {
  if (this == &other) return *this;
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!other.chunks_[c]) {
      chunks_[c].reset();
      continue;
    }
    if (!chunks_[c])
      chunks_[c] = std::make_unique<std::uint64_t[]>(L::kChunkLen);
    std::copy_n(other.chunks_[c].get(), L::kChunkLen, chunks_[c].get());
  }
  count_ = other.count_;
  clamped_ = other.clamped_;
  sum_ = other.sum_;
  min_ = other.min_;
  max_ = other.max_;
  return *this;
}

std::uint64_t *Histogram::counter(std::uint32_t index) {
  auto &chunk = chunks_[index / L::kChunkLen];
  if (!chunk) chunk = std::make_unique<std::uint64_t[]>(L::kChunkLen);
  return &chunk[index % L::kChunkLen];
}

std::uint64_t Histogram::count_at_index(std::uint32_t index) const {
  if (index >= L::kCountsLen) return 0;
  const auto &chunk = chunks_[index / L::kChunkLen];
  return chunk ? chunk[index % L::kChunkLen] : 0;
}

void Histogram::add_extremes(std::int64_t lo, std::int64_t hi) {
  if (count_ == 0) {
    min_ = lo;
    max_ = hi;
  } else {
    min_ = std::min(min_, lo);
    max_ = std::max(max_, hi);
  }
}

void Histogram::record_n(std::int64_t value_ns, std::uint64_t n) {
  if (n == 0) return;
  const auto v = static_cast<std::int64_t>(clamp_value(value_ns));
  if (value_ns > L::kHighest) clamped_ += n;
  *counter(L::index_of(v)) += n;
  add_extremes(v, v);
  count_ += n;
  sum_ += static_cast<std::uint64_t>(v) * n;
}

void Histogram::add_run(std::uint32_t index, std::uint64_t n, std::uint64_t sum,
                        std::uint64_t clamped, std::int64_t lo,
                        std::int64_t hi) {
  *counter(index) += n;
  add_extremes(lo, hi);
  count_ += n;
  sum_ += sum;
  clamped_ += clamped;
}

void Histogram::record_descending(std::int64_t top, std::int64_t step,
                                  std::uint64_t n) {
  walk_descending(
      top, step, n,
      [this](std::uint32_t index, std::uint64_t c, std::uint64_t sum,
             std::uint64_t clamped, std::int64_t lo,
             std::int64_t hi) { add_run(index, c, sum, clamped, lo, hi); });
}

double Histogram::mean() const {
  return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
}

std::uint64_t Histogram::percentile_rank(double p, std::uint64_t count) {
  // Nearest rank: the smallest value with at least p% of the samples at or
  // below it, i.e. the ceil(p/100 * n)-th smallest (p99 of 100 samples is
  // the 99th, of 60 the 60th). The relative slack keeps a p that is not
  // exact in binary (99.9) from rounding one rank up.
  if (count == 0) return 0;
  const long double exact =
      static_cast<long double>(p) * static_cast<long double>(count) / 100.0L;
  return std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::ceil(exact - exact * 1e-12L)), 1, count);
}

std::int64_t Histogram::value_at_percentile(double p) const {
  if (count_ == 0) return 0;
  if (p <= 0.0) return min_;  // the 0th percentile is the minimum itself
  p = std::min(p, 100.0);
  const auto wanted = percentile_rank(p, count_);
  std::uint64_t seen = 0;
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!chunks_[c]) continue;
    for (std::uint32_t i = 0; i < L::kChunkLen; ++i) {
      seen += chunks_[c][i];
      if (seen >= wanted) {
        const auto v = L::highest_at(c * L::kChunkLen + i);
        return std::clamp(v, min_, max_);
      }
    }
  }
  return max_;
}

void Histogram::merge(const Histogram &other) {
  if (other.count_ == 0) return;
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!other.chunks_[c]) continue;
    std::uint64_t *dst = counter(c * L::kChunkLen);
    for (std::uint32_t i = 0; i < L::kChunkLen; ++i)
      dst[i] += other.chunks_[c][i];
  }
  add_extremes(other.min_, other.max_);
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void Histogram::merge(const SparseHistogram &other) {
  if (other.count_ == 0) return;
  for (const auto &[index, n] : other.buckets_) *counter(index) += n;
  add_extremes(other.min_, other.max_);
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void Histogram::merge_sparse(const Sparse &counts) {
  std::uint64_t n = 0, sum = 0;
  std::uint32_t lowest = UINT32_MAX, highest = 0;
  for (const auto &[index, c] : counts) {
    if (index >= L::kCountsLen || c == 0) continue;
    *counter(index) += c;
    n += c;
    sum += static_cast<std::uint64_t>(L::lowest_at(index)) * c;
    lowest = std::min(lowest, index);
    highest = std::max(highest, index);
  }
  if (n == 0) return;
  // The bounds from_sparse gives: its lowest and highest counters' values.
  add_extremes(L::lowest_at(lowest),
               std::min(L::highest_at(highest), L::kHighest));
  count_ += n;
  sum_ += sum;
}

void SparseHistogram::clear() {
  buckets_.clear();
  untidy_ = false;
  count_ = clamped_ = sum_ = 0;
  min_ = INT64_MAX;
  max_ = -1;
}

void SparseHistogram::tidy() {
  if (!untidy_) return;
  untidy_ = false;
  std::sort(buckets_.begin(), buckets_.end());
  // Adds up runs of one index into their first entry.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (kept && buckets_[kept - 1].first == buckets_[i].first)
      buckets_[kept - 1].second += buckets_[i].second;
    else
      buckets_[kept++] = buckets_[i];
  }
  buckets_.resize(kept);
}

void Histogram::bounds_from_buckets() {
  bool first = true;
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!chunks_[c]) continue;
    for (std::uint32_t i = 0; i < L::kChunkLen; ++i) {
      if (chunks_[c][i] == 0) continue;
      const std::uint32_t index = c * L::kChunkLen + i;
      if (first) min_ = L::lowest_at(index);
      max_ = std::min(L::highest_at(index), L::kHighest);
      first = false;
    }
  }
  if (first) min_ = max_ = 0;
}

void Histogram::subtract(const Histogram &earlier) {
  if (earlier.count_ > count_)
    throw std::invalid_argument(
        "histogram subtract: earlier snapshot is larger");
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!earlier.chunks_[c]) continue;
    std::uint64_t *dst = counter(c * L::kChunkLen);
    for (std::uint32_t i = 0; i < L::kChunkLen; ++i) {
      if (earlier.chunks_[c][i] > dst[i])
        throw std::invalid_argument(
            "histogram subtract: earlier snapshot has more counts");
      dst[i] -= earlier.chunks_[c][i];
    }
  }
  count_ -= earlier.count_;
  clamped_ -= std::min(clamped_, earlier.clamped_);
  sum_ -= std::min(sum_, earlier.sum_);
  bounds_from_buckets();
}

void Histogram::reset() { *this = Histogram(); }

Histogram::Sparse Histogram::to_sparse() const {
  Sparse out;
  for (std::uint32_t c = 0; c < L::kChunks; ++c) {
    if (!chunks_[c]) continue;
    for (std::uint32_t i = 0; i < L::kChunkLen; ++i)
      if (chunks_[c][i]) out.emplace_back(c * L::kChunkLen + i, chunks_[c][i]);
  }
  return out;
}

Histogram Histogram::from_sparse(const Sparse &counts) {
  Histogram h;
  for (const auto &[index, n] : counts) {
    if (index >= L::kCountsLen || n == 0) continue;
    *h.counter(index) += n;
    h.count_ += n;
    h.sum_ += static_cast<std::uint64_t>(L::lowest_at(index)) * n;
  }
  h.bounds_from_buckets();
  return h;
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (const auto &[index, n] : to_sparse()) buckets.push_back({index, n});
  return {{"count", count_}, {"clamped", clamped_}, {"min", min()},
          {"max", max()},    {"sum", sum_},         {"buckets", buckets}};
}

Histogram Histogram::from_json(const nlohmann::json &j) {
  Histogram h;
  try {
    std::uint64_t total = 0;
    for (const auto &pair : j.at("buckets")) {
      const auto index = pair.at(0).get<std::uint32_t>();
      const auto n = pair.at(1).get<std::uint64_t>();
      if (pair.size() != 2 || index >= L::kCountsLen)
        throw std::invalid_argument("bad bucket entry " + pair.dump());
      *h.counter(index) += n;
      total += n;
    }
    h.count_ = j.at("count").get<std::uint64_t>();
    h.clamped_ = j.at("clamped").get<std::uint64_t>();
    h.sum_ = j.at("sum").get<std::uint64_t>();
    h.min_ = j.at("min").get<std::int64_t>();
    h.max_ = j.at("max").get<std::int64_t>();
    if (total != h.count_)
      throw std::invalid_argument("bucket counts add up to " +
                                  std::to_string(total) + ", not count " +
                                  std::to_string(h.count_));
  } catch (const nlohmann::json::exception &e) {
    throw std::invalid_argument(std::string("histogram: ") + e.what());
  }
  return h;
}

bool Histogram::operator==(const Histogram &other) const {
  if (count_ != other.count_ || clamped_ != other.clamped_ ||
      sum_ != other.sum_ || min() != other.min() || max() != other.max())
    return false;
  for (std::uint32_t i = 0; i < L::kCountsLen; ++i)
    if (count_at_index(i) != other.count_at_index(i)) return false;
  return true;
}

}  // namespace golo::agent
