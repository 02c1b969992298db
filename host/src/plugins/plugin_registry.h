// Which version of which plugin serves each job, and the rescan that hot
// reload runs: new files load, changed files replace their job, removed files
// unload, failures leave the serving version in place.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "board/quarantine_list.h"
#include "errors/host_error.h"
#include "golo/wire/file_change.h"
#include "plugins/loaded_generation.h"
#include "plugins/plugin_loader.h"

namespace golo::host {

// What a rescan did to one file; its names are wire::outcome_name.
using FileChange = wire::FileChange;

// Longest job name a request may give.
inline constexpr std::size_t kMaxJobNameBytes = 256;

struct FileReport {
  std::string file;
  std::string job;
  FileChange outcome;
  HostError problem;  // for kFailed
  std::string reason() const { return problem.message(); }
};

struct JobStatus {
  std::shared_ptr<LoadedGeneration> current;
  std::size_t draining = 0;  // older versions with calls still running
};

class PluginRegistry {
 public:
  // Private copies go to a directory of the loader's own under
  // private_base (see private_dir.h).
  PluginRegistry(std::filesystem::path plugins_dir,
                 const std::filesystem::path &private_base,
                 LoaderOptions options = {});
  ~PluginRegistry();

  // Brings the loaded set in line with the directory. Rescans never overlap.
  std::vector<FileReport> rescan();

  // The version serving job now (an empty job picks the only one), or null.
  // The caller's copy keeps that version alive until dropped.
  std::shared_ptr<LoadedGeneration> find(const std::string &job) const;
  // The same for a caller's request: the version, or why not (a name too
  // long, not found naming the jobs there are, quarantined with its cause).
  Result<std::shared_ptr<LoadedGeneration>> resolve(
      const std::string &job) const;

  // At a bounded shutdown: unloads (golo_shutdown, dlclose) every version no
  // call holds, leaving those a call is stuck in.
  void shutdown_idle();
  // "job (N calls), ..." for the versions calls still hold.
  std::string describe_busy() const;

  // Versions not to load (from the supervisor), before the first rescan.
  void set_quarantine(std::vector<board::QuarantineEntry> list);
  // Why job is not served, when its file is quarantined; null otherwise.
  std::optional<LoadError> quarantined(const std::string &job) const;
  PluginLoader &loader() { return loader_; }

  // Names of the loaded jobs, sorted, for NOT_FOUND messages.
  std::vector<std::string> jobs() const;
  std::map<std::string, JobStatus> status() const;
  // Files that failed at the last rescan, and quarantined ones. A file that
  // failed as a replacement still has its earlier version serving (see
  // status()): the failure is about the new bytes.
  std::vector<LoadError> failures() const;
  const std::filesystem::path &dir() const { return dir_; }

  // Changes whenever any job's version changes; lets a hot loop keep its
  // version between iterations and look up again only after a change.
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

  // Files per outcome over every rescan so far (golo_reloads_total).
  std::uint64_t outcome_count(FileChange o) const {
    return outcome_counts_[static_cast<int>(o)].load(std::memory_order_relaxed);
  }

 private:
  std::optional<LoadError> quarantine_match(
      const std::string &job, const std::filesystem::path &path) const;
  // rescan()'s steps.
  struct Scan;
  struct PendingLoad;
  std::vector<PendingLoad> plan_loads(
      const std::map<std::string, std::filesystem::path> &files, Scan &scan);
  void commit(std::map<std::string, std::shared_ptr<LoadedGeneration>> &loaded,
              const std::map<std::string, std::filesystem::path> &files,
              Scan &scan);

  std::filesystem::path dir_;
  PluginLoader loader_;
  std::mutex rescan_mutex_;
  mutable std::shared_mutex mutex_;  // guards the fields below
  std::map<std::string, std::shared_ptr<LoadedGeneration>> jobs_;
  std::map<std::string, std::vector<std::weak_ptr<LoadedGeneration>>> retired_;
  std::vector<LoadError> failures_;
  std::vector<board::QuarantineEntry> quarantine_;
  std::atomic<std::uint64_t> epoch_{0};
  std::array<std::atomic<std::uint64_t>, 5> outcome_counts_{};
  void count_outcomes(const std::vector<FileReport> &reports);
  std::uint64_t next_generation_ = 1;
};

}  // namespace golo::host
