// The live line over a fleet (issue 24, item 5): each second from the same
// second of every host, whatever order their updates arrived in.
#include "golo/agent/live_progress.h"

#include <doctest/doctest.h>

using namespace golo::agent;

namespace {

// A host's update at the end of second `s`: 100 iterations a second,
// `users` users, a 100/s rate.
Progress at(std::uint64_t s, std::uint64_t users) {
  Progress p;
  p.elapsed_s = static_cast<double>(s);
  p.active_users = users;
  p.iterations = 100 * s;
  p.interval_rate = 100;
  return p;
}

}  // namespace

TEST_CASE("live line: hosts at different seconds count the same second") {
  RecentProgress a, b;
  for (std::uint64_t s = 1; s <= 12; ++s) a.add(s, at(s, 5));
  for (std::uint64_t s = 1; s <= 11; ++s) b.add(s, at(s, 5));
  // Host a has reported second 12, b only 11: the line shows second 11 of
  // both (by arrival it would mix a's 1,200 with b's 1,100).
  const Progress line = combine_aligned({{&a, false}, {&b, false}});
  CHECK(line.iterations == 2200);
  CHECK(line.elapsed_s == 11);
  CHECK(line.interval_rate == 200);
  CHECK(line.active_users == 10);
  b.add(12, at(12, 5));
  CHECK(combine_aligned({{&a, false}, {&b, false}}).iterations == 2400);
}

TEST_CASE("live line: a host that ended adds its counts, not its seconds") {
  RecentProgress a, lost;
  for (std::uint64_t s = 1; s <= 8; ++s) a.add(s, at(s, 5));
  for (std::uint64_t s = 1; s <= 3; ++s) lost.add(s, at(s, 5));
  // A host lost at second 3 neither holds the line back at 3 nor adds
  // users or a rate it no longer has.
  const Progress line = combine_aligned({{&a, false}, {&lost, true}});
  CHECK(line.elapsed_s == 8);
  CHECK(line.iterations == 800 + 300);
  CHECK(line.active_users == 5);
  CHECK(line.interval_rate == 100);
}

TEST_CASE("live line: a host far behind uses the others' oldest kept") {
  RecentProgress fast, slow, none;
  for (std::uint64_t s = 1; s <= 30; ++s) fast.add(s, at(s, 1));
  slow.add(1, at(1, 1));
  // fast keeps its last kKept seconds (21-30): the nearest to second 1.
  const Progress line =
      combine_aligned({{&fast, false}, {&slow, false}, {&none, false}});
  CHECK(line.iterations == 100 * (31 - RecentProgress::kKept) + 100);
}
