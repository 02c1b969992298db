// The cap on step and check names in a run's results (GOLO_MAX_STEP_NAMES),
// applied once to the merged results, as cap_tag_sets is for tag sets: a
// name's calls on every host count in one place, whatever order each host
// met the names in.
#include <algorithm>

#include "golo/agent/results.h"
#include "golo/agent/series.h"

namespace golo::agent {

void RunResults::cap_steps(std::size_t max) {
  const auto steps = top_step_names(total.steps, max);
  const auto checks = top_check_names(total.checks, max);
  folded_steps += fold_steps(total.steps, steps);
  folded_checks += fold_checks(total.checks, checks);
  for (auto &set : tag_sets) {
    fold_steps(set.steps, steps);
    fold_checks(set.checks, checks);
  }
  // The folded names' series become one, kOtherStep's.
  StepSeries other{std::string(kOtherStep), {}};
  std::vector<StepSeries> kept;
  for (auto &s : step_series) {
    if (std::find(steps.begin(), steps.end(), s.name) != steps.end())
      kept.push_back(std::move(s));
    else
      merge_series(other.rows, s.rows);
  }
  if (!other.rows.empty()) kept.push_back(std::move(other));
  std::sort(kept.begin(), kept.end(),
            [](const auto &a, const auto &b) { return a.name < b.name; });
  step_series = std::move(kept);
}

}  // namespace golo::agent
