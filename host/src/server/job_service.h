// go-lo's Job service: Trigger runs the named job's golo_trigger once.
#pragma once

#include "golo/golo.grpc.pb.h"
#include "plugins/plugin_registry.h"

namespace golo::host {

// Longest jobName accepted; longer requests get INVALID_ARGUMENT.
inline constexpr std::size_t kMaxJobNameBytes = 256;

class JobService final : public golo::Job::Service {
 public:
  explicit JobService(PluginRegistry &registry) : registry_(registry) {}
  grpc::Status Trigger(grpc::ServerContext *ctx, const golo::Context *req,
                       golo::Response *resp) override;

 private:
  PluginRegistry &registry_;
};

// Resolves jobName to the serving version, or a NOT_FOUND / INVALID_ARGUMENT
// status naming the jobs that exist. Shared by every service that runs jobs.
std::shared_ptr<PluginVersion> resolve_job(const PluginRegistry &registry,
                                           const std::string &job,
                                           grpc::Status &status);

}  // namespace golo::host
