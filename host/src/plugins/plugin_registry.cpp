#include "plugins/plugin_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <set>
#include <thread>

#include "golo/agent/utf8.h"

namespace golo::host {
namespace fs = std::filesystem;

PluginRegistry::PluginRegistry(fs::path plugins_dir,
                               const fs::path &private_base,
                               LoaderOptions options)
    : dir_(std::move(plugins_dir)), loader_(private_base, options) {}

PluginRegistry::~PluginRegistry() {
  // Versions still held by calls unload when those finish; drop ours first,
  // while the loader (and its private directory) still exists.
  std::unique_lock lock(mutex_);
  jobs_.clear();
}

namespace {

// Names and paths come from whoever wrote the directory: in the log they
// are escaped, so a newline in a file name cannot forge a log line.
std::string shown(const std::string &s) { return agent::printable(s, 1024); }

// Why an entry named NAME.so cannot be a plugin file, or "" when it may be
// one (a regular file, or a symlink to one: the loader checks it further).
std::string not_a_plugin_file(const fs::directory_entry &entry) {
  std::error_code ec;
  const auto st = entry.status(ec);  // follows a symlink
  if (ec || st.type() == fs::file_type::not_found) {
    if (entry.is_symlink()) {
      const auto target = fs::read_symlink(entry.path(), ec);
      return "dangling symlink to " + target.string() + " (" +
             (ec ? ec.message()
                 : std::string("no such file; or a loop, or a directory "
                               "that cannot be searched")) +
             ")";
    }
    return "cannot stat it: " + ec.message();
  }
  switch (st.type()) {
    case fs::file_type::regular:
      return "";
    case fs::file_type::directory:
      return "a directory, not a plugin file";
    case fs::file_type::fifo:
      return "a FIFO, not a plugin file";
    case fs::file_type::socket:
      return "a socket, not a plugin file";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device, not a plugin file";
    default:
      return "not a regular file";
  }
}

// NAME.so entries directly in dir; hidden files are skipped so that a
// plugin being written beside its final name (".x.so.tmp", ".x.so") is
// never loaded. Entries that cannot be plugin files go to refused, with
// their reason, so that golo plugins lists them.
std::map<std::string, fs::path> plugin_files(const fs::path &dir,
                                             std::string &error,
                                             std::vector<LoadError> &refused) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    error =
        "cannot read plugins directory " + dir.string() + ": " + ec.message();
    return out;
  }
  for (const auto &entry : it) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || entry.path().extension() != ".so")
      continue;
    if (auto why = not_a_plugin_file(entry); !why.empty()) {
      refused.push_back(
          {entry.path().string(),
           HostError{HostError::Code::kFailedPrecondition, why, {}, {}}, false,
           entry.path().stem().string()});
      continue;
    }
    out.emplace(entry.path().stem().string(), entry.path());
  }
  return out;
}

}  // namespace

void PluginRegistry::set_quarantine(std::vector<board::QuarantineEntry> list) {
  std::unique_lock lock(mutex_);
  quarantine_ = std::move(list);
}

std::optional<LoadError> PluginRegistry::quarantine_match(
    const std::string &job, const fs::path &path) const {
  {
    std::shared_lock lock(mutex_);
    if (std::none_of(
            quarantine_.begin(), quarantine_.end(),
            [&](const board::QuarantineEntry &q) { return q.job == job; }))
      return std::nullopt;
  }
  auto fp = loader_.fingerprint(path);
  const auto *f = std::get_if<FileFingerprint>(&fp);
  if (!f) return std::nullopt;  // the load reports why it cannot read it
  std::shared_lock lock(mutex_);
  for (const auto &q : quarantine_)
    if (q.job == job && q.sha256 == f->sha256)
      return LoadError{
          path.string(),
          HostError{
              HostError::Code::kFailedPrecondition, q.cause,
              "the quarantine lasts until the file's content changes",
              "replace " + path.filename().string() + " with a fixed build"},
          true, job};
  return std::nullopt;
}

void PluginRegistry::shutdown_idle() {
  std::vector<std::shared_ptr<LoadedGeneration>> idle;
  {
    std::unique_lock lock(mutex_);
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      if (it->second->in_flight() == 0) {
        idle.push_back(std::move(it->second));
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  idle.clear();  // shutdown and unload of versions only we held
}

std::string PluginRegistry::describe_busy() const {
  std::shared_lock lock(mutex_);
  std::string out;
  for (const auto &[job, v] : jobs_)
    if (const auto n = v->in_flight())
      out += (out.empty() ? "" : ", ") + job + " (" + std::to_string(n) +
             " calls)";
  for (const auto &[job, list] : retired_)
    for (const auto &w : list)
      if (auto v = w.lock(); v && v->in_flight())
        out += (out.empty() ? "" : ", ") + job + " generation " +
               std::to_string(v->meta().generation) + " (" +
               std::to_string(v->in_flight()) + " calls)";
  return out.empty() ? "none in a plugin" : out;
}

std::optional<LoadError> PluginRegistry::quarantined(
    const std::string &job) const {
  std::shared_lock lock(mutex_);
  for (const auto &f : failures_)
    if (f.quarantined && f.job == job) return f;
  return std::nullopt;
}

namespace {

// Runs each task on a thread of its own and waits for all; one task, or
// one with no thread to spare, runs in turn on this one.
void run_at_once(const std::vector<std::function<void()>> &tasks) {
  if (tasks.size() == 1) return tasks.front()();
  std::vector<std::thread> threads;
  for (const auto &task : tasks) {
    try {
      threads.emplace_back(task);
    } catch (const std::system_error &) {
      task();
    }
  }
  for (auto &t : threads) t.join();
}

}  // namespace

// One rescan's running account: what each file came to, and the files
// that failed (failures_ after the commit).
struct PluginRegistry::Scan {
  std::vector<FileReport> reports;
  std::vector<LoadError> failures;

  // The report names the plugin file (e.file may be its NAME.conf).
  void fail(LoadError e, const fs::path &plugin_file,
            const std::string &also = "") {
    spdlog::error("plugin {}: {}{}{}", shown(e.file),
                  e.quarantined ? "quarantined: " : "", shown(e.reason()),
                  also);
    reports.push_back(
        {plugin_file.string(), e.job, FileChange::kFailed, e.problem});
    failures.push_back(std::move(e));
  }
};

// A file to load, numbered in file order before loading (a failed load
// uses its number).
struct PluginRegistry::PendingLoad {
  std::string job;
  fs::path path;
  bool replacing;
  std::uint64_t generation;
  std::variant<std::shared_ptr<LoadedGeneration>, LoadError> result;
};

std::vector<FileReport> PluginRegistry::rescan() {
  std::lock_guard rescan_lock(rescan_mutex_);
  Scan scan;
  std::string dir_error = loader_.check_directory(dir_).value_or("");
  std::map<std::string, fs::path> files;
  std::vector<LoadError> refused;  // entries that cannot be plugin files
  if (dir_error.empty()) files = plugin_files(dir_, dir_error, refused);
  for (auto &f : refused) scan.fail(f, f.file);
  if (!dir_error.empty()) {
    // An unreadable or unsafe directory loads nothing new, and must not
    // unload everything that is serving.
    spdlog::error("{}", dir_error);
    const HostError problem{
        HostError::Code::kFailedPrecondition, dir_error, {}, {}};
    scan.reports.push_back({dir_.string(), "", FileChange::kFailed, problem});
    std::unique_lock lock(mutex_);
    failures_ = {LoadError{dir_.string(), problem, false, {}}};
    count_outcomes(scan.reports);
    return scan.reports;
  }
  std::vector<PendingLoad> loads = plan_loads(files, scan);
  // Every file at once, so that hanging golo_inits cost one --init-timeout,
  // not one each. Loading runs outside the map lock: calls keep being
  // served meanwhile.
  std::vector<std::function<void()>> tasks;
  for (auto &l : loads)
    tasks.emplace_back(
        [this, &l] { l.result = loader_.load(l.path, l.job, l.generation); });
  run_at_once(tasks);
  std::map<std::string, std::shared_ptr<LoadedGeneration>> loaded;
  for (auto &l : loads) {
    if (auto *err = std::get_if<LoadError>(&l.result)) {
      err->job = l.job;
      scan.fail(std::move(*err), l.path,
                l.replacing ? " (the loaded version keeps serving)" : "");
    } else {
      loaded[l.job] =
          std::get<std::shared_ptr<LoadedGeneration>>(std::move(l.result));
    }
  }
  commit(loaded, files, scan);
  std::sort(
      scan.reports.begin(), scan.reports.end(),
      [](const FileReport &a, const FileReport &b) { return a.file < b.file; });
  count_outcomes(scan.reports);
  return scan.reports;
}

// Which files need loading: not quarantined, and new or changed.
std::vector<PluginRegistry::PendingLoad> PluginRegistry::plan_loads(
    const std::map<std::string, fs::path> &files, Scan &scan) {
  std::map<std::string, std::shared_ptr<LoadedGeneration>> current;
  {
    std::shared_lock lock(mutex_);
    current = jobs_;
  }
  std::vector<PendingLoad> loads;
  for (const auto &[job, path] : files) {
    auto it = current.find(job);
    if (auto q = quarantine_match(job, path)) {
      scan.fail(std::move(*q), path);
      continue;
    }
    if (it != current.end()) {
      auto fp = loader_.fingerprint(path);
      if (auto *f = std::get_if<FileFingerprint>(&fp);
          f && f->sha256 == it->second->meta().sha256 &&
          f->settings_sha256 == it->second->meta().settings_sha256) {
        spdlog::info("plugin {}: unchanged ({})", shown(job),
                     shown(path.string()));
        scan.reports.push_back(
            {path.string(), job, FileChange::kUnchanged, {}});
        continue;
      }
    }
    loads.push_back(
        {job, path, it != current.end(), next_generation_++, LoadError{}});
  }
  return loads;
}

// The new versions take their jobs, removed files' jobs go, and the
// failures become the registry's, all under one lock.
void PluginRegistry::commit(
    std::map<std::string, std::shared_ptr<LoadedGeneration>> &loaded,
    const std::map<std::string, fs::path> &files, Scan &scan) {
  std::vector<std::shared_ptr<LoadedGeneration>> dropped;  // released unlocked
  std::unique_lock lock(mutex_);
  for (auto &[job, version] : loaded) {
    const auto &m = version->meta();
    auto it = jobs_.find(job);
    if (it != jobs_.end()) {
      retired_[job].push_back(it->second);
      dropped.push_back(std::move(it->second));
      it->second = version;
      spdlog::info(
          "plugin {}: replaced by {} (generation {}, version {}, sha256 {})",
          shown(job), shown(m.file), m.generation,
          m.version.empty() ? "-" : shown(m.version), m.sha256.substr(0, 12));
      scan.reports.push_back({m.file, job, FileChange::kReplaced, {}});
    } else {
      jobs_.emplace(job, version);
      spdlog::info(
          "plugin {}: loaded {} (generation {}, version {}, abi {}{}, sha256 "
          "{})",
          shown(job), shown(m.file), m.generation,
          m.version.empty() ? "-" : shown(m.version), m.abi_version,
          m.serial ? ", serial" : "", m.sha256.substr(0, 12));
      scan.reports.push_back({m.file, job, FileChange::kAdded, {}});
    }
  }
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (files.count(it->first)) {
      ++it;
      continue;
    }
    spdlog::info("plugin {}: removed ({} no longer exists)", shown(it->first),
                 shown(it->second->meta().file));
    scan.reports.push_back(
        {it->second->meta().file, it->first, FileChange::kRemoved, {}});
    retired_[it->first].push_back(it->second);
    dropped.push_back(std::move(it->second));
    it = jobs_.erase(it);
  }
  for (auto &[job, list] : retired_)
    std::erase_if(list, [](const auto &w) { return w.expired(); });
  failures_ = std::move(scan.failures);
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  lock.unlock();
  dropped.clear();  // old versions with no calls running unload here
}

void PluginRegistry::count_outcomes(const std::vector<FileReport> &reports) {
  for (const auto &r : reports)
    outcome_counts_[static_cast<int>(r.outcome)].fetch_add(
        1, std::memory_order_relaxed);
}

std::shared_ptr<LoadedGeneration> PluginRegistry::find(
    const std::string &job) const {
  std::shared_lock lock(mutex_);
  if (job.empty()) return jobs_.size() == 1 ? jobs_.begin()->second : nullptr;
  auto it = jobs_.find(job);
  return it == jobs_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<LoadedGeneration>> PluginRegistry::resolve(
    const std::string &job) const {
  using Code = HostError::Code;
  if (job.size() > kMaxJobNameBytes)
    return HostError{Code::kInvalidArgument,
                     "jobName is " + std::to_string(job.size()) + " bytes",
                     "the limit is " + std::to_string(kMaxJobNameBytes),
                     {}};
  if (auto version = find(job)) return version;
  if (auto q = quarantined(job))
    return HostError{Code::kFailedPrecondition,
                     "job \"" + job + "\" is quarantined: " + q->reason(),
                     {},
                     {}};
  // Up to 20 names: enough to spot a typo, short enough for a log line.
  constexpr std::size_t kNamesListed = 20;
  const std::vector<std::string> all = jobs();
  std::string names;
  for (std::size_t i = 0; i < all.size() && i < kNamesListed; ++i)
    names += (names.empty() ? "" : ", ") + all[i];
  if (all.size() > kNamesListed)
    names += " and " + std::to_string(all.size() - kNamesListed) + " more";
  const std::string there =
      "jobs: " + (names.empty() ? "none loaded from " + dir_.string() : names);
  if (job.empty())
    return HostError{Code::kNotFound,
                     "jobName is empty and there is not exactly one job to "
                     "pick",
                     there,
                     {}};
  return HostError{Code::kNotFound, "job \"" + job + "\" not found", there, {}};
}

std::vector<std::string> PluginRegistry::jobs() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto &[job, v] : jobs_) out.push_back(job);
  return out;
}

std::map<std::string, JobStatus> PluginRegistry::status() const {
  std::shared_lock lock(mutex_);
  std::map<std::string, JobStatus> out;
  for (const auto &[job, v] : jobs_) {
    JobStatus s{v, 0};
    if (auto r = retired_.find(job); r != retired_.end())
      s.draining = static_cast<std::size_t>(
          std::count_if(r->second.begin(), r->second.end(),
                        [](const auto &w) { return !w.expired(); }));
    out.emplace(job, std::move(s));
  }
  return out;
}

std::vector<LoadError> PluginRegistry::failures() const {
  std::shared_lock lock(mutex_);
  return failures_;
}

}  // namespace golo::host
