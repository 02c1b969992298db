#include "plugins/plugin_installer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "plugins/plugin_loader.h"
#include "plugins/settings.h"

namespace golo::host {

namespace fs = std::filesystem;
using Code = HostError::Code;

namespace {

void sync_dir(const fs::path &dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// A hard link to the file now at `path`, to put back if the new one fails.
std::optional<fs::path> keep_previous(const fs::path &path) {
  if (!fs::exists(path)) return std::nullopt;
  fs::path backup =
      path.parent_path() /
      ("." + path.filename().string() + ".prev-" + std::to_string(::getpid()));
  ::unlink(backup.c_str());
  if (::link(path.c_str(), backup.c_str()) != 0)
    throw HostFailure(Code::kInternal, "cannot keep the previous " +
                                           path.string() + ": " +
                                           std::strerror(errno));
  return backup;
}

void put_back(const fs::path &path, const std::optional<fs::path> &backup) {
  std::error_code ec;
  if (backup)
    fs::rename(*backup, path, ec);
  else
    fs::remove(path, ec);
  if (ec) spdlog::error("cannot restore {}: {}", path.string(), ec.message());
}

void drop(const std::optional<fs::path> &backup) {
  if (backup) ::unlink(backup->c_str());
}

void fill_from_rescan(InstallResult &r, const std::string &job,
                      std::vector<FileReport> reports,
                      const PluginRegistry &registry) {
  bool found = false;
  for (const auto &rep : reports)
    if (rep.job == job) {
      r.outcome = rep.outcome;
      r.problem = rep.problem;
      found = true;
    }
  if (!found && !reports.empty() && reports.front().job.empty()) {
    // The directory itself could not be read.
    r.outcome = FileChange::kFailed;
    r.problem = reports.front().problem;
  }
  if (auto v = registry.find(job)) {
    r.sha256 = v->meta().sha256;
    r.generation = v->meta().generation;
  }
  r.reports = std::move(reports);
}

}  // namespace

InstallResult PluginInstaller::install(
    PluginUpload &upload, const std::optional<std::string> &settings) {
  const fs::path dir = registry_.dir();
  const std::string &job = upload.job();
  std::optional<FreshFile> conf_file;
  if (settings) {
    std::string error;
    if (!parse_settings(*settings, job + ".conf", error))
      throw HostFailure(Code::kInvalidArgument,
                        error + "; nothing was changed");
    conf_file.emplace(dir, job + ".conf", 0600);  // settings may hold secrets
    conf_file->write(*settings);
    conf_file->sync_and_close();
  }

  std::lock_guard lock(mutex_);
  const fs::path so = dir / (job + ".so");
  const fs::path conf = settings_path(so);
  // The same bytes already in place: leave the files (and their inodes)
  // alone; the rescan below still reports what serves.
  bool same = false;
  if (fs::exists(so)) {
    auto fp = registry_.loader().fingerprint(so);
    if (auto *f = std::get_if<FileFingerprint>(&fp))
      same = f->sha256 == upload.sha256() &&
             (!settings || f->settings_sha256 == agent::sha256_hex(*settings));
  }
  std::optional<fs::path> so_prev, conf_prev;
  if (!same) {
    so_prev = keep_previous(so);
    if (settings) conf_prev = keep_previous(conf);
    fs::rename(upload.file().path(), so);
    upload.file().release();
    if (conf_file) {
      fs::rename(conf_file->path(), conf);
      conf_file->release();
    }
    sync_dir(dir);
  }

  InstallResult result;
  fill_from_rescan(result, job, registry_.rescan(), registry_);
  if (!same && result.outcome == FileChange::kFailed) {
    put_back(so, so_prev);
    if (settings) put_back(conf, conf_prev);
    auto &detail = result.problem.detail;
    detail += std::string(detail.empty() ? "" : " ") +
              (so_prev ? "(the previous file was put back)"
                       : "(the pushed file was removed again)");
    InstallResult after;
    fill_from_rescan(after, job, registry_.rescan(), registry_);
    result.sha256 = after.sha256;
    result.generation = after.generation;
  } else {
    drop(so_prev);
    drop(conf_prev);
  }
  return result;
}

InstallResult PluginInstaller::remove(const std::string &job) {
  if (auto why = check_job_name(job); !why.empty())
    throw HostFailure(Code::kInvalidArgument, why);
  std::lock_guard lock(mutex_);
  const fs::path so = registry_.dir() / (job + ".so");
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(so, ec)))
    throw HostFailure(Code::kNotFound, "no plugin file " + so.string());
  if (!fs::remove(so, ec) || ec)
    throw HostFailure(Code::kInternal,
                      "cannot remove " + so.string() + ": " + ec.message());
  fs::remove(settings_path(so), ec);  // the settings go with their job
  sync_dir(registry_.dir());
  InstallResult result;
  fill_from_rescan(result, job, registry_.rescan(), registry_);
  return result;
}

}  // namespace golo::host
