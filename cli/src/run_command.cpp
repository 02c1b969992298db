// golo run SCHEDULE: runs a schedule on one or more hosts (each takes its
// share of the users or rate), shows live progress, merges what the hosts
// measured, prints the summary, writes JSON, and checks thresholds.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "commands.h"
#include "golo/agent/report.h"
#include "golo/agent/results.h"
#include "golo/agent/schedule.h"
#include "golo/agent/threshold.h"
#include "golo/golo.grpc.pb.h"
#include "host_client.h"

namespace golo::cli {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted = true; }

// One host's stream: its latest progress and, at the end, its results.
struct HostRun {
  std::string addr;
  grpc::ClientContext ctx;
  std::mutex mutex;
  agent::Progress progress;
  std::string results_json;
  grpc::Status status;
  // Set by the host's first update (it sends one as the load starts).
  std::optional<std::chrono::steady_clock::time_point> started;
  double lost_after_s = 0;  // load time before the stream broke
  std::atomic<bool> done{false};
};

// Why a host gave no results. A host that had been reporting and then
// vanished (killed, crashed, network gone) is told apart from one never
// reached, with what is missing because of it.
std::string host_failure(HostRun &r) {
  if (r.status.ok()) return "ended without results";
  std::lock_guard lock(r.mutex);
  if (!r.started || r.status.error_code() != grpc::StatusCode::UNAVAILABLE)
    return describe(r.status, r.addr);
  char when[32];
  std::snprintf(when, sizeof when, "%.1f", r.lost_after_s);
  return "lost golo-host at " + r.addr + " after " + when + " s of load (" +
         r.status.error_message() + "); what it measured (" +
         std::to_string(r.progress.iterations) +
         " iterations reported so far) is not in the results";
}

void stream_from(HostRun &run, const golo::RunRequest &req) {
  auto stub = golo::Runner::NewStub(connect(run.addr));
  auto reader = stub->Run(&run.ctx, req);
  golo::RunUpdate update;
  while (reader->Read(&update)) {
    std::lock_guard lock(run.mutex);
    if (!run.started) run.started = std::chrono::steady_clock::now();
    if (update.has_progress()) {
      const auto &p = update.progress();
      run.progress =
          agent::Progress{p.elapsedseconds(), p.activeusers(),
                          p.iterations(),     p.errors(),
                          p.dropped(),        p.iterationspersecond(),
                          p.p50micros(),      p.p95micros(),
                          p.p99micros(),      {}};
      // Out-of-range indexes are dropped by Histogram::from_sparse.
      if (p.intervalbucketindex_size() == p.intervalbucketcount_size())
        for (int i = 0; i < p.intervalbucketindex_size(); ++i)
          run.progress.interval.emplace_back(p.intervalbucketindex(i),
                                             p.intervalbucketcount(i));
    } else {
      run.results_json = update.resultsjson();
    }
  }
  run.status = reader->Finish();
  if (run.started) {
    std::lock_guard lock(run.mutex);
    run.lost_after_s = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - *run.started)
                           .count();
  }
  run.done = true;
}

agent::Progress combined(std::vector<std::unique_ptr<HostRun>> &runs) {
  std::vector<agent::Progress> parts;
  for (auto &r : runs) {
    std::lock_guard lock(r->mutex);
    parts.push_back(r->progress);
  }
  return agent::combine(parts);
}

}  // namespace

int run_command(const RunOptions &opts) {
  std::ifstream in(opts.schedule_file);
  if (!in) {
    std::cerr << "golo run: cannot read " << opts.schedule_file << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string yaml = text.str();
  agent::Schedule schedule;
  try {  // refuse a bad schedule here, before any host starts load
    schedule = agent::Schedule::parse(yaml, opts.schedule_file);
  } catch (const std::exception &e) {
    std::cerr << "golo run: " << e.what() << "\n";
    return 2;
  }

  const std::vector<std::string> hosts =
      opts.hosts.empty() ? std::vector<std::string>{"127.0.0.1:9999"}
                         : opts.hosts;
  std::vector<std::unique_ptr<HostRun>> runs;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    auto run = std::make_unique<HostRun>();
    run->addr = hosts[i];
    golo::RunRequest req;
    req.set_scheduleyaml(yaml);
    req.set_schedulefile(opts.schedule_file);
    req.set_remotetarget(opts.remote_target);
    req.set_shareindex(static_cast<std::uint32_t>(i));
    req.set_sharecount(static_cast<std::uint32_t>(hosts.size()));
    threads.emplace_back([r = run.get(), req] { stream_from(*r, req); });
    runs.push_back(std::move(run));
  }

  // Ctrl-C stops the load on every host at once (they see the call cancelled).
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, nullptr);
  const bool tty = isatty(STDERR_FILENO);
  bool cancelled = false;
  for (int tick = 1;; ++tick) {
    bool all_done = true;
    for (auto &r : runs) all_done = all_done && r->done;
    if (all_done) break;
    if (g_interrupted && !cancelled) {
      cancelled = true;
      for (auto &r : runs) r->ctx.TryCancel();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const agent::Progress progress = combined(runs);
    if (!opts.quiet && tick % 10 == 0 && progress.elapsed_s > 0) {
      const std::string line = agent::format_progress(progress);
      if (tty)
        std::fprintf(stderr, "\r%s\033[K", line.c_str());
      else
        std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
  for (auto &t : threads) t.join();
  if (!opts.quiet && tty) std::fprintf(stderr, "\n");

  std::optional<agent::RunResults> merged;
  int failed_hosts = 0;
  for (auto &r : runs) {
    if (!r->status.ok() || r->results_json.empty()) {
      ++failed_hosts;
      std::cerr << "golo run: host " << r->addr << ": " << host_failure(*r)
                << "\n";
      continue;
    }
    try {
      auto res =
          agent::RunResults::from_json(nlohmann::json::parse(r->results_json));
      if (merged)
        merged->merge(res);
      else
        merged = std::move(res);
    } catch (const std::exception &e) {
      ++failed_hosts;
      std::cerr << "golo run: host " << r->addr
                << " sent unreadable results: " << e.what() << "\n";
    }
  }
  if (cancelled)
    std::cerr << "golo run: interrupted; the hosts stopped their load\n";
  if (!merged) return 1;

  agent::print_summary(std::cout, *merged);
  const auto verdicts =
      agent::evaluate_thresholds(schedule.thresholds, *merged);
  bool crossed = false;
  for (const auto &v : verdicts) {
    std::cout << v.message << "\n";
    crossed = crossed || v.crossed;
  }
  if (!opts.out_file.empty()) {
    nlohmann::json out = merged->to_json();
    out["hosts"] = nlohmann::json::array();
    for (auto &r : runs)
      out["hosts"].push_back(
          {{"address", r->addr},
           {"ok", r->status.ok() && !r->results_json.empty()},
           {"error", r->status.error_message()}});
    out["thresholds"] = nlohmann::json::array();
    for (const auto &v : verdicts)
      out["thresholds"].push_back({{"threshold", v.threshold.text},
                                   {"actual", v.actual},
                                   {"crossed", v.crossed},
                                   {"message", v.message}});
    std::ofstream f(opts.out_file);
    f << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
    if (!f) {
      std::cerr << "golo run: cannot write " << opts.out_file << "\n";
      return 1;
    }
  }
  if (failed_hosts || cancelled) return 1;
  // k6's convention: 99 means the run completed but a threshold was crossed.
  return crossed ? 99 : 0;
}

}  // namespace golo::cli
