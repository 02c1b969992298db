#include "output.h"

namespace golo::cli::outputs {

Second SecondMaker::of(const agent::Interval &iv, std::int64_t start_unix_ms) {
  Second s;
  s.second = iv.total.second;
  s.unix_ms = start_unix_ms + static_cast<std::int64_t>(s.second) * 1000;
  const agent::SecondStats &t = iv.total;
  s.points.push_back({true,
                      "total",
                      {},
                      t.iterations,
                      t.errors,
                      t.dropped,
                      t.active_users,
                      t.quantiles(),
                      t.missed});
  // The total's steps and checks: every set's, added up by name.
  std::vector<agent::StepInterval> steps;
  std::vector<agent::CheckStats> checks;
  for (const auto &set : iv.sets) {
    agent::merge_step_intervals(steps, set.steps);
    agent::merge_checks(checks, set.checks);
  }
  for (const auto &st : steps)
    s.points[0].steps.push_back({st.name, st.count, st.errors,
                                 agent::RowLatency::of(st.latency),
                                 st.statuses});
  s.points[0].checks = std::move(checks);
  for (const auto &set : iv.sets) known_.try_emplace(set.key, set.tags);
  auto it = iv.sets.begin();  // sorted by key, as known_ is
  for (const auto &[key, tags] : known_) {
    Point p{false, key.empty() ? "(untagged)" : key, tags, 0, 0, 0, 0, {}, 0};
    if (it != iv.sets.end() && it->key == key) {
      p.iterations = it->iterations;
      p.errors = it->errors;
      p.missed = it->missed;
      p.latency = agent::RowLatency::of(it->latency);
      for (const auto &st : it->steps)
        p.steps.push_back({st.name, st.count, st.errors,
                           agent::RowLatency::of(st.latency), st.statuses});
      p.checks = it->checks;
      ++it;
    }
    s.points.push_back(std::move(p));
  }
  return s;
}

}  // namespace golo::cli::outputs
