// A host's Problem (primary, detail, hint) as a person reads it. Hosts
// before Problem existed send only the joined reason.
#pragma once

#include <string>

#include "golo/golo.pb.h"

namespace golo::wire {

// Each part escaped (agent::printable): "PRIMARY", then "\n" INDENT "DETAIL"
// and "\n" INDENT "hint: HINT" when present; reason when the message carries no
// problem.
std::string problem_lines(const golo::Problem &problem,
                          const std::string &reason, const std::string &indent);

}  // namespace golo::wire
