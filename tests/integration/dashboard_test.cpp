// golo run --dashboard (issue 24, item 1) against a real host: a bad
// address and a port in use are refused before any load (the host's call
// counter stays 0); then a real run watched live in Debian's chromium
// (tests/browser/check_dashboard.mjs, through playwright-core): points
// arrive second by second, a threshold turns red as it crosses, no console
// error, nothing leaves the page's origin, and the report downloaded from
// the page is the one --out html= wrote. The screenshot stays in the build
// tree (tests/integration/artifacts/dashboard.png).
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;

namespace {

fs::path browser_dir() {
  return fs::path(GOLO_TEST_SOURCE_DIR).parent_path() / "browser";
}

// A listening socket on a free loopback port, held until destroyed.
struct HeldPort {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  HeldPort() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr *>(&a), len) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~HeldPort() { ::close(fd); }
};

}  // namespace

TEST_CASE("golo run --dashboard takes an address only when it is one") {
  TempDir work("golo-dashboard-args");
  const auto bad = work.path() / "bad.yaml";
  write_text(bad, "job:\n  name: noop\n  vus: 2\n  duration: 1s\n");
  const auto good = work.path() / "good.yaml";
  write_text(good, "job:\n  name: noop\n  users: 1\n  duration: 1s\n");
  const std::string golo = golo_cli_binary().string() + " run --quiet ";
  std::string out;
  // A bare --dashboard before the schedule leaves it the schedule: the
  // schedule's own mistake is what is refused (no host is asked).
  CHECK(run_command(golo + "--dashboard " + bad.string(), &out) == 2);
  CHECK_MESSAGE(out.find("vus") != std::string::npos, out);
  CHECK_MESSAGE(out.find("did you mean users") != std::string::npos, out);
  CHECK(out.find("bad.yaml") != std::string::npos);
  // The next word is the address when it looks like one: HOST:PORT, :PORT.
  HeldPort held;
  for (const std::string &addr : {"127.0.0.1:" + std::to_string(held.port),
                                  ":" + std::to_string(held.port)}) {
    out.clear();
    CHECK(run_command(golo + "--dashboard " + addr + " " + good.string(),
                      &out) == 2);
    CHECK_MESSAGE(
        out.find("cannot listen: Address already in use") != std::string::npos,
        out);
  }
  out.clear();
  CHECK(run_command(golo + good.string() + " --dashboard=127.0.0.1:0", &out) ==
        2);
  CHECK_MESSAGE(out.find("the port must be a number from 1 to 65535") !=
                    std::string::npos,
                out);
}

TEST_CASE(
    "golo run --dashboard: refusals before load and a live run in a real "
    "browser") {
  REQUIRE_MESSAGE(fs::exists("/usr/bin/chromium"),
                  "chromium is not installed: run scripts/install-deps.sh");
  REQUIRE_MESSAGE(
      fs::exists(browser_dir() / "node_modules" / "playwright-core"),
      "playwright-core is not installed in tests/browser: run "
      "scripts/install-deps.sh");
  TempDir plugins("golo-dashboard-plugins");
  install_plugin(example_plugin("abi_tour"), plugins.path(), "abi_tour");
  write_text(plugins.path() / "abi_tour.conf", "fail_every = 7\n");
  install_plugin(example_plugin("journey"), plugins.path(), "journey");
  HostProcess host(plugins.path());

  TempDir work("golo-dashboard-run");
  const auto schedule = work.path() / "ramp.yaml";
  // 12 iterations/s for 4 s, then up to 62/s: the run's rate so far
  // crosses 15/s a second or two after the ramp starts. journey's three
  // steps, once an iteration each, feed the steps charts.
  write_text(schedule,
             "version: job:latest\n"
             "scenarios:\n  ramp:\n    job: abi_tour\n    pacing: 100ms\n"
             "    tags: [even]\n"
             "    stages:\n      - {duration: 4s, users: 1}\n"
             "      - {duration: 4s, users: 6}\n"
             "  shop:\n    job: journey\n    users: 1\n    pacing: 500ms\n"
             "    duration: 8s\n"
             "thresholds:\n  - rate < 15\n  - p99 < 10s\n");
  const std::string run = golo_cli_binary().string() + " run --quiet --host " +
                          host.address() + " " + schedule.string();

  {  // refused with exit 2 and a clear line, before the host runs anything
    std::string out;
    CHECK(run_command(run + " --dashboard 0.0.0.0:5665", &out) == 2);
    CHECK_MESSAGE(out.find("--dashboard 0.0.0.0:5665: not a loopback "
                           "address") != std::string::npos,
                  out);
    CHECK(out.find("--dashboard-public") != std::string::npos);
    out.clear();
    CHECK(run_command(run + " --dashboard 127.0.0.1:0", &out) == 2);
    CHECK_MESSAGE(out.find("the port must be a number from 1 to 65535") !=
                      std::string::npos,
                  out);
    HeldPort held;
    out.clear();
    CHECK(
        run_command(run + " --dashboard 127.0.0.1:" + std::to_string(held.port),
                    &out) == 2);
    CHECK_MESSAGE(
        out.find("cannot listen: Address already in use") != std::string::npos,
        out);
    out.clear();
    CHECK(run_command(run + " --dashboard-wait", &out) == 2);
    CHECK(job_calls(host, "abi_tour") + job_calls(host, "journey") == 0);
  }

  const auto results = work.path() / "results.json";
  const auto html = work.path() / "run.html";
  const auto download = work.path() / "downloaded.html";
  const fs::path artifacts =
      fs::path(GOLO_TEST_TMP).parent_path() / "artifacts";
  fs::create_directories(artifacts);
  std::string out;
  const int rc =
      run_command("node " + (browser_dir() / "check_dashboard.mjs").string() +
                      " --golo " + golo_cli_binary().string() + " --schedule " +
                      schedule.string() + " --host " + host.address() +
                      " --port " + std::to_string(free_port()) +
                      " --crosses 'rate < 15' --steps-of scenario=shop"
                      " --steps login,browse,checkout --download " +
                      download.string() + " --screenshot " +
                      (artifacts / "dashboard.png").string() +
                      " --arg --out --arg json=" + results.string() +
                      " --arg --out --arg html=" + html.string(),
                  &out);
  CHECK_MESSAGE(rc == 0, out);
  // The rate threshold crossed: golo run's exit status after Ctrl-C.
  CHECK_MESSAGE(out.find("exit 99") != std::string::npos, out);
  REQUIRE(fs::exists(download));
  const std::string page = read_text(download);
  const bool same = page == read_text(html);
  CHECK(same);  // the same report, byte for byte
  CHECK(page.find("<title>golo report") != std::string::npos);
  const auto json = nlohmann::json::parse(read_text(results));
  CHECK(json.at("total").at("iterations").get<std::uint64_t>() > 100);
  CHECK(job_calls(host, "abi_tour") + job_calls(host, "journey") ==
        json.at("total").at("iterations").get<std::uint64_t>());
}
