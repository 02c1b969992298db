// A Runner.Run request's env (golo run -e) over its schedule's env:,
// checked again on the host as every other input is.
#pragma once

#include <string>

#include "golo/agent/run_env.h"
#include "golo/golo.pb.h"

namespace golo::host {

// Overrides env's entries with the request's. Returns "" or what is wrong
// (naming the key), for INVALID_ARGUMENT.
std::string merge_request_env(const golo::RunRequest &req, agent::RunEnv &env);

}  // namespace golo::host
