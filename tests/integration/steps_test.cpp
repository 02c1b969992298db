// Steps and checks (ABI 1.1) end to end: plugins/journey through a real
// golo-host, by `golo run` (summary and JSON), by Job.Trigger (the RPC and
// `golo trigger`), and through a remote target; a plugin built for ABI 1.0
// on this 1.1 host; and bad steps and checks counted, logged once, never a
// crash.
#include <doctest/doctest.h>

#include <golo/plugin.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {

std::string cli() { return golo_cli_binary().string() + " "; }

std::uint64_t u64(const json &j, const char *key) {
  return j.at(key).get<std::uint64_t>();
}

// journey with 20 us steps, every 10th checkout failing.
void install_journey(const fs::path &dir) {
  install_plugin(example_plugin("journey"), dir, "journey");
  write_text(dir / "journey.conf", "work_us = 20\nfail_rate = 0.1\n");
}

fs::path journey_schedule(const TempDir &work) {
  const auto path = work.path() / "journey.yaml";
  write_text(path,
             "job:\n  name: journey\n  users: 2\n  pacing: 2ms\n"
             "  duration: 1s\n");
  return path;
}

// A run's JSON holds journey's three steps, each once per iteration, and
// its two checks; the failed checkouts are the iterations' errors. Each
// host's plugin fails floor(its n x 0.1) of the checkouts it counts: on h
// hosts the sum is within h of floor(n x 0.1).
void check_journey_results(const json &results, std::uint64_t hosts = 1) {
  const json &total = results.at("total");
  const auto iterations = u64(total, "iterations");
  REQUIRE(iterations > 0);
  CHECK(u64(total, "interrupted") == 0);
  const json &steps = total.at("steps");
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].at("name") == "login");
  CHECK(steps[1].at("name") == "browse");
  CHECK(steps[2].at("name") == "checkout");
  std::uint64_t all_steps = 0;
  for (const auto &s : steps) {
    CHECK(u64(s, "count") == iterations);
    CHECK(u64(s.at("histogram"), "count") == iterations);
    all_steps += u64(s, "count");
    // Each step sleeps at least its 20 us (browse 40 us).
    CHECK(s.at("latency_us").at("min").get<double>() >= 20.0);
  }
  CHECK(all_steps == 3 * iterations);
  CHECK(u64(steps[0], "errors") == 0);
  CHECK(u64(steps[1], "errors") == 0);
  // floor(n x 0.1) checkouts fail, each one an errored iteration. A
  // plugin's count goes on from the calls it served before this run (one
  // Trigger, say), which moves the floor by at most one per host.
  const auto failed = u64(steps[2], "errors");
  CHECK(failed <= iterations / 10 + hosts);
  CHECK(failed + hosts >= iterations / 10);
  CHECK(u64(total, "errors") == failed);
  const json &checks = total.at("checks");
  REQUIRE(checks.size() == 2);
  CHECK(checks[0].at("name") == "logged in");
  CHECK(u64(checks[0], "passes") == iterations);
  CHECK(u64(checks[0], "fails") == 0);
  CHECK(checks[1].at("name") == "order confirmed");
  CHECK(u64(checks[1], "passes") == iterations - failed);
  CHECK(u64(checks[1], "fails") == failed);
  CHECK(u64(results, "steps_dropped") == 0);
  CHECK(u64(results, "checks_dropped") == 0);
  // The tag set (untagged) has them too.
  REQUIRE(results.at("tag_sets").size() == 1);
  CHECK(results.at("tag_sets")[0].at("steps") == steps);
}

}  // namespace

TEST_CASE(
    "journey: golo run shows its steps and checks, Trigger returns them") {
  TempDir dir, work;
  install_journey(dir.path());
  install_plugin(test_plugin("abi_1_0"), dir.path(), "abi_1_0");
  HostProcess host(dir.path());

  // golo run: the summary has the steps under the total and a checks
  // block; the JSON's counts add up.
  const auto out_file = work.path() / "journey.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --host " + host.address() + " --out " +
                      out_file.string() + " " + journey_schedule(work).string(),
                  &out) == 0,
      out);
  CHECK(out.find("  > login") != std::string::npos);
  CHECK(out.find("  > checkout") != std::string::npos);
  CHECK(out.find("order confirmed") != std::string::npos);
  check_journey_results(json::parse(read_text(out_file)));

  // Job.Trigger: the response carries the steps in order, and the checks.
  golo::Response resp;
  REQUIRE(host.trigger("journey", resp).ok());
  REQUIRE(resp.steps_size() == 3);
  CHECK(resp.steps(0).name() == "login");
  CHECK(resp.steps(1).name() == "browse");
  CHECK(resp.steps(2).name() == "checkout");
  for (const auto &s : resp.steps()) CHECK(s.durationnanos() >= 20'000);
  // The steps ran inside the call the host timed.
  CHECK(resp.durationnanos() >= resp.steps(0).durationnanos() +
                                    resp.steps(1).durationnanos() +
                                    resp.steps(2).durationnanos());
  REQUIRE(resp.checks_size() == 2);
  CHECK(resp.checks(0).name() == "logged in");
  CHECK(resp.checks(0).passed());
  CHECK(resp.stepsdropped() == 0);

  // golo trigger prints them.
  std::string text;
  REQUIRE(run_command(cli() + "trigger journey --host " + host.address(), &text,
                      false) != 1);
  INFO(text);
  const auto printed = json::parse(text);
  REQUIRE(printed.at("steps").size() == 3);
  CHECK(printed.at("steps")[2].at("name") == "checkout");
  CHECK(printed.at("checks")[1].at("name") == "order confirmed");
  CHECK(printed.at("stepsDropped") == 0);

  // A plugin built for ABI 1.0 loads and runs on this 1.1 host unchanged.
  golo::Response old;
  REQUIRE(host.trigger("abi_1_0", old).ok());
  CHECK(old.output() == "1.0 here");
  CHECK(tag(old, "abi") == "1.0");
  CHECK(old.steps_size() == 0);
  CHECK(old.checks_size() == 0);
}

TEST_CASE("steps through a remote target, and bad steps counted not fatal") {
  TempDir dir_a, dir_b, work;
  install_journey(dir_a.path());
  install_journey(dir_b.path());
  install_plugin(test_plugin("steps_misuse"), dir_b.path(), "steps_misuse");
  HostProcess host_a(dir_a.path()), host_b(dir_b.path());

  // Both hosts run journey: their steps merge exactly into one result.
  const auto fleet_file = work.path() / "fleet.json";
  std::string fleet_out;
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host_a.address() +
                                  " --host " + host_b.address() + " --out " +
                                  fleet_file.string() + " " +
                                  journey_schedule(work).string(),
                              &fleet_out) == 0,
                  fleet_out);
  const auto fleet = json::parse(read_text(fleet_file));
  check_journey_results(fleet, 2);
  REQUIRE(fleet.at("hosts").size() == 2);

  // Host A runs journey as Job.Trigger RPCs to host B (not its own):
  // each response's steps become A's iteration's steps.
  const auto out_file = work.path() / "remote.json";
  std::string out;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --quiet --host " + host_a.address() +
                      " --remote-target " + host_b.address() + " --out " +
                      out_file.string() + " " + journey_schedule(work).string(),
                  &out) == 0,
      out);
  check_journey_results(json::parse(read_text(out_file)));

  // steps_misuse: per call 64 steps kept (1 long name cut to 128 bytes, 63
  // "many"), 5 dropped; 1 check kept, 2 dropped.
  golo::Response resp;
  REQUIRE(host_b.trigger("steps_misuse", resp).ok());
  CHECK(resp.steps_size() == GOLO_MAX_STEPS);
  CHECK(resp.steps(0).name() == std::string(GOLO_MAX_STEP_NAME_BYTES, 'L'));
  CHECK(resp.stepsdropped() == 5);
  CHECK(resp.checks_size() == 1);
  CHECK(resp.checksdropped() == 2);

  const auto schedule = work.path() / "misuse.yaml";
  write_text(schedule,
             "job:\n  name: steps_misuse\n  users: 1\n  pacing: 20ms\n"
             "  duration: 500ms\n");
  const auto misuse_file = work.path() / "misuse.json";
  std::string summary;
  REQUIRE_MESSAGE(
      run_command(cli() + "run --host " + host_b.address() + " --out " +
                      misuse_file.string() + " " + schedule.string(),
                  &summary) == 0,
      summary);
  CHECK(summary.find(" step(s) and ") != std::string::npos);
  const auto results = json::parse(read_text(misuse_file));
  const json &total = results.at("total");
  const auto n = u64(total, "iterations");
  REQUIRE(n > 0);
  CHECK(u64(total, "errors") == 0);
  REQUIRE(total.at("steps").size() == 2);
  CHECK(u64(total.at("steps")[0], "count") == n);
  CHECK(u64(total.at("steps")[1], "count") == 63 * n);
  CHECK(u64(total.at("steps")[1], "errors") == 31 * n);  // i % 2 of 0..62
  CHECK(u64(results, "steps_dropped") == 5 * n);
  CHECK(u64(results, "checks_dropped") == 2 * n);
  REQUIRE(total.at("checks").size() == 1);
  CHECK(u64(total.at("checks")[0], "passes") == n);

  // Logged once for the loaded version, however many calls dropped some.
  const std::string log = host_b.log();
  const std::string line = "plugin steps_misuse (generation";
  const auto first = log.find(line);
  REQUIRE(first != std::string::npos);
  CHECK(log.find(line, first + 1) == std::string::npos);
  // Each call drops 5 steps, then 2 checks: the line names the last.
  CHECK_MESSAGE(
      log.find("dropped 5 step(s) and 2 check(s), the last for a "
               "check with a NULL or empty name") != std::string::npos,
      log);
  // The host still serves.
  REQUIRE(host_b.trigger("journey", resp).ok());
}

TEST_CASE(
    "journey against a scripted HTTP shop (nginx), logging in as each "
    "user of a data file: steps, checks and the shop's own log agree") {
  NginxProcess shop;
  TempDir plugins, work;
  install_plugin(example_plugin("journey"), plugins.path(), "journey");
  write_text(plugins.path() / "journey.conf",
             "target = 127.0.0.1:" + std::to_string(shop.port()) + "\n");
  HostProcess host(plugins.path());
  // The shop refuses checkout to users named blocked...: users 2 and 4 of
  // 5. per_user: user u is row u, every 50 ms for 1 s, 20 iterations each.
  write_text(work.path() / "users.csv",
             "user\nalice\nbob\nblocked-carl\ndave o'neil\nblocked-erin\n");
  write_text(work.path() / "shop.yaml",
             "job:\n  name: journey\n  users: 5\n  pacing: 50ms\n"
             "  duration: 1s\n"
             "  data: {file: users.csv, mode: per_user, columns: [user]}\n");
  const auto json_file = work.path() / "shop.json";
  std::string out;
  REQUIRE_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                  " --out " + json_file.string() + " " +
                                  (work.path() / "shop.yaml").string(),
                              &out) == 0,
                  out);
  const json r = json::parse(read_text(json_file));
  const json &total = r.at("total");
  CHECK(u64(total, "iterations") == 100);
  CHECK(u64(total, "errors") == 40);
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> steps;
  for (const auto &s : total.at("steps"))
    steps[s.at("name")] = {u64(s, "count"), u64(s, "errors")};
  CHECK(steps["login"] == std::pair<std::uint64_t, std::uint64_t>{100, 0});
  CHECK(steps["browse"] == std::pair<std::uint64_t, std::uint64_t>{100, 0});
  CHECK(steps["checkout"] == std::pair<std::uint64_t, std::uint64_t>{100, 40});
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> checks;
  for (const auto &c : total.at("checks"))
    checks[c.at("name")] = {u64(c, "passes"), u64(c, "fails")};
  CHECK(checks["logged in"] == std::pair<std::uint64_t, std::uint64_t>{100, 0});
  CHECK(checks["order confirmed"] ==
        std::pair<std::uint64_t, std::uint64_t>{60, 40});

  // What the shop saw: each user's 20 checkouts, the blocked ones refused
  // (the user name percent-encoded on the way, decoded by nginx's log).
  std::map<std::string, int> seen;
  std::istringstream log(read_text(shop.checkout_log()));
  for (std::string line; std::getline(log, line);) ++seen[line];
  CHECK(seen == std::map<std::string, int>{{"200 alice", 20},
                                           {"200 bob", 20},
                                           {"402 blocked-carl", 20},
                                           {"200 dave%20o%27neil", 20},
                                           {"402 blocked-erin", 20}});
}

TEST_CASE(
    "70 step and check names on 2 hosts: the 64 most run are named with "
    "both hosts' calls and the rest counted exactly as _other") {
  // Name k runs 2 + k times in the whole run, every third time failed
  // (step and check), spread over both hosts: the rows of a data file in
  // mode unique (host i of 2 takes the rows r with r % 2 == i), 14 items a
  // row, so each name's first two runs are 5 rows apart, on different
  // hosts. A host alone would keep or drop names by the order it met them;
  // the results must pick them by the fleet's counts.
  constexpr int kNames = 70, kPerRow = 14;
  std::vector<std::string> items;
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> want;  // runs, fails
  std::map<int, std::set<std::size_t>> hosts_of;
  for (int o = 0; o < kNames + 2; ++o)
    for (int k = 0; k < kNames; ++k)
      if (o < 2 + k) {
        const bool failed = o % 3 == 2;
        hosts_of[k].insert(items.size() / kPerRow % 2);
        items.push_back(std::to_string(k) + (failed ? "!" : ""));
        ++want[k].first;
        want[k].second += failed;
      }
  std::string csv = "steps\n";
  std::uint64_t rows = 0;
  for (std::size_t i = 0; i < items.size(); i += kPerRow, ++rows) {
    for (std::size_t j = i; j < i + kPerRow && j < items.size(); ++j)
      csv += (j > i ? " " : "") + items[j];
    csv += "\n";
  }
  for (const auto &[k, hosts] : hosts_of) REQUIRE(hosts.size() == 2);

  TempDir dir, work;
  install_plugin(test_plugin("step_names"), dir.path(), "step_names");
  HostProcess host_a(dir.path()), host_b(dir.path());
  write_text(work.path() / "steps.csv", csv);
  const auto schedule = work.path() / "names.yaml";
  write_text(schedule,
             "job:\n  name: step_names\n  users: 2\n  pacing: 0\n"
             "  duration: 60s\n  data: {file: steps.csv, mode: unique}\n");
  const auto out_file = work.path() / "names.json";
  std::string out;
  REQUIRE_MESSAGE(run_command(cli() + "run --host " + host_a.address() +
                                  " --host " + host_b.address() + " --out " +
                                  out_file.string() + " " + schedule.string(),
                              &out) == 0,
                  out);
  CHECK(out.find("6 more step name(s) and 6 check name(s) are counted "
                 "together as _other") != std::string::npos);
  const auto results = json::parse(read_text(out_file));
  const json &total = results.at("total");
  REQUIRE(u64(total, "iterations") == rows);
  CHECK(u64(total, "errors") == 0);
  CHECK(u64(results, "steps_folded") == 6);
  CHECK(u64(results, "checks_folded") == 6);
  CHECK(u64(results, "steps_dropped") == 0);

  // Names 6..69 run 8..71 times: named, each with exactly its count; names
  // 0..5 (2..7 runs) are _other's.
  std::uint64_t other_runs = 0, other_fails = 0;
  for (int k = 0; k < 6; ++k) {
    other_runs += want[k].first;
    other_fails += want[k].second;
  }
  const json &steps = total.at("steps");
  REQUIRE(steps.size() == 65);
  CHECK(steps.back().at("name") == "_other");
  std::set<std::string> named;
  for (const auto &s : steps) {
    const std::string name = s.at("name");
    named.insert(name);
    CHECK(u64(s.at("histogram"), "count") == u64(s, "count"));
    if (name == "_other") {
      CHECK(u64(s, "count") == other_runs);
      CHECK(u64(s, "errors") == other_fails);
      CHECK(s.at("latency_us").at("min").get<double>() == 1.0);
      CHECK(s.at("latency_us").at("max").get<double>() == 6.0);
      continue;
    }
    const int k = std::stoi(name.substr(5));
    INFO(name);
    CHECK(k >= 6);
    CHECK(u64(s, "count") == want[k].first);
    CHECK(u64(s, "errors") == want[k].second);
    // Every run of it took exactly k + 1 us.
    CHECK(s.at("latency_us").at("min").get<double>() == k + 1.0);
    CHECK(s.at("latency_us").at("max").get<double>() == k + 1.0);
  }
  CHECK(named.size() == 65);
  const json &checks = total.at("checks");
  REQUIRE(checks.size() == 65);
  for (const auto &c : checks) {
    const std::string name = c.at("name");
    INFO(name);
    if (name == "_other") {
      CHECK(u64(c, "passes") == other_runs - other_fails);
      CHECK(u64(c, "fails") == other_fails);
      continue;
    }
    const int k = std::stoi(name.substr(6));
    CHECK(k >= 6);
    CHECK(u64(c, "passes") == want[k].first - want[k].second);
    CHECK(u64(c, "fails") == want[k].second);
  }
  // The one tag set (untagged) is capped the same way.
  REQUIRE(results.at("tag_sets").size() == 1);
  CHECK(results.at("tag_sets")[0].at("steps") == steps);
  CHECK(results.at("tag_sets")[0].at("checks") == checks);
}
