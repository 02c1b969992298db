#include "report/report_model.h"

#include "report/chart_marks.h"
#include "report/series_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

namespace golo::cli::report {

namespace {

using nlohmann::json;

// Tag sets drawn one chart each, and lines in the distribution chart
// besides the total: the busiest ones; the tables list all.
constexpr std::size_t kMaxTagSetCharts = 12;
constexpr std::size_t kMaxDistributionLines = 8;
// Steps drawn over time (calls per second and p95): the most called.
constexpr std::size_t kMaxStepCharts = 8;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

agent::TagSetStats stats_of(const json &j) {
  agent::TagSetStats s;
  s.key = j.value("key", std::string());
  if (j.contains("tags"))
    for (const auto &[k, v] : j.at("tags").items())
      s.tags.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  s.iterations = j.at("iterations").get<std::uint64_t>();
  s.errors = j.at("errors").get<std::uint64_t>();
  s.dropped = j.value("dropped", std::uint64_t{0});
  s.interrupted = j.value("interrupted", std::uint64_t{0});
  s.missed = j.value("missed", std::uint64_t{0});
  if (j.contains("error_samples"))
    for (const auto &e : j.at("error_samples"))
      s.add_error_sample(e.at("text").get<std::string>(),
                         e.at("count").get<std::uint64_t>());
  s.latency = agent::Histogram::from_json(j.at("histogram"));
  agent::steps_from_json(j, s);
  return s;
}

// A tag set's name as the results key it: "k=v,k=v" by key.
std::string name_of(const json &set) {
  if (set.contains("key")) return set.at("key").get<std::string>();
  std::string name;
  for (const auto &[k, v] : set.at("tags").items())
    name += (name.empty() ? "" : ",") + k + "=" +
            (v.is_string() ? v.get<std::string>() : v.dump());
  return name;
}

// The percentile curve of a histogram, HdrHistogram's way: x counts the
// nines (x = 2 is p99), so the tail gets the room.
json distribution_json(const std::string &name, const agent::Histogram &h) {
  json points = json::array();
  if (h.count() == 0) return {{"name", name}, {"points", points}};
  const double nines = std::clamp(
      std::ceil(std::log10(static_cast<double>(h.count()))), 1.0, 5.0);
  for (int i = 0; i <= static_cast<int>(nines * 20); ++i) {
    const double x = i / 20.0;
    const double p = 100.0 * (1.0 - std::pow(10.0, -x));
    points.push_back({x, static_cast<double>(h.value_at_percentile(p)) / 1e3});
  }
  return {{"name", name}, {"points", points}};
}

int exit_status_of(const json &run, const RunInfo &info) {
  if (run.contains("exit_status") && run.at("exit_status").is_number_integer())
    return run.at("exit_status").get<int>();
  bool complete = !info.stopped_early;
  for (const auto &h : info.hosts) complete = complete && h.ok;
  if (!complete) return 1;
  for (const auto &t : info.thresholds)
    if (t.crossed) return 99;
  return 0;
}

RunInfo run_info(const json &run) {
  RunInfo info;
  const json &schedule = run.at("schedule");
  info.schedule = describe_schedule(schedule);
  info.schedule_file = schedule.value("file", std::string());
  if (run.contains("start_unix_ms") && run.at("start_unix_ms").is_number() &&
      run.at("start_unix_ms").get<std::int64_t>() > 0)
    info.start_unix_ms = run.at("start_unix_ms").get<std::int64_t>();
  info.duration_s = run.at("duration_s").get<double>();
  info.stopped_early = run.value("stopped_early", false);
  info.partial = run.value("partial", false);
  if (run.contains("hosts"))
    for (const auto &h : run.at("hosts"))
      info.hosts.push_back(
          {h.value("address", std::string()), h.value("error", std::string()),
           h.value("scenario", std::string()), h.value("ok", true),
           h.value("partial", false), h.value("stopped_early", false),
           h.value("ran_s", 0.0)});
  if (run.contains("thresholds"))
    for (const auto &t : run.at("thresholds"))
      info.thresholds.push_back({t.value("threshold", std::string()),
                                 t.value("message", std::string()),
                                 t.value("actual", 0.0),
                                 t.value("crossed", false)});
  info.exit_status = exit_status_of(run, info);
  return info;
}

SummaryRow summary_row(const agent::TagSetStats &s, double duration_s) {
  SummaryRow row;
  row.tag_set = s.key;
  row.iterations = s.iterations;
  row.errors = s.errors;
  row.dropped = s.dropped;
  row.missed = s.missed;
  row.interrupted = s.interrupted;
  row.rate =
      duration_s > 0 ? static_cast<double>(s.iterations) / duration_s : 0;
  row.latency = agent::LatencyUs::of(s.latency);
  row.error_samples = s.error_samples;
  return row;
}

// The phase (index in kPhaseNames) of step `name` when it is "NAME (phase)"
// and NAME is a step of `s` too; else -1.
int phase_of(const agent::TagSetStats &s, const std::string &name) {
  for (int i = 0; i < 4; ++i) {
    const std::string suffix = std::string(" (") + kPhaseNames[i] + ")";
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string base = name.substr(0, name.size() - suffix.size());
    for (const auto &step : s.steps)
      if (step.name == base) return i;
  }
  return -1;
}

// One row per request name that has phases or status codes.
std::vector<RequestRow> requests_of(const agent::TagSetStats &s) {
  std::vector<RequestRow> rows;
  for (const auto &step : s.steps) {
    if (phase_of(s, step.name) >= 0) continue;
    RequestRow row{step.name,
                   step.count,
                   {-1, -1, -1, -1},
                   {-1, -1, -1, -1},
                   step.statuses};
    bool any = !step.statuses.empty();
    for (int i = 0; i < 4; ++i)
      for (const auto &phase : s.steps)
        if (phase.count > 0 &&
            phase.name == step.name + " (" + kPhaseNames[i] + ")") {
          row.p50[i] =
              static_cast<double>(phase.latency.value_at_percentile(50)) / 1e3;
          row.p95[i] =
              static_cast<double>(phase.latency.value_at_percentile(95)) / 1e3;
          any = true;
        }
    if (any) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

namespace {

std::string describe_job(const json &job) {
  std::string out = "job " + job.value("name", std::string("?"));
  const std::string model = job.value("model", std::string());
  if (!model.empty()) out += ", " + model + " model";
  if (job.contains("users") && job.at("users").is_number())
    out += ", " + job.at("users").dump() + " users";
  if (job.contains("arrival_rate") && job.at("arrival_rate").is_number())
    out += ", " + job.at("arrival_rate").dump() + " iterations/s";
  if (job.contains("duration_s") && job.at("duration_s").is_number())
    out += ", " + seconds_text(job.at("duration_s").get<double>());
  if (job.contains("stages") && job.at("stages").is_array() &&
      !job.at("stages").empty()) {
    out += ", stages";
    for (const auto &st : job.at("stages")) {
      out += " " + seconds_text(st.value("duration_s", 0.0)) + "→";
      out += st.contains("users") ? st.at("users").dump() + " users"
                                  : st.value("rate", json(0)).dump() + "/s";
    }
  }
  if (job.contains("tags") && job.at("tags").is_array() &&
      !job.at("tags").empty()) {
    out += ", grouped by";
    for (const auto &t : job.at("tags")) out += " " + t.get<std::string>();
  }
  if (job.contains("start_after_s") && job.at("start_after_s").is_number() &&
      job.at("start_after_s").get<double>() > 0)
    out += ", starting after " +
           seconds_text(job.at("start_after_s").get<double>());
  return out;
}

}  // namespace

std::string describe_schedule(const json &schedule) {
  if (!schedule.is_object()) return "";
  if (schedule.contains("scenarios") && schedule.at("scenarios").is_array()) {
    std::string out;
    for (const auto &job : schedule.at("scenarios")) {
      if (!job.is_object()) continue;
      out += (out.empty() ? "scenario " : "; scenario ") +
             job.value("scenario", std::string("?")) + ": " + describe_job(job);
    }
    return out;
  }
  if (!schedule.contains("job") || !schedule.at("job").is_object()) return "";
  return describe_job(schedule.at("job"));
}

namespace {

// The steps (all tag sets', then each set's when there are several), the
// HTTP requests' phases and the checks, into m.
void steps_of(ReportModel &m, const agent::TagSetStats &total,
              const std::map<std::string, agent::TagSetStats> &sets,
              double duration_s) {
  const auto add_steps = [&m, duration_s](const agent::TagSetStats &s,
                                          const std::string &tag_set) {
    for (const auto &st : s.steps)
      if (phase_of(s, st.name) < 0)
        m.steps.push_back(
            {tag_set, st.name, st.count, st.errors,
             duration_s > 0 ? static_cast<double>(st.count) / duration_s : 0,
             agent::LatencyUs::of(st.latency), st.statuses});
  };
  add_steps(total, "");
  if (sets.size() > 1)
    for (const auto &[key, s] : sets) add_steps(s, key);
  m.requests = requests_of(total);
  for (const auto &c : total.checks)
    m.checks.push_back({c.name, c.passes, c.fails});
}

// Every run's totals, tag sets and series, merged.
struct Merged {
  agent::TagSetStats total;
  std::map<std::string, agent::TagSetStats> sets;
  Series total_series;
  std::map<std::string, Series> set_series;
  bool per_set_everywhere = true;
  std::map<std::string, Series> step_series;  // by step name
  bool steps_everywhere = true;  // every run with steps has step_series
  double duration_s = 0;
};

void merge_run(const json &run, ReportModel &m, Merged &g) {
  if (!run.is_object() || !run.contains("format"))
    throw std::invalid_argument(
        "not golo results (no \"format\"; golo run --out writes them)");
  if (run.at("format") != "golo-results/1")
    throw std::invalid_argument("unknown format " + run.at("format").dump() +
                                " (this golo reads golo-results/1)");
  m.runs.push_back(run_info(run));
  g.duration_s = std::max(g.duration_s, m.runs.back().duration_s);
  g.total.merge(stats_of(run.at("total")));
  for (const auto &s : run.at("tag_sets")) {
    auto stats = stats_of(s);
    auto [it, fresh] = g.sets.try_emplace(stats.key, stats);
    if (!fresh) it->second.merge(stats);
  }
  add_rows(g.total_series, run.at("series"));
  if (run.contains("tag_set_series"))
    for (const auto &s : run.at("tag_set_series"))
      add_rows(g.set_series[name_of(s)], s.at("series"));
  else
    g.per_set_everywhere = false;
  if (run.contains("step_series"))
    for (const auto &s : run.at("step_series"))
      add_rows(g.step_series[s.at("name").get<std::string>()], s.at("series"));
  else if (!run.at("total").value("steps", json::array()).empty())
    g.steps_everywhere = false;
}

// Calls per second and p95 over time for the most called steps (phases
// are not steps of their own here, as in the steps table).
json step_charts(const ReportModel &m, const Merged &g, bool &worst,
                 std::vector<std::string> &notes) {
  json out = json::array();
  std::vector<const StepRow *> steps;
  for (const auto &s : m.steps)
    if (s.tag_set.empty()) steps.push_back(&s);
  if (steps.empty()) return out;
  if (!g.steps_everywhere) {
    notes.push_back(
        "These results have no per-step series (written by an older golo): "
        "steps are not drawn over time.");
    return out;
  }
  std::stable_sort(
      steps.begin(), steps.end(),
      [](const auto *a, const auto *b) { return a->count > b->count; });
  for (const auto *s : steps) {
    if (out.size() == kMaxStepCharts) break;
    auto it = g.step_series.find(s->name);
    if (it == g.step_series.end()) continue;
    json one = series_json(it->second, false, worst);
    one["name"] = s->name;
    out.push_back(std::move(one));
  }
  if (steps.size() > out.size())
    notes.push_back("Steps over time are drawn for the " +
                    std::to_string(out.size()) + " most called steps of " +
                    std::to_string(steps.size()) +
                    "; the tables list them all.");
  return out;
}

// Latency over time for the busiest tag sets, with a note when some or all
// are left out.
json per_set_charts(const Merged &g,
                    const std::vector<const agent::TagSetStats *> &busiest,
                    bool &worst, std::vector<std::string> &notes) {
  json per_set = json::array();
  if (!g.set_series.empty() && g.per_set_everywhere) {
    for (const auto *s : busiest) {
      if (per_set.size() == kMaxTagSetCharts) break;
      auto it = g.set_series.find(s->key);
      if (it == g.set_series.end()) continue;
      json one = series_json(it->second, false, worst);
      one["name"] = s->key;
      per_set.push_back(std::move(one));
    }
    if (g.sets.size() > per_set.size())
      notes.push_back("Latency over time is drawn for the " +
                      std::to_string(per_set.size()) + " busiest tag sets of " +
                      std::to_string(g.sets.size()) +
                      "; the tables list them all.");
  } else if (!g.sets.empty() &&
             !(g.sets.size() == 1 && g.sets.begin()->first.empty())) {
    notes.push_back(
        "These results have no per-tag-set series (written by an older "
        "golo): latency over time is shown for the total only.");
  }
  return per_set;
}

json distributions(const Merged &g,
                   const std::vector<const agent::TagSetStats *> &busiest) {
  json dist = json::array();
  dist.push_back(distribution_json("all", g.total.latency));
  if (g.sets.size() > 1)
    for (const auto *s : busiest) {
      if (dist.size() == kMaxDistributionLines + 1) break;
      dist.push_back(distribution_json(s->key, s->latency));
    }
  return dist;
}

}  // namespace

ReportModel build_report_model(const std::vector<json> &runs) {
  if (runs.empty()) throw std::invalid_argument("no results to report");
  ReportModel m;
  Merged g;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    try {
      merge_run(runs[i], m, g);
    } catch (const json::exception &e) {
      throw std::invalid_argument("results " + std::to_string(i + 1) + ": " +
                                  e.what());
    } catch (const std::invalid_argument &e) {
      throw std::invalid_argument("results " + std::to_string(i + 1) + ": " +
                                  e.what());
    }
  }
  m.summary.push_back(summary_row(g.total, g.duration_s));
  for (const auto &[key, s] : g.sets)
    m.summary.push_back(summary_row(s, g.duration_s));
  steps_of(m, g.total, g.sets, g.duration_s);

  // The busiest tag sets get charts; the tables have them all.
  std::vector<const agent::TagSetStats *> busiest;
  for (const auto &[key, s] : g.sets) busiest.push_back(&s);
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const auto *a, const auto *b) {
                     return a->iterations > b->iterations;
                   });
  json charts;
  bool worst = false;
  charts["total"] = series_json(g.total_series, true, worst);
  // A clock on the time axis only when it means one moment for all runs.
  charts["start_unix_ms"] = nullptr;
  if (m.runs.size() == 1 && m.runs[0].start_unix_ms)
    charts["start_unix_ms"] = *m.runs[0].start_unix_ms;
  charts["tag_sets"] = per_set_charts(g, busiest, worst, m.notes);
  charts["steps"] = step_charts(m, g, worst, m.notes);
  charts["threshold_lines"] =
      threshold_lines(m.runs[0].thresholds, charts["tag_sets"]);
  charts["latency_unit"] = latency_unit(m.summary[0].latency.max);
  if (worst)
    m.notes.push_back(
        "Where several runs' rows lacked their histogram counters (long "
        "runs keep only percentiles for older rows), latency over time shows "
        "the worst run's percentiles for that second.");
  charts["distribution"] = distributions(g, busiest);
  m.charts = std::move(charts);
  return m;
}

}  // namespace golo::cli::report
