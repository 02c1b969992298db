// A Runner.Run request's data file, made into the run's row feed: parsed
// and checked against the schedule again here, never trusting the caller.
#pragma once

#include <memory>

#include "golo/agent/data_feed.h"
#include "golo/agent/schedule.h"
#include "golo/golo.pb.h"

namespace golo::host {

// The feed for this host's share of `whole` (the schedule as sent, before
// Schedule::share), or null when the schedule has no data. Throws
// std::invalid_argument with a located message ("users.csv:4: ...",
// "run.yaml:7:5: ...") for a bad file, or a request whose data does not
// match its schedule's.
std::shared_ptr<agent::DataFeed> data_for_run(const agent::Schedule &whole,
                                              const golo::RunRequest &req);

}  // namespace golo::host
