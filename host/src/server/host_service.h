// Host control: list the loaded plugins, reload the plugins directory.
#pragma once

#include <functional>

#include "golo/golo.grpc.pb.h"
#include "plugins/plugin_registry.h"

namespace golo::host {

class HostService final : public golo::Host::Service {
 public:
  explicit HostService(PluginRegistry &registry) : registry_(registry) {}
  grpc::Status ListPlugins(grpc::ServerContext *,
                           const golo::ListPluginsRequest *,
                           golo::ListPluginsResponse *resp) override;
  grpc::Status Reload(grpc::ServerContext *, const golo::ReloadRequest *,
                      golo::ReloadResponse *resp) override;

 private:
  PluginRegistry &registry_;
};

}  // namespace golo::host
