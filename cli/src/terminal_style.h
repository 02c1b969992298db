// What a person reads at a glance: colour on a terminal (never when NO_COLOR
// is set, --no-color is given, or the output is not a terminal), ✓ and ✗
// on threshold verdicts, and the banner golo run prints before any load.
#pragma once

#include <string>
#include <vector>

#include "golo/agent/schedule.h"
#include "golo/agent/threshold.h"

namespace golo::cli {

// Whether to colour what goes to `fd`.
bool use_colour(int fd, bool no_color_flag);

// "✓ threshold ... holds: ..." (green) or "✗ threshold ... crossed: ..."
// (red, bold).
std::string verdict_line(const agent::ThresholdResult &v, bool colour);

// "golo run: noop (closed, 10 users), 30s on 2 hosts, out: r.json": the
// schedule (each scenario with its model and load), its length, the hosts
// and the outputs, one or two lines.
std::string banner(const agent::Schedule &schedule, std::size_t hosts,
                   const std::vector<std::string> &outs, bool colour);

}  // namespace golo::cli
