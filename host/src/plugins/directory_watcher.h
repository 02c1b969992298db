// golo-host --watch: inotify on the plugins directory. Files fully written
// (close after write) or renamed into place, symlinks created, and removals
// trigger the same rescan as `golo reload` and SIGHUP, after a short quiet
// period. So does a Kubernetes ConfigMap update, which changes no NAME.so
// entry at all: the kubelet writes a new hidden directory ..TIMESTAMP,
// renames a new ..data symlink to it into place, and NAME.so is a symlink
// to ..data/NAME.so.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace golo::host {

// The system calls whose failure stops the watcher; tests replace them to
// reach those paths. (At namespace scope: a nested struct's default member
// initializers cannot serve a default argument inside its own class.)
struct WatcherSyscalls {
  int (*pipe)(int fds[2]) = ::pipe;
  int (*poll)(pollfd *fds, nfds_t n, int timeout_ms) = ::poll;
};

class DirectoryWatcher {
 public:
  using Syscalls = WatcherSyscalls;

  DirectoryWatcher(std::filesystem::path dir,
                   std::chrono::milliseconds debounce,
                   std::function<void()> on_change, Syscalls sys = {});
  ~DirectoryWatcher();  // stops and joins
  // Whether it is watching: false when it could not start, or after an
  // error stopped it (stop_reason says which; both are logged).
  bool running() const { return running_.load(); }
  std::string stop_reason() const;

 private:
  void loop();
  void stop_with(std::string reason);
  bool relevant(std::uint32_t mask, std::string_view name) const;
  std::filesystem::path dir_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  Syscalls sys_;
  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> running_{false};
  mutable std::mutex reason_mutex_;
  std::string stop_reason_;
  std::thread thread_;
};

}  // namespace golo::host
