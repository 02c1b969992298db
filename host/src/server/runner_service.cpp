#include "server/runner_service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "golo/agent/executor.h"
#include "golo/agent/schedule.h"
#include "runners/local_plugin_runner.h"
#include "runners/remote_trigger_runner.h"
#include "security/grpc_auth.h"
#include "security/remote_targets.h"
#include "server/job_service.h"

namespace golo::host {

namespace {

void fill(golo::Progress &out, const agent::Progress &p) {
  out.set_elapsedseconds(p.elapsed_s);
  out.set_activeusers(static_cast<std::uint32_t>(p.active_users));
  out.set_iterations(p.iterations);
  out.set_errors(p.errors);
  out.set_dropped(p.dropped);
  out.set_iterationspersecond(p.interval_rate);
  out.set_p50micros(p.p50_us);
  out.set_p95micros(p.p95_us);
  out.set_p99micros(p.p99_us);
  for (const auto &[index, count] : p.interval) {
    out.add_intervalbucketindex(index);
    out.add_intervalbucketcount(count);
  }
}

}  // namespace

void RunnerService::stop_all() {
  std::lock_guard lock(mutex_);
  for (auto *s : running_) s->request_stop();
}

grpc::Status RunnerService::Run(grpc::ServerContext *ctx,
                                const golo::RunRequest *req,
                                grpc::ServerWriter<golo::RunUpdate> *writer) {
  const std::string file =
      req->schedulefile().empty() ? "<schedule>" : req->schedulefile();
  agent::Schedule schedule;
  try {
    schedule = agent::Schedule::parse(req->scheduleyaml(), file);
    if (req->sharecount() > 1) {
      if (req->shareindex() >= req->sharecount())
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "shareIndex " + std::to_string(req->shareindex()) +
                                " is not below shareCount " +
                                std::to_string(req->sharecount()));
      schedule = schedule.share(req->shareindex(), req->sharecount());
    }
  } catch (const std::exception &e) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, e.what());
  }

  std::shared_ptr<agent::IterationRunner> runner;
  std::string where;
  const std::string caller =
      security::describe_caller(*ctx, settings_.authorizer);
  if (!req->remotetarget().empty()) {
    if (auto why = security::check_remote_target(
            req->remotetarget(), settings_.allowed_remote_targets);
        !why.empty()) {
      spdlog::warn("run {} by {} refused: {}", file, caller, why);
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, why);
    }
    runner = std::make_shared<RemoteTriggerRunner>(req->remotetarget(),
                                                   schedule.job);
    where = "as Job.Trigger RPCs to " + req->remotetarget();
  } else {
    grpc::Status status;
    auto version = resolve_job(registry_, schedule.job, status);
    if (!version) return status;
    if (schedule.job.empty()) schedule.job = version->meta().job;
    runner = std::make_shared<LocalPluginRunner>(
        registry_, schedule.job,
        static_cast<std::size_t>(schedule.peak_users()));
    where = "in-process";
  }
  spdlog::info("run {} by {}: job {} {}, {} users at most, {} s", file, caller,
               schedule.job, where, schedule.peak_users(),
               std::chrono::duration<double>(schedule.duration).count());

  // An update at 0 s says the load has started, so that a caller can tell
  // a host lost mid-run from one never reached.
  {
    golo::RunUpdate update;
    fill(*update.mutable_progress(), agent::Progress{});
    writer->Write(update);
  }
  std::stop_source stop;
  {
    std::lock_guard lock(mutex_);
    running_.insert(&stop);
  }
  // The sync API has no "caller gone" callback: poll, so the load stops
  // within a tenth of a second of the caller disconnecting.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (ctx->IsCancelled()) {
        stop.request_stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  agent::RunOptions options;
  options.stop = stop.get_token();
  options.on_progress = [&](const agent::Progress &p) {
    golo::RunUpdate update;
    fill(*update.mutable_progress(), p);
    if (!writer->Write(update)) stop.request_stop();
  };
  grpc::Status result = grpc::Status::OK;
  try {
    const agent::RunResults results =
        agent::run_schedule(schedule, runner, options);
    if (ctx->IsCancelled()) {
      spdlog::warn(
          "run {} by {}: the caller went away; load stopped after {} "
          "iterations",
          file, caller, results.total.iterations);
      result = grpc::Status(grpc::StatusCode::CANCELLED, "caller went away");
    } else {
      golo::RunUpdate update;
      update.set_resultsjson(results.to_json().dump());
      writer->Write(update);
      spdlog::info("run {} by {}: {} iterations, {} errors, {} dropped", file,
                   caller, results.total.iterations, results.total.errors,
                   results.total.dropped);
    }
  } catch (const std::exception &e) {
    spdlog::error("run {} by {}: {}", file, caller, e.what());
    result = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, e.what());
  }
  done = true;
  watcher.join();
  {
    std::lock_guard lock(mutex_);
    running_.erase(&stop);
  }
  return result;
}

}  // namespace golo::host
