#include "runners/remote_trigger_runner.h"

#include "golo/agent/results.h"
#include "golo/agent/utf8.h"
#include "golo/plugin.h"

namespace golo::host {

RemoteTriggerRunner::RemoteTriggerRunner(const std::string &target,
                                         std::string job,
                                         std::size_t connections,
                                         std::chrono::milliseconds timeout,
                                         std::string deadline_text)
    : job_(std::move(job)),
      timeout_(timeout),
      deadline_text_(std::move(deadline_text)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(connections, 1); ++i) {
    grpc::ChannelArguments args;
    // Identical channels would share one connection; keep them apart.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 * 1024 * 1024);
    stubs_.push_back(golo::Job::NewStub(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args)));
  }
}

void RemoteTriggerRunner::run(std::uint32_t user, std::uint64_t,
                              agent::IterationOutcome &out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
  golo::Context req;
  req.set_jobname(job_);
  golo::Response resp;
  const grpc::Status status =
      stubs_[user % stubs_.size()]->Trigger(&ctx, req, &resp);
  if (!status.ok()) {
    out.failed = true;
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
        !deadline_text_.empty()) {
      out.error_text = deadline_text_;
      return;
    }
    // Any server's message: it may hold any bytes.
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

void read_steps(const golo::Response &resp, agent::IterationOutcome &out) {
  // Any server's answer: bound it as the host bounds its own plugins'.
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

}  // namespace golo::host
