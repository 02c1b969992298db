// What a person reads at a glance in the summary and the progress line
// (issue 24, item 6): checks marked ✓/✗, a scenario never cut out of a tag
// set's name, and the last line rated over the time it covered.
#include <doctest/doctest.h>

#include <sstream>

#include "golo/agent/report.h"
#include "golo/agent/results.h"

using namespace golo::agent;

TEST_CASE("summary: each check is marked, ✓ when none failed, ✗ when any") {
  RunResults r;
  r.duration_s = 1;
  TagSetStats s;
  s.add_iteration(1'000'000, false);
  r.total.merge(s);
  r.total.checks.push_back({"status is 200", 9, 0});
  r.total.checks.push_back({"body has id", 7, 2});
  std::ostringstream out;
  print_summary(out, r);
  const std::string text = out.str();
  CAPTURE(text);
  CHECK(text.find("\n  CHECK ") != std::string::npos);
  CHECK(text.find("\n✓ status is 200 ") != std::string::npos);
  CHECK(text.find("\n✗ body has id ") != std::string::npos);
}

TEST_CASE("summary: a long tag set's name keeps its scenario, first") {
  RunResults r;
  r.duration_s = 1;
  TagSetStats a, b;
  // The scenario tag comes last in the key; 60 characters before it.
  a.key =
      "method=GET,name=/api/v2/catalogue/products/search/page/0001,"
      "scenario=checkout";
  b.key = "status=200,scenario=browse";
  a.add_iteration(1'000'000, false);
  b.add_iteration(1'000'000, false);
  r.tag_sets = {a, b};
  r.total.merge(a);
  r.total.merge(b);
  std::ostringstream out;
  print_summary(out, r);
  const std::string text = out.str();
  CAPTURE(text);
  // Cut after the scenario, never inside it; short names whole.
  CHECK(text.find("\nscenario=checkout,method=GET,name=/ap...") !=
        std::string::npos);
  CHECK(text.find("\nscenario=browse,status=200 ") != std::string::npos);
  CHECK(text.find("scenario=check ") == std::string::npos);
}

TEST_CASE("summary: a scenario name longer than the column stays whole") {
  RunResults r;
  r.duration_s = 1;
  TagSetStats a;
  const std::string name(50, 'x');
  a.key = "status=200,scenario=" + name;
  a.add_iteration(1'000'000, false);
  r.tag_sets = {a};
  r.total.merge(a);
  std::ostringstream out;
  print_summary(out, r);
  CAPTURE(out.str());
  CHECK(out.str().find("\nscenario=" + name + ",...") != std::string::npos);
}

TEST_CASE("progress line: at the end, rated over the whole run") {
  // The last update holds 10 iterations that ended during the graceful
  // stop: a "10.0/s" would read as the load collapsing.
  Progress last{60.5,   0,      6050, 0,  0, 10.0, 1000.0,
                2000.0, 3000.0, {},   {}, 0, {}};
  CHECK(format_progress(last, 60) ==
        "   60s/60s users 0 iters 6050 (100.0/s avg) errors 0 dropped 0 "
        "p50 1.0ms p95 2.0ms p99 3.0ms");
  // Before the end, the last second's rate.
  Progress mid{30.0,   10,     3000, 0,  0, 101.0, 1000.0,
               2000.0, 3000.0, {},   {}, 0, {}};
  CHECK(format_progress(mid, 60) ==
        "   30s/60s users 10 iters 3000 (101.0/s) errors 0 dropped 0 "
        "p50 1.0ms p95 2.0ms p99 3.0ms");
}
