// Zeroed histogram chunks (AtomicHistogram's, 1 KiB each) for any tag
// set's next new range (issue 22): the recorder's harvest parks every chunk
// of the second it drains, and a user that meets a range its counters lack
// takes one before it allocates. So the counters hold what the seconds being
// recorded touched, not what every second of the ring (or every range a
// set's latencies ever wandered into) did, and a steady run stops
// allocating. A chunk is made only when the pool is empty, so what it holds
// is within the counters' bound (docs/architecture.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "free_queue.h"
#include "golo/agent/histogram.h"

namespace golo::agent::detail {

class ChunkPool {
 public:
  using Chunk = AtomicHistogram::Counter;
  // Chunks parked at most; past that, parking frees them.
  static constexpr std::size_t kCapacity = 131072;  // 128 MiB of chunks

  ChunkPool() : queue_(kCapacity) {}
  ~ChunkPool() {
    Chunk *c = nullptr;
    while (queue_.pop(c)) delete[] c;
  }
  ChunkPool(const ChunkPool &) = delete;
  ChunkPool &operator=(const ChunkPool &) = delete;

  // A zeroed chunk, or null when none is parked.
  Chunk *take() {
    Chunk *c = nullptr;
    return queue_.pop(c) ? c : nullptr;
  }
  // `c` must be all zeros; freed when the pool is full.
  void park(Chunk *c) {
    if (!queue_.push(c)) delete[] c;
  }

 private:
  BoundedQueue<Chunk *> queue_;
};

}  // namespace golo::agent::detail
