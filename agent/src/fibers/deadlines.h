// The parked fibers' deadlines (fibers/loop.cpp), in two tiers. A wait on
// a descriptor parks with its request's timeout (30 s by default) and is
// nearly always woken early by the descriptor: such far deadlines sit
// unsorted in `far_`, where setting and erasing one is O(1) (a swap with
// the last). Deadlines within the next `span` to 2 `span` are in `near_`, a
// min-heap that knows where each entry sits, so timers are exact: every
// `span` at most, due() moves the far ones that came near into it. The heap
// alone cost a sift of log n pointer chases per early wake, 3.5% of the
// loop at 1,000 connections. A fiber woken early takes its entry out; one
// that parks again moves it: one entry per parked fiber however often they
// park (a heap of pushes left in until due grew with the parks a second
// times the longest wait: 900,000 entries at 15,000 requests a second with
// 30 s timeouts).
//
// T has `TimePoint at` (the deadline) and `std::size_t slot` (its index
// here, kNoSlot when absent), both kept by this class.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <utility>
#include <vector>

namespace golo::agent::detail {

inline constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

template <class T, class TimePoint = std::chrono::steady_clock::time_point>
class Deadlines {
 public:
  using Duration = typename TimePoint::duration;
  explicit Deadlines(Duration span = std::chrono::seconds(1)) : span_(span) {}

  bool empty() const { return near_.empty() && far_.empty(); }
  std::size_t size() const { return near_.size() + far_.size(); }

  // When due() must be asked next: the earliest exact deadline, or when
  // far ones are next looked at. Never after any entry's deadline.
  TimePoint next() const {
    TimePoint at = TimePoint::max();
    if (!near_.empty()) at = near_.front()->at;
    if (!far_.empty()) at = std::min(at, sort_at_);
    return at;
  }

  // An entry due by `now` (the earliest), or nullptr. It stays in until
  // erased (or set again).
  T *due(TimePoint now) {
    if (now >= sort_at_) sort_far(now);
    if (near_.empty() || near_.front()->at > now) return nullptr;
    return near_.front();
  }

  // t is due at `at`: added, or moved when it is already in.
  void set(T &t, TimePoint at) {
    const bool far = at >= edge_;
    if (t.slot != kNoSlot && is_far(t.slot) != far) erase(t);
    t.at = at;
    if (far) {
      if (t.slot == kNoSlot) push_far(t);
      return;
    }
    if (t.slot == kNoSlot) {
      t.slot = near_.size();
      near_.push_back(&t);
    }
    if (!up(t.slot)) down(t.slot);
  }

  // t is no longer due (nothing when it is not in).
  void erase(T &t) {
    if (t.slot == kNoSlot) return;
    if (is_far(t.slot))
      erase_far(t);
    else
      erase_near(t);
  }

 private:
  static constexpr std::size_t kFar = ~(kNoSlot >> 1);  // the top bit
  static bool is_far(std::size_t slot) { return (slot & kFar) != 0; }

  // Far deadlines within 2 span move into the heap, the rest wait for the
  // next look, span later: at least span before they are due.
  void sort_far(TimePoint now) {
    sort_at_ = now + span_;
    edge_ = sort_at_ + span_;
    for (std::size_t i = 0; i < far_.size();) {
      T &t = *far_[i];
      if (t.at >= edge_) {
        ++i;
        continue;
      }
      erase_far(t);
      set(t, t.at);
    }
  }
  void push_far(T &t) {
    t.slot = far_.size() | kFar;
    far_.push_back(&t);
  }
  void erase_far(T &t) {
    const std::size_t i = t.slot & ~kFar;
    T *last = far_.back();
    far_[i] = last;
    last->slot = i | kFar;
    far_.pop_back();
    t.slot = kNoSlot;
  }
  void erase_near(T &t) {
    const std::size_t i = t.slot;
    t.slot = kNoSlot;
    T *last = near_.back();
    near_.pop_back();
    if (i == near_.size()) return;  // it was the last
    near_[i] = last;
    last->slot = i;
    if (!up(i)) down(i);
  }

  bool before(std::size_t a, std::size_t b) const {
    return near_[a]->at < near_[b]->at;
  }
  void swap_at(std::size_t a, std::size_t b) {
    std::swap(near_[a], near_[b]);
    near_[a]->slot = a;
    near_[b]->slot = b;
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
      if (l < near_.size() && before(l, least)) least = l;
      if (r < near_.size() && before(r, least)) least = r;
      if (least == i) return;
      swap_at(i, least);
      i = least;
    }
  }

  const Duration span_;
  // Before the first due(), everything is far and due() is asked at once.
  TimePoint sort_at_{}, edge_{};  // the next look at far_; near_'s bound
  std::vector<T *> near_;         // a min-heap by `at`
  std::vector<T *> far_;          // unsorted, every `at` >= edge_
};

}  // namespace golo::agent::detail
