// Which shard of a sharded counter this thread writes. Threads take shards
// round-robin as they first ask, so up to N concurrent callers of a counter
// with N shards never share a cache line (one shared counter written by
// every caller was half the cost of an in-process iteration).
#pragma once

#include <atomic>
#include <cstddef>

namespace golo::host {

inline std::size_t shard_of_this_thread() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard =
      next.fetch_add(1, std::memory_order_relaxed);
  return shard;
}

}  // namespace golo::host
