// The report's parts added by issue 24 (item 8) and issue 21: status
// counts per step, the phases of host->http's requests per request name
// (not rows of the steps table), and the scenario of each host's call.
#include <doctest/doctest.h>

#include <string>

#include "golo/agent/results.h"
#include "report/chart_marks.h"
#include "report/html_report.h"

using golo::cli::report::render_html_report;

namespace {

golo::agent::StepStats step(const std::string &name, std::uint64_t n,
                            std::int64_t us) {
  golo::agent::StepStats s;
  s.name = name;
  s.count = n;
  for (std::uint64_t i = 0; i < n; ++i) s.latency.record(us * 1000);
  return s;
}

bool has(const std::string &page, const std::string &text) {
  return page.find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("html report: statuses per step and phases per request name") {
  golo::agent::RunResults r;
  r.schedule = {{"job", {{"name", "shop"}, {"users", 1}}}};
  r.duration_s = 1;
  for (int i = 0; i < 3; ++i) r.total.add_iteration(20'000'000, false);
  auto get = step("GET /cart", 3, 20'000);
  get.add_status(200, 2);
  get.add_status(404, 1);
  r.total.steps = {get, step("GET /cart (connect)", 1, 1'000),
                   step("GET /cart (wait)", 3, 15'000),
                   step("GET /cart (receive)", 3, 2'000),
                   step("think (wait)", 1, 5)};  // no step "think": a step
  auto doc = r.to_json();
  doc["hosts"] = {
      {{"address", "127.0.0.1:1"}, {"ok", true}, {"scenario", "browse"}},
      {{"address", "127.0.0.1:1"}, {"ok", true}, {"scenario", "buy"}}};
  const std::string page = render_html_report({doc});
  INFO(page.substr(page.find("<section id=\"steps\">"), 3000));
  // The steps table: the request with its statuses; its phases are not rows.
  CHECK(has(page, "<td class=\"tag\">GET /cart</td><td>3</td>"));
  CHECK(has(page, "<td class=\"tag\">200:2 404:1</td></tr>"));
  CHECK_FALSE(has(page, "<td class=\"tag\">GET /cart (wait)</td>"));
  CHECK(has(page, "<td class=\"tag\">think (wait)</td>"));
  // The requests table: one row, the phases' p50 / p95 in one unit (ms:
  // the slowest p95 is 15 ms), TLS never recorded.
  CHECK(has(page, "<h3>HTTP requests: phases (p50 / p95, ms)</h3>"));
  CHECK(has(page,
            "<tr><td class=\"tag\">GET /cart</td><td>3</td><td>1.00 / "
            "1.00</td><td>-</td><td>15.00 / 15.00</td><td>2.00 / "
            "2.00</td><td class=\"tag\">200:2 404:1</td></tr>"));
  // The hosts table says which scenario each row is.
  CHECK(has(page, "<th class=\"text\">scenario</th>"));
  CHECK(has(page,
            "<td class=\"tag\">127.0.0.1:1</td><td class=\"tag\">buy"
            "</td>"));
}

TEST_CASE("html report: thresholds drawn on the charts of their metric") {
  using golo::cli::report::ThresholdRow;
  const nlohmann::json sets = {{{"name", "status=200"}}, {{"name", "b=1"}}};
  const auto lines = golo::cli::report::threshold_lines(
      {{"p99 < 250ms", "", 0, false},
       {"rate >= 100", "", 0, true},
       {"p95{status:200} < 2ms", "", 0, false},
       {"error_rate < 1%", "", 0, false},        // no chart of its metric
       {"p95{step:login} < 1s", "", 0, false},   // no step charts over time
       {"p95{status:404} < 1s", "", 0, false}},  // that set is not charted
      sets);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == nlohmann::json{{"chart", "chart-latency"},
                                   {"value", 250000.0},
                                   {"label", "p99 < 250ms"},
                                   {"crossed", false}});
  CHECK(lines[1].at("chart") == "chart-iterations");
  CHECK(lines[1].at("value") == 100.0);
  CHECK(lines[1].at("crossed") == true);
  CHECK(lines[2].at("chart") == "chart-latency-0");
  CHECK(lines[2].at("value") == 2000.0);
  // One unit throughout, picked as the summary table picks it.
  CHECK(golo::cli::report::latency_unit(9'999).at("name") == "µs");
  CHECK(golo::cli::report::latency_unit(10'000).at("name") == "ms");
}
