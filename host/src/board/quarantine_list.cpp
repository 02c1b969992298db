#include "board/quarantine_list.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace golo::board {

namespace {
std::string one_line(std::string s) {
  for (char &c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  return s;
}
}  // namespace

std::string serialize(const std::vector<QuarantineEntry> &list) {
  std::string out;
  for (const auto &e : list)
    out += one_line(e.job) + "\t" + one_line(e.sha256) + "\t" +
           one_line(e.cause) + "\n";
  return out;
}

std::vector<QuarantineEntry> parse_quarantine(const std::string &text) {
  std::vector<QuarantineEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find('\t');
    const auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    out.push_back(
        {line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

std::vector<QuarantineEntry> load_quarantine_file(const std::string &path) {
  if (path.empty()) return {};
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const std::string text = read_fd(fd);
  close(fd);
  return parse_quarantine(text);
}

bool save_quarantine_file(const std::string &path,
                          const std::vector<QuarantineEntry> &list,
                          std::string &error) {
  const std::string tmp = path + ".tmp";
  const std::string text = serialize(list);
  const int fd =
      open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 &&
            write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  if (fd >= 0) close(fd);
  ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) error = "cannot write " + path + ": " + std::strerror(errno);
  return ok;
}

int text_memfd(const std::string &text) {
  const int fd = memfd_create("golo-quarantine", MFD_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  return fd;
}

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  off_t off = 0;
  for (;;) {
    const ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    off += n;
  }
  return out;
}

}  // namespace golo::board
