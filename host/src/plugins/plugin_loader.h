// Loads one plugin file into a PluginVersion, or says precisely why not.
// A straight sequence of guarded steps, one message each: read -> ELF check
// -> private copy -> dlopen -> ABI marker -> version -> golo_trigger ->
// settings -> init.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>

#include "plugins/plugin_version.h"

namespace golo::host {

struct LoadError {
  std::string file;
  std::string reason;  // "primary: detail" in one line, e.g. the ABI mismatch
  bool quarantined = false;  // refused because this version crashed a worker
  std::string job;
};

// The identity of a file's content: what decides replaced vs unchanged.
struct FileFingerprint {
  std::string sha256;           // of NAME.so
  std::string settings_sha256;  // of NAME.conf, empty when absent
  bool operator==(const FileFingerprint &) const = default;
};

class PluginLoader {
 public:
  // Private copies go to private_dir (created if missing).
  explicit PluginLoader(std::filesystem::path private_dir);
  ~PluginLoader();

  // Loads file as job `job`, numbering the load `generation`.
  std::variant<std::shared_ptr<PluginVersion>, LoadError> load(
      const std::filesystem::path &file, const std::string &job,
      std::uint64_t generation);

  // How long golo_init may run; past it the load fails (see load()).
  void set_init_timeout(std::chrono::milliseconds t) { init_timeout_ = t; }

  // Hashes the file and its settings without loading.
  static std::variant<FileFingerprint, LoadError> fingerprint(
      const std::filesystem::path &file);

 private:
  std::filesystem::path private_dir_;
  std::uint64_t copies_ = 0;
  std::chrono::milliseconds init_timeout_{30000};
};

std::string sha256_hex(const std::string &bytes);

}  // namespace golo::host
