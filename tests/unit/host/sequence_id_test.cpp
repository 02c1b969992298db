#include <doctest/doctest.h>

#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "abi/sequence_id.h"
#include "golo/plugin.h"

using namespace golo::host;

TEST_CASE("sequence ids are v4 UUIDs and differ") {
  const std::regex v4(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    char id[GOLO_SEQUENCE_ID_SIZE];
    REQUIRE(new_sequence_id(id));
    CHECK(std::regex_match(id, v4));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("the per-thread random pool never repeats bytes across refills") {
  // 7-byte draws straddle the pool's 512-byte refills; a pool that handed
  // out a stale or zeroed tail would repeat a draw.
  std::set<std::string> draws;
  for (int i = 0; i < 2000; ++i) {
    unsigned char b[7];
    REQUIRE(system_random(b, sizeof b));
    draws.emplace(reinterpret_cast<char *>(b), sizeof b);
  }
  CHECK(draws.size() == 2000);
  std::vector<unsigned char> big(4096);  // larger than the pool: direct
  REQUIRE(system_random(big.data(), big.size()));
  CHECK(std::set<unsigned char>(big.begin(), big.end()).size() > 200);
}

TEST_CASE("threads draw distinct sequence ids") {
  std::mutex m;
  std::set<std::string> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 500; ++i) {
        char id[GOLO_SEQUENCE_ID_SIZE];
        new_sequence_id(id);
        mine.emplace_back(id);
      }
      std::lock_guard lock(m);
      seen.insert(mine.begin(), mine.end());
    });
  for (auto &t : threads) t.join();
  CHECK(seen.size() == 2000);
}

TEST_CASE("version and variant bits are forced whatever the random bytes") {
  unsigned char ones[16];
  for (auto &b : ones) b = 0xff;
  char id[GOLO_SEQUENCE_ID_SIZE];
  format_uuid_v4(ones, id);
  CHECK(std::string(id) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  unsigned char zeros[16] = {};
  format_uuid_v4(zeros, id);
  CHECK(std::string(id) == "00000000-0000-4000-8000-000000000000");
}

TEST_CASE("without randomness the seed's DefaultSequenceID is used") {
  char id[GOLO_SEQUENCE_ID_SIZE];
  const bool ok =
      new_sequence_id(id, [](unsigned char *, std::size_t) { return false; });
  CHECK_FALSE(ok);
  CHECK(std::string(id) == "c276c8c7-6fec-5aa9-b6bd-4de12a49a9bb");
}
