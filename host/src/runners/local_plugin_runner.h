// Iterations as direct calls into a plugin loaded in this host: the fast
// path, no RPC per iteration. Follows hot reloads between iterations.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abi/data_access.h"
#include "abi/response.h"
#include "golo/agent/data_feed.h"
#include "golo/agent/iteration.h"
#include "plugins/plugin_registry.h"

namespace golo::host {

// The response's steps and checks (ABI 1.1) into an iteration's outcome.
void copy_steps(const golo_response &r, agent::IterationOutcome &out);

class LocalPluginRunner final : public agent::IterationRunner {
 public:
  // `users`: the most users the run has (their indices are below it).
  // `data`: the run's data rows, whose current row each user's iterations
  // read through golo_host_api.data (null: none).
  LocalPluginRunner(const PluginRegistry &registry, std::string job,
                    std::size_t users,
                    std::shared_ptr<const agent::DataFeed> data = nullptr,
                    std::map<std::string, std::string> env = {},
                    std::chrono::nanoseconds graceful_stop = {},
                    bool http2 = false);
  // Ends every user (golo_user_end, HTTP sessions closed): the run is over
  // and no iteration runs any more.
  ~LocalPluginRunner() override;
  void run(std::uint32_t user, std::uint64_t iteration,
           agent::IterationOutcome &out) override;
  void stopping() override { run_.stop(); }

 private:
  // Per user: the version it last used and the registry epoch it saw, so
  // an iteration looks the job up again only after a reload; and a reusable
  // response. Cache-line aligned: each is written by one user thread only.
  struct alignas(64) Slot {
    std::shared_ptr<LoadedGeneration> version;
    std::uint64_t epoch = ~std::uint64_t{0};
    golo_response response;
    HostUser user;  // ABI 1.2: user_data and the HTTP session
  };
  const PluginRegistry &registry_;
  std::string job_;
  std::vector<Slot> slots_;
  std::shared_ptr<const agent::DataFeed> data_;
  MissingColumns missing_;
  RunContext run_;  // env and stop, for sleep, env and http
};

}  // namespace golo::host
