// The run so far, added up from the merged seconds, so that the dashboard
// can judge the thresholds while the run goes on: counts, latency
// histograms, steps and checks, in the total and per tag set. Latency from
// the intended start is not in the seconds: a *_corrected threshold is
// judged on the latency from the actual start until the run ends.
#pragma once

#include "golo/agent/results.h"

namespace golo::cli::dashboard {

class LiveResults {
 public:
  void add(const agent::Interval &iv);
  const agent::RunResults &so_far() const { return r_; }

 private:
  agent::RunResults r_;
};

}  // namespace golo::cli::dashboard
