#include "dashboard/live_results.h"

#include <algorithm>

namespace golo::cli::dashboard {

void LiveResults::add(const agent::Interval &iv) {
  r_.duration_s = std::max(r_.duration_s, static_cast<double>(iv.total.second));
  agent::TagSetStats &t = r_.total;
  t.iterations += iv.total.iterations;
  t.errors += iv.total.errors;
  t.dropped += iv.total.dropped;
  t.missed += iv.total.missed;
  t.latency.merge_sparse(iv.total.latency);
  for (const auto &set : iv.sets) {
    auto it = std::lower_bound(r_.tag_sets.begin(), r_.tag_sets.end(), set.key,
                               [](const agent::TagSetStats &s,
                                  const std::string &k) { return s.key < k; });
    if (it == r_.tag_sets.end() || it->key != set.key) {
      it = r_.tag_sets.insert(it, agent::TagSetStats{});
      it->key = set.key;
      it->tags = set.tags;
    }
    it->iterations += set.iterations;
    it->errors += set.errors;
    it->missed += set.missed;
    it->latency.merge_sparse(set.latency);
    agent::add_step_intervals(it->steps, set.steps);
    agent::merge_checks(it->checks, set.checks);
    agent::add_step_intervals(t.steps, set.steps);
    agent::merge_checks(t.checks, set.checks);
  }
}

}  // namespace golo::cli::dashboard
