#include "report/html_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "golo_version.h"
#include "report/embedded.h"
#include "report/html_escape.h"
#include "report/report_model.h"

namespace golo::cli::report {

namespace {

std::string number(double v, const char *format = "%.0f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// The summary's latency unit: µs when the slowest iteration took under
// 10 ms (plugins that answer in microseconds), else ms.
struct LatencyUnit {
  const char *name;
  double per_us;
  const char *format;
  std::string operator()(double us) const {
    return number(us * per_us, format);
  }
};
LatencyUnit unit_for(double max_us) {
  if (max_us < 10'000) return {"µs", 1, "%.1f"};
  return {"ms", 1e-3, "%.2f"};
}

std::string utc(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string exit_text(int status) {
  switch (status) {
    case 0:
      return "0 (completed, thresholds met)";
    case 1:
      return "1 (incomplete: a host failed or the run was stopped)";
    case 99:
      return "99 (completed, a threshold crossed)";
    default:
      return std::to_string(status);
  }
}

std::string tag_set_cell(const std::string &key) {
  return key.empty() ? "<td><em>(no tags)</em></td>"
                     : "<td class=\"tag\">" + html_escape(key) + "</td>";
}

void run_section(std::string &h, const RunInfo &run, std::size_t index,
                 std::size_t count) {
  h += "<section class=\"run\"><h2>";
  h += count > 1 ? "Run " + std::to_string(index + 1) : std::string("Run");
  h += "</h2>\n<table class=\"meta\">\n";
  auto row = [&h](std::string_view name, const std::string &html) {
    h += "<tr><th>";
    h += name;
    h += "</th><td>" + html + "</td></tr>\n";
  };
  row("Schedule", html_escape(run.schedule));
  if (!run.schedule_file.empty())
    row("Schedule file",
        "<span class=\"tag\">" + html_escape(run.schedule_file) + "</span>");
  row("Start", run.start_unix_ms ? utc(*run.start_unix_ms)
                                 : "<span class=\"note\">not recorded "
                                   "(results of an older golo)</span>");
  row("Duration", number(run.duration_s, "%.1f") + " s" +
                      (run.stopped_early ? " <span class=\"bad\">stopped "
                                           "early</span>"
                                         : ""));
  row("Exit status", std::string("<span class=\"") +
                         (run.exit_status == 0 ? "ok" : "bad") + "\">" +
                         html_escape(exit_text(run.exit_status)) + "</span>");
  if (run.partial)
    row("Partial",
        "<span class=\"bad\">yes</span>: some hosts' figures come "
        "from their progress only");
  h += "</table>\n";
  if (!run.hosts.empty()) {
    // With scenarios: one row per host and scenario, which says which.
    bool scenarios = false;
    for (const auto &host : run.hosts)
      scenarios = scenarios || !host.scenario.empty();
    h += "<h3>Hosts</h3><div class=\"wide\"><table class=\"hosts\">"
         "<tr><th>host</th>";
    if (scenarios) h += "<th class=\"text\">scenario</th>";
    h += "<th class=\"text\">status</th><th>ran (s)</th>"
         "<th class=\"text\">problem</th></tr>\n";
    for (const auto &host : run.hosts) {
      h += "<tr><td class=\"tag\">" + html_escape(host.address) + "</td>";
      if (scenarios)
        h += "<td class=\"tag\">" + html_escape(host.scenario) + "</td>";
      h += "<td class=\"text\">";
      h += host.ok ? "<span class=\"ok\">ok</span>"
                   : "<span class=\"bad\">failed</span>";
      if (host.partial) h += " (partial)";
      if (host.stopped_early) h += " (stopped early)";
      h += "</td><td>" + number(host.ran_s, "%.1f") +
           "</td><td class=\"text\">" + html_escape(host.error) +
           "</td></tr>\n";
    }
    h += "</table></div>\n";
  }
  h += "<h3>Thresholds</h3>\n";
  if (run.thresholds.empty()) {
    h += "<p class=\"note\">The schedule sets no thresholds.</p>\n";
  } else {
    h += "<div class=\"wide\"><table class=\"thresholds\"><tr><th>threshold"
         "</th><th class=\"text\">verdict</th><th class=\"text\">detail</th>"
         "</tr>\n";
    for (const auto &t : run.thresholds)
      h += "<tr><td class=\"tag\">" + html_escape(t.threshold) +
           "</td><td class=\"text\">" +
           (t.crossed ? "<span class=\"bad\">crossed</span>"
                      : "<span class=\"ok\">holds</span>") +
           "</td><td class=\"text\">" + html_escape(t.message) + "</td></tr>\n";
    h += "</table></div>\n";
  }
  h += "</section>\n";
}

void summary_section(std::string &h, const ReportModel &m) {
  h += "<section id=\"summary\"><h2>Summary per tag set</h2>\n"
       "<div class=\"wide\"><table class=\"summary\"><tr><th>tag set</th>"
       "<th>iterations</th><th>errors</th><th>error %</th><th>dropped</th>"
       "<th>missed</th><th>per s</th>";
  const LatencyUnit ms = unit_for(m.summary[0].latency.max);
  for (const char *name :
       {"min", "p50", "p90", "p95", "p99", "p99.9", "max", "mean"})
    h += std::string("<th>") + name + " " + ms.name + "</th>";
  h += "</tr>\n";
  bool any_errors = false;
  for (std::size_t i = 0; i < m.summary.size(); ++i) {
    const SummaryRow &r = m.summary[i];
    any_errors = any_errors || !r.error_samples.empty();
    h += "<tr>";
    h += i == 0 ? "<td><strong>all</strong></td>" : tag_set_cell(r.tag_set);
    const double error_pct = r.iterations
                                 ? 100.0 * static_cast<double>(r.errors) /
                                       static_cast<double>(r.iterations)
                                 : 0.0;
    for (const std::string &cell :
         {std::to_string(r.iterations), std::to_string(r.errors),
          number(error_pct, "%.2f"), std::to_string(r.dropped),
          std::to_string(r.missed), number(r.rate, "%.1f"), ms(r.latency.min),
          ms(r.latency.p50), ms(r.latency.p90), ms(r.latency.p95),
          ms(r.latency.p99), ms(r.latency.p999), ms(r.latency.max),
          ms(r.latency.mean)})
      h += "<td>" + cell + "</td>";
    h += "</tr>\n";
  }
  h += "</table></div>\n";
  if (any_errors) {
    h +=
        "<h3>Error samples</h3><div class=\"wide\"><table class=\"errors\">"
        "<tr><th>tag set</th><th>count</th><th class=\"text\">text</th></tr>\n";
    for (std::size_t i = 1; i < m.summary.size(); ++i)
      for (const auto &e : m.summary[i].error_samples)
        h += "<tr>" + tag_set_cell(m.summary[i].tag_set) + "<td>" +
             std::to_string(e.count) + "</td><td class=\"tag\">" +
             html_escape(e.text) + "</td></tr>\n";
    if (m.summary.size() == 1)
      for (const auto &e : m.summary[0].error_samples)
        h += "<tr><td><strong>all</strong></td><td>" + std::to_string(e.count) +
             "</td><td class=\"tag\">" + html_escape(e.text) + "</td></tr>\n";
    h += "</table></div>\n";
  }
  h += "</section>\n";
}

// "200:51 404:2" ("other": codes past the slots of one name).
std::string status_counts(const std::vector<std::pair<int, std::uint64_t>> &s) {
  std::string text;
  for (const auto &[code, n] : s)
    text += (text.empty() ? "" : " ") +
            (code ? std::to_string(code) : std::string("other")) + ":" +
            std::to_string(n);
  return text;
}

// host->http's requests: per name, the phases' p50 / p95 and the statuses.
void requests_table(std::string &h, const ReportModel &m) {
  if (m.requests.empty()) return;
  double slowest = 0;
  for (const auto &r : m.requests)
    for (double v : r.p95) slowest = std::max(slowest, v);
  const LatencyUnit ms = unit_for(slowest);
  h += "<h3>HTTP requests: phases (p50 / p95, ";
  h += ms.name;
  h += ")</h3><div class=\"wide\"><table class=\"requests\"><tr>"
       "<th>request</th><th>count</th>";
  for (const char *phase : kPhaseNames)
    h += std::string("<th>") + phase + "</th>";
  h += "<th class=\"text\">statuses</th></tr>\n";
  for (const auto &r : m.requests) {
    h += "<tr><td class=\"tag\">" + html_escape(r.name) + "</td><td>" +
         std::to_string(r.count) + "</td>";
    for (int i = 0; i < 4; ++i)
      h += "<td>" +
           (r.p95[i] < 0 ? std::string("-")
                         : ms(r.p50[i]) + " / " + ms(r.p95[i])) +
           "</td>";
    h += "<td class=\"tag\">" + status_counts(r.statuses) + "</td></tr>\n";
  }
  h += "</table></div>\n";
}

// Steps and checks (ABI 1.1), when the plugin reported any.
void steps_section(std::string &h, const ReportModel &m) {
  if (m.steps.empty() && m.checks.empty()) return;
  h += "<section id=\"steps\"><h2>Steps and checks</h2>\n";
  if (!m.steps.empty()) {
    h += "<div class=\"wide\"><table class=\"steps\"><tr><th>tag set</th>"
         "<th>step</th><th>count</th><th>errors</th><th>error %</th>"
         "<th>per s</th>";
    double slowest = 0;
    for (const auto &s : m.steps) slowest = std::max(slowest, s.latency.max);
    const LatencyUnit ms = unit_for(slowest);
    for (const char *name : {"p50", "p90", "p95", "p99", "max"})
      h += std::string("<th>") + name + " " + ms.name + "</th>";
    h += "<th class=\"text\">statuses</th></tr>\n";
    for (const auto &s : m.steps) {
      h += "<tr>";
      h += s.tag_set.empty() ? "<td><strong>all</strong></td>"
                             : tag_set_cell(s.tag_set);
      h += "<td class=\"tag\">" + html_escape(s.name) + "</td>";
      const double error_pct = s.count ? 100.0 * static_cast<double>(s.errors) /
                                             static_cast<double>(s.count)
                                       : 0.0;
      for (const std::string &cell :
           {std::to_string(s.count), std::to_string(s.errors),
            number(error_pct, "%.2f"), number(s.rate, "%.1f"),
            ms(s.latency.p50), ms(s.latency.p90), ms(s.latency.p95),
            ms(s.latency.p99), ms(s.latency.max)})
        h += "<td>" + cell + "</td>";
      h += "<td class=\"tag\">" + status_counts(s.statuses) + "</td></tr>\n";
    }
    h += "</table></div>\n";
  }
  requests_table(h, m);
  if (!m.checks.empty()) {
    h += "<div class=\"wide\"><table class=\"checks\"><tr><th>check</th>"
         "<th>passes</th><th>fails</th><th>pass %</th></tr>\n";
    for (const auto &c : m.checks) {
      const double all = static_cast<double>(c.passes + c.fails);
      h += "<tr><td class=\"tag\">" + html_escape(c.name) + "</td><td>" +
           std::to_string(c.passes) + "</td><td>" + std::to_string(c.fails) +
           "</td><td>" +
           number(all > 0 ? 100.0 * static_cast<double>(c.passes) / all : 0,
                  "%.2f") +
           "</td></tr>\n";
    }
    h += "</table></div>\n";
  }
  h += "</section>\n";
}

void chart(std::string &h, const std::string &id, const std::string &caption) {
  h += "<figure><figcaption>" + caption +
       "</figcaption><div class=\"chart\"><canvas id=\"" + id +
       "\" role=\"img\" aria-label=\"" + caption +
       "\"></canvas></div></figure>\n";
}

void charts_section(std::string &h, const ReportModel &m) {
  h += "<section id=\"charts\"><h2>Over time</h2>\n"
       "<noscript><p class=\"note\">The charts need JavaScript; the tables "
       "above hold the numbers.</p></noscript>\n<div class=\"charts\">\n";
  chart(h, "chart-iterations", "Iterations per second");
  chart(h, "chart-errors", "Errors per second");
  chart(h, "chart-users", "Active users");
  chart(h, "chart-latency", "Latency p50 / p95 / p99, all");
  const auto &sets = m.charts.at("tag_sets");
  if (!sets.empty()) {
    chart(h, "chart-sets-iterations", "Iterations per second per tag set");
    chart(h, "chart-sets-errors", "Errors per second per tag set");
  }
  for (std::size_t i = 0; i < sets.size(); ++i)
    chart(h, "chart-latency-" + std::to_string(i),
          "Latency p50 / p95 / p99, <span class=\"tag\">" +
              html_escape(sets[i].at("name").get<std::string>()) + "</span>");
  if (!m.charts.at("steps").empty()) {
    chart(h, "chart-steps-rate", "Steps: calls per second");
    chart(h, "chart-steps-p95", "Steps: p95 latency");
  }
  chart(h, "chart-distribution", "Latency distribution (whole run)");
  h += "</div>\n";
  for (const auto &note : m.notes)
    h += "<p class=\"note\">" + html_escape(note) + "</p>\n";
  h += "</section>\n";
}

std::string_view embedded(const char *data, std::size_t size) {
  return {data, size};
}

}  // namespace

// A script's text must not contain "</script" (it would end the element):
// Chart.js has none, but the file comes from outside this tree. Inside a JS
// string "<\/" is the same text.
std::string inline_script(std::string_view js) {
  std::string out;
  out.reserve(js.size());
  const auto closes_script = [js](std::size_t i) {
    constexpr std::string_view tag = "</script";
    if (js.size() - i < tag.size()) return false;
    for (std::size_t k = 0; k < tag.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(js[i + k])) != tag[k])
        return false;
    return true;
  };
  for (std::size_t i = 0; i < js.size(); ++i) {
    if (js[i] == '<' && closes_script(i)) {
      out += "<\\/";
      ++i;  // the '/'
      continue;
    }
    out += js[i];
  }
  return out;
}

std::string render_html_report(const std::vector<nlohmann::json> &runs) {
  const ReportModel m = build_report_model(runs);
  std::string title = "golo report";
  if (!m.runs[0].schedule.empty()) title += ": " + m.runs[0].schedule;

  std::string h;
  h.reserve(kChartJs_size + 64 * 1024);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, "
       "initial-scale=1\">\n"
       // Nothing may be fetched: the file is the whole report.
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
       "'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:\">\n"
       "<meta name=\"generator\" content=\"golo " GOLO_VERSION "\">\n<title>";
  h += html_escape(title);
  h += "</title>\n<style>\n";
  h += embedded(kReportCss, kReportCss_size);
  h += "</style>\n</head>\n<body>\n<header><h1>golo load test report</h1>\n";
  h += "<p class=\"lead\">" + html_escape(m.runs[0].schedule);
  if (m.runs.size() > 1)
    h += " — " + std::to_string(m.runs.size()) + " runs merged";
  h += "</p></header>\n";
  for (std::size_t i = 0; i < m.runs.size(); ++i)
    run_section(h, m.runs[i], i, m.runs.size());
  summary_section(h, m);
  steps_section(h, m);
  charts_section(h, m);

  h += "<footer><p>Written by golo " GOLO_VERSION
       ". Latencies are HDR histogram values (3 significant digits).</p>\n"
       "<details><summary>Chart.js (inlined in this file) and its "
       "license</summary><pre>";
  h += html_escape(embedded(kChartJsLicense, kChartJsLicense_size));
  h += "</pre></details></footer>\n";
  h += "<script type=\"application/json\" id=\"golo-data\">";
  h += script_json({{"charts", m.charts}});
  h += "</script>\n<script>\n";
  h += inline_script(embedded(kChartJs, kChartJs_size));
  h += "\n</script>\n<script>\n";
  h += inline_script(embedded(kReportJs, kReportJs_size));
  h += "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace golo::cli::report
