#include "server/server.h"

#include <absl/synchronization/mutex.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "golo/wire/pieces.h"
#include "server/health_service.h"
#include "server/host_service.h"
#include "server/job_service.h"
#include "server/runner_service.h"

namespace golo::host {

namespace {

// Reflection on this server alone. libgrpc++_reflection registers its plugin
// for every server the process builds when it is loaded (a static
// initializer), the health-only port included: WithReflection makes sure the
// serving port has it, WithoutReflection takes it off another.
bool is_reflection(const std::unique_ptr<grpc::ServerBuilderPlugin> &p) {
  return p &&
         p->name() == grpc::reflection::ProtoServerReflectionPlugin().name();
}

class WithReflection final : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments *) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>
                         *plugins) override {
    if (std::none_of(plugins->begin(), plugins->end(), is_reflection))
      plugins->push_back(
          std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
  }
};

}  // namespace

void WithoutReflection::UpdatePlugins(
    std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>> *plugins) {
  std::erase_if(*plugins, is_reflection);
}

void apply_connection_limits(grpc::ServerBuilder &builder) {
  // At most this many calls at once on one connection; more wait in HTTP/2
  // flow control, not in the worker's memory.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             kMaxStreamsPerConnection);
  // A connection with no call for 5 minutes is closed; any connection is
  // asked to go away after an hour (its calls in flight finish: runs last).
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 60 * 60 * 1000);
  // A caller that vanished without closing its connection (frozen, or the
  // network gone) is found by keepalive pings, which cancel its calls: a
  // run streaming to nobody stops and frees its threads.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
}

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

std::size_t HostServer::runs_in_progress() {
  return services_->runner.runs_in_progress();
}

bool HostServer::start(const std::string &listen_addr,
                       std::shared_ptr<grpc::ServerCredentials> creds) {
  // Debian builds absl without NDEBUG, so every absl::Mutex lock (gRPC takes
  // several per call) also updated a deadlock-detection graph: ~10% of the
  // worker's CPU per Job.Trigger (bench/rpc). A debugging aid; off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<WithReflection>());
  builder.AddListeningPort(listen_addr, std::move(creds), &port_);
  // One small limit for every method (gRPC 1.51 has no per-method one on
  // the server): a schedule with its data file travels in pieces
  // (Runner.RunStream), a plugin in chunks (Host.Push). gRPC checks it
  // only once a message is whole: a message declared large and never
  // finished is bounded by the memory quota below, not by this.
  builder.SetMaxReceiveMessageSize(static_cast<int>(wire::kMaxMessageBytes));
  // Every sync call holds a server thread; past the cap a call is answered
  // RESOURCE_EXHAUSTED at once rather than starting yet another thread.
  grpc::ResourceQuota quota("golo-host");
  quota.SetMaxThreads(limits_.max_threads);
  // Every byte gRPC buffers (messages arriving, half-sent ones included)
  // counts against this; under pressure gRPC shrinks flow-control windows
  // and then cancels calls (RESOURCE_EXHAUSTED) rather than grow past it.
  quota.Resize(limits_.grpc_memory);
  builder.SetResourceQuota(quota);
  apply_connection_limits(builder);
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
