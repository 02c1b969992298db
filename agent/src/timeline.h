// The schedule's level over time as straight segments: users wanted
// (closed model) or the arrival rate (open model).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "golo/agent/schedule.h"

namespace golo::agent::detail {

class Timeline {
 public:
  explicit Timeline(const Schedule &s);

  // Closed: the first time at or after `from` when user `u` (0-based) is
  // wanted, i.e. the level is above u; nullopt if never before the end.
  std::optional<Nanos> next_active(std::uint64_t u, Nanos from) const;
  bool active(std::uint64_t u, Nanos at) const;
  // The level at `at` (the one ramp, for Schedule::level_at too): linear
  // inside its segment, 0 before start_after, nullopt past the end.
  std::optional<double> level(Nanos at) const;
  // The level the last segment ends at (0 with no segments).
  double final_level() const {
    return segments_.empty() ? 0 : segments_.back().to;
  }

  // Open: the intended start of iteration k (0-based), k-th arrival of the
  // (possibly ramping) rate; nullopt once past the end.
  std::optional<Nanos> arrival(std::uint64_t k);
  // Open: the first k whose arrival is at or after `at` (to resume a run
  // there); call it before arrival(), whose cursor only moves forward.
  std::uint64_t first_arrival_from(Nanos at);

 private:
  struct Segment {
    double start_s, length_s, from, to;  // level from -> to
    double arrivals_before;              // open: arrivals before the start
    Nanos start, length;                 // the same, exact
  };
  std::vector<Segment> segments_;
  std::size_t cursor_ = 0;  // arrival(): the segment of the last k
};

}  // namespace golo::agent::detail
