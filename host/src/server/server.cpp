#include "server/server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <spdlog/spdlog.h>

#include "server/health_service.h"
#include "server/host_service.h"
#include "server/job_service.h"
#include "server/runner_service.h"

namespace golo::host {

struct HostServer::Services {
  Services(PluginRegistry &r, HostMetrics &m, ServerLimits limits,
           ControlSettings s)
      : settings(std::move(s)),
        job(r, static_cast<std::size_t>(limits.max_threads), m,
            limits.go_lo_layout),
        host(r, settings),
        runner(r, limits.runs, settings, m) {}
  ControlSettings settings;
  JobService job;
  HostService host;
  RunnerService runner;
  HealthService health;
};

HostServer::HostServer(PluginRegistry &registry, HostMetrics &metrics,
                       ServerLimits limits, ControlSettings settings)
    : registry_(registry),
      limits_(limits),
      services_(std::make_unique<Services>(registry, metrics, limits,
                                           std::move(settings))) {}

HostServer::~HostServer() = default;

bool HostServer::start(const std::string &listen_addr,
                       std::shared_ptr<grpc::ServerCredentials> creds) {
  // Debian builds absl without NDEBUG, so every absl::Mutex lock (gRPC takes
  // several per call) also updated a deadlock-detection graph: ~10% of the
  // worker's CPU per Job.Trigger (bench/rpc). A debugging aid; off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen_addr, std::move(creds), &port_);
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  // Every sync call holds a server thread; past the cap a call is answered
  // RESOURCE_EXHAUSTED at once rather than starting yet another thread.
  grpc::ResourceQuota quota("golo-host");
  quota.SetMaxThreads(limits_.max_threads);
  builder.SetResourceQuota(quota);
  // A caller that vanished without closing its connection (frozen, or the
  // network gone) is found by keepalive pings, which cancel its calls: a
  // run streaming to nobody stops and frees its threads.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.RegisterService(&services_->job);
  builder.RegisterService(&services_->host);
  builder.RegisterService(&services_->runner);
  builder.RegisterService(&services_->health);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    spdlog::error("cannot listen on {}: address in use or invalid",
                  listen_addr);
    server_.reset();
    return false;
  }
  spdlog::info(
      "serving golo.Job ({} go-lo layout), golo.Host, golo.Runner on {} (port "
      "{}), plugins from {}",
      wire::layout_name(limits_.go_lo_layout), listen_addr, port_,
      registry_.dir().string());
  return true;
}

void HostServer::shutdown(std::chrono::milliseconds grace) {
  services_->health.set_not_serving();
  services_->runner.stop_all();  // schedules stop their load, send results
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + grace);
}

void HostServer::wait() {
  if (server_) server_->Wait();
}

}  // namespace golo::host
