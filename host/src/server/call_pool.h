// Threads for plugin calls that must not run on a gRPC callback thread. A
// task runs on an idle thread, or on a new one when none is idle: a plugin
// call that blocks (or never returns) holds one thread, never the others'
// work. Threads idle for a while exit, so a burst of slow calls does not
// keep its threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stdexcept>

namespace golo::host {

class CallPool {
 public:
  // At most max_threads threads (0: no bound of ours).
  explicit CallPool(
      std::size_t max_threads = 0,
      std::chrono::milliseconds idle_exit = std::chrono::seconds(10))
      : max_threads_(max_threads), idle_exit_(idle_exit) {}
  // Waits for every thread to finish its task and exit.
  ~CallPool();
  CallPool(const CallPool &) = delete;
  CallPool &operator=(const CallPool &) = delete;

  // Runs task on a pool thread. Throws Full when every one of max_threads
  // is busy, std::system_error when no thread can be started.
  struct Full : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  void submit(std::function<void()> task);

  std::size_t threads() const;  // alive now
  std::size_t idle() const;     // of which waiting for a task

 private:
  void work();

  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, exited_;
  std::deque<std::function<void()>> tasks_;
  std::size_t threads_ = 0, idle_ = 0;
  bool stopping_ = false;
};

}  // namespace golo::host
