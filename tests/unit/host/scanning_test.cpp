// Bounded scanning (issue 20, item 9): a rescan's fingerprint hashes a file
// as it reads it, never holding it whole, and agrees with sha256sum; the
// size cap holds; the quarantine list keeps names with control characters
// exactly.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "board/quarantine_list.h"
#include "plugins/file_trust.h"

namespace fs = std::filesystem;

namespace {

// The process's peak resident set (VmHWM), in KiB.
long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string sha256sum(const fs::path &p) {
  std::string out;
  if (FILE *f = popen(("sha256sum " + p.string()).c_str(), "r")) {
    char buf[128] = {};
    if (std::fgets(buf, sizeof buf, f)) out.assign(buf, 64);
    pclose(f);
  }
  return out;
}

fs::path scratch(const std::string &name) {
  const fs::path dir = fs::path(GOLO_TEST_TMP) / "scanning";
  fs::create_directories(dir);
  return dir / name;
}

}  // namespace

TEST_CASE(
    "a large plugin file is hashed as it is read - not held in memory - and "
    "the hash is sha256sum's") {
  // 192 MiB, mostly a hole: cheap on disk, and reading it whole would raise
  // the peak resident set by as much.
  const fs::path big = scratch("big.so");
  {
    std::ofstream out(big, std::ios::binary | std::ios::trunc);
    out << "head";
  }
  fs::resize_file(big, 192ull << 20);
  {
    std::fstream out(big, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(100 << 20);
    out << "middle";
  }
  const long before = peak_rss_kib();
  std::string hex;
  const auto why = golo::host::hash_plugin_file(big, false, hex, 256ull << 20);
  REQUIRE_FALSE(why);
  const long grew = peak_rss_kib() - before;
  CHECK(hex == sha256sum(big));
  CHECK(grew < 16 * 1024);  // KiB; a whole read would be 196,608
  // Over the cap: refused unread, with both sizes.
  const auto capped = golo::host::hash_plugin_file(big, false, hex, 1 << 20);
  REQUIRE(capped);
  CHECK(capped->find("201326592 bytes, over --max-plugin-size 1048576") !=
        std::string::npos);
  fs::remove(big);
}

TEST_CASE("a small file hashes the same read whole or streamed") {
  const fs::path small = scratch("small.so");
  {
    std::ofstream out(small, std::ios::binary | std::ios::trunc);
    for (int i = 0; i < 100000; ++i) out << i << '\n';
  }
  std::string hex;
  REQUIRE_FALSE(golo::host::hash_plugin_file(small, false, hex));
  CHECK(hex == sha256sum(small));
  fs::remove(small);
}

TEST_CASE(
    "the quarantine list keeps job names with tabs and newlines exactly") {
  using golo::board::QuarantineEntry;
  const std::vector<QuarantineEntry> list{
      {"bad\nname", "ab\tcd", "died of SIGSEGV \\ in golo_trigger\r"},
      {"plain", "0123", "cause"}};
  const std::string text = golo::board::serialize(list);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);  // one line each
  const auto back = golo::board::parse_quarantine(text);
  REQUIRE(back.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(back[i].job == list[i].job);
    CHECK(back[i].sha256 == list[i].sha256);
    CHECK(back[i].cause == list[i].cause);
  }
}
