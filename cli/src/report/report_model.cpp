#include "report/report_model.h"

#include "report/chart_marks.h"

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

// One row of a series, several runs' rows of the same second added up.
struct Point {
  std::uint64_t seconds = 1;  // the width of the row (long runs coarsen)
  double iterations = 0, errors = 0, dropped = 0, active_users = 0;
  double p50 = 0, p95 = 0, p99 = 0;  // µs, the worst of the runs'
  agent::Histogram::Sparse buckets;
  bool all_buckets = true;  // every run's row carried its counters
  int runs = 0;
};
using Series = std::map<std::uint64_t, Point>;  // by second (the row's end)

agent::Histogram::Sparse add_sparse(const agent::Histogram::Sparse &a,
                                    const agent::Histogram::Sparse &b) {
  agent::Histogram::Sparse out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0, k = 0;
  while (i < a.size() || k < b.size()) {
    if (k == b.size() || (i < a.size() && a[i].first < b[k].first))
      out.push_back(a[i++]);
    else if (i == a.size() || b[k].first < a[i].first)
      out.push_back(b[k++]);
    else {
      out.emplace_back(a[i].first, a[i].second + b[k].second);
      ++i, ++k;
    }
  }
  return out;
}

void add_rows(Series &series, const json &rows) {
  for (const auto &r : rows) {
    Point &p = series[r.at("second").get<std::uint64_t>()];
    p.seconds = std::max(p.seconds, r.value("seconds", std::uint64_t{1}));
    p.iterations += r.at("iterations").get<double>();
    p.errors += r.at("errors").get<double>();
    p.dropped += r.value("dropped", 0.0);
    p.active_users += r.value("active_users", 0.0);
    p.p50 = std::max(p.p50, r.value("p50_us", 0.0));
    p.p95 = std::max(p.p95, r.value("p95_us", 0.0));
    p.p99 = std::max(p.p99, r.value("p99_us", 0.0));
    if (r.contains("buckets")) {
      agent::Histogram::Sparse b;
      for (const auto &c : r.at("buckets")) {
        const auto index = c.at(0).get<std::uint32_t>();
        if (index >= agent::HistogramLayout::kCountsLen)
          throw std::invalid_argument("bad bucket index " + c.dump() +
                                      " in series second " +
                                      r.at("second").dump());
        b.emplace_back(index, c.at(1).get<std::uint64_t>());
      }
      std::sort(b.begin(), b.end());
      p.buckets = add_sparse(p.buckets, b);
    } else {
      p.all_buckets = false;
    }
    ++p.runs;
  }
}

// The chart data of one series: x (the row's last second), per-second
// rates, and the latency percentiles (exact from the merged counters when
// several runs share a row and all carry them).
// worst: set when a row of several runs had to take the worst run's
// percentiles (some run's row carried no counters).
json series_json(const Series &series, bool with_users, bool &worst) {
  json x = json::array(), it = json::array(), err = json::array(),
       users = json::array(), p50 = json::array(), p95 = json::array(),
       p99 = json::array();
  for (const auto &[second, p] : series) {
    const double width = static_cast<double>(p.seconds);
    x.push_back(second);
    it.push_back(p.iterations / width);
    err.push_back(p.errors / width);
    if (with_users) users.push_back(p.active_users);
    if (p.runs > 1 && p.all_buckets && !p.buckets.empty()) {
      const auto h = agent::Histogram::from_sparse(p.buckets);
      p50.push_back(static_cast<double>(h.value_at_percentile(50)) / 1e3);
      p95.push_back(static_cast<double>(h.value_at_percentile(95)) / 1e3);
      p99.push_back(static_cast<double>(h.value_at_percentile(99)) / 1e3);
    } else if (p.iterations > 0) {
      worst = worst || p.runs > 1;
      p50.push_back(p.p50);
      p95.push_back(p.p95);
      p99.push_back(p.p99);
    } else {  // no iteration ended in it: a gap, not a zero latency
      p50.push_back(nullptr);
      p95.push_back(nullptr);
      p99.push_back(nullptr);
    }
  }
  json out = {{"x", x},     {"iterations", it}, {"errors", err},
              {"p50", p50}, {"p95", p95},       {"p99", p99}};
  if (with_users) out["active_users"] = users;
  return out;
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

}  // namespace

ReportModel build_report_model(const std::vector<json> &runs) {
  if (runs.empty()) throw std::invalid_argument("no results to report");
  ReportModel m;
  agent::TagSetStats total;
  std::map<std::string, agent::TagSetStats> sets;
  Series total_series;
  std::map<std::string, Series> set_series;
  bool per_set_everywhere = true;
  double duration_s = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const json &run = runs[i];
    try {
      if (!run.is_object() || !run.contains("format"))
        throw std::invalid_argument(
            "not golo results (no \"format\"; golo run --out writes them)");
      if (run.at("format") != "golo-results/1")
        throw std::invalid_argument("unknown format " +
                                    run.at("format").dump() +
                                    " (this golo reads golo-results/1)");
      m.runs.push_back(run_info(run));
      duration_s = std::max(duration_s, m.runs.back().duration_s);
      total.merge(stats_of(run.at("total")));
      for (const auto &s : run.at("tag_sets")) {
        auto stats = stats_of(s);
        auto [it, fresh] = sets.try_emplace(stats.key, stats);
        if (!fresh) it->second.merge(stats);
      }
      add_rows(total_series, run.at("series"));
      if (run.contains("tag_set_series"))
        for (const auto &s : run.at("tag_set_series"))
          add_rows(set_series[name_of(s)], s.at("series"));
      else
        per_set_everywhere = false;
    } catch (const json::exception &e) {
      throw std::invalid_argument("results " + std::to_string(i + 1) + ": " +
                                  e.what());
    } catch (const std::invalid_argument &e) {
      throw std::invalid_argument("results " + std::to_string(i + 1) + ": " +
                                  e.what());
    }
  }

  m.summary.push_back(summary_row(total, duration_s));
  for (const auto &[key, s] : sets)
    m.summary.push_back(summary_row(s, duration_s));
  steps_of(m, total, sets, duration_s);

  // The busiest tag sets get charts; the tables have them all.
  std::vector<const agent::TagSetStats *> busiest;
  for (const auto &[key, s] : sets) busiest.push_back(&s);
  std::stable_sort(busiest.begin(), busiest.end(),
                   [](const auto *a, const auto *b) {
                     return a->iterations > b->iterations;
                   });

  json charts;
  bool worst = false;
  charts["total"] = series_json(total_series, true, worst);
  // A clock on the time axis only when it means one moment for all runs.
  charts["start_unix_ms"] = nullptr;
  if (m.runs.size() == 1 && m.runs[0].start_unix_ms)
    charts["start_unix_ms"] = *m.runs[0].start_unix_ms;
  json per_set = json::array();
  if (!set_series.empty() && per_set_everywhere) {
    for (const auto *s : busiest) {
      if (per_set.size() == kMaxTagSetCharts) break;
      auto it = set_series.find(s->key);
      if (it == set_series.end()) continue;
      json one = series_json(it->second, false, worst);
      one["name"] = s->key;
      per_set.push_back(std::move(one));
    }
    if (sets.size() > per_set.size())
      m.notes.push_back("Latency over time is drawn for the " +
                        std::to_string(per_set.size()) +
                        " busiest tag sets of " + std::to_string(sets.size()) +
                        "; the tables list them all.");
  } else if (!sets.empty() &&
             !(sets.size() == 1 && sets.begin()->first.empty())) {
    m.notes.push_back(
        "These results have no per-tag-set series (written by an older "
        "golo): latency over time is shown for the total only.");
  }
  charts["tag_sets"] = per_set;
  charts["threshold_lines"] = threshold_lines(m.runs[0].thresholds, per_set);
  charts["latency_unit"] = latency_unit(m.summary[0].latency.max);
  if (worst)
    m.notes.push_back(
        "Where several runs' rows lacked their histogram counters (long "
        "runs keep only percentiles for older rows), latency over time shows "
        "the worst run's percentiles for that second.");
  json dist = json::array();
  dist.push_back(distribution_json("all", total.latency));
  if (sets.size() > 1)
    for (const auto *s : busiest) {
      if (dist.size() == kMaxDistributionLines + 1) break;
      dist.push_back(distribution_json(s->key, s->latency));
    }
  charts["distribution"] = dist;
  m.charts = std::move(charts);
  return m;
}

}  // namespace golo::cli::report
