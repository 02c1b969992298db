// Discovery: --host dns:///NAME:PORT means every address NAME resolves to
// (as a Kubernetes headless Service names its pods), and --hosts-file adds
// lines; duplicates collapse. NAME is made to resolve to several loopback
// addresses by lines the test adds to /etc/hosts (this machine's resolver
// returns every line for a name: host.conf "multi on").
#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;

namespace {

// Adds "ADDRESS NAME" lines to /etc/hosts for its lifetime.
class HostsEntries {
 public:
  HostsEntries(const std::string &name, const std::vector<std::string> &ips)
      : original_(read_text("/etc/hosts")) {
    std::ofstream out("/etc/hosts", std::ios::app);
    ok_ = static_cast<bool>(out);
    for (const auto &ip : ips) out << ip << " " << name << "\n";
    ok_ = ok_ && static_cast<bool>(out);
  }
  ~HostsEntries() {
    if (ok_) write_text("/etc/hosts", original_);
  }
  bool ok() const { return ok_; }

 private:
  std::string original_;
  bool ok_ = false;
};

const char *kSchedule =
    "version: job:latest\njob:\n  name: noop\n  users: 4\n  pacing: 100ms\n"
    "  duration: 1s\n";

}  // namespace

TEST_CASE(
    "golo run --host dns:///NAME:PORT splits the run over every "
    "address NAME has, and --hosts-file collapses duplicates") {
  if (access("/etc/hosts", W_OK) != 0) {
    MESSAGE("skipped: /etc/hosts is not writable (run as root)");
    return;
  }
  const std::string name = "golo-fleet-" + std::to_string(getpid()) + ".test";
  HostsEntries entries(name, {"127.0.0.2", "127.0.0.3"});
  REQUIRE(entries.ok());
  TempDir dir, work;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  const int port = free_port();
  const std::string p = std::to_string(port);
  HostProcess a(dir.path(), {"--listen", "127.0.0.2:" + p});
  HostProcess b(dir.path(), {"--listen", "127.0.0.3:" + p});
  write_text(work.path() / "s.yaml", kSchedule);
  const std::string cli = golo_cli_binary().string();

  std::string out;  // run_command appends
  const auto json_out = work.path() / "dns.json";
  CHECK(run_command(cli + " run " + (work.path() / "s.yaml").string() +
                        " --quiet --host dns:///" + name + ":" + p + " --out " +
                        json_out.string(),
                    &out) == 0);
  INFO(out);
  auto results = nlohmann::json::parse(read_text(json_out));
  REQUIRE(results.at("hosts").size() == 2);
  CHECK(results.at("hosts")[0].at("address") == "127.0.0.2:" + p);
  CHECK(results.at("hosts")[1].at("address") == "127.0.0.3:" + p);
  const auto a_calls = job_calls(a, "noop"), b_calls = job_calls(b, "noop");
  CHECK(a_calls > 0);
  CHECK(b_calls > 0);
  // The merged results count every host's iterations.
  CHECK(results.at("total").at("iterations").get<std::uint64_t>() ==
        a_calls + b_calls);

  // A hosts file: a comment, blank space, and a duplicate of a dns: name.
  const auto file = work.path() / "hosts";
  write_text(file, "# the fleet\n127.0.0.2:" + p + "  \n\ndns:///" + name +
                       ":" + p + "\n127.0.0.3:" + p + "\n");
  const auto file_out = work.path() / "file.json";
  CHECK(run_command(cli + " run " + (work.path() / "s.yaml").string() +
                        " --quiet --hosts-file " + file.string() + " --out " +
                        file_out.string(),
                    &out) == 0);
  results = nlohmann::json::parse(read_text(file_out));
  CHECK(results.at("hosts").size() == 2);

  // A one-host command given a name of several hosts says so.
  out.clear();
  CHECK(run_command(cli + " plugins --host dns:///" + name + ":" + p, &out) ==
        2);
  CHECK(out == "golo: --host dns:///" + name + ":" + p +
                   " names 2 hosts; this command talks to one (run, push and "
                   "remove take several)\n");
}

TEST_CASE(
    "a dns:/// name that does not resolve, or a hosts file that cannot "
    "be read, is one line and exit 2") {
  TempDir work;
  write_text(work.path() / "s.yaml", kSchedule);
  const std::string run =
      golo_cli_binary().string() + " run " + (work.path() / "s.yaml").string();
  std::string out;
  CHECK(run_command(run + " --host dns:///no-such-host.invalid:9999", &out) ==
        2);
  CHECK(out.rfind("golo: --host dns:///no-such-host.invalid:9999: "
                  "no-such-host.invalid does not resolve (",
                  0) == 0);
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  out.clear();
  CHECK(run_command(run + " --host dns:///nameonly", &out) == 2);
  CHECK(out == "golo: --host dns:///nameonly: want dns:///NAME:PORT\n");
  out.clear();
  CHECK(run_command(run + " --hosts-file " + (work.path() / "missing").string(),
                    &out) == 2);
  CHECK(out == "golo: cannot read " + (work.path() / "missing").string() +
                   ": No such file or directory\n");
  out.clear();
  write_text(work.path() / "none", "# every host is away\n\n");
  CHECK(run_command(run + " --hosts-file " + (work.path() / "none").string(),
                    &out) == 2);
  CHECK(out == "golo: --hosts-file " + (work.path() / "none").string() +
                   " names no host\n");
}
