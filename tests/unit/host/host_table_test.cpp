// The host table as a plugin sees it: bounds, NULLs and formatting.
#include <doctest/doctest.h>

#include <string>

#include "abi/host_table.h"
#include "abi/response.h"

using golo::host::host_table;

TEST_CASE("the host table declares its size and ABI") {
  const golo_host_api *h = host_table();
  CHECK(h->size == sizeof(golo_host_api));
  CHECK(h->abi_version == GOLO_ABI_VERSION);
  CHECK(GOLO_HOST_HAS(h, set_init_error));
}

TEST_CASE("output is bounded and marked - NULL clears it") {
  const golo_host_api *h = host_table();
  golo_response r;
  std::string big(GOLO_MAX_OUTPUT_BYTES + 10, 'x');
  h->set_output(&r, big.data(), big.size());
  CHECK(r.output.size() == GOLO_MAX_OUTPUT_BYTES);
  CHECK(r.output_truncated);
  h->set_output(&r, "ok", 2);
  CHECK(r.output == "ok");
  CHECK_FALSE(r.output_truncated);
  h->set_output(&r, nullptr, 99);
  CHECK(r.output.empty());
}

TEST_CASE("NULL strings are empty never a crash") {
  const golo_host_api *h = host_table();
  golo_response r;
  h->set_id(&r, nullptr);
  h->add_tag_string(&r, nullptr, nullptr);
  h->set_failure(&r, nullptr);
  h->set_id(nullptr, "x");
  REQUIRE(r.tags.size() == 1);
  CHECK(r.tags[0].first.empty());
  CHECK(r.tags[0].second.empty());
  CHECK(h->setting(nullptr, "k") == nullptr);
  h->log(nullptr, GOLO_LOG_INFO, nullptr);
}

TEST_CASE("tags: typed values bounded count and size") {
  const golo_host_api *h = host_table();
  golo_response r;
  h->add_tag_int(&r, "i", -3);
  h->add_tag_uint(&r, "u", 7);
  h->add_tag_float(&r, "f", 1e6);
  h->add_tag_bool(&r, "b", 2);
  REQUIRE(r.tags.size() == 4);
  CHECK(r.tags[0].second == "-3");
  CHECK(r.tags[1].second == "7");
  CHECK(r.tags[2].second == "1e+06");
  CHECK(r.tags[3].second == "true");
  std::string long_value(GOLO_MAX_TAG_BYTES * 2, 'v');
  for (int i = 0; i < GOLO_MAX_TAGS + 5; ++i)
    h->add_tag_string(&r, "k", long_value.c_str());
  CHECK(r.tags.size() == GOLO_MAX_TAGS);
  CHECK(r.tags_dropped == 9);
  CHECK(r.tags.back().second.size() == GOLO_MAX_TAG_BYTES);
}

TEST_CASE("settings come from the plugin's own map") {
  golo_plugin p;
  p.settings["url"] = "http://x/";
  CHECK(std::string(host_table()->setting(&p, "url")) == "http://x/");
  CHECK(host_table()->setting(&p, "missing") == nullptr);
  host_table()->set_init_error(&p, "no database");
  CHECK(p.init_error == "no database");
}
