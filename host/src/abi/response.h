// The host side of golo_response: what a plugin's trigger fills through the
// host table. One object is reused across calls (clear keeps capacity).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "golo/agent/iteration.h"
#include "golo/plugin.h"

struct golo_response {
  std::string id;
  std::string output;
  std::string failure;  // message for a non-zero return
  bool error = false;
  bool output_truncated = false;
  std::uint32_t tags_dropped = 0;  // beyond GOLO_MAX_TAGS
  golo::agent::TagList tags;       // reused across calls without reallocating
  // ABI 1.1: steps and checks, and those dropped (bad input, past
  // GOLO_MAX_STEPS), with the latest reason, for the log line.
  golo::agent::StepList steps;
  golo::agent::CheckList checks;
  std::uint32_t steps_dropped = 0, checks_dropped = 0;
  const char *drop_reason = nullptr;  // a string literal

  // What a non-zero return from golo_trigger means, for the caller:
  // "trigger returned 7: target refused the login".
  std::string failure_message(int rc) const {
    return "trigger returned " + std::to_string(rc) +
           (failure.empty() ? std::string() : ": " + failure);
  }

  void clear() {
    id.clear();
    output.clear();
    failure.clear();
    error = false;
    output_truncated = false;
    tags_dropped = 0;
    tags.clear();
    steps.clear();
    checks.clear();
    steps_dropped = checks_dropped = 0;
    drop_reason = nullptr;
  }
};
