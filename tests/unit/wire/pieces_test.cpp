// Runner.RunStream's pieces: what golo run sends is what a host joins, each
// piece under the host's receive limit, text cut between characters.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "golo/wire/pieces.h"

using golo::wire::kMaxMessageBytes;
using golo::wire::RunRequestJoiner;
using golo::wire::send_run_request_pieces;

namespace {

golo::RunRequest big_request() {
  golo::RunRequest req;
  req.set_schedulefile("big.yaml");
  req.set_scenario("checkout");
  req.set_sharecount(3);
  req.set_shareindex(2);
  std::string yaml = "job: {name: noop, users: 1, duration: 1s}\n";
  // Three- and four-byte characters at every offset, so some fall on a cut.
  while (yaml.size() < 100 * 1024)
    yaml += "# \xe2\x82\xac \xf0\x9f\x98\x80 x\n";
  req.set_scheduleyaml(yaml);
  std::string csv = "id,name\n";
  for (int i = 0; csv.size() < 300 * 1024; ++i)
    csv += std::to_string(i) + ",user" + std::to_string(i) + "\n";
  req.set_datacsv(csv);
  for (int i = 0; i < 64; ++i)
    (*req.mutable_env())["KEY_" + std::to_string(i)] = std::string(4096, 'v');
  return req;
}

std::vector<golo::RunRequest> pieces_of(const golo::RunRequest &req) {
  std::vector<golo::RunRequest> out;
  CHECK(send_run_request_pieces(req, [&](const golo::RunRequest &p) {
    out.push_back(p);
    return true;
  }));
  return out;
}

}  // namespace

TEST_CASE("a request over the limit goes in pieces that join back whole") {
  const golo::RunRequest req = big_request();
  const auto pieces = pieces_of(req);
  CHECK(pieces.size() > 20);
  RunRequestJoiner joiner(32 * 1024 * 1024);
  for (auto piece : pieces) {
    CHECK(piece.ByteSizeLong() <= kMaxMessageBytes);
    // Each piece parses alone: a proto3 string must be whole UTF-8.
    golo::RunRequest parsed;
    REQUIRE(parsed.ParseFromString(piece.SerializeAsString()));
    CHECK(joiner.add(parsed) == "");
  }
  CHECK(joiner.request().SerializeAsString().size() == req.ByteSizeLong());
  CHECK(joiner.request().scheduleyaml() == req.scheduleyaml());
  CHECK(joiner.request().datacsv() == req.datacsv());
  CHECK(joiner.request().env().size() == 64);
  CHECK(joiner.request().scenario() == "checkout");
  CHECK(joiner.request().shareindex() == 2);
  CHECK(pieces.front().schedulefile() == "big.yaml");
  for (std::size_t i = 1; i < pieces.size(); ++i)
    CHECK(pieces[i].schedulefile().empty());
}

TEST_CASE("a request that fits is sent whole, as Run takes it") {
  golo::RunRequest req;
  req.set_scheduleyaml("job: {name: noop, users: 1, duration: 1s}\n");
  req.set_remotetarget("127.0.0.1:9999");
  const auto pieces = pieces_of(req);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].SerializeAsString() == req.SerializeAsString());
}

TEST_CASE("the joiner refuses too much, and first-piece fields later") {
  const auto pieces = pieces_of(big_request());
  RunRequestJoiner small(64 * 1024);
  std::string why;
  for (auto piece : pieces)
    if (why = small.add(piece); !why.empty()) break;
  CHECK(why.find("more than 65536 bytes") != std::string::npos);

  RunRequestJoiner joiner(1024 * 1024);
  golo::RunRequest first, second;
  first.set_scheduleyaml("job: {name: noop,");
  second.set_scheduleyaml(" users: 1, duration: 1s}\n");
  second.set_remotetarget("10.0.0.7:80");
  CHECK(joiner.add(first) == "");
  CHECK(joiner.add(second).find("piece 2 of the request carries a field "
                                "other than scheduleYaml, dataCsv and env") ==
        0);
}
