// The tokens a host accepts, from --tokens FILE: one "ROLE TOKEN" per line.
// Only SHA-256 digests are kept, compared in constant time; a token never
// appears in a message or a log line.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "security/role.h"

namespace golo::host::security {

// A bad tokens file: the message names the file and line, never the token.
struct TokenFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kMinTokenChars = 16;
inline constexpr std::size_t kMaxTokenChars = 4096;

// Empty when `path` may hold a secret (a tokens file, a TLS key): a regular
// file owned by this user or root with no access for group or others; or,
// as Kubernetes mounts a Secret, owned by root, readable (not writable) by
// one of this process's groups, none for others, on a read-only mount.
// Otherwise why not, naming `what` and the path.
std::string secret_file_problem(const std::string &path, const char *what);

class TokenTable {
 public:
  // Reads and checks FILE (secret_file_problem); throws TokenFileError.
  static TokenTable load(const std::filesystem::path &file);
  // Parses the text alone (no file checks); `file` is for messages.
  static TokenTable parse(std::string_view text, const std::string &file);

  // The token's role, or nullopt for an unknown token. Every entry is
  // compared, whichever matches.
  std::optional<Role> find(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }
  // "2 tokens: 1 admin, 1 trigger", for the log.
  std::string summary() const;

 private:
  struct Entry {
    Role role;
    std::array<unsigned char, 32> digest;
  };
  std::vector<Entry> entries_;
};

}  // namespace golo::host::security
