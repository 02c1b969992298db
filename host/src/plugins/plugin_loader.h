// Loads one plugin file into a LoadedGeneration, or says precisely why not.
// A straight sequence of guarded steps, one message each. No code of the
// file runs before step 6:
//   1. read NAME.so through a descriptor whose owner and mode pass
//      (file_trust.h);
//   2. the bytes are a whole ELF shared object for this machine
//      (elf_check.h);
//   3. they carry the GOLO_PLUGIN note with this host's ABI version;
//   4. NAME.conf, read the same way, parses;
//   5. a private copy in a directory of our own (private_dir.h);
//   6. dlopen (constructors run here);
//   7. golo_plugin_magic() agrees with the note, and sets only flag bits
//      this host knows;
//   8. golo_trigger exists;
//   9. golo_init.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "errors/host_error.h"
#include "plugins/loaded_generation.h"
#include "plugins/private_dir.h"

namespace golo::host {

// Why a file was not loaded. The problem's three parts stay apart up to
// the log and golo plugins (Problem on the wire); reason() is them joined,
// for a one-line message.
struct LoadError {
  std::string file;
  HostError problem;
  bool quarantined = false;  // refused because this version crashed a worker
  std::string job;
  std::string reason() const { return problem.message(); }
};

// The identity of a file's content: what decides replaced vs unchanged.
struct FileFingerprint {
  std::string sha256;           // of NAME.so
  std::string settings_sha256;  // of NAME.conf, empty when absent
  bool operator==(const FileFingerprint &) const = default;
};

struct LoaderOptions {
  // --allow-unsafe-permissions: skip the owner and mode checks.
  bool allow_unsafe_permissions = false;
  // --max-plugin-size: a bigger file in the directory is refused before a
  // byte of it is read (a 4 GB file must not exhaust memory at each rescan).
  std::uint64_t max_file_size = 64ull * 1024 * 1024;
};

class PluginLoader {
 public:
  // Private copies go to a new directory of its own under private_base
  // (see private_dir.h), removed with the loader. Throws
  // std::runtime_error when that directory cannot be created.
  explicit PluginLoader(const std::filesystem::path &private_base,
                        LoaderOptions options = {});
  ~PluginLoader();

  // Loads file as job `job`, numbering the load `generation`.
  std::variant<std::shared_ptr<LoadedGeneration>, LoadError> load(
      const std::filesystem::path &file, const std::string &job,
      std::uint64_t generation);

  // How long golo_init may run; past it the load fails (see load()).
  void set_init_timeout(std::chrono::milliseconds t) { init_timeout_ = t; }

  // Hashes the file and its settings without loading (after the same
  // owner and mode checks as load).
  std::variant<FileFingerprint, LoadError> fingerprint(
      const std::filesystem::path &file) const;

  // Why nothing may be loaded from the plugins directory dir, or nullopt.
  std::optional<std::string> check_directory(
      const std::filesystem::path &dir) const;

  const std::filesystem::path &private_dir() const;

 private:
  LoaderOptions options_;
  std::unique_ptr<PrivateDir> private_dir_;
  std::atomic<std::uint64_t> copies_{0};  // loads may run in parallel
  std::chrono::milliseconds init_timeout_{30000};
};

}  // namespace golo::host
