// Where a resumed run takes up its schedule: golo run re-sends the rest of a
// run whose worker was replaced mid-run (RunRequest.resumeOfUnixMs), and the
// new worker's load must start where the schedule then is, so that its
// seconds line up with the first worker's and it ends when the run would.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace golo::host {

struct ResumePoint {
  std::chrono::nanoseconds offset{0};  // into the schedule: resume_from
  std::string error;                   // why it cannot resume, if it cannot
};

// For a schedule of `length` first started at `resume_of_unix_ms` (0: a
// fresh run, offset 0) whose load now starts at `start` (none: at once).
// Refused: an original start after this one, or a schedule over by then.
ResumePoint resume_point(
    std::int64_t resume_of_unix_ms,
    std::optional<std::chrono::system_clock::time_point> start,
    std::chrono::nanoseconds length);

}  // namespace golo::host
