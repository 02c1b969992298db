#include "metrics/scrape.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "golo/agent/utf8.h"
#include "metrics/exposition.h"

namespace golo::host {

namespace {

// Label values must be UTF-8; a plugin's version text is the plugin's.
std::string label_text(const std::string &s) {
  return agent::utf8_valid(s) ? s : agent::utf8_repair(s);
}

void trigger_families(Exposition &e, const HostMetrics &metrics) {
  e.family("golo_trigger_calls_total", "counter",
           "Job.Trigger calls answered by a plugin, per job.");
  metrics.each_trigger([&](const std::string &job, const TriggerStats &s) {
    e.sample("golo_trigger_calls_total", {{"job", label_text(job)}}, s.calls());
  });
  e.family("golo_trigger_errors_total", "counter",
           "Job.Trigger calls that failed or that the plugin flagged as an "
           "error, per job.");
  metrics.each_trigger([&](const std::string &job, const TriggerStats &s) {
    e.sample("golo_trigger_errors_total", {{"job", label_text(job)}},
             s.errors());
  });
  e.family("golo_trigger_in_flight", "gauge",
           "Job.Trigger calls running now, per job.");
  metrics.each_trigger([&](const std::string &job, const TriggerStats &s) {
    e.sample("golo_trigger_in_flight", {{"job", label_text(job)}},
             s.in_flight());
  });
  e.family("golo_trigger_duration_seconds", "histogram",
           "Time spent in golo_trigger per Job.Trigger call, per job.");
  metrics.each_trigger([&](const std::string &job, const TriggerStats &s) {
    e.histogram("golo_trigger_duration_seconds", {{"job", label_text(job)}},
                s.durations());
  });
}

void run_families(Exposition &e, const HostMetrics &metrics) {
  std::vector<std::pair<std::string, RunStats::Totals>> runs;
  metrics.each_run([&](const std::string &job, const RunStats &s) {
    runs.emplace_back(label_text(job), s.totals());
  });
  e.family("golo_run_iterations_total", "counter",
           "Iterations finished by schedules run in this host, per job.");
  for (const auto &[job, t] : runs)
    e.sample("golo_run_iterations_total", {{"job", job}}, t.iterations);
  e.family("golo_run_errors_total", "counter",
           "Iterations of schedules run in this host that failed or were "
           "flagged as errors, per job.");
  for (const auto &[job, t] : runs)
    e.sample("golo_run_errors_total", {{"job", job}}, t.errors);
  e.family("golo_run_active_users", "gauge",
           "Users of the schedules running now, per job.");
  for (const auto &[job, t] : runs)
    e.sample("golo_run_active_users", {{"job", job}}, t.active_users);
  e.family("golo_run_iteration_duration_seconds", "histogram",
           "Latency of the iterations of schedules run in this host, as the "
           "run measures it, per job.");
  for (const auto &[job, t] : runs)
    e.histogram("golo_run_iteration_duration_seconds", {{"job", job}},
                t.latency);
}

}  // namespace

std::string render_metrics(HostMetrics &metrics, const PluginRegistry &registry,
                           double start_time_s) {
  const auto jobs = registry.status();
  // Every loaded job has its series from the start, at 0, so that rate()
  // and increase() see its first calls.
  for (const auto &[job, status] : jobs) {
    metrics.trigger(job);
    metrics.run(job);
  }
  Exposition e;
  trigger_families(e, metrics);
  run_families(e, metrics);

  e.family("golo_reloads_total", "counter",
           "Plugin files per outcome of the rescans (reloads) so far; "
           "unchanged files are not counted.");
  for (const FileChange o : {FileChange::kAdded, FileChange::kReplaced,
                             FileChange::kRemoved, FileChange::kFailed})
    e.sample("golo_reloads_total", {{"outcome", wire::outcome_name(o)}},
             registry.outcome_count(o));

  e.family("golo_plugin_info", "gauge",
           "The plugin version serving each job: always 1.");
  for (const auto &[job, status] : jobs) {
    if (!status.current) continue;
    const auto &m = status.current->meta();
    e.sample("golo_plugin_info",
             {{"job", label_text(job)},
              {"version", label_text(m.version)},
              {"sha256", m.sha256},
              {"generation", std::to_string(m.generation)}},
             std::uint64_t{1});
  }

  e.family("golo_worker_start_time_seconds", "gauge",
           "When this worker started, in Unix seconds; counters restart "
           "from 0 with each worker.");
  e.sample("golo_worker_start_time_seconds", {}, start_time_s);
  return e.text();
}

std::unique_ptr<MetricsEndpoint> serve_metrics(const std::string &address,
                                               HostMetrics &metrics,
                                               const PluginRegistry &registry,
                                               std::string &error) {
  const double started_s =
      std::chrono::duration<double>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto endpoint =
      std::make_unique<MetricsEndpoint>([&metrics, &registry, started_s] {
        return render_metrics(metrics, registry, started_s);
      });
  if (!endpoint->start(address, error)) return nullptr;
  spdlog::info("serving Prometheus metrics on http://{}/metrics (port {})",
               address, endpoint->port());
  return endpoint;
}

}  // namespace golo::host
