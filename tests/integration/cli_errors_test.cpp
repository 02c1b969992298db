// Mistakes answered in golo's words (issue 24, item 3): a --host without a
// port from 1 to 65535 exits 2 before anything is dialled; a refused port,
// a port that accepts and stays silent, one that accepts nothing (both
// timed out), a TLS port dialled in plaintext (and the reverse), an
// untrusted certificate, an HTTP/1 server and a wrong token each get one
// line naming the address and what to try; `golo trigger` with no job names the
// jobs. Real hosts (one plain, one TLS with tokens) and a real nginx, started
// once for the program.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "host_process.h"

using namespace golo::test;

namespace {

const std::string kToken = "read-token-0000000000000001";

struct Servers {
  TempDir certs{"golo-certs"};
  TempDir plain_dir, tls_dir, secrets{"golo-tokens"};
  std::unique_ptr<HostProcess> plain, tls;
  NginxProcess nginx;
  Servers() {
    make_test_certs(certs.path());
    install_plugin(example_plugin("noop"), plain_dir.path(), "noop");
    install_plugin(example_plugin("abi_tour"), plain_dir.path(), "abi_tour");
    install_plugin(example_plugin("noop"), tls_dir.path(), "noop");
    secret("tokens", "read " + kToken + "\n");
    secret("good", kToken + "\n");
    secret("bad", "not-a-token-of-this-host-0001\n");
    plain = std::make_unique<HostProcess>(plain_dir.path());
    tls = std::make_unique<HostProcess>(
        tls_dir.path(),
        std::vector<std::string>{
            "--tls-cert", (certs.path() / "server.pem").string(), "--tls-key",
            (certs.path() / "server.key").string(), "--tokens",
            (secrets.path() / "tokens").string()});
  }
  void secret(const std::string &name, const std::string &text) {
    write_text(secrets.path() / name, text);
    fs::permissions(secrets.path() / name,
                    fs::perms::owner_read | fs::perms::owner_write);
  }
  std::string ca(const std::string &name = "ca.pem") const {
    return " --tls-ca " + (certs.path() / name).string();
  }
  std::string token(const std::string &name) const {
    return " --token-file " + (secrets.path() / name).string();
  }
};

Servers &servers() {
  static Servers s;
  return s;
}

// Runs golo with args (stdin closed, GOLO_* unset); {exit code, stdout +
// stderr}.
std::pair<int, std::string> cli(const std::string &args) {
  std::string out;
  const int rc =
      run_command("env -u GOLO_HOST -u GOLO_TLS_CA -u GOLO_TOKEN " +
                      golo_cli_binary().string() + " " + args + " </dev/null",
                  &out);
  return {rc, out};
}

bool one_line(const std::string &s) {
  return std::count(s.begin(), s.end(), '\n') == 1 && s.back() == '\n';
}

}  // namespace

TEST_CASE("cli errors: a --host without a port from 1 to 65535 exits 2") {
  const std::pair<std::string, std::string> cases[] = {
      {"plugins --host 127.0.0.1",
       "golo: --host 127.0.0.1: no port: write HOST:PORT, as "
       "127.0.0.1:9999\n"},
      {"plugins --host localhost:99999",
       "golo: --host localhost:99999: the port must be a number from 1 to "
       "65535, not \"99999\"\n"},
      {"trigger noop --host [::1]:0",
       "golo: --host [::1]:0: the port must be a number from 1 to 65535, "
       "not \"0\"\n"},
      {"reload --host 127.0.0.1:http",
       "golo: --host 127.0.0.1:http: the port must be a number from 1 to "
       "65535, not \"http\"\n"},
      {"run x.yaml --host dns:///localhost:70000",
       "golo: --host dns:///localhost:70000: the port must be a number from "
       "1 to 65535, not \"70000\"\n"},
      {"plugins --host ::1:9999",
       "golo: --host ::1:9999: write an IPv6 address in brackets: "
       "[ADDR]:PORT\n"},
  };
  for (const auto &[args, message] : cases) {
    auto [rc, out] = cli(args);
    CHECK_MESSAGE(rc == 2, args);
    CHECK(out == message);
  }
}

TEST_CASE("cli errors: nothing listening is one line naming the address") {
  const std::string addr = "127.0.0.1:" + std::to_string(free_port());
  auto [rc, out] = cli("plugins --host " + addr);
  CHECK(rc == 1);
  CHECK(out == "golo plugins: cannot reach golo-host at " + addr +
                   ": connection refused (nothing listens there): start "
                   "golo-host with --listen " +
                   addr + ", or check --host\n");
}

TEST_CASE("cli errors: a port that never answers is one line: timed out") {
  // A Python program holds two ports: one accepts and never writes, one
  // accepts nothing (its backlog full).
  ChildProcess ports({"/usr/bin/python3",
                      std::string(GOLO_TEST_SOURCE_DIR) + "/silent_ports.py"});
  std::string silent, full;
  for (int i = 0; i < 300 && full.empty(); ++i) {
    std::istringstream line(ports.output());
    line >> silent >> full;
    if (full.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_MESSAGE(!full.empty(), ports.output());
  silent = "127.0.0.1:" + silent;
  full = "127.0.0.1:" + full;
  auto [rc, out] = cli("plugins --timeout-ms 1000 --host " + silent);
  CHECK(rc == 1);
  CHECK(out == "golo plugins: cannot reach golo-host at " + silent +
                   ": it accepted a connection but sent nothing in 3 s (timed "
                   "out): a golo-host answers at once; check --host, and "
                   "whether the program on that port is stuck\n");
  std::tie(rc, out) = cli("trigger noop --timeout-ms 1000 --host " + full);
  CHECK(rc == 1);
  CHECK(out == "golo trigger: cannot reach golo-host at " + full +
                   ": no answer to a TCP connection in 3 s (timed out): check "
                   "the address, and any firewall on the way\n");
}

TEST_CASE("cli errors: TLS on one side only is named, with what to pass") {
  auto &s = servers();
  auto [rc, out] = cli("plugins --host " + s.tls->address() + s.token("good"));
  CHECK(rc == 1);
  CHECK(out == "golo plugins: cannot reach golo-host at " + s.tls->address() +
                   ": this port speaks TLS; pass --tls-ca FILE (the CA that "
                   "signed its certificate) or --tls\n");
  std::tie(rc, out) = cli("trigger noop --host " + s.plain->address() + s.ca());
  CHECK(rc == 1);
  CHECK(out == "golo trigger: cannot reach golo-host at " + s.plain->address() +
                   ": it speaks plaintext gRPC, not TLS: drop --tls, --tls-ca "
                   "and GOLO_TLS_CA for it\n");
  // The certificate is signed by another CA than the one given.
  std::tie(rc, out) = cli("plugins --host " + s.tls->address() +
                          s.ca("ca2.pem") + s.token("good"));
  CHECK(rc == 1);
  CHECK(out.find("golo plugins: cannot reach golo-host at " + s.tls->address() +
                 ": its TLS certificate is not signed by a CA golo trusts: "
                 "pass the CA that signed it with --tls-ca FILE") == 0);
  CHECK(one_line(out));
  // GOLO_TLS_CA stands for --tls-ca.
  std::string env_out;
  CHECK_MESSAGE(
      run_command("GOLO_TLS_CA=" + (s.certs.path() / "ca.pem").string() + " " +
                      golo_cli_binary().string() + " plugins --host " +
                      s.tls->address() + s.token("good"),
                  &env_out) == 0,
      env_out);
  // And right: the same host answers.
  std::tie(rc, out) =
      cli("plugins --host " + s.tls->address() + s.ca() + s.token("good"));
  CHECK_MESSAGE(rc == 0, out);
}

TEST_CASE("cli errors: an HTTP/1 server on the port is named as one") {
  auto &s = servers();
  const std::string addr = "127.0.0.1:" + std::to_string(s.nginx.port());
  auto [rc, out] = cli("plugins --host " + addr);
  CHECK(rc == 1);
  CHECK(out ==
        "golo plugins: cannot reach golo-host at " + addr +
            ": it speaks HTTP/1.x, not golo's gRPC: is it a web server's "
            "port? (golo-host listens on 127.0.0.1:9999 unless told "
            "otherwise)\n");
}

TEST_CASE("cli errors: a wrong or missing token is one line naming the fix") {
  auto &s = servers();
  auto [rc, out] =
      cli("plugins --host " + s.tls->address() + s.ca() + s.token("bad"));
  CHECK(rc == 1);
  CHECK(out.find("golo plugins: " + s.tls->address() +
                 " refused the token: unknown token") == 0);
  CHECK(out.find("--token-file") != std::string::npos);
  CHECK(one_line(out));
  std::tie(rc, out) = cli("plugins --host " + s.tls->address() + s.ca());
  CHECK(rc == 1);
  CHECK(out.find(" refused the token: this golo-host requires a token") !=
        std::string::npos);
  CHECK(one_line(out));
}

TEST_CASE("cli errors: golo trigger with no job lists the host's jobs") {
  auto &s = servers();
  auto [rc, out] = cli("trigger --host " + s.plain->address());
  CHECK(rc == 2);
  CHECK(out == "golo trigger: name a job: golo-host at " + s.plain->address() +
                   " has 2: abi_tour, noop (golo trigger JOB)\n");
  CHECK(job_calls(*s.plain, "noop") == 0);
  CHECK(job_calls(*s.plain, "abi_tour") == 0);
}

TEST_CASE("cli errors: golo-host's usage errors exit 2 with the flag meant") {
  std::string out;
  CHECK(run_command(golo_host_binary().string() + " --plugin /tmp", &out) == 2);
  CHECK(out ==
        "golo-host: unknown flag --plugin; did you mean --plugins?\n"
        "usage: golo-host [--listen ADDR] [--plugins DIR] [FLAGS]   "
        "(golo-host --help for every flag)\n");
  out.clear();  // a bad value: CLI11's words, still exit 2
  CHECK(run_command(golo_host_binary().string() + " --stuck-limit soon",
                    &out) == 2);
  CHECK(out.find("--stuck-limit") != std::string::npos);
  CHECK(out.find("usage: golo-host") != std::string::npos);
  out.clear();
  CHECK(run_command(golo_host_binary().string() + " --help", &out) == 0);
}

TEST_CASE("cli errors: golo run --help lists every --out type") {
  auto [rc, out] = cli("run --help");
  CHECK(rc == 0);
  for (const char *type :
       {"json=FILE", "csv=FILE", "html=FILE", "influxdb=http://HOST:PORT/DB"})
    CHECK_MESSAGE(out.find(type) != std::string::npos, type);
}
