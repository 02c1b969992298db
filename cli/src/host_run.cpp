#include "host_run.h"

#include <algorithm>
#include <cstdio>

#include "host_client.h"

namespace golo::cli {

namespace {

// Out-of-range indexes are dropped by Histogram::from_sparse; a series
// row's are dropped here, so that a bad host cannot put them in JSON.
void read_buckets(const google::protobuf::RepeatedField<std::uint32_t> &index,
                  const google::protobuf::RepeatedField<std::uint64_t> &count,
                  agent::Histogram::Sparse &into) {
  if (index.size() != count.size()) return;
  for (int i = 0; i < index.size(); ++i)
    if (index[i] < agent::HistogramLayout::kCountsLen && count[i] > 0)
      into.emplace_back(index[i], count[i]);
  std::sort(into.begin(), into.end());
}

// A tag set's steps and checks of an interval (TagSetInterval 20-21).
void read_step_intervals(const golo::TagSetInterval &wire,
                         agent::TagSetInterval &set) {
  for (const auto &s : wire.steps()) {
    agent::StepInterval step;
    step.name = s.name();
    step.errors = s.errors();
    read_buckets(s.bucketindex(), s.bucketcount(), step.latency);
    // The count is the histogram's, so the two always agree. (An error may
    // come an interval after its step's count, so errors are not capped.)
    for (const auto &[index, n] : step.latency) step.count += n;
    set.steps.push_back(std::move(step));
  }
  for (const auto &c : wire.checks())
    set.checks.push_back({c.name(), c.passes(), c.fails()});
}

agent::Progress from_wire(const golo::Progress &p) {
  agent::Progress out{p.elapsedseconds(),
                      p.activeusers(),
                      p.iterations(),
                      p.errors(),
                      p.dropped(),
                      p.iterationspersecond(),
                      p.p50micros(),
                      p.p95micros(),
                      p.p99micros(),
                      {},
                      {}};
  // Out-of-range indexes are dropped by Histogram::from_sparse; a series
  // row's are dropped here, so that a bad host cannot put them in JSON.
  auto buckets = [](const auto &index, const auto &count,
                    agent::Histogram::Sparse &into) {
    if (index.size() != count.size()) return;
    for (int i = 0; i < index.size(); ++i)
      if (index[i] < agent::HistogramLayout::kCountsLen && count[i] > 0)
        into.emplace_back(index[i], count[i]);
    std::sort(into.begin(), into.end());
  };
  buckets(p.intervalbucketindex(), p.intervalbucketcount(), out.interval);
  for (const auto &wire : p.tagsetintervals()) {
    agent::TagSetInterval set;
    set.key = wire.key();
    for (const auto &t : wire.tags()) set.tags.emplace_back(t.key(), t.value());
    set.iterations = wire.iterations();
    set.errors = wire.errors();
    buckets(wire.bucketindex(), wire.bucketcount(), set.latency);
    read_step_intervals(wire, set);
    out.tag_sets.push_back(std::move(set));
  }
  std::sort(out.tag_sets.begin(), out.tag_sets.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  out.steps_dropped = p.stepsdropped();
  out.checks_dropped = p.checksdropped();
  return out;
}

std::string one_decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

void stream_from(HostRun &run, const golo::RunRequest &req) {
  auto stub = golo::Runner::NewStub(connect(run.addr));
  auto reader = stub->Run(&run.ctx, req);
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
      if (auto iv = run.log.add(from_wire(update.progress())))
        run.intervals.push_back(std::move(*iv));
    } else
      run.results_json = update.resultsjson();
  }
  const grpc::Status status = reader->Finish();
  std::lock_guard lock(run.mutex);
  run.status = status;
  if (run.started)
    run.ran_s = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              *run.started)
                    .count();
  run.done = true;
}

HostPart host_part(HostRun &run, const nlohmann::json &schedule,
                   bool interrupted) {
  std::lock_guard lock(run.mutex);
  HostPart part;
  if (!run.results_json.empty()) {
    try {
      part.results =
          agent::RunResults::from_json(nlohmann::json::parse(run.results_json));
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
    part.problem = (lost ? "lost golo-host at " : "golo-host at ") + run.addr +
                   (lost ? " after " : " failed after ") +
                   one_decimal(run.ran_s) + " s of load (" +
                   run.status.error_message() + "); the " + counted;
  }
  return part;
}

}  // namespace golo::cli
