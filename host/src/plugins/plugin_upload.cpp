#include "plugins/plugin_upload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace golo::host {

namespace fs = std::filesystem;
using Code = HostError::Code;

namespace {

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB",
                static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::string check_job_name(std::string_view job) {
  if (job.empty()) return "the job name is empty";
  if (job.size() > 200)
    return "the job name is " + std::to_string(job.size()) +
           " characters; the limit is 200";
  if (job[0] == '.')
    return "the job name \"" + std::string(job) +
           "\" starts with '.' (hidden files are not loaded)";
  for (char c : job)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      return "the job name \"" + std::string(job) +
             "\" may hold only letters, digits, '.', '_' and '-'";
  return "";
}

FreshFile::FreshFile(const fs::path &dir, const std::string &name,
                     unsigned mode) {
  static std::atomic<unsigned> counter{0};
  path_ = dir / ("." + name + ".push-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter.fetch_add(1)));
  // O_EXCL|O_NOFOLLOW: never write through a file or link someone placed
  // here; the name is ours alone or the push fails.
  fd_ = ::open(path_.c_str(),
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd_ < 0)
    throw HostFailure(Code::kInternal, "cannot create " + path_.string() +
                                           ": " + std::strerror(errno));
  ::fchmod(fd_, mode);  // whatever the umask: the host reads it as itself
}

FreshFile::~FreshFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!released_) ::unlink(path_.c_str());
}

void FreshFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw HostFailure(Code::kInternal, "cannot write " + path_.string() +
                                             ": " + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void FreshFile::sync_and_close() {
  const bool ok = ::fsync(fd_) == 0;
  const int err = errno;
  ::close(fd_);
  fd_ = -1;
  if (!ok)
    throw HostFailure(Code::kInternal, "cannot sync " + path_.string() + ": " +
                                           std::strerror(err));
}

namespace {

const std::string &checked(const std::string &job, std::uint64_t size,
                           const std::string &sha256, std::uint64_t max_size) {
  if (auto why = check_job_name(job); !why.empty())
    throw HostFailure(Code::kInvalidArgument, why);
  if (size > max_size)
    throw HostFailure(Code::kResourceExhausted,
                      "the plugin is " + std::to_string(size) + " bytes (" +
                          mib(size) + "); this host takes at most " +
                          std::to_string(max_size) + " (" + mib(max_size) +
                          ", its --max-plugin-size)");
  if (sha256.size() != 64 ||
      !std::all_of(sha256.begin(), sha256.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      }))
    throw HostFailure(Code::kInvalidArgument,
                      "sha256 must be 64 lowercase hex digits, got \"" +
                          sha256.substr(0, 80) + "\"");
  return job;
}

}  // namespace

PluginUpload::PluginUpload(const fs::path &dir, std::string job,
                           std::uint64_t size, std::string sha256,
                           std::uint64_t max_size)
    : job_(checked(job, size, sha256, max_size)),
      size_(size),
      sha256_(std::move(sha256)),
      file_(dir, job_ + ".so") {}

void PluginUpload::append(std::string_view data) {
  if (data.size() > size_ - received_)
    throw HostFailure(Code::kDataLoss,
                      "more bytes arrived than the declared size of " +
                          std::to_string(size_) + "; nothing was changed");
  hash_.update(data);
  file_.write(data);
  received_ += data.size();
}

void PluginUpload::finish() {
  if (received_ != size_)
    throw HostFailure(Code::kDataLoss, "the upload ended after " +
                                           std::to_string(received_) + " of " +
                                           std::to_string(size_) +
                                           " bytes; nothing was changed");
  const std::string got = hash_.final_hex();
  if (got != sha256_)
    throw HostFailure(Code::kDataLoss,
                      "the content's SHA-256 is " + got +
                          ", not the declared " + sha256_ +
                          " (corrupted on the way?); nothing was changed");
  file_.sync_and_close();
}

}  // namespace golo::host
