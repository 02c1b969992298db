// The closed model's slots (docs/schedules.md, "Missed slots"). With
// pacing P, an iteration intended to start at s owns the slot [s, s + P);
// the user's next slots are s + P, s + 2P ... An iteration that ends at e
// keeps its user from the slots it overran: slot x = s + kP (k >= 1) is
// missed when its iteration could not start before the next slot, x + P,
// i.e. when x + P <= e. The one slot that e falls in is not missed: the
// user starts it late, at e (its next intended start, so that iteration's
// own latency from the intended start counts from there). Think time never
// misses a slot: it is the user's own pause, and only pacing makes slots.
#pragma once

#include <algorithm>
#include <cstdint>

#include "golo/agent/schedule.h"

namespace golo::agent::detail {

// How many of the slots after `intended` an iteration ending at `ended`
// missed, counting only slots before `until` (the run's end or its stop):
// a slot at or after it was never due. Times are from the run's start.
inline std::uint64_t missed_slots(Nanos intended, Nanos ended, Nanos pacing,
                                  Nanos until) {
  const std::int64_t p = pacing.count();
  if (p <= 0) return 0;  // back to back: no slots
  const std::int64_t overran = (ended - intended).count();
  if (overran < 2 * p) return 0;
  // k = 1 .. overran/P - 1 have x_k + P <= ended.
  const auto missed = static_cast<std::uint64_t>(overran / p - 1);
  const std::int64_t room = (until - intended).count();
  if (room <= p) return 0;
  // k with intended + kP < until.
  const auto due = static_cast<std::uint64_t>((room - 1) / p);
  return std::min(missed, due);
}

// What the recorder needs to record an iteration from its intended start.
struct FromIntended {
  std::int64_t latency_ns = 0;  // from its intended start to its end
  std::uint64_t missed = 0;     // slots its overrun missed
  // wrk2's rule for a missed slot x: the latency its iteration would have
  // seen is e - x, from the slot to the end of the iteration that held the
  // user (the earliest its own could have ended). The first missed slot's,
  // e - (s + P); each next one's is P less.
  std::int64_t first_missed_ns = 0;
  std::int64_t pacing_ns = 0;
};

// An iteration intended at `intended` that ended at `ended`, from its
// intended start, with the slots before `until` it missed.
inline FromIntended from_intended(Nanos intended, Nanos ended, Nanos pacing,
                                  Nanos until) {
  FromIntended f;
  f.latency_ns = (ended - intended).count();
  f.missed = missed_slots(intended, ended, pacing, until);
  if (f.missed == 0) return f;
  f.pacing_ns = pacing.count();
  f.first_missed_ns = f.latency_ns - f.pacing_ns;
  return f;
}

}  // namespace golo::agent::detail
