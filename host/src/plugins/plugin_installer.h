// Puts a pushed plugin (and its settings) in place, or removes a job's
// files, then runs the same rescan as a reload. A pushed file that fails to
// load is taken out again and the previous file put back, so the directory
// keeps matching what serves.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugins/plugin_registry.h"
#include "plugins/plugin_upload.h"

namespace golo::host {

struct InstallResult {
  FileChange outcome = FileChange::kUnchanged;  // for the pushed or removed job
  HostError problem;                            // when kFailed
  std::string reason() const { return problem.message(); }
  std::string sha256;  // what serves the job now
  std::uint64_t generation = 0;
  std::vector<FileReport> reports;  // the whole rescan
};

class PluginInstaller {
 public:
  explicit PluginInstaller(PluginRegistry &registry) : registry_(registry) {}

  // upload must be finish()ed. settings, when given, replace JOB.conf
  // (checked first: a malformed line throws HostFailure); when not given,
  // JOB.conf stays as it is.
  InstallResult install(PluginUpload &upload,
                        const std::optional<std::string> &settings);
  // Deletes JOB.so and JOB.conf; throws HostFailure when JOB.so is absent.
  InstallResult remove(const std::string &job);

 private:
  PluginRegistry &registry_;
  std::mutex mutex_;  // one install or remove at a time
};

}  // namespace golo::host
