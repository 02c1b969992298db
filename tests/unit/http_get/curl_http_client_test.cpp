#include "curl_http_client.h"

#include <doctest/doctest.h>

#include <string>

#include "scripted_http_server.h"

using namespace golo::http_get;
using golo::test::ok;
using golo::test::Reply;
using golo::test::ScriptedServer;

namespace {
// Field by field, so fields added to RequestSpec keep their defaults.
RequestSpec spec(const std::string &url, const std::string &method,
                 const std::string &body, long timeout_ms) {
  RequestSpec s;
  s.url = url;
  s.method = method;
  s.body = body;
  s.timeout_ms = timeout_ms;
  return s;
}

HttpResult perform(CurlHttpClient &c) {
  HttpResult r;
  c.perform(r);
  return r;
}
}  // namespace

TEST_CASE("curl client counts the body and keeps its connection") {
  ScriptedServer server({{ok("hello curl")}});
  CurlHttpClient c(spec(server.url(), "GET", "", 2000));
  REQUIRE(c.ok());
  for (int i = 0; i < 3; ++i) {
    auto r = perform(c);
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.status == 200);
    CHECK(r.body_bytes == 10);
  }
  CHECK(server.connections() == 1);
}

TEST_CASE("curl client sends the body with the configured verb") {
  ScriptedServer server({{ok("")}});
  CurlHttpClient c(spec(server.url(), "PUT", "k=v", 2000));
  auto r = perform(c);
  REQUIRE_MESSAGE(r.answered, r.error);
  auto req = server.requests().at(0);
  CHECK(req.rfind("PUT /x HTTP/1.1\r\n", 0) == 0);
  CHECK(req.substr(req.size() - 7) == "\r\n\r\nk=v");
}

TEST_CASE("curl client reports refusal and timeout in curl's words") {
  CurlHttpClient refused(spec("http://127.0.0.1:1/", "GET", "", 2000));
  auto r = perform(refused);
  CHECK_FALSE(r.answered);
  CHECK(std::string(r.error).rfind("Couldn't connect to server: ", 0) == 0);

  ScriptedServer server({{"", Reply::Then::stall}});
  CurlHttpClient slow(spec(server.url(), "GET", "", 200));
  r = perform(slow);
  CHECK_FALSE(r.answered);
  CHECK(std::string(r.error).rfind("Timeout was reached: ", 0) == 0);
}
