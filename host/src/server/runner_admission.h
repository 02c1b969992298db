// A run's admission under the host's caps (RunnerService::Admission), and
// what stops admitted runs: the host's shutdown (stop_all), Runner.Stop,
// and the caller going away (CallerWatch). Included by runner_service.cpp
// only.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <thread>

#include "server/runner_service.h"

namespace golo::host {

// Why this worker's runs are stopping: its supervisor's reason when it is
// being replaced (a stuck call of some job, deafness), never a false
// "shutting down".
std::string stop_cause();

// A run's slot under --max-runs, taken before anything of the request is
// parsed (a caller must not make the host parse more schedules at once than
// it would run), then its users under --max-users once they are known.
// Releases both on every way out of Run, so no stop_source pointer outlives
// it.
class RunnerService::Admission {
 public:
  Admission(RunnerService &svc, std::stop_source &stop);
  // Counts `users` against --max-users (threads) or --max-fiber-users;
  // false (status() says why) when they would go over.
  bool reserve_users(std::uint64_t users, bool fibers);
  ~Admission();
  Admission(const Admission &) = delete;
  Admission &operator=(const Admission &) = delete;
  const grpc::Status &status() const { return status_; }
  // Runner.Stop with this key stops the run from now on.
  void set_stop_key(const std::string &key);

 private:
  RunnerService &svc_;
  std::stop_source &stop_;
  std::uint64_t users_ = 0;
  bool fibers_ = false;
  bool admitted_ = false;
  grpc::Status status_;
};

// The sync API has no "caller gone" callback: a thread polls, so the load
// stops within a tenth of a second of the caller disconnecting.
class CallerWatch {
 public:
  // Throws std::system_error when the thread cannot start.
  CallerWatch(grpc::ServerContext &ctx, std::stop_source &stop)
      : thread_([this, &ctx, &stop] {
          while (!done_.load()) {
            if (ctx.IsCancelled()) {
              stop.request_stop();
              return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  ~CallerWatch() {
    done_ = true;
    thread_.join();
  }
  CallerWatch(const CallerWatch &) = delete;
  CallerWatch &operator=(const CallerWatch &) = delete;

 private:
  std::atomic<bool> done_{false};  // before thread_: it reads it at once
  std::thread thread_;
};

}  // namespace golo::host
