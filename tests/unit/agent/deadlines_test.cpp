// fibers/deadlines.h on its own: the order and exactness of what is due,
// and that erased or moved entries leave nothing behind, across its two
// tiers (an exact heap near, an unsorted list far).
#include "fibers/deadlines.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace std::chrono_literals;
using golo::agent::detail::Deadlines;
using golo::agent::detail::kNoSlot;
using TimePoint = std::chrono::steady_clock::time_point;

struct Entry {
  TimePoint at{};
  std::size_t slot = kNoSlot;
  bool in = false;  // the test's own record
};

const TimePoint t0 = TimePoint{} + 1000h;

// Takes out what is due at `now`; checks each was due and came in order.
std::vector<Entry *> take_due(Deadlines<Entry> &d, TimePoint now) {
  std::vector<Entry *> out;
  while (Entry *e = d.due(now)) {
    CHECK(e->at <= now);
    if (!out.empty()) CHECK(out.back()->at <= e->at);
    out.push_back(e);
    d.erase(*e);
    e->in = false;
  }
  return out;
}

}  // namespace

TEST_CASE("deadlines: due in order, each at its deadline, near and far") {
  Deadlines<Entry> d(1s);
  CHECK(d.due(t0) == nullptr);
  std::vector<Entry> e(6);
  // Near (within the span), far (past 2 spans), and a day away.
  const std::chrono::milliseconds in[] = {300ms,  5ms,    4000ms,
                                          2500ms, 1200ms, 86'400'000ms};
  for (std::size_t i = 0; i < e.size(); ++i) d.set(e[i], t0 + in[i]);
  CHECK(d.size() == 6);
  std::vector<std::chrono::milliseconds> sorted(std::begin(in), std::end(in));
  std::sort(sorted.begin(), sorted.end());
  TimePoint now = t0;
  for (const auto due : sorted) {
    // The loop sleeps until next(): never past a deadline.
    for (int looks = 0; d.next() < t0 + due; ++looks) {
      REQUIRE(looks < 100'000);  // a day of 1 s looks, not forever
      now = d.next();
      CHECK(d.due(now) == nullptr);
    }
    CHECK(d.next() == t0 + due);
    CHECK(d.due(t0 + due - 1ns) == nullptr);
    now = t0 + due;
    const auto got = take_due(d, now);
    REQUIRE(got.size() == 1);
    CHECK(got[0]->at == now);
  }
  CHECK(d.empty());
  CHECK(d.next() == TimePoint::max());
}

TEST_CASE("deadlines: entries erased early leave nothing behind") {
  Deadlines<Entry> d(1s);
  CHECK(d.due(t0) == nullptr);
  std::vector<Entry> e(1000);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < e.size(); ++i)
      d.set(e[i], t0 + (i % 2 ? 30s : 10ms) + std::chrono::microseconds(i));
    CHECK(d.size() == e.size());
    for (std::size_t i = 0; i < e.size(); i += 2) d.erase(e[i]);
    for (std::size_t i = e.size() - 1; i < e.size(); i -= 2) d.erase(e[i]);
    CHECK(d.size() == 0);
    CHECK(d.empty());
    for (auto &x : e) CHECK(x.slot == kNoSlot);
  }
  CHECK(d.due(t0 + 100s) == nullptr);
}

TEST_CASE("deadlines: moved between near and far, each held once") {
  Deadlines<Entry> d(1s);
  CHECK(d.due(t0) == nullptr);
  Entry a, b;
  d.set(a, t0 + 30s);  // far
  d.set(b, t0 + 30s);
  d.set(a, t0 + 10ms);  // near
  CHECK(d.size() == 2);
  d.set(a, t0 + 60s);  // far again
  d.set(b, t0 + 20ms);
  CHECK(d.size() == 2);
  auto got = take_due(d, t0 + 20ms);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == &b);
  CHECK(d.due(t0 + 60s - 1ns) == nullptr);
  got = take_due(d, t0 + 60s);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == &a);
  CHECK(d.empty());
}

TEST_CASE("deadlines: random parks, wakes and moves match a plain scan") {
  Deadlines<Entry> d(1s);
  std::vector<Entry> e(300);
  std::mt19937 rng(23);
  TimePoint now = t0;
  for (int step = 0; step < 20'000; ++step) {
    Entry &x = e[rng() % e.size()];
    if (rng() % 3 == 0) {
      d.erase(x);
      x.in = false;
    } else {
      const auto ahead = std::chrono::microseconds(rng() % 2 ? rng() % 3'000'000
                                                             : rng() % 20'000);
      d.set(x, now + ahead);
      x.in = true;
    }
    // The earliest held deadline, as a plain scan finds it.
    TimePoint least = TimePoint::max();
    std::size_t held = 0;
    for (const auto &y : e) {
      if (!y.in) continue;
      least = std::min(least, y.at);
      ++held;
    }
    REQUIRE(d.size() == held);
    REQUIRE(d.next() <= least);
    if (rng() % 4 == 0) {
      now = std::min(d.next(), now + 5ms);
      for (Entry *y : take_due(d, now)) CHECK(y->at <= now);
      for (const auto &y : e) CHECK((!y.in || y.at > now));
    }
  }
}
