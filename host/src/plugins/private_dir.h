// Where the loader's private copies of plugin files live: a directory this
// process creates itself (mkdtemp, mode 0700), never one it finds, so that
// nobody else can plant a symlink or a file in it. It holds a pid file, so
// a later host can sweep the directory of one that crashed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace golo::host {

// Set by golo-host (the supervisor) for its workers when it serves TLS: its
// own private directory, where each worker keeps its TLS copies in
// tls-PID (security/tls_files.cpp). The supervisor removes a worker's
// tls-PID once it is reaped, whatever killed it, and the whole directory at
// its own exit; a later golo-host sweeps it if the supervisor was killed.
inline constexpr const char *kSupervisorDirEnv = "GOLO_HOST_SUPERVISOR_DIR";

// The first of $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=),
// $XDG_RUNTIME_DIR and $TMPDIR that is set and names a directory on a
// file system that allows exec; else /tmp.
std::filesystem::path private_dir_base();

// Removes base/golo-host.* directories that a dead golo-host left: only
// real directories (not symlinks) owned by this user, mode 0700, whose pid
// file names a process no longer running. Returns how many it removed.
int sweep_stale_private_dirs(const std::filesystem::path &base);

class PrivateDir {
 public:
  // Sweeps base, then creates base/golo-host.XXXXXX for copies of `what`
  // (said in the log). Throws std::runtime_error saying why when it cannot.
  explicit PrivateDir(const std::filesystem::path &base,
                      std::string_view what = "plugin files");
  ~PrivateDir();  // removes the directory and everything in it
  PrivateDir(const PrivateDir &) = delete;
  PrivateDir &operator=(const PrivateDir &) = delete;

  const std::filesystem::path &path() const { return path_; }

  // Writes bytes to a new file name in the directory, refusing to reuse or
  // follow anything already there (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600).
  // Returns why not, or nullopt; a partial file is removed.
  std::optional<std::string> write(const std::string &name,
                                   std::string_view bytes) const;
  void remove(const std::string &name) const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;  // the directory, for openat/unlinkat
};

}  // namespace golo::host
