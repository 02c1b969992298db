#include "host_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "golo/wire/progress.h"
#include "golo/wire/results.h"
#include "host_client.h"
#include "run_call.h"
#include "run_interrupt.h"

namespace golo::cli {

namespace {

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A stream broken mid-run (UNAVAILABLE) may be the host replacing its
// worker, for this run's job or another's: ask the new worker, for up to
// 5 s, why the last one ended, if it started after the run did.
std::string replacement_cause(const std::string &addr,
                              std::int64_t run_started_unix_ms) {
  auto stub = golo::Host::NewStub(connect(addr));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(1));
    golo::ListPluginsResponse resp;
    if (stub->ListPlugins(&ctx, golo::ListPluginsRequest(), &resp).ok())
      return resp.workerstartedunixms() >= run_started_unix_ms
                 ? resp.workerpreviousend()
                 : std::string();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

// One call's stream, to its end: its updates into `run`, then its status.
void read_stream(HostRun &run, const golo::RunRequest &req) {
  auto stub = golo::Runner::NewStub(connect(run.addr));
  grpc::ClientContext *ctx = nullptr;
  {
    std::lock_guard lock(run.mutex);
    ctx = run.ctx.get();
  }
  auto reader = std::make_unique<RunCall>(*stub, *ctx, req);
  golo::RunUpdate update;
  while (reader->Read(&update)) {
    std::lock_guard lock(run.mutex);
    if (!run.started) {
      run.started = std::chrono::steady_clock::now();
      run.started_unix_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
    }
    if (update.has_progress()) {
      agent::Progress p = wire::from_wire(update.progress());
      // The sets go to the interval, moved: they may be thousands.
      auto sets = std::move(p.tag_sets);
      p.tag_sets.clear();
      if (auto iv = run.log.add(p, std::move(sets))) {
        run.recent.add(iv->total.second, p);
        run.intervals.push_back(std::move(*iv));
      }
    } else  // moved, not copied: it is the run's largest message
      run.results_json = std::move(*update.mutable_resultsjson());
  }
  const grpc::Status status = reader->Finish();
  const auto ended = std::chrono::steady_clock::now();
  std::string cause;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      run.started_unix_ms != 0)
    cause = replacement_cause(run.addr, run.started_unix_ms);
  std::lock_guard lock(run.mutex);
  run.status = status;
  run.replaced_because = cause;
  if (run.started)
    run.ran_s = std::chrono::duration<double>(ended - *run.started).count();
}

// What the replaced worker measured: the results it sent as it stopped (a
// worker retired for another job's stuck call stops its runs with them),
// else what its progress updates carried (a crash).
void measured_before(HostRun &run, HostRun::Gap &gap) {
  if (!run.results_json.empty()) {
    try {
      gap.before = wire::read_results(run.results_json, false);
      gap.before.stopped_early = false;  // resumed: the run goes on
      gap.from_s = gap.before.duration_s;
      run.results_json.clear();
      return;
    } catch (const std::exception &) {
      run.results_json.clear();  // unreadable: its progress instead
    }
  }
  // The updates carried every tag set's intervals, so this part is whole
  // but for its error texts and what ended after the last update (counted
  // in may_be_missing): the run is not partial for it.
  gap.before = run.log.results(run.share);
  gap.before.partial = false;
  gap.from_s = run.log.latest().elapsed_s;
  gap.may_be_missing =
      static_cast<std::uint64_t>(std::ceil(run.log.latest().interval_rate));
}

// The worker was replaced mid-run because of another job (the host says
// why): the rest of the schedule goes to the new worker, from where the
// schedule will be in a moment, on the first start's clock (the fleet's
// common start, else when the first update came), so that its seconds and
// end are the run's. Once: a second replacement leaves the run partial.
// A job that was itself the culprit is quarantined: the host refuses it.
bool resume_after_replacement(HostRun &run, golo::RunRequest &req) {
  constexpr auto kLead = std::chrono::milliseconds(500);
  std::lock_guard lock(run.mutex);
  if (run.gap || run.cancelled || ctrl_c_count() > 0 ||
      run.replaced_because.empty() || !run.log.started() || !run.started)
    return false;
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - *run.started + kLead);
  const std::int64_t first =
      req.startatunixms() ? req.startatunixms() : run.started_unix_ms;
  const double resume_s = static_cast<double>(elapsed.count()) / 1e3;
  if (resume_s + 0.5 >= run.length_s) return false;  // (almost) over anyway
  // Unique rows are handed out once; the new worker would hand out the
  // first part's rows again (which it cannot know), so that run ends here.
  const auto &data = run.share.value("job", nlohmann::json::object())
                         .value("data", nlohmann::json::object());
  if (data.value("mode", "") == "unique") {
    std::fprintf(stderr,
                 "golo run: host %s: %s; the run does not resume: its data "
                 "(%s) is unique, and the rows the old worker used are not "
                 "known, so the new one would hand them out again\n",
                 run.addr.c_str(), run.replaced_because.c_str(),
                 data.value("file", "").c_str());
    return false;
  }
  HostRun::Gap gap;
  measured_before(run, gap);
  gap.to_s = resume_s;
  gap.cause = run.replaced_because;
  std::fprintf(stderr,
               "golo run: host %s: %s; the run resumes on the new worker at "
               "%.1f s of the schedule (%.1f s to %.1f s not run)\n",
               run.addr.c_str(), gap.cause.c_str(), resume_s, gap.from_s,
               resume_s);
  run.gap = std::move(gap);
  run.log = agent::ProgressLog();
  run.log.resume_at(static_cast<std::uint64_t>(resume_s));
  run.recent = agent::RecentProgress();
  run.status = grpc::Status();
  run.replaced_because.clear();
  run.ctx = std::make_unique<grpc::ClientContext>();
  req.set_resumeofunixms(first);
  req.set_startatunixms(first + elapsed.count());
  return true;
}

}  // namespace

void stream_from(HostRun &run, golo::RunRequest req) {
  read_stream(run, req);
  if (resume_after_replacement(run, req)) read_stream(run, req);
  run.done = true;
}

namespace {

// What the call (the last, if the run resumed) brought (run.mutex held).
HostPart call_part(HostRun &run, const nlohmann::json &schedule,
                   bool interrupted) {
  HostPart part;
  if (!run.results_json.empty()) {
    // Freed once read (at the end of this scope), not kept to the end.
    const std::string json = std::move(run.results_json);
    run.results_json.clear();
    try {
      // Without its series: RunOutputs::finish_series replaces them with
      // the ones built from every host's progress.
      part.results = wire::read_results(json, false);
      part.measured_s = part.results->duration_s;
      // A host that stopped early (shutting down) sends its results, then a
      // status saying so: reported, never taken for a complete run.
      part.complete = run.status.ok() && !part.results->stopped_early;
      if (!part.complete)
        part.problem = run.status.ok() ? "the run stopped early"
                                       : run.status.error_message();
      return part;
    } catch (const std::exception &e) {
      part.problem = std::string("sent unreadable results: ") + e.what();
      return part;
    }
  }
  if (!run.log.started()) {
    part.problem = run.status.ok() ? "ended without results"
                                   : describe(run.status, run.addr);
    return part;
  }
  // The load had started: what the progress updates carried is kept.
  part.results = run.log.results(schedule);
  part.partial = true;
  part.measured_s = run.log.latest().elapsed_s;
  const std::string counted = std::to_string(run.log.latest().iterations) +
                              " iterations it reported up to " +
                              one_decimal(part.measured_s) +
                              " s are in the results, marked partial";
  if (interrupted) {
    part.problem = "stopped by Ctrl-C after " + one_decimal(run.ran_s) +
                   " s of load; the " + counted;
  } else if (run.status.ok()) {
    part.problem = "ended without results; the " + counted;
  } else {
    // UNAVAILABLE: the connection broke (killed, crashed, network gone).
    const bool lost = run.status.error_code() == grpc::StatusCode::UNAVAILABLE;
    // The real cause, when the host replaced its worker: never a bare
    // "Socket closed" or a false "shutting down".
    const std::string why = run.replaced_because.empty()
                                ? run.status.error_message()
                                : run.replaced_because;
    part.problem = (lost ? "lost golo-host at " : "golo-host at ") + run.addr +
                   (lost ? " after " : " failed after ") +
                   one_decimal(run.ran_s) + " s of load (" + why + "); the " +
                   counted;
  }
  return part;
}

}  // namespace

HostPart host_part(HostRun &run, const nlohmann::json &schedule,
                   bool interrupted) {
  std::lock_guard lock(run.mutex);
  HostPart part = call_part(run, schedule, interrupted);
  if (!run.gap) return part;
  // Resumed: the first worker's part and the new one's, merged as two
  // hosts' are (their seconds do not overlap).
  HostRun::Gap &gap = *run.gap;
  if (!part.results) {  // the new worker ran none of it
    part.results = std::move(gap.before);
    part.partial = true;
    part.measured_s = gap.from_s;
    part.problem = "the run could not resume after its worker was replaced (" +
                   gap.cause + "): " + part.problem + "; the " +
                   std::to_string(part.results->total.iterations) +
                   " iterations it reported up to " + one_decimal(gap.from_s) +
                   " s are in the results, marked partial";
    return part;
  }
  part.results->merge(gap.before);
  part.measured_s = std::max(part.measured_s, gap.from_s);
  return part;
}

}  // namespace golo::cli
