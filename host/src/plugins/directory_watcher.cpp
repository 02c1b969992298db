#include "plugins/directory_watcher.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

namespace golo::host {

DirectoryWatcher::DirectoryWatcher(std::filesystem::path dir,
                                   std::chrono::milliseconds debounce,
                                   std::function<void()> on_change,
                                   Syscalls sys)
    : dir_(std::move(dir)),
      debounce_(debounce),
      on_change_(std::move(on_change)),
      sys_(sys) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    stop_with(std::string("inotify unavailable: ") + std::strerror(errno));
    return;
  }
  if (sys_.pipe(stop_pipe_) != 0) {
    stop_with(std::string("cannot make its stop pipe: ") +
              std::strerror(errno));
    stop_pipe_[0] = stop_pipe_[1] = -1;
    return;
  }
  // IN_CLOSE_WRITE, not IN_MODIFY: act on files fully written, never half.
  // IN_CREATE only counts for symlinks, which are created whole.
  if (inotify_add_watch(fd_, dir_.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                            IN_DELETE | IN_CREATE) < 0) {
    stop_with("cannot watch " + dir_.string() + ": " + std::strerror(errno));
    return;
  }
  running_ = true;
  try {
    thread_ = std::thread([this] { loop(); });
  } catch (const std::system_error &e) {
    running_ = false;
    stop_with(std::string("cannot start its thread: ") + e.what());
    return;
  }
  spdlog::info("watching {} for plugin changes", dir_.string());
}

DirectoryWatcher::~DirectoryWatcher() {
  if (thread_.joinable()) {
    const char c = 'x';
    (void)!write(stop_pipe_[1], &c, 1);
    thread_.join();
  }
  for (int f : {fd_, stop_pipe_[0], stop_pipe_[1]})
    if (f >= 0) close(f);
}

// Every way the watcher ends early comes here: one error line, and then
// only SIGHUP and `golo reload` rescan (the host keeps serving).
void DirectoryWatcher::stop_with(std::string reason) {
  spdlog::error(
      "--watch: {}; no longer watching {} (SIGHUP and golo reload still "
      "rescan)",
      reason, dir_.string());
  {
    std::lock_guard lock(reason_mutex_);
    stop_reason_ = std::move(reason);
  }
  // Last: whoever sees running() false finds the reason logged and set.
  running_ = false;
}

std::string DirectoryWatcher::stop_reason() const {
  std::lock_guard lock(reason_mutex_);
  return stop_reason_;
}

namespace {

// The kubelet's atomic writer: the symlink renamed into place last.
constexpr std::string_view kConfigMapData = "..data";

bool plugin_name(std::string_view name) {
  // Other hidden names are temporary files written beside their final name.
  if (name.empty() || name[0] == '.') return false;
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  };
  return ends(".so") || ends(".conf");
}

bool is_link(const std::filesystem::path &p) {
  std::error_code ec;
  return std::filesystem::is_symlink(std::filesystem::symlink_status(p, ec));
}

}  // namespace

bool DirectoryWatcher::relevant(std::uint32_t mask,
                                std::string_view name) const {
  if (name == kConfigMapData) return true;
  if (!plugin_name(name)) return false;
  // A regular file being created is not whole yet: its IN_CLOSE_WRITE
  // follows. A symlink is whole at once and gets no other event.
  if (mask & IN_CREATE) return is_link(dir_ / std::string(name));
  return true;
}

void DirectoryWatcher::loop() {
  alignas(inotify_event) char buf[8192];
  bool pending = false;
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    const int timeout = pending ? static_cast<int>(debounce_.count()) : -1;
    const int n = sys_.poll(fds, 2, timeout);
    if (n < 0 && errno == EINTR) continue;
    // Any other poll error would return at once every time: a spin. Stop.
    if (n < 0)
      return stop_with(std::string("poll failed: ") + std::strerror(errno));
    if (fds[1].revents) return;
    if (n == 0) {  // quiet for the debounce period: act once for the burst
      pending = false;
      on_change_();
      continue;
    }
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))
      return stop_with("the inotify descriptor failed (poll revents " +
                       std::to_string(fds[0].revents) + ")");
    const ssize_t len = read(fd_, buf, sizeof buf);
    if (len < 0 && errno != EAGAIN && errno != EINTR)
      return stop_with(std::string("cannot read inotify events: ") +
                       std::strerror(errno));
    for (ssize_t off = 0; off < len;) {
      const auto *ev = reinterpret_cast<const inotify_event *>(buf + off);
      // Events were lost: whatever they were, a rescan finds it.
      if (ev->mask & IN_Q_OVERFLOW) pending = true;
      if (ev->mask & IN_IGNORED)  // the directory was removed or unmounted
        return stop_with("the directory is gone");
      if (ev->len > 0 && relevant(ev->mask, ev->name)) pending = true;
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
}

}  // namespace golo::host
