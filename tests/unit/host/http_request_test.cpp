// The host's HTTP client's pure parts: a request checked and given its
// defaults before anything is sent (each bad input named), the step name,
// curl's results as error classes, and the run's env checks.
#include <doctest/doctest.h>

#include <curl/curl.h>

#include <string>

#include "golo/agent/run_env.h"
#include "http/error_class.h"
#include "http/request_check.h"

using namespace golo::host::http;

namespace {

std::string why(golo_http_request r, const Defaults &d = {}) {
  Prepared p;
  return prepare(r, d, p);
}

golo_http_request get(const char *url) {
  golo_http_request r{};
  r.size = sizeof r;
  r.url = url;
  return r;
}

}  // namespace

TEST_CASE("http request: defaults for a zeroed request") {
  Prepared p;
  const Defaults d{"/ca.pem", GOLO_HTTP_HTTP2};
  REQUIRE(prepare(get("http://127.0.0.1:8080/x"), d, p) == "");
  CHECK(std::string(p.method) == "GET");
  CHECK(!p.has_body);
  CHECK(p.timeout_ns == GOLO_HTTP_DEFAULT_TIMEOUT_NS);
  CHECK(p.body_cap == GOLO_HTTP_DEFAULT_BODY_CAP);
  CHECK(p.max_redirects == GOLO_HTTP_DEFAULT_MAX_REDIRECTS);
  CHECK(p.flags == GOLO_HTTP_HTTP2);
  CHECK(std::string(p.ca_file) == "/ca.pem");
  auto post = get("https://shop/login");
  post.method = "POST";
  REQUIRE(prepare(post, {}, p) == "");
  CHECK(p.has_body);  // a POST without a body sends an empty one
  CHECK(p.ca_file == nullptr);
}

TEST_CASE("http request: each bad input is named") {
  CHECK(why(get(nullptr)) == "invalid: the request has no URL");
  CHECK(why(get("ftp://x/")).find("scheme \"ftp\" is not supported") !=
        std::string::npos);
  CHECK(why(get("127.0.0.1:80/")).find("has no scheme") != std::string::npos);
  CHECK(why(get("http:///path")).find("has no host") != std::string::npos);
  CHECK(why(get("http://a b/")).find("holds a space") != std::string::npos);
  auto r = get("http://x/");
  golo_http_header h{"X-A", "b\r\nX-B: c"};
  r.headers = &h;
  r.header_count = 1;
  CHECK(why(r).find("has CR or LF in its value") != std::string::npos);
  h = {"Bad Name", "v"};
  CHECK(why(r).find("not a token") != std::string::npos);
  r = get("http://x/");
  r.header_count = 2;
  CHECK(why(r).find("headers is NULL") != std::string::npos);
  r = get("http://x/");
  r.body = "x";
  r.body_len = 1;
  CHECK(why(r).find("a body on GET") != std::string::npos);
  r.method = "HEAD";
  CHECK(why(r).find("a body on HEAD") != std::string::npos);
  r = get("http://x/");
  r.method = "GE T";
  CHECK(why(r).find("is not a token") != std::string::npos);
  r = get("http://x/");
  r.timeout_ns = -1;
  CHECK(why(r).find("timeout_ns is negative") != std::string::npos);
  r = get("http://x/");
  r.size = 4;
  CHECK(why(r).find("golo_http_request.size is 4") != std::string::npos);
}

TEST_CASE("http request: the default step name drops query and fragment") {
  std::string name;
  step_name(get("http://shop/cart?id=7#top"), "GET", name);
  CHECK(name == "GET http://shop/cart");
  auto r = get("http://shop/user/1234");
  r.name = "user";
  step_name(r, "GET", name);
  CHECK(name == "user");
}

TEST_CASE("http errors: curl's results in the ABI's classes") {
  CHECK(error_class(CURLE_OK) == GOLO_HTTP_OK);
  CHECK(error_class(CURLE_COULDNT_CONNECT) == GOLO_HTTP_REFUSED);
  CHECK(error_class(CURLE_OPERATION_TIMEDOUT) == GOLO_HTTP_TIMEOUT);
  CHECK(error_class(CURLE_COULDNT_RESOLVE_HOST) == GOLO_HTTP_DNS);
  CHECK(error_class(CURLE_PEER_FAILED_VERIFICATION) == GOLO_HTTP_TLS);
  CHECK(error_class(CURLE_WEIRD_SERVER_REPLY) == GOLO_HTTP_MALFORMED);
  CHECK(error_class(CURLE_ABORTED_BY_CALLBACK) == GOLO_HTTP_STOPPED);
  CHECK(error_class(CURLE_TOO_MANY_REDIRECTS) == GOLO_HTTP_OTHER);
  CHECK(std::string(error_name(GOLO_HTTP_TIMEOUT)) == "timeout");
}

TEST_CASE("run env: keys and values are checked") {
  using golo::agent::env_problem;
  CHECK(env_problem("BASE_URL", "http://x") == "");
  CHECK(env_problem("_a.b-c9", "") == "");
  CHECK(env_problem("", "x") == "an env key is empty");
  CHECK(env_problem("9A", "x").find("must start with a letter") !=
        std::string::npos);
  CHECK(env_problem("A B", "x").find("may hold only") != std::string::npos);
  CHECK(env_problem("A", "x\ny").find("control character") !=
        std::string::npos);
  CHECK(env_problem(std::string(129, 'a'), "").find("limit is 128") !=
        std::string::npos);
  CHECK(env_problem("A", std::string(4097, 'v')).find("limit is 4096") !=
        std::string::npos);
  std::string k, v;
  CHECK(golo::agent::split_env_arg("A=b=c", k, v));
  CHECK(k == "A");
  CHECK(v == "b=c");
  CHECK(!golo::agent::split_env_arg("NOEQ", k, v));
}
