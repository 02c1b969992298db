#include "golo/wire/response.h"

#include "golo/agent/results.h"
#include "golo/agent/utf8.h"
#include "golo/plugin.h"

namespace golo::wire {

namespace {

void read_steps(const golo::Response &resp, agent::IterationOutcome &out) {
  std::uint32_t dropped = resp.stepsdropped();
  for (const auto &s : resp.steps()) {
    if (s.name().empty() || s.durationnanos() < 0 ||
        out.steps.size() >= GOLO_MAX_STEPS) {
      ++dropped;
      continue;
    }
    auto &step = out.steps.add();
    step.name = agent::utf8_bounded(s.name(), GOLO_MAX_STEP_NAME_BYTES);
    step.duration_ns = s.durationnanos();
    step.failed = s.failed();
    step.status = 0;  // not on the wire: a remote host's steps have none
  }
  out.steps_dropped = dropped;
  dropped = resp.checksdropped();
  for (const auto &c : resp.checks()) {
    if (c.name().empty() || out.checks.size() >= GOLO_MAX_STEPS) {
      ++dropped;
      continue;
    }
    auto &check = out.checks.add();
    check.name = agent::utf8_bounded(c.name(), GOLO_MAX_STEP_NAME_BYTES);
    check.passed = c.passed();
  }
  out.checks_dropped = dropped;
}

}  // namespace

void set_output(golo::Response &resp, std::string_view bytes,
                std::size_t budget) {
  if (agent::utf8_valid(bytes)) {
    if (bytes.size() > budget) {
      bytes = bytes.substr(0, agent::utf8_cut(bytes, budget));
      resp.set_outputtextcut(true);
    }
    resp.set_output(std::string(bytes));
    return;
  }
  std::string text = agent::utf8_repair(bytes);
  if (bytes.size() > budget) {
    bytes = bytes.substr(0, budget);
    resp.set_outputbytescut(true);
  }
  const std::size_t left = budget - bytes.size();
  if (text.size() > left) {
    text.resize(agent::utf8_cut(text, left));
    resp.set_outputtextcut(true);
  }
  resp.set_output(std::move(text));
  resp.set_outputbytes(std::string(bytes));
  resp.set_outputnotutf8(true);
}

std::size_t output_budget(const golo::Response &resp, std::size_t max_reply) {
  // Room for what set_output adds besides the payloads (two tags and
  // lengths, three flags) and for the duration, set after at either
  // layout's number (a tag and a varint of up to 10 bytes).
  constexpr std::size_t kFieldHeaders = 64 + 12;
  const std::size_t rest = resp.ByteSizeLong() + kFieldHeaders;
  return max_reply > rest ? max_reply - rest : 0;
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
  read_steps(resp, out);
}

}  // namespace golo::wire
