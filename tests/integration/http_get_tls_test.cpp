// http_get over https through a real golo-host, against nginx serving a
// self-signed certificate made at test time: what staging targets look like.
#include <doctest/doctest.h>

#include <string>

#include "host_process.h"

using namespace golo::test;

namespace {

// A one-day certificate for 127.0.0.1 (the SAN is what curl checks), and its
// key, written into dir.
NginxTls self_signed_cert(const fs::path &dir) {
  NginxTls tls{dir / "cert.pem", dir / "key.pem"};
  std::string out;
  const int rc = run_command(
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout " +
          tls.key.string() + " -out " + tls.cert.string(),
      &out);
  REQUIRE_MESSAGE(rc == 0, "openssl req failed: " << out);
  return tls;
}

}  // namespace

TEST_CASE(
    "http_get over https with a self-signed cert fails by default and passes "
    "with ca_file or tls_verify false") {
  TempDir certs("golo-tls");
  const NginxTls tls = self_signed_cert(certs.path());
  NginxProcess nginx(tls);
  TempDir dir;
  for (const char *name : {"verified", "trusted", "unverified"})
    install_plugin(example_plugin("http_get"), dir.path(), name);
  const std::string url = "url = " + nginx.url("/ok") + "\ntimeout = 5000\n";
  write_text(dir.path() / "verified.conf", url);
  write_text(dir.path() / "trusted.conf",
             url + "ca_file = " + tls.cert.string() + "\n");
  write_text(dir.path() / "unverified.conf", url + "tls_verify = false\n");
  HostProcess host(dir.path());
  REQUIRE(host.list().plugins_size() == 3);

  // Defaults: the system's CAs do not vouch for it, and the output says so.
  golo::Response verified;
  REQUIRE(host.trigger("verified", verified).ok());
  CHECK(verified.error());
  CHECK_MESSAGE(
      verified.output().find("SSL certificate problem") != std::string::npos,
      verified.output());
  CHECK(tag(verified, "url") == nginx.url("/ok"));

  for (const char *job : {"trusted", "unverified"}) {
    golo::Response r;
    REQUIRE(host.trigger(job, r).ok());
    CHECK_MESSAGE(!r.error(), job << ": " << r.output());
    CHECK(r.output() == "HTTP 200");
    CHECK(tag(r, "status") == "200");
    CHECK(tag(r, "size") == "6");  // "hello\n"
  }
  CHECK(host.log().find("plugin unverified: GET " + nginx.url("/ok") +
                        ", timeout 5000 ms, client curl, "
                        "TLS verification off") != std::string::npos);
}
