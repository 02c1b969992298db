// golo run from the command line (issue 24, items 2 and 4): --users,
// --duration, --rate, --pacing (and --scenario) override the schedule, and
// the summary and JSON say so; every --out is checked before any host is
// called (the host's call counter stays 0); a results file that cannot be
// written at the end falls back to a named file. One real host (noop).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {

struct Fixture {
  TempDir plugins, work{"golo-overrides"};
  std::unique_ptr<HostProcess> host;
  Fixture() {
    install_plugin(example_plugin("noop"), plugins.path(), "noop");
    // Two checks: "logged in" always passes, "order confirmed" fails on
    // every 10th checkout.
    install_plugin(example_plugin("journey"), plugins.path(), "journey");
    host = std::make_unique<HostProcess>(plugins.path());
    write_text(work.path() / "closed.yaml",
               "version: job:latest\njob: {name: noop, users: 1, duration: "
               "1, pacing: 1s}\n");
    write_text(work.path() / "open.yaml",
               "job: {name: noop, arrival_rate: 5, max_users: 5, duration: "
               "1}\n");
    write_text(work.path() / "two.yaml",
               "scenarios:\n  browse: {job: noop, users: 1, duration: 1}\n"
               "  buy: {job: noop, users: 1, duration: 1}\n");
  }
};

Fixture &fx() {
  static Fixture f;
  return f;
}

// golo run --quiet SCHEDULE on the host, in the work directory, with args;
// {exit code, stdout + stderr}.
std::pair<int, std::string> run(const std::string &schedule,
                                const std::string &args) {
  std::string out;
  const int rc = run_command("cd " + fx().work.path().string() + " && " +
                                 golo_cli_binary().string() + " run --quiet " +
                                 schedule + " --host " + fx().host->address() +
                                 " " + args + " </dev/null",
                             &out);
  return {rc, out};
}

json results(const std::string &name) {
  return json::parse(read_text(fx().work.path() / name));
}

}  // namespace

TEST_CASE("run overrides: --users and --duration change the closed model") {
  auto [rc, out] = run("closed.yaml", "--users 3 --duration 2 --out a.json");
  REQUIRE_MESSAGE(rc == 0, out);
  // 3 users, one iteration a second each, for 2 s: 6 exactly.
  const json r = results("a.json");
  CHECK(r["total"]["iterations"] == 6);
  CHECK(r["schedule"]["job"]["users"] == 3);
  CHECK(r["schedule"]["job"]["duration_s"] == 2.0);
  CHECK(r["overridden"] == json({{"users", 3}, {"duration", "2"}}));
  CHECK(out.find("overridden from the command line: duration 2, users 3\n") !=
        std::string::npos);
  // --pacing halves the time between a user's starts: 2 x 2 in 1 s.
  std::tie(rc, out) =
      run("closed.yaml", "--users 2 --pacing 500ms -e MODE=fast --out b.json");
  REQUIRE_MESSAGE(rc == 0, out);
  const json b = results("b.json");
  CHECK(b["total"]["iterations"] == 4);
  CHECK(b["overridden"] ==
        json({{"users", 2}, {"pacing", "500ms"}, {"env", {"MODE"}}}));
}

TEST_CASE("run overrides: --rate changes the open model's arrivals") {
  auto [rc, out] = run("open.yaml", "--rate 20 --out c.json");
  REQUIRE_MESSAGE(rc == 0, out);
  const json r = results("c.json");
  // Every arrival due is an iteration, dropped or interrupted: 20 in 1 s.
  const auto &t = r["total"];
  CHECK(t["iterations"].get<int>() + t["dropped"].get<int>() +
            t["interrupted"].get<int>() ==
        20);
  CHECK(r["overridden"] == json({{"arrival_rate", 20.0}}));
}

TEST_CASE("run overrides: what cannot be overridden exits 2 naming why") {
  const std::pair<std::string, std::string> cases[] = {
      {"closed.yaml --users 0",
       "golo run: with the overrides: --users 0: want a whole number of "
       "users, 1 or more\n"},
      {"closed.yaml --duration 3x",
       "golo run: with the overrides: --duration 3x: "},
      {"closed.yaml --rate 5",
       "golo run: with the overrides: --rate: the job is closed model "
       "(users): use --users\n"},
      {"open.yaml --users 5",
       "golo run: with the overrides: --users: the job is open model "
       "(arrival_rate): use --rate\n"},
      {"two.yaml --users 5",
       "golo run: with the overrides: the schedule has 2 scenarios (browse, "
       "buy): name the one to change with --scenario\n"},
      {"two.yaml --users 5 --scenario brows",
       "golo run: with the overrides: --scenario brows: no such scenario; "
       "did you mean browse? (the schedule has browse, buy)\n"},
  };
  for (const auto &[args, message] : cases) {
    auto [rc, out] = run(args, "");
    CHECK_MESSAGE(rc == 2, args);
    CHECK_MESSAGE(out.starts_with(message), out);
  }
}

TEST_CASE("run overrides: --scenario changes only the scenario it names") {
  auto [rc, out] =
      run("two.yaml", "--scenario buy --users 4 --duration 2 --out d.json");
  REQUIRE_MESSAGE(rc == 0, out);
  const json r = results("d.json");
  // browse: 1 user x 1 s; buy: 4 users x 2 s.
  CHECK(r["total"]["iterations"] == 1 + 8);
  CHECK(r["overridden"] ==
        json({{"scenario", "buy"}, {"users", 4}, {"duration", "2"}}));
}

TEST_CASE("run outputs: an unwritable --out is refused before any host call") {
  const auto before = job_calls(*fx().host, "noop");
  for (const std::string type : {"json", "csv", "html"}) {
    const std::string target = "/nonexistent-golo-dir/r." + type;
    auto [rc, out] = run("closed.yaml", "--out " + type + "=" + target);
    CHECK(rc == 2);
    CHECK_MESSAGE(out.find("--out " + type + "=" + target) == 10, out);
    CHECK(out.find("No such file or directory") != std::string::npos);
  }
  CHECK(job_calls(*fx().host, "noop") == before);
}

TEST_CASE("run outputs: results that cannot be written go to a named file") {
  // /dev/full opens, and every write to it fails (ENOSPC).
  auto [rc, out] = run("closed.yaml", "--users 2 --out json=/dev/full");
  CHECK(rc == 1);
  const std::string said =
      "golo run: cannot write /dev/full: No space left on device; the "
      "results are in ";
  const auto at = out.find(said);
  REQUIRE_MESSAGE(at != std::string::npos, out);
  const auto start = at + said.size();
  const std::string name = out.substr(start, out.find(' ', start) - start);
  CHECK(name.starts_with("golo-results-"));
  const json r = results(name);
  CHECK(r["total"]["iterations"] == 2);
  fs::remove(fx().work.path() / name);
}

TEST_CASE("run summary: a banner, ✓ and ✗, colour only on a terminal") {
  write_text(fx().work.path() / "th.yaml",
             "job: {name: journey, users: 2, duration: 1s, pacing: 20ms}\n"
             "thresholds: "
             "[\"error_rate < 50%\", \"max < 1ns\"]\n");
  // Not a terminal: no colour, the marks still there.
  std::string out;
  const std::string golo_run = golo_cli_binary().string() + " run th.yaml " +
                               "--host " + fx().host->address() +
                               " --out th.json";
  const std::string in_work = "cd " + fx().work.path().string() + " && ";
  CHECK(run_command(in_work + golo_run + " </dev/null", &out) == 99);
  CHECK_MESSAGE(
      out.find("golo run: journey (closed, 2 users), ") != std::string::npos,
      out);
  CHECK(out.find(" on 1 host; out: th.json\n") != std::string::npos);
  CHECK(out.find("✓ threshold \"error_rate < 50%\" holds") !=
        std::string::npos);
  CHECK(out.find("✗ threshold \"max < 1ns\" crossed") != std::string::npos);
  CHECK(out.find("\n✓ logged in ") != std::string::npos);
  CHECK(out.find("\n✗ order confirmed ") != std::string::npos);
  CHECK(out.find("\033[") == std::string::npos);
  // On a terminal (script(1) gives it one): green ✓, red ✗, a bold banner.
  const auto on_tty = [&](const std::string &env, const std::string &flag) {
    std::string tty;
    run_command(in_work + env + " script -qec '" + golo_run + flag +
                    "' /dev/null </dev/null",
                &tty);
    return tty;
  };
  out = on_tty("env -u NO_COLOR TERM=xterm", "");
  CHECK_MESSAGE(out.find("\033[32m✓ threshold \"error_rate < 50%\" holds") !=
                    std::string::npos,
                out);
  CHECK(out.find("\033[1;31m✗ threshold \"max < 1ns\" crossed") !=
        std::string::npos);
  CHECK(out.find("\033[1mgolo run\033[0m: journey") != std::string::npos);
  // The checks' marks too.
  CHECK(out.find("\033[32m✓\033[0m logged in ") != std::string::npos);
  CHECK(out.find("\033[1;31m✗\033[0m order confirmed ") != std::string::npos);
  // NO_COLOR, or --no-color: the same lines without escapes of colour.
  for (const auto &[env, flag] : {std::pair{"NO_COLOR=1 TERM=xterm", ""},
                                  std::pair{"TERM=xterm", " --no-color"}}) {
    out = on_tty(env, flag);
    CHECK_MESSAGE(
        out.find("✗ threshold \"max < 1ns\" crossed") != std::string::npos,
        out);
    CHECK(out.find("✗ order confirmed ") != std::string::npos);
    CHECK(out.find("\033[32m") == std::string::npos);
    CHECK(out.find("\033[1;31m") == std::string::npos);
  }
}
