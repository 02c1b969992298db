// The dashboard's one page. Its tables and charts are filled by
// dashboard.js from the event stream; the style sheet and Chart.js are the
// HTML report's, inlined, so the page fetches nothing but /events.
#include <string_view>

#include "dashboard/dashboard.h"
#include "golo_version.h"
#include "report/embedded.h"
#include "report/html_escape.h"
#include "report/html_report.h"

namespace golo::cli::dashboard {

namespace {

void chart(std::string &h, const char *id, const char *caption) {
  h += std::string("<figure><figcaption>") + caption +
       "</figcaption><div class=\"chart\"><canvas id=\"" + id +
       "\" role=\"img\" aria-label=\"" + caption +
       "\"></canvas></div></figure>\n";
}

}  // namespace

std::string render_page(const std::string &title) {
  using report::html_escape;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, "
       "initial-scale=1\">\n"
       // The report's policy, plus its own origin for the event stream.
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
       "'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
       "img-src data:; connect-src 'self'\">\n"
       "<meta name=\"generator\" content=\"golo " GOLO_VERSION
       "\">\n<title>"
       "golo dashboard: ";
  h += html_escape(title);
  h += "</title>\n<style>\n";
  h += std::string_view(report::kReportCss, report::kReportCss_size);
  h += "</style>\n</head>\n<body>\n<header><h1>golo live dashboard</h1>\n"
       "<p class=\"lead\">";
  h += html_escape(title);
  h += " — <span id=\"status\">waiting for the run to start</span> "
       "<a id=\"report\" href=\"/report.html\" download hidden>Download "
       "the report</a></p></header>\n"
       "<noscript><p class=\"note\">The dashboard needs JavaScript.</p>"
       "</noscript>\n<section id=\"thresholds-section\"><h2>Thresholds</h2>"
       "<div class=\"wide\"><table class=\"thresholds\" id=\"thresholds\">"
       "<tr><th>threshold</th><th class=\"text\">verdict</th>"
       "<th class=\"text\">detail</th></tr></table></div>"
       "<p class=\"note\" id=\"no-thresholds\" hidden>The schedule sets no "
       "thresholds.</p></section>\n"
       "<section><h2>Now</h2><div class=\"charts\">\n";
  chart(h, "chart-iterations", "Iterations per second");
  chart(h, "chart-errors", "Errors per second");
  chart(h, "chart-users", "Active users");
  chart(h, "chart-latency", "Latency p50 / p95 / p99, all");
  chart(h, "chart-sets-latency", "Latency p95 per tag set");
  chart(h, "chart-steps-rate", "Steps: calls per second");
  chart(h, "chart-steps", "Steps: p95 latency");
  h += "</div>\n<h3>Checks</h3><div class=\"wide\"><table class=\"checks\" "
       "id=\"checks\"><tr><th>check</th><th>passes</th><th>fails</th>"
       "<th>pass %</th></tr></table></div></section>\n"
       "<footer><p>golo " GOLO_VERSION
       ". Each point is one second of the run, merged over the hosts."
       "</p>\n<details><summary>Chart.js (inlined in this page) and its "
       "license</summary><pre>";
  h += html_escape(
      std::string_view(report::kChartJsLicense, report::kChartJsLicense_size));
  h += "</pre></details></footer>\n<script>\n";
  h += report::inline_script(
      std::string_view(report::kChartJs, report::kChartJs_size));
  h += "\n</script>\n<script>\n";
  h += report::inline_script(
      std::string_view(report::kDashboardJs, report::kDashboardJs_size));
  h += "</script>\n</body>\n</html>\n";
  return h;
}

}  // namespace golo::cli::dashboard
