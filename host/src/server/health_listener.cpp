#include "server/health_listener.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "server/server.h"

namespace golo::host {

HealthListener::~HealthListener() { shutdown(); }

bool HealthListener::start(const std::string &address) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&health_);
  // Probes are tiny and rare, and this port takes no token: one polling
  // thread, a few threads in all, a few KiB per message and memory to match,
  // so nobody can make it cost more. No reflection: that is registered on
  // the serving port alone (server.cpp).
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);
  builder.SetMaxReceiveMessageSize(4096);
  builder.SetOption(std::make_unique<WithoutReflection>());
  grpc::ResourceQuota quota("golo-host-health");
  quota.SetMaxThreads(4);
  quota.Resize(16 * 1024 * 1024);
  builder.SetResourceQuota(quota);
  apply_connection_limits(builder);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    spdlog::error(
        "--health-listen {}: cannot listen (address in use or invalid)",
        address);
    server_.reset();
    return false;
  }
  spdlog::info("serving grpc.health.v1 (plaintext, for probes) on {} (port {})",
               address, port_);
  return true;
}

void HealthListener::shutdown() {
  if (!server_) return;
  health_.set_not_serving();
  // No grace: a Check is instant, and a Watch stream cut short tells its
  // caller as much as NOT_SERVING would. (A grace here would be waited out
  // whenever a probe keeps its connection open.)
  server_->Shutdown(std::chrono::system_clock::now());
  server_->Wait();
  server_.reset();
}

}  // namespace golo::host
