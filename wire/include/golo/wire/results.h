// A run's results on the wire: RunUpdate.resultsJson, the agent's results
// JSON (docs/outputs.md), both ways.
#pragma once

#include "golo/agent/results.h"
#include "golo/golo.pb.h"

namespace golo::wire {

void to_wire(const agent::RunResults &results, golo::RunUpdate &out);

// Throws std::exception (naming what is wrong) when the text is not
// readable results. Without `series`, the per-second rows (`series`,
// `tag_set_series`, `step_series`) are skipped as they are parsed: `golo run`
// builds them from the hosts' progress, and a soak's rows parsed as one tree
// were most of the CLI's memory at the run's end.
agent::RunResults read_results(const std::string &results_json,
                               bool series = true);

}  // namespace golo::wire
