// Job.Trigger's Response: its output made safe to send, and, at the other
// end, what an iteration that made the call counts.
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "golo/agent/iteration.h"
#include "golo/golo.pb.h"
#include "golo/wire/text.h"

namespace golo::wire {

// Every Job.Trigger reply is at most this long encoded, in either layout:
// under grpc-go's and grpcio's default receive limit of 4 MiB (a client
// that gets more fails the call with RESOURCE_EXHAUSTED), a KiB to spare.
inline constexpr std::size_t kMaxTriggerReplyBytes = 4 * 1024 * 1024 - 1024;

// Sets output to the plugin's bytes when they are UTF-8; otherwise to a
// repaired copy (each ill-formed sequence U+FFFD, so up to three times as
// long), with the exact bytes in outputBytes and outputNotUtf8 set.
// budget bounds the two together: the exact bytes are kept first (whole
// when they fit; outputBytesCut when not), and the text gets what is left,
// cut between characters (outputTextCut), since it can be made again from
// the bytes.
void set_output(golo::Response &resp, std::string_view bytes,
                std::size_t budget = SIZE_MAX);

// What set_output may spend so that resp, everything else already set,
// stays within max_reply bytes encoded in either layout.
std::size_t output_budget(const golo::Response &resp,
                          std::size_t max_reply = kMaxTriggerReplyBytes);

// A plugin's steps and checks (ABI 1.1) into Response fields 13-16; Steps
// and Checks are ranges of agent::StepOutcome and agent::CheckOutcome.
template <class Steps, class Checks>
void set_steps(golo::Response &resp, const Steps &steps, const Checks &checks,
               std::uint32_t steps_dropped, std::uint32_t checks_dropped) {
  for (const auto &s : steps) {
    auto *step = resp.add_steps();
    assign_text(*step->mutable_name(), s.name);
    step->set_durationnanos(s.duration_ns);
    step->set_failed(s.failed);
  }
  for (const auto &c : checks) {
    auto *check = resp.add_checks();
    assign_text(*check->mutable_name(), c.name);
    check->set_passed(c.passed);
  }
  resp.set_stepsdropped(steps_dropped);
  resp.set_checksdropped(checks_dropped);
}

// One Trigger call as an iteration's outcome: a failed call fails the
// iteration (with deadline_text, when given, for DEADLINE_EXCEEDED); a
// Response with error set flags it, its output the error's text; the tags
// pick the iteration's tag set, and its steps and checks are held to the
// limits a local plugin's are (the rest counted as dropped). Texts are any
// server's: bounded and UTF-8.
void read_outcome(const grpc::Status &status, const golo::Response &resp,
                  const std::string &deadline_text,
                  agent::IterationOutcome &out);

}  // namespace golo::wire
