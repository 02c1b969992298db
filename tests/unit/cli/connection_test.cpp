// What golo refuses before it connects: a token over plaintext to an
// address off loopback. Nothing here opens a socket.
#include <doctest/doctest.h>

#include <cstdlib>

#include "connection_options.h"

using golo::cli::check_token_transport;
using golo::cli::ConnectionFlags;
using golo::cli::ConnectOptions;
using golo::cli::loopback_host;

TEST_CASE("loopback hosts: literal loopback addresses and localhost and unix") {
  for (const char *h :
       {"127.0.0.1:9999", "127.0.0.2:47001", "localhost:1", "[::1]:9999",
        "[::ffff:127.0.0.2]:1", "ipv4:127.0.0.1:9999", "ipv6:[::1]:1",
        "unix:/run/golo.sock", "unix-abstract:golo"}) {
    INFO(h);
    CHECK(loopback_host(h));
  }
  for (const char *h :
       {"10.0.0.7:9999", "golo-0.golo:9999", "0.0.0.0:9999", "[::]:9999",
        "[::ffff:10.0.0.9]:80", "127.0.0.1", "::1",
        "ipv4:127.0.0.1:1,10.0.0.9:80", "ipv6:[::1]:1,[2001:db8::7]:80",
        "127.0.0.1:1,10.0.0.9:80", "dns:///localhost:9999",
        "localhost.example.com:1", "127.1:80", "0x7f000001:80"}) {
    INFO(h);
    CHECK(!loopback_host(h));
  }
}

TEST_CASE("a token is refused over plaintext off loopback") {
  ConnectionFlags flags;
  ConnectOptions opts;
  opts.token = "0123456789abcdef0123";
  CHECK(check_token_transport(flags, opts, {"127.0.0.1:9999"}).empty());
  CHECK(
      check_token_transport(flags, opts, {"127.0.0.1:9999", "127.0.0.2:47001"})
          .empty());
  CHECK(check_token_transport(flags, opts, {"127.0.0.1:1", "10.0.0.7:9999"}) ==
        "refusing to send the token to 10.0.0.7:9999 in clear text (it is not "
        "loopback): connect with TLS (--tls-ca FILE, GOLO_TLS_CA, or --tls), "
        "or add --insecure to send it anyway");
  CHECK(!check_token_transport(flags, opts, {"ipv4:127.0.0.1:1,10.0.0.9:80"})
             .empty());
  // TLS, --insecure, or no token at all: allowed.
  opts.tls = true;
  CHECK(check_token_transport(flags, opts, {"10.0.0.7:9999"}).empty());
  opts.tls = false;
  flags.insecure = true;
  CHECK(check_token_transport(flags, opts, {"10.0.0.7:9999"}).empty());
  flags.insecure = false;
  opts.token.clear();
  CHECK(check_token_transport(flags, opts, {"10.0.0.7:9999"}).empty());
}

TEST_CASE("GOLO_TLS_CA is the default --tls-ca") {
  ConnectionFlags flags;
  ConnectOptions opts;
  std::string error;
  ::setenv("GOLO_TLS_CA", "/nonexistent/ca.pem", 1);
  CHECK(!golo::cli::resolve(flags, opts, error));
  CHECK(error.find("GOLO_TLS_CA") == 0);
  CHECK(error.find("/nonexistent/ca.pem") != std::string::npos);
  // The flag wins over the environment.
  flags.tls_ca = "/nonexistent/other.pem";
  CHECK(!golo::cli::resolve(flags, opts, error));
  CHECK(error.find("--tls-ca") == 0);
  ::unsetenv("GOLO_TLS_CA");
  flags.tls_ca.clear();
  CHECK(golo::cli::resolve(flags, opts, error));
  CHECK(!opts.tls);
}
