#include "plugins/private_dir.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

// Why a directory and not memfd_create + dlopen("/proc/self/fd/N"): glibc's
// dlopen first matches the name against the libraries already open, and fd
// numbers are reused, so the second memfd at the same number would get the
// first plugin's handle back. Unique names in a directory of our own avoid
// that; the copy is unlinked as soon as it is mapped.

namespace golo::host {
namespace fs = std::filesystem;

namespace {

constexpr const char *kPrefix = "golo-host.";
constexpr const char *kPidFile = "pid";

// Field 22 of /proc/PID/stat (the start time in clock ticks since boot),
// which tells a reused pid from the process that wrote the pid file; empty
// when the process is gone or a zombie.
std::string start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return {};
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 2));
  std::string field, state;
  rest >> state;  // field 3
  if (state == "Z" || state == "X") return {};
  for (int i = 4; i <= 22 && rest >> field; ++i) {
  }
  return field;
}

bool usable_base(const char *value) {
  if (value == nullptr || *value == '\0') return false;
  struct stat st {};
  if (stat(value, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
  struct statvfs vfs {};
  // dlopen cannot map a copy from a noexec mount.
  return statvfs(value, &vfs) == 0 && !(vfs.f_flag & ST_NOEXEC);
}

}  // namespace

fs::path private_dir_base() {
  // systemd joins several RuntimeDirectory= paths with ':'; take the first.
  std::string runtime;
  if (const char *r = std::getenv("RUNTIME_DIRECTORY"))
    runtime = std::string(r).substr(0, std::string(r).find(':'));
  const char *candidates[] = {runtime.c_str(), std::getenv("XDG_RUNTIME_DIR"),
                              std::getenv("TMPDIR")};
  for (const char *candidate : candidates)
    if (usable_base(candidate)) return candidate;
  return "/tmp";
}

int sweep_stale_private_dirs(const fs::path &base) {
  int removed = 0;
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(base, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    struct stat st {};
    if (lstat(entry.path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != geteuid() || (st.st_mode & 07777) != 0700)
      continue;  // not one of ours: never touch it
    const int dfd = open(entry.path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) continue;
    const int pfd = openat(dfd, kPidFile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dfd);
    if (pfd < 0) continue;
    char buf[64] = {};
    const ssize_t n = read(pfd, buf, sizeof buf - 1);
    close(pfd);
    if (n <= 0) continue;
    std::istringstream in(std::string(buf, static_cast<std::size_t>(n)));
    long pid = 0;
    std::string started;
    if (!(in >> pid >> started) || pid <= 0 || pid == getpid()) continue;
    if (start_time(pid) == started) continue;  // still running
    fs::remove_all(entry.path(), ec);  // removes symlinks, never follows them
    if (ec) {
      spdlog::warn("cannot remove stale private directory {}: {}",
                   entry.path().string(), ec.message());
      continue;
    }
    spdlog::info(
        "removed stale private directory {} of golo-host pid {} (no longer "
        "running)",
        entry.path().string(), pid);
    ++removed;
  }
  return removed;
}

PrivateDir::PrivateDir(const fs::path &base, std::string_view what) {
  sweep_stale_private_dirs(base);
  std::string tmpl = (base / (std::string(kPrefix) + "XXXXXX")).string();
  // mkdtemp: a new name, created 0700 by us, or failure; never an existing
  // directory or symlink someone planted.
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("cannot create a private directory in " +
                             base.string() + ": " + std::strerror(errno));
  path_ = tmpl;
  fd_ = open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  const std::string pid =
      std::to_string(getpid()) + " " + start_time(getpid()) + "\n";
  const auto why = fd_ < 0 ? std::optional<std::string>(std::strerror(errno))
                           : write(kPidFile, pid);
  if (why) {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("cannot set up private directory " +
                             path_.string() + ": " + *why);
  }
  spdlog::info("private copies of {} go to {}", what, path_.string());
}

PrivateDir::~PrivateDir() {
  if (fd_ >= 0) close(fd_);
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::optional<std::string> PrivateDir::write(const std::string &name,
                                             std::string_view bytes) const {
  const int fd =
      openat(fd_, name.c_str(),
             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return "cannot create private copy " + (path_ / name).string() + ": " +
           std::strerror(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(n < 0 ? errno : ENOSPC);
      close(fd);
      remove(name);
      return "cannot write private copy " + (path_ / name).string() + ": " +
             why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (close(fd) != 0) {
    const std::string why = std::strerror(errno);
    remove(name);
    return "cannot write private copy " + (path_ / name).string() + ": " + why;
  }
  return std::nullopt;
}

void PrivateDir::remove(const std::string &name) const {
  unlinkat(fd_, name.c_str(), 0);
}

}  // namespace golo::host
