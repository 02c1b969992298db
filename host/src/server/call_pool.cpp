#include "server/call_pool.h"

#include <string>
#include <thread>

namespace golo::host {

CallPool::~CallPool() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  wake_.notify_all();
  exited_.wait(lock, [&] { return threads_ == 0; });
}

void CallPool::submit(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  // Each queued task needs a thread of its own: an idle one, or a new one.
  if (idle_ >= tasks_.size()) {
    wake_.notify_one();
    return;
  }
  if (max_threads_ != 0 && threads_ >= max_threads_) {
    tasks_.pop_back();
    throw Full("all " + std::to_string(max_threads_) +
               " threads for plugin calls are busy (--max-threads)");
  }
  try {
    std::thread([this] { work(); }).detach();
  } catch (...) {
    tasks_.pop_back();
    throw;
  }
  ++threads_;
}

std::size_t CallPool::threads() const {
  std::lock_guard lock(mutex_);
  return threads_;
}

std::size_t CallPool::idle() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void CallPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (tasks_.empty()) {
      if (stopping_) break;
      ++idle_;
      const bool woken = wake_.wait_for(
          lock, idle_exit_, [&] { return !tasks_.empty() || stopping_; });
      --idle_;
      if (!woken) break;  // idle too long
      continue;
    }
    {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
    }  // gone before locking: it may hold the last reference to a plugin
    lock.lock();
  }
  // Notified under the lock: the destructor cannot return (and free the
  // mutex) before this thread has let go of it.
  --threads_;
  exited_.notify_all();
}

}  // namespace golo::host
