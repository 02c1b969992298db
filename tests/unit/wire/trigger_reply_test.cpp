// Job.Trigger's reply: bounded under 4 MiB whatever the plugin wrote, and
// the same reply in the current go-lo layout, checked by decoding the bytes
// gRPC would send.
#include <doctest/doctest.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>

#include "golo/wire/layout.h"
#include "golo/wire/response.h"
#include "golo/wire/trigger_reply.h"

using namespace golo;

namespace {

// The bytes gRPC sends for reply, as a string.
std::string encode(const wire::TriggerReply &reply) {
  grpc::ByteBuffer bb;
  bool own = false;
  REQUIRE(
      grpc::SerializationTraits<wire::TriggerReply>::Serialize(reply, &bb, &own)
          .ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(bb.Dump(&slices).ok());
  std::string out;
  for (const auto &s : slices)
    out.append(reinterpret_cast<const char *>(s.begin()), s.size());
  return out;
}

// A reply with every field set, tags past 127 bytes (two-byte lengths).
golo::Response full_reply() {
  golo::Response r;
  r.set_id("id-1");
  r.set_jobname("job");
  r.set_error(true);
  wire::set_output(r, "out\xff");
  auto *t = r.add_tags();
  t->set_key(std::string(200, 'k'));
  t->set_value("v");
  r.set_durationnanos(12345);
  r.set_outputtruncated(true);
  r.set_pluginversion("1.2");
  r.set_plugingeneration(3);
  r.add_steps()->set_name("step");
  r.add_checks()->set_name("check");
  r.set_stepsdropped(4);
  r.set_checksdropped(5);
  return r;
}

}  // namespace

TEST_CASE("go-lo layouts: names, and an unknown one refused with a hint") {
  CHECK(wire::parse_layout("seed") == wire::GoLoLayout::kSeed);
  CHECK(wire::parse_layout("current") == wire::GoLoLayout::kCurrent);
  CHECK_FALSE(wire::parse_layout("Current"));
  CHECK_FALSE(wire::parse_layout(""));
  CHECK(std::string(wire::layout_name(wire::GoLoLayout::kCurrent)) ==
        "current");
  CHECK(wire::unknown_layout_error("--go-lo-layout", "curent") ==
        "--go-lo-layout: unknown value \"curent\"; did you mean current? "
        "(one of: seed, current)");
  CHECK(wire::unknown_layout_error("--go-lo-layout", "SEED")
            .find("did you mean seed?") != std::string::npos);
  CHECK(wire::unknown_layout_error("--go-lo-layout", "v2") ==
        "--go-lo-layout: unknown value \"v2\" (one of: seed, current)");
}

TEST_CASE("the seed layout is sent as golo::Response, byte for byte") {
  wire::TriggerReply reply;
  reply.seed = full_reply();
  const std::string sent = encode(reply);
  CHECK(sent == full_reply().SerializeAsString());
}

TEST_CASE("the current layout moves go-lo's fields to 4, 5 and 6") {
  wire::TriggerReply reply;
  reply.seed = full_reply();
  reply.use_layout(wire::GoLoLayout::kCurrent);
  const std::string sent = encode(reply);
  CHECK(sent.size() == reply.encoded_size());
  golo::ResponseCurrentLayout c;
  REQUIRE(c.ParseFromString(sent));
  CHECK(c.id() == "id-1");
  CHECK(c.jobname() == "job");
  CHECK(c.error());
  CHECK(c.duration() == 12345);
  CHECK(c.output() == "out\xef\xbf\xbd");
  REQUIRE(c.tags_size() == 1);
  CHECK(c.tags(0).key() == std::string(200, 'k'));
  CHECK(c.durationnanos() == 12345);
  CHECK(c.outputtruncated());
  CHECK(c.pluginversion() == "1.2");
  CHECK(c.plugingeneration() == 3);
  CHECK(c.outputbytes() == "out\xff");
  CHECK(c.outputnotutf8());
  CHECK(c.steps(0).name() == "step");
  CHECK(c.checks(0).name() == "check");
  CHECK(c.stepsdropped() == 4);
  CHECK(c.checksdropped() == 5);
  // What a seed-layout reader makes of it: not what was sent.
  golo::Response misread;
  const bool parsed = misread.ParseFromString(sent);
  CHECK_FALSE(
      (parsed && misread.output() == c.output() && misread.tags_size() == 1));
}

TEST_CASE("output and its exact bytes fit the budget together") {
  SUBCASE("UTF-8 output within the budget is whole") {
    golo::Response r;
    wire::set_output(r, "h\xc3\xa9llo", 6);
    CHECK(r.output() == "h\xc3\xa9llo");
    CHECK_FALSE(r.outputtextcut());
  }
  SUBCASE("UTF-8 output past it is cut between characters") {
    golo::Response r;
    wire::set_output(r, "h\xc3\xa9llo", 2);
    CHECK(r.output() == "h");
    CHECK(r.outputtextcut());
    CHECK_FALSE(r.outputbytescut());
  }
  SUBCASE("the exact bytes first, the repaired text gets the rest") {
    golo::Response r;
    wire::set_output(r, "\xff\xff\xff\xff", 10);  // text 12 bytes, bytes 4
    CHECK(r.outputbytes() == "\xff\xff\xff\xff");
    CHECK(r.output() == "\xef\xbf\xbd\xef\xbf\xbd");  // 6 of 12 bytes
    CHECK(r.outputtextcut());
    CHECK_FALSE(r.outputbytescut());
    CHECK(r.outputnotutf8());
  }
  SUBCASE("bytes past the whole budget are cut, and the text is empty") {
    golo::Response r;
    wire::set_output(r, "\xff\xff\xff\xff", 3);
    CHECK(r.outputbytes() == "\xff\xff\xff");
    CHECK(r.output().empty());
    CHECK(r.outputbytescut());
    CHECK(r.outputtextcut());
  }
}

TEST_CASE("the largest reply a plugin can make stays under 4 MiB encoded") {
  // GOLO_MAX_OUTPUT_BYTES of bytes that are not UTF-8 (3 MiB repaired),
  // beside 64 tags of 4 KiB keys and values.
  golo::Response r;
  for (int i = 0; i < 64; ++i) {
    auto *t = r.add_tags();
    t->set_key(std::string(4096, 'k'));
    t->set_value(std::string(4096, 'v'));
  }
  r.set_id(std::string(4096, 'i'));
  r.set_durationnanos(1);
  const std::string bytes(1024 * 1024, '\xff');
  wire::set_output(r, bytes, wire::output_budget(r));
  CHECK(r.outputbytes() == bytes);
  CHECK(r.outputtextcut());
  CHECK(r.output().size() % 3 == 0);
  for (const auto layout :
       {wire::GoLoLayout::kSeed, wire::GoLoLayout::kCurrent}) {
    wire::TriggerReply reply;
    reply.seed = r;
    reply.use_layout(layout);
    CHECK(encode(reply).size() <= wire::kMaxTriggerReplyBytes);
    CHECK(wire::kMaxTriggerReplyBytes < 4u * 1024 * 1024);
  }
  // And with room to spare, nothing is cut.
  golo::Response small;
  wire::set_output(small, bytes.substr(0, 1000), wire::output_budget(small));
  CHECK(small.output().size() == 3000);
  CHECK_FALSE(small.outputtextcut());
}
