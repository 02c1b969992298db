// Output that is not UTF-8 never makes a response unreadable or results
// unwritable: through Job.Trigger, `golo trigger` and `golo run --out`.
// (python_client_test.py reads the same through a client that is not ours.)
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;

namespace {
// What tests/plugins/binary_output.c writes, and its repair: one U+FFFD
// per ill-formed sequence (each stray byte; the cut 3-byte character).
const std::string kRaw = "caf\xc3\xa9 \xff\xfe end \xe2\x82";
const std::string kRepaired =
    "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd";
}  // namespace

TEST_CASE(
    "output that is not UTF-8: output repaired and marked - the exact bytes "
    "in outputBytes - results JSON writable") {
  TempDir dir, work;
  install_plugin(test_plugin("binary_output"), dir.path(), "binary_output");
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());

  golo::Response r;
  REQUIRE(host.trigger("binary_output", r).ok());
  CHECK(r.output() == kRepaired);
  CHECK(r.outputbytes() == kRaw);
  CHECK(r.outputnotutf8());
  CHECK(tag(r, "raw") == "a\xef\xbf\xbdz");
  // Valid output stays as it was, with no copy and no mark.
  REQUIRE(host.trigger("noop", r).ok());
  CHECK(r.outputbytes().empty());
  CHECK_FALSE(r.outputnotutf8());

  std::string out;
  // binary_output sets the error flag: golo trigger prints the response
  // and exits 3 (a failed test, not a failed call).
  REQUIRE(run_command(golo_cli_binary().string() + " trigger --host " +
                          host.address() + " binary_output",
                      &out, false) == 3);
  const auto t = json::parse(out);
  CHECK(t.at("output").get<std::string>() == kRepaired);
  CHECK(t.at("outputNotUtf8").get<bool>());

  // A run: the error flag makes the output an error sample in the JSON.
  const auto schedule = work.path() / "binary.yaml";
  write_text(schedule,
             "job:\n  name: binary_output\n  users: 1\n  pacing: 50ms\n"
             "  duration: 500ms\n");
  const auto out_file = work.path() / "binary.json";
  out.clear();
  const int rc = run_command(
      golo_cli_binary().string() + " run --quiet --host " + host.address() +
          " --out " + out_file.string() + " " + schedule.string(),
      &out);
  CHECK_MESSAGE(rc == 0, out);
  const auto results = json::parse(read_text(out_file));
  const auto &total = results.at("total");
  CHECK(total.at("errors").get<std::uint64_t>() ==
        total.at("iterations").get<std::uint64_t>());
  REQUIRE(total.at("error_samples").size() == 1);
  CHECK(total.at("error_samples")[0].at("text").get<std::string>() ==
        kRepaired);
}
