#include "dashboard/dashboard.h"

#include <iostream>

#include "report/chart_marks.h"
#include "report/html_report.h"

namespace golo::cli::dashboard {

namespace {

double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

nlohmann::json latency_json(const agent::RowLatency &l) {
  return {{"p50", us(l.p50)},
          {"p95", us(l.p95)},
          {"p99", us(l.p99)},
          {"max", us(l.max)}};
}

nlohmann::json second_json(const outputs::Second &s,
                           const std::vector<agent::ThresholdResult> &v) {
  const outputs::Point &t = s.points.at(0);
  nlohmann::json j = {{"second", s.second},
                      {"unix_ms", s.unix_ms},
                      {"iterations", t.iterations},
                      {"errors", t.errors},
                      {"dropped", t.dropped},
                      {"active_users", t.active_users},
                      {"latency", latency_json(t.latency)},
                      {"sets", nlohmann::json::array()},
                      {"steps", nlohmann::json::array()},
                      {"checks", nlohmann::json::array()},
                      {"thresholds", nlohmann::json::array()}};
  for (std::size_t i = 1; i < s.points.size() && i <= kMaxLiveSets; ++i)
    j["sets"].push_back({{"name", s.points[i].tag_set},
                         {"iterations", s.points[i].iterations},
                         {"errors", s.points[i].errors},
                         {"p95", us(s.points[i].latency.p95)}});
  for (const auto &st : t.steps)
    j["steps"].push_back({{"name", st.name},
                          {"count", st.count},
                          {"errors", st.errors},
                          {"p95", us(st.latency.p95)}});
  for (const auto &c : t.checks)
    j["checks"].push_back(
        {{"name", c.name}, {"passes", c.passes}, {"fails", c.fails}});
  for (const auto &r : v)
    j["thresholds"].push_back({{"threshold", r.threshold.text},
                               {"crossed", r.crossed},
                               {"message", r.message}});
  return j;
}

}  // namespace

std::unique_ptr<Dashboard> Dashboard::open(
    const Options &opts, std::vector<agent::Threshold> thresholds,
    const std::string &title, std::string &error) {
  Endpoint at;
  error = parse_endpoint(opts.addr, opts.allow_public, at);
  if (!error.empty()) return nullptr;
  std::unique_ptr<Dashboard> d(new Dashboard(at, std::move(thresholds)));
  d->server_ = Server::start(at, render_page(title), d->log_, error);
  if (!d->server_) return nullptr;
  std::cerr << "golo run: dashboard at " << at.url() << "\n";
  return d;
}

void Dashboard::start(const outputs::RunInfo &run) {
  nlohmann::json j = {{"job", run.job},
                      {"planned_s", run.planned_s},
                      {"start_unix_ms", run.start_unix_ms},
                      {"thresholds", nlohmann::json::array()}};
  std::vector<report::ThresholdRow> rows;
  for (const auto &t : thresholds_) {
    j["thresholds"].push_back(t.text);
    rows.push_back({t.text, "", 0, false});
  }
  // The report's threshold lines (latency in µs, rate in iterations/s).
  j["lines"] = report::threshold_lines(rows, nlohmann::json::array());
  log_.push("start", j.dump());
}

void Dashboard::interval(const agent::Interval &iv) { live_.add(iv); }

void Dashboard::second(const outputs::Second &s) {
  const auto verdicts = agent::evaluate_thresholds(thresholds_, live_.so_far());
  log_.push("second", second_json(s, verdicts).dump());
}

std::string Dashboard::finish(const outputs::Finished &run) {
  nlohmann::json end = {{"report", nullptr}};
  if (run.results) {
    try {
      log_.set_report(report::render_html_report({run.document()}));
      end["report"] = "/report.html";
      // The verdicts of the whole run, as the summary gives them.
      if (run.extra.contains("thresholds"))
        end["thresholds"] = run.extra.at("thresholds");
    } catch (const std::exception &e) {
      end["problem"] = e.what();
    }
  }
  log_.push("end", end.dump());
  return "";
}

}  // namespace golo::cli::dashboard
