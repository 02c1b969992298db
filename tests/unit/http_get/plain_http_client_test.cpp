#include "plain_http_client.h"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>

#include "scripted_http_server.h"

using namespace golo::http_get;
using golo::test::ok;
using golo::test::Reply;
using golo::test::ScriptedServer;
using Then = Reply::Then;

namespace {

RequestSpec spec(const std::string &url, const std::string &method = "GET",
                 const std::string &body = "", long timeout_ms = 2000) {
  RequestSpec s;  // field by field: fields added later keep their defaults
  s.url = url;
  s.method = method;
  s.body = body;
  s.timeout_ms = timeout_ms;
  return s;
}

PlainHttpTarget plan(const RequestSpec &s) {
  PlainHttpTarget t;
  std::string why;
  REQUIRE_MESSAGE(plan_plain_http(s, t, why), why);
  return t;
}

// A planned target and its client; the client keeps a reference to target.
struct Plain {
  explicit Plain(const RequestSpec &s)
      : target(plan(s)), client(std::make_unique<PlainHttpClient>(target)) {}
  HttpResult get() {
    HttpResult r;
    client->perform(r);
    return r;
  }
  PlainHttpTarget target;
  std::unique_ptr<PlainHttpClient> client;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

TEST_CASE("plan builds the request line and Host header from the URL") {
  auto t = plan(spec("http://example.com:8080/a/b?q=1&r=2#frag"));
  CHECK(t.host == "example.com");
  CHECK(t.port == "8080");
  CHECK(t.request ==
        "GET /a/b?q=1&r=2 HTTP/1.1\r\nHost: example.com:8080\r\n"
        "User-Agent: golo/" GOLO_VERSION " (http_get)\r\nAccept: */*\r\n\r\n");
  auto v6 = plan(spec("http://[::1]/"));
  CHECK(v6.host == "::1");
  CHECK(v6.port == "80");
  CHECK(v6.request.find("Host: [::1]\r\n") != std::string::npos);
  auto bare = plan(spec("http://localhost"));
  CHECK(bare.request.rfind("GET / HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("plan sends a body with its length for methods other than GET") {
  auto post = plan(spec("http://h/p", "POST", "a=1&b=2"));
  CHECK(post.request.rfind("POST /p HTTP/1.1\r\n", 0) == 0);
  CHECK(post.request.find("Content-Length: 7\r\n") != std::string::npos);
  CHECK(post.request.substr(post.request.size() - 11) == "\r\n\r\na=1&b=2");
  auto head = plan(spec("http://h/p", "HEAD", "ignored"));
  CHECK(head.head);
  CHECK(head.request.find("ignored") == std::string::npos);
  CHECK(head.request.find("Content-Length") == std::string::npos);
}

TEST_CASE("plan leaves https credentials and bad URLs to the caller") {
  PlainHttpTarget t;
  std::string why;
  CHECK_FALSE(plan_plain_http(spec("https://h/"), t, why));
  CHECK(why == "scheme https is not plain http");
  CHECK_FALSE(plan_plain_http(spec("http://u:p@h/"), t, why));
  CHECK(why.find("credentials") != std::string::npos);
  CHECK_FALSE(plan_plain_http(spec("http://exa mple.com/"), t, why));
  CHECK_FALSE(why.empty());
}

TEST_CASE("one connection serves many requests and bodies are counted") {
  ScriptedServer server({{ok("hello")}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 5; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.status == 200);
    CHECK(r.body_bytes == 5);
  }
  CHECK(server.connections() == 1);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 5);
  CHECK(reqs[4].rfind("GET /x HTTP/1.1\r\nHost: 127.0.0.1:", 0) == 0);
}

TEST_CASE("a chunked body sent in small pieces is counted without framing") {
  // Chunks of 3 + 10 + 0; pieces of 4 bytes split every part of the framing.
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n";
  ScriptedServer server(
      {{chunked, Then::keep, 4, std::chrono::milliseconds(1)}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 2; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.body_bytes == 13);
  }
  CHECK(server.connections() == 1);
}

TEST_CASE(
    "a body that runs to the close is counted and the next call reconnects") {
  const std::string to_close =
      "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" +
      std::string(100000, 'z');
  ScriptedServer server(
      {{to_close, Then::close, 30000, std::chrono::milliseconds(1)}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 2; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.status == 200);
    CHECK(r.body_bytes == 100000);
  }
  CHECK(server.connections() == 2);
}

TEST_CASE("Connection close from the server means a new connection next call") {
  ScriptedServer server(
      {{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        Then::close}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 3; ++i) CHECK(p.get().answered);
  CHECK(server.connections() == 3);
}

TEST_CASE("a host name is resolved and its addresses tried in turn") {
  // localhost may resolve to ::1 first, where nothing listens; every call
  // reconnects (Connection: close) through the kept resolution.
  ScriptedServer server(
      {{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        Then::close}});
  Plain p(spec("http://localhost:" + std::to_string(server.port()) + "/n"));
  for (int i = 0; i < 3; ++i) {
    auto r = p.get();
    CHECK_MESSAGE(r.answered, r.error);
  }
  CHECK(server.connections() == 3);
  CHECK(server.requests()[0].find("Host: localhost:") != std::string::npos);
}

TEST_CASE("a kept-alive connection the server dropped is retried once") {
  // The server closes after each answer without saying so, as an idle
  // timeout would: every call after the first finds a dead connection.
  ScriptedServer server({{ok("x"), Then::close}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 3; ++i) {
    auto r = p.get();
    CHECK_MESSAGE(r.answered, r.error);
  }
  CHECK(server.connections() == 3);
  CHECK(server.requests().size() == 3);
}

TEST_CASE("a fresh connection closed without an answer is a failure") {
  ScriptedServer server({{"", Then::close}});
  Plain p(spec(server.url()));
  auto r = p.get();
  CHECK_FALSE(r.answered);
  CHECK(std::string(r.error) ==
        server.url() + " closed the connection without a response");
}

TEST_CASE("a HEAD response has no body even with a Content-Length") {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"}});
  Plain p(spec(server.url(), "HEAD"));
  for (int i = 0; i < 2; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.body_bytes == 0);
  }
  CHECK(server.connections() == 1);
  CHECK(server.requests()[0].rfind("HEAD /x HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("a POST body reaches the server whole") {
  ScriptedServer server({{ok("")}});
  Plain p(spec(server.url(), "POST", std::string(50000, 'b')));
  auto r = p.get();
  REQUIRE_MESSAGE(r.answered, r.error);
  auto req = server.requests().at(0);
  CHECK(req.find("Content-Length: 50000\r\n") != std::string::npos);
  CHECK(req.substr(req.size() - 50000) == std::string(50000, 'b'));
}

TEST_CASE("an interim 100 Continue is skipped for the final response") {
  ScriptedServer server(
      {{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
        "Content-Length: 3\r\n\r\nnew"}});
  Plain p(spec(server.url(), "POST", "x"));
  auto r = p.get();
  REQUIRE_MESSAGE(r.answered, r.error);
  CHECK(r.status == 201);
  CHECK(r.body_bytes == 3);
}

TEST_CASE("a 101 Switching Protocols answer is final and ends the connection") {
  ScriptedServer server(
      {{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
        "websocket\r\nConnection: Upgrade\r\n\r\n"}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 2; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.status == 101);
  }
  CHECK(server.connections() == 2);
}

TEST_CASE("a header larger than the read buffer is still parsed") {
  const std::string big =
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(40000, 'h') +
      "\r\nContent-Length: 2\r\n\r\nok";
  ScriptedServer server(
      {{big, Then::keep, 7000, std::chrono::milliseconds(1)}});
  Plain p(spec(server.url()));
  for (int i = 0; i < 2; ++i) {
    auto r = p.get();
    REQUIRE_MESSAGE(r.answered, r.error);
    CHECK(r.body_bytes == 2);
  }
}

TEST_CASE("malformed and oversized responses fail with the URL and the cause") {
  {
    ScriptedServer server({{"SMTP ready\r\n\r\n"}});
    Plain p(spec(server.url()));
    auto r = p.get();
    CHECK_FALSE(r.answered);
    CHECK(std::string(r.error).rfind("bad response from " + server.url() + ": ",
                                     0) == 0);
  }
  {
    ScriptedServer server({{"HTTP/1.1 200 OK\r\nX-Huge: " +
                            std::string(70000, 'h') + "\r\n\r\n"}});
    Plain p(spec(server.url()));
    auto r = p.get();
    CHECK_FALSE(r.answered);
    CHECK(std::string(r.error).find("header limit") != std::string::npos);
  }
  {
    ScriptedServer server(
        {{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", Then::close}});
    Plain p(spec(server.url()));
    auto r = p.get();
    CHECK_FALSE(r.answered);
    CHECK(std::string(r.error).find("closed mid-response") !=
          std::string::npos);
  }
}

TEST_CASE("a refused connection names the address") {
  Plain p(spec("http://127.0.0.1:1/"));
  auto r = p.get();
  CHECK_FALSE(r.answered);
  CHECK(std::string(r.error) ==
        "connect to 127.0.0.1 port 1: Connection refused");
}

TEST_CASE("the timeout covers the whole response not each read") {
  SUBCASE("no answer at all") {
    ScriptedServer server({{"", Then::stall}});
    Plain p(spec(server.url(), "GET", "", 200));
    auto t0 = std::chrono::steady_clock::now();
    auto r = p.get();
    const double took = ms_since(t0);
    CHECK_FALSE(r.answered);
    CHECK(std::string(r.error) == "timeout: no complete response from " +
                                      server.url() + " within 200 ms");
    CHECK(took >= 195);
    CHECK(took < 1000);
  }
  SUBCASE("a trickle that never finishes in time") {
    // A byte every 40 ms: each read is quick, the whole is not.
    ScriptedServer server({{ok(std::string(100, 't')), Then::keep, 1,
                            std::chrono::milliseconds(40)}});
    Plain p(spec(server.url(), "GET", "", 300));
    auto t0 = std::chrono::steady_clock::now();
    auto r = p.get();
    const double took = ms_since(t0);
    CHECK_FALSE(r.answered);
    CHECK(std::string(r.error).rfind("timeout: ", 0) == 0);
    CHECK(took >= 290);
    // The deadline plus the 5% reset slack is 315 ms; a per-read timeout
    // would run to the whole trickle, 4 s. The margin is for loaded CI.
    CHECK(took < 1000);
  }
}
