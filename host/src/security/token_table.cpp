#include "security/token_table.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
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
      // Not echoed: with the columns swapped, this word is the token.
      throw TokenFileError(where +
                           "the first word is not a role (read, trigger, "
                           "run, admin); each line is \"ROLE TOKEN\"");
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

namespace {

bool in_my_groups(gid_t gid) {
  if (gid == ::getegid()) return true;
  const int n = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(static_cast<std::size_t>(std::max(n, 0)));
  const int got = ::getgroups(n, groups.data());
  return std::find(groups.begin(), groups.begin() + std::max(got, 0), gid) !=
         groups.begin() + std::max(got, 0);
}

bool on_read_only_mount(const std::string &path) {
  struct statvfs vfs {};
  return ::statvfs(path.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
}

}  // namespace

std::string secret_file_problem(const std::string &path, const char *what) {
  const std::string name = std::string(what) + " " + path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return "cannot read " + name + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return name + " is not a regular file";
  const bool mine = st.st_uid == ::geteuid() || st.st_uid == 0;
  if (mine && !(st.st_mode & (S_IRWXG | S_IRWXO))) return "";
  // What Kubernetes gives a Secret volume: root's file, read-only to the
  // pod's fsGroup, on a read-only mount nobody in the pod can change.
  const bool kubelet_style =
      st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) &&
      in_my_groups(st.st_gid) && on_read_only_mount(path);
  if (kubelet_style) return "";
  if (!mine)
    return name + " is owned by uid " + std::to_string(st.st_uid) +
           ", neither this user nor root";
  return name + " has mode " + mode_octal(st.st_mode) +
         ": group or others may read or change it; chmod 600 " + path +
         " (a root-owned file readable by this process's group is accepted "
         "on a read-only mount, as Kubernetes mounts Secrets)";
}

TokenTable TokenTable::load(const std::filesystem::path &file) {
  const std::string name = file.string();
  if (auto why = secret_file_problem(name, "tokens file"); !why.empty())
    throw TokenFileError(why);
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
