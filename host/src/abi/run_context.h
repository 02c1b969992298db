// What the host functions of ABI 1.2 need from the run a call belongs to:
// its env (schedule env: and golo run -e), and its end: think time
// (golo_host_api.sleep) gives way at once, HTTP requests in flight only
// once the graceful stop has passed (they are the iteration's work, which
// the graceful stop is for). One per run, shared by its users; a single
// Job.Trigger call has none.
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
  using Clock = std::chrono::steady_clock;
  RunContext() = default;
  RunContext(std::map<std::string, std::string> env,
             std::chrono::nanoseconds graceful_stop, bool http2 = false)
      : env_(std::move(env)), graceful_(graceful_stop), http2_(http2) {}

  // The schedule's http2: true: every request offers HTTP/2.
  bool http2() const { return http2_; }

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
      if (stopping_.load(std::memory_order_relaxed)) return;
      abort_at_.store((Clock::now() + graceful_).time_since_epoch().count(),
                      std::memory_order_relaxed);
      stopping_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
  }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // The graceful stop has passed: requests in flight end (GOLO_HTTP_STOPPED).
  bool aborting() const {
    return stopping() && Clock::now().time_since_epoch().count() >=
                             abort_at_.load(std::memory_order_relaxed);
  }

  // Waits ns, or until stop(). True when the whole wait passed.
  bool sleep_for(std::int64_t ns) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, std::chrono::nanoseconds(ns),
                           [this] { return stopping(); });
  }

 private:
  std::map<std::string, std::string> env_;
  std::chrono::nanoseconds graceful_{0};
  bool http2_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<Clock::rep> abort_at_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace golo::host
