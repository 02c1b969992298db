// Runner.Stop (golo run's Ctrl-C) against a real host: it stops only the
// runs that carry its key, and a stopped run still sends its results, every
// iteration that ended counted, then ends ABORTED.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <thread>

#include "host_process.h"

using namespace golo::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::uint32_t stop(const HostProcess &host, const std::string &key) {
  auto stub = golo::Runner::NewStub(host.channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  golo::StopRequest req;
  req.set_stopkey(key);
  golo::StopResponse resp;
  const grpc::Status status = stub->Stop(&ctx, req, &resp);
  REQUIRE_MESSAGE(status.ok(), status.error_message());
  return resp.stopped();
}

}  // namespace

TEST_CASE("Runner.Stop stops the runs with its key, and they send results") {
  TempDir dir;
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 5\n");
  HostProcess host(dir.path());
  auto stub = golo::Runner::NewStub(host.channel());
  golo::RunRequest req;
  req.set_scheduleyaml(
      "job:\n  name: sleepy\n  users: 2\n  pacing: 0\n  duration: 60s\n");
  req.set_schedulefile("s.yaml");
  req.set_stopkey("k-0123456789abcdef");
  grpc::ClientContext ctx;
  auto reader = stub->Run(&ctx, req);
  golo::RunUpdate u;
  REQUIRE(reader->Read(&u));  // the 0 s update: the load started
  REQUIRE(u.has_progress());
  std::this_thread::sleep_for(500ms);
  // Another key, or none, stops nothing.
  CHECK(stop(host, "k-other") == 0);
  CHECK(stop(host, "") == 0);
  CHECK(stop(host, "k-0123456789abcdef") == 1);
  json results;
  while (reader->Read(&u))
    if (u.has_resultsjson()) results = json::parse(u.resultsjson());
  const grpc::Status status = reader->Finish();
  CHECK(status.error_code() == grpc::StatusCode::ABORTED);
  CHECK(status.error_message().find("the run was stopped") !=
        std::string::npos);
  REQUIRE(results.is_object());
  CHECK(results.at("stopped_early") == true);
  const auto iterations =
      results.at("total").at("iterations").get<std::uint64_t>();
  CHECK(iterations > 0);
  CHECK(iterations == loaded_job_calls(host, "sleepy"));
  CHECK(results.at("duration_s").get<double>() < 30);
  // A key over 128 bytes is refused before any load.
  req.set_stopkey(std::string(129, 'k'));
  grpc::ClientContext ctx2;
  auto refused = stub->Run(&ctx2, req);
  while (refused->Read(&u)) {
  }
  const grpc::Status why = refused->Finish();
  CHECK(why.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(why.error_message().find("stopKey is 129 bytes; the limit is 128") !=
        std::string::npos);
}

TEST_CASE("Ctrl-C in golo run over two hosts keeps every host's iterations") {
  TempDir dir_a, dir_b, work;
  for (const auto *d : {&dir_a, &dir_b}) {
    install_plugin(example_plugin("sleepy"), d->path(), "sleepy");
    write_text(d->path() / "sleepy.conf", "sleep_ms = 5\n");
  }
  HostProcess a(dir_a.path()), b(dir_b.path());
  write_text(work.path() / "s.yaml",
             "job:\n  name: sleepy\n  users: 4\n  pacing: 0\n"
             "  duration: 60s\n");
  const auto out_file = work.path() / "r.json";
  ChildProcess cli({golo_cli_binary().string(), "run", "--quiet", "--host",
                    a.address(), "--host", b.address(), "--out",
                    out_file.string(), (work.path() / "s.yaml").string()});
  // Both hosts under load (they start together after the pre-flight),
  // past their first progress update.
  for (int i = 0; i < 200 && (loaded_job_calls(a, "sleepy") == 0 ||
                              loaded_job_calls(b, "sleepy") == 0);
       ++i)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1500ms);
  cli.signal(SIGINT);
  const int rc = cli.wait(20000);
  const std::string out = cli.output();
  MESSAGE(out);
  CHECK(rc == 1);
  const auto results = json::parse(read_text(out_file));
  CHECK(results.at("stopped_early") == true);
  CHECK(results.at("partial") == false);
  REQUIRE(results.at("hosts").size() == 2);
  for (const auto &h : results.at("hosts")) {
    CHECK(h.at("partial") == false);
    CHECK(h.at("stopped_early") == true);
  }
  // Exactly what the two plugins ran, each host's last second included.
  const auto calls =
      loaded_job_calls(a, "sleepy") + loaded_job_calls(b, "sleepy");
  CHECK(results.at("total").at("iterations").get<std::uint64_t>() == calls);
  std::uint64_t series = 0;
  for (const auto &s : results.at("series"))
    series += s.at("iterations").get<std::uint64_t>();
  CHECK(series == calls);
}
