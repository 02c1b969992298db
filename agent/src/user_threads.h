// Starting a run's users and, when it cannot start, letting go of them.
#pragma once

#include <memory>
#include <vector>

#include "golo/agent/executor.h"
#include "run_state.h"

namespace golo::agent::detail {

class Loop;

// The users' threads (each waiting for RunState::started), or, with
// RunOptions::loops, the fiber loops: those are returned and must be kept
// until the run returns. Throws when a thread cannot start, having let go
// of every one started before it.
std::vector<std::shared_ptr<Loop>> start_users(
    const std::shared_ptr<RunState> &st, const RunOptions &opt);

// Tells every user thread started so far to exit at once and joins them:
// a run that cannot start all its threads leaves none behind.
void release_users(RunState &st);

}  // namespace golo::agent::detail
