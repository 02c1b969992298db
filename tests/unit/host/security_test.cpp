// The control plane's pure parts: the listen policy, the role table, the
// tokens file, the authorizer's verdicts, the remote-target allow-list, and
// a pushed file's checks.
#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "golo/golo.pb.h"
#include "options/listen_policy.h"
#include "plugins/plugin_upload.h"
#include "security/authorizer.h"
#include "security/remote_targets.h"
#include "security/role.h"
#include "security/token_table.h"

using namespace golo::host;
using namespace golo::host::security;
namespace fs = std::filesystem;

TEST_CASE("loopback addresses, and those that are not") {
  for (const char *a :
       {"127.0.0.1:9999", "127.0.0.2:1", "localhost:9999", "LOCALHOST:1",
        "[::1]:9999", "::1", "ipv4:127.0.0.1:1", "dns:///localhost:9999",
        "[::ffff:127.0.0.1]:1", "unix:/run/golo.sock", "unix-abstract:golo"})
    CHECK_MESSAGE(is_loopback_address(a), a);
  for (const char *a :
       {"0.0.0.0:9999", "[::]:9999", ":9999", "10.0.0.1:1", "192.0.2.2:9999",
        "example.com:9999", "localhost.example.com:1", "dns:///golo:9999",
        "[2001:db8::1]:1", "128.0.0.1:1"})
    CHECK_MESSAGE(!is_loopback_address(a), a);
}

TEST_CASE("the listen policy: loopback as before, elsewhere TLS and tokens") {
  auto check = [](ListenSecurity s) { return check_listen_policy(s); };
  CHECK(check({"127.0.0.1:9999"}).ok);
  CHECK(check({"127.0.0.1:9999", false, false, false, true}).ok);
  CHECK(check({"0.0.0.0:9999", true, true, false, true}).ok);
  CHECK(check({"0.0.0.0:9999", true, true, true, true}).ok);

  auto v = check({"0.0.0.0:9999"});
  CHECK(!v.ok);
  CHECK(v.error ==
        "refusing to serve 0.0.0.0:9999 (not loopback) without TLS and tokens: "
        "anyone who reaches it could reload plugins and start load. Add "
        "--tls-cert FILE --tls-key FILE and --tokens FILE (see "
        "docs/security.md), or --insecure to serve it open anyway");
  v = check({"[::]:9999", true, true});
  CHECK(!v.ok);
  CHECK(v.error.find("Add --tokens FILE (see") != std::string::npos);

  v = check({"0.0.0.0:9999", false, false, false, false, true});
  CHECK(v.ok);
  CHECK(v.warning.find("--insecure: serving 0.0.0.0:9999 without TLS or "
                       "tokens") == 0);
  v = check({"0.0.0.0:9999", true, true, false, false, true});
  CHECK(v.ok);
  CHECK(v.warning.find("without tokens:") != std::string::npos);
  // Tokens in clear text across a network: not even with --insecure.
  v = check({"0.0.0.0:9999", false, false, false, true, true});
  CHECK(!v.ok);
  CHECK(v.error.find("needs TLS") != std::string::npos);

  // Half-given TLS, wherever it listens.
  v = check({"127.0.0.1:1", true, false});
  CHECK(v.error.find("add --tls-key FILE") != std::string::npos);
  v = check({"127.0.0.1:1", false, true});
  CHECK(v.error.find("add --tls-cert FILE") != std::string::npos);
  v = check({"127.0.0.1:1", false, false, true});
  CHECK(v.error.find("--tls-client-ca needs TLS") == 0);
}

TEST_CASE("every golo RPC has its role, and unknown methods need admin") {
  const std::map<std::string, Role> expected = {
      {"/golo.Job/Trigger", Role::kTrigger},
      {"/golo.Host/ListPlugins", Role::kRead},
      {"/golo.Host/Reload", Role::kAdmin},
      {"/golo.Host/Push", Role::kAdmin},
      {"/golo.Host/Remove", Role::kAdmin},
      {"/golo.Runner/Run", Role::kRun},
      {"/golo.Runner/RunStream", Role::kRun},
      {"/golo.Runner/Stop", Role::kRun},
  };
  // A new RPC in golo.proto fails here until someone decides its role.
  const auto *file = golo::Context::descriptor()->file();
  int methods = 0;
  for (int s = 0; s < file->service_count(); ++s)
    for (int m = 0; m < file->service(s)->method_count(); ++m) {
      const auto *method = file->service(s)->method(m);
      const std::string path =
          "/" + file->service(s)->full_name() + "/" + method->name();
      ++methods;
      REQUIRE_MESSAGE(expected.count(path), path, " has no role in the test");
      CHECK_MESSAGE(required_role(path) == expected.at(path), path);
    }
  CHECK(methods == static_cast<int>(expected.size()));
  CHECK(required_role("/grpc.health.v1.Health/Check") == Role::kNone);
  CHECK(required_role("/grpc.health.v1.Health/Watch") == Role::kNone);
  CHECK(required_role(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo") ==
        Role::kRead);
  CHECK(required_role("/golo.Host/Format") == Role::kAdmin);
  CHECK(required_role("") == Role::kAdmin);
  CHECK(Role::kRead < Role::kTrigger);
  CHECK(Role::kTrigger < Role::kRun);
  CHECK(Role::kRun < Role::kAdmin);
}

namespace {
const std::string kAdmin = "admin-0123456789abcdef";
const std::string kTrigger = "trigger-0123456789abcd";

TokenTable sample() {
  return TokenTable::parse("# who may do what\n\nadmin " + kAdmin +
                               "\n  trigger\t" + kTrigger + "  # load\r\n",
                           "tokens");
}

std::string parse_error(const std::string &text) {
  try {
    TokenTable::parse(text, "t.tokens");
  } catch (const TokenFileError &e) {
    return e.what();
  }
  return "<no error>";
}
}  // namespace

TEST_CASE("the tokens file: roles found, comments skipped, mistakes named") {
  const auto t = sample();
  CHECK(t.size() == 2);
  CHECK(t.find(kAdmin) == Role::kAdmin);
  CHECK(t.find(kTrigger) == Role::kTrigger);
  CHECK(!t.find("admin-0123456789abcdeX"));
  CHECK(!t.find(""));
  CHECK(t.summary() == "2 tokens: 1 trigger, 1 admin");

  CHECK(parse_error("") == "t.tokens: no tokens (one \"ROLE TOKEN\" per line)");
  CHECK(parse_error("# only a comment\n") ==
        "t.tokens: no tokens (one \"ROLE TOKEN\" per line)");
  CHECK(parse_error("\nroot " + kAdmin + "\n") ==
        "t.tokens:2: the first word is not a role (read, trigger, run, "
        "admin); each line is \"ROLE TOKEN\"");
  // Columns swapped: the token is never echoed.
  CHECK(parse_error(kAdmin + " admin\n").find(kAdmin) == std::string::npos);
  CHECK(parse_error("admin\n") ==
        "t.tokens:1: expected \"ROLE TOKEN\" (2 words), found 1");
  CHECK(parse_error("admin a b\n") ==
        "t.tokens:1: expected \"ROLE TOKEN\" (2 words), found 3");
  const auto short_token = parse_error("read shorty\n");
  CHECK(short_token.find("t.tokens:1: the token is 6 characters; use at "
                         "least 16") == 0);
  CHECK(short_token.find("shorty") == std::string::npos);  // never the token
  const auto dup = parse_error("admin " + kAdmin + "\nread " + kAdmin + "\n");
  CHECK(dup ==
        "t.tokens:2: the same token as line 1 (each token has one role)");
  CHECK(parse_error("read " + std::string(20, 'x') + "\xc3\xa9\n")
            .find("outside printable ASCII") != std::string::npos);
}

TEST_CASE("the tokens file must be private") {
  const fs::path dir = fs::path(GOLO_TEST_TMP) / "tokens";
  fs::create_directories(dir);
  const fs::path file = dir / ("t-" + std::to_string(getpid()));
  std::ofstream(file) << "admin " << kAdmin << "\n";
  ::chmod(file.c_str(), 0600);
  CHECK(TokenTable::load(file).find(kAdmin) == Role::kAdmin);
  for (mode_t mode : {0640, 0604, 0620}) {
    ::chmod(file.c_str(), mode);
    CHECK_THROWS_WITH_AS(TokenTable::load(file),
                         doctest::Contains("group or others may read or "
                                           "change it; chmod 600"),
                         TokenFileError);
  }
  fs::remove(file);
  CHECK_THROWS_WITH_AS(TokenTable::load(file),
                       doctest::Contains("cannot read tokens file"),
                       TokenFileError);
  CHECK_THROWS_WITH_AS(TokenTable::load(dir),
                       doctest::Contains("is not a regular file"),
                       TokenFileError);
}

TEST_CASE("secret files: private or as Kubernetes mounts a Secret") {
  const fs::path dir = fs::path(GOLO_TEST_TMP) / "secret";
  fs::create_directories(dir);
  const fs::path file = dir / ("k-" + std::to_string(getpid()));
  std::ofstream(file) << "x\n";
  ::chmod(file.c_str(), 0600);
  CHECK(secret_file_problem(file, "--tls-key").empty());
  ::chmod(file.c_str(), 0644);
  CHECK(secret_file_problem(file, "--tls-key") ==
        "--tls-key " + file.string() +
            " has mode 0644: group or others may read or change it; chmod "
            "600 " +
            file.string() +
            " (a root-owned file readable by this process's group is "
            "accepted on a read-only mount, as Kubernetes mounts Secrets)");
  // 0440 on a writable mount: refused, whoever owns it (the kubelet's
  // layout is tested on a real read-only mount in the integration tests).
  ::chmod(file.c_str(), 0440);
  CHECK(!secret_file_problem(file, "tokens file").empty());
  fs::remove(file);
}

TEST_CASE("the authorizer's verdicts name the role needed") {
  using Code = Decision::Code;
  Authorizer a(sample());
  auto d = a.check("/golo.Job/Trigger", std::nullopt);
  CHECK(d.code == Code::kUnauthenticated);
  CHECK(d.message.find("golo.Job/Trigger needs the trigger role") !=
        std::string::npos);
  CHECK(a.check("/golo.Job/Trigger", "Basic " + kAdmin).code ==
        Code::kUnauthenticated);
  // RFC 6750: the scheme's letter case does not matter.
  CHECK(a.check("/golo.Job/Trigger", "bearer " + kTrigger).code == Code::kOk);
  CHECK(a.check("/golo.Job/Trigger", "BEARER " + kTrigger).code == Code::kOk);
  CHECK(a.role_of("bEaReR " + kTrigger) == Role::kTrigger);
  CHECK(a.check("/golo.Job/Trigger", "Bearer nope-nope-nope-nope").code ==
        Code::kUnauthenticated);
  d = a.check("/golo.Host/Reload", "Bearer " + kTrigger);
  CHECK(d.code == Code::kPermissionDenied);
  CHECK(d.message ==
        "golo.Host/Reload needs the admin role; this token has the trigger "
        "role");
  CHECK(a.check("/golo.Job/Trigger", "Bearer " + kTrigger).code == Code::kOk);
  CHECK(a.check("/golo.Host/Reload", "Bearer " + kAdmin).code == Code::kOk);
  CHECK(a.check("/grpc.health.v1.Health/Check", std::nullopt).code ==
        Code::kOk);
  CHECK(a.role_of("Bearer " + kTrigger) == Role::kTrigger);
  CHECK(a.role_of(std::nullopt) == Role::kNone);

  // Replaced tokens: the old ones stop working at once.
  a.replace(TokenTable::parse("read " + std::string(16, 'r') + "\n", "t"));
  CHECK(a.check("/golo.Job/Trigger", "Bearer " + kTrigger).code ==
        Code::kUnauthenticated);
  CHECK(a.role_of("Bearer " + std::string(16, 'r')) == Role::kRead);
}

TEST_CASE("remote targets: loopback and the listed ones only") {
  const std::vector<std::string> allowed = {
      "10.0.0.7:9999", "Load.Example.com:80", "[2001:DB8::7]:80"};
  CHECK(check_remote_target("127.0.0.1:9999", {}).empty());
  CHECK(check_remote_target("127.0.0.2:9999", {}).empty());
  CHECK(check_remote_target("localhost:1", {}).empty());
  CHECK(check_remote_target("[::1]:1", {}).empty());
  CHECK(check_remote_target("[::ffff:127.0.0.2]:1", {}).empty());
  CHECK(check_remote_target("10.0.0.7:9999", allowed).empty());
  CHECK(check_remote_target("LOAD.example.com:80", allowed).empty());
  // The same IPv6 address spelled another way.
  CHECK(check_remote_target("[2001:db8:0::7]:80", allowed).empty());
  CHECK(check_remote_target("10.0.0.7:9998", allowed) ==
        "remoteTarget 10.0.0.7:9998 is not loopback and not allowed on this "
        "host (its operator can allow it with --allow-remote-target "
        "HOST:PORT)");
  CHECK(!check_remote_target("0.0.0.0:9999", allowed).empty());
  CHECK(!check_remote_target("load.example.com:8080", allowed).empty());
  CHECK(!check_remote_target("[::ffff:10.0.0.9]:80", allowed).empty());
  CHECK(!check_remote_target("[::ffff:10.0.0.7]:9999", allowed).empty());
}

TEST_CASE("remote targets: exactly one HOST:PORT parsed before anything") {
  auto refused = [](const std::string &target, const std::string &why) {
    const std::string got = check_remote_target(target, {"10.0.0.7:9999"});
    INFO(target << " -> " << got);
    CHECK(got.find(why) != std::string::npos);
  };
  const std::string not_one = "expected exactly one HOST:PORT";
  // gRPC's ipv4:/ipv6: resolvers take comma-separated lists and dial the
  // next entry when the first refuses: the bypass of issue 19.
  refused("ipv6:[::1]:1,[2001:db8::7]:80", "has a ','");
  refused("ipv6:[::1]:1,[::ffff:10.0.0.9]:80", "has a ','");
  refused("ipv6:[::1]:1,[::ffff:127.0.0.2]:47002", "has a ','");
  refused("ipv4:127.0.0.1:1,10.0.0.9:80", "has a ','");
  refused("127.0.0.1:1,10.0.0.9:80", "has a ','");
  // Schemes: none at all, even for targets that would be allowed.
  refused("ipv4:127.0.0.1:9999", not_one);
  refused("ipv4:10.0.0.7:9999", not_one);
  refused("ipv6:[::1]:9999", not_one);
  refused("dns:///localhost:9999", "has a ','");  // the '/' is named too
  refused("dns:localhost:9999", not_one);
  refused("unix:/tmp/golo.sock", "has a ','");
  refused("unix-abstract:golo", "the port is not a number");
  // No port, bad ports, a bare IPv6 address.
  refused("127.0.0.1", "is not HOST:PORT");
  refused("127.0.0.1:0", "the port is not a number from 1 to 65535");
  refused("127.0.0.1:65536", "the port is not a number from 1 to 65535");
  refused("127.0.0.1:+80", "the port is not a number");
  refused("::1:80", "is not HOST:PORT");
  refused("[::1]", "is not HOST:PORT");
  refused("[::1%lo]:80", "is not an IPv6 address");
  refused("[127.0.0.1]:80", "is not an IPv6 address");
  // IPv4 as the resolver would also read it: named, with the plain form.
  refused("0x7f.1:80",
          "unusual spelling; write it as four decimal numbers "
          "(127.0.0.1)");
  refused("2130706433:80", "(127.0.0.1)");
  refused("0177.0.0.1:80", "(127.0.0.1)");
  refused("127.1:80", "(127.0.0.1)");
  refused("10.0.0.07:9999", "(10.0.0.7)");
  refused("0x0a000007:9999", "(10.0.0.7)");
  // Names: plain DNS names only, and the text is echoed safely.
  refused("exa mple:80", "has a ','");
  refused("-bad.example:80", "is not a host name");
  refused("a..b:80", "is not a host name");
  refused("host\n:80", "control character");
  refused("x\x1b[31m:80", "control character");
  refused(std::string(400, 'a') + ":80", "longer than 300 characters");

  std::string why;
  const auto v6 = parse_remote_target("[::FFFF:127.0.0.2]:47002", why);
  REQUIRE(v6);
  CHECK(v6->dial() == "ipv6:[::ffff:127.0.0.2]:47002");
  CHECK(v6->loopback());
  CHECK(parse_remote_target("10.0.0.7:9", why)->dial() == "ipv4:10.0.0.7:9");
  // A name is dialled through DNS, never read as a scheme ("unix:80").
  CHECK(parse_remote_target("unix:80", why)->dial() == "dns:///unix:80");
  CHECK(!parse_remote_target("unix:80", why)->loopback());

  CHECK(check_allowed_entry("10.0.0.7:9999").empty());
  CHECK(check_allowed_entry("[2001:db8::7]:9999").empty());
  CHECK(check_allowed_entry("golo:9999").empty());
  CHECK(check_allowed_entry("dns:///golo:9999").find("no scheme") !=
        std::string::npos);
  CHECK(check_allowed_entry("10.0.0.7").find("expected exactly one") !=
        std::string::npos);
  CHECK(!check_allowed_entry(":9999").empty());
  CHECK(!check_allowed_entry("host:port").empty());
}

TEST_CASE("a pushed file: fresh, 0644, checked, and gone when refused") {
  const fs::path dir =
      fs::path(GOLO_TEST_TMP) / ("upload-" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto files = [&] {
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir))
      out.push_back(e.path().filename().string());
    return out;
  };
  // sha256("hello")
  const std::string hello =
      "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
  const mode_t old_umask = ::umask(077);
  {
    PluginUpload up(dir, "job", 5, hello, 100);
    up.append("hel");
    up.append("lo");
    up.finish();
    struct stat st {};
    REQUIRE(::stat(up.file().path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    CHECK(up.file().path().filename().string().rfind(".job.so.push-", 0) == 0);
  }
  ::umask(old_umask);
  CHECK(files().empty());  // not released: removed

  using Code = HostError::Code;
  auto kind_of = [&](auto &&f) {
    try {
      f();
    } catch (const HostFailure &e) {
      return e.error.code;
    }
    return Code::kInternal;  // "no error" is not a code the tests expect
  };
  CHECK(kind_of([&] { PluginUpload(dir, "job", 101, hello, 100); }) ==
        Code::kResourceExhausted);
  CHECK(kind_of([&] { PluginUpload(dir, "../job", 5, hello, 100); }) ==
        Code::kInvalidArgument);
  CHECK(kind_of([&] { PluginUpload(dir, "job", 5, "HELLO", 100); }) ==
        Code::kInvalidArgument);
  CHECK(kind_of([&] {
          PluginUpload up(dir, "job", 5, hello, 100);
          up.append("hello!");
        }) == Code::kDataLoss);
  CHECK(kind_of([&] {
          PluginUpload up(dir, "job", 5, hello, 100);
          up.append("hell");
          up.finish();
        }) == Code::kDataLoss);
  CHECK(kind_of([&] {
          PluginUpload up(dir, "job", 5, hello, 100);
          up.append("jello");
          up.finish();
        }) == Code::kDataLoss);
  CHECK(files().empty());

  CHECK(check_job_name("noop").empty());
  CHECK(check_job_name("http_get-2.v1").empty());
  for (const char *bad : {"", ".hidden", "a/b", "a b", "../x"})
    CHECK_MESSAGE(!check_job_name(bad).empty(), bad);
  CHECK(!check_job_name(std::string(201, 'a')).empty());
  fs::remove_all(dir);
}
