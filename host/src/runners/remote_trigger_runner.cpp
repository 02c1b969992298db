#include "runners/remote_trigger_runner.h"

#include "golo/agent/results.h"
#include "golo/agent/utf8.h"

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
}

}  // namespace golo::host
