// golo run SCHEDULE: runs a schedule on one or more hosts (each takes its
// share of the users or rate), shows live progress, merges what the hosts
// measured, prints the summary, writes JSON, and checks thresholds. Nothing
// measured is dropped: a run stopped by Ctrl-C has its hosts' own results
// (run_interrupt.h); a host lost mid-run, or cut off by a second Ctrl-C,
// contributes what its progress updates carried, marked partial.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include "commands.h"
#include "dashboard/dashboard.h"
#include "data_file.h"
#include "fleet_start.h"
#include "golo/agent/report.h"
#include "golo/agent/results.h"
#include "golo/agent/schedule.h"
#include "golo/agent/threshold.h"
#include "golo/golo.grpc.pb.h"
#include "host_run.h"
#include "outputs/run_outputs.h"
#include "read_file.h"
#include "run_interrupt.h"
#include "terminal_style.h"

namespace golo::cli {

namespace {

// Reads at most kMaxScheduleBytes (plus one, to tell a file over the limit)
// so that a huge or endless file is refused without reading it all.
std::optional<std::string> read_schedule(const std::string &path) {
  std::string text;
  if (const auto error = read_file(path, text, agent::kMaxScheduleBytes + 1);
      !error.empty()) {
    std::cerr << "golo run: " << error << "\n";
    return std::nullopt;
  }
  if (text.size() > agent::kMaxScheduleBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    std::cerr << "golo run: "
              << (ec ? path +
                           ": the schedule is over 1 MiB; the limit is "
                           "1 MiB (" +
                           std::to_string(agent::kMaxScheduleBytes) + " bytes)"
                     : agent::schedule_too_large(path, size))
              << "\n";
    return std::nullopt;
  }
  return text;
}

// Hands each host's new intervals to the outputs, in order, and tells them
// which hosts are done (no more intervals to wait for).
void take_intervals(std::vector<std::unique_ptr<HostRun>> &runs,
                    outputs::RunOutputs &outs) {
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<agent::Interval> ivs;
    bool done = false;
    {
      std::lock_guard lock(runs[i]->mutex);
      ivs.swap(runs[i]->intervals);
      done = runs[i]->done;
      if (runs[i]->started_unix_ms) outs.host_started(runs[i]->started_unix_ms);
    }
    for (auto &iv : ivs) outs.add(i, std::move(iv));
    if (done) outs.host_done(i);
  }
  outs.pump();
}

// The live line: every running host at the same second (live_progress.h).
agent::Progress combined(std::vector<std::unique_ptr<HostRun>> &runs) {
  std::vector<std::unique_lock<std::mutex>> locks;
  std::vector<agent::HostProgress> hosts;
  for (auto &r : runs) {
    locks.emplace_back(r->mutex);
    hosts.push_back({&r->recent, r->done});
  }
  return agent::combine_aligned(hosts);
}

// The run as the command line and the files describe it, before any host.
struct RunPlan {
  std::string yaml;
  agent::Schedule schedule;
  // The job: form is one scenario; a scenarios: schedule runs a call per
  // scenario on every host, all starting at one instant.
  std::vector<const agent::Schedule *> scenarios;
  std::vector<DataFile> data;  // each scenario's, read once, sent to all
  agent::RunEnv env;           // -e KEY=VALUE
  nlohmann::json overridden = nlohmann::json::object();  // overrides.h
  bool colour = false;  // the summary's verdicts (terminal_style.h)
  std::string stop_key = new_stop_key();  // Runner.Stop's, for Ctrl-C
};

// The schedule and its data files; false after saying why on stderr.
bool read_plan(const RunOptions &opts, RunPlan &plan) {
  auto yaml = read_schedule(opts.schedule_file);
  if (!yaml) return false;
  plan.yaml = std::move(*yaml);
  try {  // refuse a bad schedule here, before any host starts load
    plan.schedule = agent::Schedule::parse(plan.yaml, opts.schedule_file);
  } catch (const std::exception &e) {
    std::cerr << "golo run: " << e.what() << "\n";
    return false;
  }
  try {  // the user's mistakes named above; the overrides' here
    const auto why =
        apply_overrides(opts.overrides, plan.yaml, plan.overridden);
    if (!why.empty()) throw std::runtime_error(why);
    if (opts.overrides.any())
      plan.schedule = agent::Schedule::parse(plan.yaml, opts.schedule_file);
  } catch (const std::exception &e) {
    std::cerr << "golo run: with the overrides: " << e.what() << "\n";
    return false;
  }
  if (plan.schedule.scenarios.empty())
    plan.scenarios.push_back(&plan.schedule);
  else
    for (const auto &one : plan.schedule.scenarios)
      plan.scenarios.push_back(&one);
  plan.data.resize(plan.scenarios.size());
  for (std::size_t k = 0; k < plan.scenarios.size(); ++k)
    if (const std::string e =
            read_data_file(*plan.scenarios[k], opts.schedule_file,
                           opts.remote_target, plan.data[k]);
        !e.empty()) {
      std::cerr << "golo run: " << e << "\n";
      return false;
    }
  return true;
}

// -e KEY=VALUE, checked here as the host checks it (exit 2 before load).
bool read_env(const RunOptions &opts, agent::RunEnv &env) {
  for (const auto &arg : opts.env) {
    std::string key, value;
    std::string why = agent::split_env_arg(arg, key, value)
                          ? agent::env_problem(key, value)
                          : "-e " + arg + ": write KEY=VALUE";
    if (why.empty() && env.size() >= agent::kMaxEnvEntries)
      why = "more than " + std::to_string(agent::kMaxEnvEntries) + " -e";
    if (!why.empty()) {
      std::cerr << "golo run: " << why << "\n";
      return false;
    }
    env[key] = value;
  }
  return true;
}

// Host i of `of`'s request, before its scenario and start instant.
golo::RunRequest request_for(const RunOptions &opts, const RunPlan &plan,
                             std::size_t i, std::size_t of) {
  golo::RunRequest req;
  req.mutable_env()->insert(plan.env.begin(), plan.env.end());
  req.set_scheduleyaml(plan.yaml);
  req.set_schedulefile(opts.schedule_file);
  req.set_remotetarget(opts.remote_target);
  req.set_shareindex(static_cast<std::uint32_t>(i));
  req.set_sharecount(static_cast<std::uint32_t>(of));
  req.set_stopkey(plan.stop_key);
  // The job: form's pre-flight checks its data too; a scenarios:
  // pre-flight names no scenario, and each scenario's call carries its own.
  if (plan.schedule.scenarios.empty() && plan.schedule.data) {
    req.set_datacsv(plan.data[0].csv);
    req.set_datafile(plan.data[0].path);
  }
  return req;
}

// Every host's calls, streaming; runs[i * scenarios + k] is host i's call
// for scenario k.
struct Streams {
  std::vector<std::unique_ptr<HostRun>> runs;
  std::vector<std::thread> threads;
};

Streams start(const RunOptions &opts, const RunPlan &plan, const Fleet &fleet,
              bool together) {
  // Ctrl-C stops the load on every host (run_interrupt.h). Installed
  // before any stream starts.
  catch_ctrl_c();
  Streams out;
  const auto &hosts = fleet.hosts;
  for (std::size_t i = 0; i < hosts.size(); ++i)
    for (std::size_t k = 0; k < plan.scenarios.size(); ++k) {
      const agent::Schedule *scenario = plan.scenarios[k];
      auto run = std::make_unique<HostRun>();
      run->addr = hosts[i];
      run->scenario = scenario->scenario;
      run->share =
          (hosts.size() > 1 ? scenario->share(i, hosts.size()) : *scenario)
              .to_json();
      run->length_s = std::chrono::duration<double>(scenario->length()).count();
      golo::RunRequest req = request_for(opts, plan, i, hosts.size());
      req.set_scenario(scenario->scenario);
      if (scenario->data) {
        req.set_datacsv(plan.data[k].csv);
        req.set_datafile(plan.data[k].path);
      }
      if (together)
        req.set_startatunixms(fleet.start_unix_ms +
                              fleet.clock_offsets[i].count());
      out.threads.emplace_back([r = run.get(), req] { stream_from(*r, req); });
      out.runs.push_back(std::move(run));
    }
  return out;
}

// Until every call ends: intervals to the outputs, the progress line, and
// Ctrl-C passed on. Returns whether the run was interrupted.
bool watch(const RunOptions &opts, const agent::Schedule &schedule,
           const std::string &key, Streams &streams,
           outputs::RunOutputs &outs) {
  auto &runs = streams.runs;
  const bool tty = isatty(STDERR_FILENO);
  bool interrupted = false, forced = false;
  for (int tick = 1;; ++tick) {
    bool all_done = true;
    for (auto &r : runs) all_done = all_done && r->done;
    if (all_done) break;
    if (ctrl_c_count() > 0 && !interrupted) {
      interrupted = true;
      if (!opts.quiet)
        std::fprintf(stderr,
                     "\ngolo run: Ctrl-C: stopping the hosts and collecting "
                     "their results (Ctrl-C again to end at once with what "
                     "they have reported)\n");
      stop_hosts(runs, key);
    }
    if (ctrl_c_count() > 1 && !forced) {
      forced = true;
      cancel_all(runs);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    take_intervals(runs, outs);
    const agent::Progress progress = combined(runs);
    if (!opts.quiet && tick % 10 == 0 && progress.elapsed_s > 0) {
      const std::string line = agent::format_progress(
          progress, std::chrono::duration<double>(schedule.length()).count());
      if (tty)
        std::fprintf(stderr, "\r%s\033[K", line.c_str());
      else
        std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
  for (auto &t : streams.threads) t.join();
  take_intervals(runs, outs);
  if (!opts.quiet && tty) std::fprintf(stderr, "\n");
  return interrupted;
}

// What every call brought, and the whole run's results merged from them.
struct Merged {
  std::optional<agent::RunResults> results;
  std::vector<HostPart> parts;  // one a call, as runs
  bool all_complete = true;
};

void drop_counts(agent::RunResults &r) {
  r.total = {};
  r.tag_sets = {};
  r.series = {};
  r.tag_set_series = {};
  r.step_series = {};
}

Merged merge(std::vector<std::unique_ptr<HostRun>> &runs, bool interrupted) {
  Merged m;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    // Its share of the schedule, as start() gave it.
    m.parts.push_back(host_part(*runs[i], runs[i]->share, interrupted));
    HostPart &part = m.parts.back();
    part.share = runs[i]->share["job"];
    m.all_complete = m.all_complete && part.complete;
    if (!part.problem.empty())
      std::cerr << "golo run: host " << runs[i]->addr
                << (runs[i]->scenario.empty()
                        ? std::string()
                        : " (scenario " + runs[i]->scenario + ")")
                << ": " << part.problem << "\n";
    if (!part.results) continue;
    if (m.results)
      m.results->merge(*part.results);
    else
      m.results = std::move(*part.results);
    // Only its scalars are read from here on (hosts_json): its sets and
    // histograms are not held through the end of the run a second time.
    drop_counts(*part.results);
  }
  if (interrupted) {
    bool all_sent = true;  // every call's own results, none from progress
    for (const auto &p : m.parts)
      all_sent = all_sent && p.results && !p.partial;
    std::cerr << "golo run: interrupted (Ctrl-C): the hosts stopped their load"
              << (all_sent ? " and sent the results they measured\n"
                           : "; the results hold what they had reported\n");
    if (m.results) m.results->stopped_early = true;
  }
  return m;
}

// The results file's "hosts": every call, then the hosts left out.
nlohmann::json hosts_json(const Fleet &fleet, std::size_t scenarios,
                          const std::vector<std::unique_ptr<HostRun>> &runs,
                          const Merged &m, bool interrupted) {
  nlohmann::json hosts = nlohmann::json::array();
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const HostPart &part = m.parts[i];
    hosts.push_back(
        {{"address", runs[i]->addr},
         {"ok", part.complete},
         {"error", part.problem},
         {"partial", part.partial},
         {"stopped_early",
          part.results ? part.results->stopped_early || interrupted : false},
         {"ran_s", part.partial ? runs[i]->ran_s : part.measured_s},
         {"measured_s", part.measured_s},
         {"clock_offset_ms", fleet.clock_offsets[i / scenarios].count()},
         {"share", part.share}});
    if (!runs[i]->scenario.empty())
      hosts.back()["scenario"] = runs[i]->scenario;
    if (const auto &gap = runs[i]->gap) {
      // Seconds of the schedule no worker ran, and why.
      hosts.back()["interrupted_s"] = {gap->from_s, gap->to_s};
      hosts.back()["interruption"] = gap->cause;
      hosts.back()["may_be_missing"] = gap->may_be_missing;
    }
  }
  for (const auto &[addr, why] : fleet.left_out)
    hosts.push_back(
        {{"address", addr}, {"ok", false}, {"error", why}, {"left_out", true}});
  return hosts;
}

// The summary, the thresholds and the outputs; the exit code.
int report(const RunPlan &plan, const Fleet &fleet,
           const std::vector<std::unique_ptr<HostRun>> &runs, Merged &m,
           bool interrupted, outputs::RunOutputs &outs) {
  agent::RunResults &merged = *m.results;
  // Each call's results describe its own share; the run's, the schedule the
  // user gave (each host's share is under its host).
  merged.schedule = plan.schedule.to_json();
  // The series from the hosts' progress, merged second by second: the same
  // intervals as their results', plus those of hosts lost mid-run.
  outs.finish_series(merged);
  // Once, on the whole run: every host's share of a set counts in one place.
  merged.cap_tag_sets();
  merged.cap_steps();
  if (const auto line = overridden_line(plan.overridden); !line.empty())
    std::cout << line << "\n";
  agent::print_summary(std::cout, merged, plan.colour);
  // A run whose calls all hung measured nothing: not a result to pass.
  const bool none_completed = merged.total.iterations == 0;
  if (none_completed)
    std::cerr << "golo run: no iteration completed"
              << (merged.total.interrupted
                      ? ": all " + std::to_string(merged.total.interrupted) +
                            " started were still running when the run gave "
                            "up on them (a plugin or target that never "
                            "answers)"
                      : std::string(": none started"))
              << "; exit 1\n";
  const auto verdicts =
      agent::evaluate_thresholds(plan.schedule.thresholds, merged);
  bool crossed = false;
  for (const auto &v : verdicts) {
    std::cout << verdict_line(v, plan.colour) << "\n";
    crossed = crossed || v.crossed;
  }
  if (outs.any()) {
    // The results stream to a file from `merged`; only these are built here.
    outputs::Finished done{&merged};
    done.extra["hosts"] =
        hosts_json(fleet, plan.scenarios.size(), runs, m, interrupted);
    if (!plan.overridden.empty()) done.extra["overridden"] = plan.overridden;
    done.extra["thresholds"] = nlohmann::json::array();
    for (const auto &v : verdicts)
      done.extra["thresholds"].push_back({{"threshold", v.threshold.text},
                                          {"actual", v.actual},
                                          {"crossed", v.crossed},
                                          {"message", v.message}});
    if (!outs.finish(done)) return 1;
  }
  // Hosts left out by --allow-partial were asked for: the run is complete
  // without them, and the lines above said so.
  if (!m.all_complete || interrupted || none_completed) return 1;
  // k6's convention: 99 means the run completed but a threshold was crossed.
  return crossed ? 99 : 0;
}

}  // namespace

int run_command(const RunOptions &opts) {
  RunPlan plan;
  if (!read_plan(opts, plan)) return 2;
  const agent::Schedule &schedule = plan.schedule;
  // --out values are refused (exit 2) before any host is asked.
  outputs::RunOutputs outs(
      {.job = schedule.job,
       .tag_keys = schedule.tag_keys,
       .start_unix_ms = 0,
       .planned_s = std::chrono::duration<double>(schedule.length()).count()});
  if (const std::string e = outs.open(opts.outs); !e.empty()) {
    std::cerr << "golo run: " << e << "\n";
    return 2;
  }
  dashboard::Dashboard *dash = nullptr;
  if (!dashboard::open_for_run(opts.dashboard, schedule, opts.schedule_file,
                               outs, dash))
    return 2;
  if (!read_env(opts, plan.env)) return 2;
  record_env(plan.env, plan.overridden);
  // The pre-flight names no scenario: each host checks them all at once.
  auto fleet = fleet_for_run(
      opts.hosts,
      [&](std::size_t i, std::size_t of) {
        return request_for(opts, plan, i, of);
      },
      opts.allow_partial, plan.scenarios.size() > 1);
  if (!fleet) return 1;
  if (!opts.quiet)
    std::cerr << banner(schedule, fleet->hosts.size(), opts.outs,
                        use_colour(STDERR_FILENO, opts.no_color))
              << "\n";
  plan.colour = use_colour(STDOUT_FILENO, opts.no_color);
  const bool together = fleet->hosts.size() > 1 || plan.scenarios.size() > 1;
  // Calls that start together start at the instant they were given; one
  // host's one call when it says it started.
  outs.begin(fleet->hosts.size() * plan.scenarios.size(),
             together ? fleet->start_unix_ms : 0);
  Streams streams = start(opts, plan, *fleet, together);
  const bool interrupted = watch(opts, schedule, plan.stop_key, streams, outs);
  Merged merged = merge(streams.runs, interrupted);
  if (!opts.dashboard.wait) dash = nullptr;
  if (!merged.results) {
    outs.finish({});
    return dashboard::wait_for_ctrl_c(dash, 1);
  }
  return dashboard::wait_for_ctrl_c(
      dash, report(plan, *fleet, streams.runs, merged, interrupted, outs));
}

}  // namespace golo::cli
