#include "golo/agent/results.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "golo/agent/report.h"
#include "golo/agent/threshold.h"

using namespace golo::agent;

namespace {

// Adds one iteration as a host's executor would count it.
void add(RunResults &r, const std::string &status, std::int64_t latency_ns,
         bool error, const std::string &text, std::uint64_t second) {
  const std::string key = "status=" + status;
  auto it = std::lower_bound(
      r.tag_sets.begin(), r.tag_sets.end(), key,
      [](const TagSetStats &s, const std::string &k) { return s.key < k; });
  if (it == r.tag_sets.end() || it->key != key) {
    it = r.tag_sets.insert(it, TagSetStats{});
    it->key = key;
    it->tags = {{"status", status}};
  }
  it->add_iteration(latency_ns, error, text);
  r.total.add_iteration(latency_ns, error, text);
  auto sec =
      std::find_if(r.series.begin(), r.series.end(),
                   [&](const SecondStats &s) { return s.second == second; });
  if (sec == r.series.end()) {
    r.series.emplace_back().second = second;
    sec = r.series.end() - 1;
  }
  ++sec->iterations;
  sec->errors += error;
  Histogram h = Histogram::from_sparse(sec->latency);
  h.record(latency_ns);
  sec->latency = h.to_sparse();
}

// Host A sees 200s and 500s, host B 200s and 404s; `whole` sees both.
void fill(RunResults &a, RunResults &b, RunResults &whole) {
  for (RunResults *r : {&a, &b, &whole}) {
    r->duration_s = 10;
    r->schedule = {{"job", {{"name", "x"}}}};
  }
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t lat = 1'000'000 + i * 7919 % 5'000'000;
    const bool bad = i % 10 == 0;
    add(a, bad ? "500" : "200", lat, bad, "boom", 1 + i / 100);
    add(whole, bad ? "500" : "200", lat, bad, "boom", 1 + i / 100);
  }
  for (int i = 0; i < 700; ++i) {
    const std::int64_t lat = 2'000'000 + i * 104729 % 90'000'000;
    const bool bad = i % 7 == 0;
    add(b, bad ? "404" : "200", lat, bad, "not found", 1 + i / 50);
    add(whole, bad ? "404" : "200", lat, bad, "not found", 1 + i / 50);
  }
  b.total.dropped = 3;
  whole.total.dropped = 3;
  a.total.interrupted = 1;
  whole.total.interrupted = 1;
}

}  // namespace

TEST_CASE("results: merging two hosts equals the results of all iterations") {
  RunResults a, b, whole;
  fill(a, b, whole);
  RunResults merged = a;
  merged.merge(b);
  CHECK(merged.to_json() == whole.to_json());
  CHECK(merged.total.iterations == 1700);
  CHECK(merged.tag_sets.size() == 3);
  CHECK(merged.series.size() == 14);
  CHECK(merged.total.latency == whole.total.latency);
  // Merging into empty results takes the other's schedule as well.
  RunResults empty;
  empty.merge(a);
  CHECK(empty.to_json() == a.to_json());
}

TEST_CASE("results: JSON round trip through text is exact") {
  RunResults a, b, whole;
  fill(a, b, whole);
  const auto j = whole.to_json();
  const auto back = RunResults::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.to_json() == j);
  CHECK(back.total.latency == whole.total.latency);
  CHECK(j["format"] == "golo-results/1");
  CHECK(j["total"]["iterations"] == 1700);
  CHECK(j["total"]["dropped"] == 3);
  CHECK(j["total"]["interrupted"] == 1);
  CHECK(j["total"]["rate"] == 170.0);
  CHECK(j["tag_sets"][0]["key"] == "status=200");
  CHECK(j["tag_sets"][0]["tags"]["status"] == "200");
  CHECK(j["tag_sets"][1]["error_samples"][0]["text"] == "not found");
  CHECK(j["tag_sets"][1]["error_samples"][0]["count"] == 100);
  CHECK(j["series"][0]["second"] == 1);
  CHECK(j["series"][0]["iterations"] == 150);  // 100 from A, 50 from B
  for (const char *k :
       {"min", "p50", "p90", "p95", "p99", "p999", "max", "mean"})
    CHECK(j["total"]["latency_us"].contains(k));

  CHECK_THROWS_AS(RunResults::from_json(nlohmann::json::object()),
                  std::invalid_argument);
  auto wrong = j;
  wrong["format"] = "other/9";
  CHECK_THROWS_WITH_AS(RunResults::from_json(wrong),
                       "results: unknown format \"other/9\"",
                       std::invalid_argument);
}

TEST_CASE(
    "results: the issue 12 fields round trip, and files without them "
    "still read") {
  RunResults a, b, whole;
  fill(a, b, whole);
  whole.start_unix_ms = 1'764'500'000'000;
  TagSetSeries set{"status=200", {{"status", "200"}}, {}};
  set.rows.emplace_back().second = 1;
  set.rows.back().iterations = 7;
  set.rows.back().latency = {{1000, 7}};
  whole.tag_set_series.push_back(set);
  const auto j = whole.to_json();
  CHECK(j["start_unix_ms"] == 1'764'500'000'000);
  CHECK(j["series"][0]["unix_ms"] == 1'764'500'001'000);  // the second's end
  CHECK(j["series"][0]["seconds"] == 1);
  CHECK(j["series"][0].contains("p90_us"));
  CHECK(j["tag_set_series"][0]["tags"]["status"] == "200");
  CHECK(j["tag_set_series"][0]["series"][0]["iterations"] == 7);
  CHECK(j["tag_set_series"][0]["series"][0]["unix_ms"] == 1'764'500'001'000);
  const auto back = RunResults::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.to_json() == j);

  // As golo wrote golo-results/1 before: none of them.
  auto old = j;
  old.erase("start_unix_ms");
  old.erase("tag_set_series");
  for (auto &row : old["series"])
    for (const char *k : {"unix_ms", "seconds", "p90_us"}) row.erase(k);
  const auto read = RunResults::from_json(old);
  CHECK(read.start_unix_ms == 0);
  CHECK(read.tag_set_series.empty());
  REQUIRE(read.series.size() == whole.series.size());
  for (std::size_t i = 0; i < read.series.size(); ++i) {
    CHECK(read.series[i].seconds == 1);
    CHECK(read.series[i].latency == whole.series[i].latency);
  }
}

TEST_CASE("results: latency summary in microseconds") {
  TagSetStats s;
  for (int us = 1; us <= 1000; ++us) s.add_iteration(us * 1000LL, false);
  const auto l = LatencyUs::of(s.latency);
  CHECK(l.min == 1.0);
  CHECK(l.max == 1000.0);
  CHECK(l.mean == 500.5);
  CHECK(l.p50 == doctest::Approx(500).epsilon(0.001));
  CHECK(l.p99 == doctest::Approx(990).epsilon(0.001));
  CHECK(l.p999 == doctest::Approx(999).epsilon(0.001));
}

TEST_CASE("results: error samples keep five distinct texts with counts") {
  TagSetStats s;
  for (int i = 0; i < 8; ++i)
    s.add_iteration(1000, true, "error " + std::to_string(i % 7));
  CHECK(s.errors == 8);
  REQUIRE(s.error_samples.size() == 5);
  CHECK(s.error_samples[0] == ErrorSample{"error 0", 2});
  CHECK(s.error_samples[4] == ErrorSample{"error 4", 1});
  s.add_iteration(1000, true, std::string(2000, 'x'));
  CHECK(s.errors == 9);  // counted even without a free sample slot
  TagSetStats t;
  t.add_iteration(1000, true, std::string(2000, 'x'));
  CHECK(t.error_samples[0].text.size() == kMaxErrorTextLen);
}

TEST_CASE("thresholds: crossed and holding with messages") {
  RunResults r;
  r.duration_s = 10;
  for (int i = 0; i < 100; ++i) r.total.add_iteration(312'400'000, i < 3, "x");
  r.total.dropped = 25;
  const std::vector<Threshold> th = {
      Threshold::parse("p99 < 250ms"),     Threshold::parse("p50 <= 312.4ms"),
      Threshold::parse("error_rate < 1%"), Threshold::parse("rate >= 20"),
      Threshold::parse("drop_rate<=20%"),  Threshold::parse("max > 1s"),
      Threshold::parse("mean < 1s")};
  const auto out = evaluate_thresholds(th, r);
  REQUIRE(out.size() == 7);
  CHECK(out[0].crossed);
  CHECK(out[0].message == "threshold \"p99 < 250ms\" crossed: p99 = 312.4ms");
  CHECK_FALSE(out[1].crossed);
  CHECK(out[1].message == "threshold \"p50 <= 312.4ms\" holds: p50 = 312.4ms");
  CHECK(out[2].crossed);
  CHECK(out[2].message ==
        "threshold \"error_rate < 1%\" crossed: error_rate = 3.00%");
  CHECK(out[3].crossed);
  CHECK(out[3].message == "threshold \"rate >= 20\" crossed: rate = 10.0/s");
  CHECK_FALSE(out[4].crossed);  // 25 of 125 attempted = 20%
  CHECK(out[4].actual == doctest::Approx(0.2));
  CHECK(out[5].crossed);
  CHECK_FALSE(out[6].crossed);
  CHECK(metric_value(Metric::min, r) == 312'400'000.0);
}

TEST_CASE("thresholds with selectors: only the tag sets that match") {
  RunResults r;
  r.duration_s = 10;
  auto set = [&](std::vector<std::pair<std::string, std::string>> tags, int n,
                 std::int64_t ns, bool error) {
    TagSetStats s;
    s.tags = tags;
    s.key = tag_set_key(tags);
    for (int i = 0; i < n; ++i) s.add_iteration(ns, error, "e");
    r.total.merge(s);
    r.tag_sets.push_back(std::move(s));
  };
  set({{"status", "200"}, {"method", "GET"}}, 100, 1'000'000, false);
  set({{"status", "200"}, {"method", "POST"}}, 50, 3'000'000, false);
  set({{"status", "500"}, {"method", "GET"}}, 10, 50'000'000, true);
  const auto out = evaluate_thresholds(
      {Threshold::parse("p95{status:200} < 5ms"),
       Threshold::parse("p50{status:200, method:GET} <= 1ms"),
       Threshold::parse("error_rate{status:500} < 1%"),
       Threshold::parse("error_rate{ status : 200 } < 1%"),
       Threshold::parse("rate{method:POST} >= 5"),
       Threshold::parse("p99 < 10ms"),
       Threshold::parse("p99{status:302} < 10ms")},
      r);
  REQUIRE(out.size() == 7);
  // 150 iterations with status 200: 100 at 1 ms, 50 at 3 ms; p95 is 3 ms.
  CHECK_FALSE(out[0].crossed);
  CHECK(out[0].message ==
        "threshold \"p95{status:200} < 5ms\" holds: p95{status:200} = 3.0ms");
  CHECK_FALSE(out[1].crossed);
  CHECK(out[1].actual == doctest::Approx(1e6).epsilon(0.001));
  CHECK(out[2].crossed);
  CHECK(out[2].message ==
        "threshold \"error_rate{status:500} < 1%\" "
        "crossed: error_rate{status:500} = 100.00%");
  CHECK_FALSE(out[3].crossed);
  CHECK(out[3].actual == 0);
  CHECK_FALSE(out[4].crossed);  // 50 in 10 s
  CHECK(out[4].actual == doctest::Approx(5.0));
  CHECK(out[5].crossed);  // all 160: the 10 at 50 ms make p99
  CHECK(out[6].crossed);
  CHECK(out[6].message ==
        "threshold \"p99{status:302} < 10ms\" crossed: no "
        "iteration had status:302");
}

TEST_CASE("thresholds on steps and checks: step: and check: selectors") {
  RunResults r;
  r.duration_s = 10;
  auto step = [](const char *name, int n, int errors, std::int64_t ns) {
    StepStats st;
    st.name = name;
    st.count = static_cast<std::uint64_t>(n);
    st.errors = static_cast<std::uint64_t>(errors);
    for (int i = 0; i < n; ++i) st.latency.record(ns);
    return st;
  };
  auto set = [&](const char *status, int n, std::vector<StepStats> steps,
                 std::vector<CheckStats> checks) {
    TagSetStats s;
    s.tags = {{"status", status}};
    s.key = tag_set_key(s.tags);
    for (int i = 0; i < n; ++i) s.add_iteration(10'000'000, false);
    s.steps = std::move(steps);
    s.checks = std::move(checks);
    r.total.merge(s);
    r.tag_sets.push_back(std::move(s));
  };
  set("200", 100,
      {step("login", 100, 0, 1'000'000), step("checkout", 100, 10, 5'000'000)},
      {{"status is 200", 100, 0}});
  set("500", 10, {step("login", 10, 10, 50'000'000)},
      {{"status is 200", 0, 10}});
  const auto out = evaluate_thresholds(
      {Threshold::parse("p99{step:login} < 10ms"),
       Threshold::parse("p99{step:login, status:200} < 10ms"),
       Threshold::parse("error_rate{step:checkout} < 5%"),
       Threshold::parse("rate{step:login} >= 11"),
       Threshold::parse("checks{check:status is 200} > 99%"),
       Threshold::parse("checks{status:200} >= 100%"),
       Threshold::parse("checks > 90%"), Threshold::parse("p99{step:pay} < 1s"),
       Threshold::parse("checks{check:nope} > 1%")},
      r);
  REQUIRE(out.size() == 9);
  // login: 100 at 1 ms and 10 at 50 ms; p99 of 110 is the 109th: 50 ms.
  CHECK(out[0].crossed);
  CHECK(out[0].message ==
        "threshold \"p99{step:login} < 10ms\" crossed: "
        "p99{step:login} = 50.0ms");
  CHECK_FALSE(out[1].crossed);
  CHECK(out[1].actual == doctest::Approx(1e6).epsilon(0.001));
  CHECK(out[2].crossed);
  CHECK(out[2].actual == doctest::Approx(0.1));
  CHECK_FALSE(out[3].crossed);  // 110 logins in 10 s
  CHECK(out[3].actual == doctest::Approx(11.0));
  CHECK(out[4].crossed);
  CHECK(out[4].message ==
        "threshold \"checks{check:status is 200} > 99%\" crossed: "
        "checks{check:status is 200} = 90.91%");
  CHECK_FALSE(out[5].crossed);
  CHECK(out[5].actual == 1.0);
  CHECK_FALSE(out[6].crossed);
  CHECK(out[7].crossed);
  CHECK(out[7].message ==
        "threshold \"p99{step:pay} < 1s\" crossed: no "
        "iteration ran step \"pay\"");
  CHECK(out[8].crossed);
  CHECK(out[8].message ==
        "threshold \"checks{check:nope} > 1%\" crossed: no "
        "iteration ran check \"nope\"");
  CHECK_THROWS_WITH(Threshold::parse("p99_corrected{step:login} < 1s"),
                    "threshold \"p99_corrected{step:login} < 1s\": a step "
                    "has no p99_corrected (a step selector takes p50..p999, "
                    "min, max, mean, error_rate and rate)");
  CHECK_THROWS_WITH(Threshold::parse("p99{check:ok} < 1s"),
                    "threshold \"p99{check:ok} < 1s\": a check selector goes "
                    "with the checks metric (e.g. checks{check:ok} > 99%)");
}

TEST_CASE("progress: hosts' interval percentiles merge from their histograms") {
  // Host A: 100 iterations at 1 ms; host B: 100 at 10 ms. Over all 200 the
  // median is 1 ms and p95/p99 are 10 ms; the worst host's would say 10 ms
  // for all three.
  auto part = [](std::int64_t ns, std::uint64_t n) {
    Histogram h;
    for (std::uint64_t i = 0; i < n; ++i) h.record(ns);
    Progress p{2.0,      1,        300,           1,  0, 100.0, ns / 1e3,
               ns / 1e3, ns / 1e3, h.to_sparse(), {}, 0, {}};
    return p;
  };
  const Progress all = combine({part(1'000'000, 100), part(10'000'000, 100)});
  CHECK(all.iterations == 600);
  CHECK(all.errors == 2);
  CHECK(all.active_users == 2);
  CHECK(all.interval_rate == doctest::Approx(200.0));
  CHECK(all.p50_us == doctest::Approx(1000).epsilon(0.001));
  CHECK(all.p95_us == doctest::Approx(10000).epsilon(0.001));
  CHECK(all.p99_us == doctest::Approx(10000).epsilon(0.001));

  // A host that sends percentiles without a histogram cannot be merged:
  // then the worst host's figures stand.
  Progress bare = part(10'000'000, 100);
  bare.interval.clear();
  const Progress mixed = combine({part(1'000'000, 100), bare});
  CHECK(mixed.p50_us == doctest::Approx(10000));
  // One idle in the interval (no histogram, no percentiles) changes nothing.
  const Progress idle = combine({part(1'000'000, 100), Progress{}});
  CHECK(idle.p50_us == doctest::Approx(1000).epsilon(0.001));
}

TEST_CASE("report: progress line") {
  Progress p{12.0,   10,     1200, 3,  0, 100.0, 1234.0,
             3456.0, 5678.0, {},   {}, 0, {}};
  CHECK(format_progress(p) ==
        "   12s users 10 iters 1200 (100.0/s) errors 3 dropped 0 p50 1.2ms "
        "p95 3.5ms p99 5.7ms");
  // With the planned length: elapsed/total, so the time left shows.
  CHECK(format_progress(p, 300) ==
        "   12s/300s users 10 iters 1200 (100.0/s) errors 3 dropped 0 p50 "
        "1.2ms p95 3.5ms p99 5.7ms");
}

TEST_CASE("report: summary table") {
  RunResults r;
  r.duration_s = 2;
  TagSetStats ok, bad;
  ok.key = "status=200";
  bad.key = "status=500";
  for (int i = 0; i < 4; ++i) ok.add_iteration(2'000'000, false);
  bad.add_iteration(40'000'000, true, "boom");
  r.tag_sets = {ok, bad};
  r.total.merge(ok);
  r.total.merge(bad);
  r.total.dropped = 2;
  std::ostringstream out;
  print_summary(out, r);
  CHECK(out.str() ==
        "TAG SET      ITERATIONS   RATE/S  ERRORS    ERR%      P50      P90 "
        "     P95      P99      MAX\n"
        "status=200            4      2.0       0   0.00%    2.0ms    2.0ms "
        "   2.0ms    2.0ms    2.0ms\n"
        "status=500            1      0.5       1 100.00%   40.0ms   40.0ms "
        "  40.0ms   40.0ms   40.0ms\n"
        "total                 5      2.5       1  20.00%    2.0ms   40.0ms "
        "  40.0ms   40.0ms   40.0ms\n"
        "dropped 2 (no free user), interrupted 0 (still running at the end)\n"
        "error x1 [status=500] boom\n");
}

TEST_CASE("report: columns never run together, whatever the counts") {
  RunResults r;
  r.duration_s = 1e-3;  // a rate in the billions
  TagSetStats big;
  big.key = "k";
  big.add_iteration(3'000'000'000'000, true, "x");  // 50 min: a long cell
  big.iterations = 123'456'789'012;
  big.errors = 98'765'432'109;
  r.tag_sets = {big};
  r.total.merge(big);
  std::ostringstream out;
  print_summary(out, r);
  std::istringstream lines(out.str());
  std::string line;
  for (int i = 0; i < 3 && std::getline(lines, line); ++i) {
    CAPTURE(line);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    // TAG SET is two words in the header; every other cell is one.
    CHECK(w.size() == (i == 0 ? 11u : 10u));
  }
  CHECK(out.str().find("123456789012") != std::string::npos);
}
