// One host's part of `golo run` (one scenario's, with several): its
// Runner.Run stream, its latest progress, every interval it reported (so
// that a host lost mid-run still counts what it measured), and at the end
// its results or why there are none.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "golo/agent/live_progress.h"
#include "golo/agent/series.h"
#include "golo/golo.grpc.pb.h"

namespace golo::cli {

struct HostRun {
  std::string addr;
  std::string scenario;  // the scenario this call runs ("": the job: form)
  nlohmann::json share;  // its share of the schedule (for partial results)
  double length_s = 0;   // the schedule's length
  std::mutex mutex;      // guards what the stream thread writes below
  // The call's; a new one when the run resumes on a replaced worker.
  std::unique_ptr<grpc::ClientContext> ctx =
      std::make_unique<grpc::ClientContext>();
  bool cancelled = false;  // by cancel(): never resumed then
  agent::ProgressLog log;
  agent::RecentProgress recent;  // for the live line (live_progress.h)
  // Intervals received and not yet taken by the control loop.
  std::vector<agent::Interval> intervals;
  std::int64_t started_unix_ms = 0;  // when its first update came
  std::string results_json;
  grpc::Status status;
  // Set by the host's first update (it sends one as the load starts).
  std::optional<std::chrono::steady_clock::time_point> started;
  double ran_s = 0;  // from the first update to the stream's end
  // When the stream broke mid-run and the host now has a worker started
  // since: why its worker was replaced, as the host says ("" otherwise).
  std::string replaced_because;
  // The run resumed on the new worker (RunRequest.resumeOfUnixMs) after the
  // old one was replaced because of another job: what the old one had
  // reported, and the seconds of the schedule no worker ran.
  struct Gap {
    agent::RunResults before;  // from its progress updates
    double from_s = 0, to_s = 0;
    std::string cause;
    // Iterations that ended after its last progress update were lost with
    // it: at most about one interval's, this many.
    std::uint64_t may_be_missing = 0;
  };
  std::optional<Gap> gap;
  std::atomic<bool> done{false};

  // Cancels the call (Ctrl-C twice, or a stop no host answered).
  void cancel() {
    std::lock_guard lock(mutex);
    cancelled = true;
    ctx->TryCancel();
  }
};

// Reads the stream to its end (stream thread). When the host replaced its
// worker mid-run because of another job, sends the rest of the schedule to
// the new worker (once) and reads that too.
void stream_from(HostRun &run, golo::RunRequest req);

// What one host contributes to the merged results.
struct HostPart {
  std::optional<agent::RunResults> results;  // none: nothing to add
  bool complete = false;  // its whole run's results, status OK
  bool partial = false;   // from its progress updates alone
  double measured_s = 0;  // the time its results cover
  std::string problem;    // one line for stderr, "" when complete
  nlohmann::json share;   // the schedule it was given: its share of it
};

// Its results when it sent them; else, when its load had started, what its
// progress updates carried (`schedule` is its share, for the results);
// else nothing, with why. `interrupted`: the caller cancelled the stream.
HostPart host_part(HostRun &run, const nlohmann::json &schedule,
                   bool interrupted);

}  // namespace golo::cli
