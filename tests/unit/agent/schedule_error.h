// What Schedule::parse says of a schedule named "s.yaml": its whole
// message, so that tests check file, line, column and wording at once.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "golo/agent/schedule.h"

namespace golo::agent::test {

inline std::string schedule_error(std::string_view yaml) {
  try {
    Schedule::parse(yaml, "s.yaml");
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace golo::agent::test
