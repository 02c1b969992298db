// Runner.Run: runs a schedule inside this host, streaming progress about once
// a second and the results at the end. The load stops at once when the
// caller goes away: no orphan load.
#pragma once

#include <mutex>
#include <set>
#include <stop_token>

#include "golo/golo.grpc.pb.h"
#include "plugins/plugin_registry.h"
#include "server/control_settings.h"

namespace golo::host {

class RunnerService final : public golo::Runner::Service {
 public:
  RunnerService(PluginRegistry &registry, const ControlSettings &settings)
      : registry_(registry), settings_(settings) {}
  grpc::Status Run(grpc::ServerContext *ctx, const golo::RunRequest *req,
                   grpc::ServerWriter<golo::RunUpdate> *writer) override;
  // Asks every running schedule to stop (the host is shutting down); each
  // still sends the results it has.
  void stop_all();

 private:
  PluginRegistry &registry_;
  const ControlSettings &settings_;
  std::mutex mutex_;
  std::set<std::stop_source *> running_;
};

}  // namespace golo::host
