#include "golo/agent/live_progress.h"

#include <algorithm>
#include <limits>

namespace golo::agent {

void RecentProgress::add(std::uint64_t second, const Progress &p) {
  kept_.emplace_back(second, p);
  // The line needs the total's figures only; the sets may be thousands.
  kept_.back().second.tag_sets.clear();
  kept_.back().second.tag_sets.shrink_to_fit();
  if (kept_.size() > kKept) kept_.pop_front();
}

std::uint64_t RecentProgress::latest_second() const {
  return kept_.empty() ? 0 : kept_.back().first;
}

const Progress &RecentProgress::at(std::uint64_t second) const {
  for (auto it = kept_.rbegin(); it != kept_.rend(); ++it)
    if (it->first <= second) return it->second;
  return kept_.front().second;
}

Progress combine_aligned(const std::vector<HostProgress> &hosts) {
  std::uint64_t second = std::numeric_limits<std::uint64_t>::max();
  for (const auto &h : hosts)
    if (!h.done && !h.recent->empty())
      second = std::min(second, h.recent->latest_second());
  std::vector<Progress> parts;
  for (const auto &h : hosts) {
    if (h.recent->empty()) continue;
    if (h.done)
      parts.push_back(counts_only(h.recent->at(h.recent->latest_second())));
    else
      parts.push_back(h.recent->at(second));
  }
  return combine(parts);
}

}  // namespace golo::agent
