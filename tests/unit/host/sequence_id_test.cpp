#include <doctest/doctest.h>

#include <regex>
#include <set>
#include <string>

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
