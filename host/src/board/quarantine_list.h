// Plugin versions that killed or wedged a worker. The supervisor keeps the
// list and hands it to each worker it starts (as text in a memfd); the worker
// refuses to load a listed version until the file's content changes.
#pragma once

#include <string>
#include <vector>

namespace golo::board {

struct QuarantineEntry {
  std::string job;
  std::string sha256;  // of NAME.so: a new build lifts the quarantine
  std::string cause;   // one line, e.g. "SIGSEGV in golo_trigger (...)"
};

// One entry a line: job, sha256 and cause separated by tabs.
std::string serialize(const std::vector<QuarantineEntry> &list);
std::vector<QuarantineEntry> parse_quarantine(const std::string &text);

// The list kept across supervisor restarts (a systemd restart must not run
// a plugin that crashed the last one again): read from path ("" and a
// missing file: empty), and written whole (a temporary file renamed over).
std::vector<QuarantineEntry> load_quarantine_file(const std::string &path);
bool save_quarantine_file(const std::string &path,
                          const std::vector<QuarantineEntry> &list,
                          std::string &error);

// A sealed, read-only memfd holding text; -1 on failure.
int text_memfd(const std::string &text);
// Reads all of fd from offset 0.
std::string read_fd(int fd);

}  // namespace golo::board
