// The control plane end to end (issue 10): real golo-hosts serving TLS with
// certificates made by openssl at test time, tokens with roles, mutual TLS,
// the listen policy, the remote-target allow-list, golo push and remove to
// several hosts, and certificate rotation by SIGHUP. Each check is made with
// our C++ stub and with the golo CLI; the Python client does the same in
// python_security_test.py.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "golo/health.grpc.pb.h"
#include "golo/wire/pieces.h"
#include "host_process.h"

using namespace golo::test;

namespace {

const std::string kReadToken = "read-token-000000000001";
const std::string kTriggerToken = "trigger-token-0000000002";
const std::string kRunToken = "run-token-00000000000003";
const std::string kAdminToken = "admin-token-000000000004";

// CA, server (127.0.0.1), client, and a second CA with its server: made once
// per test program.
const fs::path &certs() {
  static TempDir dir("golo-certs");
  static const bool made = [] {
    make_test_certs(dir.path());
    return true;
  }();
  (void)made;
  return dir.path();
}

fs::path cert(const std::string &name) { return certs() / name; }

void write_secret(const fs::path &p, const std::string &text) {
  write_text(p, text);
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
}

// The tokens file the hosts read, and one file per token for the CLI.
struct Tokens {
  TempDir dir{"golo-tokens"};
  fs::path file = dir.path() / "tokens";
  Tokens() {
    write_secret(file, "# role token\nread " + kReadToken + "\ntrigger " +
                           kTriggerToken + "  # the load generator\nrun " +
                           kRunToken + "\n\nadmin " + kAdminToken + "\n");
    for (const auto &[role, token] :
         {std::pair{"read", kReadToken}, std::pair{"trigger", kTriggerToken},
          std::pair{"run", kRunToken}, std::pair{"admin", kAdminToken}})
      write_secret(dir.path() / role, token + "\n");
  }
  std::string flag(const std::string &role) const {
    return " --token-file " + (dir.path() / role).string();
  }
};

std::string cli() { return golo_cli_binary().string() + " "; }

std::shared_ptr<grpc::Channel> tls_channel(const std::string &addr,
                                           const fs::path &ca,
                                           bool client_cert = false) {
  grpc::SslCredentialsOptions o;
  o.pem_root_certs = read_text(ca);
  if (client_cert) {
    o.pem_cert_chain = read_text(cert("client.pem"));
    o.pem_private_key = read_text(cert("client.key"));
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(addr, grpc::SslCredentials(o), args);
}

std::shared_ptr<grpc::Channel> plain_channel(const std::string &addr) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(),
                                   args);
}

void prepare(grpc::ClientContext &ctx, const std::string &token) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
}

grpc::Status trigger(const std::shared_ptr<grpc::Channel> &ch,
                     const std::string &token, const std::string &job = "") {
  grpc::ClientContext ctx;
  prepare(ctx, token);
  golo::Context req;
  req.set_jobname(job);
  golo::Response resp;
  return golo::Job::NewStub(ch)->Trigger(&ctx, req, &resp);
}

grpc::Status reload(const std::shared_ptr<grpc::Channel> &ch,
                    const std::string &token) {
  grpc::ClientContext ctx;
  prepare(ctx, token);
  golo::ReloadResponse resp;
  return golo::Host::NewStub(ch)->Reload(&ctx, {}, &resp);
}

grpc::Status list(const std::shared_ptr<grpc::Channel> &ch,
                  const std::string &token,
                  golo::ListPluginsResponse *out = nullptr) {
  grpc::ClientContext ctx;
  prepare(ctx, token);
  golo::ListPluginsResponse resp;
  auto s = golo::Host::NewStub(ch)->ListPlugins(&ctx, {}, &resp);
  if (out) *out = resp;
  return s;
}

grpc::Status health(const std::shared_ptr<grpc::Channel> &ch) {
  grpc::ClientContext ctx;
  prepare(ctx, "");
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return grpc::health::v1::Health::NewStub(ch)->Check(&ctx, req, &resp);
}

// The first message of a Runner.Run stream: the status if the call was
// refused, OK once the load started (the call is then cancelled).
grpc::Status start_run(const std::shared_ptr<grpc::Channel> &ch,
                       const std::string &token, const std::string &yaml,
                       const std::string &remote_target = "") {
  grpc::ClientContext ctx;
  prepare(ctx, token);
  golo::RunRequest req;
  req.set_scheduleyaml(yaml);
  req.set_remotetarget(remote_target);
  auto reader = golo::Runner::NewStub(ch)->Run(&ctx, req);
  golo::RunUpdate update;
  if (reader->Read(&update)) {
    ctx.TryCancel();
    while (reader->Read(&update)) {
    }
    reader->Finish();
    return grpc::Status::OK;
  }
  return reader->Finish();
}

std::string code_and_message(const grpc::Status &s) {
  return std::to_string(s.error_code()) + ": " + s.error_message();
}

fs::path plugins_with_noop(const TempDir &dir) {
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  return dir.path();
}

}  // namespace

TEST_CASE("TLS and tokens: each role may do what it is given and no more") {
  TempDir dir;
  Tokens tokens;
  HostProcess host(
      plugins_with_noop(dir),
      {"--tls-cert", cert("server.pem").string(), "--tls-key",
       cert("server.key").string(), "--tokens", tokens.file.string()});
  const auto addr = host.address();
  const auto ch = tls_channel(addr, cert("ca.pem"));
  const std::string ca = " --tls-ca " + cert("ca.pem").string();

  {  // plaintext to the TLS port fails
    const auto s = trigger(plain_channel(addr), kTriggerToken);
    CHECK_MESSAGE(s.error_code() == grpc::StatusCode::UNAVAILABLE,
                  code_and_message(s));
    std::string out;
    CHECK(run_command(cli() + "plugins --host " + addr + tokens.flag("read"),
                      &out) == 1);
    CHECK_MESSAGE(out.find("--tls-ca") != std::string::npos, out);
  }
  {  // a client trusting another CA fails
    const auto s = trigger(tls_channel(addr, cert("ca2.pem")), kTriggerToken);
    CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  {  // no token, an unknown one, or a malformed header: UNAUTHENTICATED
    auto s = trigger(ch, "");
    CHECK_MESSAGE(s.error_code() == grpc::StatusCode::UNAUTHENTICATED,
                  code_and_message(s));
    CHECK(s.error_message().find("trigger role") != std::string::npos);
    s = trigger(ch, "not-a-token-of-this-host");
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(s.error_message().find("unknown token") != std::string::npos);
    grpc::ClientContext ctx;
    prepare(ctx, "");
    ctx.AddMetadata("authorization", "Basic " + kAdminToken);
    golo::ReloadResponse resp;
    s = golo::Host::NewStub(ch)->Reload(&ctx, {}, &resp);
    CHECK(s.error_code() == grpc::StatusCode::UNAUTHENTICATED);
    CHECK(s.error_message().find("Bearer") != std::string::npos);
    std::string out;
    CHECK(run_command(cli() + "trigger noop --host " + addr + ca, &out) == 1);
    CHECK_MESSAGE(out.find("requires a token") != std::string::npos, out);
  }
  CHECK(health(ch).ok());  // health stays open to probes
  {                        // read may list, not trigger
    CHECK(list(ch, kReadToken).ok());
    const auto s = trigger(ch, kReadToken);
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK_MESSAGE(s.error_message() ==
                      "golo.Job/Trigger needs the trigger role; this token "
                      "has the read role",
                  s.error_message());
  }
  {  // trigger may trigger; Reload and Run are denied naming the role
    CHECK(trigger(ch, kTriggerToken).ok());
    CHECK(list(ch, kTriggerToken).ok());
    auto s = reload(ch, kTriggerToken);
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(s.error_message().find("needs the admin role") != std::string::npos);
    s = start_run(ch, kTriggerToken,
                  "job: {name: noop, users: 1, duration: 1s}");
    CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
    CHECK(s.error_message().find("needs the run role") != std::string::npos);

    std::string out;
    CHECK_MESSAGE(run_command(cli() + "trigger noop --host " + addr + ca +
                                  tokens.flag("trigger"),
                              &out) == 0,
                  out);
    CHECK(out.find("\"jobName\": \"noop\"") != std::string::npos);
    out.clear();
    CHECK(run_command(
              cli() + "reload --host " + addr + ca + tokens.flag("trigger"),
              &out) == 1);
    CHECK_MESSAGE(out.find("golo.Host/Reload needs the admin role; this "
                           "token has the trigger role") != std::string::npos,
                  out);
  }
  {  // run may start a run, not reload
    CHECK(start_run(ch, kRunToken, "job: {name: noop, users: 1, duration: 1s}")
              .ok());
    CHECK(reload(ch, kRunToken).error_code() ==
          grpc::StatusCode::PERMISSION_DENIED);
  }
  {  // admin may reload and push, logged with its role, never the token
    CHECK(reload(ch, kAdminToken).ok());
    std::string out;
    CHECK_MESSAGE(
        run_command(cli() + "reload --host " + addr + ca + tokens.flag("admin"),
                    &out) == 0,
        out);
    // GOLO_TOKEN and GOLO_HOST stand in for --token-file and --host.
    out.clear();
    CHECK_MESSAGE(
        run_command("GOLO_HOST=" + addr + " GOLO_TOKEN=" + kAdminToken + " " +
                        cli() + "push " + example_plugin("abi_tour").string() +
                        " --job tour" + ca,
                    &out) == 0,
        out);
    CHECK_MESSAGE(out.find("added      tour") != std::string::npos, out);
    CHECK(trigger(ch, kTriggerToken, "tour").ok());
    const auto log = host.log();
    CHECK_MESSAGE(log.find("reload requested over gRPC by admin at "
                           "ipv4:127.0.0.1:") != std::string::npos,
                  log);
    CHECK(log.find("push of tour by admin at ipv4:127.0.0.1:") !=
          std::string::npos);
    for (const auto &t : {kReadToken, kTriggerToken, kRunToken, kAdminToken})
      CHECK(log.find(t) == std::string::npos);
  }
  {  // a run token may not push
    std::string out;
    CHECK(run_command(cli() + "push " + example_plugin("noop").string() +
                          " --host " + addr + ca + tokens.flag("run"),
                      &out) == 1);
    CHECK_MESSAGE(
        out.find("golo.Host/Push needs the admin role") != std::string::npos,
        out);
  }
}

TEST_CASE("mutual TLS: a client without a certificate is turned away") {
  TempDir dir;
  Tokens tokens;
  HostProcess host(plugins_with_noop(dir),
                   {"--tls-cert", cert("server.pem").string(), "--tls-key",
                    cert("server.key").string(), "--tls-client-ca",
                    cert("ca.pem").string(), "--tokens", tokens.file.string()});
  const auto addr = host.address();
  const auto without =
      trigger(tls_channel(addr, cert("ca.pem")), kTriggerToken);
  CHECK_MESSAGE(without.error_code() == grpc::StatusCode::UNAVAILABLE,
                code_and_message(without));
  CHECK(trigger(tls_channel(addr, cert("ca.pem"), true), kTriggerToken).ok());
  // The certificate does not stand in for the token.
  CHECK(trigger(tls_channel(addr, cert("ca.pem"), true), "").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);

  const std::string base = cli() + "trigger noop --host " + addr +
                           " --tls-ca " + cert("ca.pem").string() +
                           tokens.flag("trigger");
  std::string out;
  CHECK(run_command(base, &out) == 1);
  out.clear();
  CHECK_MESSAGE(
      run_command(base + " --tls-cert " + cert("client.pem").string() +
                      " --tls-key " + cert("client.key").string(),
                  &out) == 0,
      out);
}

TEST_CASE("off loopback without TLS and tokens the host refuses to start") {
  TempDir dir;
  Tokens tokens;
  const std::string host = golo_host_binary().string() + " --plugins " +
                           plugins_with_noop(dir).string() +
                           " --listen 0.0.0.0:0";
  std::string out;
  CHECK(run_command(host, &out) == 2);
  CHECK_MESSAGE(out.find("refusing to serve 0.0.0.0:0 (not loopback) without "
                         "TLS and tokens") != std::string::npos,
                out);
  CHECK(out.find("Add --tls-cert FILE --tls-key FILE and --tokens FILE") !=
        std::string::npos);
  CHECK(out.find("--insecure") != std::string::npos);

  out.clear();  // TLS alone is not enough
  CHECK(run_command(host + " --tls-cert " + cert("server.pem").string() +
                        " --tls-key " + cert("server.key").string(),
                    &out) == 2);
  CHECK_MESSAGE(out.find("Add --tokens FILE") != std::string::npos, out);

  out.clear();  // tokens without TLS would cross the network in clear text
  CHECK(run_command(host + " --insecure --tokens " + tokens.file.string(),
                    &out) == 2);
  CHECK_MESSAGE(out.find("needs TLS") != std::string::npos, out);

  out.clear();  // a tokens file others may read is refused, on loopback too
  fs::permissions(tokens.file, fs::perms::group_read, fs::perm_options::add);
  CHECK(run_command(
            golo_host_binary().string() + " --plugins " + dir.path().string() +
                " --listen 127.0.0.1:0 --tokens " + tokens.file.string(),
            &out) == 2);
  CHECK_MESSAGE(out.find("has mode 0640: group or others may read or change "
                         "it; chmod 600") != std::string::npos,
                out);

  out.clear();  // a key that is not the certificate's
  CHECK(run_command(host + " --tls-cert " + cert("server.pem").string() +
                        " --tls-key " + cert("server2.key").string() +
                        " --tokens " + tokens.file.string(),
                    &out) == 2);
  fs::permissions(tokens.file, fs::perms::group_read, fs::perm_options::remove);
  CHECK_MESSAGE(
      out.find("is not the key of the certificate") != std::string::npos, out);

  out.clear();  // a key others may read is refused, as the tokens file is
  TempDir keys;
  const auto open_key = keys.path() / "server.key";
  fs::copy_file(cert("server.key"), open_key);
  fs::permissions(open_key, fs::perms::others_read, fs::perm_options::add);
  CHECK(run_command(host + " --tls-cert " + cert("server.pem").string() +
                        " --tls-key " + open_key.string() + " --tokens " +
                        tokens.file.string(),
                    &out) == 2);
  CHECK_MESSAGE(out.find("--tls-key " + open_key.string() + " has mode 0604") !=
                    std::string::npos,
                out);

  // --insecure starts, and says so in the log.
  HostProcess open(dir.path(), {"--listen", "0.0.0.0:0", "--insecure"});
  CHECK(open.log().find("[warning] --insecure: serving 0.0.0.0:0 without TLS "
                        "or tokens") != std::string::npos);
  CHECK(open.log().find("anyone who reaches this port may run code here") !=
        std::string::npos);
  golo::Response r;
  CHECK(open.trigger("noop", r).ok());
  // ...but an open port takes no code unless --insecure-allow-push says so.
  out.clear();
  CHECK(run_command(cli() + "push " + example_plugin("noop").string() +
                        " --job pushed --host " + open.address(),
                    &out) == 1);
  CHECK_MESSAGE(out.find("its operator can allow it with "
                         "--insecure-allow-push") != std::string::npos,
                out);
  CHECK(!fs::exists(dir.path() / "pushed.so"));

  // Both given: it serves, every address.
  HostProcess safe(dir.path(), {"--listen", "0.0.0.0:0", "--tls-cert",
                                cert("server.pem").string(), "--tls-key",
                                cert("server.key").string(), "--tokens",
                                tokens.file.string()});
  CHECK(
      trigger(tls_channel(safe.address(), cert("ca.pem")), kTriggerToken).ok());
}

TEST_CASE("tokens without TLS on loopback: checked all the same") {
  TempDir dir;
  Tokens tokens;
  HostProcess host(plugins_with_noop(dir), {"--tokens", tokens.file.string()});
  const auto ch = plain_channel(host.address());
  CHECK(trigger(ch, "").error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(trigger(ch, kTriggerToken).ok());
  CHECK(reload(ch, kTriggerToken).error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);
  std::string out;
  CHECK_MESSAGE(run_command(cli() + "reload --host " + host.address() +
                                tokens.flag("admin"),
                            &out) == 0,
                out);
  // A run's start and end are logged with the caller's role and address.
  TempDir work;
  write_text(work.path() / "s.yaml",
             "job: {name: noop, users: 1, pacing: 10ms, duration: 200ms}\n");
  out.clear();
  CHECK_MESSAGE(run_command(cli() + "run --quiet --host " + host.address() +
                                tokens.flag("run") + " " +
                                (work.path() / "s.yaml").string(),
                            &out) == 0,
                out);
  const std::string log = host.log();
  const std::string by = "s.yaml by run at ipv4:127.0.0.1:";
  CHECK_MESSAGE(log.find(by) != std::string::npos, log);
  CHECK_MESSAGE(
      log.find(" iterations, 0 errors, 0 dropped") != std::string::npos, log);
  CHECK(log.find("reload requested over gRPC by admin at ipv4:127.0.0.1:") !=
        std::string::npos);
}

TEST_CASE("remoteTarget: loopback and the allow-list only") {
  TempDir dir_b, empty;
  HostProcess target(plugins_with_noop(dir_b));
  // 0.0.0.0:PORT reaches this machine but is not a loopback address: it
  // stands in for another machine's address.
  const std::string other = "0.0.0.0:" + std::to_string(target.port());
  const std::string yaml =
      "job: {name: noop, users: 1, pacing: 10ms, duration: 300ms}";
  HostProcess closed(empty.path());
  auto s = start_run(closed.channel(), "", yaml, other);
  CHECK(s.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  CHECK_MESSAGE(s.error_message() ==
                    "remoteTarget " + other +
                        " is not loopback and not allowed on this host (its "
                        "operator can allow it with --allow-remote-target "
                        "HOST:PORT)",
                s.error_message());
  CHECK(start_run(closed.channel(), "", yaml, target.address()).ok());

  HostProcess allowing(empty.path(), {"--allow-remote-target", "10.1.2.3:9999",
                                      "--allow-remote-target", other});
  TempDir work;
  write_text(work.path() / "s.yaml", yaml + "\n");
  std::string out;
  CHECK_MESSAGE(run_command(cli() + "run --quiet --host " + allowing.address() +
                                " --remote-target " + other + " --out " +
                                (work.path() / "r.json").string() + " " +
                                (work.path() / "s.yaml").string(),
                            &out) == 0,
                out);
  const auto results = nlohmann::json::parse(read_text(work.path() / "r.json"));
  CHECK(results.at("total").at("iterations").get<int>() > 0);
  CHECK(results.at("total").at("errors").get<int>() == 0);
  CHECK(start_run(allowing.channel(), "", yaml, "10.1.2.4:9999").error_code() ==
        grpc::StatusCode::PERMISSION_DENIED);

  out.clear();
  CHECK(run_command(golo_host_binary().string() + " --plugins " +
                        empty.path().string() +
                        " --allow-remote-target no-port-here",
                    &out) == 2);
  CHECK_MESSAGE(out.find("expected exactly one HOST:PORT") != std::string::npos,
                out);
}

namespace {

std::string sha256_of(const fs::path &file) {
  std::string out;
  run_command("sha256sum " + file.string(), &out, false);
  return out.substr(0, 64);
}

// Host.Push spoken directly, for uploads the CLI would never send.
grpc::Status push_raw(const std::shared_ptr<grpc::Channel> &ch,
                      const std::string &token, const std::string &job,
                      std::uint64_t size, const std::string &sha256,
                      const std::string &data) {
  grpc::ClientContext ctx;
  prepare(ctx, token);
  golo::PushResponse resp;
  auto writer = golo::Host::NewStub(ch)->Push(&ctx, &resp);
  golo::PushChunk chunk;
  chunk.set_job(job);
  chunk.set_size(size);
  chunk.set_sha256(sha256);
  // In pieces under the host's receive limit, as golo push sends them.
  std::size_t sent = 0;
  do {
    const std::size_t n = std::min(golo::wire::kPieceBytes, data.size() - sent);
    chunk.set_data(data.substr(sent, n));
    sent += n;
    if (!writer->Write(chunk)) break;
    chunk.Clear();
  } while (sent < data.size());
  writer->WritesDone();
  return writer->Finish();
}

std::string serving_sha(const HostProcess &h, const std::string &job) {
  golo::ListPluginsResponse resp;
  const auto s = list(h.channel(), kReadToken, &resp);
  if (!s.ok()) return "<" + s.error_message() + ">";
  for (const auto &p : resp.plugins())
    if (p.job() == job) return p.sha256();
  return "<" + job + " not loaded>";
}

std::size_t count(const std::string &text, const std::string &what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + 1))
    ++n;
  return n;
}

// Files in dir whose names start with '.': leftovers of a push.
std::vector<std::string> hidden_files(const fs::path &dir) {
  std::vector<std::string> out;
  for (const auto &e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] == '.')
      out.push_back(e.path().filename().string());
  return out;
}

template <class Pred>
bool eventually(Pred pred, int timeout_ms = 5000) {
  for (int waited = 0; waited < timeout_ms; waited += 50) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace

TEST_CASE(
    "golo push to three hosts: one build everywhere, bad pushes change "
    "nothing") {
  Tokens tokens;
  TempDir d0, d1, d2, work;
  const std::vector<const TempDir *> dirs = {&d0, &d1, &d2};
  std::vector<std::unique_ptr<HostProcess>> hosts;
  std::string to_all;
  for (const auto *d : dirs) {
    hosts.push_back(std::make_unique<HostProcess>(
        d->path(), std::vector<std::string>{"--tokens", tokens.file.string(),
                                            "--max-plugin-size", "1MiB"}));
    to_all += " --host " + hosts.back()->address();
  }
  const std::string push = cli() + "push ";
  const std::string as_admin = to_all + tokens.flag("admin");
  const auto sha_a = sha256_of(test_plugin("version_a"));
  const auto sha_b = sha256_of(test_plugin("version_b"));
  std::string out;

  // A new job on every host, then a new build of it, then the same again.
  REQUIRE_MESSAGE(run_command(push + test_plugin("version_a").string() +
                                  " --job ver" + as_admin,
                              &out) == 0,
                  out);
  CHECK_MESSAGE(
      count(out, "added      ver  sha256 " + sha_a.substr(0, 12)) == 3, out);
  for (const auto &h : hosts) CHECK(serving_sha(*h, "ver") == sha_a);
  out.clear();
  REQUIRE(run_command(push + test_plugin("version_b").string() + " --job ver" +
                          as_admin,
                      &out) == 0);
  CHECK_MESSAGE(count(out, "replaced   ver") == 3, out);
  for (const auto &h : hosts) {
    CHECK(serving_sha(*h, "ver") == sha_b);
    golo::Response r;
    golo::Context req;
    grpc::ClientContext ctx;
    prepare(ctx, kTriggerToken);
    req.set_jobname("ver");
    REQUIRE(golo::Job::NewStub(h->channel())->Trigger(&ctx, req, &r).ok());
    CHECK(r.output() == "b");
  }
  for (const auto *d : dirs) {
    const auto st = fs::status(d->path() / "ver.so");
    CHECK(st.permissions() == (fs::perms::owner_read | fs::perms::owner_write |
                               fs::perms::group_read | fs::perms::others_read));
  }
  out.clear();
  CHECK(run_command(
            push + test_plugin("version_b").string() + " --job ver" + as_admin,
            &out) == 0);
  CHECK_MESSAGE(count(out, "unchanged  ver") == 3, out);

  // Settings travel with --conf and reach the plugin.
  write_text(work.path() / "tour.conf", "greeting = bonjour\n");
  out.clear();
  CHECK_MESSAGE(
      run_command(push + example_plugin("abi_tour").string() +
                      " --job tour --conf " +
                      (work.path() / "tour.conf").string() + " --host " +
                      hosts[0]->address() + tokens.flag("admin"),
                  &out) == 0,
      out);
  CHECK(read_text(d0.path() / "tour.conf") == "greeting = bonjour\n");
  {
    golo::Response r;
    grpc::ClientContext ctx;
    prepare(ctx, kTriggerToken);
    golo::Context req;
    req.set_jobname("tour");
    REQUIRE(
        golo::Job::NewStub(hosts[0]->channel())->Trigger(&ctx, req, &r).ok());
    CHECK_MESSAGE(r.output().rfind("bonjour from tour", 0) == 0, r.output());
  }

  const auto &h0 = *hosts[0];
  const std::string bytes_a = read_text(test_plugin("version_a"));
  {  // a hash that does not match the bytes: DATA_LOSS, nothing changed
    const auto s = push_raw(h0.channel(), kAdminToken, "ver", bytes_a.size(),
                            sha_b, bytes_a);
    CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK_MESSAGE(s.error_message().find("is " + sha_a +
                                         ", not the "
                                         "declared " +
                                         sha_b) != std::string::npos,
                  s.error_message());
  }
  {  // more bytes than declared
    const auto s =
        push_raw(h0.channel(), kAdminToken, "ver", 10, sha_a, bytes_a);
    CHECK(s.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(s.error_message().find("more bytes arrived") != std::string::npos);
  }
  {  // over --max-plugin-size, declared or not
    auto s = push_raw(h0.channel(), kAdminToken, "ver", 64ull << 20, sha_a, "");
    CHECK(s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
    CHECK_MESSAGE(s.error_message().find("this host takes at most 1048576") !=
                      std::string::npos,
                  s.error_message());
    write_text(work.path() / "big.so", std::string(1536 * 1024, 'x'));
    out.clear();
    CHECK(run_command(push + (work.path() / "big.so").string() + " --job ver" +
                          as_admin,
                      &out) == 1);
    CHECK_MESSAGE(count(out, "at most 1048576") == 3, out);
  }
  {  // a bad job name
    const auto s = push_raw(h0.channel(), kAdminToken, "../ver", bytes_a.size(),
                            sha_a, bytes_a);
    CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  }
  out.clear();  // a run token may not push
  CHECK(run_command(push + test_plugin("version_a").string() + " --job ver" +
                        to_all + tokens.flag("run"),
                    &out) == 1);
  CHECK_MESSAGE(count(out, "golo.Host/Push needs the admin role") == 3, out);

  // A build that does not load: failed, and the previous file is put back.
  out.clear();
  CHECK(run_command(
            push + test_plugin("no_trigger").string() + " --job ver" + as_admin,
            &out) == 1);
  CHECK_MESSAGE(count(out, "(the previous file was put back)") == 3, out);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    CHECK(serving_sha(*hosts[i], "ver") == sha_b);
    CHECK(sha256_of(dirs[i]->path() / "ver.so") == sha_b);
    CHECK_MESSAGE(hidden_files(dirs[i]->path()).empty(),
                  hidden_files(dirs[i]->path()).front());
  }

  // golo remove takes the job off every host.
  out.clear();
  CHECK_MESSAGE(run_command(cli() + "remove ver" + as_admin, &out) == 0, out);
  CHECK(count(out, "removed    ver") == 3);
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    CHECK(serving_sha(*hosts[i], "ver") == "<ver not loaded>");
    CHECK(!fs::exists(dirs[i]->path() / "ver.so"));
  }
  out.clear();
  CHECK(run_command(cli() + "remove ver" + as_admin, &out) == 1);
  CHECK_MESSAGE(count(out, "no plugin file") == 3, out);
  CHECK(h0.log().find("remove of ver by admin at ipv4:127.0.0.1:") !=
        std::string::npos);

  // A host out of reach fails alone: the others take the plugin, exit 1.
  out.clear();
  CHECK(run_command(push + test_plugin("version_a").string() + " --job ver" +
                        as_admin + " --host 127.0.0.1:1",
                    &out) == 1);
  CHECK_MESSAGE(count(out, "added      ver") == 3, out);
  CHECK_MESSAGE(out.find("127.0.0.1:1") != std::string::npos, out);
  for (const auto &h : hosts) CHECK(serving_sha(*h, "ver") == sha_a);
}

TEST_CASE("SIGHUP rotates the certificate and the tokens") {
  TempDir dir, tls;
  Tokens tokens;
  const auto cert_file = tls.path() / "cert.pem";
  const auto key_file = tls.path() / "key.pem";
  fs::copy_file(cert("server.pem"), cert_file);
  fs::copy_file(cert("server.key"), key_file);
  HostProcess host(plugins_with_noop(dir),
                   {"--tls-cert", cert_file.string(), "--tls-key",
                    key_file.string(), "--tokens", tokens.file.string()});
  const auto addr = host.address();
  auto old_ca = [&] {
    return trigger(tls_channel(addr, cert("ca.pem")), kTriggerToken);
  };
  auto new_ca = [&] {
    return trigger(tls_channel(addr, cert("ca2.pem")), kTriggerToken);
  };
  CHECK(old_ca().ok());
  CHECK(!new_ca().ok());

  // A broken file is refused, and the certificate serving stays.
  write_text(cert_file, "not a certificate\n");
  host.signal(SIGHUP);
  CHECK(eventually([&] {
    return host.log().find("holds no PEM certificate") != std::string::npos;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(old_ca().ok());

  // The new pair: served within about a second of SIGHUP.
  write_text(tls.path() / "tmp", read_text(cert("server2.pem")));
  fs::rename(tls.path() / "tmp", cert_file);
  // A key must be private (chmod 600), as the tokens file.
  write_secret(tls.path() / "tmp", read_text(cert("server2.key")));
  fs::rename(tls.path() / "tmp", key_file);
  host.signal(SIGHUP);
  CHECK(eventually([&] { return new_ca().ok(); }));
  CHECK(old_ca().error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(host.log().find("SIGHUP: TLS certificate /CN=golo test server2") !=
        std::string::npos);

  // Tokens: the new file's take over, the old ones stop working.
  const std::string fresh = "rotated-trigger-token-0005";
  write_secret(tokens.file, "trigger " + fresh + "\n");
  host.signal(SIGHUP);
  const auto ch = tls_channel(addr, cert("ca2.pem"));
  CHECK(eventually([&] { return trigger(ch, fresh).ok(); }));
  CHECK(trigger(ch, kTriggerToken).error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
}
