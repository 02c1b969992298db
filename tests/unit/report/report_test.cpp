// The HTML report without a browser: what reaches the page from a results
// file is escaped, files with and without the fields added within
// golo-results/1 both render, several runs merge exactly, and bad files are
// refused naming the run. (tests/integration/report_test.cpp opens a real
// run's report in chromium.)
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <string>

#include "golo/agent/histogram.h"
#include "report/html_escape.h"
#include "report/html_report.h"
#include "report/report_model.h"

using nlohmann::json;
using namespace golo::cli::report;

namespace {

const std::string kEvil = "</script><script>alert(1)</script><!--";

json histogram_of(std::initializer_list<std::int64_t> ns) {
  golo::agent::Histogram h;
  for (auto v : ns) h.record(v);
  return h.to_json();
}

json stats(const std::string &key, json tags, std::uint64_t n,
           std::uint64_t errors, std::initializer_list<std::int64_t> ns) {
  return {
      {"key", key},
      {"tags", tags},
      {"iterations", n},
      {"errors", errors},
      {"dropped", 0},
      {"interrupted", 0},
      {"error_samples", json::array({{{"text", kEvil}, {"count", errors}}})},
      {"histogram", histogram_of(ns)}};
}

// A results file as golo run writes it; `added`: with the fields added
// within golo-results/1 (start_unix_ms, unix_ms, tag_set_series).
json results(bool added, std::uint64_t scale = 1) {
  json series = json::array();
  for (int s = 1; s <= 3; ++s) {
    golo::agent::Histogram h;
    h.record(1000 * s);
    json buckets = json::array();
    for (const auto &[i, n] : h.to_sparse()) buckets.push_back({i, n * scale});
    json row = {{"second", s},
                {"iterations", 10 * scale},
                {"errors", s == 2 ? 1 : 0},
                {"dropped", 0},
                {"active_users", 2},
                {"p50_us", 1.0 * s},
                {"p95_us", 1.0 * s},
                {"p99_us", 1.0 * s},
                {"max_us", 1.0 * s},
                {"buckets", buckets}};
    if (added) row["unix_ms"] = 1764500000000 + 1000 * s;
    series.push_back(row);
  }
  json r = {
      {"format", "golo-results/1"},
      {"schedule",
       {{"file", "x.yaml"},
        {"job",
         {{"name", "j<b>"},
          {"model", "closed"},
          {"users", 2},
          {"duration_s", 3},
          {"tags", {"k"}},
          {"stages", json::array()}}}}},
      {"duration_s", 3.0},
      {"total", stats("", json::object(), 30 * scale, 1, {1000, 2000, 3000})},
      {"tag_sets",
       {stats("k=" + kEvil, {{"k", kEvil}}, 20 * scale, 1, {1000, 2000}),
        stats("k=b", {{"k", "b"}}, 10 * scale, 0, {3000})}},
      {"series", series},
      {"hosts", {{{"address", "h<1>:9999"}, {"ok", true}, {"ran_s", 3.0}}}},
      {"thresholds",
       {{{"threshold", "p99 < 1ms"},
         {"actual", 3e6},
         {"crossed", true},
         {"message", "threshold \"p99 < 1ms\" crossed: p99 = 3ms"}}}}};
  if (added) {
    r["start_unix_ms"] = 1764500000000;
    json per_set = json::array();
    for (const char *v : {"b", ""}) {
      const std::string value = *v ? v : kEvil;
      json rows = json::array();
      for (int s = 1; s <= 3; ++s)
        rows.push_back({{"second", s},
                        {"unix_ms", 1764500000000 + 1000 * s},
                        {"iterations", 5},
                        {"errors", 0},
                        {"p50_us", 1.0},
                        {"p90_us", 1.0},
                        {"p95_us", 2.0},
                        {"p99_us", 3.0},
                        {"max_us", 3.0}});
      per_set.push_back({{"tags", {{"k", value}}}, {"series", rows}});
    }
    r["tag_set_series"] = per_set;
  }
  return r;
}

}  // namespace

TEST_CASE("html_escape and script_json keep results' strings as data") {
  CHECK(html_escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;");
  const std::string s = script_json({{"k", kEvil + "\u2028"}});
  CHECK(s.find('<') == std::string::npos);
  CHECK(s.find('>') == std::string::npos);
  CHECK(s.find("\\u2028") != std::string::npos);
  CHECK(json::parse(s).at("k") == kEvil + "\u2028");  // the same text back
  // Bytes that are not UTF-8 are replaced, not a reason to fail.
  CHECK_NOTHROW(script_json({{"k", std::string("\xff\xfe")}}));
}

TEST_CASE("a report of current results: per-tag-set charts, start time") {
  const std::string html = render_html_report({results(true)});
  // Nothing from the file appears unescaped.
  CHECK(html.find(kEvil) == std::string::npos);
  CHECK(html.find("j<b>") == std::string::npos);
  CHECK(html.find("job j&lt;b&gt;, closed model, 2 users, 3 s") !=
        std::string::npos);
  CHECK(html.find("h&lt;1&gt;:9999") != std::string::npos);
  // Exactly three script elements: data, Chart.js, the report's own.
  int scripts = 0;
  for (auto at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1))
    ++scripts;
  CHECK(scripts == 3);
  CHECK(html.find("<SCRIPT") == std::string::npos);
  CHECK(html.find("2025-11-30 10:53:20 UTC") != std::string::npos);
  CHECK(html.find("id=\"chart-latency-0\"") != std::string::npos);
  CHECK(html.find("id=\"chart-latency-1\"") != std::string::npos);
  CHECK(html.find("id=\"chart-latency-2\"") == std::string::npos);
  CHECK(html.find("99 (completed, a threshold crossed)") != std::string::npos);
  CHECK(html.find("Content-Security-Policy") != std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
  // The summary: all, then the tag sets, in plain HTML.
  CHECK(html.find("<td><strong>all</strong></td><td>30</td>") !=
        std::string::npos);
  CHECK(html.find("no per-tag-set series") == std::string::npos);
}

TEST_CASE("a report of older results: the total's latency only, said so") {
  const ReportModel m = build_report_model({results(false)});
  CHECK(m.charts.at("tag_sets").empty());
  CHECK(m.charts.at("start_unix_ms").is_null());
  REQUIRE(m.notes.size() == 1);
  CHECK(m.notes[0].find("no per-tag-set series") != std::string::npos);
  CHECK(m.charts.at("total").at("x").size() == 3);
  CHECK(m.charts.at("total").at("errors")[1] == 1.0);
  const std::string html = render_html_report({results(false)});
  CHECK(html.find("not recorded") != std::string::npos);
  CHECK(html.find("id=\"chart-latency-0\"") == std::string::npos);
}

TEST_CASE("several runs merge: counts add, histograms merge exactly") {
  const ReportModel m = build_report_model({results(true), results(true, 3)});
  REQUIRE(m.runs.size() == 2);
  CHECK(m.summary[0].iterations == 120);
  CHECK(m.summary.size() == 3);
  const auto &t = m.charts.at("total");
  CHECK(t.at("iterations")[0] == 40.0);
  CHECK(t.at("active_users")[0] == 4.0);
  // Second 3 of both runs holds only 3 µs values: the merged p50 is ~3 µs.
  CHECK(t.at("p50")[2].get<double>() == doctest::Approx(3.0).epsilon(0.01));
  CHECK(m.charts.at("start_unix_ms").is_null());  // no one clock for two runs
  // The tag sets' rows have no counters here: the worst run's, said so.
  CHECK(m.charts.at("tag_sets").size() == 2);
  REQUIRE(m.notes.size() == 1);
  CHECK(m.notes[0].find("worst run's percentiles") != std::string::npos);
  CHECK(render_html_report({results(true), results(false)}).find("Run 2") !=
        std::string::npos);
}

TEST_CASE("a row covering several seconds is drawn as a per-second rate") {
  json r = results(false);
  r["series"][2]["seconds"] = 5;
  r["series"][2]["second"] = 8;
  const ReportModel m = build_report_model({r});
  CHECK(m.charts.at("total").at("x")[2] == 8);
  CHECK(m.charts.at("total").at("iterations")[2] == 2.0);
}

TEST_CASE("a file that is not golo results is refused, naming the run") {
  CHECK_THROWS_WITH_AS(render_html_report({}), "no results to report",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(render_html_report({results(true), json{{"a", 1}}}),
                       doctest::Contains("results 2: not golo results"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      render_html_report({json{{"format", "golo-results/2"}}}),
      doctest::Contains("results 1: unknown format \"golo-results/2\""),
      std::invalid_argument);
  json r = results(true);
  r.erase("total");
  CHECK_THROWS_WITH_AS(render_html_report({r}),
                       doctest::Contains("results 1: "), std::invalid_argument);
  r = results(true);
  r["series"][0]["buckets"] = {{99999999, 1}};
  CHECK_THROWS_WITH_AS(render_html_report({r}),
                       doctest::Contains("bad bucket index"),
                       std::invalid_argument);
}

TEST_CASE("steps and checks: merged across runs, per tag set, escaped") {
  // Each run: step "log<in>" 3 times in set k=b (one failed, 1/2/4 ms) and
  // twice in the other; a check passing 4 times of 5.
  const auto with_steps = [] {
    json r = results(true);
    const auto step = [](std::uint64_t count, std::uint64_t errors,
                         std::initializer_list<std::int64_t> ns) {
      return json::array({{{"name", "log<in>"},
                           {"count", count},
                           {"errors", errors},
                           {"histogram", histogram_of(ns)}}});
    };
    r["total"]["steps"] =
        step(5, 1, {1'000'000, 2'000'000, 4'000'000, 1'000'000, 1'000'000});
    r["total"]["checks"] =
        json::array({{{"name", "paid"}, {"passes", 4}, {"fails", 1}}});
    r["tag_sets"][1]["steps"] = step(3, 1, {1'000'000, 2'000'000, 4'000'000});
    r["tag_sets"][0]["steps"] = step(2, 0, {1'000'000, 1'000'000});
    return r;
  };
  const ReportModel m = build_report_model({with_steps(), with_steps()});
  // The total's row, then each set's (two sets).
  REQUIRE(m.steps.size() == 3);
  CHECK(m.steps[0].tag_set == "");
  CHECK(m.steps[0].name == "log<in>");
  CHECK(m.steps[0].count == 10);
  CHECK(m.steps[0].errors == 2);
  // Nearest rank over 10 samples: p90 is the 9th smallest, 4 ms.
  CHECK(m.steps[0].latency.p90 == doctest::Approx(4000).epsilon(0.01));
  CHECK(m.steps[0].latency.p50 == doctest::Approx(1000).epsilon(0.01));
  CHECK(m.steps[2].tag_set == "k=b");
  CHECK(m.steps[2].count == 6);
  REQUIRE(m.checks.size() == 1);
  CHECK(m.checks[0].passes == 8);
  CHECK(m.checks[0].fails == 2);
  // No step_series (an older golo's results): no steps over time, said so.
  CHECK(m.charts.at("steps").empty());
  CHECK(std::find_if(m.notes.begin(), m.notes.end(), [](const auto &n) {
          return n.find("no per-step series") != std::string::npos;
        }) != m.notes.end());
  {  // With it: calls per second and p95 of each step over time.
    json r = with_steps();
    r["step_series"] =
        json::array({{{"name", "log<in>"},
                      {"series", json::array({{{"second", 1},
                                               {"iterations", 5},
                                               {"errors", 1},
                                               {"p95_us", 4000.0}}})}}});
    const ReportModel s = build_report_model({r, r});
    REQUIRE(s.charts.at("steps").size() == 1);
    const auto &c = s.charts.at("steps")[0];
    CHECK(c.at("name") == "log<in>");
    CHECK(c.at("x") == json::array({1}));
    CHECK(c.at("iterations") == json::array({10.0}));
    CHECK(c.at("errors") == json::array({2.0}));
    CHECK(c.at("p95")[0].get<double>() == 4000.0);  // the worse run's
    CHECK(render_html_report({r}).find("id=\"chart-steps-rate\"") !=
          std::string::npos);
  }
  const std::string html = render_html_report({with_steps()});
  CHECK(html.find("<h2>Steps and checks</h2>") != std::string::npos);
  CHECK(html.find("log&lt;in&gt;") != std::string::npos);
  CHECK(html.find("log<in>") == std::string::npos);
  CHECK(html.find("<td>80.00</td>") != std::string::npos);  // pass %
  // Results without steps have no such section.
  CHECK(render_html_report({results(true)}).find("Steps and checks") ==
        std::string::npos);
}
