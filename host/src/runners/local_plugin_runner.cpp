#include "runners/local_plugin_runner.h"

#include "golo/agent/results.h"
#include "golo/agent/utf8.h"

namespace golo::host {

LocalPluginRunner::LocalPluginRunner(
    const PluginRegistry &registry, std::string job, std::size_t users,
    std::shared_ptr<const agent::DataFeed> data,
    std::map<std::string, std::string> env,
    std::chrono::nanoseconds graceful_stop, bool http2)
    : registry_(registry),
      job_(std::move(job)),
      slots_(users),
      data_(std::move(data)),
      run_(std::move(env), graceful_stop, http2) {}

LocalPluginRunner::~LocalPluginRunner() {
  for (auto &slot : slots_)
    if (slot.version) slot.version->end_user(slot.user);
}

void LocalPluginRunner::run(std::uint32_t user, std::uint64_t iteration,
                            agent::IterationOutcome &out) {
  thread_local Slot overflow;  // only if the executor exceeds its users
  Slot &slot = user < slots_.size() ? slots_[user] : overflow;
  // A reload bumps the epoch before it returns: an iteration that starts
  // after that sees the change and runs the new version.
  const std::uint64_t epoch = registry_.epoch();
  if (epoch != slot.epoch) {
    auto next = registry_.find(job_);
    // A reload drains the user off its old version: that version's
    // golo_user_end gets the user's state, the new one a fresh slot.
    if (slot.version && slot.version != next) slot.version->end_user(slot.user);
    slot.version = std::move(next);
    slot.epoch = epoch;
  }
  if (!slot.version) {
    out.failed = true;
    out.error_text = "job \"" + job_ + "\" is no longer loaded";
    return;
  }
  golo_response &r = slot.response;
  // The row the executor picked for this user's iteration (agent::DataFeed).
  IterationData data;
  if (data_ && user < slots_.size())
    data = {&data_->table(), data_->row(user), &missing_};
  const DataScope scope(data.table ? &data : nullptr);
  const int rc = slot.version->trigger(r, slot.user, &run_, iteration, user);
  if (rc != 0) {
    out.failed = true;
    out.error_text = r.failure_message(rc);
  } else if (r.error) {
    out.error_flag = true;
    out.error_text = agent::utf8_bounded(r.output, agent::kMaxErrorTextLen);
  }
  out.tags.assign(r.tags.begin(), r.tags.end());
  copy_steps(r, out);
}

void copy_steps(const golo_response &r, agent::IterationOutcome &out) {
  // Into the outcome's kept items: no allocation once names have been seen.
  for (const auto &s : r.steps) {
    auto &step = out.steps.add();
    step.name.assign(s.name);
    step.duration_ns = s.duration_ns;
    step.failed = s.failed;
    step.status = s.status;
  }
  for (const auto &c : r.checks) {
    auto &check = out.checks.add();
    check.name.assign(c.name);
    check.passed = c.passed;
  }
  out.steps_dropped = r.steps_dropped;
  out.checks_dropped = r.checks_dropped;
}

}  // namespace golo::host
