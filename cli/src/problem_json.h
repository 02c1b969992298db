// A host's Problem for --json: its parts apart, null when there is none.
#pragma once

#include <nlohmann/json.hpp>

#include "golo/golo.pb.h"

namespace golo::cli {

inline nlohmann::ordered_json problem_json(const golo::Problem &p) {
  if (p.primary().empty()) return nullptr;
  return {{"primary", p.primary()}, {"detail", p.detail()}, {"hint", p.hint()}};
}

}  // namespace golo::cli
