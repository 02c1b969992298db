#include "golo/wire/response.h"

#include "golo/agent/results.h"
#include "golo/agent/utf8.h"

namespace golo::wire {

void set_output(golo::Response &resp, std::string_view bytes) {
  if (agent::utf8_valid(bytes)) {
    resp.set_output(std::string(bytes));
    return;
  }
  resp.set_output(agent::utf8_repair(bytes));
  resp.set_outputbytes(std::string(bytes));
  resp.set_outputnotutf8(true);
}

void read_outcome(const grpc::Status &status, const golo::Response &resp,
                  const std::string &deadline_text,
                  agent::IterationOutcome &out) {
  if (!status.ok()) {
    out.failed = true;
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
        !deadline_text.empty())
      out.error_text = deadline_text;
    else
      out.error_text =
          agent::utf8_bounded(status.error_message(), agent::kMaxErrorTextLen);
    return;
  }
  if (resp.error()) {
    out.error_flag = true;
    out.error_text =
        agent::utf8_bounded(resp.output(), agent::kMaxErrorTextLen);
  }
  for (const auto &t : resp.tags()) out.tags.add(t.key(), t.value());
}

}  // namespace golo::wire
