// golo run's pre-flight: before any host starts load, each one is asked
// (Runner.Run with checkOnly) whether it would run its share: reachable, the
// caller authorised for `run`, the schedule valid, the job loaded and not
// quarantined, the caps not exceeded. The answers also give each host's
// clock, so that the run can start at one instant across the fleet, and
// each job's SHA-256, so that a fleet never mixes builds of a plugin.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "golo/golo.pb.h"

namespace golo::cli {

struct HostCheck {
  std::string addr;
  bool ok = false;
  std::string problem;  // one line naming what is wrong, when !ok
  std::vector<golo::PreflightJob> jobs;
  golo::HostCapacity capacity;  // what the host can take of this run
  // The host's clock minus this machine's, estimated NTP-style from the
  // call's midpoint; 0 when within the estimate's uncertainty (half the
  // round trip, plus a millisecond).
  std::chrono::milliseconds clock_offset{0};
  std::chrono::microseconds round_trip{0};
};

// Checks every host at once (requests[i] is host i's share, checkOnly is set
// here); each check gives up after `timeout`.
std::vector<HostCheck> preflight(const std::vector<std::string> &hosts,
                                 const std::vector<golo::RunRequest> &requests,
                                 std::chrono::milliseconds timeout);

// A fleet runs one build of each job: the build most hosts that passed
// have (the first such host's on a tie) is the reference, and every other
// passing host is marked failed, naming both builds.
void require_one_build(std::vector<HostCheck> &checks);

// A warning line when the host's share has more users than the files its
// worker may open (each user's kept connection is one), else empty. Hosts
// older than the capacity say nothing (openFiles 0).
std::string capacity_warning(const HostCheck &check);

}  // namespace golo::cli
