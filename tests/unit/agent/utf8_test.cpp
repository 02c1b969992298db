#include "golo/agent/utf8.h"

#include <doctest/doctest.h>

using namespace golo::agent;

namespace {
const std::string kFffd = "\xef\xbf\xbd";
}

TEST_CASE("utf8_valid: well-formed text and each kind of ill-formed bytes") {
  CHECK(utf8_valid(""));
  CHECK(utf8_valid("plain ascii"));
  CHECK(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK(utf8_valid("\xf4\x8f\xbf\xbf"));                           // U+10FFFF
  CHECK_FALSE(utf8_valid("\xff"));
  CHECK_FALSE(utf8_valid("\x80"));              // stray continuation
  CHECK_FALSE(utf8_valid("\xc3"));              // cut 2-byte
  CHECK_FALSE(utf8_valid("\xe2\x82"));          // cut 3-byte
  CHECK_FALSE(utf8_valid("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(utf8_valid("\xe0\x80\xaf"));      // overlong
  CHECK_FALSE(utf8_valid("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(utf8_valid("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(utf8_valid("\xf5\x80\x80\x80"));
}

TEST_CASE("utf8_repair: one U+FFFD per maximal ill-formed subpart") {
  CHECK(utf8_repair("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(utf8_repair("a\xffz") == "a" + kFffd + "z");
  CHECK(utf8_repair("\xff\xfe") == kFffd + kFffd);
  CHECK(utf8_repair("x\xe2\x82") == "x" + kFffd);  // a cut character: one
  CHECK(utf8_repair("\xe2\x82x") == kFffd + "x");
  CHECK(utf8_repair("\xf0\x9f\x98") == kFffd);
  CHECK(utf8_repair("\xc0\xaf") == kFffd + kFffd);  // C0 is never valid
  CHECK(utf8_repair("\xed\xa0\x80") == kFffd + kFffd + kFffd);
  CHECK(utf8_valid(utf8_repair("\x80\xbf\xc3\x28\xe2\x28\xa1")));
}

TEST_CASE("utf8_cut: never inside a character") {
  const std::string s = "ab\xe2\x82\xac";  // "ab€"
  CHECK(utf8_cut(s, 10) == 5);
  CHECK(utf8_cut(s, 5) == 5);
  CHECK(utf8_cut(s, 4) == 2);
  CHECK(utf8_cut(s, 3) == 2);
  CHECK(utf8_cut(s, 2) == 2);
  CHECK(utf8_cut("\xf0\x9f\x98\x80", 3) == 0);
  // Bytes that are not UTF-8 are cut where asked.
  CHECK(utf8_cut("\x80\x80\x80\x80\x80", 3) == 3);
  CHECK(utf8_cut("ab\xe2\x28\x28", 3) == 3);
  CHECK(utf8_bounded("ab\xe2\x82\xac", 4) == "ab");
  CHECK(utf8_bounded("a\xff"
                     "bc",
                     3) == "a" + kFffd + "b");
}
