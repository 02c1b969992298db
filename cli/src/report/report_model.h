// What an HTML report shows, read from one or more results files
// (golo-results/1, docs/schedules.md): each run's metadata and threshold
// verdicts, the summary per tag set (several runs merged exactly from their
// histograms), and the data of the charts. Fields added within
// golo-results/1 (start_unix_ms, series[].unix_ms and .seconds,
// tag_set_series, per-row buckets) are used when present.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "golo/agent/results.h"

namespace golo::cli::report {

struct HostRow {
  std::string address, error;
  std::string scenario;  // the call's scenario ("" for the job: form)
  bool ok = true, partial = false, stopped_early = false;
  double ran_s = 0;
};

struct ThresholdRow {
  std::string threshold, message;
  double actual = 0;
  bool crossed = false;
};

struct RunInfo {
  std::string schedule;  // one line: job, model, users or rate, stages
  std::string schedule_file;
  std::optional<std::int64_t> start_unix_ms;
  double duration_s = 0;
  bool stopped_early = false, partial = false;
  // golo run's exit status for these results: 0, 1 (a host failed or the
  // run was stopped) or 99 (a threshold crossed); the file's own
  // "exit_status" when it has one.
  int exit_status = 0;
  std::vector<HostRow> hosts;
  std::vector<ThresholdRow> thresholds;
};

struct SummaryRow {
  std::string tag_set;  // "" for the total
  std::uint64_t iterations = 0, errors = 0, dropped = 0, interrupted = 0;
  std::uint64_t missed = 0;  // paced slots overrun (closed model)
  double rate = 0;           // iterations per second
  agent::LatencyUs latency;
  std::vector<agent::ErrorSample> error_samples;
};

// A step the plugin reported (ABI 1.1's add_step), in one tag set or all.
struct StepRow {
  std::string tag_set;  // "" for all
  std::string name;
  std::uint64_t count = 0, errors = 0;
  double rate = 0;  // per second of the run
  agent::LatencyUs latency;
  // host->http's status codes and their counts (0: codes past the slots).
  std::vector<std::pair<int, std::uint64_t>> statuses{};
};

// An HTTP request name (host->http) with its phases, which the host records
// as steps "NAME (connect)", "NAME (tls)", "NAME (wait)", "NAME (receive)".
inline constexpr const char *kPhaseNames[] = {"connect", "tls", "wait",
                                              "receive"};
struct RequestRow {
  std::string name;
  std::uint64_t count = 0;
  // Per phase of kPhaseNames: p50 and p95 in µs; negative: not recorded.
  double p50[4] = {-1, -1, -1, -1}, p95[4] = {-1, -1, -1, -1};
  std::vector<std::pair<int, std::uint64_t>> statuses;
};

struct CheckRow {
  std::string name;
  std::uint64_t passes = 0, fails = 0;
};

struct ReportModel {
  std::vector<RunInfo> runs;
  std::vector<SummaryRow> summary;  // the total first, then by tag set
  // All tag sets' steps first (in the order names first ran), then each
  // set's when there are several sets; the checks of all iterations.
  // Phase steps ("NAME (wait)") are not rows of `steps`: they are the
  // columns of `requests`, one row per request name (all tag sets).
  std::vector<StepRow> steps;
  std::vector<RequestRow> requests;
  std::vector<CheckRow> checks;
  nlohmann::json charts;           // what the page's script draws
  std::vector<std::string> notes;  // what the data could not show
};

// Throws std::invalid_argument naming the run ("results 2: ...") and what
// is wrong when a file is not golo results.
ReportModel build_report_model(const std::vector<nlohmann::json> &runs);

// "job hello, closed model, 8 users, 10 s" from a results' "schedule".
std::string describe_schedule(const nlohmann::json &schedule);

}  // namespace golo::cli::report
