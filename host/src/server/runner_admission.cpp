#include "server/runner_admission.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <limits>

#include "errors/grpc_status.h"
#include "worker/call_board.h"

namespace golo::host {

// Why this worker's runs are stopping: its supervisor's reason when it is
// being replaced (a stuck call of some job, deafness), never a false
// "shutting down".
std::string stop_cause() {
  const std::string why = worker::board_retire_reason();
  return why.empty() ? "golo-host is shutting down" : why;
}

RunnerService::Admission::Admission(RunnerService &svc, std::stop_source &stop)
    : svc_(svc), stop_(stop) {
  std::lock_guard lock(svc_.mutex_);
  const auto &cap = svc_.limits_;
  if (svc_.shutting_down_) {
    status_ = to_status(HostError::Code::kUnavailable, stop_cause());
    return;
  }
  if (svc_.running_.size() >= cap.max_runs) {
    status_ = to_status(
        HostError::Code::kResourceExhausted,
        "golo-host is already running " + std::to_string(svc_.running_.size()) +
            " schedules, its cap (--max-runs " + std::to_string(cap.max_runs) +
            "); try again when one ends");
    return;
  }
  svc_.running_.emplace(&stop_, std::string());
  admitted_ = true;
}

bool RunnerService::Admission::reserve_users(std::uint64_t users, bool fibers) {
  std::lock_guard lock(svc_.mutex_);
  const auto &cap = svc_.limits_;
  const std::uint64_t max = fibers ? cap.max_fiber_users : cap.max_users;
  std::uint64_t &in_use =
      fibers ? svc_.fiber_users_in_use_ : svc_.users_in_use_;
  if (users > max - std::min(max, in_use)) {
    const std::string flag = fibers ? "--max-fiber-users " : "--max-users ";
    status_ = to_status(
        HostError::Code::kResourceExhausted,
        "this run needs " + std::to_string(users) +
            (fibers ? " users (fibers)" : " users (one thread each)") +
            " and runs in progress use " + std::to_string(in_use) +
            "; golo-host's cap across runs is " + std::to_string(max) + " (" +
            flag + std::to_string(max) + ")");
    return false;
  }
  in_use += users;
  users_ = users;
  fibers_ = fibers;
  return true;
}

RunnerService::Admission::~Admission() {
  if (!admitted_) return;
  std::lock_guard lock(svc_.mutex_);
  svc_.running_.erase(&stop_);
  (fibers_ ? svc_.fiber_users_in_use_ : svc_.users_in_use_) -= users_;
}

void RunnerService::Admission::set_stop_key(const std::string &key) {
  std::lock_guard lock(svc_.mutex_);
  if (admitted_) svc_.running_[&stop_] = key;
}

std::size_t RunnerService::runs_in_progress() {
  std::lock_guard lock(mutex_);
  return running_.size();
}

void RunnerService::stop_all() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  for (auto &[stop, key] : running_) stop->request_stop();
}

namespace {

// Whoever knows a run's stop key may stop it: compared in constant time, as
// tokens are (its length is no secret: golo run's keys are 32 characters).
bool same_key(const std::string &run, const std::string &asked) {
  return !asked.empty() && run.size() == asked.size() &&
         CRYPTO_memcmp(run.data(), asked.data(), run.size()) == 0;
}

}  // namespace

grpc::Status RunnerService::Stop(grpc::ServerContext *,
                                 const golo::StopRequest *req,
                                 golo::StopResponse *resp) {
  std::uint32_t stopped = 0;
  {
    std::lock_guard lock(mutex_);
    for (auto &[stop, key] : running_)
      if (same_key(key, req->stopkey())) {
        stop->request_stop();
        ++stopped;
      }
  }
  spdlog::info("Runner.Stop: {} run(s) asked to stop", stopped);
  resp->set_stopped(stopped);
  return grpc::Status::OK;
}

golo::HostCapacity RunnerService::capacity(bool fibers,
                                           std::uint64_t run_users) const {
  golo::HostCapacity c;
  c.set_fibers(fibers);
  c.set_maxusers(fibers ? limits_.max_fiber_users : limits_.max_users);
  if (fibers) c.set_loops(static_cast<std::uint32_t>(limits_.loops));
  c.set_runusers(run_users);
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0)
    c.set_openfiles(files.rlim_cur == RLIM_INFINITY
                        ? std::numeric_limits<std::uint64_t>::max()
                        : static_cast<std::uint64_t>(files.rlim_cur));
  return c;
}

}  // namespace golo::host
