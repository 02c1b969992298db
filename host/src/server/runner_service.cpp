#include "server/runner_service.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <algorithm>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <system_error>
#include <thread>

#include "errors/grpc_status.h"
#include "golo/agent/executor.h"
#include "golo/agent/schedule.h"
#include "golo/agent/utf8.h"
#include "golo/wire/pieces.h"
#include "golo/wire/progress.h"
#include "golo/wire/results.h"
#include "http/trust_store.h"
#include "runners/local_plugin_runner.h"
#include "runners/remote_trigger_runner.h"
#include "runners/run_data.h"
#include "runners/run_env.h"
#include "security/grpc_auth.h"
#include "security/remote_targets.h"
#include "server/resume_point.h"
#include "server/runner_admission.h"
#include "server/server.h"

namespace golo::host {

namespace {

constexpr std::chrono::seconds kMaxStartAhead{60};
// The job label of every run whose iterations go to a remote target.
constexpr const char *kRemoteRunsLabel = "_remote";

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

}  // namespace

// What a request asks for, parsed and checked: the schedule (this host's
// share), the plugin build each job would run, the data rows and the start.
struct RunnerService::Prepared {
  agent::Schedule schedule;
  std::vector<std::pair<std::string, std::shared_ptr<LoadedGeneration>>> jobs;
  std::shared_ptr<agent::DataFeed> data;
  std::optional<std::chrono::system_clock::time_point> start_at;
  std::chrono::nanoseconds resume_from{0};  // resumeOfUnixMs, resolved
  std::string dial;   // the remote target as gRPC is handed it, if any
  agent::RunEnv env;  // the schedule's env: with the request's over it
  // Every job's plugin declared GOLO_EXECUTOR_FIBERS: its users run as
  // fibers (RunLimits::loops); else, and for remote targets, as threads.
  bool fibers = false;
};

grpc::Status RunnerService::prepare(grpc::ServerContext &ctx,
                                    const golo::RunRequest &req,
                                    const std::string &file, Prepared &out) {
  if (req.stopkey().size() > kMaxStopKeyBytes)
    return to_status(HostError::Code::kInvalidArgument,
                     "stopKey is " + std::to_string(req.stopkey().size()) +
                         " bytes; the limit is " +
                         std::to_string(kMaxStopKeyBytes));
  if (req.sharecount() > kMaxShareCount)
    return to_status(HostError::Code::kInvalidArgument,
                     "shareCount " + std::to_string(req.sharecount()) +
                         " is over the limit of " +
                         std::to_string(kMaxShareCount) + " hosts");
  if (req.sharecount() > 1 && req.shareindex() >= req.sharecount())
    return to_status(HostError::Code::kInvalidArgument,
                     "shareIndex " + std::to_string(req.shareindex()) +
                         " is not below shareCount " +
                         std::to_string(req.sharecount()));
  if (!req.remotetarget().empty()) {
    // Checked before the schedule is parsed: it costs nothing.
    if (auto why = security::check_remote_target(
            req.remotetarget(), settings_.allowed_remote_targets);
        !why.empty())
      return to_status(HostError::Code::kPermissionDenied, why);
    std::string ignored;
    out.dial =
        security::parse_remote_target(req.remotetarget(), ignored)->dial();
  }
  agent::Schedule whole;  // before this host's share
  // A pre-flight naming no scenario of a scenarios: schedule checks them
  // all (every job, and every scenario's users against the caps at once).
  bool every_scenario = false;
  try {  // parse() refuses a text over 1 MiB before any parsing
    out.schedule = agent::Schedule::parse(req.scheduleyaml(), file);
    every_scenario = req.checkonly() && req.scenario().empty() &&
                     !out.schedule.scenarios.empty();
    if (!every_scenario)
      out.schedule =
          agent::Schedule(out.schedule.scenario_named(req.scenario()));
    whole = out.schedule;
    if (req.sharecount() > 1)
      out.schedule = out.schedule.share(req.shareindex(), req.sharecount());
  } catch (const std::exception &e) {
    return to_status(HostError::Code::kInvalidArgument, e.what());
  }
  out.env = out.schedule.env;  // ABI 1.2's host->env
  if (auto why = merge_request_env(req, out.env); !why.empty())
    return to_status(HostError::Code::kInvalidArgument, why);
  if (ctx.IsCancelled())
    return to_status(HostError::Code::kCancelled, "caller went away");
  if (auto status = resolve_jobs(req, every_scenario, out); !status.ok())
    return status;
  try {
    out.data = data_for_run(whole, req);
  } catch (const std::exception &e) {
    return to_status(HostError::Code::kInvalidArgument, e.what());
  }
  if (ctx.IsCancelled())
    return to_status(HostError::Code::kCancelled, "caller went away");
  return start_instant(req, out);
}

// The plugin build each job would run (none: iterations go remote).
grpc::Status RunnerService::resolve_jobs(const golo::RunRequest &req,
                                         bool every_scenario, Prepared &out) {
  auto &jobs = out.jobs;
  if (every_scenario) {
    std::set<std::string> seen;
    for (const auto &one : out.schedule.scenarios)
      if (seen.insert(one.job).second) jobs.emplace_back(one.job, nullptr);
  } else {
    jobs.emplace_back(out.schedule.job, nullptr);
  }
  if (!req.remotetarget().empty()) return grpc::Status::OK;
  for (auto &[job, version] : jobs) {
    auto resolved = registry_.resolve(job);
    if (!resolved) return to_status(resolved.error());
    version = std::move(*resolved);
    if (job.empty()) job = version->meta().job;
  }
  out.fibers = std::all_of(jobs.begin(), jobs.end(), [](const auto &j) {
    return j.second && j.second->meta().fibers;
  });
  if (!every_scenario) out.schedule.job = jobs.front().first;
  return grpc::Status::OK;
}

grpc::Status RunnerService::start_instant(const golo::RunRequest &req,
                                          Prepared &out) {
  if (req.startatunixms() == 0) return resume(req, out);
  const auto at = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(req.startatunixms()));
  const auto ahead = at - std::chrono::system_clock::now();
  // A start far ahead would hold a run slot (and its users) idle.
  if (ahead > kMaxStartAhead)
    return to_status(
        HostError::Code::kInvalidArgument,
        "startAtUnixMs " + std::to_string(req.startatunixms()) + " is " +
            seconds_text(std::chrono::duration<double>(ahead).count()) +
            " s ahead of this host's clock; the limit is " +
            std::to_string(kMaxStartAhead.count()) + " s");
  out.start_at = at;
  return resume(req, out);
}

grpc::Status RunnerService::resume(const golo::RunRequest &req, Prepared &out) {
  const ResumePoint at =
      resume_point(req.resumeofunixms(), out.start_at, out.schedule.length());
  if (!at.error.empty())
    return to_status(HostError::Code::kInvalidArgument, at.error);
  out.resume_from = at.offset;
  return grpc::Status::OK;
}

namespace {

// Destroyed last in Run: once the run's counters, series and results are
// freed, hand the pages back, so an idle worker holds no run's memory
// (glibc keeps freed memory of every thread's arena otherwise).
struct TrimAtExit {
  ~TrimAtExit() { malloc_trim(0); }
};

// A pre-flight's reply: the build each job would run, this host's clock,
// and what it can take of the run.
grpc::Status preflight_reply(
    const std::vector<std::pair<std::string, std::shared_ptr<LoadedGeneration>>>
        &jobs,
    const golo::HostCapacity &capacity, RunnerService::Updates &writer) {
  golo::RunUpdate update;
  auto *pre = update.mutable_preflight();
  *pre->mutable_capacity() = capacity;
  pre->set_hostunixms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
  for (const auto &[name, version] : jobs) {
    auto *job = pre->add_jobs();
    job->set_job(name);
    if (version) {
      job->set_sha256(version->meta().sha256);
      job->set_version(version->meta().version);
      job->set_generation(version->meta().generation);
    }
  }
  writer.Write(update);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status RunnerService::Run(grpc::ServerContext *ctx,
                                const golo::RunRequest *req,
                                grpc::ServerWriter<golo::RunUpdate> *writer) {
  return serve(*ctx, req, nullptr, *writer);
}

grpc::Status RunnerService::RunStream(
    grpc::ServerContext *ctx,
    grpc::ServerReaderWriter<golo::RunUpdate, golo::RunRequest> *stream) {
  return serve(*ctx, nullptr, stream, *stream);
}

// RunStream's pieces, joined; at most kMaxRunRequestBytes in all.
grpc::Status RunnerService::join(grpc::ServerContext &ctx, Pieces &pieces,
                                 golo::RunRequest &out) {
  wire::RunRequestJoiner joiner(kMaxRunRequestBytes);
  golo::RunRequest piece;
  while (pieces.Read(&piece)) {
    if (auto why = joiner.add(piece); !why.empty())
      return to_status(joiner.too_large() ? HostError::Code::kResourceExhausted
                                          : HostError::Code::kInvalidArgument,
                       "Runner.RunStream: " + why);
    piece.Clear();
  }
  if (ctx.IsCancelled())
    return to_status(HostError::Code::kCancelled, "caller went away");
  if (joiner.pieces() == 0)
    return to_status(HostError::Code::kInvalidArgument,
                     "Runner.RunStream: the caller sent no request");
  out = std::move(joiner.request());
  return grpc::Status::OK;
}

// Run and RunStream: admission, the request (whole or joined from pieces),
// plan, pre-flight reply or the run.
grpc::Status RunnerService::serve(grpc::ServerContext &ctx,
                                  const golo::RunRequest *whole, Pieces *pieces,
                                  Updates &writer) {
  const TrimAtExit trim_at_exit;
  // The slot first: reading pieces and parsing a schedule cost memory and
  // CPU, so no more requests are held or parsed at once than would run.
  std::stop_source stop;
  Admission admission(*this, stop);
  grpc::Status status = admission.status();
  golo::RunRequest joined;
  if (status.ok() && pieces) status = join(ctx, *pieces, joined);
  const golo::RunRequest &req = pieces ? joined : *whole;
  // Caller text in the log: printable, and short.
  const RunLog log{req.schedulefile().empty()
                       ? "<schedule>"
                       : agent::printable(req.schedulefile(), 256),
                   security::describe_caller(ctx, settings_.authorizer)};
  Prepared prep;
  if (status.ok()) status = prepare(ctx, req, log.file, prep);
  if (status.ok() &&
      !admission.reserve_users(prep.schedule.peak_users(), prep.fibers))
    status = admission.status();
  if (!status.ok()) {
    spdlog::warn("run {} by {}: refused: {}", log.file, log.caller,
                 agent::printable(status.error_message(), 1024));
    return status;
  }
  if (req.checkonly())
    return preflight_reply(
        prep.jobs, capacity(prep.fibers, prep.schedule.peak_users()), writer);
  admission.set_stop_key(req.stopkey());
  return execute(ctx, req, log, stop, prep, writer);
}

std::shared_ptr<agent::IterationRunner> RunnerService::make_runner(
    const golo::RunRequest &req, const Prepared &prep, std::string &where) {
  const agent::Schedule &schedule = prep.schedule;
  if (!req.remotetarget().empty()) {
    where = "as Job.Trigger RPCs to " + prep.dial;
    // An iteration_timeout is the RPC's deadline: the call returns
    // DEADLINE_EXCEEDED then, counted as that timeout.
    const bool timed = schedule.iteration_timeout.count() != 0;
    return std::make_shared<RemoteTriggerRunner>(
        prep.dial, schedule.job, 4,
        timed ? std::chrono::ceil<std::chrono::milliseconds>(
                    schedule.iteration_timeout)
              : std::chrono::milliseconds(std::chrono::seconds(60)),
        timed ? agent::timeout_text(schedule.iteration_timeout) : "");
  }
  where = prep.fibers ? "in-process on " + std::to_string(limits_.loops) +
                            " fiber loops"
                      : "in-process";
  return std::make_shared<LocalPluginRunner>(
      registry_, schedule.job, static_cast<std::size_t>(schedule.peak_users()),
      prep.data, prep.env, schedule.graceful_stop, schedule.http2);
}

grpc::Status RunnerService::execute(grpc::ServerContext &ctx,
                                    const golo::RunRequest &req,
                                    const RunLog &log, std::stop_source &stop,
                                    Prepared &prep, Updates &writer) {
  const agent::Schedule &schedule = prep.schedule;
  std::string where;
  const auto runner = make_runner(req, prep, where);
  std::optional<CallerWatch> watch;
  try {
    watch.emplace(ctx, stop);
  } catch (const std::system_error &e) {
    spdlog::error("run {}: cannot start its watcher thread: {}", log.file,
                  e.what());
    return to_status(
        HostError::Code::kResourceExhausted,
        std::string("cannot start a thread for the run: ") + e.what());
  }
  spdlog::info(
      "run {} by {}: {}job {} {}, {} users at most, {} s", log.file, log.caller,
      schedule.scenario.empty() ? std::string()
                                : "scenario " + schedule.scenario + ", ",
      agent::printable(schedule.job, 256), where, schedule.peak_users(),
      std::chrono::duration<double>(schedule.length()).count());
  // golo_run_* on /metrics. A remote target's job is any text its caller
  // chose: all such runs share one fixed label, so no caller adds series.
  RunRecord metrics(metrics_,
                    prep.dial.empty() ? schedule.job : kRemoteRunsLabel);
  const agent::RunOptions options =
      run_options(log, stop, prep, metrics, writer);
  try {
    const agent::RunResults results =
        agent::run_schedule(schedule, runner, options);
    metrics.finish(results);
    return finish(ctx, log, schedule, results, writer);
  } catch (const std::exception &e) {
    spdlog::error("run {} by {}: {}", log.file, log.caller, e.what());
    return to_status(HostError::Code::kResourceExhausted, e.what());
  }
}

agent::RunOptions RunnerService::run_options(const RunLog &log,
                                             std::stop_source &stop,
                                             const Prepared &prep,
                                             RunRecord &metrics,
                                             Updates &writer) const {
  agent::RunOptions options;
  options.stop = stop.get_token();
  options.start_at = prep.start_at;
  options.resume_from = prep.resume_from;
  options.data = prep.data;
  options.record_budget = limits_.record_budget;
  if (prep.fibers) {
    options.loops = limits_.loops;
    // Here, not on a loop where the first HTTPS user would stall the rest.
    http::warm_up_tls();
    // Once per user, and at most kStallLines a run: every stall counts in
    // the results' `stalls` whatever the log says.
    options.on_stall = [file = log.file, job = prep.schedule.job,
                        lines = std::make_shared<std::atomic<int>>(0),
                        &registry = registry_](std::uint32_t user,
                                               std::chrono::nanoseconds ran) {
      // golo plugins shows it on the version serving now.
      if (const auto serving = registry.find(job))
        serving->count_stalled_user();
      constexpr int kStallLines = 20;
      const int n = lines->fetch_add(1);
      if (n >= kStallLines) return;
      spdlog::warn(
          "run {}: user {} of job {} ran {:.1f} ms on its fiber loop without "
          "yielding (a blocking call in golo_trigger: sleep, recv, a busy "
          "loop?); the other users of that loop waited as long{}",
          file, user, agent::printable(job, 256),
          std::chrono::duration<double, std::milli>(ran).count(),
          n + 1 == kStallLines ? " (no more such lines for this run; the "
                                 "results count every stall)"
                               : "");
    };
  }
  // An update at 0 s says the load has started (every thread is up), so
  // that a caller can tell a host lost mid-run from one never reached.
  options.on_start = [&log, &writer, start_at = prep.start_at] {
    if (start_at) {
      // Threads are up; a start that finds its instant well past was late
      // (users slow to start, or this host's clock ahead of the caller's).
      const auto late = std::chrono::system_clock::now() - *start_at;
      if (late > std::chrono::milliseconds(20))
        spdlog::warn(
            "run {}: started {} ms after the fleet's start instant; its "
            "seconds are that much behind the other hosts'",
            log.file,
            std::chrono::duration_cast<std::chrono::milliseconds>(late)
                .count());
    }
    golo::RunUpdate update;
    wire::to_wire(agent::Progress{}, *update.mutable_progress());
    writer.Write(update);
  };
  options.on_progress = [&metrics, &writer, &stop](const agent::Progress &p) {
    metrics.progress(p);
    golo::RunUpdate update;
    wire::to_wire(p, *update.mutable_progress());
    if (!writer.Write(update)) stop.request_stop();
  };
  return options;
}

// The results sent and logged; never a plain success for a run cut short.
grpc::Status RunnerService::finish(grpc::ServerContext &ctx, const RunLog &log,
                                   const agent::Schedule &schedule,
                                   const agent::RunResults &results,
                                   Updates &writer) {
  if (ctx.IsCancelled()) {
    spdlog::warn(
        "run {} by {}: the caller went away; load stopped after {} "
        "iterations",
        log.file, log.caller, results.total.iterations);
    return to_status(HostError::Code::kCancelled, "caller went away");
  }
  golo::RunUpdate update;
  wire::to_wire(results, update);
  writer.Write(update);
  spdlog::info(
      "run {} by {}: {} iterations, {} errors, {} dropped, {} "
      "missed{}",
      log.file, log.caller, results.total.iterations, results.total.errors,
      results.total.dropped, results.total.missed,
      results.stopped_early ? ", stopped early" : "");
  if (results.over_budget)
    spdlog::warn(
        "run {}: {} iterations counted in _other: the recording counters "
        "reached --record-budget ({} MiB), so the tag sets hit least were "
        "folded there; raise it or use fewer tag sets",
        log.file, results.over_budget, limits_.record_budget >> 20);
  // Results sent, but never a plain success: the caller must not take a
  // run cut short for a complete one.
  if (!results.stopped_early) return grpc::Status::OK;
  return to_status(
      shutting_down_ ? HostError::Code::kUnavailable
                     : HostError::Code::kAborted,
      std::string(shutting_down_ ? stop_cause() : "the run was stopped") +
          ": it stopped early after " + seconds_text(results.duration_s) +
          " s of " +
          seconds_text(
              std::chrono::duration<double>(schedule.length()).count()) +
          " s; the results sent hold what it measured");
}

}  // namespace golo::host
