// A bounded lock-free MPMC queue (Dmitry Vyukov's design). As FreeQueue,
// the open model's pool of idle users. Users push themselves back when they
// finish; the scheduler pops one per arrival. Capacity covers every user and
// the scheduler is the only popper, so a push never fails. (With several
// poppers it could: a push finds "full" while another thread's pop of the
// cell it needs is half done. tests/unit/agent/primitives_test.cpp.)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace golo::agent::detail {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t min_capacity) {
    std::size_t cap = 2;
    while (cap < min_capacity) cap <<= 1;
    mask_ = cap - 1;
    cells_ = std::make_unique<Cell[]>(cap);
    for (std::size_t i = 0; i < cap; ++i) cells_[i].seq.store(i);
  }

  bool push(T value) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      Cell &c = cells_[pos & mask_];
      const auto seq = c.seq.load(std::memory_order_acquire);
      const auto diff =
          static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1,
                                        std::memory_order_relaxed)) {
          c.value = value;
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  bool pop(T &value) {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell &c = cells_[pos & mask_];
      const auto seq = c.seq.load(std::memory_order_acquire);
      const auto diff =
          static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1,
                                        std::memory_order_relaxed)) {
          value = c.value;
          c.seq.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // empty
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

 private:
  struct Cell {
    std::atomic<std::size_t> seq{0};
    T value{};
  };
  std::unique_ptr<Cell[]> cells_;
  std::size_t mask_ = 0;
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) std::atomic<std::size_t> tail_{0};
};

using FreeQueue = BoundedQueue<std::uint32_t>;

}  // namespace golo::agent::detail
