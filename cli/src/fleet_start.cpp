#include "fleet_start.h"

#include <cstdlib>
#include <iostream>

#include "preflight.h"

namespace golo::cli {

namespace {

// How far ahead the start is: enough for every Run call to arrive and each
// host to start its users' threads before the instant.
constexpr std::chrono::milliseconds kStartLead{1000};
constexpr std::chrono::seconds kPreflightTimeout{5};

std::string signed_seconds(std::chrono::milliseconds d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s %s", std::abs(d.count()) / 1000.0,
                d.count() > 0 ? "ahead of" : "behind");
  return buf;
}

}  // namespace

std::optional<Fleet> fleet_for_run(
    const std::vector<std::string> &hosts,
    const std::function<golo::RunRequest(std::size_t, std::size_t)>
        &request_for,
    bool allow_partial, bool several_calls) {
  std::vector<golo::RunRequest> requests;
  for (std::size_t i = 0; i < hosts.size(); ++i)
    requests.push_back(request_for(i, hosts.size()));
  auto checks = preflight(hosts, requests, kPreflightTimeout);
  require_one_build(checks);

  Fleet fleet;
  std::chrono::microseconds slowest{0};
  for (const auto &c : checks) {
    if (!c.ok) {
      std::cerr << "golo run: host " << c.addr << ": " << c.problem << "\n";
      fleet.left_out.emplace_back(c.addr, c.problem);
      continue;
    }
    if (const auto warning = capacity_warning(c); !warning.empty())
      std::cerr << "golo run: warning: " << warning << "\n";
    fleet.hosts.push_back(c.addr);
    fleet.clock_offsets.push_back(c.clock_offset);
    slowest = std::max(slowest, c.round_trip);
  }
  if (!fleet.left_out.empty()) {
    if (fleet.hosts.empty()) {
      std::cerr << "golo run: no host passed the pre-flight; no load "
                   "started\n";
      return std::nullopt;
    }
    if (!allow_partial) {
      std::cerr << "golo run: " << fleet.left_out.size() << " of "
                << hosts.size()
                << " hosts failed the pre-flight; no load started on any "
                   "(--allow-partial runs on the "
                << fleet.hosts.size() << " that passed)\n";
      return std::nullopt;
    }
    std::cerr << "golo run: --allow-partial: leaving out";
    for (const auto &[addr, why] : fleet.left_out) std::cerr << " " << addr;
    std::cerr << "; the schedule's users and rate go to the "
              << fleet.hosts.size() << " host"
              << (fleet.hosts.size() == 1 ? "" : "s") << " that passed\n";
  }
  for (std::size_t i = 0; i < fleet.hosts.size(); ++i) {
    const auto off = fleet.clock_offsets[i];
    if (off > kClockMargin || off < -kClockMargin)
      std::cerr << "golo run: host " << fleet.hosts[i] << ": its clock is "
                << signed_seconds(off)
                << " this machine's; its start is shifted to match, but "
                   "times in its own log are off by as much\n";
  }
  // One host with one call has no one to wait for: it starts as its call
  // arrives.
  const bool alone = fleet.hosts.size() == 1 && !several_calls;
  const auto lead =
      alone ? std::chrono::milliseconds(0)
            : kStartLead +
                  2 * std::chrono::ceil<std::chrono::milliseconds>(slowest);
  const auto start = std::chrono::system_clock::now() + lead;
  if (fleet.hosts.size() == 1) fleet.clock_offsets[0] = {};
  fleet.start_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            start.time_since_epoch())
                            .count();
  return fleet;
}

}  // namespace golo::cli
