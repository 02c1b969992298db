// golo-host --watch: inotify on the plugins directory. Files fully written
// (close after write) or renamed into place, symlinks created, and removals
// trigger the same rescan as `golo reload` and SIGHUP, after a short quiet
// period. So does a Kubernetes ConfigMap update, which changes no NAME.so
// entry at all: the kubelet writes a new hidden directory ..TIMESTAMP,
// renames a new ..data symlink to it into place, and NAME.so is a symlink
// to ..data/NAME.so.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>
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
  bool relevant(std::uint32_t mask, std::string_view name) const;
  std::filesystem::path dir_;
  std::chrono::milliseconds debounce_;
  std::function<void()> on_change_;
  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace golo::host
