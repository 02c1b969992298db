// Ctrl-C during golo run, in three steps. The first asks every host to stop
// its load and send the results it measured (Runner.Stop with the run's
// stop key; a host that predates Stop has its calls cancelled instead).
// The second cancels every call still open: the run ends at once with what
// the progress updates carried. A third ends the process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host_run.h"

namespace golo::cli {

// Installs the SIGINT handler (before any stream starts).
void catch_ctrl_c();
// Ctrl-Cs since catch_ctrl_c (or the last reset).
int ctrl_c_count();
void reset_ctrl_c();

// 32 random hex digits: RunRequest.stopKey of every call of one run.
std::string new_stop_key();

// Runner.Stop(key) on each host of `runs` once, to all hosts at once (each
// call with its own 3 s deadline, so the wait is 3 s at most however many
// hosts are silent; a second Ctrl-C ends it); the calls of a host that does
// not answer OK, or stopped none of them, are cancelled.
void stop_hosts(std::vector<std::unique_ptr<HostRun>> &runs,
                const std::string &key);

// Cancels every call still open.
void cancel_all(std::vector<std::unique_ptr<HostRun>> &runs);

}  // namespace golo::cli
