// Runner.Run: runs a schedule inside this host, streaming progress about once
// a second and the results at the end. The load stops at once when the
// caller goes away: no orphan load. Runs are admitted under caps (runs at
// once, users across runs); one over a cap is refused with
// RESOURCE_EXHAUSTED naming the cap, and nothing else is disturbed.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <stop_token>

#include "golo/agent/executor.h"
#include "golo/golo.grpc.pb.h"
#include "metrics/host_metrics.h"
#include "plugins/plugin_registry.h"
#include "server/control_settings.h"

namespace golo::host {

// The most hosts one run may be shared among (RunRequest.shareCount).
inline constexpr std::uint64_t kMaxShareCount = 10000;
// The longest RunRequest.stopKey.
inline constexpr std::size_t kMaxStopKeyBytes = 128;

struct RunLimits {
  std::uint64_t max_runs = 16;      // schedules running at once
  std::uint64_t max_users = 20000;  // users (one thread each) across runs
  // Bytes of recording counters per run past which growing tag sets go to
  // _other (agent::RunOptions::record_budget).
  std::int64_t record_budget = agent::kDefaultRecordBudget;
  // Fiber plugins' users across runs, and each such run's loop threads.
  std::uint64_t max_fiber_users = 200000;
  std::size_t loops = 1;
};

class RunnerService final : public golo::Runner::Service {
 public:
  RunnerService(PluginRegistry &registry, RunLimits limits,
                const ControlSettings &settings, HostMetrics &metrics)
      : registry_(registry),
        limits_(limits),
        settings_(settings),
        metrics_(metrics) {}
  // Where a run's updates go (Run's writer or RunStream's stream), and
  // where RunStream's request pieces come from.
  using Updates = grpc::internal::WriterInterface<golo::RunUpdate>;
  using Pieces = grpc::internal::ReaderInterface<golo::RunRequest>;
  grpc::Status Run(grpc::ServerContext *ctx, const golo::RunRequest *req,
                   grpc::ServerWriter<golo::RunUpdate> *writer) override;
  // The same run, its request in pieces (wire/pieces.h), read once the run
  // has its slot.
  grpc::Status RunStream(
      grpc::ServerContext *ctx,
      grpc::ServerReaderWriter<golo::RunUpdate, golo::RunRequest> *stream)
      override;
  // Asks every running schedule to stop (the host is shutting down) and
  // refuses new ones; each still sends the results it has, marked stopped
  // early, and ends with UNAVAILABLE.
  void stop_all();
  // Runs admitted and not yet ended.
  std::size_t runs_in_progress();
  // Stops the runs whose request carried req.stopkey(): each sends the
  // results it measured (stopped early) and ends with ABORTED.
  grpc::Status Stop(grpc::ServerContext *ctx, const golo::StopRequest *req,
                    golo::StopResponse *resp) override;

 private:
  class Admission;  // a run counted against the caps while it lives
  struct Prepared;  // the request parsed and checked
  // Run and RunStream: pieces is null for Run, whose request is whole.
  grpc::Status serve(grpc::ServerContext &ctx, const golo::RunRequest *whole,
                     Pieces *pieces, Updates &writer);
  static grpc::Status join(grpc::ServerContext &ctx, Pieces &pieces,
                           golo::RunRequest &out);
  grpc::Status prepare(grpc::ServerContext &ctx, const golo::RunRequest &req,
                       const std::string &file, Prepared &out);
  grpc::Status resolve_jobs(const golo::RunRequest &req, bool every_scenario,
                            Prepared &out);
  static grpc::Status start_instant(const golo::RunRequest &req, Prepared &out);
  // resumeOfUnixMs: where the schedule is at the start (after start_instant).
  static grpc::Status resume(const golo::RunRequest &req, Prepared &out);
  // What this host can take of a prepared run, for the pre-flight.
  golo::HostCapacity capacity(bool fibers, std::uint64_t run_users) const;
  // Who asked and for which file, as the log names them.
  struct RunLog {
    std::string file, caller;
  };
  // The run itself, once admitted: runner, watcher, load, finish.
  grpc::Status execute(grpc::ServerContext &ctx, const golo::RunRequest &req,
                       const RunLog &log, std::stop_source &stop,
                       Prepared &prep, Updates &writer);
  std::shared_ptr<agent::IterationRunner> make_runner(
      const golo::RunRequest &req, const Prepared &prep, std::string &where);
  agent::RunOptions run_options(const RunLog &log, std::stop_source &stop,
                                const Prepared &prep, RunRecord &metrics,
                                Updates &writer) const;
  grpc::Status finish(grpc::ServerContext &ctx, const RunLog &log,
                      const agent::Schedule &schedule,
                      const agent::RunResults &results, Updates &writer);
  PluginRegistry &registry_;
  const RunLimits limits_;
  const ControlSettings &settings_;
  HostMetrics &metrics_;
  std::mutex mutex_;
  // Each admitted run's stop, with its RunRequest.stopKey ("" until its
  // request is read, or when it has none).
  std::map<std::stop_source *, std::string> running_;
  std::uint64_t users_in_use_ = 0, fiber_users_in_use_ = 0;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace golo::host
