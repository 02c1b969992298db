#include "server/job_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "abi/response.h"
#include "board/board.h"
#include "errors/grpc_status.h"
#include "golo/wire/response.h"
#include "golo/wire/text.h"

namespace golo::host {

namespace {

// The caller's deadline on the crash board's clock (0: none), so that a call
// still running past it is counted as stuck.
std::int64_t deadline_ns(const grpc::ServerContextBase &ctx) {
  const auto deadline = ctx.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return 0;
  const auto left = deadline - std::chrono::system_clock::now();
  return board::monotonic_coarse_ns() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
}

// The layout the caller asked for ("golo-layout" metadata), else fallback.
wire::GoLoLayout layout_of(const grpc::CallbackServerContext &ctx,
                           wire::GoLoLayout fallback) {
  const auto &md = ctx.client_metadata();
  const auto it = md.find(wire::kLayoutMetadataKey);
  if (it == md.end()) return fallback;
  return wire::parse_layout(
             std::string_view(it->second.data(), it->second.size()))
      .value_or(fallback);
}

// Finishes one resolved call, and counts its reply as an error when it
// could not be sent (the caller gone or past its deadline: gRPC reports the
// call cancelled once done) and the call was not an error already.
class TriggerReactor final : public grpc::ServerUnaryReactor {
 public:
  TriggerReactor(grpc::CallbackServerContext *ctx,
                 std::shared_ptr<LoadedGeneration> version, TriggerStats &stats)
      : ctx_(ctx), version_(std::move(version)), stats_(stats) {}

  LoadedGeneration &version() { return *version_; }
  TriggerStats &stats() { return stats_; }
  void finish(const grpc::Status &status, bool counted_as_error) {
    counted_as_error_ = counted_as_error;
    Finish(status);
  }

 private:
  void OnDone() override {
    if (!counted_as_error_ && ctx_->IsCancelled()) {
      version_->count_error();
      stats_.count_error();
      spdlog::debug(
          "job \"{}\": the reply could not be sent (caller gone "
          "or past its deadline); counted as an error",
          version_->meta().job);
    }
    delete this;
  }

  grpc::CallbackServerContext *ctx_;
  std::shared_ptr<LoadedGeneration> version_;
  TriggerStats &stats_;
  bool counted_as_error_ = false;
};

// One call of the reactor's version into reply; finishes the call.
void run_trigger(TriggerReactor &reactor, std::int64_t deadline,
                 const std::string &job_name, wire::GoLoLayout layout,
                 wire::TriggerReply &reply) {
  // One response buffer per thread: its capacity is reused.
  thread_local golo_response r;
  LoadedGeneration &version = reactor.version();
  reactor.stats().begin();
  const auto start = std::chrono::steady_clock::now();
  const int rc = version.trigger(r, 0, 0, deadline);
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  reactor.stats().end(took, rc != 0 || r.error);

  const auto &meta = version.meta();
  if (rc != 0) {
    // go-lo's TriggerFunc error: the call fails, carrying the plugin's word.
    reactor.finish(
        to_status({HostError::Code::kPluginFailed,
                   "job \"" + meta.job + "\": " + r.failure_message(rc),
                   {},
                   {}}),
        true);
    return;
  }
  golo::Response &resp = reply.seed;
  resp.set_id(r.id);
  // What was sent, as go-lo's servers answer (empty for the only job).
  resp.set_jobname(job_name);
  resp.set_error(r.error);
  wire::add_tags(*resp.mutable_tags(), r.tags);
  wire::set_steps(resp, r.steps, r.checks, r.steps_dropped, r.checks_dropped);
  resp.set_outputtruncated(r.output_truncated);
  resp.set_pluginversion(meta.version);
  resp.set_plugingeneration(meta.generation);
  // Bounded by what the rest left: the reply stays under 4 MiB. The rest is
  // small (ABI limits), so only a large output needs the count. The duration
  // is set after, within the budget's reserve, so the cut does not move
  // with how long the call took.
  constexpr std::size_t kSmallOutput = 64 * 1024;
  wire::set_output(
      resp, r.output,
      r.output.size() <= kSmallOutput ? SIZE_MAX : wire::output_budget(resp));
  resp.set_durationnanos(took);
  reply.use_layout(layout);
  reactor.finish(grpc::Status::OK, r.error);
}

// Callback threads that may be inside a plugin at once. gRPC 1.51 runs
// callbacks on max(2, min(16, cores / 2)) threads of its own (its
// CallbackAlternativeCQ), which also read the connections for the sync
// services: one of them always stays out of plugins.
int inline_limit() {
  static const int limit = [] {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, std::clamp(cores / 2, 2, 16) - 1);
  }();
  return limit;
}

}  // namespace

JobService::JobService(PluginRegistry &registry, std::size_t max_threads,
                       HostMetrics &metrics, wire::GoLoLayout layout)
    : registry_(registry),
      metrics_(metrics),
      layout_(layout),
      pool_(max_threads) {
  // As generated code registers a callback method.
  AddMethod(new grpc::internal::RpcServiceMethod(
      "/golo.Job/Trigger", grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
  MarkMethodCallback(
      0, new grpc::internal::CallbackUnaryHandler<golo::Context,
                                                  wire::TriggerReply>(
             [this](grpc::CallbackServerContext *ctx, const golo::Context *req,
                    wire::TriggerReply *reply) {
               return trigger(ctx, req, reply);
             }));
}

grpc::ServerUnaryReactor *JobService::trigger(grpc::CallbackServerContext *ctx,
                                              const golo::Context *req,
                                              wire::TriggerReply *reply) {
  auto resolved = registry_.resolve(req->jobname());
  if (!resolved) {
    grpc::ServerUnaryReactor *reactor = ctx->DefaultReactor();
    reactor->Finish(to_status(resolved.error()));
    return reactor;
  }
  const std::int64_t deadline = deadline_ns(*ctx);
  const wire::GoLoLayout layout = layout_of(*ctx, layout_);
  TriggerStats &stats = metrics_.trigger((*resolved)->meta().job);
  auto *reactor = new TriggerReactor(ctx, std::move(*resolved), stats);
  if (inline_calls_.fetch_add(1, std::memory_order_relaxed) < inline_limit()) {
    run_trigger(*reactor, deadline, req->jobname(), layout, *reply);
    inline_calls_.fetch_sub(1, std::memory_order_relaxed);
    return reactor;
  }
  inline_calls_.fetch_sub(1, std::memory_order_relaxed);
  try {
    pool_.submit([reactor, req, reply, deadline, layout] {
      run_trigger(*reactor, deadline, req->jobname(), layout, *reply);
    });
  } catch (const CallPool::Full &e) {
    reactor->finish(to_status({HostError::Code::kResourceExhausted,
                               std::string("golo-host: ") + e.what(),
                               {},
                               {}}),
                    true);
  } catch (const std::exception &e) {
    reactor->finish(
        to_status({HostError::Code::kResourceExhausted,
                   std::string("no thread to run the call on: ") + e.what(),
                   {},
                   {}}),
        true);
  }
  return reactor;
}

}  // namespace golo::host
