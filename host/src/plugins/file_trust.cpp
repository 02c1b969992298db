#include "plugins/file_trust.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

#include "golo/agent/sha256.h"

namespace golo::host {
namespace fs = std::filesystem;

namespace {

constexpr const char *kHint =
    " (or start golo-host with --allow-unsafe-permissions)";

std::string user_name(uid_t uid) {
  passwd pw{}, *found = nullptr;
  char buf[1024];
  std::string out = "uid " + std::to_string(uid);
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found)
    out += " (" + std::string(found->pw_name) + ")";
  return out;
}

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// True when fd is on a read-only mount, where nobody can write, whatever
// the mode says: a Kubernetes ConfigMap volume's directory shows 0777.
bool read_only_mount(int fd) {
  struct statvfs vfs {};
  return fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

// The owner and mode test, on what fstat returned for fd, named what.
std::optional<std::string> untrusted(int fd, const struct stat &st,
                                     const std::string &what) {
  const uid_t me = geteuid();
  if (st.st_uid != me && st.st_uid != 0)
    return "unsafe owner: " + what + " is owned by " + user_name(st.st_uid) +
           ", not by golo-host's user (" + user_name(me) +
           ") or root; anyone who can write it runs code as golo-host. "
           "chown it" +
           kHint;
  // A read-only mount counts only over something root owns (a ConfigMap's
  // volume): a read-only bind of another directory is still writable, by
  // whoever may, at its own path.
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
      !(st.st_uid == 0 && read_only_mount(fd)))
    return "unsafe permissions: " + what + " is writable by " +
           ((st.st_mode & S_IWOTH) ? "others" : "group") + " (mode " +
           octal(st.st_mode) +
           "); anyone who can write it runs code as "
           "golo-host. chmod go-w it" +
           kHint;
  return std::nullopt;
}

std::string cannot_open(const fs::path &p, int err) {
  return "cannot open " + p.string() + ": " + std::strerror(err);
}

std::string too_big(const fs::path &p, std::uint64_t size, std::uint64_t max) {
  return "cannot open " + p.string() + ": " + std::to_string(size) +
         " bytes, over --max-plugin-size " + std::to_string(max) +
         " (not read)";
}

// Reads fd to its end in chunks handed to sink, refusing it (unread) when
// fstat says it is over max, or when it grows past max while read.
std::optional<std::string> read_chunks(
    int fd, const fs::path &p, std::uint64_t max,
    const std::function<void(std::string_view)> &sink) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return cannot_open(p, errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max) return too_big(p, size, max);
  std::uint64_t total = 0;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n == 0) return std::nullopt;
    if (n < 0) {
      if (errno == EINTR) continue;
      return "cannot read " + p.string() + ": " + std::strerror(errno);
    }
    total += static_cast<std::uint64_t>(n);
    if (total > max) return too_big(p, total, max);  // grew
    sink({buf, static_cast<std::size_t>(n)});
  }
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

std::optional<std::string> check_plugins_directory(const fs::path &dir) {
  Fd d;
  d.fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st {};
  if (d.fd < 0 || fstat(d.fd, &st) != 0) return cannot_open(dir, errno);
  if (auto why = untrusted(d.fd, st, "the plugins directory " + dir.string()))
    return *why + "; nothing is loaded from it";
  return std::nullopt;
}

namespace {

// Opens path into f as read_plugin_file describes (checks included).
std::optional<std::string> open_plugin_file(const fs::path &path,
                                            bool check_permissions, Fd &f) {
  // O_NONBLOCK: a FIFO named NAME.so must not hang the rescan.
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;
  if (!check_permissions) {
    f.fd = open(path.c_str(), kFlags);
    return f.fd < 0 ? std::optional(cannot_open(path, errno)) : std::nullopt;
  }
  struct stat lst {};
  if (lstat(path.c_str(), &lst) != 0) return cannot_open(path, errno);
  std::string what = path.string();
  if (S_ISLNK(lst.st_mode)) {
    // Follow a symlink (a ConfigMap's NAME.so -> ..data/NAME.so) only to a
    // file whose directory passes too: open that directory, check it, and
    // open the file relative to it without following anything further.
    std::error_code ec;
    const fs::path target = fs::canonical(path, ec);
    if (ec) return "cannot open " + path.string() + ": " + ec.message();
    Fd dir;
    dir.fd =
        open(target.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir.fd < 0) return cannot_open(target.parent_path(), errno);
    struct stat dst {};
    if (fstat(dir.fd, &dst) != 0)
      return cannot_open(target.parent_path(), errno);
    if (auto why = untrusted(dir.fd, dst,
                             "the directory " + target.parent_path().string() +
                                 " of symlink " + path.string() + "'s target"))
      return why;
    what = "symlink " + path.string() + "'s target " + target.string();
    f.fd = openat(dir.fd, target.filename().c_str(), kFlags | O_NOFOLLOW);
    if (f.fd < 0) return cannot_open(target, errno);
  } else {
    f.fd = open(path.c_str(), kFlags | O_NOFOLLOW);
    if (f.fd < 0) return cannot_open(path, errno);
  }
  struct stat st {};
  if (fstat(f.fd, &st) != 0) return cannot_open(path, errno);
  if (!S_ISREG(st.st_mode))
    return "cannot open " + what + ": not a regular file";
  return untrusted(f.fd, st, what);
}

}  // namespace

std::optional<std::string> read_plugin_file(const fs::path &path,
                                            bool check_permissions,
                                            std::string &bytes,
                                            std::uint64_t max_size) {
  Fd f;
  if (auto why = open_plugin_file(path, check_permissions, f)) return why;
  bytes.clear();
  return read_chunks(f.fd, path, max_size,
                     [&bytes](std::string_view chunk) { bytes += chunk; });
}

std::optional<std::string> hash_plugin_file(const fs::path &path,
                                            bool check_permissions,
                                            std::string &sha256_hex,
                                            std::uint64_t max_size) {
  Fd f;
  if (auto why = open_plugin_file(path, check_permissions, f)) return why;
  agent::Sha256 digest;
  if (auto why = read_chunks(
          f.fd, path, max_size,
          [&digest](std::string_view chunk) { digest.update(chunk); }))
    return why;
  sha256_hex = digest.final_hex();
  return std::nullopt;
}

}  // namespace golo::host
