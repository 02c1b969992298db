#include "server/job_service.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "abi/response.h"
#include "golo/wire/response.h"
#include "golo/wire/text.h"
#include "server/grpc_status.h"
#include "supervisor/board.h"

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

// One call of version into resp: the caller's status.
// stats: the job's /metrics counters, begun and ended on this thread.
grpc::Status run_trigger(PluginVersion &version, std::int64_t deadline,
                         TriggerStats &stats, golo::Response &resp) {
  // One response buffer per thread: its capacity is reused.
  thread_local golo_response r;
  stats.begin();
  const auto start = std::chrono::steady_clock::now();
  const int rc = version.trigger(r, 0, 0, deadline);
  const auto took = std::chrono::steady_clock::now() - start;
  stats.end(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count(),
            rc != 0 || r.error);

  const auto &meta = version.meta();
  if (rc != 0) {
    // go-lo's TriggerFunc error: the call fails, carrying the plugin's word.
    return to_status({HostError::Code::kPluginFailed,
                      "job \"" + meta.job + "\": " + r.failure_message(rc),
                      {},
                      {}});
  }
  resp.set_id(r.id);
  resp.set_jobname(meta.job);
  resp.set_error(r.error);
  wire::set_output(resp, r.output);
  wire::add_tags(*resp.mutable_tags(), r.tags);
  wire::set_steps(resp, r.steps, r.checks, r.steps_dropped, r.checks_dropped);
  resp.set_durationnanos(
      std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
  resp.set_outputtruncated(r.output_truncated);
  resp.set_pluginversion(meta.version);
  resp.set_plugingeneration(meta.generation);
  return grpc::Status::OK;
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

grpc::ServerUnaryReactor *JobService::Trigger(grpc::CallbackServerContext *ctx,
                                              const golo::Context *req,
                                              golo::Response *resp) {
  grpc::ServerUnaryReactor *reactor = ctx->DefaultReactor();
  auto resolved = registry_.resolve(req->jobname());
  if (!resolved) {
    reactor->Finish(to_status(resolved.error()));
    return reactor;
  }
  std::shared_ptr<PluginVersion> version = std::move(*resolved);
  const std::int64_t deadline = deadline_ns(*ctx);
  TriggerStats &stats = metrics_.trigger(version->meta().job);
  if (inline_calls_.fetch_add(1, std::memory_order_relaxed) < inline_limit()) {
    const grpc::Status status = run_trigger(*version, deadline, stats, *resp);
    inline_calls_.fetch_sub(1, std::memory_order_relaxed);
    reactor->Finish(status);
    return reactor;
  }
  inline_calls_.fetch_sub(1, std::memory_order_relaxed);
  try {
    pool_.submit(
        [reactor, resp, deadline, &stats, version = std::move(version)] {
          reactor->Finish(run_trigger(*version, deadline, stats, *resp));
        });
  } catch (const CallPool::Full &e) {
    reactor->Finish(to_status({HostError::Code::kResourceExhausted,
                               std::string("golo-host: ") + e.what(),
                               {},
                               {}}));
  } catch (const std::exception &e) {
    reactor->Finish(
        to_status({HostError::Code::kResourceExhausted,
                   std::string("no thread to run the call on: ") + e.what(),
                   {},
                   {}}));
  }
  return reactor;
}

}  // namespace golo::host
