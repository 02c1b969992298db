#include "runners/local_plugin_runner.h"

#include "golo/agent/results.h"

namespace golo::host {

LocalPluginRunner::LocalPluginRunner(const PluginRegistry &registry,
                                     std::string job, std::size_t users)
    : registry_(registry), job_(std::move(job)), slots_(users) {}

void LocalPluginRunner::run(std::uint32_t user, std::uint64_t iteration,
                            agent::IterationOutcome &out) {
  thread_local Slot overflow;  // only if the executor exceeds its users
  Slot &slot = user < slots_.size() ? slots_[user] : overflow;
  // A reload bumps the epoch before it returns: an iteration that starts
  // after that sees the change and runs the new version.
  const std::uint64_t epoch = registry_.epoch();
  if (epoch != slot.epoch) {
    slot.version = registry_.find(job_);
    slot.epoch = epoch;
  }
  out.clear();
  if (!slot.version) {
    out.failed = true;
    out.error_text = "job \"" + job_ + "\" is no longer loaded";
    return;
  }
  golo_response &r = slot.response;
  const int rc = slot.version->trigger(r, iteration, user);
  if (rc != 0) {
    out.failed = true;
    out.error_text = "trigger returned " + std::to_string(rc);
    if (!r.failure.empty()) out.error_text += ": " + r.failure;
  } else if (r.error) {
    out.error_flag = true;
    out.error_text.assign(r.output, 0,
                          std::min(r.output.size(), agent::kMaxErrorTextLen));
  }
  // Element-wise assignment keeps the strings' capacity across iterations.
  out.tags.resize(r.tags.size());
  for (std::size_t i = 0; i < r.tags.size(); ++i) {
    out.tags[i].first = r.tags[i].first;
    out.tags[i].second = r.tags[i].second;
  }
}

}  // namespace golo::host
