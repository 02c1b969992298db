// Host control: list the loaded plugins, reload the plugins directory,
// push a plugin onto the host or remove one (golo push, golo remove).
#pragma once

#include "golo/golo.grpc.pb.h"
#include "plugins/plugin_installer.h"
#include "plugins/plugin_registry.h"
#include "server/control_settings.h"

namespace golo::host {

class HostService final : public golo::Host::Service {
 public:
  HostService(PluginRegistry &registry, const ControlSettings &settings)
      : registry_(registry), settings_(settings), installer_(registry) {}
  grpc::Status ListPlugins(grpc::ServerContext *,
                           const golo::ListPluginsRequest *,
                           golo::ListPluginsResponse *resp) override;
  grpc::Status Reload(grpc::ServerContext *ctx, const golo::ReloadRequest *,
                      golo::ReloadResponse *resp) override;
  grpc::Status Push(grpc::ServerContext *ctx,
                    grpc::ServerReader<golo::PushChunk> *reader,
                    golo::PushResponse *resp) override;
  grpc::Status Remove(grpc::ServerContext *ctx, const golo::RemoveRequest *req,
                      golo::RemoveResponse *resp) override;

 private:
  static grpc::Status insecure_refusal(const char *what,
                                       const std::string &caller);
  PluginRegistry &registry_;
  const ControlSettings &settings_;
  PluginInstaller installer_;
};

}  // namespace golo::host
