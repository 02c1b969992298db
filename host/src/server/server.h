// Builds and runs golo-host's gRPC server: Job, Host and Runner services,
// health checking and reflection, with bounded request sizes.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/server_builder_option.h>

#include <memory>
#include <string>

#include "golo/agent/data_table.h"
#include "golo/agent/schedule.h"
#include "golo/wire/layout.h"
#include "metrics/host_metrics.h"
#include "plugins/plugin_registry.h"
#include "server/control_settings.h"
#include "server/runner_service.h"

namespace golo::host {

// The most a Runner.RunStream request may come to, joined from its pieces:
// a schedule and its data file, both at their limits, plus 1 MiB for the
// rest. 18 MiB. Every single message is at most wire::kMaxMessageBytes.
inline constexpr std::size_t kMaxRunRequestBytes =
    agent::kMaxScheduleBytes + agent::kMaxDataBytes + 1024 * 1024;

inline constexpr std::size_t kDefaultGrpcMemory = 512ull * 1024 * 1024;

// Calls at once on one connection (HTTP/2 MAX_CONCURRENT_STREAMS).
inline constexpr int kMaxStreamsPerConnection = 64;

// A ServerBuilder option that keeps gRPC's reflection plugin off a server
// (libgrpc++_reflection adds it to every server): the health-only port.
class WithoutReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments *) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>
                         *plugins) override;
};

// The connection limits every port of the worker applies: streams per
// connection, idle and age limits, keepalive.
void apply_connection_limits(grpc::ServerBuilder &builder);

struct ServerLimits {
  int max_threads = 512;  // gRPC server threads (a ResourceQuota)
  RunLimits runs;
  // Bytes gRPC may hold in buffers (the same ResourceQuota): what callers
  // can make the worker hold, whoever they are.
  std::size_t grpc_memory = kDefaultGrpcMemory;
  // Not a limit but the last of the server's shape: Job.Trigger's reply
  // layout for callers that do not ask for one (--go-lo-layout).
  wire::GoLoLayout go_lo_layout = wire::GoLoLayout::kSeed;
};

class HostServer {
 public:
  // metrics (/metrics' counters) must outlive the server.
  HostServer(PluginRegistry &registry, HostMetrics &metrics,
             ServerLimits limits = {}, ControlSettings settings = {});
  ~HostServer();
  // Starts listening; returns false (with the reason logged) when the address
  // cannot be bound. Sets the bound port for ":0" addresses.
  // creds: plaintext by default; TLS and the token check come from
  // security::ServerSecurity.
  bool start(const std::string &listen_addr,
             std::shared_ptr<grpc::ServerCredentials> creds =
                 grpc::InsecureServerCredentials());
  int port() const { return port_; }
  // Runner.Run and RunStream calls admitted and not yet ended.
  std::size_t runs_in_progress();
  // Stops accepting calls, lets calls in flight finish within grace, then
  // cancels what remains. Schedules running inside the host stop their load.
  void shutdown(std::chrono::milliseconds grace);
  void wait();

 private:
  struct Services;
  PluginRegistry &registry_;
  ServerLimits limits_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace golo::host
