#include "json_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

namespace golo::cli::outputs {

namespace {

// "" when the document reached path, else the system's reason.
std::string write_to(const std::string &path, const Finished &run) {
  errno = 0;
  std::ofstream f(path, std::ios::trunc);
  // Streamed a row at a time: the series are never one tree or one string.
  if (f && run.results)
    run.results->write_json(f, run.extra);
  else if (f)
    f << "{}\n";
  f.close();
  if (f) return "";
  return errno ? std::strerror(errno) : "write failed";
}

}  // namespace

std::unique_ptr<JsonOutput> JsonOutput::open(const std::string &path,
                                             std::string &error) {
  // Opened for writing, not emptied: earlier results stay until this run
  // has results of its own.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "--out json=" + path + ": cannot write " + path + ": " +
            std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  const bool created =
      ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
  ::close(fd);
  return std::unique_ptr<JsonOutput>(new JsonOutput(path, created));
}

JsonOutput::~JsonOutput() {
  // A run that never started leaves no empty file behind.
  if (!finished_ && created_) ::unlink(path_.c_str());
}

std::string JsonOutput::finish(const Finished &run) {
  finished_ = true;
  const std::string why = write_to(path_, run);
  if (why.empty()) return "";
  failed_ = true;
  const std::string fallback = write_fallback(run);
  return "cannot write " + path_ + ": " + why +
         (fallback.empty() ? "; no fallback file could be written either"
                           : "; the results are in " + fallback + " instead");
}

std::string write_fallback(const Finished &run) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  const std::string name = std::string("golo-results-") + stamp + ".json";
  const char *tmp = std::getenv("TMPDIR");
  for (const std::string &dir :
       {std::string("."), std::string(tmp && *tmp ? tmp : "/tmp")}) {
    const std::string path = dir == "." ? name : dir + "/" + name;
    if (write_to(path, run).empty()) return path;
  }
  return "";
}

}  // namespace golo::cli::outputs
