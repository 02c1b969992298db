// Steps and checks (ABI 1.1) from known inputs: exact counts and nearest-
// rank percentiles per step name, checks apart from errors, the run-wide
// name limit, and exact merges across recorders (hosts), through JSON too.
#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>

#include "golo/agent/executor.h"

#include "executor_choice.h"
#include "golo/agent/report.h"
#include "golo/agent/results.h"
#include "golo/agent/series.h"
#include "recorder.h"

using namespace golo::agent;
using namespace golo::agent::detail;

namespace {

// Iteration i (0-based) of the known journey: "login" takes (i + 1) us,
// "checkout" 5 us and fails when i % 10 == 9, check "ok" fails when
// i % 4 == 0. Names first run in journey order (login before checkout),
// not alphabetical order.
void journey(std::uint64_t i, IterationOutcome &out) {
  out.clear();
  auto &login = out.steps.add();
  login.name = "login";
  login.duration_ns = static_cast<std::int64_t>(i + 1) * 1000;
  login.failed = false;
  auto &checkout = out.steps.add();
  checkout.name = "checkout";
  checkout.duration_ns = 5000;
  checkout.failed = i % 10 == 9;
  auto &check = out.checks.add();
  check.name = "ok";
  check.passed = i % 4 != 0;
}

RunResults results_of(const Recorder &rec, double duration_s = 1.0) {
  RunResults r;
  r.duration_s = duration_s;
  r.tag_sets = rec.tag_sets();
  for (const auto &s : r.tag_sets) r.total.merge(s);
  r.steps_dropped = rec.steps_dropped();
  r.checks_dropped = rec.checks_dropped();
  return r;
}

void check_known(const TagSetStats &s, std::uint64_t n) {
  REQUIRE(s.steps.size() == 2);
  const StepStats &login = s.steps[0];
  const StepStats &checkout = s.steps[1];
  CHECK(login.name == "login");
  CHECK(checkout.name == "checkout");
  CHECK(login.count == n);
  CHECK(login.errors == 0);
  CHECK(checkout.count == n);
  CHECK(checkout.errors == n / 10);
  CHECK(checkout.error_rate() == doctest::Approx(0.1));
  // Nearest rank: p50 of 1..n us is the (n/2)-th smallest, p99 the
  // ceil(0.99 n)-th, reported within 1/1024 above.
  Histogram expected;
  for (std::uint64_t i = 0; i < n; ++i)
    expected.record(static_cast<std::int64_t>(i + 1) * 1000);
  CHECK(login.latency == expected);
  const auto p50 = login.latency.value_at_percentile(50);
  const auto p99 = login.latency.value_at_percentile(99);
  const std::int64_t want50 = static_cast<std::int64_t>(n / 2) * 1000;
  const std::int64_t want99 =
      static_cast<std::int64_t>(Histogram::percentile_rank(99, n)) * 1000;
  CHECK(p50 >= want50);
  CHECK(p50 <= want50 + want50 / 1024);
  CHECK(p99 >= want99);
  CHECK(p99 <= want99 + want99 / 1024);
  CHECK(login.latency.min() == 1000);
  CHECK(login.latency.max() == static_cast<std::int64_t>(n) * 1000);
  CHECK(checkout.latency.value_at_percentile(99) >= 5000);
  CHECK(checkout.latency.value_at_percentile(99) <= 5000 + 5);
  REQUIRE(s.checks.size() == 1);
  CHECK(s.checks[0].name == "ok");
  CHECK(s.checks[0].passes == n - (n + 3) / 4);
  CHECK(s.checks[0].fails == (n + 3) / 4);
}

}  // namespace

TEST_CASE("steps: per-step histograms and counts from known inputs") {
  Recorder rec({}, 4);
  IterationOutcome out;
  std::string key;
  for (std::uint64_t i = 0; i < 100; ++i) {
    journey(i, out);
    rec.record(static_cast<std::uint32_t>(i % 4), out, 10'000, key);
  }
  const RunResults r = results_of(rec);
  REQUIRE(r.tag_sets.size() == 1);
  check_known(r.tag_sets[0], 100);
  check_known(r.total, 100);
  // Failed steps and failed checks do not make the iterations errors.
  CHECK(r.total.iterations == 100);
  CHECK(r.total.errors == 0);
  CHECK(r.total.checks[0].pass_rate() == doctest::Approx(0.75));
  CHECK(r.steps_dropped == 0);
}

TEST_CASE("steps: per tag set, adding up to the total") {
  Recorder rec({"kind"}, 2);
  IterationOutcome out;
  std::string key;
  for (std::uint64_t i = 0; i < 40; ++i) {
    journey(i, out);
    out.tags.add("kind", i % 2 ? "odd" : "even");
    rec.record(static_cast<std::uint32_t>(i % 2), out, 10'000, key);
  }
  const RunResults r = results_of(rec);
  REQUIRE(r.tag_sets.size() == 2);
  CHECK(r.tag_sets[0].steps[0].count == 20);
  CHECK(r.tag_sets[1].steps[0].count == 20);
  CHECK(r.tag_sets[0].steps[1].errors + r.tag_sets[1].steps[1].errors == 4);
  check_known(r.total, 40);
}

TEST_CASE("steps: two hosts' results merge exactly, through JSON too") {
  Recorder all({}, 2), a({}, 2), b({}, 3);
  IterationOutcome out;
  std::string key;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    journey(i, out);
    all.record(0, out, 10'000, key);
    (i % 3 ? a : b).record(static_cast<std::uint32_t>(i % 5), out, 10'000, key);
  }
  // A name only one host ran comes after the others, counted once.
  IterationOutcome refund;
  auto &step = refund.steps.add();
  step.name = "refund";
  step.duration_ns = 7000;
  b.record(0, refund, 10'000, key);
  all.record(0, refund, 10'000, key);

  RunResults merged = RunResults::from_json(
      nlohmann::json::parse(results_of(a).to_json().dump()));
  merged.merge(RunResults::from_json(
      nlohmann::json::parse(results_of(b).to_json().dump())));
  const RunResults one = results_of(all);
  REQUIRE(merged.total.steps.size() == 3);
  REQUIRE(one.total.steps.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(merged.total.steps[i].name == one.total.steps[i].name);
    CHECK(merged.total.steps[i].count == one.total.steps[i].count);
    CHECK(merged.total.steps[i].errors == one.total.steps[i].errors);
    CHECK(merged.total.steps[i].latency == one.total.steps[i].latency);
  }
  CHECK(merged.total.steps[2].name == "refund");
  CHECK(merged.total.steps[2].count == 1);
  CHECK(merged.total.checks == one.total.checks);
  CHECK(merged.tag_sets[0].steps[0].latency ==
        one.tag_sets[0].steps[0].latency);
}

TEST_CASE("steps: names past a host's limit are dropped and counted") {
  Recorder rec({}, 1);
  IterationOutcome out;
  std::string key;
  for (std::size_t i = 0; i < kMaxHostStepNames + 6; ++i) {
    out.clear();
    auto &step = out.steps.add();
    step.name = "step " + std::to_string(i);
    step.duration_ns = 1000;
    auto &check = out.checks.add();
    check.name = "check " + std::to_string(i);
    check.passed = true;
    rec.record(0, out, 1000, key);
  }
  // Dropped on the plugin's side (NULL names, past GOLO_MAX_STEPS) add in.
  out.clear();
  out.steps_dropped = 2;
  out.checks_dropped = 3;
  rec.record(0, out, 1000, key);
  const RunResults r = results_of(rec);
  CHECK(r.total.steps.size() == kMaxHostStepNames);
  CHECK(r.total.checks.size() == kMaxHostStepNames);
  CHECK(r.steps_dropped == 6 + 2);
  CHECK(r.checks_dropped == 6 + 3);
  CHECK(r.total.iterations == kMaxHostStepNames + 7);
  const auto j = r.to_json();
  CHECK(j.at("steps_dropped") == 8);
  CHECK(RunResults::from_json(j).checks_dropped == 9);
  std::ostringstream text;
  print_summary(text, r);
  CHECK(text.str().find("dropped 8 step(s) and 9 check(s)") !=
        std::string::npos);
}

TEST_CASE(
    "steps: the results name the 64 most run and count the rest as _other") {
  // Two hosts meet 70 names in opposite orders; name k runs k + 1 times on
  // each, taking k + 1 us, failing (step and check) on its first run.
  Recorder a({}, 1), b({}, 1);
  IterationOutcome out;
  std::string key;
  constexpr std::size_t kNames = kMaxStepNames + 6;
  for (Recorder *rec : {&a, &b})
    for (std::size_t n = 0; n < kNames; ++n) {
      const std::size_t k = rec == &a ? n : kNames - 1 - n;
      for (std::size_t run = 0; run <= k; ++run) {
        out.clear();
        auto &step = out.steps.add();
        step.name = "step " + std::to_string(k);
        step.duration_ns = static_cast<std::int64_t>(k + 1) * 1000;
        step.failed = run == 0;
        auto &check = out.checks.add();
        check.name = "check " + std::to_string(k);
        check.passed = run != 0;
        rec->record(0, out, 1000, key);
      }
    }
  RunResults r = results_of(a);
  r.merge(results_of(b));
  REQUIRE(r.total.steps.size() == kNames);
  r.cap_steps();
  CHECK(r.folded_steps == 6);
  CHECK(r.folded_checks == 6);
  REQUIRE(r.total.steps.size() == kMaxStepNames + 1);
  REQUIRE(r.total.checks.size() == kMaxStepNames + 1);
  for (const auto &s : r.total.steps) {
    INFO(s.name);
    if (s.name == kOtherStep) {
      CHECK(s.count == 2 * (1 + 2 + 3 + 4 + 5 + 6));
      CHECK(s.errors == 2 * 6);
      CHECK(s.latency.min() == 1000);
      CHECK(s.latency.max() == 6000);
      continue;
    }
    const auto k = std::stoull(s.name.substr(5));
    CHECK(k >= 6);
    CHECK(s.count == 2 * (k + 1));
    CHECK(s.errors == 2);
    CHECK(s.latency.count() == s.count);
  }
  CHECK(r.total.steps.back().name == kOtherStep);
  for (const auto &c : r.total.checks) {
    INFO(c.name);
    if (c.name == kOtherStep) {
      CHECK(c.fails == 2 * 6);
      CHECK(c.passes == 2 * (1 + 2 + 3 + 4 + 5 + 6) - 12);
      continue;
    }
    const auto k = std::stoull(c.name.substr(6));
    CHECK(k >= 6);
    CHECK(c.fails == 2);
    CHECK(c.passes == 2 * k);
  }
  REQUIRE(r.tag_sets.size() == 1);
  CHECK(r.tag_sets[0].steps.size() == kMaxStepNames + 1);
  // Through JSON, and said in the summary.
  const RunResults back = RunResults::from_json(r.to_json());
  CHECK(back.folded_steps == 6);
  CHECK(back.total.steps.size() == kMaxStepNames + 1);
  std::ostringstream text;
  print_summary(text, r);
  CHECK(text.str().find("6 more step name(s) and 6 check name(s)") !=
        std::string::npos);
}

TEST_CASE("steps: results without steps (older) read, a bad step refused") {
  Recorder rec({}, 1);
  IterationOutcome out;
  std::string key;
  journey(0, out);
  rec.record(0, out, 1000, key);
  auto j = results_of(rec).to_json();
  auto old = j;
  old.erase("steps_dropped");
  old["total"].erase("steps");
  old["total"].erase("checks");
  CHECK(RunResults::from_json(old).total.steps.empty());
  j["total"]["steps"][0]["count"] = 2;  // its histogram holds 1
  CHECK_THROWS_WITH_AS(RunResults::from_json(j),
                       doctest::Contains("step \"login\" counts 2"),
                       std::invalid_argument);
}

TEST_CASE("steps: the summary shows steps under the total and a checks block") {
  Recorder rec({}, 1);
  IterationOutcome out;
  std::string key;
  for (std::uint64_t i = 0; i < 8; ++i) {
    journey(i, out);
    rec.record(0, out, 10'000, key);
  }
  std::ostringstream text;
  print_summary(text, results_of(rec, 2.0));
  const std::string s = text.str();
  const auto total = s.find("\ntotal");
  const auto login = s.find("  > login");
  const auto checkout = s.find("  > checkout");
  const auto checks = s.find("CHECK ");
  REQUIRE(total != std::string::npos);
  REQUIRE(login != std::string::npos);
  REQUIRE(checkout != std::string::npos);
  REQUIRE(checks != std::string::npos);
  CHECK(total < login);
  CHECK(login < checkout);
  CHECK(checkout < checks);
  // ok: 6 passes, 2 fails (i = 0 and 4), 75 %.
  CHECK(s.find("ok") != std::string::npos);
  CHECK(s.find("75.00%") != std::string::npos);
}

TEST_CASE("steps: a run's progress intervals add up to its results") {
  struct Runner : IterationRunner {
    void run(std::uint32_t, std::uint64_t iteration,
             IterationOutcome &out) override {
      journey(iteration, out);
    }
  };
  std::vector<Progress> progress;
  RunOptions opt;
  opt.progress_interval = std::chrono::milliseconds(100);
  opt.on_progress = [&](const Progress &p) { progress.push_back(p); };
  const RunResults r = run_on_executor(
      Schedule::parse("job: {name: x, users: 2, duration: 400ms, pacing: 1ms}",
                      "t.yaml"),
      std::make_shared<Runner>(), opt);
  REQUIRE(r.total.iterations > 0);
  REQUIRE(r.total.steps.size() == 2);
  CHECK(r.total.steps[0].count == r.total.iterations);
  CHECK(r.total.steps[1].count == r.total.iterations);
  // What a caller rebuilds from progress alone (a host lost mid-run).
  ProgressLog log;
  log.add(Progress{});
  for (const auto &p : progress) log.add(p);
  const RunResults rebuilt = log.results(nlohmann::json::object());
  REQUIRE(rebuilt.total.steps.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(rebuilt.total.steps[i].name == r.total.steps[i].name);
    CHECK(rebuilt.total.steps[i].count == r.total.steps[i].count);
    CHECK(rebuilt.total.steps[i].errors == r.total.steps[i].errors);
  }
  CHECK(rebuilt.total.checks == r.total.checks);
}

TEST_CASE("steps: an HTTP request's phase steps show as one p95 line") {
  Recorder rec({}, 1);
  IterationOutcome out;
  std::string key;
  // 20 requests: connect 2 ms on the first (a new connection), 0 after
  // (reused), so its p95 is 0; wait 7 ms and receive 3 us on each.
  for (std::int64_t i = 0; i < 20; ++i) {
    out.clear();
    const std::pair<const char *, std::int64_t> steps[] = {
        {"GET /a", 7'100'000},
        {"GET /a (connect)", i == 0 ? 2'000'000 : 0},
        {"GET /a (tls)", 0},
        {"GET /a (wait)", 7'000'000},
        {"GET /a (receive)", 3'000},
        {"login", 1'000}};
    for (const auto &[name, ns] : steps) {
      auto &s = out.steps.add();
      s.name = name;
      s.duration_ns = ns;
      s.failed = false;
      // The request itself answered 200, and 404 on the last two.
      s.status = std::string(name) == "GET /a" ? (i < 18 ? 200 : 404) : 0;
    }
    rec.record(0, out, 10'000, key);
  }
  std::ostringstream text;
  print_summary(text, results_of(rec, 2.0));
  const std::string s = text.str();
  CHECK(s.find("  > GET /a (wait)") == std::string::npos);
  CHECK(s.find("  > login") != std::string::npos);
  const auto head = s.find("PHASES P95");
  REQUIRE_MESSAGE(head != std::string::npos, s);
  const auto line = s.find("  > GET /a", head);
  REQUIRE(line != std::string::npos);
  std::istringstream cells(s.substr(line + 10, s.find('\n', line) - line - 10));
  std::string connect, tls, wait, receive, more;
  cells >> connect >> tls >> wait >> receive;
  CHECK(connect == "0ns");
  CHECK(tls == "0ns");
  CHECK(wait == "7.0ms");
  CHECK(receive == "3.0us");
  std::string statuses;
  std::getline(cells, statuses);
  CHECK(statuses == "  200:18 404:2");
  CHECK(s.find("  > login", head) == std::string::npos);  // no phases
}

TEST_CASE("steps: status codes counted per name, merged, through JSON") {
  Recorder a({}, 1), b({}, 1);
  IterationOutcome out;
  std::string key;
  const auto request = [&](Recorder &rec, int status) {
    out.clear();
    auto &s = out.steps.add();
    s.name = "GET /x";
    s.duration_ns = 1000;
    s.failed = status >= 400;
    s.status = status;
    rec.record(0, out, 1000, key);
  };
  for (int i = 0; i < 5; ++i) request(a, 200);
  request(a, 503);
  request(b, 200);
  request(b, 0);  // nothing answered: counted as a step, no status
  // 20 distinct codes in one name: 15 kept, the rest counted as other (0).
  for (int code = 100; code < 120; ++code) request(b, code);
  RunResults r = results_of(a);
  merge_steps(r.total.steps, results_of(b).total.steps);
  REQUIRE(r.total.steps.size() == 1);
  const auto &st = r.total.steps[0].statuses;
  std::uint64_t kept = 0, other = 0;
  for (const auto &[code, n] : st) (code == 0 ? other : kept) += n;
  // b's 15 slots: 200 and 100..113; 114..119 are other.
  CHECK(st.size() == 17);  // 100..113, 200, 503 and other
  CHECK(kept == 21);
  CHECK(other == 6);
  const auto round = RunResults::from_json(r.to_json());
  CHECK(round.total.steps[0].statuses == st);
  CHECK(r.to_json()["total"]["steps"][0]["statuses"]["200"] == 6);
  CHECK(r.to_json()["total"]["steps"][0]["statuses"]["503"] == 1);
  auto j = r.to_json();
  j["total"]["steps"][0]["statuses"]["2x0"] = 1;
  CHECK_THROWS_WITH_AS(RunResults::from_json(j),
                       doctest::Contains("status \"2x0\" that is not"),
                       std::invalid_argument);
}
