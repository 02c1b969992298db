// A fleet run (golo run with several hosts): the pre-flight keeps a bad host
// from starting a partial or mixed run, --allow-partial runs on the good
// ones, and all hosts start their load at one instant.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;

namespace {

const char *kSchedule =
    "version: job:latest\njob:\n  name: noop\n  users: 4\n  pacing: 50ms\n"
    "  duration: 1s\n";

std::string cli() { return golo_cli_binary().string() + " "; }

bool has(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "pre-flight: a host without the job, with another build, out of "
    "reach or refusing the caller stops the run before any load, "
    "--allow-partial runs on the others") {
  TempDir good, other, work;
  install_plugin(example_plugin("noop"), good.path(), "noop");
  HostProcess a(good.path()), b(good.path());
  HostProcess c(other.path());  // no noop yet
  write_text(work.path() / "s.yaml", kSchedule);
  const std::string run = cli() + "run " + (work.path() / "s.yaml").string() +
                          " --quiet --host " + a.address() + " --host " +
                          b.address() + " --host " + c.address();

  {  // the job is missing on c
    std::string out;
    CHECK(run_command(run, &out) == 1);
    INFO(out);
    CHECK(has(out, "golo run: host " + c.address() + ": "));
    CHECK(has(out, "noop"));
    CHECK(has(out, "1 of 3 hosts failed the pre-flight; no load started"));
    CHECK(!has(out, "host " + a.address()));
  }
  {  // c has another build under the same job name
    install_plugin(test_plugin("fails"), other.path(), "noop");
    c.reload();
    std::string out;
    CHECK(run_command(run, &out) == 1);
    INFO(out);
    CHECK(has(out, "golo run: host " + c.address() +
                       ": job noop is another build here: sha256 "));
    CHECK(has(out, "while 2 hosts run "));
  }
  CHECK(job_calls(a, "noop") == 0);
  CHECK(job_calls(b, "noop") == 0);
  CHECK(job_calls(c, "noop") == 0);

  {  // a host out of reach
    const std::string gone = "127.0.0.1:" + std::to_string(free_port());
    std::string out;
    CHECK(run_command(cli() + "run " + (work.path() / "s.yaml").string() +
                          " --quiet --host " + a.address() + " --host " + gone,
                      &out) == 1);
    INFO(out);
    CHECK(has(
        out, "golo run: host " + gone + ": cannot reach golo-host at " + gone));
    CHECK(job_calls(a, "noop") == 0);
  }
  {  // a host that does not let this caller run
    TempDir tokens;
    write_text(tokens.path() / "tokens", "read reader-token-0123456789\n");
    write_text(tokens.path() / "mine", "reader-token-0123456789\n");
    std::filesystem::permissions(tokens.path() / "tokens",
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    std::filesystem::permissions(tokens.path() / "mine",
                                 std::filesystem::perms::owner_read |
                                     std::filesystem::perms::owner_write);
    HostProcess guarded(good.path(),
                        {"--tokens", (tokens.path() / "tokens").string()});
    std::string out;
    CHECK(run_command(cli() + "run " + (work.path() / "s.yaml").string() +
                          " --quiet --host " + a.address() + " --host " +
                          guarded.address() + " --token-file " +
                          (tokens.path() / "mine").string(),
                      &out) == 1);
    INFO(out);
    CHECK(has(out, "golo run: host " + guarded.address() + ": " +
                       guarded.address() + " refused the call: "));
    CHECK(has(out, "run role"));
    CHECK(job_calls(a, "noop") == 0);
  }

  {  // --allow-partial: a and b take all four users; c is named
    const auto json = work.path() / "partial.json";
    std::string out;
    CHECK(run_command(run + " --allow-partial --out " + json.string(), &out) ==
          0);
    INFO(out);
    CHECK(has(out, "golo run: --allow-partial: leaving out " + c.address() +
                       "; the schedule's users and rate go to the 2 hosts "
                       "that passed"));
    const auto results = nlohmann::json::parse(read_text(json));
    const auto &hosts = results.at("hosts");
    REQUIRE(hosts.size() == 3);
    CHECK(hosts[2].at("address") == c.address());
    CHECK(hosts[2].at("left_out") == true);
    CHECK(has(hosts[2].at("error").get<std::string>(), "another build"));
    const auto a_calls = job_calls(a, "noop"), b_calls = job_calls(b, "noop");
    CHECK(job_calls(c, "noop") == 0);
    // Four users at 50 ms for 1 s: 80 iterations, half on each host.
    CHECK(a_calls == 40);
    CHECK(b_calls == 40);
    CHECK(results.at("total").at("iterations").get<std::uint64_t>() ==
          a_calls + b_calls);
  }
}

TEST_CASE(
    "a common start: three hosts' first iterations begin within 20 ms "
    "of each other, at the start the JSON records") {
  TempDir work;
  std::vector<TempDir> dirs(3);
  std::vector<std::unique_ptr<HostProcess>> hosts;
  std::string flags;
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    install_plugin(test_plugin("first_call"), dirs[i].path(), "stamp");
    write_text(dirs[i].path() / "stamp.conf",
               "stamp_file = " + (dirs[i].path() / "first").string() + "\n");
    hosts.push_back(std::make_unique<HostProcess>(dirs[i].path()));
    flags += " --host " + hosts.back()->address();
  }
  write_text(work.path() / "s.yaml",
             "version: job:latest\njob:\n  name: stamp\n  users: 3\n"
             "  duration: 300ms\n");
  const auto json = work.path() / "r.json";
  std::string out;
  CHECK(run_command(cli() + "run " + (work.path() / "s.yaml").string() +
                        " --quiet" + flags + " --out " + json.string(),
                    &out) == 0);
  INFO(out);
  std::vector<std::int64_t> firsts;
  for (const auto &d : dirs)
    firsts.push_back(std::stoll(read_text(d.path() / "first")));
  const auto [lo, hi] = std::minmax_element(firsts.begin(), firsts.end());
  CHECK(*hi - *lo < 20'000'000);
  const auto results = nlohmann::json::parse(read_text(json));
  const auto start_ms = results.at("start_unix_ms").get<std::int64_t>();
  // Every host began at (not before) the recorded start, and promptly.
  CHECK(*lo >= start_ms * 1'000'000 - 1'000'000);
  CHECK(*lo - start_ms * 1'000'000 < 20'000'000);
  // One clock: every estimate is within its own uncertainty, so none.
  for (const auto &h : results.at("hosts"))
    CHECK(h.at("clock_offset_ms").get<std::int64_t>() == 0);
  CHECK(!has(out, "its clock is"));
}
