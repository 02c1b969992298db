// What the host functions of ABI 1.2 need from the run a call belongs to:
// its env (schedule env: and golo run -e), and its stop, which think time
// (golo_host_api.sleep) and HTTP requests in flight give way to. One per
// run, shared by its users; a single Job.Trigger call has none.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace golo::host {

class RunContext {
 public:
  RunContext() = default;
  explicit RunContext(std::map<std::string, std::string> env)
      : env_(std::move(env)) {}

  // The value of key, or nullptr. The map is never changed after the run
  // starts, so the pointer lasts the run.
  const char *env(const char *key) const {
    if (key == nullptr) return nullptr;
    auto it = env_.find(key);
    return it == env_.end() ? nullptr : it->second.c_str();
  }

  // The run is ending (its schedule's end or a stop): sleepers wake.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
  }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  const std::atomic<bool> *stop_flag() const { return &stopping_; }

  // Waits ns, or until stop(). True when the whole wait passed.
  bool sleep_for(std::int64_t ns) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, std::chrono::nanoseconds(ns),
                           [this] { return stopping(); });
  }

 private:
  std::map<std::string, std::string> env_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace golo::host
