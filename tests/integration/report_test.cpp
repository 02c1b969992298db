// golo report end to end (issue 12, item 5): a real run on a real host,
// its results turned into HTML by `golo report`, and the file opened in
// Debian's chromium (tests/browser/check_report.mjs, through playwright-core):
// no console error, no network request, every chart drawn, one point per
// second, the tables there with JavaScript off, and a tag value that is a
// <script> element shown as text, never run. The screenshot stays in
// the build tree (tests/integration/artifacts/report.png, and report.pdf:
// the page as printed).
#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;

namespace {

const std::string kEvil = "<script>window.__golo_pwned=1</script>";
// How the page names its tag set: the key escapes '=' (tag_set_key).
const std::string kEvilKey = "<script>window.__golo_pwned\\=1</script>";
const std::string kEvilKeyHtml =
    "&lt;script&gt;window.__golo_pwned\\=1&lt;/script&gt;";

fs::path browser_dir() {
  return fs::path(GOLO_TEST_SOURCE_DIR).parent_path() / "browser";
}

std::string report(const std::string &args) {
  return golo_cli_binary().string() + " report " + args;
}

// The report's chart data, as the page's script reads it.
nlohmann::json embedded_data(const std::string &page) {
  const std::string open =
      "<script type=\"application/json\" id=\"golo-data\">";
  const auto from = page.find(open);
  REQUIRE(from != std::string::npos);
  const auto start = from + open.size();
  return nlohmann::json::parse(
      page.substr(start, page.find("</script>", start) - start));
}

// Steps over time (issue 24, item 8): journey runs login, browse and
// checkout once per iteration, and fails every 10th checkout (its
// iteration's error), each step taking work_us = 30 us or more (browse
// 60): so each second's calls of each step are that second's iterations,
// checkout's failures its errors, and every p95 at least 30 us.
void check_steps_over_time(const HostProcess &host, const TempDir &work) {
  write_text(work.path() / "journey.yaml",
             "job:\n  name: journey\n  users: 2\n  pacing: 10ms\n"
             "  duration: 3s\n");
  const auto results = work.path() / "steps.json";
  const auto html = work.path() / "steps.html";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(golo_cli_binary().string() + " run --quiet --host " +
                      host.address() + " --out " + results.string() +
                      " --out html=" + html.string() + " " +
                      (work.path() / "journey.yaml").string(),
                  &out) == 0,
      out);
  const auto r = nlohmann::json::parse(read_text(results));
  std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> second;
  for (const auto &row : r.at("series"))
    second[row.at("second")] = {row.at("iterations"), row.at("errors")};
  const auto &steps = r.at("step_series");
  REQUIRE(steps.size() == 3);  // by name
  CHECK(steps[0].at("name") == "browse");
  CHECK(steps[1].at("name") == "checkout");
  CHECK(steps[2].at("name") == "login");
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>> calls;
  for (const auto &step : steps) {
    const std::string name = step.at("name");
    std::uint64_t all = 0;
    for (const auto &row : step.at("series")) {
      const auto at = second.at(row.at("second").get<std::uint64_t>());
      CHECK(row.at("iterations") == at.first);
      CHECK(row.at("errors") == (name == "checkout" ? at.second : 0));
      calls[name][row.at("second")] = row.at("iterations");
      all += row.at("iterations").get<std::uint64_t>();
    }
    CHECK(all == r.at("total").at("iterations"));
  }
  // The page's chart data: the same calls per second, and the p95s.
  const auto charts = embedded_data(read_text(html)).at("charts");
  REQUIRE(charts.at("steps").size() == 3);
  for (const auto &c : charts.at("steps")) {
    const std::string name = c.at("name");
    REQUIRE(calls.count(name) == 1);
    REQUIRE(c.at("x").size() == calls[name].size());
    for (std::size_t i = 0; i < c.at("x").size(); ++i) {
      const auto x = c.at("x")[i].get<std::uint64_t>();
      CHECK(c.at("iterations")[i].get<double>() ==
            static_cast<double>(calls[name][x]));
      if (!c.at("p95")[i].is_null())
        CHECK(c.at("p95")[i].get<double>() >= 29);  // bucket precision
    }
  }
  out.clear();
  const int rc = run_command(
      "node " + (browser_dir() / "check_report.mjs").string() + " --html " +
          html.string() + " --results " + results.string() + " --screenshot " +
          (fs::path(GOLO_TEST_TMP).parent_path() / "artifacts" / "steps.png")
              .string() +
          " --expect-chart chart-steps-rate --expect-chart chart-steps-p95",
      &out);
  CHECK_MESSAGE(rc == 0, out);
}

}  // namespace

TEST_CASE("golo report: a real run's HTML report in a real browser") {
  REQUIRE_MESSAGE(fs::exists("/usr/bin/chromium"),
                  "chromium is not installed: run scripts/install-deps.sh");
  REQUIRE_MESSAGE(
      fs::exists(browser_dir() / "node_modules" / "playwright-core"),
      "playwright-core is not installed in tests/browser: run "
      "scripts/install-deps.sh");
  TempDir plugins("golo-report-plugins");
  install_plugin(example_plugin("abi_tour"), plugins.path(), "abi_tour");
  install_plugin(example_plugin("journey"), plugins.path(), "journey");
  // The greeting becomes a tag value, hence a tag set's name in the report.
  write_text(plugins.path() / "abi_tour.conf",
             "greeting = " + kEvil + "\nfail_every = 7\n");
  HostProcess host(plugins.path());

  TempDir work("golo-report-run");
  write_text(work.path() / "tour.yaml",
             "version: job:latest\n"
             "job:\n  name: abi_tour\n  users: 3\n  duration: 4s\n"
             "  pacing: 50ms\n  tags: [greeting, even]\n"
             "thresholds:\n  - error_rate < 1%\n  - p99 < 10s\n");
  const auto results = work.path() / "results.json";
  std::string out;
  // error_rate < 1% is crossed (every 7th call fails): exit status 99.
  REQUIRE_MESSAGE(
      run_command(golo_cli_binary().string() + " run --quiet --host " +
                      host.address() + " --out " + results.string() +
                      " --out html=" + (work.path() / "run.html").string() +
                      " " + (work.path() / "tour.yaml").string(),
                  &out) == 99,
      out);
  const auto json = nlohmann::json::parse(read_text(results));
  REQUIRE(json.at("tag_sets").size() == 2);

  const auto html = work.path() / "report.html";
  out.clear();
  REQUIRE_MESSAGE(
      run_command(report(results.string() + " --html " + html.string()),
                  &out) == 0,
      out);
  const std::string page = read_text(html);
  // golo run --out html= writes the same report as golo report does later.
  const std::string live = read_text(work.path() / "run.html");
  CHECK(live.find(kEvilKeyHtml) != std::string::npos);
  CHECK(live.find(kEvil) == std::string::npos);
  CHECK(live.size() > page.size() * 9 / 10);
  CHECK(live.size() < page.size() * 11 / 10);
  CHECK(page.find(kEvil) == std::string::npos);  // only escaped
  CHECK(page.find(kEvilKeyHtml) != std::string::npos);
  CHECK(page.find("Chart.js v3") != std::string::npos);  // inlined
  CHECK(page.find("Permission is hereby granted") != std::string::npos);

  const fs::path artifacts =
      fs::path(GOLO_TEST_TMP).parent_path() / "artifacts";
  fs::create_directories(artifacts);
  out.clear();
  const int rc = run_command(
      "node " + (browser_dir() / "check_report.mjs").string() + " --html " +
          html.string() + " --results " + results.string() + " --screenshot " +
          (artifacts / "report.png").string() + " --pdf " +
          (artifacts / "report.pdf").string() + " --expect-text '" + kEvilKey +
          "' --expect-text 'error_rate < 1%'",
      &out);
  CHECK_MESSAGE(rc == 0, out);
  CHECK(fs::file_size(artifacts / "report.png") > 10000);
  CHECK(fs::file_size(artifacts / "report.pdf") > 10000);

  {  // two results merged into one report (a block, not a SUBCASE: doctest
     // would run the whole case, and its run, again)
    const auto two = work.path() / "two.html";
    out.clear();
    REQUIRE_MESSAGE(
        run_command(report(results.string() + " " + results.string() +
                           " --html " + two.string()),
                    &out) == 0,
        out);
    const std::string merged = read_text(two);
    const auto total = json.at("total").at("iterations").get<std::uint64_t>();
    CHECK(merged.find("<td><strong>all</strong></td><td>" +
                      std::to_string(2 * total) + "</td>") !=
          std::string::npos);
    CHECK(merged.find("Run 2") != std::string::npos);
  }
  check_steps_over_time(host, work);
}

TEST_CASE("golo report: bad input is named") {
  TempDir work("golo-report-bad");
  const auto html = (work.path() / "r.html").string();
  std::string out;
  CHECK(run_command(
            report((work.path() / "missing.json").string() + " --html " + html),
            &out) == 2);
  CHECK(out.find("cannot read " + (work.path() / "missing.json").string()) !=
        std::string::npos);

  write_text(work.path() / "broken.json", "{\"format\": ");
  out.clear();
  CHECK(run_command(
            report((work.path() / "broken.json").string() + " --html " + html),
            &out) == 2);
  CHECK(out.find((work.path() / "broken.json").string() + " is not JSON") !=
        std::string::npos);

  write_text(work.path() / "other.json", "{\"a\": 1}");
  write_text(work.path() / "future.json", "{\"format\": \"golo-results/9\"}");
  out.clear();
  CHECK(run_command(
            report((work.path() / "other.json").string() + " --html " + html),
            &out) == 2);
  CHECK(out.find("other.json: not golo results") != std::string::npos);
  out.clear();
  CHECK(run_command(
            report((work.path() / "future.json").string() + " --html " + html),
            &out) == 2);
  CHECK(out.find("future.json: unknown format \"golo-results/9\"") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(html));  // nothing written on an error

  out.clear();
  CHECK(run_command(report((work.path() / "other.json").string()), &out) != 0);
  CHECK(out.find("--html") != std::string::npos);
  // A valid file, and a report that cannot be written.
  write_text(work.path() / "empty.json",
             R"({"format": "golo-results/1", "schedule": {}, "duration_s": 0,
                 "total": {"iterations": 0, "errors": 0, "histogram":
                   {"count": 0, "clamped": 0, "min": 0, "max": 0, "sum": 0,
                    "buckets": []}},
                 "tag_sets": [], "series": []})");
  out.clear();
  CHECK(run_command(report((work.path() / "empty.json").string() +
                           " --html /nonexistent-dir/r.html"),
                    &out) == 1);
  CHECK(out.find("cannot write /nonexistent-dir/r.html") != std::string::npos);
  // The second file is the bad one: it is the one named.
  out.clear();
  CHECK(run_command(
            report((work.path() / "empty.json").string() + " " +
                   (work.path() / "other.json").string() + " --html " + html),
            &out) == 2);
  CHECK(out.find("other.json: not golo results") != std::string::npos);

  // --compare: two files, no --html, each bad file named.
  const std::string empty = (work.path() / "empty.json").string();
  out.clear();
  CHECK(run_command(report(empty + " --compare"), &out) == 2);
  CHECK(out.find("--compare takes exactly two results files (A and B), not "
                 "1") != std::string::npos);
  out.clear();
  CHECK(run_command(report(empty + " " + empty + " --compare --html " + html),
                    &out) == 2);
  CHECK(out.find("--html excludes --compare") != std::string::npos);
  out.clear();
  CHECK(run_command(report(empty + " " + (work.path() / "other.json").string() +
                           " --compare"),
                    &out) == 2);
  CHECK(out.find("other.json: not golo results") != std::string::npos);
  out.clear();
  CHECK(run_command(report(empty + " " + empty + " --compare"), &out) == 0);
  CHECK(out.find("rate/s") != std::string::npos);
}
