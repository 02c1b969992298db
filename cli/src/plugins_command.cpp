// golo plugins: what a host has loaded, and what it could not load.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "golo/agent/utf8.h"
#include "golo/golo.grpc.pb.h"
#include "golo/wire/problem.h"
#include "host_client.h"
#include "problem_json.h"

namespace golo::cli {

namespace {
std::string local_time(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}
}  // namespace

int plugins_command(const CommonOptions &opts, bool json) {
  auto stub = golo::Host::NewStub(connect(opts.host));
  grpc::ClientContext ctx;
  set_deadline(ctx, opts.timeout);
  golo::ListPluginsResponse resp;
  const auto status =
      stub->ListPlugins(&ctx, golo::ListPluginsRequest(), &resp);
  if (!status.ok()) {
    std::cerr << "golo plugins: " << describe(status, opts.host) << "\n";
    return 1;
  }
  if (json) {
    nlohmann::ordered_json out = {
        {"pluginsDir", resp.pluginsdir()},
        {"plugins", nlohmann::ordered_json::array()},
        {"failures", nlohmann::ordered_json::array()}};
    for (const auto &p : resp.plugins())
      out["plugins"].push_back({{"job", p.job()},
                                {"file", p.file()},
                                {"name", p.name()},
                                {"version", p.version()},
                                {"abiVersion", p.abiversion()},
                                {"sha256", p.sha256()},
                                {"loadedAtUnixMs", p.loadedatunixms()},
                                {"calls", p.calls()},
                                {"errors", p.errors()},
                                {"inFlight", p.inflight()},
                                {"stuck", p.stuck()},
                                {"draining", p.draining()},
                                {"serial", p.serial()},
                                {"fibers", p.fibers()},
                                {"stalledUsers", p.stalledusers()},
                                {"generation", p.generation()}});
    for (const auto &f : resp.failures())
      out["failures"].push_back({{"file", f.file()},
                                 {"job", f.job()},
                                 {"reason", f.reason()},
                                 {"problem", problem_json(f.problem())},
                                 {"quarantined", f.quarantined()}});
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  // Everything shown came from the host (and names and versions from
  // plugins): escaped, so no text can move the cursor or forge a row.
  const auto shown = [](const std::string &s, std::size_t max = 256) {
    return agent::printable(s, max);
  };
  std::printf("plugins in %s\n", shown(resp.pluginsdir()).c_str());
  std::printf(
      "%-16s %-16s %-10s %-4s %-12s %-19s %-7s %10s %8s %8s %6s %7s %8s  %s\n",
      "JOB", "NAME", "VERSION", "ABI", "SHA256", "LOADED", "USERS", "CALLS",
      "ERRORS", "INFLIGHT", "STUCK", "STALLED", "DRAINING", "FILE");
  for (const auto &p : resp.plugins())
    std::printf(
        "%-16s %-16s %-10s %-4u %-12s %-19s %-7s %10llu %8llu %8llu %6llu "
        "%7llu %8u  %s\n",
        shown(p.job(), 64).c_str(), shown(p.name(), 64).c_str(),
        p.version().empty() ? "-" : shown(p.version(), 64).c_str(),
        p.abiversion(), shown(p.sha256().substr(0, 12)).c_str(),
        local_time(p.loadedatunixms()).c_str(),
        p.fibers() ? "fibers" : "threads",
        static_cast<unsigned long long>(p.calls()),
        static_cast<unsigned long long>(p.errors()),
        static_cast<unsigned long long>(p.inflight()),
        static_cast<unsigned long long>(p.stuck()),
        static_cast<unsigned long long>(p.stalledusers()), p.draining(),
        shown(p.file()).c_str());
  for (const auto &f : resp.failures())
    std::printf("%s: %s: %s\n", f.quarantined() ? "quarantined" : "not loaded",
                shown(f.file()).c_str(),
                wire::problem_lines(f.problem(), f.reason(), "    ").c_str());
  return 0;
}

}  // namespace golo::cli
