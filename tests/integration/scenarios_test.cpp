// Several scenarios in one run (golo run with scenarios:): a closed and an
// open one side by side on two real hosts, each scenario's counts exact,
// its tag on every iteration, and thresholds selecting a scenario crossing
// and holding at their edges.
#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;

namespace {

bool has(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// browse: 4 users every 50 ms for 1 s, 80 iterations in all. buy: 60
// arrivals a second for 1 s from 1 s in, 60 in all; `tagged` answers
// status 200, 404 and 500 in turn on each host, the 500s flagged errors, so
// a third of buy's iterations are errors, exactly.
const char *kSchedule =
    "version: job:latest\n"
    "scenarios:\n"
    "  browse:\n"
    "    job: noop\n"
    "    users: 4\n"
    "    pacing: 50ms\n"
    "    duration: 1s\n"
    "  buy:\n"
    "    job: tagged\n"
    "    arrival_rate: 60\n"
    "    max_users: 8\n"
    "    duration: 1s\n"
    "    start_after: 1s\n"
    "thresholds:\n"
    "  - error_rate{scenario:browse} <= 0%\n"             // holds at 0
    "  - error_rate{scenario:buy, status:500} >= 100%\n"  // holds at 100 %
    "  - error_rate{scenario:buy, status:200} < 0%\n"     // crosses at 0
    "  - error_rate{scenario:buy} <= 33.3%\n"             // crosses: 33.33 %
    "  - error_rate{scenario:buy} <= 33.4%\n"             // holds
    "  - error_rate{scenario:sell} < 1%\n";               // matches nothing

std::uint64_t count_of(const nlohmann::json &sets, const std::string &tag) {
  std::uint64_t n = 0;
  for (const auto &set : sets)
    if (has(set.at("key").get<std::string>(), tag))
      n += set.at("iterations").get<std::uint64_t>();
  return n;
}

}  // namespace

TEST_CASE(
    "scenarios: a closed and an open one on two hosts, counts per "
    "scenario exact, selector thresholds at their edges") {
  TempDir plugins, work;
  install_plugin(example_plugin("noop"), plugins.path(), "noop");
  install_plugin(test_plugin("tagged"), plugins.path(), "tagged");
  HostProcess a(plugins.path()), b(plugins.path());
  write_text(work.path() / "mix.yaml", kSchedule);
  const auto json = work.path() / "mix.json";
  std::string out;
  const int rc = run_command(golo_cli_binary().string() + " run " +
                                 (work.path() / "mix.yaml").string() +
                                 " --quiet --host " + a.address() + " --host " +
                                 b.address() + " --out " + json.string(),
                             &out);
  INFO(out);
  CHECK(rc == 99);  // it ran; thresholds crossed
  // Each host ran half of each scenario.
  CHECK(job_calls(a, "noop") == 40);
  CHECK(job_calls(b, "noop") == 40);
  CHECK(job_calls(a, "tagged") == 30);
  CHECK(job_calls(b, "tagged") == 30);

  const auto results = nlohmann::json::parse(read_text(json));
  const auto &sets = results.at("tag_sets");
  CHECK(count_of(sets, "scenario=browse") == 80);
  CHECK(count_of(sets, "scenario=buy") == 60);
  CHECK(results.at("total").at("iterations") == 140);
  CHECK(results.at("total").at("errors") == 20);
  CHECK(results.at("total").at("dropped") == 0);
  // A call per scenario per host, each named.
  const auto &hosts = results.at("hosts");
  REQUIRE(hosts.size() == 4);
  std::map<std::string, int> calls;
  for (const auto &h : hosts) {
    CHECK(h.at("ok") == true);
    ++calls[h.at("scenario").get<std::string>()];
  }
  CHECK(calls == std::map<std::string, int>{{"browse", 2}, {"buy", 2}});
  CHECK(results.at("schedule").at("scenarios").size() == 2);

  const auto &th = results.at("thresholds");
  REQUIRE(th.size() == 6);
  CHECK(th[0].at("crossed") == false);
  CHECK(th[1].at("crossed") == false);
  CHECK(th[2].at("crossed") == true);
  CHECK(th[3].at("crossed") == true);
  CHECK(th[4].at("crossed") == false);
  CHECK(th[5].at("crossed") == true);
  CHECK(th[3].at("actual").get<double>() ==
        doctest::Approx(1.0 / 3).epsilon(1e-9));
  CHECK(has(out, "error_rate{scenario:sell}"));
  // The summary shows each scenario's sets.
  CHECK(has(out, "scenario=browse"));
  CHECK(has(out, "scenario=buy"));

  // buy starts after 1 s: none of its iterations is in the first second
  // of the run's series, which both scenarios count from the same start.
  int buy_rows = 0;
  for (const auto &set : results.at("tag_set_series"))
    if (has(set.at("key").get<std::string>(), "scenario=buy"))
      for (const auto &row : set.at("series")) {
        ++buy_rows;
        CHECK(row.at("second").get<int>() >= 2);
      }
  CHECK(buy_rows > 0);
}

TEST_CASE("scenarios: a host without one scenario's job stops the run") {
  TempDir plugins, work;
  install_plugin(example_plugin("noop"), plugins.path(), "noop");
  HostProcess a(plugins.path());
  write_text(work.path() / "mix.yaml", kSchedule);
  std::string out;
  CHECK(run_command(golo_cli_binary().string() + " run " +
                        (work.path() / "mix.yaml").string() +
                        " --quiet --host " + a.address(),
                    &out) == 1);
  INFO(out);
  CHECK(has(out, "golo run: host " + a.address() + ": "));
  CHECK(has(out, "tagged"));
  CHECK(job_calls(a, "noop") == 0);  // no load started on any scenario
}

TEST_CASE("scenarios: a Run call must name one scenario of the schedule") {
  TempDir plugins;
  install_plugin(example_plugin("noop"), plugins.path(), "noop");
  HostProcess host(plugins.path());
  const auto call = [&](const std::string &scenario) {
    golo::RunRequest req;
    req.set_scheduleyaml(kSchedule);
    req.set_schedulefile("mix.yaml");
    req.set_scenario(scenario);
    return run_to_end(host, req);
  };
  const auto none = call("");
  CHECK(none.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(none.error_message() ==
        "mix.yaml: a run of a scenarios: schedule names one (its scenarios: "
        "browse, buy)");
  const auto other = call("sell");
  CHECK(other.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(other.error_message() ==
        "mix.yaml: no scenario \"sell\" (its scenarios: browse, buy)");
  // A named one runs alone: browse's 4 users every 50 ms for 1 s.
  CHECK(call("browse").ok());
  CHECK(job_calls(host, "noop") == 80);
}
