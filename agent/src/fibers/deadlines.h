// The parked fibers' deadlines (fibers/loop.cpp): a min-heap that knows
// where each entry sits, so a fiber woken early (its descriptor, the stop)
// takes its entry out and one that parks again moves it. It holds one entry
// per parked fiber however often they park. A heap of pushes, each left in
// until due, grows with the parks a second times the longest wait: 30 s
// request timeouts at 15,000 requests a second would be 900,000 entries.
//
// T has `Clock::time_point at` (the deadline) and `std::size_t slot` (its
// index here, kNoSlot when absent), both kept by this class.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace golo::agent::detail {

inline constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

template <class T>
class Deadlines {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  T *top() const { return heap_.front(); }

  // t is due at `at`: added, or moved when it is already in.
  template <class TimePoint>
  void set(T &t, TimePoint at) {
    t.at = at;
    if (t.slot == kNoSlot) {
      t.slot = heap_.size();
      heap_.push_back(&t);
    }
    if (!up(t.slot)) down(t.slot);
  }

  // t is no longer due (nothing when it is not in).
  void erase(T &t) {
    const std::size_t i = t.slot;
    if (i == kNoSlot) return;
    t.slot = kNoSlot;
    T *last = heap_.back();
    heap_.pop_back();
    if (i == heap_.size()) return;  // it was the last
    heap_[i] = last;
    last->slot = i;
    if (!up(i)) down(i);
  }

 private:
  bool before(std::size_t a, std::size_t b) const {
    return heap_[a]->at < heap_[b]->at;
  }
  void swap_at(std::size_t a, std::size_t b) {
    std::swap(heap_[a], heap_[b]);
    heap_[a]->slot = a;
    heap_[b]->slot = b;
  }
  bool up(std::size_t i) {
    const std::size_t from = i;
    while (i > 0 && before(i, (i - 1) / 2)) {
      swap_at(i, (i - 1) / 2);
      i = (i - 1) / 2;
    }
    return i != from;
  }
  void down(std::size_t i) {
    for (;;) {
      std::size_t least = i;
      const std::size_t l = 2 * i + 1, r = l + 1;
      if (l < heap_.size() && before(l, least)) least = l;
      if (r < heap_.size() && before(r, least)) least = r;
      if (least == i) return;
      swap_at(i, least);
      i = least;
    }
  }

  std::vector<T *> heap_;
};

}  // namespace golo::agent::detail
