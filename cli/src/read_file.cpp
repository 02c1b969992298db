#include "read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace golo::cli {

std::string read_file(const std::string &path, std::string &out,
                      std::size_t max_bytes) {
  out.clear();
  const auto failed = [&](const char *why) {
    return "cannot read " + path + ": " + why;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failed(std::strerror(errno));
  // A directory opens fine and fails only at read (or, through an
  // ifstream, reads as empty): say what it is.
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return failed("it is a directory");
  }
  char buf[64 * 1024];
  while (out.size() < max_bytes) {
    const std::size_t want = std::min(sizeof buf, max_bytes - out.size());
    const ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      return failed(why.c_str());
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return "";
}

}  // namespace golo::cli
