// Which hosts a `golo run` starts, and when: every host passes the
// pre-flight (or, with --allow-partial, those that fail are left out and
// their share goes to the rest), then all start their load at one instant
// about a second ahead, each told it in its own clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "golo/golo.pb.h"

namespace golo::cli {

struct Fleet {
  std::vector<std::string> hosts;  // the hosts that run, in order
  // Per host: its clock minus this machine's (the start sent to it is
  // start_unix_ms plus this, so that all start together).
  std::vector<std::chrono::milliseconds> clock_offsets;
  std::int64_t start_unix_ms = 0;  // the common start, this machine's clock
  std::vector<std::pair<std::string, std::string>> left_out;  // host, why
};

// Runs the pre-flight (request_for(i, n) is host i's share of n) and prints
// a line per failed host and per host whose clock is off by more than the
// margin. No fleet (nothing to start) when any host failed without
// allow_partial, or when every host failed. One host starts at once unless
// `several_calls` (it runs a call per scenario): calls that must start
// together get an instant ahead, as a fleet's hosts do.
std::optional<Fleet> fleet_for_run(
    const std::vector<std::string> &hosts,
    const std::function<golo::RunRequest(std::size_t, std::size_t)>
        &request_for,
    bool allow_partial, bool several_calls = false);

// Beyond this the hosts' clocks disagree with this machine's enough to
// mention: the start is corrected for it, a host's own log times are not.
inline constexpr std::chrono::milliseconds kClockMargin{50};

}  // namespace golo::cli
