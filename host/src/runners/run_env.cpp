#include "runners/run_env.h"

namespace golo::host {

std::string merge_request_env(const golo::RunRequest &req, agent::RunEnv &env) {
  if (static_cast<std::size_t>(req.env_size()) > agent::kMaxEnvEntries)
    return "RunRequest.env has " + std::to_string(req.env_size()) +
           " entries; the limit is " + std::to_string(agent::kMaxEnvEntries);
  for (const auto &[key, value] : req.env()) {
    if (auto why = agent::env_problem(key, value); !why.empty())
      return "RunRequest.env (golo run -e): " + why;
    env[key] = value;
  }
  if (env.size() > agent::kMaxEnvEntries)
    return "the run's env has " + std::to_string(env.size()) +
           " entries with the schedule's; the limit is " +
           std::to_string(agent::kMaxEnvEntries);
  return {};
}

}  // namespace golo::host
