// Runner.Run resumed part-way (RunRequest.resumeOfUnixMs, issue 20 item 8):
// a real golo-host runs only the rest of the schedule, on the schedule's
// clock, and refuses an instant it cannot resume from.
#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "host_process.h"

using namespace golo::test;
using json = nlohmann::json;

namespace {

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}

grpc::Status run(const HostProcess &host, std::int64_t start_at,
                 std::int64_t resume_of, json &results) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stub = golo::Runner::NewStub(host.channel());
  golo::RunRequest req;
  req.set_scheduleyaml(
      "job: {name: noop, users: 5, pacing: 100ms, duration: 3s}\n");
  req.set_schedulefile("resume.yaml");
  req.set_startatunixms(start_at);
  req.set_resumeofunixms(resume_of);
  auto reader = stub->Run(&ctx, req);
  golo::RunUpdate u;
  while (reader->Read(&u))
    if (!u.has_progress()) results = json::parse(u.resultsjson());
  return reader->Finish();
}

}  // namespace

TEST_CASE("Runner.Run resumes a schedule 2 s in: its last second, its clock") {
  TempDir plugins("golo-resume-plugins");
  install_plugin(example_plugin("noop"), plugins.path(), "noop");
  HostProcess host(plugins.path());

  const auto start = std::chrono::system_clock::now() + std::chrono::seconds(1);
  json r;
  const auto ok =
      run(host, unix_ms(start), unix_ms(start - std::chrono::seconds(2)), r);
  REQUIRE_MESSAGE(ok.ok(), ok.error_message());
  // 5 users x 10 slots in the one second left; none of the first two.
  const auto iterations = r.at("total").at("iterations").get<std::uint64_t>();
  CHECK(iterations >= 49);
  CHECK(iterations <= 51);
  CHECK(job_calls(host, "noop") == iterations);
  CHECK(r.at("duration_s").get<double>() == doctest::Approx(3.0).epsilon(0.02));
  CHECK(r.at("start_unix_ms").get<std::int64_t>() ==
        doctest::Approx(
            static_cast<double>(unix_ms(start - std::chrono::seconds(2))))
            .epsilon(0.0000001));
  REQUIRE_FALSE(r.at("series").empty());
  CHECK(r.at("series").front().at("second") == 3);

  // Refused, naming the field: a resume of a later start; a schedule over.
  const auto now = unix_ms(std::chrono::system_clock::now());
  for (const auto &[resume_of, why] :
       {std::pair<std::int64_t, std::string>{now + 5000,
                                             "is after the load's start"},
        {now - 4000,
         "the schedule's 3000 ms ended 1000 ms before this "
         "start; nothing is left"}}) {
    json none;
    const auto status = run(host, now, resume_of, none);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK_MESSAGE(status.error_message().find("resumeOfUnixMs") == 0,
                  status.error_message());
    CHECK_MESSAGE(status.error_message().find(why) != std::string::npos,
                  status.error_message());
  }
  CHECK(job_calls(host, "noop") == iterations);
}
