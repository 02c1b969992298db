// Zeroed histogram chunks (AtomicHistogram's, 1 KiB each) that a tag set's
// second no longer needs, for any set's next new range (issue 22): the
// recorder's harvest parks the chunks a set did not touch in the second it
// drains, and a user that meets a range its counters lack takes one before it
// allocates. So the counters hold what the ring's seconds touched, not every
// range a set's latencies ever wandered into, and a steady run stops
// allocating.
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
  static constexpr std::size_t kCapacity = 32768;  // 32 MiB of chunks

  ChunkPool() = default;
  ~ChunkPool() {
    BoundedQueue<Chunk *> *queue = queue_.load();
    if (!queue) return;
    Chunk *c = nullptr;
    while (queue->pop(c)) delete[] c;
    delete queue;
  }
  ChunkPool(const ChunkPool &) = delete;
  ChunkPool &operator=(const ChunkPool &) = delete;

  // A zeroed chunk, or null when none is parked.
  Chunk *take() {
    BoundedQueue<Chunk *> *queue = queue_.load(std::memory_order_acquire);
    Chunk *c = nullptr;
    return queue && queue->pop(c) ? c : nullptr;
  }
  // `c` must be all zeros; freed when the pool is full.
  void park(Chunk *c) {
    BoundedQueue<Chunk *> *queue = queue_.load(std::memory_order_acquire);
    if (!queue) {
      // Made by the first park (a harvest, a second or more into the run),
      // not with the recorder: its cells (512 KiB) are written once, and a
      // run's first iterations must not wait for that.
      auto *fresh = new BoundedQueue<Chunk *>(kCapacity);
      if (queue_.compare_exchange_strong(queue, fresh,
                                         std::memory_order_acq_rel))
        queue = fresh;
      else
        delete fresh;
    }
    if (!queue->push(c)) delete[] c;
  }

 private:
  std::atomic<BoundedQueue<Chunk *> *> queue_{nullptr};
};

}  // namespace golo::agent::detail
