#include "security/token_table.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace golo::host::security {

namespace {

std::array<unsigned char, 32> digest(std::string_view s) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char *>(s.data()), s.size(),
         out.data());
  return out;
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits a line into whitespace-separated words; '#' at the start of a word
// begins a comment.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    if (i == line.size() || line[i] == '#') break;
    const std::size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string mode_octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

}  // namespace

TokenTable TokenTable::parse(std::string_view text, const std::string &file) {
  TokenTable table;
  std::map<std::array<unsigned char, 32>, int> seen;  // digest -> line
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const auto w = words(line);
    if (w.empty()) continue;
    const std::string where = file + ":" + std::to_string(line_no) + ": ";
    if (w.size() != 2)
      throw TokenFileError(where + "expected \"ROLE TOKEN\" (2 words), found " +
                           std::to_string(w.size()));
    const auto role = parse_role(w[0]);
    if (!role)
      throw TokenFileError(where + "unknown role \"" + std::string(w[0]) +
                           "\"; roles are read, trigger, run, admin");
    const auto &token = w[1];
    if (token.size() < kMinTokenChars)
      throw TokenFileError(
          where + "the token is " + std::to_string(token.size()) +
          " characters; use at least " + std::to_string(kMinTokenChars) +
          " (for example the output of `openssl rand -hex 32`)");
    if (token.size() > kMaxTokenChars)
      throw TokenFileError(where + "the token is longer than " +
                           std::to_string(kMaxTokenChars) + " characters");
    for (char c : token)
      if (static_cast<unsigned char>(c) < 0x21 ||
          static_cast<unsigned char>(c) > 0x7e)
        throw TokenFileError(where +
                             "the token has a character outside printable "
                             "ASCII (it must fit in gRPC metadata)");
    const auto d = digest(token);
    if (auto [it, fresh] = seen.emplace(d, line_no); !fresh)
      throw TokenFileError(where + "the same token as line " +
                           std::to_string(it->second) +
                           " (each token has one role)");
    table.entries_.push_back({*role, d});
  }
  if (table.entries_.empty())
    throw TokenFileError(file + ": no tokens (one \"ROLE TOKEN\" per line)");
  return table;
}

TokenTable TokenTable::load(const std::filesystem::path &file) {
  const std::string name = file.string();
  struct stat st {};
  if (::stat(name.c_str(), &st) != 0)
    throw TokenFileError("cannot read tokens file " + name + ": " +
                         std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw TokenFileError("tokens file " + name + " is not a regular file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw TokenFileError("tokens file " + name + " has mode " +
                         mode_octal(st.st_mode) +
                         ": group or others may read or change it; chmod "
                         "600 " +
                         name);
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    throw TokenFileError("tokens file " + name + " is owned by uid " +
                         std::to_string(st.st_uid) +
                         ", neither this user nor root");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw TokenFileError("cannot read tokens file " + name + ": " +
                         std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), name);
}

std::optional<Role> TokenTable::find(std::string_view token) const {
  const auto d = digest(token);
  // Comparing digests, not tokens: how long a comparison takes says nothing
  // an attacker can use, and no entry is skipped once one matches.
  std::optional<Role> found;
  for (const auto &e : entries_)
    if (CRYPTO_memcmp(e.digest.data(), d.data(), d.size()) == 0) found = e.role;
  return found;
}

std::string TokenTable::summary() const {
  std::map<Role, int> n;
  for (const auto &e : entries_) ++n[e.role];
  std::string out = std::to_string(entries_.size()) + " token" +
                    (entries_.size() == 1 ? "" : "s") + ":";
  bool first = true;
  for (const auto &[role, count] : n) {
    out += (first ? " " : ", ") + std::to_string(count) + " " + to_string(role);
    first = false;
  }
  return out;
}

}  // namespace golo::host::security
