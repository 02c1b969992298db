// Job.Trigger's Response: its output made safe to send, and, at the other
// end, what an iteration that made the call counts.
#pragma once

#include <grpcpp/support/status.h>

#include <string>
#include <string_view>

#include "golo/agent/iteration.h"
#include "golo/golo.pb.h"

namespace golo::wire {

// Sets output to the plugin's bytes when they are UTF-8; otherwise to a
// repaired copy, with the exact bytes in outputBytes and outputNotUtf8 set.
void set_output(golo::Response &resp, std::string_view bytes);

// One Trigger call as an iteration's outcome: a failed call fails the
// iteration (with deadline_text, when given, for DEADLINE_EXCEEDED); a
// Response with error set flags it, its output the error's text; the tags
// pick the iteration's tag set. Texts are any server's: bounded and UTF-8.
void read_outcome(const grpc::Status &status, const golo::Response &resp,
                  const std::string &deadline_text,
                  agent::IterationOutcome &out);

}  // namespace golo::wire
