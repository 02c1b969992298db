// The live line over a fleet, each second from the same second of every
// host (issue 24, item 5). Hosts' updates arrive at different moments: the
// line combines every running host's update for one second index (the
// latest that all of them have reported), never one host's second 12 with
// another's second 11.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "golo/agent/results.h"

namespace golo::agent {

// One host's last updates by second index (1 for the first second).
class RecentProgress {
 public:
  // How many seconds a host may lead the slowest before its line uses the
  // oldest it kept.
  static constexpr std::size_t kKept = 10;
  void add(std::uint64_t second, const Progress &p);  // seconds ascending
  bool empty() const { return kept_.empty(); }
  std::uint64_t latest_second() const;  // 0 when empty
  // The update for `second`, else the latest before it, else the oldest
  // kept. Not when empty().
  const Progress &at(std::uint64_t second) const;

 private:
  std::deque<std::pair<std::uint64_t, Progress>> kept_;
};

struct HostProgress {
  const RecentProgress *recent;  // its updates
  bool done = false;             // its call ended
};

// Running hosts at the smallest latest second among them; hosts whose call
// ended add their last counts only (counts_only); hosts with no update yet
// add nothing.
Progress combine_aligned(const std::vector<HostProgress> &hosts);

}  // namespace golo::agent
