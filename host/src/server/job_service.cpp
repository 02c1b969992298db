#include "server/job_service.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "abi/response.h"
#include "golo/agent/utf8.h"
#include "supervisor/board.h"

namespace golo::host {

namespace {
std::string job_list(const PluginRegistry &registry) {
  std::string out;
  for (const auto &j : registry.jobs()) out += (out.empty() ? "" : ", ") + j;
  return out.empty() ? "none loaded from " + registry.dir().string() : out;
}
// The caller's deadline on the crash board's clock (0: none), so that a call
// still running past it is counted as stuck.
std::int64_t deadline_ns(const grpc::ServerContextBase &ctx) {
  const auto deadline = ctx.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return 0;
  const auto left = deadline - std::chrono::system_clock::now();
  return board::monotonic_coarse_ns() +
         std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
}

}  // namespace

std::shared_ptr<PluginVersion> resolve_job(const PluginRegistry &registry,
                                           const std::string &job,
                                           grpc::Status &status) {
  if (job.size() > kMaxJobNameBytes) {
    status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "jobName is " + std::to_string(job.size()) +
                              " bytes; the limit is " +
                              std::to_string(kMaxJobNameBytes));
    return nullptr;
  }
  auto version = registry.find(job);
  if (version) return version;
  if (auto q = registry.quarantined(job)) {
    status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "job \"" + job + "\" is quarantined: " + q->reason);
    return nullptr;
  }
  if (job.empty())
    status = grpc::Status(grpc::StatusCode::NOT_FOUND,
                          "jobName is empty and there is not exactly one job "
                          "to pick; jobs: " +
                              job_list(registry));
  else
    status = grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        "job \"" + job + "\" not found; jobs: " + job_list(registry));
  return nullptr;
}

namespace {

// The response's steps and checks (ABI 1.1) into Response fields 13-16.
void fill_steps(golo::Response &resp, const golo_response &r) {
  for (const auto &s : r.steps) {
    auto *step = resp.add_steps();
    step->set_name(s.name);
    step->set_durationnanos(s.duration_ns);
    step->set_failed(s.failed);
  }
  for (const auto &c : r.checks) {
    auto *check = resp.add_checks();
    check->set_name(c.name);
    check->set_passed(c.passed);
  }
  resp.set_stepsdropped(r.steps_dropped);
  resp.set_checksdropped(r.checks_dropped);
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
    return grpc::Status(grpc::StatusCode::UNKNOWN,
                        "job \"" + meta.job + "\": " + r.failure_message(rc));
  }
  resp.set_id(r.id);
  resp.set_jobname(meta.job);
  resp.set_error(r.error);
  // A proto3 string must be UTF-8 (Python's and Go's clients refuse the
  // whole message otherwise): repair it, and keep the exact bytes aside.
  if (agent::utf8_valid(r.output)) {
    resp.set_output(r.output);
  } else {
    resp.set_output(agent::utf8_repair(r.output));
    resp.set_outputbytes(r.output);
    resp.set_outputnotutf8(true);
  }
  for (const auto &[k, v] : r.tags) {
    auto *tag = resp.add_tags();
    tag->set_key(k);
    tag->set_value(v);
  }
  fill_steps(resp, r);
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
  grpc::Status status;
  auto version = resolve_job(registry_, req->jobname(), status);
  if (!version) {
    reactor->Finish(status);
    return reactor;
  }
  const std::int64_t deadline = deadline_ns(*ctx);
  TriggerStats &stats = metrics_.trigger(version->meta().job);
  if (inline_calls_.fetch_add(1, std::memory_order_relaxed) < inline_limit()) {
    status = run_trigger(*version, deadline, stats, *resp);
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
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 std::string("golo-host: ") + e.what()));
  } catch (const std::exception &e) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     std::string("no thread to run the call on: ") + e.what()));
  }
  return reactor;
}

}  // namespace golo::host
