// golo-host end to end: a real host process on a real port, real plugins
// built by the project, a real gRPC client, nginx as the HTTP target.
#include <doctest/doctest.h>
#include <signal.h>

#include <grpcpp/generic/generic_stub.h>
#include <atomic>
#include <future>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "golo/plugin.h"
#include "host_process.h"

using namespace golo::test;

namespace {

const std::regex kUuidV4(
    "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

}  // namespace

TEST_CASE(
    "noop answers Job.Trigger with its job name and a measured duration") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  golo::Response r;
  auto s = host.trigger("noop", r);
  REQUIRE(s.ok());
  CHECK(r.jobname() == "noop");
  CHECK_FALSE(r.error());
  CHECK(r.durationnanos() > 0);
  CHECK(r.durationnanos() < 1'000'000'000);
  CHECK(r.plugingeneration() == 1);
}

TEST_CASE(
    "an empty jobName picks the only plugin and is refused among several") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  {
    HostProcess host(dir.path());
    golo::Response r;
    REQUIRE(host.trigger("", r).ok());
    // jobName echoes what was sent, as go-lo's servers answer.
    CHECK(r.jobname().empty());
    CHECK(host.list().plugins(0).calls() == 1);
  }
  install_plugin(example_plugin("abi_tour"), dir.path(), "abi_tour");
  HostProcess host(dir.path());
  golo::Response r;
  auto s = host.trigger("", r);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(s.error_message().find("abi_tour, noop") != std::string::npos);
}

TEST_CASE("an unknown job gets NOT_FOUND naming the jobs that exist") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  HostProcess host(dir.path());
  golo::Response r;
  auto s = host.trigger("checkout", r);
  CHECK(s.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(s.error_message() == "job \"checkout\" not found; jobs: noop, sleepy");
}

TEST_CASE(
    "abi_tour: settings a v4 sequence id every tag type and an error return") {
  TempDir dir;
  install_plugin(example_plugin("abi_tour"), dir.path(), "abi_tour");
  write_text(dir.path() / "abi_tour.conf",
             "# settings for the tour\ngreeting = hello from conf\n");
  HostProcess host(dir.path());
  golo::Response r;
  REQUIRE(host.trigger("abi_tour", r).ok());
  CHECK(std::regex_match(r.id(), kUuidV4));
  CHECK(r.output().find("hello from conf") != std::string::npos);
  std::set<std::string> keys;
  for (const auto &t : r.tags()) keys.insert(t.key());
  CHECK(keys.size() >= 5);
  CHECK(host.log().find("plugin abi_tour:") !=
        std::string::npos);  // it logs in init

  // fail = 1 makes the trigger return non-zero: the RPC fails with its message.
  write_text(dir.path() / "abi_tour.conf", "fail = 1\n");
  auto reload = host.reload();
  REQUIRE(reload.files_size() == 1);
  CHECK(reload.files(0).outcome() ==
        golo::FileOutcome::REPLACED);  // settings changed
  golo::Response r2;
  auto s = host.trigger("abi_tour", r2);
  CHECK(s.error_code() == grpc::StatusCode::UNKNOWN);
  CHECK(s.error_message().find("job \"abi_tour\": trigger returned") == 0);
}

TEST_CASE("tags are formatted as Go's %v formats them") {
  TempDir dir;
  install_plugin(test_plugin("tag_formats"), dir.path(), "tag_formats");
  HostProcess host(dir.path());
  golo::Response r;
  REQUIRE(host.trigger("tag_formats", r).ok());
  std::map<std::string, std::string> got;
  for (const auto &t : r.tags()) got[t.key()] = t.value();
  // Whatever the plugin sends, each value must be Go's rendering of it; the
  // plugin names its tags after the expected text ("expect:..."), see
  // tests/plugins/tag_formats.c.
  REQUIRE(!got.empty());
  for (const auto &[k, v] : got) {
    const auto pos = k.find('=');
    if (pos == std::string::npos) continue;
    CHECK_MESSAGE(v == k.substr(pos + 1), "tag " << k);
  }
}

TEST_CASE(
    "http_get against nginx: 200 with tags 404 and 500 as data refused as "
    "error flag") {
  NginxProcess nginx;
  TempDir dir;
  for (const char *name : {"ok", "missing", "broken", "refused"})
    install_plugin(example_plugin("http_get"), dir.path(), name);
  write_text(dir.path() / "ok.conf", "url = " + nginx.url("/ok") + "\n");
  write_text(dir.path() / "missing.conf", "url = " + nginx.url("/404") + "\n");
  write_text(dir.path() / "broken.conf", "url = " + nginx.url("/500") + "\n");
  write_text(dir.path() / "refused.conf",
             "url = http://127.0.0.1:" + std::to_string(free_port()) +
                 "/\ntimeout = 2000\n");
  HostProcess host(dir.path());

  golo::Response ok;
  REQUIRE(host.trigger("ok", ok).ok());
  CHECK_FALSE(ok.error());
  CHECK(tag(ok, "status") == "200");
  CHECK(tag(ok, "size") == "6");  // "hello\n"
  CHECK(tag(ok, "url") == nginx.url("/ok"));
  CHECK(std::regex_match(ok.id(), kUuidV4));

  for (auto [job, code] :
       {std::pair{"missing", "404"}, std::pair{"broken", "500"}}) {
    golo::Response r;
    REQUIRE(host.trigger(job, r).ok());  // the target failed; the call did not
    CHECK(r.error());
    CHECK(tag(r, "status") == code);
  }

  golo::Response refused;
  REQUIRE(host.trigger("refused", refused).ok());
  CHECK(refused.error());
  CHECK(refused.output().find("onnect") !=
        std::string::npos);  // curl's "Couldn't connect"
}

TEST_CASE(
    "bad plugins are refused with the file and the reason - the rest serve") {
  TempDir dir;
  for (const char *name : {"not_elf", "no_trigger", "no_marker", "wrong_abi",
                           "init_fails", "unknown_flags"}) {
    const auto src = test_plugin(name);
    install_plugin(src, dir.path(), name);
  }
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());

  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  auto list = host.list();
  REQUIRE(list.plugins_size() == 1);
  CHECK(list.plugins(0).job() == "noop");
  std::map<std::string, std::string> reasons;
  for (const auto &f : list.failures())
    reasons[fs::path(f.file()).stem().string()] = f.reason();
  REQUIRE(reasons.size() == 6);
  CHECK(reasons["not_elf"].find("not an ELF shared object") !=
        std::string::npos);
  CHECK(reasons["no_trigger"].find("no golo_trigger symbol") !=
        std::string::npos);
  CHECK(reasons["no_marker"].find("not a golo plugin; no .note.golo note") !=
        std::string::npos);
  // The same reason in its parts, apart on the wire.
  for (const auto &f : list.failures())
    if (fs::path(f.file()).stem() == "no_marker") {
      CHECK(f.problem().primary() == "not a golo plugin");
      CHECK(f.problem().detail() == "no .note.golo note in the file");
      CHECK(f.problem().hint() ==
            "add GOLO_PLUGIN(...) from golo/plugin.h and rebuild");
      CHECK(f.job() == "no_marker");
    }
  CHECK(reasons["wrong_abi"].find(
            "host supports ABI 1, plugin was built for ABI 99") !=
        std::string::npos);
  CHECK(reasons["unknown_flags"].find(
            "unknown flag bits 0x80 in GOLO_PLUGIN(.flags = ...)") == 0);
  CHECK(reasons["init_fails"].find(
            "init failed (returned 1); database unreachable") !=
        std::string::npos);
  const auto log = host.log();
  for (const auto &[job, reason] : reasons) {
    const std::string line =
        (dir.path() / (job + ".so")).string() + ": " + reason;
    CHECK_MESSAGE(log.find(line) != std::string::npos, "log lacks: " << line);
  }
  // Refused jobs are unknown jobs, and the host is still serving.
  CHECK(host.trigger("wrong_abi", r).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  CHECK(host.trigger("noop", r).ok());
}

TEST_CASE(
    "output over the bound is cut and marked - NULL strings do not crash the "
    "host") {
  TempDir dir;
  install_plugin(test_plugin("huge_output"), dir.path(), "huge_output");
  install_plugin(test_plugin("null_strings"), dir.path(), "null_strings");
  install_plugin(test_plugin("huge_tags"), dir.path(), "huge_tags");
  HostProcess host(dir.path());
  golo::Response big;
  REQUIRE(host.trigger("huge_output", big).ok());
  CHECK(big.output().size() == GOLO_MAX_OUTPUT_BYTES);
  CHECK(big.outputtruncated());

  golo::Response nulls;
  REQUIRE(host.trigger("null_strings", nulls).ok());
  CHECK(nulls.id().empty());
  CHECK(nulls.output().empty());

  golo::Response tags;
  REQUIRE(host.trigger("huge_tags", tags).ok());
  CHECK(tags.tags_size() <= GOLO_MAX_TAGS);
  for (const auto &t : tags.tags()) {
    CHECK(t.key().size() <= GOLO_MAX_TAG_BYTES);
    CHECK(t.value().size() <= GOLO_MAX_TAG_BYTES);
  }
  golo::Response again;
  CHECK(host.trigger("null_strings", again).ok());  // still serving
  // The drop is logged with its count, once per loaded version.
  REQUIRE(host.trigger("huge_tags", tags).ok());
  // (generation N): the registry numbers every load, of any file.
  const std::string drop =
      "): a response had 36 tag(s) past the limit of 64; they were dropped "
      "(logged once per job and reload)";
  const auto log = host.log();
  const auto first = log.find(drop);
  REQUIRE_MESSAGE(first != std::string::npos, log);
  CHECK(log.rfind("plugin huge_tags (generation ", first) != std::string::npos);
  CHECK(log.find(drop, first + 1) == std::string::npos);
}

TEST_CASE("a non-zero return fails the RPC with the plugin's message") {
  TempDir dir;
  install_plugin(test_plugin("fails"), dir.path(), "fails");
  install_plugin(test_plugin("fails_silently"), dir.path(), "fails_silently");
  HostProcess host(dir.path());
  golo::Response r;
  auto s = host.trigger("fails", r);
  CHECK(s.error_code() == grpc::StatusCode::UNKNOWN);
  CHECK(s.error_message() ==
        "job \"fails\": trigger returned 7: target refused the login");
  auto quiet = host.trigger("fails_silently", r);
  CHECK(quiet.error_code() == grpc::StatusCode::UNKNOWN);
  CHECK(quiet.error_message().find(
            "job \"fails_silently\": trigger returned") == 0);
}

TEST_CASE("over-large requests get a gRPC error and the host keeps serving") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  golo::Response r;
  auto long_name = host.trigger(std::string(1000, 'x'), r);
  CHECK(long_name.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(long_name.error_message().find("limit is 256") != std::string::npos);
  // Past the host's 18 MiB request limit (a schedule and its data file).
  auto huge = host.trigger(std::string(19 * 1024 * 1024, 'x'), r);
  CHECK(huge.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(host.trigger("noop", r).ok());
}

TEST_CASE("a plugin compiled by hand with only the header is served") {
  TempDir dir, src;
  write_text(src.path() / "hand.c", R"(#include <golo/plugin.h>
GOLO_PLUGIN(.name = "hand", .version = "0.0.1");
int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "made by hand", 12);
  ctx->host->add_tag_float(resp, "ratio", 0.25);
  return 0;
}
)");
  std::string out;
  const std::string cmd =
      "cc -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC -I " +
      plugin_include_dir().string() + " " + (src.path() / "hand.c").string() +
      " -o " + (dir.path() / "hand.so").string();
  REQUIRE_MESSAGE(run_command(cmd, &out) == 0, out);
  HostProcess host(dir.path());
  golo::Response r;
  REQUIRE(host.trigger("hand", r).ok());
  CHECK(r.output() == "made by hand");
  CHECK(r.pluginversion() == "0.0.1");
  REQUIRE(r.tags_size() == 1);
  CHECK(r.tags(0).value() == "0.25");
}

TEST_CASE("a serial plugin is never entered twice at once") {
  TempDir dir;
  install_plugin(test_plugin("serial"), dir.path(), "serial");
  HostProcess host(dir.path());
  std::vector<std::future<golo::Response>> calls;
  for (int i = 0; i < 6; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      golo::Response r;
      REQUIRE(host.trigger("serial", r).ok());
      return r;
    }));
  for (auto &c : calls) CHECK_FALSE(c.get().error());
  CHECK(host.list().plugins(0).serial());
}

TEST_CASE(
    "calls that sleep in a plugin do not hold up other jobs' calls, and "
    "past their deadline they count as stuck") {
  // More sleeping calls than gRPC has callback threads on any machine (at
  // most 16): had they all run on those threads, noop could not answer.
  constexpr int kSleeping = 17;
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(example_plugin("sleepy"), dir.path(), "sleepy");
  write_text(dir.path() / "sleepy.conf", "sleep_ms = 2500\n");
  HostProcess host(dir.path());
  auto channel = host.channel();
  std::vector<std::future<grpc::Status>> sleeping;
  for (int i = 0; i < kSleeping; ++i)
    sleeping.push_back(std::async(std::launch::async, [&] {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(800));
      golo::Context req;
      req.set_jobname("sleepy");
      golo::Response r;
      return golo::Job::NewStub(channel)->Trigger(&ctx, req, &r);
    }));
  auto sleepy_status = [&] {
    const auto list = host.list();
    for (const auto &p : list.plugins())
      if (p.job() == "sleepy") return p;
    return golo::PluginStatus();
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (sleepy_status().inflight() < kSleeping &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(sleepy_status().inflight() == kSleeping);

  auto slowest = std::chrono::steady_clock::duration::zero();
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    golo::Response r;
    CHECK(host.trigger("noop", r).ok());
    slowest = std::max(slowest, std::chrono::steady_clock::now() - t0);
  }
  CHECK(slowest < std::chrono::milliseconds(300));

  // Every sleeping call, on a gRPC thread or not, had the caller's deadline.
  for (auto &s : sleeping)
    CHECK(s.get().error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  // The host's copy of a deadline lands a little after the caller's (the
  // timeout travels as a duration), so its count may trail by a moment.
  auto sleepy = sleepy_status();
  const auto stuck_by =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(1000);
  while (sleepy.stuck() < kSleeping &&
         std::chrono::steady_clock::now() < stuck_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    sleepy = sleepy_status();
  }
  CHECK(sleepy.stuck() == kSleeping);
  CHECK(sleepy.inflight() == kSleeping);
}

TEST_CASE("SIGTERM lets a call in flight finish runs shutdown exits 0") {
  TempDir dir, logs;
  install_plugin(test_plugin("version_a"), dir.path(), "slow");
  write_text(dir.path() / "slow.conf", "sleep_ms = 700\n");
  const auto shutdown_log = logs.path() / "shutdown.log";
  HostProcess host(dir.path(), {},
                   {"GOLO_TEST_SHUTDOWN_LOG=" + shutdown_log.string()});
  auto call = std::async(std::launch::async, [&] {
    golo::Response r;
    return std::pair{host.trigger("slow", r), r};
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  host.signal(SIGTERM);
  auto [status, resp] = call.get();
  CHECK(status.ok());
  CHECK(resp.output() == "a");
  CHECK(host.wait(15000) == 0);  // stop() would be a second signal
  CHECK(read_text(shutdown_log) == "shutdown a 1\n");
}

TEST_CASE("golo trigger and golo plugins print what the host serves") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("wrong_abi"), dir.path(), "wrong_abi");
  HostProcess host(dir.path());
  const std::string cli = golo_cli_binary().string() + " ";
  std::string out;
  REQUIRE(run_command(cli + "trigger --host " + host.address() + " noop",
                      &out) == 0);
  CHECK(out.find("\"jobName\": \"noop\"") != std::string::npos);
  out.clear();
  CHECK(run_command(cli + "trigger --host " + host.address() + " nope", &out) ==
        1);
  CHECK(out.find("job \"nope\" not found; jobs: noop") != std::string::npos);
  out.clear();
  REQUIRE(run_command(cli + "plugins --host " + host.address(), &out) == 0);
  CHECK(out.find("noop") != std::string::npos);
  CHECK(out.find("not loaded: " + (dir.path() / "wrong_abi.so").string()) !=
        std::string::npos);
  out.clear();
  CHECK(run_command(
            cli + "plugins --host 127.0.0.1:" + std::to_string(free_port()),
            &out) == 1);
  CHECK(out.find("cannot reach golo-host at") != std::string::npos);
}

TEST_CASE("the standard health service answers SERVING") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path());
  // Spoken raw (no health stubs needed); reflection is checked by the
  // Python client test.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto channel = host.channel();
  grpc::GenericStub generic(channel);
  // grpc.health.v1.HealthCheckRequest{service=""} encodes as an empty message.
  grpc::ByteBuffer req, resp;
  grpc::Slice empty("");
  req = grpc::ByteBuffer(&empty, 1);
  std::promise<grpc::Status> done;
  generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                    &req, &resp, [&](grpc::Status s) { done.set_value(s); });
  auto s = done.get_future().get();
  REQUIRE(s.ok());
  std::vector<grpc::Slice> slices;
  REQUIRE(resp.Dump(&slices).ok());
  std::string bytes;
  for (auto &sl : slices)
    bytes.append(reinterpret_cast<const char *>(sl.begin()), sl.size());
  CHECK(bytes == std::string("\x08\x01", 2));  // status: SERVING
}
