#include "server/resume_point.h"

namespace golo::host {

namespace {

std::string ms_text(std::chrono::nanoseconds d) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) +
         " ms";
}

}  // namespace

ResumePoint resume_point(
    std::int64_t resume_of_unix_ms,
    std::optional<std::chrono::system_clock::time_point> start,
    std::chrono::nanoseconds length) {
  ResumePoint p;
  if (resume_of_unix_ms == 0) return p;
  const auto first = std::chrono::system_clock::time_point(
      std::chrono::milliseconds(resume_of_unix_ms));
  const auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(
      start.value_or(std::chrono::system_clock::now()) - first);
  if (resume_of_unix_ms < 0 || offset.count() < 0)
    p.error = "resumeOfUnixMs " + std::to_string(resume_of_unix_ms) +
              " is after the load's start: a run resumes one begun earlier";
  else if (offset >= length)
    p.error = "resumeOfUnixMs " + std::to_string(resume_of_unix_ms) +
              ": the schedule's " + ms_text(length) + " ended " +
              ms_text(offset - length) + " before this start; nothing is left";
  else
    p.offset = offset;
  return p;
}

}  // namespace golo::host
