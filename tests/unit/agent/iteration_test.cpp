#include "golo/agent/iteration.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace golo::agent;

TEST_CASE("tag list keeps order and its strings' buffers across clears") {
  TagList tags;
  const std::string url = "http://127.0.0.1:8080/a/long/enough/path";
  tags.add("status", "200");
  tags.add("url", url);
  REQUIRE(tags.size() == 2);
  CHECK(tags[0] == TagList::Tag{"status", "200"});
  CHECK(tags.back() == TagList::Tag{"url", url});
  const char *buffer = tags[1].second.data();

  // The next iteration: same tags, no new allocation for the long value.
  tags.clear();
  CHECK(tags.empty());
  CHECK(tags.begin() == tags.end());
  tags.add("status", "500");
  tags.add("url", url);
  CHECK(tags[0].second == "500");
  CHECK(tags[1].second.data() == buffer);

  // Fewer tags than before: only those are seen.
  tags.assign({{"only", "one"}});
  REQUIRE(tags.size() == 1);
  std::vector<TagList::Tag> seen(tags.begin(), tags.end());
  CHECK(seen == std::vector<TagList::Tag>{{"only", "one"}});
}
