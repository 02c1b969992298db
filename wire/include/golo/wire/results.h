// A run's results on the wire: RunUpdate.resultsJson, the agent's results
// JSON (docs/outputs.md), both ways.
#pragma once

#include "golo/agent/results.h"
#include "golo/golo.pb.h"

namespace golo::wire {

void to_wire(const agent::RunResults &results, golo::RunUpdate &out);

// Throws std::exception (naming what is wrong) when the text is not
// readable results.
agent::RunResults read_results(const std::string &results_json);

}  // namespace golo::wire
