#include "runners/remote_trigger_runner.h"

#include "golo/wire/layout.h"
#include "golo/wire/response.h"

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
  // The layout golo::Response reads, from a golo-host in either layout;
  // other go-lo servers ignore it.
  ctx.AddMetadata(wire::kLayoutMetadataKey, "seed");
  golo::Context req;
  req.set_jobname(job_);
  golo::Response resp;
  const grpc::Status status =
      stubs_[user % stubs_.size()]->Trigger(&ctx, req, &resp);
  wire::read_outcome(status, resp, deadline_text_, out);
}

}  // namespace golo::host
