// The fleet's numbers, not one host's (issue 24, item 5): a run over three
// hosts records the schedule the user gave (6 users, 30/s), each host's
// share under its host, and the HTML report says the fleet's users and
// rate. Three real hosts, started once.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {

struct Fleet {
  TempDir plugins, work{"golo-fleet-schedule"};
  std::vector<std::unique_ptr<HostProcess>> hosts;
  Fleet() {
    install_plugin(example_plugin("noop"), plugins.path(), "noop");
    for (int i = 0; i < 3; ++i)
      hosts.push_back(std::make_unique<HostProcess>(plugins.path()));
  }
  // golo run --quiet on all three, results to NAME.json; {exit, output}.
  std::pair<int, std::string> run(const std::string &yaml,
                                  const std::string &name) {
    write_text(work.path() / (name + ".yaml"), yaml);
    std::string cmd = "cd " + work.path().string() + " && " +
                      golo_cli_binary().string() + " run --quiet " + name +
                      ".yaml --out " + name + ".json --out html=" + name +
                      ".html";
    for (const auto &h : hosts) cmd += " --host " + h->address();
    std::string out;
    const int rc = run_command(cmd + " </dev/null", &out);
    return {rc, out};
  }
};

Fleet &fleet() {
  static Fleet f;
  return f;
}

}  // namespace

TEST_CASE("fleet schedule: the results state the whole closed schedule") {
  auto &f = fleet();
  auto [rc, out] =
      f.run("job: {name: noop, users: 6, duration: 1, pacing: 1s}\n", "closed");
  REQUIRE_MESSAGE(rc == 0, out);
  const json r = json::parse(read_text(f.work.path() / "closed.json"));
  CHECK(r["total"]["iterations"] == 6);
  CHECK(r["schedule"]["job"]["users"] == 6);
  REQUIRE(r["hosts"].size() == 3);
  for (const auto &h : r["hosts"]) CHECK(h["share"]["users"] == 2);
  const std::string html = read_text(f.work.path() / "closed.html");
  CHECK(html.find("job noop, closed model, 6 users") != std::string::npos);
}

TEST_CASE("fleet schedule: the results state the whole open schedule") {
  auto &f = fleet();
  auto [rc, out] =
      f.run("job: {name: noop, arrival_rate: 30, max_users: 6, duration: 1}\n",
            "open");
  REQUIRE_MESSAGE(rc == 0, out);
  const json r = json::parse(read_text(f.work.path() / "open.json"));
  CHECK(r["schedule"]["job"]["arrival_rate"] == 30.0);
  REQUIRE(r["hosts"].size() == 3);
  double shares = 0;
  for (const auto &h : r["hosts"])
    shares += h["share"]["arrival_rate"].get<double>();
  CHECK(shares == doctest::Approx(30.0));
  const std::string html = read_text(f.work.path() / "open.html");
  CHECK(html.find("30 iterations/s") != std::string::npos);
}
