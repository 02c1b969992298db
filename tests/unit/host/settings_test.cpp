#include <doctest/doctest.h>

#include "plugins/settings.h"

using namespace golo::host;

TEST_CASE("settings: key = value lines comments and blanks") {
  std::string err;
  auto s = parse_settings(
      "# the target\nurl = http://127.0.0.1:8080/x?a=b\n\n  timeout=250 \n",
      "http_get.conf", err);
  REQUIRE(s);
  CHECK(s->at("url") == "http://127.0.0.1:8080/x?a=b");
  CHECK(s->at("timeout") == "250");
  CHECK(s->size() == 2);
}

TEST_CASE("settings: a malformed line names the file and line") {
  std::string err;
  CHECK_FALSE(parse_settings("a = 1\nthis is not a setting\n", "x.conf", err));
  CHECK(err ==
        "x.conf:2: expected \"key = value\", got \"this is not a setting\"");
  CHECK_FALSE(parse_settings("= 3\n", "y.conf", err));
  CHECK(err == "y.conf:1: empty key before '='");
}

TEST_CASE("settings live beside the plugin as NAME.conf") {
  CHECK(settings_path("/p/http_get.so") == "/p/http_get.conf");
}
