// golo-host --watch: inotify on the plugins directory. Files fully written
// (close after write) or renamed into place, and removals, trigger the same
// rescan as `golo reload` and SIGHUP, after a short quiet period.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

namespace golo::host {

class DirectoryWatcher {
 public:
  DirectoryWatcher(std::filesystem::path dir,
                   std::chrono::milliseconds debounce,
                   std::function<void()> on_change);
  ~DirectoryWatcher();  // stops and joins
  bool ok() const { return fd_ >= 0; }

 private:
  void loop();
  std::filesystem::path dir_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace golo::host
