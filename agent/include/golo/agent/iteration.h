// The one interface through which the agent runs iterations: a call into a
// plugin loaded in this process, or a Job.Trigger RPC to a remote server.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace golo::agent {

// What one iteration produced. The executor reuses one object per user and
// clears it before each call, so implementations only set what happened,
// assigning into the members (keeping their capacity) rather than
// allocating new ones.
struct IterationOutcome {
  // The trigger itself failed (non-zero return / RPC error): counted as error.
  bool failed = false;
  // The trigger succeeded but flagged the test as failed (Response.error).
  bool error_flag = false;
  // The failure message or the output of an errored iteration, kept as a
  // sample; left empty on success to avoid copying output on the hot path.
  std::string error_text;
  // Response tags in order, which pick the per-tag-set statistics.
  std::vector<std::pair<std::string, std::string>> tags;

  void clear() {
    failed = false;
    error_flag = false;
    error_text.clear();
    tags.clear();
  }
};

class IterationRunner {
 public:
  virtual ~IterationRunner() = default;
  // Runs one iteration for virtual user `user` (0-based), its `iteration`
  // (0-based count over the run). Called from many threads at once; must be
  // thread-safe. Blocks until the iteration ends.
  virtual void run(std::uint32_t user, std::uint64_t iteration,
                   IterationOutcome &out) = 0;
};

}  // namespace golo::agent
