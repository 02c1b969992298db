// A plugin arriving over the network (golo push): written to a fresh hidden
// file beside its final name as the bytes come, hashed on the way, checked
// against the declared size, the size cap and the declared SHA-256. Nothing
// in the plugins directory changes until PluginInstaller renames it in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "errors/host_error.h"
#include "golo/agent/sha256.h"

namespace golo::host {

// Empty when `job` may name a plugin file (JOB.so): letters, digits, '.',
// '_' and '-', not starting with '.', at most 200 characters.
std::string check_job_name(std::string_view job);

// A new file `.NAME.push-PID-N` in dir, created with O_EXCL|O_NOFOLLOW and
// `mode` whatever the umask (0644 for a plugin; 0600 for settings, which may
// hold secrets); removed by the destructor unless released.
class FreshFile {
 public:
  FreshFile(const std::filesystem::path &dir, const std::string &name,
            unsigned mode = 0644);
  ~FreshFile();
  FreshFile(const FreshFile &) = delete;
  FreshFile &operator=(const FreshFile &) = delete;
  void write(std::string_view data);
  void sync_and_close();  // fsync, so a rename after it never exposes a hole
  const std::filesystem::path &path() const { return path_; }
  void release() { released_ = true; }  // renamed away: nothing to remove

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool released_ = false;
};

class PluginUpload {
 public:
  // Throws HostFailure for a bad job name, a size over max_size, a
  // malformed hash, or a file that cannot be created.
  PluginUpload(const std::filesystem::path &dir, std::string job,
               std::uint64_t size, std::string sha256, std::uint64_t max_size);
  void append(std::string_view data);  // throws past the declared size
  // Checks the size and hash, syncs the file; throws HostFailure.
  void finish();

  const std::string &job() const { return job_; }
  const std::string &sha256() const { return sha256_; }
  std::uint64_t received() const { return received_; }
  FreshFile &file() { return file_; }

 private:
  std::string job_;
  std::uint64_t size_;
  std::string sha256_;
  FreshFile file_;
  agent::Sha256 hash_;
  std::uint64_t received_ = 0;
};

}  // namespace golo::host
