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

TEST_CASE(
    "settings: '#' after whitespace starts a comment, inside a word it is "
    "text") {
  std::string err;
  auto s = parse_settings(
      "timeout = 5000   # whole request\n"
      "retries = 3\t# tab before\n"
      "url = http://h/page#top\n"
      "  # indented comment line\n"
      "empty = # nothing before the comment\n",
      "c.conf", err);
  REQUIRE(s);
  CHECK(s->at("timeout") == "5000");
  CHECK(s->at("retries") == "3");
  CHECK(s->at("url") == "http://h/page#top");
  CHECK(s->at("empty").empty());
  CHECK(s->size() == 4);
  // A comment does not hide a malformed line's error.
  CHECK_FALSE(parse_settings("oops # no equals sign\n", "d.conf", err));
  CHECK(err == "d.conf:1: expected \"key = value\", got \"oops\"");
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
