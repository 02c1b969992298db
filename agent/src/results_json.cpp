// Results to and from golo-results/1 JSON, one piece at a time: a row, a
// tag set, the document's head. results_writer.cpp puts the pieces into a
// document; golo run reads a host's document back through these.
#include "golo/agent/results.h"

#include "golo/agent/series.h"

#include <stdexcept>

namespace golo::agent {

namespace {
using nlohmann::json;

double us(std::int64_t ns) { return static_cast<double>(ns) / 1e3; }

json row_to_json(const SecondStats &s, std::int64_t start_unix_ms, bool total) {
  const RowLatency q = s.quantiles();
  json row = {{"second", s.second},
              {"seconds", s.seconds},
              {"iterations", s.iterations},
              {"errors", s.errors}};
  if (start_unix_ms > 0)
    row["unix_ms"] = start_unix_ms + static_cast<std::int64_t>(s.second) * 1000;
  if (total) row["dropped"] = s.dropped;
  row["missed"] = s.missed;  // a tag set's: the slots its iterations overran
  if (total) row["active_users"] = s.active_users;
  row["p50_us"] = us(q.p50);
  row["p90_us"] = us(q.p90);
  row["p95_us"] = us(q.p95);
  row["p99_us"] = us(q.p99);
  row["max_us"] = us(q.max);
  // Readers of golo-results/1 before tag_set_series expect buckets in every
  // total row. A tag set's row keeps only its percentiles and counts: a
  // thousand sets would otherwise write a histogram each every second (the
  // sets' whole-run histograms are in tag_sets).
  if (total) {
    json buckets = json::array();
    for (const auto &[index, n] : s.latency) buckets.push_back({index, n});
    row["buckets"] = buckets;
  }
  return row;
}

std::int64_t ns_of(const json &row, const char *field) {
  return static_cast<std::int64_t>(row.value(field, 0.0) * 1e3 + 0.5);
}

SecondStats row_from_json(const json &s) {
  SecondStats sec;
  sec.second = s.at("second").get<std::uint64_t>();
  sec.seconds = s.value("seconds", std::uint64_t{1});
  sec.iterations = s.at("iterations").get<std::uint64_t>();
  sec.errors = s.at("errors").get<std::uint64_t>();
  sec.dropped = s.value("dropped", std::uint64_t{0});
  sec.missed = s.value("missed", std::uint64_t{0});
  sec.active_users = s.value("active_users", std::uint64_t{0});
  if (s.contains("buckets"))
    for (const auto &b : s.at("buckets")) {
      const auto index = b.at(0).get<std::uint32_t>();
      if (index >= HistogramLayout::kCountsLen)
        throw std::invalid_argument("results: bad bucket " + b.dump());
      sec.latency.emplace_back(index, b.at(1).get<std::uint64_t>());
    }
  // A long run's older rows keep only their percentiles.
  if (sec.frozen())
    sec.kept = {ns_of(s, "p50_us"), ns_of(s, "p90_us"), ns_of(s, "p95_us"),
                ns_of(s, "p99_us"), ns_of(s, "max_us")};
  return sec;
}

json latency_json(const Histogram &h) {
  const auto l = LatencyUs::of(h);
  return {{"min", l.min}, {"p50", l.p50},   {"p90", l.p90}, {"p95", l.p95},
          {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}, {"mean", l.mean}};
}

// A tag set's steps and checks: [{"name", "count", "errors", "error_rate",
// "rate", "latency_us", "histogram"}], [{"name", "passes", "fails",
// "pass_rate"}]. Rates are per second of the run.
json steps_to_json(const std::vector<StepStats> &steps, double duration_s) {
  json out = json::array();
  for (const auto &s : steps) {
    out.push_back(
        {{"name", s.name},
         {"count", s.count},
         {"errors", s.errors},
         {"error_rate", s.error_rate()},
         {"rate",
          duration_s > 0 ? static_cast<double>(s.count) / duration_s : 0.0},
         {"latency_us", latency_json(s.latency)},
         {"histogram", s.latency.to_json()}});
    // host->http's requests: {"200": 51, "404": 2} ("0": codes past the
    // slots of one name).
    if (!s.statuses.empty()) {
      json codes = json::object();
      for (const auto &[code, n] : s.statuses) codes[std::to_string(code)] = n;
      out.back()["statuses"] = std::move(codes);
    }
  }
  return out;
}

json checks_to_json(const std::vector<CheckStats> &checks) {
  json out = json::array();
  for (const auto &c : checks)
    out.push_back({{"name", c.name},
                   {"passes", c.passes},
                   {"fails", c.fails},
                   {"pass_rate", c.pass_rate()}});
  return out;
}

}  // namespace

// Added within golo-results/1: older results have neither.
void steps_from_json(const json &j, TagSetStats &s) {
  if (j.contains("steps"))
    for (const auto &step : j.at("steps")) {
      StepStats st;
      st.name = step.at("name").get<std::string>();
      st.count = step.at("count").get<std::uint64_t>();
      st.errors = step.at("errors").get<std::uint64_t>();
      st.latency = Histogram::from_json(step.at("histogram"));
      if (step.contains("statuses"))
        for (const auto &[code, n] : step.at("statuses").items()) {
          if (code.empty() || code.size() > 3 ||
              code.find_first_not_of("0123456789") != std::string::npos)
            throw std::invalid_argument("results: step \"" + st.name +
                                        "\" has a status \"" + code +
                                        "\" that is not a status code");
          st.add_status(std::stoi(code), n.get<std::uint64_t>());
        }
      if (st.latency.count() != st.count)
        throw std::invalid_argument("results: step \"" + st.name +
                                    "\" counts " + std::to_string(st.count) +
                                    " but its histogram holds " +
                                    std::to_string(st.latency.count()));
      s.steps.push_back(std::move(st));
    }
  if (j.contains("checks"))
    for (const auto &check : j.at("checks"))
      s.checks.push_back({check.at("name").get<std::string>(),
                          check.at("passes").get<std::uint64_t>(),
                          check.at("fails").get<std::uint64_t>()});
}

namespace {

json stats_to_json(const TagSetStats &s, double rate, double duration_s) {
  json tags = json::object();
  for (const auto &[k, v] : s.tags) tags[k] = v;
  json samples = json::array();
  for (const auto &e : s.error_samples)
    samples.push_back({{"text", e.text}, {"count", e.count}});
  json out = {{"key", s.key},
              {"tags", tags},
              {"iterations", s.iterations},
              {"errors", s.errors},
              {"dropped", s.dropped},
              {"missed", s.missed},
              {"interrupted", s.interrupted},
              {"rate", rate},
              {"error_rate", s.error_rate()},
              {"latency_us", latency_json(s.latency)},
              {"error_samples", samples},
              {"histogram", s.latency.to_json()},
              {"steps", steps_to_json(s.steps, duration_s)},
              {"checks", checks_to_json(s.checks)}};
  // Closed model: the latency from the intended start, with its histogram
  // so that hosts merge it exactly (the open model's latency_us already is).
  if (s.corrected.count()) {
    out["latency_corrected_us"] = latency_json(s.corrected);
    out["histogram_corrected"] = s.corrected.to_json();
  }
  return out;
}

TagSetStats stats_from_json(const json &j) {
  TagSetStats s;
  s.key = j.at("key").get<std::string>();
  for (const auto &[k, v] : j.at("tags").items())
    s.tags.emplace_back(k, v.get<std::string>());
  s.iterations = j.at("iterations").get<std::uint64_t>();
  s.errors = j.at("errors").get<std::uint64_t>();
  s.dropped = j.at("dropped").get<std::uint64_t>();
  s.interrupted = j.at("interrupted").get<std::uint64_t>();
  // Added within golo-results/1: absent in older results.
  s.missed = j.value("missed", std::uint64_t{0});
  if (j.contains("histogram_corrected"))
    s.corrected = Histogram::from_json(j.at("histogram_corrected"));
  for (const auto &e : j.at("error_samples"))
    s.error_samples.push_back(
        {e.at("text").get<std::string>(), e.at("count").get<std::uint64_t>()});
  s.latency = Histogram::from_json(j.at("histogram"));
  steps_from_json(j, s);
  return s;
}
}  // namespace

json RunResults::row_json(const SecondStats &row, std::int64_t start_unix_ms,
                          bool total) {
  return row_to_json(row, start_unix_ms, total);
}

json RunResults::tag_set_json(const TagSetStats &set) const {
  return stats_to_json(set, rate(set), duration_s);
}

json RunResults::head_json(bool with_sets) const {
  json sets = json::array();
  if (with_sets)
    for (const auto &s : tag_sets) sets.push_back(tag_set_json(s));
  json out = {{"format", "golo-results/1"},
              {"schedule", schedule},
              {"duration_s", duration_s},
              {"stopped_early", stopped_early},
              {"partial", partial},
              {"total", stats_to_json(total, rate(), duration_s)},
              {"tag_sets_folded", folded_tag_sets},
              {"tag_sets_host_folded", host_folded_tag_sets},
              {"tag_sets", std::move(sets)},
              {"steps_dropped", steps_dropped},
              {"checks_dropped", checks_dropped},
              {"steps_folded", folded_steps},
              {"checks_folded", folded_checks}};
  if (start_unix_ms > 0) out["start_unix_ms"] = start_unix_ms;
  if (over_budget > 0) out["iterations_over_budget"] = over_budget;
  if (stalls > 0) out["stalls"] = stalls;
  if (!data.empty()) {
    json list = json::array();
    for (const auto &d : data)
      list.push_back({{"file", d.file},
                      {"scenario", d.scenario},
                      {"mode", d.mode},
                      {"rows", d.rows},
                      {"rows_used", d.rows_used},
                      {"hosts_out", d.hosts_out},
                      {"ran_out_s", d.ran_out_s}});
    out["data"] = list;
  }
  return out;
}
TagSetStats RunResults::tag_set_from_json(const json &j) {
  try {
    return stats_from_json(j);
  } catch (const json::exception &e) {
    throw std::invalid_argument(std::string("results: ") + e.what());
  }
}

RunResults RunResults::from_json(const json &j) {
  RunResults r;
  try {
    if (j.at("format") != "golo-results/1")
      throw std::invalid_argument("results: unknown format " +
                                  j.at("format").dump());
    r.schedule = j.at("schedule");
    r.duration_s = j.at("duration_s").get<double>();
    // Added within golo-results/1: results written before them lack them.
    r.stopped_early = j.value("stopped_early", false);
    r.partial = j.value("partial", false);
    r.folded_tag_sets = j.value("tag_sets_folded", std::uint64_t{0});
    r.host_folded_tag_sets = j.value("tag_sets_host_folded", false);
    r.over_budget = j.value("iterations_over_budget", std::uint64_t{0});
    r.total = stats_from_json(j.at("total"));
    for (const auto &s : j.at("tag_sets"))
      r.tag_sets.push_back(stats_from_json(s));
    for (const auto &s : j.at("series")) r.series.push_back(row_from_json(s));
    r.start_unix_ms = j.value("start_unix_ms", std::int64_t{0});
    r.steps_dropped = j.value("steps_dropped", std::uint64_t{0});
    r.stalls = j.value("stalls", std::uint64_t{0});
    r.checks_dropped = j.value("checks_dropped", std::uint64_t{0});
    r.folded_steps = j.value("steps_folded", std::uint64_t{0});
    r.folded_checks = j.value("checks_folded", std::uint64_t{0});
    if (j.contains("data"))
      for (const auto &d : j.at("data"))
        r.data.push_back({d.at("file").get<std::string>(),
                          d.value("scenario", std::string()),
                          d.at("mode").get<std::string>(),
                          d.at("rows").get<std::uint64_t>(),
                          d.at("rows_used").get<std::uint64_t>(),
                          d.at("hosts_out").get<std::uint64_t>(),
                          d.at("ran_out_s").get<double>()});
    if (j.contains("tag_set_series"))
      for (const auto &t : j.at("tag_set_series")) {
        TagSetSeries set;
        for (const auto &[k, v] : t.at("tags").items())
          set.tags.emplace_back(k, v.get<std::string>());
        set.key = t.contains("key") ? t.at("key").get<std::string>()
                                    : tag_set_key(set.tags);
        for (const auto &s : t.at("series"))
          set.rows.push_back(row_from_json(s));
        r.tag_set_series.push_back(std::move(set));
      }
  } catch (const json::exception &e) {
    throw std::invalid_argument(std::string("results: ") + e.what());
  }
  return r;
}

}  // namespace golo::agent
